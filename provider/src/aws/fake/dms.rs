//! `FakeDms`: an in-memory DMS with the real replication-task state machine.
//!
//! Time does not pass in the fake; instead every describe of a task (`find_replication_task_by_*`)
//! advances that task by one step before answering, so waits finish after a few polls without
//! sleeping. An action answers with the transitional state (`starting`, `stopping`, `modifying`,
//! `moving`, `deleting`); the next describes walk to the settled state:
//!
//! | action | answer | describe 1 | describe 2 |
//! |---|---|---|---|
//! | create | `creating` | `ready` | |
//! | start (cdc, full-load-and-cdc) | `starting` | `running` | |
//! | start (full-load) | `starting` | `running` | `stopped` (`FULL_LOAD_ONLY_FINISHED`) |
//! | stop | `stopping` | `stopped` (`NORMAL`) | |
//! | modify / move | `modifying` / `moving` | previous settled state | |
//! | delete | `deleting` | gone | |
//!
//! AWS's ordering rules are enforced with `InvalidResourceStateFault`: modify/move only when not
//! running, `start-replication` only from `ready` (else `resume-processing`), stop only when
//! running, delete refused while running. Failures can be injected per operation with
//! [`FakeDms::fail_next`]; [`FakeDms::calls`] lists the operations made.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use serde_json::{Map, Value as Json, json};

use crate::aws::dms::{
    CreateTaskInput, DmsApi, Endpoint, ModifyTaskInput, ReplicationInstance, ReplicationTask, StartType, Tags,
};
use crate::aws::error::{AwsError, ErrorKind};

/// Operation names accepted by [`FakeDms::fail_next`] (the `DmsApi` method names).
pub const OPS: &[&str] = &[
    "create_replication_task",
    "find_replication_task_by_arn",
    "find_replication_task_by_id",
    "modify_replication_task",
    "move_replication_task",
    "start_replication_task",
    "stop_replication_task",
    "delete_replication_task",
    "list_tags",
    "add_tags",
    "remove_tags",
    "describe_replication_instance_by_arn",
    "find_endpoint_by_arn",
];

/// One pending transition of a task, applied by a describe.
#[derive(Clone, Debug, PartialEq)]
struct Step {
    status: String,
    stop_reason: Option<String>,
    failure: Option<String>,
    /// The task is gone after this step (deletes).
    remove: bool,
}

impl Step {
    fn to(status: &str) -> Step {
        Step { status: status.to_string(), stop_reason: None, failure: None, remove: false }
    }
    fn stopped(reason: &str) -> Step {
        Step { stop_reason: Some(reason.to_string()), ..Step::to("stopped") }
    }
    fn failed(message: &str) -> Step {
        Step { failure: Some(message.to_string()), stop_reason: Some("FATAL_ERROR".to_string()), ..Step::to("failed") }
    }
    fn gone() -> Step {
        Step { remove: true, ..Step::to("deleting") }
    }
}

#[derive(Clone, Debug)]
struct FakeTask {
    task: ReplicationTask,
    /// The resource id in the ARN (used for the CloudWatch stream name).
    resource_id: String,
    next: VecDeque<Step>,
    held: bool,
    fail_on_start: Option<String>,
}

#[derive(Default)]
struct State {
    tasks: BTreeMap<String, FakeTask>,
    instances: BTreeMap<String, ReplicationInstance>,
    endpoints: BTreeMap<String, Endpoint>,
    tags: BTreeMap<String, Tags>,
    failures: HashMap<String, VecDeque<AwsError>>,
    calls: Vec<(String, String)>,
    counter: u64,
    require_known_arns: bool,
    full_load_skips_running: bool,
}

/// See the module documentation.
pub struct FakeDms {
    region: String,
    account: String,
    state: Mutex<State>,
}

impl Default for FakeDms {
    fn default() -> FakeDms {
        FakeDms::new()
    }
}

fn invalid_state(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorKind::InvalidState, "InvalidResourceStateFault", message)
}

fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorKind::NotFound, "ResourceNotFoundFault", message)
}

fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorKind::Other, "InvalidParameterValueException", message)
}

fn invalid_combination(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorKind::Other, "InvalidParameterCombinationException", message)
}

impl FakeDms {
    pub fn new() -> FakeDms {
        FakeDms::in_region("us-east-1", "123456789012")
    }

    pub fn in_region(region: &str, account: &str) -> FakeDms {
        FakeDms { region: region.to_string(), account: account.to_string(), state: Mutex::new(State::default()) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn arn(&self, kind: &str, resource_id: &str) -> String {
        format!("arn:aws:dms:{}:{}:{kind}:{resource_id}", self.region, self.account)
    }

    // ---- test controls -------------------------------------------------------------------

    /// The next call of `op` (a `DmsApi` method name, see [`OPS`]) fails with `err`. Several calls
    /// queue up in order.
    pub fn fail_next(&self, op: &str, err: AwsError) {
        assert!(OPS.contains(&op), "FakeDms::fail_next: unknown operation {op:?}; use one of {OPS:?}");
        self.lock().failures.entry(op.to_string()).or_default().push_back(err);
    }

    /// Operation names in call order, e.g. `["create_replication_task", "find_replication_task_by_arn"]`.
    pub fn calls(&self) -> Vec<String> {
        self.lock().calls.iter().map(|(op, _)| op.clone()).collect()
    }

    /// Calls with their main argument: `start_replication_task arn:…:task:… start-replication`.
    pub fn call_log(&self) -> Vec<String> {
        self.lock()
            .calls
            .iter()
            .map(|(op, arg)| if arg.is_empty() { op.clone() } else { format!("{op} {arg}") })
            .collect()
    }

    pub fn clear_calls(&self) {
        self.lock().calls.clear();
    }

    /// Creates, moves and the endpoint/instance lookups then reject ARNs not registered with
    /// [`FakeDms::add_replication_instance`] / [`FakeDms::add_endpoint`] (as AWS does).
    pub fn require_known_arns(&self, on: bool) {
        self.lock().require_known_arns = on;
    }

    /// A full-load task goes `starting` → `stopped` without `running` ever being seen (#43466).
    pub fn full_load_skips_running(&self, on: bool) {
        self.lock().full_load_skips_running = on;
    }

    pub fn add_replication_instance(&self, id: &str) -> ReplicationInstance {
        let mut st = self.lock();
        st.counter += 1;
        let rid = format!("REP{:023}", st.counter);
        let inst = ReplicationInstance {
            arn: self.arn("rep", &rid),
            id: id.to_string(),
            status: "available".to_string(),
            class: "dms.t3.medium".to_string(),
            engine_version: Some("3.5.3".to_string()),
        };
        st.instances.insert(inst.arn.clone(), inst.clone());
        inst
    }

    /// `endpoint_type` is `source` or `target`.
    pub fn add_endpoint(&self, id: &str, endpoint_type: &str, engine_name: &str) -> Endpoint {
        let mut st = self.lock();
        st.counter += 1;
        let rid = format!("EP{:024}", st.counter);
        let ep = Endpoint {
            arn: self.arn("endpoint", &rid),
            id: id.to_string(),
            status: "active".to_string(),
            endpoint_type: endpoint_type.to_string(),
            engine_name: engine_name.to_string(),
        };
        st.endpoints.insert(ep.arn.clone(), ep.clone());
        ep
    }

    /// The task as stored, without advancing it.
    pub fn task(&self, arn: &str) -> Option<ReplicationTask> {
        self.lock().tasks.get(arn).map(|t| t.task.clone())
    }

    pub fn task_count(&self) -> usize {
        self.lock().tasks.len()
    }

    /// Puts a task into `status` at once and drops its pending transitions.
    pub fn set_task_status(&self, arn: &str, status: &str) {
        if let Some(t) = self.lock().tasks.get_mut(arn) {
            t.task.status = status.to_string();
            t.next.clear();
        }
    }

    /// Replaces a task's pending transitions: each later describe applies the next status.
    pub fn script(&self, arn: &str, statuses: &[&str]) {
        if let Some(t) = self.lock().tasks.get_mut(arn) {
            t.next = statuses.iter().map(|s| Step::to(s)).collect();
        }
    }

    /// While held, describes do not advance the task (to exercise timeouts).
    pub fn hold(&self, arn: &str, held: bool) {
        if let Some(t) = self.lock().tasks.get_mut(arn) {
            t.held = held;
        }
    }

    /// The next start of this task goes `starting` → `failed` with this `LastFailureMessage`.
    pub fn fail_on_start(&self, arn: &str, message: &str) {
        if let Some(t) = self.lock().tasks.get_mut(arn) {
            t.fail_on_start = Some(message.to_string());
        }
    }

    /// Removes a task behind the provider's back (the `_disappears` case).
    pub fn remove_task(&self, arn: &str) {
        let mut st = self.lock();
        st.tasks.remove(arn);
        st.tags.remove(arn);
    }

    pub fn tags_of(&self, arn: &str) -> Tags {
        self.lock().tags.get(arn).cloned().unwrap_or_default()
    }

    // ---- internals -------------------------------------------------------------------------

    /// Records the call and pops an injected failure, if any.
    fn begin(&self, st: &mut State, op: &str, arg: impl Into<String>) -> Result<(), AwsError> {
        st.calls.push((op.to_string(), arg.into()));
        match st.failures.get_mut(op).and_then(VecDeque::pop_front) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn check_instance(st: &State, arn: &str) -> Result<(), AwsError> {
        if st.require_known_arns && !st.instances.contains_key(arn) {
            return Err(not_found(format!("Replication instance {arn} not found")));
        }
        Ok(())
    }

    fn check_endpoint(st: &State, arn: &str, want_type: &str) -> Result<(), AwsError> {
        if !st.require_known_arns {
            return Ok(());
        }
        match st.endpoints.get(arn) {
            None => Err(not_found(format!("Endpoint {arn} not found"))),
            Some(e) if !e.endpoint_type.eq_ignore_ascii_case(want_type) => Err(invalid_parameter(format!(
                "Endpoint {arn} is a {} endpoint, not a {want_type} endpoint",
                e.endpoint_type
            ))),
            Some(_) => Ok(()),
        }
    }

    fn instance_id(st: &State, arn: &str) -> String {
        st.instances
            .get(arn)
            .map_or_else(|| arn.rsplit(':').next().unwrap_or_default().to_lowercase(), |i| i.id.clone())
    }

    /// Advances one step, returning the task or `None` when it is gone.
    fn advance(st: &mut State, arn: &str) -> Option<ReplicationTask> {
        let t = st.tasks.get_mut(arn)?;
        if !t.held
            && let Some(step) = t.next.pop_front()
        {
            if step.remove {
                st.tasks.remove(arn);
                st.tags.remove(arn);
                return None;
            }
            t.task.status = step.status;
            if step.stop_reason.is_some() {
                t.task.stop_reason = step.stop_reason;
            }
            if step.failure.is_some() {
                t.task.last_failure_message = step.failure;
            }
        }
        Some(t.task.clone())
    }

    fn task_mut<'a>(st: &'a mut State, arn: &str) -> Result<&'a mut FakeTask, AwsError> {
        st.tasks.get_mut(arn).ok_or_else(|| not_found(format!("Replication task {arn} not found")))
    }
}

/// DMS's defaults merged with what the user sent, as `DescribeReplicationTasks` returns them.
fn merged_settings(
    user: Option<&str>,
    instance_id: &str,
    resource_id: &str,
    creating: bool,
) -> Result<String, AwsError> {
    let mut doc = default_settings();
    if let Some(text) = user {
        let user: Json = serde_json::from_str(text)
            .map_err(|e| invalid_parameter(format!("Invalid ReplicationTaskSettings: not a JSON document ({e})")))?;
        let Json::Object(user) = user else {
            return Err(invalid_parameter("Invalid ReplicationTaskSettings: the document must be a JSON object"));
        };
        if let Some(logging) = user.get("Logging").and_then(Json::as_object) {
            let set = |k: &str| logging.get(k).is_some_and(|v| !v.is_null());
            if creating && (set("CloudWatchLogGroup") || set("CloudWatchLogStream")) {
                return Err(invalid_parameter(
                    "Logging.CloudWatchLogGroup and Logging.CloudWatchLogStream are read-only task settings",
                ));
            }
        }
        merge_into(&mut doc, &Json::Object(user));
    }
    let logging_on = doc.pointer("/Logging/EnableLogging").and_then(Json::as_bool).unwrap_or(false);
    let context_on = doc.pointer("/Logging/EnableLogContext").and_then(Json::as_bool).unwrap_or(false);
    if context_on && !logging_on {
        return Err(invalid_combination("Logging.EnableLogContext requires Logging.EnableLogging to be true"));
    }
    if let Some(Json::Object(logging)) = doc.get_mut("Logging") {
        if logging_on {
            logging.insert("CloudWatchLogGroup".into(), json!(format!("dms-tasks-{instance_id}")));
            logging.insert("CloudWatchLogStream".into(), json!(format!("dms-task-{resource_id}")));
        } else {
            logging.insert("CloudWatchLogGroup".into(), Json::Null);
            logging.insert("CloudWatchLogStream".into(), Json::Null);
        }
    }
    serde_json::to_string(&doc).map_err(|e| invalid_parameter(format!("settings: {e}")))
}

/// Objects merge key by key; `Logging.LogComponents` merges by `Id`; anything else is replaced.
fn merge_into(base: &mut Json, user: &Json) {
    match (base, user) {
        (Json::Object(b), Json::Object(u)) => {
            for (k, uv) in u {
                if k == "LogComponents"
                    && let (Some(Json::Array(bl)), Json::Array(ul)) = (b.get_mut(k), uv)
                {
                    for comp in ul {
                        let id = comp.get("Id").and_then(Json::as_str);
                        match bl.iter_mut().find(|c| c.get("Id").and_then(Json::as_str) == id && id.is_some()) {
                            Some(existing) => merge_into(existing, comp),
                            None => bl.push(comp.clone()),
                        }
                    }
                    continue;
                }
                match b.get_mut(k) {
                    Some(bv) if bv.is_object() && uv.is_object() => merge_into(bv, uv),
                    _ => {
                        b.insert(k.clone(), uv.clone());
                    }
                }
            }
        }
        (b, u) => *b = u.clone(),
    }
}

fn default_settings() -> Json {
    let components: Vec<Json> = [
        "TRANSFORMATION",
        "SOURCE_UNLOAD",
        "IO",
        "TARGET_LOAD",
        "PERFORMANCE",
        "SOURCE_CAPTURE",
        "SORTER",
        "REST_SERVER",
        "VALIDATOR_EXT",
        "TARGET_APPLY",
        "TASK_MANAGER",
        "TABLES_MANAGER",
        "METADATA_MANAGER",
        "FILE_FACTORY",
        "COMMON",
        "ADDONS",
        "DATA_STRUCTURE",
        "COMMUNICATION",
        "FILE_TRANSFER",
    ]
    .iter()
    .map(|id| json!({"Id": id, "Severity": "LOGGER_SEVERITY_DEFAULT"}))
    .collect();
    json!({
        "TargetMetadata": {
            "TargetSchema": "", "SupportLobs": true, "FullLobMode": false, "LobChunkSize": 0,
            "LimitedSizeLobMode": true, "LobMaxSize": 32, "InlineLobMaxSize": 0, "LoadMaxFileSize": 0,
            "ParallelLoadThreads": 0, "ParallelLoadBufferSize": 0, "BatchApplyEnabled": false,
            "TaskRecoveryTableEnabled": false, "ParallelLoadQueuesPerThread": 0,
            "ParallelApplyThreads": 0, "ParallelApplyBufferSize": 0, "ParallelApplyQueuesPerThread": 0
        },
        "FullLoadSettings": {
            "CreatePkAfterFullLoad": false, "StopTaskCachedChangesApplied": false,
            "StopTaskCachedChangesNotApplied": false, "MaxFullLoadSubTasks": 8,
            "TransactionConsistencyTimeout": 600, "CommitRate": 10000,
            "TargetTablePrepMode": "DROP_AND_CREATE"
        },
        "Logging": {
            "EnableLogging": false, "EnableLogContext": false, "LogComponents": components,
            "CloudWatchLogGroup": null, "CloudWatchLogStream": null
        },
        "ControlTablesSettings": {
            "ControlSchema": "", "HistoryTimeslotInMinutes": 5, "HistoryTableEnabled": false,
            "SuspendedTablesTableEnabled": false, "StatusTableEnabled": false,
            "FullLoadExceptionTableEnabled": false
        },
        "StreamBufferSettings": { "StreamBufferCount": 3, "StreamBufferSizeInMB": 8, "CtrlStreamBufferSizeInMB": 5 },
        "ChangeProcessingDdlHandlingPolicy": {
            "HandleSourceTableDropped": true, "HandleSourceTableTruncated": true, "HandleSourceTableAltered": true
        },
        "ErrorBehavior": {
            "DataErrorPolicy": "LOG_ERROR", "DataTruncationErrorPolicy": "LOG_ERROR",
            "DataErrorEscalationPolicy": "SUSPEND_TABLE", "DataErrorEscalationCount": 0,
            "TableErrorPolicy": "SUSPEND_TABLE", "TableErrorEscalationPolicy": "STOP_TASK",
            "TableErrorEscalationCount": 0, "RecoverableErrorCount": -1, "RecoverableErrorInterval": 5,
            "RecoverableErrorThrottling": true, "RecoverableErrorThrottlingMax": 1800,
            "RecoverableErrorStopRetryAfterThrottlingMax": true, "ApplyErrorDeletePolicy": "IGNORE_RECORD",
            "ApplyErrorInsertPolicy": "LOG_ERROR", "ApplyErrorUpdatePolicy": "LOG_ERROR",
            "ApplyErrorEscalationPolicy": "LOG_ERROR", "ApplyErrorEscalationCount": 0,
            "ApplyErrorFailOnTruncationDdl": false, "FullLoadIgnoreConflicts": true,
            "FailOnTransactionConsistencyBreached": false, "FailOnNoTablesCaptured": true
        },
        "ChangeProcessingTuning": {
            "BatchApplyPreserveTransaction": true, "BatchApplyTimeoutMin": 1, "BatchApplyTimeoutMax": 30,
            "BatchApplyMemoryLimit": 500, "BatchSplitSize": 0, "MinTransactionSize": 1000,
            "CommitTimeout": 1, "MemoryLimitTotal": 1024, "MemoryKeepTime": 60, "StatementCacheSize": 50
        },
        "ValidationSettings": {
            "EnableValidation": false, "ValidationMode": "ROW_LEVEL", "ThreadCount": 5,
            "FailureMaxCount": 10000, "TableFailureMaxCount": 1000, "HandleCollationDiff": false,
            "ValidationOnly": false, "RecordFailureDelayLimitInMinutes": 0, "SkipLobColumns": false,
            "ValidationPartialLobSize": 0, "ValidationQueryCdcDelaySeconds": 0
        },
        "PostProcessingRules": null,
        "CharacterSetSettings": null,
        "LoopbackPreventionSettings": null,
        "BeforeImageSettings": null,
        "FailTaskWhenCleanTaskResourceFailed": false
    })
}

fn check_json(what: &str, text: &str) -> Result<(), AwsError> {
    serde_json::from_str::<Map<String, Json>>(text)
        .map(|_| ())
        .map_err(|e| invalid_parameter(format!("Invalid {what}: not a JSON object ({e})")))
}

const MIGRATION_TYPES: &[&str] = &["full-load", "cdc", "full-load-and-cdc"];

#[async_trait]
impl DmsApi for FakeDms {
    async fn create_replication_task(&self, input: CreateTaskInput) -> Result<ReplicationTask, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "create_replication_task", &input.id)?;
        if st.tasks.values().any(|t| t.task.id.eq_ignore_ascii_case(&input.id)) {
            return Err(AwsError::new(
                ErrorKind::AlreadyExists,
                "ResourceAlreadyExistsFault",
                format!("ReplicationTask {} already exists", input.id),
            ));
        }
        if !MIGRATION_TYPES.contains(&input.migration_type.as_str()) {
            return Err(invalid_parameter(format!("Invalid MigrationType {:?}", input.migration_type)));
        }
        if input.cdc_start_time.is_some() && input.cdc_start_position.is_some() {
            return Err(invalid_combination("CdcStartTime and CdcStartPosition cannot both be specified"));
        }
        check_json("TableMappings", &input.table_mappings)?;
        Self::check_instance(&st, &input.replication_instance_arn)?;
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
        };
        st.tasks.insert(
            arn.clone(),
            FakeTask {
                task: task.clone(),
                resource_id,
                next: VecDeque::from([Step::to("ready")]),
                held: false,
                fail_on_start: None,
            },
        );
        st.tags.insert(arn, input.tags.clone());
        Ok(task)
    }

    async fn find_replication_task_by_arn(&self, arn: &str) -> Result<Option<ReplicationTask>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_replication_task_by_arn", arn)?;
        Ok(Self::advance(&mut st, arn))
    }

    async fn find_replication_task_by_id(&self, id: &str) -> Result<Option<ReplicationTask>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_replication_task_by_id", id)?;
        let arn = st.tasks.values().find(|t| t.task.id.eq_ignore_ascii_case(id)).map(|t| t.task.arn.clone());
        Ok(arn.and_then(|arn| Self::advance(&mut st, &arn)))
    }

    async fn modify_replication_task(&self, input: ModifyTaskInput) -> Result<ReplicationTask, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "modify_replication_task", &input.arn)?;
        let instance_arn = Self::task_mut(&mut st, &input.arn)?.task.replication_instance_arn.clone();
        let instance_id = Self::instance_id(&st, &instance_arn);
        let t = Self::task_mut(&mut st, &input.arn)?;
        let status = t.task.status.clone();
        match status.as_str() {
            "ready" | "stopped" | "failed" => {}
            "running" | "starting" => {
                return Err(invalid_state(
                    "Replication Task, excluding logging severity task settings, cannot be modified while it is running state",
                ));
            }
            other => {
                return Err(invalid_state(format!(
                    "Replication task is in an invalid state ({other}) for modification"
                )));
            }
        }
        if let Some(mt) = &input.migration_type
            && mt != &t.task.migration_type
        {
            return Err(invalid_combination("Changing the migration type of a replication task is not supported"));
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
            merge_into(&mut stored, &user);
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
        t.next = VecDeque::from([Step::to(&status)]);
        Ok(t.task.clone())
    }

    async fn move_replication_task(&self, arn: &str, target_instance_arn: &str) -> Result<ReplicationTask, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "move_replication_task", format!("{arn} {target_instance_arn}"))?;
        Self::check_instance(&st, target_instance_arn)?;
        let t = Self::task_mut(&mut st, arn)?;
        let status = t.task.status.clone();
        if !matches!(status.as_str(), "ready" | "stopped" | "failed" | "failed-move") {
            return Err(invalid_state(format!("Replication task cannot be moved while it is in the {status} state")));
        }
        if t.task.replication_instance_arn == target_instance_arn {
            return Err(invalid_parameter("The target replication instance is the task's current instance"));
        }
        t.task.replication_instance_arn = target_instance_arn.to_string();
        t.task.status = "moving".to_string();
        let back = if status == "failed-move" { "stopped".to_string() } else { status };
        t.next = VecDeque::from([Step::to(&back)]);
        Ok(t.task.clone())
    }

    async fn start_replication_task(&self, arn: &str, start_type: StartType) -> Result<ReplicationTask, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "start_replication_task", format!("{arn} {}", start_type.as_str()))?;
        let skip_running = st.full_load_skips_running;
        let t = Self::task_mut(&mut st, arn)?;
        let status = t.task.status.clone();
        match (start_type, status.as_str()) {
            (StartType::StartReplication, "ready") => {}
            (StartType::StartReplication, "stopped" | "failed") => {
                return Err(invalid_state(
                    "Start Type : START_REPLICATION, valid only for tasks running for the first time",
                ));
            }
            (StartType::ResumeProcessing | StartType::ReloadTarget, "ready" | "stopped" | "failed") => {}
            (_, other) => {
                return Err(invalid_state(format!("Replication task is in the {other} state and cannot be started")));
            }
        }
        t.task.status = "starting".to_string();
        t.task.stop_reason = None;
        t.task.last_failure_message = None;
        t.next = if let Some(msg) = t.fail_on_start.take() {
            VecDeque::from([Step::failed(&msg)])
        } else if t.task.migration_type == "full-load" {
            if skip_running {
                VecDeque::from([Step::stopped("FULL_LOAD_ONLY_FINISHED")])
            } else {
                VecDeque::from([Step::to("running"), Step::stopped("FULL_LOAD_ONLY_FINISHED")])
            }
        } else {
            VecDeque::from([Step::to("running")])
        };
        Ok(t.task.clone())
    }

    async fn stop_replication_task(&self, arn: &str) -> Result<ReplicationTask, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "stop_replication_task", arn)?;
        let t = Self::task_mut(&mut st, arn)?;
        if t.task.status != "running" {
            return Err(invalid_state(format!(
                "Replication task {} is currently not running (status: {})",
                t.task.id, t.task.status
            )));
        }
        t.task.status = "stopping".to_string();
        t.next = VecDeque::from([Step::stopped("NORMAL")]);
        Ok(t.task.clone())
    }

    async fn delete_replication_task(&self, arn: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "delete_replication_task", arn)?;
        let t = Self::task_mut(&mut st, arn)?;
        match t.task.status.as_str() {
            "running" | "starting" | "stopping" | "modifying" | "moving" | "deleting" => Err(invalid_state(format!(
                "Replication task {} is in the {} state and cannot be deleted",
                t.task.id, t.task.status
            ))),
            _ => {
                t.task.status = "deleting".to_string();
                t.next = VecDeque::from([Step::gone()]);
                Ok(())
            }
        }
    }

    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "list_tags", arn)?;
        st.tags.get(arn).cloned().ok_or_else(|| not_found(format!("Resource {arn} not found")))
    }

    async fn add_tags(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "add_tags", arn)?;
        let existing = st.tags.get_mut(arn).ok_or_else(|| not_found(format!("Resource {arn} not found")))?;
        existing.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(())
    }

    async fn remove_tags(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "remove_tags", arn)?;
        let existing = st.tags.get_mut(arn).ok_or_else(|| not_found(format!("Resource {arn} not found")))?;
        for k in keys {
            existing.remove(k);
        }
        Ok(())
    }

    async fn describe_replication_instance_by_arn(&self, arn: &str) -> Result<Option<ReplicationInstance>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "describe_replication_instance_by_arn", arn)?;
        Ok(st.instances.get(arn).cloned())
    }

    async fn find_endpoint_by_arn(&self, arn: &str) -> Result<Option<Endpoint>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_endpoint_by_arn", arn)?;
        Ok(st.endpoints.get(arn).cloned())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn input(id: &str, migration_type: &str) -> CreateTaskInput {
        CreateTaskInput {
            id: id.to_string(),
            source_endpoint_arn: "arn:aws:dms:us-east-1:123456789012:endpoint:SRC".to_string(),
            target_endpoint_arn: "arn:aws:dms:us-east-1:123456789012:endpoint:TGT".to_string(),
            replication_instance_arn: "arn:aws:dms:us-east-1:123456789012:rep:RI".to_string(),
            migration_type: migration_type.to_string(),
            table_mappings: r#"{"rules":[]}"#.to_string(),
            settings: None,
            cdc_start_time: None,
            cdc_start_position: None,
            tags: Tags::from([("env".to_string(), "test".to_string())]),
        }
    }

    async fn status(dms: &FakeDms, arn: &str) -> Option<String> {
        dms.find_replication_task_by_arn(arn).await.unwrap().map(|t| t.status)
    }

    async fn ready_task(dms: &FakeDms, migration_type: &str) -> String {
        let t = dms.create_replication_task(input("my-task", migration_type)).await.unwrap();
        assert_eq!(status(dms, &t.arn).await.as_deref(), Some("ready"));
        t.arn
    }

    #[tokio::test]
    async fn fake_task_creates_then_becomes_ready_on_describe() {
        let dms = FakeDms::new();
        let t = dms.create_replication_task(input("my-task", "cdc")).await.unwrap();
        assert_eq!(t.status, "creating");
        assert!(t.arn.starts_with("arn:aws:dms:us-east-1:123456789012:task:"));
        assert_ne!(t.arn.rsplit(':').next(), Some("my-task"));
        assert_eq!(status(&dms, &t.arn).await.as_deref(), Some("ready"));
        assert_eq!(status(&dms, &t.arn).await.as_deref(), Some("ready"));
        let by_id = dms.find_replication_task_by_id("my-task").await.unwrap().unwrap();
        assert_eq!(by_id.arn, t.arn);
        assert_eq!(dms.find_replication_task_by_id("other").await.unwrap(), None);
        let again = dms.create_replication_task(input("my-task", "cdc")).await.unwrap_err();
        assert_eq!(again.kind, ErrorKind::AlreadyExists);
    }

    #[tokio::test]
    async fn fake_task_start_runs_and_stop_stops() {
        let dms = FakeDms::new();
        let arn = ready_task(&dms, "full-load-and-cdc").await;
        let t = dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
        assert_eq!(t.status, "starting");
        assert_eq!(status(&dms, &arn).await.as_deref(), Some("running"));
        assert_eq!(status(&dms, &arn).await.as_deref(), Some("running"));
        let t = dms.stop_replication_task(&arn).await.unwrap();
        assert_eq!(t.status, "stopping");
        let t = dms.find_replication_task_by_arn(&arn).await.unwrap().unwrap();
        assert_eq!((t.status.as_str(), t.stop_reason.as_deref()), ("stopped", Some("NORMAL")));
        // Stop again: not running.
        let e = dms.stop_replication_task(&arn).await.unwrap_err();
        assert_eq!(e.code, "InvalidResourceStateFault");
        assert!(e.message.contains("not running"), "{e}");
    }

    #[tokio::test]
    async fn fake_task_start_replication_only_from_ready() {
        let dms = FakeDms::new();
        let arn = ready_task(&dms, "cdc").await;
        dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
        status(&dms, &arn).await;
        let e = dms.start_replication_task(&arn, StartType::ResumeProcessing).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidState, "running tasks cannot be started");
        dms.stop_replication_task(&arn).await.unwrap();
        status(&dms, &arn).await;
        let e = dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap_err();
        assert_eq!(e.code, "InvalidResourceStateFault");
        assert!(e.message.contains("START_REPLICATION"), "{e}");
        let t = dms.start_replication_task(&arn, StartType::ResumeProcessing).await.unwrap();
        assert_eq!(t.status, "starting");
        assert_eq!(status(&dms, &arn).await.as_deref(), Some("running"));
    }

    #[tokio::test]
    async fn fake_full_load_finishes_to_stopped() {
        let dms = FakeDms::new();
        let arn = ready_task(&dms, "full-load").await;
        dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
        assert_eq!(status(&dms, &arn).await.as_deref(), Some("running"));
        let t = dms.find_replication_task_by_arn(&arn).await.unwrap().unwrap();
        assert_eq!((t.status.as_str(), t.stop_reason.as_deref()), ("stopped", Some("FULL_LOAD_ONLY_FINISHED")));

        let dms = FakeDms::new();
        dms.full_load_skips_running(true);
        let arn = ready_task(&dms, "full-load").await;
        dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
        assert_eq!(status(&dms, &arn).await.as_deref(), Some("stopped"));
    }

    #[tokio::test]
    async fn fake_modify_refused_while_running_allowed_when_stopped() {
        let dms = FakeDms::new();
        let arn = ready_task(&dms, "cdc").await;
        dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
        status(&dms, &arn).await;
        let modify = ModifyTaskInput {
            arn: arn.clone(),
            migration_type: Some("cdc".into()),
            table_mappings: Some(r#"{"rules":[{"rule-id":"1"}]}"#.into()),
            ..ModifyTaskInput::default()
        };
        let e = dms.modify_replication_task(modify.clone()).await.unwrap_err();
        assert_eq!(e.code, "InvalidResourceStateFault");
        assert!(e.message.contains("cannot be modified while it is running"), "{e}");
        dms.stop_replication_task(&arn).await.unwrap();
        status(&dms, &arn).await;
        let t = dms.modify_replication_task(modify).await.unwrap();
        assert_eq!(t.status, "modifying");
        let t = dms.find_replication_task_by_arn(&arn).await.unwrap().unwrap();
        assert_eq!(t.status, "stopped");
        assert!(t.table_mappings.contains("rule-id"));

        let e = dms
            .modify_replication_task(ModifyTaskInput {
                arn: arn.clone(),
                migration_type: Some("full-load".into()),
                ..ModifyTaskInput::default()
            })
            .await
            .unwrap_err();
        assert_eq!(e.code, "InvalidParameterCombinationException");
    }

    #[tokio::test]
    async fn fake_move_changes_instance_and_returns_to_settled_state() {
        let dms = FakeDms::new();
        let arn = ready_task(&dms, "cdc").await;
        let t = dms.move_replication_task(&arn, "arn:aws:dms:us-east-1:123456789012:rep:OTHER").await.unwrap();
        assert_eq!(t.status, "moving");
        let t = dms.find_replication_task_by_arn(&arn).await.unwrap().unwrap();
        assert_eq!(t.status, "ready");
        assert!(t.replication_instance_arn.ends_with(":rep:OTHER"));
    }

    #[tokio::test]
    async fn fake_delete_refused_while_running_then_gone() {
        let dms = FakeDms::new();
        let arn = ready_task(&dms, "cdc").await;
        dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
        status(&dms, &arn).await;
        let e = dms.delete_replication_task(&arn).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidState);
        dms.stop_replication_task(&arn).await.unwrap();
        status(&dms, &arn).await;
        dms.delete_replication_task(&arn).await.unwrap();
        assert_eq!(dms.task(&arn).map(|t| t.status).as_deref(), Some("deleting"));
        assert_eq!(status(&dms, &arn).await, None);
        assert_eq!(dms.list_tags(&arn).await.unwrap_err().kind, ErrorKind::NotFound);
        assert_eq!(dms.delete_replication_task(&arn).await.unwrap_err().kind, ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn fake_injected_failures_and_call_log() {
        let dms = FakeDms::new();
        dms.fail_next("create_replication_task", AwsError::from_code("AccessDeniedFault", "no dms-vpc-role"));
        let e = dms.create_replication_task(input("t1", "cdc")).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        assert_eq!(dms.task_count(), 0);
        let t = dms.create_replication_task(input("t1", "cdc")).await.unwrap();
        dms.fail_next("find_replication_task_by_arn", AwsError::from_code("ThrottlingException", "slow"));
        assert_eq!(dms.find_replication_task_by_arn(&t.arn).await.unwrap_err().kind, ErrorKind::Throttled);
        assert_eq!(status(&dms, &t.arn).await.as_deref(), Some("ready"));
        assert_eq!(
            dms.calls(),
            vec![
                "create_replication_task",
                "create_replication_task",
                "find_replication_task_by_arn",
                "find_replication_task_by_arn"
            ]
        );
        assert_eq!(dms.call_log()[0], "create_replication_task t1");
    }

    #[tokio::test]
    async fn fake_tags_by_arn() {
        let dms = FakeDms::new();
        let arn = ready_task(&dms, "cdc").await;
        assert_eq!(dms.list_tags(&arn).await.unwrap().get("env").map(String::as_str), Some("test"));
        dms.add_tags(&arn, &Tags::from([("team".into(), "data".into()), ("env".into(), "prod".into())])).await.unwrap();
        dms.remove_tags(&arn, &["team".to_string()]).await.unwrap();
        assert_eq!(dms.tags_of(&arn), Tags::from([("env".to_string(), "prod".to_string())]));
        assert_eq!(dms.add_tags("arn:nope", &Tags::new()).await.unwrap_err().kind, ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn fake_settings_are_merged_with_defaults() {
        let dms = FakeDms::new();
        let mut i = input("s", "cdc");
        i.settings = Some(
            r#"{"Logging":{"EnableLogging":true,"LogComponents":[{"Id":"SOURCE_CAPTURE","Severity":"LOGGER_SEVERITY_DEBUG"}]}}"#
                .into(),
        );
        let t = dms.create_replication_task(i).await.unwrap();
        let doc: Json = serde_json::from_str(t.settings.as_deref().unwrap()).unwrap();
        assert_eq!(doc.pointer("/FullLoadSettings/TargetTablePrepMode"), Some(&json!("DROP_AND_CREATE")));
        let comps = doc.pointer("/Logging/LogComponents").and_then(Json::as_array).unwrap();
        let capture = comps.iter().find(|c| c["Id"] == "SOURCE_CAPTURE").unwrap();
        assert_eq!(capture["Severity"], "LOGGER_SEVERITY_DEBUG");
        assert_eq!(comps.iter().filter(|c| c["Id"] == "SOURCE_CAPTURE").count(), 1);
        assert!(doc.pointer("/Logging/CloudWatchLogGroup").and_then(Json::as_str).is_some());

        let mut bad = input("b", "cdc");
        bad.settings = Some(r#"{"Logging":{"CloudWatchLogGroup":"mine"}}"#.into());
        assert_eq!(dms.create_replication_task(bad).await.unwrap_err().code, "InvalidParameterValueException");
        let mut bad = input("c", "cdc");
        bad.settings = Some(r#"{"Logging":{"EnableLogContext":true}}"#.into());
        assert_eq!(dms.create_replication_task(bad).await.unwrap_err().code, "InvalidParameterCombinationException");
    }

    #[tokio::test]
    async fn fake_failures_scripts_and_holds() {
        let dms = FakeDms::new();
        let arn = ready_task(&dms, "cdc").await;
        dms.fail_on_start(&arn, "Error connecting to source");
        dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
        let t = dms.find_replication_task_by_arn(&arn).await.unwrap().unwrap();
        assert_eq!(t.status, "failed");
        assert_eq!(t.last_failure_message.as_deref(), Some("Error connecting to source"));

        dms.set_task_status(&arn, "ready");
        dms.hold(&arn, true);
        dms.start_replication_task(&arn, StartType::StartReplication).await.unwrap();
        assert_eq!(status(&dms, &arn).await.as_deref(), Some("starting"));
        dms.hold(&arn, false);
        dms.script(&arn, &["starting", "running"]);
        assert_eq!(status(&dms, &arn).await.as_deref(), Some("starting"));
        assert_eq!(status(&dms, &arn).await.as_deref(), Some("running"));
    }

    #[tokio::test]
    async fn fake_strict_mode_checks_instance_and_endpoints() {
        let dms = FakeDms::new();
        dms.require_known_arns(true);
        assert_eq!(dms.create_replication_task(input("t", "cdc")).await.unwrap_err().kind, ErrorKind::NotFound);
        let ri = dms.add_replication_instance("ri");
        let src = dms.add_endpoint("src", "source", "oracle");
        let tgt = dms.add_endpoint("tgt", "target", "postgres");
        let mut i = input("t", "cdc");
        i.replication_instance_arn = ri.arn.clone();
        i.source_endpoint_arn = tgt.arn.clone();
        i.target_endpoint_arn = src.arn.clone();
        assert_eq!(dms.create_replication_task(i.clone()).await.unwrap_err().code, "InvalidParameterValueException");
        i.source_endpoint_arn = src.arn.clone();
        i.target_endpoint_arn = tgt.arn.clone();
        dms.create_replication_task(i).await.unwrap();
        assert_eq!(dms.describe_replication_instance_by_arn(&ri.arn).await.unwrap(), Some(ri));
        assert_eq!(dms.find_endpoint_by_arn(&src.arn).await.unwrap().map(|e| e.endpoint_type), Some("source".into()));
        assert_eq!(dms.find_endpoint_by_arn("arn:nope").await.unwrap(), None);
    }

    #[tokio::test]
    async fn fake_task_reaches_ready_through_the_poller() {
        use crate::aws::wait::{Wait, WaitOptions, wait_for};
        use std::time::Duration;
        let dms = FakeDms::new();
        let t = dms.create_replication_task(input("w", "cdc")).await.unwrap();
        let spec = Wait::new("DMS replication task (w)", &["creating"], &["ready"]).options(WaitOptions {
            min_interval: Duration::from_millis(1),
            jitter: 0.0,
            ..WaitOptions::default()
        });
        let cancel = tokio_util::sync::CancellationToken::new();
        let got = wait_for(&spec, &cancel, || dms.find_replication_task_by_arn(&t.arn)).await.unwrap();
        assert_eq!(got.map(|t| t.status).as_deref(), Some("ready"));
    }
}
