#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::aws::ec2::main_route_table_filters;
use crate::aws::error::ErrorKind;

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn vpc_with_subnets(ec2: &FakeEc2) -> (String, Vec<String>) {
    crate::aws::fake::tests_net::vpc_with_subnets(ec2, &["us-east-1a", "us-east-1b"]).await
}

/// Polls (half a second apart, paused time) until the peering reaches `want`.
async fn settle_peering(ec2: &FakeEc2, id: &str, want: &str) -> VpcPeering {
    let mut last = None;
    for _ in 0..10 {
        let p = ec2.find_vpc_peering_connection(id).await.unwrap().unwrap();
        if p.status == want {
            return p;
        }
        last = Some(p);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("{id} never reached {want}: {last:?}");
}

#[tokio::test(start_paused = true)]
async fn fake_peering_same_account_lifecycle() {
    let ec2 = FakeEc2::new();
    let app = ec2.create_vpc("10.1.0.0/16", &Tags::new()).await.unwrap();
    let dms = ec2.create_vpc("10.0.0.0/24", &Tags::new()).await.unwrap();
    let p = ec2
        .create_vpc_peering_connection(CreateVpcPeeringInput {
            vpc_id: app.id.clone(),
            peer_vpc_id: dms.id.clone(),
            tags: tags(&[("Name", "p")]),
            ..CreateVpcPeeringInput::default()
        })
        .await
        .unwrap();
    assert_eq!(p.status, "initiating-request");
    assert_eq!(p.requester.cidr_blocks, vec!["10.1.0.0/16".to_string()]);
    assert_eq!(p.accepter.cidr_blocks, vec!["10.0.0.0/24".to_string()]);
    assert_eq!((p.accepter.owner_id.as_str(), p.accepter.region.as_str()), (DEFAULT_ACCOUNT, "us-east-1"));
    // Not yet acceptable, and no options before active.
    let e = ec2.accept_vpc_peering_connection(&p.id).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.kind), ("InvalidStateTransition", ErrorKind::InvalidState));
    settle_peering(&ec2, &p.id, "pending-acceptance").await;
    let e = ec2.modify_vpc_peering_dns(&p.id, Some(true), Some(true)).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.kind), ("OperationNotPermitted", ErrorKind::InvalidState));
    let a = ec2.accept_vpc_peering_connection(&p.id).await.unwrap();
    assert_eq!(a.status, "provisioning");
    assert!(ec2.modify_vpc_peering_dns(&p.id, Some(true), None).await.is_err());
    ec2.hold(&p.id, true);
    tokio::time::advance(5 * timing::PEERING_PROVISIONING).await;
    assert_eq!(ec2.find_vpc_peering_connection(&p.id).await.unwrap().unwrap().status, "provisioning", "held");
    ec2.hold(&p.id, false);
    let a = settle_peering(&ec2, &p.id, "active").await;
    assert_eq!(a.requester.allow_dns_resolution_from_remote_vpc, Some(false));
    ec2.modify_vpc_peering_dns(&p.id, Some(true), Some(true)).await.unwrap();
    let a = ec2.find_vpc_peering_connection(&p.id).await.unwrap().unwrap();
    assert_eq!(a.requester.allow_dns_resolution_from_remote_vpc, Some(true));
    assert_eq!(a.accepter.allow_dns_resolution_from_remote_vpc, Some(true));

    // Filters, and a route through it that turns blackhole once it is deleted.
    let by_vpc = Filters::new().with("accepter-vpc-info.vpc-id", &dms.id).with("status-code", "active");
    assert_eq!(ec2.find_vpc_peering_connections(&by_vpc).await.unwrap().len(), 1);
    let by_tag = Filters::new().with("tag:Name", "other");
    assert!(ec2.find_vpc_peering_connections(&by_tag).await.unwrap().is_empty());
    assert!(ec2.find_vpc_peering_connections(&Filters::new().with("bogus", "x")).await.is_err());
    let rtb = ec2.find_route_tables(&main_route_table_filters(&dms.id)).await.unwrap()[0].id.clone();
    ec2.create_route(&rtb, "10.1.0.0/16", &RouteTarget::VpcPeering(p.id.clone())).await.unwrap();
    ec2.delete_vpc_peering_connection(&p.id).await.unwrap();
    settle_peering(&ec2, &p.id, "deleted").await;
    ec2.delete_vpc_peering_connection(&p.id).await.unwrap();
    let rt = ec2.find_route_table(&rtb).await.unwrap().unwrap();
    assert!(rt.routes.iter().any(|r| r.destination_cidr_block == "10.1.0.0/16" && r.state == "blackhole"));

    assert_eq!(ec2.find_vpc_peering_connection("pcx-0000").await.unwrap(), None);
    let e = ec2.create_route(&rtb, "10.9.0.0/16", &RouteTarget::VpcPeering("pcx-0000".into())).await.unwrap_err();
    assert_eq!(e.code, "InvalidVpcPeeringConnectionID.NotFound");
    let e = ec2.accept_vpc_peering_connection("pcx-0000").await.unwrap_err();
    assert_eq!(e.code, "InvalidVpcPeeringConnectionID.NotFound");
    assert!(e.is_not_found());
}

#[tokio::test(start_paused = true)]
async fn fake_peering_overlap_fails_and_cannot_be_deleted() {
    let ec2 = FakeEc2::new();
    let a = ec2.create_vpc("10.0.0.0/16", &Tags::new()).await.unwrap();
    let b = ec2.create_vpc("10.0.1.0/24", &Tags::new()).await.unwrap();
    let input = CreateVpcPeeringInput { vpc_id: a.id.clone(), peer_vpc_id: b.id.clone(), ..Default::default() };
    let p = ec2.create_vpc_peering_connection(input).await.unwrap();
    let f = settle_peering(&ec2, &p.id, "failed").await;
    assert!(f.is_dead());
    assert!(f.status_message.contains("Overlapping"), "{}", f.status_message);
    let e = ec2.delete_vpc_peering_connection(&p.id).await.unwrap_err();
    assert_eq!(e.code, "InvalidStateTransition");
    let missing = CreateVpcPeeringInput { vpc_id: "vpc-nope".into(), peer_vpc_id: b.id, ..Default::default() };
    assert!(ec2.create_vpc_peering_connection(missing).await.unwrap_err().is_not_found());
}

#[tokio::test(start_paused = true)]
async fn fake_peering_cross_account_is_accepted_by_the_accepter_only() {
    let requester = Arc::new(FakeEc2::new());
    let accepter = Arc::new(FakeEc2::in_account("111111111111", "us-east-1"));
    FakeEc2::link(&requester, &accepter);
    let app = requester.create_vpc("10.1.0.0/16", &Tags::new()).await.unwrap();
    let dms = accepter.create_vpc("10.0.0.0/24", &Tags::new()).await.unwrap();
    let p = requester
        .create_vpc_peering_connection(CreateVpcPeeringInput {
            vpc_id: app.id.clone(),
            peer_vpc_id: dms.id.clone(),
            peer_owner_id: Some("111111111111".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(p.accepter.cidr_blocks, vec!["10.0.0.0/24".to_string()]);
    settle_peering(&requester, &p.id, "pending-acceptance").await;
    let e = requester.accept_vpc_peering_connection(&p.id).await.unwrap_err();
    assert_eq!(e.code, "OperationNotPermitted");
    // The accepter's account sees the request too.
    let pending = Filters::new().with("status-code", "pending-acceptance");
    assert_eq!(accepter.find_vpc_peering_connections(&pending).await.unwrap().len(), 1);
    accepter.accept_vpc_peering_connection(&p.id).await.unwrap();
    settle_peering(&accepter, &p.id, "active").await;
    // Each side's DNS option only by its owner.
    assert_eq!(
        requester.modify_vpc_peering_dns(&p.id, None, Some(true)).await.unwrap_err().code,
        "OperationNotPermitted"
    );
    requester.modify_vpc_peering_dns(&p.id, Some(true), None).await.unwrap();
    accepter.modify_vpc_peering_dns(&p.id, None, Some(true)).await.unwrap();
    let a = requester.find_vpc_peering_connection(&p.id).await.unwrap().unwrap();
    assert_eq!(a.accepter.allow_dns_resolution_from_remote_vpc, Some(true));
    // A request to an account nobody linked fails like an unknown peer VPC.
    let lone = CreateVpcPeeringInput {
        vpc_id: app.id,
        peer_vpc_id: dms.id,
        peer_owner_id: Some("222222222222".into()),
        ..Default::default()
    };
    let p2 = requester.create_vpc_peering_connection(lone).await.unwrap();
    settle_peering(&requester, &p2.id, "failed").await;
}

#[tokio::test(start_paused = true)]
async fn fake_vpc_goes_available_and_is_found_by_tags() {
    let ec2 = FakeEc2::new();
    let t = tags(&[("dmslink:stack", "dblink"), ("dmslink:resource", "vpc")]);
    let v = ec2.create_vpc("10.0.0.0/24", &t).await.unwrap();
    assert_eq!(v.state, "pending");
    assert!(v.id.starts_with("vpc-"));
    assert_eq!(ec2.find_vpc(&v.id).await.unwrap().unwrap().state, "available");
    assert_eq!(ec2.find_vpcs(&Filters::new().tags(&t)).await.unwrap().len(), 1);
    let other = tags(&[("dmslink:stack", "other")]);
    assert!(ec2.find_vpcs(&Filters::new().tags(&other)).await.unwrap().is_empty());
    assert_eq!(ec2.find_vpc("vpc-nope").await.unwrap(), None);
    let e = ec2.find_vpcs(&Filters::new().with("bogus", "x")).await.unwrap_err();
    assert_eq!(e.code, "InvalidParameterValue");
    assert_eq!(ec2.create_vpc("10.0.0.0/8", &Tags::new()).await.unwrap_err().code, "InvalidVpc.Range");
    assert_eq!(ec2.create_vpc("10.0.0.1/24", &Tags::new()).await.unwrap_err().code, "InvalidParameterValue");

    // One attribute per call, read back.
    assert!(ec2.describe_vpc_attribute(&v.id, VpcAttribute::EnableDnsSupport).await.unwrap());
    assert!(!ec2.describe_vpc_attribute(&v.id, VpcAttribute::EnableDnsHostnames).await.unwrap());
    ec2.modify_vpc_attribute(&v.id, VpcAttribute::EnableDnsHostnames, true).await.unwrap();
    assert!(ec2.describe_vpc_attribute(&v.id, VpcAttribute::EnableDnsHostnames).await.unwrap());

    // Main route table and default group come with it.
    let rts = ec2.find_route_tables(&main_route_table_filters(&v.id)).await.unwrap();
    assert_eq!(rts.len(), 1);
    assert!(rts[0].main);
    assert_eq!(rts[0].routes[0].target, RouteTarget::Local);
    assert!(ec2.default_security_group(&v.id).is_some());
}

#[tokio::test(start_paused = true)]
async fn fake_subnets_check_cidr_az_and_overlap() {
    let ec2 = FakeEc2::new();
    let (vpc, subnets) = vpc_with_subnets(&ec2).await;
    let input = |cidr: &str, az: &str| CreateSubnetInput {
        vpc_id: vpc.clone(),
        cidr_block: cidr.into(),
        availability_zone: az.into(),
        tags: Tags::new(),
    };
    assert_eq!(ec2.create_subnet(input("10.1.0.0/26", "us-east-1a")).await.unwrap_err().code, "InvalidSubnet.Range");
    assert_eq!(
        ec2.create_subnet(input("10.0.0.32/27", "us-east-1a")).await.unwrap_err().code,
        "InvalidSubnet.Conflict"
    );
    assert_eq!(
        ec2.create_subnet(input("10.0.0.128/26", "eu-west-1a")).await.unwrap_err().code,
        "InvalidParameterValue"
    );
    let s = ec2.find_subnet(&subnets[0]).await.unwrap().unwrap();
    assert_eq!((s.state.as_str(), s.availability_zone.as_str()), ("available", "us-east-1a"));
    assert_eq!(ec2.find_subnets(&Filters::new().vpc(&vpc)).await.unwrap().len(), 2);
    let azs = ec2.describe_availability_zones().await.unwrap();
    assert_eq!(azs.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn fake_vpc_delete_waits_for_every_dependant() {
    let ec2 = FakeEc2::new();
    let (vpc, subnets) = vpc_with_subnets(&ec2).await;
    let sg = ec2
        .create_security_group(CreateSecurityGroupInput {
            vpc_id: vpc.clone(),
            name: "dms".into(),
            description: "DMS".into(),
            tags: Tags::new(),
        })
        .await
        .unwrap();
    let igw = ec2.create_internet_gateway(&Tags::new()).await.unwrap();
    ec2.attach_internet_gateway(&igw.id, &vpc).await.unwrap();
    let eni =
        ec2.add_network_interface(&subnets[0], std::slice::from_ref(&sg.id), "DMSNetworkInterface", "dms").unwrap();
    ec2.set_network_interface_status(&eni, "available");

    let e = ec2.delete_vpc(&vpc).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::DependencyViolation);
    assert_eq!(ec2.delete_subnet(&subnets[0]).await.unwrap_err().code, "DependencyViolation");
    assert_eq!(ec2.delete_security_group(&sg.id).await.unwrap_err().code, "DependencyViolation");
    // The leftover ENI is found by group and subnet and deleted.
    let left = ec2.find_network_interfaces(&Filters::new().with("group-id", &sg.id)).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].status, "available");
    ec2.delete_network_interface(&left[0].id).await.unwrap();
    ec2.delete_security_group(&sg.id).await.unwrap();
    for s in &subnets {
        ec2.delete_subnet(s).await.unwrap();
    }
    assert_eq!(ec2.delete_vpc(&vpc).await.unwrap_err().code, "DependencyViolation", "IGW still attached");
    assert_eq!(ec2.delete_internet_gateway(&igw.id).await.unwrap_err().code, "DependencyViolation");
    ec2.detach_internet_gateway(&igw.id, &vpc).await.unwrap();
    assert_eq!(ec2.detach_internet_gateway(&igw.id, &vpc).await.unwrap_err().kind, ErrorKind::NotFound);
    ec2.delete_internet_gateway(&igw.id).await.unwrap();
    ec2.delete_vpc(&vpc).await.unwrap();
    assert_eq!(ec2.find_vpc(&vpc).await.unwrap(), None);
    assert!(ec2.find_route_tables(&Filters::new().vpc(&vpc)).await.unwrap().is_empty());
    assert_eq!(ec2.delete_vpc(&vpc).await.unwrap_err().kind, ErrorKind::NotFound);
}

#[tokio::test(start_paused = true)]
async fn fake_in_use_interfaces_cannot_be_deleted() {
    let ec2 = FakeEc2::new();
    let (_, subnets) = vpc_with_subnets(&ec2).await;
    let eni = ec2.add_network_interface(&subnets[1], &[], "RDSNetworkInterface", "amazon-rds").unwrap();
    let e = ec2.delete_network_interface(&eni).await.unwrap_err();
    assert_eq!(e.code, "InvalidNetworkInterface.InUse");
    assert_eq!(ec2.delete_network_interface("eni-nope").await.unwrap_err().kind, ErrorKind::NotFound);
    assert!(ec2.add_network_interface("subnet-nope", &[], "x", "y").is_err());
}

#[tokio::test(start_paused = true)]
async fn fake_security_group_rules_duplicate_and_references() {
    let ec2 = FakeEc2::new();
    let (vpc, _) = vpc_with_subnets(&ec2).await;
    let mk = |name: &str| CreateSecurityGroupInput {
        vpc_id: vpc.clone(),
        name: name.into(),
        description: "d".into(),
        tags: Tags::new(),
    };
    let a = ec2.create_security_group(mk("a")).await.unwrap();
    let b = ec2.create_security_group(mk("b")).await.unwrap();
    assert_eq!(ec2.create_security_group(mk("a")).await.unwrap_err().kind, ErrorKind::AlreadyExists);
    let rules = ec2.find_security_group_rules(&a.id).await.unwrap();
    assert_eq!(rules.len(), 1, "default egress");
    assert_eq!(rules[0].direction, RuleDirection::Egress);

    let r = SgRule::tcp(5432, RulePeer::Cidr("10.0.0.0/24".into()));
    ec2.authorize_security_group_ingress(&a.id, std::slice::from_ref(&r)).await.unwrap();
    let e = ec2.authorize_security_group_ingress(&a.id, std::slice::from_ref(&r)).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.kind), ("InvalidPermission.Duplicate", ErrorKind::AlreadyExists));
    ec2.authorize_security_group_ingress(&a.id, &[SgRule::tcp(1521, RulePeer::Group(b.id.clone()))]).await.unwrap();
    let e = ec2.delete_security_group(&b.id).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::DependencyViolation, "referenced by a's rule");
    ec2.revoke_security_group_ingress(&a.id, &[SgRule::tcp(1521, RulePeer::Group(b.id.clone()))]).await.unwrap();
    ec2.delete_security_group(&b.id).await.unwrap();
    let e = ec2.revoke_security_group_ingress(&a.id, &[SgRule::tcp(22, RulePeer::Cidr("0.0.0.0/0".into()))]).await;
    assert_eq!(e.unwrap_err().kind, ErrorKind::NotFound);
    ec2.revoke_security_group_egress(&a.id, &[SgRule::all(RulePeer::Cidr("0.0.0.0/0".into()))]).await.unwrap();
    let rules = ec2.find_security_group_rules(&a.id).await.unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].rule, r);
    let def = ec2.default_security_group(&vpc).unwrap();
    assert_eq!(ec2.delete_security_group(&def).await.unwrap_err().code, "CannotDelete");
    assert_eq!(ec2.find_security_groups(&Filters::new().with("group-name", "a")).await.unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn fake_vpn_gateway_attach_detach_delete_states() {
    let ec2 = FakeEc2::new();
    let (vpc, _) = vpc_with_subnets(&ec2).await;
    let g = ec2
        .create_vpn_gateway(CreateVpnGatewayInput { amazon_side_asn: Some(64513), tags: Tags::new() })
        .await
        .unwrap();
    assert_eq!(g.state, "pending");
    // Available at once, as in the emulator; held, it stays pending and cannot be attached.
    ec2.hold(&g.id, true);
    assert_eq!(ec2.attach_vpn_gateway(&g.id, &vpc).await.unwrap_err().code, "IncorrectState", "still pending");
    ec2.hold(&g.id, false);
    assert_eq!(ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap().state, "available");
    let a = ec2.attach_vpn_gateway(&g.id, &vpc).await.unwrap();
    assert_eq!(a.state, "attaching");
    let rt = ec2.find_route_tables(&main_route_table_filters(&vpc)).await.unwrap().remove(0);
    let e = ec2.enable_vgw_route_propagation(&rt.id, &g.id).await.unwrap_err();
    assert_eq!(e.code, "Gateway.NotAttached", "attaching is not attached yet");
    assert_eq!(ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap().attachments[0].state, "attaching");
    tokio::time::advance(timing::VGW_ATTACHING).await;
    let seen = ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap();
    assert_eq!(seen.attached_vpc(), Some(vpc.as_str()));
    assert_eq!(seen.attachments[0].state, "attached");
    ec2.enable_vgw_route_propagation(&rt.id, &g.id).await.unwrap();
    assert_eq!(ec2.find_route_table(&rt.id).await.unwrap().unwrap().propagating_vgws, vec![g.id.clone()]);

    // A second VGW cannot join the VPC.
    let g2 = ec2.create_vpn_gateway(CreateVpnGatewayInput::default()).await.unwrap();
    ec2.find_vpn_gateway(&g2.id).await.unwrap();
    assert_eq!(ec2.attach_vpn_gateway(&g2.id, &vpc).await.unwrap_err().code, "VpnGatewayAttachmentLimitExceeded");

    assert_eq!(ec2.delete_vpn_gateway(&g.id).await.unwrap_err().kind, ErrorKind::InvalidState);
    assert_eq!(ec2.delete_vpc(&vpc).await.unwrap_err().kind, ErrorKind::DependencyViolation);
    ec2.detach_vpn_gateway(&g.id, &vpc).await.unwrap();
    assert!(ec2.find_route_table(&rt.id).await.unwrap().unwrap().propagating_vgws.is_empty());
    assert_eq!(ec2.delete_vpn_gateway(&g.id).await.unwrap_err().code, "IncorrectState", "still detaching");
    tokio::time::advance(timing::VGW_DETACHING).await;
    let seen = ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap();
    assert_eq!(seen.attachments[0].state, "detached", "a detached attachment stays listed");
    assert_eq!(seen.attached_vpc(), None);
    assert_eq!(ec2.detach_vpn_gateway(&g.id, &vpc).await.unwrap_err().code, "InvalidVpnGatewayAttachment.NotFound");
    ec2.delete_vpn_gateway(&g.id).await.unwrap();
    assert_eq!(ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap().state, "deleted");
    assert!(ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap().is_gone());
    ec2.disable_vgw_route_propagation(&rt.id, &g.id).await.unwrap();
    assert_eq!(ec2.disable_vgw_route_propagation("rtb-nope", &g.id).await.unwrap_err().kind, ErrorKind::NotFound);
}

#[tokio::test(start_paused = true)]
async fn fake_held_vgw_attachment_stays_attaching() {
    let ec2 = FakeEc2::new();
    let (vpc, _) = vpc_with_subnets(&ec2).await;
    let g = ec2.create_vpn_gateway(CreateVpnGatewayInput::default()).await.unwrap();
    ec2.find_vpn_gateway(&g.id).await.unwrap();
    ec2.hold(&g.id, true);
    ec2.attach_vpn_gateway(&g.id, &vpc).await.unwrap();
    for _ in 0..3 {
        tokio::time::advance(timing::VGW_ATTACHING).await;
        assert_eq!(ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap().attachments[0].state, "attaching");
    }
    ec2.hold(&g.id, false);
    assert_eq!(ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap().attachments[0].state, "attached");
}

#[tokio::test(start_paused = true)]
async fn fake_routes_need_attached_gateways() {
    let ec2 = FakeEc2::new();
    let (vpc, _) = vpc_with_subnets(&ec2).await;
    let rt = ec2.find_route_tables(&main_route_table_filters(&vpc)).await.unwrap().remove(0);
    let igw = ec2.create_internet_gateway(&Tags::new()).await.unwrap();
    let to_igw = RouteTarget::Gateway(igw.id.clone());
    assert_eq!(ec2.create_route(&rt.id, "0.0.0.0/0", &to_igw).await.unwrap_err().code, "InvalidParameterValue");
    ec2.attach_internet_gateway(&igw.id, &vpc).await.unwrap();
    ec2.create_route(&rt.id, "0.0.0.0/0", &to_igw).await.unwrap();
    let e = ec2.create_route(&rt.id, "0.0.0.0/0", &to_igw).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.kind), ("RouteAlreadyExists", ErrorKind::AlreadyExists));
    // Routes through peerings (the targets must exist).
    let peer = ec2.create_vpc("10.9.0.0/16", &Tags::new()).await.unwrap();
    let mut pcx_ids = Vec::new();
    for _ in 0..2 {
        let input = CreateVpcPeeringInput { vpc_id: vpc.clone(), peer_vpc_id: peer.id.clone(), ..Default::default() };
        pcx_ids.push(ec2.create_vpc_peering_connection(input).await.unwrap().id);
    }
    let pcx = RouteTarget::VpcPeering(pcx_ids[0].clone());
    ec2.create_route(&rt.id, "10.9.0.0/16", &pcx).await.unwrap();
    ec2.replace_route(&rt.id, "10.9.0.0/16", &RouteTarget::VpcPeering(pcx_ids[1].clone())).await.unwrap();
    ec2.detach_internet_gateway(&igw.id, &vpc).await.unwrap();
    let routes = ec2.find_route_table(&rt.id).await.unwrap().unwrap().routes;
    assert_eq!(routes.iter().find(|r| r.destination_cidr_block == "0.0.0.0/0").unwrap().state, "blackhole");
    assert_eq!(
        routes.iter().find(|r| r.destination_cidr_block == "10.9.0.0/16").unwrap().target,
        RouteTarget::VpcPeering(pcx_ids[1].clone())
    );
    ec2.delete_route(&rt.id, "10.9.0.0/16").await.unwrap();
    assert_eq!(ec2.delete_route(&rt.id, "10.9.0.0/16").await.unwrap_err().kind, ErrorKind::NotFound);
    assert_eq!(ec2.delete_route(&rt.id, "10.0.0.0/24").await.unwrap_err().code, "InvalidParameterValue", "local");
}

#[tokio::test(start_paused = true)]
async fn fake_tags_failures_and_call_log() {
    let ec2 = FakeEc2::new();
    let (vpc, subnets) = vpc_with_subnets(&ec2).await;
    let ids = vec![vpc.clone(), subnets[0].clone()];
    ec2.create_tags(&ids, &tags(&[("team", "data")])).await.unwrap();
    assert_eq!(ec2.find_subnets(&Filters::new().tags(&tags(&[("team", "data")]))).await.unwrap().len(), 1);
    assert_eq!(ec2.ids_tagged("team", "data"), ids);
    ec2.delete_tags(&ids, &["team".to_string()]).await.unwrap();
    assert!(ec2.ids_tagged("team", "data").is_empty());
    assert_eq!(ec2.create_tags(&["vpc-nope".to_string()], &Tags::new()).await.unwrap_err().kind, ErrorKind::NotFound);

    ec2.clear_calls();
    ec2.fail_next("delete_subnet", AwsError::from_code("RequestLimitExceeded", "slow down"));
    assert_eq!(ec2.delete_subnet(&subnets[0]).await.unwrap_err().kind, ErrorKind::Throttled);
    ec2.delete_subnet(&subnets[0]).await.unwrap();
    assert_eq!(ec2.calls(), vec!["delete_subnet", "delete_subnet"]);
    assert_eq!(ec2.call_log()[0], format!("delete_subnet {}", subnets[0]));
}

#[test]
fn cidr_math() {
    assert_eq!(parse_cidr("10.0.0.0/24"), Some((0x0A00_0000, 24)));
    assert_eq!(parse_cidr("10.0.0.1/24"), None);
    assert_eq!(parse_cidr("10.0.0/24"), None);
    assert_eq!(parse_cidr("300.0.0.0/8"), None);
    let vpc = parse_cidr("10.0.0.0/24").unwrap();
    assert!(cidr_contains(vpc, parse_cidr("10.0.0.64/26").unwrap()));
    assert!(!cidr_contains(vpc, parse_cidr("10.0.1.0/26").unwrap()));
    assert!(cidrs_overlap(parse_cidr("10.0.0.0/26").unwrap(), parse_cidr("10.0.0.32/27").unwrap()));
    assert!(!cidrs_overlap(parse_cidr("10.0.0.0/26").unwrap(), parse_cidr("10.0.0.64/26").unwrap()));
}

/// A VPN gateway is attached to one VPC at a time (AttachVpnGateway): attaching it to another VPC
/// is refused as the emulator refuses it until the first attachment is `detached`. Detaching is
/// allowed with an `available` VPN connection on the gateway (DetachVpnGateway documents no such
/// refusal; the connection belongs to the gateway), which stays `available`.
#[tokio::test(start_paused = true)]
async fn fake_vgw_attached_elsewhere_is_refused_and_detaches_under_a_live_vpn() {
    let ec2 = FakeEc2::new();
    let (vpc, _) = vpc_with_subnets(&ec2).await;
    let other = ec2.create_vpc("10.9.0.0/16", &Tags::new()).await.unwrap().id;
    let g = ec2.create_vpn_gateway(CreateVpnGatewayInput::default()).await.unwrap();
    ec2.attach_vpn_gateway(&g.id, &vpc).await.unwrap();
    let e = ec2.attach_vpn_gateway(&g.id, &other).await.unwrap_err();
    assert_eq!(e.code, "VpnGatewayAttachmentLimitExceeded", "while attaching: {e:?}");
    tokio::time::advance(timing::VGW_ATTACHING).await;
    let e = ec2.attach_vpn_gateway(&g.id, &other).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        (
            "VpnGatewayAttachmentLimitExceeded",
            format!("The virtual private gateway '{}' is already attached to a VPC.", g.id).as_str()
        )
    );
    let vpn = ec2.add_vpn_connection(&g.id, "available");
    ec2.detach_vpn_gateway(&g.id, &vpc).await.unwrap();
    assert_eq!(ec2.attach_vpn_gateway(&g.id, &other).await.unwrap_err().code, "VpnGatewayAttachmentLimitExceeded");
    tokio::time::advance(timing::VGW_DETACHING).await;
    ec2.attach_vpn_gateway(&g.id, &other).await.unwrap();
    let conns = ec2.find_vpn_connections(&Filters::new().with("vpn-gateway-id", &g.id)).await.unwrap();
    assert_eq!(
        conns.iter().map(|c| (c.id.as_str(), c.state.as_str())).collect::<Vec<_>>(),
        [(vpn.id.as_str(), "available")]
    );
}
