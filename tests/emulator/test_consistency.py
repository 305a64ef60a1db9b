"""Eventual consistency (``consistency.py``): a new object is not found for a window after its create.

Every call here comes from the creator itself: AWS does not exempt it, nor does the emulator.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import DMS_TRUST_POLICY, DMS_VPC_POLICY_ARN, TEST_ENV, Emulator, start_server, stop_server

WINDOW = 0.6


def on(emulator: Emulator, seconds: float = WINDOW) -> None:
    status, doc = emulator.control("POST", "/config", {"eventual_consistency_seconds": seconds})
    assert status == 200, doc
    assert doc["eventual_consistency_seconds"] == seconds


def refused(fn: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        fn(**kwargs)
    resp = info.value.response
    return resp["Error"]["Code"], resp["Error"].get("Message", ""), resp["ResponseMetadata"]["HTTPStatusCode"]


def settle(t0: float, seconds: float = WINDOW) -> None:
    """Sleep until ``seconds`` after ``t0``, taken when the create had answered (plus a margin)."""
    time.sleep(max(0.0, t0 + seconds + 0.05 - time.monotonic()))


def tags(kind: str, **kv: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in kv.items()]}]


def new_vpc(ec2: Any, cidr: str = "10.40.0.0/16") -> str:
    return ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]


def two_subnets(ec2: Any, vpc_id: str) -> list[str]:
    return [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.40.{i}.0/24", AvailabilityZone=f"us-east-1{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in ((1, "a"), (2, "b"))
    ]


# ---------------------------------------------------------------------------
# switch
# ---------------------------------------------------------------------------

def test_off_by_default(emulator: Emulator) -> None:
    status, doc = emulator.control("GET", "/config")
    assert status == 200 and doc["eventual_consistency_seconds"] == 0
    ec2 = emulator.client("ec2")
    vpc_id = new_vpc(ec2)
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["VpcId"] == vpc_id
    group = ec2.create_security_group(GroupName="g", Description="d", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                                       "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
    )


def test_run_time_switch_and_bad_values(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    before = new_vpc(ec2, "10.41.0.0/16")
    on(emulator, 30)
    # what existed before the switch stays visible
    assert ec2.describe_vpcs(VpcIds=[before])["Vpcs"]
    young = new_vpc(ec2, "10.42.0.0/16")
    assert refused(ec2.describe_vpcs, VpcIds=[young])[0] == "InvalidVpcID.NotFound"
    # switching off shows it at once
    on(emulator, 0)
    assert ec2.describe_vpcs(VpcIds=[young])["Vpcs"]
    for bad in (-1, "soon", True):
        status, _ = emulator.control("POST", "/config", {"eventual_consistency_seconds": bad})
        assert status == 400
    # the flat key resets with the rest of the config
    on(emulator, 5)
    emulator.control("POST", "/reset")
    assert emulator.control("GET", "/config")[1]["eventual_consistency_seconds"] == 0


@pytest.mark.parametrize("how", ["flag", "env"])
def test_set_at_start(tmp_path: Path, how: str) -> None:
    env = dict(TEST_ENV)
    extra: list[str] = []
    if how == "flag":
        extra = ["--eventual-consistency", "0.5"]
        env["DMSLINK_EMU_EVENTUAL_CONSISTENCY_SECONDS"] = "9"  # the flag wins
    else:
        env["DMSLINK_EMU_EVENTUAL_CONSISTENCY_SECONDS"] = "0.5"
    proc, port, _ = start_server(tmp_path, *extra, env=env)
    try:
        emu = Emulator(port)
        assert emu.control("GET", "/config")[1]["eventual_consistency_seconds"] == 0.5
        ec2 = emu.client("ec2")
        vpc_id = new_vpc(ec2)
        t0 = time.monotonic()
        assert refused(ec2.describe_vpcs, VpcIds=[vpc_id])[0] == "InvalidVpcID.NotFound"
        settle(t0, 0.5)
        assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
        # a reset keeps the start-up value
        emu.control("POST", "/reset")
        assert emu.control("GET", "/config")[1]["eventual_consistency_seconds"] == 0.5
    finally:
        stop_server(proc)


# ---------------------------------------------------------------------------
# EC2, one test per kind
# ---------------------------------------------------------------------------

def test_vpc(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    on(emulator)
    created = ec2.create_vpc(CidrBlock="10.40.0.0/16", TagSpecifications=tags("vpc", stack="s1"))["Vpc"]
    t0 = time.monotonic()
    vpc_id = created["VpcId"]  # the create's own answer carries it
    code, message, status = refused(ec2.describe_vpcs, VpcIds=[vpc_id])
    assert (code, status) == ("InvalidVpcID.NotFound", 400)
    assert message == f"The vpc ID '{vpc_id}' does not exist"
    assert refused(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.40.1.0/24")[0] == "InvalidVpcID.NotFound"
    assert refused(ec2.modify_vpc_attribute, VpcId=vpc_id, EnableDnsSupport={"Value": True})[0] == (
        "InvalidVpcID.NotFound"
    )
    # CreateTags on a new id: terraform-provider-aws ec2/tags.go createTags retries '.NotFound'
    assert refused(ec2.create_tags, Resources=[vpc_id], Tags=[{"Key": "a", "Value": "b"}])[0] == (
        "InvalidVpcID.NotFound"
    )
    # list views leave it out, with its main route table and default group
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:stack", "Values": ["s1"]}])["Vpcs"] == []
    assert vpc_id not in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
    by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    assert ec2.describe_route_tables(Filters=by_vpc)["RouteTables"] == []
    assert ec2.describe_security_groups(Filters=by_vpc)["SecurityGroups"] == []
    settle(t0)
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["VpcId"] == vpc_id
    assert [v["VpcId"] for v in ec2.describe_vpcs(Filters=[{"Name": "tag:stack", "Values": ["s1"]}])["Vpcs"]] == [
        vpc_id
    ]
    assert len(ec2.describe_route_tables(Filters=by_vpc)["RouteTables"]) == 1
    assert len(ec2.describe_security_groups(Filters=by_vpc)["SecurityGroups"]) == 1
    ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.40.1.0/24")


def test_ec2_error_shape_on_the_wire(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    on(emulator)
    vpc_id = new_vpc(ec2)
    body = f"Action=DescribeVpcs&Version=2016-11-15&VpcId.1={vpc_id}".encode()
    req = urllib.request.Request(emulator.url + "/", data=body, method="POST")
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    req.add_header(
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=x",
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    assert info.value.code == 400
    text = info.value.read().decode()
    assert "<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code>" in text
    assert "<RequestID>" in text


def test_subnet(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    vpc_id = new_vpc(ec2)
    on(emulator)
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    t0 = time.monotonic()
    code, message, status = refused(ec2.describe_subnets, SubnetIds=[subnet])
    assert (code, status, message) == ("InvalidSubnetID.NotFound", 400, f"The subnet ID '{subnet}' does not exist")
    assert refused(ec2.modify_subnet_attribute, SubnetId=subnet, MapPublicIpOnLaunch={"Value": False})[0] == (
        "InvalidSubnetID.NotFound"
    )
    assert ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"] == []
    settle(t0)
    assert ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["SubnetId"] == subnet
    assert len(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]) == 1


def test_security_group_first_authorize(emulator: Emulator) -> None:
    """AWS's own example: the first AuthorizeSecurityGroupIngress of a new group."""
    ec2 = emulator.client("ec2")
    vpc_id = new_vpc(ec2)
    on(emulator)
    group = ec2.create_security_group(GroupName="dms", Description="d", VpcId=vpc_id)["GroupId"]
    t0 = time.monotonic()
    rule = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    code, message, status = refused(ec2.authorize_security_group_ingress, GroupId=group, IpPermissions=[rule])
    assert (code, status, message) == ("InvalidGroup.NotFound", 400, f"The security group '{group}' does not exist")
    assert refused(ec2.describe_security_groups, GroupIds=[group])[0] == "InvalidGroup.NotFound"
    assert refused(ec2.delete_security_group, GroupId=group)[0] == "InvalidGroup.NotFound"
    names = [g["GroupName"] for g in ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]]
    assert names == ["default"]
    by_group = [{"Name": "group-id", "Values": [group]}]
    assert ec2.describe_security_group_rules(Filters=by_group)["SecurityGroupRules"] == []
    settle(t0)
    assert ec2.describe_security_group_rules(Filters=by_group)["SecurityGroupRules"]  # the default egress rule
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[rule])
    assert ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]


def test_route_table(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    vpc_id = new_vpc(ec2)
    on(emulator)
    table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    t0 = time.monotonic()
    code, message, status = refused(
        ec2.create_route, RouteTableId=table, DestinationCidrBlock="10.99.0.0/16", GatewayId="local"
    )
    assert (code, status, message) == (
        "InvalidRouteTableID.NotFound", 400, f"The routeTable ID '{table}' does not exist"
    )
    assert refused(ec2.describe_route_tables, RouteTableIds=[table])[0] == "InvalidRouteTableID.NotFound"
    listed = [t["RouteTableId"] for t in ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]]
    assert table not in listed and len(listed) == 1  # the main table, old enough
    settle(t0)
    assert ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"]


def test_internet_gateway(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    vpc_id = new_vpc(ec2)
    on(emulator)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    t0 = time.monotonic()
    code, message, status = refused(ec2.attach_internet_gateway, InternetGatewayId=igw, VpcId=vpc_id)
    assert (code, status, message) == (
        "InvalidInternetGatewayID.NotFound", 400, f"The internetGateway ID '{igw}' does not exist"
    )
    assert refused(ec2.describe_internet_gateways, InternetGatewayIds=[igw])[0] == (
        "InvalidInternetGatewayID.NotFound"
    )
    assert igw not in [g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]]
    settle(t0)
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)


def test_vpn_gateway(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    vpc_id = new_vpc(ec2)
    on(emulator)
    vgw = ec2.create_vpn_gateway(Type="ipsec.1", TagSpecifications=tags("vpn-gateway", stack="s2"))[
        "VpnGateway"]["VpnGatewayId"]
    t0 = time.monotonic()
    code, message, status = refused(ec2.attach_vpn_gateway, VpnGatewayId=vgw, VpcId=vpc_id)
    assert (code, status, message) == (
        "InvalidVpnGatewayID.NotFound", 400, f"The vpnGateway ID '{vgw}' does not exist"
    )
    assert refused(ec2.describe_vpn_gateways, VpnGatewayIds=[vgw])[0] == "InvalidVpnGatewayID.NotFound"
    by_tag = [{"Name": "tag:stack", "Values": ["s2"]}]
    assert ec2.describe_vpn_gateways(Filters=by_tag)["VpnGateways"] == []
    settle(t0)
    assert [g["VpnGatewayId"] for g in ec2.describe_vpn_gateways(Filters=by_tag)["VpnGateways"]] == [vgw]
    ec2.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=vpc_id)


def test_vpc_peering(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    a = new_vpc(ec2, "10.50.0.0/16")
    b = new_vpc(ec2, "10.60.0.0/16")
    on(emulator)
    pcx = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    t0 = time.monotonic()
    code, message, status = refused(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx)
    assert (code, status, message) == (
        "InvalidVpcPeeringConnectionID.NotFound", 400, f"The vpcPeeringConnection ID '{pcx}' does not exist"
    )
    assert refused(ec2.describe_vpc_peering_connections, VpcPeeringConnectionIds=[pcx])[0] == (
        "InvalidVpcPeeringConnectionID.NotFound"
    )
    by_vpc = [{"Name": "requester-vpc-info.vpc-id", "Values": [a]}]
    assert ec2.describe_vpc_peering_connections(Filters=by_vpc)["VpcPeeringConnections"] == []
    settle(t0, max(WINDOW, float(TEST_ENV["DMSLINK_EMU_PEERING_INITIATING_SECONDS"])))
    assert len(ec2.describe_vpc_peering_connections(Filters=by_vpc)["VpcPeeringConnections"]) == 1
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)


# ---------------------------------------------------------------------------
# RDS and IAM
# ---------------------------------------------------------------------------

def test_db_subnet_group(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    rds = emulator.client("rds")
    subnets = two_subnets(ec2, new_vpc(ec2))
    on(emulator)
    rds.create_db_subnet_group(DBSubnetGroupName="Stack-DB", DBSubnetGroupDescription="d", SubnetIds=subnets)
    t0 = time.monotonic()
    instance = dict(DBInstanceIdentifier="db1", DBInstanceClass="db.t3.micro", Engine="postgres",
                    MasterUsername="dmslink", MasterUserPassword="secret-password-1", AllocatedStorage=20,
                    DBSubnetGroupName="stack-db")
    code, message, status = refused(rds.create_db_instance, **instance)
    assert (code, status) == ("DBSubnetGroupNotFoundFault", 404)
    assert "stack-db" in message
    assert refused(rds.describe_db_subnet_groups, DBSubnetGroupName="STACK-DB")[:3:2] == (
        "DBSubnetGroupNotFoundFault", 404
    )
    assert "stack-db" not in [g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]]
    settle(t0)
    assert rds.describe_db_subnet_groups(DBSubnetGroupName="stack-db")["DBSubnetGroups"]
    assert rds.create_db_instance(**instance)["DBInstance"]["DBSubnetGroup"]["DBSubnetGroupName"] == "stack-db"


def _subnet_group(dms: Any, subnets: list[str]) -> Any:
    return dms.create_replication_subnet_group(
        ReplicationSubnetGroupIdentifier="sg1", ReplicationSubnetGroupDescription="d", SubnetIds=subnets
    )


def test_new_iam_role_not_yet_usable_by_dms(emulator: Emulator, dms: Any) -> None:
    ec2 = emulator.client("ec2")
    iam = emulator.client("iam")
    subnets = two_subnets(ec2, new_vpc(ec2))
    on(emulator)  # iam_propagation_seconds is 0 in the test config: the window alone decides
    iam.create_role(RoleName="dms-vpc-role", AssumeRolePolicyDocument=DMS_TRUST_POLICY)
    iam.attach_role_policy(RoleName="dms-vpc-role", PolicyArn=DMS_VPC_POLICY_ARN)
    t0 = time.monotonic()
    code, message, status = refused(_subnet_group, dms=dms, subnets=subnets)
    assert (code, status) == ("AccessDeniedFault", 400)
    # aws/aws-cdk#7632, terraform-provider-aws#11025, #32824
    assert message == "The IAM Role arn:aws:iam::123456789012:role/dms-vpc-role is not configured properly."
    settle(t0)
    _subnet_group(dms, subnets)


def test_changed_trust_policy_waits_for_the_window(emulator: Emulator, dms: Any) -> None:
    """An old, working role whose trust policy is rewritten: DMS sees the change only after the window."""
    ec2 = emulator.client("ec2")
    iam = emulator.client("iam")
    subnets = two_subnets(ec2, new_vpc(ec2))
    iam.create_role(RoleName="dms-vpc-role", AssumeRolePolicyDocument=DMS_TRUST_POLICY)
    iam.attach_role_policy(RoleName="dms-vpc-role", PolicyArn=DMS_VPC_POLICY_ARN)
    time.sleep(WINDOW + 0.05)  # the attachment is older than the window: only the trust change counts
    on(emulator)
    doc = json.loads(DMS_TRUST_POLICY)
    doc["Statement"][0]["Principal"]["Service"] = ["dms.amazonaws.com", "redshift.amazonaws.com"]
    iam.update_assume_role_policy(RoleName="dms-vpc-role", PolicyDocument=json.dumps(doc))
    t0 = time.monotonic()
    assert refused(_subnet_group, dms=dms, subnets=subnets)[0] == "AccessDeniedFault"
    settle(t0)
    _subnet_group(dms, subnets)


def test_iam_propagation_seconds_still_rules_without_the_window(emulator: Emulator, dms: Any) -> None:
    ec2 = emulator.client("ec2")
    iam = emulator.client("iam")
    subnets = two_subnets(ec2, new_vpc(ec2))
    iam.create_role(RoleName="dms-vpc-role", AssumeRolePolicyDocument=DMS_TRUST_POLICY)
    iam.attach_role_policy(RoleName="dms-vpc-role", PolicyArn=DMS_VPC_POLICY_ARN)
    _subnet_group(dms, subnets)  # both windows 0: usable at once
    dms.delete_replication_subnet_group(ReplicationSubnetGroupIdentifier="sg1")
    time.sleep(WINDOW + 0.05)  # the attachment is older than the window: only the trust change counts
    emulator.control("POST", "/config", {"iam_propagation_seconds": WINDOW})
    doc = json.loads(DMS_TRUST_POLICY)
    doc["Statement"][0]["Sid"] = "again"
    iam.update_assume_role_policy(RoleName="dms-vpc-role", PolicyDocument=json.dumps(doc))
    t0 = time.monotonic()
    assert refused(_subnet_group, dms=dms, subnets=subnets)[0] == "AccessDeniedFault"
    settle(t0)
    _subnet_group(dms, subnets)


# ---------------------------------------------------------------------------
# the acceptance harness's fixtures (fixtures.py) under the window
# ---------------------------------------------------------------------------

def test_fixtures_retry_not_found_and_settle(emulator: Emulator) -> None:
    """fixtures.py retries NotFound after its own creates and waits the window out before it answers."""
    import subprocess
    import sys

    on(emulator)
    script = Path(__file__).resolve().parent / "fixtures.py"
    out = subprocess.run(
        [sys.executable, str(script), "vpc", "--endpoint", emulator.url, "--region", "us-east-1",
         "--name", "fx", "--cidr", "10.70.0.0/16", "--security-group"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert len(doc["subnet_ids"]) == 2 and len(doc["route_table_ids"]) == 3 and doc["security_group_id"]
    ec2 = emulator.client("ec2")
    assert ec2.describe_vpcs(VpcIds=[doc["vpc_id"]])["Vpcs"]  # settled: the test sees it at once
    statuses = [(r["action"], r["status"]) for r in emulator.control("GET", "/requests?service=ec2")[1]]
    assert ("ModifyVpcAttribute", 400) in statuses  # it did meet the window (right after CreateVpc)
