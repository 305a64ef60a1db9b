//! `moved` from the AWS provider's `aws_dms_replication_task` (schema version 0): its state names
//! its attributes as this resource does, so each carries over as it is; the JSON documents in
//! compact form, the task settings as the whole document the AWS provider read back from DMS (the
//! plan compares only the keys the configuration sets). The refresh that follows the move fills
//! in what only dmslink records (the full-load figures, the stop reason).

use crate::arn::Arn;
use crate::engine::model::Unknowable;
use crate::engine::{MoveFrom, MoveSource, Value};
use crate::resources::aws_state::{AWS_PROVIDERS, AwsState};

use super::model::Task;
use super::schema::MIGRATION_TYPES;

pub const MOVES_FROM: &[MoveFrom] =
    &[MoveFrom { providers: AWS_PROVIDERS, type_name: "aws_dms_replication_task", schema_versions: &[0] }];

pub fn task_from_aws(source: &MoveSource<'_>) -> Result<Value, crate::engine::Diagnostics> {
    let mut s = AwsState::parse(source, "dmslink_repltask")?;
    let arn = s.required_text("replication_task_arn");
    if !arn.is_empty() && !Arn::parse(&arn).is_some_and(|a| a.service == "dms" && a.resource.starts_with("task:")) {
        s.problem(
            "replication_task_arn",
            "is not a DMS replication task ARN (arn:aws:dms:<region>:<account>:task:<id>)",
        );
    }
    let migration_type = s.required_text("migration_type");
    if !migration_type.is_empty() && !MIGRATION_TYPES.contains(&migration_type.as_str()) {
        s.problem("migration_type", "is not one of \"full-load\", \"cdc\" or \"full-load-and-cdc\"");
    }
    // SDKv2 stores no tags as `{}`; dmslink as null (what a configuration without tags plans).
    let tags = s.string_map("tags").filter(|t| !t.is_empty());
    let tags_all = s.string_map("tags_all").or_else(|| tags.clone()).unwrap_or_default();
    let task = Task {
        replication_task_id: Some(s.required_text("replication_task_id")),
        source_endpoint_arn: Some(s.required_text("source_endpoint_arn")),
        target_endpoint_arn: Some(s.required_text("target_endpoint_arn")),
        replication_instance_arn: Some(s.required_text("replication_instance_arn")),
        migration_type: Some(migration_type),
        table_mappings: s.json_text("table_mappings", true),
        replication_task_settings: s.json_text("replication_task_settings", false),
        cdc_start_time: s.text("cdc_start_time"),
        cdc_start_position: s.text("cdc_start_position"),
        // The AWS provider's default is false, as dmslink's.
        start_replication_task: Some(s.flag("start_replication_task").unwrap_or(false)),
        tags,
        tags_all: Unknowable::Known(tags_all),
        replication_task_arn: Unknowable::Known(arn),
        status: s.text("status").map_or(Unknowable::Null, Unknowable::Known),
        ..Task::default()
    };
    let task = s.finish(task)?;
    Ok(task.to_value()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::engine::diag::Diagnostics;

    const FIXTURE: &str = include_str!("../../../tests/fixtures/moved/aws_dms_replication_task.json");

    fn moved(json: &str) -> Result<Task, Diagnostics> {
        let source = MoveSource {
            provider_address: AWS_PROVIDERS[0],
            type_name: "aws_dms_replication_task",
            schema_version: 0,
            state_json: json.as_bytes(),
        };
        task_from_aws(&source).map(|v| Task::from_value(&v).unwrap())
    }

    fn without(attr: &str) -> String {
        let mut doc: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
        doc.as_object_mut().unwrap().remove(attr);
        doc.to_string()
    }

    #[test]
    fn the_aws_providers_task_state_carries_over() {
        let t = moved(FIXTURE).unwrap();
        assert_eq!(t.replication_task_id.as_deref(), Some("dblink-task"));
        assert_eq!(
            t.replication_task_arn.known().map(String::as_str),
            Some("arn:aws:dms:ap-southeast-2:123456789012:task:ZQWERTYUIOPASDFGHJKLZXCVBN")
        );
        assert!(t.source_endpoint_arn.as_deref().unwrap().ends_with(":endpoint:SRCENDPOINTXYZ"));
        assert!(t.target_endpoint_arn.as_deref().unwrap().ends_with(":endpoint:TGTENDPOINTXYZ"));
        assert!(t.replication_instance_arn.as_deref().unwrap().ends_with(":rep:REPINSTANCEXYZ"));
        assert_eq!(t.migration_type.as_deref(), Some("full-load-and-cdc"));
        let mappings: serde_json::Value = serde_json::from_str(t.table_mappings.as_deref().unwrap()).unwrap();
        assert_eq!(mappings["rules"][0]["object-locator"]["schema-name"], "dblink");
        assert!(!t.table_mappings.as_deref().unwrap().contains(' '), "compact JSON");
        let settings: serde_json::Value =
            serde_json::from_str(t.replication_task_settings.as_deref().unwrap()).unwrap();
        assert_eq!(settings["FullLoadSettings"]["MaxFullLoadSubTasks"], 8);
        assert_eq!(t.start_replication_task, Some(true));
        assert_eq!(t.status.known().map(String::as_str), Some("running"));
        assert_eq!(t.tags.as_ref().unwrap()["Name"], "dblink-task");
        assert_eq!(t.tags_all.known().unwrap()["Environment"], "prod");
        assert_eq!((t.cdc_start_time.as_deref(), t.cdc_start_position.as_deref()), (None, None));
        // What only dmslink records is left to the refresh that follows.
        assert!(t.full_load_progress_percent.is_null() && t.stop_reason.is_null() && t.timeouts.is_none());
    }

    #[test]
    fn a_missing_or_unmappable_attribute_is_named() {
        for attr in ["replication_task_arn", "table_mappings", "source_endpoint_arn", "migration_type"] {
            let d = moved(&without(attr)).unwrap_err();
            assert!(d.0[0].detail.contains(&format!("`{attr}` is missing")), "{attr}: {}", d.0[0].detail);
        }
        let bad = FIXTURE.replace("\"full-load-and-cdc\"", "\"sometimes\"");
        assert!(moved(&bad).unwrap_err().0[0].detail.contains("`migration_type` is not one of"));
        let bad = FIXTURE
            .replace("arn:aws:dms:ap-southeast-2:123456789012:task:", "arn:aws:dms:ap-southeast-2:123456789012:rep:");
        assert!(
            moved(&bad).unwrap_err().0[0].detail.contains("`replication_task_arn` is not a DMS replication task ARN")
        );
        let bad = FIXTURE.replace("\"start_replication_task\": true", "\"start_replication_task\": \"yes\"");
        assert!(moved(&bad).unwrap_err().0[0].detail.contains("`start_replication_task` is not a bool"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut doc: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
        let attrs = doc.as_object_mut().unwrap();
        attrs.remove("replication_task_id");
        attrs.insert("replication_task_settings".into(), "{not json".into());
        let d = moved(&doc.to_string()).unwrap_err();
        assert_eq!(d.0.len(), 2, "{:?}", d.0);
    }

    #[test]
    fn unset_optional_documents_and_tags_stay_null() {
        let mut doc: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
        let attrs = doc.as_object_mut().unwrap();
        attrs.insert("replication_task_settings".into(), serde_json::Value::Null);
        attrs.insert("tags".into(), serde_json::json!({}));
        attrs.remove("tags_all");
        attrs.remove("start_replication_task");
        let t = moved(&doc.to_string()).unwrap();
        assert_eq!((t.replication_task_settings, t.tags), (None, None));
        assert_eq!(t.tags_all, Unknowable::Known(Default::default()));
        assert_eq!(t.start_replication_task, Some(false));
    }
}
