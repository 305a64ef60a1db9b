//! Credential validation: STS `GetCallerIdentity`, bounded in time so a wrong endpoint or a
//! missing network never hangs `terraform plan`.

use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::origin::Origin;

use super::error::{AwsError, ErrorKind};
use crate::arn::Arn;

/// Who the credentials belong to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
    /// From the caller ARN: `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: String,
}

/// Time limits of the validation call.
#[derive(Clone, Copy, Debug)]
pub struct ValidationLimits {
    pub connect_timeout: Duration,
    pub attempt_timeout: Duration,
    pub total_timeout: Duration,
    /// Attempts in all (1 = no retry).
    pub max_attempts: u32,
    /// Rounds of `max_attempts` while STS answers busy (throttling, 5xx): few attempts keep an
    /// endpoint that cannot be reached a fast failure, more rounds keep a burst of AWS errors from
    /// failing the whole plan (the chaos suite met three `InternalFailure` answers in a row).
    pub busy_rounds: u32,
}

impl Default for ValidationLimits {
    fn default() -> ValidationLimits {
        ValidationLimits {
            connect_timeout: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_attempts: 3,
            busy_rounds: 3,
        }
    }
}

/// An SDK config whose STS calls go to `sts_endpoint` (the provider's `endpoints.sts`), winning
/// over `AWS_ENDPOINT_URL_STS` as an explicit setting should. Used for AssumeRole too.
pub fn sdk_config_for_sts(sdk: &SdkConfig, sts_endpoint: Option<&str>) -> SdkConfig {
    match sts_endpoint {
        None => sdk.clone(),
        Some(url) => {
            let mut b = sdk.clone().into_builder();
            b.set_endpoint_url(Some(url.to_string()));
            b.insert_origin("endpoint_url", Origin::shared_config());
            b.build()
        }
    }
}

/// Calls GetCallerIdentity with `credentials` (already resolved) within `limits`; a round that
/// ends with STS busy is followed by another, up to `limits.busy_rounds`.
pub async fn get_caller_identity(
    sdk: &SdkConfig,
    sts_endpoint: Option<&str>,
    credentials: Credentials,
    limits: ValidationLimits,
) -> Result<CallerIdentity, AwsError> {
    let mut round = 1;
    loop {
        match caller_identity_round(sdk, sts_endpoint, credentials.clone(), limits).await {
            Err(e) if e.is_busy() && round < limits.busy_rounds => {
                tracing::debug!("STS GetCallerIdentity busy ({}), round {round} of {}", e.code, limits.busy_rounds);
                round += 1;
            }
            other => return other,
        }
    }
}

/// One round: the SDK's attempts within `limits`.
async fn caller_identity_round(
    sdk: &SdkConfig,
    sts_endpoint: Option<&str>,
    credentials: Credentials,
    limits: ValidationLimits,
) -> Result<CallerIdentity, AwsError> {
    let endpoint = super::endpoint_for(sdk, sts_endpoint, "STS", "sts");
    let sdk = sdk_config_for_sts(sdk, sts_endpoint);
    let conf = aws_sdk_sts::config::Builder::from(&sdk)
        .interceptor(super::user_agent::DmslinkUserAgent)
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .retry_config(RetryConfig::standard().with_max_attempts(limits.max_attempts.max(1)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(limits.connect_timeout)
                .operation_attempt_timeout(limits.attempt_timeout)
                .operation_timeout(limits.total_timeout)
                .build(),
        )
        .build();
    let client = aws_sdk_sts::Client::from_conf(conf);
    // The SDK's operation timeout bounds the call; this is a backstop for anything outside it.
    let call = client.get_caller_identity().send();
    let out = match tokio::time::timeout(limits.total_timeout + Duration::from_secs(2), call).await {
        // Classified as every SDK adapter does: a call cut by StopProvider says so.
        Ok(r) => r.map_err(|e| super::stop::from_sdk(e, &endpoint))?,
        Err(_) => {
            return Err(AwsError::new(
                ErrorKind::Other,
                "",
                format!("the AWS endpoint {endpoint} did not answer within {}s", limits.total_timeout.as_secs()),
            ));
        }
    };
    let arn = out.arn().unwrap_or_default().to_string();
    let partition = Arn::parse(&arn).map_or("aws", |a| a.partition).to_string();
    Ok(CallerIdentity {
        account: out.account().unwrap_or_default().to_string(),
        user_id: out.user_id().unwrap_or_default().to_string(),
        arn,
        partition,
    })
}

#[cfg(test)]
#[path = "sts_tests.rs"]
mod tests;
