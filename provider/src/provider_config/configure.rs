//! ConfigureProvider: the provider block plus the environment and shared files, in the AWS
//! provider's precedence, become the AWS clients and settings every operation uses. Diagnostics
//! never carry a secret.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::region::Region;
use tokio_util::sync::CancellationToken;

use super::credentials::{resolve_credentials, validate_with_sts, with_assume_role, with_credentials};
use super::network;
use super::settings::{Configured, LOAD_TIMEOUT, Settings, attempts};
use super::validate::check_region;
use crate::aws::stop::{StoppableHttpClient, StoppableSleep};
use crate::aws::{Clients, partition_of_region};
use crate::engine::diag::{AttrPath, Diagnostic};
use crate::engine::{Diagnostics, Value};

/// Where settings not in the provider block come from.
#[derive(Clone, Debug)]
pub enum Sources {
    /// The process environment and the shared config files (what Terraform runs with).
    Process,
    /// Only these variables and no config files (tests; public for the acceptance crate's SDK round
    /// trips against the emulator).
    Fixed(Vec<(String, String)>),
}

pub async fn configure(config: &Value) -> Result<Configured, Diagnostics> {
    configure_with(config, Sources::Process).await
}

pub async fn configure_with(config: &Value, sources: Sources) -> Result<Configured, Diagnostics> {
    configure_until_stopped(config, sources, &CancellationToken::new()).await
}

/// ConfigureProvider whose clients end every AWS call in flight, and refuse new ones, once `stop`
/// is cancelled (StopProvider; see [`crate::aws::stop`]).
pub async fn configure_until_stopped(
    config: &Value,
    sources: Sources,
    stop: &CancellationToken,
) -> Result<Configured, Diagnostics> {
    let settings = Settings::read(config);
    let secrets = settings.secrets();
    let mut out = configure_inner(&settings, sources, stop).await;
    if let Err(diags) = &mut out {
        scrub(diags, &secrets);
    }
    out
}

/// Replaces any secret that slipped into a message (e.g. echoed by a credential process).
fn scrub(diags: &mut Diagnostics, secrets: &[String]) {
    for d in &mut diags.0 {
        for s in secrets {
            if d.summary.contains(s.as_str()) {
                d.summary = d.summary.replace(s.as_str(), "***");
            }
            if d.detail.contains(s.as_str()) {
                d.detail = d.detail.replace(s.as_str(), "***");
            }
        }
    }
}

async fn configure_inner(
    settings: &Settings,
    sources: Sources,
    stop: &CancellationToken,
) -> Result<Configured, Diagnostics> {
    let partial = !settings.unknown.is_empty();
    if partial {
        tracing::debug!(unknown = ?settings.unknown, "provider configuration has unknown values; configuring with what is known");
    }

    let network = match &sources {
        Sources::Process => network::resolve(settings, &|k| std::env::var(k).ok())?,
        Sources::Fixed(vars) => {
            network::resolve(settings, &|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))?
        }
    };
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(StoppableHttpClient::https(stop.clone(), &network))
        .sleep_impl(StoppableSleep::new(stop.clone()))
        .retry_config(RetryConfig::standard().with_max_attempts(attempts(settings.max_retries)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
    // `app/dmslink` in the User-Agent of the calls aws-config makes itself (assume_role's STS,
    // SSO); the provider's own clients add `dmslink/<version>` (crate::aws::user_agent).
    if let Ok(app) = aws_types::app_name::AppName::new("dmslink") {
        loader = loader.app_name(app);
    }
    match sources {
        Sources::Process => {}
        Sources::Fixed(vars) => {
            let map: std::collections::HashMap<String, String> = vars.into_iter().collect();
            loader = loader
                .env(aws_types::os_shim_internal::Env::from(map))
                .fs(aws_types::os_shim_internal::Fs::from_slice(&[]));
        }
    }
    if let Some(r) = &settings.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(p) = &settings.profile {
        loader = loader.profile_name(p);
    }
    let (loader, cred_source) = with_credentials(loader, settings, partial)?;

    let sdk = match tokio::time::timeout(LOAD_TIMEOUT, loader.load()).await {
        Ok(sdk) => sdk,
        Err(_) => {
            return Err(Diagnostic::error(
                "Loading the AWS configuration timed out",
                format!("Reading the AWS region and credential settings took more than {}s.", LOAD_TIMEOUT.as_secs()),
            )
            .into());
        }
    };
    let region = sdk.region().map(|r| r.as_ref().to_string());
    let region = match region {
        Some(r) => r,
        None if partial => String::new(),
        None => {
            return Err(Diagnostic::error(
                "Missing AWS region",
                "The provider needs a region: set region in the provider block, or the AWS_REGION environment variable, \
                 or a region in the shared config profile.",
            )
            .at(AttrPath::attr("region"))
            .into());
        }
    };
    if settings.region.is_none()
        && !region.is_empty()
        && let Err(why) = check_region(&region)
    {
        return Err(Diagnostic::error(
            "Invalid AWS region",
            format!("The region from the environment or profile: {why}"),
        )
        .into());
    }

    let sdk = with_assume_role(sdk, settings).await;

    let mut account_id = None;
    let mut partition = partition_of_region(&region).to_string();
    if !partial {
        let creds = resolve_credentials(&sdk, settings).await?;
        if settings.skip_credentials_validation {
            tracing::debug!("skipping credential validation (skip_credentials_validation)");
        } else {
            let id = validate_with_sts(&sdk, settings, creds, &cred_source).await?;
            account_id = id.account_id;
            partition = id.partition;
        }
    }

    let clients = Clients::from_sdk_config(&sdk, &settings.endpoints);
    tracing::info!(
        region = region.as_str(),
        credentials = cred_source.as_str(),
        account_id = account_id.as_deref().unwrap_or("-"),
        partition = partition.as_str(),
        dms_endpoint = settings.endpoints.dms.as_deref().unwrap_or("-"),
        ca_bundle = network.ca_bundle_source.as_deref().unwrap_or("-"),
        partial,
        "provider configured"
    );
    Ok(Configured { clients, region, account_id, partition, default_tags: settings.default_tags.clone() })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Instant;

    use super::super::test_support::{SECRET, TOKEN, all_text, config, endpoints, obj, paths};
    use super::*;

    fn isolated() -> Sources {
        Sources::Fixed(vec![("AWS_EC2_METADATA_DISABLED".into(), "true".into())])
    }

    #[tokio::test]
    async fn configure_offline_with_skip_credentials_validation() {
        let cfg = config(&[
            ("region", Value::string("eu-west-1")),
            ("access_key", Value::string("AKIDEXAMPLE")),
            ("secret_key", Value::string(SECRET)),
            ("skip_credentials_validation", Value::Bool(true)),
            ("endpoints", endpoints(&[("dms", "http://127.0.0.1:1")])),
            (
                "default_tags",
                obj(&[("tags", Value::from_string_map(&BTreeMap::from([("team".into(), "data".into())])))]),
            ),
        ]);
        let c = configure_with(&cfg, isolated()).await.unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(c.region, "eu-west-1");
        assert_eq!(c.partition, "aws");
        assert_eq!(c.account_id, None);
        assert_eq!(c.default_tags.get("team").map(String::as_str), Some("data"));
    }

    #[tokio::test]
    async fn configure_unreachable_sts_fails_fast_without_secrets() {
        let cfg = config(&[
            ("region", Value::string("us-east-1")),
            ("access_key", Value::string("AKIDEXAMPLE")),
            ("secret_key", Value::string(SECRET)),
            ("token", Value::string(TOKEN)),
            ("endpoints", endpoints(&[("sts", "http://127.0.0.1:1"), ("dms", "http://127.0.0.1:1")])),
        ]);
        let start = Instant::now();
        let d = match configure_with(&cfg, isolated()).await {
            Ok(_) => panic!("configure against a closed port succeeded"),
            Err(d) => d,
        };
        assert!(start.elapsed() < Duration::from_secs(20), "took {:?}", start.elapsed());
        let text = all_text(&d);
        assert!(text.contains("Could not validate AWS credentials"), "{text}");
        assert!(text.contains("could not reach the AWS endpoint http://127.0.0.1:1"), "{text}");
        assert!(text.contains("skip_credentials_validation"), "{text}");
        assert!(!text.contains(SECRET) && !text.contains(TOKEN), "{text}");
    }

    #[tokio::test]
    async fn configure_without_credentials_says_what_to_set() {
        let cfg = config(&[("region", Value::string("us-east-1"))]);
        let start = Instant::now();
        let d = match configure_with(&cfg, isolated()).await {
            Ok(_) => panic!("configure without credentials succeeded"),
            Err(d) => d,
        };
        assert!(start.elapsed() < Duration::from_secs(20), "took {:?}", start.elapsed());
        let text = all_text(&d);
        assert!(text.contains("No valid AWS credentials found"), "{text}");
        assert!(text.contains("AWS_ACCESS_KEY_ID") && text.contains("access_key"), "{text}");
    }

    #[tokio::test]
    async fn configure_without_region_names_the_attribute() {
        let cfg = config(&[("access_key", Value::string("AKIDEXAMPLE")), ("secret_key", Value::string(SECRET))]);
        let d = match configure_with(&cfg, isolated()).await {
            Ok(_) => panic!("configure without region succeeded"),
            Err(d) => d,
        };
        assert_eq!(paths(&d), vec!["region"]);
    }

    #[tokio::test]
    async fn configure_takes_region_and_keys_from_the_environment() {
        let cfg = config(&[("skip_credentials_validation", Value::Bool(true))]);
        let env = Sources::Fixed(vec![
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("AWS_DEFAULT_REGION".into(), "ap-southeast-2".into()),
            ("AWS_ACCESS_KEY_ID".into(), "AKIDEXAMPLE".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), SECRET.into()),
        ]);
        let c = configure_with(&cfg, env).await.unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(c.region, "ap-southeast-2");
    }

    #[tokio::test]
    async fn configure_with_unknown_values_does_not_fail() {
        let cfg = config(&[("region", Value::Unknown), ("access_key", Value::Unknown), ("secret_key", Value::Unknown)]);
        let c = configure_with(&cfg, isolated()).await.unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(c.region, "");
        assert_eq!(c.account_id, None);
    }

    /// A forward proxy that answers every request itself with STS's GetCallerIdentity answer and
    /// records each request line (`POST http://host:port/ HTTP/1.1` when used as a proxy).
    async fn sts_answering_proxy() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        const IDENTITY: &str = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/dms</Arn><UserId>AIDEXAMPLE</UserId>\
<Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId>\
</ResponseMetadata></GetCallerIdentityResponse>";
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    // Head, then the body its Content-Length announces.
                    loop {
                        let Ok(n) = sock.read(&mut chunk).await else { return };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let text = String::from_utf8_lossy(&buf).to_string();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let len = text[..end]
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                                })
                                .and_then(|v| v.parse::<usize>().ok())
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + len {
                                log.lock().unwrap().push(text.lines().next().unwrap_or_default().to_string());
                                let answer = format!(
                                    "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\r\n{IDENTITY}",
                                    IDENTITY.len()
                                );
                                let _ = sock.write_all(answer.as_bytes()).await;
                                buf.clear();
                            }
                        }
                    }
                });
            }
        });
        (url, seen)
    }

    #[tokio::test]
    async fn configure_reaches_sts_through_http_proxy_and_no_proxy_bypasses_it() {
        let (proxy, seen) = sts_answering_proxy().await;
        // A host that does not resolve: only the proxy can answer for it.
        let sts = "http://sts.dmslink-test.invalid:8080";
        let base = [
            ("region", Value::string("eu-west-1")),
            ("access_key", Value::string("AKIDEXAMPLE")),
            ("secret_key", Value::string(SECRET)),
            ("max_retries", Value::int(0)),
            ("endpoints", endpoints(&[("sts", sts)])),
            ("http_proxy", Value::string(&proxy)),
        ];
        let c = configure_with(&config(&base), isolated()).await.unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(c.account_id.as_deref(), Some("123456789012"));
        assert_eq!(seen.lock().unwrap().clone(), vec![format!("POST {sts}/ HTTP/1.1")]);

        let mut bypass = base.to_vec();
        bypass.push(("no_proxy", Value::string(".dmslink-test.invalid")));
        let d = match configure_with(&config(&bypass), isolated()).await {
            Ok(_) => panic!("no_proxy did not bypass the proxy: the unresolvable host answered"),
            Err(d) => d,
        };
        assert!(all_text(&d).contains("Could not validate AWS credentials"), "{}", all_text(&d));
        assert_eq!(seen.lock().unwrap().len(), 1, "the proxy saw the bypassed request");
    }

    #[tokio::test]
    async fn configure_refuses_an_unreadable_custom_ca_bundle_at_the_attribute() {
        let cfg = config(&[
            ("region", Value::string("eu-west-1")),
            ("skip_credentials_validation", Value::Bool(true)),
            ("access_key", Value::string("AKIDEXAMPLE")),
            ("secret_key", Value::string(SECRET)),
            ("custom_ca_bundle", Value::string("/nonexistent/dmslink-ca.pem")),
        ]);
        let d = match configure_with(&cfg, isolated()).await {
            Ok(_) => panic!("a missing CA bundle was accepted"),
            Err(d) => d,
        };
        assert_eq!(paths(&d), vec!["custom_ca_bundle"]);
    }

    #[test]
    fn scrub_removes_secrets_from_messages() {
        let mut d: Diagnostics = Diagnostic::error(format!("bad {SECRET}"), format!("x {TOKEN} y")).into();
        scrub(&mut d, &[SECRET.to_string(), TOKEN.to_string()]);
        assert_eq!(d.0[0].summary, "bad ***");
        assert_eq!(d.0[0].detail, "x *** y");
    }
}
