//! `dms-vpc-role`: the account-wide IAM role DMS needs, checked or created first and deleted last
//! (only when this stack created it and nothing else in the region still needs it).

use crate::aws::iam::{
    CreateRoleInput, DMS_VPC_ROLE, DmsVpcRoleStatus, dms_trust_policy, dms_vpc_policy_arn, dms_vpc_role_status,
};
use crate::aws::iam_policy::{DMS_VPC_ACTIONS, Grants};
use crate::resources::step_kit::{Found, R, StepError, adopt_or_create, aws_err, gone_ok, tolerate_lost};

use super::super::naming::TAG_STACK;
use super::{MainStep, StackRun};

pub fn role_how_to(partition: &str) -> String {
    format!(
        "DMS needs the account-wide IAM role `{DMS_VPC_ROLE}` (trusting dms.amazonaws.com, with the managed policy \
         {policy}, or policies of its own granting {actions} on Resource \"*\") before it can create a replication \
         subnet group or instance. Create it once per account:\n\n  \
         aws iam create-role --role-name {DMS_VPC_ROLE} --assume-role-policy-document \
         '{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"Service\":\"dms.amazonaws.com\"}},\"Action\":\"sts:AssumeRole\"}}]}}'\n  \
         aws iam attach-role-policy --role-name {DMS_VPC_ROLE} --policy-arn {policy}\n\n\
         or set `dms_vpc_role = \"create\"` to let dmslink create it (it then deletes it with the stack, once no other DMS replication instance or subnet group needs it).",
        policy = dms_vpc_policy_arn(partition),
        actions = DMS_VPC_ACTIONS.join(", ")
    )
}

/// What is wrong with the permissions of an existing `dms-vpc-role` and the ways on.
pub fn grants_how_to(grants: &Grants, partition: &str) -> String {
    format!(
        "{explain}. DMS needs these EC2 actions on Resource \"*\" to manage the network interfaces \
         of its replication instances. Either attach the AWS-managed policy:\n\n  \
         aws iam attach-role-policy --role-name {DMS_VPC_ROLE} --policy-arn {policy}\n\n\
         or add the missing actions to one of its policies (for example an inline policy with Effect \"Allow\", \
         Action [{missing}] and Resource \"*\"), or set `dms_vpc_role = \"create\"` to let dmslink attach the \
         managed policy.{deny}",
        explain = grants.explain(),
        deny = if grants.denied.is_empty() {
            ""
        } else {
            " A Deny in any of its policies overrides every Allow, the managed policy's too: remove or narrow it."
        },
        policy = dms_vpc_policy_arn(partition),
        missing = grants.missing.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ")
    )
}

/// What [`ensure_dms_vpc_role`] found or did.
enum VpcRole {
    Found(DmsVpcRoleStatus),
    Created,
}

pub(super) async fn ensure_dms_vpc_role(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::EnsureDmsVpcRole;
    let partition = run.partition().to_string();
    let policy = dms_vpc_policy_arn(&partition);
    let create_it = run.stack.create_dms_vpc_role;
    let find = || async {
        let status = dms_vpc_role_status(run.iam(), &partition)
            .await
            .map_err(|e| aws_err(STEP, "reading IAM role", DMS_VPC_ROLE, &e))?;
        Ok(match status {
            DmsVpcRoleStatus::Missing if create_it => Found::Nothing,
            DmsVpcRoleStatus::Missing => {
                Found::Refused(format!("IAM role {DMS_VPC_ROLE} does not exist. {}", role_how_to(&partition)))
            }
            found => Found::Ours(VpcRole::Found(found)),
        })
    };
    let create = || async {
        let input = CreateRoleInput {
            name: DMS_VPC_ROLE.to_string(),
            assume_role_policy: dms_trust_policy(),
            description: Some(format!("DMS VPC management, created by dmslink for {}", run.stack.prefix())),
            path: None,
            tags: run.tags_for("iam-role", DMS_VPC_ROLE),
        };
        match run.iam().create_role(input).await {
            Ok(role) => {
                run.learn_account(&role.arn);
                Ok(VpcRole::Created)
            }
            // `EntityAlreadyExists` (our own create whose answer was lost, or another apply's): the
            // kit looks again and the tags tell whose it is.
            Err(e) => Err(aws_err(STEP, "creating IAM role", DMS_VPC_ROLE, &e)),
        }
    };
    let record = |role: &VpcRole| match role {
        VpcRole::Created => run.kids().dms_vpc_role_created = true,
        VpcRole::Found(DmsVpcRoleStatus::Ready(role) | DmsVpcRoleStatus::Incomplete { role, .. }) => {
            run.learn_account(&role.arn);
            // Created by this stack in an apply whose state was lost: still this stack's to delete.
            if create_it && role.tags.get(TAG_STACK) == Some(&run.stack.prefix()) {
                run.kids().dms_vpc_role_created = true;
            }
        }
        VpcRole::Found(DmsVpcRoleStatus::Missing) => {}
    };
    let (role, _) = adopt_or_create(STEP, "IAM role", find, create, record).await?;
    let attach = || async {
        let attached = || async {
            let now = run.iam().list_attached_role_policies(DMS_VPC_ROLE).await?;
            Ok(now.iter().any(|p| p.arn == policy))
        };
        tolerate_lost(|| run.iam().attach_role_policy(DMS_VPC_ROLE, &policy), attached)
            .await
            .map_err(|e| aws_err(STEP, "attaching policy to IAM role", DMS_VPC_ROLE, &e))
    };
    match role {
        VpcRole::Found(DmsVpcRoleStatus::Ready(_) | DmsVpcRoleStatus::Missing) => Ok(()),
        VpcRole::Created => attach().await,
        VpcRole::Found(DmsVpcRoleStatus::Incomplete { trusts_dms: false, grants, .. }) if !create_it => {
            Err(StepError::new(
                STEP,
                format!(
                    "IAM role {DMS_VPC_ROLE} exists but does not trust dms.amazonaws.com: give it a trust policy \
                     allowing the service principal dms.amazonaws.com sts:AssumeRole.{}",
                    if grants.all() { String::new() } else { format!(" Also, {}", grants_how_to(&grants, &partition)) }
                ),
            ))
        }
        VpcRole::Found(DmsVpcRoleStatus::Incomplete { grants, .. }) if !create_it => Err(StepError::new(
            STEP,
            format!("IAM role {DMS_VPC_ROLE} exists but {}", grants_how_to(&grants, &partition)),
        )),
        VpcRole::Found(DmsVpcRoleStatus::Incomplete { trusts_dms: false, .. }) => Err(StepError::new(
            STEP,
            format!(
                "IAM role {DMS_VPC_ROLE} exists but does not trust dms.amazonaws.com; dmslink does not change a role \
                 it did not create. Fix its trust policy."
            ),
        )),
        VpcRole::Found(DmsVpcRoleStatus::Incomplete { .. }) => attach().await,
    }
}

pub(super) async fn delete_dms_vpc_role(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::EnsureDmsVpcRole;
    if !run.kids().dms_vpc_role_created {
        return Ok(());
    }
    // The role is account-wide: other stacks' DMS objects may need it long after this one.
    let users = dms_vpc_role_users(run).await?;
    if !users.is_empty() {
        tracing::info!(
            "leaving IAM role {DMS_VPC_ROLE} in place (this stack created it): still needed by {}",
            users.join(", ")
        );
        run.kids().dms_vpc_role_created = false;
        return Ok(());
    }
    let policy = dms_vpc_policy_arn(run.partition());
    gone_ok(
        STEP,
        "detaching policy from IAM role",
        DMS_VPC_ROLE,
        run.iam().detach_role_policy(DMS_VPC_ROLE, &policy).await,
    )?;
    gone_ok(STEP, "deleting IAM role", DMS_VPC_ROLE, run.iam().delete_role(DMS_VPC_ROLE).await)?;
    run.kids().dms_vpc_role_created = false;
    Ok(())
}

/// The DMS replication instances and subnet groups in the region other than this stack's: while
/// any exists, `dms-vpc-role` stays. (DMS is regional and the role account-wide: objects in other
/// regions are not seen.)
pub(super) async fn dms_vpc_role_users(run: &StackRun) -> R<Vec<String>> {
    const STEP: MainStep = MainStep::EnsureDmsVpcRole;
    let dms = run.dms();
    let (own_instance, own_group) = (run.stack.replication_instance_id(), run.stack.replication_subnet_group_id());
    let own_arn = run.kids().replication_instance_arn.clone();
    let instances = dms
        .list_replication_instances()
        .await
        .map_err(|e| aws_err(STEP, "listing DMS replication instances before deleting IAM role", DMS_VPC_ROLE, &e))?;
    let groups = dms.list_replication_subnet_groups().await.map_err(|e| {
        aws_err(STEP, "listing DMS replication subnet groups before deleting IAM role", DMS_VPC_ROLE, &e)
    })?;
    let mut users: Vec<String> = instances
        .into_iter()
        .filter(|i| !i.id.eq_ignore_ascii_case(&own_instance) && own_arn.as_deref() != Some(i.arn.as_str()))
        .map(|i| format!("replication instance {}", i.id))
        .collect();
    users.extend(
        groups
            .into_iter()
            .filter(|g| !g.id.eq_ignore_ascii_case(&own_group))
            .map(|g| format!("replication subnet group {}", g.id)),
    );
    Ok(users)
}
