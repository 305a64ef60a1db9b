//! The test bed of one acceptance test: its emulator, the provider mirror, the CLIs to prove.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::cli::{Cli, clis};
use crate::emulator::Emulator;
use crate::fixtures::Fixtures;
use crate::provider::{Mirror, provider_binary};
use crate::venv::Venv;
use crate::workdir::Workdir;

/// The eventual-consistency window of the lifecycle tests that run with it on: the CI's
/// `--eventual-consistency 3`.
pub const EVENTUAL_CONSISTENCY_SECONDS: &str = "3";

/// Everything one acceptance test needs.
pub struct TestBed {
    pub name: String,
    pub emulator: Emulator,
    pub mirror: Mirror,
    clis: Vec<Cli>,
    dir: tempfile::TempDir,
    workdirs: AtomicUsize,
}

impl TestBed {
    /// Finds the venv and the CLIs, builds and mirrors the provider, starts an emulator.
    ///
    /// `None` when a tool is missing outside CI (a note says what to run); under `CI=true` that is a
    /// panic instead.
    pub fn start(name: &str) -> Option<TestBed> {
        TestBed::start_with_emulator_env(name, &[])
    }

    /// [`TestBed::start`] on an emulator with AWS's eventual consistency on (issue 13): a new object
    /// is not found for [`EVENTUAL_CONSISTENCY_SECONDS`] after its create, as with the emulator's
    /// `--eventual-consistency`; a reset keeps the window.
    pub fn start_eventually_consistent(name: &str) -> Option<TestBed> {
        TestBed::start_with_emulator_env(
            name,
            &[("DMSLINK_EMU_EVENTUAL_CONSISTENCY_SECONDS", EVENTUAL_CONSISTENCY_SECONDS)],
        )
    }

    /// [`TestBed::start`] with extra `DMSLINK_EMU_*` settings for its emulator.
    pub fn start_with_emulator_env(name: &str, env: &[(&str, &str)]) -> Option<TestBed> {
        let Some(venv) = Venv::find() else {
            return crate::missing_tool(
                &format!("no Python venv at {} (moto, boto3, pinned Terraform)", Venv::expected_root().display()),
                "make venv   (or set DMSLINK_VENV)",
            );
        };
        let clis = clis()?;
        let dir = crate::temp_dir(&format!("dmslink-acc-{name}-"));
        let mirror = Mirror::install(&provider_binary(), dir.path());
        let emulator = Emulator::start_with_env(&venv, env);
        Some(TestBed { name: name.to_string(), emulator, mirror, clis, dir, workdirs: AtomicUsize::new(0) })
    }

    pub fn clis(&self) -> &[Cli] {
        &self.clis
    }

    /// The bed's temporary directory.
    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn fixtures(&self) -> Fixtures {
        self.emulator.fixtures()
    }

    pub fn dms(&self) -> crate::dms::Dms {
        self.emulator.dms()
    }

    /// A fresh copy of the root module `module` (`tests/modules/<module>`, else `examples-hcl/<module>`;
    /// see [`crate::module_dir`]) to run `cli` in.
    pub fn workdir(&self, cli: &Cli, module: &str) -> Workdir {
        let n = self.workdirs.fetch_add(1, Ordering::SeqCst);
        let dir = self.dir.path().join(format!("{}-{module}-{n}", cli.slug()));
        Workdir::new(
            cli.clone(),
            &crate::module_dir(module),
            dir,
            &self.mirror,
            &self.emulator.endpoint(),
            self.dir.path(),
        )
    }

    /// Runs `scenario` once per CLI, each on a freshly reset emulator (no AWS resources, empty request
    /// log). Every CLI runs even when an earlier one failed; then the test fails naming each failed
    /// CLI. Prints the time each CLI took.
    pub fn each_cli(&self, mut scenario: impl FnMut(&Cli)) {
        let mut failed = Vec::new();
        for cli in &self.clis {
            eprintln!("=== {}: {cli}", self.name);
            self.emulator.reset();
            let started = Instant::now();
            let result = catch_unwind(AssertUnwindSafe(|| scenario(cli)));
            let took = started.elapsed();
            match result {
                Ok(()) => eprintln!("=== {}: {} passed in {took:.1?}", self.name, cli.label),
                Err(payload) => {
                    let msg = panic_message(payload.as_ref());
                    eprintln!("=== {}: {} FAILED after {took:.1?}: {msg}", self.name, cli.label);
                    failed.push(format!("[{}] {msg}", cli.label));
                }
            }
        }
        if !failed.is_empty() {
            panic!("{} failed with {} of {} CLIs:\n{}", self.name, failed.len(), self.clis.len(), failed.join("\n\n"));
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "(non-string panic)".to_string()
    }
}
