//! The `timeouts` block: per-operation limits with defaults that cover slow AWS waits.

use std::time::Duration;

use tokio::time::Instant;

use crate::engine::Value;
use crate::engine::duration;

/// Default limit per operation when the user sets none.
pub fn default_for(op: &str) -> Duration {
    match op {
        "create" => Duration::from_secs(40 * 60),
        "update" => Duration::from_secs(60 * 60),
        _ => Duration::from_secs(30 * 60),
    }
}

/// The longest any operation waits, whatever the state says. The schema's validator refuses
/// longer durations, but state written before it did may still hold one.
pub const MAX_LIMIT: Duration = crate::engine::schema::MAX_TIMEOUT;

/// When `op` must be finished, from the state's `timeouts` block (validated at plan time).
/// A limit above [`MAX_LIMIT`] waits [`MAX_LIMIT`]: `Instant + Duration` panics when the sum
/// overflows the clock, which `timeouts { update = "10000000000000000000s" }` did at apply.
pub fn deadline(state: &Value, op: &str) -> Instant {
    deadline_from(state.get("timeouts").get(op).as_str(), op)
}

/// The `timeouts` block as a typed model reads it (see `engine::model`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Timeouts {
    pub create: Option<String>,
    pub update: Option<String>,
    pub delete: Option<String>,
}

impl Timeouts {
    /// When `op` must be finished, as [`deadline`] says, from a model's optional `timeouts` block.
    pub fn deadline(block: Option<&Timeouts>, op: &str) -> Instant {
        let limit = block.and_then(|t| match op {
            "create" => t.create.as_deref(),
            "update" => t.update.as_deref(),
            "delete" => t.delete.as_deref(),
            _ => None,
        });
        deadline_from(limit, op)
    }
}

/// When `op` must be finished, given the limit the user set for it (if any).
fn deadline_from(limit: Option<&str>, op: &str) -> Instant {
    let limit = limit.and_then(duration::parse).unwrap_or_else(|| default_for(op));
    let now = Instant::now();
    now.checked_add(limit.min(MAX_LIMIT)).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_timeout(op: &str, text: &str) -> Value {
        let timeouts = Value::Object([(op.to_string(), Value::string(text))].into());
        Value::Object([("timeouts".to_string(), timeouts)].into())
    }

    /// The crash a user found: `timeouts { update = "10000000000000000000s" }` passed validation
    /// and panicked the plugin at apply (`Instant::now() + limit` overflowed the clock).
    #[test]
    fn a_timeout_of_ten_quintillion_seconds_waits_the_maximum_instead_of_crashing() {
        let state = with_timeout("update", "10000000000000000000s");
        let before = Instant::now();
        let d = deadline(&state, "update");
        assert!(d >= before + MAX_LIMIT && d <= Instant::now() + MAX_LIMIT);
    }

    #[test]
    fn a_timeout_within_the_maximum_is_kept_and_none_takes_the_default() {
        let before = Instant::now();
        let d = deadline(&with_timeout("create", "90m"), "create");
        assert!(d >= before + Duration::from_secs(5400) && d <= Instant::now() + Duration::from_secs(5400));
        let d = deadline(&Value::Null, "delete");
        assert!(d >= before + default_for("delete") && d <= Instant::now() + default_for("delete"));
    }
}
