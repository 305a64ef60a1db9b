//! Typed engine settings of an endpoint (`OracleSettings`, `PostgreSQLSettings` of the DMS service
//! model). Every field is an `Option`: `None` is "not set", and an unset field is never sent
//! (terraform-provider-aws#47884 sent Go zero values such as `MaxFileSize: 0`, which broke
//! replication). Secret fields are [`Secret`], so `Debug` never shows them.

use super::Secret;

/// One setting's value, by its service-model name (`UseBFile`), for code that treats settings
/// generically: the fake's side check, the merge of `ModifyEndpoint`, the plan's diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingValue {
    Bool(bool),
    Int(i32),
    Text(String),
    /// Never echoed by DescribeEndpoints; never compared.
    Secret(Secret),
}

impl SettingValue {
    pub fn is_secret(&self) -> bool {
        matches!(self, SettingValue::Secret(_))
    }
}

/// Conversion between a field's type and [`SettingValue`].
pub trait SettingKind: Sized {
    fn wrap(self) -> SettingValue;
    fn unwrap_from(v: &SettingValue) -> Option<Self>;
}

impl SettingKind for bool {
    fn wrap(self) -> SettingValue {
        SettingValue::Bool(self)
    }
    fn unwrap_from(v: &SettingValue) -> Option<bool> {
        if let SettingValue::Bool(b) = v { Some(*b) } else { None }
    }
}

impl SettingKind for i32 {
    fn wrap(self) -> SettingValue {
        SettingValue::Int(self)
    }
    fn unwrap_from(v: &SettingValue) -> Option<i32> {
        if let SettingValue::Int(i) = v { Some(*i) } else { None }
    }
}

impl SettingKind for String {
    fn wrap(self) -> SettingValue {
        SettingValue::Text(self)
    }
    fn unwrap_from(v: &SettingValue) -> Option<String> {
        if let SettingValue::Text(s) = v { Some(s.clone()) } else { None }
    }
}

impl SettingKind for Secret {
    fn wrap(self) -> SettingValue {
        SettingValue::Secret(self)
    }
    fn unwrap_from(v: &SettingValue) -> Option<Secret> {
        if let SettingValue::Secret(s) = v { Some(s.clone()) } else { None }
    }
}

/// Declares a settings struct once: its fields, their service-model names, and the generic
/// accessors, so the fields, the wire names and the table of keys cannot drift apart.
macro_rules! engine_settings {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: Option<$ty>,)*
        }

        impl $name {
            /// The service-model names of every field, in declaration order.
            pub const KEYS: &'static [&'static str] = &[$($wire,)*];

            /// The fields that are set, by service-model name.
            pub fn entries(&self) -> Vec<(&'static str, SettingValue)> {
                let mut out = Vec::new();
                $(if let Some(v) = &self.$field {
                    out.push(($wire, SettingKind::wrap(v.clone())));
                })*
                out
            }

            /// Sets the field named `key` (service-model name); `false` for an unknown key or a
            /// value of the wrong kind.
            pub fn set_entry(&mut self, key: &str, value: &SettingValue) -> bool {
                match key {
                    $($wire => match <$ty as SettingKind>::unwrap_from(value) {
                        Some(v) => { self.$field = Some(v); true }
                        None => false,
                    },)*
                    _ => false,
                }
            }

            pub fn is_empty(&self) -> bool {
                self.entries().is_empty()
            }

            /// `self` with every field `other` sets taken from `other` (ModifyEndpoint without
            /// `ExactSettings`: the keys sent replace, the others stay).
            pub fn overlaid_with(&self, other: &$name) -> $name {
                let mut out = self.clone();
                for (k, v) in other.entries() {
                    out.set_entry(k, &v);
                }
                out
            }
        }
    };
}

engine_settings! {
    /// The `OracleSettings` dmslink manages (a subset of the model's 44 members).
    OracleSettings {
        use_logminer_reader: bool = "UseLogminerReader",
        use_bfile: bool = "UseBFile",
        archived_logs_only: bool = "ArchivedLogsOnly",
        archived_log_dest_id: i32 = "ArchivedLogDestId",
        add_supplemental_logging: bool = "AddSupplementalLogging",
        read_table_space_name: bool = "ReadTableSpaceName",
        enable_homogenous_tablespace: bool = "EnableHomogenousTablespace",
        asm_server: String = "AsmServer",
        asm_user: String = "AsmUser",
        /// Write-only: DescribeEndpoints never returns it.
        asm_password: Secret = "AsmPassword",
        parallel_asm_read_threads: i32 = "ParallelAsmReadThreads",
        read_ahead_blocks: i32 = "ReadAheadBlocks",
        /// `default`, `char` or `byte`.
        char_length_semantics: String = "CharLengthSemantics",
        number_datatype_scale: i32 = "NumberDatatypeScale",
        trim_space_in_char: bool = "TrimSpaceInChar",
        open_transaction_window: i32 = "OpenTransactionWindow",
        direct_path_no_log: bool = "DirectPathNoLog",
        use_direct_path_full_load: bool = "UseDirectPathFullLoad",
    }
}

engine_settings! {
    /// The `PostgreSQLSettings` dmslink manages.
    PostgresSettings {
        heartbeat_enable: bool = "HeartbeatEnable",
        heartbeat_frequency: i32 = "HeartbeatFrequency",
        heartbeat_schema: String = "HeartbeatSchema",
        slot_name: String = "SlotName",
        /// `no-preference`, `test-decoding` or `pglogical`.
        plugin_name: String = "PluginName",
        capture_ddls: bool = "CaptureDdls",
        ddl_artifacts_schema: String = "DdlArtifactsSchema",
        after_connect_script: String = "AfterConnectScript",
        execute_timeout: i32 = "ExecuteTimeout",
        max_file_size: i32 = "MaxFileSize",
        map_boolean_as_boolean: bool = "MapBooleanAsBoolean",
        map_jsonb_as_clob: bool = "MapJsonbAsClob",
        /// `wstring`, `clob` or `nclob`.
        map_long_varchar_as: String = "MapLongVarcharAs",
        fail_tasks_on_lob_truncation: bool = "FailTasksOnLobTruncation",
    }
}

/// The typed settings of one endpoint: at most one engine's object is set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EngineSettings {
    pub oracle: Option<OracleSettings>,
    pub postgres: Option<PostgresSettings>,
}

impl EngineSettings {
    pub fn is_empty(&self) -> bool {
        self.oracle.as_ref().is_none_or(OracleSettings::is_empty)
            && self.postgres.as_ref().is_none_or(PostgresSettings::is_empty)
    }

    /// The service-model name of the settings object and its set fields.
    pub fn entries(&self) -> Vec<(&'static str, &'static str, SettingValue)> {
        let mut out = Vec::new();
        if let Some(o) = &self.oracle {
            out.extend(o.entries().into_iter().map(|(k, v)| ("OracleSettings", k, v)));
        }
        if let Some(p) = &self.postgres {
            out.extend(p.entries().into_iter().map(|(k, v)| ("PostgreSQLSettings", k, v)));
        }
        out
    }

    /// `self` with what `other` sets laid over it (ModifyEndpoint's merge mode).
    pub fn overlaid_with(&self, other: &EngineSettings) -> EngineSettings {
        let overlay = |mine: &Option<OracleSettings>, theirs: &Option<OracleSettings>| match (mine, theirs) {
            (Some(m), Some(t)) => Some(m.overlaid_with(t)),
            (m, t) => t.clone().or_else(|| m.clone()),
        };
        let overlay_pg = |mine: &Option<PostgresSettings>, theirs: &Option<PostgresSettings>| match (mine, theirs) {
            (Some(m), Some(t)) => Some(m.overlaid_with(t)),
            (m, t) => t.clone().or_else(|| m.clone()),
        };
        EngineSettings {
            oracle: overlay(&self.oracle, &other.oracle),
            postgres: overlay_pg(&self.postgres, &other.postgres),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_asm_password() {
        let o = OracleSettings { asm_password: Some(Secret::new("hunter2-asm")), ..Default::default() };
        let shown = format!("{o:?} {:?}", EngineSettings { oracle: Some(o.clone()), postgres: None });
        assert!(!shown.contains("hunter2-asm"), "{shown}");
        assert!(shown.contains("***"), "{shown}");
    }

    #[test]
    fn unset_fields_have_no_entries() {
        assert!(OracleSettings::default().entries().is_empty());
        assert!(PostgresSettings::default().is_empty());
        let p = PostgresSettings { max_file_size: Some(512), ..Default::default() };
        assert_eq!(p.entries(), vec![("MaxFileSize", SettingValue::Int(512))]);
    }

    #[test]
    fn every_key_can_be_set_by_name_and_read_back() {
        let mut o = OracleSettings::default();
        for key in OracleSettings::KEYS {
            let set = [SettingValue::Bool(true), SettingValue::Int(3), SettingValue::Text("x".into())]
                .iter()
                .chain([SettingValue::Secret(Secret::new("s"))].iter())
                .any(|v| o.set_entry(key, v));
            assert!(set, "{key} takes no value kind");
        }
        assert_eq!(o.entries().len(), OracleSettings::KEYS.len());
        let mut p = PostgresSettings::default();
        assert!(!p.set_entry("MaxFileSize", &SettingValue::Bool(true)), "wrong kind is refused");
        assert!(!p.set_entry("NoSuchKey", &SettingValue::Int(1)));
        for key in PostgresSettings::KEYS {
            let set = [SettingValue::Bool(true), SettingValue::Int(3), SettingValue::Text("x".into())]
                .iter()
                .any(|v| p.set_entry(key, v));
            assert!(set, "{key} takes no value kind");
        }
        assert_eq!(p.entries().len(), PostgresSettings::KEYS.len());
    }

    #[test]
    fn overlay_replaces_only_the_keys_sent() {
        let old = EngineSettings {
            postgres: Some(PostgresSettings {
                max_file_size: Some(512),
                heartbeat_enable: Some(true),
                ..Default::default()
            }),
            oracle: None,
        };
        let sent = EngineSettings {
            postgres: Some(PostgresSettings { max_file_size: Some(1024), ..Default::default() }),
            oracle: None,
        };
        let now = old.overlaid_with(&sent);
        let pg = now.postgres.unwrap_or_default();
        assert_eq!(pg.max_file_size, Some(1024));
        assert_eq!(pg.heartbeat_enable, Some(true));
    }
}
