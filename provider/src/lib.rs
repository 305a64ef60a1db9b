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
