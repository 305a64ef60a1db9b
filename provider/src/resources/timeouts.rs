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

/// When `op` must be finished, from the state's `timeouts` block (validated at plan time).
pub fn deadline(state: &Value, op: &str) -> Instant {
    let limit = state.get("timeouts").get(op).as_str().and_then(duration::parse).unwrap_or_else(|| default_for(op));
    Instant::now() + limit
}
