//! The DMS calls dmslink makes, as a small trait with domain types, so resources never see SDK
//! types and tests can use the in-memory fake.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::Secret;
pub use super::engine_settings::EngineSettings;
use super::error::AwsError;
use super::wait::{WaitState, wait_state_field};

pub use super::Tags;

/// A replication task as DMS describes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplicationTask {
    pub arn: String,
    pub id: String,
    /// `creating`, `ready`, `starting`, `running`, `stopping`, `stopped`, `modifying`, `moving`,
    /// `deleting`, `failed`, `failed-move`, `testing`.
    pub status: String,
    pub migration_type: String,
    pub table_mappings: String,
    /// The full document DMS returns (its defaults merged with what was sent).
    pub settings: Option<String>,
    pub source_endpoint_arn: String,
    pub target_endpoint_arn: String,
    pub replication_instance_arn: String,
    pub cdc_start_position: Option<String>,
    pub stop_reason: Option<String>,
    pub last_failure_message: Option<String>,
    /// `ReplicationTaskStats`: reported once the task has been started.
    pub stats: Option<TaskStats>,
}

/// `ReplicationTaskStats` of a task (dates as Unix seconds).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskStats {
    pub full_load_progress_percent: Option<i64>,
    pub elapsed_time_millis: Option<i64>,
    pub tables_loaded: Option<i64>,
    pub tables_loading: Option<i64>,
    pub tables_queued: Option<i64>,
    pub tables_errored: Option<i64>,
    pub fresh_start_date: Option<i64>,
    pub start_date: Option<i64>,
    pub stop_date: Option<i64>,
    pub full_load_start_date: Option<i64>,
    pub full_load_finish_date: Option<i64>,
}

/// One table of a task as `DescribeTableStatistics` reports it (times as Unix seconds).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableStats {
    pub schema_name: String,
    pub table_name: String,
    /// `Before load`, `Full load`, `Table completed`, `Table cancelled`, `Table error`, ...
    pub table_state: String,
    pub inserts: i64,
    pub updates: i64,
    pub deletes: i64,
    pub ddls: i64,
    pub full_load_rows: i64,
    pub full_load_error_rows: i64,
    pub validation_state: Option<String>,
    pub last_update_time: Option<i64>,
}

impl TableStats {
    pub fn is_error(&self) -> bool {
        self.table_state.eq_ignore_ascii_case("Table error")
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CreateTaskInput {
    pub id: String,
    pub source_endpoint_arn: String,
    pub target_endpoint_arn: String,
    pub replication_instance_arn: String,
    pub migration_type: String,
    pub table_mappings: String,
    pub settings: Option<String>,
    /// Unix seconds.
    pub cdc_start_time: Option<i64>,
    pub cdc_start_position: Option<String>,
    pub tags: Tags,
}

/// Fields of `ModifyReplicationTask`; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModifyTaskInput {
    pub arn: String,
    pub migration_type: Option<String>,
    pub table_mappings: Option<String>,
    pub settings: Option<String>,
    pub cdc_start_time: Option<i64>,
    pub cdc_start_position: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartType {
    StartReplication,
    ResumeProcessing,
    ReloadTarget,
}

impl StartType {
    pub fn as_str(self) -> &'static str {
        match self {
            StartType::StartReplication => "start-replication",
            StartType::ResumeProcessing => "resume-processing",
            StartType::ReloadTarget => "reload-target",
        }
    }
}

/// A replication instance as DMS describes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplicationInstance {
    pub arn: String,
    /// Lower-case (DMS lower-cases instance identifiers).
    pub id: String,
    /// `creating`, `available`, `modifying`, `upgrading`, `rebooting`, `deleting`, `failed`,
    /// `incompatible-credentials`, `incompatible-network`, ...
    pub status: String,
    /// e.g. `dms.t3.medium`.
    pub class: String,
    pub engine_version: Option<String>,
    /// GiB.
    pub allocated_storage: i32,
    pub multi_az: bool,
    pub availability_zone: Option<String>,
    pub preferred_maintenance_window: Option<String>,
    pub auto_minor_version_upgrade: bool,
    pub publicly_accessible: bool,
    pub subnet_group_id: Option<String>,
    pub vpc_security_group_ids: Vec<String>,
    pub private_ip_addresses: Vec<String>,
    pub kms_key_id: Option<String>,
    /// Changes waiting to apply (with `ApplyImmediately=false`, or while `modifying`).
    pub pending: PendingInstanceValues,
}

/// `PendingModifiedValues` of a replication instance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingInstanceValues {
    pub class: Option<String>,
    pub allocated_storage: Option<i32>,
    pub multi_az: Option<bool>,
    pub engine_version: Option<String>,
}

impl PendingInstanceValues {
    pub fn is_empty(&self) -> bool {
        *self == PendingInstanceValues::default()
    }
}

/// `CreateReplicationInstance`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CreateReplicationInstanceInput {
    pub id: String,
    pub class: String,
    /// GiB (5-6144); `None`: DMS's default (50).
    pub allocated_storage: Option<i32>,
    pub engine_version: Option<String>,
    pub multi_az: bool,
    pub availability_zone: Option<String>,
    pub preferred_maintenance_window: Option<String>,
    pub auto_minor_version_upgrade: Option<bool>,
    /// Always sent (DMS defaults it to true).
    pub publicly_accessible: bool,
    pub subnet_group_id: String,
    pub vpc_security_group_ids: Vec<String>,
    /// The KMS key of the instance's storage; AWS's default key when unset. It cannot change
    /// (`ModifyReplicationInstance` has no such member).
    pub kms_key_id: Option<String>,
    pub tags: Tags,
}

/// `ModifyReplicationInstance` with `ApplyImmediately=true`; `None` leaves a field as it is.
/// Send only what changed: DMS refuses a modify without changes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModifyReplicationInstanceInput {
    pub arn: String,
    pub class: Option<String>,
    pub allocated_storage: Option<i32>,
    pub engine_version: Option<String>,
    pub allow_major_version_upgrade: bool,
    pub multi_az: Option<bool>,
    pub preferred_maintenance_window: Option<String>,
    pub auto_minor_version_upgrade: Option<bool>,
    pub vpc_security_group_ids: Option<Vec<String>>,
}

impl ModifyReplicationInstanceInput {
    /// No field to change (`allow_major_version_upgrade` alone is no change).
    pub fn is_empty(&self) -> bool {
        self.class.is_none()
            && self.allocated_storage.is_none()
            && self.engine_version.is_none()
            && self.multi_az.is_none()
            && self.preferred_maintenance_window.is_none()
            && self.auto_minor_version_upgrade.is_none()
            && self.vpc_security_group_ids.is_none()
    }
}

/// A replication subnet group (DMS gives it no ARN; see [`subnet_group_arn`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplicationSubnetGroup {
    /// Lower-case (DMS lower-cases subnet group identifiers).
    pub id: String,
    pub description: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    /// `Complete` when usable.
    pub status: String,
}

/// `CreateReplicationSubnetGroup` / `ModifyReplicationSubnetGroup` (which always resends the
/// subnets; tags only count at create).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplicationSubnetGroupInput {
    pub id: String,
    pub description: String,
    pub subnet_ids: Vec<String>,
    pub tags: Tags,
}

/// The ARN tags of a subnet group go to: `arn:<partition>:dms:<region>:<account>:subgrp:<id>`.
pub fn subnet_group_arn(partition: &str, region: &str, account: &str, id: &str) -> String {
    format!("arn:{partition}:dms:{region}:{account}:subgrp:{id}")
}

/// A DMS endpoint as DMS describes it (never with its password).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Endpoint {
    pub arn: String,
    pub id: String,
    /// `active`, `creating`, `deleting`, ...
    pub status: String,
    /// `source` or `target` (lower-case).
    pub endpoint_type: String,
    /// e.g. `oracle`, `postgres`.
    pub engine_name: String,
    pub server_name: Option<String>,
    pub port: Option<i32>,
    pub database_name: Option<String>,
    pub username: Option<String>,
    /// `none`, `require`, `verify-ca`, `verify-full`.
    pub ssl_mode: Option<String>,
    pub extra_connection_attributes: Option<String>,
    pub kms_key_id: Option<String>,
    /// The DMS certificate (`ImportCertificate`) that `verify-ca` / `verify-full` check the server with.
    pub certificate_arn: Option<String>,
    /// The Secrets Manager pair of the engine settings (`OracleSettings`/`PostgreSQLSettings`).
    pub secrets_manager: Option<SecretsManagerRef>,
    /// The typed engine settings DescribeEndpoints reports (secrets never among them).
    pub engine_settings: EngineSettings,
}

/// A DMS certificate (`ImportCertificate`, `DescribeCertificates`). Its PEM is never read back:
/// dmslink only imports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Certificate {
    pub arn: String,
    /// `CertificateIdentifier`.
    pub id: String,
}

/// Where DMS reads an endpoint's credentials from: `SecretsManagerSecretId` and
/// `SecretsManagerAccessRoleArn`, which exist only inside the engine's settings object (the
/// service model; never top-level). The secret's value is never read by dmslink.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretsManagerRef {
    /// The secret's full ARN.
    pub secret_id: String,
    /// The role DMS assumes to read the secret.
    pub access_role_arn: String,
}

/// `CreateEndpoint`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CreateEndpointInput {
    pub id: String,
    /// `source` or `target`.
    pub endpoint_type: String,
    pub engine_name: String,
    pub server_name: Option<String>,
    pub port: Option<i32>,
    pub database_name: Option<String>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub ssl_mode: Option<String>,
    pub extra_connection_attributes: Option<String>,
    /// The KMS key that encrypts the endpoint's settings; AWS's default key when unset. It cannot
    /// change (`ModifyEndpoint` has no such member).
    pub kms_key_id: Option<String>,
    pub certificate_arn: Option<String>,
    /// Sent in the engine settings with `database_name`, instead of server, port, user and password.
    pub secrets_manager: Option<SecretsManagerRef>,
    /// Only the settings the user set; sent in the same settings object as the pair.
    pub engine_settings: EngineSettings,
    pub tags: Tags,
}

/// `ModifyEndpoint`; `None` leaves a field as it is. Refused while a task using the endpoint
/// runs: stop those tasks first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModifyEndpointInput {
    pub arn: String,
    pub endpoint_type: Option<String>,
    pub engine_name: Option<String>,
    pub server_name: Option<String>,
    pub port: Option<i32>,
    pub database_name: Option<String>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub ssl_mode: Option<String>,
    pub extra_connection_attributes: Option<String>,
    /// `""` removes the endpoint's certificate.
    pub certificate_arn: Option<String>,
    /// Sent in the engine settings (for `engine_name`, which the caller then also sets).
    pub secrets_manager: Option<SecretsManagerRef>,
    /// The settings to send (for `engine_name`, which the caller then also sets).
    pub engine_settings: EngineSettings,
    /// `ExactSettings=true`: the settings sent replace all of the endpoint's settings (a setting
    /// removed from the config is cleared); otherwise only the keys sent change.
    pub exact_settings: bool,
}

/// Which tasks [`DmsApi::list_replication_tasks_using`] lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TasksUsing {
    /// Filter `replication-instance-arn`.
    Instance(String),
    /// Filter `endpoint-arn` (source or target).
    Endpoint(String),
}

/// A connection test between an instance and an endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Connection {
    pub replication_instance_arn: String,
    pub endpoint_arn: String,
    /// `testing`, `successful`, `failed`, `deleting`.
    pub status: String,
    pub last_failure_message: Option<String>,
}

/// One class with one engine version the region offers (`OrderableReplicationInstance`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderableReplicationInstance {
    /// e.g. `dms.t3.medium`.
    pub class: String,
    pub engine_version: String,
    /// `prod` or `beta`.
    pub release_status: Option<String>,
}

/// A DMS engine version the region offers (`EngineVersion` of `DescribeEngineVersions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DmsEngineVersion {
    pub version: String,
    /// `DEFAULT_VERSION` for the version a create without one gets, else e.g. `ACTIVE`.
    pub lifecycle: Option<String>,
}

impl DmsEngineVersion {
    pub fn is_default(&self) -> bool {
        self.lifecycle.as_deref().is_some_and(|l| l.eq_ignore_ascii_case("DEFAULT_VERSION"))
    }
}

#[async_trait]
pub trait DmsApi: Send + Sync {
    async fn create_replication_task(&self, input: CreateTaskInput) -> Result<ReplicationTask, AwsError>;
    /// `Ok(None)` when no task has this ARN (DMS's `ResourceNotFoundFault` or an empty list).
    async fn find_replication_task_by_arn(&self, arn: &str) -> Result<Option<ReplicationTask>, AwsError>;
    async fn find_replication_task_by_id(&self, id: &str) -> Result<Option<ReplicationTask>, AwsError>;
    async fn modify_replication_task(&self, input: ModifyTaskInput) -> Result<ReplicationTask, AwsError>;
    async fn move_replication_task(&self, arn: &str, target_instance_arn: &str) -> Result<ReplicationTask, AwsError>;
    async fn start_replication_task(&self, arn: &str, start_type: StartType) -> Result<ReplicationTask, AwsError>;
    async fn stop_replication_task(&self, arn: &str) -> Result<ReplicationTask, AwsError>;
    async fn delete_replication_task(&self, arn: &str) -> Result<(), AwsError>;
    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError>;
    async fn add_tags(&self, arn: &str, tags: &Tags) -> Result<(), AwsError>;
    async fn remove_tags(&self, arn: &str, keys: &[String]) -> Result<(), AwsError>;
    /// `Ok(None)` when no replication instance has this ARN.
    async fn describe_replication_instance_by_arn(&self, arn: &str) -> Result<Option<ReplicationInstance>, AwsError>;
    /// `Ok(None)` when no endpoint has this ARN.
    async fn find_endpoint_by_arn(&self, arn: &str) -> Result<Option<Endpoint>, AwsError>;

    // ---- many at once: the coalesced reads of `aws::dms_coalesced` ----
    /// The tasks among `arns` that exist, from one `DescribeReplicationTasks` filtered by all of
    /// them (paged); an ARN no task has is simply absent from the answer.
    async fn find_replication_tasks_by_arns(&self, arns: &[String]) -> Result<Vec<ReplicationTask>, AwsError>;
    /// The replication instances among `arns` that exist (one filtered, paged describe).
    async fn describe_replication_instances_by_arns(
        &self,
        arns: &[String],
    ) -> Result<Vec<ReplicationInstance>, AwsError>;
    /// The endpoints among `arns` that exist (one filtered, paged describe).
    async fn find_endpoints_by_arns(&self, arns: &[String]) -> Result<Vec<Endpoint>, AwsError>;
    /// The tags of every resource in `arns` from one `ListTagsForResource` with `ResourceArnList`;
    /// a resource without tags maps to an empty set. The call fails as a whole when one of the
    /// ARNs names nothing (the stricter reading: AWS does not document it).
    async fn list_tags_of_many(&self, arns: &[String]) -> Result<BTreeMap<String, Tags>, AwsError>;
    /// The connections of any of `instance_arns` with any of `endpoint_arns`: one
    /// `DescribeConnections` filtered by both lists (paged).
    async fn find_connections(
        &self,
        instance_arns: &[String],
        endpoint_arns: &[String],
    ) -> Result<Vec<Connection>, AwsError>;
    /// The replication subnet groups among `ids` that can be described (one filtered describe).
    async fn find_replication_subnet_groups(&self, ids: &[String]) -> Result<Vec<ReplicationSubnetGroup>, AwsError>;

    // ---- replication subnet groups ----
    /// `AccessDeniedFault` until `dms-vpc-role` is in place (and for a while after it is
    /// created); `ReplicationSubnetGroupDoesNotCoverEnoughAZs` with fewer than two AZs.
    async fn create_replication_subnet_group(
        &self,
        input: ReplicationSubnetGroupInput,
    ) -> Result<ReplicationSubnetGroup, AwsError>;
    /// `Ok(None)` when there is no such group.
    async fn find_replication_subnet_group(&self, id: &str) -> Result<Option<ReplicationSubnetGroup>, AwsError>;
    /// Description and subnets (always resent).
    async fn modify_replication_subnet_group(
        &self,
        input: ReplicationSubnetGroupInput,
    ) -> Result<ReplicationSubnetGroup, AwsError>;
    /// `InvalidResourceStateFault` while an instance uses it.
    async fn delete_replication_subnet_group(&self, id: &str) -> Result<(), AwsError>;
    /// Every replication subnet group in the region (`DescribeReplicationSubnetGroups` without
    /// filters, all pages); empty when there is none.
    async fn list_replication_subnet_groups(&self) -> Result<Vec<ReplicationSubnetGroup>, AwsError>;

    // ---- replication instances ----
    async fn create_replication_instance(
        &self,
        input: CreateReplicationInstanceInput,
    ) -> Result<ReplicationInstance, AwsError>;
    /// `Ok(None)` when no instance has this identifier.
    async fn find_replication_instance(&self, id: &str) -> Result<Option<ReplicationInstance>, AwsError>;
    /// Answers the instance with its `pending` values (status `modifying` once DMS starts).
    async fn modify_replication_instance(
        &self,
        input: ModifyReplicationInstanceInput,
    ) -> Result<ReplicationInstance, AwsError>;
    /// `InvalidResourceStateFault` while tasks use it.
    async fn delete_replication_instance(&self, arn: &str) -> Result<(), AwsError>;
    /// Every replication instance in the region, whatever its status (`DescribeReplicationInstances`
    /// without filters, all pages); empty when there is none.
    async fn list_replication_instances(&self) -> Result<Vec<ReplicationInstance>, AwsError>;

    // ---- endpoints ----
    async fn create_endpoint(&self, input: CreateEndpointInput) -> Result<Endpoint, AwsError>;
    /// `Ok(None)` when no endpoint has this identifier.
    async fn find_endpoint(&self, id: &str) -> Result<Option<Endpoint>, AwsError>;
    /// Every endpoint of one type (`source` or `target`) in the region: `DescribeEndpoints` filtered
    /// by `endpoint-type`, all pages; empty when there is none. For discovery by identifier prefix,
    /// which DMS cannot filter on.
    async fn list_endpoints(&self, endpoint_type: &str) -> Result<Vec<Endpoint>, AwsError>;
    async fn modify_endpoint(&self, input: ModifyEndpointInput) -> Result<Endpoint, AwsError>;
    /// `InvalidResourceStateFault` while tasks use it.
    async fn delete_endpoint(&self, arn: &str) -> Result<(), AwsError>;

    /// Every task on this instance or endpoint (`DescribeReplicationTasks` filtered by
    /// `replication-instance-arn` / `endpoint-arn`, settings included); empty when none.
    async fn list_replication_tasks_using(&self, by: &TasksUsing) -> Result<Vec<ReplicationTask>, AwsError>;

    /// A task and its tags for a refresh (`ReadResource`), `instance_arn` being the replication
    /// instance the state last saw it on. Here two fresh reads; `aws::dms_coalesced` may answer
    /// from one listing of that instance made moments ago in this process instead (see there).
    async fn refresh_replication_task(
        &self,
        arn: &str,
        instance_arn: &str,
    ) -> Result<Option<(ReplicationTask, Tags)>, AwsError> {
        let _ = instance_arn;
        let Some(task) = self.find_replication_task_by_arn(arn).await? else { return Ok(None) };
        let tags = self.list_tags(arn).await?;
        Ok(Some((task, tags)))
    }

    /// Every table of a task (all pages of `DescribeTableStatistics`).
    async fn describe_table_statistics(&self, task_arn: &str) -> Result<Vec<TableStats>, AwsError>;
    /// Starts a connection test (status `testing`).
    async fn test_connection(&self, instance_arn: &str, endpoint_arn: &str) -> Result<Connection, AwsError>;
    /// The latest connection test of this pair; `Ok(None)` when there is none.
    async fn find_connection(&self, instance_arn: &str, endpoint_arn: &str) -> Result<Option<Connection>, AwsError>;

    // ---- certificates ----
    /// `ImportCertificate` of a PEM CA certificate (or chain). `ResourceAlreadyExistsFault` when the
    /// identifier is taken, `InvalidCertificateFault` when the PEM holds no certificate.
    async fn import_certificate(&self, id: &str, pem: &Secret) -> Result<Certificate, AwsError>;
    /// `DescribeCertificates` filtered by `certificate-id`; `Ok(None)` when none has it.
    async fn find_certificate(&self, id: &str) -> Result<Option<Certificate>, AwsError>;
    /// `DescribeCertificates` filtered by `certificate-arn`; `Ok(None)` when none has it.
    async fn find_certificate_by_arn(&self, arn: &str) -> Result<Option<Certificate>, AwsError>;
    /// `DeleteCertificate`: `ResourceNotFoundFault` when gone, `InvalidResourceStateFault` while an
    /// endpoint uses it.
    async fn delete_certificate(&self, arn: &str) -> Result<(), AwsError>;

    // ---- what the region offers ----
    /// Every class × engine version a replication instance can be ordered with
    /// (`DescribeOrderableReplicationInstances`, `MaxRecords` 100, every page).
    async fn list_orderable_replication_instances(&self) -> Result<Vec<OrderableReplicationInstance>, AwsError>;
    /// Every engine version a replication instance can be ordered with (`DescribeEngineVersions`,
    /// `MaxRecords` 100, every page).
    async fn list_engine_versions(&self) -> Result<Vec<DmsEngineVersion>, AwsError>;
}

/// States a replication instance passes through on its way to `available` (TFP).
pub const INSTANCE_PENDING_STATES: &[&str] = &["creating", "modifying", "upgrading", "rebooting", "maintenance"];
/// States that end an instance wait with an error.
pub const INSTANCE_FAILED_STATES: &[&str] = &["failed", "incompatible-credentials", "incompatible-network"];

// What the waiters watch (`aws::wait`).

impl WaitState for ReplicationTask {
    fn state(&self) -> &str {
        &self.status
    }
    fn failure_detail(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(m) = self.last_failure_message.as_deref().filter(|m| !m.is_empty()) {
            parts.push(format!("last failure: {m}"));
        }
        if let Some(r) = self.stop_reason.as_deref().filter(|r| !r.is_empty()) {
            parts.push(format!("stop reason: {r}"));
        }
        if parts.is_empty() { None } else { Some(parts.join("; ")) }
    }
    fn progress(&self) -> Option<String> {
        let s = self.stats.as_ref()?;
        let n = |v: Option<i64>| v.unwrap_or(0);
        Some(format!(
            "full load {}%, tables loaded {}, loading {}, queued {}, errored {}",
            n(s.full_load_progress_percent),
            n(s.tables_loaded),
            n(s.tables_loading),
            n(s.tables_queued),
            n(s.tables_errored)
        ))
    }
}

impl WaitState for Connection {
    fn state(&self) -> &str {
        &self.status
    }
    fn failure_detail(&self) -> Option<String> {
        self.last_failure_message.as_deref().filter(|m| !m.is_empty()).map(|m| format!("last failure: {m}"))
    }
}

wait_state_field!(ReplicationInstance => status, Endpoint => status, ReplicationSubnetGroup => status);

/// Replication instance states a wait for `available` passes through (ReplicationInstanceStatus,
/// DMS API reference; `resetting-master-credentials` as the AWS provider's waiter).
pub const RI_PENDING: &[&str] =
    &["creating", "modifying", "upgrading", "rebooting", "maintenance", "resetting-master-credentials"];
/// Replication instance states that end such a wait with an error.
pub const RI_FAILED: &[&str] =
    &["failed", "incompatible-credentials", "incompatible-network", "inaccessible-encryption-credentials"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnet_group_arn_has_partition_region_account() {
        assert_eq!(
            subnet_group_arn("aws", "eu-west-1", "123456789012", "dblink"),
            "arn:aws:dms:eu-west-1:123456789012:subgrp:dblink"
        );
    }

    #[test]
    fn empty_instance_modify_ignores_major_upgrade_flag() {
        let m =
            ModifyReplicationInstanceInput { arn: "a".into(), allow_major_version_upgrade: true, ..Default::default() };
        assert!(m.is_empty());
        let m = ModifyReplicationInstanceInput { arn: "a".into(), multi_az: Some(false), ..Default::default() };
        assert!(!m.is_empty());
    }

    #[test]
    fn endpoint_passwords_never_show_in_debug() {
        let c = CreateEndpointInput { password: Some(Secret::new("tiger")), ..Default::default() };
        assert!(!format!("{c:?}").contains("tiger"));
        let m = ModifyEndpointInput { password: Some(Secret::new("tiger")), ..Default::default() };
        assert!(!format!("{m:?}").contains("tiger"));
    }
}
