//! `DmsApi` over the fake: each call goes to the module that models it; tags and table
//! statistics, which have no state machine, are answered here. The answer of a call that changes
//! something passes [`FakeDms::answer`], which may lose it.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::{FakeDms, not_found};
use crate::aws::Secret;
use crate::aws::dms::{
    Certificate, Connection, CreateEndpointInput, CreateReplicationInstanceInput, CreateTaskInput, DmsApi,
    DmsEngineVersion, Endpoint, ModifyEndpointInput, ModifyReplicationInstanceInput, ModifyTaskInput,
    OrderableReplicationInstance, ReplicationInstance, ReplicationSubnetGroup, ReplicationSubnetGroupInput,
    ReplicationTask, StartType, TableStats, Tags, TasksUsing,
};
use crate::aws::error::AwsError;

#[async_trait]
impl DmsApi for FakeDms {
    async fn create_replication_task(&self, input: CreateTaskInput) -> Result<ReplicationTask, AwsError> {
        self.answer("create_replication_task", self.task_create(input))
    }

    async fn find_replication_task_by_arn(&self, arn: &str) -> Result<Option<ReplicationTask>, AwsError> {
        self.task_find_by_arn(arn)
    }

    async fn find_replication_task_by_id(&self, id: &str) -> Result<Option<ReplicationTask>, AwsError> {
        self.task_find_by_id(id)
    }

    async fn modify_replication_task(&self, input: ModifyTaskInput) -> Result<ReplicationTask, AwsError> {
        self.answer("modify_replication_task", self.task_modify(input))
    }

    async fn move_replication_task(&self, arn: &str, target_instance_arn: &str) -> Result<ReplicationTask, AwsError> {
        self.answer("move_replication_task", self.task_move(arn, target_instance_arn))
    }

    async fn start_replication_task(&self, arn: &str, start_type: StartType) -> Result<ReplicationTask, AwsError> {
        self.answer("start_replication_task", self.task_start(arn, start_type))
    }

    async fn stop_replication_task(&self, arn: &str) -> Result<ReplicationTask, AwsError> {
        self.answer("stop_replication_task", self.task_stop(arn))
    }

    async fn delete_replication_task(&self, arn: &str) -> Result<(), AwsError> {
        self.answer("delete_replication_task", self.task_delete(arn))
    }

    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "list_tags", arn)?;
        st.tags.get(arn).cloned().ok_or_else(|| not_found(format!("Resource {arn} could not be found.")))
    }

    async fn add_tags(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        let served = (|| {
            let mut st = self.lock();
            self.begin(&mut st, "add_tags", arn)?;
            let existing =
                st.tags.get_mut(arn).ok_or_else(|| not_found(format!("Resource {arn} could not be found.")))?;
            existing.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
            Ok(())
        })();
        self.answer("add_tags", served)
    }

    async fn remove_tags(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        let served = (|| {
            let mut st = self.lock();
            self.begin(&mut st, "remove_tags", arn)?;
            let existing =
                st.tags.get_mut(arn).ok_or_else(|| not_found(format!("Resource {arn} could not be found.")))?;
            for k in keys {
                existing.remove(k);
            }
            Ok(())
        })();
        self.answer("remove_tags", served)
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

    async fn find_replication_tasks_by_arns(&self, arns: &[String]) -> Result<Vec<ReplicationTask>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_replication_tasks_by_arns", arns.join(","))?;
        Ok(arns.iter().filter_map(|arn| Self::advance(&mut st, arn)).collect())
    }

    async fn describe_replication_instances_by_arns(
        &self,
        arns: &[String],
    ) -> Result<Vec<ReplicationInstance>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "describe_replication_instances_by_arns", arns.join(","))?;
        Ok(arns.iter().filter_map(|arn| self.advance_instance(&mut st, arn)).collect())
    }

    async fn find_endpoints_by_arns(&self, arns: &[String]) -> Result<Vec<Endpoint>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_endpoints_by_arns", arns.join(","))?;
        Ok(arns.iter().filter_map(|arn| Self::advance_endpoint(&mut st, arn)).collect())
    }

    async fn find_connections(
        &self,
        instance_arns: &[String],
        endpoint_arns: &[String],
    ) -> Result<Vec<Connection>, AwsError> {
        self.connections_find(instance_arns, endpoint_arns)
    }

    async fn find_replication_subnet_groups(&self, ids: &[String]) -> Result<Vec<ReplicationSubnetGroup>, AwsError> {
        self.subnet_groups_find(ids)
    }

    async fn list_tags_of_many(&self, arns: &[String]) -> Result<BTreeMap<String, Tags>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "list_tags_of_many", arns.join(","))?;
        // As the strict emulator: one unknown ARN fails the whole call.
        arns.iter()
            .map(|arn| {
                let tags = st
                    .tags
                    .get(arn)
                    .cloned()
                    .ok_or_else(|| not_found(format!("Resource {arn} could not be found.")))?;
                Ok((arn.clone(), tags))
            })
            .collect()
    }

    async fn create_replication_subnet_group(
        &self,
        input: ReplicationSubnetGroupInput,
    ) -> Result<ReplicationSubnetGroup, AwsError> {
        self.answer("create_replication_subnet_group", self.subnet_group_create(input))
    }

    async fn find_replication_subnet_group(&self, id: &str) -> Result<Option<ReplicationSubnetGroup>, AwsError> {
        self.subnet_group_find(id)
    }

    async fn modify_replication_subnet_group(
        &self,
        input: ReplicationSubnetGroupInput,
    ) -> Result<ReplicationSubnetGroup, AwsError> {
        self.answer("modify_replication_subnet_group", self.subnet_group_modify(input))
    }

    async fn delete_replication_subnet_group(&self, id: &str) -> Result<(), AwsError> {
        self.answer("delete_replication_subnet_group", self.subnet_group_delete(id))
    }

    async fn list_replication_subnet_groups(&self) -> Result<Vec<ReplicationSubnetGroup>, AwsError> {
        self.subnet_groups_list()
    }

    async fn create_replication_instance(
        &self,
        input: CreateReplicationInstanceInput,
    ) -> Result<ReplicationInstance, AwsError> {
        self.answer("create_replication_instance", self.instance_create(input))
    }

    async fn find_replication_instance(&self, id: &str) -> Result<Option<ReplicationInstance>, AwsError> {
        self.instance_find(id)
    }

    async fn modify_replication_instance(
        &self,
        input: ModifyReplicationInstanceInput,
    ) -> Result<ReplicationInstance, AwsError> {
        self.answer("modify_replication_instance", self.instance_modify(input))
    }

    async fn delete_replication_instance(&self, arn: &str) -> Result<(), AwsError> {
        self.answer("delete_replication_instance", self.instance_delete(arn))
    }

    async fn list_replication_instances(&self) -> Result<Vec<ReplicationInstance>, AwsError> {
        self.instances_list()
    }

    async fn create_endpoint(&self, input: CreateEndpointInput) -> Result<Endpoint, AwsError> {
        self.answer("create_endpoint", self.endpoint_create(input))
    }

    async fn find_endpoint(&self, id: &str) -> Result<Option<Endpoint>, AwsError> {
        self.endpoint_find(id)
    }

    async fn list_endpoints(&self, endpoint_type: &str) -> Result<Vec<Endpoint>, AwsError> {
        self.endpoints_list(endpoint_type)
    }

    async fn modify_endpoint(&self, input: ModifyEndpointInput) -> Result<Endpoint, AwsError> {
        self.answer("modify_endpoint", self.endpoint_modify(input))
    }

    async fn delete_endpoint(&self, arn: &str) -> Result<(), AwsError> {
        self.answer("delete_endpoint", self.endpoint_delete(arn))
    }

    async fn list_replication_tasks_using(&self, by: &TasksUsing) -> Result<Vec<ReplicationTask>, AwsError> {
        self.tasks_list_using(by)
    }

    async fn describe_table_statistics(&self, task_arn: &str) -> Result<Vec<TableStats>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "describe_table_statistics", task_arn.to_string())?;
        if !st.tasks.contains_key(task_arn) {
            return Err(not_found(format!("Replication task {task_arn} not found")));
        }
        Ok(st.table_stats.get(task_arn).cloned().unwrap_or_default())
    }

    async fn test_connection(&self, instance_arn: &str, endpoint_arn: &str) -> Result<Connection, AwsError> {
        self.answer("test_connection", self.connection_test(instance_arn, endpoint_arn))
    }

    async fn find_connection(&self, instance_arn: &str, endpoint_arn: &str) -> Result<Option<Connection>, AwsError> {
        self.connection_find(instance_arn, endpoint_arn)
    }

    async fn list_orderable_replication_instances(&self) -> Result<Vec<OrderableReplicationInstance>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "list_orderable_replication_instances", "")?;
        Ok(crate::aws::fake::orderable::dms_orderable())
    }

    async fn list_engine_versions(&self) -> Result<Vec<DmsEngineVersion>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "list_engine_versions", "")?;
        Ok(crate::aws::fake::orderable::dms_engine_versions())
    }

    async fn import_certificate(&self, id: &str, pem: &Secret) -> Result<Certificate, AwsError> {
        self.answer("import_certificate", self.certificate_import(id, pem))
    }

    async fn find_certificate(&self, id: &str) -> Result<Option<Certificate>, AwsError> {
        self.certificate_find(id)
    }

    async fn find_certificate_by_arn(&self, arn: &str) -> Result<Option<Certificate>, AwsError> {
        self.certificate_find_by_arn(arn)
    }

    async fn delete_certificate(&self, arn: &str) -> Result<(), AwsError> {
        self.answer("delete_certificate", self.certificate_delete(arn))
    }
}
