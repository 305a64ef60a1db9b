//! Input generators shared by the fuzz targets: cty types and values of those types (nulls and
//! unknowns at every depth), numbers and strings chosen to hit edges (huge, negative, fractional,
//! unicode, empty), JSON documents, and configuration values shaped by a real schema.

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::engine::schema::{AttrKind, Attribute, Block, Nesting};
use crate::engine::value::{Number, Type, Value};

fn attr_name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,7}"
}

/// Any cty type, up to four levels deep.
pub fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![Just(Type::Bool), Just(Type::Number), Just(Type::String), Just(Type::Dynamic)];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::btree_map(attr_name(), inner.clone(), 0..4).prop_map(Type::Object),
            prop::collection::vec(inner, 0..3).prop_map(Type::Tuple),
        ]
    })
}

/// A type usable as the concrete type of a dynamic value (anything but `dynamic` itself).
fn arb_concrete_type() -> impl Strategy<Value = Type> {
    arb_type().prop_map(|t| if t == Type::Dynamic { Type::String } else { t })
}

/// Decimal text that [`Number::parse`] must accept: plain, fractional, exponent, huge, tiny.
pub fn decimal_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[+-]?[0-9]{1,25}",
        "[+-]?[0-9]{1,20}\\.[0-9]{1,20}",
        "[+-]?[0-9]{1,5}(\\.[0-9]{0,5})?[eE][+-]?[0-9]{1,4}",
        "[+-]?[0-9]{1,3}[eE][+-]?[0-9]{15,25}",
        "-?[1-9][0-9]{20,40}(\\.[0-9]{0,10}[1-9])?",
        Just("10000000000000000000".to_string()),
        Just("1e400".to_string()),
        Just("-1e400".to_string()),
        Just("1e-400".to_string()),
        Just("9223372036854775808".to_string()),
        Just("-9223372036854775809".to_string()),
        Just("18446744073709551616".to_string()),
        Just("1e9223372036854775807".to_string()),
        Just("1e-9223372036854775808".to_string()),
        Just("0.1e-9223372036854775808".to_string()),
        Just("1e99999999999999999999".to_string()),
    ]
}

/// Any finite number, edges included (JSON cannot hold infinities).
pub fn arb_number() -> BoxedStrategy<Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from_i64),
        any::<u64>().prop_map(Number::from_u64),
        (-70_000i64..70_000).prop_map(Number::from_i64),
        any::<f64>().prop_filter_map("finite", |f| f.is_finite().then(|| Number::from_f64(f))),
        any::<f32>().prop_filter_map("finite", |f| f.is_finite().then(|| Number::from_f64(f64::from(f)))),
        decimal_text().prop_filter_map("decimal", |s| Number::parse(&s)),
        prop::sample::select(vec![0.5, 1521.5, -1.0, 36.0, 35.0, 99_999_999_999.0, 65_536.0, 1e300])
            .prop_map(Number::from_f64),
    ]
    .boxed()
}

/// Strings that reach past the first check of a parser: identifiers, CIDRs, ARNs, durations,
/// windows, numbers, URLs, times, JSON, plus arbitrary unicode, empty, blank and very long text.
pub fn arb_string() -> BoxedStrategy<String> {
    prop_oneof![
        4 => any::<String>(),
        1 => Just(String::new()),
        1 => "[ \t\n]{1,3}",
        2 => "[a-z][a-z0-9-]{0,30}",
        1 => "[A-Za-z0-9_.:/+=,@-]{0,80}",
        2 => "([0-9]{1,3}\\.){3}[0-9]{1,3}(/[0-9]{1,3})?",
        2 => "arn:aws(-cn|-us-gov|x)?:(dms|ec2|iam|rds|sts|s3|):[a-z0-9-]{0,15}:[0-9]{0,13}:[a-z-]{0,20}[:/]?[A-Za-z0-9:/_+=,.@-]{0,30}",
        2 => "([0-9]{1,20}(\\.[0-9]{0,12})?(ns|us|µs|μs|ms|s|m|h|d)){1,3}",
        1 => "(mon|tue|wed|thu|fri|sat|sun|xyz):[0-9]{2}:[0-9]{2}-(mon|tue|sun|abc):[0-9]{2}:[0-9]{2}",
        1 => "[0-9]{1,3}:[0-9]{1,3}-[0-9]{1,3}:[0-9]{1,3}",
        1 => decimal_text(),
        1 => "(https?|ftp|)://[a-z0-9.-]{0,20}(:[0-9]{1,6})?(/[a-z]{0,5})?",
        1 => "[a-z]{2}-(gov-)?[a-z]{4,9}-[0-9]{1,2}",
        1 => "(vpc|sg|subnet|rtb|pcx|vgw|igw)-[0-9a-f]{0,17}",
        1 => "[0-9]{12}",
        1 => "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})",
        1 => "(aws:|AWS:)?[a-z]{0,10}",
        2 => json_text(),
        1 => table_mappings_text(),
        1 => (1usize..3000, any::<char>()).prop_map(|(n, c)| c.to_string().repeat(n)),
    ]
    .boxed()
}

/// Any JSON document as `serde_json` holds it.
pub fn arb_json() -> BoxedStrategy<serde_json::Value> {
    use serde_json::Value as J;
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(J::from),
        any::<u64>().prop_map(J::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(J::Number)),
        prop_oneof![any::<String>(), "[A-Za-z-]{0,12}"].prop_map(J::String),
    ];
    leaf.prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(J::Array),
            prop::collection::vec((prop_oneof![any::<String>(), "[A-Za-z-]{1,8}"], inner), 0..5)
                .prop_map(|kv| J::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// JSON text of any document, compact or pretty.
pub fn json_text() -> BoxedStrategy<String> {
    (arb_json(), any::<bool>())
        .prop_map(
            |(j, pretty)| {
                if pretty { serde_json::to_string_pretty(&j).unwrap_or_default() } else { j.to_string() }
            },
        )
        .boxed()
}

/// DMS table mappings in roughly the shape users write, with the fields that validators read.
pub fn table_mappings_text() -> BoxedStrategy<String> {
    let field = prop_oneof![
        Just(None),
        prop::sample::select(vec!["selection", "transformation", "table-settings", "post-processing", "bogus"])
            .prop_map(|s| Some(serde_json::Value::from(s))),
        any::<i64>().prop_map(|n| Some(serde_json::Value::from(n))),
        "[a-z-]{0,10}".prop_map(|s| Some(serde_json::Value::from(s))),
    ];
    let rule = (field.clone(), field.clone(), field, arb_json()).prop_map(|(t, id, action, extra)| {
        let mut m = serde_json::Map::new();
        for (k, v) in [("rule-type", t), ("rule-id", id), ("rule-action", action)] {
            if let Some(v) = v {
                m.insert(k.to_string(), v);
            }
        }
        m.insert("object-locator".into(), serde_json::json!({"schema-name": "S", "table-name": "%"}));
        m.insert("extra".into(), extra);
        serde_json::Value::Object(m)
    });
    prop::collection::vec(rule, 0..4).prop_map(|rules| serde_json::json!({ "rules": rules }).to_string()).boxed()
}

/// Any number including the infinities (msgpack carries them).
pub fn arb_number_or_infinity() -> BoxedStrategy<Number> {
    prop_oneof![
        8 => arb_number(),
        1 => Just(Number::from_f64(f64::INFINITY)),
        1 => Just(Number::from_f64(f64::NEG_INFINITY)),
    ]
    .boxed()
}

/// A value of `ty`. `unknowns` (msgpack) allows unknown values anywhere and infinite numbers;
/// without it (JSON) values are wholly known and finite.
pub fn arb_value(ty: &Type, unknowns: bool) -> BoxedStrategy<Value> {
    let known = arb_known(ty, unknowns);
    if unknowns {
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
    }
}

fn arb_known(ty: &Type, unknowns: bool) -> BoxedStrategy<Value> {
    match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number if unknowns => arb_number_or_infinity().prop_map(Value::Number).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::List(e) => prop::collection::vec(arb_value(e, unknowns), 0..4).prop_map(Value::List).boxed(),
        Type::Set(e) => prop::collection::vec(arb_value(e, unknowns), 0..4).prop_map(Value::Set).boxed(),
        Type::Map(e) => {
            prop::collection::btree_map(any::<String>(), arb_value(e, unknowns), 0..4).prop_map(Value::Map).boxed()
        }
        Type::Object(attrs) => {
            let fields: Vec<BoxedStrategy<(String, Value)>> = attrs
                .iter()
                .map(|(k, t)| {
                    let k = k.clone();
                    arb_value(t, unknowns).prop_map(move |v| (k.clone(), v)).boxed()
                })
                .collect();
            fields.prop_map(|kv| Value::Object(kv.into_iter().collect::<BTreeMap<_, _>>())).boxed()
        }
        Type::Tuple(ts) => {
            let elems: Vec<BoxedStrategy<Value>> = ts.iter().map(|t| arb_value(t, unknowns)).collect();
            elems.prop_map(Value::Tuple).boxed()
        }
        Type::Dynamic => arb_concrete_type()
            .prop_flat_map(move |t| arb_value(&t, unknowns).prop_map(move |v| Value::Dynamic(t.clone(), Box::new(v))))
            .boxed(),
    }
}

/// A type and a value of it.
pub fn typed_value(unknowns: bool) -> impl Strategy<Value = (Type, Value)> {
    arb_type().prop_flat_map(move |t| arb_value(&t, unknowns).prop_map(move |v| (t.clone(), v)))
}

// ---- values shaped by a real schema ----

/// Marker inside every generated value of a sensitive attribute: no diagnostic may ever contain it.
pub const SECRET_MARK: &str = "zQ9xS3cr3tMark";

/// Generation settings for a schema-shaped value.
#[derive(Clone)]
struct Shape {
    /// Literals the schema's descriptions quote in backticks (`full-load-and-cdc`, `10.20.0.0/24`):
    /// the values a validator is most likely to look at closely.
    dictionary: Vec<String>,
}

/// Configuration (or state) values for `block`: every attribute and block key present, any leaf
/// null or unknown, strings and numbers from [`arb_string`] / [`arb_number`] and the schema's own
/// quoted literals, sensitive strings carrying [`SECRET_MARK`].
pub fn block_value(block: &Block) -> BoxedStrategy<Value> {
    let mut dictionary = Vec::new();
    collect_literals(block, &mut dictionary);
    dictionary.sort();
    dictionary.dedup();
    let shape = Shape { dictionary };
    object_of(block, &shape)
}

fn collect_literals(block: &Block, out: &mut Vec<String>) {
    quoted(&block.description, out);
    for a in &block.attributes {
        attr_literals(a, out);
    }
    for b in &block.blocks {
        collect_literals(&b.block, out);
    }
}

fn attr_literals(a: &Attribute, out: &mut Vec<String>) {
    quoted(&a.description, out);
    if let Some(Value::String(s)) = &a.default {
        out.push(s.clone());
    }
    if let AttrKind::Nested(n) = &a.kind {
        for inner in &n.attributes {
            attr_literals(inner, out);
        }
    }
}

/// The backtick-quoted pieces of a markdown text, and the double-quoted ones inside them.
fn quoted(markdown: &str, out: &mut Vec<String>) {
    for piece in markdown.split('`').skip(1).step_by(2) {
        out.push(piece.to_string());
        for inner in piece.split('"').skip(1).step_by(2) {
            out.push(inner.to_string());
        }
    }
}

fn object_of(block: &Block, shape: &Shape) -> BoxedStrategy<Value> {
    let mut fields: Vec<BoxedStrategy<(String, Value)>> = Vec::new();
    for a in &block.attributes {
        let name = a.name.clone();
        fields.push(attribute_value(a, shape).prop_map(move |v| (name.clone(), v)).boxed());
    }
    for nb in &block.blocks {
        let name = nb.name.clone();
        let inner = object_of(&nb.block, shape);
        let v = match nb.nesting {
            Nesting::Single | Nesting::Group => maybe(inner),
            Nesting::List => collection(prop::collection::vec(inner, 0..3).prop_map(Value::List).boxed()),
            Nesting::Set => collection(prop::collection::vec(inner, 0..3).prop_map(Value::Set).boxed()),
            Nesting::Map => {
                collection(prop::collection::btree_map(arb_string(), inner, 0..3).prop_map(Value::Map).boxed())
            }
        };
        fields.push(v.prop_map(move |v| (name.clone(), v)).boxed());
    }
    fields.prop_map(|kv| Value::Object(kv.into_iter().collect())).boxed()
}

/// A value that may also be null or unknown.
fn maybe(known: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 6 => known].boxed()
}

/// A block collection: mostly known (Terraform sends an empty list for no blocks), sometimes
/// unknown (a `dynamic` block over an unknown list) or null.
fn collection(known: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 8 => known].boxed()
}

fn attribute_value(a: &Attribute, shape: &Shape) -> BoxedStrategy<Value> {
    match &a.kind {
        AttrKind::Plain(t) => shaped_value(t, a.sensitive, shape),
        AttrKind::Nested(n) => {
            let inner = object_of(&Block { attributes: n.attributes.clone(), ..Block::default() }, shape);
            match n.nesting {
                Nesting::Single | Nesting::Group => maybe(inner),
                Nesting::List => maybe(prop::collection::vec(inner, 0..3).prop_map(Value::List).boxed()),
                Nesting::Set => maybe(prop::collection::vec(inner, 0..3).prop_map(Value::Set).boxed()),
                Nesting::Map => {
                    maybe(prop::collection::btree_map(arb_string(), inner, 0..3).prop_map(Value::Map).boxed())
                }
            }
        }
    }
}

fn shaped_value(ty: &Type, sensitive: bool, shape: &Shape) -> BoxedStrategy<Value> {
    let known: BoxedStrategy<Value> = match ty {
        Type::String => shaped_string(sensitive, shape).prop_map(Value::String).boxed(),
        Type::Number => shaped_number(shape).prop_map(Value::Number).boxed(),
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::List(e) => prop::collection::vec(shaped_value(e, sensitive, shape), 0..4).prop_map(Value::List).boxed(),
        Type::Set(e) => prop::collection::vec(shaped_value(e, sensitive, shape), 0..4).prop_map(Value::Set).boxed(),
        Type::Map(e) => {
            prop::collection::btree_map(shaped_string(false, shape), shaped_value(e, sensitive, shape), 0..4)
                .prop_map(Value::Map)
                .boxed()
        }
        Type::Object(attrs) => {
            let fields: Vec<BoxedStrategy<(String, Value)>> = attrs
                .iter()
                .map(|(k, t)| {
                    let k = k.clone();
                    shaped_value(t, sensitive, shape).prop_map(move |v| (k.clone(), v)).boxed()
                })
                .collect();
            fields.prop_map(|kv| Value::Object(kv.into_iter().collect())).boxed()
        }
        Type::Tuple(_) | Type::Dynamic => arb_known(ty, true),
    };
    maybe(known)
}

fn shaped_string(sensitive: bool, shape: &Shape) -> BoxedStrategy<String> {
    let plain = if shape.dictionary.is_empty() {
        arb_string()
    } else {
        prop_oneof![3 => arb_string(), 2 => prop::sample::select(shape.dictionary.clone())].boxed()
    };
    if sensitive { (plain.clone(), plain).prop_map(|(a, b)| format!("{a}{SECRET_MARK}{b}")).boxed() } else { plain }
}

fn shaped_number(shape: &Shape) -> BoxedStrategy<Number> {
    let quoted: Vec<Number> = shape.dictionary.iter().filter_map(|s| Number::parse(s)).collect();
    if quoted.is_empty() {
        arb_number()
    } else {
        prop_oneof![3 => arb_number(), 1 => prop::sample::select(quoted)].boxed()
    }
}
