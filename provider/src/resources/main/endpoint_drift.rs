//! Endpoint settings read back on refresh. An endpoint edited outside Terraform (the console, the
//! CLI) must show in the next plan and be set back by the apply, as the AWS provider's users miss
//! (hashicorp/terraform-provider-aws#23506, #20290: settings silently not applied, edits never seen).
//!
//! Two kinds of setting:
//! - those the configuration writes (`ssl_mode`, `extra_connection_attributes`, `database_name`,
//!   `username`, `certificate_arn`, an on-premises `server_name`): AWS's value goes into the attribute, so the plan
//!   shows it against the configuration's;
//! - those dmslink derives (the RDS instance's address, the port, which defaults per engine): no
//!   attribute holds what the configuration means, so AWS's value is recorded in the computed
//!   `endpoint_drift` map and the plan empties it, an in-place update that sends them again.
//!
//! Secrets are never compared (AWS never returns them). DMS fills in settings nobody sent and
//! mirrors settings into the extra connection attributes (TFP#46676, #49468), so only what the user
//! set is compared: attributes left unset and attribute keys the user did not write are not drift.

use std::collections::BTreeMap;

use crate::aws::dms::Endpoint;
use crate::engine::Value;

use super::desired::{Database, Stack};

/// The computed attribute of each `source`/`target` block.
pub const ATTR: &str = "endpoint_drift";

/// Writes what AWS reports for `ep` over the block's settings where it differs from what dmslink
/// set for `db` (read from the same state); `rds_address` is the RDS instance's address, for a
/// database dmslink runs on RDS.
pub fn read_back(block: &mut Value, db: &Database, rds_address: Option<&str>, ep: &Endpoint) {
    let remote = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    if ssl_mode(&db.ssl_mode) != ssl_mode(&ep.ssl_mode) {
        block.set("ssl_mode", Value::opt_string(remote(&ep.ssl_mode).filter(|m| m != "none")));
    }
    for (attr, set, now) in [
        ("database_name", &db.database_name, &ep.database_name),
        ("username", &db.username, &ep.username),
        ("certificate_arn", &db.certificate_arn, &ep.certificate_arn),
    ] {
        // A login in a secret dmslink writes: the endpoint is sent no user.
        let unsent = attr == "username" && db.secrets.is_some();
        if set.is_some() && !unsent && remote(now) != *set {
            block.set(attr, Value::opt_string(remote(now)));
        }
    }
    if !attributes_agree(db.extra_connection_attributes.as_deref(), ep.extra_connection_attributes.as_deref()) {
        block.set("extra_connection_attributes", Value::opt_string(remote(&ep.extra_connection_attributes)));
    }
    let mut drift = BTreeMap::new();
    // The certificate dmslink imported from `certificate_pem`: no attribute the user writes holds it.
    if db.certificate_pem.is_some()
        && let Some(owned) = block.get(super::owned_certificate::ARN_ATTR).as_str()
        && remote(&ep.certificate_arn).as_deref() != Some(owned)
    {
        drift.insert("certificate_arn".to_string(), remote(&ep.certificate_arn).unwrap_or_default());
    }
    // With a secret, DMS is sent no server, port or user (the secret holds them): nothing to compare.
    if db.secrets.is_some() {
        record(block, drift);
        return;
    }
    match (rds_address, &db.server_name) {
        (Some(address), _) if remote(&ep.server_name).as_deref() != Some(address) => {
            drift.insert("server_name".to_string(), remote(&ep.server_name).unwrap_or_default());
        }
        (None, Some(server)) if remote(&ep.server_name).as_ref() != Some(server) => {
            block.set("server_name", Value::opt_string(remote(&ep.server_name)));
        }
        _ => {}
    }
    if ep.port.map(i64::from) != Some(db.port) {
        drift.insert("port".to_string(), ep.port.map(|p| p.to_string()).unwrap_or_default());
    }
    record(block, drift);
}

/// A state without the attribute (written before it existed) gains it only with a drift, so an
/// unchanged stack refreshes to the same state.
fn record(block: &mut Value, drift: BTreeMap<String, String>) {
    if !drift.is_empty() || !block.get(ATTR).is_null() {
        block.set(ATTR, Value::from_string_map(&drift));
    }
}

/// Plans the repair of every recorded drift: the map planned empty is an in-place update.
pub fn plan_repair(planned: &mut Value) {
    let repair = |block: &mut Value| {
        if block.get(ATTR).as_map().is_some_and(|m| !m.is_empty()) {
            block.set(ATTR, Value::from_string_map(&BTreeMap::new()));
        }
    };
    let mut sources: Vec<Value> = planned.get("source").as_elements().unwrap_or_default().to_vec();
    sources.iter_mut().for_each(repair);
    if !sources.is_empty() {
        planned.set("source", Value::List(sources));
    }
    let mut target = planned.get("target").clone();
    if !target.is_null() {
        repair(&mut target);
        planned.set("target", target);
    }
}

/// The endpoint of database `id` had a drift recorded in `prior` (the state `old` was read from).
pub fn drifted(prior: &Value, old: &Stack, id: &str) -> bool {
    let has = |block: &Value| block.get(ATTR).as_map().is_some_and(|m| !m.is_empty());
    let sources = prior.get("source").as_elements().unwrap_or_default();
    sources.iter().zip(&old.sources).any(|(block, db)| old.database_id(db) == id && has(block))
        || (old.database_id(&old.target) == id && has(prior.get("target")))
}

/// The SSL mode AWS applies: unset is `none`.
fn ssl_mode(mode: &Option<String>) -> &str {
    mode.as_deref().filter(|m| !m.is_empty()).unwrap_or("none")
}

/// Every `key=value` the user wrote is in what AWS reports (keys compared without case, as DMS
/// reads them); keys the user did not write may be there too (DMS adds its own).
pub fn attributes_agree(set: Option<&str>, now: Option<&str>) -> bool {
    let pairs = |text: &str| -> BTreeMap<String, String> {
        text.split(';')
            .filter_map(|part| part.split_once('='))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .filter(|(k, _)| !k.is_empty())
            .collect()
    };
    let now = pairs(now.unwrap_or_default());
    pairs(set.unwrap_or_default()).iter().all(|(k, v)| now.get(k) == Some(v))
}

/// Unset and empty are the same setting when comparing what `ModifyEndpoint` sent with what AWS
/// reports (`""` resets the attributes; SSL mode `none` is the default).
pub fn same_setting(sent: &str, now: Option<&str>) -> bool {
    let now = now.unwrap_or_default();
    sent == now || (sent.is_empty() || sent == "none") && (now.is_empty() || now == "none")
}

#[cfg(test)]
#[path = "endpoint_drift_tests.rs"]
mod tests;
