//! Typed models over [`Value`]: a resource reads its configuration, plan or state into a struct
//! that derives `serde::Deserialize`, and writes one back through `serde::Serialize`, so an
//! attribute is a field the compiler checks rather than a string key that reads Null when misspelt.
//!
//! How values map (the same both ways):
//! - **null**: an `Option<T>` field is `None`; [`Unknowable::Null`]; a struct field whose value is
//!   null counts as absent, so `#[serde(default)]` applies and any other field is "missing".
//! - **unknown** (plan time only): an [`Unknowable<T>`] field is `Unknown`; for any other type an
//!   unknown value is an error naming its path, never a panic or a silent `None`.
//! - **optional attributes**: `Option<T>`; an attribute with a schema default is known at apply, so
//!   its plain type fits there.
//! - **numbers**: whole-number fields (`i64`, `u16`, …) take whole numbers within their range and
//!   refuse fractions and overflow; `f64` takes any finite number; [`Number`] keeps the exact text.
//! - **strings, bools**: `String`, `bool`; a string attribute may also read into a unit-variant enum
//!   (`#[serde(rename_all = "kebab-case")]`).
//! - **maps**: `BTreeMap<String, T>`; map elements are not skipped when null (use `Option<T>`).
//! - **nested blocks**: a single block is an `Option<Struct>` (null when absent); list and set blocks
//!   (and list or set attributes) are `Vec<T>`. [`to_value`] writes a `Vec` as a set where the
//!   schema type says set.
//! - **objects**: a struct. Every field must be an attribute of the object it reads (objects always
//!   carry every attribute key), so a misspelt field name fails the first read in any test instead
//!   of reading Null. A struct may name a subset of the attributes (a partial view).
//! - **dynamic** attributes are not modelled; read them from the [`Value`]. `#[serde(flatten)]` is
//!   not supported: it reads through serde's own buffer, which cannot hold an unknown value.
//!
//! Writing: [`to_value`] shapes the serialized struct to the schema's [`Type`] (every attribute key
//! present, null where the struct has no field; a key that is not an attribute is an error);
//! [`patch`] writes only the fields of a partial view into an existing object.

mod de;
mod ser;
#[cfg(test)]
mod tests;

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::diag::{AttrPath, Diagnostic};
use super::value::{Number, Type, Value};

/// The newtype name by which [`Unknowable`] tells the bridge it can take an unknown value.
const UNKNOWN_MARKER: &str = "$dmslink::model::Unknowable";
/// The newtype name by which [`Number`] asks the bridge for its exact text.
const NUMBER_MARKER: &str = "$dmslink::model::Number";

/// A value that may also be unknown (known only after apply), as plan-time configuration can be.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Unknowable<T> {
    #[default]
    Null,
    Unknown,
    Known(T),
}

impl<T> Unknowable<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Unknowable::Known(v) => Some(v),
            _ => None,
        }
    }
    pub fn into_known(self) -> Option<T> {
        match self {
            Unknowable::Known(v) => Some(v),
            _ => None,
        }
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Unknowable::Unknown)
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Unknowable::Null)
    }
    /// Known or null, never unknown (the state after an apply holds no unknowns).
    pub fn unknown_to_null(&mut self) {
        if self.is_unknown() {
            *self = Unknowable::Null;
        }
    }
}

impl<T> From<Option<T>> for Unknowable<T> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Unknowable::Null, Unknowable::Known)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Unknowable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(de::UnknowableVisitor(std::marker::PhantomData))
    }
}

impl<T: Serialize> Serialize for Unknowable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Unknowable::Null => s.serialize_none(),
            Unknowable::Unknown => s.serialize_newtype_struct(UNKNOWN_MARKER, &()),
            Unknowable::Known(v) => s.serialize_some(v),
        }
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(NUMBER_MARKER, de::NumberVisitor)
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(NUMBER_MARKER, self.as_str())
    }
}

/// Why a value does not fit a model, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelError {
    /// Where in the value; `None` until the bridge knows (set on the way out).
    pub path: Option<AttrPath>,
    pub message: String,
}

impl ModelError {
    fn at(path: &AttrPath, message: impl Into<String>) -> ModelError {
        ModelError { path: Some(path.clone()), message: message.into() }
    }
    /// Gives the error a path if it has none yet (an error raised by derived code).
    fn locate(mut self, path: &AttrPath) -> ModelError {
        if self.path.is_none() {
            self.path = Some(path.clone());
        }
        self
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) if !p.is_root() => write!(f, "{p}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ModelError {}

impl serde::de::Error for ModelError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ModelError { path: None, message: msg.to_string() }
    }
}

impl serde::ser::Error for ModelError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ModelError { path: None, message: msg.to_string() }
    }
}

/// A value that does not fit the provider's own model is the provider's bug, not the user's.
impl From<ModelError> for Diagnostic {
    fn from(e: ModelError) -> Diagnostic {
        let d = Diagnostic::error(
            "Provider value does not match its model",
            format!("{e}. This is a bug in dmslink; please report it with the plan or state that shows it."),
        );
        match e.path {
            Some(p) => d.at(p),
            None => d,
        }
    }
}

impl From<ModelError> for super::diag::Diagnostics {
    fn from(e: ModelError) -> Self {
        Diagnostic::from(e).into()
    }
}

/// Reads a value into a model.
pub fn from_value<T: DeserializeOwned>(v: &Value) -> Result<T, ModelError> {
    let root = AttrPath::root();
    T::deserialize(de::ValueDeserializer::new(v, root.clone())).map_err(|e| e.locate(&root))
}

/// Writes a model as a value of type `ty` (the schema's type for it).
pub fn to_value<T: Serialize + ?Sized>(model: &T, ty: &Type) -> Result<Value, ModelError> {
    let raw = model.serialize(ser::ValueSerializer)?;
    conform(raw, ty, &AttrPath::root())
}

/// Writes the fields of `view` (a struct naming some attributes of `ty`) into the object `target`,
/// leaving every other attribute as it was. A field that is not an attribute of `ty` is an error.
pub fn patch<T: Serialize + ?Sized>(target: &mut Value, view: &T, ty: &Type) -> Result<(), ModelError> {
    let root = AttrPath::root();
    let (Value::Object(fields), Type::Object(attrs)) = (view.serialize(ser::ValueSerializer)?, ty) else {
        return Err(ModelError::at(&root, "a patch must be a struct written into an object type"));
    };
    let Value::Object(out) = target else {
        return Err(ModelError::at(&root, "the patched value is not an object"));
    };
    for (name, v) in fields {
        let path = root.then_attr(&name);
        let Some(t) = attrs.get(&name) else {
            return Err(ModelError::at(&path, "not an attribute of this object"));
        };
        out.insert(name, conform(v, t, &path)?);
    }
    Ok(())
}

/// Shapes a serialized value to a schema type: lists become sets or tuples as the type says, and
/// objects get every attribute key. Anything that cannot be that type is an error.
fn conform(v: Value, ty: &Type, path: &AttrPath) -> Result<Value, ModelError> {
    let elems = |xs: Vec<Value>, t: &Type| -> Result<Vec<Value>, ModelError> {
        xs.into_iter().enumerate().map(|(i, x)| conform(x, t, &path.then_index(i))).collect()
    };
    let mismatch = |what: &str| ModelError::at(path, format!("a {what} cannot be written as {}", ty.to_json()));
    Ok(match (v, ty) {
        (v @ (Value::Null | Value::Unknown), _) => v,
        (v @ Value::Bool(_), Type::Bool) | (v @ Value::Number(_), Type::Number) => v,
        (v @ Value::String(_), Type::String) => v,
        (Value::List(xs) | Value::Tuple(xs) | Value::Set(xs), Type::List(t)) => Value::List(elems(xs, t)?),
        (Value::List(xs) | Value::Tuple(xs) | Value::Set(xs), Type::Set(t)) => Value::Set(elems(xs, t)?),
        (Value::List(xs) | Value::Tuple(xs), Type::Tuple(ts)) if xs.len() == ts.len() => Value::Tuple(
            xs.into_iter()
                .zip(ts)
                .enumerate()
                .map(|(i, (x, t))| conform(x, t, &path.then_index(i)))
                .collect::<Result<_, _>>()?,
        ),
        (Value::Map(m), Type::Map(t)) => Value::Map(
            m.into_iter()
                .map(|(k, x)| Ok((k.clone(), conform(x, t, &path.then_key(&k))?)))
                .collect::<Result<_, _>>()?,
        ),
        (Value::Object(mut m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(ModelError::at(&path.then_attr(extra), "not an attribute of this object"));
            }
            let mut out = std::collections::BTreeMap::new();
            for (name, t) in attrs {
                let x = m.remove(name).unwrap_or(Value::Null);
                out.insert(name.clone(), conform(x, t, &path.then_attr(name))?);
            }
            Value::Object(out)
        }
        (_, Type::Dynamic) => return Err(ModelError::at(path, "dynamic attributes are not modelled")),
        (Value::Bool(_), _) => return Err(mismatch("bool")),
        (Value::Number(_), _) => return Err(mismatch("number")),
        (Value::String(_), _) => return Err(mismatch("string")),
        (Value::List(_) | Value::Set(_) | Value::Tuple(_), _) => return Err(mismatch("sequence")),
        (Value::Map(_), _) => return Err(mismatch("map")),
        (Value::Object(_), _) => return Err(mismatch("struct")),
        (Value::Dynamic(..), _) => return Err(mismatch("dynamic value")),
    })
}
