//! Schema of `dmslink_repltask`, named as in `aws_dms_replication_task`, and its plan-time checks.

use super::model::PlanArgs;
use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::model::{self, Unknowable};
use crate::engine::schema::timeouts_block;
use crate::engine::{Attribute, Block, Schema, Type, Value};
use crate::resources::arn::dms_arn_attr;
use crate::resources::json_doc;
use crate::resources::tags::{tags_all_attribute, tags_attribute};

pub const MIGRATION_TYPES: [&str; 3] = ["full-load", "cdc", "full-load-and-cdc"];
/// Attributes whose change goes through ModifyReplicationTask, a move, a start or a stop.
const TASK_CHANGES: [&str; 7] = [
    "replication_instance_arn",
    "table_mappings",
    "replication_task_settings",
    "cdc_start_time",
    "cdc_start_position",
    "start_replication_task",
    "logging",
];
const RULE_TYPES: [&str; 4] = ["selection", "transformation", "table-settings", "post-processing"];

pub fn schema() -> Schema {
    let block = Block::new(
        "One AWS DMS replication task: which schemas and tables replicate from a source endpoint to a \
         target endpoint on a replication instance. Changes to a running task stop it, apply the change \
         and resume it; the task never needs to be stopped by hand.",
    )
    .attr(
        Attribute::required("replication_task_id", Type::String)
            .force_new()
            .describe("Task identifier: letters, digits and hyphens, starting with a letter, at most 255 characters, no `--` and no trailing hyphen. Changing it replaces the task.")
            .validate(validate_task_id),
    )
    .attr(
        Attribute::required("source_endpoint_arn", Type::String)
            .force_new()
            .describe("ARN of the DMS source endpoint. Changing it replaces the task.")
            .validate(dms_arn_attr("endpoint", "a DMS endpoint")),
    )
    .attr(
        Attribute::required("target_endpoint_arn", Type::String)
            .force_new()
            .describe("ARN of the DMS target endpoint. Changing it replaces the task.")
            .validate(dms_arn_attr("endpoint", "a DMS endpoint")),
    )
    .attr(
        Attribute::required("replication_instance_arn", Type::String)
            .describe("ARN of the replication instance that runs the task. Changing it moves the task to the new instance in place (`MoveReplicationTask`); a running task is stopped, moved and resumed.")
            .validate(dms_arn_attr("rep", "a DMS replication instance")),
    )
    .attr(
        Attribute::required("migration_type", Type::String)
            .force_new()
            .describe("`full-load`, `cdc` or `full-load-and-cdc`. DMS cannot change it on an existing task, so changing it replaces the task.")
            .validate(validate_migration_type),
    )
    .attr(
        Attribute::required("table_mappings", Type::String)
            .describe("Table mappings as a JSON document (`{\"rules\": [...]}`). Spacing and key order never show a diff.")
            .validate(validate_table_mappings),
    )
    .attr(
        Attribute::optional("replication_task_settings", Type::String)
            .describe("Task settings as a JSON document. Only the keys set here are managed and compared; the defaults DMS merges in never show a diff.")
            .validate(validate_task_settings),
    )
    .attr(
        Attribute::optional("cdc_start_time", Type::String)
            .describe("Where change data capture starts, as an RFC 3339 time or Unix seconds. Conflicts with `cdc_start_position`.")
            .validate(validate_cdc_start_time),
    )
    .attr(
        Attribute::optional("cdc_start_position", Type::String)
            .describe("Where change data capture starts, as a DMS checkpoint, LSN/SCN or `server_time:...` position. Conflicts with `cdc_start_time`.")
            .validate(|v, p, d| {
                if v.as_str().is_some_and(|s| s.trim().is_empty()) {
                    d.error_at(p.clone(), "Empty CDC start position", "cdc_start_position is empty; give a DMS checkpoint, LSN/SCN or server_time:... position, or leave it out.");
                }
            }),
    )
    .attr(
        Attribute::with_default("start_replication_task", Type::Bool, Value::Bool(false)).describe(
            "Start the task after it is created and keep it running across changes. A `full-load` task that has finished (stopped with `FULL_LOAD_ONLY_FINISHED`) counts as started. Setting it to `false` stops a running task.",
        ),
    )
    .attr(tags_attribute())
    .attr(tags_all_attribute())
    .attr(Attribute::computed("replication_task_arn", Type::String).describe("ARN of the replication task."))
    .attr(
        Attribute::computed("status", Type::String)
            .describe("Task status as DMS reports it, e.g. `ready`, `running`, `stopped`.")
            // A change of any of these moves the task through other states; tags and timeouts do not.
            .unknown_when_changed(&TASK_CHANGES),
    )
    .attr(
        Attribute::computed("log_group", Type::String)
            .describe("The CloudWatch log group DMS writes the task's log to (`dms-tasks-<replication instance id>`); null while logging is off.")
            .unknown_when_changed(&["logging", "replication_task_settings", "replication_instance_arn"]),
    )
    .attr(
        Attribute::computed("log_stream", Type::String)
            .describe("The CloudWatch log stream of the task (`dms-task-<task resource id>`); null while logging is off.")
            .unknown_when_changed(&["logging", "replication_task_settings", "replication_instance_arn"]),
    );
    let block = super::insight::attributes().into_iter().fold(block, |b, a| b.attr(a));
    Schema::new(0, block.block(timeouts_block(&["create", "update", "delete"])).block(super::logging::block()))
}

/// Cross-attribute checks (values may be unknown).
pub fn validate_config(config: &Value, diags: &mut Diagnostics) {
    super::logging::validate_config(config, diags);
    // A configuration that is null or wholly unknown has nothing to cross-check yet.
    let args = match model::from_value::<Unknowable<PlanArgs>>(config) {
        Ok(Unknowable::Known(a)) => a,
        Ok(_) => return,
        Err(e) => return diags.push(e.into()),
    };
    let (time, position) = (&args.cdc_start_time, &args.cdc_start_position);
    // Both must be known and set: `terraform validate` sees variables as unknown.
    if time.known().is_some() && position.known().is_some() {
        diags.error_at(
            AttrPath::attr("cdc_start_position"),
            "Conflicting CDC start settings",
            "Set either cdc_start_time or cdc_start_position, not both.",
        );
    }
    if args.migration_type.known().map(String::as_str) == Some("full-load") {
        for (name, v) in [("cdc_start_time", time), ("cdc_start_position", position)] {
            if !v.is_null() {
                diags.error_at(
                    AttrPath::attr(name),
                    "CDC start set on a full-load task",
                    format!("{name} applies only to migration_type \"cdc\" or \"full-load-and-cdc\"; remove it or change migration_type."),
                );
            }
        }
    }
}

fn validate_task_id(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    let Some(id) = v.as_str() else { return };
    let problem = if id.is_empty() || id.len() > 255 {
        Some("must be 1 to 255 characters long")
    } else if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Some("must start with a letter")
    } else if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Some("may contain only ASCII letters, digits and hyphens")
    } else if id.contains("--") {
        Some("may not contain two consecutive hyphens")
    } else if id.ends_with('-') {
        Some("may not end with a hyphen")
    } else {
        None
    };
    if let Some(p) = problem {
        diags.error_at(
            path.clone(),
            "Invalid replication task identifier",
            format!("{id:?} {p}. DMS accepts letters, digits and hyphens, starting with a letter, at most 255 characters, with no \"--\" and no trailing hyphen."),
        );
    }
}

fn validate_migration_type(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(t) = v.as_str()
        && !MIGRATION_TYPES.contains(&t)
    {
        diags.error_at(
            path.clone(),
            "Invalid migration type",
            format!("{t:?} is not a DMS migration type; use one of \"full-load\", \"cdc\" or \"full-load-and-cdc\"."),
        );
    }
}

fn validate_table_mappings(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    let Some(text) = v.as_str() else { return };
    let doc = match json_doc::parse(text) {
        Ok(d) => d,
        Err(e) => {
            diags.error_at(
                path.clone(),
                "Invalid table mappings JSON",
                format!("table_mappings is not valid JSON: {e}."),
            );
            return;
        }
    };
    let Some(rules) = doc.get("rules").and_then(|r| r.as_array()) else {
        diags.error_at(
            path.clone(),
            "Invalid table mappings",
            "table_mappings must be a JSON object with a \"rules\" list, e.g. {\"rules\": [{\"rule-type\": \"selection\", ...}]}.",
        );
        return;
    };
    if rules.is_empty() {
        diags.error_at(
            path.clone(),
            "Invalid table mappings",
            "table_mappings needs at least one rule; DMS rejects an empty rule list.",
        );
    }
    let is_selection = |r: &serde_json::Value| r.get("rule-type").and_then(|t| t.as_str()) == Some("selection");
    if !rules.is_empty() && !rules.iter().any(is_selection) {
        diags.error_at(
            path.clone(),
            "No selection rule in table mappings",
            "table_mappings needs at least one rule with \"rule-type\": \"selection\" naming the schemas and tables to replicate; without one DMS selects nothing and refuses the task.",
        );
    }
    for (i, rule) in rules.iter().enumerate() {
        let field = |k: &str| {
            rule.get(k).and_then(|x| x.as_str().map(str::to_string).or_else(|| x.as_i64().map(|n| n.to_string())))
        };
        let rule_type = field("rule-type");
        let mut missing: Vec<&str> = Vec::new();
        if rule_type.is_none() {
            missing.push("rule-type");
        }
        if field("rule-id").is_none() {
            missing.push("rule-id");
        }
        // table-settings and post-processing rules carry no rule-action in DMS's format.
        let needs_action = matches!(rule_type.as_deref(), None | Some("selection") | Some("transformation"));
        if needs_action && field("rule-action").is_none() {
            missing.push("rule-action");
        }
        if !missing.is_empty() {
            diags.error_at(
                path.clone(),
                "Incomplete table mapping rule",
                format!("Rule {} (index {i}) lacks {}; every rule needs \"rule-type\" and \"rule-id\", and selection and transformation rules also \"rule-action\".", i + 1, missing.join(", ")),
            );
        }
        if let Some(t) = rule_type.as_deref()
            && !RULE_TYPES.contains(&t)
        {
            diags.error_at(
                path.clone(),
                "Unknown table mapping rule type",
                format!("Rule {} (index {i}) has rule-type {t:?}; DMS knows \"selection\", \"transformation\", \"table-settings\" and \"post-processing\".", i + 1),
            );
        }
    }
}

fn validate_task_settings(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    let Some(text) = v.as_str() else { return };
    match json_doc::parse(text) {
        Err(e) => diags.error_at(
            path.clone(),
            "Invalid task settings JSON",
            format!("replication_task_settings is not valid JSON: {e}."),
        ),
        Ok(doc) if !doc.is_object() => {
            diags.error_at(path.clone(), "Invalid task settings", "replication_task_settings must be a JSON object.")
        }
        Ok(doc) => {
            let logging = doc.get("Logging");
            let flag = |k: &str| logging.and_then(|l| l.get(k)).and_then(|v| v.as_bool());
            if flag("EnableLogContext") == Some(true) && flag("EnableLogging") != Some(true) {
                diags.error_at(
                    path.clone(),
                    "Log context without logging",
                    "Logging.EnableLogContext = true needs Logging.EnableLogging = true (DMS refuses it otherwise); set both or neither.",
                );
            }
            for key in ["CloudWatchLogGroup", "CloudWatchLogStream"] {
                if doc.get("Logging").and_then(|l| l.get(key)).is_some() {
                    diags.error_at(
                        path.clone(),
                        "Read-only task setting",
                        format!("Logging.{key} is set by DMS and rejected on create or modify; remove it from replication_task_settings."),
                    );
                }
            }
        }
    }
}

/// RFC 3339 or Unix seconds → Unix seconds.
pub fn parse_cdc_start_time(text: &str) -> Option<i64> {
    if let Ok(secs) = text.trim().parse::<i64>() {
        return (secs >= 0).then_some(secs);
    }
    chrono::DateTime::parse_from_rfc3339(text.trim()).ok().map(|t| t.timestamp())
}

fn validate_cdc_start_time(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(text) = v.as_str()
        && parse_cdc_start_time(text).is_none()
    {
        diags.error_at(
            path.clone(),
            "Invalid CDC start time",
            format!("{text:?} is neither an RFC 3339 time (2026-01-02T15:04:05Z) nor Unix seconds."),
        );
    }
}
