//! The task's CloudWatch log in the apply error of a failed start: its last error lines, read
//! with `GetLogEvents` from the tail (`startFromHead=false`) and filtered here, because CloudWatch's
//! own filter patterns cannot say "`]E:` or `]F:`" portably (moto matches everything for `?A ?B`).
//! The log never fails an apply by itself: when it cannot be read, one line says why.
//! `last_failure_message` in the state stays DMS's own text; the lines go only to the error.

use crate::aws::dms::ReplicationTask;
use crate::aws::error::ErrorKind;
use crate::aws::logs::{LogEvent, LogsApi};
use crate::resources::json_doc;

/// At most this many error lines are shown, the newest ones.
pub const MAX_ERROR_LINES: usize = 20;
/// How many of the newest events are searched for them (GetLogEvents' page is at most 10 000).
const TAIL_EVENTS: i32 = 500;

/// Where DMS writes the task's log, from its settings as DMS reports them
/// (`Logging.CloudWatchLogGroup`/`CloudWatchLogStream`, filled in when `EnableLogging` is true).
pub fn log_location(settings: Option<&str>) -> Option<(String, String)> {
    let doc = json_doc::parse(settings?).ok()?;
    let logging = doc.get("Logging")?;
    if logging.get("EnableLogging").and_then(|v| v.as_bool()) != Some(true) {
        return None;
    }
    let text = |k: &str| logging.get(k).and_then(|v| v.as_str()).filter(|s| !s.is_empty()).map(str::to_string);
    Some((text("CloudWatchLogGroup")?, text("CloudWatchLogStream")?))
}

/// An error or fatal line of a DMS task log: `[COMPONENT ]E:  text` / `]F:` (matched loosely,
/// anywhere in the line, as the exact layout is not documented).
fn is_error_line(message: &str) -> bool {
    message.contains("]E:") || message.contains("]F:")
}

/// The newest [`MAX_ERROR_LINES`] error lines of `events` (oldest first), one line each.
pub fn error_lines(events: &[LogEvent]) -> Vec<String> {
    let errors: Vec<String> =
        events.iter().filter(|e| is_error_line(&e.message)).map(|e| e.message.trim_end().replace('\n', " ")).collect();
    let skip = errors.len().saturating_sub(MAX_ERROR_LINES);
    errors.into_iter().skip(skip).collect()
}

/// The part of a failed task's apply error about its CloudWatch log: its last error lines, or one
/// line saying why there are none to show.
pub async fn log_section(logs: &dyn LogsApi, task: &ReplicationTask) -> String {
    let Some((group, stream)) = log_location(task.settings.as_deref()) else {
        return "The task's CloudWatch log: logging is off for this task (set `logging { enabled = true }` to have DMS write one).".to_string();
    };
    let events = match logs.tail_events(&group, &stream, TAIL_EVENTS).await {
        Ok(e) => e,
        Err(e) if e.kind == ErrorKind::NotFound => {
            return format!(
                "The task's CloudWatch log {group}/{stream} could not be read: it does not exist (yet); DMS writes it only when `dms-cloudwatch-logs-role` lets it ({e})."
            );
        }
        Err(e) => return format!("The task's CloudWatch log {group}/{stream} could not be read: {e}"),
    };
    let lines = error_lines(&events);
    if lines.is_empty() {
        return format!(
            "The task's CloudWatch log {group}/{stream} has no error lines among its last {} events.",
            events.len()
        );
    }
    format!(
        "Last error lines of the task's CloudWatch log {group}/{stream} ({}):\n  {}",
        lines.len(),
        lines.join("\n  ")
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::aws::error::AwsError;
    use crate::aws::fake::FakeLogs;

    const SETTINGS: &str = r#"{"Logging":{"EnableLogging":true,"CloudWatchLogGroup":"dms-tasks-rep","CloudWatchLogStream":"dms-task-ABC"}}"#;

    fn task(settings: &str) -> ReplicationTask {
        ReplicationTask { settings: Some(settings.to_string()), ..ReplicationTask::default() }
    }

    #[test]
    fn the_location_is_read_only_when_logging_is_enabled() {
        assert_eq!(log_location(Some(SETTINGS)), Some(("dms-tasks-rep".into(), "dms-task-ABC".into())));
        let off = r#"{"Logging":{"EnableLogging":false,"CloudWatchLogGroup":"g","CloudWatchLogStream":"s"}}"#;
        assert_eq!(log_location(Some(off)), None);
        let unnamed = r#"{"Logging":{"EnableLogging":true,"CloudWatchLogGroup":null,"CloudWatchLogStream":null}}"#;
        assert_eq!(log_location(Some(unnamed)), None);
        assert_eq!(log_location(Some("not json")), None);
        assert_eq!(log_location(None), None);
    }

    #[test]
    fn only_the_newest_twenty_error_and_fatal_lines_are_kept() {
        let mut events: Vec<LogEvent> =
            (0..30).map(|i| LogEvent { timestamp: i, message: format!("[SOURCE_UNLOAD   ]E:  error {i}\n") }).collect();
        events.push(LogEvent { timestamp: 30, message: "[TASK_MANAGER    ]I:  Task is stopping".into() });
        events.push(LogEvent { timestamp: 31, message: "[TASK_MANAGER    ]F:  fatal".into() });
        let got = error_lines(&events);
        assert_eq!(got.len(), MAX_ERROR_LINES);
        assert_eq!(got.first().unwrap(), "[SOURCE_UNLOAD   ]E:  error 11");
        assert_eq!(got.last().unwrap(), "[TASK_MANAGER    ]F:  fatal");
        assert!(got.iter().all(|l| !l.contains("]I:")));
    }

    #[tokio::test]
    async fn the_section_shows_the_error_lines_of_the_tasks_stream() {
        let logs = FakeLogs::new();
        logs.put_lines(
            "dms-tasks-rep",
            "dms-task-ABC",
            &["[TASK_MANAGER    ]I:  Task started", "[SOURCE_CAPTURE  ]E:  ORA-01017: invalid username/password"],
        );
        let got = log_section(&logs, &task(SETTINGS)).await;
        assert_eq!(
            got,
            "Last error lines of the task's CloudWatch log dms-tasks-rep/dms-task-ABC (1):\n  [SOURCE_CAPTURE  ]E:  ORA-01017: invalid username/password"
        );
        assert_eq!(logs.call_log(), vec!["tail_events dms-tasks-rep/dms-task-ABC"]);
    }

    #[tokio::test]
    async fn an_unreadable_log_gives_one_line_saying_why() {
        let logs = FakeLogs::new();
        let missing = log_section(&logs, &task(SETTINGS)).await;
        assert!(!missing.contains('\n') && missing.contains("does not exist (yet)"), "{missing}");
        logs.fail_next(
            "tail_events",
            AwsError::from_code("AccessDeniedException", "User is not authorized to perform: logs:GetLogEvents"),
        );
        let denied = log_section(&logs, &task(SETTINGS)).await;
        assert!(!denied.contains('\n') && denied.contains("logs:GetLogEvents"), "{denied}");
        let off = log_section(&logs, &task(r#"{"Logging":{"EnableLogging":false}}"#)).await;
        assert!(!off.contains('\n') && off.contains("logging is off"), "{off}");
    }
}
