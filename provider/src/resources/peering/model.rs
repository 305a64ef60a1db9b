//! `dmslink_peering` as typed models (see `engine::model`): [`PeeringModel`] is the whole object as a
//! state, an apply's plan and an import carry it; [`PlanArgs`] and [`PlanComputed`] are what
//! validation and planning read (and refine), where any argument may still be unknown.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::model::{self, ModelError, Unknowable};
use crate::engine::value::Number;
use crate::engine::{Type, Value};
use crate::resources::timeouts::Timeouts;

use super::children::{RouteRec, RuleRec};

pub type Tags = BTreeMap<String, String>;

/// The `accepter` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Accepter {
    pub assume_role_arn: Option<String>,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
}

/// Every attribute of the resource, as known at apply and in state. Computed values are
/// [`Unknowable`] because an apply's plan may still leave them unknown.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PeeringModel {
    pub vpc_id: Option<String>,
    pub peer_vpc_id: Option<String>,
    pub peer_owner_id: Option<String>,
    pub peer_region: Option<String>,
    pub route_table_ids: Unknowable<Vec<String>>,
    pub peer_route_table_ids: Unknowable<Vec<String>>,
    pub security_group_id: Option<String>,
    pub ports: Option<Vec<i64>>,
    pub dns_resolution: Option<bool>,
    pub tags: Option<Tags>,
    pub tags_all: Unknowable<Tags>,
    pub peering_connection_id: Unknowable<String>,
    pub status: Unknowable<String>,
    pub vpc_cidr: Unknowable<String>,
    pub peer_vpc_cidr: Unknowable<String>,
    pub routes: Unknowable<Vec<RouteRec>>,
    pub security_group_rules: Unknowable<Vec<RuleRec>>,
    pub accepter: Option<Accepter>,
    pub timeouts: Option<Timeouts>,
}

impl PeeringModel {
    pub fn from_value(v: &Value) -> Result<PeeringModel, ModelError> {
        model::from_value(v)
    }

    pub fn to_value(&self) -> Result<Value, ModelError> {
        model::to_value(self, &object_type())
    }
}

/// The `accepter` block at plan time.
#[derive(Debug, Deserialize)]
pub struct PlanAccepter {
    pub assume_role_arn: Unknowable<String>,
    pub external_id: Unknowable<String>,
    pub session_name: Unknowable<String>,
}

/// The arguments as validation and planning read them (in the schema's order, as every model
/// here): any may be unknown, lists element by element. `ports` keeps numbers as written: a fraction is the schema validator's to report.
#[derive(Debug, Deserialize)]
pub struct PlanArgs {
    pub vpc_id: Unknowable<String>,
    pub peer_vpc_id: Unknowable<String>,
    pub peer_owner_id: Unknowable<String>,
    pub peer_region: Unknowable<String>,
    pub route_table_ids: Unknowable<Vec<Unknowable<String>>>,
    pub peer_route_table_ids: Unknowable<Vec<Unknowable<String>>>,
    pub security_group_id: Unknowable<String>,
    pub ports: Unknowable<Vec<Unknowable<Number>>>,
    pub accepter: Unknowable<PlanAccepter>,
}

/// The computed attributes a plan refines (read from the planned value, patched back into it).
#[derive(Debug, Deserialize, Serialize)]
pub struct PlanComputed {
    pub route_table_ids: Unknowable<Vec<Unknowable<String>>>,
    pub peer_route_table_ids: Unknowable<Vec<Unknowable<String>>>,
    pub peering_connection_id: Unknowable<String>,
    pub status: Unknowable<String>,
    pub vpc_cidr: Unknowable<String>,
    pub peer_vpc_cidr: Unknowable<String>,
    pub routes: Unknowable<Vec<RouteRec>>,
    pub security_group_rules: Unknowable<Vec<RuleRec>>,
}

/// A list whose every element is known: `None` while any part is unknown; `Some(None)` for null.
pub fn wholly_known<T: Clone>(list: &Unknowable<Vec<Unknowable<T>>>) -> Option<Option<Vec<T>>> {
    match list {
        Unknowable::Null => Some(None),
        Unknowable::Unknown => None,
        Unknowable::Known(xs) => xs.iter().map(|x| x.known().cloned()).collect::<Option<Vec<T>>>().map(Some),
    }
}

impl PlanAccepter {
    fn is_wholly_known(&self) -> bool {
        ![&self.assume_role_arn, &self.external_id, &self.session_name].iter().any(|v| v.is_unknown())
    }
}

impl PlanArgs {
    /// Where the two VPCs are (their ids, the DMS VPC's account and region, the accepter's role),
    /// once all of it is known.
    pub fn placement(&self) -> Option<PeeringModel> {
        let accepter = match &self.accepter {
            Unknowable::Unknown => return None,
            Unknowable::Null => None,
            Unknowable::Known(a) if !a.is_wholly_known() => return None,
            Unknowable::Known(a) => Some(Accepter {
                assume_role_arn: a.assume_role_arn.known().cloned(),
                external_id: a.external_id.known().cloned(),
                session_name: a.session_name.known().cloned(),
            }),
        };
        let known = |v: &Unknowable<String>| (!v.is_unknown()).then(|| v.known().cloned());
        Some(PeeringModel {
            vpc_id: known(&self.vpc_id)?,
            peer_vpc_id: known(&self.peer_vpc_id)?,
            peer_owner_id: known(&self.peer_owner_id)?,
            peer_region: known(&self.peer_region)?,
            accepter,
            ..PeeringModel::default()
        })
    }
}

pub fn object_type() -> Type {
    super::schema::schema().value_type()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// The model names every attribute of the schema and nothing else: a null object reads into
    /// the default model, and the default model writes the null object back.
    #[test]
    fn the_model_is_the_schema() {
        let null = Value::null_object(&object_type());
        let p = PeeringModel::from_value(&null).unwrap();
        assert_eq!(p, PeeringModel::default());
        assert_eq!(p.to_value().unwrap(), null);
        let args: PlanArgs = model::from_value(&null).unwrap();
        assert!(args.vpc_id.is_null() && args.ports.is_null());
        let computed: PlanComputed = model::from_value(&null).unwrap();
        let mut back = null.clone();
        model::patch(&mut back, &computed, &object_type()).unwrap();
        assert_eq!(back, null);
    }

    #[test]
    fn plan_views_take_unknowns_anywhere_and_placement_waits_for_them() {
        let mut v = Value::null_object(&object_type());
        v.set("vpc_id", Value::string("vpc-0000000a"));
        v.set("peer_vpc_id", Value::Unknown);
        v.set("route_table_ids", Value::Set(vec![Value::string("rtb-1"), Value::Unknown]));
        v.set("ports", Value::List(vec![Value::Unknown]));
        let args: PlanArgs = model::from_value(&v).unwrap();
        assert_eq!(wholly_known(&args.route_table_ids), None);
        assert_eq!(wholly_known(&args.peer_route_table_ids), Some(None));
        assert!(args.placement().is_none());
        v.set("peer_vpc_id", Value::string("vpc-0000000b"));
        let args: PlanArgs = model::from_value(&v).unwrap();
        let at = args.placement().unwrap();
        assert_eq!((at.vpc_id.as_deref(), at.peer_vpc_id.as_deref()), (Some("vpc-0000000a"), Some("vpc-0000000b")));
    }
}
