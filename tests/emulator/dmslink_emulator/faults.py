"""Fault injection and added latency, in front of moto.

``POST /_dmslink/faults`` with one rule or a list of rules::

    {"service": "dms", "action": "CreateEndpoint", "count": 1,
     "code": "InvalidParameterValueException", "message": "injected", "status": 400,
     "match": {"EndpointIdentifier": "-target"}}

* ``service`` (SigV4 signing name: ``dms``, ``ec2``, ``rds``, ``iam`` ...) and
  ``action`` select the calls; either may be left out (any).
* ``match`` (optional): every key must be a request parameter whose value
  contains the given string (JSON-encoded for lists/objects).  Top-level
  members of JSON requests; for query requests (EC2, RDS, IAM, STS) the
  flattened form names, e.g. ``DBInstanceIdentifier`` or ``SubnetId.1``.
* ``count``: how many matching calls fail (default 1; ``-1`` = until cleared).
* ``code`` (required), ``message`` (default "Injected fault"), ``status``
  (default 400; 5xx are server faults, which SDKs retry).

A faulted call is answered in its protocol's error format (awsJson: ``__type``
+ ``message``; EC2: ``<Response><Errors><Error>``; query: ``<ErrorResponse>``;
S3: ``<Error>``), never reaches moto and so changes nothing.  It is logged in
``/_dmslink/requests`` with its status and ``"injected": true``.

``GET /_dmslink/faults`` lists the rules (with ``remaining`` and ``hits``),
``DELETE /_dmslink/faults`` removes them all; ``POST /_dmslink/reset`` too.

``latency_ms`` (config) is slept before every AWS call, outside every lock.
"""

from __future__ import annotations

import io
import itertools
import json
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from .config import CONFIG
from .control import ControlError, interceptor, on_reset, route
from .request_log import REQUEST_LOG

_lock = threading.Lock()
_rules: list[dict[str, Any]] = []
_ids = itertools.count(1)

_JSON10_PREFIX = {"dynamodb": "com.amazonaws.dynamodb.v20120810"}
_QUERY_XMLNS = {
    "rds": "http://rds.amazonaws.com/doc/2014-10-31/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}
_FIELDS = {"service", "action", "count", "code", "message", "status", "match"}


def _validate(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise ControlError(400, "a fault is a JSON object")
    unknown = set(doc) - _FIELDS
    if unknown:
        raise ControlError(400, f"unknown fault keys {sorted(unknown)}; known: {sorted(_FIELDS)}")
    code = doc.get("code")
    if not isinstance(code, str) or not code:
        raise ControlError(400, "code: a non-empty string is required")
    for key in ("service", "action", "message"):
        if key in doc and doc[key] is not None and not isinstance(doc[key], str):
            raise ControlError(400, f"{key}: expected a string")
    count = doc.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or (count < 1 and count != -1):
        raise ControlError(400, "count: a positive integer, or -1 for every call")
    status = doc.get("status", 400)
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise ControlError(400, "status: an HTTP error status 400..599")
    match = doc.get("match") or {}
    if not isinstance(match, dict) or not all(isinstance(v, str) for v in match.values()):
        raise ControlError(400, "match: an object {parameter: substring}")
    return {
        "id": next(_ids),
        "service": (doc.get("service") or None) and doc["service"].lower(),
        "action": doc.get("action") or None,
        "match": dict(match),
        "code": code,
        "message": doc.get("message") or "Injected fault",
        "status": status,
        "remaining": count,
        "hits": 0,
    }


@route("POST", "/faults")
def _add(body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    docs = body if isinstance(body, list) else [body]
    rules = [_validate(d) for d in docs]
    with _lock:
        _rules.extend(rules)
    return 200, rules if isinstance(body, list) else rules[0]


@route("GET", "/faults")
def _list(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    with _lock:
        return 200, [dict(r) for r in _rules]


@route("DELETE", "/faults")
def _clear(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    with _lock:
        n = len(_rules)
        _rules.clear()
    return 200, {"cleared": n}


@on_reset
def _reset() -> None:
    with _lock:
        _rules.clear()


# ---------------------------------------------------------------------------
# request side
# ---------------------------------------------------------------------------

def _request_params(environ: dict[str, Any]) -> dict[str, str]:
    """Flat request parameters (the body is put back for moto)."""
    out: dict[str, str] = {}
    for key, value in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True):
        out[key] = value
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0 or length > 16 * 1024 * 1024:
        return out
    raw = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(raw)
    text = raw.decode("utf-8", "replace")
    ctype = environ.get("CONTENT_TYPE", "")
    if "json" in ctype or environ.get("HTTP_X_AMZ_TARGET"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            return out
        if isinstance(doc, dict):
            for key, value in doc.items():
                out[key] = value if isinstance(value, str) else json.dumps(value)
    elif "x-www-form-urlencoded" in ctype:
        out.update(parse_qsl(text, keep_blank_values=True))
    return out


def _take(service: str, action: str, environ: dict[str, Any]) -> dict[str, Any] | None:
    with _lock:
        if not _rules:
            return None
        candidates = [
            r
            for r in _rules
            if (r["service"] is None or r["service"] == service)
            and (r["action"] is None or r["action"] == action)
        ]
    if not candidates:
        return None
    request = _request_params(environ) if any(r["match"] for r in candidates) else {}
    with _lock:
        for rule in candidates:
            if rule not in _rules or rule["remaining"] == 0:
                continue
            if all(sub in str(request.get(k, "")) for k, sub in rule["match"].items()) and all(
                k in request for k in rule["match"]
            ):
                rule["hits"] += 1
                if rule["remaining"] > 0:
                    rule["remaining"] -= 1
                    if rule["remaining"] == 0:
                        _rules.remove(rule)
                return dict(rule)
    return None


def _error_body(service: str, environ: dict[str, Any], rule: dict[str, Any], request_id: str) -> tuple[bytes, str]:
    code, message = escape(rule["code"]), escape(rule["message"])
    if environ.get("HTTP_X_AMZ_TARGET"):
        error_type = rule["code"]
        if service in _JSON10_PREFIX:
            error_type = f"{_JSON10_PREFIX[service]}#{error_type}"
        body = json.dumps({"__type": error_type, "message": rule["message"]})
        ctype = "application/x-amz-json-1.0" if service in _JSON10_PREFIX else "application/x-amz-json-1.1"
        return body.encode(), ctype
    if service == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
        return body.encode(), "text/xml"
    if service == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
            f"<Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
        )
        return body.encode(), "application/xml"
    xmlns = _QUERY_XMLNS.get(service, f"https://{service}.amazonaws.com/doc/")
    kind = "Receiver" if rule["status"] >= 500 else "Sender"
    body = (
        f'<ErrorResponse xmlns="{xmlns}"><Error><Type>{kind}</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return body.encode(), "text/xml"


@interceptor
def intercept(service: str, action: str, environ: dict[str, Any], start_response: Any, entry: dict[str, Any]) -> list[bytes] | None:
    """Sleep the configured latency; answer with an injected fault, or None to go on."""
    delay = CONFIG.latency()
    if delay > 0:
        time.sleep(delay)
    rule = _take(service, action, environ)
    if rule is None:
        return None
    request_id = str(uuid.uuid4())
    body, ctype = _error_body(service, environ, rule, request_id)
    REQUEST_LOG.annotate(entry, injected=True, fault_code=rule["code"])
    reason = "Bad Request" if rule["status"] < 500 else "Service Unavailable"
    start_response(
        f"{rule['status']} {reason}",
        [
            ("Content-Type", ctype),
            ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", request_id),
            ("x-amz-request-id", request_id),
        ],
    )
    return [body]


def install() -> None:
    """Routes register on import."""
