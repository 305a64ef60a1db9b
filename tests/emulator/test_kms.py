"""KMS keys in DMS and RDS creates (``dmslink_emulator/kms_keys.py``, rule K1 in docs/emulator.md)."""

from __future__ import annotations

from typing import Any

from conftest import Emulator, ensure_dms_vpc_role
from test_orderable import postgres
from test_stack import Net, fault
from test_strictness import subnet_group


def key(emulator: Emulator, state: str = "Enabled") -> str:
    kms = emulator.client("kms")
    meta = kms.create_key(Description="dmslink test key")["KeyMetadata"]
    if state == "Disabled":
        kms.disable_key(KeyId=meta["KeyId"])
    elif state == "PendingDeletion":
        kms.schedule_key_deletion(KeyId=meta["KeyId"], PendingWindowInDays=7)
    return str(meta["Arn"])


def endpoint(dms: Any, ident: str, **extra: Any) -> dict[str, Any]:
    return dms.create_endpoint(
        EndpointIdentifier=ident, EndpointType="target", EngineName="postgres", ServerName="db.example",
        Port=5432, DatabaseName="d", Username="u", Password="p", **extra,
    )["Endpoint"]


def test_a_key_dms_cannot_use_is_refused_and_a_usable_one_is_reported(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    other_region = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    for bad in [key(emulator, "Disabled"), key(emulator, "PendingDeletion"), other_region]:
        fault(lambda **kw: endpoint(dms, "ep-bad", **kw), "KMSKeyNotAccessibleFault", KmsKeyId=bad)
    good = key(emulator)
    assert endpoint(dms, "ep-own-key", KmsKeyId=good)["KmsKeyId"] == good
    # Unset: the AWS-managed aws/dms key, reported by its key ARN.
    default = endpoint(dms, "ep-default")["KmsKeyId"]
    assert default.startswith("arn:aws:kms:") and ":key/" in default
    assert endpoint(dms, "ep-default-2")["KmsKeyId"] == default
    described = dms.describe_endpoints(Filters=[{"Name": "endpoint-id", "Values": ["ep-own-key"]}])["Endpoints"]
    assert described[0]["KmsKeyId"] == good


def test_the_replication_instance_takes_only_a_usable_key(emulator: Emulator) -> None:
    ec2, dms = emulator.client("ec2"), emulator.client("dms")
    ensure_dms_vpc_role(dms)
    subnet_group(dms, Net(ec2))
    args = {"ReplicationInstanceClass": "dms.t3.medium", "ReplicationSubnetGroupIdentifier": "grp"}
    fault(dms.create_replication_instance, "KMSKeyNotAccessibleFault", ReplicationInstanceIdentifier="ri-bad",
          KmsKeyId=key(emulator, "Disabled"), **args)
    good = key(emulator)
    ri = dms.create_replication_instance(ReplicationInstanceIdentifier="ri-key", KmsKeyId=good, **args)
    assert ri["ReplicationInstance"]["KmsKeyId"] == good


def test_rds_takes_only_a_usable_key_for_encrypted_storage(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    fault(lambda **kw: postgres(rds, "db-bad", **kw), "KMSKeyNotAccessibleFault", StorageEncrypted=True,
          KmsKeyId=key(emulator, "Disabled"))
    fault(lambda **kw: postgres(rds, "db-plain", **kw), "InvalidParameterCombination", KmsKeyId=key(emulator))
    good = key(emulator)
    assert postgres(rds, "db-key", StorageEncrypted=True, KmsKeyId=good)["KmsKeyId"] == good
    default = postgres(rds, "db-default", StorageEncrypted=True)["KmsKeyId"]
    assert default.startswith("arn:aws:kms:") and ":key/" in default and default != good
