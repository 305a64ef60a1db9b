"""dmslink's local AWS emulator: moto's server plus AWS-fidelity extensions.

``install()`` monkeypatches moto (idempotent).  Each service area lives in its
own module and has an ``install()``; add new ones to ``_EXTENSIONS``.
"""

from __future__ import annotations

__all__ = ["install"]

_EXTENSIONS = (
    "dms_common",  # must come first: dispatch hook + wire format
    "aws_common",  # EC2/RDS/IAM calls under the state lock, timed transitions
    "iam_ext",
    "ec2_ext",
    "peering",  # VPC peering states, refusals, filters
    "vpn",  # VPN connections and their static routes (after ec2_ext)
    "rds_ext",
    "dms_tasks",
    "dms_tables",  # DescribeTableStatistics, task failures on demand
    "dms_resources",
    "dms_certificates",  # ImportCertificate & co. (moto has none)
    "dms_network",  # after dms_resources: replaces instance/subnet-group calls
    "orderable",  # after dms_network and rds_ext: orderable options, checked on create/modify/restore
    "dms_connections",  # TestConnection outcomes, real logins to a local PostgreSQL
    "dms_realism",  # random ARNs, subnet groups deleting, tasks need an available instance
    "dms_endpoint_retest",  # after dms_realism: ModifyEndpoint tests the endpoint, starts wait (#46139)
    "rds_realism",  # backing-up/modifying after create, forced states, lingering RDS ENIs
    "reachability",  # which endpoints the replication instance reaches (GET /_dmslink/reachability)
    "state_lock",  # a retried conditional PutItem of the same item succeeds
    "consistency",  # after the EC2/RDS/IAM extensions: wraps their calls (eventual consistency)
    "faults",
    "secrets_lifecycle",  # SM5-SM7: a secret scheduled for deletion (its name, its value, its tags), its window
    "inventory",
    "iam_enforcement",  # issue 17 item 5: IAM checks on demand, AWS-shaped denials, decision log
    "strictness",  # issue 13 item 7: atomic batch authorize, peering routes, inline dms-vpc-role
    "params",  # last: strict parameter checks wrap the response methods installed above
)


def install() -> None:
    import importlib

    for name in _EXTENSIONS:
        importlib.import_module(f"{__name__}.{name}").install()
