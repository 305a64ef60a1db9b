"""DMS connection tests: ``TestConnection`` / ``DescribeConnections``.

moto 5.2.5: a connection goes ``testing`` -> ``successful`` after one Describe,
a second TestConnection of the same pair fails with HTTP 500, and filters are
OR-ed (each one replaces the previous result).  Here:

* ``TestConnection`` (strict: the instance must be ``available``, the endpoint
  ``active``; a pair already ``testing`` -> ``InvalidResourceStateFault``
  "Connection is already being tested") answers ``testing``; after
  ``connection_test_seconds`` (config, default 1) the connection is
  ``successful`` or ``failed`` with ``LastFailureMessage``.  Testing a pair again
  replaces its result.
* The outcome: config ``connection_outcomes`` keyed by endpoint identifier or
  ARN (``{"status": "failed", "message": "..."}``) wins; otherwise an endpoint
  whose engine is ``postgres``/``aurora-postgresql`` and whose server is
  ``127.0.0.1``/``localhost``/``::1`` is really logged into (pg8000, in a
  background thread, with the endpoint's user, password, database, port and
  ``SslMode``, ``verify-ca``/``verify-full`` checking the server against the PEM of the endpoint's
  ``CertificateArn`` (dms_certificates.py); with a Secrets Manager secret, its ``username``/``password``/``host``/``port``
  and ``dbname`` read at test time, ``dms_secrets.py``, and ``failed`` when the access role
  cannot read it) and the server's answer decides, e.g. ``... Message: FATAL:
  password authentication failed for user "app"``; anything else is decided
  by the network (``reachability.py``, strict mode): reachable -> successful,
  else ``failed`` after ``dms_connection_seconds.timeout`` with DMS's timeout
  message.
* ``DescribeConnections``: filters ``endpoint-arn`` and ``replication-instance-arn``
  AND-ed (unknown name -> ``InvalidParameterValueException``, strict), ``MaxRecords``
  / ``Marker`` paging; no match -> empty list.
* Connections go with their endpoint or instance (moto's delete hooks).
* A ``StartReplicationTask`` whose source or target endpoint is unreachable
  (``reachability.task_failure``) or has a ``failed``
  entry in ``connection_outcomes`` ends ``failed`` after ``starting`` (StopReason
  ``Stop Reason FATAL_ERROR``, LastFailureMessage ``Last Error Test connection
  failed for <source|target> endpoint '<id>': <message> ...``), as DMS fails a
  task that cannot reach its endpoints (``dms_tasks._connection_failure``).
  Real logins are not repeated at task start.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from moto.dms.models import DatabaseMigrationServiceBackend
from moto.dms.responses import DatabaseMigrationServiceResponse

from . import dms_certificates, dms_secrets, reachability
from .config import CONFIG
from .dms_common import (
    InvalidParameterValueException,
    InvalidResourceStateFault,
    ResourceNotFoundFault,
    backend_of,
    params,
    register_ticker,
    strict,
)

CONNECTION_FILTERS = ("endpoint-arn", "replication-instance-arn")
POSTGRES_ENGINES = ("postgres", "aurora-postgresql")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
LOGIN_TIMEOUT_SECONDS = 10


class EmuConnection:
    """One (replication instance, endpoint) connection test."""

    def __init__(self, instance: Any, endpoint: Any) -> None:
        self.replication_instance_arn = instance.arn
        self.replication_instance_identifier = instance.id
        self.endpoint_arn = endpoint.endpoint_arn
        self.endpoint_identifier = endpoint.endpoint_identifier
        self.status = "testing"
        self.last_failure_message: str | None = None
        self._due = 0.0
        self._result: tuple[str, str | None] | None = None
        self._lock = threading.Lock()

    def begin(self, endpoint: Any, verdict: Any = None) -> None:
        self.status = "testing"
        self.last_failure_message = None
        self.endpoint_identifier = endpoint.endpoint_identifier
        self._due = time.monotonic() + CONFIG.connection_test()
        outcome = CONFIG.connection_outcome(endpoint.endpoint_identifier, endpoint.endpoint_arn)
        with self._lock:
            self._result = None
        secret_failure = _secret_failure(endpoint)
        if outcome is not None:
            self._set((outcome["status"], outcome.get("message")))
        elif secret_failure is not None:
            self._set(("failed", secret_failure))
        elif _is_local_postgres(endpoint):
            login = _login_args(endpoint)
            threading.Thread(
                target=lambda: self._set(_postgres_login(endpoint.endpoint_identifier, login)),
                name=f"pg-login-{endpoint.endpoint_identifier}",
                daemon=True,
            ).start()
        elif verdict is not None and not verdict.reachable:  # reachability.py: a network timeout
            self._due = time.monotonic() + reachability.timeout_seconds()
            self._set(("failed", reachability.failure_message(endpoint, verdict)))
        else:
            self._set(("successful", None))
        self.advance(time.monotonic())

    def _set(self, result: tuple[str, str | None]) -> None:
        with self._lock:
            self._result = result

    def advance(self, now: float) -> None:
        if self.status != "testing" or now < self._due:
            return
        with self._lock:
            result = self._result
        if result is None:  # the login is still going on
            return
        self.status, message = result
        self.last_failure_message = message if self.status == "failed" else None

    def to_dict(self) -> dict[str, Any]:
        doc = {
            "ReplicationInstanceArn": self.replication_instance_arn,
            "EndpointArn": self.endpoint_arn,
            "Status": self.status,
            "LastFailureMessage": self.last_failure_message,
            "EndpointIdentifier": self.endpoint_identifier,
            "ReplicationInstanceIdentifier": self.replication_instance_identifier,
        }
        return {k: v for k, v in doc.items() if v is not None}


# ---------------------------------------------------------------------------
# real logins
# ---------------------------------------------------------------------------

def _settings(endpoint: Any) -> dict[str, Any]:
    value = getattr(endpoint, "postgre_sql_settings", None)
    return value if isinstance(value, dict) else {}


def _secret_login(endpoint: Any) -> dict[str, Any] | None:
    """The login in the endpoint's Secrets Manager secret, read now (None: no secret, or unreadable)."""
    try:
        return dms_secrets.resolve(endpoint)
    except dms_secrets.SecretProblem:
        return None


def _secret_failure(endpoint: Any) -> str | None:
    """DMS's failure when it cannot read the endpoint's secret (dms_secrets.py), else None."""
    try:
        dms_secrets.resolve(endpoint)
    except dms_secrets.SecretProblem as err:
        return f"Test connection for endpoint '{endpoint.endpoint_identifier}' failed: {err}"
    return None


def _is_local_postgres(endpoint: Any) -> bool:
    engine = str(getattr(endpoint, "engine_name", "") or "").lower()
    secret = _secret_login(endpoint)
    server = (secret or {}).get("host") or getattr(endpoint, "server_name", None) or _settings(endpoint).get("ServerName")
    return engine in POSTGRES_ENGINES and isinstance(server, str) and server.strip().lower() in LOOPBACK


def _login_args(endpoint: Any) -> dict[str, Any]:
    secret = _secret_login(endpoint)
    if secret is not None:
        server = str(secret.get("host") or "127.0.0.1").strip()
        return {
            "host": "::1" if server in ("::1", "[::1]") else server,
            "port": int(secret.get("port") or 5432),
            "user": str(secret.get("username") or ""),
            "password": secret.get("password"),
            "database": secret.get("dbname") or getattr(endpoint, "database_name", None)
            or _settings(endpoint).get("DatabaseName"),
            "ssl_mode": str(getattr(endpoint, "ssl_mode", None) or "none").lower(),
            "ca_pem": dms_certificates.pem_for(getattr(endpoint, "certificate_arn", None)),
        }
    extra = _settings(endpoint)
    server = (getattr(endpoint, "server_name", None) or extra.get("ServerName") or "127.0.0.1").strip()
    return {
        "host": "::1" if server in ("::1", "[::1]") else server,
        "port": int(getattr(endpoint, "port", None) or extra.get("Port") or 5432),
        "user": getattr(endpoint, "username", None) or extra.get("Username") or "",
        "password": getattr(endpoint, "password", None) or extra.get("Password"),
        "database": getattr(endpoint, "database_name", None) or extra.get("DatabaseName"),
        "ssl_mode": str(getattr(endpoint, "ssl_mode", None) or "none").lower(),
        "ca_pem": dms_certificates.pem_for(getattr(endpoint, "certificate_arn", None)),
    }


def _postgres_login(identifier: str, args: dict[str, Any]) -> tuple[str, str | None]:
    """Log in as DMS would test the endpoint; ``("successful", None)`` or ``("failed", message)``."""
    try:
        import pg8000.native
    except ImportError:  # pragma: no cover - pg8000 is in requirements.txt
        return "failed", "pg8000 is not installed in the emulator's venv; cannot test the login"
    ssl_context: Any = None
    if args["ssl_mode"] in ("require", "verify-ca", "verify-full"):
        import ssl

        # verify-*: the server is checked against the endpoint's imported certificate only
        # (CHAP_Security.SSL); without one, against the system's CAs.
        ca_pem = args.get("ca_pem") if args["ssl_mode"] != "require" else None
        ssl_context = ssl.create_default_context(cadata=ca_pem) if ca_pem else ssl.create_default_context()
        if args["ssl_mode"] == "require":
            ssl_context.check_hostname = False
            ssl_context.verify_mode = ssl.CERT_NONE
        elif args["ssl_mode"] == "verify-ca":
            ssl_context.check_hostname = False
    try:
        conn = pg8000.native.Connection(
            user=args["user"],
            password=args["password"],
            host=args["host"],
            port=args["port"],
            database=args["database"],
            ssl_context=ssl_context,
            timeout=LOGIN_TIMEOUT_SECONDS,
            application_name="dmslink-emulator-test-connection",
        )
        try:
            conn.run("SELECT 1")
        finally:
            conn.close()
    except Exception as err:  # noqa: BLE001 - every failure is the test's outcome
        return "failed", _failure_message(identifier, err)
    return "successful", None


def _failure_message(identifier: str, err: Exception) -> str:
    detail = err.args[0] if err.args else None
    if isinstance(detail, dict):  # a server error response: {"S": "FATAL", "C": "28P01", "M": "..."}
        severity = detail.get("S") or detail.get("V") or "ERROR"
        text = f"{severity}: {detail.get('M', '')}"
        state = detail.get("C", "08001")
    else:
        text = str(err) or type(err).__name__
        state = "08001"
    return (
        f"Test connection for endpoint '{identifier}' failed: RetCode: SQL_ERROR SqlState: {state} "
        f"NativeError: 101 Message: {text}"
    )


# ---------------------------------------------------------------------------
# response methods
# ---------------------------------------------------------------------------

def _tick(backend: DatabaseMigrationServiceBackend) -> None:
    now = time.monotonic()
    for conn in backend.connections:
        if isinstance(conn, EmuConnection):
            conn.advance(now)


def test_connection(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    doc = params(self)
    instance_arn = doc.get("ReplicationInstanceArn")
    endpoint_arn = doc.get("EndpointArn")
    instance = backend.replication_instances.get(instance_arn) if isinstance(instance_arn, str) else None
    if instance is None:
        raise ResourceNotFoundFault("Replication instance could not be found.")
    endpoint = next((e for e in backend.endpoints.values() if e.endpoint_arn == endpoint_arn), None)
    if endpoint is None:
        raise ResourceNotFoundFault("Endpoint could not be found.")
    if strict():
        if getattr(instance, "status", "available") != "available":
            raise InvalidResourceStateFault(
                f"Replication instance {instance.id} is not in available state (status: {instance.status})."
            )
        if getattr(endpoint, "status", "active") != "active":
            raise InvalidResourceStateFault(
                f"Endpoint {endpoint.endpoint_identifier} is not in active state (status: {endpoint.status})."
            )
    verdict = reachability.evaluate(backend, instance, endpoint)  # before anything changes
    conn = next(
        (
            c
            for c in backend.connections
            if c.replication_instance_arn == instance_arn and c.endpoint_arn == endpoint_arn
        ),
        None,
    )
    if conn is not None and conn.status == "testing":
        raise InvalidResourceStateFault("Connection is already being tested")
    if not isinstance(conn, EmuConnection):
        if conn is not None:
            backend.connections.remove(conn)
        conn = EmuConnection(instance, endpoint)
        backend.connections.append(conn)
    conn.begin(endpoint, verdict)
    return json.dumps({"Connection": conn.to_dict()})


def describe_connections(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    doc = params(self)
    filters = doc.get("Filters") or []
    if not isinstance(filters, list):
        raise InvalidParameterValueException("Filters must be a list")
    conns = [c for c in backend.connections if isinstance(c, EmuConnection)]
    for f in filters:
        name = f.get("Name") if isinstance(f, dict) else None
        values = (f.get("Values") or []) if isinstance(f, dict) else []
        if name not in CONNECTION_FILTERS:
            if strict():
                raise InvalidParameterValueException(
                    f"Invalid filter name {name!r}; valid filters: {', '.join(CONNECTION_FILTERS)}"
                )
            continue
        attr = "endpoint_arn" if name == "endpoint-arn" else "replication_instance_arn"
        conns = [c for c in conns if getattr(c, attr) in values]
    try:
        max_records = int(doc["MaxRecords"]) if doc.get("MaxRecords") is not None else 100
        offset = int(doc.get("Marker") or 0)
    except (TypeError, ValueError):
        raise InvalidParameterValueException("Invalid MaxRecords or Marker") from None
    if strict() and not 20 <= max_records <= 100:
        raise InvalidParameterValueException("The parameter MaxRecords must be between 20 and 100.")
    max_records = max(1, max_records)
    page = conns[offset : offset + max_records]
    out: dict[str, Any] = {"Connections": [c.to_dict() for c in page]}
    if offset + max_records < len(conns):
        out["Marker"] = str(offset + max_records)
    return json.dumps(out)


def install() -> None:
    DatabaseMigrationServiceResponse.test_connection = test_connection  # type: ignore[method-assign]
    DatabaseMigrationServiceResponse.describe_connections = describe_connections  # type: ignore[method-assign]
    register_ticker(_tick)
