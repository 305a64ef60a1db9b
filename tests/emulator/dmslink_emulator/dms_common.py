"""Shared pieces of the DMS extensions: faults, ARNs, wire format, dispatch hook.

moto's DMS responses are patched so that every call

* runs under ``control.STATE_LOCK`` (moto's DMS backend is not thread-safe and
  our state machine mutates tasks on read),
* first lets time-driven state advance (``register_ticker``), and
* is re-serialised the way AWS's ``awsJson1_1`` protocol does it: timestamps as
  epoch seconds (moto writes ISO strings, which the Rust SDK rejects: it reads
  DMS timestamps with ``Format::EpochSeconds``) and ``null`` members left out.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Callable
from typing import Any

from moto.dms.exceptions import (  # re-exported for the other modules
    DmsClientError,
    InvalidParameterCombinationException,
    InvalidResourceStateFault,
    ResourceAlreadyExistsFault,
    ResourceNotFoundFault,
)
from moto.dms.models import DatabaseMigrationServiceBackend, dms_backends
from moto.dms.responses import DatabaseMigrationServiceResponse

from .config import CONFIG
from .control import STATE_LOCK

__all__ = [
    "DmsClientError",
    "InvalidParameterCombinationException",
    "InvalidParameterValueException",
    "InvalidResourceStateFault",
    "ResourceAlreadyExistsFault",
    "ResourceNotFoundFault",
    "strict",
    "params",
    "parse_dms_arn",
    "register_ticker",
    "install",
]


class InvalidParameterValueException(DmsClientError):
    def __init__(self, message: str):
        super().__init__("InvalidParameterValueException", message)


def strict() -> bool:
    return CONFIG.is_strict()


def params(response: DatabaseMigrationServiceResponse) -> dict[str, Any]:
    """The JSON request document of a DMS call."""
    body = response.body
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    if not body:
        return {}
    try:
        doc = json.loads(body)
    except json.JSONDecodeError:
        raise InvalidParameterValueException("Request body is not valid JSON") from None
    if not isinstance(doc, dict):
        raise InvalidParameterValueException("Request body must be a JSON object")
    return doc


_ARN_RE = re.compile(r"^arn:(aws[a-z-]*):dms:([a-z0-9-]+):(\d{12}):([a-z-]+):(.+)$")


def parse_dms_arn(arn: Any) -> tuple[str, str, str, str] | None:
    """``(region, account, kind, name)`` of a DMS ARN, or None if malformed."""
    if not isinstance(arn, str):
        return None
    m = _ARN_RE.match(arn)
    if not m:
        return None
    return m.group(2), m.group(3), m.group(4), m.group(5)


# ---------------------------------------------------------------------------
# wire format
# ---------------------------------------------------------------------------

def _to_epoch(value: Any) -> Any:
    if isinstance(value, str):
        try:
            parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=_dt.timezone.utc)
        return round(parsed.timestamp(), 3)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return round(value.timestamp(), 3)
    return value


def normalise(value: Any, shape: Any) -> Any:
    """Make ``value`` look like AWS's JSON for ``shape`` (a botocore Shape)."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        out = {}
        for key, member in value.items():
            if member is None:
                continue
            sub = shape.members.get(key)
            out[key] = normalise(member, sub) if sub is not None else member
        return out
    if kind == "list" and isinstance(value, list):
        return [normalise(v, shape.member) for v in value if v is not None]
    if kind == "map" and isinstance(value, dict):
        return {k: normalise(v, shape.value) for k, v in value.items() if v is not None}
    if kind == "timestamp":
        return _to_epoch(value)
    return value


_SERVICE_MODEL: Any = None


def _output_shape(action: str) -> Any:
    global _SERVICE_MODEL
    if _SERVICE_MODEL is None:
        import botocore.session

        _SERVICE_MODEL = botocore.session.get_session().get_service_model("dms")
    try:
        return _SERVICE_MODEL.operation_model(action).output_shape
    except Exception:  # unknown operation: leave the body alone
        return None


def _fix_body(action: str, status: int, body: Any) -> Any:
    if not (200 <= status < 300) or not isinstance(body, (str, bytes)) or not body:
        return body
    try:
        doc = json.loads(body)
    except (ValueError, TypeError):
        return body
    shape = _output_shape(action)
    if shape is None:
        return body
    return json.dumps(normalise(doc, shape))


# ---------------------------------------------------------------------------
# dispatch hook
# ---------------------------------------------------------------------------

_TICKERS: list[Callable[[DatabaseMigrationServiceBackend], None]] = []


def register_ticker(fn: Callable[[DatabaseMigrationServiceBackend], None]) -> None:
    """``fn(backend)`` runs before every DMS call on that account/region backend."""
    _TICKERS.append(fn)


def tick_all() -> None:
    """Advance every DMS backend (for control endpoints that look at state)."""
    with STATE_LOCK:
        for account_backends in list(dms_backends.values()):
            for backend in list(account_backends.values()):
                for fn in _TICKERS:
                    fn(backend)


def backend_of(response: DatabaseMigrationServiceResponse) -> DatabaseMigrationServiceBackend:
    return dms_backends[response.current_account][response.region]


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    original = DatabaseMigrationServiceResponse.call_action

    def call_action(self: DatabaseMigrationServiceResponse) -> Any:
        with STATE_LOCK:
            backend = backend_of(self)
            for fn in _TICKERS:
                fn(backend)
            status, headers, body = original(self)
        try:
            action = self._get_action()
        except Exception:
            return status, headers, body
        body = _fix_body(action, int(status), body)
        headers = dict(headers)
        headers["Content-Type"] = "application/x-amz-json-1.1"
        return status, headers, body

    DatabaseMigrationServiceResponse.call_action = call_action  # type: ignore[method-assign]
