//! What every RPC shim of the service shares: its tracing span, decoding a request's values,
//! encoding an answer's, the client's capabilities, what the server advertises, and the answers
//! for features dmslink does not offer.

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use super::super::convert::{decode_dynamic, decode_error, diagnostic_to_pb, encode_dynamic, encode_error};
use super::super::pb::tfplugin6 as pb;
use crate::engine::diag::{Diagnostic, Diagnostics};
use crate::engine::provider::ClientCapabilities;
use crate::engine::value::{Type, Value};

/// The span every RPC runs in; its fields appear on each log line written inside it.
pub(super) fn rpc_span(rpc: &'static str, type_name: &str) -> tracing::Span {
    let span = tracing::info_span!("rpc", rpc, type_name = tracing::field::Empty);
    if !type_name.is_empty() {
        span.record("type_name", type_name);
    }
    span
}

pub(super) fn log_done(diags: &Diagnostics) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.0.len() - errors;
    tracing::debug!(errors, warnings, "served");
}

/// Decodes a request value; with no type (unknown type name) the value is left null so the engine
/// can report the unknown type itself.
pub(super) fn decode(dv: Option<&pb::DynamicValue>, ty: Option<&Type>, what: &str) -> Result<Value, Diagnostic> {
    match ty {
        Some(ty) => decode_dynamic(dv, ty).map_err(|e| decode_error(what, &e)),
        None => Ok(Value::Null),
    }
}

/// Encodes a response value, turning a mismatch into an error diagnostic and an unset (null) value.
pub(super) fn encode(v: &Value, ty: Option<&Type>, what: &str, diags: &mut Diagnostics) -> Option<pb::DynamicValue> {
    let ty = ty?;
    match encode_dynamic(v, ty) {
        Ok(dv) => Some(dv),
        Err(e) => {
            diags.push(encode_error(what, &e));
            None
        }
    }
}

/// Absent capabilities (Terraform < 1.9) mean the client supports nothing beyond the base protocol.
pub(super) fn client_caps(caps: Option<pb::ClientCapabilities>) -> ClientCapabilities {
    let caps = caps.unwrap_or_default();
    ClientCapabilities {
        write_only_attributes_allowed: caps.write_only_attributes_allowed,
        deferral_allowed: caps.deferral_allowed,
    }
}

pub(super) fn unsupported(what: &str) -> Vec<pb::Diagnostic> {
    vec![diagnostic_to_pb(&Diagnostic::error(
        format!("{what} not supported"),
        format!(
            "The dmslink provider does not offer {what}. This Terraform call should not have happened; please report it."
        ),
    ))]
}

/// A server stream that ends at once.
pub(super) fn empty_stream<T: Send + 'static>() -> ReceiverStream<Result<T, Status>> {
    let (_tx, rx) = mpsc::channel(1);
    ReceiverStream::new(rx)
}

pub(super) fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: true,
        generate_resource_config: false,
    }
}
