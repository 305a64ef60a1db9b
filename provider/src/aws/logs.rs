//! The CloudWatch Logs call dmslink makes: reading the tail of a replication task's log
//! (`dms-tasks-<instance id>` / `dms-task-<task resource id>`, written by DMS when the task's
//! `Logging.EnableLogging` is true) so a failed start can show its last error lines.

use async_trait::async_trait;

use super::error::AwsError;

/// One log event: milliseconds since the epoch and its text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogEvent {
    pub timestamp: i64,
    pub message: String,
}

#[async_trait]
pub trait LogsApi: Send + Sync {
    /// The last `limit` events of a log stream, oldest first (`GetLogEvents` with
    /// `startFromHead=false`). `ResourceNotFoundException` (kind `NotFound`) when the group or the
    /// stream does not exist (yet).
    async fn tail_events(&self, group: &str, stream: &str, limit: i32) -> Result<Vec<LogEvent>, AwsError>;
}
