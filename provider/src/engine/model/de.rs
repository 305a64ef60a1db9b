//! Reading a [`Value`] through `serde::Deserializer`: the rules in the module doc of `model`.

use std::collections::btree_map;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::{ModelError, NUMBER_MARKER, UNKNOWN_MARKER, Unknowable};
use crate::engine::diag::AttrPath;
use crate::engine::value::{Number, Value};

pub struct ValueDeserializer<'a> {
    value: &'a Value,
    path: AttrPath,
}

impl<'a> ValueDeserializer<'a> {
    pub fn new(value: &'a Value, path: AttrPath) -> Self {
        // A dynamic value reads as the value it carries.
        let mut value = value;
        while let Value::Dynamic(_, inner) = value {
            value = inner;
        }
        ValueDeserializer { value, path }
    }

    fn err(&self, message: impl Into<String>) -> ModelError {
        ModelError::at(&self.path, message)
    }

    /// The error for a value of the wrong kind: unknown and null get their own words.
    fn unexpected(&self, wanted: &str) -> ModelError {
        match self.value {
            Value::Unknown => {
                self.err(format!("the value is unknown (known only after apply), but {wanted} is needed"))
            }
            Value::Null => self.err(format!("the value is null, but {wanted} is needed")),
            other => self.err(format!("expected {wanted}, found {}", kind(other))),
        }
    }

    fn number(&self) -> Result<&'a Number, ModelError> {
        match self.value {
            Value::Number(n) => Ok(n),
            _ => Err(self.unexpected("a number")),
        }
    }

    fn whole<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        let n = self.number()?;
        let path = self.path.clone();
        if !n.is_whole() {
            return Err(ModelError::at(&path, format!("expected a whole number, found {n}")));
        }
        let out = match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => visitor.visit_i64(i),
            (None, Some(u)) => visitor.visit_u64(u),
            _ => Err(ModelError::at(&path, format!("{n} is too large for a whole-number field"))),
        };
        out.map_err(|e| e.locate(&path))
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown => "an unknown value",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Set(_) => "a set",
        Value::Tuple(_) => "a tuple",
        Value::Map(_) => "a map",
        Value::Object(_) => "an object",
        Value::Dynamic(..) => "a dynamic value",
    }
}

macro_rules! whole_number {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
            self.whole(visitor)
        }
    )*};
}

impl<'a> de::Deserializer<'a> for ValueDeserializer<'a> {
    type Error = ModelError;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        let path = self.path.clone();
        let out = match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Unknown => return Err(self.unexpected("a known value")),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) if n.is_whole() && (n.as_i64().is_some() || n.as_u64().is_some()) => {
                return self.whole(visitor);
            }
            Value::Number(_) => return self.deserialize_f64(visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => visitor.visit_seq(Seq::new(xs, &path)),
            Value::Map(m) => visitor.visit_map(Map::new(m, &path, false, false)),
            Value::Object(m) => visitor.visit_map(Map::new(m, &path, true, false)),
            Value::Dynamic(..) => return Err(self.unexpected("a modelled value")),
        };
        out.map_err(|e| e.locate(&path))
    }

    whole_number!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64);

    fn deserialize_f64<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        let n = self.number()?;
        match n.as_f64().filter(|f| f.is_finite()) {
            Some(f) => visitor.visit_f64(f).map_err(|e: ModelError| e.locate(&self.path)),
            None => Err(self.err(format!("{n} does not fit a finite f64"))),
        }
    }

    fn deserialize_f32<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.value {
            Value::Bool(b) => visitor.visit_bool(*b).map_err(|e: ModelError| e.locate(&self.path)),
            _ => Err(self.unexpected("a bool")),
        }
    }

    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.value {
            Value::String(s) => visitor.visit_borrowed_str(s).map_err(|e: ModelError| e.locate(&self.path)),
            _ => Err(self.unexpected("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, _visitor: V) -> Result<V::Value, ModelError> {
        Err(self.err("bytes are not a Terraform type"))
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, _visitor: V) -> Result<V::Value, ModelError> {
        Err(self.err("bytes are not a Terraform type"))
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        let path = self.path.clone();
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
        .map_err(|e| e.locate(&path))
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            _ => Err(self.err(format!("expected null, found {}", kind(self.value)))),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(self, _name: &'static str, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ModelError> {
        let path = self.path.clone();
        match (name, self.value) {
            (UNKNOWN_MARKER, Value::Unknown) => visitor.visit_unit(),
            (NUMBER_MARKER, Value::Number(n)) => visitor.visit_borrowed_str(n.as_str()),
            (NUMBER_MARKER, _) => return Err(self.unexpected("a number")),
            _ => visitor.visit_newtype_struct(self),
        }
        .map_err(|e| e.locate(&path))
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.value {
            Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
                visitor.visit_seq(Seq::new(xs, &self.path)).map_err(|e: ModelError| e.locate(&self.path))
            }
            _ => Err(self.unexpected("a list or set")),
        }
    }

    fn deserialize_tuple<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ModelError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.value {
            Value::Map(m) | Value::Object(m) => {
                visitor.visit_map(Map::new(m, &self.path, matches!(self.value, Value::Object(_)), false))
            }
            _ => return Err(self.unexpected("a map")),
        }
        .map_err(|e: ModelError| e.locate(&self.path))
    }

    /// Every field must be an attribute of the object (a misspelt field fails here); null
    /// attributes count as absent.
    fn deserialize_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ModelError> {
        let Value::Object(m) = self.value else {
            return Err(self.unexpected(&format!("an object ({name})")));
        };
        if let Some(missing) = fields.iter().find(|f| !m.contains_key(**f)) {
            return Err(self.err(format!("{name} has a field `{missing}`, which is not an attribute of this object")));
        }
        visitor.visit_map(Map::new(m, &self.path, true, true)).map_err(|e: ModelError| e.locate(&self.path))
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ModelError> {
        match self.value {
            Value::String(s) => {
                visitor.visit_enum(s.as_str().into_deserializer()).map_err(|e: ModelError| e.locate(&self.path))
            }
            _ => Err(self.unexpected("a string naming a variant")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, ModelError> {
        visitor.visit_unit()
    }
}

struct Seq<'a> {
    items: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
    path: AttrPath,
}

impl<'a> Seq<'a> {
    fn new(items: &'a [Value], path: &AttrPath) -> Self {
        Seq { items: items.iter().enumerate(), path: path.clone() }
    }
}

impl<'a> de::SeqAccess<'a> for Seq<'a> {
    type Error = ModelError;

    fn next_element_seed<T: DeserializeSeed<'a>>(&mut self, seed: T) -> Result<Option<T::Value>, ModelError> {
        let Some((i, v)) = self.items.next() else { return Ok(None) };
        let path = self.path.then_index(i);
        seed.deserialize(ValueDeserializer::new(v, path.clone())).map(Some).map_err(|e| e.locate(&path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// Entries of a map or object; `skip_null` drops null attributes of a struct (they count as absent).
struct Map<'a> {
    entries: btree_map::Iter<'a, String, Value>,
    next: Option<(&'a String, &'a Value)>,
    path: AttrPath,
    attrs: bool,
    skip_null: bool,
}

impl<'a> Map<'a> {
    fn new(m: &'a std::collections::BTreeMap<String, Value>, path: &AttrPath, attrs: bool, skip_null: bool) -> Self {
        Map { entries: m.iter(), next: None, path: path.clone(), attrs, skip_null }
    }
}

impl<'a> de::MapAccess<'a> for Map<'a> {
    type Error = ModelError;

    fn next_key_seed<K: DeserializeSeed<'a>>(&mut self, seed: K) -> Result<Option<K::Value>, ModelError> {
        for (k, v) in self.entries.by_ref() {
            if self.skip_null && v.is_null() {
                continue;
            }
            self.next = Some((k, v));
            let key: de::value::BorrowedStrDeserializer<'a, ModelError> = de::value::BorrowedStrDeserializer::new(k);
            return seed.deserialize(key).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<T: DeserializeSeed<'a>>(&mut self, seed: T) -> Result<T::Value, ModelError> {
        let Some((k, v)) = self.next.take() else {
            return Err(ModelError::at(&self.path, "a map value was asked for before its key"));
        };
        let path = if self.attrs { self.path.then_attr(k) } else { self.path.then_key(k) };
        seed.deserialize(ValueDeserializer::new(v, path.clone())).map_err(|e| e.locate(&path))
    }
}

/// Reads an [`Unknowable`]: null through `visit_none`, unknown through the marker newtype.
pub struct UnknowableVisitor<T>(pub PhantomData<T>);

impl<'de, T: de::Deserialize<'de>> Visitor<'de> for UnknowableVisitor<T> {
    type Value = Unknowable<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a value, null or unknown")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Unknowable::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Unknowable::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_newtype_struct(UNKNOWN_MARKER, KnownOrUnknown(PhantomData))
    }
}

struct KnownOrUnknown<T>(PhantomData<T>);

impl<'de, T: de::Deserialize<'de>> Visitor<'de> for KnownOrUnknown<T> {
    type Value = Unknowable<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a value or unknown")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Unknowable::Unknown)
    }
    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        T::deserialize(d).map(Unknowable::Known)
    }
}

/// Reads a [`Number`] from the exact text the bridge hands over.
pub struct NumberVisitor;

impl<'de> Visitor<'de> for NumberVisitor {
    type Value = Number;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a number")
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Number, E> {
        Number::parse(s).ok_or_else(|| E::custom(format!("{s:?} is not a number")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(Number::from_i64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number::from_u64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
        Ok(Number::from_f64(v))
    }
}
