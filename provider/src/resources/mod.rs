//! The registry: every resource and data source this provider serves, plus the helpers they share.

pub mod arn;
pub mod aws_formats;
pub mod aws_state;
pub mod dms_service_role;
pub mod json_doc;
pub mod main;
pub mod peering;
pub mod repltask;
pub mod repltask_tables;
pub mod step_kit;
pub mod tags;
pub mod task_start;
pub mod timeouts;

use std::sync::Arc;

use crate::engine::{DataSource, Resource};
use crate::provider_config::Configured;

/// What every operation here receives: the engine's context over the configured AWS provider.
pub type Ctx = crate::engine::Ctx<Configured>;
/// A plan under construction, with the AWS provider's settings when known at plan time.
pub type PlanDraft<'a> = crate::engine::PlanDraft<'a, Configured>;

pub fn all_resources() -> Vec<Arc<dyn Resource<Configured>>> {
    vec![Arc::new(repltask::Repltask), Arc::new(main::Main), Arc::new(peering::Peering)]
}

pub fn all_data_sources() -> Vec<Arc<dyn DataSource<Configured>>> {
    vec![Arc::new(main::lookup::MainLookup), Arc::new(repltask_tables::RepltaskTables)]
}

#[cfg(test)]
mod tests {
    use crate::engine::schema::{AttrKind, Block};
    use crate::engine::{Schema, Type};

    fn is_number(t: &Type) -> bool {
        match t {
            Type::Number => true,
            Type::List(e) | Type::Set(e) | Type::Map(e) => is_number(e),
            _ => false,
        }
    }

    /// Settable number attributes without a whole-number range, as `path` strings.
    fn unbounded(block: &Block, prefix: &str, out: &mut Vec<String>) {
        for a in &block.attributes {
            let path = format!("{prefix}{}", a.name);
            match &a.kind {
                AttrKind::Plain(t) if is_number(t) && a.mode.is_settable() && a.whole_range.is_none() => out.push(path),
                AttrKind::Nested(n) => {
                    let inner = Block { attributes: n.attributes.clone(), ..Block::default() };
                    unbounded(&inner, &format!("{path}."), out);
                }
                _ => {}
            }
        }
        for b in &block.blocks {
            unbounded(&b.block, &format!("{prefix}{}.", b.name), out);
        }
    }

    /// Every number a user can set is checked as whole and in range at validate: a fraction or a
    /// huge value must never reach an `as i32` at apply (issue 10).
    #[test]
    fn every_settable_number_has_a_whole_range() {
        let mut schemas: Vec<(String, Schema)> = vec![("provider".into(), crate::provider_config::schema())];
        let about = |prefix: &str, a: crate::engine::About| (format!("{prefix}{}", a.type_name), (a.schema)());
        schemas.extend(super::all_resources().iter().map(|r| about("", r.about())));
        schemas.extend(super::all_data_sources().iter().map(|d| about("data.", d.about())));
        let mut missing = Vec::new();
        for (name, schema) in &schemas {
            unbounded(&schema.block, &format!("{name}: "), &mut missing);
        }
        assert!(missing.is_empty(), "number attributes without whole_range: {missing:?}");
    }
}
