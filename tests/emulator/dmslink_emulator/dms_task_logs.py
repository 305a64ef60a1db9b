"""A replication task's CloudWatch log, written into moto's Logs backend.

AWS DMS writes a task's log to CloudWatch Logs when the task's settings have
``Logging.EnableLogging = true`` and the account has the IAM role
``dms-cloudwatch-logs-role`` (trusting ``dms.amazonaws.com``, with the managed
policy ``AmazonDMSCloudWatchLogsRole``):
https://docs.aws.amazon.com/dms/latest/userguide/CHAP_Monitoring.html#CHAP_Monitoring.ManagingLogs
and https://repost.aws/knowledge-center/dms-cloudwatch-logs-not-appearing (no role:
the log group stays empty, nothing else fails).  The group is
``dms-tasks-<replication instance identifier>``, the stream
``dms-task-<task resource id>`` (rules T3/T12, ``dms_tasks.settings_document``).

Rules (docs/emulator.md, "Task logs", L1-L4):

* L1 the group and stream are created on the first line, in the task's account
  and region (moto's Logs backend, so ``GetLogEvents`` reads them);
* L2 a start, reaching ``running`` and a stop write ``]I:`` lines
  (``TASK_MANAGER``);
* L3 a failure writes its text as ``]E:`` lines: the failure message
  (a connection failure's text, or the injected one) and one line per table
  in error (``TABLES_MANAGER``);
* L4 logging off, or the role missing, untrusting or without the managed
  policy: nothing is written.

The line layout ``<time> [COMPONENT       ]X:  text`` is **[unverified]**: it
follows DMS logs seen in the wild, not a documented format.
"""

from __future__ import annotations

import datetime as _dt
import json
import time
from typing import Any

from .aws_common import iam_backend

LOGS_ROLE = "dms-cloudwatch-logs-role"
LOGS_POLICY = "policy/service-role/AmazonDMSCloudWatchLogsRole"


def role_ready(account: str, region: str) -> bool:
    """``dms-cloudwatch-logs-role`` exists, trusts DMS and has the managed policy (L4)."""
    backend = iam_backend(account, region)
    role = next((r for r in backend.roles.values() if r.name == LOGS_ROLE), None)
    if role is None:
        return False
    trust = role.assume_role_policy_document or ""
    if not isinstance(trust, str):
        trust = json.dumps(trust)
    if "dms.amazonaws.com" not in trust:
        return False
    return any(arn.endswith(f":iam::aws:{LOGS_POLICY}") for arn in role.managed_policies)


def line(component: str, severity: str, text: str, at: _dt.datetime | None = None) -> str:
    """One log line in DMS's layout ([unverified])."""
    when = (at or _dt.datetime.now(_dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S:%f")
    return f"{when} [{component:<16}]{severity}:  {text}"


def write(task: Any, entries: list[tuple[str, str, str]]) -> bool:
    """Appends ``(component, severity letter, text)`` lines to ``task``'s log when
    DMS would write it (L1, L4); True when written."""
    doc = task.settings_document()
    logging = doc.get("Logging") if isinstance(doc, dict) else None
    if not isinstance(logging, dict) or logging.get("EnableLogging") is not True:
        return False
    group, stream = logging.get("CloudWatchLogGroup"), logging.get("CloudWatchLogStream")
    backend = task._backend
    account, region = backend.account_id, backend.region_name
    if not group or not stream or not role_ready(account, region):
        return False
    from moto.logs.models import logs_backends

    logs = logs_backends[account][region]
    if group not in logs.groups:
        logs.create_log_group(group, {})
    if stream not in logs.groups[group].streams:
        logs.create_log_stream(group, stream)
    now_ms = int(time.time() * 1000)
    events = [{"timestamp": now_ms, "message": line(c, s, t)} for c, s, t in entries]
    logs.put_log_events(group, stream, events)
    return True


def failure_entries(message: str | None, tables: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """The ``]E:`` lines of a failure (L3): its tables, then its message (None: a
    table error that does not fail the task)."""
    out = [("TABLES_MANAGER", "E", f"Table '{s}'.'{t}' was errored/suspended") for s, t in tables]
    for part in (message or "").splitlines():
        if part.strip():
            out.append(("TASK_MANAGER", "E", part.strip()))
    return out
