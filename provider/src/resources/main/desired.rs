//! The configuration of `dmslink_main` read into plain Rust: what the stack should be. Defaults that
//! depend on other attributes (the usual port of an engine) are resolved here, once, for plan and
//! apply alike. Nothing is inferred from `environment`: a database keeps a final snapshot and has no
//! deletion protection unless its `rds` block says otherwise.

use crate::engine::Value;

use super::schema::Side;

#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub vpc_cidr: String,
    pub availability_zones: Vec<String>,
    pub subnet_cidrs: Vec<String>,
    /// The stack creates a VPN gateway of its own (`vpn_gateway`, unless `vpn_gateway_id` is set).
    pub vpn_gateway: bool,
    /// An existing VPN gateway the stack attaches and never deletes (`vpn_gateway_id`).
    pub vpn_gateway_id: Option<String>,
    pub amazon_side_asn: Option<i64>,
    pub vpn_route_propagation: bool,
    pub internet_gateway: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rds {
    pub snapshot_identifier: Option<String>,
    pub master_username: Option<String>,
    /// From `master_password` or the write-only `master_password_wo`.
    pub master_password: Option<String>,
    /// `master_password_wo_version`: a write-only password is sent again only when it changes.
    pub master_password_version: Option<i64>,
    pub engine: String,
    pub engine_version: Option<String>,
    pub instance_class: String,
    pub allocated_storage: i64,
    pub multi_az: bool,
    pub storage_encrypted: bool,
    /// `kms_key_arn`: the key of encrypted storage (known once created: AWS's default if unset).
    pub kms_key_arn: Option<String>,
    pub backup_retention_period: Option<i64>,
    pub backup_window: Option<String>,
    pub maintenance_window: Option<String>,
    pub deletion_protection: bool,
    pub skip_final_snapshot: bool,
    pub final_snapshot_identifier: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Database {
    pub side: Side,
    /// `source` name; `target` for the target.
    pub name: String,
    pub engine_name: String,
    pub database_name: Option<String>,
    pub port: i64,
    pub username: Option<String>,
    /// From `password` or the write-only `password_wo`.
    pub password: Option<String>,
    /// `password_wo_version`: a write-only password is sent again only when it changes.
    pub password_version: Option<i64>,
    pub ssl_mode: Option<String>,
    pub extra_connection_attributes: Option<String>,
    pub server_name: Option<String>,
    /// The endpoint's `kms_key_arn`.
    pub kms_key_arn: Option<String>,
    pub certificate_arn: Option<String>,
    /// `certificate_pem`: a CA certificate dmslink imports into DMS and owns (`owned_certificate`).
    pub certificate_pem: Option<String>,
    pub rds: Option<Rds>,
    /// Credentials from Secrets Manager instead of `username`/`password`/`server_name`/`port`.
    pub secrets: Option<super::secrets_config::SecretCreds>,
    /// The `oracle_settings`/`postgres_settings` the configuration sets.
    pub engine_settings: super::engine_settings::Configured,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReplicationInstance {
    pub class: String,
    pub allocated_storage: i64,
    pub engine_version: Option<String>,
    pub multi_az: bool,
    pub preferred_maintenance_window: Option<String>,
    pub auto_minor_version_upgrade: bool,
    pub publicly_accessible: bool,
    pub kms_key_arn: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stack {
    pub name: String,
    pub environment: Option<String>,
    pub create_dms_vpc_role: bool,
    pub network: Network,
    pub sources: Vec<Database>,
    pub target: Database,
    pub replication_instance: ReplicationInstance,
    /// Imported from a stack built without dmslink and not applied since (`ownership_tagged` is
    /// false): its children carry no ownership tags yet and are found by the identifiers the state
    /// records.
    pub untagged: bool,
}

impl Network {
    /// The stack has a VPN gateway: its own or the user's.
    pub fn has_vpn_gateway(&self) -> bool {
        self.vpn_gateway || self.vpn_gateway_id.is_some()
    }

    /// `id` is the user's gateway (`vpn_gateway_id`): attached and detached, never deleted or tagged.
    pub fn is_users_gateway(&self, id: &str) -> bool {
        self.vpn_gateway_id.as_deref() == Some(id)
    }
}

impl Stack {
    /// The prefix of every child identifier: `<name>-<environment>` or `<name>`.
    pub fn prefix(&self) -> String {
        match &self.environment {
            Some(e) => format!("{}-{e}", self.name),
            None => self.name.clone(),
        }
    }

    pub fn databases(&self) -> impl Iterator<Item = &Database> {
        self.sources.iter().chain(std::iter::once(&self.target))
    }
}

pub fn default_port(engine_name: &str) -> i64 {
    match engine_name {
        "oracle" => 1521,
        "postgres" | "aurora-postgresql" => 5432,
        "mysql" | "mariadb" | "aurora" => 3306,
        "sqlserver" => 1433,
        "db2" => 50000,
        "sybase" => 5000,
        _ => 0,
    }
}

fn s(v: &Value, attr: &str) -> Option<String> {
    v.get(attr).as_str().map(str::to_string)
}

fn b(v: &Value, attr: &str, default: bool) -> bool {
    v.get(attr).as_bool().unwrap_or(default)
}

fn n(v: &Value, attr: &str) -> Option<i64> {
    v.get(attr).as_i64()
}

/// Reads a fully known configuration or planned value. `secrets` is the config, which alone
/// carries write-only values.
pub fn read(planned: &Value, secrets: &Value) -> Stack {
    let environment = s(planned, "environment");
    let net = planned.get("network");
    // `vpn_gateway` defaults to true: with `vpn_gateway_id` set it needs no `false` beside it.
    let vpn_gateway_id = s(net, "vpn_gateway_id");
    let vpn_gateway = b(net, "vpn_gateway", true) && vpn_gateway_id.is_none();
    let has_gateway = vpn_gateway || vpn_gateway_id.is_some();
    let network = Network {
        vpc_cidr: s(net, "vpc_cidr").unwrap_or_default(),
        availability_zones: strings(net.get("availability_zones")),
        subnet_cidrs: strings(net.get("subnet_cidrs")),
        vpn_gateway,
        vpn_gateway_id,
        amazon_side_asn: n(net, "amazon_side_asn"),
        vpn_route_propagation: b(net, "vpn_route_propagation", has_gateway) && has_gateway,
        internet_gateway: b(net, "internet_gateway", false),
    };
    let secret_sources = secrets.get("source").as_elements().unwrap_or_default();
    let sources = planned
        .get("source")
        .as_elements()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, v)| database(v, secret_sources.get(i).unwrap_or(&Value::Null), Side::Source))
        .collect();
    let target = database(planned.get("target"), secrets.get("target"), Side::Target);
    let ri = planned.get("replication_instance");
    let replication_instance = ReplicationInstance {
        class: s(ri, "replication_instance_class").unwrap_or_else(|| "dms.t3.medium".into()),
        allocated_storage: n(ri, "allocated_storage").unwrap_or(50),
        engine_version: s(ri, "engine_version"),
        multi_az: b(ri, "multi_az", false),
        preferred_maintenance_window: s(ri, "preferred_maintenance_window"),
        auto_minor_version_upgrade: b(ri, "auto_minor_version_upgrade", true),
        publicly_accessible: b(ri, "publicly_accessible", false),
        kms_key_arn: s(ri, "kms_key_arn"),
    };
    Stack {
        name: s(planned, "name").unwrap_or_default(),
        environment,
        create_dms_vpc_role: planned.get("dms_vpc_role").as_str() == Some("create"),
        network,
        sources,
        target,
        replication_instance,
        untagged: matches!(planned.get("ownership_tagged"), Value::Bool(false)),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_elements().unwrap_or_default().iter().filter_map(|x| x.as_str().map(str::to_string)).collect()
}

fn database(v: &Value, secrets: &Value, side: Side) -> Database {
    let engine_name = s(v, "engine_name").unwrap_or_else(|| side.default_engine().to_string());
    let rds = v.get("rds");
    let rds_secrets = secrets.get("rds");
    let rds = (!rds.is_null()).then(|| Rds {
        snapshot_identifier: s(rds, "snapshot_identifier"),
        master_username: s(rds, "master_username"),
        master_password: s(rds, "master_password")
            .or_else(|| s(rds_secrets, "master_password"))
            .or_else(|| s(rds_secrets, "master_password_wo")),
        master_password_version: n(rds, "master_password_wo_version"),
        engine: s(rds, "engine").unwrap_or_else(|| match side {
            Side::Source => "oracle-se2".into(),
            Side::Target => "postgres".into(),
        }),
        engine_version: s(rds, "engine_version"),
        instance_class: s(rds, "instance_class").unwrap_or_else(|| "db.t3.medium".into()),
        allocated_storage: n(rds, "allocated_storage").unwrap_or(20),
        multi_az: b(rds, "multi_az", false),
        storage_encrypted: b(rds, "storage_encrypted", true),
        kms_key_arn: s(rds, "kms_key_arn"),
        backup_retention_period: n(rds, "backup_retention_period"),
        backup_window: s(rds, "backup_window"),
        maintenance_window: s(rds, "maintenance_window"),
        deletion_protection: b(rds, "deletion_protection", false),
        skip_final_snapshot: b(rds, "skip_final_snapshot", false),
        final_snapshot_identifier: s(rds, "final_snapshot_identifier"),
    });
    Database {
        side,
        name: s(v, "name").unwrap_or_else(|| "target".into()),
        port: n(v, "port").unwrap_or_else(|| default_port(&engine_name)),
        engine_name,
        database_name: s(v, "database_name"),
        username: s(v, "username"),
        password: s(v, "password").or_else(|| s(secrets, "password")).or_else(|| s(secrets, "password_wo")),
        password_version: n(v, "password_wo_version"),
        ssl_mode: s(v, "ssl_mode"),
        extra_connection_attributes: s(v, "extra_connection_attributes"),
        server_name: s(v, "server_name"),
        kms_key_arn: s(v, "kms_key_arn"),
        certificate_arn: s(v, "certificate_arn"),
        certificate_pem: s(v, "certificate_pem"),
        rds,
        secrets: super::secrets_config::read(v),
        engine_settings: super::engine_settings::read(v, secrets),
    }
}
