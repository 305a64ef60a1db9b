//! Issue 15 item 5: the `logging {}` block (merged into the settings sent, checked at validate,
//! `dms-cloudwatch-logs-role` checked or created) and the task log's last error lines in the
//! apply error of a failed start.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use super::tests::against_fake_dms::{Bed, bed};
use super::tests::config;
use crate::aws::error::AwsError;
use crate::aws::fake::{FakeIam, FakeLogs};
use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::validate::validate_block;
use crate::engine::{Resource, Value};
use crate::provider_config::Configured;
use crate::resources::Ctx;
use crate::resources::repltask::Repltask;
use crate::resources::repltask::schema::{schema, validate_config};

/// The bed's DMS fake with IAM and CloudWatch Logs fakes the test can reach.
struct LogBed {
    b: Bed,
    ctx: Ctx,
    iam: Arc<FakeIam>,
    logs: Arc<FakeLogs>,
}

fn log_bed() -> LogBed {
    let b = bed();
    let (iam, logs) = (Arc::new(FakeIam::new()), Arc::new(FakeLogs::new()));
    let mut clients = b.ctx.provider.clients.clone();
    clients.iam = iam.clone();
    clients.logs = logs.clone();
    let p = &b.ctx.provider;
    let provider = Arc::new(Configured {
        clients,
        region: p.region.clone(),
        account_id: p.account_id.clone(),
        partition: p.partition.clone(),
        default_tags: p.default_tags.clone(),
    });
    let ctx = Ctx { provider, cancel: b.ctx.cancel.clone() };
    LogBed { b, ctx, iam, logs }
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

/// A `logging {}` block: enabled, SOURCE_CAPTURE at `severity`, the role mode.
fn logging(severity: &str, role: &str) -> Value {
    let sev = Value::Map([("SOURCE_CAPTURE".to_string(), Value::string(severity))].into_iter().collect());
    obj(&[
        ("enabled", Value::Bool(true)),
        ("context", Value::Null),
        ("severity", sev),
        ("dms_cloudwatch_logs_role", Value::string(role)),
    ])
}

fn planned(lb: &LogBed, start: bool, role: &str) -> Value {
    let mut p = lb.b.planned(start);
    p.set("logging", logging("LOGGER_SEVERITY_DEBUG", role));
    p.set("log_group", Value::Unknown);
    p.set("log_stream", Value::Unknown);
    p
}

fn error_paths(cfg: &Value) -> Vec<String> {
    let mut d = Diagnostics::new();
    validate_block(&schema().block, cfg, &AttrPath::root(), &mut d);
    validate_config(cfg, &mut d);
    d.iter().filter(|d| d.is_error()).map(|d| d.path.as_ref().map(|p| p.to_string()).unwrap_or_default()).collect()
}

#[test]
fn a_logging_key_in_the_settings_beside_the_block_is_refused_with_its_path() {
    let with_block = |settings: Value| {
        config(&[("logging", logging("LOGGER_SEVERITY_DEBUG", "check")), ("replication_task_settings", settings)])
    };
    assert_eq!(
        error_paths(&with_block(Value::string(r#"{"Logging":{"EnableLogging":true}}"#))),
        vec!["replication_task_settings"]
    );
    assert!(error_paths(&with_block(Value::string(r#"{"TargetMetadata":{"BatchApplyEnabled":true}}"#))).is_empty());
    assert!(error_paths(&with_block(Value::Unknown)).is_empty());
}

#[test]
fn severities_and_role_modes_are_checked_at_plan_with_their_paths() {
    let bad_value = config(&[("logging", logging("LOGGER_SEVERITY_LOUD", "check"))]);
    assert_eq!(error_paths(&bad_value), vec![r#"logging.severity["SOURCE_CAPTURE"]"#]);
    let mut bad_key = logging("LOGGER_SEVERITY_DEBUG", "check");
    bad_key.set(
        "severity",
        Value::Map([("SOURCE".to_string(), Value::string("LOGGER_SEVERITY_ERROR"))].into_iter().collect()),
    );
    assert_eq!(error_paths(&config(&[("logging", bad_key)])), vec![r#"logging.severity["SOURCE"]"#]);
    let bad_role = config(&[("logging", logging("LOGGER_SEVERITY_DEBUG", "make"))]);
    assert_eq!(error_paths(&bad_role), vec!["logging.dms_cloudwatch_logs_role"]);
    let mut context_off = logging("LOGGER_SEVERITY_DEBUG", "check");
    context_off.set("enabled", Value::Bool(false));
    context_off.set("context", Value::Bool(true));
    assert_eq!(error_paths(&config(&[("logging", context_off)])), vec!["logging.context"]);
}

#[tokio::test(start_paused = true)]
async fn the_block_is_merged_into_the_settings_sent_and_the_state_names_the_log() {
    let lb = log_bed();
    let mut p = planned(&lb, false, "create");
    p.set("replication_task_settings", Value::string(r#"{"TargetMetadata":{"BatchApplyEnabled":true}}"#));
    let out = Repltask.create(&lb.ctx, &p, &p).await;
    assert!(!out.diags.has_errors(), "{:?}", out.diags);
    let arn = out.state.get("replication_task_arn").as_str().unwrap().to_string();
    let task = lb.b.dms.task(&arn).unwrap();
    let doc: serde_json::Value = serde_json::from_str(task.settings.as_deref().unwrap()).unwrap();
    assert_eq!(doc["Logging"]["EnableLogging"], serde_json::json!(true));
    assert_eq!(doc["TargetMetadata"]["BatchApplyEnabled"], serde_json::json!(true));
    let comps = doc["Logging"]["LogComponents"].as_array().unwrap();
    assert!(comps.contains(&serde_json::json!({"Id": "SOURCE_CAPTURE", "Severity": "LOGGER_SEVERITY_DEBUG"})));
    let resource_id = arn.rsplit(':').next().unwrap();
    assert_eq!(out.state.get("log_group"), &Value::string("dms-tasks-rep"));
    assert_eq!(out.state.get("log_stream"), &Value::string(format!("dms-task-{resource_id}")));
    // The user's settings stay as written: the block never shows as a settings diff.
    assert_eq!(
        out.state.get("replication_task_settings"),
        &Value::string(r#"{"TargetMetadata":{"BatchApplyEnabled":true}}"#)
    );

    // Removing the block turns logging off.
    let mut off = out.state.clone();
    off.set("logging", Value::Null);
    off.set("status", Value::Unknown);
    off.set("log_group", Value::Unknown);
    off.set("log_stream", Value::Unknown);
    let out = Repltask.update(&lb.ctx, &out.state, &off, &off).await;
    assert!(!out.diags.has_errors(), "{:?}", out.diags);
    let doc: serde_json::Value =
        serde_json::from_str(lb.b.dms.task(&arn).unwrap().settings.as_deref().unwrap()).unwrap();
    assert_eq!(doc["Logging"]["EnableLogging"], serde_json::json!(false));
    assert_eq!(out.state.get("log_group"), &Value::Null);
}

#[tokio::test(start_paused = true)]
async fn logging_checks_the_cloudwatch_logs_role_and_creates_it_on_request() {
    let lb = log_bed();
    let p = planned(&lb, false, "check");
    let out = Repltask.create(&lb.ctx, &p, &p).await;
    let text = format!("{:?}", out.diags);
    assert!(out.diags.has_errors() && text.contains("dms-cloudwatch-logs-role does not exist"), "{text}");
    assert!(!lb.b.dms.calls().contains(&"create_replication_task".to_string()), "refused before the task is made");

    let p = planned(&lb, false, "create");
    let out = Repltask.create(&lb.ctx, &p, &p).await;
    assert!(!out.diags.has_errors(), "{:?}", out.diags);
    assert!(lb.iam.calls().contains(&"create_role".to_string()));
    assert!(lb.iam.calls().contains(&"attach_role_policy".to_string()));
}

/// A task with logging on whose start fails: (state after create, ARN, log group, stream).
async fn failing_task(lb: &LogBed) -> (Value, String, String, String) {
    let p = planned(lb, false, "create");
    let created = Repltask.create(&lb.ctx, &p, &p).await.state;
    let arn = created.get("replication_task_arn").as_str().unwrap().to_string();
    lb.b.dms.fail_on_start(&arn, "ORA-00942: table or view does not exist");
    let group = created.get("log_group").as_str().unwrap().to_string();
    let stream = created.get("log_stream").as_str().unwrap().to_string();
    (created, arn, group, stream)
}

fn start(prior: &Value) -> Value {
    let mut want = prior.clone();
    want.set("start_replication_task", Value::Bool(true));
    want.set("status", Value::Unknown);
    want
}

#[tokio::test(start_paused = true)]
async fn a_failed_start_ends_with_the_last_error_lines_of_the_tasks_log() {
    let lb = log_bed();
    let (created, _arn, group, stream) = failing_task(&lb).await;
    lb.logs.put_lines(
        &group,
        &stream,
        &[
            "[TASK_MANAGER    ]I:  Task 'dblink-task' starting",
            "[SOURCE_UNLOAD   ]E:  ORA-00942: table or view does not exist [1020417]",
            "[TASK_MANAGER    ]F:  Task error notification received from subtask 0",
        ],
    );
    let want = start(&created);
    let out = Repltask.update(&lb.ctx, &created, &want, &want).await;
    let text = out.diags.iter().map(|d| d.detail.clone()).collect::<Vec<_>>().join("\n");
    assert!(out.diags.has_errors(), "{text}");
    let section = format!(
        "Last error lines of the task's CloudWatch log {group}/{stream} (2):\n  [SOURCE_UNLOAD   ]E:  ORA-00942: table or view does not exist [1020417]\n  [TASK_MANAGER    ]F:  Task error notification received from subtask 0"
    );
    assert!(text.contains(&section), "{text}");
    assert!(!text.contains("]I:"), "{text}");
    // The state keeps DMS's own text.
    let read = Repltask.read(&lb.ctx, &out.state).await.unwrap().unwrap();
    assert_eq!(read.get("last_failure_message"), &Value::string("ORA-00942: table or view does not exist"));
}

#[tokio::test(start_paused = true)]
async fn an_unreadable_log_adds_one_line_and_the_failure_reads_as_before() {
    let lb = log_bed();
    let (created, _arn, group, stream) = failing_task(&lb).await;
    lb.logs.fail_next(
        "tail_events",
        AwsError::from_code("AccessDeniedException", "User is not authorized to perform: logs:GetLogEvents"),
    );
    let want = start(&created);
    let out = Repltask.update(&lb.ctx, &created, &want, &want).await;
    assert_eq!(out.diags.iter().filter(|d| d.is_error()).count(), 1);
    let text = out.diags.iter().map(|d| d.detail.clone()).collect::<Vec<_>>().join("\n");
    let line = text.lines().find(|l| l.contains("CloudWatch log")).unwrap();
    assert!(line.starts_with(&format!("The task's CloudWatch log {group}/{stream} could not be read:")), "{text}");
    assert!(line.contains("logs:GetLogEvents"), "{text}");
    assert_eq!(text.lines().filter(|l| l.contains("CloudWatch log")).count(), 2, "the line and the Next: hint: {text}");
    assert!(text.contains("Last failure message: ORA-00942") && text.contains("Next: "), "{text}");
}

/// The fakes follow the emulator (docs/emulator.md L1-L4): linked to IAM and Logs, the DMS fake
/// writes a start's `]I:` line and the failure's `]E:` line to the task's stream when
/// `dms-cloudwatch-logs-role` is ready, and nothing when its managed policy is detached.
#[tokio::test(start_paused = true)]
async fn the_linked_fake_writes_the_failure_to_the_tasks_log_only_with_the_role_ready() {
    for role_ready in [true, false] {
        let lb = log_bed();
        lb.b.dms.link_logs(lb.logs.clone());
        lb.b.dms.link_iam(lb.iam.clone());
        let (created, _arn, group, stream) = failing_task(&lb).await;
        if !role_ready {
            let policy = "arn:aws:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole";
            crate::aws::iam::IamApi::detach_role_policy(lb.iam.as_ref(), "dms-cloudwatch-logs-role", policy)
                .await
                .unwrap();
        }
        let want = start(&created);
        let out = Repltask.update(&lb.ctx, &created, &want, &want).await;
        let text = out.diags.iter().map(|d| d.detail.clone()).collect::<Vec<_>>().join("\n");
        assert!(out.diags.has_errors(), "{text}");
        if role_ready {
            let section = format!(
                "Last error lines of the task's CloudWatch log {group}/{stream} (1):\n  [TASK_MANAGER    ]E:  ORA-00942: table or view does not exist"
            );
            assert!(text.contains(&section), "{text}");
            let logged = crate::aws::logs::LogsApi::tail_events(lb.logs.as_ref(), &group, &stream, 10).await.unwrap();
            assert_eq!(logged[0].message, "[TASK_MANAGER    ]I:  Task 'dblink-task' starting (start-replication)");
        } else {
            assert!(text.contains(&format!("{group}/{stream} could not be read: it does not exist (yet)")), "{text}");
        }
    }
}

/// A console edit of the task's logging (turned off, a component's severity changed) is read back
/// into the block, so the plan shows it, and the update sends the block again.
#[tokio::test(start_paused = true)]
async fn logging_edited_out_of_band_is_read_back_and_set_back_by_the_update() {
    use crate::aws::dms::{DmsApi, ModifyTaskInput};
    let lb = log_bed();
    let p = planned(&lb, false, "create");
    let created = Repltask.create(&lb.ctx, &p, &p).await;
    assert!(!created.diags.has_errors(), "{:?}", created.diags);
    let arn = created.state.get("replication_task_arn").as_str().unwrap().to_string();
    // Unchanged, the read gives the block as it was applied.
    let read = Repltask.read(&lb.ctx, &created.state).await.unwrap().unwrap();
    assert_eq!(read.get("logging"), created.state.get("logging"));

    let edit = r#"{"Logging":{"EnableLogging":false,"LogComponents":[{"Id":"SOURCE_CAPTURE","Severity":"LOGGER_SEVERITY_DEFAULT"},{"Id":"IO","Severity":"LOGGER_SEVERITY_ERROR"}]}}"#;
    let input = ModifyTaskInput { arn: arn.clone(), settings: Some(edit.to_string()), ..Default::default() };
    lb.b.dms.modify_replication_task(input).await.unwrap();
    let read = Repltask.read(&lb.ctx, &created.state).await.unwrap().unwrap();
    let block = read.get("logging");
    assert_eq!(block.get("enabled"), &Value::Bool(false), "{block:?}");
    let sev = block.get("severity");
    let want_sev = [("IO", "LOGGER_SEVERITY_ERROR"), ("SOURCE_CAPTURE", "LOGGER_SEVERITY_DEFAULT")];
    assert_eq!(sev, &Value::Map(want_sev.iter().map(|(k, v)| (k.to_string(), Value::string(*v))).collect()));
    assert_eq!(read.get("log_group"), &Value::Null, "logging off: no log");

    // The plan takes the configuration's block again: the update sends it.
    let mut want = read.clone();
    want.set("logging", p.get("logging").clone());
    want.set("log_group", Value::Unknown);
    want.set("log_stream", Value::Unknown);
    let out = Repltask.update(&lb.ctx, &read, &want, &want).await;
    assert!(!out.diags.has_errors(), "{:?}", out.diags);
    let doc: serde_json::Value =
        serde_json::from_str(lb.b.dms.task(&arn).unwrap().settings.as_deref().unwrap()).unwrap();
    assert_eq!(doc["Logging"]["EnableLogging"], serde_json::json!(true));
    let comps = doc["Logging"]["LogComponents"].as_array().unwrap();
    assert!(comps.contains(&serde_json::json!({"Id": "SOURCE_CAPTURE", "Severity": "LOGGER_SEVERITY_DEBUG"})));
    assert!(comps.contains(&serde_json::json!({"Id": "IO", "Severity": "LOGGER_SEVERITY_DEFAULT"})));
    assert_eq!(out.state.get("logging"), p.get("logging"));
}
