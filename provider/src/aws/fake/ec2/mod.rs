//! `FakeEc2`: an in-memory EC2 with the ordering rules a stack's create and destroy must respect.
//!
//! Time passes as tokio's clock does (paused in unit tests, see [`super::timeline`]): an object
//! answers with its transitional state and reaches the next one once the emulator's time for that
//! state has passed ([`timing`]), however often it is described.
//!
//! | object | create answers | then | later |
//! |---|---|---|---|
//! | VPC (with its main route table and `default` security group) | `pending` | `available` at once | |
//! | subnet | `pending` | `available` at once | |
//! | VPN gateway | `pending` | `available` at once | delete: `deleting` → `deleted` at once (still listed) |
//! | VGW attachment | `attaching` | `attached` after 1 s | detach: `detaching` → `detached` after 1 s (still listed) |
//! | internet gateway | no state; attachment `available` at once | | |
//! | VPC peering | `initiating-request` | `pending-acceptance` after 0.5 s (`failed` when the CIDRs overlap or the peer VPC is unknown) | accept: `provisioning` → `active` after 1 s; delete: `deleting` → `deleted` after 1 s (still listed) |
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

mod api;
mod filters;
mod gateways;
mod peering;
mod routes;
mod security_groups;
#[cfg(test)]
mod tests;
mod vpcs;

use filters::*;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use async_trait::async_trait;

use super::timeline::Life;
use super::{Recorder, locked};
use crate::aws::ec2::{
    AvailabilityZone, CreateSecurityGroupInput, CreateSubnetInput, CreateVpcPeeringInput, CreateVpnGatewayInput,
    Ec2Api, Filters, GatewayAttachment, InternetGateway, NetworkInterface, PeerSide, Route, RouteTable,
    RouteTableAssociation, RouteTarget, RuleDirection, RulePeer, SecurityGroup, SecurityGroupRule, SgRule, Subnet,
    Tags, Vpc, VpcAttribute, VpcPeering, VpnConnection, VpnGateway,
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
    "find_vpn_connections",
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

/// Operations whose answer [`FakeEc2::lose_next_answer`] can lose: those that change something.
pub const LOSABLE_OPS: &[&str] = &[
    "create_vpc",
    "delete_vpc",
    "modify_vpc_attribute",
    "create_subnet",
    "delete_subnet",
    "create_security_group",
    "delete_security_group",
    "authorize_security_group_ingress",
    "authorize_security_group_egress",
    "revoke_security_group_ingress",
    "revoke_security_group_egress",
    "create_internet_gateway",
    "attach_internet_gateway",
    "detach_internet_gateway",
    "delete_internet_gateway",
    "create_vpn_gateway",
    "attach_vpn_gateway",
    "detach_vpn_gateway",
    "delete_vpn_gateway",
    "enable_vgw_route_propagation",
    "disable_vgw_route_propagation",
    "create_route",
    "replace_route",
    "delete_route",
    "create_vpc_peering_connection",
    "accept_vpc_peering_connection",
    "modify_vpc_peering_dns",
    "delete_vpc_peering_connection",
    "delete_network_interface",
    "create_tags",
    "delete_tags",
];

/// How long EC2's transitional states last: the emulator's defaults, so that an object's history
/// here is the one it has against the emulator.
mod timing {
    use super::Duration;

    /// VPCs, subnets and new VPN gateways answer `pending` from the create, as AWS does, and are
    /// `available` at once: moto makes them `available` when created and the emulator keeps that
    /// (`tests/emulator/dmslink_emulator/ec2_ext.py` times only VGW attachments).
    pub(super) const PENDING: Duration = Duration::ZERO;
    /// A deleted VPN gateway is `deleted` at once and stays listed (moto's `delete_vpn_gateway`,
    /// which the emulator calls after its `IncorrectState` check).
    pub(super) const VGW_DELETING: Duration = Duration::ZERO;
    /// `vgw_seconds.attaching` and `.detaching`: 1 s each by default
    /// (`tests/emulator/dmslink_emulator/config.py`, `DEFAULT_RESOURCE_SECONDS`;
    /// `DMSLINK_EMU_VGW_{ATTACHING,DETACHING}_SECONDS` in `tests/emulator/README.md`).
    pub(super) const VGW_ATTACHING: Duration = Duration::from_secs(1);
    pub(super) const VGW_DETACHING: Duration = Duration::from_secs(1);
    /// `peering_seconds.initiating`: 0.5 s (`config.py`, `RESOURCE_DEFAULTS`).
    pub(super) const PEERING_INITIATING: Duration = Duration::from_millis(500);
    /// `peering_seconds.provisioning` and `.deleting`: 1 s each (`config.py`,
    /// `DEFAULT_RESOURCE_SECONDS`; `tests/emulator/dmslink_emulator/peering.py`).
    pub(super) const PEERING_PROVISIONING: Duration = Duration::from_secs(1);
    pub(super) const PEERING_DELETING: Duration = Duration::from_secs(1);
}

struct VpcRec {
    vpc: Vpc,
    life: Life,
    dns_support: bool,
    dns_hostnames: bool,
}

impl VpcRec {
    fn view(&self) -> Vpc {
        Vpc { state: self.life.status.clone(), ..self.vpc.clone() }
    }
}

struct SubnetRec {
    subnet: Subnet,
    life: Life,
}

impl SubnetRec {
    fn view(&self) -> Subnet {
        Subnet { state: self.life.status.clone(), ..self.subnet.clone() }
    }
}

struct SgRec {
    sg: SecurityGroup,
    rules: Vec<SecurityGroupRule>,
    is_default: bool,
}

struct VgwAttachmentRec {
    vpc_id: String,
    life: Life,
}

struct VgwRec {
    vgw: VpnGateway,
    life: Life,
    attachments: Vec<VgwAttachmentRec>,
}

impl VgwRec {
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
    life: Life,
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

#[derive(Default)]
struct State {
    peerings: BTreeMap<String, PeeringRec>,
    vpcs: BTreeMap<String, VpcRec>,
    subnets: BTreeMap<String, SubnetRec>,
    sgs: BTreeMap<String, SgRec>,
    igws: BTreeMap<String, InternetGateway>,
    vgws: BTreeMap<String, VgwRec>,
    /// Made outside the provider ([`FakeEc2::add_vpn_connection`]), as on-premises links are.
    vpn_connections: BTreeMap<String, VpnConnection>,
    rts: BTreeMap<String, RouteTable>,
    enis: BTreeMap<String, NetworkInterface>,
    azs: Vec<AvailabilityZone>,
    held: HashSet<String>,
    rec: Recorder,
    counter: u64,
}

impl State {
    /// Applies the transitions due by now (objects held stay as they are).
    fn tick(&mut self) {
        let held = &self.held;
        for r in self.vpcs.values_mut().filter(|r| !held.contains(&r.vpc.id)) {
            r.life.advance();
        }
        for r in self.subnets.values_mut().filter(|r| !held.contains(&r.subnet.id)) {
            r.life.advance();
        }
        for r in self.vgws.values_mut().filter(|r| !held.contains(&r.vgw.id)) {
            r.life.advance();
            for a in &mut r.attachments {
                a.life.advance();
            }
        }
        for r in self.peerings.values_mut().filter(|r| !held.contains(&r.peering.id)) {
            let message = &mut r.peering.status_message;
            r.life.advance_each(|_, to| {
                if to == "active" {
                    *message = "Active".to_string();
                }
            });
        }
    }

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

fn route_table_not_found(id: &str) -> AwsError {
    err("InvalidRouteTableID.NotFound", format!("The routeTable ID '{id}' does not exist"))
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
        locked(&a.linked).push(Arc::downgrade(b));
        locked(&b.linked).push(Arc::downgrade(a));
    }

    /// The linked fakes still alive.
    fn world(&self) -> Vec<Arc<FakeEc2>> {
        locked(&self.linked).iter().filter_map(Weak::upgrade).collect()
    }

    /// The state as of now: the transitions due have happened (as the emulator applies them
    /// before every call), so what a caller sees depends on time, not on how often it looks.
    fn lock(&self) -> MutexGuard<'_, State> {
        let mut st = locked(&self.state);
        st.tick();
        st
    }

    // ---- test controls -------------------------------------------------------------------

    recorder_controls!("FakeEc2");

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

    /// While held, this object (VPC, subnet, VPN gateway and its attachments, or VPC peering)
    /// stays in the state it was put in — to exercise timeouts, or to see a `pending` that lasts
    /// no time; released, the transitions due meanwhile apply.
    pub fn hold(&self, id: &str, held: bool) {
        // Not `lock()`: a transition due but not applied yet waits too.
        let mut st = locked(&self.state);
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

    /// The subnet as it is now (no call recorded).
    pub fn subnet(&self, id: &str) -> Option<Subnet> {
        self.lock().subnets.get(id).map(SubnetRec::view)
    }

    /// The VPCs and zones of these subnets, each once, as DMS and RDS check a subnet group's
    /// subnets; `Err` names the first subnet that does not exist.
    pub fn subnet_spread(&self, subnet_ids: &[String]) -> Result<(Vec<String>, Vec<String>), String> {
        let st = self.lock();
        let (mut vpcs, mut azs) = (Vec::new(), Vec::new());
        for id in subnet_ids {
            let s = &st.subnets.get(id).ok_or_else(|| id.clone())?.subnet;
            if !vpcs.contains(&s.vpc_id) {
                vpcs.push(s.vpc_id.clone());
            }
            if !azs.contains(&s.availability_zone) {
                azs.push(s.availability_zone.clone());
            }
        }
        Ok((vpcs, azs))
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
