#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn tag(k: &str, v: &str) -> t::Tag {
    t::Tag::builder().key(k).value(v).build()
}

#[test]
fn sdk_peering_maps_status_sides_and_options() {
    let side = |vpc: &str, cidr: &str, dns: Option<bool>| {
        let mut b = t::VpcPeeringConnectionVpcInfo::builder()
            .vpc_id(vpc)
            .owner_id("123456789012")
            .region("us-east-1")
            .cidr_block(cidr)
            .cidr_block_set(t::CidrBlock::builder().cidr_block(cidr).build())
            .cidr_block_set(t::CidrBlock::builder().cidr_block("100.64.0.0/16").build());
        if let Some(v) = dns {
            b = b.peering_options(
                t::VpcPeeringConnectionOptionsDescription::builder().allow_dns_resolution_from_remote_vpc(v).build(),
            );
        }
        b.build()
    };
    let p = t::VpcPeeringConnection::builder()
        .vpc_peering_connection_id("pcx-1")
        .status(
            t::VpcPeeringConnectionStateReason::builder()
                .code(t::VpcPeeringConnectionStateReasonCode::PendingAcceptance)
                .message("Pending Acceptance by 123456789012")
                .build(),
        )
        .requester_vpc_info(side("vpc-app", "10.1.0.0/16", Some(true)))
        .accepter_vpc_info(side("vpc-dms", "10.0.0.0/24", None))
        .tags(tag("Name", "p"))
        .build();
    let d = peering_from_sdk(&p);
    assert_eq!(d.id, "pcx-1");
    assert_eq!(d.status, "pending-acceptance");
    assert_eq!(d.status_message, "Pending Acceptance by 123456789012");
    assert_eq!(d.requester.vpc_id, "vpc-app");
    assert_eq!(d.requester.cidr_blocks, vec!["10.1.0.0/16".to_string(), "100.64.0.0/16".to_string()]);
    assert_eq!(d.requester.allow_dns_resolution_from_remote_vpc, Some(true));
    assert_eq!(d.accepter.allow_dns_resolution_from_remote_vpc, None);
    assert_eq!(d.tags.get("Name").map(String::as_str), Some("p"));
    assert!(!d.is_dead());
}

#[test]
fn sdk_vpc_and_subnet_map_to_domain() {
    let v = t::Vpc::builder()
        .vpc_id("vpc-1")
        .state(t::VpcState::Available)
        .cidr_block("10.0.0.0/24")
        .is_default(false)
        .tags(tag("dmslink:stack", "dblink"))
        .build();
    let d = vpc_from_sdk(&v);
    assert_eq!((d.id.as_str(), d.state.as_str(), d.cidr_block.as_str()), ("vpc-1", "available", "10.0.0.0/24"));
    assert_eq!(d.tags.get("dmslink:stack").map(String::as_str), Some("dblink"));

    let sn = t::Subnet::builder()
        .subnet_id("subnet-1")
        .vpc_id("vpc-1")
        .state(t::SubnetState::Pending)
        .cidr_block("10.0.0.0/26")
        .availability_zone("us-east-1a")
        .build();
    let d = subnet_from_sdk(&sn);
    assert_eq!((d.state.as_str(), d.availability_zone.as_str()), ("pending", "us-east-1a"));
    assert!(d.tags.is_empty());
}

#[test]
fn sdk_rules_map_both_ways() {
    let r = t::SecurityGroupRule::builder()
        .security_group_rule_id("sgr-1")
        .group_id("sg-1")
        .is_egress(false)
        .ip_protocol("tcp")
        .from_port(5432)
        .to_port(5432)
        .cidr_ipv4("10.1.0.0/16")
        .build();
    let d = sg_rule_from_sdk(&r);
    assert_eq!(d.direction, RuleDirection::Ingress);
    assert_eq!(d.rule, SgRule::tcp(5432, RulePeer::Cidr("10.1.0.0/16".into())));

    let r = t::SecurityGroupRule::builder()
        .group_id("sg-1")
        .is_egress(true)
        .ip_protocol("-1")
        .from_port(-1)
        .to_port(-1)
        .referenced_group_info(t::ReferencedSecurityGroup::builder().group_id("sg-2").build())
        .build();
    let d = sg_rule_from_sdk(&r);
    assert_eq!((d.direction, d.rule.peer.clone()), (RuleDirection::Egress, RulePeer::Group("sg-2".into())));

    let p = ip_permission(&SgRule::tcp(1521, RulePeer::Group("sg-9".into())));
    assert_eq!((p.ip_protocol(), p.from_port(), p.to_port()), (Some("tcp"), Some(1521), Some(1521)));
    assert_eq!(p.user_id_group_pairs()[0].group_id(), Some("sg-9"));
    let p = ip_permission(&SgRule::all(RulePeer::Cidr("0.0.0.0/0".into())));
    assert_eq!((p.ip_protocol(), p.from_port()), (Some("-1"), None));
    assert_eq!(p.ip_ranges()[0].cidr_ip(), Some("0.0.0.0/0"));
}

#[test]
fn sdk_gateways_map_with_attachments() {
    let g = t::VpnGateway::builder()
        .vpn_gateway_id("vgw-1")
        .state(t::VpnState::Available)
        .amazon_side_asn(64512)
        .vpc_attachments(t::VpcAttachment::builder().vpc_id("vpc-old").state(t::AttachmentStatus::Detached).build())
        .vpc_attachments(t::VpcAttachment::builder().vpc_id("vpc-1").state(t::AttachmentStatus::Attached).build())
        .build();
    let d = vgw_from_sdk(&g);
    assert_eq!(d.amazon_side_asn, Some(64512));
    assert_eq!(d.attached_vpc(), Some("vpc-1"));
    assert_eq!(d.attachments[0].state, "detached");

    let i = t::InternetGateway::builder()
        .internet_gateway_id("igw-1")
        .attachments(
            t::InternetGatewayAttachment::builder()
                .vpc_id("vpc-1")
                .state(t::AttachmentStatus::from("available"))
                .build(),
        )
        .build();
    let d = igw_from_sdk(&i);
    assert_eq!(d.attachments, vec![GatewayAttachment { vpc_id: "vpc-1".into(), state: "available".into() }]);
}

#[test]
fn sdk_route_table_maps_main_flag_routes_and_propagation() {
    let rt = t::RouteTable::builder()
        .route_table_id("rtb-1")
        .vpc_id("vpc-1")
        .associations(t::RouteTableAssociation::builder().route_table_association_id("rtbassoc-1").main(true).build())
        .propagating_vgws(t::PropagatingVgw::builder().gateway_id("vgw-1").build())
        .routes(
            t::Route::builder()
                .destination_cidr_block("10.0.0.0/24")
                .gateway_id("local")
                .state(t::RouteState::Active)
                .origin(t::RouteOrigin::CreateRouteTable)
                .build(),
        )
        .routes(
            t::Route::builder()
                .destination_cidr_block("10.9.0.0/16")
                .vpc_peering_connection_id("pcx-1")
                .state(t::RouteState::Blackhole)
                .origin(t::RouteOrigin::CreateRoute)
                .build(),
        )
        .build();
    let d = route_table_from_sdk(&rt);
    assert!(d.main);
    assert_eq!(d.propagating_vgws, vec!["vgw-1".to_string()]);
    assert_eq!(d.routes[0].target, RouteTarget::Local);
    assert_eq!(d.routes[1].target, RouteTarget::VpcPeering("pcx-1".into()));
    assert_eq!((d.routes[1].state.as_str(), d.routes[1].origin.as_str()), ("blackhole", "CreateRoute"));
}

#[test]
fn sdk_network_interface_maps_groups_and_status() {
    let n = t::NetworkInterface::builder()
        .network_interface_id("eni-1")
        .status(t::NetworkInterfaceStatus::Available)
        .subnet_id("subnet-1")
        .vpc_id("vpc-1")
        .groups(t::GroupIdentifier::builder().group_id("sg-1").build())
        .description("DMSNetworkInterface")
        .build();
    let d = eni_from_sdk(&n);
    assert_eq!((d.status.as_str(), d.group_ids.clone()), ("available", vec!["sg-1".to_string()]));
    assert_eq!(d.description, "DMSNetworkInterface");
}

#[test]
fn filters_and_tag_specs_convert() {
    let f = sdk_filters(&Filters::new().with("vpc-id", "vpc-1")).unwrap();
    assert_eq!((f[0].name(), f[0].values()), (Some("vpc-id"), &["vpc-1".to_string()][..]));
    assert!(sdk_filters(&Filters::new()).is_none());
    assert!(tag_spec(ResourceType::Vpc, &Tags::new()).is_none());
    let ts = tag_spec(ResourceType::Subnet, &Tags::from([("a".to_string(), "b".to_string())])).unwrap();
    assert_eq!(ts[0].resource_type(), Some(&ResourceType::Subnet));
    assert_eq!(tags_from_sdk(ts[0].tags()), Tags::from([("a".to_string(), "b".to_string())]));
}
