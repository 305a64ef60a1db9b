#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::schema::{parse_cdc_start_time, schema, validate_config};
use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::plan;
use crate::engine::validate::validate_block;
use crate::engine::{Type, Value};

const SRC: &str = "arn:aws:dms:us-east-1:123456789012:endpoint:SRC";
const TGT: &str = "arn:aws:dms:us-east-1:123456789012:endpoint:TGT";
const REP: &str = "arn:aws:dms:us-east-1:123456789012:rep:INST";
const MAPPINGS: &str = r#"{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"1","object-locator":{"schema-name":"HR","table-name":"%"},"rule-action":"include"}]}"#;

pub fn config(overrides: &[(&str, Value)]) -> Value {
    let mut v = Value::null_object(&schema().value_type());
    v.set("replication_task_id", Value::string("dblink-task"));
    v.set("source_endpoint_arn", Value::string(SRC));
    v.set("target_endpoint_arn", Value::string(TGT));
    v.set("replication_instance_arn", Value::string(REP));
    v.set("migration_type", Value::string("full-load-and-cdc"));
    v.set("table_mappings", Value::string(MAPPINGS));
    for (k, val) in overrides {
        v.set(k, val.clone());
    }
    v
}

fn diagnostics_for(cfg: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    validate_block(&schema().block, cfg, &AttrPath::root(), &mut d);
    validate_config(cfg, &mut d);
    d
}

fn error_paths(cfg: &Value) -> Vec<String> {
    diagnostics_for(cfg)
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.path.as_ref().map(|p| p.to_string()).unwrap_or_default())
        .collect()
}

#[test]
fn valid_config_has_no_diagnostics() {
    assert!(diagnostics_for(&config(&[])).is_empty(), "{:?}", diagnostics_for(&config(&[])));
}

#[test]
fn repltask_invalid_task_ids_are_rejected_on_the_attribute() {
    let long = format!("a{}", "b".repeat(255));
    for bad in ["1abc", "a--b", "abc-", "a_b", "", long.as_str()] {
        let cfg = config(&[("replication_task_id", Value::string(bad))]);
        assert_eq!(error_paths(&cfg), vec!["replication_task_id"], "{bad:?}");
    }
    for good in ["a", "dblink-task-1", "A9"] {
        assert!(error_paths(&config(&[("replication_task_id", Value::string(good))])).is_empty(), "{good}");
    }
}

#[test]
fn repltask_bad_table_mappings_are_rejected() {
    let cases = [
        "{not json",
        r#"{"rules":[]}"#,
        r#"{"rulez":[]}"#,
        r#"{"rules":[{"rule-id":"1","rule-action":"include"}]}"#,
        r#"{"rules":[{"rule-type":"selection","rule-id":"1"}]}"#,
        r#"{"rules":[{"rule-type":"filtering","rule-id":"1","rule-action":"include"}]}"#,
        // Only a transformation: nothing is selected, so DMS refuses the task.
        r#"{"rules":[{"rule-type":"transformation","rule-id":"1","rule-action":"convert-lowercase","rule-target":"schema","object-locator":{"schema-name":"HR"}}]}"#,
    ];
    for bad in cases {
        let cfg = config(&[("table_mappings", Value::string(bad))]);
        let paths = error_paths(&cfg);
        assert!(!paths.is_empty() && paths.iter().all(|p| p == "table_mappings"), "{bad}: {paths:?}");
    }
    let table_settings = r#"{"rules":[{"rule-type":"selection","rule-id":"1","rule-action":"include"},{"rule-type":"table-settings","rule-id":"2","object-locator":{"schema-name":"HR","table-name":"T"},"parallel-load":{"type":"partitions-auto"}}]}"#;
    assert!(error_paths(&config(&[("table_mappings", Value::string(table_settings))])).is_empty());
}

#[test]
fn repltask_log_context_needs_logging() {
    let bad = r#"{"Logging":{"EnableLogContext":true}}"#;
    assert_eq!(
        error_paths(&config(&[("replication_task_settings", Value::string(bad))])),
        vec!["replication_task_settings"]
    );
    let good = r#"{"Logging":{"EnableLogging":true,"EnableLogContext":true}}"#;
    assert!(error_paths(&config(&[("replication_task_settings", Value::string(good))])).is_empty());
}

#[test]
fn repltask_tags_beyond_aws_limits_are_rejected_per_key() {
    let tags =
        |pairs: &[(&str, &str)]| Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), Value::string(*v))).collect());
    let long = "v".repeat(257);
    for (bad, key) in [
        (tags(&[("aws:owner", "x")]), "aws:owner"),
        (tags(&[("dmslink:stack", "x")]), "dmslink:stack"),
        (tags(&[("owner", long.as_str())]), "owner"),
        (tags(&[("bad\tkey", "x")]), "bad\tkey"),
        (tags(&[("owner", "a|b")]), "owner"),
    ] {
        assert_eq!(error_paths(&config(&[("tags", bad.clone())])), vec![format!("tags[{key:?}]")], "{bad:?}");
    }
    let many: Vec<(String, String)> = (0..48).map(|i| (format!("k{i}"), "v".to_string())).collect();
    let many = Value::Map(many.into_iter().map(|(k, v)| (k, Value::string(v))).collect());
    assert_eq!(error_paths(&config(&[("tags", many)])), vec!["tags"]);
    assert!(error_paths(&config(&[("tags", tags(&[("Name", "dblink repl: HR/payroll = ok+@_-.")]))])).is_empty());
}

#[test]
fn repltask_wrong_arn_kinds_and_migration_types_are_rejected() {
    let cfg = config(&[("source_endpoint_arn", Value::string(REP))]);
    assert_eq!(error_paths(&cfg), vec!["source_endpoint_arn"]);
    let cfg = config(&[("replication_instance_arn", Value::string(SRC))]);
    assert_eq!(error_paths(&cfg), vec!["replication_instance_arn"]);
    let cfg = config(&[("target_endpoint_arn", Value::string("endpoint-123"))]);
    assert_eq!(error_paths(&cfg), vec!["target_endpoint_arn"]);
    let cfg = config(&[("migration_type", Value::string("cdc-only"))]);
    assert_eq!(error_paths(&cfg), vec!["migration_type"]);
}

#[test]
fn repltask_cdc_settings_conflict_and_need_cdc() {
    let cfg = config(&[
        ("cdc_start_time", Value::string("2026-01-02T03:04:05Z")),
        ("cdc_start_position", Value::string("checkpoint:V1")),
    ]);
    assert_eq!(error_paths(&cfg), vec!["cdc_start_position"]);
    let cfg =
        config(&[("migration_type", Value::string("full-load")), ("cdc_start_time", Value::string("1700000000"))]);
    assert_eq!(error_paths(&cfg), vec!["cdc_start_time"]);
    let cfg = config(&[("cdc_start_time", Value::string("yesterday"))]);
    assert_eq!(error_paths(&cfg), vec!["cdc_start_time"]);
    assert_eq!(parse_cdc_start_time("2026-01-02T03:04:05Z"), Some(1_767_323_045));
    assert_eq!(parse_cdc_start_time("1700000000"), Some(1_700_000_000));
}

#[test]
fn repltask_read_only_settings_are_rejected() {
    let cfg = config(&[("replication_task_settings", Value::string(r#"{"Logging":{"CloudWatchLogGroup":"x"}}"#))]);
    assert_eq!(error_paths(&cfg), vec!["replication_task_settings"]);
}

#[test]
fn unknown_values_are_not_validated_yet() {
    let cfg = config(&[("table_mappings", Value::Unknown), ("replication_task_id", Value::Unknown)]);
    assert!(error_paths(&cfg).is_empty());
}

#[test]
fn id_and_endpoint_changes_replace_but_instance_moves_in_place() {
    let s = schema();
    let mut prior = config(&[]);
    prior.set("replication_task_arn", Value::string("arn:aws:dms:us-east-1:123456789012:task:T"));
    prior.set("start_replication_task", Value::Bool(false));
    for (attr, replace) in [
        ("replication_task_id", true),
        ("source_endpoint_arn", true),
        ("migration_type", true),
        ("replication_instance_arn", false),
        ("table_mappings", false),
    ] {
        let new = match attr {
            "replication_task_id" => Value::string("other"),
            "migration_type" => Value::string("cdc"),
            "replication_instance_arn" => Value::string("arn:aws:dms:us-east-1:123456789012:rep:OTHER"),
            "table_mappings" => Value::string(MAPPINGS.replace("HR", "SALES")),
            _ => Value::string("arn:aws:dms:us-east-1:123456789012:endpoint:OTHER"),
        };
        let cfg = config(&[(attr, new)]);
        let mut proposed = cfg.clone();
        proposed.set("replication_task_arn", prior.get("replication_task_arn").clone());
        let p = plan::plan(&s.block, &prior, &proposed, &cfg);
        assert_eq!(!p.requires_replace.is_empty(), replace, "{attr}");
    }
    assert!(matches!(s.value_type(), Type::Object(_)));
}

/// Unit tests against the in-memory DMS; the test bed is shared with `adopt_tests`.
pub(super) mod against_fake_dms {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use tokio_util::sync::CancellationToken;

    use super::config;
    use crate::aws::Clients;
    use crate::aws::error::{AwsError, ErrorKind};
    use crate::aws::fake::dms::FakeDms;
    use crate::engine::{Resource, Value};
    use crate::provider_config::Configured;
    use crate::resources::Ctx;
    use crate::resources::repltask::Repltask;

    pub struct Bed {
        pub dms: Arc<FakeDms>,
        pub ctx: Ctx,
        pub src: String,
        pub tgt: String,
        pub rep: String,
        pub rep2: String,
    }

    pub fn bed() -> Bed {
        let dms = Arc::new(FakeDms::new());
        let src = dms.add_endpoint("src", "source", "oracle").arn;
        let tgt = dms.add_endpoint("tgt", "target", "postgres").arn;
        let rep = dms.add_replication_instance("rep").arn;
        let rep2 = dms.add_replication_instance("rep2").arn;
        let mut default_tags = BTreeMap::new();
        default_tags.insert("team".to_string(), "data".to_string());
        let provider = Arc::new(Configured {
            clients: Clients::with_dms(dms.clone()),
            region: "us-east-1".into(),
            account_id: Some("123456789012".into()),
            partition: "aws".into(),
            default_tags,
        });
        Bed { dms, ctx: Ctx { provider, cancel: CancellationToken::new() }, src, tgt, rep, rep2 }
    }

    impl Bed {
        pub fn planned(&self, start: bool) -> Value {
            let mut v = config(&[
                ("source_endpoint_arn", Value::string(&self.src)),
                ("target_endpoint_arn", Value::string(&self.tgt)),
                ("replication_instance_arn", Value::string(&self.rep)),
                ("start_replication_task", Value::Bool(start)),
            ]);
            let mut tags = BTreeMap::new();
            tags.insert("app".to_string(), "dblink".to_string());
            v.set("tags", Value::from_string_map(&tags));
            tags.insert("team".to_string(), "data".to_string());
            v.set("tags_all", Value::from_string_map(&tags));
            v.set("replication_task_arn", Value::Unknown);
            v.set("status", Value::Unknown);
            v
        }

        pub async fn created(&self, start: bool) -> Value {
            let planned = self.planned(start);
            let out = Repltask.create(&self.ctx, &planned, &planned).await;
            assert!(!out.diags.has_errors(), "{:?}", out.diags);
            out.state
        }
    }

    /// The calls that change something.
    pub fn ops(calls: Vec<String>) -> Vec<String> {
        calls
            .into_iter()
            .filter(|c| !c.starts_with("find_") && !c.starts_with("describe_") && c != "list_tags")
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn repltask_create_waits_ready_and_tags_with_defaults() {
        let b = bed();
        let state = b.created(false).await;
        assert_eq!(state.get("status"), &Value::string("ready"));
        let arn = state.get("replication_task_arn").as_str().unwrap().to_string();
        assert_eq!(b.dms.tags_of(&arn).get("team").map(String::as_str), Some("data"));
        assert_eq!(ops(b.dms.calls()), vec!["create_replication_task"]);
    }

    #[tokio::test(start_paused = true)]
    async fn repltask_create_with_start_runs_the_task() {
        let b = bed();
        let state = b.created(true).await;
        assert_eq!(state.get("status"), &Value::string("running"));
        let log = b.dms.call_log().join("\n");
        assert!(log.contains("start-replication"), "{log}");
    }

    #[tokio::test(start_paused = true)]
    async fn repltask_finished_full_load_counts_as_started() {
        let b = bed();
        b.dms.full_load_skips_running(true);
        let mut planned = b.planned(true);
        planned.set("migration_type", Value::string("full-load"));
        let started = tokio::time::Instant::now();
        let out = Repltask.create(&b.ctx, &planned, &planned).await;
        assert!(!out.diags.has_errors(), "{:?}", out.diags);
        assert_eq!(out.state.get("status"), &Value::string("stopped"));
        // Seen at once, not at the create's timeout (found by the acceptance case: the apply hung,
        // the wait passing `stopped` as a state a resumed task starts from).
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "{:?}", started.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn repltask_update_while_running_stops_modifies_restarts() {
        let b = bed();
        let prior = b.created(true).await;
        b.dms.clear_calls();
        let mut planned = prior.clone();
        let new_mappings = prior.get("table_mappings").as_str().unwrap().replace("HR", "SALES");
        planned.set("table_mappings", Value::string(&new_mappings));
        planned.set("status", Value::Unknown);
        let out = Repltask.update(&b.ctx, &prior, &planned, &planned).await;
        assert!(!out.diags.has_errors(), "{:?}", out.diags);
        assert_eq!(
            ops(b.dms.calls()),
            vec!["stop_replication_task", "modify_replication_task", "start_replication_task"]
        );
        assert!(b.dms.call_log().iter().any(|c| c.ends_with("resume-processing")), "{:?}", b.dms.call_log());
        assert_eq!(out.state.get("status"), &Value::string("running"));
        let arn = prior.get("replication_task_arn").as_str().unwrap();
        assert!(b.dms.task(arn).unwrap().table_mappings.contains("SALES"));
    }

    #[tokio::test(start_paused = true)]
    async fn repltask_tag_change_does_not_stop_the_task() {
        let b = bed();
        let prior = b.created(true).await;
        b.dms.clear_calls();
        let mut planned = prior.clone();
        let mut all = prior.get("tags_all").string_map();
        all.remove("app");
        all.insert("owner".into(), "me".into());
        planned.set("tags_all", Value::from_string_map(&all));
        let out = Repltask.update(&b.ctx, &prior, &planned, &planned).await;
        assert!(!out.diags.has_errors(), "{:?}", out.diags);
        assert_eq!(ops(b.dms.calls()), vec!["remove_tags", "add_tags"]);
        let arn = prior.get("replication_task_arn").as_str().unwrap();
        // The user's tags change; dmslink's ownership tag stays.
        all.insert("dmslink:resource".into(), "dmslink_repltask".into());
        assert_eq!(b.dms.tags_of(arn), all);
    }

    #[tokio::test(start_paused = true)]
    async fn repltask_instance_change_moves_the_task() {
        let b = bed();
        let prior = b.created(true).await;
        b.dms.clear_calls();
        let mut planned = prior.clone();
        planned.set("replication_instance_arn", Value::string(&b.rep2));
        let out = Repltask.update(&b.ctx, &prior, &planned, &planned).await;
        assert!(!out.diags.has_errors(), "{:?}", out.diags);
        assert_eq!(
            ops(b.dms.calls()),
            vec!["stop_replication_task", "move_replication_task", "start_replication_task"]
        );
        assert_eq!(out.state.get("replication_instance_arn"), &Value::string(&b.rep2));
    }

    /// DMS creates, moves and starts a task only on an `available` instance (the rulebook's
    /// `UseByTask`): a busy instance (the stack's own apply modifying it) is waited for, a failed
    /// one refuses at once naming its state, and a task is never created on it.
    #[tokio::test(start_paused = true)]
    async fn repltask_waits_for_a_busy_instance_and_refuses_a_failed_one() {
        let b = bed();
        b.dms.script_object(&b.rep, &["modifying", "modifying", "modifying", "available"]);
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
        let state = b.created(true).await;
        assert_eq!(state.get("status"), &Value::string("running"));

        let b = bed();
        b.dms.script_object(&b.rep, &["incompatible-network"]);
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
        let planned = b.planned(true);
        let out = Repltask.create(&b.ctx, &planned, &planned).await;
        let text = format!("{:?}", out.diags);
        assert!(text.contains("incompatible-network") && text.contains("available replication instance"), "{text}");
        assert_eq!(b.dms.task_count(), 0);

        // A move waits for its target instance too.
        let b = bed();
        let prior = b.created(true).await;
        b.dms.script_object(&b.rep2, &["upgrading", "upgrading", "available"]);
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
        let mut planned = prior.clone();
        planned.set("replication_instance_arn", Value::string(&b.rep2));
        let out = Repltask.update(&b.ctx, &prior, &planned, &planned).await;
        assert!(!out.diags.has_errors(), "{:?}", out.diags);
        assert_eq!(out.state.get("replication_instance_arn"), &Value::string(&b.rep2));
    }

    #[tokio::test(start_paused = true)]
    async fn repltask_delete_stops_a_running_task_first() {
        let b = bed();
        let prior = b.created(true).await;
        b.dms.clear_calls();
        let diags = Repltask.delete(&b.ctx, &prior).await;
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(ops(b.dms.calls()), vec!["stop_replication_task", "delete_replication_task"]);
        assert_eq!(b.dms.task_count(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn repltask_disappears_reads_as_gone_and_delete_is_done() {
        let b = bed();
        let prior = b.created(false).await;
        let arn = prior.get("replication_task_arn").as_str().unwrap().to_string();
        b.dms.remove_task(&arn);
        assert_eq!(Repltask.read(&b.ctx, &prior).await.unwrap(), None);
        assert!(!Repltask.delete(&b.ctx, &prior).await.has_errors());
    }

    #[tokio::test(start_paused = true)]
    async fn repltask_stopped_out_of_band_shows_start_drift() {
        let b = bed();
        let prior = b.created(true).await;
        let arn = prior.get("replication_task_arn").as_str().unwrap().to_string();
        b.dms.set_task_status(&arn, "stopped");
        let read = Repltask.read(&b.ctx, &prior).await.unwrap().unwrap();
        assert_eq!(read.get("start_replication_task"), &Value::Bool(false));
        assert_eq!(read.get("status"), &Value::string("stopped"));
    }

    #[tokio::test(start_paused = true)]
    async fn repltask_failed_start_keeps_the_task_in_state_with_the_reason() {
        let b = bed();
        // More refusals than the start retries within its window (task_start::START_WINDOW).
        for _ in 0..40 {
            b.dms.fail_next(
                "start_replication_task",
                AwsError::new(ErrorKind::InvalidState, "InvalidResourceStateFault", "boom"),
            );
        }
        let planned = b.planned(true);
        let out = Repltask.create(&b.ctx, &planned, &planned).await;
        assert!(out.diags.has_errors());
        assert!(out.state.get("replication_task_arn").as_str().is_some(), "partial state must keep the ARN");
        let text = format!("{:?}", out.diags);
        assert!(text.contains("InvalidResourceStateFault: boom") && text.contains("dblink-task"), "{text}");
    }

    #[tokio::test(start_paused = true)]
    async fn repltask_import_by_id_or_arn_then_read_fills_state() {
        let b = bed();
        let created = b.created(true).await;
        let arn = created.get("replication_task_arn").as_str().unwrap().to_string();
        for id in ["dblink-task", arn.as_str()] {
            let imported = Repltask.import(&b.ctx, id).await.unwrap();
            assert_eq!(imported.get("start_replication_task"), &Value::Bool(true));
            let read = Repltask.read(&b.ctx, &imported).await.unwrap().unwrap();
            assert_eq!(read.get("replication_task_id"), &Value::string("dblink-task"));
            assert_eq!(read.get("tags").string_map().get("app").map(String::as_str), Some("dblink"));
            assert!(!read.get("tags").string_map().contains_key("team"), "default tags stay in tags_all only");
        }
        assert!(Repltask.import(&b.ctx, "nope").await.is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn repltask_failed_start_reports_failure_tables_in_error_and_connections() {
        use crate::aws::dms::TableStats;
        let b = bed();
        let planned = b.planned(false);
        let created = Repltask.create(&b.ctx, &planned, &planned).await.state;
        let arn = created.get("replication_task_arn").as_str().unwrap().to_string();
        b.dms.fail_on_start(&arn, "ORA-00942: table or view does not exist");
        let table = |name: &str, state: &str, rows: i64| TableStats {
            schema_name: "HR".into(),
            table_name: name.into(),
            table_state: state.into(),
            full_load_error_rows: rows,
            ..TableStats::default()
        };
        b.dms.set_table_stats(&arn, vec![table("EMPLOYEES", "Table completed", 0), table("PAYROLL", "Table error", 7)]);
        b.dms.fail_connection(&b.src, "ORA-01017: invalid username/password; logon denied");
        let mut want = created.clone();
        want.set("start_replication_task", Value::Bool(true));
        want.set("status", Value::Unknown);
        let out = Repltask.update(&b.ctx, &created, &want, &want).await;
        let text = format!("{:?}", out.diags);
        assert!(out.diags.has_errors(), "{text}");
        for part in [
            "ORA-00942: table or view does not exist",
            "HR.PAYROLL (Table error, 7 rows failed in the full load)",
            "ORA-01017: invalid username/password",
            "Next: fix the endpoint whose connection test failed",
        ] {
            assert!(text.contains(part), "missing {part:?} in {text}");
        }
        assert!(!text.contains("HR.EMPLOYEES"), "{text}");
    }

    #[tokio::test(start_paused = true)]
    async fn repltask_progress_is_refreshed_and_never_planned_as_a_change() {
        use crate::aws::dms::TaskStats;
        use crate::engine::diag::Diagnostics;
        use crate::resources::PlanDraft;
        let b = bed();
        let state = b.created(true).await;
        let arn = state.get("replication_task_arn").as_str().unwrap().to_string();
        let stats =
            |pct| TaskStats { full_load_progress_percent: Some(pct), tables_loading: Some(1), ..TaskStats::default() };
        b.dms.set_task_stats(&arn, stats(30));
        let first = Repltask.read(&b.ctx, &state).await.unwrap().unwrap();
        b.dms.set_task_stats(&arn, stats(70));
        let second = Repltask.read(&b.ctx, &first).await.unwrap().unwrap();
        assert_eq!(first.get("full_load_progress_percent"), &Value::int(30));
        assert_eq!(second.get("full_load_progress_percent"), &Value::int(70));
        // The plan of `proposed` over the refreshed state, as the engine asks for it.
        let plan = |proposed: Value| {
            let mut cfg = proposed.clone();
            // A configuration holds no computed values.
            let schema = super::super::schema::schema();
            for a in schema.block.attributes.iter().filter(|a| a.mode == crate::engine::Mode::Computed) {
                cfg.set(&a.name, Value::Null);
            }
            let (prior, provider) = (second.clone(), b.ctx.provider.clone());
            async move {
                let mut draft = PlanDraft {
                    prior: &prior,
                    config: &cfg,
                    planned: proposed,
                    requires_replace: Vec::new(),
                    diags: Diagnostics::new(),
                    provider: Some(provider),
                };
                Repltask.modify_plan(&mut draft).await;
                // Then the schema's `unknown_when` declarations, as the engine applies them.
                let schema = super::super::schema::schema();
                crate::engine::plan::unknown_after_changes(&schema.block, &prior, &mut draft.planned, &cfg);
                draft.planned
            }
        };
        // Nothing configured changed: the plan is the refreshed state, so Terraform sees no change.
        assert_eq!(plan(second.clone()).await, second);
        // A tag change is an update: the figures the apply returns are planned unknown.
        let mut tagged = second.clone();
        tagged.set("tags", Value::from_string_map(&BTreeMap::from([("app".to_string(), "bi".to_string())])));
        let planned = plan(tagged).await;
        assert!(planned.get("full_load_progress_percent").is_unknown());
        assert_eq!(planned.get("status"), second.get("status"), "a tag change leaves the task as it is");
    }
}
