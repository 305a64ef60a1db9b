#!/usr/bin/env python3
"""AWS fixtures for the acceptance tests, created in a running emulator with boto3.

Run with the project's venv python (``.venv/bin/python``).  Every subcommand
prints one JSON document on stdout; errors go to stderr with a non-zero exit.

Subcommands
-----------
``state-backend --endpoint URL --bucket B --table T``
    The Terraform S3 backend's bucket and its DynamoDB lock table (hash key
    ``LockID``, string).  Idempotent.
``dms-stack --endpoint URL --name N [--instances K]``
    What ``terraform-main`` would have built for ``terraform-repltask``: the
    ``dms-vpc-role`` IAM role, a VPC with two subnets, a replication subnet
    group, K replication instances (waited for until ``available``), an Oracle
    source endpoint and a PostgreSQL target endpoint.  Prints
    ``{"replication_instance_arn", "replication_instance_arns": [...],
    "source_endpoint_arn", "target_endpoint_arn"}``.
``source-snapshot --endpoint URL --name S [--engine oracle-ee]``
    A manual RDS snapshot ``S`` to restore the source database from, as the
    original ``terraform-main`` expects (``var.source_snapshot``): a seed DB
    instance ``S-seed`` is created, waited for, snapshotted and deleted.
    Idempotent.  Prints ``{"snapshot_identifier", "snapshot_arn", "engine"}``.
``dms-vpc-role --endpoint URL``
    The ``dms-vpc-role`` IAM role with its managed policy (idempotent).
``ls-state --endpoint URL --bucket B``
    Keys (and sizes) of the objects in the state bucket.
``ls-locks --endpoint URL --table T``
    The items of the lock table (``LockID`` and ``Digest`` / ``Info``).
``get-state --endpoint URL --bucket B --key K``
    The state document stored under ``K`` (parsed JSON).

All subcommands take ``--region`` (default ``ap-southeast-2``).  Credentials
are ``testing``/``testing`` unless the environment says otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

DEFAULT_REGION = "ap-southeast-2"

DMS_VPC_ROLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "dms.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def client(service: str, args: argparse.Namespace) -> Any:
    return boto3.client(
        service,
        endpoint_url=args.endpoint,
        region_name=args.region,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        config=Config(
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path"},
        ),
    )


def error_code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


# ---------------------------------------------------------------- state backend


def state_backend(args: argparse.Namespace) -> dict[str, Any]:
    s3 = client("s3", args)
    try:
        if args.region == "us-east-1":
            s3.create_bucket(Bucket=args.bucket)
        else:
            s3.create_bucket(
                Bucket=args.bucket,
                CreateBucketConfiguration={"LocationConstraint": args.region},
            )
    except ClientError as err:
        if error_code(err) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    s3.put_bucket_versioning(
        Bucket=args.bucket, VersioningConfiguration={"Status": "Enabled"}
    )

    ddb = client("dynamodb", args)
    try:
        ddb.create_table(
            TableName=args.table,
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    except ClientError as err:
        if error_code(err) != "ResourceInUseException":
            raise
    ddb.get_waiter("table_exists").wait(
        TableName=args.table, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    return {"bucket": args.bucket, "table": args.table, "region": args.region}


def ls_state(args: argparse.Namespace) -> list[dict[str, Any]]:
    s3 = client("s3", args)
    out: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=args.bucket):
        for obj in page.get("Contents", []):
            out.append({"key": obj["Key"], "size": obj["Size"]})
    return out


def get_state(args: argparse.Namespace) -> Any:
    s3 = client("s3", args)
    body = s3.get_object(Bucket=args.bucket, Key=args.key)["Body"].read()
    return json.loads(body)


def ls_locks(args: argparse.Namespace) -> list[dict[str, Any]]:
    ddb = client("dynamodb", args)
    items: list[dict[str, Any]] = []
    for page in ddb.get_paginator("scan").paginate(TableName=args.table):
        for item in page.get("Items", []):
            items.append({k: next(iter(v.values())) for k, v in item.items()})
    return items


# -------------------------------------------------------------------- DMS stack


def ensure_dms_vpc_role(args: argparse.Namespace) -> None:
    iam = client("iam", args)
    try:
        iam.create_role(RoleName="dms-vpc-role", AssumeRolePolicyDocument=DMS_VPC_ROLE_POLICY)
    except ClientError as err:
        if error_code(err) != "EntityAlreadyExists":
            raise
    attached = iam.list_attached_role_policies(RoleName="dms-vpc-role")["AttachedPolicies"]
    if not any(p["PolicyName"] == "AmazonDMSVPCManagementRole" for p in attached):
        iam.attach_role_policy(
            RoleName="dms-vpc-role",
            PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole",
        )


def ensure_subnets(args: argparse.Namespace) -> list[str]:
    ec2 = client("ec2", args)
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    azs = [
        z["ZoneName"]
        for z in ec2.describe_availability_zones()["AvailabilityZones"]
        if z.get("State", "available") == "available"
    ]
    subnet_ids = []
    for i, az in enumerate((azs or [f"{args.region}a"])[:2]):
        subnet = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=az
        )["Subnet"]
        subnet_ids.append(subnet["SubnetId"])
    return subnet_ids


def while_iam_propagates(call: Any, timeout: float = 60.0) -> Any:
    """Run ``call()``, retrying while DMS still refuses the fresh ``dms-vpc-role``
    (``AccessDeniedFault``: IAM changes take a while to reach DMS)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except ClientError as err:
            if error_code(err) != "AccessDeniedFault" or time.monotonic() >= deadline:
                raise
        time.sleep(0.25)


def wait_instance_available(dms: Any, arn: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    status = "?"
    while time.monotonic() < deadline:
        found = dms.describe_replication_instances(
            Filters=[{"Name": "replication-instance-arn", "Values": [arn]}]
        )["ReplicationInstances"]
        status = found[0].get("ReplicationInstanceStatus", "?") if found else "missing"
        if status == "available":
            return
        time.sleep(0.2)
    raise SystemExit(f"replication instance {arn} not available after {timeout}s (status {status})")


def dms_stack(args: argparse.Namespace) -> dict[str, Any]:
    name = args.name
    ensure_dms_vpc_role(args)
    subnet_ids = ensure_subnets(args)
    dms = client("dms", args)

    subnet_group = f"{name}-subnets"
    try:
        while_iam_propagates(
            lambda: dms.create_replication_subnet_group(
                ReplicationSubnetGroupIdentifier=subnet_group,
                ReplicationSubnetGroupDescription=f"{name} replication subnets",
                SubnetIds=subnet_ids,
            )
        )
    except ClientError as err:
        if error_code(err) not in ("ResourceAlreadyExistsFault",):
            raise

    instance_arns = []
    for i in range(args.instances):
        suffix = "" if i == 0 else f"-{i + 1}"
        ri = while_iam_propagates(
            lambda: dms.create_replication_instance(
                ReplicationInstanceIdentifier=f"{name}-ri{suffix}",
                ReplicationInstanceClass="dms.t3.medium",
                AllocatedStorage=50,
                ReplicationSubnetGroupIdentifier=subnet_group,
                PubliclyAccessible=False,
                MultiAZ=False,
            )
        )["ReplicationInstance"]
        instance_arns.append(ri["ReplicationInstanceArn"])
    for arn in instance_arns:
        wait_instance_available(dms, arn)

    source = dms.create_endpoint(
        EndpointIdentifier=f"{name}-source",
        EndpointType="source",
        EngineName="oracle",
        ServerName="source.db.internal",
        Port=1521,
        DatabaseName="ORCL",
        Username="dms_source",
        Password="source-password",
    )["Endpoint"]
    target = dms.create_endpoint(
        EndpointIdentifier=f"{name}-target",
        EndpointType="target",
        EngineName="postgres",
        ServerName="target.db.internal",
        Port=5432,
        DatabaseName="dblink",
        Username="dms_target",
        Password="target-password",
    )["Endpoint"]
    return {
        "replication_instance_arn": instance_arns[0],
        "replication_instance_arns": instance_arns,
        "source_endpoint_arn": source["EndpointArn"],
        "target_endpoint_arn": target["EndpointArn"],
    }


# -------------------------------------------------------------- source snapshot


def wait_db_available(rds: Any, identifier: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    status = "?"
    while time.monotonic() < deadline:
        status = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]["DBInstanceStatus"]
        if status == "available":
            return
        time.sleep(0.2)
    raise SystemExit(f"DB instance {identifier} not available after {timeout}s (status {status})")


def source_snapshot(args: argparse.Namespace) -> dict[str, Any]:
    rds = client("rds", args)
    try:
        snap = rds.describe_db_snapshots(DBSnapshotIdentifier=args.name)["DBSnapshots"][0]
        return {"snapshot_identifier": args.name, "snapshot_arn": snap["DBSnapshotArn"], "engine": snap["Engine"]}
    except ClientError as err:
        if error_code(err) != "DBSnapshotNotFound":
            raise
    seed = f"{args.name}-seed"
    try:
        rds.create_db_instance(
            DBInstanceIdentifier=seed,
            Engine=args.engine,
            DBInstanceClass="db.t3.medium",
            AllocatedStorage=20,
            MasterUsername="admin",
            MasterUserPassword="seed-password-1",
            DBName="ORCL",
        )
    except ClientError as err:
        if error_code(err) != "DBInstanceAlreadyExists":
            raise
    wait_db_available(rds, seed)
    snap = rds.create_db_snapshot(DBSnapshotIdentifier=args.name, DBInstanceIdentifier=seed)["DBSnapshot"]
    rds.delete_db_instance(DBInstanceIdentifier=seed, SkipFinalSnapshot=True)
    return {"snapshot_identifier": args.name, "snapshot_arn": snap["DBSnapshotArn"], "engine": args.engine}


def dms_vpc_role(args: argparse.Namespace) -> dict[str, Any]:
    ensure_dms_vpc_role(args)
    return {"role_name": "dms-vpc-role"}


# ------------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--endpoint", required=True, help="emulator URL, http://127.0.0.1:PORT")
        p.add_argument("--region", default=DEFAULT_REGION)
        return p

    p = common(sub.add_parser("state-backend", help="S3 bucket + DynamoDB lock table"))
    p.add_argument("--bucket", required=True)
    p.add_argument("--table", required=True)
    p.set_defaults(func=state_backend)

    p = common(sub.add_parser("dms-stack", help="replication instance(s) and endpoints"))
    p.add_argument("--name", required=True)
    p.add_argument("--instances", type=int, default=1)
    p.set_defaults(func=dms_stack)

    p = common(sub.add_parser("source-snapshot", help="an RDS snapshot to restore the source from"))
    p.add_argument("--name", required=True)
    p.add_argument("--engine", default="oracle-ee")
    p.set_defaults(func=source_snapshot)

    p = common(sub.add_parser("dms-vpc-role", help="the dms-vpc-role IAM role"))
    p.set_defaults(func=dms_vpc_role)

    p = common(sub.add_parser("ls-state", help="objects in the state bucket"))
    p.add_argument("--bucket", required=True)
    p.set_defaults(func=ls_state)

    p = common(sub.add_parser("get-state", help="one state document"))
    p.add_argument("--bucket", required=True)
    p.add_argument("--key", required=True)
    p.set_defaults(func=get_state)

    p = common(sub.add_parser("ls-locks", help="items of the lock table"))
    p.add_argument("--table", required=True)
    p.set_defaults(func=ls_locks)

    args = parser.parse_args(argv)
    if getattr(args, "instances", 1) < 1:
        parser.error("--instances must be >= 1")
    try:
        result = args.func(args)
    except ClientError as err:
        print(f"fixtures.py {args.command}: {err}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
