//! The provider as the protocol sees it, in engine types: the registry of resources and data
//! sources, configuration, and one method per RPC. `wire` decodes a request, calls one of these,
//! and encodes the answer; nothing here knows about protobuf.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use tokio_util::sync::CancellationToken;

use super::diag::{AttrPath, Diagnostic, Diagnostics};
use super::plan;
use super::resource::{Ctx, DataSource, PlanDraft, Resource};
use super::schema::Schema;
use super::validate::validate_block;
use super::value::{Type, Value};
use crate::provider_config::{self, Configured};

struct Registered<T: ?Sized> {
    imp: Arc<T>,
    schema: Schema,
    ty: Type,
}

pub struct Provider {
    resources: BTreeMap<String, Registered<dyn Resource>>,
    data_sources: BTreeMap<String, Registered<dyn DataSource>>,
    provider_schema: Schema,
    configured: RwLock<Option<Arc<Configured>>>,
    cancel: CancellationToken,
}

pub struct PlanResult {
    pub planned: Value,
    pub requires_replace: Vec<AttrPath>,
    pub diags: Diagnostics,
}

impl Provider {
    pub fn new(resources: Vec<Arc<dyn Resource>>, data_sources: Vec<Arc<dyn DataSource>>) -> Provider {
        let resources = resources
            .into_iter()
            .map(|r| {
                let schema = r.schema();
                let ty = schema.value_type();
                (r.type_name().to_string(), Registered { imp: r, schema, ty })
            })
            .collect();
        let data_sources = data_sources
            .into_iter()
            .map(|d| {
                let schema = d.schema();
                let ty = schema.value_type();
                (d.type_name().to_string(), Registered { imp: d, schema, ty })
            })
            .collect();
        Provider {
            resources,
            data_sources,
            provider_schema: provider_config::schema(),
            configured: RwLock::new(None),
            cancel: CancellationToken::new(),
        }
    }

    pub fn provider_schema(&self) -> &Schema {
        &self.provider_schema
    }
    pub fn resource_schemas(&self) -> impl Iterator<Item = (&str, &Schema)> {
        self.resources.iter().map(|(k, r)| (k.as_str(), &r.schema))
    }
    pub fn data_source_schemas(&self) -> impl Iterator<Item = (&str, &Schema)> {
        self.data_sources.iter().map(|(k, r)| (k.as_str(), &r.schema))
    }
    pub fn provider_type(&self) -> Type {
        self.provider_schema.value_type()
    }
    /// The cty type of a resource's state, for decoding its values; `None` for an unknown type name.
    pub fn resource_type(&self, type_name: &str) -> Option<&Type> {
        self.resources.get(type_name).map(|r| &r.ty)
    }
    pub fn data_source_type(&self, type_name: &str) -> Option<&Type> {
        self.data_sources.get(type_name).map(|r| &r.ty)
    }
    pub fn resource_schema(&self, type_name: &str) -> Option<&Schema> {
        self.resources.get(type_name).map(|r| &r.schema)
    }

    /// StopProvider: cancel every wait in flight.
    pub fn stop(&self) {
        self.cancel.cancel();
    }

    pub fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        validate_block(&self.provider_schema.block, config, &AttrPath::root(), &mut diags);
        provider_config::validate(config, &mut diags);
        diags
    }

    pub fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        let Some(r) = self.resources.get(type_name) else {
            return unknown_type("resource", type_name);
        };
        let mut diags = Diagnostics::new();
        validate_block(&r.schema.block, config, &AttrPath::root(), &mut diags);
        r.imp.validate(config, &mut diags);
        diags
    }

    pub fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        let Some(d) = self.data_sources.get(type_name) else {
            return unknown_type("data source", type_name);
        };
        let mut diags = Diagnostics::new();
        validate_block(&d.schema.block, config, &AttrPath::root(), &mut diags);
        d.imp.validate(config, &mut diags);
        diags
    }

    /// `state` was decoded leniently against the current type (missing attributes null).
    pub fn upgrade_resource_state(&self, type_name: &str, version: i64, state: Value) -> Result<Value, Diagnostics> {
        let Some(r) = self.resources.get(type_name) else {
            return Err(unknown_type("resource", type_name));
        };
        if version > r.schema.version {
            return Err(Diagnostic::error(
                "State written by a newer provider",
                format!(
                    "This {type_name} state has schema version {version}, but this provider knows only up to {}. Use the provider version that wrote it.",
                    r.schema.version
                ),
            )
            .into());
        }
        Ok(state)
    }

    pub async fn configure(&self, config: &Value) -> Diagnostics {
        match provider_config::configure(config).await {
            Ok(c) => {
                if let Ok(mut slot) = self.configured.write() {
                    *slot = Some(Arc::new(c));
                }
                Diagnostics::new()
            }
            Err(d) => d,
        }
    }

    /// Installs an already built configuration, as a successful `configure` would (tests over
    /// fake AWS clients).
    pub fn set_configured(&self, configured: Configured) {
        if let Ok(mut slot) = self.configured.write() {
            *slot = Some(Arc::new(configured));
        }
    }

    fn configured(&self) -> Option<Arc<Configured>> {
        self.configured.read().ok().and_then(|c| c.clone())
    }

    fn ctx(&self) -> Result<Ctx, Diagnostics> {
        match self.configured() {
            Some(provider) => Ok(Ctx { provider, cancel: self.cancel.clone() }),
            None => Err(Diagnostic::error(
                "Provider not configured",
                "The dmslink provider was used before it was configured. This is a bug in the provider or Terraform; please report it.",
            )
            .into()),
        }
    }

    pub async fn read_resource(&self, type_name: &str, current: &Value) -> (Value, Diagnostics) {
        let Some(r) = self.resources.get(type_name) else {
            return (current.clone(), unknown_type("resource", type_name));
        };
        let ctx = match self.ctx() {
            Ok(c) => c,
            Err(d) => return (current.clone(), d),
        };
        match r.imp.read(&ctx, current).await {
            Ok(Some(v)) => (v, Diagnostics::new()),
            Ok(None) => (Value::Null, Diagnostics::new()),
            Err(d) => (current.clone(), d),
        }
    }

    pub async fn plan_resource_change(
        &self,
        type_name: &str,
        prior: &Value,
        proposed: &Value,
        config: &Value,
    ) -> PlanResult {
        let Some(r) = self.resources.get(type_name) else {
            return PlanResult {
                planned: proposed.clone(),
                requires_replace: vec![],
                diags: unknown_type("resource", type_name),
            };
        };
        if proposed.is_null() {
            return PlanResult { planned: Value::Null, requires_replace: vec![], diags: Diagnostics::new() };
        }
        let generic = plan::plan(&r.schema.block, prior, proposed, config);
        let mut draft = PlanDraft {
            prior,
            config,
            planned: generic.planned,
            requires_replace: generic.requires_replace,
            diags: Diagnostics::new(),
            provider: self.configured(),
        };
        r.imp.modify_plan(&mut draft).await;
        PlanResult { planned: draft.planned, requires_replace: draft.requires_replace, diags: draft.diags }
    }

    /// Create, update or delete, chosen by which of prior and planned are null.
    pub async fn apply_resource_change(
        &self,
        type_name: &str,
        prior: &Value,
        planned: &Value,
        config: &Value,
    ) -> (Value, Diagnostics) {
        let Some(r) = self.resources.get(type_name) else {
            return (prior.clone(), unknown_type("resource", type_name));
        };
        let ctx = match self.ctx() {
            Ok(c) => c,
            Err(d) => return (prior.clone(), d),
        };
        if planned.is_null() {
            let diags = r.imp.delete(&ctx, prior).await;
            // A failed delete keeps the prior state so nothing is forgotten.
            return if diags.has_errors() { (prior.clone(), diags) } else { (Value::Null, diags) };
        }
        let outcome = if prior.is_null() {
            r.imp.create(&ctx, planned, config).await
        } else {
            r.imp.update(&ctx, prior, planned, config).await
        };
        let state = if outcome.diags.has_errors() {
            // Partial state: keep what was planned and known so Terraform saves a coherent object,
            // but never invent values for unknowns.
            fill_unknowns_with_null(outcome.state)
        } else {
            keep_planned_values(planned, outcome.state)
        };
        (state, outcome.diags)
    }

    pub async fn import_resource_state(&self, type_name: &str, id: &str) -> (Option<Value>, Diagnostics) {
        let Some(r) = self.resources.get(type_name) else {
            return (None, unknown_type("resource", type_name));
        };
        let ctx = match self.ctx() {
            Ok(c) => c,
            Err(d) => return (None, d),
        };
        match r.imp.import(&ctx, id).await {
            Ok(v) => (Some(v), Diagnostics::new()),
            Err(d) => (None, d),
        }
    }

    pub async fn read_data_source(&self, type_name: &str, config: &Value) -> (Value, Diagnostics) {
        let Some(d) = self.data_sources.get(type_name) else {
            return (Value::Null, unknown_type("data source", type_name));
        };
        let ctx = match self.ctx() {
            Ok(c) => c,
            Err(diags) => return (Value::Null, diags),
        };
        match d.imp.read(&ctx, config).await {
            Ok(v) => (v, Diagnostics::new()),
            Err(diags) => (Value::Null, diags),
        }
    }
}

fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("The dmslink provider has no {kind} named {name:?}. Check the spelling and the provider version."),
    )
    .into()
}

/// Terraform requires every known planned value back unchanged after apply (the user's spelling,
/// not the API's normal form). Where the plan knew a value, it wins; unknowns take the applied value.
pub fn keep_planned_values(planned: &Value, applied: Value) -> Value {
    match (planned, applied) {
        (Value::Unknown, a) => fill_unknowns_with_null(a),
        (Value::Object(p), Value::Object(mut a)) => {
            for (k, pv) in p {
                let av = a.remove(k).unwrap_or(Value::Null);
                a.insert(k.clone(), keep_planned_values(pv, av));
            }
            Value::Object(a)
        }
        (Value::List(p), Value::List(a)) if p.len() == a.len() => {
            Value::List(p.iter().zip(a).map(|(pv, av)| keep_planned_values(pv, av)).collect())
        }
        (p, a) if p.is_wholly_known() => {
            let _ = a;
            p.clone()
        }
        (_, a) => fill_unknowns_with_null(a),
    }
}

/// State may never hold unknowns.
pub fn fill_unknowns_with_null(v: Value) -> Value {
    match v {
        Value::Unknown => Value::Null,
        Value::List(xs) => Value::List(xs.into_iter().map(fill_unknowns_with_null).collect()),
        Value::Set(xs) => Value::Set(xs.into_iter().map(fill_unknowns_with_null).collect()),
        Value::Tuple(xs) => Value::Tuple(xs.into_iter().map(fill_unknowns_with_null).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, fill_unknowns_with_null(v))).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, fill_unknowns_with_null(v))).collect()),
        Value::Dynamic(t, v) => Value::Dynamic(t, Box::new(fill_unknowns_with_null(*v))),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn apply_result_keeps_known_planned_values_and_fills_unknowns() {
        let planned = obj(&[("json", Value::string("{ \"a\": 1 }")), ("arn", Value::Unknown)]);
        let applied = obj(&[("json", Value::string("{\"a\":1}")), ("arn", Value::string("arn:1"))]);
        let got = keep_planned_values(&planned, applied);
        assert_eq!(got, obj(&[("json", Value::string("{ \"a\": 1 }")), ("arn", Value::string("arn:1"))]));
    }
}
