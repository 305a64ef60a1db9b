//! The DMS calls dmslink makes, as a small trait with domain types, so resources never see SDK
//! types and tests can use the in-memory fake.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::error::AwsError;

pub type Tags = BTreeMap<String, String>;

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

/// A replication instance, as much as a task needs to know about it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplicationInstance {
    pub arn: String,
    pub id: String,
    /// `creating`, `available`, `modifying`, `deleting`, `failed`, ...
    pub status: String,
    /// e.g. `dms.t3.medium`.
    pub class: String,
    pub engine_version: Option<String>,
}

/// A DMS endpoint, as much as a task needs to know about it.
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
}
