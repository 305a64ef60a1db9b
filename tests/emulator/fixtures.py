#!/usr/bin/env python3
"""AWS fixtures for the acceptance tests, created in a running emulator with boto3.

Run with the project's venv python (``.venv/bin/python``).  Every subcommand
prints one JSON document on stdout; errors go to stderr with a non-zero exit.

Subcommands
-----------
``state-backend --endpoint URL --bucket B --table T``
    The Terraform S3 backend's bucket and its DynamoDB lock table (hash key
    ``LockID``, string).  Idempotent.
``dms-stack --endpoint URL --name N [--instances K] [--no-vpn]``
    What ``terraform-main`` would have built for ``terraform-repltask``: the
    ``dms-vpc-role`` IAM role, a VPC with two subnets, a replication subnet
    group, K replication instances (waited for until ``available``), an Oracle
    source endpoint and a PostgreSQL target endpoint.  Both endpoints are
    on-premises host names (``source.db.internal``, ``target.db.internal``):
    unless ``--no-vpn``, the VPC also gets a VPN gateway (attached, propagated
    into the main route table) with an ``available`` BGP VPN connection, so
    that the emulator's reachability rules let tasks on the stack start and
    connection tests succeed.  Prints
    ``{"replication_instance_arn", "replication_instance_arns": [...],
    "source_endpoint_arn", "target_endpoint_arn"}``.
``source-snapshot --endpoint URL --name S [--engine oracle-ee]``
    A manual RDS snapshot ``S`` to restore the source database from, as the
    original ``terraform-main`` expects (``var.source_snapshot``): a seed DB
    instance ``S-seed`` is created, waited for, snapshotted and deleted.
    Idempotent.  Prints ``{"snapshot_identifier", "snapshot_arn", "engine"}``.
``dms-vpc-role --endpoint URL [--inline]``
    The ``dms-vpc-role`` IAM role with its managed policy (idempotent); with ``--inline``, with the
    seed's inline policy granting DMS's EC2 actions instead.
``ls-state --endpoint URL --bucket B``
    Keys (and sizes) of the objects in the state bucket.
``ls-locks --endpoint URL --table T``
    The items of the lock table (``LockID`` and ``Digest`` / ``Info``).
``get-state --endpoint URL --bucket B --key K``
    The state document stored under ``K`` (parsed JSON).

``vpc --endpoint URL --name N --cidr C [--subnets K] [--role-arn ARN] [--security-group]``
    A VPC tagged ``Name=N`` with DNS support and DNS hostnames on, K subnets
    (default 2, ``/24``s from the start of C) each associated with its own new
    route table (so the VPC has its main table + K), and with
    ``--security-group`` a security group ``N-sg``.  Idempotent by the Name
    tag.  Prints ``{"vpc_id", "cidr", "route_table_ids" (all, main first),
    "main_route_table_id", "subnet_ids", "security_group_id" (or null),
    "account_id"}``.
``routes --endpoint URL --vpc-id V [--role-arn ARN]``
    The route tables of V: ``[{"route_table_id", "main", "routes":
    [{"destination", "target", "state"}]}]`` (target: the gateway, peering,
    ... id, ``local`` for the local route).
``delete-route --endpoint URL --route-table-id T --cidr C [--role-arn ARN]``
    Deletes the route to C from T (out-of-band drift).
``peering-dns --endpoint URL --pcx ID --side requester|accepter --allow true|false [--role-arn ARN]``
    ``ModifyVpcPeeringConnectionOptions`` of that side's
    ``AllowDnsResolutionFromRemoteVpc`` (call it with the credentials of that
    side's account).  Prints the response.
``describe-peering --endpoint URL --pcx ID [--role-arn ARN]``
    The ``VpcPeeringConnections[0]`` of ``DescribeVpcPeeringConnections``.
``security-group --endpoint URL --group-id G [--role-arn ARN]``
    The ``SecurityGroups[0]`` of ``DescribeSecurityGroups``.
``vpn-connection --endpoint URL --vpn-gateway-id VGW [--static-route CIDR ...] [--no-wait]``
    A customer gateway and a VPN connection on VGW (e.g. a stack's
    ``vpn_gateway_id``): with ``--static-route`` a static-routing connection
    (``Options.StaticRoutesOnly``) with those routes, else BGP.  Waits until the
    connection and its routes are ``available`` (unless ``--no-wait``).  What an
    on-premises source needs to be reachable from the stack's replication
    instance (with route propagation on, ``dmslink_main``'s default).  Prints
    ``{"customer_gateway_id", "vpn_connection_id", "state", "routes"}``.
``delete-vpn-connection --endpoint URL (--vpn-connection-id ID | --vpn-gateway-id VGW) [--customer-gateway-id CGW]``
    Deletes the VPN connection, or every live one on VGW (twins of a retried
    create too), waits until they are ``deleted`` (the gateway can be detached
    and deleted only then), and deletes their customer gateways.  Prints
    ``{"deleted": [ids], "customer_gateways": [ids]}``.

With the emulator's eventual consistency on (``eventual_consistency_seconds``), EC2 and RDS calls
retry NotFound for the window + 2 s and the creating subcommands (``vpc``, ``dms-stack``,
``source-snapshot``, ``dms-vpc-role``) wait the window out before they answer.

All subcommands take ``--region`` (default ``ap-southeast-2``) and
``--role-arn ARN`` (act with the credentials of ``sts:AssumeRole`` into ARN:
the emulator then acts in the role's account).  Credentials are
``testing``/``testing`` unless the environment says otherwise.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
import time
import urllib.request
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


_ASSUMED: dict[str, dict[str, str]] = {}
_WINDOW: dict[str, float] = {}
# NotFound codes of objects a fixture has just created (consistency.py), retried for the window.
_YOUNG_CODES = ("DBSubnetGroupNotFoundFault",)


def consistency_window(args: argparse.Namespace) -> float:
    """The emulator's ``eventual_consistency_seconds`` (0 when off or unknown)."""
    if args.endpoint not in _WINDOW:
        try:
            with urllib.request.urlopen(f"{args.endpoint}/_dmslink/config", timeout=10) as resp:
                _WINDOW[args.endpoint] = float(json.load(resp).get("eventual_consistency_seconds") or 0)
        except (OSError, ValueError):
            _WINDOW[args.endpoint] = 0.0
    return _WINDOW[args.endpoint]


def _retry_young(window: float) -> Any:
    """A ``needs-retry`` handler: a NotFound answer is retried (0.25 s apart) for the window + 2 s,
    as terraform-provider-aws retries NotFound after its own creates (``ec2PropagationTimeout``)."""

    def handler(response: Any = None, attempts: int = 1, **_: Any) -> float | None:
        if response is None:
            return None
        code = str(response[1].get("Error", {}).get("Code", ""))
        if (code.endswith(".NotFound") or code in _YOUNG_CODES) and attempts * 0.25 <= window + 2:
            return 0.25
        return None

    return handler


def settle(args: argparse.Namespace) -> None:
    """Wait out the window, so that what a fixture made exists (and is listed) for the test."""
    time.sleep(consistency_window(args))


def client(service: str, args: argparse.Namespace) -> Any:
    """A client of ``service``; with ``args.role_arn`` set, with the credentials
    of ``sts:AssumeRole`` into that role (the emulator then acts in the role's
    account; the role need not exist)."""
    key_id = os.environ.get("AWS_ACCESS_KEY_ID", "testing")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "testing")
    token = None
    role_arn = getattr(args, "role_arn", None)
    if role_arn:
        if role_arn not in _ASSUMED:
            sts = boto3.client(
                "sts",
                endpoint_url=args.endpoint,
                region_name=args.region,
                aws_access_key_id=key_id,
                aws_secret_access_key=secret,
            )
            _ASSUMED[role_arn] = sts.assume_role(RoleArn=role_arn, RoleSessionName="dmslink-fixtures")[
                "Credentials"
            ]
        creds = _ASSUMED[role_arn]
        key_id, secret, token = creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
    made = boto3.client(
        service,
        endpoint_url=args.endpoint,
        region_name=args.region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path"},
        ),
    )
    window = consistency_window(args)
    if window > 0 and service in ("ec2", "rds"):
        made.meta.events.register(f"needs-retry.{service}", _retry_young(window))
    return made


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


# The seed's own policy for dms-vpc-role (GeoscienceAustralia/aws-dms-example terraform-main/iam-roles.tf):
# inline, instead of the managed AmazonDMSVPCManagementRole.
SEED_DMS_VPC_INLINE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeAvailabilityZones",
                    "ec2:DescribeInternetGateways",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                    "ec2:DeleteNetworkInterface",
                    "ec2:ModifyNetworkInterfaceAttribute",
                ],
                "Resource": "*",
            }
        ],
    }
)


def ensure_dms_vpc_role(args: argparse.Namespace) -> None:
    iam = client("iam", args)
    try:
        iam.create_role(RoleName="dms-vpc-role", AssumeRolePolicyDocument=DMS_VPC_ROLE_POLICY)
    except ClientError as err:
        if error_code(err) != "EntityAlreadyExists":
            raise
    if getattr(args, "inline", False):
        iam.put_role_policy(
            RoleName="dms-vpc-role", PolicyName="dmsvpcpolicy", PolicyDocument=SEED_DMS_VPC_INLINE_POLICY
        )
        return
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


def wait_for(check: Any, what: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise SystemExit(f"{what}: not reached after {timeout}s")
        time.sleep(0.2)


def vpn_to_onprem(args: argparse.Namespace, vpc_id: str) -> str:
    """A VPN gateway on ``vpc_id`` (attached, propagated into the main route table) with an
    available BGP VPN connection: on-premises servers are reachable from the VPC."""
    ec2 = client("ec2", args)
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=vpc_id)
    wait_for(
        lambda: any(a["VpcId"] == vpc_id and a["State"] == "attached"
                    for a in ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"][0]["VpcAttachments"]),
        f"VPN gateway {vgw} attached",
    )
    for table in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]:
        ec2.enable_vgw_route_propagation(RouteTableId=table["RouteTableId"], GatewayId=vgw)
    vpn_connection_on(ec2, vgw, [], wait=True)
    return vgw


def vpn_connection_on(ec2: Any, vgw: str, routes: list[str], wait: bool) -> dict[str, Any]:
    cgw = ec2.create_customer_gateway(Type="ipsec.1", PublicIp="203.0.113.10", BgpAsn=65000)[
        "CustomerGateway"]["CustomerGatewayId"]
    vpn = ec2.create_vpn_connection(
        Type="ipsec.1", CustomerGatewayId=cgw, VpnGatewayId=vgw, Options={"StaticRoutesOnly": bool(routes)},
    )["VpnConnection"]
    vpn_id = vpn["VpnConnectionId"]

    def describe() -> dict[str, Any]:
        return ec2.describe_vpn_connections(VpnConnectionIds=[vpn_id])["VpnConnections"][0]

    if wait or routes:
        wait_for(lambda: describe()["State"] == "available", f"VPN connection {vpn_id} available")
    for cidr in routes:
        try:
            ec2.create_vpn_connection_route(VpnConnectionId=vpn_id, DestinationCidrBlock=cidr)
        except ClientError as err:
            if error_code(err) != "RouteAlreadyExists":  # a retry of a call whose answer was lost
                raise
    if wait and routes:
        wait_for(lambda: all(r["State"] == "available" for r in describe().get("Routes", [])),
                 f"static routes of {vpn_id} available")
    doc = describe()
    return {
        "customer_gateway_id": cgw,
        "vpn_connection_id": vpn_id,
        "state": doc["State"],
        "routes": [r["DestinationCidrBlock"] for r in doc.get("Routes", [])],
    }


def vpn_connection(args: argparse.Namespace) -> dict[str, Any]:
    return vpn_connection_on(client("ec2", args), args.vpn_gateway_id, args.static_route or [], not args.no_wait)


def delete_vpn_connection(args: argparse.Namespace) -> dict[str, Any]:
    """Deletes one VPN connection, or every live one on a gateway (twins of a retried create
    too), waits until they are ``deleted`` and deletes their customer gateways."""
    ec2 = client("ec2", args)
    if args.vpn_gateway_id:
        found = ec2.describe_vpn_connections(Filters=[{"Name": "vpn-gateway-id", "Values": [args.vpn_gateway_id]}])
        conns = [c for c in found["VpnConnections"] if c["State"] != "deleted"]
    elif args.vpn_connection_id:
        try:
            conns = ec2.describe_vpn_connections(VpnConnectionIds=[args.vpn_connection_id])["VpnConnections"]
        except ClientError as err:
            if error_code(err) != "InvalidVpnConnectionID.NotFound":
                raise
            conns = []
    else:
        raise SystemExit("delete-vpn-connection: give --vpn-connection-id or --vpn-gateway-id")
    for conn in conns:
        try:
            ec2.delete_vpn_connection(VpnConnectionId=conn["VpnConnectionId"])
        except ClientError as err:
            if error_code(err) != "InvalidVpnConnectionID.NotFound":
                raise

    def deleted(vpn_id: str) -> bool:
        try:
            found = ec2.describe_vpn_connections(VpnConnectionIds=[vpn_id])["VpnConnections"]
        except ClientError as err:
            return error_code(err) == "InvalidVpnConnectionID.NotFound"
        return not found or found[0]["State"] == "deleted"

    for conn in conns:
        wait_for(lambda: deleted(conn["VpnConnectionId"]), f"VPN connection {conn['VpnConnectionId']} deleted")
    cgws = {c["CustomerGatewayId"] for c in conns} | ({args.customer_gateway_id} if args.customer_gateway_id else set())
    for cgw in sorted(cgws):
        try:
            ec2.delete_customer_gateway(CustomerGatewayId=cgw)
        except ClientError as err:
            if error_code(err) != "InvalidCustomerGatewayID.NotFound":
                raise
    return {"deleted": sorted(c["VpnConnectionId"] for c in conns), "customer_gateways": sorted(cgws)}


def vpn_gateway(args: argparse.Namespace) -> dict[str, Any]:
    """A VPN gateway of its own, attached to no VPC (what ``network.vpn_gateway_id`` names)."""
    ec2 = client("ec2", args)
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    wait_for(lambda: describe_gateway(ec2, vgw)["state"] == "available", f"VPN gateway {vgw} available")
    return describe_gateway(ec2, vgw)


def describe_gateway(ec2: Any, vgw: str) -> dict[str, Any]:
    gw = ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"][0]
    conns = ec2.describe_vpn_connections(Filters=[{"Name": "vpn-gateway-id", "Values": [vgw]}])["VpnConnections"]
    return {
        "vpn_gateway_id": vgw,
        "state": gw["State"],
        "attachments": [{"vpc_id": a["VpcId"], "state": a["State"]} for a in gw.get("VpcAttachments", [])],
        "tags": {t["Key"]: t["Value"] for t in gw.get("Tags", [])},
        "connections": [
            {
                "vpn_connection_id": c["VpnConnectionId"],
                "state": c["State"],
                "customer_gateway_id": c.get("CustomerGatewayId"),
                "tunnels": [{"outside_ip": t["OutsideIpAddress"], "status": t["Status"]}
                            for t in c.get("VgwTelemetry", [])],
            }
            for c in conns
        ],
    }


def describe_vpn_gateway(args: argparse.Namespace) -> dict[str, Any]:
    return describe_gateway(client("ec2", args), args.vpn_gateway_id)


def delete_vpn_gateway(args: argparse.Namespace) -> dict[str, Any]:
    """Detaches a VPN gateway from every VPC (waiting until ``detached``) and deletes it."""
    ec2 = client("ec2", args)
    for a in describe_gateway(ec2, args.vpn_gateway_id)["attachments"]:
        if a["state"] in ("attaching", "attached"):
            ec2.detach_vpn_gateway(VpnGatewayId=args.vpn_gateway_id, VpcId=a["vpc_id"])
    wait_for(lambda: all(a["state"] == "detached" for a in describe_gateway(ec2, args.vpn_gateway_id)["attachments"]),
             f"VPN gateway {args.vpn_gateway_id} detached")
    ec2.delete_vpn_gateway(VpnGatewayId=args.vpn_gateway_id)
    return describe_gateway(ec2, args.vpn_gateway_id)


def dms_stack(args: argparse.Namespace) -> dict[str, Any]:
    name = args.name
    ensure_dms_vpc_role(args)
    subnet_ids = ensure_subnets(args)
    if not getattr(args, "no_vpn", False):
        vpc_id = client("ec2", args).describe_subnets(SubnetIds=subnet_ids[:1])["Subnets"][0]["VpcId"]
        vpn_to_onprem(args, vpc_id)
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


def secret(args: argparse.Namespace) -> dict[str, Any]:
    """A Secrets Manager secret with ``--value`` as its string: created, or given a new value
    (``PutSecretValue``, a rotation) when it exists; its full ARN."""
    sm = client("secretsmanager", args)
    try:
        arn = sm.describe_secret(SecretId=args.name)["ARN"]
    except ClientError as err:
        if error_code(err) != "ResourceNotFoundException":
            raise
        return {"arn": sm.create_secret(Name=args.name, SecretString=args.value)["ARN"]}
    sm.put_secret_value(SecretId=arn, SecretString=args.value)
    return {"arn": arn}


def dms_vpc_role(args: argparse.Namespace) -> dict[str, Any]:
    ensure_dms_vpc_role(args)
    return {"role_name": "dms-vpc-role"}


# ------------------------------------------------------------------ VPC peering


def account_id(args: argparse.Namespace) -> str:
    return str(client("sts", args).get_caller_identity()["Account"])


def vpc_info(ec2: Any, vpc: dict[str, Any], name: str, args: argparse.Namespace) -> dict[str, Any]:
    vpc_id = vpc["VpcId"]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    main_ids = [t["RouteTableId"] for t in tables if any(a.get("Main") for a in t.get("Associations", []))]
    main_id = main_ids[0] if main_ids else None
    table_ids = ([main_id] if main_id else []) + sorted(t["RouteTableId"] for t in tables if t["RouteTableId"] != main_id)
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [f"{name}-sg"]}]
    )["SecurityGroups"]
    return {
        "vpc_id": vpc_id,
        "cidr": vpc["CidrBlock"],
        "route_table_ids": table_ids,
        "main_route_table_id": main_id,
        "subnet_ids": sorted(s["SubnetId"] for s in subnets),
        "security_group_id": groups[0]["GroupId"] if groups else None,
        "account_id": account_id(args),
    }


def subnet_cidrs(cidr: str, count: int) -> list[str]:
    net = ipaddress.ip_network(cidr)
    if net.prefixlen > 24:
        raise SystemExit(f"--cidr {cidr}: subnets are /24s, the VPC must be /24 or larger")
    subnets = net.subnets(new_prefix=24)
    return [str(next(subnets)) for _ in range(count)]


def vpc(args: argparse.Namespace) -> dict[str, Any]:
    ec2 = client("ec2", args)
    name = args.name
    found = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
    if found:
        return vpc_info(ec2, found[0], name, args)
    cidrs = subnet_cidrs(args.cidr, args.subnets)
    extra_tags = []
    for pair in args.tag or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--tag {pair!r}: expected KEY=VALUE")
        extra_tags.append({"Key": key, "Value": value})
    vpc_doc = ec2.create_vpc(
        CidrBlock=args.cidr,
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}, *extra_tags]}],
    )["Vpc"]
    vpc_id = vpc_doc["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    azs = [
        z["ZoneName"]
        for z in ec2.describe_availability_zones()["AvailabilityZones"]
        if z.get("State", "available") == "available"
    ] or [f"{args.region}a"]
    for i, cidr in enumerate(cidrs):
        tag = {"Key": "Name", "Value": f"{name}-{i + 1}"}
        subnet_id = ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=cidr,
            AvailabilityZone=azs[i % len(azs)],
            TagSpecifications=[{"ResourceType": "subnet", "Tags": [tag]}],
        )["Subnet"]["SubnetId"]
        table_id = ec2.create_route_table(
            VpcId=vpc_id, TagSpecifications=[{"ResourceType": "route-table", "Tags": [tag]}]
        )["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    if args.security_group:
        ec2.create_security_group(
            GroupName=f"{name}-sg",
            Description=f"{name} security group",
            VpcId=vpc_id,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": f"{name}-sg"}]}],
        )
    settle(args)  # vpc_info lists by filter: new objects are listed only after the window
    return vpc_info(ec2, vpc_doc, name, args)


def route_target(r: dict[str, Any]) -> str | None:
    for key in (
        "VpcPeeringConnectionId",
        "GatewayId",
        "NatGatewayId",
        "TransitGatewayId",
        "NetworkInterfaceId",
        "InstanceId",
        "EgressOnlyInternetGatewayId",
        "CarrierGatewayId",
    ):
        if r.get(key):
            return str(r[key])
    return None


def routes(args: argparse.Namespace) -> list[dict[str, Any]]:
    ec2 = client("ec2", args)
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [args.vpc_id]}])["RouteTables"]
    return [
        {
            "route_table_id": t["RouteTableId"],
            "main": any(a.get("Main") for a in t.get("Associations", [])),
            "routes": [
                {
                    "destination": r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock"),
                    "target": route_target(r),
                    "state": r.get("State"),
                }
                for r in t.get("Routes", [])
            ],
        }
        for t in sorted(tables, key=lambda t: t["RouteTableId"])
    ]


def delete_route(args: argparse.Namespace) -> dict[str, Any]:
    client("ec2", args).delete_route(RouteTableId=args.route_table_id, DestinationCidrBlock=args.cidr)
    return {"route_table_id": args.route_table_id, "deleted": args.cidr}


def peering_dns(args: argparse.Namespace) -> dict[str, Any]:
    options = {"AllowDnsResolutionFromRemoteVpc": args.allow == "true"}
    key = "RequesterPeeringConnectionOptions" if args.side == "requester" else "AccepterPeeringConnectionOptions"
    resp = client("ec2", args).modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=args.pcx, **{key: options}
    )
    resp.pop("ResponseMetadata", None)
    return dict(resp)


def describe_peering(args: argparse.Namespace) -> Any:
    found = client("ec2", args).describe_vpc_peering_connections(VpcPeeringConnectionIds=[args.pcx])[
        "VpcPeeringConnections"
    ]
    if not found:
        raise SystemExit(f"no peering connection {args.pcx}")
    return found[0]


def security_group(args: argparse.Namespace) -> Any:
    return client("ec2", args).describe_security_groups(GroupIds=[args.group_id])["SecurityGroups"][0]


# ------------------------------------------------------------------------- main


# ------------------------------------------------------- the original stack (issue 14)


def _named(kind: str, name: str, **extra: str) -> list[dict[str, Any]]:
    tags = [{"Key": "Name", "Value": name}] + [{"Key": k, "Value": v} for k, v in extra.items()]
    return [{"ResourceType": kind, "Tags": tags}]


def original_stack(args: argparse.Namespace) -> dict[str, Any]:
    """What the original ``terraform-main`` module and the peering runbook build, through plain API
    calls: no dmslink tag anywhere, every object named by its authors (``legacy-*``). A VPC with two
    subnets, a security group admitting the databases' ports from the VPC, a VPN gateway propagated
    into the main route table, a DB subnet group, the Oracle source restored from a snapshot and the
    Postgres target, a DMS subnet group, replication instance and the two endpoints, one replication
    task; and an application VPC peered with the DMS VPC (routes both ways, a rule for Postgres from
    the application VPC, DNS resolution on both sides)."""
    ec2, rds, dms = client("ec2", args), client("rds", args), client("dms", args)
    ensure_dms_vpc_role(args)
    snapshot = source_snapshot(argparse.Namespace(**{**vars(args), "name": "legacy-oracle-snap", "engine": "oracle-ee"}))
    cidr, app_cidr = "10.70.0.0/24", "10.71.0.0/24"
    vpc_id = ec2.create_vpc(CidrBlock=cidr, TagSpecifications=_named("vpc", "legacy-dms-vpc", project="geo"))["Vpc"][
        "VpcId"
    ]
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    azs = [f"{args.region}a", f"{args.region}b"]
    subnets = [
        ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=c, AvailabilityZone=az, TagSpecifications=_named("subnet", f"legacy-{az}")
        )["Subnet"]["SubnetId"]
        for az, c in zip(azs, ["10.70.0.0/25", "10.70.0.128/25"])
    ]
    sg = ec2.create_security_group(
        GroupName="legacy-dms-sg",
        Description="DMS databases and replication instance",
        VpcId=vpc_id,
        TagSpecifications=_named("security-group", "legacy-dms-sg"),
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg}]},
            {"IpProtocol": "tcp", "FromPort": 1521, "ToPort": 1521, "IpRanges": [{"CidrIp": cidr}]},
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": cidr}]},
        ],
    )
    vgw = ec2.create_vpn_gateway(Type="ipsec.1", TagSpecifications=_named("vpn-gateway", "legacy-vgw"))["VpnGateway"][
        "VpnGatewayId"
    ]
    ec2.attach_vpn_gateway(VpcId=vpc_id, VpnGatewayId=vgw)

    def attached() -> bool:
        gw = ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"][0]
        return any(a["VpcId"] == vpc_id and a["State"] == "attached" for a in gw.get("VpcAttachments", []))

    wait_for(attached, f"VPN gateway {vgw} attached")
    settle(args)
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    main_table = next(t["RouteTableId"] for t in tables if any(a.get("Main") for a in t.get("Associations", [])))
    ec2.enable_vgw_route_propagation(RouteTableId=main_table, GatewayId=vgw)

    rds.create_db_subnet_group(
        DBSubnetGroupName="legacy-db-subnets", DBSubnetGroupDescription="DMS databases", SubnetIds=subnets
    )
    rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="legacy-oracle-db",
        DBSnapshotIdentifier=snapshot["snapshot_identifier"],
        DBInstanceClass="db.t3.medium",
        DBSubnetGroupName="legacy-db-subnets",
        VpcSecurityGroupIds=[sg],
        Port=1521,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="legacy-postgres-db",
        Engine="postgres",
        DBInstanceClass="db.t3.medium",
        AllocatedStorage=20,
        MasterUsername="dblink",
        MasterUserPassword="Legacy-master-pw-1",
        DBName="dblink",
        Port=5432,
        DBSubnetGroupName="legacy-db-subnets",
        VpcSecurityGroupIds=[sg],
        StorageEncrypted=True,
    )
    while_iam_propagates(
        lambda: dms.create_replication_subnet_group(
            ReplicationSubnetGroupIdentifier="legacy-dms-subnets",
            ReplicationSubnetGroupDescription="DMS subnets",
            SubnetIds=subnets,
        )
    )
    ri = while_iam_propagates(
        lambda: dms.create_replication_instance(
            ReplicationInstanceIdentifier="legacy-dms-ri",
            ReplicationInstanceClass="dms.t3.medium",
            AllocatedStorage=50,
            ReplicationSubnetGroupIdentifier="legacy-dms-subnets",
            VpcSecurityGroupIds=[sg],
            PubliclyAccessible=False,
            MultiAZ=False,
        )
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    for db in ("legacy-oracle-db", "legacy-postgres-db"):
        wait_db_available(rds, db)
    wait_instance_available(dms, ri)

    def address(db: str) -> str:
        return str(rds.describe_db_instances(DBInstanceIdentifier=db)["DBInstances"][0]["Endpoint"]["Address"])

    source = dms.create_endpoint(
        EndpointIdentifier="legacy-oracle",
        EndpointType="source",
        EngineName="oracle",
        ServerName=address("legacy-oracle-db"),
        Port=1521,
        DatabaseName="ORCL",
        Username="dms_reader",
        Password=args.password,
    )["Endpoint"]["EndpointArn"]
    target = dms.create_endpoint(
        EndpointIdentifier="legacy-postgres",
        EndpointType="target",
        EngineName="postgres",
        ServerName=address("legacy-postgres-db"),
        Port=5432,
        DatabaseName="dblink",
        Username="dms_writer",
        Password=args.password,
    )["Endpoint"]["EndpointArn"]
    task = dms.create_replication_task(
        ReplicationTaskIdentifier="legacy-app-task",
        SourceEndpointArn=source,
        TargetEndpointArn=target,
        ReplicationInstanceArn=ri,
        MigrationType="full-load",
        TableMappings=args.table_mappings,
    )["ReplicationTask"]["ReplicationTaskArn"]
    wait_for(
        lambda: dms.describe_replication_tasks(Filters=[{"Name": "replication-task-arn", "Values": [task]}])[
            "ReplicationTasks"
        ][0]["Status"]
        == "ready",
        f"replication task {task} ready",
    )

    # The peering runbook: request from the application VPC, accept, routes both ways, a rule, DNS.
    app_vpc = ec2.create_vpc(CidrBlock=app_cidr, TagSpecifications=_named("vpc", "legacy-app-vpc"))["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=app_vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=app_vpc, EnableDnsHostnames={"Value": True})
    app_subnet = ec2.create_subnet(VpcId=app_vpc, CidrBlock="10.71.0.0/25", AvailabilityZone=azs[0])["Subnet"][
        "SubnetId"
    ]
    app_table = ec2.create_route_table(VpcId=app_vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=app_table, SubnetId=app_subnet)
    pcx = ec2.create_vpc_peering_connection(
        VpcId=app_vpc, PeerVpcId=vpc_id, TagSpecifications=_named("vpc-peering-connection", "legacy-app-peering")
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]

    def status() -> str:
        p = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
        return str(p["Status"]["Code"])

    # AWS accepts a request only once it is `pending-acceptance` (after `initiating-request`).
    wait_for(lambda: status() == "pending-acceptance", f"peering {pcx} pending acceptance")
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)

    def active() -> bool:
        return status() == "active"

    wait_for(active, f"peering {pcx} active")
    ec2.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=pcx,
        RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
        AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
    )
    ec2.create_route(RouteTableId=app_table, DestinationCidrBlock=cidr, VpcPeeringConnectionId=pcx)
    ec2.create_route(RouteTableId=main_table, DestinationCidrBlock=app_cidr, VpcPeeringConnectionId=pcx)
    ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": app_cidr}]}],
    )
    return {
        "vpc_id": vpc_id,
        "subnet_ids": subnets,
        "security_group_id": sg,
        "vpn_gateway_id": vgw,
        "main_route_table_id": main_table,
        "snapshot_identifier": snapshot["snapshot_identifier"],
        "replication_instance_arn": ri,
        "source_endpoint_arn": source,
        "target_endpoint_arn": target,
        "replication_task_arn": task,
        "app_vpc_id": app_vpc,
        "app_route_table_id": app_table,
        "peering_connection_id": pcx,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--endpoint", required=True, help="emulator URL, http://127.0.0.1:PORT")
        p.add_argument("--region", default=DEFAULT_REGION)
        p.add_argument("--role-arn", help="act with the credentials of sts:AssumeRole into this role")
        return p

    p = common(sub.add_parser("state-backend", help="S3 bucket + DynamoDB lock table"))
    p.add_argument("--bucket", required=True)
    p.add_argument("--table", required=True)
    p.set_defaults(func=state_backend)

    p = common(sub.add_parser("dms-stack", help="replication instance(s) and endpoints"))
    p.add_argument("--name", required=True)
    p.add_argument("--instances", type=int, default=1)
    p.add_argument("--no-vpn", action="store_true", help="no VPN path to the (on-premises) endpoints")
    p.set_defaults(func=dms_stack)

    p = common(sub.add_parser("source-snapshot", help="an RDS snapshot to restore the source from"))
    p.add_argument("--name", required=True)
    p.add_argument("--engine", default="oracle-ee")
    p.set_defaults(func=source_snapshot)

    p = common(sub.add_parser("dms-vpc-role", help="the dms-vpc-role IAM role"))
    p.add_argument("--inline", action="store_true", help="with the seed's inline policy, not the managed one")
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

    p = common(sub.add_parser("vpc", help="a VPC with subnets, own route tables, optional security group"))
    p.add_argument("--name", required=True)
    p.add_argument("--cidr", required=True)
    p.add_argument("--subnets", type=int, default=2)
    p.add_argument("--security-group", action="store_true")
    p.add_argument("--tag", action="append", metavar="KEY=VALUE", help="another tag on the VPC (repeatable)")
    p.set_defaults(func=vpc)

    p = common(sub.add_parser("routes", help="the route tables of a VPC with their routes"))
    p.add_argument("--vpc-id", required=True)
    p.set_defaults(func=routes)

    p = common(sub.add_parser("delete-route", help="delete one route"))
    p.add_argument("--route-table-id", required=True)
    p.add_argument("--cidr", required=True)
    p.set_defaults(func=delete_route)

    p = common(sub.add_parser("peering-dns", help="set one side's AllowDnsResolutionFromRemoteVpc"))
    p.add_argument("--pcx", required=True)
    p.add_argument("--side", required=True, choices=["requester", "accepter"])
    p.add_argument("--allow", required=True, choices=["true", "false"])
    p.set_defaults(func=peering_dns)

    p = common(sub.add_parser("describe-peering", help="one VPC peering connection"))
    p.add_argument("--pcx", required=True)
    p.set_defaults(func=describe_peering)

    p = common(sub.add_parser("security-group", help="one security group"))
    p.add_argument("--group-id", required=True)
    p.set_defaults(func=security_group)

    p = common(sub.add_parser("secret", help="a Secrets Manager secret, created or given a new value"))
    p.add_argument("--name", required=True)
    p.add_argument("--value", required=True)
    p.set_defaults(func=secret)

    p = common(sub.add_parser("vpn-gateway", help="a VPN gateway attached to no VPC"))
    p.set_defaults(func=vpn_gateway)

    p = common(sub.add_parser("describe-vpn-gateway", help="a VPN gateway, its attachments and VPN connections"))
    p.add_argument("--vpn-gateway-id", required=True)
    p.set_defaults(func=describe_vpn_gateway)

    p = common(sub.add_parser("delete-vpn-gateway", help="detach a VPN gateway everywhere and delete it"))
    p.add_argument("--vpn-gateway-id", required=True)
    p.set_defaults(func=delete_vpn_gateway)

    p = common(sub.add_parser("vpn-connection", help="a customer gateway and a VPN connection on a VPN gateway"))
    p.add_argument("--vpn-gateway-id", required=True)
    p.add_argument("--static-route", action="append", metavar="CIDR", help="static route (repeatable; else BGP)")
    p.add_argument("--no-wait", action="store_true")
    p.set_defaults(func=vpn_connection)

    p = common(sub.add_parser("delete-vpn-connection", help="delete VPN connections (and their customer gateways)"))
    p.add_argument("--vpn-connection-id")
    p.add_argument("--vpn-gateway-id", help="every live VPN connection on this gateway")
    p.add_argument("--customer-gateway-id")
    p.set_defaults(func=delete_vpn_connection)

    p = common(sub.add_parser("original-stack", help="the original untagged stack, task and peering (issue 14)"))
    p.add_argument("--password", required=True)
    p.add_argument("--table-mappings", required=True)
    p.set_defaults(func=original_stack)

    args = parser.parse_args(argv)
    if getattr(args, "instances", 1) < 1:
        parser.error("--instances must be >= 1")
    if getattr(args, "subnets", 1) < 0:
        parser.error("--subnets must be >= 0")
    try:
        result = args.func(args)
        if args.command in ("dms-stack", "source-snapshot", "dms-vpc-role", "original-stack"):
            settle(args)  # what a fixture made exists before the test goes on
    except ClientError as err:
        print(f"fixtures.py {args.command}: {err}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
