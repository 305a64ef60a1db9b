//! What tests do to the fake besides calling `DmsApi`: inject failures, read the call log, add
//! objects made outside the provider, script, hold or remove them, look at what DMS never returns.

use std::sync::Arc;

use super::rulebook::rules;
use super::{EndpointRec, FakeDms, FakeEc2, FakeIam, InstanceRec, LOSABLE_OPS, Life, OPS, Step, locked};
use crate::aws::Secret;
use crate::aws::dms::{Endpoint, ReplicationInstance, ReplicationTask, TableStats, Tags, TaskStats, subnet_group_arn};
use crate::aws::error::AwsError;

impl FakeDms {
    recorder_controls!("FakeDms");

    /// A full-load task goes `starting` → `stopped` without `running` ever being seen (#43466).
    pub fn full_load_skips_running(&self, on: bool) {
        self.lock().full_load_skips_running = on;
    }

    /// An `available` instance made outside the provider (for task tests).
    pub fn add_replication_instance(&self, id: &str) -> ReplicationInstance {
        let mut st = self.lock();
        st.counter += 1;
        let rid = format!("REP{:023}", st.counter);
        let inst = ReplicationInstance {
            arn: self.arn("rep", &rid),
            id: id.to_string(),
            status: "available".to_string(),
            class: "dms.t3.medium".to_string(),
            engine_version: Some(crate::aws::fake::orderable::dms_default_engine_version().to_string()),
            allocated_storage: 50,
            auto_minor_version_upgrade: true,
            ..ReplicationInstance::default()
        };
        st.tags.insert(inst.arn.clone(), Tags::new());
        st.instances.insert(
            inst.arn.clone(),
            InstanceRec { inst: inst.clone(), life: Life::new("available"), enis: Vec::new() },
        );
        inst
    }

    /// An `active` endpoint made outside the provider; `endpoint_type` is `source` or `target`.
    pub fn add_endpoint(&self, id: &str, endpoint_type: &str, engine_name: &str) -> Endpoint {
        let mut st = self.lock();
        st.counter += 1;
        let rid = format!("EP{:024}", st.counter);
        let ep = Endpoint {
            arn: self.arn("endpoint", &rid),
            id: id.to_string(),
            status: "active".to_string(),
            endpoint_type: endpoint_type.to_string(),
            engine_name: engine_name.to_string(),
            ..Endpoint::default()
        };
        st.tags.insert(ep.arn.clone(), Tags::new());
        st.endpoints.insert(ep.arn.clone(), EndpointRec { ep: ep.clone(), life: Life::new("active"), password: None });
        ep
    }

    /// Subnet group and instance creates then need `dms-vpc-role` in this IAM fake.
    pub fn link_iam(&self, iam: Arc<FakeIam>) {
        locked(&self.links).iam = Some(iam);
    }

    /// A task with logging on then writes its log into this fake, as the emulator does
    /// (`task_logs`), when the linked IAM fake has `dms-cloudwatch-logs-role` ready.
    pub fn link_logs(&self, logs: Arc<super::FakeLogs>) {
        locked(&self.links).logs = Some(logs);
    }

    /// Subnets and security groups are then checked against this EC2 fake, and instances put
    /// network interfaces into it.
    pub fn link_ec2(&self, ec2: Arc<FakeEc2>) {
        locked(&self.links).ec2 = Some(ec2);
    }

    /// The statuses a new instance goes through after `creating`, each lasting the rulebook's
    /// creating time (default `["available"]`).
    pub fn set_instance_create_steps(&self, steps: &[&str]) {
        self.lock().instance_create_steps = steps.iter().map(|s| s.to_string()).collect();
    }

    /// Replaces an instance's or endpoint's pending transitions (by ARN): one status per
    /// transition period (the rulebook's task transition seconds).
    pub fn script_object(&self, arn: &str, statuses: &[&str]) {
        let every = rules().replication_task.seconds("transition");
        let next = statuses.iter().map(|s| (every, s.to_string()));
        let mut st = self.lock();
        if let Some(r) = st.instances.get_mut(arn) {
            r.life.next.set(next);
        } else if let Some(r) = st.endpoints.get_mut(arn) {
            r.life.next.set(next);
        }
    }

    /// The next connection test of this endpoint ends `failed` with this message (and so do the
    /// tests a `ModifyEndpoint` begins before it: the endpoint's settings are what fails).
    pub fn fail_connection(&self, endpoint_arn: &str, message: &str) {
        self.lock().failing_connections.insert(endpoint_arn.to_string(), message.to_string());
    }

    /// The password an endpoint was last given (DMS never returns it; tests may look).
    pub fn endpoint_password(&self, arn: &str) -> Option<Secret> {
        self.lock().endpoints.get(arn).and_then(|r| r.password.clone())
    }

    /// The ARN tags of a subnet group go to in this fake.
    pub fn subnet_group_arn(&self, id: &str) -> String {
        subnet_group_arn("aws", &self.region, &self.account, &id.to_ascii_lowercase())
    }

    /// The instance as stored, without advancing it.
    pub fn replication_instance(&self, arn: &str) -> Option<ReplicationInstance> {
        self.lock().instances.get(arn).map(|r| ReplicationInstance { status: r.life.status.clone(), ..r.inst.clone() })
    }

    pub fn instance_count(&self) -> usize {
        self.lock().instances.len()
    }

    pub fn endpoint_count(&self) -> usize {
        self.lock().endpoints.len()
    }

    /// Removes an instance behind the provider's back (its interfaces stay, as DMS leaves them).
    pub fn remove_replication_instance(&self, arn: &str) {
        let rec = {
            let mut st = self.lock();
            st.tags.remove(arn);
            st.instances.remove(arn)
        };
        if let (Some(rec), Some(ec2)) = (rec, self.links().ec2) {
            for eni in rec.enis {
                ec2.set_network_interface_status(&eni, "available");
            }
        }
    }

    /// Removes an endpoint behind the provider's back.
    pub fn remove_endpoint(&self, arn: &str) {
        let mut st = self.lock();
        st.endpoints.remove(arn);
        st.tags.remove(arn);
    }

    /// ARNs of instances, endpoints, tasks and subnet groups tagged `key` = `value`.
    pub fn arns_tagged(&self, key: &str, value: &str) -> Vec<String> {
        self.lock()
            .tags
            .iter()
            .filter(|(_, t)| t.get(key).is_some_and(|v| v == value))
            .map(|(arn, _)| arn.clone())
            .collect()
    }

    /// The task as stored, without advancing it.
    pub fn task(&self, arn: &str) -> Option<ReplicationTask> {
        self.lock().tasks.get(arn).map(|t| t.task.clone())
    }

    pub fn task_count(&self) -> usize {
        self.lock().tasks.len()
    }

    /// Puts a task into `status` at once and drops its pending transitions (as the emulator's
    /// `POST /_dmslink/dms/task-state` does). A task put into a state only a start reaches
    /// counts as started.
    pub fn set_task_status(&self, arn: &str, status: &str) {
        if let Some(t) = self.lock().tasks.get_mut(arn) {
            t.task.status = status.to_string();
            t.next.clear();
            if matches!(status, "running" | "stopping" | "stopped" | "failed") {
                t.ever_started = true;
            }
        }
    }

    /// Replaces a task's pending transitions: one status per transition period.
    pub fn script(&self, arn: &str, statuses: &[&str]) {
        let every = rules().replication_task.seconds("transition");
        if let Some(t) = self.lock().tasks.get_mut(arn) {
            t.next.set(statuses.iter().map(|s| (every, Step::to(s))));
        }
    }

    /// While held, the task, instance or endpoint with this ARN does not move on (to exercise
    /// timeouts); released, the transitions due meanwhile apply.
    pub fn hold(&self, arn: &str, held: bool) {
        let mut st = self.lock();
        if let Some(t) = st.tasks.get_mut(arn) {
            t.next.held = held;
        } else if let Some(r) = st.instances.get_mut(arn) {
            r.life.next.held = held;
        } else if let Some(r) = st.endpoints.get_mut(arn) {
            r.life.next.held = held;
        }
    }

    /// The next start of this task goes `starting` → `failed` with this `LastFailureMessage`.
    pub fn fail_on_start(&self, arn: &str, message: &str) {
        if let Some(t) = self.lock().tasks.get_mut(arn) {
            t.fail_on_start = Some(message.to_string());
        }
    }

    /// What `DescribeTableStatistics` answers for this task from now on.
    pub fn set_table_stats(&self, arn: &str, tables: Vec<TableStats>) {
        self.lock().table_stats.insert(arn.to_string(), tables);
    }

    /// The task's `ReplicationTaskStats` from now on.
    pub fn set_task_stats(&self, arn: &str, stats: TaskStats) {
        if let Some(t) = self.lock().tasks.get_mut(arn) {
            t.task.stats = Some(stats);
        }
    }

    /// Removes a task behind the provider's back (the `_disappears` case).
    pub fn remove_task(&self, arn: &str) {
        let mut st = self.lock();
        st.tasks.remove(arn);
        st.tags.remove(arn);
    }

    pub fn tags_of(&self, arn: &str) -> Tags {
        self.lock().tags.get(arn).cloned().unwrap_or_default()
    }
}
