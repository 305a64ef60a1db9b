//! `FakeLogs`: CloudWatch Logs streams in memory, enough for reading a task's log tail.
//!
//! Rules (CloudWatch Logs error codes, as moto and the emulator answer): an unknown group or stream
//! `ResourceNotFoundException` ("The specified log group does not exist." / "The specified log
//! stream does not exist."); `GetLogEvents` with `startFromHead=false` returns the newest `limit`
//! events, oldest first.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::{Recorder, locked};
use crate::aws::error::AwsError;
use crate::aws::logs::{LogEvent, LogsApi};

/// Operation names accepted by [`FakeLogs::fail_next`] (the `LogsApi` method names).
pub const OPS: &[&str] = &["tail_events"];
/// None of them changes anything.
pub const LOSABLE_OPS: &[&str] = &[];

#[derive(Default)]
struct State {
    rec: Recorder,
    /// Group name → stream name → events, oldest first.
    groups: BTreeMap<String, BTreeMap<String, Vec<LogEvent>>>,
    clock: i64,
}

/// See the module documentation.
#[derive(Default)]
pub struct FakeLogs {
    state: Mutex<State>,
}

impl FakeLogs {
    pub fn new() -> FakeLogs {
        FakeLogs::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        locked(&self.state)
    }

    // ---- test controls -------------------------------------------------------------------

    recorder_controls!("FakeLogs");

    /// Appends `lines` to the stream, creating its group and stream as needed (what DMS does
    /// when it writes a task's log).
    pub fn put_lines(&self, group: &str, stream: &str, lines: &[&str]) {
        let mut st = self.lock();
        let mut clock = st.clock;
        let events = st.groups.entry(group.to_string()).or_default().entry(stream.to_string()).or_default();
        for l in lines {
            clock += 1;
            events.push(LogEvent { timestamp: clock, message: l.to_string() });
        }
        st.clock = clock;
    }
}

#[async_trait]
impl LogsApi for FakeLogs {
    async fn tail_events(&self, group: &str, stream: &str, limit: i32) -> Result<Vec<LogEvent>, AwsError> {
        let served = self.served_tail_events(group, stream, limit);
        self.answer("tail_events", served)
    }
}

impl FakeLogs {
    fn served_tail_events(&self, group: &str, stream: &str, limit: i32) -> Result<Vec<LogEvent>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("tail_events", format!("{group}/{stream}"))?;
        let Some(streams) = st.groups.get(group) else {
            return Err(AwsError::from_code("ResourceNotFoundException", "The specified log group does not exist."));
        };
        let Some(events) = streams.get(stream) else {
            return Err(AwsError::from_code("ResourceNotFoundException", "The specified log stream does not exist."));
        };
        let keep = usize::try_from(limit.max(1)).unwrap_or(1).min(events.len());
        Ok(events[events.len() - keep..].to_vec())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::aws::error::ErrorKind;

    #[tokio::test]
    async fn the_tail_is_the_newest_events_oldest_first_and_unknown_streams_are_not_found() {
        let logs = FakeLogs::new();
        logs.put_lines("g", "s", &["a", "b", "c"]);
        let got: Vec<String> = logs.tail_events("g", "s", 2).await.unwrap().into_iter().map(|e| e.message).collect();
        assert_eq!(got, vec!["b", "c"]);
        assert_eq!(logs.tail_events("g", "other", 2).await.unwrap_err().kind, ErrorKind::NotFound);
        assert_eq!(logs.tail_events("nope", "s", 2).await.unwrap_err().kind, ErrorKind::NotFound);
    }
}
