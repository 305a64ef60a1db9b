//! The `terraform test` files each example module ships (`examples-hcl/*/tests/*.tftest.hcl`, issue
//! 17): templates users copy to test their own modules. Run with every CLI that has
//! `terraform test` with mocks (Terraform ≥ 1.7; the pinned 1.0.3 has neither): the mocked plan
//! files with no AWS at all (endpoint closed, no credentials), then every file against the
//! emulator, the real provider making the calls, seeded as each file's header tells a user to.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dmslink_acctest::{Cli, RunOutput, TestBed, Version, Workdir};

/// The first release with `mock_provider` in test files.
const MOCKS_SINCE: Version = Version::new(1, 7, 0);

/// `<bed>/<cli>-examples/<module>`, with the sibling modules beside it (`run { module { source =
/// "../terraform-main" } }` in the peering test).
fn examples_workdir(bed: &TestBed, cli: &Cli, module: &str) -> Workdir {
    let root = bed.path().join(format!("{}-examples", cli.slug()));
    for sibling in ["terraform-main", "terraform-repltask", "peering"] {
        if sibling != module && !root.join(sibling).exists() {
            dmslink_acctest::copy_tree(&dmslink_acctest::example_dir(sibling), &root.join(sibling));
        }
    }
    Workdir::new(
        cli.clone(),
        &dmslink_acctest::example_dir(module),
        root.join(module),
        &bed.mirror,
        &bed.emulator.endpoint(),
        bed.path(),
    )
}

fn assert_all_passed(cli: &Cli, module: &str, what: &str, out: &RunOutput, files: usize) {
    assert!(out.success(), "[{}] {module}: {what} failed:\n{}", cli.label, out.describe());
    let summary = out.stdout.lines().rev().find(|l| l.starts_with("Success!") || l.starts_with("Failure!"));
    assert!(
        summary.is_some_and(|l| l.starts_with("Success!") && l.ends_with(" 0 failed.")),
        "[{}] {module}: {what}: {summary:?}\n{}",
        cli.label,
        out.describe()
    );
    let pass_lines =
        out.stdout.lines().filter(|l| l.trim_start().starts_with("tests/") && l.ends_with("... pass")).count();
    assert_eq!(pass_lines, files, "[{}] {module}: {what}: test files passed:\n{}", cli.label, out.stdout);
    eprintln!("[{}] {module}: {what}: {}", cli.label, summary.unwrap_or_default());
}

/// One module's files: mocked alone without AWS, then all of them against the emulator after
/// `seed` (which sets the inputs the emulator file's header names).
fn module_tests(test: &str, module: &str, seed: impl Fn(&TestBed, &Cli, &mut Workdir)) {
    let Some(bed) = TestBed::start(test) else { return };
    let clis: Vec<&Cli> = bed.clis().iter().filter(|c| c.version >= MOCKS_SINCE).collect();
    assert!(
        !clis.is_empty() || !dmslink_acctest::in_ci(),
        "no CLI >= {MOCKS_SINCE:?} to run `terraform test` with: {:?}",
        bed.clis().iter().map(|c| c.label.clone()).collect::<Vec<_>>()
    );
    let files = std::fs::read_dir(dmslink_acctest::example_dir(module).join("tests"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "hcl"))
        .count();
    assert_eq!(files, 2, "{module}/tests: one mocked and one emulator file");
    for cli in clis {
        bed.emulator.reset();
        let mut wd = examples_workdir(&bed, cli, module);
        wd.init();

        // No AWS: nothing listens at the endpoint and there are no credentials.
        wd.set_env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .remove_env("AWS_ACCESS_KEY_ID")
            .remove_env("AWS_SECRET_ACCESS_KEY");
        bed.emulator.clear_requests();
        let mocked = wd.run(&["test", "-no-color", "-filter=tests/plan_mocked.tftest.hcl"]);
        assert_all_passed(cli, module, "mocked plan", &mocked, 1);
        assert!(bed.emulator.requests().is_empty(), "[{}] the mocked test called AWS", cli.label);

        let endpoint = bed.emulator.endpoint();
        wd.set_env("AWS_ENDPOINT_URL", &endpoint)
            .set_env("AWS_ACCESS_KEY_ID", dmslink_acctest::TEST_ACCESS_KEY)
            .set_env("AWS_SECRET_ACCESS_KEY", dmslink_acctest::TEST_SECRET_KEY);
        seed(&bed, cli, &mut wd);
        let all = wd.run(&["test", "-no-color"]);
        assert_all_passed(cli, module, "all files, emulator", &all, 2);
        // `terraform test` destroys what it applied; the emulator holds no stack, task or peering.
        let left: Vec<_> = bed
            .emulator
            .inventory("tag=dmslink:stack")
            .into_iter()
            .chain(bed.emulator.inventory("type=dms:replication-task"))
            .chain(bed.emulator.inventory("type=ec2:vpc-peering-connection"))
            .filter(|o| o["state"] != "deleted" && o["state"] != "deleting")
            .collect();
        assert!(left.is_empty(), "[{}] {module}: left after terraform test: {left:#?}", cli.label);
    }
}

fn main_inputs(bed: &TestBed) {
    let fixtures = bed.fixtures();
    fixtures.source_snapshot("geodesy-oracle-seed");
    fixtures.dms_vpc_role();
}

#[test]
fn terraform_main_module_tests_pass() {
    module_tests("module_tests_main", "terraform-main", |bed, _, _| main_inputs(bed));
}

#[test]
fn terraform_repltask_module_tests_pass() {
    module_tests("module_tests_repltask", "terraform-repltask", |bed, cli, wd| {
        let stack = bed.fixtures().dms_stack(&format!("dblink-{}", cli.slug()), 1);
        wd.set_var("replication_instance_arn", stack.replication_instance_arn())
            .set_var("dms_source_arn", &stack.source_endpoint_arn)
            .set_var("dms_target_arn", &stack.target_endpoint_arn);
    });
}

#[test]
fn peering_module_tests_pass() {
    module_tests("module_tests_peering", "peering", |bed, _, wd| {
        main_inputs(bed);
        let app = bed.fixtures().vpc(None, "app", "10.30.0.0/16", false);
        wd.set_var("app_vpc_id", &app.vpc_id);
    });
}
