//! Reading the stack back: which children still exist, and the settings AWS reports for them
//! (changed out of band, or an update that did not finish), which replace the state's so the next
//! plan shows the difference.

use futures_util::future::join_all;

use crate::engine::Value;

use super::children::Children;
use super::desired::Stack;
use super::endpoint_drift;
use super::steps::StackRun;

#[derive(Default)]
pub struct Remote {
    pub ri: Option<crate::aws::dms::ReplicationInstance>,
    pub dbs: std::collections::BTreeMap<String, crate::aws::rds::DbInstance>,
    /// Each database's DMS endpoint, by database id.
    pub endpoints: std::collections::BTreeMap<String, crate::aws::dms::Endpoint>,
}

/// Reads every child at once: none of the reads depends on another, so a stack's refresh is one
/// round trip deep instead of twenty, and its DMS reads share calls (`aws::dms_coalesced`). The
/// outcome is the same as reading one after another: the VPC gone means the stack is gone; else
/// the first error (in the order the children are listed here) is the refresh's error.
pub async fn refresh(run: &StackRun, kids: &mut Children, remote: &mut Remote) -> Result<bool, String> {
    let c = &run.ctx.provider.clients;
    let err = |what: &str, id: &str, e: crate::aws::error::AwsError| e.describe(&format!("reading {what}"), id);
    let Some(vpc) = kids.vpc_id.clone() else { return Ok(false) };
    let subnets: Vec<(String, String)> = kids.subnet_ids.clone().into_iter().collect();
    let databases: Vec<(String, super::children::DbChildren)> =
        kids.databases.keys().map(|k| (k.clone(), kids.db(k))).collect();
    let (sg, vgw, igw, db_subnet_group, rsg, ri) = (
        kids.security_group_id.clone(),
        kids.vpn_gateway_id.clone(),
        kids.internet_gateway_id.clone(),
        kids.db_subnet_group_name.clone(),
        kids.replication_subnet_group_id.clone(),
        kids.replication_instance_arn.clone(),
    );
    let maybe = |id: &Option<String>| id.clone();
    let (vpc_read, subnet_reads, sg_read, vgw_read, igw_read, dbsg_read, db_reads, rsg_read, ri_read) = tokio::join!(
        c.ec2.find_vpc(&vpc),
        join_all(subnets.iter().map(|(_, id)| c.ec2.find_subnet(id))),
        optional(maybe(&sg), |id| async move { c.ec2.find_security_group(&id).await }),
        optional(maybe(&vgw), |id| async move { c.ec2.find_vpn_gateway(&id).await }),
        optional(maybe(&igw), |id| async move { c.ec2.find_internet_gateway(&id).await }),
        optional(maybe(&db_subnet_group), |id| async move { c.rds.find_db_subnet_group(&id).await }),
        join_all(databases.iter().map(|(_, d)| async move {
            tokio::join!(
                optional(d.db_instance_identifier.clone(), |id| async move { c.rds.find_db_instance(&id).await }),
                optional(d.login_secret_arn.clone(), |arn| async move { c.secrets.describe_secret(&arn).await }),
                optional(d.endpoint_arn.clone(), |arn| async move { c.dms.find_endpoint_by_arn(&arn).await }),
            )
        })),
        optional(maybe(&rsg), |id| async move { c.dms.find_replication_subnet_group(&id).await }),
        optional(maybe(&ri), |arn| async move { c.dms.describe_replication_instance_by_arn(&arn).await }),
    );

    if vpc_read.map_err(|e| err("EC2 VPC", &vpc, e))?.is_none() {
        return Ok(false);
    }
    for ((az, id), found) in subnets.iter().zip(subnet_reads) {
        if found.map_err(|e| err("EC2 subnet", id, e))?.is_none() {
            kids.subnet_ids.remove(az);
        }
    }
    if let (Some(id), Some(found)) = (&sg, sg_read)
        && found.map_err(|e| err("EC2 security group", id, e))?.is_none()
    {
        kids.security_group_id = None;
    }
    if let (Some(id), Some(found)) = (&vgw, vgw_read) {
        let g = found.map_err(|e| err("EC2 VPN gateway", id, e))?;
        let gone = g.as_ref().is_none_or(|g| g.is_gone());
        // The user's gateway detached out of band: the next apply attaches it again.
        let detached = run.stack.network.is_users_gateway(id)
            && g.and_then(|g| g.attached_vpc().map(str::to_string)) != Some(vpc.clone());
        if gone || detached {
            kids.vpn_gateway_id = None;
        }
    }
    if let (Some(id), Some(found)) = (&igw, igw_read)
        && found.map_err(|e| err("EC2 internet gateway", id, e))?.is_none()
    {
        kids.internet_gateway_id = None;
    }
    if let (Some(id), Some(found)) = (&db_subnet_group, dbsg_read)
        && found.map_err(|e| err("RDS DB subnet group", id, e))?.is_none()
    {
        kids.db_subnet_group_name = None;
    }
    for ((key, d), (instance, secret, endpoint)) in databases.into_iter().zip(db_reads) {
        let mut d2 = d.clone();
        if let (Some(id), Some(found)) = (&d.db_instance_identifier, instance) {
            match found.map_err(|e| err("RDS DB instance", id, e))? {
                None => {
                    d2.db_instance_identifier = None;
                    d2.address = None;
                }
                Some(i) => {
                    if i.endpoint_address.is_some() {
                        d2.address = i.endpoint_address.clone();
                    }
                    d2.engine_version = Some(i.engine_version.clone());
                    remote.dbs.insert(key.clone(), i);
                }
            }
        }
        // A login secret deleted (or scheduled for deletion) out of band: the next apply makes it
        // again, or restores it, and writes its value.
        if let (Some(arn), Some(found)) = (&d.login_secret_arn, secret) {
            let secret = found.map_err(|e| err("Secrets Manager secret", arn, e))?;
            if secret.is_none_or(|s| s.scheduled_for_deletion) {
                d2.login_secret_arn = None;
            }
        }
        if let (Some(arn), Some(found)) = (&d.endpoint_arn, endpoint) {
            match found.map_err(|e| err("DMS endpoint", arn, e))? {
                None => d2.endpoint_arn = None,
                Some(ep) => {
                    remote.endpoints.insert(key.clone(), ep);
                }
            }
        }
        kids.databases.insert(key, d2);
    }
    if let (Some(id), Some(found)) = (&rsg, rsg_read)
        && found.map_err(|e| err("DMS replication subnet group", id, e))?.is_none()
    {
        kids.replication_subnet_group_id = None;
    }
    if let (Some(arn), Some(found)) = (&ri, ri_read) {
        match found.map_err(|e| err("DMS replication instance", arn, e))? {
            None => kids.replication_instance_arn = None,
            Some(i) => {
                kids.replication_instance_engine_version = i.engine_version.clone();
                remote.ri = Some(i);
            }
        }
    }
    Ok(true)
}

/// `read(id)` when there is an id, else nothing to read.
async fn optional<T, F, Fut>(id: Option<String>, read: F) -> Option<T>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    match id {
        Some(id) => Some(read(id).await),
        None => None,
    }
}

/// The settings AWS reports (changed out of band, or an update that did not finish) replace the
/// state's, so the next plan shows the difference.
pub fn with_drift(mut state: Value, stack: &Stack, remote: &Remote) -> Value {
    if let Some(ri) = &remote.ri {
        let mut b = state.get("replication_instance").clone();
        if !b.is_null() {
            b.set("replication_instance_class", Value::string(ri.class.clone()));
            b.set("allocated_storage", Value::int(i64::from(ri.allocated_storage)));
            b.set("multi_az", Value::Bool(ri.multi_az));
            b.set("auto_minor_version_upgrade", Value::Bool(ri.auto_minor_version_upgrade));
            b.set("publicly_accessible", Value::Bool(ri.publicly_accessible));
            // The key cannot change in place: one the configuration names that differs plans a replacement.
            if ri.kms_key_id.is_some() {
                b.set("kms_key_arn", Value::opt_string(ri.kms_key_id.clone()));
            }
            if ri.preferred_maintenance_window.is_some() {
                b.set("preferred_maintenance_window", Value::opt_string(ri.preferred_maintenance_window.clone()));
            }
            state.set("replication_instance", b);
        }
    }
    let patch = |block: &mut Value, db: &super::desired::Database| {
        let id = &stack.database_id(db);
        if let Some(ep) = remote.endpoints.get(id) {
            super::secrets_update::read_back(block, ep);
            super::engine_settings::read_back(block, &ep.engine_settings);
            let rds_address = db.rds.as_ref().and(remote.dbs.get(id)).and_then(|i| i.endpoint_address.as_deref());
            endpoint_drift::read_back(block, db, rds_address, ep);
            if ep.kms_key_id.is_some() {
                block.set("kms_key_arn", Value::opt_string(ep.kms_key_id.clone()));
            }
        }
        let Some(i) = remote.dbs.get(id) else { return };
        let mut r = block.get("rds").clone();
        if r.is_null() {
            return;
        }
        r.set("instance_class", Value::string(i.instance_class.clone()));
        if i.kms_key_id.is_some() {
            r.set("kms_key_arn", Value::opt_string(i.kms_key_id.clone()));
        }
        // Storage is left alone: a restore takes the snapshot's size and storage only grows.
        r.set("multi_az", Value::Bool(i.multi_az));
        r.set("deletion_protection", Value::Bool(i.deletion_protection));
        r.set("backup_retention_period", Value::int(i64::from(i.backup_retention_period)));
        if i.backup_window.is_some() {
            r.set("backup_window", Value::opt_string(i.backup_window.clone()));
        }
        if i.maintenance_window.is_some() {
            r.set("maintenance_window", Value::opt_string(i.maintenance_window.clone()));
        }
        block.set("rds", r);
    };
    let mut sources: Vec<Value> = state.get("source").as_elements().unwrap_or_default().to_vec();
    for (block, db) in sources.iter_mut().zip(&stack.sources) {
        patch(block, db);
    }
    if !sources.is_empty() {
        state.set("source", Value::List(sources));
    }
    let mut t = state.get("target").clone();
    if !t.is_null() {
        patch(&mut t, &stack.target);
        state.set("target", t);
    }
    state
}
