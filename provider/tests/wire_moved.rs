//! MoveResourceState (Terraform ≥ 1.8 `moved` from the AWS provider) through the real gRPC server
//! and dmslink's real resources, with state documents in the AWS provider's shape
//! (`tests/fixtures/moved/`). The AWS provider binary cannot be installed here, so this is the
//! protocol-level proof: Terraform would send exactly these requests to a fresh, unconfigured
//! provider after calling GetProviderSchema.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod wire_common;

use std::sync::Arc;

use dmslink::engine::Value;
use dmslink::engine::provider::Provider;
use dmslink::provider_config::ProviderBlock;
use dmslink::wire::pb::tfplugin6 as pb;
use pb::diagnostic::Severity;
use wire_common::*;

const TASK_STATE: &str = include_str!("fixtures/moved/aws_dms_replication_task.json");
const PEERING_STATE: &str = include_str!("fixtures/moved/aws_vpc_peering_connection.json");
const AWS: &str = "registry.terraform.io/hashicorp/aws";

fn dmslink() -> Arc<Provider<dmslink::provider_config::Configured>> {
    Arc::new(Provider::new(ProviderBlock, dmslink::resources::all_resources(), dmslink::resources::all_data_sources()))
}

fn request(provider: &str, source: &str, version: i64, json: &[u8], target: &str) -> pb::move_resource_state::Request {
    pb::move_resource_state::Request {
        source_provider_address: provider.into(),
        source_type_name: source.into(),
        source_schema_version: version,
        source_state: Some(pb::RawState { json: json.to_vec(), flatmap: Default::default() }),
        target_type_name: target.into(),
        // SDKv2's private data (timeouts, schema version): the AWS provider's, never dmslink's.
        source_private: br#"{"schema_version":"0"}"#.to_vec(),
        ..Default::default()
    }
}

fn task(json: &str) -> pb::move_resource_state::Request {
    request(AWS, "aws_dms_replication_task", 0, json.as_bytes(), "dmslink_repltask")
}

fn peering(json: &str) -> pb::move_resource_state::Request {
    request(AWS, "aws_vpc_peering_connection", 0, json.as_bytes(), "dmslink_peering")
}

struct Moved {
    state: Option<Value>,
    errors: Vec<pb::Diagnostic>,
    private: Vec<u8>,
}

async fn send(s: &mut InProcess, req: pb::move_resource_state::Request) -> Moved {
    let target = req.target_type_name.clone();
    let r = s.client.move_resource_state(req).await.expect("an answer, never a transport error").into_inner();
    let state = r.target_state.as_ref().map(|dv| undv(Some(dv), dmslink().resource_type(&target).unwrap()));
    let errors = r.diagnostics.into_iter().filter(|d| d.severity == Severity::Error as i32).collect();
    Moved { state, errors, private: r.target_private }
}

fn only_error(m: &Moved) -> &pb::Diagnostic {
    assert!(m.state.is_none(), "no state alongside an error");
    assert_eq!(m.errors.len(), 1, "{:?}", m.errors);
    &m.errors[0]
}

#[tokio::test]
async fn the_capability_is_advertised() {
    let mut s = InProcess::start(dmslink()).await;
    let r = s.client.get_provider_schema(pb::get_provider_schema::Request {}).await.unwrap().into_inner();
    assert!(r.server_capabilities.unwrap().move_resource_state);
    let m = s.client.get_metadata(pb::get_metadata::Request {}).await.unwrap().into_inner();
    assert!(m.server_capabilities.unwrap().move_resource_state);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn an_aws_replication_task_moves_into_dmslink_repltask() {
    let mut s = InProcess::start(dmslink()).await;
    for provider in [AWS, "registry.opentofu.org/hashicorp/aws"] {
        let m =
            send(&mut s, request(provider, "aws_dms_replication_task", 0, TASK_STATE.as_bytes(), "dmslink_repltask"))
                .await;
        assert!(m.errors.is_empty(), "{:?}", m.errors);
        assert!(m.private.is_empty(), "the AWS provider's private data is not carried");
        let v = m.state.unwrap();
        assert_eq!(v.get("replication_task_id").as_str(), Some("dblink-task"));
        assert_eq!(
            v.get("replication_task_arn").as_str(),
            Some("arn:aws:dms:ap-southeast-2:123456789012:task:ZQWERTYUIOPASDFGHJKLZXCVBN")
        );
        assert_eq!(v.get("migration_type").as_str(), Some("full-load-and-cdc"));
        assert_eq!(v.get("start_replication_task"), &Value::Bool(true));
        assert!(v.get("table_mappings").as_str().unwrap().contains("\"schema-name\":\"dblink\""));
        assert!(v.get("replication_task_settings").as_str().unwrap().contains("\"MaxFullLoadSubTasks\":8"));
        let Value::Map(tags_all) = v.get("tags_all") else { panic!("tags_all is a map") };
        assert_eq!(tags_all["Environment"].as_str(), Some("prod"));
        assert!(v.get("full_load_progress_percent").is_null(), "left to the refresh");
    }
    s.stop().await.unwrap();
}

#[tokio::test]
async fn an_aws_peering_moves_into_dmslink_peering() {
    let mut s = InProcess::start(dmslink()).await;
    let m = send(&mut s, peering(PEERING_STATE)).await;
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let v = m.state.unwrap();
    assert_eq!(v.get("peering_connection_id").as_str(), Some("pcx-0a1b2c3d4e5f67890"));
    assert_eq!(v.get("peer_vpc_id").as_str(), Some("vpc-0aa1b2c3d4e5f6a7b"), "the AWS resource's vpc_id requested");
    assert_eq!(v.get("vpc_id").as_str(), Some("vpc-0dd5e1f2a3b4c5d6e"), "its peer_vpc_id accepted");
    assert_eq!(v.get("status").as_str(), Some("active"));
    assert_eq!(v.get("dns_resolution"), &Value::Bool(true));
    assert_eq!(v.get("routes"), &Value::List(vec![]), "the first apply adds the routes");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn another_provider_is_refused_naming_what_is_accepted() {
    let mut s = InProcess::start(dmslink()).await;
    let req = request(
        "registry.terraform.io/acme/aws",
        "aws_dms_replication_task",
        0,
        TASK_STATE.as_bytes(),
        "dmslink_repltask",
    );
    let m = send(&mut s, req).await;
    let e = only_error(&m);
    assert_eq!(e.summary, "Unsupported move source provider");
    assert!(
        e.detail.contains("registry.terraform.io/hashicorp/aws or registry.opentofu.org/hashicorp/aws"),
        "{}",
        e.detail
    );
    s.stop().await.unwrap();
}

#[tokio::test]
async fn another_type_is_refused_naming_what_is_accepted() {
    let mut s = InProcess::start(dmslink()).await;
    // A peering's state aimed at the task, and a type dmslink never takes.
    let m =
        send(&mut s, request(AWS, "aws_vpc_peering_connection", 0, PEERING_STATE.as_bytes(), "dmslink_repltask")).await;
    let e = only_error(&m);
    assert_eq!(e.summary, "Unsupported move source type");
    assert!(e.detail.contains("`aws_dms_replication_task`"), "{}", e.detail);
    let m = send(&mut s, request(AWS, "aws_db_instance", 0, b"{}", "dmslink_main")).await;
    assert!(only_error(&m).detail.contains("dmslink_main takes state from no other resource type"));
    let m = send(&mut s, request(AWS, "aws_dms_replication_task", 0, TASK_STATE.as_bytes(), "dmslink_nothing")).await;
    assert_eq!(only_error(&m).summary, "Unknown resource type");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn a_missing_required_attribute_is_named() {
    let mut s = InProcess::start(dmslink()).await;
    let mut doc: serde_json::Value = serde_json::from_str(TASK_STATE).unwrap();
    doc.as_object_mut().unwrap().remove("replication_instance_arn");
    let m = send(&mut s, task(&doc.to_string())).await;
    let e = only_error(&m);
    assert!(e.detail.contains("`replication_instance_arn` is missing"), "{}", e.detail);
    let mut doc: serde_json::Value = serde_json::from_str(PEERING_STATE).unwrap();
    doc.as_object_mut().unwrap().remove("peer_vpc_id");
    let m = send(&mut s, peering(&doc.to_string())).await;
    assert!(only_error(&m).detail.contains("`peer_vpc_id` is missing"));
    s.stop().await.unwrap();
}

#[tokio::test]
async fn malformed_json_is_refused_without_quoting_the_state() {
    let mut s = InProcess::start(dmslink()).await;
    let truncated = &TASK_STATE[..TASK_STATE.len() / 2];
    let m = send(&mut s, task(truncated)).await;
    let e = only_error(&m);
    assert_eq!(e.summary, "Malformed source state");
    assert!(!e.detail.contains("arn:aws:dms"), "the state is not echoed: {}", e.detail);
    let m = send(&mut s, request(AWS, "aws_dms_replication_task", 0, b"", "dmslink_repltask")).await;
    assert_eq!(only_error(&m).summary, "Unsupported state format");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn an_unknown_schema_version_is_refused() {
    let mut s = InProcess::start(dmslink()).await;
    let m =
        send(&mut s, request(AWS, "aws_vpc_peering_connection", 1, PEERING_STATE.as_bytes(), "dmslink_peering")).await;
    let e = only_error(&m);
    assert_eq!(e.summary, "Unsupported move source schema version");
    assert!(e.detail.contains("schema version 1,"), "{}", e.detail);
    s.stop().await.unwrap();
}

/// Truncated, garbled and re-typed states: every one gets an answer (a state or an error), and
/// the server keeps serving.
#[tokio::test]
async fn garbled_states_never_break_the_server() {
    let mut s = InProcess::start(dmslink()).await;
    let mut cases: Vec<(Vec<u8>, &str)> = Vec::new();
    for (doc, target) in [(TASK_STATE, "dmslink_repltask"), (PEERING_STATE, "dmslink_peering")] {
        let bytes = doc.as_bytes();
        for cut in (0..bytes.len()).step_by(37) {
            cases.push((bytes[..cut].to_vec(), target));
        }
        for (i, flip) in (0..bytes.len()).step_by(53).enumerate() {
            let mut garbled = bytes.to_vec();
            garbled[flip] = [b'{', b'"', b'\\', 0xff, b']', b'0'][i % 6];
            cases.push((garbled, target));
        }
        // Every attribute replaced by values of every other JSON kind.
        let parsed: serde_json::Value = serde_json::from_str(doc).unwrap();
        for key in parsed.as_object().unwrap().keys() {
            for odd in [
                serde_json::json!(null),
                serde_json::json!(1.5),
                serde_json::json!([[]]),
                serde_json::json!({"a": {}}),
                serde_json::json!(""),
                serde_json::json!(true),
            ] {
                let mut d = parsed.clone();
                d[key] = odd;
                cases.push((d.to_string().into_bytes(), target));
            }
        }
        cases.push((b"null".to_vec(), target));
        cases.push((b"[]".to_vec(), target));
        cases.push((vec![b'['; 100_000], target));
    }
    for (json, target) in cases {
        let source =
            if target == "dmslink_repltask" { "aws_dms_replication_task" } else { "aws_vpc_peering_connection" };
        let m = send(&mut s, request(AWS, source, 0, &json, target)).await;
        assert!(m.state.is_some() == m.errors.is_empty(), "a state or an error, not both nor neither");
    }
    let m = send(&mut s, task(TASK_STATE)).await;
    assert!(m.errors.is_empty(), "still serving");
    s.stop().await.unwrap();
}
