//! `manage_login_secret` (issue 15 item 7): the secret dmslink creates, writes, tags, repairs and
//! deletes, and the endpoint that reads it instead of a password.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::Main;
use super::schema::schema;
use super::test_bed::*;
use super::validate::validate_config;
use crate::aws::dms::DmsApi;
use crate::aws::error::AwsError;
use crate::aws::iam::IamApi;
use crate::aws::secrets_access::ACCESS_POLICY_NAME;
use crate::aws::secrets_manager::SecretsManagerApi;
use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::validate::validate_block;
use crate::engine::{Resource, Value};

const SECRET_NAME: &str = "dblink-dev-tgt-login";

/// The seed stack whose RDS target keeps its login in a secret dmslink manages.
fn managed_target() -> serde_json::Value {
    let mut j = stack_json("check", false);
    j["target"]["manage_login_secret"] = serde_json::json!(true);
    j["target"]["secrets_manager_access_role"] = serde_json::json!("create");
    j
}

fn validation_errors(json: serde_json::Value) -> Vec<String> {
    let cfg = config(json);
    let mut d = Diagnostics::new();
    validate_block(&schema().block, &cfg, &AttrPath::root(), &mut d);
    validate_config(&cfg, &mut d);
    assert!(d.iter().all(|x| x.is_error()), "no warning for a managed secret: {d:?}");
    d.iter()
        .filter(|x| x.is_error())
        .map(|x| format!("{}: {}", x.path.as_ref().map(|p| p.to_string()).unwrap_or_default(), x.summary))
        .collect()
}

/// The update `prior` → `json` as Terraform would send it.
async fn update(b: &Bed, prior: &Value, json: &serde_json::Value) -> Value {
    let cfg = config(json.clone());
    let mut p = cfg.clone();
    keep(&mut p, prior, &NETWORK_IDS);
    keep(&mut p, prior, &STACK_IDS);
    let mut t = p.get("target").clone();
    for a in ["login_secret_arn", "secrets_manager_access_role_arn", "endpoint_arn", "address"] {
        t.set(a, prior.get("target").get(a).clone());
    }
    p.set("target", t);
    let mut all = prior.get("tags_all").string_map();
    all.extend(cfg.get("tags").string_map());
    p.set("tags_all", Value::from_string_map(&all));
    let out = Main.update(&b.ctx, prior, &p, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    out.state
}

fn login(b: &Bed) -> serde_json::Value {
    serde_json::from_str(&b.w.secrets.value_of(SECRET_NAME).expect("a value")).unwrap()
}

#[test]
fn a_managed_login_needs_a_login_and_conflicts_with_a_secret_of_ones_own() {
    assert_eq!(validation_errors(managed_target()), Vec::<String>::new());
    let mut both = managed_target();
    both["target"]["secrets_manager_arn"] =
        serde_json::json!("arn:aws:secretsmanager:us-east-1:123456789012:secret:tgt-AbC123");
    assert_eq!(validation_errors(both), vec!["target.manage_login_secret: Conflicting credentials".to_string()]);
    let mut no_login = managed_target();
    for a in ["username", "password"] {
        no_login["target"].as_object_mut().unwrap().remove(a);
    }
    no_login["target"]["rds"].as_object_mut().unwrap().remove("master_password");
    let errs = validation_errors(no_login);
    assert!(errs.contains(&"target.manage_login_secret: Missing login for the secret".to_string()), "{errs:?}");
    let mut no_role = managed_target();
    no_role["target"].as_object_mut().unwrap().remove("secrets_manager_access_role");
    assert_eq!(
        validation_errors(no_role),
        vec!["target.secrets_manager_access_role_arn: Missing access role".to_string()]
    );
    let mut mysql = managed_target();
    mysql["target"]["engine_name"] = serde_json::json!("mysql");
    assert!(
        validation_errors(mysql)
            .contains(&"target.manage_login_secret: Secrets Manager credentials not supported for the engine".into())
    );
}

#[tokio::test(start_paused = true)]
async fn create_writes_the_login_with_the_rds_address_and_the_endpoint_reads_it_through_the_role() {
    let b = bed(true);
    let st = b.created(&config(managed_target())).await;
    let arn = s(&st, &["target", "login_secret_arn"]).expect("login_secret_arn").to_string();
    let info = b.w.secrets.describe_secret(SECRET_NAME).await.unwrap().unwrap();
    assert_eq!(info.arn, arn);
    assert_eq!(info.tags.get("dmslink:stack").map(String::as_str), Some(PREFIX));
    assert_eq!(info.tags.get("dmslink:resource").map(String::as_str), Some("login-secret"));
    let v = login(&b);
    assert_eq!(v["username"], "dms");
    assert_eq!(v["password"], "tgt-pw");
    assert_eq!(v["port"], 5432);
    assert_eq!(v["dbname"], "dblink");
    assert_eq!(v["host"].as_str(), s(&st, &["target", "address"]), "the RDS instance's address");

    let ep_arn = s(&st, &["target", "endpoint_arn"]).unwrap().to_string();
    let ep = b.w.dms.find_endpoint_by_arn(&ep_arn).await.unwrap().unwrap();
    let pair = ep.secrets_manager.expect("the endpoint reads the secret");
    assert_eq!(pair.secret_id, arn);
    assert_eq!((ep.username, ep.server_name, ep.port), (None, None, None));
    assert_eq!(b.w.dms.endpoint_password(&ep_arn), None, "no password on the endpoint");
    let role = b.w.iam.get_role("dblink-dev-tgt-secrets").await.unwrap().unwrap();
    assert_eq!(pair.access_role_arn, role.arn);
    let doc: serde_json::Value =
        serde_json::from_str(&b.w.iam.get_role_policy("dblink-dev-tgt-secrets", ACCESS_POLICY_NAME).await.unwrap())
            .unwrap();
    assert_eq!(doc["Statement"][0]["Resource"], arn.as_str(), "the role reads only that secret");
    assert_eq!(st.get("target").get("port").as_i64(), Some(5432));

    // A refresh right after reads the login back as it is: the endpoint has no user of its own.
    let read = Main.read(&b.ctx, &st).await.unwrap().unwrap();
    for a in ["login_secret_arn", "username", "port", "server_name", "endpoint_drift"] {
        assert_eq!(read.get("target").get(a), st.get("target").get(a), "{a}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_new_password_or_tag_rewrites_the_secret_without_touching_the_endpoint() {
    let b = bed(true);
    let mut j = managed_target();
    let prior = b.created(&config(j.clone())).await;
    let arn = s(&prior, &["target", "login_secret_arn"]).unwrap().to_string();
    j["target"]["password"] = serde_json::json!("rotated-pw");
    j["tags"] = serde_json::json!({"app": "dblink", "owner": "data"});
    b.clear_calls();
    b.w.secrets.clear_calls();
    let st = update(&b, &prior, &j).await;
    assert_eq!(login(&b)["password"], "rotated-pw");
    assert!(!b.w.dms.calls().iter().any(|c| c == "modify_endpoint"), "{:?}", b.w.dms.calls());
    assert_eq!(s(&st, &["target", "login_secret_arn"]), Some(arn.as_str()));
    let info = b.w.secrets.describe_secret(&arn).await.unwrap().unwrap();
    assert_eq!(info.tags.get("owner").map(String::as_str), Some("data"), "{:?}", info.tags);
    let role = b.w.iam.get_role("dblink-dev-tgt-secrets").await.unwrap().unwrap();
    assert_eq!(role.tags.get("owner").map(String::as_str), Some("data"), "the access role too: {:?}", role.tags);
    assert_eq!(b.w.secrets.secrets().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_secret_deleted_out_of_band_is_planned_and_made_again_and_the_endpoint_follows() {
    let b = bed(true);
    let j = managed_target();
    let prior = b.created(&config(j.clone())).await;
    b.w.secrets.purge(SECRET_NAME);
    let read = Main.read(&b.ctx, &prior).await.unwrap().unwrap();
    assert!(read.get("target").get("login_secret_arn").is_null(), "refresh sees it gone");

    let p = provider(&b.w, |_| {});
    let plan = plan(&p, &read, &config(j.clone())).await;
    assert_eq!(errors(&plan.diags), Vec::<String>::new());
    assert!(plan.planned.get("target").get("login_secret_arn").is_unknown(), "the plan makes it again");

    let st = update(&b, &read, &j).await;
    let arn = s(&st, &["target", "login_secret_arn"]).expect("a new secret").to_string();
    assert_eq!(login(&b)["password"], "tgt-pw", "its value is written");
    let ep = b.w.dms.find_endpoint_by_arn(s(&st, &["target", "endpoint_arn"]).unwrap()).await.unwrap().unwrap();
    assert_eq!(ep.secrets_manager.map(|p| p.secret_id), Some(arn));
}

#[tokio::test(start_paused = true)]
async fn destroy_schedules_the_deletion_and_the_same_stack_made_again_restores_it() {
    let b = bed(true);
    let cfg = config(managed_target());
    let st = b.created(&cfg).await;
    let arn = s(&st, &["target", "login_secret_arn"]).unwrap().to_string();
    assert_eq!(errors(&Main.delete(&b.ctx, &st).await), Vec::<String>::new());
    assert_eq!(b.w.secrets.secrets(), vec![(SECRET_NAME.to_string(), true)], "scheduled, not gone");
    assert!(b.w.tagged("dmslink:stack", PREFIX).iter().all(|a| a == &arn), "{:?}", b.w.tagged("dmslink:stack", PREFIX));

    let again = b.created(&cfg).await;
    assert_eq!(s(&again, &["target", "login_secret_arn"]), Some(arn.as_str()), "restored");
    assert_eq!(b.w.secrets.secrets(), vec![(SECRET_NAME.to_string(), false)]);
    assert_eq!(login(&b)["host"].as_str(), s(&again, &["target", "address"]), "rewritten for the new instance");
}

#[tokio::test(start_paused = true)]
async fn a_lost_create_answer_adopts_the_secret_and_writes_its_value() {
    let b = bed(true);
    b.w.secrets.lose_next_answer("create_secret", AwsError::from_code("ResourceExistsException", "exists"));
    let st = b.created(&config(managed_target())).await;
    assert_eq!(b.w.secrets.secrets().len(), 1);
    assert!(s(&st, &["target", "login_secret_arn"]).is_some());
    assert_eq!(login(&b)["username"], "dms");

    // A failure after the secret exists keeps it in state.
    let b = bed(true);
    b.w.dms.fail_next("create_endpoint", AwsError::from_code("InvalidParameterValueException", "refused"));
    let out = b.create(&config(managed_target())).await;
    assert!(!errors(&out.diags).is_empty());
    assert!(s(&out.state, &["target", "login_secret_arn"]).is_some(), "in state as soon as it exists");
}

#[tokio::test(start_paused = true)]
async fn turning_it_off_replaces_the_endpoint_and_deletes_the_secret() {
    let b = bed(true);
    let mut j = managed_target();
    let prior = b.created(&config(j.clone())).await;
    j["target"].as_object_mut().unwrap().remove("manage_login_secret");
    j["target"].as_object_mut().unwrap().remove("secrets_manager_access_role");
    let p = provider(&b.w, |_| {});
    let plan = plan(&p, &prior, &config(j)).await;
    assert_eq!(errors(&plan.diags), Vec::<String>::new());
    assert!(plan.planned.get("target").get("login_secret_arn").is_null());
    assert!(plan.planned.get("target").get("endpoint_arn").is_unknown(), "the endpoint is re-created");
}

/// Through the provider as Terraform drives it: plan, apply, refresh and a second plan that is
/// clean; the endpoint reading the secret also gets the configured KMS key.
#[tokio::test(start_paused = true)]
async fn a_planned_and_applied_stack_with_a_login_secret_plans_clean_and_keeps_its_kms_key() {
    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-3333-4444-555566667777";
    let w = world(true);
    let p = provider(&w, |_| {});
    let mut j = managed_target();
    j["target"]["kms_key_arn"] = serde_json::json!(KEY);
    let cfg = config(j);
    let planned = plan(&p, &Value::Null, &cfg).await;
    assert_eq!(errors(&planned.diags), Vec::<String>::new());
    assert!(planned.planned.get("target").get("login_secret_arn").is_unknown());
    let (state, d) = p.apply_resource_change(MAIN, &Value::Null, &planned.planned, &cfg).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    let ep = w.dms.find_endpoint_by_arn(s(&state, &["target", "endpoint_arn"]).unwrap()).await.unwrap().unwrap();
    assert_eq!(ep.kms_key_id.as_deref(), Some(KEY));
    assert!(ep.secrets_manager.is_some());
    let (read, d) = p.read_resource(MAIN, &state).await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(plan(&p, &read, &cfg).await.planned, read, "clean plan");

    // Import finds the login secret and the access role it owns, with the user and port the secret
    // holds; only the passwords (which import cannot know) differ from the configuration.
    let (imported, d) = p.import_resource_state(MAIN, "dblink/dev").await;
    assert!(d.is_empty(), "{d:?}");
    let (imported, d) = p.read_resource(MAIN, &imported.unwrap()).await;
    assert!(d.is_empty(), "{d:?}");
    let t = imported.get("target");
    assert_eq!(t.get("manage_login_secret"), &Value::Bool(true));
    assert_eq!(t.get("login_secret_arn"), state.get("target").get("login_secret_arn"));
    assert_eq!(s(&imported, &["target", "secrets_manager_access_role"]), Some("create"));
    assert_eq!(s(&imported, &["target", "username"]), Some("dms"));
    assert_eq!(t.get("port").as_i64(), Some(5432));
    assert!(t.get("password").is_null(), "the password stays out of the imported state");
    let planned = plan(&p, &imported, &cfg).await;
    assert!(planned.requires_replace.is_empty(), "{:?}", planned.requires_replace);
    let drift = planned.planned.get("target").get("endpoint_drift").clone();
    assert!(drift.is_null() || drift.string_map().is_empty(), "no drift: {drift:?}");
}
