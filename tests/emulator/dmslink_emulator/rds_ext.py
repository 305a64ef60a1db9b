"""RDS fidelity: timed instance states, delete rules, DB subnet groups.

* ``CreateDBInstance`` / ``RestoreDBInstanceFromDBSnapshot`` -> ``creating``
  for ``rds_seconds.creating``, then ``available`` (moto: ``available`` at once);
  without ``VpcSecurityGroupIds`` the instance gets the default security group
  of its DB subnet group's VPC (moto: the default VPC's).
* ``ModifyDBInstance`` -> ``modifying`` for ``rds_seconds.modifying``; nothing
  to modify -> ``InvalidParameterCombination`` "No modifications were
  requested"; not ``available`` -> ``InvalidDBInstanceState`` (strict).
* ``DeleteDBInstance`` -> ``deleting`` for ``rds_seconds.deleting``, then gone.
  Strict: neither ``SkipFinalSnapshot=true`` nor ``FinalDBSnapshotIdentifier``
  (or both) -> ``InvalidParameterCombination``; a final snapshot of a
  ``creating`` instance -> ``InvalidDBInstanceState``.  A final snapshot name
  already taken (case-insensitive) -> ``DBSnapshotAlreadyExists`` and the
  instance is not deleted (moto's ``create_db_snapshot`` raises it; AWS
  DeleteDBInstance API reference, Errors: "DBSnapshotAlreadyExists:
  DBSnapshotIdentifier is already used by an existing snapshot", HTTP 400,
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html).
  The final snapshot exists as soon as the call returns.  Deletion protection ->
  ``InvalidParameterCombination`` (as moto); deleting twice ->
  ``InvalidDBInstanceState`` "is already being deleted".
* DB subnet groups: ``ModifyDBSubnetGroup`` no longer drops the group (moto
  popped it from the backend); strict: subnets covering < 2 AZs ->
  ``DBSubnetGroupDoesNotCoverEnoughAZs``, an existing name ->
  ``DBSubnetGroupAlreadyExists``, ``DeleteDBSubnetGroup`` while an instance
  uses it -> ``InvalidDBSubnetGroupStateFault``.
* Instance ids and subnet group names are lower-cased (moto already does:
  case-insensitive keys, lower-case names in responses).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.rds.exceptions import (
    DBInstanceNotFoundError,
    DBSubnetGroupNotFoundError,
    RDSClientError,
)
from moto.rds.models import RDSBackend
from moto.rds.responses import RDSResponse

from . import kms_keys, timeline
from .aws_common import existing_ec2_backend, original, patch_method, strict
from .config import CONFIG


def _error(code: str, message: str) -> RDSClientError:
    return RDSClientError(code, message)


def _key(response: RDSResponse, db_id: str) -> tuple[str, ...]:
    return ("rds", response.current_account, response.region, db_id.lower())


def _find(response: RDSResponse, db_id: Any) -> Any:
    db = response.backend.databases.get(db_id) if isinstance(db_id, str) else None
    if db is None:
        raise DBInstanceNotFoundError(str(db_id))
    return db


def _become_available(response: RDSResponse, db: Any, state: str) -> None:
    def available(_at: float) -> None:
        db.status = "available"

    timeline.schedule(
        _key(response, db.db_instance_identifier),
        CONFIG.resource_seconds_in("rds_seconds", state),
        "available",
        available,
    )


def _default_group_of_subnet_group(response: RDSResponse, db: Any) -> None:
    if response.params.get("VpcSecurityGroupIds"):
        return
    group = getattr(db, "db_subnet_group", None)
    ec2 = existing_ec2_backend(response.current_account, response.region)
    if group is None or ec2 is None or group.vpc_id not in ec2.vpcs:
        return
    default = ec2.get_default_security_group(group.vpc_id)
    if default is not None:
        db.vpc_security_group_ids = [default.id]


def _created(self: RDSResponse, result: Any) -> Any:
    db = result.result["DBInstance"]
    # A restore keeps the snapshot's key; moto reports a placeholder for the default one.
    if db.storage_encrypted:
        db.kms_key_id = kms_keys.key_arn(self.current_account, self.region, db.kms_key_id, "rds")
    _default_group_of_subnet_group(self, db)
    db.status = "creating"
    _become_available(self, db, "creating")
    return result


def create_db_instance(self: RDSResponse) -> Any:
    key_id = self.params.get("KmsKeyId")
    why = kms_keys.problem(self.current_account, self.region, key_id)
    if why is not None:
        raise _error("KMSKeyNotAccessibleFault", why)
    if key_id is not None and str(self.params.get("StorageEncrypted")).lower() != "true" and strict():
        # API_CreateDBInstance, KmsKeyId: a key is for an encrypted instance (StorageEncrypted true).
        raise _error("InvalidParameterCombination", "KmsKeyId requires StorageEncrypted to be true.")
    return _created(self, original(RDSResponse, "create_db_instance")(self))


def restore_db_instance_from_db_snapshot(self: RDSResponse) -> Any:
    return _created(self, original(RDSResponse, "restore_db_instance_from_db_snapshot")(self))


_NOT_MODIFICATIONS = {"DBInstanceIdentifier", "ApplyImmediately"}


def modify_db_instance(self: RDSResponse) -> Any:
    db = _find(self, self.params.get("DBInstanceIdentifier"))
    if strict() and db.status != "available":
        raise _error(
            "InvalidDBInstanceState",
            f"Database instance {db.db_instance_identifier} is not in available state "
            f"(status: {db.status}).",
        )
    requested = [k for k, v in self.params.original_dict().items() if k not in _NOT_MODIFICATIONS and v is not None]
    if not requested:
        raise _error("InvalidParameterCombination", "No modifications were requested")
    result = original(RDSResponse, "modify_db_instance")(self)
    db = result.result["DBInstance"]
    db.status = "modifying"
    _become_available(self, db, "modifying")
    return result


def delete_db_instance(self: RDSResponse) -> Any:
    backend: RDSBackend = self.backend
    db = _find(self, self.params.get("DBInstanceIdentifier"))
    db_id = db.db_instance_identifier
    final = self.params.get("FinalDBSnapshotIdentifier")
    skip = str(self.params.get("SkipFinalSnapshot")).lower() == "true"
    delete_backups = self.params.get("DeleteAutomatedBackups")
    if db.status == "deleting":
        raise _error("InvalidDBInstanceState", f"Instance {db_id} is already being deleted.")
    if db.deletion_protection:
        raise _error(
            "InvalidParameterCombination",
            "Cannot delete protected DB Instance, please disable deletion protection and try again.",
        )
    if strict():
        if not skip and not final:
            raise _error(
                "InvalidParameterCombination",
                "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.",
            )
        if skip and final:
            raise _error(
                "InvalidParameterCombination",
                "Cannot specify both FinalDBSnapshotIdentifier and SkipFinalSnapshot.",
            )
        if final and db.status == "creating":
            raise _error(
                "InvalidDBInstanceState",
                f"Instance {db_id} is currently creating - a final snapshot cannot be taken.",
            )
    if final and not skip:
        backend.validate_db_snapshot_identifier(final, parameter_name="FinalDBSnapshotIdentifier")
        # Raises DBSnapshotAlreadyExists for a name taken (its keys are case-insensitive), before
        # the instance changes state.
        backend.create_db_snapshot(db_id, final, snapshot_type="manual")
    db.status = "deleting"

    def gone(_at: float) -> None:
        if db_id in backend.databases:
            backend.delete_db_instance(
                db_id,
                skip_final_snapshot=True,
                delete_automated_backups=True if delete_backups is None else bool(delete_backups),
            )

    timeline.schedule(
        _key(self, db_id), CONFIG.resource_seconds_in("rds_seconds", "deleting"), "gone", gone
    )
    return ActionResult({"DBInstance": db})


# -- DB subnet groups ----------------------------------------------------------

def _check_azs(self: RDSResponse) -> None:
    if not strict():
        return
    ec2 = existing_ec2_backend(self.current_account, self.region)
    ids = self.params.get("SubnetIds") or []
    if ec2 is None or not ids:
        return
    azs = set()
    for subnet_id in ids:
        azs.add(ec2.get_subnet(subnet_id).availability_zone)
    if len(azs) < 2:
        raise _error(
            "DBSubnetGroupDoesNotCoverEnoughAZs",
            "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. "
            f"Current AZ coverage: {', '.join(sorted(azs))}. Add subnets to cover at least 2 AZs.",
        )


def create_db_subnet_group(self: RDSResponse) -> Any:
    name = self.params.get("DBSubnetGroupName")
    if strict() and isinstance(name, str) and name in self.backend.subnet_groups:
        raise _error("DBSubnetGroupAlreadyExists", f"The DB subnet group '{name.lower()}' already exists.")
    _check_azs(self)
    return original(RDSResponse, "create_db_subnet_group")(self)


def modify_db_subnet_group(self: RDSResponse) -> Any:
    _check_azs(self)
    return original(RDSResponse, "modify_db_subnet_group")(self)


def delete_db_subnet_group(self: RDSResponse) -> Any:
    name = self.params.get("DBSubnetGroupName")
    if strict() and isinstance(name, str):
        users = [
            db.db_instance_identifier
            for db in self.backend.databases.values()
            if getattr(getattr(db, "db_subnet_group", None), "name", None) == name.lower()
        ]
        if users:
            raise _error(
                "InvalidDBSubnetGroupStateFault",
                f"Cannot delete the subnet group '{name.lower()}' because at least one database "
                f"instance: {', '.join(sorted(users))} is still using it.",
            )
    return original(RDSResponse, "delete_db_subnet_group")(self)


def _modify_subnet_group_backend(
    self: RDSBackend, subnet_name: str, description: str, subnets: list[Any]
) -> Any:
    """moto's version pops the group from the backend; this one keeps it."""
    subnet_group = self.subnet_groups.get(subnet_name)
    if subnet_group is None:
        raise DBSubnetGroupNotFoundError(subnet_name)
    if subnets:
        subnet_group.subnets = subnets
        subnet_group.vpc_id = subnets[0].vpc_id
    if description is not None:
        subnet_group.description = description
    return subnet_group


RESPONSE_METHODS = {
    "create_db_instance": create_db_instance,
    "restore_db_instance_from_db_snapshot": restore_db_instance_from_db_snapshot,
    "modify_db_instance": modify_db_instance,
    "delete_db_instance": delete_db_instance,
    "create_db_subnet_group": create_db_subnet_group,
    "modify_db_subnet_group": modify_db_subnet_group,
    "delete_db_subnet_group": delete_db_subnet_group,
}

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    for name, fn in RESPONSE_METHODS.items():
        patch_method(RDSResponse, name, fn)
    RDSBackend.modify_db_subnet_group = _modify_subnet_group_backend  # type: ignore[method-assign]
