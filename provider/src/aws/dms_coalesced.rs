//! `DmsApi` with coalesced reads: concurrent lookups of tasks, replication instances, endpoints,
//! connections and replication subnet groups, and of tags, share one call per window
//! (`aws::coalesce`); a refresh of many tasks of one replication instance is answered from one
//! listing of it (`aws::dms_refresh_listing`). Everything else passes straight through. The provider puts it
//! in front of the SDK client at `ConfigureProvider` unless `coalesce::wanted` says no.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::Secret;
use super::coalesce::{BatchLookup, Coalescer};
use super::dms::{
    Certificate, Connection, CreateEndpointInput, CreateReplicationInstanceInput, CreateTaskInput, DmsApi,
    DmsEngineVersion, Endpoint, ModifyEndpointInput, ModifyReplicationInstanceInput, ModifyTaskInput,
    OrderableReplicationInstance, ReplicationInstance, ReplicationSubnetGroup, ReplicationSubnetGroupInput,
    ReplicationTask, StartType, TableStats, Tags, TasksUsing,
};
use super::dms_refresh_listing::{DEFAULT_LIST_AFTER, RefreshListings};
use super::error::AwsError;

pub struct CoalescedDms {
    inner: Arc<dyn DmsApi>,
    tasks: Arc<Coalescer<ReplicationTask>>,
    instances: Arc<Coalescer<ReplicationInstance>>,
    endpoints: Arc<Coalescer<Endpoint>>,
    tags: Arc<Coalescer<Tags>>,
    /// Keyed by `<instance ARN> <endpoint ARN>`.
    connections: Arc<Coalescer<Connection>>,
    /// Keyed by the lower-cased identifier (DMS's own spelling of it).
    subnet_groups: Arc<Coalescer<ReplicationSubnetGroup>>,
    listings: RefreshListings,
}

impl CoalescedDms {
    pub fn new(inner: Arc<dyn DmsApi>, window: Duration) -> CoalescedDms {
        CoalescedDms::listing_after(inner, window, DEFAULT_LIST_AFTER)
    }

    /// With refreshes answered from a listing of an instance after `list_after` fresh ones.
    pub fn listing_after(inner: Arc<dyn DmsApi>, window: Duration, list_after: usize) -> CoalescedDms {
        CoalescedDms {
            listings: RefreshListings::new(list_after),
            tasks: Coalescer::new("DMS replication task", Arc::new(Tasks(inner.clone())), window),
            instances: Coalescer::new("DMS replication instance", Arc::new(Instances(inner.clone())), window),
            endpoints: Coalescer::new("DMS endpoint", Arc::new(Endpoints(inner.clone())), window),
            tags: Coalescer::new("DMS tags of", Arc::new(TagLists(inner.clone())), window),
            connections: Coalescer::new("DMS connection", Arc::new(Connections(inner.clone())), window),
            subnet_groups: Coalescer::new(
                "DMS replication subnet group",
                Arc::new(SubnetGroups(inner.clone())),
                window,
            ),
            inner,
        }
    }
}

struct Tasks(Arc<dyn DmsApi>);
struct Instances(Arc<dyn DmsApi>);
struct Endpoints(Arc<dyn DmsApi>);
struct TagLists(Arc<dyn DmsApi>);
struct Connections(Arc<dyn DmsApi>);
struct SubnetGroups(Arc<dyn DmsApi>);

fn connection_key(instance_arn: &str, endpoint_arn: &str) -> String {
    format!("{instance_arn} {endpoint_arn}")
}

#[async_trait]
impl BatchLookup<ReplicationTask> for Tasks {
    async fn many(&self, keys: &[String]) -> Result<BTreeMap<String, ReplicationTask>, AwsError> {
        Ok(self.0.find_replication_tasks_by_arns(keys).await?.into_iter().map(|t| (t.arn.clone(), t)).collect())
    }
    async fn one(&self, key: &str) -> Result<Option<ReplicationTask>, AwsError> {
        self.0.find_replication_task_by_arn(key).await
    }
}

#[async_trait]
impl BatchLookup<ReplicationInstance> for Instances {
    async fn many(&self, keys: &[String]) -> Result<BTreeMap<String, ReplicationInstance>, AwsError> {
        Ok(self.0.describe_replication_instances_by_arns(keys).await?.into_iter().map(|i| (i.arn.clone(), i)).collect())
    }
    async fn one(&self, key: &str) -> Result<Option<ReplicationInstance>, AwsError> {
        self.0.describe_replication_instance_by_arn(key).await
    }
}

#[async_trait]
impl BatchLookup<Endpoint> for Endpoints {
    async fn many(&self, keys: &[String]) -> Result<BTreeMap<String, Endpoint>, AwsError> {
        Ok(self.0.find_endpoints_by_arns(keys).await?.into_iter().map(|e| (e.arn.clone(), e)).collect())
    }
    async fn one(&self, key: &str) -> Result<Option<Endpoint>, AwsError> {
        self.0.find_endpoint_by_arn(key).await
    }
}

#[async_trait]
impl BatchLookup<Tags> for TagLists {
    async fn many(&self, keys: &[String]) -> Result<BTreeMap<String, Tags>, AwsError> {
        self.0.list_tags_of_many(keys).await
    }
    async fn one(&self, key: &str) -> Result<Option<Tags>, AwsError> {
        self.0.list_tags(key).await.map(Some)
    }
}

#[async_trait]
impl BatchLookup<Connection> for Connections {
    async fn many(&self, keys: &[String]) -> Result<BTreeMap<String, Connection>, AwsError> {
        let mut instances: Vec<String> = Vec::new();
        let mut endpoints: Vec<String> = Vec::new();
        for (instance, endpoint) in keys.iter().filter_map(|k| k.split_once(' ')) {
            if !instances.iter().any(|i| i == instance) {
                instances.push(instance.to_string());
            }
            if !endpoints.iter().any(|e| e == endpoint) {
                endpoints.push(endpoint.to_string());
            }
        }
        Ok(self
            .0
            .find_connections(&instances, &endpoints)
            .await?
            .into_iter()
            .map(|c| (connection_key(&c.replication_instance_arn, &c.endpoint_arn), c))
            .filter(|(k, _)| keys.contains(k))
            .collect())
    }
    async fn one(&self, key: &str) -> Result<Option<Connection>, AwsError> {
        let (instance, endpoint) = key.split_once(' ').unwrap_or((key, ""));
        self.0.find_connection(instance, endpoint).await
    }
}

#[async_trait]
impl BatchLookup<ReplicationSubnetGroup> for SubnetGroups {
    async fn many(&self, keys: &[String]) -> Result<BTreeMap<String, ReplicationSubnetGroup>, AwsError> {
        Ok(self
            .0
            .find_replication_subnet_groups(keys)
            .await?
            .into_iter()
            .map(|g| (g.id.to_ascii_lowercase(), g))
            .collect())
    }
    async fn one(&self, key: &str) -> Result<Option<ReplicationSubnetGroup>, AwsError> {
        self.0.find_replication_subnet_group(key).await
    }
}

#[async_trait]
impl DmsApi for CoalescedDms {
    async fn create_replication_task(&self, input: CreateTaskInput) -> Result<ReplicationTask, AwsError> {
        self.inner.create_replication_task(input).await
    }

    async fn find_replication_task_by_arn(&self, arn: &str) -> Result<Option<ReplicationTask>, AwsError> {
        self.tasks.get(arn).await
    }

    async fn find_replication_task_by_id(&self, id: &str) -> Result<Option<ReplicationTask>, AwsError> {
        self.inner.find_replication_task_by_id(id).await
    }

    async fn modify_replication_task(&self, input: ModifyTaskInput) -> Result<ReplicationTask, AwsError> {
        self.listings.changed(&input.arn);
        self.inner.modify_replication_task(input).await
    }

    async fn move_replication_task(&self, arn: &str, target_instance_arn: &str) -> Result<ReplicationTask, AwsError> {
        self.listings.changed(arn);
        self.inner.move_replication_task(arn, target_instance_arn).await
    }

    async fn start_replication_task(&self, arn: &str, start_type: StartType) -> Result<ReplicationTask, AwsError> {
        self.listings.changed(arn);
        self.inner.start_replication_task(arn, start_type).await
    }

    async fn stop_replication_task(&self, arn: &str) -> Result<ReplicationTask, AwsError> {
        self.listings.changed(arn);
        self.inner.stop_replication_task(arn).await
    }

    async fn delete_replication_task(&self, arn: &str) -> Result<(), AwsError> {
        self.listings.changed(arn);
        self.inner.delete_replication_task(arn).await
    }

    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError> {
        match self.tags.get(arn).await? {
            Some(tags) => Ok(tags),
            // Not in the answer: ask alone for AWS's own word on it.
            None => self.inner.list_tags(arn).await,
        }
    }

    async fn add_tags(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        self.listings.changed(arn);
        self.inner.add_tags(arn, tags).await
    }

    async fn remove_tags(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        self.listings.changed(arn);
        self.inner.remove_tags(arn, keys).await
    }

    async fn describe_replication_instance_by_arn(&self, arn: &str) -> Result<Option<ReplicationInstance>, AwsError> {
        self.instances.get(arn).await
    }

    async fn find_endpoint_by_arn(&self, arn: &str) -> Result<Option<Endpoint>, AwsError> {
        self.endpoints.get(arn).await
    }

    async fn find_replication_tasks_by_arns(&self, arns: &[String]) -> Result<Vec<ReplicationTask>, AwsError> {
        self.inner.find_replication_tasks_by_arns(arns).await
    }

    async fn describe_replication_instances_by_arns(
        &self,
        arns: &[String],
    ) -> Result<Vec<ReplicationInstance>, AwsError> {
        self.inner.describe_replication_instances_by_arns(arns).await
    }

    async fn find_endpoints_by_arns(&self, arns: &[String]) -> Result<Vec<Endpoint>, AwsError> {
        self.inner.find_endpoints_by_arns(arns).await
    }

    async fn list_tags_of_many(&self, arns: &[String]) -> Result<BTreeMap<String, Tags>, AwsError> {
        self.inner.list_tags_of_many(arns).await
    }

    async fn create_replication_subnet_group(
        &self,
        input: ReplicationSubnetGroupInput,
    ) -> Result<ReplicationSubnetGroup, AwsError> {
        self.inner.create_replication_subnet_group(input).await
    }

    async fn find_replication_subnet_group(&self, id: &str) -> Result<Option<ReplicationSubnetGroup>, AwsError> {
        self.subnet_groups.get(&id.to_ascii_lowercase()).await
    }

    async fn modify_replication_subnet_group(
        &self,
        input: ReplicationSubnetGroupInput,
    ) -> Result<ReplicationSubnetGroup, AwsError> {
        self.inner.modify_replication_subnet_group(input).await
    }

    async fn delete_replication_subnet_group(&self, id: &str) -> Result<(), AwsError> {
        self.inner.delete_replication_subnet_group(id).await
    }

    async fn list_replication_subnet_groups(&self) -> Result<Vec<ReplicationSubnetGroup>, AwsError> {
        self.inner.list_replication_subnet_groups().await
    }

    async fn create_replication_instance(
        &self,
        input: CreateReplicationInstanceInput,
    ) -> Result<ReplicationInstance, AwsError> {
        self.inner.create_replication_instance(input).await
    }

    async fn find_replication_instance(&self, id: &str) -> Result<Option<ReplicationInstance>, AwsError> {
        self.inner.find_replication_instance(id).await
    }

    async fn modify_replication_instance(
        &self,
        input: ModifyReplicationInstanceInput,
    ) -> Result<ReplicationInstance, AwsError> {
        self.inner.modify_replication_instance(input).await
    }

    async fn delete_replication_instance(&self, arn: &str) -> Result<(), AwsError> {
        self.inner.delete_replication_instance(arn).await
    }

    async fn list_replication_instances(&self) -> Result<Vec<ReplicationInstance>, AwsError> {
        self.inner.list_replication_instances().await
    }

    async fn create_endpoint(&self, input: CreateEndpointInput) -> Result<Endpoint, AwsError> {
        self.inner.create_endpoint(input).await
    }

    async fn find_endpoint(&self, id: &str) -> Result<Option<Endpoint>, AwsError> {
        self.inner.find_endpoint(id).await
    }

    async fn list_endpoints(&self, endpoint_type: &str) -> Result<Vec<Endpoint>, AwsError> {
        self.inner.list_endpoints(endpoint_type).await
    }

    async fn modify_endpoint(&self, input: ModifyEndpointInput) -> Result<Endpoint, AwsError> {
        self.inner.modify_endpoint(input).await
    }

    async fn delete_endpoint(&self, arn: &str) -> Result<(), AwsError> {
        self.inner.delete_endpoint(arn).await
    }

    async fn find_connections(
        &self,
        instance_arns: &[String],
        endpoint_arns: &[String],
    ) -> Result<Vec<Connection>, AwsError> {
        self.inner.find_connections(instance_arns, endpoint_arns).await
    }

    async fn find_replication_subnet_groups(&self, ids: &[String]) -> Result<Vec<ReplicationSubnetGroup>, AwsError> {
        self.inner.find_replication_subnet_groups(ids).await
    }

    async fn refresh_replication_task(
        &self,
        arn: &str,
        instance_arn: &str,
    ) -> Result<Option<(ReplicationTask, Tags)>, AwsError> {
        if let Some(found) = self.listings.answer(self.inner.as_ref(), arn, instance_arn).await {
            return Ok(Some(found));
        }
        let Some(task) = self.find_replication_task_by_arn(arn).await? else { return Ok(None) };
        let tags = self.list_tags(arn).await?;
        Ok(Some((task, tags)))
    }

    async fn list_replication_tasks_using(&self, by: &TasksUsing) -> Result<Vec<ReplicationTask>, AwsError> {
        self.inner.list_replication_tasks_using(by).await
    }

    async fn describe_table_statistics(&self, task_arn: &str) -> Result<Vec<TableStats>, AwsError> {
        self.inner.describe_table_statistics(task_arn).await
    }

    async fn test_connection(&self, instance_arn: &str, endpoint_arn: &str) -> Result<Connection, AwsError> {
        self.inner.test_connection(instance_arn, endpoint_arn).await
    }

    async fn find_connection(&self, instance_arn: &str, endpoint_arn: &str) -> Result<Option<Connection>, AwsError> {
        self.connections.get(&connection_key(instance_arn, endpoint_arn)).await
    }

    async fn import_certificate(&self, id: &str, pem: &Secret) -> Result<Certificate, AwsError> {
        self.inner.import_certificate(id, pem).await
    }

    async fn find_certificate(&self, id: &str) -> Result<Option<Certificate>, AwsError> {
        self.inner.find_certificate(id).await
    }

    async fn find_certificate_by_arn(&self, arn: &str) -> Result<Option<Certificate>, AwsError> {
        self.inner.find_certificate_by_arn(arn).await
    }

    async fn delete_certificate(&self, arn: &str) -> Result<(), AwsError> {
        self.inner.delete_certificate(arn).await
    }

    async fn list_orderable_replication_instances(&self) -> Result<Vec<OrderableReplicationInstance>, AwsError> {
        self.inner.list_orderable_replication_instances().await
    }

    async fn list_engine_versions(&self) -> Result<Vec<DmsEngineVersion>, AwsError> {
        self.inner.list_engine_versions().await
    }
}

#[cfg(test)]
#[path = "dms_coalesced_tests.rs"]
mod tests;
