//! `ReplicationTaskSettings` as DMS returns them: the rulebook's defaults with what the caller
//! sent merged in (objects key by key, the rulebook's `merge_by_id` lists element by element, the
//! rest replaced), the read-only logging keys refused on create and filled in by DMS.

use serde_json::{Map, Value as Json, json};

use super::rulebook::rules;
use super::{invalid_combination, invalid_parameter};
use crate::aws::error::AwsError;

pub(super) fn default_settings() -> Json {
    rules().task_settings.defaults.clone()
}

/// DMS's defaults merged with what the user sent, as `DescribeReplicationTasks` returns them.
pub(super) fn merged_settings(
    user: Option<&str>,
    instance_id: &str,
    resource_id: &str,
    creating: bool,
) -> Result<String, AwsError> {
    let mut doc = default_settings();
    if let Some(text) = user {
        let user: Json = serde_json::from_str(text)
            .map_err(|e| invalid_parameter(format!("Invalid ReplicationTaskSettings: not a JSON document ({e})")))?;
        let Json::Object(user) = user else {
            return Err(invalid_parameter("Invalid ReplicationTaskSettings: the document must be a JSON object"));
        };
        if creating && sets_read_only(&user) {
            return Err(invalid_parameter(
                "Logging.CloudWatchLogGroup and Logging.CloudWatchLogStream are read-only task settings",
            ));
        }
        merge_into(&mut doc, &Json::Object(user), "");
    }
    let logging_on = doc.pointer("/Logging/EnableLogging").and_then(Json::as_bool).unwrap_or(false);
    let context_on = doc.pointer("/Logging/EnableLogContext").and_then(Json::as_bool).unwrap_or(false);
    if context_on && !logging_on {
        return Err(invalid_combination("Logging.EnableLogContext requires Logging.EnableLogging to be true"));
    }
    if let Some(Json::Object(logging)) = doc.get_mut("Logging") {
        if logging_on {
            logging.insert("CloudWatchLogGroup".into(), json!(format!("dms-tasks-{instance_id}")));
            logging.insert("CloudWatchLogStream".into(), json!(format!("dms-task-{resource_id}")));
        } else {
            logging.insert("CloudWatchLogGroup".into(), Json::Null);
            logging.insert("CloudWatchLogStream".into(), Json::Null);
        }
    }
    serde_json::to_string(&doc).map_err(|e| invalid_parameter(format!("settings: {e}")))
}

/// The document sets one of the rulebook's read-only keys (to something other than null).
fn sets_read_only(user: &Map<String, Json>) -> bool {
    rules().task_settings.read_only.iter().any(|(section, keys)| {
        user.get(section)
            .and_then(Json::as_object)
            .is_some_and(|s| keys.iter().any(|k| s.get(k).is_some_and(|v| !v.is_null())))
    })
}

/// Objects merge key by key; the rulebook's `merge_by_id` lists merge by their key; anything
/// else is replaced. `path` is the dotted path of `base` (`""` at the top).
pub(super) fn merge_into(base: &mut Json, user: &Json, path: &str) {
    match (base, user) {
        (Json::Object(b), Json::Object(u)) => {
            for (k, uv) in u {
                let here = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                if let Some(id_key) = rules().task_settings.merge_by_id.get(&here)
                    && let (Some(Json::Array(bl)), Json::Array(ul)) = (b.get_mut(k), uv)
                {
                    for item in ul {
                        // Elements without the key are dropped, as DMS (and the emulator) do.
                        let Some(id) = item.get(id_key).and_then(Json::as_str) else { continue };
                        match bl.iter_mut().find(|c| c.get(id_key).and_then(Json::as_str) == Some(id)) {
                            Some(existing) => merge_into(existing, item, &here),
                            None => bl.push(item.clone()),
                        }
                    }
                    continue;
                }
                match b.get_mut(k) {
                    Some(bv) if bv.is_object() && uv.is_object() => merge_into(bv, uv, &here),
                    _ => {
                        b.insert(k.clone(), uv.clone());
                    }
                }
            }
        }
        (b, u) => *b = u.clone(),
    }
}

pub(super) fn check_json(what: &str, text: &str) -> Result<(), AwsError> {
    serde_json::from_str::<Map<String, Json>>(text)
        .map(|_| ())
        .map_err(|e| invalid_parameter(format!("Invalid {what}: not a JSON object ({e})")))
}
