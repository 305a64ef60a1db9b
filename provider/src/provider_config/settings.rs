//! The provider block read into Rust values ([`Settings`]), and what a configured provider hands
//! to every operation ([`Configured`]: the provider data of the engine's `Ctx`).

use std::collections::BTreeMap;
use std::time::Duration;

pub(super) use super::roles::{AssumeRole, RoleSession};
use super::schema::DEFAULT_MAX_RETRIES;
use crate::aws::{Clients, EndpointOverrides, partition_of_region};
use crate::engine::Value;

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

/// Bounds the whole of loading configuration and resolving credentials.
pub(super) const LOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// max_retries → attempts in all.
pub(super) fn attempts(max_retries: i64) -> u32 {
    u32::try_from(max_retries.max(0)).unwrap_or(u32::MAX - 1).saturating_add(1)
}

/// `assume_role_with_web_identity` as written; the environment fills the rest at configuration
/// (`AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME`, `AWS_WEB_IDENTITY_TOKEN_FILE`).
#[derive(Clone, Debug, Default)]
pub(super) struct WebIdentityBlock {
    /// `role_arn` empty when not written.
    pub(super) session: RoleSession,
    pub(super) token: Option<String>,
    pub(super) token_file: Option<String>,
}

/// The provider block, read into Rust values; `unknown` names attributes not known yet (plan).
#[derive(Clone, Debug, Default)]
pub(super) struct Settings {
    pub(super) region: Option<String>,
    pub(super) profile: Option<String>,
    pub(super) access_key: Option<String>,
    pub(super) secret_key: Option<String>,
    pub(super) token: Option<String>,
    pub(super) assume_role: Option<AssumeRole>,
    pub(super) web_identity: Option<WebIdentityBlock>,
    pub(super) retry_mode: Option<String>,
    pub(super) allowed_account_ids: Vec<String>,
    pub(super) forbidden_account_ids: Vec<String>,
    pub(super) shared_config_files: Vec<String>,
    pub(super) shared_credentials_files: Vec<String>,
    pub(super) endpoints: EndpointOverrides,
    /// `None`: not in the block (`AWS_MAX_ATTEMPTS`, else the default, applies).
    pub(super) max_retries: Option<i64>,
    pub(super) default_tags: BTreeMap<String, String>,
    pub(super) skip_credentials_validation: bool,
    pub(super) custom_ca_bundle: Option<String>,
    pub(super) http_proxy: Option<String>,
    pub(super) https_proxy: Option<String>,
    pub(super) no_proxy: Option<String>,
    pub(super) unknown: Vec<String>,
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

/// A list or set of strings; unknown (or holding unknowns) is recorded in `unknown`.
fn read_strings(v: &Value, name: &str, unknown: &mut Vec<String>) -> Vec<String> {
    if !v.is_wholly_known() {
        unknown.push(name.to_string());
    }
    v.as_elements()
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string))
        .collect()
}

/// What `assume_role` and `assume_role_with_web_identity` share; `role_arn` empty when unset.
fn read_session(block: &Value, prefix: &str, unknown: &mut Vec<String>) -> RoleSession {
    let p = |n: &str| format!("{prefix}.{n}");
    RoleSession {
        role_arn: read_str(block.get("role_arn"), &p("role_arn"), unknown).unwrap_or_default(),
        session_name: read_str(block.get("session_name"), &p("session_name"), unknown),
        duration: read_str(block.get("duration"), &p("duration"), unknown)
            .and_then(|d| crate::engine::duration::parse(&d)),
        policy: read_str(block.get("policy"), &p("policy"), unknown),
        policy_arns: read_strings(block.get("policy_arns"), &p("policy_arns"), unknown),
    }
}

impl Settings {
    /// Attempts in all: `max_retries` + 1, else `AWS_MAX_ATTEMPTS` (`env_attempts`), else the default.
    pub(super) fn attempts(&self, env_attempts: Option<u32>) -> u32 {
        match self.max_retries {
            Some(n) => attempts(n),
            None => env_attempts.unwrap_or_else(|| attempts(DEFAULT_MAX_RETRIES)),
        }
    }

    pub(super) fn read(config: &Value) -> Settings {
        let mut u = Vec::new();
        let s = |name: &str, u: &mut Vec<String>| read_str(config.get(name), name, u);
        let mut out = Settings {
            region: s("region", &mut u),
            profile: s("profile", &mut u),
            access_key: s("access_key", &mut u),
            secret_key: s("secret_key", &mut u),
            token: s("token", &mut u),
            custom_ca_bundle: s("custom_ca_bundle", &mut u),
            http_proxy: s("http_proxy", &mut u),
            https_proxy: s("https_proxy", &mut u),
            no_proxy: s("no_proxy", &mut u),
            retry_mode: s("retry_mode", &mut u),
            ..Settings::default()
        };
        match config.get("max_retries") {
            Value::Unknown => u.push("max_retries".into()),
            v => {
                out.max_retries = v.as_i64().map(|n| n.max(0));
            }
        }
        match config.get("skip_credentials_validation") {
            Value::Unknown => u.push("skip_credentials_validation".into()),
            v => out.skip_credentials_validation = v.as_bool().unwrap_or(false),
        }
        out.allowed_account_ids = read_strings(config.get("allowed_account_ids"), "allowed_account_ids", &mut u);
        out.forbidden_account_ids = read_strings(config.get("forbidden_account_ids"), "forbidden_account_ids", &mut u);
        out.shared_config_files = read_strings(config.get("shared_config_files"), "shared_config_files", &mut u);
        out.shared_credentials_files =
            read_strings(config.get("shared_credentials_files"), "shared_credentials_files", &mut u);
        let ar = config.get("assume_role");
        if ar.is_unknown() {
            u.push("assume_role".into());
        } else if let Value::Object(_) = ar {
            let session = read_session(ar, "assume_role", &mut u);
            if !session.role_arn.is_empty() {
                let p = |n: &str| format!("assume_role.{n}");
                let tags = ar.get("tags");
                if !tags.is_wholly_known() {
                    u.push(p("tags"));
                }
                out.assume_role = Some(AssumeRole {
                    session,
                    external_id: read_str(ar.get("external_id"), &p("external_id"), &mut u),
                    source_identity: read_str(ar.get("source_identity"), &p("source_identity"), &mut u),
                    tags: tags.string_map().into_iter().collect(),
                    transitive_tag_keys: read_strings(ar.get("transitive_tag_keys"), &p("transitive_tag_keys"), &mut u),
                });
            }
        }
        let wi = config.get("assume_role_with_web_identity");
        if wi.is_unknown() {
            u.push("assume_role_with_web_identity".into());
        } else if let Value::Object(_) = wi {
            let p = |n: &str| format!("assume_role_with_web_identity.{n}");
            out.web_identity = Some(WebIdentityBlock {
                session: read_session(wi, "assume_role_with_web_identity", &mut u),
                token: read_str(wi.get("web_identity_token"), &p("web_identity_token"), &mut u),
                token_file: read_str(wi.get("web_identity_token_file"), &p("web_identity_token_file"), &mut u),
            });
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
                logs: e("logs", &mut u),
                secretsmanager: e("secretsmanager", &mut u),
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
    pub(super) fn secrets(&self) -> Vec<String> {
        // A proxy URL may carry a password.
        let mut v: Vec<String> = [&self.secret_key, &self.token, &self.http_proxy, &self.https_proxy]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        for var in
            ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"]
        {
            if let Ok(s) = std::env::var(var) {
                v.push(s);
            }
        }
        v.retain(|s| s.len() >= 4);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_retries_counts_retries_after_the_first_attempt() {
        assert_eq!(attempts(25), 26);
        assert_eq!(attempts(0), 1);
        assert_eq!(attempts(-3), 1);
    }
}
