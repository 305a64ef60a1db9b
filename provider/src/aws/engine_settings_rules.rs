//! Which engine settings only one side of an endpoint takes (rule S13), read from the
//! `endpoint_settings` section of `rulebook/dms.json`, which the emulator reads too
//! (`tests/emulator/dmslink_emulator/dms_resources.py`). DMS refuses a source-only setting on a
//! target endpoint, and the reverse, with `InvalidParameterCombinationException` "Cannot specify
//! endpoint setting '<X>' for endpoint of type <type>" (terraform-provider-aws#46676); the plan
//! refuses the same from the same table, and the Rust fake answers like DMS.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::error::AwsError;

const TEXT: &str = include_str!("../../../rulebook/dms.json");

#[derive(Debug, Deserialize)]
struct Book {
    endpoint_settings: SideRules,
}

#[derive(Debug, Deserialize)]
struct ErrorRule {
    code: String,
    message: String,
}

/// Keys by settings object (`OracleSettings`, `PostgreSQLSettings`) and side.
#[derive(Debug, Deserialize)]
pub struct SideRules {
    side_error: ErrorRule,
    source_only: BTreeMap<String, Vec<String>>,
    target_only: BTreeMap<String, Vec<String>>,
}

static RULES: LazyLock<SideRules> = LazyLock::new(|| match serde_json::from_str::<Book>(TEXT) {
    Ok(b) => b.endpoint_settings,
    // The file is compiled in and parsed by a unit test, so this cannot happen at run time.
    Err(e) => panic!("rulebook/dms.json endpoint_settings does not parse: {e}"),
});

pub fn side_rules() -> &'static SideRules {
    &RULES
}

impl SideRules {
    /// The side (`source`/`target`) `key` of `object` is limited to; `None`: both sides take it.
    pub fn only_side(&self, object: &str, key: &str) -> Option<&'static str> {
        let has = |t: &BTreeMap<String, Vec<String>>| t.get(object).is_some_and(|ks| ks.iter().any(|k| k == key));
        if has(&self.source_only) {
            Some("source")
        } else if has(&self.target_only) {
            Some("target")
        } else {
            None
        }
    }

    /// DMS's error for `key` of `object` on an endpoint of `endpoint_type`; `None`: allowed.
    pub fn side_refusal(&self, object: &str, key: &str, endpoint_type: &str) -> Option<AwsError> {
        let only = self.only_side(object, key)?;
        (only != endpoint_type).then(|| {
            let message = self.side_error.message.replace("{key}", key).replace("{type}", endpoint_type);
            AwsError::from_code(&self.side_error.code, message)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::engine_settings::{OracleSettings, PostgresSettings};

    #[test]
    fn the_rulebook_table_parses_and_names_only_known_keys() {
        let r = side_rules();
        for (object, keys) in r.source_only.iter().chain(r.target_only.iter()) {
            let known: &[&str] = match object.as_str() {
                "OracleSettings" => OracleSettings::KEYS,
                "PostgreSQLSettings" => PostgresSettings::KEYS,
                other => panic!("unknown settings object {other}"),
            };
            for k in keys {
                assert!(known.contains(&k.as_str()), "{object}.{k} is not a typed setting");
            }
        }
        assert_eq!(r.only_side("OracleSettings", "TrimSpaceInChar"), Some("source"));
        assert_eq!(r.only_side("OracleSettings", "UseDirectPathFullLoad"), Some("target"));
        assert_eq!(r.only_side("PostgreSQLSettings", "MapBooleanAsBoolean"), None);
    }
}
