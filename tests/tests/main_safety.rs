//! Acceptance tests of data safety in `dmslink_main` with the real Terraform CLIs against the
//! emulator: a destroy with default settings keeps a final snapshot of every RDS database, named
//! uniquely per deletion (so a stack created again under the same name is destroyed again); a plan
//! that replaces the whole stack warns, naming the databases and their final snapshots; deletion
//! protection refuses that plan at its attribute, and a refused destroy deletes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dmslink_acctest::seed_stack::{self, PREFIX};
use dmslink_acctest::{Cli, RunOutput, TestBed, Version, Workdir};
use serde_json::Value;

/// `text` with every run of whitespace as one space: Terraform wraps diagnostic details.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// True for `<base>-YYYYMMDDtHHMMSSz` (optionally `-<n>` after it).
fn is_final_snapshot_of(id: &str, base: &str) -> bool {
    let Some(rest) = id.strip_prefix(&format!("{base}-")) else { return false };
    let stamp = rest.split_once("z-").map_or(rest.to_string(), |(s, _)| format!("{s}z"));
    let b = stamp.as_bytes();
    b.len() == 16
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b't'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'z'
}

/// Manual snapshots of `db_instance` in the emulator named as final snapshots of it.
fn final_snapshots(bed: &TestBed, db_instance: &str) -> Vec<String> {
    bed.emulator
        .inventory("type=rds:db-snapshot")
        .into_iter()
        .filter(|s| s["db_instance"] == db_instance && s["snapshot_type"] == "manual")
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .filter(|id| is_final_snapshot_of(id, db_instance))
        .collect()
}

/// Terraform ≥ 1.3 plans a destroy through the provider (which advertises `plan_destroy`).
fn plans_destroys(cli: &Cli) -> bool {
    cli.version >= Version::new(1, 3, 0)
}

/// `terraform-main` (an Oracle source restored from a snapshot, a Postgres target), with no
/// final-snapshot setting anywhere, its state in S3.
fn main_workdir(bed: &TestBed, cli: &Cli) -> Workdir {
    let (mut wd, _) = seed_stack::terraform_main(bed, cli);
    wd.set_env("TF_LOG_PROVIDER", "INFO");
    wd
}

/// Destroy with default settings leaves a final snapshot of the target and of the RDS source,
/// named `<instance>-<UTC time>` and named in the destroy's log; the same stack created again
/// is destroyed again (the second destroy used to fail with `DBSnapshotAlreadyExists`), leaving
/// two distinct final snapshots of each database.
#[test]
fn main_destroy_keeps_unique_final_snapshots() {
    let Some(bed) = TestBed::start("main_destroy_keeps_unique_final_snapshots") else {
        return;
    };
    let dbs = [format!("{PREFIX}-tgt"), format!("{PREFIX}-src-geodesy")];
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let wd = main_workdir(&bed, cli);
        wd.init();
        for round in 1..=2 {
            wd.apply();
            let out = wd.destroy();
            for db in &dbs {
                let snaps = final_snapshots(&bed, db);
                assert_eq!(snaps.len(), round, "[{label}] round {round}: final snapshots of {db}: {snaps:?}");
                let newest = snaps.iter().max().unwrap();
                assert!(
                    out.stderr.contains(newest.as_str()),
                    "[{label}] the destroy's log does not name the final snapshot {newest}:\n{}",
                    out.describe()
                );
                if plans_destroys(cli) {
                    let text = squash(&out.combined());
                    assert!(
                        text.contains("deletes these RDS databases")
                            && text.contains(&format!("RDS DB instance {db}"))
                            && text.contains(&format!("final snapshot {db}-YYYYMMDDtHHMMSSz")),
                        "[{label}] the destroy plan does not warn about {db}:\n{}",
                        out.describe()
                    );
                }
            }
            assert!(wd.state_list().is_empty(), "[{label}] state not empty after destroy {round}");
        }
        let left: Vec<Value> = bed
            .emulator
            .inventory(&format!("tag=dmslink:stack={PREFIX}"))
            .into_iter()
            .filter(seed_stack::still_there)
            .collect();
        assert!(left.is_empty(), "[{label}] left after two destroys: {left:#?}");
    });
}

/// A small stack: an on-prem source, an RDS target whose deletion protection and the VPC's CIDR
/// come from variables.
const PROTECTED_STACK: &str = r#"terraform {
  required_providers {
    dmslink = {
      source = "dmslink/dmslink"
    }
  }
}

provider "dmslink" {
  region = "ap-southeast-2"
}

variable "vpc_cidr" {
  default = "10.40.0.0/24"
}

variable "deletion_protection" {
  default = false
}

resource "dmslink_main" "small" {
  name        = "small"
  environment = "test"

  network {
    vpc_cidr           = var.vpc_cidr
    availability_zones = ["ap-southeast-2a", "ap-southeast-2b"]
    subnet_cidrs       = [cidrsubnet(var.vpc_cidr, 2, 0), cidrsubnet(var.vpc_cidr, 2, 1)]
    vpn_gateway        = false
  }

  source {
    name          = "onprem"
    server_name   = "oracle.corp.example"
    database_name = "ORCL"
    username      = "dms_reader"
    password      = "Onprem-source-pw-1"
  }

  target {
    database_name = "dblink"
    username      = "dblink"
    password      = "Small-target-pw-1"

    rds {
      instance_class      = "db.t3.micro"
      master_username     = "dblink"
      master_password     = "Small-target-pw-1"
      deletion_protection = var.deletion_protection
    }
  }

  replication_instance {
    replication_instance_class = "dms.t3.small"
  }
}
"#;

const SMALL_TARGET: &str = "small-test-tgt";

fn protected_workdir(bed: &TestBed, cli: &Cli) -> Workdir {
    bed.fixtures().dms_vpc_role();
    let wd = bed.workdir(cli, "terraform-main");
    for f in ["_variables.tf", "dms-main.tf"] {
        wd.remove(f);
    }
    wd.write("main.tf", PROTECTED_STACK);
    wd
}

/// AWS calls that change or delete something.
fn destructive(bed: &TestBed) -> Vec<String> {
    bed.emulator
        .requests()
        .into_iter()
        .map(|r| r.name())
        .filter(|n| {
            ["Delete", "Detach", "Disable", "Revoke", "Modify", "Disassociate"]
                .iter()
                .any(|p| n.split(':').nth(1).is_some_and(|a| a.starts_with(p)))
        })
        .collect()
}

fn assert_refused_at_protection(label: &str, out: &RunOutput, why: &str) {
    let err = squash(&out.stderr);
    assert!(
        !out.success()
            && err.contains(&format!("Deletion protection prevents deleting database {SMALL_TARGET}"))
            && err.contains("deletion_protection = false")
            // The error points at the attribute: Terraform quotes its line of the configuration.
            && err.contains("deletion_protection = var.deletion_protection"),
        "[{label}] {why}: expected a refusal at target.rds.deletion_protection:\n{}",
        out.describe()
    );
}

/// A `vpc_cidr` change plans a replacement of the whole stack with a warning naming the target
/// database and its final snapshot. With `deletion_protection = true` on the target the same plan
/// is refused at that attribute, and `terraform destroy` deletes nothing (same inventory, no
/// deleting call). Turning protection off by an apply lets the destroy through.
#[test]
fn main_replacement_warns_and_deletion_protection_refuses() {
    let Some(bed) = TestBed::start("main_replacement_warns_and_deletion_protection_refuses") else {
        return;
    };
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let mut wd = protected_workdir(&bed, cli);
        wd.init();
        wd.apply();

        // A new CIDR replaces the whole stack: the plan says which database goes, and how.
        wd.set_var("vpc_cidr", "10.41.0.0/24");
        let out = wd.expect_plan(2, "plan of a vpc_cidr change");
        let text = squash(&out.combined());
        for needle in [
            "must be replaced",
            "Warning: dmslink_main deletes RDS databases",
            "Changing network.vpc_cidr replaces the whole DMS stack small-test",
            &format!("RDS DB instance {SMALL_TARGET} (target): final snapshot {SMALL_TARGET}-YYYYMMDDtHHMMSSz"),
        ] {
            assert!(text.contains(needle), "[{label}] the plan lacks {needle:?}:\n{}", out.describe());
        }

        // Deletion protection on: the same plan is refused at the attribute.
        wd.set_var("vpc_cidr", "10.40.0.0/24").set_var("deletion_protection", "true");
        wd.apply();
        wd.set_var("vpc_cidr", "10.41.0.0/24");
        let out = wd.run(&["plan", "-input=false", "-no-color"]);
        assert_refused_at_protection(&label, &out, "plan of a vpc_cidr change under deletion protection");

        // A refused destroy deletes nothing.
        wd.set_var("vpc_cidr", "10.40.0.0/24");
        let before = bed.emulator.inventory("include_defaults=false");
        bed.emulator.clear_requests();
        let out = wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
        if plans_destroys(cli) {
            assert_refused_at_protection(&label, &out, "destroy under deletion protection");
        } else {
            // Terraform 1.0 does not plan destroys with the provider: the destroy itself refuses.
            let err = squash(&out.stderr);
            assert!(
                !out.success()
                    && err.contains("Error deleting DMS stack small-test: deletion protection")
                    && err.contains(SMALL_TARGET)
                    && err.contains("Nothing was deleted"),
                "[{label}] destroy under deletion protection:\n{}",
                out.describe()
            );
        }
        assert_eq!(destructive(&bed), Vec::<String>::new(), "[{label}] the refused destroy changed AWS");
        assert_eq!(bed.emulator.inventory("include_defaults=false"), before, "[{label}] the refused destroy");
        assert_eq!(wd.state_list(), vec!["dmslink_main.small".to_string()], "[{label}] state after refusal");

        // The way out the errors name: protection off by an apply, then destroy.
        wd.set_var("deletion_protection", "false");
        wd.apply();
        wd.destroy();
        assert_eq!(final_snapshots(&bed, SMALL_TARGET).len(), 1, "[{label}] no final snapshot of {SMALL_TARGET}");
    });
}
