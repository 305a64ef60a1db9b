"""An endpoint change is tested by DMS itself, and tasks cannot start meanwhile (strict mode).

terraform-provider-aws#46139: ``ModifyEndpoint`` starts a connection test from the replication
instance itself ("not visible in CloudTrail as TestConnection"), so a ``TestConnection`` right
after it answers "already being tested"; the acceptance output of terraform-provider-aws PR #46516
shows ``StartReplicationTask`` right after an endpoint update answering ``InvalidResourceStateFault``
"Replication Task cannot be started, invalid state".  Here:

* a successful ``ModifyEndpoint`` begins a connection test (``dms_connections.EmuConnection.begin``,
  with the same outcomes as ``TestConnection``: configured, a real login, or the network) from
  every ``available`` replication instance that has a task on the endpoint or a connection test of
  it.  AWS does not document which instances it tests from; these are the stricter plausible set.
* ``StartReplicationTask`` is refused while the connection of the task's source or target endpoint
  on the task's instance is ``testing`` (``rulebook/dms.json``
  ``endpoint.operations.StartReplicationTask``, which the Rust fakes follow too).  A test that
  ended ``failed`` does not hold the start (the task itself then fails, ``dms_connections``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from moto.dms.models import DatabaseMigrationServiceBackend
from moto.dms.responses import DatabaseMigrationServiceResponse

from . import reachability, rulebook
from .dms_common import backend_of, params, strict
from .dms_connections import EmuConnection


def _endpoint(backend: DatabaseMigrationServiceBackend, arn: Any) -> Any:
    return next((e for e in backend.endpoints.values() if e.endpoint_arn == arn), None)


def _live_tasks(backend: DatabaseMigrationServiceBackend) -> list[Any]:
    return [t for t in backend.replication_tasks.values() if not getattr(t, "gone", False)]


def _connection(backend: DatabaseMigrationServiceBackend, instance_arn: str, endpoint_arn: str) -> Any:
    return next(
        (
            c
            for c in backend.connections
            if c.replication_instance_arn == instance_arn and c.endpoint_arn == endpoint_arn
        ),
        None,
    )


def begin_tests_after_modify(backend: DatabaseMigrationServiceBackend, endpoint: Any) -> None:
    """The connection tests DMS runs after ``ModifyEndpoint`` of ``endpoint``."""
    arn = endpoint.endpoint_arn
    instances = {t.replication_instance_arn for t in _live_tasks(backend)
                 if arn in (t.source_endpoint_arn, t.target_endpoint_arn)}
    instances |= {c.replication_instance_arn for c in backend.connections if c.endpoint_arn == arn}
    for instance_arn in sorted(instances):
        instance = backend.replication_instances.get(instance_arn)
        if instance is None or getattr(instance, "status", "available") != "available":
            continue  # DMS tests only from an instance that can run tasks
        verdict = reachability.evaluate(backend, instance, endpoint)
        conn = _connection(backend, instance_arn, arn)
        if not isinstance(conn, EmuConnection):
            if conn is not None:
                backend.connections.remove(conn)
            conn = EmuConnection(instance, endpoint)
            backend.connections.append(conn)
        conn.begin(endpoint, verdict)


def check_no_test_running(backend: DatabaseMigrationServiceBackend, task: Any) -> None:
    """``InvalidResourceStateFault`` while one of the task's endpoints is being tested."""
    now = time.monotonic()
    for endpoint_arn in (task.source_endpoint_arn, task.target_endpoint_arn):
        conn = _connection(backend, task.replication_instance_arn, endpoint_arn)
        if conn is None:
            continue
        if isinstance(conn, EmuConnection):
            conn.advance(now)
        endpoint = _endpoint(backend, endpoint_arn)
        ident = endpoint.endpoint_identifier if endpoint is not None else endpoint_arn
        rulebook.check("endpoint", "StartReplicationTask", conn.status, id=ident)


def _modify_endpoint(previous: Callable[..., Any]) -> Callable[..., Any]:
    def modify(self: DatabaseMigrationServiceResponse) -> Any:
        body = previous(self)
        if strict():
            backend = backend_of(self)
            endpoint = _endpoint(backend, params(self).get("EndpointArn"))
            if endpoint is not None:
                begin_tests_after_modify(backend, endpoint)
        return body

    return modify


def _start_task(previous: Callable[..., Any]) -> Callable[..., Any]:
    def start(self: DatabaseMigrationServiceResponse) -> Any:
        if strict():
            backend = backend_of(self)
            task = backend.replication_tasks.get(params(self).get("ReplicationTaskArn") or "")
            if task is not None and not getattr(task, "gone", False):
                check_no_test_running(backend, task)
        return previous(self)

    return start


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    for name, make in (("modify_endpoint", _modify_endpoint), ("start_replication_task", _start_task)):
        previous = getattr(DatabaseMigrationServiceResponse, name)
        setattr(DatabaseMigrationServiceResponse, name, make(previous))
