//! Acceptance tests of `dmslink_peering`: the real Terraform CLIs drive the test-only root modules
//! `tests/modules/peering-same-account` and `tests/modules/peering-cross-account` against the
//! emulator; boto3 fixtures make the two VPCs (and the drift), and the emulator's describe calls and
//! inventory show what exists in AWS afterwards.
//!
//! Roles: `peer_vpc_id` is the application VPC (requester, the provider's account), `vpc_id` the DMS
//! VPC (accepter; another account when `peer_owner_id` is set, accepted through `accepter`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dmslink_acctest::{Cli, PeeringSide, StateBackend, TestBed, Vpc, Workdir};
use serde_json::{Value, json};

const ADDR: &str = "dmslink_peering.app";
const DMS_CIDR: &str = "10.20.0.0/16";
const APP_CIDR: &str = "10.30.0.0/16";
const PORT: u64 = 5432;

/// The default account of the emulator (plain test credentials) and a second one reached by
/// `sts:AssumeRole` (the emulator acts in the role's account; the role need not exist).
const DMS_ACCOUNT: &str = "123456789012";
const APP_ACCOUNT: &str = "111111111111";
const APP_ROLE: &str = "arn:aws:iam::111111111111:role/app-deployer";
const ACCEPTER_ROLE: &str = "arn:aws:iam::123456789012:role/peer-accepter";

/// The state bucket and lock table, then a copy of `module` using them.
fn workdir(bed: &TestBed, cli: &Cli, module: &str) -> (Workdir, StateBackend) {
    let backend = bed.fixtures().state_backend("tfstate-peering", "terraform-lock-peering", module);
    let mut wd = bed.workdir(cli, module);
    wd.use_backend(&backend);
    (wd, backend)
}

/// `text` with every run of whitespace as one space: Terraform wraps diagnostic details.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The resource's values in the state; panics when it is not there.
fn peering_values(label: &str, wd: &Workdir) -> Value {
    wd.resource_values(ADDR).unwrap_or_else(|| panic!("[{label}] no {ADDR} in the state: {:#}", wd.show_json()))
}

fn pcx_of(label: &str, values: &Value) -> String {
    let pcx = values["peering_connection_id"].as_str().unwrap_or_default().to_string();
    assert!(pcx.starts_with("pcx-"), "[{label}] peering_connection_id: {values:#}");
    pcx
}

/// `(route_table_id, destination_cidr_block)` of the state's `routes`, sorted.
fn state_routes(values: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = values["routes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["route_table_id"].as_str().unwrap_or_default().to_string(),
                r["destination_cidr_block"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// What `routes` must hold: every table of the DMS VPC to the app CIDR, every table of the app VPC to
/// the DMS CIDR.
fn expected_routes(dms: &Vpc, app: &Vpc) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = dms
        .route_table_ids
        .iter()
        .map(|t| (t.clone(), app.cidr.clone()))
        .chain(app.route_table_ids.iter().map(|t| (t.clone(), dms.cidr.clone())))
        .collect();
    out.sort();
    out
}

/// Asserts every route table of `vpc` has an active route to `destination` via `pcx`.
fn assert_routes_via(label: &str, bed: &TestBed, role: Option<&str>, vpc: &Vpc, destination: &str, pcx: &str) {
    let routes = bed.fixtures().routes(role, &vpc.vpc_id);
    for table in &vpc.route_table_ids {
        let found: Vec<_> =
            routes.iter().filter(|r| &r.route_table_id == table && r.destination == destination).collect();
        assert!(
            found.len() == 1 && found[0].target == pcx && found[0].state == "active",
            "[{label}] route table {table} of {}: expected one active route to {destination} via {pcx}; routes: {routes:#?}",
            vpc.vpc_id
        );
    }
}

/// `AllowDnsResolutionFromRemoteVpc` of both sides, as `DescribeVpcPeeringConnections` has them.
fn dns_options(peering: &Value) -> (Option<bool>, Option<bool>) {
    let side = |s: PeeringSide| peering[s.info_key()]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"].as_bool();
    (side(PeeringSide::Requester), side(PeeringSide::Accepter))
}

fn peering_tags(peering: &Value) -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = peering["Tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (t["Key"].as_str().unwrap_or_default().to_string(), t["Value"].as_str().unwrap_or_default().to_string())
        })
        .collect();
    tags.sort();
    tags
}

/// TCP ingress rules of the security group `group_id` in the inventory that admit `cidr` on `port`.
fn ingress_from(bed: &TestBed, group_id: &str, cidr: &str) -> Vec<Value> {
    let groups = bed.emulator.inventory("type=ec2:security-group");
    let group = groups
        .iter()
        .find(|g| g["id"] == group_id)
        .unwrap_or_else(|| panic!("no security group {group_id} in the inventory: {groups:#?}"));
    group["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["cidrs"].as_array().is_some_and(|c| c.iter().any(|c| c == cidr)))
        .cloned()
        .collect()
}

/// After destroy: the peering is `deleted`, no route of any table (either account) targets it, and no
/// ingress rule of `group_id` admits `app_cidr`.
fn assert_peering_gone(label: &str, bed: &TestBed, pcx: &str, group_id: Option<&str>, app_cidr: &str) {
    let peerings = bed.emulator.inventory("type=ec2:vpc-peering-connection");
    let found: Vec<&Value> = peerings.iter().filter(|p| p["id"] == pcx).collect();
    assert!(found.len() == 1 && found[0]["state"] == "deleted", "[{label}] peering {pcx} after destroy: {peerings:#?}");
    let tables = bed.emulator.inventory("type=ec2:route-table");
    let left: Vec<(String, Value)> = tables
        .iter()
        .flat_map(|t| {
            let id = t["id"].as_str().unwrap_or_default().to_string();
            t["routes_detail"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| r["target_id"] == pcx)
                .map(move |r| (id.clone(), r.clone()))
        })
        .collect();
    assert!(left.is_empty(), "[{label}] routes via {pcx} left after destroy: {left:#?}");
    if let Some(group_id) = group_id {
        let rules = ingress_from(bed, group_id, app_cidr);
        assert!(rules.is_empty(), "[{label}] ingress from {app_cidr} left on {group_id} after destroy: {rules:#?}");
    }
}

/// The planned change of `addr` in a `show -json` plan: `(actions, before, after)`.
fn planned_change(label: &str, plan: &Value, addr: &str) -> (Vec<String>, Value, Value) {
    let rc = plan["resource_changes"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["address"] == addr))
        .unwrap_or_else(|| panic!("[{label}] no resource change for {addr} in {plan:#}"));
    let actions = rc["change"]["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| a.as_str().unwrap_or_default().to_string())
        .collect();
    (actions, rc["change"]["before"].clone(), rc["change"]["after"].clone())
}

/// Two VPCs of one account, TCP 5432 on the DMS VPC's security group, tags → create → no-op plan →
/// a route of the app VPC deleted and the accepter's DNS option switched off out of band → an
/// in-place update puts both back → no-op plan → destroy leaves no route, rule or live peering.
/// With AWS's eventual consistency on (a new object is not found for 3 s after its create).
#[test]
fn peering_same_account_lifecycle() {
    let Some(bed) = TestBed::start_eventually_consistent("peering_same_account_lifecycle") else {
        return;
    };
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let fixtures = bed.fixtures();
        let dms = fixtures.vpc(None, "acctest-dms", DMS_CIDR, true);
        let app = fixtures.vpc(None, "acctest-app", APP_CIDR, false);
        assert_eq!(dms.route_table_ids.len(), 3, "[{label}] DMS VPC: main + 2 subnet tables: {dms:?}");
        let sg = dms.security_group().to_string();
        let (mut wd, _) = workdir(&bed, cli, "peering-same-account");
        wd.set_var("dms_vpc_id", &dms.vpc_id).set_var("app_vpc_id", &app.vpc_id).set_var("security_group_id", &sg);
        wd.init();

        // Create.
        let out = wd.expect_plan(2, "first plan");
        assert!(out.stdout.contains(&format!("{ADDR} will be created")), "[{label}] {}", out.describe());
        wd.apply();
        let values = peering_values(&label, &wd);
        let pcx = pcx_of(&label, &values);
        assert_eq!(values["status"], "active", "[{label}] {values:#}");
        assert_eq!(values["vpc_cidr"], DMS_CIDR, "[{label}] {values:#}");
        assert_eq!(values["peer_vpc_cidr"], APP_CIDR, "[{label}] {values:#}");
        assert_eq!(values["dns_resolution"], true, "[{label}] {values:#}");
        assert_eq!(state_routes(&values), expected_routes(&dms, &app), "[{label}] routes in the state: {values:#}");
        let rules = values["security_group_rules"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            rules,
            vec![json!({"security_group_id": sg, "port": PORT, "cidr": APP_CIDR})],
            "[{label}] security_group_rules: {values:#}"
        );

        // In AWS: an active peering from the app VPC (requester) to the DMS VPC (accepter), DNS on both
        // sides, the tags, routes in every table of both VPCs, TCP 5432 from the app CIDR.
        let peering = fixtures.describe_peering(None, &pcx);
        assert_eq!(peering["Status"]["Code"], "active", "[{label}] {peering:#}");
        assert_eq!(peering["RequesterVpcInfo"]["VpcId"], app.vpc_id.as_str(), "[{label}] requester: {peering:#}");
        assert_eq!(peering["AccepterVpcInfo"]["VpcId"], dms.vpc_id.as_str(), "[{label}] accepter: {peering:#}");
        assert_eq!(dns_options(&peering), (Some(true), Some(true)), "[{label}] DNS options: {peering:#}");
        let tags = peering_tags(&peering);
        for tag in [("Name", "acctest-peering"), ("created_by", "dmslink-acctest")] {
            assert!(tags.contains(&(tag.0.to_string(), tag.1.to_string())), "[{label}] tags {tags:?}: no {tag:?}");
        }
        assert_routes_via(&label, &bed, None, &dms, APP_CIDR, &pcx);
        assert_routes_via(&label, &bed, None, &app, DMS_CIDR, &pcx);
        let ingress = ingress_from(&bed, &sg, APP_CIDR);
        assert!(
            ingress.len() == 1
                && ingress[0]["protocol"] == "tcp"
                && ingress[0]["from_port"] == PORT
                && ingress[0]["to_port"] == PORT,
            "[{label}] ingress of {sg} from {APP_CIDR}: {ingress:#?}"
        );
        wd.expect_plan(0, "plan right after create");

        // Drift out of band: a route of the app VPC gone, DNS resolution off on the accepter side.
        let drift_table = app.subnet_route_table().to_string();
        fixtures.delete_route(None, &drift_table, DMS_CIDR);
        fixtures.peering_dns(None, &pcx, PeeringSide::Accepter, false);
        assert!(
            !fixtures
                .routes(None, &app.vpc_id)
                .iter()
                .any(|r| r.route_table_id == drift_table && r.destination == DMS_CIDR),
            "[{label}] the fixture did not delete the route"
        );
        assert_eq!(dns_options(&fixtures.describe_peering(None, &pcx)), (Some(true), Some(false)), "[{label}] drift");

        let out = wd.expect_plan(2, "plan after the drift");
        assert!(
            out.stdout.contains(&format!("{ADDR} will be updated in-place"))
                && !out.stdout.contains("must be replaced"),
            "[{label}] expected an in-place update of {ADDR}:\n{}",
            out.describe()
        );
        let plan = wd.plan_json();
        let (actions, before, after) = planned_change(&label, &plan, ADDR);
        assert_eq!(actions, vec!["update"], "[{label}] planned actions of {ADDR}: {plan:#}");
        assert_eq!(before["dns_resolution"], false, "[{label}] refresh must see the DNS option off: {before:#}");
        assert_eq!(after["dns_resolution"], true, "[{label}] {after:#}");
        let refreshed = state_routes(&before);
        assert!(
            !refreshed.contains(&(drift_table.clone(), DMS_CIDR.to_string())),
            "[{label}] refresh must drop the deleted route ({drift_table} → {DMS_CIDR}): {refreshed:?}"
        );
        assert_eq!(refreshed.len(), expected_routes(&dms, &app).len() - 1, "[{label}] refreshed routes: {refreshed:?}");
        assert_eq!(after["peering_connection_id"], pcx.as_str(), "[{label}] the peering must stay: {after:#}");

        wd.apply();
        assert_routes_via(&label, &bed, None, &app, DMS_CIDR, &pcx);
        assert_routes_via(&label, &bed, None, &dms, APP_CIDR, &pcx);
        let peering = fixtures.describe_peering(None, &pcx);
        assert_eq!(
            dns_options(&peering),
            (Some(true), Some(true)),
            "[{label}] DNS options after the repair: {peering:#}"
        );
        let values = peering_values(&label, &wd);
        assert_eq!(pcx_of(&label, &values), pcx, "[{label}] the peering was replaced");
        assert_eq!(state_routes(&values), expected_routes(&dms, &app), "[{label}] routes after the repair: {values:#}");
        wd.expect_plan(0, "plan after the repair");

        // Destroy.
        wd.destroy();
        assert!(wd.state_list().is_empty(), "[{label}] state after destroy: {:?}", wd.state_list());
        assert_peering_gone(&label, &bed, &pcx, Some(&sg), APP_CIDR);
    });
}

/// The app VPC in account 111111111111 (the provider assumes `app-deployer` there), the DMS VPC in
/// 123456789012, accepted through `accepter { assume_role_arn }`: active, routes and the rule on both
/// sides, no-op plan, destroy.
#[test]
fn peering_cross_account_via_accepter_role() {
    let Some(bed) = TestBed::start("peering_cross_account_via_accepter_role") else {
        return;
    };
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let fixtures = bed.fixtures();
        let dms = fixtures.vpc(None, "acctest-dms", DMS_CIDR, true);
        let app = fixtures.vpc(Some(APP_ROLE), "acctest-app", APP_CIDR, false);
        assert_eq!(dms.account_id, DMS_ACCOUNT, "[{label}] {dms:?}");
        assert_eq!(app.account_id, APP_ACCOUNT, "[{label}] {app:?}");
        let sg = dms.security_group().to_string();
        let (mut wd, _) = workdir(&bed, cli, "peering-cross-account");
        wd.set_var("app_role_arn", APP_ROLE)
            .set_var("dms_account_id", DMS_ACCOUNT)
            .set_var("accepter_role_arn", ACCEPTER_ROLE)
            .set_var("dms_vpc_id", &dms.vpc_id)
            .set_var("app_vpc_id", &app.vpc_id)
            .set_var("security_group_id", &sg);
        wd.init();

        let out = wd.expect_plan(2, "first plan");
        assert!(out.stdout.contains(&format!("{ADDR} will be created")), "[{label}] {}", out.describe());
        wd.apply();
        let values = peering_values(&label, &wd);
        let pcx = pcx_of(&label, &values);
        assert_eq!(values["status"], "active", "[{label}] {values:#}");
        assert_eq!(state_routes(&values), expected_routes(&dms, &app), "[{label}] routes in the state: {values:#}");

        // Both accounts see one active peering: requested by the app account, accepted in the DMS one.
        for role in [Some(APP_ROLE), None] {
            let peering = fixtures.describe_peering(role, &pcx);
            assert_eq!(peering["Status"]["Code"], "active", "[{label}] seen as {role:?}: {peering:#}");
            assert_eq!(peering["RequesterVpcInfo"]["OwnerId"], APP_ACCOUNT, "[{label}] {peering:#}");
            assert_eq!(peering["RequesterVpcInfo"]["VpcId"], app.vpc_id.as_str(), "[{label}] {peering:#}");
            assert_eq!(peering["AccepterVpcInfo"]["OwnerId"], DMS_ACCOUNT, "[{label}] {peering:#}");
            assert_eq!(peering["AccepterVpcInfo"]["VpcId"], dms.vpc_id.as_str(), "[{label}] {peering:#}");
            assert_eq!(dns_options(&peering), (Some(true), Some(true)), "[{label}] DNS options: {peering:#}");
        }
        assert_routes_via(&label, &bed, Some(APP_ROLE), &app, DMS_CIDR, &pcx);
        assert_routes_via(&label, &bed, None, &dms, APP_CIDR, &pcx);
        let ingress = ingress_from(&bed, &sg, APP_CIDR);
        assert!(
            ingress.len() == 1 && ingress[0]["from_port"] == PORT && ingress[0]["to_port"] == PORT,
            "[{label}] ingress of {sg} from {APP_CIDR}: {ingress:#?}"
        );
        let calls: Vec<String> = bed.emulator.requests().iter().map(|r| r.name()).collect();
        assert!(calls.iter().any(|c| c == "sts:AssumeRole"), "[{label}] no sts:AssumeRole in {calls:?}");
        wd.expect_plan(0, "plan right after create");

        wd.destroy();
        assert!(wd.state_list().is_empty(), "[{label}] state after destroy: {:?}", wd.state_list());
        assert_peering_gone(&label, &bed, &pcx, Some(&sg), APP_CIDR);
    });
}

/// VPCs 10.40.0.0/16 and 10.40.128.0/17 overlap: `plan` fails with a diagnostic on `peer_vpc_id`
/// and nothing asks EC2 for a peering.
#[test]
fn peering_overlapping_cidrs_refused_at_plan() {
    let Some(bed) = TestBed::start("peering_overlapping_cidrs_refused_at_plan") else {
        return;
    };
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let fixtures = bed.fixtures();
        let dms = fixtures.vpc(None, "acctest-dms", "10.40.0.0/16", false);
        let app = fixtures.vpc(None, "acctest-app", "10.40.128.0/17", false);
        let (mut wd, _) = workdir(&bed, cli, "peering-same-account");
        wd.set_var("dms_vpc_id", &dms.vpc_id).set_var("app_vpc_id", &app.vpc_id);
        wd.init();
        bed.emulator.clear_requests();

        let out = wd.run(&["plan", "-input=false", "-no-color"]);
        assert!(!out.timed_out && out.exit_code() == 1, "[{label}] plan must fail:\n{}", out.describe());
        let text = squash(&out.combined());
        assert!(text.contains("Overlapping VPC CIDRs"), "[{label}] no diagnostic:\n{}", out.describe());
        assert!(text.contains("peer_vpc_id"), "[{label}] the diagnostic names no peer_vpc_id:\n{}", out.describe());
        let ec2 = bed.emulator.actions_of("ec2");
        assert!(
            ec2.iter().any(|a| a == "DescribeVpcs"),
            "[{label}] the plan should have read the VPCs (DescribeVpcs): {ec2:?}"
        );
        assert!(!ec2.iter().any(|a| a == "CreateVpcPeeringConnection"), "[{label}] a peering was requested: {ec2:?}");
        let peerings = bed.emulator.inventory("type=ec2:vpc-peering-connection");
        assert!(peerings.is_empty(), "[{label}] {peerings:#?}");
    });
}

/// Issue 13 item 8: a DMS VPC in another region of the same account (`peer_region`). The peering is
/// requested from the application VPC's region and accepted in the DMS VPC's; routes in both VPCs
/// (each read in its own region) and the security group rule; a clean plan; destroy leaves no route,
/// rule or live peering.
#[test]
fn peering_cross_region_lifecycle() {
    let Some(bed) = TestBed::start("peering_cross_region_lifecycle") else {
        return;
    };
    const DMS_REGION: &str = "us-west-2";
    bed.each_cli(|cli| {
        let label = cli.label.clone();
        let here = bed.fixtures();
        let there = here.in_region(DMS_REGION);
        let app = here.vpc(None, "acctest-app-xr", APP_CIDR, false);
        let dms = there.vpc(None, "acctest-dms-xr", DMS_CIDR, true);
        let sg = dms.security_group().to_string();
        let (mut wd, _) = workdir(&bed, cli, "peering-cross-region");
        wd.set_var("dms_vpc_id", &dms.vpc_id)
            .set_var("dms_region", DMS_REGION)
            .set_var("app_vpc_id", &app.vpc_id)
            .set_var("security_group_id", &sg);
        wd.init();
        wd.apply();
        let values = peering_values(&label, &wd);
        let pcx = pcx_of(&label, &values);
        assert_eq!(values["status"], "active", "[{label}] {values:#}");
        assert_eq!(state_routes(&values), expected_routes(&dms, &app), "[{label}] routes in the state: {values:#}");
        let peering = there.describe_peering(None, &pcx);
        assert_eq!(peering["Status"]["Code"], "active", "[{label}] seen in {DMS_REGION}: {peering:#}");
        assert_eq!(peering["AccepterVpcInfo"]["Region"], DMS_REGION, "[{label}] {peering:#}");
        assert_eq!(peering["AccepterVpcInfo"]["VpcId"], dms.vpc_id.as_str(), "[{label}] {peering:#}");
        for (fixtures, vpc, destination) in [(&here, &app, DMS_CIDR), (&there, &dms, APP_CIDR)] {
            let routes = fixtures.routes(None, &vpc.vpc_id);
            for table in &vpc.route_table_ids {
                let via: Vec<_> =
                    routes.iter().filter(|r| &r.route_table_id == table && r.destination == destination).collect();
                assert!(
                    via.len() == 1 && via[0].target == pcx && via[0].state == "active",
                    "[{label}] {table} of {}: one active route to {destination} via {pcx}; routes: {routes:#?}",
                    vpc.vpc_id
                );
            }
        }
        let ingress = ingress_from(&bed, &sg, APP_CIDR);
        assert!(ingress.len() == 1 && ingress[0]["from_port"] == PORT, "[{label}] ingress of {sg}: {ingress:#?}");
        wd.expect_plan(0, "plan right after a cross-region create");

        wd.destroy();
        assert!(wd.state_list().is_empty(), "[{label}] state after destroy: {:?}", wd.state_list());
        assert_peering_gone(&label, &bed, &pcx, Some(&sg), APP_CIDR);
    });
}
