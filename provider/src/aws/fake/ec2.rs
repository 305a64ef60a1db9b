//! `FakeEc2`: an in-memory EC2 with the ordering rules a stack's create and destroy must respect.
//!
//! | object | create answers | describe 1 | later |
//! |---|---|---|---|
//! | VPC (with its main route table and `default` security group) | `pending` | `available` | |
//! | subnet | `pending` | `available` | |
//! | VPN gateway | `pending` | `available` | delete: `deleting` → `deleted` (still listed) |
//! | VGW attachment | `attaching` | `attached` | detach: `detaching` → `detached` (still listed) |
//! | internet gateway | no state; attachment `available` at once | | |
//! | VPC peering | `initiating-request` | `pending-acceptance` (`failed` when the CIDRs overlap or the peer VPC is unknown) | accept: `provisioning` → `active`; delete: `deleting` → `deleted` (still listed) |
//!
//! Rules (EC2 error codes):
//! - `DeleteVpc`: `DependencyViolation` while subnets, non-default security groups, an attached
//!   internet gateway, a VGW attachment (`attaching`/`attached`/`detaching`) or network
//!   interfaces remain;
//! - `DeleteSubnet`: `DependencyViolation` while network interfaces are in it;
//! - `DeleteSecurityGroup`: `DependencyViolation` while a network interface uses it or another
//!   group's rule references it; the `default` group: `CannotDelete`;
//! - `DeleteInternetGateway`: `DependencyViolation` while attached; detach from a VPC it is not
//!   attached to: `Gateway.NotAttached`;
//! - `DeleteVpnGateway`: `IncorrectState` while an attachment is `attaching`, `attached` or
//!   `detaching`; detach without an attachment: `InvalidVpnGatewayAttachment.NotFound`; one VGW per
//!   VPC (`VpnGatewayAttachmentLimitExceeded`);
//! - `EnableVgwRoutePropagation`: the VGW must be `attached` to the table's VPC
//!   (`Gateway.NotAttached`); a detach removes its propagation;
//! - CIDRs: VPC /16–/28 (`InvalidVpc.Range`), subnets inside the VPC (`InvalidSubnet.Range`) and
//!   not overlapping (`InvalidSubnet.Conflict`), AZs from [`FakeEc2::set_availability_zones`];
//! - rules: `InvalidPermission.Duplicate` / `InvalidPermission.NotFound`; routes:
//!   `RouteAlreadyExists` / `InvalidRoute.NotFound`, the `local` route cannot be deleted;
//! - peering: accept only from `pending-acceptance` and only by the accepter's account and region
//!   (`InvalidStateTransition` / `OperationNotPermitted`); DNS options only once `active` and each
//!   side only by its own account and region (`OperationNotPermitted`); delete from `failed` or
//!   `rejected`: `InvalidStateTransition`; routes through a deleted peering turn `blackhole`. A
//!   peering between two fakes (another account or region, [`FakeEc2::in_account`]) needs them
//!   linked with [`FakeEc2::link`]; the connection lives in the requester's fake and both see it;
//! - unknown ids: `Invalid<Thing>ID.NotFound`; unknown filter names: `InvalidParameterValue`.
//!
//! Network interfaces are what RDS and DMS put into subnets ([`FakeEc2::add_network_interface`]),
//! so the linked fakes make the leftover-ENI problem real.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use async_trait::async_trait;

use super::{Lifecycle, Recorder};
use crate::aws::ec2::{
    AvailabilityZone, CreateSecurityGroupInput, CreateSubnetInput, CreateVpcPeeringInput, CreateVpnGatewayInput,
    Ec2Api, Filters, GatewayAttachment, InternetGateway, NetworkInterface, PeerSide, Route, RouteTable,
    RouteTableAssociation, RouteTarget, RuleDirection, RulePeer, SecurityGroup, SecurityGroupRule, SgRule, Subnet,
    Tags, Vpc, VpcAttribute, VpcPeering, VpnGateway,
};
use crate::aws::error::AwsError;

/// Operation names accepted by [`FakeEc2::fail_next`] (the `Ec2Api` method names).
pub const OPS: &[&str] = &[
    "create_vpc",
    "find_vpc",
    "find_vpcs",
    "delete_vpc",
    "modify_vpc_attribute",
    "describe_vpc_attribute",
    "create_subnet",
    "find_subnet",
    "find_subnets",
    "delete_subnet",
    "create_security_group",
    "find_security_group",
    "find_security_groups",
    "delete_security_group",
    "authorize_security_group_ingress",
    "authorize_security_group_egress",
    "revoke_security_group_ingress",
    "revoke_security_group_egress",
    "find_security_group_rules",
    "create_internet_gateway",
    "attach_internet_gateway",
    "detach_internet_gateway",
    "find_internet_gateway",
    "find_internet_gateways",
    "delete_internet_gateway",
    "create_vpn_gateway",
    "attach_vpn_gateway",
    "detach_vpn_gateway",
    "find_vpn_gateway",
    "find_vpn_gateways",
    "delete_vpn_gateway",
    "enable_vgw_route_propagation",
    "disable_vgw_route_propagation",
    "find_route_table",
    "find_route_tables",
    "create_route",
    "replace_route",
    "delete_route",
    "create_vpc_peering_connection",
    "accept_vpc_peering_connection",
    "find_vpc_peering_connection",
    "find_vpc_peering_connections",
    "modify_vpc_peering_dns",
    "delete_vpc_peering_connection",
    "find_network_interfaces",
    "delete_network_interface",
    "create_tags",
    "delete_tags",
    "describe_availability_zones",
];

struct VpcRec {
    vpc: Vpc,
    life: Lifecycle,
    dns_support: bool,
    dns_hostnames: bool,
}

struct SubnetRec {
    subnet: Subnet,
    life: Lifecycle,
}

struct SgRec {
    sg: SecurityGroup,
    rules: Vec<SecurityGroupRule>,
    is_default: bool,
}

struct VgwAttachmentRec {
    vpc_id: String,
    life: Lifecycle,
}

struct VgwRec {
    vgw: VpnGateway,
    life: Lifecycle,
    attachments: Vec<VgwAttachmentRec>,
}

impl VgwRec {
    fn advance(&mut self) {
        self.life.advance();
        for a in &mut self.attachments {
            a.life.advance();
        }
    }
    fn view(&self) -> VpnGateway {
        VpnGateway {
            state: self.life.status.clone(),
            attachments: self
                .attachments
                .iter()
                .map(|a| GatewayAttachment { vpc_id: a.vpc_id.clone(), state: a.life.status.clone() })
                .collect(),
            ..self.vgw.clone()
        }
    }
    /// The attachment to `vpc_id` that is not `detached`.
    fn live_attachment(&self, vpc_id: &str) -> Option<&VgwAttachmentRec> {
        self.attachments.iter().find(|a| a.vpc_id == vpc_id && a.life.status != "detached")
    }
    fn is_attached_anywhere(&self) -> Option<&VgwAttachmentRec> {
        self.attachments.iter().find(|a| a.life.status != "detached")
    }
}

struct PeeringRec {
    peering: VpcPeering,
    life: Lifecycle,
    /// The DNS options as set (AWS reports them only once the connection is active).
    requester_dns: bool,
    accepter_dns: bool,
}

impl PeeringRec {
    fn view(&self) -> VpcPeering {
        let active = self.life.status == "active";
        let mut p = self.peering.clone();
        p.status = self.life.status.clone();
        p.requester.allow_dns_resolution_from_remote_vpc = active.then_some(self.requester_dns);
        p.accepter.allow_dns_resolution_from_remote_vpc = active.then_some(self.accepter_dns);
        p
    }
}

fn peering_values(r: &PeeringRec, name: &str) -> Option<Vec<String>> {
    let side = |s: &PeerSide, field: &str| match field {
        "vpc-id" => one(&s.vpc_id),
        "owner-id" => one(&s.owner_id),
        "cidr-block" => Some(s.cidr_blocks.clone()),
        _ => None,
    };
    match name {
        "vpc-peering-connection-id" => one(&r.peering.id),
        "status-code" => one(&r.life.status),
        "status-message" => one(&r.peering.status_message),
        _ => {
            if let Some(f) = name.strip_prefix("requester-vpc-info.") {
                side(&r.peering.requester, f)
            } else if let Some(f) = name.strip_prefix("accepter-vpc-info.") {
                side(&r.peering.accepter, f)
            } else {
                None
            }
        }
    }
}

#[derive(Default)]
struct State {
    peerings: BTreeMap<String, PeeringRec>,
    vpcs: BTreeMap<String, VpcRec>,
    subnets: BTreeMap<String, SubnetRec>,
    sgs: BTreeMap<String, SgRec>,
    igws: BTreeMap<String, InternetGateway>,
    vgws: BTreeMap<String, VgwRec>,
    rts: BTreeMap<String, RouteTable>,
    enis: BTreeMap<String, NetworkInterface>,
    azs: Vec<AvailabilityZone>,
    held: HashSet<String>,
    rec: Recorder,
    counter: u64,
}

impl State {
    fn id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}-{:017x}", self.counter)
    }
}

/// See the module documentation.
pub struct FakeEc2 {
    region: String,
    account: String,
    state: Mutex<State>,
    /// Fakes of other accounts or regions this one can peer with (weak: they link back).
    linked: Mutex<Vec<Weak<FakeEc2>>>,
}

impl Default for FakeEc2 {
    fn default() -> FakeEc2 {
        FakeEc2::new()
    }
}

/// The account of [`FakeEc2::new`] (as in [`super::FakeWorld`]).
pub const DEFAULT_ACCOUNT: &str = "123456789012";

fn err(code: &str, message: impl Into<String>) -> AwsError {
    AwsError::from_code(code, message)
}

fn invalid_parameter(message: impl Into<String>) -> AwsError {
    err("InvalidParameterValue", message)
}

fn dependency(message: impl Into<String>) -> AwsError {
    err("DependencyViolation", message)
}

/// An IPv4 CIDR as (network address, prefix length).
fn parse_cidr(text: &str) -> Option<(u32, u32)> {
    let (addr, len) = text.split_once('/')?;
    let len: u32 = len.parse().ok()?;
    if len > 32 {
        return None;
    }
    let octets: Vec<u32> = addr.split('.').map(|o| o.parse::<u8>().ok().map(u32::from)).collect::<Option<_>>()?;
    if octets.len() != 4 {
        return None;
    }
    let ip = octets.iter().fold(0u32, |acc, o| (acc << 8) | o);
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    if ip & !mask != 0 {
        return None;
    }
    Some((ip, len))
}

fn cidr_contains(outer: (u32, u32), inner: (u32, u32)) -> bool {
    let mask = if outer.1 == 0 { 0 } else { u32::MAX << (32 - outer.1) };
    inner.1 >= outer.1 && inner.0 & mask == outer.0
}

fn cidrs_overlap(a: (u32, u32), b: (u32, u32)) -> bool {
    cidr_contains(a, b) || cidr_contains(b, a)
}

/// Whether an object passes every filter. `values` answers the object's values for a filter
/// name (`None`: the name is unknown for this kind of object).
fn matches(filters: &Filters, tags: &Tags, values: impl Fn(&str) -> Option<Vec<String>>) -> Result<bool, AwsError> {
    for (name, wanted) in &filters.0 {
        let have: Vec<String> = if let Some(key) = name.strip_prefix("tag:") {
            tags.get(key).cloned().into_iter().collect()
        } else if name == "tag-key" {
            tags.keys().cloned().collect()
        } else {
            match values(name) {
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

fn one(v: &str) -> Option<Vec<String>> {
    Some(vec![v.to_string()])
}

impl FakeEc2 {
    pub fn new() -> FakeEc2 {
        FakeEc2::in_region("us-east-1")
    }

    /// A fake whose zones are `<region>a`, `<region>b`, `<region>c`.
    pub fn in_region(region: &str) -> FakeEc2 {
        FakeEc2::in_account(DEFAULT_ACCOUNT, region)
    }

    /// A fake of another account (a peering's accepter side, reached through an assumed role).
    pub fn in_account(account: &str, region: &str) -> FakeEc2 {
        let azs = ["a", "b", "c"]
            .iter()
            .enumerate()
            .map(|(i, s)| AvailabilityZone {
                name: format!("{region}{s}"),
                zone_id: format!("use1-az{}", i + 1),
                state: "available".to_string(),
            })
            .collect();
        FakeEc2 {
            region: region.to_string(),
            account: account.to_string(),
            state: Mutex::new(State { azs, ..State::default() }),
            linked: Mutex::new(Vec::new()),
        }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    /// Lets `a` and `b` (other accounts or regions) peer with each other.
    pub fn link(a: &Arc<FakeEc2>, b: &Arc<FakeEc2>) {
        a.linked.lock().unwrap_or_else(|p| p.into_inner()).push(Arc::downgrade(b));
        b.linked.lock().unwrap_or_else(|p| p.into_inner()).push(Arc::downgrade(a));
    }

    /// The linked fakes still alive.
    fn world(&self) -> Vec<Arc<FakeEc2>> {
        self.linked.lock().unwrap_or_else(|p| p.into_inner()).iter().filter_map(Weak::upgrade).collect()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    // ---- test controls -------------------------------------------------------------------

    /// The next call of `op` (an `Ec2Api` method name, see [`OPS`]) fails with `err`.
    pub fn fail_next(&self, op: &str, err: AwsError) {
        self.lock().rec.fail_next("FakeEc2", OPS, op, err);
    }

    /// Operation names in call order.
    pub fn calls(&self) -> Vec<String> {
        self.lock().rec.calls()
    }

    /// Calls with their main argument: `delete_subnet subnet-…`.
    pub fn call_log(&self) -> Vec<String> {
        self.lock().rec.call_log()
    }

    pub fn clear_calls(&self) {
        self.lock().rec.clear();
    }

    /// Replaces the zones `describe_availability_zones` answers and subnets may use.
    pub fn set_availability_zones(&self, names: &[&str]) {
        self.lock().azs = names
            .iter()
            .enumerate()
            .map(|(i, n)| AvailabilityZone {
                name: n.to_string(),
                zone_id: format!("az-{}", i + 1),
                state: "available".to_string(),
            })
            .collect();
    }

    /// While held, describes do not advance this object (VPC, subnet or VPN gateway and its
    /// attachments) — to exercise timeouts.
    pub fn hold(&self, id: &str, held: bool) {
        let mut st = self.lock();
        if held {
            st.held.insert(id.to_string());
        } else {
            st.held.remove(id);
        }
    }

    /// A network interface in `subnet_id` (status `in-use`), as RDS and DMS create them.
    pub fn add_network_interface(
        &self,
        subnet_id: &str,
        group_ids: &[String],
        description: &str,
        requester_id: &str,
    ) -> Result<String, AwsError> {
        let mut st = self.lock();
        let vpc_id = match st.subnets.get(subnet_id) {
            Some(s) => s.subnet.vpc_id.clone(),
            None => return Err(err("InvalidSubnetID.NotFound", format!("The subnet ID '{subnet_id}' does not exist"))),
        };
        if let Some(g) = group_ids.iter().find(|g| !st.sgs.contains_key(*g)) {
            return Err(err("InvalidGroup.NotFound", format!("The security group '{g}' does not exist")));
        }
        let id = st.id("eni");
        st.enis.insert(
            id.clone(),
            NetworkInterface {
                id: id.clone(),
                status: "in-use".to_string(),
                subnet_id: subnet_id.to_string(),
                vpc_id,
                group_ids: group_ids.to_vec(),
                description: description.to_string(),
                requester_id: Some(requester_id.to_string()),
                interface_type: Some("interface".to_string()),
                tags: Tags::new(),
            },
        );
        Ok(id)
    }

    /// Sets an interface's status (`available` = detached, left behind).
    pub fn set_network_interface_status(&self, id: &str, status: &str) {
        if let Some(e) = self.lock().enis.get_mut(id) {
            e.status = status.to_string();
        }
    }

    /// Removes an interface (its owner deleted it).
    pub fn remove_network_interface(&self, id: &str) {
        self.lock().enis.remove(id);
    }

    pub fn network_interfaces(&self) -> Vec<NetworkInterface> {
        self.lock().enis.values().cloned().collect()
    }

    /// The subnet as stored, without advancing it.
    pub fn subnet(&self, id: &str) -> Option<Subnet> {
        self.lock().subnets.get(id).map(|s| Subnet { state: s.life.status.clone(), ..s.subnet.clone() })
    }

    pub fn security_group(&self, id: &str) -> Option<SecurityGroup> {
        self.lock().sgs.get(id).map(|s| s.sg.clone())
    }

    /// The `default` security group of a VPC.
    pub fn default_security_group(&self, vpc_id: &str) -> Option<String> {
        self.lock().sgs.values().find(|s| s.is_default && s.sg.vpc_id == vpc_id).map(|s| s.sg.id.clone())
    }

    pub fn vpc_count(&self) -> usize {
        self.lock().vpcs.len()
    }

    /// Removes a VPC and everything in it behind the provider's back (the `_disappears` case).
    pub fn remove_vpc(&self, id: &str) {
        let mut st = self.lock();
        st.vpcs.remove(id);
        st.subnets.retain(|_, s| s.subnet.vpc_id != id);
        st.sgs.retain(|_, s| s.sg.vpc_id != id);
        st.rts.retain(|_, r| r.vpc_id != id);
        st.enis.retain(|_, e| e.vpc_id != id);
        for igw in st.igws.values_mut() {
            igw.attachments.retain(|a| a.vpc_id != id);
        }
        for vgw in st.vgws.values_mut() {
            vgw.attachments.retain(|a| a.vpc_id != id);
        }
    }

    /// Ids of every object (not gone) with the tag `key` = `value`.
    pub fn ids_tagged(&self, key: &str, value: &str) -> Vec<String> {
        let st = self.lock();
        let has = |t: &Tags| t.get(key).is_some_and(|v| v == value);
        let mut out: Vec<String> = Vec::new();
        out.extend(st.vpcs.values().filter(|r| has(&r.vpc.tags)).map(|r| r.vpc.id.clone()));
        out.extend(st.subnets.values().filter(|r| has(&r.subnet.tags)).map(|r| r.subnet.id.clone()));
        out.extend(st.sgs.values().filter(|r| has(&r.sg.tags)).map(|r| r.sg.id.clone()));
        out.extend(st.igws.values().filter(|r| has(&r.tags)).map(|r| r.id.clone()));
        out.extend(
            st.vgws
                .values()
                .filter(|r| has(&r.vgw.tags) && r.life.status != "deleted" && r.life.status != "deleting")
                .map(|r| r.vgw.id.clone()),
        );
        out.extend(st.rts.values().filter(|r| has(&r.tags)).map(|r| r.id.clone()));
        out.extend(st.enis.values().filter(|r| has(&r.tags)).map(|r| r.id.clone()));
        out
    }

    // ---- internals -------------------------------------------------------------------------

    fn vpc_must_exist(st: &State, vpc_id: &str) -> Result<(), AwsError> {
        if st.vpcs.contains_key(vpc_id) {
            Ok(())
        } else {
            Err(err("InvalidVpcID.NotFound", format!("The vpc ID '{vpc_id}' does not exist")))
        }
    }

    fn sg_mut<'a>(st: &'a mut State, id: &str) -> Result<&'a mut SgRec, AwsError> {
        st.sgs
            .get_mut(id)
            .ok_or_else(|| err("InvalidGroup.NotFound", format!("The security group '{id}' does not exist")))
    }

    fn authorize(&self, op: &str, group_id: &str, rules: &[SgRule], direction: RuleDirection) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin(op, group_id)?;
        if rules.is_empty() {
            return Err(err("MissingParameter", "No IpPermissions given"));
        }
        for r in rules {
            if let RulePeer::Group(g) = &r.peer
                && !st.sgs.contains_key(g)
            {
                return Err(err("InvalidGroup.NotFound", format!("The security group '{g}' does not exist")));
            }
            if r.protocol != "-1" && (r.from_port > r.to_port || r.from_port < -1 || r.to_port > 65535) {
                return Err(invalid_parameter(format!("Invalid port range {}-{}", r.from_port, r.to_port)));
            }
            if let RulePeer::Cidr(c) = &r.peer
                && parse_cidr(c).is_none()
            {
                return Err(invalid_parameter(format!("CIDR block {c} is malformed")));
            }
        }
        let sg = Self::sg_mut(&mut st, group_id)?;
        for r in rules {
            if sg.rules.iter().any(|x| x.direction == direction && x.rule.same_permission(r)) {
                return Err(err(
                    "InvalidPermission.Duplicate",
                    format!(
                        "the specified rule \"peer: {:?}, {} {}-{}\" already exists",
                        r.peer, r.protocol, r.from_port, r.to_port
                    ),
                ));
            }
        }
        let mut ids = Vec::new();
        for _ in rules {
            ids.push(st.id("sgr"));
        }
        let sg = Self::sg_mut(&mut st, group_id)?;
        for (r, id) in rules.iter().zip(ids) {
            sg.rules.push(SecurityGroupRule { id, group_id: group_id.to_string(), direction, rule: r.clone() });
        }
        Ok(())
    }

    fn revoke(&self, op: &str, group_id: &str, rules: &[SgRule], direction: RuleDirection) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin(op, group_id)?;
        let sg = Self::sg_mut(&mut st, group_id)?;
        for r in rules {
            if !sg.rules.iter().any(|x| x.direction == direction && x.rule.same_permission(r)) {
                return Err(err(
                    "InvalidPermission.NotFound",
                    "The specified rule does not exist in this security group.",
                ));
            }
        }
        sg.rules.retain(|x| !(x.direction == direction && rules.iter().any(|r| x.rule.same_permission(r))));
        Ok(())
    }

    /// Where a gateway route target may point: an IGW or VGW attached to `vpc_id`.
    fn gateway_attached_to(st: &State, gateway_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        if gateway_id.starts_with("igw-") {
            let igw = st.igws.get(gateway_id).ok_or_else(|| {
                err(
                    "InvalidInternetGatewayID.NotFound",
                    format!("The internet gateway ID '{gateway_id}' does not exist"),
                )
            })?;
            if igw.attachments.iter().any(|a| a.vpc_id == vpc_id) {
                return Ok(());
            }
        } else if gateway_id.starts_with("vgw-") {
            let vgw = st.vgws.get(gateway_id).ok_or_else(|| {
                err("InvalidVpnGatewayID.NotFound", format!("The vpnGateway ID '{gateway_id}' does not exist"))
            })?;
            if vgw.attachments.iter().any(|a| a.vpc_id == vpc_id && a.life.status == "attached") {
                return Ok(());
            }
        } else {
            return Err(err("InvalidGatewayID.NotFound", format!("The gateway ID '{gateway_id}' does not exist")));
        }
        Err(invalid_parameter(format!("route table and network gateway '{gateway_id}' belong to different networks")))
    }

    fn check_route_target(st: &State, vpc_id: &str, target: &RouteTarget) -> Result<(), AwsError> {
        match target {
            RouteTarget::Gateway(g) => Self::gateway_attached_to(st, g, vpc_id),
            RouteTarget::Local => Err(invalid_parameter("cannot create a route with the local target")),
            RouteTarget::VpcPeering(p) if !p.starts_with("pcx-") => Err(err(
                "InvalidVpcPeeringConnectionID.NotFound",
                format!("The vpcPeeringConnection ID '{p}' does not exist"),
            )),
            _ => Ok(()),
        }
    }

    /// Routes through `gateway_id` turn `blackhole` (gateway detached or deleted).
    fn blackhole_routes(st: &mut State, gateway_id: &str) {
        for rt in st.rts.values_mut() {
            for r in &mut rt.routes {
                if r.target == RouteTarget::Gateway(gateway_id.to_string()) {
                    r.state = "blackhole".to_string();
                }
            }
        }
    }

    fn tags_of_mut<'a>(st: &'a mut State, id: &str) -> Result<&'a mut Tags, AwsError> {
        let not_found = |code: &str| err(code, format!("The ID '{id}' does not exist"));
        let prefix = id.split('-').next().unwrap_or_default();
        match prefix {
            "vpc" => st.vpcs.get_mut(id).map(|r| &mut r.vpc.tags).ok_or_else(|| not_found("InvalidVpcID.NotFound")),
            "subnet" => {
                st.subnets.get_mut(id).map(|r| &mut r.subnet.tags).ok_or_else(|| not_found("InvalidSubnetID.NotFound"))
            }
            "sg" => st.sgs.get_mut(id).map(|r| &mut r.sg.tags).ok_or_else(|| not_found("InvalidGroup.NotFound")),
            "igw" => {
                st.igws.get_mut(id).map(|r| &mut r.tags).ok_or_else(|| not_found("InvalidInternetGatewayID.NotFound"))
            }
            "vgw" => {
                st.vgws.get_mut(id).map(|r| &mut r.vgw.tags).ok_or_else(|| not_found("InvalidVpnGatewayID.NotFound"))
            }
            "rtb" => st.rts.get_mut(id).map(|r| &mut r.tags).ok_or_else(|| not_found("InvalidRouteTableID.NotFound")),
            "eni" => {
                st.enis.get_mut(id).map(|r| &mut r.tags).ok_or_else(|| not_found("InvalidNetworkInterfaceID.NotFound"))
            }
            "pcx" => st
                .peerings
                .get_mut(id)
                .map(|r| &mut r.peering.tags)
                .ok_or_else(|| not_found("InvalidVpcPeeringConnectionID.NotFound")),
            _ => Err(err("InvalidID", format!("The ID '{id}' is not valid"))),
        }
    }
}

fn vpc_values(r: &VpcRec, name: &str) -> Option<Vec<String>> {
    match name {
        "vpc-id" => one(&r.vpc.id),
        "cidr" | "cidr-block" | "cidr-block-association.cidr-block" => one(&r.vpc.cidr_block),
        "state" => one(&r.life.status),
        "is-default" => one(if r.vpc.is_default { "true" } else { "false" }),
        _ => None,
    }
}

fn subnet_values(r: &SubnetRec, name: &str) -> Option<Vec<String>> {
    match name {
        "subnet-id" => one(&r.subnet.id),
        "vpc-id" => one(&r.subnet.vpc_id),
        "availability-zone" | "availabilityZone" => one(&r.subnet.availability_zone),
        "cidr-block" | "cidr" | "cidrBlock" => one(&r.subnet.cidr_block),
        "state" => one(&r.life.status),
        _ => None,
    }
}

fn sg_values(r: &SgRec, name: &str) -> Option<Vec<String>> {
    match name {
        "group-id" => one(&r.sg.id),
        "group-name" => one(&r.sg.name),
        "vpc-id" => one(&r.sg.vpc_id),
        "description" => one(&r.sg.description),
        _ => None,
    }
}

fn igw_values(r: &InternetGateway, name: &str) -> Option<Vec<String>> {
    match name {
        "internet-gateway-id" => one(&r.id),
        "attachment.vpc-id" => Some(r.attachments.iter().map(|a| a.vpc_id.clone()).collect()),
        "attachment.state" => Some(r.attachments.iter().map(|a| a.state.clone()).collect()),
        _ => None,
    }
}

fn vgw_values(r: &VpnGateway, name: &str) -> Option<Vec<String>> {
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

fn rt_values(r: &RouteTable, name: &str) -> Option<Vec<String>> {
    match name {
        "route-table-id" => one(&r.id),
        "vpc-id" => one(&r.vpc_id),
        "association.main" => Some(r.associations.iter().map(|a| a.main.to_string()).collect()),
        "association.subnet-id" => Some(r.associations.iter().filter_map(|a| a.subnet_id.clone()).collect()),
        "association.route-table-association-id" => Some(r.associations.iter().map(|a| a.id.clone()).collect()),
        _ => None,
    }
}

fn eni_values(r: &NetworkInterface, name: &str) -> Option<Vec<String>> {
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

// ---- VPC peering ------------------------------------------------------------------------------

fn peering_not_found(id: &str) -> AwsError {
    err("InvalidVpcPeeringConnectionID.NotFound", format!("The vpcPeeringConnection ID '{id}' does not exist"))
}

fn not_permitted(message: impl Into<String>) -> AwsError {
    err("OperationNotPermitted", message)
}

impl FakeEc2 {
    /// The VPC's CIDR, if this fake has it.
    fn vpc_cidr(&self, vpc_id: &str) -> Option<String> {
        self.lock().vpcs.get(vpc_id).map(|r| r.vpc.cidr_block.clone())
    }

    /// Runs `f` on the peering `id`, wherever it lives (this fake or a linked one); one lock at a
    /// time, so two fakes calling each other cannot deadlock.
    fn with_peering<R>(&self, id: &str, f: impl FnOnce(&mut PeeringRec) -> R) -> Option<R> {
        if let Some(rec) = self.lock().peerings.get_mut(id) {
            return Some(f(rec));
        }
        for other in self.world() {
            if let Some(rec) = other.lock().peerings.get_mut(id) {
                return Some(f(rec));
            }
        }
        None
    }

    /// `InvalidVpcPeeringConnectionID.NotFound` for a route target that is an unknown peering.
    fn unknown_peering(&self, target: &RouteTarget) -> Option<AwsError> {
        match target {
            RouteTarget::VpcPeering(id) if self.with_peering(id, |_| ()).is_none() => Some(peering_not_found(id)),
            _ => None,
        }
    }

    fn is_side(&self, side: &PeerSide) -> bool {
        side.owner_id == self.account && side.region == self.region
    }

    fn peering_create(&self, input: CreateVpcPeeringInput) -> Result<VpcPeering, AwsError> {
        self.lock().rec.begin("create_vpc_peering_connection", &input.vpc_id)?;
        let Some(cidr) = self.vpc_cidr(&input.vpc_id) else {
            return Err(err("InvalidVpcID.NotFound", format!("The vpc ID '{}' does not exist", input.vpc_id)));
        };
        if !input.peer_vpc_id.starts_with("vpc-") {
            return Err(invalid_parameter(format!("Invalid id: \"{}\"", input.peer_vpc_id)));
        }
        let peer_account = input.peer_owner_id.clone().unwrap_or_else(|| self.account.clone());
        let peer_region = input.peer_region.clone().unwrap_or_else(|| self.region.clone());
        let peer_fake = if peer_account == self.account && peer_region == self.region {
            None
        } else {
            self.world().into_iter().find(|f| f.account == peer_account && f.region == peer_region)
        };
        let peer_cidr = match &peer_fake {
            None if peer_account == self.account && peer_region == self.region => self.vpc_cidr(&input.peer_vpc_id),
            None => None,
            Some(f) => f.vpc_cidr(&input.peer_vpc_id),
        };
        // AWS accepts the request and fails it asynchronously.
        let (next, message) = match (&peer_cidr, parse_cidr(&cidr)) {
            (None, _) => ("failed", format!("The peer VPC '{}' does not exist", input.peer_vpc_id)),
            (Some(pc), Some(own)) if parse_cidr(pc).is_some_and(|p| cidrs_overlap(own, p)) => {
                ("failed", "Overlapping CIDRs".to_string())
            }
            _ => ("pending-acceptance", "Pending Acceptance by ".to_string() + &peer_account),
        };
        let mut st = self.lock();
        let id = st.id("pcx");
        let peering = VpcPeering {
            id: id.clone(),
            status: "initiating-request".to_string(),
            status_message: message,
            requester: PeerSide {
                vpc_id: input.vpc_id.clone(),
                owner_id: self.account.clone(),
                region: self.region.clone(),
                cidr_blocks: vec![cidr],
                allow_dns_resolution_from_remote_vpc: None,
            },
            accepter: PeerSide {
                vpc_id: input.peer_vpc_id.clone(),
                owner_id: peer_account,
                region: peer_region,
                cidr_blocks: peer_cidr.into_iter().collect(),
                allow_dns_resolution_from_remote_vpc: None,
            },
            tags: input.tags,
        };
        let rec = PeeringRec {
            peering,
            life: Lifecycle::new("initiating-request", &[next]),
            requester_dns: false,
            accepter_dns: false,
        };
        let view = rec.view();
        st.peerings.insert(id, rec);
        Ok(view)
    }

    fn peering_accept(&self, id: &str) -> Result<VpcPeering, AwsError> {
        self.lock().rec.begin("accept_vpc_peering_connection", id)?;
        let (account, region) = (self.account.clone(), self.region.clone());
        self.with_peering(id, |rec| {
            if rec.peering.accepter.owner_id != account || rec.peering.accepter.region != region {
                return Err(not_permitted(format!(
                    "User in account {account} ({region}) cannot accept peering {id}: it is for account {} in {}",
                    rec.peering.accepter.owner_id, rec.peering.accepter.region
                )));
            }
            if rec.life.status != "pending-acceptance" {
                return Err(err(
                    "InvalidStateTransition",
                    format!(
                        "Invalid state transition for {id}, attempted to transition from {} to active",
                        rec.life.status
                    ),
                ));
            }
            rec.life.set("provisioning", &["active"]);
            rec.peering.status_message = "Provisioning".to_string();
            Ok(rec.view())
        })
        .unwrap_or_else(|| Err(peering_not_found(id)))
    }

    fn peering_find(&self, id: &str) -> Result<Option<VpcPeering>, AwsError> {
        self.lock().rec.begin("find_vpc_peering_connection", id)?;
        Ok(self.with_peering(id, |rec| {
            rec.life.advance();
            if rec.life.status == "active" {
                rec.peering.status_message = "Active".to_string();
            }
            rec.view()
        }))
    }

    fn peering_list(&self, filters: &Filters) -> Result<Vec<VpcPeering>, AwsError> {
        self.lock().rec.begin("find_vpc_peering_connections", format!("{filters:?}"))?;
        let mut out = Vec::new();
        let mut fakes = vec![None];
        fakes.extend(self.world().into_iter().map(Some));
        for other in fakes {
            let mut st = match &other {
                None => self.lock(),
                Some(f) => f.lock(),
            };
            for rec in st.peerings.values_mut() {
                rec.life.advance();
                if rec.life.status == "active" {
                    rec.peering.status_message = "Active".to_string();
                }
                if matches(filters, &rec.peering.tags, |n| peering_values(rec, n))? {
                    out.push(rec.view());
                }
            }
        }
        Ok(out)
    }

    fn peering_modify_dns(&self, id: &str, requester: Option<bool>, accepter: Option<bool>) -> Result<(), AwsError> {
        self.lock().rec.begin("modify_vpc_peering_dns", id)?;
        self.with_peering(id, |rec| {
            if rec.life.status != "active" {
                return Err(not_permitted(format!(
                    "Peering {id} is not active. Peering options can be added only to active peerings."
                )));
            }
            if requester.is_some() && !self.is_side(&rec.peering.requester) {
                return Err(not_permitted(format!("The requester options of {id} can only be changed by its owner")));
            }
            if accepter.is_some() && !self.is_side(&rec.peering.accepter) {
                return Err(not_permitted(format!("The accepter options of {id} can only be changed by its owner")));
            }
            if let Some(v) = requester {
                rec.requester_dns = v;
            }
            if let Some(v) = accepter {
                rec.accepter_dns = v;
            }
            Ok(())
        })
        .unwrap_or_else(|| Err(peering_not_found(id)))
    }

    fn peering_delete(&self, id: &str) -> Result<(), AwsError> {
        self.lock().rec.begin("delete_vpc_peering_connection", id)?;
        self.with_peering(id, |rec| match rec.life.status.as_str() {
            "deleted" | "deleting" => Ok(()),
            s @ ("failed" | "rejected") => Err(err(
                "InvalidStateTransition",
                format!("Invalid state transition for {id}, attempted to transition from {s} to deleting"),
            )),
            _ => {
                rec.life.set("deleting", &["deleted"]);
                rec.peering.status_message = "Deleted by owner".to_string();
                Ok(())
            }
        })
        .unwrap_or_else(|| Err(peering_not_found(id)))?;
        // Routes through it stop carrying traffic, on both sides.
        let target = RouteTarget::VpcPeering(id.to_string());
        let mut fakes = vec![None];
        fakes.extend(self.world().into_iter().map(Some));
        for other in fakes {
            let mut st = match &other {
                None => self.lock(),
                Some(f) => f.lock(),
            };
            for rt in st.rts.values_mut() {
                for r in rt.routes.iter_mut().filter(|r| r.target == target) {
                    r.state = "blackhole".to_string();
                }
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Ec2Api for FakeEc2 {
    async fn create_vpc(&self, cidr_block: &str, tags: &Tags) -> Result<Vpc, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_vpc", cidr_block)?;
        let Some(cidr) = parse_cidr(cidr_block) else {
            return Err(invalid_parameter(format!("Value ({cidr_block}) for parameter cidrBlock is invalid")));
        };
        if !(16..=28).contains(&cidr.1) {
            return Err(err("InvalidVpc.Range", format!("The CIDR '{cidr_block}' is invalid (/16 to /28).")));
        }
        let id = st.id("vpc");
        let vpc = Vpc {
            id: id.clone(),
            state: "pending".to_string(),
            cidr_block: cidr_block.to_string(),
            is_default: false,
            tags: tags.clone(),
        };
        st.vpcs.insert(
            id.clone(),
            VpcRec {
                vpc: vpc.clone(),
                life: Lifecycle::new("pending", &["available"]),
                dns_support: true,
                dns_hostnames: false,
            },
        );
        // The main route table and the default security group come with the VPC.
        let rt_id = st.id("rtb");
        let assoc_id = st.id("rtbassoc");
        st.rts.insert(
            rt_id.clone(),
            RouteTable {
                id: rt_id,
                vpc_id: id.clone(),
                main: true,
                associations: vec![RouteTableAssociation { id: assoc_id, main: true, subnet_id: None }],
                propagating_vgws: Vec::new(),
                routes: vec![Route {
                    destination_cidr_block: cidr_block.to_string(),
                    target: RouteTarget::Local,
                    state: "active".to_string(),
                    origin: "CreateRouteTable".to_string(),
                }],
                tags: Tags::new(),
            },
        );
        let sg_id = st.id("sg");
        let r1 = st.id("sgr");
        let r2 = st.id("sgr");
        st.sgs.insert(
            sg_id.clone(),
            SgRec {
                sg: SecurityGroup {
                    id: sg_id.clone(),
                    name: "default".to_string(),
                    description: "default VPC security group".to_string(),
                    vpc_id: id.clone(),
                    tags: Tags::new(),
                },
                rules: vec![
                    SecurityGroupRule {
                        id: r1,
                        group_id: sg_id.clone(),
                        direction: RuleDirection::Ingress,
                        rule: SgRule::all(RulePeer::Group(sg_id.clone())),
                    },
                    SecurityGroupRule {
                        id: r2,
                        group_id: sg_id.clone(),
                        direction: RuleDirection::Egress,
                        rule: SgRule::all(RulePeer::Cidr("0.0.0.0/0".to_string())),
                    },
                ],
                is_default: true,
            },
        );
        Ok(vpc)
    }

    async fn find_vpc(&self, id: &str) -> Result<Option<Vpc>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_vpc", id)?;
        let held = st.held.contains(id);
        Ok(st.vpcs.get_mut(id).map(|r| {
            r.life.held = held;
            r.life.advance();
            Vpc { state: r.life.status.clone(), ..r.vpc.clone() }
        }))
    }

    async fn find_vpcs(&self, filters: &Filters) -> Result<Vec<Vpc>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_vpcs", format!("{filters:?}"))?;
        let held = st.held.clone();
        let mut out = Vec::new();
        for r in st.vpcs.values_mut() {
            if matches(filters, &r.vpc.tags, |n| vpc_values(r, n))? {
                r.life.held = held.contains(&r.vpc.id);
                r.life.advance();
                out.push(Vpc { state: r.life.status.clone(), ..r.vpc.clone() });
            }
        }
        Ok(out)
    }

    async fn delete_vpc(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_vpc", id)?;
        Self::vpc_must_exist(&st, id)?;
        let mut deps: Vec<String> = Vec::new();
        deps.extend(st.subnets.values().filter(|s| s.subnet.vpc_id == id).map(|s| s.subnet.id.clone()));
        deps.extend(st.sgs.values().filter(|s| s.sg.vpc_id == id && !s.is_default).map(|s| s.sg.id.clone()));
        deps.extend(st.igws.values().filter(|g| g.attachments.iter().any(|a| a.vpc_id == id)).map(|g| g.id.clone()));
        deps.extend(st.vgws.values().filter(|g| g.live_attachment(id).is_some()).map(|g| g.vgw.id.clone()));
        deps.extend(st.enis.values().filter(|e| e.vpc_id == id).map(|e| e.id.clone()));
        deps.extend(st.rts.values().filter(|r| r.vpc_id == id && !r.main).map(|r| r.id.clone()));
        if !deps.is_empty() {
            return Err(dependency(format!(
                "The vpc '{id}' has dependencies and cannot be deleted. ({})",
                deps.join(", ")
            )));
        }
        st.vpcs.remove(id);
        st.rts.retain(|_, r| r.vpc_id != id);
        st.sgs.retain(|_, s| s.sg.vpc_id != id);
        Ok(())
    }

    async fn modify_vpc_attribute(&self, vpc_id: &str, attribute: VpcAttribute, value: bool) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("modify_vpc_attribute", format!("{vpc_id} {}={value}", attribute.as_str()))?;
        Self::vpc_must_exist(&st, vpc_id)?;
        if let Some(r) = st.vpcs.get_mut(vpc_id) {
            match attribute {
                VpcAttribute::EnableDnsSupport => r.dns_support = value,
                VpcAttribute::EnableDnsHostnames => r.dns_hostnames = value,
            }
        }
        Ok(())
    }

    async fn describe_vpc_attribute(&self, vpc_id: &str, attribute: VpcAttribute) -> Result<bool, AwsError> {
        let mut st = self.lock();
        st.rec.begin("describe_vpc_attribute", format!("{vpc_id} {}", attribute.as_str()))?;
        Self::vpc_must_exist(&st, vpc_id)?;
        let r = st.vpcs.get(vpc_id);
        Ok(match attribute {
            VpcAttribute::EnableDnsSupport => r.is_some_and(|r| r.dns_support),
            VpcAttribute::EnableDnsHostnames => r.is_some_and(|r| r.dns_hostnames),
        })
    }

    async fn create_subnet(&self, input: CreateSubnetInput) -> Result<Subnet, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_subnet", format!("{} {} {}", input.vpc_id, input.cidr_block, input.availability_zone))?;
        Self::vpc_must_exist(&st, &input.vpc_id)?;
        let Some(cidr) = parse_cidr(&input.cidr_block) else {
            return Err(invalid_parameter(format!("Value ({}) for parameter cidrBlock is invalid", input.cidr_block)));
        };
        let vpc_cidr = st.vpcs.get(&input.vpc_id).and_then(|r| parse_cidr(&r.vpc.cidr_block));
        if !(16..=28).contains(&cidr.1) || !vpc_cidr.is_some_and(|v| cidr_contains(v, cidr)) {
            return Err(err("InvalidSubnet.Range", format!("The CIDR '{}' is invalid.", input.cidr_block)));
        }
        let conflict = st.subnets.values().any(|s| {
            s.subnet.vpc_id == input.vpc_id && parse_cidr(&s.subnet.cidr_block).is_some_and(|c| cidrs_overlap(c, cidr))
        });
        if conflict {
            return Err(err(
                "InvalidSubnet.Conflict",
                format!("The CIDR '{}' conflicts with another subnet", input.cidr_block),
            ));
        }
        if !st.azs.iter().any(|z| z.name == input.availability_zone) {
            return Err(invalid_parameter(format!(
                "Value ({}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {}.",
                input.availability_zone,
                st.azs.iter().map(|z| z.name.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
        let id = st.id("subnet");
        let subnet = Subnet {
            id: id.clone(),
            vpc_id: input.vpc_id,
            state: "pending".to_string(),
            cidr_block: input.cidr_block,
            availability_zone: input.availability_zone,
            tags: input.tags,
        };
        st.subnets.insert(id, SubnetRec { subnet: subnet.clone(), life: Lifecycle::new("pending", &["available"]) });
        Ok(subnet)
    }

    async fn find_subnet(&self, id: &str) -> Result<Option<Subnet>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_subnet", id)?;
        let held = st.held.contains(id);
        Ok(st.subnets.get_mut(id).map(|r| {
            r.life.held = held;
            r.life.advance();
            Subnet { state: r.life.status.clone(), ..r.subnet.clone() }
        }))
    }

    async fn find_subnets(&self, filters: &Filters) -> Result<Vec<Subnet>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_subnets", format!("{filters:?}"))?;
        let held = st.held.clone();
        let mut out = Vec::new();
        for r in st.subnets.values_mut() {
            if matches(filters, &r.subnet.tags, |n| subnet_values(r, n))? {
                r.life.held = held.contains(&r.subnet.id);
                r.life.advance();
                out.push(Subnet { state: r.life.status.clone(), ..r.subnet.clone() });
            }
        }
        Ok(out)
    }

    async fn delete_subnet(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_subnet", id)?;
        if !st.subnets.contains_key(id) {
            return Err(err("InvalidSubnetID.NotFound", format!("The subnet ID '{id}' does not exist")));
        }
        let enis: Vec<String> = st.enis.values().filter(|e| e.subnet_id == id).map(|e| e.id.clone()).collect();
        if !enis.is_empty() {
            return Err(dependency(format!(
                "The subnet '{id}' has dependencies and cannot be deleted. ({})",
                enis.join(", ")
            )));
        }
        st.subnets.remove(id);
        for rt in st.rts.values_mut() {
            rt.associations.retain(|a| a.subnet_id.as_deref() != Some(id));
        }
        Ok(())
    }

    async fn create_security_group(&self, input: CreateSecurityGroupInput) -> Result<SecurityGroup, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_security_group", format!("{} {}", input.vpc_id, input.name))?;
        Self::vpc_must_exist(&st, &input.vpc_id)?;
        if input.name.is_empty() || input.name.len() > 255 || input.name.to_ascii_lowercase().starts_with("sg-") {
            return Err(invalid_parameter(format!("Invalid group name {:?}", input.name)));
        }
        if input.description.is_empty() {
            return Err(err("MissingParameter", "The request must contain the parameter groupDescription"));
        }
        if st.sgs.values().any(|s| s.sg.vpc_id == input.vpc_id && s.sg.name == input.name) {
            return Err(err(
                "InvalidGroup.Duplicate",
                format!("The security group '{}' already exists for VPC '{}'", input.name, input.vpc_id),
            ));
        }
        let id = st.id("sg");
        let rule_id = st.id("sgr");
        let sg = SecurityGroup {
            id: id.clone(),
            name: input.name,
            description: input.description,
            vpc_id: input.vpc_id,
            tags: input.tags,
        };
        st.sgs.insert(
            id.clone(),
            SgRec {
                sg: sg.clone(),
                // A new group allows all egress, as on AWS.
                rules: vec![SecurityGroupRule {
                    id: rule_id,
                    group_id: id,
                    direction: RuleDirection::Egress,
                    rule: SgRule::all(RulePeer::Cidr("0.0.0.0/0".to_string())),
                }],
                is_default: false,
            },
        );
        Ok(sg)
    }

    async fn find_security_group(&self, id: &str) -> Result<Option<SecurityGroup>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_security_group", id)?;
        Ok(st.sgs.get(id).map(|s| s.sg.clone()))
    }

    async fn find_security_groups(&self, filters: &Filters) -> Result<Vec<SecurityGroup>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_security_groups", format!("{filters:?}"))?;
        let mut out = Vec::new();
        for r in st.sgs.values() {
            if matches(filters, &r.sg.tags, |n| sg_values(r, n))? {
                out.push(r.sg.clone());
            }
        }
        Ok(out)
    }

    async fn delete_security_group(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_security_group", id)?;
        let Some(sg) = st.sgs.get(id) else {
            return Err(err("InvalidGroup.NotFound", format!("The security group '{id}' does not exist")));
        };
        if sg.is_default {
            return Err(err(
                "CannotDelete",
                format!("the specified group: \"{id}\" name: \"default\" cannot be deleted by a user"),
            ));
        }
        let enis: Vec<String> =
            st.enis.values().filter(|e| e.group_ids.iter().any(|g| g == id)).map(|e| e.id.clone()).collect();
        if !enis.is_empty() {
            return Err(dependency(format!("resource {id} has a dependent object ({})", enis.join(", "))));
        }
        let referencing: Vec<String> = st
            .sgs
            .values()
            .filter(|s| s.sg.id != id && s.rules.iter().any(|r| r.rule.peer == RulePeer::Group(id.to_string())))
            .map(|s| s.sg.id.clone())
            .collect();
        if !referencing.is_empty() {
            return Err(dependency(format!(
                "resource {id} has a dependent object (referenced by {})",
                referencing.join(", ")
            )));
        }
        st.sgs.remove(id);
        Ok(())
    }

    async fn authorize_security_group_ingress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.authorize("authorize_security_group_ingress", group_id, rules, RuleDirection::Ingress)
    }

    async fn authorize_security_group_egress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.authorize("authorize_security_group_egress", group_id, rules, RuleDirection::Egress)
    }

    async fn revoke_security_group_ingress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.revoke("revoke_security_group_ingress", group_id, rules, RuleDirection::Ingress)
    }

    async fn revoke_security_group_egress(&self, group_id: &str, rules: &[SgRule]) -> Result<(), AwsError> {
        self.revoke("revoke_security_group_egress", group_id, rules, RuleDirection::Egress)
    }

    async fn find_security_group_rules(&self, group_id: &str) -> Result<Vec<SecurityGroupRule>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_security_group_rules", group_id)?;
        Ok(st.sgs.get(group_id).map(|s| s.rules.clone()).unwrap_or_default())
    }

    async fn create_internet_gateway(&self, tags: &Tags) -> Result<InternetGateway, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_internet_gateway", "")?;
        let id = st.id("igw");
        let igw = InternetGateway { id: id.clone(), attachments: Vec::new(), tags: tags.clone() };
        st.igws.insert(id, igw.clone());
        Ok(igw)
    }

    async fn attach_internet_gateway(&self, igw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("attach_internet_gateway", format!("{igw_id} {vpc_id}"))?;
        Self::vpc_must_exist(&st, vpc_id)?;
        let Some(igw) = st.igws.get(igw_id) else {
            return Err(err(
                "InvalidInternetGatewayID.NotFound",
                format!("The internetGateway ID '{igw_id}' does not exist"),
            ));
        };
        if let Some(a) = igw.attachments.first() {
            return Err(err(
                "Resource.AlreadyAssociated",
                format!("resource {igw_id} is already attached to network {}", a.vpc_id),
            ));
        }
        if let Some(other) = st.igws.values().find(|g| g.attachments.iter().any(|a| a.vpc_id == vpc_id)) {
            return Err(err(
                "Resource.AlreadyAssociated",
                format!("network {vpc_id} already has an internet gateway attached ({})", other.id),
            ));
        }
        if let Some(igw) = st.igws.get_mut(igw_id) {
            igw.attachments.push(GatewayAttachment { vpc_id: vpc_id.to_string(), state: "available".to_string() });
        }
        Ok(())
    }

    async fn detach_internet_gateway(&self, igw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("detach_internet_gateway", format!("{igw_id} {vpc_id}"))?;
        let Some(igw) = st.igws.get_mut(igw_id) else {
            return Err(err(
                "InvalidInternetGatewayID.NotFound",
                format!("The internetGateway ID '{igw_id}' does not exist"),
            ));
        };
        if !igw.attachments.iter().any(|a| a.vpc_id == vpc_id) {
            return Err(err("Gateway.NotAttached", format!("resource {igw_id} is not attached to network {vpc_id}")));
        }
        igw.attachments.retain(|a| a.vpc_id != vpc_id);
        Self::blackhole_routes(&mut st, igw_id);
        Ok(())
    }

    async fn find_internet_gateway(&self, id: &str) -> Result<Option<InternetGateway>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_internet_gateway", id)?;
        Ok(st.igws.get(id).cloned())
    }

    async fn find_internet_gateways(&self, filters: &Filters) -> Result<Vec<InternetGateway>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_internet_gateways", format!("{filters:?}"))?;
        let mut out = Vec::new();
        for r in st.igws.values() {
            if matches(filters, &r.tags, |n| igw_values(r, n))? {
                out.push(r.clone());
            }
        }
        Ok(out)
    }

    async fn delete_internet_gateway(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_internet_gateway", id)?;
        let Some(igw) = st.igws.get(id) else {
            return Err(err(
                "InvalidInternetGatewayID.NotFound",
                format!("The internetGateway ID '{id}' does not exist"),
            ));
        };
        if !igw.attachments.is_empty() {
            return Err(dependency(format!("The internetGateway '{id}' has dependencies and cannot be deleted.")));
        }
        st.igws.remove(id);
        Self::blackhole_routes(&mut st, id);
        Ok(())
    }

    async fn create_vpn_gateway(&self, input: CreateVpnGatewayInput) -> Result<VpnGateway, AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_vpn_gateway", input.amazon_side_asn.map(|a| a.to_string()).unwrap_or_default())?;
        if let Some(asn) = input.amazon_side_asn {
            let private16 = (64512..=65534).contains(&asn);
            let private32 = (4_200_000_000..=4_294_967_294).contains(&asn);
            if !(private16 || private32 || asn == 7224 || asn == 9059 || asn == 10124 || asn == 17493) {
                return Err(invalid_parameter(format!("The ASN {asn} is not a valid private ASN")));
            }
        }
        let id = st.id("vgw");
        let vgw = VpnGateway {
            id: id.clone(),
            state: "pending".to_string(),
            amazon_side_asn: Some(input.amazon_side_asn.unwrap_or(64512)),
            attachments: Vec::new(),
            tags: input.tags,
        };
        st.vgws.insert(
            id,
            VgwRec { vgw: vgw.clone(), life: Lifecycle::new("pending", &["available"]), attachments: Vec::new() },
        );
        Ok(vgw)
    }

    async fn attach_vpn_gateway(&self, vgw_id: &str, vpc_id: &str) -> Result<GatewayAttachment, AwsError> {
        let mut st = self.lock();
        st.rec.begin("attach_vpn_gateway", format!("{vgw_id} {vpc_id}"))?;
        Self::vpc_must_exist(&st, vpc_id)?;
        let not_found = || err("InvalidVpnGatewayID.NotFound", format!("The vpnGateway ID '{vgw_id}' does not exist"));
        let Some(vgw) = st.vgws.get(vgw_id) else { return Err(not_found()) };
        match vgw.life.status.as_str() {
            "deleted" | "deleting" => return Err(not_found()),
            "available" => {}
            other => {
                return Err(err(
                    "IncorrectState",
                    format!("The state '{other}' of vpn gateway '{vgw_id}' is not valid for this operation"),
                ));
            }
        }
        if let Some(a) = vgw.live_attachment(vpc_id)
            && matches!(a.life.status.as_str(), "attaching" | "attached")
        {
            // Already there: the same answer as the first attach.
            return Ok(GatewayAttachment { vpc_id: vpc_id.to_string(), state: a.life.status.clone() });
        }
        if let Some(a) = vgw.is_attached_anywhere() {
            return Err(err(
                "IncorrectState",
                format!("vpn gateway '{vgw_id}' is {} to {}; detach it first", a.life.status, a.vpc_id),
            ));
        }
        let other = st.vgws.values().find(|g| g.vgw.id != vgw_id && g.live_attachment(vpc_id).is_some());
        if let Some(other) = other {
            return Err(err(
                "VpnGatewayAttachmentLimitExceeded",
                format!("The VPC '{vpc_id}' already has a VPN gateway attached ({})", other.vgw.id),
            ));
        }
        if let Some(vgw) = st.vgws.get_mut(vgw_id) {
            vgw.attachments.retain(|a| a.vpc_id != vpc_id);
            let life = Lifecycle::new("attaching", &["attached"]);
            vgw.attachments.push(VgwAttachmentRec { vpc_id: vpc_id.to_string(), life });
        }
        Ok(GatewayAttachment { vpc_id: vpc_id.to_string(), state: "attaching".to_string() })
    }

    async fn detach_vpn_gateway(&self, vgw_id: &str, vpc_id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("detach_vpn_gateway", format!("{vgw_id} {vpc_id}"))?;
        let Some(vgw) = st.vgws.get_mut(vgw_id) else {
            return Err(err("InvalidVpnGatewayID.NotFound", format!("The vpnGateway ID '{vgw_id}' does not exist")));
        };
        let Some(a) = vgw
            .attachments
            .iter_mut()
            .find(|a| a.vpc_id == vpc_id && matches!(a.life.status.as_str(), "attaching" | "attached"))
        else {
            return Err(err(
                "InvalidVpnGatewayAttachment.NotFound",
                format!("The attachment with vpn gateway ID '{vgw_id}' and vpc ID '{vpc_id}' does not exist"),
            ));
        };
        a.life.set("detaching", &["detached"]);
        // Propagation through a detached gateway stops.
        for rt in st.rts.values_mut().filter(|r| r.vpc_id == vpc_id) {
            rt.propagating_vgws.retain(|g| g != vgw_id);
        }
        Self::blackhole_routes(&mut st, vgw_id);
        Ok(())
    }

    async fn find_vpn_gateway(&self, id: &str) -> Result<Option<VpnGateway>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_vpn_gateway", id)?;
        let held = st.held.contains(id);
        Ok(st.vgws.get_mut(id).map(|r| {
            if !held {
                r.advance();
            }
            r.view()
        }))
    }

    async fn find_vpn_gateways(&self, filters: &Filters) -> Result<Vec<VpnGateway>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_vpn_gateways", format!("{filters:?}"))?;
        let held = st.held.clone();
        let mut out = Vec::new();
        for r in st.vgws.values_mut() {
            let view = r.view();
            if matches(filters, &view.tags, |n| vgw_values(&view, n))? {
                if !held.contains(&r.vgw.id) {
                    r.advance();
                }
                out.push(r.view());
            }
        }
        Ok(out)
    }

    async fn delete_vpn_gateway(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_vpn_gateway", id)?;
        let not_found = || err("InvalidVpnGatewayID.NotFound", format!("The vpnGateway ID '{id}' does not exist"));
        let Some(vgw) = st.vgws.get_mut(id) else { return Err(not_found()) };
        if matches!(vgw.life.status.as_str(), "deleted" | "deleting") {
            return Err(not_found());
        }
        if let Some(a) = vgw.is_attached_anywhere() {
            return Err(err(
                "IncorrectState",
                format!("The VPN gateway '{id}' is in use: its attachment to {} is {}", a.vpc_id, a.life.status),
            ));
        }
        vgw.life.set("deleting", &["deleted"]);
        Ok(())
    }

    async fn enable_vgw_route_propagation(&self, route_table_id: &str, vgw_id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("enable_vgw_route_propagation", format!("{route_table_id} {vgw_id}"))?;
        let vpc_id = match st.rts.get(route_table_id) {
            Some(rt) => rt.vpc_id.clone(),
            None => {
                return Err(err(
                    "InvalidRouteTableID.NotFound",
                    format!("The routeTable ID '{route_table_id}' does not exist"),
                ));
            }
        };
        let Some(vgw) = st.vgws.get(vgw_id) else {
            return Err(err("InvalidVpnGatewayID.NotFound", format!("The vpnGateway ID '{vgw_id}' does not exist")));
        };
        if !vgw.attachments.iter().any(|a| a.vpc_id == vpc_id && a.life.status == "attached") {
            return Err(err("Gateway.NotAttached", format!("resource {vgw_id} is not attached to network {vpc_id}")));
        }
        if let Some(rt) = st.rts.get_mut(route_table_id)
            && !rt.propagating_vgws.iter().any(|g| g == vgw_id)
        {
            rt.propagating_vgws.push(vgw_id.to_string());
        }
        Ok(())
    }

    async fn disable_vgw_route_propagation(&self, route_table_id: &str, vgw_id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("disable_vgw_route_propagation", format!("{route_table_id} {vgw_id}"))?;
        let Some(rt) = st.rts.get_mut(route_table_id) else {
            return Err(err(
                "InvalidRouteTableID.NotFound",
                format!("The routeTable ID '{route_table_id}' does not exist"),
            ));
        };
        rt.propagating_vgws.retain(|g| g != vgw_id);
        Ok(())
    }

    async fn find_route_table(&self, id: &str) -> Result<Option<RouteTable>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_route_table", id)?;
        Ok(st.rts.get(id).cloned())
    }

    async fn find_route_tables(&self, filters: &Filters) -> Result<Vec<RouteTable>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_route_tables", format!("{filters:?}"))?;
        let mut out = Vec::new();
        for r in st.rts.values() {
            if matches(filters, &r.tags, |n| rt_values(r, n))? {
                out.push(r.clone());
            }
        }
        Ok(out)
    }

    async fn create_route(
        &self,
        route_table_id: &str,
        destination_cidr: &str,
        target: &RouteTarget,
    ) -> Result<(), AwsError> {
        // Looked up before this fake's lock is taken: the peering may live in a linked fake.
        let unknown_pcx = self.unknown_peering(target);
        let mut st = self.lock();
        st.rec.begin("create_route", format!("{route_table_id} {destination_cidr}"))?;
        if let Some(e) = unknown_pcx {
            return Err(e);
        }
        let Some(rt) = st.rts.get(route_table_id) else {
            return Err(err(
                "InvalidRouteTableID.NotFound",
                format!("The routeTable ID '{route_table_id}' does not exist"),
            ));
        };
        if parse_cidr(destination_cidr).is_none() {
            return Err(invalid_parameter(format!(
                "Value ({destination_cidr}) for parameter destinationCidrBlock is invalid"
            )));
        }
        if rt.routes.iter().any(|r| r.destination_cidr_block == destination_cidr) {
            return Err(err(
                "RouteAlreadyExists",
                format!("The route identified by {destination_cidr} already exists."),
            ));
        }
        let vpc_id = rt.vpc_id.clone();
        Self::check_route_target(&st, &vpc_id, target)?;
        if let Some(rt) = st.rts.get_mut(route_table_id) {
            rt.routes.push(Route {
                destination_cidr_block: destination_cidr.to_string(),
                target: target.clone(),
                state: "active".to_string(),
                origin: "CreateRoute".to_string(),
            });
        }
        Ok(())
    }

    async fn replace_route(
        &self,
        route_table_id: &str,
        destination_cidr: &str,
        target: &RouteTarget,
    ) -> Result<(), AwsError> {
        // Looked up before this fake's lock is taken: the peering may live in a linked fake.
        let unknown_pcx = self.unknown_peering(target);
        let mut st = self.lock();
        st.rec.begin("replace_route", format!("{route_table_id} {destination_cidr}"))?;
        if let Some(e) = unknown_pcx {
            return Err(e);
        }
        let Some(rt) = st.rts.get(route_table_id) else {
            return Err(err(
                "InvalidRouteTableID.NotFound",
                format!("The routeTable ID '{route_table_id}' does not exist"),
            ));
        };
        let vpc_id = rt.vpc_id.clone();
        if !rt.routes.iter().any(|r| r.destination_cidr_block == destination_cidr && r.target != RouteTarget::Local) {
            return Err(err(
                "InvalidRoute.NotFound",
                format!("There is no route defined for '{destination_cidr}' in the route table."),
            ));
        }
        Self::check_route_target(&st, &vpc_id, target)?;
        if let Some(r) = st
            .rts
            .get_mut(route_table_id)
            .and_then(|rt| rt.routes.iter_mut().find(|r| r.destination_cidr_block == destination_cidr))
        {
            r.target = target.clone();
            r.state = "active".to_string();
        }
        Ok(())
    }

    async fn delete_route(&self, route_table_id: &str, destination_cidr: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_route", format!("{route_table_id} {destination_cidr}"))?;
        let Some(rt) = st.rts.get_mut(route_table_id) else {
            return Err(err(
                "InvalidRouteTableID.NotFound",
                format!("The routeTable ID '{route_table_id}' does not exist"),
            ));
        };
        match rt.routes.iter().position(|r| r.destination_cidr_block == destination_cidr) {
            None => Err(err(
                "InvalidRoute.NotFound",
                format!("no route with destination-cidr-block {destination_cidr} in route table {route_table_id}"),
            )),
            Some(i) if rt.routes[i].target == RouteTarget::Local => Err(invalid_parameter(format!(
                "cannot remove local route {destination_cidr} in route table {route_table_id}"
            ))),
            Some(i) => {
                rt.routes.remove(i);
                Ok(())
            }
        }
    }

    async fn create_vpc_peering_connection(&self, input: CreateVpcPeeringInput) -> Result<VpcPeering, AwsError> {
        self.peering_create(input)
    }

    async fn accept_vpc_peering_connection(&self, id: &str) -> Result<VpcPeering, AwsError> {
        self.peering_accept(id)
    }

    async fn find_vpc_peering_connection(&self, id: &str) -> Result<Option<VpcPeering>, AwsError> {
        self.peering_find(id)
    }

    async fn find_vpc_peering_connections(&self, filters: &Filters) -> Result<Vec<VpcPeering>, AwsError> {
        self.peering_list(filters)
    }

    async fn modify_vpc_peering_dns(
        &self,
        id: &str,
        requester: Option<bool>,
        accepter: Option<bool>,
    ) -> Result<(), AwsError> {
        self.peering_modify_dns(id, requester, accepter)
    }

    async fn delete_vpc_peering_connection(&self, id: &str) -> Result<(), AwsError> {
        self.peering_delete(id)
    }

    async fn find_network_interfaces(&self, filters: &Filters) -> Result<Vec<NetworkInterface>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("find_network_interfaces", format!("{filters:?}"))?;
        let mut out = Vec::new();
        for r in st.enis.values() {
            if matches(filters, &r.tags, |n| eni_values(r, n))? {
                out.push(r.clone());
            }
        }
        Ok(out)
    }

    async fn delete_network_interface(&self, id: &str) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_network_interface", id)?;
        let Some(eni) = st.enis.get(id) else {
            return Err(err(
                "InvalidNetworkInterfaceID.NotFound",
                format!("The networkInterface ID '{id}' does not exist"),
            ));
        };
        if eni.status != "available" {
            return Err(err(
                "InvalidNetworkInterface.InUse",
                format!("Network interface '{id}' is currently in use ({}).", eni.status),
            ));
        }
        st.enis.remove(id);
        Ok(())
    }

    async fn create_tags(&self, resource_ids: &[String], tags: &Tags) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("create_tags", resource_ids.join(" "))?;
        for id in resource_ids {
            Self::tags_of_mut(&mut st, id)?;
        }
        for id in resource_ids {
            let t = Self::tags_of_mut(&mut st, id)?;
            t.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Ok(())
    }

    async fn delete_tags(&self, resource_ids: &[String], keys: &[String]) -> Result<(), AwsError> {
        let mut st = self.lock();
        st.rec.begin("delete_tags", resource_ids.join(" "))?;
        for id in resource_ids {
            let t = Self::tags_of_mut(&mut st, id)?;
            for k in keys {
                t.remove(k);
            }
        }
        Ok(())
    }

    async fn describe_availability_zones(&self) -> Result<Vec<AvailabilityZone>, AwsError> {
        let mut st = self.lock();
        st.rec.begin("describe_availability_zones", "")?;
        Ok(st.azs.clone())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::aws::ec2::main_route_table_filters;
    use crate::aws::error::ErrorKind;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    async fn vpc_with_subnets(ec2: &FakeEc2) -> (String, Vec<String>) {
        let vpc = ec2.create_vpc("10.0.0.0/24", &tags(&[("dmslink:stack", "s")])).await.unwrap();
        let mut subnets = Vec::new();
        for (cidr, az) in [("10.0.0.0/26", "us-east-1a"), ("10.0.0.64/26", "us-east-1b")] {
            let s = ec2
                .create_subnet(CreateSubnetInput {
                    vpc_id: vpc.id.clone(),
                    cidr_block: cidr.into(),
                    availability_zone: az.into(),
                    tags: Tags::new(),
                })
                .await
                .unwrap();
            subnets.push(s.id);
        }
        (vpc.id, subnets)
    }

    /// Describes until the peering reaches `want` (the fake moves one step per describe).
    async fn settle_peering(ec2: &FakeEc2, id: &str, want: &str) -> VpcPeering {
        let mut last = None;
        for _ in 0..5 {
            let p = ec2.find_vpc_peering_connection(id).await.unwrap().unwrap();
            if p.status == want {
                return p;
            }
            last = Some(p);
        }
        panic!("{id} never reached {want}: {last:?}");
    }

    #[tokio::test]
    async fn fake_peering_same_account_lifecycle() {
        let ec2 = FakeEc2::new();
        let app = ec2.create_vpc("10.1.0.0/16", &Tags::new()).await.unwrap();
        let dms = ec2.create_vpc("10.0.0.0/24", &Tags::new()).await.unwrap();
        let p = ec2
            .create_vpc_peering_connection(CreateVpcPeeringInput {
                vpc_id: app.id.clone(),
                peer_vpc_id: dms.id.clone(),
                tags: tags(&[("Name", "p")]),
                ..CreateVpcPeeringInput::default()
            })
            .await
            .unwrap();
        assert_eq!(p.status, "initiating-request");
        assert_eq!(p.requester.cidr_blocks, vec!["10.1.0.0/16".to_string()]);
        assert_eq!(p.accepter.cidr_blocks, vec!["10.0.0.0/24".to_string()]);
        assert_eq!((p.accepter.owner_id.as_str(), p.accepter.region.as_str()), (DEFAULT_ACCOUNT, "us-east-1"));
        // Not yet acceptable, and no options before active.
        let e = ec2.accept_vpc_peering_connection(&p.id).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.kind), ("InvalidStateTransition", ErrorKind::InvalidState));
        settle_peering(&ec2, &p.id, "pending-acceptance").await;
        let e = ec2.modify_vpc_peering_dns(&p.id, Some(true), Some(true)).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.kind), ("OperationNotPermitted", ErrorKind::InvalidState));
        let a = ec2.accept_vpc_peering_connection(&p.id).await.unwrap();
        assert_eq!(a.status, "provisioning");
        assert!(ec2.modify_vpc_peering_dns(&p.id, Some(true), None).await.is_err());
        let a = settle_peering(&ec2, &p.id, "active").await;
        assert_eq!(a.requester.allow_dns_resolution_from_remote_vpc, Some(false));
        ec2.modify_vpc_peering_dns(&p.id, Some(true), Some(true)).await.unwrap();
        let a = ec2.find_vpc_peering_connection(&p.id).await.unwrap().unwrap();
        assert_eq!(a.requester.allow_dns_resolution_from_remote_vpc, Some(true));
        assert_eq!(a.accepter.allow_dns_resolution_from_remote_vpc, Some(true));

        // Filters, and a route through it that turns blackhole once it is deleted.
        let by_vpc = Filters::new().with("accepter-vpc-info.vpc-id", &dms.id).with("status-code", "active");
        assert_eq!(ec2.find_vpc_peering_connections(&by_vpc).await.unwrap().len(), 1);
        let by_tag = Filters::new().with("tag:Name", "other");
        assert!(ec2.find_vpc_peering_connections(&by_tag).await.unwrap().is_empty());
        assert!(ec2.find_vpc_peering_connections(&Filters::new().with("bogus", "x")).await.is_err());
        let rtb = ec2.find_route_tables(&main_route_table_filters(&dms.id)).await.unwrap()[0].id.clone();
        ec2.create_route(&rtb, "10.1.0.0/16", &RouteTarget::VpcPeering(p.id.clone())).await.unwrap();
        ec2.delete_vpc_peering_connection(&p.id).await.unwrap();
        settle_peering(&ec2, &p.id, "deleted").await;
        ec2.delete_vpc_peering_connection(&p.id).await.unwrap();
        let rt = ec2.find_route_table(&rtb).await.unwrap().unwrap();
        assert!(rt.routes.iter().any(|r| r.destination_cidr_block == "10.1.0.0/16" && r.state == "blackhole"));

        assert_eq!(ec2.find_vpc_peering_connection("pcx-0000").await.unwrap(), None);
        let e = ec2.create_route(&rtb, "10.9.0.0/16", &RouteTarget::VpcPeering("pcx-0000".into())).await.unwrap_err();
        assert_eq!(e.code, "InvalidVpcPeeringConnectionID.NotFound");
        let e = ec2.accept_vpc_peering_connection("pcx-0000").await.unwrap_err();
        assert_eq!(e.code, "InvalidVpcPeeringConnectionID.NotFound");
        assert!(e.is_not_found());
    }

    #[tokio::test]
    async fn fake_peering_overlap_fails_and_cannot_be_deleted() {
        let ec2 = FakeEc2::new();
        let a = ec2.create_vpc("10.0.0.0/16", &Tags::new()).await.unwrap();
        let b = ec2.create_vpc("10.0.1.0/24", &Tags::new()).await.unwrap();
        let input = CreateVpcPeeringInput { vpc_id: a.id.clone(), peer_vpc_id: b.id.clone(), ..Default::default() };
        let p = ec2.create_vpc_peering_connection(input).await.unwrap();
        let f = settle_peering(&ec2, &p.id, "failed").await;
        assert!(f.is_dead());
        assert!(f.status_message.contains("Overlapping"), "{}", f.status_message);
        let e = ec2.delete_vpc_peering_connection(&p.id).await.unwrap_err();
        assert_eq!(e.code, "InvalidStateTransition");
        let missing = CreateVpcPeeringInput { vpc_id: "vpc-nope".into(), peer_vpc_id: b.id, ..Default::default() };
        assert!(ec2.create_vpc_peering_connection(missing).await.unwrap_err().is_not_found());
    }

    #[tokio::test]
    async fn fake_peering_cross_account_is_accepted_by_the_accepter_only() {
        let requester = Arc::new(FakeEc2::new());
        let accepter = Arc::new(FakeEc2::in_account("111111111111", "us-east-1"));
        FakeEc2::link(&requester, &accepter);
        let app = requester.create_vpc("10.1.0.0/16", &Tags::new()).await.unwrap();
        let dms = accepter.create_vpc("10.0.0.0/24", &Tags::new()).await.unwrap();
        let p = requester
            .create_vpc_peering_connection(CreateVpcPeeringInput {
                vpc_id: app.id.clone(),
                peer_vpc_id: dms.id.clone(),
                peer_owner_id: Some("111111111111".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(p.accepter.cidr_blocks, vec!["10.0.0.0/24".to_string()]);
        settle_peering(&requester, &p.id, "pending-acceptance").await;
        let e = requester.accept_vpc_peering_connection(&p.id).await.unwrap_err();
        assert_eq!(e.code, "OperationNotPermitted");
        // The accepter's account sees the request too.
        let pending = Filters::new().with("status-code", "pending-acceptance");
        assert_eq!(accepter.find_vpc_peering_connections(&pending).await.unwrap().len(), 1);
        accepter.accept_vpc_peering_connection(&p.id).await.unwrap();
        settle_peering(&accepter, &p.id, "active").await;
        // Each side's DNS option only by its owner.
        assert_eq!(
            requester.modify_vpc_peering_dns(&p.id, None, Some(true)).await.unwrap_err().code,
            "OperationNotPermitted"
        );
        requester.modify_vpc_peering_dns(&p.id, Some(true), None).await.unwrap();
        accepter.modify_vpc_peering_dns(&p.id, None, Some(true)).await.unwrap();
        let a = requester.find_vpc_peering_connection(&p.id).await.unwrap().unwrap();
        assert_eq!(a.accepter.allow_dns_resolution_from_remote_vpc, Some(true));
        // A request to an account nobody linked fails like an unknown peer VPC.
        let lone = CreateVpcPeeringInput {
            vpc_id: app.id,
            peer_vpc_id: dms.id,
            peer_owner_id: Some("222222222222".into()),
            ..Default::default()
        };
        let p2 = requester.create_vpc_peering_connection(lone).await.unwrap();
        settle_peering(&requester, &p2.id, "failed").await;
    }

    #[tokio::test]
    async fn fake_vpc_goes_available_and_is_found_by_tags() {
        let ec2 = FakeEc2::new();
        let t = tags(&[("dmslink:stack", "dblink"), ("dmslink:resource", "vpc")]);
        let v = ec2.create_vpc("10.0.0.0/24", &t).await.unwrap();
        assert_eq!(v.state, "pending");
        assert!(v.id.starts_with("vpc-"));
        assert_eq!(ec2.find_vpc(&v.id).await.unwrap().unwrap().state, "available");
        assert_eq!(ec2.find_vpcs(&Filters::new().tags(&t)).await.unwrap().len(), 1);
        let other = tags(&[("dmslink:stack", "other")]);
        assert!(ec2.find_vpcs(&Filters::new().tags(&other)).await.unwrap().is_empty());
        assert_eq!(ec2.find_vpc("vpc-nope").await.unwrap(), None);
        let e = ec2.find_vpcs(&Filters::new().with("bogus", "x")).await.unwrap_err();
        assert_eq!(e.code, "InvalidParameterValue");
        assert_eq!(ec2.create_vpc("10.0.0.0/8", &Tags::new()).await.unwrap_err().code, "InvalidVpc.Range");
        assert_eq!(ec2.create_vpc("10.0.0.1/24", &Tags::new()).await.unwrap_err().code, "InvalidParameterValue");

        // One attribute per call, read back.
        assert!(ec2.describe_vpc_attribute(&v.id, VpcAttribute::EnableDnsSupport).await.unwrap());
        assert!(!ec2.describe_vpc_attribute(&v.id, VpcAttribute::EnableDnsHostnames).await.unwrap());
        ec2.modify_vpc_attribute(&v.id, VpcAttribute::EnableDnsHostnames, true).await.unwrap();
        assert!(ec2.describe_vpc_attribute(&v.id, VpcAttribute::EnableDnsHostnames).await.unwrap());

        // Main route table and default group come with it.
        let rts = ec2.find_route_tables(&main_route_table_filters(&v.id)).await.unwrap();
        assert_eq!(rts.len(), 1);
        assert!(rts[0].main);
        assert_eq!(rts[0].routes[0].target, RouteTarget::Local);
        assert!(ec2.default_security_group(&v.id).is_some());
    }

    #[tokio::test]
    async fn fake_subnets_check_cidr_az_and_overlap() {
        let ec2 = FakeEc2::new();
        let (vpc, subnets) = vpc_with_subnets(&ec2).await;
        let input = |cidr: &str, az: &str| CreateSubnetInput {
            vpc_id: vpc.clone(),
            cidr_block: cidr.into(),
            availability_zone: az.into(),
            tags: Tags::new(),
        };
        assert_eq!(
            ec2.create_subnet(input("10.1.0.0/26", "us-east-1a")).await.unwrap_err().code,
            "InvalidSubnet.Range"
        );
        assert_eq!(
            ec2.create_subnet(input("10.0.0.32/27", "us-east-1a")).await.unwrap_err().code,
            "InvalidSubnet.Conflict"
        );
        assert_eq!(
            ec2.create_subnet(input("10.0.0.128/26", "eu-west-1a")).await.unwrap_err().code,
            "InvalidParameterValue"
        );
        let s = ec2.find_subnet(&subnets[0]).await.unwrap().unwrap();
        assert_eq!((s.state.as_str(), s.availability_zone.as_str()), ("available", "us-east-1a"));
        assert_eq!(ec2.find_subnets(&Filters::new().vpc(&vpc)).await.unwrap().len(), 2);
        let azs = ec2.describe_availability_zones().await.unwrap();
        assert_eq!(azs.len(), 3);
    }

    #[tokio::test]
    async fn fake_vpc_delete_waits_for_every_dependant() {
        let ec2 = FakeEc2::new();
        let (vpc, subnets) = vpc_with_subnets(&ec2).await;
        let sg = ec2
            .create_security_group(CreateSecurityGroupInput {
                vpc_id: vpc.clone(),
                name: "dms".into(),
                description: "DMS".into(),
                tags: Tags::new(),
            })
            .await
            .unwrap();
        let igw = ec2.create_internet_gateway(&Tags::new()).await.unwrap();
        ec2.attach_internet_gateway(&igw.id, &vpc).await.unwrap();
        let eni =
            ec2.add_network_interface(&subnets[0], std::slice::from_ref(&sg.id), "DMSNetworkInterface", "dms").unwrap();
        ec2.set_network_interface_status(&eni, "available");

        let e = ec2.delete_vpc(&vpc).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::DependencyViolation);
        assert_eq!(ec2.delete_subnet(&subnets[0]).await.unwrap_err().code, "DependencyViolation");
        assert_eq!(ec2.delete_security_group(&sg.id).await.unwrap_err().code, "DependencyViolation");
        // The leftover ENI is found by group and subnet and deleted.
        let left = ec2.find_network_interfaces(&Filters::new().with("group-id", &sg.id)).await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].status, "available");
        ec2.delete_network_interface(&left[0].id).await.unwrap();
        ec2.delete_security_group(&sg.id).await.unwrap();
        for s in &subnets {
            ec2.delete_subnet(s).await.unwrap();
        }
        assert_eq!(ec2.delete_vpc(&vpc).await.unwrap_err().code, "DependencyViolation", "IGW still attached");
        assert_eq!(ec2.delete_internet_gateway(&igw.id).await.unwrap_err().code, "DependencyViolation");
        ec2.detach_internet_gateway(&igw.id, &vpc).await.unwrap();
        assert_eq!(ec2.detach_internet_gateway(&igw.id, &vpc).await.unwrap_err().kind, ErrorKind::NotFound);
        ec2.delete_internet_gateway(&igw.id).await.unwrap();
        ec2.delete_vpc(&vpc).await.unwrap();
        assert_eq!(ec2.find_vpc(&vpc).await.unwrap(), None);
        assert!(ec2.find_route_tables(&Filters::new().vpc(&vpc)).await.unwrap().is_empty());
        assert_eq!(ec2.delete_vpc(&vpc).await.unwrap_err().kind, ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn fake_in_use_interfaces_cannot_be_deleted() {
        let ec2 = FakeEc2::new();
        let (_, subnets) = vpc_with_subnets(&ec2).await;
        let eni = ec2.add_network_interface(&subnets[1], &[], "RDSNetworkInterface", "amazon-rds").unwrap();
        let e = ec2.delete_network_interface(&eni).await.unwrap_err();
        assert_eq!(e.code, "InvalidNetworkInterface.InUse");
        assert_eq!(ec2.delete_network_interface("eni-nope").await.unwrap_err().kind, ErrorKind::NotFound);
        assert!(ec2.add_network_interface("subnet-nope", &[], "x", "y").is_err());
    }

    #[tokio::test]
    async fn fake_security_group_rules_duplicate_and_references() {
        let ec2 = FakeEc2::new();
        let (vpc, _) = vpc_with_subnets(&ec2).await;
        let mk = |name: &str| CreateSecurityGroupInput {
            vpc_id: vpc.clone(),
            name: name.into(),
            description: "d".into(),
            tags: Tags::new(),
        };
        let a = ec2.create_security_group(mk("a")).await.unwrap();
        let b = ec2.create_security_group(mk("b")).await.unwrap();
        assert_eq!(ec2.create_security_group(mk("a")).await.unwrap_err().kind, ErrorKind::AlreadyExists);
        let rules = ec2.find_security_group_rules(&a.id).await.unwrap();
        assert_eq!(rules.len(), 1, "default egress");
        assert_eq!(rules[0].direction, RuleDirection::Egress);

        let r = SgRule::tcp(5432, RulePeer::Cidr("10.0.0.0/24".into()));
        ec2.authorize_security_group_ingress(&a.id, std::slice::from_ref(&r)).await.unwrap();
        let e = ec2.authorize_security_group_ingress(&a.id, std::slice::from_ref(&r)).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.kind), ("InvalidPermission.Duplicate", ErrorKind::AlreadyExists));
        ec2.authorize_security_group_ingress(&a.id, &[SgRule::tcp(1521, RulePeer::Group(b.id.clone()))]).await.unwrap();
        let e = ec2.delete_security_group(&b.id).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::DependencyViolation, "referenced by a's rule");
        ec2.revoke_security_group_ingress(&a.id, &[SgRule::tcp(1521, RulePeer::Group(b.id.clone()))]).await.unwrap();
        ec2.delete_security_group(&b.id).await.unwrap();
        let e = ec2.revoke_security_group_ingress(&a.id, &[SgRule::tcp(22, RulePeer::Cidr("0.0.0.0/0".into()))]).await;
        assert_eq!(e.unwrap_err().kind, ErrorKind::NotFound);
        ec2.revoke_security_group_egress(&a.id, &[SgRule::all(RulePeer::Cidr("0.0.0.0/0".into()))]).await.unwrap();
        let rules = ec2.find_security_group_rules(&a.id).await.unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].rule, r);
        let def = ec2.default_security_group(&vpc).unwrap();
        assert_eq!(ec2.delete_security_group(&def).await.unwrap_err().code, "CannotDelete");
        assert_eq!(ec2.find_security_groups(&Filters::new().with("group-name", "a")).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn fake_vpn_gateway_attach_detach_delete_states() {
        let ec2 = FakeEc2::new();
        let (vpc, _) = vpc_with_subnets(&ec2).await;
        let g = ec2
            .create_vpn_gateway(CreateVpnGatewayInput { amazon_side_asn: Some(64513), tags: Tags::new() })
            .await
            .unwrap();
        assert_eq!(g.state, "pending");
        assert_eq!(ec2.attach_vpn_gateway(&g.id, &vpc).await.unwrap_err().code, "IncorrectState", "still pending");
        assert_eq!(ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap().state, "available");
        let a = ec2.attach_vpn_gateway(&g.id, &vpc).await.unwrap();
        assert_eq!(a.state, "attaching");
        let rt = ec2.find_route_tables(&main_route_table_filters(&vpc)).await.unwrap().remove(0);
        let e = ec2.enable_vgw_route_propagation(&rt.id, &g.id).await.unwrap_err();
        assert_eq!(e.code, "Gateway.NotAttached", "attaching is not attached yet");
        let seen = ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap();
        assert_eq!(seen.attached_vpc(), Some(vpc.as_str()));
        assert_eq!(seen.attachments[0].state, "attached");
        ec2.enable_vgw_route_propagation(&rt.id, &g.id).await.unwrap();
        assert_eq!(ec2.find_route_table(&rt.id).await.unwrap().unwrap().propagating_vgws, vec![g.id.clone()]);

        // A second VGW cannot join the VPC.
        let g2 = ec2.create_vpn_gateway(CreateVpnGatewayInput::default()).await.unwrap();
        ec2.find_vpn_gateway(&g2.id).await.unwrap();
        assert_eq!(ec2.attach_vpn_gateway(&g2.id, &vpc).await.unwrap_err().code, "VpnGatewayAttachmentLimitExceeded");

        assert_eq!(ec2.delete_vpn_gateway(&g.id).await.unwrap_err().kind, ErrorKind::InvalidState);
        assert_eq!(ec2.delete_vpc(&vpc).await.unwrap_err().kind, ErrorKind::DependencyViolation);
        ec2.detach_vpn_gateway(&g.id, &vpc).await.unwrap();
        assert!(ec2.find_route_table(&rt.id).await.unwrap().unwrap().propagating_vgws.is_empty());
        assert_eq!(ec2.delete_vpn_gateway(&g.id).await.unwrap_err().code, "IncorrectState", "still detaching");
        let seen = ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap();
        assert_eq!(seen.attachments[0].state, "detached", "a detached attachment stays listed");
        assert_eq!(seen.attached_vpc(), None);
        assert_eq!(ec2.detach_vpn_gateway(&g.id, &vpc).await.unwrap_err().code, "InvalidVpnGatewayAttachment.NotFound");
        ec2.delete_vpn_gateway(&g.id).await.unwrap();
        assert_eq!(ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap().state, "deleted");
        assert!(ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap().is_gone());
        ec2.disable_vgw_route_propagation(&rt.id, &g.id).await.unwrap();
        assert_eq!(ec2.disable_vgw_route_propagation("rtb-nope", &g.id).await.unwrap_err().kind, ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn fake_held_vgw_attachment_stays_attaching() {
        let ec2 = FakeEc2::new();
        let (vpc, _) = vpc_with_subnets(&ec2).await;
        let g = ec2.create_vpn_gateway(CreateVpnGatewayInput::default()).await.unwrap();
        ec2.find_vpn_gateway(&g.id).await.unwrap();
        ec2.hold(&g.id, true);
        ec2.attach_vpn_gateway(&g.id, &vpc).await.unwrap();
        for _ in 0..3 {
            assert_eq!(ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap().attachments[0].state, "attaching");
        }
        ec2.hold(&g.id, false);
        assert_eq!(ec2.find_vpn_gateway(&g.id).await.unwrap().unwrap().attachments[0].state, "attached");
    }

    #[tokio::test]
    async fn fake_routes_need_attached_gateways() {
        let ec2 = FakeEc2::new();
        let (vpc, _) = vpc_with_subnets(&ec2).await;
        let rt = ec2.find_route_tables(&main_route_table_filters(&vpc)).await.unwrap().remove(0);
        let igw = ec2.create_internet_gateway(&Tags::new()).await.unwrap();
        let to_igw = RouteTarget::Gateway(igw.id.clone());
        assert_eq!(ec2.create_route(&rt.id, "0.0.0.0/0", &to_igw).await.unwrap_err().code, "InvalidParameterValue");
        ec2.attach_internet_gateway(&igw.id, &vpc).await.unwrap();
        ec2.create_route(&rt.id, "0.0.0.0/0", &to_igw).await.unwrap();
        let e = ec2.create_route(&rt.id, "0.0.0.0/0", &to_igw).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.kind), ("RouteAlreadyExists", ErrorKind::AlreadyExists));
        // Routes through peerings (the targets must exist).
        let peer = ec2.create_vpc("10.9.0.0/16", &Tags::new()).await.unwrap();
        let mut pcx_ids = Vec::new();
        for _ in 0..2 {
            let input =
                CreateVpcPeeringInput { vpc_id: vpc.clone(), peer_vpc_id: peer.id.clone(), ..Default::default() };
            pcx_ids.push(ec2.create_vpc_peering_connection(input).await.unwrap().id);
        }
        let pcx = RouteTarget::VpcPeering(pcx_ids[0].clone());
        ec2.create_route(&rt.id, "10.9.0.0/16", &pcx).await.unwrap();
        ec2.replace_route(&rt.id, "10.9.0.0/16", &RouteTarget::VpcPeering(pcx_ids[1].clone())).await.unwrap();
        ec2.detach_internet_gateway(&igw.id, &vpc).await.unwrap();
        let routes = ec2.find_route_table(&rt.id).await.unwrap().unwrap().routes;
        assert_eq!(routes.iter().find(|r| r.destination_cidr_block == "0.0.0.0/0").unwrap().state, "blackhole");
        assert_eq!(
            routes.iter().find(|r| r.destination_cidr_block == "10.9.0.0/16").unwrap().target,
            RouteTarget::VpcPeering(pcx_ids[1].clone())
        );
        ec2.delete_route(&rt.id, "10.9.0.0/16").await.unwrap();
        assert_eq!(ec2.delete_route(&rt.id, "10.9.0.0/16").await.unwrap_err().kind, ErrorKind::NotFound);
        assert_eq!(ec2.delete_route(&rt.id, "10.0.0.0/24").await.unwrap_err().code, "InvalidParameterValue", "local");
    }

    #[tokio::test]
    async fn fake_tags_failures_and_call_log() {
        let ec2 = FakeEc2::new();
        let (vpc, subnets) = vpc_with_subnets(&ec2).await;
        let ids = vec![vpc.clone(), subnets[0].clone()];
        ec2.create_tags(&ids, &tags(&[("team", "data")])).await.unwrap();
        assert_eq!(ec2.find_subnets(&Filters::new().tags(&tags(&[("team", "data")]))).await.unwrap().len(), 1);
        assert_eq!(ec2.ids_tagged("team", "data"), ids);
        ec2.delete_tags(&ids, &["team".to_string()]).await.unwrap();
        assert!(ec2.ids_tagged("team", "data").is_empty());
        assert_eq!(
            ec2.create_tags(&["vpc-nope".to_string()], &Tags::new()).await.unwrap_err().kind,
            ErrorKind::NotFound
        );

        ec2.clear_calls();
        ec2.fail_next("delete_subnet", AwsError::from_code("RequestLimitExceeded", "slow down"));
        assert_eq!(ec2.delete_subnet(&subnets[0]).await.unwrap_err().kind, ErrorKind::Throttled);
        ec2.delete_subnet(&subnets[0]).await.unwrap();
        assert_eq!(ec2.calls(), vec!["delete_subnet", "delete_subnet"]);
        assert_eq!(ec2.call_log()[0], format!("delete_subnet {}", subnets[0]));
    }

    #[test]
    fn cidr_math() {
        assert_eq!(parse_cidr("10.0.0.0/24"), Some((0x0A00_0000, 24)));
        assert_eq!(parse_cidr("10.0.0.1/24"), None);
        assert_eq!(parse_cidr("10.0.0/24"), None);
        assert_eq!(parse_cidr("300.0.0.0/8"), None);
        let vpc = parse_cidr("10.0.0.0/24").unwrap();
        assert!(cidr_contains(vpc, parse_cidr("10.0.0.64/26").unwrap()));
        assert!(!cidr_contains(vpc, parse_cidr("10.0.1.0/26").unwrap()));
        assert!(cidrs_overlap(parse_cidr("10.0.0.0/26").unwrap(), parse_cidr("10.0.0.32/27").unwrap()));
        assert!(!cidrs_overlap(parse_cidr("10.0.0.0/26").unwrap(), parse_cidr("10.0.0.64/26").unwrap()));
    }
}
