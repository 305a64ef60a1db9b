//! AWS access behind small traits; no Terraform types here.
//!
//! - `dms`: the `DmsApi` trait and its domain types; `dms_sdk`: its SDK implementation.
//! - `error`: errors classified once (`NotFound`, `Throttled`, `InvalidState`, ...).
//! - `wait`: the generic poller used by every resource.
//! - `sts`: credential validation (GetCallerIdentity).
//! - `fake`: in-memory fakes (tests and the `fakes` feature).

pub mod dms;
pub mod dms_sdk;
pub mod error;
#[cfg(any(test, feature = "fakes"))]
pub mod fake;
pub mod sts;
pub mod wait;

use std::sync::Arc;

use aws_types::SdkConfig;
use aws_types::service_config::ServiceConfigKey;

pub use error::{AwsError, ErrorKind};

/// Per-service endpoint URLs from the provider's `endpoints` block (`None`: the SDK's choice,
/// which honours `AWS_ENDPOINT_URL_<SERVICE>` and `AWS_ENDPOINT_URL`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointOverrides {
    pub dms: Option<String>,
    pub ec2: Option<String>,
    pub rds: Option<String>,
    pub iam: Option<String>,
    pub sts: Option<String>,
    pub s3: Option<String>,
}

/// The clients every resource may use, built once per provider configuration.
#[derive(Clone)]
pub struct Clients {
    pub dms: Arc<dyn dms::DmsApi>,
}

impl Clients {
    /// Every AWS client, built in one place from the loaded SDK configuration and the endpoint
    /// overrides. A new service is one line here (and one field above).
    pub fn from_sdk_config(sdk: &SdkConfig, endpoints: &EndpointOverrides) -> Clients {
        let dms_endpoint = endpoint_for(sdk, endpoints.dms.as_deref(), "Database Migration Service", "dms");
        let mut dms_conf = aws_sdk_databasemigration::config::Builder::from(sdk);
        if let Some(url) = &endpoints.dms {
            dms_conf = dms_conf.endpoint_url(url);
        }
        let dms = dms_sdk::SdkDms::new(aws_sdk_databasemigration::Client::from_conf(dms_conf.build()), dms_endpoint);
        Clients { dms: Arc::new(dms) }
    }

    /// Clients over the given DMS implementation (tests use the fakes).
    pub fn with_dms(dms: Arc<dyn dms::DmsApi>) -> Clients {
        Clients { dms }
    }
}

/// Where a service's requests go, for error messages: the override, else what the SDK will use
/// (`AWS_ENDPOINT_URL_<SERVICE>` / profile `services`, then `AWS_ENDPOINT_URL`), else the regional
/// endpoint.
pub fn endpoint_for(sdk: &SdkConfig, override_url: Option<&str>, service_id: &str, host_prefix: &str) -> String {
    if let Some(url) = override_url {
        return url.to_string();
    }
    let from_env = ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()
        .and_then(|key| sdk.service_config().and_then(|c| c.load_config(key)));
    if let Some(url) = from_env {
        return url;
    }
    if let Some(url) = sdk.endpoint_url() {
        return url.to_string();
    }
    let region = sdk.region().map(|r| r.as_ref().to_string()).unwrap_or_else(|| "<no region>".to_string());
    let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
    format!("https://{host_prefix}.{region}.{suffix}")
}

/// The partition of a region: `aws`, `aws-cn`, `aws-us-gov`, ...
pub fn partition_of_region(region: &str) -> &'static str {
    const PREFIXES: &[(&str, &str)] = &[
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("us-isof-", "aws-iso-f"),
        ("eusc-", "aws-eusc"),
    ];
    PREFIXES.iter().find(|(p, _)| region.starts_with(p)).map_or("aws", |(_, part)| part)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_types::region::Region;

    #[test]
    fn partitions_follow_region_prefixes() {
        assert_eq!(partition_of_region("us-east-1"), "aws");
        assert_eq!(partition_of_region("cn-north-1"), "aws-cn");
        assert_eq!(partition_of_region("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_of_region("us-isob-east-1"), "aws-iso-b");
        assert_eq!(partition_of_region("us-iso-east-1"), "aws-iso");
    }

    #[test]
    fn endpoint_description_prefers_override_then_global_then_regional() {
        let sdk = SdkConfig::builder().region(Region::new("eu-west-1")).build();
        assert_eq!(
            endpoint_for(&sdk, None, "Database Migration Service", "dms"),
            "https://dms.eu-west-1.amazonaws.com"
        );
        assert_eq!(endpoint_for(&sdk, Some("http://127.0.0.1:5000"), "STS", "sts"), "http://127.0.0.1:5000");
        let sdk = SdkConfig::builder().region(Region::new("cn-north-1")).endpoint_url("http://localhost:4566").build();
        assert_eq!(endpoint_for(&sdk, None, "STS", "sts"), "http://localhost:4566");
        let sdk = SdkConfig::builder().region(Region::new("cn-north-1")).build();
        assert_eq!(endpoint_for(&sdk, None, "STS", "sts"), "https://sts.cn-north-1.amazonaws.com.cn");
    }
}
