//! Secrets Manager credentials (issue 15 item 1): the plan-time refusals, the access role's check
//! and creation, and the endpoint DMS is sent (the pair, never a password).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::Main;
use super::schema::schema;
use super::test_bed::*;
use super::validate::validate_config;
use crate::aws::dms::{DmsApi, SecretsManagerRef};
use crate::aws::error::AwsError;
use crate::aws::iam::{CreateRoleInput, IamApi};
use crate::aws::secrets_access::ACCESS_POLICY_NAME;
use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::validate::validate_block;
use crate::engine::{Resource, Value};

const SECRET: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dblink-target-AbC123";
const ROLE: &str = "arn:aws:iam::123456789012:role/dblink-secrets";
const CREATED_ROLE: &str = "dblink-dev-tgt-secrets";

/// The seed stack with server sources and a target on an existing server whose login is in a secret.
fn secret_target(role: serde_json::Value) -> serde_json::Value {
    let mut j = stack_json("check", false);
    j["target"] = serde_json::json!({"database_name": "dblink", "secrets_manager_arn": SECRET});
    match role {
        serde_json::Value::String(s) if s == "create" => {
            j["target"]["secrets_manager_access_role"] = serde_json::json!("create");
        }
        other => j["target"]["secrets_manager_access_role_arn"] = other,
    }
    j
}

/// Every error as `path: summary`.
fn validation_errors(json: serde_json::Value) -> Vec<String> {
    let cfg = config(json);
    let mut d = Diagnostics::new();
    validate_block(&schema().block, &cfg, &AttrPath::root(), &mut d);
    validate_config(&cfg, &mut d);
    d.iter()
        .filter(|x| x.is_error())
        .map(|x| format!("{}: {}", x.path.as_ref().map(|p| p.to_string()).unwrap_or_default(), x.summary))
        .collect()
}

fn trust(principal: &str) -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}]})
    .to_string()
}

fn get_secret_on(resource: &str) -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue", "Resource": resource}]})
    .to_string()
}

/// A bed whose role `dblink-secrets` trusts `principal` and has `inline` (when given).
async fn bed_with_access_role(principal: &str, inline: Option<&str>) -> Bed {
    let b = bed(true);
    let input =
        CreateRoleInput { name: "dblink-secrets".into(), assume_role_policy: trust(principal), ..Default::default() };
    b.w.iam.create_role(input).await.unwrap();
    if let Some(doc) = inline {
        b.w.iam.put_role_policy("dblink-secrets", "read-secret", doc).unwrap();
    }
    b
}

#[test]
fn clear_text_credentials_beside_a_secret_are_refused_at_validate_with_their_paths() {
    let mut j = secret_target(serde_json::json!(ROLE));
    for (attr, v) in [
        ("username", serde_json::json!("dms")),
        ("password", serde_json::json!("pw")),
        ("server_name", serde_json::json!("pg.corp.example")),
        ("port", serde_json::json!(5432)),
    ] {
        j["target"][attr] = v;
    }
    let errs = validation_errors(j);
    for attr in ["username", "password", "server_name", "port"] {
        assert!(errs.contains(&format!("target.{attr}: Conflicting credentials")), "{attr}: {errs:?}");
    }
    assert_eq!(errs.len(), 4, "{errs:?}");
    assert_eq!(validation_errors(secret_target(serde_json::json!(ROLE))), Vec::<String>::new());
}

#[test]
fn secret_settings_that_cannot_work_are_refused_at_validate() {
    let mut by_name = secret_target(serde_json::json!(ROLE));
    by_name["target"]["secrets_manager_arn"] =
        serde_json::json!("arn:aws:secretsmanager:us-east-1:123456789012:secret:dblink-tgt");
    let errs = validation_errors(by_name);
    assert_eq!(errs, vec!["target.secrets_manager_arn: Invalid Secrets Manager secret ARN".to_string()]);

    let mut no_role = secret_target(serde_json::Value::Null);
    no_role["target"].as_object_mut().unwrap().remove("secrets_manager_access_role_arn");
    assert_eq!(
        validation_errors(no_role),
        vec!["target.secrets_manager_access_role_arn: Missing access role".to_string()]
    );

    let mut both = secret_target(serde_json::json!("create"));
    both["target"]["secrets_manager_access_role_arn"] = serde_json::json!(ROLE);
    assert_eq!(
        validation_errors(both),
        vec!["target.secrets_manager_access_role_arn: Conflicting access role settings".to_string()]
    );

    let mut on_rds = secret_target(serde_json::json!(ROLE));
    on_rds["target"]["rds"] = serde_json::json!({"master_username": "dblink", "master_password": "master-pw"});
    assert_eq!(validation_errors(on_rds.clone()), Vec::<String>::new());
    let mut d = Diagnostics::new();
    validate_config(&config(on_rds), &mut d);
    let warned: Vec<String> = d.iter().map(|x| x.path.as_ref().map(|p| p.to_string()).unwrap_or_default()).collect();
    assert_eq!(warned, vec!["target.secrets_manager_arn".to_string()]);
    assert!(d.iter().all(|x| !x.is_error() && x.detail.contains("address")), "{d:?}");

    let mut mysql = secret_target(serde_json::json!(ROLE));
    mysql["target"]["engine_name"] = serde_json::json!("mysql");
    let errs = validation_errors(mysql);
    assert!(
        errs.contains(
            &"target.secrets_manager_arn: Secrets Manager credentials not supported for the engine".to_string()
        ),
        "{errs:?}"
    );

    let mut role_alone = stack_json("check", false);
    role_alone["target"]["secrets_manager_access_role_arn"] = serde_json::json!(ROLE);
    let errs = validation_errors(role_alone);
    assert!(
        errs.contains(&"target.secrets_manager_access_role_arn: Access role without a secret".to_string()),
        "{errs:?}"
    );
}

#[test]
fn a_secret_in_another_region_is_refused_at_plan() {
    let mut j = secret_target(serde_json::json!(ROLE));
    j["source"][1]["secrets_manager_arn"] =
        serde_json::json!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:onprem-XyZ789");
    let mut d = Diagnostics::new();
    super::secrets_config::validate_region(&config(j), "us-east-1", &mut d);
    let errs: Vec<String> = d.iter().map(|x| x.path.as_ref().map(|p| p.to_string()).unwrap_or_default()).collect();
    assert_eq!(errs, vec!["source[1].secrets_manager_arn".to_string()]);
    assert!(d.iter().all(|x| x.detail.contains("eu-west-1") && x.detail.contains("us-east-1")));
}

#[tokio::test(start_paused = true)]
async fn check_refuses_a_role_without_the_regional_trust_or_the_permission_naming_both() {
    let b =
        bed_with_access_role("dms.amazonaws.com", Some(&get_secret_on("arn:aws:secretsmanager:*:*:secret:other-*")))
            .await;
    let out = b.create(&config(secret_target(serde_json::json!(ROLE)))).await;
    let errs = errors(&out.diags);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let e = &errs[0];
    assert!(e.contains("ensure_secrets_access_roles"), "{e}");
    assert!(e.contains("does not trust dms.us-east-1.amazonaws.com"), "{e}");
    assert!(e.contains(&format!("none of its policies allows secretsmanager:GetSecretValue on {SECRET}")), "{e}");
    assert!(e.contains("secrets_manager_access_role = \"create\""), "{e}");
    assert_eq!(b.w.dms.endpoint_count(), 0, "no endpoint without a usable role");

    let missing = bed(true);
    let errs = errors(&missing.create(&config(secret_target(serde_json::json!(ROLE)))).await.diags);
    assert!(
        errs.len() == 1 && errs[0].contains("IAM role dblink-secrets (secrets_manager_access_role_arn) does not exist"),
        "{errs:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn with_a_good_role_the_endpoint_carries_the_pair_and_no_credentials() {
    let b = bed_with_access_role("dms.us-east-1.amazonaws.com", Some(&get_secret_on(SECRET))).await;
    let st = b.created(&config(secret_target(serde_json::json!(ROLE)))).await;
    let arn = s(&st, &["target", "endpoint_arn"]).unwrap().to_string();
    let ep = b.w.dms.find_endpoint_by_arn(&arn).await.unwrap().unwrap();
    assert_eq!(ep.secrets_manager, Some(SecretsManagerRef { secret_id: SECRET.into(), access_role_arn: ROLE.into() }));
    assert_eq!((ep.username, ep.server_name, ep.port), (None, None, None));
    assert_eq!(ep.database_name.as_deref(), Some("dblink"));
    assert_eq!(b.w.dms.endpoint_password(&arn), None);
    assert_eq!(s(&st, &["target", "secrets_manager_access_role_arn"]), Some(ROLE));
    assert!(st.get("target").get("port").is_null(), "the port is the secret's: {:?}", st.get("target"));
    assert!(!b.w.iam.role_exists(CREATED_ROLE));
}

#[tokio::test(start_paused = true)]
async fn create_makes_a_least_privilege_role_records_it_and_destroy_deletes_it() {
    let b = bed(true);
    let st = b.created(&config(secret_target(serde_json::json!("create")))).await;
    let role = b.w.iam.get_role(CREATED_ROLE).await.unwrap().expect("the access role");
    assert_eq!(s(&st, &["target", "secrets_manager_access_role_arn"]), Some(role.arn.as_str()));
    assert_eq!(role.tags.get("dmslink:stack").map(String::as_str), Some(PREFIX));
    assert!(role.assume_role_policy.contains("dms.us-east-1.amazonaws.com"), "{}", role.assume_role_policy);
    let doc = b.w.iam.get_role_policy(CREATED_ROLE, ACCESS_POLICY_NAME).await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(doc["Statement"][0]["Action"], "secretsmanager:GetSecretValue");
    assert_eq!(doc["Statement"][0]["Resource"], SECRET, "only that secret");
    let arn = s(&st, &["target", "endpoint_arn"]).unwrap().to_string();
    let ep = b.w.dms.find_endpoint_by_arn(&arn).await.unwrap().unwrap();
    assert_eq!(ep.secrets_manager.map(|p| p.access_role_arn), Some(role.arn.clone()));

    let d = Main.delete(&b.ctx, &st).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    assert!(!b.w.iam.role_exists(CREATED_ROLE), "destroy deletes the role it created");
}

#[tokio::test(start_paused = true)]
async fn a_failed_create_keeps_the_new_role_in_state_and_a_lost_answer_is_adopted() {
    // The endpoint's create fails: the role already exists and is in the (partial) state.
    let b = bed(true);
    b.w.dms.fail_next("create_endpoint", AwsError::from_code("InvalidParameterValueException", "refused"));
    let out = b.create(&config(secret_target(serde_json::json!("create")))).await;
    assert!(!errors(&out.diags).is_empty());
    let role = b.w.iam.get_role(CREATED_ROLE).await.unwrap().expect("the access role");
    assert_eq!(s(&out.state, &["target", "secrets_manager_access_role_arn"]), Some(role.arn.as_str()));

    // CreateRole's answer lost: the retry meets EntityAlreadyExists and adopts the tagged role.
    let b = bed(true);
    b.w.iam.lose_next_answer("create_role", AwsError::from_code("EntityAlreadyExists", "Role exists"));
    let st = b.created(&config(secret_target(serde_json::json!("create")))).await;
    let role = b.w.iam.get_role(CREATED_ROLE).await.unwrap().expect("the access role");
    assert_eq!(s(&st, &["target", "secrets_manager_access_role_arn"]), Some(role.arn.as_str()));
    assert!(b.w.iam.get_role_policy(CREATED_ROLE, ACCESS_POLICY_NAME).await.is_ok());

    // A role of that name without this stack's tags is not adopted.
    let b = bed(true);
    let input = CreateRoleInput {
        name: CREATED_ROLE.into(),
        assume_role_policy: trust("dms.amazonaws.com"),
        ..Default::default()
    };
    b.w.iam.create_role(input).await.unwrap();
    let errs = errors(&b.create(&config(secret_target(serde_json::json!("create")))).await.diags);
    assert!(errs.len() == 1 && errs[0].contains("without this stack's ownership tags"), "{errs:?}");
}

#[tokio::test(start_paused = true)]
async fn an_update_moves_an_endpoint_from_its_password_to_a_secret_in_place() {
    let b = bed_with_access_role("dms.us-east-1.amazonaws.com", Some(&get_secret_on("*"))).await;
    let mut j = stack_json("check", false);
    let prior = b.created(&config(j.clone())).await;
    let arn = s(&prior, &["source", "1", "endpoint_arn"]).unwrap().to_string();
    assert!(b.w.dms.endpoint_password(&arn).is_some());

    let onprem = "arn:aws:secretsmanager:us-east-1:123456789012:secret:onprem-XyZ789";
    j["source"][1] = serde_json::json!({"name": "onprem", "database_name": "ORCL", "engine_name": "oracle",
        "secrets_manager_arn": onprem, "secrets_manager_access_role_arn": ROLE});
    let cfg = config(j);
    let mut p = cfg.clone();
    keep(&mut p, &prior, &NETWORK_IDS);
    keep(&mut p, &prior, &STACK_IDS);
    b.clear_calls();
    let out = Main.update(&b.ctx, &prior, &p, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert!(!b.w.dms.calls().iter().any(|c| c == "create_endpoint"), "{:?}", b.w.dms.calls());
    let ep = b.w.dms.find_endpoint_by_arn(&arn).await.unwrap().unwrap();
    assert_eq!(ep.secrets_manager, Some(SecretsManagerRef { secret_id: onprem.into(), access_role_arn: ROLE.into() }));
    assert_eq!((ep.username, ep.server_name, ep.port), (None, None, None));
    assert_eq!(b.w.dms.endpoint_password(&arn), None, "the clear-text password is gone");
}

#[tokio::test(start_paused = true)]
async fn an_rds_target_dmslink_creates_can_take_its_dms_login_from_a_secret() {
    let b = bed_with_access_role("dms.us-east-1.amazonaws.com", Some(&get_secret_on(SECRET))).await;
    let mut j = secret_target(serde_json::json!(ROLE));
    j["target"]["rds"] = serde_json::json!({"master_username": "dblink", "master_password": "master-pw"});
    let st = b.created(&config(j)).await;
    assert!(s(&st, &["target", "address"]).is_some(), "the RDS instance's address is recorded");
    let arn = s(&st, &["target", "endpoint_arn"]).unwrap().to_string();
    let ep = b.w.dms.find_endpoint_by_arn(&arn).await.unwrap().unwrap();
    assert_eq!(ep.secrets_manager.map(|p| p.secret_id), Some(SECRET.to_string()));
    assert_eq!((ep.username, ep.server_name), (None, None));
    assert_eq!(b.w.dms.endpoint_password(&arn), None);
}

#[test]
fn leaving_a_secret_for_a_password_replaces_the_endpoint_and_the_other_way_is_in_place() {
    use super::replace::{Replaced, replaced};
    let with_secret = super::desired::read(&config(secret_target(serde_json::json!(ROLE))), &Value::Null);
    let mut j = stack_json("check", false);
    j["target"] = serde_json::json!({"database_name": "dblink", "server_name": "pg.corp.example",
        "username": "dms", "password": "tgt-pw"});
    let with_password = super::desired::read(&config(j), &Value::Null);
    assert_eq!(
        replaced(&with_secret, &with_password),
        vec![Replaced::Endpoint { id: "dblink-dev-tgt".into(), setting: "secrets_manager_arn" }]
    );
    assert_eq!(replaced(&with_password, &with_secret), Vec::<Replaced>::new());
}

#[tokio::test(start_paused = true)]
async fn a_created_role_goes_when_its_database_leaves_the_secret() {
    let b = bed(true);
    let prior = b.created(&config(secret_target(serde_json::json!("create")))).await;
    assert!(b.w.iam.role_exists(CREATED_ROLE));
    let mut j = stack_json("check", false);
    j["target"] = serde_json::json!({"database_name": "dblink", "server_name": "pg.corp.example",
        "username": "dms", "password": "tgt-pw"});
    let cfg = config(j);
    let mut p = cfg.clone();
    keep(&mut p, &prior, &NETWORK_IDS);
    keep(&mut p, &prior, &STACK_IDS);
    let out = Main.update(&b.ctx, &prior, &p, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert!(!b.w.iam.role_exists(CREATED_ROLE), "the role of the secret no longer used is deleted");
    let arn = s(&out.state, &["target", "endpoint_arn"]).unwrap().to_string();
    let ep = b.w.dms.find_endpoint_by_arn(&arn).await.unwrap().unwrap();
    assert_eq!((ep.secrets_manager, ep.username.as_deref()), (None, Some("dms")));
    assert_eq!(b.w.dms.endpoint_password(&arn).unwrap().expose(), "tgt-pw");
}

/// The fake refuses the pair beside clear-text credentials as the emulator does (SM1).
#[tokio::test(start_paused = true)]
async fn the_fake_refuses_a_secret_beside_clear_text_credentials() {
    use crate::aws::dms::{CreateEndpointInput, ModifyEndpointInput};
    let b = bed(true);
    let pair = SecretsManagerRef { secret_id: SECRET.into(), access_role_arn: ROLE.into() };
    let input = CreateEndpointInput {
        id: "both".into(),
        endpoint_type: "target".into(),
        engine_name: "postgres".into(),
        database_name: Some("db".into()),
        username: Some("u".into()),
        password: Some(crate::aws::Secret::new("p")),
        secrets_manager: Some(pair.clone()),
        ..Default::default()
    };
    let e = b.w.dms.create_endpoint(input.clone()).await.unwrap_err();
    assert_eq!(e.code, "InvalidParameterCombinationException");
    assert!(e.message.contains("Username, Password"), "{}", e.message);
    let ok = CreateEndpointInput { username: None, password: None, ..input };
    let ep = b.w.dms.create_endpoint(ok).await.unwrap();
    assert_eq!(ep.secrets_manager, Some(pair.clone()));
    let m = ModifyEndpointInput { arn: ep.arn, port: Some(5433), secrets_manager: Some(pair), ..Default::default() };
    assert_eq!(b.w.dms.modify_endpoint(m).await.unwrap_err().code, "InvalidParameterCombinationException");
}

/// Through the provider as Terraform drives it: adding `create` to an existing stack plans the role's
/// ARN unknown (the apply then sets it, consistently), the refreshed stack plans no change, and
/// leaving the secret plans the ARN away.
#[tokio::test(start_paused = true)]
async fn the_created_roles_arn_is_planned_unknown_then_kept_then_dropped() {
    let w = world(true);
    let p = provider(&w, |_| {});
    let mut j = stack_json("check", false);
    j["target"] = serde_json::json!({"database_name": "dblink", "server_name": "pg.corp.example",
        "username": "dms", "password": "tgt-pw"});
    let with_password = config(j);
    let planned = plan(&p, &Value::Null, &with_password).await;
    let (state, d) = p.apply_resource_change(MAIN, &Value::Null, &planned.planned, &with_password).await;
    assert!(!d.has_errors(), "{d:?}");

    let with_secret = config(secret_target(serde_json::json!("create")));
    let planned = plan(&p, &state, &with_secret).await;
    assert!(planned.planned.get("target").get("secrets_manager_access_role_arn").is_unknown());
    let (state, d) = p.apply_resource_change(MAIN, &state, &planned.planned, &with_secret).await;
    assert!(!d.has_errors(), "{d:?}");
    let role = w.iam.get_role(CREATED_ROLE).await.unwrap().expect("the access role");
    assert_eq!(s(&state, &["target", "secrets_manager_access_role_arn"]), Some(role.arn.as_str()));
    let (read, d) = p.read_resource(MAIN, &state).await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(s(&read, &["target", "secrets_manager_arn"]), Some(SECRET), "read back from the endpoint");
    assert_eq!(plan(&p, &read, &with_secret).await.planned, read, "no change after the refresh");

    let planned = plan(&p, &read, &with_password).await;
    assert!(planned.planned.get("target").get("secrets_manager_access_role_arn").is_null());
}
