"""Where the emulator was stricter than AWS, or wrong (issue 13 item 7).

* ``dms-vpc-role`` with an **inline** (or customer-managed) policy granting the EC2 actions DMS
  needs is as good as the AWS-managed ``AmazonDMSVPCManagementRole``: ``granted_problem(role)``,
  used by ``iam_ext.dms_vpc_role_problem``.  The seed (GeoscienceAustralia/aws-dms-example,
  ``terraform-main/iam-roles.tf``) creates its role that way and its stack ran with it
  (docs: aws-behaviour.md 1.6).  A freshly put inline policy is subject to the same IAM propagation
  delay as a fresh attachment.
* Batch ``AuthorizeSecurityGroupIngress`` / ``Egress`` is atomic: a duplicate anywhere in the
  request rejects the whole request (``InvalidPermission.Duplicate``) and nothing is applied
  (moto applied the permissions before the duplicate).  AWS: "If a rule already exists, the request
  fails" — the call is one transaction (AuthorizeSecurityGroupIngress API reference; the AWS provider
  re-reads and retries the whole batch, internal/service/ec2/vpc_security_group_rule.go).
* ``CreateRoute`` / ``ReplaceRoute`` to a VPC peering connection that does not involve the route
  table's VPC -> ``InvalidParameterValue`` "route table rtb-… and network gateway pcx-… belong to
  different networks" (AWS's answer, hashicorp/terraform#2185).
* ``ModifyReplicationTask`` on a ``running`` task whose only changes are logging severities
  (rulebook ``ModifyReplicationTask.changes_allowed_from``): applied at once, the task stays
  ``running`` (AWS: "Replication Task, excluding logging severity task settings, cannot be modified
  while it is running state").

The StartReplicationTask fixes (resume/reload of a never-run task accepted; start-replication of a
task that has run -> ``InvalidParameterCombinationException``) are rulebook data
(``rulebook/dms.json``); ``DeleteSubnet`` blocked only by network interfaces is in ``ec2_ext``.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import time
from typing import Any
from urllib.parse import unquote

from . import rulebook
from .aws_common import strict
from .config import CONFIG

# ---------------------------------------------------------------------------
# dms-vpc-role granted by any policy
# ---------------------------------------------------------------------------

# What DMS does with the role: the actions of AmazonDMSVPCManagementRole as the seed's inline policy
# grants them (the managed policy's first versions; v4 of 2024 also lists ec2:DescribeDhcpOptions
# and ec2:DescribeNetworkInterfaces, which a role that works without them does not need — the seed's
# stack ran without them).
DMS_VPC_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
    "ec2:ModifyNetworkInterfaceAttribute",
)


def _document(doc: Any) -> dict[str, Any]:
    if isinstance(doc, dict):
        return doc
    if not isinstance(doc, str):
        return {}
    text = unquote(doc) if doc.lstrip().startswith("%") else doc
    try:
        parsed = json.loads(text)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _matches(patterns: list[Any], action: str) -> bool:
    return any(isinstance(p, str) and fnmatch.fnmatchcase(action.lower(), p.lower()) for p in patterns)


def _statement_covers(stmt: dict[str, Any], action: str) -> bool:
    if "Action" in stmt:
        hit = _matches(_as_list(stmt["Action"]), action)
    elif "NotAction" in stmt:
        hit = not _matches(_as_list(stmt["NotAction"]), action)
    else:
        return False
    if not hit:
        return False
    # DMS acts on resources it chooses (new interfaces, any VPC of the account): only "*" grants it.
    if "Resource" in stmt:
        return "*" in _as_list(stmt["Resource"])
    return False  # NotResource: not everything


def policy_documents(role: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(name, document)`` of every identity policy of ``role``: inline and attached."""
    docs = [(f"inline {name}", _document(doc)) for name, doc in (getattr(role, "policies", None) or {}).items()]
    for arn, policy in (getattr(role, "managed_policies", None) or {}).items():
        version = getattr(policy, "default_version", None) or next(
            (v for v in getattr(policy, "versions", []) if getattr(v, "is_default", False)), None
        )
        docs.append((arn, _document(getattr(version, "document", None) if version else getattr(policy, "document", None))))
    return docs


def missing_actions(role: Any) -> list[str]:
    """The DMS VPC actions no Allow statement of the role's policies grants (or a Deny takes away)."""
    statements = [
        s for _, doc in policy_documents(role) for s in _as_list(doc.get("Statement")) if isinstance(s, dict)
    ]
    missing = []
    for action in DMS_VPC_ACTIONS:
        allowed = any(s.get("Effect") == "Allow" and _statement_covers(s, action) for s in statements)
        denied = any(s.get("Effect") == "Deny" and _statement_covers(s, action) for s in statements)
        if not allowed or denied:
            missing.append(action)
    return missing


def granted_problem(role: Any) -> str | None:
    """None when the role's own policies grant what DMS needs and have propagated, else why not."""
    missing = missing_actions(role)
    if missing:
        return f"dms-vpc-role's policies do not grant {', '.join(missing)}"
    put = role.__dict__.get("_emu_inline_put", {})
    attached = role.__dict__.get("_emu_policy_attached", {})
    latest = max(list(put.values()) + list(attached.values()), default=None)
    if latest is not None and time.monotonic() - latest < CONFIG.iam_propagation():
        return "dms-vpc-role was configured too recently (IAM propagation)"
    return None


# ---------------------------------------------------------------------------
# EC2: atomic batch authorize, peering routes
# ---------------------------------------------------------------------------

def _group_of(response: Any) -> Any:
    ec2 = response.ec2_backend
    group_id = response._get_param("GroupId")
    try:
        if group_id:
            return ec2.get_security_group_from_id(group_id)
        name = response._get_param("GroupName")
        return ec2.get_security_group_by_name_or_id(name) if name else None
    except Exception:  # noqa: BLE001 - moto answers the NotFound itself
        return None


def atomic(inner: Any, attr: str) -> Any:
    def authorize(self: Any) -> Any:
        group = _group_of(self) if strict() else None
        before = list(getattr(group, attr)) if group is not None else None
        try:
            return inner(self)
        except Exception:
            if group is not None and before is not None:
                setattr(group, attr, before)  # nothing of a refused request stays applied
            raise

    authorize.__wrapped__ = inner  # type: ignore[attr-defined]
    return authorize


def check_peering_route(response: Any) -> None:
    pcx_id = response._get_param("VpcPeeringConnectionId")
    if not pcx_id or not strict():
        return
    ec2 = response.ec2_backend
    table = ec2.route_tables.get(response._get_param("RouteTableId"))
    pcx = ec2.vpc_pcxs.get(pcx_id)
    if table is None or pcx is None:
        return  # moto / peering.py answer the NotFound codes
    sides = {getattr(getattr(pcx, "vpc", None), "id", None), getattr(getattr(pcx, "peer_vpc", None), "id", None)}
    if table.vpc_id not in sides:
        from moto.ec2.exceptions import EC2ClientError

        raise EC2ClientError(
            "InvalidParameterValue",
            f"route table {table.id} and network gateway {pcx_id} belong to different networks",
        )


def route_guard(inner: Any) -> Any:
    def guarded(self: Any) -> Any:
        check_peering_route(self)
        return inner(self)

    guarded.__wrapped__ = inner  # type: ignore[attr-defined]
    return guarded


# ---------------------------------------------------------------------------
# DMS: logging-severity changes of a running task
# ---------------------------------------------------------------------------

def _strip(doc: Any, paths: list[str]) -> Any:
    doc = copy.deepcopy(doc)
    for path in paths:
        node = doc
        keys = path.split(".")
        for key in keys[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(keys[-1], None)
    return doc


def logging_only_modify(task: Any, doc: dict[str, Any]) -> bool:
    """Apply a modify of a running task that changes only what the rulebook allows (True), or
    leave it to the usual checks and their refusal (False)."""
    from . import task_settings

    if not strict():
        return False
    rule = next(
        (r for r in rulebook.operation("replication_task", "ModifyReplicationTask").get("changes_allowed_from", [])
         if task.status in r["states"]),
        None,
    )
    if rule is None:
        return False
    others = [k for k, v in doc.items() if k not in ("ReplicationTaskArn", "ReplicationTaskSettings") and v is not None]
    if others or doc.get("ReplicationTaskSettings") is None:
        return False
    try:
        user = task_settings.parse(doc["ReplicationTaskSettings"])
    except Exception:  # noqa: BLE001 - the usual path answers the JSON error
        return False
    current = task.settings_document()
    logging = user.get("Logging")
    if isinstance(logging, dict):
        for key in task_settings.READ_ONLY_LOGGING_KEYS:
            if key in logging and logging[key] not in (None, current.get("Logging", {}).get(key)):
                return False
            logging.pop(key, None)
    merged = task_settings.merge(task.settings, user)
    allowed = list(rule["settings"])
    if _strip(task_settings.full_document(merged), allowed) != _strip(task_settings.full_document(task.settings), allowed):
        return False
    task.settings = merged
    return True


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from moto.ec2.responses import EC2Response
    from moto.iam.models import IAMBackend

    for name, attr in (
        ("authorize_security_group_ingress", "ingress_rules"),
        ("authorize_security_group_egress", "egress_rules"),
    ):
        setattr(EC2Response, name, atomic(getattr(EC2Response, name), attr))
    for name in ("create_route", "replace_route"):
        setattr(EC2Response, name, route_guard(getattr(EC2Response, name)))

    original_put = IAMBackend.put_role_policy

    def put_role_policy(self: IAMBackend, role_name: str, policy_name: str, policy_json: str) -> None:
        original_put(self, role_name, policy_name, policy_json)
        role = self.get_role(role_name)
        role.__dict__.setdefault("_emu_inline_put", {})[policy_name] = time.monotonic()

    IAMBackend.put_role_policy = put_role_policy  # type: ignore[method-assign]
