//! `DmsApi` over `aws-sdk-databasemigration`.

mod certificates;
mod convert;
mod engine_settings;
mod many;
mod secrets;
#[cfg(test)]
mod tests;

pub(crate) use convert::*;

use async_trait::async_trait;
use aws_sdk_databasemigration::Client;
use aws_sdk_databasemigration::types::{self as t, Filter, MigrationTypeValue, StartReplicationTaskTypeValue, Tag};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::DateTime;

use super::Secret;
use super::dms::{
    Certificate, Connection, CreateEndpointInput, CreateReplicationInstanceInput, CreateTaskInput, DmsApi,
    DmsEngineVersion, Endpoint, ModifyEndpointInput, ModifyReplicationInstanceInput, ModifyTaskInput,
    OrderableReplicationInstance, PendingInstanceValues, ReplicationInstance, ReplicationSubnetGroup,
    ReplicationSubnetGroupInput, ReplicationTask, StartType, TableStats, Tags, TaskStats, TasksUsing,
};
use super::error::{AwsError, ErrorKind};
use super::stop;

/// The DMS client plus where it sends requests (for error messages).
#[derive(Clone, Debug)]
pub struct SdkDms {
    client: Client,
    endpoint: String,
}

impl SdkDms {
    pub fn new(client: Client, endpoint: impl Into<String>) -> SdkDms {
        SdkDms { client, endpoint: endpoint.into() }
    }
    /// Where requests go: an override URL or the regional endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn err<E>(&self, e: SdkError<E, HttpResponse>) -> AwsError
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    {
        stop::from_sdk(e, &self.endpoint)
    }

    /// Describes with one filter; `ResourceNotFoundFault` (AWS's answer to no match) is an empty
    /// list.
    async fn describe_instances(&self, filter: &str, value: &str) -> Result<Vec<ReplicationInstance>, AwsError> {
        let f = filter_of(filter, value)?;
        match self.client.describe_replication_instances().filters(f).send().await {
            Ok(o) => Ok(o.replication_instances().iter().map(instance_from_sdk).collect()),
            Err(e) => {
                let e = self.err(e);
                if e.is_not_found() { Ok(Vec::new()) } else { Err(e) }
            }
        }
    }

    async fn describe_endpoints(&self, filter: &str, value: &str) -> Result<Vec<Endpoint>, AwsError> {
        let f = filter_of(filter, value)?;
        match self.client.describe_endpoints().filters(f).send().await {
            Ok(o) => Ok(o.endpoints().iter().map(endpoint_from_sdk).collect()),
            Err(e) => {
                let e = self.err(e);
                if e.is_not_found() { Ok(Vec::new()) } else { Err(e) }
            }
        }
    }

    async fn find_task(&self, filter: &str, value: &str) -> Result<Option<ReplicationTask>, AwsError> {
        let f = filter_of(filter, value)?;
        let out = match self.client.describe_replication_tasks().filters(f).without_settings(false).send().await {
            Ok(o) => o,
            Err(e) => {
                let e = self.err(e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        // Emulators may ignore a filter; check the match ourselves.
        let matches: Vec<ReplicationTask> = out
            .replication_tasks()
            .iter()
            .map(task_from_sdk)
            .filter(|task| match filter {
                "replication-task-arn" => task.arn == value,
                _ => task.id.eq_ignore_ascii_case(value),
            })
            .collect();
        exactly_one(matches, "replication task", value)
    }
}

#[async_trait]
impl DmsApi for SdkDms {
    async fn create_replication_task(&self, input: CreateTaskInput) -> Result<ReplicationTask, AwsError> {
        let out = self
            .client
            .create_replication_task()
            .replication_task_identifier(&input.id)
            .source_endpoint_arn(&input.source_endpoint_arn)
            .target_endpoint_arn(&input.target_endpoint_arn)
            .replication_instance_arn(&input.replication_instance_arn)
            .migration_type(MigrationTypeValue::from(input.migration_type.as_str()))
            .table_mappings(&input.table_mappings)
            .set_replication_task_settings(input.settings.clone())
            .set_cdc_start_time(input.cdc_start_time.map(DateTime::from_secs))
            .set_cdc_start_position(input.cdc_start_position.clone())
            .set_tags(if input.tags.is_empty() { None } else { Some(sdk_tags(&input.tags)) })
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.replication_task().map(task_from_sdk).ok_or_else(|| missing("replication task", "CreateReplicationTask"))
    }

    async fn find_replication_task_by_arn(&self, arn: &str) -> Result<Option<ReplicationTask>, AwsError> {
        self.find_task("replication-task-arn", arn).await
    }

    async fn find_replication_task_by_id(&self, id: &str) -> Result<Option<ReplicationTask>, AwsError> {
        self.find_task("replication-task-id", id).await
    }

    async fn modify_replication_task(&self, input: ModifyTaskInput) -> Result<ReplicationTask, AwsError> {
        let out = self
            .client
            .modify_replication_task()
            .replication_task_arn(&input.arn)
            .set_migration_type(input.migration_type.as_deref().map(MigrationTypeValue::from))
            .set_table_mappings(input.table_mappings.clone())
            .set_replication_task_settings(input.settings.clone())
            .set_cdc_start_time(input.cdc_start_time.map(DateTime::from_secs))
            .set_cdc_start_position(input.cdc_start_position.clone())
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.replication_task().map(task_from_sdk).ok_or_else(|| missing("replication task", "ModifyReplicationTask"))
    }

    async fn move_replication_task(&self, arn: &str, target_instance_arn: &str) -> Result<ReplicationTask, AwsError> {
        let out = self
            .client
            .move_replication_task()
            .replication_task_arn(arn)
            .target_replication_instance_arn(target_instance_arn)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.replication_task().map(task_from_sdk).ok_or_else(|| missing("replication task", "MoveReplicationTask"))
    }

    async fn start_replication_task(&self, arn: &str, start_type: StartType) -> Result<ReplicationTask, AwsError> {
        let out = self
            .client
            .start_replication_task()
            .replication_task_arn(arn)
            .start_replication_task_type(StartReplicationTaskTypeValue::from(start_type.as_str()))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.replication_task().map(task_from_sdk).ok_or_else(|| missing("replication task", "StartReplicationTask"))
    }

    async fn stop_replication_task(&self, arn: &str) -> Result<ReplicationTask, AwsError> {
        let out =
            self.client.stop_replication_task().replication_task_arn(arn).send().await.map_err(|e| self.err(e))?;
        out.replication_task().map(task_from_sdk).ok_or_else(|| missing("replication task", "StopReplicationTask"))
    }

    async fn delete_replication_task(&self, arn: &str) -> Result<(), AwsError> {
        self.client.delete_replication_task().replication_task_arn(arn).send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError> {
        let out = self.client.list_tags_for_resource().resource_arn(arn).send().await.map_err(|e| self.err(e))?;
        Ok(out
            .tag_list()
            .iter()
            .filter_map(|t| t.key().map(|k| (k.to_string(), t.value().unwrap_or_default().to_string())))
            .collect())
    }

    async fn add_tags(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        if tags.is_empty() {
            return Ok(());
        }
        self.client
            .add_tags_to_resource()
            .resource_arn(arn)
            .set_tags(Some(sdk_tags(tags)))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn remove_tags(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        if keys.is_empty() {
            return Ok(());
        }
        self.client
            .remove_tags_from_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn describe_replication_instance_by_arn(&self, arn: &str) -> Result<Option<ReplicationInstance>, AwsError> {
        let found: Vec<ReplicationInstance> = self
            .describe_instances("replication-instance-arn", arn)
            .await?
            .into_iter()
            .filter(|i| i.arn == arn)
            .collect();
        exactly_one(found, "replication instance", arn)
    }

    async fn find_endpoint_by_arn(&self, arn: &str) -> Result<Option<Endpoint>, AwsError> {
        let found: Vec<Endpoint> =
            self.describe_endpoints("endpoint-arn", arn).await?.into_iter().filter(|e| e.arn == arn).collect();
        exactly_one(found, "endpoint", arn)
    }

    async fn find_replication_tasks_by_arns(&self, arns: &[String]) -> Result<Vec<ReplicationTask>, AwsError> {
        self.tasks_by_arns(arns).await
    }

    async fn describe_replication_instances_by_arns(
        &self,
        arns: &[String],
    ) -> Result<Vec<ReplicationInstance>, AwsError> {
        self.instances_by_arns(arns).await
    }

    async fn find_endpoints_by_arns(&self, arns: &[String]) -> Result<Vec<Endpoint>, AwsError> {
        self.endpoints_by_arns(arns).await
    }

    async fn list_tags_of_many(&self, arns: &[String]) -> Result<std::collections::BTreeMap<String, Tags>, AwsError> {
        self.tags_of_many(arns).await
    }

    async fn find_connections(
        &self,
        instance_arns: &[String],
        endpoint_arns: &[String],
    ) -> Result<Vec<Connection>, AwsError> {
        self.connections_of(instance_arns, endpoint_arns).await
    }

    async fn find_replication_subnet_groups(&self, ids: &[String]) -> Result<Vec<ReplicationSubnetGroup>, AwsError> {
        self.subnet_groups_by_ids(ids).await
    }

    async fn create_replication_subnet_group(
        &self,
        input: ReplicationSubnetGroupInput,
    ) -> Result<ReplicationSubnetGroup, AwsError> {
        let out = self
            .client
            .create_replication_subnet_group()
            .replication_subnet_group_identifier(&input.id)
            .replication_subnet_group_description(&input.description)
            .set_subnet_ids(Some(input.subnet_ids.clone()))
            .set_tags(if input.tags.is_empty() { None } else { Some(sdk_tags(&input.tags)) })
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.replication_subnet_group()
            .map(subnet_group_from_sdk)
            .ok_or_else(|| missing("replication subnet group", "CreateReplicationSubnetGroup"))
    }

    async fn find_replication_subnet_group(&self, id: &str) -> Result<Option<ReplicationSubnetGroup>, AwsError> {
        let f = filter_of("replication-subnet-group-id", id)?;
        let out = match self.client.describe_replication_subnet_groups().filters(f).send().await {
            Ok(o) => o,
            Err(e) => {
                let e = self.err(e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        let found: Vec<ReplicationSubnetGroup> = out
            .replication_subnet_groups()
            .iter()
            .map(subnet_group_from_sdk)
            .filter(|g| g.id.eq_ignore_ascii_case(id))
            .collect();
        exactly_one(found, "replication subnet group", id)
    }

    async fn modify_replication_subnet_group(
        &self,
        input: ReplicationSubnetGroupInput,
    ) -> Result<ReplicationSubnetGroup, AwsError> {
        let out = self
            .client
            .modify_replication_subnet_group()
            .replication_subnet_group_identifier(&input.id)
            .replication_subnet_group_description(&input.description)
            .set_subnet_ids(Some(input.subnet_ids.clone()))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.replication_subnet_group()
            .map(subnet_group_from_sdk)
            .ok_or_else(|| missing("replication subnet group", "ModifyReplicationSubnetGroup"))
    }

    async fn delete_replication_subnet_group(&self, id: &str) -> Result<(), AwsError> {
        self.client
            .delete_replication_subnet_group()
            .replication_subnet_group_identifier(id)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn list_replication_subnet_groups(&self) -> Result<Vec<ReplicationSubnetGroup>, AwsError> {
        let pages = self
            .client
            .describe_replication_subnet_groups()
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e));
        Ok(pages_or_none(pages)?
            .iter()
            .flat_map(|p| p.replication_subnet_groups().iter().map(subnet_group_from_sdk))
            .collect())
    }

    async fn create_replication_instance(
        &self,
        input: CreateReplicationInstanceInput,
    ) -> Result<ReplicationInstance, AwsError> {
        let out = self
            .client
            .create_replication_instance()
            .replication_instance_identifier(&input.id)
            .replication_instance_class(&input.class)
            .set_allocated_storage(input.allocated_storage)
            .set_engine_version(input.engine_version.clone())
            .multi_az(input.multi_az)
            .set_availability_zone(input.availability_zone.clone())
            .set_preferred_maintenance_window(input.preferred_maintenance_window.clone())
            .set_auto_minor_version_upgrade(input.auto_minor_version_upgrade)
            .publicly_accessible(input.publicly_accessible)
            .replication_subnet_group_identifier(&input.subnet_group_id)
            .set_vpc_security_group_ids(Some(input.vpc_security_group_ids.clone()))
            .set_kms_key_id(input.kms_key_id.clone())
            .set_tags(if input.tags.is_empty() { None } else { Some(sdk_tags(&input.tags)) })
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.replication_instance()
            .map(instance_from_sdk)
            .ok_or_else(|| missing("replication instance", "CreateReplicationInstance"))
    }

    async fn find_replication_instance(&self, id: &str) -> Result<Option<ReplicationInstance>, AwsError> {
        let found: Vec<ReplicationInstance> = self
            .describe_instances("replication-instance-id", id)
            .await?
            .into_iter()
            .filter(|i| i.id.eq_ignore_ascii_case(id))
            .collect();
        exactly_one(found, "replication instance", id)
    }

    async fn modify_replication_instance(
        &self,
        input: ModifyReplicationInstanceInput,
    ) -> Result<ReplicationInstance, AwsError> {
        let out = self
            .client
            .modify_replication_instance()
            .replication_instance_arn(&input.arn)
            .apply_immediately(true)
            .set_replication_instance_class(input.class.clone())
            .set_allocated_storage(input.allocated_storage)
            .set_engine_version(input.engine_version.clone())
            .set_allow_major_version_upgrade(input.allow_major_version_upgrade.then_some(true))
            .set_multi_az(input.multi_az)
            .set_preferred_maintenance_window(input.preferred_maintenance_window.clone())
            .set_auto_minor_version_upgrade(input.auto_minor_version_upgrade)
            .set_vpc_security_group_ids(input.vpc_security_group_ids.clone())
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.replication_instance()
            .map(instance_from_sdk)
            .ok_or_else(|| missing("replication instance", "ModifyReplicationInstance"))
    }

    async fn delete_replication_instance(&self, arn: &str) -> Result<(), AwsError> {
        self.client
            .delete_replication_instance()
            .replication_instance_arn(arn)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn list_replication_instances(&self) -> Result<Vec<ReplicationInstance>, AwsError> {
        let pages = self
            .client
            .describe_replication_instances()
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e));
        Ok(pages_or_none(pages)?.iter().flat_map(|p| p.replication_instances().iter().map(instance_from_sdk)).collect())
    }

    async fn create_endpoint(&self, input: CreateEndpointInput) -> Result<Endpoint, AwsError> {
        let out = self
            .client
            .create_endpoint()
            .endpoint_identifier(&input.id)
            .endpoint_type(endpoint_type_of(&input.endpoint_type))
            .engine_name(&input.engine_name)
            .set_server_name(input.server_name.clone())
            .set_port(input.port)
            .set_database_name(input.database_name.clone())
            .set_username(input.username.clone())
            .set_password(input.password.as_ref().map(|p| p.expose().to_string()))
            .set_ssl_mode(input.ssl_mode.as_deref().map(t::DmsSslModeValue::from))
            .set_extra_connection_attributes(input.extra_connection_attributes.clone())
            .set_kms_key_id(input.kms_key_id.clone())
            .set_certificate_arn(input.certificate_arn.clone())
            .set_tags(if input.tags.is_empty() { None } else { Some(sdk_tags(&input.tags)) });
        let out = match secrets::settings_for(
            &input.engine_name,
            input.secrets_manager.as_ref(),
            input.database_name.as_deref(),
            &input.engine_settings,
        ) {
            Some(secrets::EngineSettings::Oracle(s)) => out.oracle_settings(s),
            Some(secrets::EngineSettings::Postgres(s)) => out.postgre_sql_settings(s),
            None => out,
        };
        let out = out.send().await.map_err(|e| self.err(e))?;
        out.endpoint().map(endpoint_from_sdk).ok_or_else(|| missing("endpoint", "CreateEndpoint"))
    }

    async fn find_endpoint(&self, id: &str) -> Result<Option<Endpoint>, AwsError> {
        let found: Vec<Endpoint> = self
            .describe_endpoints("endpoint-id", id)
            .await?
            .into_iter()
            .filter(|e| e.id.eq_ignore_ascii_case(id))
            .collect();
        exactly_one(found, "endpoint", id)
    }

    async fn list_endpoints(&self, endpoint_type: &str) -> Result<Vec<Endpoint>, AwsError> {
        let pages = self
            .client
            .describe_endpoints()
            .filters(filter_of("endpoint-type", endpoint_type)?)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e));
        let mut out: Vec<Endpoint> =
            pages_or_none(pages)?.iter().flat_map(|p| p.endpoints().iter().map(endpoint_from_sdk)).collect();
        // Emulators may ignore a filter; check the match ourselves.
        out.retain(|e| e.endpoint_type.eq_ignore_ascii_case(endpoint_type));
        Ok(out)
    }

    async fn modify_endpoint(&self, input: ModifyEndpointInput) -> Result<Endpoint, AwsError> {
        let out = self
            .client
            .modify_endpoint()
            .endpoint_arn(&input.arn)
            .set_endpoint_type(input.endpoint_type.as_deref().map(endpoint_type_of))
            .set_engine_name(input.engine_name.clone())
            .set_server_name(input.server_name.clone())
            .set_port(input.port)
            .set_database_name(input.database_name.clone())
            .set_username(input.username.clone())
            .set_password(input.password.as_ref().map(|p| p.expose().to_string()))
            .set_ssl_mode(input.ssl_mode.as_deref().map(t::DmsSslModeValue::from))
            .set_extra_connection_attributes(input.extra_connection_attributes.clone())
            .set_certificate_arn(input.certificate_arn.clone())
            .set_exact_settings(input.exact_settings.then_some(true));
        let settings = secrets::settings_for(
            input.engine_name.as_deref().unwrap_or_default(),
            input.secrets_manager.as_ref(),
            input.database_name.as_deref(),
            &input.engine_settings,
        );
        let out = match settings {
            Some(secrets::EngineSettings::Oracle(s)) => out.oracle_settings(s),
            Some(secrets::EngineSettings::Postgres(s)) => out.postgre_sql_settings(s),
            None => out,
        };
        let out = out.send().await.map_err(|e| self.err(e))?;
        out.endpoint().map(endpoint_from_sdk).ok_or_else(|| missing("endpoint", "ModifyEndpoint"))
    }

    async fn delete_endpoint(&self, arn: &str) -> Result<(), AwsError> {
        self.client.delete_endpoint().endpoint_arn(arn).send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn import_certificate(&self, id: &str, pem: &Secret) -> Result<Certificate, AwsError> {
        self.certificate_import(id, pem).await
    }

    async fn find_certificate(&self, id: &str) -> Result<Option<Certificate>, AwsError> {
        self.certificate_describe("certificate-id", id).await
    }

    async fn find_certificate_by_arn(&self, arn: &str) -> Result<Option<Certificate>, AwsError> {
        self.certificate_describe("certificate-arn", arn).await
    }

    async fn delete_certificate(&self, arn: &str) -> Result<(), AwsError> {
        self.certificate_delete(arn).await
    }

    async fn list_replication_tasks_using(&self, by: &TasksUsing) -> Result<Vec<ReplicationTask>, AwsError> {
        let (name, value) = match by {
            TasksUsing::Instance(arn) => ("replication-instance-arn", arn.as_str()),
            TasksUsing::Endpoint(arn) => ("endpoint-arn", arn.as_str()),
        };
        let pages = self
            .client
            .describe_replication_tasks()
            .filters(filter_of(name, value)?)
            // With settings: a refresh answers from this listing (`aws::dms_coalesced`).
            .without_settings(false)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e));
        let mut out: Vec<ReplicationTask> =
            pages_or_none(pages)?.iter().flat_map(|p| p.replication_tasks().iter().map(task_from_sdk)).collect();
        // Emulators may ignore a filter; check the match ourselves.
        out.retain(|t| match by {
            TasksUsing::Instance(arn) => &t.replication_instance_arn == arn,
            TasksUsing::Endpoint(arn) => &t.source_endpoint_arn == arn || &t.target_endpoint_arn == arn,
        });
        Ok(out)
    }

    async fn describe_table_statistics(&self, task_arn: &str) -> Result<Vec<TableStats>, AwsError> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .client
                .describe_table_statistics()
                .replication_task_arn(task_arn)
                .max_records(500)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| self.err(e))?;
            out.extend(page.table_statistics().iter().map(table_stats_from_sdk));
            match page.marker() {
                Some(m) if !m.is_empty() => marker = Some(m.to_string()),
                _ => return Ok(out),
            }
        }
    }

    async fn test_connection(&self, instance_arn: &str, endpoint_arn: &str) -> Result<Connection, AwsError> {
        let out = self
            .client
            .test_connection()
            .replication_instance_arn(instance_arn)
            .endpoint_arn(endpoint_arn)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.connection().map(connection_from_sdk).ok_or_else(|| missing("connection", "TestConnection"))
    }

    async fn find_connection(&self, instance_arn: &str, endpoint_arn: &str) -> Result<Option<Connection>, AwsError> {
        let out = match self
            .client
            .describe_connections()
            .filters(filter_of("endpoint-arn", endpoint_arn)?)
            .filters(filter_of("replication-instance-arn", instance_arn)?)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                let e = self.err(e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        Ok(out
            .connections()
            .iter()
            .map(connection_from_sdk)
            .find(|c| c.endpoint_arn == endpoint_arn && c.replication_instance_arn == instance_arn))
    }

    async fn list_orderable_replication_instances(&self) -> Result<Vec<OrderableReplicationInstance>, AwsError> {
        // MaxRecords 100 is the most a page may hold (the DMS service model, DescribeOrderableReplicationInstances).
        let pages = self
            .client
            .describe_orderable_replication_instances()
            .max_records(100)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(pages
            .iter()
            .flat_map(|p| p.orderable_replication_instances())
            .filter_map(|o| {
                Some(OrderableReplicationInstance {
                    class: o.replication_instance_class()?.to_string(),
                    engine_version: o.engine_version()?.to_string(),
                    release_status: o.release_status().map(|r| r.as_str().to_string()),
                })
            })
            .collect())
    }

    async fn list_engine_versions(&self) -> Result<Vec<DmsEngineVersion>, AwsError> {
        let pages = self
            .client
            .describe_engine_versions()
            .max_records(100)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(pages
            .iter()
            .flat_map(|p| p.engine_versions())
            .filter_map(|v| {
                Some(DmsEngineVersion {
                    version: v.version()?.to_string(),
                    lifecycle: v.lifecycle().map(str::to_string),
                })
            })
            .collect())
    }
}
