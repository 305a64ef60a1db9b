//! Data source `dmslink_repltask_tables`: per-table statistics of a replication task
//! (`DescribeTableStatistics`), filterable by schema and table name patterns, so `terraform
//! output` or a dashboard shows what was replicated and what failed.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::aws::dms::TableStats;
use crate::engine::diag::{AttrPath, Diagnostic, Diagnostics};
use crate::engine::model::{self, ModelError, Unknowable};
use crate::engine::{About, Attribute, Block, DataSource, Schema, Type, Value};
use crate::provider_config::Configured;
use crate::resources::Ctx;
use crate::resources::repltask::insight::time_text;

pub const EXAMPLE_HCL: &str = r#"data "dmslink_repltask_tables" "hr" {
  replication_task_arn = dmslink_repltask.dblink.replication_task_arn
  schema_pattern       = "HR"
  table_pattern        = "%"
}

output "replicated_tables" {
  value = {
    for t in data.dmslink_repltask_tables.hr.tables :
    "${t.schema_name}.${t.table_name}" => "${t.table_state}: ${t.full_load_rows} rows loaded, ${t.inserts} inserts, ${t.updates} updates, ${t.deletes} deletes since"
  }
}
"#;

pub const NOTES_DOC: &str = "Data sources are read during plan, so each `terraform plan`, `apply` or `refresh` shows current figures; the tables appear once the task has been started. Patterns match DMS-style: `%` stands for any run of characters, everything else matches exactly. Tables in `Table error` are the ones a failed start names.";

/// `dmslink_repltask_tables` as the registry, the engine and the docs know it.
pub const ABOUT: About = About::new("dmslink_repltask_tables", schema).documented(EXAMPLE_HCL, NOTES_DOC);

pub struct RepltaskTables;

fn table_type() -> Type {
    Type::object([
        ("schema_name", Type::String),
        ("table_name", Type::String),
        ("table_state", Type::String),
        ("inserts", Type::Number),
        ("updates", Type::Number),
        ("deletes", Type::Number),
        ("ddls", Type::Number),
        ("full_load_rows", Type::Number),
        ("full_load_error_rows", Type::Number),
        ("validation_state", Type::String),
        ("last_update_time", Type::String),
    ])
}

/// A name pattern: 1 to 128 characters (the longest Oracle and PostgreSQL identifiers), no control characters.
fn validate_pattern(v: &crate::engine::Value, path: &crate::engine::AttrPath, diags: &mut crate::engine::Diagnostics) {
    let Some(p) = v.as_str() else { return };
    if p.is_empty() || p.chars().count() > 128 || p.chars().any(char::is_control) {
        diags.error_at(
            path.clone(),
            "Invalid name pattern",
            "A pattern is 1 to 128 characters without control characters, e.g. \"HR\" or \"SALES%\"; leave it out to match every name.",
        );
    }
}

pub fn schema() -> Schema {
    let block = Block::new(
        "Per-table statistics of a DMS replication task (`DescribeTableStatistics`): each table's state, rows loaded \
         by the full load, inserts, updates, deletes and DDLs applied since, validation state and last update.",
    )
    .attr(Attribute::required("replication_task_arn", Type::String).describe("ARN of the replication task, e.g. `dmslink_repltask.x.replication_task_arn`.").validate(crate::resources::arn::dms_arn_attr("task", "a DMS replication task")))
    .attr(Attribute::optional("schema_pattern", Type::String).describe("Only schemas matching this pattern (`%` = any characters), e.g. `HR` or `SALES%`. Default: every schema.").validate(validate_pattern))
    .attr(Attribute::optional("table_pattern", Type::String).describe("Only tables matching this pattern (`%` = any characters). Default: every table.").validate(validate_pattern))
    .attr(Attribute::computed("tables", Type::list(table_type())).describe(
        "The matching tables, sorted by schema and table: `schema_name`, `table_name`, `table_state` (e.g. `Before load`, `Full load`, `Table completed`, `Table error`), `inserts`, `updates`, `deletes`, `ddls`, `full_load_rows`, `full_load_error_rows`, `validation_state` and `last_update_time` (RFC 3339).",
    ))
    .attr(Attribute::computed("tables_errored", Type::list(Type::String)).describe("`SCHEMA.TABLE` of every matching table in `Table error`."));
    Schema::new(0, block)
}

/// DMS-style pattern: `%` matches any run of characters, everything else itself.
pub fn matches_pattern(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('%').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// The data source's configuration and state (see `engine::model`).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Tables {
    replication_task_arn: Unknowable<String>,
    schema_pattern: Option<String>,
    table_pattern: Option<String>,
    tables: Option<Vec<TableRow>>,
    tables_errored: Option<Vec<String>>,
}

/// One element of `tables`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct TableRow {
    schema_name: String,
    table_name: String,
    table_state: String,
    inserts: i64,
    updates: i64,
    deletes: i64,
    ddls: i64,
    full_load_rows: i64,
    full_load_error_rows: i64,
    validation_state: Option<String>,
    last_update_time: Option<String>,
}

impl TableRow {
    fn from_stats(t: &TableStats) -> TableRow {
        TableRow {
            schema_name: t.schema_name.clone(),
            table_name: t.table_name.clone(),
            table_state: t.table_state.clone(),
            inserts: t.inserts,
            updates: t.updates,
            deletes: t.deletes,
            ddls: t.ddls,
            full_load_rows: t.full_load_rows,
            full_load_error_rows: t.full_load_error_rows,
            validation_state: t.validation_state.clone(),
            last_update_time: time_text(t.last_update_time),
        }
    }
}

/// The state of the data source from what DMS reports.
pub fn state(config: &Value, tables: Vec<TableStats>) -> Result<Value, ModelError> {
    let config: Tables = model::from_value(config)?;
    model::to_value(&with_tables(config, tables), &schema().value_type())
}

fn with_tables(mut s: Tables, mut tables: Vec<TableStats>) -> Tables {
    let schema_p = s.schema_pattern.as_deref().unwrap_or("%");
    let table_p = s.table_pattern.as_deref().unwrap_or("%");
    tables.retain(|t| matches_pattern(schema_p, &t.schema_name) && matches_pattern(table_p, &t.table_name));
    tables.sort_by(|a, b| (&a.schema_name, &a.table_name).cmp(&(&b.schema_name, &b.table_name)));
    s.tables_errored =
        Some(tables.iter().filter(|t| t.is_error()).map(|t| format!("{}.{}", t.schema_name, t.table_name)).collect());
    s.tables = Some(tables.iter().map(TableRow::from_stats).collect());
    s
}

#[async_trait]
impl DataSource<Configured> for RepltaskTables {
    fn about(&self) -> About {
        ABOUT
    }

    async fn read(&self, ctx: &Ctx, config: &Value) -> Result<Value, Diagnostics> {
        let config: Tables = model::from_value::<Unknowable<Tables>>(config)?.into_known().unwrap_or_default();
        let Some(arn) = config.replication_task_arn.known().cloned() else {
            return Err(Diagnostic::error(
                "Missing replication_task_arn",
                "Set replication_task_arn to the task's ARN.",
            )
            .at(AttrPath::attr("replication_task_arn"))
            .into());
        };
        // A task of another region cannot be this provider's: say so before any call.
        if let Some(parsed) = crate::arn::Arn::parse(&arn)
            && parsed.region != ctx.provider.region
        {
            return Err(Diagnostic::error(
                "Replication task in another region",
                format!(
                    "{arn} is in region {}, but the provider works in {}; use a task of {} or a provider configured for {}.",
                    parsed.region, ctx.provider.region, ctx.provider.region, parsed.region
                ),
            )
            .at(AttrPath::attr("replication_task_arn"))
            .into());
        }
        match ctx.provider.clients.dms.describe_table_statistics(&arn).await {
            Ok(tables) => {
                Ok(model::to_value(&with_tables(config, tables), &schema().value_type()).map_err(Diagnostics::from)?)
            }
            Err(e) if e.is_not_found() => Err(Diagnostic::error(
                "Replication task not found",
                format!("No DMS replication task has the ARN {arn} in region {}.", ctx.provider.region),
            )
            .at(AttrPath::attr("replication_task_arn"))
            .into()),
            Err(e) => Err(Diagnostic::error(
                "Error reading table statistics",
                e.describe("reading table statistics of DMS replication task", &arn),
            )
            .into()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_as_dms_selection_rules_do() {
        assert!(matches_pattern("%", "ANY"));
        assert!(matches_pattern("HR", "HR"));
        assert!(!matches_pattern("HR", "HRX"));
        assert!(matches_pattern("SALES%", "SALES_2024"));
        assert!(matches_pattern("%_LOG", "AUDIT_LOG"));
        assert!(matches_pattern("A%B%C", "AxxBxxC"));
        assert!(!matches_pattern("A%B%C", "AxxCxxB"));
        assert!(!matches_pattern("AB%BA", "ABA"));
    }

    #[test]
    fn state_filters_sorts_and_lists_errors() {
        let t = |s: &str, n: &str, state: &str| TableStats {
            schema_name: s.into(),
            table_name: n.into(),
            table_state: state.into(),
            full_load_rows: 10,
            last_update_time: Some(1_700_000_000),
            ..TableStats::default()
        };
        let mut cfg = Value::null_object(&schema().value_type());
        cfg.set("replication_task_arn", Value::string("arn:aws:dms:us-east-1:1:task:X"));
        cfg.set("schema_pattern", Value::string("HR"));
        let s = state(
            &cfg,
            vec![t("SALES", "A", "Table completed"), t("HR", "Z", "Table error"), t("HR", "B", "Full load")],
        )
        .unwrap();
        let names: Vec<&str> =
            s.get("tables").as_elements().unwrap().iter().map(|v| v.get("table_name").as_str().unwrap()).collect();
        assert_eq!(names, ["B", "Z"]);
        assert_eq!(s.get("tables_errored"), &Value::List(vec![Value::string("HR.Z")]));
        assert_eq!(
            s.get("tables").as_elements().unwrap()[0].get("last_update_time").as_str(),
            Some("2023-11-14T22:13:20Z")
        );
    }
}
