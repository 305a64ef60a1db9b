//! The fake's replication tasks against the rulebook, under paused time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::{Value as Json, json};

use super::FakeDms;
use crate::aws::dms::{CreateTaskInput, DmsApi, ModifyTaskInput, StartType, Tags};
use crate::aws::error::{AwsError, ErrorKind};

/// One transition period of the rulebook (1 s).
async fn tick() {
    tokio::time::advance(Duration::from_secs(1)).await;
}

/// A task on this replication instance and these endpoints.
fn task_input(id: &str, migration_type: &str, [instance, source, target]: [&str; 3]) -> CreateTaskInput {
    CreateTaskInput {
        id: id.to_string(),
        source_endpoint_arn: source.to_string(),
        target_endpoint_arn: target.to_string(),
        replication_instance_arn: instance.to_string(),
        migration_type: migration_type.to_string(),
        table_mappings: r#"{"rules":[]}"#.to_string(),
        settings: None,
        cdc_start_time: None,
        cdc_start_position: None,
        tags: Tags::from([("env".to_string(), "test".to_string())]),
    }
}

/// A task on the instance `ri` and the endpoints `src` and `tgt`, added to the fake on first use
/// (DMS refuses a task on ARNs it does not know).
pub(super) fn input(dms: &FakeDms, id: &str, migration_type: &str) -> CreateTaskInput {
    let known = |id: &str| {
        let st = dms.lock();
        let instance = st.instances.values().find(|r| r.inst.id == id).map(|r| r.inst.arn.clone());
        instance.or_else(|| st.endpoints.values().find(|r| r.ep.id == id).map(|r| r.ep.arn.clone()))
    };
    let ri = known("ri").unwrap_or_else(|| dms.add_replication_instance("ri").arn);
    let src = known("src").unwrap_or_else(|| dms.add_endpoint("src", "source", "oracle").arn);
    let tgt = known("tgt").unwrap_or_else(|| dms.add_endpoint("tgt", "target", "postgres").arn);
    task_input(id, migration_type, [&ri, &src, &tgt])
}

/// The task's status one transition period later.
async fn status(dms: &FakeDms, arn: &str) -> Option<String> {
    tick().await;
    dms.find_replication_task_by_arn(arn).await.unwrap().map(|t| t.status)
}

async fn ready_task(dms: &FakeDms, migration_type: &str) -> String {
    let t = dms.create_replication_task(input(dms, "my-task", migration_type)).await.unwrap();
    assert_eq!(status(dms, &t.arn).await.as_deref(), Some("ready"));
    t.arn
}

#[tokio::test(start_paused = true)]
async fn fake_task_creates_then_becomes_ready_after_the_creating_time() {
    let dms = FakeDms::new();
    let t = dms.create_replication_task(input(&dms, "my-task", "cdc")).await.unwrap();
    assert_eq!(t.status, "creating");
    // Time, not reads, moves the task (as on the emulator).
    for _ in 0..5 {
        assert_eq!(dms.find_replication_task_by_arn(&t.arn).await.unwrap().unwrap().status, "creating");
    }
    assert!(t.arn.starts_with("arn:aws:dms:us-east-1:123456789012:task:"));
    assert_ne!(t.arn.rsplit(':').next(), Some("my-task"));
    assert_eq!(status(&dms, &t.arn).await.as_deref(), Some("ready"));
    assert_eq!(status(&dms, &t.arn).await.as_deref(), Some("ready"));
    let by_id = dms.find_replication_task_by_id("my-task").await.unwrap().unwrap();
    assert_eq!(by_id.arn, t.arn);
    assert_eq!(dms.find_replication_task_by_id("other").await.unwrap(), None);
    let again = dms.create_replication_task(input(&dms, "my-task", "cdc")).await.unwrap_err();
    assert_eq!(again.kind, ErrorKind::AlreadyExists);
}

#[tokio::test(start_paused = true)]
async fn fake_task_start_runs_and_stop_stops() {
    let dms = FakeDms::new();
    let arn = ready_task(&dms, "full-load-and-cdc").await;
    let t = dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
    assert_eq!(t.status, "starting");
    assert_eq!(status(&dms, &arn).await.as_deref(), Some("running"));
    assert_eq!(status(&dms, &arn).await.as_deref(), Some("running"));
    let t = dms.stop_replication_task(&arn).await.unwrap();
    assert_eq!(t.status, "stopping");
    tick().await;
    let t = dms.find_replication_task_by_arn(&arn).await.unwrap().unwrap();
    assert_eq!((t.status.as_str(), t.stop_reason.as_deref()), ("stopped", Some("Stop Reason NORMAL")));
    // Stop again: not running.
    let e = dms.stop_replication_task(&arn).await.unwrap_err();
    assert_eq!(e.code, "InvalidResourceStateFault");
    assert!(e.message.contains("not running"), "{e}");
}

#[tokio::test(start_paused = true)]
async fn fake_task_start_replication_only_from_ready() {
    let dms = FakeDms::new();
    let arn = ready_task(&dms, "cdc").await;
    dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
    status(&dms, &arn).await;
    let e = dms.start_replication_task(&arn, StartType::ResumeProcessing).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidState, "running tasks cannot be started");
    dms.stop_replication_task(&arn).await.unwrap();
    status(&dms, &arn).await;
    // AWS's answer to start-replication of a task that has run (rulebook errors_from).
    let e = dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap_err();
    assert_eq!(e.code, "InvalidParameterCombinationException");
    assert!(e.message.contains("valid only for tasks running for the first time"), "{e}");
    let t = dms.start_replication_task(&arn, StartType::ResumeProcessing).await.unwrap();
    assert_eq!(t.status, "starting");
    assert_eq!(status(&dms, &arn).await.as_deref(), Some("running"));
}

#[tokio::test(start_paused = true)]
async fn fake_full_load_finishes_to_stopped() {
    let dms = FakeDms::new();
    let arn = ready_task(&dms, "full-load").await;
    dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
    assert_eq!(status(&dms, &arn).await.as_deref(), Some("running"));
    tokio::time::advance(Duration::from_secs(2)).await;
    let t = dms.find_replication_task_by_arn(&arn).await.unwrap().unwrap();
    assert_eq!((t.status.as_str(), t.stop_reason.as_deref()), ("stopped", Some("Stop Reason FULL_LOAD_ONLY_FINISHED")));

    let dms = FakeDms::new();
    dms.full_load_skips_running(true);
    let arn = ready_task(&dms, "full-load").await;
    dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
    assert_eq!(status(&dms, &arn).await.as_deref(), Some("starting"));
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(status(&dms, &arn).await.as_deref(), Some("stopped"), "never running");
}

#[tokio::test(start_paused = true)]
async fn fake_modify_refused_while_running_allowed_when_stopped() {
    let dms = FakeDms::new();
    let arn = ready_task(&dms, "cdc").await;
    dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
    status(&dms, &arn).await;
    let modify = ModifyTaskInput {
        arn: arn.clone(),
        migration_type: Some("cdc".into()),
        table_mappings: Some(r#"{"rules":[{"rule-id":"1"}]}"#.into()),
        ..ModifyTaskInput::default()
    };
    let e = dms.modify_replication_task(modify.clone()).await.unwrap_err();
    assert_eq!(e.code, "InvalidResourceStateFault");
    assert!(e.message.contains("cannot be modified while it is running"), "{e}");
    dms.stop_replication_task(&arn).await.unwrap();
    status(&dms, &arn).await;
    let t = dms.modify_replication_task(modify).await.unwrap();
    assert_eq!(t.status, "modifying");
    tick().await;
    let t = dms.find_replication_task_by_arn(&arn).await.unwrap().unwrap();
    assert_eq!(t.status, "stopped");
    assert!(t.table_mappings.contains("rule-id"));

    let e = dms
        .modify_replication_task(ModifyTaskInput {
            arn: arn.clone(),
            migration_type: Some("full-load".into()),
            ..ModifyTaskInput::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidParameterValueException");
}

#[tokio::test(start_paused = true)]
async fn fake_move_changes_instance_and_returns_to_settled_state() {
    let dms = FakeDms::new();
    let arn = ready_task(&dms, "cdc").await;
    let (from, to) = (dms.task(&arn).unwrap().replication_instance_arn, dms.add_replication_instance("other").arn);
    let t = dms.move_replication_task(&arn, &to).await.unwrap();
    assert_eq!(t.status, "moving");
    assert_eq!(t.replication_instance_arn, from, "still on the old instance while moving");
    tick().await;
    let t = dms.find_replication_task_by_arn(&arn).await.unwrap().unwrap();
    assert_eq!(t.status, "ready");
    assert_eq!(t.replication_instance_arn, to);
}

#[tokio::test(start_paused = true)]
async fn fake_delete_refused_while_running_then_gone() {
    let dms = FakeDms::new();
    let arn = ready_task(&dms, "cdc").await;
    dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
    status(&dms, &arn).await;
    let e = dms.delete_replication_task(&arn).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidState);
    dms.stop_replication_task(&arn).await.unwrap();
    status(&dms, &arn).await;
    dms.delete_replication_task(&arn).await.unwrap();
    assert_eq!(dms.task(&arn).map(|t| t.status).as_deref(), Some("deleting"));
    assert_eq!(status(&dms, &arn).await, None);
    assert_eq!(dms.list_tags(&arn).await.unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(dms.delete_replication_task(&arn).await.unwrap_err().kind, ErrorKind::NotFound);
}

#[tokio::test(start_paused = true)]
async fn fake_lists_every_replication_instance_and_subnet_group() {
    let dms = FakeDms::new();
    assert!(dms.list_replication_instances().await.unwrap().is_empty());
    assert!(dms.list_replication_subnet_groups().await.unwrap().is_empty());
    let a = dms.add_replication_instance("stack-a-ri");
    let b = dms.add_replication_instance("stack-b-ri");
    let ids: Vec<String> = dms.list_replication_instances().await.unwrap().into_iter().map(|i| i.arn).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&a.arn) && ids.contains(&b.arn));
    dms.fail_next("list_replication_subnet_groups", AwsError::from_code("AccessDeniedFault", "denied"));
    assert_eq!(dms.list_replication_subnet_groups().await.unwrap_err().kind, ErrorKind::AccessDenied);
    let (i, g) = ("list_replication_instances", "list_replication_subnet_groups");
    assert_eq!(dms.calls(), vec![i, g, i, g]);
}

/// A lost answer: the call takes effect, the caller sees the error it was given; a retry then meets
/// what the first call made.
#[tokio::test(start_paused = true)]
async fn fake_lost_answer_serves_the_call_then_answers_the_error() {
    let dms = FakeDms::new();
    dms.lose_next_answer("create_replication_task", AwsError::new(ErrorKind::Other, "", "connection reset"));
    let e = dms.create_replication_task(input(&dms, "t1", "cdc")).await.unwrap_err();
    assert_eq!(e.message, "connection reset");
    assert_eq!(dms.task_count(), 1, "the lost call was served");
    let again = dms.create_replication_task(input(&dms, "t1", "cdc")).await.unwrap_err();
    assert_eq!((again.kind, again.code.as_str()), (ErrorKind::AlreadyExists, "ResourceAlreadyExistsFault"));
    let t = dms.find_replication_task_by_id("t1").await.unwrap().unwrap();
    dms.lose_next_answer("delete_replication_task", AwsError::from_code("ResourceNotFoundFault", "gone"));
    tick().await;
    assert!(dms.delete_replication_task(&t.arn).await.unwrap_err().is_not_found());
    tick().await;
    assert_eq!(
        dms.find_replication_task_by_arn(&t.arn).await.unwrap(),
        None,
        "the delete whose answer was lost happened"
    );
}

#[tokio::test(start_paused = true)]
async fn fake_injected_failures_and_call_log() {
    let dms = FakeDms::new();
    dms.fail_next("create_replication_task", AwsError::from_code("AccessDeniedFault", "no dms-vpc-role"));
    let e = dms.create_replication_task(input(&dms, "t1", "cdc")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::AccessDenied);
    assert_eq!(dms.task_count(), 0);
    let t = dms.create_replication_task(input(&dms, "t1", "cdc")).await.unwrap();
    dms.fail_next("find_replication_task_by_arn", AwsError::from_code("ThrottlingException", "slow"));
    assert_eq!(dms.find_replication_task_by_arn(&t.arn).await.unwrap_err().kind, ErrorKind::Throttled);
    assert_eq!(status(&dms, &t.arn).await.as_deref(), Some("ready"));
    assert_eq!(
        dms.calls(),
        vec![
            "create_replication_task",
            "create_replication_task",
            "find_replication_task_by_arn",
            "find_replication_task_by_arn"
        ]
    );
    assert_eq!(dms.call_log()[0], "create_replication_task t1");
}

#[tokio::test(start_paused = true)]
async fn fake_tags_by_arn() {
    let dms = FakeDms::new();
    let arn = ready_task(&dms, "cdc").await;
    assert_eq!(dms.list_tags(&arn).await.unwrap().get("env").map(String::as_str), Some("test"));
    dms.add_tags(&arn, &Tags::from([("team".into(), "data".into()), ("env".into(), "prod".into())])).await.unwrap();
    dms.remove_tags(&arn, &["team".to_string()]).await.unwrap();
    assert_eq!(dms.tags_of(&arn), Tags::from([("env".to_string(), "prod".to_string())]));
    assert_eq!(dms.add_tags("arn:nope", &Tags::new()).await.unwrap_err().kind, ErrorKind::NotFound);
}

#[tokio::test(start_paused = true)]
async fn fake_settings_are_merged_with_defaults() {
    let dms = FakeDms::new();
    let mut i = input(&dms, "s", "cdc");
    i.settings = Some(
        r#"{"Logging":{"EnableLogging":true,"LogComponents":[{"Id":"SOURCE_CAPTURE","Severity":"LOGGER_SEVERITY_DEBUG"}]}}"#
            .into(),
    );
    let t = dms.create_replication_task(i).await.unwrap();
    let doc: Json = serde_json::from_str(t.settings.as_deref().unwrap()).unwrap();
    assert_eq!(doc.pointer("/FullLoadSettings/TargetTablePrepMode"), Some(&json!("DROP_AND_CREATE")));
    let comps = doc.pointer("/Logging/LogComponents").and_then(Json::as_array).unwrap();
    let capture = comps.iter().find(|c| c["Id"] == "SOURCE_CAPTURE").unwrap();
    assert_eq!(capture["Severity"], "LOGGER_SEVERITY_DEBUG");
    assert_eq!(comps.iter().filter(|c| c["Id"] == "SOURCE_CAPTURE").count(), 1);
    assert!(doc.pointer("/Logging/CloudWatchLogGroup").and_then(Json::as_str).is_some());

    let mut bad = input(&dms, "b", "cdc");
    bad.settings = Some(r#"{"Logging":{"CloudWatchLogGroup":"mine"}}"#.into());
    assert_eq!(dms.create_replication_task(bad).await.unwrap_err().code, "InvalidParameterValueException");
    let mut bad = input(&dms, "c", "cdc");
    bad.settings = Some(r#"{"Logging":{"EnableLogContext":true}}"#.into());
    assert_eq!(dms.create_replication_task(bad).await.unwrap_err().code, "InvalidParameterCombinationException");
}

#[tokio::test(start_paused = true)]
async fn fake_failures_scripts_and_holds() {
    let dms = FakeDms::new();
    let arn = ready_task(&dms, "cdc").await;
    dms.fail_on_start(&arn, "Error connecting to source");
    dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
    tick().await;
    let t = dms.find_replication_task_by_arn(&arn).await.unwrap().unwrap();
    assert_eq!(t.status, "failed");
    assert_eq!(t.last_failure_message.as_deref(), Some("Error connecting to source"));

    dms.set_task_status(&arn, "ready");
    dms.hold(&arn, true);
    dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
    assert_eq!(status(&dms, &arn).await.as_deref(), Some("starting"));
    dms.hold(&arn, false);
    dms.script(&arn, &["starting", "running"]);
    assert_eq!(status(&dms, &arn).await.as_deref(), Some("starting"));
    assert_eq!(status(&dms, &arn).await.as_deref(), Some("running"));
}

#[tokio::test(start_paused = true)]
async fn fake_tasks_need_a_known_instance_and_endpoints_of_the_right_type() {
    let dms = FakeDms::new();
    let arn = |kind: &str, id: &str| format!("arn:aws:dms:us-east-1:123456789012:{kind}:{id}");
    let unknown = task_input("t", "cdc", [&arn("rep", "RI"), &arn("endpoint", "SRC"), &arn("endpoint", "TGT")]);
    assert_eq!(dms.create_replication_task(unknown).await.unwrap_err().kind, ErrorKind::NotFound);
    let ri = dms.add_replication_instance("ri");
    let src = dms.add_endpoint("src", "source", "oracle");
    let tgt = dms.add_endpoint("tgt", "target", "postgres");
    let swapped = task_input("t", "cdc", [&ri.arn, &tgt.arn, &src.arn]);
    assert_eq!(dms.create_replication_task(swapped).await.unwrap_err().code, "InvalidParameterValueException");
    let unknown_source = task_input("t", "cdc", [&ri.arn, &arn("endpoint", "SRC"), &tgt.arn]);
    assert_eq!(dms.create_replication_task(unknown_source).await.unwrap_err().kind, ErrorKind::NotFound);
    let t = dms.create_replication_task(task_input("t", "cdc", [&ri.arn, &src.arn, &tgt.arn])).await.unwrap();
    tick().await;
    let e = dms.move_replication_task(&t.arn, &arn("rep", "OTHER")).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "a move needs a known instance too");
    assert_eq!(dms.describe_replication_instance_by_arn(&ri.arn).await.unwrap(), Some(ri));
    assert_eq!(dms.find_endpoint_by_arn(&src.arn).await.unwrap().map(|e| e.endpoint_type), Some("source".into()));
    assert_eq!(dms.find_endpoint_by_arn("arn:nope").await.unwrap(), None);
}

#[tokio::test(start_paused = true)]
async fn fake_task_reaches_ready_through_the_poller() {
    use crate::aws::wait::{Wait, WaitOptions, wait_for};
    use std::time::Duration;
    let dms = FakeDms::new();
    let t = dms.create_replication_task(input(&dms, "w", "cdc")).await.unwrap();
    let spec = Wait::new("DMS replication task (w)", &["creating"], &["ready"]).options(WaitOptions {
        min_interval: Duration::from_millis(1),
        jitter: 0.0,
        ..WaitOptions::default()
    });
    let cancel = tokio_util::sync::CancellationToken::new();
    let got = wait_for(&spec, &cancel, || dms.find_replication_task_by_arn(&t.arn)).await.unwrap();
    assert_eq!(got.map(|t| t.status).as_deref(), Some("ready"));
}

#[tokio::test(start_paused = true)]
async fn fake_resume_and_reload_start_a_task_never_started() {
    // AWS accepts resume-processing and reload-target for a task in `ready` (issue 13 item 7): the
    // task runs as on a first start. The fakes and the emulator used to refuse it.
    for start in [StartType::ResumeProcessing, StartType::ReloadTarget] {
        let dms = FakeDms::new();
        let arn = ready_task(&dms, "cdc").await;
        let t = dms.start_replication_task(&arn, start).await.unwrap();
        assert_eq!(t.status, "starting");
        assert_eq!(status(&dms, &arn).await.as_deref(), Some("running"));
    }
}

#[tokio::test(start_paused = true)]
async fn fake_delete_refused_while_creating() {
    let dms = FakeDms::new();
    let t = dms.create_replication_task(input(&dms, "c", "cdc")).await.unwrap();
    let e = dms.delete_replication_task(&t.arn).await.unwrap_err();
    assert_eq!(e.message, "Replication task c cannot be deleted while it is in creating state");
    tick().await;
    dms.delete_replication_task(&t.arn).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn fake_failed_move_can_be_moved_or_deleted_but_not_modified() {
    let dms = FakeDms::new();
    let arn = ready_task(&dms, "cdc").await;
    dms.set_task_status(&arn, "failed-move");
    let modify = ModifyTaskInput { arn: arn.clone(), table_mappings: Some("{}".into()), ..ModifyTaskInput::default() };
    let e = dms.modify_replication_task(modify).await.unwrap_err();
    assert_eq!(e.message, "Replication task my-task cannot be modified while it is in failed-move state");
    let other = dms.add_replication_instance("other").arn;
    let t = dms.move_replication_task(&arn, &other).await.unwrap();
    assert_eq!(t.status, "moving");
    assert_eq!(status(&dms, &arn).await.as_deref(), Some("ready"), "never started: back to ready");
}

#[tokio::test(start_paused = true)]
async fn fake_logging_severity_of_a_running_task_changes_at_once() {
    // Rulebook `changes_allowed_from`: AWS refuses a modify of a running task "excluding logging
    // severity task settings"; any other change is still refused.
    let dms = FakeDms::new();
    let arn = ready_task(&dms, "cdc").await;
    dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
    assert_eq!(status(&dms, &arn).await.as_deref(), Some("running"));
    let severity =
        r#"{"Logging":{"LogComponents":[{"Id":"SOURCE_UNLOAD","Severity":"LOGGER_SEVERITY_DETAILED_DEBUG"}]}}"#;
    let t = dms
        .modify_replication_task(ModifyTaskInput {
            arn: arn.clone(),
            settings: Some(severity.into()),
            ..ModifyTaskInput::default()
        })
        .await
        .unwrap();
    assert_eq!(t.status, "running");
    let doc: Json = serde_json::from_str(t.settings.as_deref().unwrap()).unwrap();
    let comps = doc.pointer("/Logging/LogComponents").and_then(Json::as_array).unwrap();
    let unload = comps.iter().find(|c| c["Id"] == "SOURCE_UNLOAD").unwrap();
    assert_eq!(unload["Severity"], "LOGGER_SEVERITY_DETAILED_DEBUG");
    for other in [r#"{"Logging":{"EnableLogging":true}}"#, r#"{"TargetMetadata":{"BatchApplyEnabled":true}}"#] {
        let e = dms
            .modify_replication_task(ModifyTaskInput {
                arn: arn.clone(),
                settings: Some(other.into()),
                ..ModifyTaskInput::default()
            })
            .await
            .unwrap_err();
        assert_eq!(e.code, "InvalidResourceStateFault", "{other}");
    }
    let e = dms
        .modify_replication_task(ModifyTaskInput {
            arn: arn.clone(),
            settings: Some(severity.into()),
            table_mappings: Some(r#"{"rules":[]}"#.into()),
            ..ModifyTaskInput::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code, "InvalidResourceStateFault", "a severity change with other fields is an ordinary modify");
}

#[tokio::test(start_paused = true)]
async fn fake_tasks_need_an_available_instance() {
    // Rulebook `UseByTask`: create, move and start need the instance `available`.
    let dms = FakeDms::new();
    let arn = ready_task(&dms, "cdc").await;
    let ri = dms.task(&arn).unwrap().replication_instance_arn;
    dms.script_object(&ri, &["modifying", "modifying", "available"]);
    tick().await;
    let e = dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap_err();
    assert_eq!(e.code, "InvalidResourceStateFault");
    assert!(e.message.contains("not in available state (status: modifying)"), "{e}");
    let e = dms.create_replication_task(input(&dms, "second", "cdc")).await.unwrap_err();
    assert_eq!(e.code, "InvalidResourceStateFault");
    let other = dms.add_replication_instance("other").arn;
    dms.script_object(&other, &["upgrading", "available"]);
    tick().await;
    let e = dms.move_replication_task(&arn, &other).await.unwrap_err();
    assert!(e.message.contains("status: upgrading"), "{e}");
    tick().await;
    tick().await;
    dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn fake_endpoint_modify_tests_the_connection_and_holds_task_starts_meanwhile() {
    // Rulebook `endpoint.operations.StartReplicationTask` (terraform-provider-aws#46139).
    let dms = FakeDms::new();
    let arn = ready_task(&dms, "cdc").await;
    let task = dms.task(&arn).unwrap();
    let (ri, src) = (task.replication_instance_arn.clone(), task.source_endpoint_arn.clone());
    assert_eq!(dms.find_connection(&ri, &src).await.unwrap(), None, "no test before the change");
    let change = crate::aws::dms::ModifyEndpointInput {
        arn: src.clone(),
        server_name: Some("oracle.corp.example".into()),
        port: Some(1521),
        database_name: Some("ORCL".into()),
        username: Some("dms".into()),
        password: Some(crate::aws::Secret::new("new-pw")),
        ..Default::default()
    };
    dms.modify_endpoint(change.clone()).await.unwrap();
    assert_eq!(dms.find_connection(&ri, &src).await.unwrap().unwrap().status, "testing");
    let e = dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("InvalidResourceStateFault", "Replication Task cannot be started, invalid state")
    );
    let e = dms.test_connection(&ri, &src).await.unwrap_err();
    assert!(e.message.contains("already being tested"), "{e}");
    tick().await;
    assert_eq!(dms.find_connection(&ri, &src).await.unwrap().unwrap().status, "successful");
    dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
    // A failure set for the endpoint holds for the modify's test too; a failed test does not hold starts.
    assert_eq!(status(&dms, &arn).await.as_deref(), Some("running"));
    dms.stop_replication_task(&arn).await.unwrap();
    tick().await;
    dms.fail_connection(&src, "ORA-01017: invalid username/password");
    dms.modify_endpoint(change).await.unwrap();
    tick().await;
    let c = dms.find_connection(&ri, &src).await.unwrap().unwrap();
    assert_eq!(
        (c.status.as_str(), c.last_failure_message.as_deref()),
        ("failed", Some("ORA-01017: invalid username/password"))
    );
    dms.start_replication_task(&arn, StartType::ResumeProcessing).await.unwrap();
}
