"""``GET /_dmslink/inventory``: every object the stack tests care about, with tags.

Returns ``{"objects": [...], "counts": {type: n}}``; each object is
``{"type", "account", "region", "id", "arn"?, "name"?, "state"?, "tags": {k: v},
"default"?: true, ...type-specific fields}``.  Types:

``ec2:vpc ec2:subnet ec2:security-group ec2:internet-gateway ec2:vpn-gateway
ec2:route-table ec2:network-interface ec2:vpc-peering-connection rds:db-instance rds:db-subnet-group
rds:db-snapshot dms:replication-subnet-group dms:replication-instance
dms:endpoint dms:replication-task dms:certificate iam:role secretsmanager:secret``

Secrets Manager secrets have their name as ``id`` and ``state`` ``available``, or ``deleting``
while scheduled for deletion (``DeleteSecret`` with a recovery window; ``secrets_lifecycle.py``);
a force-deleted secret is gone.

Security groups carry ``ingress`` (``[{"protocol", "from_port", "to_port",
"cidrs", "ipv6_cidrs", "source_group_ids"}]``, one entry per protocol/port
range), route tables ``routes_detail`` (``[{"destination", "target_type",
"target_id", "state"}]``), peering connections their state, both sides' VPC,
owner, region, CIDR and options, listed once under the requester's account and
region.

Query parameters (all optional, combinable): ``type=ec2:vpc`` (repeatable;
a prefix such as ``ec2`` works too), ``region=...``, ``tag=KEY`` or
``tag=KEY=VALUE`` (repeatable, all must hold), ``include_defaults=false``
(drop the default VPC and what moto creates with it).  Only regions that saw
an API call are listed (moto creates backends lazily).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .aws_common import all_backends
from .control import STATE_LOCK, route
from .dms_common import tick_all


def _ec2_tags(ec2: Any, resource_id: str) -> dict[str, str]:
    return dict(ec2.tags.get(resource_id, {}))


def _tag_list(tags: Any) -> dict[str, str]:
    if isinstance(tags, dict):
        return {
            (v.get("Key", k) if isinstance(v, dict) else k): (v.get("Value", "") if isinstance(v, dict) else v)
            for k, v in tags.items()
        }
    if isinstance(tags, list):
        return {t.get("Key"): t.get("Value", "") for t in tags if isinstance(t, dict)}
    return {}


def _ingress(group: Any) -> list[dict[str, Any]]:
    """A group's ingress rules, one entry per (protocol, from, to) as ``IpPermissions``."""
    merged: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
    for rule in list(getattr(group, "ingress_rules", [])):
        key = (rule.ip_protocol, rule.from_port, rule.to_port)
        entry = merged.setdefault(key, {"protocol": rule.ip_protocol, "from_port": rule.from_port,
                                        "to_port": rule.to_port, "cidrs": [], "ipv6_cidrs": [],
                                        "source_group_ids": []})
        if rule.cidr_ipv4 and rule.cidr_ipv4 not in entry["cidrs"]:
            entry["cidrs"].append(rule.cidr_ipv4)
        if rule.cidr_ipv6 and rule.cidr_ipv6 not in entry["ipv6_cidrs"]:
            entry["ipv6_cidrs"].append(rule.cidr_ipv6)
        source = (rule.source_group or {}).get("GroupId")
        if source and source not in entry["source_group_ids"]:
            entry["source_group_ids"].append(source)
    return list(merged.values())


_ROUTE_TARGETS = (
    ("vpc-peering-connection", "vpc_peering_connection_id"),
    ("nat-gateway", "nat_gateway_id"),
    ("transit-gateway", "transit_gateway_id"),
    ("network-interface", "network_interface_id"),
    ("instance", "instance_id"),
    ("egress-only-internet-gateway", "egress_only_internet_gateway_id"),
    ("carrier-gateway", "carrier_gateway_id"),
)


def _route_target(route: Any) -> tuple[str | None, str | None]:
    for kind, attr in _ROUTE_TARGETS:
        value = getattr(route, attr, None)
        if value:
            return kind, value
    gateway = getattr(route, "gateway_id", None)
    if gateway == "local":
        return "local", "local"
    if gateway:
        kind = {"igw": "internet-gateway", "vgw": "vpn-gateway", "vpce": "vpc-endpoint"}.get(
            gateway.split("-", 1)[0], "gateway")
        return kind, gateway
    return None, None


def _routes_detail(table: Any) -> list[dict[str, Any]]:
    out = []
    for route in list(table.routes):
        kind, target = _route_target(route)
        out.append({"destination": route.destination_cidr_block or route.destination_ipv6_cidr_block
                    or getattr(route, "destination_prefix_list_id", None),
                    "target_type": kind, "target_id": target, "state": route.state})
    return out


def _peering_objects(account: str, region: str, ec2: Any) -> list[dict[str, Any]]:
    out = []
    for pcx in list(ec2.vpc_pcxs.values()):
        if pcx.ec2_backend is not ec2:
            continue  # listed once, under the requester's account and region
        requester, accepter = pcx.vpc, pcx.peer_vpc
        out.append({"type": "ec2:vpc-peering-connection", "account": account, "region": region,
                    "id": pcx.id, "state": pcx._status.code, "status_message": pcx._status.message,
                    "requester_vpc_id": requester.id, "accepter_vpc_id": accepter.id,
                    "requester_owner_id": requester.owner_id, "accepter_owner_id": accepter.owner_id,
                    "requester_region": requester.region, "accepter_region": accepter.region,
                    "requester_cidr": requester.cidr_block, "accepter_cidr": accepter.cidr_block,
                    "requester_options": dict(pcx.requester_options),
                    "accepter_options": dict(pcx.accepter_options),
                    "tags": _ec2_tags(ec2, pcx.id)})
    return out


def _ec2_objects(account: str, region: str, ec2: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    default_vpcs = {v.id for v in ec2.vpcs.values() if getattr(v, "is_default", False)}

    def add(kind: str, rid: str, default: bool = False, **extra: Any) -> None:
        obj = {"type": f"ec2:{kind}", "account": account, "region": region, "id": rid,
               "tags": _ec2_tags(ec2, rid), **extra}
        if default:
            obj["default"] = True
        out.append(obj)

    for vpc in list(ec2.vpcs.values()):
        add("vpc", vpc.id, vpc.id in default_vpcs, state=vpc.state, cidr_block=vpc.cidr_block)
    for per_az in list(ec2.subnets.values()):
        for subnet in list(per_az.values()):
            add("subnet", subnet.id, subnet.vpc_id in default_vpcs, state=getattr(subnet, "state", "available"),
                vpc_id=subnet.vpc_id, availability_zone=subnet.availability_zone,
                cidr_block=subnet.cidr_block)
    for vpc_id, groups in list(ec2.groups.items()):
        for group in list(groups.values()):
            add("security-group", group.id, vpc_id in default_vpcs or group.name == "default",
                name=group.name, vpc_id=vpc_id, ingress=_ingress(group))
    for igw in list(ec2.internet_gateways.values()):
        attachments = [{"vpc_id": igw.vpc.id, "state": "available"}] if igw.vpc is not None else []
        add("internet-gateway", igw.id, bool(igw.vpc is not None and igw.vpc.id in default_vpcs),
            attachments=attachments)
    for vgw in list(ec2.vpn_gateways.values()):
        add("vpn-gateway", vgw.id, state=vgw.state, amazon_side_asn=vgw.amazon_side_asn,
            attachments=[{"vpc_id": v, "state": a.state} for v, a in vgw.attachments.items()])
    for table in list(ec2.route_tables.values()):
        add("route-table", table.id, table.vpc_id in default_vpcs, vpc_id=table.vpc_id,
            main=table.main_association_id is not None,
            propagating_vgws=list(table.__dict__.get("_emu_propagating", [])),
            routes=len(table.routes), routes_detail=_routes_detail(table))
    for eni in list(ec2.enis.values()):
        add("network-interface", eni.id, state=eni.status, subnet_id=eni.subnet.id,
            vpc_id=eni.subnet.vpc_id, description=eni.description,
            group_ids=[g.id for g in eni._group_set],
            requester_managed=bool(eni.requester_managed))
    out += _peering_objects(account, region, ec2)
    return out


def _rds_objects(account: str, region: str, rds: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for db in list(rds.databases.values()):
        group = getattr(db, "db_subnet_group", None)
        out.append({"type": "rds:db-instance", "account": account, "region": region,
                    "id": db.db_instance_identifier, "arn": db.db_instance_arn, "state": db.status,
                    "engine": db.engine, "db_subnet_group": getattr(group, "name", None),
                    "vpc_security_group_ids": list(getattr(db, "vpc_security_group_ids", None) or []),
                    "deletion_protection": bool(db.deletion_protection),
                    "tags": _tag_list(db.tags)})
    for group in list(rds.subnet_groups.values()):
        out.append({"type": "rds:db-subnet-group", "account": account, "region": region,
                    "id": group.name, "name": group.name, "arn": group.arn, "vpc_id": group.vpc_id,
                    "subnet_ids": [s.id for s in group._subnets], "tags": _tag_list(group.tags)})
    for snap in list(rds.database_snapshots.values()):
        out.append({"type": "rds:db-snapshot", "account": account, "region": region,
                    "id": snap.db_snapshot_identifier, "arn": snap.db_snapshot_arn,
                    "state": snap.status, "snapshot_type": snap.snapshot_type,
                    "db_instance": snap.database.db_instance_identifier,
                    "tags": _tag_list(snap.tags)})
    return out


def _dms_objects(account: str, region: str, dms: Any) -> list[dict[str, Any]]:
    from .dms_network import subnet_group_arn

    out: list[dict[str, Any]] = []

    def tags(arn: str) -> dict[str, str]:
        return dict(dms.tagger.get_tag_dict_for_resource(arn))

    for group in list(dms.replication_subnet_groups.values()):
        arn = subnet_group_arn(dms, group.replication_subnet_group_identifier)
        out.append({"type": "dms:replication-subnet-group", "account": account, "region": region,
                    "id": group.replication_subnet_group_identifier, "arn": arn,
                    "vpc_id": getattr(group, "_emu_vpc_id", None),
                    "subnet_ids": list(group.subnetIds or []), "tags": tags(arn)})
    for ri in list(dms.replication_instances.values()):
        out.append({"type": "dms:replication-instance", "account": account, "region": region,
                    "id": ri.id, "arn": ri.arn, "state": ri.status,
                    "replication_subnet_group": ri.replication_subnet_group_identifier,
                    "vpc_security_group_ids": [g["VpcSecurityGroupId"] for g in ri.vpc_security_groups],
                    "network_interface_ids": list(getattr(ri, "_emu_eni_ids", [])),
                    "tags": tags(ri.arn)})
    for ep in list(dms.endpoints.values()):
        out.append({"type": "dms:endpoint", "account": account, "region": region,
                    "id": ep.endpoint_identifier, "arn": ep.endpoint_arn, "state": ep.status,
                    "endpoint_type": str(ep.endpoint_type).lower(), "engine_name": ep.engine_name,
                    "tags": tags(ep.endpoint_arn)})
    # Imported certificates (dms_certificates.py keeps them beside moto's backend): untagged.
    for cert in list(getattr(dms, "_emu_certificates", {}).values()):
        out.append({"type": "dms:certificate", "account": account, "region": region,
                    "id": cert["CertificateIdentifier"], "arn": cert["CertificateArn"], "tags": {}})
    for task in list(dms.replication_tasks.values()):
        if getattr(task, "gone", False):
            continue
        out.append({"type": "dms:replication-task", "account": account, "region": region,
                    "id": task.id, "arn": task.arn, "state": task.status,
                    "replication_instance_arn": task.replication_instance_arn,
                    "tags": tags(task.arn)})
    return out


def _iam_objects(account: str, partition: str, iam: Any) -> list[dict[str, Any]]:
    return [
        {"type": "iam:role", "account": account, "region": "global", "id": role.id,
         "name": role.name, "arn": role.arn, "attached_policies": sorted(role.managed_policies),
         "inline_policies": sorted(role.policies), "tags": _tag_list(role.tags)}
        for role in list(iam.roles.values())
    ]


def _secrets_objects(account: str, region: str, sm: Any) -> list[dict[str, Any]]:
    from .secrets_lifecycle import secret_state

    # dict.values: moto's SecretsStore looks names up by ARN and partial ARN; a plain walk is all we need.
    return [
        {"type": "secretsmanager:secret", "account": account, "region": region, "id": secret.name,
         "arn": secret.arn, "state": secret_state(secret), "tags": _tag_list(secret.tags)}
        for secret in list(dict.values(sm.secrets))
    ]


def collect() -> list[dict[str, Any]]:
    from moto.dms.models import dms_backends
    from moto.ec2.models import ec2_backends
    from moto.iam.models import iam_backends
    from moto.rds.models import rds_backends
    from moto.secretsmanager.models import secretsmanager_backends

    objects: list[dict[str, Any]] = []
    for account, region, backend in all_backends(ec2_backends):
        objects += _ec2_objects(account, region, backend)
    for account, region, backend in all_backends(rds_backends):
        objects += _rds_objects(account, region, backend)
    for account, region, backend in all_backends(dms_backends):
        objects += _dms_objects(account, region, backend)
    for account, partition, backend in all_backends(iam_backends):
        objects += _iam_objects(account, partition, backend)
    for account, region, backend in all_backends(secretsmanager_backends):
        objects += _secrets_objects(account, region, backend)
    return objects


def _matches(obj: dict[str, Any], query: dict[str, list[str]]) -> bool:
    types = query.get("type")
    if types and not any(obj["type"] == t or obj["type"].startswith(t.rstrip(":") + ":") for t in types):
        return False
    regions = query.get("region")
    if regions and obj["region"] not in regions:
        return False
    if query.get("include_defaults", ["true"])[0].lower() in ("0", "false", "no") and obj.get("default"):
        return False
    for tag in query.get("tag", []):
        key, sep, value = tag.partition("=")
        if key not in obj["tags"] or (sep and obj["tags"][key] != value):
            return False
    return True


@route("GET", "/inventory")
def _inventory(_body: Any, query: dict[str, list[str]]) -> tuple[int, Any]:
    from . import timeline

    tick_all()
    with STATE_LOCK:
        timeline.advance()
        objects = [o for o in collect() if _matches(o, query)]
    return 200, {"objects": objects, "counts": dict(Counter(o["type"] for o in objects))}


def install() -> None:
    """Routes register on import."""
