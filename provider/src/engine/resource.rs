//! What a resource or data source implements. The engine owns the protocol rules around these
//! calls (validation from the schema, generic planning, state bookkeeping); a resource supplies only
//! its schema, its own checks and plan refinements, and its AWS work.
//!
//! Every trait here is generic over `P`, the data a configured provider hands to operations (the
//! AWS clients and settings, for dmslink). The engine passes it along without looking inside, as
//! terraform-plugin-framework passes `ProviderData`.

use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::diag::{AttrPath, Diagnostics};
use super::schema::Schema;
use super::value::Value;

/// Everything an operation may use: the configured provider's data, and cancellation.
pub struct Ctx<P> {
    pub provider: Arc<P>,
    /// Cancelled by `StopProvider` (Ctrl-C): waits end promptly with an error.
    pub cancel: CancellationToken,
}

// Not derived: a derive would ask `P: Clone`, and only the `Arc` is cloned.
impl<P> Clone for Ctx<P> {
    fn clone(&self) -> Ctx<P> {
        Ctx { provider: self.provider.clone(), cancel: self.cancel.clone() }
    }
}

/// A plan under construction: starts as Terraform's proposed new state with the generic rules applied.
pub struct PlanDraft<'a, P> {
    pub prior: &'a Value,
    pub config: &'a Value,
    pub planned: Value,
    pub requires_replace: Vec<AttrPath>,
    pub diags: Diagnostics,
    /// Provider settings, when configuration is known at plan time (e.g. default tags).
    pub provider: Option<Arc<P>>,
}

impl<P> PlanDraft<'_, P> {
    pub fn is_create(&self) -> bool {
        self.prior.is_null()
    }
    pub fn is_replace(&self) -> bool {
        !self.requires_replace.is_empty()
    }
}

/// The outcome of create or update: the state to save, possibly partial, with diagnostics.
/// A partial state with errors after a create makes Terraform keep and taint the object.
pub struct ApplyOutcome {
    pub state: Value,
    pub diags: Diagnostics,
}

impl ApplyOutcome {
    pub fn ok(state: Value) -> ApplyOutcome {
        ApplyOutcome { state, diags: Diagnostics::new() }
    }
    pub fn failed(state: Value, diags: Diagnostics) -> ApplyOutcome {
        ApplyOutcome { state, diags }
    }
}

/// Documentation a schema cannot carry, for the generated page: the example configuration, the
/// import instructions and notes (markdown). Empty by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DocExtras {
    pub example_hcl: &'static str,
    pub import: Option<&'static str>,
    pub notes: &'static str,
}

/// What a resource or data source is, declared once as a value: its type name, its schema, its
/// own checks and its page's extras. The engine registers and validates with it, the docs
/// generator writes the page from it; the trait's `about()` returns it.
#[derive(Clone, Copy, Debug)]
pub struct About {
    /// The full type name, e.g. `dmslink_repltask`.
    pub type_name: &'static str,
    pub schema: fn() -> Schema,
    /// Cross-attribute checks beyond per-attribute validators. Values may be unknown.
    pub validate: fn(&Value, &mut Diagnostics),
    pub doc: DocExtras,
    /// The other providers' resource types whose state a `moved` block may bring here.
    pub moves_from: &'static [MoveFrom],
}

/// A resource type of another provider whose state this type takes over through a `moved` block
/// (Terraform ≥ 1.8, `MoveResourceState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MoveFrom {
    /// Provider source addresses as Terraform sends them, e.g. `registry.terraform.io/hashicorp/aws`.
    pub providers: &'static [&'static str],
    pub type_name: &'static str,
    /// The source's schema versions the mapping understands; any other is refused.
    pub schema_versions: &'static [i64],
}

/// The state a `moved` block brings, as Terraform stored it for the source type: the JSON
/// attributes of the source's schema (never logged: another provider's state may hold secrets).
pub struct MoveSource<'a> {
    pub provider_address: &'a str,
    pub type_name: &'a str,
    pub schema_version: i64,
    pub state_json: &'a [u8],
}

fn no_checks(_config: &Value, _diags: &mut Diagnostics) {}

impl About {
    /// A type with no checks beyond its schema's and an empty page beyond it.
    pub const fn new(type_name: &'static str, schema: fn() -> Schema) -> About {
        About {
            type_name,
            schema,
            validate: no_checks,
            doc: DocExtras { example_hcl: "", import: None, notes: "" },
            moves_from: &[],
        }
    }
    pub const fn checked_by(self, validate: fn(&Value, &mut Diagnostics)) -> About {
        About { validate, ..self }
    }
    /// The page's example configuration and notes.
    pub const fn documented(self, example_hcl: &'static str, notes: &'static str) -> About {
        About { doc: DocExtras { example_hcl, notes, ..self.doc }, ..self }
    }
    pub const fn imported_as(self, import: &'static str) -> About {
        About { doc: DocExtras { import: Some(import), ..self.doc }, ..self }
    }
    /// Accept `moved` blocks from these types (the resource's `move_state` maps their state).
    pub const fn moved_from(self, moves_from: &'static [MoveFrom]) -> About {
        About { moves_from, ..self }
    }
}

#[async_trait]
pub trait Resource<P: Send + Sync + 'static>: Send + Sync {
    /// Its type name, schema, own checks and documentation extras.
    fn about(&self) -> About;

    /// Refines a plan after the generic rules (semantic equality, derived computed values, warnings).
    async fn modify_plan(&self, _draft: &mut PlanDraft<'_, P>) {}

    /// Refreshes state; `Ok(None)` when the object is gone.
    async fn read(&self, ctx: &Ctx<P>, state: &Value) -> Result<Option<Value>, Diagnostics>;
    async fn create(&self, ctx: &Ctx<P>, planned: &Value, config: &Value) -> ApplyOutcome;
    async fn update(&self, ctx: &Ctx<P>, prior: &Value, planned: &Value, config: &Value) -> ApplyOutcome;
    async fn delete(&self, ctx: &Ctx<P>, prior: &Value) -> Diagnostics;

    /// Turns an import id into a minimal state that `read` can complete.
    async fn import(&self, ctx: &Ctx<P>, id: &str) -> Result<Value, Diagnostics>;

    /// MoveResourceState: this type's state from the state of a type in `about().moves_from`
    /// (the engine has checked the provider, type and schema version). Runs on an unconfigured
    /// provider (Terraform starts a fresh one for the move); the refresh that follows completes it.
    fn move_state(&self, source: &MoveSource<'_>) -> Result<Value, Diagnostics> {
        Err(super::diag::Diagnostic::error(
            "Move not supported",
            format!(
                "{} takes no state from {}: remove the `moved` block and import the object instead.",
                self.about().type_name,
                source.type_name
            ),
        )
        .into())
    }
}

#[async_trait]
pub trait DataSource<P: Send + Sync + 'static>: Send + Sync {
    /// Its type name, schema, own checks and documentation extras.
    fn about(&self) -> About;
    async fn read(&self, ctx: &Ctx<P>, config: &Value) -> Result<Value, Diagnostics>;
}
