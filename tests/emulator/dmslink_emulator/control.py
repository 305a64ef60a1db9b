"""WSGI front of the emulator: control endpoints and request logging.

Everything under ``/_dmslink/`` is answered here; every other request is
logged in ``REQUEST_LOG`` (unless it is one of moto's own ``/moto-api/``
calls) and handed to moto's dispatcher.

Control endpoints (all JSON):

``GET    /_dmslink/health``         ``{"status": "ok", ...}``
``GET    /_dmslink/requests``       list of ``{"service","action","time","status","access_key"}``;
                                    ``?service=dms`` filters
``DELETE /_dmslink/requests``       clears the list, ``{"cleared": N}``
``GET    /_dmslink/config``         current timings / strictness
``POST   /_dmslink/config``         partial update, see ``config.Config.update``
``POST   /_dmslink/reset``          wipes all moto state, the request log, and the
                                    config back to its start-up values

Service modules add their own routes with ``route()`` (``dms_tasks``: ``/dms/tasks``,
``/dms/task-state``; ``dms_tables``: ``/task-failure``, ``/dms/catalogue``; ``faults``:
``/faults``, ``/faults/counters``; ``inventory``: ``/inventory``; ``timeline``: ``/transitions``) and request
interceptors with ``interceptor()`` (``faults``: injected errors, dropped connections and latency).

An interceptor may also set ``environ[LOSE_ANSWER]``: the call is then served by moto as usual (its
effect happens, its status is logged) and the connection is dropped instead of answering — what a
client sees when a response is lost on the way back.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from .config import CONFIG, ConfigError
from .request_log import REQUEST_LOG, access_key_of, classify

PREFIX = "/_dmslink"

Handler = Callable[[Any, dict[str, list[str]]], tuple[int, Any]]
_ROUTES: dict[tuple[str, str], Handler] = {}
_RESET_HOOKS: list[Callable[[], None]] = []
# (service, action, environ, start_response, log entry) -> response body, or None to go on
Interceptor = Callable[[str, str, dict[str, Any], Any, dict[str, Any]], Any]
_INTERCEPTORS: list[Interceptor] = []
_CONFIG_HOOKS: list[Callable[[dict[str, Any]], None]] = []
# environ key: serve the call, then drop the connection without an answer
LOSE_ANSWER = "dmslink.lose_answer"
# Seconds the answer of a served call is held before it is sent (the fault kind ``hold``).
HOLD_ANSWER = "dmslink.hold_answer"

# Held while moto's whole state is reset, so that no call runs half before and
# half after.  Service extensions that serialise their own calls take it too.
STATE_LOCK = threading.RLock()


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def route(method: str, path: str) -> Callable[[Handler], Handler]:
    """Register ``handler(body, query) -> (status, json_doc)`` at ``/_dmslink<path>``."""

    def register(handler: Handler) -> Handler:
        _ROUTES[(method.upper(), PREFIX + path)] = handler
        return handler

    return register


def interceptor(fn: Interceptor) -> Interceptor:
    """Run ``fn`` before every AWS call; a non-None result is the response (moto is skipped)."""
    _INTERCEPTORS.append(fn)
    return fn


def on_config(hook: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """Run ``hook(doc)`` after ``POST /_dmslink/config`` accepted ``doc``."""
    _CONFIG_HOOKS.append(hook)
    return hook


def drop_connection(environ: dict[str, Any], why: str, read_body: bool) -> None:
    """Close the client's connection with no response (RST), and raise to stop this request.

    With ``read_body`` (a body nobody has read yet) the body is read first, so that the client has
    sent all of it and sees the connection end while it waits for the answer. werkzeug treats a ``ConnectionError`` raised by the
    application as a dropped connection and writes nothing.
    """
    try:
        remaining = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        remaining = 0
    stream = environ.get("wsgi.input")
    if read_body and stream is not None and 0 < remaining <= 16 * 1024 * 1024:
        try:
            stream.read(remaining)
        except (OSError, ValueError):
            pass
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        try:
            # linger 0: closing sends a reset rather than a graceful FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionAbortedError(f"dmslink emulator: connection dropped ({why})")


def on_reset(hook: Callable[[], None]) -> Callable[[], None]:
    """Run ``hook`` on ``POST /_dmslink/reset`` (after moto's state is wiped)."""
    _RESET_HOOKS.append(hook)
    return hook


@route("GET", "/health")
def _health(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    import moto

    return 200, {
        "status": "ok",
        "moto_version": moto.__version__,
        "strict": CONFIG.is_strict(),
    }


@route("GET", "/requests")
def _get_requests(_body: Any, query: dict[str, list[str]]) -> tuple[int, Any]:
    service = query.get("service", [None])[0]
    return 200, REQUEST_LOG.entries(service)


@route("DELETE", "/requests")
def _clear_requests(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    return 200, {"cleared": REQUEST_LOG.clear()}


@route("GET", "/config")
def _get_config(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    return 200, CONFIG.snapshot()


@route("POST", "/config")
def _post_config(body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    try:
        CONFIG.update(body if body is not None else {})
    except ConfigError as err:
        raise ControlError(400, str(err)) from None
    for hook in _CONFIG_HOOKS:
        hook(body if isinstance(body, dict) else {})
    return 200, CONFIG.snapshot()


@route("POST", "/reset")
def _reset(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    from moto.moto_api._internal.models import moto_api_backend

    with STATE_LOCK:
        moto_api_backend.reset()
        for hook in _RESET_HOOKS:
            hook()
        REQUEST_LOG.clear()
        CONFIG.reset()
    return 200, {"status": "reset", "config": CONFIG.snapshot()}


def _json_response(start_response: Any, status: int, doc: Any) -> list[bytes]:
    body = json.dumps(doc, indent=None, default=str).encode("utf-8")
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}.get(
        status, "Error"
    )
    start_response(
        f"{status} {reason}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


class EmulatorApp:
    """WSGI middleware in front of moto's ``DomainDispatcherApplication``."""

    def __init__(self, inner: Callable[..., Any]) -> None:
        self.inner = inner

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "") or ""
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self._control(environ, start_response, path)
        if path.startswith("/moto-api") or path == "/favicon.ico" or path.startswith("/latest/"):
            return self.inner(environ, start_response)

        service, action = classify(environ)
        entry = REQUEST_LOG.record(service, action, access_key_of(environ))

        def logging_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            try:
                REQUEST_LOG.set_status(entry, int(status.split()[0]))
            except (ValueError, IndexError):
                pass
            return start_response(status, headers, exc_info)

        for fn in _INTERCEPTORS:
            answer = fn(service, action, environ, logging_start_response, entry)
            if answer is not None:
                return answer
        if environ.get(LOSE_ANSWER):
            return self._serve_and_drop(environ, entry)
        if environ.get(HOLD_ANSWER):
            return self._serve_and_hold(environ, entry, logging_start_response, environ[HOLD_ANSWER])
        return self.inner(environ, logging_start_response)

    def _serve_and_hold(self, environ: dict[str, Any], entry: dict[str, Any], start_response: Any,
                        seconds: float) -> list[bytes]:
        """Let moto serve the call completely (status logged), hold the answer ``seconds``, then send it.

        The server writes nothing before the application returns, so the client waits the whole time.
        """
        body = self.inner(environ, start_response)
        try:
            chunks = list(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        time.sleep(seconds)
        REQUEST_LOG.annotate(entry, answered=True)
        return chunks

    def _serve_and_drop(self, environ: dict[str, Any], entry: dict[str, Any]) -> list[bytes]:
        """Let moto serve the call completely, log its status, then drop the connection unanswered."""

        def capture(status: str, _headers: Any, _exc_info: Any = None) -> Callable[[bytes], None]:
            try:
                REQUEST_LOG.set_status(entry, int(status.split()[0]))
            except (ValueError, IndexError):
                pass
            return lambda _data: None

        body = self.inner(environ, capture)
        try:
            for _chunk in body:
                pass
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        drop_connection(environ, "answer lost", read_body=False)
        return []  # not reached: drop_connection raises

    def _control(self, environ: dict[str, Any], start_response: Any, path: str) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = path.rstrip("/") or path
        handler = _ROUTES.get((method, path))
        if handler is None:
            if any(p == path for (_, p) in _ROUTES):
                return _json_response(start_response, 405, {"error": f"{method} not allowed on {path}"})
            return _json_response(
                start_response,
                404,
                {"error": f"no such control endpoint {path}", "endpoints": sorted(f"{m} {p}" for m, p in _ROUTES)},
            )
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        body: Any = None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > 0:
            raw = environ["wsgi.input"].read(length)
            try:
                body = json.loads(raw.decode("utf-8")) if raw.strip() else None
            except (UnicodeDecodeError, json.JSONDecodeError) as err:
                return _json_response(start_response, 400, {"error": f"body is not JSON: {err}"})
        try:
            status, doc = handler(body, query)
        except ControlError as err:
            return _json_response(start_response, err.status, {"error": err.message})
        return _json_response(start_response, status, doc)
