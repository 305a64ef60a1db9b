//! `Describe*` filter values of each kind of EC2 object in the fake.

use super::*;

pub(super) fn vpc_values(r: &VpcRec, name: &str) -> Option<Vec<String>> {
    match name {
        "vpc-id" => one(&r.vpc.id),
        "cidr" | "cidr-block" | "cidr-block-association.cidr-block" => one(&r.vpc.cidr_block),
        "state" => one(&r.life.status),
        "is-default" => one(if r.vpc.is_default { "true" } else { "false" }),
        _ => None,
    }
}

pub(super) fn subnet_values(r: &SubnetRec, name: &str) -> Option<Vec<String>> {
    match name {
        "subnet-id" => one(&r.subnet.id),
        "vpc-id" => one(&r.subnet.vpc_id),
        "availability-zone" | "availabilityZone" => one(&r.subnet.availability_zone),
        "cidr-block" | "cidr" | "cidrBlock" => one(&r.subnet.cidr_block),
        "state" => one(&r.life.status),
        _ => None,
    }
}

pub(super) fn sg_values(r: &SgRec, name: &str) -> Option<Vec<String>> {
    match name {
        "group-id" => one(&r.sg.id),
        "group-name" => one(&r.sg.name),
        "vpc-id" => one(&r.sg.vpc_id),
        "description" => one(&r.sg.description),
        _ => None,
    }
}

pub(super) fn igw_values(r: &InternetGateway, name: &str) -> Option<Vec<String>> {
    match name {
        "internet-gateway-id" => one(&r.id),
        "attachment.vpc-id" => Some(r.attachments.iter().map(|a| a.vpc_id.clone()).collect()),
        "attachment.state" => Some(r.attachments.iter().map(|a| a.state.clone()).collect()),
        _ => None,
    }
}

pub(super) fn vgw_values(r: &VpnGateway, name: &str) -> Option<Vec<String>> {
    match name {
        "vpn-gateway-id" => one(&r.id),
        "state" => one(&r.state),
        "type" => one("ipsec.1"),
        "amazon-side-asn" => Some(r.amazon_side_asn.map(|a| a.to_string()).into_iter().collect()),
        "attachment.vpc-id" => Some(r.attachments.iter().map(|a| a.vpc_id.clone()).collect()),
        "attachment.state" => Some(r.attachments.iter().map(|a| a.state.clone()).collect()),
        _ => None,
    }
}

pub(super) fn rt_values(r: &RouteTable, name: &str) -> Option<Vec<String>> {
    match name {
        "route-table-id" => one(&r.id),
        "vpc-id" => one(&r.vpc_id),
        "association.main" => Some(r.associations.iter().map(|a| a.main.to_string()).collect()),
        "association.subnet-id" => Some(r.associations.iter().filter_map(|a| a.subnet_id.clone()).collect()),
        "association.route-table-association-id" => Some(r.associations.iter().map(|a| a.id.clone()).collect()),
        _ => None,
    }
}

pub(super) fn eni_values(r: &NetworkInterface, name: &str) -> Option<Vec<String>> {
    match name {
        "network-interface-id" => one(&r.id),
        "group-id" => Some(r.group_ids.clone()),
        "subnet-id" => one(&r.subnet_id),
        "vpc-id" => one(&r.vpc_id),
        "status" => one(&r.status),
        "description" => one(&r.description),
        "requester-id" => Some(r.requester_id.clone().into_iter().collect()),
        "interface-type" => Some(r.interface_type.clone().into_iter().collect()),
        _ => None,
    }
}
