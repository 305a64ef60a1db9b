//! Concurrency (issue 12, item 6): many `terraform-repltask` stacks at once against one emulator, two
//! applies of one state key contending on the DynamoDB lock, and many `dmslink_repltask` in one
//! provider process sharing the AWS SDK's retry budget under throttling. See `docs/reliability.md`
//! ("Concurrency") for what is promised and why.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use dmslink_acctest::ledger::{self, Outcome};
use dmslink_acctest::{Cli, DmsStack, FaultKind, FaultRule, RunOutput, StateBackend, TestBed, Workdir};

const ADDR: &str = "dmslink_repltask.dblink";
const MODULE: &str = "terraform-repltask";
const BUCKET: &str = "tfstate-dblink";
const TABLE: &str = "terraform-lock-db";
const STACKS: usize = 10;
const WAIT: Duration = Duration::from_secs(60);

/// A `terraform-repltask` workdir for task `task_id` on `stack`, with its state under `key` in the
/// shared bucket and lock table.
fn repltask_workdir(bed: &TestBed, cli: &Cli, stack: &DmsStack, key: &str, task_id: &str) -> Workdir {
    let backend = StateBackend {
        bucket: BUCKET.into(),
        table: TABLE.into(),
        key: key.into(),
        region: dmslink_acctest::REGION.into(),
    };
    let mut wd = bed.workdir(cli, MODULE);
    wd.use_backend(&backend)
        .set_var("stack_name", "integration-dblink")
        .set_var("dms_source_arn", &stack.source_endpoint_arn)
        .set_var("dms_target_arn", &stack.target_endpoint_arn)
        .set_var("replication_instance_arn", stack.replication_instance_arn())
        .set_var("replication_task_id", task_id);
    wd
}

/// Runs `f` on every item at once, one thread each; the results in item order.
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = items.iter().enumerate().map(|(i, item)| s.spawn(move || f(i, item))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

fn apply_args() -> [&'static str; 4] {
    ["apply", "-auto-approve", "-input=false", "-no-color"]
}

/// Lock items of `table` that are locks (not the S3 backend's `-md5` digests).
fn held_locks(bed: &TestBed, table: &str) -> Vec<Value> {
    bed.fixtures()
        .lock_items(table)
        .into_iter()
        .filter(|i| i["LockID"].as_str().is_some_and(|id| !id.ends_with("-md5")))
        .collect()
}

/// Every ARN of a replication task in a state document.
fn task_arns_in(state: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for r in state["resources"].as_array().into_iter().flatten() {
        for inst in r["instances"].as_array().into_iter().flatten() {
            if let Some(arn) = inst["attributes"]["replication_task_arn"].as_str() {
                out.push(arn.to_string());
            }
        }
    }
    out
}

fn failures(label: &str, outs: &[RunOutput]) -> Vec<String> {
    outs.iter()
        .enumerate()
        .filter(|(_, o)| !o.success())
        .map(|(i, o)| format!("[{label}] stack {i}:\n{}", o.describe()))
        .collect()
}

/// Ten `terraform-repltask` stacks (own state keys, one bucket and lock table, one shared DMS stack),
/// each its own workdir, `terraform` and provider process, applied at once: all succeed, exactly ten
/// tasks exist, each state holds its own one, every plan is clean, no lock is left, and parallel
/// destroys leave no task. The stacks alternate between the CLIs; the wall time of the ten applies
/// against one stack's alone is printed (never asserted).
/// What the emulator holds before a case's stacks (its fixtures): the baseline of [`record`]'s audit.
fn baseline(bed: &TestBed) -> BTreeSet<String> {
    ledger::keys(&bed.emulator.inventory("include_defaults=false"))
}

/// The case's ledger line: the faults injected, `stacks` applied and destroyed, what the audit of the
/// applies found twice and what the destroys left.
fn record(bed: &TestBed, mut outcome: Outcome, stacks: u64, applied: &[Value], baseline: &BTreeSet<String>) {
    let after = bed.emulator.inventory("include_defaults=false");
    outcome
        .faults(&bed.emulator.fault_counters())
        .stacks(stacks)
        .duplicates(&ledger::duplicates(applied))
        .leaks(&ledger::leaks(&after, baseline, &[]))
        .record();
}

#[test]
fn ten_repltask_stacks_apply_and_destroy_in_parallel() {
    let Some(bed) = TestBed::start("parallel_stacks") else {
        return;
    };
    let fixtures = bed.fixtures();
    let dms = bed.dms();
    fixtures.state_backend(BUCKET, TABLE, "unused");
    let outcome = Outcome::start("concurrency", "10 parallel repltask stacks");
    let stack = fixtures.dms_stack("dblink-shared", 1);
    let fixtures_before = baseline(&bed);
    let clis = bed.clis().to_vec();

    // One stack alone first: the yardstick.
    let solo = repltask_workdir(&bed, &clis[0], &stack, "solo/dblink-repl", "dblink-repl-solo");
    solo.init();
    let started = Instant::now();
    solo.apply();
    let alone = started.elapsed();
    dms.expect_task("dblink-repl-solo");
    solo.destroy();
    assert!(dms.tasks().is_empty(), "the solo task was not destroyed: {:?}", dms.tasks());

    let ids: Vec<String> = (0..STACKS).map(|i| format!("dblink-repl-par-{i:02}")).collect();
    let keys: Vec<String> = (0..STACKS).map(|i| format!("par-{i:02}/dblink-repl")).collect();
    let wds: Vec<Workdir> =
        (0..STACKS).map(|i| repltask_workdir(&bed, &clis[i % clis.len()], &stack, &keys[i], &ids[i])).collect();
    let inits = in_parallel(&wds, |_, wd| {
        wd.run(&["init", "-input=false", "-no-color", "-backend-config=emulator.s3.tfbackend"])
    });
    let failed = failures("init", &inits);
    assert!(failed.is_empty(), "{} of {STACKS} parallel inits failed:\n{}", failed.len(), failed.join("\n"));

    bed.emulator.clear_requests();
    let started = Instant::now();
    let applies = in_parallel(&wds, |_, wd| wd.run(&apply_args()));
    let together = started.elapsed();
    let failed = failures("apply", &applies);
    assert!(failed.is_empty(), "{} of {STACKS} parallel applies failed:\n{}", failed.len(), failed.join("\n"));
    eprintln!(
        "parallel stacks: {STACKS} applies in {together:.1?}, one alone in {alone:.1?}: ratio {:.2} (CLIs: {})",
        together.as_secs_f64() / alone.as_secs_f64().max(0.001),
        clis.iter().map(|c| c.label.as_str()).collect::<Vec<_>>().join(", ")
    );

    // Exactly the ten tasks, each created once, each in its own state and nowhere else.
    let creates = bed.emulator.dms_actions().iter().filter(|a| *a == "CreateReplicationTask").count();
    assert_eq!(creates, STACKS, "CreateReplicationTask served {creates} times for {STACKS} stacks");
    let tasks = dms.tasks();
    let mut got: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
    got.sort_unstable();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>(), "tasks after the parallel applies");
    for (i, key) in keys.iter().enumerate() {
        let state = fixtures.state_document(BUCKET, key);
        let arn = &tasks.iter().find(|t| t.id == ids[i]).expect("task listed").arn;
        assert_eq!(task_arns_in(&state), [arn.as_str()], "state {key} does not hold exactly its task: {state}");
    }
    let held = held_locks(&bed, TABLE);
    assert!(held.is_empty(), "locks left after the applies: {held:?}");
    let applied = bed.emulator.inventory("include_defaults=false");

    let plans = in_parallel(&wds, |_, wd| wd.run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]));
    let dirty: Vec<String> = plans
        .iter()
        .enumerate()
        .filter(|(_, o)| o.exit_code() != 0)
        .map(|(i, o)| format!("stack {i} (exit {}):\n{}", o.exit_code(), o.describe()))
        .collect();
    assert!(
        dirty.is_empty(),
        "{} of {STACKS} plans after the applies are not clean:\n{}",
        dirty.len(),
        dirty.join("\n")
    );

    let destroys = in_parallel(&wds, |_, wd| wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]));
    let failed = failures("destroy", &destroys);
    assert!(failed.is_empty(), "{} of {STACKS} parallel destroys failed:\n{}", failed.len(), failed.join("\n"));
    let left = dms.tasks();
    assert!(left.is_empty(), "tasks left after the parallel destroys: {left:?}");
    for key in &keys {
        let state = fixtures.state_document(BUCKET, key);
        assert!(task_arns_in(&state).is_empty(), "state {key} still holds a task after destroy: {state}");
    }
    let held = held_locks(&bed, TABLE);
    assert!(held.is_empty(), "locks left after the destroys: {held:?}");
    record(&bed, outcome, STACKS as u64 + 1, &applied, &fixtures_before);
}

/// Two applies of one state key at once, for each CLI: the first holds the DynamoDB lock while the
/// provider waits for its task; the second (`-lock-timeout=0s`, its own access key so the emulator's
/// log tells the two apart) fails with Terraform's lock message having made no DMS call. One task is
/// created, once; the state holds it and reads the same from both workdirs; no lock is left.
#[test]
fn same_key_applies_contend_on_the_dynamodb_lock() {
    let Some(bed) = TestBed::start("lock_contention") else {
        return;
    };
    let dms = bed.dms();
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let fixtures = bed.fixtures();
        let backend = fixtures.state_backend(BUCKET, TABLE, "contended/dblink-repl");
        let stack = fixtures.dms_stack(&format!("dblink-lock-{}", cli.slug()), 1);
        let task_id = format!("dblink-repl-lock-{}", cli.slug());
        let first = repltask_workdir(&bed, cli, &stack, &backend.key, &task_id);
        let mut second = repltask_workdir(&bed, cli, &stack, &backend.key, &task_id);
        const SECOND_KEY: &str = "AKIACONTENDER0000002";
        second.set_env("AWS_ACCESS_KEY_ID", SECOND_KEY);
        first.init();
        second.init();
        // The task stays `creating` for a while: the first apply holds the lock that long.
        bed.emulator.set_config(json!({"state_seconds": {"creating": 8}}));
        bed.emulator.clear_requests();
        let lock_id = format!("{}/{}", backend.bucket, backend.key);

        let (first_out, second_out) = std::thread::scope(|s| {
            let a = s.spawn(|| first.run(&apply_args()));
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                let created = bed.emulator.requests().iter().any(|q| q.name() == "dms:CreateReplicationTask");
                let locked = held_locks(&bed, TABLE).iter().any(|i| i["LockID"] == lock_id.as_str());
                if created && locked {
                    break;
                }
                assert!(
                    Instant::now() < deadline && !a.is_finished(),
                    "[{label}] the first apply never held the lock while creating (created {created}, locked {locked})"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            let out = second.run(&["apply", "-auto-approve", "-input=false", "-no-color", "-lock-timeout=0s"]);
            (a.join().unwrap(), out)
        });

        assert!(first_out.success(), "[{label}] the lock holder failed:\n{}", first_out.describe());
        assert!(!second_out.success(), "[{label}] the contending apply succeeded:\n{}", second_out.describe());
        assert!(
            second_out.stderr.contains("Error acquiring the state lock"),
            "[{label}] the contending apply did not fail with the lock message:\n{}",
            second_out.describe()
        );
        assert!(
            second_out.stderr.contains(&lock_id) || second_out.stderr.contains("ConditionalCheckFailed"),
            "[{label}] the lock error does not name the held lock {lock_id}:\n{}",
            second_out.describe()
        );
        let requests = bed.emulator.requests();
        let of_second: Vec<String> =
            requests.iter().filter(|q| q.access_key.as_deref() == Some(SECOND_KEY)).map(|q| q.name()).collect();
        assert!(
            of_second.iter().any(|q| q == "dynamodb:PutItem"),
            "[{label}] the contending apply never tried the lock: {of_second:?}"
        );
        assert!(
            !of_second.iter().any(|q| q.starts_with("dms:")),
            "[{label}] the contending apply called DMS without the lock: {of_second:?}"
        );
        let creates = requests.iter().filter(|q| q.name() == "dms:CreateReplicationTask").count();
        assert_eq!(creates, 1, "[{label}] CreateReplicationTask served {creates} times");

        let tasks = dms.tasks();
        assert_eq!(tasks.len(), 1, "[{label}] {tasks:?}");
        let task = dms.wait_status(&task_id, "ready", WAIT);
        let state = fixtures.state_document(&backend.bucket, &backend.key);
        assert_eq!(task_arns_in(&state), [task.arn.as_str()], "[{label}] state after the contention: {state}");
        assert_eq!(first.state_list(), [ADDR], "[{label}]");
        assert_eq!(second.state_list(), [ADDR], "[{label}] the loser's workdir reads another state");
        bed.emulator.set_config(json!({"state_seconds": {"creating": null}}));
        second.expect_plan(0, "plan of the loser's workdir after the winner's apply");
        let held = held_locks(&bed, TABLE);
        assert!(held.is_empty(), "[{label}] locks left: {held:?}");

        second.destroy();
        assert!(dms.tasks().is_empty(), "[{label}] tasks left after destroy");
    });
}

/// Ten tasks of one configuration, so one provider process whose DMS client shares one SDK retry
/// budget. The DMS calls are throttled (60 `ThrottlingException`s), then fail with 10 HTTP 500s; each
/// fault is served before any call reaches DMS, and the rules apply to whichever calls come first.
/// The ten waits for the replication instance are one coalesced `DescribeReplicationInstances`,
/// which may meet faults on all of its 26 attempts (it did in a CI run, the last an HTTP 500): the
/// wait asks again (`reliability.rs`, `a_wait_polls_through_server_errors_that_outlast_the_sdk_retries`).
/// All ten converge in one apply, the plan is then clean, and one destroy leaves none.
#[test]
fn ten_tasks_in_one_provider_share_the_retry_budget_under_throttling() {
    let Some(bed) = TestBed::start("shared_retry_budget") else {
        return;
    };
    let cli = bed.clis()[0].clone();
    let label = cli.label.clone();
    let fixtures = bed.fixtures();
    let dms = bed.dms();
    fixtures.state_backend(BUCKET, TABLE, "unused");
    let outcome = Outcome::start("concurrency", "10 tasks, one provider, 70 faults");
    let stack = fixtures.dms_stack("dblink-budget", 1);
    let fixtures_before = baseline(&bed);
    let wd = repltask_workdir(&bed, &cli, &stack, "budget/dblink-repl", "dblink-repl-budget");
    wd.remove("dms-repl-task.tf");
    wd.write("many-tasks.tf", MANY_TASKS);
    wd.init();

    bed.emulator.inject(&FaultRule::new(FaultKind::Throttle).on("dms").times(THROTTLES));
    bed.emulator.inject(&FaultRule::new(FaultKind::Server { status: 500 }).on("dms").times(SERVER_ERRORS));
    bed.emulator.clear_requests();
    let started = Instant::now();
    let out = wd.run(&apply_args());
    let took = started.elapsed();
    assert!(out.success(), "[{label}] the throttled apply of {STACKS} tasks failed:\n{}", out.describe());
    let log = bed.emulator.control("GET", "/_dmslink/requests", None);
    let injected = log.as_array().into_iter().flatten().filter(|r| r["injected"] == true).count();
    let dms_calls = log.as_array().into_iter().flatten().filter(|r| r["service"] == "dms").count();
    let creates = log
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["action"] == "CreateReplicationTask" && r["injected"] != true)
        .count();
    assert_eq!(creates, STACKS, "[{label}] CreateReplicationTask reached DMS {creates} times for {STACKS} tasks");
    let rules_left = bed.emulator.control("GET", "/_dmslink/faults", None);
    eprintln!(
        "[{label}] shared retry budget: {STACKS} tasks in one provider converged in {took:.1?}; \
         {injected} faults injected in {dms_calls} DMS calls; rules left: {rules_left}"
    );
    assert_eq!(
        injected,
        usize::try_from(THROTTLES + SERVER_ERRORS).unwrap(),
        "[{label}] not every fault was served during the apply; rules left: {rules_left}"
    );

    let tasks = dms.tasks();
    assert_eq!(tasks.len(), STACKS, "[{label}] {tasks:?}");
    for i in 0..STACKS {
        let id = format!("dblink-repl-budget-{i}");
        let task = dms.wait_status(&id, "ready", WAIT);
        assert_eq!(task.replication_instance_arn, stack.replication_instance_arn(), "[{label}] {task:?}");
    }
    let state = fixtures.state_document(BUCKET, "budget/dblink-repl");
    assert_eq!(task_arns_in(&state).len(), STACKS, "[{label}] state: {state}");
    wd.expect_plan(0, "plan after the throttled apply");
    let applied = bed.emulator.inventory("include_defaults=false");

    wd.destroy();
    assert!(dms.tasks().is_empty(), "[{label}] tasks left after destroy: {:?}", dms.tasks());
    record(&bed, outcome, 1, &applied, &fixtures_before);
}

const THROTTLES: u32 = 60;
const SERVER_ERRORS: u32 = 10;

/// Ten `dmslink_repltask` in one configuration (in place of the example's one).
const MANY_TASKS: &str = r#"
resource "dmslink_repltask" "many" {
  count                    = 10
  replication_task_id      = "${var.replication_task_id}-${count.index}"
  migration_type           = "full-load-and-cdc"
  replication_instance_arn = var.replication_instance_arn
  source_endpoint_arn      = var.dms_source_arn
  target_endpoint_arn      = var.dms_target_arn
  table_mappings           = file("${path.module}/table_mappings.tpl")

  tags = {
    stack_name = var.stack_name
  }
}
"#;

/// Past the SDK's retry quota (long: `cargo test -p dmslink-acctest --test concurrency -- --ignored`,
/// for `make reliability`): 200 throttles on `CreateReplicationTask` for ten tasks in one provider are
/// more throttled retries than the SDK's default quota of one service and region in one process
/// holds (500 tokens, 5 per throttled retry: about 100). With that quota the apply failed with
/// `ThrottlingException` after 110 throttles; the provider's clients now retry without a quota
/// (`aws::no_retry_quota`, see `docs/reliability.md`), each call still bounded by its attempts and
/// the deadline, so the one apply converges, nothing is made twice, and one destroy leaves nothing.
/// Prints what happened.
#[test]
#[ignore = "long (several minutes of SDK back-off): run with --ignored, as make reliability does"]
fn sustained_throttling_beyond_the_default_retry_quota_converges_once() {
    let Some(bed) = TestBed::start("retry_budget_edge") else {
        return;
    };
    let cli = bed.clis()[0].clone();
    let label = cli.label.clone();
    let fixtures = bed.fixtures();
    let dms = bed.dms();
    fixtures.state_backend(BUCKET, TABLE, "unused");
    let outcome = Outcome::start("concurrency", "10 tasks, one provider, 200 throttles");
    let stack = fixtures.dms_stack("dblink-edge", 1);
    let fixtures_before = baseline(&bed);
    let wd = repltask_workdir(&bed, &cli, &stack, "edge/dblink-repl", "dblink-repl-edge");
    wd.remove("dms-repl-task.tf");
    wd.write("many-tasks.tf", MANY_TASKS);
    wd.init();

    bed.emulator.inject(&FaultRule::throttle("dms", "CreateReplicationTask").times(EDGE_THROTTLES));
    bed.emulator.clear_requests();
    let started = Instant::now();
    let first = wd.run(&apply_args());
    let took = started.elapsed();
    let log = bed.emulator.control("GET", "/_dmslink/requests", None);
    let injected = log.as_array().into_iter().flatten().filter(|r| r["injected"] == true).count();
    let served = log
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["action"] == "CreateReplicationTask" && r["injected"] != true)
        .count();
    let gave_up = first.stderr.matches("ThrottlingException").count();
    eprintln!(
        "[{label}] retry budget edge: apply {} after {took:.1?}; {injected} throttles served, {served} creates \
         reached DMS, {gave_up} ThrottlingException(s) in the errors",
        if first.success() { "converged" } else { "failed" }
    );
    if !first.success() {
        eprintln!("[{label}] the first apply's errors:\n{}", first.stderr);
    }
    assert!(first.success(), "[{label}] the apply under {EDGE_THROTTLES} throttles failed:\n{}", first.describe());
    assert_eq!(injected as u64, u64::from(EDGE_THROTTLES), "[{label}] every throttle was met by a retry");
    let tasks = dms.tasks();
    let mut ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(before, ids.len(), "[{label}] a task made twice: {tasks:?}");
    assert_eq!(served, tasks.len(), "[{label}] creates served {served}, tasks {}", tasks.len());

    bed.emulator.control("DELETE", "/_dmslink/faults", None);
    wd.apply();
    assert_eq!(dms.tasks().len(), STACKS, "[{label}] {:?}", dms.tasks());
    wd.expect_plan(0, "plan after the apply without throttling");
    let applied = bed.emulator.inventory("include_defaults=false");
    wd.destroy();
    assert!(dms.tasks().is_empty(), "[{label}] tasks left after destroy: {:?}", dms.tasks());
    record(&bed, outcome, 1, &applied, &fixtures_before);
}

const EDGE_THROTTLES: u32 = 200;
