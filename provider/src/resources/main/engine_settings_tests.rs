//! `oracle_settings {}` / `postgres_settings {}`: plan-time checks, only the configured settings
//! sent at create, drift of a configured setting planned and repaired, settings AWS adds recorded
//! without a diff, and a removed setting cleared with `ExactSettings` (issue 15 item 3).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::aws::Secret;
use crate::aws::dms::{DmsApi, ModifyEndpointInput};
use crate::aws::engine_settings::{EngineSettings, OracleSettings, PostgresSettings};
use crate::engine::Value;
use crate::engine::provider::ClientCapabilities;
use crate::resources::main::engine_settings::{Configured, SET_ATTR, change, configured_keys, plan_block, read, shown};
use crate::resources::main::test_bed::{self, MAIN, errors, s, stack_json, world};

fn validation_errors(j: &serde_json::Value) -> Vec<String> {
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    errors(&p.validate_resource_config(MAIN, &test_bed::config(j.clone()), ClientCapabilities::default()))
}

#[test]
fn a_settings_block_must_fit_the_engine() {
    let mut j = stack_json("check", false);
    j["target"]["oracle_settings"] = serde_json::json!({"char_length_semantics": "char"});
    let e = validation_errors(&j);
    assert!(
        e.iter().any(|e| e.contains("oracle_settings does not fit the engine") && e.contains("\"postgres\"")),
        "{e:?}"
    );
    let mut j = stack_json("check", false);
    j["source"][1]["postgres_settings"] = serde_json::json!({"map_jsonb_as_clob": true});
    let e = validation_errors(&j);
    assert!(e.iter().any(|e| e.contains("postgres_settings does not fit the engine")), "{e:?}");
}

#[test]
fn a_one_sided_setting_on_the_other_side_is_refused_at_plan() {
    // terraform-provider-aws#46676: TrimSpaceInChar on an Oracle target.
    let mut j = stack_json("check", false);
    j["target"]["engine_name"] = serde_json::json!("oracle");
    j["target"]["oracle_settings"] = serde_json::json!({"trim_space_in_char": true, "char_length_semantics": "char"});
    let e = validation_errors(&j);
    assert_eq!(e.iter().filter(|e| e.contains("Setting not taken by this side")).count(), 1, "{e:?}");
    assert!(e.iter().any(|e| e.contains("'TrimSpaceInChar' for endpoint of type target")), "{e:?}");
    let mut j = stack_json("check", false);
    j["target"]["postgres_settings"] = serde_json::json!({"slot_name": "dms"});
    j["source"][1]["oracle_settings"] = serde_json::json!({"use_direct_path_full_load": true});
    let e = validation_errors(&j);
    assert!(e.iter().any(|e| e.contains("slot_name (SlotName) applies to a source endpoint only")), "{e:?}");
    assert!(
        e.iter().any(|e| e.contains("use_direct_path_full_load (UseDirectPathFullLoad) applies to a target")),
        "{e:?}"
    );
}

#[test]
fn binary_reader_and_asm_settings_are_checked() {
    let mut j = stack_json("check", false);
    j["source"][1]["oracle_settings"] = serde_json::json!({"use_bfile": true, "asm_server": "asm:1521/+ASM"});
    let e = validation_errors(&j);
    assert!(e.iter().any(|e| e.contains("Binary Reader needs use_logminer_reader = false")), "{e:?}");
    assert!(e.iter().any(|e| e.contains("asm_server applies to Binary Reader only")), "{e:?}");
    j["source"][1]["oracle_settings"] = serde_json::json!({
        "use_bfile": true, "use_logminer_reader": false, "asm_server": "asm:1521/+ASM", "asm_user": "asm",
        "asm_password": "x", "parallel_asm_read_threads": 4
    });
    assert_eq!(validation_errors(&j), Vec::<String>::new());
}

#[test]
fn enums_and_ranges_are_checked() {
    let mut j = stack_json("check", false);
    j["target"]["postgres_settings"] = serde_json::json!({"map_long_varchar_as": "blob", "max_file_size": 0});
    j["source"][1]["oracle_settings"] = serde_json::json!({
        "use_bfile": true, "use_logminer_reader": false, "parallel_asm_read_threads": 9,
        "open_transaction_window": 241
    });
    let e = validation_errors(&j);
    for what in ["blob", "max_file_size", "parallel_asm_read_threads", "open_transaction_window"] {
        assert!(e.iter().any(|e| e.contains(what)), "{what}: {e:?}");
    }
}

#[test]
fn the_configured_attributes_are_recorded_and_a_removed_one_is_planned_unknown() {
    let cfg = test_bed::config(stack_json("check", false));
    let mut target_cfg = cfg.get("target").clone();
    let mut pg = Value::Object(Default::default());
    pg.set("max_file_size", Value::int(512));
    target_cfg.set("postgres_settings", pg.clone());
    assert_eq!(configured_keys(&target_cfg), vec!["postgres_settings.max_file_size".to_string()]);

    let mut prior = target_cfg.clone();
    let mut prior_pg = pg.clone();
    prior_pg.set("map_jsonb_as_clob", Value::Bool(true));
    prior.set("postgres_settings", prior_pg.clone());
    prior.set(
        SET_ATTR,
        Value::List(vec![
            Value::string("postgres_settings.map_jsonb_as_clob"),
            Value::string("postgres_settings.max_file_size"),
        ]),
    );
    let mut planned = prior.clone();
    plan_block(&prior, &target_cfg, &mut planned);
    assert_eq!(planned.get(SET_ATTR), &Value::List(vec![Value::string("postgres_settings.max_file_size")]));
    assert!(planned.get("postgres_settings").get("map_jsonb_as_clob").is_unknown(), "reset to AWS's default");
    assert_eq!(planned.get("postgres_settings").get("max_file_size"), &Value::int(512));
}

#[test]
fn a_settings_block_unknown_at_plan_is_recorded_from_the_configuration_at_apply() {
    let cfg = test_bed::config(stack_json("check", false));
    let mut unknown_cfg = cfg.get("target").clone();
    unknown_cfg.set("postgres_settings", Value::Unknown);
    let mut prior = cfg.get("target").clone();
    prior.set(SET_ATTR, Value::List(vec![Value::string("postgres_settings.max_file_size")]));
    let mut planned = prior.clone();
    plan_block(&prior, &unknown_cfg, &mut planned);
    assert!(planned.get(SET_ATTR).is_unknown(), "no removal is planned from an unknown block");
    // At apply the configuration is known.
    let mut known_cfg = cfg.get("target").clone();
    let mut pg = Value::Object(Default::default());
    pg.set("max_file_size", Value::int(512));
    known_cfg.set("postgres_settings", pg.clone());
    planned.set("postgres_settings", pg);
    let got = read(&planned, &known_cfg);
    assert_eq!(got.keys, vec!["postgres_settings.max_file_size".to_string()]);
    assert_eq!(got.settings.postgres.and_then(|p| p.max_file_size), Some(512));
}

#[test]
fn change_sends_only_changed_keys_or_everything_with_exact_settings() {
    let pg = |max: i32, jsonb: Option<bool>| EngineSettings {
        postgres: Some(PostgresSettings { max_file_size: Some(max), map_jsonb_as_clob: jsonb, ..Default::default() }),
        oracle: None,
    };
    let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let before = Configured {
        settings: pg(512, Some(true)),
        keys: keys(&["postgres_settings.map_jsonb_as_clob", "postgres_settings.max_file_size"]),
        recorded: pg(512, Some(true)),
        asm_password_version: None,
    };
    assert_eq!(change(&before, &before), None);
    let now = Configured { settings: pg(1024, Some(true)), ..before.clone() };
    let (sent, exact) = change(&now, &before).unwrap();
    assert!(!exact);
    assert_eq!(
        sent,
        EngineSettings {
            postgres: Some(PostgresSettings { max_file_size: Some(1024), ..Default::default() }),
            oracle: None
        }
    );
    let removed = Configured {
        settings: pg(512, None),
        keys: keys(&["postgres_settings.max_file_size"]),
        recorded: pg(512, Some(true)),
        asm_password_version: None,
    };
    assert_eq!(change(&removed, &before), Some((pg(512, None), true)));
    // Every setting removed: an empty object, which ExactSettings clears.
    let none = Configured { settings: EngineSettings::default(), keys: vec![], ..removed.clone() };
    let cleared = EngineSettings { postgres: Some(PostgresSettings::default()), oracle: None };
    assert_eq!(change(&none, &before), Some((cleared, true)));
    // Newly configured with the value AWS already has (after an import): nothing to send.
    let imported = Configured { keys: vec![], ..before.clone() };
    assert_eq!(change(&before, &imported), None);
    // A write-only ASM password is sent again only when its version changes.
    let asm = |v: i64| Configured {
        settings: EngineSettings {
            oracle: Some(OracleSettings { asm_password: Some(Secret::new("pw")), ..Default::default() }),
            postgres: None,
        },
        keys: vec![],
        recorded: EngineSettings::default(),
        asm_password_version: Some(v),
    };
    assert_eq!(change(&asm(1), &asm(1)), None);
    let (sent, _) = change(&asm(2), &asm(1)).unwrap();
    assert_eq!(sent.oracle.and_then(|o| o.asm_password), Some(Secret::new("pw")));
}

#[test]
fn a_lost_modify_is_done_only_when_the_endpoint_shows_every_setting_sent() {
    let pg = |p: PostgresSettings| EngineSettings { postgres: Some(p), oracle: None };
    let sent = pg(PostgresSettings { max_file_size: Some(512), ..Default::default() });
    let now = pg(PostgresSettings { max_file_size: Some(512), execute_timeout: Some(60), ..Default::default() });
    assert!(shown(&sent, &now));
    assert!(shown(&EngineSettings::default(), &now));
    assert!(!shown(&sent, &pg(PostgresSettings { max_file_size: Some(32768), ..Default::default() })));
    let asm = EngineSettings {
        oracle: Some(OracleSettings { asm_password: Some(Secret::new("x")), ..Default::default() }),
        postgres: None,
    };
    assert!(!shown(&asm, &EngineSettings::default()), "a secret cannot be read back");
}

/// Issue 15 item 3: only configured settings reach CreateEndpoint; a configured one changed out of
/// band shows in the plan and the apply sets it back (that key alone); one AWS adds is recorded
/// with no diff; a removed one is cleared with ExactSettings, with the password sent again; an
/// import reads them back.
#[tokio::test(start_paused = true)]
async fn configured_settings_are_sent_repaired_and_cleared() {
    let w = world(true);
    let p = test_bed::provider(&w, |_| {});
    let mut j = stack_json("check", false);
    j["target"]["postgres_settings"] = serde_json::json!({"max_file_size": 512, "map_boolean_as_boolean": true});
    j["source"][1]["oracle_settings"] = serde_json::json!({"trim_space_in_char": false});
    let cfg = test_bed::config(j.clone());
    let planned = test_bed::plan(&p, &Value::Null, &cfg).await;
    assert!(!planned.diags.has_errors(), "{:?}", planned.diags);
    let (state, d) = p.apply_resource_change(MAIN, &Value::Null, &planned.planned, &cfg).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    let target_arn = s(&state, &["target", "endpoint_arn"]).unwrap().to_string();
    let onprem_arn = s(&state, &["source", "1", "endpoint_arn"]).unwrap().to_string();
    let target = w.dms.find_endpoint_by_arn(&target_arn).await.unwrap().unwrap();
    assert_eq!(
        target.engine_settings.postgres,
        Some(PostgresSettings { max_file_size: Some(512), map_boolean_as_boolean: Some(true), ..Default::default() }),
        "only what the configuration sets (terraform-provider-aws#47884)"
    );
    let onprem = w.dms.find_endpoint_by_arn(&onprem_arn).await.unwrap().unwrap();
    assert_eq!(onprem.engine_settings.oracle.and_then(|o| o.trim_space_in_char), Some(false), "TFP#49468");
    let (read, d) = p.read_resource(MAIN, &state).await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(test_bed::plan(&p, &read, &cfg).await.planned, read, "clean plan after create");

    // The console: a configured setting changed, and one the configuration never set added.
    let sent = EngineSettings {
        postgres: Some(PostgresSettings {
            max_file_size: Some(4096),
            execute_timeout: Some(100),
            ..Default::default()
        }),
        oracle: None,
    };
    w.dms
        .modify_endpoint(ModifyEndpointInput {
            arn: target_arn.clone(),
            engine_name: Some("postgres".into()),
            engine_settings: sent,
            ..Default::default()
        })
        .await
        .unwrap();
    let (read, d) = p.read_resource(MAIN, &state).await;
    assert!(!d.has_errors(), "{d:?}");
    let pg_read = read.get("target").get("postgres_settings");
    assert_eq!((pg_read.get("max_file_size"), pg_read.get("execute_timeout")), (&Value::int(4096), &Value::int(100)));
    let plan = test_bed::plan(&p, &read, &cfg).await;
    assert!(plan.requires_replace.is_empty(), "{:?}", plan.requires_replace);
    let pg_plan = plan.planned.get("target").get("postgres_settings");
    assert_eq!(pg_plan.get("max_file_size"), &Value::int(512), "drift of a configured setting is planned back");
    assert_eq!(pg_plan.get("execute_timeout"), &Value::int(100), "AWS's own value is no diff");
    let (applied, d) = p.apply_resource_change(MAIN, &read, &plan.planned, &cfg).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    let target = w.dms.find_endpoint_by_arn(&target_arn).await.unwrap().unwrap().engine_settings.postgres.unwrap();
    assert_eq!((target.max_file_size, target.execute_timeout), (Some(512), Some(100)), "merge: that key alone");
    let (read, _) = p.read_resource(MAIN, &applied).await;
    assert_eq!(test_bed::plan(&p, &read, &cfg).await.planned, read, "clean plan after the repair");

    // max_file_size removed from the configuration: ExactSettings with the rest and the password.
    j["target"]["postgres_settings"] = serde_json::json!({"map_boolean_as_boolean": true});
    let cfg = test_bed::config(j.clone());
    let plan = test_bed::plan(&p, &read, &cfg).await;
    assert!(plan.planned.get("target").get("postgres_settings").get("max_file_size").is_unknown());
    let (applied, d) = p.apply_resource_change(MAIN, &read, &plan.planned, &cfg).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    let target = w.dms.find_endpoint_by_arn(&target_arn).await.unwrap().unwrap();
    assert_eq!(
        target.engine_settings.postgres,
        Some(PostgresSettings { map_boolean_as_boolean: Some(true), ..Default::default() })
    );
    assert_eq!(w.dms.endpoint_password(&target_arn), Some(Secret::new("tgt-pw")), "credentials sent again");
    let (read, _) = p.read_resource(MAIN, &applied).await;
    assert_eq!(test_bed::plan(&p, &read, &cfg).await.planned, read, "clean plan after the removal");

    // Import reads the settings back; the first apply records the configured ones and sends nothing.
    let (imported, d) = p.import_resource_state(MAIN, "dblink/dev").await;
    assert!(d.is_empty(), "{d:?}");
    let (state, d) = p.read_resource(MAIN, &imported.unwrap()).await;
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(state.get("target").get("postgres_settings").get("map_boolean_as_boolean"), &Value::Bool(true));
    assert!(state.get("target").get(SET_ATTR).is_null());
    let plan = test_bed::plan(&p, &state, &cfg).await;
    assert!(plan.requires_replace.is_empty(), "{:?}", plan.requires_replace);
    // (The endpoints are modified all the same: an import cannot know the passwords.)
    let (applied, d) = p.apply_resource_change(MAIN, &state, &plan.planned, &cfg).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    let keys = applied.get("target").get(SET_ATTR).clone();
    assert_eq!(keys, Value::List(vec![Value::string("postgres_settings.map_boolean_as_boolean")]));
    let (read, _) = p.read_resource(MAIN, &applied).await;
    assert_eq!(test_bed::plan(&p, &read, &cfg).await.planned, read, "clean plan after the import's apply");

    // The whole block removed: ExactSettings with an empty object clears the endpoint's settings.
    j["target"]["postgres_settings"] = serde_json::Value::Null;
    let cfg = test_bed::config(j);
    let plan = test_bed::plan(&p, &read, &cfg).await;
    let (applied, d) = p.apply_resource_change(MAIN, &read, &plan.planned, &cfg).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    assert_eq!(w.dms.find_endpoint_by_arn(&target_arn).await.unwrap().unwrap().engine_settings.postgres, None);
    let (read, _) = p.read_resource(MAIN, &applied).await;
    assert_eq!(test_bed::plan(&p, &read, &cfg).await.planned, read, "clean plan after the block's removal");
}
