"""KMS keys that DMS and RDS take in ``KmsKeyId`` (rule K1 in docs/emulator.md).

AWS refuses a key it cannot use: ``CreateEndpoint`` and ``CreateReplicationInstance`` raise
``KMSKeyNotAccessibleFault`` (DMS API reference, API_CreateEndpoint / API_CreateReplicationInstance,
Errors: "AWS DMS cannot access the AWS KMS key"), ``CreateDBInstance`` raises
``KMSKeyNotAccessibleFault`` ("An error occurred accessing an AWS KMS key", RDS API reference,
API_CreateDBInstance, Errors). moto's DMS and RDS store any text. Here the key must exist in moto's
KMS in the same account and region and be ``Enabled`` (disabled or pending deletion -> refused): the
stricter plausible reading, since a key of another region cannot be used either.

Without ``KmsKeyId`` AWS uses the service's AWS-managed key (``alias/aws/dms``, ``alias/aws/rds``) and
reports its key ARN; the emulator makes that key in moto's KMS on first use and reports the ARN of
whatever key is used, never the alias or the text sent (moto's RDS says ``default_kms_key_id``).
"""

from __future__ import annotations

from typing import Any

from moto.kms.models import KmsBackend, kms_backends


def _kms(account: str, region: str) -> KmsBackend:
    return kms_backends[account][region]


def _key(account: str, region: str, key_id: str) -> Any:
    try:
        return _kms(account, region).describe_key(key_id)
    except Exception:  # moto raises KeyError or NotFoundException for an unknown id
        return None


def problem(account: str, region: str, key_id: Any) -> str | None:
    """Why AWS could not use ``key_id``, or None."""
    if key_id is None:
        return None
    if not isinstance(key_id, str) or not key_id:
        return "KmsKeyId must be a non-empty string"
    key = _key(account, region, key_id)
    if key is None:
        return f"The KMS key {key_id} does not exist in {region} or is not accessible"
    if key.key_state != "Enabled":
        return f"The KMS key {key.arn} is {key.key_state}"
    return None


def key_arn(account: str, region: str, key_id: Any, service: str) -> str:
    """The ARN AWS reports for ``key_id``, or for the service's AWS-managed key when unset."""
    kms = _kms(account, region)
    if isinstance(key_id, str) and key_id and key_id != "default_kms_key_id":
        key = _key(account, region, key_id)
        if key is not None:
            return str(key.arn)
    alias = f"alias/aws/{service}"
    if not kms.alias_exists(alias):
        key = kms.create_key(
            None,
            "ENCRYPT_DECRYPT",
            "SYMMETRIC_DEFAULT",
            f"Default key that protects my {service.upper()} data when no other key is defined",
            None,
        )
        kms.create_alias(key.id, alias)
    return str(kms.describe_key(alias).arn)
