//! AWS access behind small traits; no Terraform types here.

pub mod dms;
pub mod error;

use std::sync::Arc;

/// The clients every resource may use, built once per provider configuration.
#[derive(Clone)]
pub struct Clients {
    pub dms: Arc<dyn dms::DmsApi>,
}
