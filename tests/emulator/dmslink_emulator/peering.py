"""VPC peering fidelity: timed states, AWS's refusals, Describe filters.

Timed states (``peering_seconds`` in the config, see ``config.py``)::

    Create -> initiating-request -> pending-acceptance   (peering_seconds.initiating)
                                 -> failed               (strict: the VPCs' IPv4 CIDRs overlap)
    Accept -> provisioning -> active                     (peering_seconds.provisioning)
    Delete -> deleting -> deleted                        (peering_seconds.deleting; stays listed)

moto: ``pending-acceptance`` at once, ``active`` at once on accept, ``deleted``
at once.  Every state change goes through ``timeline`` (key
``("ec2-pcx", requester account, requester region, pcx id)``), so a delete
supersedes a pending ``active``.

* Unknown ids anywhere (Accept/Reject/Delete/Modify/CreateRoute/ReplaceRoute)
  -> ``InvalidVpcPeeringConnectionID.NotFound`` "The vpcPeeringConnection ID
  'pcx-...' does not exist" (moto: ``InvalidVpcPeeringConnectionId.NotFound``).
* ``DescribeVpcPeeringConnections``: an unknown id in
  ``VpcPeeringConnectionIds`` -> the same error (strict; moto: left out of the
  list).  ``Filters`` honoured (moto ignores them): ``vpc-peering-connection-id``,
  ``status-code``, ``status-message``, ``{requester,accepter}-vpc-info.{vpc-id,
  cidr-block,owner-id,region}``, ``tag:<key>``, ``tag-key``, ``tag-value``,
  ``expiration-time`` (never matches); values take ``*``/``?`` wildcards;
  other names -> ``InvalidParameterValue`` "The filter '...' is invalid".
* ``AcceptVpcPeeringConnection`` outside ``pending-acceptance`` ->
  ``InvalidStateTransition`` "Invalid state transition for pcx-..., attempted
  to transition from <state> to provisioning" (moto's cross-account and
  cross-region rules stay: ``OperationNotPermitted``).
* ``DeleteVpcPeeringConnection`` of a ``failed``, ``rejected``, ``expired`` or
  ``deleted`` one -> ``InvalidStateTransition`` "... attempted to transition
  from failed to deleting" (strict); of a ``deleting`` one: no-op.
* ``ModifyVpcPeeringConnectionOptions`` (strict):
  - not ``active`` -> ``OperationNotPermitted`` "Peering pcx-... is not
    active. Peering options can be added only to active peerings.";
  - the other account's side -> ``OperationNotPermitted`` "User <account>
    does not have permission to modify the accepter side peering options"
    (or ``requester``);
  - a side from the wrong region (cross-region) -> ``OperationNotPermitted``
    "Requester's VPC Peering connection options cannot be modified for a
    different region" (or ``Accepter's``);
  - ClassicLink flags on a cross-region peering -> ``OperationNotPermitted``
    "Modifying VPC peering connection options AllowEgressFromLocalClassicLinkToRemoteVpc,
    AllowEgressFromLocalVpcToRemoteClassicLink is not supported for
    cross-region VPC peering connections" (the flags sent).
  Sending only ``AllowDnsResolutionFromRemoteVpc`` is enough; the flags are
  stored per side and shown in ``{Requester,Accepter}VpcInfo.PeeringOptions``.
* Routes whose target is a peering in ``deleting``/``deleted``/``failed``/
  ``rejected``/``expired`` report ``State: blackhole`` (moto: always ``active``).

Cross-account: moto keeps one connection object in the backends of both
accounts (and regions), so both sides see the same state.  Credentials of an
assumed role (``sts:AssumeRole`` of ``arn:aws:iam::<other>:role/<any>``) act in
``<other>``; nothing here assumes one account.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError, OperationNotPermitted2, OperationNotPermitted5
from moto.ec2.models.route_tables import Route
from moto.ec2.models.vpc_peering_connections import (
    VPCPeeringConnection,
    VPCPeeringConnectionBackend,
)
from moto.ec2.responses import EC2Response

from . import timeline
from .aws_common import patch_method, strict
from .config import CONFIG

GROUP = "peering_seconds"
# States a peering never leaves on its own; delete is refused from them (AWS).
TERMINAL = ("failed", "rejected", "expired", "deleted")
# Routes to a peering in these states are blackholes.
DEAD = ("deleting", *TERMINAL)
CLASSIC_LINK_FLAGS = (
    "AllowEgressFromLocalClassicLinkToRemoteVpc",
    "AllowEgressFromLocalVpcToRemoteClassicLink",
)


def _error(code: str, message: str) -> EC2ClientError:
    return EC2ClientError(code, message)


def not_found(pcx_id: str) -> EC2ClientError:
    return _error(
        "InvalidVpcPeeringConnectionID.NotFound",
        f"The vpcPeeringConnection ID '{pcx_id}' does not exist",
    )


def invalid_transition(pcx_id: str, current: str, target: str) -> EC2ClientError:
    return _error(
        "InvalidStateTransition",
        f"Invalid state transition for {pcx_id}, attempted to transition from {current} to {target}",
    )


def _set_status(pcx: VPCPeeringConnection, code: str, message: str) -> None:
    pcx._status.code = code
    pcx._status.message = message


def _key(pcx: VPCPeeringConnection) -> tuple[str, ...]:
    return ("ec2-pcx", pcx.vpc.owner_id, pcx.vpc.region, pcx.id)


def _get(backend: Any, pcx_id: str) -> VPCPeeringConnection:
    pcx = backend.vpc_pcxs.get(pcx_id) if pcx_id else None
    if pcx is None:
        raise not_found(pcx_id)
    return pcx


def _ipv4_cidrs(vpc: Any) -> list[str]:
    """The VPC's primary and associated IPv4 CIDR blocks."""
    cidrs = [vpc.cidr_block] if vpc.cidr_block else []
    for assoc in vpc.get_cidr_block_association_set(ipv6=False):
        cidr = assoc.get("cidr_block")
        state = (assoc.get("cidr_block_state") or {}).get("state", "associated")
        if cidr and cidr not in cidrs and state in ("associated", "associating"):
            cidrs.append(cidr)
    return cidrs


def _overlap(vpc: Any, peer: Any) -> bool:
    for a in _ipv4_cidrs(vpc):
        for b in _ipv4_cidrs(peer):
            try:
                if ipaddress.ip_network(a, strict=False).overlaps(ipaddress.ip_network(b, strict=False)):
                    return True
            except ValueError:
                continue
    return False


# ---------------------------------------------------------------------------
# backend: AWS's not-found error everywhere (CreateRoute, ReplaceRoute ...)
# ---------------------------------------------------------------------------

def get_vpc_peering_connection(self: Any, vpc_pcx_id: str) -> VPCPeeringConnection:
    return _get(self, vpc_pcx_id)


# ---------------------------------------------------------------------------
# responses
# ---------------------------------------------------------------------------

def create_vpc_peering_connection(self: EC2Response) -> Any:
    from moto.ec2.models import ec2_backends

    tags = self._parse_tag_specification().get("vpc-peering-connection", {})
    peer_account = self._get_param("PeerOwnerId") or self.current_account
    peer_region = self._get_param("PeerRegion") or self.region
    vpc = self.ec2_backend.get_vpc(self._get_param("VpcId"))
    peer_vpc = ec2_backends[peer_account][peer_region].get_vpc(self._get_param("PeerVpcId"))
    pcx = self.ec2_backend.create_vpc_peering_connection(vpc, peer_vpc, tags)
    _set_status(pcx, "initiating-request", f"Initiating Request to {peer_vpc.owner_id}")
    overlapping = strict() and _overlap(vpc, peer_vpc)

    def initiated(_at: float) -> None:
        if pcx._status.code != "initiating-request":
            return
        if overlapping:
            _set_status(pcx, "failed", "Overlapping CIDR range")
        else:
            _set_status(pcx, "pending-acceptance", f"Pending Acceptance by {peer_vpc.owner_id}")

    timeline.schedule(
        _key(pcx), CONFIG.resource_seconds_in(GROUP, "initiating"),
        "failed" if overlapping else "pending-acceptance", initiated,
    )
    return ActionResult({"VpcPeeringConnection": pcx})


def accept_vpc_peering_connection(self: EC2Response) -> Any:
    backend = self.ec2_backend
    pcx = _get(backend, self._get_param("VpcPeeringConnectionId"))
    requester, accepter = pcx.vpc, pcx.peer_vpc
    if requester.owner_id != accepter.owner_id and self.current_account != accepter.owner_id:
        raise OperationNotPermitted5(self.current_account, pcx.id, "accept")
    if requester.region != accepter.region and self.region == requester.region:
        raise OperationNotPermitted2(self.region, pcx.id, accepter.region)
    if pcx._status.code != "pending-acceptance":
        raise invalid_transition(pcx.id, pcx._status.code, "provisioning")
    _set_status(pcx, "provisioning", "Provisioning")

    def activated(_at: float) -> None:
        if pcx._status.code == "provisioning":
            _set_status(pcx, "active", "Active")

    timeline.schedule(_key(pcx), CONFIG.resource_seconds_in(GROUP, "provisioning"), "active", activated)
    return ActionResult({"VpcPeeringConnection": pcx})


def delete_vpc_peering_connection(self: EC2Response) -> Any:
    pcx = _get(self.ec2_backend, self._get_param("VpcPeeringConnectionId"))
    code = pcx._status.code
    if code == "deleting":
        return ActionResult({"Return": True})
    if code in TERMINAL:
        if strict():
            raise invalid_transition(pcx.id, code, "deleting")
        return ActionResult({"Return": True})
    deleter = self.current_account
    _set_status(pcx, "deleting", f"Deleting by {deleter}")

    def deleted(_at: float) -> None:
        if pcx._status.code == "deleting":
            _set_status(pcx, "deleted", f"Deleted by {deleter}")

    timeline.schedule(_key(pcx), CONFIG.resource_seconds_in(GROUP, "deleting"), "deleted", deleted)
    return ActionResult({"Return": True})


def modify_vpc_peering_connection_options(self: EC2Response) -> Any:
    pcx = _get(self.ec2_backend, self._get_param("VpcPeeringConnectionId"))
    accepter_options = self._get_param("AccepterPeeringConnectionOptions", {}) or {}
    requester_options = self._get_param("RequesterPeeringConnectionOptions", {}) or {}
    if strict():
        if pcx._status.code != "active":
            raise _error(
                "OperationNotPermitted",
                f"Peering {pcx.id} is not active. Peering options can be added only to active peerings.",
            )
        cross_region = pcx.vpc.region != pcx.peer_vpc.region
        for side, options, vpc in (
            ("requester", requester_options, pcx.vpc),
            ("accepter", accepter_options, pcx.peer_vpc),
        ):
            if not options:
                continue
            if self.current_account != vpc.owner_id:
                raise _error(
                    "OperationNotPermitted",
                    f"User {self.current_account} does not have permission to modify the "
                    f"{side} side peering options",
                )
            if cross_region and self.region != vpc.region:
                raise _error(
                    "OperationNotPermitted",
                    f"{side.capitalize()}'s VPC Peering connection options cannot be modified "
                    "for a different region",
                )
        if cross_region:
            sent = [f for f in CLASSIC_LINK_FLAGS if f in requester_options or f in accepter_options]
            if sent:
                raise _error(
                    "OperationNotPermitted",
                    f"Modifying VPC peering connection options {', '.join(sent)} is not supported "
                    "for cross-region VPC peering connections",
                )
    for options, target in ((accepter_options, pcx.accepter_options), (requester_options, pcx.requester_options)):
        for name, value in options.items():
            if name in target:
                target[name] = value if isinstance(value, bool) else str(value).lower() == "true"
    result: dict[str, Any] = {}
    if accepter_options:
        result["AccepterPeeringConnectionOptions"] = pcx.accepter_options
    if requester_options:
        result["RequesterPeeringConnectionOptions"] = pcx.requester_options
    return ActionResult(result)


# -- DescribeVpcPeeringConnections ------------------------------------------

def _vpc_info_values(vpc: Any, field: str) -> list[str]:
    if field == "vpc-id":
        return [vpc.id]
    if field == "cidr-block":
        return _ipv4_cidrs(vpc)
    if field == "owner-id":
        return [vpc.owner_id]
    if field == "region":
        return [vpc.region]
    raise KeyError(field)


def _filter_values(pcx: VPCPeeringConnection, name: str) -> list[str] | None:
    """The values of ``pcx`` for filter ``name``; None for an unknown filter."""
    tags = {t["key"]: t["value"] for t in pcx.get_tags()}
    if name == "vpc-peering-connection-id":
        return [pcx.id]
    if name == "status-code":
        return [pcx._status.code]
    if name == "status-message":
        return [pcx._status.message]
    if name == "expiration-time":
        return []
    if name.startswith("tag:"):
        key = name[len("tag:"):]
        return [tags[key]] if key in tags else []
    if name == "tag-key":
        return list(tags)
    if name == "tag-value":
        return list(tags.values())
    for prefix, vpc in (("requester-vpc-info.", pcx.vpc), ("accepter-vpc-info.", pcx.peer_vpc)):
        if name.startswith(prefix):
            try:
                return _vpc_info_values(vpc, name[len(prefix):])
            except KeyError:
                return None
    return None


def _pattern(value: str) -> re.Pattern[str]:
    """AWS filter value: ``*`` any run, ``?`` one character, ``\\`` escapes."""
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            out.append(re.escape(value[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _matches(pcx: VPCPeeringConnection, filters: dict[str, list[str]]) -> bool:
    for name, wanted in filters.items():
        have = _filter_values(pcx, name) or []
        patterns = [_pattern(str(w)) for w in wanted]
        if not any(p.fullmatch(v) for p in patterns for v in have):
            return False
    return True


def describe_vpc_peering_connections(self: EC2Response) -> Any:
    backend = self.ec2_backend
    ids = self._get_param("VpcPeeringConnectionIds", []) or []
    filters = self._filters_from_querystring()
    pcxs = list(backend.vpc_pcxs.values())
    if ids:
        missing = [i for i in ids if i not in backend.vpc_pcxs]
        if missing and strict():
            raise not_found(missing[0])
        pcxs = [p for p in pcxs if p.id in ids]
    for name in filters:
        if not _known_filter(name):
            raise _error("InvalidParameterValue", f"The filter '{name}' is invalid")
    pcxs = [p for p in pcxs if _matches(p, filters)]
    return ActionResult({"VpcPeeringConnections": pcxs})


def _known_filter(name: str) -> bool:
    if name in ("vpc-peering-connection-id", "status-code", "status-message", "expiration-time",
                "tag-key", "tag-value") or name.startswith("tag:"):
        return True
    for prefix in ("requester-vpc-info.", "accepter-vpc-info."):
        if name.startswith(prefix) and name[len(prefix):] in ("vpc-id", "cidr-block", "owner-id", "region"):
            return True
    return False


# ---------------------------------------------------------------------------

def _route_state(self: Route) -> str:
    pcx = self.vpc_pcx
    if pcx is not None and pcx._status.code in DEAD:
        return "blackhole"
    return "active"


RESPONSE_METHODS = {
    "create_vpc_peering_connection": create_vpc_peering_connection,
    "accept_vpc_peering_connection": accept_vpc_peering_connection,
    "delete_vpc_peering_connection": delete_vpc_peering_connection,
    "modify_vpc_peering_connection_options": modify_vpc_peering_connection_options,
    "describe_vpc_peering_connections": describe_vpc_peering_connections,
}

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    for name, fn in RESPONSE_METHODS.items():
        patch_method(EC2Response, name, fn)
    patch_method(VPCPeeringConnectionBackend, "get_vpc_peering_connection", get_vpc_peering_connection)
    Route.state = property(_route_state)  # type: ignore[assignment,method-assign]
