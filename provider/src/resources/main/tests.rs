#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::schema::schema;
use super::validate::validate_config;
use crate::engine::Value;
use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::validate::validate_block;
use crate::resources::aws_formats::net::Cidr;

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
                   "rds": {"master_username": "dblink", "master_password": "Correct-Horse-7"}}
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

/// Numbers are whole and in range, windows and names have AWS's formats, and cross-attribute
/// rules hold: each mistake is an error at its own path (issue 10's list among them).
#[test]
fn numbers_windows_names_and_engines_are_checked_at_their_paths() {
    use serde_json::json;
    let cases = [
        ("/source/1/port", json!(1521.5), "source[1].port"),
        ("/source/1/port", json!(0), "source[1].port"),
        ("/network/amazon_side_asn", json!(1), "network.amazon_side_asn"),
        ("/network/amazon_side_asn", json!(65535), "network.amazon_side_asn"),
        ("/network/amazon_side_asn", json!(4294967295u64), "network.amazon_side_asn"),
        ("/network/availability_zones/1", json!("ap-southeast-2"), "network.availability_zones[1]"),
        ("/target/rds/allocated_storage", json!(20.5), "target.rds.allocated_storage"),
        ("/target/rds/backup_retention_period", json!(99999999999u64), "target.rds.backup_retention_period"),
        ("/target/rds/backup_retention_period", json!(-1), "target.rds.backup_retention_period"),
        ("/target/rds/backup_retention_period", json!(36), "target.rds.backup_retention_period"),
        ("/target/rds/backup_window", json!("03:00-03:10"), "target.rds.backup_window"),
        ("/target/rds/maintenance_window", json!("every sunday"), "target.rds.maintenance_window"),
        ("/target/rds/instance_class", json!("t3.medium"), "target.rds.instance_class"),
        ("/target/rds/engine", json!("oracle-se2"), "target.rds.engine"),
        ("/target/rds/engine", json!("aurora-postgresql"), "target.rds.engine"),
        ("/target/rds/engine_version", json!("latest"), "target.rds.engine_version"),
        ("/target/rds/master_username", json!("1admin"), "target.rds.master_username"),
        ("/target/rds/master_password", json!("short"), "target.rds.master_password"),
        ("/target/rds/master_password", json!("has a space"), "target.rds.master_password"),
        ("/target/database_name", json!("my-db"), "target.database_name"),
        ("/target/engine_name", json!("postgresql"), "target.engine_name"),
        ("/source/0/engine_name", json!("redshift"), "source[0].engine_name"),
        ("/source/0/rds/snapshot_identifier", json!("bad--snap"), "source[0].rds.snapshot_identifier"),
        ("/source/1/server_name", json!("oracle corp"), "source[1].server_name"),
        ("/source/1/extra_connection_attributes", json!("useLogminerReader"), "source[1].extra_connection_attributes"),
        ("/source/1/password_wo_version", json!(1.5), "source[1].password_wo_version"),
        ("/replication_instance/allocated_storage", json!(6145), "replication_instance.allocated_storage"),
        (
            "/replication_instance/replication_instance_class",
            json!("db.t3.medium"),
            "replication_instance.replication_instance_class",
        ),
        ("/replication_instance/engine_version", json!("3.5"), "replication_instance.engine_version"),
        (
            "/replication_instance/preferred_maintenance_window",
            json!("sun:04:00"),
            "replication_instance.preferred_maintenance_window",
        ),
        ("/timeouts/update", json!("10000000000000000000s"), "timeouts.update"),
        ("/timeouts/create", json!("200h"), "timeouts.create"),
    ];
    for (ptr, v, want) in cases {
        let mut j = base();
        if ptr.starts_with("/replication_instance/") {
            j = with(j, "/replication_instance", json!({}));
        }
        if ptr.starts_with("/timeouts/") {
            j = with(j, "/timeouts", json!({}));
        }
        let got = errors(with(j, ptr, v.clone()));
        assert!(got.iter().any(|p| p == want), "{ptr}={v}: {got:?}");
    }
}

#[test]
fn a_backup_window_inside_the_maintenance_window_is_refused() {
    use serde_json::json;
    let j = with(base(), "/target/rds/backup_window", json!("04:00-04:30"));
    let j = with(j, "/target/rds/maintenance_window", json!("sun:03:45-sun:05:00"));
    assert_eq!(errors(j.clone()), ["target.rds.backup_window"]);
    let apart = with(j, "/target/rds/maintenance_window", json!("sun:05:00-sun:05:30"));
    assert!(errors(apart).is_empty());
}

#[test]
fn a_refused_master_password_is_never_quoted() {
    let cfg = config(with(base(), "/target/rds/master_password", serde_json::json!("p@ss word")));
    let mut d = Diagnostics::new();
    validate_block(&schema().block, &cfg, &AttrPath::root(), &mut d);
    validate_config(&cfg, &mut d);
    assert!(d.has_errors());
    assert!(d.iter().all(|x| !x.detail.contains("p@ss") && !x.summary.contains("p@ss")), "{d:?}");
}

#[test]
fn availability_zones_must_be_in_the_provider_region() {
    let cfg = config(base());
    let mut d = Diagnostics::new();
    super::validate::validate_region(&cfg, "ap-southeast-2", &mut d);
    assert!(d.is_empty(), "{d:?}");
    let mut d = Diagnostics::new();
    super::validate::validate_region(&cfg, "us-east-1", &mut d);
    let paths: Vec<String> = d.iter().filter_map(|x| x.path.as_ref().map(ToString::to_string)).collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert_eq!(paths[0], "network.availability_zones[0]");
    // ap-southeast-2a is not in ap-southeast-20 either, and local zones hang off their region.
    let mut d = Diagnostics::new();
    super::validate::validate_region(&cfg, "ap-southeast-20", &mut d);
    assert_eq!(d.0.len(), 3);
    let local = config(with(base(), "/network/availability_zones/0", serde_json::json!("ap-southeast-2-per-1a")));
    let mut d = Diagnostics::new();
    super::validate::validate_region(&local, "ap-southeast-2", &mut d);
    assert!(d.is_empty(), "{d:?}");
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
