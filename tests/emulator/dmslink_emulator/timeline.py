"""Timed state changes of resources other than replication tasks.

A single queue of ``(due, callback)`` events, applied lazily and in due order
before every AWS call (see ``aws_common``) and before control endpoints that
look at state.  Callers hold ``control.STATE_LOCK``.

Events carry a key (e.g. ``("rds", account, region, "mydb")``); scheduling
with ``replace=True`` drops the pending events of that key first, so a later
operation supersedes an earlier one's pending transition.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable, Hashable
from typing import Any

from .control import STATE_LOCK, on_reset, route

_seq = itertools.count()
_events: list[tuple[float, int, Hashable, str, Callable[[float], None]]] = []
_cancelled: set[int] = set()


def schedule(
    key: Hashable,
    delay: float,
    name: str,
    fn: Callable[[float], None],
    *,
    replace: bool = True,
) -> None:
    """Run ``fn(due)`` ``delay`` seconds from now (at once when ``delay <= 0``)."""
    with STATE_LOCK:
        if replace:
            cancel(key)
        now = time.monotonic()
        if delay <= 0:
            fn(now)
            return
        heapq.heappush(_events, (now + delay, next(_seq), key, name, fn))


def cancel(key: Hashable) -> None:
    with STATE_LOCK:
        for _, seq, k, _, _ in _events:
            if k == key:
                _cancelled.add(seq)


def advance(now: float | None = None) -> None:
    """Apply every event that is due."""
    with STATE_LOCK:
        now = time.monotonic() if now is None else now
        while _events and _events[0][0] <= now:
            due, seq, _, _, fn = heapq.heappop(_events)
            if seq in _cancelled:
                _cancelled.discard(seq)
                continue
            fn(due)


def pending(key_prefix: tuple[Any, ...] | None = None) -> list[dict[str, Any]]:
    """Pending events (for control endpoints), soonest first."""
    with STATE_LOCK:
        now = time.monotonic()
        out = []
        for due, seq, key, name, _ in sorted(_events):
            if seq in _cancelled:
                continue
            if key_prefix is not None and (
                not isinstance(key, tuple) or key[: len(key_prefix)] != key_prefix
            ):
                continue
            out.append({"key": list(key) if isinstance(key, tuple) else key, "to": name,
                        "in_seconds": round(max(0.0, due - now), 3)})
        return out


@on_reset
def _clear() -> None:
    _events.clear()
    _cancelled.clear()


@route("GET", "/transitions")
def _transitions(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    """Pending timed transitions of instances, gateways ... (not tasks: ``/dms/tasks``)."""
    advance()
    return 200, pending()
