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
    if let Some(range) = attr.whole_range {
        check_whole_numbers(&attr.name, range, v, path, diags);
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

/// A number attribute's value, or each known number of a list or set, is whole and in range.
fn check_whole_numbers(name: &str, (min, max): (i64, i64), v: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(elems) = v.as_elements() {
        for (i, e) in elems.iter().enumerate() {
            check_whole_numbers(name, (min, max), e, &path.then_index(i), diags);
        }
        return;
    }
    let Value::Number(n) = v else { return };
    let wanted = format!("`{name}` takes a whole number from {min} to {max}");
    if !n.is_whole() {
        diags.error_at(
            path.clone(),
            "Not a whole number",
            format!("{wanted}; {} has a fractional part. Write it without decimals.", short_number(n)),
        );
    } else if n.as_i64().is_none_or(|i| i < min || i > max) {
        diags.error_at(
            path.clone(),
            "Number out of range",
            format!("{wanted}; {} is outside that range.", short_number(n)),
        );
    }
}

/// A number as the user wrote it, cut short when it is absurdly long.
fn short_number(n: &super::value::Number) -> String {
    let s = n.as_str();
    if s.len() > 40 { format!("{}… ({} digits)", &s[..30], s.len()) } else { s.to_string() }
}

/// Terraform < 1.11 ignores the write-only flag and would store the value in state, so while the
/// client has not said it allows write-only attributes, each one set in `config` is an error at
/// its path. An unknown value is left alone: `terraform validate` sees every variable as unknown
/// (so `x_wo = var.on ? v : null` must pass there), plan validates again with known values, and a
/// value still unknown cannot leak either, since no response ever carries a write-only value (a
/// CLI < 1.11 then reports the plan as inconsistent instead of storing it).
pub fn refuse_write_only(block: &Block, config: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if config.is_null() || config.is_unknown() {
        return;
    }
    for attr in &block.attributes {
        let v = config.get(&attr.name);
        let p = path.then_attr(&attr.name);
        if attr.write_only {
            if !v.is_null() && !v.is_unknown() {
                diags.error_at(p, "Write-only attribute not supported", write_only_detail(block, &attr.name));
            }
        } else if let AttrKind::Nested(n) = &attr.kind {
            let inner = Block { attributes: n.attributes.clone(), ..Block::default() };
            each_element(n.nesting, v, &p, |e, ep| refuse_write_only(&inner, e, ep, diags));
        }
    }
    for nb in &block.blocks {
        let p = path.then_attr(&nb.name);
        each_element(nb.nesting, config.get(&nb.name), &p, |e, ep| refuse_write_only(&nb.block, e, ep, diags));
    }
}

fn write_only_detail(block: &Block, name: &str) -> String {
    // Point at the stored-in-state twin (`password` for `password_wo`) when the block has one.
    let instead = name
        .strip_suffix("_wo")
        .filter(|twin| block.attribute(twin).is_some_and(|a| !a.write_only && a.mode.is_settable()))
        .map_or_else(|| "Remove it".to_string(), |twin| format!("Use `{twin}` instead"));
    format!(
        "`{name}` is write-only and needs Terraform ≥ 1.11 or OpenTofu ≥ 1.11 (this CLI does not support write-only \
         arguments, so the value would be stored in state). {instead}, or upgrade Terraform."
    )
}

/// Calls `f` with each object of a nested value (the object itself for single nesting) and its path.
fn each_element(nesting: Nesting, v: &Value, path: &AttrPath, mut f: impl FnMut(&Value, &AttrPath)) {
    match nesting {
        Nesting::Single | Nesting::Group => f(v, path),
        Nesting::List | Nesting::Set => {
            for (i, e) in v.as_elements().unwrap_or_default().iter().enumerate() {
                f(e, &path.then_index(i));
            }
        }
        Nesting::Map => {
            for (k, e) in v.as_map().into_iter().flatten() {
                f(e, &path.then_key(k));
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

    /// `dmslink_main`'s shape: a list block and a single block of databases, each with an `rds` block.
    fn wo_schema() -> Block {
        let rds = Block::new("rds")
            .attr(Attribute::optional("master_password", Type::String))
            .attr(Attribute::write_only("master_password_wo", Type::String));
        let db = Block::new("db")
            .attr(Attribute::optional("password", Type::String))
            .attr(Attribute::write_only("password_wo", Type::String))
            .block(NestedBlock::single("rds", rds));
        Block::new("t")
            .attr(Attribute::required("name", Type::String))
            .attr(Attribute::write_only("token_wo", Type::String))
            .block(NestedBlock::list("source", db.clone()))
            .block(NestedBlock::single("target", db))
    }

    fn db(password_wo: Value, master_password_wo: Value) -> Value {
        obj(vec![
            ("password", Value::Null),
            ("password_wo", password_wo),
            ("rds", obj(vec![("master_password", Value::Null), ("master_password_wo", master_password_wo)])),
        ])
    }

    fn refused(cfg: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        refuse_write_only(&wo_schema(), cfg, &AttrPath::root(), &mut d);
        d
    }

    #[test]
    fn write_only_values_in_nested_blocks_are_refused_at_their_path() {
        let cfg = obj(vec![
            ("name", Value::string("a")),
            ("token_wo", Value::Null),
            ("source", Value::List(vec![db(Value::Null, Value::Unknown), db(Value::Null, Value::string("m"))])),
            ("target", db(Value::string("s3cret"), Value::Null)),
        ]);
        let d = refused(&cfg);
        let paths: Vec<String> = d.iter().filter_map(|x| x.path.as_ref().map(|p| p.to_string())).collect();
        assert_eq!(paths, ["source[1].rds.master_password_wo", "target.password_wo"]);
        assert!(d.iter().all(|x| x.is_error() && x.summary == "Write-only attribute not supported"));
        assert_eq!(
            d.0[1].detail,
            "`password_wo` is write-only and needs Terraform ≥ 1.11 or OpenTofu ≥ 1.11 (this CLI does not support write-only \
             arguments, so the value would be stored in state). Use `password` instead, or upgrade Terraform."
        );
        assert!(d.0[0].detail.contains("Use `master_password` instead"), "{}", d.0[0].detail);
    }

    #[test]
    fn write_only_without_a_twin_says_remove_it_and_nulls_pass() {
        let cfg = obj(vec![
            ("name", Value::string("a")),
            ("token_wo", Value::string("t")),
            ("source", Value::List(vec![db(Value::Null, Value::Null)])),
            ("target", db(Value::Null, Value::Null)),
        ]);
        let d = refused(&cfg);
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].path, Some(AttrPath::attr("token_wo")));
        assert!(d.0[0].detail.contains("Remove it, or upgrade Terraform."), "{}", d.0[0].detail);

        let mut cfg = cfg;
        cfg.set("token_wo", Value::Null);
        assert!(refused(&cfg).is_empty());
        // A block whose contents are not known yet (dynamic block over an unknown list) has nothing to refuse.
        cfg.set("source", Value::Unknown);
        assert!(refused(&cfg).is_empty());
    }
}
