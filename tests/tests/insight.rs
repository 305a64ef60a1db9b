//! Acceptance tests of the DMS insight (issue 5) on `dmslink_repltask` and `dmslink_repltask_tables`: the
//! real Terraform CLIs drive `tests/modules/repltask-insight` against the emulator, whose source catalogue
//! and task failures are set through its control API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use dmslink_acctest::{Cli, RunOutput, TestBed, Workdir};
use serde_json::{Value, json};

const ADDR: &str = "dmslink_repltask.insight";
const TABLES_ALL: &str = "data.dmslink_repltask_tables.all";
const MODULE: &str = "repltask-insight";
const STATE_KEY: &str = "repltask-insight";
const WAIT: Duration = Duration::from_secs(60);

/// How long the emulator's full load runs: long enough that two refreshes land inside it on a slow
/// machine. Nothing waits for it to end (destroy stops the task).
const FULL_LOAD_SECONDS: u64 = 120;
/// How long the test refreshes at most for the progress to move (it moves about every 1.2 s).
const PROGRESS_POLL_LIMIT: Duration = Duration::from_secs(90);

/// Schema HR as the task's mappings (`HR` / `%`) select it, sorted.
const HR_TABLES: [&str; 4] = ["HR.DEPARTMENTS", "HR.EMPLOYEES", "HR.EMP_HISTORY", "HR.PAYROLL"];

const FAILURE_MESSAGE: &str = "ORA-00942: table or view does not exist";

/// What every source endpoint holds: HR plus schemas the mappings must not pick up (HR_ARCHIVE is not
/// `HR`; SALES has an EMPLOYEES table too).
fn catalogue() -> Value {
    json!({
        "HR": {"DEPARTMENTS": 27, "EMPLOYEES": 1070, "EMP_HISTORY": 2400, "PAYROLL": 5300},
        "HR_ARCHIVE": {"EMPLOYEES_2019": 990},
        "SALES": {"ORDERS": 18400, "EMPLOYEES": 12},
    })
}

/// One CLI's copy of the module with its state backend and DMS stack in the emulator.
struct Insight {
    wd: Workdir,
    task_id: String,
}

/// Fixtures named after the test and the CLI, then a workdir with the module's `TF_VAR_*` inputs.
fn setup(bed: &TestBed, cli: &Cli, tag: &str) -> Insight {
    let slug = format!("{tag}-{}", cli.slug());
    let fixtures = bed.fixtures();
    let backend = fixtures.state_backend("tfstate-insight", "terraform-lock-insight", STATE_KEY);
    let stack = fixtures.dms_stack(&format!("insight-{slug}"), 1);
    let task_id = format!("insight-{slug}");
    let mut wd = bed.workdir(cli, MODULE);
    wd.use_backend(&backend)
        .set_var("dms_source_arn", &stack.source_endpoint_arn)
        .set_var("dms_target_arn", &stack.target_endpoint_arn)
        .set_var("replication_instance_arn", stack.replication_instance_arn())
        .set_var("replication_task_id", &task_id);
    Insight { wd, task_id }
}

/// `apply -refresh-only -auto-approve`: the state takes what AWS reports now, nothing else changes.
fn refresh(wd: &Workdir) -> RunOutput {
    wd.run_ok(&["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"])
}

/// The task's refresh-only progress attributes, as the state holds them.
#[derive(Debug, Clone, PartialEq)]
struct Progress {
    percent: Option<f64>,
    loaded: Option<f64>,
    loading: Option<f64>,
    queued: Option<f64>,
    errored: Option<f64>,
    elapsed_ms: Option<f64>,
    started_at: Option<String>,
    full_load_started_at: Option<String>,
    full_load_finished_at: Option<String>,
    status: Option<String>,
}

impl Progress {
    fn of(values: &Value) -> Progress {
        let n = |k: &str| values[k].as_f64();
        let s = |k: &str| values[k].as_str().map(str::to_string);
        Progress {
            percent: n("full_load_progress_percent"),
            loaded: n("tables_loaded"),
            loading: n("tables_loading"),
            queued: n("tables_queued"),
            errored: n("tables_errored"),
            elapsed_ms: n("elapsed_time_millis"),
            started_at: s("started_at"),
            full_load_started_at: s("full_load_started_at"),
            full_load_finished_at: s("full_load_finished_at"),
            status: s("status"),
        }
    }

    fn read(wd: &Workdir) -> (Progress, Value) {
        let values = wd.resource_values(ADDR).unwrap_or_else(|| panic!("[{}] no {ADDR} in show -json", wd.cli().label));
        (Progress::of(&values), values)
    }

    /// Tables in any state.
    fn tables(&self) -> Option<f64> {
        Some(self.loaded? + self.loading? + self.queued? + self.errored?)
    }
}

/// `destroy`, asserted to succeed; a failure also shows the emulator's S3 and DynamoDB calls (state and
/// lock traffic) with their HTTP statuses, to tell a lock left behind from a retried lock request.
fn destroy(bed: &TestBed, wd: &Workdir) {
    let out = wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    if !out.success() {
        let calls: Vec<String> = bed
            .emulator
            .requests()
            .iter()
            .filter(|q| q.service == "dynamodb" || q.service == "s3")
            .map(|q| format!("  {} {} {:?}", q.time, q.name(), q.status))
            .collect();
        panic!(
            "[{}] destroy failed:\n{}\nS3/DynamoDB calls served by the emulator:\n{}",
            wd.cli().label,
            out.describe(),
            calls.join("\n")
        );
    }
}

/// The `SCHEMA.TABLE` strings of a JSON list.
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_else(|| panic!("not a string: {s}")).to_string())
        .collect()
}

/// Terraform's diagnostics without the box drawn around them and with every run of whitespace as one
/// space, so that a message wrapped at the terminal width still matches.
fn flat(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_start().trim_start_matches(['│', '╷', '╵']))
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A running task's progress attributes move between two refreshes while the plan stays clean, and the
/// table-statistics data source lists exactly the tables of the selected schema.
#[test]
fn repltask_progress_refreshes_and_table_stats_list_the_tables() {
    let Some(bed) = TestBed::start("insight_progress") else {
        return;
    };
    let dms = bed.dms();
    bed.each_cli(|cli| {
        bed.emulator.set_config(json!({"full_load_seconds": FULL_LOAD_SECONDS, "source_catalogue": catalogue()}));
        let mut r = setup(&bed, cli, "progress");
        let label = cli.label.clone();
        r.wd.set_var("start_replication_task", "true");
        r.wd.init();
        let started = Instant::now();
        r.wd.apply();
        eprintln!("[{label}] apply (create + start) took {:.1?}", started.elapsed());
        let task = dms.expect_task(&r.task_id);
        assert_eq!(task.status, "running", "[{label}] {task:?}");

        // First refresh: the full load is under way.
        refresh(&r.wd);
        let (first, values) = Progress::read(&r.wd);
        eprintln!("[{label}] first refresh: {first:?}");
        assert_eq!(first.status.as_deref(), Some("running"), "[{label}] {values}");
        let percent = first.percent.unwrap_or_else(|| panic!("[{label}] no full_load_progress_percent: {values}"));
        assert!(
            (0.0..100.0).contains(&percent),
            "[{label}] the full load ({FULL_LOAD_SECONDS} s) is not under way at the first refresh: {values}"
        );
        assert_eq!(first.tables(), Some(HR_TABLES.len() as f64), "[{label}] table counts do not add up: {values}");
        assert_eq!(first.errored, Some(0.0), "[{label}] {values}");
        assert!(first.elapsed_ms.is_some_and(|ms| ms > 0.0), "[{label}] elapsed_time_millis: {values}");
        assert!(first.started_at.is_some(), "[{label}] no started_at: {values}");
        assert!(first.full_load_started_at.is_some(), "[{label}] no full_load_started_at: {values}");
        assert_eq!(first.full_load_finished_at, None, "[{label}] the full load cannot be finished: {values}");
        assert!(values["stop_reason"].is_null(), "[{label}] stop_reason of a running task: {values}");
        assert!(values["last_failure_message"].is_null(), "[{label}] last_failure_message: {values}");

        // Refresh again until the progress moves (bounded).
        let deadline = Instant::now() + PROGRESS_POLL_LIMIT;
        let mut refreshes = 1;
        let (second, values) = loop {
            std::thread::sleep(Duration::from_secs(2));
            refresh(&r.wd);
            refreshes += 1;
            let (p, values) = Progress::read(&r.wd);
            if p.percent != first.percent || Instant::now() > deadline {
                break (p, values);
            }
        };
        eprintln!("[{label}] refresh {refreshes}: {second:?}");
        let second_percent = second.percent.unwrap_or_else(|| panic!("[{label}] no full_load_progress_percent: {values}"));
        assert!(
            second_percent > percent,
            "[{label}] full_load_progress_percent did not move forward in {refreshes} refreshes: {first:?} then {second:?}"
        );
        assert!(
            second.elapsed_ms > first.elapsed_ms,
            "[{label}] elapsed_time_millis did not grow: {first:?} then {second:?}"
        );
        assert_eq!(second.started_at, first.started_at, "[{label}] the task was restarted in between?");
        assert_eq!(second.tables(), Some(HR_TABLES.len() as f64), "[{label}] {values}");

        // The refresh-only attributes never plan a change.
        r.wd.expect_plan(0, "plan while the full load runs");

        // The data source lists exactly schema HR, filtered where asked.
        let outputs = r.wd.outputs();
        assert_eq!(strings(&outputs["replicated_tables"]), HR_TABLES, "[{label}] outputs: {outputs}");
        assert_eq!(
            strings(&outputs["employee_tables"]),
            ["HR.EMPLOYEES", "HR.EMP_HISTORY"],
            "[{label}] outputs: {outputs}"
        );
        assert_eq!(strings(&outputs["tables_errored"]), Vec::<String>::new(), "[{label}] outputs: {outputs}");
        assert_eq!(outputs["replication_task_arn"], task.arn.as_str(), "[{label}] outputs: {outputs}");
        let ds = r.wd.resource_values(TABLES_ALL).unwrap_or_else(|| panic!("[{label}] no {TABLES_ALL} in show -json"));
        let rows = catalogue();
        for t in ds["tables"].as_array().unwrap_or_else(|| panic!("[{label}] no tables: {ds}")) {
            let (schema, table) = (t["schema_name"].as_str().unwrap(), t["table_name"].as_str().unwrap());
            let state = t["table_state"].as_str().unwrap_or_default();
            assert!(
                ["Before load", "Full load", "Table completed"].contains(&state),
                "[{label}] {schema}.{table} in state {state:?}: {t}"
            );
            let total = rows[schema][table].as_f64().unwrap();
            let loaded = t["full_load_rows"].as_f64().unwrap_or(-1.0);
            assert!((0.0..=total).contains(&loaded), "[{label}] {schema}.{table}: full_load_rows of {total}: {t}");
            assert_eq!(t["full_load_error_rows"].as_f64(), Some(0.0), "[{label}] {t}");
            assert_eq!(t["validation_state"], "Not enabled", "[{label}] {t}");
            assert!(t["last_update_time"].is_string(), "[{label}] no last_update_time: {t}");
        }

        destroy(&bed, &r.wd);
        assert!(dms.tasks().is_empty(), "[{label}] tasks left after destroy: {:?}", dms.tasks());
        assert!(r.wd.state_list().is_empty(), "[{label}] state not empty after destroy");
    });
}

/// A task that fails on start: the apply error carries DMS's failure message and the tables in error,
/// the task stays in state, a refresh shows the failure, and destroy removes it.
#[test]
fn repltask_failed_start_reports_failure_message_and_tables() {
    let Some(bed) = TestBed::start("insight_failed_start") else {
        return;
    };
    let dms = bed.dms();
    bed.each_cli(|cli| {
        bed.emulator.set_config(json!({"source_catalogue": catalogue()}));
        let mut r = setup(&bed, cli, "failed");
        let label = cli.label.clone();
        r.wd.init();
        r.wd.apply();
        let task = dms.wait_status(&r.task_id, "ready", WAIT);

        // The next start fails with an Oracle error on HR.PAYROLL.
        bed.emulator.task_failure(json!({
            "task": r.task_id,
            "message": FAILURE_MESSAGE,
            "tables": ["HR.PAYROLL"],
            "when": "on-start",
        }));
        r.wd.set_var("start_replication_task", "true");
        let out = r.wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        eprintln!("[{label}] failed apply took {:.1?}; its stderr:\n{}", out.elapsed, out.stderr.trim_end());
        assert!(
            !out.success() && !out.timed_out,
            "[{label}] the apply of a failing start did not fail:\n{}",
            out.describe()
        );
        let stderr = flat(&out.stderr);
        for needle in [
            format!("Last failure message: {FAILURE_MESSAGE}"),
            "Tables in error (1): HR.PAYROLL (Table error".to_string(),
            "Endpoint connection tests".to_string(),
            task.source_endpoint_arn.clone(),
            task.target_endpoint_arn.clone(),
        ] {
            assert!(stderr.contains(&needle), "[{label}] the apply error lacks {needle:?}:\n{}", out.describe());
        }

        // The task stays in state, failed as DMS says.
        let listed = r.wd.state_list();
        assert!(listed.iter().any(|a| a == ADDR), "[{label}] {ADDR} not in state after the failed start: {listed:?}");
        let failed = dms.expect_task(&r.task_id);
        assert_eq!(failed.status, "failed", "[{label}] {failed:?}");
        assert_eq!(failed.arn, task.arn, "[{label}] the task was replaced");

        // A refresh shows the failure on the task and the table in error in the data source.
        refresh(&r.wd);
        let (progress, values) = Progress::read(&r.wd);
        assert_eq!(progress.status.as_deref(), Some("failed"), "[{label}] {values}");
        assert_eq!(values["last_failure_message"], FAILURE_MESSAGE, "[{label}] {values}");
        assert_eq!(progress.errored, Some(1.0), "[{label}] {values}");
        assert!(values["stop_reason"].is_string(), "[{label}] no stop_reason: {values}");
        let outputs = r.wd.outputs();
        assert_eq!(strings(&outputs["tables_errored"]), ["HR.PAYROLL"], "[{label}] outputs: {outputs}");
        assert_eq!(strings(&outputs["replicated_tables"]), HR_TABLES, "[{label}] outputs: {outputs}");

        destroy(&bed, &r.wd);
        assert!(dms.tasks().is_empty(), "[{label}] tasks left after destroy: {:?}", dms.tasks());
        assert!(r.wd.state_list().is_empty(), "[{label}] state not empty after destroy");
    });
}

/// Issue 15 item 5 (done-when): a task with `logging {}` that fails on start shows the last error
/// lines of its CloudWatch log (written by the emulator, `docs/emulator.md` L1-L4) in the apply error,
/// after DMS's own message; the state keeps DMS's text and names the log group and stream.
#[test]
fn repltask_failed_start_shows_the_last_error_lines_of_its_cloudwatch_log() {
    let Some(bed) = TestBed::start("insight_task_log") else {
        return;
    };
    let dms = bed.dms();
    bed.each_cli(|cli| {
        bed.emulator.set_config(json!({"source_catalogue": catalogue()}));
        let mut r = setup(&bed, cli, "tasklog");
        let label = cli.label.clone();
        r.wd.set_var("logging", "true");
        r.wd.init();
        r.wd.apply();
        let task = dms.wait_status(&r.task_id, "ready", WAIT);
        let resource_id = task.arn.rsplit(':').next().unwrap_or_default().to_string();
        let values = r.wd.resource_values(ADDR).unwrap_or_else(|| panic!("[{label}] {ADDR} not in state"));
        let stream = format!("dms-task-{resource_id}");
        assert_eq!(values["log_stream"], json!(stream), "[{label}] {values}");
        let group = values["log_group"].as_str().unwrap_or_else(|| panic!("[{label}] no log_group: {values}"));
        assert!(group.starts_with("dms-tasks-"), "[{label}] {values}");
        // The block read back from DMS's settings is the block applied: no drift.
        r.wd.expect_plan(0, &format!("[{label}] plan after the create with logging"));

        bed.emulator.task_failure(json!({
            "task": r.task_id,
            "message": FAILURE_MESSAGE,
            "tables": ["HR.PAYROLL"],
            "when": "on-start",
        }));
        r.wd.set_var("start_replication_task", "true");
        let out = r.wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        assert!(!out.success() && !out.timed_out, "[{label}] the failing start did not fail:\n{}", out.describe());
        let stderr = flat(&out.stderr);
        for needle in [
            format!("Last failure message: {FAILURE_MESSAGE}"),
            format!("Last error lines of the task's CloudWatch log {group}/{stream} (2):"),
            "[TABLES_MANAGER ]E: Table 'HR'.'PAYROLL' was errored/suspended".to_string(),
            format!("[TASK_MANAGER ]E: {FAILURE_MESSAGE}"),
        ] {
            assert!(stderr.contains(&needle), "[{label}] the apply error lacks {needle:?}:\n{}", out.describe());
        }
        assert!(!stderr.contains("]I:"), "[{label}] info lines in the error:\n{}", out.describe());

        refresh(&r.wd);
        let values = r.wd.resource_values(ADDR).unwrap_or_else(|| panic!("[{label}] {ADDR} not in state"));
        assert_eq!(values["last_failure_message"], FAILURE_MESSAGE, "[{label}] {values}");
        destroy(&bed, &r.wd);
    });
}

/// Issue 13 item 8: a full-load task whose load finishes before a read ever sees it `running`
/// (`starting`, then at once `stopped` with `Stop Reason FULL_LOAD_ONLY_FINISHED`) counts as started:
/// the apply succeeds, the state says started, and the next plan is clean.
#[test]
fn repltask_full_load_finished_before_running_is_seen_counts_as_started() {
    let Some(bed) = TestBed::start("insight_full_load_finished") else {
        return;
    };
    let dms = bed.dms();
    bed.each_cli(|cli| {
        bed.emulator.set_config(json!({"full_load_seconds": 0}));
        let mut r = setup(&bed, cli, "fullload");
        let label = cli.label.clone();
        r.wd.set_var("start_replication_task", "true").set_var("migration_type", "full-load");
        r.wd.init();
        r.wd.apply();
        let task = dms.expect_task(&r.task_id);
        assert_eq!(task.status, "stopped", "[{label}] {task:?}");
        let values = r.wd.resource_values(ADDR).unwrap_or_else(|| panic!("[{label}] {ADDR} not in state"));
        assert_eq!(values["start_replication_task"], json!(true), "[{label}] {values}");
        assert_eq!(values["stop_reason"], json!("Stop Reason FULL_LOAD_ONLY_FINISHED"), "[{label}] {values}");
        r.wd.expect_plan(0, "plan after a full load that finished at once");
        destroy(&bed, &r.wd);
    });
}
