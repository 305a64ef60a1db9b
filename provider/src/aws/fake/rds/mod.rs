//! `FakeRds`: DB subnet groups, DB instances (created or restored from a snapshot), snapshots and
//! tags in memory, with RDS's ordering rules.
//!
//! Time passes as tokio's clock does (paused in unit tests, see [`super::timeline`]): each
//! transitional state lasts the emulator's time for it ([`STATE_SECONDS`]), however often the
//! instance is described.
//!
//! | action | answer | then |
//! |---|---|---|
//! | create / restore | `creating` (no endpoint yet) | [`FakeRds::set_create_steps`], default `available` after 1 s |
//! | modify | `modifying` with `pending` values | `available` after 1 s, values applied |
//! | delete | `deleting` | gone after 1 s (its network interfaces go too) |
//!
//! Rules (RDS error codes): identifiers are lower-cased; `DBInstanceAlreadyExists`,
//! `DBSubnetGroupAlreadyExists`; unknown subnet group `DBSubnetGroupNotFoundFault`; unknown snapshot
//! `DBSnapshotNotFound`; modify only when `available` (`InvalidDBInstanceState`), an empty modify or
//! a storage decrease or a major upgrade without `AllowMajorVersionUpgrade`:
//! `InvalidParameterCombination`; delete needs exactly one of `SkipFinalSnapshot` /
//! `FinalDBSnapshotIdentifier` and no deletion protection (`InvalidParameterCombination`), a second
//! delete `InvalidDBInstanceState`; a subnet group in use cannot be deleted
//! (`InvalidDBSubnetGroupStateFault`). Linked to [`super::FakeEc2`], subnets must exist, share a VPC
//! and cover ≥ 2 AZs (`DBSubnetGroupDoesNotCoverEnoughAZs`), security groups must be in that VPC,
//! and each instance puts a network interface into its subnet group's first subnet.

mod api;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;

use super::timeline::{GONE, Life};
use super::{FakeEc2, Recorder, locked, orderable, valid_identifier, valid_subnet_group_name};
use crate::aws::Secret;
use crate::aws::error::AwsError;
use crate::aws::rds::{
    CreateDbInstanceInput, DbEngineVersion, DbInstance, DbSnapshot, DbSubnetGroup, DbSubnetGroupInput,
    DeleteDbInstanceInput, ModifyDbInstanceInput, PendingDbValues, RdsApi, RestoreDbInstanceInput, Tags,
};

/// Operation names accepted by [`FakeRds::fail_next`] (the `RdsApi` method names).
pub const OPS: &[&str] = &[
    "create_db_subnet_group",
    "find_db_subnet_group",
    "list_db_subnet_groups",
    "modify_db_subnet_group",
    "delete_db_subnet_group",
    "create_db_instance",
    "restore_db_instance_from_snapshot",
    "find_db_instance",
    "list_db_instances",
    "find_db_instances",
    "modify_db_instance",
    "delete_db_instance",
    "find_db_snapshot",
    "list_tags",
    "add_tags",
    "remove_tags",
    "list_db_engine_versions",
    "list_orderable_db_instance_classes",
];

/// Operations whose answer [`FakeRds::lose_next_answer`] can lose: those that change something.
pub const LOSABLE_OPS: &[&str] = &[
    "create_db_subnet_group",
    "modify_db_subnet_group",
    "delete_db_subnet_group",
    "create_db_instance",
    "restore_db_instance_from_snapshot",
    "modify_db_instance",
    "delete_db_instance",
    "add_tags",
    "remove_tags",
];

/// How long an instance is `creating`, `modifying` or `deleting` (and each step of
/// [`FakeRds::set_create_steps`] and [`FakeRds::script`]): the emulator's `rds_seconds`, 1 s each by
/// default (`tests/emulator/dmslink_emulator/config.py`, `DEFAULT_RESOURCE_SECONDS`;
/// `DMSLINK_EMU_RDS_{CREATING,MODIFYING,DELETING}_SECONDS` in `tests/emulator/README.md`).
pub const STATE_SECONDS: Duration = Duration::from_secs(1);

struct InstRec {
    inst: DbInstance,
    life: Life,
    password: Secret,
    /// Applied when `modifying` ends.
    new_password: Option<Secret>,
    enis: Vec<String>,
    subnet_id: Option<String>,
}

struct SnapRec {
    snap: DbSnapshot,
    db_name: Option<String>,
    instance_class: String,
}

impl InstRec {
    /// Applies the due transitions, and the pending values when `modifying` ends; `false` when
    /// the instance is gone.
    fn advance(&mut self) -> bool {
        let (inst, password, new_password) = (&mut self.inst, &mut self.password, &mut self.new_password);
        self.life.advance_each(|from, to| {
            if from == "modifying" && to != "modifying" {
                apply_pending(inst);
                if let Some(pw) = new_password.take() {
                    *password = pw;
                }
            }
        })
    }
}

fn apply_pending(i: &mut DbInstance) {
    let p = std::mem::take(&mut i.pending);
    if let Some(v) = p.instance_class {
        i.instance_class = v;
    }
    if let Some(v) = p.allocated_storage {
        i.allocated_storage = v;
    }
    if let Some(v) = p.engine_version {
        i.engine_version = v;
    }
    if let Some(v) = p.multi_az {
        i.multi_az = v;
    }
    if let Some(v) = p.backup_retention_period {
        i.backup_retention_period = v;
    }
    if let Some(v) = p.db_subnet_group_name {
        i.db_subnet_group_name = Some(v);
    }
}

#[derive(Default)]
struct State {
    groups: BTreeMap<String, DbSubnetGroup>,
    instances: BTreeMap<String, InstRec>,
    snapshots: BTreeMap<String, SnapRec>,
    tags: BTreeMap<String, Tags>,
    create_steps: Vec<String>,
    rec: Recorder,
}

impl State {
    /// Applies the transitions due by now; answers the network interfaces of the instances now
    /// gone (for the caller to remove from EC2).
    fn tick(&mut self) -> Vec<String> {
        let gone: Vec<String> =
            self.instances.iter_mut().filter_map(|(id, r)| (!r.advance()).then(|| id.clone())).collect();
        let mut enis = Vec::new();
        for id in gone {
            if let Some(rec) = self.instances.remove(&id) {
                self.tags.remove(&rec.inst.arn);
                enis.extend(rec.enis);
            }
        }
        enis
    }
}

/// See the module documentation.
pub struct FakeRds {
    region: String,
    account: String,
    state: Mutex<State>,
    ec2: Mutex<Option<Arc<FakeEc2>>>,
}

impl Default for FakeRds {
    fn default() -> FakeRds {
        FakeRds::new()
    }
}

fn err(code: &str, message: impl Into<String>) -> AwsError {
    AwsError::from_code(code, message)
}

fn combination(message: impl Into<String>) -> AwsError {
    err("InvalidParameterCombination", message)
}

fn invalid_value(message: impl Into<String>) -> AwsError {
    err("InvalidParameterValue", message)
}

fn instance_not_found(id: &str) -> AwsError {
    err("DBInstanceNotFound", format!("DBInstance {id} not found."))
}

fn group_not_found(name: &str) -> AwsError {
    err("DBSubnetGroupNotFoundFault", format!("DBSubnetGroup {name} not found."))
}

fn default_port(engine: &str) -> Option<i32> {
    if engine.starts_with("postgres") {
        Some(5432)
    } else if engine.starts_with("oracle") {
        Some(1521)
    } else if engine.starts_with("mysql") || engine.starts_with("mariadb") {
        Some(3306)
    } else if engine.starts_with("sqlserver") {
        Some(1433)
    } else {
        None
    }
}

/// The catalogue's default (`rulebook/orderable.json`); engines it does not list keep a plausible
/// version of their own, since the fakes do not refuse them.
fn default_version(engine: &str) -> &'static str {
    if let Some(version) = orderable::rds_default_version(engine) {
        version
    } else if engine.starts_with("sqlserver") {
        "16.00.4095.4.v1"
    } else {
        "8.0.35"
    }
}

fn major(version: &str) -> &str {
    version.split('.').next().unwrap_or(version)
}

fn check_password(p: &Secret) -> Result<(), AwsError> {
    let v = p.expose();
    if v.len() < 8 || v.len() > 128 {
        return Err(invalid_value(
            "The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters or longer than 128.",
        ));
    }
    if v.chars().any(|c| matches!(c, '/' | '"' | '@' | ' ')) {
        return Err(invalid_value(
            "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides '/', '@', '\"', ' ' may be used.",
        ));
    }
    Ok(())
}

impl FakeRds {
    pub fn new() -> FakeRds {
        FakeRds::in_region("us-east-1", "123456789012")
    }

    pub fn in_region(region: &str, account: &str) -> FakeRds {
        FakeRds {
            region: region.to_string(),
            account: account.to_string(),
            state: Mutex::new(State { create_steps: vec!["available".to_string()], ..State::default() }),
            ec2: Mutex::new(None),
        }
    }

    /// The state as of now: the transitions due have happened (as the emulator applies them
    /// before every call), so what a caller sees depends on time, not on how often it looks.
    fn lock(&self) -> MutexGuard<'_, State> {
        let mut st = locked(&self.state);
        let gone = st.tick();
        if let (false, Some(ec2)) = (gone.is_empty(), self.linked_ec2()) {
            for eni in gone {
                ec2.remove_network_interface(&eni);
            }
        }
        st
    }

    fn linked_ec2(&self) -> Option<Arc<FakeEc2>> {
        locked(&self.ec2).clone()
    }

    fn arn(&self, kind: &str, id: &str) -> String {
        format!("arn:aws:rds:{}:{}:{kind}:{id}", self.region, self.account)
    }

    // ---- test controls -------------------------------------------------------------------

    /// Checks subnets and security groups against this EC2 fake and puts network interfaces into it.
    pub fn link_ec2(&self, ec2: Arc<FakeEc2>) {
        *locked(&self.ec2) = Some(ec2);
    }

    recorder_controls!("FakeRds");

    /// The statuses a new instance goes through after `creating`, one every [`STATE_SECONDS`]
    /// (default `["available"]`; e.g. `["creating", "backing-up", "available"]` for slower ones).
    pub fn set_create_steps(&self, steps: &[&str]) {
        self.lock().create_steps = steps.iter().map(|s| s.to_string()).collect();
    }

    /// While held, the instance stays in its state (to exercise timeouts); released, the
    /// transitions due meanwhile apply.
    pub fn hold(&self, id: &str, held: bool) {
        if let Some(r) = self.lock().instances.get_mut(&id.to_ascii_lowercase()) {
            r.life.next.held = held;
        }
    }

    /// Replaces an instance's pending transitions: one status every [`STATE_SECONDS`].
    pub fn script(&self, id: &str, statuses: &[&str]) {
        if let Some(r) = self.lock().instances.get_mut(&id.to_ascii_lowercase()) {
            r.life.script(STATE_SECONDS, statuses);
        }
    }

    /// A snapshot to restore from (status `available`).
    pub fn add_snapshot(&self, id: &str, engine: &str, master_username: &str, allocated_storage: i32) -> DbSnapshot {
        let mut st = self.lock();
        let snap = DbSnapshot {
            id: id.to_ascii_lowercase(),
            arn: self.arn("snapshot", &id.to_ascii_lowercase()),
            db_instance_id: "seed".to_string(),
            status: "available".to_string(),
            engine: engine.to_string(),
            engine_version: default_version(engine).to_string(),
            allocated_storage,
            master_username: Some(master_username.to_string()),
            port: default_port(engine),
            encrypted: false,
            tags: Tags::new(),
        };
        st.tags.insert(snap.arn.clone(), Tags::new());
        st.snapshots.insert(
            snap.id.clone(),
            SnapRec {
                snap: snap.clone(),
                db_name: Some("ORCL".to_string()),
                instance_class: "db.t3.medium".to_string(),
            },
        );
        snap
    }

    /// Makes snapshot `id` one of engine version `version` (e.g. one AWS no longer offers).
    pub fn set_snapshot_engine_version(&self, id: &str, version: &str) {
        if let Some(rec) = self.lock().snapshots.get_mut(&id.to_ascii_lowercase()) {
            rec.snap.engine_version = version.to_string();
        }
    }

    /// The instance as it is now (no call recorded).
    pub fn instance(&self, id: &str) -> Option<DbInstance> {
        let st = self.lock();
        st.instances.get(&id.to_ascii_lowercase()).map(|r| Self::view(&st, r))
    }

    /// The master password the instance has now (what `ModifyDBInstance` applied).
    pub fn master_password(&self, id: &str) -> Option<Secret> {
        self.lock().instances.get(&id.to_ascii_lowercase()).map(|r| r.password.clone())
    }

    pub fn instance_count(&self) -> usize {
        self.lock().instances.len()
    }

    pub fn snapshot_ids(&self) -> Vec<String> {
        self.lock().snapshots.keys().cloned().collect()
    }

    /// Removes an instance behind the provider's back (the `_disappears` case).
    pub fn remove_instance(&self, id: &str) {
        let rec = self.lock().instances.remove(&id.to_ascii_lowercase());
        if let (Some(rec), Some(ec2)) = (rec, self.linked_ec2()) {
            for eni in rec.enis {
                ec2.remove_network_interface(&eni);
            }
        }
    }

    /// ARNs of every instance and subnet group (not snapshots) tagged `key` = `value`.
    pub fn arns_tagged(&self, key: &str, value: &str) -> Vec<String> {
        let st = self.lock();
        st.tags
            .iter()
            .filter(|(arn, t)| !arn.contains(":snapshot:") && t.get(key).is_some_and(|v| v == value))
            .map(|(arn, _)| arn.clone())
            .collect()
    }

    // ---- internals -------------------------------------------------------------------------

    fn view(st: &State, r: &InstRec) -> DbInstance {
        let mut inst = r.inst.clone();
        inst.status = r.life.status.clone();
        inst.tags = st.tags.get(&inst.arn).cloned().unwrap_or_default();
        if inst.status == "creating" {
            inst.endpoint_address = None;
            inst.endpoint_port = None;
        }
        inst
    }

    /// Checks a subnet group's subnets against EC2: exist, one VPC, ≥ 2 AZs. Answers the VPC.
    fn check_subnets(&self, subnet_ids: &[String]) -> Result<String, AwsError> {
        if subnet_ids.is_empty() {
            return Err(invalid_value("The parameter SubnetIds must be provided."));
        }
        let Some(ec2) = self.linked_ec2() else { return Ok(String::new()) };
        let (mut vpcs, azs) = ec2
            .subnet_spread(subnet_ids)
            .map_err(|id| err("InvalidSubnet", format!("Some input subnets in :[{id}] are invalid.")))?;
        if vpcs.len() > 1 {
            return Err(err("InvalidSubnet", "The subnets of a DB subnet group must all be in the same VPC."));
        }
        if azs.len() < 2 {
            return Err(err(
                "DBSubnetGroupDoesNotCoverEnoughAZs",
                "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: \
                 one. Add subnets to cover at least 2 AZs.",
            ));
        }
        Ok(vpcs.pop().unwrap_or_default())
    }

    fn check_groups(&self, vpc_id: &str, group_ids: &[String]) -> Result<(), AwsError> {
        let Some(ec2) = self.linked_ec2() else { return Ok(()) };
        for g in group_ids {
            match ec2.security_group(g) {
                None => return Err(invalid_value(format!("Invalid security group , groupId= {g}"))),
                Some(sg) if !vpc_id.is_empty() && sg.vpc_id != vpc_id => {
                    return Err(combination(format!(
                        "The DB instance and EC2 security group {g} are in different VPCs."
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Puts the instance's network interface into the group's first subnet.
    fn place_interface(
        &self,
        group: &DbSubnetGroup,
        sgs: &[String],
    ) -> Result<(Vec<String>, Option<String>), AwsError> {
        let Some(ec2) = self.linked_ec2() else { return Ok((Vec::new(), None)) };
        let Some(subnet) = group.subnet_ids.first() else { return Ok((Vec::new(), None)) };
        let groups: Vec<String> =
            if sgs.is_empty() { ec2.default_security_group(&group.vpc_id).into_iter().collect() } else { sgs.to_vec() };
        let eni = ec2.add_network_interface(subnet, &groups, "RDSNetworkInterface", "amazon-rds")?;
        Ok((vec![eni], Some(subnet.clone())))
    }

    /// Common to create and restore: the record of a new `creating` instance.
    fn insert_instance(
        &self,
        st: &mut State,
        inst: DbInstance,
        password: Secret,
        tags: &Tags,
    ) -> Result<DbInstance, AwsError> {
        let group = match inst.db_subnet_group_name.as_deref() {
            Some(name) => st.groups.get(name).cloned().ok_or_else(|| group_not_found(name))?,
            None => return Err(invalid_value("DBSubnetGroupName is required in this account (no default VPC).")),
        };
        self.check_groups(&group.vpc_id, &inst.vpc_security_group_ids)?;
        let (enis, subnet_id) = self.place_interface(&group, &inst.vpc_security_group_ids)?;
        let mut life = Life::new("creating");
        let steps: Vec<&str> = st.create_steps.iter().map(String::as_str).collect();
        life.script(STATE_SECONDS, &steps);
        let rec = InstRec { inst: inst.clone(), life, password, new_password: None, enis, subnet_id };
        st.tags.insert(inst.arn.clone(), tags.clone());
        st.instances.insert(inst.id.clone(), rec);
        Ok(DbInstance {
            status: "creating".to_string(),
            endpoint_address: None,
            endpoint_port: None,
            tags: tags.clone(),
            ..inst
        })
    }

    fn not_found_for_arn(arn: &str) -> AwsError {
        if arn.contains(":subgrp:") {
            group_not_found(arn)
        } else if arn.contains(":snapshot:") {
            err("DBSnapshotNotFound", format!("DBSnapshot {arn} not found."))
        } else {
            instance_not_found(arn)
        }
    }
}
