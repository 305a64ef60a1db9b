//! Between the SDK's EC2 types and the domain types of `aws::ec2`: not-found handling, filters, tags, and the conversions of VPCs, subnets, security groups and rules, gateways, route tables, interfaces and peerings.

use super::*;

/// `Ok(None)` for a NotFound answer (EC2 `Invalid*ID.NotFound`).
pub(super) fn none_if_not_found<T>(r: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The one object with this id among `found` (emulators may ignore an id list).
pub(super) fn the_one<T>(found: Vec<T>, id: &str, id_of: impl Fn(&T) -> &str) -> Option<T> {
    found.into_iter().find(|x| id_of(x) == id)
}

pub(super) fn missing(what: &str, op: &str) -> AwsError {
    AwsError::new(ErrorKind::Other, "", format!("EC2 {op} returned no {what}"))
}

pub(super) fn sdk_filters(f: &Filters) -> Option<Vec<t::Filter>> {
    if f.is_empty() {
        return None;
    }
    Some(
        f.0.iter()
            .map(|(name, values)| t::Filter::builder().name(name).set_values(Some(values.clone())).build())
            .collect(),
    )
}

pub(super) fn sdk_tags(tags: &Tags) -> Vec<t::Tag> {
    tags.iter().map(|(k, v)| t::Tag::builder().key(k).value(v).build()).collect()
}

pub(super) fn tag_spec(kind: ResourceType, tags: &Tags) -> Option<Vec<t::TagSpecification>> {
    if tags.is_empty() {
        return None;
    }
    Some(vec![t::TagSpecification::builder().resource_type(kind).set_tags(Some(sdk_tags(tags))).build()])
}

pub(super) fn tags_from_sdk(tags: &[t::Tag]) -> Tags {
    tags.iter().filter_map(|t| t.key().map(|k| (k.to_string(), t.value().unwrap_or_default().to_string()))).collect()
}

pub(super) fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_string()
}

pub(crate) fn vpc_from_sdk(v: &t::Vpc) -> Vpc {
    Vpc {
        id: s(v.vpc_id()),
        state: v.state().map(|x| x.as_str().to_string()).unwrap_or_default(),
        cidr_block: s(v.cidr_block()),
        is_default: v.is_default().unwrap_or(false),
        tags: tags_from_sdk(v.tags()),
    }
}

pub(crate) fn subnet_from_sdk(v: &t::Subnet) -> Subnet {
    Subnet {
        id: s(v.subnet_id()),
        vpc_id: s(v.vpc_id()),
        state: v.state().map(|x| x.as_str().to_string()).unwrap_or_default(),
        cidr_block: s(v.cidr_block()),
        availability_zone: s(v.availability_zone()),
        tags: tags_from_sdk(v.tags()),
    }
}

pub(super) fn sg_from_sdk(v: &t::SecurityGroup) -> SecurityGroup {
    SecurityGroup {
        id: s(v.group_id()),
        name: s(v.group_name()),
        description: s(v.description()),
        vpc_id: s(v.vpc_id()),
        tags: tags_from_sdk(v.tags()),
    }
}

pub(crate) fn sg_rule_from_sdk(r: &t::SecurityGroupRule) -> SecurityGroupRule {
    let peer = match (r.cidr_ipv4(), r.referenced_group_info().and_then(|g| g.group_id())) {
        (Some(cidr), _) => RulePeer::Cidr(cidr.to_string()),
        (None, Some(group)) => RulePeer::Group(group.to_string()),
        (None, None) => RulePeer::Cidr(r.cidr_ipv6().or(r.prefix_list_id()).unwrap_or_default().to_string()),
    };
    SecurityGroupRule {
        id: s(r.security_group_rule_id()),
        group_id: s(r.group_id()),
        direction: if r.is_egress().unwrap_or(false) { RuleDirection::Egress } else { RuleDirection::Ingress },
        rule: SgRule {
            protocol: s(r.ip_protocol()),
            from_port: r.from_port().unwrap_or(-1),
            to_port: r.to_port().unwrap_or(-1),
            peer,
            description: r.description().filter(|d| !d.is_empty()).map(str::to_string),
        },
    }
}

pub(crate) fn ip_permission(rule: &SgRule) -> t::IpPermission {
    let b = t::IpPermission::builder().ip_protocol(&rule.protocol);
    let b = if rule.protocol == "-1" { b } else { b.from_port(rule.from_port).to_port(rule.to_port) };
    match &rule.peer {
        RulePeer::Cidr(cidr) => {
            b.ip_ranges(t::IpRange::builder().cidr_ip(cidr).set_description(rule.description.clone()).build()).build()
        }
        RulePeer::Group(group) => b
            .user_id_group_pairs(
                t::UserIdGroupPair::builder().group_id(group).set_description(rule.description.clone()).build(),
            )
            .build(),
    }
}

pub(super) fn attachment_state(a: Option<&t::AttachmentStatus>) -> String {
    a.map(|x| x.as_str().to_string()).unwrap_or_default()
}

pub(crate) fn igw_from_sdk(v: &t::InternetGateway) -> InternetGateway {
    InternetGateway {
        id: s(v.internet_gateway_id()),
        attachments: v
            .attachments()
            .iter()
            .map(|a| GatewayAttachment { vpc_id: s(a.vpc_id()), state: attachment_state(a.state()) })
            .collect(),
        tags: tags_from_sdk(v.tags()),
    }
}

pub(crate) fn vgw_from_sdk(v: &t::VpnGateway) -> VpnGateway {
    VpnGateway {
        id: s(v.vpn_gateway_id()),
        state: v.state().map(|x| x.as_str().to_string()).unwrap_or_default(),
        amazon_side_asn: v.amazon_side_asn(),
        attachments: v
            .vpc_attachments()
            .iter()
            .map(|a| GatewayAttachment { vpc_id: s(a.vpc_id()), state: attachment_state(a.state()) })
            .collect(),
        tags: tags_from_sdk(v.tags()),
    }
}

pub(super) fn vpn_connection_from_sdk(v: &t::VpnConnection) -> VpnConnection {
    VpnConnection {
        id: s(v.vpn_connection_id()),
        state: v.state().map(|x| x.as_str().to_string()).unwrap_or_default(),
        vpn_gateway_id: v.vpn_gateway_id().map(str::to_string),
        customer_gateway_id: v.customer_gateway_id().map(str::to_string),
        tags: tags_from_sdk(v.tags()),
    }
}

pub(super) fn route_from_sdk(r: &t::Route) -> Route {
    let target = if let Some(g) = r.gateway_id() {
        if g == "local" { RouteTarget::Local } else { RouteTarget::Gateway(g.to_string()) }
    } else if let Some(p) = r.vpc_peering_connection_id() {
        RouteTarget::VpcPeering(p.to_string())
    } else {
        let other = r
            .nat_gateway_id()
            .or(r.transit_gateway_id())
            .or(r.network_interface_id())
            .or(r.instance_id())
            .or(r.egress_only_internet_gateway_id())
            .or(r.local_gateway_id())
            .or(r.carrier_gateway_id())
            .unwrap_or_default();
        RouteTarget::Other(other.to_string())
    };
    Route {
        destination_cidr_block: s(r.destination_cidr_block().or(r.destination_ipv6_cidr_block())),
        target,
        state: r.state().map(|x| x.as_str().to_string()).unwrap_or_default(),
        origin: r.origin().map(|x| x.as_str().to_string()).unwrap_or_default(),
    }
}

pub(crate) fn route_table_from_sdk(v: &t::RouteTable) -> RouteTable {
    let associations: Vec<RouteTableAssociation> = v
        .associations()
        .iter()
        .map(|a| RouteTableAssociation {
            id: s(a.route_table_association_id()),
            main: a.main().unwrap_or(false),
            subnet_id: a.subnet_id().map(str::to_string),
        })
        .collect();
    RouteTable {
        id: s(v.route_table_id()),
        vpc_id: s(v.vpc_id()),
        main: associations.iter().any(|a| a.main),
        associations,
        propagating_vgws: v.propagating_vgws().iter().filter_map(|p| p.gateway_id().map(str::to_string)).collect(),
        routes: v.routes().iter().map(route_from_sdk).collect(),
        tags: tags_from_sdk(v.tags()),
    }
}

pub(crate) fn eni_from_sdk(v: &t::NetworkInterface) -> NetworkInterface {
    NetworkInterface {
        id: s(v.network_interface_id()),
        status: v.status().map(|x| x.as_str().to_string()).unwrap_or_default(),
        subnet_id: s(v.subnet_id()),
        vpc_id: s(v.vpc_id()),
        group_ids: v.groups().iter().filter_map(|g| g.group_id().map(str::to_string)).collect(),
        description: s(v.description()),
        requester_id: v.requester_id().map(str::to_string),
        interface_type: v.interface_type().map(|x| x.as_str().to_string()),
        tags: tags_from_sdk(v.tag_set()),
    }
}

pub(super) fn peer_side_from_sdk(v: Option<&t::VpcPeeringConnectionVpcInfo>) -> PeerSide {
    let Some(v) = v else { return PeerSide::default() };
    let mut cidr_blocks: Vec<String> = v.cidr_block().map(str::to_string).into_iter().collect();
    for c in v.cidr_block_set().iter().filter_map(|c| c.cidr_block()) {
        if !cidr_blocks.iter().any(|x| x == c) {
            cidr_blocks.push(c.to_string());
        }
    }
    PeerSide {
        vpc_id: s(v.vpc_id()),
        owner_id: s(v.owner_id()),
        region: s(v.region()),
        cidr_blocks,
        allow_dns_resolution_from_remote_vpc: v
            .peering_options()
            .and_then(|o| o.allow_dns_resolution_from_remote_vpc()),
    }
}

pub(crate) fn peering_from_sdk(v: &t::VpcPeeringConnection) -> VpcPeering {
    VpcPeering {
        id: s(v.vpc_peering_connection_id()),
        status: v.status().and_then(|st| st.code()).map(|c| c.as_str().to_string()).unwrap_or_default(),
        status_message: s(v.status().and_then(|st| st.message())),
        requester: peer_side_from_sdk(v.requester_vpc_info()),
        accepter: peer_side_from_sdk(v.accepter_vpc_info()),
        tags: tags_from_sdk(v.tags()),
    }
}

pub(super) fn vpc_attribute_name(a: VpcAttribute) -> VpcAttributeName {
    match a {
        VpcAttribute::EnableDnsSupport => VpcAttributeName::EnableDnsSupport,
        VpcAttribute::EnableDnsHostnames => VpcAttributeName::EnableDnsHostnames,
    }
}
