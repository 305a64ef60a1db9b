//! Create after a lost answer or a killed apply: the task the provider made is adopted, never made
//! twice; a task it did not make, or one that is not what the plan asks for, is refused by name.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use super::tests::against_fake_dms::{Bed, bed, ops};
use crate::aws::dms::{CreateTaskInput, DmsApi, Tags};
use crate::aws::error::{AwsError, ErrorKind};
use crate::engine::{ApplyOutcome, Resource, Value};
use crate::resources::repltask::Repltask;

/// The ownership tag dmslink puts on every task it creates (spelled out: the test pins it).
const OWNER: (&str, &str) = ("dmslink:resource", "dmslink_repltask");

/// Runs a create and drops it — as a SIGKILL of the provider would end it — once `op` was called.
async fn killed_after(b: &Bed, planned: &Value, op: &str) {
    let create = Repltask.create(&b.ctx, planned, planned);
    let served = async {
        while !b.dms.calls().iter().any(|c| c == op) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::select! {
        out = create => panic!("the create ended before {op} was served: {:?}", out.diags),
        () = served => {}
    }
}

fn arn_of(out: &ApplyOutcome) -> String {
    out.state.get("replication_task_arn").as_str().unwrap_or_default().to_string()
}

fn errors(out: &ApplyOutcome) -> String {
    out.diags.iter().filter(|d| d.is_error()).map(|d| format!("{}: {}", d.summary, d.detail)).collect()
}

/// A task with the planned id made outside dmslink, with these tags.
async fn made_elsewhere(b: &Bed, tags: Tags) -> String {
    let input = CreateTaskInput {
        id: "dblink-task".into(),
        source_endpoint_arn: b.src.clone(),
        target_endpoint_arn: b.tgt.clone(),
        replication_instance_arn: b.rep.clone(),
        migration_type: "full-load-and-cdc".into(),
        table_mappings: r#"{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}]}"#.into(),
        tags,
        ..CreateTaskInput::default()
    };
    b.dms.create_replication_task(input).await.unwrap().arn
}

#[tokio::test(start_paused = true)]
async fn repltask_create_whose_answer_was_lost_adopts_the_task_it_made() {
    // The SDK's retry meets the task the lost call made; or it gives up on the transport error.
    for lost in [
        AwsError::from_code("ResourceAlreadyExistsFault", "Replication task dblink-task already exists"),
        AwsError::new(ErrorKind::Other, "", "dispatch failure: connection reset by peer"),
    ] {
        let b = bed();
        b.dms.lose_next_answer("create_replication_task", lost.clone());
        let planned = b.planned(true);
        let out = Repltask.create(&b.ctx, &planned, &planned).await;
        assert!(!out.diags.has_errors(), "{lost}: {}", errors(&out));
        assert_eq!(b.dms.task_count(), 1, "{lost}");
        let task = b.dms.find_replication_task_by_id("dblink-task").await.unwrap().unwrap();
        assert_eq!(arn_of(&out), task.arn, "{lost}");
        assert_eq!(out.state.get("status"), &Value::string("running"), "{lost}");
        let creates = b.dms.calls().iter().filter(|c| *c == "create_replication_task").count();
        assert_eq!(creates, 1, "{lost}: {:?}", b.dms.calls());
    }
}

#[tokio::test(start_paused = true)]
async fn repltask_create_adopts_its_task_left_by_a_killed_create() {
    let b = bed();
    let planned = b.planned(true);
    killed_after(&b, &planned, "create_replication_task").await;
    assert_eq!(b.dms.task_count(), 1);
    b.dms.clear_calls();

    let out = Repltask.create(&b.ctx, &planned, &planned).await;
    assert!(!out.diags.has_errors(), "{}", errors(&out));
    assert_eq!(b.dms.task_count(), 1, "no second task");
    assert_eq!(ops(b.dms.calls()), vec!["start_replication_task"], "adopted, then started as a create does");
    assert_eq!(out.state.get("status"), &Value::string("running"));
    // The state is what a plain create leaves: the ownership tag is dmslink's, not the user's.
    assert_eq!(out.state.get("tags_all"), planned.get("tags_all"));
    assert_eq!(out.state.get("tags"), planned.get("tags"));
    let tags = b.dms.tags_of(&arn_of(&out));
    assert_eq!(tags.get(OWNER.0).map(String::as_str), Some(OWNER.1), "{tags:?}");
}

#[tokio::test(start_paused = true)]
async fn repltask_create_killed_while_starting_is_not_started_twice() {
    let b = bed();
    let planned = b.planned(true);
    killed_after(&b, &planned, "start_replication_task").await;
    b.dms.clear_calls();
    let out = Repltask.create(&b.ctx, &planned, &planned).await;
    assert!(!out.diags.has_errors(), "{}", errors(&out));
    assert_eq!(ops(b.dms.calls()), Vec::<String>::new(), "the adopted task is running already");
    assert_eq!(out.state.get("status"), &Value::string("running"));
}

#[tokio::test(start_paused = true)]
async fn repltask_adopted_task_takes_the_planned_mappings_and_tags() {
    let b = bed();
    killed_after(&b, &b.planned(false), "create_replication_task").await;
    let mut planned = b.planned(false);
    let mappings = planned.get("table_mappings").as_str().unwrap().replace("HR", "SALES");
    planned.set("table_mappings", Value::string(&mappings));
    let mut all = planned.get("tags_all").string_map();
    all.insert("app".into(), "bi".into());
    planned.set("tags", Value::from_string_map(&Tags::from([("app".to_string(), "bi".to_string())])));
    planned.set("tags_all", Value::from_string_map(&all));
    b.dms.clear_calls();

    let out = Repltask.create(&b.ctx, &planned, &planned).await;
    assert!(!out.diags.has_errors(), "{}", errors(&out));
    assert_eq!(ops(b.dms.calls()), vec!["modify_replication_task", "add_tags"]);
    let arn = arn_of(&out);
    assert!(b.dms.task(&arn).unwrap().table_mappings.contains("SALES"));
    assert_eq!(out.state.get("table_mappings"), &Value::string(&mappings));
    let mut want = all.clone();
    want.insert(OWNER.0.into(), OWNER.1.into());
    assert_eq!(b.dms.tags_of(&arn), want);
    assert_eq!(out.state.get("tags_all").string_map(), all);
}

#[tokio::test(start_paused = true)]
async fn repltask_task_without_ownership_tag_is_refused_by_name() {
    let b = bed();
    let arn = made_elsewhere(&b, Tags::from([("app".to_string(), "dblink".to_string())])).await;
    b.dms.clear_calls();
    let planned = b.planned(false);
    let out = Repltask.create(&b.ctx, &planned, &planned).await;
    let text = errors(&out);
    assert!(out.diags.has_errors());
    for part in
        [arn.as_str(), "dblink-task", "dmslink:resource", "terraform import dmslink_repltask.", "replication_task_id"]
    {
        assert!(text.contains(part), "missing {part:?} in {text}");
    }
    assert_eq!(ops(b.dms.calls()), Vec::<String>::new(), "nothing is done to a task that is not ours");
    assert_eq!(out.state, Value::Null, "a refused create records nothing");
}

#[tokio::test(start_paused = true)]
async fn repltask_own_task_that_differs_from_the_plan_is_refused() {
    let b = bed();
    killed_after(&b, &b.planned(false), "create_replication_task").await;
    let mut planned = b.planned(false);
    planned.set("replication_instance_arn", Value::string(&b.rep2));
    b.dms.clear_calls();
    let out = Repltask.create(&b.ctx, &planned, &planned).await;
    let text = errors(&out);
    assert!(out.diags.has_errors());
    for part in ["dblink-task", "replication_instance_arn", b.rep.as_str(), b.rep2.as_str(), "terraform import"] {
        assert!(text.contains(part), "missing {part:?} in {text}");
    }
    assert_eq!(ops(b.dms.calls()), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn repltask_failed_lookup_creates_nothing() {
    let b = bed();
    b.dms.fail_next("find_replication_task_by_id", AwsError::from_code("ThrottlingException", "slow down"));
    let planned = b.planned(false);
    let out = Repltask.create(&b.ctx, &planned, &planned).await;
    assert!(out.diags.has_errors(), "a failed lookup is not taken for 'nothing there'");
    assert!(errors(&out).contains("ThrottlingException"), "{}", errors(&out));
    assert_eq!(b.dms.task_count(), 0);
}
