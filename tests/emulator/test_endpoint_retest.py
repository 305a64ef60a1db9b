"""ModifyEndpoint tests the endpoint itself; tasks cannot start meanwhile (terraform-provider-aws#46139)."""

from __future__ import annotations

from typing import Any

from conftest import Emulator
from test_connections import wait_connection
from test_emulator import create_task, fault, make_refs, wait_for

TESTING = {"connection_test_seconds": 1.5}


def connections(dms: Any, endpoint: str) -> list[dict[str, Any]]:
    return dms.describe_connections(Filters=[{"Name": "endpoint-arn", "Values": [endpoint]}])["Connections"]


def test_modify_endpoint_tests_from_the_tasks_instance_and_holds_starts(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", TESTING)
    refs = make_refs(dms)
    arn = create_task(dms, refs, "retest", "cdc")["ReplicationTaskArn"]
    wait_for(dms, arn, "ready")
    assert connections(dms, refs["source"]) == []

    dms.modify_endpoint(EndpointArn=refs["source"], Password="changed")
    (conn,) = connections(dms, refs["source"])
    assert conn["Status"] == "testing" and conn["ReplicationInstanceArn"] == refs["instance"]
    assert connections(dms, refs["target"]) == [], "only the modified endpoint is tested"
    err = fault(dms.start_replication_task, "InvalidResourceStateFault",
                ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    assert err.response["Error"]["Message"] == "Replication Task cannot be started, invalid state"
    fault(dms.test_connection, "InvalidResourceStateFault",
          ReplicationInstanceArn=refs["instance"], EndpointArn=refs["source"])  # "already being tested"

    assert wait_connection(dms, refs["instance"], refs["source"])[0]["Status"] == "successful"
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "running")


def test_a_failed_test_after_a_modify_does_not_hold_the_start(emulator: Emulator, dms: Any) -> None:
    refs = make_refs(dms)
    arn = create_task(dms, refs, "retest-failed", "cdc")["ReplicationTaskArn"]
    wait_for(dms, arn, "ready")
    message = "ORA-01017: invalid username/password; logon denied"
    emulator.control("POST", "/config", {**TESTING, "connection_outcomes": {"src": {"status": "failed", "message": message}}})
    dms.modify_endpoint(EndpointArn=refs["source"], Password="wrong")
    conn, seen = wait_connection(dms, refs["instance"], refs["source"])
    assert seen == ["testing", "failed"] and conn["LastFailureMessage"] == message
    # The start is taken; the task then fails on the endpoint (dms_connections).
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    task, _ = wait_for(dms, arn, "failed")
    assert message in task["LastFailureMessage"]


def test_modify_of_an_unused_endpoint_tests_nothing(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", TESTING)
    make_refs(dms)
    lonely = dms.create_endpoint(
        EndpointIdentifier="lonely", EndpointType="source", EngineName="oracle",
        Username="u", Password="secret", ServerName="src.example", Port=1521, DatabaseName="ORCL",
    )["Endpoint"]["EndpointArn"]
    dms.modify_endpoint(EndpointArn=lonely, Password="changed")
    assert connections(dms, lonely) == []


def test_lenient_mode_neither_tests_nor_holds(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {**TESTING, "strict": False})
    refs = make_refs(dms)
    arn = create_task(dms, refs, "retest-lenient", "cdc")["ReplicationTaskArn"]
    wait_for(dms, arn, "ready")
    dms.modify_endpoint(EndpointArn=refs["source"], Password="changed")
    assert connections(dms, refs["source"]) == []
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
