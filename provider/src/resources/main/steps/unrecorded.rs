//! Before a destroy: the children this stack owns that its state does not name. A create whose
//! answer never came back — the apply was cut by Ctrl-C or a killed provider while the call was in
//! flight, and AWS served it all the same — leaves its child outside the state (Terraform keeps
//! what the provider returned before the cut; Terraform ≥ 1.3 saves it, tainted). The destroy
//! records them first, found as a create finds its own (a deterministic name or this stack's
//! ownership tags), so it deletes them with the rest: otherwise they are left behind, and an orphan
//! subnet or security group keeps the VPC from ever going (`DependencyViolation` until the destroy
//! times out). Someone else's object is never recorded; two of ours where the stack has one are
//! named, never picked.

use crate::aws::dms::Tags;
use crate::aws::ec2::Filters;
use crate::resources::step_kit::{Found, R, StepError, aws_err, only_one};

use super::super::naming::{kind, owned_by};
use super::{MainStep, StackRun, ownership};

/// Records every child of the stack AWS holds under its identity that the state does not name.
pub async fn record_unrecorded(run: &StackRun) -> R<()> {
    network(run).await?;
    databases(run).await?;
    dms(run).await
}

/// An object found under this stack's ownership tags: one is ours; several are an error naming
/// them (the user keeps one), as at create.
fn the_one<T>(step: MainStep, found: Found<T>) -> R<Option<T>> {
    match found {
        Found::Ours(child) => Ok(Some(child)),
        Found::Nothing => Ok(None),
        Found::Refused(why) => Err(StepError::new(step, why)),
    }
}

/// An object found under the child's deterministic name: ours when it carries this stack's tags;
/// someone else's object of that name is left alone (the destroy does not touch it).
fn if_ours<T>(found: Found<T>) -> Option<T> {
    match found {
        Found::Ours(child) => Some(child),
        Found::Refused(why) => {
            tracing::debug!("not recorded for the destroy: {why}");
            None
        }
        Found::Nothing => None,
    }
}

fn note(what: &str, id: &str) {
    tracing::info!(
        "{what} {id} is this stack's but not in the state (a create cut before its answer): deleting it too"
    );
}

/// The network children: the VPC, its subnets, security group and gateways.
pub(super) async fn network(run: &StackRun) -> R<()> {
    let ec2 = run.ec2();
    let prefix = run.stack.prefix();
    if run.kids().vpc_id.is_none() {
        const STEP: MainStep = MainStep::CreateVpc;
        let found = ec2
            .find_vpcs(&run.owner_filter(kind::VPC))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 VPCs", &prefix, &e))?;
        let owned =
            found.into_iter().filter(|v| owned_by(&v.tags, &run.stack, kind::VPC)).map(|v| (v.id.clone(), v.id));
        if let Some(id) = the_one(STEP, only_one("EC2 VPC", owned.collect()))? {
            note("EC2 VPC", &id);
            run.kids().vpc_id = Some(id);
        }
    }
    // Every other network child lives in the VPC: without one there is none.
    let Some(vpc) = run.kids().vpc_id.clone() else { return Ok(()) };

    const SUBNETS: MainStep = MainStep::CreateSubnets;
    let subnets = ec2
        .find_subnets(&run.owner_filter(kind::SUBNET).vpc(&vpc))
        .await
        .map_err(|e| aws_err(SUBNETS, "reading EC2 subnets of", &vpc, &e))?;
    for s in subnets.into_iter().filter(|s| owned_by(&s.tags, &run.stack, kind::SUBNET)) {
        let mut kids = run.kids();
        match kids.subnet_ids.get(&s.availability_zone) {
            None => {
                note("EC2 subnet", &s.id);
                kids.subnet_ids.insert(s.availability_zone.clone(), s.id.clone());
            }
            Some(known) if known == &s.id => {}
            Some(known) => {
                return Err(StepError::new(
                    SUBNETS,
                    format!(
                        "EC2 subnets {known} (in the state) and {} both carry this stack's ownership tags in {}: \
                         dmslink never picks one of them. Delete {}, then destroy again.",
                        s.id, s.availability_zone, s.id
                    ),
                ));
            }
        }
    }

    if run.kids().security_group_id.is_none() {
        const STEP: MainStep = MainStep::CreateSecurityGroup;
        let name = run.stack.security_group_name();
        let found = ec2
            .find_security_groups(&Filters::new().vpc(&vpc).with("group-name", &name))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 security group", &name, &e))?;
        if let Some(g) = found.into_iter().find(|g| owned_by(&g.tags, &run.stack, kind::SECURITY_GROUP)) {
            note("EC2 security group", &g.id);
            run.kids().security_group_id = Some(g.id);
        }
    }

    if run.kids().vpn_gateway_id.is_none() {
        const STEP: MainStep = MainStep::CreateVpnGateway;
        let found = ec2
            .find_vpn_gateways(&run.owner_filter(kind::VPN_GATEWAY))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 VPN gateways", &prefix, &e))?;
        let owned = found
            .into_iter()
            .filter(|g| !g.is_gone() && owned_by(&g.tags, &run.stack, kind::VPN_GATEWAY))
            .map(|g| (g.id.clone(), g.id));
        if let Some(id) = the_one(STEP, only_one("EC2 VPN gateway", owned.collect()))? {
            note("EC2 VPN gateway", &id);
            run.kids().vpn_gateway_id = Some(id);
        }
    }

    if run.kids().internet_gateway_id.is_none() {
        const STEP: MainStep = MainStep::CreateInternetGateway;
        let found = ec2
            .find_internet_gateways(&run.owner_filter(kind::INTERNET_GATEWAY))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 internet gateways", &prefix, &e))?;
        let owned = found
            .into_iter()
            .filter(|g| owned_by(&g.tags, &run.stack, kind::INTERNET_GATEWAY))
            .map(|g| (g.id.clone(), g.id));
        if let Some(id) = the_one(STEP, only_one("EC2 internet gateway", owned.collect()))? {
            note("EC2 internet gateway", &id);
            run.kids().internet_gateway_id = Some(id);
        }
    }
    Ok(())
}

async fn databases(run: &StackRun) -> R<()> {
    let rds = run.rds();
    if run.kids().db_subnet_group_name.is_none() && run.stack.databases().any(|d| d.rds.is_some()) {
        const STEP: MainStep = MainStep::CreateDbSubnetGroup;
        let name = run.stack.db_subnet_group_name();
        if let Some(g) = rds
            .find_db_subnet_group(&name)
            .await
            .map_err(|e| aws_err(STEP, "reading RDS DB subnet group", &name, &e))?
        {
            let tags = rds
                .list_tags(&g.arn)
                .await
                .map_err(|e| aws_err(STEP, "reading tags of RDS DB subnet group", &name, &e))?;
            if if_ours(ownership(run, "RDS DB subnet group", &name, &g.arn, &tags, kind::DB_SUBNET_GROUP, ())).is_some()
            {
                note("RDS DB subnet group", &name);
                run.kids().db_subnet_group_name = Some(name);
            }
        }
    }
    for db in run.stack.databases().filter(|d| d.rds.is_some()) {
        let id = run.stack.database_id(db);
        if run.kids().db(&id).db_instance_identifier.is_some() {
            continue;
        }
        let step = match db.side {
            super::super::schema::Side::Source => MainStep::CreateSourceDatabases,
            super::super::schema::Side::Target => MainStep::CreateTargetDatabase,
        };
        let Some(i) = rds.find_db_instance(&id).await.map_err(|e| aws_err(step, "reading RDS DB instance", &id, &e))?
        else {
            continue;
        };
        if if_ours(ownership(run, "RDS DB instance", &id, &i.arn, &i.tags, kind::DATABASE, ())).is_some() {
            note("RDS DB instance", &id);
            run.kids().db_mut(&id).db_instance_identifier = Some(id.clone());
        }
    }
    Ok(())
}

async fn dms(run: &StackRun) -> R<()> {
    let dms = run.dms();
    let tags_of = |step: MainStep, what: &'static str, id: String, arn: String| async move {
        dms.list_tags(&arn).await.map_err(|e| aws_err(step, what, &id, &e)).map(|t: Tags| t)
    };
    if run.kids().replication_subnet_group_id.is_none() {
        const STEP: MainStep = MainStep::CreateReplicationSubnetGroup;
        let id = run.stack.replication_subnet_group_id();
        if let Some(g) = dms
            .find_replication_subnet_group(&id)
            .await
            .map_err(|e| aws_err(STEP, "reading DMS replication subnet group", &id, &e))?
        {
            let arn = run.subnet_group_arn(&g.id);
            let tags = tags_of(STEP, "reading tags of DMS replication subnet group", id.clone(), arn).await?;
            let found =
                ownership(run, "DMS replication subnet group", &id, &g.id, &tags, kind::REPLICATION_SUBNET_GROUP, ());
            if if_ours(found).is_some() {
                note("DMS replication subnet group", &id);
                run.kids().replication_subnet_group_id = Some(id);
            }
        }
    }
    if run.kids().replication_instance_arn.is_none() {
        const STEP: MainStep = MainStep::CreateReplicationInstance;
        let id = run.stack.replication_instance_id();
        if let Some(i) = dms
            .find_replication_instance(&id)
            .await
            .map_err(|e| aws_err(STEP, "reading DMS replication instance", &id, &e))?
        {
            let tags = tags_of(STEP, "reading tags of DMS replication instance", id.clone(), i.arn.clone()).await?;
            let found = ownership(run, "DMS replication instance", &id, &i.arn, &tags, kind::REPLICATION_INSTANCE, ());
            if if_ours(found).is_some() {
                note("DMS replication instance", &id);
                run.kids().replication_instance_arn = Some(i.arn);
            }
        }
    }
    for db in run.stack.databases() {
        let id = run.stack.database_id(db);
        if run.kids().db(&id).endpoint_arn.is_some() {
            continue;
        }
        let step = match db.side {
            super::super::schema::Side::Source => MainStep::CreateSourceEndpoints,
            super::super::schema::Side::Target => MainStep::CreateTargetEndpoint,
        };
        let Some(ep) = dms.find_endpoint(&id).await.map_err(|e| aws_err(step, "reading DMS endpoint", &id, &e))? else {
            continue;
        };
        let tags = tags_of(step, "reading tags of DMS endpoint", id.clone(), ep.arn.clone()).await?;
        if if_ours(ownership(run, "DMS endpoint", &id, &ep.arn, &tags, kind::ENDPOINT, ())).is_some() {
            note("DMS endpoint", &id);
            run.kids().db_mut(&id).endpoint_arn = Some(ep.arn);
        }
    }
    Ok(())
}
