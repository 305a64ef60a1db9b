"""Per-table statistics of replication tasks, task failures on demand.

* The tables a task replicates are those of the emulator's source catalogue
  (config ``source_catalogue``, default ``config.DEFAULT_CATALOGUE``) that its
  table mappings select: ``selection`` rules, ``include``/``explicit`` minus
  ``exclude`` (an exclude wins whatever the rule order), with DMS's wildcards in
  ``schema-name``/``table-name`` (``%`` any run, ``_`` one character, ``[_]`` a
  literal underscore, ``[ab]``/``[a-d]`` sets; ``explicit`` names are literal),
  case-sensitive, ordered by ``load-order`` (higher first) then schema and
  table.  The list is resolved at every ``StartReplicationTask``.
* ``DescribeTableStatistics`` (``ReplicationTaskArn``, ``Filters`` ``schema-name`` /
  ``table-name`` / ``table-state``, ``MaxRecords`` 20..500 (strict), ``Marker``)
  renders ``EmuReplicationTask.table_statistics``; the task's
  ``ReplicationTaskStats`` counts are derived from the same states.
* Per table (``EmuReplicationTask.table_statistics``): tables load in order,
  ``MaxFullLoadSubTasks`` (task setting, default 8) at a time, across the task's
  full-load time (``full_load_seconds``): ``Before load`` -> ``Full load``
  (``FullLoadRows`` growing) -> ``Table completed`` (``FullLoadRows`` = the
  catalogue's rows, ``FullLoadStartTime``/``FullLoadEndTime``).  A stopped or
  failed task's unfinished tables are ``Before load`` again.  In CDC (cdc tasks
  once running, full-load-and-cdc after the full load) ``Inserts``/``Updates``/
  ``Deletes`` (and ``Applied*``) grow with the CDC running time:
  ``cdc_changes_per_second`` x 0.5/1/1.5 (by table) inserts, half as many updates,
  a tenth as many deletes; ``LastUpdateTime`` follows.  cdc-only tasks show their
  tables ``Table completed`` with ``FullLoadRows`` 0.  ``ValidationState`` is
  ``Not enabled`` unless ``ValidationSettings.EnableValidation``.
  ``TablesLoaded/Loading/Queued/Errored`` count ``Table completed`` / ``Full load``
  / ``Before load`` / ``Table error``.
* ``POST /_dmslink/task-failure`` makes a task fail, now or at its next start::

    {"task": "<identifier or ARN>",           # required
     "message": "...",                         # LastFailureMessage; default: a DMS-like
                                               #   "Last Error ... Stop Reason FATAL_ERROR ..." text
     "tables": ["HR.EMPLOYEES", ...],          # -> "Table error", FullLoadErrorRows > 0
     "when": "now" | "on-start",               # default "now"
     "after_seconds": 1.5,                     # on-start only: seconds after the start
                                               #   (default: the starting time, so never running)
     "status": "failed" | "stopped",           # default "failed"
     "stop_reason": "...",                     # default "Stop Reason FATAL_ERROR"
     "fail_task": true}                        # false: only the tables go to error, the task runs on

  Named tables must be among those the task replicates (else 400); 404 for an
  unknown task.  ``on-start`` is used up by the next ``StartReplicationTask``;
  any start clears table errors.  ``DELETE /_dmslink/task-failure`` disarms all.
* ``GET /_dmslink/dms/catalogue`` the catalogue; ``?table_mappings=<JSON>`` the
  ``[{"schema","table","rows"}]`` those mappings select.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from moto.dms.responses import DatabaseMigrationServiceResponse

from .config import CONFIG
from .control import STATE_LOCK, ControlError, route
from .dms_common import (
    InvalidParameterValueException,
    ResourceNotFoundFault,
    backend_of,
    params,
    strict,
    tick_all,
)

TABLE_FILTERS = ("schema-name", "table-name", "table-state")


# ---------------------------------------------------------------------------
# selection rules
# ---------------------------------------------------------------------------

def pattern_regex(pattern: str, literal: bool = False) -> re.Pattern[str]:
    """DMS table-mapping wildcards as a regular expression."""
    if literal:
        return re.compile(re.escape(pattern) + r"\Z")
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "%":
            out.append(".*")
        elif c == "_":
            out.append(".")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : end]
                parts = []
                j = 0
                while j < len(body):
                    if j + 2 < len(body) and body[j + 1] == "-":
                        parts.append(f"{re.escape(body[j])}-{re.escape(body[j + 2])}")
                        j += 3
                    else:
                        parts.append(re.escape(body[j]))
                        j += 1
                out.append("[" + "".join(parts) + "]" if parts else re.escape("[]"))
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def _rules(table_mappings: Any) -> list[dict[str, Any]]:
    try:
        doc = json.loads(table_mappings) if isinstance(table_mappings, str) else table_mappings
    except json.JSONDecodeError:
        return []
    rules = doc.get("rules") if isinstance(doc, dict) else None
    return [r for r in rules or [] if isinstance(r, dict) and r.get("rule-type") == "selection"]


def select_tables(
    table_mappings: Any, catalogue: dict[str, dict[str, int]]
) -> list[tuple[str, str, int]]:
    """``[(schema, table, rows)]`` of ``catalogue`` selected by the mappings, in load order."""
    includes: list[tuple[re.Pattern[str], re.Pattern[str], int]] = []
    excludes: list[tuple[re.Pattern[str], re.Pattern[str]]] = []
    for rule in _rules(table_mappings):
        locator = rule.get("object-locator")
        if not isinstance(locator, dict):
            continue
        schema = locator.get("schema-name")
        table = locator.get("table-name", "%")
        if not isinstance(schema, str) or not isinstance(table, str):
            continue
        action = rule.get("rule-action", "include")
        literal = action == "explicit"
        pair = (pattern_regex(schema, literal), pattern_regex(table, literal))
        if action in ("include", "explicit"):
            try:
                order = int(rule.get("load-order", 0) or 0)
            except (TypeError, ValueError):
                order = 0
            includes.append((*pair, order))
        elif action == "exclude":
            excludes.append(pair)
    out = []
    for schema in sorted(catalogue):
        for table in sorted(catalogue[schema]):
            orders = [o for s, t, o in includes if s.match(schema) and t.match(table)]
            if not orders or any(s.match(schema) and t.match(table) for s, t in excludes):
                continue
            out.append((max(orders), schema, table, catalogue[schema][table]))
    out.sort(key=lambda e: (-e[0], e[1], e[2]))
    return [(s, t, rows) for _, s, t, rows in out]


def parse_table_name(name: Any) -> tuple[str, str]:
    if isinstance(name, dict) and isinstance(name.get("schema"), str) and isinstance(name.get("table"), str):
        return name["schema"], name["table"]
    if isinstance(name, str) and "." in name:
        schema, table = name.split(".", 1)
        if schema and table:
            return schema, table
    raise ControlError(400, f'tables: expected "SCHEMA.TABLE" names, got {name!r}')


# ---------------------------------------------------------------------------
# DescribeTableStatistics
# ---------------------------------------------------------------------------

def describe_table_statistics(self: DatabaseMigrationServiceResponse) -> str:
    from .dms_tasks import get_task

    backend = backend_of(self)
    doc = params(self)
    task = get_task(backend, doc.get("ReplicationTaskArn"))
    filters = doc.get("Filters") or []
    if not isinstance(filters, list):
        raise InvalidParameterValueException("Filters must be a list")
    try:
        max_records = int(doc["MaxRecords"]) if doc.get("MaxRecords") is not None else 100
        offset = int(doc.get("Marker") or 0)
    except (TypeError, ValueError):
        raise InvalidParameterValueException("Invalid MaxRecords or Marker") from None
    if strict() and not 20 <= max_records <= 500:
        raise InvalidParameterValueException(
            "The parameter MaxRecords must be between 20 and 500."
        )
    max_records = max(1, max_records)
    rows = task.table_statistics(time.monotonic())
    for f in filters:
        name = f.get("Name") if isinstance(f, dict) else None
        values = (f.get("Values") or []) if isinstance(f, dict) else []
        if name not in TABLE_FILTERS:
            if strict():
                raise InvalidParameterValueException(
                    f"Invalid filter name {name!r}; valid filters: {', '.join(TABLE_FILTERS)}"
                )
            continue
        key = {"schema-name": "SchemaName", "table-name": "TableName", "table-state": "TableState"}[name]
        rows = [r for r in rows if r.get(key) in values]
    page = rows[offset : offset + max_records]
    out: dict[str, Any] = {"ReplicationTaskArn": task.arn, "TableStatistics": page}
    if offset + max_records < len(rows):
        out["Marker"] = str(offset + max_records)
    return json.dumps(out)


# ---------------------------------------------------------------------------
# control: task failures
# ---------------------------------------------------------------------------

_WHEN = ("now", "on-start")
_FAILED_STATUSES = ("failed", "stopped")


def _find_task(ref: Any) -> Any:
    from .dms_tasks import _all_tasks

    if not isinstance(ref, str) or not ref:
        raise ControlError(400, '"task": expected a replication task identifier or ARN')
    matches = [t for t in _all_tasks() if ref in (t.arn, t.id)]
    if not matches:
        raise ControlError(404, f"no replication task {ref}")
    if len(matches) > 1:
        raise ControlError(409, f"{ref} names {len(matches)} tasks (several regions/accounts); use the ARN")
    return matches[0]


@route("POST", "/task-failure")
def _task_failure(body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    """Make a task fail; see the README's "Task failures" for the body."""
    if not isinstance(body, dict):
        raise ControlError(400, 'expected {"task": ..., "message": ..., "tables": [...], "when": "now"|"on-start"}')
    known = {"task", "message", "tables", "when", "status", "stop_reason", "after_seconds", "fail_task"}
    unknown = set(body) - known
    if unknown:
        raise ControlError(400, f"unknown keys {sorted(unknown)}; known: {sorted(known)}")
    when = body.get("when", "now")
    if when not in _WHEN:
        raise ControlError(400, f'"when": one of {list(_WHEN)}')
    status = body.get("status", "failed")
    if status not in _FAILED_STATUSES:
        raise ControlError(400, f'"status": one of {list(_FAILED_STATUSES)}')
    message = body.get("message")
    if message is not None and not isinstance(message, str):
        raise ControlError(400, '"message": expected a string')
    stop_reason = body.get("stop_reason")
    if stop_reason is not None and not isinstance(stop_reason, str):
        raise ControlError(400, '"stop_reason": expected a string')
    fail_task = body.get("fail_task", True)
    if not isinstance(fail_task, bool):
        raise ControlError(400, '"fail_task": expected a boolean')
    after = body.get("after_seconds")
    if after is not None:
        if isinstance(after, bool) or not isinstance(after, (int, float)) or after < 0:
            raise ControlError(400, '"after_seconds": expected a number >= 0')
        if when != "on-start":
            raise ControlError(400, '"after_seconds" goes with "when": "on-start"')
    tables_in = body.get("tables") or []
    if not isinstance(tables_in, list):
        raise ControlError(400, '"tables": expected a list of "SCHEMA.TABLE"')
    tables = [parse_table_name(t) for t in tables_in]
    if not fail_task and not tables:
        raise ControlError(400, '"fail_task": false needs "tables"')
    tick_all()
    with STATE_LOCK:
        task = _find_task(body.get("task"))
        selected = {(s, t) for s, t, _ in task.candidate_tables(when)}
        missing = [f"{s}.{t}" for s, t in tables if (s, t) not in selected]
        if missing:
            raise ControlError(
                400,
                f"tables not replicated by task {task.id}: {', '.join(missing)}; it selects "
                f"{', '.join(sorted(f'{s}.{t}' for s, t in selected)) or 'nothing'}",
            )
        failure = {
            "message": message if message is not None else _default_message(tables),
            "tables": tables,
            "status": status,
            "stop_reason": stop_reason,
            "after_seconds": after,
            "fail_task": fail_task,
        }
        if when == "now":
            if task.status == "deleting":
                raise ControlError(409, f"task {task.id} is being deleted")
            task.fail_now(failure)
        else:
            task.armed_failure = failure
        return 200, {"task": task.to_dict(without_settings=True), "when": when,
                     "tables": [f"{s}.{t}" for s, t in tables]}


def _default_message(tables: list[tuple[str, str]]) -> str:
    if tables:
        s, t = tables[0]
        return (
            f"Last Error Table error: loading table '{s}'.'{t}' failed. Task error notification "
            "received from subtask 0, thread 0 [reptask/replicationtask.c:2883] [1022502]; "
            "Stop Reason FATAL_ERROR Error Level FATAL"
        )
    return (
        "Last Error Task error notification received from subtask 0, thread 0 "
        "[reptask/replicationtask.c:2883] [1022502]; Stop Reason FATAL_ERROR Error Level FATAL"
    )


@route("DELETE", "/task-failure")
def _disarm(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    """Drop every armed ``on-start`` failure: ``{"cleared": N}``."""
    from .dms_tasks import _all_tasks

    tick_all()
    with STATE_LOCK:
        n = 0
        for task in _all_tasks():
            if task.armed_failure is not None:
                task.armed_failure = None
                n += 1
        return 200, {"cleared": n}


@route("GET", "/dms/catalogue")
def _catalogue(_body: Any, query: dict[str, list[str]]) -> tuple[int, Any]:
    """The source catalogue, or with ``?table_mappings=<json>`` what those mappings select."""
    catalogue = CONFIG.catalogue()
    mappings = query.get("table_mappings", [None])[0]
    if mappings is None:
        return 200, catalogue
    return 200, [
        {"schema": s, "table": t, "rows": rows} for s, t, rows in select_tables(mappings, catalogue)
    ]


def install() -> None:
    DatabaseMigrationServiceResponse.describe_table_statistics = describe_table_statistics  # type: ignore[attr-defined]
