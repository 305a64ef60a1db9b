//! Target: the JSON documents of `dmslink_repltask` (`table_mappings`, `replication_task_settings`)
//! and the functions that compare and project them (`resources::json_doc`), which decide whether a
//! plan shows a diff and what a refresh stores. Any text never panics; key order and spacing never
//! change a result; the projection a refresh stores is stable (projecting it again changes
//! nothing), so the stored value never flips between refreshes.

use proptest::prelude::*;
use serde_json::Value as J;

use super::inputs::{arb_json, arb_string, json_text, table_mappings_text};
use super::run;
use crate::resources::json_doc;

/// Renders `j` with the keys of every object in a shuffled order (by `seed`) and random spacing.
fn respell(j: &J, seed: u64, pretty: bool) -> String {
    fn shuffle(j: &J, seed: &mut u64) -> J {
        match j {
            J::Object(m) => {
                let mut kv: Vec<(&String, &J)> = m.iter().collect();
                // A cheap deterministic permutation.
                for i in (1..kv.len()).rev() {
                    *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    kv.swap(i, (*seed >> 33) as usize % (i + 1));
                }
                J::Object(kv.into_iter().map(|(k, v)| (k.clone(), shuffle(v, seed))).collect())
            }
            J::Array(xs) => J::Array(xs.iter().map(|x| shuffle(x, seed)).collect()),
            other => other.clone(),
        }
    }
    let mut s = seed;
    let shuffled = shuffle(j, &mut s);
    if pretty { serde_json::to_string_pretty(&shuffled).unwrap() } else { format!(" {shuffled}\n") }
}

/// Task settings in DMS's shape: sections of scalars and `LogComponents`-style arrays of objects
/// with an `Id`, from a small set of names so that user and remote documents overlap.
fn settings() -> BoxedStrategy<J> {
    let name = || prop::sample::select(vec!["Logging", "FullLoadSettings", "TargetMetadata", "ErrorBehavior"]);
    let key = || prop::sample::select(vec!["EnableLogging", "MaxFullLoadSubTasks", "CommitRate", "TargetSchema", "Id"]);
    let id = prop::sample::select(vec!["SOURCE_UNLOAD", "TARGET_LOAD", "TASK_MANAGER", "SOURCE_CAPTURE"]);
    let scalar =
        prop_oneof![any::<bool>().prop_map(J::from), (0i64..20).prop_map(J::from), "[a-z]{0,3}".prop_map(J::from)];
    let component =
        (id, prop::option::of(prop::sample::select(vec!["LOGGER_SEVERITY_DEBUG", "LOGGER_SEVERITY_DEFAULT"])))
            .prop_map(|(id, sev)| {
                let mut m = serde_json::Map::new();
                m.insert("Id".into(), J::from(id));
                if let Some(s) = sev {
                    m.insert("Severity".into(), J::from(s));
                }
                J::Object(m)
            });
    let value = prop_oneof![
        3 => scalar,
        2 => prop::collection::vec(component, 0..4).prop_map(J::Array),
        1 => arb_json(),
    ];
    let section = prop::collection::vec((key(), value), 0..4)
        .prop_map(|kv| J::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()));
    let section = prop_oneof![4 => section, 1 => arb_json()];
    prop::collection::vec((name(), section), 0..4)
        .prop_map(|kv| J::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
        .boxed()
}

fn any_doc() -> BoxedStrategy<String> {
    prop_oneof![
        2 => settings().prop_map(|j| j.to_string()),
        1 => table_mappings_text(),
        1 => json_text(),
        1 => arb_string(),
    ]
    .boxed()
}

#[test]
fn json_doc_functions_never_panic_on_any_text() {
    run("json_doc_any_text", 2000, (any_doc(), any_doc()), |(a, b)| {
        let _ = json_doc::parse(&a);
        prop_assert!(json_doc::semantically_equal(&a, &a));
        prop_assert_eq!(json_doc::semantically_equal(&a, &b), json_doc::semantically_equal(&b, &a));
        let _ = json_doc::user_keys_match(&a, &b);
        let _ = json_doc::projected_text(&a, &b);
        Ok(())
    });
}

#[test]
fn key_order_and_spacing_never_change_a_result() {
    let docs = prop_oneof![settings(), arb_json()];
    let inputs = (docs.clone(), docs, any::<u64>(), any::<u64>(), any::<bool>());
    run("json_doc_respelled", 2000, inputs, |(u, r, s1, s2, pretty)| {
        let (u_text, r_text) = (u.to_string(), r.to_string());
        let (u2, r2) = (respell(&u, s1, pretty), respell(&r, s2, !pretty));
        prop_assert!(json_doc::semantically_equal(&u_text, &u2));
        prop_assert_eq!(json_doc::semantically_equal(&u_text, &r_text), json_doc::semantically_equal(&u2, &r2));
        prop_assert_eq!(json_doc::user_keys_match(&u_text, &r_text), json_doc::user_keys_match(&u2, &r2));
        let p1 = json_doc::projected_text(&u_text, &r_text).unwrap();
        let p2 = json_doc::projected_text(&u2, &r2).unwrap();
        prop_assert!(json_doc::semantically_equal(&p1, &p2), "{} vs {}", p1, p2);
        Ok(())
    });
}

#[test]
fn a_document_matches_itself() {
    run("json_doc_self", 2000, prop_oneof![settings(), arb_json()], |u| {
        let text = u.to_string();
        prop_assert!(json_doc::user_keys_match(&text, &text), "{}", text);
        Ok(())
    });
}

/// A refresh stores `projected_text(mine, remote)` when the two differ; the next refresh then
/// compares that stored text with the same remote document, and must find it matching.
#[test]
fn the_stored_projection_is_stable() {
    run("json_doc_projection_stable", 2000, (settings(), settings()), |(u, r)| {
        let (u_text, r_text) = (u.to_string(), r.to_string());
        let p = json_doc::projected_text(&u_text, &r_text).unwrap();
        prop_assert!(json_doc::user_keys_match(&p, &r_text), "user {} remote {} stored {}", u_text, r_text, p);
        prop_assert_eq!(json_doc::projected_text(&p, &r_text), Some(p));
        Ok(())
    });
}
