//! Every tfplugin6 RPC through the real gRPC server, in-process, with a fake resource and data
//! source: requests decode, the engine answers, responses encode; problems are diagnostics.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod wire_common;

use std::time::Duration;

use dmslink::engine::{Type, Value};
use dmslink::wire::pb::plugin::grpc_broker_client::GrpcBrokerClient;
use dmslink::wire::pb::plugin::grpc_stdio_client::GrpcStdioClient;
use dmslink::wire::pb::plugin::{ConnInfo, Empty};
use dmslink::wire::pb::tfplugin6 as pb;
use dmslink::wire::pb::tfplugin6::attribute_path::step::Selector;
use pb::diagnostic::Severity;
use tokio_stream::StreamExt as _;
use wire_common::*;

fn errors(diags: &[pb::Diagnostic]) -> Vec<&pb::Diagnostic> {
    diags.iter().filter(|d| d.severity == Severity::Error as i32).collect()
}

fn path_of(d: &pb::Diagnostic) -> Vec<String> {
    d.attribute
        .as_ref()
        .map(|p| {
            p.steps
                .iter()
                .map(|s| match s.selector.as_ref().unwrap() {
                    Selector::AttributeName(a) => a.clone(),
                    Selector::ElementKeyString(k) => format!("[{k:?}]"),
                    Selector::ElementKeyInt(i) => format!("[{i}]"),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn thing_config(name: &str) -> Value {
    object(&thing_type(), &[("name", Value::string(name))])
}

#[tokio::test]
async fn get_provider_schema_lists_types_and_capabilities() {
    let mut s = InProcess::start(fake_engine()).await;
    let r = s.client.get_provider_schema(pb::get_provider_schema::Request {}).await.unwrap().into_inner();
    assert!(r.diagnostics.is_empty());
    assert!(r.provider.as_ref().unwrap().block.is_some(), "provider schema always has a block");

    let thing = &r.resource_schemas[THING];
    assert_eq!(thing.version, 2);
    let block = thing.block.as_ref().unwrap();
    let names: Vec<&str> = block.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["name", "note", "size", "arn", "tags", "password"]);
    let size = block.attributes.iter().find(|a| a.name == "size").unwrap();
    assert!(size.optional && size.computed && !size.required);
    assert!(block.attributes.iter().find(|a| a.name == "password").unwrap().sensitive);
    for a in &block.attributes {
        let t: serde_json::Value = serde_json::from_slice(&a.r#type).unwrap();
        Type::from_json(&t).unwrap();
        assert_eq!(a.description_kind, pb::StringKind::Markdown as i32);
    }
    assert_eq!(block.block_types[0].type_name, "timeouts");
    assert_eq!(block.block_types[0].nesting, pb::schema::nested_block::NestingMode::Single as i32);

    assert!(r.data_source_schemas.contains_key(INFO));
    let caps = r.server_capabilities.unwrap();
    assert!(caps.plan_destroy && !caps.get_provider_schema_optional && caps.move_resource_state);
    assert!(r.functions.is_empty() && r.ephemeral_resource_schemas.is_empty() && r.action_schemas.is_empty());

    let m = s.client.get_metadata(pb::get_metadata::Request {}).await.unwrap().into_inner();
    assert_eq!(m.resources[0].type_name, THING);
    assert_eq!(m.data_sources[0].type_name, INFO);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn validate_resource_config_reports_validator_errors_with_their_path() {
    let mut s = InProcess::start(fake_engine()).await;
    let ty = thing_type();
    let req = |v: &Value| pb::validate_resource_config::Request {
        type_name: THING.into(),
        config: Some(dv(v, &ty)),
        client_capabilities: None,
    };
    let r = s.client.validate_resource_config(req(&thing_config("a b"))).await.unwrap().into_inner();
    let errs = errors(&r.diagnostics);
    assert_eq!(errs.len(), 1, "{:?}", r.diagnostics);
    assert_eq!(errs[0].summary, "Invalid name");
    assert_eq!(path_of(errs[0]), ["name"]);

    // Unknown values (e.g. from other resources) are fine at validation time, at any depth.
    let mut cfg = object(&ty, &[("name", Value::Unknown)]);
    cfg.set("tags", Value::Map([("env".to_string(), Value::Unknown)].into()));
    let r = s.client.validate_resource_config(req(&cfg)).await.unwrap().into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);

    let r = s.client.validate_resource_config(req(&thing_config("ok"))).await.unwrap().into_inner();
    assert!(r.diagnostics.is_empty());
    s.stop().await.unwrap();
}

#[tokio::test]
async fn write_only_arguments_need_a_client_that_allows_them() {
    use std::sync::Arc;
    let engine = dmslink::engine::provider::Provider::new(
        dmslink::provider_config::ProviderBlock,
        dmslink::resources::all_resources(),
        dmslink::resources::all_data_sources(),
    );
    let mut s = InProcess::start(Arc::new(engine)).await;
    let ty = dmslink::resources::main::schema::schema().value_type();
    let json = serde_json::json!({
        "name": "dblink",
        "environment": "dev",
        "network": {
            "vpc_cidr": "10.20.0.0/24",
            "availability_zones": ["ap-southeast-2a", "ap-southeast-2b"],
            "subnet_cidrs": ["10.20.0.0/26", "10.20.0.64/26"]
        },
        "source": [{"name": "onprem", "server_name": "oracle.corp.example", "database_name": "ORCL",
                    "username": "dms", "password": "pw"}],
        "target": {"database_name": "dblink", "username": "dms", "password_wo": "s3cret", "password_wo_version": 1,
                   "rds": {"master_username": "dblink", "master_password": "s3cret-master"}}
    });
    let cfg = dmslink::wire::cty::json::decode_lenient(json.to_string().as_bytes(), &ty).unwrap();
    let req = |caps: Option<pb::ClientCapabilities>| pb::validate_resource_config::Request {
        type_name: "dmslink_main".into(),
        config: Some(dv(&cfg, &ty)),
        client_capabilities: caps,
    };

    // Terraform < 1.9 sends no capabilities; 1.9 and 1.10 send them without write-only support.
    let tf_1_10 = pb::ClientCapabilities { deferral_allowed: true, ..Default::default() };
    for caps in [None, Some(tf_1_10)] {
        let r = s.client.validate_resource_config(req(caps)).await.unwrap().into_inner();
        let errs = errors(&r.diagnostics);
        assert_eq!(errs.len(), 1, "{:?}", r.diagnostics);
        assert_eq!(errs[0].summary, "Write-only attribute not supported");
        assert_eq!(path_of(errs[0]), ["target", "password_wo"]);
        assert!(errs[0].detail.contains("Use `password` instead, or upgrade Terraform."), "{}", errs[0].detail);
    }

    let tf_1_11 = pb::ClientCapabilities { write_only_attributes_allowed: true, ..Default::default() };
    let r = s.client.validate_resource_config(req(Some(tf_1_11))).await.unwrap().into_inner();
    assert!(errors(&r.diagnostics).is_empty(), "{:?}", r.diagnostics);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn validate_data_resource_config_runs_the_data_source_checks() {
    let mut s = InProcess::start(fake_engine()).await;
    let ty = info_type();
    let cfg = object(&ty, &[("id", Value::string("forbidden"))]);
    let r = s
        .client
        .validate_data_resource_config(pb::validate_data_resource_config::Request {
            type_name: INFO.into(),
            config: Some(dv(&cfg, &ty)),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&r.diagnostics)[0].summary, "Forbidden id");
    assert_eq!(path_of(errors(&r.diagnostics)[0]), ["id"]);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn validate_provider_config_answers_with_diagnostics_only() {
    let engine = fake_engine();
    let ty = engine.provider_type();
    let mut s = InProcess::start(engine).await;
    let r = s
        .client
        .validate_provider_config(pb::validate_provider_config::Request {
            config: Some(dv(&Value::null_object(&ty), &ty)),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.iter().all(|d| d.severity == 1 || d.severity == 2));
    s.stop().await.unwrap();
}

#[tokio::test]
async fn plan_create_plans_defaults_and_unknown_computed_and_keeps_private() {
    let mut s = InProcess::start(fake_engine()).await;
    let ty = thing_type();
    let cfg = thing_config("alpha");
    let r = s
        .client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: THING.into(),
            prior_state: Some(dv(&Value::Null, &ty)),
            proposed_new_state: Some(dv(&cfg, &ty)),
            config: Some(dv(&cfg, &ty)),
            prior_private: b"opaque".to_vec(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let planned = undv(r.planned_state.as_ref(), &ty);
    assert_eq!(planned.get("name"), &Value::string("alpha"));
    assert_eq!(planned.get("size"), &Value::int(10));
    assert_eq!(planned.get("arn"), &Value::Unknown);
    assert_eq!(planned.get("note"), &Value::Null);
    assert!(r.requires_replace.is_empty());
    assert_eq!(r.planned_private, b"opaque");
    assert!(!r.legacy_type_system);
    // Unknowns go out as Terraform's own encoding.
    assert!(r.planned_state.unwrap().msgpack.windows(3).any(|w| w == [0xd4, 0, 0]));
    s.stop().await.unwrap();
}

#[tokio::test]
async fn plan_update_of_a_force_new_attribute_requires_replacement() {
    let mut s = InProcess::start(fake_engine()).await;
    let ty = thing_type();
    let prior = object(
        &ty,
        &[("name", Value::string("alpha")), ("size", Value::int(10)), ("arn", Value::string("arn:aws:x:1"))],
    );
    let cfg = thing_config("beta");
    let mut proposed = cfg.clone();
    proposed.set("arn", Value::string("arn:aws:x:1"));
    proposed.set("size", Value::int(10));
    let r = s
        .client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: THING.into(),
            prior_state: Some(dv(&prior, &ty)),
            proposed_new_state: Some(dv(&proposed, &ty)),
            config: Some(dv(&cfg, &ty)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.requires_replace.len(), 1);
    assert_eq!(r.requires_replace[0].steps[0].selector, Some(Selector::AttributeName("name".into())));
    assert_eq!(undv(r.planned_state.as_ref(), &ty).get("arn"), &Value::Unknown);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn plan_destroy_plans_null() {
    let mut s = InProcess::start(fake_engine()).await;
    let ty = thing_type();
    let prior = object(&ty, &[("name", Value::string("alpha"))]);
    let r = s
        .client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: THING.into(),
            prior_state: Some(dv(&prior, &ty)),
            proposed_new_state: Some(dv(&Value::Null, &ty)),
            config: Some(dv(&Value::Null, &ty)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty());
    assert_eq!(undv(r.planned_state.as_ref(), &ty), Value::Null);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn unknowns_inside_collections_survive_a_plan() {
    let mut s = InProcess::start(fake_engine()).await;
    let ty = thing_type();
    let mut cfg = thing_config("alpha");
    cfg.set(
        "tags",
        Value::Map([("env".to_string(), Value::Unknown), ("team".to_string(), Value::string("db"))].into()),
    );
    let r = s
        .client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: THING.into(),
            prior_state: None,
            proposed_new_state: Some(dv(&cfg, &ty)),
            config: Some(dv(&cfg, &ty)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(undv(r.planned_state.as_ref(), &ty).get("tags"), cfg.get("tags"));
    s.stop().await.unwrap();
}

#[tokio::test]
async fn upgrade_resource_state_reads_stored_json_leniently() {
    let mut s = InProcess::start(fake_engine()).await;
    let ty = thing_type();
    // An attribute added since ("tags", "password") is missing; one removed since is present.
    let raw = br#"{"name":"alpha","note":null,"size":12,"arn":"arn:1","removed_attr":"x","timeouts":null}"#;
    let r = s
        .client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: THING.into(),
            version: 2,
            raw_state: Some(pb::RawState { json: raw.to_vec(), flatmap: Default::default() }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let v = undv(r.upgraded_state.as_ref(), &ty);
    assert_eq!(v.get("size"), &Value::int(12));
    assert_eq!(v.get("tags"), &Value::Null);
    assert!(v.as_object().unwrap().get("removed_attr").is_none());
    s.stop().await.unwrap();
}

#[tokio::test]
async fn upgrade_resource_state_refuses_flatmap_and_newer_versions() {
    let mut s = InProcess::start(fake_engine()).await;
    let flat = s
        .client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: THING.into(),
            version: 0,
            raw_state: Some(pb::RawState { json: vec![], flatmap: [("id".to_string(), "x".to_string())].into() }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&flat.diagnostics)[0].summary, "Unsupported state format");

    let newer = s
        .client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: THING.into(),
            version: 9,
            raw_state: Some(pb::RawState { json: br#"{"name":"a"}"#.to_vec(), flatmap: Default::default() }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&newer.diagnostics).len(), 1);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn unknown_type_names_are_diagnostics() {
    let mut s = InProcess::start(fake_engine()).await;
    let nope = "dmslink_nope";
    let v = s
        .client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: nope.into(),
            config: Some(pb::DynamicValue { msgpack: vec![0x80], json: vec![] }),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(errors(&v.diagnostics)[0].summary.contains("Unknown resource type"), "{:?}", v.diagnostics);
    let p = s
        .client
        .plan_resource_change(pb::plan_resource_change::Request { type_name: nope.into(), ..Default::default() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&p.diagnostics).len(), 1);
    let d = s
        .client
        .validate_data_resource_config(pb::validate_data_resource_config::Request {
            type_name: nope.into(),
            config: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(errors(&d.diagnostics)[0].summary.contains("Unknown data source type"));
    let u = s
        .client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: nope.into(),
            version: 0,
            raw_state: Some(pb::RawState { json: b"{}".to_vec(), flatmap: Default::default() }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&u.diagnostics).len(), 1);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn values_that_do_not_match_the_schema_are_diagnostics_not_grpc_errors() {
    let mut s = InProcess::start(fake_engine()).await;
    // An object with one attribute where the schema has nine.
    let short = pb::DynamicValue { msgpack: vec![0x81, 0xa4, b'n', b'a', b'm', b'e', 0xa1, b'x'], json: vec![] };
    let r = s
        .client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: THING.into(),
            config: Some(short),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    let e = errors(&r.diagnostics);
    assert_eq!(e[0].summary, "Invalid resource configuration from Terraform");
    assert!(e[0].detail.contains("attributes is required"), "{}", e[0].detail);

    let garbage = pb::DynamicValue { msgpack: vec![0xc1, 0xff, 0x00], json: vec![] };
    let r = s
        .client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: THING.into(),
            config: Some(garbage),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&r.diagnostics).len(), 1);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn operations_that_need_configuration_say_so_and_pass_private_through() {
    let mut s = InProcess::start(fake_engine()).await;
    let ty = thing_type();
    let state = object(&ty, &[("name", Value::string("alpha")), ("arn", Value::string("arn:1"))]);
    let r = s
        .client
        .read_resource(pb::read_resource::Request {
            type_name: THING.into(),
            current_state: Some(dv(&state, &ty)),
            private: b"keep-me".to_vec(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&r.diagnostics)[0].summary, "Provider not configured");
    assert_eq!(r.private, b"keep-me");
    assert_eq!(undv(r.new_state.as_ref(), &ty), state, "the prior state comes back on error");

    let a = s
        .client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: THING.into(),
            prior_state: Some(dv(&Value::Null, &ty)),
            planned_state: Some(dv(&state, &ty)),
            config: Some(dv(&thing_config("alpha"), &ty)),
            planned_private: b"planned".to_vec(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&a.diagnostics).len(), 1);
    assert_eq!(a.private, b"planned");

    let i = s
        .client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: THING.into(),
            id: "alpha".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(i.imported_resources.is_empty());
    assert_eq!(errors(&i.diagnostics).len(), 1);

    let ity = info_type();
    let d = s
        .client
        .read_data_source(pb::read_data_source::Request {
            type_name: INFO.into(),
            config: Some(dv(&object(&ity, &[("id", Value::string("x"))]), &ity)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(errors(&d.diagnostics).len(), 1);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn unsupported_features_answer_validly() {
    let mut s = InProcess::start(fake_engine()).await;
    let c = &mut s.client;

    // A type that declares no `moved` sources refuses one (tests/wire_moved.rs: the real types).
    let m = c
        .move_resource_state(pb::move_resource_state::Request {
            target_type_name: THING.into(),
            source_type_name: "aws_thing".into(),
            source_provider_address: "registry.terraform.io/hashicorp/aws".into(),
            source_state: Some(pb::RawState { json: b"{}".to_vec(), flatmap: Default::default() }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(m.target_state.is_none());
    assert!(errors(&m.diagnostics)[0].detail.contains("takes state from no other resource type"));
    assert!(c.get_functions(pb::get_functions::Request {}).await.unwrap().into_inner().functions.is_empty());
    let f = c.call_function(pb::call_function::Request { name: "f".into(), arguments: vec![] }).await.unwrap();
    assert!(f.into_inner().error.is_some());
    let ids = c.get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {}).await.unwrap();
    let ids = ids.into_inner();
    assert!(ids.identity_schemas.is_empty() && ids.diagnostics.is_empty());
    let up = c.upgrade_resource_identity(pb::upgrade_resource_identity::Request::default()).await.unwrap();
    assert_eq!(errors(&up.into_inner().diagnostics).len(), 1);
    let g = c.generate_resource_config(pb::generate_resource_config::Request::default()).await.unwrap();
    assert_eq!(errors(&g.into_inner().diagnostics).len(), 1);

    let e =
        c.validate_ephemeral_resource_config(pb::validate_ephemeral_resource_config::Request::default()).await.unwrap();
    assert_eq!(errors(&e.into_inner().diagnostics).len(), 1);
    let o = c.open_ephemeral_resource(pb::open_ephemeral_resource::Request::default()).await.unwrap();
    assert_eq!(errors(&o.into_inner().diagnostics).len(), 1);
    c.renew_ephemeral_resource(pb::renew_ephemeral_resource::Request::default()).await.unwrap();
    c.close_ephemeral_resource(pb::close_ephemeral_resource::Request::default()).await.unwrap();

    let mut list = c.list_resource(pb::list_resource::Request::default()).await.unwrap().into_inner();
    assert!(list.message().await.unwrap().is_none(), "empty stream");
    c.validate_list_resource_config(pb::validate_list_resource_config::Request::default()).await.unwrap();

    c.validate_state_store_config(pb::validate_state_store::Request::default()).await.unwrap();
    c.configure_state_store(pb::configure_state_store::Request::default()).await.unwrap();
    let mut read = c.read_state_bytes(pb::read_state_bytes::Request::default()).await.unwrap().into_inner();
    assert!(read.message().await.unwrap().is_none());
    let chunks = tokio_stream::iter(vec![pb::write_state_bytes::RequestChunk::default()]);
    let w = c.write_state_bytes(chunks).await.unwrap().into_inner();
    assert_eq!(errors(&w.diagnostics).len(), 1);
    c.lock_state(pb::lock_state::Request::default()).await.unwrap();
    c.unlock_state(pb::unlock_state::Request::default()).await.unwrap();
    c.get_states(pb::get_states::Request::default()).await.unwrap();
    c.delete_state(pb::delete_state::Request::default()).await.unwrap();

    let p = c.plan_action(pb::plan_action::Request::default()).await.unwrap().into_inner();
    assert_eq!(errors(&p.diagnostics).len(), 1);
    let mut inv = c.invoke_action(pb::invoke_action::Request::default()).await.unwrap().into_inner();
    assert!(inv.message().await.unwrap().is_none());
    c.validate_action_config(pb::validate_action_config::Request::default()).await.unwrap();

    let stop = c.stop_provider(pb::stop_provider::Request {}).await.unwrap().into_inner();
    assert_eq!(stop.error, "");
    s.stop().await.unwrap();
}

#[tokio::test]
async fn messages_far_above_tonics_4_mib_default_are_accepted() {
    let mut s = InProcess::start(fake_engine()).await;
    let ty = thing_type();
    let mut cfg = thing_config("big");
    cfg.set("note", Value::string("x".repeat(12 << 20)));
    let r = s
        .client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: THING.into(),
            proposed_new_state: Some(dv(&cfg, &ty)),
            config: Some(dv(&cfg, &ty)),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty());
    assert_eq!(undv(r.planned_state.as_ref(), &ty).get("note").as_str().map(str::len), Some(12 << 20));
    s.stop().await.unwrap();
}

#[tokio::test]
async fn health_reports_the_plugin_service_serving() {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    let s = InProcess::start(fake_engine()).await;
    let mut health = HealthClient::new(s.channel.clone());
    let r = health.check(HealthCheckRequest { service: "plugin".into() }).await.unwrap().into_inner();
    assert_eq!(r.status, ServingStatus::Serving as i32);
    s.stop().await.unwrap();
}

#[tokio::test]
async fn stdio_and_broker_streams_stay_open_until_controller_shutdown() {
    let s = InProcess::start(fake_engine()).await;
    let mut stdio = GrpcStdioClient::new(s.channel.clone()).stream_stdio(()).await.unwrap().into_inner();
    let outbound = tokio_stream::iter(vec![ConnInfo::default()]).chain(tokio_stream::pending());
    let mut broker = GrpcBrokerClient::new(s.channel.clone()).start_stream(outbound).await.unwrap().into_inner();

    // Open and silent.
    assert!(tokio::time::timeout(Duration::from_millis(200), stdio.message()).await.is_err());
    assert!(tokio::time::timeout(Duration::from_millis(50), broker.message()).await.is_err());

    controller_client(s.channel.clone()).shutdown(Empty {}).await.unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(2), stdio.message()).await.expect("stdio stream ends");
    assert!(!matches!(ended, Ok(Some(_))));
    // The server finishes by itself after Shutdown, well within Terraform's 2 s.
    let mut handle = s.handle;
    tokio::time::timeout(Duration::from_secs(2), &mut handle).await.expect("server exits").unwrap().unwrap();
}
