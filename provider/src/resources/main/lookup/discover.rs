//! What exists of a `dmslink_main` stack, found the way the resource adopts its own children: the
//! VPC, subnets and gateways by their ownership tags, everything else by its deterministic
//! identifier, and each kept only when its tags say it belongs to the stack. Shared by the
//! `dmslink_main` data source and `terraform import dmslink_main`.

use crate::arn::Arn;
use crate::aws::dms::{Endpoint, ReplicationInstance, ReplicationSubnetGroup, subnet_group_arn};
use crate::aws::ec2::{Filters, InternetGateway, RouteTable, SecurityGroup, Subnet, Vpc, VpnGateway};
use crate::aws::error::AwsError;
use crate::aws::rds::{DbInstance, DbSubnetGroup};
use crate::engine::Value;
use crate::resources::Ctx;
use crate::resources::main::desired::{self, Stack};
use crate::resources::main::naming::{TAG_RESOURCE, TAG_STACK, kind, owned_by};

/// One database of the stack: its DMS endpoint and, when it is an RDS instance dmslink made, that.
#[derive(Clone, Debug, Default)]
pub struct FoundDb {
    /// The source's name (`<prefix>-src-<name>`); `target` for the target.
    pub name: String,
    pub endpoint: Option<Endpoint>,
    pub instance: Option<DbInstance>,
}

impl FoundDb {
    /// Where DMS connects: the RDS instance's address, else the endpoint's server.
    pub fn address(&self) -> Option<String> {
        self.instance
            .as_ref()
            .and_then(|i| i.endpoint_address.clone())
            .or_else(|| self.endpoint.as_ref().and_then(|e| e.server_name.clone()))
    }
}

/// Every child of one stack that exists and carries its ownership tags.
#[derive(Clone, Debug)]
pub struct Found {
    pub vpc: Vpc,
    /// In availability-zone order.
    pub subnets: Vec<Subnet>,
    /// Every route table of the VPC, the main table first.
    pub route_tables: Vec<RouteTable>,
    pub vpn_gateway: Option<VpnGateway>,
    pub internet_gateway: Option<InternetGateway>,
    pub security_group: Option<SecurityGroup>,
    pub db_subnet_group: Option<DbSubnetGroup>,
    pub replication_subnet_group: Option<ReplicationSubnetGroup>,
    pub replication_instance: Option<ReplicationInstance>,
    /// `dms-vpc-role` carries this stack's tag: the stack created it.
    pub dms_vpc_role_created: bool,
    /// In name order: the order a configuration cannot tell us.
    pub sources: Vec<FoundDb>,
    pub target: FoundDb,
}

impl Found {
    /// The VPN gateway's routes propagate into at least one of the VPC's route tables.
    pub fn vpn_route_propagation(&self) -> bool {
        self.vpn_gateway.as_ref().is_some_and(|g| self.route_tables.iter().any(|t| t.propagating_vgws.contains(&g.id)))
    }

    /// The VPC's tags without the ownership tags and `Name`: what the stack's `tags_all` was.
    pub fn user_tags(&self) -> std::collections::BTreeMap<String, String> {
        self.vpc
            .tags
            .iter()
            .filter(|(k, _)| !k.starts_with("dmslink:") && k.as_str() != "Name")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// The naming of the stack `name` / `environment`, from a minimal `dmslink_main` value.
pub fn stack_named(name: &str, environment: Option<&str>) -> Stack {
    let mut v = Value::null_object(&crate::resources::main::schema::schema().value_type());
    v.set("name", Value::string(name));
    v.set("environment", Value::opt_string(environment));
    desired::read(&v, &v)
}

/// What the lookup says when the stack's VPC is missing.
pub fn not_found_detail(stack: &Stack) -> String {
    let env = match &stack.environment {
        Some(e) => format!("environment {e:?}"),
        None => "no environment".to_string(),
    };
    format!(
        "No dmslink_main stack named {:?} with {env} was found: no VPC is tagged {TAG_STACK} = {} and \
         {TAG_RESOURCE} = {}. Check name, environment and the provider's region and account.",
        stack.name,
        stack.prefix(),
        kind::VPC
    )
}

fn err(stack: &Stack, doing: &str) -> impl Fn(AwsError) -> String {
    let (doing, prefix) = (doing.to_string(), stack.prefix());
    move |e| e.describe(&doing, &prefix)
}

/// `Ok(None)` when the stack's VPC does not exist; `Err` carries the AWS error, described.
pub async fn discover(ctx: &Ctx, stack: &Stack) -> Result<Option<Found>, String> {
    let c = &ctx.provider.clients;
    let prefix = stack.prefix();
    let owner =
        |k: &str| Filters::new().with(&format!("tag:{TAG_STACK}"), &prefix).with(&format!("tag:{TAG_RESOURCE}"), k);
    let vpcs = c.ec2.find_vpcs(&owner(kind::VPC)).await.map_err(err(stack, "finding EC2 VPC of stack"))?;
    let Some(vpc) = vpcs.into_iter().find(|v| owned_by(&v.tags, stack, kind::VPC)) else { return Ok(None) };

    let mut subnets = c
        .ec2
        .find_subnets(&owner(kind::SUBNET).vpc(&vpc.id))
        .await
        .map_err(err(stack, "finding EC2 subnets of stack"))?;
    subnets.retain(|s| owned_by(&s.tags, stack, kind::SUBNET));
    subnets.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
    let mut route_tables = c
        .ec2
        .find_route_tables(&Filters::new().vpc(&vpc.id))
        .await
        .map_err(err(stack, "reading route tables of stack"))?;
    route_tables.sort_by(|a, b| (!a.main, &a.id).cmp(&(!b.main, &b.id)));
    let vpn_gateway = c
        .ec2
        .find_vpn_gateways(&owner(kind::VPN_GATEWAY))
        .await
        .map_err(err(stack, "finding EC2 VPN gateway of stack"))?
        .into_iter()
        .find(|g| !g.is_gone() && owned_by(&g.tags, stack, kind::VPN_GATEWAY));
    // Else the user's gateway the stack uses (`network.vpn_gateway_id`): attached, never tagged.
    let vpn_gateway = match vpn_gateway {
        Some(g) => Some(g),
        None => c
            .ec2
            .find_vpn_gateways(&Filters::new().with("attachment.vpc-id", &vpc.id))
            .await
            .map_err(err(stack, "finding EC2 VPN gateway attached to the VPC of stack"))?
            .into_iter()
            .find(|g| !g.is_gone() && g.attached_vpc() == Some(vpc.id.as_str())),
    };
    let internet_gateway = c
        .ec2
        .find_internet_gateways(&owner(kind::INTERNET_GATEWAY))
        .await
        .map_err(err(stack, "finding EC2 internet gateway of stack"))?
        .into_iter()
        .find(|g| owned_by(&g.tags, stack, kind::INTERNET_GATEWAY));
    let security_group = c
        .ec2
        .find_security_groups(&Filters::new().vpc(&vpc.id).with("group-name", &stack.security_group_name()))
        .await
        .map_err(err(stack, "finding EC2 security group of stack"))?
        .into_iter()
        .find(|g| owned_by(&g.tags, stack, kind::SECURITY_GROUP));

    let db_subnet_group = match c
        .rds
        .find_db_subnet_group(&stack.db_subnet_group_name())
        .await
        .map_err(err(stack, "reading RDS DB subnet group of stack"))?
    {
        Some(g) => {
            let tags = c.rds.list_tags(&g.arn).await;
            owned(tags, stack, kind::DB_SUBNET_GROUP, "reading tags of RDS DB subnet group of stack")?.then_some(g)
        }
        None => None,
    };

    let role = c
        .iam
        .get_role(crate::aws::iam::DMS_VPC_ROLE)
        .await
        .map_err(err(stack, "reading IAM role dms-vpc-role for stack"))?;
    let dms_vpc_role_created = role.as_ref().is_some_and(|r| r.tags.get(TAG_STACK) == Some(&prefix));

    let replication_instance = match c
        .dms
        .find_replication_instance(&stack.replication_instance_id())
        .await
        .map_err(err(stack, "reading DMS replication instance of stack"))?
    {
        Some(i) => {
            let tags = c.dms.list_tags(&i.arn).await;
            owned(tags, stack, kind::REPLICATION_INSTANCE, "reading tags of DMS replication instance of stack")?
                .then_some(i)
        }
        None => None,
    };

    let target = find_db(ctx, stack, &stack.database_id(&stack.target), "target").await?;
    let sources = find_sources(ctx, stack).await?;

    // Subnet groups have no ARN in DMS's answers; their tags live under one built from the account,
    // which the provider may not know (skipped credential validation): any DMS or IAM ARN tells it.
    let account = ctx.provider.account_id.clone().or_else(|| {
        let arns = replication_instance.iter().map(|i| i.arn.as_str());
        let arns =
            arns.chain(sources.iter().chain([&target]).filter_map(|d| d.endpoint.as_ref().map(|e| e.arn.as_str())));
        let arns = arns.chain(role.iter().map(|r| r.arn.as_str()));
        arns.filter_map(Arn::account_of).map(str::to_string).next()
    });
    let replication_subnet_group = match (
        c.dms
            .find_replication_subnet_group(&stack.replication_subnet_group_id())
            .await
            .map_err(err(stack, "reading DMS replication subnet group of stack"))?,
        account,
    ) {
        (Some(g), Some(account)) => {
            let p = &ctx.provider;
            let tags = c.dms.list_tags(&subnet_group_arn(&p.partition, &p.region, &account, &g.id)).await;
            owned(tags, stack, kind::REPLICATION_SUBNET_GROUP, "reading tags of DMS replication subnet group of stack")?
                .then_some(g)
        }
        _ => None,
    };

    let mut found = Found {
        vpc,
        subnets,
        route_tables,
        vpn_gateway,
        internet_gateway,
        security_group,
        db_subnet_group,
        replication_subnet_group,
        replication_instance,
        dms_vpc_role_created,
        sources,
        target,
    };
    super::adopt::fill_adopted(ctx, stack, &mut found).await?;
    Ok(Some(found))
}

/// Tags fetched by ARN say the object is this stack's `kind`; an object gone meanwhile is not.
pub(super) fn owned(
    tags: Result<crate::aws::dms::Tags, AwsError>,
    stack: &Stack,
    kind: &str,
    doing: &str,
) -> Result<bool, String> {
    match tags {
        Ok(t) => Ok(owned_by(&t, stack, kind)),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(err(stack, doing)(e)),
    }
}

/// The endpoint and RDS instance named `id`, each only when tagged as this stack's.
async fn find_db(ctx: &Ctx, stack: &Stack, id: &str, name: &str) -> Result<FoundDb, String> {
    let c = &ctx.provider.clients;
    let endpoint = match c.dms.find_endpoint(id).await.map_err(err(stack, "reading DMS endpoint of stack"))? {
        Some(e) => {
            let tags = c.dms.list_tags(&e.arn).await;
            owned(tags, stack, kind::ENDPOINT, "reading tags of DMS endpoint of stack")?.then_some(e)
        }
        None => None,
    };
    db_with_instance(ctx, stack, id, name, endpoint).await
}

async fn db_with_instance(
    ctx: &Ctx,
    stack: &Stack,
    id: &str,
    name: &str,
    endpoint: Option<Endpoint>,
) -> Result<FoundDb, String> {
    let instance = ctx
        .provider
        .clients
        .rds
        .find_db_instance(id)
        .await
        .map_err(err(stack, "reading RDS DB instance of stack"))?
        .filter(|i| owned_by(&i.tags, stack, kind::DATABASE));
    Ok(FoundDb { name: name.to_string(), endpoint, instance })
}

/// Sources: every source endpoint named `<prefix>-src-<name>` and tagged as this stack's, with the
/// RDS instance of the same identifier. DMS cannot filter by identifier prefix, so this lists the
/// region's source endpoints.
async fn find_sources(ctx: &Ctx, stack: &Stack) -> Result<Vec<FoundDb>, String> {
    let c = &ctx.provider.clients;
    let head = format!("{}-src-", stack.prefix());
    let endpoints =
        c.dms.list_endpoints("source").await.map_err(err(stack, "listing DMS source endpoints for stack"))?;
    let mut out = Vec::new();
    for e in endpoints {
        // DMS may report identifiers in another case than they were created with.
        let id = e.id.to_ascii_lowercase();
        let Some(name) = id.strip_prefix(&head).filter(|n| !n.is_empty()).map(str::to_string) else { continue };
        let tags = c.dms.list_tags(&e.arn).await;
        if !owned(tags, stack, kind::ENDPOINT, "reading tags of DMS endpoint of stack")? {
            continue;
        }
        out.push(db_with_instance(ctx, stack, &id, &name, Some(e)).await?);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
