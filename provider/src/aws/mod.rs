//! AWS access behind small traits; no Terraform types here.
//!
//! - `dms`, `ec2`, `rds`, `iam`: one small trait per service (`DmsApi`, `Ec2Api`, `RdsApi`,
//!   `IamApi`) with its domain types; `<service>_sdk`: the SDK implementation.
//! - `error`: errors classified once (`NotFound`, `Throttled`, `InvalidState`, ...).
//! - `stop`: StopProvider reaches every SDK call (HTTP client and sleep race the stop token).
//! - `wait`: the generic poller used by every resource.
//! - `sts`: credential validation (GetCallerIdentity).
//! - `logs`: CloudWatch Logs, the tail of a replication task's log (`LogsApi`).
//! - `secrets_manager`: the login secret dmslink owns (`manage_login_secret`, `SecretsManagerApi`).
//! - `fake`: in-memory fakes (tests and the `fakes` feature).

pub mod coalesce;
pub mod dms;
pub mod dms_coalesced;
pub mod dms_refresh_listing;
pub mod dms_sdk;
pub mod ec2;
pub mod ec2_coalesced;
pub mod ec2_sdk;
pub mod engine_settings;
pub mod engine_settings_rules;
pub mod error;
#[cfg(any(test, feature = "fakes"))]
pub mod fake;
pub mod iam;
pub mod iam_policy;
pub mod iam_sdk;
pub mod logs;
pub mod logs_sdk;
pub mod offers;
pub mod rds;
pub mod rds_coalesced;
pub mod rds_sdk;
pub mod secrets_access;
pub mod secrets_manager;
pub mod secrets_manager_sdk;
pub mod stop;
pub mod sts;
pub mod user_agent;
pub mod wait;

use std::sync::Arc;

use aws_types::SdkConfig;
use aws_types::service_config::ServiceConfigKey;

pub use error::{AwsError, ErrorKind};

/// AWS resource tags, key to value, as every service takes them.
pub type Tags = std::collections::BTreeMap<String, String>;

/// A password on its way to AWS. Its `Debug` shows `***`, so inputs holding one can be logged or
/// compared in tests without the value ever reaching a log line or an error message; only the SDK
/// call sites (and the fakes) read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret::new(s)
    }
}

/// Per-service endpoint URLs from the provider's `endpoints` block (`None`: the SDK's choice,
/// which honours `AWS_ENDPOINT_URL_<SERVICE>` and `AWS_ENDPOINT_URL`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointOverrides {
    pub dms: Option<String>,
    pub ec2: Option<String>,
    pub rds: Option<String>,
    pub iam: Option<String>,
    pub logs: Option<String>,
    pub secretsmanager: Option<String>,
    pub sts: Option<String>,
    pub s3: Option<String>,
}

/// The clients every resource may use, built once per provider configuration.
#[derive(Clone)]
pub struct Clients {
    pub dms: Arc<dyn dms::DmsApi>,
    pub ec2: Arc<dyn ec2::Ec2Api>,
    /// EC2 as another account or in another region (a peering's accepter side).
    pub ec2_as: Arc<dyn ec2::Ec2Factory>,
    pub rds: Arc<dyn rds::RdsApi>,
    pub iam: Arc<dyn iam::IamApi>,
    /// CloudWatch Logs: a task's log tail for its failure report.
    pub logs: Arc<dyn logs::LogsApi>,
    /// Secrets Manager: the login secrets dmslink owns.
    pub secrets: Arc<dyn secrets_manager::SecretsManagerApi>,
    /// What the region offers, asked once per provider process (plan-time checks).
    pub offers: Arc<offers::OfferCache>,
}

/// The retry partition of every client: the SDK's retry attempts and back-off as configured, without
/// its retry quota. The standard retry mode shares one token bucket of 500 per service and region in
/// a process (a throttled retry costs 5, others 10, refilled only by first-try successes): one busy
/// apply empties it after about 100 throttled retries, and from then on every throttled call in the
/// process fails at once — measured by `tests/tests/concurrency.rs`
/// (`sustained_throttling_beyond_the_retry_budget_creates_nothing_twice`). A provider's calls are
/// already bounded by their attempts and the operation's deadline, so the quota only turns AWS's
/// "slow down" into a failed apply; other SDK users made the same choice (aws/aws-sdk-go-v2#2562
/// added `ratelimit.None` for it, hashicorp/terraform-provider-aws#34669 and #36024, eksctl#7877).
pub(crate) fn no_retry_quota(service: &'static str) -> aws_sdk_ec2::config::retry::RetryPartition {
    use aws_sdk_ec2::config::retry::{RetryPartition, TokenBucket};
    RetryPartition::custom(service).token_bucket(TokenBucket::unlimited()).build()
}

impl Clients {
    /// Every AWS client, built in one place from the loaded SDK configuration and the endpoint
    /// overrides. A new service is one line here (and one field above).
    pub fn from_sdk_config(sdk: &SdkConfig, endpoints: &EndpointOverrides) -> Clients {
        let dms_endpoint = endpoint_for(sdk, endpoints.dms.as_deref(), "Database Migration Service", "dms");
        let mut dms_conf = aws_sdk_databasemigration::config::Builder::from(sdk)
            .retry_partition(no_retry_quota("dms"))
            .interceptor(user_agent::DmslinkUserAgent);
        if let Some(url) = &endpoints.dms {
            dms_conf = dms_conf.endpoint_url(url);
        }
        let dms = dms_sdk::SdkDms::new(aws_sdk_databasemigration::Client::from_conf(dms_conf.build()), dms_endpoint);

        let ec2_endpoint = endpoint_for(sdk, endpoints.ec2.as_deref(), "EC2", "ec2");
        let mut ec2_conf = aws_sdk_ec2::config::Builder::from(sdk)
            .retry_partition(no_retry_quota("ec2"))
            .interceptor(user_agent::DmslinkUserAgent);
        if let Some(url) = &endpoints.ec2 {
            ec2_conf = ec2_conf.endpoint_url(url);
        }
        let ec2 = ec2_sdk::SdkEc2::new(aws_sdk_ec2::Client::from_conf(ec2_conf.build()), ec2_endpoint);
        let ec2: Arc<dyn ec2::Ec2Api> = if coalesce::wanted() {
            Arc::new(ec2_coalesced::CoalescedEc2::new(Arc::new(ec2), coalesce::DEFAULT_WINDOW))
        } else {
            Arc::new(ec2)
        };

        let rds_endpoint = endpoint_for(sdk, endpoints.rds.as_deref(), "RDS", "rds");
        let mut rds_conf = aws_sdk_rds::config::Builder::from(sdk)
            .retry_partition(no_retry_quota("rds"))
            .interceptor(user_agent::DmslinkUserAgent);
        if let Some(url) = &endpoints.rds {
            rds_conf = rds_conf.endpoint_url(url);
        }
        let rds = rds_sdk::SdkRds::new(aws_sdk_rds::Client::from_conf(rds_conf.build()), rds_endpoint);
        let rds: Arc<dyn rds::RdsApi> = if coalesce::wanted() {
            Arc::new(rds_coalesced::CoalescedRds::new(Arc::new(rds), coalesce::DEFAULT_WINDOW))
        } else {
            Arc::new(rds)
        };

        // IAM is global: one endpoint per partition, whatever the region.
        let iam_endpoint = match endpoint_for(sdk, endpoints.iam.as_deref(), "IAM", "iam") {
            url if url.starts_with("https://iam.") && url.ends_with(".amazonaws.com") => {
                "https://iam.amazonaws.com".to_string()
            }
            url => url,
        };
        let mut iam_conf = aws_sdk_iam::config::Builder::from(sdk)
            .retry_partition(no_retry_quota("iam"))
            .interceptor(user_agent::DmslinkUserAgent);
        if let Some(url) = &endpoints.iam {
            iam_conf = iam_conf.endpoint_url(url);
        }
        let iam = iam_sdk::SdkIam::new(aws_sdk_iam::Client::from_conf(iam_conf.build()), iam_endpoint);

        let logs_endpoint = endpoint_for(sdk, endpoints.logs.as_deref(), "CloudWatch Logs", "logs");
        let mut logs_conf = aws_sdk_cloudwatchlogs::config::Builder::from(sdk)
            .retry_partition(no_retry_quota("logs"))
            .interceptor(user_agent::DmslinkUserAgent);
        if let Some(url) = &endpoints.logs {
            logs_conf = logs_conf.endpoint_url(url);
        }
        let logs = logs_sdk::SdkLogs::new(aws_sdk_cloudwatchlogs::Client::from_conf(logs_conf.build()), logs_endpoint);

        let sm_endpoint = endpoint_for(sdk, endpoints.secretsmanager.as_deref(), "Secrets Manager", "secretsmanager");
        let mut sm_conf = aws_sdk_secretsmanager::config::Builder::from(sdk)
            .retry_partition(no_retry_quota("secretsmanager"))
            .interceptor(user_agent::DmslinkUserAgent);
        if let Some(url) = &endpoints.secretsmanager {
            sm_conf = sm_conf.endpoint_url(url);
        }
        let secrets = secrets_manager_sdk::SdkSecretsManager::new(
            aws_sdk_secretsmanager::Client::from_conf(sm_conf.build()),
            sm_endpoint,
        );

        let ec2_as = ec2_sdk::SdkEc2Factory::new(sdk, endpoints);

        let dms: Arc<dyn dms::DmsApi> = Arc::new(dms);
        let dms: Arc<dyn dms::DmsApi> = if coalesce::wanted() {
            Arc::new(dms_coalesced::CoalescedDms::new(dms, coalesce::DEFAULT_WINDOW))
        } else {
            tracing::debug!("coalesced DMS reads are off (DMSLINK_COALESCE_READS)");
            dms
        };

        Clients {
            dms,
            ec2,
            ec2_as: Arc::new(ec2_as),
            rds,
            iam: Arc::new(iam),
            logs: Arc::new(logs),
            secrets: Arc::new(secrets),
            offers: Arc::new(offers::OfferCache::new()),
        }
    }

    /// Clients over the given DMS implementation and empty, unlinked fakes for the other
    /// services (tests of DMS-only resources).
    #[cfg(any(test, feature = "fakes"))]
    pub fn with_dms(dms: Arc<dyn dms::DmsApi>) -> Clients {
        let ec2 = Arc::new(fake::FakeEc2::new());
        Clients {
            dms,
            ec2_as: Arc::new(fake::FakeAccounts::new(ec2.clone())),
            ec2,
            rds: Arc::new(fake::FakeRds::new()),
            iam: Arc::new(fake::FakeIam::new()),
            logs: Arc::new(fake::FakeLogs::new()),
            secrets: Arc::new(fake::FakeSecretsManager::new()),
            offers: Arc::new(offers::OfferCache::new()),
        }
    }

    /// Clients over the four fakes, linked into one world (see [`fake::FakeWorld`]): DMS checks
    /// `dms-vpc-role` in the IAM fake and subnets in the EC2 fake, RDS and DMS put network
    /// interfaces into EC2 subnets. Keep the `Arc`s to drive and inspect the fakes.
    #[cfg(any(test, feature = "fakes"))]
    pub fn fakes(
        dms: Arc<fake::FakeDms>,
        ec2: Arc<fake::FakeEc2>,
        rds: Arc<fake::FakeRds>,
        iam: Arc<fake::FakeIam>,
    ) -> Clients {
        fake::FakeWorld::from_parts(dms, ec2, rds, iam).clients()
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
