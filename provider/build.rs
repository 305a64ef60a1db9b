//! Generates the protobuf and gRPC code for the plugin protocol from `../proto`, with protox
//! parsing the .proto files so no system `protoc` is needed.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_dir = manifest_dir.join("..").join("proto");
    let files = [
        proto_dir.join("tfplugin6.proto"),
        proto_dir.join("plugin").join("grpc_controller.proto"),
        proto_dir.join("plugin").join("grpc_stdio.proto"),
        proto_dir.join("plugin").join("grpc_broker.proto"),
    ];
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let fds = protox::compile(&files, [&proto_dir])?;
    // Servers for the provider; clients for the integration tests (they talk to the real binary).
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .emit_rerun_if_changed(false)
        .compile_fds(fds)?;
    Ok(())
}
