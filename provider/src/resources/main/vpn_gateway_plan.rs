//! Plans of `network.vpn_gateway_id` (issue 14 item 3): the existing VPN gateway is checked where
//! it is cheap to read — it exists, is not deleted, and is attached to no VPC but the stack's — so
//! a gateway that cannot be used fails the plan, not the apply half-way; and a changed gateway
//! plans the top-level `vpn_gateway_id`.

use crate::engine::Value;
use crate::engine::diag::{AttrPath, Diagnostic};
use crate::resources::{Ctx, PlanDraft};

use super::desired::Stack;
use super::naming::TAG_STACK;

use super::steps::user_gateway::unusable;

/// The path of `network.vpn_gateway_id`.
pub fn path() -> AttrPath {
    AttrPath::attr("network").then_attr("vpn_gateway_id")
}

/// Checks a new or changed `network.vpn_gateway_id` (a create, a replacement, an update that
/// changes it); a gateway that cannot be read only warns: the apply checks again first.
pub async fn check(draft: &mut PlanDraft<'_>) {
    let wanted = draft.planned.get("network").get("vpn_gateway_id").clone();
    let before = draft.prior.get("network").get("vpn_gateway_id").as_str().map(str::to_string);
    let in_place = !draft.is_create() && !draft.is_replace();
    if in_place && wanted.as_str() != before.as_deref() {
        // Attached by the apply: known now when the configuration names it, else after apply.
        let planned = if wanted.as_str().is_some() { wanted.clone() } else { Value::Unknown };
        draft.planned.set("vpn_gateway_id", planned);
    }
    let Some(id) = wanted.as_str() else { return };
    if in_place && Some(id) == before.as_deref() {
        return;
    }
    let Some(provider) = draft.provider.clone() else { return };
    // The stack's own VPC (an update or a replacement, whose destroy detaches it first) is no
    // other VPC.
    let own_vpc = draft.prior.get("vpc_id").as_str();
    let ec2 = provider.clients.ec2.as_ref();
    match ec2.find_vpn_gateway(id).await {
        Ok(g) => {
            let g = g.filter(|g| !g.is_gone());
            // Terraform plans the create half of a replacement without the prior state: the VPC it
            // finds the gateway on may be the replaced stack's, whose destroy detaches it first.
            // A dmslink stack's VPC is let through here; the create checks again before its
            // first change, after that destroy.
            let replaced = match (own_vpc, g.as_ref().and_then(|g| g.attached_vpc())) {
                (None, Some(vpc)) => {
                    ec2.find_vpc(vpc).await.ok().flatten().is_some_and(|v| v.tags.contains_key(TAG_STACK))
                }
                _ => false,
            };
            if let Some(why) = unusable(id, g.as_ref(), own_vpc, &provider.region).filter(|_| !replaced) {
                draft.diags.push(Diagnostic::error("VPN gateway cannot be used", why).at(path()));
            }
        }
        Err(e) => draft.diags.push(Diagnostic::warning(
            "Cannot check the VPN gateway of network.vpn_gateway_id",
            format!(
                "{}\n\nThe apply checks it again before it attaches it.",
                e.describe("reading EC2 VPN gateway", id)
            ),
        )),
    }
}

/// The create's own check of [`check`], before its first AWS change: the gateway may have changed
/// since the plan, or the plan could not read it.
pub async fn usable_before_create(ctx: &Ctx, stack: &Stack) -> Result<(), String> {
    let Some(id) = &stack.network.vpn_gateway_id else { return Ok(()) };
    let provider = &ctx.provider;
    let g = provider.clients.ec2.find_vpn_gateway(id).await.map_err(|e| e.describe("reading EC2 VPN gateway", id))?;
    match unusable(id, g.filter(|g| !g.is_gone()).as_ref(), None, &provider.region) {
        Some(why) => Err(why),
        None => Ok(()),
    }
}
