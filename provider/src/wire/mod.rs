//! The only code that names protobuf or tonic types: the go-plugin handshake and AutoMTLS, the
//! gRPC services, conversion between protobuf and engine types, and cty value encodings.
//!
//! - [`serve::run`] is the whole plugin process (`main` calls it);
//! - [`serve::serve`] runs the gRPC server on an injected listener with an injected shutdown;
//! - [`server::ProviderService`] is `tfplugin6.Provider` over the engine;
//! - [`convert`] and [`cty`] translate schemas, diagnostics and values.

pub mod convert;
pub mod cty;
pub mod go_plugin;
pub mod handshake;
pub mod pb;
pub mod serve;
pub mod server;
pub mod tls;

/// gRPC message limit in both directions, as terraform-plugin-go sets it (tonic's default is 4 MiB).
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;
