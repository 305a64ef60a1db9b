//! What exists of a `dmslink_peering` in AWS, as the state records it: the connection, the CIDRs,
//! the route tables used and every route and rule the resource owns. Create and update fill it in
//! as each object comes to exist, so a failure part-way returns exactly what exists.

use serde::{Deserialize, Serialize};

use crate::engine::Value;
use crate::engine::model::{self, ModelError};

use super::children::{RouteRec, RuleRec};
use super::model::{PeeringModel, object_type};

/// The state's record of what exists: a typed view of the computed attributes (`engine::model`),
/// read from a prior state and written over the planned value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Progress {
    pub peering_connection_id: Option<String>,
    pub status: Option<String>,
    pub vpc_cidr: Option<String>,
    pub peer_vpc_cidr: Option<String>,
    pub route_table_ids: Option<Vec<String>>,
    pub peer_route_table_ids: Option<Vec<String>>,
    #[serde(default)]
    pub routes: Vec<RouteRec>,
    #[serde(default, rename = "security_group_rules")]
    pub rules: Vec<RuleRec>,
}

impl Progress {
    /// The records of a prior state (wholly known, as every state is).
    pub fn from_state(v: &Value) -> Result<Progress, ModelError> {
        let mut p: Progress = model::from_value(v)?;
        for ids in [&mut p.route_table_ids, &mut p.peer_route_table_ids].into_iter().flatten() {
            ids.sort();
        }
        Ok(p)
    }

    /// `base` (the planned value, or the prior state) with the records: every computed attribute
    /// known (null when nothing exists of it yet), lists sorted so equal records compare equal.
    pub fn to_state(&self, base: &PeeringModel) -> Result<Value, ModelError> {
        let mut base = base.clone();
        base.tags_all.unknown_to_null();
        let mut state = base.to_value()?;
        let mut rec = self.clone();
        rec.routes.sort();
        rec.routes.dedup();
        rec.rules.sort();
        rec.rules.dedup();
        model::patch(&mut state, &rec, &object_type())?;
        Ok(state)
    }

    pub fn add_route(&mut self, rec: RouteRec) {
        if !self.routes.contains(&rec) {
            self.routes.push(rec);
        }
    }

    pub fn add_rule(&mut self, rec: RuleRec) {
        if !self.rules.contains(&rec) {
            self.rules.push(rec);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::resources::peering::schema::schema;

    #[test]
    fn records_round_trip_and_unknowns_become_null() {
        let mut planned = Value::null_object(&schema().value_type());
        for name in ["peering_connection_id", "status", "routes", "route_table_ids", "tags_all"] {
            planned.set(name, Value::Unknown);
        }
        let planned = PeeringModel::from_value(&planned).unwrap();
        let empty = Progress::default().to_state(&planned).unwrap();
        assert!(empty.is_wholly_known(), "{empty:?}");
        assert_eq!(Progress::from_state(&empty).unwrap(), Progress::default());

        let p = Progress {
            peering_connection_id: Some("pcx-1".into()),
            status: Some("active".into()),
            vpc_cidr: Some("10.0.0.0/16".into()),
            peer_vpc_cidr: Some("10.1.0.0/16".into()),
            route_table_ids: Some(vec!["rtb-b".into(), "rtb-a".into()]),
            peer_route_table_ids: None,
            routes: vec![
                RouteRec { route_table_id: "rtb-b".into(), destination_cidr_block: "10.1.0.0/16".into() },
                RouteRec { route_table_id: "rtb-a".into(), destination_cidr_block: "10.1.0.0/16".into() },
            ],
            rules: vec![RuleRec { security_group_id: "sg-1".into(), port: 5432, cidr: "10.1.0.0/16".into() }],
        };
        let state = p.to_state(&planned).unwrap();
        let back = Progress::from_state(&state).unwrap();
        let mut sorted = p.clone();
        sorted.routes.sort();
        sorted.route_table_ids = Some(vec!["rtb-a".into(), "rtb-b".into()]);
        assert_eq!(back, sorted);
    }
}
