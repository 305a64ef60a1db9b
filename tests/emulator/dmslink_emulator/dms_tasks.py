"""DMS replication tasks with AWS's state machine.

Replaces moto's replication-task operations (moto 5.2: tasks stay
``creating`` forever, Start goes straight to ``running``, no Modify/Move) with
a time-driven model.  State is computed lazily: every task keeps a queue of
timed transitions which are applied, in order and at their due time, before
each DMS call (see ``dms_common.register_ticker``).  Later transitions are
scheduled relative to the due time of the one that triggered them, so the
reported history is the same however often (or rarely) a client polls.

Life cycle (``S`` = seconds configured for that state, see ``config.py``)::

    Create  -> creating --S--> ready
    Start   -> starting --S--> running [full load: --full_load_seconds-->
               full-load: stopped, "Stop Reason FULL_LOAD_ONLY_FINISHED";
               full-load-and-cdc: stays running]
    Stop    -> stopping --S--> stopped ("Stop Reason NORMAL")
    Modify  -> modifying --S--> ready (never started) | stopped
    Move    -> moving --S--> ready | stopped, on the new instance
    Delete  -> deleting --S--> gone

Strict mode (default) adds AWS's refusals: see ``_check_*`` below.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import re
import time
import zlib
from collections.abc import Callable
from typing import Any

from moto.dms.models import DatabaseMigrationServiceBackend, FakeReplicationTask, dms_backends
from moto.dms.responses import DatabaseMigrationServiceResponse
from moto.dms.utils import random_id
from moto.utilities.utils import get_partition

from . import dms_task_logs, reachability, rulebook, strictness, task_settings
from .config import CONFIG
from .dms_tables import select_tables
from .control import STATE_LOCK, ControlError, route
from .dms_common import (
    InvalidParameterCombinationException,
    InvalidParameterValueException,
    InvalidResourceStateFault,
    ResourceAlreadyExistsFault,
    ResourceNotFoundFault,
    backend_of,
    params,
    parse_dms_arn,
    register_ticker,
    strict,
    tick_all,
)

MIGRATION_TYPES = ("full-load", "cdc", "full-load-and-cdc")
START_TYPES = ("start-replication", "resume-processing", "reload-target")
TASK = "replication_task"
TASK_FILTERS = (
    "replication-task-arn",
    "replication-task-id",
    "migration-type",
    "endpoint-arn",
    "replication-instance-arn",
)

STOP_REASON_NORMAL = rulebook.stop_reason("normal")
STOP_REASON_FULL_LOAD_ONLY_FINISHED = rulebook.stop_reason("full_load_finished")
STOP_REASON_FATAL_ERROR = rulebook.stop_reason("fatal")

TABLE_BEFORE_LOAD = "Before load"
TABLE_FULL_LOAD = "Full load"
TABLE_COMPLETED = "Table completed"
TABLE_ERROR = "Table error"
_EPS = 1e-9


_IDENTIFIER_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,254}$")
_seq = itertools.count()


def _wall(mono: float) -> _dt.datetime:
    """Wall-clock time of the monotonic instant ``mono``."""
    return _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(seconds=time.monotonic() - mono)


def _epoch(value: _dt.datetime | None) -> float | None:
    return None if value is None else round(value.timestamp(), 3)


def _from_epoch(value: Any, name: str) -> _dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidParameterValueException(f"Invalid value for {name}")
    try:
        return _dt.datetime.fromtimestamp(float(value), _dt.timezone.utc)
    except (TypeError, ValueError, OverflowError):
        raise InvalidParameterValueException(f"Invalid value for {name}") from None


def _check_identifier(identifier: Any) -> None:
    if (
        not isinstance(identifier, str)
        or not _IDENTIFIER_RE.match(identifier)
        or identifier.endswith("-")
        or "--" in identifier
    ):
        raise InvalidParameterValueException(
            "The parameter ReplicationTaskIdentifier is not a valid identifier. Identifiers "
            "must begin with a letter; must contain only ASCII letters, digits, and hyphens; "
            "and must not end with a hyphen or contain two consecutive hyphens."
        )


def _parse_table_mappings(text: Any) -> Any:
    try:
        doc = json.loads(text) if isinstance(text, str) else None
    except json.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict):
        raise InvalidParameterValueException("Invalid table mappings JSON")
    return doc


class EmuReplicationTask(FakeReplicationTask):
    """A replication task whose status follows AWS's life cycle in time."""

    def __init__(
        self,
        backend: DatabaseMigrationServiceBackend,
        identifier: str,
        source_endpoint_arn: str,
        target_endpoint_arn: str,
        replication_instance_arn: str,
        migration_type: str,
        table_mappings: str,
        user_settings: dict[str, Any],
        resource_identifier: str | None,
        cdc_start_time: _dt.datetime | None,
        cdc_start_position: str | None,
        cdc_stop_position: str | None,
        task_data: str | None,
    ) -> None:
        # FakeReplicationTask.__init__ is not called: it derives the ARN from
        # the identifier, where AWS uses a random resource id.
        self._backend = backend
        self.id = identifier
        self.region = backend.region_name
        self.resource_id = resource_identifier or random_id(True, 26)
        self.arn = (
            f"arn:{get_partition(backend.region_name)}:dms:{backend.region_name}:"
            f"{backend.account_id}:task:{self.resource_id}"
        )
        self.source_endpoint_arn = source_endpoint_arn
        self.target_endpoint_arn = target_endpoint_arn
        self.replication_instance_arn = replication_instance_arn
        self.target_replication_instance_arn: str | None = None
        self.migration_type = migration_type
        self.table_mappings = table_mappings
        self.settings = task_settings.full_document(user_settings)
        self.cdc_start_time = cdc_start_time
        self.cdc_start_position = cdc_start_position
        self.cdc_stop_position = cdc_stop_position
        self.task_data = task_data

        self.status = "creating"
        self.stop_reason: str | None = None
        self.last_failure_message: str | None = None
        self.ever_started = False
        self.creation_date = _dt.datetime.now(_dt.timezone.utc)
        self.start_date: _dt.datetime | None = None
        self.fresh_start_date: _dt.datetime | None = None
        self.stop_date: _dt.datetime | None = None
        self.full_load_start: _dt.datetime | None = None
        self.full_load_finish: _dt.datetime | None = None
        # full-load progress: fraction done before the current segment, and the
        # segment (monotonic start, duration) while loading
        self._fl_done = 0.0
        self._fl_segment: tuple[float, float] | None = None
        # running time accounting
        self._elapsed = 0.0
        self._running_since: float | None = None
        self._events: list[tuple[float, int, str, Callable[[float], None]]] = []
        self.gone = False
        # per-table statistics: the selected tables (resolved at each start),
        # wall times each table started/finished loading (index -> time), tables
        # in error ((schema, table) -> snapshot), CDC running time
        self.tables: list[tuple[str, str, int]] = []
        self._table_start: dict[int, _dt.datetime] = {}
        self._table_end: dict[int, _dt.datetime] = {}
        self._errored: dict[tuple[str, str], dict[str, Any]] = {}
        self._cdc_elapsed = 0.0
        self._cdc_since: float | None = None
        self._cdc_ever = False
        self._last_update: _dt.datetime | None = None
        self.armed_failure: dict[str, Any] | None = None
        self._reloaded = False

        self._schedule(CONFIG.seconds_in("creating"), "ready", self._to_ready)

    # -- scheduling ----------------------------------------------------------
    def _schedule(
        self, delay: float, name: str, fn: Callable[[float], None], base: float | None = None
    ) -> None:
        due = (time.monotonic() if base is None else base) + delay
        self._events.append((due, next(_seq), name, fn))
        self._events.sort(key=lambda e: (e[0], e[1]))

    def _cancel(self) -> None:
        self._events.clear()

    def advance(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        while self._events and self._events[0][0] <= now:
            due, _, _, fn = self._events.pop(0)
            fn(due)

    def pending(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        return [{"to": name, "in_seconds": round(max(0.0, due - now), 3)} for due, _, name, _ in self._events]

    # -- progress ------------------------------------------------------------
    @property
    def has_full_load(self) -> bool:
        return self.migration_type in ("full-load", "full-load-and-cdc")

    def _fl_fraction(self, now: float) -> float:
        if self._fl_segment is None:
            return self._fl_done
        start, duration = self._fl_segment
        part = 1.0 if duration <= 0 else min(1.0, max(0.0, (now - start) / duration))
        return self._fl_done + (1.0 - self._fl_done) * part

    def _subtasks(self) -> int:
        try:
            n = int(self.settings.get("FullLoadSettings", {}).get("MaxFullLoadSubTasks", 8))
        except (TypeError, ValueError, AttributeError):
            n = 8
        return max(1, n)

    def _bounds(self, i: int) -> tuple[float, float]:
        """Fractions of the full load at which table ``i`` starts and ends loading."""
        n = len(self.tables)
        return max(0, i + 1 - self._subtasks()) / n, (i + 1) / n

    def _time_of(self, x: float) -> float | None:
        """Monotonic time the current full-load segment reaches fraction ``x``."""
        if self._fl_segment is None or x < self._fl_done - _EPS:
            return None
        start, duration = self._fl_segment
        left = 1.0 - self._fl_done
        return start if left <= 0 else start + duration * max(0.0, x - self._fl_done) / left

    def _close_segment(self, at: float) -> None:
        """Record the load start/end times of tables passed in the segment ending at ``at``."""
        if self._fl_segment is None or not self.tables:
            return
        reached = self._fl_fraction(at)
        for i in range(len(self.tables)):
            lo, hi = self._bounds(i)
            for x, times in ((lo, self._table_start), (hi, self._table_end)):
                if i not in times and x <= reached + _EPS:
                    mono = self._time_of(x)
                    if mono is not None:
                        times[i] = _wall(min(mono, at))

    def _cdc_seconds(self, now: float) -> float:
        return self._cdc_elapsed + (max(0.0, now - self._cdc_since) if self._cdc_since is not None else 0.0)

    def _begin_cdc(self, at: float) -> None:
        if self.migration_type in ("cdc", "full-load-and-cdc") and self._cdc_since is None:
            self._cdc_since = at
            self._cdc_ever = True

    def _freeze_progress(self, at: float) -> None:
        self._close_segment(at)
        self._fl_done = self._fl_fraction(at)
        self._fl_segment = None
        if self._running_since is not None:
            self._elapsed += max(0.0, at - self._running_since)
            self._running_since = None
        if self._cdc_since is not None:
            self._cdc_elapsed += max(0.0, at - self._cdc_since)
            self._cdc_since = None
            self._last_update = _wall(at)

    # -- transitions ---------------------------------------------------------
    def _return_state(self) -> str:
        return "stopped" if self.ever_started else "ready"

    def _to_ready(self, _at: float) -> None:
        self.status = "ready"

    def _to_running(self, at: float) -> None:
        self.status = "running"
        dms_task_logs.write(self, [("TASK_MANAGER", "I", f"Task '{self.id}' running")])
        self._running_since = at
        if not self.has_full_load or self._fl_done >= 1.0:
            self._begin_cdc(at)
        if not self.has_full_load:
            return
        remaining = 1.0 - self._fl_done
        if remaining > 0 and self.full_load_start is None:
            self.full_load_start = _wall(at)
        duration = CONFIG.full_load() * remaining
        self._fl_segment = (at, duration)
        if remaining > 0 or self.migration_type == "full-load":
            self._schedule(duration, "full-load-finished", self._full_load_finished, base=at)
        else:
            self._fl_segment = None

    def _full_load_finished(self, at: float) -> None:
        self._close_segment(at)
        self._fl_done = 1.0
        self._fl_segment = None
        if self.full_load_finish is None:
            self.full_load_finish = _wall(at)
        if self.migration_type == "full-load":
            self._freeze_progress(at)
            self.status = "stopped"
            self.stop_reason = STOP_REASON_FULL_LOAD_ONLY_FINISHED
            self.stop_date = _wall(at)
        elif self.status == "running":
            self._begin_cdc(at)

    def _to_stopped(self, at: float) -> None:
        self.status = "stopped"
        dms_task_logs.write(self, [("TASK_MANAGER", "I", f"Task '{self.id}' stopped")])
        self.stop_reason = STOP_REASON_NORMAL
        self.stop_date = _wall(at)

    # -- operations ----------------------------------------------------------
    def start(  # type: ignore[override]
        self,
        start_type: str,
        cdc_start_time: _dt.datetime | None = None,
        cdc_start_position: str | None = None,
        cdc_stop_position: str | None = None,
    ) -> EmuReplicationTask:
        if start_type not in START_TYPES:
            raise InvalidParameterValueException(
                f"Invalid StartReplicationTaskType {start_type!r}; valid values: {', '.join(START_TYPES)}"
            )
        if not strict() and self.status == "deleting":
            raise InvalidResourceStateFault("Replication task is being deleted")
        if strict():
            rulebook.check(TASK, f"StartReplicationTask:{start_type}", self.status, id=self.id)
        now = time.monotonic()
        self._cancel()
        if self._running_since is not None:
            self._freeze_progress(now)
        if start_type in ("start-replication", "reload-target") or not self.ever_started:
            self._fl_done = 0.0
            self._elapsed = 0.0
            self.full_load_start = None
            self.full_load_finish = None
            self.fresh_start_date = _wall(now)
            self._table_start.clear()
            self._table_end.clear()
            self._cdc_elapsed = 0.0
            self._cdc_ever = False
            self._last_update = None
        if start_type == "start-replication":
            self._reloaded = False
        elif start_type == "reload-target":
            self._reloaded = True
        tables = select_tables(self.table_mappings, CONFIG.catalogue())
        if tables != self.tables:
            self._table_start.clear()
            self._table_end.clear()
        self.tables = tables
        self._errored.clear()
        self.ever_started = True
        self.status = "starting"
        self.stop_reason = None
        self.last_failure_message = None
        self.start_date = _wall(now)
        self.stop_date = None
        if cdc_start_time is not None:
            self.cdc_start_time = cdc_start_time
        if cdc_start_position is not None:
            self.cdc_start_position = cdc_start_position
        if cdc_stop_position is not None:
            self.cdc_stop_position = cdc_stop_position
        self._schedule(CONFIG.seconds_in("starting"), "running", self._to_running, base=now)
        dms_task_logs.write(self, [("TASK_MANAGER", "I", f"Task '{self.id}' starting ({start_type})")])
        failure, self.armed_failure = self.armed_failure, None
        if failure is None:
            failure = self._connection_failure()
        if failure is not None:
            delay = failure.get("after_seconds")
            delay = CONFIG.seconds_in("starting") if delay is None else float(delay)
            self._schedule(delay, failure["status"], lambda at: self._fail(at, failure), base=now)
        return self

    # -- failures ------------------------------------------------------------
    def _connection_failure(self) -> dict[str, Any] | None:
        """A start fails, as on AWS, when an endpoint's connection is set to fail
        (config ``connection_outcomes``): the endpoint's message in LastFailureMessage."""
        for role, arn in (("source", self.source_endpoint_arn), ("target", self.target_endpoint_arn)):
            endpoint = _find_endpoint(self._backend, arn)
            if endpoint is None:
                continue
            outcome = CONFIG.connection_outcome(endpoint.endpoint_identifier, arn)
            if outcome is None:  # reachability.py: the network decides
                failure = reachability.task_failure(self, endpoint, role)
                if failure is not None:
                    return failure
            if outcome is not None and outcome.get("status") == "failed":
                return {
                    "message": (
                        f"Last Error Test connection failed for {role} endpoint "
                        f"'{endpoint.endpoint_identifier}': {outcome.get('message')} "
                        "Stop Reason FATAL_ERROR Error Level FATAL"
                    ),
                    "tables": [],
                    "status": "failed",
                    "stop_reason": None,
                    "after_seconds": None,
                    "fail_task": True,
                }
        return None

    def candidate_tables(self, when: str) -> list[tuple[str, str, int]]:
        """Tables a failure may name: those of the next start, or the current ones."""
        if when == "on-start" or not self.tables:
            return select_tables(self.table_mappings, CONFIG.catalogue())
        return self.tables

    def fail_now(self, failure: dict[str, Any]) -> None:
        if not self.tables:
            self.tables = select_tables(self.table_mappings, CONFIG.catalogue())
        self._fail(time.monotonic(), failure)

    def _fail(self, at: float, failure: dict[str, Any]) -> None:
        """Tables into ``Table error``; unless ``fail_task`` is false, the task ends failed."""
        rows = {(r["SchemaName"], r["TableName"]): r for r in self.table_statistics(at)}
        cdc = self._cdc_seconds(at)
        for key in failure["tables"]:
            if key in self._errored:
                continue
            current = rows.get(key, {})
            total = next((n for s, t, n in self.tables if (s, t) == key), 0)
            self._errored[key] = {
                "FullLoadRows": min(current.get("FullLoadRows", 0), total),
                "FullLoadErrorRows": max(1, total // 100),
                "cdc_seconds": cdc,
                "at": _wall(at),
            }
        dms_task_logs.write(self, dms_task_logs.failure_entries(
            failure["message"] if failure.get("fail_task", True) else None, list(failure["tables"])
        ))
        if not failure.get("fail_task", True):
            return
        self._cancel()
        self._freeze_progress(at)
        self.status = failure["status"]
        self.stop_reason = failure.get("stop_reason") or STOP_REASON_FATAL_ERROR
        self.last_failure_message = failure["message"]
        self.ever_started = True
        self.stop_date = _wall(at)

    def stop(self) -> EmuReplicationTask:
        if strict() or self.status != "starting":
            rulebook.check(TASK, "StopReplicationTask", self.status, id=self.id)
        now = time.monotonic()
        self._cancel()
        self._freeze_progress(now)
        self.status = "stopping"
        self._schedule(CONFIG.seconds_in("stopping"), "stopped", self._to_stopped, base=now)
        return self

    def check_modifiable(self) -> None:
        if self.status in ("running", "starting") and not strict():
            return
        rulebook.check(TASK, "ModifyReplicationTask", self.status, id=self.id)

    def begin_modify(self) -> None:
        now = time.monotonic()
        if self.status in ("running", "starting"):  # lenient mode only
            self._cancel()
            self._freeze_progress(now)
        self.status = "modifying"
        back = self._return_state()

        def done(_at: float) -> None:
            self.status = back

        self._schedule(CONFIG.seconds_in("modifying"), back, done, base=now)

    def move(self, target_arn: str) -> EmuReplicationTask:
        if strict() or self.status != "running":
            rulebook.check(TASK, "MoveReplicationTask", self.status, id=self.id)
        now = time.monotonic()
        self._cancel()
        self._freeze_progress(now)
        back = self._return_state()
        self.status = "moving"
        self.target_replication_instance_arn = target_arn

        def done(_at: float) -> None:
            self.replication_instance_arn = target_arn
            self.target_replication_instance_arn = None
            self.status = back

        self._schedule(CONFIG.seconds_in("moving"), back, done, base=now)
        return self

    def delete(self) -> EmuReplicationTask:
        if strict() or self.status == "deleting":
            rulebook.check(TASK, "DeleteReplicationTask", self.status, id=self.id)
        now = time.monotonic()
        self._cancel()
        self._freeze_progress(now)
        self.status = "deleting"
        self._schedule(CONFIG.seconds_in("deleting"), "gone", self._gone, base=now)
        return self

    def _gone(self, _at: float) -> None:
        self.gone = True
        self._backend.replication_tasks.pop(self.arn, None)
        self._backend.tagger.delete_all_tags_for_resource(self.arn)

    def force(self, status: str, stop_reason: Any = None, last_failure_message: Any = None) -> None:
        """Test hook: put the task into ``status`` at once (pending transitions dropped)."""
        now = time.monotonic()
        self._cancel()
        self._freeze_progress(now)
        self.status = status
        if status == "running":
            self._running_since = now
        self.stop_reason = stop_reason
        self.last_failure_message = last_failure_message
        if status in ("running", "stopping", "stopped", "failed"):  # only a start reaches these
            self.ever_started = True
            self.stop_date = _wall(now)

    # -- rendering -----------------------------------------------------------
    def settings_document(self) -> dict[str, Any]:
        doc = json.loads(json.dumps(self.settings))
        logging = doc.get("Logging")
        if isinstance(logging, dict):
            if logging.get("EnableLogging") is True:
                instance = self._backend.replication_instances.get(self.replication_instance_arn)
                name = instance.id if instance is not None else self.replication_instance_arn.rsplit(":", 1)[-1]
                logging["CloudWatchLogGroup"] = f"dms-tasks-{name}"
                logging["CloudWatchLogStream"] = f"dms-task-{self.resource_id}"
            else:
                logging["CloudWatchLogGroup"] = None
                logging["CloudWatchLogStream"] = None
        return doc

    def table_statistics(self, now: float) -> list[dict[str, Any]]:
        """``TableStatistics`` entries of the tables the task replicates, at ``now``."""
        if not self.ever_started or not self.tables:
            return []
        fraction = self._fl_fraction(now) if self.has_full_load else 0.0
        loading_now = self._fl_segment is not None and self.status == "running"
        cdc_seconds = self._cdc_seconds(now)
        in_cdc = self._cdc_since is not None and self.status == "running"
        rate = CONFIG.cdc_rate()
        validation = bool(self.settings.get("ValidationSettings", {}).get("EnableValidation"))
        out = []
        for i, (schema, table, total) in enumerate(self.tables):
            lo, hi = self._bounds(i)
            entry: dict[str, Any] = {
                "SchemaName": schema,
                "TableName": table,
                "Inserts": 0,
                "Deletes": 0,
                "Updates": 0,
                "Ddls": 0,
                "AppliedInserts": 0,
                "AppliedDeletes": 0,
                "AppliedUpdates": 0,
                "AppliedDdls": 0,
                "FullLoadRows": 0,
                "FullLoadCondtnlChkFailedRows": 0,
                "FullLoadErrorRows": 0,
                "FullLoadReloaded": self._reloaded,
                "ValidationPendingRecords": 0,
                "ValidationFailedRecords": 0,
                "ValidationSuspendedRecords": 0,
                "ValidationState": "Not enabled",
            }
            started = self._table_start.get(i)
            ended = self._table_end.get(i)
            error = self._errored.get((schema, table))
            cdc_for_table = cdc_seconds if error is None else error["cdc_seconds"]
            if error is not None:
                state = TABLE_ERROR
                entry["FullLoadRows"] = error["FullLoadRows"]
                entry["FullLoadErrorRows"] = error["FullLoadErrorRows"]
                if validation:
                    entry["ValidationState"] = "Table error"
            elif not self.has_full_load:
                state = TABLE_COMPLETED if self._cdc_ever else TABLE_BEFORE_LOAD
            elif fraction * len(self.tables) >= i + 1 - _EPS:
                state = TABLE_COMPLETED
                entry["FullLoadRows"] = total
                if started is None and (m := self._time_of(lo)) is not None:
                    started = _wall(m)
                if ended is None and (m := self._time_of(hi)) is not None:
                    ended = _wall(m)
                if validation:
                    entry["ValidationState"] = "Validated"
            elif loading_now and fraction >= lo - _EPS:
                state = TABLE_FULL_LOAD
                part = 0.0 if hi <= lo else (fraction - lo) / (hi - lo)
                entry["FullLoadRows"] = min(total, int(total * max(0.0, part)))
                if started is None and (m := self._time_of(lo)) is not None:
                    started = _wall(m)
                ended = None
                if validation:
                    entry["ValidationState"] = "Pending records"
                    entry["ValidationPendingRecords"] = entry["FullLoadRows"]
            else:
                state = TABLE_BEFORE_LOAD
                started = ended = None
                if validation:
                    entry["ValidationState"] = "Pending validation"
            if state in (TABLE_COMPLETED, TABLE_ERROR) and cdc_for_table > 0:
                weight = 0.5 + (zlib.crc32(f"{schema}.{table}".encode()) % 3) * 0.5
                inserts = int(cdc_for_table * rate * weight)
                updates = int(cdc_for_table * rate * weight / 2)
                deletes = int(cdc_for_table * rate * weight / 10)
                entry.update(
                    Inserts=inserts, Updates=updates, Deletes=deletes,
                    AppliedInserts=inserts, AppliedUpdates=updates, AppliedDeletes=deletes,
                )
            entry["TableState"] = state
            entry["FullLoadStartTime"] = _epoch(started)
            entry["FullLoadEndTime"] = _epoch(ended)
            if error is not None:
                last = error["at"]
            elif in_cdc and state == TABLE_COMPLETED:
                last = _wall(now)
            elif state == TABLE_FULL_LOAD:
                last = _wall(now)
            else:
                candidates = [t for t in (ended, started, self._last_update) if t is not None]
                last = max(candidates) if candidates else self.start_date
            entry["LastUpdateTime"] = _epoch(last)
            out.append({k: v for k, v in entry.items() if v is not None})
        return out

    def stats(self, now: float) -> dict[str, Any]:
        counts = {TABLE_COMPLETED: 0, TABLE_FULL_LOAD: 0, TABLE_BEFORE_LOAD: 0, TABLE_ERROR: 0}
        for row in self.table_statistics(now):
            counts[row["TableState"]] = counts.get(row["TableState"], 0) + 1
        percent = int(self._fl_fraction(now) * 100) if self.has_full_load else 0
        elapsed = self._elapsed
        if self._running_since is not None:
            elapsed += max(0.0, now - self._running_since)
        return {
            "FullLoadProgressPercent": percent,
            "ElapsedTimeMillis": int(elapsed * 1000),
            "TablesLoaded": counts[TABLE_COMPLETED],
            "TablesLoading": counts[TABLE_FULL_LOAD],
            "TablesQueued": counts[TABLE_BEFORE_LOAD],
            "TablesErrored": counts[TABLE_ERROR],
            "FreshStartDate": _epoch(self.fresh_start_date),
            "StartDate": _epoch(self.start_date),
            "StopDate": _epoch(self.stop_date),
            "FullLoadStartDate": _epoch(self.full_load_start),
            "FullLoadFinishDate": _epoch(self.full_load_finish),
        }

    def to_dict(self, without_settings: bool = False) -> dict[str, Any]:  # type: ignore[override]
        now = time.monotonic()
        doc: dict[str, Any] = {
            "ReplicationTaskIdentifier": self.id,
            "SourceEndpointArn": self.source_endpoint_arn,
            "TargetEndpointArn": self.target_endpoint_arn,
            "ReplicationInstanceArn": self.replication_instance_arn,
            "MigrationType": self.migration_type,
            "Status": self.status,
            "LastFailureMessage": self.last_failure_message,
            "StopReason": self.stop_reason,
            "ReplicationTaskCreationDate": _epoch(self.creation_date),
            "ReplicationTaskStartDate": _epoch(self.start_date),
            "CdcStartPosition": self.cdc_start_position,
            "CdcStopPosition": self.cdc_stop_position,
            "ReplicationTaskArn": self.arn,
            "TargetReplicationInstanceArn": self.target_replication_instance_arn,
        }
        if not without_settings:
            doc["TableMappings"] = self.table_mappings
            doc["ReplicationTaskSettings"] = json.dumps(self.settings_document(), separators=(",", ":"))
            doc["TaskData"] = self.task_data
        if self.ever_started:
            doc["ReplicationTaskStats"] = {
                k: v for k, v in self.stats(now).items() if v is not None
            }
        return {k: v for k, v in doc.items() if v is not None}


# ---------------------------------------------------------------------------
# backend helpers
# ---------------------------------------------------------------------------

def _tick(backend: DatabaseMigrationServiceBackend) -> None:
    now = time.monotonic()
    for task in list(backend.replication_tasks.values()):
        if isinstance(task, EmuReplicationTask):
            task.advance(now)


def get_task(backend: DatabaseMigrationServiceBackend, arn: Any) -> EmuReplicationTask:
    task = backend.replication_tasks.get(arn) if isinstance(arn, str) else None
    if task is None or getattr(task, "gone", False):
        raise ResourceNotFoundFault("Replication task could not be found.")
    return task  # type: ignore[return-value]


def _find_endpoint(backend: DatabaseMigrationServiceBackend, arn: str) -> Any:
    return next((e for e in backend.endpoints.values() if e.endpoint_arn == arn), None)


def _check_reference(backend: DatabaseMigrationServiceBackend, name: str, arn: Any, kind: str) -> Any:
    parsed = parse_dms_arn(arn)
    if parsed is None:
        raise InvalidParameterValueException(f"The parameter {name} is not a valid ARN: {arn!r}")
    if kind == "rep":
        found = backend.replication_instances.get(arn)
        what = "Replication instance"
    else:
        found = _find_endpoint(backend, arn)
        what = "Endpoint"
    if found is None:
        raise ResourceNotFoundFault(f"{what} {arn} could not be found.")
    return found


def _check_cdc_params(doc: dict[str, Any]) -> None:
    if doc.get("CdcStartTime") is not None and doc.get("CdcStartPosition") is not None:
        raise InvalidParameterCombinationException(
            "CdcStartTime and CdcStartPosition cannot be specified together."
        )


def _user_settings(text: Any, *, on_create: bool) -> dict[str, Any]:
    try:
        doc = task_settings.parse(text)
    except task_settings.SettingsError as err:
        raise InvalidParameterValueException(str(err)) from None
    if on_create and strict() and task_settings.sets_read_only_logging(doc):
        raise InvalidParameterValueException(
            "Task Settings CloudWatchLogGroup or CloudWatchLogStream cannot be set on create."
        )
    return doc


def _check_logging_update(task: EmuReplicationTask, doc: dict[str, Any]) -> None:
    """On modify, read-only logging keys may only repeat what AWS reports."""
    if not strict() or not task_settings.sets_read_only_logging(doc):
        return
    current = task.settings_document().get("Logging", {})
    for key in task_settings.READ_ONLY_LOGGING_KEYS:
        value = doc["Logging"].get(key)
        if value is not None and value != current.get(key):
            raise InvalidParameterValueException(
                f"The parameter Logging.{key} is read-only and cannot be set."
            )


def _tasks_with_identifier(backend: DatabaseMigrationServiceBackend, identifier: str) -> list[Any]:
    return [
        t
        for t in backend.replication_tasks.values()
        if t.id == identifier and not getattr(t, "gone", False)
    ]


# ---------------------------------------------------------------------------
# response methods (installed on DatabaseMigrationServiceResponse)
# ---------------------------------------------------------------------------

def create_replication_task(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    doc = params(self)
    identifier = doc.get("ReplicationTaskIdentifier")
    migration_type = doc.get("MigrationType")
    _check_identifier(identifier)
    if migration_type not in MIGRATION_TYPES:
        raise InvalidParameterValueException(
            f"Invalid MigrationType {migration_type!r}; valid values: {', '.join(MIGRATION_TYPES)}"
        )
    table_mappings = doc.get("TableMappings")
    _parse_table_mappings(table_mappings)
    user_settings = _user_settings(doc.get("ReplicationTaskSettings"), on_create=True)
    _check_cdc_params(doc)
    if _tasks_with_identifier(backend, identifier):
        raise ResourceAlreadyExistsFault(f"Replication task {identifier} already exists")
    source_arn = doc.get("SourceEndpointArn")
    target_arn = doc.get("TargetEndpointArn")
    instance_arn = doc.get("ReplicationInstanceArn")
    if strict():
        _check_reference(backend, "ReplicationInstanceArn", instance_arn, "rep")
        source = _check_reference(backend, "SourceEndpointArn", source_arn, "endpoint")
        target = _check_reference(backend, "TargetEndpointArn", target_arn, "endpoint")
        if str(source.endpoint_type).lower() != "source":
            raise InvalidParameterValueException(
                f"Endpoint {source_arn} is not a source endpoint"
            )
        if str(target.endpoint_type).lower() != "target":
            raise InvalidParameterValueException(
                f"Endpoint {target_arn} is not a target endpoint"
            )
    task = EmuReplicationTask(
        backend=backend,
        identifier=identifier,
        source_endpoint_arn=source_arn,
        target_endpoint_arn=target_arn,
        replication_instance_arn=instance_arn,
        migration_type=migration_type,
        table_mappings=table_mappings,
        user_settings=user_settings,
        resource_identifier=doc.get("ResourceIdentifier"),
        cdc_start_time=_from_epoch(doc.get("CdcStartTime"), "CdcStartTime"),
        cdc_start_position=doc.get("CdcStartPosition"),
        cdc_stop_position=doc.get("CdcStopPosition"),
        task_data=doc.get("TaskData"),
    )
    if task.arn in backend.replication_tasks:
        raise ResourceAlreadyExistsFault(f"Replication task with ARN {task.arn} already exists")
    backend.replication_tasks[task.arn] = task
    tags = doc.get("Tags")
    if tags:
        backend.tagger.tag_resource(task.arn, tags)
    return json.dumps({"ReplicationTask": task.to_dict()})


def start_replication_task(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    doc = params(self)
    task = get_task(backend, doc.get("ReplicationTaskArn"))
    _check_cdc_params(doc)
    start_type = doc.get("StartReplicationTaskType") or "start-replication"
    task.start(
        start_type,
        cdc_start_time=_from_epoch(doc.get("CdcStartTime"), "CdcStartTime"),
        cdc_start_position=doc.get("CdcStartPosition"),
        cdc_stop_position=doc.get("CdcStopPosition"),
    )
    return json.dumps({"ReplicationTask": task.to_dict()})


def stop_replication_task(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    task = get_task(backend, params(self).get("ReplicationTaskArn"))
    task.stop()
    return json.dumps({"ReplicationTask": task.to_dict()})


def delete_replication_task(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    task = get_task(backend, params(self).get("ReplicationTaskArn"))
    task.delete()
    if CONFIG.seconds_in("deleting") <= 0:
        task.advance()
    return json.dumps({"ReplicationTask": task.to_dict()})


def modify_replication_task(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    doc = params(self)
    task = get_task(backend, doc.get("ReplicationTaskArn"))
    if strictness.logging_only_modify(task, doc):  # logging severities of a running task (rulebook)
        return json.dumps({"ReplicationTask": task.to_dict()})
    task.check_modifiable()
    _check_cdc_params(doc)

    identifier = doc.get("ReplicationTaskIdentifier")
    if identifier is not None and identifier != task.id:
        _check_identifier(identifier)
        if _tasks_with_identifier(backend, identifier):
            raise ResourceAlreadyExistsFault(f"Replication task {identifier} already exists")
    migration_type = doc.get("MigrationType")
    if migration_type is not None:
        if migration_type not in MIGRATION_TYPES:
            raise InvalidParameterValueException(
                f"Invalid MigrationType {migration_type!r}; valid values: {', '.join(MIGRATION_TYPES)}"
            )
        if strict() and migration_type != task.migration_type:
            raise InvalidParameterValueException(
                "Modifying the MigrationType of a replication task is not supported; "
                "create a new task instead."
            )
    table_mappings = doc.get("TableMappings")
    if table_mappings is not None:
        _parse_table_mappings(table_mappings)
    new_settings = None
    if doc.get("ReplicationTaskSettings") is not None:
        user = _user_settings(doc["ReplicationTaskSettings"], on_create=False)
        _check_logging_update(task, user)
        if isinstance(user.get("Logging"), dict):
            for key in task_settings.READ_ONLY_LOGGING_KEYS:
                user["Logging"].pop(key, None)
        new_settings = task_settings.merge(task.settings, user)
    cdc_start_time = _from_epoch(doc.get("CdcStartTime"), "CdcStartTime")

    # all checks passed: apply
    if identifier is not None:
        task.id = identifier
    if migration_type is not None:
        task.migration_type = migration_type
    if table_mappings is not None:
        task.table_mappings = table_mappings
    if new_settings is not None:
        task.settings = new_settings
    if cdc_start_time is not None:
        task.cdc_start_time = cdc_start_time
        task.cdc_start_position = None
    if doc.get("CdcStartPosition") is not None:
        task.cdc_start_position = doc["CdcStartPosition"]
        task.cdc_start_time = None
    if doc.get("CdcStopPosition") is not None:
        task.cdc_stop_position = doc["CdcStopPosition"]
    if doc.get("TaskData") is not None:
        task.task_data = doc["TaskData"]
    task.begin_modify()
    return json.dumps({"ReplicationTask": task.to_dict()})


def move_replication_task(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    doc = params(self)
    task = get_task(backend, doc.get("ReplicationTaskArn"))
    target = doc.get("TargetReplicationInstanceArn")
    if strict():
        _check_reference(backend, "TargetReplicationInstanceArn", target, "rep")
        if target == task.replication_instance_arn:
            raise InvalidParameterValueException(
                "The target replication instance is the task's current replication instance"
            )
    task.move(target)
    return json.dumps({"ReplicationTask": task.to_dict()})


def describe_replication_tasks(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    doc = params(self)
    filters = doc.get("Filters") or []
    tasks = [t for t in backend.replication_tasks.values() if not getattr(t, "gone", False)]
    for f in filters:
        name = f.get("Name") if isinstance(f, dict) else None
        values = f.get("Values") or [] if isinstance(f, dict) else []
        if name not in TASK_FILTERS:
            if strict():
                raise InvalidParameterValueException(
                    f"Invalid filter name {name!r}; valid filters: {', '.join(TASK_FILTERS)}"
                )
            continue
        if name == "replication-task-arn":
            tasks = [t for t in tasks if t.arn in values]
        elif name == "replication-task-id":
            tasks = [t for t in tasks if t.id in values]
        elif name == "migration-type":
            tasks = [t for t in tasks if t.migration_type in values]
        elif name == "endpoint-arn":
            tasks = [t for t in tasks if t.source_endpoint_arn in values or t.target_endpoint_arn in values]
        elif name == "replication-instance-arn":
            tasks = [t for t in tasks if t.replication_instance_arn in values]
    if not tasks and filters and strict():
        raise ResourceNotFoundFault("No Tasks found matching provided filters")
    tasks.sort(key=lambda t: t.creation_date)
    try:
        max_records = int(doc.get("MaxRecords") or 100)
        offset = int(doc.get("Marker") or 0)
    except (TypeError, ValueError):
        raise InvalidParameterValueException("Invalid MaxRecords or Marker") from None
    page = tasks[offset : offset + max_records]
    out: dict[str, Any] = {
        "ReplicationTasks": [
            t.to_dict(without_settings=bool(doc.get("WithoutSettings"))) for t in page
        ]
    }
    if offset + max_records < len(tasks):
        out["Marker"] = str(offset + max_records)
    return json.dumps(out)


RESPONSE_METHODS = {
    "create_replication_task": create_replication_task,
    "start_replication_task": start_replication_task,
    "stop_replication_task": stop_replication_task,
    "delete_replication_task": delete_replication_task,
    "modify_replication_task": modify_replication_task,
    "move_replication_task": move_replication_task,
    "describe_replication_tasks": describe_replication_tasks,
}


# ---------------------------------------------------------------------------
# control endpoints
# ---------------------------------------------------------------------------

def _all_tasks() -> list[EmuReplicationTask]:
    out = []
    for account_backends in list(dms_backends.values()):
        for backend in list(account_backends.values()):
            out.extend(
                t
                for t in backend.replication_tasks.values()
                if isinstance(t, EmuReplicationTask) and not t.gone
            )
    return out


@route("GET", "/dms/tasks")
def _list_tasks(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    tick_all()
    with STATE_LOCK:
        return 200, [
            {
                "arn": t.arn,
                "id": t.id,
                "region": t.region,
                "status": t.status,
                "stop_reason": t.stop_reason,
                "ever_started": t.ever_started,
                "pending": t.pending(),
            }
            for t in _all_tasks()
        ]


@route("POST", "/dms/task-state")
def _force_task_state(body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    """``{"arn": ..., "status": "failed", "last_failure_message": "...", "stop_reason": "..."}``"""
    if not isinstance(body, dict) or not isinstance(body.get("arn"), str) or not isinstance(
        body.get("status"), str
    ):
        raise ControlError(400, 'expected {"arn": "...", "status": "..."}')
    tick_all()
    with STATE_LOCK:
        task = next((t for t in _all_tasks() if t.arn == body["arn"]), None)
        if task is None:
            raise ControlError(404, f"no replication task {body['arn']}")
        task.force(body["status"], body.get("stop_reason"), body.get("last_failure_message"))
        return 200, task.to_dict()


def install() -> None:
    for name, fn in RESPONSE_METHODS.items():
        setattr(DatabaseMigrationServiceResponse, name, fn)
    register_ticker(_tick)
