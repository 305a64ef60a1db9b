//! `terraform import dmslink_main.x name[/environment]`: finds the stack's children the way the
//! `dmslink_main` data source does ([`discover`]: the VPC and network by their ownership tags, the
//! rest by deterministic identifiers, only what carries the stack's tags), and rebuilds the
//! configuration-shaped state from what AWS reports. Secrets stay null: AWS never returns them.
//!
//! Sources are the source endpoints named `<prefix>-src-<name>` and tagged as the stack's, each with
//! the RDS instance of the same identifier, in name order (the configuration's order is unknown).
//! Where AWS answers with its own default or the snapshot's value rather than a configured one (SSL
//! mode `none`, VPN gateway ASN 64512, a restored instance's storage and encryption), the imported
//! value is the one a configuration that leaves the setting out plans, so that plan is clean.

use super::lookup::adopt;
use super::lookup::discover::{self, Found, FoundDb};
use crate::aws::dms::{Endpoint, SecretsManagerRef};
use crate::aws::rds::DbInstance;
use crate::engine::diag::{Diagnostic, Diagnostics};
use crate::engine::{Type, Value};
use crate::resources::Ctx;

use super::naming::{TAG_RESOURCE, TAG_SNAPSHOT, kind, owned_by};

/// The VPN gateway ASN AWS picks when none is asked for.
const AWS_DEFAULT_ASN: i64 = 64512;
/// The SSL mode DMS reports for an endpoint created without one.
const DMS_DEFAULT_SSL_MODE: &str = "none";

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

fn strings<'a>(v: impl IntoIterator<Item = &'a String>) -> Value {
    Value::List(v.into_iter().map(|s| Value::string(s.clone())).collect())
}

/// How an import id names the stack.
#[derive(Debug, PartialEq, Eq)]
pub enum ImportId {
    /// `name` or `name/environment`: a stack dmslink built, found by its tags.
    Own { name: String, environment: Option<String> },
    /// `name/environment/vpc-id`: a stack built without dmslink, adopted from its VPC
    /// (`name/` + `/vpc-id` without an environment).
    Adopt { name: String, environment: Option<String>, vpc_id: String },
}

pub fn parse_id(id: &str) -> Result<ImportId, String> {
    let parts: Vec<&str> = id.split('/').collect();
    let bad = || {
        format!(
            "expected `name` or `name/environment` (a stack dmslink built), or `name/environment/vpc-id` (a stack \
             built without dmslink, adopted from its VPC; `name//vpc-id` without an environment), got {id:?}"
        )
    };
    let env = |e: &str| (!e.is_empty()).then(|| e.to_string());
    match parts.as_slice() {
        [name] if !name.is_empty() => Ok(ImportId::Own { name: name.to_string(), environment: None }),
        [name, e] if !name.is_empty() && !e.is_empty() => {
            Ok(ImportId::Own { name: name.to_string(), environment: Some(e.to_string()) })
        }
        [name, e, vpc] if !name.is_empty() && vpc.starts_with("vpc-") && vpc.len() > 4 => {
            Ok(ImportId::Adopt { name: name.to_string(), environment: env(e), vpc_id: vpc.to_string() })
        }
        _ => Err(bad()),
    }
}

pub async fn import(ctx: &Ctx, id: &str) -> Result<Value, Diagnostics> {
    let parsed = parse_id(id).map_err(|e| Diagnostics::from(Diagnostic::error("Invalid import id", e)))?;
    let (name, environment, found, adopted) = match parsed {
        ImportId::Own { name, environment } => {
            let stack = discover::stack_named(&name, environment.as_deref());
            let found = match discover::discover(ctx, &stack).await {
                Ok(Some(f)) => f,
                Ok(None) => {
                    return Err(Diagnostic::error("Cannot import DMS stack", discover::not_found_detail(&stack)).into());
                }
                Err(e) => return Err(Diagnostic::error("Error importing DMS stack", e).into()),
            };
            (name, environment, found, false)
        }
        ImportId::Adopt { name, environment, vpc_id } => {
            let found = adopt::discover_in_vpc(ctx, &vpc_id)
                .await
                .map_err(|e| Diagnostics::from(Diagnostic::error("Cannot import DMS stack", e)))?;
            check_source_names(&found)?;
            (name, environment, found, true)
        }
    };
    let ty = super::schema::schema().value_type();
    let mut state = Value::null_object(&ty);
    state.set("name", Value::string(name.clone()));
    state.set("environment", Value::opt_string(environment.clone()));
    let role = if found.dms_vpc_role_created { "create" } else { "check" };
    state.set("dms_vpc_role", Value::string(role));
    state.set("dms_vpc_role_created", Value::Bool(found.dms_vpc_role_created));
    state.set("ownership_tagged", Value::Bool(!adopted));
    let all = found.user_tags();
    state.set("tags", crate::resources::tags::user_tags_from_remote(&all, &Value::Null, &ctx.provider.default_tags));
    state.set("tags_all", Value::from_string_map(&all));

    state.set("vpc_id", Value::string(found.vpc.id.clone()));
    state.set("subnet_ids", strings(found.subnets.iter().map(|s| &s.id)));
    state.set("route_table_ids", strings(found.route_tables.iter().map(|t| &t.id)));
    // A stack dmslink built whose gateway lacks its tags uses the user's (`network.vpn_gateway_id`);
    // an adopted stack's gateway is its own.
    let users_gateway = found
        .vpn_gateway
        .as_ref()
        .filter(|_| !adopted)
        .filter(|g| !owned_by(&g.tags, &discover::stack_named(&name, environment.as_deref()), kind::VPN_GATEWAY))
        .map(|g| g.id.clone());
    state.set("network", network(&found, &sub(&ty, "network"), users_gateway));
    state.set("vpn_gateway_id", Value::opt_string(found.vpn_gateway.as_ref().map(|g| g.id.clone())));
    state.set("internet_gateway_id", Value::opt_string(found.internet_gateway.as_ref().map(|g| g.id.clone())));
    state.set("security_group_id", Value::opt_string(found.security_group.as_ref().map(|g| g.id.clone())));
    state.set("db_subnet_group_name", Value::opt_string(found.db_subnet_group.as_ref().map(|g| g.name.clone())));
    let rsg = found.replication_subnet_group.as_ref().map(|g| g.id.clone());
    state.set("replication_subnet_group_id", Value::opt_string(rsg));

    if let Some(ri) = &found.replication_instance {
        let mut rib = Value::null_object(&sub(&ty, "replication_instance"));
        rib.set("replication_instance_class", Value::string(ri.class.clone()));
        rib.set("allocated_storage", Value::int(i64::from(ri.allocated_storage)));
        rib.set("engine_version", Value::opt_string(ri.engine_version.clone()));
        rib.set("multi_az", Value::Bool(ri.multi_az));
        rib.set("preferred_maintenance_window", Value::opt_string(ri.preferred_maintenance_window.clone()));
        rib.set("auto_minor_version_upgrade", Value::Bool(ri.auto_minor_version_upgrade));
        rib.set("publicly_accessible", Value::Bool(ri.publicly_accessible));
        rib.set("kms_key_arn", Value::opt_string(ri.kms_key_id.clone()));
        state.set("replication_instance", rib);
        state.set("replication_instance_arn", Value::string(ri.arn.clone()));
    }

    let mut blocks = Vec::new();
    for db in &found.sources {
        let mut block = database(ctx, db, &sub(&ty, "source")).await;
        block.set("name", Value::string(db.name.clone()));
        blocks.push(block);
    }
    state.set("source", Value::List(blocks));
    state.set("target", database(ctx, &found.target, &sub(&ty, "target")).await);
    Ok(state)
}

fn network(found: &Found, ty: &Type, users_gateway: Option<String>) -> Value {
    let mut net = Value::null_object(ty);
    net.set("vpc_cidr", Value::string(found.vpc.cidr_block.clone()));
    net.set("availability_zones", strings(found.subnets.iter().map(|s| &s.availability_zone)));
    net.set("subnet_cidrs", strings(found.subnets.iter().map(|s| &s.cidr_block)));
    let vgw = found.vpn_gateway.as_ref();
    net.set("vpn_gateway", Value::Bool(vgw.is_some()));
    let asn = vgw.and_then(|g| g.amazon_side_asn).filter(|a| *a != AWS_DEFAULT_ASN && users_gateway.is_none());
    net.set("vpn_gateway_id", Value::opt_string(users_gateway));
    net.set("amazon_side_asn", asn.map(Value::int).unwrap_or_default());
    net.set("vpn_route_propagation", Value::Bool(found.vpn_route_propagation()));
    net.set("internet_gateway", Value::Bool(found.internet_gateway.is_some()));
    net
}

/// One `source` or `target` block from its endpoint and RDS instance, filled the same way for both.
async fn database(ctx: &Ctx, db: &FoundDb, ty: &Type) -> Value {
    let mut block = Value::null_object(ty);
    if let Some(i) = &db.instance {
        block.set("rds", rds(ctx, i, &sub(ty, "rds")).await);
        block.set("db_instance_identifier", Value::string(i.id.clone()));
    }
    block.set("address", Value::opt_string(db.address()));
    if let Some(ep) = &db.endpoint {
        endpoint_settings(&mut block, ep, db.instance.is_none());
        if let Some(pair) = &ep.secrets_manager {
            secret_settings(ctx, &mut block, pair).await;
        }
        // The typed settings AWS reports, recorded (none configured yet: engine_settings_set null).
        for name in super::engine_settings::reported_blocks(&ep.engine_settings) {
            block.set(name, Value::null_object(&sub(ty, name)));
        }
        super::engine_settings::read_back(&mut block, &ep.engine_settings);
    }
    block
}

fn endpoint_settings(block: &mut Value, ep: &Endpoint, own_server: bool) {
    block.set("endpoint_arn", Value::string(ep.arn.clone()));
    block.set("engine_name", Value::string(ep.engine_name.clone()));
    block.set("database_name", Value::opt_string(ep.database_name.clone()));
    block.set("port", ep.port.map(|p| Value::int(i64::from(p))).unwrap_or_default());
    block.set("username", Value::opt_string(ep.username.clone()));
    let ssl = ep.ssl_mode.clone().filter(|m| m != DMS_DEFAULT_SSL_MODE);
    block.set("ssl_mode", Value::opt_string(ssl));
    block.set("extra_connection_attributes", Value::opt_string(ep.extra_connection_attributes.clone()));
    block.set("kms_key_arn", Value::opt_string(ep.kms_key_id.clone()));
    block.set("certificate_arn", Value::opt_string(ep.certificate_arn.clone()));
    if own_server {
        block.set("server_name", Value::opt_string(ep.server_name.clone()));
    }
}

/// The Secrets Manager pair of an endpoint: the login secret dmslink owns (`manage_login_secret`,
/// with the user and port it holds: the password stays out of the state) or the user's secret, and
/// the access role (`create` when it is the one dmslink made). What cannot be read is left unset:
/// the plan then shows it.
async fn secret_settings(ctx: &Ctx, block: &mut Value, pair: &SecretsManagerRef) {
    use super::login_secret::{ARN_ATTR, KIND, MANAGED_ATTR};
    use super::secrets_config::{ROLE_ARN_ATTR, ROLE_MODE_ATTR, SECRET_ATTR};
    let c = &ctx.provider.clients;
    let kind_of = |tags: &crate::aws::Tags| tags.get(TAG_RESOURCE).cloned();
    let secret = c.secrets.describe_secret(&pair.secret_id).await.unwrap_or_else(|e| {
        tracing::warn!(secret = %pair.secret_id, error = %e.describe("reading", "the endpoint's secret"), "import");
        None
    });
    match secret.filter(|s| kind_of(&s.tags).as_deref() == Some(KIND)) {
        Some(own) => {
            block.set(MANAGED_ATTR, Value::Bool(true));
            block.set(ARN_ATTR, Value::string(own.arn.clone()));
            let login = c.secrets.get_secret_value(&own.arn).await.ok().flatten();
            let login: Option<serde_json::Value> = login.and_then(|v| serde_json::from_str(v.expose()).ok());
            if let Some(login) = login {
                block.set("username", Value::opt_string(login["username"].as_str().map(str::to_string)));
                block.set("port", login["port"].as_i64().map(Value::int).unwrap_or_default());
            }
        }
        None => block.set(SECRET_ATTR, Value::string(pair.secret_id.clone())),
    }
    block.set(ROLE_ARN_ATTR, Value::string(pair.access_role_arn.clone()));
    let role_name = crate::arn::Arn::parse(&pair.access_role_arn)
        .and_then(|a| a.resource.rsplit('/').next().map(str::to_string))
        .unwrap_or_default();
    if let Ok(Some(role)) = c.iam.get_role(&role_name).await
        && kind_of(&role.tags).as_deref() == Some(super::steps::secrets_role::KIND)
    {
        block.set(ROLE_MODE_ATTR, Value::string("create"));
    }
}

async fn rds(ctx: &Ctx, i: &DbInstance, ty: &Type) -> Value {
    let mut rds = Value::null_object(ty);
    rds.set("engine", Value::string(i.engine.clone()));
    rds.set("engine_version", Value::string(i.engine_version.clone()));
    rds.set("instance_class", Value::string(i.instance_class.clone()));
    rds.set("allocated_storage", Value::int(i64::from(i.allocated_storage)));
    rds.set("multi_az", Value::Bool(i.multi_az));
    rds.set("storage_encrypted", Value::Bool(i.storage_encrypted));
    rds.set("kms_key_arn", Value::opt_string(i.kms_key_id.clone()));
    rds.set("backup_retention_period", Value::int(i64::from(i.backup_retention_period)));
    rds.set("backup_window", Value::opt_string(i.backup_window.clone()));
    rds.set("maintenance_window", Value::opt_string(i.maintenance_window.clone()));
    rds.set("deletion_protection", Value::Bool(i.deletion_protection));
    // AWS does not keep the final-snapshot choice: import the safe one (a snapshot on deletion),
    // which is also what a configuration that leaves it out plans.
    rds.set("skip_final_snapshot", Value::Bool(false));
    let Some(snap) = i.tags.get(TAG_SNAPSHOT) else {
        rds.set("master_username", Value::opt_string(i.master_username.clone()));
        return rds;
    };
    // A restore takes the master user, encryption and storage size from the snapshot, not from the
    // configuration (which may only grow storage): where the instance still has the snapshot's, the
    // configuration most likely left the setting out, and its default plans clean. A snapshot that
    // cannot be read leaves the instance's values.
    rds.set("snapshot_identifier", Value::string(snap.clone()));
    if let Ok(Some(s)) = ctx.provider.clients.rds.find_db_snapshot(snap).await {
        for (attr, from_snapshot) in [
            ("allocated_storage", s.allocated_storage == i.allocated_storage),
            ("storage_encrypted", s.encrypted == i.storage_encrypted),
        ] {
            if let Some(default) = rds_default(attr).filter(|_| from_snapshot) {
                rds.set(attr, default);
            }
        }
    }
    rds
}

/// The schema default of an `rds` attribute.
fn rds_default(attr: &str) -> Option<Value> {
    let schema = super::schema::schema();
    let rds = schema.block.nested_block("target")?.block.nested_block("rds")?;
    rds.block.attribute(attr)?.default.clone()
}

/// Adopted sources are named by their endpoint identifier, which must then be a valid source name.
fn check_source_names(found: &Found) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::new();
    for db in &found.sources {
        let mut one = Diagnostics::new();
        let path = crate::engine::diag::AttrPath::attr("source");
        super::validate::validate_child_name(&Value::string(db.name.clone()), &path, &mut one);
        if one.has_errors() {
            diags.push(Diagnostic::error(
                "Cannot import DMS stack",
                format!(
                    "The source endpoint {:?} cannot name a `source` block: its identifier is not a valid source name \
                     (lower-case letters, digits and hyphens, starting with a letter, at most {} characters). Adopted \
                     sources are named by their endpoint identifier; rename the endpoint (DMS ModifyEndpoint \
                     EndpointIdentifier) and import again.",
                    db.name,
                    super::validate::CHILD_NAME_MAX
                ),
            ));
        }
    }
    if diags.has_errors() { Err(diags) } else { Ok(()) }
}
