//! What a `dmslink_peering` value asks for ([`Spec`]) and the EC2 clients of its two sides
//! ([`Sides`]): the requester (the application VPC, the provider's credentials and region) and the
//! accepter (the DMS VPC, through `accepter`'s role and in `peer_region` when set).

use std::sync::Arc;

use crate::aws::Clients;
use crate::aws::ec2::{Ec2Api, RoleToAssume, Tags};
use crate::engine::model::Unknowable;

use super::model::PeeringModel;

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

/// A set of ids as the steps use it: sorted, each once; `None` while unset.
fn ids(v: &Unknowable<Vec<String>>) -> Option<Vec<String>> {
    let mut out = v.known()?.clone();
    out.sort();
    out.dedup();
    Some(out)
}

impl Spec {
    /// From the model of a planned (or prior) value, defaults applied.
    pub fn from_model(m: &PeeringModel) -> Spec {
        let accepter = m.accepter.as_ref().and_then(|a| {
            Some(RoleToAssume {
                role_arn: a.assume_role_arn.clone()?,
                external_id: a.external_id.clone(),
                session_name: a.session_name.clone(),
            })
        });
        Spec {
            vpc_id: m.vpc_id.clone().unwrap_or_default(),
            peer_vpc_id: m.peer_vpc_id.clone().unwrap_or_default(),
            peer_owner_id: m.peer_owner_id.clone(),
            peer_region: m.peer_region.clone(),
            accepter,
            route_table_ids: ids(&m.route_table_ids),
            peer_route_table_ids: ids(&m.peer_route_table_ids),
            security_group_id: m.security_group_id.clone(),
            ports: m.ports.clone().unwrap_or_default(),
            dns_resolution: m.dns_resolution.unwrap_or(true),
            tags_all: m.tags_all.known().cloned().unwrap_or_default(),
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
    use crate::resources::peering::model::Accepter;

    #[test]
    fn spec_reads_every_argument_and_defaults() {
        let mut m = PeeringModel {
            vpc_id: Some("vpc-0000000a".into()),
            peer_vpc_id: Some("vpc-0000000b".into()),
            route_table_ids: Unknowable::Known(vec!["rtb-2".into(), "rtb-1".into(), "rtb-2".into()]),
            ports: Some(vec![5432]),
            ..PeeringModel::default()
        };
        let s = Spec::from_model(&m);
        assert_eq!(s.route_table_ids, Some(vec!["rtb-1".to_string(), "rtb-2".to_string()]));
        assert_eq!(s.peer_route_table_ids, None);
        assert_eq!(s.ports, vec![5432]);
        assert!(s.dns_resolution);
        assert!(!s.accepter_elsewhere());
        m.accepter =
            Some(Accepter { assume_role_arn: Some("arn:aws:iam::111111111111:role/x".into()), ..Accepter::default() });
        let s = Spec::from_model(&m);
        assert_eq!(s.accepter.as_ref().unwrap().role_arn, "arn:aws:iam::111111111111:role/x");
        assert_eq!(s.request_tags().get(OWNER_TAG).map(String::as_str), Some(OWNER_VALUE));
        m.accepter = Some(Accepter::default());
        assert!(Spec::from_model(&m).accepter.is_none(), "an accepter block without a role is no role");
    }
}
