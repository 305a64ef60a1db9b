//! The provider block read into Rust values ([`Settings`]), and what a configured provider hands
//! to every operation ([`Configured`]: the provider data of the engine's `Ctx`).

use std::collections::BTreeMap;
use std::time::Duration;

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

#[derive(Clone, Debug, Default)]
pub(super) struct AssumeRole {
    pub(super) role_arn: String,
    pub(super) session_name: Option<String>,
    pub(super) external_id: Option<String>,
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
    pub(super) endpoints: EndpointOverrides,
    pub(super) max_retries: i64,
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

impl Settings {
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
