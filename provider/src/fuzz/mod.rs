//! Fuzz harnesses on stable Rust: proptest-driven, one module per target, run by `cargo test`.
//!
//! Each target feeds generated input to code that reads untrusted data (msgpack and JSON cty
//! values, the schemas' conversions, numbers, durations, the JSON documents of a replication task,
//! every validator and the plan-time checks) and asserts that nothing panics, nothing hangs, and
//! the round trips and invariants hold. Failing input is shrunk by proptest and printed; each
//! crash found becomes a named regression test beside the code it broke.
//!
//! They live inside the library (not in `tests/`) because they need crate-private pieces (the
//! cty parsers' helpers, the engine behind the gRPC service, the in-memory AWS fakes) and because
//! one more test binary would link the AWS SDK once more.
//!
//! `cargo test` runs each target with its short case count (the whole set in about 20 s of CPU in
//! a debug build); `make fuzz` sets `DMSLINK_FUZZ_CASES` (default 1000000) for a long run of every
//! target in the `fuzz` profile (see the workspace Cargo.toml) and prints, per target, the
//! executions and the wall time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conversion;
mod cty_json;
mod cty_msgpack;
mod durations;
mod inputs;
mod json_doc;
mod numbers;
mod validators;

use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use proptest::strategy::{BoxedStrategy, Strategy, Union};
use proptest::test_runner::{Config, TestCaseResult, TestRunner};

use crate::aws::fake::FakeWorld;
use crate::engine::Schema;
use crate::engine::provider::Provider as Engine;
use crate::engine::value::Value;
use crate::provider_config::Configured;
use crate::resources;
use crate::wire::pb::tfplugin6 as pb;
use crate::wire::server::ProviderService;
use pb::provider_server::Provider as _;
use tonic::Request;

/// Cases per target: `DMSLINK_FUZZ_CASES` when set (the long run), else the target's short count.
fn cases(short: u32) -> u32 {
    std::env::var("DMSLINK_FUZZ_CASES").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(short)
}

/// One case running longer than this is a hang: the input is printed and the process aborts
/// (a hang cannot be unwound like a panic).
const HANG_LIMIT: Duration = Duration::from_secs(30);

/// Runs `body` on `cases(short)` inputs from `strategy`; panics (with the shrunk input) when a
/// case panics or fails an assertion.
fn run<S>(name: &str, short: u32, strategy: S, body: impl Fn(S::Value) -> TestCaseResult)
where
    S: Strategy,
    S::Value: Clone + Debug + Send + 'static,
{
    let cases = cases(short);
    let config = Config {
        cases,
        failure_persistence: None,
        // Generators filter out a few values (NaN, numbers out of range); proptest's default
        // limit of 65536 such rejects per run stops a long run of a big schema part-way.
        max_local_rejects: u32::MAX,
        max_global_rejects: u32::MAX,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let watchdog = Watchdog::start(name);
    let executions = AtomicU64::new(0);
    let started = Instant::now();
    let result = runner.run(&strategy, |input| {
        executions.fetch_add(1, Ordering::Relaxed);
        watchdog.begin(&input);
        let r = body(input);
        watchdog.end();
        r
    });
    drop(watchdog);
    eprintln!(
        "fuzz {name}: {} executions ({cases} cases) in {:.1} s",
        executions.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("fuzz target {name} failed: {e}");
    }
}

type Current = Arc<Mutex<Option<(Instant, Box<dyn Debug + Send>)>>>;

/// Watches the case in flight from another thread.
struct Watchdog {
    current: Current,
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    fn start(name: &str) -> Watchdog {
        let current: Current = Arc::new(Mutex::new(None));
        let done = Arc::new(AtomicBool::new(false));
        let (c, d, name) = (current.clone(), done.clone(), name.to_string());
        let thread = std::thread::spawn(move || {
            while !d.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let guard = c.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((since, input)) = guard.as_ref()
                    && since.elapsed() > HANG_LIMIT
                {
                    eprintln!("fuzz {name}: one case has run for over {HANG_LIMIT:?} (a hang); input:\n{input:#?}");
                    std::process::abort();
                }
            }
        });
        Watchdog { current, done, thread: Some(thread) }
    }

    fn begin<T: Clone + Debug + Send + 'static>(&self, input: &T) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), Box::new(input.clone())));
    }

    fn end(&self) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Which registry a schema comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Provider,
    Resource,
    DataSource,
}

/// One schema the provider serves.
#[derive(Clone)]
struct Subject {
    kind: Kind,
    name: String,
    schema: Schema,
}

/// The provider block and every resource and data source of the registry, so that whatever is
/// added to `resources::all_resources` / `all_data_sources` is fuzzed too.
fn subjects() -> Vec<Subject> {
    let engine =
        Engine::new(crate::provider_config::ProviderBlock, resources::all_resources(), resources::all_data_sources());
    let mut out =
        vec![Subject { kind: Kind::Provider, name: "provider".into(), schema: engine.provider_schema().clone() }];
    for (name, schema) in engine.resource_schemas() {
        out.push(Subject { kind: Kind::Resource, name: name.into(), schema: schema.clone() });
    }
    for (name, schema) in engine.data_source_schemas() {
        out.push(Subject { kind: Kind::DataSource, name: name.into(), schema: schema.clone() });
    }
    out
}

/// A subject (by index into `subjects`) and a value shaped by its schema.
fn subject_values(subjects: &[Subject], keep: impl Fn(&Subject) -> bool) -> BoxedStrategy<(usize, Value)> {
    let arms: Vec<BoxedStrategy<(usize, Value)>> = subjects
        .iter()
        .enumerate()
        .filter(|(_, s)| keep(s))
        .map(|(i, s)| inputs::block_value(&s.schema.block).prop_map(move |v| (i, v)).boxed())
        .collect();
    Union::new(arms).boxed()
}

/// The gRPC service over the real registry: unconfigured (as at validate, or a plan whose
/// provider configuration is unknown), or configured over the in-memory AWS fakes.
fn service(configured: bool) -> ProviderService<Configured> {
    let engine =
        Engine::new(crate::provider_config::ProviderBlock, resources::all_resources(), resources::all_data_sources());
    if configured {
        let mut c = Configured::new(FakeWorld::new().clients(), "us-east-1");
        c.account_id = Some("123456789012".into());
        c.default_tags = [("team".to_string(), "data".to_string())].into();
        engine.set_configured(c);
    }
    ProviderService::new(Arc::new(engine))
}

/// A single-threaded runtime for calling the async RPC handlers.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// Calls the validate RPC of the subject's kind with `config` and returns its diagnostics; a
/// transport error (`Status`) fails the test: practitioner problems must be diagnostics.
fn validate(
    rt: &tokio::runtime::Runtime,
    svc: &ProviderService<Configured>,
    s: &Subject,
    config: Option<pb::DynamicValue>,
    write_only_allowed: bool,
) -> Vec<pb::Diagnostic> {
    match s.kind {
        Kind::Provider => {
            let req = pb::validate_provider_config::Request { config };
            rt.block_on(svc.validate_provider_config(Request::new(req))).unwrap().into_inner().diagnostics
        }
        Kind::Resource => {
            let req = pb::validate_resource_config::Request {
                type_name: s.name.clone(),
                config,
                client_capabilities: Some(pb::ClientCapabilities {
                    write_only_attributes_allowed: write_only_allowed,
                    ..Default::default()
                }),
            };
            rt.block_on(svc.validate_resource_config(Request::new(req))).unwrap().into_inner().diagnostics
        }
        Kind::DataSource => {
            let req = pb::validate_data_resource_config::Request { type_name: s.name.clone(), config };
            rt.block_on(svc.validate_data_resource_config(Request::new(req))).unwrap().into_inner().diagnostics
        }
    }
}

fn is_error(d: &pb::Diagnostic) -> bool {
    d.severity == pb::diagnostic::Severity::Error as i32
}
