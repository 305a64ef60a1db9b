//! The AWS tag rules every tag map the provider accepts is held to (a resource's `tags`, the
//! provider's `default_tags`), as a schema validator. It sits at the top so the provider
//! configuration and the resources both take it without importing each other.

use crate::engine::{AttrPath, Diagnostics, Value};

/// AWS allows 50 tags per object; dmslink puts up to three of its own (`dmslink:stack`,
/// `dmslink:resource`, `dmslink:snapshot`) on each child.
pub const MAX_USER_TAGS: usize = 47;

/// Tag rules of the strictest service a tag lands on: EC2 takes any characters, but RDS and DMS
/// take letters, digits, white space and `_ . : / = + - @` only (RDS `Tag`, DMS `Tag` API
/// references); keys 1–128, values 0–256 characters; `aws:` is AWS's prefix; `dmslink:` is ours.
pub fn validate_tags(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    let Some(map) = v.as_map() else { return };
    if map.len() > MAX_USER_TAGS {
        diags.error_at(
            path.clone(),
            "Too many tags",
            format!("{} tags given; at most {MAX_USER_TAGS} fit, since AWS allows 50 per object and dmslink adds up to 3 of its own.", map.len()),
        );
    }
    let allowed = |c: char| c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c);
    for (k, val) in map {
        let kp = path.then_key(k);
        let lower = k.to_ascii_lowercase();
        if k.is_empty() || k.chars().count() > 128 {
            diags.error_at(kp, "Invalid tag key", "Tag keys must be 1 to 128 characters long.");
        } else if lower.starts_with("aws:") || lower.starts_with("dmslink:") {
            let prefix = if lower.starts_with("aws:") { "aws:" } else { "dmslink:" };
            diags.error_at(
                kp,
                "Invalid tag key",
                format!(
                    "Tag key {} uses the reserved prefix \"{prefix}\"; choose another key.",
                    crate::engine::diag::quote_input(k)
                ),
            );
        } else if !k.chars().all(allowed) {
            diags.error_at(kp, "Invalid tag key", "Tag keys may hold letters, digits, spaces and _ . : / = + - @ only (RDS and DMS refuse other characters).");
        } else if let Some(s) = val.as_str() {
            if s.chars().count() > 256 {
                diags.error_at(kp, "Invalid tag value", "Tag values must be at most 256 characters long.");
            } else if !s.chars().all(allowed) {
                diags.error_at(kp, "Invalid tag value", "Tag values may hold letters, digits, spaces and _ . : / = + - @ only (RDS and DMS refuse other characters).");
            }
        }
    }
}
