//! `DmsApi` over `aws-sdk-databasemigration`.

use async_trait::async_trait;
use aws_sdk_databasemigration::Client;
use aws_sdk_databasemigration::types::{self as t, Filter, MigrationTypeValue, StartReplicationTaskTypeValue, Tag};
use aws_smithy_types::DateTime;

use super::dms::{
    CreateTaskInput, DmsApi, Endpoint, ModifyTaskInput, ReplicationInstance, ReplicationTask, StartType, Tags,
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

    fn err<E, R>(&self, e: aws_smithy_runtime_api::client::result::SdkError<E, R>) -> AwsError
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
        aws_smithy_runtime_api::client::result::SdkError<E, R>: aws_types::request_id::RequestId,
    {
        error::from_sdk(e, &self.endpoint)
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
    }
}

fn instance_from_sdk(i: &t::ReplicationInstance) -> ReplicationInstance {
    ReplicationInstance {
        arn: i.replication_instance_arn().unwrap_or_default().to_string(),
        id: i.replication_instance_identifier().unwrap_or_default().to_string(),
        status: i.replication_instance_status().unwrap_or_default().to_ascii_lowercase(),
        class: i.replication_instance_class().unwrap_or_default().to_string(),
        engine_version: i.engine_version().map(str::to_string),
    }
}

fn endpoint_from_sdk(e: &t::Endpoint) -> Endpoint {
    Endpoint {
        arn: e.endpoint_arn().unwrap_or_default().to_string(),
        id: e.endpoint_identifier().unwrap_or_default().to_string(),
        status: e.status().unwrap_or_default().to_ascii_lowercase(),
        endpoint_type: e.endpoint_type().map(|v| v.as_str().to_ascii_lowercase()).unwrap_or_default(),
        engine_name: e.engine_name().unwrap_or_default().to_string(),
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
        let f = filter_of("replication-instance-arn", arn)?;
        let out = match self.client.describe_replication_instances().filters(f).send().await {
            Ok(o) => o,
            Err(e) => {
                let e = self.err(e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        let found: Vec<ReplicationInstance> =
            out.replication_instances().iter().map(instance_from_sdk).filter(|i| i.arn == arn).collect();
        exactly_one(found, "replication instance", arn)
    }

    async fn find_endpoint_by_arn(&self, arn: &str) -> Result<Option<Endpoint>, AwsError> {
        let f = filter_of("endpoint-arn", arn)?;
        let out = match self.client.describe_endpoints().filters(f).send().await {
            Ok(o) => o,
            Err(e) => {
                let e = self.err(e);
                return if e.is_not_found() { Ok(None) } else { Err(e) };
            }
        };
        let found: Vec<Endpoint> = out.endpoints().iter().map(endpoint_from_sdk).filter(|e| e.arn == arn).collect();
        exactly_one(found, "endpoint", arn)
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
}
