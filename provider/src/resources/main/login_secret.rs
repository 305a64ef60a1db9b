//! `manage_login_secret`: dmslink keeps a database block's login in a Secrets Manager secret it
//! creates, writes and deletes, and gives DMS that secret (with the access role of
//! `secrets_manager_access_role`) instead of the clear-text user and password. This is how a
//! target that dmslink itself creates (an `rds` block, whose address AWS gives only at create) gets
//! its credentials from Secrets Manager: the secret's `host` must be that address, which a secret
//! made outside the stack cannot know in advance.
//!
//! The secret is `<database id>-login` (e.g. `orders-prod-tgt-login`), tagged like every child; its
//! value is JSON `{username, password, host, port, dbname}` (the format of the DMS user guide,
//! `security_iam_secretsmanager.html`). It is written when the secret is new (or found without a
//! value) and again when the login or the address changes; the endpoint itself is not modified for
//! that. Destroy schedules its deletion with a 7-day recovery window; a stack of the same name
//! re-created within the window restores it (Secrets Manager refuses the name until then).

use serde_json::json;

use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::{Attribute, Type, Value};

use super::desired::Database;
use super::secrets_config::SECRET_ATTR;

pub const MANAGED_ATTR: &str = "manage_login_secret";
pub const ARN_ATTR: &str = "login_secret_arn";
/// The `dmslink:resource` tag of a login secret.
pub const KIND: &str = "login-secret";
/// Days a destroyed stack's login secret can still be restored.
pub const RECOVERY_DAYS: i64 = 7;

pub fn attributes() -> [Attribute; 2] {
    [
        Attribute::optional(MANAGED_ATTR, Type::Bool).describe(
            "Keep this database's login in a Secrets Manager secret that dmslink creates and owns \
             (`<stack>-tgt-login` for the target, `<stack>-src-<name>-login` for a source), and connect DMS through it \
             instead of sending the user and password to the endpoint. The secret holds `username`, `password` \
             (from `password`, `password_wo` or the `rds` master login), `host` (`server_name` or the RDS \
             instance's address), `port` and `dbname` as JSON, and is rewritten when any of them changes. \
             Needs `secrets_manager_access_role` (`create`, or `check` with `secrets_manager_access_role_arn`); \
             conflicts with `secrets_manager_arn`. Destroy schedules the secret's deletion with a 7-day recovery \
             window (a stack of the same name created within it restores the secret). Turning it off re-creates \
             the endpoint. Oracle and PostgreSQL engines only.",
        ),
        Attribute::computed(ARN_ATTR, Type::String)
            .describe("ARN of the login secret dmslink manages (`manage_login_secret = true`)."),
    ]
}

/// `manage_login_secret = true` in a block (config, plan or state).
pub fn is_managed(db: &Value) -> bool {
    db.get(MANAGED_ATTR).as_bool() == Some(true)
}

/// Checks of a block with `manage_login_secret = true` (the access role and engine checks are
/// those of every secret, in `secrets_config`).
pub fn validate(db: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if !db.get(SECRET_ATTR).is_null() {
        diags.error_at(
            path.then_attr(MANAGED_ATTR),
            "Conflicting credentials",
            format!(
                "{MANAGED_ATTR} makes dmslink write its own secret; {SECRET_ATTR} names one made elsewhere. Remove one \
                 of them."
            ),
        );
    }
    let rds = db.get("rds");
    let has = |v: &Value| !v.is_null();
    let username = has(db.get("username")) || has(rds.get("master_username"));
    let password = has(db.get("password"))
        || has(db.get("password_wo"))
        || has(rds.get("master_password"))
        || has(rds.get("master_password_wo"));
    if !username || !password {
        diags.error_at(
            path.then_attr(MANAGED_ATTR),
            "Missing login for the secret",
            "The secret dmslink writes holds the login DMS connects with: set username and password (or \
             password_wo), or the rds block's master login.",
        );
    }
}

/// At plan: the secret's ARN is unknown until the apply creates it, and null once the block no
/// longer wants one (a refresh that found the secret gone left it null: the apply makes it again).
pub fn plan_arn(config: &Value, planned: &mut Value) {
    super::secrets_config::each_database_block(config, planned, |cfg, block| {
        if is_managed(cfg) {
            if block.get(ARN_ATTR).is_null() {
                block.set(ARN_ATTR, Value::Unknown);
            }
        } else if !cfg.get(MANAGED_ATTR).is_unknown() && !block.get(ARN_ATTR).is_null() {
            block.set(ARN_ATTR, Value::Null);
        }
    });
}

/// The secret's name for a database (`Stack::database_id`).
pub fn secret_name(database_id: &str) -> String {
    format!("{database_id}-login")
}

/// The login DMS reads: the block's user and password (else the `rds` master login), the address
/// DMS connects to, its port and database. `None` without a user, a password or an address.
pub fn value(db: &Database, address: Option<&str>) -> Option<crate::aws::Secret> {
    let rds = db.rds.as_ref();
    let username = db.username.clone().or_else(|| rds.and_then(|r| r.master_username.clone()))?;
    let password = db.password.clone().or_else(|| rds.and_then(|r| r.master_password.clone()))?;
    let host = address.map(str::to_string).or_else(|| db.server_name.clone())?;
    let mut v = json!({ "username": username, "password": password, "host": host, "port": db.port });
    if let Some(name) = &db.database_name {
        v["dbname"] = json!(name);
    }
    Some(crate::aws::Secret::new(v.to_string()))
}

/// The login or the address changed between two applies: the secret's value is written again. A
/// write-only password is never in state: it counts as changed when its `_wo_version` does.
pub fn login_changed(new: &Database, old: &Database, new_address: Option<&str>, old_address: Option<&str>) -> bool {
    let password = |a: &Option<String>, b: &Option<String>, va: Option<i64>, vb: Option<i64>| {
        if va.is_some() || vb.is_some() { va != vb } else { a != b }
    };
    let (new_rds, old_rds) = (new.rds.as_ref(), old.rds.as_ref());
    let master = match (new_rds, old_rds) {
        (Some(n), Some(o)) => {
            n.master_username != o.master_username
                || password(
                    &n.master_password,
                    &o.master_password,
                    n.master_password_version,
                    o.master_password_version,
                )
        }
        (n, o) => n.is_some() != o.is_some(),
    };
    new.username != old.username
        || password(&new.password, &old.password, new.password_version, old.password_version)
        || master
        || new.port != old.port
        || new.database_name != old.database_name
        || new.server_name != old.server_name
        || new_address != old_address
}
