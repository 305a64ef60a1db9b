//! Whether a role's own IAM policies grant the EC2 actions DMS performs with `dms-vpc-role`.
//!
//! The AWS-managed `AmazonDMSVPCManagementRole` is one way to grant them; an inline policy listing
//! them (as GeoscienceAustralia/aws-dms-example's `iam-roles.tf` does) is another, and DMS accepts
//! it (aws-behaviour.md §1.6). The emulator decides the same way
//! (`tests/emulator/dmslink_emulator/strictness.py`, `missing_actions`); this is the Rust side,
//! used by the provider's check and by the fake.
//!
//! Only the parts of IAM's evaluation that matter here: `Effect`, `Action`/`NotAction` (with `*`
//! and `?` wildcards, case-insensitive) and whether `Resource` includes `"*"` (DMS acts on
//! resources it chooses, so only `"*"` grants). Conditions are not evaluated. Any JSON is read
//! without panicking; a document that is not a JSON object grants nothing.

use serde_json::Value;

/// What DMS does with the role: the actions the seed's inline policy grants (the first versions of
/// `AmazonDMSVPCManagementRole`). The same list as the emulator's `DMS_VPC_ACTIONS` (a test
/// compares them).
pub const DMS_VPC_ACTIONS: [&str; 8] = [
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ec2:ModifyNetworkInterfaceAttribute",
];

/// How statements this module cannot evaluate exactly are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// As the emulator does (the fake's rule): an Allow with `NotAction` grants every action it
    /// does not list; a Deny counts only with `Resource` `"*"`.
    AsEmulator,
    /// The provider's check, which would rather send the user to fix a role than let DMS fail
    /// later: an Allow with `NotAction` grants nothing, and a Deny of a needed action counts
    /// whatever its `Resource`.
    Cautious,
}

/// One identity policy of a role: its name for messages and its document as IAM answered it
/// (JSON, possibly URL-encoded), or why it could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedPolicy {
    /// E.g. `inline policy dmsvpcpolicy` or a managed policy's ARN.
    pub name: String,
    pub document: Result<String, String>,
}

impl NamedPolicy {
    pub fn read(name: impl Into<String>, document: impl Into<String>) -> NamedPolicy {
        NamedPolicy { name: name.into(), document: Ok(document.into()) }
    }
    pub fn unread(name: impl Into<String>, why: impl Into<String>) -> NamedPolicy {
        NamedPolicy { name: name.into(), document: Err(why.into()) }
    }
}

/// What a set of policies grants of [`DMS_VPC_ACTIONS`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants {
    /// Needed actions no Allow grants or a Deny takes away, in [`DMS_VPC_ACTIONS`] order.
    pub missing: Vec<&'static str>,
    /// Of `missing`, those a Deny statement takes away.
    pub denied: Vec<&'static str>,
    /// Policies read as granting nothing, each with the reason (`name (reason)`).
    pub unreadable: Vec<String>,
    /// Policies whose Allow statements use `NotAction` ([`Reading::Cautious`] does not count them).
    pub not_action: Vec<String>,
}

impl Grants {
    /// Every needed action is granted.
    pub fn all(&self) -> bool {
        self.missing.is_empty()
    }

    /// One sentence (no final period) saying what is missing and why, for error messages.
    pub fn explain(&self) -> String {
        let mut out = format!("its policies do not grant {}", self.missing.join(", "));
        if !self.denied.is_empty() {
            out.push_str(&format!(" (a Deny statement takes away {})", self.denied.join(", ")));
        }
        if !self.unreadable.is_empty() {
            out.push_str(&format!(
                "; counted as granting nothing because they could not be read as a JSON policy: {}",
                self.unreadable.join(", ")
            ));
        }
        if !self.not_action.is_empty() {
            out.push_str(&format!(
                "; Allow statements with NotAction are not counted (list the actions under Action): {}",
                self.not_action.join(", ")
            ));
        }
        out
    }
}

/// The policy document as JSON: plain JSON text, or IAM's URL-encoded form. `None` when it is
/// neither, or not a JSON object.
pub fn parse_document(text: &str) -> Option<Value> {
    let parsed = serde_json::from_str::<Value>(text)
        .ok()
        .or_else(|| serde_json::from_str::<Value>(&decode_policy_document(text)).ok())?;
    parsed.is_object().then_some(parsed)
}

/// What `policies` together grant of [`DMS_VPC_ACTIONS`].
pub fn evaluate(policies: &[NamedPolicy], reading: Reading) -> Grants {
    let mut grants = Grants::default();
    let mut statements: Vec<Value> = Vec::new();
    for policy in policies {
        let doc = match &policy.document {
            Ok(text) => match parse_document(text) {
                Some(doc) => doc,
                None => {
                    grants.unreadable.push(format!("{} (not a JSON object)", policy.name));
                    continue;
                }
            },
            Err(why) => {
                grants.unreadable.push(format!("{} ({why})", policy.name));
                continue;
            }
        };
        let own: Vec<Value> = as_list(doc.get("Statement")).into_iter().filter(|s| s.is_object()).cloned().collect();
        if own
            .iter()
            .any(|s| effect(s) == Some(Effect::Allow) && s.get("Action").is_none() && s.get("NotAction").is_some())
        {
            grants.not_action.push(policy.name.clone());
        }
        statements.extend(own);
    }
    for action in DMS_VPC_ACTIONS {
        let allowed = statements.iter().any(|s| effect(s) == Some(Effect::Allow) && allows(s, action, reading));
        let denied = statements.iter().any(|s| effect(s) == Some(Effect::Deny) && denies(s, action, reading));
        if denied {
            grants.denied.push(action);
        }
        if !allowed || denied {
            grants.missing.push(action);
        }
    }
    if reading == Reading::AsEmulator || grants.all() {
        grants.not_action.clear();
    }
    grants
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

fn effect(statement: &Value) -> Option<Effect> {
    match statement.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Some(Effect::Allow),
        Some("Deny") => Some(Effect::Deny),
        _ => None,
    }
}

/// A string or a list of values as a list (anything else: empty).
fn as_list(value: Option<&Value>) -> Vec<&Value> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
    }
}

fn any_matches(patterns: Option<&Value>, action: &str) -> bool {
    as_list(patterns).into_iter().filter_map(Value::as_str).any(|p| wildcard_match(p, action))
}

/// The statement names `action` (under `Action`, or by not listing it under `NotAction` when
/// `not_action_counts`).
fn names_action(statement: &Value, action: &str, not_action_counts: bool) -> bool {
    if let Some(actions) = statement.get("Action") {
        any_matches(Some(actions), action)
    } else if let Some(excluded) = statement.get("NotAction") {
        not_action_counts && !any_matches(Some(excluded), action)
    } else {
        false
    }
}

fn on_every_resource(statement: &Value) -> bool {
    as_list(statement.get("Resource")).into_iter().any(|r| r.as_str() == Some("*"))
}

fn allows(statement: &Value, action: &str, reading: Reading) -> bool {
    names_action(statement, action, reading == Reading::AsEmulator) && on_every_resource(statement)
}

fn denies(statement: &Value, action: &str, reading: Reading) -> bool {
    names_action(statement, action, true) && (reading == Reading::Cautious || on_every_resource(statement))
}

/// IAM's action wildcards: `*` any run of characters, `?` one character; case-insensitive.
/// Iterative (greedy with backtracking to the last `*`), so no input makes it slow or deep.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Decodes IAM's URL-encoded policy documents (`%7B%22Version%22...`); text that is not
/// percent-encoded comes back unchanged.
pub fn decode_policy_document(text: &str) -> String {
    if !text.contains('%') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
#[path = "iam_policy_tests.rs"]
mod tests;
