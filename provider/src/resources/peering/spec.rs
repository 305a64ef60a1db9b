//! What a `dmslink_peering` value asks for ([`Spec`]) and the EC2 clients of its two sides
//! ([`Sides`]): the requester (the application VPC, the provider's credentials and region) and the
//! accepter (the DMS VPC, through `accepter`'s role and in `peer_region` when set).

use std::sync::Arc;

use crate::aws::Clients;
use crate::aws::ec2::{Ec2Api, RoleToAssume, Tags};
use crate::engine::Value;

/// Tag put on every peering dmslink requests, so a create that finds one between the same VPCs
/// (left by an apply that died before Terraform saved state) adopts it and never a stranger's.
pub const OWNER_TAG: &str = "dmslink:resource";
pub const OWNER_VALUE: &str = "dmslink_peering";

/// The desired peering, from a planned (or prior) value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spec {
    /// The DMS VPC: the accepter.
    pub vpc_id: String,
    /// The application VPC: the requester.
    pub peer_vpc_id: String,
    pub peer_owner_id: Option<String>,
    pub peer_region: Option<String>,
    pub accepter: Option<RoleToAssume>,
    /// `None`: every route table of the VPC.
    pub route_table_ids: Option<Vec<String>>,
    pub peer_route_table_ids: Option<Vec<String>>,
    pub security_group_id: Option<String>,
    pub ports: Vec<i64>,
    pub dns_resolution: bool,
    pub tags_all: Tags,
}

fn strings(v: &Value) -> Option<Vec<String>> {
    let items = v.as_elements()?;
    let mut out: Vec<String> = items.iter().filter_map(|s| s.as_str().map(str::to_string)).collect();
    out.sort();
    out.dedup();
    Some(out)
}

impl Spec {
    pub fn from_value(v: &Value) -> Spec {
        let text = |name: &str| v.get(name).as_str().map(str::to_string);
        let acc = v.get("accepter");
        let accepter = acc.get("assume_role_arn").as_str().map(|arn| RoleToAssume {
            role_arn: arn.to_string(),
            external_id: acc.get("external_id").as_str().map(str::to_string),
            session_name: acc.get("session_name").as_str().map(str::to_string),
        });
        Spec {
            vpc_id: text("vpc_id").unwrap_or_default(),
            peer_vpc_id: text("peer_vpc_id").unwrap_or_default(),
            peer_owner_id: text("peer_owner_id"),
            peer_region: text("peer_region"),
            accepter,
            route_table_ids: strings(v.get("route_table_ids")),
            peer_route_table_ids: strings(v.get("peer_route_table_ids")),
            security_group_id: text("security_group_id"),
            ports: v.get("ports").as_elements().unwrap_or_default().iter().filter_map(Value::as_i64).collect(),
            dns_resolution: v.get("dns_resolution").as_bool().unwrap_or(true),
            tags_all: v.get("tags_all").string_map(),
        }
    }

    /// The accepter is reached with other credentials or in another region.
    pub fn accepter_elsewhere(&self) -> bool {
        self.accepter.is_some() || self.peer_region.is_some()
    }

    /// Tags to request the peering with: the user's and the ownership tag.
    pub fn request_tags(&self) -> Tags {
        let mut t = self.tags_all.clone();
        t.insert(OWNER_TAG.to_string(), OWNER_VALUE.to_string());
        t
    }
}

/// The tags a user manages: everything but dmslink's own `dmslink:` keys.
pub fn user_tags(remote: &Tags) -> Tags {
    remote.iter().filter(|(k, _)| !k.starts_with("dmslink:")).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// EC2 as each side of the peering sees it.
#[derive(Clone)]
pub struct Sides {
    /// The application VPC's account and region (the provider's).
    pub requester: Arc<dyn Ec2Api>,
    /// The DMS VPC's account and region.
    pub accepter: Arc<dyn Ec2Api>,
    /// Both sides are the same client (one `ModifyVpcPeeringConnectionOptions` covers both).
    pub same: bool,
}

impl Sides {
    pub async fn new(clients: &Clients, spec: &Spec) -> Result<Sides, String> {
        let requester = clients.ec2.clone();
        if !spec.accepter_elsewhere() {
            return Ok(Sides { accepter: requester.clone(), requester, same: true });
        }
        match clients.ec2_as.ec2(spec.accepter.as_ref(), spec.peer_region.as_deref()).await {
            Ok(accepter) => Ok(Sides { requester, accepter, same: false }),
            Err(e) => Err(e.describe(
                "reaching the DMS VPC's side (accepter)",
                spec.accepter.as_ref().map(|r| r.role_arn.as_str()).unwrap_or_default(),
            )),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::resources::peering::schema::schema;

    #[test]
    fn spec_reads_every_argument_and_defaults() {
        let mut v = Value::null_object(&schema().value_type());
        v.set("vpc_id", Value::string("vpc-0000000a"));
        v.set("peer_vpc_id", Value::string("vpc-0000000b"));
        v.set("route_table_ids", Value::Set(vec![Value::string("rtb-2"), Value::string("rtb-1")]));
        v.set("ports", Value::List(vec![Value::int(5432)]));
        let s = Spec::from_value(&v);
        assert_eq!(s.route_table_ids, Some(vec!["rtb-1".to_string(), "rtb-2".to_string()]));
        assert_eq!(s.peer_route_table_ids, None);
        assert_eq!(s.ports, vec![5432]);
        assert!(s.dns_resolution);
        assert!(!s.accepter_elsewhere());
        let mut acc = Value::null_object(&schema().block.nested_block("accepter").unwrap().block.value_type());
        acc.set("assume_role_arn", Value::string("arn:aws:iam::111111111111:role/x"));
        v.set("accepter", acc);
        let s = Spec::from_value(&v);
        assert_eq!(s.accepter.as_ref().unwrap().role_arn, "arn:aws:iam::111111111111:role/x");
        assert_eq!(s.request_tags().get(OWNER_TAG).map(String::as_str), Some(OWNER_VALUE));
    }
}
