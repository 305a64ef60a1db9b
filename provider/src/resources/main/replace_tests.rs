//! `dmslink_main` against the linked AWS fakes: replacing one database, deletion protection,
//! write-only passwords and removing a source (the bed and helpers are those of `apply_tests`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::aws::dms::DmsApi;
use crate::engine::{Resource, Value};

use super::Main;
use super::schema::schema;
use super::test_bed::*;

#[tokio::test(start_paused = true)]
async fn a_new_snapshot_replaces_just_that_database_with_a_warning() {
    let b = bed(true);
    let (prior, j) = b.stack_and_resnapshot().await;
    let cfg = config(j.clone());
    // The plan: prior computed values kept, then refined.
    let mut p = cfg.clone();
    keep(&mut p, &prior, &NETWORK_IDS);
    keep(&mut p, &prior, &STACK_IDS);
    keep(&mut p, &prior, &["source", "target", "replication_instance"]);
    set_rds(&mut p, "0", "snapshot_identifier", Value::string("geodesy-snap-2"));
    let mut draft = plan_draft(&prior, &cfg, p.clone());
    Main.modify_plan(&mut draft).await;
    let warnings: Vec<String> = draft.diags.iter().map(|d| d.detail.clone()).collect();
    assert!(
        warnings.len() == 1 && warnings[0].contains("dblink-dev-src-geodesy") && warnings[0].contains("lost"),
        "{warnings:?}"
    );
    assert!(!draft.diags.iter().any(|d| d.is_error()));
    assert!(draft.planned.get("source").as_elements().unwrap()[0].get("endpoint_arn").is_unknown());
    assert!(draft.planned.get("source").as_elements().unwrap()[1].get("endpoint_arn").as_str().is_some());
    let planned = draft.planned.clone();

    // Deletion protection refuses it.
    let mut protected = prior.clone();
    set_rds(&mut protected, "0", "deletion_protection", Value::Bool(true));
    let mut draft = plan_draft(&protected, &cfg, p);
    Main.modify_plan(&mut draft).await;
    assert!(draft.diags.iter().any(|d| d.is_error() && d.detail.contains("deletion_protection")));

    // The apply replaces only that database and its endpoint.
    b.clear_calls();
    let out = Main.update(&b.ctx, &prior, &planned, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert_eq!(b.counts(), (1, 2, 1, 3));
    let calls = b.w.rds.call_log();
    assert!(calls.iter().any(|c| c == "delete_db_instance dblink-dev-src-geodesy"), "{calls:?}");
    assert!(
        calls.iter().any(|c| c.starts_with("restore_db_instance_from_snapshot dblink-dev-src-geodesy geodesy-snap-2"))
    );
    assert!(!b.w.ec2.calls().iter().any(|c| c.starts_with("create_")), "{:?}", b.w.ec2.call_log());
    assert_ne!(s(&out.state, &["source", "0", "endpoint_arn"]), s(&prior, &["source", "0", "endpoint_arn"]));
    assert_eq!(s(&out.state, &["source", "1", "endpoint_arn"]), s(&prior, &["source", "1", "endpoint_arn"]));
}

/// A state that says "off" does not delete a database AWS protects (turned on outside Terraform,
/// no refresh since): the way out is an apply that turns protection off in AWS, then the destroy.
#[tokio::test(start_paused = true)]
async fn delete_goes_through_only_once_an_apply_turned_deletion_protection_off() {
    let b = bed(true);
    let mut j = stack_json("check", false);
    j["target"]["rds"]["deletion_protection"] = serde_json::json!(true);
    let st = b.stack(&j).await;
    assert!(b.w.rds.instance("dblink-dev-tgt").unwrap().deletion_protection);
    let mut off = st.clone();
    set_rds(&mut off, "target", "deletion_protection", Value::Bool(false));
    for state in [&st, &off] {
        let errs = errors(&Main.delete(&b.ctx, state).await);
        assert!(errs.len() == 1 && errs[0].contains("deletion_protection = false"), "{errs:?}");
        assert_eq!(b.counts(), (1, 1, 1, 3));
    }
    // The configuration turns it off: the apply modifies the instance, then the destroy deletes.
    j["target"]["rds"]["deletion_protection"] = serde_json::json!(false);
    let cfg = config(j);
    let out = Main.update(&b.ctx, &st, &planned(&cfg), &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert!(!b.w.rds.instance("dblink-dev-tgt").unwrap().deletion_protection);
    assert_eq!(errors(&Main.delete(&b.ctx, &out.state).await), Vec::<String>::new());
    assert_eq!(b.counts(), (0, 0, 0, 0));
}

#[tokio::test(start_paused = true)]
async fn write_only_passwords_are_sent_at_create_and_again_only_with_a_new_version() {
    let b = bed(true);
    let mut j = stack_json("check", false);
    j["target"]["password"] = serde_json::Value::Null;
    j["target"]["password_wo"] = serde_json::json!("wo-1");
    j["target"]["password_wo_version"] = serde_json::json!(1);
    let cfg = config(j.clone());
    let mut p = planned(&cfg);
    let mut t = p.get("target").clone();
    t.set("password_wo", Value::Null);
    p.set("target", t);
    let out = Main.create(&b.ctx, &p, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    let prior = out.state;
    assert!(prior.get("target").get("password_wo").is_null());
    let arn = s(&prior, &["target", "endpoint_arn"]).unwrap().to_string();
    assert_eq!(b.w.dms.endpoint_password(&arn).unwrap().expose(), "wo-1");

    // Same version: not sent again.
    b.w.dms.clear_calls();
    let out = Main.update(&b.ctx, &prior, &p, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert!(!b.w.dms.calls().iter().any(|c| c == "modify_endpoint"));

    // New version: sent.
    j["target"]["password_wo"] = serde_json::json!("wo-2");
    j["target"]["password_wo_version"] = serde_json::json!(2);
    let cfg = config(j);
    let mut p = planned(&cfg);
    let mut t = p.get("target").clone();
    t.set("password_wo", Value::Null);
    p.set("target", t);
    let out = Main.update(&b.ctx, &prior, &p, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert_eq!(b.w.dms.endpoint_password(&arn).unwrap().expose(), "wo-2");
}

/// Dropping the first of two sources shifts the second to position 0: Terraform proposes it with
/// the first one's computed values (pairing by position); the plan must give it its own, and the
/// apply must return exactly what was planned.
#[tokio::test(start_paused = true)]
async fn removing_the_first_source_keeps_the_second_sources_own_ids() {
    let b = bed(true);
    let mut j = stack_json("check", false);
    let prior = b.stack(&j).await;
    let onprem_arn = s(&prior, &["source", "1", "endpoint_arn"]).unwrap().to_string();
    j["source"] = serde_json::json!([j["source"][1].clone()]);
    let cfg = config(j);
    // What Terraform proposes: the configuration, computed values from the prior block at the same position.
    let mut proposed = cfg.clone();
    keep(&mut proposed, &prior, &NETWORK_IDS);
    keep(&mut proposed, &prior, &STACK_IDS);
    let mut src = cfg.get("source").as_elements().unwrap()[0].clone();
    for a in ["endpoint_arn", "address", "db_instance_identifier"] {
        src.set(a, prior.get("source").as_elements().unwrap()[0].get(a).clone());
    }
    proposed.set("source", Value::List(vec![src]));
    let mut target = cfg.get("target").clone();
    for a in ["endpoint_arn", "address", "db_instance_identifier"] {
        target.set(a, prior.get("target").get(a).clone());
    }
    proposed.set("target", target);
    let planned = crate::engine::plan::plan(&schema().block, &prior, &proposed, &cfg).planned;
    let mut draft = plan_draft(&prior, &cfg, planned);
    Main.modify_plan(&mut draft).await;
    assert_eq!(s(&draft.planned, &["source", "0", "endpoint_arn"]), Some(onprem_arn.as_str()));
    assert_eq!(s(&draft.planned, &["source", "0", "address"]), Some("oracle.corp.example"));
    let out = Main.update(&b.ctx, &prior, &draft.planned, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert_eq!(s(&out.state, &["source", "0", "endpoint_arn"]), Some(onprem_arn.as_str()));
    assert!(b.w.dms.find_endpoint("dblink-dev-src-geodesy").await.unwrap().is_none());
}
