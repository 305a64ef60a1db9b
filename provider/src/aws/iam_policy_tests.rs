#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

/// The seed's inline policy (GeoscienceAustralia/aws-dms-example `terraform-main/iam-roles.tf`).
fn seed_policy() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface", "ec2:DescribeAvailabilityZones", "ec2:DescribeInternetGateways",
                "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
                "ec2:DeleteNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute"
            ],
            "Resource": "*"
        }]
    })
    .to_string()
}

fn statements(statements: serde_json::Value) -> String {
    serde_json::json!({ "Version": "2012-10-17", "Statement": statements }).to_string()
}

fn inline(doc: impl Into<String>) -> Vec<NamedPolicy> {
    vec![NamedPolicy::read("inline policy p", doc)]
}

fn missing(doc: impl Into<String>, reading: Reading) -> Vec<&'static str> {
    evaluate(&inline(doc), reading).missing
}

#[test]
fn the_seeds_inline_policy_grants_everything() {
    for reading in [Reading::Cautious, Reading::AsEmulator] {
        let grants = evaluate(&inline(seed_policy()), reading);
        assert!(grants.all(), "{grants:?}");
        assert_eq!(grants, Grants::default());
    }
}

#[test]
fn url_encoded_documents_are_read() {
    let encoded: String = seed_policy()
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    assert!(encoded.starts_with("%7B%22"));
    assert!(evaluate(&inline(encoded), Reading::Cautious).all());
}

#[test]
fn missing_actions_are_named_in_order() {
    let doc = statements(serde_json::json!([{
        "Effect": "Allow",
        "Action": ["ec2:CreateNetworkInterface", "ec2:DescribeVpcs", "ec2:DescribeSubnets"],
        "Resource": "*"
    }]));
    let grants = evaluate(&inline(doc), Reading::Cautious);
    assert_eq!(
        grants.missing,
        vec![
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeAvailabilityZones",
            "ec2:DescribeInternetGateways",
            "ec2:DescribeSecurityGroups",
            "ec2:ModifyNetworkInterfaceAttribute",
        ]
    );
    let text = grants.explain();
    assert!(
        text.starts_with("its policies do not grant ec2:DeleteNetworkInterface, ec2:DescribeAvailabilityZones"),
        "{text}"
    );
    assert!(!text.contains("ec2:DescribeVpcs"), "{text}");
}

#[test]
fn wildcards_grant() {
    for actions in [
        serde_json::json!("ec2:*"),
        serde_json::json!("*"),
        serde_json::json!(["ec2:*Network*", "ec2:Describe*"]),
        serde_json::json!(["EC2:createnetworkinterface", "ec2:de*", "ec2:?odify*"]),
    ] {
        let doc = statements(serde_json::json!({ "Effect": "Allow", "Action": actions, "Resource": ["*"] }));
        assert_eq!(missing(doc, Reading::Cautious), Vec::<&str>::new(), "{actions}");
    }
    let doc = statements(serde_json::json!({ "Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*" }));
    assert_eq!(
        missing(doc, Reading::Cautious),
        vec!["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute"]
    );
}

#[test]
fn wildcard_match_follows_iam() {
    assert!(wildcard_match("ec2:*", "ec2:DescribeVpcs"));
    assert!(wildcard_match("*", ""));
    assert!(wildcard_match("ec2:Describe?pcs", "ec2:DescribeVpcs"));
    assert!(wildcard_match("e*c*s", "ec2:DescribeVpcs"));
    assert!(!wildcard_match("ec2:Describe", "ec2:DescribeVpcs"));
    assert!(!wildcard_match("ec2:?", "ec2:"));
    assert!(!wildcard_match("s3:*", "ec2:DescribeVpcs"));
    // Many stars against a long text stay quick (no exponential backtracking).
    let pattern = "*a".repeat(50);
    assert!(!wildcard_match(&pattern, &"a".repeat(49)));
}

#[test]
fn only_every_resource_grants() {
    let doc = statements(serde_json::json!({
        "Effect": "Allow", "Action": "ec2:*", "Resource": "arn:aws:ec2:*:*:vpc/*"
    }));
    assert_eq!(missing(doc, Reading::Cautious).len(), DMS_VPC_ACTIONS.len());
    let doc = statements(serde_json::json!({ "Effect": "Allow", "Action": "ec2:*", "NotResource": "x" }));
    assert_eq!(missing(doc, Reading::Cautious).len(), DMS_VPC_ACTIONS.len());
}

#[test]
fn a_deny_takes_away() {
    let doc = statements(serde_json::json!([
        { "Effect": "Allow", "Action": "ec2:*", "Resource": "*" },
        { "Effect": "Deny", "Action": "ec2:CreateNetworkInterface", "Resource": "*" }
    ]));
    let grants = evaluate(&inline(doc), Reading::Cautious);
    assert_eq!(grants.missing, vec!["ec2:CreateNetworkInterface"]);
    assert_eq!(grants.denied, vec!["ec2:CreateNetworkInterface"]);
    assert!(
        grants.explain().contains("a Deny statement takes away ec2:CreateNetworkInterface"),
        "{}",
        grants.explain()
    );

    // A Deny in another policy counts too; on some resources only: the cautious check counts it,
    // the emulator (and the fake) do not.
    let policies = vec![
        NamedPolicy::read("inline policy allow", seed_policy()),
        NamedPolicy::read(
            "arn:aws:iam::123456789012:policy/deny",
            statements(serde_json::json!({
                "Effect": "Deny", "Action": "ec2:Delete*", "Resource": "arn:aws:ec2:*:*:network-interface/*"
            })),
        ),
    ];
    assert_eq!(evaluate(&policies, Reading::Cautious).missing, vec!["ec2:DeleteNetworkInterface"]);
    assert!(evaluate(&policies, Reading::AsEmulator).all());
}

#[test]
fn not_action_is_read_by_the_reading() {
    let doc = statements(serde_json::json!({ "Effect": "Allow", "NotAction": "s3:*", "Resource": "*" }));
    let cautious = evaluate(&inline(doc.clone()), Reading::Cautious);
    assert_eq!(cautious.missing.len(), DMS_VPC_ACTIONS.len());
    assert_eq!(cautious.not_action, vec!["inline policy p"]);
    assert!(cautious.explain().contains("NotAction are not counted"), "{}", cautious.explain());
    assert!(evaluate(&inline(doc), Reading::AsEmulator).all());

    // A Deny with NotAction denies what it does not list, in both readings.
    let doc = statements(serde_json::json!([
        { "Effect": "Allow", "Action": "*", "Resource": "*" },
        { "Effect": "Deny", "NotAction": "ec2:Describe*", "Resource": "*" }
    ]));
    for reading in [Reading::Cautious, Reading::AsEmulator] {
        assert_eq!(
            missing(doc.clone(), reading),
            vec!["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute"]
        );
    }
}

#[test]
fn malformed_documents_grant_nothing_and_say_so() {
    for doc in [
        "",
        "not json",
        "%7B%zz",
        "[]",
        "\"text\"",
        "null",
        "{\"Statement\": 3}",
        "{\"Statement\": [1, \"x\", null, {\"Effect\": [\"Allow\"], \"Action\": \"*\", \"Resource\": \"*\"}]}",
        "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": 7, \"Resource\": {\"a\": 1}}}",
        "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": [null, 1, {}], \"Resource\": [[\"*\"]]}}",
        "{\"Statement\": {\"Effect\": \"Deny\"}}",
    ] {
        let grants = evaluate(&inline(doc), Reading::Cautious);
        assert_eq!(grants.missing.len(), DMS_VPC_ACTIONS.len(), "{doc}");
    }
    let grants = evaluate(&inline("not json"), Reading::Cautious);
    assert_eq!(grants.unreadable, vec!["inline policy p (not a JSON object)"]);
    assert!(grants.explain().contains("could not be read as a JSON policy: inline policy p (not a JSON object)"));

    // An unreadable policy beside a granting one does not matter.
    let policies = vec![
        NamedPolicy::unread("inline policy secret", "AccessDenied: not authorized to perform iam:GetRolePolicy"),
        NamedPolicy::read("inline policy seed", seed_policy()),
    ];
    let grants = evaluate(&policies, Reading::Cautious);
    assert!(grants.all(), "{grants:?}");
    assert_eq!(
        grants.unreadable,
        vec!["inline policy secret (AccessDenied: not authorized to perform iam:GetRolePolicy)"]
    );
}

#[test]
fn actions_split_across_policies_add_up() {
    let policies = vec![
        NamedPolicy::read(
            "inline policy a",
            statements(serde_json::json!({ "Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*" })),
        ),
        NamedPolicy::read(
            "arn:aws:iam::123456789012:policy/b",
            statements(serde_json::json!({ "Effect": "Allow", "Action": "ec2:*NetworkInterface*", "Resource": "*" })),
        ),
    ];
    assert!(evaluate(&policies, Reading::Cautious).all());
    assert_eq!(evaluate(&policies[..1], Reading::Cautious).missing.len(), 3);
}

#[test]
fn the_action_list_is_the_emulators() {
    let python = include_str!("../../../tests/emulator/dmslink_emulator/strictness.py");
    let start = python.find("DMS_VPC_ACTIONS = (").expect("the emulator's DMS_VPC_ACTIONS");
    let end = start + python[start..].find(')').expect("end of the tuple");
    let listed: Vec<&str> = python[start..end].split('"').skip(1).step_by(2).collect();
    assert_eq!(listed, DMS_VPC_ACTIONS.to_vec());
}
