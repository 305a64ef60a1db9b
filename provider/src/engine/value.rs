//! The cty value model: what Terraform sends and what we answer, independent of the wire encoding.
//!
//! A [`Value`] is untyped on its own; the [`Type`] from the schema says how to read and write it.
//! Numbers keep their decimal text so that big or precise values survive a round trip unchanged.

use std::collections::BTreeMap;
use std::fmt;

/// A cty type, as Terraform spells it in schemas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    Bool,
    Number,
    String,
    /// Any type; the value carries its own type on the wire.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    /// Attribute name → type. A `BTreeMap` keeps keys in the order go-cty uses (sorted).
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }
    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }
    pub fn object<I, S>(attrs: I) -> Type
    where
        I: IntoIterator<Item = (S, Type)>,
        S: Into<String>,
    {
        Type::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Compact cty type JSON (`"string"`, `["list","string"]`, `["object",{...}]`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Value as J, json};
        match self {
            Type::Bool => J::from("bool"),
            Type::Number => J::from("number"),
            Type::String => J::from("string"),
            Type::Dynamic => J::from("dynamic"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Object(attrs) => {
                let m: serde_json::Map<String, J> = attrs.iter().map(|(k, t)| (k.clone(), t.to_json())).collect();
                json!(["object", m])
            }
            Type::Tuple(ts) => json!(["tuple", ts.iter().map(Type::to_json).collect::<Vec<_>>()]),
        }
    }

    /// Parses compact cty type JSON. Optional-attribute markers (third element) are accepted and ignored.
    pub fn from_json(j: &serde_json::Value) -> Result<Type, String> {
        use serde_json::Value as J;
        match j {
            J::String(s) => match s.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(format!("unknown primitive type {other:?}")),
            },
            J::Array(parts) if parts.len() >= 2 => {
                let kind = parts[0].as_str().ok_or("type kind must be a string")?;
                match kind {
                    "list" => Ok(Type::list(Type::from_json(&parts[1])?)),
                    "set" => Ok(Type::set(Type::from_json(&parts[1])?)),
                    "map" => Ok(Type::map(Type::from_json(&parts[1])?)),
                    "object" => {
                        let attrs = parts[1].as_object().ok_or("object attributes must be a map")?;
                        let mut out = BTreeMap::new();
                        for (k, v) in attrs {
                            out.insert(k.clone(), Type::from_json(v)?);
                        }
                        Ok(Type::Object(out))
                    }
                    "tuple" => {
                        let elems = parts[1].as_array().ok_or("tuple elements must be a list")?;
                        Ok(Type::Tuple(elems.iter().map(Type::from_json).collect::<Result<_, _>>()?))
                    }
                    other => Err(format!("unknown type kind {other:?}")),
                }
            }
            other => Err(format!("not a cty type: {other}")),
        }
    }
}

/// A number kept as its exact decimal text (as cty does with big.Float).
#[derive(Clone, Debug)]
pub struct Number(String);

impl Number {
    /// Accepts a decimal string such as `12`, `-0.5`, `1e400`; rejects anything else.
    pub fn parse(text: &str) -> Option<Number> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        if t == "Infinity" || t == "+Infinity" || t == "-Infinity" {
            return Some(Number(t.strip_prefix('+').unwrap_or(t).to_string()));
        }
        // One sign at most: "++1" and "+-1" are not numbers.
        let body = match t.strip_prefix('+') {
            Some(rest) if rest.starts_with(['+', '-']) => return None,
            Some(rest) => rest,
            None => t,
        };
        if !is_decimal_syntax(body) {
            return None;
        }
        normalize_decimal(body).map(Number)
    }
    pub fn from_i64(v: i64) -> Number {
        Number(v.to_string())
    }
    pub fn from_u64(v: u64) -> Number {
        Number(v.to_string())
    }
    pub fn from_f64(v: f64) -> Number {
        if v.is_infinite() {
            return Number(if v > 0.0 { "Infinity" } else { "-Infinity" }.to_string());
        }
        if v.fract() == 0.0 && v.abs() < 1e15 {
            return Number(format!("{}", v as i64));
        }
        // Rust writes a finite f64 as plain digits, which always normalise.
        let text = format!("{v}");
        Number(normalize_decimal(&text).unwrap_or(text))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self.0.as_str() {
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            s => s.parse().ok(),
        }
    }
    /// True for a finite number without a fractional part (`12`, `-3`, `1.5e70`), however large.
    pub fn is_whole(&self) -> bool {
        let t = self.0.trim_start_matches('-');
        if t.starts_with('I') {
            return false;
        }
        match t.split_once('e') {
            // Canonical text puts the exponent only on numbers far from the point (see normalize_decimal).
            Some((mantissa, exp)) => {
                let frac_digits = mantissa.split_once('.').map_or(0, |(_, f)| f.len());
                exp.parse::<i64>().is_ok_and(|e| e >= frac_digits as i64)
            }
            None => !t.contains('.'),
        }
    }
    /// True when the value is exactly representable as an f64 and round-trips through it.
    pub fn is_exact_f64(&self) -> bool {
        self.as_f64().is_some_and(|f| Number::from_f64(f) == *self)
    }
}

/// `-?digits[.digits][e[+-]digits]`, as JSON numbers are written (leading zeros tolerated).
fn is_decimal_syntax(t: &str) -> bool {
    let b = t.strip_prefix('-').unwrap_or(t);
    let (mantissa, exp) = match b.find(['e', 'E']) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let (int_part, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    digits(int_part) && frac.is_none_or(digits) && exp.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

/// The largest decimal exponent a number may have, as go-cty's `big.Float` (binary exponents up
/// to 2³¹) allows; beyond it a number is refused rather than read as something else.
const MAX_DECIMAL_EXPONENT: i64 = 646_456_993;

/// Canonical decimal text: no leading `+`, no trailing fractional zeros, `-0` → `0`, exponent folded
/// into plain digits when that stays short. `None` when the exponent is out of range.
fn normalize_decimal(t: &str) -> Option<String> {
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], body[i + 1..].parse::<i64>().ok()?),
        None => (body, 0),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    let mut digits: String = format!("{int_part}{frac_part}");
    // Trim leading zeros (keeping the point aligned) and trailing zeros.
    let lead = digits.len() - digits.trim_start_matches('0').len();
    digits.drain(..lead);
    let trimmed_len = digits.trim_end_matches('0').len();
    digits.truncate(trimmed_len);
    if digits.is_empty() {
        return Some("0".to_string());
    }
    let shift = i64::try_from(int_part.len()).ok()? - i64::try_from(lead).ok()?;
    let point = shift.checked_add(exp)?;
    if !(-MAX_DECIMAL_EXPONENT..=MAX_DECIMAL_EXPONENT).contains(&point) {
        return None;
    }
    if !(-30..=60).contains(&point) {
        // Far from the decimal point: scientific notation keeps it short and exact.
        let (first, rest) = digits.split_at(1);
        let e = point - 1;
        let frac = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        return Some(format!("{}{first}{frac}e{e}", if neg { "-" } else { "" }));
    }
    let text = if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point as usize >= digits.len() {
        format!("{}{}", digits, "0".repeat(point as usize - digits.len()))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    };
    Some(if neg { format!("-{text}") } else { text })
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Number {}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A cty value. Unknown means "known only after apply"; it may appear at any depth in config and plans.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Value {
    #[default]
    Null,
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    /// A value of a `dynamic` attribute, with the concrete type it was sent with.
    Dynamic(Type, Box<Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }
    pub fn int(v: i64) -> Value {
        Value::Number(Number::from_i64(v))
    }
    pub fn opt_string(s: Option<impl Into<String>>) -> Value {
        s.map_or(Value::Null, |s| Value::String(s.into()))
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }
    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => v.iter().all(Value::is_wholly_known),
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            Value::Dynamic(_, v) => v.is_wholly_known(),
            _ => true,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }
    pub fn as_object(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    /// Elements of a list, set or tuple.
    pub fn as_elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }
    /// An attribute of an object value; `Null` when this is not an object or lacks the key.
    pub fn get(&self, attr: &str) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Value::Object(m) => m.get(attr).unwrap_or(&NULL),
            _ => &NULL,
        }
    }
    /// Sets an attribute on an object value (no-op on anything else).
    pub fn set(&mut self, attr: &str, v: Value) {
        if let Value::Object(m) = self {
            m.insert(attr.to_string(), v);
        }
    }
    /// A map of strings as Rust pairs; unknown or non-string entries are skipped.
    pub fn string_map(&self) -> BTreeMap<String, String> {
        match self {
            Value::Map(m) | Value::Object(m) => {
                m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect()
            }
            _ => BTreeMap::new(),
        }
    }
    pub fn from_string_map(m: &BTreeMap<String, String>) -> Value {
        Value::Map(m.iter().map(|(k, v)| (k.clone(), Value::string(v.clone()))).collect())
    }

    /// Returns a null value shaped for `ty`: objects get every attribute (null), others plain null.
    pub fn null_object(ty: &Type) -> Value {
        match ty {
            Type::Object(attrs) => Value::Object(attrs.keys().map(|k| (k.clone(), Value::Null)).collect()),
            _ => Value::Null,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_numbers_are_told_from_fractions_at_any_size() {
        for whole in ["12", "-3", "0", "99999999999", "1e70", "1.5e70", "-2.25e80"] {
            assert!(Number::parse(whole).is_some_and(|n| n.is_whole()), "{whole}");
        }
        for not in ["1521.5", "-0.25", "1e-40", "Infinity", "-Infinity"] {
            assert!(Number::parse(not).is_some_and(|n| !n.is_whole()), "{not}");
        }
    }

    use super::*;

    #[test]
    fn numbers_normalise_to_exact_decimal_text() {
        let cases = [
            ("1", "1"),
            ("+1", "1"),
            ("-0", "0"),
            ("1.50", "1.5"),
            ("1e3", "1000"),
            ("0.001", "0.001"),
            ("1.25e-2", "0.0125"),
            ("123456789012345678901234567890", "123456789012345678901234567890"),
            ("1e400", "1e400"),
        ];
        for (input, want) in cases {
            assert_eq!(Number::parse(input).map(|n| n.0), Some(want.to_string()), "{input}");
        }
        assert!(Number::parse("abc").is_none());
        for bad in ["++1", "+-1", "-+1", "--1", "++Infinity"] {
            assert!(Number::parse(bad).is_none(), "{bad}");
        }
        assert!(Number::parse("").is_none());
    }

    /// Found by fuzzing: an exponent near i64's limits overflowed `point` (a panic in a debug
    /// build, a wrong number in release), and one beyond i64 was read as no exponent at all
    /// (`1e99999999999999999999` became 1).
    #[test]
    fn exponents_out_of_range_are_refused_not_overflowed() {
        for text in [
            "1e9223372036854775807",
            "-1e9223372036854775807",
            "1e-9223372036854775808",
            "0.1e-9223372036854775808",
            "1e99999999999999999999",
            "0e99999999999999999999",
            "1e646456994",
        ] {
            assert_eq!(Number::parse(text), None, "{text}");
        }
        assert_eq!(Number::parse("1e646456992").map(|n| n.0), Some("1e646456992".to_string()));
        assert_eq!(Number::parse("12e-646456994").map(|n| n.0), Some("1.2e-646456993".to_string()));
    }

    #[test]
    fn float_and_int_conversions_agree() {
        assert_eq!(Number::from_f64(3.0), Number::from_i64(3));
        assert_eq!(Number::from_f64(0.5).as_str(), "0.5");
        assert!(Number::from_f64(0.1).is_exact_f64());
        assert!(Number::parse("123456789012345678901234567890").is_some_and(|n| n.as_i64().is_none()));
    }

    #[test]
    fn type_json_round_trips() {
        let t = Type::object([
            ("a", Type::list(Type::String)),
            ("b", Type::map(Type::set(Type::Number))),
            ("c", Type::Tuple(vec![Type::Bool, Type::Dynamic])),
        ]);
        assert_eq!(Type::from_json(&t.to_json()), Ok(t));
    }
}
