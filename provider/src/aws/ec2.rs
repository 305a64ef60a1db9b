//! The EC2 calls dmslink makes (VPC, subnets, security groups, gateways, route tables, network
//! interfaces, tags), as a small trait with domain types, so resources never see SDK types and
//! tests can use the in-memory fake.
//!
//! Lookups come in two shapes: `find_<thing>(id)` answers `Ok(None)` when the id is unknown (EC2's
//! `Invalid<Thing>ID.NotFound`), and `find_<things>(&Filters)` returns every match of EC2 filters
//! (`tag:dmslink:stack`, `vpc-id`, `group-id`, `association.main`, ...).

use std::sync::Arc;

use async_trait::async_trait;

use super::error::AwsError;
use super::wait::wait_state_field;

pub use super::Tags;

/// EC2 `Filters`: each filter matches when the object has one of its values; all filters must
/// match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters(pub Vec<(String, Vec<String>)>);

impl Filters {
    pub fn new() -> Filters {
        Filters::default()
    }
    /// One filter with one value: `Filters::new().with("vpc-id", "vpc-1")`.
    pub fn with(mut self, name: &str, value: &str) -> Filters {
        self.0.push((name.to_string(), vec![value.to_string()]));
        self
    }
    /// One filter with several values (any may match).
    pub fn any_of(mut self, name: &str, values: &[&str]) -> Filters {
        self.0.push((name.to_string(), values.iter().map(|v| v.to_string()).collect()));
        self
    }
    /// `tag:<key>` = value for every tag (how children are found by `dmslink:stack` and
    /// `dmslink:resource`).
    pub fn tags(mut self, tags: &Tags) -> Filters {
        for (k, v) in tags {
            self.0.push((format!("tag:{k}"), vec![v.clone()]));
        }
        self
    }
    /// Only objects of this VPC (`vpc-id`).
    pub fn vpc(self, vpc_id: &str) -> Filters {
        self.with("vpc-id", vpc_id)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vpc {
    pub id: String,
    /// `pending` or `available`.
    pub state: String,
    pub cidr_block: String,
    pub is_default: bool,
    pub tags: Tags,
}

/// The VPC attributes dmslink sets; `ModifyVpcAttribute` takes one per call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VpcAttribute {
    EnableDnsSupport,
    EnableDnsHostnames,
}

impl VpcAttribute {
    pub fn as_str(self) -> &'static str {
        match self {
            VpcAttribute::EnableDnsSupport => "enableDnsSupport",
            VpcAttribute::EnableDnsHostnames => "enableDnsHostnames",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    /// `pending` or `available`.
    pub state: String,
    pub cidr_block: String,
    pub availability_zone: String,
    pub tags: Tags,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateSubnetInput {
    pub vpc_id: String,
    pub cidr_block: String,
    pub availability_zone: String,
    pub tags: Tags,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub description: String,
    pub vpc_id: String,
    pub tags: Tags,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateSecurityGroupInput {
    pub vpc_id: String,
    /// Immutable (a change replaces the group).
    pub name: String,
    /// Immutable.
    pub description: String,
    pub tags: Tags,
}

/// Where a rule's traffic comes from (ingress) or goes to (egress).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RulePeer {
    /// An IPv4 CIDR block, e.g. `10.0.0.0/16`.
    Cidr(String),
    /// Another security group (or the same one).
    Group(String),
}

/// One permission of a security group: `tcp` 5432–5432 from `10.1.0.0/16`. `protocol` is `tcp`,
/// `udp`, `icmp` or `-1` (all; the ports are then -1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SgRule {
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    pub peer: RulePeer,
    pub description: Option<String>,
}

impl SgRule {
    pub fn tcp(port: i32, peer: RulePeer) -> SgRule {
        SgRule { protocol: "tcp".to_string(), from_port: port, to_port: port, peer, description: None }
    }
    /// All traffic (`-1`), as the default egress rule of a new group.
    pub fn all(peer: RulePeer) -> SgRule {
        SgRule { protocol: "-1".to_string(), from_port: -1, to_port: -1, peer, description: None }
    }
    /// Same permission (description aside): AWS's notion of a duplicate.
    pub fn same_permission(&self, other: &SgRule) -> bool {
        self.protocol == other.protocol
            && self.from_port == other.from_port
            && self.to_port == other.to_port
            && self.peer == other.peer
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleDirection {
    Ingress,
    Egress,
}

/// A rule as `DescribeSecurityGroupRules` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityGroupRule {
    /// `sgr-...`.
    pub id: String,
    pub group_id: String,
    pub direction: RuleDirection,
    pub rule: SgRule,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InternetGateway {
    pub id: String,
    /// (VPC id, state): `attaching`, `available` (attached), `detaching`, `detached`.
    pub attachments: Vec<GatewayAttachment>,
    pub tags: Tags,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayAttachment {
    pub vpc_id: String,
    /// IGW: `available` when attached. VGW: `attaching`, `attached`, `detaching`, `detached` (a
    /// detached attachment stays listed).
    pub state: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VpnGateway {
    pub id: String,
    /// `pending`, `available`, `deleting`, `deleted` (a deleted gateway stays listed a while;
    /// treat it as gone).
    pub state: String,
    pub amazon_side_asn: Option<i64>,
    pub attachments: Vec<GatewayAttachment>,
    pub tags: Tags,
}

impl VpnGateway {
    /// The VPC it is attached or attaching to (not `detached`/`detaching`).
    pub fn attached_vpc(&self) -> Option<&str> {
        self.attachments.iter().find(|a| a.state == "attached" || a.state == "attaching").map(|a| a.vpc_id.as_str())
    }
    pub fn is_gone(&self) -> bool {
        self.state == "deleted"
    }
}

/// A site-to-site VPN connection: the on-premises link that hangs on a VPN gateway. dmslink never
/// makes or deletes one; it only refuses to cut one (detaching or deleting its gateway).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VpnConnection {
    pub id: String,
    /// `pending`, `available`, `deleting`, `deleted` (a deleted connection stays listed a while).
    pub state: String,
    pub vpn_gateway_id: Option<String>,
    pub customer_gateway_id: Option<String>,
    pub tags: Tags,
}

impl VpnConnection {
    /// Still carries (or is about to carry) traffic: cutting its gateway would cut it.
    pub fn is_live(&self) -> bool {
        matches!(self.state.as_str(), "pending" | "available")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateVpnGatewayInput {
    /// The BGP ASN on the Amazon side (AWS default 64512).
    pub amazon_side_asn: Option<i64>,
    pub tags: Tags,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteTable {
    pub id: String,
    pub vpc_id: String,
    /// The VPC's main route table.
    pub main: bool,
    pub associations: Vec<RouteTableAssociation>,
    /// VGW ids whose routes propagate into this table.
    pub propagating_vgws: Vec<String>,
    pub routes: Vec<Route>,
    pub tags: Tags,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteTableAssociation {
    pub id: String,
    pub main: bool,
    pub subnet_id: Option<String>,
}

/// Where a route sends traffic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteTarget {
    /// The VPC itself (the `local` route).
    Local,
    /// An internet or VPN gateway (`igw-...`, `vgw-...`).
    Gateway(String),
    VpcPeering(String),
    /// Anything else (NAT, transit gateway, ...), by id.
    Other(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub destination_cidr_block: String,
    pub target: RouteTarget,
    /// `active` or `blackhole`.
    pub state: String,
    /// `CreateRouteTable`, `CreateRoute` or `EnableVgwRoutePropagation`.
    pub origin: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkInterface {
    pub id: String,
    /// `available` (detached: what DMS leaves behind), `in-use`, `attaching`, `detaching`.
    pub status: String,
    pub subnet_id: String,
    pub vpc_id: String,
    pub group_ids: Vec<String>,
    pub description: String,
    /// e.g. `amazon-rds`, or the DMS service's id.
    pub requester_id: Option<String>,
    pub interface_type: Option<String>,
    pub tags: Tags,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AvailabilityZone {
    pub name: String,
    pub zone_id: String,
    /// `available`, `information`, `impaired`, `unavailable`.
    pub state: String,
}

/// One side of a VPC peering connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerSide {
    pub vpc_id: String,
    pub owner_id: String,
    pub region: String,
    /// The VPC's IPv4 CIDR blocks as the peering reports them (primary first).
    pub cidr_blocks: Vec<String>,
    /// `AllowDnsResolutionFromRemoteVpc` of this side; `None` until the peering is active (AWS
    /// reports no options before).
    pub allow_dns_resolution_from_remote_vpc: Option<bool>,
}

/// A VPC peering connection (`pcx-...`). `status`: `initiating-request`, `pending-acceptance`,
/// `provisioning`, `active`, `deleting`, `deleted`, `rejected`, `failed`, `expired`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VpcPeering {
    pub id: String,
    pub status: String,
    pub status_message: String,
    pub requester: PeerSide,
    pub accepter: PeerSide,
    pub tags: Tags,
}

impl VpcPeering {
    /// A peering that can never become active again (a new one must be requested).
    pub fn is_dead(&self) -> bool {
        matches!(self.status.as_str(), "deleting" | "deleted" | "rejected" | "failed" | "expired")
    }
}

impl super::wait::WaitState for VpcPeering {
    fn state(&self) -> &str {
        &self.status
    }
    fn failure_detail(&self) -> Option<String> {
        Some(self.status_message.clone()).filter(|m| !m.is_empty())
    }
}

/// `CreateVpcPeeringConnection`: `vpc_id` requests, `peer_vpc_id` accepts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateVpcPeeringInput {
    pub vpc_id: String,
    pub peer_vpc_id: String,
    /// The accepter's account (`None`: the caller's).
    pub peer_owner_id: Option<String>,
    /// The accepter's region (`None`: the caller's).
    pub peer_region: Option<String>,
    pub tags: Tags,
}

#[async_trait]
pub trait Ec2Api: Send + Sync {
    // ---- VPC ----
    async fn create_vpc(&self, cidr_block: &str, tags: &Tags) -> Result<Vpc, AwsError>;
    async fn find_vpc(&self, id: &str) -> Result<Option<Vpc>, AwsError>;
    async fn find_vpcs(&self, filters: &Filters) -> Result<Vec<Vpc>, AwsError>;
    async fn delete_vpc(&self, id: &str) -> Result<(), AwsError>;
    /// One attribute per call, as EC2 requires.
    async fn modify_vpc_attribute(&self, vpc_id: &str, attribute: VpcAttribute, value: bool) -> Result<(), AwsError>;
    async fn describe_vpc_attribute(&self, vpc_id: &str, attribute: VpcAttribute) -> Result<bool, AwsError>;

    // ---- subnets ----
    async fn create_subnet(&self, input: CreateSubnetInput) -> Result<Subnet, AwsError>;
    async fn find_subnet(&self, id: &str) -> Result<Option<Subnet>, AwsError>;
    async fn find_subnets(&self, filters: &Filters) -> Result<Vec<Subnet>, AwsError>;
    async fn delete_subnet(&self, id: &str) -> Result<(), AwsError>;

    // ---- security groups ----
    async fn create_security_group(&self, input: CreateSecurityGroupInput) -> Result<SecurityGroup, AwsError>;
    async fn find_security_group(&self, id: &str) -> Result<Option<SecurityGroup>, AwsError>;
    async fn find_security_groups(&self, filters: &Filters) -> Result<Vec<SecurityGroup>, AwsError>;
    async fn delete_security_group(&self, id: &str) -> Result<(), AwsError>;
    /// `InvalidPermission.Duplicate` (kind `AlreadyExists`) when a rule is already there.
    async fn authorize_security_group_ingress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError>;
    async fn authorize_security_group_egress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError>;
    /// `InvalidPermission.NotFound` (kind `NotFound`) when a rule is not there.
    async fn revoke_security_group_ingress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError>;
    async fn revoke_security_group_egress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError>;
    /// `DescribeSecurityGroupRules` with `group-id`.
    async fn find_security_group_rules(&self, group_id: &str) -> Result<Vec<SecurityGroupRule>, AwsError>;

    // ---- internet gateways ----
    async fn create_internet_gateway(&self, tags: &Tags) -> Result<InternetGateway, AwsError>;
    async fn attach_internet_gateway(&self, igw_id: &str, vpc_id: &str) -> Result<(), AwsError>;
    /// `Gateway.NotAttached` (kind `NotFound`) when it is not attached there.
    async fn detach_internet_gateway(&self, igw_id: &str, vpc_id: &str) -> Result<(), AwsError>;
    async fn find_internet_gateway(&self, id: &str) -> Result<Option<InternetGateway>, AwsError>;
    async fn find_internet_gateways(&self, filters: &Filters) -> Result<Vec<InternetGateway>, AwsError>;
    async fn delete_internet_gateway(&self, id: &str) -> Result<(), AwsError>;

    // ---- VPN gateways ----
    async fn create_vpn_gateway(&self, input: CreateVpnGatewayInput) -> Result<VpnGateway, AwsError>;
    /// Answers the attachment (`attaching`); wait for `attached` with `find_vpn_gateway`.
    async fn attach_vpn_gateway(&self, vgw_id: &str, vpc_id: &str) -> Result<GatewayAttachment, AwsError>;
    async fn detach_vpn_gateway(&self, vgw_id: &str, vpc_id: &str) -> Result<(), AwsError>;
    /// Also answers gateways in the `deleted` state (see [`VpnGateway::is_gone`]).
    async fn find_vpn_gateway(&self, id: &str) -> Result<Option<VpnGateway>, AwsError>;
    async fn find_vpn_gateways(&self, filters: &Filters) -> Result<Vec<VpnGateway>, AwsError>;
    /// `DescribeVpnConnections` (filter `vpn-gateway-id`); also answers `deleted` connections.
    async fn find_vpn_connections(&self, filters: &Filters) -> Result<Vec<VpnConnection>, AwsError>;
    /// `IncorrectState` while attached.
    async fn delete_vpn_gateway(&self, id: &str) -> Result<(), AwsError>;
    async fn enable_vgw_route_propagation(&self, route_table_id: &str, vgw_id: &str) -> Result<(), AwsError>;
    async fn disable_vgw_route_propagation(&self, route_table_id: &str, vgw_id: &str) -> Result<(), AwsError>;

    // ---- route tables ----
    async fn find_route_table(&self, id: &str) -> Result<Option<RouteTable>, AwsError>;
    /// e.g. the main table: `Filters::new().vpc(id).with("association.main", "true")`.
    async fn find_route_tables(&self, filters: &Filters) -> Result<Vec<RouteTable>, AwsError>;
    /// `RouteAlreadyExists` (kind `AlreadyExists`) when the destination has a route.
    async fn create_route(
        &self,
        route_table_id: &str,
        destination_cidr: &str,
        target: &RouteTarget,
    ) -> Result<(), AwsError>;
    async fn replace_route(
        &self,
        route_table_id: &str,
        destination_cidr: &str,
        target: &RouteTarget,
    ) -> Result<(), AwsError>;
    /// `InvalidRoute.NotFound` (kind `NotFound`) when there is no such route.
    async fn delete_route(&self, route_table_id: &str, destination_cidr: &str) -> Result<(), AwsError>;

    // ---- VPC peering ----
    /// Answers the new connection (`initiating-request` or `pending-acceptance`).
    async fn create_vpc_peering_connection(&self, input: CreateVpcPeeringInput) -> Result<VpcPeering, AwsError>;
    /// By the accepter's account, in the accepter's region; only from `pending-acceptance`
    /// (`InvalidStateTransition` otherwise).
    async fn accept_vpc_peering_connection(&self, id: &str) -> Result<VpcPeering, AwsError>;
    /// `Ok(None)` for `InvalidVpcPeeringConnectionID.NotFound`; a deleted connection is still
    /// answered (status `deleted`) for a while.
    async fn find_vpc_peering_connection(&self, id: &str) -> Result<Option<VpcPeering>, AwsError>;
    /// Filters such as `requester-vpc-info.vpc-id`, `accepter-vpc-info.vpc-id`, `status-code`,
    /// `tag:<key>`.
    async fn find_vpc_peering_connections(&self, filters: &Filters) -> Result<Vec<VpcPeering>, AwsError>;
    /// `ModifyVpcPeeringConnectionOptions` with only `AllowDnsResolutionFromRemoteVpc` for the
    /// sides given (ClassicLink flags are refused cross-region). `OperationNotPermitted` before
    /// the connection is active.
    async fn modify_vpc_peering_dns(
        &self,
        id: &str,
        requester: Option<bool>,
        accepter: Option<bool>,
    ) -> Result<(), AwsError>;
    /// The connection goes to `deleted`; from `failed`/`rejected` AWS may answer
    /// `InvalidStateTransition` (nothing left to delete).
    async fn delete_vpc_peering_connection(&self, id: &str) -> Result<(), AwsError>;

    // ---- network interfaces (what RDS and DMS leave in subnets) ----
    /// Filters such as `group-id`, `subnet-id`, `vpc-id`, `status`.
    async fn find_network_interfaces(&self, filters: &Filters) -> Result<Vec<NetworkInterface>, AwsError>;
    async fn delete_network_interface(&self, id: &str) -> Result<(), AwsError>;

    // ---- tags and zones ----
    async fn create_tags(&self, resource_ids: &[String], tags: &Tags) -> Result<(), AwsError>;
    async fn delete_tags(&self, resource_ids: &[String], keys: &[String]) -> Result<(), AwsError>;
    async fn describe_availability_zones(&self) -> Result<Vec<AvailabilityZone>, AwsError>;
}

/// An IAM role to act as: a peering's accepter in another account (`accepter { ... }`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleToAssume {
    pub role_arn: String,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
}

/// EC2 clients for another account or region than the provider's (a peering's other side).
#[async_trait]
pub trait Ec2Factory: Send + Sync {
    /// EC2 in `region` (`None`: the provider's) acting as `role` (`None`: the provider's
    /// credentials). The SDK assumes the role on the first call, so a refused `AssumeRole` shows
    /// up there (kind `AccessDenied`).
    async fn ec2(&self, role: Option<&RoleToAssume>, region: Option<&str>) -> Result<Arc<dyn Ec2Api>, AwsError>;
}

/// The filters of a VPC's main route table.
pub fn main_route_table_filters(vpc_id: &str) -> Filters {
    Filters::new().vpc(vpc_id).with("association.main", "true")
}

// What the waiters watch (`aws::wait`).
wait_state_field!(Vpc => state, Subnet => state, VpnGateway => state);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_build_tag_and_vpc_filters() {
        let tags = Tags::from([("dmslink:stack".to_string(), "dblink".to_string())]);
        let f = Filters::new().tags(&tags).vpc("vpc-1").any_of("status", &["available", "in-use"]);
        assert_eq!(
            f.0,
            vec![
                ("tag:dmslink:stack".to_string(), vec!["dblink".to_string()]),
                ("vpc-id".to_string(), vec!["vpc-1".to_string()]),
                ("status".to_string(), vec!["available".to_string(), "in-use".to_string()]),
            ]
        );
        assert!(Filters::new().is_empty());
        assert_eq!(main_route_table_filters("vpc-9").0.len(), 2);
    }

    #[test]
    fn rules_compare_without_description() {
        let a = SgRule::tcp(5432, RulePeer::Cidr("10.0.0.0/16".into()));
        let mut b = a.clone();
        b.description = Some("postgres".into());
        assert!(a.same_permission(&b));
        assert!(!a.same_permission(&SgRule::tcp(1521, RulePeer::Cidr("10.0.0.0/16".into()))));
    }

    #[test]
    fn vgw_attached_vpc_ignores_detached() {
        let mut g = VpnGateway {
            attachments: vec![GatewayAttachment { vpc_id: "vpc-old".into(), state: "detached".into() }],
            ..VpnGateway::default()
        };
        assert_eq!(g.attached_vpc(), None);
        g.attachments.push(GatewayAttachment { vpc_id: "vpc-new".into(), state: "attaching".into() });
        assert_eq!(g.attached_vpc(), Some("vpc-new"));
    }
}
