"""Behaviour of dmslink's AWS emulator, driven with boto3 over HTTP."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import TEST_ENV, Emulator, client_like, ensure_dms_vpc_role, start_server, stop_server

T = float(TEST_ENV["DMSLINK_EMU_TRANSITION_SECONDS"])
FULL_LOAD = float(TEST_ENV["DMSLINK_EMU_FULL_LOAD_SECONDS"])

TABLE_MAPPINGS = json.dumps(
    {
        "rules": [
            {
                "rule-type": "selection",
                "rule-id": "1",
                "rule-name": "1",
                "object-locator": {"schema-name": "APP", "table-name": "%"},
                "rule-action": "include",
            }
        ]
    }
)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def fault(fn: Any, code: str, **kwargs: Any) -> ClientError:
    with pytest.raises(ClientError) as info:
        fn(**kwargs)
    err = info.value
    assert err.response["Error"]["Code"] == code, err.response
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return err


def make_refs(dms: Any, suffix: str = "") -> dict[str, str]:
    ensure_dms_vpc_role(dms)
    ri = dms.create_replication_instance(
        ReplicationInstanceIdentifier=f"ri{suffix}", ReplicationInstanceClass="dms.t3.small"
    )["ReplicationInstance"]
    src = dms.create_endpoint(
        EndpointIdentifier=f"src{suffix}", EndpointType="source", EngineName="oracle",
        Username="u", Password="secret", ServerName="src.example", Port=1521, DatabaseName="ORCL",
    )["Endpoint"]
    tgt = dms.create_endpoint(
        EndpointIdentifier=f"tgt{suffix}", EndpointType="target", EngineName="postgres",
        Username="u", Password="secret", ServerName="tgt.example", Port=5432, DatabaseName="app",
    )["Endpoint"]
    wait_instance_available(dms, ri["ReplicationInstanceArn"])
    return {
        "instance": ri["ReplicationInstanceArn"],
        "source": src["EndpointArn"],
        "target": tgt["EndpointArn"],
    }


def wait_instance_available(dms: Any, arn: str, timeout: float = 10.0) -> None:
    """Tasks need an ``available`` replication instance (AWS: ``InvalidResourceStateFault``)."""
    deadline = time.monotonic() + timeout
    while True:
        status = dms.describe_replication_instances(
            Filters=[{"Name": "replication-instance-arn", "Values": [arn]}]
        )["ReplicationInstances"][0]["ReplicationInstanceStatus"]
        if status == "available":
            return
        assert time.monotonic() < deadline, f"instance {arn} still {status}"
        time.sleep(0.05)


def create_task(dms: Any, refs: dict[str, str], ident: str = "task-1", migration: str = "full-load", **extra: Any) -> dict[str, Any]:
    return dms.create_replication_task(
        ReplicationTaskIdentifier=ident,
        SourceEndpointArn=refs["source"],
        TargetEndpointArn=refs["target"],
        ReplicationInstanceArn=refs["instance"],
        MigrationType=migration,
        TableMappings=TABLE_MAPPINGS,
        **extra,
    )["ReplicationTask"]


def describe(dms: Any, arn: str) -> dict[str, Any]:
    tasks = dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}]
    )["ReplicationTasks"]
    assert len(tasks) == 1
    return tasks[0]


def wait_for(dms: Any, arn: str, target: str, timeout: float = 10.0) -> tuple[dict[str, Any], list[str]]:
    """Poll until ``Status == target``; return the task and the distinct statuses seen."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        task = describe(dms, arn)
        if not seen or seen[-1] != task["Status"]:
            seen.append(task["Status"])
        if task["Status"] == target:
            return task, seen
        if time.monotonic() > deadline:
            raise AssertionError(f"task never reached {target}; saw {seen}")
        time.sleep(0.03)


def ready_task(dms: Any, migration: str = "full-load", ident: str = "task-1", **extra: Any) -> tuple[dict[str, str], str]:
    refs = make_refs(dms)
    arn = create_task(dms, refs, ident, migration, **extra)["ReplicationTaskArn"]
    wait_for(dms, arn, "ready")
    return refs, arn


def running_task(dms: Any, migration: str = "full-load-and-cdc") -> tuple[dict[str, str], str]:
    refs, arn = ready_task(dms, migration)
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "running")
    return refs, arn


def stopped_task(dms: Any) -> tuple[dict[str, str], str]:
    refs, arn = running_task(dms)
    dms.stop_replication_task(ReplicationTaskArn=arn)
    wait_for(dms, arn, "stopped")
    return refs, arn


def raw_dms(emulator: Emulator, action: str, doc: dict[str, Any]) -> tuple[int, Any]:
    req = urllib.request.Request(
        emulator.url + "/",
        data=json.dumps(doc).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"AmazonDMSv20160101.{action}",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/dms/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


# ---------------------------------------------------------------------------
# process contract
# ---------------------------------------------------------------------------

def test_server_contract_port_file_and_sigterm(tmp_path: Any) -> None:
    proc, port, port_file = start_server(tmp_path)
    try:
        # the port file only ever holds a complete port number, and the server answers at once
        assert port_file.read_text().strip().isdigit()
        emu = Emulator(port)
        assert emu.control("GET", "/health") == (200, emu.control("GET", "/health")[1])
        assert emu.client("sts").get_caller_identity()["Account"] == "123456789012"
        assert not list(tmp_path.glob(".port-*")), "temporary port file left behind"
    finally:
        took = stop_server(proc)
    assert took < 2.0, f"SIGTERM took {took:.2f}s"
    assert proc.returncode == 0


def test_server_lenient_flag_and_env(tmp_path: Any) -> None:
    proc, port, _ = start_server(
        tmp_path, "--lenient", env={"DMSLINK_EMU_STARTING_SECONDS": "7", "DMSLINK_EMU_TRANSITION_SECONDS": "0.5"}
    )
    try:
        status, cfg = Emulator(port).control("GET", "/config")
        assert status == 200
        assert cfg["strict"] is False
        assert cfg["state_seconds"]["starting"] == 7.0
        assert cfg["state_seconds"]["stopping"] == 0.5
    finally:
        stop_server(proc)


# ---------------------------------------------------------------------------
# control endpoints
# ---------------------------------------------------------------------------

def test_health_and_config(emulator: Emulator) -> None:
    status, health = emulator.control("GET", "/health")
    assert status == 200 and health["status"] == "ok" and health["strict"] is True
    status, cfg = emulator.control("GET", "/config")
    assert cfg["transition_seconds"] == T and cfg["full_load_seconds"] == FULL_LOAD
    status, cfg = emulator.control(
        "POST", "/config", {"transition_seconds": 0.1, "state_seconds": {"moving": 3}, "strict": False}
    )
    assert status == 200
    assert cfg["state_seconds"]["moving"] == 3 and cfg["state_seconds"]["creating"] == 0.1
    assert cfg["strict"] is False
    assert emulator.control("POST", "/config", {"state_seconds": {"moving": None}})[1]["state_seconds"]["moving"] == 0.1
    for bad in ({"nope": 1}, {"transition_seconds": -1}, {"state_seconds": {"flying": 1}}, {"strict": "maybe"}):
        status, doc = emulator.control("POST", "/config", bad)
        assert status == 400 and "error" in doc
    # reset restores the start-up configuration
    emulator.control("POST", "/reset")
    assert emulator.control("GET", "/config")[1]["transition_seconds"] == T
    assert emulator.control("GET", "/nope")[0] == 404


def test_request_log(emulator: Emulator) -> None:
    emulator.control("DELETE", "/requests")
    emulator.client("sts").get_caller_identity()
    dms = emulator.client("dms")
    dms.describe_replication_tasks()
    fault(dms.stop_replication_task, "ResourceNotFoundFault", ReplicationTaskArn="arn:aws:dms:us-east-1:123456789012:task:X")
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="log-bucket")
    s3.put_object(Bucket="log-bucket", Key="a/b.tfstate", Body=b"{}")
    s3.get_object(Bucket="log-bucket", Key="a/b.tfstate")
    emulator.client("dynamodb").list_tables()
    emulator.client("ec2").describe_vpcs()
    status, entries = emulator.control("GET", "/requests")
    assert status == 200
    pairs = [(e["service"], e["action"]) for e in entries]
    assert pairs == [
        ("sts", "GetCallerIdentity"),
        ("dms", "DescribeReplicationTasks"),
        ("dms", "StopReplicationTask"),
        ("s3", "CreateBucket"),
        ("s3", "PutObject"),
        ("s3", "GetObject"),
        ("dynamodb", "ListTables"),
        ("ec2", "DescribeVpcs"),
    ]
    assert entries[2]["status"] == 400 and entries[0]["status"] == 200
    assert all(e["time"].endswith("Z") for e in entries)
    # every call says which access key signed it (the emulator fixture's client credentials)
    assert {e["access_key"] for e in entries} == {"testing"}
    assert [e["action"] for e in emulator.control("GET", "/requests?service=dms")[1]] == [
        "DescribeReplicationTasks",
        "StopReplicationTask",
    ]
    # control calls are not logged; DELETE clears
    assert emulator.control("DELETE", "/requests") == (200, {"cleared": 8})
    assert emulator.control("GET", "/requests") == (200, [])


# ---------------------------------------------------------------------------
# stock services the Terraform S3 backend needs
# ---------------------------------------------------------------------------

def test_sts_any_region(emulator: Emulator) -> None:
    for region in ("us-east-1", "eu-west-3", "xx-test-1"):
        ident = emulator.client("sts", region).get_caller_identity()
        assert ident["Account"] == "123456789012"
    dms = emulator.client("dms", "xx-test-1")
    refs = make_refs(dms)
    assert refs["instance"].startswith("arn:aws:dms:xx-test-1:123456789012:rep:")


def test_s3_and_dynamodb_lock_table(emulator: Emulator) -> None:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="tf-state")
    s3.put_object(Bucket="tf-state", Key="env/terraform.tfstate", Body=b'{"version": 4}')
    assert s3.get_object(Bucket="tf-state", Key="env/terraform.tfstate")["Body"].read() == b'{"version": 4}'
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="tf-state")["Contents"]] == ["env/terraform.tfstate"]
    ddb = emulator.client("dynamodb")
    ddb.create_table(
        TableName="tf-lock",
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    item = {"LockID": {"S": "tf-state/env/terraform.tfstate"}, "Info": {"S": '{"ID":"a"}'}}
    ddb.put_item(TableName="tf-lock", Item=item, ConditionExpression="attribute_not_exists(LockID)")
    # A retry of the same request (its first answer lost) finds its own lock: that is success.
    ddb.put_item(TableName="tf-lock", Item=item, ConditionExpression="attribute_not_exists(LockID)")
    # Another lock on the same state is refused.
    other = {"LockID": item["LockID"], "Info": {"S": '{"ID":"b"}'}}
    fault(
        ddb.put_item,
        "ConditionalCheckFailedException",
        TableName="tf-lock",
        Item=other,
        ConditionExpression="attribute_not_exists(LockID)",
    )
    stored = ddb.get_item(TableName="tf-lock", Key={"LockID": item["LockID"]})["Item"]
    assert stored["Info"] == item["Info"]
    ddb.delete_item(TableName="tf-lock", Key={"LockID": item["LockID"]})


# ---------------------------------------------------------------------------
# replication task: create
# ---------------------------------------------------------------------------

def test_create_goes_creating_then_ready(dms: Any) -> None:
    refs = make_refs(dms)
    task = create_task(dms, refs, Tags=[{"Key": "team", "Value": "data"}])
    assert task["Status"] == "creating"
    assert task["ReplicationTaskIdentifier"] == "task-1"
    # AWS's task ARN ends in a generated resource id, not the identifier
    assert task["ReplicationTaskArn"].startswith("arn:aws:dms:us-east-1:123456789012:task:")
    assert not task["ReplicationTaskArn"].endswith("task-1")
    assert "ReplicationTaskStats" not in task and "StopReason" not in task
    ready, seen = wait_for(dms, task["ReplicationTaskArn"], "ready")
    assert seen == ["creating", "ready"]
    assert dms.list_tags_for_resource(ResourceArn=task["ReplicationTaskArn"])["TagList"] == [
        {"Key": "team", "Value": "data", "ResourceArn": task["ReplicationTaskArn"]}
    ]


def test_create_with_resource_identifier(dms: Any) -> None:
    refs = make_refs(dms)
    task = create_task(dms, refs, ResourceIdentifier="MYTASKRESOURCE")
    assert task["ReplicationTaskArn"].endswith(":task:MYTASKRESOURCE")


def test_create_strict_reference_checks(dms: Any) -> None:
    refs = make_refs(dms)
    missing_ri = "arn:aws:dms:us-east-1:123456789012:rep:NOPE"
    fault(create_task, "ResourceNotFoundFault", dms=dms, refs={**refs, "instance": missing_ri})
    fault(create_task, "InvalidParameterValueException", dms=dms, refs={**refs, "instance": "not-an-arn"})
    missing_ep = "arn:aws:dms:us-east-1:123456789012:endpoint:NOPE"
    fault(create_task, "ResourceNotFoundFault", dms=dms, refs={**refs, "source": missing_ep})
    fault(create_task, "ResourceNotFoundFault", dms=dms, refs={**refs, "target": missing_ep})
    swapped = {**refs, "source": refs["target"], "target": refs["source"]}
    fault(create_task, "InvalidParameterValueException", dms=dms, refs=swapped)


def test_create_validation(dms: Any) -> None:
    refs = make_refs(dms)
    fault(create_task, "InvalidParameterValueException", dms=dms, refs=refs, ident="1bad")
    fault(create_task, "InvalidParameterValueException", dms=dms, refs=refs, ident="bad--id")
    fault(create_task, "InvalidParameterValueException", dms=dms, refs=refs, ident="bad-")
    fault(create_task, "InvalidParameterValueException", dms=dms, refs=refs, migration="sideways")
    fault(create_task, "InvalidParameterValueException", dms=dms, refs=refs, ReplicationTaskSettings="{not json")
    err = fault(
        create_task,
        "InvalidParameterValueException",
        dms=dms,
        refs=refs,
        ReplicationTaskSettings=json.dumps({"Logging": {"EnableLogging": True, "CloudWatchLogGroup": "g"}}),
    )
    assert "CloudWatchLogGroup" in err.response["Error"]["Message"]
    fault(
        create_task, "InvalidParameterCombinationException", dms=dms, refs=refs,
        CdcStartTime=1700000000, CdcStartPosition="checkpoint:x",
    )
    create_task(dms, refs)
    fault(create_task, "ResourceAlreadyExistsFault", dms=dms, refs=refs)


def test_lenient_mode_is_moto_like(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {"strict": False})
    bogus = "arn:aws:dms:us-east-1:123456789012:rep:NOPE"
    task = create_task(dms, {"instance": bogus, "source": bogus, "target": bogus})
    assert task["Status"] == "creating"
    assert dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": ["nothing"]}]
    )["ReplicationTasks"] == []
    assert dms.describe_endpoints(Filters=[{"Name": "endpoint-id", "Values": ["x"]}])["Endpoints"] == []


# ---------------------------------------------------------------------------
# replication task: settings document
# ---------------------------------------------------------------------------

def test_settings_are_returned_as_full_merged_document(dms: Any) -> None:
    user = {
        "TargetMetadata": {"SupportLobs": False},
        "Logging": {
            "EnableLogging": True,
            "LogComponents": [
                {"Id": "TARGET_APPLY", "Severity": "LOGGER_SEVERITY_DEBUG"},
                {"Id": "SOURCE_UNLOAD", "Severity": "LOGGER_SEVERITY_ERROR"},
            ],
        },
        "MyOwnSection": {"X": 1},
    }
    refs, arn = ready_task(dms, ReplicationTaskSettings=json.dumps(user))
    doc = json.loads(describe(dms, arn)["ReplicationTaskSettings"])
    assert doc["TargetMetadata"]["SupportLobs"] is False
    assert doc["TargetMetadata"]["LobMaxSize"] == 32  # a default kept beside the user's key
    assert doc["FullLoadSettings"]["TargetTablePrepMode"] == "DROP_AND_CREATE"
    assert doc["MyOwnSection"] == {"X": 1}
    logging = doc["Logging"]
    assert logging["EnableLogging"] is True
    ids = [c["Id"] for c in logging["LogComponents"]]
    # AWS returns every component, in its own order, not the caller's
    assert ids.index("SOURCE_UNLOAD") < ids.index("TARGET_APPLY") and len(ids) > 10
    severities = {c["Id"]: c["Severity"] for c in logging["LogComponents"]}
    assert severities["TARGET_APPLY"] == "LOGGER_SEVERITY_DEBUG"
    assert severities["SOURCE_UNLOAD"] == "LOGGER_SEVERITY_ERROR"
    assert severities["IO"] == "LOGGER_SEVERITY_DEFAULT"
    # read-only keys filled in by "AWS" once logging is on
    assert logging["CloudWatchLogGroup"] == "dms-tasks-ri"
    assert logging["CloudWatchLogStream"].startswith("dms-task-")


def test_default_settings_have_logging_off(dms: Any) -> None:
    _, arn = ready_task(dms)
    logging = json.loads(describe(dms, arn)["ReplicationTaskSettings"])["Logging"]
    assert logging["EnableLogging"] is False
    assert logging["CloudWatchLogGroup"] is None


def test_describe_without_settings(dms: Any) -> None:
    _, arn = ready_task(dms)
    task = dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}], WithoutSettings=True
    )["ReplicationTasks"][0]
    assert "ReplicationTaskSettings" not in task and "TableMappings" not in task


# ---------------------------------------------------------------------------
# replication task: start / stop
# ---------------------------------------------------------------------------

def test_full_load_task_finishes_stopped(dms: Any) -> None:
    _, arn = ready_task(dms, "full-load")
    started = dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    task = started["ReplicationTask"]
    assert task["Status"] == "starting"
    assert "ReplicationTaskStartDate" in task
    assert task["ReplicationTaskStats"]["FullLoadProgressPercent"] == 0
    task, seen = wait_for(dms, arn, "stopped")
    assert seen == ["starting", "running", "stopped"]
    assert task["StopReason"] == "Stop Reason FULL_LOAD_ONLY_FINISHED"
    stats = task["ReplicationTaskStats"]
    assert stats["FullLoadProgressPercent"] == 100
    assert stats["TablesLoaded"] == 1 and stats["TablesQueued"] == 0
    assert stats["FullLoadFinishDate"] >= stats["FullLoadStartDate"]
    assert stats["StopDate"] >= stats["StartDate"]
    assert stats["ElapsedTimeMillis"] >= int(FULL_LOAD * 1000) - 50


def test_full_load_progress_is_visible_while_running(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {"full_load_seconds": 2})
    _, arn = ready_task(dms, "full-load")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "running")
    time.sleep(1.0)
    task = describe(dms, arn)
    assert task["Status"] == "running"
    assert 20 <= task["ReplicationTaskStats"]["FullLoadProgressPercent"] <= 80
    assert task["ReplicationTaskStats"]["TablesLoading"] == 1


def test_full_load_and_cdc_keeps_running_then_stops(dms: Any) -> None:
    _, arn = running_task(dms, "full-load-and-cdc")
    time.sleep(FULL_LOAD + 0.2)
    task = describe(dms, arn)
    assert task["Status"] == "running"
    assert task["ReplicationTaskStats"]["FullLoadProgressPercent"] == 100
    stopping = dms.stop_replication_task(ReplicationTaskArn=arn)["ReplicationTask"]
    assert stopping["Status"] == "stopping"
    task, seen = wait_for(dms, arn, "stopped")
    assert seen == ["stopping", "stopped"]
    assert task["StopReason"] == "Stop Reason NORMAL"


def test_cdc_only_task(dms: Any) -> None:
    _, arn = ready_task(dms, "cdc", CdcStartPosition="checkpoint:V1#1")
    assert describe(dms, arn)["CdcStartPosition"] == "checkpoint:V1#1"
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "running")
    time.sleep(FULL_LOAD + 0.2)
    task = describe(dms, arn)
    assert task["Status"] == "running"
    assert task["ReplicationTaskStats"]["FullLoadProgressPercent"] == 0


def test_start_type_rules(dms: Any) -> None:
    _, arn = ready_task(dms, "full-load-and-cdc")
    # (resume-processing / reload-target of a never-run task are accepted, as on AWS: test_strictness.py)
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    # starting / running: no start of any type
    for start_type in ("start-replication", "resume-processing", "reload-target"):
        fault(dms.start_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=arn, StartReplicationTaskType=start_type)
    wait_for(dms, arn, "running")
    fault(dms.start_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=arn, StartReplicationTaskType="resume-processing")
    dms.stop_replication_task(ReplicationTaskArn=arn)
    wait_for(dms, arn, "stopped")
    fault(dms.start_replication_task, "InvalidParameterCombinationException", ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    fault(dms.start_replication_task, "InvalidParameterValueException", ReplicationTaskArn=arn, StartReplicationTaskType="warp")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume-processing")
    _, seen = wait_for(dms, arn, "running")
    assert seen[0] == "starting"
    dms.stop_replication_task(ReplicationTaskArn=arn)
    wait_for(dms, arn, "stopped")
    task = dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="reload-target")["ReplicationTask"]
    assert task["ReplicationTaskStats"]["FullLoadProgressPercent"] == 0  # reload starts over
    wait_for(dms, arn, "running")


def test_resume_of_finished_full_load_stops_again(dms: Any) -> None:
    _, arn = ready_task(dms, "full-load")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "stopped")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume-processing")
    task, seen = wait_for(dms, arn, "stopped")
    assert seen[0] == "starting"
    assert task["StopReason"] == "Stop Reason FULL_LOAD_ONLY_FINISHED"


def test_stop_only_when_running(dms: Any) -> None:
    _, arn = ready_task(dms)
    err = fault(dms.stop_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=arn)
    assert "is currently not running" in err.response["Error"]["Message"]
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    fault(dms.stop_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=arn)  # starting


# ---------------------------------------------------------------------------
# replication task: modify
# ---------------------------------------------------------------------------

def test_modify_running_task_refused(dms: Any) -> None:
    _, arn = running_task(dms)
    err = fault(dms.modify_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=arn, TableMappings=TABLE_MAPPINGS)
    assert err.response["Error"]["Message"] == (
        "Replication Task, excluding logging severity task settings, cannot be modified while it is running state"
    )


def test_modify_starting_task_refused(dms: Any) -> None:
    _, arn = ready_task(dms)
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    fault(dms.modify_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=arn, TableMappings=TABLE_MAPPINGS)


def test_modify_ready_task_goes_back_to_ready(dms: Any) -> None:
    _, arn = ready_task(dms, "full-load-and-cdc", ReplicationTaskSettings=json.dumps({"TargetMetadata": {"SupportLobs": False}}))
    new_mappings = TABLE_MAPPINGS.replace("APP", "OTHER")
    task = dms.modify_replication_task(
        ReplicationTaskArn=arn,
        MigrationType="full-load-and-cdc",
        TableMappings=new_mappings,
        ReplicationTaskSettings=json.dumps({"FullLoadSettings": {"MaxFullLoadSubTasks": 4}}),
        CdcStartPosition="checkpoint:V1#2",
    )["ReplicationTask"]
    assert task["Status"] == "modifying"
    assert task["TableMappings"] == new_mappings
    task, seen = wait_for(dms, arn, "ready")
    assert seen == ["modifying", "ready"]
    doc = json.loads(task["ReplicationTaskSettings"])
    assert doc["FullLoadSettings"]["MaxFullLoadSubTasks"] == 4
    assert doc["TargetMetadata"]["SupportLobs"] is False  # earlier settings kept
    assert task["CdcStartPosition"] == "checkpoint:V1#2"


def test_modify_stopped_task_goes_back_to_stopped(dms: Any) -> None:
    _, arn = stopped_task(dms)
    dms.modify_replication_task(ReplicationTaskArn=arn, ReplicationTaskIdentifier="renamed-task")
    task, seen = wait_for(dms, arn, "stopped")
    assert seen == ["modifying", "stopped"]
    assert task["ReplicationTaskIdentifier"] == "renamed-task"
    assert dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": ["renamed-task"]}]
    )["ReplicationTasks"][0]["ReplicationTaskArn"] == arn


def test_modify_refusals(dms: Any) -> None:
    refs, arn = ready_task(dms, "full-load")
    create_task(dms, refs, "other-task")
    fault(dms.modify_replication_task, "InvalidParameterValueException", ReplicationTaskArn=arn, MigrationType="cdc")
    fault(dms.modify_replication_task, "InvalidParameterValueException", ReplicationTaskArn=arn, TableMappings="[not json")
    fault(dms.modify_replication_task, "InvalidParameterValueException", ReplicationTaskArn=arn, ReplicationTaskSettings="nope")
    fault(dms.modify_replication_task, "ResourceAlreadyExistsFault", ReplicationTaskArn=arn, ReplicationTaskIdentifier="other-task")
    # modifying: a second modify is refused too
    dms.modify_replication_task(ReplicationTaskArn=arn, TableMappings=TABLE_MAPPINGS)
    fault(dms.modify_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=arn, TableMappings=TABLE_MAPPINGS)
    wait_for(dms, arn, "ready")


# ---------------------------------------------------------------------------
# replication task: move
# ---------------------------------------------------------------------------

def test_move_task_to_another_instance(dms: Any) -> None:
    refs, arn = stopped_task(dms)
    other = dms.create_replication_instance(
        ReplicationInstanceIdentifier="ri-2", ReplicationInstanceClass="dms.t3.small"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    wait_instance_available(dms, other)  # the move target must be available
    task = dms.move_replication_task(ReplicationTaskArn=arn, TargetReplicationInstanceArn=other)["ReplicationTask"]
    assert task["Status"] == "moving"
    assert task["TargetReplicationInstanceArn"] == other
    assert task["ReplicationInstanceArn"] == refs["instance"]
    task, seen = wait_for(dms, arn, "stopped")
    assert seen == ["moving", "stopped"]
    assert task["ReplicationInstanceArn"] == other
    assert "TargetReplicationInstanceArn" not in task


def test_move_ready_task_returns_to_ready_and_refusals(dms: Any) -> None:
    refs, arn = ready_task(dms, "full-load-and-cdc")
    fault(dms.move_replication_task, "ResourceNotFoundFault", ReplicationTaskArn=arn,
          TargetReplicationInstanceArn="arn:aws:dms:us-east-1:123456789012:rep:NOPE")
    fault(dms.move_replication_task, "InvalidParameterValueException", ReplicationTaskArn=arn,
          TargetReplicationInstanceArn=refs["instance"])
    other = dms.create_replication_instance(
        ReplicationInstanceIdentifier="ri-2", ReplicationInstanceClass="dms.t3.small"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    wait_instance_available(dms, other)  # the move target must be available
    dms.move_replication_task(ReplicationTaskArn=arn, TargetReplicationInstanceArn=other)
    _, seen = wait_for(dms, arn, "ready")
    assert seen == ["moving", "ready"]
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    fault(dms.move_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=arn,
          TargetReplicationInstanceArn=refs["instance"])  # starting
    wait_for(dms, arn, "running")
    fault(dms.move_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=arn,
          TargetReplicationInstanceArn=refs["instance"])


# ---------------------------------------------------------------------------
# replication task: delete
# ---------------------------------------------------------------------------

def test_delete_running_task_refused_then_deleting_then_gone(dms: Any) -> None:
    _, arn = running_task(dms)
    fault(dms.delete_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=arn)
    dms.stop_replication_task(ReplicationTaskArn=arn)
    wait_for(dms, arn, "stopped")
    task = dms.delete_replication_task(ReplicationTaskArn=arn)["ReplicationTask"]
    assert task["Status"] == "deleting"
    assert describe(dms, arn)["Status"] == "deleting"
    fault(dms.delete_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=arn)
    time.sleep(T + 0.1)
    fault(dms.describe_replication_tasks, "ResourceNotFoundFault",
          Filters=[{"Name": "replication-task-arn", "Values": [arn]}])
    fault(dms.list_tags_for_resource, "ResourceNotFoundFault", ResourceArn=arn)


def test_delete_creating_task_refused(emulator: Emulator, dms: Any) -> None:
    # rulebook DeleteReplicationTask: only from ready, stopped, failed, failed-move (API_ReplicationTask Status)
    refs = make_refs(dms)
    emulator.control("POST", "/config", {"state_seconds": {"creating": 5}})
    arn = create_task(dms, refs)["ReplicationTaskArn"]
    assert describe(dms, arn)["Status"] == "creating"
    fault(dms.delete_replication_task, "InvalidResourceStateFault", ReplicationTaskArn=arn)
    assert describe(dms, arn)["Status"] == "creating"


def test_delete_ready_task(dms: Any) -> None:
    _, arn = ready_task(dms)
    dms.delete_replication_task(ReplicationTaskArn=arn)
    deadline = time.monotonic() + 5
    while True:
        try:
            describe(dms, arn)
        except ClientError as err:
            assert err.response["Error"]["Code"] == "ResourceNotFoundFault"
            break
        assert time.monotonic() < deadline
        time.sleep(0.03)
    assert dms.describe_replication_tasks()["ReplicationTasks"] == []  # no filter: empty list, no fault


# ---------------------------------------------------------------------------
# unknown ARNs and empty filters
# ---------------------------------------------------------------------------

def test_unknown_task_arn_is_resource_not_found(dms: Any) -> None:
    refs = make_refs(dms)
    arn = "arn:aws:dms:us-east-1:123456789012:task:DOESNOTEXIST"
    fault(dms.modify_replication_task, "ResourceNotFoundFault", ReplicationTaskArn=arn, TableMappings=TABLE_MAPPINGS)
    fault(dms.start_replication_task, "ResourceNotFoundFault", ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    fault(dms.stop_replication_task, "ResourceNotFoundFault", ReplicationTaskArn=arn)
    fault(dms.delete_replication_task, "ResourceNotFoundFault", ReplicationTaskArn=arn)
    fault(dms.move_replication_task, "ResourceNotFoundFault", ReplicationTaskArn=arn, TargetReplicationInstanceArn=refs["instance"])
    fault(dms.add_tags_to_resource, "ResourceNotFoundFault", ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])
    fault(dms.remove_tags_from_resource, "ResourceNotFoundFault", ResourceArn=arn, TagKeys=["k"])
    fault(dms.list_tags_for_resource, "ResourceNotFoundFault", ResourceArn=arn)


def test_describe_with_unmatched_filters_is_resource_not_found(dms: Any) -> None:
    make_refs(dms)
    fault(dms.describe_replication_tasks, "ResourceNotFoundFault", Filters=[{"Name": "replication-task-id", "Values": ["x"]}])
    fault(dms.describe_endpoints, "ResourceNotFoundFault", Filters=[{"Name": "endpoint-id", "Values": ["x"]}])
    fault(dms.describe_replication_instances, "ResourceNotFoundFault",
          Filters=[{"Name": "replication-instance-id", "Values": ["x"]}])
    fault(dms.describe_replication_subnet_groups, "ResourceNotFoundFault",
          Filters=[{"Name": "replication-subnet-group-id", "Values": ["x"]}])
    # unknown filter names are a 400, not moto's 500
    fault(dms.describe_endpoints, "InvalidParameterValueException", Filters=[{"Name": "colour", "Values": ["x"]}])
    fault(dms.describe_replication_tasks, "InvalidParameterValueException", Filters=[{"Name": "colour", "Values": ["x"]}])
    # matches still work
    assert len(dms.describe_endpoints(Filters=[{"Name": "endpoint-type", "Values": ["source"]}])["Endpoints"]) == 1
    assert len(dms.describe_replication_instances(
        Filters=[{"Name": "replication-instance-id", "Values": ["ri"]}])["ReplicationInstances"]) == 1


def test_error_body_is_aws_json(emulator: Emulator) -> None:
    status, doc = raw_dms(emulator, "StopReplicationTask", {"ReplicationTaskArn": "arn:aws:dms:us-east-1:123456789012:task:X"})
    assert status == 400
    assert doc["__type"] == "ResourceNotFoundFault" and doc["message"]


# ---------------------------------------------------------------------------
# tags by ARN on every DMS resource kind
# ---------------------------------------------------------------------------

def test_tags_by_arn(dms: Any) -> None:
    refs = make_refs(dms)
    ec2 = client_like(dms, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    dms.create_replication_subnet_group(
        ReplicationSubnetGroupIdentifier="subnets",
        ReplicationSubnetGroupDescription="d",
        SubnetIds=subnets,
        Tags=[{"Key": "made", "Value": "create"}],
    )
    task = create_task(dms, refs)
    subgrp = "arn:aws:dms:us-east-1:123456789012:subgrp:subnets"
    for arn in (task["ReplicationTaskArn"], refs["instance"], refs["source"], subgrp):
        dms.add_tags_to_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        dms.add_tags_to_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "3"}])
        dms.remove_tags_from_resource(ResourceArn=arn, TagKeys=["b"])
        tags = {t["Key"]: t["Value"] for t in dms.list_tags_for_resource(ResourceArn=arn)["TagList"]}
        expected = {"a": "3", "made": "create"} if arn == subgrp else {"a": "3"}
        assert tags == expected, arn
    both = dms.list_tags_for_resource(ResourceArnList=[refs["instance"], refs["source"]])["TagList"]
    assert {t["ResourceArn"] for t in both} == {refs["instance"], refs["source"]}


def test_many_at_once_filters_and_tag_lists(dms: Any) -> None:
    """docs/emulator.md D8: lists of values in one filter, tags of many ARNs in one call."""
    refs = make_refs(dms)
    tasks = [create_task(dms, refs, ident=f"many-{n}")["ReplicationTaskArn"] for n in range(3)]
    gone = tasks[0][:-3] + "ZZZ"
    found = dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-arn", "Values": [tasks[0], tasks[2], gone]}], WithoutSettings=True
    )["ReplicationTasks"]
    assert sorted(t["ReplicationTaskArn"] for t in found) == sorted([tasks[0], tasks[2]])
    endpoints = dms.describe_endpoints(
        Filters=[{"Name": "endpoint-arn", "Values": [refs["source"], refs["target"]]}]
    )["Endpoints"]
    assert len(endpoints) == 2
    for n, arn in enumerate(tasks):
        dms.add_tags_to_resource(ResourceArn=arn, Tags=[{"Key": "n", "Value": str(n)}])
    listed = dms.list_tags_for_resource(ResourceArnList=tasks + [refs["source"]])["TagList"]
    assert {(t["ResourceArn"], t["Value"]) for t in listed} == {(arn, str(n)) for n, arn in enumerate(tasks)}
    fault(dms.list_tags_for_resource, "ResourceNotFoundFault", ResourceArnList=[tasks[1], gone])
    fault(dms.list_tags_for_resource, "InvalidParameterValueException", ResourceArn=tasks[1], ResourceArnList=[tasks[1]])


def test_many_db_instances_by_one_filter(emulator: Any) -> None:
    """docs/emulator.md D8: DescribeDBInstances' `db-instance-id` filter takes a list of identifiers
    (any case) and answers the instances that exist, paged by MaxRecords."""
    rds = emulator.client("rds")
    for n in range(3):
        rds.create_db_instance(
            DBInstanceIdentifier=f"many-db-{n}", DBInstanceClass="db.t3.micro", Engine="postgres",
            MasterUsername="dblink", MasterUserPassword="password123", AllocatedStorage=20,
        )
    wanted = ["many-db-0", "MANY-DB-2", "many-db-gone"]
    found = rds.describe_db_instances(Filters=[{"Name": "db-instance-id", "Values": wanted}])["DBInstances"]
    assert sorted(i["DBInstanceIdentifier"] for i in found) == ["many-db-0", "many-db-2"]
    first = rds.describe_db_instances(Filters=[{"Name": "db-instance-id", "Values": wanted}], MaxRecords=20)
    assert len(first["DBInstances"]) == 2 and "Marker" not in first
    # Where asking by identifier fails as a whole (404, as the RDS service model says).
    with pytest.raises(ClientError) as info:
        rds.describe_db_instances(DBInstanceIdentifier="many-db-gone")
    assert info.value.response["Error"]["Code"] == "DBInstanceNotFound"


def test_tags_do_not_outlive_their_resource(dms: Any) -> None:
    ensure_dms_vpc_role(dms)
    ri = dms.create_replication_instance(
        ReplicationInstanceIdentifier="ri-t", ReplicationInstanceClass="dms.t3.small",
        Tags=[{"Key": "old", "Value": "1"}],
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    dms.delete_replication_instance(ReplicationInstanceArn=ri)
    # the instance is `deleting` for a moment; the identifier is free once it is gone
    deadline = time.monotonic() + 5
    while dms.describe_replication_instances()["ReplicationInstances"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    ri2 = dms.create_replication_instance(
        ReplicationInstanceIdentifier="ri-t", ReplicationInstanceClass="dms.t3.small"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    assert dms.list_tags_for_resource(ResourceArn=ri2)["TagList"] == []


# ---------------------------------------------------------------------------
# other DMS fidelity
# ---------------------------------------------------------------------------

def test_endpoint_shape(dms: Any) -> None:
    ep = dms.create_endpoint(
        EndpointIdentifier="pg", EndpointType="target", EngineName="postgres",
        PostgreSQLSettings={"Password": "hunter2", "DatabaseName": "app", "Port": 5432,
                            "ServerName": "h", "Username": "u"},
    )["Endpoint"]
    assert ep["Status"] == "active"
    assert ep["EndpointType"] == "TARGET"
    assert "Password" not in ep.get("PostgreSQLSettings", {})
    described = dms.describe_endpoints(Filters=[{"Name": "endpoint-arn", "Values": [ep["EndpointArn"]]}])["Endpoints"][0]
    assert described["EndpointType"] == "TARGET" and described["Status"] == "active"


def test_in_use_instance_and_endpoint_cannot_be_deleted(dms: Any) -> None:
    refs, arn = ready_task(dms)
    fault(dms.delete_replication_instance, "InvalidResourceStateFault", ReplicationInstanceArn=refs["instance"])
    fault(dms.delete_endpoint, "InvalidResourceStateFault", EndpointArn=refs["source"])
    fault(dms.delete_endpoint, "InvalidResourceStateFault", EndpointArn=refs["target"])
    dms.delete_replication_task(ReplicationTaskArn=arn)
    time.sleep(T + 0.1)
    dms.describe_replication_tasks()  # let the deletion complete
    dms.delete_endpoint(EndpointArn=refs["source"])
    dms.delete_endpoint(EndpointArn=refs["target"])
    dms.delete_replication_instance(ReplicationInstanceArn=refs["instance"])


def test_timestamps_are_epoch_seconds_on_the_wire(emulator: Emulator, dms: Any) -> None:
    refs, arn = ready_task(dms)
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    status, doc = raw_dms(emulator, "DescribeReplicationInstances", {})
    assert status == 200
    instance = doc["ReplicationInstances"][0]
    assert isinstance(instance["InstanceCreateTime"], (int, float))
    assert None not in instance.values()  # AWS leaves absent members out; it never sends null
    status, doc = raw_dms(emulator, "DescribeReplicationTasks", {})
    task = doc["ReplicationTasks"][0]
    assert isinstance(task["ReplicationTaskCreationDate"], (int, float))
    assert isinstance(task["ReplicationTaskStartDate"], (int, float))
    assert abs(task["ReplicationTaskCreationDate"] - time.time()) < 60


def test_runtime_timing_change(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {"state_seconds": {"creating": 1.5}})
    refs = make_refs(dms)
    arn = create_task(dms, refs)["ReplicationTaskArn"]
    time.sleep(0.8)
    assert describe(dms, arn)["Status"] == "creating"
    time.sleep(1.0)
    assert describe(dms, arn)["Status"] == "ready"


def test_forced_failure_and_recovery(emulator: Emulator, dms: Any) -> None:
    _, arn = running_task(dms)
    status, doc = emulator.control(
        "POST", "/dms/task-state",
        {"arn": arn, "status": "failed", "last_failure_message": "ORA-01017: invalid username/password",
         "stop_reason": "Stop Reason FATAL_ERROR"},
    )
    assert status == 200
    task = describe(dms, arn)
    assert task["Status"] == "failed"
    assert task["LastFailureMessage"].startswith("ORA-01017")
    assert task["StopReason"] == "Stop Reason FATAL_ERROR"
    # failed: modify allowed (ends stopped), resume allowed
    dms.modify_replication_task(ReplicationTaskArn=arn, TableMappings=TABLE_MAPPINGS)
    wait_for(dms, arn, "stopped")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume-processing")
    task, _ = wait_for(dms, arn, "running")
    assert "LastFailureMessage" not in task
    status, tasks = emulator.control("GET", "/dms/tasks")
    assert status == 200 and tasks[0]["arn"] == arn and tasks[0]["status"] == "running"
    assert emulator.control("POST", "/dms/task-state", {"arn": "nope", "status": "failed"})[0] == 404


def test_concurrent_polling_is_consistent(emulator: Emulator) -> None:
    import threading

    dms = emulator.client("dms")
    _, arn = ready_task(dms, "full-load")
    errors: list[BaseException] = []

    def poll() -> None:
        client = emulator.client("dms")
        try:
            for _ in range(20):
                describe(client, arn)
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for t in threads:
        t.start()
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    for t in threads:
        t.join()
    assert not errors
    task, _ = wait_for(dms, arn, "stopped")
    assert task["StopReason"] == "Stop Reason FULL_LOAD_ONLY_FINISHED"
