//! What can be ordered, read from `rulebook/orderable.json` (the orderable options the emulator
//! serves and enforces, `tests/emulator/dmslink_emulator/orderable.py`): the defaults a create
//! without an engine version gets, the answers of the describe calls that list the offer, and the
//! refusals of creates, modifies and restores of what is not offered — with the emulator's codes
//! and messages, so the fakes and the emulator change in one place.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::aws::dms::{DmsEngineVersion, OrderableReplicationInstance};
use crate::aws::error::AwsError;
use crate::aws::rds::DbEngineVersion;

const TEXT: &str = include_str!("../../../../rulebook/orderable.json");

#[derive(Debug, Deserialize)]
struct Catalogue {
    dms: Dms,
    rds: Rds,
}

#[derive(Debug, Deserialize)]
struct Refusal {
    code: String,
    message: String,
}

#[derive(Debug, Deserialize)]
struct Dms {
    default_engine_version: String,
    engine_versions: Vec<DmsVersion>,
    instance_classes: Vec<DmsClassGroup>,
    errors: DmsErrors,
}

#[derive(Debug, Deserialize)]
struct DmsVersion {
    version: String,
    lifecycle: String,
    release_status: String,
}

#[derive(Debug, Deserialize)]
struct DmsClassGroup {
    classes: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct DmsErrors {
    unknown_engine_version: Refusal,
    class_not_orderable: Refusal,
}

#[derive(Debug, Deserialize)]
struct Rds {
    class_sets: BTreeMap<String, Vec<String>>,
    engines: BTreeMap<String, RdsEngine>,
    errors: RdsErrors,
}

#[derive(Debug, Deserialize)]
struct RdsEngine {
    default_version: String,
    default_license_model: String,
    majors: Vec<RdsMajor>,
}

#[derive(Debug, Deserialize)]
struct RdsMajor {
    major: String,
    versions: Vec<String>,
    default: String,
    class_sets: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RdsErrors {
    unknown_version: Refusal,
    combination: Refusal,
}

/// The catalogue is part of the build; a file that does not parse fails every fake test at once.
#[allow(clippy::expect_used)]
static CATALOGUE: LazyLock<Catalogue> =
    LazyLock::new(|| serde_json::from_str(TEXT).expect("rulebook/orderable.json parses"));

/// The DMS engine version a replication instance gets when its create names none.
pub(crate) fn dms_default_engine_version() -> &'static str {
    &CATALOGUE.dms.default_engine_version
}

/// The engine version an RDS instance of `engine` gets when its create names none; `None` for an
/// engine the catalogue does not offer.
pub(crate) fn rds_default_version(engine: &str) -> Option<&'static str> {
    CATALOGUE.rds.engines.get(engine).map(|e| e.default_version.as_str())
}

/// The version an RDS create or modify of a catalogued engine uses: a major version alone (`"17"`)
/// is its default minor (RDS for PostgreSQL release notes); anything else as asked.
pub(crate) fn rds_resolve_version(engine: &str, requested: &str) -> String {
    let major = CATALOGUE.rds.engines.get(engine).and_then(|e| e.majors.iter().find(|m| m.major == requested));
    major.map_or_else(|| requested.to_string(), |m| m.default.clone())
}

/// `DescribeOrderableReplicationInstances`: every offered class with every offered version.
pub(crate) fn dms_orderable() -> Vec<OrderableReplicationInstance> {
    let dms = &CATALOGUE.dms;
    dms.instance_classes
        .iter()
        .flat_map(|g| &g.classes)
        .flat_map(|class| {
            dms.engine_versions.iter().map(move |v| OrderableReplicationInstance {
                class: class.clone(),
                engine_version: v.version.clone(),
                release_status: Some(v.release_status.clone()),
            })
        })
        .collect()
}

/// `DescribeEngineVersions`.
pub(crate) fn dms_engine_versions() -> Vec<DmsEngineVersion> {
    CATALOGUE
        .dms
        .engine_versions
        .iter()
        .map(|v| DmsEngineVersion { version: v.version.clone(), lifecycle: Some(v.lifecycle.clone()) })
        .collect()
}

/// The refusals of `CreateReplicationInstance` / `ModifyReplicationInstance` (a modify passes only
/// the values it changes): the version first, then the class, as the emulator checks them.
pub(crate) fn check_dms(class: Option<&str>, engine_version: Option<&str>) -> Result<(), AwsError> {
    let dms = &CATALOGUE.dms;
    if let Some(v) = engine_version.filter(|v| !v.is_empty())
        && !dms.engine_versions.iter().any(|o| o.version == v)
    {
        let e = &dms.errors.unknown_engine_version;
        return Err(AwsError::from_code(&e.code, e.message.replace("{version}", v)));
    }
    if let Some(c) = class.filter(|c| !c.is_empty())
        && !dms.instance_classes.iter().any(|g| g.classes.iter().any(|o| o == c))
    {
        let e = &dms.errors.class_not_orderable;
        return Err(AwsError::from_code(&e.code, e.message.clone()));
    }
    Ok(())
}

fn rds_major(engine: &str, version: &str) -> Option<&'static RdsMajor> {
    CATALOGUE.rds.engines.get(engine)?.majors.iter().find(|m| m.versions.iter().any(|v| v == version))
}

fn rds_classes(major: &RdsMajor) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for set in &major.class_sets {
        for class in CATALOGUE.rds.class_sets.get(set).into_iter().flatten() {
            if !out.contains(class) {
                out.push(class.clone());
            }
        }
    }
    out
}

/// `DescribeDBEngineVersions(Engine, EngineVersion?, DefaultOnly)`: `version` exact or a major
/// alone; an engine the catalogue does not hold answers nothing (as the emulator does for real
/// engines it does not catalogue).
pub(crate) fn rds_engine_versions(engine: &str, version: Option<&str>, default_only: bool) -> Vec<DbEngineVersion> {
    let Some(spec) = CATALOGUE.rds.engines.get(engine) else { return Vec::new() };
    let mut out = Vec::new();
    for major in &spec.majors {
        for v in &major.versions {
            let asked = match version {
                None => !default_only || *v == spec.default_version,
                Some(q) if q == major.major => !default_only || *v == major.default,
                Some(q) => q == v,
            };
            if asked {
                out.push(DbEngineVersion {
                    engine: engine.to_string(),
                    version: v.clone(),
                    major_version: Some(major.major.clone()),
                });
            }
        }
    }
    out
}

/// `DescribeOrderableDBInstanceOptions(Engine, EngineVersion)`, one class once (the emulator
/// answers each per license model and storage type).
pub(crate) fn rds_orderable_classes(engine: &str, version: &str) -> Vec<String> {
    rds_major(engine, version).map(rds_classes).unwrap_or_default()
}

/// The refusals of `CreateDBInstance` / `ModifyDBInstance` / `RestoreDBInstanceFromDBSnapshot`
/// for a catalogued engine (others are not checked). dmslink never sends a license model, so the
/// engine's default applies; every catalogued license model of an engine offers the same classes.
pub(crate) fn check_rds(engine: &str, version: &str, class: &str) -> Result<(), AwsError> {
    let Some(spec) = CATALOGUE.rds.engines.get(engine) else { return Ok(()) };
    let errors = &CATALOGUE.rds.errors;
    let Some(major) = rds_major(engine, version) else {
        let e = &errors.unknown_version;
        return Err(AwsError::from_code(&e.code, e.message.replace("{version}", version).replace("{engine}", engine)));
    };
    if !rds_classes(major).iter().any(|c| c == class) {
        let e = &errors.combination;
        let message = e
            .message
            .replace("{db_instance_class}", class)
            .replace("{engine}", engine)
            .replace("{version}", version)
            .replace("{license_model}", &spec.default_license_model);
        return Err(AwsError::from_code(&e.code, message));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::aws::fake::{FakeDms, FakeRds};
    use crate::aws::offers::OfferCache;

    #[test]
    fn the_defaults_are_the_catalogues() {
        assert_eq!(dms_default_engine_version(), "3.5.4");
        assert_eq!(rds_default_version("postgres"), Some("18.3"));
        assert!(rds_default_version("oracle-ee").is_some_and(|v| v.starts_with("19.0.0.0.ru-")));
        assert_eq!(rds_default_version("db2-se"), None);
        assert_eq!(rds_resolve_version("postgres", "17"), "17.9");
        assert_eq!(rds_resolve_version("postgres", "17.7"), "17.7");
    }

    #[test]
    fn dms_refusals_are_the_emulators() {
        let e = check_dms(Some("dms.t3.small"), Some("1.9.0")).unwrap_err();
        assert_eq!(e.code, "InvalidParameterValueException");
        assert_eq!(e.message, "No replication engine found with version: 1.9.0");
        let e = check_dms(Some("dms.t2.micro"), Some("3.5.4")).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("InvalidParameterValueException", "Invalid ReplicationInstance class")
        );
        assert!(check_dms(Some("dms.t3.small"), None).is_ok());
        assert!(dms_orderable().iter().any(|o| o.class == "dms.t3.small" && o.engine_version == "3.6.1"));
        assert!(dms_engine_versions().iter().any(|v| v.lifecycle.as_deref() == Some("DEFAULT_VERSION")));
    }

    #[test]
    fn rds_refusals_are_the_emulators() {
        let e = check_rds("postgres", "9.3.14", "db.t3.micro").unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("InvalidParameterCombination", "Cannot find version 9.3.14 for postgres")
        );
        let e = check_rds("postgres", "18.3", "db.t2.micro").unwrap_err();
        assert_eq!(e.code, "InvalidParameterCombination");
        assert!(e.message.starts_with(
            "RDS does not support creating a DB instance with the following combination: DBInstanceClass=db.t2.micro, \
             Engine=postgres, EngineVersion=18.3, LicenseModel=postgresql-license."
        ));
        assert!(check_rds("oracle-se2", rds_default_version("oracle-se2").unwrap(), "db.t3.micro").is_err());
        assert!(check_rds("postgres", "18.3", "db.t3.micro").is_ok());
        assert!(check_rds("mysql", "5.1", "db.t1.micro").is_ok());
        assert_eq!(rds_engine_versions("postgres", None, true).len(), 1);
        assert_eq!(rds_engine_versions("postgres", Some("17"), true)[0].version, "17.9");
        assert!(rds_engine_versions("postgres", Some("9.3.14"), false).is_empty());
        assert!(rds_orderable_classes("postgres", "18.3").contains(&"db.t4g.micro".to_string()));
    }

    /// The provider's offer cache over the fakes (`aws::offers`).
    #[tokio::test]
    async fn the_offer_cache_asks_each_question_once_even_when_it_failed() {
        let dms = FakeDms::new();
        let rds = FakeRds::new();
        let cache = OfferCache::new();
        for _ in 0..3 {
            assert!(!cache.dms_orderable("us-east-1", &dms).await.unwrap().is_empty());
            assert!(!cache.dms_versions("us-east-1", &dms).await.unwrap().is_empty());
            cache.rds_versions("us-east-1", &rds, "postgres", None, false).await.unwrap();
            cache.rds_classes("us-east-1", &rds, "postgres", "18.3").await.unwrap();
        }
        cache.rds_classes("us-east-1", &rds, "postgres", "17.9").await.unwrap();
        cache.dms_versions("eu-west-1", &dms).await.unwrap();
        assert_eq!(dms.calls().len(), 3);
        assert_eq!(rds.calls().len(), 3);

        let denied = AwsError::from_code("AccessDeniedFault", "no");
        dms.fail_next("list_engine_versions", denied);
        let cache = OfferCache::new();
        dms.clear_calls();
        assert!(cache.dms_versions("us-east-1", &dms).await.is_err());
        assert!(cache.dms_versions("us-east-1", &dms).await.is_err());
        assert_eq!(dms.calls(), vec!["list_engine_versions"]);
        assert!(cache.first_failure());
        assert!(!cache.first_failure());
    }
}
