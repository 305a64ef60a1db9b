//! `oracle_settings {}` and `postgres_settings {}` of a `source`/`target` block: the attributes,
//! which of them the configuration sets, and their values read from a block into the typed
//! settings. Only the settings the configuration sets are sent (terraform-provider-aws#47884); the
//! others record what AWS reports and never make a diff. Which attributes the configuration sets is
//! recorded in `engine_settings_set`, so that removing one is seen at the next plan and clears it
//! (ModifyEndpoint with `ExactSettings`).

use crate::aws::engine_settings::{EngineSettings, OracleSettings, PostgresSettings, SettingValue};
use crate::aws::{Secret, engine_settings_rules::side_rules};
use crate::engine::diag::{AttrPath, Diagnostics};
use crate::engine::schema::NestedBlock;
use crate::engine::{Attribute, Block, Type, Value};

pub const ORACLE: &str = "oracle_settings";
pub const POSTGRES: &str = "postgres_settings";
pub const SET_ATTR: &str = "engine_settings_set";
pub const ASM_PASSWORD: &str = "asm_password";
pub const ASM_PASSWORD_WO: &str = "asm_password_wo";
pub const ASM_PASSWORD_WO_VERSION: &str = "asm_password_wo_version";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Bool,
    /// Whole numbers from..to (both included).
    Int(i64, i64),
    Enum(&'static [&'static str]),
    Text,
}

/// One typed setting: its attribute, its service-model key and how it is checked.
#[derive(Debug)]
pub struct Field {
    pub attr: &'static str,
    pub key: &'static str,
    pub kind: Kind,
    pub doc: &'static str,
}

const fn f(attr: &'static str, key: &'static str, kind: Kind, doc: &'static str) -> Field {
    Field { attr, key, kind, doc }
}

const MAX: i64 = i32::MAX as i64;

pub const ORACLE_FIELDS: &[Field] = &[
    f(
        "use_logminer_reader",
        "UseLogminerReader",
        Kind::Bool,
        "Read changes with LogMiner (`true`, AWS's default) or Binary Reader (`false`, with `use_bfile = true`).",
    ),
    f("use_bfile", "UseBFile", Kind::Bool, "Read changes with Binary Reader; needs `use_logminer_reader = false`."),
    f("archived_logs_only", "ArchivedLogsOnly", Kind::Bool, "Read changes from archived redo logs only."),
    f(
        "archived_log_dest_id",
        "ArchivedLogDestId",
        Kind::Int(0, MAX),
        "The destination of the archived redo logs (`DEST_ID` of `V$ARCHIVED_LOG`).",
    ),
    f(
        "add_supplemental_logging",
        "AddSupplementalLogging",
        Kind::Bool,
        "Set up table-level supplemental logging (database-level supplemental logging must still be enabled).",
    ),
    f("read_table_space_name", "ReadTableSpaceName", Kind::Bool, "Replicate tablespace names."),
    f(
        "enable_homogenous_tablespace",
        "EnableHomogenousTablespace",
        Kind::Bool,
        "Replicate tablespaces as they are (Oracle to Oracle).",
    ),
    f("asm_server", "AsmServer", Kind::Text, "ASM server address (`host:port/+ASM`), with Binary Reader."),
    f("asm_user", "AsmUser", Kind::Text, "ASM user, with Binary Reader."),
    f(
        "parallel_asm_read_threads",
        "ParallelAsmReadThreads",
        Kind::Int(2, 8),
        "Threads Binary Reader reads ASM with (2 to 8).",
    ),
    f(
        "read_ahead_blocks",
        "ReadAheadBlocks",
        Kind::Int(1000, 200_000),
        "Read-ahead blocks of Binary Reader with ASM (1000 to 200000).",
    ),
    f(
        "char_length_semantics",
        "CharLengthSemantics",
        Kind::Enum(&["default", "char", "byte"]),
        "Character column length semantics: `default`, `char` or `byte`.",
    ),
    f("number_datatype_scale", "NumberDatatypeScale", Kind::Int(-2, 38), "Scale of `NUMBER` columns (-2 to 38)."),
    f("trim_space_in_char", "TrimSpaceInChar", Kind::Bool, "Trim trailing spaces of `CHAR`/`NCHAR` values."),
    f(
        "open_transaction_window",
        "OpenTransactionWindow",
        Kind::Int(0, 240),
        "Minutes to look back for open transactions of a CDC-only task (0 to 240).",
    ),
    f(
        "direct_path_no_log",
        "DirectPathNoLog",
        Kind::Bool,
        "Write to the target without redo logging (with `use_direct_path_full_load`).",
    ),
    f("use_direct_path_full_load", "UseDirectPathFullLoad", Kind::Bool, "Full load with the direct path protocol."),
];

pub const POSTGRES_FIELDS: &[Field] = &[
    f(
        "heartbeat_enable",
        "HeartbeatEnable",
        Kind::Bool,
        "Write heartbeats so the replication slot's restart position moves on an idle source.",
    ),
    f("heartbeat_frequency", "HeartbeatFrequency", Kind::Int(1, MAX), "Minutes between heartbeats."),
    f("heartbeat_schema", "HeartbeatSchema", Kind::Text, "Schema of the heartbeat artifacts."),
    f(
        "slot_name",
        "SlotName",
        Kind::Text,
        "An existing logical replication slot to read changes from (the task then needs a CDC start position).",
    ),
    f(
        "plugin_name",
        "PluginName",
        Kind::Enum(&["no-preference", "test-decoding", "pglogical"]),
        "Logical decoding plugin: `no-preference`, `test-decoding` or `pglogical`.",
    ),
    f(
        "capture_ddls",
        "CaptureDdls",
        Kind::Bool,
        "Capture DDL events (DMS creates artifacts in the source database for it).",
    ),
    f("ddl_artifacts_schema", "DdlArtifactsSchema", Kind::Text, "Schema of the DDL capture artifacts."),
    f(
        "after_connect_script",
        "AfterConnectScript",
        Kind::Text,
        "SQL DMS runs after connecting, e.g. `SET session_replication_role='replica'`.",
    ),
    f("execute_timeout", "ExecuteTimeout", Kind::Int(1, MAX), "Statement timeout in seconds."),
    f("max_file_size", "MaxFileSize", Kind::Int(1, 1_048_576), "Largest `.csv` file used to load the target, in KB."),
    f(
        "map_boolean_as_boolean",
        "MapBooleanAsBoolean",
        Kind::Bool,
        "Migrate `BOOLEAN` as boolean, not `varchar(5)` (set it on the source and the target).",
    ),
    f("map_jsonb_as_clob", "MapJsonbAsClob", Kind::Bool, "Migrate `JSONB` as `NCLOB`."),
    f(
        "map_long_varchar_as",
        "MapLongVarcharAs",
        Kind::Enum(&["wstring", "clob", "nclob"]),
        "How to migrate long `VARCHAR`: `wstring`, `clob` or `nclob`.",
    ),
    f(
        "fail_tasks_on_lob_truncation",
        "FailTasksOnLobTruncation",
        Kind::Bool,
        "Fail the task when a LOB is longer than `LobMaxSize`.",
    ),
];

/// The block name, its service-model object and its fields.
pub const BLOCKS: [(&str, &str, &[Field]); 2] =
    [(ORACLE, "OracleSettings", ORACLE_FIELDS), (POSTGRES, "PostgreSQLSettings", POSTGRES_FIELDS)];

/// `Cannot specify ... for endpoint of type target`: the doc sentence of a one-sided setting.
fn side_note(object: &str, key: &str) -> &'static str {
    match side_rules().only_side(object, key) {
        Some("source") => " Source endpoints only.",
        Some("target") => " Target endpoints only.",
        _ => "",
    }
}

fn attribute(object: &str, field: &Field) -> Attribute {
    let ty = match field.kind {
        Kind::Bool => Type::Bool,
        Kind::Int(..) => Type::Number,
        Kind::Enum(_) | Kind::Text => Type::String,
    };
    let doc = format!(
        "`{}`: {}{} Sent only when set; unset, it records what AWS reports.",
        field.key,
        field.doc,
        side_note(object, field.key)
    );
    let a = Attribute::optional_computed(field.attr, ty).describe(&doc);
    match field.kind {
        Kind::Int(lo, hi) => a.whole_range(lo, hi),
        Kind::Enum(values) => {
            let attr = field.attr;
            a.validate(move |v: &Value, path: &AttrPath, diags: &mut Diagnostics| {
                if let Some(s) = v.as_str()
                    && !values.contains(&s)
                {
                    diags.error_at(
                        path.clone(),
                        format!("Invalid {attr}"),
                        format!("{s:?} is not one of {}.", values.join(", ")),
                    );
                }
            })
        }
        Kind::Bool | Kind::Text => a,
    }
}

/// The two blocks of a `source`/`target` block.
pub fn blocks() -> [NestedBlock; 2] {
    BLOCKS.map(|(name, object, fields)| {
        let what = if name == ORACLE {
            "Typed `OracleSettings` of the endpoint (`engine_name = \"oracle\"` only). A setting that only one side takes is refused on the other at plan, as DMS refuses it."
        } else {
            "Typed `PostgreSQLSettings` of the endpoint (`engine_name` `postgres` or `aurora-postgresql` only). A setting that only one side takes is refused on the other at plan, as DMS refuses it."
        };
        let mut b = Block::new(what);
        for field in fields {
            b = b.attr(attribute(object, field));
        }
        if name == ORACLE {
            b = b
                .attr(Attribute::optional(ASM_PASSWORD, Type::String).sensitive().describe("`AsmPassword` of `asm_user`, with Binary Reader. Kept in state (sensitive); prefer `asm_password_wo` on Terraform ≥ 1.11 or OpenTofu ≥ 1.11. AWS never reports it."))
                .attr(Attribute::write_only(ASM_PASSWORD_WO, Type::String).describe("Write-only `AsmPassword`: never stored in state. Requires Terraform ≥ 1.11 or OpenTofu ≥ 1.11. Change `asm_password_wo_version` to send a new one."))
                .attr(Attribute::optional(ASM_PASSWORD_WO_VERSION, Type::Number).describe("Bump to apply a new `asm_password_wo`.").whole_range(0, MAX));
        }
        NestedBlock::single(name, b)
    })
}

pub fn set_attribute() -> Attribute {
    Attribute::computed(SET_ATTR, Type::list(Type::String)).describe("The `oracle_settings`/`postgres_settings` attributes the configuration sets (`postgres_settings.slot_name`), as of the last apply. dmslink sends only these; the others record what AWS reports and make no diff. Removing one from the configuration resets it on the endpoint: ModifyEndpoint with `ExactSettings`, which sends the remaining settings and the credentials (the password, or the secret) again.")
}

/// The settings a `source`/`target` block configures, with what changes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Configured {
    /// Only the configured attributes (`oracle_settings.use_bfile`), with the ASM password if given.
    pub settings: EngineSettings,
    /// `engine_settings_set` of the block.
    pub keys: Vec<String>,
    /// Every setting the block records, configured or AWS's (secrets aside): what a configured
    /// value is compared with.
    pub recorded: EngineSettings,
    pub asm_password_version: Option<i64>,
}

/// The attributes `config` (a `source`/`target` block of the configuration) sets, sorted.
pub fn configured_keys(config: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (name, _, fields) in BLOCKS {
        let b = config.get(name);
        if b.is_null() || b.is_unknown() {
            continue;
        }
        out.extend(fields.iter().filter(|f| !b.get(f.attr).is_null()).map(|f| format!("{name}.{}", f.attr)));
    }
    out.sort();
    out
}

fn setting_value(kind: Kind, v: &Value) -> Option<SettingValue> {
    match kind {
        Kind::Bool => v.as_bool().map(SettingValue::Bool),
        Kind::Int(..) => v.as_i64().and_then(|n| i32::try_from(n).ok()).map(SettingValue::Int),
        Kind::Enum(_) | Kind::Text => v.as_str().map(|s| SettingValue::Text(s.to_string())),
    }
}

fn to_value(v: &SettingValue) -> Value {
    match v {
        SettingValue::Bool(b) => Value::Bool(*b),
        SettingValue::Int(n) => Value::int(i64::from(*n)),
        SettingValue::Text(s) => Value::string(s.clone()),
        SettingValue::Secret(_) => Value::Null,
    }
}

/// Reads `block` (planned, or prior) with `config` (the configuration, which alone carries
/// write-only values; may be null): the configured settings as `engine_settings_set` lists them.
pub fn read(block: &Value, config: &Value) -> Configured {
    // Unknown at plan (a settings block itself unknown): the configuration, known at apply, says.
    let keys: Vec<String> = if block.get(SET_ATTR).is_unknown() {
        configured_keys(config)
    } else {
        block
            .get(SET_ATTR)
            .as_elements()
            .unwrap_or_default()
            .iter()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect()
    };
    let (mut oracle, postgres) = settings_of(block, |attr| keys.iter().any(|k| k == attr));
    let (all_oracle, all_postgres) = settings_of(block, |_| true);
    let ob = block.get(ORACLE);
    oracle.asm_password = ob
        .get(ASM_PASSWORD)
        .as_str()
        .or_else(|| config.get(ORACLE).get(ASM_PASSWORD).as_str())
        .or_else(|| config.get(ORACLE).get(ASM_PASSWORD_WO).as_str())
        .map(Secret::new);
    Configured {
        settings: EngineSettings {
            oracle: Some(oracle).filter(|o| !o.is_empty()),
            postgres: Some(postgres).filter(|p| !p.is_empty()),
        },
        keys,
        recorded: EngineSettings {
            oracle: Some(all_oracle).filter(|o| !o.is_empty()),
            postgres: Some(all_postgres).filter(|p| !p.is_empty()),
        },
        asm_password_version: ob.get(ASM_PASSWORD_WO_VERSION).as_i64(),
    }
}

/// The typed settings of `block`'s settings blocks whose `<block>.<attr>` `wanted` accepts.
fn settings_of(block: &Value, wanted: impl Fn(&str) -> bool) -> (OracleSettings, PostgresSettings) {
    let mut oracle = OracleSettings::default();
    let mut postgres = PostgresSettings::default();
    for (name, _, fields) in BLOCKS {
        for field in fields.iter().filter(|f| wanted(&format!("{name}.{}", f.attr))) {
            if let Some(v) = setting_value(field.kind, block.get(name).get(field.attr)) {
                if name == ORACLE {
                    oracle.set_entry(field.key, &v);
                } else {
                    postgres.set_entry(field.key, &v);
                }
            }
        }
    }
    (oracle, postgres)
}

/// The settings blocks an endpoint's reported settings fill (at import).
pub fn reported_blocks(settings: &EngineSettings) -> Vec<&'static str> {
    let mut out = Vec::new();
    if settings.oracle.is_some() {
        out.push(ORACLE);
    }
    if settings.postgres.is_some() {
        out.push(POSTGRES);
    }
    out
}

/// At plan, for one `source`/`target` block: records which attributes the configuration sets, and
/// plans unknown (AWS's default once reset) each one it no longer sets.
pub fn plan_block(prior: &Value, config: &Value, planned: &mut Value) {
    if planned.is_null() || planned.is_unknown() {
        return;
    }
    // A settings block itself unknown: which attributes it sets is known at apply.
    if BLOCKS.iter().any(|(name, ..)| config.get(name).is_unknown()) {
        planned.set(SET_ATTR, Value::Unknown);
        return;
    }
    let keys = configured_keys(config);
    let before: Vec<String> = prior
        .get(SET_ATTR)
        .as_elements()
        .unwrap_or_default()
        .iter()
        .filter_map(|k| k.as_str().map(str::to_string))
        .collect();
    for removed in before.iter().filter(|k| !keys.contains(k)) {
        if let Some((name, attr)) = removed.split_once('.') {
            let mut b = planned.get(name).clone();
            if !b.is_null() && !b.is_unknown() {
                b.set(attr, Value::Unknown);
                planned.set(name, b);
            }
        }
    }
    planned.set(SET_ATTR, keys_value(&keys));
}

/// `engine_settings_set` of `keys`: null when none is set, as a stack imported or created before
/// these blocks records it.
pub fn keys_value(keys: &[String]) -> Value {
    if keys.is_empty() { Value::Null } else { Value::List(keys.iter().cloned().map(Value::string).collect()) }
}

/// At plan: [`plan_block`] for each `source` (its prior block found by name) and the target.
pub fn plan(prior: &Value, config: &Value, planned: &mut Value) {
    let prior_sources = prior.get("source").as_elements().unwrap_or_default();
    let configs = config.get("source").as_elements().unwrap_or_default();
    if let Some(blocks) = planned.get("source").as_elements() {
        let mut blocks = blocks.to_vec();
        for (cfg, block) in configs.iter().zip(blocks.iter_mut()) {
            let name = cfg.get("name");
            let before =
                prior_sources.iter().find(|p| !name.is_null() && p.get("name") == name).unwrap_or(&Value::Null);
            plan_block(before, cfg, block);
        }
        planned.set("source", Value::List(blocks));
    }
    let mut target = planned.get("target").clone();
    plan_block(prior.get("target"), config.get("target"), &mut target);
    if !target.is_null() {
        planned.set("target", target);
    }
}

/// On refresh: each attribute of a settings block in state takes the value AWS reports (so a
/// configured one changed out of band shows as drift; the others simply record AWS's value). A
/// value AWS does not report is left as it is; secrets are never read.
pub fn read_back(block: &mut Value, settings: &EngineSettings) {
    let reported: Vec<(&str, &str, SettingValue)> = settings.entries();
    for (name, object, fields) in BLOCKS {
        let mut b = block.get(name).clone();
        if b.is_null() || b.is_unknown() {
            continue;
        }
        for field in fields {
            if let Some((_, _, v)) = reported.iter().find(|(o, k, _)| *o == object && *k == field.key) {
                b.set(field.attr, to_value(v));
            }
        }
        block.set(name, b);
    }
}

/// What `ModifyEndpoint` must send for the settings, from `before` (prior) to `now` (planned):
/// `None` when nothing changed; `exact` when a configured setting was removed (then every
/// configured setting is sent, and the caller sends the credentials again).
pub fn change(now: &Configured, before: &Configured) -> Option<(EngineSettings, bool)> {
    let exact = before.keys.iter().any(|k| !now.keys.contains(k));
    let plain = |s: &EngineSettings| -> Vec<(&'static str, &'static str, SettingValue)> {
        s.entries().into_iter().filter(|(_, _, v)| !v.is_secret()).collect()
    };
    let asm_changed = if now.asm_password_version.is_some() || before.asm_password_version.is_some() {
        now.asm_password_version != before.asm_password_version
    } else {
        now.settings.oracle.as_ref().and_then(|o| o.asm_password.clone())
            != before.settings.oracle.as_ref().and_then(|o| o.asm_password.clone())
    };
    if exact {
        // Each object that had configured settings is sent, empty if none remain, so that
        // ExactSettings clears it.
        let mut all = now.settings.clone();
        for k in &before.keys {
            if k.starts_with(ORACLE) {
                all.oracle.get_or_insert_with(Default::default);
            } else if k.starts_with(POSTGRES) {
                all.postgres.get_or_insert_with(Default::default);
            }
        }
        return Some((all, true));
    }
    // Compared with what the block records (AWS's value after a refresh or an import).
    let old = plain(&before.recorded);
    let changed: Vec<_> = plain(&now.settings).into_iter().filter(|e| !old.contains(e)).collect();
    if changed.is_empty() && !asm_changed {
        return None;
    }
    let mut out = EngineSettings::default();
    for (object, key, v) in changed {
        if object == "OracleSettings" {
            out.oracle.get_or_insert_with(Default::default).set_entry(key, &v);
        } else {
            out.postgres.get_or_insert_with(Default::default).set_entry(key, &v);
        }
    }
    if asm_changed && let Some(p) = now.settings.oracle.as_ref().and_then(|o| o.asm_password.clone()) {
        out.oracle.get_or_insert_with(Default::default).asm_password = Some(p);
    }
    Some((out, false))
}

/// The endpoint shows every setting `sent` (after a lost answer); a secret cannot be read back, so
/// a modify that sent one is never taken as done.
pub fn shown(sent: &EngineSettings, now: &EngineSettings) -> bool {
    let reported = now.entries();
    sent.entries().iter().all(|e| !e.2.is_secret() && reported.contains(e))
}
