//! `dmslink_repltask`: one DMS replication task, kept in the state the user asked for. Changing a
//! running task stops it, applies the change and resumes it, so `InvalidResourceStateFault` never
//! reaches the user.

pub mod insight;
mod schema;
mod task_ops;
#[cfg(test)]
mod tests;

use async_trait::async_trait;

use crate::aws::dms::{CreateTaskInput, ModifyTaskInput, ReplicationTask};
use crate::engine::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::engine::{ApplyOutcome, Ctx, PlanDraft, Resource, Schema, Value};
use crate::resources::arn::Arn;
use crate::resources::{json_doc, tags, timeouts};
use task_ops::TaskOps;

pub struct Repltask;

pub const IMPORT_DOC: &str = "Import a task by its ARN or its `replication_task_id`:\n\n```shell\nterraform import dmslink_repltask.dblink arn:aws:dms:ap-southeast-2:123456789012:task:ABCDEF\nterraform import dmslink_repltask.dblink dblink-task\n```\n\n`start_replication_task` is imported as `true` when the task is running (or has finished its full load).";

pub const NOTES_DOC: &str = "Updates never fail because the task is running: dmslink stops the task, applies the change (`ModifyReplicationTask`, or `MoveReplicationTask` when `replication_instance_arn` changes), waits for DMS to settle and resumes it. Deleting a running task stops it first. The replication task id, the endpoints and `migration_type` cannot change on an existing task, so changing them replaces it.\n\nWhat DMS knows about the task is refreshed on every read: `status`, `stop_reason`, `last_failure_message`, the full-load progress, the table counts (`tables_errored` > 0: the `dmslink_repltask_tables` data source names the tables), `elapsed_time_millis` and the start and stop times. These never make a plan change by themselves; Terraform 1.0.x lists them under \"Objects have changed outside of Terraform\" while the task runs, and still plans no changes. When a start fails (the task ends `failed`, or stops with an error), the apply error carries DMS's `LastFailureMessage`, the tables in error and the result of a connection test of both endpoints from the replication instance, and says what to check next. While dmslink waits for a task it logs its state and progress at INFO every 30 seconds (`TF_LOG_PROVIDER=INFO`); a timeout names the last state, stop reason and failure message seen.";

const TYPE_NAME: &str = "dmslink_repltask";

#[async_trait]
impl Resource for Repltask {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    fn doc_extras(&self) -> crate::engine::resource::DocExtras {
        crate::engine::resource::DocExtras {
            example_hcl: include_str!("../../../../examples-hcl/terraform-repltask/dms-repl-task.tf"),
            import: Some(IMPORT_DOC),
            notes: NOTES_DOC,
        }
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        schema::validate_config(config, diags);
    }

    async fn modify_plan(&self, draft: &mut PlanDraft<'_>) {
        let prior = draft.prior;
        // Semantically equal JSON keeps the prior spelling, so it never shows a diff.
        if let (Some(p), Some(c)) = (prior.get("table_mappings").as_str(), draft.config.get("table_mappings").as_str())
            && json_doc::semantically_equal(p, c)
        {
            draft.planned.set("table_mappings", prior.get("table_mappings").clone());
        }
        if let (Some(p), Some(c)) =
            (prior.get("replication_task_settings").as_str(), draft.config.get("replication_task_settings").as_str())
            && json_doc::semantically_equal(p, c)
        {
            draft.planned.set("replication_task_settings", prior.get("replication_task_settings").clone());
        }

        match &draft.provider {
            Some(provider) => {
                check_region(draft.config, &provider.region, &mut draft.diags);
                if draft.config.get("tags").is_wholly_known() {
                    let all = tags::merge(&provider.default_tags, draft.config.get("tags"));
                    draft.planned.set("tags_all", Value::from_string_map(&all));
                } else {
                    draft.planned.set("tags_all", Value::Unknown);
                }
            }
            None => draft.planned.set("tags_all", Value::Unknown),
        }

        // Any change other than tags and timeouts moves the task through other states.
        if !draft.is_create() && !draft.is_replace() && task_changes(prior, &draft.planned) {
            draft.planned.set("status", Value::Unknown);
        }
        insight::plan(draft);
    }

    async fn read(&self, ctx: &Ctx, state: &Value) -> Result<Option<Value>, Diagnostics> {
        let ops = TaskOps::new(ctx, state);
        let Some(arn) = state.get("replication_task_arn").as_str() else {
            return Ok(None);
        };
        let Some(task) = ops.find(arn).await? else {
            return Ok(None);
        };
        let mut refreshed = ops.state_from_remote(state, &task).await?;
        // A task meant to run that was stopped out of band (or failed) shows as drift, so the
        // next apply starts it again.
        if refreshed.get("start_replication_task").as_bool() == Some(true)
            && !(is_active(&task) || finished_full_load(&task) || is_settling(&task))
        {
            refreshed.set("start_replication_task", Value::Bool(false));
        }
        Ok(Some(refreshed))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value, config: &Value) -> ApplyOutcome {
        let ops = TaskOps::new(ctx, planned);
        let id = planned.get("replication_task_id").as_str().unwrap_or_default().to_string();
        let all_tags = planned.get("tags_all").string_map();
        let input = CreateTaskInput {
            id: id.clone(),
            source_endpoint_arn: str_of(planned, "source_endpoint_arn"),
            target_endpoint_arn: str_of(planned, "target_endpoint_arn"),
            replication_instance_arn: str_of(planned, "replication_instance_arn"),
            migration_type: str_of(planned, "migration_type"),
            table_mappings: str_of(config, "table_mappings"),
            settings: config.get("replication_task_settings").as_str().map(str::to_string),
            cdc_start_time: config.get("cdc_start_time").as_str().and_then(schema::parse_cdc_start_time),
            cdc_start_position: config.get("cdc_start_position").as_str().map(str::to_string),
            tags: all_tags,
        };
        let task = match ctx.provider.clients.dms.create_replication_task(input).await {
            Ok(t) => t,
            Err(e) => return ApplyOutcome::failed(Value::Null, ops.aws_error("creating", &e)),
        };
        // From here on the task exists: every outcome carries its ARN so Terraform never loses it.
        let mut state = planned.clone();
        state.set("replication_task_arn", Value::string(task.arn.clone()));
        state.set("status", Value::string(task.status.clone()));

        let deadline = timeouts::deadline(planned, "create");
        let task = match ops.wait_settled(&task.arn, deadline, "creating").await {
            Ok(t) => t,
            Err(d) => return ApplyOutcome::failed(ops.partial(state, None), d),
        };
        let task = if planned.get("start_replication_task").as_bool() == Some(true) {
            match ops.start(&task, false, deadline).await {
                Ok(t) => t,
                Err(d) => return ApplyOutcome::failed(ops.partial(state, Some(&task)), d),
            }
        } else {
            task
        };
        match ops.state_from_remote(&state, &task).await {
            Ok(s) => ApplyOutcome::ok(s),
            Err(d) => ApplyOutcome::failed(ops.partial(state, Some(&task)), d),
        }
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value, config: &Value) -> ApplyOutcome {
        let ops = TaskOps::new(ctx, planned);
        let arn = str_of(prior, "replication_task_arn");
        let deadline = timeouts::deadline(planned, "update");
        let mut state = prior.clone();

        let result: Result<(), Diagnostics> = async {
            let mut task = ops.find(&arn).await?.ok_or_else(|| gone_during_update(&arn))?;
            let was_running = is_active(&task);
            let want_running = planned.get("start_replication_task").as_bool() == Some(true);

            let instance_changed = prior.get("replication_instance_arn") != planned.get("replication_instance_arn");
            let modify = modification(prior, planned, config);
            let mut changed_task = false;
            if instance_changed || modify.is_some() {
                task = ops.stop_if_running(&task, deadline).await?;
                if instance_changed {
                    task = ops.move_to(&task, &str_of(planned, "replication_instance_arn"), deadline).await?;
                    changed_task = true;
                }
                if let Some(mut input) = modify {
                    input.arn = arn.clone();
                    task = ops.modify(input, deadline).await?;
                    changed_task = true;
                }
            }
            if want_running && (changed_task || !was_running) {
                task = ops.start(&task, changed_task, deadline).await?;
            } else if !want_running && is_active(&task) && prior.get("start_replication_task").as_bool() == Some(true) {
                task = ops.stop_if_running(&task, deadline).await?;
            }

            ops.sync_tags(&arn, &prior.get("tags_all").string_map(), &planned.get("tags_all").string_map()).await?;
            state = ops.state_from_remote(planned, &task).await?;
            Ok(())
        }
        .await;
        match result {
            Ok(()) => ApplyOutcome::ok(state),
            Err(d) => ApplyOutcome::failed(state, d),
        }
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> Diagnostics {
        let ops = TaskOps::new(ctx, prior);
        let arn = str_of(prior, "replication_task_arn");
        let deadline = timeouts::deadline(prior, "delete");
        match ops.delete(&arn, deadline).await {
            Ok(()) => Diagnostics::new(),
            Err(d) => d,
        }
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> Result<Value, Diagnostics> {
        let ops = TaskOps::new(ctx, &Value::Null);
        let found = if id.starts_with("arn:") { ops.find(id).await? } else { ops.find_by_id(id).await? };
        let Some(task) = found else {
            return Err(Diagnostic::error(
                "Cannot import non-existent replication task",
                format!("No DMS replication task has the ARN or identifier {id:?} in region {}. Import takes the task ARN or its replication_task_id.", ctx.provider.region),
            )
            .into());
        };
        let mut state = Value::null_object(&schema::schema().value_type());
        state.set("replication_task_arn", Value::string(task.arn.clone()));
        state.set("start_replication_task", Value::Bool(is_active(&task) || finished_full_load(&task)));
        Ok(state)
    }
}

fn str_of(v: &Value, attr: &str) -> String {
    v.get(attr).as_str().unwrap_or_default().to_string()
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

/// Attributes whose change goes through ModifyReplicationTask (or a move).
fn task_changes(prior: &Value, planned: &Value) -> bool {
    [
        "replication_instance_arn",
        "table_mappings",
        "replication_task_settings",
        "cdc_start_time",
        "cdc_start_position",
        "start_replication_task",
    ]
    .iter()
    .any(|a| prior.get(a) != planned.get(a))
}

/// The ModifyReplicationTask input for what changed, or `None` when nothing it covers did.
/// DMS wants the migration type and mappings on every modify; settings only when they changed.
fn modification(prior: &Value, planned: &Value, config: &Value) -> Option<ModifyTaskInput> {
    let changed = |a: &str| prior.get(a) != planned.get(a);
    let mappings_changed = changed("table_mappings");
    let settings_changed = changed("replication_task_settings");
    let cdc_changed = changed("cdc_start_time") || changed("cdc_start_position");
    if !(mappings_changed || settings_changed || cdc_changed) {
        return None;
    }
    Some(ModifyTaskInput {
        arn: String::new(),
        migration_type: Some(str_of(planned, "migration_type")),
        table_mappings: Some(str_of(config, "table_mappings")),
        settings: if settings_changed {
            config.get("replication_task_settings").as_str().map(str::to_string)
        } else {
            None
        },
        cdc_start_time: if cdc_changed {
            config.get("cdc_start_time").as_str().and_then(schema::parse_cdc_start_time)
        } else {
            None
        },
        cdc_start_position: if cdc_changed {
            config.get("cdc_start_position").as_str().map(str::to_string)
        } else {
            None
        },
    })
}

/// ARNs must be in the provider's region: DMS cannot run a task across regions.
fn check_region(config: &Value, region: &str, diags: &mut Diagnostics) {
    if region.is_empty() {
        return;
    }
    for attr in ["source_endpoint_arn", "target_endpoint_arn", "replication_instance_arn"] {
        if let Some(text) = config.get(attr).as_str()
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
