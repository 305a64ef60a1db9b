//! Property tests: for any type, any value of that type (nulls and unknowns at every depth)
//! survives msgpack, and any wholly known value survives JSON.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::{json, msgpack};
use crate::engine::value::{Number, Type, Value};

fn attr_name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,7}"
}

fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![Just(Type::Bool), Just(Type::Number), Just(Type::String), Just(Type::Dynamic)];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::btree_map(attr_name(), inner.clone(), 0..4).prop_map(Type::Object),
            prop::collection::vec(inner, 0..3).prop_map(Type::Tuple),
        ]
    })
}

/// A type usable as the concrete type of a dynamic value.
fn arb_concrete_type() -> impl Strategy<Value = Type> {
    arb_type().prop_filter("concrete", |t| *t != Type::Dynamic)
}

fn arb_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from_i64),
        any::<u64>().prop_map(Number::from_u64),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Number::from_f64),
        any::<f32>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| Number::from_f64(f64::from(f))),
        ("-?[1-9][0-9]{20,40}(\\.[0-9]{0,10}[1-9])?").prop_map(|s| Number::parse(&s).unwrap()),
        ("[1-9]\\.[0-9]{1,30}e-?[1-9][0-9]{2}").prop_map(|s| Number::parse(&s).unwrap()),
    ]
}

/// A value of `ty`; `unknowns` allows unknown values anywhere.
fn arb_value(ty: &Type, unknowns: bool) -> BoxedStrategy<Value> {
    let known = arb_known(ty, unknowns);
    if unknowns {
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
    }
}

fn arb_known(ty: &Type, unknowns: bool) -> BoxedStrategy<Value> {
    match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::List(e) => prop::collection::vec(arb_value(e, unknowns), 0..4).prop_map(Value::List).boxed(),
        Type::Set(e) => prop::collection::vec(arb_value(e, unknowns), 0..4).prop_map(Value::Set).boxed(),
        Type::Map(e) => {
            prop::collection::btree_map(any::<String>(), arb_value(e, unknowns), 0..4).prop_map(Value::Map).boxed()
        }
        Type::Object(attrs) => {
            let fields: Vec<BoxedStrategy<(String, Value)>> = attrs
                .iter()
                .map(|(k, t)| {
                    let k = k.clone();
                    arb_value(t, unknowns).prop_map(move |v| (k.clone(), v)).boxed()
                })
                .collect();
            fields.prop_map(|kv| Value::Object(kv.into_iter().collect::<BTreeMap<_, _>>())).boxed()
        }
        Type::Tuple(ts) => {
            let elems: Vec<BoxedStrategy<Value>> = ts.iter().map(|t| arb_value(t, unknowns)).collect();
            elems.prop_map(Value::Tuple).boxed()
        }
        Type::Dynamic => arb_concrete_type()
            .prop_flat_map(move |t| arb_value(&t, unknowns).prop_map(move |v| Value::Dynamic(t.clone(), Box::new(v))))
            .boxed(),
    }
}

fn typed_value(unknowns: bool) -> impl Strategy<Value = (Type, Value)> {
    arb_type().prop_flat_map(move |t| arb_value(&t, unknowns).prop_map(move |v| (t.clone(), v)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn msgpack_round_trips_every_type_with_nulls_and_unknowns((ty, v) in typed_value(true)) {
        let bytes = msgpack::encode(&v, &ty).unwrap();
        let back = msgpack::decode(&bytes, &ty).unwrap();
        prop_assert_eq!(&back, &v);
        // Encoding is deterministic: the decoded value writes the same bytes.
        prop_assert_eq!(msgpack::encode(&back, &ty).unwrap(), bytes);
    }

    #[test]
    fn json_round_trips_every_known_value((ty, v) in typed_value(false)) {
        let bytes = json::encode(&v, &ty).unwrap();
        prop_assert_eq!(&json::decode(&bytes, &ty).unwrap(), &v);
        prop_assert_eq!(&json::decode_lenient(&bytes, &ty).unwrap(), &v);
    }

    #[test]
    fn msgpack_and_json_agree((ty, v) in typed_value(false)) {
        let via_msgpack = msgpack::decode(&msgpack::encode(&v, &ty).unwrap(), &ty).unwrap();
        let via_json = json::decode(&json::encode(&v, &ty).unwrap(), &ty).unwrap();
        prop_assert_eq!(via_msgpack, via_json);
    }

    #[test]
    fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64), ty in arb_type()) {
        let _ = msgpack::decode(&bytes, &ty);
        let _ = json::decode(&bytes, &ty);
        let _ = json::decode_lenient(&bytes, &ty);
    }
}
