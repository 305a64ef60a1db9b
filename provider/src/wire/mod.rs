//! The only code that names protobuf or tonic types.
