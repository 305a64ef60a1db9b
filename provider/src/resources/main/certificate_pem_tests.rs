//! Issue 15 item 4: `certificate_pem`, the certificate dmslink imports and owns (`owned_certificate`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::owned_certificate::identifier;
use super::test_bed::{self, MAIN, errors, s, stack_json, world};
use crate::aws::Secret;
use crate::aws::dms::DmsApi;
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::fake::FakeWorld;
use crate::engine::Value;
use crate::engine::provider::{ClientCapabilities, Provider};
use crate::provider_config::Configured;

const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0E=\n-----END CERTIFICATE-----\n";
const PEM2: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0I=\n-----END CERTIFICATE-----\n";
const ONPREM: &str = "dblink-dev-src-onprem";

/// The seed stack with `onprem` verifying its server against `pem` (none: `require`).
fn cfg_with(pem: Option<&str>) -> Value {
    let mut j = stack_json("check", false);
    match pem {
        Some(pem) => {
            j["source"][1]["ssl_mode"] = serde_json::json!("verify-ca");
            j["source"][1]["certificate_pem"] = serde_json::json!(pem);
        }
        None => j["source"][1]["ssl_mode"] = serde_json::json!("require"),
    }
    test_bed::config(j)
}

/// Plans and applies `cfg` over `prior`; the new state and the errors.
async fn apply(p: &Provider<Configured>, prior: &Value, cfg: &Value) -> (Value, Vec<String>) {
    let plan = test_bed::plan(p, prior, cfg).await;
    assert_eq!(errors(&plan.diags), Vec::<String>::new());
    let (state, d) = p.apply_resource_change(MAIN, prior, &plan.planned, cfg).await;
    (state, errors(&d))
}

async fn endpoint_certificate(w: &FakeWorld, state: &Value) -> Option<String> {
    let arn = s(state, &["source", "1", "endpoint_arn"]).unwrap();
    w.dms.find_endpoint_by_arn(arn).await.unwrap().unwrap().certificate_arn
}

fn certificate_ids(w: &FakeWorld) -> Vec<String> {
    w.dms.certificates().into_iter().map(|c| c.id).collect()
}

#[tokio::test]
async fn certificate_pem_conflicts_with_certificate_arn_and_must_be_pem_at_validate() {
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    let validate = |j: &serde_json::Value| {
        errors(&p.validate_resource_config(MAIN, &test_bed::config(j.clone()), ClientCapabilities::default()))
    };
    let mut j = stack_json("check", false);
    j["source"][1]["ssl_mode"] = serde_json::json!("verify-full");
    j["source"][1]["certificate_pem"] = serde_json::json!(PEM);
    assert_eq!(validate(&j), Vec::<String>::new(), "verify-full is satisfied by a PEM");
    j["source"][1]["certificate_arn"] = serde_json::json!("arn:aws:dms:us-east-1:123456789012:cert:CA1");
    let both = validate(&j);
    assert!(both.iter().any(|e| e.starts_with("Conflicting certificates")), "{both:?}");
    let d = p.validate_resource_config(MAIN, &test_bed::config(j.clone()), ClientCapabilities::default());
    let paths: Vec<String> = d.iter().filter_map(|x| x.path.as_ref().map(|p| format!("{p:?}"))).collect();
    assert!(paths.iter().any(|p| p.contains("certificate_pem")), "{paths:?}");
    j["source"][1]["certificate_arn"] = serde_json::Value::Null;
    j["source"][1]["certificate_pem"] =
        serde_json::json!("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----");
    let bad = validate(&j);
    assert!(bad.iter().any(|e| e.starts_with("Invalid certificate PEM")), "{bad:?}");
    assert!(bad.iter().all(|e| !e.contains("c2VjcmV0")), "the value is never echoed: {bad:?}");
}

#[tokio::test(start_paused = true)]
async fn a_pem_is_imported_before_its_endpoint_which_names_it() {
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    let (state, errs) = apply(&p, &Value::Null, &cfg_with(Some(PEM))).await;
    assert_eq!(errs, Vec::<String>::new());
    let id = identifier(ONPREM, PEM);
    assert_eq!(certificate_ids(&w), vec![id.clone()]);
    assert_eq!(w.dms.certificate_pem(&id).as_deref(), Some(PEM));
    let cert = w.dms.find_certificate(&id).await.unwrap().unwrap();
    assert_eq!(s(&state, &["source", "1", "certificate_pem_arn"]), Some(cert.arn.as_str()));
    assert_eq!(endpoint_certificate(&w, &state).await, Some(cert.arn.clone()));
    let log = w.dms.call_log();
    let import = log.iter().position(|c| c == &format!("import_certificate {id}")).unwrap();
    let create = log.iter().position(|c| c == &format!("create_endpoint {ONPREM}")).unwrap();
    assert!(import < create, "{log:?}");
    assert!(log.iter().all(|c| !c.contains("MIIB")), "the PEM is never logged: {log:?}");
    // Nothing to change afterwards.
    let plan = test_bed::plan(&p, &state, &cfg_with(Some(PEM))).await;
    assert_eq!(plan.planned, state);
}

#[tokio::test(start_paused = true)]
async fn a_lost_import_answer_is_adopted_not_imported_twice() {
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    w.dms.lose_next_answer("import_certificate", AwsError::new(ErrorKind::Transport, "", "connection reset"));
    let (state, errs) = apply(&p, &Value::Null, &cfg_with(Some(PEM))).await;
    assert_eq!(errs, Vec::<String>::new());
    assert_eq!(certificate_ids(&w), vec![identifier(ONPREM, PEM)]);
    let imports = w.dms.calls().iter().filter(|c| *c == "import_certificate").count();
    assert_eq!(imports, 1);
    assert!(endpoint_certificate(&w, &state).await.is_some());

    // A crash after the import (the endpoint never created): the next apply adopts it by identifier.
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    w.dms.import_certificate(&identifier(ONPREM, PEM), &Secret::from(PEM)).await.unwrap();
    let (state, errs) = apply(&p, &Value::Null, &cfg_with(Some(PEM))).await;
    assert_eq!(errs, Vec::<String>::new());
    assert_eq!(certificate_ids(&w), vec![identifier(ONPREM, PEM)]);
    let cert = w.dms.find_certificate(&identifier(ONPREM, PEM)).await.unwrap().unwrap();
    assert_eq!(endpoint_certificate(&w, &state).await, Some(cert.arn));
}

#[tokio::test(start_paused = true)]
async fn a_new_pem_is_imported_then_the_endpoint_switched_then_the_old_one_deleted() {
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    let (state, errs) = apply(&p, &Value::Null, &cfg_with(Some(PEM))).await;
    assert_eq!(errs, Vec::<String>::new());
    let plan = test_bed::plan(&p, &state, &cfg_with(Some(PEM2))).await;
    assert!(s(&plan.planned, &["source", "1", "certificate_pem_arn"]).is_none());
    assert!(plan.planned.get("source").as_elements().unwrap()[1].get("certificate_pem_arn").is_unknown());
    w.dms.clear_calls();
    let (state, errs) = apply(&p, &state, &cfg_with(Some(PEM2))).await;
    assert_eq!(errs, Vec::<String>::new());
    let new = w.dms.find_certificate(&identifier(ONPREM, PEM2)).await.unwrap().unwrap();
    assert_eq!(certificate_ids(&w), vec![new.id.clone()]);
    assert_eq!(endpoint_certificate(&w, &state).await, Some(new.arn.clone()));
    assert_eq!(s(&state, &["source", "1", "certificate_pem_arn"]), Some(new.arn.as_str()));
    let calls = w.dms.calls();
    let at = |op: &str| calls.iter().position(|c| c == op).unwrap_or_else(|| panic!("no {op}: {calls:?}"));
    assert!(at("import_certificate") < at("modify_endpoint") && at("modify_endpoint") < at("delete_certificate"));
}

#[tokio::test(start_paused = true)]
async fn a_rotation_cut_short_is_finished_by_the_next_apply() {
    for cut in ["modify_endpoint", "delete_certificate"] {
        let w = world(true);
        let p = test_bed::provider(&w, |_| {});
        let (state, errs) = apply(&p, &Value::Null, &cfg_with(Some(PEM))).await;
        assert_eq!(errs, Vec::<String>::new());
        w.dms.fail_next(cut, AwsError::new(ErrorKind::Other, "KMSKeyNotAccessibleFault", "refused"));
        let (failed, errs) = apply(&p, &state, &cfg_with(Some(PEM2))).await;
        assert!(!errs.is_empty(), "{cut}: the cut apply fails");
        let (state, errs) = apply(&p, &failed, &cfg_with(Some(PEM2))).await;
        assert_eq!(errs, Vec::<String>::new(), "{cut}");
        let new = w.dms.find_certificate(&identifier(ONPREM, PEM2)).await.unwrap().unwrap();
        assert_eq!(certificate_ids(&w), vec![new.id.clone()], "{cut}: the old one is gone, the new one imported once");
        assert_eq!(endpoint_certificate(&w, &state).await, Some(new.arn.clone()), "{cut}");
        assert_eq!(s(&state, &["source", "1", "certificate_pem_arn"]), Some(new.arn.as_str()), "{cut}");
    }
}

#[tokio::test(start_paused = true)]
async fn removing_the_pem_clears_the_endpoint_and_deletes_the_certificate() {
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    let (state, errs) = apply(&p, &Value::Null, &cfg_with(Some(PEM))).await;
    assert_eq!(errs, Vec::<String>::new());
    let (state, errs) = apply(&p, &state, &cfg_with(None)).await;
    assert_eq!(errs, Vec::<String>::new());
    assert_eq!(endpoint_certificate(&w, &state).await, None);
    assert_eq!(certificate_ids(&w), Vec::<String>::new());
    assert!(s(&state, &["source", "1", "certificate_pem_arn"]).is_none());
    let plan = test_bed::plan(&p, &state, &cfg_with(None)).await;
    assert_eq!(plan.planned, state);
}

#[tokio::test(start_paused = true)]
async fn destroy_deletes_the_imported_certificate_after_the_endpoint_but_never_a_given_one() {
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    let given = w.dms.import_certificate("users-ca", &Secret::from(PEM2)).await.unwrap();
    let mut cfg = cfg_with(Some(PEM));
    let mut target = cfg.get("target").clone();
    target.set("ssl_mode", Value::string("verify-full"));
    target.set("certificate_arn", Value::string(given.arn.clone()));
    cfg.set("target", target);
    let (state, errs) = apply(&p, &Value::Null, &cfg).await;
    assert_eq!(errs, Vec::<String>::new());
    assert_eq!(certificate_ids(&w).len(), 2);
    w.dms.clear_calls();
    let (_, d) = p.apply_resource_change(MAIN, &state, &Value::Null, &Value::Null).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    assert_eq!(certificate_ids(&w), vec!["users-ca".to_string()], "the given certificate stays");
    let log = w.dms.call_log();
    let deleted_ep = log.iter().position(|c| c.starts_with("delete_endpoint")).unwrap();
    let deleted_cert = log.iter().position(|c| c.starts_with("delete_certificate")).unwrap();
    assert!(deleted_ep < deleted_cert, "{log:?}");
}

#[tokio::test(start_paused = true)]
async fn an_endpoint_whose_login_is_a_secret_gets_its_certificate_too() {
    let b = test_bed::bed(true);
    let mut j = stack_json("check", false);
    j["target"] = serde_json::json!({
        "database_name": "dblink",
        "secrets_manager_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:dblink-target-AbC123",
        "secrets_manager_access_role": "create",
        "ssl_mode": "verify-full",
        "certificate_pem": PEM,
    });
    let st = b.created(&test_bed::config(j)).await;
    let cert = b.w.dms.find_certificate(&identifier("dblink-dev-tgt", PEM)).await.unwrap().unwrap();
    let arn = s(&st, &["target", "endpoint_arn"]).unwrap();
    let ep = b.w.dms.find_endpoint_by_arn(arn).await.unwrap().unwrap();
    assert!(ep.secrets_manager.is_some());
    assert_eq!(ep.certificate_arn, Some(cert.arn));
}

#[tokio::test(start_paused = true)]
async fn an_endpoint_switched_off_its_imported_certificate_outside_terraform_is_switched_back() {
    use crate::aws::dms::ModifyEndpointInput;
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    let cfg = cfg_with(Some(PEM));
    let (state, errs) = apply(&p, &Value::Null, &cfg).await;
    assert_eq!(errs, Vec::<String>::new());
    let owned = s(&state, &["source", "1", "certificate_pem_arn"]).unwrap().to_string();
    let other = w.dms.import_certificate("someone-elses", &Secret::from(PEM2)).await.unwrap();
    let arn = s(&state, &["source", "1", "endpoint_arn"]).unwrap().to_string();
    let edit = ModifyEndpointInput { arn, certificate_arn: Some(other.arn.clone()), ..Default::default() };
    w.dms.modify_endpoint(edit).await.unwrap();
    let (read, _) = p.read_resource(MAIN, &state).await;
    let drift = read.get("source").as_elements().unwrap()[1].get("endpoint_drift").string_map();
    assert_eq!(drift.get("certificate_arn"), Some(&other.arn), "{drift:?}");
    let (applied, errs) = apply(&p, &read, &cfg).await;
    assert_eq!(errs, Vec::<String>::new());
    assert_eq!(endpoint_certificate(&w, &applied).await, Some(owned));
    let (reread, _) = p.read_resource(MAIN, &applied).await;
    assert_eq!(test_bed::plan(&p, &reread, &cfg).await.planned, reread, "clean plan after the repair");
    assert_eq!(certificate_ids(&w).len(), 2, "the other certificate is not dmslink's: it stays");
}

#[tokio::test(start_paused = true)]
async fn a_removed_source_takes_its_imported_certificate_with_it() {
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    let (state, errs) = apply(&p, &Value::Null, &cfg_with(Some(PEM))).await;
    assert_eq!(errs, Vec::<String>::new());
    let mut j = stack_json("check", false);
    j["source"].as_array_mut().unwrap().truncate(1);
    let (_, errs) = apply(&p, &state, &test_bed::config(j)).await;
    assert_eq!(errs, Vec::<String>::new());
    assert_eq!(w.dms.find_endpoint(ONPREM).await.unwrap(), None);
    assert_eq!(certificate_ids(&w), Vec::<String>::new());
}
