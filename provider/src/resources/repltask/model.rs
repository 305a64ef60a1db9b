//! `dmslink_repltask` as typed models (see `engine::model`): [`Task`] is the whole object as state,
//! an apply's plan and configuration, and an import carry it; the small views are what planning
//! and validation read, where any argument may still be unknown.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::model::{self, ModelError, Unknowable};
use crate::engine::{Type, Value};
use crate::resources::timeouts::Timeouts;

pub use super::logging::Logging;

pub type Tags = BTreeMap<String, String>;

/// Every attribute of the resource. Arguments are `Option` because the state an import hands to
/// `read` holds only the ARN; computed values are [`Unknowable`] because a plan leaves them unknown.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub replication_task_id: Option<String>,
    pub source_endpoint_arn: Option<String>,
    pub target_endpoint_arn: Option<String>,
    pub replication_instance_arn: Option<String>,
    pub migration_type: Option<String>,
    pub table_mappings: Option<String>,
    pub replication_task_settings: Option<String>,
    pub cdc_start_time: Option<String>,
    pub cdc_start_position: Option<String>,
    pub start_replication_task: Option<bool>,
    pub tags: Option<Tags>,
    pub tags_all: Unknowable<Tags>,
    pub replication_task_arn: Unknowable<String>,
    pub status: Unknowable<String>,
    pub timeouts: Option<Timeouts>,
    pub logging: Option<Logging>,
    /// Where DMS writes the task's log (`Logging.CloudWatchLogGroup`/`Stream`); null while logging is off.
    pub log_group: Unknowable<String>,
    pub log_stream: Unknowable<String>,
    // The refresh-only figures (see `insight`): whatever DMS last reported.
    pub stop_reason: Unknowable<String>,
    pub last_failure_message: Unknowable<String>,
    pub full_load_progress_percent: Unknowable<i64>,
    pub tables_loaded: Unknowable<i64>,
    pub tables_loading: Unknowable<i64>,
    pub tables_queued: Unknowable<i64>,
    pub tables_errored: Unknowable<i64>,
    pub elapsed_time_millis: Unknowable<i64>,
    pub started_at: Unknowable<String>,
    pub stopped_at: Unknowable<String>,
    pub full_load_started_at: Unknowable<String>,
    pub full_load_finished_at: Unknowable<String>,
}

impl Task {
    /// A state holds no unknowns: figures DMS did not report are null.
    pub fn insight_unknowns_to_null(&mut self) {
        for s in [
            &mut self.stop_reason,
            &mut self.last_failure_message,
            &mut self.started_at,
            &mut self.stopped_at,
            &mut self.full_load_started_at,
            &mut self.full_load_finished_at,
            &mut self.log_group,
            &mut self.log_stream,
        ] {
            s.unknown_to_null();
        }
        for n in [
            &mut self.full_load_progress_percent,
            &mut self.tables_loaded,
            &mut self.tables_loading,
            &mut self.tables_queued,
            &mut self.tables_errored,
            &mut self.elapsed_time_millis,
        ] {
            n.unknown_to_null();
        }
    }

    pub fn from_value(v: &Value) -> Result<Task, ModelError> {
        model::from_value(v)
    }

    pub fn to_value(&self) -> Result<Value, ModelError> {
        model::to_value(self, &object_type())
    }

    /// How messages name the task: its id, else its ARN.
    pub fn label(&self) -> String {
        self.replication_task_id
            .as_deref()
            .or_else(|| self.replication_task_arn.known().map(String::as_str))
            .unwrap_or("unknown")
            .to_string()
    }

    pub fn wants_running(&self) -> bool {
        self.start_replication_task == Some(true)
    }
}

/// The JSON documents, which keep the prior spelling while they mean the same.
#[derive(Debug, Deserialize, Serialize)]
pub struct Documents {
    pub table_mappings: Unknowable<String>,
    pub replication_task_settings: Unknowable<String>,
}

/// What the region check and the CDC checks read from a configuration at plan time.
#[derive(Debug, Deserialize)]
pub struct PlanArgs {
    pub source_endpoint_arn: Unknowable<String>,
    pub target_endpoint_arn: Unknowable<String>,
    pub replication_instance_arn: Unknowable<String>,
    pub migration_type: Unknowable<String>,
    pub cdc_start_time: Unknowable<String>,
    pub cdc_start_position: Unknowable<String>,
}

impl PlanArgs {
    /// The ARNs with the attribute each sits in.
    pub fn arns(&self) -> [(&'static str, &Unknowable<String>); 3] {
        [
            ("source_endpoint_arn", &self.source_endpoint_arn),
            ("target_endpoint_arn", &self.target_endpoint_arn),
            ("replication_instance_arn", &self.replication_instance_arn),
        ]
    }
}

pub fn object_type() -> Type {
    super::schema::schema().value_type()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// The model names every attribute of the schema and nothing else: a null object reads into
    /// the default model, and the default model writes the null object back.
    #[test]
    fn the_model_is_the_schema() {
        let null = Value::null_object(&object_type());
        let task = Task::from_value(&null).unwrap();
        assert_eq!(task, Task::default());
        assert_eq!(task.to_value().unwrap(), null);
    }

    #[test]
    fn a_planned_task_round_trips_with_its_unknowns() {
        let mut v = Value::null_object(&object_type());
        v.set("replication_task_id", Value::string("t"));
        v.set("status", Value::Unknown);
        v.set("tables_loaded", Value::int(3));
        let timeouts = [("create", Value::string("5m")), ("update", Value::Null), ("delete", Value::Null)];
        v.set("timeouts", Value::Object(timeouts.map(|(k, v)| (k.to_string(), v)).into()));
        let task = Task::from_value(&v).unwrap();
        assert_eq!(task.status, Unknowable::Unknown);
        assert_eq!(task.tables_loaded, Unknowable::Known(3));
        assert_eq!(task.timeouts.as_ref().and_then(|t| t.create.as_deref()), Some("5m"));
        assert_eq!(task.to_value().unwrap(), v);
    }
}
