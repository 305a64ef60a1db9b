//! The `dmslink_main` data source and `terraform import dmslink_main` against the linked fakes: a
//! stack made by the resource's create is found again, with every attribute, and nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use crate::aws::dms::DmsApi;
use crate::aws::fake::FakeWorld;
use crate::engine::diag::AttrPath;
use crate::engine::provider::{PlanResult, Provider};
use crate::engine::{Mode, Value};
use crate::provider_config::Configured;
use crate::resources::main::schema::schema as main_schema;
use crate::resources::main::test_bed::{self, MAIN, plan, world};

/// The provider as Terraform drives it over the bed's world with `dms-vpc-role`. It does not know
/// its account (skipped credential validation), which the subnet group's tag lookup must cope with.
fn provider(w: &FakeWorld) -> Provider<Configured> {
    test_bed::provider(w, |c| c.account_id = None)
}

/// Two sources (an RDS restore and an on-premises server) in `order`; write-only secrets, which a
/// state never holds, so an imported state can match the plan exactly.
fn stack_config(order: &[&str]) -> Value {
    let source = |name: &str| match name {
        "geodesy" => serde_json::json!({"name": "geodesy", "database_name": "GEO", "username": "dms",
            "password_wo": "source-pw-123", "rds": {"snapshot_identifier": "geodesy-snap", "master_password_wo": "master-pw-123"}}),
        _ => serde_json::json!({"name": name, "server_name": format!("{name}.corp.example"), "database_name": "ORCL",
            "username": "dms", "password_wo": "source-pw-123", "port": 1521}),
    };
    let json = serde_json::json!({
        "name": "dblink",
        "environment": "dev",
        "tags": {"app": "dblink"},
        "network": {
            "vpc_cidr": "10.20.0.0/24",
            "availability_zones": ["us-east-1a", "us-east-1b", "us-east-1c"],
            "subnet_cidrs": ["10.20.0.0/26", "10.20.0.64/26", "10.20.0.128/26"]
        },
        "source": order.iter().map(|n| source(n)).collect::<Vec<_>>(),
        "target": {"database_name": "dblink", "username": "dms", "password_wo": "target-pw-123",
                   "rds": {"master_username": "dblink", "master_password_wo": "master-pw-123"}},
        "replication_instance": {"replication_instance_class": "dms.t3.medium"}
    });
    test_bed::config(json)
}

async fn create(p: &Provider<Configured>, config: &Value) -> Value {
    let planned = plan(p, &Value::Null, config).await;
    assert!(planned.diags.is_empty(), "{:?}", planned.diags);
    let (state, diags) = p.apply_resource_change(MAIN, &Value::Null, &planned.planned, config).await;
    assert!(!diags.has_errors(), "{diags:?}");
    state
}

fn lookup_config(name: &str, environment: Option<&str>) -> Value {
    let mut v = Value::null_object(&super::schema::schema().value_type());
    v.set("name", Value::string(name));
    v.set("environment", Value::opt_string(environment));
    v
}

fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |cur, p| match p.parse::<usize>() {
        Ok(i) => cur.as_elements().and_then(|e| e.get(i)).unwrap_or(&Value::Null),
        Err(_) => cur.get(p),
    })
}

/// Paths where two values differ, for readable failures.
fn differences(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                differences(va, y.get(k).unwrap_or(&Value::Null), &format!("{path}.{k}"), out);
            }
        }
        (Value::List(x), Value::List(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                differences(va, vb, &format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push(format!("{path}: {a:?} vs {b:?}")),
        _ => {}
    }
}

#[tokio::test(start_paused = true)]
async fn data_source_returns_every_attribute_of_a_created_stack() {
    let w = world(true);
    let p = provider(&w);
    let created = create(&p, &stack_config(&["onprem", "geodesy"])).await;
    w.dms.clear_calls();
    // Neither a stray endpoint with the stack's naming nor another stack's source is returned.
    w.dms.add_endpoint("dblink-dev-src-stray", "source", "oracle");
    let other = w.dms.add_endpoint("dblink-dev-src-other", "source", "oracle");
    let foreign = BTreeMap::from([
        ("dmslink:stack".to_string(), "dblink-prod".to_string()),
        ("dmslink:resource".to_string(), "endpoint".to_string()),
    ]);
    w.dms.add_tags(&other.arn, &foreign).await.unwrap();

    let (got, diags) = p.read_data_source(MAIN, &lookup_config("dblink", Some("dev"))).await;
    assert!(diags.is_empty(), "{diags:?}");
    assert!(got.is_wholly_known());
    // Every id the resource computes too, by the same name.
    let (resource, lookup) = (main_schema().block, super::schema::schema().block);
    let shared: Vec<&str> = lookup
        .attributes
        .iter()
        .filter(|a| resource.attribute(&a.name).is_some_and(|r| r.mode == Mode::Computed))
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(shared.len(), 9, "{shared:?}");
    for a in shared {
        assert_eq!(got.get(a), created.get(a), "{a}");
    }
    assert!(got.get("vpn_gateway_id").as_str().is_some() && got.get("internet_gateway_id").is_null());
    assert!(got.get("replication_subnet_group_id").as_str().is_some(), "found through the ARN's account");
    assert_eq!(at(&got, "vpc_cidr").as_str(), Some("10.20.0.0/24"));
    assert_eq!(at(&got, "replication_instance_class").as_str(), Some("dms.t3.medium"));
    assert_eq!(got.get("tags").string_map(), created.get("tags_all").string_map());
    assert_eq!(got.get("tags").string_map().len(), 2, "no Name, no ownership tags");

    let target = got.get("target");
    for a in ["endpoint_arn", "address", "db_instance_identifier", "port", "database_name", "engine_name"] {
        assert_eq!(target.get(a), created.get("target").get(a), "target.{a}");
    }
    assert_eq!(at(target, "db_instance_identifier").as_str(), Some("dblink-dev-tgt"));
    assert_eq!(at(target, "engine_name").as_str(), Some("postgres"));
    assert_eq!(at(target, "port").as_i64(), Some(5432));

    // Sources in name order, whatever the configuration's order.
    let names: Vec<&str> =
        got.get("source").as_elements().unwrap().iter().map(|s| s.get("name").as_str().unwrap()).collect();
    assert_eq!(names, ["geodesy", "onprem"]);
    for (i, j) in [(0, 1), (1, 0)] {
        let (s, c) = (at(&got, &format!("source.{i}")), at(&created, &format!("source.{j}")));
        assert_eq!(s.get("name"), c.get("name"));
        for a in ["endpoint_arn", "address", "db_instance_identifier", "port", "database_name", "engine_name"] {
            assert_eq!(s.get(a), c.get(a), "source[{i}].{a}");
        }
    }
    assert_eq!(at(&got, "source.0.db_instance_identifier").as_str(), Some("dblink-dev-src-geodesy"));
    assert!(at(&got, "source.0.address").as_str().is_some());
    assert_eq!(at(&got, "source.1.address").as_str(), Some("onprem.corp.example"));
    assert!(at(&got, "source.1.db_instance_identifier").is_null());
    assert_eq!(at(&got, "source.1.engine_name").as_str(), Some("oracle"));
    assert_eq!(at(&got, "source.1.port").as_i64(), Some(1521));
    assert_eq!(at(&got, "source.1.database_name").as_str(), Some("ORCL"));
    let arns = got.get("source_endpoint_arns").string_map();
    assert_eq!(arns.keys().collect::<Vec<_>>(), ["geodesy", "onprem"]);
    assert_eq!(Some(arns["geodesy"].as_str()), at(&got, "source.0.endpoint_arn").as_str());

    // The data source only reads.
    assert!(w.dms.calls().iter().all(|c| !c.starts_with("create_") && !c.starts_with("modify_")));
}

#[tokio::test(start_paused = true)]
async fn data_source_for_a_missing_stack_says_what_it_looked_for() {
    let w = world(true);
    let p = provider(&w);
    create(&p, &stack_config(&["geodesy"])).await;
    for (name, env, prefix, said) in
        [("dblink", Some("prod"), "dblink-prod", "environment \"prod\""), ("dblink", None, "dblink", "no environment")]
    {
        let (got, d) = p.read_data_source(MAIN, &lookup_config(name, env)).await;
        assert!(got.is_null());
        let e = d.iter().next().unwrap();
        assert!(e.is_error());
        assert_eq!(e.path, Some(AttrPath::attr("name")));
        assert!(e.summary.contains(prefix), "{e:?}");
        assert!(e.detail.contains(said), "{e:?}");
        assert!(e.detail.contains(&format!("dmslink:stack = {prefix}")), "{e:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn import_finds_the_sources_and_the_next_plan_is_clean() {
    let w = world(true);
    let p = provider(&w);
    let config = stack_config(&["geodesy", "onprem"]);
    let created = create(&p, &config).await;

    let (imported, diags) = p.import_resource_state(MAIN, "dblink/dev").await;
    assert!(diags.is_empty(), "{diags:?}");
    let (state, diags) = p.read_resource(MAIN, &imported.unwrap()).await;
    assert!(diags.is_empty(), "{diags:?}");
    assert!(state.is_wholly_known());
    for i in 0..2 {
        let (s, c) = (at(&state, &format!("source.{i}")), at(&created, &format!("source.{i}")));
        for a in ["name", "endpoint_arn", "address", "db_instance_identifier", "server_name"] {
            assert_eq!(s.get(a), c.get(a), "source[{i}].{a}");
        }
    }
    assert_eq!(at(&state, "source.0.rds.snapshot_identifier").as_str(), Some("geodesy-snap"));

    let PlanResult { planned, requires_replace, diags } = plan(&p, &state, &config).await;
    assert!(diags.is_empty(), "{diags:?}");
    assert!(requires_replace.is_empty(), "{requires_replace:?}");
    let mut diff = Vec::new();
    differences(&planned, &state, "", &mut diff);
    assert_eq!(diff, Vec::<String>::new());

    // Nothing to do at apply either: every child is adopted as it is.
    w.dms.clear_calls();
    w.rds.clear_calls();
    let (_, diags) = p.apply_resource_change(MAIN, &state, &planned, &config).await;
    assert!(!diags.has_errors(), "{diags:?}");
    assert!(!w.rds.calls().iter().any(|c| c.starts_with("create_") || c.starts_with("restore_")));
    assert!(!w.dms.calls().iter().any(|c| c.starts_with("create_")), "{:?}", w.dms.calls());
    assert_eq!(w.dms.endpoint_count(), 3);
}
