//! The provider's own configuration block as the engine sees it: a schema, checks across its
//! attributes, and `configure`, which turns a configuration into the typed data every operation
//! then receives in `Ctx::provider`. The engine stores that data and hands it on without looking
//! inside (as terraform-plugin-framework passes `ProviderData`), so it knows nothing of AWS.

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::diag::Diagnostics;
use super::schema::Schema;
use super::value::Value;

#[async_trait]
pub trait Configure: Send + Sync {
    /// What a configured provider hands to every operation.
    type Data: Send + Sync + 'static;

    /// The provider block's schema (validation, the cty type, docs).
    fn schema(&self) -> Schema;

    /// Checks across attributes; per-attribute validators run from the schema first. Values may
    /// be unknown.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// ConfigureProvider: builds the data operations use, or says why it cannot.
    async fn configure(&self, config: &Value) -> Result<Self::Data, Diagnostics>;

    /// ConfigureProvider with the provider's stop token, which StopProvider cancels: data that
    /// makes calls (clients) can race them against it. By default the token is not used.
    async fn configure_stoppable(&self, config: &Value, stop: &CancellationToken) -> Result<Self::Data, Diagnostics> {
        let _ = stop;
        self.configure(config).await
    }
}
