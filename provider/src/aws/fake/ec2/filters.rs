//! `Describe*` filters: each kind of EC2 object's values for a filter name, and the selection.

use super::*;

/// An object `Describe*` filters select from: its tags and its values for a filter name (`None`:
/// the name is unknown for this kind of object).
pub(super) trait Filtered {
    fn tags(&self) -> &Tags;
    fn values(&self, name: &str) -> Option<Vec<String>>;
}

/// Whether an object passes every filter (`InvalidParameterValue` for a name it does not know).
pub(super) fn matches(filters: &Filters, r: &impl Filtered) -> Result<bool, AwsError> {
    for (name, wanted) in &filters.0 {
        let have: Vec<String> = if let Some(key) = name.strip_prefix("tag:") {
            r.tags().get(key).cloned().into_iter().collect()
        } else if name == "tag-key" {
            r.tags().keys().cloned().collect()
        } else {
            match r.values(name) {
                Some(v) => v,
                None => return Err(invalid_parameter(format!("The filter '{name}' is invalid"))),
            }
        };
        if !wanted.iter().any(|w| have.contains(w)) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// What a `Describe*` call with these filters answers: the view of each object that passes.
pub(super) fn select<'a, R: Filtered + 'a, T>(
    objects: impl IntoIterator<Item = &'a R>,
    filters: &Filters,
    view: impl Fn(&R) -> T,
) -> Result<Vec<T>, AwsError> {
    let mut out = Vec::new();
    for r in objects {
        if matches(filters, r)? {
            out.push(view(r));
        }
    }
    Ok(out)
}

pub(super) fn one(v: &str) -> Option<Vec<String>> {
    Some(vec![v.to_string()])
}

impl Filtered for VpcRec {
    fn tags(&self) -> &Tags {
        &self.vpc.tags
    }

    fn values(&self, name: &str) -> Option<Vec<String>> {
        match name {
            "vpc-id" => one(&self.vpc.id),
            "cidr" | "cidr-block" | "cidr-block-association.cidr-block" => one(&self.vpc.cidr_block),
            "state" => one(&self.life.status),
            "is-default" => one(if self.vpc.is_default { "true" } else { "false" }),
            _ => None,
        }
    }
}

impl Filtered for SubnetRec {
    fn tags(&self) -> &Tags {
        &self.subnet.tags
    }

    fn values(&self, name: &str) -> Option<Vec<String>> {
        match name {
            "subnet-id" => one(&self.subnet.id),
            "vpc-id" => one(&self.subnet.vpc_id),
            "availability-zone" | "availabilityZone" => one(&self.subnet.availability_zone),
            "cidr-block" | "cidr" | "cidrBlock" => one(&self.subnet.cidr_block),
            "state" => one(&self.life.status),
            _ => None,
        }
    }
}

impl Filtered for SgRec {
    fn tags(&self) -> &Tags {
        &self.sg.tags
    }

    fn values(&self, name: &str) -> Option<Vec<String>> {
        match name {
            "group-id" => one(&self.sg.id),
            "group-name" => one(&self.sg.name),
            "vpc-id" => one(&self.sg.vpc_id),
            "description" => one(&self.sg.description),
            _ => None,
        }
    }
}

impl Filtered for InternetGateway {
    fn tags(&self) -> &Tags {
        &self.tags
    }

    fn values(&self, name: &str) -> Option<Vec<String>> {
        match name {
            "internet-gateway-id" => one(&self.id),
            "attachment.vpc-id" => Some(self.attachments.iter().map(|a| a.vpc_id.clone()).collect()),
            "attachment.state" => Some(self.attachments.iter().map(|a| a.state.clone()).collect()),
            _ => None,
        }
    }
}

impl Filtered for VpnGateway {
    fn tags(&self) -> &Tags {
        &self.tags
    }

    fn values(&self, name: &str) -> Option<Vec<String>> {
        match name {
            "vpn-gateway-id" => one(&self.id),
            "state" => one(&self.state),
            "type" => one("ipsec.1"),
            "amazon-side-asn" => Some(self.amazon_side_asn.map(|a| a.to_string()).into_iter().collect()),
            "attachment.vpc-id" => Some(self.attachments.iter().map(|a| a.vpc_id.clone()).collect()),
            "attachment.state" => Some(self.attachments.iter().map(|a| a.state.clone()).collect()),
            _ => None,
        }
    }
}

impl Filtered for VpnConnection {
    fn tags(&self) -> &Tags {
        &self.tags
    }

    fn values(&self, name: &str) -> Option<Vec<String>> {
        match name {
            "vpn-connection-id" => one(&self.id),
            "state" => one(&self.state),
            "type" => one("ipsec.1"),
            "vpn-gateway-id" => Some(self.vpn_gateway_id.clone().into_iter().collect()),
            "customer-gateway-id" => Some(self.customer_gateway_id.clone().into_iter().collect()),
            _ => None,
        }
    }
}

impl Filtered for RouteTable {
    fn tags(&self) -> &Tags {
        &self.tags
    }

    fn values(&self, name: &str) -> Option<Vec<String>> {
        match name {
            "route-table-id" => one(&self.id),
            "vpc-id" => one(&self.vpc_id),
            "association.main" => Some(self.associations.iter().map(|a| a.main.to_string()).collect()),
            "association.subnet-id" => Some(self.associations.iter().filter_map(|a| a.subnet_id.clone()).collect()),
            "association.route-table-association-id" => Some(self.associations.iter().map(|a| a.id.clone()).collect()),
            _ => None,
        }
    }
}

impl Filtered for NetworkInterface {
    fn tags(&self) -> &Tags {
        &self.tags
    }

    fn values(&self, name: &str) -> Option<Vec<String>> {
        match name {
            "network-interface-id" => one(&self.id),
            "group-id" => Some(self.group_ids.clone()),
            "subnet-id" => one(&self.subnet_id),
            "vpc-id" => one(&self.vpc_id),
            "status" => one(&self.status),
            "description" => one(&self.description),
            "requester-id" => Some(self.requester_id.clone().into_iter().collect()),
            "interface-type" => Some(self.interface_type.clone().into_iter().collect()),
            _ => None,
        }
    }
}

impl Filtered for PeeringRec {
    fn tags(&self) -> &Tags {
        &self.peering.tags
    }

    fn values(&self, name: &str) -> Option<Vec<String>> {
        let side = |s: &PeerSide, field: &str| match field {
            "vpc-id" => one(&s.vpc_id),
            "owner-id" => one(&s.owner_id),
            "cidr-block" => Some(s.cidr_blocks.clone()),
            _ => None,
        };
        match name {
            "vpc-peering-connection-id" => one(&self.peering.id),
            "status-code" => one(&self.life.status),
            "status-message" => one(&self.peering.status_message),
            _ => {
                if let Some(f) = name.strip_prefix("requester-vpc-info.") {
                    side(&self.peering.requester, f)
                } else if let Some(f) = name.strip_prefix("accepter-vpc-info.") {
                    side(&self.peering.accepter, f)
                } else {
                    None
                }
            }
        }
    }
}
