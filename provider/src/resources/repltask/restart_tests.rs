//! Issue 15 item 6 (terraform-provider-aws#46139): a task started right after one of its endpoints
//! was modified (by `dmslink_main` in the same apply) meets DMS testing that endpoint's connection,
//! and DMS refuses the start meanwhile (the fake follows `rulebook/dms.json`
//! `endpoint.operations.StartReplicationTask`). The start waits for the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::tests::against_fake_dms::{Bed, bed, ops};
use crate::aws::Secret;
use crate::aws::dms::{DmsApi, ModifyEndpointInput};
use crate::engine::{Resource, Value};
use crate::resources::repltask::Repltask;

/// A stopped task, then what `dmslink_main` does to its source endpoint on a password change.
async fn stopped_task_whose_source_just_changed(b: &Bed) -> (Value, Value) {
    let prior = b.created(false).await;
    b.dms
        .modify_endpoint(ModifyEndpointInput {
            arn: b.src.clone(),
            server_name: Some("oracle.corp.example".into()),
            port: Some(1521),
            database_name: Some("ORCL".into()),
            username: Some("dms".into()),
            password: Some(Secret::new("new-pw".to_string())),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut planned = prior.clone();
    planned.set("start_replication_task", Value::Bool(true));
    planned.set("status", Value::Unknown);
    (prior, planned)
}

#[tokio::test(start_paused = true)]
async fn a_start_right_after_an_endpoint_change_waits_for_its_test_and_runs() {
    let b = bed();
    let (prior, planned) = stopped_task_whose_source_just_changed(&b).await;
    b.dms.clear_calls();
    let out = Repltask.update(&b.ctx, &prior, &planned, &planned).await;
    assert!(!out.diags.has_errors(), "{:?}", out.diags);
    assert_eq!(out.state.get("status"), &Value::string("running"));
    assert_eq!(ops(b.dms.calls()), vec!["start_replication_task"], "started once, after the test");
}

#[tokio::test(start_paused = true)]
async fn a_failed_test_after_an_endpoint_change_fails_the_start_and_says_how_to_resume() {
    let b = bed();
    b.dms.fail_connection(&b.src, "ORA-01017: invalid username/password; logon denied");
    let (prior, planned) = stopped_task_whose_source_just_changed(&b).await;
    b.dms.clear_calls();
    let out = Repltask.update(&b.ctx, &prior, &planned, &planned).await;
    let text = format!("{:?}", out.diags);
    assert!(out.diags.has_errors(), "{text}");
    assert!(text.contains("connection test") && text.contains("endpoint src"), "{text}");
    assert!(text.contains("ORA-01017") && text.contains("resume-processing"), "{text}");
    assert!(ops(b.dms.calls()).is_empty(), "no start while the endpoint fails its test: {:?}", b.dms.calls());
    let arn = prior.get("replication_task_arn").as_str().unwrap();
    assert_eq!(b.dms.find_replication_task_by_arn(arn).await.unwrap().unwrap().status, "ready");
}
