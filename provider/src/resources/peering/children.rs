//! What `dmslink_peering` owns besides the connection: routes in both VPCs and ingress rules, as
//! state records, and the decisions create/read/update make about them (pure, so they are tested
//! without AWS).

use serde::{Deserialize, Serialize};

use crate::aws::ec2::{Route, RouteTarget, VpcPeering};

/// One route the resource owns: in `route_table_id`, to `destination_cidr_block` through the
/// peering. An entry of the state's `routes`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRec {
    pub route_table_id: String,
    pub destination_cidr_block: String,
}

/// One TCP ingress rule the resource owns. An entry of the state's `security_group_rules`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleRec {
    pub security_group_id: String,
    pub port: i64,
    pub cidr: String,
}

/// A route per table: in the DMS VPC's tables to the application VPC's CIDR and the other way.
pub fn desired_routes(tables: &[String], destination: &str) -> Vec<RouteRec> {
    let mut out: Vec<RouteRec> = tables
        .iter()
        .map(|t| RouteRec { route_table_id: t.clone(), destination_cidr_block: destination.to_string() })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A rule per port from `cidr`.
pub fn desired_rules(security_group_id: Option<&str>, ports: &[i64], cidr: &str) -> Vec<RuleRec> {
    let Some(sg) = security_group_id else { return Vec::new() };
    let mut out: Vec<RuleRec> =
        ports.iter().map(|p| RuleRec { security_group_id: sg.to_string(), port: *p, cidr: cidr.to_string() }).collect();
    out.sort();
    out.dedup();
    out
}

/// What to do for a wanted route, given the route already at its destination (if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteAction {
    Create,
    /// Already there through this peering: adopted (recorded, not created).
    Adopt,
    /// A `blackhole` route to another peering (deleted, failed...) carries no traffic: replaced.
    Replace,
    /// Another live target holds the destination: refused with this sentence.
    Conflict(String),
}

pub fn route_action(existing: Option<&Route>, peering_id: &str, rec: &RouteRec) -> RouteAction {
    let Some(r) = existing else { return RouteAction::Create };
    match &r.target {
        RouteTarget::VpcPeering(p) if p == peering_id => RouteAction::Adopt,
        RouteTarget::VpcPeering(_) if r.state == "blackhole" => RouteAction::Replace,
        other => RouteAction::Conflict(format!(
            "route table {} already has a route to {} through {}; remove it or leave {} out of the route tables",
            rec.route_table_id,
            rec.destination_cidr_block,
            match other {
                RouteTarget::Local => "the VPC itself (local)".to_string(),
                RouteTarget::Gateway(id) | RouteTarget::VpcPeering(id) | RouteTarget::Other(id) => id.clone(),
            },
            rec.route_table_id
        )),
    }
}

/// The DNS options to send: each side whose reported option differs from `want` (`None` while
/// the peering reports none, i.e. before it is active, is a difference too).
pub fn dns_changes(peering: &VpcPeering, want: bool) -> (Option<bool>, Option<bool>) {
    let differs = |v: Option<bool>| (v != Some(want)).then_some(want);
    (
        differs(peering.requester.allow_dns_resolution_from_remote_vpc),
        differs(peering.accepter.allow_dns_resolution_from_remote_vpc),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::aws::ec2::PeerSide;

    fn route(target: RouteTarget, state: &str) -> Route {
        Route {
            destination_cidr_block: "10.1.0.0/16".into(),
            target,
            state: state.into(),
            origin: "CreateRoute".into(),
        }
    }

    #[test]
    fn desired_children_are_sorted_and_unique() {
        let t = vec!["rtb-b".to_string(), "rtb-a".to_string(), "rtb-b".to_string()];
        let r = desired_routes(&t, "10.0.0.0/24");
        assert_eq!(r.iter().map(|r| r.route_table_id.as_str()).collect::<Vec<_>>(), ["rtb-a", "rtb-b"]);
        assert!(desired_rules(None, &[5432], "10.1.0.0/16").is_empty());
        let g = desired_rules(Some("sg-1"), &[5432, 1521, 5432], "10.1.0.0/16");
        assert_eq!(g.iter().map(|g| g.port).collect::<Vec<_>>(), [1521, 5432]);
    }

    #[test]
    fn existing_routes_are_adopted_replaced_or_refused() {
        let rec = RouteRec { route_table_id: "rtb-1".into(), destination_cidr_block: "10.1.0.0/16".into() };
        assert_eq!(route_action(None, "pcx-1", &rec), RouteAction::Create);
        let ours = route(RouteTarget::VpcPeering("pcx-1".into()), "active");
        assert_eq!(route_action(Some(&ours), "pcx-1", &rec), RouteAction::Adopt);
        let dead = route(RouteTarget::VpcPeering("pcx-0".into()), "blackhole");
        assert_eq!(route_action(Some(&dead), "pcx-1", &rec), RouteAction::Replace);
        let live = route(RouteTarget::VpcPeering("pcx-0".into()), "active");
        let RouteAction::Conflict(why) = route_action(Some(&live), "pcx-1", &rec) else { panic!() };
        assert!(why.contains("pcx-0") && why.contains("rtb-1"), "{why}");
        let vgw = route(RouteTarget::Gateway("vgw-1".into()), "blackhole");
        assert!(matches!(route_action(Some(&vgw), "pcx-1", &rec), RouteAction::Conflict(_)));
    }

    #[test]
    fn dns_changes_send_only_the_sides_that_differ() {
        let side = |v| PeerSide { allow_dns_resolution_from_remote_vpc: v, ..PeerSide::default() };
        let mut p = VpcPeering { requester: side(Some(true)), accepter: side(None), ..VpcPeering::default() };
        assert_eq!(dns_changes(&p, true), (None, Some(true)));
        p.accepter = side(Some(true));
        assert_eq!(dns_changes(&p, true), (None, None));
        assert_eq!(dns_changes(&p, false), (Some(false), Some(false)));
    }
}
