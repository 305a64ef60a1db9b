"""Table statistics, task failures on demand, connection tests (issue 5 item 6)."""

from __future__ import annotations

import datetime as _dt
import json
import time
import urllib.parse
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import Emulator
from test_emulator import describe, fault, make_refs, wait_for

MS = _dt.timedelta(milliseconds=1)

CATALOGUE = {
    "HR": {"EMPLOYEES": 100, "DEPARTMENTS": 20, "JOBS": 10},
    "SALES": ["ORDERS", "ORDER_ITEMS", "ORDERXITEMS", "CUSTOMERS"],
    "SALES_2023": ["ORDERS"],
    "GEODESY": ["STATIONS"],
}


def mappings(*rules: tuple[str, str, str] | tuple[str, str, str, int]) -> str:
    out = []
    for n, rule in enumerate(rules, 1):
        schema, table, action = rule[:3]
        doc: dict[str, Any] = {
            "rule-type": "selection",
            "rule-id": str(n),
            "rule-name": str(n),
            "object-locator": {"schema-name": schema, "table-name": table},
            "rule-action": action,
        }
        if len(rule) > 3:
            doc["load-order"] = rule[3]
        out.append(doc)
    return json.dumps({"rules": out})


def selected(emulator: Emulator, table_mappings: str) -> list[str]:
    q = urllib.parse.urlencode({"table_mappings": table_mappings})
    status, doc = emulator.control("GET", f"/dms/catalogue?{q}")
    assert status == 200, doc
    return [f"{t['schema']}.{t['table']}" for t in doc]


def task_with(
    emulator: Emulator,
    dms: Any,
    table_mappings: str,
    migration: str = "full-load-and-cdc",
    settings: dict[str, Any] | None = None,
    ident: str = "stats-task",
) -> str:
    status, _ = emulator.control("POST", "/config", {"source_catalogue": CATALOGUE})
    assert status == 200
    refs = make_refs(dms)
    extra = {"ReplicationTaskSettings": json.dumps(settings)} if settings else {}
    arn = dms.create_replication_task(
        ReplicationTaskIdentifier=ident,
        SourceEndpointArn=refs["source"],
        TargetEndpointArn=refs["target"],
        ReplicationInstanceArn=refs["instance"],
        MigrationType=migration,
        TableMappings=table_mappings,
        **extra,
    )["ReplicationTask"]["ReplicationTaskArn"]
    wait_for(dms, arn, "ready")
    return arn


def table_stats(dms: Any, arn: str, **kwargs: Any) -> list[dict[str, Any]]:
    return dms.describe_table_statistics(ReplicationTaskArn=arn, **kwargs)["TableStatistics"]


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"{r['SchemaName']}.{r['TableName']}": r for r in rows}


def counts_of(rows: list[dict[str, Any]]) -> dict[str, int]:
    states = [r["TableState"] for r in rows]
    return {
        "TablesLoaded": states.count("Table completed"),
        "TablesLoading": states.count("Full load"),
        "TablesQueued": states.count("Before load"),
        "TablesErrored": states.count("Table error"),
    }


def task_counts(task: dict[str, Any]) -> dict[str, int]:
    stats = task["ReplicationTaskStats"]
    return {k: stats[k] for k in ("TablesLoaded", "TablesLoading", "TablesQueued", "TablesErrored")}


# ---------------------------------------------------------------------------
# catalogue and selection rules
# ---------------------------------------------------------------------------

def test_default_catalogue_and_config(emulator: Emulator) -> None:
    status, cfg = emulator.control("GET", "/config")
    assert status == 200
    cat = cfg["source_catalogue"]
    assert set(cat) >= {"HR", "SALES", "GEODESY", "ROCKPROPS"}
    assert all(2 <= len(t) <= 4 for s, t in cat.items() if s != "APP")
    # the examples' mapping selects something
    assert selected(emulator, mappings(("ROCKPROPS%", "WEB%", "include"))) == [
        "ROCKPROPS.WEB_SAMPLES", "ROCKPROPS.WEB_SITES"
    ]
    # lists get stable row counts; bad documents are refused; null restores the default
    assert emulator.control("POST", "/config", {"source_catalogue": {"X": ["A"]}})[0] == 200
    rows = emulator.control("GET", "/config")[1]["source_catalogue"]["X"]["A"]
    assert isinstance(rows, int) and rows > 0
    for bad in ({"X": "A"}, {"X": {"A": -1}}, ["X"], {"X": {"A": True}}):
        assert emulator.control("POST", "/config", {"source_catalogue": bad})[0] == 400
    assert emulator.control("POST", "/config", {"source_catalogue": None})[0] == 200
    assert emulator.control("GET", "/config")[1]["source_catalogue"] == cat
    emulator.control("POST", "/config", {"source_catalogue": {"X": ["A"]}})
    emulator.control("POST", "/reset")
    assert emulator.control("GET", "/config")[1]["source_catalogue"] == cat


def test_selection_rules_match_as_dms_does(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"source_catalogue": CATALOGUE})
    assert selected(emulator, mappings(("HR", "%", "include"))) == ["HR.DEPARTMENTS", "HR.EMPLOYEES", "HR.JOBS"]
    # exclude wins whatever the order
    assert selected(emulator, mappings(("HR", "JOBS", "exclude"), ("HR", "%", "include"))) == [
        "HR.DEPARTMENTS", "HR.EMPLOYEES"
    ]
    # % in the schema; _ is one character, [_] a literal underscore
    assert selected(emulator, mappings(("SALES%", "ORDERS", "include"))) == ["SALES.ORDERS", "SALES_2023.ORDERS"]
    assert selected(emulator, mappings(("SALES", "ORDER_ITEMS", "include"))) == [
        "SALES.ORDERXITEMS", "SALES.ORDER_ITEMS"
    ]
    assert selected(emulator, mappings(("SALES", "ORDER[_]ITEMS", "include"))) == ["SALES.ORDER_ITEMS"]
    assert selected(emulator, mappings(("[GH]%", "[D-F]%", "include"))) == ["HR.DEPARTMENTS", "HR.EMPLOYEES"]
    # explicit names are literal; case matters
    assert selected(emulator, mappings(("SALES", "ORDER_ITEMS", "explicit"))) == ["SALES.ORDER_ITEMS"]
    assert selected(emulator, mappings(("hr", "%", "include"))) == []
    # load-order: higher first
    assert selected(emulator, mappings(("HR", "JOBS", "include", 1), ("GEODESY", "%", "include", 2))) == [
        "GEODESY.STATIONS", "HR.JOBS"
    ]


# ---------------------------------------------------------------------------
# DescribeTableStatistics
# ---------------------------------------------------------------------------

def test_table_statistics_follow_the_full_load(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {"full_load_seconds": 3})
    arn = task_with(
        emulator, dms, mappings(("HR", "%", "include")), "full-load",
        settings={"FullLoadSettings": {"MaxFullLoadSubTasks": 1}},
    )
    assert table_stats(dms, arn) == []  # never started
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    rows = table_stats(dms, arn)
    assert [r["TableState"] for r in rows] == ["Before load"] * 3
    assert counts_of(rows) == task_counts(describe(dms, arn))
    wait_for(dms, arn, "running")
    time.sleep(1.5)  # half-way: one table done, one loading, one queued (one subtask)
    dms.stop_replication_task(ReplicationTaskArn=arn)
    wait_for(dms, arn, "stopped")
    task = describe(dms, arn)
    rows = table_stats(dms, arn)
    assert counts_of(rows) == task_counts(task)
    stats = task["ReplicationTaskStats"]
    assert 0 < stats["FullLoadProgressPercent"] < 100
    assert stats["TablesLoaded"] >= 1 and stats["TablesQueued"] >= 1 and stats["TablesLoading"] == 0
    done = [r for r in rows if r["TableState"] == "Table completed"]
    assert all(r["FullLoadRows"] == CATALOGUE["HR"][r["TableName"]] for r in done)
    assert all(r["FullLoadEndTime"] >= r["FullLoadStartTime"] for r in done)
    assert all("FullLoadStartTime" not in r and r["FullLoadRows"] == 0 for r in rows if r["TableState"] == "Before load")

    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume-processing")
    wait_for(dms, arn, "running")
    time.sleep(0.3)
    mid = by_name(table_stats(dms, arn))
    loading = [r for r in mid.values() if r["TableState"] == "Full load"]
    assert len(loading) == 1 and 0 <= loading[0]["FullLoadRows"] <= CATALOGUE["HR"][loading[0]["TableName"]]
    task, _ = wait_for(dms, arn, "stopped")
    rows = table_stats(dms, arn)
    assert [r["TableState"] for r in rows] == ["Table completed"] * 3
    assert task_counts(task) == {"TablesLoaded": 3, "TablesLoading": 0, "TablesQueued": 0, "TablesErrored": 0}
    for r in rows:
        assert r["FullLoadRows"] == CATALOGUE["HR"][r["TableName"]]
        assert r["Inserts"] == r["Updates"] == r["Deletes"] == 0  # full-load only: no CDC
        assert r["ValidationState"] == "Not enabled"
        assert r["FullLoadStartTime"] <= r["FullLoadEndTime"] <= r["LastUpdateTime"] + MS
    # tables load one after another with one subtask
    ordered = sorted(rows, key=lambda r: r["FullLoadStartTime"])
    for a, b in zip(ordered, ordered[1:]):
        assert a["FullLoadEndTime"] <= b["FullLoadStartTime"] + 10 * MS


def test_parallel_subtasks_load_at_once(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {"full_load_seconds": 4})  # the first table is done at 4/9 s
    arn = task_with(emulator, dms, mappings(("%", "%", "include")), "full-load",
                    settings={"ValidationSettings": {"EnableValidation": True}})
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "running")
    rows = table_stats(dms, arn)
    assert len(rows) == 9
    # default MaxFullLoadSubTasks 8: eight load at once, the rest wait
    assert counts_of(rows)["TablesLoading"] == 8 and counts_of(rows)["TablesQueued"] == 1
    assert {r["ValidationState"] for r in rows} == {"Pending records", "Pending validation"}
    wait_for(dms, arn, "stopped")
    assert {r["ValidationState"] for r in table_stats(dms, arn)} == {"Validated"}


def test_cdc_keeps_counting_after_the_full_load(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {"cdc_changes_per_second": 4})
    arn = task_with(emulator, dms, mappings(("HR", "EMPLOYEES", "include"), ("GEODESY", "%", "include")))
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "running")
    deadline = time.monotonic() + 5
    while describe(dms, arn)["ReplicationTaskStats"]["FullLoadProgressPercent"] < 100:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    first = by_name(table_stats(dms, arn))
    time.sleep(2.0)
    second = by_name(table_stats(dms, arn))
    assert set(second) == {"HR.EMPLOYEES", "GEODESY.STATIONS"}
    for name, row in second.items():
        assert row["TableState"] == "Table completed"
        assert row["Inserts"] > first[name]["Inserts"]
        assert row["Updates"] >= first[name]["Updates"] and row["Updates"] > 0
        assert row["AppliedInserts"] == row["Inserts"]
        assert row["LastUpdateTime"] > first[name]["LastUpdateTime"]
        assert row["FullLoadRows"] == first[name]["FullLoadRows"]
    task = describe(dms, arn)
    assert task["Status"] == "running" and task_counts(task)["TablesLoaded"] == 2
    # stopped: the counters freeze
    dms.stop_replication_task(ReplicationTaskArn=arn)
    wait_for(dms, arn, "stopped")
    frozen = by_name(table_stats(dms, arn))
    time.sleep(0.5)
    assert by_name(table_stats(dms, arn)) == frozen


def test_cdc_only_task_tables(emulator: Emulator, dms: Any) -> None:
    arn = task_with(emulator, dms, mappings(("HR", "JOBS", "include")), "cdc")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    assert table_stats(dms, arn)[0]["TableState"] == "Before load"
    wait_for(dms, arn, "running")
    time.sleep(1.2)
    (row,) = table_stats(dms, arn)
    assert row["TableState"] == "Table completed" and row["FullLoadRows"] == 0 and row["Inserts"] > 0
    stats = describe(dms, arn)["ReplicationTaskStats"]
    assert stats["FullLoadProgressPercent"] == 0 and stats["TablesLoaded"] == 1


def test_table_statistics_filters_paging_and_errors(emulator: Emulator, dms: Any) -> None:
    catalogue = {"BIG": [f"T{n:02d}" for n in range(25)], "HR": ["EMPLOYEES"]}
    arn = task_with(emulator, dms, mappings(("%", "%", "include")), "full-load")
    emulator.control("POST", "/config", {"source_catalogue": catalogue})
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "stopped")
    page1 = dms.describe_table_statistics(ReplicationTaskArn=arn, MaxRecords=20)
    assert page1["ReplicationTaskArn"] == arn and len(page1["TableStatistics"]) == 20 and page1["Marker"]
    page2 = dms.describe_table_statistics(ReplicationTaskArn=arn, MaxRecords=20, Marker=page1["Marker"])
    assert len(page2["TableStatistics"]) == 6 and "Marker" not in page2
    names = [r["TableName"] for r in page1["TableStatistics"] + page2["TableStatistics"]]
    assert len(set(names)) == 26
    pages = list(dms.get_paginator("describe_table_statistics").paginate(ReplicationTaskArn=arn, MaxRecords=20))
    assert sum(len(p["TableStatistics"]) for p in pages) == 26

    hr = table_stats(dms, arn, Filters=[{"Name": "schema-name", "Values": ["HR"]}])
    assert [r["TableName"] for r in hr] == ["EMPLOYEES"]
    two = table_stats(dms, arn, Filters=[
        {"Name": "schema-name", "Values": ["BIG", "HR"]},
        {"Name": "table-name", "Values": ["T03", "EMPLOYEES", "NOPE"]},
    ])
    assert sorted(r["TableName"] for r in two) == ["EMPLOYEES", "T03"]
    assert len(table_stats(dms, arn, Filters=[{"Name": "table-state", "Values": ["Table completed"]}])) == 26
    assert table_stats(dms, arn, Filters=[{"Name": "table-state", "Values": ["Table error"]}]) == []

    fault(dms.describe_table_statistics, "InvalidParameterValueException", ReplicationTaskArn=arn, MaxRecords=5)
    fault(dms.describe_table_statistics, "InvalidParameterValueException", ReplicationTaskArn=arn,
          Filters=[{"Name": "rows", "Values": ["1"]}])
    missing = arn.rsplit(":", 1)[0] + ":NOSUCHTASK"
    fault(dms.describe_table_statistics, "ResourceNotFoundFault", ReplicationTaskArn=missing)


def test_table_statistics_on_the_wire_are_epoch_seconds(emulator: Emulator, dms: Any) -> None:
    from test_emulator import raw_dms

    arn = task_with(emulator, dms, mappings(("HR", "JOBS", "include")), "full-load")
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "stopped")
    status, doc = raw_dms(emulator, "DescribeTableStatistics", {"ReplicationTaskArn": arn})
    assert status == 200
    (row,) = doc["TableStatistics"]
    for key in ("FullLoadStartTime", "FullLoadEndTime", "LastUpdateTime"):
        assert isinstance(row[key], (int, float)), row


# ---------------------------------------------------------------------------
# task failures
# ---------------------------------------------------------------------------

def test_task_failure_now(emulator: Emulator, dms: Any) -> None:
    arn = task_with(emulator, dms, mappings(("HR", "%", "include")))
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "running")
    message = "ORA-01031: insufficient privileges on HR.EMPLOYEES"
    status, doc = emulator.control("POST", "/task-failure", {
        "task": "stats-task", "message": message, "tables": ["HR.EMPLOYEES"], "when": "now",
    })
    assert status == 200, doc
    assert doc["task"]["Status"] == "failed" and doc["tables"] == ["HR.EMPLOYEES"]
    task = describe(dms, arn)
    assert task["Status"] == "failed"
    assert task["LastFailureMessage"] == message
    assert task["StopReason"] == "Stop Reason FATAL_ERROR"
    assert task["ReplicationTaskStats"]["TablesErrored"] == 1
    rows = by_name(table_stats(dms, arn))
    assert rows["HR.EMPLOYEES"]["TableState"] == "Table error"
    assert rows["HR.EMPLOYEES"]["FullLoadErrorRows"] > 0
    assert all(r["TableState"] != "Table error" for n, r in rows.items() if n != "HR.EMPLOYEES")
    assert counts_of(list(rows.values())) == task_counts(task)
    errored = table_stats(dms, arn, Filters=[{"Name": "table-state", "Values": ["Table error"]}])
    assert [r["TableName"] for r in errored] == ["EMPLOYEES"]
    # a failed task may be resumed; the errors are cleared
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume-processing")
    task, _ = wait_for(dms, arn, "running")
    assert "LastFailureMessage" not in task
    assert task["ReplicationTaskStats"]["TablesErrored"] == 0


def test_task_failure_by_arn_as_stopped_and_default_message(emulator: Emulator, dms: Any) -> None:
    arn = task_with(emulator, dms, mappings(("HR", "%", "include")))
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "running")
    status, _ = emulator.control("POST", "/task-failure", {
        "task": arn, "tables": ["HR.JOBS", "HR.DEPARTMENTS"], "status": "stopped",
    })
    assert status == 200
    task = describe(dms, arn)
    assert task["Status"] == "stopped" and task["StopReason"] == "Stop Reason FATAL_ERROR"
    assert "HR" in task["LastFailureMessage"] and "JOBS" in task["LastFailureMessage"]
    assert task["ReplicationTaskStats"]["TablesErrored"] == 2


def test_table_error_without_failing_the_task(emulator: Emulator, dms: Any) -> None:
    arn = task_with(emulator, dms, mappings(("HR", "%", "include")))
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "running")
    status, _ = emulator.control("POST", "/task-failure", {
        "task": arn, "tables": ["HR.JOBS"], "fail_task": False,
    })
    assert status == 200
    time.sleep(0.8)
    task = describe(dms, arn)
    assert task["Status"] == "running" and "LastFailureMessage" not in task
    assert task["ReplicationTaskStats"]["TablesErrored"] == 1
    assert task["ReplicationTaskStats"]["TablesLoaded"] == 2


def test_task_failure_on_start(emulator: Emulator, dms: Any) -> None:
    arn = task_with(emulator, dms, mappings(("GEODESY", "%", "include")), "full-load")
    status, _ = emulator.control("POST", "/task-failure", {
        "task": "stats-task", "message": "Last Error Test connection failed for endpoint 'src'",
        "when": "on-start",
    })
    assert status == 200
    assert describe(dms, arn)["Status"] == "ready"  # armed, nothing happens yet
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    task, seen = wait_for(dms, arn, "failed")
    assert seen[0] == "starting" and "running" not in seen
    assert task["LastFailureMessage"] == "Last Error Test connection failed for endpoint 'src'"
    assert task["StopReason"] == "Stop Reason FATAL_ERROR"
    assert not any(r["FullLoadReloaded"] for r in table_stats(dms, arn))
    # used up: the next start runs normally
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="reload-target")
    wait_for(dms, arn, "stopped")
    assert describe(dms, arn)["StopReason"] == "Stop Reason FULL_LOAD_ONLY_FINISHED"
    rows = table_stats(dms, arn)
    assert rows and all(r["FullLoadReloaded"] and r["TableState"] == "Table completed" for r in rows)


def test_task_failure_on_start_after_running_a_while(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {"full_load_seconds": 5})
    arn = task_with(emulator, dms, mappings(("HR", "%", "include")))
    emulator.control("POST", "/task-failure", {
        "task": arn, "message": "boom", "tables": ["HR.DEPARTMENTS"], "when": "on-start", "after_seconds": 1.0,
    })
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    task, seen = wait_for(dms, arn, "failed")
    assert seen == ["starting", "running", "failed"]
    assert task["LastFailureMessage"] == "boom"
    rows = by_name(table_stats(dms, arn))
    assert rows["HR.DEPARTMENTS"]["TableState"] == "Table error"
    assert rows["HR.DEPARTMENTS"]["FullLoadErrorRows"] > 0
    assert counts_of(list(rows.values())) == task_counts(task)


def test_task_failure_control_errors(emulator: Emulator, dms: Any) -> None:
    arn = task_with(emulator, dms, mappings(("HR", "%", "include")))
    bad = [
        ({"task": "nope"}, 404),
        ({"task": arn, "tables": ["SALES.ORDERS"]}, 400),  # not replicated by the task
        ({"task": arn, "tables": ["EMPLOYEES"]}, 400),
        ({"task": arn, "when": "later"}, 400),
        ({"task": arn, "status": "running"}, 400),
        ({"task": arn, "after_seconds": 1}, 400),  # only with on-start
        ({"task": arn, "fail_task": False}, 400),  # needs tables
        ({"task": arn, "colour": "red"}, 400),
        ("x", 400),
    ]
    for body, code in bad:
        status, doc = emulator.control("POST", "/task-failure", body)
        assert status == code, (body, doc)
    assert describe(dms, arn)["Status"] == "ready"
    assert emulator.control("POST", "/task-failure", {"task": arn, "when": "on-start"})[0] == 200
    assert emulator.control("DELETE", "/task-failure")[1] == {"cleared": 1}
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    wait_for(dms, arn, "running")
