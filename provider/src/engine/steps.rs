//! The step runner for composite resources. A step is a named unit of AWS work with the steps it
//! must follow; the runner starts every step as soon as all of its predecessors have finished, so
//! independent waits overlap. On a failure it starts nothing new but lets steps in flight finish,
//! so every child that came to exist is reported. Deletes run the same graph in reverse: a step's
//! undo starts once every step that followed it has been undone. Step names are an enum per
//! resource ([`step_names!`]), so a misspelt name or predecessor does not compile.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::Instrument;

pub type StepFuture = Pin<Box<dyn Future<Output = Result<(), StepError>> + Send>>;

/// A resource's step names: an enum whose variants the compiler checks, each with the
/// `verb_object` name the user reads in errors and logs. Declare one with [`step_names!`].
pub trait StepName: Copy + Ord + std::fmt::Debug + Send + Sync + 'static {
    fn as_str(self) -> &'static str;
}

/// Declares a step-name enum: `step_names!(pub enum MainStep { CreateVpc => "create_vpc", … })`.
macro_rules! step_names {
    ($(#[$m:meta])* $vis:vis enum $name:ident { $($(#[$vm:meta])* $variant:ident => $text:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name { $($(#[$vm])* $variant),* }
        impl $crate::engine::steps::StepName for $name {
            fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }
    };
}
pub(crate) use step_names;

/// One step: `run` does the work (create or adopt), `undo` removes what it made.
pub struct Step<C, N: StepName> {
    pub name: N,
    pub after: &'static [N],
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
    pub fn new(step: impl StepName, message: impl Into<String>) -> StepError {
        StepError { step: step.as_str(), code: None, message: message.into() }
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
pub struct Graph<C, N: StepName> {
    steps: Vec<Step<C, N>>,
}

impl<C: Send + Sync + 'static, N: StepName> Graph<C, N> {
    pub fn new(steps: Vec<Step<C, N>>) -> Result<Graph<C, N>, String> {
        let names: BTreeSet<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        if names.len() != steps.len() {
            return Err("two steps share a name".to_string());
        }
        for s in &steps {
            if let Some(missing) = s.after.iter().find(|d| !names.contains(d.as_str())) {
                return Err(format!("step {} follows a step not in the graph: {}", s.name.as_str(), missing.as_str()));
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
                let name = s.name.as_str();
                if !done.contains(name) && s.after.iter().all(|d| done.contains(d.as_str())) {
                    done.insert(name);
                    out.push(name);
                }
            }
            if out.len() == before {
                return out;
            }
        }
    }

    /// Each step with the steps it follows (`make bench` computes the critical path from it).
    pub fn dependencies(&self) -> BTreeMap<&'static str, Vec<&'static str>> {
        self.steps.iter().map(|s| (s.name.as_str(), s.after.iter().map(|d| d.as_str()).collect())).collect()
    }

    /// Runs every step forward, as early as its predecessors allow.
    pub async fn run(&self, ctx: Arc<C>) -> RunReport {
        let preds: BTreeMap<&str, Vec<&str>> =
            self.steps.iter().map(|s| (s.name.as_str(), s.after.iter().map(|d| d.as_str()).collect())).collect();
        let work: BTreeMap<&str, fn(Arc<C>) -> StepFuture> =
            self.steps.iter().map(|s| (s.name.as_str(), s.run)).collect();
        execute(preds, work, ctx, "run").await
    }

    /// Undoes steps in reverse: a step's undo waits for the undo of every step that follows it.
    pub async fn undo(&self, ctx: Arc<C>) -> RunReport {
        let mut preds: BTreeMap<&str, Vec<&str>> = self.steps.iter().map(|s| (s.name.as_str(), Vec::new())).collect();
        for s in &self.steps {
            for d in s.after {
                preds.entry(d.as_str()).or_default().push(s.name.as_str());
            }
        }
        let work: BTreeMap<&str, fn(Arc<C>) -> StepFuture> =
            self.steps.iter().map(|s| (s.name.as_str(), s.undo)).collect();
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
    // Which step each task runs, to name a step whose task ended without an answer.
    let mut task_steps: BTreeMap<tokio::task::Id, &'static str> = BTreeMap::new();
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
                    let handle = running.spawn(
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
                    task_steps.insert(handle.id(), name);
                }
            }
        }
        let Some(joined) = running.join_next_with_id().await else { break };
        match joined {
            Ok((_, (name, took, result))) => {
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
                let step = task_steps.get(&join_error.id()).copied().unwrap_or("unknown");
                report.failed.push(StepError {
                    step,
                    code: None,
                    message: format!("the step stopped unexpectedly: {join_error}"),
                });
            }
        }
    }
    report.skipped = preds.keys().filter(|n| !started.contains(*n)).copied().collect();
    report
}

/// The longest chain of dependent steps, weighted by each step's duration: the least time any
/// schedule of these steps can take (steps missing from `durations` weigh nothing). Returns the
/// total and the chain, first step first.
pub fn critical_path(
    dependencies: &BTreeMap<&'static str, Vec<&'static str>>,
    durations: &BTreeMap<String, Duration>,
) -> (Duration, Vec<&'static str>) {
    fn finish<'a>(
        step: &'a str,
        deps: &BTreeMap<&'static str, Vec<&'static str>>,
        durations: &BTreeMap<String, Duration>,
        memo: &mut BTreeMap<&'a str, (Duration, Option<&'static str>)>,
    ) -> Duration {
        if let Some((d, _)) = memo.get(step) {
            return *d;
        }
        let mut best: (Duration, Option<&'static str>) = (Duration::ZERO, None);
        for &before in deps.get(step).map(Vec::as_slice).unwrap_or_default() {
            let d = finish(before, deps, durations, memo);
            if best.1.is_none() || d > best.0 {
                best = (d, Some(before));
            }
        }
        let own = durations.get(step).copied().unwrap_or_default();
        memo.insert(step, (best.0 + own, best.1));
        best.0 + own
    }
    let mut memo = BTreeMap::new();
    let mut last: Option<(&'static str, Duration)> = None;
    for &step in dependencies.keys() {
        let d = finish(step, dependencies, durations, &mut memo);
        if last.is_none_or(|(_, best)| d > best) {
            last = Some((step, d));
        }
    }
    let Some((end, total)) = last else { return (Duration::ZERO, Vec::new()) };
    let mut chain = vec![end];
    let mut at = end;
    while let Some((_, Some(before))) = memo.get(at) {
        chain.push(before);
        at = before;
    }
    chain.reverse();
    (total, chain)
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

    #[test]
    fn the_critical_path_is_the_longest_weighted_chain() {
        // vpc(1) → subnets(2) → db(20) → endpoint(1); vpc → sg(3) → db; role(5) → instance(15) → endpoint
        let deps: BTreeMap<&'static str, Vec<&'static str>> = [
            ("vpc", vec![]),
            ("subnets", vec!["vpc"]),
            ("sg", vec!["vpc"]),
            ("db", vec!["subnets", "sg"]),
            ("role", vec![]),
            ("instance", vec!["role"]),
            ("endpoint", vec!["db", "instance"]),
        ]
        .into_iter()
        .collect();
        let secs = |pairs: &[(&str, u64)]| -> BTreeMap<String, Duration> {
            pairs.iter().map(|(k, v)| (k.to_string(), Duration::from_secs(*v))).collect()
        };
        let durations =
            secs(&[("vpc", 1), ("subnets", 2), ("sg", 3), ("db", 20), ("role", 5), ("instance", 15), ("endpoint", 1)]);
        let (total, chain) = critical_path(&deps, &durations);
        assert_eq!(total, Duration::from_secs(25));
        assert_eq!(chain, vec!["vpc", "sg", "db", "endpoint"]);
        // A slower instance moves the path; a step never measured weighs nothing.
        let durations = secs(&[("vpc", 1), ("subnets", 2), ("db", 20), ("role", 5), ("instance", 30)]);
        let (total, chain) = critical_path(&deps, &durations);
        assert_eq!((total, chain), (Duration::from_secs(35), vec!["role", "instance", "endpoint"]));
        assert_eq!(critical_path(&BTreeMap::new(), &durations), (Duration::ZERO, vec![]));
    }

    /// Test graphs name steps freely.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
    struct N(&'static str);
    impl StepName for N {
        fn as_str(self) -> &'static str {
            self.0
        }
    }

    fn step(name: &'static str, after: &'static [N], run: fn(Arc<Log>) -> StepFuture) -> Step<Log, N> {
        Step { name: N(name), after, run, undo: run }
    }

    macro_rules! work {
        ($name:literal, $ms:literal) => {
            |log: Arc<Log>| -> StepFuture {
                Box::pin(async move {
                    log.events.lock().unwrap().push(format!("start {}", $name));
                    tokio::time::sleep(Duration::from_millis($ms)).await;
                    log.events.lock().unwrap().push(format!("end {}", $name));
                    if *log.fail.lock().unwrap() == Some($name) {
                        return Err(StepError::new(N($name), "injected").with_code("Boom"));
                    }
                    Ok(())
                })
            }
        };
    }

    fn graph() -> Graph<Log, N> {
        Graph::new(vec![
            step("vpc", &[], work!("vpc", 10)),
            step("subnets", &[N("vpc")], work!("subnets", 10)),
            step("rds_source", &[N("subnets")], work!("rds_source", 200)),
            step("rds_target", &[N("subnets")], work!("rds_target", 200)),
            step("instance", &[N("subnets")], work!("instance", 150)),
            step("endpoints", &[N("rds_source"), N("rds_target"), N("instance")], work!("endpoints", 10)),
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
        assert_eq!(report.failed, vec![StepError::new(N("instance"), "injected").with_code("Boom")]);
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
        assert!(Graph::new(vec![step("a", &[N("b")], noop), step("b", &[N("a")], noop)]).is_err());
        assert!(Graph::new(vec![step("a", &[N("missing")], noop)]).is_err());
        assert!(Graph::new(vec![step("a", &[], noop), step("a", &[], noop)]).is_err());
    }

    step_names!(
        enum Named {
            CreateVpc => "create_vpc",
            CreateSubnets => "create_subnets",
        }
    );

    #[tokio::test]
    async fn declared_names_read_as_verb_object_and_a_panicking_step_is_named() {
        assert_eq!(Named::CreateVpc.as_str(), "create_vpc");
        let boom: fn(Arc<Log>) -> StepFuture = |_| Box::pin(async { panic!("bug") });
        let ok: fn(Arc<Log>) -> StepFuture = |_| Box::pin(async { Ok(()) });
        let g = Graph::new(vec![
            Step { name: Named::CreateVpc, after: &[], run: ok, undo: ok },
            Step { name: Named::CreateSubnets, after: &[Named::CreateVpc], run: boom, undo: ok },
        ])
        .unwrap();
        assert_eq!(g.order(), vec!["create_vpc", "create_subnets"]);
        let report = g.run(Arc::new(Log::default())).await;
        assert_eq!(report.finished, vec!["create_vpc"]);
        assert_eq!(report.failed.len(), 1);
        assert_eq!(report.failed[0].step, "create_subnets");
        assert!(report.failed[0].message.contains("stopped unexpectedly"), "{:?}", report.failed);
    }
}
