//! The AWS work of create and update: from whatever exists (recorded in [`Progress`]) to what the
//! [`Spec`] asks for. Create and update run the same steps — a create that failed part-way and was
//! untainted resumes through update — and every step is idempotent:
//!
//! 1. read both VPCs (their CIDRs must not overlap);
//! 2. request the peering (or adopt our own live one between the same VPCs);
//! 3. accept it on the DMS VPC's side, wait `active`;
//! 4. DNS resolution options (only possible once active), re-read until applied;
//! 5. routes in both VPCs' route tables, through the peering;
//! 6. security group rules from the application VPC's CIDR;
//! 7. tags (update).

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::aws::ec2::{CreateVpcPeeringInput, Ec2Api, Filters, RouteTarget, RulePeer, SgRule, Tags, Vpc, VpcPeering};
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::wait::{Wait, WaitOptions, wait_for};
use crate::backoff::{Backoff, sleep_unless_cancelled};
use crate::engine::steps::step_names;
use crate::resources::Ctx;
use crate::resources::aws_formats::net::Cidr;
use crate::resources::step_kit::{
    self, Came, Found, Pace, StepError, adopt_or_create_looking, no_twins, only_one, tolerate_lost,
};
use crate::resources::tags;

use super::children::{RouteAction, RouteRec, RuleRec, desired_routes, desired_rules, dns_changes, route_action};
use super::progress::Progress;
use super::spec::{OWNER_TAG, OWNER_VALUE, Sides, Spec};

/// Statuses of a peering that is or may become active.
pub const LIVE: &[&str] = &["initiating-request", "pending-acceptance", "provisioning", "active"];
/// Statuses from which a peering never becomes active.
pub const DEAD: &[&str] = &["deleting", "deleted", "rejected", "failed", "expired"];
/// How long DNS options may take to show once set.
const DNS_SETTLE: Duration = Duration::from_secs(180);

/// One create or update.
pub struct Run<'a> {
    pub ctx: &'a Ctx,
    pub spec: &'a Spec,
    pub sides: &'a Sides,
    pub deadline: Instant,
}

step_names!(
    /// The steps of a peering's create or update, as the user reads them in errors.
    pub enum PeeringStep {
        Accepter => "accepter",
        ReadVpcs => "read_vpcs",
        RequestPeering => "request_peering",
        AcceptPeering => "accept_peering",
        DnsResolution => "dns_resolution",
        Routes => "routes",
        SecurityGroupRules => "security_group_rules",
        Tags => "tags",
    }
);

fn step_err(step: PeeringStep) -> impl Fn(String) -> StepError {
    move |message| StepError::new(step, message)
}

fn aws_err<'a>(step: PeeringStep, doing: &'a str, id: &'a str) -> impl Fn(AwsError) -> StepError + 'a {
    move |e| step_kit::aws_err(step, doing, id, &e)
}

impl Pace for Run<'_> {
    fn deadline(&self) -> Instant {
        self.deadline
    }
    fn cancel(&self) -> &CancellationToken {
        &self.ctx.cancel
    }
}

/// Peerings change state within seconds: poll quickly, never slower than every 10 s.
pub fn wait_options() -> WaitOptions {
    WaitOptions {
        min_interval: Duration::from_secs(1),
        max_interval: Duration::from_secs(10),
        ..WaitOptions::default()
    }
}

/// Steps 1–7. `prior_tags`: the tags on the peering before an update (`None` on create: the
/// request carries the tags).
pub async fn converge(run: &Run<'_>, prog: &mut Progress, prior_tags: Option<&Tags>) -> Result<(), StepError> {
    let spec = run.spec;
    let (vpc, peer_vpc) = read_vpcs(run).await?;
    prog.vpc_cidr = Some(vpc.cidr_block.clone());
    prog.peer_vpc_cidr = Some(peer_vpc.cidr_block.clone());

    let pcx = match prog.peering_connection_id.clone() {
        Some(id) => id,
        None => request_or_adopt(run, prog).await?,
    };
    let peering = activate(run, &pcx, prog).await?;
    if prior_tags.is_none() && !peering.tags.contains_key(OWNER_TAG) {
        // Adopted or requested without tags (a request's tags apply after it is answered).
        ensure_tags(run, &pcx, &peering.tags, &spec.request_tags()).await?;
    }
    ensure_dns(run, &pcx).await?;
    ensure_routes(run, &pcx, prog).await?;
    ensure_rules(run, &pcx, prog).await?;
    if let Some(old) = prior_tags {
        let mut old = old.clone();
        old.remove(OWNER_TAG);
        ensure_tags(run, &pcx, &old, &spec.tags_all).await?;
    }
    Ok(())
}

/// Step 1: both VPCs exist where expected, and their CIDRs do not overlap.
pub async fn read_vpcs(run: &Run<'_>) -> Result<(Vpc, Vpc), StepError> {
    let spec = run.spec;
    let step = PeeringStep::ReadVpcs;
    let peer = run
        .sides
        .requester
        .find_vpc(&spec.peer_vpc_id)
        .await
        .map_err(aws_err(step, "reading the application VPC", &spec.peer_vpc_id))?
        .ok_or_else(|| {
            step_err(step)(format!(
                "the application VPC {} (peer_vpc_id) does not exist in the provider's account and region",
                spec.peer_vpc_id
            ))
        })?;
    let own = run
        .sides
        .accepter
        .find_vpc(&spec.vpc_id)
        .await
        .map_err(aws_err(step, "reading the DMS VPC", &spec.vpc_id))?
        .ok_or_else(|| {
            step_err(step)(format!("the DMS VPC {} (vpc_id) does not exist {}", spec.vpc_id, where_dms(spec)))
        })?;
    if let Some(why) = overlap(&own, &peer) {
        return Err(step_err(step)(why));
    }
    Ok((own, peer))
}

/// Where the DMS VPC is looked for, for messages.
pub fn where_dms(spec: &Spec) -> String {
    match (&spec.peer_owner_id, &spec.peer_region) {
        (None, None) => "in the provider's account and region".to_string(),
        (Some(a), None) => format!("in account {a}"),
        (None, Some(r)) => format!("in region {r}"),
        (Some(a), Some(r)) => format!("in account {a}, region {r}"),
    }
}

/// The sentence for overlapping CIDRs, if they overlap.
pub fn overlap(dms: &Vpc, app: &Vpc) -> Option<String> {
    let (Ok(a), Ok(b)) = (Cidr::parse(&dms.cidr_block), Cidr::parse(&app.cidr_block)) else { return None };
    a.overlaps(b).then(|| {
        format!(
            "The application VPC {} ({}) and the DMS VPC {} ({}) have overlapping CIDR blocks. AWS cannot route \
             between overlapping VPCs and fails such a peering request. Peer an application VPC whose CIDR does \
             not overlap {}.",
            app.id, app.cidr_block, dms.id, dms.cidr_block, dms.cidr_block
        )
    })
}

/// Whether dmslink requested this peering (the request carries the ownership tag).
fn is_ours(p: &VpcPeering) -> bool {
    p.tags.get(OWNER_TAG).map(String::as_str) == Some(OWNER_VALUE)
}

/// Step 2: our live peering between the two VPCs if there is one (a create that died before
/// Terraform saved state, or whose answer was lost), else a new request. Refuses a stranger's
/// peering between them, and several of ours (never a silent pick).
///
/// `CreateVpcPeeringConnection` has no natural key and no client token: every call EC2 serves
/// makes a new peering. The SDK sends it once (`aws/ec2_sdk`), and the kit looks for what a failed
/// attempt made before sending it again (`adopt_or_create_looking`); right after a create, a
/// second peering of ours beside it is a twin, named in the error.
async fn request_or_adopt(run: &Run<'_>, prog: &mut Progress) -> Result<String, StepError> {
    let spec = run.spec;
    let step = PeeringStep::RequestPeering;
    let what = "VPC peering connection";
    let filters = Filters::new()
        .with("requester-vpc-info.vpc-id", &spec.peer_vpc_id)
        .with("accepter-vpc-info.vpc-id", &spec.vpc_id)
        .any_of("status-code", LIVE);
    let live = || async {
        run.sides.requester.find_vpc_peering_connections(&filters).await.map_err(aws_err(
            step,
            "listing VPC peering connections of",
            &spec.peer_vpc_id,
        ))
    };
    let find = || async {
        let (ours, strangers): (Vec<VpcPeering>, Vec<VpcPeering>) = live().await?.into_iter().partition(is_ours);
        if !ours.is_empty() {
            let found = only_one(what, ours.into_iter().map(|p| (p.id.clone(), p)).collect());
            if let Found::Ours(p) = &found {
                info!(peering = %p.id, status = %p.status, "adopting the VPC peering connection a previous attempt requested");
            }
            return Ok(found);
        }
        Ok(match strangers.first() {
            Some(p) => Found::Refused(format!(
                "VPC peering connection {} ({}) already connects {} and {} and was not made by dmslink. Import it \
                 (`terraform import <address> {}`) or delete it, then apply again.",
                p.id, p.status, spec.peer_vpc_id, spec.vpc_id, p.id
            )),
            None => Found::Nothing,
        })
    };
    let create = || async {
        let input = CreateVpcPeeringInput {
            vpc_id: spec.peer_vpc_id.clone(),
            peer_vpc_id: spec.vpc_id.clone(),
            peer_owner_id: spec.peer_owner_id.clone(),
            peer_region: spec.peer_region.clone(),
            tags: spec.request_tags(),
        };
        let p = run.sides.requester.create_vpc_peering_connection(input).await.map_err(aws_err(
            step,
            "requesting VPC peering from",
            &spec.peer_vpc_id,
        ))?;
        info!(peering = %p.id, "requested VPC peering connection");
        Ok(p)
    };
    let (p, came) = adopt_or_create_looking(run, step, what, find, create, |p: &VpcPeering| {
        prog.peering_connection_id = Some(p.id.clone());
        prog.status = Some(p.status.clone());
    })
    .await?;
    if came == Came::Created {
        let owned = live().await?.into_iter().filter(is_ours).map(|p| p.id).collect();
        no_twins(step, what, &p.id, owned)?;
    }
    Ok(p.id)
}

/// Step 3: past `initiating-request`, accepted on the DMS VPC's side, `active`.
async fn activate(run: &Run<'_>, pcx: &str, prog: &mut Progress) -> Result<VpcPeering, StepError> {
    let step = PeeringStep::AcceptPeering;
    let what = format!("VPC peering connection ({pcx})");
    let requester = &run.sides.requester;
    let requested = Wait::new(&what, &["initiating-request"], &["pending-acceptance", "provisioning", "active"])
        .failure(DEAD)
        .timeout(run.remaining())
        .options(wait_options());
    let p = wait_for(&requested, &run.ctx.cancel, || requester.find_vpc_peering_connection(pcx))
        .await
        .map_err(|e| step_err(step)(e.to_string()))?
        .ok_or_else(|| step_err(step)(format!("{what} disappeared")))?;
    prog.status = Some(p.status.clone());
    if p.status == "pending-acceptance" {
        // A lost answer: the peering is accepted when it shows `provisioning` or `active`.
        let accepted = || async {
            let p = requester.find_vpc_peering_connection(pcx).await?;
            Ok(p.is_some_and(|p| matches!(p.status.as_str(), "provisioning" | "active")))
        };
        match tolerate_lost(
            || async { run.sides.accepter.accept_vpc_peering_connection(pcx).await.map(|_| ()) },
            accepted,
        )
        .await
        {
            Ok(()) => info!(peering = %pcx, "accepted VPC peering connection"),
            // Accepted meanwhile (by another apply or by hand): the wait below tells.
            Err(e) if e.code == "InvalidStateTransition" => {}
            Err(e) => {
                let mut err = aws_err(step, "accepting VPC peering", pcx)(e);
                if run.spec.accepter.is_none() && run.spec.peer_owner_id.is_some() {
                    err.message.push_str(
                        " The DMS VPC is in another account: set `accepter { assume_role_arn = ... }` to a role there.",
                    );
                }
                return Err(err);
            }
        }
    }
    let active = Wait::new(&what, &["pending-acceptance", "provisioning"], &["active"])
        .failure(DEAD)
        .timeout(run.remaining())
        .options(wait_options());
    let p = wait_for(&active, &run.ctx.cancel, || requester.find_vpc_peering_connection(pcx))
        .await
        .map_err(|e| step_err(step)(e.to_string()))?
        .ok_or_else(|| step_err(step)(format!("{what} disappeared")))?;
    prog.status = Some(p.status.clone());
    Ok(p)
}

/// Step 4: `AllowDnsResolutionFromRemoteVpc` on both sides, each side set by its own account,
/// re-read until both show the wanted value.
async fn ensure_dns(run: &Run<'_>, pcx: &str) -> Result<(), StepError> {
    let step = PeeringStep::DnsResolution;
    let want = run.spec.dns_resolution;
    let settle_by = run.deadline.min(Instant::now() + DNS_SETTLE);
    let sides = run.sides;
    let mut pace = Backoff::fixed(Duration::from_secs(1));
    loop {
        let p = sides
            .requester
            .find_vpc_peering_connection(pcx)
            .await
            .map_err(aws_err(step, "reading VPC peering", pcx))?
            .ok_or_else(|| step_err(step)(format!("VPC peering connection {pcx} disappeared")))?;
        let (requester, accepter) = dns_changes(&p, want);
        if requester.is_none() && accepter.is_none() {
            return Ok(());
        }
        if Instant::now() >= settle_by {
            return Err(step_err(step)(format!(
                "the DNS resolution options of VPC peering {pcx} do not show {want} after {}s (requester side: \
                 {:?}, accepter side: {:?}). Both VPCs need DNS support and DNS host names enabled.",
                DNS_SETTLE.as_secs(),
                p.requester.allow_dns_resolution_from_remote_vpc,
                p.accepter.allow_dns_resolution_from_remote_vpc
            )));
        }
        let sent = if sides.same {
            sides.requester.modify_vpc_peering_dns(pcx, requester, accepter).await
        } else {
            let mut r = Ok(());
            if requester.is_some() {
                r = sides.requester.modify_vpc_peering_dns(pcx, requester, None).await;
            }
            if r.is_ok() && accepter.is_some() {
                r = sides.accepter.modify_vpc_peering_dns(pcx, None, accepter).await;
            }
            r
        };
        match sent {
            Ok(()) => info!(peering = %pcx, dns_resolution = want, "set DNS resolution options"),
            // Right after `active`, EC2 may still say the peering is not active: try again.
            Err(e) if e.code == "OperationNotPermitted" => {}
            // A lost answer (or throttling past the SDK's retries): the re-read above tells
            // whether it took effect, and the options are sent again only if not.
            Err(e) if e.outcome_unknown() => info!(peering = %pcx, "setting DNS options: {e}; reading again"),
            Err(e) => return Err(aws_err(step, "setting DNS resolution options of VPC peering", pcx)(e)),
        }
        if !sleep_unless_cancelled(pace.next_delay(), &run.ctx.cancel).await {
            return Err(step_err(step)("cancelled".to_string()));
        }
    }
}

/// One VPC's part of the routes: its client, its id, the tables asked for and the destination.
struct RouteSide<'a> {
    ec2: &'a dyn Ec2Api,
    vpc_id: &'a str,
    tables: Option<&'a [String]>,
    destination: &'a str,
    what: &'a str,
}

/// The route tables of a VPC (every one, the main table included), sorted.
pub async fn vpc_route_tables(ec2: &dyn Ec2Api, vpc_id: &str) -> Result<Vec<String>, AwsError> {
    let mut ids: Vec<String> =
        ec2.find_route_tables(&Filters::new().vpc(vpc_id)).await?.into_iter().map(|t| t.id).collect();
    ids.sort();
    Ok(ids)
}

/// Step 5: in each side's route tables, a route to the other VPC's CIDR through the peering; routes
/// this resource owns in tables no longer listed are deleted.
async fn ensure_routes(run: &Run<'_>, pcx: &str, prog: &mut Progress) -> Result<(), StepError> {
    let (spec, sides) = (run.spec, run.sides);
    let (Some(vpc_cidr), Some(peer_cidr)) = (prog.vpc_cidr.clone(), prog.peer_vpc_cidr.clone()) else {
        return Err(step_err(PeeringStep::Routes)("the VPC CIDRs are not known".to_string()));
    };
    let dms = RouteSide {
        ec2: sides.accepter.as_ref(),
        vpc_id: &spec.vpc_id,
        tables: spec.route_table_ids.as_deref(),
        destination: &peer_cidr,
        what: "route_table_ids",
    };
    let app = RouteSide {
        ec2: sides.requester.as_ref(),
        vpc_id: &spec.peer_vpc_id,
        tables: spec.peer_route_table_ids.as_deref(),
        destination: &vpc_cidr,
        what: "peer_route_table_ids",
    };
    for side in [dms, app] {
        let step = PeeringStep::Routes;
        let tables = match side.tables {
            Some(t) => t.to_vec(),
            None => vpc_route_tables(side.ec2, side.vpc_id).await.map_err(aws_err(
                step,
                "listing the route tables of",
                side.vpc_id,
            ))?,
        };
        if side.what == "route_table_ids" {
            prog.route_table_ids = Some(tables.clone());
        } else {
            prog.peer_route_table_ids = Some(tables.clone());
        }
        let wanted = desired_routes(&tables, side.destination);
        let unwanted: Vec<RouteRec> = prog
            .routes
            .iter()
            .filter(|r| r.destination_cidr_block == side.destination && !wanted.contains(r))
            .cloned()
            .collect();
        for rec in unwanted {
            let id = format!("{} → {}", rec.route_table_id, rec.destination_cidr_block);
            delete_owned_route(side.ec2, pcx, &rec).await.map_err(aws_err(step, "deleting route", &id))?;
            prog.routes.retain(|r| r != &rec);
        }
        for rec in wanted {
            let table = side
                .ec2
                .find_route_table(&rec.route_table_id)
                .await
                .map_err(aws_err(step, "reading route table", &rec.route_table_id))?
                .ok_or_else(|| {
                    step_err(step)(format!("route table {} ({}) does not exist", rec.route_table_id, side.what))
                })?;
            if table.vpc_id != side.vpc_id {
                return Err(step_err(step)(format!(
                    "route table {} belongs to {}, not {}: {} lists route tables of {}",
                    rec.route_table_id, table.vpc_id, side.vpc_id, side.what, side.vpc_id
                )));
            }
            let existing = table.routes.iter().find(|r| r.destination_cidr_block == rec.destination_cidr_block);
            let target = RouteTarget::VpcPeering(pcx.to_string());
            let id = format!("{} → {}", rec.route_table_id, rec.destination_cidr_block);
            match route_action(existing, pcx, &rec) {
                RouteAction::Adopt => {}
                RouteAction::Create => {
                    // A lost answer (the SDK's retry meets `RouteAlreadyExists`): done when the
                    // route goes through this peering; to anything else the error stands.
                    tolerate_lost(
                        || side.ec2.create_route(&rec.route_table_id, &rec.destination_cidr_block, &target),
                        || routes_through(side.ec2, &rec.route_table_id, &rec.destination_cidr_block, pcx),
                    )
                    .await
                    .map_err(aws_err(step, "creating route", &id))?;
                    info!(route_table = %rec.route_table_id, destination = %rec.destination_cidr_block, peering = %pcx, "created route");
                }
                RouteAction::Replace => {
                    tolerate_lost(
                        || side.ec2.replace_route(&rec.route_table_id, &rec.destination_cidr_block, &target),
                        || routes_through(side.ec2, &rec.route_table_id, &rec.destination_cidr_block, pcx),
                    )
                    .await
                    .map_err(aws_err(step, "replacing blackhole route", &id))?;
                }
                RouteAction::Conflict(why) => return Err(step_err(step)(why)),
            }
            prog.add_route(rec);
        }
    }
    Ok(())
}

/// Whether the route table has a route to `destination` through the peering `pcx`.
async fn routes_through(ec2: &dyn Ec2Api, table: &str, destination: &str, pcx: &str) -> Result<bool, AwsError> {
    let Some(table) = ec2.find_route_table(table).await? else { return Ok(false) };
    let target = RouteTarget::VpcPeering(pcx.to_string());
    Ok(table.routes.iter().any(|r| r.destination_cidr_block == destination && r.target == target))
}

/// Deletes a route if it still goes through `pcx` (someone else's route at that destination is
/// left alone); gone counts as done, and so does a lost answer once the route is gone.
pub async fn delete_owned_route(ec2: &dyn Ec2Api, pcx: &str, rec: &RouteRec) -> Result<(), AwsError> {
    let (table, destination) = (&rec.route_table_id, &rec.destination_cidr_block);
    if !routes_through(ec2, table, destination, pcx).await? {
        return Ok(());
    }
    let gone = || async { routes_through(ec2, table, destination, pcx).await.map(|ours| !ours) };
    match tolerate_lost(|| ec2.delete_route(table, destination), gone).await {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}

pub fn sg_rule(rec: &RuleRec, pcx: &str) -> SgRule {
    let mut r = SgRule::tcp(rec.port as i32, RulePeer::Cidr(rec.cidr.clone()));
    r.description = Some(format!("dmslink_peering {pcx}"));
    r
}

/// Whether the group has the rule's permission (any description).
async fn has_rule(ec2: &dyn Ec2Api, pcx: &str, rec: &RuleRec) -> Result<bool, AwsError> {
    let want = sg_rule(rec, pcx);
    Ok(ec2.find_security_group_rules(&rec.security_group_id).await?.iter().any(|r| r.rule.same_permission(&want)))
}

/// Revokes a rule; gone (or its group gone) counts as done, and so does a lost answer once the
/// rule is gone.
pub async fn revoke_rule(ec2: &dyn Ec2Api, pcx: &str, rec: &RuleRec) -> Result<(), AwsError> {
    let rule = [sg_rule(rec, pcx)];
    let revoke = || ec2.revoke_security_group_ingress(&rec.security_group_id, &rule);
    match tolerate_lost(revoke, || async { has_rule(ec2, pcx, rec).await.map(|there| !there) }).await {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}

/// Step 6: a TCP ingress rule per port from the application VPC's CIDR; rules for ports (or a
/// group) no longer asked for are revoked.
async fn ensure_rules(run: &Run<'_>, pcx: &str, prog: &mut Progress) -> Result<(), StepError> {
    let step = PeeringStep::SecurityGroupRules;
    let ec2 = run.sides.accepter.as_ref();
    let cidr = prog.peer_vpc_cidr.clone().unwrap_or_default();
    let wanted = desired_rules(run.spec.security_group_id.as_deref(), &run.spec.ports, &cidr);
    let unwanted: Vec<RuleRec> = prog.rules.iter().filter(|r| !wanted.contains(r)).cloned().collect();
    for rec in unwanted {
        revoke_rule(ec2, pcx, &rec).await.map_err(aws_err(step, "revoking ingress rule of", &rec.security_group_id))?;
        prog.rules.retain(|r| r != &rec);
    }
    // Recorded rules were there at the refresh before this plan; only missing ones are authorized.
    let missing: Vec<RuleRec> = wanted.into_iter().filter(|r| !prog.rules.contains(r)).collect();
    for rec in missing {
        let rule = [sg_rule(&rec, pcx)];
        // A lost answer: done when the rule is there (the SDK's retry meets `InvalidPermission.Duplicate`).
        let authorize = || ec2.authorize_security_group_ingress(&rec.security_group_id, &rule);
        match tolerate_lost(authorize, || has_rule(ec2, pcx, &rec)).await {
            // A rule already there counts as present.
            Err(e) if !e.is_kind(ErrorKind::AlreadyExists) => {
                return Err(aws_err(step, "opening port in security group", &rec.security_group_id)(e));
            }
            _ => {}
        }
        prog.add_rule(rec);
    }
    Ok(())
}

/// Step 7: the peering's tags from `from` to `to` (the ownership tag stays).
async fn ensure_tags(run: &Run<'_>, pcx: &str, from: &Tags, to: &Tags) -> Result<(), StepError> {
    let step = PeeringStep::Tags;
    let (removed, changed) = tags::diff(from, to);
    let ec2 = &run.sides.requester;
    let ids = [pcx.to_string()];
    let removed: Vec<String> = removed.into_iter().filter(|k| k != OWNER_TAG).collect();
    // A lost answer: done when the peering shows the tags as asked.
    let tags_now = || async { Ok(ec2.find_vpc_peering_connection(pcx).await?.map(|p| p.tags).unwrap_or_default()) };
    if !removed.is_empty() {
        let gone = || async { tags_now().await.map(|t: Tags| removed.iter().all(|k| !t.contains_key(k))) };
        tolerate_lost(|| ec2.delete_tags(&ids, &removed), gone).await.map_err(aws_err(
            step,
            "removing tags of",
            pcx,
        ))?;
    }
    if !changed.is_empty() {
        let there = || async { tags_now().await.map(|t: Tags| changed.iter().all(|(k, v)| t.get(k) == Some(v))) };
        tolerate_lost(|| ec2.create_tags(&ids, &changed), there).await.map_err(aws_err(step, "tagging", pcx))?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn vpc(id: &str, cidr: &str) -> Vpc {
        Vpc { id: id.into(), cidr_block: cidr.into(), state: "available".into(), ..Vpc::default() }
    }

    #[test]
    fn overlap_names_both_vpcs_and_cidrs() {
        let why = overlap(&vpc("vpc-a", "10.40.0.0/16"), &vpc("vpc-b", "10.40.128.0/17")).unwrap();
        assert!(why.contains("vpc-a (10.40.0.0/16)") && why.contains("vpc-b (10.40.128.0/17)"), "{why}");
        assert!(overlap(&vpc("vpc-a", "10.40.0.0/16"), &vpc("vpc-b", "10.41.0.0/16")).is_none());
    }
}
