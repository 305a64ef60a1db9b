"""A task's CloudWatch log (issue 15 item 5; docs/emulator.md "Task logs", L1-L4)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import DMS_TRUST_POLICY, Emulator, client_like
from test_emulator import wait_for
from test_insight import mappings, task_with

LOGS_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole"
LOGGING_ON = {"Logging": {"EnableLogging": True}}


def logs_role(dms: Any, *, attach: bool = True) -> None:
    iam = client_like(dms, "iam")
    iam.create_role(RoleName="dms-cloudwatch-logs-role", AssumeRolePolicyDocument=DMS_TRUST_POLICY)
    if attach:
        iam.attach_role_policy(RoleName="dms-cloudwatch-logs-role", PolicyArn=LOGS_POLICY_ARN)


def log_of(dms: Any, arn: str) -> tuple[str, str]:
    task = dms.describe_replication_tasks(
        Filters=[{"Name": "replication-task-arn", "Values": [arn]}]
    )["ReplicationTasks"][0]
    logging = json.loads(task["ReplicationTaskSettings"])["Logging"]
    return logging["CloudWatchLogGroup"], logging["CloudWatchLogStream"]


def messages(dms: Any, group: str, stream: str) -> list[str]:
    logs = client_like(dms, "logs")
    events = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=False, limit=500)
    return [e["message"] for e in events["events"]]


def failing_start(emulator: Emulator, dms: Any, settings: dict[str, Any] | None) -> str:
    arn = task_with(emulator, dms, mappings(("HR", "%", "include")), "full-load", settings=settings)
    status, _ = emulator.control("POST", "/task-failure", {
        "task": arn, "message": "ORA-00942: table or view does not exist", "tables": ["HR.DEPARTMENTS"],
        "when": "on-start",
    })
    assert status == 200
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "failed")
    return arn


def test_a_failed_start_writes_info_then_error_lines_to_the_tasks_stream(emulator: Emulator, dms: Any) -> None:
    logs_role(dms)
    arn = failing_start(emulator, dms, LOGGING_ON)
    group, stream = log_of(dms, arn)
    assert group == "dms-tasks-ri" and stream == f"dms-task-{arn.rsplit(':', 1)[-1]}"
    lines = messages(dms, group, stream)
    assert "]I:  Task 'stats-task' starting (start-replication)" in lines[0], lines
    errors = [m for m in lines if "]E:" in m]
    assert any("[TABLES_MANAGER  ]E:  Table 'HR'.'DEPARTMENTS' was errored/suspended" in m for m in errors), lines
    assert errors[-1].endswith("[TASK_MANAGER    ]E:  ORA-00942: table or view does not exist"), lines


def test_a_stop_writes_info_lines(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {"full_load_seconds": 30})
    logs_role(dms)
    arn = task_with(emulator, dms, mappings(("HR", "%", "include")), settings=LOGGING_ON)
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "running")
    dms.stop_replication_task(ReplicationTaskArn=arn)
    wait_for(dms, arn, "stopped")
    lines = messages(dms, *log_of(dms, arn))
    assert [m.split("]", 1)[1] for m in lines] == [
        "I:  Task 'stats-task' starting (start-replication)",
        "I:  Task 'stats-task' running",
        "I:  Task 'stats-task' stopped",
    ]


@pytest.mark.parametrize("role", ["missing", "without-policy"])
def test_without_a_ready_logs_role_nothing_is_written(emulator: Emulator, dms: Any, role: str) -> None:
    if role == "without-policy":
        logs_role(dms, attach=False)
    arn = failing_start(emulator, dms, LOGGING_ON)
    group, _ = log_of(dms, arn)
    logs = client_like(dms, "logs")
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


def test_with_logging_off_nothing_is_written(emulator: Emulator, dms: Any) -> None:
    logs_role(dms)
    failing_start(emulator, dms, None)
    assert client_like(dms, "logs").describe_log_groups()["logGroups"] == []
