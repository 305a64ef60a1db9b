//! Self-checks of the acceptance harness that need no working provider protocol: the emulator and its
//! control endpoints, the boto3 fixtures, CLI discovery and `terraform init` from the filesystem mirror.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dmslink_acctest::{Emulator, TestBed, Venv, clis, missing_tool, platform};

#[test]
fn harness_emulator_serves_fixtures_and_logs_requests() {
    if Venv::find().is_none() {
        return missing_tool::<()>("no Python venv (moto, boto3)", "make venv").unwrap_or(());
    }
    let emulator = Emulator::start();
    assert!(emulator.endpoint().starts_with("http://127.0.0.1:"));
    assert!(emulator.requests().is_empty(), "fresh emulator with requests");

    let fixtures = emulator.fixtures();
    let backend = fixtures.state_backend("tfstate-harness", "terraform-lock-harness", "k");
    let stack = fixtures.dms_stack("harness", 2);
    assert_eq!(stack.replication_instance_arns.len(), 2);
    assert!(stack.replication_instance_arn().contains(":rep:"), "{stack:?}");
    assert!(stack.source_endpoint_arn.contains(":endpoint:"), "{stack:?}");
    assert!(stack.source_endpoint_arn.contains(":ap-southeast-2:123456789012:"), "{stack:?}");
    assert!(fixtures.state_keys(&backend.bucket).is_empty());
    assert!(fixtures.lock_items(&backend.table).is_empty());

    let names: Vec<String> = emulator.requests().iter().map(|r| r.name()).collect();
    for call in ["s3:CreateBucket", "dynamodb:CreateTable", "dms:CreateReplicationInstance", "dms:CreateEndpoint"] {
        assert!(names.iter().any(|n| n == call), "no {call} in {names:?}");
    }
    assert!(emulator.dms_actions().iter().any(|a| a == "CreateEndpoint"));

    emulator.clear_requests();
    assert!(emulator.requests().is_empty());

    let dms = emulator.dms();
    assert!(dms.tasks().is_empty());
    assert!(dms.task("no-such-task").is_none());
    assert_eq!(emulator.dms_actions().len(), 2, "{:?}", emulator.requests());

    let config = emulator.set_config(serde_json::json!({"transition_seconds": 0.5}));
    assert!(config.to_string().contains("0.5"), "{config}");
}

#[test]
fn harness_finds_the_pinned_and_the_current_cli() {
    let Some(found) = clis() else {
        return;
    };
    for cli in &found {
        eprintln!("CLI: {cli}");
    }
    let pinned_installed = Venv::find().and_then(|v| v.pinned_terraform()).is_some();
    if std::env::var_os("TERRAFORM").is_none() && pinned_installed {
        assert_eq!(found[0].version.to_string(), "1.0.3", "{found:?}");
        assert!(!found[0].s3_backend_has_endpoints_block());
        let paths: Vec<_> = found.iter().map(|c| std::fs::canonicalize(&c.path).unwrap()).collect();
        for (i, p) in paths.iter().enumerate() {
            assert!(!paths[..i].contains(p), "the same CLI twice: {found:?}");
        }
    }
}

#[test]
fn harness_init_installs_the_provider_from_the_filesystem_mirror() {
    let Some(bed) = TestBed::start("harness_init") else {
        return;
    };
    bed.each_cli(|cli| {
        let slug = cli.slug();
        let backend = bed.fixtures().state_backend(
            &format!("tfstate-init-{slug}"),
            &format!("terraform-lock-init-{slug}"),
            "dblink-repl",
        );
        let mut wd = bed.workdir(cli, "terraform-repltask");
        wd.use_backend(&backend);
        let out = wd.init();
        assert!(!out.contains("development overrides"), "{}", out.describe());
        assert!(out.stdout.contains("Installed dmslink/dmslink v0.1.0"), "{}", out.describe());
        assert!(out.stdout.contains("Successfully configured the backend \"s3\""), "{}", out.describe());
        let host = cli.flavor.registry_host();
        let lock = wd.read(".terraform.lock.hcl");
        assert!(lock.contains(&format!("provider \"{host}/dmslink/dmslink\"")), "{lock}");
        assert!(wd.file(&format!(".terraform/providers/{host}/dmslink/dmslink/0.1.0/{}", platform())).exists());
        // A second init is idempotent and still offline.
        wd.init();
    });
}
