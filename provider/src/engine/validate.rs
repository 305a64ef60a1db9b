//! Schema-driven validation of a configuration value: runs every attribute's validators on known
//! values and checks block counts, naming the attribute path in each diagnostic.

use super::diag::{AttrPath, Diagnostics};
use super::schema::{AttrKind, Attribute, Block, Nesting};
use super::value::Value;

pub fn validate_block(block: &Block, value: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if value.is_null() || value.is_unknown() {
        return;
    }
    for attr in &block.attributes {
        validate_attribute(attr, value.get(&attr.name), &path.then_attr(&attr.name), diags);
    }
    for nb in &block.blocks {
        let v = value.get(&nb.name);
        let p = path.then_attr(&nb.name);
        match nb.nesting {
            Nesting::Single | Nesting::Group => validate_block(&nb.block, v, &p, diags),
            Nesting::List | Nesting::Set => {
                if let Some(elems) = v.as_elements() {
                    check_count(nb.min_items, nb.max_items, elems.len(), &nb.name, &p, diags);
                    for (i, e) in elems.iter().enumerate() {
                        validate_block(&nb.block, e, &p.then_index(i), diags);
                    }
                }
            }
            Nesting::Map => {
                if let Some(m) = v.as_map() {
                    for (k, e) in m {
                        validate_block(&nb.block, e, &p.then_key(k), diags);
                    }
                }
            }
        }
    }
}

fn check_count(min: i64, max: i64, n: usize, name: &str, path: &AttrPath, diags: &mut Diagnostics) {
    let n = n as i64;
    if min > 0 && n < min {
        diags.error_at(path.clone(), "Too few blocks", format!("At least {min} \"{name}\" blocks are required."));
    }
    if max > 0 && n > max {
        diags.error_at(path.clone(), "Too many blocks", format!("At most {max} \"{name}\" blocks are allowed."));
    }
}

fn validate_attribute(attr: &Attribute, v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if v.is_unknown() {
        return;
    }
    if v.is_null() {
        if attr.mode == super::schema::Mode::Required {
            diags.error_at(
                path.clone(),
                "Missing required argument",
                format!("The argument \"{}\" is required, but no definition was found.", attr.name),
            );
        }
        return;
    }
    if v.is_wholly_known() {
        for validator in &attr.validators {
            validator(v, path, diags);
        }
    }
    if let AttrKind::Nested(n) = &attr.kind {
        let inner = Block { attributes: n.attributes.clone(), ..Block::default() };
        match n.nesting {
            Nesting::Single | Nesting::Group => validate_block(&inner, v, path, diags),
            Nesting::List | Nesting::Set => {
                for (i, e) in v.as_elements().unwrap_or_default().iter().enumerate() {
                    validate_block(&inner, e, &path.then_index(i), diags);
                }
            }
            Nesting::Map => {
                for (k, e) in v.as_map().into_iter().flatten() {
                    validate_block(&inner, e, &path.then_key(k), diags);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::schema::NestedBlock;
    use crate::engine::value::Type;

    fn schema() -> Block {
        Block::new("t")
            .attr(Attribute::required("name", Type::String).validate(|v, p, d| {
                if v.as_str().is_some_and(|s| s.contains(' ')) {
                    d.error_at(p.clone(), "Invalid name", "no spaces");
                }
            }))
            .block(NestedBlock::list("rule", Block::new("r").attr(Attribute::required("id", Type::String))).items(1, 2))
    }

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    #[test]
    fn validators_report_paths_and_block_counts() {
        let cfg =
            obj(vec![("name", Value::string("a b")), ("rule", Value::List(vec![obj(vec![("id", Value::Null)])]))]);
        let mut d = Diagnostics::new();
        validate_block(&schema(), &cfg, &AttrPath::root(), &mut d);
        let paths: Vec<String> = d.iter().filter_map(|x| x.path.as_ref().map(|p| p.to_string())).collect();
        assert_eq!(paths, vec!["name".to_string(), "rule[0].id".to_string()]);

        let cfg = obj(vec![("name", Value::Unknown), ("rule", Value::List(vec![]))]);
        let mut d = Diagnostics::new();
        validate_block(&schema(), &cfg, &AttrPath::root(), &mut d);
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].summary, "Too few blocks");
    }
}
