//! A task made with the AWS provider, moved into `dmslink_repltask` and driven through the engine as
//! Terraform would after the move: refresh, then a plan with the configuration the task had under
//! the AWS provider, which is clean — the running task is neither stopped nor modified.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use super::schema::schema;
use super::tests::against_fake_dms::{bed, ops};
use crate::aws::Clients;
use crate::engine::provider::Provider;
use crate::engine::{MoveSource, Value};
use crate::provider_config::{Configured, ProviderBlock};
use crate::resources::aws_state::AWS_PROVIDERS;

const FIXTURE: &str = include_str!("../../../tests/fixtures/moved/aws_dms_replication_task.json");
const TASK: &str = "dmslink_repltask";
const SETTINGS: &str = r#"{"FullLoadSettings": {"MaxFullLoadSubTasks": 8}}"#;

/// Terraform's proposed new state: the configuration, with computed attributes it leaves null
/// taken from the prior state.
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
async fn a_task_moved_from_the_aws_provider_plans_clean_after_the_refresh() {
    let b = bed();
    // The task as it runs (made here through dmslink's create, which the move does not care about).
    let mut cfg = b.planned(true);
    cfg.set("replication_task_settings", Value::string(SETTINGS));
    cfg.set("tags_all", Value::Null);
    cfg.set("replication_task_arn", Value::Null);
    cfg.set("status", Value::Null);
    let mut planned = cfg.clone();
    planned.set("tags_all", Value::Unknown);
    planned.set("replication_task_arn", Value::Unknown);
    planned.set("status", Value::Unknown);
    let made = crate::engine::Resource::create(&super::Repltask, &b.ctx, &planned, &cfg).await;
    assert!(!made.diags.has_errors(), "{:?}", made.diags);
    let arn = made.state.get("replication_task_arn").as_str().unwrap().to_string();
    let task = b.dms.task(&arn).unwrap();
    let whole = task.settings.clone().unwrap();
    assert!(whole.contains("ErrorBehavior"), "DMS merged its defaults into the settings: {whole}");

    // The AWS provider's state of that task: DMS's own spelling of the documents, the whole settings.
    let mut aws: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
    let set = |aws: &mut serde_json::Value, k: &str, v: serde_json::Value| aws[k] = v;
    set(&mut aws, "replication_task_arn", arn.clone().into());
    set(&mut aws, "source_endpoint_arn", b.src.clone().into());
    set(&mut aws, "target_endpoint_arn", b.tgt.clone().into());
    set(&mut aws, "replication_instance_arn", b.rep.clone().into());
    set(&mut aws, "table_mappings", task.table_mappings.clone().into());
    set(&mut aws, "replication_task_settings", whole.into());
    set(&mut aws, "status", task.status.clone().into());
    set(&mut aws, "tags", serde_json::json!({"app": "dblink"}));
    set(&mut aws, "tags_all", serde_json::json!({"app": "dblink", "team": "data"}));
    let aws = aws.to_string();
    let source = MoveSource {
        provider_address: AWS_PROVIDERS[0],
        type_name: "aws_dms_replication_task",
        schema_version: 0,
        state_json: aws.as_bytes(),
    };

    let engine = Provider::new(ProviderBlock, crate::resources::all_resources(), crate::resources::all_data_sources());
    engine.set_configured(Configured {
        clients: Clients::with_dms(b.dms.clone()),
        region: "us-east-1".into(),
        account_id: Some("123456789012".into()),
        partition: "aws".into(),
        default_tags: BTreeMap::from([("team".to_string(), "data".to_string())]),
    });
    let calls_before = b.dms.calls().len();
    let (moved, d) = engine.move_resource_state(TASK, &source);
    assert!(d.is_empty(), "{d:?}");
    let (read, d) = engine.read_resource(TASK, &moved.unwrap()).await;
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(read.get("replication_task_arn").as_str(), Some(arn.as_str()));

    let plan = engine.plan_resource_change(TASK, &read, &proposed(&read, &cfg), &cfg).await;
    assert!(!plan.diags.has_errors() && plan.requires_replace.is_empty(), "{:?}", plan.diags);
    assert_eq!(plan.planned, read, "the first plan after the move is clean");
    assert!(ops(b.dms.calls()[calls_before..].to_vec()).is_empty(), "the move and refresh change nothing");
}

/// The AWS provider records the CDC start position DMS reports; a configuration that never set one
/// plans it away in place, and the apply neither stops nor modifies the running task.
#[tokio::test(start_paused = true)]
async fn a_moved_cdc_start_position_the_configuration_leaves_out_changes_nothing_in_dms() {
    let b = bed();
    let mut cfg = b.planned(true);
    for computed in ["tags_all", "replication_task_arn", "status"] {
        cfg.set(computed, Value::Null);
    }
    let mut planned = cfg.clone();
    for computed in ["tags_all", "replication_task_arn", "status"] {
        planned.set(computed, Value::Unknown);
    }
    let made = crate::engine::Resource::create(&super::Repltask, &b.ctx, &planned, &cfg).await;
    assert!(!made.diags.has_errors(), "{:?}", made.diags);
    // The state as moved, holding a position the configuration does not set.
    let mut moved = made.state.clone();
    moved.set("cdc_start_position", Value::string("checkpoint:V1#27#mysql-bin-changelog.157832:1975:-1:2002:677883278264080:mysql-bin-changelog.157832:1876#0#0#*#0#93"));
    let engine = Provider::new(ProviderBlock, crate::resources::all_resources(), crate::resources::all_data_sources());
    engine.set_configured(Configured {
        clients: Clients::with_dms(b.dms.clone()),
        region: "us-east-1".into(),
        account_id: Some("123456789012".into()),
        partition: "aws".into(),
        default_tags: BTreeMap::from([("team".to_string(), "data".to_string())]),
    });
    let (read, d) = engine.read_resource(TASK, &moved).await;
    assert!(d.is_empty(), "{d:?}");
    let plan = engine.plan_resource_change(TASK, &read, &proposed(&read, &cfg), &cfg).await;
    assert!(plan.requires_replace.is_empty() && !plan.diags.has_errors(), "{:?}", plan.diags);
    assert!(plan.planned.get("cdc_start_position").is_null());
    let calls_before = b.dms.calls().len();
    let (applied, d) = engine.apply_resource_change(TASK, &read, &plan.planned, &cfg).await;
    assert!(!d.has_errors(), "{d:?}");
    assert!(applied.get("cdc_start_position").is_null());
    assert_eq!(ops(b.dms.calls()[calls_before..].to_vec()), Vec::<String>::new(), "no stop, modify or start");
}
