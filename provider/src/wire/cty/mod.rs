//! cty values on the wire: the msgpack encoding Terraform uses for every `DynamicValue`, and the
//! JSON encoding of stored state (`RawState.json`). Both read and write [`Value`]s against the
//! [`Type`] the schema gives; see plugin-protocol.md §6 and go-cty's `msgpack`/`json` packages.

pub mod json;
pub mod msgpack;

use std::fmt;

use crate::engine::diag::{AttrPath, Diagnostic};
use crate::engine::value::{Type, Value};

/// A value that does not fit its type, or bytes that are not a valid encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtyError {
    /// Where in the value the problem is (root for framing errors).
    pub path: AttrPath,
    pub message: String,
}

impl CtyError {
    pub(crate) fn new(path: &AttrPath, message: impl Into<String>) -> CtyError {
        CtyError { path: path.clone(), message: message.into() }
    }

    /// An error diagnostic naming the path, with `summary` as the headline.
    pub fn to_diagnostic(&self, summary: &str) -> Diagnostic {
        let detail =
            if self.path.is_root() { self.message.clone() } else { format!("At {}: {}", self.path, self.message) };
        Diagnostic::error(summary, detail).at(self.path.clone())
    }
}

impl fmt::Display for CtyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_root() { f.write_str(&self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}

impl std::error::Error for CtyError {}

/// The concrete type of a value written into a `dynamic` slot without a [`Value::Dynamic`] wrapper.
/// Collections take their element type from the first element (`dynamic` when empty); unknown
/// and null values have no type of their own and yield `dynamic`.
pub fn infer_type(v: &Value) -> Type {
    match v {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(xs) => Type::list(first_type(xs.iter())),
        Value::Set(xs) => Type::set(first_type(xs.iter())),
        Value::Map(m) => Type::map(first_type(m.values())),
        Value::Object(m) => Type::Object(m.iter().map(|(k, v)| (k.clone(), infer_type(v))).collect()),
        Value::Tuple(xs) => Type::Tuple(xs.iter().map(infer_type).collect()),
        Value::Dynamic(t, _) => t.clone(),
    }
}

fn first_type<'a>(mut it: impl Iterator<Item = &'a Value>) -> Type {
    it.find(|v| !v.is_null() && !v.is_unknown()).map_or(Type::Dynamic, infer_type)
}

/// A short name of a type for error messages (`list of string`, `object`).
pub(crate) fn type_name(t: &Type) -> String {
    match t {
        Type::Bool => "bool".into(),
        Type::Number => "number".into(),
        Type::String => "string".into(),
        Type::Dynamic => "dynamic".into(),
        Type::List(e) => format!("list of {}", type_name(e)),
        Type::Set(e) => format!("set of {}", type_name(e)),
        Type::Map(e) => format!("map of {}", type_name(e)),
        Type::Object(_) => "object".into(),
        Type::Tuple(_) => "tuple".into(),
    }
}

/// A short name of a value's kind for error messages.
pub(crate) fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown => "unknown",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::Map(_) => "map",
        Value::Object(_) => "object",
        Value::Tuple(_) => "tuple",
        Value::Dynamic(..) => "dynamic",
    }
}
