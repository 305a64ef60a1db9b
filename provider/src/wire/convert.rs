//! Conversions between engine types and protobuf: schemas, diagnostics, attribute paths and
//! `DynamicValue`s.

use std::collections::HashMap;

use super::cty::{self, CtyError};
use super::pb::tfplugin6 as pb;
use crate::engine::diag::{AttrPath, Diagnostic, Diagnostics, PathStep, Severity};
use crate::engine::schema::{AttrKind, Attribute, Block, Mode, NestedBlock, Nesting, Schema};
use crate::engine::value::{Type, Value};

// ---- schemas ----

pub fn schema_to_pb(s: &Schema) -> pb::Schema {
    pb::Schema { version: s.version, block: Some(block_to_pb(&s.block)) }
}

/// Schemas keyed by type name, as `GetProviderSchema` wants them.
pub fn schemas_to_pb<'a>(schemas: impl Iterator<Item = (&'a str, &'a Schema)>) -> HashMap<String, pb::Schema> {
    schemas.map(|(name, s)| (name.to_string(), schema_to_pb(s))).collect()
}

pub fn block_to_pb(b: &Block) -> pb::schema::Block {
    pb::schema::Block {
        version: 0,
        attributes: b.attributes.iter().map(attribute_to_pb).collect(),
        block_types: b.blocks.iter().map(nested_block_to_pb).collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
        deprecation_message: String::new(),
        computed: false,
    }
}

/// Compact cty type JSON, as `Schema.Attribute.type` carries it.
pub fn type_json(t: &Type) -> Vec<u8> {
    t.to_json().to_string().into_bytes()
}

pub fn attribute_to_pb(a: &Attribute) -> pb::schema::Attribute {
    let (r#type, nested_type) = match &a.kind {
        AttrKind::Plain(t) => (type_json(t), None),
        AttrKind::Nested(n) => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: n.attributes.iter().map(attribute_to_pb).collect(),
                nesting: object_nesting(n.nesting) as i32,
                ..Default::default()
            }),
        ),
    };
    pb::schema::Attribute {
        name: a.name.clone(),
        r#type,
        nested_type,
        description: a.description.clone(),
        required: a.mode == Mode::Required,
        optional: matches!(a.mode, Mode::Optional | Mode::OptionalComputed),
        computed: a.mode.is_computed(),
        sensitive: a.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: a.deprecated.is_some(),
        write_only: a.write_only,
        deprecation_message: a.deprecated.clone().unwrap_or_default(),
    }
}

fn object_nesting(n: Nesting) -> pb::schema::object::NestingMode {
    use pb::schema::object::NestingMode as M;
    match n {
        // Nested attributes have no GROUP mode; a single object is the same shape.
        Nesting::Single | Nesting::Group => M::Single,
        Nesting::List => M::List,
        Nesting::Set => M::Set,
        Nesting::Map => M::Map,
    }
}

pub fn nested_block_to_pb(b: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode as M;
    let nesting = match b.nesting {
        Nesting::Single => M::Single,
        Nesting::List => M::List,
        Nesting::Set => M::Set,
        Nesting::Map => M::Map,
        Nesting::Group => M::Group,
    };
    pb::schema::NestedBlock {
        type_name: b.name.clone(),
        block: Some(block_to_pb(&b.block)),
        nesting: nesting as i32,
        min_items: b.min_items,
        max_items: b.max_items,
    }
}

// ---- diagnostics and paths ----

pub fn path_to_pb(p: &AttrPath) -> pb::AttributePath {
    use pb::attribute_path::{Step, step::Selector};
    let steps =
        p.0.iter()
            .map(|s| Step {
                selector: Some(match s {
                    PathStep::Attr(a) => Selector::AttributeName(a.clone()),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect();
    pb::AttributePath { steps }
}

pub fn path_from_pb(p: &pb::AttributePath) -> AttrPath {
    use pb::attribute_path::step::Selector;
    AttrPath(
        p.steps
            .iter()
            .filter_map(|s| match s.selector.as_ref()? {
                Selector::AttributeName(a) => Some(PathStep::Attr(a.clone())),
                Selector::ElementKeyString(k) => Some(PathStep::Key(k.clone())),
                Selector::ElementKeyInt(i) => Some(PathStep::Index(*i)),
            })
            .collect(),
    )
}

pub fn diagnostic_to_pb(d: &Diagnostic) -> pb::Diagnostic {
    let severity = match d.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d.path.as_ref().filter(|p| !p.is_root()).map(path_to_pb),
    }
}

pub fn diagnostics_to_pb(d: &Diagnostics) -> Vec<pb::Diagnostic> {
    d.iter().map(diagnostic_to_pb).collect()
}

/// The engine's view of a protobuf diagnostic; an unset severity counts as an error.
pub fn diagnostic_from_pb(d: &pb::Diagnostic) -> Diagnostic {
    let severity = match pb::diagnostic::Severity::try_from(d.severity) {
        Ok(pb::diagnostic::Severity::Warning) => Severity::Warning,
        _ => Severity::Error,
    };
    Diagnostic {
        severity,
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        path: d.attribute.as_ref().map(path_from_pb).filter(|p| !p.is_root()),
    }
}

// ---- dynamic values ----

/// Reads a `DynamicValue` of type `ty`: msgpack when present, else JSON, else (absent or both
/// empty) null.
pub fn decode_dynamic(dv: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, CtyError> {
    match dv {
        Some(dv) if !dv.msgpack.is_empty() => cty::msgpack::decode(&dv.msgpack, ty),
        Some(dv) if !dv.json.is_empty() => cty::json::decode(&dv.json, ty),
        _ => Ok(Value::Null),
    }
}

/// Writes a value as a msgpack `DynamicValue` (Terraform's own choice, and the only encoding that
/// can carry unknowns).
pub fn encode_dynamic(v: &Value, ty: &Type) -> Result<pb::DynamicValue, CtyError> {
    Ok(pb::DynamicValue { msgpack: cty::msgpack::encode(v, ty)?, json: Vec::new() })
}

/// A request value that does not match the schema: Terraform and the provider disagree.
pub fn decode_error(what: &str, e: &CtyError) -> Diagnostic {
    e.to_diagnostic(&format!("Invalid {what} from Terraform"))
}

/// A response value the provider cannot encode against its own schema: a provider bug.
pub fn encode_error(what: &str, e: &CtyError) -> Diagnostic {
    let mut d = e.to_diagnostic(&format!("Provider produced an invalid {what}"));
    d.detail.push_str("\n\nThis is a bug in the dmslink provider; please report it.");
    d
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::engine::schema::NestedAttributes;

    fn test_schema() -> Schema {
        let mut endpoints = Attribute::nested(
            "endpoints",
            Mode::Optional,
            Nesting::List,
            vec![Attribute::required("host", Type::String), Attribute::computed("port", Type::Number)],
        );
        endpoints.description = "Endpoints.".into();
        Schema::new(
            3,
            Block::new("A **thing**.")
                .attr(Attribute::required("name", Type::String).describe("The name.").force_new())
                .attr(Attribute::optional_computed("tags", Type::map(Type::String)))
                .attr(Attribute::computed("arn", Type::String))
                .attr(Attribute::optional("password", Type::String).sensitive())
                .attr(Attribute::write_only("password_wo", Type::String))
                .attr(Attribute::optional("old", Type::Bool).deprecated("Use `new`."))
                .attr(endpoints)
                .block(
                    NestedBlock::list("rule", Block::new("r").attr(Attribute::required("id", Type::Number)))
                        .items(1, 3),
                ),
        )
    }

    #[test]
    fn schema_encodes_modes_types_and_nesting() {
        let s = schema_to_pb(&test_schema());
        assert_eq!(s.version, 3);
        let b = s.block.unwrap();
        assert_eq!(b.description_kind, pb::StringKind::Markdown as i32);
        let attr = |n: &str| b.attributes.iter().find(|a| a.name == n).unwrap().clone();

        let name = attr("name");
        assert!(name.required && !name.optional && !name.computed);
        assert_eq!(name.r#type, b"\"string\"");
        assert_eq!(name.description, "The name.");
        assert_eq!(name.description_kind, pb::StringKind::Markdown as i32);

        let tags = attr("tags");
        assert!(!tags.required && tags.optional && tags.computed);
        assert_eq!(tags.r#type, br#"["map","string"]"#);
        assert!(attr("arn").computed && !attr("arn").optional);
        assert!(attr("password").sensitive);
        let wo = attr("password_wo");
        assert!(wo.write_only && wo.sensitive && wo.optional);
        let old = attr("old");
        assert!(old.deprecated);
        assert_eq!(old.deprecation_message, "Use `new`.");

        let ep = attr("endpoints");
        assert!(ep.r#type.is_empty(), "exactly one of type / nested_type");
        let obj = ep.nested_type.unwrap();
        assert_eq!(obj.nesting, pb::schema::object::NestingMode::List as i32);
        assert_eq!(obj.attributes.len(), 2);
        assert_eq!(obj.attributes[1].r#type, b"\"number\"");

        let rule = &b.block_types[0];
        assert_eq!(rule.type_name, "rule");
        assert_eq!(rule.nesting, pb::schema::nested_block::NestingMode::List as i32);
        assert_eq!((rule.min_items, rule.max_items), (1, 3));
        assert_eq!(rule.block.as_ref().unwrap().attributes[0].name, "id");
    }

    #[test]
    fn every_attribute_type_is_valid_cty_type_json() {
        fn walk(attrs: &[Attribute]) {
            for a in attrs {
                match &a.kind {
                    AttrKind::Plain(t) => {
                        let j: serde_json::Value = serde_json::from_slice(&type_json(t)).unwrap();
                        assert_eq!(Type::from_json(&j).unwrap(), *t);
                    }
                    AttrKind::Nested(NestedAttributes { attributes, .. }) => walk(attributes),
                }
            }
        }
        walk(&test_schema().block.attributes);
    }

    #[test]
    fn diagnostics_round_trip_with_paths() {
        let d = Diagnostic::error("Bad", "very bad").at(AttrPath::attr("rule").then_index(2).then_attr("id"));
        let pbd = diagnostic_to_pb(&d);
        assert_eq!(pbd.severity, 1);
        assert_eq!(pbd.attribute.as_ref().unwrap().steps.len(), 3);
        assert_eq!(diagnostic_from_pb(&pbd), d);

        let w = Diagnostic::warning("Careful", "x").at(AttrPath::attr("tags").then_key("env"));
        let pbw = diagnostic_to_pb(&w);
        assert_eq!(pbw.severity, 2);
        assert_eq!(diagnostic_from_pb(&pbw), w);

        let root = diagnostic_to_pb(&Diagnostic::error("x", "y"));
        assert!(root.attribute.is_none());
    }

    #[test]
    fn dynamic_values_prefer_msgpack_then_json_and_default_to_null() {
        let ty = Type::object([("a", Type::String)]);
        let v = Value::Object([("a".to_string(), Value::string("x"))].into());
        let enc = encode_dynamic(&v, &ty).unwrap();
        assert!(enc.json.is_empty());
        assert_eq!(decode_dynamic(Some(&enc), &ty).unwrap(), v);
        let as_json = pb::DynamicValue { msgpack: vec![], json: br#"{"a":"x"}"#.to_vec() };
        assert_eq!(decode_dynamic(Some(&as_json), &ty).unwrap(), v);
        assert_eq!(decode_dynamic(None, &ty).unwrap(), Value::Null);
        assert_eq!(decode_dynamic(Some(&pb::DynamicValue::default()), &ty).unwrap(), Value::Null);
        assert!(decode_dynamic(Some(&pb::DynamicValue { msgpack: vec![0xc1, 0xc1], json: vec![] }), &ty).is_err());
    }
}
