//! The table-shaped part of DMS behaviour, read from `rulebook/dms.json` at the repository root:
//! which operation is allowed from which state, the error otherwise, the states it moves through
//! and for how long, and the default task settings. The emulator reads the same file
//! (`tests/emulator/dmslink_emulator/rulebook.py`); `rulebook/README.md` documents the fields and
//! the AWS documentation behind each rule.

use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value as Json;

use crate::aws::error::AwsError;

const TEXT: &str = include_str!("../../../../../rulebook/dms.json");

#[derive(Debug, Deserialize)]
pub(crate) struct Rulebook {
    pub(crate) replication_task: Kind,
    pub(crate) replication_instance: Kind,
    pub(crate) endpoint: Kind,
    pub(crate) task_settings: TaskSettingsRules,
}

/// The rules of one kind of object.
#[derive(Debug, Deserialize)]
pub(crate) struct Kind {
    seconds: BTreeMap<String, f64>,
    operations: BTreeMap<String, Operation>,
    #[serde(default)]
    stop_reasons: BTreeMap<String, String>,
    /// Task states in which the task's endpoints cannot be modified.
    #[serde(default)]
    pub(crate) busy_for_endpoint_changes: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Operation {
    /// `None`: allowed from every state not in `refused_from`.
    allowed_from: Option<Vec<String>>,
    #[serde(default)]
    refused_from: Vec<String>,
    /// More precise errors for some of the refused states.
    #[serde(default)]
    errors_from: Vec<StateError>,
    error: Option<ErrorRule>,
    in_use_error: Option<ErrorRule>,
    /// States from which some changes are allowed although the operation is refused otherwise.
    #[serde(default)]
    changes_allowed_from: Vec<ChangesAllowed>,
}

/// `ModifyReplicationTask` of a running task: only the settings under these paths may differ.
#[derive(Debug, Deserialize)]
struct ChangesAllowed {
    states: Vec<String>,
    /// Dotted paths into the task settings document (`Logging.LogComponents`).
    settings: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct StateError {
    states: Vec<String>,
    code: String,
    message: String,
}

#[derive(Debug, Deserialize)]
struct ErrorRule {
    code: String,
    message: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TaskSettingsRules {
    pub(crate) defaults: Json,
    /// `Logging.LogComponents` → `Id`: lists merged element by element on that key.
    pub(crate) merge_by_id: BTreeMap<String, String>,
    /// `Logging` → [`CloudWatchLogGroup`, ...]: keys AWS fills in and refuses on create.
    pub(crate) read_only: BTreeMap<String, Vec<String>>,
}

static RULES: LazyLock<Rulebook> = LazyLock::new(|| match serde_json::from_str(TEXT) {
    Ok(r) => r,
    // The file is compiled in and parsed by a unit test, so this cannot happen at run time.
    Err(e) => panic!("rulebook/dms.json does not parse: {e}"),
});

pub(crate) fn rules() -> &'static Rulebook {
    &RULES
}

/// `{name}` placeholders filled from `fields`.
fn fill(template: &str, fields: &[(&str, &str)]) -> String {
    fields.iter().fold(template.to_string(), |s, (k, v)| s.replace(&format!("{{{k}}}"), v))
}

impl Kind {
    /// Default seconds of a timed state (`transition`, `full_load`, `creating`, ...); 0 when unknown.
    pub(crate) fn seconds(&self, name: &str) -> Duration {
        Duration::from_secs_f64(self.seconds.get(name).copied().unwrap_or(0.0).max(0.0))
    }

    pub(crate) fn stop_reason(&self, name: &str) -> String {
        self.stop_reasons.get(name).cloned().unwrap_or_else(|| name.to_string())
    }

    /// The error `op` answers from `status` (`None`: allowed). `fields` fill the message's
    /// placeholders (`id`, ...); `status` is filled in here.
    pub(crate) fn refusal(&self, op: &str, status: &str, fields: &[(&str, &str)]) -> Option<AwsError> {
        let rule = self.operations.get(op)?;
        let allowed = rule.allowed_from.as_ref().is_none_or(|a| a.iter().any(|s| s == status));
        if allowed && !rule.refused_from.iter().any(|s| s == status) {
            return None;
        }
        let mut all = vec![("status", status)];
        all.extend_from_slice(fields);
        if let Some(e) = rule.errors_from.iter().find(|e| e.states.iter().any(|s| s == status)) {
            return Some(AwsError::from_code(&e.code, fill(&e.message, &all)));
        }
        let (code, message) = rule.error.as_ref().map_or(("InvalidResourceStateFault", ""), |e| (&e.code, &e.message));
        Some(AwsError::from_code(code, fill(message, &all)))
    }

    /// The settings paths `op` may still change from `status` although it is refused there (empty:
    /// none).
    pub(crate) fn changes_allowed(&self, op: &str, status: &str) -> &[String] {
        self.operations
            .get(op)
            .and_then(|o| o.changes_allowed_from.iter().find(|c| c.states.iter().any(|s| s == status)))
            .map_or(&[], |c| c.settings.as_slice())
    }

    /// `Err` with the AWS error when `op` is not allowed from `status`.
    pub(crate) fn check(&self, op: &str, status: &str, fields: &[(&str, &str)]) -> Result<(), AwsError> {
        self.refusal(op, status, fields).map_or(Ok(()), Err)
    }

    /// The error of `op` on an object other objects still use (`users` placeholder).
    pub(crate) fn in_use(&self, op: &str, fields: &[(&str, &str)]) -> AwsError {
        match self.operations.get(op).and_then(|o| o.in_use_error.as_ref()) {
            Some(e) => AwsError::from_code(&e.code, fill(&e.message, fields)),
            None => AwsError::from_code("InvalidResourceStateFault", format!("{op}: in use")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::error::ErrorKind;

    #[test]
    fn rulebook_parses_and_names_every_operation_the_fakes_use() {
        let r: Rulebook = serde_json::from_str(TEXT).unwrap_or_else(|e| panic!("{e}"));
        for op in [
            "CreateReplicationTask",
            "StartReplicationTask:start-replication",
            "StartReplicationTask:resume-processing",
            "StartReplicationTask:reload-target",
            "StopReplicationTask",
            "ModifyReplicationTask",
            "MoveReplicationTask",
            "DeleteReplicationTask",
        ] {
            assert!(r.replication_task.operations.contains_key(op), "{op}");
        }
        for op in ["CreateReplicationInstance", "ModifyReplicationInstance", "DeleteReplicationInstance"] {
            assert!(r.replication_instance.operations.contains_key(op), "{op}");
        }
        for op in ["CreateEndpoint", "ModifyEndpoint", "DeleteEndpoint", "TestConnection", "StartReplicationTask"] {
            assert!(r.endpoint.operations.contains_key(op), "{op}");
        }
        assert!(r.task_settings.defaults.get("Logging").is_some());
    }

    #[test]
    fn refusals_fill_the_message_and_classify_the_code() {
        let t = &rules().replication_task;
        assert!(t.refusal("StopReplicationTask", "running", &[("id", "t")]).is_none());
        let e = t.refusal("StopReplicationTask", "ready", &[("id", "t")]).unwrap_or_else(|| panic!("allowed"));
        assert_eq!(e.kind, ErrorKind::InvalidState);
        assert_eq!(e.message, "Replication task t is currently not running (status: ready)");
        let e = t.refusal("ModifyReplicationTask", "starting", &[("id", "t")]).unwrap_or_else(|| panic!("allowed"));
        assert!(e.message.contains("excluding logging severity"), "{}", e.message);
        let i = &rules().replication_instance;
        assert!(i.refusal("DeleteReplicationInstance", "creating", &[("id", "i")]).is_none());
        assert!(i.refusal("DeleteReplicationInstance", "deleting", &[("id", "i")]).is_some());
        assert_eq!(t.seconds("transition"), Duration::from_secs(1));
        assert_eq!(t.changes_allowed("ModifyReplicationTask", "running"), ["Logging.LogComponents".to_string()]);
        assert!(t.changes_allowed("ModifyReplicationTask", "starting").is_empty());
        assert!(i.refusal("UseByTask", "available", &[("id", "i")]).is_none());
        let e = i.refusal("UseByTask", "modifying", &[("id", "i")]).unwrap_or_else(|| panic!("allowed"));
        assert_eq!(e.kind, ErrorKind::InvalidState);
    }
}
