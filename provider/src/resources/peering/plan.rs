//! Plan refinements of `dmslink_peering`:
//! - create: read the two VPCs (when their ids and the accepter's settings are known) to refuse
//!   overlapping CIDRs or a missing VPC before any peering is requested, and to show the CIDRs and
//!   the default route tables in the plan;
//! - update: routes or rules that differ from what the arguments ask for (changed arguments, or
//!   drift the refresh found) plan an in-place change; a dead peering plans a replacement.

use crate::engine::Value;
use crate::engine::diag::{AttrPath, Diagnostic};
use crate::resources::PlanDraft;
use crate::resources::tags;

use super::children::{RouteRec, RuleRec, desired_routes, desired_rules, records};
use super::converge::{DEAD, overlap, vpc_route_tables, where_dms};
use super::spec::{Sides, Spec};

pub async fn modify_plan(draft: &mut PlanDraft<'_>) {
    tags::plan_tags_all(draft);
    if draft.planned.is_null() {
        return;
    }
    check_accepter_account(draft);
    if draft.is_create() || draft.is_replace() {
        read_vpcs(draft).await;
        return;
    }
    if let Some(status) = draft.prior.get("status").as_str()
        && DEAD.contains(&status)
    {
        let id = draft.prior.get("peering_connection_id").as_str().unwrap_or_default().to_string();
        for name in ["peering_connection_id", "status", "routes", "security_group_rules"] {
            draft.planned.set(name, Value::Unknown);
        }
        draft.requires_replace.push(AttrPath::attr("peering_connection_id"));
        draft.diags.push(Diagnostic::warning(
            "VPC peering will be requested again",
            format!(
                "VPC peering connection {id} is {status}: it can never carry traffic again, so it is replaced by a new \
                 request (its routes and rules are removed first and created again for the new peering)."
            ),
        ));
        return;
    }
    plan_children(draft);
}

/// `peer_owner_id` of another account than the provider's needs `accepter`.
fn check_accepter_account(draft: &mut PlanDraft<'_>) {
    let Some(owner) = draft.config.get("peer_owner_id").as_str() else { return };
    let own = draft.provider.as_ref().and_then(|p| p.account_id.clone());
    if draft.config.get("accepter").is_null() && own.as_deref().is_some_and(|a| a != owner) {
        draft.diags.push(
            Diagnostic::error(
                "Missing accepter",
                format!(
                    "The DMS VPC is in account {owner}, not the provider's ({}): dmslink accepts the peering there \
                     through an IAM role. Add `accepter {{ assume_role_arn = \"arn:aws:iam::{owner}:role/<role>\" }}`.",
                    own.unwrap_or_default()
                ),
            )
            .at(AttrPath::attr("peer_owner_id")),
        );
    }
}

/// Create: both VPCs exist and do not overlap; the CIDRs and default route tables are known.
async fn read_vpcs(draft: &mut PlanDraft<'_>) {
    let Some(provider) = draft.provider.clone() else { return };
    let cfg = draft.config;
    let known = ["vpc_id", "peer_vpc_id", "peer_owner_id", "peer_region", "accepter"]
        .iter()
        .all(|n| cfg.get(n).is_wholly_known());
    if !known {
        return;
    }
    let spec = Spec::from_value(&draft.planned);
    let sides = match Sides::new(&provider.clients, &spec).await {
        Ok(s) => s,
        Err(e) => return could_not_read(draft, e),
    };
    let app = match sides.requester.find_vpc(&spec.peer_vpc_id).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            return draft.diags.error_at(
                AttrPath::attr("peer_vpc_id"),
                "VPC not found",
                format!(
                    "The application VPC {} does not exist in the provider's account and region.",
                    spec.peer_vpc_id
                ),
            );
        }
        Err(e) => return could_not_read(draft, e.describe("reading the application VPC", &spec.peer_vpc_id)),
    };
    let dms = match sides.accepter.find_vpc(&spec.vpc_id).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            return draft.diags.error_at(
                AttrPath::attr("vpc_id"),
                "VPC not found",
                format!("The DMS VPC {} does not exist {}.", spec.vpc_id, where_dms(&spec)),
            );
        }
        Err(e) => return could_not_read(draft, e.describe("reading the DMS VPC", &spec.vpc_id)),
    };
    if let Some(why) = overlap(&dms, &app) {
        return draft.diags.error_at(AttrPath::attr("peer_vpc_id"), "Overlapping VPC CIDRs", why);
    }
    draft.planned.set("vpc_cidr", Value::string(&dms.cidr_block));
    draft.planned.set("peer_vpc_cidr", Value::string(&app.cidr_block));
    for (name, ec2, vpc) in [
        ("route_table_ids", &sides.accepter, &spec.vpc_id),
        ("peer_route_table_ids", &sides.requester, &spec.peer_vpc_id),
    ] {
        if cfg.get(name).is_null()
            && let Ok(ids) = vpc_route_tables(ec2.as_ref(), vpc).await
        {
            draft.planned.set(name, Value::Set(ids.iter().map(Value::string).collect()));
        }
    }
}

/// Reading at plan time is a courtesy: when it fails, apply reports the cause.
fn could_not_read(draft: &mut PlanDraft<'_>, why: String) {
    draft.diags.push(Diagnostic::warning(
        "Could not check the VPCs at plan time",
        format!("{why}\n\nThe CIDR overlap check runs again during apply."),
    ));
}

/// Update: routes and rules are unknown when what exists differs from what is asked for.
fn plan_children(draft: &mut PlanDraft<'_>) {
    if draft.prior.get("peering_connection_id").is_null() {
        // A create that failed before the request: the update requests it.
        return mark_children_unknown(draft);
    }
    let planned = &draft.planned;
    let spec = Spec::from_value(planned);
    let (Some(vpc_cidr), Some(peer_cidr)) = (planned.get("vpc_cidr").as_str(), planned.get("peer_vpc_cidr").as_str())
    else {
        return mark_children_unknown(draft);
    };
    let (Some(tables), Some(peer_tables)) = (&spec.route_table_ids, &spec.peer_route_table_ids) else {
        return mark_children_unknown(draft);
    };
    if !planned.get("route_table_ids").is_wholly_known()
        || !planned.get("peer_route_table_ids").is_wholly_known()
        || !planned.get("ports").is_wholly_known()
        || !planned.get("security_group_id").is_wholly_known()
    {
        return mark_children_unknown(draft);
    }
    let mut want_routes = desired_routes(tables, peer_cidr);
    want_routes.extend(desired_routes(peer_tables, vpc_cidr));
    want_routes.sort();
    let mut have_routes = records(draft.prior.get("routes"), RouteRec::from_value);
    have_routes.sort();
    let want_rules = desired_rules(spec.security_group_id.as_deref(), &spec.ports, peer_cidr);
    let mut have_rules = records(draft.prior.get("security_group_rules"), RuleRec::from_value);
    have_rules.sort();
    let active = draft.prior.get("status").as_str() == Some("active");
    if want_routes != have_routes || !active {
        draft.planned.set("routes", Value::Unknown);
    }
    if want_rules != have_rules || !active {
        draft.planned.set("security_group_rules", Value::Unknown);
    }
    if !active {
        draft.planned.set("status", Value::Unknown);
    }
}

fn mark_children_unknown(draft: &mut PlanDraft<'_>) {
    for name in ["routes", "security_group_rules", "status"] {
        draft.planned.set(name, Value::Unknown);
    }
    for name in ["peering_connection_id", "vpc_cidr", "peer_vpc_cidr"] {
        if draft.prior.get(name).is_null() {
            draft.planned.set(name, Value::Unknown);
        }
    }
    for name in ["route_table_ids", "peer_route_table_ids"] {
        if draft.config.get(name).is_null() && draft.prior.get(name).is_null() {
            draft.planned.set(name, Value::Unknown);
        }
    }
}
