//! `dmslink_main` through the SDK clients against the local emulator: create, read, update in
//! place, delete, and nothing tagged with the stack left. The test starts its own emulator from the
//! project's venv (`make venv`); moved here from the provider's unit tests so that `cargo test --lib`
//! needs no Python.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use dmslink::aws::ec2::Filters;
use dmslink::engine::{Resource, Value};
use dmslink::provider_config::{Sources, configure_with};
use dmslink::resources::Ctx;
use dmslink::resources::main::Main;
use dmslink::resources::main::schema::schema;

async fn ctx(url: &str) -> Ctx {
    let endpoints: BTreeMap<String, Value> =
        ["dms", "ec2", "rds", "iam", "sts", "s3"].iter().map(|s| (s.to_string(), Value::string(url))).collect();
    let mut cfg: BTreeMap<String, Value> = match dmslink::provider_config::schema().value_type() {
        dmslink::engine::Type::Object(m) => m.into_keys().map(|k| (k, Value::Null)).collect(),
        _ => unreachable!(),
    };
    cfg.insert("region".into(), Value::string("us-east-1"));
    cfg.insert("access_key".into(), Value::string("testing"));
    cfg.insert("secret_key".into(), Value::string("testing"));
    cfg.insert("endpoints".into(), Value::Object(endpoints));
    let env = Sources::Fixed(vec![("AWS_EC2_METADATA_DISABLED".into(), "true".into())]);
    let configured = configure_with(&Value::Object(cfg), env).await.unwrap_or_else(|d| panic!("{d:?}"));
    Ctx { provider: Arc::new(configured), cancel: CancellationToken::new() }
}

fn config(json: serde_json::Value) -> Value {
    dmslink::wire::cty::json::decode_lenient(json.to_string().as_bytes(), &schema().value_type()).unwrap()
}

fn stack(class: &str, app: &str) -> serde_json::Value {
    serde_json::json!({
        "name": "emu",
        "environment": "dev",
        "dms_vpc_role": "create",
        "tags": {"app": app},
        "network": {
            "vpc_cidr": "10.30.0.0/24",
            "availability_zones": ["us-east-1a", "us-east-1b"],
            "subnet_cidrs": ["10.30.0.0/26", "10.30.0.64/26"]
        },
        "source": [{"name": "onprem", "server_name": "oracle.corp.example", "database_name": "ORCL",
                    "username": "dms", "password": "src-pw-123", "port": 1521}],
        "target": {"database_name": "dblink", "username": "dblink", "password": "tgt-pw-123",
                   "rds": {"master_username": "dblink", "master_password": "tgt-pw-123", "instance_class": "db.t3.micro"}},
        "replication_instance": {"replication_instance_class": class}
    })
}

fn planned(cfg: &Value, prior: Option<&Value>) -> Value {
    let mut p = cfg.clone();
    for a in [
        "vpc_id",
        "subnet_ids",
        "route_table_ids",
        "security_group_id",
        "vpn_gateway_id",
        "internet_gateway_id",
        "db_subnet_group_name",
        "replication_subnet_group_id",
        "replication_instance_arn",
        "dms_vpc_role_created",
        "tags_all",
    ] {
        p.set(a, prior.map(|s| s.get(a).clone()).unwrap_or(Value::Unknown));
    }
    p.set("tags_all", Value::Unknown);
    // Defaults as Terraform would plan them (the generic plan rules), so reads compare like for like.
    let mut p = dmslink::engine::plan::plan(&schema().block, prior.unwrap_or(&Value::Null), &p, cfg).planned;
    p.set("tags_all", Value::Unknown);
    p
}

fn errors(d: &dmslink::engine::diag::Diagnostics) -> Vec<String> {
    d.iter().filter(|x| x.is_error()).map(|x| format!("{}: {}", x.summary, x.detail)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_stack_against_the_emulator() {
    // Its own emulator from the venv (`make venv`), stopped when `emulator` drops.
    let emulator = dmslink_acctest::Emulator::start();
    let url = emulator.endpoint();
    let ctx = ctx(&url).await;
    let started = std::time::Instant::now();
    let cfg = config(stack("dms.t3.medium", "one"));
    let out = Main.create(&ctx, &planned(&cfg, None), &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    let st = out.state;
    println!("create took {:?}", started.elapsed());
    assert!(st.is_wholly_known());
    assert!(st.get("replication_instance_arn").as_str().is_some());
    assert!(st.get("target").get("endpoint_arn").as_str().is_some());
    assert!(st.get("target").get("address").as_str().is_some());

    let read = Main.read(&ctx, &st).await.unwrap().unwrap();
    assert_eq!(read.get("vpc_id"), st.get("vpc_id"));
    assert_eq!(read.get("target"), st.get("target"));

    let cfg2 = config(stack("dms.t3.large", "two"));
    let out = Main.update(&ctx, &st, &planned(&cfg2, Some(&st)), &cfg2).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    let st = out.state;
    let ri = ctx
        .provider
        .clients
        .dms
        .describe_replication_instance_by_arn(st.get("replication_instance_arn").as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ri.class, "dms.t3.large");

    let d = Main.delete(&ctx, &st).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    let ec2 = &ctx.provider.clients.ec2;
    let tagged = Filters::new().with("tag:dmslink:stack", "emu-dev");
    assert!(ec2.find_vpcs(&tagged).await.unwrap().is_empty());
    assert!(ec2.find_subnets(&tagged).await.unwrap().is_empty());
    assert!(ec2.find_vpn_gateways(&tagged).await.unwrap().iter().all(|g| g.is_gone()));
    assert!(ctx.provider.clients.rds.find_db_instance("emu-dev-tgt").await.unwrap().is_none());
    assert!(ctx.provider.clients.dms.find_endpoint("emu-dev-tgt").await.unwrap().is_none());
    println!("create, update and delete took {:?}", started.elapsed());
}

/// The seed's `dms-vpc-role` (an inline policy granting DMS's EC2 actions, no managed policy)
/// passes `dms_vpc_role = "check"`, and DMS (the emulator, strictness.py) works with it: the stack
/// is created and deleted, the role left as it was. Servers as source and target: no RDS to wait for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_accepts_the_seeds_inline_dms_vpc_role() {
    use dmslink::aws::iam::DMS_VPC_ROLE;

    let emulator = dmslink_acctest::Emulator::start();
    emulator.fixtures().dms_vpc_role_inline();
    let ctx = ctx(&emulator.endpoint()).await;
    let started = std::time::Instant::now();
    let mut j = stack("dms.t3.medium", "seed-role");
    j["dms_vpc_role"] = serde_json::json!("check");
    j["target"] = serde_json::json!({"server_name": "pg.corp.example", "database_name": "dblink",
                                     "username": "dblink", "password": "tgt-pw-123"});
    let cfg = config(j);
    let out = Main.create(&ctx, &planned(&cfg, None), &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    let st = out.state;
    assert!(st.get("replication_instance_arn").as_str().is_some());
    assert_eq!(st.get("dms_vpc_role_created").as_bool(), Some(false));

    let iam = &ctx.provider.clients.iam;
    assert_eq!(iam.list_role_policies(DMS_VPC_ROLE).await.unwrap(), vec!["dmsvpcpolicy"]);
    let doc = iam.get_role_policy(DMS_VPC_ROLE, "dmsvpcpolicy").await.unwrap();
    assert!(doc.starts_with('{') && doc.contains("ec2:ModifyNetworkInterfaceAttribute"), "not decoded: {doc}");
    assert!(iam.list_attached_role_policies(DMS_VPC_ROLE).await.unwrap().is_empty(), "check changed the role");

    let d = Main.delete(&ctx, &st).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    assert!(iam.get_role(DMS_VPC_ROLE).await.unwrap().is_some(), "a role the stack did not create stays");
    println!("create and delete with the seed's role took {:?}", started.elapsed());
}
