//! Handlers over a configured engine with provider data of their own; the gRPC transport
//! itself is covered by `tests/wire_rpc.rs`.

use async_trait::async_trait;

use super::super::convert::{decode_dynamic, encode_dynamic};
use super::*;
use crate::engine::value::Type;
use crate::engine::{About, ApplyOutcome, Attribute, Block, Configure, Ctx, DataSource, Resource, Schema};
use pb::provider_server::Provider as _;

const UNIT: &str = "dmslink_unit";

/// The provider data of these tests; the handlers never look inside.
struct UnitData;

/// A provider block without attributes.
struct UnitBlock;

#[async_trait]
impl Configure for UnitBlock {
    type Data = UnitData;
    fn schema(&self) -> Schema {
        Schema::new(0, Block::new("unit provider"))
    }
    async fn configure(&self, _: &Value) -> Result<UnitData, Diagnostics> {
        Ok(UnitData)
    }
}

struct Unit;

fn unit_schema() -> Schema {
    Schema::new(
        0,
        Block::new("unit")
            .attr(Attribute::required("name", Type::String))
            .attr(Attribute::computed("arn", Type::String)),
    )
}

#[async_trait]
impl Resource<UnitData> for Unit {
    fn about(&self) -> About {
        About::new(UNIT, unit_schema)
    }
    async fn read(&self, _: &Ctx<UnitData>, state: &Value) -> Result<Option<Value>, Diagnostics> {
        Ok((state.get("name").as_str() != Some("gone")).then(|| state.clone()))
    }
    async fn create(&self, _: &Ctx<UnitData>, planned: &Value, _: &Value) -> ApplyOutcome {
        let mut v = planned.clone();
        let arn = format!("arn:unit:{}", planned.get("name").as_str().unwrap_or_default());
        v.set("arn", Value::string(arn));
        ApplyOutcome::ok(v)
    }
    async fn update(&self, _: &Ctx<UnitData>, _: &Value, planned: &Value, _: &Value) -> ApplyOutcome {
        ApplyOutcome::ok(planned.clone())
    }
    async fn delete(&self, _: &Ctx<UnitData>, _: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    async fn import(&self, _: &Ctx<UnitData>, id: &str) -> Result<Value, Diagnostics> {
        let mut v = Value::null_object(&unit_schema().value_type());
        v.set("name", Value::string(id));
        Ok(v)
    }
}

struct Echo;

#[async_trait]
impl DataSource<UnitData> for Echo {
    fn about(&self) -> About {
        About::new("dmslink_echo", || Schema::new(0, Block::new("echo").attr(Attribute::required("id", Type::String))))
    }
    async fn read(&self, _: &Ctx<UnitData>, config: &Value) -> Result<Value, Diagnostics> {
        Ok(config.clone())
    }
}

fn service() -> (ProviderService<UnitData>, Type) {
    let engine = Engine::new(UnitBlock, vec![Arc::new(Unit)], vec![Arc::new(Echo)]);
    engine.set_configured(UnitData);
    (ProviderService::new(Arc::new(engine)), unit_schema().value_type())
}

fn obj(ty: &Type, pairs: &[(&str, Value)]) -> Value {
    let mut v = Value::null_object(ty);
    for (k, x) in pairs {
        v.set(k, x.clone());
    }
    v
}

fn dv(v: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(encode_dynamic(v, ty).unwrap())
}

#[tokio::test]
async fn import_returns_exactly_one_resource_with_its_type_name() {
    let (svc, ty) = service();
    let r = svc
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: UNIT.into(),
            id: "alpha".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.imported_resources.len(), 1);
    let imported = &r.imported_resources[0];
    assert_eq!(imported.type_name, UNIT);
    let state = decode_dynamic(imported.state.as_ref(), &ty).unwrap();
    assert_eq!(state, obj(&ty, &[("name", Value::string("alpha"))]));
}

#[tokio::test]
async fn read_of_a_vanished_object_returns_null_new_state() {
    let (svc, ty) = service();
    let read = |name: &str| pb::read_resource::Request {
        type_name: UNIT.into(),
        current_state: dv(&obj(&ty, &[("name", Value::string(name))]), &ty),
        private: b"p".to_vec(),
        ..Default::default()
    };
    let gone = svc.read_resource(Request::new(read("gone"))).await.unwrap().into_inner();
    assert!(gone.diagnostics.is_empty());
    assert_eq!(decode_dynamic(gone.new_state.as_ref(), &ty).unwrap(), Value::Null);
    let here = svc.read_resource(Request::new(read("here"))).await.unwrap().into_inner();
    assert_eq!(decode_dynamic(here.new_state.as_ref(), &ty).unwrap().get("name"), &Value::string("here"));
    assert_eq!(here.private, b"p");
}

#[tokio::test]
async fn apply_create_fills_unknowns_and_delete_returns_null() {
    let (svc, ty) = service();
    let config = obj(&ty, &[("name", Value::string("a"))]);
    let planned = obj(&ty, &[("name", Value::string("a")), ("arn", Value::Unknown)]);
    let created = svc
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: UNIT.into(),
            prior_state: dv(&Value::Null, &ty),
            planned_state: dv(&planned, &ty),
            config: dv(&config, &ty),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(created.diagnostics.is_empty(), "{:?}", created.diagnostics);
    let state = decode_dynamic(created.new_state.as_ref(), &ty).unwrap();
    assert_eq!(state.get("arn"), &Value::string("arn:unit:a"));

    let deleted = svc
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: UNIT.into(),
            prior_state: dv(&state, &ty),
            planned_state: dv(&Value::Null, &ty),
            config: dv(&Value::Null, &ty),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(deleted.diagnostics.is_empty());
    assert_eq!(decode_dynamic(deleted.new_state.as_ref(), &ty).unwrap(), Value::Null);
}

#[tokio::test]
async fn read_data_source_returns_its_state() {
    let (svc, _) = service();
    let ty = (Echo.about().schema)().value_type();
    let config = obj(&ty, &[("id", Value::string("x"))]);
    let r = svc
        .read_data_source(Request::new(pb::read_data_source::Request {
            type_name: "dmslink_echo".into(),
            config: dv(&config, &ty),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(r.diagnostics.is_empty());
    assert_eq!(decode_dynamic(r.state.as_ref(), &ty).unwrap(), config);
}
