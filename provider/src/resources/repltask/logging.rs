//! The `logging {}` block of `dmslink_repltask`: the task's CloudWatch logging as attributes
//! instead of the `Logging` section of `replication_task_settings`, merged into the settings
//! document dmslink sends (`EnableLogging`, `EnableLogContext`, `LogComponents`). DMS writes the
//! log only when the account has `dms-cloudwatch-logs-role` (`dms_cloudwatch_logs_role`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::{Attribute, Block, NestedBlock, Type, Value};
use crate::resources::json_doc;

/// DMS's task log components (`Logging.LogComponents[].Id`), as in the DMS user guide's
/// "Logging task settings" and `rulebook/dms.json` (`task_settings.defaults.Logging`).
pub const COMPONENTS: [&str; 19] = [
    "TRANSFORMATION",
    "SOURCE_UNLOAD",
    "IO",
    "TARGET_LOAD",
    "PERFORMANCE",
    "SOURCE_CAPTURE",
    "SORTER",
    "REST_SERVER",
    "VALIDATOR_EXT",
    "TARGET_APPLY",
    "TASK_MANAGER",
    "TABLES_MANAGER",
    "METADATA_MANAGER",
    "FILE_FACTORY",
    "COMMON",
    "ADDONS",
    "DATA_STRUCTURE",
    "COMMUNICATION",
    "FILE_TRANSFER",
];

/// The severities DMS documents for a component (user guide, "Logging task settings").
pub const SEVERITIES: [&str; 6] = [
    "LOGGER_SEVERITY_DEFAULT",
    "LOGGER_SEVERITY_ERROR",
    "LOGGER_SEVERITY_WARNING",
    "LOGGER_SEVERITY_INFO",
    "LOGGER_SEVERITY_DEBUG",
    "LOGGER_SEVERITY_DETAILED_DEBUG",
];

/// The block as the typed model reads it.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Logging {
    pub enabled: Option<bool>,
    pub context: Option<bool>,
    pub severity: Option<BTreeMap<String, String>>,
    pub dms_cloudwatch_logs_role: Option<String>,
}

impl Logging {
    pub fn is_enabled(&self) -> bool {
        self.enabled == Some(true)
    }

    /// `dms_cloudwatch_logs_role = "create"`.
    pub fn creates_role(&self) -> bool {
        self.dms_cloudwatch_logs_role.as_deref() == Some("create")
    }

    /// The `Logging` section DMS is sent: every component, at its configured severity or
    /// `LOGGER_SEVERITY_DEFAULT` (a component left out goes back to the default).
    fn section(&self) -> Json {
        let severity = self.severity.clone().unwrap_or_default();
        let components: Vec<Json> = COMPONENTS
            .iter()
            .map(|id| {
                let s = severity.get(*id).map_or(SEVERITIES[0], String::as_str);
                json!({"Id": id, "Severity": s})
            })
            .collect();
        json!({
            "EnableLogging": self.is_enabled(),
            "EnableLogContext": self.context == Some(true),
            "LogComponents": components,
        })
    }
}

pub fn block() -> NestedBlock {
    let b = Block::new(
        "The task's CloudWatch log (`Logging` task settings). DMS writes it to the log group `dms-tasks-<replication instance id>`, stream `dms-task-<task resource id>` (`log_group`, `log_stream`), only when the account has the role `dms-cloudwatch-logs-role`. When the task fails to start, the apply error ends with the last error lines of this log. Conflicts with a `Logging` key in `replication_task_settings`; removing the block turns logging off. Read back on every refresh: logging turned off or a severity changed outside Terraform shows in the next plan, and the apply sets the block again (a component at `LOGGER_SEVERITY_DEFAULT` is read back only where the block names it). Import does not fill the block in: a task imported into a configuration with the block makes one in-place update that sends it.",
    )
    .attr(Attribute::optional("enabled", Type::Bool).describe("Write the task's log to CloudWatch (`EnableLogging`)."))
    .attr(
        Attribute::optional("context", Type::Bool)
            .describe("Add context to the log lines (`EnableLogContext`); needs `enabled = true`."),
    )
    .attr(
        Attribute::optional("severity", Type::map(Type::String))
            .describe("Severity per log component (`LogComponents`), e.g. `{ SOURCE_CAPTURE = \"LOGGER_SEVERITY_DEBUG\" }`. Keys: `TRANSFORMATION`, `SOURCE_UNLOAD`, `IO`, `TARGET_LOAD`, `PERFORMANCE`, `SOURCE_CAPTURE`, `SORTER`, `REST_SERVER`, `VALIDATOR_EXT`, `TARGET_APPLY`, `TASK_MANAGER`, `TABLES_MANAGER`, `METADATA_MANAGER`, `FILE_FACTORY`, `COMMON`, `ADDONS`, `DATA_STRUCTURE`, `COMMUNICATION`, `FILE_TRANSFER`; values `LOGGER_SEVERITY_DEFAULT`, `_ERROR`, `_WARNING`, `_INFO`, `_DEBUG` or `_DETAILED_DEBUG`. Components left out log at `LOGGER_SEVERITY_DEFAULT`.")
            .validate(validate_severity),
    )
    .attr(
        Attribute::optional("dms_cloudwatch_logs_role", Type::String)
            .describe("`check` (the default) or `create`: with `enabled = true`, `check` refuses the apply when the account-wide role `dms-cloudwatch-logs-role` (trusting `dms.amazonaws.com`, with `AmazonDMSCloudWatchLogsRole` attached) is missing, as DMS would silently write no log; `create` creates it (it is never deleted by dmslink, as other tasks may log through it).")
            .validate(validate_role_mode),
    );
    NestedBlock::single("logging", b)
}

fn validate_severity(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    let Value::Map(m) = v else { return };
    for (k, s) in m {
        let at = path.then_key(k);
        if !COMPONENTS.contains(&k.as_str()) {
            diags.error_at(
                at.clone(),
                "Unknown log component",
                format!("{k:?} is not a DMS log component; use one of {}.", COMPONENTS.join(", ")),
            );
        }
        if let Some(s) = s.as_str()
            && !SEVERITIES.contains(&s)
        {
            diags.error_at(
                at,
                "Unknown log severity",
                format!("{s:?} is not a DMS log severity; use one of {}.", SEVERITIES.join(", ")),
            );
        }
    }
}

fn validate_role_mode(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(s) = v.as_str()
        && !matches!(s, "check" | "create")
    {
        diags.error_at(
            path.clone(),
            "Invalid dms_cloudwatch_logs_role",
            format!("{s:?} is neither \"check\" nor \"create\"."),
        );
    }
}

/// Cross-attribute checks of the block (values may be unknown): no `Logging` key in
/// `replication_task_settings` beside it, and no log context without logging.
pub fn validate_config(config: &Value, diags: &mut Diagnostics) {
    let block = config.get("logging");
    if block.is_null() || block.is_unknown() {
        return;
    }
    if let Some(text) = config.get("replication_task_settings").as_str()
        && json_doc::parse(text).is_ok_and(|d| d.get("Logging").is_some())
    {
        diags.error_at(
            AttrPath::attr("replication_task_settings"),
            "Logging set twice",
            "replication_task_settings has a \"Logging\" key and the logging block is set; keep one: move EnableLogging, EnableLogContext and LogComponents into logging { enabled, context, severity }, or remove the block.",
        );
    }
    if block.get("context").as_bool() == Some(true) && block.get("enabled").as_bool() == Some(false) {
        diags.error_at(
            AttrPath::attr("logging").then_attr("context"),
            "Log context without logging",
            "logging.context = true needs logging.enabled = true (DMS refuses it otherwise); set both or neither.",
        );
    }
}

/// The settings document to send: the user's `replication_task_settings` with the block's
/// `Logging` section merged in. `was_set`: the prior state had the block, so a removed block
/// turns logging off rather than leaving it as it was.
pub fn settings_to_send(user: Option<&str>, logging: Option<&Logging>, was_set: bool) -> Option<String> {
    let section = match logging {
        Some(l) => l.section(),
        None if was_set => Logging::default().section(),
        None => return user.map(str::to_string),
    };
    let mut doc = match user.map(json_doc::parse) {
        Some(Ok(Json::Object(m))) => m,
        // Refused at validate; sent as it is should it get here.
        Some(_) => return user.map(str::to_string),
        None => serde_json::Map::new(),
    };
    doc.insert("Logging".to_string(), section);
    Some(Json::Object(doc).to_string())
}

/// The block as DMS has it, read back from the task's settings document, for a task whose state
/// has the block (`prior`): what DMS reports for each attribute the user set or DMS has switched on,
/// so a console edit (logging turned off, a severity changed) shows in the next plan and the apply
/// sends the block again. A component at `LOGGER_SEVERITY_DEFAULT` appears in `severity` only when
/// the user wrote it; `dms_cloudwatch_logs_role` is dmslink's own and kept. Without the block in the
/// state nothing is read (a `Logging` key in `replication_task_settings` is the user's), nor when the
/// settings carry no readable `Logging` section.
pub fn from_remote(prior: Option<&Logging>, settings: Option<&str>) -> Option<Logging> {
    let prior = prior?;
    let Some(section) = settings.and_then(|s| json_doc::parse(s).ok()).and_then(|d| d.get("Logging").cloned()) else {
        return Some(prior.clone());
    };
    // Unset is off: an attribute the user left out stays out while DMS has it off.
    let flag = |mine: Option<bool>, key: &str| {
        let remote = section.get(key).and_then(Json::as_bool).unwrap_or(false);
        if mine.is_none() && !remote { None } else { Some(remote) }
    };
    let remote: BTreeMap<String, String> = section
        .get("LogComponents")
        .and_then(Json::as_array)
        .map(|comps| {
            comps
                .iter()
                .filter_map(|c| Some((c.get("Id")?.as_str()?.to_string(), c.get("Severity")?.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let mine = prior.severity.clone().unwrap_or_default();
    let severity: BTreeMap<String, String> = COMPONENTS
        .iter()
        .filter_map(|id| {
            let at = remote.get(*id).map_or(SEVERITIES[0], String::as_str);
            (at != SEVERITIES[0] || mine.contains_key(*id)).then(|| (id.to_string(), at.to_string()))
        })
        .collect();
    Some(Logging {
        enabled: flag(prior.enabled, "EnableLogging"),
        context: flag(prior.context, "EnableLogContext"),
        severity: if prior.severity.is_none() && severity.is_empty() { None } else { Some(severity) },
        dms_cloudwatch_logs_role: prior.dms_cloudwatch_logs_role.clone(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_components_are_those_of_the_rulebook() {
        let rulebook: Json = serde_json::from_str(include_str!("../../../../rulebook/dms.json")).unwrap();
        let ids: Vec<String> = rulebook
            .pointer("/task_settings/defaults/Logging/LogComponents")
            .and_then(Json::as_array)
            .unwrap()
            .iter()
            .map(|c| c["Id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, COMPONENTS.map(String::from).to_vec());
    }

    #[test]
    fn the_block_is_merged_into_the_users_settings() {
        let logging = Logging {
            enabled: Some(true),
            context: Some(true),
            severity: Some(BTreeMap::from([("SOURCE_CAPTURE".to_string(), "LOGGER_SEVERITY_DEBUG".to_string())])),
            dms_cloudwatch_logs_role: None,
        };
        let sent = settings_to_send(Some(r#"{"TargetMetadata":{"BatchApplyEnabled":true}}"#), Some(&logging), false);
        let doc: Json = serde_json::from_str(&sent.unwrap()).unwrap();
        assert_eq!(doc["TargetMetadata"]["BatchApplyEnabled"], json!(true));
        assert_eq!(doc["Logging"]["EnableLogging"], json!(true));
        assert_eq!(doc["Logging"]["EnableLogContext"], json!(true));
        let comps = doc["Logging"]["LogComponents"].as_array().unwrap();
        assert_eq!(comps.len(), COMPONENTS.len());
        assert!(comps.contains(&json!({"Id": "SOURCE_CAPTURE", "Severity": "LOGGER_SEVERITY_DEBUG"})));
        assert!(comps.contains(&json!({"Id": "TARGET_APPLY", "Severity": "LOGGER_SEVERITY_DEFAULT"})));
    }

    fn remote(enabled: bool, context: bool, severities: &[(&str, &str)]) -> String {
        let comps: Vec<Json> = COMPONENTS
            .iter()
            .map(|id| {
                let s = severities.iter().find(|(k, _)| k == id).map_or(SEVERITIES[0], |(_, s)| *s);
                json!({"Id": id, "Severity": s})
            })
            .collect();
        json!({"Logging": {"EnableLogging": enabled, "EnableLogContext": context, "LogComponents": comps,
            "CloudWatchLogGroup": "dms-tasks-rep", "CloudWatchLogStream": "dms-task-X"}})
        .to_string()
    }

    #[test]
    fn the_block_is_read_back_as_dms_has_it() {
        let mine = Logging {
            enabled: Some(true),
            context: None,
            severity: Some(BTreeMap::from([
                ("SOURCE_CAPTURE".to_string(), "LOGGER_SEVERITY_DEBUG".to_string()),
                ("TARGET_APPLY".to_string(), "LOGGER_SEVERITY_DEFAULT".to_string()),
            ])),
            dms_cloudwatch_logs_role: Some("create".to_string()),
        };
        // As sent: read back unchanged (an explicit default stays, unset context stays unset).
        let same = remote(true, false, &[("SOURCE_CAPTURE", "LOGGER_SEVERITY_DEBUG")]);
        assert_eq!(from_remote(Some(&mine), Some(&same)), Some(mine.clone()));
        // Edited out of band: logging off, context on, another component raised.
        let edited =
            remote(false, true, &[("SOURCE_CAPTURE", "LOGGER_SEVERITY_DEBUG"), ("IO", "LOGGER_SEVERITY_ERROR")]);
        let read = from_remote(Some(&mine), Some(&edited)).unwrap();
        assert_eq!((read.enabled, read.context), (Some(false), Some(true)));
        let sev = read.severity.unwrap();
        assert_eq!(sev.get("IO").map(String::as_str), Some("LOGGER_SEVERITY_ERROR"));
        assert_eq!(sev.get("TARGET_APPLY").map(String::as_str), Some("LOGGER_SEVERITY_DEFAULT"));
        assert_eq!(read.dms_cloudwatch_logs_role.as_deref(), Some("create"));
        // No block in the state, or nothing readable: nothing read.
        assert_eq!(from_remote(None, Some(&edited)), None);
        assert_eq!(from_remote(Some(&mine), Some("{}")), Some(mine.clone()));
        assert_eq!(from_remote(Some(&mine), None), Some(mine));
    }

    #[test]
    fn without_the_block_the_settings_go_as_written_unless_it_was_removed() {
        assert_eq!(settings_to_send(Some(r#"{"A":1}"#), None, false).as_deref(), Some(r#"{"A":1}"#));
        assert_eq!(settings_to_send(None, None, false), None);
        let off: Json = serde_json::from_str(&settings_to_send(None, None, true).unwrap()).unwrap();
        assert_eq!(off["Logging"]["EnableLogging"], json!(false));
    }
}
