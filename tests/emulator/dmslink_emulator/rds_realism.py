"""RDS realism: the states after create and restore, forced failure states, and the network
interfaces RDS keeps after an instance is gone.

* **After create and restore**: ``creating`` (``rds_seconds.creating``) -> ``backing-up``
  (``rds_lifecycle_seconds.backing_up``) -> ``available`` (``first_available``) -> ``modifying``
  (``followup_modifying``) -> ``available``.  A new instance takes its first automated backup
  (``backing-up``: "The DB instance is currently being backed up", RDS user guide, "Viewing Amazon
  RDS DB instance status",
  https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html) and then
  applies what the create or restore could not (a restore applies the requested security groups,
  parameter group ... by a modify after it is first available), so ``available`` is seen once and
  then ``modifying`` again: the reason terraform-provider-aws waits through ``backing-up``,
  ``configuring-enhanced-monitoring``, ``modifying`` ... and counts three consecutive readings
  (``internal/service/rds/wait.go`` ``waitDBInstanceCreated``/``Updated``/``Deleted``).  The times
  run from the due time of the previous step, not from the next call.  ``first_available`` and
  ``followup_modifying`` both 0 skip the flap.  A modify or delete meanwhile supersedes the rest.
* **Forced states** (``POST /_dmslink/rds/instance-state``): ``{"id", "status", "account"?,
  "region"?, "then"?, "after_seconds"?}`` puts an instance in any status of the user guide's table
  (``failed``, ``incompatible-parameters``, ``incompatible-restore``, ``incompatible-network``,
  ``incompatible-option-group``, ``inaccessible-encryption-credentials``, ``restore-error``,
  ``storage-full``, ``upgrading`` ...), cancelling its pending transitions.  The calls refuse as AWS
  does: ``ModifyDBInstance`` only from ``available`` (``rds_ext``) -- and from ``storage-full`` when
  it changes ``AllocatedStorage`` ("scale up your storage by modifying the DB instance", same table);
  ``DeleteDBInstance`` of a ``failed``, ``incompatible-restore`` or ``incompatible-network`` instance
  only with ``SkipFinalSnapshot`` ("If the DB instance is in a failure state with a status of
  failed, incompatible-restore, or incompatible-network, you can only delete it when you skip
  creation of the final snapshot", DeleteDBInstance API reference) -> ``InvalidDBInstanceState``
  otherwise (the code is the stricter plausible one).
* **Network interfaces**: an instance in a DB subnet group gets a requester-managed interface
  (description ``RDSNetworkInterface``, requester ``amazon-rds``, ``in-use``, the instance's security
  groups) in the subnet of its AZ, and a second one in another AZ when Multi-AZ.  ``ModifyDBInstance``
  with ``VpcSecurityGroupIds`` moves them to the new groups.  When the instance is gone they stay
  ``in-use`` for ``rds_lifecycle_seconds.eni_linger`` (default 2 s; minutes on AWS) and then
  disappear; meanwhile they block ``DeleteSecurityGroup`` ("resource sg-... has a dependent
  object"), ``DeleteSubnet`` ("The subnet '...' has dependencies and cannot be deleted.") and
  ``DeleteVpc`` with ``DependencyViolation`` (``ec2_ext``), and ``DeleteNetworkInterface`` of one
  answers ``InvalidNetworkInterface.InUse`` -- they are RDS's to remove, not the user's
  (hashicorp/terraform#11047: the network interface outlives its owner and holds on to the
  security group; hashicorp/terraform-provider-aws#9495: lingering interfaces behind
  ``DependencyViolation`` on subnet delete; aws/aws-cdk#4036: RDS instance deleted, security group
  ``DependencyViolation``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from moto.rds.models import RDSBackend
from moto.rds.responses import RDSResponse

from . import ec2_ext, timeline
from .aws_common import all_backends, existing_ec2_backend, strict
from .config import CONFIG
from .control import STATE_LOCK, ControlError, route

RDS_ENI_DESCRIPTION = "RDSNetworkInterface"
RDS_REQUESTER = "amazon-rds"
LIFECYCLE = "rds_lifecycle_seconds"

# DB instance statuses of the RDS user guide's "Viewing Amazon RDS DB instance status" table.
DB_STATUSES = (
    "available",
    "backing-up",
    "configuring-enhanced-monitoring",
    "configuring-iam-database-auth",
    "configuring-log-exports",
    "converting-to-vpc",
    "creating",
    "delete-precheck",
    "deleting",
    "failed",
    "inaccessible-encryption-credentials",
    "inaccessible-encryption-credentials-recoverable",
    "incompatible-create",
    "incompatible-network",
    "incompatible-option-group",
    "incompatible-parameters",
    "incompatible-restore",
    "insufficient-capacity",
    "maintenance",
    "modifying",
    "moving-to-vpc",
    "rebooting",
    "resetting-master-credentials",
    "renaming",
    "restore-error",
    "starting",
    "stopped",
    "stopping",
    "storage-config-upgrade",
    "storage-full",
    "storage-initialization",
    "storage-optimization",
    "upgrading",
    "upgrade_failed",
)
# DeleteDBInstance API reference: these may be deleted only with SkipFinalSnapshot.
SKIP_SNAPSHOT_ONLY = ("failed", "incompatible-restore", "incompatible-network")


def _key(account: str, region: str, db_id: str) -> tuple[str, ...]:
    return ("rds", account, region, db_id.lower())  # rds_ext's key: a later operation supersedes


def _error(code: str, message: str) -> Exception:
    from moto.rds.exceptions import RDSClientError

    return RDSClientError(code, message)


# ---------------------------------------------------------------------------
# creating -> backing-up -> available -> modifying -> available
# ---------------------------------------------------------------------------

Step = tuple[str, float]


def run_steps(key: tuple[str, ...], db: Any, steps: list[Step], start: float) -> None:
    """Put ``db`` in each ``(status, seconds)`` step in turn, each timed from the previous step's
    due time (not from the call that happens to apply it)."""
    at = start
    for i, (status, seconds) in enumerate(steps):
        due = at + seconds
        now = time.monotonic()
        if due > now:

            def step(due_at: float, i: int = i, status: str = status) -> None:
                db.status = status
                run_steps(key, db, steps[i + 1:], due_at)

            timeline.schedule(key, due - now, status, step)
            return
        db.status = status
        at = due


def lifecycle_steps() -> list[Step]:
    seconds = lambda state: CONFIG.resource_seconds_in(LIFECYCLE, state)  # noqa: E731
    steps: list[Step] = [
        ("backing-up", CONFIG.resource_seconds_in("rds_seconds", "creating")),
        ("available", seconds("backing_up")),
    ]
    first, followup = seconds("first_available"), seconds("followup_modifying")
    if first > 0 or followup > 0:
        steps += [("modifying", first), ("available", followup)]
    return steps


# ---------------------------------------------------------------------------
# network interfaces
# ---------------------------------------------------------------------------

def _subnets_for(db: Any) -> list[Any]:
    group = getattr(db, "db_subnet_group", None)
    subnets = list(getattr(group, "_subnets", []) or [])
    if not subnets:
        return []
    az = getattr(db, "availability_zone", None)
    first = next((s for s in subnets if s.availability_zone == az), subnets[0])
    chosen = [first]
    if getattr(db, "multi_az", False):
        other = next((s for s in subnets if s.availability_zone != first.availability_zone), None)
        if other is not None:
            chosen.append(other)
    return chosen


def _add_enis(account: str, region: str, db: Any) -> None:
    ec2 = existing_ec2_backend(account, region)
    if ec2 is None:
        return
    ids = []
    for subnet in _subnets_for(db):
        try:
            eni = ec2_ext.create_service_eni(
                ec2, subnet.id, list(getattr(db, "vpc_security_group_ids", None) or []),
                RDS_ENI_DESCRIPTION, RDS_REQUESTER,
            )
        except Exception:  # noqa: BLE001 - lenient mode with made-up subnets or groups
            continue
        ids.append(eni.id)
    db._emu_eni_ids = ids  # type: ignore[attr-defined]


def _release_enis(account: str, region: str, eni_ids: list[str]) -> None:
    """The instance is gone: RDS removes its interfaces after a while, not at once."""
    if not eni_ids:
        return

    def gone(_at: float) -> None:
        ec2 = existing_ec2_backend(account, region)
        if ec2 is not None:
            for eni_id in eni_ids:
                ec2.enis.pop(eni_id, None)

    timeline.schedule(
        ("rds-eni", account, region, tuple(eni_ids)),
        CONFIG.resource_seconds_in(LIFECYCLE, "eni_linger"),
        "gone",
        gone,
    )


# ---------------------------------------------------------------------------
# hooks
# ---------------------------------------------------------------------------

def _wrap(name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    previous = RDSResponse.__dict__.get(name) or getattr(RDSResponse, name)
    setattr(RDSResponse, name, make(previous))


def _created(previous: Callable[..., Any]) -> Callable[..., Any]:
    def create(self: RDSResponse) -> Any:
        result = previous(self)
        start = time.monotonic()  # timed from the answer (moto's first call in a region is slow)
        db = result.result["DBInstance"]
        _add_enis(self.current_account, self.region, db)
        key = _key(self.current_account, self.region, db.db_instance_identifier)
        timeline.cancel(key)  # rds_ext's creating -> available
        db.status = "creating"
        run_steps(key, db, lifecycle_steps(), start)
        return result

    return create


def _find(self: RDSResponse) -> Any:
    db_id = self.params.get("DBInstanceIdentifier")
    return self.backend.databases.get(db_id) if isinstance(db_id, str) else None


def _modify(previous: Callable[..., Any]) -> Callable[..., Any]:
    def modify(self: RDSResponse) -> Any:
        db = _find(self)
        scaling_full = (
            db is not None and db.status == "storage-full" and self.params.get("AllocatedStorage") is not None
        )
        if scaling_full:
            db.status = "available"  # rds_ext allows modify from available only
        try:
            result = previous(self)
        except Exception:
            if scaling_full:
                db.status = "storage-full"
            raise
        db = result.result["DBInstance"]
        if self.params.get("VpcSecurityGroupIds") is not None:
            ec2 = existing_ec2_backend(self.current_account, self.region)
            if ec2 is not None:
                for eni_id in getattr(db, "_emu_eni_ids", []):
                    ec2_ext.set_eni_groups(ec2, eni_id, list(db.vpc_security_group_ids or []))
        return result

    return modify


def _delete(previous: Callable[..., Any]) -> Callable[..., Any]:
    def delete(self: RDSResponse) -> Any:
        db = _find(self)
        skip = str(self.params.get("SkipFinalSnapshot")).lower() == "true"
        if strict() and db is not None and db.status in SKIP_SNAPSHOT_ONLY and not skip:
            raise _error(
                "InvalidDBInstanceState",
                f"DB instance {db.db_instance_identifier} is in {db.status} state; it can be deleted "
                "only with SkipFinalSnapshot.",
            )
        return previous(self)

    return delete


def _patch_backend_delete() -> None:
    """When the instance is really gone (``rds_ext``'s timed delete), its interfaces linger."""
    delete_db_instance = RDSBackend.delete_db_instance

    def delete(self: RDSBackend, db_instance_identifier: str, *args: Any, **kwargs: Any) -> Any:
        db = self.databases.get(db_instance_identifier)
        eni_ids = list(getattr(db, "_emu_eni_ids", [])) if db is not None else []
        result = delete_db_instance(self, db_instance_identifier, *args, **kwargs)
        _release_enis(self.account_id, self.region_name, eni_ids)
        return result

    RDSBackend.delete_db_instance = delete  # type: ignore[method-assign]


# ---------------------------------------------------------------------------
# forced states (control endpoint)
# ---------------------------------------------------------------------------

def _find_db(body: dict[str, Any]) -> tuple[RDSBackend, Any]:
    from moto.rds.models import rds_backends

    db_id = body["id"].lower()
    for account, region, backend in all_backends(rds_backends):
        if body.get("account") not in (None, account) or body.get("region") not in (None, region):
            continue
        db = backend.databases.get(db_id)
        if db is not None:
            return backend, db
    raise ControlError(404, f"no DB instance {body['id']}")


@route("POST", "/rds/instance-state")
def _force_state(body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    """``{"id", "status", "account"?, "region"?, "then"?, "after_seconds"?}``"""
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise ControlError(400, 'expected {"id": ..., "status": ...}')
    status, then = body.get("status"), body.get("then")
    if status is None:
        raise ControlError(400, "status is required")
    for value in (status, then):
        if value is not None and value not in DB_STATUSES:
            raise ControlError(400, f"unknown status {value!r}; known: {list(DB_STATUSES)}")
    after = body.get("after_seconds", 0)
    if isinstance(after, bool) or not isinstance(after, int | float) or after < 0:
        raise ControlError(400, "after_seconds: expected a number >= 0")
    with STATE_LOCK:
        timeline.advance()
        backend, db = _find_db(body)
        key = _key(backend.account_id, backend.region_name, db.db_instance_identifier)
        timeline.cancel(key)  # a forced state supersedes what was under way
        db.status = status
        if then is not None:
            run_steps(key, db, [(then, float(after))], time.monotonic())
        return 200, {"id": db.db_instance_identifier, "status": db.status}


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    _wrap("create_db_instance", _created)
    _wrap("restore_db_instance_from_db_snapshot", _created)
    _wrap("modify_db_instance", _modify)
    _wrap("delete_db_instance", _delete)
    _patch_backend_delete()
