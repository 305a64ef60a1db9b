//! Target: cty msgpack decoding (`wire::cty::msgpack`), what every `DynamicValue` from Terraform
//! goes through. Garbage and mutated encodings against any type never panic or hang, and what
//! decodes is canonical (encoding it and decoding again gives the same value); values generated
//! from a type, with nulls and unknowns at every depth, round-trip byte for byte.

use proptest::prelude::*;

use super::inputs::{arb_type, typed_value};
use super::run;
use crate::engine::value::{Type, Value};
use crate::wire::cty::msgpack;

/// One edit of an encoding: where (taken modulo the length) and what.
#[derive(Clone, Debug)]
pub enum Edit {
    Flip(usize, u8),
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

pub fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ];
    prop::collection::vec(edit, 1..4)
}

pub fn apply_edits(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len();
        match *e {
            Edit::Flip(i, b) if n > 0 => bytes[i % n] ^= b,
            Edit::Set(i, b) if n > 0 => bytes[i % n] = b,
            Edit::Insert(i, b) => bytes.insert(i % (n + 1), b),
            Edit::Delete(i) if n > 0 => {
                bytes.remove(i % n);
            }
            Edit::Truncate(i) => bytes.truncate(i % (n + 1)),
            _ => {}
        }
    }
    bytes
}

/// Whatever decodes is a value of `ty` that encodes and decodes to itself.
fn decoded_is_canonical(bytes: &[u8], ty: &Type) -> Result<(), TestCaseError> {
    if let Ok(v) = msgpack::decode(bytes, ty) {
        let again = msgpack::encode(&v, ty).map_err(|e| TestCaseError::fail(format!("re-encode: {e}")))?;
        prop_assert_eq!(msgpack::decode(&again, ty).ok(), Some(v));
    }
    Ok(())
}

/// Bytes that are mostly msgpack markers, so that lengths, extensions and nesting get exercised.
fn msgpack_garbage() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(vec![0x90, 0x91, 0x92, 0x80, 0x81, 0xa1, 0xc0, 0xc2, 0xc3, 0xc4, 0xd4, 0xc7, 0xdc, 0xdd]),
        prop::sample::select(vec![0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd3, 0xd9, 0xda, 0xdb, 0xde, 0xdf, 0xff]),
    ];
    prop::collection::vec(byte, 0..96)
}

#[test]
fn msgpack_decoding_of_garbage_never_panics() {
    run("msgpack_garbage", 2000, (msgpack_garbage(), arb_type()), |(bytes, ty)| decoded_is_canonical(&bytes, &ty));
}

#[test]
fn msgpack_decoding_of_mutated_values_never_panics() {
    run("msgpack_mutated", 1000, (typed_value(true), edits()), |((ty, v), edits)| {
        let bytes = apply_edits(msgpack::encode(&v, &ty).unwrap(), &edits);
        decoded_is_canonical(&bytes, &ty)
    });
}

#[test]
fn msgpack_round_trips_every_type_with_nulls_and_unknowns() {
    run("msgpack_round_trip", 1000, typed_value(true), |(ty, v)| {
        let bytes = msgpack::encode(&v, &ty).unwrap();
        let back = msgpack::decode(&bytes, &ty).unwrap();
        prop_assert_eq!(&back, &v);
        // Encoding is deterministic: the decoded value writes the same bytes.
        prop_assert_eq!(msgpack::encode(&back, &ty).unwrap(), bytes);
        Ok(())
    });
}

/// A dynamic value whose type JSON nests far deeper than serde_json reads is refused.
#[test]
fn msgpack_dynamic_type_nesting_beyond_the_limit_is_an_error() {
    let type_json = format!("{}\"string\"{}", "[\"list\",".repeat(5000), "]".repeat(5000));
    let mut bytes = vec![0x92, 0xc5];
    bytes.extend_from_slice(&u16::try_from(type_json.len()).unwrap().to_be_bytes());
    bytes.extend_from_slice(type_json.as_bytes());
    bytes.push(0xc0);
    assert!(msgpack::decode(&bytes, &Type::Dynamic).is_err());
    assert_eq!(msgpack::decode(&[0xc0], &Type::Dynamic), Ok(Value::Null));
}
