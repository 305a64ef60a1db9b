//! Generic planning rules, applied before a resource refines its plan:
//! config values win; defaults fill optional+computed attributes the config leaves null; computed
//! attributes keep their prior value on update and become unknown on create or replacement;
//! write-only attributes are never planned; force-new attributes that change ask for replacement.

use super::diag::AttrPath;
use super::schema::{Block, Mode, Nesting};
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
}
