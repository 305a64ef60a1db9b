//! `RdsApi` over the fake: DB subnet groups, instances (create, restore, modify, delete), snapshots and tags.

use super::*;

#[async_trait]
impl RdsApi for FakeRds {
    async fn create_db_subnet_group(&self, input: DbSubnetGroupInput) -> Result<DbSubnetGroup, AwsError> {
        self.answer("create_db_subnet_group", self.served_create_db_subnet_group(input))
    }

    async fn find_db_subnet_group(&self, name: &str) -> Result<Option<DbSubnetGroup>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_db_subnet_group", name)?;
        Ok(st.groups.get(&name.to_ascii_lowercase()).cloned())
    }

    async fn list_db_subnet_groups(&self) -> Result<Vec<DbSubnetGroup>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("list_db_subnet_groups", "")?;
        Ok(st.groups.values().cloned().collect())
    }

    async fn modify_db_subnet_group(&self, input: DbSubnetGroupInput) -> Result<DbSubnetGroup, AwsError> {
        self.answer("modify_db_subnet_group", self.served_modify_db_subnet_group(input))
    }

    async fn delete_db_subnet_group(&self, name: &str) -> Result<(), AwsError> {
        self.answer("delete_db_subnet_group", self.served_delete_db_subnet_group(name))
    }

    async fn create_db_instance(&self, input: CreateDbInstanceInput) -> Result<DbInstance, AwsError> {
        self.answer("create_db_instance", self.served_create_db_instance(input))
    }

    async fn restore_db_instance_from_snapshot(&self, input: RestoreDbInstanceInput) -> Result<DbInstance, AwsError> {
        self.answer("restore_db_instance_from_snapshot", self.served_restore_db_instance_from_snapshot(input))
    }

    async fn find_db_instance(&self, id: &str) -> Result<Option<DbInstance>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_db_instance", id)?;
        Ok(st.instances.get(&id.to_ascii_lowercase()).map(|r| Self::view(&st, r)))
    }

    async fn list_db_instances(&self) -> Result<Vec<DbInstance>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("list_db_instances", "")?;
        Ok(st.instances.values().map(|r| Self::view(&st, r)).collect())
    }

    async fn find_db_instances(&self, ids: &[String]) -> Result<Vec<DbInstance>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_db_instances", ids.join(","))?;
        Ok(ids.iter().filter_map(|id| st.instances.get(&id.to_ascii_lowercase())).map(|r| Self::view(&st, r)).collect())
    }

    async fn modify_db_instance(&self, input: ModifyDbInstanceInput) -> Result<DbInstance, AwsError> {
        self.answer("modify_db_instance", self.served_modify_db_instance(input))
    }

    async fn delete_db_instance(&self, input: DeleteDbInstanceInput) -> Result<(), AwsError> {
        self.answer("delete_db_instance", self.served_delete_db_instance(input))
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
        self.answer("add_tags", self.served_add_tags(arn, tags))
    }

    async fn remove_tags(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        self.answer("remove_tags", self.served_remove_tags(arn, keys))
    }

    async fn list_db_engine_versions(
        &self,
        engine: &str,
        version: Option<&str>,
        default_only: bool,
    ) -> Result<Vec<DbEngineVersion>, AwsError> {
        let mut st = self.lock();
        let arg = format!("{engine} {}{}", version.unwrap_or("*"), if default_only { " default" } else { "" });
        st.rec.begin("list_db_engine_versions", arg)?;
        Ok(orderable::rds_engine_versions(engine, version, default_only))
    }

    async fn list_orderable_db_instance_classes(&self, engine: &str, version: &str) -> Result<Vec<String>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("list_orderable_db_instance_classes", format!("{engine} {version}"))?;
        Ok(orderable::rds_orderable_classes(engine, version))
    }
}

/// What the calls whose answer can be lost do (`RdsApi` passes their answers through
/// `answer`).
impl FakeRds {
    fn served_create_db_subnet_group(&self, input: DbSubnetGroupInput) -> Result<DbSubnetGroup, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_db_subnet_group", &input.name)?;
        let name = input.name.to_ascii_lowercase();
        if !valid_subnet_group_name(&name) {
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

    fn served_modify_db_subnet_group(&self, input: DbSubnetGroupInput) -> Result<DbSubnetGroup, AwsError> {
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

    fn served_delete_db_subnet_group(&self, name: &str) -> Result<(), AwsError> {
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

    fn served_create_db_instance(&self, input: CreateDbInstanceInput) -> Result<DbInstance, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_db_instance", &input.id)?;
        if !valid_identifier(&input.id, 63) {
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
        let engine_version = match &input.engine_version {
            Some(v) => orderable::rds_resolve_version(&input.engine, v),
            None => default_version(&input.engine).to_string(),
        };
        orderable::check_rds(&input.engine, &engine_version, &input.instance_class)?;
        let inst = DbInstance {
            arn: self.arn("db", &id),
            id: id.clone(),
            status: "creating".to_string(),
            engine: input.engine.clone(),
            engine_version,
            instance_class: input.instance_class.clone(),
            allocated_storage: input.allocated_storage,
            master_username: Some(input.master_username.clone()),
            db_name: input.db_name.clone(),
            endpoint_address: Some(format!("{id}.c0ffee123456.{}.rds.amazonaws.com", self.region)),
            endpoint_port: Some(port),
            multi_az: input.multi_az,
            storage_encrypted: input.storage_encrypted,
            kms_key_id: input.storage_encrypted.then(|| {
                input
                    .kms_key_id
                    .clone()
                    .unwrap_or_else(|| format!("arn:aws:kms:{}:{}:key/fake-rds-default", self.region, self.account))
            }),
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

    fn served_restore_db_instance_from_snapshot(&self, input: RestoreDbInstanceInput) -> Result<DbInstance, AwsError> {
        let mut st = self.lock();
        st.rec.begin("restore_db_instance_from_snapshot", format!("{} {}", input.id, input.snapshot_identifier))?;
        if !valid_identifier(&input.id, 63) {
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
        // A restore keeps the snapshot's engine version: a snapshot of a retired one cannot be restored.
        let class = input.instance_class.clone().unwrap_or_else(|| snap.instance_class.clone());
        orderable::check_rds(&engine, &snap.snap.engine_version, &class)?;
        let inst = DbInstance {
            arn: self.arn("db", &id),
            id: id.clone(),
            status: "creating".to_string(),
            engine: engine.clone(),
            engine_version: snap.snap.engine_version.clone(),
            instance_class: class,
            allocated_storage: snap.snap.allocated_storage,
            master_username: snap.snap.master_username.clone(),
            db_name: if takes_db_name { input.db_name.clone().or_else(|| snap.db_name.clone()) } else { None },
            endpoint_address: Some(format!("{id}.c0ffee123456.{}.rds.amazonaws.com", self.region)),
            endpoint_port: Some(port),
            multi_az: input.multi_az,
            storage_encrypted: snap.snap.encrypted,
            // A restore keeps the snapshot's key.
            kms_key_id: snap
                .snap
                .encrypted
                .then(|| format!("arn:aws:kms:{}:{}:key/fake-rds-default", self.region, self.account)),
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

    fn served_modify_db_instance(&self, input: ModifyDbInstanceInput) -> Result<DbInstance, AwsError> {
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
        // A major version alone is its default minor; a changed class or version is checked against
        // the offer as the combination it makes (rulebook/orderable.json).
        let input = ModifyDbInstanceInput {
            engine_version: input.engine_version.map(|v| orderable::rds_resolve_version(&rec.inst.engine, &v)),
            ..input
        };
        let new_class = input.instance_class.as_ref().filter(|v| **v != rec.inst.instance_class);
        let new_version = input.engine_version.as_ref().filter(|v| **v != rec.inst.engine_version);
        if new_class.is_some() || new_version.is_some() {
            orderable::check_rds(
                &rec.inst.engine,
                new_version.unwrap_or(&rec.inst.engine_version),
                new_class.unwrap_or(&rec.inst.instance_class),
            )?;
        }
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
        rec.life.set("modifying", &[(STATE_SECONDS, "available")]);
        let rec = st.instances.get(&id).ok_or_else(|| instance_not_found(&id))?;
        Ok(Self::view(&st, rec))
    }

    fn served_delete_db_instance(&self, input: DeleteDbInstanceInput) -> Result<(), AwsError> {
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
        // DeleteDBInstance API reference: an instance that is failed, incompatible-restore or
        // incompatible-network is deleted only without a final snapshot (as the emulator's
        // rds_realism.py; the code is the stricter plausible one).
        if !input.skip_final_snapshot
            && ["failed", "incompatible-restore", "incompatible-network"].contains(&rec.life.status.as_str())
        {
            return Err(err(
                "InvalidDBInstanceState",
                format!(
                    "DB instance {id} is in {} state; it can be deleted only with SkipFinalSnapshot.",
                    rec.life.status
                ),
            ));
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
            rec.life.set("deleting", &[(STATE_SECONDS, GONE)]);
        }
        Ok(())
    }

    fn served_add_tags(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("add_tags", arn)?;
        let t = st.tags.get_mut(arn).ok_or_else(|| Self::not_found_for_arn(arn))?;
        t.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(())
    }

    fn served_remove_tags(&self, arn: &str, keys: &[String]) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("remove_tags", arn)?;
        let t = st.tags.get_mut(arn).ok_or_else(|| Self::not_found_for_arn(arn))?;
        for k in keys {
            t.remove(k);
        }
        Ok(())
    }
}
