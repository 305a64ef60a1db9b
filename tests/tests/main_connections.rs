//! Acceptance test of `test_connections` and `endpoint_connection_status` of `dmslink_main`: the real
//! Terraform CLIs apply `tests/modules/main-connections` (source and target on one throwaway local
//! PostgreSQL 15 server) against the emulator, whose `TestConnection` logs in to a loopback PostgreSQL
//! endpoint with the endpoint's credentials and reports the server's own answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dmslink_acctest::postgres::Postgres;
use dmslink_acctest::{Cli, RunOutput, TestBed, Workdir};
use serde_json::Value;

const ADDR: &str = "dmslink_main.dblink";
const SRC: &str = "integration-dblink-dev-src-geodesy";
const TGT: &str = "integration-dblink-dev-tgt";
const USERNAME: &str = "dms_reader";
const PASSWORD: &str = "Right-pg-pw-4821";
const WRONG_PASSWORD: &str = "Wrong-pg-pw-1937";

/// `text` with every run of whitespace as one space: Terraform wraps diagnostic details.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn workdir(bed: &TestBed, cli: &Cli, pg: &Postgres) -> Workdir {
    let fixtures = bed.fixtures();
    let backend = fixtures.state_backend("tfstate-connections", "terraform-lock-connections", "main-connections");
    fixtures.dms_vpc_role();
    let mut wd = bed.workdir(cli, "main-connections");
    wd.use_backend(&backend)
        .set_var("port", pg.port.to_string())
        .set_var("username", USERNAME)
        .set_var("source_password", PASSWORD)
        .set_var("target_password", WRONG_PASSWORD);
    wd
}

/// `endpoint_connection_status[endpoint]` as (status, last_failure_message).
fn status_of(values: &Value, endpoint: &str) -> (String, Option<String>) {
    let s = &values["endpoint_connection_status"][endpoint];
    (s["status"].as_str().unwrap_or("(none)").to_string(), s["last_failure_message"].as_str().map(str::to_string))
}

fn assert_no_password(label: &str, out: &RunOutput) {
    for secret in [PASSWORD, WRONG_PASSWORD] {
        assert!(!out.combined().contains(secret), "[{label}] the output shows a password:\n{}", out.describe());
    }
}

/// A wrong target password fails the apply with PostgreSQL's own login error and keeps the stack in
/// state; with the right password the apply passes, both endpoints show `successful`, and the next
/// plan is clean. A wrong password set by an update fails that update the same way; setting the
/// right one back updates the endpoint and passes.
#[test]
fn main_test_connections_against_a_real_postgres() {
    let Some(pg) = Postgres::start(USERNAME, PASSWORD, &["geodesy", "dblink"]) else {
        return;
    };
    let Some(bed) = TestBed::start("main_test_connections_against_a_real_postgres") else {
        return;
    };
    let login_error = format!("password authentication failed for user \"{USERNAME}\"");
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let mut wd = workdir(&bed, cli, &pg);
        wd.init();

        // A: the target's password is wrong.
        let out = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        assert!(!out.success(), "[{label}] apply with a wrong password succeeded:\n{}", out.describe());
        let err = squash(&out.stderr);
        eprintln!("[{label}] the failed apply said: {err}");
        for needle in
            [format!("connection test failed for endpoint {TGT}"), login_error.clone(), "terraform untaint".to_string()]
        {
            assert!(err.contains(&needle), "[{label}] the error lacks {needle:?}:\n{}", out.describe());
        }
        assert!(!err.contains(&format!("endpoint {SRC}")), "[{label}] the source passed:\n{}", out.describe());
        assert_no_password(&label, &out);
        assert!(
            pg.log().contains(&login_error),
            "[{label}] PostgreSQL saw no failed login (the test did not reach the server):\n{}",
            pg.log()
        );
        assert_eq!(wd.state_list(), vec![ADDR.to_string()], "[{label}] the stack is kept in state");
        let values = wd.resource_values(ADDR).unwrap_or_else(|| panic!("[{label}] {ADDR} not in state"));
        assert!(values["replication_instance_arn"].as_str().is_some(), "[{label}] {values:#}");
        let (status, message) = status_of(&values, TGT);
        assert_eq!(status, "failed", "[{label}] {values:#}");
        assert!(message.as_deref().is_some_and(|m| m.contains(&login_error)), "[{label}] {message:?}");
        assert_eq!(status_of(&values, SRC), ("successful".to_string(), None), "[{label}]");

        // B: the password fixed, the tainted stack is made again and passes.
        wd.set_var("target_password", PASSWORD);
        let out = wd.apply();
        assert!(out.stdout.contains("tainted"), "[{label}] expected the tainted stack replaced:\n{}", out.describe());
        assert_no_password(&label, &out);
        let values = wd.resource_values(ADDR).unwrap_or_else(|| panic!("[{label}] {ADDR} not in state"));
        for endpoint in [SRC, TGT] {
            assert_eq!(status_of(&values, endpoint), ("successful".to_string(), None), "[{label}] {endpoint}");
        }
        eprintln!("[{label}] endpoint_connection_status: {}", values["endpoint_connection_status"]);
        let outputs = wd.outputs();
        assert_eq!(outputs["endpoint_connection_status"], values["endpoint_connection_status"], "[{label}]");
        wd.expect_plan(0, "plan after the connection tests passed");

        // C: a wrong password again, now as an in-place update: the endpoint is modified, the test
        // fails, the state records the change; setting the password back modifies and tests again.
        wd.set_var("target_password", WRONG_PASSWORD);
        let out = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        assert!(!out.success(), "[{label}] update with a wrong password succeeded:\n{}", out.describe());
        assert!(out.stdout.contains("updated in-place"), "[{label}] expected an update:\n{}", out.describe());
        let err = squash(&out.stderr);
        for needle in [
            format!("Error updating DMS stack integration-dblink-dev: connection test failed for endpoint {TGT}"),
            login_error.clone(),
        ] {
            assert!(err.contains(&needle), "[{label}] the error lacks {needle:?}:\n{}", out.describe());
        }
        assert_no_password(&label, &out);
        let values = wd.resource_values(ADDR).unwrap_or_else(|| panic!("[{label}] {ADDR} not in state"));
        assert_eq!(status_of(&values, TGT).0, "failed", "[{label}] {values:#}");
        // The change was made; the failed test alone plans an update that tests again.
        let plan = wd.plan_json();
        let actions: Vec<String> = plan["resource_changes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|rc| format!("{} {}", rc["address"].as_str().unwrap_or(""), rc["change"]["actions"]))
            .collect();
        assert_eq!(actions, vec![format!("{ADDR} [\"update\"]")], "[{label}] a re-test is planned");
        wd.set_var("target_password", PASSWORD);
        wd.apply();
        let values = wd.resource_values(ADDR).unwrap_or_else(|| panic!("[{label}] {ADDR} not in state"));
        assert_eq!(status_of(&values, TGT), ("successful".to_string(), None), "[{label}] after the fix");
        wd.expect_plan(0, "plan after the fixed update");
        wd.destroy();
        assert!(wd.state_list().is_empty(), "[{label}] state after destroy");
    });
}

/// Issue 13: the emulator judges the network. A stack of two sources (the seed's architecture) and a
/// target, all on premises (Oracle 10.50.0.10 and 10.50.1.20, PostgreSQL 10.50.0.11), with `test_connections = true` and no VPN connection on the stack's VPN
/// gateway: the apply fails naming each endpoint and the address DMS could not reach, the stack is
/// kept. A VPN connection on the gateway (BGP) makes the path; after `terraform untaint` the apply
/// tests again (the failed status plans it) and passes. The destroy is then refused while the VPN
/// connection hangs on the gateway (dmslink never cuts it) and goes through once it is deleted.
#[test]
fn main_test_connections_reach_on_premises_only_through_a_vpn_connection() {
    let Some(bed) = TestBed::start("main_test_connections_reach_on_premises_only_through_a_vpn_connection") else {
        return;
    };
    const ONPREM: &str = "dmslink_main.onprem";
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let fixtures = bed.fixtures();
        let backend = fixtures.state_backend("tfstate-onprem", "terraform-lock-onprem", "main-onprem");
        fixtures.dms_vpc_role();
        let mut wd = bed.workdir(cli, "main-onprem");
        wd.use_backend(&backend).set_var("password", PASSWORD);
        wd.init();

        let out = wd.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
        assert!(!out.success(), "[{label}] apply without a VPN connection succeeded:\n{}", out.describe());
        let err = squash(&out.stderr);
        for needle in [
            "connection test failed for endpoint integration-onprem-dev-src-geodesy",
            "did not reach 10.50.0.10:1521",
            "connection test failed for endpoint integration-onprem-dev-src-cadastre",
            "did not reach 10.50.1.20:1521",
            "connection test failed for endpoint integration-onprem-dev-tgt",
            "did not reach 10.50.0.11:5432",
            "site-to-site VPN connection",
        ] {
            assert!(err.contains(needle), "[{label}] the error lacks {needle:?}:\n{}", out.describe());
        }
        assert_no_password(&label, &out);
        assert_eq!(wd.state_list(), vec![ONPREM.to_string()], "[{label}] the stack is kept in state");
        let values = wd.resource_values(ONPREM).unwrap_or_else(|| panic!("[{label}] {ONPREM} not in state"));
        let vgw =
            values["vpn_gateway_id"].as_str().unwrap_or_else(|| panic!("[{label}] no vpn_gateway_id")).to_string();

        let vpn = fixtures.vpn_connection(&vgw, &[]);
        wd.run_ok(&["untaint", "-no-color", ONPREM]);
        let out = wd.apply();
        assert!(out.stdout.contains("updated in-place"), "[{label}] expected a re-test:\n{}", out.describe());
        let values = wd.resource_values(ONPREM).unwrap_or_else(|| panic!("[{label}] {ONPREM} not in state"));
        for endpoint in
            ["integration-onprem-dev-src-geodesy", "integration-onprem-dev-src-cadastre", "integration-onprem-dev-tgt"]
        {
            assert_eq!(status_of(&values, endpoint), ("successful".to_string(), None), "[{label}] {endpoint}");
        }
        wd.expect_plan(0, "plan after the connection tests passed over the VPN");

        let out = wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
        assert!(!out.success(), "[{label}] destroy cut the VPN:\n{}", out.describe());
        let err = squash(&out.stderr);
        assert!(err.contains(&vpn) && err.contains("never cuts a VPN"), "[{label}] {}", out.describe());
        assert_eq!(wd.state_list(), vec![ONPREM.to_string()], "[{label}] a refused destroy deletes nothing");
        // Every child is still there: the refresh finds each one (a missing child would plan it back;
        // Terraform 1.0 drops the outputs on a failed destroy)
        // and the gateway is still attached to the stack's VPC.
        wd.expect_no_resource_changes("plan after the refused destroy");
        let gateway = fixtures.describe_vpn_gateway(&vgw);
        let vpc = values["vpc_id"].as_str().unwrap_or_default();
        let mut attached = gateway["attachments"].as_array().into_iter().flatten();
        assert!(
            attached.any(|a| a["vpc_id"] == vpc && a["state"] == "attached"),
            "[{label}] the gateway left the stack's VPC: {gateway:#}"
        );
        assert_eq!(fixtures.delete_vpn_connections(&vgw), vec![vpn.clone()], "[{label}]");
        wd.destroy();
        assert!(wd.state_list().is_empty(), "[{label}] state after destroy");
    });
}

/// Issue 14 item 3: a stack on `network.vpn_gateway_id` (an existing VPN gateway with a BGP VPN
/// connection, made outside Terraform): the apply attaches the gateway and propagates its routes,
/// so the on-premises endpoints pass their connection tests; the next plan is clean. `terraform
/// destroy` is not refused for the live connection and only detaches the gateway: afterwards the
/// gateway is `available`, detached, without the stack's tags, and its connection is still
/// `available` with the same tunnels (outside addresses) up.
#[test]
fn main_on_vpn_gateway_id_is_destroyed_with_the_gateway_and_its_connection_intact() {
    let Some(bed) = TestBed::start("main_on_vpn_gateway_id_is_destroyed_with_the_gateway_and_its_connection_intact")
    else {
        return;
    };
    const ONPREM: &str = "dmslink_main.onprem";
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let fixtures = bed.fixtures();
        let backend = fixtures.state_backend("tfstate-onprem-vgw", "terraform-lock-onprem-vgw", "main-onprem-vgw");
        fixtures.dms_vpc_role();
        let vgw = fixtures.vpn_gateway();
        let vpn = fixtures.vpn_connection(&vgw, &[]);
        let before = fixtures.describe_vpn_gateway(&vgw);
        let mut wd = bed.workdir(cli, "main-onprem");
        wd.use_backend(&backend).set_var("password", PASSWORD).set_var("vpn_gateway_id", &vgw);
        wd.init();

        wd.apply();
        let values = wd.resource_values(ONPREM).unwrap_or_else(|| panic!("[{label}] {ONPREM} not in state"));
        assert_eq!(values["vpn_gateway_id"].as_str(), Some(vgw.as_str()), "[{label}] {values:#}");
        let vpc = values["vpc_id"].as_str().unwrap_or_else(|| panic!("[{label}] no vpc_id")).to_string();
        for endpoint in
            ["integration-onprem-dev-src-geodesy", "integration-onprem-dev-src-cadastre", "integration-onprem-dev-tgt"]
        {
            assert_eq!(status_of(&values, endpoint), ("successful".to_string(), None), "[{label}] {endpoint}");
        }
        let attached = fixtures.describe_vpn_gateway(&vgw);
        assert_eq!(
            attached["attachments"],
            serde_json::json!([{"vpc_id": vpc, "state": "attached"}]),
            "[{label}] {attached:#}"
        );
        assert!(
            attached["tags"].get("dmslink:stack").is_none(),
            "[{label}] the user's gateway is tagged: {attached:#}"
        );
        wd.expect_plan(0, "plan of a stack on vpn_gateway_id");

        // A replacement (another vpc_cidr) moves the gateway: the old stack's destroy detaches it,
        // the new stack attaches it, and the on-premises endpoints pass their tests from there.
        wd.set_var("network_prefix", "10.62.0");
        let out = wd.apply();
        assert!(out.stdout.contains("must be replaced"), "[{label}] expected a replacement:\n{}", out.describe());
        let values = wd.resource_values(ONPREM).unwrap_or_else(|| panic!("[{label}] {ONPREM} not in state"));
        let new_vpc = values["vpc_id"].as_str().unwrap_or_else(|| panic!("[{label}] no vpc_id")).to_string();
        assert_ne!(new_vpc, vpc, "[{label}]");
        assert_eq!(values["vpn_gateway_id"].as_str(), Some(vgw.as_str()), "[{label}] {values:#}");
        for endpoint in
            ["integration-onprem-dev-src-geodesy", "integration-onprem-dev-src-cadastre", "integration-onprem-dev-tgt"]
        {
            assert_eq!(status_of(&values, endpoint), ("successful".to_string(), None), "[{label}] {endpoint}");
        }
        let moved = fixtures.describe_vpn_gateway(&vgw);
        let live: Vec<&Value> =
            moved["attachments"].as_array().into_iter().flatten().filter(|a| a["state"] != "detached").collect();
        assert_eq!(live, vec![&serde_json::json!({"vpc_id": new_vpc, "state": "attached"})], "[{label}] {moved:#}");
        assert_eq!(moved["connections"], before["connections"], "[{label}] the VPN connection changed in the move");
        wd.expect_plan(0, "plan after the replacement");

        let out = wd.run(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
        assert!(out.success(), "[{label}] the destroy was refused or failed:\n{}", out.describe());
        assert!(wd.state_list().is_empty(), "[{label}] state after destroy");
        let after = fixtures.describe_vpn_gateway(&vgw);
        assert_eq!(after["state"], "available", "[{label}] the gateway is not deleted: {after:#}");
        let attachments = after["attachments"].as_array().cloned().unwrap_or_default();
        assert!(attachments.iter().all(|a| a["state"] == "detached"), "[{label}] still attached: {after:#}");
        assert_eq!(after["connections"], before["connections"], "[{label}] the VPN connection changed");
        let conn = &after["connections"][0];
        assert_eq!(
            (conn["vpn_connection_id"].as_str(), conn["state"].as_str()),
            (Some(vpn.as_str()), Some("available"))
        );
        let tunnels = conn["tunnels"].as_array().cloned().unwrap_or_default();
        assert!(!tunnels.is_empty() && tunnels.iter().all(|t| t["status"] == "UP"), "[{label}] {after:#}");

        assert_eq!(fixtures.delete_vpn_connections(&vgw), vec![vpn.clone()], "[{label}]");
        fixtures.delete_vpn_gateway(&vgw);
    });
}

/// Issue 15 done-when: source and target credentials come from Secrets Manager secrets (made by the
/// test, holding the real local PostgreSQL login) read through access roles dmslink creates; the
/// apply passes `test_connections = true`, the password appears neither in the state nor in a
/// `TF_LOG=TRACE` log of the apply, and a rotation (a new password in PostgreSQL and
/// `PutSecretValue`) leaves the next plan with no changes. The destroy deletes the roles with the stack.
#[test]
fn main_with_secrets_manager_credentials_passes_connection_tests_and_keeps_the_password_out() {
    let Some(pg) = Postgres::start(USERNAME, PASSWORD, &["geodesy", "dblink"]) else {
        return;
    };
    let Some(bed) =
        TestBed::start("main_with_secrets_manager_credentials_passes_connection_tests_and_keeps_the_password_out")
    else {
        return;
    };
    const SECRETS_ADDR: &str = "dmslink_main.dblink";
    const SECRETS_TGT: &str = "integration-secrets-dev-tgt";
    const SECRETS_SRC: &str = "integration-secrets-dev-src-geodesy";
    const ROTATED: &str = "Rotated-pg-pw-5307";
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let fixtures = bed.fixtures();
        let backend = fixtures.state_backend("tfstate-secrets", "terraform-lock-secrets", "main-secrets");
        fixtures.dms_vpc_role();
        pg.psql("postgres", &format!("ALTER ROLE {USERNAME} PASSWORD '{PASSWORD}'"));
        let login = |password: &str| {
            serde_json::json!({"username": USERNAME, "password": password, "host": "127.0.0.1", "port": pg.port})
                .to_string()
        };
        let source_secret = fixtures.secret("integration-secrets-src", &login(PASSWORD));
        let target_secret = fixtures.secret("integration-secrets-tgt", &login(PASSWORD));
        let mut wd = bed.workdir(cli, "main-secrets");
        wd.use_backend(&backend)
            .set_var("source_secret_arn", &source_secret)
            .set_var("target_secret_arn", &target_secret)
            .set_env("TF_LOG", "TRACE");
        wd.init();

        let out = wd.apply();
        for secret in [PASSWORD, ROTATED] {
            assert!(!out.combined().contains(secret), "[{label}] the TRACE log of the apply shows the password");
        }
        assert!(out.stderr.contains("[TRACE]"), "[{label}] TF_LOG=TRACE wrote no trace log:\n{}", out.describe());
        wd.remove_env("TF_LOG");
        let values =
            wd.resource_values(SECRETS_ADDR).unwrap_or_else(|| panic!("[{label}] {SECRETS_ADDR} not in state"));
        for endpoint in [SECRETS_SRC, SECRETS_TGT] {
            assert_eq!(status_of(&values, endpoint), ("successful".to_string(), None), "[{label}] {endpoint}");
        }
        let target = &values["target"];
        assert_eq!(target["secrets_manager_arn"].as_str(), Some(target_secret.as_str()), "[{label}] {target:#}");
        let role = target["secrets_manager_access_role_arn"].as_str().unwrap_or_default();
        assert!(role.ends_with(":role/integration-secrets-dev-tgt-secrets"), "[{label}] {target:#}");
        assert!(target["username"].is_null() && target["password"].is_null(), "[{label}] {target:#}");
        let state = wd.state_pull();
        assert!(!state.contains(PASSWORD), "[{label}] the state holds the password");
        wd.expect_plan(0, "plan after an apply with Secrets Manager credentials");

        // A rotation: a new password in PostgreSQL and in the secret; dmslink never reads the
        // value, so nothing changes.
        pg.psql("postgres", &format!("ALTER ROLE {USERNAME} PASSWORD '{ROTATED}'"));
        assert_eq!(fixtures.secret("integration-secrets-tgt", &login(ROTATED)), target_secret, "[{label}]");
        assert_eq!(fixtures.secret("integration-secrets-src", &login(ROTATED)), source_secret, "[{label}]");
        wd.expect_plan(0, "plan after the secrets were rotated");
        assert!(!wd.state_pull().contains(ROTATED), "[{label}] the state holds the rotated password");

        wd.destroy();
        assert!(wd.state_list().is_empty(), "[{label}] state after destroy");
    });
}

/// Issue 15 item 7: a target whose login dmslink keeps in a Secrets Manager secret it creates and
/// writes (`manage_login_secret`) passes `test_connections` against a real PostgreSQL: DMS (the
/// emulator) reads host, port, user and password from that secret. The endpoint holds no user and
/// names the secret; the provider's TRACE log never shows the password (nor does Terraform's, except
/// Terraform 1.0.x logging the state that keeps the sensitive `password`). A new password (in PostgreSQL and in
/// the configuration) rewrites the secret, and the update's connection test logs in with it.
/// Destroy schedules the secret's deletion.
#[test]
fn main_with_a_login_secret_dmslink_writes_passes_connection_tests_and_follows_a_new_password() {
    let Some(pg) = Postgres::start(USERNAME, PASSWORD, &["geodesy", "dblink"]) else {
        return;
    };
    let Some(bed) = TestBed::start("main_with_a_login_secret_dmslink_writes_passes_connection_tests") else {
        return;
    };
    const TGT_LOGIN: &str = "integration-login-dev-tgt";
    const SRC_LOGIN: &str = "integration-login-dev-src-geodesy";
    const ROTATED: &str = "Rotated-pg-pw-6624";
    let dms = bed.dms();
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let fixtures = bed.fixtures();
        let backend =
            fixtures.state_backend("tfstate-login-secret", "terraform-lock-login-secret", "main-login-secret");
        fixtures.dms_vpc_role();
        pg.psql("postgres", &format!("ALTER ROLE {USERNAME} PASSWORD '{PASSWORD}'"));
        let mut wd = bed.workdir(cli, "main-login-secret");
        wd.use_backend(&backend)
            .set_var("port", pg.port.to_string())
            .set_var("username", USERNAME)
            .set_var("source_password", PASSWORD)
            .set_var("target_password", PASSWORD)
            .set_env("TF_LOG", "TRACE");
        wd.init();

        let out = wd.apply();
        assert!(out.stderr.contains("[TRACE]"), "[{label}] TF_LOG=TRACE wrote no trace log:\n{}", out.describe());
        // The provider's log lines never show it. (Terraform 1.0.x itself writes the state, where
        // the sensitive `password` argument is kept, into its TRACE log; `password_wo` on Terraform
        // 1.11 and later keeps it out of the state.)
        let shown: Vec<String> = out
            .combined()
            .lines()
            .filter(|l| {
                l.contains(PASSWORD) && (l.contains("terraform-provider-dmslink") || !cli.label.contains("1.0."))
            })
            .map(|l| l.replace(PASSWORD, "<PASSWORD>"))
            .collect();
        assert!(shown.is_empty(), "[{label}] the TRACE log of the apply shows the password:\n{}", shown.join("\n"));
        wd.remove_env("TF_LOG");
        let values = wd.resource_values(ADDR).unwrap_or_else(|| panic!("[{label}] {ADDR} not in state"));
        for endpoint in [SRC_LOGIN, TGT_LOGIN] {
            assert_eq!(status_of(&values, endpoint), ("successful".to_string(), None), "[{label}] {endpoint}");
        }
        let target = &values["target"];
        let secret = target["login_secret_arn"].as_str().unwrap_or_default().to_string();
        assert!(secret.contains(":secret:integration-login-dev-tgt-login-"), "[{label}] {target:#}");
        let endpoint = target["endpoint_arn"].as_str().unwrap_or_default();
        assert_eq!(
            dms.endpoint_user_and_postgres_secret(endpoint),
            (None, Some(secret.clone())),
            "[{label}] the endpoint has no user of its own and reads the secret"
        );
        let live = bed.emulator.inventory("type=secretsmanager:secret");
        assert!(
            live.iter().any(|o| o["arn"] == secret.as_str() && o["tags"]["dmslink:resource"] == "login-secret"),
            "[{label}] {live:#?}"
        );
        wd.expect_plan(0, "plan after an apply with a login secret dmslink writes");

        // A new password: PostgreSQL's and the configuration's. The update rewrites the secret and
        // its connection test logs in with the new one.
        pg.psql("postgres", &format!("ALTER ROLE {USERNAME} PASSWORD '{ROTATED}'"));
        wd.set_var("source_password", ROTATED).set_var("target_password", ROTATED);
        let out = wd.apply();
        assert!(!out.combined().contains(ROTATED), "[{label}] the apply output shows the new password");
        let values = wd.resource_values(ADDR).unwrap_or_else(|| panic!("[{label}] {ADDR} not in state"));
        assert_eq!(status_of(&values, TGT_LOGIN), ("successful".to_string(), None), "[{label}] after the new password");
        assert_eq!(values["target"]["login_secret_arn"].as_str(), Some(secret.as_str()), "[{label}] same secret");
        wd.expect_plan(0, "plan after the new password");

        wd.destroy();
        assert!(wd.state_list().is_empty(), "[{label}] state after destroy");
        let left = bed.emulator.inventory("type=secretsmanager:secret");
        assert!(
            left.iter().filter(|o| o["arn"] == secret.as_str()).all(|o| o["state"] == "deleting"),
            "[{label}] destroy schedules the secret's deletion: {left:#?}"
        );
    });
}

/// Issue 15 item 3: typed `postgres_settings` reach the endpoints at create (only what the
/// configuration sets); a configured setting changed out of band (`MaxFileSize`, with an
/// `ExecuteTimeout` the configuration never set) shows in the next plan and the apply sets that key
/// back, leaving AWS's `ExecuteTimeout` alone; the plan afterwards is clean.
#[test]
fn main_postgres_settings_changed_out_of_band_are_planned_and_set_back() {
    let Some(bed) = TestBed::start("main_postgres_settings_changed_out_of_band_are_planned_and_set_back") else {
        return;
    };
    let dms = bed.dms();
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let fixtures = bed.fixtures();
        let backend =
            fixtures.state_backend("tfstate-engine-settings", "terraform-lock-engine-settings", "main-engine-settings");
        fixtures.dms_vpc_role();
        let mut wd = bed.workdir(cli, "main-engine-settings");
        wd.use_backend(&backend);
        wd.init();
        wd.apply();
        let target_arn = wd.outputs()["dms_target_arn"].as_str().unwrap().to_string();
        assert_eq!(dms.endpoint_postgres_sizes(&target_arn), (Some(512), None), "[{label}] only what is set is sent");
        wd.expect_plan(0, "plan right after create");

        dms.modify_endpoint_postgres_sizes(&target_arn, 4096, 120);
        let out = wd.expect_plan(2, "plan after MaxFileSize was changed out of band");
        let shown = squash(&out.stdout);
        assert!(
            shown.contains("max_file_size") && shown.contains("4096 -> 512"),
            "[{label}] the plan does not show the drift of max_file_size:\n{}",
            out.describe()
        );
        assert!(out.stdout.contains("updated in-place"), "[{label}] expected an update:\n{}", out.describe());
        wd.apply();
        assert_eq!(dms.endpoint_postgres_sizes(&target_arn), (Some(512), Some(120)), "[{label}] not set back");
        wd.expect_plan(0, "plan after the setting was set back");
        wd.destroy();
        assert!(wd.state_list().is_empty(), "[{label}] state after destroy");
    });
}
