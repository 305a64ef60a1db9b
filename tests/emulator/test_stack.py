"""The emulator for `dmslink_main`: IAM role, DMS network objects, EC2, RDS, faults, inventory."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import (
    DMS_TRUST_POLICY,
    DMS_VPC_POLICY_ARN,
    TEST_ENV,
    Emulator,
    ensure_dms_vpc_role,
)

DMS_T = float(TEST_ENV["DMSLINK_EMU_DMS_INSTANCE_CREATING_SECONDS"])
RDS_T = float(TEST_ENV["DMSLINK_EMU_RDS_CREATING_SECONDS"])
VGW_T = float(TEST_ENV["DMSLINK_EMU_VGW_ATTACHING_SECONDS"])
REGION = "us-east-1"

TABLE_MAPPINGS = json.dumps(
    {"rules": [{"rule-type": "selection", "rule-id": "1", "rule-name": "1",
                "object-locator": {"schema-name": "APP", "table-name": "%"}, "rule-action": "include"}]}
)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def fault(fn: Callable[..., Any], code: str, status: int = 400, **kwargs: Any) -> ClientError:
    with pytest.raises(ClientError) as info:
        fn(**kwargs)
    err = info.value
    assert err.response["Error"]["Code"] == code, err.response
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == status, err.response
    return err


def wait_until(check: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.03)


def states_until(read: Callable[[], str], target: str, timeout: float = 5.0) -> list[str]:
    """Poll ``read()`` until it returns ``target``; the distinct values seen."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if not seen or seen[-1] != value:
            seen.append(value)
        if value == target:
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"never reached {target}; saw {seen}")
        time.sleep(0.03)


class Net:
    """A VPC with subnets in ``azs`` (one each) and a security group."""

    def __init__(self, ec2: Any, cidr: str = "10.42", azs: str = "ab", tags: dict[str, str] | None = None) -> None:
        spec = [{"ResourceType": "vpc", "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}] if tags else []
        self.vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16", TagSpecifications=spec)["Vpc"]["VpcId"]
        self.subnets = []
        for i, az in enumerate(azs):
            sub_spec = [{"ResourceType": "subnet", "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}] if tags else []
            self.subnets.append(
                ec2.create_subnet(
                    VpcId=self.vpc, CidrBlock=f"{cidr}.{i}.0/24", AvailabilityZone=f"{REGION}{az}",
                    TagSpecifications=sub_spec,
                )["Subnet"]["SubnetId"]
            )
        sg_spec = [{"ResourceType": "security-group", "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}] if tags else []
        self.sg = ec2.create_security_group(
            GroupName=f"sg-{cidr}", Description="d", VpcId=self.vpc, TagSpecifications=sg_spec
        )["GroupId"]


def ri_status(dms: Any, arn: str) -> str:
    found = dms.describe_replication_instances(
        Filters=[{"Name": "replication-instance-arn", "Values": [arn]}]
    )["ReplicationInstances"]
    return found[0]["ReplicationInstanceStatus"]


def ri_gone(dms: Any, arn: str) -> bool:
    try:
        dms.describe_replication_instances(Filters=[{"Name": "replication-instance-arn", "Values": [arn]}])
    except ClientError as err:
        return err.response["Error"]["Code"] == "ResourceNotFoundFault"
    return False


def db_status(rds: Any, ident: str) -> str:
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]["DBInstanceStatus"]
    except ClientError as err:
        if err.response["Error"]["Code"] == "DBInstanceNotFound":
            return "gone"
        raise


def dms_group_and_instance(emulator: Emulator, net: Net, name: str = "stack", **extra: Any) -> tuple[Any, str]:
    dms = emulator.client("dms")
    ensure_dms_vpc_role(dms)
    dms.create_replication_subnet_group(
        ReplicationSubnetGroupIdentifier=f"{name}-subnets", ReplicationSubnetGroupDescription="d",
        SubnetIds=net.subnets,
    )
    ri = dms.create_replication_instance(
        ReplicationInstanceIdentifier=f"{name}-ri", ReplicationInstanceClass="dms.t3.medium",
        ReplicationSubnetGroupIdentifier=f"{name}-subnets", PubliclyAccessible=False, **extra,
    )["ReplicationInstance"]
    return dms, ri["ReplicationInstanceArn"]


def endpoint(dms: Any, ident: str, kind: str, **extra: Any) -> str:
    engine = "oracle" if kind == "source" else "postgres"
    return dms.create_endpoint(
        EndpointIdentifier=ident, EndpointType=kind, EngineName=engine, Username="u",
        Password="secret-1", ServerName="db.internal", Port=1521 if kind == "source" else 5432,
        DatabaseName="DB", **extra,
    )["Endpoint"]["EndpointArn"]


def raw(emulator: Emulator, service: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    auth = (
        f"AWS4-HMAC-SHA256 Credential=testing/20240101/{REGION}/{service}/aws4_request, "
        "SignedHeaders=host, Signature=0"
    )
    req = urllib.request.Request(emulator.url + "/", data=body, method="POST",
                                 headers={"Authorization": auth, **headers})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def raw_dms(emulator: Emulator, action: str, doc: dict[str, Any]) -> tuple[int, Any]:
    status, body, _ = raw(emulator, "dms", json.dumps(doc).encode(), {
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"AmazonDMSv20160101.{action}"})
    return status, json.loads(body)


# ---------------------------------------------------------------------------
# dms-vpc-role
# ---------------------------------------------------------------------------

def test_dms_vpc_role_is_required_and_propagates(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"iam_propagation_seconds": 0.6})
    ec2, dms, iam = emulator.client("ec2"), emulator.client("dms"), emulator.client("iam")
    net = Net(ec2)
    create_group: dict[str, Any] = dict(
        ReplicationSubnetGroupIdentifier="g", ReplicationSubnetGroupDescription="d", SubnetIds=net.subnets
    )
    create_ri: dict[str, Any] = dict(ReplicationInstanceIdentifier="ri", ReplicationInstanceClass="dms.t3.small")

    err = fault(dms.create_replication_subnet_group, "AccessDeniedFault", **create_group)
    assert err.response["Error"]["Message"] == (
        "The IAM Role arn:aws:iam::123456789012:role/dms-vpc-role is not configured properly."
    )
    fault(dms.create_replication_instance, "AccessDeniedFault", **create_ri)
    # a role of another name, or one that does not trust DMS, does not count
    iam.create_role(RoleName="dms-vpc-role-x", AssumeRolePolicyDocument=DMS_TRUST_POLICY)
    iam.attach_role_policy(RoleName="dms-vpc-role-x", PolicyArn=DMS_VPC_POLICY_ARN)
    fault(dms.create_replication_subnet_group, "AccessDeniedFault", **create_group)
    iam.create_role(RoleName="dms-vpc-role", AssumeRolePolicyDocument=DMS_TRUST_POLICY)
    fault(dms.create_replication_subnet_group, "AccessDeniedFault", **create_group)  # no policy yet
    # the AWS-managed policy is known to IAM
    policy = iam.get_policy(PolicyArn=DMS_VPC_POLICY_ARN)["Policy"]
    assert policy["PolicyName"] == "AmazonDMSVPCManagementRole"
    iam.attach_role_policy(RoleName="dms-vpc-role", PolicyArn=DMS_VPC_POLICY_ARN)
    attached = time.monotonic()
    fault(dms.create_replication_subnet_group, "AccessDeniedFault", **create_group)  # propagating
    fault(dms.create_replication_instance, "AccessDeniedFault", **create_ri)
    time.sleep(max(0.0, 0.65 - (time.monotonic() - attached)))
    dms.create_replication_subnet_group(**create_group)
    dms.create_replication_instance(**create_ri)
    # detaching the policy breaks it again
    iam.detach_role_policy(RoleName="dms-vpc-role", PolicyArn=DMS_VPC_POLICY_ARN)
    fault(dms.create_replication_instance, "AccessDeniedFault", **{**create_ri, "ReplicationInstanceIdentifier": "ri2"})


def test_dms_vpc_role_not_checked_when_lenient(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"strict": False})
    dms = emulator.client("dms")
    dms.create_replication_instance(ReplicationInstanceIdentifier="ri", ReplicationInstanceClass="dms.t3.small")
    dms.create_replication_subnet_group(
        ReplicationSubnetGroupIdentifier="g", ReplicationSubnetGroupDescription="d", SubnetIds=["subnet-1"]
    )


# ---------------------------------------------------------------------------
# DMS replication subnet groups
# ---------------------------------------------------------------------------

def test_replication_subnet_group_stores_subnets_and_lower_cases(emulator: Emulator) -> None:
    ec2, dms = emulator.client("ec2"), emulator.client("dms")
    ensure_dms_vpc_role(dms)
    net = Net(ec2, azs="abc")
    other = Net(ec2, cidr="10.43")
    common = dict(ReplicationSubnetGroupDescription="d")
    fault(dms.create_replication_subnet_group, "ReplicationSubnetGroupDoesNotCoverEnoughAZs",
          ReplicationSubnetGroupIdentifier="x", SubnetIds=[net.subnets[0]], **common)
    fault(dms.create_replication_subnet_group, "InvalidSubnet",
          ReplicationSubnetGroupIdentifier="x", SubnetIds=[net.subnets[0], "subnet-00000000000000000"], **common)
    fault(dms.create_replication_subnet_group, "InvalidSubnet",
          ReplicationSubnetGroupIdentifier="x", SubnetIds=[net.subnets[0], other.subnets[1]], **common)

    group = dms.create_replication_subnet_group(
        ReplicationSubnetGroupIdentifier="My-Subnets", SubnetIds=net.subnets[:2],
        Tags=[{"Key": "dmslink:stack", "Value": "s"}], **common,
    )["ReplicationSubnetGroup"]
    assert group["ReplicationSubnetGroupIdentifier"] == "my-subnets"
    assert group["VpcId"] == net.vpc
    assert [s["SubnetIdentifier"] for s in group["Subnets"]] == net.subnets[:2]
    assert [s["SubnetAvailabilityZone"]["Name"] for s in group["Subnets"]] == ["us-east-1a", "us-east-1b"]
    fault(dms.create_replication_subnet_group, "ResourceAlreadyExistsFault",
          ReplicationSubnetGroupIdentifier="MY-SUBNETS", SubnetIds=net.subnets, **common)
    found = dms.describe_replication_subnet_groups(
        Filters=[{"Name": "replication-subnet-group-id", "Values": ["My-Subnets"]}]
    )["ReplicationSubnetGroups"]
    assert [g["ReplicationSubnetGroupIdentifier"] for g in found] == ["my-subnets"]
    assert dms.list_tags_for_resource(ResourceArn="arn:aws:dms:us-east-1:123456789012:subgrp:my-subnets")["TagList"]

    modified = dms.modify_replication_subnet_group(
        ReplicationSubnetGroupIdentifier="my-subnets", ReplicationSubnetGroupDescription="new",
        SubnetIds=net.subnets,
    )["ReplicationSubnetGroup"]
    assert modified["ReplicationSubnetGroupDescription"] == "new"
    assert [s["SubnetIdentifier"] for s in modified["Subnets"]] == net.subnets
    fault(dms.modify_replication_subnet_group, "ReplicationSubnetGroupDoesNotCoverEnoughAZs",
          ReplicationSubnetGroupIdentifier="my-subnets", SubnetIds=[net.subnets[2]])
    fault(dms.modify_replication_subnet_group, "ResourceNotFoundFault",
          ReplicationSubnetGroupIdentifier="nope", SubnetIds=net.subnets)
    described = dms.describe_replication_subnet_groups()["ReplicationSubnetGroups"][0]
    assert [s["SubnetIdentifier"] for s in described["Subnets"]] == net.subnets

    dms.delete_replication_subnet_group(ReplicationSubnetGroupIdentifier="My-Subnets")
    # deleting for dms_subnet_group_seconds.deleting (dms_realism), then gone
    fault(dms.delete_replication_subnet_group, "InvalidResourceStateFault", ReplicationSubnetGroupIdentifier="my-subnets")
    wait_until(lambda: dms.describe_replication_subnet_groups()["ReplicationSubnetGroups"] == [],
               what="subnet group gone")
    fault(dms.delete_replication_subnet_group, "ResourceNotFoundFault", ReplicationSubnetGroupIdentifier="my-subnets")


# ---------------------------------------------------------------------------
# DMS replication instances and the network interface they leave behind
# ---------------------------------------------------------------------------

def test_replication_instance_states_network_and_leftover_eni(emulator: Emulator) -> None:
    # transient states long enough to be seen by the calls that follow, even on a slow machine
    emulator.control("POST", "/config", {"dms_instance_seconds": {"creating": 0.6, "deleting": 0.6}})
    ec2 = emulator.client("ec2")
    net = Net(ec2)
    dms, arn = dms_group_and_instance(emulator, net, VpcSecurityGroupIds=[net.sg], AvailabilityZone="us-east-1b")
    ri = dms.describe_replication_instances()["ReplicationInstances"][0]
    assert ri["ReplicationInstanceIdentifier"] == "stack-ri"
    assert ri["ReplicationInstanceStatus"] == "creating"
    assert ri["ReplicationSubnetGroup"]["ReplicationSubnetGroupIdentifier"] == "stack-subnets"
    assert ri["ReplicationSubnetGroup"]["VpcId"] == net.vpc
    assert {s["SubnetIdentifier"] for s in ri["ReplicationSubnetGroup"]["Subnets"]} == set(net.subnets)
    assert ri["VpcSecurityGroups"] == [{"VpcSecurityGroupId": net.sg, "Status": "active"}]
    assert ri["AvailabilityZone"] == "us-east-1b" and ri["PubliclyAccessible"] is False

    enis = ec2.describe_network_interfaces(Filters=[{"Name": "group-id", "Values": [net.sg]}])["NetworkInterfaces"]
    assert len(enis) == 1
    eni = enis[0]
    assert eni["Description"] == "DMSNetworkInterface" and eni["Status"] == "in-use"
    assert eni["SubnetId"] == net.subnets[1] and eni["RequesterManaged"] is True
    assert eni["PrivateIpAddress"] == ri["ReplicationInstancePrivateIpAddress"]

    assert states_until(lambda: ri_status(dms, arn), "available") == ["creating", "available"]

    # while the instance lives, nothing under it can go
    fault(ec2.delete_network_interface, "InvalidNetworkInterface.InUse", NetworkInterfaceId=eni["NetworkInterfaceId"])
    fault(ec2.delete_security_group, "DependencyViolation", GroupId=net.sg)
    fault(ec2.delete_subnet, "DependencyViolation", SubnetId=net.subnets[1])
    # net.subnets[0], in the group but without the interface, could go (AWS; test_strictness.py)
    fault(dms.delete_replication_subnet_group, "InvalidResourceStateFault",
          ReplicationSubnetGroupIdentifier="stack-subnets")

    deleting = dms.delete_replication_instance(ReplicationInstanceArn=arn)["ReplicationInstance"]
    assert deleting["ReplicationInstanceStatus"] == "deleting"
    fault(dms.delete_replication_instance, "InvalidResourceStateFault", ReplicationInstanceArn=arn)
    fault(dms.delete_replication_subnet_group, "InvalidResourceStateFault",
          ReplicationSubnetGroupIdentifier="stack-subnets")  # until the instance is gone
    wait_until(lambda: ri_gone(dms, arn), what="instance gone")
    dms.delete_replication_subnet_group(ReplicationSubnetGroupIdentifier="stack-subnets")

    # the interface stays behind, available, and still blocks the SG, subnet and VPC
    left = ec2.describe_network_interfaces(Filters=[{"Name": "status", "Values": ["available"]}])["NetworkInterfaces"]
    assert [e["NetworkInterfaceId"] for e in left] == [eni["NetworkInterfaceId"]]
    fault(ec2.delete_security_group, "DependencyViolation", GroupId=net.sg)
    fault(ec2.delete_subnet, "DependencyViolation", SubnetId=net.subnets[1])
    ec2.delete_subnet(SubnetId=net.subnets[0])
    fault(ec2.delete_vpc, "DependencyViolation", VpcId=net.vpc)
    ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    ec2.delete_security_group(GroupId=net.sg)
    ec2.delete_subnet(SubnetId=net.subnets[1])
    ec2.delete_vpc(VpcId=net.vpc)


def test_replication_instance_modify(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"dms_instance_seconds": {"creating": 0.6, "modifying": 0.6}})
    net = Net(emulator.client("ec2"))
    dms, arn = dms_group_and_instance(emulator, net, EngineVersion="3.5.4", MultiAZ=False)
    fault(dms.modify_replication_instance, "InvalidResourceStateFault", ReplicationInstanceArn=arn,
          ReplicationInstanceClass="dms.t3.large", ApplyImmediately=True)  # still creating
    states_until(lambda: ri_status(dms, arn), "available")
    fault(dms.modify_replication_instance, "InvalidParameterCombinationException", ReplicationInstanceArn=arn,
          AllowMajorVersionUpgrade=True)

    # not applied immediately: pending, status unchanged (window and auto-minor apply at once)
    ri = dms.modify_replication_instance(
        ReplicationInstanceArn=arn, ReplicationInstanceClass="dms.t3.large", AllocatedStorage=100,
        PreferredMaintenanceWindow="mon:01:00-mon:01:30", AutoMinorVersionUpgrade=False,
    )["ReplicationInstance"]
    assert ri["ReplicationInstanceStatus"] == "available"
    assert ri["ReplicationInstanceClass"] == "dms.t3.medium"
    assert ri["PendingModifiedValues"] == {"ReplicationInstanceClass": "dms.t3.large", "AllocatedStorage": 100}
    assert ri["PreferredMaintenanceWindow"] == "mon:01:00-mon:01:30" and ri["AutoMinorVersionUpgrade"] is False

    # applied immediately: modifying, then available with the new values
    ri = dms.modify_replication_instance(
        ReplicationInstanceArn=arn, ReplicationInstanceClass="dms.t3.large", AllocatedStorage=100,
        EngineVersion="3.6.1", MultiAZ=True, ApplyImmediately=True,
    )["ReplicationInstance"]
    assert ri["ReplicationInstanceStatus"] == "modifying"
    fault(dms.modify_replication_instance, "InvalidResourceStateFault", ReplicationInstanceArn=arn,
          AllocatedStorage=200, ApplyImmediately=True)
    assert states_until(lambda: ri_status(dms, arn), "available") == ["modifying", "available"]
    ri = dms.describe_replication_instances()["ReplicationInstances"][0]
    assert (ri["ReplicationInstanceClass"], ri["AllocatedStorage"], ri["EngineVersion"], ri["MultiAZ"]) == (
        "dms.t3.large", 100, "3.6.1", True)
    assert ri["PendingModifiedValues"] == {}
    assert ri["SecondaryAvailabilityZone"] != ri["AvailabilityZone"]
    # 4.0.0 is no orderable version (rulebook/orderable.json): refused as such in strict mode; the
    # major-upgrade rule itself is seen with the catalogue check off (lenient)
    fault(dms.modify_replication_instance, "InvalidParameterValueException", ReplicationInstanceArn=arn,
          EngineVersion="4.0.0", ApplyImmediately=True)
    emulator.control("POST", "/config", {"strict": False})
    fault(dms.modify_replication_instance, "InvalidParameterCombinationException", ReplicationInstanceArn=arn,
          EngineVersion="4.0.0", ApplyImmediately=True)  # major upgrade without AllowMajorVersionUpgrade
    emulator.control("POST", "/config", {"strict": True})
    fault(dms.modify_replication_instance, "ResourceNotFoundFault",
          ReplicationInstanceArn="arn:aws:dms:us-east-1:123456789012:rep:NOPE", AllocatedStorage=20)
    # the wire format of the new call is what the Rust SDK reads
    status, doc = raw_dms(emulator, "ModifyReplicationInstance",
                          {"ReplicationInstanceArn": arn, "AllocatedStorage": 120, "ApplyImmediately": True})
    assert status == 200 and isinstance(doc["ReplicationInstance"]["InstanceCreateTime"], (int, float))
    assert None not in doc["ReplicationInstance"].values()


def test_replication_instance_identifier_and_default_security_group(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    net = Net(ec2)
    dms, arn = dms_group_and_instance(emulator, net, name="Upper")
    ri = dms.describe_replication_instances(
        Filters=[{"Name": "replication-instance-id", "Values": ["UPPER-ri"]}])["ReplicationInstances"][0]
    assert ri["ReplicationInstanceIdentifier"] == "upper-ri"
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [net.vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    assert ri["VpcSecurityGroups"][0]["VpcSecurityGroupId"] == default
    fault(dms.create_replication_instance, "ResourceAlreadyExistsFault",
          ReplicationInstanceIdentifier="upper-RI", ReplicationInstanceClass="dms.t3.small")
    fault(dms.create_replication_instance, "ResourceNotFoundFault",
          ReplicationInstanceIdentifier="other", ReplicationInstanceClass="dms.t3.small",
          ReplicationSubnetGroupIdentifier="no-such-group")
    fault(dms.create_replication_instance, "InvalidParameterValueException",
          ReplicationInstanceIdentifier="bad--id", ReplicationInstanceClass="dms.t3.small")
    fault(dms.create_replication_instance, "InvalidParameterValueException",
          ReplicationInstanceIdentifier="other", ReplicationInstanceClass="dms.t3.small",
          ReplicationSubnetGroupIdentifier="upper-subnets", VpcSecurityGroupIds=["sg-00000000000000000"])


def test_replication_instance_availability_zone_must_be_in_its_subnet_group(emulator: Emulator) -> None:
    # CreateReplicationInstance: the instance's AZ is one its replication subnet group covers
    net = Net(emulator.client("ec2"))  # subnets in us-east-1a and us-east-1b
    dms = emulator.client("dms")
    ensure_dms_vpc_role(dms)
    dms.create_replication_subnet_group(ReplicationSubnetGroupIdentifier="grp", ReplicationSubnetGroupDescription="d",
                                        SubnetIds=net.subnets)
    base = dict(ReplicationInstanceIdentifier="ri", ReplicationInstanceClass="dms.t3.medium",
                ReplicationSubnetGroupIdentifier="grp")
    err = fault(dms.create_replication_instance, "InvalidParameterValueException", AvailabilityZone="us-east-1c", **base)
    assert "us-east-1c" in err.response["Error"]["Message"]
    ri = dms.create_replication_instance(AvailabilityZone="us-east-1b", **base)["ReplicationInstance"]
    assert ri["AvailabilityZone"] == "us-east-1b"


# ---------------------------------------------------------------------------
# DMS endpoints
# ---------------------------------------------------------------------------

def test_modify_endpoint(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    arn = endpoint(dms, "stack-target", "target",
                   PostgreSQLSettings={"Password": "s", "MapJsonbAsClob": True, "MaxFileSize": 512})
    fault(endpoint, "ResourceAlreadyExistsFault", dms=dms, ident="stack-target", kind="target")
    ep = dms.modify_endpoint(
        EndpointArn=arn, Password="secret-2", ServerName="new.internal", Port=5433, DatabaseName="db2",
        Username="u2", SslMode="require", ExtraConnectionAttributes="a=b",
        PostgreSQLSettings={"MaxFileSize": 1024},
    )["Endpoint"]
    assert (ep["ServerName"], ep["Port"], ep["DatabaseName"], ep["Username"], ep["SslMode"]) == (
        "new.internal", 5433, "db2", "u2", "require")
    assert ep["ExtraConnectionAttributes"] == "a=b" and ep["Status"] == "active"
    assert ep["PostgreSQLSettings"] == {"MapJsonbAsClob": True, "MaxFileSize": 1024}  # merged, no password
    assert "Password" not in ep
    ep = dms.modify_endpoint(EndpointArn=arn, PostgreSQLSettings={"MaxFileSize": 64}, ExactSettings=True)["Endpoint"]
    assert ep["PostgreSQLSettings"] == {"MaxFileSize": 64}
    described = dms.describe_endpoints(Filters=[{"Name": "endpoint-arn", "Values": [arn]}])["Endpoints"][0]
    assert "Password" not in json.dumps(described) and described["Port"] == 5433
    ep = dms.modify_endpoint(EndpointArn=arn, EndpointIdentifier="stack-target-2")["Endpoint"]
    assert ep["EndpointIdentifier"] == "stack-target-2" and ep["EndpointArn"] == arn
    assert dms.describe_endpoints(Filters=[{"Name": "endpoint-id", "Values": ["stack-target-2"]}])["Endpoints"]
    fault(dms.modify_endpoint, "ResourceNotFoundFault",
          EndpointArn="arn:aws:dms:us-east-1:123456789012:endpoint:NOPE", Port=1)


def test_modify_endpoint_cannot_change_the_kms_key(emulator: Emulator) -> None:
    # ModifyEndpoint has no KmsKeyId (API reference; the key is set by CreateEndpoint only). boto3 and the
    # Rust SDK cannot send it, so the request is raw.
    dms = emulator.client("dms")
    arn = endpoint(dms, "stack-target", "target")
    status, doc = raw_dms(emulator, "ModifyEndpoint", {"EndpointArn": arn, "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/x"})
    assert status == 400 and doc["__type"] == "InvalidParameterValueException", doc
    status, doc = raw_dms(emulator, "ModifyEndpoint", {"EndpointArn": arn, "Port": 5433})
    assert status == 200 and doc["Endpoint"]["Port"] == 5433


def vpn_to_onprem(emulator: Emulator, net: Net) -> None:
    """A VPN gateway on ``net`` with propagation and an available BGP VPN connection: on-premises
    servers (``db.internal``) are reachable from a replication instance in ``net`` (reachability.py)."""
    ec2 = emulator.client("ec2")
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=net.vpc)
    wait_until(lambda: ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"][0]["VpcAttachments"][0][
        "State"] == "attached", what="gateway attached")
    table = ec2.describe_route_tables(Filters=[
        {"Name": "vpc-id", "Values": [net.vpc]}, {"Name": "association.main", "Values": ["true"]}
    ])["RouteTables"][0]["RouteTableId"]
    ec2.enable_vgw_route_propagation(RouteTableId=table, GatewayId=vgw)
    cgw = ec2.create_customer_gateway(Type="ipsec.1", PublicIp="203.0.113.7", BgpAsn=65000)["CustomerGateway"]
    vpn = ec2.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cgw["CustomerGatewayId"], VpnGatewayId=vgw)
    vpn_id = vpn["VpnConnection"]["VpnConnectionId"]
    wait_until(lambda: ec2.describe_vpn_connections(VpnConnectionIds=[vpn_id])["VpnConnections"][0]["State"]
               == "available", what="VPN connection available")


def test_modify_endpoint_refused_while_a_task_runs_on_it(emulator: Emulator) -> None:
    net = Net(emulator.client("ec2"))
    vpn_to_onprem(emulator, net)  # the task must reach its (on-premises) endpoints to run
    dms, ri = dms_group_and_instance(emulator, net)
    wait_until(lambda: ri_status(dms, ri) == "available", what="instance available")  # tasks need it
    src, tgt = endpoint(dms, "src", "source"), endpoint(dms, "tgt", "target")
    task = dms.create_replication_task(
        ReplicationTaskIdentifier="t", SourceEndpointArn=src, TargetEndpointArn=tgt,
        ReplicationInstanceArn=ri, MigrationType="full-load-and-cdc", TableMappings=TABLE_MAPPINGS,
    )["ReplicationTask"]["ReplicationTaskArn"]

    def task_status() -> str:
        return dms.describe_replication_tasks(
            Filters=[{"Name": "replication-task-arn", "Values": [task]}])["ReplicationTasks"][0]["Status"]

    def tested() -> None:  # a modify makes DMS test the endpoint; the task cannot start meanwhile (#46139)
        wait_until(lambda: dms.describe_connections(Filters=[{"Name": "endpoint-arn", "Values": [tgt]}])
                   ["Connections"][0]["Status"] != "testing", what="the modify's connection test")

    states_until(task_status, "ready")
    dms.modify_endpoint(EndpointArn=tgt, Password="while-ready")  # a task that is not running: fine
    tested()
    dms.start_replication_task(ReplicationTaskArn=task, StartReplicationTaskType="start-replication")
    states_until(task_status, "running")
    err = fault(dms.modify_endpoint, "InvalidResourceStateFault", EndpointArn=tgt, Password="new")
    assert "Stop the tasks first" in err.response["Error"]["Message"]
    dms.stop_replication_task(ReplicationTaskArn=task)
    states_until(task_status, "stopped")
    dms.modify_endpoint(EndpointArn=tgt, Password="new")
    tested()
    dms.start_replication_task(ReplicationTaskArn=task, StartReplicationTaskType="resume-processing")
    states_until(task_status, "running")


# ---------------------------------------------------------------------------
# EC2: VPN gateway, route propagation, VPC dependencies
# ---------------------------------------------------------------------------

def test_vpn_gateway_attachment_states_and_route_propagation(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"vgw_seconds": {"attaching": 0.6, "detaching": 0.6}})
    ec2 = emulator.client("ec2")
    net, other = Net(ec2), Net(ec2, cidr="10.43")
    vgw = ec2.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=64512)["VpnGateway"]["VpnGatewayId"]
    table = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [net.vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]

    def attachment_state() -> str:
        gw = ec2.describe_vpn_gateways(VpnGatewayIds=[vgw])["VpnGateways"][0]
        return next((a["State"] for a in gw["VpcAttachments"] if a["VpcId"] == net.vpc), "none")

    att = ec2.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=net.vpc)["VpcAttachment"]
    assert att == {"VpcId": net.vpc, "State": "attaching"}
    fault(ec2.enable_vgw_route_propagation, "Gateway.NotAttached", RouteTableId=table, GatewayId=vgw)
    assert states_until(attachment_state, "attached") == ["attaching", "attached"]
    fault(ec2.attach_vpn_gateway, "VpnGatewayAttachmentLimitExceeded", VpnGatewayId=vgw, VpcId=other.vpc)
    other_table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [other.vpc]}])["RouteTables"][0]
    fault(ec2.enable_vgw_route_propagation, "Gateway.NotAttached",
          RouteTableId=other_table["RouteTableId"], GatewayId=vgw)
    fault(ec2.enable_vgw_route_propagation, "InvalidRouteTableID.NotFound", RouteTableId="rtb-00000000000000000", GatewayId=vgw)

    ec2.enable_vgw_route_propagation(RouteTableId=table, GatewayId=vgw)
    ec2.enable_vgw_route_propagation(RouteTableId=table, GatewayId=vgw)  # idempotent
    rt = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]
    assert rt["PropagatingVgws"] == [{"GatewayId": vgw}]
    ec2.disable_vgw_route_propagation(RouteTableId=table, GatewayId=vgw)
    assert ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0].get("PropagatingVgws", []) == []
    fault(ec2.disable_vgw_route_propagation, "InvalidRouteTableID.NotFound", RouteTableId="rtb-00000000000000000", GatewayId=vgw)
    ec2.enable_vgw_route_propagation(RouteTableId=table, GatewayId=vgw)

    fault(ec2.delete_vpn_gateway, "IncorrectState", VpnGatewayId=vgw)
    ec2.delete_subnet(SubnetId=net.subnets[0])
    ec2.delete_subnet(SubnetId=net.subnets[1])
    ec2.delete_security_group(GroupId=net.sg)
    fault(ec2.delete_vpc, "DependencyViolation", VpcId=net.vpc)
    ec2.detach_vpn_gateway(VpnGatewayId=vgw, VpcId=net.vpc)
    fault(ec2.delete_vpn_gateway, "IncorrectState", VpnGatewayId=vgw)  # detaching
    fault(ec2.delete_vpc, "DependencyViolation", VpcId=net.vpc)
    assert states_until(attachment_state, "detached") == ["detaching", "detached"]
    assert ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0].get("PropagatingVgws", []) == []
    fault(ec2.detach_vpn_gateway, "InvalidVpnGatewayAttachment.NotFound", VpnGatewayId=vgw, VpcId=net.vpc)
    ec2.delete_vpn_gateway(VpnGatewayId=vgw)
    ec2.delete_vpc(VpcId=net.vpc)
    # reattach to another VPC works once detached (on a new gateway: a deleted one cannot attach)
    fault(ec2.attach_vpn_gateway, "IncorrectState", VpnGatewayId=vgw, VpcId=other.vpc)


def test_delete_vpc_refused_with_attached_internet_gateway_or_security_group(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    sg = ec2.create_security_group(GroupName="x", Description="d", VpcId=vpc)["GroupId"]
    fault(ec2.delete_vpc, "DependencyViolation", VpcId=vpc)
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    fault(ec2.delete_vpc, "DependencyViolation", VpcId=vpc)  # the security group
    ec2.delete_security_group(GroupId=sg)
    ec2.delete_vpc(VpcId=vpc)
    ec2.delete_internet_gateway(InternetGatewayId=igw)
    # lenient: moto's own rules only
    emulator.control("POST", "/config", {"strict": False})
    vpc = ec2.create_vpc(CidrBlock="10.51.0.0/16")["Vpc"]["VpcId"]
    ec2.create_security_group(GroupName="y", Description="d", VpcId=vpc)
    ec2.delete_vpc(VpcId=vpc)


# ---------------------------------------------------------------------------
# RDS
# ---------------------------------------------------------------------------

def db_subnet_group(rds: Any, net: Net, name: str = "Stack-DB") -> str:
    return rds.create_db_subnet_group(
        DBSubnetGroupName=name, DBSubnetGroupDescription="d", SubnetIds=net.subnets[:2]
    )["DBSubnetGroup"]["DBSubnetGroupName"]


def test_rds_instance_states_and_delete_rules(emulator: Emulator) -> None:
    # The available -> modifying flap after create (rds_realism) is tested in test_realism.py.
    emulator.control("POST", "/config", {"rds_seconds": {"creating": 0.6, "modifying": 0.5, "deleting": 0.6},
                                         "rds_first_available_seconds": 0, "rds_followup_modifying_seconds": 0})
    ec2, rds = emulator.client("ec2"), emulator.client("rds")
    net = Net(ec2)
    group = db_subnet_group(rds, net)
    assert group == "stack-db"
    db = rds.create_db_instance(
        DBInstanceIdentifier="Stack-Target", DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="u", MasterUserPassword="password123", AllocatedStorage=20,
        DBSubnetGroupName="Stack-DB", VpcSecurityGroupIds=[net.sg],
    )["DBInstance"]
    assert db["DBInstanceIdentifier"] == "stack-target" and db["DBInstanceStatus"] == "creating"
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == "stack-db"
    fault(rds.modify_db_instance, "InvalidDBInstanceState", DBInstanceIdentifier="stack-target",
          AllocatedStorage=30, ApplyImmediately=True)
    fault(rds.delete_db_instance, "InvalidDBInstanceState", DBInstanceIdentifier="stack-target",
          FinalDBSnapshotIdentifier="too-early")
    assert states_until(lambda: db_status(rds, "Stack-Target"), "available") == ["creating", "backing-up", "available"]

    fault(rds.modify_db_instance, "InvalidParameterCombination", DBInstanceIdentifier="stack-target",
          ApplyImmediately=True)
    db = rds.modify_db_instance(DBInstanceIdentifier="stack-target", AllocatedStorage=30, ApplyImmediately=True)["DBInstance"]
    assert db["DBInstanceStatus"] == "modifying"
    assert states_until(lambda: db_status(rds, "stack-target"), "available") == ["modifying", "available"]

    # in use: the subnet group, the security group, the subnets
    fault(rds.delete_db_subnet_group, "InvalidDBSubnetGroupStateFault", DBSubnetGroupName="stack-db")
    fault(ec2.delete_security_group, "DependencyViolation", GroupId=net.sg)
    fault(ec2.delete_subnet, "DependencyViolation", SubnetId=net.subnets[0])

    # deletion protection (moto honours it) and the final-snapshot decision
    rds.modify_db_instance(DBInstanceIdentifier="stack-target", DeletionProtection=True, ApplyImmediately=True)
    states_until(lambda: db_status(rds, "stack-target"), "available")
    err = fault(rds.delete_db_instance, "InvalidParameterCombination", DBInstanceIdentifier="stack-target",
                SkipFinalSnapshot=True)
    assert "deletion protection" in err.response["Error"]["Message"]
    rds.modify_db_instance(DBInstanceIdentifier="stack-target", DeletionProtection=False, ApplyImmediately=True)
    states_until(lambda: db_status(rds, "stack-target"), "available")
    fault(rds.delete_db_instance, "InvalidParameterCombination", DBInstanceIdentifier="stack-target")
    fault(rds.delete_db_instance, "InvalidParameterCombination", DBInstanceIdentifier="stack-target",
          SkipFinalSnapshot=True, FinalDBSnapshotIdentifier="both")
    db = rds.delete_db_instance(DBInstanceIdentifier="stack-target", FinalDBSnapshotIdentifier="Stack-Final")["DBInstance"]
    assert db["DBInstanceStatus"] == "deleting"
    snap = rds.describe_db_snapshots(DBSnapshotIdentifier="stack-final")["DBSnapshots"][0]
    assert snap["DBInstanceIdentifier"] == "stack-target" and snap["SnapshotType"] == "manual"
    fault(rds.delete_db_instance, "InvalidDBInstanceState", DBInstanceIdentifier="stack-target", SkipFinalSnapshot=True)
    fault(rds.delete_db_subnet_group, "InvalidDBSubnetGroupStateFault", DBSubnetGroupName="stack-db")
    assert states_until(lambda: db_status(rds, "stack-target"), "gone") == ["deleting", "gone"]
    rds.describe_db_snapshots(DBSnapshotIdentifier="stack-final")  # outlives the instance

    # restore from that snapshot: creating, then available
    db = rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="Stack-Source", DBSnapshotIdentifier="stack-final", DBSubnetGroupName="stack-db",
    )["DBInstance"]
    assert db["DBInstanceIdentifier"] == "stack-source" and db["DBInstanceStatus"] == "creating"
    default_sg = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [net.vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    assert [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]] == [default_sg]
    states_until(lambda: db_status(rds, "stack-source"), "available")
    rds.delete_db_instance(DBInstanceIdentifier="stack-source", SkipFinalSnapshot=True)
    states_until(lambda: db_status(rds, "stack-source"), "gone")
    rds.delete_db_subnet_group(DBSubnetGroupName="Stack-DB")
    ec2.delete_security_group(GroupId=net.sg)


def test_rds_final_snapshot_name_taken_refuses_the_delete(emulator: Emulator) -> None:
    """AWS DeleteDBInstance: ``DBSnapshotAlreadyExists`` (400) when ``FinalDBSnapshotIdentifier`` is
    already used by an existing snapshot; identifiers compare case-insensitively. The instance is
    not deleted: it stays ``available``."""
    emulator.control("POST", "/config", {"rds_seconds": {"creating": 0, "deleting": 0.3}, "rds_lifecycle_seconds": {
        "backing_up": 0, "first_available": 0, "followup_modifying": 0}})
    rds = emulator.client("rds")
    for ident in ("first", "second"):
        rds.create_db_instance(DBInstanceIdentifier=ident, DBInstanceClass="db.t3.micro", Engine="postgres",
                               MasterUsername="u", MasterUserPassword="password123", AllocatedStorage=20)
        assert db_status(rds, ident) == "available"
    rds.delete_db_instance(DBInstanceIdentifier="first", FinalDBSnapshotIdentifier="db-20261202t154500z")
    err = fault(rds.delete_db_instance, "DBSnapshotAlreadyExists", DBInstanceIdentifier="second",
                FinalDBSnapshotIdentifier="DB-20261202T154500Z")
    assert "db-20261202t154500z" in err.response["Error"]["Message"].lower()
    assert db_status(rds, "second") == "available"
    snaps = rds.describe_db_snapshots(DBSnapshotIdentifier="db-20261202t154500z")["DBSnapshots"]
    assert [s["DBInstanceIdentifier"] for s in snaps] == ["first"]
    # Another name goes through.
    rds.delete_db_instance(DBInstanceIdentifier="second", FinalDBSnapshotIdentifier="db-20261202t154501z")
    assert states_until(lambda: db_status(rds, "second"), "gone") == ["deleting", "gone"]


def test_rds_delete_is_moto_like_when_lenient(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"strict": False, "rds_seconds": {"creating": 0, "deleting": 0},
                                         "rds_lifecycle_seconds": {"backing_up": 0, "first_available": 0,
                                                                   "followup_modifying": 0}})
    rds = emulator.client("rds")
    rds.create_db_instance(DBInstanceIdentifier="db", DBInstanceClass="db.t3.micro", Engine="postgres",
                           MasterUsername="u", MasterUserPassword="password123", AllocatedStorage=20)
    assert db_status(rds, "db") == "available"
    rds.delete_db_instance(DBInstanceIdentifier="db")
    assert db_status(rds, "db") == "gone"


def test_db_subnet_group_modify_keeps_the_group(emulator: Emulator) -> None:
    ec2, rds = emulator.client("ec2"), emulator.client("rds")
    net = Net(ec2, azs="abc")
    db_subnet_group(rds, net)
    fault(rds.create_db_subnet_group, "DBSubnetGroupAlreadyExists",
          DBSubnetGroupName="stack-db", DBSubnetGroupDescription="d", SubnetIds=net.subnets)
    fault(rds.create_db_subnet_group, "DBSubnetGroupDoesNotCoverEnoughAZs",
          DBSubnetGroupName="one-az", DBSubnetGroupDescription="d", SubnetIds=[net.subnets[0]])
    group = rds.modify_db_subnet_group(
        DBSubnetGroupName="Stack-DB", DBSubnetGroupDescription="new", SubnetIds=net.subnets
    )["DBSubnetGroup"]
    assert group["DBSubnetGroupDescription"] == "new"
    described = rds.describe_db_subnet_groups(DBSubnetGroupName="stack-db")["DBSubnetGroups"][0]
    assert {s["SubnetIdentifier"] for s in described["Subnets"]} == set(net.subnets)
    assert described["DBSubnetGroupDescription"] == "new" and described["VpcId"] == net.vpc
    fault(rds.modify_db_subnet_group, "DBSubnetGroupDoesNotCoverEnoughAZs",
          DBSubnetGroupName="stack-db", SubnetIds=[net.subnets[2]])
    rds.delete_db_subnet_group(DBSubnetGroupName="stack-db")
    fault(rds.describe_db_subnet_groups, "DBSubnetGroupNotFoundFault", 404, DBSubnetGroupName="stack-db")


# ---------------------------------------------------------------------------
# fault injection and latency
# ---------------------------------------------------------------------------

def test_fault_injection_dms(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    status, rule = emulator.control("POST", "/faults", {
        "service": "dms", "action": "CreateEndpoint", "count": 1, "code": "InvalidParameterValueException",
        "message": "injected", "status": 400, "match": {"EndpointIdentifier": "-target"},
    })
    assert status == 200 and rule["remaining"] == 1
    endpoint(dms, "stack-source", "source")  # does not match
    emulator.control("DELETE", "/requests")
    err = fault(endpoint, "InvalidParameterValueException", dms=dms, ident="stack-target", kind="target")
    assert err.response["Error"]["Message"] == "injected"
    fault(dms.describe_endpoints, "ResourceNotFoundFault", Filters=[{"Name": "endpoint-id", "Values": ["stack-target"]}])
    entries = emulator.control("GET", "/requests")[1]
    assert entries[0]["action"] == "CreateEndpoint" and entries[0]["status"] == 400 and entries[0]["injected"] is True
    assert emulator.control("GET", "/faults") == (200, [])  # used up
    endpoint(dms, "stack-target", "target")  # the retry succeeds

    # raw wire format: awsJson __type + message
    emulator.control("POST", "/faults", {"service": "dms", "action": "DescribeEndpoints", "code": "ThrottlingException",
                                         "message": "Rate exceeded", "status": 400})
    status, doc = raw_dms(emulator, "DescribeEndpoints", {})
    assert status == 400 and doc == {"__type": "ThrottlingException", "message": "Rate exceeded"}


def test_fault_injection_xml_protocols_and_control(emulator: Emulator) -> None:
    ec2, rds, iam = emulator.client("ec2"), emulator.client("rds"), emulator.client("iam")
    status, rules = emulator.control("POST", "/faults", [
        {"service": "ec2", "action": "CreateVpc", "code": "VpcLimitExceeded", "message": "too many"},
        {"service": "rds", "action": "CreateDBSubnetGroup", "code": "DBSubnetGroupQuotaExceeded",
         "match": {"DBSubnetGroupName": "doomed"}},
        {"service": "iam", "action": "CreateRole", "code": "ServiceFailure", "status": 503, "count": -1},
    ])
    assert status == 200 and len(rules) == 3
    err = fault(ec2.create_vpc, "VpcLimitExceeded", CidrBlock="10.60.0.0/16")
    assert err.response["Error"]["Message"] == "too many"
    assert ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.60.0.0/16"]}])["Vpcs"] == []
    net = Net(ec2)
    fault(rds.create_db_subnet_group, "DBSubnetGroupQuotaExceeded", DBSubnetGroupName="doomed",
          DBSubnetGroupDescription="d", SubnetIds=net.subnets)
    rds.create_db_subnet_group(DBSubnetGroupName="fine", DBSubnetGroupDescription="d", SubnetIds=net.subnets)
    for _ in range(2):  # count -1: every call
        fault(iam.create_role, "ServiceFailure", 503, RoleName="r", AssumeRolePolicyDocument=DMS_TRUST_POLICY)
    listed = emulator.control("GET", "/faults")[1]
    # the count-1 rule is used up; the -1 rule counts every hit (botocore retries a 503 once here)
    assert [r["action"] for r in listed] == ["CreateRole"] and listed[0]["hits"] >= 2
    assert listed[0]["remaining"] == -1
    assert emulator.control("DELETE", "/faults") == (200, {"cleared": 1})
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=DMS_TRUST_POLICY)
    for bad in ({"action": "X"}, {"code": "X", "count": 0}, {"code": "X", "status": 200},
                {"code": "X", "match": {"a": 1}}, {"code": "X", "colour": "red"}):
        status, doc = emulator.control("POST", "/faults", bad)
        assert status == 400 and "error" in doc
    # reset clears faults too
    emulator.control("POST", "/faults", {"code": "X"})
    emulator.control("POST", "/reset")
    assert emulator.control("GET", "/faults") == (200, [])


def test_latency_setting(emulator: Emulator) -> None:
    sts = emulator.client("sts")
    sts.get_caller_identity()
    status, cfg = emulator.control("POST", "/config", {"latency_ms": 300})
    assert status == 200 and cfg["latency_ms"] == 300
    t0 = time.monotonic()
    sts.get_caller_identity()
    assert time.monotonic() - t0 >= 0.3
    t0 = time.monotonic()
    emulator.control("GET", "/health")
    assert time.monotonic() - t0 < 0.25  # control calls are not delayed


# ---------------------------------------------------------------------------
# timing configuration
# ---------------------------------------------------------------------------

def test_resource_timing_configuration(emulator: Emulator) -> None:
    cfg = emulator.control("GET", "/config")[1]
    assert cfg["dms_instance_seconds"] == {"creating": DMS_T, "modifying": DMS_T, "deleting": DMS_T}
    assert cfg["rds_seconds"]["creating"] == RDS_T and cfg["vgw_seconds"]["attaching"] == VGW_T
    assert cfg["iam_propagation_seconds"] == 0 and cfg["latency_ms"] == 0
    status, cfg = emulator.control("POST", "/config", {
        "rds_creating_seconds": 20, "dms_instance_creating_seconds": 15,
        "vgw_seconds": {"detaching": 3}, "iam_propagation_seconds": 10,
    })
    assert status == 200
    assert cfg["rds_seconds"]["creating"] == 20 and cfg["dms_instance_seconds"]["creating"] == 15
    assert cfg["vgw_seconds"] == {"attaching": VGW_T, "detaching": 3} and cfg["iam_propagation_seconds"] == 10
    for bad in ({"rds_seconds": {"flying": 1}}, {"rds_seconds": 3}, {"vgw_attaching_seconds": -1},
                {"latency_ms": "slow"}, {"dms_instance_starting_seconds": 1}):
        status, doc = emulator.control("POST", "/config", bad)
        assert status == 400 and "error" in doc, bad
    emulator.control("POST", "/reset")
    assert emulator.control("GET", "/config")[1]["rds_seconds"]["creating"] == RDS_T


def test_slow_creating_times_apply_to_new_resources(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"rds_creating_seconds": 1.0, "dms_instance_creating_seconds": 1.0})
    net = Net(emulator.client("ec2"))
    rds = emulator.client("rds")
    t0 = time.monotonic()
    rds.create_db_instance(DBInstanceIdentifier="slow", DBInstanceClass="db.t3.micro", Engine="postgres",
                           MasterUsername="u", MasterUserPassword="password123", AllocatedStorage=20)
    dms, arn = dms_group_and_instance(emulator, net)
    assert db_status(rds, "slow") == "creating" and ri_status(dms, arn) == "creating"
    wait_until(lambda: db_status(rds, "slow") == "available" and ri_status(dms, arn) == "available",
               what="both available")
    assert time.monotonic() - t0 >= 1.0


# ---------------------------------------------------------------------------
# inventory: a whole stack up and down
# ---------------------------------------------------------------------------

def _stack_tags(name: str) -> list[dict[str, str]]:
    return [{"Key": "dmslink:stack", "Value": name}, {"Key": "dmslink:resource", "Value": "x"}]


def build_stack(emulator: Emulator, name: str = "demo") -> dict[str, Any]:
    ec2, rds, iam = emulator.client("ec2"), emulator.client("rds"), emulator.client("iam")
    tags = {"dmslink:stack": name}
    net = Net(ec2, tags=tags)
    vgw = ec2.create_vpn_gateway(
        Type="ipsec.1", TagSpecifications=[{"ResourceType": "vpn-gateway", "Tags": _stack_tags(name)}]
    )["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=net.vpc)
    igw = ec2.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": _stack_tags(name)}]
    )["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=net.vpc)
    iam.create_role(RoleName="dms-vpc-role", AssumeRolePolicyDocument=DMS_TRUST_POLICY, Tags=_stack_tags(name))
    iam.attach_role_policy(RoleName="dms-vpc-role", PolicyArn=DMS_VPC_POLICY_ARN)
    rds.create_db_subnet_group(DBSubnetGroupName=f"{name}-db", DBSubnetGroupDescription="d",
                               SubnetIds=net.subnets, Tags=_stack_tags(name))
    rds.create_db_instance(DBInstanceIdentifier=f"{name}-target", DBInstanceClass="db.t3.micro",
                           Engine="postgres", MasterUsername="u", MasterUserPassword="password123",
                           AllocatedStorage=20, DBSubnetGroupName=f"{name}-db",
                           VpcSecurityGroupIds=[net.sg], Tags=_stack_tags(name))
    dms = emulator.client("dms")
    dms.create_replication_subnet_group(ReplicationSubnetGroupIdentifier=f"{name}-dms",
                                        ReplicationSubnetGroupDescription="d", SubnetIds=net.subnets,
                                        Tags=_stack_tags(name))
    ri = dms.create_replication_instance(
        ReplicationInstanceIdentifier=f"{name}-ri", ReplicationInstanceClass="dms.t3.medium",
        ReplicationSubnetGroupIdentifier=f"{name}-dms", VpcSecurityGroupIds=[net.sg],
        PubliclyAccessible=False, Tags=_stack_tags(name),
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    src = endpoint(dms, f"{name}-source", "source", Tags=_stack_tags(name))
    tgt = endpoint(dms, f"{name}-target", "target", Tags=_stack_tags(name))
    return {"net": net, "vgw": vgw, "igw": igw, "ri": ri, "src": src, "tgt": tgt}


def inventory(emulator: Emulator, query: str = "") -> list[dict[str, Any]]:
    status, doc = emulator.control("GET", "/inventory" + query)
    assert status == 200
    return doc["objects"]


def test_inventory_lists_a_stack_and_nothing_after_destroy(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"vgw_attaching_seconds": 1.5, "dms_instance_creating_seconds": 1.5})
    stack = build_stack(emulator)
    net = stack["net"]
    objects = inventory(emulator, "?tag=dmslink:stack=demo")
    types = {o["type"] for o in objects}
    assert types == {
        "ec2:vpc", "ec2:subnet", "ec2:security-group", "ec2:vpn-gateway", "ec2:internet-gateway",
        "rds:db-instance", "rds:db-subnet-group", "dms:replication-subnet-group",
        "dms:replication-instance", "dms:endpoint", "iam:role",
    }, types
    by_type = {o["type"]: o for o in objects}
    assert by_type["ec2:vpn-gateway"]["attachments"] == [{"vpc_id": net.vpc, "state": "attaching"}]
    assert by_type["ec2:internet-gateway"]["attachments"][0]["vpc_id"] == net.vpc
    assert by_type["dms:replication-instance"]["arn"] == stack["ri"]
    assert by_type["dms:replication-instance"]["state"] == "creating"
    assert by_type["dms:replication-subnet-group"]["arn"].endswith(":subgrp:demo-dms")
    assert by_type["iam:role"]["name"] == "dms-vpc-role"
    assert DMS_VPC_POLICY_ARN in by_type["iam:role"]["attached_policies"]
    assert by_type["rds:db-instance"]["arn"].endswith(":db:demo-target")
    # untagged things the stack made are listed too (the DMS interface, route tables)
    enis = [o for o in inventory(emulator, "?type=ec2:network-interface") if o["vpc_id"] == net.vpc]
    assert sorted(o["description"] for o in enis) == ["DMSNetworkInterface", "RDSNetworkInterface"]
    assert all(o["state"] == "in-use" and o["tags"] == {} for o in enis)
    everything = inventory(emulator)
    assert any(o.get("default") for o in everything)
    assert not any(o.get("default") for o in inventory(emulator, "?include_defaults=false"))
    rds_objects = inventory(emulator, "?type=rds")
    assert {o["type"] for o in rds_objects} == {"rds:db-instance", "rds:db-subnet-group", "rds:db-snapshot"}
    assert [o["snapshot_type"] for o in rds_objects if o["type"] == "rds:db-snapshot"] == ["automated"]
    assert inventory(emulator, "?tag=dmslink:stack=other") == []
    assert inventory(emulator, "?region=eu-west-1") == []

    # destroy in dependency order, as dmslink_main must
    ec2, rds, dms, iam = (emulator.client(s) for s in ("ec2", "rds", "dms", "iam"))
    fault(dms.delete_replication_subnet_group, "InvalidResourceStateFault",
          ReplicationSubnetGroupIdentifier="demo-dms")
    dms.delete_endpoint(EndpointArn=stack["src"])
    dms.delete_endpoint(EndpointArn=stack["tgt"])
    wait_until(lambda: ri_status(dms, stack["ri"]) == "available", what="instance available")
    dms.delete_replication_instance(ReplicationInstanceArn=stack["ri"])
    wait_until(lambda: ri_gone(dms, stack["ri"]), what="instance gone")
    dms.delete_replication_subnet_group(ReplicationSubnetGroupIdentifier="demo-dms")
    wait_until(lambda: db_status(rds, "demo-target") == "available", what="db available")
    rds.delete_db_instance(DBInstanceIdentifier="demo-target", SkipFinalSnapshot=True)
    wait_until(lambda: db_status(rds, "demo-target") == "gone", what="db gone")
    rds.delete_db_subnet_group(DBSubnetGroupName="demo-db")
    fault(ec2.delete_security_group, "DependencyViolation", GroupId=net.sg)  # the DMS and RDS leftovers
    wait_until(lambda: not ec2.describe_network_interfaces(  # RDS removes its own, after a while
        Filters=[{"Name": "description", "Values": ["RDSNetworkInterface"]}])["NetworkInterfaces"],
        what="RDS network interface gone")
    for leftover in ec2.describe_network_interfaces(
        Filters=[{"Name": "group-id", "Values": [net.sg]}, {"Name": "status", "Values": ["available"]}]
    )["NetworkInterfaces"]:
        ec2.delete_network_interface(NetworkInterfaceId=leftover["NetworkInterfaceId"])
    ec2.delete_security_group(GroupId=net.sg)
    for subnet in net.subnets:
        ec2.delete_subnet(SubnetId=subnet)
    wait_until(lambda: ec2.describe_vpn_gateways(VpnGatewayIds=[stack["vgw"]])["VpnGateways"][0]
               ["VpcAttachments"][0]["State"] == "attached", what="vgw attached")
    ec2.detach_vpn_gateway(VpnGatewayId=stack["vgw"], VpcId=net.vpc)
    fault(ec2.delete_vpn_gateway, "IncorrectState", VpnGatewayId=stack["vgw"])
    wait_until(lambda: ec2.describe_vpn_gateways(VpnGatewayIds=[stack["vgw"]])["VpnGateways"][0]
               ["VpcAttachments"][0]["State"] == "detached", what="vgw detached")
    ec2.delete_vpn_gateway(VpnGatewayId=stack["vgw"])
    fault(ec2.delete_vpc, "DependencyViolation", VpcId=net.vpc)  # the internet gateway
    ec2.detach_internet_gateway(InternetGatewayId=stack["igw"], VpcId=net.vpc)
    ec2.delete_internet_gateway(InternetGatewayId=stack["igw"])
    ec2.delete_vpc(VpcId=net.vpc)
    iam.detach_role_policy(RoleName="dms-vpc-role", PolicyArn=DMS_VPC_POLICY_ARN)
    iam.delete_role(RoleName="dms-vpc-role")

    left = inventory(emulator, "?tag=dmslink:stack=demo")
    # a deleted VPN gateway stays listed (state deleted), as on AWS for a while
    assert [(o["type"], o.get("state")) for o in left] == [("ec2:vpn-gateway", "deleted")], left
    assert [o for o in inventory(emulator, "?include_defaults=false") if o["type"] != "ec2:vpn-gateway"] == []


def test_environment_variables_for_the_new_timings() -> None:
    from dmslink_emulator.config import Config, ConfigError

    cfg = Config()
    cfg.load_env({
        "DMSLINK_EMU_IAM_PROPAGATION_SECONDS": "5",
        "DMSLINK_EMU_DMS_INSTANCE_CREATING_SECONDS": "15",
        "DMSLINK_EMU_RDS_CREATING_SECONDS": "20",
        "DMSLINK_EMU_RDS_DELETING_SECONDS": "0",
        "DMSLINK_EMU_VGW_DETACHING_SECONDS": "2.5",
        "DMSLINK_EMU_LATENCY_MS": "50",
    })
    snap = cfg.snapshot()
    assert snap["iam_propagation_seconds"] == 5 and snap["latency_ms"] == 50
    assert snap["dms_instance_seconds"] == {"creating": 15, "modifying": 1, "deleting": 1}
    assert snap["rds_seconds"] == {"creating": 20, "modifying": 1, "deleting": 0}
    assert snap["vgw_seconds"] == {"attaching": 1, "detaching": 2.5}
    cfg.mark_startup()
    cfg.update({"rds_seconds": {"creating": 1}, "latency_ms": 0})
    cfg.reset()
    assert cfg.snapshot() == snap
    with pytest.raises(ConfigError):
        Config().load_env({"DMSLINK_EMU_RDS_CREATING_SECONDS": "soon"})
    defaults = Config().snapshot()
    assert defaults["iam_propagation_seconds"] == 2 and defaults["dms_instance_seconds"]["creating"] == 1


def test_pending_transitions_and_eni_filters(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"dms_instance_seconds": {"creating": 5}})
    ec2 = emulator.client("ec2")
    net = Net(ec2)
    _, arn = dms_group_and_instance(emulator, net)
    status, pending = emulator.control("GET", "/transitions")
    assert status == 200
    assert [(p["key"][0], p["key"][-1], p["to"]) for p in pending] == [("dms-instance", arn, "available")]
    assert 3 < pending[0]["in_seconds"] <= 5
    managed = ec2.describe_network_interfaces(
        Filters=[{"Name": "requester-managed", "Values": ["true"]}, {"Name": "vpc-id", "Values": [net.vpc]}]
    )["NetworkInterfaces"]
    assert len(managed) == 1 and managed[0]["RequesterId"] == "amazon-dms"
    assert ec2.describe_network_interfaces(
        Filters=[{"Name": "status", "Values": ["available"]}])["NetworkInterfaces"] == []
    emulator.control("POST", "/reset")
    assert emulator.control("GET", "/transitions") == (200, [])


def test_subnet_group_modify_cannot_drop_the_instance_subnet(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    net = Net(ec2, azs="abc")
    other = Net(ec2, cidr="10.43")
    dms, _ = dms_group_and_instance(emulator, net, AvailabilityZone="us-east-1a")
    fault(dms.modify_replication_subnet_group, "SubnetAlreadyInUse",
          ReplicationSubnetGroupIdentifier="stack-subnets", SubnetIds=net.subnets[1:])
    fault(dms.modify_replication_subnet_group, "SubnetAlreadyInUse",
          ReplicationSubnetGroupIdentifier="stack-subnets", SubnetIds=other.subnets)
    fault(dms.modify_replication_subnet_group, "InvalidSubnet",
          ReplicationSubnetGroupIdentifier="stack-subnets", SubnetIds=[net.subnets[0], *other.subnets])
    group = dms.modify_replication_subnet_group(
        ReplicationSubnetGroupIdentifier="stack-subnets", SubnetIds=net.subnets[:2])["ReplicationSubnetGroup"]
    assert [s["SubnetIdentifier"] for s in group["Subnets"]] == net.subnets[:2]


def test_fault_injection_s3_and_dynamodb_formats(emulator: Emulator) -> None:
    s3, ddb = emulator.client("s3"), emulator.client("dynamodb")
    emulator.control("POST", "/faults", [
        {"service": "s3", "action": "CreateBucket", "code": "SlowDown", "status": 503, "count": 2},
        {"service": "dynamodb", "action": "ListTables", "code": "ResourceNotFoundException"},
    ])
    fault(s3.create_bucket, "SlowDown", 503, Bucket="fault-bucket")
    err = fault(ddb.list_tables, "ResourceNotFoundException")
    assert err.response["Error"]["Message"] == "Injected fault"
    s3.create_bucket(Bucket="fault-bucket")  # both injected failures used up (botocore retried the 503 once)
