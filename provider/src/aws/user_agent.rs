//! `dmslink/<version>` at the end of every AWS request's `User-Agent`, so CloudTrail (its
//! `userAgent` field) and AWS support can tell the provider's calls from other tools' calls made
//! with the same credentials (as `terraform-provider-aws/<version>` does for the AWS provider).
//!
//! The SDK writes its own `User-Agent` (and `x-amz-user-agent`) before signing. SigV4 leaves
//! `User-Agent` unsigned (aws-sigv4 excludes it from the signed headers), so it is edited after
//! signing, once per attempt; `x-amz-user-agent` is signed and stays the SDK's.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The token appended to the User-Agent: `dmslink/<version>`.
pub fn product_token() -> String {
    format!("dmslink/{}", crate::VERSION)
}

/// Appends [`product_token`] to the `User-Agent` header of every attempt.
#[derive(Debug, Clone, Copy, Default)]
pub struct DmslinkUserAgent;

impl Intercept for DmslinkUserAgent {
    fn name(&self) -> &'static str {
        "DmslinkUserAgent"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let headers = context.request_mut().headers_mut();
        let token = product_token();
        let value = match headers.get("user-agent") {
            Some(sdk) if sdk.split(' ').any(|t| t == token) => return Ok(()),
            Some(sdk) => format!("{sdk} {token}"),
            None => token,
        };
        headers.try_insert("user-agent", value)?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_credential_types::Credentials;
    use aws_smithy_runtime_api::client::http::{
        HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_types::SdkConfig;
    use aws_types::region::Region;

    use super::*;
    use crate::aws::{Clients, EndpointOverrides};

    /// Records each request's User-Agent and x-amz-user-agent; answers 400 with an empty body.
    #[derive(Debug, Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<(String, String, String)>>>);

    impl HttpConnector for Recorder {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            let h = |name: &str| request.headers().get(name).unwrap_or_default().to_string();
            self.0.lock().unwrap().push((request.uri().to_string(), h("user-agent"), h("x-amz-user-agent")));
            let response = Response::new(StatusCode::try_from(400).unwrap(), SdkBody::from("{}"));
            HttpConnectorFuture::ready(Ok(response))
        }
    }

    impl HttpClient for Recorder {
        fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
            SharedHttpConnector::new(self.clone())
        }
    }

    #[tokio::test]
    /// (STS's own client: `aws::sts` tests.)
    async fn every_client_sends_the_dmslink_token_after_the_sdk_user_agent() {
        let recorder = Recorder::default();
        let sdk = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(
                Credentials::for_tests(),
            ))
            .http_client(SharedHttpClient::new(recorder.clone()))
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .build();
        let clients = Clients::from_sdk_config(&sdk, &EndpointOverrides::default());
        let _ = clients.dms.find_certificate("c").await;
        let _ = clients.ec2.find_vpc("vpc-0123456789abcdef0").await;
        let _ = clients.rds.find_db_instance("db1").await;
        let _ = clients.iam.get_role("dms-vpc-role").await;
        let _ = clients.secrets.describe_secret("s").await;
        let _ = clients.logs.tail_events("g", "s", 1).await;
        let seen = recorder.0.lock().unwrap().clone();
        assert_eq!(seen.len(), 6, "{seen:?}");
        let token = format!("dmslink/{}", env!("CARGO_PKG_VERSION"));
        for (uri, ua, amz) in &seen {
            assert!(ua.starts_with("aws-sdk-rust/"), "{uri}: {ua}");
            assert!(ua.ends_with(&format!(" {token}")), "{uri}: {ua}");
            assert_eq!(ua.matches(&token).count(), 1, "{uri}: {ua}");
            // The signed header stays the SDK's own.
            assert!(!amz.contains(&token), "{uri}: {amz}");
        }
    }
}
