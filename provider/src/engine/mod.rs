//! Protocol-free core: values, schemas, diagnostics, plan rules and the provider facade.

pub mod configure;
pub mod diag;
pub mod duration;
pub mod model;
pub mod plan;
pub mod provider;
pub mod resource;
pub mod schema;
pub mod steps;
pub mod validate;
pub mod value;

pub use configure::Configure;
pub use diag::{AttrPath, Diagnostic, Diagnostics};
pub use provider::ClientCapabilities;
pub use resource::{About, ApplyOutcome, Ctx, DataSource, MoveFrom, MoveSource, PlanDraft, Resource};
pub use schema::{Attribute, Block, Mode, NestedBlock, Schema};
pub use value::{Type, Value};
