"""Eventual consistency: a new object is not yet there for a while after its create.

``eventual_consistency_seconds`` (config; ``--eventual-consistency SECONDS``,
``DMSLINK_EMU_EVENTUAL_CONSISTENCY_SECONDS``, ``POST /_dmslink/config``; default 0 = off) is the
window after an object's create in which

* every EC2 call that names it by id (a describe by id, a modify, attach, authorize, create-route,
  create-tags, delete ..., any request parameter but ``Filter.*`` and tags) answers AWS's NotFound
  code for its kind, HTTP 400, EC2's ``<Response><Errors><Error>`` shape:
  VPC ``InvalidVpcID.NotFound``, subnet ``InvalidSubnetID.NotFound``, security group
  ``InvalidGroup.NotFound``, route table ``InvalidRouteTableID.NotFound``, internet gateway
  ``InvalidInternetGatewayID.NotFound``, VPN gateway ``InvalidVpnGatewayID.NotFound``, VPC peering
  ``InvalidVpcPeeringConnectionID.NotFound``;
* describes without ids (filters, tag filters, or a plain list) leave it out, and
  ``DescribeSecurityGroupRules`` leaves out the rules of a new group;
* RDS calls naming a new DB subnet group (``CreateDBInstance``, ``RestoreDBInstanceFromDBSnapshot``,
  ``DescribeDBSubnetGroups``, ``ModifyDBSubnetGroup``, ``DeleteDBSubnetGroup`` ...) answer
  ``DBSubnetGroupNotFoundFault`` (HTTP 404, the botocore model's status), and
  ``DescribeDBSubnetGroups`` without a name leaves it out;
* DMS does not yet accept a new IAM role (``iam_ext``: ``AccessDeniedFault`` "The IAM Role
  arn:aws:iam::<account>:role/dms-vpc-role is not configured properly."): the role's creation,
  its trust-policy updates and inline policies, like its managed-policy attachments, count only
  once they are ``max(iam_propagation_seconds, eventual_consistency_seconds)`` old.

Only objects created while the window is on are hidden (switching it on at run time does not hide
what exists; switching it off shows everything at once). The create call itself answers as usual (its id is in the answer). Calls by the creator are **not**
exempt: AWS's EC2 page says the ID of a resource "you just created" may not have propagated "if
you run a command to modify or describe" it. Objects created implicitly with another (a VPC's main
route table and default security group) are born with it. The window does not depend on strict
mode (it is off unless asked for). Control endpoints (``/_dmslink/inventory`` ...) see everything.

Sources:

* Amazon EC2 API, "Eventual consistency in the Amazon EC2 API"
  (docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html): "if you run a command to
  modify or describe the resource that you just created, its ID might not have propagated
  throughout the system, and you will get an error responding that the resource does not exist";
  e.g. ``InvalidGroup.NotFound`` after ``CreateSecurityGroup``.
* IAM User Guide, troubleshooting "Changes that I make are not always immediately visible": IAM is
  eventually consistent, changes take time to reach other services.
* hashicorp/terraform-provider-aws: ``internal/service/ec2/wait.go`` ``ec2PropagationTimeout`` (5
  min, "General timeout for EC2 resource changes to propagate") and ``iamPropagationTimeout`` (2 min);
  ``ec2/tags.go`` ``createTags`` retries any ``.NotFound`` for 5 min (``eventualConsistencyTimeout``);
  ``waitSecurityGroupCreated`` polls until a new group is found; ``attachInternetGateway`` and
  ``attachVPNGatewayToVPC`` retry ``InvalidInternetGatewayID.NotFound`` /
  ``InvalidVpnGatewayID.NotFound`` for ``ec2PropagationTimeout``; route tables, routes and
  internet gateways allow ``*NotFoundChecks = 1000`` not-found readings while waiting; reads of a
  new resource go through ``tfresource.RetryWhenNewResourceNotFound``.
* What AWS's *list* views do (filters, no ids) is not documented; they lag as well in practice
  (TFP retries filtered finders of new objects the same way). The stricter plausible model is
  taken: a new object is left out of every list until its window ends.

Not modelled: other services' views of new EC2 objects (RDS ``CreateDBSubnetGroup`` or DMS
``CreateReplicationSubnetGroup`` naming a subnet created a moment ago, a security group given to
``CreateDBInstance``) -- the AWS provider has no retry for those, so AWS users do not meet them;
a ``GroupName`` (not id) lookup of a new security group; IAM's own API (``GetRole`` right after
``CreateRole`` answers at once here).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from . import fault_answers
from .config import CONFIG
from .control import on_reset

# kind -> (code, message format).  Messages as AWS words them ("The vpc ID 'vpc-…' does not exist").
EC2_NOT_FOUND: dict[str, tuple[str, str]] = {
    "vpc": ("InvalidVpcID.NotFound", "The vpc ID '{}' does not exist"),
    "subnet": ("InvalidSubnetID.NotFound", "The subnet ID '{}' does not exist"),
    "security-group": ("InvalidGroup.NotFound", "The security group '{}' does not exist"),
    "route-table": ("InvalidRouteTableID.NotFound", "The routeTable ID '{}' does not exist"),
    "internet-gateway": ("InvalidInternetGatewayID.NotFound", "The internetGateway ID '{}' does not exist"),
    "vpn-gateway": ("InvalidVpnGatewayID.NotFound", "The vpnGateway ID '{}' does not exist"),
    "vpc-peering-connection": (
        "InvalidVpcPeeringConnectionID.NotFound",
        "The vpcPeeringConnection ID '{}' does not exist",
    ),
}
# RDS: botocore rds-2014-10-31 ``DBSubnetGroupNotFoundFault`` {"httpStatusCode": 404, "senderFault": true}.
# The message text is an approximation (match on the code).
DB_SUBNET_GROUP_NOT_FOUND = ("DBSubnetGroupNotFoundFault", "DB subnet group '{}' does not exist.", 404)

# EC2 backend create method -> kind of what it returns (``.id``)
_EC2_CREATORS = {
    "create_vpc": "vpc",
    "create_subnet": "subnet",
    "create_security_group": "security-group",
    "create_route_table": "route-table",
    "create_internet_gateway": "internet-gateway",
    "create_vpn_gateway": "vpn-gateway",
    "create_vpc_peering_connection": "vpc-peering-connection",
}
# EC2 describe response method -> list key in its result
_EC2_LISTS = {
    "describe_vpcs": "Vpcs",
    "describe_subnets": "Subnets",
    "describe_security_groups": "SecurityGroups",
    "describe_route_tables": "RouteTables",
    "describe_internet_gateways": "InternetGateways",
    "describe_vpn_gateways": "VpnGateways",
    "describe_vpc_peering_connections": "VpcPeeringConnections",
}
# Request parameters of EC2 calls that never name an object (filter values match attributes,
# tags are free text).
_SKIPPED_PREFIXES = ("Filter.", "TagSpecification.", "Tag.", "ClientToken", "Description", "GroupDescription")
# RDS actions whose ``DBSubnetGroupName`` introduces the name rather than naming an existing group.
_RDS_INTRODUCING = {"CreateDBSubnetGroup"}

_lock = threading.Lock()
# EC2 id -> (kind, monotonic birth); RDS ("rds-subgrp", account, region, name) -> ("db-subnet-group", birth)
_born: dict[Any, tuple[str, float]] = {}
_local = threading.local()
_PRUNE_AFTER = 3600.0


def window() -> float:
    return CONFIG.eventual_consistency()


def iam_window() -> float:
    """How long an IAM change takes to reach DMS: the longer of the two propagation settings."""
    return max(CONFIG.iam_propagation(), CONFIG.eventual_consistency())


def _record(key: Any, kind: str) -> None:
    now = time.monotonic()
    with _lock:
        _born[key] = (kind, now)
        if len(_born) > 5000:
            for k in [k for k, (_, t) in _born.items() if now - t > _PRUNE_AFTER]:
                del _born[k]


def _young(key: Any) -> str | None:
    """The kind of ``key`` if it was created less than the window ago."""
    span = window()
    if span <= 0:
        return None
    with _lock:
        entry = _born.get(key)
    if entry is None:
        return None
    kind, born = entry
    return kind if time.monotonic() - born < span else None


def is_young_ec2(object_id: Any) -> bool:
    return isinstance(object_id, str) and _young(object_id) is not None


def _rds_key(account: str, region: str, name: str) -> tuple[str, str, str, str]:
    return ("rds-subgrp", account, region, name.lower())


@on_reset
def _forget() -> None:
    with _lock:
        _born.clear()


# ---------------------------------------------------------------------------
# answers
# ---------------------------------------------------------------------------

def _answer(service: str, code: str, message: str, status: int) -> tuple[int, dict[str, str], str]:
    body, ctype = fault_answers.error_body(service, {}, code, message, status, str(uuid.uuid4()))
    return status, {"Content-Type": ctype}, body.decode()


def _ec2_refusal(querystring: dict[str, list[str]]) -> tuple[int, dict[str, str], str] | None:
    for name, values in querystring.items():
        if name in ("Action", "Version") or name.startswith(_SKIPPED_PREFIXES):
            continue
        for value in values if isinstance(values, list) else [values]:
            kind = _young(value) if isinstance(value, str) else None
            if kind in EC2_NOT_FOUND:
                code, text = EC2_NOT_FOUND[kind]
                return _answer("ec2", code, text.format(value), 400)
    return None


def _rds_refusal(response: Any, action: str) -> tuple[int, dict[str, str], str] | None:
    if action in _RDS_INTRODUCING:
        return None
    names = response.querystring.get("DBSubnetGroupName") or []
    for name in names if isinstance(names, list) else [names]:
        if isinstance(name, str) and name and _young(_rds_key(response.current_account, response.region, name)):
            code, text, status = DB_SUBNET_GROUP_NOT_FOUND
            return _answer("rds", code, text.format(name.lower()), status)
    return None


# ---------------------------------------------------------------------------
# hooks
# ---------------------------------------------------------------------------

def _recording() -> bool:
    """In a create call, with the window on: objects made while it is off are never hidden."""
    return bool(getattr(_local, "recording", False)) and window() > 0


def _wrap_call_action(cls: type, touch: Callable[[Any], Any], refusal: Callable[[Any, str], Any]) -> None:
    inner = cls.call_action

    def call_action(self: Any) -> Any:
        action = self._get_action() or ""
        if window() > 0:
            answer = refusal(self, action)
            if answer is not None:
                return answer
        if not action.startswith("Create"):
            return inner(self)
        # Creating a region's backend makes its default VPC, subnets, groups ... -- old objects, not
        # this call's: let that happen before recording starts.
        touch(self)
        _local.recording = True
        try:
            return inner(self)
        finally:
            _local.recording = False

    call_action.__wrapped__ = inner  # type: ignore[attr-defined]
    cls.call_action = call_action  # type: ignore[method-assign]


def _wrap_ec2_creator(cls: type, name: str, kind: str) -> None:
    inner = getattr(cls, name)

    def create(self: Any, *args: Any, **kwargs: Any) -> Any:
        made = inner(self, *args, **kwargs)
        if _recording() and getattr(made, "id", None):
            _record(made.id, kind)
        return made

    setattr(cls, name, create)


def _wrap_list(cls: type, name: str, key: str, young: Callable[[Any, Any], bool]) -> None:
    """Leave young objects out of the list a describe answers (its ids were checked already)."""
    inner = getattr(cls, name)

    def describe(self: Any) -> Any:
        result = inner(self)
        doc = getattr(result, "result", None)
        if window() > 0 and isinstance(doc, dict) and isinstance(doc.get(key), list):
            doc[key] = [o for o in doc[key] if not young(self, o)]
        return result

    setattr(cls, name, describe)


def role_changed(role: Any) -> float | None:
    """Monotonic time of the role's last change that DMS must see (create, trust policy, inline policy)."""
    return getattr(role, "_emu_changed", None)


def role_too_new(role: Any) -> bool:
    changed = role_changed(role)
    return changed is not None and time.monotonic() - changed < iam_window()


def _wrap_iam(cls: type) -> None:
    def touching(name: str, role_of: Callable[[Any, tuple[Any, ...], dict[str, Any], Any], Any]) -> None:
        inner = getattr(cls, name)

        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            out = inner(self, *args, **kwargs)
            role = role_of(self, args, kwargs, out)
            if role is not None:
                role.__dict__["_emu_changed"] = time.monotonic()
            return out

        setattr(cls, name, method)

    def by_name(arg: str) -> Callable[[Any, tuple[Any, ...], dict[str, Any], Any], Any]:
        def find(self: Any, args: tuple[Any, ...], kwargs: dict[str, Any], _out: Any) -> Any:
            role_name = kwargs.get(arg, args[0] if args else None)
            try:
                return self.get_role(role_name)
            except Exception:  # noqa: BLE001 - no such role: nothing to mark
                return None

        return find

    touching("create_role", lambda _self, _a, _k, out: out)
    touching("update_assume_role_policy", by_name("role_name"))
    touching("put_role_policy", by_name("role_name"))


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from moto.ec2.models import EC2Backend
    from moto.ec2.responses import EC2Response
    from moto.iam.models import IAMBackend
    from moto.rds.models import RDSBackend
    from moto.rds.responses import RDSResponse

    _wrap_call_action(EC2Response, lambda r: r.ec2_backend, lambda r, _action: _ec2_refusal(r.querystring))
    _wrap_call_action(RDSResponse, lambda r: r.backend, _rds_refusal)

    for name, kind in _EC2_CREATORS.items():
        _wrap_ec2_creator(EC2Backend, name, kind)
    for name, key in _EC2_LISTS.items():
        _wrap_list(EC2Response, name, key, lambda _r, o: is_young_ec2(getattr(o, "id", None)))
    # the rules of a new group are not listed either (``DescribeSecurityGroupRules`` by ``group-id``)
    _wrap_list(EC2Response, "describe_security_group_rules", "SecurityGroupRules",
               lambda _r, rule: is_young_ec2(getattr(rule, "group_id", None)))

    inner_create_group = RDSBackend.create_subnet_group

    def create_subnet_group(self: Any, subnet_name: str, *args: Any, **kwargs: Any) -> Any:
        group = inner_create_group(self, subnet_name, *args, **kwargs)
        if _recording():
            _record(_rds_key(self.account_id, self.region_name, subnet_name), "db-subnet-group")
        return group

    RDSBackend.create_subnet_group = create_subnet_group  # type: ignore[method-assign]
    _wrap_list(
        RDSResponse,
        "describe_db_subnet_groups",
        "DBSubnetGroups",
        lambda r, g: _young(_rds_key(r.current_account, r.region, getattr(g, "name", "") or "")) is not None,
    )
    _wrap_iam(IAMBackend)
