//! `FakeDms`: an in-memory DMS whose state machines follow `rulebook/dms.json`, the file the
//! emulator reads too (see [`rulebook`]).
//!
//! Time passes as tokio's clock does: an action answers with the transitional state (`creating`,
//! `starting`, `stopping`, `modifying`, `moving`, `deleting`) and the object reaches the next
//! state once the rulebook's seconds for that state have passed ([`super::timeline::Timeline`]). Unit
//! tests run with paused time, so a poller's sleep moves the clock; `tokio::time::advance` moves
//! it by hand. With the rulebook's defaults:
//!
//! | action | answer | then |
//! |---|---|---|
//! | create task | `creating` | `ready` after 1 s |
//! | start (cdc, full-load-and-cdc) | `starting` | `running` after 1 s |
//! | start (full-load) | `starting` | `running` after 1 s, `stopped` (`FULL_LOAD_ONLY_FINISHED`) 2 s later |
//! | stop | `stopping` | `stopped` (`NORMAL`) after 1 s |
//! | modify / move | `modifying` / `moving` | `ready` (never started) or `stopped`, after 1 s |
//! | delete task | `deleting` | gone after 1 s |
//! | create / modify / delete instance | `creating` / `modifying` / `deleting` | `available` / `available` / gone after 1 s |
//! | create / delete endpoint | `active` / `deleting` | — / gone after 1 s |
//! | test connection | `testing` | `successful` (or [`FakeDms::fail_connection`]) after 1 s |
//! | modify endpoint | — | a connection test (as above) from every instance with a task or a test on it; meanwhile its tasks cannot start (#46139) |
//!
//! Which operation is allowed from which state, and the error otherwise, is the rulebook's
//! (`InvalidResourceStateFault` with its message). Failures can be injected per operation with
//! [`FakeDms::fail_next`] (refused: nothing happens) or [`FakeDms::lose_next_answer`] (served, then
//! the answer is lost: the change happens and the caller sees an error); [`FakeDms::calls`] lists
//! the operations made.
//!
//! Other rules: subnet group creates and modifies and instance creates answer
//! `AccessDeniedFault` until a linked [`super::FakeIam`] has a ready `dms-vpc-role`
//! ([`FakeDms::link_iam`]); identifiers are lower-cased (and a subnet group id with `_` can be
//! created but not described, aws-cli#8373); `ResourceAlreadyExistsFault` on duplicates; a task
//! create or move on an instance or endpoint the fake does not hold: `ResourceNotFoundFault` (as
//! the emulator; add them with [`FakeDms::add_replication_instance`] / [`FakeDms::add_endpoint`]),
//! an endpoint given for the other side: `InvalidParameterValueException`; with a
//! linked [`super::FakeEc2`] subnets must exist, share a VPC and cover ≥ 2 AZs
//! (`ReplicationSubnetGroupDoesNotCoverEnoughAZs`), security groups must be in that VPC, and an
//! instance puts a network interface into its first subnet that stays behind `available` when
//! the instance is gone (#7600). In-use refusals: a subnet group used by an instance, an instance
//! or endpoint used by tasks (delete), an endpoint of a busy task (modify). A modify without
//! changes: `InvalidParameterCombinationException`.

mod api;
mod certificates;
mod controls;
mod endpoint_settings;
mod endpoints;
mod instances;
pub(crate) mod rulebook;
mod settings;
mod task_logs;
mod tasks;

#[cfg(test)]
mod network_tests;
#[cfg(test)]
mod tasks_tests;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use super::timeline::{GONE, Life, Timeline};
use super::{FakeEc2, FakeIam, FakeLogs, Recorder, locked, valid_identifier, valid_subnet_group_name};
use crate::aws::Secret;
use crate::aws::dms::{
    Connection, Endpoint, ReplicationInstance, ReplicationSubnetGroup, ReplicationTask, TableStats, Tags,
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
    "find_replication_tasks_by_arns",
    "describe_replication_instances_by_arns",
    "find_endpoints_by_arns",
    "list_tags_of_many",
    "find_connections",
    "find_replication_subnet_groups",
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
    "list_orderable_replication_instances",
    "list_engine_versions",
    "import_certificate",
    "find_certificate",
    "find_certificate_by_arn",
    "delete_certificate",
];

/// Operations whose answer [`FakeDms::lose_next_answer`] can lose: those that change something.
/// (A read whose answer is lost changed nothing; [`FakeDms::fail_next`] models it.)
pub const LOSABLE_OPS: &[&str] = &[
    "create_replication_task",
    "modify_replication_task",
    "move_replication_task",
    "start_replication_task",
    "stop_replication_task",
    "delete_replication_task",
    "add_tags",
    "remove_tags",
    "create_replication_subnet_group",
    "modify_replication_subnet_group",
    "delete_replication_subnet_group",
    "create_replication_instance",
    "modify_replication_instance",
    "delete_replication_instance",
    "create_endpoint",
    "modify_endpoint",
    "delete_endpoint",
    "test_connection",
    "import_certificate",
    "delete_certificate",
];

/// One pending transition of a task.
#[derive(Clone, Debug, PartialEq)]
struct Step {
    status: String,
    stop_reason: Option<String>,
    failure: Option<String>,
    /// The task is gone after this step (deletes).
    remove: bool,
    /// Applied with the status (a move lands on its new instance).
    instance_arn: Option<String>,
}

impl Step {
    fn to(status: &str) -> Step {
        Step { status: status.to_string(), stop_reason: None, failure: None, remove: false, instance_arn: None }
    }
    fn stopped(reason: String) -> Step {
        Step { stop_reason: Some(reason), ..Step::to("stopped") }
    }
    fn failed(message: &str) -> Step {
        let fatal = rulebook::rules().replication_task.stop_reason("fatal");
        Step { failure: Some(message.to_string()), stop_reason: Some(fatal), ..Step::to("failed") }
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
    next: Timeline<Step>,
    /// Started at least once: modify and move then settle to `stopped`, not `ready`.
    ever_started: bool,
    fail_on_start: Option<String>,
}

struct InstanceRec {
    inst: ReplicationInstance,
    life: Life,
    /// Network interfaces in the linked EC2 fake; left `available` when the instance is gone.
    enis: Vec<String>,
}

struct EndpointRec {
    ep: Endpoint,
    life: Life,
    password: Option<Secret>,
}

struct ConnectionRec {
    conn: Connection,
    life: Life,
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
    /// Deleted subnet groups (`deleting`) and when they are gone, as the emulator's dms_realism.py.
    subnet_groups_gone_at: BTreeMap<String, tokio::time::Instant>,
    /// By (instance ARN, endpoint ARN).
    connections: BTreeMap<(String, String), ConnectionRec>,
    /// Endpoint ARN → the failure message its next connection test ends with.
    failing_connections: HashMap<String, String>,
    /// Task ARN → what `DescribeTableStatistics` answers.
    table_stats: BTreeMap<String, Vec<TableStats>>,
    /// The statuses a new instance goes through after `creating`, one per creating period.
    instance_create_steps: Vec<String>,
    tags: BTreeMap<String, Tags>,
    /// By (lower-case) identifier.
    certificates: BTreeMap<String, certificates::CertificateRec>,
    rec: Recorder,
    counter: u64,
    full_load_skips_running: bool,
    /// Task log lines waiting for the next call ([`task_logs`]).
    task_log: Vec<task_logs::Pending>,
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
    logs: Option<Arc<FakeLogs>>,
}

impl Default for FakeDms {
    fn default() -> FakeDms {
        FakeDms::new()
    }
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

fn already_exists(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorKind::AlreadyExists, "ResourceAlreadyExistsFault", message)
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
        locked(&self.state)
    }

    fn arn(&self, kind: &str, resource_id: &str) -> String {
        format!("arn:aws:dms:{}:{}:{kind}:{resource_id}", self.region, self.account)
    }

    fn links(&self) -> Links {
        locked(&self.links).clone()
    }

    /// Records the call, lets the transitions due by now happen (as the emulator does before
    /// every call) and pops an injected failure, if any.
    fn begin(&self, st: &mut State, op: &str, arg: impl Into<String>) -> Result<(), AwsError> {
        self.tick(st);
        Self::flush_task_logs(st, &self.links());
        st.rec.begin(op, arg)
    }

    fn tick(&self, st: &mut State) {
        let tasks: Vec<String> = st.tasks.keys().cloned().collect();
        for arn in tasks {
            Self::advance(st, &arn);
        }
        let instances: Vec<String> = st.instances.keys().cloned().collect();
        for arn in instances {
            self.advance_instance(st, &arn);
        }
        let endpoints: Vec<String> = st.endpoints.keys().cloned().collect();
        for arn in endpoints {
            Self::advance_endpoint(st, &arn);
        }
        for c in st.connections.values_mut() {
            c.life.advance();
        }
    }

    /// A delete of an instance or endpoint by the rulebook: allowed from its state, refused while
    /// tasks (`users`) use it, then `deleting` until gone.
    fn start_delete(kind: &rulebook::Kind, op: &str, life: &mut Life, id: &str, users: &str) -> Result<(), AwsError> {
        kind.check(op, &life.status, &[("id", id)])?;
        if !users.is_empty() {
            return Err(kind.in_use(op, &[("id", id), ("users", users)]));
        }
        life.set("deleting", &[(kind.seconds("deleting"), GONE)]);
        Ok(())
    }

    /// The ids of the tasks matching `keep`, sorted and joined (for in-use messages).
    fn task_ids(st: &State, keep: impl Fn(&ReplicationTask) -> bool) -> String {
        let mut ids: Vec<String> =
            st.tasks.values().map(|t| &t.task).filter(|t| keep(t)).map(|t| t.id.clone()).collect();
        ids.sort();
        ids.join(", ")
    }
}
