//! The network: VPC (with DNS support and host names), subnets, security group, VPN gateway and
//! its route propagation, internet gateway; and the network interfaces DMS leaves behind.

use std::time::Duration;

use crate::aws::ec2::{
    CreateSecurityGroupInput, CreateSubnetInput, CreateVpnGatewayInput, Ec2Api, Filters, RuleDirection, RulePeer,
    SgRule, VpcAttribute, VpnConnection,
};
use crate::aws::error::{AwsError, ErrorKind};
use crate::aws::wait::Wait;
use crate::resources::step_kit::{
    Came, Found, R, StepError, adopt_or_create, adopt_or_create_looking, aws_err, delete_retrying, gone_ok, no_twins,
    only_one, poll_backoff, poll_until, retry, retry_while_new, tolerate_lost, wait_for,
};

use super::super::naming::{kind, owned_by};
use super::{MainStep, StackRun, not_owned, user_gateway};

pub(super) async fn create_vpc(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateVpc;
    let name = run.stack.vpc_name();
    let ec2 = run.ec2();
    let what = "EC2 VPC";
    let owned = || async {
        let found = ec2
            .find_vpcs(&run.owner_filter(kind::VPC))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 VPC", &name, &e))?;
        R::Ok(found.into_iter().filter(|v| owned_by(&v.tags, &run.stack, kind::VPC)).map(|v| v.id).collect::<Vec<_>>())
    };
    let find = || async {
        let known = run.kids().vpc_id.clone();
        if let Some(k) = known
            && let Some(v) = ec2.find_vpc(&k).await.map_err(|e| aws_err(STEP, "reading EC2 VPC", &name, &e))?
        {
            return Ok(Found::Ours(v.id));
        }
        let found = only_one(what, owned().await?.into_iter().map(|id| (id.clone(), id)).collect());
        if !matches!(found, Found::Nothing) {
            return Ok(found);
        }
        let named = ec2
            .find_vpcs(&Filters::new().with("tag:Name", &name))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 VPC", &name, &e))?;
        Ok(match named.first() {
            Some(v) => Found::Refused(not_owned(what, &name, &v.id, &run.stack, kind::VPC)),
            None => Found::Nothing,
        })
    };
    let create = || async {
        let tags = run.tags_for(kind::VPC, &name);
        let vpc = ec2
            .create_vpc(&run.stack.network.vpc_cidr, &tags)
            .await
            .map_err(|e| aws_err(STEP, "creating EC2 VPC", &name, &e))?;
        Ok(vpc.id)
    };
    let (id, came) =
        adopt_or_create_looking(run, STEP, what, find, create, |id| run.kids().vpc_id = Some(id.clone())).await?;
    if came == Came::Created {
        no_twins(STEP, what, &id, owned().await?)?;
    }
    let what = format!("EC2 VPC ({id})");
    wait_for(run, STEP, Wait::new(&what, &["pending"], &["available"]), || ec2.find_vpc(&id)).await?;
    for attr in [VpcAttribute::EnableDnsSupport, VpcAttribute::EnableDnsHostnames] {
        let current = ec2
            .describe_vpc_attribute(&id, attr)
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 VPC attribute", &id, &e))?;
        if current {
            continue;
        }
        tolerate_lost(|| ec2.modify_vpc_attribute(&id, attr, true), || ec2.describe_vpc_attribute(&id, attr))
            .await
            .map_err(|e| aws_err(STEP, &format!("setting {} of EC2 VPC", attr.as_str()), &id, &e))?;
        poll_until(run, STEP, &format!("{} of EC2 VPC ({id})", attr.as_str()), poll_backoff(), || {
            ec2.describe_vpc_attribute(&id, attr)
        })
        .await?;
    }
    // Recorded once: a later apply keeps the list it planned with.
    if !run.kids().route_table_ids.is_empty() {
        return Ok(());
    }
    let tables = ec2
        .find_route_tables(&Filters::new().vpc(&id))
        .await
        .map_err(|e| aws_err(STEP, "reading route tables of EC2 VPC", &id, &e))?;
    let mut ids: Vec<(bool, String)> = tables.into_iter().map(|t| (!t.main, t.id)).collect();
    ids.sort();
    run.kids().route_table_ids = ids.into_iter().map(|(_, id)| id).collect();
    Ok(())
}

pub(super) async fn delete_vpc(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateVpc;
    let Some(id) = run.kids().vpc_id.clone() else { return Ok(()) };
    delete_retrying(run, STEP, "deleting EC2 VPC", &id, &[ErrorKind::DependencyViolation], || async {
        match run.ec2().delete_vpc(&id).await {
            Err(e) if e.is_kind(ErrorKind::DependencyViolation) => {
                if let Err(late) = delete_late_children(run).await {
                    tracing::debug!("deleting children that appeared late in VPC {id}: {}", late.message);
                }
                Err(e)
            }
            other => other,
        }
    })
    .await?;
    let mut k = run.kids();
    k.vpc_id = None;
    k.route_table_ids.clear();
    Ok(())
}

/// A create cut before its answer can be served after the destroy looked for the stack's
/// unrecorded children (AWS still held the request): its subnet, security group or gateway shows
/// up only while the VPC's delete meets `DependencyViolation`. Looked for again there (only what
/// carries the stack's ownership tags) and deleted, so the VPC can go.
async fn delete_late_children(run: &StackRun) -> R<()> {
    super::unrecorded::network(run).await?;
    if run.kids().internet_gateway_id.is_some() {
        delete_internet_gateway(run).await?;
    }
    if run.kids().vpn_gateway_id.is_some() {
        delete_vpn_gateway(run).await?;
    }
    if run.kids().security_group_id.is_some() {
        delete_security_group(run).await?;
    }
    if !run.kids().subnet_ids.is_empty() {
        delete_subnets(run).await?;
    }
    Ok(())
}

pub(super) async fn create_subnets(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateSubnets;
    let ec2 = run.ec2();
    let vpc = run.need(STEP, "the VPC id", run.kids().vpc_id.clone())?;
    let net = &run.stack.network;
    for (az, cidr) in net.availability_zones.iter().zip(&net.subnet_cidrs) {
        let name = run.stack.subnet_name(az);
        let find = || async {
            let known = run.kids().subnet_ids.get(az).cloned();
            if let Some(k) = known
                && ec2.find_subnet(&k).await.map_err(|e| aws_err(STEP, "reading EC2 subnet", &name, &e))?.is_some()
            {
                return Ok(Found::Ours(k));
            }
            // Asked each time: the look after a create whose answer was lost must see what it made.
            let owned = ec2
                .find_subnets(&run.owner_filter(kind::SUBNET).vpc(&vpc).with("availability-zone", az))
                .await
                .map_err(|e| aws_err(STEP, "reading EC2 subnets of", &vpc, &e))?;
            let owned =
                owned.into_iter().filter(|s| &s.availability_zone == az && owned_by(&s.tags, &run.stack, kind::SUBNET));
            let found = only_one("EC2 subnet", owned.map(|s| (s.id.clone(), s.id)).collect());
            if !matches!(found, Found::Nothing) {
                return Ok(found);
            }
            let named = ec2
                .find_subnets(&Filters::new().vpc(&vpc).with("tag:Name", &name))
                .await
                .map_err(|e| aws_err(STEP, "reading EC2 subnets of", &vpc, &e))?;
            Ok(match named.first() {
                Some(s) => Found::Refused(not_owned("EC2 subnet", &name, &s.id, &run.stack, kind::SUBNET)),
                None => Found::Nothing,
            })
        };
        let create = || async {
            let input = CreateSubnetInput {
                vpc_id: vpc.clone(),
                cidr_block: cidr.clone(),
                availability_zone: az.clone(),
                tags: run.tags_for(kind::SUBNET, &name),
            };
            let s = ec2.create_subnet(input).await.map_err(|e| aws_err(STEP, "creating EC2 subnet", &name, &e))?;
            Ok(s.id)
        };
        adopt_or_create(STEP, "EC2 subnet", find, create, |id| {
            run.kids().subnet_ids.insert(az.clone(), id.clone());
        })
        .await?;
    }
    for id in run.subnet_ids() {
        let what = format!("EC2 subnet ({id})");
        wait_for(run, STEP, Wait::new(&what, &["pending"], &["available"]), || ec2.find_subnet(&id)).await?;
    }
    Ok(())
}

/// Deletes the network interfaces DMS leaves behind (`available`, #7600) in the VPC.
pub(super) async fn delete_leftover_enis(run: &StackRun, step: MainStep) -> R<()> {
    let Some(vpc) = run.kids().vpc_id.clone() else { return Ok(()) };
    let enis = run
        .ec2()
        .find_network_interfaces(&Filters::new().vpc(&vpc).with("status", "available"))
        .await
        .map_err(|e| aws_err(step, "reading network interfaces of EC2 VPC", &vpc, &e))?;
    let sg = run.kids().security_group_id.clone();
    let subnets = run.subnet_ids();
    for n in enis {
        let ours = sg.as_ref().is_some_and(|g| n.group_ids.contains(g)) || subnets.contains(&n.subnet_id);
        if !ours {
            continue;
        }
        gone_ok(step, "deleting leftover network interface", &n.id, run.ec2().delete_network_interface(&n.id).await)?;
    }
    Ok(())
}

pub(super) async fn delete_subnets(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateSubnets;
    delete_leftover_enis(run, STEP).await?;
    let subnets: Vec<(String, String)> = run.kids().subnet_ids.clone().into_iter().collect();
    for (az, id) in subnets {
        delete_retrying(run, STEP, "deleting EC2 subnet", &id, &[ErrorKind::DependencyViolation], || async {
            match run.ec2().delete_subnet(&id).await {
                Err(e) if e.is_kind(ErrorKind::DependencyViolation) => {
                    let _ = delete_leftover_enis(run, STEP).await;
                    Err(e)
                }
                other => other,
            }
        })
        .await?;
        run.kids().subnet_ids.remove(&az);
    }
    Ok(())
}

fn sg_rules(run: &StackRun, sg: &str) -> (Vec<SgRule>, Vec<SgRule>) {
    let mut ingress = vec![SgRule::all(RulePeer::Group(sg.to_string()))];
    let mut ports: Vec<i64> = run.stack.databases().map(|d| d.port).collect();
    ports.sort();
    ports.dedup();
    for p in ports {
        ingress.push(SgRule::tcp(p as i32, RulePeer::Cidr(run.stack.network.vpc_cidr.clone())));
    }
    let egress = vec![SgRule::all(RulePeer::Cidr("0.0.0.0/0".to_string()))];
    (ingress, egress)
}

pub(super) async fn create_security_group(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateSecurityGroup;
    let ec2 = run.ec2();
    let name = run.stack.security_group_name();
    let vpc = run.need(STEP, "the VPC id", run.kids().vpc_id.clone())?;
    let what = "EC2 security group";
    let find = || async {
        let known = run.kids().security_group_id.clone();
        if let Some(k) = known
            && let Some(g) =
                ec2.find_security_group(&k).await.map_err(|e| aws_err(STEP, "reading EC2 security group", &name, &e))?
        {
            return Ok(Found::Ours(g.id));
        }
        let found = ec2
            .find_security_groups(&Filters::new().vpc(&vpc).with("group-name", &name))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 security group", &name, &e))?;
        Ok(match found.first() {
            Some(g) if owned_by(&g.tags, &run.stack, kind::SECURITY_GROUP) => Found::Ours(g.id.clone()),
            Some(g) => Found::Refused(not_owned(what, &name, &g.id, &run.stack, kind::SECURITY_GROUP)),
            None => Found::Nothing,
        })
    };
    let create = || async {
        let input = CreateSecurityGroupInput {
            vpc_id: vpc.clone(),
            name: name.clone(),
            description: format!("DMS stack {}: databases and replication instance", run.stack.prefix()),
            tags: run.tags_for(kind::SECURITY_GROUP, &name),
        };
        let g = ec2
            .create_security_group(input)
            .await
            .map_err(|e| aws_err(STEP, "creating EC2 security group", &name, &e))?;
        Ok(g.id)
    };
    let (id, _) =
        adopt_or_create(STEP, what, find, create, |id| run.kids().security_group_id = Some(id.clone())).await?;
    let existing =
        ec2.find_security_group_rules(&id).await.map_err(|e| aws_err(STEP, "reading EC2 security group", &id, &e))?;
    let (ingress, egress) = sg_rules(run, &id);
    let missing = |dir: RuleDirection, want: Vec<SgRule>| -> Vec<SgRule> {
        want.into_iter().filter(|r| !existing.iter().any(|x| x.direction == dir && x.rule.same_permission(r))).collect()
    };
    let ingress = missing(RuleDirection::Ingress, ingress);
    let egress = missing(RuleDirection::Egress, egress);
    let ok_dup = |r: Result<(), AwsError>| match r {
        Err(e) if e.is_kind(ErrorKind::AlreadyExists) => Ok(()),
        other => other,
    };
    // A lost answer: the rules are there now (the SDK's retry meets `InvalidPermission.Duplicate`).
    let gid = id.as_str();
    let present = |dir: RuleDirection, want: &[SgRule]| {
        let want = want.to_vec();
        async move {
            let now = ec2.find_security_group_rules(gid).await?;
            Ok(want.iter().all(|r| now.iter().any(|x| x.direction == dir && x.rule.same_permission(r))))
        }
    };
    // A group created a moment ago may not be known to EC2 yet (`InvalidGroup.NotFound`).
    if !ingress.is_empty() {
        ok_dup(
            retry_while_new(run, || {
                tolerate_lost(
                    || ec2.authorize_security_group_ingress(&id, &ingress),
                    || present(RuleDirection::Ingress, &ingress),
                )
            })
            .await,
        )
        .map_err(|e| aws_err(STEP, "authorizing ingress of EC2 security group", &id, &e))?;
    }
    if !egress.is_empty() {
        ok_dup(
            retry_while_new(run, || {
                tolerate_lost(
                    || ec2.authorize_security_group_egress(&id, &egress),
                    || present(RuleDirection::Egress, &egress),
                )
            })
            .await,
        )
        .map_err(|e| aws_err(STEP, "authorizing egress of EC2 security group", &id, &e))?;
    }
    Ok(())
}

pub(super) async fn delete_security_group(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateSecurityGroup;
    let Some(id) = run.kids().security_group_id.clone() else { return Ok(()) };
    delete_leftover_enis(run, STEP).await?;
    let busy = [ErrorKind::DependencyViolation, ErrorKind::InvalidState];
    delete_retrying(run, STEP, "deleting EC2 security group", &id, &busy, || async {
        match run.ec2().delete_security_group(&id).await {
            Err(e) if e.is_kind(ErrorKind::DependencyViolation) => {
                let _ = delete_leftover_enis(run, STEP).await;
                Err(e)
            }
            other => other,
        }
    })
    .await?;
    run.kids().security_group_id = None;
    Ok(())
}

pub(super) async fn create_vpn_gateway(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateVpnGateway;
    let vpc = run.need(STEP, "the VPC id", run.kids().vpc_id.clone())?;
    let users = run.stack.network.vpn_gateway_id.clone();
    release_other_gateway(run, users.as_deref()).await?;
    if let Some(id) = users {
        return user_gateway::use_existing(run, &id, &vpc).await;
    }
    if !run.stack.network.vpn_gateway {
        return Ok(());
    }
    let ec2 = run.ec2();
    let name = format!("{}-vgw", run.stack.prefix());
    let owned = || async {
        let found = ec2
            .find_vpn_gateways(&run.owner_filter(kind::VPN_GATEWAY))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 VPN gateways", &name, &e))?;
        let owned = found.into_iter().filter(|g| !g.is_gone() && owned_by(&g.tags, &run.stack, kind::VPN_GATEWAY));
        R::Ok(owned.map(|g| g.id).collect::<Vec<_>>())
    };
    let find = || async {
        let known = run.kids().vpn_gateway_id.clone();
        if let Some(k) = known
            && let Some(g) = ec2
                .find_vpn_gateway(&k)
                .await
                .map_err(|e| aws_err(STEP, "reading EC2 VPN gateway", &name, &e))?
                .filter(|g| !g.is_gone())
        {
            return Ok(Found::Ours(g.id));
        }
        Ok(only_one("EC2 VPN gateway", owned().await?.into_iter().map(|id| (id.clone(), id)).collect()))
    };
    let create = || async {
        let input = CreateVpnGatewayInput {
            amazon_side_asn: run.stack.network.amazon_side_asn,
            tags: run.tags_for(kind::VPN_GATEWAY, &name),
        };
        let g =
            ec2.create_vpn_gateway(input).await.map_err(|e| aws_err(STEP, "creating EC2 VPN gateway", &name, &e))?;
        Ok(g.id)
    };
    let (id, came) = adopt_or_create_looking(run, STEP, "EC2 VPN gateway", find, create, |id| {
        run.kids().vpn_gateway_id = Some(id.clone())
    })
    .await?;
    if came == Came::Created {
        no_twins(STEP, "EC2 VPN gateway", &id, owned().await?)?;
    }
    let what = format!("EC2 VPN gateway ({id})");
    wait_for(run, STEP, Wait::new(&what, &["pending"], &["available"]), || ec2.find_vpn_gateway(&id)).await?;
    user_gateway::attach(run, &id, &vpc).await
}

/// The gateway recorded before is not the one wanted now: the user's (`vpn_gateway_id` changed or
/// removed) is detached; the stack's own is deleted when `vpn_gateway_id` replaces it (a VPC takes
/// one VPN gateway), as the destroy would, and otherwise stays.
async fn release_other_gateway(run: &StackRun, wanted: Option<&str>) -> R<()> {
    const STEP: MainStep = MainStep::CreateVpnGateway;
    let Some(prev) = run.kids().vpn_gateway_id.clone() else { return Ok(()) };
    if Some(prev.as_str()) == wanted {
        return Ok(());
    }
    let g = gone_ok(STEP, "reading EC2 VPN gateway", &prev, run.ec2().find_vpn_gateway(&prev).await)?;
    let Some(g) = g.filter(|g| !g.is_gone()) else {
        run.kids().vpn_gateway_id = None;
        return Ok(());
    };
    // An adopted stack's gateway is its own before its first apply tags it.
    let ours = run.stack.untagged || owned_by(&g.tags, &run.stack, kind::VPN_GATEWAY);
    match (ours, wanted) {
        (false, _) => user_gateway::release(run, &prev).await,
        (true, Some(_)) => delete_vpn_gateway(run).await,
        (true, None) => Ok(()),
    }
}

pub(super) async fn delete_vpn_gateway(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateVpnGateway;
    let Some(id) = run.kids().vpn_gateway_id.clone() else { return Ok(()) };
    let ec2 = run.ec2();
    let g = gone_ok(STEP, "reading EC2 VPN gateway", &id, ec2.find_vpn_gateway(&id).await)?;
    if let Some(g) = g.filter(|g| !g.is_gone()) {
        // Only a gateway the stack made (its ownership tags) is ever deleted; the user's
        // (`vpn_gateway_id`, or one never tagged) is detached and stays with its VPN connections.
        if run.stack.network.is_users_gateway(&id) || !owned_by(&g.tags, &run.stack, kind::VPN_GATEWAY) {
            return user_gateway::release(run, &id).await;
        }
        // Checked again here: an update that removes the gateway, or a connection made since the
        // destroy's preconditions were checked.
        let live = live_vpn_connections(ec2, &id)
            .await
            .map_err(|e| aws_err(STEP, "listing VPN connections of EC2 VPN gateway", &id, &e))?;
        if !live.is_empty() {
            return Err(StepError::new(STEP, vpn_refusal(&id, &live, "apply again")));
        }
        let attached: Vec<String> =
            g.attachments.iter().filter(|a| a.state != "detached").map(|a| a.vpc_id.clone()).collect();
        for vpc in attached {
            user_gateway::detach(run, &id, &vpc).await?;
        }
        let busy = [ErrorKind::InvalidState, ErrorKind::DependencyViolation];
        delete_retrying(run, STEP, "deleting EC2 VPN gateway", &id, &busy, || ec2.delete_vpn_gateway(&id)).await?;
    }
    run.kids().vpn_gateway_id = None;
    Ok(())
}

pub(super) async fn enable_route_propagation(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::EnableRoutePropagation;
    if !run.stack.network.vpn_route_propagation {
        return Ok(());
    }
    let Some(vgw) = run.kids().vpn_gateway_id.clone() else { return Ok(()) };
    let tables = run.kids().route_table_ids.clone();
    for rt in tables {
        let t = run.ec2().find_route_table(&rt).await.map_err(|e| aws_err(STEP, "reading route table", &rt, &e))?;
        if t.is_some_and(|t| t.propagating_vgws.contains(&vgw)) {
            continue;
        }
        let enable = || {
            tolerate_lost(
                || run.ec2().enable_vgw_route_propagation(&rt, &vgw),
                || async {
                    Ok(run.ec2().find_route_table(&rt).await?.is_some_and(|t| t.propagating_vgws.contains(&vgw)))
                },
            )
        };
        retry(run, &[ErrorKind::InvalidState, ErrorKind::NotFound], Some(Duration::from_secs(120)), enable)
            .await
            .map_err(|e| aws_err(STEP, "enabling VGW route propagation on route table", &rt, &e))?;
    }
    Ok(())
}

pub(super) async fn disable_route_propagation(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::EnableRoutePropagation;
    let Some(vgw) = run.kids().vpn_gateway_id.clone() else { return Ok(()) };
    let tables = run.kids().route_table_ids.clone();
    for rt in tables {
        gone_ok(
            STEP,
            "disabling VGW route propagation on route table",
            &rt,
            run.ec2().disable_vgw_route_propagation(&rt, &vgw).await,
        )?;
    }
    Ok(())
}

pub(super) async fn create_internet_gateway(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateInternetGateway;
    if !run.stack.network.internet_gateway {
        return Ok(());
    }
    let ec2 = run.ec2();
    let name = format!("{}-igw", run.stack.prefix());
    let vpc = run.need(STEP, "the VPC id", run.kids().vpc_id.clone())?;
    let find = || async {
        let known = run.kids().internet_gateway_id.clone();
        if let Some(k) = known
            && let Some(g) = ec2
                .find_internet_gateway(&k)
                .await
                .map_err(|e| aws_err(STEP, "reading EC2 internet gateway", &k, &e))?
        {
            return Ok(Found::Ours(g));
        }
        let found = ec2
            .find_internet_gateways(&run.owner_filter(kind::INTERNET_GATEWAY))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 internet gateways", &name, &e))?;
        let owned = found.into_iter().filter(|g| owned_by(&g.tags, &run.stack, kind::INTERNET_GATEWAY));
        Ok(only_one("EC2 internet gateway", owned.map(|g| (g.id.clone(), g)).collect()))
    };
    let create = || async {
        ec2.create_internet_gateway(&run.tags_for(kind::INTERNET_GATEWAY, &name))
            .await
            .map_err(|e| aws_err(STEP, "creating EC2 internet gateway", &name, &e))
    };
    let (g, came) = adopt_or_create_looking(run, STEP, "EC2 internet gateway", find, create, |g| {
        run.kids().internet_gateway_id = Some(g.id.clone())
    })
    .await?;
    if came == Came::Created {
        let owned = ec2
            .find_internet_gateways(&run.owner_filter(kind::INTERNET_GATEWAY))
            .await
            .map_err(|e| aws_err(STEP, "reading EC2 internet gateways", &name, &e))?;
        let owned = owned.into_iter().filter(|o| owned_by(&o.tags, &run.stack, kind::INTERNET_GATEWAY));
        no_twins(STEP, "EC2 internet gateway", &g.id, owned.map(|o| o.id).collect())?;
    }
    if !g.attachments.iter().any(|a| a.vpc_id == vpc) {
        let attached = || async {
            let now = ec2.find_internet_gateway(&g.id).await?;
            Ok(now.is_some_and(|n| n.attachments.iter().any(|a| a.vpc_id == vpc)))
        };
        // A gateway created a moment ago may not be known to EC2 yet (`InvalidInternetGatewayID.NotFound`).
        match retry_while_new(run, || tolerate_lost(|| ec2.attach_internet_gateway(&g.id, &vpc), attached)).await {
            Ok(()) => {}
            Err(e) if e.is_kind(ErrorKind::AlreadyExists) => {}
            Err(e) => return Err(aws_err(STEP, "attaching EC2 internet gateway", &g.id, &e)),
        }
    }
    Ok(())
}

pub(super) async fn delete_internet_gateway(run: &StackRun) -> R<()> {
    const STEP: MainStep = MainStep::CreateInternetGateway;
    let Some(id) = run.kids().internet_gateway_id.clone() else { return Ok(()) };
    let ec2 = run.ec2();
    let busy = [ErrorKind::DependencyViolation];
    if let Some(g) = gone_ok(STEP, "reading EC2 internet gateway", &id, ec2.find_internet_gateway(&id).await)? {
        for a in &g.attachments {
            delete_retrying(run, STEP, "detaching EC2 internet gateway", &id, &busy, || {
                ec2.detach_internet_gateway(&id, &a.vpc_id)
            })
            .await?;
        }
        delete_retrying(run, STEP, "deleting EC2 internet gateway", &id, &busy, || ec2.delete_internet_gateway(&id))
            .await?;
    }
    run.kids().internet_gateway_id = None;
    Ok(())
}

/// The VPN connections on `vgw` that still carry traffic or are about to.
pub async fn live_vpn_connections(ec2: &dyn Ec2Api, vgw: &str) -> Result<Vec<VpnConnection>, AwsError> {
    let all = ec2.find_vpn_connections(&Filters::new().with("vpn-gateway-id", vgw)).await?;
    Ok(all.into_iter().filter(VpnConnection::is_live).collect())
}

/// Why the gateway stays: the connections it carries and the way on.
pub fn vpn_refusal(vgw: &str, live: &[VpnConnection], then: &str) -> String {
    format!(
        "The stack's VPN gateway {vgw} carries these site-to-site VPN connections:\n{}\n\nRemoving the gateway \
         would cut the on-premises link, and dmslink never cuts a VPN it did not make. To keep them, set \
         network.vpn_gateway_id = \"{vgw}\" and apply first: the stack hands the gateway over and from then on \
         only detaches it. Or delete these VPN connections where they are managed (or move them to another \
         gateway) first, then {then}. Nothing was deleted.",
        vpn_connection_list(live)
    )
}

/// One line per VPN connection: its id, state and customer gateway.
pub fn vpn_connection_list(live: &[VpnConnection]) -> String {
    let line = |c: &VpnConnection| {
        let cgw = c.customer_gateway_id.as_deref().unwrap_or("unknown");
        format!("  - {} ({}, customer gateway {cgw})", c.id, c.state)
    };
    live.iter().map(line).collect::<Vec<_>>().join("\n")
}
