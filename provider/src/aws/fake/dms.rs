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
//!
//! Replication instances, endpoints, subnet groups and connection tests follow the same idea:
//!
//! | object | action | answer | describes |
//! |---|---|---|---|
//! | instance | create | `creating` | [`FakeDms::set_instance_create_steps`], default `available` |
//! | instance | modify | `modifying` with `pending` values | `available`, values applied |
//! | instance / endpoint | delete | `deleting` | gone |
//! | endpoint | create / modify | `active` | |
//! | connection | test | `testing` | `successful` (or [`FakeDms::fail_connection`]) |
//!
//! Their rules: subnet group creates and modifies and instance creates answer `AccessDeniedFault` until a linked
//! [`super::FakeIam`] has a ready `dms-vpc-role` ([`FakeDms::link_iam`]); identifiers are
//! lower-cased (and a subnet group id with `_` can be created but not described, aws-cli#8373);
//! `ResourceAlreadyExistsFault` on duplicates; with a linked [`super::FakeEc2`] subnets must exist,
//! share a VPC and cover ≥ 2 AZs (`ReplicationSubnetGroupDoesNotCoverEnoughAZs`), security groups
//! must be in that VPC, and an instance puts a network interface into its first subnet that stays
//! behind `available` when the instance is gone (#7600). `InvalidResourceStateFault`: a subnet group
//! used by an instance, an instance or endpoint used by tasks (delete), an endpoint of a running
//! task (modify), an instance that is not `available` (modify). A modify without changes:
//! `InvalidParameterCombinationException`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use serde_json::{Map, Value as Json, json};

use super::{FakeEc2, FakeIam, GONE, Lifecycle};
use crate::aws::Secret;
use crate::aws::dms::{
    Connection, CreateEndpointInput, CreateReplicationInstanceInput, CreateTaskInput, DmsApi, Endpoint,
    ModifyEndpointInput, ModifyReplicationInstanceInput, ModifyTaskInput, PendingInstanceValues, ReplicationInstance,
    ReplicationSubnetGroup, ReplicationSubnetGroupInput, ReplicationTask, StartType, TableStats, Tags, TaskStats,
    TasksUsing, subnet_group_arn,
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
    "create_replication_subnet_group",
    "find_replication_subnet_group",
    "modify_replication_subnet_group",
    "delete_replication_subnet_group",
    "list_replication_subnet_groups",
    "create_replication_instance",
    "find_replication_instance",
    "modify_replication_instance",
    "delete_replication_instance",
    "list_replication_instances",
    "create_endpoint",
    "find_endpoint",
    "list_endpoints",
    "modify_endpoint",
    "delete_endpoint",
    "list_replication_tasks_using",
    "test_connection",
    "find_connection",
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

struct InstanceRec {
    inst: ReplicationInstance,
    life: Lifecycle,
    /// Network interfaces in the linked EC2 fake; left `available` when the instance is gone.
    enis: Vec<String>,
}

struct EndpointRec {
    ep: Endpoint,
    life: Lifecycle,
    password: Option<Secret>,
}

struct ConnectionRec {
    conn: Connection,
    life: Lifecycle,
}

#[derive(Default)]
struct State {
    tasks: BTreeMap<String, FakeTask>,
    /// By ARN.
    instances: BTreeMap<String, InstanceRec>,
    /// By ARN.
    endpoints: BTreeMap<String, EndpointRec>,
    /// By (lower-case) id.
    subnet_groups: BTreeMap<String, ReplicationSubnetGroup>,
    /// By (instance ARN, endpoint ARN).
    connections: BTreeMap<(String, String), ConnectionRec>,
    /// Endpoint ARN → the failure message its next connection test ends with.
    failing_connections: HashMap<String, String>,
    /// Task ARN → what `DescribeTableStatistics` answers.
    table_stats: BTreeMap<String, Vec<TableStats>>,
    instance_create_steps: Vec<String>,
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
    links: Mutex<Links>,
}

#[derive(Default, Clone)]
struct Links {
    iam: Option<Arc<FakeIam>>,
    ec2: Option<Arc<FakeEc2>>,
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
        FakeDms {
            region: region.to_string(),
            account: account.to_string(),
            state: Mutex::new(State { instance_create_steps: vec!["available".to_string()], ..State::default() }),
            links: Mutex::new(Links::default()),
        }
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

    /// An `available` instance made outside the provider (for task tests).
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
            allocated_storage: 50,
            auto_minor_version_upgrade: true,
            ..ReplicationInstance::default()
        };
        st.tags.insert(inst.arn.clone(), Tags::new());
        st.instances.insert(
            inst.arn.clone(),
            InstanceRec { inst: inst.clone(), life: Lifecycle::new("available", &[]), enis: Vec::new() },
        );
        inst
    }

    /// An `active` endpoint made outside the provider; `endpoint_type` is `source` or `target`.
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
            ..Endpoint::default()
        };
        st.tags.insert(ep.arn.clone(), Tags::new());
        st.endpoints.insert(
            ep.arn.clone(),
            EndpointRec { ep: ep.clone(), life: Lifecycle::new("active", &[]), password: None },
        );
        ep
    }

    /// Subnet group and instance creates then need `dms-vpc-role` in this IAM fake.
    pub fn link_iam(&self, iam: Arc<FakeIam>) {
        self.links.lock().unwrap_or_else(|p| p.into_inner()).iam = Some(iam);
    }

    /// Subnets and security groups are then checked against this EC2 fake, and instances put
    /// network interfaces into it.
    pub fn link_ec2(&self, ec2: Arc<FakeEc2>) {
        self.links.lock().unwrap_or_else(|p| p.into_inner()).ec2 = Some(ec2);
    }

    fn links(&self) -> Links {
        self.links.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The statuses a new instance goes through after `creating`, one per describe (default
    /// `["available"]`).
    pub fn set_instance_create_steps(&self, steps: &[&str]) {
        self.lock().instance_create_steps = steps.iter().map(|s| s.to_string()).collect();
    }

    /// Replaces an instance's or endpoint's pending transitions (by ARN).
    pub fn script_object(&self, arn: &str, statuses: &[&str]) {
        let mut st = self.lock();
        let next: VecDeque<String> = statuses.iter().map(|s| s.to_string()).collect();
        if let Some(r) = st.instances.get_mut(arn) {
            r.life.next = next;
        } else if let Some(r) = st.endpoints.get_mut(arn) {
            r.life.next = next;
        }
    }

    /// The next connection test of this endpoint ends `failed` with this message.
    pub fn fail_connection(&self, endpoint_arn: &str, message: &str) {
        self.lock().failing_connections.insert(endpoint_arn.to_string(), message.to_string());
    }

    /// The password an endpoint was last given (DMS never returns it; tests may look).
    pub fn endpoint_password(&self, arn: &str) -> Option<Secret> {
        self.lock().endpoints.get(arn).and_then(|r| r.password.clone())
    }

    /// The ARN tags of a subnet group go to in this fake.
    pub fn subnet_group_arn(&self, id: &str) -> String {
        subnet_group_arn("aws", &self.region, &self.account, &id.to_ascii_lowercase())
    }

    /// The instance as stored, without advancing it.
    pub fn replication_instance(&self, arn: &str) -> Option<ReplicationInstance> {
        self.lock().instances.get(arn).map(|r| ReplicationInstance { status: r.life.status.clone(), ..r.inst.clone() })
    }

    pub fn instance_count(&self) -> usize {
        self.lock().instances.len()
    }

    pub fn endpoint_count(&self) -> usize {
        self.lock().endpoints.len()
    }

    /// Removes an instance behind the provider's back (its interfaces stay, as DMS leaves them).
    pub fn remove_replication_instance(&self, arn: &str) {
        let rec = {
            let mut st = self.lock();
            st.tags.remove(arn);
            st.instances.remove(arn)
        };
        if let (Some(rec), Some(ec2)) = (rec, self.links().ec2) {
            for eni in rec.enis {
                ec2.set_network_interface_status(&eni, "available");
            }
        }
    }

    /// Removes an endpoint behind the provider's back.
    pub fn remove_endpoint(&self, arn: &str) {
        let mut st = self.lock();
        st.endpoints.remove(arn);
        st.tags.remove(arn);
    }

    /// ARNs of instances, endpoints, tasks and subnet groups tagged `key` = `value`.
    pub fn arns_tagged(&self, key: &str, value: &str) -> Vec<String> {
        self.lock()
            .tags
            .iter()
            .filter(|(_, t)| t.get(key).is_some_and(|v| v == value))
            .map(|(arn, _)| arn.clone())
            .collect()
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

    /// While held, describes do not advance the task, instance or endpoint with this ARN (to
    /// exercise timeouts).
    pub fn hold(&self, arn: &str, held: bool) {
        let mut st = self.lock();
        if let Some(t) = st.tasks.get_mut(arn) {
            t.held = held;
        } else if let Some(r) = st.instances.get_mut(arn) {
            r.life.held = held;
        } else if let Some(r) = st.endpoints.get_mut(arn) {
            r.life.held = held;
        }
    }

    /// The next start of this task goes `starting` → `failed` with this `LastFailureMessage`.
    pub fn fail_on_start(&self, arn: &str, message: &str) {
        if let Some(t) = self.lock().tasks.get_mut(arn) {
            t.fail_on_start = Some(message.to_string());
        }
    }

    /// What `DescribeTableStatistics` answers for this task from now on.
    pub fn set_table_stats(&self, arn: &str, tables: Vec<TableStats>) {
        self.lock().table_stats.insert(arn.to_string(), tables);
    }

    /// The task's `ReplicationTaskStats` from now on.
    pub fn set_task_stats(&self, arn: &str, stats: TaskStats) {
        if let Some(t) = self.lock().tasks.get_mut(arn) {
            t.task.stats = Some(stats);
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
        match st.endpoints.get(arn).map(|r| &r.ep) {
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
            .map_or_else(|| arn.rsplit(':').next().unwrap_or_default().to_lowercase(), |i| i.inst.id.clone())
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

fn already_exists(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorKind::AlreadyExists, "ResourceAlreadyExistsFault", message)
}

/// Letters, digits, hyphens; starts with a letter; no `--`, no trailing `-`.
fn valid_dms_identifier(id: &str, max: usize) -> bool {
    !id.is_empty()
        && id.len() <= max
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !id.contains("--")
        && !id.ends_with('-')
}

fn version_major(v: &str) -> &str {
    v.split('.').next().unwrap_or(v)
}

const KNOWN_ENGINES: &[&str] = &[
    "oracle",
    "postgres",
    "mysql",
    "mariadb",
    "aurora",
    "aurora-postgresql",
    "sqlserver",
    "db2",
    "sybase",
    "s3",
    "redshift",
    "dynamodb",
    "kinesis",
    "kafka",
    "mongodb",
    "docdb",
    "opensearch",
    "elasticsearch",
    "neptune",
    "redis",
    "babelfish",
];

/// Engines whose endpoints need server, port, user, password (and a database name for some).
fn is_database_engine(engine: &str) -> bool {
    matches!(engine, "oracle" | "postgres" | "mysql" | "mariadb" | "aurora" | "aurora-postgresql" | "sqlserver")
}

const SSL_MODES: &[&str] = &["none", "require", "verify-ca", "verify-full"];

/// Task states in which an endpoint cannot be modified (#27661).
const TASK_BUSY: &[&str] = &["running", "starting", "stopping", "modifying", "moving", "testing"];

impl FakeDms {
    /// `AccessDeniedFault` unless the linked IAM fake has a ready `dms-vpc-role` (no link: allowed).
    fn check_vpc_role(&self, links: &Links) -> Result<(), AwsError> {
        match &links.iam {
            Some(iam) if !iam.dms_vpc_role_ready() => Err(AwsError::new(
                ErrorKind::AccessDenied,
                "AccessDeniedFault",
                format!("The IAM Role arn:aws:iam::{}:role/dms-vpc-role is not configured properly.", self.account),
            )),
            _ => Ok(()),
        }
    }

    /// Subnets against the linked EC2 fake: exist, one VPC, ≥ 2 AZs. Answers the VPC id.
    fn check_subnets(links: &Links, subnet_ids: &[String]) -> Result<String, AwsError> {
        if subnet_ids.is_empty() {
            return Err(invalid_parameter("SubnetIds must contain at least one subnet"));
        }
        let Some(ec2) = &links.ec2 else { return Ok("vpc-unknown".to_string()) };
        let mut vpcs: Vec<String> = Vec::new();
        let mut azs: Vec<String> = Vec::new();
        for id in subnet_ids {
            let Some(s) = ec2.subnet(id) else {
                return Err(AwsError::from_code("InvalidSubnet", format!("The subnet {id} does not exist")));
            };
            if !vpcs.contains(&s.vpc_id) {
                vpcs.push(s.vpc_id);
            }
            if !azs.contains(&s.availability_zone) {
                azs.push(s.availability_zone);
            }
        }
        if vpcs.len() > 1 {
            return Err(AwsError::from_code("InvalidSubnet", "The subnets are not all in the same VPC"));
        }
        if azs.len() < 2 {
            return Err(AwsError::from_code(
                "ReplicationSubnetGroupDoesNotCoverEnoughAZs",
                "The replication subnet group does not cover enough Availability Zones (AZs). Edit the replication \
                 subnet group and add more AZs.",
            ));
        }
        Ok(vpcs.pop().unwrap_or_default())
    }

    fn check_security_groups(links: &Links, vpc_id: &str, groups: &[String]) -> Result<(), AwsError> {
        let Some(ec2) = &links.ec2 else { return Ok(()) };
        for g in groups {
            match ec2.security_group(g) {
                None => return Err(invalid_parameter(format!("The security group {g} does not exist"))),
                Some(sg) if sg.vpc_id != vpc_id => {
                    return Err(invalid_parameter(format!(
                        "The security group {g} and the replication subnet group are in different VPCs"
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// One describe of an instance: advance, apply pending values when `modifying` ends, drop it
    /// when gone (its interfaces stay behind, detached).
    fn advance_instance(&self, st: &mut State, arn: &str) -> Option<ReplicationInstance> {
        let rec = st.instances.get_mut(arn)?;
        let was = rec.life.status.clone();
        if !rec.life.advance() {
            let rec = st.instances.remove(arn)?;
            st.tags.remove(arn);
            if let Some(ec2) = self.links().ec2 {
                for eni in rec.enis {
                    ec2.set_network_interface_status(&eni, "available");
                }
            }
            return None;
        }
        if was == "modifying" && rec.life.status != "modifying" {
            let p = std::mem::take(&mut rec.inst.pending);
            if let Some(v) = p.class {
                rec.inst.class = v;
            }
            if let Some(v) = p.allocated_storage {
                rec.inst.allocated_storage = v;
            }
            if let Some(v) = p.multi_az {
                rec.inst.multi_az = v;
            }
            if let Some(v) = p.engine_version {
                rec.inst.engine_version = Some(v);
            }
        }
        Some(ReplicationInstance { status: rec.life.status.clone(), ..rec.inst.clone() })
    }

    fn advance_endpoint(st: &mut State, arn: &str) -> Option<Endpoint> {
        let rec = st.endpoints.get_mut(arn)?;
        if !rec.life.advance() {
            st.endpoints.remove(arn);
            st.tags.remove(arn);
            return None;
        }
        Some(Endpoint { status: rec.life.status.clone(), ..rec.ep.clone() })
    }

    fn tasks_using(st: &State, by: &TasksUsing) -> Vec<String> {
        st.tasks
            .values()
            .filter(|t| match by {
                TasksUsing::Instance(arn) => &t.task.replication_instance_arn == arn,
                TasksUsing::Endpoint(arn) => &t.task.source_endpoint_arn == arn || &t.task.target_endpoint_arn == arn,
            })
            .map(|t| t.task.arn.clone())
            .collect()
    }

    fn instance_rec<'a>(st: &'a mut State, arn: &str) -> Result<&'a mut InstanceRec, AwsError> {
        st.instances.get_mut(arn).ok_or_else(|| not_found(format!("Replication instance {arn} not found")))
    }

    fn endpoint_rec<'a>(st: &'a mut State, arn: &str) -> Result<&'a mut EndpointRec, AwsError> {
        st.endpoints.get_mut(arn).ok_or_else(|| not_found(format!("Endpoint {arn} not found")))
    }

    /// The checks `CreateEndpoint` and `ModifyEndpoint` share, on the endpoint as it would be.
    fn check_endpoint_fields(ep: &Endpoint, password: Option<&Secret>) -> Result<(), AwsError> {
        if !matches!(ep.endpoint_type.as_str(), "source" | "target") {
            return Err(invalid_parameter(format!(
                "Invalid EndpointType {:?}; valid values: source, target",
                ep.endpoint_type
            )));
        }
        if !KNOWN_ENGINES.contains(&ep.engine_name.as_str()) {
            return Err(invalid_parameter(format!("Invalid EngineName {:?}", ep.engine_name)));
        }
        if let Some(m) = &ep.ssl_mode
            && !SSL_MODES.contains(&m.as_str())
        {
            return Err(invalid_parameter(format!("Invalid SslMode {m:?}; valid values: {}", SSL_MODES.join(", "))));
        }
        if is_database_engine(&ep.engine_name) {
            let missing: Vec<&str> = [
                ("ServerName", ep.server_name.is_none()),
                ("Port", ep.port.is_none()),
                ("Username", ep.username.is_none()),
                ("Password", password.is_none_or(|p| p.expose().is_empty())),
                (
                    "DatabaseName",
                    ep.database_name.is_none() && matches!(ep.engine_name.as_str(), "oracle" | "postgres"),
                ),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| *n)
            .collect();
            if !missing.is_empty() {
                return Err(invalid_parameter(format!(
                    "{} must be provided for a {} endpoint",
                    missing.join(", "),
                    ep.engine_name
                )));
            }
        }
        if let Some(p) = ep.port
            && !(1..=65535).contains(&p)
        {
            return Err(invalid_parameter(format!("Invalid Port {p}")));
        }
        Ok(())
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
            stats: None,
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
        Ok(self.advance_instance(&mut st, arn))
    }

    async fn find_endpoint_by_arn(&self, arn: &str) -> Result<Option<Endpoint>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_endpoint_by_arn", arn)?;
        Ok(Self::advance_endpoint(&mut st, arn))
    }

    async fn create_replication_subnet_group(
        &self,
        input: ReplicationSubnetGroupInput,
    ) -> Result<ReplicationSubnetGroup, AwsError> {
        let links = self.links();
        let mut st = self.lock();
        self.begin(&mut st, "create_replication_subnet_group", &input.id)?;
        let id = input.id.to_ascii_lowercase();
        if id.is_empty()
            || id.len() > 255
            || id == "default"
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || " ._-".contains(c))
        {
            return Err(invalid_parameter(format!("Invalid ReplicationSubnetGroupIdentifier {:?}", input.id)));
        }
        if input.description.is_empty() {
            return Err(invalid_parameter("ReplicationSubnetGroupDescription must be provided"));
        }
        self.check_vpc_role(&links)?;
        if st.subnet_groups.contains_key(&id) {
            return Err(already_exists(format!("Replication Subnet Group {id} already exists")));
        }
        let vpc_id = Self::check_subnets(&links, &input.subnet_ids)?;
        let g = ReplicationSubnetGroup {
            id: id.clone(),
            description: input.description,
            vpc_id,
            subnet_ids: input.subnet_ids,
            status: "Complete".to_string(),
        };
        st.tags.insert(self.subnet_group_arn(&id), input.tags);
        st.subnet_groups.insert(id, g.clone());
        Ok(g)
    }

    async fn find_replication_subnet_group(&self, id: &str) -> Result<Option<ReplicationSubnetGroup>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_replication_subnet_group", id)?;
        // Such groups can be created but not described (aws/aws-cli#8373).
        if id.contains('_') {
            return Ok(None);
        }
        Ok(st.subnet_groups.get(&id.to_ascii_lowercase()).cloned())
    }

    async fn modify_replication_subnet_group(
        &self,
        input: ReplicationSubnetGroupInput,
    ) -> Result<ReplicationSubnetGroup, AwsError> {
        let links = self.links();
        let mut st = self.lock();
        self.begin(&mut st, "modify_replication_subnet_group", &input.id)?;
        let id = input.id.to_ascii_lowercase();
        if !st.subnet_groups.contains_key(&id) {
            return Err(not_found(format!("Replication Subnet Group {id} not found")));
        }
        self.check_vpc_role(&links)?;
        let vpc_id = Self::check_subnets(&links, &input.subnet_ids)?;
        if let Some(ec2) = &links.ec2 {
            let removed_in_use = st
                .instances
                .values()
                .filter(|r| r.inst.subnet_group_id.as_deref() == Some(id.as_str()))
                .flat_map(|r| r.enis.iter())
                .filter_map(|eni| ec2.network_interfaces().into_iter().find(|n| &n.id == eni))
                .find(|n| !input.subnet_ids.contains(&n.subnet_id));
            if let Some(n) = removed_in_use {
                return Err(AwsError::from_code(
                    "SubnetAlreadyInUse",
                    format!("The subnet {} is in use by a replication instance", n.subnet_id),
                ));
            }
        }
        let g = st
            .subnet_groups
            .get_mut(&id)
            .ok_or_else(|| not_found(format!("Replication Subnet Group {id} not found")))?;
        if !input.description.is_empty() {
            g.description = input.description;
        }
        g.subnet_ids = input.subnet_ids;
        g.vpc_id = vpc_id;
        Ok(g.clone())
    }

    async fn delete_replication_subnet_group(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "delete_replication_subnet_group", id)?;
        let id = id.to_ascii_lowercase();
        if !st.subnet_groups.contains_key(&id) {
            return Err(not_found(format!("Replication Subnet Group {id} not found")));
        }
        let users: Vec<String> = st
            .instances
            .values()
            .filter(|r| r.inst.subnet_group_id.as_deref() == Some(id.as_str()))
            .map(|r| r.inst.id.clone())
            .collect();
        if !users.is_empty() {
            return Err(invalid_state(format!(
                "Cannot delete Replication Subnet Group {id} as it is still in use by: {}",
                users.join(", ")
            )));
        }
        st.subnet_groups.remove(&id);
        let arn = self.subnet_group_arn(&id);
        st.tags.remove(&arn);
        Ok(())
    }

    async fn list_replication_subnet_groups(&self) -> Result<Vec<ReplicationSubnetGroup>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "list_replication_subnet_groups", "")?;
        Ok(st.subnet_groups.values().cloned().collect())
    }

    async fn create_replication_instance(
        &self,
        input: CreateReplicationInstanceInput,
    ) -> Result<ReplicationInstance, AwsError> {
        let links = self.links();
        let mut st = self.lock();
        self.begin(&mut st, "create_replication_instance", &input.id)?;
        if !valid_dms_identifier(&input.id, 63) {
            return Err(invalid_parameter(format!(
                "The parameter ReplicationInstanceIdentifier {:?} is not a valid identifier. Identifiers must begin \
                 with a letter and must contain only ASCII letters, digits, and hyphens. They can't end with a \
                 hyphen or contain two consecutive hyphens.",
                input.id
            )));
        }
        self.check_vpc_role(&links)?;
        let id = input.id.to_ascii_lowercase();
        if st.instances.values().any(|r| r.inst.id == id) {
            return Err(already_exists(format!("ReplicationInstance {id} already exists")));
        }
        if !input.class.starts_with("dms.") {
            return Err(invalid_parameter(format!("Invalid ReplicationInstanceClass {:?}", input.class)));
        }
        if let Some(s) = input.allocated_storage
            && !(5..=6144).contains(&s)
        {
            return Err(invalid_parameter(format!("AllocatedStorage must be between 5 and 6144 GiB, got {s}")));
        }
        let group_id = input.subnet_group_id.to_ascii_lowercase();
        let Some(group) = st.subnet_groups.get(&group_id).cloned() else {
            return Err(not_found(format!("Replication Subnet Group {} not found", input.subnet_group_id)));
        };
        Self::check_security_groups(&links, &group.vpc_id, &input.vpc_security_group_ids)?;
        let mut enis = Vec::new();
        let mut az = input.availability_zone.clone();
        if let (Some(ec2), Some(subnet)) = (&links.ec2, group.subnet_ids.first()) {
            let groups: Vec<String> = if input.vpc_security_group_ids.is_empty() {
                ec2.default_security_group(&group.vpc_id).into_iter().collect()
            } else {
                input.vpc_security_group_ids.clone()
            };
            enis.push(ec2.add_network_interface(subnet, &groups, "DMSNetworkInterface", "amazon-dms")?);
            if az.is_none() {
                az = ec2.subnet(subnet).map(|s| s.availability_zone);
            }
        }
        st.counter += 1;
        let rid = format!("REP{:023}", st.counter);
        let inst = ReplicationInstance {
            arn: self.arn("rep", &rid),
            id,
            status: "creating".to_string(),
            class: input.class.clone(),
            engine_version: Some(input.engine_version.clone().unwrap_or_else(|| "3.5.3".to_string())),
            allocated_storage: input.allocated_storage.unwrap_or(50),
            multi_az: input.multi_az,
            availability_zone: az,
            preferred_maintenance_window: Some(
                input.preferred_maintenance_window.clone().unwrap_or_else(|| "sun:06:00-sun:06:30".to_string()),
            ),
            auto_minor_version_upgrade: input.auto_minor_version_upgrade.unwrap_or(true),
            publicly_accessible: input.publicly_accessible,
            subnet_group_id: Some(group_id),
            vpc_security_group_ids: input.vpc_security_group_ids.clone(),
            private_ip_addresses: vec![format!("10.0.0.{}", 10 + st.counter % 200)],
            pending: PendingInstanceValues::default(),
        };
        let steps: Vec<&str> = st.instance_create_steps.iter().map(String::as_str).collect();
        let rec = InstanceRec { inst: inst.clone(), life: Lifecycle::new("creating", &steps), enis };
        st.tags.insert(inst.arn.clone(), input.tags);
        st.instances.insert(inst.arn.clone(), rec);
        Ok(inst)
    }

    async fn find_replication_instance(&self, id: &str) -> Result<Option<ReplicationInstance>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_replication_instance", id)?;
        let arn = st.instances.values().find(|r| r.inst.id.eq_ignore_ascii_case(id)).map(|r| r.inst.arn.clone());
        Ok(arn.and_then(|arn| self.advance_instance(&mut st, &arn)))
    }

    async fn modify_replication_instance(
        &self,
        input: ModifyReplicationInstanceInput,
    ) -> Result<ReplicationInstance, AwsError> {
        let links = self.links();
        let mut st = self.lock();
        self.begin(&mut st, "modify_replication_instance", &input.arn)?;
        let vpc_id = {
            let rec = Self::instance_rec(&mut st, &input.arn)?;
            let group = rec.inst.subnet_group_id.clone().unwrap_or_default();
            st.subnet_groups.get(&group).map(|g| g.vpc_id.clone()).unwrap_or_default()
        };
        if let Some(sgs) = &input.vpc_security_group_ids
            && !vpc_id.is_empty()
        {
            Self::check_security_groups(&links, &vpc_id, sgs)?;
        }
        let rec = Self::instance_rec(&mut st, &input.arn)?;
        if rec.life.status != "available" {
            return Err(invalid_state(format!(
                "Replication instance {} is in the {} state and cannot be modified",
                rec.inst.id, rec.life.status
            )));
        }
        let i = &rec.inst;
        let class = input.class.clone().filter(|v| *v != i.class);
        let storage = input.allocated_storage.filter(|v| *v != i.allocated_storage);
        let version = input.engine_version.clone().filter(|v| Some(v) != i.engine_version.as_ref());
        let multi_az = input.multi_az.filter(|v| *v != i.multi_az);
        let window =
            input.preferred_maintenance_window.clone().filter(|v| Some(v) != i.preferred_maintenance_window.as_ref());
        let auto_minor = input.auto_minor_version_upgrade.filter(|v| *v != i.auto_minor_version_upgrade);
        let sgs = input.vpc_security_group_ids.clone().filter(|v| *v != i.vpc_security_group_ids);
        if class.is_none()
            && storage.is_none()
            && version.is_none()
            && multi_az.is_none()
            && window.is_none()
            && auto_minor.is_none()
            && sgs.is_none()
        {
            return Err(invalid_combination("No modifications were requested"));
        }
        if let Some(s) = storage
            && (s < i.allocated_storage || s > 6144)
        {
            return Err(invalid_parameter(format!(
                "AllocatedStorage {s} is invalid: storage can grow up to 6144 GiB but not shrink below {}",
                i.allocated_storage
            )));
        }
        if let (Some(v), Some(current)) = (&version, &i.engine_version)
            && version_major(v) != version_major(current)
            && !input.allow_major_version_upgrade
        {
            return Err(invalid_combination(
                "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version",
            ));
        }
        let i = &mut rec.inst;
        if let Some(v) = window {
            i.preferred_maintenance_window = Some(v);
        }
        if let Some(v) = auto_minor {
            i.auto_minor_version_upgrade = v;
        }
        if let Some(v) = sgs {
            i.vpc_security_group_ids = v;
        }
        i.pending = PendingInstanceValues { class, allocated_storage: storage, multi_az, engine_version: version };
        rec.life.set("modifying", &["available"]);
        Ok(ReplicationInstance { status: "modifying".to_string(), ..rec.inst.clone() })
    }

    async fn delete_replication_instance(&self, arn: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "delete_replication_instance", arn)?;
        let tasks = Self::tasks_using(&st, &TasksUsing::Instance(arn.to_string()));
        let rec = Self::instance_rec(&mut st, arn)?;
        if !tasks.is_empty() {
            return Err(invalid_state(format!(
                "Replication instance {} has replication tasks ({}); delete them first",
                rec.inst.id,
                tasks.join(", ")
            )));
        }
        if rec.life.status == "deleting" {
            return Err(invalid_state(format!("Replication instance {} is already being deleted", rec.inst.id)));
        }
        rec.life.set("deleting", &[GONE]);
        Ok(())
    }

    async fn list_replication_instances(&self) -> Result<Vec<ReplicationInstance>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "list_replication_instances", "")?;
        let arns: Vec<String> = st.instances.keys().cloned().collect();
        Ok(arns.iter().filter_map(|arn| self.advance_instance(&mut st, arn)).collect())
    }

    async fn create_endpoint(&self, input: CreateEndpointInput) -> Result<Endpoint, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "create_endpoint", &input.id)?;
        if !valid_dms_identifier(&input.id, 255) {
            return Err(invalid_parameter(format!(
                "The parameter EndpointIdentifier {:?} is not a valid identifier.",
                input.id
            )));
        }
        if st.endpoints.values().any(|r| r.ep.id.eq_ignore_ascii_case(&input.id)) {
            return Err(already_exists(format!("Endpoint {} already exists", input.id)));
        }
        st.counter += 1;
        let rid = format!("EP{:024}", st.counter);
        let ep = Endpoint {
            arn: self.arn("endpoint", &rid),
            id: input.id.clone(),
            status: "active".to_string(),
            endpoint_type: input.endpoint_type.to_ascii_lowercase(),
            engine_name: input.engine_name.clone(),
            server_name: input.server_name.clone(),
            port: input.port,
            database_name: input.database_name.clone(),
            username: input.username.clone(),
            ssl_mode: Some(input.ssl_mode.clone().unwrap_or_else(|| "none".to_string())),
            extra_connection_attributes: input.extra_connection_attributes.clone(),
            kms_key_id: Some(format!("arn:aws:kms:{}:{}:key/fake-dms-default", self.region, self.account)),
        };
        Self::check_endpoint_fields(&ep, input.password.as_ref())?;
        st.tags.insert(ep.arn.clone(), input.tags.clone());
        st.endpoints.insert(
            ep.arn.clone(),
            EndpointRec { ep: ep.clone(), life: Lifecycle::new("active", &[]), password: input.password.clone() },
        );
        Ok(ep)
    }

    async fn find_endpoint(&self, id: &str) -> Result<Option<Endpoint>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_endpoint", id)?;
        let arn = st.endpoints.values().find(|r| r.ep.id.eq_ignore_ascii_case(id)).map(|r| r.ep.arn.clone());
        Ok(arn.and_then(|arn| Self::advance_endpoint(&mut st, &arn)))
    }

    async fn list_endpoints(&self, endpoint_type: &str) -> Result<Vec<Endpoint>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "list_endpoints", endpoint_type)?;
        let arns: Vec<String> = st
            .endpoints
            .values()
            .filter(|r| r.ep.endpoint_type.eq_ignore_ascii_case(endpoint_type))
            .map(|r| r.ep.arn.clone())
            .collect();
        Ok(arns.iter().filter_map(|arn| Self::advance_endpoint(&mut st, arn)).collect())
    }

    async fn modify_endpoint(&self, input: ModifyEndpointInput) -> Result<Endpoint, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "modify_endpoint", &input.arn)?;
        let busy: Vec<String> = Self::tasks_using(&st, &TasksUsing::Endpoint(input.arn.clone()))
            .into_iter()
            .filter(|arn| st.tasks.get(arn).is_some_and(|t| TASK_BUSY.contains(&t.task.status.as_str())))
            .collect();
        let rec = Self::endpoint_rec(&mut st, &input.arn)?;
        if rec.life.status != "active" {
            return Err(invalid_state(format!("Endpoint {} is {} and cannot be modified", rec.ep.id, rec.life.status)));
        }
        if !busy.is_empty() {
            return Err(invalid_state(format!(
                "Endpoint {} cannot be modified while replication tasks using it are running ({})",
                rec.ep.id,
                busy.join(", ")
            )));
        }
        let mut ep = rec.ep.clone();
        if let Some(v) = &input.endpoint_type {
            ep.endpoint_type = v.to_ascii_lowercase();
        }
        if let Some(v) = &input.engine_name {
            ep.engine_name = v.clone();
        }
        if input.server_name.is_some() {
            ep.server_name = input.server_name.clone();
        }
        if input.port.is_some() {
            ep.port = input.port;
        }
        if input.database_name.is_some() {
            ep.database_name = input.database_name.clone();
        }
        if input.username.is_some() {
            ep.username = input.username.clone();
        }
        if input.ssl_mode.is_some() {
            ep.ssl_mode = input.ssl_mode.clone();
        }
        if input.extra_connection_attributes.is_some() {
            ep.extra_connection_attributes = input.extra_connection_attributes.clone();
        }
        let password = input.password.clone().or_else(|| rec.password.clone());
        Self::check_endpoint_fields(&ep, password.as_ref())?;
        rec.ep = ep.clone();
        rec.password = password;
        Ok(ep)
    }

    async fn delete_endpoint(&self, arn: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "delete_endpoint", arn)?;
        let tasks = Self::tasks_using(&st, &TasksUsing::Endpoint(arn.to_string()));
        let rec = Self::endpoint_rec(&mut st, arn)?;
        if !tasks.is_empty() {
            return Err(invalid_state(format!(
                "Endpoint {} is used by replication tasks ({}); delete them first",
                rec.ep.id,
                tasks.join(", ")
            )));
        }
        if rec.life.status == "deleting" {
            return Err(invalid_state(format!("Endpoint {} is already being deleted", rec.ep.id)));
        }
        rec.life.set("deleting", &[GONE]);
        Ok(())
    }

    async fn list_replication_tasks_using(&self, by: &TasksUsing) -> Result<Vec<ReplicationTask>, AwsError> {
        let mut st = self.lock();
        let arg = match by {
            TasksUsing::Instance(a) => format!("replication-instance-arn={a}"),
            TasksUsing::Endpoint(a) => format!("endpoint-arn={a}"),
        };
        self.begin(&mut st, "list_replication_tasks_using", arg)?;
        let arns = Self::tasks_using(&st, by);
        Ok(arns.iter().filter_map(|arn| Self::advance(&mut st, arn)).collect())
    }

    async fn test_connection(&self, instance_arn: &str, endpoint_arn: &str) -> Result<Connection, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "test_connection", format!("{instance_arn} {endpoint_arn}"))?;
        let inst = Self::instance_rec(&mut st, instance_arn)?;
        if inst.life.status != "available" {
            return Err(invalid_state(format!(
                "Replication instance {} is {}; connections can be tested only when it is available",
                inst.inst.id, inst.life.status
            )));
        }
        let ep = Self::endpoint_rec(&mut st, endpoint_arn)?;
        if ep.life.status != "active" {
            return Err(invalid_state(format!("Endpoint {} is {}", ep.ep.id, ep.life.status)));
        }
        let key = (instance_arn.to_string(), endpoint_arn.to_string());
        if st.connections.get(&key).is_some_and(|c| c.life.status == "testing") {
            return Err(invalid_state("Connection is already being tested"));
        }
        let outcome = st.failing_connections.remove(endpoint_arn);
        let next = if outcome.is_some() { "failed" } else { "successful" };
        let conn = Connection {
            replication_instance_arn: instance_arn.to_string(),
            endpoint_arn: endpoint_arn.to_string(),
            status: "testing".to_string(),
            last_failure_message: outcome,
        };
        st.connections.insert(key, ConnectionRec { conn: conn.clone(), life: Lifecycle::new("testing", &[next]) });
        Ok(Connection { last_failure_message: None, ..conn })
    }

    async fn describe_table_statistics(&self, task_arn: &str) -> Result<Vec<TableStats>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "describe_table_statistics", task_arn.to_string())?;
        if !st.tasks.contains_key(task_arn) {
            return Err(not_found(format!("Replication task {task_arn} not found")));
        }
        Ok(st.table_stats.get(task_arn).cloned().unwrap_or_default())
    }

    async fn find_connection(&self, instance_arn: &str, endpoint_arn: &str) -> Result<Option<Connection>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_connection", format!("{instance_arn} {endpoint_arn}"))?;
        let key = (instance_arn.to_string(), endpoint_arn.to_string());
        Ok(st.connections.get_mut(&key).map(|c| {
            c.life.advance();
            let failed = c.life.status == "failed";
            Connection {
                status: c.life.status.clone(),
                last_failure_message: if failed { c.conn.last_failure_message.clone() } else { None },
                ..c.conn.clone()
            }
        }))
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
    async fn fake_lists_every_replication_instance_and_subnet_group() {
        let dms = FakeDms::new();
        assert!(dms.list_replication_instances().await.unwrap().is_empty());
        assert!(dms.list_replication_subnet_groups().await.unwrap().is_empty());
        let a = dms.add_replication_instance("stack-a-ri");
        let b = dms.add_replication_instance("stack-b-ri");
        let ids: Vec<String> = dms.list_replication_instances().await.unwrap().into_iter().map(|i| i.arn).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&a.arn) && ids.contains(&b.arn));
        dms.fail_next("list_replication_subnet_groups", AwsError::from_code("AccessDeniedFault", "denied"));
        assert_eq!(dms.list_replication_subnet_groups().await.unwrap_err().kind, ErrorKind::AccessDenied);
        let (i, g) = ("list_replication_instances", "list_replication_subnet_groups");
        assert_eq!(dms.calls(), vec![i, g, i, g]);
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

    // ---- subnet groups, instances, endpoints, connections --------------------------------

    use crate::aws::ec2::{CreateSecurityGroupInput, CreateSubnetInput, Ec2Api, Filters};
    use crate::aws::fake::{FakeEc2, FakeIam};
    use crate::aws::iam::{CreateRoleInput, DMS_VPC_ROLE, IamApi, dms_trust_policy, dms_vpc_policy_arn};

    struct Net {
        dms: FakeDms,
        ec2: Arc<FakeEc2>,
        iam: Arc<FakeIam>,
        vpc: String,
        subnets: Vec<String>,
        sg: String,
    }

    /// A DMS fake linked to IAM (with `dms-vpc-role`) and EC2 (a VPC, two subnets in two AZs and
    /// a third in the first AZ, a security group).
    async fn net() -> Net {
        let ec2 = Arc::new(FakeEc2::new());
        let iam = Arc::new(FakeIam::new());
        iam.add_dms_vpc_role();
        let dms = FakeDms::new();
        dms.link_ec2(ec2.clone());
        dms.link_iam(iam.clone());
        let vpc = ec2.create_vpc("10.0.0.0/24", &Tags::new()).await.unwrap().id;
        let mut subnets = Vec::new();
        for (cidr, az) in
            [("10.0.0.0/26", "us-east-1a"), ("10.0.0.64/26", "us-east-1b"), ("10.0.0.128/26", "us-east-1a")]
        {
            let s = ec2
                .create_subnet(CreateSubnetInput {
                    vpc_id: vpc.clone(),
                    cidr_block: cidr.into(),
                    availability_zone: az.into(),
                    tags: Tags::new(),
                })
                .await
                .unwrap();
            subnets.push(s.id);
        }
        let sg = ec2
            .create_security_group(CreateSecurityGroupInput {
                vpc_id: vpc.clone(),
                name: "dms".into(),
                description: "dms".into(),
                tags: Tags::new(),
            })
            .await
            .unwrap()
            .id;
        Net { dms, ec2, iam, vpc, subnets, sg }
    }

    fn group_input(id: &str, subnets: &[String]) -> ReplicationSubnetGroupInput {
        ReplicationSubnetGroupInput {
            id: id.into(),
            description: "dblink".into(),
            subnet_ids: subnets.to_vec(),
            tags: Tags::from([("dmslink:stack".to_string(), "dblink".to_string())]),
        }
    }

    fn instance_input(id: &str, group: &str, sg: &str) -> CreateReplicationInstanceInput {
        CreateReplicationInstanceInput {
            id: id.into(),
            class: "dms.t3.medium".into(),
            allocated_storage: Some(50),
            subnet_group_id: group.into(),
            vpc_security_group_ids: vec![sg.to_string()],
            tags: Tags::from([("dmslink:stack".to_string(), "dblink".to_string())]),
            ..Default::default()
        }
    }

    fn endpoint_input(id: &str, kind: &str, engine: &str) -> CreateEndpointInput {
        CreateEndpointInput {
            id: id.into(),
            endpoint_type: kind.into(),
            engine_name: engine.into(),
            server_name: Some("db.internal".into()),
            port: Some(if engine == "oracle" { 1521 } else { 5432 }),
            database_name: Some("app".into()),
            username: Some("dms".into()),
            password: Some(Secret::new("s3cret-pw")),
            ssl_mode: None,
            extra_connection_attributes: None,
            tags: Tags::new(),
        }
    }

    async fn available_instance(dms: &FakeDms, arn: &str) -> ReplicationInstance {
        for _ in 0..10 {
            if let Some(i) = dms.describe_replication_instance_by_arn(arn).await.unwrap()
                && i.status == "available"
            {
                return i;
            }
        }
        panic!("{arn} never became available");
    }

    #[tokio::test]
    async fn fake_dms_creates_need_dms_vpc_role() {
        let ec2 = Arc::new(FakeEc2::new());
        let iam = Arc::new(FakeIam::new());
        let dms = FakeDms::new();
        dms.link_iam(iam.clone());
        let e = dms.create_replication_subnet_group(group_input("g", &["subnet-a".into()])).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.kind), ("AccessDeniedFault", ErrorKind::AccessDenied));
        assert!(e.message.contains("dms-vpc-role"), "{e}");
        let e = dms.create_replication_instance(instance_input("ri", "g", "sg-1")).await.unwrap_err();
        assert_eq!(e.code, "AccessDeniedFault");

        // Creating the role is not enough until the policy is attached and IAM has propagated.
        iam.set_dms_propagation_delay(1);
        iam.create_role(CreateRoleInput {
            name: DMS_VPC_ROLE.into(),
            assume_role_policy: dms_trust_policy(),
            ..Default::default()
        })
        .await
        .unwrap();
        let e = dms.create_replication_subnet_group(group_input("g", &["subnet-a".into()])).await.unwrap_err();
        assert_eq!(e.code, "AccessDeniedFault", "no policy yet");
        iam.attach_role_policy(DMS_VPC_ROLE, &dms_vpc_policy_arn("aws")).await.unwrap();
        let e = dms.create_replication_subnet_group(group_input("g", &["subnet-a".into()])).await.unwrap_err();
        assert_eq!(e.code, "AccessDeniedFault", "still propagating");
        dms.create_replication_subnet_group(group_input("g", &["subnet-a".into()])).await.unwrap();
        drop(ec2);
    }

    #[tokio::test]
    async fn fake_dms_subnet_group_rules() {
        let n = net().await;
        let e = n
            .dms
            .create_replication_subnet_group(group_input("g", &[n.subnets[0].clone(), n.subnets[2].clone()]))
            .await;
        assert_eq!(e.unwrap_err().code, "ReplicationSubnetGroupDoesNotCoverEnoughAZs");
        let e = n.dms.create_replication_subnet_group(group_input("g", &["subnet-nope".into()])).await;
        assert_eq!(e.unwrap_err().code, "InvalidSubnet");
        let g = n.dms.create_replication_subnet_group(group_input("DbLink-Prod", &n.subnets[..2])).await.unwrap();
        assert_eq!((g.id.as_str(), g.vpc_id.as_str(), g.status.as_str()), ("dblink-prod", n.vpc.as_str(), "Complete"));
        let e = n.dms.create_replication_subnet_group(group_input("dblink-prod", &n.subnets[..2])).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::AlreadyExists);
        assert_eq!(n.dms.find_replication_subnet_group("DBLINK-PROD").await.unwrap(), Some(g.clone()));
        let arn = n.dms.subnet_group_arn("dblink-prod");
        assert_eq!(n.dms.list_tags(&arn).await.unwrap().get("dmslink:stack").map(String::as_str), Some("dblink"));

        // Underscored ids can be created but not described (aws-cli#8373).
        n.dms.create_replication_subnet_group(group_input("with_underscore", &n.subnets[..2])).await.unwrap();
        assert_eq!(n.dms.find_replication_subnet_group("with_underscore").await.unwrap(), None);

        let g = n.dms.modify_replication_subnet_group(group_input("dblink-prod", &n.subnets)).await.unwrap();
        assert_eq!(g.subnet_ids.len(), 3);
        let e = n.dms.modify_replication_subnet_group(group_input("dblink-prod", &[])).await.unwrap_err();
        assert_eq!(e.code, "InvalidParameterValueException", "subnets are always resent");

        let ri = n.dms.create_replication_instance(instance_input("ri", "dblink-prod", &n.sg)).await.unwrap();
        let e = n.dms.delete_replication_subnet_group("dblink-prod").await.unwrap_err();
        assert_eq!((e.code.as_str(), e.kind), ("InvalidResourceStateFault", ErrorKind::InvalidState));
        let e = n.dms.modify_replication_subnet_group(group_input("dblink-prod", &n.subnets[1..])).await.unwrap_err();
        assert_eq!(e.code, "SubnetAlreadyInUse", "the instance's interface is in the first subnet");
        available_instance(&n.dms, &ri.arn).await;
        n.dms.delete_replication_instance(&ri.arn).await.unwrap();
        assert_eq!(n.dms.describe_replication_instance_by_arn(&ri.arn).await.unwrap(), None);
        n.dms.delete_replication_subnet_group("dblink-prod").await.unwrap();
        assert_eq!(n.dms.find_replication_subnet_group("dblink-prod").await.unwrap(), None);
        assert_eq!(n.dms.delete_replication_subnet_group("dblink-prod").await.unwrap_err().kind, ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn fake_dms_instance_lifecycle_and_leftover_interface() {
        let n = net().await;
        n.dms.create_replication_subnet_group(group_input("g", &n.subnets[..2])).await.unwrap();
        n.dms.set_instance_create_steps(&["creating", "available"]);
        let mut ri_input = instance_input("DbLink-RI", "g", &n.sg);
        let e = n.dms.create_replication_instance(CreateReplicationInstanceInput {
            class: "t3.medium".into(),
            ..ri_input.clone()
        });
        assert_eq!(e.await.unwrap_err().code, "InvalidParameterValueException");
        let e = n
            .dms
            .create_replication_instance(CreateReplicationInstanceInput { id: "bad--id".into(), ..ri_input.clone() });
        assert_eq!(e.await.unwrap_err().code, "InvalidParameterValueException");
        ri_input.publicly_accessible = false;
        let ri = n.dms.create_replication_instance(ri_input.clone()).await.unwrap();
        assert_eq!((ri.id.as_str(), ri.status.as_str()), ("dblink-ri", "creating"));
        assert!(!ri.publicly_accessible);
        assert_eq!(n.dms.create_replication_instance(ri_input).await.unwrap_err().kind, ErrorKind::AlreadyExists);
        let enis = n.ec2.find_network_interfaces(&Filters::new().with("group-id", &n.sg)).await.unwrap();
        assert_eq!((enis.len(), enis[0].status.as_str()), (1, "in-use"));

        assert_eq!(n.dms.find_replication_instance("dblink-ri").await.unwrap().unwrap().status, "creating");
        let e = n
            .dms
            .modify_replication_instance(ModifyReplicationInstanceInput {
                arn: ri.arn.clone(),
                class: Some("dms.t3.large".into()),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidState, "not available yet");
        let i = available_instance(&n.dms, &ri.arn).await;
        assert_eq!(i.subnet_group_id.as_deref(), Some("g"));
        assert_eq!(i.availability_zone.as_deref(), Some("us-east-1a"));

        let same = ModifyReplicationInstanceInput {
            arn: ri.arn.clone(),
            class: Some("dms.t3.medium".into()),
            ..Default::default()
        };
        let e = n.dms.modify_replication_instance(same).await.unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("InvalidParameterCombinationException", "No modifications were requested")
        );
        let m = ModifyReplicationInstanceInput {
            arn: ri.arn.clone(),
            class: Some("dms.t3.large".into()),
            allocated_storage: Some(100),
            preferred_maintenance_window: Some("mon:01:00-mon:01:30".into()),
            ..Default::default()
        };
        let i = n.dms.modify_replication_instance(m).await.unwrap();
        assert_eq!(i.status, "modifying");
        assert_eq!((i.pending.class.as_deref(), i.pending.allocated_storage), (Some("dms.t3.large"), Some(100)));
        assert_eq!(i.class, "dms.t3.medium");
        let i = available_instance(&n.dms, &ri.arn).await;
        assert_eq!((i.class.as_str(), i.allocated_storage), ("dms.t3.large", 100));
        assert!(i.pending.is_empty());
        assert_eq!(i.preferred_maintenance_window.as_deref(), Some("mon:01:00-mon:01:30"));
        let e = n
            .dms
            .modify_replication_instance(ModifyReplicationInstanceInput {
                arn: ri.arn.clone(),
                engine_version: Some("4.0.1".into()),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert!(e.message.contains("AllowMajorVersionUpgrade"), "{e}");

        // Tasks hold the instance.
        let mut t = input("t", "cdc");
        t.replication_instance_arn = ri.arn.clone();
        let task = n.dms.create_replication_task(t).await.unwrap();
        let e = n.dms.delete_replication_instance(&ri.arn).await.unwrap_err();
        assert_eq!(e.code, "InvalidResourceStateFault");
        assert!(e.message.contains(&task.arn), "{e}");
        n.dms.find_replication_task_by_arn(&task.arn).await.unwrap();
        n.dms.delete_replication_task(&task.arn).await.unwrap();
        n.dms.find_replication_task_by_arn(&task.arn).await.unwrap();
        n.dms.delete_replication_instance(&ri.arn).await.unwrap();
        assert_eq!(n.dms.delete_replication_instance(&ri.arn).await.unwrap_err().kind, ErrorKind::InvalidState);
        assert_eq!(n.dms.find_replication_instance("dblink-ri").await.unwrap(), None);

        // DMS leaves its interface behind, detached: it blocks the group and subnet until deleted.
        let left = n.ec2.find_network_interfaces(&Filters::new().with("subnet-id", &n.subnets[0])).await.unwrap();
        assert_eq!((left.len(), left[0].status.as_str()), (1, "available"));
        assert_eq!(n.ec2.delete_security_group(&n.sg).await.unwrap_err().kind, ErrorKind::DependencyViolation);
        assert_eq!(n.ec2.delete_subnet(&n.subnets[0]).await.unwrap_err().kind, ErrorKind::DependencyViolation);
        n.ec2.delete_network_interface(&left[0].id).await.unwrap();
        n.ec2.delete_security_group(&n.sg).await.unwrap();
        drop(n.iam);
    }

    #[tokio::test]
    async fn fake_dms_endpoints_create_modify_delete() {
        let dms = FakeDms::new();
        let mut bad = endpoint_input("src", "SOURCE", "oracle");
        bad.password = None;
        let e = dms.create_endpoint(bad).await.unwrap_err();
        assert!(e.message.contains("Password"), "{e}");
        let e = dms.create_endpoint(CreateEndpointInput {
            ssl_mode: Some("strict".into()),
            ..endpoint_input("x", "source", "oracle")
        });
        assert_eq!(e.await.unwrap_err().code, "InvalidParameterValueException");
        let e = dms.create_endpoint(endpoint_input("x", "both", "oracle")).await.unwrap_err();
        assert_eq!(e.code, "InvalidParameterValueException");

        let src = dms.create_endpoint(endpoint_input("src", "SOURCE", "oracle")).await.unwrap();
        assert_eq!((src.endpoint_type.as_str(), src.status.as_str()), ("source", "active"));
        assert_eq!(src.ssl_mode.as_deref(), Some("none"));
        assert!(!format!("{src:?}").contains("s3cret-pw"));
        assert_eq!(dms.endpoint_password(&src.arn), Some(Secret::new("s3cret-pw")));
        assert_eq!(
            dms.create_endpoint(endpoint_input("SRC", "source", "oracle")).await.unwrap_err().kind,
            ErrorKind::AlreadyExists
        );
        let tgt = dms.create_endpoint(endpoint_input("tgt", "target", "postgres")).await.unwrap();
        assert_eq!(dms.find_endpoint("tgt").await.unwrap().map(|e| e.arn), Some(tgt.arn.clone()));
        assert_eq!(dms.find_endpoint("nope").await.unwrap(), None);
        let ids = |v: Vec<Endpoint>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(ids(dms.list_endpoints("source").await.unwrap()), vec!["src"]);
        assert_eq!(ids(dms.list_endpoints("TARGET").await.unwrap()), vec!["tgt"]);

        // A running task on the endpoint blocks modify (#27661) and delete.
        let ri = dms.add_replication_instance("ri");
        let mut t = input("t", "cdc");
        t.source_endpoint_arn = src.arn.clone();
        t.target_endpoint_arn = tgt.arn.clone();
        t.replication_instance_arn = ri.arn.clone();
        let task = dms.create_replication_task(t).await.unwrap();
        dms.find_replication_task_by_arn(&task.arn).await.unwrap();
        dms.start_replication_task(&task.arn, StartType::StartReplication).await.unwrap();
        dms.find_replication_task_by_arn(&task.arn).await.unwrap();
        let using = dms.list_replication_tasks_using(&TasksUsing::Endpoint(src.arn.clone())).await.unwrap();
        assert_eq!(using.iter().map(|t| t.status.as_str()).collect::<Vec<_>>(), vec!["running"]);
        assert_eq!(dms.list_replication_tasks_using(&TasksUsing::Instance(ri.arn.clone())).await.unwrap().len(), 1);
        assert!(dms.list_replication_tasks_using(&TasksUsing::Instance("arn:other".into())).await.unwrap().is_empty());
        let change =
            ModifyEndpointInput { arn: src.arn.clone(), password: Some(Secret::new("new-pw-1")), ..Default::default() };
        let e = dms.modify_endpoint(change.clone()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidState);
        assert!(!e.message.contains("new-pw-1"), "{e}");
        dms.stop_replication_task(&task.arn).await.unwrap();
        dms.find_replication_task_by_arn(&task.arn).await.unwrap();
        let ep = dms
            .modify_endpoint(ModifyEndpointInput { server_name: Some("db2.internal".into()), ..change })
            .await
            .unwrap();
        assert_eq!(ep.server_name.as_deref(), Some("db2.internal"));
        assert_eq!(dms.endpoint_password(&src.arn), Some(Secret::new("new-pw-1")));

        assert_eq!(dms.delete_endpoint(&src.arn).await.unwrap_err().code, "InvalidResourceStateFault");
        dms.delete_replication_task(&task.arn).await.unwrap();
        dms.find_replication_task_by_arn(&task.arn).await.unwrap();
        dms.delete_endpoint(&src.arn).await.unwrap();
        assert_eq!(dms.find_endpoint_by_arn(&src.arn).await.unwrap(), None);
        assert_eq!(dms.delete_endpoint(&src.arn).await.unwrap_err().kind, ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn fake_dms_connection_tests() {
        let dms = FakeDms::new();
        let ri = dms.add_replication_instance("ri");
        let ep = dms.create_endpoint(endpoint_input("tgt", "target", "postgres")).await.unwrap();
        assert_eq!(dms.find_connection(&ri.arn, &ep.arn).await.unwrap(), None);
        let c = dms.test_connection(&ri.arn, &ep.arn).await.unwrap();
        assert_eq!(c.status, "testing");
        assert_eq!(dms.test_connection(&ri.arn, &ep.arn).await.unwrap_err().kind, ErrorKind::InvalidState);
        assert_eq!(dms.find_connection(&ri.arn, &ep.arn).await.unwrap().unwrap().status, "successful");
        dms.fail_connection(&ep.arn, "could not connect to db.internal:5432");
        dms.test_connection(&ri.arn, &ep.arn).await.unwrap();
        let c = dms.find_connection(&ri.arn, &ep.arn).await.unwrap().unwrap();
        assert_eq!(
            (c.status.as_str(), c.last_failure_message.as_deref()),
            ("failed", Some("could not connect to db.internal:5432"))
        );
    }

    #[tokio::test]
    async fn fake_dms_instance_holds_and_scripts() {
        let n = net().await;
        n.dms.create_replication_subnet_group(group_input("g", &n.subnets[..2])).await.unwrap();
        let ri = n.dms.create_replication_instance(instance_input("ri", "g", &n.sg)).await.unwrap();
        n.dms.hold(&ri.arn, true);
        for _ in 0..3 {
            assert_eq!(n.dms.describe_replication_instance_by_arn(&ri.arn).await.unwrap().unwrap().status, "creating");
        }
        n.dms.hold(&ri.arn, false);
        n.dms.script_object(&ri.arn, &["incompatible-network"]);
        assert_eq!(n.dms.find_replication_instance("ri").await.unwrap().unwrap().status, "incompatible-network");
        assert_eq!(n.dms.arns_tagged("dmslink:stack", "dblink").len(), 2, "subnet group and instance");
        n.dms.remove_replication_instance(&ri.arn);
        assert_eq!(n.dms.instance_count(), 0);
        assert_eq!(n.ec2.network_interfaces()[0].status, "available");
    }
}
