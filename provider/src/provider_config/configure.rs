//! ConfigureProvider: the provider block plus the environment and shared files, in the AWS
//! provider's precedence, become the AWS clients and settings every operation uses. Diagnostics
//! never carry a secret.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_runtime::env_config::file::{EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles};
use aws_smithy_types::retry::{RetryConfig, RetryMode};
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::region::Region;
use tokio_util::sync::CancellationToken;

use super::credentials::{check_account, resolve_credentials, validate_with_sts, with_credentials, with_roles};
use super::network;
use super::settings::{Configured, LOAD_TIMEOUT, Settings};
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

    let fixed: Option<Vec<(String, String)>> = match &sources {
        Sources::Process => None,
        Sources::Fixed(vars) => Some(vars.clone()),
    };
    let env = |k: &str| match &fixed {
        None => std::env::var(k).ok(),
        Some(vars) => vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()),
    };
    let network = network::resolve(settings, &env)?;
    let retry = retry_config(settings, &env)?;
    let profile_files = shared_files(settings, &env)?;
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(StoppableHttpClient::https(stop.clone(), &network.transport))
        .sleep_impl(StoppableSleep::new(stop.clone()))
        .retry_config(retry)
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
    if let Some(files) = &profile_files {
        loader = loader.profile_files(files.clone());
    }
    let (loader, cred_source) = with_credentials(loader, settings, profile_files.as_ref(), partial)?;

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

    let sdk = with_roles(sdk, settings, &env, partial)?;

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
        check_account(settings, account_id.as_deref())?;
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

/// Retries: `max_retries` and `retry_mode` from the block, else `AWS_MAX_ATTEMPTS` and
/// `AWS_RETRY_MODE`, else 25 retries in standard mode. The environment is read here, not by
/// aws-config, whose loader panics on a bad value (`AWS_MAX_ATTEMPTS=0`); a bad value is a
/// diagnostic naming the variable. (Retry settings in shared config profiles are not read.)
fn retry_config(settings: &Settings, env: &dyn Fn(&str) -> Option<String>) -> Result<RetryConfig, Diagnostics> {
    let bad = |var: &str, want: &str| -> Diagnostics {
        Diagnostic::error(
            "Invalid retry setting in the environment",
            format!("{var} must be {want}; unset it or fix it (the provider block's max_retries and retry_mode win over it)."),
        )
        .into()
    };
    let env_attempts = match env("AWS_MAX_ATTEMPTS").map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=u32::try_from(super::MAX_RETRIES_LIMIT + 1).unwrap_or(u32::MAX)).contains(&n) => Some(n),
            _ => return Err(bad("AWS_MAX_ATTEMPTS", "a whole number of attempts from 1 to 101")),
        },
    };
    let mode = match settings.retry_mode.clone().or_else(|| env("AWS_RETRY_MODE").filter(|v| !v.trim().is_empty())) {
        None => RetryMode::Standard,
        Some(m) => match m.trim().to_ascii_lowercase().as_str() {
            "standard" => RetryMode::Standard,
            "adaptive" => RetryMode::Adaptive,
            // The other SDKs' `legacy` mode is the standard one's predecessor; standard is its nearest.
            "legacy" => RetryMode::Standard,
            _ => return Err(bad("AWS_RETRY_MODE", "\"standard\" or \"adaptive\"")),
        },
    };
    Ok(RetryConfig::standard().with_retry_mode(mode).with_max_attempts(settings.attempts(env_attempts)))
}

/// `shared_config_files` / `shared_credentials_files`, read here so a missing file is a diagnostic at
/// its index (aws-config would fail later with a less direct message) and `~` is expanded.
fn shared_files(
    settings: &Settings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<ProfileFiles>, Diagnostics> {
    if settings.shared_config_files.is_empty() && settings.shared_credentials_files.is_empty() {
        return Ok(None);
    }
    let mut b = ProfileFiles::builder()
        .include_default_config_file(settings.shared_config_files.is_empty())
        .include_default_credentials_file(settings.shared_credentials_files.is_empty());
    for (attr, kind, paths) in [
        ("shared_config_files", ProfileFileKind::Config, &settings.shared_config_files),
        ("shared_credentials_files", ProfileFileKind::Credentials, &settings.shared_credentials_files),
    ] {
        for (i, path) in paths.iter().enumerate() {
            let expanded = network::expand_home(path, env);
            let text = std::fs::read_to_string(&expanded).map_err(|e| {
                Diagnostics::from(
                    Diagnostic::error("Cannot read a shared AWS file", format!("{attr} names {expanded:?}: {e}."))
                        .at(AttrPath::attr(attr).then_index(i)),
                )
            })?;
            b = b.with_contents(kind, text);
        }
    }
    Ok(Some(b.build()))
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

    fn strings(items: &[&str]) -> Value {
        Value::Set(items.iter().map(|s| Value::string(*s)).collect())
    }

    #[tokio::test]
    async fn allowed_and_forbidden_account_ids_refuse_the_wrong_account_by_name() {
        let (proxy, _) = sts_answering_proxy().await;
        let base = vec![
            ("region", Value::string("eu-west-1")),
            ("access_key", Value::string("AKIDEXAMPLE")),
            ("secret_key", Value::string(SECRET)),
            ("endpoints", endpoints(&[("sts", "http://sts.dmslink-test.invalid:8080")])),
            ("http_proxy", Value::string(&proxy)),
        ];
        let with = |extra: (&'static str, Value)| {
            let mut v = base.clone();
            v.push(extra);
            config(&v)
        };
        let d =
            configure_with(&with(("allowed_account_ids", strings(&["111111111111"]))), isolated()).await.err().unwrap();
        assert_eq!(paths(&d), vec!["allowed_account_ids"]);
        assert!(all_text(&d).contains("account 123456789012"), "{}", all_text(&d));
        let d = configure_with(&with(("forbidden_account_ids", strings(&["123456789012"]))), isolated())
            .await
            .err()
            .unwrap();
        assert_eq!(paths(&d), vec!["forbidden_account_ids"]);
        assert!(all_text(&d).contains("account 123456789012"), "{}", all_text(&d));
        let ok = configure_with(&with(("allowed_account_ids", strings(&["123456789012"]))), isolated()).await;
        assert_eq!(ok.unwrap_or_else(|d| panic!("{d:?}")).account_id.as_deref(), Some("123456789012"));
    }

    #[test]
    fn retries_follow_the_block_then_the_environment_and_bad_values_are_diagnostics() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        let unset = Settings::default();
        let rc = retry_config(&unset, &env(&[])).unwrap();
        assert_eq!((rc.max_attempts(), rc.mode()), (26, RetryMode::Standard));
        let rc = retry_config(&unset, &env(&[("AWS_MAX_ATTEMPTS", "4"), ("AWS_RETRY_MODE", "adaptive")])).unwrap();
        assert_eq!((rc.max_attempts(), rc.mode()), (4, RetryMode::Adaptive));
        let set = Settings { max_retries: Some(2), retry_mode: Some("standard".into()), ..Settings::default() };
        let rc = retry_config(&set, &env(&[("AWS_MAX_ATTEMPTS", "9"), ("AWS_RETRY_MODE", "adaptive")])).unwrap();
        assert_eq!((rc.max_attempts(), rc.mode()), (3, RetryMode::Standard));
        // aws-config would panic on these.
        for (var, value) in [("AWS_MAX_ATTEMPTS", "0"), ("AWS_MAX_ATTEMPTS", "lots"), ("AWS_RETRY_MODE", "eager")] {
            let pairs: &'static [(&'static str, &'static str)] = Box::leak(Box::new([(var, value)]));
            let d = retry_config(&unset, &env(pairs)).unwrap_err();
            assert!(d.0[0].detail.starts_with(var), "{}", d.0[0].detail);
        }
    }

    #[tokio::test]
    async fn shared_credentials_files_are_read_and_a_missing_one_is_named_at_its_index() {
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("credentials");
        std::fs::write(&creds, format!("[ci]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = {SECRET}\n"))
            .unwrap();
        let cfg = |files: &[&str]| {
            config(&[
                ("region", Value::string("eu-west-1")),
                ("profile", Value::string("ci")),
                ("skip_credentials_validation", Value::Bool(true)),
                ("shared_credentials_files", Value::List(files.iter().map(|f| Value::string(*f)).collect())),
            ])
        };
        let path = creds.display().to_string();
        configure_with(&cfg(&[&path]), isolated()).await.unwrap_or_else(|d| panic!("{d:?}"));
        let d = configure_with(&cfg(&[&path, "/nonexistent/credentials"]), isolated()).await.err().unwrap();
        assert_eq!(paths(&d), vec!["shared_credentials_files[1]"]);
        // Without the file the profile has no credentials.
        let d = configure_with(&cfg(&[]), isolated()).await.err().unwrap();
        assert!(all_text(&d).contains("credentials"), "{}", all_text(&d));
    }

    #[tokio::test]
    async fn web_identity_without_a_token_says_what_to_set() {
        let cfg = config(&[
            ("region", Value::string("eu-west-1")),
            ("assume_role_with_web_identity", obj(&[("role_arn", Value::string("arn:aws:iam::123456789012:role/ci"))])),
        ]);
        let d = configure_with(&cfg, isolated()).await.err().unwrap();
        assert_eq!(paths(&d), vec!["assume_role_with_web_identity.web_identity_token_file"]);
        assert!(all_text(&d).contains("AWS_WEB_IDENTITY_TOKEN_FILE"), "{}", all_text(&d));
    }

    #[test]
    fn scrub_removes_secrets_from_messages() {
        let mut d: Diagnostics = Diagnostic::error(format!("bad {SECRET}"), format!("x {TOKEN} y")).into();
        scrub(&mut d, &[SECRET.to_string(), TOKEN.to_string()]);
        assert_eq!(d.0[0].summary, "bad ***");
        assert_eq!(d.0[0].detail, "x *** y");
    }
}
