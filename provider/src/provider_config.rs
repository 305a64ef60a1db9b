//! Provider configuration (named as in `hashicorp/aws`) and the AWS clients it yields.
//!
//! Precedence, as in the AWS provider: explicit settings in the provider block, then the
//! environment (`AWS_REGION`/`AWS_DEFAULT_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_PROFILE`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`), then the
//! shared config and credentials files (then container and instance credentials). An explicit
//! `profile` wins over credentials in the environment. `endpoints.*` override one service each.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;

use crate::aws::error::ErrorKind;
use crate::aws::sts::{self, ValidationLimits};
use crate::aws::{Clients, EndpointOverrides, partition_of_region};
use crate::engine::diag::{AttrPath, Diagnostic};
use crate::engine::{Attribute, Block, Diagnostics, NestedBlock, Schema, Type, Value};

/// What a configured provider hands to every operation.
pub struct Configured {
    pub clients: Clients,
    pub region: String,
    pub account_id: Option<String>,
    pub partition: String,
    pub default_tags: BTreeMap<String, String>,
}

impl Configured {
    /// A configuration over given clients (tests): no account, partition from the region.
    pub fn new(clients: Clients, region: &str) -> Configured {
        Configured {
            clients,
            region: region.to_string(),
            account_id: None,
            partition: partition_of_region(region).to_string(),
            default_tags: BTreeMap::new(),
        }
    }
}

/// TF's AWS provider retries 25 times by default.
pub const DEFAULT_MAX_RETRIES: i64 = 25;
/// More attempts than this only lengthen a failure (each attempt backs off up to 20 s).
pub const MAX_RETRIES_LIMIT: i64 = 100;
/// Bounds the whole of loading configuration and resolving credentials.
const LOAD_TIMEOUT: Duration = Duration::from_secs(30);

const SERVICES: &[(&str, &str)] = &[
    ("dms", "AWS Database Migration Service"),
    ("ec2", "Amazon EC2"),
    ("rds", "Amazon RDS"),
    ("iam", "AWS IAM"),
    ("sts", "AWS STS (credential validation and `assume_role`)"),
    ("s3", "Amazon S3"),
];

pub fn schema() -> Schema {
    let mut endpoints = Block::new(
        "Custom endpoint URLs, one per AWS service, e.g. a local emulator. Each wins over \
         `AWS_ENDPOINT_URL_<SERVICE>` and `AWS_ENDPOINT_URL`.",
    );
    for (svc, name) in SERVICES {
        endpoints = endpoints.attr(
            Attribute::optional(svc, Type::String)
                .describe(&format!("Endpoint URL for {name}, e.g. `http://127.0.0.1:5000`."))
                .validate(validate_url_attr),
        );
    }
    let assume_role =
        Block::new("Assume an IAM role (STS `AssumeRole`) with the base credentials before any other call.")
            .attr(
                Attribute::optional("role_arn", Type::String)
                    .describe("ARN of the IAM role to assume, e.g. `arn:aws:iam::123456789012:role/deployer`.")
                    .validate(validate_role_arn_attr),
            )
            .attr(
                Attribute::optional("session_name", Type::String)
                    .describe("Session name for the assumed role (2-64 characters of `[\\w+=,.@-]`).")
                    .validate(validate_session_name_attr),
            )
            .attr(
                Attribute::optional("external_id", Type::String)
                    .describe("External ID the role's trust policy requires, if any.")
                    .validate(validate_external_id_attr),
            );
    let default_tags = Block::new("Tags applied to every taggable object the provider creates.").attr(
        Attribute::optional("tags", Type::map(Type::String))
            .describe("Tags added to every resource's `tags_all`; a resource's own `tags` win on equal keys.")
            .validate(crate::resources::tags::validate_tags),
    );
    let block = Block::new(
        "The dmslink provider builds an AWS DMS replication stack. It reads AWS settings like the \
         `hashicorp/aws` provider: explicit arguments, then environment variables, then the shared \
         configuration and credentials files.",
    )
    .attr(
        Attribute::optional("region", Type::String)
            .describe("AWS region, e.g. `ap-southeast-2`. Defaults to `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile's region.")
            .validate(validate_region_attr),
    )
    .attr(Attribute::optional("profile", Type::String).describe(
        "Named profile of the shared configuration and credentials files. Defaults to `AWS_PROFILE`, then `default`. \
         When set, it wins over credentials in the environment.",
    ))
    .attr(
        Attribute::optional("access_key", Type::String)
            .describe("Access key ID. Defaults to `AWS_ACCESS_KEY_ID`. Must be set together with `secret_key`."),
    )
    .attr(
        Attribute::optional("secret_key", Type::String)
            .sensitive()
            .describe("Secret access key. Defaults to `AWS_SECRET_ACCESS_KEY`. Never logged."),
    )
    .attr(
        Attribute::optional("token", Type::String)
            .sensitive()
            .describe("Session token of temporary credentials. Defaults to `AWS_SESSION_TOKEN`. Never logged."),
    )
    .attr(
        Attribute::optional("max_retries", Type::Number)
            .describe(&format!(
                "How many times a failed AWS request (throttling, 5xx, connection reset) is retried, with \
                 exponential backoff. Defaults to {DEFAULT_MAX_RETRIES}; `0` turns retries off."
            ))
            .whole_range(0, MAX_RETRIES_LIMIT),
    )
    .attr(Attribute::optional("skip_credentials_validation", Type::Bool).describe(
        "Skip the STS `GetCallerIdentity` check at configuration (for endpoints without STS). The account ID is then unknown.",
    ))
    .block(NestedBlock::single("assume_role", assume_role))
    .block(NestedBlock::single("endpoints", endpoints))
    .block(NestedBlock::single("default_tags", default_tags));
    Schema::new(0, block)
}

// ---- validation -------------------------------------------------------------------------------

fn check_str(v: &Value, path: &AttrPath, diags: &mut Diagnostics, f: fn(&str) -> Result<(), String>, summary: &str) {
    if let Some(s) = v.as_str()
        && let Err(why) = f(s)
    {
        diags.error_at(path.clone(), summary, why);
    }
}

fn validate_region_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(v, p, d, check_region, "Invalid AWS region");
}
fn validate_url_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(v, p, d, check_url, "Invalid endpoint URL");
}
fn validate_role_arn_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(v, p, d, check_role_arn, "Invalid role ARN");
}
fn validate_session_name_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(v, p, d, check_session_name, "Invalid session name");
}
fn validate_external_id_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(v, p, d, check_external_id, "Invalid external ID");
}

/// `us-east-1`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`, `us-isob-east-1`.
pub fn check_region(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.split('-').collect();
    let ok = parts.len() >= 3
        && parts[0].len() >= 2
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1].iter().all(|p| p.bytes().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|c| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!("{s:?} is not an AWS region name such as \"us-east-1\" or \"ap-southeast-2\"."))
    }
}

/// `http(s)://host[:port][/path]`.
pub fn check_url(s: &str) -> Result<(), String> {
    let bad = |why: &str| {
        Err(format!(
            "{s:?} is not a valid endpoint URL ({why}); use e.g. \"http://127.0.0.1:5000\" or \"https://dms.example.com\"."
        ))
    };
    let rest = match s.split_once("://") {
        Some(("http", r)) | Some(("https", r)) => r,
        Some(_) => return bad("the scheme must be http or https"),
        None => return bad("missing http:// or https://"),
    };
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it contains spaces");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, tail)) => (h, tail.strip_prefix(':')),
            None => return bad("unclosed IPv6 bracket"),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return bad("no host");
    }
    if !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')) {
        return bad("the host has characters a hostname cannot have");
    }
    if let Some(p) = port
        && p.parse::<u16>().map_or(true, |n| n == 0)
    {
        return bad("the port must be a number from 1 to 65535");
    }
    Ok(())
}

/// `arn:<partition>:iam::<12 digits>:role/<path/name>`.
pub fn check_role_arn(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|c| c.is_ascii_digit())
        && parts[5].strip_prefix("role/").is_some_and(|n| !n.is_empty() && !n.ends_with('/'));
    if ok {
        Ok(())
    } else {
        Err(format!("{s:?} is not an IAM role ARN such as \"arn:aws:iam::123456789012:role/deployer\"."))
    }
}

fn check_chars(s: &str, min: usize, max: usize, extra: &str, what: &str) -> Result<(), String> {
    let n = s.chars().count();
    if n < min || n > max {
        return Err(format!("The {what} must be {min} to {max} characters long, got {n}."));
    }
    if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || "_+=,.@-".contains(*c) || extra.contains(*c))) {
        return Err(format!("The {what} may not contain {c:?}."));
    }
    Ok(())
}

pub fn check_session_name(s: &str) -> Result<(), String> {
    check_chars(s, 2, 64, "", "session name")
}

pub fn check_external_id(s: &str) -> Result<(), String> {
    check_chars(s, 2, 1224, ":/", "external ID")
}

/// Checks across attributes (per-attribute checks run from the schema's validators).
pub fn validate(config: &Value, diags: &mut Diagnostics) {
    if !matches!(config, Value::Object(_)) {
        return;
    }
    let ak = config.get("access_key");
    let sk = config.get("secret_key");
    let token = config.get("token");
    let known_set = |v: &Value| v.as_str().is_some_and(|s| !s.is_empty());
    let known_unset = |v: &Value| v.is_null() || v.as_str().is_some_and(str::is_empty);
    if known_set(ak) && known_unset(sk) {
        diags.error_at(
            AttrPath::attr("secret_key"),
            "Missing secret_key",
            "access_key is set, so secret_key must be set too (or leave both out to use the environment or a profile).",
        );
    }
    if known_set(sk) && known_unset(ak) {
        diags.error_at(
            AttrPath::attr("access_key"),
            "Missing access_key",
            "secret_key is set, so access_key must be set too (or leave both out to use the environment or a profile).",
        );
    }
    if known_set(token) && known_unset(ak) {
        diags.error_at(
            AttrPath::attr("token"),
            "token without access_key",
            "A session token only works with the access_key and secret_key it was issued with.",
        );
    }
    let ar = config.get("assume_role");
    if let Value::Object(_) = ar
        && known_unset(ar.get("role_arn"))
    {
        diags.error_at(
            AttrPath::attr("assume_role").then_attr("role_arn"),
            "Missing role_arn",
            "An assume_role block needs role_arn.",
        );
    }
}

// ---- configure --------------------------------------------------------------------------------

#[derive(Clone, Debug, Default)]
struct AssumeRole {
    role_arn: String,
    session_name: Option<String>,
    external_id: Option<String>,
}

/// The provider block, read into Rust values; `unknown` names attributes not known yet (plan).
#[derive(Clone, Debug, Default)]
struct Settings {
    region: Option<String>,
    profile: Option<String>,
    access_key: Option<String>,
    secret_key: Option<String>,
    token: Option<String>,
    assume_role: Option<AssumeRole>,
    endpoints: EndpointOverrides,
    max_retries: i64,
    default_tags: BTreeMap<String, String>,
    skip_credentials_validation: bool,
    unknown: Vec<String>,
}

fn read_str(v: &Value, name: &str, unknown: &mut Vec<String>) -> Option<String> {
    match v {
        Value::Unknown => {
            unknown.push(name.to_string());
            None
        }
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

impl Settings {
    fn read(config: &Value) -> Settings {
        let mut u = Vec::new();
        let s = |name: &str, u: &mut Vec<String>| read_str(config.get(name), name, u);
        let mut out = Settings {
            region: s("region", &mut u),
            profile: s("profile", &mut u),
            access_key: s("access_key", &mut u),
            secret_key: s("secret_key", &mut u),
            token: s("token", &mut u),
            max_retries: DEFAULT_MAX_RETRIES,
            ..Settings::default()
        };
        match config.get("max_retries") {
            Value::Unknown => u.push("max_retries".into()),
            v => {
                if let Some(n) = v.as_i64() {
                    out.max_retries = n.max(0);
                }
            }
        }
        match config.get("skip_credentials_validation") {
            Value::Unknown => u.push("skip_credentials_validation".into()),
            v => out.skip_credentials_validation = v.as_bool().unwrap_or(false),
        }
        let ar = config.get("assume_role");
        if ar.is_unknown() {
            u.push("assume_role".into());
        } else if let Value::Object(_) = ar {
            let role_arn = read_str(ar.get("role_arn"), "assume_role.role_arn", &mut u);
            let session_name = read_str(ar.get("session_name"), "assume_role.session_name", &mut u);
            let external_id = read_str(ar.get("external_id"), "assume_role.external_id", &mut u);
            if let Some(role_arn) = role_arn {
                out.assume_role = Some(AssumeRole { role_arn, session_name, external_id });
            }
        }
        let ep = config.get("endpoints");
        if ep.is_unknown() {
            u.push("endpoints".into());
        } else {
            let e = |svc: &str, u: &mut Vec<String>| read_str(ep.get(svc), &format!("endpoints.{svc}"), u);
            out.endpoints = EndpointOverrides {
                dms: e("dms", &mut u),
                ec2: e("ec2", &mut u),
                rds: e("rds", &mut u),
                iam: e("iam", &mut u),
                sts: e("sts", &mut u),
                s3: e("s3", &mut u),
            };
        }
        let dt = config.get("default_tags");
        match dt.get("tags") {
            _ if dt.is_unknown() => u.push("default_tags".into()),
            Value::Unknown => u.push("default_tags.tags".into()),
            tags => {
                if !tags.is_wholly_known() {
                    u.push("default_tags.tags".into());
                }
                out.default_tags = tags.string_map();
            }
        }
        out.unknown = u;
        out
    }

    /// Values that must never appear in a message.
    fn secrets(&self) -> Vec<String> {
        let mut v: Vec<String> = [&self.secret_key, &self.token].into_iter().flatten().cloned().collect();
        for var in ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
            if let Ok(s) = std::env::var(var) {
                v.push(s);
            }
        }
        v.retain(|s| s.len() >= 4);
        v
    }
}

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
    let settings = Settings::read(config);
    let secrets = settings.secrets();
    let mut out = configure_inner(&settings, sources).await;
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

fn credentials_help() -> &'static str {
    "Set access_key and secret_key in the provider block, or the environment variables AWS_ACCESS_KEY_ID and \
     AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary credentials), or name a profile of the shared \
     credentials file with profile or AWS_PROFILE."
}

async fn configure_inner(settings: &Settings, sources: Sources) -> Result<Configured, Diagnostics> {
    let partial = !settings.unknown.is_empty();
    if partial {
        tracing::debug!(unknown = ?settings.unknown, "provider configuration has unknown values; configuring with what is known");
    }

    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(attempts(settings.max_retries)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(60))
                .build(),
        );
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
    let cred_source;
    match (&settings.access_key, &settings.secret_key) {
        (Some(ak), Some(sk)) => {
            loader = loader.credentials_provider(Credentials::new(
                ak.clone(),
                sk.clone(),
                settings.token.clone(),
                None,
                "dmslink-provider-block",
            ));
            cred_source = "provider block".to_string();
        }
        (Some(_), None) | (None, Some(_)) if !partial => {
            let path = if settings.access_key.is_some() { "secret_key" } else { "access_key" };
            return Err(Diagnostic::error(
                "Incomplete AWS credentials",
                format!("Both access_key and secret_key must be set. {}", credentials_help()),
            )
            .at(AttrPath::attr(path))
            .into());
        }
        _ => match &settings.profile {
            Some(p) => {
                loader = loader.credentials_provider(ProfileFileCredentialsProvider::builder().profile_name(p).build());
                cred_source = format!("profile {p:?}");
            }
            None => cred_source = "default chain (environment, shared files, container, instance)".to_string(),
        },
    }

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

    // assume_role: the base credentials above call STS AssumeRole (at the STS override, if any).
    let sdk = match &settings.assume_role {
        Some(ar) => {
            let base = sts::sdk_config_for_sts(&sdk, settings.endpoints.sts.as_deref());
            let mut b = AssumeRoleProvider::builder(ar.role_arn.clone()).configure(&base);
            if let Some(r) = sdk.region() {
                b = b.region(r.clone());
            }
            if let Some(s) = &ar.session_name {
                b = b.session_name(s.clone());
            }
            if let Some(x) = &ar.external_id {
                b = b.external_id(x.clone());
            }
            let provider = b.build().await;
            sdk.into_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build()
        }
        None => sdk,
    };

    let mut account_id = None;
    let mut partition = partition_of_region(&region).to_string();
    if !partial {
        let creds = resolve_credentials(&sdk, settings).await?;
        if settings.skip_credentials_validation {
            tracing::debug!("skipping credential validation (skip_credentials_validation)");
        } else {
            let limits = ValidationLimits {
                max_attempts: attempts(settings.max_retries).min(ValidationLimits::default().max_attempts),
                ..ValidationLimits::default()
            };
            match sts::get_caller_identity(&sdk, settings.endpoints.sts.as_deref(), creds, limits).await {
                Ok(id) => {
                    account_id = Some(id.account).filter(|a| !a.is_empty());
                    partition = id.partition;
                }
                Err(e) => {
                    let summary = if e.kind == ErrorKind::AccessDenied {
                        "Invalid AWS credentials"
                    } else {
                        "Could not validate AWS credentials"
                    };
                    return Err(Diagnostic::error(
                        summary,
                        format!(
                            "Validating the credentials ({cred_source}) with STS GetCallerIdentity failed: {e}. \
                             Check the credentials, region and endpoints.sts, or set skip_credentials_validation = true \
                             for endpoints without STS."
                        ),
                    )
                    .into());
                }
            }
        }
    }

    let clients = Clients::from_sdk_config(&sdk, &settings.endpoints);
    tracing::info!(
        region = region.as_str(),
        credentials = cred_source.as_str(),
        account_id = account_id.as_deref().unwrap_or("-"),
        partition = partition.as_str(),
        dms_endpoint = settings.endpoints.dms.as_deref().unwrap_or("-"),
        partial,
        "provider configured"
    );
    Ok(Configured { clients, region, account_id, partition, default_tags: settings.default_tags.clone() })
}

/// max_retries → attempts in all.
fn attempts(max_retries: i64) -> u32 {
    u32::try_from(max_retries.max(0)).unwrap_or(u32::MAX - 1).saturating_add(1)
}

/// Resolves credentials once (bounded), turning failures into a diagnostic that says what to set.
async fn resolve_credentials(sdk: &SdkConfig, settings: &Settings) -> Result<Credentials, Diagnostics> {
    let Some(provider) = sdk.credentials_provider() else {
        return Err(Diagnostic::error("No AWS credentials", credentials_help()).into());
    };
    let result = match tokio::time::timeout(LOAD_TIMEOUT, provider.provide_credentials()).await {
        Ok(r) => r,
        Err(_) => {
            return Err(Diagnostic::error(
                "Loading AWS credentials timed out",
                format!("No credentials were found within {}s. {}", LOAD_TIMEOUT.as_secs(), credentials_help()),
            )
            .into());
        }
    };
    match result {
        Ok(c) => Ok(c),
        Err(e) => {
            let (summary, mut detail) = match (&e, &settings.assume_role) {
                (CredentialsError::CredentialsNotLoaded(_), _) => (
                    "No valid AWS credentials found",
                    "No credentials were found in the provider block, the environment, the shared credentials and \
                     config files, web identity, or container and instance metadata."
                        .to_string(),
                ),
                (_, Some(_)) => (
                    "Could not assume the IAM role",
                    format!("Loading credentials failed: {}.", DisplayErrorContext(&e)),
                ),
                _ => (
                    "Could not load AWS credentials",
                    format!("Loading credentials failed: {}.", DisplayErrorContext(&e)),
                ),
            };
            if let Some(ar) = &settings.assume_role {
                detail.push_str(&format!(" The provider assumes the role {} (assume_role.role_arn).", ar.role_arn));
            }
            detail.push(' ');
            detail.push_str(credentials_help());
            Err(Diagnostic::error(summary, detail).into())
        }
    }
}

/// Attribute names that are sensitive in the schema (for callers that log configs).
pub fn sensitive_attributes() -> HashSet<&'static str> {
    HashSet::from(["secret_key", "token"])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::engine::diag::Severity;
    use crate::engine::provider::Provider;
    use std::time::Instant;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

    fn config(pairs: &[(&str, Value)]) -> Value {
        let Type::Object(attrs) = schema().value_type() else { panic!("provider type is not an object") };
        let mut m: BTreeMap<String, Value> = attrs.into_keys().map(|k| (k, Value::Null)).collect();
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    fn endpoints(pairs: &[(&str, &str)]) -> Value {
        let mut m: BTreeMap<String, Value> = SERVICES.iter().map(|(s, _)| (s.to_string(), Value::Null)).collect();
        for (k, v) in pairs {
            m.insert(k.to_string(), Value::string(*v));
        }
        Value::Object(m)
    }

    fn validate_all(cfg: &Value) -> Diagnostics {
        Provider::new(vec![], vec![]).validate_provider_config(cfg)
    }

    fn paths(d: &Diagnostics) -> Vec<String> {
        d.iter().filter_map(|x| x.path.as_ref().map(ToString::to_string)).collect()
    }

    fn all_text(d: &Diagnostics) -> String {
        d.iter().map(|x| format!("{} {}", x.summary, x.detail)).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn provider_schema_has_every_attribute_and_hides_secrets() {
        let s = schema();
        for name in
            ["region", "profile", "access_key", "secret_key", "token", "max_retries", "skip_credentials_validation"]
        {
            let a = s.block.attribute(name).unwrap_or_else(|| panic!("missing {name}"));
            assert!(!a.description.is_empty(), "{name} has no description");
        }
        assert!(s.block.attribute("secret_key").unwrap().sensitive);
        assert!(s.block.attribute("token").unwrap().sensitive);
        assert!(!s.block.attribute("access_key").unwrap().sensitive);
        let ar = s.block.nested_block("assume_role").unwrap();
        for name in ["role_arn", "session_name", "external_id"] {
            assert!(ar.block.attribute(name).is_some(), "assume_role.{name}");
        }
        let ep = s.block.nested_block("endpoints").unwrap();
        for name in ["dms", "ec2", "rds", "iam", "sts", "s3"] {
            assert!(!ep.block.attribute(name).unwrap().description.is_empty(), "endpoints.{name}");
        }
        let dt = s.block.nested_block("default_tags").unwrap();
        assert_eq!(dt.block.attribute("tags").unwrap().value_type(), Type::map(Type::String));
        assert_eq!(s.block.attribute("max_retries").unwrap().value_type(), Type::Number);
        assert_eq!(sensitive_attributes(), HashSet::from(["secret_key", "token"]));
    }

    #[test]
    fn provider_validate_reports_paths() {
        let cfg = config(&[
            ("region", Value::string("US East 1")),
            ("max_retries", Value::int(-1)),
            ("endpoints", endpoints(&[("dms", "localhost:5000"), ("sts", "http://127.0.0.1:5000")])),
            (
                "assume_role",
                obj(&[
                    ("role_arn", Value::string("arn:aws:iam::12345:user/bob")),
                    ("session_name", Value::Null),
                    ("external_id", Value::Null),
                ]),
            ),
            ("access_key", Value::string("AKIDEXAMPLE")),
        ]);
        let d = validate_all(&cfg);
        let mut got = paths(&d);
        got.sort();
        assert_eq!(got, vec!["assume_role.role_arn", "endpoints.dms", "max_retries", "region", "secret_key"], "{d:?}");
        assert!(d.iter().all(|x| x.severity == Severity::Error));

        let ok = config(&[
            ("region", Value::string("ap-southeast-2")),
            ("max_retries", Value::int(0)),
            ("endpoints", endpoints(&[("dms", "http://127.0.0.1:5000"), ("s3", "https://s3.example.com/base")])),
            (
                "assume_role",
                obj(&[
                    ("role_arn", Value::string("arn:aws:iam::123456789012:role/ops/deployer")),
                    ("session_name", Value::string("dmslink")),
                    ("external_id", Value::Null),
                ]),
            ),
            ("access_key", Value::string("AKIDEXAMPLE")),
            ("secret_key", Value::string(SECRET)),
        ]);
        assert!(validate_all(&ok).is_empty(), "{:?}", validate_all(&ok));

        // Unknown values are not judged at validation.
        let unknown =
            config(&[("region", Value::Unknown), ("access_key", Value::Unknown), ("secret_key", Value::Unknown)]);
        assert!(validate_all(&unknown).is_empty());
    }

    #[test]
    fn provider_field_checks() {
        for ok in ["us-east-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "us-isob-east-1", "eu-central-2"] {
            assert!(check_region(ok).is_ok(), "{ok}");
        }
        for bad in ["", "us-east", "useast1", "US-EAST-1", "us_east_1", "us-east-1a"] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
        for ok in [
            "http://127.0.0.1:5000",
            "https://dms.eu-west-1.amazonaws.com",
            "http://localhost:4566/",
            "http://[::1]:5000",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in ["localhost:5000", "ftp://x", "http://", "http://host:99999", "http://ho st", "http://host:abc"] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_role_arn("arn:aws-cn:iam::123456789012:role/x").is_ok());
        assert!(check_role_arn("arn:aws:iam::123456789012:role/").is_err());
        assert!(check_role_arn("arn:aws:sts::123456789012:role/x").is_err());
        assert!(check_session_name("a").is_err());
        assert!(check_session_name("dmslink@ci").is_ok());
        assert!(check_external_id("tenant:42/x").is_ok());
        let mut d = Diagnostics::new();
        let mut m = BTreeMap::new();
        m.insert("aws:owner".to_string(), Value::string("x"));
        crate::resources::tags::validate_tags(
            &Value::Map(m),
            &AttrPath::attr("default_tags").then_attr("tags"),
            &mut d,
        );
        assert_eq!(paths(&d), vec!["default_tags.tags[\"aws:owner\"]"]);
        assert_eq!(attempts(25), 26);
        assert_eq!(attempts(0), 1);
        assert_eq!(attempts(-3), 1);
    }

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

    #[test]
    fn scrub_removes_secrets_from_messages() {
        let mut d: Diagnostics = Diagnostic::error(format!("bad {SECRET}"), format!("x {TOKEN} y")).into();
        scrub(&mut d, &[SECRET.to_string(), TOKEN.to_string()]);
        assert_eq!(d.0[0].summary, "bad ***");
        assert_eq!(d.0[0].detail, "x *** y");
    }
}
