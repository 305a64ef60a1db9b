//! One build for everything: the provider binary that `make demo` and the acceptance harness build
//! (`cargo build -p terraform-provider-dmslink --bin terraform-provider-dmslink --features fakes`, see
//! `tests/src/provider.rs`) must be made of exactly the compilation units that `cargo test --workspace`
//! (`make test`) builds anyway, and the demo's own build must compile no dependency a second way.
//! Otherwise a newcomer's `make demo` then `make test` compiles the AWS SDK crates (minutes each on
//! two cores) once per feature set.
//!
//! The usual cause is a dev-dependency that turns on a feature of a crate below the SDK (proptest
//! turned on getrandom's `std`, which changed aws-sigv4 and with it every SDK crate); the fix is to
//! give the provider's normal dependencies the same feature (see `provider/Cargo.toml`).
//!
//! Cargo prints its unit graph (every unit with its features, profile and dependencies, without
//! building anything) only behind `-Z unstable-options`; `RUSTC_BOOTSTRAP=1` allows that on a stable
//! toolchain for this one read-only query.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::Duration;

use dmslink_acctest::{run_with_timeout, workspace_root};
use serde_json::Value;

/// The unit graph cargo would build for `args`.
fn unit_graph(args: &[&str]) -> Vec<Value> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let mut cmd = Command::new(cargo);
    cmd.args(args)
        .arg("--manifest-path")
        .arg(workspace_root().join("Cargo.toml"))
        .args(["--unit-graph", "-Z", "unstable-options"])
        .env("RUSTC_BOOTSTRAP", "1");
    let out = run_with_timeout(cmd, Duration::from_secs(5 * 60));
    assert!(out.success(), "cargo {args:?} --unit-graph failed:\n{}", out.describe());
    let doc: Value = serde_json::from_str(out.stdout.trim())
        .unwrap_or_else(|e| panic!("cargo {args:?} --unit-graph printed no JSON ({e}):\n{}", out.describe()));
    doc["units"].as_array().cloned().unwrap_or_else(|| panic!("cargo {args:?}: no units in {doc}"))
}

/// A unit as the compiler sees it, without its dependencies: package, target, mode, features and
/// profile settings (the profile's name is left out: cargo shares the `dev` units with `test`).
fn own_identity(unit: &Value) -> String {
    let mut profile = unit["profile"].clone();
    if let Some(p) = profile.as_object_mut() {
        p.remove("name");
    }
    let mut features: Vec<&str> = unit["features"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    features.sort();
    format!(
        "{} {} {} {} [{}] {}",
        unit["pkg_id"].as_str().unwrap().rsplit('#').next().unwrap_or_default(),
        unit["target"]["name"].as_str().unwrap(),
        unit["target"]["kind"],
        unit["mode"].as_str().unwrap(),
        features.join(","),
        profile
    )
}

/// Each unit's identity including, recursively, its dependencies' (what decides whether cargo can
/// reuse an artifact), mapped to its own identity for messages.
fn identities(units: &[Value]) -> BTreeMap<String, String> {
    fn full(i: usize, units: &[Value], memo: &mut Vec<Option<String>>) -> String {
        if let Some(done) = &memo[i] {
            return done.clone();
        }
        let mut deps: Vec<String> = units[i]["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| full(d["index"].as_u64().unwrap() as usize, units, memo))
            .collect();
        deps.sort();
        let id = format!("{} <- ({})", own_identity(&units[i]), deps.join(", "));
        memo[i] = Some(id.clone());
        id
    }
    let mut memo = vec![None; units.len()];
    (0..units.len()).map(|i| (full(i, units, &mut memo), own_identity(&units[i]))).collect()
}

/// The units of `small` that `big` does not build the same way, with their root causes (the units
/// whose own package, features or profile differ, rather than only a dependency).
fn missing(small: &[Value], big: &[Value]) -> (Vec<String>, Vec<String>) {
    let big_full = identities(big);
    let big_own: BTreeSet<&String> = big_full.values().collect();
    let mut rebuilt = BTreeSet::new();
    let mut causes = BTreeSet::new();
    for (full, own) in identities(small) {
        if !big_full.contains_key(&full) {
            rebuilt.insert(own.clone());
            if !big_own.contains(&own) {
                causes.insert(own);
            }
        }
    }
    (rebuilt.into_iter().collect(), causes.into_iter().collect())
}

fn assert_contained(what: &str, small: &[Value], big: &[Value]) {
    let (rebuilt, causes) = missing(small, big);
    assert!(
        rebuilt.is_empty(),
        "{what}: {} units would be compiled again, among them {:?}.\nUnits whose own features or profile differ \
         (give the provider's dependencies the same features, see provider/Cargo.toml):\n  {}",
        rebuilt.len(),
        rebuilt
            .iter()
            .filter(|u| u.starts_with("aws-sdk-"))
            .map(|u| u.split(' ').next().unwrap_or(u))
            .collect::<Vec<_>>(),
        causes.join("\n  ")
    );
}

#[test]
fn make_test_after_make_demo_compiles_no_dependency_again() {
    let binary = unit_graph(&[
        "build",
        "-p",
        "terraform-provider-dmslink",
        "--bin",
        "terraform-provider-dmslink",
        "--features",
        dmslink_acctest::PROVIDER_FEATURES,
    ]);
    let workspace_tests = unit_graph(&["test", "--workspace", "--no-run"]);
    let demo = unit_graph(&["build", "-p", "dmslink-acctest", "--example", "demo"]);
    assert!(
        binary.iter().any(|u| u["pkg_id"].as_str().is_some_and(|p| p.contains("aws-sdk-ec2"))),
        "the provider binary's unit graph has no aws-sdk-ec2: this check no longer looks at the SDK"
    );
    assert_contained(
        "the provider binary (make demo, the acceptance harness) against cargo test --workspace",
        &binary,
        &workspace_tests,
    );
    // The demo example itself uses the SDK (the harness's DMS client, the provider's library): those
    // crates must be the very ones the provider binary is built with, not a second copy.
    let binary_full = identities(&binary);
    let clashing: Vec<String> = identities(&demo)
        .into_iter()
        .filter(|(full, own)| own.starts_with("aws-sdk-") && !binary_full.contains_key(full))
        .map(|(_, own)| own)
        .collect();
    assert!(
        clashing.is_empty(),
        "the demo's build compiles these SDK crates another way than the provider binary: {clashing:#?}"
    );
}
