//! A peering made with the AWS provider, moved into `dmslink_peering` and driven through the engine
//! as Terraform would after the move: refresh, a plan that replaces nothing, an apply that adds what
//! dmslink manages (adopting the route that was there), then a clean plan.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use super::moved::peering_from_aws;
use super::schema::schema;
use super::tests::{APP_CIDR, DMS_CIDR, bed, config, destinations, model, rules};
use crate::aws::ec2::{CreateVpcPeeringInput, Ec2Api, RouteTarget};
use crate::engine::provider::Provider;
use crate::engine::{MoveSource, Value};
use crate::provider_config::{Configured, ProviderBlock};
use crate::resources::aws_state::AWS_PROVIDERS;

const FIXTURE: &str = include_str!("../../../tests/fixtures/moved/aws_vpc_peering_connection.json");
const PEERING: &str = "dmslink_peering";

/// Terraform's proposed new state for a block without nested blocks in use: the configuration,
/// with computed attributes it leaves null taken from the prior state.
fn proposed(prior: &Value, cfg: &Value) -> Value {
    let mut out = cfg.clone();
    for a in schema().block.attributes.iter().filter(|a| a.mode.is_computed()) {
        if cfg.get(&a.name).is_null() {
            out.set(&a.name, prior.get(&a.name).clone());
        }
    }
    out
}

#[tokio::test(start_paused = true)]
async fn a_peering_moved_from_the_aws_provider_plans_in_place_then_clean() {
    let b = bed().await;
    // The original setup: the application VPC requested, the DMS VPC accepted, one route by hand.
    let ec2 = &b.w.ec2;
    let request = CreateVpcPeeringInput {
        vpc_id: b.app_vpc.clone(),
        peer_vpc_id: b.dms_vpc.clone(),
        peer_owner_id: None,
        peer_region: None,
        tags: BTreeMap::from([("Name".to_string(), "app-to-dms".to_string())]),
    };
    let pcx = ec2.create_vpc_peering_connection(request).await.unwrap().id;
    tokio::time::sleep(Duration::from_secs(60)).await;
    ec2.accept_vpc_peering_connection(&pcx).await.unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    let app_main = b.main_table(ec2, &b.app_vpc).await;
    ec2.create_route(&app_main, DMS_CIDR, &RouteTarget::VpcPeering(pcx.clone())).await.unwrap();

    let aws_state = FIXTURE
        .replace("pcx-0a1b2c3d4e5f67890", &pcx)
        .replace("vpc-0aa1b2c3d4e5f6a7b", &b.app_vpc)
        .replace("vpc-0dd5e1f2a3b4c5d6e", &b.dms_vpc)
        .replace("ap-southeast-2", "us-east-1");
    let source = MoveSource {
        provider_address: AWS_PROVIDERS[0],
        type_name: "aws_vpc_peering_connection",
        schema_version: 0,
        state_json: aws_state.as_bytes(),
    };
    let engine = Provider::new(ProviderBlock, crate::resources::all_resources(), crate::resources::all_data_sources());
    engine.set_configured(Configured {
        clients: b.w.clients(),
        region: "us-east-1".into(),
        account_id: Some("123456789012".into()),
        partition: "aws".into(),
        default_tags: BTreeMap::new(),
    });
    let (moved, d) = engine.move_resource_state(PEERING, &source);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(moved.as_ref(), Some(&peering_from_aws(&source).unwrap()));

    let (read, d) = engine.read_resource(PEERING, &moved.unwrap()).await;
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(model(&read).peer_vpc_cidr.known().map(String::as_str), Some(APP_CIDR));

    let cfg = config(serde_json::json!({
        "vpc_id": b.dms_vpc, "peer_vpc_id": b.app_vpc, "security_group_id": b.sg, "ports": [5432],
        "dns_resolution": true, "tags": {"Name": "app-to-dms"}
    }));
    let plan = engine.plan_resource_change(PEERING, &read, &proposed(&read, &cfg), &cfg).await;
    assert!(!plan.diags.has_errors(), "{:?}", plan.diags);
    assert!(plan.requires_replace.is_empty(), "the AWS provider's own account and region replace nothing");
    let planned = model(&plan.planned);
    assert_eq!(planned.peering_connection_id.known(), Some(&pcx));
    assert!(planned.routes.is_unknown() && planned.security_group_rules.is_unknown(), "added by the apply");

    let (applied, d) = engine.apply_resource_change(PEERING, &read, &plan.planned, &cfg).await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(model(&applied).peering_connection_id.known(), Some(&pcx), "the same peering");
    let mut dests = destinations(&applied);
    dests.sort();
    assert_eq!(dests, [DMS_CIDR, APP_CIDR], "a route each way, the hand-made one adopted");
    assert_eq!(rules(&applied).iter().map(|r| r.port).collect::<Vec<_>>(), [5432]);
    let requests = ec2.calls().iter().filter(|c| c.contains("create_vpc_peering_connection")).count();
    assert_eq!(requests, 1, "only the original request: the move never requests a peering");

    let (again, d) = engine.read_resource(PEERING, &applied).await;
    assert!(d.is_empty(), "{d:?}");
    let plan = engine.plan_resource_change(PEERING, &again, &proposed(&again, &cfg), &cfg).await;
    assert!(!plan.diags.has_errors() && plan.requires_replace.is_empty(), "{:?}", plan.diags);
    assert_eq!(plan.planned, again, "the next plan is clean");
}

#[tokio::test(start_paused = true)]
async fn another_region_in_the_moved_state_still_replaces_when_the_configuration_drops_it() {
    let b = bed().await;
    let engine = Provider::new(ProviderBlock, crate::resources::all_resources(), crate::resources::all_data_sources());
    engine.set_configured(Configured {
        clients: b.w.clients(),
        region: "us-east-1".into(),
        account_id: Some("123456789012".into()),
        partition: "aws".into(),
        default_tags: BTreeMap::new(),
    });
    // ap-southeast-2 is not the provider's region: dropping it from the configuration is a move.
    let source = MoveSource {
        provider_address: AWS_PROVIDERS[0],
        type_name: "aws_vpc_peering_connection",
        schema_version: 0,
        state_json: FIXTURE.as_bytes(),
    };
    let (moved, _) = engine.move_resource_state(PEERING, &source);
    let moved = moved.unwrap();
    let cfg = config(serde_json::json!({
        "vpc_id": "vpc-0dd5e1f2a3b4c5d6e", "peer_vpc_id": "vpc-0aa1b2c3d4e5f6a7b", "tags": {"Name": "app-to-dms"}
    }));
    let plan = engine.plan_resource_change(PEERING, &moved, &proposed(&moved, &cfg), &cfg).await;
    let replaced: Vec<String> = plan.requires_replace.iter().map(|p| p.to_string()).collect();
    assert_eq!(replaced, ["peer_region"]);
}
