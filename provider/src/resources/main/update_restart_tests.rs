//! Issue 15 item 6 (terraform-provider-aws#46139): `ModifyEndpoint` makes DMS test the endpoint's
//! connection from the replication instance, and `StartReplicationTask` is refused meanwhile
//! (`InvalidResourceStateFault` "Replication Task cannot be started, invalid state"; the fake follows
//! `rulebook/dms.json` `endpoint.operations.StartReplicationTask`). An update that changes an
//! endpoint under a running task waits for that test before it resumes the task.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::Main;
use super::test_bed::*;
use crate::aws::dms::{CreateTaskInput, DmsApi};
use crate::aws::error::{AwsError, ErrorKind};
use crate::engine::{Resource, Value};

/// The seed stack with a running task on the on-premises source; the update changes that source's
/// password. Returns the bed, the prior state, the planned value, the configuration, the task's
/// ARN and the endpoint's ARN.
async fn password_change() -> (Bed, Value, Value, Value, String, String) {
    let b = bed(true);
    let mut j = stack_json("check", false);
    let prior = b.created(&config(j.clone())).await;
    let endpoint = s(&prior, &["source", "1", "endpoint_arn"]).unwrap().to_string();
    let task =
        b.w.dms
            .create_replication_task(CreateTaskInput {
                id: "repl".into(),
                source_endpoint_arn: endpoint.clone(),
                target_endpoint_arn: s(&prior, &["target", "endpoint_arn"]).unwrap().into(),
                replication_instance_arn: prior.get("replication_instance_arn").as_str().unwrap().into(),
                migration_type: "cdc".into(),
                table_mappings: "{}".into(),
                ..Default::default()
            })
            .await
            .unwrap();
    b.w.dms.set_task_status(&task.arn, "running");
    j["source"][1]["password"] = serde_json::json!("new-src-pw");
    let cfg = config(j);
    let mut p = cfg.clone();
    keep(&mut p, &prior, &NETWORK_IDS);
    keep(&mut p, &prior, &STACK_IDS);
    (b, prior, p, cfg, task.arn, endpoint)
}

fn starts(b: &Bed) -> usize {
    b.w.dms.calls().iter().filter(|c| c.as_str() == "start_replication_task").count()
}

#[tokio::test(start_paused = true)]
async fn a_password_change_under_a_running_task_ends_with_the_task_running() {
    let (b, prior, p, cfg, task, endpoint) = password_change().await;
    b.clear_calls();
    let out = Main.update(&b.ctx, &prior, &p, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert_eq!(b.w.dms.endpoint_password(&endpoint).unwrap().expose(), "new-src-pw");
    let t = b.w.dms.find_replication_task_by_arn(&task).await.unwrap().unwrap();
    assert_eq!(t.status, "running");
    // The start came after the test the modify began (the fake refuses it before), once.
    assert_eq!(starts(&b), 1, "{:?}", b.w.dms.calls());
    let calls = b.w.dms.calls();
    let modify = calls.iter().position(|c| c == "modify_endpoint").unwrap();
    let looked = calls.iter().skip(modify).position(|c| c == "find_connection");
    assert!(looked.is_some(), "the resume looks at the endpoint's connection test: {calls:?}");
}

#[tokio::test(start_paused = true)]
async fn a_lost_resume_answer_after_the_endpoint_test_counts_as_started() {
    for err in [
        AwsError::new(ErrorKind::Transport, "", "could not reach the AWS endpoint: connection reset by peer"),
        AwsError::from_code("InvalidResourceStateFault", "the SDK's retry met the task starting"),
    ] {
        let (b, prior, p, cfg, task, _) = password_change().await;
        b.clear_calls();
        b.w.dms.lose_next_answer("start_replication_task", err.clone());
        let out = Main.update(&b.ctx, &prior, &p, &cfg).await;
        assert_eq!(errors(&out.diags), Vec::<String>::new(), "{err}");
        let t = b.w.dms.find_replication_task_by_arn(&task).await.unwrap().unwrap();
        assert_eq!(t.status, "running", "{err}");
        assert_eq!(starts(&b), 1, "{err}: the start is not sent again");
    }
}

#[tokio::test(start_paused = true)]
async fn a_refused_resume_is_retried_until_dms_takes_it() {
    let (b, prior, p, cfg, task, _) = password_change().await;
    b.clear_calls();
    // DMS still refuses right after its test (a test begun from another instance, say).
    b.w.dms.fail_next(
        "start_replication_task",
        AwsError::from_code("InvalidResourceStateFault", "Replication Task cannot be started, invalid state"),
    );
    let out = Main.update(&b.ctx, &prior, &p, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    let t = b.w.dms.find_replication_task_by_arn(&task).await.unwrap().unwrap();
    assert_eq!(t.status, "running");
    assert_eq!(starts(&b), 2, "{:?}", b.w.dms.calls());
}

#[tokio::test(start_paused = true)]
async fn a_failed_test_after_the_change_ends_with_an_error_that_says_how_to_resume() {
    let (b, prior, p, cfg, task, endpoint) = password_change().await;
    b.w.dms.fail_connection(&endpoint, "FATAL: password authentication failed for user \"dms\"");
    b.clear_calls();
    let out = Main.update(&b.ctx, &prior, &p, &cfg).await;
    let errs = errors(&out.diags);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let e = &errs[0];
    assert!(e.contains("connection test") && e.contains("dblink-dev-src-onprem"), "{e}");
    assert!(e.contains("password authentication failed"), "{e}");
    assert!(e.contains("resume-processing") && e.contains(&task), "{e}");
    let t = b.w.dms.find_replication_task_by_arn(&task).await.unwrap().unwrap();
    assert_eq!(t.status, "stopped");
    assert_eq!(starts(&b), 0, "no start while the endpoint fails its test");
}
