//! Target: schema-driven conversion, where the wire turns a `DynamicValue` or stored state into
//! engine values for a real schema (`wire::convert`, the `UpgradeResourceState` and validate
//! handlers of `wire::server`). Values shaped by every schema of the registry round-trip through
//! msgpack and state JSON; mutated request bytes and arbitrary stored state never panic a handler
//! and never make it answer with a transport error.

use proptest::prelude::*;
use tonic::Request;

use super::cty_msgpack::{apply_edits, edits};
use super::inputs::arb_json;
use super::{Kind, is_error, run, runtime, service, subject_values, subjects, validate};
use crate::engine::provider::{fill_unknowns_with_null, null_write_only};
use crate::engine::schema::{AttrKind, Block};
use crate::engine::value::Value;
use crate::wire::convert::{decode_dynamic, encode_dynamic};
use crate::wire::cty::json;
use crate::wire::pb::tfplugin6 as pb;
use pb::provider_server::Provider as _;

#[test]
fn schema_values_round_trip_through_msgpack_and_state_json() {
    let subjects = subjects();
    run("schema_round_trip", 300, subject_values(&subjects, |_| true), |(i, v)| {
        let ty = subjects[i].schema.value_type();
        let dv = encode_dynamic(&v, &ty).unwrap();
        prop_assert_eq!(decode_dynamic(Some(&dv), &ty).unwrap(), v.clone());
        // Stored state never holds unknowns.
        let state = fill_unknowns_with_null(v);
        let text = json::encode(&state, &ty).unwrap();
        prop_assert_eq!(json::decode(&text, &ty).unwrap(), state.clone());
        prop_assert_eq!(json::decode_lenient(&text, &ty).unwrap(), state);
        Ok(())
    });
}

#[test]
fn stored_state_of_every_resource_upgrades_to_itself() {
    let subjects = subjects();
    let svc = service(false);
    let rt = runtime();
    run("state_upgrade", 200, subject_values(&subjects, |s| s.kind == Kind::Resource), |(i, v)| {
        let s = &subjects[i];
        let ty = s.schema.value_type();
        let state = fill_unknowns_with_null(v);
        let req = pb::upgrade_resource_state::Request {
            type_name: s.name.clone(),
            version: s.schema.version,
            raw_state: Some(pb::RawState { json: json::encode(&state, &ty).unwrap(), ..Default::default() }),
        };
        let resp = rt.block_on(svc.upgrade_resource_state(Request::new(req))).unwrap().into_inner();
        prop_assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
        let upgraded = decode_dynamic(resp.upgraded_state.as_ref(), &ty).unwrap();
        prop_assert_eq!(upgraded, null_write_only(&s.schema.block, state));
        Ok(())
    });
}

/// A JSON object using the schema's attribute names (and others) with any JSON in them.
fn state_document(names: Vec<String>) -> impl Strategy<Value = String> {
    let key = prop_oneof![3 => prop::sample::select(names), 1 => any::<String>()];
    prop_oneof![
        4 => prop::collection::vec((key, arb_json()), 0..12)
            .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect()).to_string()),
        1 => arb_json().prop_map(|j| j.to_string()),
    ]
}

#[test]
fn arbitrary_stored_state_never_panics_upgrade() {
    let subjects: Vec<_> = subjects().into_iter().filter(|s| s.kind == Kind::Resource).collect();
    let svc = service(false);
    let rt = runtime();
    let arms: Vec<BoxedStrategy<(usize, String)>> = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let names = names(&s.schema.block);
            state_document(names).prop_map(move |doc| (i, doc)).boxed()
        })
        .collect();
    let versions = prop_oneof![Just(0i64), -2i64..4, any::<i64>()];
    run("state_arbitrary", 500, (proptest::strategy::Union::new(arms), versions), |((i, doc), version)| {
        let s = &subjects[i];
        let req = pb::upgrade_resource_state::Request {
            type_name: s.name.clone(),
            version,
            raw_state: Some(pb::RawState { json: doc.into_bytes(), ..Default::default() }),
        };
        let resp = rt.block_on(svc.upgrade_resource_state(Request::new(req))).unwrap().into_inner();
        if let Some(dv) = resp.upgraded_state.as_ref() {
            prop_assert!(decode_dynamic(Some(dv), &s.schema.value_type()).is_ok());
        }
        Ok(())
    });
}

#[test]
fn mutated_request_bytes_never_panic_the_validate_handlers() {
    let subjects = subjects();
    let svc = service(false);
    let rt = runtime();
    run("request_mutated", 300, (subject_values(&subjects, |_| true), edits()), |((i, v), edits)| {
        let s = &subjects[i];
        let ty = s.schema.value_type();
        let bytes = apply_edits(encode_dynamic(&v, &ty).unwrap().msgpack, &edits);
        let config = pb::DynamicValue { msgpack: bytes, json: Vec::new() };
        let diags = validate(&rt, &svc, s, Some(config.clone()), false);
        // Bytes that no longer hold a value of the schema's type are refused, not taken as null.
        if decode_dynamic(Some(&config), &ty).is_err() {
            prop_assert!(diags.iter().any(is_error), "{:?}", diags);
        }
        Ok(())
    });
}

/// Null, unknown and absent request values are answered too.
#[test]
fn absent_null_and_unknown_request_values_are_answered() {
    let svc = service(false);
    let rt = runtime();
    for s in subjects() {
        let ty = s.schema.value_type();
        for v in [
            None,
            Some(encode_dynamic(&Value::Null, &ty).unwrap()),
            Some(encode_dynamic(&Value::Unknown, &ty).unwrap()),
        ] {
            let diags = validate(&rt, &svc, &s, v, false);
            assert!(!diags.iter().any(is_error), "{}: {diags:?}", s.name);
        }
    }
}

/// Every attribute and block name of a block, at any depth.
fn names(block: &Block) -> Vec<String> {
    let mut out = Vec::new();
    for a in &block.attributes {
        out.push(a.name.clone());
        if let AttrKind::Nested(n) = &a.kind {
            out.extend(names(&Block { attributes: n.attributes.clone(), ..Block::default() }));
        }
    }
    for b in &block.blocks {
        out.push(b.name.clone());
        out.extend(names(&b.block));
    }
    out
}
