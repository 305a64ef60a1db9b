//! The account-wide IAM roles DMS assumes by their fixed names (`dms-vpc-role`,
//! `dms-cloudwatch-logs-role`): trusting `dms.amazonaws.com`, with an AWS-managed policy attached.
//! Checked by default; created on request (`"create"`), with the managed policy attached to a
//! role that trusts DMS but lacks it. A role dmslink did not create is never changed otherwise.
//! Shared by the resources that need such a role (`dmslink_repltask`'s logging); `dms-vpc-role`'s
//! own step in `dmslink_main` also reads its own policies and owns the role's deletion.

use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::iam::{CreateRoleInput, IamApi, Tags, dms_trust_policy};
use crate::resources::step_kit::tolerate_lost;

/// One of DMS's fixed-name service roles.
#[derive(Clone, Copy, Debug)]
pub struct DmsServiceRole {
    pub name: &'static str,
    /// The managed policy's path and name (`policy/service-role/...`).
    pub policy: &'static str,
    /// What DMS does with it, for messages.
    pub purpose: &'static str,
    /// The attribute that says `check` or `create`, for messages.
    pub attribute: &'static str,
}

/// `dms-cloudwatch-logs-role` (research brief §3.2; the managed policy grants the log group
/// `dms-tasks-*` and its streams `dms-task-*`).
pub const CLOUDWATCH_LOGS_ROLE: DmsServiceRole = DmsServiceRole {
    name: crate::aws::iam::DMS_CLOUDWATCH_LOGS_ROLE,
    policy: crate::aws::iam::DMS_CLOUDWATCH_LOGS_POLICY,
    purpose: "write replication task logs to CloudWatch (without it DMS silently writes none)",
    attribute: "logging.dms_cloudwatch_logs_role",
};

impl DmsServiceRole {
    pub fn policy_arn(&self, partition: &str) -> String {
        format!("arn:{partition}:iam::aws:{}", self.policy)
    }

    /// The commands that put the role in place by hand.
    fn how_to(&self, partition: &str) -> String {
        format!(
            "Create it once per account:\n\n  aws iam create-role --role-name {name} --assume-role-policy-document \
             '{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"Service\":\"dms.amazonaws.com\"}},\"Action\":\"sts:AssumeRole\"}}]}}'\n  \
             aws iam attach-role-policy --role-name {name} --policy-arn {policy}\n\nor set `{attr} = \"create\"` to let dmslink create it.",
            name = self.name,
            policy = self.policy_arn(partition),
            attr = self.attribute,
        )
    }
}

/// What [`ensure`] found or did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// In place already.
    Ready,
    /// dmslink created the role, or attached the managed policy to it.
    Completed,
}

fn aws(role: &DmsServiceRole, doing: &str, e: &AwsError) -> String {
    e.describe(&format!("{doing} IAM role"), role.name)
}

/// Makes sure `role` is in place: present, trusting DMS, with its managed policy attached. With
/// `create` false a missing or incomplete role is refused with the way to fix it.
pub async fn ensure(
    iam: &dyn IamApi,
    role: &DmsServiceRole,
    partition: &str,
    create: bool,
    tags: Tags,
) -> Result<Standing, String> {
    let policy = role.policy_arn(partition);
    let found = iam.get_role(role.name).await.map_err(|e| aws(role, "reading", &e))?;
    let found = match found {
        Some(r) => r,
        None if !create => {
            return Err(format!(
                "IAM role {} does not exist. DMS needs it (trusting dms.amazonaws.com, with {policy}) to {}. {}",
                role.name,
                role.purpose,
                role.how_to(partition)
            ));
        }
        None => {
            let input = CreateRoleInput {
                name: role.name.to_string(),
                assume_role_policy: dms_trust_policy(),
                description: Some(format!("Lets DMS {}; created by dmslink", role.purpose)),
                path: None,
                tags,
            };
            match iam.create_role(input).await {
                Ok(r) => r,
                // Our own create whose answer was lost, or another apply's at the same time.
                Err(e) if e.kind == ErrorKind::AlreadyExists => iam
                    .get_role(role.name)
                    .await
                    .map_err(|e| aws(role, "reading", &e))?
                    .ok_or_else(|| aws(role, "creating", &e))?,
                Err(e) => return Err(aws(role, "creating", &e)),
            }
        }
    };
    if !found.trusts_dms() {
        return Err(format!(
            "IAM role {} exists but does not trust dms.amazonaws.com, so DMS cannot {}; dmslink does not change a role's trust. Give it a trust policy allowing the service principal dms.amazonaws.com sts:AssumeRole.",
            role.name, role.purpose
        ));
    }
    let attached = iam.list_attached_role_policies(role.name).await.map_err(|e| aws(role, "reading", &e))?;
    if attached.iter().any(|p| p.arn == policy) {
        return Ok(Standing::Ready);
    }
    if !create {
        return Err(format!(
            "IAM role {} exists but lacks the managed policy {policy}, so DMS cannot {}. Attach it:\n\n  aws iam attach-role-policy --role-name {} --policy-arn {policy}\n\nor set `{} = \"create\"` to let dmslink attach it.",
            role.name, role.purpose, role.name, role.attribute
        ));
    }
    let done = || async { Ok(iam.list_attached_role_policies(role.name).await?.iter().any(|p| p.arn == policy)) };
    tolerate_lost(|| iam.attach_role_policy(role.name, &policy), done)
        .await
        .map_err(|e| aws(role, "attaching a policy to", &e))?;
    Ok(Standing::Completed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::aws::fake::FakeIam;

    const POLICY: &str = "arn:aws:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole";

    #[tokio::test]
    async fn check_refuses_a_missing_role_with_the_way_to_create_it() {
        let iam = FakeIam::new();
        let e = ensure(&iam, &CLOUDWATCH_LOGS_ROLE, "aws", false, Tags::new()).await.unwrap_err();
        assert!(e.contains("dms-cloudwatch-logs-role does not exist"), "{e}");
        assert!(e.contains(POLICY) && e.contains("logging.dms_cloudwatch_logs_role = \"create\""), "{e}");
        assert!(!iam.calls().contains(&"create_role".to_string()));
    }

    #[tokio::test]
    async fn create_makes_the_role_trusting_dms_with_the_managed_policy_then_finds_it_ready() {
        let iam = FakeIam::new();
        let got = ensure(&iam, &CLOUDWATCH_LOGS_ROLE, "aws", true, Tags::new()).await.unwrap();
        assert_eq!(got, Standing::Completed);
        let role = iam.get_role("dms-cloudwatch-logs-role").await.unwrap().unwrap();
        assert!(role.trusts_dms());
        let attached = iam.list_attached_role_policies("dms-cloudwatch-logs-role").await.unwrap();
        assert_eq!(attached.iter().map(|p| p.arn.as_str()).collect::<Vec<_>>(), vec![POLICY]);
        // Now in place: a check passes and changes nothing.
        iam.clear_calls();
        assert_eq!(ensure(&iam, &CLOUDWATCH_LOGS_ROLE, "aws", false, Tags::new()).await.unwrap(), Standing::Ready);
        assert_eq!(iam.calls(), vec!["get_role", "list_attached_role_policies"]);
    }

    #[tokio::test]
    async fn check_refuses_a_role_without_the_policy_and_create_attaches_it() {
        let iam = FakeIam::new();
        iam.create_role(CreateRoleInput {
            name: "dms-cloudwatch-logs-role".into(),
            assume_role_policy: dms_trust_policy(),
            ..CreateRoleInput::default()
        })
        .await
        .unwrap();
        let e = ensure(&iam, &CLOUDWATCH_LOGS_ROLE, "aws", false, Tags::new()).await.unwrap_err();
        assert!(e.contains("lacks the managed policy") && e.contains("attach-role-policy"), "{e}");
        assert_eq!(ensure(&iam, &CLOUDWATCH_LOGS_ROLE, "aws", true, Tags::new()).await.unwrap(), Standing::Completed);
        assert_eq!(ensure(&iam, &CLOUDWATCH_LOGS_ROLE, "aws", false, Tags::new()).await.unwrap(), Standing::Ready);
    }
}
