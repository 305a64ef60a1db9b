//! Read and import: the state from what AWS reports, so the plan shows drift. A route, rule or DNS
//! option removed out of band drops out of the state (the plan puts it back); a peering that is
//! gone, deleted, rejected, expired or failed keeps its state with that `status` (the plan replaces
//! it, and destroy still cleans up its routes and rules).

use std::collections::BTreeSet;

use crate::aws::ec2::{Ec2Api, Filters, RouteTarget, RuleDirection, RulePeer, VpcPeering};
use crate::aws::error::AwsError;
use crate::engine::Value;
use crate::engine::diag::{Diagnostic, Diagnostics};
use crate::engine::model::{self, Unknowable};
use crate::resources::Ctx;
use crate::resources::tags;

use super::children::{RouteRec, RuleRec};
use super::model::PeeringModel;
use super::progress::Progress;
use super::spec::{Sides, Spec, user_tags};

fn read_error(id: &str, detail: String) -> Diagnostics {
    Diagnostic::error(format!("Error reading VPC peering {id}"), detail).into()
}

/// `dns_resolution` as AWS shows it: the configured value while both sides have it, else its
/// opposite (so the plan shows the change back).
pub fn dns_as_reported(p: &VpcPeering, want: bool) -> bool {
    let both = p.requester.allow_dns_resolution_from_remote_vpc == Some(want)
        && p.accepter.allow_dns_resolution_from_remote_vpc == Some(want);
    if both { want } else { !want }
}

/// Routes in `vpc_id`'s tables to `destination` through `pcx`.
async fn routes_through(
    ec2: &dyn Ec2Api,
    vpc_id: &str,
    destination: &str,
    pcx: &str,
) -> Result<Vec<RouteRec>, AwsError> {
    let tables = ec2.find_route_tables(&Filters::new().vpc(vpc_id)).await?;
    let target = RouteTarget::VpcPeering(pcx.to_string());
    Ok(tables
        .iter()
        .filter(|t| t.routes.iter().any(|r| r.destination_cidr_block == destination && r.target == target))
        .map(|t| RouteRec { route_table_id: t.id.clone(), destination_cidr_block: destination.to_string() })
        .collect())
}

/// Single-port TCP ingress rules of `group_id` from `cidr`, by port.
async fn ports_open(ec2: &dyn Ec2Api, group_id: &str, cidr: &str) -> Result<BTreeSet<i64>, AwsError> {
    let rules = match ec2.find_security_group_rules(group_id).await {
        Ok(r) => r,
        Err(e) if e.is_not_found() => return Ok(BTreeSet::new()),
        Err(e) => return Err(e),
    };
    Ok(rules
        .iter()
        .filter(|r| r.direction == RuleDirection::Ingress && r.rule.protocol == "tcp")
        .filter(|r| r.rule.from_port == r.rule.to_port && r.rule.peer == RulePeer::Cidr(cidr.to_string()))
        .map(|r| i64::from(r.rule.from_port))
        .collect())
}

/// The refreshed state. `discover_rules`: take every single-port rule from the application VPC's
/// CIDR on `security_group_id` as owned (import), not only the recorded ones.
pub async fn refresh(ctx: &Ctx, state: &Value, discover_rules: bool) -> Result<Value, Diagnostics> {
    let mut prog = Progress::from_state(state)?;
    let Some(pcx) = prog.peering_connection_id.clone() else {
        // A create that failed before the request: nothing to read.
        return Ok(state.clone());
    };
    let mut out = PeeringModel::from_value(state)?;
    let spec = Spec::from_model(&out);
    let sides = Sides::new(&ctx.provider.clients, &spec).await.map_err(|e| read_error(&pcx, e))?;
    let found = sides
        .requester
        .find_vpc_peering_connection(&pcx)
        .await
        .map_err(|e| read_error(&pcx, e.describe("reading VPC peering", &pcx)))?;
    let peering = match found {
        Some(p) if !p.is_dead() => p,
        other => {
            prog.status = Some(other.map_or_else(|| "deleted".to_string(), |p| p.status));
            return Ok(prog.to_state(&out)?);
        }
    };
    prog.status = Some(peering.status.clone());
    if let Some(c) = peering.accepter.cidr_blocks.first() {
        prog.vpc_cidr = Some(c.clone());
    }
    if let Some(c) = peering.requester.cidr_blocks.first() {
        prog.peer_vpc_cidr = Some(c.clone());
    }
    if peering.status == "active" {
        out.dns_resolution = Some(dns_as_reported(&peering, spec.dns_resolution));
    }
    let remote = user_tags(&peering.tags);
    let prior_tags = out.tags.as_ref().map_or(Value::Null, Value::from_string_map);
    out.tags = model::from_value(&tags::user_tags_from_remote(&remote, &prior_tags, &ctx.provider.default_tags))?;
    out.tags_all = Unknowable::Known(remote);

    let (Some(vpc_cidr), Some(peer_cidr)) = (prog.vpc_cidr.clone(), prog.peer_vpc_cidr.clone()) else {
        return Ok(prog.to_state(&out)?);
    };
    let describe = |e: AwsError, vpc: &str| read_error(&pcx, e.describe("reading the route tables of", vpc));
    let mut routes = routes_through(sides.requester.as_ref(), &spec.peer_vpc_id, &vpc_cidr, &pcx)
        .await
        .map_err(|e| describe(e, &spec.peer_vpc_id))?;
    if spec.peer_owner_id.is_some() && spec.accepter.is_none() {
        // No way into the DMS VPC's account (an import without `accepter`): keep what is recorded.
        routes.extend(prog.routes.iter().filter(|r| r.destination_cidr_block == peer_cidr).cloned());
    } else {
        routes.extend(
            routes_through(sides.accepter.as_ref(), &spec.vpc_id, &peer_cidr, &pcx)
                .await
                .map_err(|e| describe(e, &spec.vpc_id))?,
        );
    }
    prog.routes = routes;

    if let Some(sg) = &spec.security_group_id {
        let open = ports_open(sides.accepter.as_ref(), sg, &peer_cidr)
            .await
            .map_err(|e| read_error(&pcx, e.describe("reading the rules of security group", sg)))?;
        let rec = |port: i64| RuleRec { security_group_id: sg.clone(), port, cidr: peer_cidr.clone() };
        prog.rules = if discover_rules {
            open.iter().map(|p| rec(*p)).collect()
        } else {
            prog.rules.iter().filter(|r| r == &&rec(r.port) && open.contains(&r.port)).cloned().collect()
        };
    } else if discover_rules {
        prog.rules.clear();
    }
    Ok(prog.to_state(&out)?)
}

/// `pcx-...` or `pcx-.../sg-...` (the security group whose rules from the application VPC's CIDR
/// the resource then owns).
pub async fn import(ctx: &Ctx, id: &str) -> Result<Value, Diagnostics> {
    let (pcx, sg) = match id.split_once('/') {
        Some((p, g)) => (p, Some(g)),
        None => (id, None),
    };
    let bad = |why: String| -> Diagnostics {
        Diagnostic::error(
            "Invalid import ID",
            format!(
                "{why}\n\nImport a peering by its ID, optionally with the DMS VPC's security group whose rules it \
                 owns: `terraform import dmslink_peering.app pcx-0123456789abcdef0` or \
                 `terraform import dmslink_peering.app pcx-0123456789abcdef0/sg-0123456789abcdef0`."
            ),
        )
        .into()
    };
    super::validate::check_id(pcx, "pcx", "a VPC peering connection").map_err(bad)?;
    if let Some(g) = sg {
        super::validate::check_id(g, "sg", "a security group").map_err(bad)?;
    }
    let ec2 = &ctx.provider.clients.ec2;
    let p = ec2
        .find_vpc_peering_connection(pcx)
        .await
        .map_err(|e| read_error(pcx, e.describe("reading VPC peering", pcx)))?
        .filter(|p| !p.is_dead())
        .ok_or_else(|| {
            read_error(
                pcx,
                format!(
                    "VPC peering connection {pcx} does not exist (or is deleted, rejected, failed or expired) in the \
                     provider's account and region. Import from the application VPC's side: the provider must act as \
                     the account that requested the peering."
                ),
            )
        })?;
    if ctx.provider.account_id.as_deref().is_some_and(|a| a != p.requester.owner_id) {
        return Err(read_error(
            pcx,
            format!(
                "VPC peering connection {pcx} was requested by account {}, not the provider's: dmslink_peering acts as \
                 the requester (the application VPC's account). Configure the provider for account {} to import it.",
                p.requester.owner_id, p.requester.owner_id
            ),
        ));
    }
    let differs = |a: &String, b: &String| (a != b).then(|| a.clone());
    let found = PeeringModel {
        peering_connection_id: Unknowable::Known(pcx.to_string()),
        vpc_id: Some(p.accepter.vpc_id.clone()),
        peer_vpc_id: Some(p.requester.vpc_id.clone()),
        peer_owner_id: differs(&p.accepter.owner_id, &p.requester.owner_id),
        peer_region: differs(&p.accepter.region, &p.requester.region),
        security_group_id: sg.map(str::to_string),
        dns_resolution: Some(true),
        ..PeeringModel::default()
    };
    let state = refresh(ctx, &found.to_value()?, true).await?;
    // The route tables and ports are what the peering's routes and rules show.
    let (mut state, prog) = (PeeringModel::from_value(&state)?, Progress::from_state(&state)?);
    let tables = |cidr: &Option<String>| -> Unknowable<Vec<String>> {
        let through = prog.routes.iter().filter(|r| Some(&r.destination_cidr_block) == cidr.as_ref());
        Unknowable::Known(through.map(|r| r.route_table_id.clone()).collect())
    };
    state.route_table_ids = tables(&prog.peer_vpc_cidr);
    state.peer_route_table_ids = tables(&prog.vpc_cidr);
    if sg.is_some() {
        state.ports = Some(prog.rules.iter().map(|r| r.port).collect());
    }
    Ok(state.to_value()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::aws::ec2::PeerSide;

    #[test]
    fn dns_shows_the_opposite_while_either_side_differs() {
        let side = |v| PeerSide { allow_dns_resolution_from_remote_vpc: v, ..PeerSide::default() };
        let p = |r, a| VpcPeering { requester: side(r), accepter: side(a), ..VpcPeering::default() };
        assert!(dns_as_reported(&p(Some(true), Some(true)), true));
        assert!(!dns_as_reported(&p(Some(true), Some(false)), true));
        assert!(!dns_as_reported(&p(None, Some(true)), true));
        assert!(!dns_as_reported(&p(Some(false), Some(false)), false));
        assert!(dns_as_reported(&p(Some(true), Some(false)), false));
    }
}
