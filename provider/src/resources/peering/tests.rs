//! `dmslink_peering` against the linked EC2 fakes: create, drift repair, delete, failure part-way,
//! another account, import.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::Peering;
use super::children::{RouteRec, RuleRec};
use super::model::{Accepter, PeeringModel, Tags};
use super::schema::schema;
use crate::aws::ec2::{Ec2Api, RouteTarget, RulePeer, SgRule};
use crate::aws::fake::{FakeEc2, FakeWorld};
use crate::engine::model::Unknowable;
use crate::engine::{Resource, Value};
use crate::provider_config::Configured;
use crate::resources::Ctx;

pub(super) const DMS_CIDR: &str = "10.20.0.0/16";
pub(super) const APP_CIDR: &str = "10.30.0.0/16";

pub(super) struct Bed {
    pub(super) w: FakeWorld,
    pub(super) ctx: Ctx,
    pub(super) dms_vpc: String,
    pub(super) app_vpc: String,
    pub(super) sg: String,
}

async fn vpc_with_sg(ec2: &FakeEc2, cidr: &str) -> (String, String) {
    let vpc = ec2.create_vpc(cidr, &BTreeMap::new()).await.unwrap();
    let sg = ec2
        .create_security_group(crate::aws::ec2::CreateSecurityGroupInput {
            name: format!("grp-{}", cidr.replace(|c: char| !c.is_ascii_digit(), "-")),
            description: "test".into(),
            vpc_id: vpc.id.clone(),
            tags: BTreeMap::new(),
        })
        .await
        .unwrap();
    (vpc.id, sg.id)
}

/// The application VPC in the provider's fake of `w`, the DMS VPC (with its group) in `dms`.
async fn bed_in(w: FakeWorld, dms: Arc<FakeEc2>, app_cidr: &str) -> Bed {
    let (app_vpc, _) = vpc_with_sg(&w.ec2, app_cidr).await;
    let (dms_vpc, sg) = vpc_with_sg(&dms, DMS_CIDR).await;
    let provider = Arc::new(Configured {
        clients: w.clients(),
        region: "us-east-1".into(),
        account_id: Some("123456789012".into()),
        partition: "aws".into(),
        default_tags: BTreeMap::from([("team".to_string(), "data".to_string())]),
    });
    Bed { w, ctx: Ctx { provider, cancel: CancellationToken::new() }, dms_vpc, app_vpc, sg }
}

async fn bed_with(app_cidr: &str) -> Bed {
    let w = FakeWorld::new();
    let ec2 = w.ec2.clone();
    bed_in(w, ec2, app_cidr).await
}

pub(super) async fn bed() -> Bed {
    bed_with(APP_CIDR).await
}

pub(super) fn config(json: serde_json::Value) -> Value {
    crate::wire::cty::json::decode_lenient(json.to_string().as_bytes(), &schema().value_type()).unwrap()
}

impl Bed {
    pub(super) fn config(&self) -> Value {
        config(serde_json::json!({
            "vpc_id": self.dms_vpc, "peer_vpc_id": self.app_vpc,
            "security_group_id": self.sg, "ports": [5432],
            "dns_resolution": true, "tags": {"app": "reports"}
        }))
    }

    /// A create's planned value: the config with every computed attribute unknown.
    fn planned(cfg: &Value) -> Value {
        let planned = PeeringModel {
            tags_all: Unknowable::Unknown,
            peering_connection_id: Unknowable::Unknown,
            status: Unknowable::Unknown,
            vpc_cidr: Unknowable::Unknown,
            peer_vpc_cidr: Unknowable::Unknown,
            routes: Unknowable::Unknown,
            security_group_rules: Unknowable::Unknown,
            route_table_ids: Unknowable::Unknown,
            peer_route_table_ids: Unknowable::Unknown,
            ..model(cfg)
        };
        planned.to_value().unwrap()
    }

    pub(super) async fn create(&self, cfg: &Value) -> crate::engine::ApplyOutcome {
        Peering.create(&self.ctx, &Bed::planned(cfg), cfg).await
    }

    pub(super) async fn main_table(&self, ec2: &FakeEc2, vpc: &str) -> String {
        let t = ec2.find_route_tables(&crate::aws::ec2::main_route_table_filters(vpc)).await.unwrap();
        t[0].id.clone()
    }
}

/// A state or plan through the resource's model.
pub(super) fn model(v: &Value) -> PeeringModel {
    PeeringModel::from_value(v).unwrap()
}

pub(super) fn pcx_of(v: &Value) -> String {
    model(v).peering_connection_id.into_known().unwrap()
}

pub(super) fn destinations(v: &Value) -> Vec<String> {
    model(v).routes.into_known().unwrap().into_iter().map(|r: RouteRec| r.destination_cidr_block).collect()
}

pub(super) fn rules(v: &Value) -> Vec<RuleRec> {
    model(v).security_group_rules.into_known().unwrap()
}

/// `v` with its routes and rules to be made again (as a plan that found them changed says).
fn with_children_unknown(v: &Value) -> Value {
    let mut m = model(v);
    m.routes = Unknowable::Unknown;
    m.security_group_rules = Unknowable::Unknown;
    m.to_value().unwrap()
}

pub(super) fn has_tags(tags: &Tags, want: &[(&str, &str)]) -> bool {
    want.iter().all(|(k, v)| tags.get(*k).map(String::as_str) == Some(*v))
}

fn known(s: &str) -> Unknowable<String> {
    Unknowable::Known(s.to_string())
}

pub(super) async fn target_of(ec2: &FakeEc2, table: &str, cidr: &str) -> Option<RouteTarget> {
    let t = ec2.find_route_table(table).await.unwrap().unwrap();
    t.routes.into_iter().find(|r| r.destination_cidr_block == cidr).map(|r| r.target)
}

#[tokio::test(start_paused = true)]
async fn create_peers_routes_both_sides_opens_the_port_and_sets_dns() {
    let b = bed().await;
    let out = b.create(&b.config()).await;
    assert!(!out.diags.has_errors(), "{:?}", out.diags);
    let s = &out.state;
    assert!(s.is_wholly_known(), "{s:?}");
    let m = model(s);
    let pcx = pcx_of(s);
    assert_eq!((m.status, m.vpc_cidr, m.peer_vpc_cidr), (known("active"), known(DMS_CIDR), known(APP_CIDR)));
    let (dms_rt, app_rt) = (b.main_table(&b.w.ec2, &b.dms_vpc).await, b.main_table(&b.w.ec2, &b.app_vpc).await);
    let peering = RouteTarget::VpcPeering(pcx.clone());
    assert_eq!(target_of(&b.w.ec2, &dms_rt, APP_CIDR).await, Some(peering.clone()));
    assert_eq!(target_of(&b.w.ec2, &app_rt, DMS_CIDR).await, Some(peering));
    assert_eq!(destinations(s).len(), 2);
    let rules = b.w.ec2.find_security_group_rules(&b.sg).await.unwrap();
    assert!(rules.iter().any(|r| r.rule.same_permission(&SgRule::tcp(5432, RulePeer::Cidr(APP_CIDR.into())))));
    let p = b.w.ec2.find_vpc_peering_connection(&pcx).await.unwrap().unwrap();
    assert_eq!(p.requester.vpc_id, b.app_vpc, "the application VPC requests");
    assert_eq!(p.requester.allow_dns_resolution_from_remote_vpc, Some(true));
    assert_eq!(p.accepter.allow_dns_resolution_from_remote_vpc, Some(true));
    assert!(has_tags(&p.tags, &[("app", "reports"), ("team", "data")]), "{:?}", p.tags);
    // Refresh right after create changes nothing.
    let read = Peering.read(&b.ctx, s).await.unwrap().unwrap();
    assert_eq!(&read, s);
}

#[tokio::test(start_paused = true)]
async fn drift_is_read_and_update_puts_it_back() {
    let b = bed().await;
    let s = b.create(&b.config()).await.state;
    let pcx = pcx_of(&s);
    let app_rt = b.main_table(&b.w.ec2, &b.app_vpc).await;
    b.w.ec2.delete_route(&app_rt, DMS_CIDR).await.unwrap();
    b.w.ec2.modify_vpc_peering_dns(&pcx, None, Some(false)).await.unwrap();
    b.w.ec2.revoke_security_group_ingress(&b.sg, &[SgRule::tcp(5432, RulePeer::Cidr(APP_CIDR.into()))]).await.unwrap();
    let read = Peering.read(&b.ctx, &s).await.unwrap().unwrap();
    assert_eq!(model(&read).dns_resolution, Some(false));
    assert_eq!(destinations(&read), vec![APP_CIDR.to_string()]);
    assert_eq!(rules(&read), vec![]);

    let planned = with_children_unknown(&s);
    let out = Peering.update(&b.ctx, &read, &planned, &b.config()).await;
    assert!(!out.diags.has_errors(), "{:?}", out.diags);
    assert_eq!(out.state, s);
    assert_eq!(target_of(&b.w.ec2, &app_rt, DMS_CIDR).await, Some(RouteTarget::VpcPeering(pcx.clone())));
    let p = b.w.ec2.find_vpc_peering_connection(&pcx).await.unwrap().unwrap();
    assert_eq!(p.accepter.allow_dns_resolution_from_remote_vpc, Some(true));
}

#[tokio::test(start_paused = true)]
async fn update_changes_ports_and_tags_in_place() {
    let b = bed().await;
    let s = b.create(&b.config()).await.state;
    let mut cfg = model(&b.config());
    cfg.ports = Some(vec![1521]);
    cfg.tags = Some(Tags::from([("app".to_string(), "bi".to_string())]));
    let mut planned = model(&s);
    (planned.ports, planned.tags) = (cfg.ports.clone(), cfg.tags.clone());
    (planned.tags_all, planned.security_group_rules) = (Unknowable::Unknown, Unknowable::Unknown);
    let (planned, cfg) = (planned.to_value().unwrap(), cfg.to_value().unwrap());
    let out = Peering.update(&b.ctx, &s, &planned, &cfg).await;
    assert!(!out.diags.has_errors(), "{:?}", out.diags);
    assert_eq!(rules(&out.state).iter().map(|r| r.port).collect::<Vec<_>>(), vec![1521]);
    let rules = b.w.ec2.find_security_group_rules(&b.sg).await.unwrap();
    let from_app: Vec<i32> =
        rules.iter().filter(|r| r.rule.peer == RulePeer::Cidr(APP_CIDR.into())).map(|r| r.rule.from_port).collect();
    assert_eq!(from_app, vec![1521]);
    let p = b.w.ec2.find_vpc_peering_connection(&pcx_of(&s)).await.unwrap().unwrap();
    assert!(has_tags(&p.tags, &[("app", "bi")]), "{:?}", p.tags);
    assert_eq!(p.tags.get(super::spec::OWNER_TAG).map(String::as_str), Some(super::spec::OWNER_VALUE));
}

#[tokio::test(start_paused = true)]
async fn delete_removes_rules_routes_and_the_peering_and_tolerates_gone() {
    let b = bed().await;
    let s = b.create(&b.config()).await.state;
    let pcx = pcx_of(&s);
    let d = Peering.delete(&b.ctx, &s).await;
    assert!(!d.has_errors(), "{d:?}");
    for vpc in [&b.dms_vpc, &b.app_vpc] {
        let t = b.main_table(&b.w.ec2, vpc).await;
        let routes = b.w.ec2.find_route_table(&t).await.unwrap().unwrap().routes;
        assert!(routes.iter().all(|r| r.target != RouteTarget::VpcPeering(pcx.clone())), "{routes:?}");
    }
    let rules = b.w.ec2.find_security_group_rules(&b.sg).await.unwrap();
    assert!(rules.iter().all(|r| r.rule.peer != RulePeer::Cidr(APP_CIDR.into())));
    let p = b.w.ec2.find_vpc_peering_connection(&pcx).await.unwrap();
    assert!(p.is_none_or(|p| p.status == "deleted"));
    // Read now says deleted (a re-creation is planned); deleting again is fine.
    let read = Peering.read(&b.ctx, &s).await.unwrap().unwrap();
    assert_eq!(model(&read).status, known("deleted"));
    assert!(!Peering.delete(&b.ctx, &s).await.has_errors());
}

#[tokio::test(start_paused = true)]
async fn overlapping_cidrs_fail_before_any_request() {
    let b = bed_with("10.20.128.0/17").await;
    let out = b.create(&b.config()).await;
    let text = format!("{:?}", out.diags);
    assert!(out.diags.has_errors() && text.contains("overlapping"), "{text}");
    assert!(!b.w.ec2.calls().iter().any(|c| c.contains("create_vpc_peering_connection")));
    assert!(model(&out.state).peering_connection_id.is_null());
}

#[tokio::test(start_paused = true)]
async fn a_conflicting_route_fails_part_way_with_the_peering_in_state_and_resume_finishes() {
    let b = bed().await;
    let app_rt = b.main_table(&b.w.ec2, &b.app_vpc).await;
    let igw = b.w.ec2.create_internet_gateway(&BTreeMap::new()).await.unwrap();
    b.w.ec2.attach_internet_gateway(&igw.id, &b.app_vpc).await.unwrap();
    b.w.ec2.create_route(&app_rt, DMS_CIDR, &RouteTarget::Gateway(igw.id.clone())).await.unwrap();
    let out = b.create(&b.config()).await;
    let text = format!("{:?}", out.diags);
    assert!(out.diags.has_errors() && text.contains(&igw.id) && text.contains("step routes"), "{text}");
    let s = out.state;
    assert!(s.is_wholly_known());
    let pcx = pcx_of(&s);
    // The DMS side's route was made before the conflict and is recorded.
    assert_eq!(destinations(&s), vec![APP_CIDR.to_string()]);
    // Fix the cause, resume through update: the same peering, nothing requested again.
    b.w.ec2.delete_route(&app_rt, DMS_CIDR).await.unwrap();
    b.w.ec2.clear_calls();
    let out = Peering.update(&b.ctx, &s, &with_children_unknown(&s), &b.config()).await;
    assert!(!out.diags.has_errors(), "{:?}", out.diags);
    assert_eq!(pcx_of(&out.state), pcx);
    assert_eq!(destinations(&out.state).len(), 2);
    assert!(!b.w.ec2.calls().iter().any(|c| c.contains("create_vpc_peering_connection")));
}

#[tokio::test(start_paused = true)]
async fn another_account_accepts_through_the_role() {
    let w = FakeWorld::new();
    let role = "arn:aws:iam::111111111111:role/peer-accepter";
    w.accounts.allow_role(role, None);
    let other = w.accounts.ec2_of("111111111111", "us-east-1");
    let b = bed_in(w, other.clone(), APP_CIDR).await;
    let mut cfg = model(&b.config());
    cfg.peer_owner_id = Some("111111111111".into());
    cfg.accepter = Some(Accepter { assume_role_arn: Some(role.into()), ..Accepter::default() });
    let out = b.create(&cfg.to_value().unwrap()).await;
    assert!(!out.diags.has_errors(), "{:?}", out.diags);
    let pcx = pcx_of(&out.state);
    let p = other.find_vpc_peering_connection(&pcx).await.unwrap().unwrap();
    assert_eq!(p.status, "active");
    assert_eq!(p.accepter.owner_id, "111111111111");
    let dms_rt = b.main_table(&other, &b.dms_vpc).await;
    assert_eq!(target_of(&other, &dms_rt, APP_CIDR).await, Some(RouteTarget::VpcPeering(pcx.clone())));
    let app_rt = b.main_table(&b.w.ec2, &b.app_vpc).await;
    assert_eq!(target_of(&b.w.ec2, &app_rt, DMS_CIDR).await, Some(RouteTarget::VpcPeering(pcx)));
    assert!(other.find_security_group_rules(&b.sg).await.unwrap().iter().any(|r| r.rule.from_port == 5432));
}

#[tokio::test(start_paused = true)]
async fn import_finds_the_routes_and_rules() {
    let b = bed().await;
    let created = b.create(&b.config()).await.state;
    let imported = Peering.import(&b.ctx, &format!("{}/{}", pcx_of(&created), b.sg)).await.unwrap();
    let (imported, created) = (model(&imported), model(&created));
    assert_eq!((&imported.vpc_id, &imported.peer_vpc_id), (&created.vpc_id, &created.peer_vpc_id));
    assert_eq!((&imported.routes, &imported.security_group_rules), (&created.routes, &created.security_group_rules));
    assert_eq!(imported.route_table_ids, created.route_table_ids);
    assert_eq!(imported.peer_route_table_ids, created.peer_route_table_ids);
    assert_eq!(imported.vpc_cidr, created.vpc_cidr);
    assert_eq!(imported.ports, Some(vec![5432]));
    let bad = Peering.import(&b.ctx, "vpc-123").await.unwrap_err();
    assert!(format!("{bad:?}").contains("pcx-"));
}

/// Runs the resource's plan refinement as the engine does after its generic rules.
async fn plan<'a>(b: &Bed, prior: &'a Value, cfg: &'a Value, planned: Value) -> crate::resources::PlanDraft<'a> {
    let mut draft = crate::resources::PlanDraft {
        prior,
        config: cfg,
        planned,
        requires_replace: Vec::new(),
        diags: crate::engine::diag::Diagnostics::new(),
        provider: Some(b.ctx.provider.clone()),
    };
    Peering.modify_plan(&mut draft).await;
    draft
}

#[tokio::test(start_paused = true)]
async fn plan_of_a_create_refuses_overlap_and_shows_cidrs_and_tables() {
    let b = bed_with("10.20.128.0/17").await;
    let cfg = b.config();
    let d = plan(&b, &Value::Null, &cfg, Bed::planned(&cfg)).await;
    let err = d.diags.iter().find(|x| x.is_error()).expect("an error");
    assert_eq!(err.summary, "Overlapping VPC CIDRs");
    assert_eq!(err.path.as_ref().map(|p| p.to_string()).as_deref(), Some("peer_vpc_id"));
    assert!(!b.w.ec2.calls().iter().any(|c| c.contains("create_vpc_peering_connection")));

    let b = bed().await;
    let cfg = b.config();
    let d = plan(&b, &Value::Null, &cfg, Bed::planned(&cfg)).await;
    assert!(!d.diags.has_errors(), "{:?}", d.diags);
    let planned = model(&d.planned);
    assert_eq!((planned.vpc_cidr, planned.peer_vpc_cidr), (known(DMS_CIDR), known(APP_CIDR)));
    let main = b.main_table(&b.w.ec2, &b.dms_vpc).await;
    assert_eq!(planned.route_table_ids, Unknowable::Known(vec![main]));
    assert!(planned.peering_connection_id.is_unknown());

    let mut missing = model(&cfg);
    missing.peer_vpc_id = Some("vpc-0123456789abcdef0".into());
    let missing = missing.to_value().unwrap();
    let d = plan(&b, &Value::Null, &missing, Bed::planned(&missing)).await;
    let err = d.diags.iter().find(|x| x.is_error()).expect("an error");
    assert_eq!(err.path.as_ref().map(|p| p.to_string()).as_deref(), Some("peer_vpc_id"));
}

#[tokio::test(start_paused = true)]
async fn plan_of_an_update_shows_drift_in_place_and_a_dead_peering_as_replacement() {
    let b = bed().await;
    let s = b.create(&b.config()).await.state;
    let cfg = b.config();
    let d = plan(&b, &s, &cfg, s.clone()).await;
    assert_eq!(d.planned, s, "no drift, no change");

    let app_rt = b.main_table(&b.w.ec2, &b.app_vpc).await;
    b.w.ec2.delete_route(&app_rt, DMS_CIDR).await.unwrap();
    let read = Peering.read(&b.ctx, &s).await.unwrap().unwrap();
    let d = plan(&b, &read, &cfg, read.clone()).await;
    assert!(model(&d.planned).routes.is_unknown());
    assert!(d.requires_replace.is_empty());

    let pcx = pcx_of(&s);
    b.w.ec2.delete_vpc_peering_connection(&pcx).await.unwrap();
    let read = Peering.read(&b.ctx, &s).await.unwrap().unwrap();
    let d = plan(&b, &read, &cfg, read.clone()).await;
    assert_eq!(d.requires_replace.len(), 1, "{:?}", d.diags);
    assert!(model(&d.planned).peering_connection_id.is_unknown());
    assert!(d.diags.iter().any(|x| x.summary.contains("requested again")));
}

#[tokio::test(start_paused = true)]
async fn plan_refuses_another_account_without_an_accepter() {
    let b = bed().await;
    let mut cfg = model(&b.config());
    cfg.peer_owner_id = Some("111111111111".into());
    let cfg = cfg.to_value().unwrap();
    let d = plan(&b, &Value::Null, &cfg, Bed::planned(&cfg)).await;
    let err = d.diags.iter().find(|x| x.is_error()).expect("an error");
    assert_eq!(err.summary, "Missing accepter");
}
