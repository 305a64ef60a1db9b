//! Checks of the provider block: the per-attribute validators the schema names, and the checks
//! across attributes that run after them. Values may be unknown at validation; only known ones
//! are judged.

use url::{Host, ParseError, Url};

use crate::arn::Arn;
use crate::engine::diag::AttrPath;
use crate::engine::{Diagnostics, Value};

fn check_str(v: &Value, path: &AttrPath, diags: &mut Diagnostics, f: fn(&str) -> Result<(), String>, summary: &str) {
    if let Some(s) = v.as_str()
        && let Err(why) = f(s)
    {
        diags.error_at(path.clone(), summary, why);
    }
}

pub(super) fn validate_region_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(v, p, d, check_region, "Invalid AWS region");
}
pub(super) fn validate_url_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(v, p, d, check_url, "Invalid endpoint URL");
}
pub(super) fn validate_source_identity_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(v, p, d, |s| check_chars(s, 2, 64, "", "source identity"), "Invalid source identity");
}
pub(super) fn validate_retry_mode_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(
        v,
        p,
        d,
        |s| match s {
            "standard" | "adaptive" => Ok(()),
            _ => Err(format!("{s:?} is not a retry mode: use \"standard\" or \"adaptive\".")),
        },
        "Invalid retry mode",
    );
}
pub(super) fn validate_session_duration_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(v, p, d, check_session_duration, "Invalid session duration");
}
pub(super) fn validate_session_policy_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(v, p, d, check_session_policy, "Invalid session policy");
}
pub(super) fn validate_policy_arns_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_elements(v, p, d, 10, "policy ARNs", check_policy_arn, "Invalid policy ARN");
}
pub(super) fn validate_account_ids_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_elements(v, p, d, usize::MAX, "account IDs", check_account_id, "Invalid AWS account ID");
}
pub(super) fn validate_transitive_tag_keys_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_elements(v, p, d, 50, "transitive tag keys", |k| check_len(k, 1, 128, "tag key"), "Invalid tag key");
}
pub(super) fn validate_session_tags_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    let Some(map) = v.as_map() else { return };
    if map.len() > 50 {
        d.error_at(
            p.clone(),
            "Too many session tags",
            format!("STS takes at most 50 session tags, got {}.", map.len()),
        );
    }
    for (k, val) in map {
        if let Err(why) = check_len(k, 1, 128, "tag key") {
            d.error_at(p.then_key(k), "Invalid session tag", why);
        }
        if let Some(val) = val.as_str()
            && let Err(why) = check_len(val, 0, 256, "tag value")
        {
            d.error_at(p.then_key(k), "Invalid session tag", why);
        }
    }
}

/// Each known element of a list or set, and their count.
fn check_elements(
    v: &Value,
    p: &AttrPath,
    d: &mut Diagnostics,
    max: usize,
    what: &str,
    f: fn(&str) -> Result<(), String>,
    summary: &str,
) {
    let Some(items) = v.as_elements() else { return };
    if items.len() > max {
        d.error_at(p.clone(), format!("Too many {what}"), format!("At most {max} {what}, got {}.", items.len()));
    }
    for item in items {
        if let Some(s) = item.as_str()
            && let Err(why) = f(s)
        {
            d.error_at(p.clone(), summary, why);
        }
    }
}

fn check_len(s: &str, min: usize, max: usize, what: &str) -> Result<(), String> {
    let n = s.chars().count();
    if n < min || n > max {
        return Err(format!("A {what} must be {min} to {max} characters long, got {n}."));
    }
    Ok(())
}

/// STS takes 900 to 43200 seconds (the role's own maximum may be lower; STS says so then).
pub fn check_session_duration(s: &str) -> Result<(), String> {
    match crate::engine::duration::parse(s) {
        Some(d) if (900..=43_200).contains(&d.as_secs()) && d.subsec_nanos() == 0 => Ok(()),
        Some(_) => Err(format!("{s:?} is outside what STS takes: from 15m to 12h, in whole seconds.")),
        None => Err(format!("{s:?} is not a duration such as \"1h\" or \"45m\".")),
    }
}

/// A JSON object; STS itself judges the policy's grammar and its packed size.
pub fn check_session_policy(s: &str) -> Result<(), String> {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => {
            Err("The policy must be a JSON object (an IAM policy document with \"Version\" and \"Statement\").".into())
        }
        Err(e) => {
            Err(format!("The policy is not valid JSON: {e}. Use jsonencode({{ Version = ..., Statement = [...] }})."))
        }
    }
}

/// `arn:<partition>:iam::<account or aws>:policy/<path/name>`.
pub fn check_policy_arn(s: &str) -> Result<(), String> {
    let ok = Arn::parse(s).is_some_and(|a| {
        a.partition.starts_with("aws")
            && a.service == "iam"
            && a.region.is_empty()
            && (a.account == "aws" || (a.account.len() == 12 && a.account.bytes().all(|c| c.is_ascii_digit())))
            && a.resource.strip_prefix("policy/").is_some_and(|n| !n.is_empty() && !n.ends_with('/'))
    });
    if ok {
        Ok(())
    } else {
        Err(format!("{s:?} is not an IAM policy ARN such as \"arn:aws:iam::aws:policy/ReadOnlyAccess\"."))
    }
}

/// Twelve digits.
pub fn check_account_id(s: &str) -> Result<(), String> {
    if s.len() == 12 && s.bytes().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("{s:?} is not an AWS account ID (twelve digits, such as \"123456789012\")."))
    }
}

pub(super) fn validate_proxy_url_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(v, p, d, check_proxy_url, "Invalid proxy URL");
}
pub(super) fn validate_non_blank_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(
        v,
        p,
        d,
        |s| if s.trim().is_empty() { Err("Give a path, or leave the argument out.".into()) } else { Ok(()) },
        "Empty path",
    );
}
pub(super) fn validate_role_arn_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(v, p, d, check_role_arn, "Invalid role ARN");
}
pub(super) fn validate_session_name_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
    check_str(v, p, d, check_session_name, "Invalid session name");
}
pub(super) fn validate_external_id_attr(v: &Value, p: &AttrPath, d: &mut Diagnostics) {
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

/// `http(s)://host[:port][/path]`, parsed by the `url` crate (the WHATWG URL rules browsers and
/// the SDK's resolvers follow) rather than by hand. The SDK is given the text as written, so a
/// few rules stay stricter than URL parsing, which would repair them silently.
pub fn check_url(s: &str) -> Result<(), String> {
    let bad = |why: &str| {
        Err(format!(
            "{s:?} is not a valid endpoint URL ({why}); use e.g. \"http://127.0.0.1:5000\" or \"https://dms.example.com\"."
        ))
    };
    // Without "://", "localhost:5000" would parse as a URL whose scheme is "localhost".
    if !s.contains("://") {
        return bad("missing http:// or https://");
    }
    if !(s.starts_with("http://") || s.starts_with("https://")) {
        return bad("the scheme must be http or https");
    }
    // URL parsing strips or encodes these; the SDK would not.
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it contains spaces");
    }
    if !s.is_ascii() {
        return bad("it has characters other than ASCII");
    }
    let url = match Url::parse(s) {
        Ok(url) => url,
        Err(ParseError::EmptyHost) => return bad("no host"),
        Err(ParseError::InvalidPort) => return bad("the port must be a number from 1 to 65535"),
        Err(ParseError::InvalidIpv6Address) => return bad("the host is not a valid IPv6 address"),
        Err(ParseError::InvalidIpv4Address) => return bad("the host is not a valid IPv4 address"),
        Err(_) => return bad("the host has characters a hostname cannot have"),
    };
    // URL hosts may hold characters such as `!` or `$` that no DNS name has.
    if let Some(Host::Domain(d)) = url.host()
        && !d.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return bad("the host has characters a hostname cannot have");
    }
    if url.port() == Some(0) {
        return bad("the port must be a number from 1 to 65535");
    }
    Ok(())
}

/// `http(s)://[user:password@]host[:port]`; the message never repeats the URL, which may hold a
/// password.
pub fn check_proxy_url(s: &str) -> Result<(), String> {
    let url = Url::parse(s).ok().filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    match url {
        Some(u) if u.port() != Some(0) && (u.path().is_empty() || u.path() == "/") && u.query().is_none() => Ok(()),
        _ => Err("Not a proxy URL such as \"http://proxy.example.com:3128\" (scheme http or https, a host, an \
                  optional port and user:password; no path)."
            .into()),
    }
}

/// `arn:<partition>:iam::<12 digits>:role/<path/name>`.
pub fn check_role_arn(s: &str) -> Result<(), String> {
    let ok = Arn::parse(s).is_some_and(|a| {
        a.partition.starts_with("aws")
            && a.service == "iam"
            && a.region.is_empty()
            && a.account.len() == 12
            && a.account.bytes().all(|c| c.is_ascii_digit())
            && a.resource.strip_prefix("role/").is_some_and(|n| !n.is_empty() && !n.ends_with('/'))
    });
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
    let has_elements = |v: &Value| v.as_elements().is_some_and(|e| !e.is_empty());
    if has_elements(config.get("allowed_account_ids")) && has_elements(config.get("forbidden_account_ids")) {
        diags.error_at(
            AttrPath::attr("forbidden_account_ids"),
            "Conflicting account ID lists",
            "Set allowed_account_ids or forbidden_account_ids, not both.",
        );
    }
    let wi = config.get("assume_role_with_web_identity");
    if let Value::Object(_) = wi
        && known_set(wi.get("web_identity_token"))
        && known_set(wi.get("web_identity_token_file"))
    {
        diags.error_at(
            AttrPath::attr("assume_role_with_web_identity").then_attr("web_identity_token_file"),
            "Two web identity tokens",
            "Give web_identity_token or web_identity_token_file, not both.",
        );
    }
    let ar = config.get("assume_role");
    if let Value::Object(_) = ar
        && let Some(keys) = ar.get("transitive_tag_keys").as_elements()
        && let Some(tags) = ar.get("tags").as_map()
    {
        for key in keys.iter().filter_map(Value::as_str) {
            if !tags.contains_key(key) {
                diags.error_at(
                    AttrPath::attr("assume_role").then_attr("transitive_tag_keys"),
                    "Transitive tag key without a tag",
                    format!(
                        "{key:?} is not a key of assume_role.tags; a transitive key must name one of the session tags."
                    ),
                );
            }
        }
    }
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::ProviderBlock;
    use super::super::test_support::{SECRET, config, endpoints, obj, paths};
    use super::*;
    use crate::engine::diag::Severity;
    use crate::engine::provider::Provider;

    /// The schema's per-attribute validators, then the checks across attributes, as the engine
    /// runs them at ValidateProviderConfig.
    fn validate_all(cfg: &Value) -> Diagnostics {
        Provider::new(ProviderBlock, vec![], vec![]).validate_provider(cfg)
    }

    #[test]
    fn role_session_accounts_and_retry_mode_are_judged_at_validate() {
        let set = |items: &[&str]| Value::Set(items.iter().map(|s| Value::string(*s)).collect());
        let cfg = config(&[
            ("retry_mode", Value::string("eager")),
            ("allowed_account_ids", set(&["123456789012"])),
            ("forbidden_account_ids", set(&["12345"])),
            ("http_proxy", Value::string("corp-proxy.internal:3128")),
            (
                "assume_role",
                obj(&[
                    ("role_arn", Value::string("arn:aws:iam::123456789012:role/deployer")),
                    ("duration", Value::string("13h")),
                    ("policy", Value::string("[1]")),
                    ("policy_arns", set(&["arn:aws:iam::aws:role/nope"])),
                    ("source_identity", Value::string("a")),
                    ("tags", Value::from_string_map(&BTreeMap::from([("team".into(), "data".into())]))),
                    ("transitive_tag_keys", set(&["owner"])),
                ]),
            ),
            (
                "assume_role_with_web_identity",
                obj(&[
                    ("duration", Value::string("soon")),
                    ("web_identity_token", Value::string("t0ken-value")),
                    ("web_identity_token_file", Value::string("/var/run/token")),
                ]),
            ),
        ]);
        let d = validate_all(&cfg);
        let mut got = paths(&d);
        got.sort();
        assert_eq!(
            got,
            vec![
                "assume_role.duration",
                "assume_role.policy",
                "assume_role.policy_arns",
                "assume_role.source_identity",
                "assume_role.transitive_tag_keys",
                "assume_role_with_web_identity.duration",
                "assume_role_with_web_identity.web_identity_token_file",
                "forbidden_account_ids",
                "forbidden_account_ids",
                "http_proxy",
                "retry_mode",
            ],
            "{d:?}"
        );
        let text = d.iter().map(|x| x.detail.clone()).collect::<Vec<_>>().join("\n");
        assert!(text.contains("from 15m to 12h") && text.contains("\"owner\" is not a key"), "{text}");
        assert!(!text.contains("t0ken-value") && !text.contains("corp-proxy"), "{text}");

        let ok = config(&[
            ("retry_mode", Value::string("adaptive")),
            ("allowed_account_ids", set(&["123456789012"])),
            (
                "assume_role",
                obj(&[
                    ("role_arn", Value::string("arn:aws:iam::123456789012:role/deployer")),
                    ("duration", Value::string("1h30m")),
                    ("policy", Value::string(r#"{"Version":"2012-10-17","Statement":[]}"#)),
                    ("policy_arns", set(&["arn:aws:iam::aws:policy/ReadOnlyAccess"])),
                    ("source_identity", Value::string("alice")),
                    ("tags", Value::from_string_map(&BTreeMap::from([("team".into(), "data".into())]))),
                    ("transitive_tag_keys", set(&["team"])),
                ]),
            ),
        ]);
        assert!(validate_all(&ok).is_empty(), "{:?}", validate_all(&ok));
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

    /// Each refused endpoint URL says why, in the words the hand-written parser used before the
    /// `url` crate; hosts and ports that parser let through (`1.2.3.999`, `ex!ample`, `:0`, non-ASCII)
    /// are refused too.
    #[test]
    fn endpoint_urls_are_refused_with_the_reason() {
        let why = |s: &str| {
            let msg = check_url(s).err().unwrap_or_else(|| panic!("{s} was accepted"));
            let (_, rest) = msg.split_once(" is not a valid endpoint URL (").unwrap_or_else(|| panic!("{msg}"));
            rest.split_once("); use e.g.").map(|(w, _)| w.to_string()).unwrap_or_else(|| panic!("{msg}"))
        };
        for (url, reason) in [
            ("localhost:5000", "missing http:// or https://"),
            ("ftp://x", "the scheme must be http or https"),
            ("HTTP://x", "the scheme must be http or https"),
            ("http://", "no host"),
            ("http://host:99999", "the port must be a number from 1 to 65535"),
            ("http://host:abc", "the port must be a number from 1 to 65535"),
            ("http://host:0", "the port must be a number from 1 to 65535"),
            ("http://ho st", "it contains spaces"),
            ("http://host/a\tb", "it contains spaces"),
            ("http://[::1", "the host is not a valid IPv6 address"),
            ("http://1.2.3.999", "the host is not a valid IPv4 address"),
            ("http://ex!ample.com", "the host has characters a hostname cannot have"),
            ("http://ex<ample.com", "the host has characters a hostname cannot have"),
            ("http://exämple.com", "it has characters other than ASCII"),
        ] {
            assert_eq!(why(url), reason, "{url}");
        }
        let msg = check_url("ftp://x").err().unwrap_or_default();
        assert_eq!(
            msg,
            "\"ftp://x\" is not a valid endpoint URL (the scheme must be http or https); use e.g. \"http://127.0.0.1:5000\" or \"https://dms.example.com\"."
        );
        for ok in ["http://user:pw@127.0.0.1:5000/base?x=1", "https://dms.example.com:443", "http://my_host.local:80/"]
        {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
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
        crate::tag_rules::validate_tags(&Value::Map(m), &AttrPath::attr("default_tags").then_attr("tags"), &mut d);
        assert_eq!(paths(&d), vec!["default_tags.tags[\"aws:owner\"]"]);
    }
}
