//! A generic poller: refresh an object until its state reaches a target set, with exponential
//! backoff and jitter, consecutive-hit counts where AWS flaps, a deadline and prompt cancellation.
//!
//! ```text
//! let spec = Wait::new("DMS replication task (my-task)", &["creating"], &["ready"])
//!     .failure(&["failed"])
//!     .timeout(Duration::from_secs(20 * 60))
//!     .options(WaitOptions { initial_delay: Duration::from_secs(30), ..WaitOptions::default() });
//! let task = wait_for(&spec, &ctx.cancel, || dms.find_replication_task_by_arn(&arn)).await?;
//! ```

use std::fmt;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::backoff::{Backoff, sleep_unless_cancelled};

use super::error::{AwsError, ErrorKind};

/// Something with a state string a waiter can watch. Each service module implements it for its own
/// types (`aws/dms.rs`, `aws/ec2.rs`, `aws/rds.rs`), so this poller names no domain type.
pub trait WaitState {
    fn state(&self) -> &str;
    /// Extra words for errors when the object lands in a failure state (a stop reason, the last
    /// failure message).
    fn failure_detail(&self) -> Option<String> {
        None
    }
    /// How far along the object is (a task's full load), for the progress lines.
    fn progress(&self) -> Option<String> {
        None
    }
}

impl WaitState for String {
    fn state(&self) -> &str {
        self
    }
}

/// `impl WaitState` for domain types whose state is one field.
macro_rules! wait_state_field {
    ($($t:ty => $field:ident),* $(,)?) => {
        $(impl $crate::aws::wait::WaitState for $t {
            fn state(&self) -> &str {
                &self.$field
            }
        })*
    };
}
pub(crate) use wait_state_field;

/// Pacing of the polls.
#[derive(Clone, Debug)]
pub struct WaitOptions {
    /// Sleep before the first refresh (AWS often answers the old state right after an action).
    pub initial_delay: Duration,
    /// The first interval between refreshes; also the floor.
    pub min_interval: Duration,
    /// The ceiling of the interval.
    pub max_interval: Duration,
    /// Each interval is the previous one times this factor (≥ 1).
    pub backoff: f64,
    /// Each sleep is randomised by ± this fraction (0 for none).
    pub jitter: f64,
    /// How many refreshes in a row must see a target state (where AWS flaps).
    pub consecutive_target_hits: u32,
    /// For deletes: the object being gone counts as reaching the target.
    pub not_found_ok_as_target: bool,
    /// How many refreshes in a row may find nothing before the waiter gives up (when gone is not
    /// a target); covers eventual consistency right after a create.
    pub not_found_checks: u32,
    /// How many refreshes in a row may fail with an AWS server error (5xx, after all of the SDK's
    /// attempts) before the waiter gives up: a refresh is a read, so a hiccup is polled through,
    /// while an outage still ends the wait long before its deadline.
    pub server_error_checks: u32,
    /// How often an INFO progress line is written.
    pub progress_every: Duration,
}

impl Default for WaitOptions {
    fn default() -> WaitOptions {
        WaitOptions {
            initial_delay: Duration::ZERO,
            min_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(30),
            backoff: 1.5,
            jitter: 0.1,
            consecutive_target_hits: 1,
            not_found_ok_as_target: false,
            not_found_checks: 20,
            server_error_checks: 3,
            progress_every: Duration::from_secs(30),
        }
    }
}

/// What to wait for. `what` names the object in messages: `DMS replication task (my-task)`.
#[derive(Clone, Debug)]
pub struct Wait<'a> {
    pub what: &'a str,
    pub pending: &'a [&'a str],
    pub target: &'a [&'a str],
    /// States that end the wait with [`WaitError::Failed`].
    pub failure: &'a [&'a str],
    pub timeout: Duration,
    pub opts: WaitOptions,
}

impl<'a> Wait<'a> {
    pub fn new(what: &'a str, pending: &'a [&'a str], target: &'a [&'a str]) -> Wait<'a> {
        Wait {
            what,
            pending,
            target,
            failure: &[],
            timeout: Duration::from_secs(20 * 60),
            opts: WaitOptions::default(),
        }
    }
    pub fn failure(mut self, states: &'a [&'a str]) -> Wait<'a> {
        self.failure = states;
        self
    }
    pub fn timeout(mut self, timeout: Duration) -> Wait<'a> {
        self.timeout = timeout;
        self
    }
    pub fn options(mut self, opts: WaitOptions) -> Wait<'a> {
        self.opts = opts;
        self
    }
    /// Deletes: gone is the target.
    pub fn gone_is_target(mut self) -> Wait<'a> {
        self.opts.not_found_ok_as_target = true;
        self
    }
    pub fn consecutive(mut self, hits: u32) -> Wait<'a> {
        self.opts.consecutive_target_hits = hits.max(1);
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitError {
    /// The deadline passed; `last_state` is what the last refresh saw (`None`: nothing seen yet,
    /// or the object was gone).
    /// `last_detail`: what the object said about itself then (a task's stop reason and last failure).
    TimedOut {
        what: String,
        waited: Duration,
        target: Vec<String>,
        last_state: Option<String>,
        last_detail: Option<String>,
    },
    /// The object reached a state listed as a failure.
    Failed { what: String, state: String, detail: Option<String> },
    /// The object reached a state that is neither pending, target nor failure.
    UnexpectedState { what: String, state: String, expected: Vec<String>, detail: Option<String> },
    /// The object disappeared (and gone was not a target).
    Gone { what: String, last_state: Option<String> },
    /// StopProvider (Ctrl-C) cancelled the wait.
    Cancelled { what: String, last_state: Option<String> },
    /// A refresh failed.
    Aws(AwsError),
}

fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s}s"),
        _ => format!("{h}h{m}m{s}s"),
    }
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::TimedOut { what, waited, target, last_state, last_detail } => {
                write!(
                    f,
                    "timed out after {} waiting for {what} to become {}",
                    fmt_duration(*waited),
                    target.join(" or ")
                )?;
                match (last_state, last_detail) {
                    (Some(s), Some(d)) => write!(f, " (last state: {s}; {d})"),
                    (Some(s), None) => write!(f, " (last state: {s})"),
                    (None, _) => write!(f, " (no state seen yet)"),
                }
            }
            WaitError::Failed { what, state, detail } => {
                write!(f, "{what} entered the failure state {state:?}")?;
                if let Some(d) = detail {
                    write!(f, " ({d})")?;
                }
                Ok(())
            }
            WaitError::UnexpectedState { what, state, expected, detail } => {
                write!(f, "{what} is in the unexpected state {state:?}, expected {}", expected.join(" or "))?;
                if let Some(d) = detail {
                    write!(f, " ({d})")?;
                }
                Ok(())
            }
            WaitError::Gone { what, last_state } => {
                write!(f, "{what} disappeared while waiting")?;
                if let Some(s) = last_state {
                    write!(f, " (last state: {s})")?;
                }
                Ok(())
            }
            WaitError::Cancelled { what, last_state } => {
                write!(f, "cancelled while waiting for {what}")?;
                if let Some(s) = last_state {
                    write!(f, " (last state: {s})")?;
                }
                Ok(())
            }
            WaitError::Aws(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for WaitError {}

impl WaitError {
    pub fn last_state(&self) -> Option<&str> {
        match self {
            WaitError::TimedOut { last_state, .. }
            | WaitError::Gone { last_state, .. }
            | WaitError::Cancelled { last_state, .. } => last_state.as_deref(),
            WaitError::Failed { state, .. } | WaitError::UnexpectedState { state, .. } => Some(state),
            WaitError::Aws(_) => None,
        }
    }
}

/// One error type for resources: timeouts → `TimedOut`, cancellation → `Cancelled`, failure and
/// unexpected states → `InvalidState` (code `UnexpectedState`), gone → `NotFound`.
impl From<WaitError> for AwsError {
    fn from(e: WaitError) -> AwsError {
        let kind = match &e {
            WaitError::Aws(inner) => return inner.clone(),
            WaitError::TimedOut { .. } => ErrorKind::TimedOut,
            WaitError::Cancelled { .. } => ErrorKind::Cancelled,
            WaitError::Failed { .. } | WaitError::UnexpectedState { .. } => ErrorKind::InvalidState,
            WaitError::Gone { .. } => ErrorKind::NotFound,
        };
        let code = match kind {
            ErrorKind::TimedOut => "WaitTimedOut",
            ErrorKind::Cancelled => "Cancelled",
            ErrorKind::NotFound => "NotFound",
            _ => "UnexpectedState",
        };
        AwsError::new(kind, code, e.to_string())
    }
}

impl From<AwsError> for WaitError {
    fn from(e: AwsError) -> WaitError {
        WaitError::Aws(e)
    }
}

/// Polls `refresh` until the state is in `spec.target` (for `consecutive_target_hits` refreshes in
/// a row), returning the last object seen; `Ok(None)` only when gone is a target.
///
/// A refresh answering `Ok(None)` or a `NotFound` error means "gone"; `Throttled` errors are
/// logged and polled again; any other error ends the wait.
pub async fn wait_for<S, F, Fut>(
    spec: &Wait<'_>,
    cancel: &CancellationToken,
    mut refresh: F,
) -> Result<Option<S>, WaitError>
where
    S: WaitState,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<S>, AwsError>>,
{
    let opts = &spec.opts;
    let what = spec.what;
    let start = Instant::now();
    let deadline = start + spec.timeout;
    let needed = opts.consecutive_target_hits.max(1);
    let mut pace = Backoff::new(opts.min_interval, opts.backoff, opts.max_interval).jitter(opts.jitter);
    let min_iv = pace.floor();

    let mut last_state: Option<String> = None;
    let mut hits = 0u32;
    let mut not_found = 0u32;
    let mut server_errors = 0u32;
    let mut gone = false;
    let mut last_progress = start;
    let mut last_detail: Option<String> = None;
    let mut progress: Option<String> = None;

    let cancelled =
        |last_state: &Option<String>| WaitError::Cancelled { what: what.to_string(), last_state: last_state.clone() };
    let timed_out = |last_state: &Option<String>, last_detail: &Option<String>| WaitError::TimedOut {
        what: what.to_string(),
        waited: spec.timeout,
        target: spec.target.iter().map(|s| s.to_string()).collect(),
        last_state: last_state.clone(),
        last_detail: last_detail.clone(),
    };

    let first = opts.initial_delay.min(spec.timeout);
    if !sleep_unless_cancelled(first, cancel).await {
        return Err(cancelled(&last_state));
    }

    loop {
        let result = tokio::select! {
            _ = cancel.cancelled() => return Err(cancelled(&last_state)),
            r = tokio::time::timeout_at(deadline.max(Instant::now() + min_iv), refresh()) => r,
        };
        let now = Instant::now();
        let result = match result {
            Ok(r) => r,
            // The refresh itself hung past the deadline.
            Err(_) => return Err(timed_out(&last_state, &last_detail)),
        };
        let found = match result {
            Ok(v) => {
                server_errors = 0;
                v
            }
            Err(e) if e.kind == ErrorKind::NotFound => None,
            // Throttling, or a 5xx (bounded by `server_error_checks`): AWS answered busy to every
            // attempt of this read; ask again later.
            Err(e)
                if e.kind == ErrorKind::Throttled || (e.is_busy() && server_errors + 1 < opts.server_error_checks) =>
            {
                if e.kind != ErrorKind::Throttled {
                    server_errors += 1;
                }
                tracing::debug!(what, error = %e, "AWS busy while waiting; polling again");
                hits = 0;
                if now >= deadline {
                    return Err(timed_out(&last_state, &last_detail));
                }
                let d = pace.next_delay().min(deadline.saturating_duration_since(now));
                if !sleep_unless_cancelled(d, cancel).await {
                    return Err(cancelled(&last_state));
                }
                continue;
            }
            Err(e) => return Err(WaitError::Aws(e)),
        };

        match found {
            None => {
                if !gone {
                    tracing::debug!(what, from = last_state.as_deref().unwrap_or("-"), to = "(gone)", "state changed");
                    gone = true;
                }
                if opts.not_found_ok_as_target {
                    hits += 1;
                    if hits >= needed {
                        return Ok(None);
                    }
                } else {
                    hits = 0;
                    not_found += 1;
                    if not_found > opts.not_found_checks {
                        return Err(WaitError::Gone { what: what.to_string(), last_state });
                    }
                }
            }
            Some(obj) => {
                not_found = 0;
                let state = obj.state().to_string();
                if gone || last_state.as_deref() != Some(state.as_str()) {
                    tracing::debug!(
                        what,
                        from = last_state.as_deref().unwrap_or("-"),
                        to = state.as_str(),
                        elapsed_s = now.duration_since(start).as_secs(),
                        "state changed"
                    );
                }
                gone = false;
                last_state = Some(state.clone());
                last_detail = obj.failure_detail();
                progress = obj.progress();
                if spec.target.contains(&state.as_str()) {
                    hits += 1;
                    if hits >= needed {
                        return Ok(Some(obj));
                    }
                } else {
                    hits = 0;
                    if spec.failure.contains(&state.as_str()) {
                        return Err(WaitError::Failed { what: what.to_string(), state, detail: obj.failure_detail() });
                    }
                    if !spec.pending.contains(&state.as_str()) {
                        return Err(WaitError::UnexpectedState {
                            what: what.to_string(),
                            state,
                            expected: spec.target.iter().map(|s| s.to_string()).collect(),
                            detail: obj.failure_detail(),
                        });
                    }
                }
            }
        }

        if now.duration_since(last_progress) >= opts.progress_every {
            last_progress = now;
            tracing::info!(
                what,
                state = if gone { "(gone)" } else { last_state.as_deref().unwrap_or("-") },
                progress = progress.as_deref().unwrap_or("-"),
                elapsed = %fmt_duration(now.duration_since(start)),
                "still waiting"
            );
        }

        if now >= deadline {
            return Err(timed_out(&last_state, &last_detail));
        }
        // While counting consecutive hits, re-check at the floor interval.
        let d = if hits > 0 { pace.floor_delay() } else { pace.next_delay() };
        if !sleep_unless_cancelled(d.min(deadline.saturating_duration_since(now)), cancel).await {
            return Err(cancelled(&last_state));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};

    type Answer = Result<Option<String>, AwsError>;

    /// A scripted refresh: each call pops the next answer; the last one repeats.
    #[derive(Clone)]
    struct Script {
        answers: Arc<Mutex<VecDeque<Answer>>>,
        calls: Arc<Mutex<u32>>,
    }

    impl Script {
        fn new(states: &[Option<&str>]) -> Script {
            Script {
                answers: Arc::new(Mutex::new(states.iter().map(|s| Ok(s.map(str::to_string))).collect())),
                calls: Arc::new(Mutex::new(0)),
            }
        }
        fn refresh(&self) -> impl Future<Output = Result<Option<String>, AwsError>> + use<> {
            let answers = self.answers.clone();
            let calls = self.calls.clone();
            async move {
                *calls.lock().unwrap() += 1;
                let mut a = answers.lock().unwrap();
                if a.len() > 1 { a.pop_front().unwrap() } else { a.front().cloned().unwrap() }
            }
        }
        fn calls(&self) -> u32 {
            *self.calls.lock().unwrap()
        }
    }

    fn quick() -> WaitOptions {
        WaitOptions {
            initial_delay: Duration::ZERO,
            min_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(10),
            backoff: 2.0,
            jitter: 0.0,
            ..WaitOptions::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn wait_reaches_target() {
        let s = Script::new(&[Some("creating"), Some("creating"), Some("ready")]);
        let spec = Wait::new("task (t)", &["creating"], &["ready"]).options(quick());
        let start = Instant::now();
        let got = wait_for(&spec, &CancellationToken::new(), || s.refresh()).await;
        assert_eq!(got, Ok(Some("ready".to_string())));
        assert_eq!(s.calls(), 3);
        // 1 s, then 2 s (backoff 2).
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn wait_honours_initial_delay_and_max_interval() {
        let s = Script::new(&[Some("a"), Some("a"), Some("a"), Some("a"), Some("a"), Some("b")]);
        let opts =
            WaitOptions { initial_delay: Duration::from_secs(30), max_interval: Duration::from_secs(4), ..quick() };
        let spec = Wait::new("x", &["a"], &["b"]).options(opts);
        let start = Instant::now();
        let got = wait_for(&spec, &CancellationToken::new(), || s.refresh()).await;
        assert_eq!(got, Ok(Some("b".to_string())));
        // 30 + 1 + 2 + 4 + 4 + 4
        assert_eq!(start.elapsed(), Duration::from_secs(45));
    }

    #[tokio::test(start_paused = true)]
    async fn wait_requires_consecutive_target_hits() {
        // AWS flaps: stopped, stopping, stopped, stopped.
        let s = Script::new(&[Some("stopping"), Some("stopped"), Some("stopping"), Some("stopped"), Some("stopped")]);
        let spec = Wait::new("task (t)", &["stopping", "running"], &["stopped"]).options(quick()).consecutive(2);
        let got = wait_for(&spec, &CancellationToken::new(), || s.refresh()).await;
        assert_eq!(got, Ok(Some("stopped".to_string())));
        assert_eq!(s.calls(), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn wait_fails_on_failure_state_with_detail() {
        /// An object that says why it failed, as a replication task does.
        #[derive(Debug)]
        struct Task(String);
        impl WaitState for Task {
            fn state(&self) -> &str {
                &self.0
            }
            fn failure_detail(&self) -> Option<String> {
                Some("last failure: Error loading table".to_string())
            }
        }
        let task = |status: &str| Task(status.to_string());
        let mut n = 0;
        let spec =
            Wait::new("DMS replication task (t)", &["starting"], &["running"]).failure(&["failed"]).options(quick());
        let got = wait_for(&spec, &CancellationToken::new(), || {
            n += 1;
            let t = if n < 2 { task("starting") } else { task("failed") };
            async move { Ok(Some(t)) }
        })
        .await;
        let err = got.unwrap_err();
        assert!(matches!(&err, WaitError::Failed { state, .. } if state == "failed"), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("failure state \"failed\"") && msg.contains("Error loading table"), "{msg}");
        assert_eq!(AwsError::from(err).kind, ErrorKind::InvalidState);
    }

    #[tokio::test(start_paused = true)]
    async fn wait_rejects_unexpected_state() {
        let s = Script::new(&[Some("creating"), Some("deleting")]);
        let spec = Wait::new("task (t)", &["creating"], &["ready"]).options(quick());
        let err = wait_for(&spec, &CancellationToken::new(), || s.refresh()).await.unwrap_err();
        assert_eq!(err.last_state(), Some("deleting"));
        assert!(err.to_string().contains("unexpected state \"deleting\", expected ready"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn wait_timeout_message_includes_last_state() {
        let s = Script::new(&[Some("creating")]);
        let spec = Wait::new("DMS replication task (t)", &["creating"], &["ready"])
            .options(quick())
            .timeout(Duration::from_secs(60));
        let start = Instant::now();
        let err = wait_for(&spec, &CancellationToken::new(), || s.refresh()).await.unwrap_err();
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        assert!(matches!(err, WaitError::TimedOut { .. }));
        assert_eq!(
            err.to_string(),
            "timed out after 1m0s waiting for DMS replication task (t) to become ready (last state: creating)"
        );
        assert_eq!(AwsError::from(err).kind, ErrorKind::TimedOut);
    }

    #[tokio::test(start_paused = true)]
    async fn wait_cancellation_ends_promptly() {
        let s = Script::new(&[Some("creating")]);
        let opts =
            WaitOptions { min_interval: Duration::from_secs(30), max_interval: Duration::from_secs(60), ..quick() };
        let spec = Wait::new("task (t)", &["creating"], &["ready"]).options(opts).timeout(Duration::from_secs(3600));
        let cancel = crate::backoff::cancelled_after(Duration::from_secs(5));
        let start = Instant::now();
        let err = wait_for(&spec, &cancel, || s.refresh()).await.unwrap_err();
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        assert_eq!(err, WaitError::Cancelled { what: "task (t)".into(), last_state: Some("creating".into()) });
    }

    #[tokio::test(start_paused = true)]
    async fn wait_cancellation_interrupts_a_hanging_refresh() {
        let spec = Wait::new("task (t)", &["creating"], &["ready"]).options(quick());
        let cancel = crate::backoff::cancelled_after(Duration::from_secs(2));
        let start = Instant::now();
        let err = wait_for(&spec, &cancel, std::future::pending::<Answer>).await;
        assert!(matches!(err, Err(WaitError::Cancelled { .. })));
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn wait_not_found_is_target_for_delete() {
        let s = Script::new(&[Some("deleting"), Some("deleting"), None]);
        let spec = Wait::new("task (t)", &["deleting"], &[]).options(quick()).gone_is_target();
        let got = wait_for(&spec, &CancellationToken::new(), || s.refresh()).await;
        assert_eq!(got, Ok(None));

        // A NotFound error counts as gone too.
        let mut n = 0;
        let got = wait_for(&spec, &CancellationToken::new(), || {
            n += 1;
            let r = if n < 2 {
                Ok(Some("deleting".to_string()))
            } else {
                Err(AwsError::from_code("ResourceNotFoundFault", "no such task"))
            };
            async move { r }
        })
        .await;
        assert_eq!(got, Ok(None));
    }

    #[tokio::test(start_paused = true)]
    async fn wait_gives_up_when_object_stays_gone() {
        let s = Script::new(&[Some("creating"), None]);
        let opts = WaitOptions { not_found_checks: 3, ..quick() };
        let spec = Wait::new("task (t)", &["creating"], &["ready"]).options(opts);
        let err = wait_for(&spec, &CancellationToken::new(), || s.refresh()).await.unwrap_err();
        assert_eq!(err, WaitError::Gone { what: "task (t)".into(), last_state: Some("creating".into()) });
        assert_eq!(s.calls(), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn wait_retries_throttling_and_stops_on_other_errors() {
        let mut n = 0;
        let spec = Wait::new("task (t)", &["creating"], &["ready"]).options(quick());
        let got = wait_for(&spec, &CancellationToken::new(), || {
            n += 1;
            let r = match n {
                1 => Err(AwsError::from_code("ThrottlingException", "slow down")),
                _ => Ok(Some("ready".to_string())),
            };
            async move { r }
        })
        .await;
        assert_eq!(got, Ok(Some("ready".to_string())));

        let denied = AwsError::from_code("AccessDeniedFault", "no");
        let d2 = denied.clone();
        let got = wait_for(&spec, &CancellationToken::new(), || {
            let r: Result<Option<String>, AwsError> = Err(d2.clone());
            async move { r }
        })
        .await;
        assert_eq!(got, Err(WaitError::Aws(denied)));
    }

    /// A refresh is a read: when AWS answered 5xx to every one of the SDK's attempts (seen in CI:
    /// ten tasks' coalesced DescribeReplicationInstances met 26 faults in a row, the last an HTTP
    /// 500 `InternalFailure`), the wait polls again, as it does after throttling; only
    /// `server_error_checks` such refreshes in a row end it.
    #[tokio::test(start_paused = true)]
    async fn wait_polls_again_after_a_server_error_and_gives_up_on_an_outage() {
        let busy =
            AwsError::from_code("InternalFailure", "The request processing has failed because of an unknown error.");
        let mut n = 0;
        let spec = Wait::new("instance (i)", &["modifying"], &["available"]).options(quick());
        let b = busy.clone();
        let got = wait_for(&spec, &CancellationToken::new(), || {
            n += 1;
            let r = match n {
                1 | 2 => Err(b.clone()),
                3 => Ok(Some("modifying".to_string())),
                4 => Err(AwsError::from_code("ServiceUnavailable", "try later")),
                _ => Ok(Some("available".to_string())),
            };
            async move { r }
        })
        .await;
        assert_eq!(got, Ok(Some("available".to_string())));
        assert_eq!(n, 5);

        let opts = WaitOptions { server_error_checks: 3, ..quick() };
        let spec = Wait::new("instance (i)", &["modifying"], &["available"]).options(opts);
        let mut calls = 0;
        let got = wait_for(&spec, &CancellationToken::new(), || {
            calls += 1;
            let r: Result<Option<String>, AwsError> = Err(busy.clone());
            async move { r }
        })
        .await;
        assert_eq!(got, Err(WaitError::Aws(busy)));
        assert_eq!(calls, 3, "three refreshes that each met a 5xx to the end, then the error");
    }
}
