//! `dmslink_repltask`: one DMS replication task, kept in the state the user asked for. Changing a
//! running task stops it, applies the change and resumes it, so `InvalidResourceStateFault` never
//! reaches the user.

mod adopt;
#[cfg(test)]
mod adopt_tests;
pub mod insight;
mod logging;
#[cfg(test)]
mod logging_tests;
#[cfg(test)]
mod lost_answer_tests;
mod model;
mod moved;
#[cfg(test)]
mod moved_tests;
#[cfg(test)]
mod restart_tests;
mod schema;
mod task_log;
mod task_ops;
#[cfg(test)]
mod tests;

use async_trait::async_trait;

use crate::arn::Arn;
use crate::aws::dms::{CreateTaskInput, ModifyTaskInput, ReplicationTask};
use crate::engine::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::engine::model::{self as typed, ModelError, Unknowable};
use crate::engine::{About, ApplyOutcome, MoveSource, Resource, Value};
use crate::provider_config::Configured;
use crate::resources::step_kit::Came;
use crate::resources::timeouts::Timeouts;
use crate::resources::{Ctx, PlanDraft};
use crate::resources::{json_doc, tags};
use model::{Documents, PlanArgs, Task};
use task_ops::TaskOps;

pub struct Repltask;

pub const IMPORT_DOC: &str = "Import a task by its ARN or its `replication_task_id`:\n\n```shell\nterraform import dmslink_repltask.dblink arn:aws:dms:ap-southeast-2:123456789012:task:ABCDEF\nterraform import dmslink_repltask.dblink dblink-task\n```\n\n`start_replication_task` is imported as `true` when the task is running (or has finished its full load).";

pub const NOTES_DOC: &str = "Updates never fail because the task is running: dmslink stops the task, applies the change (`ModifyReplicationTask`, or `MoveReplicationTask` when `replication_instance_arn` changes), waits for DMS to settle and resumes it. Deleting a running task stops it first. The replication task id, the endpoints and `migration_type` cannot change on an existing task, so changing them replaces it.\n\nCreate never makes a task twice. Every task dmslink creates carries the tag `dmslink:resource = dmslink_repltask` (dmslink's own: it never shows in `tags` or `tags_all`). When the answer to `CreateReplicationTask` is lost (the AWS SDK's retry then meets `ResourceAlreadyExistsFault`) or the provider is killed after DMS made the task, the task exists but no state holds it; create looks for a task with the planned `replication_task_id` before creating, and again when the create call fails, and adopts it when it carries that tag and has the planned endpoints, replication instance and `migration_type`. The adopted task is brought to the configured table mappings, settings and tags, and started when `start_replication_task` is true, as a new task would be (one already running is not started again); the state holds it from then on. A task with that identifier that lacks the tag (made outside dmslink, or before dmslink tagged its tasks) or that differs in the endpoints, instance or migration type is refused: the error names its ARN and the ways on (`terraform import` it, delete it, or choose another `replication_task_id`). A task still being deleted is waited out, then created anew. dmslink cannot tell its tasks of one configuration from those of another: give each configuration its own task ids.\n\nA start, stop, modify, move, tag change or delete whose answer was lost (the AWS SDK's retry then meets `InvalidResourceStateFault`, or no answer comes) is not failed on nor repeated blindly: dmslink reads the task and counts the call as done when the task shows it (starting or running, stopped, the new table mappings and settings, moving, the tags, deleting or gone). A full-load task that has finished its load stays finished when its tags, settings or instance change; only new table mappings run it again (`reload-target`).\n\nA start right after one of the task's endpoints changed (e.g. `dmslink_main` changed its password in the same apply) waits while DMS tests that endpoint's connection from the replication instance, since DMS refuses to start the task meanwhile (`InvalidResourceStateFault` \"Replication Task cannot be started, invalid state\"), and retries such a refusal for up to 5 minutes within the timeout. When that test fails, the apply fails with DMS's message and the command that resumes the task once the endpoint is fixed.\n\nWhat DMS knows about the task is refreshed on every read: `status`, `stop_reason`, `last_failure_message`, the full-load progress, the table counts (`tables_errored` > 0: the `dmslink_repltask_tables` data source names the tables), `elapsed_time_millis` and the start and stop times. These never make a plan change by themselves; Terraform 1.0.x lists them under \"Objects have changed outside of Terraform\" while the task runs, and still plans no changes. When a start fails (the task ends `failed`, or stops with an error), the apply error carries DMS's `LastFailureMessage`, the tables in error, the result of a connection test of both endpoints from the replication instance and, with `logging { enabled = true }`, the last (at most 20) error lines (`]E:`, `]F:`) of the task's CloudWatch log, and says what to check next. Reading that log needs `logs:GetLogEvents` on the task's log group; when it cannot be read (no permission, no log yet because `dms-cloudwatch-logs-role` is missing) one line says so and the error is otherwise the same. `last_failure_message` in the state stays DMS's own text. While dmslink waits for a task it logs its state and progress at INFO every 30 seconds (`TF_LOG_PROVIDER=INFO`); a timeout names the last state, stop reason and failure message seen.\n\n**Moving from the AWS provider** (Terraform ≥ 1.8): a `moved { from = aws_dms_replication_task.<name>  to = dmslink_repltask.<name> }` block takes over a task the AWS provider manages (`registry.terraform.io/hashicorp/aws` or `registry.opentofu.org/hashicorp/aws`, schema version 0) without stopping or changing it. The attributes have the same names: the task id and ARN, the endpoint and instance ARNs, `migration_type`, `table_mappings`, `replication_task_settings` (the whole document the AWS provider read back from DMS; only the keys your configuration sets are compared), `cdc_start_time`, `cdc_start_position`, `start_replication_task` and the tags carry over; the full-load figures are read by the refresh that follows. With the arguments the task had under the AWS provider, the first plan is clean. A `cdc_start_position` the AWS provider recorded but your configuration leaves out is planned away in place and changes nothing in DMS. A state that lacks an attribute or holds one dmslink cannot read is refused, naming the attribute. This path is tested at the protocol level, with state documents in the AWS provider's shape; see the guide `docs/guides/moving-from-aws-provider.md`.";

/// `dmslink_repltask` as the registry, the engine and the docs know it.
pub const ABOUT: About = About::new("dmslink_repltask", schema::schema)
    .checked_by(schema::validate_config)
    .documented(include_str!("../../../../examples-hcl/terraform-repltask/dms-repl-task.tf"), NOTES_DOC)
    .imported_as(IMPORT_DOC)
    .moved_from(moved::MOVES_FROM);

#[async_trait]
impl Resource<Configured> for Repltask {
    fn about(&self) -> About {
        ABOUT
    }

    async fn modify_plan(&self, draft: &mut PlanDraft<'_>) {
        if draft.planned.is_null() {
            return; // a destroy: nothing to refine
        }
        if let Err(e) = refine_plan(draft) {
            draft.diags.push(e.into());
        }
        tags::plan_tags_all(draft);
        // `status` and the refresh-only figures declare in the schema what makes them unknown.
    }

    async fn read(&self, ctx: &Ctx, state: &Value) -> Result<Option<Value>, Diagnostics> {
        let Some(state) = typed::from_value::<Unknowable<Task>>(state)?.into_known() else {
            return Ok(None);
        };
        let ops = TaskOps::new(ctx, state.label());
        let Some(arn) = state.replication_task_arn.known() else {
            return Ok(None);
        };
        let instance_arn = state.replication_instance_arn.as_deref().unwrap_or_default();
        let Some((task, tags)) = ops.find_for_refresh(arn, instance_arn).await? else {
            return Ok(None);
        };
        let mut refreshed = ops.state_from_remote_with_tags(&state, &task, &tags)?;
        // A task meant to run that was stopped out of band (or failed) shows as drift, so the
        // next apply starts it again.
        if refreshed.wants_running() && !(is_active(&task) || finished_full_load(&task) || is_settling(&task)) {
            refreshed.start_replication_task = Some(false);
        }
        Ok(Some(refreshed.to_value()?))
    }

    async fn create(&self, ctx: &Ctx, planned_value: &Value, config: &Value) -> ApplyOutcome {
        let (mut planned, config) = match (Task::from_value(planned_value), Task::from_value(config)) {
            (Ok(p), Ok(c)) => (p, c),
            (Err(e), _) | (_, Err(e)) => return ApplyOutcome::failed(Value::Null, e.into()),
        };
        let ops = TaskOps::new(ctx, planned.label());
        // The plan could not know `tags_all` when the provider's default tags were unknown then.
        if planned.tags_all.known().is_none() {
            let mut all = ctx.provider.default_tags.clone();
            all.extend(planned.tags.clone().unwrap_or_default());
            planned.tags_all = Unknowable::Known(all);
        }
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let input = CreateTaskInput {
            id: text(&planned.replication_task_id),
            source_endpoint_arn: text(&planned.source_endpoint_arn),
            target_endpoint_arn: text(&planned.target_endpoint_arn),
            replication_instance_arn: text(&planned.replication_instance_arn),
            migration_type: text(&planned.migration_type),
            table_mappings: text(&config.table_mappings),
            settings: logging::settings_to_send(
                config.replication_task_settings.as_deref(),
                config.logging.as_ref(),
                false,
            ),
            cdc_start_time: config.cdc_start_time.as_deref().and_then(schema::parse_cdc_start_time),
            cdc_start_position: config.cdc_start_position.clone(),
            tags: adopt::with_owner_tag(planned.tags_all.known().unwrap_or(&Default::default())),
        };
        let deadline = Timeouts::deadline(planned.timeouts.as_ref(), "create");
        let dms = &ctx.provider.clients.dms;
        if let Err(d) = ops.instance_usable(&input.replication_instance_arn, deadline, "creating").await {
            return ApplyOutcome::failed(Value::Null, d);
        }
        if let Err(d) = ops.logging_role(config.logging.as_ref(), "creating").await {
            return ApplyOutcome::failed(Value::Null, d);
        }
        let (task, came) =
            match adopt::adopt_or_create(&ops, &planned, deadline, || dms.create_replication_task(input)).await {
                Ok(found) => found,
                Err(d) => return ApplyOutcome::failed(Value::Null, d),
            };
        // From here on the task exists: every outcome carries its ARN so Terraform never loses it.
        let mut state = planned.clone();
        state.replication_task_arn = Unknowable::Known(task.arn.clone());
        state.status = Unknowable::Known(task.status.clone());

        let task = match ops.wait_settled(&task.arn, deadline, "creating").await {
            Ok(t) => t,
            Err(d) => return outcome(&ops.partial(state, None), d, planned_value),
        };
        // An adopted task may differ from the plan in what an update could change, and may have
        // been started already by the create that made it.
        let (task, reloaded) = match came {
            Came::Created => (task, false),
            Came::Adopted => match adopt::converge(&ops, &state, &config, task.clone(), deadline).await {
                Ok(t) => t,
                Err(d) => return outcome(&ops.partial(state, Some(&task)), d, planned_value),
            },
        };
        let started = if planned.wants_running() {
            if finished_full_load(&task) && !reloaded {
                Ok(task.clone())
            } else {
                ops.start(&task, reloaded, deadline).await
            }
        } else {
            ops.stop_if_running(&task, deadline).await
        };
        let task = match started {
            Ok(t) => t,
            Err(d) => return outcome(&ops.partial(state, Some(&task)), d, planned_value),
        };
        match ops.state_from_remote(&state, &task).await {
            Ok(s) => outcome(&s, Diagnostics::new(), planned_value),
            Err(d) => outcome(&ops.partial(state, Some(&task)), d, planned_value),
        }
    }

    async fn update(&self, ctx: &Ctx, prior_value: &Value, planned: &Value, config: &Value) -> ApplyOutcome {
        let (prior, planned, config) =
            match (Task::from_value(prior_value), Task::from_value(planned), Task::from_value(config)) {
                (Ok(p), Ok(n), Ok(c)) => (p, n, c),
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                    return ApplyOutcome::failed(prior_value.clone(), e.into());
                }
            };
        let ops = TaskOps::new(ctx, planned.label());
        let arn = prior.replication_task_arn.known().cloned().unwrap_or_default();
        let deadline = Timeouts::deadline(planned.timeouts.as_ref(), "update");
        let mut state = prior.clone();

        let result: Result<(), Diagnostics> = async {
            let mut task = ops.find(&arn).await?.ok_or_else(|| gone_during_update(&arn))?;
            let was_running = is_active(&task);
            // A full load that ran to its end stays finished: only new table mappings (a new
            // data set) run it again, reloading the target. Tags, settings or a move do not.
            let finished = finished_full_load(&task);
            let mappings_changed = prior.table_mappings != planned.table_mappings;
            let want_running = planned.wants_running();

            let instance_changed = prior.replication_instance_arn != planned.replication_instance_arn;
            let modify = modification(&prior, &planned, &config);
            let mut changed_task = false;
            if prior.logging != planned.logging {
                ops.logging_role(config.logging.as_ref(), "updating").await?;
            }
            if instance_changed || modify.is_some() {
                task = ops.stop_if_running(&task, deadline).await?;
                if instance_changed {
                    let instance = planned.replication_instance_arn.clone().unwrap_or_default();
                    task = ops.move_to(&task, &instance, deadline).await?;
                    changed_task = true;
                }
                if let Some(mut input) = modify {
                    input.arn = arn.clone();
                    task = ops.modify(input, deadline).await?;
                    changed_task = true;
                }
            }
            let needs_start = if finished { mappings_changed } else { changed_task || !was_running };
            if want_running && needs_start {
                task = ops.start(&task, changed_task, deadline).await?;
            } else if !want_running && is_active(&task) && prior.wants_running() {
                task = ops.stop_if_running(&task, deadline).await?;
            }

            let tags_of = |t: &Task| t.tags_all.known().cloned().unwrap_or_default();
            ops.sync_tags(&arn, &tags_of(&prior), &tags_of(&planned)).await?;
            state = ops.state_from_remote(&planned, &task).await?;
            Ok(())
        }
        .await;
        outcome(&state, result.err().unwrap_or_default(), prior_value)
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> Diagnostics {
        let prior = match Task::from_value(prior) {
            Ok(p) => p,
            Err(e) => return e.into(),
        };
        let ops = TaskOps::new(ctx, prior.label());
        let arn = prior.replication_task_arn.known().cloned().unwrap_or_default();
        let deadline = Timeouts::deadline(prior.timeouts.as_ref(), "delete");
        match ops.delete(&arn, deadline).await {
            Ok(()) => Diagnostics::new(),
            Err(d) => d,
        }
    }

    fn move_state(&self, source: &MoveSource<'_>) -> Result<Value, Diagnostics> {
        moved::task_from_aws(source)
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Value, Diagnostics> {
        let ops = TaskOps::new(ctx, Task::default().label());
        let found = if id.starts_with("arn:") { ops.find(id).await? } else { ops.find_by_id(id).await? };
        let Some(task) = found else {
            return Err(Diagnostic::error(
                "Cannot import non-existent replication task",
                format!("No DMS replication task has the ARN or identifier {id:?} in region {}. Import takes the task ARN or its replication_task_id.", ctx.provider.region),
            )
            .into());
        };
        let state = Task {
            replication_task_arn: Unknowable::Known(task.arn.clone()),
            start_replication_task: Some(is_active(&task) || finished_full_load(&task)),
            ..Task::default()
        };
        Ok(state.to_value()?)
    }
}

/// The outcome of an apply with `state`, or, should the state not fit its model (a bug), with
/// `fallback` and the error added.
fn outcome(state: &Task, mut diags: Diagnostics, fallback: &Value) -> ApplyOutcome {
    match state.to_value() {
        Ok(v) => ApplyOutcome::failed(v, diags),
        Err(e) => {
            diags.push(e.into());
            ApplyOutcome::failed(fallback.clone(), diags)
        }
    }
}

/// Semantically equal JSON keeps the prior spelling, so it never shows a diff; ARNs must be in the
/// provider's region.
fn refine_plan(draft: &mut PlanDraft<'_>) -> Result<(), ModelError> {
    // Null (a create) or wholly unknown objects have nothing to compare.
    let docs = |v: &Value| typed::from_value::<Unknowable<Documents>>(v).map(Unknowable::into_known);
    if let (Some(prior), Some(config), Some(mut planned)) =
        (docs(draft.prior)?, docs(draft.config)?, docs(&draft.planned)?)
    {
        // Settings compare on the keys the configuration sets (DMS merges the rest in): a prior
        // holding the whole document, as one moved from the AWS provider does, stays unchanged.
        let settings_match = |p: &str, c: &str| json_doc::user_keys_match(c, p);
        for (mine, asked, out, same) in [
            (
                &prior.table_mappings,
                &config.table_mappings,
                &mut planned.table_mappings,
                json_doc::semantically_equal as fn(&str, &str) -> bool,
            ),
            (
                &prior.replication_task_settings,
                &config.replication_task_settings,
                &mut planned.replication_task_settings,
                settings_match,
            ),
        ] {
            if let (Some(p), Some(c)) = (mine.known(), asked.known())
                && same(p, c)
            {
                *out = Unknowable::Known(p.clone());
            }
        }
        typed::patch(&mut draft.planned, &planned, &model::object_type())?;
    }
    if let Some(provider) = &draft.provider
        && let Some(args) = typed::from_value::<Unknowable<PlanArgs>>(draft.config)?.into_known()
    {
        check_region(&args, &provider.region, &mut draft.diags);
    }
    Ok(())
}

/// Running or on its way there: a change needs a stop first.
fn is_active(t: &ReplicationTask) -> bool {
    matches!(t.status.as_str(), "running" | "starting")
}

/// DMS is in the middle of our own create, modify or move; not drift.
fn is_settling(t: &ReplicationTask) -> bool {
    matches!(t.status.as_str(), "creating" | "modifying" | "moving")
}

/// A full load that ran to its end counts as started.
fn finished_full_load(t: &ReplicationTask) -> bool {
    t.status == "stopped" && t.stop_reason.as_deref().is_some_and(|r| r.contains("FULL_LOAD_ONLY_FINISHED"))
}

fn gone_during_update(arn: &str) -> Diagnostics {
    Diagnostic::error(
        "Replication task disappeared",
        format!("The DMS replication task {arn} no longer exists. Run `terraform apply` again to re-create it."),
    )
    .into()
}

/// The ModifyReplicationTask input for what changed, or `None` when nothing it covers did.
/// DMS wants the migration type and mappings on every modify; settings only when they changed.
fn modification(prior: &Task, planned: &Task, config: &Task) -> Option<ModifyTaskInput> {
    let mappings_changed = prior.table_mappings != planned.table_mappings;
    let settings_changed =
        prior.replication_task_settings != planned.replication_task_settings || prior.logging != planned.logging;
    // Leaving a CDC start out asks DMS for nothing (the task goes on from where it is): only a
    // new start point is a modification. A state moved from the AWS provider may hold the
    // position DMS reported, which the configuration does not set.
    let cdc_changed = (prior.cdc_start_time != planned.cdc_start_time
        || prior.cdc_start_position != planned.cdc_start_position)
        && (planned.cdc_start_time.is_some() || planned.cdc_start_position.is_some());
    if !(mappings_changed || settings_changed || cdc_changed) {
        return None;
    }
    Some(ModifyTaskInput {
        arn: String::new(),
        migration_type: Some(planned.migration_type.clone().unwrap_or_default()),
        table_mappings: Some(config.table_mappings.clone().unwrap_or_default()),
        settings: if settings_changed {
            logging::settings_to_send(
                config.replication_task_settings.as_deref(),
                config.logging.as_ref(),
                prior.logging.is_some(),
            )
        } else {
            None
        },
        cdc_start_time: if cdc_changed {
            config.cdc_start_time.as_deref().and_then(schema::parse_cdc_start_time)
        } else {
            None
        },
        cdc_start_position: if cdc_changed { config.cdc_start_position.clone() } else { None },
    })
}

/// ARNs must be in the provider's region: DMS cannot run a task across regions.
fn check_region(config: &PlanArgs, region: &str, diags: &mut Diagnostics) {
    if region.is_empty() {
        return;
    }
    for (attr, value) in config.arns() {
        if let Some(text) = value.known()
            && let Some(arn) = Arn::parse(text)
            && !arn.region.is_empty()
            && arn.region != region
        {
            diags.error_at(
                AttrPath::attr(attr),
                "ARN in another region",
                format!("{text:?} is in region {}, but the provider manages region {region}; a DMS task and its endpoints and instance must share one region.", arn.region),
            );
        }
    }
}
