//! `RdsApi` with coalesced reads: concurrent lookups of DB instances by identifier share one
//! `DescribeDBInstances` filtered by `db-instance-id` with all their identifiers per window
//! (`aws::coalesce`): the refresh of many `dmslink_main` stacks, two or three instances each, in one
//! plan. RDS lower-cases identifiers, so lookups are keyed by the lower-cased one. The filter answers
//! the instances that exist, so a missing one is simply absent: gone. `DescribeDBSubnetGroups` takes
//! no filter ("This parameter isn't currently supported", the RDS API reference) and tags come with
//! each instance (`TagList`): everything else passes straight through.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::coalesce::{BatchLookup, Coalescer};
use super::error::AwsError;
use super::rds::*;

pub struct CoalescedRds {
    inner: Arc<dyn RdsApi>,
    instances: Arc<Coalescer<DbInstance>>,
}

impl CoalescedRds {
    pub fn new(inner: Arc<dyn RdsApi>, window: Duration) -> CoalescedRds {
        let lookup = Arc::new(InstancesById { rds: inner.clone() });
        CoalescedRds { instances: Coalescer::new("RDS DB instance", lookup, window), inner }
    }
}

struct InstancesById {
    rds: Arc<dyn RdsApi>,
}

#[async_trait]
impl BatchLookup<DbInstance> for InstancesById {
    async fn many(&self, keys: &[String]) -> Result<BTreeMap<String, DbInstance>, AwsError> {
        let found = self.rds.find_db_instances(keys).await?;
        Ok(found.into_iter().map(|i| (i.id.to_ascii_lowercase(), i)).filter(|(id, _)| keys.contains(id)).collect())
    }
    async fn one(&self, key: &str) -> Result<Option<DbInstance>, AwsError> {
        self.rds.find_db_instance(key).await
    }
}

#[async_trait]
impl RdsApi for CoalescedRds {
    async fn create_db_subnet_group(&self, input: DbSubnetGroupInput) -> Result<DbSubnetGroup, AwsError> {
        self.inner.create_db_subnet_group(input).await
    }
    async fn find_db_subnet_group(&self, name: &str) -> Result<Option<DbSubnetGroup>, AwsError> {
        self.inner.find_db_subnet_group(name).await
    }
    async fn list_db_subnet_groups(&self) -> Result<Vec<DbSubnetGroup>, AwsError> {
        self.inner.list_db_subnet_groups().await
    }
    async fn modify_db_subnet_group(&self, input: DbSubnetGroupInput) -> Result<DbSubnetGroup, AwsError> {
        self.inner.modify_db_subnet_group(input).await
    }
    async fn delete_db_subnet_group(&self, name: &str) -> Result<(), AwsError> {
        self.inner.delete_db_subnet_group(name).await
    }
    async fn create_db_instance(&self, input: CreateDbInstanceInput) -> Result<DbInstance, AwsError> {
        self.inner.create_db_instance(input).await
    }
    async fn restore_db_instance_from_snapshot(&self, input: RestoreDbInstanceInput) -> Result<DbInstance, AwsError> {
        self.inner.restore_db_instance_from_snapshot(input).await
    }
    async fn find_db_instance(&self, id: &str) -> Result<Option<DbInstance>, AwsError> {
        self.instances.get(&id.to_ascii_lowercase()).await
    }
    async fn list_db_instances(&self) -> Result<Vec<DbInstance>, AwsError> {
        self.inner.list_db_instances().await
    }
    async fn find_db_instances(&self, ids: &[String]) -> Result<Vec<DbInstance>, AwsError> {
        self.inner.find_db_instances(ids).await
    }
    async fn modify_db_instance(&self, input: ModifyDbInstanceInput) -> Result<DbInstance, AwsError> {
        self.inner.modify_db_instance(input).await
    }
    async fn delete_db_instance(&self, input: DeleteDbInstanceInput) -> Result<(), AwsError> {
        self.inner.delete_db_instance(input).await
    }
    async fn find_db_snapshot(&self, id: &str) -> Result<Option<DbSnapshot>, AwsError> {
        self.inner.find_db_snapshot(id).await
    }
    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError> {
        self.inner.list_tags(arn).await
    }
    async fn add_tags(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        self.inner.add_tags(arn, tags).await
    }
    async fn remove_tags(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        self.inner.remove_tags(arn, keys).await
    }
    async fn list_db_engine_versions(
        &self,
        engine: &str,
        version: Option<&str>,
        default_only: bool,
    ) -> Result<Vec<DbEngineVersion>, AwsError> {
        self.inner.list_db_engine_versions(engine, version, default_only).await
    }
    async fn list_orderable_db_instance_classes(&self, engine: &str, version: &str) -> Result<Vec<String>, AwsError> {
        self.inner.list_orderable_db_instance_classes(engine, version).await
    }
}

#[cfg(test)]
#[path = "rds_coalesced_tests.rs"]
mod tests;
