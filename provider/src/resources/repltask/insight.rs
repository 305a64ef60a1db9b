//! What DMS knows about a task beyond its status, where users look for it: computed attributes
//! refreshed on every read (progress, table counts, stop reason, last failure), and the report
//! an apply error carries when a task fails to start (failure message, tables in error, endpoint
//! connection tests, the last error lines of the task's CloudWatch log).

use std::time::Duration;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::aws::dms::{Connection, DmsApi, ReplicationTask, TableStats};
use crate::aws::logs::LogsApi;
use crate::backoff::{Backoff, Polled, poll};
use crate::engine::model::Unknowable;
use crate::engine::{Attribute, Type};

use super::model::Task;

/// An apply returns what DMS reports at its end, which moves on from the refresh: any update plans
/// these unknown. A plan with nothing else to do keeps the refreshed values and so stays empty.
pub fn attributes() -> Vec<Attribute> {
    let n = |name: &str, what: &str| Attribute::computed(name, Type::Number).describe(what).unknown_on_any_change();
    let s = |name: &str, what: &str| Attribute::computed(name, Type::String).describe(what).unknown_on_any_change();
    vec![
        s(
            "stop_reason",
            "Why the task last stopped, as DMS says it (e.g. `Stop Reason FULL_LOAD_ONLY_FINISHED`, `Stop Reason FATAL_ERROR`). Refreshed on every read; never a change in the plan by itself.",
        ),
        s(
            "last_failure_message",
            "The last failure DMS recorded for the task (`LastFailureMessage`). Refreshed on every read.",
        ),
        n(
            "full_load_progress_percent",
            "Full load progress in percent (`ReplicationTaskStats.FullLoadProgressPercent`); null until the task has been started. Refreshed on every read.",
        ),
        n("tables_loaded", "Tables whose full load is complete. Refreshed on every read."),
        n("tables_loading", "Tables being loaded now. Refreshed on every read."),
        n("tables_queued", "Tables waiting for their full load. Refreshed on every read."),
        n(
            "tables_errored",
            "Tables in error; the `dmslink_repltask_tables` data source says which. Refreshed on every read.",
        ),
        n("elapsed_time_millis", "Milliseconds the task has run since it was (re)started. Refreshed on every read."),
        s("started_at", "When the task was last started (RFC 3339). Refreshed on every read."),
        s("stopped_at", "When the task last stopped (RFC 3339). Refreshed on every read."),
        s("full_load_started_at", "When the full load started (RFC 3339). Refreshed on every read."),
        s("full_load_finished_at", "When the full load finished (RFC 3339). Refreshed on every read."),
    ]
}

/// Unix seconds as RFC 3339, `None` when absent.
pub fn time_text(secs: Option<i64>) -> Option<String> {
    secs.and_then(|s| DateTime::from_secs(s).fmt(Format::DateTime).ok())
}

/// Sets the refresh-only attributes from what DMS reports.
pub fn set_from_task(state: &mut Task, task: &ReplicationTask) {
    let stats = task.stats.clone().unwrap_or_default();
    let time = |secs: Option<i64>| Unknowable::from(time_text(secs));
    state.stop_reason = task.stop_reason.clone().into();
    state.last_failure_message = task.last_failure_message.clone().into();
    state.full_load_progress_percent = stats.full_load_progress_percent.into();
    state.tables_loaded = stats.tables_loaded.into();
    state.tables_loading = stats.tables_loading.into();
    state.tables_queued = stats.tables_queued.into();
    state.tables_errored = stats.tables_errored.into();
    state.elapsed_time_millis = stats.elapsed_time_millis.into();
    state.started_at = time(stats.start_date);
    state.stopped_at = time(stats.stop_date);
    state.full_load_started_at = time(stats.full_load_start_date);
    state.full_load_finished_at = time(stats.full_load_finish_date);
}

/// `SCHEMA.TABLE (state, N rows failed)` for each table in error.
pub fn tables_in_error(tables: &[TableStats]) -> Vec<String> {
    tables
        .iter()
        .filter(|t| t.is_error())
        .map(|t| {
            let rows = if t.full_load_error_rows > 0 {
                format!(", {} rows failed in the full load", t.full_load_error_rows)
            } else {
                String::new()
            };
            format!("{}.{} ({}{rows})", t.schema_name, t.table_name, t.table_state)
        })
        .collect()
}

fn connection_line(role: &str, arn: &str, c: &Result<Option<Connection>, String>) -> String {
    match c {
        Ok(Some(c)) => match c.last_failure_message.as_deref().filter(|m| !m.is_empty()) {
            Some(m) => format!("  {role} endpoint {arn}: {}: {m}", c.status),
            None => format!("  {role} endpoint {arn}: {}", c.status),
        },
        Ok(None) => format!("  {role} endpoint {arn}: not tested"),
        Err(e) => format!("  {role} endpoint {arn}: could not test ({e})"),
    }
}

/// Tests the connection from the task's replication instance to an endpoint, waiting at most
/// `limit` for its outcome (every 2 s) and no longer once the operation is cancelled; then what
/// was seen last stands (`testing` when no outcome came).
async fn connection(
    dms: &dyn DmsApi,
    instance: &str,
    endpoint: &str,
    limit: Duration,
    cancel: &CancellationToken,
) -> Result<Option<Connection>, String> {
    // The first ask starts the test; the next ones read its outcome.
    let mut started = false;
    let ask = || {
        let first = !std::mem::replace(&mut started, true);
        async move {
            if first {
                dms.test_connection(instance, endpoint).await.map(Some)
            } else {
                dms.find_connection(instance, endpoint).await
            }
        }
    };
    let testing = |c: &Option<Connection>| c.as_ref().is_some_and(|c| c.status == "testing");
    let every = Backoff::fixed(Duration::from_secs(2));
    poll(every, Instant::now() + limit, cancel, |c| !testing(c), ask)
        .await
        .map(Polled::into_last)
        .map_err(|e| e.to_string())
}

/// The error detail of a task that failed (or stopped with an error) after a start: DMS's own
/// words, the tables in error, the connection tests of both endpoints, the last error lines of its
/// CloudWatch log, and what to check next.
pub async fn failure_report(
    dms: &dyn DmsApi,
    logs: &dyn LogsApi,
    task: &ReplicationTask,
    connection_limit: Duration,
    cancel: &CancellationToken,
) -> String {
    let mut out = vec![format!("The task is {} after the start.", task.status)];
    if let Some(m) = task.last_failure_message.as_deref().filter(|m| !m.is_empty()) {
        out.push(format!("Last failure message: {m}"));
    }
    if let Some(r) = task.stop_reason.as_deref().filter(|r| !r.is_empty()) {
        out.push(format!("Stop reason: {r}"));
    }
    let errored = match dms.describe_table_statistics(&task.arn).await {
        Ok(t) => tables_in_error(&t),
        Err(e) => {
            out.push(format!("Table statistics could not be read: {e}"));
            Vec::new()
        }
    };
    if !errored.is_empty() {
        out.push(format!("Tables in error ({}):\n  {}", errored.len(), errored.join("\n  ")));
    }
    let (src, tgt) = tokio::join!(
        connection(dms, &task.replication_instance_arn, &task.source_endpoint_arn, connection_limit, cancel),
        connection(dms, &task.replication_instance_arn, &task.target_endpoint_arn, connection_limit, cancel)
    );
    out.push(format!(
        "Endpoint connection tests from the replication instance:\n{}\n{}",
        connection_line("source", &task.source_endpoint_arn, &src),
        connection_line("target", &task.target_endpoint_arn, &tgt)
    ));
    out.push(super::task_log::log_section(logs, task).await);
    let failed_conn = [&src, &tgt].iter().any(|c| matches!(c, Ok(Some(c)) if c.status == "failed"));
    out.push(
        if failed_conn {
            "Next: fix the endpoint whose connection test failed (server, port, credentials, security group, VPN route), then apply again."
        } else if !errored.is_empty() {
            "Next: look at the tables in error (`dmslink_repltask_tables` data source, the task's CloudWatch log) — missing tables, privileges or unsupported types are the usual causes — then apply again."
        } else {
            "Next: read the task's CloudWatch log for the cause, fix it, then apply again."
        }
        .to_string(),
    );
    out.join("\n")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::aws::dms::TaskStats;

    #[test]
    fn attributes_come_from_the_task_and_its_stats() {
        let mut v = Task::default();
        let task = ReplicationTask {
            stop_reason: Some("Stop Reason FATAL_ERROR".into()),
            stats: Some(TaskStats {
                full_load_progress_percent: Some(40),
                tables_loaded: Some(2),
                start_date: Some(1_700_000_000),
                ..TaskStats::default()
            }),
            ..ReplicationTask::default()
        };
        set_from_task(&mut v, &task);
        assert_eq!(v.full_load_progress_percent, Unknowable::Known(40));
        assert_eq!(v.tables_loaded, Unknowable::Known(2));
        assert_eq!(v.started_at, Unknowable::Known("2023-11-14T22:13:20Z".to_string()));
        assert_eq!(v.stopped_at, Unknowable::Null);
        assert_eq!(v.stop_reason, Unknowable::Known("Stop Reason FATAL_ERROR".to_string()));
    }

    #[test]
    fn tables_in_error_name_schema_table_and_rows() {
        let t = |s: &str, n: &str, state: &str, rows: i64| TableStats {
            schema_name: s.into(),
            table_name: n.into(),
            table_state: state.into(),
            full_load_error_rows: rows,
            ..TableStats::default()
        };
        let got = tables_in_error(&[t("HR", "EMP", "Table completed", 0), t("HR", "DEPT", "Table error", 3)]);
        assert_eq!(got, vec!["HR.DEPT (Table error, 3 rows failed in the full load)".to_string()]);
    }

    /// The report waits for the endpoints' connection tests, but a cancelled operation
    /// (`StopProvider`, Ctrl-C) does not wait: the tests then read as still `testing`.
    #[tokio::test(start_paused = true)]
    async fn connection_tests_are_awaited_unless_the_operation_is_cancelled() {
        let dms = crate::aws::fake::FakeDms::new();
        let ri = dms.add_replication_instance("ri");
        let (src, tgt) = (dms.add_endpoint("src", "source", "postgres"), dms.add_endpoint("tgt", "target", "postgres"));
        let task = ReplicationTask {
            status: "failed".into(),
            replication_instance_arn: ri.arn.clone(),
            source_endpoint_arn: src.arn.clone(),
            target_endpoint_arn: tgt.arn.clone(),
            ..ReplicationTask::default()
        };
        let limit = Duration::from_secs(90);
        dms.fail_connection(&tgt.arn, "FATAL: password authentication failed");
        let start = Instant::now();
        let logs = crate::aws::fake::FakeLogs::new();
        let report = failure_report(&dms, &logs, &task, limit, &CancellationToken::new()).await;
        assert!(report.contains(&format!("source endpoint {}: successful\n", src.arn)), "{report}");
        assert!(report.contains(&format!("target endpoint {}: failed: FATAL", tgt.arn)), "{report}");
        assert_eq!(start.elapsed(), Duration::from_secs(2));

        let cancel = CancellationToken::new();
        cancel.cancel();
        let start = Instant::now();
        let report = failure_report(&dms, &logs, &task, limit, &cancel).await;
        assert!(report.contains(&format!("target endpoint {}: testing\n", tgt.arn)), "{report}");
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
