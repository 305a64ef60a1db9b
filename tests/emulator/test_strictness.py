"""Where the emulator was stricter than AWS, or wrong (issue 13 item 7): one regression test each.

Sources: ``dmslink_emulator/strictness.py``, ``rulebook/dms.json`` and the README ("Fixed
strictness").
"""

from __future__ import annotations

import json
import time
from typing import Any

from conftest import DMS_TRUST_POLICY, Emulator, ensure_dms_vpc_role
from test_emulator import TABLE_MAPPINGS, create_task, ready_task, running_task, stopped_task, wait_for
from test_stack import Net, fault

# The seed's inline policy (GeoscienceAustralia/aws-dms-example terraform-main/iam-roles.tf).
SEED_ACTIONS = [
    "ec2:CreateNetworkInterface", "ec2:DescribeAvailabilityZones", "ec2:DescribeInternetGateways",
    "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DeleteNetworkInterface",
    "ec2:ModifyNetworkInterfaceAttribute",
]


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions: Any, resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def subnet_group(dms: Any, net: Net, name: str = "grp") -> Any:
    return dms.create_replication_subnet_group(
        ReplicationSubnetGroupIdentifier=name, ReplicationSubnetGroupDescription="d", SubnetIds=net.subnets
    )


# ---------------------------------------------------------------------------
# dms-vpc-role with an inline policy
# ---------------------------------------------------------------------------


def test_dms_vpc_role_with_the_seeds_inline_policy_is_accepted(emulator: Emulator) -> None:
    ec2, dms, iam = emulator.client("ec2"), emulator.client("dms"), emulator.client("iam")
    net = Net(ec2)
    iam.create_role(RoleName="dms-vpc-role", AssumeRolePolicyDocument=DMS_TRUST_POLICY)
    fault(dms.create_replication_subnet_group, "AccessDeniedFault", ReplicationSubnetGroupIdentifier="grp",
          ReplicationSubnetGroupDescription="d", SubnetIds=net.subnets)
    iam.put_role_policy(RoleName="dms-vpc-role", PolicyName="dmsvpcpolicy", PolicyDocument=policy(allow(SEED_ACTIONS)))
    subnet_group(dms, net)
    dms.create_replication_instance(ReplicationInstanceIdentifier="ri", ReplicationInstanceClass="dms.t3.medium",
                                    ReplicationSubnetGroupIdentifier="grp")


def test_dms_vpc_role_inline_policy_must_grant_every_action(emulator: Emulator) -> None:
    ec2, dms, iam = emulator.client("ec2"), emulator.client("dms"), emulator.client("iam")
    net = Net(ec2)
    iam.create_role(RoleName="dms-vpc-role", AssumeRolePolicyDocument=DMS_TRUST_POLICY)
    refused = [
        policy(allow(SEED_ACTIONS[:-1])),  # no ec2:ModifyNetworkInterfaceAttribute
        policy(allow(SEED_ACTIONS, resource="arn:aws:ec2:*:*:vpc/*")),  # not every resource
        policy(allow("ec2:*"), {"Effect": "Deny", "Action": "ec2:CreateNetworkInterface", "Resource": "*"}),
        policy({"Effect": "Deny", "Action": SEED_ACTIONS, "Resource": "*"}),
    ]
    for doc in refused:
        iam.put_role_policy(RoleName="dms-vpc-role", PolicyName="p", PolicyDocument=doc)
        fault(dms.create_replication_subnet_group, "AccessDeniedFault", ReplicationSubnetGroupIdentifier="grp",
              ReplicationSubnetGroupDescription="d", SubnetIds=net.subnets)
    # wildcards grant too; so does a customer-managed policy
    iam.put_role_policy(RoleName="dms-vpc-role", PolicyName="p", PolicyDocument=policy(allow(["ec2:*Network*", "ec2:Describe*"])))
    subnet_group(dms, net)
    iam.delete_role_policy(RoleName="dms-vpc-role", PolicyName="p")
    fault(dms.create_replication_subnet_group, "AccessDeniedFault", ReplicationSubnetGroupIdentifier="grp2",
          ReplicationSubnetGroupDescription="d", SubnetIds=net.subnets)
    arn = iam.create_policy(PolicyName="dms-vpc", PolicyDocument=policy(allow(SEED_ACTIONS)))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="dms-vpc-role", PolicyArn=arn)
    subnet_group(dms, net, "grp2")


def test_dms_vpc_role_inline_policy_propagates(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"iam_propagation_seconds": 0.8})
    ec2, dms, iam = emulator.client("ec2"), emulator.client("dms"), emulator.client("iam")
    net = Net(ec2)
    iam.create_role(RoleName="dms-vpc-role", AssumeRolePolicyDocument=DMS_TRUST_POLICY)
    iam.put_role_policy(RoleName="dms-vpc-role", PolicyName="p", PolicyDocument=policy(allow(SEED_ACTIONS)))
    fault(dms.create_replication_subnet_group, "AccessDeniedFault", ReplicationSubnetGroupIdentifier="grp",
          ReplicationSubnetGroupDescription="d", SubnetIds=net.subnets)
    time.sleep(0.9)
    subnet_group(dms, net)


# ---------------------------------------------------------------------------
# StartReplicationTask types (rulebook)
# ---------------------------------------------------------------------------


def test_never_run_task_starts_with_resume_processing_or_reload_target(dms: Any) -> None:
    refs, arn = ready_task(dms, "full-load-and-cdc")
    task = dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume-processing")["ReplicationTask"]
    assert task["Status"] == "starting"
    wait_for(dms, arn, "running")
    other = create_task(dms, refs, "task-2")["ReplicationTaskArn"]
    wait_for(dms, other, "ready")
    dms.start_replication_task(ReplicationTaskArn=other, StartReplicationTaskType="reload-target")
    task, _ = wait_for(dms, other, "stopped")  # a full-load task runs its load, as on a first start
    assert task["StopReason"] == "Stop Reason FULL_LOAD_ONLY_FINISHED"


def test_start_replication_of_a_task_that_has_run(dms: Any) -> None:
    _, arn = stopped_task(dms)
    err = fault(dms.start_replication_task, "InvalidParameterCombinationException", ReplicationTaskArn=arn,
                StartReplicationTaskType="start-replication")
    assert err.response["Error"]["Message"] == (
        "Start Type : START_REPLICATION, valid only for tasks running for the first time"
    )


# ---------------------------------------------------------------------------
# ModifyReplicationTask: logging severities of a running task
# ---------------------------------------------------------------------------


def severity(task: dict[str, Any], component: str) -> str:
    doc = json.loads(task["ReplicationTaskSettings"])
    return next(c["Severity"] for c in doc["Logging"]["LogComponents"] if c["Id"] == component)


def test_logging_severity_of_a_running_task_can_change(dms: Any) -> None:
    _, arn = running_task(dms)
    change = {"Logging": {"LogComponents": [{"Id": "SOURCE_CAPTURE", "Severity": "LOGGER_SEVERITY_DETAILED_DEBUG"}]}}
    task = dms.modify_replication_task(ReplicationTaskArn=arn, ReplicationTaskSettings=json.dumps(change))["ReplicationTask"]
    assert task["Status"] == "running"
    assert severity(task, "SOURCE_CAPTURE") == "LOGGER_SEVERITY_DETAILED_DEBUG"
    # the whole document sent back with only a severity changed is logging-only too
    doc = json.loads(task["ReplicationTaskSettings"])
    for c in doc["Logging"]["LogComponents"]:
        if c["Id"] == "TARGET_APPLY":
            c["Severity"] = "LOGGER_SEVERITY_DEBUG"
    task = dms.modify_replication_task(ReplicationTaskArn=arn, ReplicationTaskSettings=json.dumps(doc))["ReplicationTask"]
    assert task["Status"] == "running" and severity(task, "TARGET_APPLY") == "LOGGER_SEVERITY_DEBUG"
    wait_for(dms, arn, "running")


def test_other_changes_of_a_running_task_stay_refused(dms: Any) -> None:
    _, arn = running_task(dms)
    refused = [
        {"ReplicationTaskSettings": json.dumps({"Logging": {"EnableLogging": True}})},
        {"ReplicationTaskSettings": json.dumps({
            "Logging": {"LogComponents": [{"Id": "IO", "Severity": "LOGGER_SEVERITY_DEBUG"}]},
            "FullLoadSettings": {"CommitRate": 5000},
        })},
        {"ReplicationTaskSettings": json.dumps({"Logging": {"LogComponents": [{"Id": "IO", "Severity": "LOGGER_SEVERITY_DEBUG"}]}}),
         "TableMappings": TABLE_MAPPINGS},
    ]
    for extra in refused:
        err = fault(dms.modify_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=arn, **extra)
        assert err.response["Error"]["Message"] == (
            "Replication Task, excluding logging severity task settings, cannot be modified while it is running state"
        )


# ---------------------------------------------------------------------------
# EC2
# ---------------------------------------------------------------------------


def test_subnet_of_a_replication_subnet_group_without_an_interface_can_be_deleted(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    net = Net(ec2, azs="abc")
    dms = emulator.client("dms")
    ensure_dms_vpc_role(dms)
    subnet_group(dms, net)
    dms.create_replication_instance(ReplicationInstanceIdentifier="ri", ReplicationInstanceClass="dms.t3.medium",
                                    ReplicationSubnetGroupIdentifier="grp", AvailabilityZone="us-east-1b")
    fault(ec2.delete_subnet, "DependencyViolation", SubnetId=net.subnets[1])  # holds the interface
    ec2.delete_subnet(SubnetId=net.subnets[2])  # in the group, no interface: AWS lets it go
    ec2.delete_subnet(SubnetId=net.subnets[0])


def test_batch_authorize_with_a_duplicate_applies_nothing(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    net = Net(ec2)
    rule_a = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
    rule_b = {"IpProtocol": "tcp", "FromPort": 1521, "ToPort": 1521, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}
    ec2.authorize_security_group_ingress(GroupId=net.sg, IpPermissions=[rule_a])
    fault(ec2.authorize_security_group_ingress, "InvalidPermission.Duplicate", GroupId=net.sg,
          IpPermissions=[rule_b, rule_a])
    perms = ec2.describe_security_groups(GroupIds=[net.sg])["SecurityGroups"][0]["IpPermissions"]
    assert [p["FromPort"] for p in perms] == [5432]  # rule_b was not applied
    egress = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    before = ec2.describe_security_groups(GroupIds=[net.sg])["SecurityGroups"][0]["IpPermissionsEgress"]
    fault(ec2.authorize_security_group_egress, "InvalidPermission.Duplicate", GroupId=net.sg,
          IpPermissions=[egress, {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert ec2.describe_security_groups(GroupIds=[net.sg])["SecurityGroups"][0]["IpPermissionsEgress"] == before


def test_route_to_a_peering_of_other_vpcs_is_refused(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"peering_seconds": {"initiating": 0, "provisioning": 0}})
    ec2 = emulator.client("ec2")
    a, b, c = Net(ec2, "10.1"), Net(ec2, "10.2"), Net(ec2, "10.3")
    pcx = ec2.create_vpc_peering_connection(VpcId=a.vpc, PeerVpcId=b.vpc)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    table_c = ec2.create_route_table(VpcId=c.vpc)["RouteTable"]["RouteTableId"]
    err = fault(ec2.create_route, "InvalidParameterValue", RouteTableId=table_c,
                DestinationCidrBlock="10.2.0.0/16", VpcPeeringConnectionId=pcx)
    assert err.response["Error"]["Message"] == f"route table {table_c} and network gateway {pcx} belong to different networks"
    table_a = ec2.create_route_table(VpcId=a.vpc)["RouteTable"]["RouteTableId"]
    table_b = ec2.create_route_table(VpcId=b.vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_a, DestinationCidrBlock="10.2.0.0/16", VpcPeeringConnectionId=pcx)
    ec2.create_route(RouteTableId=table_b, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx)
