//! Ctrl-C (issue 12, item 5): SIGINT to Terraform's process group mid-apply, as a terminal sends
//! it, at three points — during a long wait of a `dmslink_main` create, during a burst of creates,
//! during destroy. Each time the provider answers StopProvider and Terraform exits within 5 s of
//! the signal (printed), the saved state holds every child that exists in the emulator, and the
//! next apply (or destroy) converges with no duplicate and leaves nothing behind.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use dmslink_acctest::interrupt::{Interrupted, run_interrupting};
use dmslink_acctest::ledger::{self, Outcome};
use dmslink_acctest::seed_stack::{self, PREFIX};
use dmslink_acctest::{FaultKind, FaultRule, TestBed, Version, Workdir};
use serde_json::{Value, json};

/// The promise, from the signal to Terraform's exit.
const PROMISE: Duration = Duration::from_secs(5);

const STACK_CHILDREN: &[(&str, usize)] = &[
    ("ec2:vpc", 1),
    ("ec2:subnet", 3),
    ("ec2:security-group", 1),
    ("ec2:vpn-gateway", 1),
    ("rds:db-subnet-group", 1),
    ("rds:db-instance", 2),
    ("dms:replication-subnet-group", 1),
    ("dms:replication-instance", 1),
    ("dms:endpoint", 2),
    // The target's login secret (manage_login_secret) and the IAM role DMS reads it through.
    ("secretsmanager:secret", 1),
    ("iam:role", 1),
];

/// Children of the stack that exist (a deleted VPN gateway stays listed as `deleted`, a login
/// secret scheduled for deletion as `deleting`).
fn live_children(bed: &TestBed) -> Vec<Value> {
    bed.emulator.inventory(&format!("tag=dmslink:stack={PREFIX}")).into_iter().filter(seed_stack::still_there).collect()
}

fn counts(objects: &[Value]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for o in objects {
        *out.entry(o["type"].as_str().unwrap_or("?").to_string()).or_insert(0) += 1;
    }
    out
}

/// Calls of `action` the emulator answered with success. A call still in flight (no status yet) is
/// not counted: a signal then would cut its answer, which is the lost-answer case, not this one.
fn served(bed: &TestBed, action: &str) -> usize {
    bed.emulator.requests().iter().filter(|r| r.status.is_some_and(|s| s < 400)).filter(|r| r.action == action).count()
}

/// The workdir of the seed stack, logging the provider at INFO to a file (for "stop requested").
fn workdir(bed: &TestBed, cli: &dmslink_acctest::Cli) -> Workdir {
    let (mut wd, _) = seed_stack::terraform_main(bed, cli);
    let log = wd.file("provider.log");
    wd.set_env("TF_LOG_PROVIDER", "INFO").set_env("TF_LOG_PATH", log.display().to_string());
    wd.init();
    wd
}

/// Runs `args`, SIGINT to the process group once `when` holds; asserts the signal was sent, the
/// provider was asked to stop and said so, and Terraform exited, failing, within [`PROMISE`].
fn interrupt(label: &str, wd: &Workdir, args: &[&str], point: &str, when: impl FnMut() -> bool) -> Interrupted {
    let _ = std::fs::remove_file(wd.file("provider.log"));
    let run = run_interrupting(wd.command(args), Duration::from_secs(300), when);
    let Some(took) = run.signal_to_exit else {
        panic!("[{label}] {point}: the moment to interrupt never came:\n{}", run.out.describe());
    };
    eprintln!("[{label}] {point}: SIGINT to exit {:.2?}", took);
    assert!(!run.out.timed_out, "[{label}] {point}: Terraform did not exit:\n{}", run.out.describe());
    assert!(
        took < PROMISE,
        "[{label}] {point}: Terraform took {took:.2?} to exit after SIGINT:\n{}",
        run.out.describe()
    );
    assert!(!run.out.success(), "[{label}] {point}: the interrupted run succeeded:\n{}", run.out.describe());
    let log = wd.read("provider.log");
    assert!(
        log.contains("stop requested"),
        "[{label}] {point}: the provider never logged StopProvider:\n{}",
        run.out.describe()
    );
    run
}

/// Every child of the stack that exists in the emulator is named (by id, ARN or name) in the
/// saved state: Terraform forgot nothing that was made.
///
/// Terraform 1.0 saves nothing of an interrupted apply (it reports "execution halted" and drops
/// the partial state the provider returned; observed with 1.0.3, while 1.11 saves it): there the
/// state must be as before the run, and the next apply adopts what the provider made.
fn assert_state_holds_every_child(
    label: &str,
    bed: &TestBed,
    wd: &Workdir,
    point: &str,
    run: &Interrupted,
    before: &[String],
    cut: Cut,
) {
    if wd.cli().version < Version::new(1, 1, 0) {
        assert_eq!(
            state_list(wd),
            before,
            "[{label}] {point}: Terraform 1.0 changed the state:\n{}",
            run.out.describe()
        );
        return;
    }
    let state = wd.state_pull();
    let children = live_children(bed);
    let mut missing = Vec::new();
    for o in &children {
        let named =
            ["id", "arn", "name"].iter().filter_map(|k| o[*k].as_str()).any(|v| !v.is_empty() && state.contains(v));
        if !named {
            missing.push(o);
        }
    }
    assert!(!children.is_empty(), "[{label}] {point}: no child existed when the run was interrupted");
    if cut == Cut::MayLoseAnswers {
        // Left to the resuming apply's adoption; printed for the record.
        eprintln!("[{label}] {point}: children made by cut creates (not in the state): {}", missing.len());
        return;
    }
    assert!(
        missing.is_empty(),
        "[{label}] {point}: children in the emulator but not in the state: {missing:#?}\nthe interrupted run:\n{}",
        run.out.describe()
    );
}

/// Whether a create call could have been cut after AWS took it (a lost answer).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// Interrupted in a wait: every create had been answered and recorded.
    NoCreateInFlight,
    /// Interrupted amid creates: a cut create's child may be missing; the next apply adopts it.
    MayLoseAnswers,
}

/// The next apply converges: the full stack, once, and a clean plan; then destroy leaves nothing.
fn assert_resumes(label: &str, bed: &TestBed, wd: &Workdir, outcome: &mut Outcome) {
    bed.emulator.set_config(json!({"rds_creating_seconds": 1, "dms_instance_creating_seconds": 1}));
    wd.apply();
    let want: BTreeMap<String, usize> = STACK_CHILDREN.iter().map(|(t, n)| (t.to_string(), *n)).collect();
    assert_eq!(counts(&live_children(bed)), want, "[{label}] after the resuming apply: one of each child");
    outcome.duplicates(&ledger::duplicates(&bed.emulator.inventory("include_defaults=false")));
    wd.expect_plan(0, "plan after the resuming apply");
    wd.destroy();
    assert!(live_children(bed).is_empty(), "[{label}] left behind: {:#?}", live_children(bed));
}

/// What the emulator holds before a case (its fixtures): the baseline of [`record`]'s leak audit.
fn baseline(bed: &TestBed) -> BTreeSet<String> {
    ledger::keys(&bed.emulator.inventory("include_defaults=false"))
}

/// The case's ledger line: one interrupt survived, one stack, and what the destroy left (final
/// snapshots are kept on purpose; `dms-vpc-role` is the account's, not the stack's).
fn record(bed: &TestBed, outcome: &mut Outcome, baseline: &BTreeSet<String>) {
    let after = bed.emulator.inventory("include_defaults=false");
    let leaks = ledger::leaks(&after, baseline, &["rds:db-snapshot", "iam:role"]);
    outcome.interrupts(1).stacks(1).leaks(&leaks).record();
}

/// `state list`, empty before the first apply (where the CLI fails with "No state file").
fn state_list(wd: &Workdir) -> Vec<String> {
    let out = wd.run(&["state", "list"]);
    if !out.success() && out.combined().contains("No state file") {
        return Vec::new();
    }
    assert!(out.success(), "`state list` failed:\n{}", out.describe());
    out.stdout.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

const APPLY: &[&str] = &["apply", "-auto-approve", "-input=false", "-no-color"];

/// SIGINT while the create waits for the databases and the replication instance (minutes in AWS).
#[test]
fn interrupt_during_a_long_wait() {
    let Some(bed) = TestBed::start("interrupt_during_a_long_wait") else {
        return;
    };
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let wd = workdir(&bed, cli);
        let mut outcome = Outcome::start("interrupts", &format!("during a long wait [{label}]"));
        let fixtures = baseline(&bed);
        // Long enough that the signal lands inside the wait, short enough that the resuming apply
        // (which waits out what is left) stays cheap.
        bed.emulator.set_config(json!({"rds_creating_seconds": 30, "dms_instance_creating_seconds": 30}));
        bed.emulator.clear_requests();
        let before = state_list(&wd);
        let point = "during the databases' and replication instance's wait";
        let run = interrupt(&label, &wd, APPLY, point, || {
            served(&bed, "CreateReplicationInstance") > 0
                && served(&bed, "CreateDBInstance") > 0
                && served(&bed, "RestoreDBInstanceFromDBSnapshot") > 0
        });
        assert_state_holds_every_child(&label, &bed, &wd, point, &run, &before, Cut::NoCreateInFlight);
        assert_resumes(&label, &bed, &wd, &mut outcome);
        record(&bed, &mut outcome, &fixtures);
    });
}

/// SIGINT in the middle of the network's creates, each EC2 call served 1.5 s late: calls in flight
/// are cut. A create cut after the emulator took it is a lost answer: its child may be missing from
/// the state, and the next apply must adopt it (one of each child afterwards).
#[test]
fn interrupt_during_a_burst_of_creates() {
    let Some(bed) = TestBed::start("interrupt_during_a_burst_of_creates") else {
        return;
    };
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let wd = workdir(&bed, cli);
        let mut outcome = Outcome::start("interrupts", &format!("during a burst of creates [{label}]"));
        let fixtures = baseline(&bed);
        bed.emulator.clear_faults();
        bed.emulator.inject(&FaultRule::new(FaultKind::Delay { ms: 1500 }).on("ec2").always());
        bed.emulator.clear_requests();
        let before = state_list(&wd);
        let point = "during the subnets' creates";
        let run = interrupt(&label, &wd, APPLY, point, || served(&bed, "CreateSubnet") > 0);
        bed.emulator.clear_faults();
        assert!(
            run.out.combined().contains("stopped by Terraform"),
            "[{label}] {point}: no AWS call in flight was cut:\n{}",
            run.out.describe()
        );
        assert_state_holds_every_child(&label, &bed, &wd, point, &run, &before, Cut::MayLoseAnswers);
        assert_resumes(&label, &bed, &wd, &mut outcome);
        record(&bed, &mut outcome, &fixtures);
    });
}

/// SIGINT while destroy waits for the databases and the replication instance to go.
#[test]
fn interrupt_during_destroy() {
    let Some(bed) = TestBed::start("interrupt_during_destroy") else {
        return;
    };
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let wd = workdir(&bed, cli);
        let mut outcome = Outcome::start("interrupts", &format!("during destroy [{label}]"));
        let fixtures = baseline(&bed);
        bed.emulator.set_config(json!({"rds_creating_seconds": 1, "dms_instance_creating_seconds": 1}));
        wd.apply();
        outcome.duplicates(&ledger::duplicates(&bed.emulator.inventory("include_defaults=false")));
        bed.emulator.set_config(json!({"rds_deleting_seconds": 30, "dms_instance_deleting_seconds": 30}));
        bed.emulator.clear_requests();
        let before = state_list(&wd);
        let point = "during destroy's waits";
        let destroy = ["destroy", "-auto-approve", "-input=false", "-no-color"];
        let run = interrupt(&label, &wd, &destroy, point, || {
            served(&bed, "DeleteReplicationInstance") > 0 || served(&bed, "DeleteDBInstance") > 0
        });
        assert_state_holds_every_child(&label, &bed, &wd, point, &run, &before, Cut::NoCreateInFlight);
        bed.emulator.set_config(json!({"rds_deleting_seconds": 1, "dms_instance_deleting_seconds": 1}));
        wd.destroy();
        assert!(live_children(&bed).is_empty(), "[{label}] left behind: {:#?}", live_children(&bed));
        record(&bed, &mut outcome, &fixtures);
    });
}
