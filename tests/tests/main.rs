//! Acceptance tests of `dmslink_main`: the real Terraform CLIs (the pinned 1.0.3 and the current one
//! on PATH) drive `examples-hcl/terraform-main` (and, for the narrower cases, a small stack of their
//! own) against the emulator, and the emulator's inventory shows what exists in AWS afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use dmslink_acctest::seed_stack::{self, ENVIRONMENT, PREFIX, STACK_NAME};
use dmslink_acctest::{Cli, Request, RunOutput, StateBackend, TestBed, Version, Workdir, assert_in_order};
use serde_json::{Value, json};

const ADDR: &str = "dmslink_main.dblink";
/// `name-environment`: the prefix of every child and the value of its `dmslink:stack` tag.
const WAIT: Duration = Duration::from_secs(60);

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
    // The target's login secret (manage_login_secret) and the IAM role DMS reads it through.
    ("secretsmanager:secret", 1),
    ("iam:role", 1),
];

/// The state bucket, a source snapshot and `dms-vpc-role` in the emulator, then a copy of
/// `terraform-main` with its `TF_VAR_*` inputs.
fn main_workdir(bed: &TestBed, cli: &Cli) -> (Workdir, StateBackend) {
    seed_stack::terraform_main(bed, cli)
}

/// Objects in the emulator tagged as children of the stack `prefix`.
fn stack_objects(bed: &TestBed, prefix: &str) -> Vec<Value> {
    bed.emulator.inventory(&format!("tag=dmslink:stack={prefix}"))
}

fn counts(objects: &[Value]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for o in objects {
        *out.entry(o["type"].as_str().unwrap_or("?").to_string()).or_insert(0) += 1;
    }
    out
}

fn assert_stack_complete(label: &str, bed: &TestBed, why: &str) {
    let objects = stack_objects(bed, PREFIX);
    let want: BTreeMap<String, usize> = STACK_CHILDREN.iter().map(|(t, n)| (t.to_string(), *n)).collect();
    assert_eq!(counts(&objects), want, "[{label}] {why}: children tagged dmslink:stack={PREFIX}");
}

/// After destroy: nothing tagged with the stack, and of every VPC, subnet, security group, gateway,
/// route table, network interface, RDS instance, subnet group and DMS object, only the defaults
/// and what the test itself made (the seed snapshot, `dms-vpc-role`) are left.
/// (A deleted VPN gateway stays listed as `deleted` for a while, in AWS as in the emulator.)
fn assert_nothing_left(label: &str, bed: &TestBed, prefix: &str, keep_role: bool) {
    let gone = |o: &Value| !seed_stack::still_there(o);
    let tagged: Vec<Value> = stack_objects(bed, prefix).into_iter().filter(|o| !gone(o)).collect();
    assert!(tagged.is_empty(), "[{label}] objects still tagged dmslink:stack={prefix}: {tagged:#?}");
    let left: Vec<Value> = bed
        .emulator
        .inventory("include_defaults=false")
        .into_iter()
        .filter(|o| {
            let ty = o["type"].as_str().unwrap_or_default();
            let manual_snapshot = ty == "rds:db-snapshot" && o["snapshot_type"] == "manual";
            let role = ty == "iam:role" && o["name"] == "dms-vpc-role" && keep_role;
            !manual_snapshot && !role && !gone(o)
        })
        .collect();
    assert!(left.is_empty(), "[{label}] left behind after destroy: {left:#?}");
}

/// `text` with every run of whitespace as one space: Terraform wraps diagnostic details.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Actions of `service` in the request log that succeeded (faulted calls are logged too).
fn served(bed: &TestBed, service: &str) -> Vec<String> {
    served_calls(bed).into_iter().filter(|r| r.service == service).map(|r| r.action).collect()
}

/// The calls in the request log that did not fail (in flight counts).
fn served_calls(bed: &TestBed) -> Vec<Request> {
    bed.emulator.requests().into_iter().filter(|r| r.status.is_none_or(|s| s < 400)).collect()
}

fn count_of(actions: &[String], action: &str) -> usize {
    actions.iter().filter(|a| *a == action).count()
}

fn assert_in_place(label: &str, out: &RunOutput) {
    assert!(
        out.stdout.contains(&format!("{ADDR} will be updated in-place")) && !out.stdout.contains("must be replaced"),
        "[{label}] expected an in-place update of {ADDR}:\n{}",
        out.describe()
    );
}

fn replication_instance_class(bed: &TestBed, arn: &str) -> String {
    let dms = bed.dms();
    let resp = dms
        .block_on(dms.client().describe_replication_instances().send())
        .unwrap_or_else(|e| panic!("DescribeReplicationInstances: {e}"));
    resp.replication_instances()
        .iter()
        .find(|ri| ri.replication_instance_arn() == Some(arn))
        .and_then(|ri| ri.replication_instance_class())
        .unwrap_or_else(|| panic!("no replication instance {arn}"))
        .to_string()
}

/// Leaf paths (`source[0].password`) where `before` and `after` differ, leaving out values
/// `after_unknown` marks as known only after apply.
fn changed_paths(before: &Value, after: &Value, unknown: &Value, path: &str, out: &mut Vec<String>) {
    if unknown == &Value::Bool(true) {
        return;
    }
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for k in keys {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                changed_paths(
                    b.get(k).unwrap_or(&Value::Null),
                    a.get(k).unwrap_or(&Value::Null),
                    unknown.get(k).unwrap_or(&Value::Null),
                    &p,
                    out,
                );
            }
        }
        (Value::Array(b), Value::Array(a)) if b.len() == a.len() => {
            for (i, (bv, av)) in b.iter().zip(a).enumerate() {
                changed_paths(bv, av, unknown.get(i).unwrap_or(&Value::Null), &format!("{path}[{i}]"), out);
            }
        }
        (b, a) if b != a => out.push(path.to_string()),
        _ => {}
    }
}

/// The planned change of `addr` in a `show -json` plan: its actions and changed leaf paths.
fn planned_change(plan: &Value, addr: &str) -> (Vec<String>, Vec<String>) {
    let rc = plan["resource_changes"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["address"] == addr))
        .unwrap_or_else(|| panic!("no resource change for {addr} in {plan:#}"));
    let actions = rc["change"]["actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect();
    let mut paths = Vec::new();
    changed_paths(&rc["change"]["before"], &rc["change"]["after"], &rc["change"]["after_unknown"], "", &mut paths);
    (actions, paths)
}

/// Create → no-op plan → a running task on the stack → in-place update of the replication instance
/// class, the source endpoint's password (the task is stopped and resumed) and the tags → import
/// into a fresh state → no-op plan → destroy refused while the task runs → destroy; nothing is left.
/// With AWS's eventual consistency on (a new object is not found for 3 s after its create).
#[test]
fn main_lifecycle() {
    let Some(bed) = TestBed::start_eventually_consistent("main_lifecycle") else {
        return;
    };
    let dms = bed.dms();
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let (mut wd, backend) = main_workdir(&bed, cli);
        wd.init();

        // Create: one resource, every child tagged with the stack.
        let out = wd.expect_plan(2, "first plan");
        assert!(out.stdout.contains(&format!("{ADDR} will be created")), "[{label}] {}", out.describe());
        wd.apply();
        assert_stack_complete(&label, &bed, "after create");
        let state = bed.fixtures().state_document(&backend.bucket, &backend.key);
        assert!(
            state["resources"].as_array().is_some_and(|r| r.iter().any(|r| r["type"] == "dmslink_main")),
            "[{label}] the S3 state holds no dmslink_main: {state:#}"
        );
        let outputs = wd.outputs();
        for key in ["replication_instance_arn", "dms_source_arn", "dms_target_arn", "source_address", "target_address"]
        {
            assert!(outputs[key].as_str().is_some_and(|v| !v.is_empty()), "[{label}] output {key}: {outputs:#}");
        }
        let ri_arn = outputs["replication_instance_arn"].as_str().unwrap().to_string();
        assert_eq!(replication_instance_class(&bed, &ri_arn), "dms.t3.medium");

        // A second plan has nothing to do.
        wd.expect_plan(0, "plan right after create");

        // Issue 15: the endpoints edited outside Terraform (in the console: the source's port, the
        // target's SSL mode) show in the next plan, and the apply sets them back. (The target reads
        // its host and port from the login secret dmslink writes: its endpoint has no port.)
        let source_arn = outputs["dms_source_arn"].as_str().unwrap().to_string();
        let target_arn = outputs["dms_target_arn"].as_str().unwrap().to_string();
        let (port, _) = dms.endpoint_port_and_ssl_mode(&source_arn);
        dms.modify_endpoint_port_and_ssl_mode(&source_arn, 6543, "none");
        dms.modify_endpoint_ssl_mode(&target_arn, "require");
        let out = wd.expect_plan(2, "plan after the endpoints were edited out of band");
        let shown = squash(&out.stdout);
        assert!(
            shown.contains("endpoint_drift") && shown.contains("6543") && shown.contains("\"require\""),
            "[{label}] the plan does not show the endpoints' drift:\n{}",
            out.describe()
        );
        assert_in_place(&label, &out);
        bed.emulator.clear_requests();
        wd.apply();
        assert_eq!(count_of(&served(&bed, "dms"), "ModifyEndpoint"), 2, "[{label}] {:?}", served(&bed, "dms"));
        assert_eq!(dms.endpoint_port_and_ssl_mode(&source_arn).0, port, "[{label}] source not set back");
        assert_eq!(dms.endpoint_port_and_ssl_mode(&target_arn).1, "none", "[{label}] target not set back");
        wd.expect_plan(0, "plan after the endpoint was set back");

        // A replication task of another root module runs on the stack (its source endpoint); that
        // module finds the stack through the dmslink_main data source, not copied TF_VAR_* ARNs.
        let task_id = "dblink-repl-lifecycle";
        let repl_backend = bed.fixtures().state_backend("tfstate-dblink", "terraform-lock-db", "dblink-repl");
        let mut repl = bed.workdir(cli, "terraform-repltask");
        repl.use_backend(&repl_backend)
            .set_var("stack_name", STACK_NAME)
            .set_var("main_stack_name", STACK_NAME)
            .set_var("environment", ENVIRONMENT)
            .set_var("source_name", "geodesy")
            .set_var("replication_task_id", task_id)
            .set_var("start_replication_task", "true");
        repl.init();
        repl.apply();
        let task = dms.wait_status(task_id, "running", WAIT);
        assert_eq!(Some(task.source_endpoint_arn.as_str()), outputs["dms_source_arn"].as_str(), "[{label}] {task:?}");
        assert_eq!(Some(task.target_endpoint_arn.as_str()), outputs["dms_target_arn"].as_str(), "[{label}] {task:?}");
        assert_eq!(task.replication_instance_arn, ri_arn, "[{label}] {task:?}");
        repl.expect_plan(0, "repltask plan after apply (data source read again)");

        // In place: instance class, the source password (with the task on it), tags.
        wd.write(
            "zz_update_override.tf",
            r#"resource "dmslink_main" "dblink" {
  replication_instance {
    replication_instance_class = "dms.t3.large"
    allocated_storage          = 50
  }

  tags = {
    owner       = "platform-data@example.com"
    cost_centre = "4711"
  }
}
"#,
        );
        wd.set_var("source_app_password", "Source-app-pw-0002");
        let out = wd.expect_plan(2, "plan of the update");
        assert_in_place(&label, &out);
        bed.emulator.clear_requests();
        wd.apply();
        let dms_calls = served(&bed, "dms");
        assert_eq!(count_of(&dms_calls, "ModifyReplicationInstance"), 1, "[{label}] {dms_calls:?}");
        assert_in_order(
            &label,
            "password change under a running task",
            &dms_calls,
            &["StopReplicationTask", "ModifyEndpoint", "DescribeConnections", "StartReplicationTask"],
        );
        // The modify makes DMS test the endpoint, and a start meanwhile is refused (#46139): the
        // resume waited for the test instead of meeting the refusal.
        let refused_starts: Vec<_> = bed
            .emulator
            .requests()
            .into_iter()
            .filter(|r| r.action == "StartReplicationTask" && r.status.is_some_and(|s| s >= 400))
            .collect();
        assert!(refused_starts.is_empty(), "[{label}] refused starts: {refused_starts:?}");
        for create in ["CreateEndpoint", "CreateReplicationInstance", "DeleteEndpoint", "DeleteReplicationInstance"] {
            assert_eq!(count_of(&dms_calls, create), 0, "[{label}] an in-place update called {create}: {dms_calls:?}");
        }
        assert_eq!(dms.expect_task(task_id).status, "running", "[{label}] the task was not resumed");
        assert_eq!(replication_instance_class(&bed, &ri_arn), "dms.t3.large");
        for o in stack_objects(&bed, PREFIX) {
            let tags = &o["tags"];
            assert!(
                tags["owner"] == "platform-data@example.com"
                    && tags["cost_centre"] == "4711"
                    && tags["created_by"] == "terraform",
                "[{label}] {} {} has tags {tags}",
                o["type"],
                o["id"]
            );
        }
        wd.expect_plan(0, "plan after the update");

        // Import into a fresh state: every attribute but the secrets comes back from AWS.
        wd.state_rm(ADDR);
        assert!(wd.state_list().is_empty(), "[{label}] state not empty after state rm");
        wd.import(ADDR, &format!("{STACK_NAME}/{ENVIRONMENT}"));
        let plan = wd.plan_json();
        let (actions, paths) = planned_change(&plan, ADDR);
        let secrets = ["password", "master_password", "password_wo_version", "master_password_wo_version"];
        let not_secret: Vec<&String> =
            paths.iter().filter(|p| !secrets.iter().any(|s| p.rsplit('.').next() == Some(*s))).collect();
        assert!(
            not_secret.is_empty() && (actions == ["no-op"] || actions == ["update"]),
            "[{label}] after import the plan changes more than the secrets AWS cannot return: actions {actions:?}, \
             changed {paths:?}"
        );
        // Secrets cannot be read back: the first apply after import sends them again, then all is quiet.
        bed.emulator.clear_requests();
        wd.apply();
        let created: Vec<String> =
            bed.emulator.requests().into_iter().map(|r| r.action).filter(|a| a.starts_with("Create")).collect();
        assert!(created.is_empty(), "[{label}] the apply after import created {created:?}");
        wd.expect_no_resource_changes("plan after import");

        // Destroy is refused while a task of another state uses the instance, and names it.
        let out = wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
        assert!(
            !out.success()
                && squash(&out.stderr).contains("replication tasks still use it")
                && out.stderr.contains(task_id),
            "[{label}] destroy with a task on the instance:\n{}",
            out.describe()
        );
        assert_stack_complete(&label, &bed, "after the refused destroy");
        assert_eq!(dms.expect_task(task_id).status, "running", "[{label}] destroy touched another state's task");

        repl.destroy();
        dms.wait_gone(task_id, WAIT);
        wd.destroy();
        assert!(wd.state_list().is_empty(), "[{label}] state not empty after destroy");
        assert_nothing_left(&label, &bed, PREFIX, true);
    });
}

/// A create that fails at the target endpoint keeps every child it made in the (tainted) state;
/// `untaint` + `apply` creates only what is missing; destroy removes everything.
#[test]
fn main_failed_step_resumes_after_untaint() {
    let Some(bed) = TestBed::start("main_failed_step_resumes_after_untaint") else {
        return;
    };
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let (wd, _) = main_workdir(&bed, cli);
        wd.init();
        bed.emulator.inject_fault(json!({
            "service": "dms", "action": "CreateEndpoint", "count": 1,
            "code": "InvalidParameterValueException", "message": "injected: the target endpoint is refused",
            "match": {"EndpointIdentifier": format!("{PREFIX}-tgt")}
        }));
        let out = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        assert!(!out.success(), "[{label}] apply with an injected fault succeeded:\n{}", out.describe());
        for needle in [
            "step create_target_endpoint failed",
            "InvalidParameterValueException",
            "injected: the target endpoint is refused",
            "terraform untaint",
        ] {
            assert!(squash(&out.stderr).contains(needle), "[{label}] the error lacks {needle:?}:\n{}", out.describe());
        }

        // Every child created so far is in the state.
        let values = wd.resource_values(ADDR).unwrap_or_else(|| panic!("[{label}] {ADDR} not in state after failure"));
        for key in ["vpc_id", "security_group_id", "vpn_gateway_id", "db_subnet_group_name", "replication_instance_arn"]
        {
            assert!(values[key].as_str().is_some_and(|v| !v.is_empty()), "[{label}] state lacks {key}: {values:#}");
        }
        for db in ["source", "target"] {
            let id = if db == "source" { &values[db][0] } else { &values[db] };
            assert!(id["db_instance_identifier"].as_str().is_some(), "[{label}] {db} DB not in state: {values:#}");
        }
        assert!(values["target"]["endpoint_arn"].is_null(), "[{label}] target endpoint in state: {values:#}");
        // The source endpoint exists when its step ran before the failure (it runs beside the
        // target's; a failure starts nothing new): if it exists, the state has it.
        let endpoints: Vec<Value> =
            stack_objects(&bed, PREFIX).into_iter().filter(|o| o["type"] == "dms:endpoint").collect();
        assert!(endpoints.len() <= 1, "[{label}] {endpoints:#?}");
        assert_eq!(
            values["source"][0]["endpoint_arn"].as_str(),
            endpoints.first().and_then(|e| e["arn"].as_str()),
            "[{label}] the source endpoint in AWS and in state differ"
        );

        // Resume: the plan is an update of the same resource, the apply creates only the missing endpoints.
        wd.run_ok(&["untaint", ADDR]);
        let out = wd.expect_plan(2, "plan after untaint");
        assert_in_place(&label, &out);
        bed.emulator.clear_requests();
        wd.apply();
        let creates: Vec<String> = bed
            .emulator
            .requests()
            .into_iter()
            .map(|r| r.action)
            .filter(|a| a.starts_with("Create") || a.starts_with("Restore"))
            .collect();
        let missing = vec!["CreateEndpoint"; 2 - endpoints.len()];
        assert_eq!(creates, missing, "[{label}] the resumed apply created more than the missing endpoints");
        assert_stack_complete(&label, &bed, "after the resumed apply");
        wd.expect_plan(0, "plan after the resumed apply");

        wd.destroy();
        assert_nothing_left(&label, &bed, PREFIX, true);
    });
}

/// The provider is killed (SIGKILL) while the create waits for the databases and the replication
/// instance; Terraform saves nothing. The next apply adopts the children it finds by their
/// identifiers and ownership tags: no second VPC, RDS instance or replication instance.
#[test]
fn main_killed_create_is_adopted_by_the_next_apply() {
    let Some(bed) = TestBed::start("main_killed_create_is_adopted_by_the_next_apply") else {
        return;
    };
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let (wd, _) = main_workdir(&bed, cli);
        wd.init();
        bed.emulator.set_config(json!({"rds_creating_seconds": 20, "dms_instance_creating_seconds": 15}));

        bed.emulator.clear_requests();
        let provider_bin = "terraform-provider-dmslink";
        let (first, killed) = std::thread::scope(|s| {
            let apply = s.spawn(|| wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]));
            // Kill once the slow children exist in AWS and the provider is waiting for them.
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut killed = Vec::new();
            while Instant::now() < deadline && !apply.is_finished() {
                let done: Vec<String> = served_calls(&bed).iter().map(Request::name).collect();
                if count_of(&done, "dms:CreateReplicationInstance") > 0
                    && count_of(&done, "rds:CreateDBInstance") > 0
                    && count_of(&done, "rds:RestoreDBInstanceFromDBSnapshot") > 0
                {
                    for pid in dmslink_acctest::processes_in(wd.path(), provider_bin) {
                        dmslink_acctest::kill_hard(pid);
                        killed.push(pid);
                    }
                    if !killed.is_empty() {
                        break;
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            (apply.join().unwrap(), killed)
        });
        assert!(
            !killed.is_empty(),
            "[{label}] found no provider process to kill (requests: {:?}):\n{}",
            bed.emulator.requests().iter().map(|r| r.name()).collect::<Vec<_>>(),
            first.describe()
        );
        assert!(!first.success(), "[{label}] the apply whose provider was killed succeeded:\n{}", first.describe());
        assert!(wd.state_list().is_empty(), "[{label}] Terraform saved state after the provider died");
        let before = counts(&stack_objects(&bed, PREFIX));
        assert_eq!(before.get("ec2:vpc"), Some(&1), "[{label}] {before:?}");
        assert_eq!(before.get("dms:replication-instance"), Some(&1), "[{label}] {before:?}");

        // The next apply adopts: nothing that existed is created again.
        bed.emulator.set_config(json!({"rds_creating_seconds": 1, "dms_instance_creating_seconds": 1}));
        bed.emulator.clear_requests();
        let out = wd.apply();
        let calls: Vec<String> = bed.emulator.requests().into_iter().map(|r| r.action).collect();
        for once in [
            "CreateVpc",
            "CreateSubnet",
            "CreateDBInstance",
            "RestoreDBInstanceFromDBSnapshot",
            "CreateReplicationInstance",
            "CreateReplicationSubnetGroup",
            "CreateDBSubnetGroup",
            "CreateSecurityGroup",
        ] {
            assert_eq!(
                count_of(&calls, once),
                0,
                "[{label}] the second apply called {once} again:\n{calls:?}\n{}",
                out.describe()
            );
        }
        assert_stack_complete(&label, &bed, "after the adopting apply");
        wd.expect_plan(0, "plan after the adopting apply");
        wd.destroy();
        assert_nothing_left(&label, &bed, PREFIX, true);
    });
}

/// A small stack (an on-prem source, an RDS target) configured in the test: `dms_vpc_role` and the
/// passwords come from variables.
const SMALL_STACK: &str = r#"terraform {
  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

variable "dms_vpc_role" {
  default = "check"
}

variable "write_only" {
  default = false
}

# Not `sensitive`: see examples-hcl/terraform-main/_variables.tf (Terraform 1.0.x).
variable "source_password" {}

variable "target_password" {}

resource "dmslink_main" "small" {
  name         = "small"
  environment  = "test"
  dms_vpc_role = var.dms_vpc_role

  network {
    vpc_cidr           = "10.40.0.0/24"
    availability_zones = ["ap-southeast-2a", "ap-southeast-2b"]
    subnet_cidrs       = ["10.40.0.0/26", "10.40.0.64/26"]
    vpn_gateway        = false
  }

  source {
    name                = "onprem"
    server_name         = "oracle.corp.example"
    database_name       = "ORCL"
    port                = 1521
    username            = "dms_reader"
    password            = var.write_only ? null : var.source_password
    password_wo         = var.write_only ? var.source_password : null
    password_wo_version = var.write_only ? 1 : null
  }

  target {
    database_name       = "dblink"
    username            = "dblink"
    password            = var.write_only ? null : var.target_password
    password_wo         = var.write_only ? var.target_password : null
    password_wo_version = var.write_only ? 1 : null

    rds {
      instance_class             = "db.t3.micro"
      master_username            = "dblink"
      master_password            = var.write_only ? null : var.target_password
      master_password_wo         = var.write_only ? var.target_password : null
      master_password_wo_version = var.write_only ? 1 : null
    }
  }

  replication_instance {
    replication_instance_class = "dms.t3.small"
  }
}
"#;

const SMALL_PREFIX: &str = "small-test";
const SMALL_SOURCE_PASSWORD: &str = "Wo-source-secret-7391";
const SMALL_TARGET_PASSWORD: &str = "Wo-target-secret-2958";

fn small_workdir(bed: &TestBed, cli: &Cli) -> Workdir {
    let mut wd = bed.workdir(cli, "terraform-main");
    for f in ["_variables.tf", "dms-main.tf"] {
        wd.remove(f);
    }
    wd.write("main.tf", SMALL_STACK);
    wd.set_var("source_password", SMALL_SOURCE_PASSWORD).set_var("target_password", SMALL_TARGET_PASSWORD);
    wd
}

/// Without `dms-vpc-role`, `dms_vpc_role = "check"` fails before anything is created and says how to
/// create the role; `"create"` creates it and the stack, and destroy removes the role it created.
#[test]
fn main_dms_vpc_role_check_fails_early_and_create_succeeds() {
    let Some(bed) = TestBed::start("main_dms_vpc_role_check_fails_early_and_create_succeeds") else {
        return;
    };
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let mut wd = small_workdir(&bed, cli);
        wd.init();
        bed.emulator.clear_requests();
        let out = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        assert!(!out.success(), "[{label}] apply without dms-vpc-role succeeded:\n{}", out.describe());
        for needle in ["dms-vpc-role", "aws iam create-role", "AmazonDMSVPCManagementRole", "dms_vpc_role = \"create\""]
        {
            assert!(squash(&out.stderr).contains(needle), "[{label}] the error lacks {needle:?}:\n{}", out.describe());
        }
        let mutating: Vec<String> = bed
            .emulator
            .requests()
            .into_iter()
            .map(|r| r.name())
            .filter(|n| {
                ["Create", "Restore", "Attach", "Put"]
                    .iter()
                    .any(|p| n.split(':').nth(1).is_some_and(|a| a.starts_with(p)))
            })
            .collect();
        assert!(mutating.is_empty(), "[{label}] the failed check changed AWS: {mutating:?}");
        assert!(stack_objects(&bed, SMALL_PREFIX).is_empty(), "[{label}] objects created before the role check");
        assert!(wd.state_list().is_empty(), "[{label}] a create that made nothing left state");

        wd.set_var("dms_vpc_role", "create");
        wd.apply();
        let roles = bed.emulator.inventory("type=iam:role");
        let role = roles
            .iter()
            .find(|r| r["name"] == "dms-vpc-role")
            .unwrap_or_else(|| panic!("[{label}] no role: {roles:#?}"));
        assert!(
            role["attached_policies"].to_string().contains("AmazonDMSVPCManagementRole"),
            "[{label}] dms-vpc-role without its policy: {role:#}"
        );
        let made = counts(&stack_objects(&bed, SMALL_PREFIX));
        assert_eq!(made.get("dms:replication-instance"), Some(&1), "[{label}] {made:?}");
        wd.expect_plan(0, "plan after create");
        wd.destroy();
        assert_nothing_left(&label, &bed, SMALL_PREFIX, false);
    });
}

/// With the write-only password arguments (Terraform ≥ 1.11) no password reaches the state file or
/// `terraform show -json`; CLIs without write-only support are refused at validation.
#[test]
fn main_write_only_passwords_stay_out_of_state() {
    let Some(bed) = TestBed::start("main_write_only_passwords_stay_out_of_state") else {
        return;
    };
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let mut wd = small_workdir(&bed, cli);
        wd.set_var("dms_vpc_role", "create").set_var("write_only", "true");
        wd.init();
        if cli.version < Version::new(1, 11, 0) {
            let out = wd.run(&["plan", "-input=false", "-no-color"]);
            assert!(
                !out.success()
                    && out.stderr.contains("password_wo")
                    && squash(&out.stderr).contains("Terraform ≥ 1.11 or OpenTofu ≥ 1.11"),
                "[{label}] a CLI without write-only support accepted password_wo:\n{}",
                out.describe()
            );
            assert!(!out.combined().contains(SMALL_TARGET_PASSWORD), "[{label}] the error shows the password");
            return;
        }
        wd.apply();
        wd.expect_plan(0, "plan after create");
        let state = wd.read("terraform.tfstate");
        let show = wd.run_ok(&["show", "-json", "-no-color"]).stdout;
        for (what, text) in [("terraform.tfstate", &state), ("terraform show -json", &show)] {
            assert!(text.contains("small-test-tgt"), "[{label}] {what} does not hold the stack:\n{text}");
            for secret in [SMALL_SOURCE_PASSWORD, SMALL_TARGET_PASSWORD] {
                assert!(!text.contains(secret), "[{label}] {what} contains a write-only password");
            }
        }
        wd.destroy();
        assert_nothing_left(&label, &bed, SMALL_PREFIX, false);
    });
}
