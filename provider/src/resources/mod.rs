//! The registry: every resource and data source this provider serves.

use std::sync::Arc;

use crate::engine::{DataSource, Resource};

pub fn all_resources() -> Vec<Arc<dyn Resource>> {
    vec![]
}

pub fn all_data_sources() -> Vec<Arc<dyn DataSource>> {
    vec![]
}
