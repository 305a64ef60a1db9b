//! The plan-time check of classes and versions against the region's offer (`orderable_check`),
//! over the fakes, which serve `rulebook/orderable.json`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::test_bed::*;
use crate::aws::error::AwsError;
use crate::aws::fake::FakeWorld;
use crate::engine::Value;
use crate::engine::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::engine::provider::Provider;
use crate::provider_config::Configured;

fn seed() -> (FakeWorld, Provider<Configured>) {
    let w = world(true);
    let p = provider(&w, |_| {});
    (w, p)
}

/// The seed stack (RDS source restored from `geodesy-snap`) with `patch` applied to its JSON.
fn seed_json(patch: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
    let mut j = stack_json("check", true);
    patch(&mut j);
    j
}

fn path(parts: &[&str]) -> AttrPath {
    let mut p = AttrPath::root();
    for part in parts {
        p = match part.parse::<usize>() {
            Ok(i) => p.then_index(i),
            Err(_) => p.then_attr(part),
        };
    }
    p
}

/// The only error of `diags`.
fn the_error(diags: &Diagnostics) -> &Diagnostic {
    let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{diags:?}");
    errors[0]
}

#[tokio::test(start_paused = true)]
async fn plan_refuses_a_retired_replication_instance_class_naming_the_offered_ones() {
    let (_w, p) = seed();
    let j = seed_json(|j| j["replication_instance"] = json!({"replication_instance_class": "dms.t2.micro"}));
    let d = plan(&p, &Value::Null, &config(j)).await.diags;
    let e = the_error(&d);
    assert_eq!(e.summary, "Replication instance class \"dms.t2.micro\" is not offered");
    assert!(
        e.detail.starts_with(
            "Replication instance class \"dms.t2.micro\" is not offered in us-east-1 for DMS engine 3.5.4. Offered: \
             dms.t3.small, dms.t3.medium, dms.t3.large, dms.c5.large,"
        ),
        "{}",
        e.detail
    );
    assert_eq!(e.path, Some(path(&["replication_instance", "replication_instance_class"])));
}

#[tokio::test(start_paused = true)]
async fn plan_refuses_the_seeds_dms_engine_1_9_0() {
    let (_w, p) = seed();
    let j = seed_json(|j| j["replication_instance"] = json!({"engine_version": "1.9.0"}));
    let d = plan(&p, &Value::Null, &config(j)).await.diags;
    let e = the_error(&d);
    assert_eq!(e.summary, "DMS engine version \"1.9.0\" is not offered");
    assert_eq!(
        e.detail,
        "DMS engine version \"1.9.0\" is not offered in us-east-1. Offered: 3.5.4 (the default), 3.6.1. Set \
         engine_version to one of them, or leave it unset for the default."
    );
    assert_eq!(e.path, Some(path(&["replication_instance", "engine_version"])));
}

#[tokio::test(start_paused = true)]
async fn plan_refuses_db_t2_micro_naming_the_classes_of_the_version() {
    let (_w, p) = seed();
    let j = seed_json(|j| j["target"]["rds"]["instance_class"] = json!("db.t2.micro"));
    let d = plan(&p, &Value::Null, &config(j)).await.diags;
    let e = the_error(&d);
    assert_eq!(e.summary, "DB instance class \"db.t2.micro\" is not offered");
    assert!(
        e.detail.starts_with(
            "DB instance class \"db.t2.micro\" is not offered in us-east-1 for postgres 18.3. Offered: db.t3.micro, \
             db.t3.small,"
        ),
        "{}",
        e.detail
    );
    assert_eq!(e.path, Some(path(&["target", "rds", "instance_class"])));
}

#[tokio::test(start_paused = true)]
async fn plan_refuses_the_seeds_postgres_9_3_14() {
    let (_w, p) = seed();
    let j = seed_json(|j| j["target"]["rds"]["engine_version"] = json!("9.3.14"));
    let d = plan(&p, &Value::Null, &config(j)).await.diags;
    let e = the_error(&d);
    assert_eq!(e.summary, "RDS engine version \"9.3.14\" is not offered");
    assert!(
        e.detail.starts_with(
            "RDS engine version \"9.3.14\" is not offered in us-east-1 for postgres. Offered: 18.3, 18.1, 17.9,"
        ),
        "{}",
        e.detail
    );
    assert!(e.detail.contains("(the default: 18.3)"), "{}", e.detail);
    assert_eq!(e.path, Some(path(&["target", "rds", "engine_version"])));
    // A major version alone is fine: its newest minor.
    let j = seed_json(|j| j["target"]["rds"]["engine_version"] = json!("17"));
    assert_eq!(errors(&plan(&p, &Value::Null, &config(j)).await.diags), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn plan_refuses_a_snapshot_of_a_retired_version_and_classes_its_engine_lacks() {
    let (w, p) = seed();
    let j = seed_json(|j| j["source"][0]["rds"]["instance_class"] = json!("db.t3.micro"));
    let d = plan(&p, &Value::Null, &config(j)).await.diags;
    let e = the_error(&d);
    assert!(
        e.detail.contains("for oracle-se2 19.0.0.0.ru-2026-07.mrp-2026-07.r1. Offered: db.t3.small,"),
        "{}",
        e.detail
    );
    assert_eq!(e.path, Some(path(&["source", "0", "rds", "instance_class"])));

    w.rds.set_snapshot_engine_version("geodesy-snap", "12.1.0.2.v8");
    let d = plan(&p, &Value::Null, &config(seed_json(|_| {}))).await.diags;
    let e = the_error(&d);
    assert_eq!(e.summary, "DB snapshot \"geodesy-snap\" cannot be restored");
    assert!(e.detail.contains("is of oracle-se2 12.1.0.2.v8, which is not offered in us-east-1"), "{}", e.detail);
    assert_eq!(e.path, Some(path(&["source", "0", "rds", "snapshot_identifier"])));
}

#[tokio::test(start_paused = true)]
async fn plan_keeps_a_stack_on_values_no_longer_offered() {
    let b = bed(true);
    let p = provider(&b.w, |_| {});
    let mut state = b.created(&config(seed_json(|j| j["replication_instance"] = json!({})))).await;
    // The stack was made when these were offered.
    let mut ri = state.get("replication_instance").clone();
    ri.set("engine_version", Value::string("3.5.3"));
    ri.set("replication_instance_class", Value::string("dms.t3.micro"));
    state.set("replication_instance", ri);
    set_rds(&mut state, "target", "engine_version", Value::string("16.3"));
    set_rds(&mut state, "target", "instance_class", Value::string("db.t2.micro"));
    let old = seed_json(|j| {
        j["replication_instance"] = json!({"replication_instance_class": "dms.t3.micro", "engine_version": "3.5.3"});
        j["target"]["rds"]["instance_class"] = json!("db.t2.micro");
    });
    let d = plan(&p, &state, &config(old)).await.diags;
    assert_eq!(errors(&d), Vec::<String>::new());
    // Changing the class of the old version: the version is the instance's, not reported.
    let moved = seed_json(|j| {
        j["replication_instance"] = json!({"replication_instance_class": "dms.t3.small", "engine_version": "3.5.3"});
        j["target"]["rds"]["instance_class"] = json!("db.t3.small");
    });
    assert_eq!(errors(&plan(&p, &state, &config(moved)).await.diags), Vec::<String>::new());
    // A new value is checked.
    let retired = seed_json(|j| {
        j["replication_instance"] = json!({"replication_instance_class": "dms.t2.micro", "engine_version": "3.5.3"});
    });
    let d = plan(&p, &state, &config(retired)).await.diags;
    assert!(the_error(&d).detail.contains("for any DMS engine version"), "{d:?}");
}

#[tokio::test(start_paused = true)]
async fn plan_skips_values_known_only_after_apply() {
    let (w, p) = seed();
    let j = seed_json(|j| j["replication_instance"] = json!({"engine_version": "1.9.0"}));
    let mut cfg = config(j);
    let mut ri = cfg.get("replication_instance").clone();
    ri.set("engine_version", Value::Unknown);
    ri.set("replication_instance_class", Value::Unknown);
    cfg.set("replication_instance", ri);
    set_rds(&mut cfg, "target", "instance_class", Value::Unknown);
    w.dms.clear_calls();
    w.rds.clear_calls();
    let d = plan(&p, &Value::Null, &cfg).await.diags;
    assert_eq!(errors(&d), Vec::<String>::new());
    assert!(w.dms.calls().is_empty(), "{:?}", w.dms.calls());
    // The target's class is unknown: only the restored source is checked.
    assert!(!w.rds.call_log().iter().any(|c| c.contains("postgres")), "{:?}", w.rds.call_log());
}

#[tokio::test(start_paused = true)]
async fn plan_asks_each_question_once() {
    let (w, p) = seed();
    let second = json!({"name": "pg", "database_name": "pg", "username": "dms", "password": "src-pw",
                        "engine_name": "postgres",
                        "rds": {"engine": "postgres", "master_username": "pgadmin", "master_password": "master-pw"}});
    let j = seed_json(|j| {
        j["source"].as_array_mut().unwrap().push(second);
        j["replication_instance"] = json!({});
    });
    w.dms.clear_calls();
    w.rds.clear_calls();
    for _ in 0..3 {
        let d = plan(&p, &Value::Null, &config(j.clone())).await.diags;
        assert_eq!(errors(&d), Vec::<String>::new());
    }
    assert_eq!(w.dms.calls(), vec!["list_engine_versions", "list_orderable_replication_instances"]);
    let asked: Vec<String> = w.rds.call_log().into_iter().filter(|c| !c.starts_with("find_db_snapshot")).collect();
    assert_eq!(
        asked,
        vec![
            "list_db_engine_versions oracle-se2 *",
            "list_orderable_db_instance_classes oracle-se2 19.0.0.0.ru-2026-07.mrp-2026-07.r1",
            "list_db_engine_versions postgres *",
            "list_db_engine_versions postgres * default",
            "list_orderable_db_instance_classes postgres 18.3",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn plan_goes_on_with_one_warning_when_the_offer_cannot_be_read() {
    let (w, p) = seed();
    let denied =
        || AwsError::from_code("AccessDeniedException", "not authorized to perform dms:DescribeEngineVersions");
    w.dms.fail_next("list_engine_versions", denied());
    let j = seed_json(|j| j["replication_instance"] = json!({"engine_version": "1.9.0"}));
    let d = plan(&p, &Value::Null, &config(j.clone())).await.diags;
    assert_eq!(errors(&d), Vec::<String>::new());
    let warnings: Vec<&Diagnostic> = d.iter().filter(|x| !x.is_error()).collect();
    assert_eq!(warnings.len(), 1, "{d:?}");
    assert_eq!(warnings[0].summary, "Classes and engine versions not checked at plan");
    assert!(warnings[0].detail.contains("AccessDeniedException"), "{}", warnings[0].detail);
    // The failure is remembered for the process: no second call, no second warning.
    let d = plan(&p, &Value::Null, &config(j)).await.diags;
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(w.dms.calls().iter().filter(|c| *c == "list_engine_versions").count(), 1);
}
