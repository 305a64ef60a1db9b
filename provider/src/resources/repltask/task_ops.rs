//! The AWS work of `dmslink_repltask`: each operation waits until DMS has settled, so the next
//! call never meets `InvalidResourceStateFault`.

use tokio::time::Instant;

use crate::aws::dms::{ModifyTaskInput, RI_FAILED, RI_PENDING, ReplicationTask, StartType};
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::wait::{self, Wait};
use crate::engine::Value;
use crate::engine::diag::{Diagnostic, Diagnostics};
use crate::engine::model::{self, Unknowable};
use crate::resources::Ctx;
use crate::resources::step_kit::tolerate_lost;
use crate::resources::task_start::{Deadline, StartError, start_after_endpoint_tests};
use crate::resources::{json_doc, tags};

use super::model::Task;

/// What the start's wait calls a task whose full load finished after the start (it shows `stopped`).
const FULL_LOAD_FINISHED: &str = "full load finished";

/// How long a failed start waits for the endpoint connection tests it reports.
const CONNECTION_TEST_LIMIT: std::time::Duration = std::time::Duration::from_secs(90);

/// Stopped with an error (`Stop Reason FATAL_ERROR`, `RECOVERABLE_ERROR`) at another time than
/// `stopped_before`: a start that failed.
fn stopped_with_error(t: &ReplicationTask, stopped_before: Option<i64>) -> bool {
    t.status == "stopped"
        && t.stop_reason.as_deref().is_some_and(|r| r.to_ascii_uppercase().contains("ERROR"))
        && t.stats.as_ref().and_then(|s| s.stop_date).is_some_and(|d| Some(d) != stopped_before)
}

/// When the task was last stopped, if ever.
fn stop_date(t: &ReplicationTask) -> Option<i64> {
    t.stats.as_ref().and_then(|s| s.stop_date)
}

/// A failure after which the call may have taken effect: its answer was lost
/// ([`AwsError::outcome_unknown`]), or the SDK's retry of a served call met the state the first
/// attempt left (DMS's `InvalidResourceStateFault`: already starting, modifying, deleting). The
/// caller looks at the task before it believes either.
fn lost_or_refused_state(e: &AwsError) -> bool {
    e.outcome_unknown() || e.kind == ErrorKind::InvalidState
}

/// The SDK's retry of a served first start met the task running already: DMS takes
/// `start-replication` only for a task running for the first time (`InvalidParameterCombinationException`
/// "Start Type : START_REPLICATION, valid only for tasks running for the first time";
/// `rulebook/dms.json`). The caller looks at the task before it believes it.
fn first_start_already_served(e: &AwsError, start_type: StartType) -> bool {
    start_type == StartType::StartReplication
        && e.code == "InvalidParameterCombinationException"
        && e.message.contains("START_REPLICATION")
}

/// Whether the task shows what `input` asks for: its table mappings, and its settings when given
/// (the user's keys, as DMS merges them into its own). A CDC start point is not shown once set.
fn shows(task: &ReplicationTask, input: &ModifyTaskInput) -> bool {
    let cdc = input.cdc_start_time.is_some() || input.cdc_start_position.is_some();
    let mappings =
        input.table_mappings.as_deref().is_none_or(|m| json_doc::semantically_equal(m, &task.table_mappings));
    let settings = match (input.settings.as_deref(), task.settings.as_deref()) {
        (None, _) => true,
        (Some(mine), Some(remote)) => json_doc::user_keys_match(mine, remote),
        (Some(_), None) => false,
    };
    !cdc && mappings && settings
}

pub struct TaskOps<'a> {
    ctx: &'a Ctx,
    /// The task id for messages ("creating DMS replication task (my-task): ...").
    label: String,
}

impl<'a> TaskOps<'a> {
    /// `label` names the task in messages: its id, else its ARN.
    pub fn new(ctx: &'a Ctx, label: String) -> TaskOps<'a> {
        TaskOps { ctx, label }
    }

    fn dms(&self) -> &dyn crate::aws::dms::DmsApi {
        self.ctx.provider.clients.dms.as_ref()
    }

    pub fn aws_error(&self, action: &str, e: &AwsError) -> Diagnostics {
        Diagnostic::error(
            format!("Error {action} DMS replication task"),
            e.describe(&format!("{action} DMS replication task"), &self.label),
        )
        .into()
    }

    /// A task that ended in a failed state: DMS's words, then the last error lines of its log.
    async fn task_error(&self, action: &str, task: &ReplicationTask, what: &str) -> Diagnostics {
        let mut detail = format!("{action} DMS replication task ({}): {what}", self.label);
        if let Some(r) = &task.stop_reason {
            detail.push_str(&format!("\nStop reason: {r}"));
        }
        if let Some(m) = &task.last_failure_message {
            detail.push_str(&format!("\nLast failure message: {m}"));
        }
        detail.push('\n');
        detail.push_str(&super::task_log::log_section(self.ctx.provider.clients.logs.as_ref(), task).await);
        Diagnostic::error(format!("Error {action} DMS replication task"), detail).into()
    }

    /// With logging on, `dms-cloudwatch-logs-role` is checked (or created): without it DMS
    /// silently writes no log.
    pub async fn logging_role(&self, logging: Option<&super::model::Logging>, action: &str) -> Result<(), Diagnostics> {
        let Some(l) = logging.filter(|l| l.is_enabled()) else { return Ok(()) };
        let p = &self.ctx.provider;
        let role = &crate::resources::dms_service_role::CLOUDWATCH_LOGS_ROLE;
        crate::resources::dms_service_role::ensure(
            p.clients.iam.as_ref(),
            role,
            &p.partition,
            l.creates_role(),
            p.default_tags.clone(),
        )
        .await
        .map(|_| ())
        .map_err(|e| {
            Diagnostic::error(
                format!("Error {action} DMS replication task"),
                format!("{action} DMS replication task ({}): {e}", self.label),
            )
            .into()
        })
    }

    pub async fn find(&self, arn: &str) -> Result<Option<ReplicationTask>, Diagnostics> {
        self.dms().find_replication_task_by_arn(arn).await.map_err(|e| self.aws_error("reading", &e))
    }

    pub async fn find_by_id(&self, id: &str) -> Result<Option<ReplicationTask>, Diagnostics> {
        self.dms().find_replication_task_by_id(id).await.map_err(|e| self.aws_error("reading", &e))
    }

    /// Waits for the task to leave `pending` states, reaching one of `target`.
    async fn wait_status(
        &self,
        action: &str,
        arn: &str,
        pending: &[&str],
        target: &[&str],
        deadline: Instant,
    ) -> Result<ReplicationTask, Diagnostics> {
        self.wait_status_seen_as(action, arn, pending, target, deadline, |t| t).await
    }

    /// [`Self::wait_status`] over the task as `seen_as` maps each refresh (e.g. an error stop
    /// seen as `failed`).
    async fn wait_status_seen_as(
        &self,
        action: &str,
        arn: &str,
        pending: &[&str],
        target: &[&str],
        deadline: Instant,
        seen_as: impl Fn(ReplicationTask) -> ReplicationTask,
    ) -> Result<ReplicationTask, Diagnostics> {
        let what = format!("DMS replication task ({})", self.label);
        let spec = Wait::new(&what, pending, target).timeout(deadline.saturating_duration_since(Instant::now()));
        let outcome = wait::wait_for(&spec, &self.ctx.cancel, || async {
            self.dms().find_replication_task_by_arn(arn).await.map(|t| t.map(&seen_as))
        })
        .await;
        match outcome {
            Ok(Some(task)) => Ok(task),
            Ok(None) => Err(Diagnostic::error(
                format!("Error {action} DMS replication task"),
                format!("{action} DMS replication task ({}): the task disappeared while waiting", self.label),
            )
            .into()),
            Err(e) => {
                Err(Diagnostic::error(format!("Error {action} DMS replication task"), format!("{action}: {e}")).into())
            }
        }
    }

    /// DMS creates, moves and starts a task only on an `available` replication instance
    /// (`InvalidResourceStateFault` otherwise): waits while the instance is busy (being modified or
    /// upgraded, e.g. by the stack's own apply running at the same time), and refuses at once when
    /// it is failed or gone, naming its state.
    pub async fn instance_usable(
        &self,
        instance_arn: &str,
        deadline: Instant,
        action: &str,
    ) -> Result<(), Diagnostics> {
        let what = format!("DMS replication instance ({instance_arn})");
        let spec = Wait::new(&what, RI_PENDING, &["available"])
            .failure(RI_FAILED)
            .timeout(deadline.saturating_duration_since(Instant::now()));
        let fail = |detail: String| -> Diagnostics {
            Diagnostic::error(
                format!("Error {action} DMS replication task"),
                format!("{action} DMS replication task ({}): {detail}", self.label),
            )
            .into()
        };
        match wait::wait_for(&spec, &self.ctx.cancel, || self.dms().describe_replication_instance_by_arn(instance_arn))
            .await
        {
            Ok(Some(_)) => Ok(()),
            Ok(None) => {
                Err(fail(format!("replication instance {instance_arn} does not exist (replication_instance_arn)")))
            }
            Err(e) => Err(fail(format!(
                "replication instance {instance_arn} cannot run tasks: {}. DMS creates, moves and starts tasks only \
                 on an available replication instance.",
                e.to_string().trim_end_matches('.')
            ))),
        }
    }

    /// After create, modify or move: wait until DMS is done with the task.
    pub async fn wait_settled(
        &self,
        arn: &str,
        deadline: Instant,
        action: &str,
    ) -> Result<ReplicationTask, Diagnostics> {
        let task = self
            .wait_status(
                action,
                arn,
                &["creating", "modifying", "moving", "testing"],
                &["ready", "stopped", "starting", "running", "failed", "failed-move"],
                deadline,
            )
            .await?;
        if matches!(task.status.as_str(), "failed" | "failed-move") {
            return Err(self.task_error(action, &task, &format!("the task ended in state {:?}", task.status)).await);
        }
        Ok(task)
    }

    /// Starts the task and waits until it runs. `reloaded`: the task definition changed, so a
    /// finished full load is run again rather than resumed.
    pub async fn start(
        &self,
        task: &ReplicationTask,
        reloaded: bool,
        deadline: Instant,
    ) -> Result<ReplicationTask, Diagnostics> {
        // A stop with an error later than this one is a failure of this start.
        let stopped_before = stop_date(task);
        if matches!(task.status.as_str(), "running" | "starting") {
            return self.wait_running(&task.arn, deadline, stopped_before).await;
        }
        let start_type = match task.status.as_str() {
            "ready" => StartType::StartReplication,
            _ if reloaded && task.migration_type == "full-load" => StartType::ReloadTarget,
            _ => StartType::ResumeProcessing,
        };
        self.instance_usable(&task.replication_instance_arn, deadline, "starting").await?;
        tracing::debug!(task = %self.label, start_type = start_type.as_str(), "starting replication task");
        // A lost answer: the SDK's retry meets "already starting" (`InvalidResourceStateFault`), or
        // no answer came. The start took effect when the task is starting or running, or its full
        // load has already finished since (a new stop); it is never sent again. Right after an
        // endpoint change DMS tests the endpoint and refuses the start meanwhile: it waits.
        let started = |t: &ReplicationTask| {
            matches!(t.status.as_str(), "starting" | "running")
                || (super::finished_full_load(t) && stop_date(t) != stopped_before)
        };
        let pace = Deadline { deadline, cancel: &self.ctx.cancel };
        let look_after = |e: &AwsError| lost_or_refused_state(e) || first_start_already_served(e, start_type);
        match start_after_endpoint_tests(self.dms(), &pace, task, start_type, started, look_after).await {
            Ok(()) => {}
            Err(StartError::Aws(e)) => return Err(self.aws_error("starting", &e)),
            Err(other) => {
                return Err(Diagnostic::error(
                    "Error starting DMS replication task",
                    format!("starting DMS replication task ({}): {}", self.label, other.message(&task.arn)),
                )
                .into());
            }
        }
        self.wait_running(&task.arn, deadline, stopped_before).await
    }

    async fn wait_running(
        &self,
        arn: &str,
        deadline: Instant,
        stopped_before: Option<i64>,
    ) -> Result<ReplicationTask, Diagnostics> {
        // A stop with an error after this start is its failure; a full load that finished after
        // it (stopped, FULL_LOAD_ONLY_FINISHED, before "running" was ever seen) counts as started.
        // Both are stops, which the wait otherwise passes (a task resumed from stopped).
        let seen_as = |mut t: ReplicationTask| {
            if stopped_with_error(&t, stopped_before) {
                t.status = "failed".to_string();
            } else if super::finished_full_load(&t) && stop_date(&t) != stopped_before {
                t.status = FULL_LOAD_FINISHED.to_string();
            }
            t
        };
        let task = self
            .wait_status_seen_as(
                "starting",
                arn,
                &["starting", "ready", "stopped", "modifying"],
                &["running", "failed", FULL_LOAD_FINISHED],
                deadline,
                seen_as,
            )
            .await;
        let task = match task {
            Err(d) => match self.find(arn).await {
                Ok(Some(t)) if super::finished_full_load(&t) => t,
                _ => return Err(d),
            },
            Ok(mut t) if t.status == FULL_LOAD_FINISHED => {
                t.status = "stopped".to_string();
                t
            }
            Ok(t) => t,
        };
        if task.status == "failed" {
            let logs = self.ctx.provider.clients.logs.as_ref();
            let report =
                super::insight::failure_report(self.dms(), logs, &task, CONNECTION_TEST_LIMIT, &self.ctx.cancel).await;
            return Err(Diagnostic::error(
                "Error starting DMS replication task",
                format!("starting DMS replication task ({}): the task failed to start.\n{report}", self.label),
            )
            .into());
        }
        Ok(task)
    }

    pub async fn stop_if_running(
        &self,
        task: &ReplicationTask,
        deadline: Instant,
    ) -> Result<ReplicationTask, Diagnostics> {
        if !matches!(task.status.as_str(), "running" | "starting" | "stopping") {
            return Ok(task.clone());
        }
        if task.status != "stopping" {
            // Wait out a start in progress: DMS refuses to stop a starting task.
            if task.status == "starting" {
                self.wait_running(&task.arn, deadline, task.stats.as_ref().and_then(|s| s.stop_date)).await?;
            }
            match self.dms().stop_replication_task(&task.arn).await {
                Ok(_) => {}
                Err(e) if e.kind == ErrorKind::InvalidState => {} // not running any more
                // A lost answer: stopped when the task is stopping or no longer running.
                Err(e) if e.outcome_unknown() => match self.find(&task.arn).await? {
                    Some(t) if !matches!(t.status.as_str(), "running" | "starting") => {
                        tracing::info!(task = %self.label, "the stop took effect although its answer was lost ({e})");
                    }
                    _ => return Err(self.aws_error("stopping", &e)),
                },
                Err(e) => return Err(self.aws_error("stopping", &e)),
            }
        }
        self.wait_status("stopping", &task.arn, &["running", "stopping"], &["stopped", "ready", "failed"], deadline)
            .await
    }

    pub async fn move_to(
        &self,
        task: &ReplicationTask,
        instance_arn: &str,
        deadline: Instant,
    ) -> Result<ReplicationTask, Diagnostics> {
        self.instance_usable(instance_arn, deadline, "moving").await?;
        if let Err(e) = self.dms().move_replication_task(&task.arn, instance_arn).await {
            // A lost answer: the SDK's retry meets the task moving, or already on the instance.
            match self.find(&task.arn).await? {
                Some(t) if t.status == "moving" || t.replication_instance_arn == instance_arn => {
                    tracing::info!(task = %self.label, "the move took effect although its answer was lost ({e})");
                }
                _ => return Err(self.aws_error("moving", &e)),
            }
        }
        self.wait_settled(&task.arn, deadline, "moving").await
    }

    /// Modifies the task and waits until DMS has applied it. A lost answer (the SDK's retry meets
    /// the task `modifying`: `InvalidResourceStateFault`, or no answer came) is waited out; when the
    /// settled task shows the change it is done, else the modify is sent once more (it sets the
    /// same values, so a second one that DMS serves changes nothing more).
    pub async fn modify(&self, input: ModifyTaskInput, deadline: Instant) -> Result<ReplicationTask, Diagnostics> {
        let arn = input.arn.clone();
        let Err(e) = self.dms().modify_replication_task(input.clone()).await else {
            return self.wait_settled(&arn, deadline, "modifying").await;
        };
        if !lost_or_refused_state(&e) {
            return Err(self.aws_error("modifying", &e));
        }
        let task = self.wait_settled(&arn, deadline, "modifying").await?;
        if shows(&task, &input) {
            tracing::info!(task = %self.label, "the modify took effect although its answer was lost ({e})");
            return Ok(task);
        }
        self.dms().modify_replication_task(input).await.map_err(|e| self.aws_error("modifying", &e))?;
        self.wait_settled(&arn, deadline, "modifying").await
    }

    pub async fn sync_tags(
        &self,
        arn: &str,
        from: &std::collections::BTreeMap<String, String>,
        to: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), Diagnostics> {
        let (removed, changed) = tags::diff(from, to);
        // A lost answer: done when the task's tags show the change.
        let dms = self.dms();
        if !removed.is_empty() {
            let gone = || async { Ok(dms.list_tags(arn).await?.keys().all(|k| !removed.contains(k))) };
            tolerate_lost(|| dms.remove_tags(arn, &removed), gone)
                .await
                .map_err(|e| self.aws_error("untagging", &e))?;
        }
        if !changed.is_empty() {
            let there = || async {
                let now = dms.list_tags(arn).await?;
                Ok(changed.iter().all(|(k, v)| now.get(k) == Some(v)))
            };
            tolerate_lost(|| dms.add_tags(arn, &changed), there).await.map_err(|e| self.aws_error("tagging", &e))?;
        }
        Ok(())
    }

    pub async fn delete(&self, arn: &str, deadline: Instant) -> Result<(), Diagnostics> {
        let Some(task) = self.find(arn).await? else { return Ok(()) };
        let task = self.stop_if_running(&task, deadline).await?;
        if matches!(task.status.as_str(), "creating" | "modifying" | "moving") {
            self.wait_settled(arn, deadline, "deleting").await?;
        }
        match self.dms().delete_replication_task(arn).await {
            // "Not found" may be the SDK's retry of a served delete: wait until it is gone indeed.
            Ok(()) | Err(AwsError { kind: ErrorKind::NotFound, .. }) => {}
            // A lost answer: the SDK's retry meets the task `deleting`, or no answer came.
            Err(e) if lost_or_refused_state(&e) => match self.find(arn).await? {
                None => return Ok(()),
                Some(t) if t.status == "deleting" => {
                    tracing::info!(task = %self.label, "the delete took effect although its answer was lost ({e})");
                }
                Some(_) => return Err(self.aws_error("deleting", &e)),
            },
            Err(e) => return Err(self.aws_error("deleting", &e)),
        }
        self.wait_gone(arn, deadline, "deleting").await
    }

    /// Waits until a task being deleted is gone.
    pub async fn wait_gone(&self, arn: &str, deadline: Instant, action: &str) -> Result<(), Diagnostics> {
        let what = format!("DMS replication task ({})", self.label);
        let spec = Wait::new(&what, &["deleting", "stopped", "ready", "failed"], &[])
            .gone_is_target()
            .timeout(deadline.saturating_duration_since(Instant::now()));
        wait::wait_for(&spec, &self.ctx.cancel, || self.dms().find_replication_task_by_arn(arn))
            .await
            .map(|_| ())
            .map_err(|e| {
                Diagnostics::from(Diagnostic::error(
                    format!("Error {action} DMS replication task"),
                    format!("{action}: {e}"),
                ))
            })
    }

    /// The task's tags as DMS has them, dmslink's own included.
    pub async fn tags_of(&self, arn: &str) -> Result<std::collections::BTreeMap<String, String>, Diagnostics> {
        self.dms().list_tags(arn).await.map_err(|e| self.aws_error("listing tags of", &e))
    }

    /// The state after an apply or refresh: identity and status from AWS; JSON documents keep
    /// the user's spelling while they mean the same; tags split into user and inherited.
    pub async fn state_from_remote(&self, base: &Task, task: &ReplicationTask) -> Result<Task, Diagnostics> {
        let tags = self.tags_of(&task.arn).await?;
        self.state_from_remote_with_tags(base, task, &tags)
    }

    /// A task and its tags for a refresh, `instance_arn` being where the state last saw it.
    pub async fn find_for_refresh(
        &self,
        arn: &str,
        instance_arn: &str,
    ) -> Result<Option<(ReplicationTask, std::collections::BTreeMap<String, String>)>, Diagnostics> {
        self.dms().refresh_replication_task(arn, instance_arn).await.map_err(|e| self.aws_error("reading", &e))
    }

    /// [`Self::state_from_remote`] with the task's tags already read.
    pub fn state_from_remote_with_tags(
        &self,
        base: &Task,
        task: &ReplicationTask,
        tags: &std::collections::BTreeMap<String, String>,
    ) -> Result<Task, Diagnostics> {
        // dmslink's ownership tag is never the user's: not in `tags`, not in `tags_all`, never drift.
        let remote_tags = super::adopt::without_owner_tags(tags);
        let mut s = base.clone();
        s.replication_task_arn = Unknowable::Known(task.arn.clone());
        s.replication_task_id = Some(task.id.clone());
        s.status = Unknowable::Known(task.status.clone());
        s.migration_type = Some(task.migration_type.clone());
        s.source_endpoint_arn = Some(task.source_endpoint_arn.clone());
        s.target_endpoint_arn = Some(task.target_endpoint_arn.clone());
        s.replication_instance_arn = Some(task.replication_instance_arn.clone());

        let mappings = match base.table_mappings.as_deref() {
            Some(mine) if json_doc::semantically_equal(mine, &task.table_mappings) => mine.to_string(),
            _ => task.table_mappings.clone(),
        };
        s.table_mappings = Some(mappings);

        if let (Some(mine), Some(remote)) = (base.replication_task_settings.as_deref(), task.settings.as_deref())
            && !json_doc::user_keys_match(mine, remote)
        {
            let shown = json_doc::projected_text(mine, remote).unwrap_or_else(|| remote.to_string());
            s.replication_task_settings = Some(shown);
        }

        let default_tags = &self.ctx.provider.default_tags;
        let prior_tags = base.tags.as_ref().map_or(Value::Null, Value::from_string_map);
        s.tags = model::from_value(&tags::user_tags_from_remote(&remote_tags, &prior_tags, default_tags))?;
        s.tags_all = Unknowable::Known(remote_tags);
        if s.start_replication_task.is_none() {
            s.start_replication_task = Some(false);
        }
        super::insight::set_from_task(&mut s, task);
        s.logging = super::logging::from_remote(base.logging.as_ref(), task.settings.as_deref());
        let (group, stream) = super::task_log::log_location(task.settings.as_deref()).unzip();
        s.log_group = group.into();
        s.log_stream = stream.into();
        Ok(s)
    }

    /// The state to save when an apply fails part-way: what was planned, with what AWS has told us.
    pub fn partial(&self, mut state: Task, task: Option<&ReplicationTask>) -> Task {
        if let Some(t) = task {
            state.status = Unknowable::Known(t.status.clone());
            super::insight::set_from_task(&mut state, t);
        }
        state.insight_unknowns_to_null();
        state
    }
}
