//! The RDS calls dmslink makes (DB subnet groups, DB instances created or restored from a
//! snapshot, snapshots, tags), as a small trait with domain types. Statuses are AWS's strings
//! (`creating`, `backing-up`, `available`, `modifying`, `deleting`, ...). RDS lower-cases instance
//! identifiers and subnet group names.

use async_trait::async_trait;

use super::Secret;
use super::error::AwsError;
use super::wait::wait_state_field;

pub use super::Tags;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbSubnetGroup {
    pub name: String,
    pub arn: String,
    pub description: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    /// `Complete` when usable.
    pub status: String,
}

/// `CreateDBSubnetGroup` / `ModifyDBSubnetGroup` (tags only count at create).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbSubnetGroupInput {
    pub name: String,
    pub description: String,
    pub subnet_ids: Vec<String>,
    pub tags: Tags,
}

/// Changes RDS holds until they apply (`PendingModifiedValues`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingDbValues {
    pub instance_class: Option<String>,
    pub allocated_storage: Option<i32>,
    pub engine_version: Option<String>,
    pub multi_az: Option<bool>,
    pub backup_retention_period: Option<i32>,
    pub port: Option<i32>,
    pub db_subnet_group_name: Option<String>,
    /// A new master password is waiting (AWS shows `****`).
    pub master_password: bool,
}

impl PendingDbValues {
    pub fn is_empty(&self) -> bool {
        *self == PendingDbValues::default()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbInstance {
    /// Lower-case identifier.
    pub id: String,
    pub arn: String,
    /// `creating`, `backing-up`, `available`, `modifying`, `deleting`, `failed`, ...
    pub status: String,
    pub engine: String,
    pub engine_version: String,
    pub instance_class: String,
    pub allocated_storage: i32,
    pub master_username: Option<String>,
    pub db_name: Option<String>,
    /// `None` while creating.
    pub endpoint_address: Option<String>,
    pub endpoint_port: Option<i32>,
    pub multi_az: bool,
    pub storage_encrypted: bool,
    /// The KMS key of encrypted storage.
    pub kms_key_id: Option<String>,
    pub deletion_protection: bool,
    pub publicly_accessible: bool,
    pub auto_minor_version_upgrade: bool,
    pub backup_retention_period: i32,
    pub backup_window: Option<String>,
    pub maintenance_window: Option<String>,
    pub availability_zone: Option<String>,
    pub db_subnet_group_name: Option<String>,
    pub vpc_security_group_ids: Vec<String>,
    pub pending: PendingDbValues,
    pub tags: Tags,
}

/// `CreateDBInstance`. `PubliclyAccessible` is always sent as false.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateDbInstanceInput {
    pub id: String,
    /// e.g. `postgres`, `oracle-se2`.
    pub engine: String,
    pub engine_version: Option<String>,
    pub instance_class: String,
    pub allocated_storage: i32,
    pub master_username: String,
    pub master_password: Secret,
    pub db_name: Option<String>,
    pub port: Option<i32>,
    pub db_subnet_group_name: String,
    pub vpc_security_group_ids: Vec<String>,
    pub multi_az: bool,
    pub storage_encrypted: bool,
    /// The KMS key of encrypted storage; AWS's default key when unset. It cannot change
    /// (`ModifyDBInstance` has no such member) and a restore takes the snapshot's.
    pub kms_key_id: Option<String>,
    pub backup_retention_period: Option<i32>,
    pub backup_window: Option<String>,
    pub maintenance_window: Option<String>,
    pub deletion_protection: bool,
    pub auto_minor_version_upgrade: Option<bool>,
    pub tags: Tags,
}

/// `RestoreDBInstanceFromDBSnapshot`, with the fields AWS takes there. Storage size, backup and
/// maintenance settings and the master password are not accepted on restore: apply them with a
/// follow-up [`RdsApi::modify_db_instance`] once the instance is `available`. The master user
/// and (except where `db_name` is given, e.g. Oracle) the database name come from the snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestoreDbInstanceInput {
    pub id: String,
    pub snapshot_identifier: String,
    pub instance_class: Option<String>,
    /// Only engines that take it (Oracle: the SID); never for postgres/mysql/mariadb.
    pub db_name: Option<String>,
    pub port: Option<i32>,
    pub db_subnet_group_name: String,
    pub vpc_security_group_ids: Vec<String>,
    pub multi_az: bool,
    pub availability_zone: Option<String>,
    pub deletion_protection: bool,
    pub auto_minor_version_upgrade: Option<bool>,
    pub tags: Tags,
}

/// `ModifyDBInstance` with `ApplyImmediately=true`; `None` leaves a field as it is. Send only what
/// changed: an empty modify is refused (`InvalidParameterCombination`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModifyDbInstanceInput {
    pub id: String,
    pub instance_class: Option<String>,
    pub allocated_storage: Option<i32>,
    pub engine_version: Option<String>,
    pub allow_major_version_upgrade: bool,
    pub master_password: Option<Secret>,
    pub multi_az: Option<bool>,
    pub backup_retention_period: Option<i32>,
    pub backup_window: Option<String>,
    pub maintenance_window: Option<String>,
    pub deletion_protection: Option<bool>,
    pub vpc_security_group_ids: Option<Vec<String>>,
    pub db_subnet_group_name: Option<String>,
    pub auto_minor_version_upgrade: Option<bool>,
}

impl ModifyDbInstanceInput {
    /// No field to change (`allow_major_version_upgrade` alone is no change).
    pub fn is_empty(&self) -> bool {
        ModifyDbInstanceInput { id: self.id.clone(), allow_major_version_upgrade: false, ..self.clone() }
            == ModifyDbInstanceInput { id: self.id.clone(), ..ModifyDbInstanceInput::default() }
    }
}

/// `DeleteDBInstance`. AWS demands a final-snapshot decision: `skip_final_snapshot = true` or a
/// `final_snapshot_identifier` (exactly one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeleteDbInstanceInput {
    pub id: String,
    pub skip_final_snapshot: bool,
    pub final_snapshot_identifier: Option<String>,
    pub delete_automated_backups: bool,
}

impl DeleteDbInstanceInput {
    /// Delete without a final snapshot (and without automated backups).
    pub fn skip_final_snapshot(id: &str) -> DeleteDbInstanceInput {
        DeleteDbInstanceInput {
            id: id.to_string(),
            skip_final_snapshot: true,
            final_snapshot_identifier: None,
            delete_automated_backups: true,
        }
    }
    /// Delete after taking the snapshot `snapshot_id`.
    pub fn with_final_snapshot(id: &str, snapshot_id: &str) -> DeleteDbInstanceInput {
        DeleteDbInstanceInput {
            id: id.to_string(),
            skip_final_snapshot: false,
            final_snapshot_identifier: Some(snapshot_id.to_string()),
            delete_automated_backups: true,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbSnapshot {
    pub id: String,
    pub arn: String,
    pub db_instance_id: String,
    /// `creating`, `available`, ...
    pub status: String,
    pub engine: String,
    pub engine_version: String,
    pub allocated_storage: i32,
    pub master_username: Option<String>,
    pub port: Option<i32>,
    pub encrypted: bool,
    pub tags: Tags,
}

/// An engine version RDS offers (`DBEngineVersion`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbEngineVersion {
    pub engine: String,
    pub version: String,
    /// e.g. `17` (postgres), `19` (Oracle).
    pub major_version: Option<String>,
}

#[async_trait]
pub trait RdsApi: Send + Sync {
    async fn create_db_subnet_group(&self, input: DbSubnetGroupInput) -> Result<DbSubnetGroup, AwsError>;
    /// `Ok(None)` when there is no such group (`DBSubnetGroupNotFoundFault`).
    async fn find_db_subnet_group(&self, name: &str) -> Result<Option<DbSubnetGroup>, AwsError>;
    /// Every DB subnet group of the region (`DescribeDBSubnetGroups`, every page): adoption looks for
    /// those in one VPC, which the API cannot filter by.
    async fn list_db_subnet_groups(&self) -> Result<Vec<DbSubnetGroup>, AwsError>;
    /// Description and subnets (tags are ignored; use [`RdsApi::add_tags`]).
    async fn modify_db_subnet_group(&self, input: DbSubnetGroupInput) -> Result<DbSubnetGroup, AwsError>;
    /// `InvalidDBSubnetGroupStateFault` while an instance uses it.
    async fn delete_db_subnet_group(&self, name: &str) -> Result<(), AwsError>;

    async fn create_db_instance(&self, input: CreateDbInstanceInput) -> Result<DbInstance, AwsError>;
    async fn restore_db_instance_from_snapshot(&self, input: RestoreDbInstanceInput) -> Result<DbInstance, AwsError>;
    /// `Ok(None)` when there is no such instance (`DBInstanceNotFound`).
    async fn find_db_instance(&self, id: &str) -> Result<Option<DbInstance>, AwsError>;
    /// Every DB instance of the region (`DescribeDBInstances`, every page): adoption looks for those
    /// in one VPC's DB subnet groups.
    async fn list_db_instances(&self) -> Result<Vec<DbInstance>, AwsError>;
    /// The DB instances among `ids` that exist (`DescribeDBInstances` filtered by `db-instance-id`,
    /// at most 100 ids per request, every page): one that does not is simply absent, where asking
    /// for it by identifier would fail (`aws::rds_coalesced` reads many stacks' instances at once).
    async fn find_db_instances(&self, ids: &[String]) -> Result<Vec<DbInstance>, AwsError>;
    async fn modify_db_instance(&self, input: ModifyDbInstanceInput) -> Result<DbInstance, AwsError>;
    async fn delete_db_instance(&self, input: DeleteDbInstanceInput) -> Result<(), AwsError>;

    /// `Ok(None)` when there is no such snapshot (`DBSnapshotNotFound`).
    async fn find_db_snapshot(&self, id: &str) -> Result<Option<DbSnapshot>, AwsError>;

    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError>;
    async fn add_tags(&self, arn: &str, tags: &Tags) -> Result<(), AwsError>;
    async fn remove_tags(&self, arn: &str, keys: &[String]) -> Result<(), AwsError>;

    // ---- what the region offers ----
    /// The versions of `engine` a DB instance can be created with (`DescribeDBEngineVersions`,
    /// every page): all of them, those matching `version` (exact, or a major version such as
    /// `"17"`), or with `default_only` the one a create without a version (or with that major
    /// alone) gets. Empty for an engine RDS knows but does not offer here.
    async fn list_db_engine_versions(
        &self,
        engine: &str,
        version: Option<&str>,
        default_only: bool,
    ) -> Result<Vec<DbEngineVersion>, AwsError>;
    /// The instance classes `engine` at `version` can be created with
    /// (`DescribeOrderableDBInstanceOptions`, `MaxRecords` 1000, every page), each once whatever
    /// its storage types and license models. Empty for a version not offered.
    async fn list_orderable_db_instance_classes(&self, engine: &str, version: &str) -> Result<Vec<String>, AwsError>;
}

/// States `wait available` passes through (TFP `rds/instance.go`).
pub const DB_PENDING_STATES: &[&str] = &[
    "backing-up",
    "configuring-enhanced-monitoring",
    "configuring-iam-database-auth",
    "configuring-log-exports",
    "creating",
    "maintenance",
    "modifying",
    "moving-to-vpc",
    "rebooting",
    "renaming",
    "resetting-master-credentials",
    "starting",
    "stopping",
    "storage-full",
    "upgrading",
];
/// Settled states of an instance.
pub const DB_AVAILABLE_STATES: &[&str] = &["available", "storage-optimization"];
/// States that end a wait with an error.
pub const DB_FAILED_STATES: &[&str] = &[
    "failed",
    "incompatible-network",
    "incompatible-option-group",
    "incompatible-parameters",
    "incompatible-restore",
    "inaccessible-encryption-credentials",
    "restore-error",
];

// What the waiters watch (`aws::wait`).
wait_state_field!(DbInstance => status, DbSnapshot => status);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_modify_ignores_major_upgrade_flag() {
        let m = ModifyDbInstanceInput { id: "db".into(), allow_major_version_upgrade: true, ..Default::default() };
        assert!(m.is_empty());
        let m = ModifyDbInstanceInput { id: "db".into(), master_password: Some("x".into()), ..Default::default() };
        assert!(!m.is_empty());
    }

    #[test]
    fn passwords_never_show_in_debug() {
        let c = CreateDbInstanceInput { master_password: Secret::new("hunter2"), ..Default::default() };
        assert!(!format!("{c:?}").contains("hunter2"));
        let m = ModifyDbInstanceInput { master_password: Some("hunter2".into()), ..Default::default() };
        assert!(!format!("{m:?}").contains("hunter2"));
    }

    #[test]
    fn delete_inputs_carry_a_snapshot_decision() {
        let d = DeleteDbInstanceInput::skip_final_snapshot("db");
        assert!(d.skip_final_snapshot && d.final_snapshot_identifier.is_none() && d.delete_automated_backups);
        let d = DeleteDbInstanceInput::with_final_snapshot("db", "db-final");
        assert!(!d.skip_final_snapshot);
        assert_eq!(d.final_snapshot_identifier.as_deref(), Some("db-final"));
    }
}
