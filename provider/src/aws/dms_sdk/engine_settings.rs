//! The typed engine settings to and from the SDK's `OracleSettings`/`PostgreSqlSettings`. Only set
//! fields are sent (terraform-provider-aws#47884); every field is read back except the secrets,
//! which DescribeEndpoints never returns.

use aws_sdk_databasemigration::types as t;
use aws_sdk_databasemigration::types::builders::{OracleSettingsBuilder, PostgreSqlSettingsBuilder};

use crate::aws::engine_settings::{EngineSettings, OracleSettings, PostgresSettings};

pub(super) fn oracle_to_sdk(s: &OracleSettings) -> OracleSettingsBuilder {
    t::OracleSettings::builder()
        .set_use_logminer_reader(s.use_logminer_reader)
        .set_use_b_file(s.use_bfile)
        .set_archived_logs_only(s.archived_logs_only)
        .set_archived_log_dest_id(s.archived_log_dest_id)
        .set_add_supplemental_logging(s.add_supplemental_logging)
        .set_read_table_space_name(s.read_table_space_name)
        .set_enable_homogenous_tablespace(s.enable_homogenous_tablespace)
        .set_asm_server(s.asm_server.clone())
        .set_asm_user(s.asm_user.clone())
        .set_asm_password(s.asm_password.as_ref().map(|p| p.expose().to_string()))
        .set_parallel_asm_read_threads(s.parallel_asm_read_threads)
        .set_read_ahead_blocks(s.read_ahead_blocks)
        .set_char_length_semantics(s.char_length_semantics.as_deref().map(t::CharLengthSemantics::from))
        .set_number_datatype_scale(s.number_datatype_scale)
        .set_trim_space_in_char(s.trim_space_in_char)
        .set_open_transaction_window(s.open_transaction_window)
        .set_direct_path_no_log(s.direct_path_no_log)
        .set_use_direct_path_full_load(s.use_direct_path_full_load)
}

pub(super) fn postgres_to_sdk(s: &PostgresSettings) -> PostgreSqlSettingsBuilder {
    t::PostgreSqlSettings::builder()
        .set_heartbeat_enable(s.heartbeat_enable)
        .set_heartbeat_frequency(s.heartbeat_frequency)
        .set_heartbeat_schema(s.heartbeat_schema.clone())
        .set_slot_name(s.slot_name.clone())
        .set_plugin_name(s.plugin_name.as_deref().map(t::PluginNameValue::from))
        .set_capture_ddls(s.capture_ddls)
        .set_ddl_artifacts_schema(s.ddl_artifacts_schema.clone())
        .set_after_connect_script(s.after_connect_script.clone())
        .set_execute_timeout(s.execute_timeout)
        .set_max_file_size(s.max_file_size)
        .set_map_boolean_as_boolean(s.map_boolean_as_boolean)
        .set_map_jsonb_as_clob(s.map_jsonb_as_clob)
        .set_map_long_varchar_as(s.map_long_varchar_as.as_deref().map(t::LongVarcharMappingType::from))
        .set_fail_tasks_on_lob_truncation(s.fail_tasks_on_lob_truncation)
}

fn text(v: Option<&str>) -> Option<String> {
    v.filter(|x| !x.is_empty()).map(str::to_string)
}

fn oracle_from_sdk(s: &t::OracleSettings) -> OracleSettings {
    OracleSettings {
        use_logminer_reader: s.use_logminer_reader(),
        use_bfile: s.use_b_file(),
        archived_logs_only: s.archived_logs_only(),
        archived_log_dest_id: s.archived_log_dest_id(),
        add_supplemental_logging: s.add_supplemental_logging(),
        read_table_space_name: s.read_table_space_name(),
        enable_homogenous_tablespace: s.enable_homogenous_tablespace(),
        asm_server: text(s.asm_server()),
        asm_user: text(s.asm_user()),
        // Write-only: whatever an answer carries is not read (research 1.4).
        asm_password: None,
        parallel_asm_read_threads: s.parallel_asm_read_threads(),
        read_ahead_blocks: s.read_ahead_blocks(),
        char_length_semantics: text(s.char_length_semantics().map(|v| v.as_str())),
        number_datatype_scale: s.number_datatype_scale(),
        trim_space_in_char: s.trim_space_in_char(),
        open_transaction_window: s.open_transaction_window(),
        direct_path_no_log: s.direct_path_no_log(),
        use_direct_path_full_load: s.use_direct_path_full_load(),
    }
}

fn postgres_from_sdk(s: &t::PostgreSqlSettings) -> PostgresSettings {
    PostgresSettings {
        heartbeat_enable: s.heartbeat_enable(),
        heartbeat_frequency: s.heartbeat_frequency(),
        heartbeat_schema: text(s.heartbeat_schema()),
        slot_name: text(s.slot_name()),
        plugin_name: text(s.plugin_name().map(|v| v.as_str())),
        capture_ddls: s.capture_ddls(),
        ddl_artifacts_schema: text(s.ddl_artifacts_schema()),
        after_connect_script: text(s.after_connect_script()),
        execute_timeout: s.execute_timeout(),
        max_file_size: s.max_file_size(),
        map_boolean_as_boolean: s.map_boolean_as_boolean(),
        map_jsonb_as_clob: s.map_jsonb_as_clob(),
        map_long_varchar_as: text(s.map_long_varchar_as().map(|v| v.as_str())),
        fail_tasks_on_lob_truncation: s.fail_tasks_on_lob_truncation(),
    }
}

/// The typed settings DescribeEndpoints reports; an object with none of dmslink's fields set
/// reads as `None`.
pub(crate) fn engine_settings_from_sdk(e: &t::Endpoint) -> EngineSettings {
    EngineSettings {
        oracle: e.oracle_settings().map(oracle_from_sdk).filter(|s| !s.is_empty()),
        postgres: e.postgre_sql_settings().map(postgres_from_sdk).filter(|s| !s.is_empty()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::aws::Secret;
    use crate::aws::engine_settings::SettingValue;

    /// Every field set, each to a value of its kind (text fields to a valid enum value).
    fn all_set<S: Default>(keys: &[&str], set: impl Fn(&mut S, &str, &SettingValue) -> bool) -> S {
        let mut s = S::default();
        for (i, key) in keys.iter().enumerate() {
            let n = i32::try_from(i).unwrap_or_default() + 2;
            let text = match *key {
                "CharLengthSemantics" => "char",
                "PluginName" => "pglogical",
                "MapLongVarcharAs" => "nclob",
                _ => "value",
            };
            let candidates = [
                SettingValue::Bool(true),
                SettingValue::Int(n),
                SettingValue::Text(text.to_string()),
                SettingValue::Secret(Secret::new("s3cr3t")),
            ];
            assert!(candidates.iter().any(|v| set(&mut s, key, v)), "{key}");
        }
        s
    }

    #[test]
    fn every_oracle_field_reaches_the_request_and_reads_back() {
        // terraform-provider-aws#49468: a typed setting that never reached the request.
        let mine: OracleSettings = all_set(OracleSettings::KEYS, OracleSettings::set_entry);
        let sent = oracle_to_sdk(&mine).build();
        assert_eq!(sent.asm_password(), Some("s3cr3t"));
        let ep = t::Endpoint::builder().oracle_settings(sent).build();
        let back = engine_settings_from_sdk(&ep).oracle.unwrap();
        assert_eq!(back, OracleSettings { asm_password: None, ..mine });
    }

    #[test]
    fn every_postgres_field_reaches_the_request_and_reads_back() {
        let mine: PostgresSettings = all_set(PostgresSettings::KEYS, PostgresSettings::set_entry);
        let ep = t::Endpoint::builder().postgre_sql_settings(postgres_to_sdk(&mine).build()).build();
        assert_eq!(engine_settings_from_sdk(&ep).postgres.unwrap(), mine);
    }

    #[test]
    fn unset_stays_unset_no_zero_defaults_are_sent() {
        // terraform-provider-aws#47884: MaxFileSize 0 and friends sent for settings nobody set.
        assert_eq!(postgres_to_sdk(&PostgresSettings::default()).build(), t::PostgreSqlSettings::builder().build());
        assert_eq!(oracle_to_sdk(&OracleSettings::default()).build(), t::OracleSettings::builder().build());
        let one = PostgresSettings { heartbeat_enable: Some(false), ..Default::default() };
        let sent = postgres_to_sdk(&one).build();
        assert_eq!(sent.heartbeat_enable(), Some(false));
        assert_eq!(sent.max_file_size(), None);
        assert_eq!(sent.execute_timeout(), None);
        assert_eq!(sent.heartbeat_frequency(), None);
    }

    #[test]
    fn an_answer_without_settings_reads_as_none() {
        let ep = t::Endpoint::builder().postgre_sql_settings(t::PostgreSqlSettings::builder().build()).build();
        assert_eq!(engine_settings_from_sdk(&ep), EngineSettings::default());
    }
}
