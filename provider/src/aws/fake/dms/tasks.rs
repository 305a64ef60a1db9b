//! Replication tasks: the rulebook's state machine on a timeline.

use std::time::Duration;

use serde_json::Value as Json;

use super::rulebook::rules;
use super::settings::{check_json, default_settings, merge_into, merged_settings};
use super::task_logs::Pending;
use super::{FakeDms, FakeTask, State, Step, invalid_combination, invalid_parameter, not_found};
use crate::aws::dms::{CreateTaskInput, ModifyTaskInput, ReplicationTask, StartType, TasksUsing};
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::fake::timeline::Timeline;

const MIGRATION_TYPES: &[&str] = &["full-load", "cdc", "full-load-and-cdc"];

fn transition() -> Duration {
    rules().replication_task.seconds("transition")
}

/// Where a modify or move lands: `ready` for a task never started, else `stopped`.
fn settled(t: &FakeTask) -> &'static str {
    if t.ever_started { "stopped" } else { "ready" }
}

fn check(op: &str, t: &FakeTask) -> Result<(), AwsError> {
    rules().replication_task.check(op, &t.task.status, &[("id", &t.task.id)])
}

/// The settings a modify of a task in a state that refuses modifies still applies at once: only
/// `ReplicationTaskSettings` sent, differing from the stored document only under the rulebook's
/// `changes_allowed_from` paths (AWS: "excluding logging severity task settings"). `None`: the
/// modify is an ordinary one.
fn logging_only_change(t: &FakeTask, input: &ModifyTaskInput, instance_id: &str) -> Result<Option<String>, AwsError> {
    let allowed = rules().replication_task.changes_allowed("ModifyReplicationTask", &t.task.status);
    let Some(sent) = &input.settings else { return Ok(None) };
    let only_settings = input.table_mappings.is_none()
        && input.migration_type.as_ref().is_none_or(|m| m == &t.task.migration_type)
        && input.cdc_start_time.is_none()
        && input.cdc_start_position.is_none();
    if allowed.is_empty() || !only_settings {
        return Ok(None);
    }
    let stored: Json =
        t.task.settings.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_else(default_settings);
    let Ok(user) = serde_json::from_str::<Json>(sent) else { return Ok(None) };
    let mut merged = stored.clone();
    merge_into(&mut merged, &user, "");
    let without = |doc: &Json| {
        let mut doc = doc.clone();
        for path in allowed {
            let mut parts: Vec<&str> = path.split('.').collect();
            let Some(last) = parts.pop() else { continue };
            let parent = parts.iter().try_fold(&mut doc, |d, k| d.get_mut(*k));
            if let Some(Json::Object(m)) = parent {
                m.remove(last);
            }
        }
        doc
    };
    if without(&stored) != without(&merged) {
        return Ok(None);
    }
    let text = serde_json::to_string(&merged).map_err(|e| invalid_parameter(e.to_string()))?;
    merged_settings(Some(&text), instance_id, &t.resource_id, false).map(Some)
}

impl FakeDms {
    /// A task's endpoints must exist and be of the side they are given for.
    fn check_endpoint(st: &State, arn: &str, want_type: &str) -> Result<(), AwsError> {
        match st.endpoints.get(arn).map(|r| &r.ep) {
            None => Err(not_found(format!("Endpoint {arn} not found"))),
            Some(e) if !e.endpoint_type.eq_ignore_ascii_case(want_type) => Err(invalid_parameter(format!(
                "Endpoint {arn} is a {} endpoint, not a {want_type} endpoint",
                e.endpoint_type
            ))),
            Some(_) => Ok(()),
        }
    }

    /// A task is created on, moved to or started on an `available` instance only (rulebook
    /// `UseByTask`, as the emulator).
    fn check_instance_usable(&self, st: &mut State, arn: &str) -> Result<(), AwsError> {
        let Some(inst) = self.advance_instance(st, arn) else {
            return Err(not_found(format!("Replication instance {arn} not found")));
        };
        rules().replication_instance.check("UseByTask", &inst.status, &[("id", &inst.id)])
    }

    fn instance_id(st: &State, arn: &str) -> String {
        st.instances
            .get(arn)
            .map_or_else(|| arn.rsplit(':').next().unwrap_or_default().to_lowercase(), |i| i.inst.id.clone())
    }

    /// Applies the task's due transitions, returning it or `None` when it is gone.
    pub(super) fn advance(st: &mut State, arn: &str) -> Option<ReplicationTask> {
        let t = st.tasks.get_mut(arn)?;
        while let Some(step) = t.next.pop_due() {
            if step.remove {
                st.tasks.remove(arn);
                st.tags.remove(arn);
                return None;
            }
            t.task.status = step.status;
            if step.stop_reason.is_some() {
                t.task.stop_reason = step.stop_reason;
                // Each stop has its own StopDate (ReplicationTaskStats), as DMS reports it.
                let stats = t.task.stats.get_or_insert_with(Default::default);
                stats.stop_date = Some(stats.stop_date.map_or(1_764_000_000, |d| d + 1));
            }
            if let Some(text) = &step.failure {
                st.task_log.push(Pending::new(t.task.settings.as_deref(), "TASK_MANAGER", 'E', text));
            }
            if step.failure.is_some() {
                t.task.last_failure_message = step.failure;
            }
            if let Some(i) = step.instance_arn {
                t.task.replication_instance_arn = i;
            }
        }
        Some(t.task.clone())
    }

    fn task_mut<'a>(st: &'a mut State, arn: &str) -> Result<&'a mut FakeTask, AwsError> {
        Self::advance(st, arn);
        st.tasks.get_mut(arn).ok_or_else(|| not_found(format!("Replication task {arn} not found")))
    }

    pub(super) fn tasks_using(st: &State, by: &TasksUsing) -> Vec<String> {
        st.tasks
            .values()
            .filter(|t| match by {
                TasksUsing::Instance(arn) => &t.task.replication_instance_arn == arn,
                TasksUsing::Endpoint(arn) => &t.task.source_endpoint_arn == arn || &t.task.target_endpoint_arn == arn,
            })
            .map(|t| t.task.arn.clone())
            .collect()
    }

    pub(super) fn task_create(&self, input: CreateTaskInput) -> Result<ReplicationTask, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "create_replication_task", &input.id)?;
        if st.tasks.values().any(|t| t.task.id.eq_ignore_ascii_case(&input.id)) {
            return Err(AwsError::new(
                ErrorKind::AlreadyExists,
                "ResourceAlreadyExistsFault",
                format!("Replication task {} already exists", input.id),
            ));
        }
        if !MIGRATION_TYPES.contains(&input.migration_type.as_str()) {
            return Err(invalid_parameter(format!("Invalid MigrationType {:?}", input.migration_type)));
        }
        if input.cdc_start_time.is_some() && input.cdc_start_position.is_some() {
            return Err(invalid_combination("CdcStartTime and CdcStartPosition cannot both be specified"));
        }
        check_json("TableMappings", &input.table_mappings)?;
        self.check_instance_usable(&mut st, &input.replication_instance_arn)?;
        Self::check_endpoint(&st, &input.source_endpoint_arn, "source")?;
        Self::check_endpoint(&st, &input.target_endpoint_arn, "target")?;
        st.counter += 1;
        let resource_id = format!("TASK{:022}", st.counter);
        let arn = self.arn("task", &resource_id);
        let instance_id = Self::instance_id(&st, &input.replication_instance_arn);
        let settings = merged_settings(input.settings.as_deref(), &instance_id, &resource_id, true)?;
        let task = ReplicationTask {
            arn: arn.clone(),
            id: input.id.clone(),
            status: "creating".to_string(),
            migration_type: input.migration_type.clone(),
            table_mappings: input.table_mappings.clone(),
            settings: Some(settings),
            source_endpoint_arn: input.source_endpoint_arn.clone(),
            target_endpoint_arn: input.target_endpoint_arn.clone(),
            replication_instance_arn: input.replication_instance_arn.clone(),
            cdc_start_position: input.cdc_start_position.clone(),
            stop_reason: None,
            last_failure_message: None,
            stats: None,
        };
        let mut next = Timeline::default();
        next.set([(transition(), Step::to("ready"))]);
        st.tasks.insert(
            arn.clone(),
            FakeTask { task: task.clone(), resource_id, next, ever_started: false, fail_on_start: None },
        );
        st.tags.insert(arn, input.tags.clone());
        Ok(task)
    }

    pub(super) fn task_find_by_arn(&self, arn: &str) -> Result<Option<ReplicationTask>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_replication_task_by_arn", arn)?;
        Ok(Self::advance(&mut st, arn))
    }

    pub(super) fn task_find_by_id(&self, id: &str) -> Result<Option<ReplicationTask>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_replication_task_by_id", id)?;
        let arn = st.tasks.values().find(|t| t.task.id.eq_ignore_ascii_case(id)).map(|t| t.task.arn.clone());
        Ok(arn.and_then(|arn| Self::advance(&mut st, &arn)))
    }

    pub(super) fn task_modify(&self, input: ModifyTaskInput) -> Result<ReplicationTask, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "modify_replication_task", &input.arn)?;
        let instance_arn = Self::task_mut(&mut st, &input.arn)?.task.replication_instance_arn.clone();
        let instance_id = Self::instance_id(&st, &instance_arn);
        let t = Self::task_mut(&mut st, &input.arn)?;
        if let Some(settings) = logging_only_change(t, &input, &instance_id)? {
            t.task.settings = Some(settings);
            return Ok(t.task.clone());
        }
        check("ModifyReplicationTask", t)?;
        if let Some(mt) = &input.migration_type
            && mt != &t.task.migration_type
        {
            return Err(invalid_parameter(
                "Modifying the MigrationType of a replication task is not supported; create a new task instead.",
            ));
        }
        if input.cdc_start_time.is_some() && input.cdc_start_position.is_some() {
            return Err(invalid_combination("CdcStartTime and CdcStartPosition cannot both be specified"));
        }
        if let Some(tm) = &input.table_mappings {
            check_json("TableMappings", tm)?;
        }
        if let Some(s) = &input.settings {
            // Modify merges onto what is stored, like AWS.
            let mut stored: Json =
                t.task.settings.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_else(default_settings);
            let user: Json = serde_json::from_str(s).map_err(|e| {
                invalid_parameter(format!("Invalid ReplicationTaskSettings: not a JSON document ({e})"))
            })?;
            merge_into(&mut stored, &user, "");
            let text = serde_json::to_string(&stored).map_err(|e| invalid_parameter(e.to_string()))?;
            t.task.settings = Some(merged_settings(Some(&text), &instance_id, &t.resource_id, false)?);
        }
        if let Some(tm) = &input.table_mappings {
            t.task.table_mappings = tm.clone();
        }
        if input.cdc_start_position.is_some() {
            t.task.cdc_start_position = input.cdc_start_position.clone();
        }
        t.task.status = "modifying".to_string();
        let back = settled(t);
        t.next.set([(transition(), Step::to(back))]);
        Ok(t.task.clone())
    }

    pub(super) fn task_move(&self, arn: &str, target_instance_arn: &str) -> Result<ReplicationTask, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "move_replication_task", format!("{arn} {target_instance_arn}"))?;
        self.check_instance_usable(&mut st, target_instance_arn)?;
        let t = Self::task_mut(&mut st, arn)?;
        check("MoveReplicationTask", t)?;
        if t.task.replication_instance_arn == target_instance_arn {
            return Err(invalid_parameter(
                "The target replication instance is the task's current replication instance",
            ));
        }
        t.task.status = "moving".to_string();
        let back = Step { instance_arn: Some(target_instance_arn.to_string()), ..Step::to(settled(t)) };
        t.next.set([(transition(), back)]);
        Ok(t.task.clone())
    }

    pub(super) fn task_start(&self, arn: &str, start_type: StartType) -> Result<ReplicationTask, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "start_replication_task", format!("{arn} {}", start_type.as_str()))?;
        let skip_running = st.full_load_skips_running;
        let task = Self::task_mut(&mut st, arn)?.task.clone();
        // First, as the emulator's outermost check (dms_endpoint_retest.py).
        Self::check_no_test_running(&st, &task)?;
        let t = Self::task_mut(&mut st, arn)?;
        check(&format!("StartReplicationTask:{}", start_type.as_str()), t)?;
        let instance_arn = t.task.replication_instance_arn.clone();
        self.check_instance_usable(&mut st, &instance_arn)?;
        let t = Self::task_mut(&mut st, arn)?;
        let rules = &rules().replication_task;
        let (step, full_load) = (transition(), rules.seconds("full_load"));
        let finished = || Step::stopped(rules.stop_reason("full_load_finished"));
        t.task.status = "starting".to_string();
        t.task.stop_reason = None;
        t.task.last_failure_message = None;
        t.ever_started = true;
        let started = format!("Task '{}' starting ({})", t.task.id, start_type.as_str());
        let line = Pending::new(t.task.settings.as_deref(), "TASK_MANAGER", 'I', &started);
        st.task_log.push(line);
        let t = Self::task_mut(&mut st, arn)?;
        if let Some(msg) = t.fail_on_start.take() {
            t.next.set([(step, Step::failed(&msg))]);
        } else if t.task.migration_type == "full-load" {
            if skip_running {
                t.next.set([(step + full_load, finished())]);
            } else {
                t.next.set([(step, Step::to("running")), (full_load, finished())]);
            }
        } else {
            t.next.set([(step, Step::to("running"))]);
        }
        Ok(t.task.clone())
    }

    pub(super) fn task_stop(&self, arn: &str) -> Result<ReplicationTask, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "stop_replication_task", arn)?;
        let t = Self::task_mut(&mut st, arn)?;
        check("StopReplicationTask", t)?;
        t.task.status = "stopping".to_string();
        let normal = rules().replication_task.stop_reason("normal");
        t.next.set([(transition(), Step::stopped(normal))]);
        Ok(t.task.clone())
    }

    pub(super) fn task_delete(&self, arn: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "delete_replication_task", arn)?;
        let t = Self::task_mut(&mut st, arn)?;
        check("DeleteReplicationTask", t)?;
        t.task.status = "deleting".to_string();
        t.next.set([(transition(), Step::gone())]);
        Ok(())
    }

    pub(super) fn tasks_list_using(&self, by: &TasksUsing) -> Result<Vec<ReplicationTask>, AwsError> {
        let mut st = self.lock();
        let arg = match by {
            TasksUsing::Instance(a) => format!("replication-instance-arn={a}"),
            TasksUsing::Endpoint(a) => format!("endpoint-arn={a}"),
        };
        self.begin(&mut st, "list_replication_tasks_using", arg)?;
        let arns = Self::tasks_using(&st, by);
        Ok(arns.iter().filter_map(|arn| Self::advance(&mut st, arn)).collect())
    }
}
