//! A plan never cuts the on-premises VPN (issue 14 item 2): while a site-to-site VPN connection that
//! is not `deleted` uses the stack's own VPN gateway, a plan that destroys the stack, replaces it (a
//! change of `name`, `environment` or `network.vpc_cidr`: the gateway goes with the old stack) or
//! puts another `network.vpn_gateway_id` in its place is refused, naming each connection and the
//! ways on. The user's gateway (`network.vpn_gateway_id`) is only ever detached: never refused. The destroy itself checks again
//! ([`super::preconditions`]): Terraform older than 1.3 does not plan destroys with the provider.

use crate::engine::diag::Diagnostic;
use crate::resources::PlanDraft;

use super::steps::{live_vpn_connections, vpn_connection_list};

/// What the plan would do to the gateway.
pub enum Cut {
    Destroy,
    Replace,
    /// An update that puts `network.vpn_gateway_id` in place of the stack's own gateway: the
    /// own one is deleted (a VPC takes one VPN gateway).
    Swap,
}

/// Refuses `draft` when VPN connections hang on the prior state's VPN gateway and the plan would
/// delete it. The user's gateway (`network.vpn_gateway_id` in the prior state) is only detached and
/// keeps its connections: nothing to refuse. A gateway that cannot be read leaves the plan alone
/// with a warning: the apply checks again before deleting.
pub async fn refuse_cutting(draft: &mut PlanDraft<'_>, cut: Cut) {
    let (Some(provider), Some(vgw)) = (draft.provider.clone(), draft.prior.get("vpn_gateway_id").as_str()) else {
        return;
    };
    let vgw = vgw.to_string();
    if draft.prior.get("network").get("vpn_gateway_id").as_str() == Some(vgw.as_str()) {
        return;
    }
    if matches!(cut, Cut::Swap) {
        let wanted = draft.planned.get("network").get("vpn_gateway_id").as_str().map(str::to_string);
        match wanted {
            None => return,
            Some(w) if w == vgw => {
                draft.diags.push(Diagnostic::warning(
                    "dmslink_main hands its VPN gateway over",
                    format!(
                        "network.vpn_gateway_id names the stack's own VPN gateway {vgw}: the apply keeps it attached \
                         and removes the stack's dmslink:* tags from it. From then on the stack never deletes it: a \
                         destroy or replacement only detaches it, and its VPN connections stay."
                    ),
                ));
                return;
            }
            Some(w) => draft.diags.push(Diagnostic::warning(
                "dmslink_main replaces its VPN gateway",
                format!(
                    "The apply detaches and deletes the stack's own VPN gateway {vgw} and attaches {w} \
                     (network.vpn_gateway_id) in its place: a VPC takes one VPN gateway. To keep {vgw} instead, \
                     set network.vpn_gateway_id = \"{vgw}\"."
                ),
            )),
        }
    }
    let live = match live_vpn_connections(provider.clients.ec2.as_ref(), &vgw).await {
        Ok(live) => live,
        Err(e) => {
            draft.diags.push(Diagnostic::warning(
                "Cannot check the VPN connections on the stack's VPN gateway",
                format!(
                    "{}\n\nThe apply checks again before it deletes anything.",
                    e.describe("listing VPN connections of EC2 VPN gateway", &vgw)
                ),
            ));
            return;
        }
    };
    if live.is_empty() {
        return;
    }
    let list = vpn_connection_list(&live);
    let (summary, what, paths) = match cut {
        Cut::Destroy => ("Destroying this stack would cut its VPN connections", "destroy the stack", Vec::new()),
        Cut::Replace => (
            "Replacing this stack would cut its VPN connections",
            "change what replaces the stack",
            draft.requires_replace.clone(),
        ),
        Cut::Swap => (
            "Changing the VPN gateway would cut the VPN connections of the stack's own gateway",
            "change network.vpn_gateway_id",
            vec![super::vpn_gateway_plan::path()],
        ),
    };
    let detail = format!(
        "The stack's VPN gateway {vgw} carries these site-to-site VPN connections:\n{list}\n\nThe plan would detach and \
         delete the gateway, cutting the on-premises link, and dmslink never cuts a VPN it did not make. To keep \
         them, set network.vpn_gateway_id = \"{vgw}\" and apply first: the stack hands the gateway over (it stays \
         attached, loses the stack's dmslink:* tags, and the stack never deletes it; a destroy or replacement then \
         only detaches it). Or delete these VPN connections where they are managed (or move them to another \
         gateway) first, then {what}. Nothing was changed."
    );
    if paths.is_empty() {
        draft.diags.push(Diagnostic::error(summary, detail));
        return;
    }
    for p in paths {
        draft.diags.push(Diagnostic::error(summary, detail.clone()).at(p));
    }
}
