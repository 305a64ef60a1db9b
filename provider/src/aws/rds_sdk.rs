//! `RdsApi` over `aws-sdk-rds`.

use async_trait::async_trait;
use aws_sdk_rds::Client;
use aws_sdk_rds::types as t;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use super::error::{AwsError, ErrorKind};
use super::rds::{
    CreateDbInstanceInput, DbEngineVersion, DbInstance, DbSnapshot, DbSubnetGroup, DbSubnetGroupInput,
    DeleteDbInstanceInput, ModifyDbInstanceInput, PendingDbValues, RdsApi, RestoreDbInstanceInput, Tags,
};
use super::stop;

/// The RDS client plus where it sends requests (for error messages).
#[derive(Clone, Debug)]
pub struct SdkRds {
    client: Client,
    endpoint: String,
}

impl SdkRds {
    pub fn new(client: Client, endpoint: impl Into<String>) -> SdkRds {
        SdkRds { client, endpoint: endpoint.into() }
    }
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// `DescribeDBInstances`, every page (MaxRecords 100, the most a page may hold: the RDS service
    /// model), with `filter` when given.
    async fn describe_instances(&self, filter: Option<t::Filter>) -> Result<Vec<DbInstance>, AwsError> {
        let pages = self
            .client
            .describe_db_instances()
            .set_filters(filter.map(|f| vec![f]))
            .max_records(100)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(pages.iter().flat_map(|p| p.db_instances()).map(instance_from_sdk).collect())
    }

    fn err<E>(&self, e: SdkError<E, HttpResponse>) -> AwsError
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    {
        stop::from_sdk(e, &self.endpoint)
    }
}

fn none_if_not_found<T>(r: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

fn missing(what: &str, op: &str) -> AwsError {
    AwsError::new(ErrorKind::Other, "", format!("RDS {op} returned no {what}"))
}

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_string()
}

fn o(v: Option<&str>) -> Option<String> {
    v.filter(|x| !x.is_empty()).map(str::to_string)
}

fn sdk_tags(tags: &Tags) -> Option<Vec<t::Tag>> {
    if tags.is_empty() {
        return None;
    }
    Some(tags.iter().map(|(k, v)| t::Tag::builder().key(k).value(v).build()).collect())
}

fn tags_from_sdk(tags: &[t::Tag]) -> Tags {
    tags.iter().filter_map(|t| t.key().map(|k| (k.to_string(), t.value().unwrap_or_default().to_string()))).collect()
}

pub(crate) fn subnet_group_from_sdk(g: &t::DbSubnetGroup) -> DbSubnetGroup {
    DbSubnetGroup {
        name: s(g.db_subnet_group_name()),
        arn: s(g.db_subnet_group_arn()),
        description: s(g.db_subnet_group_description()),
        vpc_id: s(g.vpc_id()),
        subnet_ids: g.subnets().iter().filter_map(|x| x.subnet_identifier().map(str::to_string)).collect(),
        status: s(g.subnet_group_status()),
    }
}

fn pending_from_sdk(p: Option<&t::PendingModifiedValues>) -> PendingDbValues {
    let Some(p) = p else { return PendingDbValues::default() };
    PendingDbValues {
        instance_class: o(p.db_instance_class()),
        allocated_storage: p.allocated_storage(),
        engine_version: o(p.engine_version()),
        multi_az: p.multi_az(),
        backup_retention_period: p.backup_retention_period(),
        port: p.port(),
        db_subnet_group_name: o(p.db_subnet_group_name()),
        master_password: p.master_user_password().is_some(),
    }
}

pub(crate) fn instance_from_sdk(i: &t::DbInstance) -> DbInstance {
    DbInstance {
        id: s(i.db_instance_identifier()),
        arn: s(i.db_instance_arn()),
        status: s(i.db_instance_status()).to_ascii_lowercase(),
        engine: s(i.engine()),
        engine_version: s(i.engine_version()),
        instance_class: s(i.db_instance_class()),
        allocated_storage: i.allocated_storage().unwrap_or_default(),
        master_username: o(i.master_username()),
        db_name: o(i.db_name()),
        endpoint_address: i.endpoint().and_then(|e| o(e.address())),
        endpoint_port: i.endpoint().and_then(|e| e.port()).or(i.db_instance_port().filter(|p| *p > 0)),
        multi_az: i.multi_az().unwrap_or(false),
        storage_encrypted: i.storage_encrypted().unwrap_or(false),
        kms_key_id: o(i.kms_key_id()),
        deletion_protection: i.deletion_protection().unwrap_or(false),
        publicly_accessible: i.publicly_accessible().unwrap_or(false),
        auto_minor_version_upgrade: i.auto_minor_version_upgrade().unwrap_or(false),
        backup_retention_period: i.backup_retention_period().unwrap_or_default(),
        backup_window: o(i.preferred_backup_window()),
        maintenance_window: o(i.preferred_maintenance_window()),
        availability_zone: o(i.availability_zone()),
        db_subnet_group_name: i.db_subnet_group().and_then(|g| o(g.db_subnet_group_name())),
        vpc_security_group_ids: i
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
            .collect(),
        pending: pending_from_sdk(i.pending_modified_values()),
        tags: tags_from_sdk(i.tag_list()),
    }
}

pub(crate) fn snapshot_from_sdk(v: &t::DbSnapshot) -> DbSnapshot {
    DbSnapshot {
        id: s(v.db_snapshot_identifier()),
        arn: s(v.db_snapshot_arn()),
        db_instance_id: s(v.db_instance_identifier()),
        status: s(v.status()).to_ascii_lowercase(),
        engine: s(v.engine()),
        engine_version: s(v.engine_version()),
        allocated_storage: v.allocated_storage().unwrap_or_default(),
        master_username: o(v.master_username()),
        port: v.port(),
        encrypted: v.encrypted().unwrap_or(false),
        tags: tags_from_sdk(v.tag_list()),
    }
}

#[async_trait]
impl RdsApi for SdkRds {
    async fn create_db_subnet_group(&self, input: DbSubnetGroupInput) -> Result<DbSubnetGroup, AwsError> {
        let out = self
            .client
            .create_db_subnet_group()
            .db_subnet_group_name(&input.name)
            .db_subnet_group_description(&input.description)
            .set_subnet_ids(Some(input.subnet_ids.clone()))
            .set_tags(sdk_tags(&input.tags))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.db_subnet_group()
            .map(subnet_group_from_sdk)
            .ok_or_else(|| missing("DB subnet group", "CreateDBSubnetGroup"))
    }

    async fn find_db_subnet_group(&self, name: &str) -> Result<Option<DbSubnetGroup>, AwsError> {
        let r =
            self.client.describe_db_subnet_groups().db_subnet_group_name(name).send().await.map_err(|e| self.err(e));
        Ok(none_if_not_found(r)?.and_then(|out| {
            out.db_subnet_groups().iter().map(subnet_group_from_sdk).find(|g| g.name.eq_ignore_ascii_case(name))
        }))
    }

    async fn list_db_subnet_groups(&self) -> Result<Vec<DbSubnetGroup>, AwsError> {
        // MaxRecords 100 is the most a page may hold (the RDS service model, DescribeDBSubnetGroups).
        let pages = self
            .client
            .describe_db_subnet_groups()
            .max_records(100)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(pages.iter().flat_map(|p| p.db_subnet_groups()).map(subnet_group_from_sdk).collect())
    }

    async fn modify_db_subnet_group(&self, input: DbSubnetGroupInput) -> Result<DbSubnetGroup, AwsError> {
        let out = self
            .client
            .modify_db_subnet_group()
            .db_subnet_group_name(&input.name)
            .db_subnet_group_description(&input.description)
            .set_subnet_ids(Some(input.subnet_ids.clone()))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.db_subnet_group()
            .map(subnet_group_from_sdk)
            .ok_or_else(|| missing("DB subnet group", "ModifyDBSubnetGroup"))
    }

    async fn delete_db_subnet_group(&self, name: &str) -> Result<(), AwsError> {
        self.client.delete_db_subnet_group().db_subnet_group_name(name).send().await.map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn create_db_instance(&self, input: CreateDbInstanceInput) -> Result<DbInstance, AwsError> {
        let out = self
            .client
            .create_db_instance()
            .db_instance_identifier(&input.id)
            .engine(&input.engine)
            .set_engine_version(input.engine_version.clone())
            .db_instance_class(&input.instance_class)
            .allocated_storage(input.allocated_storage)
            .master_username(&input.master_username)
            .master_user_password(input.master_password.expose())
            .set_db_name(input.db_name.clone())
            .set_port(input.port)
            .db_subnet_group_name(&input.db_subnet_group_name)
            .set_vpc_security_group_ids(Some(input.vpc_security_group_ids.clone()))
            .multi_az(input.multi_az)
            .storage_encrypted(input.storage_encrypted)
            .set_kms_key_id(input.kms_key_id.clone())
            .set_backup_retention_period(input.backup_retention_period)
            .set_preferred_backup_window(input.backup_window.clone())
            .set_preferred_maintenance_window(input.maintenance_window.clone())
            .deletion_protection(input.deletion_protection)
            .publicly_accessible(false)
            .set_auto_minor_version_upgrade(input.auto_minor_version_upgrade)
            .set_tags(sdk_tags(&input.tags))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.db_instance().map(instance_from_sdk).ok_or_else(|| missing("DB instance", "CreateDBInstance"))
    }

    async fn restore_db_instance_from_snapshot(&self, input: RestoreDbInstanceInput) -> Result<DbInstance, AwsError> {
        let out = self
            .client
            .restore_db_instance_from_db_snapshot()
            .db_instance_identifier(&input.id)
            .db_snapshot_identifier(&input.snapshot_identifier)
            .set_db_instance_class(input.instance_class.clone())
            .set_db_name(input.db_name.clone())
            .set_port(input.port)
            .db_subnet_group_name(&input.db_subnet_group_name)
            .set_vpc_security_group_ids(Some(input.vpc_security_group_ids.clone()))
            .multi_az(input.multi_az)
            .set_availability_zone(input.availability_zone.clone())
            .deletion_protection(input.deletion_protection)
            .publicly_accessible(false)
            .set_auto_minor_version_upgrade(input.auto_minor_version_upgrade)
            .set_tags(sdk_tags(&input.tags))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.db_instance()
            .map(instance_from_sdk)
            .ok_or_else(|| missing("DB instance", "RestoreDBInstanceFromDBSnapshot"))
    }

    async fn find_db_instance(&self, id: &str) -> Result<Option<DbInstance>, AwsError> {
        let r = self.client.describe_db_instances().db_instance_identifier(id).send().await.map_err(|e| self.err(e));
        Ok(none_if_not_found(r)?
            .and_then(|out| out.db_instances().iter().map(instance_from_sdk).find(|i| i.id.eq_ignore_ascii_case(id))))
    }

    async fn list_db_instances(&self) -> Result<Vec<DbInstance>, AwsError> {
        self.describe_instances(None).await
    }

    async fn find_db_instances(&self, ids: &[String]) -> Result<Vec<DbInstance>, AwsError> {
        let mut out = Vec::new();
        // 100 identifiers per request.
        for chunk in ids.chunks(100) {
            let filter = t::Filter::builder().name("db-instance-id").set_values(Some(chunk.to_vec())).build();
            let found = self.describe_instances(Some(filter)).await?;
            // An endpoint that ignored the filter answers every instance: keep those asked for.
            out.extend(found.into_iter().filter(|i| chunk.iter().any(|id| id.eq_ignore_ascii_case(&i.id))));
        }
        Ok(out)
    }

    async fn modify_db_instance(&self, input: ModifyDbInstanceInput) -> Result<DbInstance, AwsError> {
        let out = self
            .client
            .modify_db_instance()
            .db_instance_identifier(&input.id)
            .apply_immediately(true)
            .set_db_instance_class(input.instance_class.clone())
            .set_allocated_storage(input.allocated_storage)
            .set_engine_version(input.engine_version.clone())
            .set_allow_major_version_upgrade(input.allow_major_version_upgrade.then_some(true))
            .set_master_user_password(input.master_password.as_ref().map(|p| p.expose().to_string()))
            .set_multi_az(input.multi_az)
            .set_backup_retention_period(input.backup_retention_period)
            .set_preferred_backup_window(input.backup_window.clone())
            .set_preferred_maintenance_window(input.maintenance_window.clone())
            .set_deletion_protection(input.deletion_protection)
            .set_vpc_security_group_ids(input.vpc_security_group_ids.clone())
            .set_db_subnet_group_name(input.db_subnet_group_name.clone())
            .set_auto_minor_version_upgrade(input.auto_minor_version_upgrade)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        out.db_instance().map(instance_from_sdk).ok_or_else(|| missing("DB instance", "ModifyDBInstance"))
    }

    async fn delete_db_instance(&self, input: DeleteDbInstanceInput) -> Result<(), AwsError> {
        self.client
            .delete_db_instance()
            .db_instance_identifier(&input.id)
            .skip_final_snapshot(input.skip_final_snapshot)
            .set_final_db_snapshot_identifier(input.final_snapshot_identifier.clone())
            .delete_automated_backups(input.delete_automated_backups)
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn find_db_snapshot(&self, id: &str) -> Result<Option<DbSnapshot>, AwsError> {
        let r = self.client.describe_db_snapshots().db_snapshot_identifier(id).send().await.map_err(|e| self.err(e));
        Ok(none_if_not_found(r)?
            .and_then(|out| out.db_snapshots().iter().map(snapshot_from_sdk).find(|x| x.id.eq_ignore_ascii_case(id))))
    }

    async fn list_tags(&self, arn: &str) -> Result<Tags, AwsError> {
        let out = self.client.list_tags_for_resource().resource_name(arn).send().await.map_err(|e| self.err(e))?;
        Ok(tags_from_sdk(out.tag_list()))
    }

    async fn add_tags(&self, arn: &str, tags: &Tags) -> Result<(), AwsError> {
        if tags.is_empty() {
            return Ok(());
        }
        self.client
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(sdk_tags(tags))
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
            .resource_name(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    async fn list_db_engine_versions(
        &self,
        engine: &str,
        version: Option<&str>,
        default_only: bool,
    ) -> Result<Vec<DbEngineVersion>, AwsError> {
        // MaxRecords 100 is the most a page may hold (the RDS service model, DescribeDBEngineVersions).
        let pages = self
            .client
            .describe_db_engine_versions()
            .engine(engine)
            .set_engine_version(version.map(str::to_string))
            .default_only(default_only)
            .max_records(100)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        Ok(pages
            .iter()
            .flat_map(|p| p.db_engine_versions())
            .filter_map(|v| {
                Some(DbEngineVersion {
                    engine: v.engine()?.to_string(),
                    version: v.engine_version()?.to_string(),
                    major_version: v.major_engine_version().map(str::to_string),
                })
            })
            .collect())
    }

    async fn list_orderable_db_instance_classes(&self, engine: &str, version: &str) -> Result<Vec<String>, AwsError> {
        // One option per class × license model × storage type × ...: up to 1000 a page
        // (the RDS service model, DescribeOrderableDBInstanceOptions), each class kept once. Vpc=true: dmslink
        // puts every instance in a VPC.
        let pages = self
            .client
            .describe_orderable_db_instance_options()
            .engine(engine)
            .engine_version(version)
            .vpc(true)
            .max_records(1000)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| self.err(e))?;
        let mut classes: Vec<String> = Vec::new();
        for class in pages.iter().flat_map(|p| p.orderable_db_instance_options()).filter_map(|o| o.db_instance_class())
        {
            if !classes.iter().any(|c| c == class) {
                classes.push(class.to_string());
            }
        }
        Ok(classes)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn sdk_instance_maps_endpoint_pending_values_and_tags() {
        let i = t::DbInstance::builder()
            .db_instance_identifier("dblink-prod-target")
            .db_instance_arn("arn:aws:rds:us-east-1:123456789012:db:dblink-prod-target")
            .db_instance_status("Available")
            .engine("postgres")
            .engine_version("16.3")
            .db_instance_class("db.t3.micro")
            .allocated_storage(20)
            .master_username("dmsadmin")
            .db_name("app")
            .endpoint(t::Endpoint::builder().address("db.example.internal").port(5432).build())
            .multi_az(false)
            .storage_encrypted(true)
            .deletion_protection(true)
            .publicly_accessible(false)
            .backup_retention_period(7)
            .preferred_backup_window("03:00-04:00")
            .preferred_maintenance_window("sun:05:00-sun:06:00")
            .db_subnet_group(t::DbSubnetGroup::builder().db_subnet_group_name("dblink-prod").build())
            .vpc_security_groups(t::VpcSecurityGroupMembership::builder().vpc_security_group_id("sg-1").build())
            .pending_modified_values(
                t::PendingModifiedValues::builder()
                    .db_instance_class("db.t3.small")
                    .master_user_password("****")
                    .build(),
            )
            .tag_list(t::Tag::builder().key("dmslink:stack").value("dblink").build())
            .build();
        let d = instance_from_sdk(&i);
        assert_eq!(d.status, "available");
        assert_eq!((d.endpoint_address.as_deref(), d.endpoint_port), (Some("db.example.internal"), Some(5432)));
        assert_eq!(d.db_subnet_group_name.as_deref(), Some("dblink-prod"));
        assert_eq!(d.vpc_security_group_ids, vec!["sg-1".to_string()]);
        assert_eq!(d.pending.instance_class.as_deref(), Some("db.t3.small"));
        assert!(d.pending.master_password);
        assert!(d.deletion_protection && d.storage_encrypted && !d.multi_az);
        assert_eq!(d.tags.get("dmslink:stack").map(String::as_str), Some("dblink"));

        let creating = t::DbInstance::builder().db_instance_identifier("x").db_instance_status("creating").build();
        let d = instance_from_sdk(&creating);
        assert_eq!((d.endpoint_address, d.endpoint_port), (None, None));
        assert!(d.pending.is_empty());
    }

    #[test]
    fn sdk_subnet_group_and_snapshot_map() {
        let g = t::DbSubnetGroup::builder()
            .db_subnet_group_name("dblink")
            .db_subnet_group_arn("arn:aws:rds:us-east-1:123456789012:subgrp:dblink")
            .vpc_id("vpc-1")
            .subnet_group_status("Complete")
            .subnets(t::Subnet::builder().subnet_identifier("subnet-1").build())
            .subnets(t::Subnet::builder().subnet_identifier("subnet-2").build())
            .build();
        let d = subnet_group_from_sdk(&g);
        assert_eq!(d.subnet_ids, vec!["subnet-1".to_string(), "subnet-2".to_string()]);
        assert_eq!(d.status, "Complete");

        let sn = t::DbSnapshot::builder()
            .db_snapshot_identifier("src-snap")
            .db_instance_identifier("src")
            .status("available")
            .engine("oracle-se2")
            .allocated_storage(100)
            .master_username("admin")
            .encrypted(true)
            .build();
        let d = snapshot_from_sdk(&sn);
        assert_eq!((d.engine.as_str(), d.allocated_storage, d.encrypted), ("oracle-se2", 100, true));
        assert_eq!(d.master_username.as_deref(), Some("admin"));
    }
}
