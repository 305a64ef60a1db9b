//! Plan-time checks of `oracle_settings {}` / `postgres_settings {}`: the block fits the engine,
//! each setting fits the side (the rulebook's table, which DMS enforces: S13,
//! terraform-provider-aws#46676), Binary Reader is asked for as DMS needs it, and the ASM settings
//! come only with Binary Reader. Unknown values wait until they are known.

use crate::aws::engine_settings_rules::side_rules;
use crate::engine::Value;
use crate::engine::diag::{AttrPath, Diagnostics};

use super::engine_settings::{ASM_PASSWORD, ASM_PASSWORD_WO, BLOCKS, ORACLE};
use super::schema::Side;

/// Settings of Binary Reader's ASM access (the model's "with Binary Reader" settings).
const ASM_ATTRS: [&str; 6] =
    ["asm_server", "asm_user", ASM_PASSWORD, ASM_PASSWORD_WO, "parallel_asm_read_threads", "read_ahead_blocks"];

pub fn validate(db: &Value, path: &AttrPath, side: Side, diags: &mut Diagnostics) {
    let engine = match db.get("engine_name") {
        Value::Null => Some(side.default_engine()),
        v => v.as_str(),
    };
    let side_name = match side {
        Side::Source => "source",
        Side::Target => "target",
    };
    for (name, object, fields) in BLOCKS {
        let block = db.get(name);
        if block.is_null() || block.is_unknown() {
            continue;
        }
        let bpath = path.then_attr(name);
        let fits = |e: &str| if name == ORACLE { e == "oracle" } else { matches!(e, "postgres" | "aurora-postgresql") };
        if let Some(e) = engine
            && !fits(e)
        {
            let wants = if name == ORACLE {
                "engine_name = \"oracle\""
            } else {
                "engine_name \"postgres\" or \"aurora-postgresql\""
            };
            diags.error_at(
                bpath.clone(),
                format!("{name} does not fit the engine"),
                format!("{name} applies to {wants} only, and this block's engine_name is {e:?}. Remove the block, or use the settings block of the engine."),
            );
            continue;
        }
        for field in fields.iter().filter(|f| is_set(block.get(f.attr))) {
            if let Some(only) = side_rules().only_side(object, field.key)
                && only != side_name
            {
                diags.error_at(
                    bpath.then_attr(field.attr),
                    "Setting not taken by this side",
                    format!(
                        "{} ({}) applies to a {only} endpoint only: DMS refuses it on a {side_name} endpoint \
                         (\"Cannot specify endpoint setting '{}' for endpoint of type {side_name}\"). Remove it from this \
                         {side_name} block.",
                        field.attr, field.key, field.key
                    ),
                );
            }
        }
    }
    check_binary_reader(db.get(ORACLE), &path.then_attr(ORACLE), diags);
}

/// Known and not null: an unknown value may still turn out null, so it is checked once known.
fn is_set(v: &Value) -> bool {
    !v.is_null() && !v.is_unknown()
}

fn check_binary_reader(block: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if block.is_null() || block.is_unknown() {
        return;
    }
    if is_set(block.get(ASM_PASSWORD)) && is_set(block.get(ASM_PASSWORD_WO)) {
        diags.error_at(
            path.then_attr(ASM_PASSWORD_WO),
            "Conflicting ASM passwords",
            "Set asm_password or asm_password_wo, not both.",
        );
    }
    let logminer = block.get("use_logminer_reader");
    let bfile = block.get("use_bfile");
    if logminer.is_unknown() || bfile.is_unknown() {
        return;
    }
    if bfile.as_bool() == Some(true) && logminer.as_bool() != Some(false) {
        diags.error_at(
            path.then_attr("use_logminer_reader"),
            "Binary Reader needs use_logminer_reader = false",
            "use_bfile = true asks for Binary Reader, which DMS uses only with use_logminer_reader = false \
             (LogMiner is its default). Set use_logminer_reader = false, or remove use_bfile.",
        );
    }
    let binary_reader = bfile.as_bool() == Some(true) && logminer.as_bool() == Some(false);
    if binary_reader {
        return;
    }
    for attr in ASM_ATTRS.iter().filter(|a| is_set(block.get(a))) {
        diags.error_at(
            path.then_attr(attr),
            "ASM settings need Binary Reader",
            format!(
                "{attr} applies to Binary Reader only (DMS reads ASM with Binary Reader, not LogMiner). Set \
                 use_logminer_reader = false and use_bfile = true, or remove {attr}."
            ),
        );
    }
}
