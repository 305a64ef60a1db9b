//! The children of a stack that exist (found, adopted or created), and their place in the state.
//! Every step records a child here the moment AWS returns its id, so a failure part-way still
//! reports it.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::engine::Value;
use crate::engine::model::{self, ModelError};

use super::desired::Stack;

/// One database's children: the RDS instance (when it has an `rds` block) and the DMS endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbChildren {
    pub db_instance_identifier: Option<String>,
    pub address: Option<String>,
    pub endpoint_arn: Option<String>,
    /// What RDS reports, for the computed `rds` attributes.
    pub engine_version: Option<String>,
    pub backup_retention_period: Option<i64>,
    pub backup_window: Option<String>,
    pub maintenance_window: Option<String>,
    /// The KMS keys AWS reports for the RDS instance's storage and the endpoint.
    pub kms_key_id: Option<String>,
    pub endpoint_kms_key_id: Option<String>,
    /// The Secrets Manager access role this stack created (`secrets_manager_access_role = "create"`).
    pub secrets_role_arn: Option<String>,
    /// The DMS certificate dmslink imported from `certificate_pem` (`certificate_pem_arn`).
    pub imported_certificate_arn: Option<String>,
    /// The login secret dmslink manages (`manage_login_secret`, `login_secret_arn`).
    pub login_secret_arn: Option<String>,
    /// This run created or restored the login secret, or found it without a value: the endpoint
    /// step writes its value before the endpoint uses it. Not kept in state.
    pub login_secret_unwritten: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Children {
    pub vpc_id: Option<String>,
    /// Subnet id per availability zone.
    pub subnet_ids: BTreeMap<String, String>,
    /// The main route table first.
    pub route_table_ids: Vec<String>,
    pub security_group_id: Option<String>,
    pub vpn_gateway_id: Option<String>,
    pub internet_gateway_id: Option<String>,
    pub db_subnet_group_name: Option<String>,
    /// Keyed by [`Stack::database_id`].
    pub databases: BTreeMap<String, DbChildren>,
    pub replication_subnet_group_id: Option<String>,
    pub replication_instance_arn: Option<String>,
    pub replication_instance_engine_version: Option<String>,
    pub replication_instance_window: Option<String>,
    pub replication_instance_kms_key_id: Option<String>,
    pub dms_vpc_role_created: bool,
}

/// The records `from_state` reads, as a typed view of the state (`engine::model`), in the
/// schema's order.
#[derive(Deserialize)]
struct Recorded {
    vpc_id: Option<String>,
    subnet_ids: Option<Vec<String>>,
    route_table_ids: Option<Vec<String>>,
    security_group_id: Option<String>,
    vpn_gateway_id: Option<String>,
    internet_gateway_id: Option<String>,
    db_subnet_group_name: Option<String>,
    replication_subnet_group_id: Option<String>,
    replication_instance_arn: Option<String>,
    dms_vpc_role_created: Option<bool>,
    source: Option<Vec<RecordedDb>>,
    target: Option<RecordedDb>,
    replication_instance: Option<RecordedInstance>,
}

/// A `source` or `target` block's records.
#[derive(Default, Deserialize)]
struct RecordedDb {
    endpoint_arn: Option<String>,
    address: Option<String>,
    db_instance_identifier: Option<String>,
    kms_key_arn: Option<String>,
    rds: Option<RecordedRds>,
    secrets_manager_access_role: Option<String>,
    secrets_manager_access_role_arn: Option<String>,
    certificate_pem_arn: Option<String>,
    login_secret_arn: Option<String>,
}

/// What RDS reported, in an `rds` block.
#[derive(Default, Deserialize)]
struct RecordedRds {
    engine_version: Option<String>,
    backup_retention_period: Option<i64>,
    backup_window: Option<String>,
    maintenance_window: Option<String>,
    kms_key_arn: Option<String>,
}

/// The `replication_instance` block's records.
#[derive(Deserialize)]
struct RecordedInstance {
    engine_version: Option<String>,
    preferred_maintenance_window: Option<String>,
    kms_key_arn: Option<String>,
}

impl Children {
    /// What a state (prior, or imported) says exists.
    pub fn from_state(state: &Value, stack: &Stack) -> Result<Children, ModelError> {
        let r: Recorded = model::from_value(state)?;
        let mut c = Children {
            vpc_id: r.vpc_id,
            route_table_ids: r.route_table_ids.unwrap_or_default(),
            security_group_id: r.security_group_id,
            vpn_gateway_id: r.vpn_gateway_id,
            internet_gateway_id: r.internet_gateway_id,
            db_subnet_group_name: r.db_subnet_group_name,
            replication_subnet_group_id: r.replication_subnet_group_id,
            replication_instance_arn: r.replication_instance_arn,
            replication_instance_engine_version: r.replication_instance.as_ref().and_then(|i| i.engine_version.clone()),
            replication_instance_window: r
                .replication_instance
                .as_ref()
                .and_then(|i| i.preferred_maintenance_window.clone()),
            replication_instance_kms_key_id: r.replication_instance.and_then(|i| i.kms_key_arn),
            dms_vpc_role_created: r.dms_vpc_role_created.unwrap_or(false),
            ..Children::default()
        };
        let subnets = r.subnet_ids.unwrap_or_default();
        c.subnet_ids = stack.network.availability_zones.iter().cloned().zip(subnets).collect();
        let blocks = r.source.unwrap_or_default().into_iter().chain([r.target.unwrap_or_default()]);
        for (db, block) in stack.databases().zip(blocks) {
            let rds = block.rds.unwrap_or_default();
            let d = DbChildren {
                db_instance_identifier: block.db_instance_identifier,
                address: block.address,
                endpoint_arn: block.endpoint_arn,
                engine_version: rds.engine_version,
                backup_retention_period: rds.backup_retention_period,
                backup_window: rds.backup_window,
                maintenance_window: rds.maintenance_window,
                kms_key_id: rds.kms_key_arn,
                endpoint_kms_key_id: block.kms_key_arn,
                secrets_role_arn: block
                    .secrets_manager_access_role_arn
                    .filter(|_| block.secrets_manager_access_role.as_deref() == Some("create")),
                imported_certificate_arn: block.certificate_pem_arn,
                login_secret_arn: block.login_secret_arn,
                login_secret_unwritten: false,
            };
            c.databases.insert(stack.database_id(db), d);
        }
        Ok(c)
    }

    pub fn db(&self, id: &str) -> DbChildren {
        self.databases.get(id).cloned().unwrap_or_default()
    }

    pub fn db_mut(&mut self, id: &str) -> &mut DbChildren {
        self.databases.entry(id.to_string()).or_default()
    }

    /// The state: `base` (planned or prior) with every computed attribute set from what exists.
    /// Attributes still unknown become null, so the state is always wholly known.
    pub fn to_state(&self, base: &Value, stack: &Stack) -> Value {
        let mut s = base.clone();
        s.set("vpc_id", Value::opt_string(self.vpc_id.clone()));
        let subnets: Vec<Value> = stack
            .network
            .availability_zones
            .iter()
            .filter_map(|az| self.subnet_ids.get(az).map(|id| Value::string(id.clone())))
            .collect();
        s.set("subnet_ids", if subnets.is_empty() { Value::Null } else { Value::List(subnets) });
        let rts: Vec<Value> = self.route_table_ids.iter().map(|id| Value::string(id.clone())).collect();
        s.set("route_table_ids", if rts.is_empty() { Value::Null } else { Value::List(rts) });
        s.set("security_group_id", Value::opt_string(self.security_group_id.clone()));
        s.set("vpn_gateway_id", Value::opt_string(self.vpn_gateway_id.clone()));
        s.set("internet_gateway_id", Value::opt_string(self.internet_gateway_id.clone()));
        s.set("db_subnet_group_name", Value::opt_string(self.db_subnet_group_name.clone()));
        s.set("replication_subnet_group_id", Value::opt_string(self.replication_subnet_group_id.clone()));
        s.set("replication_instance_arn", Value::opt_string(self.replication_instance_arn.clone()));
        s.set("dms_vpc_role_created", Value::Bool(self.dms_vpc_role_created));
        // Whatever dmslink creates carries its tags; only an import of a stack built without it
        // (or a plan still to tag one) says otherwise.
        if s.get("ownership_tagged").is_unknown() || s.get("ownership_tagged").is_null() {
            s.set("ownership_tagged", Value::Bool(true));
        }

        let mut net = s.get("network").clone();
        if net.get("vpn_route_propagation").is_unknown() || net.get("vpn_route_propagation").is_null() {
            net.set("vpn_route_propagation", Value::Bool(stack.network.vpn_route_propagation));
        }
        s.set("network", net);

        let mut sources: Vec<Value> = s.get("source").as_elements().unwrap_or_default().to_vec();
        for (i, db) in stack.sources.iter().enumerate() {
            if let Some(block) = sources.get_mut(i) {
                self.fill_db(block, stack, db);
            }
        }
        if !sources.is_empty() {
            s.set("source", Value::List(sources));
        }
        let mut target = s.get("target").clone();
        self.fill_db(&mut target, stack, &stack.target);
        s.set("target", target);

        let mut ri = s.get("replication_instance").clone();
        if !ri.is_null() {
            if ri.get("engine_version").is_unknown() || ri.get("engine_version").is_null() {
                ri.set("engine_version", Value::opt_string(self.replication_instance_engine_version.clone()));
            }
            if ri.get("preferred_maintenance_window").is_unknown() {
                ri.set("preferred_maintenance_window", Value::opt_string(self.replication_instance_window.clone()));
            }
            if ri.get("kms_key_arn").is_unknown() || ri.get("kms_key_arn").is_null() {
                ri.set("kms_key_arn", Value::opt_string(self.replication_instance_kms_key_id.clone()));
            }
            s.set("replication_instance", ri);
        }
        unknown_to_null(&mut s);
        s
    }

    fn fill_db(&self, block: &mut Value, stack: &Stack, db: &super::desired::Database) {
        let d = self.db(&stack.database_id(db));
        block.set("endpoint_arn", Value::opt_string(d.endpoint_arn.clone()));
        block.set("db_instance_identifier", Value::opt_string(d.db_instance_identifier.clone()));
        let address = d.address.clone().or_else(|| db.server_name.clone());
        block.set("address", Value::opt_string(address));
        // With a secret, the port is the secret's: DMS is sent none and none is recorded.
        // A secret dmslink writes holds the block's port: recorded as for a clear-text login.
        let port_in_config = db.secrets.as_ref().is_none_or(|c| c.managed);
        if (block.get("port").is_unknown() || block.get("port").is_null()) && port_in_config {
            block.set("port", Value::int(db.port));
        }
        let role = block.get("secrets_manager_access_role_arn");
        if role.is_unknown() || (role.is_null() && d.secrets_role_arn.is_some()) {
            block.set("secrets_manager_access_role_arn", Value::opt_string(d.secrets_role_arn.clone()));
        }
        if block.get("kms_key_arn").is_unknown() || block.get("kms_key_arn").is_null() {
            block.set("kms_key_arn", Value::opt_string(d.endpoint_kms_key_id.clone()));
        }
        block.set(super::owned_certificate::ARN_ATTR, Value::opt_string(d.imported_certificate_arn.clone()));
        block.set(super::login_secret::ARN_ATTR, Value::opt_string(d.login_secret_arn.clone()));
        if block.get(super::engine_settings::SET_ATTR).is_unknown() {
            block.set(super::engine_settings::SET_ATTR, super::engine_settings::keys_value(&db.engine_settings.keys));
        }
        // A drift recorded by refresh is repaired by this apply; a new endpoint has none.
        if block.get(super::endpoint_drift::ATTR).is_unknown() {
            block.set(super::endpoint_drift::ATTR, Value::from_string_map(&Default::default()));
        }
        let mut rds = block.get("rds").clone();
        if let (false, Some(r)) = (rds.is_null(), &db.rds) {
            let fill = |rds: &mut Value, attr: &str, v: Value| {
                if rds.get(attr).is_unknown() || rds.get(attr).is_null() {
                    rds.set(attr, v);
                }
            };
            fill(&mut rds, "engine", Value::string(r.engine.clone()));
            fill(&mut rds, "engine_version", Value::opt_string(d.engine_version.clone()));
            fill(&mut rds, "backup_retention_period", d.backup_retention_period.map(Value::int).unwrap_or_default());
            fill(&mut rds, "backup_window", Value::opt_string(d.backup_window.clone()));
            fill(&mut rds, "maintenance_window", Value::opt_string(d.maintenance_window.clone()));
            fill(&mut rds, "kms_key_arn", Value::opt_string(d.kms_key_id.clone()));
            fill(&mut rds, "deletion_protection", Value::Bool(r.deletion_protection));
            fill(&mut rds, "skip_final_snapshot", Value::Bool(r.skip_final_snapshot));
            block.set("rds", rds);
        }
    }
}

/// Replaces every unknown inside `v` with null.
pub fn unknown_to_null(v: &mut Value) {
    match v {
        Value::Unknown => *v = Value::Null,
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => xs.iter_mut().for_each(unknown_to_null),
        Value::Map(m) | Value::Object(m) => m.values_mut().for_each(unknown_to_null),
        _ => {}
    }
}
