//! DMS arguments (CreateEndpoint, CreateReplicationInstance): engine names, instance classes,
//! engine versions and extra connection attributes.

use super::q;

/// DMS engines reached with a server name, port, user and password — the endpoints dmslink makes
/// (DMS API `CreateEndpoint` `EngineName`; S3, Kinesis, DynamoDB and the like need settings of their own).
pub const ENGINES: [&str; 13] = [
    "oracle",
    "postgres",
    "mysql",
    "mariadb",
    "aurora",
    "aurora-postgresql",
    "sqlserver",
    "sybase",
    "db2",
    "db2-zos",
    "azuredb",
    "redshift",
    "babelfish",
];

/// DMS writes to these but never reads from them.
const TARGET_ONLY: [&str; 2] = ["redshift", "babelfish"];

pub fn engine_name(text: &str, source: bool) -> Result<(), String> {
    if !ENGINES.contains(&text) {
        return Err(format!(
            "{} is not a DMS engine name dmslink can connect; use one of {}.",
            q(text),
            ENGINES.join(", ")
        ));
    }
    if source && TARGET_ONLY.contains(&text) {
        return Err(format!("DMS can write to {text} but not read from it; a source needs another engine."));
    }
    Ok(())
}

/// `dms.<family>.<size>`, e.g. `dms.t3.medium`, `dms.r5.2xlarge`.
pub fn instance_class(text: &str) -> Result<(), String> {
    let parts: Vec<&str> = text.split('.').collect();
    let ok = parts.len() == 3
        && parts[0] == "dms"
        && parts[1].starts_with(|c: char| c.is_ascii_lowercase())
        && parts[1..].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if ok {
        return Ok(());
    }
    Err(format!("{} is not a DMS instance class; they look like \"dms.t3.medium\" or \"dms.r5.large\".", q(text)))
}

/// `major.minor.patch` digits, e.g. `3.5.4`.
pub fn engine_version(text: &str) -> Result<(), String> {
    let parts: Vec<&str> = text.split('.').collect();
    let ok = parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        return Ok(());
    }
    Err(format!("{} is not a DMS engine version; they look like \"3.5.4\".", q(text)))
}

/// `key=value;key=value` (a trailing `;` is fine); keys are letters, digits, `_` and `.`.
pub fn extra_connection_attributes(text: &str) -> Result<(), String> {
    for (i, part) in text.split(';').enumerate() {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some((key, _)) = part.split_once('=') else {
            return Err(format!(
                "Part {} ({}) has no '='; write key=value pairs separated by ';', e.g. \"useLogminerReader=N;useBfile=Y\".",
                i + 1,
                q(part)
            ));
        };
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') {
            return Err(format!(
                "Part {} has the key {}; keys are letters, digits, '_' and '.', e.g. \"useLogminerReader\".",
                i + 1,
                q(key)
            ));
        }
    }
    Ok(())
}

/// A DMS certificate ARN, `arn:<partition>:dms:<region>:<account>:cert:<id>` (what
/// `ImportCertificate` answers; `CreateEndpoint` and `ModifyEndpoint` take only the ARN).
pub fn certificate_arn(text: &str) -> Result<(), String> {
    match crate::arn::Arn::parse(text) {
        Some(a) if a.service == "dms" && a.resource.strip_prefix("cert:").is_some_and(|id| !id.is_empty()) => Ok(()),
        _ => Err(format!(
            "{} is not the ARN of a DMS certificate (arn:aws:dms:<region>:<account>:cert:<id>; `aws dms describe-certificates` lists them).",
            q(text)
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn engine_names_and_sides() {
        assert!(engine_name("oracle", true).is_ok() && engine_name("postgres", false).is_ok());
        assert!(engine_name("oracle-se2", true).is_err());
        assert!(engine_name("redshift", false).is_ok() && engine_name("redshift", true).is_err());
    }

    #[test]
    fn classes_versions_and_attributes() {
        assert!(instance_class("dms.t3.medium").is_ok() && instance_class("dms.r5.2xlarge").is_ok());
        assert!(instance_class("db.t3.medium").is_err() && instance_class("dms.t3").is_err());
        assert!(engine_version("3.5.3").is_ok() && engine_version("3.5").is_err() && engine_version("v3.5.3").is_err());
        assert!(extra_connection_attributes("useLogminerReader=N;useBfile=Y;").is_ok());
        assert!(extra_connection_attributes("addSupplementalLogging=Y; heartbeatFrequency=5").is_ok());
        assert!(extra_connection_attributes("useLogminerReader").is_err());
        assert!(extra_connection_attributes("=N").is_err());
    }
}
