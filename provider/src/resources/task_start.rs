//! Starting a replication task right after one of its endpoints changed. `ModifyEndpoint` makes
//! DMS test the endpoint's connection from the replication instance itself, and
//! `StartReplicationTask` is refused meanwhile (`InvalidResourceStateFault` "Replication Task cannot
//! be started, invalid state", terraform-provider-aws#46139 and the acceptance output of PR #46516).
//! So the start waits while a connection of the task's endpoints on its instance is `testing`, then
//! retries on that refusal for a bounded window, looking at the task after every failure so that a
//! start whose answer was lost counts as done. A test that ends `failed` ends the wait: the task
//! stays stopped, and the error says how to resume it.

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::aws::dms::{DmsApi, ReplicationTask, StartType};
use crate::aws::error::{AwsError, ErrorKind};
use crate::backoff::{Backoff, sleep_unless_cancelled};
use crate::resources::step_kit::{Pace, retry_backoff};

/// How long a start keeps retrying on a state refusal (never beyond the operation's deadline).
pub const START_WINDOW: Duration = Duration::from_secs(300);

/// The pause between looks at a running connection test (DMS's take seconds to a minute).
fn test_poll() -> Backoff {
    Backoff::new(Duration::from_secs(2), 1.5, Duration::from_secs(10))
}

/// A deadline and a cancellation token as a [`Pace`] (for callers without a step run).
pub struct Deadline<'a> {
    pub deadline: Instant,
    pub cancel: &'a CancellationToken,
}

impl Pace for Deadline<'_> {
    fn deadline(&self) -> Instant {
        self.deadline
    }
    fn cancel(&self) -> &CancellationToken {
        self.cancel
    }
}

/// Why the task was not started.
#[derive(Debug)]
pub enum StartError {
    /// AWS refused the start (for longer than the window, or with another error), or a look failed.
    Aws(AwsError),
    /// The connection test DMS ran after the endpoint change failed.
    TestFailed { endpoint: String, message: String },
    /// The endpoint was still being tested when the window (or the deadline) passed, or the run was
    /// cancelled while waiting.
    StillTesting { endpoint: String },
}

impl StartError {
    /// The sentence for the user (not for [`StartError::Aws`], which the caller words), with the
    /// way to resume the task `task_arn` by hand.
    pub fn message(&self, task_arn: &str) -> String {
        let resume = format!(
            "The task stays stopped. Once the endpoint's connection test succeeds (`aws dms describe-connections`), \
             resume it with `aws dms start-replication-task --replication-task-arn {task_arn} \
             --start-replication-task-type resume-processing`, or apply again after fixing the endpoint."
        );
        match self {
            StartError::Aws(e) => e.to_string(),
            StartError::TestFailed { endpoint, message } => format!(
                "the connection test DMS ran after the change of endpoint {endpoint} failed: {message}. Check the \
                 endpoint's settings (server, port, database, user name, password, SSL mode) and that the \
                 replication instance can reach the database. {resume}"
            ),
            StartError::StillTesting { endpoint } => format!(
                "endpoint {endpoint} was still being tested by DMS after the change when the wait ended (DMS does \
                 not start a task while one of its endpoints is being tested). {resume}"
            ),
        }
    }
}

/// Starts `task` (`start_type`) once no connection of its endpoints on its instance is being
/// tested. After a failure the task is looked at: `started` says whether it shows the start (a
/// lost answer, or the SDK's retry meeting the task `starting`); `look_after` picks further errors
/// than a lost answer and `InvalidResourceStateFault` after which to look. A state refusal is
/// retried with the shared backoff for [`START_WINDOW`] at most, waiting for the endpoint tests
/// again before each attempt.
pub async fn start_after_endpoint_tests(
    dms: &dyn DmsApi,
    pace: &impl Pace,
    task: &ReplicationTask,
    start_type: StartType,
    started: impl Fn(&ReplicationTask) -> bool,
    look_after: impl Fn(&AwsError) -> bool,
) -> Result<(), StartError> {
    let until = (Instant::now() + START_WINDOW).min(pace.deadline());
    let mut backoff = retry_backoff();
    loop {
        wait_for_endpoint_tests(dms, pace, task, until).await?;
        let e = match dms.start_replication_task(&task.arn, start_type).await {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        let refused_state = e.kind == ErrorKind::InvalidState;
        if !(e.outcome_unknown() || refused_state || look_after(&e)) {
            return Err(StartError::Aws(e));
        }
        let now = dms.find_replication_task_by_arn(&task.arn).await.map_err(StartError::Aws)?;
        if now.as_ref().is_some_and(&started) {
            tracing::info!(task = %task.id, "the start took effect although its answer was lost ({e})");
            return Ok(());
        }
        if now.is_none()
            || !refused_state
            || Instant::now() + backoff.interval() >= until
            || pace.cancel().is_cancelled()
        {
            return Err(StartError::Aws(e));
        }
        let pause = backoff.next_delay();
        tracing::info!(task = %task.id, "DMS refused the start ({e}); trying again in {pause:?}");
        if !sleep_unless_cancelled(pause, pace.cancel()).await {
            return Err(StartError::Aws(e));
        }
    }
}

/// Waits while a connection of the task's endpoints on its instance is `testing`, until `until`.
/// A test seen running that ends `failed` is an error; an earlier failed test is not this
/// change's (the start itself then says whether DMS takes it).
async fn wait_for_endpoint_tests(
    dms: &dyn DmsApi,
    pace: &impl Pace,
    task: &ReplicationTask,
    until: Instant,
) -> Result<(), StartError> {
    for endpoint_arn in [&task.source_endpoint_arn, &task.target_endpoint_arn] {
        let mut seen_testing: Option<String> = None;
        let mut backoff = test_poll();
        loop {
            let conn = match dms.find_connection(&task.replication_instance_arn, endpoint_arn).await {
                Ok(c) => c,
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(StartError::Aws(e)),
            };
            let Some(conn) = conn else { break };
            match (conn.status.as_str(), &seen_testing) {
                ("testing", _) => {
                    let endpoint = match &seen_testing {
                        Some(id) => id.clone(),
                        None => {
                            let id = endpoint_id(dms, endpoint_arn).await;
                            tracing::info!("endpoint {id} is being tested after the change; waiting");
                            seen_testing = Some(id.clone());
                            id
                        }
                    };
                    if Instant::now() + backoff.interval() >= until || pace.cancel().is_cancelled() {
                        return Err(StartError::StillTesting { endpoint });
                    }
                    if !sleep_unless_cancelled(backoff.next_delay(), pace.cancel()).await {
                        return Err(StartError::StillTesting { endpoint });
                    }
                }
                ("failed", Some(endpoint)) => {
                    let message = conn.last_failure_message.unwrap_or_else(|| "DMS gave no message".to_string());
                    return Err(StartError::TestFailed { endpoint: endpoint.clone(), message });
                }
                _ => break,
            }
        }
    }
    Ok(())
}

/// The endpoint's identifier for messages; its ARN when it cannot be read.
async fn endpoint_id(dms: &dyn DmsApi, arn: &str) -> String {
    match dms.find_endpoint_by_arn(arn).await {
        Ok(Some(ep)) => ep.id,
        _ => arn.to_string(),
    }
}
