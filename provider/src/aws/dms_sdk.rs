//! `DmsApi` over `aws-sdk-databasemigration`.

use async_trait::async_trait;
use aws_sdk_databasemigration::Client;
use aws_sdk_databasemigration::types::{self as t, Filter, MigrationTypeValue, StartReplicationTaskTypeValue, Tag};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::DateTime;

use super::dms::{
    Connection, CreateEndpointInput, CreateReplicationInstanceInput, CreateTaskInput, DmsApi, Endpoint,
    ModifyEndpointInput, ModifyReplicationInstanceInput, ModifyTaskInput, PendingInstanceValues, ReplicationInstance,
    ReplicationSubnetGroup, ReplicationSubnetGroupInput, ReplicationTask, StartType, TableStats, Tags, TaskStats,
    TasksUsing,
};
use super::error::{self, AwsError, ErrorKind};

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
        error::from_sdk(e, &self.endpoint)
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

fn filter_of(name: &str, value: &str) -> Result<Filter, AwsError> {
    Filter::builder()
        .name(name)
        .values(value)
        .build()
        .map_err(|e| AwsError::new(ErrorKind::Other, "", format!("could not build a DMS filter: {e}")))
}

fn exactly_one<T>(mut found: Vec<T>, what: &str, key: &str) -> Result<Option<T>, AwsError> {
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        n => Err(AwsError::new(
            ErrorKind::Other,
            "TooManyResults",
            format!("expected one DMS {what} matching {key}, found {n}"),
        )),
    }
}

/// Every page of a filtered `Describe*`; none when AWS answers a filter that matches nothing with
/// `ResourceNotFoundFault`.
fn pages_or_none<P>(pages: Result<Vec<P>, AwsError>) -> Result<Vec<P>, AwsError> {
    match pages {
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        other => other,
    }
}

fn missing(what: &str, op: &str) -> AwsError {
    AwsError::new(ErrorKind::Other, "", format!("DMS {op} returned no {what}"))
}

pub(crate) fn task_from_sdk(t: &t::ReplicationTask) -> ReplicationTask {
    let s = |v: Option<&str>| v.unwrap_or_default().to_string();
    let o = |v: Option<&str>| v.filter(|x| !x.is_empty()).map(str::to_string);
    ReplicationTask {
        arn: s(t.replication_task_arn()),
        id: s(t.replication_task_identifier()),
        status: s(t.status()).to_ascii_lowercase(),
        migration_type: t.migration_type().map(|m| m.as_str().to_string()).unwrap_or_default(),
        table_mappings: s(t.table_mappings()),
        settings: o(t.replication_task_settings()),
        source_endpoint_arn: s(t.source_endpoint_arn()),
        target_endpoint_arn: s(t.target_endpoint_arn()),
        replication_instance_arn: s(t.replication_instance_arn()),
        cdc_start_position: o(t.cdc_start_position()),
        stop_reason: o(t.stop_reason()),
        last_failure_message: o(t.last_failure_message()),
        stats: t.replication_task_stats().map(stats_from_sdk),
    }
}

fn secs(d: Option<&DateTime>) -> Option<i64> {
    d.map(DateTime::secs)
}

fn stats_from_sdk(s: &t::ReplicationTaskStats) -> TaskStats {
    TaskStats {
        full_load_progress_percent: Some(i64::from(s.full_load_progress_percent())),
        elapsed_time_millis: Some(s.elapsed_time_millis()),
        tables_loaded: Some(i64::from(s.tables_loaded())),
        tables_loading: Some(i64::from(s.tables_loading())),
        tables_queued: Some(i64::from(s.tables_queued())),
        tables_errored: Some(i64::from(s.tables_errored())),
        fresh_start_date: secs(s.fresh_start_date()),
        start_date: secs(s.start_date()),
        stop_date: secs(s.stop_date()),
        full_load_start_date: secs(s.full_load_start_date()),
        full_load_finish_date: secs(s.full_load_finish_date()),
    }
}

pub(crate) fn table_stats_from_sdk(t: &t::TableStatistics) -> TableStats {
    TableStats {
        schema_name: t.schema_name().unwrap_or_default().to_string(),
        table_name: t.table_name().unwrap_or_default().to_string(),
        table_state: t.table_state().unwrap_or_default().to_string(),
        inserts: t.inserts(),
        updates: t.updates(),
        deletes: t.deletes(),
        ddls: t.ddls(),
        full_load_rows: t.full_load_rows(),
        full_load_error_rows: t.full_load_error_rows(),
        validation_state: t.validation_state().filter(|v| !v.is_empty()).map(str::to_string),
        last_update_time: secs(t.last_update_time()),
    }
}

pub(crate) fn instance_from_sdk(i: &t::ReplicationInstance) -> ReplicationInstance {
    let o = |v: Option<&str>| v.filter(|x| !x.is_empty()).map(str::to_string);
    let pending = i.pending_modified_values().map_or_else(PendingInstanceValues::default, |p| PendingInstanceValues {
        class: o(p.replication_instance_class()),
        allocated_storage: p.allocated_storage(),
        multi_az: p.multi_az(),
        engine_version: o(p.engine_version()),
    });
    ReplicationInstance {
        arn: i.replication_instance_arn().unwrap_or_default().to_string(),
        id: i.replication_instance_identifier().unwrap_or_default().to_string(),
        status: i.replication_instance_status().unwrap_or_default().to_ascii_lowercase(),
        class: i.replication_instance_class().unwrap_or_default().to_string(),
        engine_version: o(i.engine_version()),
        allocated_storage: i.allocated_storage(),
        multi_az: i.multi_az(),
        availability_zone: o(i.availability_zone()),
        preferred_maintenance_window: o(i.preferred_maintenance_window()),
        auto_minor_version_upgrade: i.auto_minor_version_upgrade(),
        publicly_accessible: i.publicly_accessible(),
        subnet_group_id: i.replication_subnet_group().and_then(|g| o(g.replication_subnet_group_identifier())),
        vpc_security_group_ids: i
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
            .collect(),
        private_ip_addresses: i.replication_instance_private_ip_addresses().to_vec(),
        pending,
    }
}

pub(crate) fn endpoint_from_sdk(e: &t::Endpoint) -> Endpoint {
    let o = |v: Option<&str>| v.filter(|x| !x.is_empty()).map(str::to_string);
    Endpoint {
        arn: e.endpoint_arn().unwrap_or_default().to_string(),
        id: e.endpoint_identifier().unwrap_or_default().to_string(),
        status: e.status().unwrap_or_default().to_ascii_lowercase(),
        endpoint_type: e.endpoint_type().map(|v| v.as_str().to_ascii_lowercase()).unwrap_or_default(),
        engine_name: e.engine_name().unwrap_or_default().to_string(),
        server_name: o(e.server_name()),
        port: e.port(),
        database_name: o(e.database_name()),
        username: o(e.username()),
        ssl_mode: e.ssl_mode().map(|m| m.as_str().to_string()),
        extra_connection_attributes: o(e.extra_connection_attributes()),
        kms_key_id: o(e.kms_key_id()),
    }
}

/// `source`/`target` in any case → the SDK value (DMS's enum is lower-case on the wire).
fn endpoint_type_of(v: &str) -> t::ReplicationEndpointTypeValue {
    t::ReplicationEndpointTypeValue::from(v.to_ascii_lowercase().as_str())
}

pub(crate) fn subnet_group_from_sdk(g: &t::ReplicationSubnetGroup) -> ReplicationSubnetGroup {
    ReplicationSubnetGroup {
        id: g.replication_subnet_group_identifier().unwrap_or_default().to_string(),
        description: g.replication_subnet_group_description().unwrap_or_default().to_string(),
        vpc_id: g.vpc_id().unwrap_or_default().to_string(),
        subnet_ids: g.subnets().iter().filter_map(|s| s.subnet_identifier().map(str::to_string)).collect(),
        status: g.subnet_group_status().unwrap_or_default().to_string(),
    }
}

pub(crate) fn connection_from_sdk(c: &t::Connection) -> Connection {
    Connection {
        replication_instance_arn: c.replication_instance_arn().unwrap_or_default().to_string(),
        endpoint_arn: c.endpoint_arn().unwrap_or_default().to_string(),
        status: c.status().unwrap_or_default().to_ascii_lowercase(),
        last_failure_message: c.last_failure_message().filter(|m| !m.is_empty()).map(str::to_string),
    }
}

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
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
            .set_tags(if input.tags.is_empty() { None } else { Some(sdk_tags(&input.tags)) })
            .send()
            .await
            .map_err(|e| self.err(e))?;
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
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.endpoint().map(endpoint_from_sdk).ok_or_else(|| missing("endpoint", "ModifyEndpoint"))
    }

    async fn delete_endpoint(&self, arn: &str) -> Result<(), AwsError> {
        self.client.delete_endpoint().endpoint_arn(arn).send().await.map_err(|e| self.err(e))?;
        Ok(())
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
            .without_settings(true)
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
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn sdk_task_maps_to_domain_task() {
        let sdk = t::ReplicationTask::builder()
            .replication_task_arn("arn:aws:dms:us-east-1:123456789012:task:ABC")
            .replication_task_identifier("my-task")
            .status("Running")
            .migration_type(MigrationTypeValue::FullLoadAndCdc)
            .table_mappings("{}")
            .replication_task_settings("{\"Logging\":{}}")
            .stop_reason("")
            .last_failure_message("boom")
            .build();
        let task = task_from_sdk(&sdk);
        assert_eq!(task.status, "running");
        assert_eq!(task.migration_type, "full-load-and-cdc");
        assert_eq!(task.id, "my-task");
        assert_eq!(task.settings.as_deref(), Some("{\"Logging\":{}}"));
        assert_eq!(task.stop_reason, None);
        assert_eq!(task.last_failure_message.as_deref(), Some("boom"));
    }

    #[test]
    fn more_than_one_match_is_an_error() {
        assert_eq!(exactly_one(Vec::<u8>::new(), "x", "k"), Ok(None));
        assert_eq!(exactly_one(vec![1u8], "x", "k"), Ok(Some(1)));
        let e = exactly_one(vec![1u8, 2], "replication task", "k").unwrap_err();
        assert!(e.message.contains("found 2"), "{e}");
    }

    #[test]
    fn endpoint_type_is_lower_case() {
        let sdk = t::Endpoint::builder()
            .endpoint_arn("arn:e")
            .endpoint_identifier("src")
            .endpoint_type(t::ReplicationEndpointTypeValue::Source)
            .engine_name("oracle")
            .status("active")
            .build();
        let e = endpoint_from_sdk(&sdk);
        assert_eq!(e.endpoint_type, "source");
        assert_eq!(e.engine_name, "oracle");
    }

    #[test]
    fn sdk_instance_maps_pending_values_group_and_security_groups() {
        let sdk = t::ReplicationInstance::builder()
            .replication_instance_arn("arn:aws:dms:us-east-1:123456789012:rep:ABC")
            .replication_instance_identifier("dblink-prod")
            .replication_instance_status("Modifying")
            .replication_instance_class("dms.t3.medium")
            .engine_version("3.5.3")
            .allocated_storage(50)
            .multi_az(false)
            .publicly_accessible(false)
            .auto_minor_version_upgrade(true)
            .preferred_maintenance_window("sun:06:00-sun:06:30")
            .replication_subnet_group(
                t::ReplicationSubnetGroup::builder().replication_subnet_group_identifier("dblink-prod").build(),
            )
            .vpc_security_groups(t::VpcSecurityGroupMembership::builder().vpc_security_group_id("sg-1").build())
            .replication_instance_private_ip_addresses("10.0.0.12")
            .pending_modified_values(
                t::ReplicationPendingModifiedValues::builder()
                    .replication_instance_class("dms.t3.large")
                    .allocated_storage(100)
                    .build(),
            )
            .build();
        let i = instance_from_sdk(&sdk);
        assert_eq!((i.status.as_str(), i.class.as_str(), i.allocated_storage), ("modifying", "dms.t3.medium", 50));
        assert_eq!(i.subnet_group_id.as_deref(), Some("dblink-prod"));
        assert_eq!(i.vpc_security_group_ids, vec!["sg-1".to_string()]);
        assert_eq!(i.private_ip_addresses, vec!["10.0.0.12".to_string()]);
        assert_eq!(i.pending.class.as_deref(), Some("dms.t3.large"));
        assert_eq!(i.pending.allocated_storage, Some(100));
        assert!(!i.publicly_accessible && i.auto_minor_version_upgrade);
        let bare = instance_from_sdk(&t::ReplicationInstance::builder().replication_instance_identifier("x").build());
        assert!(bare.pending.is_empty());
        assert_eq!(bare.engine_version, None);
    }

    #[test]
    fn sdk_subnet_group_connection_and_endpoint_details_map() {
        let g = t::ReplicationSubnetGroup::builder()
            .replication_subnet_group_identifier("dblink")
            .replication_subnet_group_description("d")
            .vpc_id("vpc-1")
            .subnet_group_status("Complete")
            .subnets(t::Subnet::builder().subnet_identifier("subnet-1").build())
            .subnets(t::Subnet::builder().subnet_identifier("subnet-2").build())
            .build();
        let g = subnet_group_from_sdk(&g);
        assert_eq!(g.subnet_ids, vec!["subnet-1".to_string(), "subnet-2".to_string()]);
        assert_eq!((g.vpc_id.as_str(), g.status.as_str()), ("vpc-1", "Complete"));

        let c = t::Connection::builder()
            .replication_instance_arn("arn:r")
            .endpoint_arn("arn:e")
            .status("Failed")
            .last_failure_message("timeout")
            .build();
        let c = connection_from_sdk(&c);
        assert_eq!((c.status.as_str(), c.last_failure_message.as_deref()), ("failed", Some("timeout")));

        let e = t::Endpoint::builder()
            .endpoint_arn("arn:e")
            .endpoint_identifier("tgt")
            .endpoint_type(t::ReplicationEndpointTypeValue::from("TARGET"))
            .engine_name("postgres")
            .server_name("db.internal")
            .port(5432)
            .database_name("app")
            .username("dms")
            .ssl_mode(t::DmsSslModeValue::Require)
            .extra_connection_attributes("")
            .status("active")
            .build();
        let e = endpoint_from_sdk(&e);
        assert_eq!(e.endpoint_type, "target");
        assert_eq!(
            (e.server_name.as_deref(), e.port, e.ssl_mode.as_deref()),
            (Some("db.internal"), Some(5432), Some("require"))
        );
        assert_eq!(e.extra_connection_attributes, None);
        assert_eq!(endpoint_type_of("Source"), t::ReplicationEndpointTypeValue::Source);
    }
}
