"""Site-to-Site VPN connections on a virtual private gateway, as far as reachability needs them.

moto 5.2.5: ``CreateVpnConnection`` answers ``available`` at once, ignores
``Options`` and never checks ``VpnGatewayId``; ``DeleteVpnConnection`` is
``deleted`` at once; ``CreateVpnConnectionRoute`` / ``DeleteVpnConnectionRoute``
are not implemented (HTTP 500).  Here (each rule cites the EC2 API reference,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_<Operation>.html):

* ``CreateVpnConnection`` (``API_CreateVpnConnection``): the customer gateway
  and the VPN gateway must exist (``InvalidCustomerGatewayID.NotFound``,
  ``InvalidVpnGatewayID.NotFound``), the gateway not ``deleting``/``deleted``
  (``IncorrectState``); ``Options.StaticRoutesOnly`` is stored (default false:
  BGP).  The connection answers ``pending`` and is ``available`` after
  ``vpn_seconds.pending`` (``VpnState``: pending | available | deleting |
  deleted, ``API_VpnConnection``); its two tunnels (``VgwTelemetry``) are
  ``DOWN`` while pending and ``UP`` once available (the emulator's on-premises
  device is always there).
* ``DeleteVpnConnection`` (``API_DeleteVpnConnection``): ``deleting``, then
  ``deleted`` after ``vpn_seconds.deleting``; stays listed as ``deleted`` (as
  AWS lists deleted connections for a while); its static routes go with it.
  Deleting a ``deleted`` one -> ``InvalidVpnConnectionID.NotFound`` (what
  terraform-provider-aws treats as gone); a ``deleting`` one: no-op.
* ``CreateVpnConnectionRoute`` / ``DeleteVpnConnectionRoute`` (new;
  ``API_CreateVpnConnectionRoute``, ``API_DeleteVpnConnectionRoute``,
  ``API_VpnStaticRoute``): a static route ``pending`` -> ``available`` after
  ``vpn_seconds.route`` (terraform-provider-aws waits 15 s for exactly this,
  ``waitVPNConnectionRouteCreated``); delete: ``deleting``, then gone.  Unknown
  or ``deleted`` connection -> ``InvalidVpnConnectionID.NotFound``; a
  ``deleting`` one -> ``IncorrectState``; a connection without
  ``StaticRoutesOnly`` -> ``InvalidVpnConnection.InvalidType`` (the stricter
  plausible answer: AWS documents static routes for static-routing
  connections only; its code is not documented); a malformed CIDR ->
  ``InvalidParameterValue``; the same CIDR twice -> ``RouteAlreadyExists``;
  deleting a route that is not there -> ``InvalidRoute.NotFound``.
* ``DescribeVpnConnections`` filters (``API_DescribeVpnConnections``):
  ``vpn-connection-id``, ``state``, ``customer-gateway-id``, ``vpn-gateway-id``,
  ``type``, ``option.static-routes-only``, ``route.destination-cidr-block``,
  ``tag:<key>``, ``tag-key``, ``tag-value``; any other name ->
  ``InvalidParameterValue`` (moto: HTTP 500 for most names).
* ``DeleteVpnGateway`` while a VPN connection that is not ``deleted`` uses the
  gateway -> ``IncorrectState`` "The VPN gateway is in use."
  (terraform-provider-aws#5831) (strict).
* ``DetachVpnGateway`` while a connection on the gateway is ``pending`` or
  ``deleting`` -> ``InvalidParameterValue`` "This call cannot be completed
  because there are pending VPNs or Virtual Interfaces"
  (terraform-provider-aws#11720 retries exactly this) (strict).  An ``available``
  connection does not hold the detach (``API_DetachVpnGateway`` documents no such
  refusal): it stays on the gateway, ``available``, with its tunnels, and goes
  with the gateway to the next VPC it is attached to (``network.vpn_gateway_id``).

Reachability (``reachability.py``) asks :func:`connections_of` which
connections a gateway has and which prefixes each routes.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.ec2.exceptions import EC2ClientError, InvalidVpnConnectionIdError
from moto.ec2.models.vpn_connections import VPNConnection
from moto.ec2.responses import EC2Response

from . import timeline
from .aws_common import patch_method, strict
from .config import CONFIG

GROUP = "vpn_seconds"
FILTERS = (
    "vpn-connection-id",
    "state",
    "customer-gateway-id",
    "vpn-gateway-id",
    "type",
    "option.static-routes-only",
    "route.destination-cidr-block",
    "tag-key",
    "tag-value",
)
TUNNEL_OUTSIDE = ("52.2.144.13", "52.2.144.14")


def _error(code: str, message: str) -> EC2ClientError:
    return EC2ClientError(code, message)


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _key(self: EC2Response, vpn_id: str, *rest: str) -> tuple[str, ...]:
    return ("ec2-vpn", self.current_account, self.region, vpn_id, *rest)


# ---------------------------------------------------------------------------
# the connection's state and its wire form
# ---------------------------------------------------------------------------

def _init(conn: VPNConnection, static_only: bool) -> None:
    conn.state = "pending"
    conn._emu_static_only = static_only  # type: ignore[attr-defined]
    conn._emu_routes = []  # type: ignore[attr-defined]  # [{"cidr", "state"}]
    conn._emu_since = time.time()  # type: ignore[attr-defined]
    _refresh(conn)


def _refresh(conn: VPNConnection) -> None:
    """Recompute the attributes moto's serializer reads (Options, Routes, VgwTelemetry)."""
    state = conn.state
    conn.category = "VPN"  # type: ignore[attr-defined]
    conn.options = {  # type: ignore[assignment]
        "EnableAcceleration": False,
        "StaticRoutesOnly": bool(getattr(conn, "_emu_static_only", False)),
        "LocalIpv4NetworkCidr": "0.0.0.0/0",
        "RemoteIpv4NetworkCidr": "0.0.0.0/0",
        "OutsideIpAddressType": "PublicIpv4",
        "TunnelInsideIpVersion": "ipv4",
    }
    conn.routes = [  # type: ignore[attr-defined]
        {"DestinationCidrBlock": r["cidr"], "Source": "Static", "State": r["state"]}
        for r in getattr(conn, "_emu_routes", [])
    ]
    up = state == "available"
    conn.vgw_telemetry = [  # type: ignore[attr-defined]
        {
            "AcceptedRouteCount": 0 if getattr(conn, "_emu_static_only", False) or not up else 1,
            "LastStatusChange": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "OutsideIpAddress": ip,
            "Status": "UP" if up else "DOWN",
            "StatusMessage": "" if up else "IPSEC IS DOWN",
        }
        for ip in TUNNEL_OUTSIDE
    ] if state in ("pending", "available") else []


def _set_state(conn: VPNConnection, state: str) -> None:
    conn.state = state
    if state in ("deleting", "deleted"):
        for r in getattr(conn, "_emu_routes", []):
            r["state"] = state
        if state == "deleted":
            conn._emu_routes = []  # type: ignore[attr-defined]
    _refresh(conn)


def _get(self: EC2Response, vpn_id: Any) -> VPNConnection:
    conn = self.ec2_backend.vpn_connections.get(vpn_id) if isinstance(vpn_id, str) else None
    if conn is None or conn.state == "deleted":
        raise InvalidVpnConnectionIdError(str(vpn_id))
    return conn


def connections_of(ec2: Any, vgw_id: str) -> list[VPNConnection]:
    """The VPN connections (any state) on a virtual private gateway."""
    return [c for c in ec2.vpn_connections.values() if c.vpn_gateway_id == vgw_id]


def routed_prefixes(conn: VPNConnection) -> list[ipaddress.IPv4Network] | None:
    """What an ``available`` connection routes: its ``available`` static routes, or
    ``None`` for a BGP connection (the on-premises side advertises its networks)."""
    if not getattr(conn, "_emu_static_only", False):
        return None
    out = []
    for r in getattr(conn, "_emu_routes", []):
        if r["state"] == "available":
            out.append(ipaddress.ip_network(r["cidr"], strict=False))
    return out


def is_static_only(conn: VPNConnection) -> bool:
    return bool(getattr(conn, "_emu_static_only", False))


# ---------------------------------------------------------------------------
# response methods
# ---------------------------------------------------------------------------

def create_vpn_connection(self: EC2Response) -> Any:
    ec2 = self.ec2_backend
    vgw_id = self._get_param("VpnGatewayId")
    cgw_id = self._get_param("CustomerGatewayId")
    options = self._get_param("Options") or {}
    static_only = _flag(options.get("StaticRoutesOnly")) if isinstance(options, dict) else False
    if not isinstance(options, dict):
        static_only = _flag(self._get_param("Options.StaticRoutesOnly"))
    ec2.get_customer_gateway(cgw_id)
    if vgw_id:
        vgw = ec2.get_vpn_gateway(vgw_id)  # InvalidVpnGatewayID.NotFound
        if vgw.state in ("deleting", "deleted"):
            raise _error("IncorrectState", f"The virtual private gateway '{vgw_id}' is {vgw.state}.")
    before = set(ec2.vpn_connections)
    result = EC2Response.__dict__["_emu_vpn_orig_create"](self)
    conn = next((c for i, c in ec2.vpn_connections.items() if i not in before), None)
    if conn is None:  # pragma: no cover - moto always creates one
        return result
    _init(conn, static_only)

    def available(_at: float) -> None:
        if conn.state == "pending":
            _set_state(conn, "available")

    timeline.schedule(_key(self, conn.id), CONFIG.resource_seconds_in(GROUP, "pending"), "available", available)
    return ActionResult({"VpnConnection": conn})


def delete_vpn_connection(self: EC2Response) -> Any:
    conn = _get(self, self._get_param("VpnConnectionId"))
    if conn.state == "deleting":
        return EmptyResult()
    for r in list(getattr(conn, "_emu_routes", [])):
        timeline.cancel(_key(self, conn.id, r["cidr"]))
    _set_state(conn, "deleting")

    def deleted(_at: float) -> None:
        _set_state(conn, "deleted")

    timeline.schedule(_key(self, conn.id), CONFIG.resource_seconds_in(GROUP, "deleting"), "deleted", deleted)
    return EmptyResult()


def _cidr(value: Any) -> str:
    try:
        net = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        raise _error("InvalidParameterValue", f"Value ({value}) for parameter destinationCidrBlock is invalid. "
                     "This is not a valid CIDR block.") from None
    if net.version != 4:
        raise _error("InvalidParameterValue", f"Value ({value}) for parameter destinationCidrBlock is invalid.")
    return str(net)


def create_vpn_connection_route(self: EC2Response) -> Any:
    conn = _get(self, self._get_param("VpnConnectionId"))
    cidr = _cidr(self._get_param("DestinationCidrBlock"))
    if conn.state == "deleting":
        raise _error("IncorrectState", f"The VPN connection '{conn.id}' is in state deleting.")
    if strict() and not is_static_only(conn):
        raise _error(
            "InvalidVpnConnection.InvalidType",
            f"The VPN connection '{conn.id}' does not use static routing (Options.StaticRoutesOnly is false).",
        )
    routes = conn._emu_routes  # type: ignore[attr-defined]
    if any(r["cidr"] == cidr for r in routes):
        raise _error("RouteAlreadyExists", f"The route identified by {cidr} already exists.")
    route = {"cidr": cidr, "state": "pending"}
    routes.append(route)
    _refresh(conn)

    def available(_at: float) -> None:
        if route["state"] == "pending":
            route["state"] = "available"
            _refresh(conn)

    timeline.schedule(_key(self, conn.id, cidr), CONFIG.resource_seconds_in(GROUP, "route"), "available", available)
    return EmptyResult()


def delete_vpn_connection_route(self: EC2Response) -> Any:
    conn = _get(self, self._get_param("VpnConnectionId"))
    cidr = _cidr(self._get_param("DestinationCidrBlock"))
    routes = conn._emu_routes  # type: ignore[attr-defined]
    route = next((r for r in routes if r["cidr"] == cidr and r["state"] in ("pending", "available")), None)
    if route is None:
        raise _error("InvalidRoute.NotFound", f"The route identified by {cidr} does not exist for {conn.id}.")
    route["state"] = "deleting"
    _refresh(conn)

    def gone(_at: float) -> None:
        if route in routes:
            routes.remove(route)
        _refresh(conn)

    timeline.schedule(_key(self, conn.id, cidr), CONFIG.resource_seconds_in(GROUP, "route"), "deleted", gone)
    return EmptyResult()


def _filter_values(conn: VPNConnection, name: str, ec2: Any) -> list[str] | None:
    if name == "vpn-connection-id":
        return [conn.id]
    if name == "state":
        return [conn.state]
    if name == "customer-gateway-id":
        return [conn.customer_gateway_id]
    if name == "vpn-gateway-id":
        return [conn.vpn_gateway_id or ""]
    if name == "type":
        return [conn.type]
    if name == "option.static-routes-only":
        return [str(is_static_only(conn)).lower()]
    if name == "route.destination-cidr-block":
        return [r["cidr"] for r in getattr(conn, "_emu_routes", [])]
    tags = ec2.tags.get(conn.id, {})
    if name == "tag-key":
        return list(tags)
    if name == "tag-value":
        return list(tags.values())
    if name.startswith("tag:"):
        key = name[4:]
        return [tags[key]] if key in tags else []
    return None


def describe_vpn_connections(self: EC2Response) -> Any:
    ec2 = self.ec2_backend
    ids = self._get_param("VpnConnectionIds", []) or []
    filters = self._filters_from_querystring() or {}
    for name in filters:
        if name not in FILTERS and not name.startswith("tag:"):
            raise _error("InvalidParameterValue", f"The filter '{name}' is invalid")
    conns = list(ec2.vpn_connections.values())
    if ids:
        known = {c.id for c in conns}
        missing = [i for i in ids if i not in known]
        if missing:
            raise InvalidVpnConnectionIdError(missing[0])
        conns = [c for c in conns if c.id in ids]
    for name, values in filters.items():
        conns = [c for c in conns if set(_filter_values(c, name, ec2) or []) & set(values)]
    for c in conns:
        if not hasattr(c, "_emu_static_only"):
            _init(c, False)
            _set_state(c, "available")
    return ActionResult({"VpnConnections": conns})


# ---------------------------------------------------------------------------
# the gateway under the connections
# ---------------------------------------------------------------------------

def delete_vpn_gateway(self: EC2Response) -> Any:
    if strict():
        vgw_id = self._get_param("VpnGatewayId")
        users = [c.id for c in connections_of(self.ec2_backend, vgw_id) if c.state != "deleted"]
        if users:
            raise _error("IncorrectState", "The VPN gateway is in use.")
    return EC2Response.__dict__["_emu_vpn_prev_delete_vgw"](self)


def detach_vpn_gateway(self: EC2Response) -> Any:
    if strict():
        vgw_id = self._get_param("VpnGatewayId")
        if any(c.state in ("pending", "deleting") for c in connections_of(self.ec2_backend, vgw_id)):
            raise _error(
                "InvalidParameterValue",
                "This call cannot be completed because there are pending VPNs or Virtual Interfaces",
            )
    return EC2Response.__dict__["_emu_vpn_prev_detach_vgw"](self)


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    # keep the methods in force now (moto's, or ec2_ext's) to call on
    EC2Response._emu_vpn_orig_create = EC2Response.create_vpn_connection  # type: ignore[attr-defined]
    EC2Response._emu_vpn_prev_delete_vgw = EC2Response.delete_vpn_gateway  # type: ignore[attr-defined]
    EC2Response._emu_vpn_prev_detach_vgw = EC2Response.detach_vpn_gateway  # type: ignore[attr-defined]
    for name, fn in {
        "create_vpn_connection": create_vpn_connection,
        "delete_vpn_connection": delete_vpn_connection,
        "create_vpn_connection_route": create_vpn_connection_route,
        "delete_vpn_connection_route": delete_vpn_connection_route,
        "describe_vpn_connections": describe_vpn_connections,
        "delete_vpn_gateway": delete_vpn_gateway,
        "detach_vpn_gateway": detach_vpn_gateway,
    }.items():
        patch_method(EC2Response, name, fn)
