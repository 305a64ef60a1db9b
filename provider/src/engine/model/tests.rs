#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use super::*;

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Kind {
    FullLoad,
    Cdc,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
struct Rule {
    name: String,
    port: Option<u16>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
struct Limits {
    create: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
struct Model {
    id: String,
    kind: Kind,
    count: Option<i64>,
    ratio: Option<f64>,
    exact: Option<Number>,
    start: bool,
    arn: Unknowable<String>,
    tags: Option<BTreeMap<String, String>>,
    ids: Option<Vec<String>>,
    rules: Vec<Rule>,
    timeouts: Option<Limits>,
}

fn ty() -> Type {
    let rule = Type::object([("name", Type::String), ("port", Type::Number)]);
    Type::object([
        ("id", Type::String),
        ("kind", Type::String),
        ("count", Type::Number),
        ("ratio", Type::Number),
        ("exact", Type::Number),
        ("start", Type::Bool),
        ("arn", Type::String),
        ("tags", Type::map(Type::String)),
        ("ids", Type::set(Type::String)),
        ("rules", Type::list(rule)),
        ("timeouts", Type::object([("create", Type::String)])),
        ("note", Type::String),
    ])
}

fn model() -> Model {
    Model {
        id: "task-1".into(),
        kind: Kind::FullLoad,
        count: Some(-3),
        ratio: Some(0.5),
        exact: Number::parse("123456789012345678901234567890.5"),
        start: true,
        arn: Unknowable::Unknown,
        tags: Some([("env".to_string(), "prod".to_string())].into()),
        ids: Some(vec!["b".into(), "a".into()]),
        rules: vec![Rule { name: "pg".into(), port: Some(5432) }, Rule { name: "any".into(), port: None }],
        timeouts: None,
    }
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

#[test]
fn a_model_round_trips_and_is_shaped_by_the_schema_type() {
    let v = to_value(&model(), &ty()).unwrap();
    assert_eq!(v.get("note"), &Value::Null, "attributes the model lacks are written null");
    assert_eq!(v.get("kind"), &Value::string("full-load"));
    assert_eq!(v.get("ids"), &Value::Set(vec![Value::string("b"), Value::string("a")]));
    assert_eq!(v.get("arn"), &Value::Unknown);
    assert_eq!(v.get("exact").to_owned(), Value::Number(Number::parse("123456789012345678901234567890.5").unwrap()));
    assert_eq!(v.get("rules").as_elements().unwrap()[1].get("port"), &Value::Null);
    assert_eq!(from_value::<Model>(&v).unwrap(), model());
}

#[test]
fn nulls_read_as_none_and_absent_blocks_and_defaults_apply() {
    #[derive(Deserialize, Debug)]
    struct View {
        count: Option<i64>,
        #[serde(default)]
        rules: Vec<Rule>,
        timeouts: Option<Limits>,
        arn: Unknowable<String>,
    }
    let v = Value::null_object(&ty());
    let got: View = from_value(&v).unwrap();
    assert_eq!((got.count, got.rules.len(), got.timeouts, got.arn), (None, 0, None, Unknowable::Null));
}

#[test]
fn an_unknown_where_a_known_value_is_needed_is_an_error_naming_its_path() {
    let mut v = to_value(&model(), &ty()).unwrap();
    v.set("id", Value::Unknown);
    let e = from_value::<Model>(&v).unwrap_err();
    assert_eq!(e.path, Some(AttrPath::attr("id")));
    assert!(e.message.contains("unknown"), "{e}");

    let mut v = to_value(&model(), &ty()).unwrap();
    let mut rules = v.get("rules").as_elements().unwrap().to_vec();
    rules[1].set("name", Value::Unknown);
    v.set("rules", Value::List(rules));
    let e = from_value::<Model>(&v).unwrap_err();
    assert_eq!(e.to_string(), "rules[1].name: the value is unknown (known only after apply), but a string is needed");
    let d = Diagnostic::from(e);
    assert_eq!(d.path, Some(AttrPath::attr("rules").then_index(1).then_attr("name")));
}

#[test]
fn a_null_required_field_and_a_misspelt_field_are_errors() {
    let mut v = to_value(&model(), &ty()).unwrap();
    v.set("id", Value::Null);
    let e = from_value::<Model>(&v).unwrap_err();
    assert!(e.message.contains("missing field `id`"), "{e}");

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Typo {
        idd: Option<String>,
    }
    let e = from_value::<Typo>(&v).unwrap_err();
    assert!(e.message.contains("`idd`") && e.message.contains("not an attribute"), "{e}");

    #[derive(Serialize)]
    struct Extra {
        idd: String,
    }
    assert!(to_value(&Extra { idd: "x".into() }, &ty()).unwrap_err().message.contains("not an attribute"));
}

#[test]
fn whole_number_fields_refuse_fractions_overflow_and_negative_unsigned() {
    let rule = |port: &str| obj(&[("name", Value::string("x")), ("port", Value::Number(Number::parse(port).unwrap()))]);
    assert_eq!(from_value::<Rule>(&rule("5432")).unwrap().port, Some(5432));
    for bad in ["1.5", "70000", "-1", "1e70"] {
        let e = from_value::<Rule>(&rule(bad)).unwrap_err();
        assert_eq!(e.path, Some(AttrPath::attr("port")), "{bad}: {e}");
    }
    let big = obj(&[("n", Value::Number(Number::parse("18446744073709551615").unwrap()))]);
    #[derive(Deserialize)]
    struct Big {
        n: u64,
    }
    assert_eq!(from_value::<Big>(&big).unwrap().n, u64::MAX);
}

#[test]
fn wrong_kinds_and_unknown_enum_values_are_errors_not_panics() {
    let mut v = to_value(&model(), &ty()).unwrap();
    v.set("kind", Value::string("sideways"));
    assert!(from_value::<Model>(&v).unwrap_err().message.contains("sideways"));
    v.set("kind", Value::Bool(true));
    assert_eq!(from_value::<Model>(&v).unwrap_err().path, Some(AttrPath::attr("kind")));
    assert!(from_value::<Model>(&Value::Unknown).is_err());
    assert!(from_value::<Model>(&Value::string("x")).is_err());
    let mut v = to_value(&model(), &ty()).unwrap();
    v.set("tags", Value::Map([("env".to_string(), Value::Unknown)].into()));
    assert_eq!(from_value::<Model>(&v).unwrap_err().path, Some(AttrPath::attr("tags").then_key("env")));
    let nan = Model { ratio: Some(f64::NAN), ..model() };
    assert!(to_value(&nan, &ty()).is_err());
}

#[test]
fn patch_writes_only_the_view_and_checks_its_names() {
    #[derive(Serialize)]
    struct View {
        arn: Unknowable<String>,
        ids: Vec<String>,
    }
    let mut v = to_value(&model(), &ty()).unwrap();
    patch(&mut v, &View { arn: Unknowable::Known("arn:x".into()), ids: vec!["c".into()] }, &ty()).unwrap();
    assert_eq!(v.get("arn"), &Value::string("arn:x"));
    assert_eq!(v.get("ids"), &Value::Set(vec![Value::string("c")]));
    assert_eq!(v.get("id"), &Value::string("task-1"));
    #[derive(Serialize)]
    struct Wrong {
        nope: bool,
    }
    assert!(patch(&mut v, &Wrong { nope: true }, &ty()).is_err());
}

fn arb_model() -> impl Strategy<Value = Model> {
    let rule = ("[a-z]{0,6}", proptest::option::of(any::<u16>())).prop_map(|(name, port)| Rule { name, port });
    let unknowable =
        prop_oneof![Just(Unknowable::Null), Just(Unknowable::Unknown), ".{0,8}".prop_map(Unknowable::Known)];
    (
        ".{0,12}",
        any::<bool>(),
        proptest::option::of(any::<i64>()),
        proptest::option::of(-1e300f64..1e300),
        unknowable,
        proptest::option::of(proptest::collection::btree_map(".{0,4}", ".{0,4}", 0..4)),
        proptest::option::of(proptest::collection::vec(".{0,4}", 0..4)),
        proptest::collection::vec(rule, 0..4),
        proptest::option::of(proptest::option::of(".{0,4}")),
    )
        .prop_map(|(id, full, count, ratio, arn, tags, ids, rules, limits)| Model {
            id,
            kind: if full { Kind::FullLoad } else { Kind::Cdc },
            count,
            ratio,
            exact: count.map(Number::from_i64),
            start: full,
            arn,
            tags,
            ids,
            rules,
            timeouts: limits.map(|create| Limits { create }),
        })
}

proptest! {
    /// Whatever a model holds, writing it and reading it back gives it again.
    #[test]
    fn any_model_round_trips_through_a_value(m in arb_model()) {
        let v = to_value(&m, &ty()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back: Model = from_value(&v).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, m);
    }
}
