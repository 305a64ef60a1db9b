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

/// True when an object found by name carries this stack's ownership tags.
pub fn owned_by(tags: &BTreeMap<String, String>, stack: &Stack, kind: &str) -> bool {
    tags.get(TAG_STACK) == Some(&stack.prefix()) && tags.get(TAG_RESOURCE).map(String::as_str) == Some(kind)
}
