//! dmslink: a Terraform provider (plugin protocol 6) that builds an AWS DMS replication stack.

pub mod arn;
pub mod aws;
pub mod backoff;
pub mod docs;
pub mod engine;
#[cfg(test)]
mod fuzz;
pub mod logging;
pub mod provider_config;
pub mod resources;
pub mod tag_rules;
pub mod wire;

/// This provider's version (the workspace version): `--version`, the first log line, and the
/// `dmslink/<version>` token of every AWS request's User-Agent.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
