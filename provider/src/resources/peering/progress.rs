//! What exists of a `dmslink_peering` in AWS, as the state records it: the connection, the CIDRs,
//! the route tables used and every route and rule the resource owns. Create and update fill it in
//! as each object comes to exist, so a failure part-way returns exactly what exists.

use crate::engine::Value;

use super::children::{RouteRec, RuleRec, records};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub peering_connection_id: Option<String>,
    pub status: Option<String>,
    pub vpc_cidr: Option<String>,
    pub peer_vpc_cidr: Option<String>,
    pub route_table_ids: Option<Vec<String>>,
    pub peer_route_table_ids: Option<Vec<String>>,
    pub routes: Vec<RouteRec>,
    pub rules: Vec<RuleRec>,
}

fn known_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn known_strings(v: &Value) -> Option<Vec<String>> {
    if !v.is_wholly_known() {
        return None;
    }
    let mut out: Vec<String> = v.as_elements()?.iter().filter_map(|s| s.as_str().map(str::to_string)).collect();
    out.sort();
    Some(out)
}

fn string_set(items: &[String]) -> Value {
    Value::Set(items.iter().map(Value::string).collect())
}

impl Progress {
    /// The records of a prior state (unknown values count as not there).
    pub fn from_state(v: &Value) -> Progress {
        Progress {
            peering_connection_id: known_str(v.get("peering_connection_id")),
            status: known_str(v.get("status")),
            vpc_cidr: known_str(v.get("vpc_cidr")),
            peer_vpc_cidr: known_str(v.get("peer_vpc_cidr")),
            route_table_ids: known_strings(v.get("route_table_ids")),
            peer_route_table_ids: known_strings(v.get("peer_route_table_ids")),
            routes: records(v.get("routes"), RouteRec::from_value),
            rules: records(v.get("security_group_rules"), RuleRec::from_value),
        }
    }

    /// `base` (the planned value, or the prior state) with the records: every computed attribute
    /// known (null when nothing exists of it yet), lists sorted so equal records compare equal.
    pub fn to_state(&self, base: &Value) -> Value {
        let mut v = base.clone();
        v.set("peering_connection_id", Value::opt_string(self.peering_connection_id.clone()));
        v.set("status", Value::opt_string(self.status.clone()));
        v.set("vpc_cidr", Value::opt_string(self.vpc_cidr.clone()));
        v.set("peer_vpc_cidr", Value::opt_string(self.peer_vpc_cidr.clone()));
        v.set("route_table_ids", self.route_table_ids.as_deref().map_or(Value::Null, string_set));
        v.set("peer_route_table_ids", self.peer_route_table_ids.as_deref().map_or(Value::Null, string_set));
        let mut routes = self.routes.clone();
        routes.sort();
        routes.dedup();
        v.set("routes", Value::List(routes.iter().map(RouteRec::to_value).collect()));
        let mut rules = self.rules.clone();
        rules.sort();
        rules.dedup();
        v.set("security_group_rules", Value::List(rules.iter().map(RuleRec::to_value).collect()));
        if !v.get("tags_all").is_wholly_known() {
            v.set("tags_all", Value::Null);
        }
        v
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
        let empty = Progress::default().to_state(&planned);
        assert!(empty.is_wholly_known(), "{empty:?}");
        assert_eq!(empty.get("routes"), &Value::List(vec![]));

        let p = Progress {
            peering_connection_id: Some("pcx-1".into()),
            status: Some("active".into()),
            vpc_cidr: Some("10.0.0.0/16".into()),
            peer_vpc_cidr: Some("10.1.0.0/16".into()),
            route_table_ids: Some(vec!["rtb-a".into(), "rtb-b".into()]),
            peer_route_table_ids: None,
            routes: vec![
                RouteRec { route_table_id: "rtb-b".into(), destination_cidr_block: "10.1.0.0/16".into() },
                RouteRec { route_table_id: "rtb-a".into(), destination_cidr_block: "10.1.0.0/16".into() },
            ],
            rules: vec![RuleRec { security_group_id: "sg-1".into(), port: 5432, cidr: "10.1.0.0/16".into() }],
        };
        let state = p.to_state(&planned);
        let back = Progress::from_state(&state);
        let mut sorted = p.clone();
        sorted.routes.sort();
        assert_eq!(back, sorted);
    }
}
