//! cty's JSON encoding (go-cty `cty/json`): stored state (`RawState.json`) and the rare JSON
//! `DynamicValue`. JSON cannot hold unknown values.
//!
//! Numbers keep their exact decimal text, so this module parses JSON itself instead of going
//! through `serde_json::Value` (which would round big or precise numbers through f64).
//!
//! Objects: attributes missing from the JSON are null. Attributes the type does not know are an
//! error in [`decode`] and silently dropped by [`decode_lenient`], which reads stored state that may
//! have been written by an older or newer schema at the same version.
//! Like go-cty, a string attribute also accepts a JSON number or bool, and number and bool
//! attributes accept their text in a JSON string.

use std::collections::BTreeMap;

use super::{CtyError, infer_type, type_name, value_kind};
use crate::engine::diag::AttrPath;
use crate::engine::value::{Number, Type, Value};

/// Decodes cty JSON of type `ty`; unknown object attributes are an error.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CtyError> {
    decode_with(bytes, ty, false)
}

/// Decodes cty JSON of type `ty`; unknown object attributes are dropped, missing ones are null.
pub fn decode_lenient(bytes: &[u8], ty: &Type) -> Result<Value, CtyError> {
    decode_with(bytes, ty, true)
}

fn decode_with(bytes: &[u8], ty: &Type, lenient: bool) -> Result<Value, CtyError> {
    let root = AttrPath::root();
    let json = parse(bytes).map_err(|e| CtyError::new(&root, format!("invalid JSON: {e}")))?;
    from_json(&json, ty, &root, lenient)
}

/// Encodes a wholly known value as cty JSON of type `ty`.
pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>, CtyError> {
    let mut out = String::with_capacity(64);
    write_value(&mut out, v, ty, &AttrPath::root())?;
    Ok(out.into_bytes())
}

/// A parsed JSON document with number text preserved.
#[derive(Clone, Debug, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "bool",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// For type JSON (which holds no numbers worth preserving).
    fn to_serde(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Json::Null => J::Null,
            Json::Bool(b) => J::Bool(*b),
            Json::Number(n) => serde_json::from_str(n).unwrap_or(J::Null),
            Json::String(s) => J::String(s.clone()),
            Json::Array(xs) => J::Array(xs.iter().map(Json::to_serde).collect()),
            Json::Object(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_serde())).collect()),
        }
    }
}

fn from_json(j: &Json, ty: &Type, path: &AttrPath, lenient: bool) -> Result<Value, CtyError> {
    if *j == Json::Null {
        return Ok(Value::Null);
    }
    let mismatch = || CtyError::new(path, format!("expected {}, got JSON {}", type_name(ty), j.kind()));
    match ty {
        Type::Bool => match j {
            Json::Bool(b) => Ok(Value::Bool(*b)),
            Json::String(s) if s == "true" => Ok(Value::Bool(true)),
            Json::String(s) if s == "false" => Ok(Value::Bool(false)),
            _ => Err(mismatch()),
        },
        Type::Number => match j {
            Json::Number(text) | Json::String(text) => Number::parse(text)
                .map(Value::Number)
                .ok_or_else(|| CtyError::new(path, format!("{text:?} is not a number"))),
            _ => Err(mismatch()),
        },
        Type::String => match j {
            Json::String(s) => Ok(Value::string(s.clone())),
            Json::Number(text) => Ok(Value::string(text.clone())),
            Json::Bool(b) => Ok(Value::string(b.to_string())),
            _ => Err(mismatch()),
        },
        Type::List(elem) | Type::Set(elem) => {
            let Json::Array(items) = j else {
                return Err(mismatch());
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(from_json(item, elem, &path.then_index(i), lenient)?);
            }
            Ok(if matches!(ty, Type::Set(_)) { Value::Set(out) } else { Value::List(out) })
        }
        Type::Tuple(elems) => {
            let Json::Array(items) = j else {
                return Err(mismatch());
            };
            if items.len() != elems.len() {
                return Err(CtyError::new(
                    path,
                    format!("a tuple of {} elements is required ({} given)", elems.len(), items.len()),
                ));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, t)) in items.iter().zip(elems).enumerate() {
                out.push(from_json(item, t, &path.then_index(i), lenient)?);
            }
            Ok(Value::Tuple(out))
        }
        Type::Map(elem) => {
            let Json::Object(pairs) = j else {
                return Err(mismatch());
            };
            let mut out = BTreeMap::new();
            for (k, v) in pairs {
                out.insert(k.clone(), from_json(v, elem, &path.then_key(k), lenient)?);
            }
            Ok(Value::Map(out))
        }
        Type::Object(attrs) => {
            let Json::Object(pairs) = j else {
                return Err(mismatch());
            };
            let mut out: BTreeMap<String, Value> = attrs.keys().map(|k| (k.clone(), Value::Null)).collect();
            for (k, v) in pairs {
                match attrs.get(k) {
                    Some(t) => {
                        out.insert(k.clone(), from_json(v, t, &path.then_attr(k), lenient)?);
                    }
                    None if lenient => {}
                    None => {
                        return Err(CtyError::new(path, format!("unsupported attribute {k:?}")));
                    }
                }
            }
            Ok(Value::Object(out))
        }
        Type::Dynamic => {
            let Json::Object(pairs) = j else {
                return Err(CtyError::new(
                    path,
                    format!("a dynamic value must be a {{\"value\", \"type\"}} object, got JSON {}", j.kind()),
                ));
            };
            let find = |key: &str| pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v);
            let (Some(type_json), Some(value_json)) = (find("type"), find("value")) else {
                return Err(CtyError::new(path, "a dynamic value needs both \"value\" and \"type\""));
            };
            let concrete = Type::from_json(&type_json.to_serde())
                .map_err(|e| CtyError::new(path, format!("invalid type of a dynamic value: {e}")))?;
            let value = from_json(value_json, &concrete, path, lenient)?;
            Ok(Value::Dynamic(concrete, Box::new(value)))
        }
    }
}

// ---- encoding ----

fn write_value(out: &mut String, v: &Value, ty: &Type, path: &AttrPath) -> Result<(), CtyError> {
    match v {
        Value::Null => {
            out.push_str("null");
            return Ok(());
        }
        Value::Unknown => return Err(CtyError::new(path, "JSON cannot hold an unknown value")),
        _ => {}
    }
    let mismatch = || CtyError::new(path, format!("expected {}, got a {} value", type_name(ty), value_kind(v)));
    match (ty, v) {
        (Type::Dynamic, _) => {
            let (concrete, inner) = match v {
                Value::Dynamic(t, inner) => (t.clone(), inner.as_ref()),
                other => (infer_type(other), other),
            };
            out.push_str("{\"value\":");
            write_value(out, inner, &concrete, path)?;
            out.push_str(",\"type\":");
            out.push_str(&concrete.to_json().to_string());
            out.push('}');
            Ok(())
        }
        (_, Value::Dynamic(_, inner)) => write_value(out, inner, ty, path),
        (Type::Bool, Value::Bool(b)) => {
            out.push_str(if *b { "true" } else { "false" });
            Ok(())
        }
        (Type::Number, Value::Number(n)) => {
            if matches!(n.as_str(), "Infinity" | "-Infinity") {
                return Err(CtyError::new(path, "JSON cannot hold an infinite number"));
            }
            out.push_str(n.as_str());
            Ok(())
        }
        (Type::String, Value::String(s)) => {
            write_str(out, s);
            Ok(())
        }
        (Type::List(elem) | Type::Set(elem), Value::List(xs) | Value::Set(xs) | Value::Tuple(xs)) => {
            out.push('[');
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, x, elem, &path.then_index(i))?;
            }
            out.push(']');
            Ok(())
        }
        (Type::Tuple(elems), Value::Tuple(xs) | Value::List(xs)) => {
            if xs.len() != elems.len() {
                return Err(CtyError::new(
                    path,
                    format!("a tuple of {} elements is required ({} given)", elems.len(), xs.len()),
                ));
            }
            out.push('[');
            for (i, (x, t)) in xs.iter().zip(elems).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, x, t, &path.then_index(i))?;
            }
            out.push(']');
            Ok(())
        }
        (Type::Map(elem), Value::Map(m) | Value::Object(m)) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write_value(out, x, elem, &path.then_key(k))?;
            }
            out.push('}');
            Ok(())
        }
        (Type::Object(attrs), Value::Object(m) | Value::Map(m)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(CtyError::new(path, format!("unsupported attribute {extra:?}")));
            }
            out.push('{');
            for (i, (k, t)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write_value(out, m.get(k).unwrap_or(&Value::Null), t, &path.then_attr(k))?;
            }
            out.push('}');
            Ok(())
        }
        _ => Err(mismatch()),
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---- parsing ----

const MAX_DEPTH: usize = 512;

fn parse(bytes: &[u8]) -> Result<Json, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let mut p = Parser { s: text, i: 0 };
    p.skip_ws();
    let v = p.value(0)?;
    p.skip_ws();
    if p.i != p.s.len() {
        return Err(format!("unexpected data after the value at byte {}", p.i));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected {:?} at byte {}", c as char, self.i))
        }
    }

    fn literal(&mut self, word: &str, v: Json) -> Result<Json, String> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(v)
        } else {
            Err(format!("unexpected token at byte {}", self.i))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > MAX_DEPTH {
            return Err("JSON nested too deeply".into());
        }
        match self.peek() {
            None => Err("unexpected end of JSON".into()),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::String),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    self.skip_ws();
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return Err(format!("expected ',' or ']' at byte {}", self.i)),
                    }
                }
            }
            Some(b'{') => {
                self.i += 1;
                let mut pairs = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Json::Object(pairs));
                }
                loop {
                    self.skip_ws();
                    if self.peek() != Some(b'"') {
                        return Err(format!("expected an object key at byte {}", self.i));
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    self.expect(b':')?;
                    self.skip_ws();
                    pairs.push((key, self.value(depth + 1)?));
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Object(pairs));
                        }
                        _ => return Err(format!("expected ',' or '}}' at byte {}", self.i)),
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(format!("unexpected character at byte {}", self.i)),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        if self.digits() == 0 {
            return Err(format!("invalid number at byte {start}"));
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(format!("invalid number at byte {start}"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(format!("invalid number at byte {start}"));
            }
        }
        Ok(Json::Number(self.s[start..self.i].to_string()))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.s.get(self.i..self.i + 4).ok_or("truncated \\u escape")?;
        // from_str_radix alone would take a sign (`\u+12a`).
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("invalid \\u escape at byte {}", self.i));
        }
        let v = u32::from_str_radix(h, 16).map_err(|_| format!("invalid \\u escape at byte {}", self.i))?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, String> {
        self.expect(b'"')?;
        let mut out = String::new();
        let mut run = self.i;
        loop {
            let Some(c) = self.peek() else {
                return Err("unterminated string".into());
            };
            match c {
                b'"' => {
                    out.push_str(&self.s[run..self.i]);
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.s[run..self.i]);
                    self.i += 1;
                    let esc = self.peek().ok_or("unterminated escape")?;
                    self.i += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&hi) && self.s[self.i..].starts_with("\\u") {
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return Err("invalid surrogate pair".into());
                                }
                                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                            } else {
                                hi
                            };
                            // Lone surrogates become U+FFFD, as Go's decoder does.
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        }
                        _ => return Err(format!("invalid escape at byte {}", self.i - 1)),
                    }
                    run = self.i;
                }
                0..0x20 => return Err(format!("control character in string at byte {}", self.i)),
                _ => self.i += 1,
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn lenient_decoding_fills_missing_and_drops_extra_attributes() {
        let ty = Type::object([("id", Type::String), ("added_later", Type::Bool)]);
        let raw = br#"{"id":"x","removed_long_ago":42}"#;
        assert_eq!(decode_lenient(raw, &ty).unwrap(), obj(&[("id", Value::string("x")), ("added_later", Value::Null)]));
        let err = decode(raw, &ty).unwrap_err();
        assert!(err.message.contains("unsupported attribute \"removed_long_ago\""), "{err}");
    }

    /// Found while writing the fuzz harness: a `\u` escape with a sign in its four digits was read as hex.
    #[test]
    fn a_unicode_escape_needs_four_hex_digits() {
        assert_eq!(decode(br#""\u00e9""#, &Type::String).unwrap(), Value::string("\u{e9}"));
        for bad in [&br#""\u+0e9""#[..], br#""\u-0e9""#, br#""\u0e9""#, br#""\u 0e9""#] {
            assert!(decode(bad, &Type::String).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn numbers_keep_their_exact_text() {
        let big = "123456789012345678901234567890.123456789";
        let v = decode(big.as_bytes(), &Type::Number).unwrap();
        assert_eq!(v, Value::Number(Number::parse(big).unwrap()));
        assert_eq!(encode(&v, &Type::Number).unwrap(), big.as_bytes());
        assert_eq!(decode(b"\"12\"", &Type::Number).unwrap(), Value::int(12));
        assert_eq!(decode(b"1e2", &Type::Number).unwrap(), Value::int(100));
    }

    #[test]
    fn strings_accept_numbers_and_bools_like_go_cty() {
        assert_eq!(decode(b"12.5", &Type::String).unwrap(), Value::string("12.5"));
        assert_eq!(decode(b"true", &Type::String).unwrap(), Value::string("true"));
        assert_eq!(decode(b"\"false\"", &Type::Bool).unwrap(), Value::Bool(false));
    }

    #[test]
    fn escapes_and_unicode_round_trip() {
        let s = "quote \" backslash \\ tab \t nl \n ctl \u{1} é 😀";
        let bytes = encode(&Value::string(s), &Type::String).unwrap();
        assert_eq!(decode(&bytes, &Type::String).unwrap(), Value::string(s));
        assert_eq!(decode(br#""\ud83d\ude00 \u00e9 \/""#, &Type::String).unwrap(), Value::string("😀 é /"));
        assert!(decode(b"\"a\x01\"", &Type::String).is_err());
    }

    #[test]
    fn dynamic_values_use_value_and_type_keys() {
        let v = Value::Dynamic(
            Type::map(Type::String),
            Box::new(Value::from_string_map(&[("a".into(), "b".into())].into())),
        );
        let bytes = encode(&v, &Type::Dynamic).unwrap();
        assert_eq!(bytes, br#"{"value":{"a":"b"},"type":["map","string"]}"#);
        assert_eq!(decode(&bytes, &Type::Dynamic).unwrap(), v);
        assert_eq!(decode(b"null", &Type::Dynamic).unwrap(), Value::Null);
    }

    #[test]
    fn unknowns_and_bad_json_are_errors() {
        assert!(encode(&Value::Unknown, &Type::String).is_err());
        for bad in [&b"{"[..], b"[1,]", b"01x", b"\"abc", b"{\"a\" 1}", b"tru", b"1 2", b"-", b"1."] {
            assert!(decode(bad, &Type::Dynamic).is_err() && decode(bad, &Type::Number).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn state_json_from_terraform_decodes() {
        let ty = Type::object([
            ("id", Type::String),
            ("tags", Type::map(Type::String)),
            ("ports", Type::list(Type::Number)),
            ("timeouts", Type::object([("create", Type::String)])),
        ]);
        let raw = br#"{
            "id": "vpc-1",
            "tags": {"Name": "x"},
            "ports": [22, 5432],
            "timeouts": null
        }"#;
        let v = decode_lenient(raw, &ty).unwrap();
        assert_eq!(v.get("ports"), &Value::List(vec![Value::int(22), Value::int(5432)]));
        assert_eq!(v.get("timeouts"), &Value::Null);
    }
}
