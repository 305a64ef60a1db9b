"""Can the replication instance reach an endpoint's server?  Decides ``TestConnection`` and task starts.

AWS DMS connects from the replication instance's network interface in its
VPC ("Public and private replication instances": a private instance reaches
databases "in the same network that is connected to the VPC ... by using a
VPN, Direct Connect, or VPC peering",
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_ReplicationInstance.PublicPrivate.html).
Strict mode evaluates three paths; anything else times out:

(a) **same VPC** — the server is an RDS instance (its endpoint address) in the
    instance's VPC: the local route carries it; one of the RDS instance's
    security groups admits, on the port, the replication instance's security
    group or a CIDR holding its private IP (a VPC's ``default`` group admits
    its own members, as AWS's default group does — "Default security groups
    for your VPCs", https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html).
(b) **peered VPC** — an RDS instance in another VPC (any account/region): a
    VPC peering between the two VPCs that is ``active``; every subnet of the
    replication subnet group routes the server's address to that peering, and
    the server subnet's route table (its explicit association, else the VPC's
    main table) routes the instance's address back to it; a security group of
    the server admits the instance's private IP (or, same region, its
    security group) on the port ("VPC peering configuration for AWS DMS",
    https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Advanced.Endpoints.vpc.peering.html;
    "Update your route tables for a VPC peering connection",
    https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html).
(c) **on premises** — any other address: in every subnet of the replication
    subnet group, the route table's longest-prefix match for the address
    (static routes win over propagated ones of the same length: "Route
    priority", https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html)
    targets the virtual private gateway attached to the VPC — a static route
    to it, or a route propagated from it (route propagation enabled and a VPN
    connection ``available`` on the gateway with an ``available`` static
    route covering the address, or BGP: not ``StaticRoutesOnly``, the
    customer gateway advertising the address's network); and a VPN connection
    ``available`` on that gateway routes the address (a static route covering
    it, or BGP): "Only IP prefixes that are known to the virtual private
    gateway, whether through BGP advertisements or static route entry, can
    receive traffic from your VPC" (same page).
In every path the instance's security groups must allow the traffic out
(egress rules; new groups allow all).

A host name that is no RDS endpoint address is taken for an on-premises host
(DNS is not modelled): reachable when path (c) holds for an address the VPN
routes — a static route of an ``available`` VPN connection on the gateway, or
a gateway-bound route of the instance's route tables, or any address for BGP.

Loopback PostgreSQL endpoints keep their real login (``dms_connections``);
other loopback servers are the replication instance itself and refuse.
Not judged (old behaviour): lenient mode, and an instance without a
replication subnet group (its default-VPC placement is not modelled).
Network ACLs and on-premises firewalls are not modelled (they allow all).

An unreachable ``TestConnection`` stays ``testing`` for
``dms_connection_seconds.timeout`` (default 2; AWS waits for a network
timeout, tens of seconds), then ends ``failed`` with DMS's timeout message for
the engine; a ``StartReplicationTask`` with an unreachable endpoint ends
``failed`` after ``starting`` (``dms_tasks._connection_failure``).
``GET /_dmslink/reachability?instance=ARN&endpoint=ARN`` says which path
holds or what is missing.
"""

from __future__ import annotations

import ipaddress
import zlib
from dataclasses import dataclass
from typing import Any

from . import timeline, vpn
from .aws_common import all_backends, existing_dms_backend, existing_ec2_backend, strict
from .config import CONFIG
from .control import STATE_LOCK, route

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
POSTGRES_ENGINES = ("postgres", "aurora-postgresql")
DEFAULT_PORTS = {
    "oracle": 1521,
    "postgres": 5432,
    "aurora-postgresql": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "aurora": 3306,
    "sqlserver": 1433,
    "db2": 50000,
    "sybase": 5000,
}
# RDS states in which the database answers connections.
SERVING = (
    "available",
    "backing-up",
    "modifying",
    "storage-optimization",
    "configuring-enhanced-monitoring",
    "configuring-log-exports",
    "configuring-iam-database-auth",
    "maintenance",
    "storage-full",
)
# Stands for "some on-premises address" of a BGP connection when the server is a host name.
BGP_PROBE = ipaddress.ip_address("198.51.100.10")


@dataclass
class Verdict:
    reachable: bool
    path: str  # same-vpc | peering | vpn | loopback | unplaced | lenient
    reason: str
    host: str = ""
    port: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"reachable": self.reachable, "path": self.path, "reason": self.reason,
                "host": self.host, "port": self.port}


class _Unreachable(Exception):
    pass


# ---------------------------------------------------------------------------
# the endpoint's server
# ---------------------------------------------------------------------------

def _settings(endpoint: Any) -> dict[str, Any]:
    for attr in ("postgre_sql_settings", "oracle_settings", "my_sql_settings", "microsoft_sql_server_settings"):
        value = getattr(endpoint, attr, None)
        if isinstance(value, dict) and value.get("ServerName"):
            return value
    return {}


def server_of(endpoint: Any) -> tuple[str, int]:
    extra = _settings(endpoint)
    server = str(getattr(endpoint, "server_name", None) or extra.get("ServerName") or "").strip()
    engine = str(getattr(endpoint, "engine_name", "") or "").lower()
    port = getattr(endpoint, "port", None) or extra.get("Port") or DEFAULT_PORTS.get(engine, 0)
    if not server:
        from .dms_secrets import host_of  # the login is in a Secrets Manager secret

        server, port = host_of(endpoint) or ("", port)
    try:
        port = int(port)
    except (TypeError, ValueError):
        port = 0
    return server, port


def is_local_postgres(endpoint: Any) -> bool:
    server, _ = server_of(endpoint)
    engine = str(getattr(endpoint, "engine_name", "") or "").lower()
    return engine in POSTGRES_ENGINES and server.lower() in LOOPBACK


def _find_rds(host: str) -> tuple[str, str, Any] | None:
    from moto.rds.models import rds_backends

    wanted = host.lower().rstrip(".")
    for account, region, rds in all_backends(rds_backends):
        for db in list(rds.databases.values()):
            try:
                address = db.address
            except Exception:  # noqa: BLE001 - an instance without an address
                continue
            if isinstance(address, str) and address.lower() == wanted:
                return account, region, db
    return None


# ---------------------------------------------------------------------------
# routes and security groups
# ---------------------------------------------------------------------------

def _table_of(ec2: Any, subnet: Any) -> Any:
    """The subnet's route table: its explicit association, else its VPC's main table."""
    main = None
    for table in list(ec2.route_tables.values()):
        if table.vpc_id != subnet.vpc_id:
            continue
        if subnet.id in table._associations.values():
            return table
        if table.main_association_id is not None:
            main = table
    return main


def _vgw_attached(ec2: Any, vgw_id: str, vpc_id: str) -> bool:
    vgw = ec2.vpn_gateways.get(vgw_id)
    if vgw is None or vgw.state in ("deleting", "deleted"):
        return False
    attachment = vgw.attachments.get(vpc_id)
    return attachment is not None and attachment.state == "attached"


def _conn_routes(conn: Any, ip: ipaddress.IPv4Address) -> bool:
    """Does an ``available`` VPN connection route ``ip`` (static route covering it, or BGP)?"""
    if conn.state != "available":
        return False
    prefixes = vpn.routed_prefixes(conn)
    return prefixes is None or any(ip in p for p in prefixes)


@dataclass
class _Route:
    net: ipaddress.IPv4Network
    static: bool
    kind: str  # local | vgw | pcx | igw | other
    target: str
    pcx: Any = None


def _routes(ec2: Any, table: Any, ip: ipaddress.IPv4Address) -> list[_Route]:
    out: list[_Route] = []
    for r in list(table.routes):
        if not r.destination_cidr_block:
            continue
        net = ipaddress.ip_network(r.destination_cidr_block, strict=False)
        if r.local:
            out.append(_Route(net, True, "local", "local"))
        elif r.vpc_pcx is not None:
            out.append(_Route(net, True, "pcx", r.vpc_pcx.id, r.vpc_pcx))
        elif r.gateway is not None and str(r.gateway.id).startswith("vgw-"):
            out.append(_Route(net, True, "vgw", r.gateway.id))
        elif r.gateway is not None and str(r.gateway.id).startswith("igw-"):
            out.append(_Route(net, True, "igw", r.gateway.id))
        else:
            out.append(_Route(net, True, "other", str(getattr(r, "gateway_id", None) or "?")))
    for vgw_id in list(table.__dict__.get("_emu_propagating", [])):
        if not _vgw_attached(ec2, vgw_id, table.vpc_id):
            continue
        for conn in vpn.connections_of(ec2, vgw_id):
            if conn.state != "available":
                continue
            prefixes = vpn.routed_prefixes(conn)
            if prefixes is None:  # BGP: the customer gateway advertises the address's network
                prefixes = [ipaddress.ip_network(f"{ip}/32")]
            for net in prefixes:
                out.append(_Route(net, False, "vgw", vgw_id))
    return out


def _lookup(ec2: Any, table: Any, ip: ipaddress.IPv4Address) -> _Route | None:
    """Longest prefix match; a static route beats a propagated one of the same length;
    the local route is never overridden by a propagated one."""
    matches = [r for r in _routes(ec2, table, ip) if ip in r.net]
    local = [r for r in matches if r.kind == "local"]
    if local:
        return local[0]
    if not matches:
        return None
    return max(matches, key=lambda r: (r.net.prefixlen, r.static))


def _port_ok(rule: Any, port: int) -> bool:
    proto = str(rule.ip_protocol)
    if proto == "-1":
        return True
    if proto != "tcp" or rule.from_port is None or rule.to_port is None:
        return False
    return int(rule.from_port) <= port <= int(rule.to_port)


def _cidr_holds(rule: Any, ip: ipaddress.IPv4Address) -> bool:
    cidr = rule.ip_range.get("CidrIp") if isinstance(rule.ip_range, dict) else None
    if not cidr:
        return False
    try:
        return ip in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def _group(ec2: Any, group_id: str) -> Any:
    try:
        return ec2.get_security_group_from_id(group_id)
    except Exception:  # noqa: BLE001
        return None


def _admits(ec2: Any, group_ids: list[str], port: int, src_ip: ipaddress.IPv4Address,
            src_groups: list[str]) -> bool:
    for gid in group_ids:
        group = _group(ec2, gid)
        if group is None:
            continue
        if group.is_default and gid in src_groups:
            return True  # AWS's default group: all traffic from its own members
        for rule in list(group.ingress_rules):
            if not _port_ok(rule, port):
                continue
            source = (rule.source_group or {}).get("GroupId")
            if (source and source in src_groups) or _cidr_holds(rule, src_ip):
                return True
    return False


def _egress(ec2: Any, group_ids: list[str], port: int, dst_ip: ipaddress.IPv4Address,
            dst_groups: list[str]) -> bool:
    for gid in group_ids:
        group = _group(ec2, gid)
        if group is None:
            continue
        for rule in list(group.egress_rules):
            if not _port_ok(rule, port):
                continue
            dest = (rule.source_group or {}).get("GroupId")
            if (dest and dest in dst_groups) or _cidr_holds(rule, dst_ip):
                return True
    return False


# ---------------------------------------------------------------------------
# the replication instance's place
# ---------------------------------------------------------------------------

@dataclass
class _Place:
    ec2: Any
    account: str
    region: str
    vpc_id: str
    subnets: list[Any]
    ip: ipaddress.IPv4Address
    groups: list[str]


def _place(dms: Any, instance: Any) -> _Place | None:
    group_id = getattr(instance, "replication_subnet_group_identifier", None)
    group = dms.replication_subnet_groups.get(group_id) if group_id else None
    vpc_id = getattr(group, "_emu_vpc_id", None) if group is not None else None
    private_ip = getattr(instance, "_emu_private_ip", None)
    ec2 = existing_ec2_backend(dms.account_id, dms.region_name)
    if group is None or not vpc_id or not private_ip or ec2 is None:
        return None
    subnets = []
    for s in getattr(group, "_emu_subnets", []):
        try:
            subnets.append(ec2.get_subnet(s["id"]))
        except Exception:  # noqa: BLE001 - a subnet deleted since
            continue
    groups = [g.get("VpcSecurityGroupId") for g in getattr(instance, "vpc_security_groups", []) or []]
    return _Place(ec2, dms.account_id, dms.region_name, vpc_id, subnets,
                  ipaddress.ip_address(private_ip), [g for g in groups if g])


# ---------------------------------------------------------------------------
# the three paths
# ---------------------------------------------------------------------------

def _rds_ip(db: Any) -> tuple[ipaddress.IPv4Address, Any | None]:
    """A stable private address of the RDS instance in its subnet of its AZ."""
    group = getattr(db, "db_subnet_group", None)
    subnets = list(getattr(group, "_subnets", [])) if group is not None else []
    az = getattr(db, "availability_zone", None)
    subnet = next((s for s in subnets if s.availability_zone == az), subnets[0] if subnets else None)
    if subnet is None:
        return ipaddress.ip_address("172.31.0.10"), None
    net = ipaddress.ip_network(subnet.cidr_block, strict=False)
    span = max(1, net.num_addresses - 8)
    return net.network_address + 4 + zlib.crc32(db.db_instance_identifier.encode()) % span, subnet


def _rds_path(place: _Place, account: str, region: str, db: Any, port: int) -> str:
    status = getattr(db, "status", "available")
    if status not in SERVING:
        raise _Unreachable(f"RDS instance {db.db_instance_identifier} is {status}")
    if int(getattr(db, "port", port) or port) != port:
        raise _Unreachable(f"RDS instance {db.db_instance_identifier} listens on {db.port}, not {port}")
    server_ec2 = existing_ec2_backend(account, region)
    if server_ec2 is None:
        raise _Unreachable("the RDS instance's network is unknown")
    server_ip, server_subnet = _rds_ip(db)
    server_groups = list(getattr(db, "vpc_security_group_ids", None) or [])
    group = getattr(db, "db_subnet_group", None)
    server_vpc = getattr(group, "vpc_id", None) if group is not None else None
    if server_vpc is None:
        default = getattr(server_ec2, "default_vpc", None)
        server_vpc = default.id if default is not None else None
    if not _egress(place.ec2, place.groups, port, server_ip, server_groups):
        raise _Unreachable(f"no egress rule of {', '.join(place.groups) or 'the instance'} allows tcp/{port} "
                           f"to {server_ip}")
    if server_vpc == place.vpc_id and (account, region) == (place.account, place.region):
        if not _admits(server_ec2, server_groups, port, place.ip, place.groups):
            raise _Unreachable(
                f"no ingress rule of {', '.join(server_groups) or 'the RDS instance'} admits tcp/{port} from "
                f"{' or '.join(place.groups)} or {place.ip}"
            )
        return "same-vpc"
    # (b) peered VPC
    pcxs = [
        p for p in list(place.ec2.vpc_pcxs.values())
        if {p.vpc.id, p.peer_vpc.id} == {place.vpc_id, server_vpc}
    ]
    active = next((p for p in pcxs if p._status.code == "active"), None)
    if active is None:
        states = ", ".join(f"{p.id} {p._status.code}" for p in pcxs) or "none"
        raise _Unreachable(f"no active VPC peering between {place.vpc_id} and {server_vpc} ({states})")
    for subnet in place.subnets:
        table = _table_of(place.ec2, subnet)
        hit = _lookup(place.ec2, table, server_ip) if table is not None else None
        if hit is None or hit.kind != "pcx" or hit.target != active.id:
            raise _Unreachable(
                f"route table {getattr(table, 'id', '?')} of subnet {subnet.id} sends {server_ip} to "
                f"{hit.target if hit else 'nowhere'}, not {active.id}"
            )
    back_table = _table_of(server_ec2, server_subnet) if server_subnet is not None else None
    back = _lookup(server_ec2, back_table, place.ip) if back_table is not None else None
    if back is None or back.kind != "pcx" or back.target != active.id:
        raise _Unreachable(
            f"route table {getattr(back_table, 'id', '?')} of the server's subnet sends {place.ip} to "
            f"{back.target if back else 'nowhere'}, not {active.id}"
        )
    same_region = region == place.region
    if not _admits(server_ec2, server_groups, port, place.ip, place.groups if same_region else []):
        raise _Unreachable(
            f"no ingress rule of {', '.join(server_groups) or 'the RDS instance'} admits tcp/{port} from {place.ip}"
        )
    return "peering"


def _vpn_path(place: _Place, ip: ipaddress.IPv4Address, port: int) -> str:
    if ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast:
        raise _Unreachable(f"{ip} is not routable")
    if not _egress(place.ec2, place.groups, port, ip, []):
        raise _Unreachable(f"no egress rule of {', '.join(place.groups)} allows tcp/{port} to {ip}")
    for subnet in place.subnets:
        table = _table_of(place.ec2, subnet)
        hit = _lookup(place.ec2, table, ip) if table is not None else None
        where = f"route table {getattr(table, 'id', '?')} of subnet {subnet.id}"
        if hit is None:
            raise _Unreachable(f"{where} has no route to {ip}")
        if hit.kind != "vgw":
            raise _Unreachable(f"{where} sends {ip} to {hit.target}, not to a VPN gateway")
        if not _vgw_attached(place.ec2, hit.target, place.vpc_id):
            raise _Unreachable(f"{where} sends {ip} to {hit.target}, which is not attached to {place.vpc_id}")
        conns = vpn.connections_of(place.ec2, hit.target)
        if not any(_conn_routes(c, ip) for c in conns):
            detail = ", ".join(
                f"{c.id} {c.state}{' static' if vpn.is_static_only(c) else ' bgp'}" for c in conns
                if c.state != "deleted"
            ) or "no VPN connection"
            raise _Unreachable(f"no available VPN connection on {hit.target} routes {ip} ({detail})")
    return "vpn"


def _host_candidates(place: _Place) -> list[ipaddress.IPv4Address]:
    out: list[ipaddress.IPv4Address] = []

    def rep(net: ipaddress.IPv4Network) -> ipaddress.IPv4Address:
        return net.network_address + 1 if net.num_addresses > 2 else net.network_address

    for vgw in list(place.ec2.vpn_gateways.values()):
        if not _vgw_attached(place.ec2, vgw.id, place.vpc_id):
            continue
        for conn in vpn.connections_of(place.ec2, vgw.id):
            if conn.state != "available":
                continue
            prefixes = vpn.routed_prefixes(conn)
            out += [BGP_PROBE] if prefixes is None else [rep(p) for p in prefixes]
    for subnet in place.subnets:
        table = _table_of(place.ec2, subnet)
        if table is None:
            continue
        out += [rep(r.net) for r in _routes(place.ec2, table, BGP_PROBE) if r.kind == "vgw" and r.static]
    seen: list[ipaddress.IPv4Address] = []
    for ip in out:
        if ip not in seen:
            seen.append(ip)
    return seen


def evaluate(dms: Any, instance: Any, endpoint: Any) -> Verdict:
    """The verdict for (replication instance, endpoint); callers hold ``STATE_LOCK``."""
    host, port = server_of(endpoint)
    if not strict():
        return Verdict(True, "lenient", "lenient mode does not judge reachability", host, port)
    if host.lower() in LOOPBACK:
        if is_local_postgres(endpoint):
            return Verdict(True, "loopback", "a loopback PostgreSQL server is really logged into", host, port)
        return Verdict(False, "loopback", f"{host} is the replication instance itself: nothing listens on {port}",
                       host, port)
    place = _place(dms, instance)
    if place is None:
        return Verdict(True, "unplaced", "an instance without a replication subnet group is not judged", host, port)
    try:
        found = _find_rds(host)
        if found is not None:
            path = _rds_path(place, *found, port)
            return Verdict(True, path, f"RDS instance {found[2].db_instance_identifier} via {path}", host, port)
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            ip = None
        if ip is not None:
            if ip.version != 4:
                raise _Unreachable(f"{ip}: IPv6 is not routed here")
            _vpn_path(place, ip, port)
            return Verdict(True, "vpn", f"{ip} is routed over a VPN connection", host, port)
        candidates = _host_candidates(place)
        if not candidates:
            raise _Unreachable(
                f"{host} is no RDS endpoint, so an on-premises host; nothing routes on-premises addresses from "
                f"{place.vpc_id} (no VPN gateway route and no available VPN connection with a route)"
            )
        first: str | None = None
        for candidate in candidates:
            try:
                _vpn_path(place, candidate, port)
                return Verdict(True, "vpn", f"{host} taken for on-premises {candidate}, routed over VPN", host, port)
            except _Unreachable as err:
                first = first or str(err)
        raise _Unreachable(f"{host} is no RDS endpoint, so an on-premises host: {first}")
    except _Unreachable as err:
        return Verdict(False, "none", str(err), host, port)


# ---------------------------------------------------------------------------
# what DMS says
# ---------------------------------------------------------------------------

def failure_message(endpoint: Any, verdict: Verdict) -> str:
    """``LastFailureMessage`` of a connection test that timed out, in DMS's words per engine.

    PostgreSQL (and others through ODBC): "Test Endpoint failed: Application-Status: 1020912,
    Application-Message: Failed to connect Network error has occurred, Application-Detailed-Message:
    RetCode: SQL_ERROR SqlState: 08001 NativeError: 101 Message: [unixODBC]timeout expired" — the text
    DMS users report for a blocked network path (several public write-ups quote it verbatim);
    MySQL: "... NativeError: 2003 Message: [MySQL][ODBC 8.0(w) Driver]Can't connect to MySQL server on
    '<host>' (110)" (quoted verbatim in TiDB Cloud's DMS guide); Oracle: the same shape with
    ORA-12170 "TNS:Connect timeout occurred" (Oracle's client error for this; the wrapper text is an
    approximation).  Loopback (not PostgreSQL): connection refused.
    """
    engine = str(getattr(endpoint, "engine_name", "") or "").lower()
    head = "Test Endpoint failed: Application-Status: 1020912, "
    if verdict.path == "loopback":
        return (head + "Application-Message: Failed to connect Network error has occurred, "
                "Application-Detailed-Message: RetCode: SQL_ERROR SqlState: 08001 NativeError: 101 Message: "
                f"could not connect to server: Connection refused Is the server running on host "
                f"\"{verdict.host}\" and accepting TCP/IP connections on port {verdict.port}?")
    if engine in ("mysql", "mariadb", "aurora"):
        return (head + "Application-Message: Cannot connect to ODBC provider ODBC general error., "
                "Application-Detailed-Message: RetCode: SQL_ERROR SqlState: HY000 NativeError: 2003 Message: "
                f"[MySQL][ODBC 8.0(w) Driver]Can't connect to MySQL server on '{verdict.host}' (110)")
    if engine == "oracle":
        return (head + "Application-Message: Cannot connect to ODBC provider ODBC general error., "
                "Application-Detailed-Message: RetCode: SQL_ERROR SqlState: HY000 NativeError: 12170 Message: "
                "[unixODBC][Oracle][ODBC][Ora]ORA-12170: TNS:Connect timeout occurred")
    return (head + "Application-Message: Failed to connect Network error has occurred, "
            "Application-Detailed-Message: RetCode: SQL_ERROR SqlState: 08001 NativeError: 101 Message: "
            "[unixODBC]timeout expired")


def task_failure_message(endpoint: Any, verdict: Verdict, task_resource_id: str, role: str) -> str:
    """A task's ``LastFailureMessage`` when an endpoint cannot be reached at start.

    Shape of DMS's task errors (DMS-EVENT-0078 "Replication task has failed", e.g. "Last Error
    Endpoint initialization failed. Task error notification received from subtask 0, thread 1
    [reptask/replicationtask.c:2883] [1020401] ...; Failed while preparing stream component
    'st_0_...'.; Stream component 'st_0_...' terminated [reptask/replicationtask.c:2891] [1020401]
    Stop Reason FATAL_ERROR Error Level FATAL"); the detail is the connection test's.  Like DMS, it
    does not name the endpoint: the stream component says which side (``st_`` source, ``tg_``
    target: an approximation).
    """
    detail = failure_message(endpoint, verdict).split("Application-Detailed-Message: ", 1)[-1]
    component = f"{'st' if role == 'source' else 'tg'}_0_{task_resource_id[:26]}"
    return (
        "Last Error  Endpoint initialization failed. Task error notification received from subtask 0, "
        "thread 0 [reptask/replicationtask.c:2883] [1020912] Failed to connect Network error has occurred; "
        f"{detail}; Failed while preparing stream component '{component}'.; Stream component '{component}' "
        "terminated [reptask/replicationtask.c:2891] [1020912] Stop Reason FATAL_ERROR Error Level FATAL"
    )


def timeout_seconds() -> float:
    """How long an unreachable connection test stays ``testing``."""
    return CONFIG.resource_seconds_in("dms_connection_seconds", "timeout")


def task_failure(task: Any, endpoint: Any, role: str) -> dict[str, Any] | None:
    """The failure of a task start whose ``role`` endpoint is unreachable (``dms_tasks``), or None.
    A loopback PostgreSQL endpoint is not logged into again at start (as before)."""
    dms = task._backend
    instance = dms.replication_instances.get(task.replication_instance_arn)
    if instance is None or is_local_postgres(endpoint):
        return None
    verdict = evaluate(dms, instance, endpoint)
    if verdict.reachable:
        return None
    return {
        "message": task_failure_message(endpoint, verdict, task.arn.rsplit(":", 1)[-1], role),
        "tables": [],
        "status": "failed",
        "stop_reason": None,
        "after_seconds": None,
        "fail_task": True,
    }


# ---------------------------------------------------------------------------
# control endpoint
# ---------------------------------------------------------------------------

def _backend_of_arn(arn: str) -> Any:
    parts = arn.split(":")
    if len(parts) < 6:
        return None
    return existing_dms_backend(parts[4], parts[3])


@route("GET", "/reachability")
def _reachability(_body: Any, query: dict[str, list[str]]) -> tuple[int, Any]:
    """``?instance=<replication instance ARN>&endpoint=<endpoint ARN>`` -> the verdict."""
    from .dms_common import tick_all

    instance_arn = (query.get("instance") or [""])[0]
    endpoint_arn = (query.get("endpoint") or [""])[0]
    tick_all()
    with STATE_LOCK:
        timeline.advance()
        dms = _backend_of_arn(instance_arn)
        instance = dms.replication_instances.get(instance_arn) if dms is not None else None
        endpoint = next((e for e in dms.endpoints.values() if e.endpoint_arn == endpoint_arn), None) if dms else None
        if instance is None or endpoint is None:
            return 404, {"error": "unknown replication instance or endpoint ARN"}
        return 200, evaluate(dms, instance, endpoint).to_dict()


def install() -> None:
    """Nothing to patch: ``dms_connections`` and ``dms_tasks`` call :func:`evaluate`."""
