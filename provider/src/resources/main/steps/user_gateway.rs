//! The user's VPN gateway (`network.vpn_gateway_id`): attached to the stack's VPC and detached
//! from it, never created, tagged or deleted: its site-to-site VPN connections (and their tunnels
//! and addresses) live on the gateway, not in the VPC, and outlive the stack. Also the attach and
//! detach both kinds of gateway share, each safe when its answer is lost (look before acting
//! again, `docs/reliability.md`).

use std::time::Duration;

use crate::aws::ec2::{Ec2Api, VpnGateway};
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::wait::Wait;
use crate::resources::step_kit::{
    R, StepError, aws_err, gone_ok, poll_backoff, poll_until, retry, retry_when, tolerate_lost, wait_for,
};

use super::super::naming::{TAG_RESOURCE, TAG_STACK, kind, owned_by};
use super::{MainStep, StackRun};

const STEP: MainStep = MainStep::CreateVpnGateway;

/// Why the gateway `id` of `network.vpn_gateway_id` cannot be attached to `own_vpc` (the stack's
/// VPC, or none yet), as it is now; `None` when it can. A gateway attached to another VPC must be
/// detached there first: "You can attach one virtual private gateway to one VPC at a time"
/// (EC2 API reference, `AttachVpnGateway`).
pub fn unusable(id: &str, g: Option<&VpnGateway>, own_vpc: Option<&str>, region: &str) -> Option<String> {
    let Some(g) = g else {
        return Some(format!(
            "VPN gateway {id} (network.vpn_gateway_id) does not exist in {region}. Check the id and the \
             provider's region, or remove vpn_gateway_id to let the stack create a gateway of its own."
        ));
    };
    if matches!(g.state.as_str(), "deleting" | "deleted") {
        return Some(format!(
            "VPN gateway {id} (network.vpn_gateway_id) is {}: it cannot be attached. Choose an available \
             VPN gateway, or remove vpn_gateway_id to let the stack create one.",
            g.state
        ));
    }
    let elsewhere = g
        .attachments
        .iter()
        .find(|a| Some(a.vpc_id.as_str()) != own_vpc && matches!(a.state.as_str(), "attaching" | "attached"))?;
    Some(format!(
        "VPN gateway {id} (network.vpn_gateway_id) is {} to {}, another VPC; a VPN gateway is attached to one \
         VPC at a time. Detach it there first (where that attachment is managed), or choose another gateway. \
         Nothing was changed for it.",
        elsewhere.state, elsewhere.vpc_id
    ))
}

/// Attaches the user's gateway `id` to the stack's VPC, after the check of [`unusable`]. A gateway
/// the stack created and is now told to use hands over: it loses the stack's ownership tags, so no
/// later run deletes it.
pub(super) async fn use_existing(run: &StackRun, id: &str, vpc: &str) -> R<()> {
    let ec2 = run.ec2();
    let read = || async { ec2.find_vpn_gateway(id).await.map(|g| g.filter(|g| !g.is_gone())) };
    let g = read().await.map_err(|e| aws_err(STEP, "reading EC2 VPN gateway", id, &e))?;
    // A detach still under way (from another VPC, or from this one out of band) ends in
    // `detached`: "You must wait for the attachment's state to switch to detached before you can
    // ... attach a different VPC" (DetachVpnGateway); the emulator refuses any attach until then.
    if g.as_ref().is_some_and(|g| g.attachments.iter().any(|a| a.state == "detaching")) {
        poll_until(run, STEP, &format!("EC2 VPN gateway ({id}) detached"), poll_backoff(), || async {
            Ok(read().await?.is_none_or(|g| g.attachments.iter().all(|a| a.state != "detaching")))
        })
        .await?;
    }
    let g = read().await.map_err(|e| aws_err(STEP, "reading EC2 VPN gateway", id, &e))?;
    if let Some(why) = unusable(id, g.as_ref(), Some(vpc), &run.ctx.provider.region) {
        return Err(StepError::new(STEP, why));
    }
    if g.as_ref().is_some_and(|g| owned_by(&g.tags, &run.stack, kind::VPN_GATEWAY)) {
        let keys = [TAG_STACK.to_string(), TAG_RESOURCE.to_string()];
        ec2.delete_tags(&[id.to_string()], &keys)
            .await
            .map_err(|e| aws_err(STEP, "handing over (untagging) EC2 VPN gateway", id, &e))?;
        tracing::info!(vgw = id, "the stack's own VPN gateway is handed over to network.vpn_gateway_id");
    }
    run.kids().vpn_gateway_id = Some(id.to_string());
    let what = format!("EC2 VPN gateway ({id})");
    wait_for(run, STEP, Wait::new(&what, &["pending"], &["available"]), || ec2.find_vpn_gateway(id)).await?;
    attach(run, id, vpc).await
}

/// Attaches gateway `id` to `vpc` unless it is attached or attaching there, and waits until
/// `attached`. Repeating the attach to the same VPC answers the attachment, so a lost answer is
/// looked up, never a second attachment.
pub(super) async fn attach(run: &StackRun, id: &str, vpc: &str) -> R<()> {
    let ec2 = run.ec2();
    let g = ec2.find_vpn_gateway(id).await.map_err(|e| aws_err(STEP, "reading EC2 VPN gateway", id, &e))?;
    if g.as_ref().and_then(|g| g.attached_vpc()) != Some(vpc) {
        let attach = || {
            tolerate_lost(
                || async { ec2.attach_vpn_gateway(id, vpc).await.map(|_| ()) },
                || async {
                    Ok(attachment_state(ec2, id, vpc).await?.is_some_and(|s| s == "attaching" || s == "attached"))
                },
            )
        };
        retry(run, &[ErrorKind::NotFound], Some(Duration::from_secs(120)), attach)
            .await
            .map_err(|e| aws_err(STEP, "attaching EC2 VPN gateway", id, &e))?;
    }
    poll_until(run, STEP, &format!("EC2 VPN gateway ({id}) attached to {vpc}"), poll_backoff(), || async {
        Ok(attachment_state(ec2, id, vpc).await?.is_some_and(|s| s == "attached"))
    })
    .await
}

/// Detaches gateway `id` from `vpc` and waits until `detached`; a gateway or attachment already
/// gone counts as done. A VPN connection on its way up or down holds the attachment ("pending VPNs
/// or Virtual Interfaces", InvalidParameterValue; terraform-provider-aws#11720): waited out. An
/// `available` one does not: detaching leaves it (and its tunnels) on the gateway.
pub(super) async fn detach(run: &StackRun, id: &str, vpc: &str) -> R<()> {
    let ec2 = run.ec2();
    let held = |e: &AwsError| e.is_kind(ErrorKind::InvalidState) || e.message.contains("pending VPNs");
    let gone_or_going =
        || async { Ok(attachment_state(ec2, id, vpc).await?.is_none_or(|s| s == "detaching" || s == "detached")) };
    let detached =
        retry_when(run, held, None, || tolerate_lost(|| ec2.detach_vpn_gateway(id, vpc), gone_or_going)).await;
    gone_ok(STEP, "detaching EC2 VPN gateway", id, detached)?;
    poll_until(run, STEP, &format!("EC2 VPN gateway ({id}) detached from {vpc}"), poll_backoff(), || async {
        Ok(attachment_state(ec2, id, vpc).await?.is_none_or(|s| s == "detached"))
    })
    .await
}

/// Detaches the user's gateway `id` from the stack's VPC only (attached elsewhere since, it stays
/// there) and forgets it: the gateway and its VPN connections stay.
pub(super) async fn release(run: &StackRun, id: &str) -> R<()> {
    let vpc = run.kids().vpc_id.clone();
    if let Some(vpc) = vpc {
        let live = attachment_state(run.ec2(), id, &vpc)
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 VPN gateway", id, &e))?
            .is_some_and(|s| s != "detached");
        if live {
            detach(run, id, &vpc).await?;
        }
    }
    tracing::info!(vgw = id, "detached the VPN gateway of network.vpn_gateway_id; it stays, with its VPN connections");
    run.kids().vpn_gateway_id = None;
    Ok(())
}

/// The state of gateway `id`'s attachment to `vpc`; `None` when the gateway or the attachment is
/// gone.
async fn attachment_state(ec2: &dyn Ec2Api, id: &str, vpc: &str) -> Result<Option<String>, AwsError> {
    let g = match ec2.find_vpn_gateway(id).await {
        Err(e) if e.is_not_found() => return Ok(None),
        other => other?,
    };
    Ok(g.and_then(|g| g.attachments.into_iter().find(|a| a.vpc_id == vpc).map(|a| a.state)))
}
