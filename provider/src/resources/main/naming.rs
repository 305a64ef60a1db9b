//! Deterministic child identifiers and ownership tags. An apply that died before Terraform saved
//! its state finds its children again by these names and tags, and adopts only what carries them.

use std::collections::BTreeMap;

use super::desired::{Database, Stack};
use super::schema::Side;

pub const TAG_STACK: &str = "dmslink:stack";
pub const TAG_RESOURCE: &str = "dmslink:resource";
/// On an RDS instance restored from a snapshot: the snapshot's identifier. AWS does not report
/// what an instance was restored from, and import needs it to rebuild `rds.snapshot_identifier`.
pub const TAG_SNAPSHOT: &str = "dmslink:snapshot";

/// Child kinds, as written in the `dmslink:resource` tag.
pub mod kind {
    pub const VPC: &str = "vpc";
    pub const SUBNET: &str = "subnet";
    pub const SECURITY_GROUP: &str = "security-group";
    pub const VPN_GATEWAY: &str = "vpn-gateway";
    pub const INTERNET_GATEWAY: &str = "internet-gateway";
    pub const DB_SUBNET_GROUP: &str = "db-subnet-group";
    pub const DATABASE: &str = "database";
    pub const REPLICATION_SUBNET_GROUP: &str = "replication-subnet-group";
    pub const REPLICATION_INSTANCE: &str = "replication-instance";
    pub const ENDPOINT: &str = "endpoint";
}

impl Stack {
    pub fn vpc_name(&self) -> String {
        format!("{}-vpc", self.prefix())
    }
    pub fn subnet_name(&self, az: &str) -> String {
        format!("{}-subnet-{az}", self.prefix())
    }
    pub fn security_group_name(&self) -> String {
        format!("{}-dms-sg", self.prefix())
    }
    pub fn db_subnet_group_name(&self) -> String {
        format!("{}-db-subnets", self.prefix())
    }
    pub fn replication_subnet_group_id(&self) -> String {
        format!("{}-dms-subnets", self.prefix())
    }
    pub fn replication_instance_id(&self) -> String {
        format!("{}-dms-ri", self.prefix())
    }
    /// RDS instance and DMS endpoint identifier of a database: `<prefix>-src-<name>` / `<prefix>-tgt`.
    pub fn database_id(&self, db: &Database) -> String {
        match db.side {
            Side::Source => format!("{}-src-{}", self.prefix(), db.name),
            Side::Target => format!("{}-tgt", self.prefix()),
        }
    }

    /// Ownership tags for one child, over the user's tags.
    pub fn child_tags(&self, user: &BTreeMap<String, String>, kind: &str, name: &str) -> BTreeMap<String, String> {
        let mut t = user.clone();
        t.entry("Name".to_string()).or_insert_with(|| name.to_string());
        t.insert(TAG_STACK.to_string(), self.prefix());
        t.insert(TAG_RESOURCE.to_string(), kind.to_string());
        t
    }
}

/// How the configuration names a database's block: `target`, `source "geodesy"`.
pub fn block_name(db: &Database) -> String {
    match db.side {
        Side::Source => format!("source {:?}", db.name),
        Side::Target => "target".to_string(),
    }
}

/// True when an object found by name carries this stack's ownership tags.
pub fn owned_by(tags: &BTreeMap<String, String>, stack: &Stack, kind: &str) -> bool {
    tags.get(TAG_STACK) == Some(&stack.prefix()) && tags.get(TAG_RESOURCE).map(String::as_str) == Some(kind)
}

/// Longest RDS DB snapshot identifier (`CreateDBSnapshot`, `DeleteDBInstance`'s
/// `FinalDBSnapshotIdentifier`: 1–255 letters, digits and hyphens, starting with a letter, no
/// trailing hyphen, no two consecutive hyphens).
pub const SNAPSHOT_ID_MAX: usize = 255;

/// The base of a database's final snapshot name: `final_snapshot_identifier` when set, else the RDS
/// instance identifier. `None` when the database is deleted without one (`skip_final_snapshot`).
pub fn final_snapshot_base(db: &Database, instance_id: &str) -> Option<String> {
    let r = db.rds.as_ref()?;
    if r.skip_final_snapshot {
        return None;
    }
    Some(r.final_snapshot_identifier.clone().unwrap_or_else(|| instance_id.to_string()))
}

/// How plans and errors spell a final snapshot's name before the deletion picks its time.
pub fn final_snapshot_pattern(base: &str) -> String {
    format!("{}-YYYYMMDDtHHMMSSz", base.to_ascii_lowercase())
}

/// The final snapshot name of one deletion: `<base>-<UTC time>` (`dblink-dev-tgt-20261202t154500z`),
/// lower-case as RDS stores identifiers, and unique per deletion, so a stack created again under
/// the same name can be destroyed again. `attempt` > 1 appends `-<attempt>` for a name already
/// taken (two deletions within one second). A base too long for the suffix is shortened.
pub fn final_snapshot_id(base: &str, at: chrono::DateTime<chrono::Utc>, attempt: u32) -> String {
    let mut suffix = at.format("%Y%m%dt%H%M%Sz").to_string();
    if attempt > 1 {
        suffix.push_str(&format!("-{attempt}"));
    }
    let room = SNAPSHOT_ID_MAX.saturating_sub(suffix.len() + 1);
    let mut b: String = base.to_ascii_lowercase().chars().take(room).collect();
    // A cut may leave a trailing hyphen, which would make `--` before the suffix.
    while b.ends_with('-') {
        b.pop();
    }
    format!("{b}-{suffix}")
}
