"""Fault injection and added latency, in front of moto.

``POST /_dmslink/faults`` with one rule or a list of rules::

    {"service": "dms", "action": "CreateEndpoint", "count": 1,
     "code": "InvalidParameterValueException", "message": "injected", "status": 400,
     "match": {"EndpointIdentifier": "-target"}}
    {"kind": "lost", "service": "ec2", "action": ["CreateSubnet", "CreateVpc"], "probability": 0.5,
     "count": -1}

* ``service`` (SigV4 signing name: ``dms``, ``ec2``, ``rds``, ``iam`` ...) and
  ``action`` (a name or a list of names) select the calls; either may be left out (any).
* ``match`` (optional): every key must be a request parameter whose value
  contains the given string (JSON-encoded for lists/objects).  Top-level
  members of JSON requests; for query requests (EC2, RDS, IAM, STS) the
  flattened form names, e.g. ``DBInstanceIdentifier`` or ``SubnetId.1``.
* ``kind`` (default ``error``):

  - ``error``: answer ``code`` (required), ``message`` (default "Injected fault"), ``status``
    (400..599, default 400);
  - ``throttle``: the service's throttling error (``fault_answers.throttle``: EC2
    ``RequestLimitExceeded`` 503, RDS/IAM/STS ``Throttling`` 400, DMS/DynamoDB ``ThrottlingException``
    400, S3 ``SlowDown`` 503); ``code``/``status``/``message`` override;
  - ``server``: a 5xx (``status`` 500..599, default 500; ``InternalFailure``/``InternalError``, or
    ``ServiceUnavailable``/``Unavailable`` for 503);
  - ``reset``: the connection is reset before the call is served: it has no effect;
  - ``lost``: the call is served (its effect happens) and the connection is then reset instead of
    answering: the lost response the SDKs retry;
  - ``delay``: ``delay_ms`` (required) is slept, then the call is served;
  - ``hold``: the call is served at once (its effect happens, its status is logged) and its answer
    is held ``delay_ms`` (required) before it is sent: a window in which a test sees the call served
    in the log while the client still waits (the kill matrix kills the provider there).  The log
    entry says ``answered: false`` until the answer is sent.

  The three error kinds never reach moto and so change nothing; they are answered in the
  protocol's error format (``fault_answers.error_body``).
* ``probability`` (0..1, default 1): the chance that a matching call is hit.
* ``count``: how many calls the rule hits (default 1; ``-1`` = until cleared); a used-up rule
  disappears.

One uniform draw ``u`` decides each AWS call: the matching rules, in the order they were added,
own consecutive slices of [0, 1) as wide as their probabilities, and the rule whose slice holds ``u``
hits (none when ``u`` lies beyond them).  So rules of 15 %, 5 %, 2 % and 3 % hit 15 %, 5 %, 2 % and
3 % of the calls, and at most one rule hits a call.  ``u`` is a hash of (seed, service, action, n)
where n counts the calls of that service:action: the same seed and the same calls per operation
give the same injections whatever the interleaving of different operations.  The seed is
``fault_seed`` in the config (``DMSLINK_EMU_FAULT_SEED``, ``--fault-seed``, ``POST /_dmslink/config``);
setting it, and ``POST /_dmslink/reset``, restart every n at 0.

Every hit is logged in ``/_dmslink/requests`` with ``"injected": true``, ``fault_kind``,
``fault_rule`` (the rule's id), ``fault_code`` for error kinds, ``served`` (whether moto handled
the call) and ``answered`` (false for ``reset``/``lost``); a lost call's ``status`` is the status
moto answered, which the client never saw.

``GET /_dmslink/faults`` lists the rules (with ``remaining`` and ``hits``),
``DELETE /_dmslink/faults`` removes them all.  ``GET /_dmslink/faults/counters``:
``{"calls": N, "injected": N, "kinds": {kind: N}, "operations": {"ec2:CreateSubnet": {"calls": N,
kind: N}}}``; ``DELETE`` zeroes them.  Rules given at start (``--faults`` / ``DMSLINK_EMU_FAULTS``: a
JSON rule or list, inline or a file path) are active from the first call; ``POST /_dmslink/reset``
brings back exactly those and zeroes the counters.

``latency_ms`` (config) is slept before every AWS call, outside every lock.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import threading
import time
import uuid
from collections import Counter, defaultdict
from typing import Any

from . import fault_answers
from .config import CONFIG
from .control import HOLD_ANSWER, LOSE_ANSWER, ControlError, drop_connection, interceptor, on_config, on_reset, route
from .fault_params import request_params
from .request_log import REQUEST_LOG

KINDS = ("error", "throttle", "server", "reset", "lost", "delay", "hold")
_TIMED = ("delay", "hold")
_ANSWERING = ("error", "throttle", "server")
_FIELDS = {"service", "action", "count", "code", "message", "status", "match", "kind", "probability", "delay_ms"}
_MAX_DELAY_MS = 600_000

_lock = threading.Lock()
_rules: list[dict[str, Any]] = []
_startup_rules: list[dict[str, Any]] = []
_ids = itertools.count(1)
# calls seen per (service, action) since the seed was set: the n of each draw
_draw_index: Counter[tuple[str, str]] = Counter()
_calls: Counter[str] = Counter()
_injected: defaultdict[str, Counter[str]] = defaultdict(Counter)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _actions(value: Any) -> list[str] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(a, str) and a for a in value):
        return list(value)
    raise ControlError(400, "action: a name or a non-empty list of names")


def _validate(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise ControlError(400, "a fault is a JSON object")
    unknown = set(doc) - _FIELDS
    if unknown:
        raise ControlError(400, f"unknown fault keys {sorted(unknown)}; known: {sorted(_FIELDS)}")
    kind = doc.get("kind", "error")
    if kind not in KINDS:
        raise ControlError(400, f"kind: one of {list(KINDS)}")
    for key in ("service", "message", "code"):
        if key in doc and doc[key] is not None and not isinstance(doc[key], str):
            raise ControlError(400, f"{key}: expected a string")
    code = doc.get("code") or None
    if kind == "error" and code is None:
        raise ControlError(400, "code: a non-empty string is required for kind error")
    if kind not in _ANSWERING:
        given = sorted(k for k in ("code", "message", "status") if k in doc)
        if given:
            raise ControlError(400, f"{given}: only for kinds {list(_ANSWERING)}")
    status = doc.get("status")
    if status is not None:
        low = 500 if kind == "server" else 400
        if isinstance(status, bool) or not isinstance(status, int) or not low <= status <= 599:
            raise ControlError(400, f"status: an HTTP error status {low}..599")
    elif kind == "error":
        status = 400
    elif kind == "server":
        status = 500
    delay_ms = doc.get("delay_ms")
    if kind in _TIMED:
        if not _is_number(delay_ms) or not 0 < delay_ms <= _MAX_DELAY_MS:
            raise ControlError(400, f"delay_ms: a number of milliseconds in (0, {_MAX_DELAY_MS}] is required")
    elif delay_ms is not None:
        raise ControlError(400, f"delay_ms: only for kinds {list(_TIMED)}")
    probability = doc.get("probability", 1)
    if not _is_number(probability) or not 0 <= probability <= 1:
        raise ControlError(400, "probability: a number in [0, 1]")
    count = doc.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or (count < 1 and count != -1):
        raise ControlError(400, "count: a positive integer, or -1 for every call")
    match = doc.get("match") or {}
    if not isinstance(match, dict) or not all(isinstance(v, str) for v in match.values()):
        raise ControlError(400, "match: an object {parameter: substring}")
    service = doc.get("service") or None
    return {
        "kind": kind,
        "service": service.lower() if service else None,
        "action": _actions(doc.get("action")),
        "match": dict(match),
        "probability": float(probability),
        "code": code,
        "message": doc.get("message") or ("Injected fault" if kind == "error" else None),
        "status": status,
        "delay_ms": delay_ms,
        "remaining": count,
        "hits": 0,
    }


def _public(rule: dict[str, Any]) -> dict[str, Any]:
    out = dict(rule)
    if out["action"] is not None and len(out["action"]) == 1:
        out["action"] = out["action"][0]
    return out


def _add_rules(body: Any) -> list[dict[str, Any]]:
    docs = body if isinstance(body, list) else [body]
    rules = [_validate(d) for d in docs]
    with _lock:
        for rule in rules:
            rule["id"] = next(_ids)
        _rules.extend(rules)
    return rules


@route("POST", "/faults")
def _add(body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    rules = [_public(r) for r in _add_rules(body)]
    return 200, rules if isinstance(body, list) else rules[0]


@route("GET", "/faults")
def _list(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    with _lock:
        return 200, [_public(r) for r in _rules]


@route("DELETE", "/faults")
def _clear(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    with _lock:
        n = len(_rules)
        _rules.clear()
    return 200, {"cleared": n}


def _counters() -> dict[str, Any]:
    with _lock:
        kinds: Counter[str] = Counter()
        operations: dict[str, dict[str, int]] = {}
        for op, calls in sorted(_calls.items()):
            entry = {"calls": calls, **dict(_injected.get(op, {}))}
            operations[op] = entry
            kinds.update(_injected.get(op, {}))
        return {
            "calls": sum(_calls.values()),
            "injected": sum(kinds.values()),
            "kinds": {k: kinds.get(k, 0) for k in KINDS},
            "operations": operations,
        }


@route("GET", "/faults/counters")
def _get_counters(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    return 200, _counters()


@route("DELETE", "/faults/counters")
def _clear_counters(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    doc = _counters()
    with _lock:
        _calls.clear()
        _injected.clear()
    return 200, doc


@on_config
def _seed_set(doc: dict[str, Any]) -> None:
    if "fault_seed" in doc:
        with _lock:
            _draw_index.clear()


@on_reset
def _reset() -> None:
    global _ids
    with _lock:
        _rules.clear()
        _ids = itertools.count(1)
        _draw_index.clear()
        _calls.clear()
        _injected.clear()
    if _startup_rules:
        _add_rules(_startup_rules)


def load_startup_rules(spec: str) -> int:
    """Install the rules of ``spec`` (inline JSON, or the path of a JSON file) as the start-up rules."""
    text = spec.strip()
    if not text.startswith(("{", "[")):
        try:
            with open(os.path.expanduser(text), encoding="utf-8") as f:
                text = f.read()
        except OSError as err:
            raise ValueError(f"fault rules file {spec!r}: {err}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"fault rules: not JSON ({err})") from None
    docs = doc if isinstance(doc, list) else [doc]
    try:
        rules = _add_rules(docs)
    except ControlError as err:
        raise ValueError(f"fault rules: {err.message}") from None
    _startup_rules[:] = docs
    return len(rules)


# ---------------------------------------------------------------------------
# request side
# ---------------------------------------------------------------------------

def _draw(seed: int, service: str, action: str, n: int) -> float:
    """A uniform number in [0, 1) fixed by its inputs."""
    digest = hashlib.blake2b(f"{seed}/{service}/{action}/{n}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _applies(rule: dict[str, Any], service: str, action: str) -> bool:
    return (
        rule["remaining"] != 0
        and (rule["service"] is None or rule["service"] == service)
        and (rule["action"] is None or action in rule["action"])
    )


def _take(service: str, action: str, environ: dict[str, Any]) -> dict[str, Any] | None:
    op = f"{service}:{action}"
    seed = CONFIG.seed()
    with _lock:
        _calls[op] += 1
        n = _draw_index[(service, action)]
        _draw_index[(service, action)] += 1
        candidates = [r for r in _rules if _applies(r, service, action)]
    if not candidates:
        return None
    request = request_params(environ) if any(r["match"] for r in candidates) else {}
    u = _draw(seed, service, action, n)
    edge = 0.0
    with _lock:
        for rule in candidates:
            if not all(k in request and sub in str(request[k]) for k, sub in rule["match"].items()):
                continue
            edge += rule["probability"]
            if u >= edge:
                continue
            if rule not in _rules or rule["remaining"] == 0:
                return None  # used up meanwhile by a concurrent call
            rule["hits"] += 1
            if rule["remaining"] > 0:
                rule["remaining"] -= 1
                if rule["remaining"] == 0:
                    _rules.remove(rule)
            _injected[op][rule["kind"]] += 1
            return dict(rule)
    return None


def _answer(service: str, environ: dict[str, Any], rule: dict[str, Any], start_response: Any,
            entry: dict[str, Any]) -> list[bytes]:
    kind = rule["kind"]
    if kind == "throttle":
        code, status, message = fault_answers.throttle(service, environ)
    else:
        status = rule["status"]
        code, message = fault_answers.server(service, environ, status) if kind == "server" else ("", "")
    code = rule["code"] or code
    message = rule["message"] or message
    status = rule["status"] or status
    request_id = str(uuid.uuid4())
    body, ctype = fault_answers.error_body(service, environ, code, message, status, request_id)
    REQUEST_LOG.annotate(entry, fault_code=code, served=False, answered=True)
    start_response(
        f"{status} {fault_answers.reason(status)}",
        [
            ("Content-Type", ctype),
            ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", request_id),
            ("x-amz-request-id", request_id),
        ],
    )
    return [body]


@interceptor
def intercept(service: str, action: str, environ: dict[str, Any], start_response: Any, entry: dict[str, Any]) -> list[bytes] | None:
    """Sleep the configured latency; inject a fault, or return None to go on."""
    delay = CONFIG.latency()
    if delay > 0:
        time.sleep(delay)
    rule = _take(service, action, environ)
    if rule is None:
        return None
    kind = rule["kind"]
    REQUEST_LOG.annotate(entry, injected=True, fault_kind=kind, fault_rule=rule["id"])
    if kind in _ANSWERING:
        return _answer(service, environ, rule, start_response, entry)
    if kind == "reset":
        REQUEST_LOG.annotate(entry, served=False, answered=False)
        drop_connection(environ, "injected reset", read_body=True)
    if kind == "lost":
        REQUEST_LOG.annotate(entry, served=True, answered=False)
        environ[LOSE_ANSWER] = True
        return None
    if kind == "hold":
        REQUEST_LOG.annotate(entry, served=True, answered=False, delay_ms=rule["delay_ms"])
        environ[HOLD_ANSWER] = rule["delay_ms"] / 1000.0
        return None
    # delay
    REQUEST_LOG.annotate(entry, served=True, answered=True, delay_ms=rule["delay_ms"])
    time.sleep(rule["delay_ms"] / 1000.0)
    return None


def install() -> None:
    """Routes register on import; start-up rules come from ``serve.py``."""
