//! Changes AWS can only make by replacing one child (a database's snapshot, engine, encryption or
//! KMS key; an endpoint's engine or KMS key; the replication instance's public accessibility or
//! KMS key). The plan stays an in-place update of the
//! stack that replaces just that child, with a warning naming it, or an error while deletion
//! protection guards the database.

use crate::engine::diag::AttrPath;

use super::desired::{Database, Stack};
use super::naming::{final_snapshot_base, final_snapshot_pattern};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replaced {
    /// The RDS instance (and so the endpoint) of this database, by [`Stack::database_id`].
    Database {
        id: String,
        setting: &'static str,
        protected: bool,
    },
    /// The endpoint alone (engine or type cannot change in place).
    Endpoint {
        id: String,
        setting: &'static str,
    },
    ReplicationInstance {
        setting: &'static str,
    },
}

/// `adopted`: `old` is an import of a stack built without dmslink, which cannot know the snapshot
/// an instance was restored from (AWS does not say): the configuration's snapshot is taken as
/// the record, with the master user that came from it, and replaces nothing.
fn database_change(old: &Database, new: &Database, adopted: bool) -> Option<&'static str> {
    match (&old.rds, &new.rds) {
        (Some(o), Some(n)) => {
            let recorded_now = adopted && o.snapshot_identifier.is_none() && n.snapshot_identifier.is_some();
            if recorded_now {
                if o.engine != n.engine {
                    Some("rds.engine")
                } else if o.storage_encrypted != n.storage_encrypted {
                    Some("rds.storage_encrypted")
                } else {
                    None
                }
            } else if o.snapshot_identifier != n.snapshot_identifier {
                Some("rds.snapshot_identifier")
            } else if o.engine != n.engine {
                Some("rds.engine")
            } else if o.storage_encrypted != n.storage_encrypted {
                Some("rds.storage_encrypted")
            } else if key_changed(&o.kms_key_arn, &n.kms_key_arn) {
                Some("rds.kms_key_arn")
            } else if o.snapshot_identifier.is_none() && o.master_username != n.master_username {
                Some("rds.master_username")
            } else {
                None
            }
        }
        (Some(_), None) => Some("rds"),
        _ => None,
    }
}

/// What `old` → `new` replaces, for databases present in both and the replication instance.
pub fn replaced(old: &Stack, new: &Stack) -> Vec<Replaced> {
    let mut out = Vec::new();
    for db in new.databases() {
        let id = new.database_id(db);
        let Some(before) = old.databases().find(|d| old.database_id(d) == id) else { continue };
        if let Some(setting) = database_change(before, db, old.untagged) {
            let protected = before.rds.as_ref().is_some_and(|r| r.deletion_protection);
            out.push(Replaced::Database { id, setting, protected });
        } else if before.engine_name != db.engine_name {
            out.push(Replaced::Endpoint { id, setting: "engine_name" });
        } else if before.secrets.is_some() && db.secrets.is_none() {
            // ModifyEndpoint merges settings: the secret pair would stay beside the clear-text
            // login, which DMS refuses; a new endpoint has only the login.
            let managed = before.secrets.as_ref().is_some_and(|c| c.managed);
            let setting = if managed { super::login_secret::MANAGED_ATTR } else { "secrets_manager_arn" };
            out.push(Replaced::Endpoint { id, setting });
        } else if key_changed(&before.kms_key_arn, &db.kms_key_arn) {
            out.push(Replaced::Endpoint { id, setting: "kms_key_arn" });
        }
    }
    let (o, n) = (&old.replication_instance, &new.replication_instance);
    if o.publicly_accessible != n.publicly_accessible {
        out.push(Replaced::ReplicationInstance { setting: "replication_instance.publicly_accessible" });
    } else if key_changed(&o.kms_key_arn, &n.kms_key_arn) {
        out.push(Replaced::ReplicationInstance { setting: "replication_instance.kms_key_arn" });
    }
    out
}

/// A KMS key cannot change in place (`ModifyEndpoint`, `ModifyReplicationInstance` and
/// `ModifyDBInstance` have no `KmsKeyId`): a key the configuration names that differs from the one
/// the child has replaces it. Unset keeps whatever key the child has.
fn key_changed(old: &Option<String>, new: &Option<String>) -> bool {
    new.is_some() && old.is_some() && old != new
}

impl Replaced {
    /// `existing`: the identifier of the RDS instance the state records, when it is not dmslink's
    /// (an adopted database): that one is destroyed, and the new one gets dmslink's.
    pub fn describe(&self, stack: &Stack, existing: Option<&str>) -> String {
        match self {
            Replaced::Database { id, setting, .. } => {
                let (gone, again) = match existing.filter(|e| !e.eq_ignore_ascii_case(id)) {
                    Some(e) => (e.to_string(), format!("creates RDS instance {id} in its place")),
                    None => (id.clone(), "creates it again".to_string()),
                };
                format!(
                    "Changing {setting} of database {id} destroys RDS instance {gone} and {again}, with its DMS \
                     endpoint. The data in it is lost{}.",
                    final_snapshot_note(stack, id, &gone)
                )
            }
            Replaced::Endpoint { id, setting } => {
                format!("Changing {setting} of database {id} destroys DMS endpoint {id} and creates it again.")
            }
            Replaced::ReplicationInstance { setting } => format!(
                "Changing {setting} destroys DMS replication instance {} and creates it again; replication tasks on \
                 it must be removed first.",
                stack.replication_instance_id()
            ),
        }
    }
}

/// The final snapshot the re-creation takes, as its configuration (`stack`) asks: the deletion
/// during this apply uses the planned settings.
fn final_snapshot_note(stack: &Stack, id: &str, instance: &str) -> String {
    let db = stack.databases().find(|d| stack.database_id(d) == id);
    match db.and_then(|d| final_snapshot_base(d, instance)) {
        Some(base) => format!(
            " except for the final snapshot {} (the UTC time of the deletion is appended to {base})",
            final_snapshot_pattern(&base)
        ),
        None => " (no final snapshot: skip_final_snapshot is true)".to_string(),
    }
}

/// The `deletion_protection` of database `id` in `stack`'s configuration.
pub fn protection_path(stack: &Stack, id: &str) -> AttrPath {
    let block = match stack.sources.iter().position(|d| stack.database_id(d) == id) {
        Some(i) => AttrPath::attr("source").then_index(i),
        None => AttrPath::attr("target"),
    };
    block.then_attr("rds").then_attr("deletion_protection")
}
