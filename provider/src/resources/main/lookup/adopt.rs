//! A stack built without dmslink — the original `terraform-main` module's plain `aws_*` resources,
//! untagged and named by their authors — found by what hangs together in one VPC rather than by
//! dmslink's names and tags: the subnets, route tables and gateways of the VPC; the DB subnet groups
//! in it and the RDS instances in those; the DMS replication subnet groups in it and the replication
//! instance in those; the endpoints that point at those RDS instances or that tasks on that
//! instance use (on-premises sources included); the security group those instances use.
//!
//! Each child is one object or none: several candidates are refused, listing them, because
//! adopting the wrong one would hand dmslink the deletion of an object it does not describe.

use std::collections::BTreeSet;

use crate::aws::dms::{Endpoint, TasksUsing};
use crate::aws::ec2::{Filters, SecurityGroup};
use crate::aws::error::AwsError;
use crate::aws::rds::DbInstance;
use crate::resources::Ctx;
use crate::resources::main::desired::Stack;
use crate::resources::main::naming::{kind, owned_by};

use super::discover::{Found, FoundDb};

/// The RDS instance states after which nothing is left to adopt.
const DB_GONE: &[&str] = &["deleting", "deleted"];

/// The error of a child with several candidates: what, and each candidate.
fn several(what: &str, vpc: &str, ids: &[String]) -> String {
    format!(
        "Several {what} could belong to the stack in VPC {vpc}: {}. A dmslink stack has one; dmslink never picks \
         one of them. Move or delete the ones that are not part of the stack (or import each stack from its own \
         VPC), then import again.",
        ids.join(", ")
    )
}

/// At most one of `items`, by id; several are refused.
fn at_most_one<T>(what: &str, vpc: &str, mut items: Vec<(String, T)>) -> Result<Option<T>, String> {
    if items.len() > 1 {
        let ids: Vec<String> = items.into_iter().map(|(id, _)| id).collect();
        return Err(several(what, vpc, &ids));
    }
    Ok(items.pop().map(|(_, t)| t))
}

fn read_err(doing: &'static str, vpc: &str) -> impl Fn(AwsError) -> String {
    let vpc = vpc.to_string();
    move |e| e.describe(doing, &vpc)
}

/// The stack in `vpc_id`, whatever its children are named and tagged.
pub async fn discover_in_vpc(ctx: &Ctx, vpc_id: &str) -> Result<Found, String> {
    let c = &ctx.provider.clients;
    let vpc =
        c.ec2.find_vpc(vpc_id).await.map_err(read_err("reading EC2 VPC", vpc_id))?.ok_or_else(|| {
            format!("No EC2 VPC {vpc_id} was found. Check the id and the provider's region and account.")
        })?;

    let mut subnets = c
        .ec2
        .find_subnets(&Filters::new().vpc(vpc_id))
        .await
        .map_err(read_err("reading EC2 subnets of VPC", vpc_id))?;
    subnets.sort_by(|a, b| (&a.availability_zone, &a.id).cmp(&(&b.availability_zone, &b.id)));
    for pair in subnets.windows(2) {
        if pair[0].availability_zone == pair[1].availability_zone {
            let az = &pair[0].availability_zone;
            let ids: Vec<String> =
                subnets.iter().filter(|s| &s.availability_zone == az).map(|s| s.id.clone()).collect();
            return Err(several(&format!("subnets in availability zone {az}"), vpc_id, &ids));
        }
    }
    let mut route_tables = c
        .ec2
        .find_route_tables(&Filters::new().vpc(vpc_id))
        .await
        .map_err(read_err("reading route tables of VPC", vpc_id))?;
    route_tables.sort_by(|a, b| (!a.main, &a.id).cmp(&(!b.main, &b.id)));
    let attached = Filters::new().with("attachment.vpc-id", vpc_id);
    let vgws = c.ec2.find_vpn_gateways(&attached).await.map_err(read_err("reading VPN gateways of VPC", vpc_id))?;
    let vgws = vgws.into_iter().filter(|g| !g.is_gone() && g.attached_vpc() == Some(vpc_id));
    let vpn_gateway = at_most_one("VPN gateways", vpc_id, vgws.map(|g| (g.id.clone(), g)).collect())?;
    let igws =
        c.ec2.find_internet_gateways(&attached).await.map_err(read_err("reading internet gateways of VPC", vpc_id))?;
    let internet_gateway =
        at_most_one("internet gateways", vpc_id, igws.into_iter().map(|g| (g.id.clone(), g)).collect())?;

    // RDS: the DB subnet groups in the VPC, and the instances in them.
    let groups =
        c.rds.list_db_subnet_groups().await.map_err(read_err("listing RDS DB subnet groups for VPC", vpc_id))?;
    let groups: Vec<_> = groups.into_iter().filter(|g| g.vpc_id == vpc_id).collect();
    let instances = c.rds.list_db_instances().await.map_err(read_err("listing RDS DB instances for VPC", vpc_id))?;
    let instances: Vec<DbInstance> = instances
        .into_iter()
        .filter(|i| !DB_GONE.contains(&i.status.as_str()))
        .filter(|i| {
            i.db_subnet_group_name.as_ref().is_some_and(|n| groups.iter().any(|g| g.name.eq_ignore_ascii_case(n)))
        })
        .collect();
    let used: BTreeSet<String> =
        instances.iter().filter_map(|i| i.db_subnet_group_name.as_ref().map(|n| n.to_ascii_lowercase())).collect();
    let groups: Vec<_> = if used.is_empty() {
        groups
    } else {
        groups.into_iter().filter(|g| used.contains(&g.name.to_ascii_lowercase())).collect()
    };
    let db_subnet_group =
        at_most_one("RDS DB subnet groups", vpc_id, groups.into_iter().map(|g| (g.name.clone(), g)).collect())?;

    // DMS: the replication subnet groups in the VPC, and the instance in them.
    let rsgs = c
        .dms
        .list_replication_subnet_groups()
        .await
        .map_err(read_err("listing DMS replication subnet groups for VPC", vpc_id))?;
    let rsgs: Vec<_> = rsgs.into_iter().filter(|g| g.vpc_id == vpc_id).collect();
    let ris = c
        .dms
        .list_replication_instances()
        .await
        .map_err(read_err("listing DMS replication instances for VPC", vpc_id))?;
    let ris = ris.into_iter().filter(|i| {
        i.subnet_group_id.as_ref().is_some_and(|g| rsgs.iter().any(|r| r.id.eq_ignore_ascii_case(g)))
            && i.status != "deleting"
    });
    let replication_instance =
        at_most_one("DMS replication instances", vpc_id, ris.map(|i| (i.id.clone(), i)).collect())?;
    let rsgs: Vec<_> = match replication_instance.as_ref().and_then(|i| i.subnet_group_id.clone()) {
        Some(g) => rsgs.into_iter().filter(|r| r.id.eq_ignore_ascii_case(&g)).collect(),
        None => rsgs,
    };
    let replication_subnet_group =
        at_most_one("DMS replication subnet groups", vpc_id, rsgs.into_iter().map(|g| (g.id.clone(), g)).collect())?;

    let (sources, target) =
        databases(ctx, vpc_id, &instances, replication_instance.as_ref().map(|i| i.arn.as_str())).await?;

    // The security group the stack's instances share; without any instance, the VPC's one group of
    // its own (every VPC has a `default` group, which is never the stack's).
    let mut group_ids: BTreeSet<String> =
        instances.iter().flat_map(|i| i.vpc_security_group_ids.iter().cloned()).collect();
    group_ids.extend(replication_instance.iter().flat_map(|i| i.vpc_security_group_ids.iter().cloned()));
    let in_vpc: Vec<SecurityGroup> = c
        .ec2
        .find_security_groups(&Filters::new().vpc(vpc_id))
        .await
        .map_err(read_err("reading security groups of VPC", vpc_id))?;
    let candidates: Vec<(String, SecurityGroup)> = in_vpc
        .into_iter()
        .filter(|g| if group_ids.is_empty() { g.name != "default" } else { group_ids.contains(&g.id) })
        .map(|g| (g.id.clone(), g))
        .collect();
    let security_group =
        at_most_one("security groups used by the stack's databases and replication instance", vpc_id, candidates)?;

    Ok(Found {
        vpc,
        subnets,
        route_tables,
        vpn_gateway,
        internet_gateway,
        security_group,
        db_subnet_group,
        replication_subnet_group,
        replication_instance,
        dms_vpc_role_created: false,
        sources,
        target,
    })
}

/// The endpoints of the stack, each with the RDS instance it points at: those pointing at an
/// instance in the VPC, and those tasks on the replication instance use. One target; sources in
/// identifier order, named by their endpoint identifier. Every instance in the VPC must be one
/// endpoint's: dmslink describes a database as an endpoint (and maybe its instance), and would
/// otherwise leave it behind in a VPC it deletes.
async fn databases(
    ctx: &Ctx,
    vpc_id: &str,
    instances: &[DbInstance],
    instance_arn: Option<&str>,
) -> Result<(Vec<FoundDb>, FoundDb), String> {
    let c = &ctx.provider.clients;
    let mut by_tasks = BTreeSet::new();
    if let Some(arn) = instance_arn {
        let tasks = c
            .dms
            .list_replication_tasks_using(&TasksUsing::Instance(arn.to_string()))
            .await
            .map_err(read_err("listing DMS replication tasks on the replication instance in VPC", vpc_id))?;
        for t in tasks {
            by_tasks.insert(t.source_endpoint_arn);
            by_tasks.insert(t.target_endpoint_arn);
        }
    }
    let list = |kind: &'static str| async move {
        c.dms.list_endpoints(kind).await.map_err(read_err("listing DMS endpoints for VPC", vpc_id))
    };
    let mut sources = of_stack(list("source").await?, instances, &by_tasks);
    let targets = of_stack(list("target").await?, instances, &by_tasks);
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    let target = match at_most_one(
        "DMS target endpoints",
        vpc_id,
        targets.into_iter().map(|d| (d.name.clone(), d)).collect(),
    )? {
        Some(mut t) => {
            t.name = "target".to_string();
            t
        }
        None => {
            return Err(format!(
                "No DMS target endpoint points at an RDS instance in VPC {vpc_id} or is used by a task on its replication \
                 instance: this does not look like a DMS stack's VPC. Check the VPC id."
            ));
        }
    };
    let mut used: Vec<&DbInstance> = sources.iter().chain([&target]).filter_map(|d| d.instance.as_ref()).collect();
    used.dedup_by(|a, b| a.id == b.id);
    let unused: Vec<String> =
        instances.iter().filter(|i| !used.iter().any(|u| u.id == i.id)).map(|i| i.id.clone()).collect();
    if !unused.is_empty() {
        return Err(format!(
            "RDS instances {} are in VPC {vpc_id} but no DMS endpoint points at them. A dmslink stack describes each \
             database by its endpoint, and destroying the stack would fail on them. Create an endpoint for each (or move \
             them out of the VPC), then import again.",
            unused.join(", ")
        ));
    }
    Ok((sources, target))
}

/// The endpoints that point at one of `instances` or that a task on the stack's instance uses,
/// each with its instance.
fn of_stack(all: Vec<Endpoint>, instances: &[DbInstance], by_tasks: &BTreeSet<String>) -> Vec<FoundDb> {
    let instance_of = |e: &Endpoint| {
        let server = e.server_name.as_deref()?;
        instances.iter().find(|i| i.endpoint_address.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(server)))
    };
    all.into_iter()
        .filter(|e| instance_of(e).is_some() || by_tasks.contains(&e.arn))
        .map(|e| FoundDb { name: e.id.to_ascii_lowercase(), instance: instance_of(&e).cloned(), endpoint: Some(e) })
        .collect()
}

/// The children of an adopted stack (imported from its VPC, then tagged) that dmslink's names do
/// not find: those in the stack's VPC that carry its ownership tags. Only looked for when a child
/// is missing by name (a stack dmslink built finds them all so), and only those tagged are taken:
/// an object someone else put in the VPC is never the stack's.
pub async fn fill_adopted(ctx: &Ctx, stack: &Stack, found: &mut Found) -> Result<(), String> {
    let missing = found.security_group.is_none()
        || found.db_subnet_group.is_none()
        || found.replication_subnet_group.is_none()
        || found.replication_instance.is_none()
        || found.target.endpoint.is_none();
    if !missing {
        return Ok(());
    }
    // Several candidates or an unused instance: nothing adopted to fill from.
    let Ok(inside) = discover_in_vpc(ctx, &found.vpc.id).await else { return Ok(()) };
    let c = &ctx.provider.clients;
    let dms_owned = |arn: String, k: &'static str| async move {
        super::discover::owned(c.dms.list_tags(&arn).await, stack, k, "reading tags of a DMS child of stack")
    };
    if found.security_group.is_none() {
        found.security_group = inside.security_group.filter(|g| owned_by(&g.tags, stack, kind::SECURITY_GROUP));
    }
    if found.db_subnet_group.is_none()
        && let Some(g) = inside.db_subnet_group
    {
        let tags = c.rds.list_tags(&g.arn).await.map_err(|e| e.describe("reading tags of", &g.arn))?;
        found.db_subnet_group = owned_by(&tags, stack, kind::DB_SUBNET_GROUP).then_some(g);
    }
    if found.replication_instance.is_none()
        && let Some(i) = inside.replication_instance
        && dms_owned(i.arn.clone(), kind::REPLICATION_INSTANCE).await?
    {
        found.replication_instance = Some(i);
    }
    if found.replication_subnet_group.is_none()
        && let (Some(g), Some(i)) = (inside.replication_subnet_group, &found.replication_instance)
        && i.subnet_group_id.as_ref().is_some_and(|s| s.eq_ignore_ascii_case(&g.id))
    {
        // Its tags live under an ARN built from the account; the instance that uses it is ours.
        found.replication_subnet_group = Some(g);
    }
    let owned_db = |d: &FoundDb| d.instance.as_ref().is_none_or(|i| owned_by(&i.tags, stack, kind::DATABASE));
    if found.target.endpoint.is_none()
        && let Some(ep) = inside.target.endpoint.clone()
        && dms_owned(ep.arn.clone(), kind::ENDPOINT).await?
        && owned_db(&inside.target)
    {
        found.target = inside.target;
    }
    if found.sources.is_empty() {
        for s in inside.sources {
            if let Some(ep) = &s.endpoint
                && dms_owned(ep.arn.clone(), kind::ENDPOINT).await?
                && owned_db(&s)
            {
                found.sources.push(s);
            }
        }
    }
    Ok(())
}
