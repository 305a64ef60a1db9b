"""EC2 fidelity: dependency checks, VPN gateway states, route propagation, service ENIs.

* ``DeleteSecurityGroup`` -> ``DependencyViolation`` while a network interface,
  an RDS instance or a DMS replication instance uses the group (strict).
* ``DeleteSubnet`` -> ``DependencyViolation`` while a network interface is in
  it (a DMS instance's: only the subnet holding it), or an RDS instance uses a
  subnet group containing it (RDS has no interfaces here) (strict).
* ``DeleteVpc`` -> ``DependencyViolation`` while a network interface, an
  attached internet gateway, a VPN gateway attachment that is not ``detached``,
  or a non-default security group remains (moto checks only subnets, an
  ``attached`` VGW and extra route tables) (strict).
* ``DeleteNetworkInterface`` of an ``in-use`` interface ->
  ``InvalidNetworkInterface.InUse`` (strict).
* ``DescribeNetworkInterfaces`` filters ``status``, ``requester-managed``,
  ``interface-type`` (moto: not implemented).
* VPN gateway attachments: ``attaching`` -> ``attached`` and ``detaching`` ->
  ``detached`` after ``vgw_seconds`` (moto: ``attached`` at once).  Attaching
  a gateway that is attached to another VPC -> ``VpnGatewayAttachmentLimitExceeded``;
  ``DeleteVpnGateway`` while not detached -> ``IncorrectState`` (strict).
* ``EnableVgwRoutePropagation`` / ``DisableVgwRoutePropagation`` (new): the
  route table's ``PropagatingVgws``; enabling needs the gateway ``attached``
  to the table's VPC (``Gateway.NotAttached``).  A completed detach drops the
  gateway from the VPC's route tables.
* ``create_service_eni`` / ``release_service_eni``: the requester-managed
  interfaces DMS creates for a replication instance (used by ``dms_network``).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.ec2.exceptions import EC2ClientError, InvalidVpnGatewayAttachmentError
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ec2.models.route_tables import RouteTable
from moto.ec2.responses import EC2Response

from . import timeline
from .aws_common import (
    existing_dms_backend,
    existing_rds_backend,
    original,
    patch_method,
    strict,
)
from .config import CONFIG

DMS_ENI_DESCRIPTION = "DMSNetworkInterface"


def _error(code: str, message: str) -> EC2ClientError:
    return EC2ClientError(code, message)


# ---------------------------------------------------------------------------
# service-managed network interfaces
# ---------------------------------------------------------------------------

def create_service_eni(
    ec2: Any, subnet_id: str, group_ids: list[str], description: str, requester: str
) -> NetworkInterface:
    eni = ec2.create_network_interface(
        ec2.get_subnet(subnet_id), None, group_ids=list(group_ids), description=description
    )
    eni.status = "in-use"
    eni.requester_managed = True
    eni.requester_id = requester
    return eni


def release_service_eni(ec2: Any, eni_id: str) -> None:
    """The owner is gone: the interface stays behind, ``available`` (AWS's DMS trap)."""
    eni = ec2.enis.get(eni_id)
    if eni is not None:
        eni.status = "available"


def set_eni_groups(ec2: Any, eni_id: str, group_ids: list[str]) -> None:
    eni = ec2.enis.get(eni_id)
    if eni is None:
        return
    groups = [ec2.get_security_group_from_id(g) for g in group_ids]
    eni._group_set = [g for g in groups if g is not None]


def _eni_group_ids(eni: NetworkInterface) -> list[str]:
    return [g.id for g in eni._group_set]


# ---------------------------------------------------------------------------
# who uses what (across services)
# ---------------------------------------------------------------------------

def _rds_instances(account: str, region: str) -> list[Any]:
    rds = existing_rds_backend(account, region)
    return list(rds.databases.values()) if rds is not None else []


def _dms_instances(account: str, region: str) -> list[Any]:
    dms = existing_dms_backend(account, region)
    return list(dms.replication_instances.values()) if dms is not None else []


def _rds_subnet_ids(db: Any) -> list[str]:
    group = getattr(db, "db_subnet_group", None)
    if group is None:
        return []
    return [s.id for s in getattr(group, "_subnets", [])]


def security_group_users(ec2: Any, account: str, region: str, group_id: str) -> list[str]:
    users = [eni.id for eni in ec2.enis.values() if group_id in _eni_group_ids(eni)]
    users += [
        f"rds:{db.db_instance_identifier}"
        for db in _rds_instances(account, region)
        if group_id in (getattr(db, "vpc_security_group_ids", None) or [])
    ]
    users += [
        f"dms:{ri.id}"
        for ri in _dms_instances(account, region)
        if group_id in [g.get("VpcSecurityGroupId") for g in ri.vpc_security_groups]
    ]
    return users


def subnet_users(ec2: Any, account: str, region: str, subnet_id: str) -> list[str]:
    users = [eni.id for eni in ec2.enis.values() if eni.subnet.id == subnet_id]
    users += [
        f"rds:{db.db_instance_identifier}"
        for db in _rds_instances(account, region)
        if subnet_id in _rds_subnet_ids(db)
    ]
    # A DMS instance blocks only the subnet holding its network interface (in ec2.enis above), not
    # every subnet of its replication subnet group: AWS's DependencyViolation comes from the
    # interface (issue 13 item 7; terraform-provider-aws#7600).
    return users


def vpc_dependants(ec2: Any, vpc_id: str) -> list[str]:
    out = [eni.id for eni in ec2.enis.values() if eni.subnet.vpc_id == vpc_id]
    out += [
        igw.id
        for igw in ec2.internet_gateways.values()
        if igw.vpc is not None and igw.vpc.id == vpc_id
    ]
    out += [
        vgw.id
        for vgw in ec2.vpn_gateways.values()
        if (a := vgw.attachments.get(vpc_id)) is not None and a.state != "detached"
    ]
    out += [
        sg.id for sg in ec2.groups.get(vpc_id, {}).values() if not getattr(sg, "is_default", False)
    ]
    return out


# ---------------------------------------------------------------------------
# delete refusals
# ---------------------------------------------------------------------------

def delete_security_group(self: EC2Response) -> Any:
    if strict():
        ec2 = self.ec2_backend
        group_id = self._get_param("GroupId")
        name = self._get_param("GroupName")
        group = None
        if group_id:
            group = ec2.get_security_group_from_id(group_id)
        elif name:
            group = ec2.get_security_group_by_name_or_id(name)
        if group is not None:
            users = security_group_users(ec2, self.current_account, self.region, group.id)
            if users:
                raise _error("DependencyViolation", f"resource {group.id} has a dependent object")
    return original(EC2Response, "delete_security_group")(self)


def delete_subnet(self: EC2Response) -> Any:
    if strict():
        subnet_id = self._get_param("SubnetId")
        ec2 = self.ec2_backend
        if subnet_users(ec2, self.current_account, self.region, subnet_id):
            raise _error(
                "DependencyViolation",
                f"The subnet '{subnet_id}' has dependencies and cannot be deleted.",
            )
    return original(EC2Response, "delete_subnet")(self)


def delete_vpc(self: EC2Response) -> Any:
    if strict():
        vpc_id = self._get_param("VpcId")
        ec2 = self.ec2_backend
        if vpc_id in ec2.vpcs and vpc_dependants(ec2, vpc_id):
            raise _error(
                "DependencyViolation",
                f"The vpc '{vpc_id}' has dependencies and cannot be deleted.",
            )
    return original(EC2Response, "delete_vpc")(self)


def delete_network_interface(self: EC2Response) -> Any:
    if strict():
        eni = self.ec2_backend.enis.get(self._get_param("NetworkInterfaceId"))
        if eni is not None and eni.status == "in-use":
            raise _error(
                "InvalidNetworkInterface.InUse",
                f"Network interface '{eni.id}' is currently in use.",
            )
    return original(EC2Response, "delete_network_interface")(self)


# ---------------------------------------------------------------------------
# VPN gateways
# ---------------------------------------------------------------------------

def _vgw_key(self: EC2Response, vgw_id: str, vpc_id: str) -> tuple[str, ...]:
    return ("ec2-vgw", self.current_account, self.region, vgw_id, vpc_id)


def attach_vpn_gateway(self: EC2Response) -> Any:
    ec2 = self.ec2_backend
    vgw_id = self._get_param("VpnGatewayId")
    vpc_id = self._get_param("VpcId")
    vgw = ec2.get_vpn_gateway(vgw_id)
    ec2.get_vpc(vpc_id)
    if vgw.state in ("deleting", "deleted"):
        raise _error("IncorrectState", f"The virtual private gateway '{vgw_id}' is {vgw.state}.")
    live = {v: a for v, a in vgw.attachments.items() if a.state != "detached"}
    if strict() and any(v != vpc_id for v in live):
        raise _error(
            "VpnGatewayAttachmentLimitExceeded",
            f"The virtual private gateway '{vgw_id}' is already attached to a VPC.",
        )
    if vpc_id in live and live[vpc_id].state in ("attaching", "attached"):
        return ActionResult({"VpcAttachment": live[vpc_id]})
    attachment = ec2.attach_vpn_gateway(vgw_id, vpc_id)
    attachment.state = "attaching"

    def attached(_at: float) -> None:
        attachment.state = "attached"

    timeline.schedule(
        _vgw_key(self, vgw_id, vpc_id), CONFIG.resource_seconds_in("vgw_seconds", "attaching"),
        "attached", attached,
    )
    return ActionResult({"VpcAttachment": attachment})


def detach_vpn_gateway(self: EC2Response) -> Any:
    ec2 = self.ec2_backend
    vgw_id = self._get_param("VpnGatewayId")
    vpc_id = self._get_param("VpcId")
    vgw = ec2.get_vpn_gateway(vgw_id)
    attachment = vgw.attachments.get(vpc_id)
    if attachment is None or attachment.state == "detached":
        raise InvalidVpnGatewayAttachmentError(vgw_id, vpc_id)
    if attachment.state == "detaching":
        return EmptyResult()
    attachment.state = "detaching"

    def detached(_at: float) -> None:
        attachment.state = "detached"
        for table in ec2.route_tables.values():
            if table.vpc_id == vpc_id:
                props = table.__dict__.get("_emu_propagating", [])
                if vgw_id in props:
                    props.remove(vgw_id)

    timeline.schedule(
        _vgw_key(self, vgw_id, vpc_id), CONFIG.resource_seconds_in("vgw_seconds", "detaching"),
        "detached", detached,
    )
    return EmptyResult()


def delete_vpn_gateway(self: EC2Response) -> Any:
    if strict():
        vgw_id = self._get_param("VpnGatewayId")
        vgw = self.ec2_backend.get_vpn_gateway(vgw_id)
        live = [f"{v} ({a.state})" for v, a in vgw.attachments.items() if a.state != "detached"]
        if live:
            raise _error(
                "IncorrectState",
                f"The virtual private gateway '{vgw_id}' is in an incorrect state: "
                f"attached to {', '.join(live)}.",
            )
    return original(EC2Response, "delete_vpn_gateway")(self)


# ---------------------------------------------------------------------------
# route propagation
# ---------------------------------------------------------------------------

def _propagating_vgws(table: RouteTable) -> list[dict[str, str]]:
    return [{"GatewayId": g} for g in table.__dict__.get("_emu_propagating", [])]


def enable_vgw_route_propagation(self: EC2Response) -> Any:
    ec2 = self.ec2_backend
    table = ec2.get_route_table(self._get_param("RouteTableId"))
    vgw_id = self._get_param("GatewayId")
    vgw = ec2.get_vpn_gateway(vgw_id)
    attachment = vgw.attachments.get(table.vpc_id)
    if attachment is None or attachment.state != "attached":
        raise _error(
            "Gateway.NotAttached",
            f"resource {vgw_id} is not attached to network {table.vpc_id}",
        )
    props = table.__dict__.setdefault("_emu_propagating", [])
    if vgw_id not in props:
        props.append(vgw_id)
    return EmptyResult()


def disable_vgw_route_propagation(self: EC2Response) -> Any:
    ec2 = self.ec2_backend
    table = ec2.get_route_table(self._get_param("RouteTableId"))
    vgw_id = self._get_param("GatewayId")
    ec2.get_vpn_gateway(vgw_id)
    props = table.__dict__.get("_emu_propagating", [])
    if vgw_id in props:
        props.remove(vgw_id)
    return EmptyResult()


# ---------------------------------------------------------------------------

_ENI_FILTERS = {
    "status": lambda eni: eni.status,
    "requester-managed": lambda eni: str(bool(eni.requester_managed)).lower(),
    "interface-type": lambda eni: eni.interface_type,
    "requester-id": lambda eni: eni.requester_id,
}

RESPONSE_METHODS = {
    "delete_security_group": delete_security_group,
    "delete_subnet": delete_subnet,
    "delete_vpc": delete_vpc,
    "delete_network_interface": delete_network_interface,
    "attach_vpn_gateway": attach_vpn_gateway,
    "detach_vpn_gateway": detach_vpn_gateway,
    "delete_vpn_gateway": delete_vpn_gateway,
    "enable_vgw_route_propagation": enable_vgw_route_propagation,
    "disable_vgw_route_propagation": disable_vgw_route_propagation,
}

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    for name, fn in RESPONSE_METHODS.items():
        patch_method(EC2Response, name, fn)

    RouteTable.propagating_vgws = property(_propagating_vgws)  # type: ignore[attr-defined]

    original_filter = NetworkInterface.get_filter_value

    def get_filter_value(self: NetworkInterface, filter_name: str, method_name: str | None = None) -> Any:
        if filter_name in _ENI_FILTERS:
            return _ENI_FILTERS[filter_name](self)
        return original_filter(self, filter_name, method_name)

    NetworkInterface.get_filter_value = get_filter_value  # type: ignore[method-assign]
