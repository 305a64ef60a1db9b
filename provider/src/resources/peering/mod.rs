//! `dmslink_peering` (issue 4): VPC peering from an application VPC (`peer_vpc_id`, the requester)
//! to the DMS VPC (`vpc_id`, the accepter), with routes on both sides, security group rules from
//! the peer CIDR and DNS resolution across the peering.
//!
//! So far: the schema, the plan-time checks and the child records/decisions (`children`). Not served yet (not in `all_resources()`): the
//! `Resource` implementation (create/read/update/delete/import over `Ec2Api`, `Clients::ec2_as`
//! for the accepter's account or region) comes next.

pub mod children;
pub mod schema;
pub mod validate;

/// The Terraform type name.
pub const TYPE_NAME: &str = "dmslink_peering";
