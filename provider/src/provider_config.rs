//! Provider configuration (named as in `hashicorp/aws`) and the AWS clients it yields.

use std::collections::BTreeMap;

use crate::aws::Clients;
use crate::engine::{Block, Diagnostics, Schema, Value};

/// What a configured provider hands to every operation.
pub struct Configured {
    pub clients: Clients,
    pub region: String,
    pub account_id: Option<String>,
    pub partition: String,
    pub default_tags: BTreeMap<String, String>,
}

pub fn schema() -> Schema {
    Schema::new(0, Block::new("The dmslink provider."))
}

pub fn validate(_config: &Value, _diags: &mut Diagnostics) {}

pub async fn configure(_config: &Value) -> Result<Configured, Diagnostics> {
    Err(Diagnostics::new())
}
