"""DMS realism: random ARNs, subnet groups that pass through ``deleting``, tasks that need an
``available`` replication instance, and replication instance states forced from outside.

* **Random resource ids in ARNs.**  AWS: "``resourcename`` is the resource name assigned to the
  AWS DMS resource. This is a generated arbitrary string", e.g.
  ``arn:aws:dms:us-east-1:123456789012:rep:QLXQZ64MH7CXF4QCQMGRVYVXAI`` (DMS user guide,
  "Constructing an Amazon Resource Name (ARN) for AWS DMS",
  https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Introduction.AWS.ARN.html).  moto builds a
  replication instance's ARN from its identifier (``rep:<id>``), so an instance replaced under the
  same name got the same ARN and stale-ARN bugs could not surface.  Here the instance ARN ends in
  26 random upper-case letters and digits, or in ``ResourceIdentifier`` when one is sent
  (CreateReplicationInstance API reference).  Endpoint ARNs (moto: 27 random characters) get 26
  like AWS's; task ARNs are random already (``dms_tasks``).
* **Subnet groups pass through ``deleting``.**  ``DeleteReplicationSubnetGroup`` answers as before,
  but the group stays listed with ``SubnetGroupStatus`` ``deleting`` for
  ``dms_subnet_group_seconds.deleting``; meanwhile creating one with the same identifier ->
  ``ResourceAlreadyExistsFault``, modifying or deleting it, or creating a replication instance in
  it -> ``InvalidResourceStateFault``.  AWS documents no status values for subnet groups
  (``SubnetGroupStatus`` is free text); this is the stricter plausible behaviour, the way DMS
  endpoints and instances are deleted (``deleting`` then gone).
* **Tasks need an ``available`` instance (and ``active`` endpoints).**  ``CreateReplicationTask``,
  ``MoveReplicationTask`` (the target), ``StartReplicationTask`` and ``TestConnection`` answer
  ``InvalidResourceStateFault`` ("The resource is in a state that prevents it from being used for
  database migration", botocore ``dms`` model; listed in the Errors of each operation's API
  reference) while the replication instance is not ``available`` (``rulebook/dms.json``
  ``replication_instance.operations.UseByTask``), and ``CreateReplicationTask`` while an endpoint is
  not ``active`` (``endpoint.operations.UseByTask``).  AWS's message text is not documented.
* **Forced instance states** (``POST /_dmslink/dms/instance-state``): ``{"arn"|"id", "status",
  "account"?, "region"?, "then"?, "after_seconds"?}`` puts a replication instance in any status AWS
  reports (API_ReplicationInstance ``ReplicationInstanceStatus``: ``failed``, ``incompatible-network``,
  ``incompatible-credentials``, ``storage-full``, ``upgrading``, ``rebooting``, ``maintenance``,
  ``inaccessible-encryption-credentials`` ...), cancelling its pending transitions; with ``then`` it
  moves on to that status after ``after_seconds``.  The calls refuse as above; ``Modify`` needs
  ``available`` (rulebook), ``Delete`` works from every status but ``deleting``.

Strict mode only (``--lenient`` turns the refusals off; ARNs stay random).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from moto.dms.models import DatabaseMigrationServiceBackend, FakeReplicationInstance
from moto.dms.models import Endpoint as MotoEndpoint
from moto.dms.responses import DatabaseMigrationServiceResponse
from moto.dms.utils import random_id
from moto.utilities.utils import get_partition

from . import rulebook, timeline
from .config import CONFIG
from .control import STATE_LOCK, ControlError, route
from .dms_common import (
    InvalidResourceStateFault,
    ResourceAlreadyExistsFault,
    backend_of,
    params,
    strict,
    tick_all,
)

RESOURCE_ID_LENGTH = 26  # the sample ARNs of the DMS user guide

# ReplicationInstanceStatus values (API_ReplicationInstance; the instance-available waiter of
# botocore's dms waiters-2.json adds inaccessible-encryption-credentials).
INSTANCE_STATUSES = (
    "available",
    "creating",
    "deleted",
    "deleting",
    "failed",
    "modifying",
    "upgrading",
    "rebooting",
    "resetting-master-credentials",
    "storage-full",
    "incompatible-credentials",
    "incompatible-network",
    "maintenance",
    "inaccessible-encryption-credentials",
)
DELETING = "deleting"


def resource_id(given: Any = None) -> str:
    return given if isinstance(given, str) and given else random_id(True, RESOURCE_ID_LENGTH)


def _arn(partition_region: str, account: str, kind: str, rid: str) -> str:
    return f"arn:{get_partition(partition_region)}:dms:{partition_region}:{account}:{kind}:{rid}"


# ---------------------------------------------------------------------------
# random ARNs
# ---------------------------------------------------------------------------

def _patch_arns() -> None:
    instance_init = FakeReplicationInstance.__init__
    endpoint_init = MotoEndpoint.__init__

    def init_instance(self: FakeReplicationInstance, *args: Any, **kwargs: Any) -> None:
        instance_init(self, *args, **kwargs)
        rid = resource_id(getattr(self, "resource_identifier", None))
        region, account = self.arn.split(":")[3:5]
        self.arn = _arn(region, account, "rep", rid)

    def init_endpoint(self: Any, *args: Any, **kwargs: Any) -> None:
        endpoint_init(self, *args, **kwargs)
        if not kwargs.get("resource_identifier"):
            self.id = resource_id()
            region, account = self.endpoint_arn.split(":")[3:5]
            self.endpoint_arn = _arn(region, account, "endpoint", self.id)

    FakeReplicationInstance.__init__ = init_instance  # type: ignore[method-assign]
    MotoEndpoint.__init__ = init_endpoint  # type: ignore[method-assign]


# ---------------------------------------------------------------------------
# subnet groups: deleting
# ---------------------------------------------------------------------------

def _group(backend: DatabaseMigrationServiceBackend, identifier: Any) -> Any:
    return backend.replication_subnet_groups.get(identifier.lower()) if isinstance(identifier, str) else None


def _deleting(group: Any) -> bool:
    return bool(getattr(group, "_emu_deleting", False))


def _refuse_deleting_group(group: Any, doing: str) -> None:
    if group is not None and _deleting(group) and strict():
        raise InvalidResourceStateFault(
            f"Replication Subnet Group {group.replication_subnet_group_identifier} is being deleted; "
            f"it cannot be {doing}."
        )


def _wrap(name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    previous = getattr(DatabaseMigrationServiceResponse, name)
    setattr(DatabaseMigrationServiceResponse, name, make(previous))


def _delete_subnet_group(previous: Callable[..., Any]) -> Callable[..., Any]:
    def delete(self: DatabaseMigrationServiceResponse) -> Any:
        backend = backend_of(self)
        identifier = params(self).get("ReplicationSubnetGroupIdentifier")
        group = _group(backend, identifier)
        _refuse_deleting_group(group, "deleted again")
        body = previous(self)
        seconds = CONFIG.resource_seconds_in("dms_subnet_group_seconds", DELETING)
        if group is None or seconds <= 0:
            return body
        key = group.replication_subnet_group_identifier
        group._emu_deleting = True  # type: ignore[attr-defined]
        backend.replication_subnet_groups[key] = group  # back in the list while deleting

        def gone(_at: float) -> None:
            if backend.replication_subnet_groups.get(key) is group:
                backend.replication_subnet_groups.pop(key, None)

        timeline.schedule(("dms-subgrp", backend.account_id, backend.region_name, key), seconds, "gone", gone)
        return body

    return delete


def _modify_subnet_group(previous: Callable[..., Any]) -> Callable[..., Any]:
    def modify(self: DatabaseMigrationServiceResponse) -> Any:
        _refuse_deleting_group(
            _group(backend_of(self), params(self).get("ReplicationSubnetGroupIdentifier")), "modified"
        )
        return previous(self)

    return modify


def _create_subnet_group(previous: Callable[..., Any]) -> Callable[..., Any]:
    def create(self: DatabaseMigrationServiceResponse) -> Any:
        group = _group(backend_of(self), params(self).get("ReplicationSubnetGroupIdentifier"))
        if group is not None and _deleting(group):
            raise ResourceAlreadyExistsFault(
                f"Replication subnet group {group.replication_subnet_group_identifier} already exists "
                "(it is being deleted)"
            )
        return previous(self)

    return create


def _describe_subnet_groups(previous: Callable[..., Any]) -> Callable[..., Any]:
    def describe(self: DatabaseMigrationServiceResponse) -> Any:
        body = previous(self)
        backend = backend_of(self)
        doc = json.loads(body)
        for g in doc.get("ReplicationSubnetGroups", []):
            if _deleting(_group(backend, g.get("ReplicationSubnetGroupIdentifier"))):
                g["SubnetGroupStatus"] = DELETING
        return json.dumps(doc)

    return describe


def _create_instance(previous: Callable[..., Any]) -> Callable[..., Any]:
    def create(self: DatabaseMigrationServiceResponse) -> Any:
        _refuse_deleting_group(
            _group(backend_of(self), params(self).get("ReplicationSubnetGroupIdentifier")), "used"
        )
        return previous(self)

    return create


# ---------------------------------------------------------------------------
# tasks need an available instance and active endpoints
# ---------------------------------------------------------------------------

def require_available_instance(backend: DatabaseMigrationServiceBackend, arn: Any) -> None:
    """``InvalidResourceStateFault`` unless the instance (when it exists) is ``available``."""
    ri = backend.replication_instances.get(arn) if isinstance(arn, str) else None
    if ri is not None and strict():
        rulebook.check("replication_instance", "UseByTask", ri.status, id=ri.id)


def require_active_endpoint(backend: DatabaseMigrationServiceBackend, arn: Any) -> None:
    endpoint = next((e for e in backend.endpoints.values() if e.endpoint_arn == arn), None)
    if endpoint is not None and strict():
        rulebook.check("endpoint", "UseByTask", endpoint.status, id=endpoint.endpoint_identifier)


def _patch_task_references() -> None:
    """``dms_tasks._check_reference`` resolves the ARNs of create and move (after the parameter
    checks); the instance or endpoint it finds must also be usable."""
    from . import dms_tasks

    check_reference = dms_tasks._check_reference

    def checked(backend: DatabaseMigrationServiceBackend, name: str, arn: Any, kind: str) -> Any:
        found = check_reference(backend, name, arn, kind)
        if kind == "rep":
            require_available_instance(backend, arn)
        else:
            require_active_endpoint(backend, arn)
        return found

    dms_tasks._check_reference = checked  # type: ignore[assignment]


def _start_task(previous: Callable[..., Any]) -> Callable[..., Any]:
    def start(self: DatabaseMigrationServiceResponse) -> Any:
        backend = backend_of(self)
        task = backend.replication_tasks.get(params(self).get("ReplicationTaskArn") or "")
        if task is not None and not getattr(task, "gone", False):
            require_available_instance(backend, task.replication_instance_arn)
        return previous(self)

    return start


def _test_connection(previous: Callable[..., Any]) -> Callable[..., Any]:
    def test(self: DatabaseMigrationServiceResponse) -> Any:
        require_available_instance(backend_of(self), params(self).get("ReplicationInstanceArn"))
        return previous(self)

    return test


# ---------------------------------------------------------------------------
# forced instance states (control endpoint)
# ---------------------------------------------------------------------------

def _find_instance(body: dict[str, Any]) -> tuple[DatabaseMigrationServiceBackend, FakeReplicationInstance]:
    from moto.dms.models import dms_backends

    arn, ident = body.get("arn"), body.get("id")
    account, region = body.get("account"), body.get("region")
    for acct, per_account in list(dict.items(dms_backends)):
        if account is not None and acct != account:
            continue
        for reg, backend in list(dict.items(per_account)):
            if region is not None and reg != region:
                continue
            for ri in backend.replication_instances.values():
                if ri.arn == arn or (isinstance(ident, str) and ri.id == ident.lower()):
                    return backend, ri
    raise ControlError(404, f"no replication instance {arn or ident}")


@route("POST", "/dms/instance-state")
def _force_instance_state(body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    """``{"arn" | "id", "status", "account"?, "region"?, "then"?, "after_seconds"?}``"""
    if not isinstance(body, dict) or not (isinstance(body.get("arn"), str) or isinstance(body.get("id"), str)):
        raise ControlError(400, 'expected {"arn" or "id": ..., "status": ...}')
    status, then = body.get("status"), body.get("then")
    for value in (status, then):
        if value is not None and value not in INSTANCE_STATUSES:
            raise ControlError(400, f"unknown status {value!r}; known: {list(INSTANCE_STATUSES)}")
    if status is None:
        raise ControlError(400, "status is required")
    after = body.get("after_seconds", 0)
    if isinstance(after, bool) or not isinstance(after, int | float) or after < 0:
        raise ControlError(400, "after_seconds: expected a number >= 0")
    tick_all()
    with STATE_LOCK:
        timeline.advance()
        backend, ri = _find_instance(body)
        key = ("dms-instance", backend.account_id, backend.region_name, ri.arn)
        timeline.cancel(key)  # a forced state supersedes what was under way
        ri.status = status
        if then is not None:

            def settle(_at: float) -> None:
                ri.status = then

            timeline.schedule(key, float(after), then, settle)
        return 200, {"arn": ri.arn, "id": ri.id, "status": ri.status, "at": time.time()}


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    _patch_arns()
    _patch_task_references()
    _wrap("delete_replication_subnet_group", _delete_subnet_group)
    _wrap("modify_replication_subnet_group", _modify_subnet_group)
    _wrap("create_replication_subnet_group", _create_subnet_group)
    _wrap("describe_replication_subnet_groups", _describe_subnet_groups)
    _wrap("create_replication_instance", _create_instance)
    _wrap("start_replication_task", _start_task)
    _wrap("test_connection", _test_connection)
