//! The fake's engine settings: S13 (a source-only setting on a target, or the reverse, is refused
//! with the rulebook's error, terraform-provider-aws#46676), secrets kept out of every answer (S9),
//! and `ModifyEndpoint`'s merge of the keys sent, or replacement with `ExactSettings`.

use crate::aws::engine_settings::EngineSettings;
use crate::aws::error::AwsError;

/// `Err` for the first setting `endpoint_type` does not take.
pub(super) fn check_sides(settings: &EngineSettings, endpoint_type: &str) -> Result<(), AwsError> {
    let table = crate::aws::engine_settings_rules::side_rules();
    settings
        .entries()
        .iter()
        .find_map(|(object, key, _)| table.side_refusal(object, key, endpoint_type))
        .map_or(Ok(()), Err)
}

/// What DescribeEndpoints echoes of `settings`: never a secret.
pub(super) fn echoed(settings: &EngineSettings) -> EngineSettings {
    let mut out = settings.clone();
    if let Some(o) = out.oracle.as_mut() {
        o.asm_password = None;
    }
    EngineSettings { oracle: out.oracle.filter(|o| !o.is_empty()), postgres: out.postgres.filter(|p| !p.is_empty()) }
}

/// The endpoint's settings after a `ModifyEndpoint` that sent `sent`: with `ExactSettings`, each
/// settings object sent (also an empty one) replaces the endpoint's; an object not sent stays, as in
/// the emulator.
pub(super) fn after_modify(current: &EngineSettings, sent: &EngineSettings, exact: bool) -> EngineSettings {
    if !exact {
        return echoed(&current.overlaid_with(sent));
    }
    echoed(&EngineSettings {
        oracle: if sent.oracle.is_some() { sent.oracle.clone() } else { current.oracle.clone() },
        postgres: if sent.postgres.is_some() { sent.postgres.clone() } else { current.postgres.clone() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Secret;
    use crate::aws::engine_settings::{OracleSettings, PostgresSettings};

    fn oracle(o: OracleSettings) -> EngineSettings {
        EngineSettings { oracle: Some(o), postgres: None }
    }

    #[test]
    fn a_source_only_setting_on_a_target_is_refused_as_aws_does() {
        let s = oracle(OracleSettings { trim_space_in_char: Some(true), ..Default::default() });
        let e = check_sides(&s, "target").err().map(|e| (e.code, e.message));
        assert_eq!(
            e,
            Some((
                "InvalidParameterCombinationException".to_string(),
                "Cannot specify endpoint setting 'TrimSpaceInChar' for endpoint of type target".to_string()
            ))
        );
        assert_eq!(check_sides(&s, "source"), Ok(()));
        let t = EngineSettings {
            postgres: Some(PostgresSettings { max_file_size: Some(512), ..Default::default() }),
            oracle: None,
        };
        assert!(check_sides(&t, "source").is_err());
        assert_eq!(check_sides(&t, "target"), Ok(()));
    }

    #[test]
    fn the_asm_password_is_never_echoed() {
        let s = oracle(OracleSettings {
            asm_password: Some(Secret::new("x")),
            asm_user: Some("asm".into()),
            ..Default::default()
        });
        let back = echoed(&s);
        assert_eq!(back.oracle.as_ref().and_then(|o| o.asm_password.clone()), None);
        assert_eq!(back.oracle.and_then(|o| o.asm_user), Some("asm".to_string()));
        let only_secret = oracle(OracleSettings { asm_password: Some(Secret::new("x")), ..Default::default() });
        assert_eq!(echoed(&only_secret), EngineSettings::default());
    }

    #[test]
    fn modify_merges_the_keys_sent_and_exact_settings_replaces_them() {
        let current =
            oracle(OracleSettings { use_bfile: Some(true), read_ahead_blocks: Some(100), ..Default::default() });
        let sent = oracle(OracleSettings { read_ahead_blocks: Some(200), ..Default::default() });
        let merged = after_modify(&current, &sent, false).oracle.unwrap_or_default();
        assert_eq!((merged.use_bfile, merged.read_ahead_blocks), (Some(true), Some(200)));
        let exact = after_modify(&current, &sent, true).oracle.unwrap_or_default();
        assert_eq!((exact.use_bfile, exact.read_ahead_blocks), (None, Some(200)));
        assert_eq!(after_modify(&current, &EngineSettings::default(), true), current, "no object sent: kept");
        let empty = EngineSettings { oracle: Some(OracleSettings::default()), postgres: None };
        assert_eq!(after_modify(&current, &empty, true), EngineSettings::default(), "an empty object clears");
    }
}
