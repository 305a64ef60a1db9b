//! What the provider configuration's tests share: provider-block values and diagnostic readers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use super::schema::{SERVICES, schema};
use crate::engine::{Diagnostics, Type, Value};

pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub const TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

/// A provider block with the given attributes set and every other one null.
pub fn config(pairs: &[(&str, Value)]) -> Value {
    let Type::Object(attrs) = schema().value_type() else { panic!("provider type is not an object") };
    let mut m: BTreeMap<String, Value> = attrs.into_keys().map(|k| (k, Value::Null)).collect();
    for (k, v) in pairs {
        m.insert(k.to_string(), v.clone());
    }
    Value::Object(m)
}

pub fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

/// An `endpoints` block with the given services set.
pub fn endpoints(pairs: &[(&str, &str)]) -> Value {
    let mut m: BTreeMap<String, Value> = SERVICES.iter().map(|(s, _)| (s.to_string(), Value::Null)).collect();
    for (k, v) in pairs {
        m.insert(k.to_string(), Value::string(*v));
    }
    Value::Object(m)
}

pub fn paths(d: &Diagnostics) -> Vec<String> {
    d.iter().filter_map(|x| x.path.as_ref().map(ToString::to_string)).collect()
}

pub fn all_text(d: &Diagnostics) -> String {
    d.iter().map(|x| format!("{} {}", x.summary, x.detail)).collect::<Vec<_>>().join("\n")
}
