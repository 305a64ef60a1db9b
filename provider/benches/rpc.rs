//! `make bench`, in-process section (issue 16 (b)): the provider's own CPU work for the RPCs
//! Terraform sends on every run, measured by criterion in the `bench` profile (release settings):
//!
//! - `GetProviderSchema` through the tonic service (the schema is built once at start; this is the
//!   conversion to protobuf Terraform waits for at every `init`/`plan`/`apply`),
//! - `PlanResourceChange` of the `examples-hcl/terraform-main` stack, as a create (no prior state)
//!   and as a plan with nothing to change (prior state = the applied stack): msgpack decode, the
//!   generic plan, the resource's plan checks, msgpack encode,
//! - the msgpack decode and encode of that stack's state alone.
//!
//! The provider is not configured, as for `terraform validate`: the checks that ask AWS (what RDS
//! and DMS offer in the region, the VPN gateway's connections) are skipped, so these figures are
//! the provider's CPU time, never a round trip. Criterion prints its own report; the medians are
//! also written to `bench/results.md`. Nothing is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// The results file's helpers, shared with the other benchmarks.
#[path = "../../tests/src/bench.rs"]
#[allow(dead_code)]
mod bench_support;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use criterion::Criterion;
use dmslink::engine::provider::Provider;
use dmslink::engine::{Type, Value};
use dmslink::provider_config::ProviderBlock;
use dmslink::resources;
use dmslink::wire::cty::{json, msgpack};
use dmslink::wire::pb::tfplugin6 as pb;
use dmslink::wire::server::ProviderService;
use pb::provider_server::Provider as _;
use tonic::Request;

const MAIN: &str = "dmslink_main";

fn workspace_root() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir.parent().unwrap_or(crate_dir).to_path_buf()
}

fn write_file(path: &Path, contents: &str) {
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// The configuration of `examples-hcl/terraform-main/dms-main.tf` with its variables filled in,
/// as cty JSON (attributes it leaves out are null, as Terraform sends them).
const MAIN_CONFIG: &str = r#"{
  "name": "dblink", "environment": "dev", "dms_vpc_role": "check",
  "network": {
    "vpc_cidr": "10.20.0.0/24",
    "availability_zones": ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"],
    "subnet_cidrs": ["10.20.0.0/26", "10.20.0.64/26", "10.20.0.128/26"],
    "vpn_gateway": true
  },
  "source": [{
    "name": "geodesy", "engine_name": "oracle", "database_name": "GEODESY",
    "username": "app_reader", "password": "source-password-1",
    "rds": { "snapshot_identifier": "geodesy-snapshot", "instance_class": "db.t3.medium" }
  }],
  "target": {
    "database_name": "replica", "username": "replica_admin", "password": "target-password-1",
    "manage_login_secret": true, "secrets_manager_access_role": "create",
    "rds": { "engine": "postgres", "instance_class": "db.t3.medium",
             "master_username": "replica_admin", "master_password": "target-password-1" }
  },
  "replication_instance": { "replication_instance_class": "dms.t3.medium", "allocated_storage": 50 },
  "tags": { "owner": "dblink-owners@example.com" }
}"#;

/// `v` (of type `ty`) with every unknown replaced by a plausible applied value: what the stack's
/// state holds once created (ids and ARNs as strings of AWS's length, numbers, empty collections).
fn applied(v: Value, ty: &Type, path: &str) -> Value {
    match (v, ty) {
        (Value::Unknown, Type::String) => Value::string(format!("{path}-0123456789abcdef0")),
        (Value::Unknown, Type::Number) => Value::int(5432),
        (Value::Unknown, Type::Bool) => Value::Bool(true),
        (Value::Unknown, Type::List(_)) => Value::List(vec![]),
        (Value::Unknown, Type::Set(_)) => Value::Set(vec![]),
        (Value::Unknown, Type::Map(_)) => Value::Map(Default::default()),
        (Value::Unknown, _) => Value::Null,
        (Value::Object(m), Type::Object(types)) => Value::Object(
            m.into_iter()
                .map(|(k, x)| {
                    let t = types.get(&k).cloned().unwrap_or(Type::Dynamic);
                    let x = applied(x, &t, &k);
                    (k, x)
                })
                .collect(),
        ),
        (Value::List(xs), Type::List(t)) => Value::List(xs.into_iter().map(|x| applied(x, t, path)).collect()),
        (Value::Set(xs), Type::Set(t)) => Value::Set(xs.into_iter().map(|x| applied(x, t, path)).collect()),
        (Value::Map(m), Type::Map(t)) => Value::Map(m.into_iter().map(|(k, x)| (k, applied(x, t, path))).collect()),
        (other, _) => other,
    }
}

fn dynamic(bytes: Vec<u8>) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue { msgpack: bytes, json: vec![] })
}

fn plan_request(prior: Vec<u8>, proposed: Vec<u8>, config: Vec<u8>) -> pb::plan_resource_change::Request {
    pb::plan_resource_change::Request {
        type_name: MAIN.to_string(),
        prior_state: dynamic(prior),
        proposed_new_state: dynamic(proposed),
        config: dynamic(config),
        ..Default::default()
    }
}

/// Criterion's median of benchmark `id` (nanoseconds), from the estimates it writes under `dir`.
fn median_ns(dir: &Path, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join(id).join("new").join("estimates.json")).ok()?;
    let doc: serde_json::Value = serde_json::from_str(&text).ok()?;
    doc["median"]["point_estimate"].as_f64()
}

fn figure(ns: Option<f64>) -> String {
    match ns {
        Some(ns) if ns >= 1_000_000.0 => format!("{:.2} ms", ns / 1_000_000.0),
        Some(ns) => format!("{:.1} µs", ns / 1_000.0),
        None => "not measured".to_string(),
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let engine = Arc::new(Provider::new(ProviderBlock, resources::all_resources(), resources::all_data_sources()));
    let service = ProviderService::new(engine.clone());
    let main_type = engine.resource_type(MAIN).expect("dmslink_main is served").clone();

    let config = json::decode_lenient(MAIN_CONFIG.as_bytes(), &main_type).expect("the example's configuration decodes");
    let config_mp = msgpack::encode(&config, &main_type).unwrap();
    let null_mp = msgpack::encode(&Value::Null, &main_type).unwrap();

    // A plan that must come back without errors before it is measured.
    let checked_plan = |what: &str, prior: &[u8], proposed: &[u8]| {
        let request = plan_request(prior.to_vec(), proposed.to_vec(), config_mp.clone());
        let r = runtime.block_on(service.plan_resource_change(Request::new(request))).unwrap().into_inner();
        let problems: Vec<_> = r.diagnostics.iter().filter(|d| d.severity == 1).map(|d| &d.summary).collect();
        assert!(problems.is_empty(), "{what} has errors: {problems:?}");
        r
    };
    // The create plan, then the stack as applied: the state of the no-change plan.
    let created = checked_plan("the example's create plan", &null_mp, &config_mp);
    let planned = msgpack::decode(&created.planned_state.unwrap().msgpack, &main_type).unwrap();
    let state = applied(planned, &main_type, "stack");
    let state_mp = msgpack::encode(&state, &main_type).unwrap();
    checked_plan("the no-change plan", &state_mp, &state_mp);

    let dir = std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target").join("criterion"));
    let mut c = Criterion::default()
        .output_directory(&dir)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    c.bench_function("get_provider_schema", |b| {
        b.iter(|| runtime.block_on(service.get_provider_schema(Request::new(pb::get_provider_schema::Request {}))))
    });
    c.bench_function("plan_main_create", |b| {
        b.iter(|| {
            let r = plan_request(null_mp.clone(), config_mp.clone(), config_mp.clone());
            runtime.block_on(service.plan_resource_change(Request::new(r)))
        })
    });
    c.bench_function("plan_main_no_change", |b| {
        b.iter(|| {
            let r = plan_request(state_mp.clone(), state_mp.clone(), config_mp.clone());
            runtime.block_on(service.plan_resource_change(Request::new(r)))
        })
    });
    c.bench_function("main_state_msgpack_decode", |b| b.iter(|| msgpack::decode(black_box(&state_mp), &main_type)));
    c.bench_function("main_state_msgpack_encode", |b| b.iter(|| msgpack::encode(black_box(&state), &main_type)));
    c.final_summary();

    let rows = [
        ("b1", "`GetProviderSchema` (all schemas to protobuf)", "get_provider_schema"),
        ("b2", "`PlanResourceChange` of the `terraform-main` stack, create", "plan_main_create"),
        ("b3", "`PlanResourceChange` of the same stack, nothing to change", "plan_main_no_change"),
        ("b4", "msgpack decode of its state", "main_state_msgpack_decode"),
        ("b5", "msgpack encode of its state", "main_state_msgpack_encode"),
    ];
    let mut table = String::from("| what | median |\n|---|---:|\n");
    for (key, what, id) in rows {
        let median = figure(median_ns(&dir, id));
        table.push_str(&format!("| {what} | {median} |\n"));
        bench_support::summary_row(key, &format!("in-process {what}"), &median, "");
    }
    let body = format!(
        "The provider's CPU work per RPC, in-process through the tonic service (no socket, no TLS), criterion \
         medians in the `bench` profile (release settings); the provider unconfigured, as for `terraform validate`, \
         so the plan's checks that ask AWS are not in these figures; the state is {} bytes of msgpack; machine: {}\n\n{table}",
        state_mp.len(),
        bench_support::machine(),
    );
    let path = bench_support::write_section("(b) in-process RPCs", &body);
    println!("\n{table}\nwritten to {}", path.display());
}
