//! The one test bed of the `dmslink_main` unit tests: the fake world (three AZs, the source
//! snapshot, `dms-vpc-role` when asked), a context over it or the provider as Terraform drives it,
//! the seed stack's configuration, and the plan helpers the tests share.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::Main;
use super::schema::schema;
use crate::aws::fake::FakeWorld;
use crate::engine::diag::Diagnostics;
use crate::engine::provider::{PlanResult, Provider};
use crate::engine::schema::{Block, Nesting};
use crate::engine::{ApplyOutcome, Resource, Value};
use crate::provider_config::Configured;
use crate::resources::{Ctx, PlanDraft};

pub const PREFIX: &str = "dblink-dev";
pub const MAIN: &str = "dmslink_main";

/// The ids of the network children a plan keeps from the prior state.
pub const NETWORK_IDS: [&str; 6] =
    ["vpc_id", "subnet_ids", "route_table_ids", "security_group_id", "vpn_gateway_id", "db_subnet_group_name"];
/// The other computed top-level attributes a plan keeps from the prior state.
pub const STACK_IDS: [&str; 4] =
    ["replication_subnet_group_id", "replication_instance_arn", "dms_vpc_role_created", "tags_all"];

/// The fakes in us-east-1 with three AZs and the snapshot `geodesy-snap`; `dms-vpc-role` exists
/// when `with_role`.
pub fn world(with_role: bool) -> FakeWorld {
    let w = FakeWorld::new();
    w.ec2.set_availability_zones(&["us-east-1a", "us-east-1b", "us-east-1c"]);
    w.rds.add_snapshot("geodesy-snap", "oracle-se2", "admin", 100);
    if with_role {
        w.iam.add_dms_vpc_role();
    }
    w
}

/// The provider's configuration over `w`: us-east-1, account 123456789012, default tag `team = data`.
pub fn configured(w: &FakeWorld) -> Configured {
    let mut c = Configured::new(w.clients(), "us-east-1");
    c.account_id = Some("123456789012".into());
    c.default_tags = BTreeMap::from([("team".to_string(), "data".to_string())]);
    c
}

/// The provider as Terraform drives it (plan, apply, read, import) over `w`, configured as
/// [`configured`] with `adjust` applied.
pub fn provider(w: &FakeWorld, adjust: impl FnOnce(&mut Configured)) -> Provider<Configured> {
    let mut c = configured(w);
    adjust(&mut c);
    let p = Provider::new(
        crate::provider_config::ProviderBlock,
        crate::resources::all_resources(),
        crate::resources::all_data_sources(),
    );
    p.set_configured(c);
    p
}

/// The world and a context over it, for calling [`Main`] directly.
pub struct Bed {
    pub w: FakeWorld,
    pub ctx: Ctx,
}

pub fn bed(with_role: bool) -> Bed {
    let w = world(with_role);
    let provider = Arc::new(configured(&w));
    Bed { w, ctx: Ctx { provider, cancel: CancellationToken::new() } }
}

impl Bed {
    pub async fn create(&self, cfg: &Value) -> ApplyOutcome {
        Main.create(&self.ctx, &planned(cfg), cfg).await
    }
    /// The seeded stack: the stack of `json` created; its state, whatever the create said.
    pub async fn stack(&self, json: &serde_json::Value) -> Value {
        self.create(&config(json.clone())).await.state
    }
    /// The seed stack with an RDS source, created (its state), and its JSON with that source
    /// restored from another snapshot, `geodesy-snap-2`: a change that replaces just that database.
    pub async fn stack_and_resnapshot(&self) -> (Value, serde_json::Value) {
        self.w.rds.add_snapshot("geodesy-snap-2", "oracle-se2", "admin", 100);
        let mut j = stack_json("check", true);
        let prior = self.stack(&j).await;
        j["source"][0]["rds"]["snapshot_identifier"] = serde_json::json!("geodesy-snap-2");
        (prior, j)
    }
    /// The stack of `cfg` created without an error; its state.
    pub async fn created(&self, cfg: &Value) -> Value {
        let out = self.create(cfg).await;
        assert_eq!(errors(&out.diags), Vec::<String>::new());
        out.state
    }
    /// VPCs, RDS instances, replication instances, endpoints.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        (self.w.ec2.vpc_count(), self.w.rds.instance_count(), self.w.dms.instance_count(), self.w.dms.endpoint_count())
    }
    /// Forgets the calls every fake has seen so far.
    pub fn clear_calls(&self) {
        self.w.ec2.clear_calls();
        self.w.rds.clear_calls();
        self.w.dms.clear_calls();
        self.w.iam.clear_calls();
    }
}

/// A configuration from JSON, with every attribute the JSON leaves out null.
pub fn config(json: serde_json::Value) -> Value {
    crate::wire::cty::json::decode_lenient(json.to_string().as_bytes(), &schema().value_type()).unwrap()
}

/// The seed stack: two sources (`geodesy`, an RDS restore of `geodesy-snap` when `rds_source`,
/// else a server; `onprem`, a server) and an RDS target, in three AZs.
pub fn stack_json(role: &str, rds_source: bool) -> serde_json::Value {
    let geodesy = if rds_source {
        serde_json::json!({"name": "geodesy", "database_name": "GEO", "username": "dms", "password": "src-pw",
                           "rds": {"snapshot_identifier": "geodesy-snap", "master_password": "master-pw"}})
    } else {
        serde_json::json!({"name": "geodesy", "server_name": "geodesy.corp.example", "database_name": "GEO",
                           "username": "dms", "password": "src-pw"})
    };
    serde_json::json!({
        "name": "dblink",
        "environment": "dev",
        "dms_vpc_role": role,
        "tags": {"app": "dblink"},
        "network": {
            "vpc_cidr": "10.20.0.0/24",
            "availability_zones": ["us-east-1a", "us-east-1b", "us-east-1c"],
            "subnet_cidrs": ["10.20.0.0/26", "10.20.0.64/26", "10.20.0.128/26"]
        },
        "source": [
            geodesy,
            {"name": "onprem", "server_name": "oracle.corp.example", "database_name": "ORCL", "username": "dms",
             "password": "src-pw", "port": 1521}
        ],
        "target": {"database_name": "dblink", "username": "dms", "password": "tgt-pw",
                   "rds": {"master_username": "dblink", "master_password": "master-pw"}}
    })
}

/// The planned value of a create: the config with `tags_all` and every computed attribute unknown.
pub fn planned(cfg: &Value) -> Value {
    let mut p = cfg.clone();
    p.set(
        "tags_all",
        Value::from_string_map(&BTreeMap::from([
            ("team".to_string(), "data".to_string()),
            ("app".to_string(), "dblink".to_string()),
        ])),
    );
    let more =
        ["internet_gateway_id", "replication_subnet_group_id", "replication_instance_arn", "dms_vpc_role_created"];
    for a in NETWORK_IDS.into_iter().chain(more) {
        p.set(a, Value::Unknown);
    }
    p
}

/// `to` with the top-level attributes `attrs` of `prior`.
pub fn keep(to: &mut Value, prior: &Value, attrs: &[&str]) {
    for a in attrs {
        to.set(a, prior.get(a).clone());
    }
}

/// Terraform's proposed new state: the configuration, with computed attributes the configuration
/// leaves null taken from the prior state (block list elements paired by index).
pub fn proposed(block: &Block, prior: &Value, config: &Value) -> Value {
    if config.is_null() {
        return Value::Null;
    }
    let mut out = config.clone();
    for a in &block.attributes {
        if a.mode.is_computed() && config.get(&a.name).is_null() {
            out.set(&a.name, prior.get(&a.name).clone());
        }
    }
    for nb in &block.blocks {
        let (p, c) = (prior.get(&nb.name), config.get(&nb.name));
        let v = match nb.nesting {
            Nesting::List => match c.as_elements() {
                Some(cs) => Value::List(
                    cs.iter()
                        .enumerate()
                        .map(|(i, ce)| {
                            proposed(&nb.block, p.as_elements().and_then(|ps| ps.get(i)).unwrap_or(&Value::Null), ce)
                        })
                        .collect(),
                ),
                None => c.clone(),
            },
            _ => proposed(&nb.block, p, c),
        };
        out.set(&nb.name, v);
    }
    out
}

/// A plan of `dmslink_main` as Terraform asks for it: from the proposed new state.
pub async fn plan(p: &Provider<Configured>, prior: &Value, config: &Value) -> PlanResult {
    p.plan_resource_change(MAIN, prior, &proposed(&schema().block, prior, config), config).await
}

/// What `ModifyPlan` is handed: `planned` from `prior` and `config`, nothing to replace yet.
pub fn plan_draft<'a>(prior: &'a Value, config: &'a Value, planned: Value) -> PlanDraft<'a> {
    PlanDraft { prior, config, planned, requires_replace: vec![], diags: Diagnostics::new(), provider: None }
}

/// Sets `attr` of the `rds` block of database `block` (`target`, or a source's index).
pub fn set_rds(state: &mut Value, block: &str, attr: &str, v: Value) {
    let set = |db: &mut Value| {
        let mut rds = db.get("rds").clone();
        rds.set(attr, v.clone());
        db.set("rds", rds);
    };
    if block == "target" {
        let mut t = state.get("target").clone();
        set(&mut t);
        state.set("target", t);
    } else {
        let mut sources = state.get("source").as_elements().unwrap().to_vec();
        set(&mut sources[block.parse::<usize>().unwrap()]);
        state.set("source", Value::List(sources));
    }
}

/// Every error as `summary: detail`.
pub fn errors(d: &Diagnostics) -> Vec<String> {
    d.iter().filter(|x| x.is_error()).map(|x| format!("{}: {}", x.summary, x.detail)).collect()
}

/// The string at `path` (attribute names and list indexes).
pub fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = match p.parse::<usize>() {
            Ok(i) => cur.as_elements().and_then(|e| e.get(i)).unwrap_or(&Value::Null),
            Err(_) => cur.get(p),
        };
    }
    cur.as_str()
}
