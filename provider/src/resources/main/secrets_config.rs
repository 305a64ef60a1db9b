//! Secrets Manager credentials of a `source`/`target` block: the attributes, their plan-time checks
//! and their reading into [`SecretCreds`]. DMS takes the secret and the role that may read it
//! instead of the clear-text user, password, server and port (service model: "You can't specify
//! both"); the secret's value is never read by dmslink, so rotating it changes nothing here.

use crate::arn::Arn;
use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::{Attribute, Type, Value};

pub const SECRET_ATTR: &str = "secrets_manager_arn";
pub const ROLE_ARN_ATTR: &str = "secrets_manager_access_role_arn";
pub const ROLE_MODE_ATTR: &str = "secrets_manager_access_role";

/// What conflicts with a secret: the secret holds the login and where the server is.
const CONFLICTS: [&str; 5] = ["username", "password", "password_wo", "server_name", "port"];

/// Engines whose settings object dmslink writes the secret pair into.
const ENGINES: [&str; 3] = ["oracle", "postgres", "aurora-postgresql"];

/// A database whose credentials come from Secrets Manager.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretCreds {
    /// The secret's full ARN.
    pub secret_arn: String,
    /// The access role: given (`check`), or, with `create`, what state recorded of the one this
    /// stack created (`None` until it exists).
    pub role_arn: Option<String>,
    /// `secrets_manager_access_role = "create"`.
    pub create_role: bool,
    /// `manage_login_secret = true`: the secret is the one dmslink creates and writes
    /// (`login_secret`); `secret_arn` is empty, its ARN is in the stack's children.
    pub managed: bool,
}

pub fn attributes() -> [Attribute; 3] {
    [
        Attribute::optional(SECRET_ATTR, Type::String)
            .describe("Full ARN of a Secrets Manager secret holding this database's login as JSON (`username`, `password`, `host`, `port`, optionally `dbname`), which DMS reads when it connects, instead of `username`, `password`, `server_name` and `port` (conflicts with each). With an `rds` block the secret's `host` and `port` must be the instance's (`address`, known once dmslink has created it: write the secret's value from it; the plan warns). `database_name` is still needed. The ARN must be the secret's full ARN (with its six-character suffix) in the provider's region. dmslink never reads the secret's value: rotating it (or `PutSecretValue`) needs no apply and shows no change. Oracle and PostgreSQL engines only.")
            .validate(validate_secret_arn),
        Attribute::optional_computed(ROLE_ARN_ATTR, Type::String)
            .describe("ARN of the IAM role DMS assumes to read `secrets_manager_arn` (the caller needs `iam:PassRole` on it). Required with `secrets_manager_access_role = \"check\"`; conflicts with `\"create\"`, where it is the role dmslink created.")
            .validate(validate_role_arn),
        Attribute::optional(ROLE_MODE_ATTR, Type::String)
            .describe("`check` (the default): before anything is created, `secrets_manager_access_role_arn` must exist, trust the regional DMS service principal `dms.<region>.amazonaws.com` and allow `secretsmanager:GetSecretValue` on the secret (its own inline and attached policies; a Deny counts against); the error names what is missing. `create`: dmslink creates a role `<stack>-<src-name|tgt>-secrets` trusting DMS with an inline policy allowing `secretsmanager:GetSecretValue` on this one secret, records it in state as soon as it exists and deletes it with the stack (a secret encrypted with a customer-managed KMS key also needs `kms:Decrypt`, which the created role does not have).")
            .validate(validate_role_mode),
    ]
}

/// The parts of a full secret ARN: `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6>`.
pub fn secret_arn_problem(s: &str) -> Option<String> {
    let Some(arn) = Arn::parse(s) else { return Some("is not an ARN".into()) };
    if arn.service != "secretsmanager" || !arn.resource.starts_with("secret:") {
        return Some(
            "is not a Secrets Manager secret ARN (`arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>`)"
                .into(),
        );
    }
    if arn.region.is_empty() || arn.account.len() != 12 || !arn.account.bytes().all(|b| b.is_ascii_digit()) {
        return Some("lacks the region or the 12-digit account".into());
    }
    let name = arn.resource.trim_start_matches("secret:");
    let suffix = name.rsplit_once('-');
    match suffix {
        Some((n, s)) if !n.is_empty() && s.len() == 6 && s.bytes().all(|b| b.is_ascii_alphanumeric()) => None,
        _ => Some("is not a full secret ARN: it must end with the six-character suffix Secrets Manager adds to the name (`…:secret:<name>-AbCdEf`); copy the ARN from the secret, not its name".into()),
    }
}

pub fn validate_secret_arn(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(s) = v.as_str()
        && let Some(p) = secret_arn_problem(s)
    {
        diags.error_at(path.clone(), "Invalid Secrets Manager secret ARN", format!("{s:?} {p}."));
    }
}

pub fn validate_role_arn(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    let Some(s) = v.as_str() else { return };
    let ok =
        Arn::parse(s).is_some_and(|a| a.service == "iam" && a.resource.starts_with("role/") && a.resource.len() > 5);
    if !ok {
        diags.error_at(
            path.clone(),
            "Invalid IAM role ARN",
            format!("{s:?} is not an IAM role ARN such as arn:aws:iam::123456789012:role/dms-secrets-access."),
        );
    }
}

pub fn validate_role_mode(v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(s) = v.as_str()
        && s != "check"
        && s != "create"
    {
        diags.error_at(
            path.clone(),
            "Invalid secrets_manager_access_role",
            format!("{s:?} is neither \"check\" nor \"create\"."),
        );
    }
}

/// Known and not null.
fn is_set(v: &Value) -> bool {
    !v.is_null() && !v.is_unknown()
}

/// The block takes its credentials from a secret (or may: the ARN is still unknown).
pub fn uses_secret(db: &Value) -> bool {
    !db.get(SECRET_ATTR).is_null()
}

/// Cross-attribute checks of one database block (values may be unknown: then they wait).
pub fn validate_database(db: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    let mode = db.get(ROLE_MODE_ATTR);
    let role = db.get(ROLE_ARN_ATTR);
    let secret = db.get(SECRET_ATTR);
    if secret.is_unknown() || db.get(super::login_secret::MANAGED_ATTR).is_unknown() {
        // `terraform validate`, or `var.a ? arn : null`: checked once the ARN is known.
        return;
    }
    let managed = super::login_secret::is_managed(db);
    if managed {
        super::login_secret::validate(db, path, diags);
    }
    if secret.is_null() && !managed {
        for attr in [ROLE_ARN_ATTR, ROLE_MODE_ATTR] {
            if is_set(db.get(attr)) {
                diags.error_at(
                    path.then_attr(attr),
                    "Access role without a secret",
                    format!("{attr} only applies with {SECRET_ATTR}; set the secret's ARN or remove it."),
                );
            }
        }
        return;
    }
    for attr in CONFLICTS.iter().filter(|_| !managed) {
        if is_set(db.get(attr)) {
            diags.error_at(
                path.then_attr(attr),
                "Conflicting credentials",
                format!(
                    "{attr} conflicts with {SECRET_ATTR}: DMS takes the login, the server and its port from the secret \
                     (its `username`, `password`, `host` and `port`) or from the configuration, not both. Remove {attr}, \
                     or remove {SECRET_ATTR}."
                ),
            );
        }
    }
    if is_set(db.get("rds")) && !managed {
        diags.warning_at(
            path.then_attr(SECRET_ATTR),
            "The secret must hold the address of the RDS instance dmslink creates",
            "DMS connects to the `host` and `port` in the secret, and this database's instance gets its address \
             only once dmslink creates it; dmslink never writes the secret. Write the secret's value from this \
             block's `address` (e.g. an aws_secretsmanager_secret_version whose secret_string uses \
             dmslink_main.<name>.target.address and the rds master or application login). Until it holds that \
             address, connection tests (test_connections = true) and tasks fail.",
        );
    }
    if let Some(engine) = db.get("engine_name").as_str()
        && !ENGINES.contains(&engine)
    {
        let attr = if managed { super::login_secret::MANAGED_ATTR } else { SECRET_ATTR };
        diags.error_at(
            path.then_attr(attr),
            "Secrets Manager credentials not supported for the engine",
            format!("dmslink sends the secret in the engine settings of {} only, not {engine:?}.", ENGINES.join(", ")),
        );
    }
    let db_name = db.get("database_name");
    if db_name.is_null() || db_name.as_str() == Some("") {
        diags.error_at(
            path.then_attr("database_name"),
            "Missing connection setting",
            "database_name is required with a secret; DMS sends it beside the secret.",
        );
    }
    let creating = mode.as_str() == Some("create");
    if creating && is_set(role) {
        diags.error_at(
            path.then_attr(ROLE_ARN_ATTR),
            "Conflicting access role settings",
            format!(
                "{ROLE_MODE_ATTR} = \"create\" makes the role; remove {ROLE_ARN_ATTR}, or use \"check\" with your role."
            ),
        );
    }
    if !creating && !mode.is_unknown() && role.is_null() {
        diags.error_at(
            path.then_attr(ROLE_ARN_ATTR),
            "Missing access role",
            format!(
                "DMS reads the secret through an IAM role: set {ROLE_ARN_ATTR} to a role that trusts \
                 dms.<region>.amazonaws.com and may call secretsmanager:GetSecretValue on the secret, or set \
                 {ROLE_MODE_ATTR} = \"create\" to let dmslink create one."
            ),
        );
    }
}

/// At plan, with the provider's region known: each secret is in that region (DMS reads the secret
/// in its own region).
pub fn validate_region(config: &Value, region: &str, diags: &mut Diagnostics) {
    let sources = config.get("source").as_elements().unwrap_or_default();
    let blocks = sources
        .iter()
        .enumerate()
        .map(|(i, b)| (AttrPath::attr("source").then_index(i), b))
        .chain(std::iter::once((AttrPath::attr("target"), config.get("target"))));
    for (path, block) in blocks {
        if let Some(s) = block.get(SECRET_ATTR).as_str()
            && let Some(arn) = Arn::parse(s)
            && !arn.region.is_empty()
            && arn.region != region
        {
            diags.error_at(
                path.then_attr(SECRET_ATTR),
                "Secret outside the provider's region",
                format!(
                    "The secret is in {}, the stack in {region}: DMS reads the secret in its own region. Replicate the \
                     secret to {region} and use the replica's ARN.",
                    arn.region
                ),
            );
        }
    }
}

/// At plan: the access role a database's apply will create is unknown until then (`create` with no
/// ARN planned yet), and a database that no longer takes a secret keeps no role ARN.
pub fn plan_role_arns(config: &Value, planned: &mut Value) {
    each_database_block(config, planned, |cfg, block| {
        if !cfg.get(ROLE_ARN_ATTR).is_null() {
            return;
        }
        let managed = super::login_secret::is_managed(cfg);
        let creating = (is_set(cfg.get(SECRET_ATTR)) || managed) && cfg.get(ROLE_MODE_ATTR).as_str() == Some("create");
        if creating && block.get(ROLE_ARN_ATTR).is_null() {
            block.set(ROLE_ARN_ATTR, Value::Unknown);
        } else if cfg.get(SECRET_ATTR).is_null() && !managed && !block.get(ROLE_ARN_ATTR).is_null() {
            block.set(ROLE_ARN_ATTR, Value::Null);
        }
    });
}

/// `fix(config block, planned block)` for each `source` (paired by position) and the target of a
/// known plan.
pub fn each_database_block(config: &Value, planned: &mut Value, fix: impl Fn(&Value, &mut Value)) {
    let configs = config.get("source").as_elements().unwrap_or_default();
    if let Some(blocks) = planned.get("source").as_elements() {
        let mut blocks = blocks.to_vec();
        for (cfg, block) in configs.iter().zip(blocks.iter_mut()) {
            fix(cfg, block);
        }
        planned.set("source", Value::List(blocks));
    }
    let mut target = planned.get("target").clone();
    if !target.is_null() && !target.is_unknown() {
        fix(config.get("target"), &mut target);
        planned.set("target", target);
    }
}

/// Reads a fully known block.
pub fn read(db: &Value) -> Option<SecretCreds> {
    let managed = super::login_secret::is_managed(db);
    let secret_arn = match db.get(SECRET_ATTR).as_str() {
        Some(arn) => arn.to_string(),
        None if managed => String::new(),
        None => return None,
    };
    Some(SecretCreds {
        secret_arn,
        role_arn: db.get(ROLE_ARN_ATTR).as_str().map(str::to_string),
        create_role: db.get(ROLE_MODE_ATTR).as_str() == Some("create"),
        managed,
    })
}
