//! A stack imported from the original modules (`terraform import dmslink_main.x
//! <name>/<environment>/<vpc-id>`) after its import: its children keep the identifiers they have,
//! and its first apply adds the ownership tags to each, keeping their identifiers (the
//! passwords the configuration holds are sent by the usual in-place change, as AWS never returns
//! them). From then on dmslink finds and owns them like children it made.

use crate::aws::dms::Tags;
use crate::engine::Value;
use crate::resources::PlanDraft;
use crate::resources::step_kit::{R, aws_err};

use super::naming::{TAG_RESOURCE, TAG_SNAPSHOT, TAG_STACK, kind};
use super::steps::{MainStep, StackRun};

pub const ATTR: &str = "ownership_tagged";

/// Every in-place plan ends with the children tagged: after an import of an untagged stack the
/// plan shows `ownership_tagged` going from false to true, the one change the import itself needs.
pub fn plan_ownership(draft: &mut PlanDraft<'_>) {
    draft.planned.set(ATTR, Value::Bool(true));
}

/// The ownership tags of one child: nothing of the user's, no `Name` (an adopted child keeps its own).
fn ownership_tags(run: &StackRun, kind: &str) -> Tags {
    let mut t = Tags::new();
    t.insert(TAG_STACK.to_string(), run.stack.prefix());
    t.insert(TAG_RESOURCE.to_string(), kind.to_string());
    t
}

/// Adds the ownership tags to every recorded child of an adopted stack. A database restored from
/// the snapshot the configuration names also gets the snapshot tag, so that later imports and
/// recoveries know what it was restored from (AWS does not say).
pub async fn tag_adopted(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::UpdateTags;
    let c = &run.ctx.provider.clients;
    let stack = &run.stack;
    let kids = run.snapshot();
    // The replication subnet group's tags live under an ARN built from the account.
    if let Some(arn) = &kids.replication_instance_arn {
        run.learn_account(arn);
    }
    let mut ec2: Vec<(String, &str)> = Vec::new();
    ec2.extend(kids.vpc_id.iter().map(|id| (id.clone(), kind::VPC)));
    ec2.extend(kids.subnet_ids.values().map(|id| (id.clone(), kind::SUBNET)));
    ec2.extend(kids.security_group_id.iter().map(|id| (id.clone(), kind::SECURITY_GROUP)));
    ec2.extend(kids.vpn_gateway_id.iter().map(|id| (id.clone(), kind::VPN_GATEWAY)));
    ec2.extend(kids.internet_gateway_id.iter().map(|id| (id.clone(), kind::INTERNET_GATEWAY)));
    for (id, k) in &ec2 {
        c.ec2
            .create_tags(std::slice::from_ref(id), &ownership_tags(run, k))
            .await
            .map_err(|e| aws_err(STEP, "tagging", id, &e))?;
    }
    if let Some(name) = &kids.db_subnet_group_name
        && let Some(g) = c
            .rds
            .find_db_subnet_group(name)
            .await
            .map_err(|e| aws_err(STEP, "reading RDS DB subnet group", name, &e))?
    {
        c.rds
            .add_tags(&g.arn, &ownership_tags(run, kind::DB_SUBNET_GROUP))
            .await
            .map_err(|e| aws_err(STEP, "tagging", &g.arn, &e))?;
    }
    for db in stack.databases() {
        let d = kids.db(&stack.database_id(db));
        if let Some(id) = &d.db_instance_identifier
            && let Some(i) =
                c.rds.find_db_instance(id).await.map_err(|e| aws_err(STEP, "reading RDS DB instance", id, &e))?
        {
            let mut tags = ownership_tags(run, kind::DATABASE);
            if let Some(snap) = db.rds.as_ref().and_then(|r| r.snapshot_identifier.clone()) {
                tags.insert(TAG_SNAPSHOT.to_string(), snap);
            }
            c.rds.add_tags(&i.arn, &tags).await.map_err(|e| aws_err(STEP, "tagging", &i.arn, &e))?;
        }
        if let Some(arn) = &d.endpoint_arn {
            c.dms
                .add_tags(arn, &ownership_tags(run, kind::ENDPOINT))
                .await
                .map_err(|e| aws_err(STEP, "tagging", arn, &e))?;
        }
    }
    if let Some(id) = &kids.replication_subnet_group_id {
        let arn = run.subnet_group_arn(id);
        c.dms
            .add_tags(&arn, &ownership_tags(run, kind::REPLICATION_SUBNET_GROUP))
            .await
            .map_err(|e| aws_err(STEP, "tagging", &arn, &e))?;
    }
    if let Some(arn) = &kids.replication_instance_arn {
        c.dms
            .add_tags(arn, &ownership_tags(run, kind::REPLICATION_INSTANCE))
            .await
            .map_err(|e| aws_err(STEP, "tagging", arn, &e))?;
    }
    Ok(())
}
