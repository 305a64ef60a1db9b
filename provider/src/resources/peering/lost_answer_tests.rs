//! Issue 12, item 2: every changing call of `dmslink_peering` is safe when its answer is lost. The
//! fake serves the call, then the caller gets the error the SDK's retry of it would meet, or the
//! transport error it gives up with; the create (update, delete) must succeed with exactly what an
//! undisturbed one leaves, without sending the lost call again.
//!
//! The errors, from the EC2 error codes
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html>):
//! `CreateRoute` again → `RouteAlreadyExists`; `AuthorizeSecurityGroupIngress` again →
//! `InvalidPermission.Duplicate`; `AcceptVpcPeeringConnection` of a peering past
//! `pending-acceptance` → `InvalidStateTransition`; `DeleteRoute` of a deleted route →
//! `InvalidRoute.NotFound`; `RevokeSecurityGroupIngress` of a revoked rule →
//! `InvalidPermission.NotFound`. `CreateVpcPeeringConnection` has no natural key or client token:
//! the SDK sends it once, so only a transport error is left (a retry would make a second
//! peering). `ModifyVpcPeeringConnectionOptions`, `CreateTags` and `DeleteTags` succeed when
//! repeated: a transport error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::Peering;
use super::model::Tags;
use super::spec::{OWNER_TAG, OWNER_VALUE};
use super::tests::*;
use crate::aws::ec2::{CreateVpcPeeringInput, Ec2Api, Filters, RouteTarget};
use crate::aws::error::{AwsError, ErrorKind};
use crate::engine::Resource;
use crate::engine::model::Unknowable;

/// What the caller sees when the SDK gives up on a call whose answer never came.
fn transport() -> AwsError {
    AwsError::new(ErrorKind::Transport, "", "could not reach the AWS endpoint: connection reset by peer")
}

fn code(c: &str) -> AwsError {
    AwsError::from_code(c, "the SDK's retry met what the first attempt made")
}

/// Every changing call of a create, with the error its lost answer leaves the caller.
fn create_cases() -> Vec<(&'static str, AwsError)> {
    vec![
        ("create_vpc_peering_connection", transport()),
        ("accept_vpc_peering_connection", code("InvalidStateTransition")),
        ("accept_vpc_peering_connection", transport()),
        ("modify_vpc_peering_dns", transport()),
        ("create_route", code("RouteAlreadyExists")),
        ("create_route", transport()),
        ("authorize_security_group_ingress", code("InvalidPermission.Duplicate")),
        ("authorize_security_group_ingress", transport()),
    ]
}

/// The peerings that are not deleted (or on their way).
async fn live_peerings(b: &Bed) -> Vec<String> {
    let all = b.w.ec2.find_vpc_peering_connections(&Filters::new()).await.unwrap();
    all.into_iter().filter(|p| !matches!(p.status.as_str(), "deleted" | "deleting")).map(|p| p.id).collect()
}

fn count(b: &Bed, op: &str) -> usize {
    b.w.ec2.calls().iter().filter(|c| c.as_str() == op).count()
}

/// What a peering's routes and rules look like, without its id (which differs per run).
fn shape(s: &crate::engine::Value) -> (Vec<String>, Vec<i64>, Unknowable<String>) {
    let rules = rules(s).into_iter().map(|r| r.port).collect();
    (destinations(s), rules, model(s).status)
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_on_each_create_call_is_adopted_and_the_create_succeeds() {
    let clean = bed().await;
    let want = clean.create(&clean.config()).await;
    assert!(!want.diags.has_errors(), "{:?}", want.diags);
    let baseline: Vec<usize> = create_cases().iter().map(|(op, _)| count(&clean, op)).collect();
    for ((op, _), n) in create_cases().iter().zip(&baseline) {
        assert!(*n > 0, "a clean create never calls {op}: the case tests nothing");
    }
    for ((op, err), n) in create_cases().into_iter().zip(baseline) {
        let case = format!("{op} answering {err}");
        let b = bed().await;
        b.w.ec2.lose_next_answer(op, err);
        let out = b.create(&b.config()).await;
        assert!(!out.diags.has_errors(), "{case}: {:?}", out.diags);
        assert_eq!(shape(&out.state), shape(&want.state), "{case}");
        let pcx = pcx_of(&out.state);
        assert_eq!(live_peerings(&b).await, vec![pcx.clone()], "{case}: one peering");
        assert_eq!(count(&b, op), n, "{case}: the lost call is not made again");
        let p = b.w.ec2.find_vpc_peering_connection(&pcx).await.unwrap().unwrap();
        assert_eq!(p.requester.allow_dns_resolution_from_remote_vpc, Some(true), "{case}");
        let app_rt = b.main_table(&b.w.ec2, &b.app_vpc).await;
        assert_eq!(target_of(&b.w.ec2, &app_rt, DMS_CIDR).await, Some(RouteTarget::VpcPeering(pcx)), "{case}");
        let d = Peering.delete(&b.ctx, &out.state).await;
        assert!(!d.has_errors(), "{case}: destroy {d:?}");
        assert_eq!(live_peerings(&b).await, Vec::<String>::new(), "{case}: the state held the peering");
    }
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_on_each_delete_call_counts_as_done() {
    let cases = [
        ("revoke_security_group_ingress", code("InvalidPermission.NotFound")),
        ("revoke_security_group_ingress", transport()),
        ("delete_route", code("InvalidRoute.NotFound")),
        ("delete_route", transport()),
        ("delete_vpc_peering_connection", code("InvalidVpcPeeringConnectionID.NotFound")),
        ("delete_vpc_peering_connection", transport()),
    ];
    for (op, err) in cases {
        let case = format!("{op} answering {err}");
        let b = bed().await;
        let s = b.create(&b.config()).await.state;
        let pcx = pcx_of(&s);
        b.w.ec2.clear_calls();
        b.w.ec2.lose_next_answer(op, err);
        let d = Peering.delete(&b.ctx, &s).await;
        assert!(!d.has_errors(), "{case}: {d:?}");
        assert_eq!(live_peerings(&b).await, Vec::<String>::new(), "{case}");
        let want = if op == "delete_route" { 2 } else { 1 };
        assert_eq!(count(&b, op), want, "{case}: the lost call is not made again");
        for vpc in [&b.dms_vpc, &b.app_vpc] {
            let t = b.main_table(&b.w.ec2, vpc).await;
            let routes = b.w.ec2.find_route_table(&t).await.unwrap().unwrap().routes;
            assert!(routes.iter().all(|r| r.target != RouteTarget::VpcPeering(pcx.clone())), "{case}: {routes:?}");
        }
        let left = b.w.ec2.find_security_group_rules(&b.sg).await.unwrap();
        assert!(left.iter().all(|r| r.rule.from_port != 5432), "{case}: {left:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_on_the_tag_calls_of_an_update_counts_as_done() {
    for op in ["create_tags", "delete_tags"] {
        let b = bed().await;
        let s = b.create(&b.config()).await.state;
        let mut cfg = model(&b.config());
        cfg.tags = Some(Tags::from([("owner".to_string(), "bi".to_string())]));
        let mut planned = model(&s);
        (planned.tags, planned.tags_all) = (cfg.tags.clone(), Unknowable::Unknown);
        let (planned, cfg) = (planned.to_value().unwrap(), cfg.to_value().unwrap());
        b.w.ec2.clear_calls();
        b.w.ec2.lose_next_answer(op, transport());
        let out = Peering.update(&b.ctx, &s, &planned, &cfg).await;
        assert!(!out.diags.has_errors(), "{op}: {:?}", out.diags);
        assert_eq!(count(&b, op), 1, "{op}: the lost call is not made again");
        let p = b.w.ec2.find_vpc_peering_connection(&pcx_of(&s)).await.unwrap().unwrap();
        assert!(has_tags(&p.tags, &[("owner", "bi"), (OWNER_TAG, OWNER_VALUE)]), "{op}: {:?}", p.tags);
        assert!(!p.tags.contains_key("app"), "{op}: {:?}", p.tags);
    }
}

/// Two live peerings of ours between the two VPCs (a retried request made a second): the create
/// refuses, naming both, and requests nothing.
#[tokio::test(start_paused = true)]
async fn two_owned_peerings_are_refused_by_name() {
    let b = bed().await;
    let request = || CreateVpcPeeringInput {
        vpc_id: b.app_vpc.clone(),
        peer_vpc_id: b.dms_vpc.clone(),
        tags: Tags::from([(OWNER_TAG.to_string(), OWNER_VALUE.to_string())]),
        ..CreateVpcPeeringInput::default()
    };
    let one = b.w.ec2.create_vpc_peering_connection(request()).await.unwrap();
    let two = b.w.ec2.create_vpc_peering_connection(request()).await.unwrap();
    b.w.ec2.clear_calls();
    let out = b.create(&b.config()).await;
    let text = format!("{:?}", out.diags);
    assert!(out.diags.has_errors() && text.contains(&one.id) && text.contains(&two.id), "{text}");
    assert!(text.contains("found 2 VPC peering connections"), "{text}");
    assert_eq!(count(&b, "create_vpc_peering_connection"), 0);
}

/// A refused request keeps its error and is not sent again.
#[tokio::test(start_paused = true)]
async fn a_refused_request_is_not_sent_again() {
    let b = bed().await;
    b.w.ec2.fail_next(
        "create_vpc_peering_connection",
        AwsError::from_code("VpcPeeringConnectionLimitExceeded", "too many peerings"),
    );
    let out = b.create(&b.config()).await;
    let text = format!("{:?}", out.diags);
    assert!(out.diags.has_errors() && text.contains("VpcPeeringConnectionLimitExceeded"), "{text}");
    assert_eq!(count(&b, "create_vpc_peering_connection"), 1);
    assert_eq!(live_peerings(&b).await, Vec::<String>::new());
}
