//! Timed transitions under tokio's clock, shared by the DMS, EC2 and RDS fakes: an object's
//! pending steps, each due a given time after the previous one. Tests run with paused time
//! (`#[tokio::test(start_paused = true)]`), so a poller's sleep moves the clock and the object
//! with it, and `tokio::time::advance` does so by hand — the fakes' states follow time as the
//! emulator's do (its `timeline.py`), however often they are read.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Clone, Debug)]
pub(crate) struct Timeline<S> {
    /// When the last applied step was due (or the schedule was set).
    since: Instant,
    steps: VecDeque<(Duration, S)>,
    /// While held, nothing becomes due (to exercise timeouts); released, the steps due
    /// meanwhile apply.
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

/// The marker for "gone" in a [`Life`]'s steps.
pub(crate) const GONE: &str = "";

/// An object's status with its timed transitions; a step to [`GONE`] means the object is gone.
#[derive(Clone, Debug, Default)]
pub(crate) struct Life {
    pub(crate) status: String,
    pub(crate) next: Timeline<String>,
}

impl Life {
    /// In `status`, with nothing pending.
    pub(crate) fn new(status: &str) -> Life {
        Life { status: status.to_string(), next: Timeline::default() }
    }

    /// In `status`, with these timed transitions to follow.
    pub(crate) fn timed(status: &str, next: &[(Duration, &str)]) -> Life {
        let mut life = Life::new(status);
        life.next.set(next.iter().map(|(after, s)| (*after, s.to_string())));
        life
    }

    /// Puts the object into `status` with these timed transitions to follow.
    pub(crate) fn set(&mut self, status: &str, next: &[(Duration, &str)]) {
        self.status = status.to_string();
        self.next.set(next.iter().map(|(after, s)| (*after, s.to_string())));
    }

    /// Replaces the pending transitions: these statuses, one every `every`.
    pub(crate) fn script(&mut self, every: Duration, statuses: &[&str]) {
        self.next.set(statuses.iter().map(|s| (every, s.to_string())));
    }

    /// Applies the due transitions; `false` when the object is now gone.
    pub(crate) fn advance(&mut self) -> bool {
        self.advance_each(|_, _| {})
    }

    /// Applies the due transitions, calling `changed(from, to)` before each one is applied
    /// (e.g. to apply pending values when `modifying` ends); `false` when the object is now gone.
    pub(crate) fn advance_each(&mut self, mut changed: impl FnMut(&str, &str)) -> bool {
        while let Some(s) = self.next.pop_due() {
            if s == GONE {
                return false;
            }
            changed(&self.status, &s);
            self.status = s;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn steps_fall_due_in_order_and_holds_stop_them() {
        let mut t = Timeline::default();
        t.set([(SECOND, "a"), (2 * SECOND, "b")]);
        assert_eq!(t.pop_due(), None);
        tokio::time::advance(SECOND).await;
        assert_eq!(t.pop_due(), Some("a"));
        assert_eq!(t.pop_due(), None);
        t.held = true;
        tokio::time::advance(5 * SECOND).await;
        assert_eq!(t.pop_due(), None);
        t.held = false;
        assert_eq!(t.pop_due(), Some("b"));
        assert_eq!(t.pop_due(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn life_follows_time_reports_changes_and_goes() {
        let mut l = Life::timed("creating", &[(SECOND, "backing-up"), (SECOND, "available")]);
        assert!(l.advance());
        assert_eq!(l.status, "creating", "nothing is due yet, however often it is read");
        tokio::time::advance(3 * SECOND).await;
        let mut seen = Vec::new();
        assert!(l.advance_each(|from, to| seen.push(format!("{from}->{to}"))));
        assert_eq!(seen, ["creating->backing-up", "backing-up->available"]);
        assert_eq!(l.status, "available");
        l.set("deleting", &[(Duration::ZERO, GONE)]);
        assert!(!l.advance());
    }
}
