//! Acceptance tests of `dmslink_repltask`: the real Terraform CLIs (the pinned 1.0.3 and the current one
//! on PATH) drive `examples-hcl/terraform-repltask` against the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use serde_json::json;

use dmslink_acctest::{Cli, DmsStack, RunOutput, StateBackend, TestBed, Workdir, assert_in_order, points_at_attribute};

const ADDR: &str = "dmslink_repltask.dblink";
const MODULE: &str = "terraform-repltask";
const STATE_KEY: &str = "dblink-repl";
const WAIT: Duration = Duration::from_secs(60);

const MAPPINGS_TWO_RULES: &str = r#"{
  "rules": [
    {
      "rule-type": "selection",
      "rule-id": "1",
      "rule-name": "1",
      "object-locator": {
        "schema-name": "ROCKPROPS%",
        "table-name": "WEB%"
      },
      "rule-action": "include"
    },
    {
      "rule-type": "selection",
      "rule-id": "2",
      "rule-name": "2",
      "object-locator": {
        "schema-name": "ROCKPROPS%",
        "table-name": "APP%"
      },
      "rule-action": "include"
    }
  ]
}
"#;

/// One CLI's copy of the module with its state backend and DMS stack in the emulator.
struct Repl {
    wd: Workdir,
    backend: StateBackend,
    stack: DmsStack,
    task_id: String,
}

impl Repl {
    fn label(&self) -> &str {
        &self.wd.cli().label
    }
}

/// Fixtures named after the test and the CLI (the CLIs of one test share its emulator), then a workdir
/// with the `TF_VAR_*` inputs of `terraform-repltask`.
fn setup(bed: &TestBed, cli: &Cli, tag: &str) -> Repl {
    let slug = format!("{tag}-{}", cli.slug());
    let fixtures = bed.fixtures();
    let backend =
        fixtures.state_backend(&format!("tfstate-dblink-{slug}"), &format!("terraform-lock-db-{slug}"), STATE_KEY);
    let stack = fixtures.dms_stack(&format!("dblink-{slug}"), 1);
    let task_id = format!("dblink-repl-{slug}");
    let mut wd = bed.workdir(cli, MODULE);
    wd.use_backend(&backend)
        .set_var("stack_name", "integration-dblink")
        .set_var("dms_source_arn", &stack.source_endpoint_arn)
        .set_var("dms_target_arn", &stack.target_endpoint_arn)
        .set_var("replication_instance_arn", stack.replication_instance_arn())
        .set_var("replication_task_id", &task_id);
    Repl { wd, backend, stack, task_id }
}

fn assert_no_replacement(label: &str, out: &RunOutput) {
    assert!(
        out.stdout.contains("update in-place") && !out.stdout.contains("must be replaced"),
        "[{label}] expected an in-place update, not a replacement:\n{}",
        out.describe()
    );
}

/// The whole life of one task, for each CLI: init from the mirror, plan, apply with S3 state and a
/// DynamoDB lock, no-op plan, start, in-place change of a running task (stop, modify, resume), import
/// by ARN and by id, destroy.
/// With AWS's eventual consistency on (a new object is not found for 3 s after its create).
#[test]
fn repltask_lifecycle() {
    let Some(bed) = TestBed::start_eventually_consistent("repltask_lifecycle") else {
        return;
    };
    let dms = bed.dms();
    let fixtures = bed.fixtures();
    bed.each_cli(|cli| {
        let mut r = setup(&bed, cli, "life");
        let label = r.label().to_string();

        // init: the provider comes from the filesystem mirror, no dev_overrides.
        let out = r.wd.init();
        assert!(
            !out.contains("development overrides") && !out.contains("dev_overrides"),
            "[{label}] init used dev_overrides:\n{}",
            out.describe()
        );
        assert!(
            out.stdout.contains("Installed dmslink/dmslink v0.1.0"),
            "[{label}] init did not install dmslink/dmslink v0.1.0:\n{}",
            out.describe()
        );
        assert!(
            out.stdout.contains("Successfully configured the backend \"s3\""),
            "[{label}] init did not configure the S3 backend:\n{}",
            out.describe()
        );
        let host = cli.flavor.registry_host();
        let lock = r.wd.read(".terraform.lock.hcl");
        assert!(
            lock.contains(&format!("provider \"{host}/dmslink/dmslink\"")) && lock.contains("0.1.0"),
            "[{label}] lock file without dmslink/dmslink 0.1.0:\n{lock}"
        );
        let installed =
            r.wd.file(&format!(".terraform/providers/{host}/dmslink/dmslink/0.1.0/{}", dmslink_acctest::platform()));
        assert!(installed.exists(), "[{label}] {} missing", installed.display());

        // plan: one task to create.
        let out = r.wd.expect_plan(2, "first plan");
        assert!(
            out.stdout.contains(&format!("{ADDR} will be created")),
            "[{label}] first plan does not create {ADDR}:\n{}",
            out.describe()
        );

        // apply with S3 state and the DynamoDB lock.
        bed.emulator.clear_requests();
        r.wd.apply();
        let requests: Vec<String> = bed.emulator.requests().iter().map(|q| q.name()).collect();
        for call in ["s3:PutObject", "dynamodb:PutItem", "dynamodb:DeleteItem", "dms:CreateReplicationTask"] {
            assert!(requests.iter().any(|q| q == call), "[{label}] apply made no {call} call; calls: {requests:?}");
        }
        assert!(
            !requests.iter().any(|q| q == "dms:StartReplicationTask"),
            "[{label}] start_replication_task=false but the task was started: {requests:?}"
        );
        let keys = fixtures.state_keys(&r.backend.bucket);
        assert!(
            keys.iter().any(|k| k == STATE_KEY),
            "[{label}] no state object {STATE_KEY} in s3://{}: {keys:?}",
            r.backend.bucket
        );
        let locks = fixtures.lock_items(&r.backend.table);
        let digest_id = format!("{}/{STATE_KEY}-md5", r.backend.bucket);
        assert!(
            locks.iter().any(|i| i["LockID"] == digest_id.as_str()),
            "[{label}] no state digest {digest_id} in the lock table: {locks:?}"
        );
        let state = fixtures.state_document(&r.backend.bucket, STATE_KEY);
        assert!(state.to_string().contains(&r.task_id), "[{label}] the S3 state does not hold the task: {state}");

        let task = dms.expect_task(&r.task_id);
        assert_eq!(task.status, "ready", "[{label}] {task:?}");
        assert_eq!(task.migration_type, "full-load-and-cdc", "[{label}]");
        assert_eq!(task.replication_instance_arn, r.stack.replication_instance_arn(), "[{label}]");
        assert_eq!(task.source_endpoint_arn, r.stack.source_endpoint_arn, "[{label}]");
        assert_eq!(task.target_endpoint_arn, r.stack.target_endpoint_arn, "[{label}]");
        assert_eq!(task.rule_ids(), ["1"], "[{label}] {}", task.table_mappings);
        let values = r.wd.resource_values(ADDR).expect("resource in show -json");
        assert_eq!(values["replication_task_arn"], task.arn.as_str(), "[{label}] {values}");
        assert_eq!(values["replication_task_id"], r.task_id.as_str(), "[{label}] {values}");
        assert_eq!(values["status"], "ready", "[{label}] {values}");
        assert_eq!(values["tags_all"]["Name"], "integration-dblink-dms-dev-replication-task", "[{label}] {values}");
        let tags = dms.tags(&task.arn);
        assert_eq!(tags.get("stack_name").map(String::as_str), Some("integration-dblink"), "[{label}] {tags:?}");

        // A second plan has nothing to do.
        r.wd.expect_plan(0, "plan right after apply");

        // Start the task.
        r.wd.set_var("start_replication_task", "true");
        r.wd.apply();
        dms.wait_status(&r.task_id, "running", WAIT);
        r.wd.expect_plan(0, "plan after starting the task");

        // Change the table mappings of the running task: in place, stop → modify → resume.
        r.wd.write("table_mappings.tpl", MAPPINGS_TWO_RULES);
        let out = r.wd.expect_plan(2, "plan after adding a table-mapping rule");
        assert_no_replacement(&label, &out);
        assert!(out.stdout.contains("table_mappings"), "[{label}]\n{}", out.describe());
        bed.emulator.clear_requests();
        r.wd.apply();
        let actions = bed.emulator.dms_actions();
        assert_in_order(
            &label,
            "DMS calls of the in-place update",
            &actions,
            &["StopReplicationTask", "ModifyReplicationTask", "StartReplicationTask"],
        );
        assert!(
            !actions.iter().any(|a| a == "DeleteReplicationTask" || a == "CreateReplicationTask"),
            "[{label}] the update replaced the task: {actions:?}"
        );
        let task = dms.wait_status(&r.task_id, "running", WAIT);
        assert_eq!(task.rule_ids(), ["1", "2"], "[{label}] {}", task.table_mappings);
        r.wd.expect_plan(0, "plan after the in-place update");

        // Import by ARN, then by task id.
        for id in [task.arn.as_str(), r.task_id.as_str()] {
            r.wd.state_rm(ADDR);
            assert!(r.wd.state_list().is_empty(), "[{label}] state not empty after state rm");
            r.wd.import(ADDR, id);
            let values = r.wd.resource_values(ADDR).expect("imported resource in show -json");
            assert_eq!(values["replication_task_arn"], task.arn.as_str(), "[{label}] import {id}: {values}");
            r.wd.expect_no_resource_changes(&format!("plan after import {id}"));
            // Terraform 1.0 keeps no outputs through import: an apply stores them and changes nothing.
            bed.emulator.clear_requests();
            r.wd.apply();
            let actions = bed.emulator.dms_actions();
            assert!(
                actions.iter().all(|a| a.starts_with("Describe") || a.starts_with("List")),
                "[{label}] apply after import {id} changed the task: {actions:?}"
            );
            r.wd.expect_plan(0, &format!("plan after import {id}"));
        }

        // destroy: the running task is stopped, then deleted; nothing is left.
        bed.emulator.clear_requests();
        r.wd.destroy();
        let actions = bed.emulator.dms_actions();
        assert_in_order(&label, "DMS calls of destroy", &actions, &["StopReplicationTask", "DeleteReplicationTask"]);
        let tasks = dms.tasks();
        assert!(tasks.is_empty(), "[{label}] the emulator still holds tasks after destroy: {tasks:?}");
        assert!(r.wd.state_list().is_empty(), "[{label}] state not empty after destroy");
    });
}

/// A new replication instance moves the running task in place: stop, move, resume.
#[test]
fn repltask_instance_change_moves_the_running_task() {
    let Some(bed) = TestBed::start("repltask_instance_move") else {
        return;
    };
    let dms = bed.dms();
    bed.each_cli(|cli| {
        let mut r = setup(&bed, cli, "move");
        let label = r.label().to_string();
        let second =
            bed.fixtures().dms_stack(&format!("dblink-move2-{}", cli.slug()), 1).replication_instance_arn().to_string();
        r.wd.set_var("start_replication_task", "true");
        r.wd.init();
        r.wd.apply();
        let task = dms.wait_status(&r.task_id, "running", WAIT);

        r.wd.set_var("replication_instance_arn", &second);
        let out = r.wd.expect_plan(2, "plan after changing the replication instance");
        assert_no_replacement(&label, &out);
        bed.emulator.clear_requests();
        r.wd.apply();
        let actions = bed.emulator.dms_actions();
        assert_in_order(
            &label,
            "DMS calls of the move",
            &actions,
            &["StopReplicationTask", "MoveReplicationTask", "StartReplicationTask"],
        );
        let moved = dms.wait_status(&r.task_id, "running", WAIT);
        assert_eq!(moved.arn, task.arn, "[{label}] the task was replaced, not moved");
        assert_eq!(moved.replication_instance_arn, second, "[{label}] {moved:?}");
        r.wd.expect_plan(0, "plan after the move");

        r.wd.destroy();
        assert!(dms.tasks().is_empty(), "[{label}] tasks left after destroy");
    });
}

/// A new task id replaces the task (DMS cannot rename one).
#[test]
fn repltask_id_change_replaces_the_task() {
    let Some(bed) = TestBed::start("repltask_id_change") else {
        return;
    };
    let dms = bed.dms();
    bed.each_cli(|cli| {
        let mut r = setup(&bed, cli, "rename");
        let label = r.label().to_string();
        r.wd.init();
        r.wd.apply();
        let old = dms.wait_status(&r.task_id, "ready", WAIT);

        let new_id = format!("{}-v2", r.task_id);
        r.wd.set_var("replication_task_id", &new_id);
        let out = r.wd.expect_plan(2, "plan after changing replication_task_id");
        assert!(
            out.stdout.contains("must be replaced") && out.stdout.contains("replication_task_id"),
            "[{label}] a new task id does not replace the task:\n{}",
            out.describe()
        );
        r.wd.apply();
        assert!(dms.task(&r.task_id).is_none(), "[{label}] the old task is still there");
        let new = dms.expect_task(&new_id);
        assert_ne!(new.arn, old.arn, "[{label}]");
        r.wd.expect_plan(0, "plan after the replacement");

        r.wd.destroy();
        assert!(dms.tasks().is_empty(), "[{label}] tasks left after destroy");
    });
}

/// One invalid input and the attribute its diagnostic must name.
struct Invalid {
    name: &'static str,
    attribute: &'static str,
    table_mappings: Option<&'static str>,
    migration_type: Option<&'static str>,
    source_endpoint_arn: Option<String>,
    task_id: Option<String>,
}

impl Invalid {
    fn new(name: &'static str, attribute: &'static str) -> Invalid {
        Invalid {
            name,
            attribute,
            table_mappings: None,
            migration_type: None,
            source_endpoint_arn: None,
            task_id: None,
        }
    }
}

fn invalid_inputs(stack: &DmsStack) -> Vec<Invalid> {
    let rule = |body: &str| -> &'static str { Box::leak(format!(r#"{{"rules": [{{{body}}}]}}"#).into_boxed_str()) };
    let mut cases = vec![
        Invalid {
            table_mappings: Some(r#"{"rules": [ {"rule-type": "selection", "#),
            ..Invalid::new("malformed table_mappings JSON", "table_mappings")
        },
        Invalid {
            table_mappings: Some(rule(
                r#""rule-id": "1", "rule-name": "1", "object-locator": {"schema-name": "A", "table-name": "%"}, "rule-action": "include""#,
            )),
            ..Invalid::new("rule without rule-type", "table_mappings")
        },
        Invalid {
            table_mappings: Some(rule(
                r#""rule-type": "selection", "rule-name": "1", "object-locator": {"schema-name": "A", "table-name": "%"}, "rule-action": "include""#,
            )),
            ..Invalid::new("rule without rule-id", "table_mappings")
        },
        Invalid {
            table_mappings: Some(rule(
                r#""rule-type": "selection", "rule-id": "1", "rule-name": "1", "object-locator": {"schema-name": "A", "table-name": "%"}"#,
            )),
            ..Invalid::new("rule without rule-action", "table_mappings")
        },
        Invalid {
            table_mappings: Some(rule(
                r#""rule-type": "teleport", "rule-id": "1", "rule-name": "1", "object-locator": {"schema-name": "A", "table-name": "%"}, "rule-action": "include""#,
            )),
            ..Invalid::new("unknown rule-type", "table_mappings")
        },
        Invalid { migration_type: Some("sideways"), ..Invalid::new("bad migration_type", "migration_type") },
        Invalid {
            source_endpoint_arn: Some(stack.replication_instance_arn().to_string()),
            ..Invalid::new("source_endpoint_arn of a replication instance (:rep:)", "source_endpoint_arn")
        },
        Invalid {
            source_endpoint_arn: Some(stack.source_endpoint_arn.replace(":ap-southeast-2:", ":us-east-1:")),
            ..Invalid::new("source_endpoint_arn in another region", "source_endpoint_arn")
        },
        Invalid {
            source_endpoint_arn: Some("not-an-arn".to_string()),
            ..Invalid::new("source_endpoint_arn that is no ARN", "source_endpoint_arn")
        },
    ];
    for (name, id) in [
        ("task id starting with a digit", "1abc".to_string()),
        ("task id with two hyphens in a row", "a--b".to_string()),
        ("task id ending with a hyphen", "abc-".to_string()),
        ("task id of 256 characters", "a".repeat(256)),
        ("task id with an underscore", "a_b".to_string()),
    ] {
        cases.push(Invalid { task_id: Some(id), ..Invalid::new(name, "replication_task_id") });
    }
    cases
}

/// Every invalid input is a diagnostic on its attribute at plan time, and no DMS call is made.
#[test]
fn repltask_invalid_input_is_rejected_at_plan_without_dms_calls() {
    let Some(bed) = TestBed::start("repltask_invalid_input") else {
        return;
    };
    bed.each_cli(|cli| {
        let mut r = setup(&bed, cli, "invalid");
        let label = r.label().to_string();
        let original_mappings = r.wd.read("table_mappings.tpl");
        r.wd.init();

        // The valid configuration plans (so the failures below are the inputs' doing) without DMS calls.
        bed.emulator.clear_requests();
        r.wd.expect_plan(2, "plan of the valid configuration");
        let actions = bed.emulator.dms_actions();
        assert!(actions.is_empty(), "[{label}] plan of a new task called DMS: {actions:?}");

        let mut failures = Vec::new();
        for case in invalid_inputs(&r.stack) {
            r.wd.write("table_mappings.tpl", case.table_mappings.unwrap_or(&original_mappings));
            match case.migration_type {
                Some(m) => r.wd.write(
                    "invalid_override.tf",
                    &format!("resource \"dmslink_repltask\" \"dblink\" {{\n  migration_type = \"{m}\"\n}}\n"),
                ),
                None => r.wd.remove("invalid_override.tf"),
            }
            r.wd.set_var(
                "dms_source_arn",
                case.source_endpoint_arn.clone().unwrap_or_else(|| r.stack.source_endpoint_arn.clone()),
            );
            r.wd.set_var("replication_task_id", case.task_id.clone().unwrap_or_else(|| r.task_id.clone()));

            bed.emulator.clear_requests();
            let out = r.wd.run(&["plan", "-input=false", "-no-color"]);
            let actions = bed.emulator.dms_actions();
            let first_error = out.stderr.lines().find(|l| l.contains("Error")).unwrap_or("(no error)");
            eprintln!("[{label}] {}: exit {}: {}", case.name, out.exit_code(), first_error.trim());
            if out.success() {
                failures.push(format!("{}: plan succeeded\n{}", case.name, out.describe()));
            } else if !points_at_attribute(&out.stderr, case.attribute) {
                failures.push(format!(
                    "{}: the diagnostic does not point at `{}`\n{}",
                    case.name,
                    case.attribute,
                    out.describe()
                ));
            } else if !out.stderr.contains("Error") {
                failures.push(format!("{}: no error diagnostic\n{}", case.name, out.describe()));
            }
            if !actions.is_empty() {
                failures.push(format!("{}: DMS was called: {actions:?}", case.name));
            }
        }
        assert!(
            failures.is_empty(),
            "[{label}] {} invalid input(s) not rejected properly:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    });
}

/// A task deleted behind Terraform's back is planned for re-creation and re-created.
#[test]
fn repltask_out_of_band_delete_is_recreated() {
    let Some(bed) = TestBed::start("repltask_out_of_band_delete") else {
        return;
    };
    let dms = bed.dms();
    bed.each_cli(|cli| {
        let r = setup(&bed, cli, "oobdel");
        let label = r.label().to_string();
        r.wd.init();
        r.wd.apply();
        let task = dms.wait_status(&r.task_id, "ready", WAIT);

        dms.delete_task(&task.arn);
        dms.wait_gone(&r.task_id, WAIT);

        let out = r.wd.expect_plan(2, "plan after the task was deleted out of band");
        assert!(
            out.stdout.contains(&format!("{ADDR} will be created")),
            "[{label}] the deleted task is not planned for creation:\n{}",
            out.describe()
        );
        r.wd.apply();
        let again = dms.expect_task(&r.task_id);
        assert_ne!(again.arn, task.arn, "[{label}] same ARN after re-creation?");
        let values = r.wd.resource_values(ADDR).expect("resource in show -json");
        assert_eq!(values["replication_task_arn"], again.arn.as_str(), "[{label}] {values}");
        r.wd.expect_plan(0, "plan after re-creation");

        r.wd.destroy();
        assert!(dms.task(&r.task_id).is_none(), "[{label}] task left after destroy");
    });
}

/// The provider is SIGKILLed right after `CreateReplicationTask` was served, while it waits for the task
/// to be ready: Terraform saves nothing, the task exists outside the state. The next `apply` adopts it
/// (issue 12: the task carries dmslink's ownership tag and is the planned one): one task in the
/// emulator, held by the state, started, plan clean; destroy leaves none.
#[test]
fn repltask_killed_create_is_adopted_by_the_next_apply() {
    let Some(bed) = TestBed::start("repltask_killed_create") else {
        return;
    };
    let dms = bed.dms();
    bed.each_cli(|cli| {
        let mut r = setup(&bed, cli, "killed");
        let label = r.label().to_string();
        r.wd.set_var("start_replication_task", "true");
        r.wd.init();
        // The new task stays `creating` long enough to kill the provider while it waits.
        bed.emulator.set_config(json!({"state_seconds": {"creating": 20}}));
        bed.emulator.clear_requests();

        let (first, killed) = std::thread::scope(|s| {
            let apply = s.spawn(|| r.wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]));
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut killed = Vec::new();
            while Instant::now() < deadline && !apply.is_finished() {
                let created = bed
                    .emulator
                    .requests()
                    .iter()
                    .any(|q| q.name() == "dms:CreateReplicationTask" && q.status.is_none_or(|s| s < 400));
                if created {
                    for pid in dmslink_acctest::processes_in(r.wd.path(), "terraform-provider-dmslink") {
                        dmslink_acctest::kill_hard(pid);
                        killed.push(pid);
                    }
                    if !killed.is_empty() {
                        break;
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            (apply.join().unwrap(), killed)
        });
        assert!(!killed.is_empty(), "[{label}] found no provider process to kill:\n{}", first.describe());
        assert!(!first.success(), "[{label}] the apply whose provider was killed succeeded:\n{}", first.describe());
        assert!(r.wd.state_list().is_empty(), "[{label}] Terraform saved state after the provider died");
        let left = dms.expect_task(&r.task_id);
        assert_eq!(left.status, "creating", "[{label}] killed too late to test adoption: {left:?}");

        bed.emulator.set_config(json!({"state_seconds": {"creating": null}}));
        bed.emulator.clear_requests();
        let out = r.wd.apply();
        let creates = bed.emulator.dms_actions().iter().filter(|a| *a == "CreateReplicationTask").count();
        assert_eq!(creates, 0, "[{label}] the second apply created the task again:\n{}", out.describe());
        let tasks: Vec<_> = dms.tasks().into_iter().filter(|t| t.id == r.task_id).collect();
        assert_eq!(tasks.len(), 1, "[{label}] {tasks:?}");
        assert_eq!(tasks[0].arn, left.arn, "[{label}] not the task the killed apply made");
        let task = dms.wait_status(&r.task_id, "running", WAIT);
        let values = r.wd.resource_values(ADDR).expect("resource in show -json");
        assert_eq!(values["replication_task_arn"], task.arn.as_str(), "[{label}] {values}");
        assert_eq!(values["status"], "running", "[{label}] {values}");
        assert!(values["tags_all"].get("dmslink:resource").is_none(), "[{label}] ownership tag in tags_all: {values}");
        r.wd.expect_plan(0, "plan after the adopting apply");

        r.wd.destroy();
        assert!(dms.task(&r.task_id).is_none(), "[{label}] task left after destroy");
        assert!(dms.tasks().is_empty(), "[{label}] tasks left after destroy: {:?}", dms.tasks());
    });
}

/// Tags and table mappings changed behind Terraform's back show in the plan and are put back.
#[test]
fn repltask_drift_shows_in_plan() {
    let Some(bed) = TestBed::start("repltask_drift") else {
        return;
    };
    let dms = bed.dms();
    bed.each_cli(|cli| {
        let r = setup(&bed, cli, "drift");
        let label = r.label().to_string();
        r.wd.init();
        r.wd.apply();
        let task = dms.wait_status(&r.task_id, "ready", WAIT);
        let expected_tags = dms.tags(&task.arn);
        assert_eq!(
            expected_tags.get("owner").map(String::as_str),
            Some("dblink-owners@example.com"),
            "[{label}] {expected_tags:?}"
        );

        // Tags.
        dms.add_tags(&task.arn, &[("owner", "someone-else@example.com"), ("oob", "1")]);
        let out = r.wd.expect_plan(2, "plan after tags changed out of band");
        assert_no_replacement(&label, &out);
        assert!(
            out.stdout.contains("someone-else@example.com") && out.stdout.contains("oob"),
            "[{label}] the plan does not show the tag drift:\n{}",
            out.describe()
        );
        r.wd.apply();
        assert_eq!(dms.tags(&task.arn), expected_tags, "[{label}] tags not put back");
        r.wd.expect_plan(0, "plan after fixing the tags");

        // Table mappings.
        dms.modify_table_mappings(&task.arn, MAPPINGS_TWO_RULES);
        dms.wait_status(&r.task_id, "ready", WAIT);
        let out = r.wd.expect_plan(2, "plan after the table mappings changed out of band");
        assert_no_replacement(&label, &out);
        assert!(out.stdout.contains("table_mappings"), "[{label}]\n{}", out.describe());
        r.wd.apply();
        let task = dms.wait_status(&r.task_id, "ready", WAIT);
        assert_eq!(task.rule_ids(), ["1"], "[{label}] table mappings not put back");
        r.wd.expect_plan(0, "plan after fixing the table mappings");

        r.wd.destroy();
        assert!(dms.task(&r.task_id).is_none(), "[{label}] task left after destroy");
    });
}

const SECRET: &str = "s3cr3t-VALUE-xyz";

/// `TF_LOG_PROVIDER=TRACE` through a full lifecycle: the provider's lines reach Terraform's log as
/// hclog JSON (shown with levels, not as raw text), and the configured `secret_key` is in none of them.
#[test]
fn provider_log_lines_are_hclog_json_without_secrets() {
    let Some(bed) = TestBed::start("provider_log") else {
        return;
    };
    let dms = bed.dms();
    bed.each_cli(|cli| {
        let mut r = setup(&bed, cli, "log");
        let label = r.label().to_string();
        r.wd.write(
            "credentials_override.tf",
            &format!(
                "provider \"dmslink\" {{\n  access_key = \"AKIADMSLINKACCTEST01\"\n  secret_key = \"{SECRET}\"\n}}\n"
            ),
        );
        let log_path = bed.path().join(format!("terraform-{}.log", cli.slug()));
        r.wd.set_env("TF_LOG_PROVIDER", "TRACE")
            .set_env("TF_LOG_PATH", log_path.to_string_lossy());

        let mut outputs = vec![r.wd.init(), r.wd.apply()];
        dms.expect_task(&r.task_id);
        outputs.push(r.wd.expect_plan(0, "plan after apply"));
        r.wd.set_var("start_replication_task", "true");
        outputs.push(r.wd.apply());
        r.wd.write("table_mappings.tpl", MAPPINGS_TWO_RULES);
        outputs.push(r.wd.apply());
        outputs.push(r.wd.destroy());
        assert!(dms.task(&r.task_id).is_none(), "[{label}] task left after destroy");

        for out in &outputs {
            assert!(
                !out.contains(SECRET),
                "[{label}] the secret key appears in the CLI output:\n{}",
                out.describe()
            );
        }
        let log = std::fs::read_to_string(&log_path)
            .unwrap_or_else(|e| panic!("[{label}] no log at {}: {e}", log_path.display()));
        let leaking: Vec<&str> = log.lines().filter(|l| l.contains(SECRET)).take(5).collect();
        assert!(leaking.is_empty(), "[{label}] the secret key is in the log:\n{}", leaking.join("\n"));

        let provider_lines: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("provider.terraform-provider-dmslink"))
            .collect();
        assert!(
            !provider_lines.is_empty(),
            "[{label}] no provider lines in {} ({} lines)",
            log_path.display(),
            log.lines().count()
        );
        let at = |level: &str| provider_lines.iter().filter(|l| l.contains(&format!("[{level}]"))).count();
        let (trace, debug, info) = (at("TRACE"), at("DEBUG"), at("INFO"));
        eprintln!("[{label}] provider log lines: {} (TRACE {trace}, DEBUG {debug}, INFO {info})", provider_lines.len());
        assert!(
            trace > 0 && debug + info > 0,
            "[{label}] expected provider lines at TRACE and at DEBUG/INFO; got TRACE {trace}, DEBUG {debug}, INFO {info}; first lines:\n{}",
            provider_lines.iter().take(10).copied().collect::<Vec<_>>().join("\n")
        );
        // go-plugin re-logs a line it cannot parse as hclog JSON verbatim (at DEBUG): none may look
        // like raw JSON or a plain-text log line.
        let raw: Vec<&str> = provider_lines
            .iter()
            .filter(|l| {
                l.split_once("provider.terraform-provider-dmslink")
                    .and_then(|(_, rest)| rest.split_once(": "))
                    .is_some_and(|(_, msg)| msg.trim_start().starts_with('{'))
            })
            .copied()
            .take(5)
            .collect();
        assert!(raw.is_empty(), "[{label}] provider lines Terraform could not parse as hclog JSON:\n{}", raw.join("\n"));
    });
}
