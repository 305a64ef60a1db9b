//! Issue 12, item 2: every create (and every non-idempotent action) of `dmslink_main` is safe when
//! its answer is lost. One case per operation the create calls: the fake serves the call, then the
//! caller gets the error the SDK's retry of it would meet (or the transport error it gives up
//! with); the full create must succeed with exactly the objects of an undisturbed create, and
//! destroy must leave nothing (the state recorded every one).
//!
//! The errors, from the AWS API references (error codes) and the botocore service models:
//! - EC2 (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html>):
//!   `CreateSubnet` again with the same CIDR → `InvalidSubnet.Conflict`; `CreateSecurityGroup`
//!   with the same name in the VPC → `InvalidGroup.Duplicate`; `AuthorizeSecurityGroupIngress`/
//!   `Egress` with the same rules → `InvalidPermission.Duplicate`; `AttachInternetGateway` again →
//!   `Resource.AlreadyAssociated`. (A new security group has AWS's default egress rule, which is
//!   the one main wants: it never authorizes egress on create.) `CreateVpc`, `CreateVpnGateway` and `CreateInternetGateway`
//!   have no natural key and no `ClientToken`: a retry makes a second object (see
//!   `two_owned_vpcs_are_refused_by_name`); here the SDK gives up with a transport error.
//!   `ModifyVpcAttribute`, `AttachVpnGateway` (same VPC) and `EnableVgwRoutePropagation` succeed
//!   when repeated: only a transport error is left.
//! - RDS (botocore `rds` model, `DBSubnetGroupAlreadyExistsFault` code `DBSubnetGroupAlreadyExists`,
//!   `DBInstanceAlreadyExistsFault` code `DBInstanceAlreadyExists`): `CreateDBSubnetGroup`,
//!   `CreateDBInstance`, `RestoreDBInstanceFromDBSnapshot`.
//! - DMS (botocore `dms` model, `ResourceAlreadyExistsFault`): `CreateReplicationSubnetGroup`,
//!   `CreateReplicationInstance`, `CreateEndpoint`.
//! - IAM (`CreateRole` → `EntityAlreadyExists`, IAM API reference); `AttachRolePolicy` succeeds
//!   when repeated: a transport error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use super::Main;
use super::naming::TAG_STACK;
use super::test_bed::*;
use crate::aws::ec2::{Ec2Api, Tags};
use crate::aws::error::{AwsError, ErrorKind};
use crate::engine::Resource;

/// Which fake serves the operation.
#[derive(Clone, Copy, Debug)]
enum Svc {
    Ec2,
    Rds,
    Dms,
    Iam,
}

/// What the caller sees when the SDK gives up on a call whose answer never came.
fn transport() -> AwsError {
    AwsError::new(ErrorKind::Transport, "", "could not reach the AWS endpoint: connection reset by peer")
}

/// Every operation a `dmslink_main` create calls that changes something, with the error its
/// lost answer leaves the caller (see the module documentation).
fn cases() -> Vec<(Svc, &'static str, AwsError)> {
    let code = |c: &str| AwsError::from_code(c, "the SDK's retry met what the first attempt made");
    vec![
        (Svc::Iam, "create_role", code("EntityAlreadyExists")),
        (Svc::Iam, "create_role", transport()),
        (Svc::Iam, "attach_role_policy", transport()),
        (Svc::Ec2, "create_vpc", transport()),
        (Svc::Ec2, "modify_vpc_attribute", transport()),
        (Svc::Ec2, "create_subnet", code("InvalidSubnet.Conflict")),
        (Svc::Ec2, "create_subnet", transport()),
        (Svc::Ec2, "create_security_group", code("InvalidGroup.Duplicate")),
        (Svc::Ec2, "authorize_security_group_ingress", code("InvalidPermission.Duplicate")),
        (Svc::Ec2, "authorize_security_group_ingress", transport()),
        (Svc::Ec2, "create_vpn_gateway", transport()),
        (Svc::Ec2, "attach_vpn_gateway", transport()),
        (Svc::Ec2, "enable_vgw_route_propagation", transport()),
        (Svc::Ec2, "create_internet_gateway", transport()),
        (Svc::Ec2, "attach_internet_gateway", code("Resource.AlreadyAssociated")),
        (Svc::Ec2, "attach_internet_gateway", transport()),
        (Svc::Rds, "create_db_subnet_group", code("DBSubnetGroupAlreadyExists")),
        (Svc::Rds, "create_db_instance", code("DBInstanceAlreadyExists")),
        (Svc::Rds, "create_db_instance", transport()),
        (Svc::Rds, "restore_db_instance_from_snapshot", code("DBInstanceAlreadyExists")),
        (Svc::Dms, "create_replication_subnet_group", code("ResourceAlreadyExistsFault")),
        (Svc::Dms, "create_replication_instance", code("ResourceAlreadyExistsFault")),
        (Svc::Dms, "create_replication_instance", transport()),
        (Svc::Dms, "create_endpoint", code("ResourceAlreadyExistsFault")),
        (Svc::Dms, "create_endpoint", transport()),
    ]
}

/// The seed stack with an RDS source (a restore), `dms_vpc_role = "create"` and an internet
/// gateway: every create operation of `dmslink_main` is called.
fn every_child() -> serde_json::Value {
    let mut j = stack_json("create", true);
    j["network"]["internet_gateway"] = serde_json::json!(true);
    j
}

/// The stack's objects per kind (EC2 id prefix, RDS/DMS ARN resource type), and the IAM role.
fn inventory(b: &Bed) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for id in b.w.tagged(TAG_STACK, PREFIX) {
        let kind = if id.starts_with("arn:") {
            id.split(':').nth(5).unwrap_or_default().to_string()
        } else {
            id.split('-').next().unwrap_or_default().to_string()
        };
        *out.entry(kind).or_default() += 1;
    }
    out.insert("iam-role".into(), usize::from(b.w.iam.dms_vpc_role_ready()));
    out
}

fn calls(b: &Bed, svc: Svc) -> Vec<String> {
    match svc {
        Svc::Ec2 => b.w.ec2.calls(),
        Svc::Rds => b.w.rds.calls(),
        Svc::Dms => b.w.dms.calls(),
        Svc::Iam => b.w.iam.calls(),
    }
}

/// An undisturbed create: its objects and how often it calls each operation.
async fn baseline() -> (BTreeMap<String, usize>, Vec<(Svc, &'static str, usize)>) {
    let b = bed(false);
    b.created(&config(every_child())).await;
    let counts = cases()
        .into_iter()
        .map(|(svc, op, _)| (svc, op, calls(&b, svc).iter().filter(|c| c.as_str() == op).count()))
        .collect();
    (inventory(&b), counts)
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_on_each_create_operation_is_adopted_and_the_create_succeeds() {
    let (want, want_calls) = baseline().await;
    for (svc, op, n) in &want_calls {
        assert!(*n > 0, "the seed stack never calls {svc:?} {op}: the case tests nothing");
    }
    assert_eq!(want.get("vpc"), Some(&1), "{want:?}");
    for ((svc, op, err), (_, _, n)) in cases().into_iter().zip(want_calls) {
        let case = format!("{svc:?} {op} answering {err}");
        let b = bed(false);
        match svc {
            Svc::Ec2 => b.w.ec2.lose_next_answer(op, err),
            Svc::Rds => b.w.rds.lose_next_answer(op, err),
            Svc::Dms => b.w.dms.lose_next_answer(op, err),
            Svc::Iam => b.w.iam.lose_next_answer(op, err),
        }
        let out = b.create(&config(every_child())).await;
        assert_eq!(errors(&out.diags), Vec::<String>::new(), "{case}");
        assert_eq!(inventory(&b), want, "{case}: one object per child");
        let made = calls(&b, svc).iter().filter(|c| c.as_str() == op).count();
        assert_eq!(made, n, "{case}: the lost call is not made again");
        assert_eq!(out.state.get("dms_vpc_role_created").as_bool(), Some(true), "{case}");
        let d = Main.delete(&b.ctx, &out.state).await;
        assert_eq!(errors(&d), Vec::<String>::new(), "{case}: destroy");
        assert_eq!(b.w.tagged(TAG_STACK, PREFIX), Vec::<String>::new(), "{case}: the state held every object");
    }
}

/// A refused create keeps its error: the kit looks again only when the outcome is unknown.
#[tokio::test(start_paused = true)]
async fn a_refused_create_is_not_looked_up_again() {
    let b = bed(true);
    b.w.ec2.fail_next(
        "create_vpc",
        AwsError::from_code("VpcLimitExceeded", "The maximum number of VPCs has been reached."),
    );
    let out = b.create(&config(stack_json("check", false))).await;
    let errs = errors(&out.diags);
    assert!(errs.len() == 1 && errs[0].contains("VpcLimitExceeded"), "{errs:?}");
    let looks = b.w.ec2.calls().iter().filter(|c| c.as_str() == "find_vpcs").count();
    assert_eq!(looks, 2, "one look before the create (owned, named), none after: {:?}", b.w.ec2.calls());
}

/// Two VPCs carrying this stack's ownership tags (a retried `CreateVpc` made a second): the create
/// refuses, naming both, and never picks one.
#[tokio::test(start_paused = true)]
async fn two_owned_vpcs_are_refused_by_name() {
    let b = bed(true);
    let mut tags = Tags::new();
    tags.insert(TAG_STACK.to_string(), PREFIX.to_string());
    tags.insert(super::naming::TAG_RESOURCE.to_string(), super::naming::kind::VPC.to_string());
    let one = b.w.ec2.create_vpc("10.20.0.0/24", &tags).await.unwrap();
    let two = b.w.ec2.create_vpc("10.20.0.0/24", &tags).await.unwrap();
    let out = b.create(&config(stack_json("check", false))).await;
    let errs = errors(&out.diags);
    assert!(
        errs.len() == 1
            && errs[0].contains("found 2 EC2 VPCs")
            && errs[0].contains(&one.id)
            && errs[0].contains(&two.id),
        "{errs:?}"
    );
    assert_eq!(b.w.ec2.vpc_count(), 2, "nothing more was made");
}

/// A create cut after AWS served it (StopProvider cuts the call: the caller gets `Cancelled` and
/// looks no more) leaves its child outside the partial state Terraform keeps. The destroy of that
/// state finds the child by the stack's identity and deletes it with the rest. Before, the VPC's
/// delete met `DependencyViolation` from an orphan subnet or security group until the destroy's
/// deadline (Terraform 1.11 in `interrupt_during_a_burst_of_creates`), and every such child was
/// left behind.
#[tokio::test(start_paused = true)]
async fn a_destroy_deletes_what_a_create_cut_after_aws_served_it_left_outside_the_state() {
    let cut = || AwsError::new(ErrorKind::Cancelled, "StoppedByTerraform", "stopped by Terraform");
    let cases = [
        (Svc::Ec2, "create_subnet"),
        (Svc::Ec2, "create_security_group"),
        (Svc::Ec2, "create_vpn_gateway"),
        (Svc::Ec2, "create_internet_gateway"),
        (Svc::Rds, "create_db_subnet_group"),
        (Svc::Rds, "create_db_instance"),
        (Svc::Rds, "restore_db_instance_from_snapshot"),
        (Svc::Dms, "create_replication_subnet_group"),
        (Svc::Dms, "create_replication_instance"),
        (Svc::Dms, "create_endpoint"),
    ];
    for (svc, op) in cases {
        let b = bed(false);
        match svc {
            Svc::Ec2 => b.w.ec2.lose_next_answer(op, cut()),
            Svc::Rds => b.w.rds.lose_next_answer(op, cut()),
            Svc::Dms => b.w.dms.lose_next_answer(op, cut()),
            Svc::Iam => b.w.iam.lose_next_answer(op, cut()),
        }
        let out = b.create(&config(every_child())).await;
        assert!(!errors(&out.diags).is_empty(), "{op}: the cut create fails the apply");
        assert!(!out.state.is_null(), "{op}: the VPC at least is in the partial state");
        assert!(calls(&b, svc).iter().any(|c| c == op), "{op}: the cut call was served");
        let d = Main.delete(&b.ctx, &out.state).await;
        assert_eq!(errors(&d), Vec::<String>::new(), "{op}: destroy");
        assert_eq!(b.w.tagged(TAG_STACK, PREFIX), Vec::<String>::new(), "{op}: left behind");
    }
}

/// A create cut before its answer that AWS serves only after the destroy looked for the stack's
/// unrecorded children (the request was still held): its subnet shows up while the VPC's delete
/// meets `DependencyViolation`, is looked for again there and deleted, and the VPC goes.
#[tokio::test(start_paused = true)]
async fn a_destroy_deletes_a_subnet_a_cut_create_made_after_the_destroy_looked() {
    use crate::aws::ec2::{CreateSubnetInput, Ec2Api};
    let cut = || AwsError::new(ErrorKind::Cancelled, "StoppedByTerraform", "stopped by Terraform");
    let b = bed(false);
    b.w.ec2.fail_next("create_subnet", cut());
    let out = b.create(&config(every_child())).await;
    assert!(!errors(&out.diags).is_empty());
    let vpc = out.state.get("vpc_id").as_str().unwrap().to_string();
    // The late create: served once the destroy has deleted the security group (after its look).
    let ec2 = b.w.ec2.clone();
    let late = tokio::spawn(async move {
        while !ec2.calls().iter().any(|c| c.starts_with("delete_security_group")) {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let tags = [("dmslink:stack", PREFIX), ("dmslink:resource", "subnet"), ("Name", "late")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let input = CreateSubnetInput {
            vpc_id: vpc,
            cidr_block: "10.20.0.192/26".into(),
            availability_zone: "us-east-1c".into(),
            tags,
        };
        ec2.create_subnet(input).await.unwrap().id
    });
    let d = Main.delete(&b.ctx, &out.state).await;
    let subnet = late.await.unwrap();
    assert_eq!(errors(&d), Vec::<String>::new());
    assert!(b.w.ec2.subnet(&subnet).is_none(), "the late subnet {subnet} is left");
    assert_eq!(b.w.tagged(TAG_STACK, PREFIX), Vec::<String>::new(), "left behind");
}
