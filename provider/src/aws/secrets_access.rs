//! The IAM role DMS assumes to read an endpoint's Secrets Manager secret: what it must trust and
//! allow, and the policies dmslink gives a role it creates.
//!
//! Trust: the regional DMS principal `dms.<region>.amazonaws.com` (an apply failed with "should
//! have the DMS Regional Service Principal 'dms.us-east-1.amazonaws.com' as trusted entity",
//! HHS/simpler-grants-gov#1129; whether the global `dms.amazonaws.com` alone is ever enough is
//! unverified, so it is not counted). Permission: `secretsmanager:GetSecretValue` on the secret's
//! ARN (DMS user guide, "Using secrets to access AWS Database Migration Service endpoints"). The
//! evaluation reads IAM policies as [`super::iam_policy`] does (`Action` wildcards, no
//! conditions), with `Resource` matched against the secret's ARN; it is cautious: an Allow with
//! `NotAction` or `NotResource` grants nothing, and a Deny of the action counts unless its
//! `Resource` plainly names other resources.

use serde_json::Value;

use super::iam_policy::{NamedPolicy, parse_document, wildcard_match};

/// The action DMS needs on the secret.
pub const GET_SECRET_VALUE: &str = "secretsmanager:GetSecretValue";
/// The name of the inline policy on a role dmslink creates.
pub const ACCESS_POLICY_NAME: &str = "dmslink-secret-access";

/// `dms.<region>.amazonaws.com`.
pub fn regional_dms_principal(region: &str) -> String {
    format!("dms.{region}.amazonaws.com")
}

/// The trust policy of a role dmslink creates: the regional DMS principal (and the global one,
/// harmless beside it).
pub fn access_role_trust_policy(region: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": [regional_dms_principal(region), "dms.amazonaws.com"] },
            "Action": "sts:AssumeRole"
        }]
    })
    .to_string()
}

/// The inline policy of a role dmslink creates: GetSecretValue on this one secret.
pub fn access_policy(secret_arn: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": GET_SECRET_VALUE,
            "Resource": secret_arn
        }]
    })
    .to_string()
}

fn as_list(value: Option<&Value>) -> Vec<&Value> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
    }
}

fn statements(doc: &Value) -> Vec<&Value> {
    as_list(doc.get("Statement")).into_iter().filter(|s| s.is_object()).collect()
}

fn any_match(patterns: Option<&Value>, text: &str) -> bool {
    as_list(patterns).into_iter().filter_map(Value::as_str).any(|p| wildcard_match(p, text))
}

/// The trust policy (JSON text) lets `principal` (a service) call `sts:AssumeRole`.
pub fn trusts_service(trust_policy: &str, principal: &str) -> bool {
    let Some(doc) = parse_document(trust_policy) else { return false };
    statements(&doc).into_iter().any(|s| {
        s.get("Effect").and_then(Value::as_str) == Some("Allow")
            && any_match(s.get("Action"), "sts:AssumeRole")
            && as_list(s.get("Principal").and_then(|p| p.get("Service")))
                .into_iter()
                .filter_map(Value::as_str)
                .any(|svc| svc.eq_ignore_ascii_case(principal))
    })
}

/// What a role's policies grant of [`GET_SECRET_VALUE`] on one secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretAccess {
    pub allowed: bool,
    /// Policies with a Deny that takes it away.
    pub denied_by: Vec<String>,
    /// Policies read as granting nothing, each with the reason.
    pub unreadable: Vec<String>,
}

impl SecretAccess {
    pub fn granted(&self) -> bool {
        self.allowed && self.denied_by.is_empty()
    }

    /// One sentence (no final period) on what is missing, for errors.
    pub fn explain(&self, secret_arn: &str) -> String {
        let mut out = if !self.denied_by.is_empty() {
            format!("a Deny in {} takes {GET_SECRET_VALUE} on {secret_arn} away", self.denied_by.join(", "))
        } else {
            format!("none of its policies allows {GET_SECRET_VALUE} on {secret_arn}")
        };
        if !self.unreadable.is_empty() {
            out.push_str(&format!(" (not read, so not counted: {})", self.unreadable.join(", ")));
        }
        out
    }
}

/// What `policies` grant of GetSecretValue on `secret_arn`.
pub fn secret_access(policies: &[NamedPolicy], secret_arn: &str) -> SecretAccess {
    let mut access = SecretAccess::default();
    for policy in policies {
        let doc = match &policy.document {
            Ok(text) => match parse_document(text) {
                Some(doc) => doc,
                None => {
                    access.unreadable.push(format!("{} (not a JSON object)", policy.name));
                    continue;
                }
            },
            Err(why) => {
                access.unreadable.push(format!("{} ({why})", policy.name));
                continue;
            }
        };
        for s in statements(&doc) {
            let names_action = any_match(s.get("Action"), GET_SECRET_VALUE);
            match s.get("Effect").and_then(Value::as_str) {
                Some("Allow") if names_action && any_match(s.get("Resource"), secret_arn) => access.allowed = true,
                Some("Deny") => {
                    let by_not_action = s.get("Action").is_none()
                        && s.get("NotAction").is_some_and(|n| !any_match(Some(n), GET_SECRET_VALUE));
                    let on_it = s.get("Resource").is_none() || any_match(s.get("Resource"), secret_arn);
                    if (names_action || by_not_action) && on_it && !access.denied_by.contains(&policy.name) {
                        access.denied_by.push(policy.name.clone());
                    }
                }
                _ => {}
            }
        }
    }
    access
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:tgt-AbCdEf";

    fn policy(doc: serde_json::Value) -> NamedPolicy {
        NamedPolicy::read("inline policy p", doc.to_string())
    }

    #[test]
    fn the_created_roles_policies_pass_their_own_check() {
        assert!(trusts_service(&access_role_trust_policy("ap-southeast-2"), "dms.ap-southeast-2.amazonaws.com"));
        let p = NamedPolicy::read("inline policy dmslink", access_policy(SECRET));
        assert!(secret_access(&[p], SECRET).granted());
    }

    #[test]
    fn only_the_regional_dms_principal_counts_as_trust() {
        let global = serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "dms.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        assert!(!trusts_service(&global.to_string(), "dms.ap-southeast-2.amazonaws.com"));
        let other = serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "dms.us-east-1.amazonaws.com"}, "Action": "sts:*"}]});
        assert!(!trusts_service(&other.to_string(), "dms.ap-southeast-2.amazonaws.com"));
        assert!(trusts_service(&other.to_string(), "dms.us-east-1.amazonaws.com"));
        assert!(!trusts_service("not json", "dms.us-east-1.amazonaws.com"));
    }

    #[test]
    fn get_secret_value_must_be_allowed_on_that_secret_and_not_denied() {
        let on = |resource: &str| {
            policy(
                serde_json::json!({"Statement": [{"Effect": "Allow", "Action": "secretsmanager:Get*", "Resource": resource}]}),
            )
        };
        assert!(secret_access(&[on(SECRET)], SECRET).granted());
        assert!(secret_access(&[on("arn:aws:secretsmanager:*:*:secret:tgt-*")], SECRET).granted());
        assert!(secret_access(&[on("*")], SECRET).granted());
        let other =
            secret_access(&[on("arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:src-AbCdEf")], SECRET);
        assert!(!other.granted());
        assert!(other.explain(SECRET).contains("none of its policies allows secretsmanager:GetSecretValue"));
        let deny = policy(
            serde_json::json!({"Statement": [{"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"}]}),
        );
        let denied = secret_access(&[on(SECRET), deny], SECRET);
        assert!(!denied.granted());
        assert!(denied.explain(SECRET).contains("a Deny in inline policy p"));
        let unread = secret_access(&[NamedPolicy::unread("arn:aws:iam::1:policy/x", "AccessDenied")], SECRET);
        assert!(!unread.granted() && unread.explain(SECRET).contains("not read"));
    }
}
