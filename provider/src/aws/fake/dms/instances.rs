//! Replication subnet groups and replication instances: the `dms-vpc-role` prerequisite, subnet
//! and security-group checks against the linked EC2 fake, the network interface DMS leaves
//! behind, and the instance state machine of the rulebook on a timeline.

use super::rulebook::rules;
use super::{
    FakeDms, InstanceRec, Life, Links, State, already_exists, invalid_combination, invalid_parameter, not_found,
    valid_identifier, valid_subnet_group_name,
};
use crate::aws::dms::{
    CreateReplicationInstanceInput, ModifyReplicationInstanceInput, PendingInstanceValues, ReplicationInstance,
    ReplicationSubnetGroup, ReplicationSubnetGroupInput,
};
use crate::aws::error::{AwsError, ErrorKind};

/// What `ModifyReplicationInstance` left pending applies when `modifying` ends.
fn apply_pending(inst: &mut ReplicationInstance) {
    let p = std::mem::take(&mut inst.pending);
    if let Some(v) = p.class {
        inst.class = v;
    }
    if let Some(v) = p.allocated_storage {
        inst.allocated_storage = v;
    }
    if let Some(v) = p.multi_az {
        inst.multi_az = v;
    }
    if let Some(v) = p.engine_version {
        inst.engine_version = Some(v);
    }
}

fn version_major(v: &str) -> &str {
    v.split('.').next().unwrap_or(v)
}

impl FakeDms {
    /// `AccessDeniedFault` unless the linked IAM fake has a ready `dms-vpc-role` (no link: allowed).
    fn check_vpc_role(&self, links: &Links) -> Result<(), AwsError> {
        match &links.iam {
            Some(iam) if !iam.dms_vpc_role_ready() => Err(AwsError::new(
                ErrorKind::AccessDenied,
                "AccessDeniedFault",
                format!("The IAM Role arn:aws:iam::{}:role/dms-vpc-role is not configured properly.", self.account),
            )),
            _ => Ok(()),
        }
    }

    /// Subnets against the linked EC2 fake: exist, one VPC, ≥ 2 AZs. Answers the VPC id.
    fn check_subnets(links: &Links, subnet_ids: &[String]) -> Result<String, AwsError> {
        if subnet_ids.is_empty() {
            return Err(invalid_parameter("SubnetIds must contain at least one subnet"));
        }
        let Some(ec2) = &links.ec2 else { return Ok("vpc-unknown".to_string()) };
        let (mut vpcs, azs) = ec2
            .subnet_spread(subnet_ids)
            .map_err(|id| AwsError::from_code("InvalidSubnet", format!("The subnet {id} does not exist")))?;
        if vpcs.len() > 1 {
            return Err(AwsError::from_code("InvalidSubnet", "The subnets are not all in the same VPC"));
        }
        if azs.len() < 2 {
            return Err(AwsError::from_code(
                "ReplicationSubnetGroupDoesNotCoverEnoughAZs",
                "The replication subnet group does not cover enough Availability Zones (AZs). Edit the replication \
                 subnet group and add more AZs.",
            ));
        }
        Ok(vpcs.pop().unwrap_or_default())
    }

    fn check_security_groups(links: &Links, vpc_id: &str, groups: &[String]) -> Result<(), AwsError> {
        let Some(ec2) = &links.ec2 else { return Ok(()) };
        for g in groups {
            match ec2.security_group(g) {
                None => return Err(invalid_parameter(format!("The security group {g} does not exist"))),
                Some(sg) if sg.vpc_id != vpc_id => {
                    return Err(invalid_parameter(format!(
                        "The security group {g} and the replication subnet group are in different VPCs"
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Applies an instance's due transitions: pending values apply when `modifying` ends, and
    /// a gone instance is dropped (its interfaces stay behind, detached).
    pub(super) fn advance_instance(&self, st: &mut State, arn: &str) -> Option<ReplicationInstance> {
        let rec = st.instances.get_mut(arn)?;
        let inst = &mut rec.inst;
        let gone = !rec.life.advance_each(|from, to| {
            if from == "modifying" && to != "modifying" {
                apply_pending(inst);
            }
        });
        if gone {
            let rec = st.instances.remove(arn)?;
            st.tags.remove(arn);
            if let Some(ec2) = self.links().ec2 {
                for eni in rec.enis {
                    ec2.set_network_interface_status(&eni, "available");
                }
            }
            return None;
        }
        Some(ReplicationInstance { status: rec.life.status.clone(), ..rec.inst.clone() })
    }

    pub(super) fn instance_rec<'a>(st: &'a mut State, arn: &str) -> Result<&'a mut InstanceRec, AwsError> {
        st.instances.get_mut(arn).ok_or_else(|| not_found(format!("Replication instance {arn} not found")))
    }

    /// Drops the deleted subnet groups whose time has come; `Err` when `id` is still `deleting`
    /// (`doing`: what was asked of it).
    fn subnet_group_settle(st: &mut State, id: &str, doing: &str) -> Result<(), AwsError> {
        let now = tokio::time::Instant::now();
        let gone: Vec<String> =
            st.subnet_groups_gone_at.iter().filter(|(_, t)| **t <= now).map(|(k, _)| k.clone()).collect();
        for g in gone {
            st.subnet_groups_gone_at.remove(&g);
            st.subnet_groups.remove(&g);
        }
        if !doing.is_empty() && st.subnet_groups_gone_at.contains_key(id) {
            return Err(AwsError::new(
                ErrorKind::InvalidState,
                "InvalidResourceStateFault",
                format!("Replication Subnet Group {id} is being deleted; it cannot be {doing}."),
            ));
        }
        Ok(())
    }

    pub(super) fn subnet_group_create(
        &self,
        input: ReplicationSubnetGroupInput,
    ) -> Result<ReplicationSubnetGroup, AwsError> {
        let links = self.links();
        let mut st = self.lock();
        self.begin(&mut st, "create_replication_subnet_group", &input.id)?;
        let id = input.id.to_ascii_lowercase();
        if !valid_subnet_group_name(&id) {
            return Err(invalid_parameter(format!("Invalid ReplicationSubnetGroupIdentifier {:?}", input.id)));
        }
        if input.description.is_empty() {
            return Err(invalid_parameter("ReplicationSubnetGroupDescription must be provided"));
        }
        self.check_vpc_role(&links)?;
        Self::subnet_group_settle(&mut st, &id, "")?;
        if st.subnet_groups.contains_key(&id) {
            return Err(already_exists(format!("Replication Subnet Group {id} already exists")));
        }
        let vpc_id = Self::check_subnets(&links, &input.subnet_ids)?;
        let g = ReplicationSubnetGroup {
            id: id.clone(),
            description: input.description,
            vpc_id,
            subnet_ids: input.subnet_ids,
            status: "Complete".to_string(),
        };
        st.tags.insert(self.subnet_group_arn(&id), input.tags);
        st.subnet_groups.insert(id, g.clone());
        Ok(g)
    }

    pub(super) fn subnet_group_find(&self, id: &str) -> Result<Option<ReplicationSubnetGroup>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_replication_subnet_group", id)?;
        // Such groups can be created but not described (aws/aws-cli#8373).
        if id.contains('_') {
            return Ok(None);
        }
        Self::subnet_group_settle(&mut st, "", "")?;
        Ok(st.subnet_groups.get(&id.to_ascii_lowercase()).cloned())
    }

    /// The groups among `ids` that can be described (one call).
    pub(super) fn subnet_groups_find(&self, ids: &[String]) -> Result<Vec<ReplicationSubnetGroup>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_replication_subnet_groups", ids.join(","))?;
        Self::subnet_group_settle(&mut st, "", "")?;
        // Groups whose name has `_` can be created but not described (aws/aws-cli#8373).
        Ok(ids
            .iter()
            .filter(|id| !id.contains('_'))
            .filter_map(|id| st.subnet_groups.get(&id.to_ascii_lowercase()).cloned())
            .collect())
    }

    pub(super) fn subnet_group_modify(
        &self,
        input: ReplicationSubnetGroupInput,
    ) -> Result<ReplicationSubnetGroup, AwsError> {
        let links = self.links();
        let mut st = self.lock();
        self.begin(&mut st, "modify_replication_subnet_group", &input.id)?;
        let id = input.id.to_ascii_lowercase();
        Self::subnet_group_settle(&mut st, &id, "modified")?;
        if !st.subnet_groups.contains_key(&id) {
            return Err(not_found(format!("Replication Subnet Group {id} not found")));
        }
        self.check_vpc_role(&links)?;
        let vpc_id = Self::check_subnets(&links, &input.subnet_ids)?;
        if let Some(ec2) = &links.ec2 {
            let removed_in_use = st
                .instances
                .values()
                .filter(|r| r.inst.subnet_group_id.as_deref() == Some(id.as_str()))
                .flat_map(|r| r.enis.iter())
                .filter_map(|eni| ec2.network_interfaces().into_iter().find(|n| &n.id == eni))
                .find(|n| !input.subnet_ids.contains(&n.subnet_id));
            if let Some(n) = removed_in_use {
                return Err(AwsError::from_code(
                    "SubnetAlreadyInUse",
                    format!("The subnet {} is in use by a replication instance", n.subnet_id),
                ));
            }
        }
        let g = st
            .subnet_groups
            .get_mut(&id)
            .ok_or_else(|| not_found(format!("Replication Subnet Group {id} not found")))?;
        if !input.description.is_empty() {
            g.description = input.description;
        }
        g.subnet_ids = input.subnet_ids;
        g.vpc_id = vpc_id;
        Ok(g.clone())
    }

    pub(super) fn subnet_group_delete(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "delete_replication_subnet_group", id)?;
        let id = id.to_ascii_lowercase();
        Self::subnet_group_settle(&mut st, &id, "deleted again")?;
        if !st.subnet_groups.contains_key(&id) {
            return Err(not_found(format!("Replication Subnet Group {id} not found")));
        }
        let users: Vec<String> = st
            .instances
            .values()
            .filter(|r| r.inst.subnet_group_id.as_deref() == Some(id.as_str()))
            .map(|r| r.inst.id.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !users.is_empty() {
            return Err(AwsError::new(
                ErrorKind::InvalidState,
                "InvalidResourceStateFault",
                format!(
                    "Cannot delete Replication Subnet Group {id} because it is still being used by replication \
                     instance(s): {}",
                    users.join(", ")
                ),
            ));
        }
        // `deleting` for a second, then gone (dms_realism.py); the tags go with the group.
        if let Some(g) = st.subnet_groups.get_mut(&id) {
            g.status = "deleting".to_string();
        }
        let gone_at = tokio::time::Instant::now() + std::time::Duration::from_secs(1);
        st.subnet_groups_gone_at.insert(id.clone(), gone_at);
        let arn = self.subnet_group_arn(&id);
        st.tags.remove(&arn);
        Ok(())
    }

    pub(super) fn subnet_groups_list(&self) -> Result<Vec<ReplicationSubnetGroup>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "list_replication_subnet_groups", "")?;
        Self::subnet_group_settle(&mut st, "", "")?;
        Ok(st.subnet_groups.values().cloned().collect())
    }

    pub(super) fn instance_create(
        &self,
        input: CreateReplicationInstanceInput,
    ) -> Result<ReplicationInstance, AwsError> {
        let links = self.links();
        let mut st = self.lock();
        self.begin(&mut st, "create_replication_instance", &input.id)?;
        if !valid_identifier(&input.id, 63) {
            return Err(invalid_parameter(format!(
                "The parameter ReplicationInstanceIdentifier {:?} is not a valid identifier. Identifiers must begin \
                 with a letter and must contain only ASCII letters, digits, and hyphens. They can't end with a \
                 hyphen or contain two consecutive hyphens.",
                input.id
            )));
        }
        self.check_vpc_role(&links)?;
        let id = input.id.to_ascii_lowercase();
        if st.instances.values().any(|r| r.inst.id == id) {
            return Err(already_exists(format!("Replication instance {id} already exists")));
        }
        crate::aws::fake::orderable::check_dms(Some(&input.class), input.engine_version.as_deref())?;
        if let Some(s) = input.allocated_storage
            && !(5..=6144).contains(&s)
        {
            return Err(invalid_parameter(format!("AllocatedStorage must be between 5 and 6144 GiB, got {s}")));
        }
        let group_id = input.subnet_group_id.to_ascii_lowercase();
        Self::subnet_group_settle(&mut st, &group_id, "used by a new replication instance")?;
        let Some(group) = st.subnet_groups.get(&group_id).cloned() else {
            return Err(not_found(format!("Replication Subnet Group {} not found", input.subnet_group_id)));
        };
        Self::check_security_groups(&links, &group.vpc_id, &input.vpc_security_group_ids)?;
        let mut enis = Vec::new();
        let mut az = input.availability_zone.clone();
        if let (Some(ec2), Some(subnet)) = (&links.ec2, group.subnet_ids.first()) {
            let groups: Vec<String> = if input.vpc_security_group_ids.is_empty() {
                ec2.default_security_group(&group.vpc_id).into_iter().collect()
            } else {
                input.vpc_security_group_ids.clone()
            };
            enis.push(ec2.add_network_interface(subnet, &groups, "DMSNetworkInterface", "amazon-dms")?);
            if az.is_none() {
                az = ec2.subnet(subnet).map(|s| s.availability_zone);
            }
        }
        st.counter += 1;
        let rid = format!("REP{:023}", st.counter);
        let inst = ReplicationInstance {
            arn: self.arn("rep", &rid),
            id,
            status: "creating".to_string(),
            class: input.class.clone(),
            engine_version: Some(
                input
                    .engine_version
                    .clone()
                    .unwrap_or_else(|| crate::aws::fake::orderable::dms_default_engine_version().to_string()),
            ),
            allocated_storage: input.allocated_storage.unwrap_or(50),
            multi_az: input.multi_az,
            availability_zone: az,
            preferred_maintenance_window: Some(
                input.preferred_maintenance_window.clone().unwrap_or_else(|| "sun:06:00-sun:06:30".to_string()),
            ),
            auto_minor_version_upgrade: input.auto_minor_version_upgrade.unwrap_or(true),
            publicly_accessible: input.publicly_accessible,
            subnet_group_id: Some(group_id),
            vpc_security_group_ids: input.vpc_security_group_ids.clone(),
            private_ip_addresses: vec![format!("10.0.0.{}", 10 + st.counter % 200)],
            kms_key_id: Some(
                input
                    .kms_key_id
                    .clone()
                    .unwrap_or_else(|| format!("arn:aws:kms:{}:{}:key/fake-dms-default", self.region, self.account)),
            ),
            pending: PendingInstanceValues::default(),
        };
        let every = rules().replication_instance.seconds("creating");
        let mut life = Life::new("creating");
        life.next.set(st.instance_create_steps.iter().map(|s| (every, s.clone())));
        let rec = InstanceRec { inst: inst.clone(), life, enis };
        st.tags.insert(inst.arn.clone(), input.tags);
        st.instances.insert(inst.arn.clone(), rec);
        Ok(inst)
    }

    pub(super) fn instance_find(&self, id: &str) -> Result<Option<ReplicationInstance>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "find_replication_instance", id)?;
        let arn = st.instances.values().find(|r| r.inst.id.eq_ignore_ascii_case(id)).map(|r| r.inst.arn.clone());
        Ok(arn.and_then(|arn| self.advance_instance(&mut st, &arn)))
    }

    pub(super) fn instance_modify(
        &self,
        input: ModifyReplicationInstanceInput,
    ) -> Result<ReplicationInstance, AwsError> {
        let links = self.links();
        let mut st = self.lock();
        self.begin(&mut st, "modify_replication_instance", &input.arn)?;
        let vpc_id = {
            let rec = Self::instance_rec(&mut st, &input.arn)?;
            let group = rec.inst.subnet_group_id.clone().unwrap_or_default();
            st.subnet_groups.get(&group).map(|g| g.vpc_id.clone()).unwrap_or_default()
        };
        if let Some(sgs) = &input.vpc_security_group_ids
            && !vpc_id.is_empty()
        {
            Self::check_security_groups(&links, &vpc_id, sgs)?;
        }
        let rec = Self::instance_rec(&mut st, &input.arn)?;
        // Only what changes is checked against the offer (an instance on a retired version still
        // modifies), before anything else, as the emulator does.
        let new_class = input.class.as_deref().filter(|v| *v != rec.inst.class);
        let new_version = input.engine_version.as_deref().filter(|v| Some(*v) != rec.inst.engine_version.as_deref());
        crate::aws::fake::orderable::check_dms(new_class, new_version)?;
        rules().replication_instance.check("ModifyReplicationInstance", &rec.life.status, &[("id", &rec.inst.id)])?;
        let i = &rec.inst;
        let class = input.class.clone().filter(|v| *v != i.class);
        let storage = input.allocated_storage.filter(|v| *v != i.allocated_storage);
        let version = input.engine_version.clone().filter(|v| Some(v) != i.engine_version.as_ref());
        let multi_az = input.multi_az.filter(|v| *v != i.multi_az);
        let window =
            input.preferred_maintenance_window.clone().filter(|v| Some(v) != i.preferred_maintenance_window.as_ref());
        let auto_minor = input.auto_minor_version_upgrade.filter(|v| *v != i.auto_minor_version_upgrade);
        let sgs = input.vpc_security_group_ids.clone().filter(|v| *v != i.vpc_security_group_ids);
        if class.is_none()
            && storage.is_none()
            && version.is_none()
            && multi_az.is_none()
            && window.is_none()
            && auto_minor.is_none()
            && sgs.is_none()
        {
            return Err(invalid_combination("No modifications were requested"));
        }
        if let Some(s) = storage
            && (s < i.allocated_storage || s > 6144)
        {
            return Err(invalid_parameter(format!(
                "AllocatedStorage {s} is invalid: storage can grow up to 6144 GiB but not shrink below {}",
                i.allocated_storage
            )));
        }
        if let (Some(v), Some(current)) = (&version, &i.engine_version)
            && version_major(v) != version_major(current)
            && !input.allow_major_version_upgrade
        {
            return Err(invalid_combination(
                "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version",
            ));
        }
        let i = &mut rec.inst;
        if let Some(v) = window {
            i.preferred_maintenance_window = Some(v);
        }
        if let Some(v) = auto_minor {
            i.auto_minor_version_upgrade = v;
        }
        if let Some(v) = sgs {
            i.vpc_security_group_ids = v;
        }
        i.pending = PendingInstanceValues { class, allocated_storage: storage, multi_az, engine_version: version };
        let modifying = rules().replication_instance.seconds("modifying");
        rec.life.set("modifying", &[(modifying, "available")]);
        Ok(ReplicationInstance { status: "modifying".to_string(), ..rec.inst.clone() })
    }

    pub(super) fn instance_delete(&self, arn: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "delete_replication_instance", arn)?;
        let users = Self::task_ids(&st, |t| t.replication_instance_arn == arn);
        let rec = Self::instance_rec(&mut st, arn)?;
        Self::start_delete(
            &rules().replication_instance,
            "DeleteReplicationInstance",
            &mut rec.life,
            &rec.inst.id,
            &users,
        )
    }

    pub(super) fn instances_list(&self) -> Result<Vec<ReplicationInstance>, AwsError> {
        let mut st = self.lock();
        self.begin(&mut st, "list_replication_instances", "")?;
        let arns: Vec<String> = st.instances.keys().cloned().collect();
        Ok(arns.iter().filter_map(|arn| self.advance_instance(&mut st, arn)).collect())
    }
}
