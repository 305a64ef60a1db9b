//! The provider as the protocol sees it, in engine types: the registry of resources and data
//! sources, configuration, and one method per RPC. `wire` decodes a request, calls one of these,
//! and encodes the answer; nothing here knows about protobuf.

mod moved;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use tokio_util::sync::CancellationToken;

use super::configure::Configure;
use super::diag::{AttrPath, Diagnostic, Diagnostics};
use super::plan;
use super::resource::{About, Ctx, DataSource, PlanDraft, Resource};
use super::schema::{AttrKind, Block, Nesting, Schema};
use super::validate::{refuse_write_only, validate_block};
use super::value::{Type, Value};

struct Registered<T: ?Sized> {
    imp: Arc<T>,
    about: About,
    schema: Schema,
    ty: Type,
}

/// Generic over `P`, the data `configuration` yields and every operation receives.
pub struct Provider<P: Send + Sync + 'static> {
    resources: BTreeMap<String, Registered<dyn Resource<P>>>,
    data_sources: BTreeMap<String, Registered<dyn DataSource<P>>>,
    configuration: Box<dyn Configure<Data = P>>,
    provider_schema: Schema,
    configured: RwLock<Option<Arc<P>>>,
    cancel: CancellationToken,
}

/// What the calling Terraform supports, from a request's `client_capabilities`; absent (Terraform
/// < 1.9) means all false.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientCapabilities {
    /// Terraform ≥ 1.11: write-only attributes reach the provider without being stored in state.
    pub write_only_attributes_allowed: bool,
    /// `-allow-deferral` (experimental); dmslink never defers.
    pub deferral_allowed: bool,
}

pub struct PlanResult {
    pub planned: Value,
    pub requires_replace: Vec<AttrPath>,
    pub diags: Diagnostics,
}

impl<P: Send + Sync + 'static> Provider<P> {
    pub fn new(
        configuration: impl Configure<Data = P> + 'static,
        resources: Vec<Arc<dyn Resource<P>>>,
        data_sources: Vec<Arc<dyn DataSource<P>>>,
    ) -> Provider<P> {
        let resources = resources
            .into_iter()
            .map(|r| {
                let about = r.about();
                let schema = (about.schema)();
                let ty = schema.value_type();
                (about.type_name.to_string(), Registered { imp: r, about, schema, ty })
            })
            .collect();
        let data_sources = data_sources
            .into_iter()
            .map(|d| {
                let about = d.about();
                let schema = (about.schema)();
                let ty = schema.value_type();
                (about.type_name.to_string(), Registered { imp: d, about, schema, ty })
            })
            .collect();
        Provider {
            resources,
            data_sources,
            provider_schema: configuration.schema(),
            configuration: Box::new(configuration),
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

    /// StopProvider: cancel every wait in flight (and, through `configure_stoppable`, every call
    /// the provider data makes).
    pub fn stop(&self) {
        self.cancel.cancel();
    }

    /// ValidateProviderConfig: the schema's checks, then the configuration's own.
    pub fn validate_provider(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        validate_block(&self.provider_schema.block, config, &AttrPath::root(), &mut diags);
        self.configuration.validate(config, &mut diags);
        diags
    }

    pub fn validate_resource_config(&self, type_name: &str, config: &Value, caps: ClientCapabilities) -> Diagnostics {
        let Some(r) = self.resources.get(type_name) else {
            return unknown_type("resource", type_name);
        };
        let mut diags = Diagnostics::new();
        validate_block(&r.schema.block, config, &AttrPath::root(), &mut diags);
        if !caps.write_only_attributes_allowed {
            refuse_write_only(&r.schema.block, config, &AttrPath::root(), &mut diags);
        }
        (r.about.validate)(config, &mut diags);
        diags
    }

    pub fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        let Some(d) = self.data_sources.get(type_name) else {
            return unknown_type("data source", type_name);
        };
        let mut diags = Diagnostics::new();
        validate_block(&d.schema.block, config, &AttrPath::root(), &mut diags);
        (d.about.validate)(config, &mut diags);
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
        Ok(null_write_only(&r.schema.block, state))
    }

    pub async fn configure(&self, config: &Value) -> Diagnostics {
        match self.configuration.configure_stoppable(config, &self.cancel).await {
            Ok(c) => {
                if let Ok(mut slot) = self.configured.write() {
                    *slot = Some(Arc::new(c));
                }
                Diagnostics::new()
            }
            Err(d) => d,
        }
    }

    /// Installs already built provider data, as a successful `configure` would (tests over
    /// fakes).
    pub fn set_configured(&self, configured: P) {
        if let Ok(mut slot) = self.configured.write() {
            *slot = Some(Arc::new(configured));
        }
    }

    fn configured(&self) -> Option<Arc<P>> {
        self.configured.read().ok().and_then(|c| c.clone())
    }

    fn ctx(&self) -> Result<Ctx<P>, Diagnostics> {
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
            Ok(Some(v)) => (null_write_only(&r.schema.block, v), Diagnostics::new()),
            Ok(None) => (Value::Null, Diagnostics::new()),
            Err(d) => (null_write_only(&r.schema.block, current.clone()), d),
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
            // A destroy plan (Terraform ≥ 1.3 sends one: `plan_destroy` is advertised). The resource
            // sees it with a null planned value, to warn or refuse; the plan stays a destroy.
            let mut draft = PlanDraft {
                prior,
                config,
                planned: Value::Null,
                requires_replace: vec![],
                diags: Diagnostics::new(),
                provider: self.configured(),
            };
            if !prior.is_null() {
                r.imp.modify_plan(&mut draft).await;
            }
            return PlanResult { planned: Value::Null, requires_replace: vec![], diags: draft.diags };
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
        plan::unknown_after_changes(&r.schema.block, prior, &mut draft.planned, config);
        PlanResult {
            planned: null_write_only(&r.schema.block, draft.planned),
            requires_replace: draft.requires_replace,
            diags: draft.diags,
        }
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
            return if diags.has_errors() {
                (null_write_only(&r.schema.block, prior.clone()), diags)
            } else {
                (Value::Null, diags)
            };
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
        (null_write_only(&r.schema.block, state), outcome.diags)
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
            Ok(v) => (Some(null_write_only(&r.schema.block, v)), Diagnostics::new()),
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

/// Terraform ≥ 1.11 rejects any non-null write-only value in a plan, new state, read or import
/// result, so every value handed back passes through here, whatever the resource did.
pub fn null_write_only(block: &Block, mut v: Value) -> Value {
    let Value::Object(m) = &mut v else {
        return v;
    };
    for attr in &block.attributes {
        let Some(slot) = m.get_mut(&attr.name) else { continue };
        if attr.write_only {
            *slot = Value::Null;
        } else if let AttrKind::Nested(n) = &attr.kind {
            let inner = Block { attributes: n.attributes.clone(), ..Block::default() };
            map_elements(n.nesting, slot, &|e| null_write_only(&inner, e));
        }
    }
    for nb in &block.blocks {
        if let Some(slot) = m.get_mut(&nb.name) {
            map_elements(nb.nesting, slot, &|e| null_write_only(&nb.block, e));
        }
    }
    v
}

/// Rewrites each object of a nested value in place (the value itself for single nesting).
fn map_elements(nesting: Nesting, v: &mut Value, f: &dyn Fn(Value) -> Value) {
    match (nesting, v) {
        (Nesting::Single | Nesting::Group, v) => *v = f(std::mem::take(v)),
        (_, Value::List(xs) | Value::Set(xs)) => {
            for x in xs {
                *x = f(std::mem::take(x));
            }
        }
        (_, Value::Map(m)) => {
            for x in m.values_mut() {
                *x = f(std::mem::take(x));
            }
        }
        _ => {}
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
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::engine::resource::ApplyOutcome;
    use crate::engine::schema::{Attribute, NestedBlock};

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    const LEAKY: &str = "dmslink_leaky";

    /// The provider data of these tests: the engine hands it on and never looks inside.
    struct TestData;

    /// A provider block with one attribute that `validate` refuses when set to "bad".
    struct TestBlock;

    #[async_trait]
    impl Configure for TestBlock {
        type Data = TestData;
        fn schema(&self) -> Schema {
            Schema::new(0, Block::new("test provider").attr(Attribute::optional("mode", Type::String)))
        }
        fn validate(&self, config: &Value, diags: &mut Diagnostics) {
            if config.get("mode").as_str() == Some("bad") {
                diags.error_at(AttrPath::attr("mode"), "Bad mode", "mode may not be \"bad\".");
            }
        }
        async fn configure(&self, config: &Value) -> Result<TestData, Diagnostics> {
            match config.get("mode").as_str() {
                Some("fail") => Err(Diagnostic::error("Cannot configure", "mode is \"fail\".").into()),
                _ => Ok(TestData),
            }
        }
    }

    /// Provider data that is the stop token it was configured with.
    struct StopAware;

    #[async_trait]
    impl Configure for StopAware {
        type Data = CancellationToken;
        fn schema(&self) -> Schema {
            Schema::new(0, Block::new("stop-aware provider"))
        }
        async fn configure(&self, _: &Value) -> Result<CancellationToken, Diagnostics> {
            Ok(CancellationToken::new())
        }
        async fn configure_stoppable(
            &self,
            _: &Value,
            stop: &CancellationToken,
        ) -> Result<CancellationToken, Diagnostics> {
            Ok(stop.clone())
        }
    }

    /// StopProvider reaches what `configure` built (the AWS clients race their calls against it).
    #[tokio::test]
    async fn configure_receives_the_token_stop_cancels() {
        let p = Provider::new(StopAware, vec![], vec![]);
        assert!(p.configure(&obj(&[])).await.is_empty());
        let token = p.configured().map(|data| (*data).clone());
        assert!(token.as_ref().is_some_and(|t| !t.is_cancelled()));
        p.stop();
        assert!(token.is_some_and(|t| t.is_cancelled()));
    }

    /// A resource that wrongly fills its write-only attributes (top level, in a list block, in a
    /// single block inside it, and in a nested attribute) in everything it returns.
    struct Leaky;

    fn leaky_schema() -> Schema {
        let inner = Block::new("inner").attr(Attribute::write_only("deep_wo", Type::String));
        let db = Block::new("db")
            .attr(Attribute::optional("password", Type::String))
            .attr(Attribute::write_only("password_wo", Type::String))
            .block(NestedBlock::single("inner", inner));
        Schema::new(
            0,
            Block::new("leaky")
                .attr(Attribute::required("name", Type::String))
                .attr(Attribute::write_only("token_wo", Type::String))
                .attr(Attribute::nested(
                    "opts",
                    crate::engine::Mode::Optional,
                    Nesting::List,
                    vec![Attribute::optional("k", Type::String), Attribute::write_only("v_wo", Type::String)],
                ))
                .block(NestedBlock::list("db", db)),
        )
    }

    fn leaked(name: &str) -> Value {
        let db = obj(&[
            ("password", Value::string("kept")),
            ("password_wo", Value::string("leak")),
            ("inner", obj(&[("deep_wo", Value::string("leak"))])),
        ]);
        obj(&[
            ("name", Value::string(name)),
            ("token_wo", Value::string("leak")),
            ("opts", Value::List(vec![obj(&[("k", Value::string("kept")), ("v_wo", Value::string("leak"))])])),
            ("db", Value::List(vec![db])),
        ])
    }

    /// Every write-only value null, everything else as `leaked` has it.
    fn scrubbed(name: &str) -> Value {
        let db = obj(&[
            ("password", Value::string("kept")),
            ("password_wo", Value::Null),
            ("inner", obj(&[("deep_wo", Value::Null)])),
        ]);
        obj(&[
            ("name", Value::string(name)),
            ("token_wo", Value::Null),
            ("opts", Value::List(vec![obj(&[("k", Value::string("kept")), ("v_wo", Value::Null)])])),
            ("db", Value::List(vec![db])),
        ])
    }

    #[async_trait]
    impl Resource<TestData> for Leaky {
        fn about(&self) -> About {
            About::new(LEAKY, leaky_schema)
        }
        async fn modify_plan(&self, draft: &mut PlanDraft<'_, TestData>) {
            if draft.planned.is_null() {
                draft.diags.push(Diagnostic::warning("destroying", "a destroy plan reached the resource"));
            }
            draft.planned = leaked("planned");
        }
        async fn read(&self, _: &Ctx<TestData>, _: &Value) -> Result<Option<Value>, Diagnostics> {
            Ok(Some(leaked("read")))
        }
        async fn create(&self, _: &Ctx<TestData>, _: &Value, _: &Value) -> ApplyOutcome {
            ApplyOutcome::ok(leaked("created"))
        }
        async fn update(&self, _: &Ctx<TestData>, _: &Value, _: &Value, _: &Value) -> ApplyOutcome {
            ApplyOutcome::ok(leaked("updated"))
        }
        async fn delete(&self, _: &Ctx<TestData>, _: &Value) -> Diagnostics {
            Diagnostics::new()
        }
        async fn import(&self, _: &Ctx<TestData>, id: &str) -> Result<Value, Diagnostics> {
            Ok(leaked(id))
        }
    }

    fn engine() -> Provider<TestData> {
        let p = Provider::new(TestBlock, vec![Arc::new(Leaky)], vec![]);
        p.set_configured(TestData);
        p
    }

    /// The provider block is the configuration's: its schema, its checks after the schema's, and
    /// its `configure`, whose data operations then receive; before that, operations are refused.
    #[tokio::test]
    async fn the_provider_block_belongs_to_the_configuration() {
        let p = Provider::new(TestBlock, vec![Arc::new(Leaky)], vec![]);
        assert_eq!(p.provider_type(), TestBlock.schema().value_type());
        let config = |mode: &str| obj(&[("mode", Value::string(mode))]);
        let refused = p.validate_provider(&config("bad"));
        assert_eq!(refused.iter().map(|d| d.summary.as_str()).collect::<Vec<_>>(), ["Bad mode"]);
        assert!(p.validate_provider(&config("good")).is_empty());

        let (_, unconfigured) = p.read_resource(LEAKY, &scrubbed("x")).await;
        assert_eq!(unconfigured.iter().map(|d| d.summary.as_str()).collect::<Vec<_>>(), ["Provider not configured"]);
        let failed = p.configure(&config("fail")).await;
        assert_eq!(failed.iter().map(|d| d.summary.as_str()).collect::<Vec<_>>(), ["Cannot configure"]);
        let (_, still) = p.read_resource(LEAKY, &scrubbed("x")).await;
        assert!(still.has_errors());

        assert!(p.configure(&config("good")).await.is_empty());
        let (read, d) = p.read_resource(LEAKY, &scrubbed("x")).await;
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(read, scrubbed("read"));
    }

    #[test]
    fn write_only_values_are_nulled_at_every_depth() {
        assert_eq!(null_write_only(&leaky_schema().block, leaked("x")), scrubbed("x"));
        assert_eq!(null_write_only(&leaky_schema().block, Value::Null), Value::Null);
    }

    #[tokio::test]
    async fn no_response_carries_a_write_only_value() {
        let p = engine();
        let cfg = leaked("cfg");
        let plan = p.plan_resource_change(LEAKY, &Value::Null, &cfg, &cfg).await;
        assert_eq!(plan.planned, scrubbed("planned"));

        // The plan Terraform hands back at apply has the write-only values null; the resource's
        // answer is scrubbed all the same.
        let (created, d) = p.apply_resource_change(LEAKY, &Value::Null, &scrubbed("created"), &cfg).await;
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(created, scrubbed("created"));
        let (updated, _) = p.apply_resource_change(LEAKY, &created, &scrubbed("updated"), &cfg).await;
        assert_eq!(updated, scrubbed("updated"));

        let (read, _) = p.read_resource(LEAKY, &created).await;
        assert_eq!(read, scrubbed("read"));
        let (imported, _) = p.import_resource_state(LEAKY, "imp").await;
        assert_eq!(imported, Some(scrubbed("imp")));
        let upgraded = p.upgrade_resource_state(LEAKY, 0, leaked("old")).unwrap();
        assert_eq!(upgraded, scrubbed("old"));
    }

    /// Terraform ≥ 1.3 plans a destroy through PlanResourceChange with a null proposed state (the
    /// provider advertises `plan_destroy`): the resource sees it (to warn or refuse), and whatever
    /// it does to the planned value, the plan stays a destroy.
    #[tokio::test]
    async fn a_destroy_plan_reaches_the_resource_and_stays_null() {
        let p = engine();
        let prior = scrubbed("prior");
        let plan = p.plan_resource_change(LEAKY, &prior, &Value::Null, &Value::Null).await;
        assert_eq!(plan.planned, Value::Null);
        assert!(plan.requires_replace.is_empty());
        let notes: Vec<&str> = plan.diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(notes, ["destroying"]);
        // Nothing to destroy: nothing to ask.
        let plan = p.plan_resource_change(LEAKY, &Value::Null, &Value::Null, &Value::Null).await;
        assert!(plan.planned.is_null() && plan.diags.is_empty());
    }

    #[test]
    fn write_only_config_needs_the_client_capability() {
        let p = engine();
        let cfg = leaked("cfg");
        let old = p.validate_resource_config(LEAKY, &cfg, ClientCapabilities::default());
        let paths: Vec<String> = old.iter().filter_map(|d| d.path.as_ref().map(ToString::to_string)).collect();
        assert_eq!(paths, ["token_wo", "opts[0].v_wo", "db[0].password_wo", "db[0].inner.deep_wo"]);
        assert!(old.iter().all(|d| d.is_error()));

        let caps = ClientCapabilities { write_only_attributes_allowed: true, ..Default::default() };
        assert!(p.validate_resource_config(LEAKY, &cfg, caps).is_empty());
        let none_set = scrubbed("cfg");
        assert!(p.validate_resource_config(LEAKY, &none_set, ClientCapabilities::default()).is_empty());
    }

    #[test]
    fn apply_result_keeps_known_planned_values_and_fills_unknowns() {
        let planned = obj(&[("json", Value::string("{ \"a\": 1 }")), ("arn", Value::Unknown)]);
        let applied = obj(&[("json", Value::string("{\"a\":1}")), ("arn", Value::string("arn:1"))]);
        let got = keep_planned_values(&planned, applied);
        assert_eq!(got, obj(&[("json", Value::string("{ \"a\": 1 }")), ("arn", Value::string("arn:1"))]));
    }
}
