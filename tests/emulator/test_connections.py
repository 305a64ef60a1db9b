"""TestConnection / DescribeConnections: configurable outcomes, real logins to a local PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import Emulator
from test_emulator import fault, make_refs

FAST = {"connection_test_seconds": 0.3}


def wait_connection(dms: Any, instance: str, endpoint: str, timeout: float = 15.0) -> tuple[dict[str, Any], list[str]]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        conns = dms.describe_connections(Filters=[
            {"Name": "endpoint-arn", "Values": [endpoint]},
            {"Name": "replication-instance-arn", "Values": [instance]},
        ])["Connections"]
        assert len(conns) == 1, conns
        if not seen or seen[-1] != conns[0]["Status"]:
            seen.append(conns[0]["Status"])
        if conns[0]["Status"] != "testing":
            return conns[0], seen
        assert time.monotonic() < deadline, f"connection still testing after {timeout}s"
        time.sleep(0.03)


def wait_instance(dms: Any, arn: str) -> None:
    deadline = time.monotonic() + 10
    while dms.describe_replication_instances(
        Filters=[{"Name": "replication-instance-arn", "Values": [arn]}]
    )["ReplicationInstances"][0]["ReplicationInstanceStatus"] != "available":
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_connection_succeeds_by_default(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", FAST)
    refs = make_refs(dms)
    wait_instance(dms, refs["instance"])
    conn = dms.test_connection(ReplicationInstanceArn=refs["instance"], EndpointArn=refs["source"])["Connection"]
    assert conn["Status"] == "testing" and "LastFailureMessage" not in conn
    assert conn["EndpointIdentifier"] == "src" and conn["ReplicationInstanceIdentifier"] == "ri"
    # a second test while testing is refused, as AWS does
    fault(dms.test_connection, "InvalidResourceStateFault",
          ReplicationInstanceArn=refs["instance"], EndpointArn=refs["source"])
    done, seen = wait_connection(dms, refs["instance"], refs["source"])
    assert seen[-1] == "successful" and "LastFailureMessage" not in done
    # tested again: testing, then the result again (moto answered HTTP 500 here)
    again = dms.test_connection(ReplicationInstanceArn=refs["instance"], EndpointArn=refs["source"])
    assert again["Connection"]["Status"] == "testing"
    assert wait_connection(dms, refs["instance"], refs["source"])[0]["Status"] == "successful"


def test_connection_outcome_configured_per_endpoint(emulator: Emulator, dms: Any) -> None:
    refs = make_refs(dms)
    wait_instance(dms, refs["instance"])
    message = 'ORA-01017: invalid username/password; logon denied'
    status, cfg = emulator.control("POST", "/config", {
        **FAST,
        "connection_outcomes": {
            "src": {"status": "failed", "message": message},  # by identifier
            refs["target"]: {"status": "successful"},  # by ARN
        },
    })
    assert status == 200 and cfg["connection_outcomes"]["src"]["message"] == message
    for arn in (refs["source"], refs["target"]):
        dms.test_connection(ReplicationInstanceArn=refs["instance"], EndpointArn=arn)
    src, seen = wait_connection(dms, refs["instance"], refs["source"])
    assert seen == ["testing", "failed"] and src["LastFailureMessage"] == message
    assert wait_connection(dms, refs["instance"], refs["target"])[0]["Status"] == "successful"
    # dropping the entry: the next test succeeds and the message goes
    emulator.control("POST", "/config", {"connection_outcomes": {"src": None}})
    dms.test_connection(ReplicationInstanceArn=refs["instance"], EndpointArn=refs["source"])
    src, _ = wait_connection(dms, refs["instance"], refs["source"])
    assert src["Status"] == "successful" and "LastFailureMessage" not in src
    # bad documents
    for bad in ({"src": {"status": "meh"}}, {"src": "failed"}, ["src"], {"src": {"status": "failed", "x": 1}}):
        assert emulator.control("POST", "/config", {"connection_outcomes": bad})[0] == 400
    # a failed outcome without a message gets a generic one; reset forgets outcomes
    emulator.control("POST", "/config", {"connection_outcomes": {"tgt": {"status": "failed"}}})
    assert emulator.control("GET", "/config")[1]["connection_outcomes"]["tgt"]["message"]
    emulator.control("POST", "/reset")
    assert emulator.control("GET", "/config")[1]["connection_outcomes"] == {}


def test_describe_connections_filters_and_refusals(emulator: Emulator, dms: Any) -> None:
    emulator.control("POST", "/config", {**FAST, "connection_outcomes": {"tgt": {"status": "failed", "message": "no"}}})
    refs = make_refs(dms)
    ri2 = dms.create_replication_instance(
        ReplicationInstanceIdentifier="ri2", ReplicationInstanceClass="dms.t3.small"
    )["ReplicationInstance"]["ReplicationInstanceArn"]
    # not available yet
    fault(dms.test_connection, "InvalidResourceStateFault", ReplicationInstanceArn=ri2, EndpointArn=refs["source"])
    wait_instance(dms, refs["instance"])
    wait_instance(dms, ri2)
    for ri in (refs["instance"], ri2):
        for ep in (refs["source"], refs["target"]):
            dms.test_connection(ReplicationInstanceArn=ri, EndpointArn=ep)
    assert len(dms.describe_connections()["Connections"]) == 4
    by_ep = dms.describe_connections(Filters=[{"Name": "endpoint-arn", "Values": [refs["target"]]}])["Connections"]
    assert {c["ReplicationInstanceArn"] for c in by_ep} == {refs["instance"], ri2}
    by_ri = dms.describe_connections(Filters=[{"Name": "replication-instance-arn", "Values": [ri2]}])["Connections"]
    assert {c["EndpointArn"] for c in by_ri} == {refs["source"], refs["target"]}
    both = dms.describe_connections(Filters=[
        {"Name": "replication-instance-arn", "Values": [ri2]},
        {"Name": "endpoint-arn", "Values": [refs["target"]]},
    ])["Connections"]
    assert len(both) == 1  # AND-ed (moto: the last filter alone)
    time.sleep(0.4)
    statuses = {(c["ReplicationInstanceArn"], c["EndpointArn"]): c for c in dms.describe_connections()["Connections"]}
    assert statuses[(ri2, refs["target"])]["Status"] == "failed"
    assert statuses[(ri2, refs["target"])]["LastFailureMessage"] == "no"
    assert statuses[(ri2, refs["source"])]["Status"] == "successful"
    page = dms.describe_connections(MaxRecords=20)
    assert len(page["Connections"]) == 4 and "Marker" not in page
    fault(dms.describe_connections, "InvalidParameterValueException", Filters=[{"Name": "endpoint-id", "Values": ["x"]}])
    fault(dms.describe_connections, "InvalidParameterValueException", MaxRecords=5)
    missing = refs["source"].rsplit(":", 1)[0] + ":NOPE"
    fault(dms.test_connection, "ResourceNotFoundFault", ReplicationInstanceArn=refs["instance"], EndpointArn=missing)
    fault(dms.test_connection, "ResourceNotFoundFault", ReplicationInstanceArn=missing.replace(":endpoint:", ":rep:"),
          EndpointArn=refs["source"])
    assert dms.describe_connections(Filters=[{"Name": "endpoint-arn", "Values": [missing]}])["Connections"] == []
    # the connections go with their endpoint, once it is gone (deleting first, as on AWS)
    assert dms.delete_endpoint(EndpointArn=refs["target"])["Endpoint"]["Status"] == "deleting"
    deadline = time.monotonic() + 10
    while dms.describe_endpoints()["Endpoints"] and any(
        e["EndpointArn"] == refs["target"] for e in dms.describe_endpoints()["Endpoints"]
    ) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert {c["EndpointArn"] for c in dms.describe_connections()["Connections"]} == {refs["source"]}


# ---------------------------------------------------------------------------
# a real PostgreSQL on loopback
# ---------------------------------------------------------------------------

PG_SUPERUSER = "dmslink_admin"
PG_SUPERPASS = "admin-secret"
APP_USER = "app"
APP_PASS = "app-secret"
APP_DB = "appdb"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres_user() -> list[str]:
    """initdb and postgres refuse to run as root: drop to the ``postgres`` account then."""
    if os.geteuid() != 0:
        return []
    import pwd

    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        pw = pwd.getpwnam("nobody")
    return ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--clear-groups", "--"]


@contextlib.contextmanager
def running_postgres(hba: str, conf: list[str] | None = None, files: dict[str, bytes] | None = None,
                     ssl_context: Any = None) -> Iterator[int]:
    """A throw-away local Postgres 15 on loopback with the app role and database: its port.

    ``hba`` is the whole pg_hba.conf, ``conf`` extra ``name=value`` server settings, ``files`` are
    written beside the data directory first (as ``{root}/name``, readable by the server: ``{root}``
    in ``conf`` names that folder), and ``ssl_context`` is what the admin login checks the server
    with.  Under ``CI=true`` a missing ``initdb`` fails instead of skipping.
    """
    initdb = shutil.which("initdb")
    if initdb is None:
        if os.environ.get("CI") == "true":
            pytest.fail("initdb is not on PATH (CI=true: PostgreSQL 15 is required)")
        pytest.skip("initdb is not on PATH")
    postgres = shutil.which("postgres") or str(Path(initdb).with_name("postgres"))
    root = Path(tempfile.mkdtemp(prefix="dmslink-pg-"))
    wrap = _as_postgres_user()
    ids = (int(wrap[1].split("=")[1]), int(wrap[2].split("=")[1])) if wrap else None
    pwfile = root / "pw"
    pwfile.write_text(PG_SUPERPASS + "\n")
    owned = [root, pwfile]
    for name, content in (files or {}).items():
        (root / name).write_bytes(content)
        os.chmod(root / name, 0o600)
        owned.append(root / name)
    if ids:
        for path in owned:
            os.chown(path, *ids)
    data = root / "data"
    port = _free_port()
    proc = None
    try:
        subprocess.run(
            [*wrap, initdb, "-D", str(data), "-U", PG_SUPERUSER, f"--pwfile={pwfile}",
             "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True, text=True, timeout=120,
        )
        (data / "pg_hba.conf").write_text(hba)
        settings = ["listen_addresses=127.0.0.1", "fsync=off", *(c.replace("{root}", str(root)) for c in conf or [])]
        log = open(root / "postgres.log", "w")
        proc = subprocess.Popen(
            [*wrap, postgres, "-D", str(data), "-p", str(port), "-k", str(root),
             *(arg for c in settings for arg in ("-c", c))],
            stdout=log, stderr=subprocess.STDOUT,
        )
        import pg8000.native

        deadline = time.monotonic() + 30
        while True:
            try:
                admin = pg8000.native.Connection(user=PG_SUPERUSER, password=PG_SUPERPASS, host="127.0.0.1",
                                                 port=port, database="postgres", ssl_context=ssl_context)
                break
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"postgres did not start: {(root / 'postgres.log').read_text()}")
                time.sleep(0.1)
        admin.run(f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{APP_PASS}'")
        admin.run(f"CREATE DATABASE {APP_DB} OWNER {APP_USER}")
        admin.close()
        yield port
    finally:
        if proc is not None:
            proc.terminate()  # SIGTERM: smart shutdown; nobody is connected any more
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def local_postgres() -> Iterator[int]:
    with running_postgres("host all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n") as port:
        yield port


def pg_endpoint(dms: Any, ident: str, password: str, port: int, **extra: Any) -> str:
    doc = {
        "EndpointIdentifier": ident, "EndpointType": "target", "EngineName": "postgres",
        "Username": APP_USER, "Password": password, "ServerName": "127.0.0.1", "Port": port,
        "DatabaseName": APP_DB,
    }
    doc.update(extra)
    return dms.create_endpoint(**doc)["Endpoint"]["EndpointArn"]


def test_connection_logs_in_to_a_local_postgres(emulator: Emulator, dms: Any, local_postgres: int) -> None:
    emulator.control("POST", "/config", FAST)
    refs = make_refs(dms)
    wait_instance(dms, refs["instance"])
    good = pg_endpoint(dms, "pg-good", APP_PASS, local_postgres)
    bad = pg_endpoint(dms, "pg-bad", "wrong-password", local_postgres)
    nodb = pg_endpoint(dms, "pg-nodb", APP_PASS, local_postgres, DatabaseName="nosuchdb")
    closed = pg_endpoint(dms, "pg-closed", APP_PASS, _free_port(), ServerName="localhost")
    for arn in (good, bad, nodb, closed):
        assert dms.test_connection(ReplicationInstanceArn=refs["instance"], EndpointArn=arn)["Connection"]["Status"] == "testing"
    conn, _ = wait_connection(dms, refs["instance"], good)
    assert conn["Status"] == "successful" and "LastFailureMessage" not in conn
    conn, _ = wait_connection(dms, refs["instance"], bad)
    assert conn["Status"] == "failed"
    assert f'password authentication failed for user "{APP_USER}"' in conn["LastFailureMessage"]
    assert "28P01" in conn["LastFailureMessage"]
    conn, _ = wait_connection(dms, refs["instance"], nodb)
    assert conn["Status"] == "failed" and 'database "nosuchdb" does not exist' in conn["LastFailureMessage"]
    conn, _ = wait_connection(dms, refs["instance"], closed)
    assert conn["Status"] == "failed" and conn["LastFailureMessage"]

    # fixing the password with ModifyEndpoint: the modify itself tests the endpoint again (#46139)
    dms.modify_endpoint(EndpointArn=bad, Password=APP_PASS)
    conn, _ = wait_connection(dms, refs["instance"], bad)
    assert conn["Status"] == "successful" and "LastFailureMessage" not in conn
    dms.test_connection(ReplicationInstanceArn=refs["instance"], EndpointArn=bad)
    conn, _ = wait_connection(dms, refs["instance"], bad)
    assert conn["Status"] == "successful" and "LastFailureMessage" not in conn

    # a configured outcome wins over the real login
    emulator.control("POST", "/config", {"connection_outcomes": {"pg-good": {"status": "failed", "message": "forced"}}})
    dms.test_connection(ReplicationInstanceArn=refs["instance"], EndpointArn=good)
    conn, _ = wait_connection(dms, refs["instance"], good)
    assert conn["Status"] == "failed" and conn["LastFailureMessage"] == "forced"


def test_connection_login_uses_postgres_settings_and_skips_remote_servers(
    emulator: Emulator, dms: Any, local_postgres: int
) -> None:
    emulator.control("POST", "/config", FAST)
    refs = make_refs(dms)
    wait_instance(dms, refs["instance"])
    # aurora-postgresql on ::1 is loopback too, but this server listens on 127.0.0.1 only
    v6 = pg_endpoint(dms, "pg-v6", APP_PASS, local_postgres, ServerName="::1", EngineName="aurora-postgresql")
    # a server that is not loopback is not contacted: successful
    remote = pg_endpoint(dms, "pg-remote", "wrong", local_postgres, ServerName="db.example.com")
    for arn in (v6, remote):
        dms.test_connection(ReplicationInstanceArn=refs["instance"], EndpointArn=arn)
    assert wait_connection(dms, refs["instance"], v6)[0]["Status"] == "failed"
    assert wait_connection(dms, refs["instance"], remote)[0]["Status"] == "successful"


def test_a_task_start_fails_when_an_endpoint_connection_is_set_to_fail(emulator: Emulator, dms: Any) -> None:
    from test_emulator import create_task, describe, wait_for

    refs = make_refs(dms)
    arn = create_task(dms, refs, "conn-task", "full-load-and-cdc")["ReplicationTaskArn"]
    wait_for(dms, arn, "ready")
    message = 'FATAL: password authentication failed for user "app"'
    emulator.control("POST", "/config", {"connection_outcomes": {"tgt": {"status": "failed", "message": message}}})
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    task, seen = wait_for(dms, arn, "failed")
    assert seen[0] == "starting" and "running" not in seen
    assert message in task["LastFailureMessage"] and "'tgt'" in task["LastFailureMessage"]
    assert task["StopReason"] == "Stop Reason FATAL_ERROR"
    emulator.control("POST", "/config", {"connection_outcomes": {"tgt": None}})
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="resume-processing")
    task, _ = wait_for(dms, arn, "running")
    assert "LastFailureMessage" not in task and describe(dms, arn)["Status"] == "running"
