//! `certificate_pem`: a CA certificate dmslink imports into DMS (`ImportCertificate`) and owns.
//!
//! DMS has no `ModifyCertificate`, so a certificate is never changed: its identifier,
//! `<endpoint id>-<first 8 hex of the PEM's SHA-256>`, names one PEM. The import happens inside the
//! endpoint's create step, before the endpoint; a retry after a lost answer or a crash finds the
//! certificate by that identifier and adopts it instead of importing it twice. A new PEM is
//! imported under its own identifier, the endpoint switched to it, then the old one deleted; the
//! old one is found again from the PEM the state still holds, so a crash in between is finished by
//! the next apply. A certificate given by `certificate_arn` is the user's and never deleted.
//! The PEM is sent to AWS only: no log line or error message carries it. The calls to AWS are in
//! `steps::certificate`.

use sha2::{Digest, Sha256};

use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::{Attribute, Type, Value};

/// The state attribute naming the certificate dmslink imported.
pub const ARN_ATTR: &str = "certificate_pem_arn";
const PEM_ATTR: &str = "certificate_pem";

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

pub fn pem_attribute() -> Attribute {
    Attribute::optional(PEM_ATTR, Type::String)
        .sensitive()
        .describe("PEM of the CA certificate (or chain to the root) that `verify-ca` / `verify-full` check the database server with: one or more `-----BEGIN CERTIFICATE-----` blocks. dmslink imports it into DMS as `<endpoint id>-<first 8 hex digits of its SHA-256>` before the endpoint and owns it: a new PEM is imported under a new identifier, the endpoint switched to it and the old one deleted; removing it (or destroying the stack) deletes it. Conflicts with `certificate_arn`. Sensitive: kept in state.")
        .validate(validate_pem)
}

pub fn arn_attribute() -> Attribute {
    Attribute::computed(ARN_ATTR, Type::String)
        .describe("ARN of the DMS certificate dmslink imported from `certificate_pem`.")
}

/// Every block is `BEGIN CERTIFICATE`, base64, `END CERTIFICATE` (DMS takes PEM X.509 only,
/// CHAP_Security.SSL); at least one. Nothing of the value is echoed.
fn pem_problem(pem: &str) -> Option<&'static str> {
    let mut rest = pem.trim();
    if rest.is_empty() {
        return Some("it is empty");
    }
    while !rest.is_empty() {
        let Some(after) = rest.strip_prefix(BEGIN) else {
            return Some(
                "it must consist of `-----BEGIN CERTIFICATE-----` ... `-----END CERTIFICATE-----` blocks only (a private key or other PEM type is not a certificate)",
            );
        };
        let Some(end) = after.find(END) else {
            return Some("a `-----BEGIN CERTIFICATE-----` has no `-----END CERTIFICATE-----`");
        };
        let body = &after[..end];
        if body.trim().is_empty() {
            return Some("a certificate block is empty");
        }
        if !body.chars().all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c) || c.is_whitespace()) {
            return Some("a certificate block holds characters other than base64");
        }
        rest = after[end + END.len()..].trim_start();
    }
    None
}

fn validate_pem(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(pem) = v.as_str()
        && let Some(why) = pem_problem(pem)
    {
        diags.error_at(
            path.clone(),
            "Invalid certificate PEM",
            format!("certificate_pem is not a PEM certificate: {why}. Give the CA certificate's PEM text, e.g. certificate_pem = file(\"ca.pem\")."),
        );
    }
}

/// `certificate_arn` and `certificate_pem` of one `source`/`target` block: one certificate only.
pub fn validate_block(db: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    // Unknown values (known only at apply) are judged then.
    let set = |v: &Value| !v.is_null() && !v.is_unknown();
    if set(db.get(PEM_ATTR)) && set(db.get("certificate_arn")) {
        diags.error_at(
            path.then_attr(PEM_ATTR),
            "Conflicting certificates",
            "Set certificate_arn (a certificate you imported) or certificate_pem (dmslink imports and owns it), not both.",
        );
    }
}

/// `<endpoint id>-<first 8 hex digits of SHA-256(pem)>`.
pub fn identifier(endpoint_id: &str, pem: &str) -> String {
    let digest = Sha256::digest(pem.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{endpoint_id}-{hex}")
}

/// The plan of an update: a block whose PEM changed gets a new certificate (unknown until
/// imported); one without a PEM has none.
pub fn plan(prior: &Value, planned: &mut Value) {
    let prior_sources = prior.get("source").as_elements().unwrap_or_default().to_vec();
    let mut sources: Vec<Value> = planned.get("source").as_elements().unwrap_or_default().to_vec();
    for block in sources.iter_mut() {
        let name = block.get("name").clone();
        let before = prior_sources.iter().find(|p| *p.get("name") == name).map(|p| p.get(PEM_ATTR).clone());
        plan_block(before, block);
    }
    if !sources.is_empty() {
        planned.set("source", Value::List(sources));
    }
    let mut target = planned.get("target").clone();
    if !target.is_null() {
        plan_block(Some(prior.get("target").get(PEM_ATTR).clone()), &mut target);
        planned.set("target", target);
    }
}

fn plan_block(prior_pem: Option<Value>, block: &mut Value) {
    let pem = block.get(PEM_ATTR).clone();
    if pem.is_null() {
        block.set(ARN_ATTR, Value::Null);
    } else if prior_pem.as_ref() != Some(&pem) {
        block.set(ARN_ATTR, Value::Unknown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0E=\n-----END CERTIFICATE-----\n";

    #[test]
    fn identifier_is_the_endpoint_id_and_eight_hex_of_the_sha256() {
        let id = identifier("app-dev-tgt", "abc");
        // SHA-256("abc") = ba7816bf...
        assert_eq!(id, "app-dev-tgt-ba7816bf");
        assert_ne!(identifier("app-dev-tgt", PEM), identifier("app-dev-tgt", &PEM.replace("Q0E=", "Q0I=")));
    }

    #[test]
    fn pem_shape_accepts_chains_and_refuses_other_text() {
        assert_eq!(pem_problem(PEM), None);
        assert_eq!(pem_problem(&format!("{PEM}\n{PEM}")), None);
        assert!(pem_problem("").is_some());
        assert!(pem_problem("hello").is_some());
        assert!(pem_problem("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----").is_some());
        assert!(pem_problem("-----BEGIN CERTIFICATE-----\nMIIB").is_some());
        assert!(pem_problem(&format!("{PEM}-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----")).is_some());
        assert!(pem_problem("-----BEGIN CERTIFICATE-----\nMI*B\n-----END CERTIFICATE-----").is_some());
    }
}
