//! `terraform import dmslink_main.x name[/environment]`: finds the VPC by its ownership tags and the
//! other children by tags and deterministic identifiers, and rebuilds the configuration-shaped
//! state from what AWS reports. Secrets stay null: AWS never returns them.
//!
//! Sources cannot be listed (DMS and RDS have no lookup by name prefix in the aws layer), so the
//! imported state has none; the next apply adopts each configured source's RDS instance and
//! endpoint by their deterministic identifiers instead of creating duplicates.

use crate::aws::ec2::Filters;
use crate::aws::error::AwsError;
use crate::engine::diag::{Diagnostic, Diagnostics};
use crate::engine::{Ctx, Type, Value};

use super::desired::is_production;
use super::naming::{TAG_RESOURCE, TAG_STACK, kind, owned_by};

fn sub(ty: &Type, field: &str) -> Type {
    match ty {
        Type::Object(m) => match m.get(field) {
            Some(Type::List(t)) => (**t).clone(),
            Some(t) => t.clone(),
            None => Type::Dynamic,
        },
        _ => Type::Dynamic,
    }
}

fn fail(prefix: &str, doing: &str, e: &AwsError) -> Diagnostics {
    Diagnostic::error("Error importing DMS stack", e.describe(doing, prefix)).into()
}

fn strings(v: &[String]) -> Value {
    Value::List(v.iter().map(|s| Value::string(s.clone())).collect())
}

pub async fn import(ctx: &Ctx, id: &str) -> Result<Value, Diagnostics> {
    let (name, environment) = match id.split_once('/') {
        Some((n, e)) => (n.to_string(), Some(e.to_string())),
        None => (id.to_string(), None),
    };
    if name.is_empty() || environment.as_deref() == Some("") {
        return Err(Diagnostic::error(
            "Invalid import id",
            format!("expected `name` or `name/environment`, got {id:?}"),
        )
        .into());
    }
    let mut state = Value::null_object(&super::schema::schema().value_type());
    state.set("name", Value::string(name.clone()));
    state.set("environment", Value::opt_string(environment.clone()));
    state.set("dms_vpc_role", Value::string("check"));
    state.set("dms_vpc_role_created", Value::Bool(false));
    // The stack's naming, from a minimal desired model.
    let stack = super::desired::read(&state, &state);
    let prefix = stack.prefix();
    let ty = super::schema::schema().value_type();
    let c = &ctx.provider.clients;

    let owner =
        |k: &str| Filters::new().with(&format!("tag:{TAG_STACK}"), &prefix).with(&format!("tag:{TAG_RESOURCE}"), k);
    let vpcs = c.ec2.find_vpcs(&owner(kind::VPC)).await.map_err(|e| fail(&prefix, "finding EC2 VPC of stack", &e))?;
    let Some(vpc) = vpcs.into_iter().find(|v| owned_by(&v.tags, &stack, kind::VPC)) else {
        return Err(Diagnostic::error(
            "Cannot import DMS stack",
            format!("no VPC tagged {TAG_STACK} = {prefix}, {TAG_RESOURCE} = {} was found", kind::VPC),
        )
        .into());
    };
    state.set("vpc_id", Value::string(vpc.id.clone()));
    // A dms-vpc-role tagged with this stack was created by it.
    let role = c
        .iam
        .get_role(crate::aws::iam::DMS_VPC_ROLE)
        .await
        .map_err(|e| fail(&prefix, "reading IAM role dms-vpc-role for stack", &e))?;
    if role.is_some_and(|r| r.tags.get(TAG_STACK) == Some(&prefix)) {
        state.set("dms_vpc_role", Value::string("create"));
        state.set("dms_vpc_role_created", Value::Bool(true));
    }
    let all: std::collections::BTreeMap<String, String> = vpc
        .tags
        .iter()
        .filter(|(k, _)| !k.starts_with("dmslink:") && k.as_str() != "Name")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    state.set("tags", crate::resources::tags::user_tags_from_remote(&all, &Value::Null, &ctx.provider.default_tags));
    state.set("tags_all", Value::from_string_map(&all));

    // Network.
    let mut subnets = c
        .ec2
        .find_subnets(&owner(kind::SUBNET).vpc(&vpc.id))
        .await
        .map_err(|e| fail(&prefix, "finding EC2 subnets of stack", &e))?;
    subnets.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
    let azs: Vec<String> = subnets.iter().map(|s| s.availability_zone.clone()).collect();
    let cidrs: Vec<String> = subnets.iter().map(|s| s.cidr_block.clone()).collect();
    let ids: Vec<String> = subnets.iter().map(|s| s.id.clone()).collect();
    state.set("subnet_ids", strings(&ids));
    let vgw = c
        .ec2
        .find_vpn_gateways(&owner(kind::VPN_GATEWAY))
        .await
        .map_err(|e| fail(&prefix, "finding EC2 VPN gateway of stack", &e))?
        .into_iter()
        .find(|g| !g.is_gone());
    let igw = c
        .ec2
        .find_internet_gateways(&owner(kind::INTERNET_GATEWAY))
        .await
        .map_err(|e| fail(&prefix, "finding EC2 internet gateway of stack", &e))?
        .into_iter()
        .next();
    let tables = c
        .ec2
        .find_route_tables(&Filters::new().vpc(&vpc.id))
        .await
        .map_err(|e| fail(&prefix, "reading route tables of stack", &e))?;
    let mut rts: Vec<(bool, String)> = tables.iter().map(|t| (!t.main, t.id.clone())).collect();
    rts.sort();
    state.set("route_table_ids", strings(&rts.into_iter().map(|(_, id)| id).collect::<Vec<_>>()));
    let propagating = vgw.as_ref().is_some_and(|g| tables.iter().any(|t| t.propagating_vgws.contains(&g.id)));
    let mut net = Value::null_object(&sub(&ty, "network"));
    net.set("vpc_cidr", Value::string(vpc.cidr_block.clone()));
    net.set("availability_zones", strings(&azs));
    net.set("subnet_cidrs", strings(&cidrs));
    net.set("vpn_gateway", Value::Bool(vgw.is_some()));
    net.set("amazon_side_asn", vgw.as_ref().and_then(|g| g.amazon_side_asn).map(Value::int).unwrap_or_default());
    net.set("vpn_route_propagation", Value::Bool(propagating));
    net.set("internet_gateway", Value::Bool(igw.is_some()));
    state.set("network", net);
    state.set("vpn_gateway_id", Value::opt_string(vgw.map(|g| g.id)));
    state.set("internet_gateway_id", Value::opt_string(igw.map(|g| g.id)));

    let sgs = c
        .ec2
        .find_security_groups(&Filters::new().vpc(&vpc.id).with("group-name", &stack.security_group_name()))
        .await
        .map_err(|e| fail(&prefix, "finding EC2 security group of stack", &e))?;
    state.set("security_group_id", Value::opt_string(sgs.into_iter().next().map(|g| g.id)));
    let dsg = stack.db_subnet_group_name();
    let dsg = c.rds.find_db_subnet_group(&dsg).await.map_err(|e| fail(&prefix, "reading RDS DB subnet group", &e))?;
    state.set("db_subnet_group_name", Value::opt_string(dsg.map(|g| g.name)));
    let rsg = stack.replication_subnet_group_id();
    let rsg = c
        .dms
        .find_replication_subnet_group(&rsg)
        .await
        .map_err(|e| fail(&prefix, "reading DMS replication subnet group", &e))?;
    state.set("replication_subnet_group_id", Value::opt_string(rsg.map(|g| g.id)));

    // Replication instance.
    let ri = c
        .dms
        .find_replication_instance(&stack.replication_instance_id())
        .await
        .map_err(|e| fail(&prefix, "reading DMS replication instance", &e))?;
    let mut rib = Value::null_object(&sub(&ty, "replication_instance"));
    if let Some(ri) = &ri {
        rib.set("replication_instance_class", Value::string(ri.class.clone()));
        rib.set("allocated_storage", Value::int(i64::from(ri.allocated_storage)));
        rib.set("engine_version", Value::opt_string(ri.engine_version.clone()));
        rib.set("multi_az", Value::Bool(ri.multi_az));
        rib.set("preferred_maintenance_window", Value::opt_string(ri.preferred_maintenance_window.clone()));
        rib.set("auto_minor_version_upgrade", Value::Bool(ri.auto_minor_version_upgrade));
        rib.set("publicly_accessible", Value::Bool(ri.publicly_accessible));
        state.set("replication_instance", rib);
        state.set("replication_instance_arn", Value::string(ri.arn.clone()));
    }

    // Target: `<prefix>-tgt` endpoint and RDS instance.
    let tid = stack.database_id(&stack.target);
    let mut target = Value::null_object(&sub(&ty, "target"));
    let prod = is_production(environment.as_deref());
    if let Some(i) = c.rds.find_db_instance(&tid).await.map_err(|e| fail(&prefix, "reading RDS DB instance", &e))?
        && owned_by(&i.tags, &stack, kind::DATABASE)
    {
        let mut rds = Value::null_object(&sub(&sub(&ty, "target"), "rds"));
        rds.set("master_username", Value::opt_string(i.master_username.clone()));
        rds.set("engine", Value::string(i.engine.clone()));
        rds.set("engine_version", Value::string(i.engine_version.clone()));
        rds.set("instance_class", Value::string(i.instance_class.clone()));
        rds.set("allocated_storage", Value::int(i64::from(i.allocated_storage)));
        rds.set("multi_az", Value::Bool(i.multi_az));
        rds.set("storage_encrypted", Value::Bool(i.storage_encrypted));
        rds.set("backup_retention_period", Value::int(i64::from(i.backup_retention_period)));
        rds.set("backup_window", Value::opt_string(i.backup_window.clone()));
        rds.set("maintenance_window", Value::opt_string(i.maintenance_window.clone()));
        rds.set("deletion_protection", Value::Bool(i.deletion_protection));
        rds.set("skip_final_snapshot", Value::Bool(!prod));
        target.set("rds", rds);
        target.set("db_instance_identifier", Value::string(i.id.clone()));
        target.set("address", Value::opt_string(i.endpoint_address.clone()));
    }
    if let Some(ep) = c.dms.find_endpoint(&tid).await.map_err(|e| fail(&prefix, "reading DMS endpoint", &e))? {
        target.set("endpoint_arn", Value::string(ep.arn.clone()));
        target.set("engine_name", Value::string(ep.engine_name.clone()));
        target.set("database_name", Value::opt_string(ep.database_name.clone()));
        target.set("port", ep.port.map(|p| Value::int(i64::from(p))).unwrap_or_default());
        target.set("username", Value::opt_string(ep.username.clone()));
        target.set("ssl_mode", Value::opt_string(ep.ssl_mode.clone()));
        target.set("extra_connection_attributes", Value::opt_string(ep.extra_connection_attributes.clone()));
        if target.get("rds").is_null() {
            target.set("server_name", Value::opt_string(ep.server_name.clone()));
            target.set("address", Value::opt_string(ep.server_name.clone()));
        }
    }
    state.set("target", target);
    state.set("source", Value::List(Vec::new()));
    Ok(state)
}
