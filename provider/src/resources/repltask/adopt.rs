//! A create that finds its own task. When the answer to `CreateReplicationTask` is lost (the SDK's
//! retry meets `ResourceAlreadyExistsFault`, or it gives up) or the provider is killed after the
//! create was served, the task exists but no state holds it. Create therefore looks for the task by
//! its identifier first, and again when the create call fails, and adopts it only when it carries
//! dmslink's ownership tag and is the task the plan asks for; anything else is refused by name.
//! The shape is `step_kit::adopt_or_create`'s, with this resource's diagnostics.

use std::future::Future;

use tokio::time::Instant;

use crate::aws::dms::{ReplicationTask, Tags};
use crate::aws::error::AwsError;
use crate::engine::diag::{Diagnostic, Diagnostics};
use crate::resources::step_kit::{Came, Found};

use super::model::Task;
use super::task_ops::TaskOps;

/// The tag dmslink puts on every task it creates: only a task carrying it is ever adopted.
pub const OWNER_TAG: &str = "dmslink:resource";
pub const OWNER_VALUE: &str = "dmslink_repltask";

/// The tags a task is created with: the user's (`tags_all`) and the ownership tag.
pub fn with_owner_tag(tags_all: &Tags) -> Tags {
    let mut t = tags_all.clone();
    t.insert(OWNER_TAG.to_string(), OWNER_VALUE.to_string());
    t
}

/// The tags a user manages: everything but dmslink's own `dmslink:` keys, which never show in
/// `tags`/`tags_all` (users cannot set such keys; `tag_rules` reserves the prefix).
pub fn without_owner_tags(remote: &Tags) -> Tags {
    remote.iter().filter(|(k, _)| !k.starts_with("dmslink:")).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Looks for the planned task, adopts it when it is ours, refuses it when it is not, else runs
/// `create`. A failed create looks again: its answer may have been lost after DMS made the task.
pub async fn adopt_or_create<C, CFut>(
    ops: &TaskOps<'_>,
    planned: &Task,
    deadline: Instant,
    create: C,
) -> Result<(ReplicationTask, Came), Diagnostics>
where
    C: FnOnce() -> CFut,
    CFut: Future<Output = Result<ReplicationTask, AwsError>>,
{
    match look(ops, planned, deadline).await? {
        Found::Ours(task) => return Ok((adopted(task, "an earlier create that did not finish"), Came::Adopted)),
        Found::Refused(why) => return Err(refused(why)),
        Found::Nothing => {}
    }
    let err = match create().await {
        Ok(task) => return Ok((task, Came::Created)),
        Err(e) => e,
    };
    match look(ops, planned, deadline).await {
        Ok(Found::Ours(task)) => {
            Ok((adopted(task, &format!("this create, whose answer was lost ({err})")), Came::Adopted))
        }
        Ok(Found::Refused(why)) => {
            let mut d = ops.aws_error("creating", &err);
            d.extend(refused(why));
            Err(d)
        }
        // Nothing there (or no answer): the create's own error stands.
        _ => Err(ops.aws_error("creating", &err)),
    }
}

fn adopted(task: ReplicationTask, left_by: &str) -> ReplicationTask {
    tracing::info!(task = %task.id, arn = %task.arn, status = %task.status, "adopting the DMS replication task made by {left_by}");
    task
}

fn refused(why: String) -> Diagnostics {
    Diagnostic::error("DMS replication task already exists", why).into()
}

/// The task with the planned identifier: ours (ownership tag, and the endpoints, instance and
/// migration type the plan asks for), refused, or nothing (a task still being deleted is waited out).
async fn look(ops: &TaskOps<'_>, planned: &Task, deadline: Instant) -> Result<Found<ReplicationTask>, Diagnostics> {
    let id = planned.replication_task_id.clone().unwrap_or_default();
    let Some(task) = ops.find_by_id(&id).await? else {
        return Ok(Found::Nothing);
    };
    if task.status == "deleting" {
        ops.wait_gone(&task.arn, deadline, "creating").await?;
        return Ok(Found::Nothing);
    }
    let import = format!("`terraform import dmslink_repltask.<name> {}`", task.arn);
    let tags = ops.tags_of(&task.arn).await?;
    if tags.get(OWNER_TAG).map(String::as_str) != Some(OWNER_VALUE) {
        return Ok(Found::Refused(format!(
            "A DMS replication task with the identifier {id:?} already exists ({arn}), and dmslink did not create it: \
             it lacks the tag {OWNER_TAG} = {OWNER_VALUE} that dmslink puts on every task it creates, so dmslink does \
             not take it over. Either bring it under Terraform with {import}, or choose another `replication_task_id`.",
            arn = task.arn
        )));
    }
    let differences = differences(planned, &task);
    if !differences.is_empty() {
        return Ok(Found::Refused(format!(
            "A DMS replication task with the identifier {id:?} already exists ({arn}). dmslink created it (an apply that \
             did not finish) but it is not the task this plan asks for, and these cannot change on an existing task: {}. \
             Either delete it and apply again, or import it with {import} (Terraform then plans its replacement), or \
             choose another `replication_task_id`.",
            differences.join("; "),
            arn = task.arn
        )));
    }
    Ok(Found::Ours(task))
}

/// What the existing task has other than planned, among what forces a new task (or a move).
fn differences(planned: &Task, task: &ReplicationTask) -> Vec<String> {
    [
        ("source_endpoint_arn", &planned.source_endpoint_arn, &task.source_endpoint_arn),
        ("target_endpoint_arn", &planned.target_endpoint_arn, &task.target_endpoint_arn),
        ("replication_instance_arn", &planned.replication_instance_arn, &task.replication_instance_arn),
        ("migration_type", &planned.migration_type, &task.migration_type),
    ]
    .into_iter()
    .filter(|(_, want, have)| want.as_deref() != Some(have.as_str()))
    .map(|(attr, want, have)| format!("{attr} is {have:?} (planned {:?})", want.as_deref().unwrap_or_default()))
    .collect()
}

/// Brings an adopted task to the plan: the table mappings, settings and CDC start the lost create
/// may have had otherwise (a modify, the task stopped first), and the tags. `state` is the planned
/// state with the task's ARN. True when the task definition changed (a later start reloads it).
pub async fn converge(
    ops: &TaskOps<'_>,
    state: &Task,
    config: &Task,
    task: ReplicationTask,
    deadline: Instant,
) -> Result<(ReplicationTask, bool), Diagnostics> {
    let remote = ops.state_from_remote(state, &task).await?;
    let mut task = task;
    let mut changed = false;
    if let Some(mut input) = super::modification(&remote, state, config) {
        task = ops.stop_if_running(&task, deadline).await?;
        input.arn = task.arn.clone();
        task = ops.modify(input, deadline).await?;
        changed = true;
    }
    let tags_of = |t: &Task| t.tags_all.known().cloned().unwrap_or_default();
    ops.sync_tags(&task.arn, &tags_of(&remote), &tags_of(state)).await?;
    Ok((task, changed))
}
