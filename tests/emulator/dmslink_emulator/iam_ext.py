"""IAM: the DMS service roles DMS insists on.

* moto only knows AWS-managed policies with ``MOTO_IAM_LOAD_MANAGED_POLICIES``
  (loading all ~1600 of them).  Here the DMS ones
  (``AmazonDMSVPCManagementRole``, ``AmazonDMSCloudWatchLogsRole``,
  ``AmazonDMSRedshiftS3Role``) always exist, so ``AttachRolePolicy`` with
  ``arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole`` works.
* ``dms_vpc_role_problem(account, region)`` says why DMS would refuse to work
  in a VPC: no role named exactly ``dms-vpc-role``, a trust policy without
  ``dms.amazonaws.com``, neither the managed policy attached nor policies of
  its own granting its EC2 actions (``strictness.granted_problem``), or
  attached less than ``iam_propagation_seconds`` ago (AWS's IAM propagation delay).
"""

from __future__ import annotations

import json
import time
from typing import Any

from moto.iam.models import AWSManagedPolicy, IAMBackend
from moto.settings import load_iam_aws_managed_policies

from . import consistency
from .aws_common import iam_backend
from .config import CONFIG  # noqa: F401 - the window itself now comes from consistency.iam_window()

DMS_VPC_ROLE = "dms-vpc-role"
DMS_VPC_POLICY_NAME = "AmazonDMSVPCManagementRole"
ALWAYS_LOADED = ("AmazonDMSVPCManagementRole", "AmazonDMSCloudWatchLogsRole", "AmazonDMSRedshiftS3Role")

_policy_data: dict[str, Any] | None = None


def _dms_policy_data() -> dict[str, Any]:
    global _policy_data
    if _policy_data is None:
        from moto.iam.aws_managed_policies import aws_managed_policies_data

        everything = json.loads(aws_managed_policies_data)
        _policy_data = {name: everything[name] for name in ALWAYS_LOADED if name in everything}
    return _policy_data


def dms_vpc_policy_arn(partition: str = "aws") -> str:
    return f"arn:{partition}:iam::aws:policy/service-role/{DMS_VPC_POLICY_NAME}"


def _find_role(backend: IAMBackend, name: str) -> Any | None:
    return next((r for r in backend.roles.values() if r.name == name), None)


def dms_vpc_role_problem(account: str, region: str) -> str | None:
    """None when DMS may use ``dms-vpc-role`` now, else what is wrong (for logs)."""
    backend = iam_backend(account, region)
    role = _find_role(backend, DMS_VPC_ROLE)
    if role is None:
        return "no role named dms-vpc-role"
    trust = role.assume_role_policy_document or ""
    if not isinstance(trust, str):
        trust = json.dumps(trust)
    if "dms.amazonaws.com" not in trust:
        return "dms-vpc-role does not trust dms.amazonaws.com"
    if consistency.role_too_new(role):  # created / trust or inline policy changed within the window
        return "dms-vpc-role was created or changed too recently (IAM propagation)"
    arn = next((a for a in role.managed_policies if a.endswith(f"policy/service-role/{DMS_VPC_POLICY_NAME}")), None)
    if arn is None:
        # Policies of its own (inline, as the seed's) granting DMS's EC2 actions do as well (strictness).
        from .strictness import granted_problem

        return granted_problem(role)
    attached_at = getattr(role, "_emu_policy_attached", {}).get(arn)
    if attached_at is not None and time.monotonic() - attached_at < consistency.iam_window():
        return "dms-vpc-role was configured too recently (IAM propagation)"
    return None


def access_denied_message(partition: str, account: str) -> str:
    return f"The IAM Role arn:{partition}:iam::{account}:role/{DMS_VPC_ROLE} is not configured properly."


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True

    original_init = IAMBackend._init_aws_policies
    original_attach = IAMBackend.attach_role_policy
    original_detach = IAMBackend.detach_role_policy

    def _init_aws_policies(self: IAMBackend) -> list[Any]:
        if load_iam_aws_managed_policies():
            return original_init(self)
        return [
            AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
            for name, data in _dms_policy_data().items()
        ]

    def attach_role_policy(self: IAMBackend, policy_arn: str, role_name: str) -> None:
        original_attach(self, policy_arn, role_name)
        role = self.get_role(role_name)
        times = role.__dict__.setdefault("_emu_policy_attached", {})
        times.setdefault(policy_arn, time.monotonic())

    def detach_role_policy(self: IAMBackend, policy_arn: str, role_name: str) -> None:
        original_detach(self, policy_arn, role_name)
        role = self.get_role(role_name)
        role.__dict__.get("_emu_policy_attached", {}).pop(policy_arn, None)

    IAMBackend._init_aws_policies = _init_aws_policies  # type: ignore[method-assign]
    IAMBackend.attach_role_policy = attach_role_policy  # type: ignore[method-assign]
    IAMBackend.detach_role_policy = detach_role_policy  # type: ignore[method-assign]
