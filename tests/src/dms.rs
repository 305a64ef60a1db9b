//! Looking at (and changing, out of band) the emulator's DMS state with the AWS SDK for Rust.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_databasemigration::Client;
use aws_sdk_databasemigration::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_databasemigration::error::DisplayErrorContext;
use aws_sdk_databasemigration::types::{Filter, ReplicationTask, Tag};

/// A replication task as DMS describes it.
#[derive(Clone, Debug)]
pub struct TaskInfo {
    pub id: String,
    pub arn: String,
    pub status: String,
    pub migration_type: String,
    pub table_mappings: String,
    pub settings: String,
    pub replication_instance_arn: String,
    pub source_endpoint_arn: String,
    pub target_endpoint_arn: String,
}

impl TaskInfo {
    fn from_sdk(t: &ReplicationTask) -> TaskInfo {
        let s = |v: Option<&str>| v.unwrap_or_default().to_string();
        TaskInfo {
            id: s(t.replication_task_identifier()),
            arn: s(t.replication_task_arn()),
            status: s(t.status()),
            migration_type: t.migration_type().map(|m| m.as_str().to_string()).unwrap_or_default(),
            table_mappings: s(t.table_mappings()),
            settings: s(t.replication_task_settings()),
            replication_instance_arn: s(t.replication_instance_arn()),
            source_endpoint_arn: s(t.source_endpoint_arn()),
            target_endpoint_arn: s(t.target_endpoint_arn()),
        }
    }

    /// The table mappings parsed as JSON.
    pub fn table_mappings_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.table_mappings)
            .unwrap_or_else(|e| panic!("task {}: table mappings are not JSON ({e}): {}", self.id, self.table_mappings))
    }

    /// The `rule-id`s of the table mapping rules.
    pub fn rule_ids(&self) -> Vec<String> {
        let doc = self.table_mappings_json();
        doc["rules"]
            .as_array()
            .map(|rules| {
                rules
                    .iter()
                    .map(|r| match &r["rule-id"] {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A blocking DMS client pointed at the emulator.
pub struct Dms {
    client: Client,
    rt: tokio::runtime::Runtime,
}

impl Dms {
    pub fn new(endpoint: &str, region: &str) -> Dms {
        let config = aws_sdk_databasemigration::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .endpoint_url(endpoint)
            .credentials_provider(Credentials::new(
                crate::TEST_ACCESS_KEY,
                crate::TEST_SECRET_KEY,
                None,
                None,
                "dmslink-acctest",
            ))
            .build();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("tokio runtime: {e}"));
        Dms { client: Client::from_conf(config), rt }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Runs a future of SDK calls to completion.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Every replication task.
    pub fn tasks(&self) -> Vec<TaskInfo> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let resp = self
                .rt
                .block_on(self.client.describe_replication_tasks().set_marker(marker.clone()).send())
                .unwrap_or_else(|e| panic!("DescribeReplicationTasks: {}", DisplayErrorContext(e)));
            out.extend(resp.replication_tasks().iter().map(TaskInfo::from_sdk));
            marker = resp.marker().map(str::to_string).filter(|m| !m.is_empty());
            if marker.is_none() {
                return out;
            }
        }
    }

    /// The task with this identifier, if any.
    pub fn task(&self, id: &str) -> Option<TaskInfo> {
        let filter =
            Filter::builder().name("replication-task-id").values(id).build().unwrap_or_else(|e| panic!("filter: {e}"));
        let resp = self.rt.block_on(self.client.describe_replication_tasks().filters(filter).send());
        match resp {
            Ok(r) => r.replication_tasks().iter().map(TaskInfo::from_sdk).find(|t| t.id == id),
            Err(e) => {
                let text = format!("{}", DisplayErrorContext(&e));
                if text.contains("ResourceNotFound") { None } else { panic!("DescribeReplicationTasks({id}): {text}") }
            }
        }
    }

    /// The task, or a panic naming what exists instead.
    pub fn expect_task(&self, id: &str) -> TaskInfo {
        self.task(id).unwrap_or_else(|| {
            let ids: Vec<String> = self.tasks().into_iter().map(|t| t.id).collect();
            panic!("no replication task {id:?} in the emulator (tasks: {ids:?})")
        })
    }

    /// Polls until the task has `status` (panics after `timeout` with the last status seen).
    pub fn wait_status(&self, id: &str, status: &str, timeout: Duration) -> TaskInfo {
        let deadline = Instant::now() + timeout;
        loop {
            let task = self.task(id);
            if let Some(t) = &task
                && t.status == status
            {
                return t.clone();
            }
            if Instant::now() >= deadline {
                panic!("task {id}: not {status:?} after {timeout:?}; last seen: {:?}", task.map(|t| t.status));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Polls until no task has this identifier.
    pub fn wait_gone(&self, id: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while let Some(t) = self.task(id) {
            if Instant::now() >= deadline {
                panic!("task {id}: still there after {timeout:?} (status {})", t.status);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Tags of a resource.
    pub fn tags(&self, arn: &str) -> BTreeMap<String, String> {
        let resp = self
            .rt
            .block_on(self.client.list_tags_for_resource().resource_arn(arn).send())
            .unwrap_or_else(|e| panic!("ListTagsForResource({arn}): {}", DisplayErrorContext(e)));
        resp.tag_list()
            .iter()
            .map(|t| (t.key().unwrap_or_default().to_string(), t.value().unwrap_or_default().to_string()))
            .collect()
    }

    /// Adds (or overwrites) tags out of band.
    pub fn add_tags(&self, arn: &str, tags: &[(&str, &str)]) {
        let tags: Vec<Tag> = tags.iter().map(|(k, v)| Tag::builder().key(*k).value(*v).build()).collect();
        self.rt
            .block_on(self.client.add_tags_to_resource().resource_arn(arn).set_tags(Some(tags)).send())
            .unwrap_or_else(|e| panic!("AddTagsToResource({arn}): {}", DisplayErrorContext(e)));
    }

    /// Removes tags out of band.
    pub fn remove_tags(&self, arn: &str, keys: &[&str]) {
        self.rt
            .block_on(
                self.client
                    .remove_tags_from_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(keys.iter().map(|k| k.to_string()).collect()))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("RemoveTagsFromResource({arn}): {}", DisplayErrorContext(e)));
    }

    /// Replaces the table mappings out of band (the task must not be running).
    pub fn modify_table_mappings(&self, arn: &str, table_mappings: &str) {
        self.rt
            .block_on(
                self.client.modify_replication_task().replication_task_arn(arn).table_mappings(table_mappings).send(),
            )
            .unwrap_or_else(|e| panic!("ModifyReplicationTask({arn}): {}", DisplayErrorContext(e)));
    }

    /// Creates a `full-load` task `id` (not started) on `stack`'s first replication instance and
    /// endpoints, replicating `table_mappings`.
    pub fn create_task(&self, id: &str, stack: &crate::fixtures::DmsStack, table_mappings: &str) -> TaskInfo {
        let resp = self
            .rt
            .block_on(
                self.client
                    .create_replication_task()
                    .replication_task_identifier(id)
                    .replication_instance_arn(stack.replication_instance_arn())
                    .source_endpoint_arn(&stack.source_endpoint_arn)
                    .target_endpoint_arn(&stack.target_endpoint_arn)
                    .migration_type(aws_sdk_databasemigration::types::MigrationTypeValue::FullLoad)
                    .table_mappings(table_mappings)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("CreateReplicationTask({id}): {}", DisplayErrorContext(e)));
        resp.replication_task()
            .map(TaskInfo::from_sdk)
            .unwrap_or_else(|| panic!("CreateReplicationTask({id}): no task"))
    }

    /// Stops a task out of band.
    pub fn stop_task(&self, arn: &str) {
        self.rt
            .block_on(self.client.stop_replication_task().replication_task_arn(arn).send())
            .unwrap_or_else(|e| panic!("StopReplicationTask({arn}): {}", DisplayErrorContext(e)));
    }

    /// Deletes a task out of band (it must not be running).
    pub fn delete_task(&self, arn: &str) {
        self.rt
            .block_on(self.client.delete_replication_task().replication_task_arn(arn).send())
            .unwrap_or_else(|e| panic!("DeleteReplicationTask({arn}): {}", DisplayErrorContext(e)));
    }
    /// The endpoint with this ARN as DMS describes it.
    fn describe_endpoint(&self, arn: &str) -> aws_sdk_databasemigration::types::Endpoint {
        let filter =
            Filter::builder().name("endpoint-arn").values(arn).build().unwrap_or_else(|e| panic!("filter: {e}"));
        let resp = self
            .rt
            .block_on(self.client.describe_endpoints().filters(filter).send())
            .unwrap_or_else(|e| panic!("DescribeEndpoints({arn}): {}", DisplayErrorContext(e)));
        resp.endpoints().first().cloned().unwrap_or_else(|| panic!("DescribeEndpoints({arn}): no endpoint"))
    }

    /// An endpoint's port and SSL mode as DMS describes it.
    pub fn endpoint_port_and_ssl_mode(&self, arn: &str) -> (Option<i32>, String) {
        let ep = self.describe_endpoint(arn);
        (ep.port(), ep.ssl_mode().map(|m| m.as_str().to_string()).unwrap_or_default())
    }

    /// Changes an endpoint's port and SSL mode out of band (no task may be running on it).
    pub fn modify_endpoint_port_and_ssl_mode(&self, arn: &str, port: i32, ssl_mode: &str) {
        self.rt
            .block_on(
                self.client
                    .modify_endpoint()
                    .endpoint_arn(arn)
                    .port(port)
                    .ssl_mode(aws_sdk_databasemigration::types::DmsSslModeValue::from(ssl_mode))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("ModifyEndpoint({arn}): {}", DisplayErrorContext(e)));
    }

    /// Changes an endpoint's SSL mode out of band (no task may be running on it).
    pub fn modify_endpoint_ssl_mode(&self, arn: &str, ssl_mode: &str) {
        self.rt
            .block_on(
                self.client
                    .modify_endpoint()
                    .endpoint_arn(arn)
                    .ssl_mode(aws_sdk_databasemigration::types::DmsSslModeValue::from(ssl_mode))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("ModifyEndpoint({arn}): {}", DisplayErrorContext(e)));
    }

    /// Sets `MaxFileSize` and `ExecuteTimeout` of a PostgreSQL endpoint out of band (merged into
    /// its settings, as the console does).
    pub fn modify_endpoint_postgres_sizes(&self, arn: &str, max_file_size: i32, execute_timeout: i32) {
        let settings = aws_sdk_databasemigration::types::PostgreSqlSettings::builder()
            .max_file_size(max_file_size)
            .execute_timeout(execute_timeout)
            .build();
        self.rt
            .block_on(
                self.client
                    .modify_endpoint()
                    .endpoint_arn(arn)
                    .engine_name("postgres")
                    .postgre_sql_settings(settings)
                    .send(),
            )
            .unwrap_or_else(|e| panic!("ModifyEndpoint({arn}): {}", DisplayErrorContext(e)));
    }

    /// A PostgreSQL endpoint's own user name and the Secrets Manager secret it reads its login
    /// from, as DMS describes them.
    pub fn endpoint_user_and_postgres_secret(&self, arn: &str) -> (Option<String>, Option<String>) {
        let ep = self.describe_endpoint(arn);
        let secret = ep.postgre_sql_settings().and_then(|s| s.secrets_manager_secret_id()).map(str::to_string);
        (ep.username().map(str::to_string), secret)
    }

    /// `MaxFileSize` and `ExecuteTimeout` of a PostgreSQL endpoint as DMS describes them.
    pub fn endpoint_postgres_sizes(&self, arn: &str) -> (Option<i32>, Option<i32>) {
        let ep = self.describe_endpoint(arn);
        let pg = ep.postgre_sql_settings();
        (pg.and_then(|s| s.max_file_size()), pg.and_then(|s| s.execute_timeout()))
    }
}
