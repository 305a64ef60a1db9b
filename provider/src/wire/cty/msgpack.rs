//! cty's msgpack encoding (go-cty `cty/msgpack`, plugin-protocol.md §6).
//!
//! - null is `nil` at any type; unknown is any extension when reading (refined unknowns are ext 12)
//!   and always `d4 00 00` (fixext1, type 0, one zero byte) when writing;
//! - objects are maps with exactly one entry per attribute; maps have string keys; lists, sets and
//!   tuples are arrays;
//! - numbers are read from any int, uint, float or decimal string, and written as the most compact
//!   integer when integral and in range, else float64 when that is exact, else a decimal string;
//! - a `dynamic` value is a two-element array `[type JSON as bin (str accepted), value]`.

use std::collections::BTreeMap;

use rmpv::Value as Raw;

use super::{CtyError, infer_type, type_name, value_kind};
use crate::engine::diag::AttrPath;
use crate::engine::value::{Number, Type, Value};

/// The bytes Terraform uses for an unknown value.
pub const UNKNOWN: [u8; 3] = [0xd4, 0x00, 0x00];

/// Decodes one msgpack value of type `ty`. Every object attribute must be present.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CtyError> {
    let root = AttrPath::root();
    let mut rd = bytes;
    let raw = rmpv::decode::read_value_with_max_depth(&mut rd, max_depth(ty))
        .map_err(|e| CtyError::new(&root, format!("invalid msgpack: {e}")))?;
    if !rd.is_empty() {
        return Err(CtyError::new(&root, format!("{} unexpected bytes after the msgpack value", rd.len())));
    }
    from_raw(&raw, ty, &root)
}

/// Levels a dynamic value may add: its type JSON nests at most 128 deep (serde_json's limit).
const DYNAMIC_LEVELS: usize = 130;

/// How deep rmpv may recurse for a value of `ty` (it counts two per nesting level). Reading stops
/// there, so nesting no value of the type can have is refused before it exhausts the stack (in a
/// debug build rmpv's full 1024 overflows a 2 MiB thread).
fn max_depth(ty: &Type) -> usize {
    fn levels(ty: &Type) -> usize {
        match ty {
            Type::Bool | Type::Number | Type::String => 1,
            Type::Dynamic => 1 + DYNAMIC_LEVELS,
            Type::List(e) | Type::Set(e) | Type::Map(e) => 1 + levels(e),
            Type::Object(attrs) => 1 + attrs.values().map(levels).max().unwrap_or(0),
            Type::Tuple(elems) => 1 + elems.iter().map(levels).max().unwrap_or(0),
        }
    }
    (2 * levels(ty) + 2).min(rmpv::decode::MAX_DEPTH)
}

/// Encodes `v` as type `ty`.
pub fn encode(v: &Value, ty: &Type) -> Result<Vec<u8>, CtyError> {
    let mut out = Vec::with_capacity(64);
    write_value(&mut out, v, ty, &AttrPath::root())?;
    Ok(out)
}

fn from_raw(raw: &Raw, ty: &Type, path: &AttrPath) -> Result<Value, CtyError> {
    match raw {
        Raw::Nil => return Ok(Value::Null),
        // Any extension is an unknown value, refined (type 12) or not; refinements are dropped.
        Raw::Ext(..) => return Ok(Value::Unknown),
        _ => {}
    }
    let mismatch = || CtyError::new(path, format!("expected {}, got msgpack {}", type_name(ty), raw_kind(raw)));
    match ty {
        Type::Bool => match raw {
            Raw::Boolean(b) => Ok(Value::Bool(*b)),
            _ => Err(mismatch()),
        },
        Type::Number => match raw {
            Raw::Integer(i) => match (i.as_i64(), i.as_u64()) {
                (Some(v), _) => Ok(Value::Number(Number::from_i64(v))),
                (None, Some(v)) => Ok(Value::Number(Number::from_u64(v))),
                (None, None) => Err(mismatch()),
            },
            Raw::F32(f) => float(f64::from(*f), path),
            Raw::F64(f) => float(*f, path),
            Raw::String(s) => {
                let text = s.as_str().ok_or_else(|| CtyError::new(path, "number string is not valid UTF-8"))?;
                Number::parse(text)
                    .map(Value::Number)
                    .ok_or_else(|| CtyError::new(path, format!("{text:?} is not a number")))
            }
            _ => Err(mismatch()),
        },
        Type::String => match raw {
            Raw::String(s) => {
                s.as_str().map(Value::string).ok_or_else(|| CtyError::new(path, "string is not valid UTF-8"))
            }
            _ => Err(mismatch()),
        },
        Type::List(elem) | Type::Set(elem) => {
            let Raw::Array(items) = raw else {
                return Err(mismatch());
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(from_raw(item, elem, &path.then_index(i))?);
            }
            Ok(if matches!(ty, Type::Set(_)) { Value::Set(out) } else { Value::List(out) })
        }
        Type::Tuple(elems) => {
            let Raw::Array(items) = raw else {
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
                out.push(from_raw(item, t, &path.then_index(i))?);
            }
            Ok(Value::Tuple(out))
        }
        Type::Map(elem) => {
            let Raw::Map(pairs) = raw else {
                return Err(mismatch());
            };
            let mut out = BTreeMap::new();
            for (k, v) in pairs {
                let key = map_key(k, path)?;
                let value = from_raw(v, elem, &path.then_key(key))?;
                out.insert(key.to_string(), value);
            }
            Ok(Value::Map(out))
        }
        Type::Object(attrs) => {
            let Raw::Map(pairs) = raw else {
                return Err(mismatch());
            };
            let mut out = BTreeMap::new();
            for (k, v) in pairs {
                let key = map_key(k, path)?;
                let Some(attr_ty) = attrs.get(key) else {
                    return Err(CtyError::new(path, format!("unsupported attribute {key:?}")));
                };
                let value = from_raw(v, attr_ty, &path.then_attr(key))?;
                out.insert(key.to_string(), value);
            }
            if out.len() != attrs.len() {
                let missing: Vec<&str> = attrs.keys().filter(|k| !out.contains_key(*k)).map(String::as_str).collect();
                return Err(CtyError::new(
                    path,
                    format!(
                        "an object with {} attributes is required ({} given); missing {}",
                        attrs.len(),
                        out.len(),
                        missing.join(", ")
                    ),
                ));
            }
            Ok(Value::Object(out))
        }
        Type::Dynamic => {
            let Raw::Array(items) = raw else {
                return Err(CtyError::new(
                    path,
                    format!("a dynamic value must be a [type, value] array, got msgpack {}", raw_kind(raw)),
                ));
            };
            let [type_json, inner] = items.as_slice() else {
                return Err(CtyError::new(path, "a dynamic value must be a two-element [type, value] array"));
            };
            let type_bytes: &[u8] = match type_json {
                Raw::Binary(b) => b,
                Raw::String(s) => s.as_bytes(),
                _ => {
                    return Err(CtyError::new(path, "the type of a dynamic value must be JSON bytes"));
                }
            };
            let concrete = parse_type_json(type_bytes, path)?;
            let value = from_raw(inner, &concrete, path)?;
            Ok(Value::Dynamic(concrete, Box::new(value)))
        }
    }
}

fn float(f: f64, path: &AttrPath) -> Result<Value, CtyError> {
    if f.is_nan() {
        return Err(CtyError::new(path, "NaN is not a number"));
    }
    Ok(Value::Number(Number::from_f64(f)))
}

fn map_key<'a>(k: &'a Raw, path: &AttrPath) -> Result<&'a str, CtyError> {
    match k {
        Raw::String(s) => s.as_str().ok_or_else(|| CtyError::new(path, "map key is not valid UTF-8")),
        other => Err(CtyError::new(path, format!("map keys must be strings, got msgpack {}", raw_kind(other)))),
    }
}

pub(crate) fn parse_type_json(bytes: &[u8], path: &AttrPath) -> Result<Type, CtyError> {
    let j: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| CtyError::new(path, format!("the type of a dynamic value is not JSON: {e}")))?;
    Type::from_json(&j).map_err(|e| CtyError::new(path, format!("invalid type of a dynamic value: {e}")))
}

fn raw_kind(raw: &Raw) -> &'static str {
    match raw {
        Raw::Nil => "nil",
        Raw::Boolean(_) => "bool",
        Raw::Integer(_) => "int",
        Raw::F32(_) | Raw::F64(_) => "float",
        Raw::String(_) => "str",
        Raw::Binary(_) => "bin",
        Raw::Array(_) => "array",
        Raw::Map(_) => "map",
        Raw::Ext(..) => "ext",
    }
}

// ---- encoding ----

fn werr<E: std::fmt::Display>(path: &AttrPath) -> impl Fn(E) -> CtyError + '_ {
    move |e| CtyError::new(path, format!("msgpack write failed: {e}"))
}

fn len_u32(n: usize, path: &AttrPath) -> Result<u32, CtyError> {
    u32::try_from(n).map_err(|_| CtyError::new(path, "collection too large for msgpack"))
}

fn write_value(out: &mut Vec<u8>, v: &Value, ty: &Type, path: &AttrPath) -> Result<(), CtyError> {
    match v {
        Value::Null => return rmp::encode::write_nil(out).map_err(werr(path)),
        Value::Unknown => {
            out.extend_from_slice(&UNKNOWN);
            return Ok(());
        }
        _ => {}
    }
    let mismatch = || CtyError::new(path, format!("expected {}, got a {} value", type_name(ty), value_kind(v)));
    match (ty, v) {
        (Type::Dynamic, _) => {
            let (concrete, inner) = match v {
                Value::Dynamic(t, inner) => (t.clone(), inner.as_ref()),
                other => (infer_type(other), other),
            };
            let type_json = serde_json::to_vec(&concrete.to_json()).map_err(werr(path))?;
            rmp::encode::write_array_len(out, 2).map_err(werr(path))?;
            rmp::encode::write_bin(out, &type_json).map_err(werr(path))?;
            write_value(out, inner, &concrete, path)
        }
        // A dynamic wrapper where the schema has a concrete type: the schema wins.
        (_, Value::Dynamic(_, inner)) => write_value(out, inner, ty, path),
        (Type::Bool, Value::Bool(b)) => rmp::encode::write_bool(out, *b).map_err(werr(path)),
        (Type::Number, Value::Number(n)) => write_number(out, n, path),
        (Type::String, Value::String(s)) => rmp::encode::write_str(out, s).map_err(werr(path)),
        (Type::List(elem) | Type::Set(elem), Value::List(xs) | Value::Set(xs) | Value::Tuple(xs)) => {
            rmp::encode::write_array_len(out, len_u32(xs.len(), path)?).map_err(werr(path))?;
            for (i, x) in xs.iter().enumerate() {
                write_value(out, x, elem, &path.then_index(i))?;
            }
            Ok(())
        }
        (Type::Tuple(elems), Value::Tuple(xs) | Value::List(xs)) => {
            if xs.len() != elems.len() {
                return Err(CtyError::new(
                    path,
                    format!("a tuple of {} elements is required ({} given)", elems.len(), xs.len()),
                ));
            }
            rmp::encode::write_array_len(out, len_u32(xs.len(), path)?).map_err(werr(path))?;
            for (i, (x, t)) in xs.iter().zip(elems).enumerate() {
                write_value(out, x, t, &path.then_index(i))?;
            }
            Ok(())
        }
        (Type::Map(elem), Value::Map(m) | Value::Object(m)) => {
            rmp::encode::write_map_len(out, len_u32(m.len(), path)?).map_err(werr(path))?;
            for (k, x) in m {
                rmp::encode::write_str(out, k).map_err(werr(path))?;
                write_value(out, x, elem, &path.then_key(k))?;
            }
            Ok(())
        }
        (Type::Object(attrs), Value::Object(m) | Value::Map(m)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(CtyError::new(path, format!("unsupported attribute {extra:?}")));
            }
            rmp::encode::write_map_len(out, len_u32(attrs.len(), path)?).map_err(werr(path))?;
            for (k, t) in attrs {
                rmp::encode::write_str(out, k).map_err(werr(path))?;
                // An attribute the value lacks is written as null: the wire needs every key.
                let x = m.get(k).unwrap_or(&Value::Null);
                write_value(out, x, t, &path.then_attr(k))?;
            }
            Ok(())
        }
        _ => Err(mismatch()),
    }
}

fn write_number(out: &mut Vec<u8>, n: &Number, path: &AttrPath) -> Result<(), CtyError> {
    if let Some(i) = n.as_i64() {
        rmp::encode::write_sint(out, i).map_err(werr(path))?;
    } else if let Some(u) = n.as_u64() {
        rmp::encode::write_uint(out, u).map_err(werr(path))?;
    } else if let Some(f) = n.as_f64().filter(|_| n.is_exact_f64()) {
        rmp::encode::write_f64(out, f).map_err(werr(path))?;
    } else {
        rmp::encode::write_str(out, n.as_str()).map_err(werr(path))?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn num(s: &str) -> Value {
        Value::Number(Number::parse(s).unwrap())
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn unknown_is_written_as_fixext1_type0() {
        assert_eq!(encode(&Value::Unknown, &Type::String).unwrap(), vec![0xd4, 0, 0]);
    }

    #[test]
    fn any_extension_reads_as_unknown_including_refined() {
        // ext 12 with a refinement map {1: false} (definitely not null).
        let refined = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2];
        assert_eq!(decode(&refined, &Type::String).unwrap(), Value::Unknown);
        // ext 0 with empty payload (what tf-provider writes), and ext 5 with 4 bytes.
        assert_eq!(decode(&[0xc7, 0x00, 0x00], &Type::Number).unwrap(), Value::Unknown);
        assert_eq!(decode(&[0xd6, 0x05, 1, 2, 3, 4], &Type::Bool).unwrap(), Value::Unknown);
    }

    #[test]
    fn numbers_use_the_most_compact_encoding() {
        assert_eq!(encode(&num("1"), &Type::Number).unwrap(), vec![0x01]);
        assert_eq!(encode(&num("-1"), &Type::Number).unwrap(), vec![0xff]);
        assert_eq!(encode(&num("300"), &Type::Number).unwrap(), vec![0xcd, 0x01, 0x2c]);
        assert_eq!(encode(&num("18446744073709551615"), &Type::Number).unwrap()[0], 0xcf);
        let half = encode(&num("0.5"), &Type::Number).unwrap();
        assert_eq!(half, [vec![0xcb], 0.5f64.to_be_bytes().to_vec()].concat());
        // Not exact in f64: a decimal string.
        let big = "123456789012345678901234567890.5";
        let bytes = encode(&num(big), &Type::Number).unwrap();
        assert_eq!(bytes[0], 0xd9, "str8");
        assert_eq!(decode(&bytes, &Type::Number).unwrap(), num(big));
    }

    #[test]
    fn numbers_are_read_from_every_msgpack_form() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![0x2a], "42"),
            (vec![0xcc, 0xff], "255"),
            (vec![0xd0, 0x80], "-128"),
            (vec![0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], "18446744073709551615"),
            ([vec![0xca], 1.5f32.to_be_bytes().to_vec()].concat(), "1.5"),
            ([vec![0xcb], 2.25f64.to_be_bytes().to_vec()].concat(), "2.25"),
            ([vec![0xcb], f64::INFINITY.to_be_bytes().to_vec()].concat(), "Infinity"),
            (vec![0xa4, b'1', b'e', b'2', b'0'], "100000000000000000000"),
        ];
        for (bytes, want) in cases {
            assert_eq!(decode(&bytes, &Type::Number).unwrap(), num(want), "{bytes:02x?}");
        }
        let nan = [vec![0xcb], f64::NAN.to_be_bytes().to_vec()].concat();
        assert!(decode(&nan, &Type::Number).is_err());
    }

    /// Found by fuzzing: a number sent as a decimal string with an exponent near i64's limits
    /// panicked the plugin (debug build) instead of being refused.
    #[test]
    fn a_number_string_with_an_overflowing_exponent_is_an_error() {
        let text = b"1e9223372036854775807";
        let mut bytes = vec![0xa0 + text.len() as u8];
        bytes.extend_from_slice(text);
        let err = decode(&bytes, &Type::Number).unwrap_err();
        assert!(err.message.contains("is not a number"), "{err}");
    }

    /// Found by fuzzing: 512 nested arrays (within rmpv's own limit) overflowed the 2 MiB stack
    /// of a debug build before the type was even looked at.
    #[test]
    fn deep_nesting_is_refused_without_exhausting_the_stack() {
        let deep = [vec![0x91u8; 100_000], vec![0xc0]].concat();
        for ty in [Type::Dynamic, Type::list(Type::list(Type::String)), Type::String] {
            assert!(decode(&deep, &ty).is_err(), "{ty:?}");
        }
        // As deep as a list of lists of strings goes is still read.
        let ty = Type::list(Type::list(Type::String));
        assert_eq!(
            decode(&[0x91, 0x91, 0xa1, b'x'], &ty).unwrap(),
            Value::List(vec![Value::List(vec![Value::string("x")])])
        );
    }

    #[test]
    fn objects_need_every_attribute_and_no_others() {
        let ty = Type::object([("a", Type::String), ("b", Type::Bool)]);
        let v = obj(&[("a", Value::string("x")), ("b", Value::Null)]);
        let bytes = encode(&v, &ty).unwrap();
        assert_eq!(decode(&bytes, &ty).unwrap(), v);

        // {"a": "x"} only: missing b.
        let missing = [0x81, 0xa1, b'a', 0xa1, b'x'];
        let err = decode(&missing, &ty).unwrap_err();
        assert!(err.message.contains("2 attributes is required"), "{err}");
        // {"a": "x", "b": nil, "c": nil}: extra c.
        let extra = [0x83, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0, 0xa1, b'c', 0xc0];
        assert!(decode(&extra, &ty).unwrap_err().message.contains("unsupported attribute \"c\""));

        // Encoding fills attributes the value lacks with null and refuses strangers.
        let partial = obj(&[("a", Value::string("x"))]);
        assert_eq!(encode(&partial, &ty).unwrap(), bytes);
        assert!(encode(&obj(&[("zz", Value::Null)]), &ty).is_err());
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let v = Value::Dynamic(Type::list(Type::String), Box::new(Value::List(vec![Value::string("a")])));
        let bytes = encode(&v, &Type::Dynamic).unwrap();
        let type_json = br#"["list","string"]"#;
        let mut want = vec![0x92, 0xc4, type_json.len() as u8];
        want.extend_from_slice(type_json);
        want.extend_from_slice(&[0x91, 0xa1, b'a']);
        assert_eq!(bytes, want);
        assert_eq!(decode(&bytes, &Type::Dynamic).unwrap(), v);

        // The type may also come as a str.
        let mut as_str = vec![0x92, 0xa0 + type_json.len() as u8];
        as_str.extend_from_slice(type_json);
        as_str.extend_from_slice(&[0x91, 0xa1, b'a']);
        assert_eq!(decode(&as_str, &Type::Dynamic).unwrap(), v);

        // Plain values in a dynamic slot get an inferred type.
        let plain = encode(&Value::string("s"), &Type::Dynamic).unwrap();
        assert_eq!(decode(&plain, &Type::Dynamic).unwrap(), Value::Dynamic(Type::String, Box::new(Value::string("s"))));
        assert_eq!(decode(&[0xc0], &Type::Dynamic).unwrap(), Value::Null);
        assert_eq!(decode(&UNKNOWN, &Type::Dynamic).unwrap(), Value::Unknown);
    }

    #[test]
    fn type_mismatches_name_the_path() {
        let ty = Type::object([("tags", Type::map(Type::String))]);
        // {"tags": {"env": 1}}
        let bytes = [0x81, 0xa4, b't', b'a', b'g', b's', 0x81, 0xa3, b'e', b'n', b'v', 0x01];
        let err = decode(&bytes, &ty).unwrap_err();
        assert_eq!(err.path.to_string(), "tags[\"env\"]");
        assert!(decode(&[0xa5, b'a'], &Type::String).is_err(), "truncated");
        assert!(decode(&[0x01, 0x02], &Type::Number).is_err(), "trailing bytes");
    }
}
