//! `dms_vpc_role` against a role with policies of its own, as the seed (GeoscienceAustralia/
//! aws-dms-example) creates it: an inline policy granting DMS's EC2 actions instead of
//! `AmazonDMSVPCManagementRole` (issue 13 item 7).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::Main;
use super::test_bed::*;
use crate::aws::iam::{CreateRoleInput, DMS_VPC_ROLE, IamApi, dms_trust_policy};
use crate::aws::iam_policy::DMS_VPC_ACTIONS;
use crate::engine::Resource;

fn policy(statements: serde_json::Value) -> String {
    serde_json::json!({ "Version": "2012-10-17", "Statement": statements }).to_string()
}

/// The seed's inline policy: every action DMS needs, on every resource.
fn seed_policy() -> String {
    policy(serde_json::json!([{ "Effect": "Allow", "Action": DMS_VPC_ACTIONS, "Resource": "*" }]))
}

/// A bed whose `dms-vpc-role` trusts DMS and has `inline` as its only policy (none attached).
async fn bed_with_own_role(inline: &str) -> Bed {
    let b = bed(false);
    let input =
        CreateRoleInput { name: DMS_VPC_ROLE.into(), assume_role_policy: dms_trust_policy(), ..Default::default() };
    b.w.iam.create_role(input).await.unwrap();
    b.w.iam.put_role_policy(DMS_VPC_ROLE, "dmsvpcpolicy", inline).unwrap();
    b.clear_calls();
    b
}

/// The IAM calls that change something.
fn iam_changes(b: &Bed) -> Vec<String> {
    b.w.iam.calls().into_iter().filter(|c| !c.starts_with("get_") && !c.starts_with("list_")).collect()
}

#[tokio::test(start_paused = true)]
async fn check_accepts_the_seeds_inline_role() {
    let b = bed_with_own_role(&seed_policy()).await;
    let st = b.created(&config(stack_json("check", false))).await;
    assert_eq!(st.get("dms_vpc_role_created").as_bool(), Some(false));
    assert!(b.w.iam.calls().contains(&"get_role_policy".to_string()), "{:?}", b.w.iam.calls());
    assert_eq!(iam_changes(&b), Vec::<String>::new());
    assert!(b.w.iam.attached_policy_arns(DMS_VPC_ROLE).is_empty());
}

#[tokio::test(start_paused = true)]
async fn check_names_exactly_the_missing_actions_and_the_ways_on() {
    let partial = policy(serde_json::json!([
        { "Effect": "Allow", "Action": ["ec2:Describe*", "ec2:CreateNetworkInterface"], "Resource": "*" }
    ]));
    let b = bed_with_own_role(&partial).await;
    let out = b.create(&config(stack_json("check", false))).await;
    let errs = errors(&out.diags);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let e = &errs[0];
    assert!(
        e.contains("its policies do not grant ec2:DeleteNetworkInterface, ec2:ModifyNetworkInterfaceAttribute."),
        "{e}"
    );
    assert!(!e.contains("ec2:DescribeVpcs") && !e.contains("grant ec2:CreateNetworkInterface"), "{e}");
    assert!(e.contains("aws iam attach-role-policy --role-name dms-vpc-role"), "{e}");
    assert!(e.contains("AmazonDMSVPCManagementRole") && e.contains("dms_vpc_role = \"create\""), "{e}");
    assert!(e.contains(r#"Action ["ec2:DeleteNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute"]"#), "{e}");
    assert!(out.state.is_null());
    assert!(b.w.ec2.calls().is_empty(), "{:?}", b.w.ec2.calls());
    assert_eq!(iam_changes(&b), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn check_counts_a_deny_and_says_when_a_policy_is_unreadable() {
    let denying = policy(serde_json::json!([
        { "Effect": "Allow", "Action": "ec2:*", "Resource": "*" },
        { "Effect": "Deny", "Action": "ec2:Delete*", "Resource": "*" }
    ]));
    let b = bed_with_own_role(&denying).await;
    let errs = errors(&b.create(&config(stack_json("check", false))).await.diags);
    assert!(errs.len() == 1 && errs[0].contains("a Deny statement takes away ec2:DeleteNetworkInterface"), "{errs:?}");
    assert!(errs[0].contains("remove or narrow it"), "{errs:?}");

    let b = bed_with_own_role("{\"Statement\": [").await;
    let errs = errors(&b.create(&config(stack_json("check", false))).await.diags);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains(&format!("do not grant {}", DMS_VPC_ACTIONS.join(", "))), "{}", errs[0]);
    assert!(errs[0].contains("could not be read as a JSON policy: inline policy dmsvpcpolicy"), "{}", errs[0]);
}

#[tokio::test(start_paused = true)]
async fn check_reads_the_default_version_of_an_attached_customer_policy() {
    let b = bed_with_own_role(&policy(serde_json::json!([]))).await;
    let arn = b.w.iam.create_policy("dms-vpc", &policy(serde_json::json!([])));
    b.w.iam.create_policy_version(&arn, &seed_policy(), false).unwrap();
    b.w.iam.attach_role_policy(DMS_VPC_ROLE, &arn).await.unwrap();
    let errs = errors(&b.create(&config(stack_json("check", false))).await.diags);
    assert!(errs.len() == 1 && errs[0].contains("do not grant ec2:CreateNetworkInterface"), "{errs:?}");

    b.w.iam.create_policy_version(&arn, &seed_policy(), true).unwrap();
    b.clear_calls();
    b.created(&config(stack_json("check", false))).await;
    assert!(b.w.iam.calls().contains(&"get_policy_version".to_string()), "{:?}", b.w.iam.calls());
}

#[tokio::test(start_paused = true)]
async fn create_mode_leaves_a_role_that_already_grants_everything_alone() {
    let b = bed_with_own_role(&policy(serde_json::json!([{ "Effect": "Allow", "Action": "ec2:*", "Resource": "*" }])))
        .await;
    let st = b.created(&config(stack_json("create", false))).await;
    assert_eq!(st.get("dms_vpc_role_created").as_bool(), Some(false));
    assert_eq!(iam_changes(&b), Vec::<String>::new());
    assert!(b.w.iam.attached_policy_arns(DMS_VPC_ROLE).is_empty());
    // Not this stack's: destroying the stack leaves it.
    let d = Main.delete(&b.ctx, &st).await;
    assert_eq!(errors(&d), Vec::<String>::new());
    assert!(b.w.iam.role_exists(DMS_VPC_ROLE));
    assert_eq!(iam_changes(&b), Vec::<String>::new());
}

#[tokio::test(start_paused = true)]
async fn create_mode_attaches_the_managed_policy_to_a_role_granting_too_little() {
    let b = bed_with_own_role(&policy(serde_json::json!([]))).await;
    let st = b.created(&config(stack_json("create", false))).await;
    assert_eq!(st.get("dms_vpc_role_created").as_bool(), Some(false));
    assert_eq!(iam_changes(&b), vec!["attach_role_policy"]);
}

#[test]
fn the_documentation_names_every_action_check_asks_for() {
    let docs = include_str!("../../../../docs/resources/main.md");
    let line = docs.lines().find(|l| l.starts_with("- `dms_vpc_role` (String)")).unwrap();
    for action in DMS_VPC_ACTIONS {
        assert!(line.contains(&format!("`{action}`")), "{action} missing from: {line}");
    }
}

#[tokio::test(start_paused = true)]
async fn check_still_needs_the_trust_of_dms_whatever_the_policies_grant() {
    let b = bed(false);
    let trust = dms_trust_policy().replace("dms.amazonaws.com", "ec2.amazonaws.com");
    let input = CreateRoleInput { name: DMS_VPC_ROLE.into(), assume_role_policy: trust, ..Default::default() };
    b.w.iam.create_role(input).await.unwrap();
    b.w.iam.put_role_policy(DMS_VPC_ROLE, "dmsvpcpolicy", &seed_policy()).unwrap();
    let errs = errors(&b.create(&config(stack_json("check", false))).await.diags);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("exists but does not trust dms.amazonaws.com"), "{}", errs[0]);
    assert!(!errs[0].contains("do not grant"), "{}", errs[0]);

    b.w.iam.put_role_policy(DMS_VPC_ROLE, "dmsvpcpolicy", "{}").unwrap();
    let errs = errors(&b.create(&config(stack_json("check", false))).await.diags);
    assert!(errs.len() == 1 && errs[0].contains("does not trust dms.amazonaws.com"), "{errs:?}");
    assert!(
        errs[0].contains(&format!("Also, its policies do not grant {}", DMS_VPC_ACTIONS.join(", "))),
        "{}",
        errs[0]
    );
}
