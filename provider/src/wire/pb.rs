//! Generated protobuf and gRPC types. Nothing outside `wire` names these.

#![allow(clippy::all, clippy::pedantic, clippy::unwrap_used, clippy::expect_used, missing_docs)]

/// Terraform plugin protocol 6 (`tfplugin6`).
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin side services (`plugin`): controller, stdio, broker.
pub mod plugin {
    tonic::include_proto!("plugin");
}
