//! Issue 14 item 3: `network.vpn_gateway_id`, an existing VPN gateway the stack attaches and
//! never creates, tags or deletes; destroy only detaches it, a replacement moves it, and its VPN
//! connections stay throughout.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::Main;
use super::naming::TAG_STACK;
use super::test_bed::*;
use crate::aws::ec2::{CreateVpnGatewayInput, Ec2Api, VpnGateway};
use crate::aws::error::{AwsError, ErrorKind};
use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::{Resource, Value};

/// A VPN gateway made outside the stack (available at once, as in the emulator), with the
/// user's own tag.
async fn users_gateway(b: &Bed) -> String {
    let tags = [("Name".to_string(), "onprem-vgw".to_string())].into_iter().collect();
    b.w.ec2.create_vpn_gateway(CreateVpnGatewayInput { amazon_side_asn: None, tags }).await.unwrap().id
}

async fn gateway(b: &Bed, id: &str) -> VpnGateway {
    b.w.ec2.find_vpn_gateway(id).await.unwrap().unwrap()
}

/// The state of `id`'s attachment to `vpc`, if any.
async fn attachment(b: &Bed, id: &str, vpc: &str) -> Option<String> {
    gateway(b, id).await.attachments.into_iter().find(|a| a.vpc_id == vpc).map(|a| a.state)
}

fn on_gateway(vgw: &str) -> serde_json::Value {
    let mut j = stack_json("check", false);
    j["network"]["vpn_gateway_id"] = serde_json::json!(vgw);
    j
}

fn count(b: &Bed, op: &str) -> usize {
    b.w.ec2.calls().iter().filter(|c| c.split_whitespace().next() == Some(op)).count()
}

fn warnings(d: &Diagnostics) -> Vec<String> {
    d.iter().filter(|x| !x.is_error()).map(|x| format!("{}: {}", x.summary, x.detail)).collect()
}

fn paths(d: &Diagnostics) -> Vec<String> {
    d.iter().filter(|x| x.is_error()).map(|x| x.path.as_ref().map(|p| p.to_string()).unwrap_or_default()).collect()
}

/// The planned value of an update to `cfg`: the prior state's computed ids kept.
fn update_planned(prior: &Value, cfg: &Value) -> Value {
    let mut p = planned(cfg);
    keep(&mut p, prior, &NETWORK_IDS);
    keep(&mut p, prior, &["replication_subnet_group_id", "replication_instance_arn", "dms_vpc_role_created"]);
    p
}

async fn propagating(b: &Bed, st: &Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for rt in st.get("route_table_ids").as_elements().unwrap() {
        out.push(b.w.ec2.find_route_table(rt.as_str().unwrap()).await.unwrap().unwrap().propagating_vgws);
    }
    out
}

#[test]
fn vpn_gateway_id_conflicts_with_creating_a_gateway_at_validate() {
    let errs = |j: serde_json::Value| {
        let cfg = config(j);
        let mut d = Diagnostics::new();
        crate::engine::validate::validate_block(&super::schema::schema().block, &cfg, &AttrPath::root(), &mut d);
        super::validate::validate_config(&cfg, &mut d);
        d.iter()
            .filter(|x| x.is_error())
            .map(|x| format!("{}: {}", x.path.as_ref().unwrap(), x.detail))
            .collect::<Vec<_>>()
    };
    let ok = on_gateway("vgw-0123456789abcdef0");
    assert_eq!(errs(ok.clone()), Vec::<String>::new(), "vpn_gateway left at its default is no conflict");
    let mut off = ok.clone();
    off["network"]["vpn_gateway"] = serde_json::json!(false);
    assert_eq!(errs(off), Vec::<String>::new());
    let mut both = ok.clone();
    both["network"]["vpn_gateway"] = serde_json::json!(true);
    both["network"]["amazon_side_asn"] = serde_json::json!(64600);
    let got = errs(both);
    assert!(
        got.len() == 2
            && got[0].starts_with("network.vpn_gateway: vpn_gateway = true creates")
            && got[0].contains("remove vpn_gateway")
            && got[1].starts_with("network.amazon_side_asn: ")
            && got[1].contains("Remove amazon_side_asn"),
        "{got:#?}"
    );
    let got = errs(on_gateway("vpc-0123456789abcdef0"));
    assert!(got.len() == 1 && got[0].starts_with("network.vpn_gateway_id: ") && got[0].contains("vgw-"), "{got:#?}");
}

/// Create attaches the user's gateway (no gateway created, none of the stack's tags on it) and
/// propagates its routes; destroy — not refused by the live VPN connection on it — only detaches
/// it: the gateway and the connection stay, with nothing deleted.
#[tokio::test(start_paused = true)]
async fn a_stack_on_vpn_gateway_id_attaches_it_and_its_destroy_only_detaches() {
    let b = bed(true);
    let vgw = users_gateway(&b).await;
    let vpn = b.w.ec2.add_vpn_connection(&vgw, "available");
    b.clear_calls();
    let st = b.created(&config(on_gateway(&vgw))).await;
    assert_eq!(s(&st, &["vpn_gateway_id"]), Some(vgw.as_str()));
    let vpc = s(&st, &["vpc_id"]).unwrap().to_string();
    assert_eq!(attachment(&b, &vgw, &vpc).await.as_deref(), Some("attached"));
    assert_eq!(count(&b, "create_vpn_gateway"), 0);
    assert_eq!(st.get("network").get("vpn_route_propagation"), &Value::Bool(true));
    let tables = propagating(&b, &st).await;
    assert!(!tables.is_empty() && tables.iter().all(|t| t == &vec![vgw.clone()]), "{tables:?}");
    let tags = gateway(&b, &vgw).await.tags;
    assert!(!tags.contains_key(TAG_STACK) && tags.get("Name").map(String::as_str) == Some("onprem-vgw"), "{tags:?}");

    // Tags changed in place: still none on the user's gateway.
    let mut j = on_gateway(&vgw);
    j["tags"] = serde_json::json!({"app": "other"});
    let cfg = config(j);
    let out = Main.update(&b.ctx, &st, &update_planned(&st, &cfg), &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert!(!gateway(&b, &vgw).await.tags.contains_key(TAG_STACK));

    let mut draft = plan_draft(&st, &Value::Null, Value::Null);
    draft.provider = Some(b.ctx.provider.clone());
    Main.modify_plan(&mut draft).await;
    assert_eq!(errors(&draft.diags), Vec::<String>::new(), "the destroy plan is not refused");
    b.clear_calls();
    assert_eq!(errors(&Main.delete(&b.ctx, &st).await), Vec::<String>::new());
    assert_eq!(b.counts(), (0, 0, 0, 0));
    assert_eq!(count(&b, "delete_vpn_gateway"), 0);
    let g = gateway(&b, &vgw).await;
    assert_eq!((g.state.as_str(), g.attached_vpc()), ("available", None), "{g:?}");
    assert_eq!(attachment(&b, &vgw, &vpc).await.as_deref(), Some("detached"));
    let conns = b.w.ec2.find_vpn_connections(&crate::aws::ec2::Filters::new().with("vpn-gateway-id", &vgw)).await;
    assert_eq!(
        conns.unwrap().iter().map(|c| (c.id.clone(), c.state.clone())).collect::<Vec<_>>(),
        [(vpn.id, "available".to_string())]
    );
}

/// A replacement (here `vpc_cidr`) is planned without a refusal; its destroy detaches the gateway
/// from the old VPC and its create attaches it to the new one.
#[tokio::test(start_paused = true)]
async fn replacing_a_stack_on_vpn_gateway_id_moves_the_gateway_to_the_new_vpc() {
    let b = bed(true);
    let vgw = users_gateway(&b).await;
    b.w.ec2.add_vpn_connection(&vgw, "available");
    let mut j = on_gateway(&vgw);
    j["target"]["rds"]["skip_final_snapshot"] = serde_json::json!(true);
    let prior = b.created(&config(j.clone())).await;
    let old_vpc = s(&prior, &["vpc_id"]).unwrap().to_string();
    j["network"]["vpc_cidr"] = serde_json::json!("10.21.0.0/24");
    j["network"]["subnet_cidrs"] = serde_json::json!(["10.21.0.0/26", "10.21.0.64/26", "10.21.0.128/26"]);
    let cfg = config(j);
    let mut draft = plan_draft(&prior, &cfg, cfg.clone());
    draft.requires_replace = vec![AttrPath::attr("network").then_attr("vpc_cidr")];
    draft.provider = Some(b.ctx.provider.clone());
    Main.modify_plan(&mut draft).await;
    assert_eq!(errors(&draft.diags), Vec::<String>::new(), "the gateway attached to the old VPC moves");
    // Terraform plans the replacement's create half without the prior state.
    let mut draft = plan_draft(&Value::Null, &cfg, planned(&cfg));
    draft.provider = Some(b.ctx.provider.clone());
    Main.modify_plan(&mut draft).await;
    assert_eq!(errors(&draft.diags), Vec::<String>::new(), "the old VPC is a dmslink stack's");

    assert_eq!(errors(&Main.delete(&b.ctx, &prior).await), Vec::<String>::new());
    let st = b.created(&cfg).await;
    let vpc = s(&st, &["vpc_id"]).unwrap().to_string();
    assert_ne!(vpc, old_vpc);
    assert_eq!(attachment(&b, &vgw, &vpc).await.as_deref(), Some("attached"));
    assert_eq!(attachment(&b, &vgw, &old_vpc).await.as_deref(), Some("detached"));
    assert_eq!(s(&st, &["vpn_gateway_id"]), Some(vgw.as_str()));
}

/// A gateway that does not exist, or is attached to another VPC, is refused at plan at
/// `network.vpn_gateway_id`, and by the create before anything is created.
#[tokio::test(start_paused = true)]
async fn a_missing_or_elsewhere_attached_gateway_is_refused_before_anything_is_created() {
    let b = bed(true);
    let elsewhere = users_gateway(&b).await;
    let other_vpc = b.w.ec2.create_vpc("10.77.0.0/16", &Default::default()).await.unwrap().id;
    b.w.ec2.attach_vpn_gateway(&elsewhere, &other_vpc).await.unwrap();
    for (vgw, needle) in [
        ("vgw-0123456789abcdef0".to_string(), "does not exist in us-east-1".to_string()),
        (elsewhere.clone(), format!("to {other_vpc}, another VPC")),
    ] {
        let cfg = config(on_gateway(&vgw));
        let mut draft = plan_draft(&Value::Null, &cfg, planned(&cfg));
        draft.provider = Some(b.ctx.provider.clone());
        Main.modify_plan(&mut draft).await;
        assert_eq!(paths(&draft.diags), vec!["network.vpn_gateway_id".to_string()], "{vgw}");
        assert!(errors(&draft.diags)[0].contains(&needle), "{:#?}", draft.diags);

        b.clear_calls();
        let out = b.create(&cfg).await;
        let errs = errors(&out.diags);
        assert!(errs.len() == 1 && errs[0].contains(&needle) && errs[0].contains("Nothing was created"), "{errs:#?}");
        assert!(out.state.is_null());
        assert_eq!(b.counts(), (1, 0, 0, 0), "only the other VPC exists");
        assert!(b.w.iam.calls().iter().all(|c| !c.starts_with("create")), "{:?}", b.w.iam.calls());
    }
}

/// Lost answers: an attach whose answer was lost is looked up, not made again; so is a detach.
#[tokio::test(start_paused = true)]
async fn lost_attach_and_detach_answers_of_the_users_gateway_are_looked_up() {
    let transport = || AwsError::new(ErrorKind::Transport, "", "could not reach the AWS endpoint: connection reset");
    let b = bed(true);
    let vgw = users_gateway(&b).await;
    b.clear_calls();
    b.w.ec2.lose_next_answer("attach_vpn_gateway", transport());
    let mut j = on_gateway(&vgw);
    j["target"]["rds"]["skip_final_snapshot"] = serde_json::json!(true);
    let st = b.created(&config(j)).await;
    let vpc = s(&st, &["vpc_id"]).unwrap().to_string();
    assert_eq!(count(&b, "attach_vpn_gateway"), 1);
    assert_eq!(attachment(&b, &vgw, &vpc).await.as_deref(), Some("attached"));

    b.clear_calls();
    b.w.ec2.lose_next_answer("detach_vpn_gateway", transport());
    assert_eq!(errors(&Main.delete(&b.ctx, &st).await), Vec::<String>::new());
    assert_eq!(count(&b, "detach_vpn_gateway"), 1);
    assert_eq!(attachment(&b, &vgw, &vpc).await.as_deref(), Some("detached"));
    assert_eq!(b.counts(), (0, 0, 0, 0));
}

/// Changing `vpn_gateway_id` in place detaches the old gateway (which stays) and attaches the new
/// one, its routes propagated instead.
#[tokio::test(start_paused = true)]
async fn changing_vpn_gateway_id_in_place_detaches_the_old_and_attaches_the_new() {
    let b = bed(true);
    let (first, second) = (users_gateway(&b).await, users_gateway(&b).await);
    let prior = b.created(&config(on_gateway(&first))).await;
    let vpc = s(&prior, &["vpc_id"]).unwrap().to_string();
    let cfg = config(on_gateway(&second));
    let mut draft = plan_draft(&prior, &cfg, update_planned(&prior, &cfg));
    draft.provider = Some(b.ctx.provider.clone());
    Main.modify_plan(&mut draft).await;
    assert_eq!(errors(&draft.diags), Vec::<String>::new());
    assert_eq!(s(&draft.planned, &["vpn_gateway_id"]), Some(second.as_str()), "planned as configured");

    let out = Main.update(&b.ctx, &prior, &draft.planned, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert_eq!(s(&out.state, &["vpn_gateway_id"]), Some(second.as_str()));
    assert_eq!(attachment(&b, &first, &vpc).await.as_deref(), Some("detached"));
    assert_eq!(gateway(&b, &first).await.state, "available");
    assert_eq!(attachment(&b, &second, &vpc).await.as_deref(), Some("attached"));
    let tables = propagating(&b, &out.state).await;
    assert!(tables.iter().all(|t| t == &vec![second.clone()]), "{tables:?}");
}

/// The stack's own gateway carries a live VPN: putting another `vpn_gateway_id` in its place would
/// delete it, and is refused at plan naming the connection and the hand-over; `vpn_gateway_id` set
/// to the own gateway's id hands it over (untagged, still attached), after which a destroy only
/// detaches it and the connection stays.
#[tokio::test(start_paused = true)]
async fn an_own_gateway_with_a_live_vpn_is_handed_over_not_swapped() {
    let b = bed(true);
    let mut j = stack_json("check", false);
    j["target"]["rds"]["skip_final_snapshot"] = serde_json::json!(true);
    let prior = b.created(&config(j.clone())).await;
    let own = s(&prior, &["vpn_gateway_id"]).unwrap().to_string();
    let vpc = s(&prior, &["vpc_id"]).unwrap().to_string();
    assert!(gateway(&b, &own).await.tags.contains_key(TAG_STACK));
    let vpn = b.w.ec2.add_vpn_connection(&own, "available");
    let other = users_gateway(&b).await;

    j["network"]["vpn_gateway_id"] = serde_json::json!(other);
    let cfg = config(j.clone());
    let mut draft = plan_draft(&prior, &cfg, update_planned(&prior, &cfg));
    draft.provider = Some(b.ctx.provider.clone());
    Main.modify_plan(&mut draft).await;
    assert_eq!(paths(&draft.diags), vec!["network.vpn_gateway_id".to_string()]);
    assert!(
        warnings(&draft.diags)
            .iter()
            .any(|w| w.contains(&format!("detaches and deletes the stack's own VPN gateway {own}")))
    );
    let err = &errors(&draft.diags)[0];
    assert!(err.contains(&vpn.id) && err.contains(&format!("network.vpn_gateway_id = \"{own}\"")), "{err}");

    j["network"]["vpn_gateway_id"] = serde_json::json!(own);
    let cfg = config(j);
    let mut draft = plan_draft(&prior, &cfg, update_planned(&prior, &cfg));
    draft.provider = Some(b.ctx.provider.clone());
    Main.modify_plan(&mut draft).await;
    assert_eq!(errors(&draft.diags), Vec::<String>::new());
    assert!(warnings(&draft.diags).iter().any(|w| w.contains("hands its VPN gateway over")), "{:#?}", draft.diags);
    let out = Main.update(&b.ctx, &prior, &draft.planned, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    let g = gateway(&b, &own).await;
    assert!(!g.tags.contains_key(TAG_STACK) && g.attached_vpc() == Some(vpc.as_str()), "{g:?}");
    assert_eq!(s(&out.state, &["vpn_gateway_id"]), Some(own.as_str()));

    assert_eq!(errors(&Main.delete(&b.ctx, &out.state).await), Vec::<String>::new());
    assert_eq!(b.counts(), (0, 0, 0, 0));
    let g = gateway(&b, &own).await;
    assert_eq!((g.state.as_str(), g.attached_vpc()), ("available", None));
    assert_eq!(gateway(&b, &other).await.state, "available", "the unused gateway is untouched");
}

/// The user's gateway detached out of band: the read forgets it, the plan shows an update, and the
/// apply attaches it again.
#[tokio::test(start_paused = true)]
async fn a_users_gateway_detached_out_of_band_is_attached_again() {
    let b = bed(true);
    let vgw = users_gateway(&b).await;
    let cfg = config(on_gateway(&vgw));
    let st = b.created(&cfg).await;
    let vpc = s(&st, &["vpc_id"]).unwrap().to_string();
    b.w.ec2.detach_vpn_gateway(&vgw, &vpc).await.unwrap();
    let read = Main.read(&b.ctx, &st).await.unwrap().unwrap();
    assert!(read.get("vpn_gateway_id").is_null(), "{:?}", read.get("vpn_gateway_id"));
    let mut draft = plan_draft(&read, &cfg, update_planned(&read, &cfg));
    draft.provider = Some(b.ctx.provider.clone());
    Main.modify_plan(&mut draft).await;
    assert_eq!(errors(&draft.diags), Vec::<String>::new());
    assert!(draft.planned.get("vpn_gateway_id").is_unknown(), "an update that attaches it");
    assert_eq!(attachment(&b, &vgw, &vpc).await.as_deref(), Some("detaching"), "the apply waits it out");
    let out = Main.update(&b.ctx, &read, &draft.planned, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert_eq!(s(&out.state, &["vpn_gateway_id"]), Some(vgw.as_str()));
    assert_eq!(attachment(&b, &vgw, &vpc).await.as_deref(), Some("attached"));
}

/// Removing `vpn_gateway_id` (back to the default `vpn_gateway`) detaches the user's gateway,
/// which stays, and creates a gateway of the stack's own: the user's is never adopted as the
/// stack's.
#[tokio::test(start_paused = true)]
async fn removing_vpn_gateway_id_detaches_the_users_gateway_and_creates_the_stacks_own() {
    let b = bed(true);
    let vgw = users_gateway(&b).await;
    let prior = b.created(&config(on_gateway(&vgw))).await;
    let vpc = s(&prior, &["vpc_id"]).unwrap().to_string();
    let mut j = stack_json("check", false);
    j["target"]["rds"]["skip_final_snapshot"] = serde_json::json!(true);
    let cfg = config(j);
    let mut draft = plan_draft(&prior, &cfg, update_planned(&prior, &cfg));
    draft.provider = Some(b.ctx.provider.clone());
    Main.modify_plan(&mut draft).await;
    assert_eq!(errors(&draft.diags), Vec::<String>::new());
    assert!(draft.planned.get("vpn_gateway_id").is_unknown());
    let out = Main.update(&b.ctx, &prior, &draft.planned, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    let own = s(&out.state, &["vpn_gateway_id"]).unwrap().to_string();
    assert_ne!(own, vgw);
    assert!(gateway(&b, &own).await.tags.contains_key(TAG_STACK));
    assert_eq!(attachment(&b, &own, &vpc).await.as_deref(), Some("attached"));
    assert_eq!(attachment(&b, &vgw, &vpc).await.as_deref(), Some("detached"));
    assert!(!gateway(&b, &vgw).await.tags.contains_key(TAG_STACK));
    assert_eq!(errors(&Main.delete(&b.ctx, &out.state).await), Vec::<String>::new());
    assert_eq!(gateway(&b, &vgw).await.state, "available", "the user's gateway outlives the stack");
    assert_eq!(gateway(&b, &own).await.state, "deleted");
}

/// The stack's own gateway without VPN connections, replaced by `vpn_gateway_id`: the plan warns
/// that it is deleted; the apply detaches and deletes it and attaches the user's gateway.
#[tokio::test(start_paused = true)]
async fn an_own_gateway_without_vpns_gives_way_to_vpn_gateway_id_and_is_deleted() {
    let b = bed(true);
    let prior = b.created(&config(stack_json("check", false))).await;
    let own = s(&prior, &["vpn_gateway_id"]).unwrap().to_string();
    let vpc = s(&prior, &["vpc_id"]).unwrap().to_string();
    let vgw = users_gateway(&b).await;
    let cfg = config(on_gateway(&vgw));
    let mut draft = plan_draft(&prior, &cfg, update_planned(&prior, &cfg));
    draft.provider = Some(b.ctx.provider.clone());
    Main.modify_plan(&mut draft).await;
    assert_eq!(errors(&draft.diags), Vec::<String>::new());
    let w = warnings(&draft.diags);
    assert!(
        w.iter().any(|w| w.contains(&format!("deletes the stack's own VPN gateway {own} and attaches {vgw}"))),
        "{w:#?}"
    );
    let out = Main.update(&b.ctx, &prior, &draft.planned, &cfg).await;
    assert_eq!(errors(&out.diags), Vec::<String>::new());
    assert_eq!(gateway(&b, &own).await.state, "deleted");
    assert_eq!(attachment(&b, &vgw, &vpc).await.as_deref(), Some("attached"));
    assert_eq!(s(&out.state, &["vpn_gateway_id"]), Some(vgw.as_str()));
}

#[tokio::test(start_paused = true)]
async fn a_stack_on_vpn_gateway_id_imports_by_name_with_the_users_gateway() {
    let b = bed(true);
    let vgw = users_gateway(&b).await;
    let cfg = config(on_gateway(&vgw));
    let st = b.created(&cfg).await;
    let imported = Main.import(&b.ctx, "dblink/dev").await.unwrap();
    assert_eq!(imported.get("vpn_gateway_id").as_str(), Some(vgw.as_str()));
    let net = imported.get("network");
    assert_eq!(net.get("vpn_gateway_id").as_str(), Some(vgw.as_str()), "{net:?}");
    assert_eq!(net.get("vpn_gateway"), &Value::Bool(true));
    assert_eq!(net.get("amazon_side_asn"), st.get("network").get("amazon_side_asn"));
    // The data source reports it too.
    let found = super::lookup::discover::discover(&b.ctx, &super::lookup::discover::stack_named("dblink", Some("dev")))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.vpn_gateway.map(|g| g.id), Some(vgw));
}
