//! Issue 12 ("nothing lost, nothing created twice"): the provider under injected faults.
//!
//! - `lost_<operation>`: the emulator serves one call of `operation` during a `dmslink_main` create
//!   and loses its answer (the SDK then retries it). The apply must succeed with one object per child
//!   and a clean plan. Every changing call of the create has its case: the creates, and the attach,
//!   authorize, modify and enable calls. The creates without a natural key (`CreateVpc`,
//!   `CreateVpnGateway`) are sent once by the SDK and retried by the step kit after a look, so a
//!   lost answer is adopted, never made twice.
//! - `main_create_calls_are_the_lost_answer_cases`: a clean create makes exactly the changing calls the
//!   `lost_*` cases cover, so the list cannot go stale.
//! - `lost_peering_<operation>`: the same for each changing call of a `dmslink_peering` create (two
//!   VPCs made by the fixtures, a security group rule): one live peering, routes and rule in place, a
//!   clean plan, and a destroy that leaves nothing; `peering_create_calls_are_the_lost_answer_cases`
//!   keeps the list true.
//! - `lost_repltask_<operation>`: a `dmslink_repltask` (on a DMS stack the fixtures build in the
//!   emulator) is created and started, updated (new table mappings and tags: stop, modify, start,
//!   untag, tag) and destroyed, with one answer lost in the phase that calls the operation: every
//!   apply and the destroy succeed, one task, a clean plan, nothing left;
//!   `repltask_calls_are_the_lost_answer_cases` keeps the list true. Each is a whole task life
//!   (~25 s): the create-phase cases run in `make test`, the update and destroy ones are long
//!   (`make reliability`).
//! - `chaos_profile_is_survived_by_sdk_retries_and_reproducible`: the issue's chaos rates on every call,
//!   seeded, against read calls of the AWS SDK for Rust.
//! - `a_wait_polls_through_server_errors_that_outlast_the_sdk_retries`: a wait's read that meets an
//!   HTTP 500 on every one of the SDK's attempts is asked again, as after throttling (a CI run of
//!   `concurrency.rs` lost an apply to one such read).
//!
//! One CLI per case (the first found): the faults hit the provider's AWS calls, which do not depend
//! on the CLI, and each case costs a whole stack create.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_databasemigration::config::retry::RetryConfig;
use aws_sdk_databasemigration::config::{BehaviorVersion, Credentials, Region};
use dmslink_acctest::ledger::{self, Outcome};
use dmslink_acctest::seed_stack::{self, PREFIX};
use dmslink_acctest::{ChaosProfile, Emulator, FaultKind, FaultRule, TestBed, Venv, Workdir, missing_tool};
use serde_json::{Value, json};

const ADDR: &str = "dmslink_main.dblink";

/// What one `terraform-main` stack holds: its children by inventory type.
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
    ("iam:role", 2), // dms-vpc-role and the target login secret's access role, made by the stack
    ("secretsmanager:secret", 1), // the target's login secret (manage_login_secret)
];

/// The create operations a `dmslink_main` create of `terraform-main` calls (with `dms-vpc-role`
/// missing, so that the provider creates it), as `service:Action`.
const CREATE_OPERATIONS: &[&str] = &[
    "iam:CreateRole",
    "ec2:CreateVpc",
    "ec2:CreateSubnet",
    "ec2:CreateSecurityGroup",
    "ec2:CreateVpnGateway",
    "rds:CreateDBSubnetGroup",
    "rds:RestoreDBInstanceFromDBSnapshot",
    "rds:CreateDBInstance",
    "dms:CreateReplicationSubnetGroup",
    "dms:CreateReplicationInstance",
    "dms:CreateEndpoint",
    "secretsmanager:CreateSecret",
];

/// The other changing calls of that create (none of them makes an object).
const OTHER_CHANGES: &[&str] = &[
    "iam:AttachRolePolicy",
    "ec2:ModifyVpcAttribute",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AttachVpnGateway",
    "ec2:EnableVgwRoutePropagation",
    "iam:PutRolePolicy",
    "secretsmanager:PutSecretValue",
];

/// Short timed states: the cases need the waits to happen, not to last.
fn quick_timings() -> Value {
    json!({
        "rds_creating_seconds": 0.3, "dms_instance_creating_seconds": 0.3, "vgw_attaching_seconds": 0.3,
        // The RDS and DMS realism of issue 13: every state seen, none lasting.
        "rds_backing_up_seconds": 0.3, "rds_first_available_seconds": 0.3, "rds_followup_modifying_seconds": 0.3,
        "rds_eni_linger_seconds": 0.3, "dms_subnet_group_deleting_seconds": 0.3,
        // DMS refusing the new role for a while would fail the first DMS create before the lost
        // answer can hit it.
        "iam_propagation_seconds": 0,
    })
}

/// `terraform-main` as `seed_stack::terraform_main` sets it up, but without `dms-vpc-role` and with
/// `dms_vpc_role = "create"` (the provider creates it, so `iam:CreateRole` is one of the cases).
fn main_workdir(bed: &TestBed) -> Workdir {
    let cli = bed.clis().first().expect("TestBed::start found no CLI");
    let (wd, _) = seed_stack::terraform_main_without_role(bed, cli);
    wd.write("zz_role_override.tf", "resource \"dmslink_main\" \"dblink\" {\n  dms_vpc_role = \"create\"\n}\n");
    wd.init();
    bed.emulator.set_config(quick_timings());
    wd
}

fn counts(objects: &[Value]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for o in objects {
        *out.entry(o["type"].as_str().unwrap_or("?").to_string()).or_insert(0) += 1;
    }
    out
}

/// Every object of the stack once, tagged, and no untagged twin.
fn assert_one_of_each(bed: &TestBed, why: &str) {
    let tagged = bed.emulator.inventory(&format!("tag=dmslink:stack={PREFIX}"));
    let want: BTreeMap<String, usize> = STACK_CHILDREN.iter().map(|(t, n)| (t.to_string(), *n)).collect();
    assert_eq!(counts(&tagged), want, "{why}: children tagged dmslink:stack={PREFIX}");
    // Nor an untagged one of those types (say, an object a retried create left without its tags).
    let all = bed.emulator.inventory("include_defaults=false");
    let per_type = counts(&all);
    for (ty, n) in STACK_CHILDREN {
        assert_eq!(per_type.get(*ty).copied().unwrap_or_default(), *n, "{why}: every {ty} in the emulator: {all:#?}");
    }
}

/// The create operations (`Create*`, `Restore*`) served in the request log, as `service:Action`.
fn creates_called(emulator: &Emulator) -> BTreeSet<String> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r.action.starts_with("Create") || r.action.starts_with("Restore"))
        .filter(|r| !matches!(r.service.as_str(), "s3" | "dynamodb" | "sts")) // the state backend
        .map(|r| r.name())
        .collect()
}

/// The calls in the request log that change something (not the state backend's), as `service:Action`.
fn changing_calls(emulator: &Emulator) -> BTreeSet<String> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| !matches!(r.service.as_str(), "s3" | "dynamodb" | "sts"))
        .filter(|r| !["Describe", "List", "Get"].iter().any(|read| r.action.starts_with(read)))
        .map(|r| r.name())
        .collect()
}

/// The lost-answer rule `rule` hit exactly one call of `operation`, which was served (200) and
/// never answered.
fn assert_lost_once(emulator: &Emulator, rule: u64, operation: &str) {
    let hit: Vec<_> =
        emulator.requests().into_iter().filter(|r| r.fault.as_ref().is_some_and(|f| f.rule == rule)).collect();
    assert_eq!(hit.len(), 1, "{operation}: the lost-answer rule hit {hit:?}");
    let fault = hit[0].fault.as_ref().unwrap();
    assert!(fault.served && !fault.answered && hit[0].status == Some(200), "{operation}: {:?}", hit[0]);
    assert_eq!(emulator.fault_counters().at(operation, "lost"), 1);
}

#[test]
fn main_create_calls_are_the_lost_answer_cases() {
    let Some(bed) = TestBed::start("main_create_calls_are_the_lost_answer_cases") else {
        return;
    };
    let wd = main_workdir(&bed);
    bed.emulator.clear_requests();
    wd.apply();
    assert_one_of_each(&bed, "clean create");
    let want: BTreeSet<String> = CREATE_OPERATIONS.iter().map(|s| s.to_string()).collect();
    assert_eq!(creates_called(&bed.emulator), want, "the lost_* cases are not the creates the provider calls");
    let changes = changing_calls(&bed.emulator);
    let want: BTreeSet<String> = CREATE_OPERATIONS.iter().chain(OTHER_CHANGES).map(|s| s.to_string()).collect();
    assert_eq!(changes, want, "the lost_* cases are not the changing calls the provider makes");
}

/// One create call of `operation` is served and its answer lost; the apply must converge anyway.
fn lost_answer_case(operation: &str) {
    let Some(bed) = TestBed::start(&format!("lost_{}", operation.replace(':', "_"))) else {
        return;
    };
    let mut outcome = Outcome::start("lost answers", operation);
    let (service, action) = operation.split_once(':').unwrap();
    let wd = main_workdir(&bed);
    let rule = bed.emulator.inject(&FaultRule::lost(service, action));
    let out = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);

    assert_lost_once(&bed.emulator, rule, operation);

    assert!(out.success(), "{operation}: the apply after a lost answer failed:\n{}", out.describe());
    assert_one_of_each(&bed, &format!("{operation} answer lost"));
    assert!(wd.resource_values(ADDR).is_some(), "{operation}: {ADDR} not in state");
    wd.expect_plan(0, &format!("plan after the apply with a lost {operation} answer"));
    let live = bed.emulator.inventory("include_defaults=false");
    outcome.faults(&bed.emulator.fault_counters()).stacks(1).duplicates(&ledger::duplicates(&live)).record();
}

macro_rules! lost_answer_cases {
    ($($(#[$attr:meta])* $name:ident => $operation:literal,)*) => {
        $(
            #[test]
            $(#[$attr])*
            fn $name() {
                lost_answer_case($operation);
            }
        )*

        #[test]
        fn every_changing_call_has_a_lost_answer_case() {
            let cases: Vec<&str> = vec![$($operation),*];
            assert_eq!(cases, [CREATE_OPERATIONS, OTHER_CHANGES].concat());
        }
    };
}

lost_answer_cases! {
    // ensure_dms_vpc_role adopts the role its retried CreateRole meets (EntityAlreadyExists).
    lost_iam_create_role => "iam:CreateRole",
    lost_ec2_create_vpc => "ec2:CreateVpc",
    lost_ec2_create_subnet => "ec2:CreateSubnet",
    lost_ec2_create_security_group => "ec2:CreateSecurityGroup",
    lost_ec2_create_vpn_gateway => "ec2:CreateVpnGateway",
    lost_rds_create_db_subnet_group => "rds:CreateDBSubnetGroup",
    lost_rds_restore_db_instance_from_db_snapshot => "rds:RestoreDBInstanceFromDBSnapshot",
    lost_rds_create_db_instance => "rds:CreateDBInstance",
    lost_dms_create_replication_subnet_group => "dms:CreateReplicationSubnetGroup",
    lost_dms_create_replication_instance => "dms:CreateReplicationInstance",
    lost_dms_create_endpoint => "dms:CreateEndpoint",
    // create_login_secrets adopts the secret its retried CreateSecret meets (ResourceExistsException).
    lost_secretsmanager_create_secret => "secretsmanager:CreateSecret",
    lost_iam_attach_role_policy => "iam:AttachRolePolicy",
    lost_ec2_modify_vpc_attribute => "ec2:ModifyVpcAttribute",
    lost_ec2_authorize_security_group_ingress => "ec2:AuthorizeSecurityGroupIngress",
    lost_ec2_attach_vpn_gateway => "ec2:AttachVpnGateway",
    lost_ec2_enable_vgw_route_propagation => "ec2:EnableVgwRoutePropagation",
    lost_iam_put_role_policy => "iam:PutRolePolicy",
    lost_secretsmanager_put_secret_value => "secretsmanager:PutSecretValue",
}

/// The chaos profile (18 % throttling, 5 % 5xx, 2 % resets, 3 % lost answers on every call, seeded)
/// against 150 `DescribeReplicationInstances` of the AWS SDK for Rust with generous retries: every
/// call succeeds, every kind was injected near its rate, and the same seed injects the same faults
/// into the same calls again.
#[test]
fn chaos_profile_is_survived_by_sdk_retries_and_reproducible() {
    let Some(venv) = Venv::find() else {
        return missing_tool::<()>("no Python venv (moto, boto3)", "make venv").unwrap_or(());
    };
    const CALLS: usize = 150;
    let profile = ChaosProfile::issue12();
    let emulator = Emulator::start_with_faults(&venv, &profile.rules(), 12);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let config = aws_sdk_databasemigration::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(dmslink_acctest::REGION))
        .endpoint_url(emulator.endpoint())
        .credentials_provider(Credentials::new("testing", "testing", None, None, "reliability"))
        .retry_config(RetryConfig::standard().with_max_attempts(10).with_initial_backoff(Duration::from_millis(5)))
        .build();
    let client = aws_sdk_databasemigration::Client::from_conf(config);

    let run = || -> Vec<Option<String>> {
        for i in 0..CALLS {
            rt.block_on(client.describe_replication_instances().send())
                .unwrap_or_else(|e| panic!("call {i} failed despite retries: {e:?}"));
        }
        emulator.requests().into_iter().map(|r| r.fault.map(|f| f.kind)).collect()
    };
    let first = run();
    let counters = emulator.fault_counters();
    eprintln!("chaos (seed 12, {CALLS} successful calls): {:?} injected in {} calls", counters.kinds, counters.calls);
    let calls = counters.calls as f64;
    assert_eq!(counters.calls as usize, first.len());
    for (kind, rate) in
        [("throttle", profile.throttle), ("server", profile.server), ("reset", profile.reset), ("lost", profile.lost)]
    {
        let got = counters.of(kind) as f64 / calls;
        assert!(
            counters.of(kind) > 0 && (got - rate).abs() < 0.08,
            "{kind}: {got:.3} of {calls} calls, want {rate}: {counters:?}"
        );
    }
    assert_eq!(counters.injected, first.iter().filter(|k| k.is_some()).count() as u64);

    // The reset brings back the start-up rules and seed: the same calls meet the same faults.
    emulator.reset();
    assert_eq!(emulator.fault_counters().calls, 0);
    assert_eq!(run(), first, "the same seed injected different faults");
}

// ---- dmslink_peering ----------------------------------------------------------------------------

const PEERING_ADDR: &str = "dmslink_peering.app";

/// The changing calls of a `dmslink_peering` create between two VPCs of one account, with a
/// security group rule (`tests/modules/peering-same-account`), as `service:Action`.
const PEERING_CHANGES: &[&str] = &[
    "ec2:CreateVpcPeeringConnection",
    "ec2:AcceptVpcPeeringConnection",
    "ec2:ModifyVpcPeeringConnectionOptions",
    "ec2:CreateRoute",
    "ec2:AuthorizeSecurityGroupIngress",
];

/// The two VPCs (the DMS one with a security group and three route tables) and the module using them.
fn peering_workdir(bed: &TestBed) -> (Workdir, [dmslink_acctest::Vpc; 2]) {
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
    (wd, [dms, app])
}

/// The live peerings in the emulator.
fn live_peerings(emulator: &Emulator) -> Vec<Value> {
    emulator.inventory("type=ec2:vpc-peering-connection").into_iter().filter(ledger::is_live).collect()
}

#[test]
fn peering_create_calls_are_the_lost_answer_cases() {
    let Some(bed) = TestBed::start("peering_create_calls_are_the_lost_answer_cases") else {
        return;
    };
    let (wd, _) = peering_workdir(&bed);
    bed.emulator.clear_requests();
    wd.apply();
    assert_eq!(live_peerings(&bed.emulator).len(), 1);
    let want: BTreeSet<String> = PEERING_CHANGES.iter().map(|s| s.to_string()).collect();
    assert_eq!(changing_calls(&bed.emulator), want, "the lost_peering_* cases are not the calls the create makes");
}

/// One call of `operation` during a `dmslink_peering` create is served and its answer lost: the apply
/// converges on one peering with its routes and rule, plans clean, and destroy leaves nothing.
fn lost_peering_case(operation: &str) {
    let Some(bed) = TestBed::start(&format!("lost_peering_{}", operation.replace(':', "_"))) else {
        return;
    };
    let mut outcome = Outcome::start("lost answers", &format!("dmslink_peering {operation}"));
    let (service, action) = operation.split_once(':').unwrap();
    let (wd, [dms, app]) = peering_workdir(&bed);
    let before = ledger::keys(&bed.emulator.inventory("include_defaults=false"));
    let rule = bed.emulator.inject(&FaultRule::lost(service, action));
    let out = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_lost_once(&bed.emulator, rule, operation);
    assert!(out.success(), "{operation}: the apply after a lost answer failed:\n{}", out.describe());

    let values = wd.resource_values(PEERING_ADDR).unwrap_or_else(|| panic!("{operation}: no {PEERING_ADDR} in state"));
    let pcx = values["peering_connection_id"].as_str().unwrap_or_default().to_string();
    let live = live_peerings(&bed.emulator);
    assert!(live.len() == 1 && live[0]["id"] == pcx.as_str(), "{operation}: live peerings {live:#?}, state {pcx}");
    assert_eq!(values["status"], "active", "{operation}: {values:#}");
    let routes = |vpc: &dmslink_acctest::Vpc| {
        bed.fixtures().routes(None, &vpc.vpc_id).into_iter().filter(|r| r.target == pcx).count()
    };
    assert_eq!(routes(&dms), dms.route_table_ids.len(), "{operation}: routes of the DMS VPC through {pcx}");
    assert_eq!(routes(&app), app.route_table_ids.len(), "{operation}: routes of the app VPC through {pcx}");
    assert_eq!(values["security_group_rules"].as_array().map(Vec::len), Some(1), "{operation}: {values:#}");
    wd.expect_plan(0, &format!("plan after the apply with a lost {operation} answer"));
    let duplicates = ledger::duplicates(&bed.emulator.inventory("include_defaults=false"));

    wd.destroy();
    assert_eq!(routes(&dms) + routes(&app), 0, "{operation}: routes through {pcx} left after destroy");
    let leaks = ledger::leaks(&bed.emulator.inventory("include_defaults=false"), &before, &[]);
    assert_eq!((&duplicates, &leaks), (&vec![], &vec![]), "{operation}: duplicates, leaks");
    outcome.faults(&bed.emulator.fault_counters()).stacks(1).duplicates(&duplicates).leaks(&leaks).record();
}

macro_rules! lost_peering_cases {
    ($($name:ident => $operation:literal,)*) => {
        $(
            #[test]
            fn $name() {
                lost_peering_case($operation);
            }
        )*

        #[test]
        fn every_peering_change_has_a_lost_answer_case() {
            assert_eq!(vec![$($operation),*], PEERING_CHANGES);
        }
    };
}

lost_peering_cases! {
    // Sent once by the SDK (no natural key); the step kit finds the peering the lost call made.
    lost_peering_ec2_create_vpc_peering_connection => "ec2:CreateVpcPeeringConnection",
    // The retry meets InvalidStateTransition (already provisioning): accepted.
    lost_peering_ec2_accept_vpc_peering_connection => "ec2:AcceptVpcPeeringConnection",
    lost_peering_ec2_modify_vpc_peering_connection_options => "ec2:ModifyVpcPeeringConnectionOptions",
    // The retry meets RouteAlreadyExists through this peering: done.
    lost_peering_ec2_create_route => "ec2:CreateRoute",
    // The retry meets InvalidPermission.Duplicate: done.
    lost_peering_ec2_authorize_security_group_ingress => "ec2:AuthorizeSecurityGroupIngress",
}

// ---- dmslink_repltask ---------------------------------------------------------------------------

/// Where in a `dmslink_repltask`'s life a call is made (first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    /// `apply` with `start_replication_task = true`: create, start.
    Create,
    /// `apply` of new table mappings and tags on the running task: stop, modify, start, untag, tag.
    Update,
    /// `destroy`: stop, delete.
    Destroy,
}

/// The changing calls of a `dmslink_repltask`'s create, update and destroy (`terraform-repltask`),
/// each with the phase that calls it first.
const REPLTASK_CHANGES: &[(&str, Phase)] = &[
    ("dms:CreateReplicationTask", Phase::Create),
    ("dms:StartReplicationTask", Phase::Create),
    ("dms:StopReplicationTask", Phase::Update),
    ("dms:ModifyReplicationTask", Phase::Update),
    ("dms:RemoveTagsFromResource", Phase::Update),
    ("dms:AddTagsToResource", Phase::Update),
    ("dms:DeleteReplicationTask", Phase::Destroy),
];

/// The update: a second table-mapping rule, the tag `created_by` removed and `owner` changed.
const REPLTASK_UPDATE: &str = r#"resource "dmslink_repltask" "dblink" {
  table_mappings = <<-EOT
    {"rules": [
      {"rule-type": "selection", "rule-id": "1", "rule-name": "1",
       "object-locator": {"schema-name": "ROCKPROPS%", "table-name": "WEB%"}, "rule-action": "include"},
      {"rule-type": "selection", "rule-id": "2", "rule-name": "2",
       "object-locator": {"schema-name": "ROCKPROPS%", "table-name": "APP%"}, "rule-action": "include"}
    ]}
  EOT
  tags = {
    Name  = "integration-dblink-dms-dev-replication-task"
    owner = "dblink-lost-answers@example.com"
  }
}
"#;

const REPLTASK_ID: &str = "dblink-repl-lost";
const TASK_WAIT: Duration = Duration::from_secs(60);

/// `terraform-repltask` on a DMS stack the fixtures build in the emulator, to start its task.
fn repltask_workdir(bed: &TestBed) -> Workdir {
    let fixtures = bed.fixtures();
    let backend = fixtures.state_backend("tfstate-dblink-lost", "terraform-lock-db-lost", "dblink-repl");
    let stack = fixtures.dms_stack("dblink-lost", 1);
    let cli = bed.clis().first().expect("TestBed::start found no CLI");
    let mut wd = bed.workdir(cli, "terraform-repltask");
    wd.use_backend(&backend)
        .set_var("stack_name", "integration-dblink")
        .set_var("dms_source_arn", &stack.source_endpoint_arn)
        .set_var("dms_target_arn", &stack.target_endpoint_arn)
        .set_var("replication_instance_arn", stack.replication_instance_arn())
        .set_var("replication_task_id", REPLTASK_ID)
        .set_var("start_replication_task", "true");
    wd.init();
    wd
}

/// Runs `args` (an apply or a destroy) of `phase`, with the answer of `lost` lost when it is this
/// phase's case; the rule's id when one was injected. Every run must succeed.
fn repltask_phase(
    bed: &TestBed,
    wd: &Workdir,
    phase: Phase,
    lost: Option<(&str, Phase)>,
    args: &[&str],
) -> Option<u64> {
    let rule = match lost {
        Some((operation, at)) if at == phase => {
            let (service, action) = operation.split_once(':').unwrap();
            Some(bed.emulator.inject(&FaultRule::lost(service, action)))
        }
        _ => None,
    };
    let out = wd.run(args);
    assert!(out.success(), "{lost:?}: the {phase:?} failed:\n{}", out.describe());
    rule
}

/// Create (started), update, destroy, with `lost` losing one answer; the changing calls each phase
/// made. Every phase must succeed with one task, running after the applies, and a clean plan.
fn repltask_life(bed: &TestBed, lost: Option<(&str, Phase)>) -> Vec<(Phase, BTreeSet<String>)> {
    let mut outcome =
        lost.map(|(operation, _)| Outcome::start("lost answers", &format!("dmslink_repltask {operation}")));
    let dms = bed.dms();
    let wd = repltask_workdir(bed);
    let before = ledger::keys(&bed.emulator.inventory("include_defaults=false"));
    let apply = ["apply", "-auto-approve", "-input=false", "-no-color"];
    let mut calls = Vec::new();
    let mut rules = Vec::new();
    let mut duplicates = Vec::new();
    for phase in [Phase::Create, Phase::Update, Phase::Destroy] {
        if phase == Phase::Update {
            wd.write("zz_update_override.tf", REPLTASK_UPDATE);
        }
        bed.emulator.clear_requests();
        let args: &[&str] =
            if phase == Phase::Destroy { &["destroy", "-auto-approve", "-input=false", "-no-color"] } else { &apply };
        rules.extend(repltask_phase(bed, &wd, phase, lost, args));
        if let Some(rule) = rules.last().filter(|_| lost.is_some_and(|(_, at)| at == phase)) {
            assert_lost_once(&bed.emulator, *rule, lost.map(|(op, _)| op).unwrap_or_default());
        }
        calls.push((phase, changing_calls(&bed.emulator)));
        if phase == Phase::Destroy {
            break;
        }
        let tasks: Vec<_> = dms.tasks().into_iter().filter(|t| t.id == REPLTASK_ID).collect();
        assert_eq!(tasks.len(), 1, "{lost:?} after {phase:?}: {tasks:?}");
        let task = dms.wait_status(REPLTASK_ID, "running", TASK_WAIT);
        if phase == Phase::Update {
            assert_eq!(task.rule_ids(), ["1", "2"], "{lost:?}: {}", task.table_mappings);
            let tags = dms.tags(&task.arn);
            assert!(
                !tags.contains_key("created_by") && tags.get("owner").is_some_and(|o| o.contains("lost")),
                "{tags:?}"
            );
        }
        wd.expect_plan(0, &format!("plan after the {phase:?} with {lost:?}"));
        duplicates.extend(ledger::duplicates(&bed.emulator.inventory("include_defaults=false")));
    }
    assert_eq!(rules.len(), usize::from(lost.is_some()), "{lost:?}: the rule was never injected");
    assert!(dms.tasks().is_empty(), "{lost:?}: tasks left after destroy: {:?}", dms.tasks());
    let leaks = ledger::leaks(&bed.emulator.inventory("include_defaults=false"), &before, &[]);
    assert_eq!((&duplicates, &leaks), (&vec![], &vec![]), "{lost:?}: duplicates, leaks");
    if let Some(outcome) = outcome.as_mut() {
        outcome.faults(&bed.emulator.fault_counters()).stacks(1).duplicates(&duplicates).leaks(&leaks).record();
    }
    calls
}

#[test]
fn repltask_calls_are_the_lost_answer_cases() {
    let Some(bed) = TestBed::start("repltask_calls_are_the_lost_answer_cases") else {
        return;
    };
    let calls = repltask_life(&bed, None);
    let mut first: Vec<(String, Phase)> = Vec::new();
    for (phase, made) in calls {
        for call in made {
            if !first.iter().any(|(c, _)| *c == call) {
                first.push((call, phase));
            }
        }
    }
    first.sort();
    let mut want: Vec<(String, Phase)> = REPLTASK_CHANGES.iter().map(|(c, p)| (c.to_string(), *p)).collect();
    want.sort();
    assert_eq!(first, want, "the lost_repltask_* cases are not the calls a create, update and destroy make");
}

fn lost_repltask_case(operation: &str) {
    let Some(bed) = TestBed::start(&format!("lost_repltask_{}", operation.replace(':', "_"))) else {
        return;
    };
    let phase = REPLTASK_CHANGES.iter().find(|(op, _)| *op == operation).map(|(_, p)| *p).unwrap();
    repltask_life(&bed, Some((operation, phase)));
}

macro_rules! lost_repltask_cases {
    ($($(#[$attr:meta])* $name:ident => $operation:literal,)*) => {
        $(
            #[test]
            $(#[$attr])*
            fn $name() {
                lost_repltask_case($operation);
            }
        )*

        #[test]
        fn every_repltask_change_has_a_lost_answer_case() {
            let ops: Vec<&str> = REPLTASK_CHANGES.iter().map(|(op, _)| *op).collect();
            assert_eq!(vec![$($operation),*], ops);
        }
    };
}

lost_repltask_cases! {
    // The retry meets ResourceAlreadyExistsFault: the task is adopted (ownership tag).
    lost_repltask_dms_create_replication_task => "dms:CreateReplicationTask",
    // The retry meets InvalidResourceStateFault (starting): started.
    lost_repltask_dms_start_replication_task => "dms:StartReplicationTask",
    // The retry meets InvalidResourceStateFault (stopping): stopped.
    #[ignore = "long: a whole task life (~25 s); run by make reliability"]
    lost_repltask_dms_stop_replication_task => "dms:StopReplicationTask",
    // The retry meets InvalidResourceStateFault (modifying): waited out, the change shows.
    #[ignore = "long: a whole task life (~25 s); run by make reliability"]
    lost_repltask_dms_modify_replication_task => "dms:ModifyReplicationTask",
    #[ignore = "long: a whole task life (~25 s); run by make reliability"]
    lost_repltask_dms_remove_tags_from_resource => "dms:RemoveTagsFromResource",
    #[ignore = "long: a whole task life (~25 s); run by make reliability"]
    lost_repltask_dms_add_tags_to_resource => "dms:AddTagsToResource",
    // The retry meets the task deleting (or gone): waited until gone.
    #[ignore = "long: a whole task life (~25 s); run by make reliability"]
    lost_repltask_dms_delete_replication_task => "dms:DeleteReplicationTask",
}

/// HTTP 500s injected into this many `DescribeReplicationInstances` calls: two reads of the wait for
/// the replication instance, each of `max_retries = 1` (two attempts), fail to the end.
const INSTANCE_READ_FAULTS: u32 = 4;

/// A CI run of `concurrency.rs` lost an apply to one read: the ten tasks' waits for their replication
/// instance were one coalesced `DescribeReplicationInstances`, which met injected faults on all of
/// the SDK's 26 attempts, the last an HTTP 500, and the wait ended with "replication instance ...
/// cannot run tasks: InternalFailure". A wait's read is asked again after a 5xx as after throttling
/// (up to three such reads in a row); here with one retry per call, so that two reads fail quickly.
#[test]
fn a_wait_polls_through_server_errors_that_outlast_the_sdk_retries() {
    let Some(bed) = TestBed::start("wait_polls_through_server_errors") else {
        return;
    };
    let dms = bed.dms();
    let wd = repltask_workdir(&bed);
    wd.write("zz_provider_override.tf", "provider \"dmslink\" {\n  max_retries = 1\n}\n");
    let plan = wd.run(&["plan", "-out=tfplan", "-input=false", "-no-color"]);
    assert!(plan.success(), "plan:\n{}", plan.describe());

    bed.emulator.reset_fault_counters();
    bed.emulator.inject(
        &FaultRule::new(FaultKind::Server { status: 500 })
            .on("dms")
            .action("DescribeReplicationInstances")
            .times(INSTANCE_READ_FAULTS),
    );
    let out = wd.run(&["apply", "-input=false", "-no-color", "tfplan"]);
    assert!(out.success(), "the apply through {INSTANCE_READ_FAULTS} HTTP 500s failed:\n{}", out.describe());
    let counters = bed.emulator.fault_counters();
    let met = counters.operations.get("dms:DescribeReplicationInstances").and_then(|o| o.get("server")).copied();
    assert_eq!(met, Some(u64::from(INSTANCE_READ_FAULTS)), "faults met: {counters:?}");
    let tasks: Vec<_> = dms.tasks().into_iter().filter(|t| t.id == REPLTASK_ID).collect();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    dms.wait_status(REPLTASK_ID, "running", TASK_WAIT);
    wd.expect_plan(0, "plan after the apply through server errors");

    let out = wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(out.success(), "destroy:\n{}", out.describe());
    assert!(dms.tasks().is_empty(), "tasks left: {:?}", dms.tasks());
}
