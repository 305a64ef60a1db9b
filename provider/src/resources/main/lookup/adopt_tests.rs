//! `terraform import dmslink_main.x name/environment/vpc-id` of a stack built without dmslink (the
//! original module's plain resources: untagged, named by their authors), against the fakes: the
//! import records every child with its own identifier, the plan changes nothing but the ownership
//! tags and the passwords, the apply creates, renames and deletes nothing, and the next plan is clean.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::aws::Secret;
use crate::aws::dms::{
    CreateEndpointInput, CreateReplicationInstanceInput, CreateTaskInput, DmsApi, ReplicationSubnetGroupInput, Tags,
};
use crate::aws::ec2::{CreateSecurityGroupInput, CreateSubnetInput, CreateVpnGatewayInput, Ec2Api};
use crate::aws::fake::FakeWorld;
use crate::aws::rds::{CreateDbInstanceInput, DbSubnetGroupInput, RdsApi, RestoreDbInstanceInput};
use crate::engine::Value;
use crate::engine::provider::PlanResult;
use crate::resources::main::test_bed::{self, MAIN, errors, plan, world};

/// What the original `terraform-main` made, by the identifiers its authors chose.
struct Original {
    vpc: String,
    subnets: Vec<String>,
    security_group: String,
    vpn_gateway: String,
    instance_arn: String,
    source_endpoint: String,
    onprem_endpoint: String,
    target_endpoint: String,
}

const AZS: [&str; 2] = ["us-east-1a", "us-east-1b"];

fn tags(name: &str) -> Tags {
    Tags::from([("Name".to_string(), name.to_string()), ("project".to_string(), "geo".to_string())])
}

async fn settle() {
    tokio::time::sleep(Duration::from_secs(60)).await;
}

/// The original stack, through the APIs: VPC, two subnets, a security group, a VPN gateway with
/// propagation, a DB subnet group, the Oracle source restored from `geodesy-snap`, the Postgres
/// target, a DMS subnet group and instance, an endpoint for each database and one for an
/// on-premises server, and a task that uses the on-premises one.
async fn build_original(w: &FakeWorld) -> Original {
    let vpc = w.ec2.create_vpc("10.30.0.0/24", &tags("dms-vpc")).await.unwrap().id;
    let mut subnets = Vec::new();
    for (az, cidr) in AZS.iter().zip(["10.30.0.0/25", "10.30.0.128/25"]) {
        let input = CreateSubnetInput {
            vpc_id: vpc.clone(),
            cidr_block: cidr.into(),
            availability_zone: az.to_string(),
            tags: tags(&format!("dms-subnet-{az}")),
        };
        subnets.push(w.ec2.create_subnet(input).await.unwrap().id);
    }
    let sg = CreateSecurityGroupInput {
        vpc_id: vpc.clone(),
        name: "dms-sg".into(),
        description: "DMS".into(),
        tags: tags("dms-sg"),
    };
    let security_group = w.ec2.create_security_group(sg).await.unwrap().id;
    let vgw = w.ec2.create_vpn_gateway(CreateVpnGatewayInput { amazon_side_asn: None, tags: tags("dms-vgw") }).await;
    let vpn_gateway = vgw.unwrap().id;
    w.ec2.attach_vpn_gateway(&vpn_gateway, &vpc).await.unwrap();
    settle().await;
    let main_table = w.ec2.find_route_tables(&crate::aws::ec2::main_route_table_filters(&vpc)).await.unwrap();
    w.ec2.enable_vgw_route_propagation(&main_table[0].id, &vpn_gateway).await.unwrap();

    let group = DbSubnetGroupInput {
        name: "dms-db-subnets".into(),
        description: "DMS databases".into(),
        subnet_ids: subnets.clone(),
        tags: Tags::new(),
    };
    w.rds.create_db_subnet_group(group).await.unwrap();
    let restore = RestoreDbInstanceInput {
        id: "oracle-source-db".into(),
        snapshot_identifier: "geodesy-snap".into(),
        instance_class: Some("db.t3.medium".into()),
        db_subnet_group_name: "dms-db-subnets".into(),
        vpc_security_group_ids: vec![security_group.clone()],
        port: Some(1521),
        ..Default::default()
    };
    w.rds.restore_db_instance_from_snapshot(restore).await.unwrap();
    let target = CreateDbInstanceInput {
        id: "postgres-target-db".into(),
        engine: "postgres".into(),
        instance_class: "db.t3.medium".into(),
        allocated_storage: 20,
        master_username: "dblink".into(),
        master_password: Secret::new("master-pw".to_string()),
        db_name: Some("dblink".into()),
        port: Some(5432),
        db_subnet_group_name: "dms-db-subnets".into(),
        vpc_security_group_ids: vec![security_group.clone()],
        storage_encrypted: true,
        ..Default::default()
    };
    w.rds.create_db_instance(target).await.unwrap();

    let rsg = ReplicationSubnetGroupInput {
        id: "dms-subnet-group".into(),
        description: "DMS".into(),
        subnet_ids: subnets.clone(),
        tags: Tags::new(),
    };
    w.dms.create_replication_subnet_group(rsg).await.unwrap();
    let ri = CreateReplicationInstanceInput {
        id: "dms-replication-instance".into(),
        class: "dms.t3.medium".into(),
        allocated_storage: Some(50),
        subnet_group_id: "dms-subnet-group".into(),
        vpc_security_group_ids: vec![security_group.clone()],
        auto_minor_version_upgrade: Some(true),
        ..Default::default()
    };
    let instance_arn = w.dms.create_replication_instance(ri).await.unwrap().arn;
    settle().await;

    let address = |id: &str| {
        let rds = w.rds.clone();
        let id = id.to_string();
        async move { rds.find_db_instance(&id).await.unwrap().unwrap().endpoint_address.unwrap() }
    };
    let endpoint = |id: &str, kind: &str, engine: &str, server: String, port: i32, db: &str| CreateEndpointInput {
        id: id.into(),
        endpoint_type: kind.into(),
        engine_name: engine.into(),
        server_name: Some(server),
        port: Some(port),
        database_name: Some(db.into()),
        username: Some("dms".into()),
        password: Some(Secret::new("pw".to_string())),
        ..Default::default()
    };
    let src = endpoint("oracle-source", "source", "oracle", address("oracle-source-db").await, 1521, "GEO");
    let source_endpoint = w.dms.create_endpoint(src).await.unwrap().arn;
    let onprem = endpoint("onprem", "source", "oracle", "onprem.corp.example".into(), 1521, "ORCL");
    let onprem_endpoint = w.dms.create_endpoint(onprem).await.unwrap().arn;
    let tgt = endpoint("pg-target", "target", "postgres", address("postgres-target-db").await, 5432, "dblink");
    let target_endpoint = w.dms.create_endpoint(tgt).await.unwrap().arn;
    w.dms
        .create_replication_task(CreateTaskInput {
            id: "app-task".into(),
            source_endpoint_arn: onprem_endpoint.clone(),
            target_endpoint_arn: target_endpoint.clone(),
            replication_instance_arn: instance_arn.clone(),
            migration_type: "full-load".into(),
            table_mappings: "{}".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    Original {
        vpc,
        subnets,
        security_group,
        vpn_gateway,
        instance_arn,
        source_endpoint,
        onprem_endpoint,
        target_endpoint,
    }
}

/// The configuration that describes the original stack, written as the migration guide says.
fn adopting_config() -> Value {
    test_bed::config(serde_json::json!({
        "name": "dblink",
        "environment": "dev",
        "tags": {"project": "geo"},
        "network": {"vpc_cidr": "10.30.0.0/24", "availability_zones": AZS, "subnet_cidrs": ["10.30.0.0/25", "10.30.0.128/25"]},
        "source": [
            {"name": "onprem", "server_name": "onprem.corp.example", "database_name": "ORCL", "username": "dms",
             "password": "pw", "port": 1521},
            {"name": "oracle-source", "database_name": "GEO", "username": "dms", "password": "pw", "port": 1521,
             "rds": {"snapshot_identifier": "geodesy-snap", "instance_class": "db.t3.medium", "allocated_storage": 100,
                      "storage_encrypted": false}}
        ],
        "target": {"database_name": "dblink", "username": "dms", "password": "pw",
                   "rds": {"master_username": "dblink", "master_password": "master-pw"}},
        "replication_instance": {"replication_instance_class": "dms.t3.medium"}
    }))
}

fn provider(w: &FakeWorld) -> crate::engine::provider::Provider<crate::provider_config::Configured> {
    test_bed::provider(w, |c| c.default_tags.clear())
}

#[tokio::test(start_paused = true)]
async fn an_untagged_original_stack_is_adopted_with_its_own_identifiers() {
    let w = world(true);
    let o = build_original(&w).await;
    let p = provider(&w);

    let (imported, diags) = p.import_resource_state(MAIN, &format!("dblink/dev/{}", o.vpc)).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    let (state, diags) = p.read_resource(MAIN, &imported.unwrap()).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    assert_eq!(state.get("vpc_id").as_str(), Some(o.vpc.as_str()));
    let subnets: Vec<&str> = state.get("subnet_ids").as_elements().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(subnets, o.subnets.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(state.get("security_group_id").as_str(), Some(o.security_group.as_str()));
    assert_eq!(state.get("vpn_gateway_id").as_str(), Some(o.vpn_gateway.as_str()));
    assert_eq!(state.get("db_subnet_group_name").as_str(), Some("dms-db-subnets"));
    assert_eq!(state.get("replication_subnet_group_id").as_str(), Some("dms-subnet-group"));
    assert_eq!(state.get("replication_instance_arn").as_str(), Some(o.instance_arn.as_str()));
    assert_eq!(state.get("ownership_tagged"), &Value::Bool(false));
    let at = |path: &[&str]| test_bed::s(&state, path).map(str::to_string);
    assert_eq!(at(&["source", "0", "name"]).as_deref(), Some("onprem"));
    assert_eq!(at(&["source", "0", "endpoint_arn"]).as_deref(), Some(o.onprem_endpoint.as_str()));
    assert_eq!(at(&["source", "1", "name"]).as_deref(), Some("oracle-source"));
    assert_eq!(at(&["source", "1", "endpoint_arn"]).as_deref(), Some(o.source_endpoint.as_str()));
    assert_eq!(at(&["source", "1", "db_instance_identifier"]).as_deref(), Some("oracle-source-db"));
    assert_eq!(at(&["target", "endpoint_arn"]).as_deref(), Some(o.target_endpoint.as_str()));
    assert_eq!(at(&["target", "db_instance_identifier"]).as_deref(), Some("postgres-target-db"));

    // The plan: an in-place change that tags the children and sends the passwords; nothing replaced.
    let config = adopting_config();
    let PlanResult { planned, requires_replace, diags } = plan(&p, &state, &config).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    assert!(requires_replace.is_empty(), "{requires_replace:?}");
    assert!(!diags.iter().any(|d| d.summary.contains("destroy") || d.summary.contains("replace")), "{diags:?}");
    assert_eq!(planned.get("ownership_tagged"), &Value::Bool(true));

    w.ec2.clear_calls();
    w.rds.clear_calls();
    w.dms.clear_calls();
    let (after, diags) = p.apply_resource_change(MAIN, &state, &planned, &config).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    let made_or_removed = |calls: Vec<String>| -> Vec<String> {
        calls.into_iter().filter(|c| ["create_", "restore_", "delete_"].iter().any(|p| c.starts_with(p))).collect()
    };
    let ec2_calls: Vec<String> =
        made_or_removed(w.ec2.calls()).into_iter().filter(|c| !c.starts_with("create_tags")).collect();
    assert_eq!(ec2_calls, Vec::<String>::new());
    assert_eq!(made_or_removed(w.rds.calls()), Vec::<String>::new());
    assert_eq!(made_or_removed(w.dms.calls()), Vec::<String>::new());
    for a in [
        "vpc_id",
        "subnet_ids",
        "security_group_id",
        "vpn_gateway_id",
        "db_subnet_group_name",
        "replication_instance_arn",
    ] {
        assert_eq!(after.get(a), state.get(a), "{a}");
    }
    assert_eq!(after.get("ownership_tagged"), &Value::Bool(true));
    // Every child carries the stack's ownership tags now, and keeps its own Name.
    let owned = w.tagged("dmslink:stack", "dblink-dev");
    for id in
        [&o.vpc, &o.subnets[0], &o.subnets[1], &o.security_group, &o.vpn_gateway, &o.instance_arn, &o.target_endpoint]
    {
        assert!(owned.contains(id), "{id} untagged: {owned:?}");
    }
    assert_eq!(owned.len(), 13, "{owned:?}");
    assert_eq!(w.ec2.find_vpc(&o.vpc).await.unwrap().unwrap().tags.get("Name").map(String::as_str), Some("dms-vpc"));

    // From now on the stack is dmslink's: the next plan is clean.
    let (refreshed, diags) = p.read_resource(MAIN, &after).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    let next = plan(&p, &refreshed, &config).await;
    assert_eq!(errors(&next.diags), Vec::<String>::new());
    assert!(next.requires_replace.is_empty());
    assert_eq!(next.planned, refreshed);

    // And the children keep their identifiers for the life of the stack: a later apply finds each
    // by the identifier recorded and tagged, and creates nothing.
    w.ec2.clear_calls();
    w.rds.clear_calls();
    w.dms.clear_calls();
    let (again, diags) = p.apply_resource_change(MAIN, &refreshed, &next.planned, &config).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    assert_eq!(made_or_removed(w.rds.calls()), Vec::<String>::new());
    assert_eq!(made_or_removed(w.dms.calls()), Vec::<String>::new());
    assert_eq!(again.get("replication_instance_arn"), state.get("replication_instance_arn"));
    assert_eq!(again.get("source"), refreshed.get("source"));

    // Tagged, the stack is found by its name like one dmslink built (the data source, an import by
    // `name/environment`), each child with its own identifier.
    let (by_name, diags) = p.import_resource_state(MAIN, "dblink/dev").await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    let by_name = by_name.unwrap();
    for a in [
        "vpc_id",
        "security_group_id",
        "db_subnet_group_name",
        "replication_subnet_group_id",
        "replication_instance_arn",
    ] {
        assert_eq!(by_name.get(a), again.get(a), "{a}");
    }
    let arns = |v: &Value, block: &str| -> Vec<String> {
        let blocks =
            if block == "source" { v.get(block).as_elements().unwrap().to_vec() } else { vec![v.get(block).clone()] };
        blocks.iter().filter_map(|b| b.get("endpoint_arn").as_str().map(str::to_string)).collect()
    };
    assert_eq!(arns(&by_name, "source"), arns(&again, "source"));
    assert_eq!(arns(&by_name, "target"), vec![o.target_endpoint.clone()]);
    assert_eq!(by_name.get("ownership_tagged"), &Value::Bool(true));

    // A change that replaces an adopted database names the instance it destroys (its own
    // identifier), the one it creates (dmslink's) and the final snapshot (of the one destroyed).
    let mut replacing = adopting_config();
    let mut target = replacing.get("target").clone();
    let mut rds = target.get("rds").clone();
    rds.set("storage_encrypted", Value::Bool(false));
    target.set("rds", rds);
    replacing.set("target", target);
    let planned = plan(&p, &again, &replacing).await;
    let warning = planned.diags.iter().find(|d| d.summary == "dmslink_main replaces a child").expect("a warning");
    for said in [
        "destroys RDS instance postgres-target-db",
        "creates RDS instance dblink-dev-tgt",
        "postgres-target-db-YYYYMMDDtHHMMSSz",
    ] {
        assert!(warning.detail.contains(said), "{said:?} not in {:?}", warning.detail);
    }
}

#[tokio::test(start_paused = true)]
async fn an_import_with_two_candidates_for_one_child_lists_them() {
    let w = world(true);
    let o = build_original(&w).await;
    let other = CreateReplicationInstanceInput {
        id: "second-instance".into(),
        class: "dms.t3.medium".into(),
        subnet_group_id: "dms-subnet-group".into(),
        vpc_security_group_ids: vec![o.security_group.clone()],
        ..Default::default()
    };
    w.dms.create_replication_instance(other).await.unwrap();
    let p = provider(&w);
    let (_, diags) = p.import_resource_state(MAIN, &format!("dblink/dev/{}", o.vpc)).await;
    let errs = errors(&diags);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("dms-replication-instance") && errs[0].contains("second-instance"), "{errs:?}");
}

#[test]
fn import_ids_name_an_own_stack_or_a_vpc_to_adopt() {
    use super::super::import::{ImportId, parse_id};
    let own = |n: &str, e: Option<&str>| ImportId::Own { name: n.into(), environment: e.map(str::to_string) };
    assert_eq!(parse_id("dblink").unwrap(), own("dblink", None));
    assert_eq!(parse_id("dblink/dev").unwrap(), own("dblink", Some("dev")));
    let adopt = parse_id("dblink/dev/vpc-0abc").unwrap();
    assert_eq!(
        adopt,
        ImportId::Adopt { name: "dblink".into(), environment: Some("dev".into()), vpc_id: "vpc-0abc".into() }
    );
    assert!(matches!(parse_id("dblink//vpc-0abc").unwrap(), ImportId::Adopt { environment: None, .. }));
    for bad in ["", "/dev", "dblink/", "dblink/dev/subnet-1", "dblink/dev/vpc-", "a/b/c/d", "dblink/dev/vpc-1/x"] {
        let e = parse_id(bad).unwrap_err();
        assert!(e.contains("name/environment/vpc-id"), "{bad:?}: {e}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_new_source_whose_identifiers_would_not_fit_rds_is_refused_at_plan_an_adopted_one_is_not() {
    let w = world(true);
    let p = provider(&w);
    let long = "a-source-name-of-fifty-characters-which-is-too-long";
    let mut json = serde_json::json!({
        "name": "dblink", "environment": "dev",
        "network": {"vpc_cidr": "10.30.0.0/24", "availability_zones": AZS, "subnet_cidrs": ["10.30.0.0/25", "10.30.0.128/25"]},
        "source": [{"name": long, "server_name": "onprem.corp.example", "database_name": "ORCL", "username": "dms", "password": "pw"}],
        "target": {"database_name": "dblink", "username": "dms", "password": "pw",
                   "rds": {"master_username": "dblink", "master_password": "master-pw"}}
    });
    let result = plan(&p, &Value::Null, &test_bed::config(json.clone())).await;
    let errs: Vec<_> = result.diags.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errs.len(), 1, "{:?}", result.diags);
    assert_eq!(errs[0].path, Some(crate::engine::diag::AttrPath::attr("source").then_index(0).then_attr("name")));
    assert!(
        errs[0].detail.contains("dblink-dev-src-a-source-name") && errs[0].detail.contains("at most 48"),
        "{:?}",
        errs[0]
    );

    // The same name on a source the state already holds children for (an adopted one) plans.
    let o = build_original(&w).await;
    let (imported, _) = p.import_resource_state(MAIN, &format!("dblink/dev/{}", o.vpc)).await;
    let mut state = imported.unwrap();
    let mut sources = state.get("source").as_elements().unwrap().to_vec();
    sources[0].set("name", Value::string(long));
    state.set("source", Value::List(sources));
    json["source"] = serde_json::json!([{"name": long}]);
    let mut diags = crate::engine::diag::Diagnostics::new();
    super::super::validate::check_new_source_ids(&state, &test_bed::config(json), &mut diags);
    assert_eq!(errors(&diags), Vec::<String>::new());
}
