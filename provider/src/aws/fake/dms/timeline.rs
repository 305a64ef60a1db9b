//! Timed transitions under tokio's clock: an object's pending steps, each due a given time after
//! the previous one. Tests run with paused time (`#[tokio::test(start_paused = true)]`), so a
//! poller's sleep moves the clock and the object with it, and `tokio::time::advance` does so by
//! hand — the fake's states follow time as the emulator's do, however often they are read.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Clone, Debug)]
pub(crate) struct Timeline<S> {
    /// When the last applied step was due (or the schedule was set).
    since: Instant,
    steps: VecDeque<(Duration, S)>,
    /// While held, nothing becomes due (to exercise timeouts).
    pub(crate) held: bool,
}

impl<S> Default for Timeline<S> {
    fn default() -> Timeline<S> {
        Timeline { since: Instant::now(), steps: VecDeque::new(), held: false }
    }
}

impl<S> Timeline<S> {
    /// Replaces the pending steps; the first is due `steps[0].0` from now.
    pub(crate) fn set(&mut self, steps: impl IntoIterator<Item = (Duration, S)>) {
        self.since = Instant::now();
        self.steps = steps.into_iter().collect();
    }

    pub(crate) fn clear(&mut self) {
        self.steps.clear();
    }

    /// The next step if it is due now (each later step is timed from this one's due time, so
    /// the history does not depend on how often the object is read).
    pub(crate) fn pop_due(&mut self) -> Option<S> {
        if self.held {
            return None;
        }
        let (after, _) = self.steps.front()?;
        let due = self.since + *after;
        if due > Instant::now() {
            return None;
        }
        self.since = due;
        self.steps.pop_front().map(|(_, s)| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn steps_fall_due_in_order_and_holds_stop_them() {
        let mut t = Timeline::default();
        t.set([(Duration::from_secs(1), "a"), (Duration::from_secs(2), "b")]);
        assert_eq!(t.pop_due(), None);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(t.pop_due(), Some("a"));
        assert_eq!(t.pop_due(), None);
        t.held = true;
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(t.pop_due(), None);
        t.held = false;
        assert_eq!(t.pop_due(), Some("b"));
        assert_eq!(t.pop_due(), None);
    }
}
