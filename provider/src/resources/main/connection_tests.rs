//! `endpoint_connection_status` and `test_connections` of `dmslink_main`, driven through the provider
//! as Terraform drives it (plan, apply, read) over the linked fakes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use crate::aws::dms::DmsApi;
use crate::aws::error::AwsError;
use crate::aws::fake::FakeWorld;
use crate::engine::Value;
use crate::engine::diag::Diagnostics;
use crate::engine::provider::{PlanResult, Provider};
use crate::provider_config::Configured;

use super::connections::{NOT_TESTED, STATUS_ATTR};
use super::test_bed::{self, MAIN, errors, world};
const SRC: &str = "dblink-dev-src-geodesy";
const TGT: &str = "dblink-dev-tgt";

/// The bed's world and the provider as Terraform drives it, over a provider configuration that
/// knows no account and has no default tags.
fn bed() -> (FakeWorld, Provider<Configured>) {
    let w = world(true);
    let p = test_bed::provider(&w, |c| {
        c.account_id = None;
        c.default_tags.clear();
    });
    (w, p)
}

/// Source and target are existing servers (no RDS): the stack is quick to make.
fn config(test_connections: Option<bool>, target_password: &str, tags: serde_json::Value) -> Value {
    let json = serde_json::json!({
        "name": "dblink",
        "environment": "dev",
        "tags": tags,
        "test_connections": test_connections,
        "network": {
            "vpc_cidr": "10.20.0.0/24",
            "availability_zones": ["us-east-1a", "us-east-1b"],
            "subnet_cidrs": ["10.20.0.0/26", "10.20.0.64/26"]
        },
        "source": [{"name": "geodesy", "engine_name": "postgres", "server_name": "127.0.0.1", "port": 5433,
                    "database_name": "geo", "username": "dms", "password": "src-pw"}],
        "target": {"server_name": "127.0.0.1", "port": 5433, "database_name": "dblink", "username": "dms",
                   "password": target_password},
        "replication_instance": {}
    });
    test_bed::config(json)
}

async fn plan(p: &Provider<Configured>, prior: &Value, config: &Value) -> PlanResult {
    let r = test_bed::plan(p, prior, config).await;
    assert!(!r.diags.has_errors(), "{:?}", r.diags);
    r
}

/// Plan and apply; the state Terraform would save and the diagnostics.
async fn apply(p: &Provider<Configured>, prior: &Value, config: &Value) -> (Value, Diagnostics, PlanResult) {
    let planned = plan(p, prior, config).await;
    let (state, diags) = p.apply_resource_change(MAIN, prior, &planned.planned, config).await;
    (state, diags, planned)
}

/// `endpoint_connection_status` as endpoint id → (status, message).
fn statuses(state: &Value) -> BTreeMap<String, (String, Option<String>)> {
    state
        .get(STATUS_ATTR)
        .as_map()
        .expect("endpoint_connection_status is a known map")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                (
                    v.get("status").as_str().unwrap().to_string(),
                    v.get("last_failure_message").as_str().map(str::to_string),
                ),
            )
        })
        .collect()
}

fn all(status: &str) -> BTreeMap<String, (String, Option<String>)> {
    BTreeMap::from([(SRC.to_string(), (status.to_string(), None)), (TGT.to_string(), (status.to_string(), None))])
}

fn tests_run(w: &FakeWorld) -> usize {
    w.dms.calls().iter().filter(|c| *c == "test_connection").count()
}

/// An endpoint with the stack's ownership tags, made before the create, which adopts it: its ARN is
/// known in advance, so its connection test can be made to fail.
async fn adoptable_endpoint(w: &FakeWorld, id: &str, endpoint_type: &str) -> String {
    let ep = w.dms.add_endpoint(id, endpoint_type, "postgres");
    let tags = BTreeMap::from([
        ("dmslink:stack".to_string(), "dblink-dev".to_string()),
        ("dmslink:resource".to_string(), "endpoint".to_string()),
    ]);
    w.dms.add_tags(&ep.arn, &tags).await.unwrap();
    ep.arn
}

#[tokio::test(start_paused = true)]
async fn main_status_is_not_tested_without_test_connections_and_no_test_runs() {
    let (w, p) = bed();
    let cfg = config(None, "tgt-pw", serde_json::json!({}));
    let (state, diags, planned) = apply(&p, &Value::Null, &cfg).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    assert!(planned.planned.get(STATUS_ATTR).is_unknown(), "a create plans it unknown");
    assert_eq!(statuses(&state), all(NOT_TESTED));
    assert_eq!(tests_run(&w), 0);
    // A plan without changes keeps it: no diff.
    let (read, d) = p.read_resource(MAIN, &state).await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(statuses(&read), all(NOT_TESTED));
    assert_eq!(plan(&p, &read, &cfg).await.planned, read);
}

#[tokio::test(start_paused = true)]
async fn main_test_connections_tests_every_endpoint_after_create() {
    let (w, p) = bed();
    let cfg = config(Some(true), "tgt-pw", serde_json::json!({}));
    // The first TestConnection finds the instance still settling: retried.
    w.dms.fail_next(
        "test_connection",
        AwsError::from_code("InvalidResourceStateFault", "Replication instance is not in a valid state"),
    );
    let (state, diags, _) = apply(&p, &Value::Null, &cfg).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    assert_eq!(statuses(&state), all("successful"));
    assert_eq!(tests_run(&w), 3, "{:?}", w.dms.calls());
    // Refresh and plan: unchanged, no diff, no test.
    w.dms.clear_calls();
    let (read, _) = p.read_resource(MAIN, &state).await;
    assert_eq!(statuses(&read), all("successful"));
    assert_eq!(plan(&p, &read, &cfg).await.planned, read);
    assert_eq!(tests_run(&w), 0);
}

#[tokio::test(start_paused = true)]
async fn main_failed_connection_test_fails_create_with_the_dms_message_and_keeps_the_stack() {
    let (w, p) = bed();
    let tgt = adoptable_endpoint(&w, TGT, "target").await;
    let message = "FATAL: password authentication failed for user \"dms\"";
    w.dms.fail_connection(&tgt, message);
    let cfg = config(Some(true), "wrong-pw", serde_json::json!({}));
    let (state, diags, _) = apply(&p, &Value::Null, &cfg).await;
    let errs = errors(&diags);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains(&format!("connection test failed for endpoint {TGT}")), "{errs:?}");
    assert!(errs[0].contains(message), "DMS's message verbatim: {errs:?}");
    assert!(errs[0].contains(&tgt), "{errs:?}");
    assert!(errs[0].contains("terraform untaint"), "{errs:?}");
    assert!(!errs[0].contains("wrong-pw") && !errs[0].contains("src-pw"), "{errs:?}");
    // The stack is kept in the state, with what DMS says.
    assert!(state.get("vpc_id").as_str().is_some());
    assert!(state.get("replication_instance_arn").as_str().is_some());
    assert_eq!(state.get("target").get("endpoint_arn").as_str(), Some(tgt.as_str()));
    let s = statuses(&state);
    assert_eq!(s[TGT], ("failed".to_string(), Some(message.to_string())));
    assert_eq!(s[SRC], ("successful".to_string(), None));
    let (read, _) = p.read_resource(MAIN, &state).await;
    assert_eq!(statuses(&read), s, "a read reports the same");

    // untaint + apply with the right password: modified in place, tested again, passes.
    w.dms.clear_calls();
    let fixed = config(Some(true), "right-pw", serde_json::json!({}));
    let (state, diags, planned) = apply(&p, &read, &fixed).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    assert!(planned.planned.get(STATUS_ATTR).is_unknown());
    assert_eq!(w.dms.endpoint_password(&tgt).unwrap().expose(), "right-pw");
    assert_eq!(statuses(&state), all("successful"));
    // The modify makes DMS test the target itself (#46139): the first TestConnection meets
    // "Connection is already being tested" and is sent again once that test is done.
    assert_eq!(tests_run(&w), 3, "{:?}", w.dms.calls());
    let (read, _) = p.read_resource(MAIN, &state).await;
    assert_eq!(plan(&p, &read, &fixed).await.planned, read, "clean plan");
}

#[tokio::test(start_paused = true)]
async fn main_failed_connection_test_after_update_records_the_change_and_a_fix_tests_again() {
    let (w, p) = bed();
    let cfg = config(Some(true), "tgt-pw", serde_json::json!({}));
    let (state, diags, _) = apply(&p, &Value::Null, &cfg).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    let tgt = state.get("target").get("endpoint_arn").as_str().unwrap().to_string();
    let message = "FATAL: password authentication failed for user \"dms\"";
    w.dms.fail_connection(&tgt, message);

    // A wrong password: the endpoint is modified, its test fails.
    let wrong = config(Some(true), "wrong-pw", serde_json::json!({}));
    let (failed, diags, planned) = apply(&p, &state, &wrong).await;
    assert!(planned.planned.get(STATUS_ATTR).is_unknown());
    let errs = errors(&diags);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains(&format!("Error updating DMS stack dblink-dev: connection test failed for endpoint {TGT}"))
    );
    assert!(errs[0].contains(message) && errs[0].contains("aws dms test-connection"), "{errs:?}");
    assert!(!errs[0].contains("wrong-pw") && !errs[0].contains("tgt-pw"), "{errs:?}");
    assert_eq!(w.dms.endpoint_password(&tgt).unwrap().expose(), "wrong-pw");
    // The state records the change that was made, and the failed test.
    assert_eq!(failed.get("target").get("password").as_str(), Some("wrong-pw"));
    assert_eq!(statuses(&failed)[TGT], ("failed".to_string(), Some(message.to_string())));
    assert_eq!(statuses(&failed)[SRC], ("successful".to_string(), None));

    // Setting the password back is a change: the endpoint is modified and tested again.
    let (state, diags, planned) = apply(&p, &failed, &cfg).await;
    assert!(planned.planned.get(STATUS_ATTR).is_unknown());
    assert_eq!(errors(&diags), Vec::<String>::new());
    assert_eq!(w.dms.endpoint_password(&tgt).unwrap().expose(), "tgt-pw");
    assert_eq!(statuses(&state), all("successful"));
}

#[tokio::test(start_paused = true)]
async fn main_status_is_planned_unknown_only_when_the_apply_changes_or_tests_endpoints() {
    let (w, p) = bed();
    let off = config(None, "tgt-pw", serde_json::json!({}));
    let (state, diags, _) = apply(&p, &Value::Null, &off).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    let prior_status = state.get(STATUS_ATTR).clone();

    // Tests off, a tag changes: the status stays as it was, and the apply returns exactly it even
    // though DMS now reports another status (a test run elsewhere).
    let ri = state.get("replication_instance_arn").as_str().unwrap().to_string();
    let tgt = state.get("target").get("endpoint_arn").as_str().unwrap().to_string();
    w.dms.test_connection(&ri, &tgt).await.unwrap();
    let tagged = config(None, "tgt-pw", serde_json::json!({"team": "data"}));
    let (after, diags, planned) = apply(&p, &state, &tagged).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    assert_eq!(planned.planned.get(STATUS_ATTR), &prior_status);
    assert_eq!(after.get(STATUS_ATTR), &prior_status);
    // The next read, once that test has finished, refreshes it; the plan stays clean.
    tokio::time::advance(std::time::Duration::from_secs(1)).await;
    let (read, _) = p.read_resource(MAIN, &after).await;
    assert_eq!(statuses(&read)[TGT], ("successful".to_string(), None));
    assert_eq!(plan(&p, &read, &tagged).await.planned, read);

    // Tests off, an endpoint's password changes: unknown (the endpoint changes).
    let pw = config(None, "new-pw", serde_json::json!({"team": "data"}));
    assert!(plan(&p, &read, &pw).await.planned.get(STATUS_ATTR).is_unknown());

    // Tests on: any update tests, so unknown; a plan without changes keeps it.
    let on = config(Some(true), "tgt-pw", serde_json::json!({"team": "data"}));
    let (state, diags, _) = apply(&p, &read, &on).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    let (read, _) = p.read_resource(MAIN, &state).await;
    assert_eq!(plan(&p, &read, &on).await.planned, read);
    let retag = config(Some(true), "tgt-pw", serde_json::json!({"team": "ops"}));
    assert!(plan(&p, &read, &retag).await.planned.get(STATUS_ATTR).is_unknown());
}

/// With tests on, an endpoint whose last test failed plans an update by itself (its network path
/// may have been fixed outside the configuration, e.g. a VPN connection added): the apply tests
/// again, and once all pass the plan is clean. With tests off it changes nothing.
#[tokio::test(start_paused = true)]
async fn main_a_failed_connection_test_plans_a_new_test_when_tests_are_on() {
    let (w, p) = bed();
    let on = config(Some(true), "tgt-pw", serde_json::json!({}));
    let (state, diags, _) = apply(&p, &Value::Null, &on).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    let ri = state.get("replication_instance_arn").as_str().unwrap().to_string();
    let tgt = state.get("target").get("endpoint_arn").as_str().unwrap().to_string();
    w.dms.fail_connection(&tgt, "timed out connecting to 10.50.0.11:5432");
    w.dms.test_connection(&ri, &tgt).await.unwrap();
    tokio::time::advance(std::time::Duration::from_secs(1)).await;
    let (read, _) = p.read_resource(MAIN, &state).await;
    assert_eq!(statuses(&read)[TGT].0, "failed");

    let off = config(Some(false), "tgt-pw", serde_json::json!({}));
    let planned_off = plan(&p, &read, &off).await.planned;
    assert_eq!(planned_off.get(STATUS_ATTR), read.get(STATUS_ATTR), "tests off: no change by itself");

    w.dms.clear_calls();
    let (state, diags, planned) = apply(&p, &read, &on).await;
    assert!(planned.planned.get(STATUS_ATTR).is_unknown(), "a re-test is planned");
    assert_eq!(errors(&diags), Vec::<String>::new());
    assert_eq!(statuses(&state), all("successful"));
    assert_eq!(tests_run(&w), 2);
    let (read, _) = p.read_resource(MAIN, &state).await;
    assert_eq!(plan(&p, &read, &on).await.planned, read, "clean plan once all passed");
}

/// A test that timed out (no answer from the server, as DMS words it per engine) names where DMS
/// had to reach and the VPN gateway that carries the way on premises; a login error does not.
#[tokio::test(start_paused = true)]
async fn main_a_timed_out_connection_test_names_the_address_and_the_vpn_gateway() {
    let (w, p) = bed();
    let cfg = config(None, "tgt-pw", serde_json::json!({}));
    let (state, diags, _) = apply(&p, &Value::Null, &cfg).await;
    assert_eq!(errors(&diags), Vec::<String>::new());
    let src = state.get("source").as_elements().unwrap()[0].get("endpoint_arn").as_str().unwrap().to_string();
    let tgt = state.get("target").get("endpoint_arn").as_str().unwrap().to_string();
    let vgw = state.get("vpn_gateway_id").as_str().unwrap().to_string();
    w.dms.fail_connection(
        &src,
        "Test Endpoint failed: Application-Status: 1020912, Application-Message: Failed to connect Network error \
         has occurred, Application-Detailed-Message: RetCode: SQL_ERROR SqlState: 08001 NativeError: 101 Message: \
         [unixODBC]timeout expired",
    );
    w.dms.fail_connection(&tgt, "FATAL: password authentication failed for user \"dms\"");
    let on = config(Some(true), "tgt-pw", serde_json::json!({}));
    let (_, diags, _) = apply(&p, &state, &on).await;
    let errs = errors(&diags);
    assert_eq!(errs.len(), 2, "{errs:#?}");
    let (timeout, login): (Vec<&String>, Vec<&String>) = errs.iter().partition(|e| e.contains(SRC));
    assert!(
        timeout[0].contains("did not reach 127.0.0.1:5433")
            && timeout[0].contains(&format!("VPN gateway {vgw}"))
            && timeout[0].contains("site-to-site VPN connection"),
        "{timeout:#?}"
    );
    assert!(!login[0].contains("did not reach") && login[0].contains("password authentication failed"), "{login:#?}");
}
