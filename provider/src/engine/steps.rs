//! The step runner for composite resources. A step is a named unit of AWS work with the steps it
//! must follow; the runner starts every step as soon as all of its predecessors have finished, so
//! independent waits overlap. On a failure it starts nothing new but lets steps in flight finish,
//! so every child that came to exist is reported. Deletes run the same graph in reverse: a step's
//! undo starts once every step that followed it has been undone.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::Instrument;

pub type StepFuture = Pin<Box<dyn Future<Output = Result<(), StepError>> + Send>>;

/// One step: `run` does the work (create or adopt), `undo` removes what it made.
pub struct Step<C> {
    pub name: &'static str,
    pub after: &'static [&'static str],
    pub run: fn(Arc<C>) -> StepFuture,
    pub undo: fn(Arc<C>) -> StepFuture,
}

/// Why a step failed, in the words the user sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepError {
    pub step: &'static str,
    /// The AWS error code, when AWS said no.
    pub code: Option<String>,
    pub message: String,
}

impl StepError {
    pub fn new(step: &'static str, message: impl Into<String>) -> StepError {
        StepError { step, code: None, message: message.into() }
    }
    pub fn with_code(mut self, code: impl Into<String>) -> StepError {
        self.code = Some(code.into());
        self
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(c) => write!(f, "step {}: {c}: {}", self.step, self.message),
            None => write!(f, "step {}: {}", self.step, self.message),
        }
    }
}

/// What a run did: the steps that finished (in finishing order), the failures, and how long each took.
#[derive(Debug, Default)]
pub struct RunReport {
    pub finished: Vec<&'static str>,
    pub failed: Vec<StepError>,
    /// Steps never started because a predecessor failed.
    pub skipped: Vec<&'static str>,
    pub durations: BTreeMap<&'static str, Duration>,
}

impl RunReport {
    pub fn ok(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty()
    }
}

/// A checked graph of steps: names unique, predecessors known, no cycles.
pub struct Graph<C> {
    steps: Vec<Step<C>>,
}

impl<C: Send + Sync + 'static> Graph<C> {
    pub fn new(steps: Vec<Step<C>>) -> Result<Graph<C>, String> {
        let names: BTreeSet<&str> = steps.iter().map(|s| s.name).collect();
        if names.len() != steps.len() {
            return Err("two steps share a name".to_string());
        }
        for s in &steps {
            if let Some(missing) = s.after.iter().find(|d| !names.contains(*d)) {
                return Err(format!("step {} follows unknown step {missing}", s.name));
            }
        }
        let g = Graph { steps };
        if g.order().len() != g.steps.len() {
            return Err("the steps form a cycle".to_string());
        }
        Ok(g)
    }

    /// A topological order (used for the cycle check and for tests).
    pub fn order(&self) -> Vec<&'static str> {
        let mut done: BTreeSet<&str> = BTreeSet::new();
        let mut out = Vec::new();
        loop {
            let before = out.len();
            for s in &self.steps {
                if !done.contains(s.name) && s.after.iter().all(|d| done.contains(d)) {
                    done.insert(s.name);
                    out.push(s.name);
                }
            }
            if out.len() == before {
                return out;
            }
        }
    }

    /// Runs every step forward, as early as its predecessors allow.
    pub async fn run(&self, ctx: Arc<C>) -> RunReport {
        let preds: BTreeMap<&str, Vec<&str>> = self.steps.iter().map(|s| (s.name, s.after.to_vec())).collect();
        let work: BTreeMap<&str, fn(Arc<C>) -> StepFuture> = self.steps.iter().map(|s| (s.name, s.run)).collect();
        execute(preds, work, ctx, "run").await
    }

    /// Undoes steps in reverse: a step's undo waits for the undo of every step that follows it.
    pub async fn undo(&self, ctx: Arc<C>) -> RunReport {
        let mut preds: BTreeMap<&str, Vec<&str>> = self.steps.iter().map(|s| (s.name, Vec::new())).collect();
        for s in &self.steps {
            for d in s.after {
                preds.entry(d).or_default().push(s.name);
            }
        }
        let work: BTreeMap<&str, fn(Arc<C>) -> StepFuture> = self.steps.iter().map(|s| (s.name, s.undo)).collect();
        execute(preds, work, ctx, "undo").await
    }
}

async fn execute<C: Send + Sync + 'static>(
    preds: BTreeMap<&'static str, Vec<&'static str>>,
    work: BTreeMap<&'static str, fn(Arc<C>) -> StepFuture>,
    ctx: Arc<C>,
    phase: &'static str,
) -> RunReport {
    let mut report = RunReport::default();
    let mut started: BTreeSet<&str> = BTreeSet::new();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut running: JoinSet<(&'static str, Duration, Result<(), StepError>)> = JoinSet::new();
    let mut failed = false;
    loop {
        if !failed {
            for (name, before) in &preds {
                if !started.contains(name) && before.iter().all(|d| done.contains(d)) {
                    started.insert(name);
                    let Some(f) = work.get(name) else { continue };
                    let fut = f(ctx.clone());
                    let span = tracing::debug_span!("step", step = *name, phase);
                    let name = *name;
                    running.spawn(
                        async move {
                            tracing::debug!("step started");
                            let t0 = Instant::now();
                            let r = fut.await;
                            let took = t0.elapsed();
                            match &r {
                                Ok(()) => tracing::debug!(duration_ms = took.as_millis() as u64, "step finished"),
                                Err(e) => {
                                    tracing::debug!(duration_ms = took.as_millis() as u64, error = %e, "step failed")
                                }
                            }
                            (name, took, r)
                        }
                        .instrument(span),
                    );
                }
            }
        }
        let Some(joined) = running.join_next().await else { break };
        match joined {
            Ok((name, took, result)) => {
                report.durations.insert(name, took);
                match result {
                    Ok(()) => {
                        done.insert(name);
                        report.finished.push(name);
                    }
                    Err(e) => {
                        failed = true;
                        report.failed.push(e);
                    }
                }
            }
            Err(join_error) => {
                // A panicking step is a bug; report it as a failure rather than losing the others.
                failed = true;
                report.failed.push(StepError::new("unknown", format!("a step stopped unexpectedly: {join_error}")));
            }
        }
    }
    report.skipped = preds.keys().filter(|n| !started.contains(*n)).copied().collect();
    report
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Log {
        events: Mutex<Vec<String>>,
        fail: Mutex<Option<&'static str>>,
    }

    fn step(name: &'static str, after: &'static [&'static str], run: fn(Arc<Log>) -> StepFuture) -> Step<Log> {
        Step { name, after, run, undo: run }
    }

    macro_rules! work {
        ($name:literal, $ms:literal) => {
            |log: Arc<Log>| -> StepFuture {
                Box::pin(async move {
                    log.events.lock().unwrap().push(format!("start {}", $name));
                    tokio::time::sleep(Duration::from_millis($ms)).await;
                    log.events.lock().unwrap().push(format!("end {}", $name));
                    if *log.fail.lock().unwrap() == Some($name) {
                        return Err(StepError::new($name, "injected").with_code("Boom"));
                    }
                    Ok(())
                })
            }
        };
    }

    fn graph() -> Graph<Log> {
        Graph::new(vec![
            step("vpc", &[], work!("vpc", 10)),
            step("subnets", &["vpc"], work!("subnets", 10)),
            step("rds_source", &["subnets"], work!("rds_source", 200)),
            step("rds_target", &["subnets"], work!("rds_target", 200)),
            step("instance", &["subnets"], work!("instance", 150)),
            step("endpoints", &["rds_source", "rds_target", "instance"], work!("endpoints", 10)),
        ])
        .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn independent_steps_overlap_and_dependants_wait() {
        let log = Arc::new(Log::default());
        let t0 = Instant::now();
        let report = graph().run(log.clone()).await;
        assert!(report.ok(), "{report:?}");
        // Longest chain 10 + 10 + 200 + 10, not the sum of all steps.
        assert_eq!(t0.elapsed(), Duration::from_millis(230));
        let events = log.events.lock().unwrap().clone();
        let pos = |e: &str| events.iter().position(|x| x == e).unwrap();
        assert!(pos("start endpoints") > pos("end rds_source") && pos("start endpoints") > pos("end instance"));
        assert!(pos("start rds_target") < pos("end rds_source"), "RDS instances create at the same time");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_starts_nothing_new_but_lets_running_steps_finish() {
        let log = Arc::new(Log::default());
        *log.fail.lock().unwrap() = Some("instance");
        let report = graph().run(log.clone()).await;
        assert_eq!(report.failed, vec![StepError::new("instance", "injected").with_code("Boom")]);
        assert!(report.finished.contains(&"rds_source") && report.finished.contains(&"rds_target"));
        assert_eq!(report.skipped, vec!["endpoints"]);
    }

    #[tokio::test(start_paused = true)]
    async fn undo_runs_in_reverse_dependency_order() {
        let log = Arc::new(Log::default());
        let report = graph().undo(log.clone()).await;
        assert!(report.ok());
        let events = log.events.lock().unwrap().clone();
        let pos = |e: &str| events.iter().position(|x| x == e).unwrap();
        assert!(pos("start instance") > pos("end endpoints"));
        assert!(pos("start subnets") > pos("end rds_source") && pos("start subnets") > pos("end instance"));
        assert!(pos("start vpc") > pos("end subnets"));
    }

    #[test]
    fn bad_graphs_are_refused() {
        let noop = work!("x", 0);
        assert!(Graph::new(vec![step("a", &["b"], noop), step("b", &["a"], noop)]).is_err());
        assert!(Graph::new(vec![step("a", &["missing"], noop)]).is_err());
        assert!(Graph::new(vec![step("a", &[], noop), step("a", &[], noop)]).is_err());
    }
}
