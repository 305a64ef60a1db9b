//! The Secrets Manager pair of an existing endpoint: read back on refresh (so a secret or role
//! changed out of band shows in the plan), and sent by `ModifyEndpoint` (the pair and the engine,
//! which says which settings object carries it, with the database name; no user, password,
//! server or port, which DMS refuses beside the pair). The secret's value is never read.

use crate::aws::dms::{Endpoint, ModifyEndpointInput, SecretsManagerRef};
use crate::engine::Value;

use super::secrets_config::{ROLE_ARN_ATTR, SECRET_ATTR};

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

/// Sets the block's secret and access role from the endpoint as DMS reports it, for a block that
/// takes its login from a secret (one that does not shows the endpoint's pair as nothing to read:
/// its clear-text settings are the lead's read-back).
pub fn read_back(block: &mut Value, ep: &Endpoint) {
    if block.get(SECRET_ATTR).is_null() {
        return;
    }
    match &ep.secrets_manager {
        Some(pair) => {
            block.set(SECRET_ATTR, Value::string(pair.secret_id.clone()));
            block.set(ROLE_ARN_ATTR, Value::string(pair.access_role_arn.clone()));
        }
        // The endpoint lost its secret (edited out of band): the next plan sends it again.
        None => block.set(SECRET_ATTR, Value::Null),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SECRET: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:tgt-AbC123";

    fn block() -> Value {
        let mut b = Value::Object(Default::default());
        b.set(SECRET_ATTR, Value::string(SECRET));
        b.set(ROLE_ARN_ATTR, Value::string("arn:aws:iam::123456789012:role/mine"));
        b
    }

    #[test]
    fn refresh_shows_a_secret_or_role_changed_out_of_band() {
        let pair = SecretsManagerRef {
            secret_id: "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-XyZ789".into(),
            access_role_arn: "arn:aws:iam::123456789012:role/theirs".into(),
        };
        let mut b = block();
        read_back(&mut b, &Endpoint { secrets_manager: Some(pair.clone()), ..Default::default() });
        assert_eq!(b.get(SECRET_ATTR).as_str(), Some(pair.secret_id.as_str()));
        assert_eq!(b.get(ROLE_ARN_ATTR).as_str(), Some(pair.access_role_arn.as_str()));
        let mut b = block();
        read_back(&mut b, &Endpoint::default());
        assert!(b.get(SECRET_ATTR).is_null());
        let mut plain = Value::Object(Default::default());
        plain.set("username", Value::string("dms"));
        read_back(&mut plain, &Endpoint { secrets_manager: Some(pair), ..Default::default() });
        assert!(plain.get(SECRET_ATTR).is_null(), "a block without a secret is left alone");
    }
}
