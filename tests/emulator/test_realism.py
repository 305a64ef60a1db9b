"""DMS and RDS realism (issue 13, items 3 and 4): ``dms_realism.py`` and ``rds_realism.py``.

One test per rule; each fails without its rule."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from conftest import Emulator, ensure_dms_vpc_role
from test_stack import (
    TABLE_MAPPINGS,
    Net,
    db_status,
    endpoint,
    fault,
    ri_gone,
    ri_status,
    states_until,
    wait_until,
)

RANDOM_ARN = re.compile(r"^arn:aws:dms:us-east-1:123456789012:(rep|endpoint):[A-Z][A-Z0-9]{25}$")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def instance(dms: Any, ident: str = "ri", **extra: Any) -> str:
    ensure_dms_vpc_role(dms)
    return dms.create_replication_instance(
        ReplicationInstanceIdentifier=ident, ReplicationInstanceClass="dms.t3.small", **extra
    )["ReplicationInstance"]["ReplicationInstanceArn"]


def available_instance(dms: Any, ident: str = "ri") -> str:
    arn = instance(dms, ident)
    wait_until(lambda: ri_status(dms, arn) == "available", what="instance available")
    return arn


def create_task(dms: Any, ri: str, src: str, tgt: str, ident: str = "t1") -> str:
    return dms.create_replication_task(
        ReplicationTaskIdentifier=ident, SourceEndpointArn=src, TargetEndpointArn=tgt,
        ReplicationInstanceArn=ri, MigrationType="full-load", TableMappings=TABLE_MAPPINGS,
    )["ReplicationTask"]["ReplicationTaskArn"]


def task_status(dms: Any, arn: str) -> str:
    return dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}]
    )["ReplicationTasks"][0]["Status"]


def force_ri(emulator: Emulator, arn: str, status: str, **extra: Any) -> dict[str, Any]:
    code, doc = emulator.control("POST", "/dms/instance-state", {"arn": arn, "status": status, **extra})
    assert code == 200, doc
    return doc


def force_db(emulator: Emulator, ident: str, status: str, **extra: Any) -> dict[str, Any]:
    code, doc = emulator.control("POST", "/rds/instance-state", {"id": ident, "status": status, **extra})
    assert code == 200, doc
    return doc


def postgres(rds: Any, ident: str, **extra: Any) -> dict[str, Any]:
    return rds.create_db_instance(
        DBInstanceIdentifier=ident, DBInstanceClass="db.t3.micro", Engine="postgres",
        MasterUsername="u", MasterUserPassword="password123", AllocatedStorage=20, **extra,
    )["DBInstance"]


def quick_rds(emulator: Emulator, flap: bool = False) -> None:
    """RDS timings for tests that are about something else than the lifecycle."""
    emulator.control("POST", "/config", {
        "rds_seconds": {"creating": 0, "modifying": 0.2, "deleting": 0.2},
        "rds_lifecycle_seconds": {"backing_up": 0, "first_available": 0.3 if flap else 0,
                                  "followup_modifying": 0.3 if flap else 0},
    })


def db_subnet_group(rds: Any, net: Net, name: str = "db-group") -> str:
    return rds.create_db_subnet_group(
        DBSubnetGroupName=name, DBSubnetGroupDescription="d", SubnetIds=net.subnets,
    )["DBSubnetGroup"]["DBSubnetGroupName"]


def rds_enis(ec2: Any, vpc: str) -> list[dict[str, Any]]:
    return ec2.describe_network_interfaces(Filters=[
        {"Name": "vpc-id", "Values": [vpc]}, {"Name": "description", "Values": ["RDSNetworkInterface"]},
    ])["NetworkInterfaces"]


# ---------------------------------------------------------------------------
# DMS: random ARNs
# ---------------------------------------------------------------------------

def test_replication_instance_arn_is_random_and_a_replacement_gets_a_new_one(dms: Any) -> None:
    first = instance(dms, "My-RI")
    assert RANDOM_ARN.match(first), first
    assert not first.endswith(":my-ri")
    wait_until(lambda: ri_status(dms, first) == "available", what="available")
    dms.delete_replication_instance(ReplicationInstanceArn=first)
    wait_until(lambda: ri_gone(dms, first), what="gone")
    second = instance(dms, "my-ri")
    assert RANDOM_ARN.match(second) and second != first
    # the old ARN names nothing any more (a stale ARN is found out)
    fault(dms.describe_replication_instances, "ResourceNotFoundFault",
          Filters=[{"Name": "replication-instance-arn", "Values": [first]}])
    # ResourceIdentifier names the end of the ARN, as the API reference says
    named = instance(dms, "ri-named", ResourceIdentifier="Example-App-ARN1")
    assert named == "arn:aws:dms:us-east-1:123456789012:rep:Example-App-ARN1"
    listed = dms.list_tags_for_resource(ResourceArn=second)
    assert listed["TagList"] == []


def test_endpoint_arn_ends_in_26_random_characters(dms: Any) -> None:
    arns = {endpoint(dms, f"ep-{i}", "target") for i in range(3)}
    assert len(arns) == 3 and all(RANDOM_ARN.match(a) for a in arns), arns


# ---------------------------------------------------------------------------
# DMS: subnet groups pass through deleting
# ---------------------------------------------------------------------------

def test_replication_subnet_group_passes_through_deleting(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"dms_subnet_group_deleting_seconds": 0.6})
    net = Net(emulator.client("ec2"))
    dms = emulator.client("dms")
    ensure_dms_vpc_role(dms)
    create = {"ReplicationSubnetGroupIdentifier": "grp", "ReplicationSubnetGroupDescription": "d",
              "SubnetIds": net.subnets}
    dms.create_replication_subnet_group(**create)
    assert dms.delete_replication_subnet_group(ReplicationSubnetGroupIdentifier="GRP")
    listed = dms.describe_replication_subnet_groups(
        Filters=[{"Name": "replication-subnet-group-id", "Values": ["grp"]}])["ReplicationSubnetGroups"]
    assert [g["SubnetGroupStatus"] for g in listed] == ["deleting"]
    fault(dms.create_replication_subnet_group, "ResourceAlreadyExistsFault", **create)
    fault(dms.modify_replication_subnet_group, "InvalidResourceStateFault",
          ReplicationSubnetGroupIdentifier="grp", SubnetIds=net.subnets)
    fault(dms.delete_replication_subnet_group, "InvalidResourceStateFault", ReplicationSubnetGroupIdentifier="grp")
    fault(dms.create_replication_instance, "InvalidResourceStateFault", ReplicationInstanceIdentifier="ri",
          ReplicationInstanceClass="dms.t3.small", ReplicationSubnetGroupIdentifier="grp")
    wait_until(lambda: dms.describe_replication_subnet_groups()["ReplicationSubnetGroups"] == [], what="gone")
    fault(dms.delete_replication_subnet_group, "ResourceNotFoundFault", ReplicationSubnetGroupIdentifier="grp")
    assert dms.create_replication_subnet_group(**create)["ReplicationSubnetGroup"]["SubnetGroupStatus"] == "Complete"
    _, doc = emulator.control("GET", "/config")
    assert doc["dms_subnet_group_seconds"] == {"deleting": 0.6}


# ---------------------------------------------------------------------------
# DMS: tasks need an available instance and active endpoints
# ---------------------------------------------------------------------------

def test_create_task_needs_an_available_instance(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {"dms_instance_creating_seconds": 0.6})
    ri = instance(dms)
    src, tgt = endpoint(dms, "src", "source"), endpoint(dms, "tgt", "target")
    err = fault(dms.create_replication_task, "InvalidResourceStateFault", ReplicationTaskIdentifier="t1",
                SourceEndpointArn=src, TargetEndpointArn=tgt, ReplicationInstanceArn=ri,
                MigrationType="full-load", TableMappings=TABLE_MAPPINGS)
    assert "creating" in err.response["Error"]["Message"]
    assert dms.describe_replication_tasks()["ReplicationTasks"] == []
    wait_until(lambda: ri_status(dms, ri) == "available", what="available")
    assert task_status(dms, create_task(dms, ri, src, tgt)) == "creating"


def test_create_task_refused_with_an_endpoint_being_deleted(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {"dms_endpoint_seconds": {"deleting": 0.6}})
    ri = available_instance(dms)
    src, tgt = endpoint(dms, "src", "source"), endpoint(dms, "tgt", "target")
    dms.delete_endpoint(EndpointArn=tgt)
    err = fault(dms.create_replication_task, "InvalidResourceStateFault", ReplicationTaskIdentifier="t1",
                SourceEndpointArn=src, TargetEndpointArn=tgt, ReplicationInstanceArn=ri,
                MigrationType="full-load", TableMappings=TABLE_MAPPINGS)
    assert "deleting" in err.response["Error"]["Message"]


def test_endpoint_being_deleted_refuses_modify_and_delete(emulator: Emulator, dms: Any) -> None:
    # rulebook/dms.json endpoint.operations ModifyEndpoint (only from active), DeleteEndpoint (not from deleting)
    emulator.control("POST", "/config", {"dms_endpoint_seconds": {"deleting": 30}})
    tgt = endpoint(dms, "tgt", "target")
    assert dms.delete_endpoint(EndpointArn=tgt)["Endpoint"]["Status"] == "deleting"
    err = fault(dms.modify_endpoint, "InvalidResourceStateFault", EndpointArn=tgt, Port=5433)
    assert "deleting" in err.response["Error"]["Message"]
    fault(dms.delete_endpoint, "InvalidResourceStateFault", EndpointArn=tgt)


def test_move_task_needs_an_available_target(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {"dms_instance_creating_seconds": 0.6})
    ri = available_instance(dms)
    src, tgt = endpoint(dms, "src", "source"), endpoint(dms, "tgt", "target")
    task = create_task(dms, ri, src, tgt)
    wait_until(lambda: task_status(dms, task) == "ready", what="ready")
    other = instance(dms, "ri-2")
    fault(dms.move_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=task,
          TargetReplicationInstanceArn=other)
    assert task_status(dms, task) == "ready"
    wait_until(lambda: ri_status(dms, other) == "available", what="available")
    moved = dms.move_replication_task(ReplicationTaskArn=task, TargetReplicationInstanceArn=other)
    assert moved["ReplicationTask"]["Status"] == "moving"


def test_start_task_and_test_connection_need_an_available_instance(emulator: Emulator, dms: Any) -> None:
    ri = available_instance(dms)
    src, tgt = endpoint(dms, "src", "source"), endpoint(dms, "tgt", "target")
    task = create_task(dms, ri, src, tgt)
    wait_until(lambda: task_status(dms, task) == "ready", what="ready")
    force_ri(emulator, ri, "upgrading")
    fault(dms.start_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=task,
          StartReplicationTaskType="start-replication")
    fault(dms.test_connection, "InvalidResourceStateFault", ReplicationInstanceArn=ri, EndpointArn=tgt)
    assert task_status(dms, task) == "ready"
    force_ri(emulator, ri, "available")
    started = dms.start_replication_task(ReplicationTaskArn=task, StartReplicationTaskType="start-replication")
    assert started["ReplicationTask"]["Status"] == "starting"
    assert dms.test_connection(ReplicationInstanceArn=ri, EndpointArn=tgt)["Connection"]["Status"] == "testing"


def test_instance_failure_states_can_be_forced_and_calls_refuse(emulator: Emulator, dms: Any) -> None:
    ri = available_instance(dms)
    doc = force_ri(emulator, ri, "incompatible-network")
    assert doc["status"] == "incompatible-network" and doc["id"] == "ri"
    assert ri_status(dms, ri) == "incompatible-network"
    fault(dms.modify_replication_instance, "InvalidResourceStateFault", ReplicationInstanceArn=ri,
          ReplicationInstanceClass="dms.t3.small", ApplyImmediately=True)
    # failed -> available after a while (by id, as an instance that recovers)
    code, doc = emulator.control("POST", "/dms/instance-state",
                                 {"id": "RI", "status": "failed", "then": "available", "after_seconds": 0.4})
    assert code == 200 and doc["status"] == "failed"
    assert states_until(lambda: ri_status(dms, ri), "available") == ["failed", "available"]
    # a failed instance can still be deleted
    force_ri(emulator, ri, "failed")
    assert dms.delete_replication_instance(ReplicationInstanceArn=ri)["ReplicationInstance"]
    wait_until(lambda: ri_gone(dms, ri), what="gone")
    # control errors
    assert emulator.control("POST", "/dms/instance-state", {"arn": ri, "status": "failed"})[0] == 404
    assert emulator.control("POST", "/dms/instance-state", {"arn": ri, "status": "melting"})[0] == 400
    assert emulator.control("POST", "/dms/instance-state", {"status": "failed"})[0] == 400


def test_available_instance_rule_is_off_when_lenient(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {"strict": False, "dms_instance_creating_seconds": 5})
    ri = instance(dms)
    src, tgt = endpoint(dms, "src", "source"), endpoint(dms, "tgt", "target")
    assert ri_status(dms, ri) == "creating"
    assert create_task(dms, ri, src, tgt)


# ---------------------------------------------------------------------------
# RDS: creating -> backing-up -> available -> modifying -> available
# ---------------------------------------------------------------------------

LIFECYCLE = ["creating", "backing-up", "available", "modifying", "available"]


def test_rds_create_backs_up_then_flaps_through_modifying(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"rds_creating_seconds": 0.5, "rds_backing_up_seconds": 0.5,
                                         "rds_first_available_seconds": 0.5,
                                         "rds_followup_modifying_seconds": 0.5})
    rds = emulator.client("rds")
    assert postgres(rds, "db")["DBInstanceStatus"] == "creating"
    seen: list[str] = []
    deadline = time.monotonic() + 5
    while len(seen) < len(LIFECYCLE) and time.monotonic() < deadline:
        status = db_status(rds, "db")
        if not seen or seen[-1] != status:
            seen.append(status)
        time.sleep(0.03)
    assert seen == LIFECYCLE
    # the first `available` was no promise; after the follow-up modifying it stays available
    time.sleep(0.6)
    assert db_status(rds, "db") == "available"


def test_rds_restore_goes_through_the_same_states(emulator: Emulator) -> None:
    quick_rds(emulator)
    rds = emulator.client("rds")
    postgres(rds, "origin")
    rds.create_db_snapshot(DBInstanceIdentifier="origin", DBSnapshotIdentifier="snap")
    emulator.control("POST", "/config", {"rds_creating_seconds": 0.5, "rds_backing_up_seconds": 0.5,
                                         "rds_first_available_seconds": 0.5,
                                         "rds_followup_modifying_seconds": 1.0})
    db = rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="copy", DBSnapshotIdentifier="snap")
    assert db["DBInstance"]["DBInstanceStatus"] == "creating"
    seen = states_until(lambda: db_status(rds, "copy"), "modifying")
    assert seen == LIFECYCLE[:4]
    # the restore applies its settings meanwhile: a modify is refused until it is available again
    fault(rds.modify_db_instance, "InvalidDBInstanceState", DBInstanceIdentifier="copy",
          BackupRetentionPeriod=3, ApplyImmediately=True)
    assert states_until(lambda: db_status(rds, "copy"), "available") == ["modifying", "available"]
    rds.modify_db_instance(DBInstanceIdentifier="copy", BackupRetentionPeriod=3, ApplyImmediately=True)


def test_rds_lifecycle_is_timed_from_each_due_time_not_from_the_next_call(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"rds_creating_seconds": 0.2, "rds_backing_up_seconds": 0.2,
                                         "rds_first_available_seconds": 0.2,
                                         "rds_followup_modifying_seconds": 0.2})
    rds = emulator.client("rds")
    postgres(rds, "db")
    time.sleep(1.0)  # nobody asks meanwhile; every step is due by now
    assert db_status(rds, "db") == "available"
    code, pending = emulator.control("GET", "/transitions")
    assert code == 200 and [p for p in pending if p["key"][-1] == "db"] == []


def test_rds_lifecycle_flap_can_be_switched_off(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"rds_lifecycle_seconds": {"backing_up": 0.2, "first_available": 0,
                                                                   "followup_modifying": 0}})
    rds = emulator.client("rds")
    postgres(rds, "db")
    seen = states_until(lambda: db_status(rds, "db"), "available")
    time.sleep(0.5)
    assert seen == ["creating", "backing-up", "available"] and db_status(rds, "db") == "available"


# ---------------------------------------------------------------------------
# RDS: forced failure states and the calls' refusals
# ---------------------------------------------------------------------------

def test_rds_failure_states_can_be_forced_and_calls_refuse(emulator: Emulator) -> None:
    quick_rds(emulator)
    rds = emulator.client("rds")
    postgres(rds, "db")
    assert force_db(emulator, "DB", "incompatible-parameters") == {"id": "db", "status": "incompatible-parameters"}
    assert db_status(rds, "db") == "incompatible-parameters"
    fault(rds.modify_db_instance, "InvalidDBInstanceState", DBInstanceIdentifier="db",
          AllocatedStorage=30, ApplyImmediately=True)
    for status in ("failed", "incompatible-restore", "incompatible-network"):
        force_db(emulator, "db", status)
        err = fault(rds.delete_db_instance, "InvalidDBInstanceState", DBInstanceIdentifier="db",
                    FinalDBSnapshotIdentifier=f"final-{status}")
        assert "SkipFinalSnapshot" in err.response["Error"]["Message"]
        fault(rds.describe_db_snapshots, "DBSnapshotNotFound", 404, DBSnapshotIdentifier=f"final-{status}")
    force_db(emulator, "db", "restore-error", then="available", after_seconds=0.3)
    assert states_until(lambda: db_status(rds, "db"), "available") == ["restore-error", "available"]
    force_db(emulator, "db", "failed")
    rds.delete_db_instance(DBInstanceIdentifier="db", SkipFinalSnapshot=True)
    assert states_until(lambda: db_status(rds, "db"), "gone") == ["deleting", "gone"]
    assert emulator.control("POST", "/rds/instance-state", {"id": "db", "status": "failed"})[0] == 404
    assert emulator.control("POST", "/rds/instance-state", {"id": "db", "status": "on-fire"})[0] == 400
    assert emulator.control("POST", "/rds/instance-state", {"status": "failed"})[0] == 400


def test_rds_storage_full_accepts_a_storage_modify_only(emulator: Emulator) -> None:
    quick_rds(emulator)
    rds = emulator.client("rds")
    postgres(rds, "db")
    force_db(emulator, "db", "storage-full")
    fault(rds.modify_db_instance, "InvalidDBInstanceState", DBInstanceIdentifier="db",
          BackupRetentionPeriod=3, ApplyImmediately=True)
    assert db_status(rds, "db") == "storage-full"
    db = rds.modify_db_instance(DBInstanceIdentifier="db", AllocatedStorage=40, ApplyImmediately=True)["DBInstance"]
    assert db["DBInstanceStatus"] == "modifying"
    assert states_until(lambda: db_status(rds, "db"), "available") == ["modifying", "available"]


# ---------------------------------------------------------------------------
# RDS: network interfaces, and their lingering after delete
# ---------------------------------------------------------------------------

def test_rds_network_interfaces_follow_the_instance(emulator: Emulator) -> None:
    quick_rds(emulator)
    ec2, rds = emulator.client("ec2"), emulator.client("rds")
    net = Net(ec2)
    other_sg = ec2.create_security_group(GroupName="other", Description="d", VpcId=net.vpc)["GroupId"]
    db_subnet_group(rds, net)
    postgres(rds, "single", DBSubnetGroupName="db-group", VpcSecurityGroupIds=[net.sg],
             AvailabilityZone="us-east-1b")
    (eni,) = rds_enis(ec2, net.vpc)
    assert eni["SubnetId"] == net.subnets[1] and eni["Status"] == "in-use"
    assert eni["RequesterManaged"] is True and eni["RequesterId"] == "amazon-rds"
    assert [g["GroupId"] for g in eni["Groups"]] == [net.sg]
    postgres(rds, "multi", DBSubnetGroupName="db-group", VpcSecurityGroupIds=[net.sg], MultiAZ=True)
    multi = [e for e in rds_enis(ec2, net.vpc) if e["NetworkInterfaceId"] != eni["NetworkInterfaceId"]]
    assert sorted(e["SubnetId"] for e in multi) == sorted(net.subnets)
    # a security group change moves the interfaces to the new groups
    rds.modify_db_instance(DBInstanceIdentifier="single", VpcSecurityGroupIds=[other_sg], ApplyImmediately=True)
    (moved,) = [e for e in rds_enis(ec2, net.vpc) if e["NetworkInterfaceId"] == eni["NetworkInterfaceId"]]
    assert [g["GroupId"] for g in moved["Groups"]] == [other_sg]


def test_rds_network_interfaces_linger_after_delete_and_block_the_network(emulator: Emulator) -> None:
    quick_rds(emulator)
    emulator.control("POST", "/config", {"rds_eni_linger_seconds": 1.0})
    ec2, rds = emulator.client("ec2"), emulator.client("rds")
    net = Net(ec2)
    db_subnet_group(rds, net)
    postgres(rds, "db", DBSubnetGroupName="db-group", VpcSecurityGroupIds=[net.sg])
    (eni,) = rds_enis(ec2, net.vpc)
    rds.delete_db_instance(DBInstanceIdentifier="db", SkipFinalSnapshot=True)
    wait_until(lambda: db_status(rds, "db") == "gone", what="db gone")
    rds.delete_db_subnet_group(DBSubnetGroupName="db-group")
    # RDS has not let go of its interface yet
    assert [e["Status"] for e in rds_enis(ec2, net.vpc)] == ["in-use"]
    err = fault(ec2.delete_security_group, "DependencyViolation", GroupId=net.sg)
    assert err.response["Error"]["Message"] == f"resource {net.sg} has a dependent object"
    err = fault(ec2.delete_subnet, "DependencyViolation", SubnetId=eni["SubnetId"])
    assert err.response["Error"]["Message"] == f"The subnet '{eni['SubnetId']}' has dependencies and cannot be deleted."
    fault(ec2.delete_network_interface, "InvalidNetworkInterface.InUse", NetworkInterfaceId=eni["NetworkInterfaceId"])
    wait_until(lambda: rds_enis(ec2, net.vpc) == [], timeout=5, what="interface gone")
    ec2.delete_security_group(GroupId=net.sg)
    for subnet in net.subnets:
        ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=net.vpc)


def test_rds_realism_timings_are_configurable(emulator: Emulator) -> None:
    code, doc = emulator.control("POST", "/config", {"rds_backing_up_seconds": 4, "rds_eni_linger_seconds": 30})
    assert code == 200
    assert doc["rds_lifecycle_seconds"] == {"backing_up": 4, "first_available": 0.2, "followup_modifying": 0.2,
                                            "eni_linger": 30}
    assert emulator.control("POST", "/config", {"rds_lifecycle_seconds": {"lingering": 1}})[0] == 400
    body = json.dumps(doc)
    assert "dms_subnet_group_seconds" in body
