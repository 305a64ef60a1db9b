//! `moved` from the AWS provider's `aws_vpc_peering_connection` (schema version 0). The AWS
//! resource names the requesting VPC `vpc_id` and the accepting one `peer_vpc_id`; dmslink names
//! the requester (the application VPC) `peer_vpc_id` and the accepter (the DMS VPC) `vpc_id`, so
//! the two swap. What the AWS resource never managed — the routes, the security group rules, the
//! route tables used — starts empty: the refresh that follows the move reads the CIDRs and the
//! status, and the first apply adds the routes and rules (adopting routes that already go through
//! this peering). `peer_owner_id` and `peer_region`, which the AWS provider always records, carry
//! over; the plan counts the provider's own account and region as equal to leaving them out.

use crate::engine::model::Unknowable;
use crate::engine::{Diagnostics, MoveFrom, MoveSource, Value};
use crate::resources::aws_state::{AWS_PROVIDERS, AwsState};

use super::model::PeeringModel;

pub const MOVES_FROM: &[MoveFrom] =
    &[MoveFrom { providers: AWS_PROVIDERS, type_name: "aws_vpc_peering_connection", schema_versions: &[0] }];

pub fn peering_from_aws(source: &MoveSource<'_>) -> Result<Value, Diagnostics> {
    let mut s = AwsState::parse(source, "dmslink_peering")?;
    let id = s.required_text("id");
    if !id.is_empty() && !id.starts_with("pcx-") {
        s.problem("id", "is not a VPC peering connection ID (pcx-...)");
    }
    let requester_vpc = s.required_text("vpc_id");
    let accepter_vpc = s.required_text("peer_vpc_id");
    // DNS resolution counts as on only when both sides have it, as dmslink sets it.
    let dns_on = |side: Option<crate::resources::aws_state::AwsBlock>| {
        side.and_then(|b| b.flag("allow_remote_vpc_dns_resolution")) == Some(true)
    };
    let dns_resolution = dns_on(s.single_block("requester")) && dns_on(s.single_block("accepter"));
    // SDKv2 stores no tags as `{}`; dmslink as null (what a configuration without tags plans).
    let tags = s.string_map("tags").filter(|t| !t.is_empty());
    let tags_all = s.string_map("tags_all").or_else(|| tags.clone()).unwrap_or_default();
    let peering = PeeringModel {
        vpc_id: Some(accepter_vpc),
        peer_vpc_id: Some(requester_vpc),
        peer_owner_id: s.text("peer_owner_id"),
        peer_region: s.text("peer_region"),
        dns_resolution: Some(dns_resolution),
        tags,
        tags_all: Unknowable::Known(tags_all),
        peering_connection_id: Unknowable::Known(id),
        status: s.text("accept_status").map_or(Unknowable::Null, Unknowable::Known),
        routes: Unknowable::Known(Vec::new()),
        security_group_rules: Unknowable::Known(Vec::new()),
        ..PeeringModel::default()
    };
    let peering = s.finish(peering)?;
    Ok(peering.to_value()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    pub(crate) const FIXTURE: &str = include_str!("../../../tests/fixtures/moved/aws_vpc_peering_connection.json");

    pub(crate) fn moved(json: &str) -> Result<PeeringModel, Diagnostics> {
        let source = MoveSource {
            provider_address: AWS_PROVIDERS[1],
            type_name: "aws_vpc_peering_connection",
            schema_version: 0,
            state_json: json.as_bytes(),
        };
        peering_from_aws(&source).map(|v| PeeringModel::from_value(&v).unwrap())
    }

    #[test]
    fn the_aws_providers_peering_state_carries_over_with_the_vpcs_swapped() {
        let p = moved(FIXTURE).unwrap();
        assert_eq!(p.peering_connection_id.known().map(String::as_str), Some("pcx-0a1b2c3d4e5f67890"));
        assert_eq!(p.peer_vpc_id.as_deref(), Some("vpc-0aa1b2c3d4e5f6a7b"), "the requester");
        assert_eq!(p.vpc_id.as_deref(), Some("vpc-0dd5e1f2a3b4c5d6e"), "the accepter");
        assert_eq!(
            (p.peer_owner_id.as_deref(), p.peer_region.as_deref()),
            (Some("123456789012"), Some("ap-southeast-2"))
        );
        assert_eq!(p.status.known().map(String::as_str), Some("active"));
        assert_eq!(p.dns_resolution, Some(true));
        assert_eq!(p.tags.as_ref().unwrap()["Name"], "app-to-dms");
        assert_eq!(p.tags_all.known().unwrap()["Environment"], "prod");
        assert_eq!((p.routes.known().map(Vec::len), p.security_group_rules.known().map(Vec::len)), (Some(0), Some(0)));
        assert!(p.route_table_ids.is_null() && p.security_group_id.is_none() && p.accepter.is_none());
    }

    #[test]
    fn dns_is_on_only_when_both_sides_allow_it() {
        let one_side = FIXTURE.replacen(
            "\"allow_remote_vpc_dns_resolution\": true",
            "\"allow_remote_vpc_dns_resolution\": false",
            1,
        );
        assert_eq!(moved(&one_side).unwrap().dns_resolution, Some(false));
        let mut doc: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
        doc["accepter"] = serde_json::json!([]);
        assert_eq!(moved(&doc.to_string()).unwrap().dns_resolution, Some(false));
    }

    /// Later AWS provider versions dropped the EC2-Classic options and may add attributes: the
    /// mapping reads only what it needs.
    #[test]
    fn blocks_without_the_classic_link_options_and_unknown_attributes_still_map() {
        let mut doc: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
        for side in ["requester", "accepter"] {
            doc[side] = serde_json::json!([{"allow_remote_vpc_dns_resolution": true}]);
        }
        doc["some_later_attribute"] = serde_json::json!({"nested": [1, 2]});
        let p = moved(&doc.to_string()).unwrap();
        assert_eq!(p.dns_resolution, Some(true));
        assert_eq!(p.vpc_id.as_deref(), Some("vpc-0dd5e1f2a3b4c5d6e"));
    }

    #[test]
    fn a_missing_or_unmappable_attribute_is_named() {
        for attr in ["id", "vpc_id", "peer_vpc_id"] {
            let mut doc: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
            doc.as_object_mut().unwrap().remove(attr);
            let d = moved(&doc.to_string()).unwrap_err();
            assert!(d.0[0].detail.contains(&format!("`{attr}` is missing")), "{attr}: {}", d.0[0].detail);
        }
        let d = moved(&FIXTURE.replace("pcx-0a1b2c3d4e5f67890", "vpc-0a1b2c3d4e5f67890")).unwrap_err();
        assert!(d.0[0].detail.contains("`id` is not a VPC peering connection ID"));
        let d = moved(&FIXTURE.replace("\"accepter\": [", "\"accepter\": 7, \"x\": [")).unwrap_err();
        assert!(d.0[0].detail.contains("`accepter` is not a list of one block"));
    }
}
