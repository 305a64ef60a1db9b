//! Stateful in-memory fakes of the AWS traits, with failure injection, for unit tests of resources
//! (compiled for tests and with the `fakes` feature).
//!
//! Each fake records its calls ([`FakeEc2::calls`], ...) and fails the next call of an operation on
//! request (`fail_next`). The fakes follow time as the emulator does ([`timeline`]: tokio's clock,
//! paused in unit tests), with the emulator's durations: DMS those of `rulebook/dms.json`, EC2 and
//! RDS the emulator's defaults; describing an object does not move it.
//!
//! The fakes can be linked into one small world ([`FakeWorld`], or [`crate::aws::Clients::fakes`]),
//! so that AWS's cross-service rules hold in tests of the composite resources:
//!
//! - DMS refuses `CreateReplicationSubnetGroup`/`CreateReplicationInstance` with
//!   `AccessDeniedFault` until the IAM fake has `dms-vpc-role` trusting DMS with
//!   `AmazonDMSVPCManagementRole` attached;
//! - DMS and RDS check subnets (they must exist and cover ≥ 2 AZs) and security groups against
//!   the EC2 fake, and put network interfaces into its subnets: RDS's go away with the instance,
//!   DMS's stay behind `available` after the replication instance is deleted, blocking the
//!   deletion of the security group, subnet and VPC until they are deleted (#7600).

/// The test controls over a fake's [`Recorder`] (`State::rec` behind `lock()`), the same for
/// every fake: `$fake` names it in panics, its `OPS` lists the operation names it takes.
macro_rules! recorder_controls {
    ($fake:literal) => {
        /// The next call of `op` (a method name of the fake's AWS trait, see its `OPS`) fails
        /// with `err`; several queue up in order.
        pub fn fail_next(&self, op: &str, err: AwsError) {
            self.lock().rec.fail_next($fake, OPS, op, err);
        }

        /// Operation names in call order.
        pub fn calls(&self) -> Vec<String> {
            self.lock().rec.calls()
        }

        /// Calls with their main argument, e.g. `delete_subnet subnet-…`.
        pub fn call_log(&self) -> Vec<String> {
            self.lock().rec.call_log()
        }

        pub fn clear_calls(&self) {
            self.lock().rec.clear();
        }

        /// The next call of `op` (one of the fake's `LOSABLE_OPS`, those that change something) is
        /// served — it takes effect as usual — and then its answer is lost: the caller gets `err`
        /// instead, as when the connection drops after AWS acted. `err` is what the caller would
        /// see: a transport error once the SDK gives up, or the SDK's retry meeting what the call
        /// made (`ResourceAlreadyExistsFault`, `InvalidSubnet.Conflict`, ...). Several queue up.
        pub fn lose_next_answer(&self, op: &str, err: AwsError) {
            self.lock().rec.lose_next($fake, LOSABLE_OPS, op, err);
        }

        /// The answer the caller gets for a call of `op` that was `served`: an error queued with
        /// `lose_next_answer` replaces it (the call took effect all the same).
        pub(crate) fn answer<T>(&self, op: &str, served: Result<T, AwsError>) -> Result<T, AwsError> {
            // Not `lock()`, which lets time pass: the caller sees the objects as the call left them.
            match $crate::aws::fake::locked(&self.state).rec.take_lost(op) {
                Some(lost) => Err(lost),
                None => served,
            }
        }
    };
}

pub mod accounts;
pub mod dms;
pub mod ec2;
pub mod iam;
pub mod logs;
mod orderable;
pub mod rds;
pub mod secrets_manager;
#[cfg(test)]
pub(crate) mod tests_net;
pub(crate) mod timeline;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

pub use accounts::FakeAccounts;
pub use dms::FakeDms;
pub use ec2::FakeEc2;
pub use iam::FakeIam;
pub use logs::FakeLogs;
pub use rds::FakeRds;
pub use secrets_manager::FakeSecretsManager;

use super::error::AwsError;

/// The value behind a fake's mutex; a test that panicked while holding it does not poison the
/// fake for the next one.
pub(crate) fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Calls made, failures queued and answers to lose (shared by the fakes).
#[derive(Default)]
pub(crate) struct Recorder {
    calls: Vec<(String, String)>,
    failures: HashMap<String, VecDeque<AwsError>>,
    /// Per operation: the errors that replace the answers of its next served calls.
    lost: HashMap<String, VecDeque<AwsError>>,
}

impl Recorder {
    /// Records the call and pops an injected failure, if any.
    pub(crate) fn begin(&mut self, op: &str, arg: impl Into<String>) -> Result<(), AwsError> {
        self.calls.push((op.to_string(), arg.into()));
        match self.failures.get_mut(op).and_then(VecDeque::pop_front) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Queues `err` for the next call of `op`, which must be one of `ops` (panics otherwise, so a
    /// typo in a test fails loudly).
    pub(crate) fn fail_next(&mut self, fake: &str, ops: &[&str], op: &str, err: AwsError) {
        assert!(ops.contains(&op), "{fake}::fail_next: unknown operation {op:?}; use one of {ops:?}");
        self.failures.entry(op.to_string()).or_default().push_back(err);
    }

    /// Queues `err` to replace the answer of the next served call of `op`, which must be one of
    /// `losable` (panics otherwise: a read whose answer is lost changed nothing, `fail_next`
    /// models it).
    pub(crate) fn lose_next(&mut self, fake: &str, losable: &[&str], op: &str, err: AwsError) {
        assert!(
            losable.contains(&op),
            "{fake}::lose_next_answer: {op:?} changes nothing or is unknown; use one of {losable:?}"
        );
        self.lost.entry(op.to_string()).or_default().push_back(err);
    }

    /// The error replacing this served call's answer, if one was queued.
    pub(crate) fn take_lost(&mut self, op: &str) -> Option<AwsError> {
        self.lost.get_mut(op).and_then(VecDeque::pop_front)
    }

    pub(crate) fn calls(&self) -> Vec<String> {
        self.calls.iter().map(|(op, _)| op.clone()).collect()
    }

    pub(crate) fn call_log(&self) -> Vec<String> {
        self.calls.iter().map(|(op, arg)| if arg.is_empty() { op.clone() } else { format!("{op} {arg}") }).collect()
    }

    pub(crate) fn clear(&mut self) {
        self.calls.clear();
    }
}

/// An RDS or DMS identifier: letters, digits, hyphens; starts with a letter; no `--`, no trailing
/// `-`; 1 to `max` characters.
pub(crate) fn valid_identifier(id: &str, max: usize) -> bool {
    !id.is_empty()
        && id.len() <= max
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !id.contains("--")
        && !id.ends_with('-')
}

/// An RDS DB subnet group or DMS replication subnet group name (lower-cased): 1-255 letters,
/// digits, spaces, `.`, `_`, `-`, and not `default`.
pub(crate) fn valid_subnet_group_name(name: &str) -> bool {
    !name.is_empty()
        && name != "default"
        && name.len() <= 255
        && name.chars().all(|c| c.is_ascii_alphanumeric() || " ._-".contains(c))
}

/// The four fakes, linked (see the module documentation).
#[derive(Clone)]
pub struct FakeWorld {
    pub dms: Arc<FakeDms>,
    pub ec2: Arc<FakeEc2>,
    /// Other accounts and regions for EC2 (a peering's other side), around `ec2`.
    pub accounts: Arc<FakeAccounts>,
    pub rds: Arc<FakeRds>,
    pub iam: Arc<FakeIam>,
    /// CloudWatch Logs, unlinked: tests put a task's log lines in it.
    pub logs: Arc<FakeLogs>,
    /// Secrets Manager, unlinked (DMS does not read values in the fakes).
    pub secrets: Arc<FakeSecretsManager>,
}

impl Default for FakeWorld {
    fn default() -> FakeWorld {
        FakeWorld::new()
    }
}

impl FakeWorld {
    /// Empty fakes in `us-east-1`, account `123456789012`, linked together. IAM starts without
    /// `dms-vpc-role` (see [`FakeIam::add_dms_vpc_role`]).
    pub fn new() -> FakeWorld {
        FakeWorld::from_parts(
            Arc::new(FakeDms::new()),
            Arc::new(FakeEc2::new()),
            Arc::new(FakeRds::new()),
            Arc::new(FakeIam::new()),
        )
    }

    /// Links the given fakes: DMS sees IAM and EC2, RDS sees EC2.
    pub fn from_parts(dms: Arc<FakeDms>, ec2: Arc<FakeEc2>, rds: Arc<FakeRds>, iam: Arc<FakeIam>) -> FakeWorld {
        dms.link_iam(iam.clone());
        dms.link_ec2(ec2.clone());
        rds.link_ec2(ec2.clone());
        let accounts = Arc::new(FakeAccounts::new(ec2.clone()));
        let logs = Arc::new(FakeLogs::new());
        dms.link_logs(logs.clone());
        let secrets = Arc::new(FakeSecretsManager::new());
        FakeWorld { dms, ec2, accounts, rds, iam, logs, secrets }
    }

    /// Clients over these fakes.
    pub fn clients(&self) -> crate::aws::Clients {
        crate::aws::Clients {
            dms: self.dms.clone(),
            ec2: self.ec2.clone(),
            ec2_as: self.accounts.clone(),
            rds: self.rds.clone(),
            iam: self.iam.clone(),
            logs: self.logs.clone(),
            secrets: self.secrets.clone(),
            offers: std::sync::Arc::new(crate::aws::offers::OfferCache::new()),
        }
    }

    /// Every object, in any of the fakes, carrying the tag `key` = `value` (e.g. `dmslink:stack`):
    /// what a destroy must leave empty.
    pub fn tagged(&self, key: &str, value: &str) -> Vec<String> {
        let mut out = self.ec2.ids_tagged(key, value);
        out.extend(self.rds.arns_tagged(key, value));
        out.extend(self.dms.arns_tagged(key, value));
        out.extend(self.secrets.arns_tagged(key, value));
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::aws::Secret;
    use crate::aws::dms::{
        CreateEndpointInput, CreateReplicationInstanceInput, DmsApi, ReplicationSubnetGroupInput, Tags,
    };
    use crate::aws::ec2::{
        CreateSecurityGroupInput, CreateSubnetInput, CreateVpnGatewayInput, Filters, RulePeer, SgRule,
        main_route_table_filters,
    };
    use crate::aws::error::ErrorKind;
    use crate::aws::rds::{CreateDbInstanceInput, DbSubnetGroupInput, DeleteDbInstanceInput, RestoreDbInstanceInput};

    /// Describes until the closure sees `want` (the fakes follow time: a second passes before
    /// each describe).
    macro_rules! settle {
        ($call:expr, $want:expr) => {{
            let mut last = String::new();
            for _ in 0..10 {
                tokio::time::advance(std::time::Duration::from_secs(1)).await;
                last = $call;
                if last == $want {
                    break;
                }
            }
            assert_eq!(last, $want);
        }};
    }

    #[tokio::test(start_paused = true)]
    async fn fake_world_stack_builds_and_tears_down_only_in_order() {
        let w = FakeWorld::new();
        let clients = w.clients();
        let (ec2, rds, dms) = (clients.ec2.clone(), clients.rds.clone(), clients.dms.clone());
        let tags = Tags::from([("dmslink:stack".to_string(), "s".to_string())]);

        // Network.
        let vpc = ec2.create_vpc("10.0.0.0/24", &tags).await.unwrap().id;
        let mut subnets = Vec::new();
        for (cidr, az) in [("10.0.0.0/26", "us-east-1a"), ("10.0.0.64/26", "us-east-1b")] {
            let input = CreateSubnetInput {
                vpc_id: vpc.clone(),
                cidr_block: cidr.into(),
                availability_zone: az.into(),
                tags: tags.clone(),
            };
            subnets.push(ec2.create_subnet(input).await.unwrap().id);
        }
        let sg = ec2
            .create_security_group(CreateSecurityGroupInput {
                vpc_id: vpc.clone(),
                name: "s".into(),
                description: "s".into(),
                tags: tags.clone(),
            })
            .await
            .unwrap()
            .id;
        ec2.authorize_security_group_ingress(&sg, &[SgRule::tcp(5432, RulePeer::Group(sg.clone()))]).await.unwrap();
        let vgw = ec2
            .create_vpn_gateway(CreateVpnGatewayInput { amazon_side_asn: None, tags: tags.clone() })
            .await
            .unwrap()
            .id;
        settle!(ec2.find_vpn_gateway(&vgw).await.unwrap().unwrap().state, "available");
        ec2.attach_vpn_gateway(&vgw, &vpc).await.unwrap();
        settle!(ec2.find_vpn_gateway(&vgw).await.unwrap().unwrap().attachments[0].state.clone(), "attached");
        let rt = ec2.find_route_tables(&main_route_table_filters(&vpc)).await.unwrap().remove(0).id;
        ec2.enable_vgw_route_propagation(&rt, &vgw).await.unwrap();

        // Databases.
        rds.create_db_subnet_group(DbSubnetGroupInput {
            name: "s".into(),
            description: "s".into(),
            subnet_ids: subnets.clone(),
            tags: tags.clone(),
        })
        .await
        .unwrap();
        rds.create_db_instance(CreateDbInstanceInput {
            id: "s-target".into(),
            engine: "postgres".into(),
            instance_class: "db.t3.micro".into(),
            allocated_storage: 20,
            master_username: "pg".into(),
            master_password: Secret::new("target-password"),
            db_subnet_group_name: "s".into(),
            vpc_security_group_ids: vec![sg.clone()],
            tags: tags.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
        w.rds.add_snapshot("src-snap", "oracle-se2", "admin", 100);
        rds.restore_db_instance_from_snapshot(RestoreDbInstanceInput {
            id: "s-source".into(),
            snapshot_identifier: "src-snap".into(),
            db_subnet_group_name: "s".into(),
            vpc_security_group_ids: vec![sg.clone()],
            tags: tags.clone(),
            ..Default::default()
        })
        .await
        .unwrap();

        // DMS: refused until the role is there.
        let group = ReplicationSubnetGroupInput {
            id: "s".into(),
            description: "s".into(),
            subnet_ids: subnets.clone(),
            tags: tags.clone(),
        };
        let e = dms.create_replication_subnet_group(group.clone()).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        w.iam.add_dms_vpc_role();
        dms.create_replication_subnet_group(group).await.unwrap();
        let ri = dms
            .create_replication_instance(CreateReplicationInstanceInput {
                id: "s".into(),
                class: "dms.t3.medium".into(),
                subnet_group_id: "s".into(),
                vpc_security_group_ids: vec![sg.clone()],
                tags: tags.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .arn;
        let mut endpoints = Vec::new();
        for (id, kind, engine, port) in
            [("s-source", "source", "oracle", 1521), ("s-target", "target", "postgres", 5432)]
        {
            let ep = dms
                .create_endpoint(CreateEndpointInput {
                    id: id.into(),
                    endpoint_type: kind.into(),
                    engine_name: engine.into(),
                    server_name: Some(format!("{id}.example")),
                    port: Some(port),
                    database_name: Some("app".into()),
                    username: Some("dms".into()),
                    password: Some(Secret::new("pw-12345678")),
                    tags: tags.clone(),
                    ..Default::default()
                })
                .await
                .unwrap();
            endpoints.push(ep.arn);
        }
        settle!(dms.describe_replication_instance_by_arn(&ri).await.unwrap().unwrap().status, "available");
        settle!(rds.find_db_instance("s-target").await.unwrap().unwrap().status, "available");
        settle!(rds.find_db_instance("s-source").await.unwrap().unwrap().status, "available");
        assert_eq!(w.ec2.network_interfaces().len(), 3, "two databases and the replication instance");

        // Teardown: every early step is refused until its dependants are gone.
        assert_eq!(ec2.delete_vpc(&vpc).await.unwrap_err().kind, ErrorKind::DependencyViolation);
        assert_eq!(ec2.delete_security_group(&sg).await.unwrap_err().kind, ErrorKind::DependencyViolation);
        assert_eq!(dms.delete_replication_subnet_group("s").await.unwrap_err().kind, ErrorKind::InvalidState);
        assert_eq!(rds.delete_db_subnet_group("s").await.unwrap_err().kind, ErrorKind::InvalidState);
        assert_eq!(ec2.delete_vpn_gateway(&vgw).await.unwrap_err().kind, ErrorKind::InvalidState);
        for ep in &endpoints {
            dms.delete_endpoint(ep).await.unwrap();
            tokio::time::advance(std::time::Duration::from_secs(1)).await;
            assert_eq!(dms.find_endpoint_by_arn(ep).await.unwrap(), None);
        }
        dms.delete_replication_instance(&ri).await.unwrap();
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
        assert_eq!(dms.describe_replication_instance_by_arn(&ri).await.unwrap(), None);
        dms.delete_replication_subnet_group("s").await.unwrap();
        let e = rds.delete_db_instance(DeleteDbInstanceInput { id: "s-target".into(), ..Default::default() }).await;
        assert_eq!(e.unwrap_err().code, "InvalidParameterCombination", "no final-snapshot decision");
        rds.delete_db_instance(DeleteDbInstanceInput::skip_final_snapshot("s-target")).await.unwrap();
        rds.delete_db_instance(DeleteDbInstanceInput::with_final_snapshot("s-source", "s-source-final")).await.unwrap();
        tokio::time::advance(rds::STATE_SECONDS).await;
        assert_eq!(rds.find_db_instance("s-target").await.unwrap(), None);
        assert_eq!(rds.find_db_instance("s-source").await.unwrap(), None);
        rds.delete_db_subnet_group("s").await.unwrap();
        // Only DMS's interface is left, detached, and it still blocks the group.
        let left = ec2.find_network_interfaces(&Filters::new().vpc(&vpc)).await.unwrap();
        assert_eq!(left.iter().map(|n| n.status.as_str()).collect::<Vec<_>>(), vec!["available"]);
        assert_eq!(ec2.delete_security_group(&sg).await.unwrap_err().kind, ErrorKind::DependencyViolation);
        for n in left {
            ec2.delete_network_interface(&n.id).await.unwrap();
        }
        ec2.delete_security_group(&sg).await.unwrap();
        for s in &subnets {
            ec2.delete_subnet(s).await.unwrap();
        }
        ec2.detach_vpn_gateway(&vgw, &vpc).await.unwrap();
        settle!(ec2.find_vpn_gateway(&vgw).await.unwrap().unwrap().attachments[0].state.clone(), "detached");
        ec2.delete_vpn_gateway(&vgw).await.unwrap();
        ec2.delete_vpc(&vpc).await.unwrap();
        assert!(w.tagged("dmslink:stack", "s").is_empty(), "{:?}", w.tagged("dmslink:stack", "s"));
        assert_eq!(w.rds.snapshot_ids(), vec!["s-source-final".to_string(), "src-snap".to_string()]);
    }

    #[test]
    fn clients_fakes_links_the_world() {
        let dms = Arc::new(FakeDms::new());
        let ec2 = Arc::new(FakeEc2::new());
        let rds = Arc::new(FakeRds::new());
        let iam = Arc::new(FakeIam::new());
        let _clients = crate::aws::Clients::fakes(dms.clone(), ec2, rds, iam.clone());
        // Linked: no role → DMS denies.
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let e = rt
            .block_on(dms.create_replication_subnet_group(ReplicationSubnetGroupInput {
                id: "g".into(),
                description: "d".into(),
                subnet_ids: vec!["subnet-1".into()],
                tags: Tags::new(),
            }))
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        // with_dms keeps DMS alone (no role check).
        let alone = Arc::new(FakeDms::new());
        let clients = crate::aws::Clients::with_dms(alone.clone());
        let g = rt.block_on(clients.dms.create_replication_subnet_group(ReplicationSubnetGroupInput {
            id: "g".into(),
            description: "d".into(),
            subnet_ids: vec!["subnet-1".into()],
            tags: Tags::new(),
        }));
        assert!(g.is_ok(), "{g:?}");
        drop(iam);
    }

    #[test]
    fn recorder_logs_and_fails_in_order() {
        let mut r = Recorder::default();
        r.fail_next("FakeX", &["op"], "op", AwsError::from_code("Throttling", "slow"));
        assert!(r.begin("op", "a").is_err());
        assert!(r.begin("op", "").is_ok());
        assert_eq!(r.calls(), vec!["op", "op"]);
        assert_eq!(r.call_log(), vec!["op a", "op"]);
        r.clear();
        assert!(r.calls().is_empty());
    }
}
