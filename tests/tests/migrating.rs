//! Acceptance test of issue 14's migration (docs/guides/migrating.md): the original stack built
//! through plain API calls (`fixtures.py original-stack`: untagged, named `legacy-*` by its authors,
//! with a replication task and a hand-made peering), then each of the three stages moved to dmslink
//! with the real Terraform CLIs — an `import {}` block on Terraform ≥ 1.5, `terraform import` on
//! 1.0.3. Every import plans no add, no destroy and no replacement; the applies change no
//! identifier; the next plans are clean; the destroy (peering, task, stack) leaves nothing in state.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dmslink_acctest::{Cli, TestBed, Version, Workdir};
use serde_json::Value;

const MAIN: &str = "dmslink_main.dblink";
const TASK: &str = "dmslink_repltask.app";
const PEERING: &str = "dmslink_peering.app";
const PASSWORD: &str = "Legacy-endpoint-pw-7";
const MASTER_PASSWORD: &str = "Legacy-master-pw-1";
const MAPPINGS: &str = r#"{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"GEO","table-name":"%"},"rule-action":"include"}]}"#;

/// Terraform and OpenTofu take `import {}` blocks from 1.5 on.
fn has_import_blocks(cli: &Cli) -> bool {
    cli.version >= Version::new(1, 5, 0)
}

fn text(doc: &Value, key: &str) -> String {
    doc[key].as_str().unwrap_or_else(|| panic!("no {key} in {doc}")).to_string()
}

/// Imports `id` into `addr` the way `cli` can, then plans: the plan may only import and change in
/// place — no add, no destroy, no replacement. Applies it; returns the plan's text.
fn import_and_apply(wd: &Workdir, addr: &str, id: &str) -> String {
    let label = wd.cli().label.clone();
    if has_import_blocks(wd.cli()) {
        wd.write("imports.tf", &format!("import {{\n  to = {addr}\n  id = \"{id}\"\n}}\n"));
    } else {
        wd.import(addr, id);
    }
    let plan = wd.plan_json();
    for rc in plan["resource_changes"].as_array().into_iter().flatten() {
        let actions = &rc["change"]["actions"];
        assert!(
            *actions == serde_json::json!(["update"]) || *actions == serde_json::json!(["no-op"]),
            "[{label}] {addr}: the import plans {actions} for {}:\n{plan:#}",
            rc["address"]
        );
    }
    let out = wd.plan();
    let summary = out.stdout.lines().find(|l| l.starts_with("Plan: ") || l.starts_with("No changes")).unwrap_or("");
    eprintln!("[{label}] {addr}: {summary}");
    assert!(!out.stdout.contains("must be replaced"), "[{label}] {addr} is replaced:\n{}", out.describe());
    if has_import_blocks(wd.cli()) {
        assert!(summary.contains("1 to import, 0 to add"), "[{label}] {addr}: {summary}\n{}", out.describe());
    }
    assert!(!summary.contains("to destroy") || summary.contains("0 to destroy"), "[{label}] {summary}");
    wd.apply();
    out.stdout
}

/// The original stack, task and peering, moved stage by stage, each without replacing anything.
#[test]
fn migrating_the_original_stack_imports_without_replacing() {
    let Some(bed) = TestBed::start("migrating_the_original_stack_imports_without_replacing") else {
        return;
    };
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let fixtures = bed.fixtures();
        let original = fixtures.run(&["original-stack", "--password", PASSWORD, "--table-mappings", MAPPINGS]);
        let vpc = text(&original, "vpc_id");

        // Stage 1: terraform-main.
        let backend = fixtures.state_backend("tfstate-migrating", "terraform-lock-migrating", "terraform-main");
        let mut main = bed.workdir(cli, "migrating-main");
        main.use_backend(&backend)
            .set_var("password", PASSWORD)
            .set_var("master_password", MASTER_PASSWORD)
            .set_var("source_snapshot", text(&original, "snapshot_identifier"));
        main.init();
        let plan = import_and_apply(&main, MAIN, &format!("legacy/prod/{vpc}"));
        assert!(plan.contains("ownership_tagged"), "[{label}] the plan shows the tagging:\n{plan}");
        let v = main.resource_values(MAIN).unwrap_or_else(|| panic!("[{label}] {MAIN} not in state"));
        for (attr, want) in [
            ("vpc_id", text(&original, "vpc_id")),
            ("security_group_id", text(&original, "security_group_id")),
            ("vpn_gateway_id", text(&original, "vpn_gateway_id")),
            ("replication_instance_arn", text(&original, "replication_instance_arn")),
            ("db_subnet_group_name", "legacy-db-subnets".to_string()),
            ("replication_subnet_group_id", "legacy-dms-subnets".to_string()),
        ] {
            assert_eq!(v[attr].as_str(), Some(want.as_str()), "[{label}] {attr} changed");
        }
        assert_eq!(v["subnet_ids"], original["subnet_ids"], "[{label}] subnets changed");
        assert_eq!(v["source"][0]["endpoint_arn"], original["source_endpoint_arn"], "[{label}]");
        assert_eq!(v["source"][0]["db_instance_identifier"], "legacy-oracle-db", "[{label}]");
        assert_eq!(v["target"]["endpoint_arn"], original["target_endpoint_arn"], "[{label}]");
        assert_eq!(v["target"]["db_instance_identifier"], "legacy-postgres-db", "[{label}]");
        assert_eq!(v["ownership_tagged"], true, "[{label}]");
        main.expect_plan(0, "plan after adopting the original stack");
        let outputs = main.outputs();

        // Stage 2: terraform-repltask, wired to stage 1's outputs as the original module was.
        let backend = fixtures.state_backend("tfstate-migrating", "terraform-lock-migrating", "terraform-repltask");
        let mut task = bed.workdir(cli, "migrating-repltask");
        task.use_backend(&backend).set_var("table_mappings", MAPPINGS);
        for name in ["replication_instance_arn", "dms_source_arn", "dms_target_arn"] {
            task.set_var(name, text(&outputs, name));
        }
        task.init();
        import_and_apply(&task, TASK, &text(&original, "replication_task_arn"));
        let t = task.resource_values(TASK).unwrap_or_else(|| panic!("[{label}] {TASK} not in state"));
        assert_eq!(t["replication_task_arn"], original["replication_task_arn"], "[{label}] the task changed");
        task.expect_plan(0, "plan after adopting the task");

        // Stage 3: the hand-made peering.
        let backend = fixtures.state_backend("tfstate-migrating", "terraform-lock-migrating", "peering");
        let mut peering = bed.workdir(cli, "migrating-peering");
        peering
            .use_backend(&backend)
            .set_var("vpc_id", text(&outputs, "vpc_id"))
            .set_var("security_group_id", text(&outputs, "security_group_id"))
            .set_var("app_vpc_id", text(&original, "app_vpc_id"))
            .set_var("route_table_id", text(&original, "main_route_table_id"))
            .set_var("app_route_table_id", text(&original, "app_route_table_id"));
        peering.init();
        let sg = text(&outputs, "security_group_id");
        import_and_apply(&peering, PEERING, &format!("{}/{sg}", text(&original, "peering_connection_id")));
        let p = peering.resource_values(PEERING).unwrap_or_else(|| panic!("[{label}] {PEERING} not in state"));
        assert_eq!(p["peering_connection_id"], original["peering_connection_id"], "[{label}] the peering changed");
        peering.expect_plan(0, "plan after adopting the peering");

        // dmslink owns them all now: a clean destroy, stage by stage.
        peering.destroy();
        task.destroy();
        main.destroy();
        for wd in [&peering, &task, &main] {
            assert!(wd.state_list().is_empty(), "[{label}] state after destroy");
        }
    });
}
