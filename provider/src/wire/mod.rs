//! The only code that names protobuf or tonic types: the go-plugin handshake and AutoMTLS, the
//! gRPC services, conversion between protobuf and engine types, and cty value encodings.

pub mod cty;
pub mod pb;
