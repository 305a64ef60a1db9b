//! KMS keys of the replication instance, the endpoints and the RDS storage (issue 15 item 2):
//! sent at create, recorded (AWS's default key when unset), replaced with a warning when the
//! configuration names another one, and checked at validate and plan.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::aws::dms::DmsApi;
use crate::aws::rds::RdsApi;
use crate::engine::Value;
use crate::engine::diag::Diagnostics;
use crate::engine::provider::ClientCapabilities;

use super::test_bed::{self, MAIN, config, errors, s, stack_json, world};
use super::validate;

const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-3333-4444-555566667777";
const KEY2: &str = "arn:aws:kms:us-east-1:123456789012:key/9999aaaa-2222-3333-4444-555566667777";

/// The seed stack with `key` on the replication instance, the target endpoint and its RDS storage.
fn with_keys(key: &str) -> serde_json::Value {
    let mut j = stack_json("check", false);
    j["replication_instance"] = serde_json::json!({"kms_key_arn": key});
    j["target"]["kms_key_arn"] = serde_json::json!(key);
    j["target"]["rds"]["kms_key_arn"] = serde_json::json!(key);
    j
}

#[tokio::test(start_paused = true)]
async fn each_key_reaches_its_create_another_replaces_that_child_and_unset_keeps_it() {
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    let cfg = config(with_keys(KEY));
    let planned = test_bed::plan(&p, &Value::Null, &cfg).await;
    let (state, d) = p.apply_resource_change(MAIN, &Value::Null, &planned.planned, &cfg).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    let ri_arn = state.get("replication_instance_arn").as_str().unwrap().to_string();
    let ri = w.dms.describe_replication_instance_by_arn(&ri_arn).await.unwrap().unwrap();
    let target = w.dms.find_endpoint_by_arn(s(&state, &["target", "endpoint_arn"]).unwrap()).await.unwrap().unwrap();
    let db = w.rds.find_db_instance("dblink-dev-tgt").await.unwrap().unwrap();
    assert_eq!(
        [ri.kms_key_id, target.kms_key_id, db.kms_key_id],
        [Some(KEY.to_string()), Some(KEY.into()), Some(KEY.into())]
    );
    for path in
        [&["replication_instance", "kms_key_arn"][..], &["target", "kms_key_arn"], &["target", "rds", "kms_key_arn"]]
    {
        assert_eq!(s(&state, path), Some(KEY), "{path:?}");
    }
    // Unset: the key AWS chose is recorded, and the plan is clean.
    assert!(s(&state, &["source", "1", "kms_key_arn"]).is_some_and(|k| k.contains(":key/")), "{state:?}");
    let (read, d) = p.read_resource(MAIN, &state).await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(test_bed::plan(&p, &read, &cfg).await.planned, read, "clean plan");
    // Leaving the keys out afterwards keeps them: nothing to replace.
    let unset = test_bed::plan(&p, &read, &config(stack_json("check", false))).await;
    assert!(!unset.diags.iter().any(|d| d.detail.contains("kms_key_arn")), "{:?}", unset.diags);
    assert_eq!(s(&unset.planned, &["target", "rds", "kms_key_arn"]), Some(KEY));
    assert_eq!(s(&unset.planned, &["target", "kms_key_arn"]), Some(KEY));

    // Another key: the instance, the target database (with its endpoint) and the on-premises
    // source's endpoint are replaced, each named in a warning.
    let mut j = with_keys(KEY2);
    j["source"][1]["kms_key_arn"] = serde_json::json!(KEY2);
    let cfg2 = config(j);
    let plan = test_bed::plan(&p, &read, &cfg2).await;
    assert!(!plan.diags.has_errors(), "{:?}", plan.diags);
    let warnings: Vec<&str> = plan.diags.iter().map(|d| d.detail.as_str()).collect();
    for (setting, child) in [
        ("rds.kms_key_arn", "dblink-dev-tgt"),
        ("kms_key_arn of database dblink-dev-src-onprem", "DMS endpoint dblink-dev-src-onprem"),
        ("replication_instance.kms_key_arn", "replication instance"),
    ] {
        assert!(warnings.iter().any(|w| w.contains(setting) && w.contains(child)), "{setting}: {warnings:?}");
    }
    let (after, d) = p.apply_resource_change(MAIN, &read, &plan.planned, &cfg2).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    let ri = w.dms.describe_replication_instance_by_arn(after.get("replication_instance_arn").as_str().unwrap());
    assert_eq!(ri.await.unwrap().unwrap().kms_key_id.as_deref(), Some(KEY2));
    assert_eq!(w.rds.find_db_instance("dblink-dev-tgt").await.unwrap().unwrap().kms_key_id.as_deref(), Some(KEY2));
    let onprem = s(&after, &["source", "1", "endpoint_arn"]).unwrap();
    assert_eq!(w.dms.find_endpoint_by_arn(onprem).await.unwrap().unwrap().kms_key_id.as_deref(), Some(KEY2));
    assert_ne!(Some(onprem), s(&read, &["source", "1", "endpoint_arn"]), "a new endpoint");
}

fn validated(j: serde_json::Value) -> Vec<String> {
    let p = test_bed::provider(&world(true), |_| {});
    let d = p.validate_resource_config(MAIN, &config(j), ClientCapabilities::default());
    errors(&d)
}

#[test]
fn a_key_that_cannot_work_is_refused_at_validate_with_its_path() {
    let mut alias = with_keys(KEY);
    alias["replication_instance"]["kms_key_arn"] = serde_json::json!("arn:aws:kms:us-east-1:123456789012:alias/dms");
    assert!(validated(alias).iter().any(|e| e.contains("alias ARN")));

    let mut plain = with_keys(KEY);
    plain["target"]["rds"]["storage_encrypted"] = serde_json::json!(false);
    assert!(validated(plain).iter().any(|e| e.contains("storage_encrypted = true")));

    let mut restore = stack_json("check", true);
    restore["source"][0]["rds"]["kms_key_arn"] = serde_json::json!(KEY);
    assert!(validated(restore).iter().any(|e| e.contains("snapshot's KMS key")));

    let mut far = with_keys(KEY);
    far["target"]["kms_key_arn"] = serde_json::json!(KEY.replace("us-east-1", "eu-west-1"));
    let mut d = Diagnostics::new();
    validate::validate_region(&config(far), "us-east-1", &mut d);
    let e = d.iter().find(|e| e.is_error()).expect("a region error");
    assert!(e.detail.contains("eu-west-1") && format!("{:?}", e.path).contains("target"), "{e:?}");
}
