#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::schema::schema;
use super::validate::{Cidr, validate_config};
use crate::engine::Value;
use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::validate::validate_block;

/// A config from JSON, with every attribute the JSON leaves out null (as Terraform sends it).
fn config(json: serde_json::Value) -> Value {
    crate::wire::cty::json::decode_lenient(json.to_string().as_bytes(), &schema().value_type()).unwrap()
}

fn base() -> serde_json::Value {
    serde_json::json!({
        "name": "dblink",
        "environment": "dev",
        "network": {
            "vpc_cidr": "10.20.0.0/24",
            "availability_zones": ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"],
            "subnet_cidrs": ["10.20.0.0/26", "10.20.0.64/26", "10.20.0.128/26"]
        },
        "source": [
            {"name": "geodesy", "database_name": "GEO", "username": "dms", "password": "pw",
             "rds": {"snapshot_identifier": "geodesy-snap"}},
            {"name": "onprem", "server_name": "oracle.corp.example", "database_name": "ORCL", "username": "dms", "password": "pw", "port": 1521}
        ],
        "target": {"database_name": "dblink", "username": "dms", "password": "pw",
                   "rds": {"master_username": "dblink", "master_password": "pw"}}
    })
}

fn errors(json: serde_json::Value) -> Vec<String> {
    let cfg = config(json);
    let mut d = Diagnostics::new();
    validate_block(&schema().block, &cfg, &AttrPath::root(), &mut d);
    validate_config(&cfg, &mut d);
    d.iter().filter(|x| x.is_error()).map(|x| x.path.as_ref().map(|p| p.to_string()).unwrap_or_default()).collect()
}

fn with(mut j: serde_json::Value, pointer: &str, v: serde_json::Value) -> serde_json::Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    match j.pointer_mut(parent).unwrap() {
        serde_json::Value::Array(a) => a[key.parse::<usize>().unwrap()] = v,
        other => {
            other.as_object_mut().unwrap().insert(key.to_string(), v);
        }
    }
    j
}

#[test]
fn the_seed_stack_is_valid() {
    assert_eq!(errors(base()), Vec::<String>::new());
}

#[test]
fn main_cidr_mistakes_are_reported_on_the_attribute() {
    use serde_json::json;
    let cases = [
        ("/network/vpc_cidr", json!("10.20.0.0/33"), "network.vpc_cidr"),
        ("/network/vpc_cidr", json!("10.20.0.1/24"), "network.vpc_cidr"),
        ("/network/subnet_cidrs/1", json!("10.30.0.0/26"), "network.subnet_cidrs[1]"),
        ("/network/subnet_cidrs/2", json!("10.20.0.0/25"), "network.subnet_cidrs[2]"),
        ("/network/subnet_cidrs/0", json!("nonsense"), "network.subnet_cidrs[0]"),
        ("/network/subnet_cidrs", json!(["10.20.0.0/26", "10.20.0.64/26"]), "network.subnet_cidrs"),
        ("/network/availability_zones", json!(["ap-southeast-2a"]), "network.availability_zones"),
    ];
    for (ptr, v, want) in cases {
        let got = errors(with(base(), ptr, v.clone()));
        assert!(got.iter().any(|p| p == want), "{ptr}={v}: {got:?}");
    }
}

#[test]
fn main_database_conflicts_are_reported() {
    use serde_json::json;
    let cases = [
        ("/source/1/rds", json!({"snapshot_identifier": "x"}), "source[1].server_name"),
        ("/source/0/rds", json!(null), "source[0]"),
        ("/source/1/name", json!("geodesy"), "source[1].name"),
        (
            "/source/0/rds",
            json!({"snapshot_identifier": "s", "master_username": "u"}),
            "source[0].rds.snapshot_identifier",
        ),
        ("/target/rds", json!({"master_username": "u"}), "target.rds.master_password"),
        (
            "/target/rds",
            json!({"master_username": "u", "master_password": "p", "skip_final_snapshot": true, "final_snapshot_identifier": "f"}),
            "target.rds.final_snapshot_identifier",
        ),
        ("/source/0/rds", json!({"master_username": "u", "master_password": "p"}), "source[0].rds.engine"),
        ("/name", json!("DbLink"), "name"),
        ("/name", json!("a-very-long-stack-name-indeed"), "name"),
        ("/source/1/name", json!("on_prem"), "source[1].name"),
        ("/source/1/port", json!(70000), "source[1].port"),
        ("/source/1/ssl_mode", json!("sometimes"), "source[1].ssl_mode"),
        ("/source/1/password", json!(null), "source[1].password"),
    ];
    for (ptr, v, want) in cases {
        let got = errors(with(base(), ptr, v.clone()));
        assert!(got.iter().any(|p| p == want), "{ptr}={v}: {got:?}");
    }
}

#[test]
fn unknown_values_wait_for_apply() {
    let mut cfg = config(base());
    let mut net = cfg.get("network").clone();
    net.set("subnet_cidrs", Value::Unknown);
    cfg.set("network", net);
    let mut d = Diagnostics::new();
    validate_config(&cfg, &mut d);
    assert!(!d.has_errors(), "{d:?}");
}

/// `password = var.wo ? null : v` beside `password_wo = var.wo ? v : null`: during `terraform
/// validate` both are unknown, which is not a conflict.
#[test]
fn unknown_password_pairs_are_not_conflicts() {
    let mut cfg = config(base());
    let mut target = cfg.get("target").clone();
    target.set("password", Value::Unknown);
    target.set("password_wo", Value::Unknown);
    let mut rds = target.get("rds").clone();
    rds.set("master_password", Value::Unknown);
    rds.set("master_password_wo", Value::Unknown);
    target.set("rds", rds);
    cfg.set("target", target);
    let mut d = Diagnostics::new();
    validate_config(&cfg, &mut d);
    assert!(!d.has_errors(), "{d:?}");
}

#[test]
fn cidr_arithmetic() {
    let vpc = Cidr::parse("10.20.0.0/24").unwrap();
    assert!(vpc.contains(Cidr::parse("10.20.0.192/26").unwrap()));
    assert!(!vpc.contains(Cidr::parse("10.20.1.0/26").unwrap()));
    assert!(Cidr::parse("10.20.0.0/25").unwrap().overlaps(Cidr::parse("10.20.0.64/26").unwrap()));
    assert!(!Cidr::parse("10.20.0.0/26").unwrap().overlaps(Cidr::parse("10.20.0.64/26").unwrap()));
    assert!(Cidr::parse("256.0.0.0/8").is_err());
}

#[test]
fn desired_stack_resolves_defaults_and_names() {
    let cfg = config(base());
    let stack = super::desired::read(&cfg, &cfg);
    assert_eq!(stack.prefix(), "dblink-dev");
    assert_eq!(stack.sources.len(), 2);
    assert_eq!(stack.sources[1].port, 1521);
    assert_eq!(stack.target.port, 5432);
    let target_rds = stack.target.rds.as_ref().unwrap();
    assert!(!target_rds.skip_final_snapshot && !target_rds.deletion_protection, "a final snapshot by default");
    assert_eq!(stack.database_id(&stack.sources[0]), "dblink-dev-src-geodesy");
    assert_eq!(stack.database_id(&stack.target), "dblink-dev-tgt");
    assert!(stack.network.vpn_gateway && stack.network.vpn_route_propagation);

    let prod = config(with(base(), "/environment", serde_json::json!("prod")));
    let stack = super::desired::read(&prod, &prod);
    let tags = stack.child_tags(&Default::default(), super::naming::kind::VPC, &stack.vpc_name());
    assert!(super::naming::owned_by(&tags, &stack, super::naming::kind::VPC));
    assert_eq!(tags.get("Name").map(String::as_str), Some("dblink-prod-vpc"));
}

/// `staging`, `uat` and `live` lost their data under the old rule (final snapshots only for
/// environments starting with `p`); nothing depends on the spelling of `environment` now.
#[test]
fn no_data_safety_default_is_inferred_from_the_environment() {
    for env in ["dev", "staging", "uat", "live", "prod", "production", "p"] {
        let cfg = config(with(base(), "/environment", serde_json::json!(env)));
        let stack = super::desired::read(&cfg, &cfg);
        for db in stack.databases().filter(|d| d.rds.is_some()) {
            let r = db.rds.as_ref().unwrap();
            assert!(!r.skip_final_snapshot, "{env}: {} skips its final snapshot", db.name);
            assert!(!r.deletion_protection, "{env}: {} has deletion protection by default", db.name);
        }
    }
    // Set explicitly, each applies to its own database only.
    let mut j = base();
    j["target"]["rds"]["skip_final_snapshot"] = serde_json::json!(true);
    j["source"][0]["rds"]["deletion_protection"] = serde_json::json!(true);
    let cfg = config(j);
    let stack = super::desired::read(&cfg, &cfg);
    let (src, tgt) = (stack.sources[0].rds.as_ref().unwrap(), stack.target.rds.as_ref().unwrap());
    assert!(tgt.skip_final_snapshot && !tgt.deletion_protection);
    assert!(!src.skip_final_snapshot && src.deletion_protection);
}

/// The schema says the defaults, and says nothing about `environment` deciding them.
#[test]
fn data_safety_defaults_are_documented_without_environment_rules() {
    let s = schema();
    let rds = s.block.nested_block("target").unwrap().block.nested_block("rds").unwrap();
    for attr in ["skip_final_snapshot", "deletion_protection"] {
        let a = rds.block.attribute(attr).unwrap();
        assert_eq!(a.default, Some(Value::Bool(false)), "{attr}");
        assert!(a.description.contains("unless set to true") || a.description.contains("Unless it is set to true"));
        assert!(!a.description.contains("starts with `p`"), "{attr}: {}", a.description);
    }
    let env = s.block.attribute("environment").unwrap();
    assert!(!env.description.contains("prod") && !env.description.contains("starting with"), "{}", env.description);
    let fsi = rds.block.attribute("final_snapshot_identifier").unwrap();
    assert!(fsi.description.contains("YYYYMMDDtHHMMSSz"), "{}", fsi.description);
}

#[test]
fn final_snapshot_ids_are_unique_lower_case_rds_identifiers() {
    use super::naming::{SNAPSHOT_ID_MAX, final_snapshot_id};
    use chrono::TimeZone;
    let at = chrono::Utc.with_ymd_and_hms(2026, 12, 2, 15, 45, 0).unwrap();
    assert_eq!(final_snapshot_id("dblink-dev-tgt", at, 1), "dblink-dev-tgt-20261202t154500z");
    assert_eq!(final_snapshot_id("Prod-Keep", at, 1), "prod-keep-20261202t154500z");
    assert_eq!(final_snapshot_id("dblink-dev-tgt", at, 2), "dblink-dev-tgt-20261202t154500z-2");
    let later = at + chrono::Duration::seconds(1);
    assert_ne!(final_snapshot_id("db", at, 1), final_snapshot_id("db", later, 1));
    // A base at the limit is shortened, and a cut never leaves `--`.
    for base in ["a".repeat(255), format!("{}-{}", "a".repeat(237), "b".repeat(17)), format!("{}-b", "a".repeat(237))] {
        for attempt in [1, 2, 12] {
            let id = final_snapshot_id(&base, at, attempt);
            assert!(id.len() <= SNAPSHOT_ID_MAX, "{} chars: {id}", id.len());
            assert!(!id.contains("--") && !id.ends_with('-') && id.starts_with('a'), "{id}");
            assert!(id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{id}");
        }
    }
}
