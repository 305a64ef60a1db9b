//! Destroy: revoke the rules, delete the routes, delete the peering, wait until it is `deleted`.
//! Anything already gone counts as done, so a destroy that failed part-way resumes; a call whose
//! answer was lost counts as done once a look shows it took effect.

use crate::aws::wait::{Wait, wait_for};
use crate::engine::Value;
use crate::engine::diag::{Diagnostic, Diagnostics};
use crate::resources::Ctx;
use crate::resources::step_kit::tolerate_lost;
use crate::resources::timeouts::Timeouts;

use super::converge::{DEAD, LIVE, delete_owned_route, revoke_rule, wait_options};
use super::model::PeeringModel;
use super::progress::Progress;
use super::spec::{Sides, Spec};

pub async fn delete(ctx: &Ctx, prior: &Value) -> Diagnostics {
    let (model, prog) = match (PeeringModel::from_value(prior), Progress::from_state(prior)) {
        (Ok(m), Ok(p)) => (m, p),
        (Err(e), _) | (_, Err(e)) => return e.into(),
    };
    let spec = Spec::from_model(&model);
    let pcx = prog.peering_connection_id.clone().unwrap_or_default();
    let fail = |detail: String| -> Diagnostics {
        Diagnostic::error(
            format!("Error deleting VPC peering {}", if pcx.is_empty() { &spec.peer_vpc_id } else { &pcx }),
            format!("{detail}\n\nRun `terraform destroy` again once the cause is fixed: deletion resumes."),
        )
        .into()
    };
    let sides = match Sides::new(&ctx.provider.clients, &spec).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    for rec in &prog.rules {
        if let Err(e) = revoke_rule(sides.accepter.as_ref(), &pcx, rec).await {
            return fail(e.describe("revoking ingress rule of", &rec.security_group_id));
        }
    }
    for rec in &prog.routes {
        // The DMS VPC's tables hold the routes to the application VPC's CIDR.
        let ec2 = if prog.peer_vpc_cidr.as_deref() == Some(rec.destination_cidr_block.as_str()) {
            sides.accepter.as_ref()
        } else {
            sides.requester.as_ref()
        };
        if let Err(e) = delete_owned_route(ec2, &pcx, rec).await {
            return fail(
                e.describe("deleting route", &format!("{} → {}", rec.route_table_id, rec.destination_cidr_block)),
            );
        }
    }
    if pcx.is_empty() {
        return Diagnostics::new();
    }
    // A lost answer: done when the peering is deleting, deleted or gone.
    let deleted = || async {
        let p = sides.requester.find_vpc_peering_connection(&pcx).await?;
        Ok(p.is_none_or(|p| matches!(p.status.as_str(), "deleting" | "deleted")))
    };
    match tolerate_lost(|| sides.requester.delete_vpc_peering_connection(&pcx), deleted).await {
        Ok(()) => {}
        Err(e) if e.is_not_found() || e.code == "InvalidStateTransition" => {}
        Err(e) => return fail(e.describe("deleting VPC peering", &pcx)),
    }
    let deadline = Timeouts::deadline(model.timeouts.as_ref(), "delete");
    let what = format!("VPC peering connection ({pcx})");
    let pending: Vec<&str> = LIVE.iter().chain(["deleting"].iter()).copied().collect();
    let target: Vec<&str> = DEAD.iter().copied().filter(|s| *s != "deleting").collect();
    let wait = Wait::new(&what, &pending, &target)
        .options(wait_options())
        .gone_is_target()
        .timeout(deadline.saturating_duration_since(tokio::time::Instant::now()));
    match wait_for(&wait, &ctx.cancel, || sides.requester.find_vpc_peering_connection(&pcx)).await {
        Ok(_) => Diagnostics::new(),
        Err(e) => fail(e.to_string()),
    }
}
