//! RDS arguments (CreateDBInstance, RestoreDBInstanceFromDBSnapshot): engines, instance classes,
//! versions, master user names and passwords, database names and snapshot identifiers, with the
//! constraints of the RDS API reference ("Constraints" of each parameter).

use super::q;

/// RDS engines `CreateDBInstance` takes for an instance outside a cluster (Aurora engines need a
/// DB cluster; RDS Custom engines need a custom instance profile): neither is something dmslink makes.
pub const ENGINES: [&str; 13] = [
    "postgres",
    "oracle-ee",
    "oracle-ee-cdb",
    "oracle-se2",
    "oracle-se2-cdb",
    "mysql",
    "mariadb",
    "sqlserver-ee",
    "sqlserver-se",
    "sqlserver-ex",
    "sqlserver-web",
    "db2-ae",
    "db2-se",
];

/// The DMS engine name that connects to an RDS engine (`oracle-se2` → `oracle`).
pub fn dms_engine_of(rds_engine: &str) -> Option<&'static str> {
    let family = rds_engine.split('-').next()?;
    match family {
        "postgres" => Some("postgres"),
        "oracle" => Some("oracle"),
        "mysql" => Some("mysql"),
        "mariadb" => Some("mariadb"),
        "sqlserver" => Some("sqlserver"),
        "db2" => Some("db2"),
        _ => None,
    }
}

pub fn engine(text: &str) -> Result<(), String> {
    if ENGINES.contains(&text) {
        return Ok(());
    }
    Err(format!("{} is not an RDS engine dmslink can create; use one of {}.", q(text), ENGINES.join(", ")))
}

/// `db.<family>.<size>[.<variant>...]`, e.g. `db.t3.medium`, `db.r6g.2xlarge`, `db.r5.large.tpc2.mem4x`.
pub fn instance_class(text: &str) -> Result<(), String> {
    let parts: Vec<&str> = text.split('.').collect();
    let ok = parts.len() >= 3
        && parts[0] == "db"
        && parts[1].starts_with(|c: char| c.is_ascii_lowercase())
        && parts[1..]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    if ok {
        return Ok(());
    }
    Err(format!("{} is not an RDS instance class; they look like \"db.t3.medium\" or \"db.r6g.large\".", q(text)))
}

/// Starts with a digit; digits, letters, dots, hyphens and underscores (`17.9`, `19.0.0.0.ru-2026-07.mrp-2026-07.r1`).
pub fn engine_version(text: &str) -> Result<(), String> {
    let ok = text.len() <= 64
        && text.starts_with(|c: char| c.is_ascii_digit())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if ok {
        return Ok(());
    }
    Err(format!(
        "{} is not an RDS engine version; they look like \"17.9\" or \"19.0.0.0.ru-2026-07.mrp-2026-07.r1\".",
        q(text)
    ))
}

/// Master user names: a letter, then letters and digits (PostgreSQL also takes `_`), at most 63
/// (PostgreSQL), 30 (Oracle), 16 (MySQL, MariaDB, Db2) or 128 (SQL Server) characters, and not a
/// name the engine or RDS reserves.
pub fn master_username(engine: &str, text: &str) -> Result<(), String> {
    let (max, underscore) = match dms_engine_of(engine) {
        Some("postgres") => (63, true),
        Some("oracle") => (30, false),
        Some("sqlserver") => (128, false),
        _ => (16, false),
    };
    let chars_ok = text.bytes().all(|b| b.is_ascii_alphanumeric() || (underscore && b == b'_'));
    let allowed = if underscore { "letters, digits and underscores" } else { "letters and digits" };
    if text.is_empty() || text.len() > max || !text.starts_with(|c: char| c.is_ascii_alphabetic()) || !chars_ok {
        return Err(format!(
            "{} is not a master user name for {engine}: 1 to {max} {allowed}, starting with a letter.",
            q(text)
        ));
    }
    const RESERVED: [&str; 8] = ["rdsadmin", "rdsrepladmin", "rdstopmgr", "sys", "system", "dbsnmp", "public", "sa"];
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(text)) {
        return Err(format!("{} is reserved by RDS or the engine; choose another master user name.", q(text)));
    }
    Ok(())
}

/// Master passwords: printable ASCII without `/`, `'`, `"`, `@` and space, 8 to 128 (PostgreSQL,
/// SQL Server), 30 (Oracle) or 41 (MySQL, MariaDB) characters. The reason never quotes the password.
pub fn master_password(engine: &str, password: &str) -> Result<(), String> {
    let max = match dms_engine_of(engine) {
        Some("oracle") => 30,
        Some("mysql") | Some("mariadb") => 41,
        Some("db2") => 255,
        _ => 128,
    };
    let n = password.chars().count();
    if !(8..=max).contains(&n) {
        return Err(format!("The master password for {engine} must be 8 to {max} characters long; it has {n}."));
    }
    if let Some(bad) = password.chars().find(|c| !c.is_ascii_graphic() || matches!(c, '/' | '\'' | '"' | '@')) {
        let what = match bad {
            ' ' => "a space".to_string(),
            '/' | '\'' | '"' | '@' => format!("the character {bad}"),
            _ => "a character that is not printable ASCII".to_string(),
        };
        return Err(format!(
            "The master password contains {what}; RDS accepts printable ASCII except /, ', \", @ and space."
        ));
    }
    Ok(())
}

/// The initial database of a new instance (`DBName`): PostgreSQL 1–63 letters, digits and
/// underscores starting with a letter; Oracle (the SID) 1–8 letters and digits starting with a
/// letter; MySQL/MariaDB 1–64 letters and digits. Other engines take no name here.
pub fn db_name(engine: &str, text: &str) -> Result<(), String> {
    let (max, underscore) = match dms_engine_of(engine) {
        Some("postgres") => (63, true),
        Some("oracle") => (8, false),
        Some("mysql") | Some("mariadb") => (64, true),
        _ => return Ok(()),
    };
    let chars_ok = text.bytes().all(|b| b.is_ascii_alphanumeric() || (underscore && b == b'_'));
    if text.is_empty() || text.len() > max || !text.starts_with(|c: char| c.is_ascii_alphabetic()) || !chars_ok {
        let allowed = if underscore { "letters, digits and underscores" } else { "letters and digits" };
        return Err(format!(
            "{} cannot name the database of a new {engine} instance: 1 to {max} {allowed}, starting with a letter.",
            q(text)
        ));
    }
    Ok(())
}

/// A DB snapshot identifier (1–255 letters, digits and hyphens, starting with a letter, no `--`,
/// no trailing hyphen) or the ARN of a snapshot shared from another account.
pub fn snapshot_identifier(text: &str) -> Result<(), String> {
    if text.starts_with("arn:") {
        return match crate::arn::Arn::parse(text) {
            Some(a) if a.service == "rds" && a.resource_type() == "snapshot" => Ok(()),
            _ => Err(format!(
                "{} is not the ARN of an RDS DB snapshot (arn:aws:rds:<region>:<account>:snapshot:<id>).",
                q(text)
            )),
        };
    }
    identifier(text, 255).map_err(|why| format!("{} is not a DB snapshot identifier: it {why}.", q(text)))
}

/// RDS identifier rules: 1..=max letters, digits and hyphens, a letter first, no `--`, no trailing `-`.
pub fn identifier(text: &str, max: usize) -> Result<(), String> {
    if text.is_empty() || text.len() > max {
        Err(format!("must be 1 to {max} characters long"))
    } else if !text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Err("must start with a letter".into())
    } else if !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Err("may contain only letters, digits and hyphens".into())
    } else if text.contains("--") {
        Err("may not contain two consecutive hyphens".into())
    } else if text.ends_with('-') {
        Err("may not end with a hyphen".into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn engines_classes_and_versions() {
        assert!(engine("oracle-se2").is_ok() && engine("postgres").is_ok());
        assert!(engine("oracle").is_err() && engine("aurora-postgresql").is_err());
        assert_eq!(dms_engine_of("oracle-ee-cdb"), Some("oracle"));
        assert_eq!(dms_engine_of("sqlserver-web"), Some("sqlserver"));
        for ok in ["db.t3.medium", "db.r6g.2xlarge", "db.r5.large.tpc2.mem4x", "db.x2iedn.xlarge"] {
            assert!(instance_class(ok).is_ok(), "{ok}");
        }
        for bad in ["t3.medium", "db.t3", "db..medium", "DB.T3.MEDIUM", "dms.t3.medium", "db.t3.medium "] {
            assert!(instance_class(bad).is_err(), "{bad}");
        }
        assert!(engine_version("15.4").is_ok() && engine_version("19.0.0.0.ru-2024-01.rur-2024-01.r1").is_ok());
        assert!(engine_version("latest").is_err() && engine_version("15 .4").is_err());
    }

    #[test]
    fn master_user_names_follow_each_engine() {
        assert!(master_username("postgres", "dms_admin").is_ok());
        assert!(master_username("oracle-se2", "dms_admin").is_err());
        assert!(master_username("oracle-se2", "dmsadmin").is_ok());
        assert!(master_username("mysql", "a234567890123456").is_ok());
        assert!(master_username("mysql", "a2345678901234567").is_err());
        assert!(master_username("postgres", "1admin").is_err());
        assert!(master_username("postgres", "rdsadmin").unwrap_err().contains("reserved"));
    }

    #[test]
    fn master_passwords_are_checked_without_echoing_them() {
        assert!(master_password("postgres", "Corr3ct-Horse!").is_ok());
        for bad in ["short", "has space in it", "slash/inside", "quote'inside", "at@inside", "tab\tinside"] {
            let why = master_password("postgres", bad).unwrap_err();
            assert!(!why.contains(bad), "{why}");
        }
        assert!(master_password("oracle-se2", &"x".repeat(31)).unwrap_err().contains("8 to 30"));
    }

    #[test]
    fn db_names_and_snapshot_identifiers() {
        assert!(db_name("postgres", "dblink_target").is_ok());
        assert!(db_name("oracle-se2", "ORCL").is_ok());
        assert!(db_name("oracle-se2", "TOOLONGSID").is_err());
        assert!(db_name("postgres", "my-db").is_err());
        assert!(snapshot_identifier("rocket-props-2026").is_ok());
        assert!(snapshot_identifier("arn:aws:rds:us-east-1:123456789012:snapshot:shared-one").is_ok());
        assert!(snapshot_identifier("arn:aws:rds:us-east-1:123456789012:db:not-a-snapshot").is_err());
        assert!(snapshot_identifier("bad--name").is_err() && snapshot_identifier("9lives").is_err());
    }
}
