//! The one backoff every wait, retry and poll uses: an interval that starts at a floor, grows by a
//! factor up to a ceiling, and is randomised by a jitter fraction; a sleep that ends early when
//! the operation is cancelled (`StopProvider`, Ctrl-C); and the one poll loop over both ([`poll`]).
//! Knows nothing of AWS or Terraform.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Pacing of repeated attempts.
#[derive(Clone, Debug)]
pub struct Backoff {
    floor: Duration,
    ceiling: Duration,
    factor: f64,
    jitter: f64,
    current: Duration,
}

impl Backoff {
    /// Starts at `floor` (at least 1 ms), multiplies by `factor` (≥ 1) per [`Backoff::grow`], never
    /// beyond `ceiling`. No jitter until [`Backoff::jitter`].
    pub fn new(floor: Duration, factor: f64, ceiling: Duration) -> Backoff {
        let floor = floor.max(Duration::from_millis(1));
        let factor = if factor.is_finite() && factor >= 1.0 { factor } else { 1.0 };
        Backoff { floor, ceiling: ceiling.max(floor), factor, jitter: 0.0, current: floor }
    }

    /// The same interval every time.
    pub fn fixed(every: Duration) -> Backoff {
        Backoff::new(every, 1.0, every)
    }

    /// Randomises each delay by ± this fraction (clamped to 0..=1).
    pub fn jitter(mut self, fraction: f64) -> Backoff {
        self.jitter = if fraction.is_finite() { fraction.clamp(0.0, 1.0) } else { 0.0 };
        self
    }

    /// The current interval, before jitter.
    pub fn interval(&self) -> Duration {
        self.current
    }

    /// The first interval, before jitter.
    pub fn floor(&self) -> Duration {
        self.floor
    }

    /// The current interval with jitter applied.
    pub fn delay(&self) -> Duration {
        jittered(self.current, self.jitter)
    }

    /// The floor with jitter applied (re-checks while counting consecutive hits).
    pub fn floor_delay(&self) -> Duration {
        jittered(self.floor, self.jitter)
    }

    /// Moves to the next, longer interval.
    pub fn grow(&mut self) {
        self.current = self.current.mul_f64(self.factor).min(self.ceiling);
    }

    /// The current delay, then grows: the pause before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let d = self.delay();
        self.grow();
        d
    }
}

/// `d` randomised by ± `jitter` (a fraction).
pub fn jittered(d: Duration, jitter: f64) -> Duration {
    if jitter <= 0.0 || d.is_zero() {
        return d;
    }
    let j = jitter.min(1.0);
    let factor = 1.0 + j * (fastrand::f64() * 2.0 - 1.0);
    d.mul_f64(factor.max(0.0))
}

/// Sleeps for `d`; `false` when `cancel` fired first (or had fired already).
pub async fn sleep_unless_cancelled(d: Duration, cancel: &CancellationToken) -> bool {
    if d.is_zero() {
        return !cancel.is_cancelled();
    }
    tokio::select! {
        _ = cancel.cancelled() => false,
        _ = tokio::time::sleep(d) => true,
    }
}

/// How a [`poll`] ended, with the last answer it had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Polled<T> {
    /// The answer was the one awaited.
    Done(T),
    /// The next pause would have passed the deadline.
    TimedOut(T),
    /// The operation was cancelled during a pause.
    Cancelled(T),
}

impl<T> Polled<T> {
    /// The last answer, however the poll ended.
    pub fn into_last(self) -> T {
        match self {
            Polled::Done(t) | Polled::TimedOut(t) | Polled::Cancelled(t) => t,
        }
    }
}

/// Asks `check` until `done` holds for its answer, pausing on `backoff` between asks; ends with
/// the last answer when the next pause would pass `deadline` or `cancel` fires during one. An
/// error of `check` ends it at once.
pub async fn poll<T, E, F, Fut>(
    mut backoff: Backoff,
    deadline: Instant,
    cancel: &CancellationToken,
    done: impl Fn(&T) -> bool,
    mut check: F,
) -> Result<Polled<T>, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    loop {
        let answer = check().await?;
        if done(&answer) {
            return Ok(Polled::Done(answer));
        }
        if Instant::now() + backoff.interval() > deadline {
            return Ok(Polled::TimedOut(answer));
        }
        if !sleep_unless_cancelled(backoff.next_delay(), cancel).await {
            return Ok(Polled::Cancelled(answer));
        }
    }
}

/// A token a spawned task cancels after `after` (tests, under paused time).
#[cfg(test)]
pub fn cancelled_after(after: Duration) -> CancellationToken {
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        token.cancel();
    });
    cancel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_grow_by_the_factor_up_to_the_ceiling() {
        let mut b = Backoff::new(Duration::from_secs(2), 2.0, Duration::from_secs(15));
        let got: Vec<u64> = (0..6).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(got, vec![2, 4, 8, 15, 15, 15]);
        assert_eq!(b.floor(), Duration::from_secs(2));
        let mut f = Backoff::fixed(Duration::from_secs(1));
        assert_eq!((f.next_delay(), f.next_delay()), (Duration::from_secs(1), Duration::from_secs(1)));
    }

    #[test]
    fn nonsense_settings_are_made_safe() {
        let mut b = Backoff::new(Duration::ZERO, f64::NAN, Duration::ZERO).jitter(f64::INFINITY);
        assert_eq!(b.next_delay(), Duration::from_millis(1));
        assert_eq!(b.next_delay(), Duration::from_millis(1));
        let shrink = Backoff::new(Duration::from_secs(4), 0.5, Duration::from_secs(1));
        assert_eq!(shrink.interval(), Duration::from_secs(4));
    }

    #[test]
    fn jitter_stays_within_bounds() {
        for _ in 0..1000 {
            let d = jittered(Duration::from_secs(10), 0.2);
            assert!(d >= Duration::from_secs(8) && d <= Duration::from_secs(12), "{d:?}");
        }
        assert_eq!(jittered(Duration::from_secs(10), 0.0), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_sleep_ends_at_once() {
        let cancel = cancelled_after(Duration::from_secs(3));
        let start = Instant::now();
        assert!(!sleep_unless_cancelled(Duration::from_secs(60), &cancel).await);
        assert_eq!(start.elapsed(), Duration::from_secs(3));
        assert!(!sleep_unless_cancelled(Duration::ZERO, &cancel).await);
        assert!(sleep_unless_cancelled(Duration::ZERO, &CancellationToken::new()).await);
    }

    /// A poll every 2 s whose answer is the seconds since it began.
    async fn poll_elapsed(deadline: u64, cancel: &CancellationToken, done: fn(&u64) -> bool) -> Polled<u64> {
        let start = Instant::now();
        let every = Backoff::fixed(Duration::from_secs(2));
        let check = || std::future::ready(Ok::<_, ()>(start.elapsed().as_secs()));
        poll(every, start + Duration::from_secs(deadline), cancel, done, check)
            .await
            .unwrap_or_else(|()| panic!("the check never fails"))
    }

    #[tokio::test(start_paused = true)]
    async fn a_poll_ends_done_timed_out_or_cancelled_with_its_last_answer() {
        let live = CancellationToken::new();
        assert_eq!(poll_elapsed(60, &live, |s| *s >= 3).await, Polled::Done(4));
        assert_eq!(poll_elapsed(9, &live, |_| false).await, Polled::TimedOut(8));
        let start = Instant::now();
        assert_eq!(poll_elapsed(600, &cancelled_after(Duration::from_secs(5)), |_| false).await.into_last(), 4);
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        let failed = poll(Backoff::fixed(Duration::from_secs(1)), start, &live, |_: &u8| true, || async { Err("no") });
        assert_eq!(failed.await, Err("no"));
    }
}
