//! Endpoint settings read back on refresh, planned and set back by the apply.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use super::*;
use crate::aws::dms::{DmsApi, ModifyEndpointInput};
use crate::resources::main::desired;
use crate::resources::main::test_bed::{self, MAIN, errors, s, stack_json, world};

fn endpoint(server: &str, port: i32) -> Endpoint {
    Endpoint {
        arn: "arn:aws:dms:us-east-1:123456789012:endpoint:X".into(),
        id: "dblink-dev-src-onprem".into(),
        status: "active".into(),
        endpoint_type: "source".into(),
        engine_name: "oracle".into(),
        server_name: Some(server.into()),
        port: Some(port),
        database_name: Some("ORCL".into()),
        username: Some("dms".into()),
        ..Default::default()
    }
}

/// The on-premises source block of the seed stack, as state, and its database.
fn onprem(extra: serde_json::Value) -> (Value, Database) {
    let mut j = stack_json("check", false);
    for (k, v) in extra.as_object().unwrap() {
        j["source"][1][k] = v.clone();
    }
    let state = test_bed::config(j);
    let stack = desired::read(&state, &state);
    (state.get("source").as_elements().unwrap()[1].clone(), stack.sources[1].clone())
}

fn drift(block: &Value) -> BTreeMap<String, String> {
    block.get(ATTR).string_map()
}

#[test]
fn an_edit_of_a_setting_the_configuration_writes_shows_in_that_attribute() {
    let (mut block, db) = onprem(
        serde_json::json!({"ssl_mode": "require", "extra_connection_attributes": "useLogminerReader=N;useBfile=Y"}),
    );
    let mut ep = endpoint("oracle.corp.example", 1521);
    ep.ssl_mode = Some("none".into());
    ep.extra_connection_attributes = Some("useLogminerReader=Y;useBfile=Y".into());
    ep.username = Some("someone".into());
    ep.server_name = Some("oracle2.corp.example".into());
    read_back(&mut block, &db, None, &ep);
    assert_eq!(block.get("ssl_mode"), &Value::Null, "AWS's `none` is the unset mode");
    assert_eq!(block.get("extra_connection_attributes").as_str(), Some("useLogminerReader=Y;useBfile=Y"));
    assert_eq!(block.get("username").as_str(), Some("someone"));
    assert_eq!(block.get("server_name").as_str(), Some("oracle2.corp.example"));
    assert!(block.get(ATTR).is_null(), "nothing derived drifted: {block:?}");
}

#[test]
fn what_dms_adds_and_what_is_left_unset_is_not_drift() {
    let (mut block, db) = onprem(serde_json::json!({"extra_connection_attributes": "useLogminerReader=N"}));
    let before = block.clone();
    let mut ep = endpoint("oracle.corp.example", 1521);
    // DMS mirrors settings into the attributes, with its own key case; SSL `none` is the default.
    ep.extra_connection_attributes = Some("UseLogminerReader=N;charLengthSemantics=char".into());
    ep.ssl_mode = Some("none".into());
    read_back(&mut block, &db, None, &ep);
    assert_eq!(block, before);
    // Unset in the configuration: whatever AWS has is not compared.
    let (mut block, mut db) = onprem(serde_json::json!({}));
    db.database_name = None;
    let before = block.clone();
    ep.database_name = Some("SOMETHING".into());
    read_back(&mut block, &db, None, &ep);
    assert_eq!(block, before);
}

#[test]
fn a_derived_setting_that_drifted_is_recorded_with_aws_value() {
    let (mut block, db) = onprem(serde_json::json!({}));
    read_back(&mut block, &db, None, &endpoint("oracle.corp.example", 1600));
    assert_eq!(drift(&block), BTreeMap::from([("port".to_string(), "1600".to_string())]));
    // An RDS database: its endpoint must name the instance's address.
    let (mut block, db) = onprem(serde_json::json!({}));
    read_back(&mut block, &db, Some("db.abc.rds.amazonaws.com"), &endpoint("elsewhere.example", 1521));
    assert_eq!(drift(&block), BTreeMap::from([("server_name".to_string(), "elsewhere.example".to_string())]));
    // Nothing drifted since: the recorded map empties, it does not disappear.
    read_back(&mut block, &db, Some("db.abc.rds.amazonaws.com"), &endpoint("db.abc.rds.amazonaws.com", 1521));
    assert_eq!(block.get(ATTR), &Value::from_string_map(&BTreeMap::new()));
}

#[test]
fn only_a_recorded_drift_plans_a_repair() {
    let (block, _) = onprem(serde_json::json!({}));
    let mut planned = test_bed::config(stack_json("check", false));
    let mut drifted = block.clone();
    drifted.set(ATTR, Value::from_string_map(&BTreeMap::from([("port".to_string(), "1600".to_string())])));
    planned.set("source", Value::List(vec![block.clone(), drifted]));
    let before = planned.clone();
    plan_repair(&mut planned);
    assert_eq!(planned.get("source").as_elements().unwrap()[0], before.get("source").as_elements().unwrap()[0]);
    assert_eq!(planned.get("source").as_elements().unwrap()[1].get(ATTR), &Value::from_string_map(&BTreeMap::new()));
    assert!(planned.get("target").get(ATTR).is_null(), "no attribute, no drift, no change");
}

#[test]
fn attributes_agree_on_the_pairs_the_user_wrote() {
    assert!(attributes_agree(None, Some("a=1")));
    assert!(attributes_agree(Some("a=1; b = 2"), Some("B=2;a=1;c=3")));
    assert!(!attributes_agree(Some("a=1"), Some("a=2")));
    assert!(!attributes_agree(Some("a=1"), None));
    assert!(same_setting("", None) && same_setting("none", Some("")) && !same_setting("require", Some("none")));
}

/// Issue 15: an endpoint edited outside Terraform shows in the next plan, and the apply sets it
/// back; afterwards the refresh finds nothing and the plan is clean.
#[tokio::test(start_paused = true)]
async fn an_endpoint_edited_out_of_band_is_planned_and_set_back() {
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    let cfg = test_bed::config(stack_json("check", false));
    let planned = test_bed::plan(&p, &Value::Null, &cfg).await;
    let (state, d) = p.apply_resource_change(MAIN, &Value::Null, &planned.planned, &cfg).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    let (read, d) = p.read_resource(MAIN, &state).await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(test_bed::plan(&p, &read, &cfg).await.planned, read, "clean plan after create");

    // The console: the target's port and SSL mode, the on-premises source's user.
    let target_arn = s(&state, &["target", "endpoint_arn"]).unwrap().to_string();
    let onprem_arn = s(&state, &["source", "1", "endpoint_arn"]).unwrap().to_string();
    let edit = |arn: &str| ModifyEndpointInput { arn: arn.into(), ..Default::default() };
    w.dms
        .modify_endpoint(ModifyEndpointInput {
            port: Some(6543),
            ssl_mode: Some("require".into()),
            ..edit(&target_arn)
        })
        .await
        .unwrap();
    w.dms
        .modify_endpoint(ModifyEndpointInput { username: Some("intruder".into()), ..edit(&onprem_arn) })
        .await
        .unwrap();

    let (read, d) = p.read_resource(MAIN, &state).await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(drift(read.get("target")), BTreeMap::from([("port".to_string(), "6543".to_string())]));
    assert_eq!(s(&read, &["target", "ssl_mode"]), Some("require"));
    assert_eq!(s(&read, &["source", "1", "username"]), Some("intruder"));

    let plan = test_bed::plan(&p, &read, &cfg).await;
    assert!(!plan.diags.has_errors(), "{:?}", plan.diags);
    assert!(plan.requires_replace.is_empty(), "an in-place update: {:?}", plan.requires_replace);
    assert_eq!(plan.planned.get("target").get(ATTR), &Value::from_string_map(&BTreeMap::new()));
    assert!(plan.planned.get("target").get("ssl_mode").is_null());
    assert_eq!(s(&plan.planned, &["source", "1", "username"]), Some("dms"));

    w.dms.clear_calls();
    let (applied, d) = p.apply_resource_change(MAIN, &read, &plan.planned, &cfg).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    assert_eq!(w.dms.calls().iter().filter(|c| *c == "modify_endpoint").count(), 2, "{:?}", w.dms.calls());
    let target = w.dms.find_endpoint_by_arn(&target_arn).await.unwrap().unwrap();
    assert_eq!((target.port, target.ssl_mode.as_deref()), (Some(5432), Some("none")));
    let onprem = w.dms.find_endpoint_by_arn(&onprem_arn).await.unwrap().unwrap();
    assert_eq!(onprem.username.as_deref(), Some("dms"));

    let (read, d) = p.read_resource(MAIN, &applied).await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(read, applied, "the refresh after the repair finds nothing");
    assert_eq!(test_bed::plan(&p, &read, &cfg).await.planned, read, "clean plan after the repair");
}

/// Issue 15 item 4: `verify-ca`/`verify-full` need a certificate (refused at validate, at its
/// path); the certificate reaches the endpoint at create, a new one is set in place, and one
/// changed outside Terraform is read back.
#[tokio::test(start_paused = true)]
async fn a_certificate_is_required_by_the_verify_modes_sent_and_read_back() {
    use crate::engine::provider::ClientCapabilities;
    const CA: &str = "arn:aws:dms:us-east-1:123456789012:cert:CA1";
    const CA2: &str = "arn:aws:dms:us-east-1:123456789012:cert:CA2";
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    let mut j = stack_json("check", false);
    j["source"][1]["ssl_mode"] = serde_json::json!("verify-full");
    let refused =
        errors(&p.validate_resource_config(MAIN, &test_bed::config(j.clone()), ClientCapabilities::default()));
    assert!(refused.iter().any(|e| e.contains("Missing certificate") && e.contains("certificate_arn")), "{refused:?}");
    j["source"][1]["certificate_arn"] = serde_json::json!("arn:aws:acm:us-east-1:123456789012:certificate/x");
    let refused =
        errors(&p.validate_resource_config(MAIN, &test_bed::config(j.clone()), ClientCapabilities::default()));
    assert!(refused.iter().any(|e| e.contains("not the ARN of a DMS certificate")), "{refused:?}");

    j["source"][1]["certificate_arn"] = serde_json::json!(CA);
    let cfg = test_bed::config(j.clone());
    assert_eq!(errors(&p.validate_resource_config(MAIN, &cfg, ClientCapabilities::default())), Vec::<String>::new());
    let planned = test_bed::plan(&p, &Value::Null, &cfg).await;
    let (state, d) = p.apply_resource_change(MAIN, &Value::Null, &planned.planned, &cfg).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    let arn = s(&state, &["source", "1", "endpoint_arn"]).unwrap().to_string();
    let ep = w.dms.find_endpoint_by_arn(&arn).await.unwrap().unwrap();
    assert_eq!((ep.certificate_arn.as_deref(), ep.ssl_mode.as_deref()), (Some(CA), Some("verify-full")));

    // Changed outside Terraform: read back, planned back, set back.
    w.dms
        .modify_endpoint(ModifyEndpointInput {
            arn: arn.clone(),
            certificate_arn: Some(CA2.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let (read, _) = p.read_resource(MAIN, &state).await;
    assert_eq!(s(&read, &["source", "1", "certificate_arn"]), Some(CA2));
    let plan = test_bed::plan(&p, &read, &cfg).await;
    let (applied, d) = p.apply_resource_change(MAIN, &read, &plan.planned, &cfg).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    assert_eq!(w.dms.find_endpoint_by_arn(&arn).await.unwrap().unwrap().certificate_arn.as_deref(), Some(CA));
    // Back to `require` without a certificate: both leave the endpoint in place.
    j["source"][1]["ssl_mode"] = serde_json::json!("require");
    j["source"][1]["certificate_arn"] = serde_json::Value::Null;
    let cfg = test_bed::config(j);
    let plan = test_bed::plan(&p, &applied, &cfg).await;
    let (_, d) = p.apply_resource_change(MAIN, &applied, &plan.planned, &cfg).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    let ep = w.dms.find_endpoint_by_arn(&arn).await.unwrap().unwrap();
    assert_eq!((ep.certificate_arn, ep.ssl_mode.as_deref()), (None, Some("require")));
}
