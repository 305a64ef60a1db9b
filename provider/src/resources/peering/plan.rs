//! Plan refinements of `dmslink_peering`:
//! - create: read the two VPCs (when their ids and the accepter's settings are known) to refuse
//!   overlapping CIDRs or a missing VPC before any peering is requested, and to show the CIDRs and
//!   the default route tables in the plan;
//! - update: routes or rules that differ from what the arguments ask for (changed arguments, or
//!   drift the refresh found) plan an in-place change; a dead peering plans a replacement.

use crate::engine::diag::{AttrPath, Diagnostic};
use crate::engine::model::{self, ModelError, Unknowable};
use crate::engine::{Value, plan};
use crate::resources::PlanDraft;
use crate::resources::tags;

use super::children::{desired_routes, desired_rules};
use super::converge::{DEAD, overlap, vpc_route_tables, where_dms};
use super::model::{PeeringModel, PlanArgs, PlanComputed, object_type, wholly_known};
use super::spec::{Sides, Spec};

pub async fn modify_plan(draft: &mut PlanDraft<'_>) {
    tags::plan_tags_all(draft);
    if draft.planned.is_null() {
        return;
    }
    own_placement_is_no_replacement(draft);
    if let Err(e) = refine(draft).await {
        draft.diags.push(e.into());
    }
}

/// The refinements, on typed views: the configuration's arguments, the prior state and the
/// planned computed attributes (patched back into the plan).
async fn refine(draft: &mut PlanDraft<'_>) -> Result<(), ModelError> {
    let config: PlanArgs = model::from_value(draft.config)?;
    check_accepter_account(draft, &config);
    let mut planned: PlanComputed = model::from_value(&draft.planned)?;
    if draft.is_create() || draft.is_replace() {
        read_vpcs(draft, &config, &mut planned).await;
    } else {
        let prior = PeeringModel::from_value(draft.prior)?;
        match prior.status.known().filter(|s| DEAD.contains(&s.as_str())) {
            Some(status) => plan_replacement(draft, &prior, status, &mut planned),
            None => plan_children(&prior, &config, &mut planned),
        }
    }
    model::patch(&mut draft.planned, &planned, &object_type())
}

/// `peer_owner_id` equal to the provider's account, or `peer_region` equal to its region, places
/// the DMS VPC where leaving it out does: a change between the two replaces nothing (a state
/// moved from the AWS provider holds both, which that provider always records).
fn own_placement_is_no_replacement(draft: &mut PlanDraft<'_>) {
    let Some(provider) = draft.provider.clone() else { return };
    if draft.is_create() {
        return;
    }
    let own = [("peer_owner_id", provider.account_id.clone()), ("peer_region", Some(provider.region.clone()))];
    let replacing = draft.is_replace();
    for (attr, own) in own {
        let Some(own) = own.filter(|o| !o.is_empty()) else { continue };
        let own_or_unset = |v: &Value| v.is_null() || v.as_str() == Some(own.as_str());
        if own_or_unset(draft.prior.get(attr)) && own_or_unset(draft.planned.get(attr)) {
            draft.requires_replace.retain(|p| *p != AttrPath::attr(attr));
        }
    }
    if replacing && !draft.is_replace() {
        // The generic rules planned a new peering (every computed value unknown): it is this one.
        plan::plan_as_update(&super::schema::schema().block, draft.prior, &mut draft.planned, draft.config);
    }
}

/// A peering that can never carry traffic again is requested anew.
fn plan_replacement(draft: &mut PlanDraft<'_>, prior: &PeeringModel, status: &str, planned: &mut PlanComputed) {
    let id = prior.peering_connection_id.known().cloned().unwrap_or_default();
    planned.peering_connection_id = Unknowable::Unknown;
    planned.status = Unknowable::Unknown;
    planned.routes = Unknowable::Unknown;
    planned.security_group_rules = Unknowable::Unknown;
    draft.requires_replace.push(AttrPath::attr("peering_connection_id"));
    draft.diags.push(Diagnostic::warning(
        "VPC peering will be requested again",
        format!(
            "VPC peering connection {id} is {status}: it can never carry traffic again, so it is replaced by a new \
             request (its routes and rules are removed first and created again for the new peering)."
        ),
    ));
}

/// `peer_owner_id` of another account than the provider's needs `accepter`.
fn check_accepter_account(draft: &mut PlanDraft<'_>, config: &PlanArgs) {
    let Some(owner) = config.peer_owner_id.known() else { return };
    let own = draft.provider.as_ref().and_then(|p| p.account_id.clone());
    if config.accepter.is_null() && own.as_deref().is_some_and(|a| a != owner) {
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
async fn read_vpcs(draft: &mut PlanDraft<'_>, config: &PlanArgs, planned: &mut PlanComputed) {
    let Some(provider) = draft.provider.clone() else { return };
    let Some(placement) = config.placement() else { return };
    let spec = Spec::from_model(&placement);
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
    planned.vpc_cidr = Unknowable::Known(dms.cidr_block.clone());
    planned.peer_vpc_cidr = Unknowable::Known(app.cidr_block.clone());
    for (asked, out, ec2, vpc) in [
        (&config.route_table_ids, &mut planned.route_table_ids, &sides.accepter, &spec.vpc_id),
        (&config.peer_route_table_ids, &mut planned.peer_route_table_ids, &sides.requester, &spec.peer_vpc_id),
    ] {
        if asked.is_null()
            && let Ok(ids) = vpc_route_tables(ec2.as_ref(), vpc).await
        {
            *out = Unknowable::Known(ids.into_iter().map(Unknowable::Known).collect());
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

/// A set of ids once wholly known and set: sorted, each once.
fn known_ids(list: &Unknowable<Vec<Unknowable<String>>>) -> Option<Vec<String>> {
    let mut ids = wholly_known(list)??;
    ids.sort();
    ids.dedup();
    Some(ids)
}

/// Update: routes and rules are unknown when what exists differs from what is asked for.
fn plan_children(prior: &PeeringModel, config: &PlanArgs, planned: &mut PlanComputed) {
    if prior.peering_connection_id.is_null() {
        // A create that failed before the request: the update requests it.
        return mark_children_unknown(prior, config, planned);
    }
    let (Some(vpc_cidr), Some(peer_cidr)) = (planned.vpc_cidr.known(), planned.peer_vpc_cidr.known()) else {
        return mark_children_unknown(prior, config, planned);
    };
    let (Some(tables), Some(peer_tables)) =
        (known_ids(&planned.route_table_ids), known_ids(&planned.peer_route_table_ids))
    else {
        return mark_children_unknown(prior, config, planned);
    };
    let (Some(ports), false) = (wholly_known(&config.ports), config.security_group_id.is_unknown()) else {
        return mark_children_unknown(prior, config, planned);
    };
    let ports: Vec<i64> = ports.unwrap_or_default().iter().filter_map(|n| n.as_i64()).collect();
    let mut want_routes = desired_routes(&tables, peer_cidr);
    want_routes.extend(desired_routes(&peer_tables, vpc_cidr));
    want_routes.sort();
    let mut have_routes = prior.routes.known().cloned().unwrap_or_default();
    have_routes.sort();
    let want_rules = desired_rules(config.security_group_id.known().map(String::as_str), &ports, peer_cidr);
    let mut have_rules = prior.security_group_rules.known().cloned().unwrap_or_default();
    have_rules.sort();
    let active = prior.status.known().map(String::as_str) == Some("active");
    if want_routes != have_routes || !active {
        planned.routes = Unknowable::Unknown;
    }
    if want_rules != have_rules || !active {
        planned.security_group_rules = Unknowable::Unknown;
    }
    if !active {
        planned.status = Unknowable::Unknown;
    }
}

fn mark_children_unknown(prior: &PeeringModel, config: &PlanArgs, planned: &mut PlanComputed) {
    planned.routes = Unknowable::Unknown;
    planned.security_group_rules = Unknowable::Unknown;
    planned.status = Unknowable::Unknown;
    for (had, out) in [
        (&prior.peering_connection_id, &mut planned.peering_connection_id),
        (&prior.vpc_cidr, &mut planned.vpc_cidr),
        (&prior.peer_vpc_cidr, &mut planned.peer_vpc_cidr),
    ] {
        if had.is_null() {
            *out = Unknowable::Unknown;
        }
    }
    for (asked, had, out) in [
        (&config.route_table_ids, &prior.route_table_ids, &mut planned.route_table_ids),
        (&config.peer_route_table_ids, &prior.peer_route_table_ids, &mut planned.peer_route_table_ids),
    ] {
        if asked.is_null() && had.is_null() {
            *out = Unknowable::Unknown;
        }
    }
}
