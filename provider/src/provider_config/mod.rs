//! Provider configuration (named as in `hashicorp/aws`) and the AWS clients it yields: the
//! provider data of this provider's engine.
//!
//! Precedence, as in the AWS provider: explicit settings in the provider block, then the
//! environment (`AWS_REGION`/`AWS_DEFAULT_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_PROFILE`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`), then the
//! shared config and credentials files (then container and instance credentials). An explicit
//! `profile` wins over credentials in the environment. `endpoints.*` override one service each.
//!
//! - [`schema`]: the block's attributes and their per-attribute validators;
//! - [`validate`]: those validators and the checks across attributes;
//! - [`settings`]: the block read into Rust values, and [`Configured`], what operations receive;
//! - [`configure`]: ConfigureProvider, from the block and the environment to [`Configured`];
//! - [`credentials`]: the credentials source, `assume_role`, and their validation with STS;
//! - [`network`]: trusted certificate authorities and proxies of every AWS call;
//! - [`roles`]: `assume_role` and `assume_role_with_web_identity`, as STS calls of our own.

mod configure;
mod credentials;
mod network;
mod roles;
mod schema;
mod settings;
#[cfg(test)]
mod test_support;
mod validate;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

pub use configure::{Sources, configure, configure_until_stopped, configure_with};
pub use network::Network;
pub use schema::{DEFAULT_MAX_RETRIES, MAX_RETRIES_LIMIT, schema, sensitive_attributes};
pub use settings::Configured;
pub use validate::{
    check_external_id, check_proxy_url, check_region, check_role_arn, check_session_name, check_url, validate,
};

use crate::engine::{Configure, Diagnostics, Schema, Value};

/// The dmslink provider block as the engine sees it: schema, checks, and `configure`, which
/// yields the [`Configured`] data every resource operation receives.
pub struct ProviderBlock;

#[async_trait]
impl Configure for ProviderBlock {
    type Data = Configured;
    fn schema(&self) -> Schema {
        schema()
    }
    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        validate(config, diags);
    }
    async fn configure(&self, config: &Value) -> Result<Configured, Diagnostics> {
        configure(config).await
    }
    async fn configure_stoppable(&self, config: &Value, stop: &CancellationToken) -> Result<Configured, Diagnostics> {
        configure_until_stopped(config, Sources::Process, stop).await
    }
}
