"""Fault injection through boto3: every kind, the seeded draw, counters, rules given at start.

botocore's own retries are the client under test here: ``once`` clients make one attempt, ``retrying``
clients use botocore's standard retry mode (throttling, 5xx and connection errors are retried).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError
from botocore.retries import standard
from botocore.retries.standard import ThrottledRetryableChecker

from conftest import TEST_ENV, Emulator, start_server, stop_server


# What botocore raises when the connection ends without an answer.
DROPPED = (ConnectionClosedError, EndpointConnectionError)


@pytest.fixture(autouse=True)
def _short_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's retry pauses (up to seconds) only slow the suite down; what it retries is the point."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda _self, _context: 0.01)


def client(emulator: Emulator, service: str, attempts: int = 1) -> Any:
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": attempts},
                      s3={"addressing_style": "path"}),
    )


def add(emulator: Emulator, rules: Any) -> Any:
    status, doc = emulator.control("POST", "/faults", rules)
    assert status == 200, doc
    return doc


def log(emulator: Emulator, action: str | None = None) -> list[dict[str, Any]]:
    entries = emulator.control("GET", "/requests")[1]
    return [e for e in entries if action is None or e["action"] == action]


def error_of(fn: Any, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as info:
        fn(**kwargs)
    return info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]


def endpoint(dms: Any, ident: str) -> dict[str, Any]:
    return dms.create_endpoint(
        EndpointIdentifier=ident, EndpointType="source", EngineName="oracle", Username="u",
        Password="secret-1", ServerName="db.internal", Port=1521, DatabaseName="DB",
    )["Endpoint"]


def endpoint_ids(dms: Any) -> list[str]:
    return [e["EndpointIdentifier"] for e in dms.describe_endpoints().get("Endpoints", [])]


# ---------------------------------------------------------------------------
# kinds
# ---------------------------------------------------------------------------

# service -> (a read-only call, the throttling answer expected)
THROTTLE_CASES = {
    "ec2": (lambda c: c.describe_vpcs(), ("RequestLimitExceeded", 503)),
    "rds": (lambda c: c.describe_db_instances(), ("Throttling", 400)),
    "iam": (lambda c: c.list_roles(), ("Throttling", 400)),
    "sts": (lambda c: c.get_caller_identity(), ("Throttling", 400)),
    "dms": (lambda c: c.describe_replication_instances(), ("ThrottlingException", 400)),
    "s3": (lambda c: c.list_buckets(), ("SlowDown", 503)),
    "dynamodb": (lambda c: c.list_tables(), ("ThrottlingException", 400)),
}


@pytest.mark.parametrize("service", sorted(THROTTLE_CASES))
def test_throttle_answers_each_protocols_throttling_error(emulator: Emulator, service: str) -> None:
    call, (code, status) = THROTTLE_CASES[service]
    add(emulator, {"kind": "throttle", "service": service})
    with pytest.raises(ClientError) as info:
        call(client(emulator, service))
    err = info.value.response
    assert (err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    # botocore's standard retry mode classifies it as throttling
    assert code in ThrottledRetryableChecker._THROTTLED_ERROR_CODES
    # a retrying client gets through: the rule hit once
    add(emulator, {"kind": "throttle", "service": service})
    call(client(emulator, service, attempts=3))
    entries = [e for e in log(emulator) if e["service"] == service]
    assert [e.get("fault_kind") for e in entries] == ["throttle", "throttle", None], entries
    assert entries[0]["fault_code"] == code and entries[0]["served"] is False and entries[0]["answered"] is True


def test_server_faults_are_5xx_and_retried(emulator: Emulator) -> None:
    ec2, dms, rds = client(emulator, "ec2"), client(emulator, "dms"), client(emulator, "rds")
    add(emulator, [
        {"kind": "server", "service": "ec2"},
        {"kind": "server", "service": "dms", "status": 503},
        {"kind": "server", "service": "rds", "code": "InternalFailure", "message": "boom", "status": 502},
    ])
    assert error_of(ec2.describe_vpcs) == ("InternalError", 500)
    assert error_of(dms.describe_endpoints) == ("ServiceUnavailable", 503)
    assert error_of(rds.describe_db_instances) == ("InternalFailure", 502)
    add(emulator, {"kind": "server", "service": "ec2", "action": "CreateVpc", "count": 2})
    vpc = client(emulator, "ec2", attempts=3).create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
    created = log(emulator, "CreateVpc")
    assert [e["status"] for e in created] == [500, 500, 200]
    assert [v["VpcId"] for v in ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.70.0.0/16"]}])["Vpcs"]] == [vpc]


def test_reset_drops_the_connection_before_serving(emulator: Emulator) -> None:
    dms = client(emulator, "dms")
    add(emulator, {"kind": "reset", "service": "dms", "action": "CreateEndpoint"})
    with pytest.raises(DROPPED):
        endpoint(dms, "reset-once")
    assert endpoint_ids(dms) == []  # no effect
    entry = log(emulator, "CreateEndpoint")[0]
    assert entry["fault_kind"] == "reset" and entry["served"] is False and entry["answered"] is False
    assert entry["status"] is None
    # botocore retries the connection error; the retry is served once
    add(emulator, {"kind": "reset", "service": "dms", "action": "CreateEndpoint"})
    endpoint(client(emulator, "dms", attempts=3), "reset-retried")
    assert endpoint_ids(dms) == ["reset-retried"]


def test_lost_answer_is_served_then_dropped(emulator: Emulator) -> None:
    dms = client(emulator, "dms")
    add(emulator, {"kind": "lost", "service": "dms", "action": "CreateEndpoint", "match": {"EndpointIdentifier": "lost-"}})
    with pytest.raises(DROPPED):
        endpoint(dms, "lost-once")
    assert endpoint_ids(dms) == ["lost-once"]  # it took effect, once
    entry = log(emulator, "CreateEndpoint")[0]
    assert entry["fault_kind"] == "lost" and entry["served"] is True and entry["answered"] is False
    assert entry["status"] == 200  # what moto answered, never sent

    # botocore retries the lost call: the retry meets the object the first attempt made
    add(emulator, {"kind": "lost", "service": "dms", "action": "CreateEndpoint"})
    assert error_of(endpoint, dms=client(emulator, "dms", attempts=3), ident="lost-retried")[0] == "ResourceAlreadyExistsFault"
    assert sorted(endpoint_ids(dms)) == ["lost-once", "lost-retried"]
    # a create without a natural key is made twice by the SDK's retry
    add(emulator, {"kind": "lost", "service": "ec2", "action": "CreateVpc"})
    client(emulator, "ec2", attempts=3).create_vpc(CidrBlock="10.71.0.0/16")
    vpcs = client(emulator, "ec2").describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.71.0.0/16"]}])["Vpcs"]
    assert len(vpcs) == 2
    assert [e.get("fault_kind") for e in log(emulator, "CreateVpc")] == ["lost", None]


def test_delay_then_served(emulator: Emulator) -> None:
    sts = client(emulator, "sts")
    add(emulator, {"kind": "delay", "service": "sts", "delay_ms": 300})
    t0 = time.monotonic()
    sts.get_caller_identity()
    assert time.monotonic() - t0 >= 0.3
    entry = log(emulator, "GetCallerIdentity")[0]
    assert entry["fault_kind"] == "delay" and entry["delay_ms"] == 300 and entry["status"] == 200


def test_hold_serves_then_holds_the_answer(emulator: Emulator) -> None:
    """The call takes effect at once and shows served in the log while its answer is still held."""
    import threading

    dms = client(emulator, "dms")
    add(emulator, {"kind": "hold", "service": "dms", "action": "CreateEndpoint", "delay_ms": 1500})
    done: dict[str, Any] = {}
    t0 = time.monotonic()
    caller = threading.Thread(target=lambda: done.update(endpoint=endpoint(dms, "held-once")))
    caller.start()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and not log(emulator, "CreateEndpoint"):
        time.sleep(0.02)
    time.sleep(0.2)
    # served, answer not sent yet: the object exists while the caller still waits
    entry = log(emulator, "CreateEndpoint")[0]
    assert entry["fault_kind"] == "hold" and entry["served"] is True and entry["answered"] is False, entry
    assert entry["status"] == 200 and entry["delay_ms"] == 1500
    assert endpoint_ids(client(emulator, "dms")) == ["held-once"]
    assert caller.is_alive() and "endpoint" not in done
    caller.join(10)
    assert time.monotonic() - t0 >= 1.5
    assert done["endpoint"]["EndpointIdentifier"] == "held-once"
    assert log(emulator, "CreateEndpoint")[0]["answered"] is True
    # without delay_ms the rule is refused
    status, doc = emulator.control("POST", "/faults", {"kind": "hold", "service": "dms"})
    assert status == 400 and "delay_ms" in doc["error"], doc


def test_action_lists_match_and_count(emulator: Emulator) -> None:
    ec2 = client(emulator, "ec2")
    rule = add(emulator, {"kind": "throttle", "service": "ec2", "action": ["CreateVpc", "DescribeVpcs"], "count": 2})
    assert rule["action"] == ["CreateVpc", "DescribeVpcs"] and rule["remaining"] == 2
    ec2.describe_subnets()
    assert error_of(ec2.describe_vpcs)[0] == "RequestLimitExceeded"
    assert error_of(ec2.create_vpc, CidrBlock="10.72.0.0/16")[0] == "RequestLimitExceeded"
    ec2.describe_vpcs()  # used up
    assert emulator.control("GET", "/faults") == (200, [])


def test_rule_validation(emulator: Emulator) -> None:
    for bad in (
        {"kind": "melt"}, {"kind": "throttle", "probability": 1.5}, {"kind": "throttle", "probability": "half"},
        {"kind": "delay"}, {"kind": "delay", "delay_ms": 0}, {"kind": "reset", "code": "X"},
        {"kind": "lost", "status": 500}, {"kind": "server", "status": 400}, {"kind": "throttle", "delay_ms": 5},
        {"kind": "throttle", "action": []}, {"kind": "throttle", "action": ["A", 3]}, {"kind": "error"},
    ):
        status, doc = emulator.control("POST", "/faults", bad)
        assert status == 400 and "error" in doc, bad
    assert emulator.control("GET", "/faults") == (200, [])


# ---------------------------------------------------------------------------
# probability and seed
# ---------------------------------------------------------------------------

def _pattern(emulator: Emulator, seed: int, calls: int = 40, interleave: bool = False) -> str:
    """Which of ``calls`` STS calls a 30 % throttle rule hit: "x" hit, "." served."""
    emulator.control("POST", "/reset")
    emulator.control("POST", "/config", {"fault_seed": seed})
    add(emulator, {"kind": "throttle", "service": "sts", "probability": 0.3, "count": -1})
    sts, ec2 = client(emulator, "sts"), client(emulator, "ec2")
    out = ""
    for _ in range(calls):
        if interleave:
            ec2.describe_vpcs()
        try:
            sts.get_caller_identity()
            out += "."
        except ClientError:
            out += "x"
    return out


def test_same_seed_same_injections(emulator: Emulator) -> None:
    first = _pattern(emulator, 42)
    assert 4 <= first.count("x") <= 24, first
    assert _pattern(emulator, 42) == first
    # other operations' calls in between do not move the draws of this one
    assert _pattern(emulator, 42, interleave=True) == first
    assert _pattern(emulator, 43) != first
    # setting the seed again restarts the sequence without a reset
    emulator.control("POST", "/config", {"fault_seed": 42})
    sts, again = client(emulator, "sts"), ""
    for _ in range(len(first)):
        try:
            sts.get_caller_identity()
            again += "."
        except ClientError:
            again += "x"
    assert again == first


def test_probabilities_share_one_draw(emulator: Emulator) -> None:
    """Rules own consecutive slices of one draw: the rates add up and one rule hits a call at most."""
    emulator.control("POST", "/config", {"fault_seed": 7})
    add(emulator, [
        {"kind": "throttle", "service": "sts", "probability": 0.2, "count": -1},
        {"kind": "server", "service": "sts", "probability": 0.2, "count": -1},
        {"kind": "delay", "service": "sts", "probability": 0.1, "count": -1, "delay_ms": 1},
    ])
    sts = client(emulator, "sts")
    for _ in range(200):
        try:
            sts.get_caller_identity()
        except ClientError:
            pass
    counters = emulator.control("GET", "/faults/counters")[1]
    kinds = counters["kinds"]
    assert 20 <= kinds["throttle"] <= 60 and 20 <= kinds["server"] <= 60 and 5 <= kinds["delay"] <= 35, kinds
    assert counters["injected"] == kinds["throttle"] + kinds["server"] + kinds["delay"]
    assert sum(1 for e in log(emulator) if e.get("injected")) == counters["injected"]
    add(emulator, {"kind": "throttle", "service": "sts", "probability": 0})  # never hits
    assert emulator.control("GET", "/faults")[1][-1]["hits"] == 0


# ---------------------------------------------------------------------------
# counters
# ---------------------------------------------------------------------------

def test_counters_per_kind_and_operation(emulator: Emulator) -> None:
    ec2, dms = client(emulator, "ec2", attempts=3), client(emulator, "dms", attempts=3)
    add(emulator, [
        {"kind": "throttle", "service": "ec2", "action": "DescribeVpcs"},
        {"kind": "lost", "service": "ec2", "action": "DescribeVpcs"},
        {"kind": "reset", "service": "dms", "action": "DescribeEndpoints"},
    ])
    ec2.describe_vpcs()
    with pytest.raises(ClientError):  # the retry after the reset: no endpoints (strict emulator)
        dms.describe_endpoints(Filters=[{"Name": "endpoint-id", "Values": ["none"]}])
    doc = emulator.control("GET", "/faults/counters")[1]
    assert doc["kinds"] == {"error": 0, "throttle": 1, "server": 0, "reset": 1, "lost": 1, "delay": 0, "hold": 0}
    assert doc["injected"] == 3 and doc["calls"] == 5
    assert doc["operations"] == {
        "ec2:DescribeVpcs": {"calls": 3, "throttle": 1, "lost": 1},
        "dms:DescribeEndpoints": {"calls": 2, "reset": 1},
    }
    status, before = emulator.control("DELETE", "/faults/counters")
    assert status == 200 and before == doc
    assert emulator.control("GET", "/faults/counters")[1] == {
        "calls": 0, "injected": 0, "kinds": dict.fromkeys(doc["kinds"], 0), "operations": {}}
    ec2.describe_vpcs()
    emulator.control("POST", "/reset")
    assert emulator.control("GET", "/faults/counters")[1]["calls"] == 0


# ---------------------------------------------------------------------------
# configuration at start
# ---------------------------------------------------------------------------

def test_rules_and_seed_at_start(tmp_path: Path) -> None:
    rules = tmp_path / "faults.json"
    rules.write_text(json.dumps([
        {"kind": "throttle", "service": "sts", "probability": 0.3, "count": -1},
        {"kind": "lost", "service": "dms", "action": "CreateEndpoint"},
    ]))
    proc, port, _ = start_server(tmp_path, "--fault-seed", "42",
                                 env={**TEST_ENV, "DMSLINK_EMU_FAULTS": str(rules)})
    try:
        emu = Emulator(port)
        assert emu.control("GET", "/config")[1]["fault_seed"] == 42
        assert [r["kind"] for r in emu.control("GET", "/faults")[1]] == ["throttle", "lost"]
        sts, dms = client(emu, "sts"), client(emu, "dms")
        pattern = ""
        for _ in range(40):
            try:
                sts.get_caller_identity()
                pattern += "."
            except ClientError:
                pattern += "x"
        with pytest.raises(DROPPED):
            endpoint(dms, "lost-at-start")
        assert endpoint_ids(dms) == ["lost-at-start"]
        # reset brings back the start-up rules, seed and draws
        emu.control("POST", "/reset")
        assert [r["remaining"] for r in emu.control("GET", "/faults")[1]] == [-1, 1]
        again = "".join("." if _served(sts) else "x" for _ in range(40))
        assert again == pattern and "x" in pattern
    finally:
        stop_server(proc)


def _served(sts: Any) -> bool:
    try:
        sts.get_caller_identity()
        return True
    except ClientError:
        return False


def test_bad_rules_at_start_are_refused(tmp_path: Path) -> None:
    from dmslink_emulator.faults import load_startup_rules

    for spec, why in (
        ('{"kind": "melt"}', "kind"),
        ("[{]", "not JSON"),
        (str(tmp_path / "missing.json"), "missing.json"),
    ):
        with pytest.raises(ValueError, match=why):
            load_startup_rules(spec)
