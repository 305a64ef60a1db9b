//! Issue 12, item 4: the kill matrix. The provider process is SIGKILLed at every step boundary of a
//! `dmslink_main` create, and during `dmslink_repltask` create and update, `dmslink_peering` create
//! and `dmslink_main` destroy; each time the next `apply` (or `destroy`) must converge with one object
//! per child, a clean plan, and a destroy that leaves nothing.
//!
//! - **After served** (`served_<step>`): the emulator serves the step's call and holds its answer
//!   (fault kind `hold`); the provider is killed in that window, so AWS made the child but the provider
//!   never heard of it. The log, read after the kill, proves the answer was not sent yet.
//! - **While waiting** (`waiting_<step>`): the child's timed state is made long (`set_config`); the
//!   provider is killed once the step's call was served and the wait's describe call seen, while the
//!   child is still in that state.
//!
//! The step list is the provider's: [`STEPS`] must name exactly the steps of `dmslink_main`'s graph
//! (`dmslink::resources::main::steps::graph`), and the cases exactly [`STEPS`]' points
//! (`every_step_has_its_kill_cases`), so a step added to the provider fails these tests until it has
//! its kill cases. Each case asserts its call was made by the provider (the hold rule hit once).
//!
//! Terraform saves no state when the provider dies (the gRPC call fails before any answer), so the
//! next apply starts from the state before the killed one: the provider must adopt what it made.
//!
//! One CLI per case (the first found): the kill hits the provider, not the CLI. The long cases are
//! ignored (`make reliability` runs them); `served_create_vpc`, `served_create_login_secrets`,
//! `waiting_create_replication_instance` and `main_destroy_killed_mid_way` run in `make test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use dmslink_acctest::kill::{Killed, run_killing, served_by_rule, served_then};
use dmslink_acctest::ledger::{self, Outcome};
use dmslink_acctest::seed_stack::{self, PREFIX};
use dmslink_acctest::{FaultKind, FaultRule, TestBed, Workdir};
use serde_json::{Value, json};

const SUITE: &str = "kill matrix";
const APPLY: &[&str] = &["apply", "-auto-approve", "-input=false", "-no-color"];
const DESTROY: &[&str] = &["destroy", "-auto-approve", "-input=false", "-no-color"];
/// How long a held answer waits: far longer than finding and killing the provider takes.
const HOLD_MS: u64 = 30_000;
/// How long a timed state lasts in a waiting case (from the child's create).
const LONG_STATE: f64 = 20.0;
/// How long a case waits for its kill point.
const KILL_WITHIN: Duration = Duration::from_secs(240);
/// Kept by a destroy on purpose: the databases' final snapshots (and the seeded source snapshot).
const KEPT: &[&str] = &["rds:db-snapshot"];

/// The wait a step does for its child, and how a case makes it long and sees it.
struct Wait {
    /// The emulator config that makes the child's timed state last [`LONG_STATE`] seconds.
    config: &'static str,
    /// The call that starts the wait (served first), then the describe call the wait polls with.
    after: &'static str,
    describe: &'static str,
    /// The inventory type of the child and the state it is in while the step waits.
    inventory: &'static str,
    state: &'static str,
}

/// One step of `dmslink_main`'s create: the call it makes its child with (or, for a step that makes
/// no object, the change it makes), a parameter that picks this step's calls out, and its wait.
struct StepKill {
    step: &'static str,
    call: &'static str,
    matching: Option<(&'static str, &'static str)>,
    wait: Option<Wait>,
}

/// Every step of the `dmslink_main` create graph, in graph order. The stack ([`main_workdir`])
/// enables every optional child (internet gateway, VPN gateway, `dms_vpc_role = "create"`, the
/// target's login in a Secrets Manager secret the stack manages, read through a role the stack
/// creates, the target's CA certificate imported from `certificate_pem`), so every step makes its
/// call.
const STEPS: &[StepKill] = &[
    StepKill {
        step: "ensure_dms_vpc_role",
        call: "iam:CreateRole",
        matching: Some(("RoleName", "dms-vpc-role")),
        wait: None,
    },
    StepKill { step: "create_login_secrets", call: "secretsmanager:CreateSecret", matching: None, wait: None },
    StepKill {
        step: "ensure_secrets_access_roles",
        call: "iam:CreateRole",
        matching: Some(("RoleName", "-tgt-secrets")),
        wait: None,
    },
    // The VPC and subnets are `available` at once in the emulator (as they almost always are in AWS):
    // their waits end on the first describe, so they have no kill point of their own.
    StepKill { step: "create_vpc", call: "ec2:CreateVpc", matching: None, wait: None },
    StepKill { step: "create_subnets", call: "ec2:CreateSubnet", matching: None, wait: None },
    StepKill { step: "create_security_group", call: "ec2:CreateSecurityGroup", matching: None, wait: None },
    StepKill {
        step: "create_vpn_gateway",
        call: "ec2:CreateVpnGateway",
        matching: None,
        wait: Some(Wait {
            config: "vgw_attaching_seconds",
            after: "ec2:AttachVpnGateway",
            describe: "ec2:DescribeVpnGateways",
            inventory: "ec2:vpn-gateway",
            state: "attaching",
        }),
    },
    StepKill { step: "enable_route_propagation", call: "ec2:EnableVgwRoutePropagation", matching: None, wait: None },
    StepKill { step: "create_internet_gateway", call: "ec2:CreateInternetGateway", matching: None, wait: None },
    StepKill { step: "create_db_subnet_group", call: "rds:CreateDBSubnetGroup", matching: None, wait: None },
    StepKill {
        step: "create_source_databases",
        call: "rds:RestoreDBInstanceFromDBSnapshot",
        matching: None,
        wait: Some(Wait {
            config: "rds_creating_seconds",
            after: "rds:RestoreDBInstanceFromDBSnapshot",
            describe: "rds:DescribeDBInstances",
            inventory: "rds:db-instance",
            state: "creating",
        }),
    },
    StepKill {
        step: "create_target_database",
        call: "rds:CreateDBInstance",
        matching: None,
        wait: Some(Wait {
            config: "rds_creating_seconds",
            after: "rds:CreateDBInstance",
            describe: "rds:DescribeDBInstances",
            inventory: "rds:db-instance",
            state: "creating",
        }),
    },
    StepKill {
        step: "create_replication_subnet_group",
        call: "dms:CreateReplicationSubnetGroup",
        matching: None,
        wait: None,
    },
    StepKill {
        step: "create_replication_instance",
        call: "dms:CreateReplicationInstance",
        matching: None,
        wait: Some(Wait {
            config: "dms_instance_creating_seconds",
            after: "dms:CreateReplicationInstance",
            describe: "dms:DescribeReplicationInstances",
            inventory: "dms:replication-instance",
            state: "creating",
        }),
    },
    StepKill {
        step: "create_source_endpoints",
        call: "dms:CreateEndpoint",
        matching: Some(("EndpointType", "source")),
        wait: None,
    },
    StepKill {
        step: "create_target_endpoint",
        call: "dms:CreateEndpoint",
        matching: Some(("EndpointType", "target")),
        wait: None,
    },
];

fn step_kill(step: &str) -> &'static StepKill {
    STEPS.iter().find(|s| s.step == step).unwrap_or_else(|| panic!("no step {step} in STEPS"))
}

#[test]
fn the_matrix_is_the_providers_step_list() {
    let graph = dmslink::resources::main::steps::graph().expect("the provider's step graph");
    let provider: Vec<&str> = graph.order();
    let matrix: Vec<&str> = STEPS.iter().map(|s| s.step).collect();
    assert_eq!(
        matrix.iter().collect::<BTreeSet<_>>(),
        provider.iter().collect::<BTreeSet<_>>(),
        "the kill matrix's steps are not dmslink_main's create steps"
    );
}

/// What one stack holds: its children by inventory type.
const STACK_CHILDREN: &[(&str, usize)] = &[
    ("ec2:vpc", 1),
    ("ec2:subnet", 3),
    ("ec2:security-group", 1),
    ("ec2:vpn-gateway", 1),
    ("ec2:internet-gateway", 1),
    ("rds:db-subnet-group", 1),
    ("rds:db-instance", 2),
    ("dms:replication-subnet-group", 1),
    ("dms:replication-instance", 1),
    ("dms:endpoint", 2),
    ("iam:role", 2),              // dms-vpc-role and the target secret's access role, made by the stack
    ("secretsmanager:secret", 1), // the target's login secret (manage_login_secret)
];

/// A self-signed CA certificate (`openssl req -x509`, CN "dmslink test CA"): the target's
/// `certificate_pem`, imported by the target endpoint's step.
const CA_PEM: &str = include_str!("data/test-ca.pem");

/// Short timed states: a case needs the waits to happen, not to last.
fn quick_timings() -> Value {
    json!({
        "rds_creating_seconds": 0.3, "dms_instance_creating_seconds": 0.3, "vgw_attaching_seconds": 0.3,
        "rds_deleting_seconds": 0.3, "dms_instance_deleting_seconds": 0.3,
        // The RDS and DMS realism of issue 13: every state seen, none lasting.
        "rds_backing_up_seconds": 0.3, "rds_first_available_seconds": 0.3, "rds_followup_modifying_seconds": 0.3,
        "rds_eni_linger_seconds": 0.3, "dms_subnet_group_deleting_seconds": 0.3,
        "iam_propagation_seconds": 0,
    })
}

/// `terraform-main` as `seed_stack::terraform_main` sets it up, with every optional child on: no
/// `dms-vpc-role` in the account and `dms_vpc_role = "create"`, an internet gateway, the target's
/// login in a Secrets Manager secret the stack creates and writes (`manage_login_secret`) read
/// through an access role the stack creates, and its CA certificate imported from
/// `certificate_pem` with `ssl_mode = "verify-ca"`.
fn main_workdir(bed: &TestBed) -> Workdir {
    let cli = bed.clis().first().expect("TestBed::start found no CLI");
    let (wd, _) = seed_stack::terraform_main_without_role(bed, cli);
    wd.write("kill-ca.pem", CA_PEM);
    // An override block's nested block replaces the original's: `network` and `target` are written
    // out whole.
    wd.write(
        "zz_kill_override.tf",
        r#"resource "dmslink_main" "dblink" {
  dms_vpc_role = "create"

  target {
    database_name               = var.target_db_name
    username                    = var.target_username
    password                    = var.target_password
    manage_login_secret         = true
    secrets_manager_access_role = "create"
    ssl_mode                    = "verify-ca"
    certificate_pem             = file("${path.module}/kill-ca.pem")

    rds {
      engine          = "postgres"
      instance_class  = "db.t3.medium"
      master_username = var.target_username
      master_password = var.target_password
    }
  }

  network {
    vpc_cidr           = "10.20.0.0/24"
    availability_zones = ["${var.region}a", "${var.region}b", "${var.region}c"]
    subnet_cidrs       = ["10.20.0.0/26", "10.20.0.64/26", "10.20.0.128/26"]
    vpn_gateway        = true
    internet_gateway   = true
  }
}
"#,
    );
    wd.init();
    bed.emulator.set_config(quick_timings());
    wd
}

fn live(bed: &TestBed) -> Vec<Value> {
    bed.emulator.inventory("include_defaults=false")
}

fn counts(objects: &[Value]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for o in objects.iter().filter(|o| ledger::is_live(o)) {
        *out.entry(o["type"].as_str().unwrap_or("?").to_string()).or_insert(0) += 1;
    }
    out
}

/// Every child of the stack once, tagged, and no untagged one of those types beside it.
fn assert_one_of_each(bed: &TestBed, why: &str) {
    let tagged = bed.emulator.inventory(&format!("tag=dmslink:stack={PREFIX}"));
    let want: BTreeMap<String, usize> = STACK_CHILDREN.iter().map(|(t, n)| (t.to_string(), *n)).collect();
    assert_eq!(counts(&tagged), want, "{why}: children tagged dmslink:stack={PREFIX}");
    let per_type = counts(&live(bed));
    for (ty, n) in STACK_CHILDREN {
        assert_eq!(per_type.get(*ty).copied().unwrap_or_default(), *n, "{why}: every live {ty}: {:#?}", live(bed));
    }
    // DMS certificates carry no tags: the imported CA is the one certificate there is.
    assert_eq!(per_type.get("dms:certificate").copied().unwrap_or_default(), 1, "{why}: {:#?}", live(bed));
}

/// The end of every case: the recovering command succeeded; then the plan is clean (when the stack
/// is still there), destroy leaves nothing, and the case's ledger line is written.
struct Finish<'a> {
    bed: &'a TestBed,
    wd: &'a Workdir,
    before: BTreeSet<String>,
    outcome: Outcome,
    kills: u64,
}

impl Finish<'_> {
    fn converged(mut self, stacks: u64) {
        self.wd.expect_plan(0, "plan after the recovering apply");
        let duplicates = ledger::duplicates(&live(self.bed));
        assert!(duplicates.is_empty(), "twins after the recovering apply: {duplicates:?}");
        self.wd.destroy();
        self.destroyed(stacks, &duplicates);
        self.outcome.record();
    }

    fn destroyed(&mut self, stacks: u64, duplicates: &[String]) {
        let after = live(self.bed);
        let leaks = ledger::leaks(&after, &self.before, KEPT);
        assert!(leaks.is_empty(), "left after destroy: {leaks:?}");
        self.outcome
            .faults(&self.bed.emulator.fault_counters())
            .kill_points(self.kills)
            .stacks(stacks)
            .duplicates(duplicates)
            .leaks(&leaks);
    }
}

fn start(case: &str) -> Option<(TestBed, Outcome)> {
    let bed = TestBed::start(&format!("kill_{case}"))?;
    Some((bed, Outcome::start(SUITE, case)))
}

/// A hold rule on `call` (`service:Action`), narrowed by `matching`.
fn hold(call: &str, matching: Option<(&str, &str)>) -> FaultRule {
    let (service, action) = call.split_once(':').expect("service:Action");
    let mut rule = FaultRule::new(FaultKind::Hold { ms: HOLD_MS }).on(service).action(action);
    if let Some((name, contains)) = matching {
        rule = rule.matching(name, contains);
    }
    rule
}

/// Runs `args` with a hold rule on `call`, killing the provider once the held call was served;
/// asserts the answer had not been sent when the provider died.
fn kill_after_served(bed: &TestBed, wd: &Workdir, args: &[&str], call: &str, matching: Option<(&str, &str)>) -> Killed {
    let rule = bed.emulator.inject(&hold(call, matching));
    let killed = run_killing(wd, &bed.emulator, args, KILL_WITHIN, |log| served_by_rule(log, rule).is_some());
    killed.expect_killed(&format!("{call} served"));
    let held = served_by_rule(&killed.log_after_kill, rule).expect("the held call in the log");
    let fault = held.fault.as_ref().expect("fault of the held call");
    assert!(fault.served && !fault.answered, "{call}: the answer was sent before the kill: {held:?}");
    let hits = bed.emulator.fault_counters().at(call, "hold");
    assert_eq!(hits, 1, "{call}: the provider did not make this call once before it died");
    bed.emulator.clear_faults();
    killed
}

/// Runs `args` with `wait`'s timed state long, killing the provider once the wait's describe call
/// follows its call; asserts the child was still in the waited-for state.
fn kill_while_waiting(bed: &TestBed, wd: &Workdir, args: &[&str], wait: &Wait) -> Killed {
    bed.emulator.set_config(json!({ wait.config: LONG_STATE }));
    bed.emulator.clear_requests(); // the fixtures' own calls (a CreateDBInstance for the snapshot ...)
    let killed =
        run_killing(wd, &bed.emulator, args, KILL_WITHIN, |log| served_then(log, wait.after, Some(wait.describe)));
    killed.expect_killed(&format!("waiting after {}", wait.after));
    let objects = bed.emulator.inventory(&format!("type={}", wait.inventory));
    let waiting = objects.iter().any(|o| {
        o["state"] == wait.state
            || o["attachments"].as_array().is_some_and(|a| a.iter().any(|x| x["state"] == wait.state))
    });
    assert!(waiting, "killed too late: no {} {} at the kill: {objects:#?}", wait.inventory, wait.state);
    bed.emulator.set_config(quick_timings());
    killed
}

/// A `dmslink_main` create killed at `step`'s point: the next apply adopts what the killed one made.
fn main_create_case(step: &str, waiting: bool) {
    let point = if waiting { "waiting" } else { "served" };
    let Some((bed, outcome)) = start(&format!("{point} {step}")) else {
        return;
    };
    let kill = step_kill(step);
    let wd = main_workdir(&bed);
    let before = ledger::keys(&live(&bed));
    let killed = if waiting {
        kill_while_waiting(&bed, &wd, APPLY, kill.wait.as_ref().expect("a step with a wait"))
    } else {
        kill_after_served(&bed, &wd, APPLY, kill.call, kill.matching)
    };
    assert!(
        wd.state_list().is_empty(),
        "{step}: Terraform saved state although the provider died:\n{}",
        killed.out.describe()
    );

    let out = wd.run(APPLY);
    assert!(out.success(), "{step} ({point}): the apply after the kill failed:\n{}", out.describe());
    assert_one_of_each(&bed, &format!("{step} ({point}) killed, then applied"));
    assert!(wd.resource_values("dmslink_main.dblink").is_some(), "{step}: not in the state");
    Finish { bed: &bed, wd: &wd, before, outcome, kills: 1 }.converged(1);
}

macro_rules! main_create_cases {
    ($($(#[$attr:meta])* $name:ident => ($step:literal, $waiting:literal),)*) => {
        $(
            #[test]
            $(#[$attr])*
            fn $name() {
                main_create_case($step, $waiting);
            }
        )*

        #[test]
        fn every_step_has_its_kill_cases() {
            let cases: Vec<(&str, bool)> = vec![$(($step, $waiting)),*];
            let want: Vec<(&str, bool)> = STEPS
                .iter()
                .flat_map(|s| std::iter::once((s.step, false)).chain(s.wait.as_ref().map(|_| (s.step, true))))
                .collect();
            assert_eq!(cases, want, "one case after the call was served per step, one while waiting per step that waits");
        }
    };
}

main_create_cases! {
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_ensure_dms_vpc_role => ("ensure_dms_vpc_role", false),
    served_create_login_secrets => ("create_login_secrets", false),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_ensure_secrets_access_roles => ("ensure_secrets_access_roles", false),
    served_create_vpc => ("create_vpc", false),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_create_subnets => ("create_subnets", false),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_create_security_group => ("create_security_group", false),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_create_vpn_gateway => ("create_vpn_gateway", false),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    waiting_create_vpn_gateway => ("create_vpn_gateway", true),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_enable_route_propagation => ("enable_route_propagation", false),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_create_internet_gateway => ("create_internet_gateway", false),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_create_db_subnet_group => ("create_db_subnet_group", false),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_create_source_databases => ("create_source_databases", false),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    waiting_create_source_databases => ("create_source_databases", true),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_create_target_database => ("create_target_database", false),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    waiting_create_target_database => ("create_target_database", true),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_create_replication_subnet_group => ("create_replication_subnet_group", false),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_create_replication_instance => ("create_replication_instance", false),
    waiting_create_replication_instance => ("create_replication_instance", true),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_create_source_endpoints => ("create_source_endpoints", false),
    #[ignore = "long: a dmslink_main stack per case, run by make reliability"]
    served_create_target_endpoint => ("create_target_endpoint", false),
}

/// `dmslink_main` destroy killed while the RDS instances are `deleting` (the endpoints and the
/// replication instance already gone): the state still holds the stack, and the next `destroy`
/// finishes, leaving nothing.
#[test]
fn main_destroy_killed_mid_way() {
    let Some((bed, outcome)) = start("main destroy") else {
        return;
    };
    let wd = main_workdir(&bed);
    let before = ledger::keys(&live(&bed));
    wd.apply();
    assert_one_of_each(&bed, "clean create");
    let duplicates = ledger::duplicates(&live(&bed));
    bed.emulator.set_config(json!({"rds_deleting_seconds": LONG_STATE}));
    bed.emulator.clear_requests(); // the source snapshot's fixture deleted a DB instance too
    let killed = run_killing(&wd, &bed.emulator, DESTROY, KILL_WITHIN, |log| {
        served_then(log, "rds:DeleteDBInstance", Some("rds:DescribeDBInstances"))
    });
    killed.expect_killed("destroy");
    let deleting = bed.emulator.inventory("type=rds:db-instance");
    let calls: Vec<String> = killed.log_after_kill.iter().map(|r| format!("{} {:?}", r.name(), r.status)).collect();
    assert!(deleting.iter().any(|d| d["state"] == "deleting"), "killed too late: {deleting:#?}\n{calls:#?}");
    assert_eq!(wd.state_list(), ["dmslink_main.dblink"], "the state after the killed destroy");
    bed.emulator.set_config(quick_timings());

    let out = wd.run(DESTROY);
    assert!(out.success(), "the destroy after the kill failed:\n{}", out.describe());
    assert!(wd.state_list().is_empty(), "the stack is still in the state after destroy");
    let mut finish = Finish { bed: &bed, wd: &wd, before, outcome, kills: 1 };
    finish.destroyed(1, &duplicates);
    finish.outcome.record();
}

// ---------------------------------------------------------------------------------------------
// dmslink_repltask (its create killed while the task is `creating` is
// `repltask_killed_create_is_adopted_by_the_next_apply` in tests/tests/repltask.rs)
// ---------------------------------------------------------------------------------------------

const TASK_ADDR: &str = "dmslink_repltask.dblink";

/// `terraform-repltask` against a seeded DMS stack (one per case).
fn repltask_workdir(bed: &TestBed) -> (Workdir, String) {
    let fixtures = bed.fixtures();
    let backend = fixtures.state_backend("tfstate-dblink-kill", "terraform-lock-db-kill", "dblink-repl");
    let stack = fixtures.dms_stack("dblink-kill", 1);
    let task_id = "dblink-repl-kill".to_string();
    let cli = bed.clis().first().expect("TestBed::start found no CLI");
    let mut wd = bed.workdir(cli, "terraform-repltask");
    wd.use_backend(&backend)
        .set_var("stack_name", "integration-dblink")
        .set_var("dms_source_arn", &stack.source_endpoint_arn)
        .set_var("dms_target_arn", &stack.target_endpoint_arn)
        .set_var("replication_instance_arn", stack.replication_instance_arn())
        .set_var("replication_task_id", &task_id)
        .set_var("start_replication_task", "true");
    wd.init();
    (wd, task_id)
}

fn tasks(bed: &TestBed, id: &str) -> Vec<Value> {
    bed.emulator
        .inventory("type=dms:replication-task")
        .into_iter()
        .filter(|t| ledger::is_live(t) && t["id"] == id)
        .collect()
}

/// `dmslink_repltask` create killed after `CreateReplicationTask` was served, its answer held: the
/// next apply adopts the task (no second create) and starts it.
#[test]
#[ignore = "long: run by make reliability"]
fn served_repltask_create() {
    let Some((bed, outcome)) = start("served repltask create") else {
        return;
    };
    let (wd, task_id) = repltask_workdir(&bed);
    let before = ledger::keys(&live(&bed));
    kill_after_served(&bed, &wd, APPLY, "dms:CreateReplicationTask", None);
    assert!(wd.state_list().is_empty(), "Terraform saved state although the provider died");
    assert_eq!(tasks(&bed, &task_id).len(), 1, "the killed apply made the task");

    bed.emulator.clear_requests();
    let out = wd.run(APPLY);
    assert!(out.success(), "the apply after the kill failed:\n{}", out.describe());
    let creates = bed.emulator.dms_actions().iter().filter(|a| *a == "CreateReplicationTask").count();
    assert_eq!(creates, 0, "the next apply created the task again");
    assert_eq!(tasks(&bed, &task_id).len(), 1);
    assert_eq!(wd.resource_values(TASK_ADDR).expect("task in state")["status"], "running");
    Finish { bed: &bed, wd: &wd, before, outcome, kills: 1 }.converged(1);
}

const MAPPINGS_TWO_RULES: &str = r#"{
  "rules": [
    {"rule-type": "selection", "rule-id": "1", "rule-name": "1",
     "object-locator": {"schema-name": "ROCKPROPS%", "table-name": "WEB%"}, "rule-action": "include"},
    {"rule-type": "selection", "rule-id": "2", "rule-name": "2",
     "object-locator": {"schema-name": "ROCKPROPS%", "table-name": "APP%"}, "rule-action": "include"}
  ]
}
"#;

/// An in-place change of a running task (its table mappings: stop, modify, start) killed after
/// `call` was served: the next apply finishes the change and the task runs again.
fn repltask_update_case(call: &str) {
    let Some((bed, outcome)) = start(&format!("served repltask update {call}")) else {
        return;
    };
    let (wd, task_id) = repltask_workdir(&bed);
    let before = ledger::keys(&live(&bed));
    wd.apply();
    let arn = wd.resource_values(TASK_ADDR).expect("task in state")["replication_task_arn"].clone();
    wd.write("table_mappings.tpl", MAPPINGS_TWO_RULES);
    kill_after_served(&bed, &wd, APPLY, call, None);
    assert_eq!(wd.state_list(), [TASK_ADDR], "the state after the killed update");

    let out = wd.run(APPLY);
    assert!(out.success(), "the apply after the kill during {call} failed:\n{}", out.describe());
    let values = wd.resource_values(TASK_ADDR).expect("task in state");
    assert_eq!(values["replication_task_arn"], arn, "not the same task");
    assert_eq!(values["status"], "running", "{values:#}");
    assert!(values["table_mappings"].as_str().is_some_and(|m| m.contains("APP%")), "mappings not changed: {values:#}");
    assert_eq!(tasks(&bed, &task_id).len(), 1);
    Finish { bed: &bed, wd: &wd, before, outcome, kills: 1 }.converged(1);
}

#[test]
#[ignore = "long: run by make reliability"]
fn served_repltask_update_stop() {
    repltask_update_case("dms:StopReplicationTask");
}

#[test]
#[ignore = "long: run by make reliability"]
fn served_repltask_update_modify() {
    repltask_update_case("dms:ModifyReplicationTask");
}

#[test]
#[ignore = "long: run by make reliability"]
fn served_repltask_update_start() {
    repltask_update_case("dms:StartReplicationTask");
}

// ---------------------------------------------------------------------------------------------
// dmslink_peering
// ---------------------------------------------------------------------------------------------

/// Two VPCs of one account and `tests/modules/peering-same-account` between them.
fn peering_workdir(bed: &TestBed) -> Workdir {
    let fixtures = bed.fixtures();
    let dms = fixtures.vpc(None, "acctest-dms", "10.20.0.0/16", true);
    let app = fixtures.vpc(None, "acctest-app", "10.30.0.0/16", false);
    let backend = fixtures.state_backend("tfstate-peering", "terraform-lock-peering", "peering-same-account");
    let cli = bed.clis().first().expect("TestBed::start found no CLI");
    let mut wd = bed.workdir(cli, "peering-same-account");
    wd.use_backend(&backend)
        .set_var("dms_vpc_id", &dms.vpc_id)
        .set_var("app_vpc_id", &app.vpc_id)
        .set_var("security_group_id", dms.security_group());
    wd.init();
    wd
}

fn live_peerings(bed: &TestBed) -> Vec<Value> {
    bed.emulator.inventory("type=ec2:vpc-peering-connection").into_iter().filter(ledger::is_live).collect()
}

/// `dmslink_peering` create killed after `CreateVpcPeeringConnection` was served (`waiting`: false)
/// or while it waits for the accepted peering to become active: the next apply adopts the peering.
fn peering_create_case(waiting: bool) {
    let point = if waiting { "waiting" } else { "served" };
    let Some((bed, outcome)) = start(&format!("{point} peering create")) else {
        return;
    };
    let wd = peering_workdir(&bed);
    let before = ledger::keys(&live(&bed));
    if waiting {
        let wait = Wait {
            config: "peering_provisioning_seconds",
            after: "ec2:AcceptVpcPeeringConnection",
            describe: "ec2:DescribeVpcPeeringConnections",
            inventory: "ec2:vpc-peering-connection",
            state: "provisioning",
        };
        kill_while_waiting(&bed, &wd, APPLY, &wait);
    } else {
        kill_after_served(&bed, &wd, APPLY, "ec2:CreateVpcPeeringConnection", None);
    }
    assert!(wd.state_list().is_empty(), "Terraform saved state although the provider died");
    let made = live_peerings(&bed);
    assert_eq!(made.len(), 1, "the killed apply made one peering: {made:#?}");

    let out = wd.run(APPLY);
    assert!(out.success(), "the apply after the kill failed:\n{}", out.describe());
    let after = live_peerings(&bed);
    assert_eq!(after.len(), 1, "one live peering after the recovering apply: {after:#?}");
    assert_eq!(after[0]["id"], made[0]["id"], "not the peering the killed apply made");
    let values = wd.resource_values("dmslink_peering.app").expect("peering in state");
    assert_eq!(values["status"], "active", "{values:#}");
    Finish { bed: &bed, wd: &wd, before, outcome, kills: 1 }.converged(1);
}

#[test]
#[ignore = "long: run by make reliability"]
fn served_peering_create() {
    peering_create_case(false);
}

#[test]
#[ignore = "long: run by make reliability"]
fn waiting_peering_create() {
    peering_create_case(true);
}
