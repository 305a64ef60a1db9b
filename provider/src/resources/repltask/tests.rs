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
    diagnostics_for(cfg).iter().filter(|d| d.is_error()).map(|d| d.path.as_ref().map(|p| p.to_string()).unwrap_or_default()).collect()
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
    ];
    for bad in cases {
        let cfg = config(&[("table_mappings", Value::string(bad))]);
        assert_eq!(error_paths(&cfg), vec!["table_mappings"], "{bad}");
    }
    let table_settings = r#"{"rules":[{"rule-type":"selection","rule-id":"1","rule-action":"include"},{"rule-type":"table-settings","rule-id":"2","object-locator":{"schema-name":"HR","table-name":"T"},"parallel-load":{"type":"partitions-auto"}}]}"#;
    assert!(error_paths(&config(&[("table_mappings", Value::string(table_settings))])).is_empty());
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
    let cfg = config(&[("cdc_start_time", Value::string("2026-01-02T03:04:05Z")), ("cdc_start_position", Value::string("checkpoint:V1"))]);
    assert_eq!(error_paths(&cfg), vec!["cdc_start_position"]);
    let cfg = config(&[("migration_type", Value::string("full-load")), ("cdc_start_time", Value::string("1700000000"))]);
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
