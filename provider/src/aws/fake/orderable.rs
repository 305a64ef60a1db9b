//! What AWS picks when a create names no engine version, read from `rulebook/orderable.json` (the
//! orderable options the emulator serves and enforces, `tests/emulator/dmslink_emulator/orderable.py`),
//! so a default changes in one place for the emulator and the fakes.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

const TEXT: &str = include_str!("../../../../rulebook/orderable.json");

#[derive(Debug, Deserialize)]
struct Catalogue {
    dms: Dms,
    rds: Rds,
}

#[derive(Debug, Deserialize)]
struct Dms {
    default_engine_version: String,
}

#[derive(Debug, Deserialize)]
struct Rds {
    engines: BTreeMap<String, RdsEngine>,
}

#[derive(Debug, Deserialize)]
struct RdsEngine {
    default_version: String,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_catalogues() {
        assert_eq!(dms_default_engine_version(), "3.5.4");
        assert_eq!(rds_default_version("postgres"), Some("18.3"));
        assert!(rds_default_version("oracle-ee").is_some_and(|v| v.starts_with("19.0.0.0.ru-")));
        assert_eq!(rds_default_version("db2-se"), None);
    }
}
