//! Schema of `dmslink_peering`. Names follow `aws_vpc_peering_connection` where one exists.

use crate::engine::schema::timeouts_block;
use crate::engine::{Attribute, Block, NestedBlock, Schema, Type, Value};
use crate::resources::tags::{tags_all_attribute, tags_attribute};

use super::validate;

/// The object type of one entry of `routes`.
pub fn route_type() -> Type {
    Type::object([("route_table_id", Type::String), ("destination_cidr_block", Type::String)])
}

/// The object type of one entry of `security_group_rules`.
pub fn rule_type() -> Type {
    Type::object([("security_group_id", Type::String), ("port", Type::Number), ("cidr", Type::String)])
}

pub fn schema() -> Schema {
    let accepter = Block::new(
        "How to accept the peering when the DMS VPC (`vpc_id`) is in another account than the provider's \
         credentials: the role to assume there (STS `AssumeRole`, chained from the provider's credentials).",
    )
    .attr(
        Attribute::optional("assume_role_arn", Type::String)
            .describe("ARN of the IAM role in the DMS VPC's account that may accept the peering and manage its route tables, security group and DNS option. Required in this block.")
            .validate(validate::role_arn_attr),
    )
    .attr(
        Attribute::optional("external_id", Type::String)
            .describe("External ID the role's trust policy demands, if any.")
            .validate(validate::external_id_attr),
    )
    .attr(
        Attribute::optional("session_name", Type::String)
            .describe("STS session name (shows in CloudTrail); `dmslink-peering` when unset.")
            .validate(validate::session_name_attr),
    );

    let block = Block::new(
        "VPC peering from an application VPC (`peer_vpc_id`, the requester) to the DMS VPC (`vpc_id`, the \
         accepter), as one resource: the request, its acceptance (in another account through `accepter`, in \
         another region with `peer_region`), a route to the other VPC's CIDR in the route tables of both VPCs, \
         ingress rules for `ports` from the application VPC's CIDR on `security_group_id`, and DNS resolution \
         across the peering. The CIDRs of the two VPCs must not overlap.",
    )
    .attr(
        Attribute::required("vpc_id", Type::String)
            .force_new()
            .describe("ID of the DMS VPC (the accepter side), e.g. `dmslink_main`'s `vpc_id`. Changing it replaces the peering.")
            .validate(|v, p, d| validate::id_attr(v, p, d, "vpc", "a VPC")),
    )
    .attr(
        Attribute::required("peer_vpc_id", Type::String)
            .force_new()
            .describe("ID of the application VPC (the requester side), in the provider's account and region. Changing it replaces the peering.")
            .validate(|v, p, d| validate::id_attr(v, p, d, "vpc", "a VPC")),
    )
    .attr(
        Attribute::optional("peer_owner_id", Type::String)
            .force_new()
            .describe("Account ID (12 digits) of the DMS VPC when it is not the provider's account; set `accepter` to accept there. Changing it replaces the peering.")
            .validate(validate::account_id_attr),
    )
    .attr(
        Attribute::optional("peer_region", Type::String)
            .force_new()
            .describe("Region of the DMS VPC when it is not the provider's region; the peering is accepted there. Changing it replaces the peering.")
            .validate(validate::region_attr),
    )
    .attr(
        Attribute::optional_computed("route_table_ids", Type::set(Type::String))
            .describe("Route tables of the DMS VPC that get a route to the application VPC's CIDR through the peering. Default: every route table of the DMS VPC, the main table included. Changed in place.")
            .validate(|v, p, d| validate::id_set_attr(v, p, d, "rtb", "a route table")),
    )
    .attr(
        Attribute::optional_computed("peer_route_table_ids", Type::set(Type::String))
            .describe("Route tables of the application VPC that get a route to the DMS VPC's CIDR through the peering. Default: every route table of the application VPC, the main table included. Changed in place.")
            .validate(|v, p, d| validate::id_set_attr(v, p, d, "rtb", "a route table")),
    )
    .attr(
        Attribute::optional("security_group_id", Type::String)
            .describe("Security group in the DMS VPC (e.g. `dmslink_main`'s `security_group_id`) that gets a TCP ingress rule per entry of `ports` from the application VPC's CIDR. A rule already there counts as present; destroy revokes every rule the resource owns.")
            .validate(|v, p, d| validate::id_attr(v, p, d, "sg", "a security group")),
    )
    .attr(
        Attribute::optional("ports", Type::list(Type::Number))
            .describe("TCP ports (1–65535, no repeats) to open on `security_group_id` from the application VPC's CIDR, e.g. `[5432]`. Needs `security_group_id`. Changed in place.")
            .whole_range(1, 65535)
            .validate(validate::ports_attr),
    )
    .attr(
        Attribute::with_default("dns_resolution", Type::Bool, Value::Bool(true))
            .describe("Resolve the other VPC's private DNS host names to private IP addresses, in both directions (`AllowDnsResolutionFromRemoteVpc` on each side, set once the peering is active). Both VPCs need DNS support and DNS host names enabled. Changed in place."),
    )
    .attr(tags_attribute())
    .attr(tags_all_attribute())
    .attr(Attribute::computed("peering_connection_id", Type::String).describe("ID of the VPC peering connection (`pcx-...`); what `terraform import` takes."))
    .attr(Attribute::computed("status", Type::String).describe("Status of the peering connection as EC2 reports it, e.g. `active`. A peering found `deleted`, `rejected`, `expired` or `failed` is planned for re-creation."))
    .attr(Attribute::computed("vpc_cidr", Type::String).describe("IPv4 CIDR block of the DMS VPC (the destination of the routes in the application VPC)."))
    .attr(Attribute::computed("peer_vpc_cidr", Type::String).describe("IPv4 CIDR block of the application VPC (the destination of the routes in the DMS VPC and the source of the security group rules)."))
    .attr(Attribute::computed("routes", Type::list(route_type())).describe("The routes this resource created or adopted, in both VPCs: `route_table_id` and `destination_cidr_block`, each targeting the peering connection. A route removed out of band is planned back in place."))
    .attr(Attribute::computed("security_group_rules", Type::list(rule_type())).describe("The ingress rules this resource owns: `security_group_id`, TCP `port` and source `cidr`. A rule removed out of band is planned back in place."))
    .block(NestedBlock::single("accepter", accepter))
    .block(timeouts_block(&["create", "update", "delete"]));
    Schema::new(0, block)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn schema_describes_every_attribute_and_forces_replacement_of_the_vpcs() {
        let s = schema();
        for a in &s.block.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
        }
        for name in ["vpc_id", "peer_vpc_id", "peer_owner_id", "peer_region"] {
            assert!(s.block.attribute(name).unwrap().force_new, "{name}");
        }
        for name in ["route_table_ids", "ports", "dns_resolution", "security_group_id", "tags"] {
            assert!(!s.block.attribute(name).unwrap().force_new, "{name}");
        }
        let accepter = s.block.nested_block("accepter").unwrap();
        assert!(accepter.block.attribute("assume_role_arn").is_some());
        assert!(s.block.nested_block("timeouts").is_some());
    }
}
