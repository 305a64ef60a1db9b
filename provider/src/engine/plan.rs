//! Generic planning rules, applied before a resource refines its plan:
//! config values win; defaults fill optional+computed attributes the config leaves null; computed
//! attributes keep their prior value on update and become unknown on create or replacement;
//! write-only attributes are never planned; force-new attributes that change ask for replacement.
//! After the resource refined the plan, [`unknown_after_changes`] applies the schema's
//! `unknown_when` declarations (after, because a refinement may undo a change, e.g. by keeping the
//! prior spelling of an equal JSON document).

use super::diag::AttrPath;
use super::schema::{Block, Mode, Nesting, UnknownWhen};
use super::value::Value;

pub struct GenericPlan {
    pub planned: Value,
    pub requires_replace: Vec<AttrPath>,
}

pub fn plan(block: &Block, prior: &Value, proposed: &Value, config: &Value) -> GenericPlan {
    let create = prior.is_null();
    let mut planned = proposed.clone();
    plan_block(block, prior, &mut planned, config, create);
    let mut requires_replace = Vec::new();
    if !create {
        collect_replacements(block, prior, &planned, &AttrPath::root(), &mut requires_replace);
        if !requires_replace.is_empty() {
            // Replacement creates a new object: everything computed is recomputed.
            plan_block(block, &Value::Null, &mut planned, config, true);
        }
    }
    GenericPlan { planned, requires_replace }
}

/// The generic rules of an update again, for a resource whose refinement found that the change
/// the generic rules took for a replacement is none (a force-new attribute changed to an equal
/// value): computed attributes take their prior values again where the configuration leaves them null.
pub fn plan_as_update(block: &Block, prior: &Value, planned: &mut Value, config: &Value) {
    plan_block(block, prior, planned, config, false);
}

fn plan_block(block: &Block, prior: &Value, planned: &mut Value, config: &Value, create: bool) {
    if !matches!(planned, Value::Object(_)) {
        return;
    }
    for attr in &block.attributes {
        let cfg = config.get(&attr.name);
        let next = if attr.write_only {
            Value::Null
        } else if !cfg.is_null() {
            planned.get(&attr.name).clone()
        } else if let Some(d) = &attr.default {
            d.clone()
        } else if attr.mode.is_computed() {
            if create { Value::Unknown } else { prior.get(&attr.name).clone() }
        } else {
            Value::Null
        };
        planned.set(&attr.name, next);
    }
    for nb in &block.blocks {
        let cfg = config.get(&nb.name);
        let prior_v = prior.get(&nb.name);
        let mut v = planned.get(&nb.name).clone();
        match nb.nesting {
            Nesting::Single | Nesting::Group => plan_block(&nb.block, prior_v, &mut v, cfg, create),
            Nesting::List => {
                if let Value::List(elems) = &mut v {
                    for (i, e) in elems.iter_mut().enumerate() {
                        let p = prior_v.as_elements().and_then(|x| x.get(i)).unwrap_or(&Value::Null);
                        let c = cfg.as_elements().and_then(|x| x.get(i)).unwrap_or(&Value::Null);
                        plan_block(&nb.block, p, e, c, create || p.is_null());
                    }
                }
            }
            // Sets and maps of blocks carry no computed attributes in our schemas.
            Nesting::Set | Nesting::Map => {}
        }
        planned.set(&nb.name, v);
    }
}

/// On an update, plans unknown every computed attribute (left null by the configuration) whose
/// `unknown_when` declaration is met by what changed between `prior` and `planned`. Nested single
/// and list blocks follow the same rule, list elements matched by index.
pub fn unknown_after_changes(block: &Block, prior: &Value, planned: &mut Value, config: &Value) {
    if prior.is_null() || !matches!(planned, Value::Object(_)) {
        return;
    }
    let derived = |name: &str| block.attribute(name).is_some_and(|a| a.unknown_when.is_some());
    let changed = |name: &str| prior.get(name) != planned.get(name);
    let names = block.attributes.iter().map(|a| a.name.as_str()).chain(block.blocks.iter().map(|b| b.name.as_str()));
    let any_change = names.filter(|n| !derived(n)).any(changed);
    let unknown: Vec<String> = block
        .attributes
        .iter()
        .filter(|a| a.mode.is_computed() && config.get(&a.name).is_null())
        .filter(|a| match &a.unknown_when {
            Some(UnknownWhen::Changed(inputs)) => inputs.iter().any(|n| changed(n)),
            Some(UnknownWhen::AnyChange) => any_change,
            None => false,
        })
        .map(|a| a.name.clone())
        .collect();
    for name in unknown {
        planned.set(&name, Value::Unknown);
    }
    for nb in &block.blocks {
        let (prior_v, cfg) = (prior.get(&nb.name), config.get(&nb.name));
        let mut v = planned.get(&nb.name).clone();
        match nb.nesting {
            Nesting::Single | Nesting::Group => unknown_after_changes(&nb.block, prior_v, &mut v, cfg),
            Nesting::List => {
                if let Value::List(elems) = &mut v {
                    for (i, e) in elems.iter_mut().enumerate() {
                        let p = prior_v.as_elements().and_then(|x| x.get(i)).unwrap_or(&Value::Null);
                        let c = cfg.as_elements().and_then(|x| x.get(i)).unwrap_or(&Value::Null);
                        unknown_after_changes(&nb.block, p, e, c);
                    }
                }
            }
            Nesting::Set | Nesting::Map => {}
        }
        planned.set(&nb.name, v);
    }
}

fn collect_replacements(block: &Block, prior: &Value, planned: &Value, path: &AttrPath, out: &mut Vec<AttrPath>) {
    for attr in &block.attributes {
        if attr.force_new && attr.mode != Mode::Computed {
            let (p, n) = (prior.get(&attr.name), planned.get(&attr.name));
            if p != n {
                out.push(path.then_attr(&attr.name));
            }
        }
    }
    for nb in &block.blocks {
        if matches!(nb.nesting, Nesting::Single | Nesting::Group) {
            let p = path.then_attr(&nb.name);
            collect_replacements(&nb.block, prior.get(&nb.name), planned.get(&nb.name), &p, out);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::engine::schema::{Attribute, NestedBlock};
    use crate::engine::value::Type;

    fn block() -> Block {
        Block::new("t")
            .attr(Attribute::required("id", Type::String).force_new())
            .attr(Attribute::optional("note", Type::String))
            .attr(Attribute::with_default("start", Type::Bool, Value::Bool(true)))
            .attr(Attribute::computed("arn", Type::String))
            .attr(Attribute::write_only("secret_wo", Type::String))
            .block(NestedBlock::single("timeouts", Block::new("x").attr(Attribute::optional("create", Type::String))))
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    fn cfg(id: &str, note: Value) -> Value {
        obj(&[
            ("id", Value::string(id)),
            ("note", note),
            ("start", Value::Null),
            ("arn", Value::Null),
            ("secret_wo", Value::string("s3cret")),
            ("timeouts", Value::Null),
        ])
    }

    #[test]
    fn create_plans_defaults_and_unknown_computed_and_no_write_only() {
        let c = cfg("a", Value::Null);
        let p = plan(&block(), &Value::Null, &c, &c);
        assert_eq!(p.planned.get("start"), &Value::Bool(true));
        assert_eq!(p.planned.get("arn"), &Value::Unknown);
        assert_eq!(p.planned.get("secret_wo"), &Value::Null);
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn update_keeps_computed_and_replacement_recomputes() {
        let prior = obj(&[
            ("id", Value::string("a")),
            ("note", Value::Null),
            ("start", Value::Bool(true)),
            ("arn", Value::string("arn:x")),
            ("secret_wo", Value::Null),
            ("timeouts", Value::Null),
        ]);
        let c = cfg("a", Value::string("hi"));
        let mut proposed = c.clone();
        proposed.set("arn", Value::string("arn:x"));
        let p = plan(&block(), &prior, &proposed, &c);
        assert_eq!(p.planned.get("arn"), &Value::string("arn:x"));
        assert!(p.requires_replace.is_empty());

        let c = cfg("b", Value::Null);
        let mut proposed = c.clone();
        proposed.set("arn", Value::string("arn:x"));
        let p = plan(&block(), &prior, &proposed, &c);
        assert_eq!(p.requires_replace, vec![AttrPath::attr("id")]);
        assert_eq!(p.planned.get("arn"), &Value::Unknown);
    }

    fn derived_block() -> Block {
        Block::new("t")
            .attr(Attribute::required("mappings", Type::String))
            .attr(Attribute::optional("note", Type::String))
            .attr(Attribute::computed("arn", Type::String))
            .attr(Attribute::computed("status", Type::String).unknown_when_changed(&["mappings"]))
            .attr(Attribute::computed("progress", Type::Number).unknown_on_any_change())
            .block(NestedBlock::list(
                "db",
                Block::new("d")
                    .attr(Attribute::required("port", Type::Number))
                    .attr(Attribute::computed("address", Type::String).unknown_when_changed(&["port"])),
            ))
    }

    fn derived_state(mappings: &str, note: Value, port: i64) -> Value {
        obj(&[
            ("mappings", Value::string(mappings)),
            ("note", note),
            ("arn", Value::string("arn:x")),
            ("status", Value::string("running")),
            ("progress", Value::int(40)),
            ("db", Value::List(vec![obj(&[("port", Value::int(port)), ("address", Value::string("db.local"))])])),
        ])
    }

    #[test]
    fn declared_inputs_make_computed_attributes_unknown_only_when_they_change() {
        let prior = derived_state("m1", Value::Null, 5432);
        let config = {
            let mut c = derived_state("m1", Value::Null, 5432);
            for a in ["arn", "status", "progress"] {
                c.set(a, Value::Null);
            }
            c.set("db", Value::List(vec![obj(&[("port", Value::int(3306)), ("address", Value::Null)])]));
            c
        };
        // No change: everything keeps its prior value.
        let mut planned = prior.clone();
        unknown_after_changes(&derived_block(), &prior, &mut planned, &config);
        assert_eq!(planned, prior);

        // A change of an input the status names: status and the any-change figure are unknown.
        let mut planned = derived_state("m2", Value::Null, 5432);
        unknown_after_changes(&derived_block(), &prior, &mut planned, &config);
        assert_eq!((planned.get("status"), planned.get("progress")), (&Value::Unknown, &Value::Unknown));
        assert_eq!(planned.get("arn"), &Value::string("arn:x"));

        // Another change: only the any-change figure.
        let mut planned = derived_state("m1", Value::string("hi"), 5432);
        unknown_after_changes(&derived_block(), &prior, &mut planned, &config);
        assert_eq!(planned.get("status"), &Value::string("running"));
        assert_eq!(planned.get("progress"), &Value::Unknown);

        // Derived attributes alone (a refresh moved them) are no change.
        let mut planned = prior.clone();
        planned.set("status", Value::string("stopped"));
        unknown_after_changes(&derived_block(), &prior, &mut planned, &config);
        assert_eq!(planned.get("progress"), &Value::int(40));

        // Nested list blocks follow their own declarations, element by element.
        let mut planned = derived_state("m1", Value::Null, 3306);
        unknown_after_changes(&derived_block(), &prior, &mut planned, &config);
        let db = &planned.get("db").as_elements().unwrap()[0];
        assert_eq!(db.get("address"), &Value::Unknown);
        assert_eq!(planned.get("progress"), &Value::Unknown, "the block changed");

        // A create is the generic plan's business: nothing happens here.
        let mut planned = derived_state("m2", Value::Null, 5432);
        unknown_after_changes(&derived_block(), &Value::Null, &mut planned, &config);
        assert_eq!(planned.get("status"), &Value::string("running"));
    }
}
