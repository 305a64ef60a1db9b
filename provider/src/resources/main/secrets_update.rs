//! `ModifyEndpoint` of a database whose login is in Secrets Manager: the secret pair (and the
//! engine, which says which settings object carries it) with the database name; no user,
//! password, server or port, which DMS refuses beside the pair.

use crate::aws::dms::{ModifyEndpointInput, SecretsManagerRef};

use super::desired::Database;

pub fn modify_input(arn: &str, db: &Database, pair: SecretsManagerRef) -> ModifyEndpointInput {
    ModifyEndpointInput {
        arn: arn.to_string(),
        engine_name: Some(db.engine_name.clone()),
        database_name: db.database_name.clone(),
        ssl_mode: db.ssl_mode.clone(),
        extra_connection_attributes: db.extra_connection_attributes.clone(),
        secrets_manager: Some(pair),
        ..Default::default()
    }
}
