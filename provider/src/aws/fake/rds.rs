//! `FakeRds`: DB subnet groups, DB instances (created or restored from a snapshot), snapshots and
//! tags in memory, with RDS's ordering rules.
//!
//! | action | answer | describes |
//! |---|---|---|
//! | create / restore | `creating` (no endpoint yet) | [`FakeRds::set_create_steps`], default `available` |
//! | modify | `modifying` with `pending` values | `available`, values applied |
//! | delete | `deleting` | gone (its network interfaces go too) |
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

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use super::{FakeEc2, GONE, Lifecycle, Recorder};
use crate::aws::Secret;
use crate::aws::error::AwsError;
use crate::aws::rds::{
    CreateDbInstanceInput, DbInstance, DbSnapshot, DbSubnetGroup, DbSubnetGroupInput, DeleteDbInstanceInput,
    ModifyDbInstanceInput, PendingDbValues, RdsApi, RestoreDbInstanceInput, Tags,
};

/// Operation names accepted by [`FakeRds::fail_next`] (the `RdsApi` method names).
pub const OPS: &[&str] = &[
    "create_db_subnet_group",
    "find_db_subnet_group",
    "modify_db_subnet_group",
    "delete_db_subnet_group",
    "create_db_instance",
    "restore_db_instance_from_snapshot",
    "find_db_instance",
    "modify_db_instance",
    "delete_db_instance",
    "find_db_snapshot",
    "list_tags",
    "add_tags",
    "remove_tags",
];

struct InstRec {
    inst: DbInstance,
    life: Lifecycle,
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

#[derive(Default)]
struct State {
    groups: BTreeMap<String, DbSubnetGroup>,
    instances: BTreeMap<String, InstRec>,
    snapshots: BTreeMap<String, SnapRec>,
    tags: BTreeMap<String, Tags>,
    create_steps: Vec<String>,
    rec: Recorder,
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

/// Letters, digits, hyphens; starts with a letter; no `--`, no trailing `-`; 1-63.
fn valid_identifier(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 63
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !id.contains("--")
        && !id.ends_with('-')
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

fn default_version(engine: &str) -> &'static str {
    if engine.starts_with("postgres") {
        "16.3"
    } else if engine.starts_with("oracle") {
        "19.0.0.0.ru-2024-01.rur-2024-01.r1"
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

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn linked_ec2(&self) -> Option<Arc<FakeEc2>> {
        self.ec2.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn arn(&self, kind: &str, id: &str) -> String {
        format!("arn:aws:rds:{}:{}:{kind}:{id}", self.region, self.account)
    }

    // ---- test controls -------------------------------------------------------------------

    /// Checks subnets and security groups against this EC2 fake and puts network interfaces into it.
    pub fn link_ec2(&self, ec2: Arc<FakeEc2>) {
        *self.ec2.lock().unwrap_or_else(|p| p.into_inner()) = Some(ec2);
    }

    /// The next call of `op` (an `RdsApi` method name, see [`OPS`]) fails with `err`.
    pub fn fail_next(&self, op: &str, err: AwsError) {
        self.lock().rec.fail_next("FakeRds", OPS, op, err);
    }

    pub fn calls(&self) -> Vec<String> {
        self.lock().rec.calls()
    }

    pub fn call_log(&self) -> Vec<String> {
        self.lock().rec.call_log()
    }

    pub fn clear_calls(&self) {
        self.lock().rec.clear();
    }

    /// The statuses a new instance goes through after `creating`, one per describe (default
    /// `["available"]`; e.g. `["creating", "backing-up", "available"]` for slower ones).
    pub fn set_create_steps(&self, steps: &[&str]) {
        self.lock().create_steps = steps.iter().map(|s| s.to_string()).collect();
    }

    /// While held, describes do not advance the instance.
    pub fn hold(&self, id: &str, held: bool) {
        if let Some(r) = self.lock().instances.get_mut(&id.to_ascii_lowercase()) {
            r.life.held = held;
        }
    }

    /// Replaces an instance's pending transitions.
    pub fn script(&self, id: &str, statuses: &[&str]) {
        if let Some(r) = self.lock().instances.get_mut(&id.to_ascii_lowercase()) {
            r.life.next = statuses.iter().map(|s| s.to_string()).collect();
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

    /// The instance as stored, without advancing it.
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
        let mut vpcs = Vec::new();
        let mut azs = Vec::new();
        for id in subnet_ids {
            let Some(s) = ec2.subnet(id) else {
                return Err(err("InvalidSubnet", format!("Some input subnets in :[{id}] are invalid.")));
            };
            if !vpcs.contains(&s.vpc_id) {
                vpcs.push(s.vpc_id.clone());
            }
            if !azs.contains(&s.availability_zone) {
                azs.push(s.availability_zone.clone());
            }
        }
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
        let steps: Vec<&str> = st.create_steps.iter().map(String::as_str).collect();
        let rec = InstRec {
            inst: inst.clone(),
            life: Lifecycle::new("creating", &steps),
            password,
            new_password: None,
            enis,
            subnet_id,
        };
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

    /// One describe: advance, apply pending values when `modifying` ends, drop it when gone.
    fn advance(&self, st: &mut State, id: &str) -> Option<DbInstance> {
        let rec = st.instances.get_mut(id)?;
        let was = rec.life.status.clone();
        if !rec.life.advance() {
            let rec = st.instances.remove(id)?;
            st.tags.remove(&rec.inst.arn);
            if let Some(ec2) = self.linked_ec2() {
                for eni in rec.enis {
                    ec2.remove_network_interface(&eni);
                }
            }
            return None;
        }
        if was == "modifying" && rec.life.status != "modifying" {
            let p = std::mem::take(&mut rec.inst.pending);
            let i = &mut rec.inst;
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
            if let Some(pw) = rec.new_password.take() {
                rec.password = pw;
            }
        }
        let rec = st.instances.get(id)?;
        Some(Self::view(st, rec))
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

#[async_trait]
impl RdsApi for FakeRds {
    async fn create_db_subnet_group(&self, input: DbSubnetGroupInput) -> Result<DbSubnetGroup, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_db_subnet_group", &input.name)?;
        let name = input.name.to_ascii_lowercase();
        if name.is_empty()
            || name == "default"
            || name.len() > 255
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || " ._-".contains(c))
        {
            return Err(invalid_value(format!("Invalid DB subnet group name {:?}", input.name)));
        }
        if input.description.is_empty() {
            return Err(invalid_value("The parameter DBSubnetGroupDescription must be provided."));
        }
        if st.groups.contains_key(&name) {
            return Err(err("DBSubnetGroupAlreadyExists", format!("The DB subnet group '{name}' already exists.")));
        }
        let vpc_id = self.check_subnets(&input.subnet_ids)?;
        let g = DbSubnetGroup {
            arn: self.arn("subgrp", &name),
            name: name.clone(),
            description: input.description,
            vpc_id,
            subnet_ids: input.subnet_ids,
            status: "Complete".to_string(),
        };
        st.tags.insert(g.arn.clone(), input.tags);
        st.groups.insert(name, g.clone());
        Ok(g)
    }

    async fn find_db_subnet_group(&self, name: &str) -> Result<Option<DbSubnetGroup>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_db_subnet_group", name)?;
        Ok(st.groups.get(&name.to_ascii_lowercase()).cloned())
    }

    async fn modify_db_subnet_group(&self, input: DbSubnetGroupInput) -> Result<DbSubnetGroup, AwsError> {
        let mut st = self.lock();
        st.rec.begin("modify_db_subnet_group", &input.name)?;
        let name = input.name.to_ascii_lowercase();
        if !st.groups.contains_key(&name) {
            return Err(group_not_found(&name));
        }
        let vpc_id = self.check_subnets(&input.subnet_ids)?;
        let in_use: Vec<String> = st
            .instances
            .values()
            .filter(|r| r.inst.db_subnet_group_name.as_deref() == Some(name.as_str()))
            .filter_map(|r| r.subnet_id.clone())
            .filter(|s| !input.subnet_ids.contains(s))
            .collect();
        if let Some(s) = in_use.first() {
            return Err(err("SubnetAlreadyInUse", format!("The subnet {s} is in use and cannot be removed.")));
        }
        let g = st.groups.get_mut(&name).ok_or_else(|| group_not_found(&name))?;
        if !input.description.is_empty() {
            g.description = input.description;
        }
        g.subnet_ids = input.subnet_ids;
        if !vpc_id.is_empty() {
            g.vpc_id = vpc_id;
        }
        Ok(g.clone())
    }

    async fn delete_db_subnet_group(&self, name: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_db_subnet_group", name)?;
        let name = name.to_ascii_lowercase();
        let Some(g) = st.groups.get(&name) else { return Err(group_not_found(&name)) };
        let users: Vec<String> = st
            .instances
            .values()
            .filter(|r| r.inst.db_subnet_group_name.as_deref() == Some(name.as_str()))
            .map(|r| r.inst.id.clone())
            .collect();
        if !users.is_empty() {
            return Err(err(
                "InvalidDBSubnetGroupStateFault",
                format!(
                    "Cannot delete the subnet group '{name}' because at least one database instance: {} is still using it.",
                    users.join(", ")
                ),
            ));
        }
        let arn = g.arn.clone();
        st.groups.remove(&name);
        st.tags.remove(&arn);
        Ok(())
    }

    async fn create_db_instance(&self, input: CreateDbInstanceInput) -> Result<DbInstance, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_db_instance", &input.id)?;
        if !valid_identifier(&input.id) {
            return Err(invalid_value(format!(
                "DBInstanceIdentifier {:?} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.",
                input.id
            )));
        }
        let id = input.id.to_ascii_lowercase();
        if st.instances.contains_key(&id) {
            return Err(err("DBInstanceAlreadyExists", format!("DB instance already exists: {id}")));
        }
        let Some(port) = input.port.or_else(|| default_port(&input.engine)) else {
            return Err(invalid_value(format!("Invalid DB engine: {}", input.engine)));
        };
        if input.master_username.is_empty() {
            return Err(invalid_value("The parameter MasterUsername must be provided."));
        }
        check_password(&input.master_password)?;
        if input.allocated_storage < 20 || input.allocated_storage > 65536 {
            return Err(invalid_value(format!(
                "Invalid storage size for engine name {}: {}",
                input.engine, input.allocated_storage
            )));
        }
        if input.instance_class.is_empty() || !input.instance_class.starts_with("db.") {
            return Err(invalid_value(format!("Invalid DB Instance class: {}", input.instance_class)));
        }
        let inst = DbInstance {
            arn: self.arn("db", &id),
            id: id.clone(),
            status: "creating".to_string(),
            engine: input.engine.clone(),
            engine_version: input.engine_version.clone().unwrap_or_else(|| default_version(&input.engine).to_string()),
            instance_class: input.instance_class.clone(),
            allocated_storage: input.allocated_storage,
            master_username: Some(input.master_username.clone()),
            db_name: input.db_name.clone(),
            endpoint_address: Some(format!("{id}.c0ffee123456.{}.rds.amazonaws.com", self.region)),
            endpoint_port: Some(port),
            multi_az: input.multi_az,
            storage_encrypted: input.storage_encrypted,
            deletion_protection: input.deletion_protection,
            publicly_accessible: false,
            auto_minor_version_upgrade: input.auto_minor_version_upgrade.unwrap_or(true),
            backup_retention_period: input.backup_retention_period.unwrap_or(1),
            backup_window: Some(input.backup_window.clone().unwrap_or_else(|| "03:00-03:30".to_string())),
            maintenance_window: Some(
                input.maintenance_window.clone().unwrap_or_else(|| "sun:05:00-sun:05:30".to_string()),
            ),
            availability_zone: None,
            db_subnet_group_name: Some(input.db_subnet_group_name.to_ascii_lowercase()),
            vpc_security_group_ids: input.vpc_security_group_ids.clone(),
            pending: PendingDbValues::default(),
            tags: Tags::new(),
        };
        self.insert_instance(&mut st, inst, input.master_password.clone(), &input.tags)
    }

    async fn restore_db_instance_from_snapshot(&self, input: RestoreDbInstanceInput) -> Result<DbInstance, AwsError> {
        let mut st = self.lock();
        st.rec.begin("restore_db_instance_from_snapshot", format!("{} {}", input.id, input.snapshot_identifier))?;
        if !valid_identifier(&input.id) {
            return Err(invalid_value(format!("DBInstanceIdentifier {:?} is not a valid identifier.", input.id)));
        }
        let id = input.id.to_ascii_lowercase();
        if st.instances.contains_key(&id) {
            return Err(err("DBInstanceAlreadyExists", format!("DB instance already exists: {id}")));
        }
        let Some(snap) = st.snapshots.get(&input.snapshot_identifier.to_ascii_lowercase()) else {
            return Err(err("DBSnapshotNotFound", format!("DBSnapshot {} not found.", input.snapshot_identifier)));
        };
        if snap.snap.status != "available" {
            return Err(err("InvalidDBSnapshotState", format!("DBSnapshot {} is not available.", snap.snap.id)));
        }
        let engine = snap.snap.engine.clone();
        let takes_db_name = !["postgres", "mysql", "mariadb"].iter().any(|e| engine.starts_with(e));
        if input.db_name.is_some() && !takes_db_name {
            return Err(invalid_value(format!("DBName is not supported when restoring a {engine} snapshot.")));
        }
        let port = input.port.or(snap.snap.port).or_else(|| default_port(&engine)).unwrap_or(5432);
        let inst = DbInstance {
            arn: self.arn("db", &id),
            id: id.clone(),
            status: "creating".to_string(),
            engine: engine.clone(),
            engine_version: snap.snap.engine_version.clone(),
            instance_class: input.instance_class.clone().unwrap_or_else(|| snap.instance_class.clone()),
            allocated_storage: snap.snap.allocated_storage,
            master_username: snap.snap.master_username.clone(),
            db_name: if takes_db_name { input.db_name.clone().or_else(|| snap.db_name.clone()) } else { None },
            endpoint_address: Some(format!("{id}.c0ffee123456.{}.rds.amazonaws.com", self.region)),
            endpoint_port: Some(port),
            multi_az: input.multi_az,
            storage_encrypted: snap.snap.encrypted,
            deletion_protection: input.deletion_protection,
            publicly_accessible: false,
            auto_minor_version_upgrade: input.auto_minor_version_upgrade.unwrap_or(true),
            backup_retention_period: 1,
            backup_window: Some("03:00-03:30".to_string()),
            maintenance_window: Some("sun:05:00-sun:05:30".to_string()),
            availability_zone: input.availability_zone.clone(),
            db_subnet_group_name: Some(input.db_subnet_group_name.to_ascii_lowercase()),
            vpc_security_group_ids: input.vpc_security_group_ids.clone(),
            pending: PendingDbValues::default(),
            tags: Tags::new(),
        };
        self.insert_instance(&mut st, inst, Secret::new("from-snapshot"), &input.tags)
    }

    async fn find_db_instance(&self, id: &str) -> Result<Option<DbInstance>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_db_instance", id)?;
        Ok(self.advance(&mut st, &id.to_ascii_lowercase()))
    }

    async fn modify_db_instance(&self, input: ModifyDbInstanceInput) -> Result<DbInstance, AwsError> {
        let mut st = self.lock();
        st.rec.begin("modify_db_instance", &input.id)?;
        let id = input.id.to_ascii_lowercase();
        if let Some(p) = &input.master_password {
            check_password(p)?;
        }
        let group_vpc = {
            let rec = st.instances.get(&id).ok_or_else(|| instance_not_found(&id))?;
            let name = input.db_subnet_group_name.clone().or_else(|| rec.inst.db_subnet_group_name.clone());
            name.and_then(|n| st.groups.get(&n.to_ascii_lowercase())).map(|g| g.vpc_id.clone()).unwrap_or_default()
        };
        if let Some(n) = &input.db_subnet_group_name
            && !st.groups.contains_key(&n.to_ascii_lowercase())
        {
            return Err(group_not_found(n));
        }
        if let Some(sgs) = &input.vpc_security_group_ids {
            self.check_groups(&group_vpc, sgs)?;
        }
        let rec = st.instances.get_mut(&id).ok_or_else(|| instance_not_found(&id))?;
        if !matches!(rec.life.status.as_str(), "available" | "storage-optimization") {
            return Err(err(
                "InvalidDBInstanceState",
                format!(
                    "Database instance is not in available state (it is {}); try your request later.",
                    rec.life.status
                ),
            ));
        }
        let i = &rec.inst;
        // Fields equal to what is there are no change, as on AWS.
        let class = input.instance_class.clone().filter(|v| *v != i.instance_class);
        let storage = input.allocated_storage.filter(|v| *v != i.allocated_storage);
        let version = input.engine_version.clone().filter(|v| *v != i.engine_version);
        let multi_az = input.multi_az.filter(|v| *v != i.multi_az);
        let retention = input.backup_retention_period.filter(|v| *v != i.backup_retention_period);
        let subnet_group = input
            .db_subnet_group_name
            .as_ref()
            .map(|v| v.to_ascii_lowercase())
            .filter(|v| Some(v) != i.db_subnet_group_name.as_ref());
        let immediate_change = input.backup_window.as_ref().is_some_and(|v| Some(v) != i.backup_window.as_ref())
            || input.maintenance_window.as_ref().is_some_and(|v| Some(v) != i.maintenance_window.as_ref())
            || input.deletion_protection.is_some_and(|v| v != i.deletion_protection)
            || input.auto_minor_version_upgrade.is_some_and(|v| v != i.auto_minor_version_upgrade)
            || input.vpc_security_group_ids.as_ref().is_some_and(|v| *v != i.vpc_security_group_ids);
        let pending_change = class.is_some()
            || storage.is_some()
            || version.is_some()
            || multi_az.is_some()
            || retention.is_some()
            || subnet_group.is_some()
            || input.master_password.is_some();
        if !immediate_change && !pending_change {
            return Err(combination("No modifications were requested"));
        }
        if let Some(s) = storage
            && s < i.allocated_storage
        {
            return Err(combination(format!(
                "Invalid storage size for engine name {}: {s} is less than the current {}; storage cannot be reduced.",
                i.engine, i.allocated_storage
            )));
        }
        if let Some(v) = &version {
            if major(v) != major(&i.engine_version) && !input.allow_major_version_upgrade {
                return Err(combination(
                    "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.",
                ));
            }
            if v < &i.engine_version && major(v) == major(&i.engine_version) {
                return Err(combination(format!("Cannot upgrade {} from {} to {v}", i.engine, i.engine_version)));
            }
        }
        let i = &mut rec.inst;
        if let Some(v) = &input.backup_window {
            i.backup_window = Some(v.clone());
        }
        if let Some(v) = &input.maintenance_window {
            i.maintenance_window = Some(v.clone());
        }
        if let Some(v) = input.deletion_protection {
            i.deletion_protection = v;
        }
        if let Some(v) = input.auto_minor_version_upgrade {
            i.auto_minor_version_upgrade = v;
        }
        if let Some(v) = &input.vpc_security_group_ids {
            i.vpc_security_group_ids = v.clone();
        }
        i.pending = PendingDbValues {
            instance_class: class,
            allocated_storage: storage,
            engine_version: version,
            multi_az,
            backup_retention_period: retention,
            port: None,
            db_subnet_group_name: subnet_group,
            master_password: input.master_password.is_some(),
        };
        rec.new_password = input.master_password.clone();
        rec.life.set("modifying", &["available"]);
        let rec = st.instances.get(&id).ok_or_else(|| instance_not_found(&id))?;
        Ok(Self::view(&st, rec))
    }

    async fn delete_db_instance(&self, input: DeleteDbInstanceInput) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_db_instance", &input.id)?;
        let id = input.id.to_ascii_lowercase();
        let rec = st.instances.get(&id).ok_or_else(|| instance_not_found(&id))?;
        if rec.life.status == "deleting" {
            return Err(err("InvalidDBInstanceState", format!("Instance {id} is already being deleted.")));
        }
        if rec.inst.deletion_protection {
            return Err(combination(
                "Cannot delete protected DB Instance, please disable deletion protection and try again.",
            ));
        }
        match (input.skip_final_snapshot, &input.final_snapshot_identifier) {
            (false, None) => {
                return Err(combination(
                    "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.",
                ));
            }
            (true, Some(_)) => {
                return Err(combination(
                    "FinalDBSnapshotIdentifier can not be specified when SkipFinalSnapshot is enabled.",
                ));
            }
            _ => {}
        }
        if let Some(snap_id) = &input.final_snapshot_identifier {
            let snap_id = snap_id.to_ascii_lowercase();
            if st.snapshots.contains_key(&snap_id) {
                return Err(err(
                    "DBSnapshotAlreadyExists",
                    format!(
                        "Cannot create the snapshot because a snapshot with the identifier {snap_id} already exists."
                    ),
                ));
            }
            let i = &rec.inst;
            let snap = DbSnapshot {
                arn: self.arn("snapshot", &snap_id),
                id: snap_id.clone(),
                db_instance_id: id.clone(),
                status: "available".to_string(),
                engine: i.engine.clone(),
                engine_version: i.engine_version.clone(),
                allocated_storage: i.allocated_storage,
                master_username: i.master_username.clone(),
                port: i.endpoint_port,
                encrypted: i.storage_encrypted,
                tags: Tags::new(),
            };
            let rec =
                SnapRec { snap: snap.clone(), db_name: i.db_name.clone(), instance_class: i.instance_class.clone() };
            st.tags.insert(snap.arn.clone(), Tags::new());
            st.snapshots.insert(snap_id, rec);
        }
        if let Some(rec) = st.instances.get_mut(&id) {
            rec.life.set("deleting", &[GONE]);
        }
        Ok(())
    }

    async fn find_db_snapshot(&self, id: &str) -> Result<Option<DbSnapshot>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_db_snapshot", id)?;
        Ok(st.snapshots.get(&id.to_ascii_lowercase()).map(|r| {
            let mut s = r.snap.clone();
            s.tags = st.tags.get(&s.arn).cloned().unwrap_or_default();
            s
        }))
    }

    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError> {
        let mut st = self.lock();
        st.rec.begin("list_tags", arn)?;
        st.tags.get(arn).cloned().ok_or_else(|| Self::not_found_for_arn(arn))
    }

    async fn add_tags(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("add_tags", arn)?;
        let t = st.tags.get_mut(arn).ok_or_else(|| Self::not_found_for_arn(arn))?;
        t.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(())
    }

    async fn remove_tags(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("remove_tags", arn)?;
        let t = st.tags.get_mut(arn).ok_or_else(|| Self::not_found_for_arn(arn))?;
        for k in keys {
            t.remove(k);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::aws::ec2::{CreateSecurityGroupInput, CreateSubnetInput, Ec2Api, Filters};
    use crate::aws::error::ErrorKind;

    fn group(name: &str, subnets: &[String]) -> DbSubnetGroupInput {
        DbSubnetGroupInput {
            name: name.into(),
            description: "dblink".into(),
            subnet_ids: subnets.to_vec(),
            tags: Tags::from([("dmslink:stack".to_string(), "s".to_string())]),
        }
    }

    fn create_input(id: &str, group: &str) -> CreateDbInstanceInput {
        CreateDbInstanceInput {
            id: id.into(),
            engine: "postgres".into(),
            instance_class: "db.t3.micro".into(),
            allocated_storage: 20,
            master_username: "dmsadmin".into(),
            master_password: Secret::new("correct-horse"),
            db_subnet_group_name: group.into(),
            tags: Tags::from([("dmslink:stack".to_string(), "s".to_string())]),
            ..Default::default()
        }
    }

    /// A linked EC2 with a VPC, two subnets in two AZs, one in a third AZ of another VPC, and a group.
    async fn linked() -> (FakeRds, Arc<FakeEc2>, Vec<String>, String) {
        let ec2 = Arc::new(FakeEc2::new());
        let rds = FakeRds::new();
        rds.link_ec2(ec2.clone());
        let vpc = ec2.create_vpc("10.0.0.0/24", &Tags::new()).await.unwrap();
        let mut subnets = Vec::new();
        for (cidr, az) in
            [("10.0.0.0/26", "us-east-1a"), ("10.0.0.64/26", "us-east-1b"), ("10.0.0.128/26", "us-east-1a")]
        {
            let s = ec2
                .create_subnet(CreateSubnetInput {
                    vpc_id: vpc.id.clone(),
                    cidr_block: cidr.into(),
                    availability_zone: az.into(),
                    tags: Tags::new(),
                })
                .await
                .unwrap();
            subnets.push(s.id);
        }
        let sg = ec2
            .create_security_group(CreateSecurityGroupInput {
                vpc_id: vpc.id.clone(),
                name: "db".into(),
                description: "db".into(),
                tags: Tags::new(),
            })
            .await
            .unwrap();
        (rds, ec2, subnets, sg.id)
    }

    async fn available(rds: &FakeRds, id: &str) -> DbInstance {
        for _ in 0..10 {
            if let Some(i) = rds.find_db_instance(id).await.unwrap()
                && i.status == "available"
            {
                return i;
            }
        }
        panic!("{id} never became available");
    }

    #[tokio::test]
    async fn fake_rds_subnet_group_rules() {
        let (rds, _ec2, subnets, _) = linked().await;
        let e =
            rds.create_db_subnet_group(group("One-AZ", &[subnets[0].clone(), subnets[2].clone()])).await.unwrap_err();
        assert_eq!(e.code, "DBSubnetGroupDoesNotCoverEnoughAZs");
        let e = rds.create_db_subnet_group(group("bad", &["subnet-nope".to_string()])).await.unwrap_err();
        assert_eq!(e.code, "InvalidSubnet");
        let g = rds.create_db_subnet_group(group("DbLink-Prod", &subnets[..2])).await.unwrap();
        assert_eq!(g.name, "dblink-prod", "lower-cased");
        assert_eq!(g.status, "Complete");
        assert!(!g.vpc_id.is_empty());
        assert_eq!(
            rds.create_db_subnet_group(group("dblink-prod", &subnets[..2])).await.unwrap_err().kind,
            ErrorKind::AlreadyExists
        );
        assert_eq!(rds.find_db_subnet_group("DBLINK-PROD").await.unwrap().unwrap().subnet_ids.len(), 2);
        // Modify keeps the group (moto's bug dropped it).
        let g = rds.modify_db_subnet_group(group("dblink-prod", &subnets)).await.unwrap();
        assert_eq!(g.subnet_ids.len(), 3);
        assert!(rds.find_db_subnet_group("dblink-prod").await.unwrap().is_some());
        assert_eq!(rds.list_tags(&g.arn).await.unwrap().get("dmslink:stack").map(String::as_str), Some("s"));
        rds.delete_db_subnet_group("dblink-prod").await.unwrap();
        assert_eq!(rds.find_db_subnet_group("dblink-prod").await.unwrap(), None);
        assert_eq!(rds.delete_db_subnet_group("dblink-prod").await.unwrap_err().kind, ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn fake_rds_create_wait_modify_delete() {
        let (rds, ec2, subnets, sg) = linked().await;
        rds.create_db_subnet_group(group("g", &subnets[..2])).await.unwrap();
        rds.set_create_steps(&["creating", "backing-up", "available"]);
        let mut input = create_input("Target-DB", "g");
        input.vpc_security_group_ids = vec![sg.clone()];
        let i = rds.create_db_instance(input.clone()).await.unwrap();
        assert_eq!((i.id.as_str(), i.status.as_str(), i.endpoint_address.as_deref()), ("target-db", "creating", None));
        assert_eq!(rds.create_db_instance(input).await.unwrap_err().code, "DBInstanceAlreadyExists");
        // Its network interface holds the subnet and the group.
        assert_eq!(ec2.find_network_interfaces(&Filters::new().with("group-id", &sg)).await.unwrap().len(), 1);
        assert_eq!(rds.find_db_instance("target-db").await.unwrap().unwrap().status, "creating");
        assert_eq!(rds.find_db_instance("target-db").await.unwrap().unwrap().status, "backing-up");
        let i = available(&rds, "target-db").await;
        assert_eq!(i.endpoint_port, Some(5432));
        assert!(i.endpoint_address.is_some());
        assert_eq!(i.tags.get("dmslink:stack").map(String::as_str), Some("s"));

        let e = rds.modify_db_instance(ModifyDbInstanceInput { id: "target-db".into(), ..Default::default() }).await;
        assert_eq!(e.unwrap_err().message, "No modifications were requested");
        let same = ModifyDbInstanceInput {
            id: "target-db".into(),
            instance_class: Some("db.t3.micro".into()),
            ..Default::default()
        };
        assert_eq!(rds.modify_db_instance(same).await.unwrap_err().code, "InvalidParameterCombination");
        let m = ModifyDbInstanceInput {
            id: "target-db".into(),
            instance_class: Some("db.t3.small".into()),
            master_password: Some(Secret::new("new-password-1")),
            backup_window: Some("04:00-04:30".into()),
            ..Default::default()
        };
        let i = rds.modify_db_instance(m.clone()).await.unwrap();
        assert_eq!(i.status, "modifying");
        assert_eq!(i.pending.instance_class.as_deref(), Some("db.t3.small"));
        assert!(i.pending.master_password);
        assert_eq!(i.backup_window.as_deref(), Some("04:00-04:30"), "windows apply at once");
        assert_eq!(rds.modify_db_instance(m).await.unwrap_err().code, "InvalidDBInstanceState");
        let i = available(&rds, "target-db").await;
        assert_eq!(i.instance_class, "db.t3.small");
        assert!(i.pending.is_empty());
        assert_eq!(rds.master_password("target-db"), Some(Secret::new("new-password-1")));
        let e = rds
            .modify_db_instance(ModifyDbInstanceInput {
                id: "target-db".into(),
                allocated_storage: Some(10),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(e.code, "InvalidParameterCombination");
        let e = rds
            .modify_db_instance(ModifyDbInstanceInput {
                id: "target-db".into(),
                engine_version: Some("17.1".into()),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert!(e.message.contains("AllowMajorVersionUpgrade"), "{e}");

        // Deleting needs a final-snapshot decision; the subnet group waits for the instance.
        let bare = DeleteDbInstanceInput { id: "target-db".into(), ..Default::default() };
        assert_eq!(rds.delete_db_instance(bare).await.unwrap_err().code, "InvalidParameterCombination");
        let both = DeleteDbInstanceInput {
            final_snapshot_identifier: Some("x".into()),
            ..DeleteDbInstanceInput::skip_final_snapshot("target-db")
        };
        assert_eq!(rds.delete_db_instance(both).await.unwrap_err().code, "InvalidParameterCombination");
        rds.delete_db_instance(DeleteDbInstanceInput::with_final_snapshot("target-db", "target-final")).await.unwrap();
        assert_eq!(
            rds.delete_db_instance(DeleteDbInstanceInput::skip_final_snapshot("target-db")).await.unwrap_err().kind,
            ErrorKind::InvalidState
        );
        let e = rds.delete_db_subnet_group("g").await.unwrap_err();
        assert_eq!((e.code.as_str(), e.kind), ("InvalidDBSubnetGroupStateFault", ErrorKind::InvalidState));
        assert_eq!(rds.find_db_instance("target-db").await.unwrap(), None);
        assert!(ec2.network_interfaces().is_empty(), "RDS takes its interfaces away");
        rds.delete_db_subnet_group("g").await.unwrap();
        let snap = rds.find_db_snapshot("target-final").await.unwrap().unwrap();
        assert_eq!((snap.engine.as_str(), snap.db_instance_id.as_str()), ("postgres", "target-db"));
        assert_eq!(
            rds.delete_db_instance(DeleteDbInstanceInput::skip_final_snapshot("target-db")).await.unwrap_err().kind,
            ErrorKind::NotFound
        );
    }

    #[tokio::test]
    async fn fake_rds_deletion_protection_blocks_delete() {
        let rds = FakeRds::new();
        rds.create_db_subnet_group(group("g", &["subnet-a".into(), "subnet-b".into()])).await.unwrap();
        let mut input = create_input("prod", "g");
        input.deletion_protection = true;
        rds.create_db_instance(input).await.unwrap();
        available(&rds, "prod").await;
        let e = rds.delete_db_instance(DeleteDbInstanceInput::skip_final_snapshot("prod")).await.unwrap_err();
        assert!(e.message.contains("deletion protection"), "{e}");
        rds.modify_db_instance(ModifyDbInstanceInput {
            id: "prod".into(),
            deletion_protection: Some(false),
            ..Default::default()
        })
        .await
        .unwrap();
        available(&rds, "prod").await;
        rds.delete_db_instance(DeleteDbInstanceInput::skip_final_snapshot("prod")).await.unwrap();
    }

    #[tokio::test]
    async fn fake_rds_restore_takes_engine_and_user_from_snapshot() {
        let (rds, _ec2, subnets, sg) = linked().await;
        rds.create_db_subnet_group(group("g", &subnets[..2])).await.unwrap();
        let e = rds
            .restore_db_instance_from_snapshot(RestoreDbInstanceInput {
                id: "src".into(),
                snapshot_identifier: "nope".into(),
                db_subnet_group_name: "g".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!((e.code.as_str(), e.kind), ("DBSnapshotNotFound", ErrorKind::NotFound));
        rds.add_snapshot("src-snap", "oracle-se2", "admin", 100);
        let i = rds
            .restore_db_instance_from_snapshot(RestoreDbInstanceInput {
                id: "src".into(),
                snapshot_identifier: "src-snap".into(),
                instance_class: Some("db.t3.medium".into()),
                db_name: Some("SRCDB".into()),
                db_subnet_group_name: "g".into(),
                vpc_security_group_ids: vec![sg],
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(i.status, "creating");
        let i = available(&rds, "src").await;
        assert_eq!((i.engine.as_str(), i.master_username.as_deref()), ("oracle-se2", Some("admin")));
        assert_eq!((i.allocated_storage, i.endpoint_port, i.db_name.as_deref()), (100, Some(1521), Some("SRCDB")));
        // The follow-up modify applies what restore cannot take.
        let i = rds
            .modify_db_instance(ModifyDbInstanceInput {
                id: "src".into(),
                allocated_storage: Some(200),
                backup_retention_period: Some(7),
                master_password: Some(Secret::new("source-password")),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(i.pending.allocated_storage, Some(200));
        let i = available(&rds, "src").await;
        assert_eq!((i.allocated_storage, i.backup_retention_period), (200, 7));
        rds.add_snapshot("pg-snap", "postgres", "pg", 20);
        let e = rds
            .restore_db_instance_from_snapshot(RestoreDbInstanceInput {
                id: "pg".into(),
                snapshot_identifier: "pg-snap".into(),
                db_name: Some("app".into()),
                db_subnet_group_name: "g".into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(e.code, "InvalidParameterValue", "postgres restores take no DBName");
    }

    #[tokio::test]
    async fn fake_rds_validates_inputs_and_security_groups() {
        let (rds, ec2, subnets, _) = linked().await;
        rds.create_db_subnet_group(group("g", &subnets[..2])).await.unwrap();
        let mut i = create_input("bad--id", "g");
        assert_eq!(rds.create_db_instance(i.clone()).await.unwrap_err().code, "InvalidParameterValue");
        i.id = "ok".into();
        i.master_password = Secret::new("Xq9z");
        let e = rds.create_db_instance(i.clone()).await.unwrap_err();
        assert_eq!(e.code, "InvalidParameterValue");
        assert!(!e.message.contains("Xq9z"), "never echo a password: {e}");
        i.master_password = Secret::new("long-enough");
        i.db_subnet_group_name = "nope".into();
        assert_eq!(rds.create_db_instance(i.clone()).await.unwrap_err().kind, ErrorKind::NotFound);
        i.db_subnet_group_name = "g".into();
        let other = ec2.create_vpc("10.1.0.0/24", &Tags::new()).await.unwrap();
        let foreign = ec2.default_security_group(&other.id).unwrap();
        i.vpc_security_group_ids = vec![foreign];
        assert_eq!(rds.create_db_instance(i.clone()).await.unwrap_err().code, "InvalidParameterCombination");
        i.vpc_security_group_ids = vec![];
        rds.create_db_instance(i).await.unwrap();
        assert_eq!(rds.instance_count(), 1);
    }

    #[tokio::test]
    async fn fake_rds_tags_failures_and_holds() {
        let rds = FakeRds::new();
        rds.create_db_subnet_group(group("g", &["subnet-a".into()])).await.unwrap();
        let i = rds.create_db_instance(create_input("db", "g")).await.unwrap();
        rds.add_tags(&i.arn, &Tags::from([("team".to_string(), "data".to_string())])).await.unwrap();
        rds.remove_tags(&i.arn, &["dmslink:stack".to_string()]).await.unwrap();
        assert_eq!(rds.list_tags(&i.arn).await.unwrap(), Tags::from([("team".to_string(), "data".to_string())]));
        assert_eq!(
            rds.list_tags("arn:aws:rds:us-east-1:123456789012:db:nope").await.unwrap_err().kind,
            ErrorKind::NotFound
        );
        rds.hold("db", true);
        assert_eq!(rds.find_db_instance("db").await.unwrap().unwrap().status, "creating");
        rds.hold("db", false);
        rds.script("db", &["failed"]);
        assert_eq!(rds.find_db_instance("db").await.unwrap().unwrap().status, "failed");
        rds.fail_next("find_db_instance", AwsError::from_code("Throttling", "Rate exceeded"));
        assert_eq!(rds.find_db_instance("db").await.unwrap_err().kind, ErrorKind::Throttled);
        assert_eq!(rds.arns_tagged("team", "data"), vec![i.arn.clone()]);
        rds.remove_instance("db");
        assert_eq!(rds.find_db_instance("db").await.unwrap(), None);
    }
}
