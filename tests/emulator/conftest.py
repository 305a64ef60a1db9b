"""Fixtures: one emulator process for the session, reset before every test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

HERE = Path(__file__).resolve().parent
SERVER = HERE / "server.py"

# Short but observable transient states for the test run.
TEST_ENV = {
    "DMSLINK_EMU_TRANSITION_SECONDS": "0.25",
    "DMSLINK_EMU_FULL_LOAD_SECONDS": "0.6",
    # dms-vpc-role usable at once unless a test says otherwise
    "DMSLINK_EMU_IAM_PROPAGATION_SECONDS": "0",
    "DMSLINK_EMU_DMS_INSTANCE_CREATING_SECONDS": "0.2",
    "DMSLINK_EMU_DMS_INSTANCE_MODIFYING_SECONDS": "0.2",
    "DMSLINK_EMU_DMS_INSTANCE_DELETING_SECONDS": "0.2",
    "DMSLINK_EMU_RDS_CREATING_SECONDS": "0.2",
    "DMSLINK_EMU_RDS_MODIFYING_SECONDS": "0.2",
    "DMSLINK_EMU_RDS_DELETING_SECONDS": "0.2",
    "DMSLINK_EMU_RDS_BACKING_UP_SECONDS": "0.2",
    "DMSLINK_EMU_RDS_FIRST_AVAILABLE_SECONDS": "0.2",
    "DMSLINK_EMU_RDS_FOLLOWUP_MODIFYING_SECONDS": "0.2",
    "DMSLINK_EMU_RDS_ENI_LINGER_SECONDS": "0.3",
    "DMSLINK_EMU_DMS_SUBNET_GROUP_DELETING_SECONDS": "0.2",
    "DMSLINK_EMU_VGW_ATTACHING_SECONDS": "0.2",
    "DMSLINK_EMU_VGW_DETACHING_SECONDS": "0.2",
    "DMSLINK_EMU_PEERING_INITIATING_SECONDS": "0.2",
    "DMSLINK_EMU_PEERING_PROVISIONING_SECONDS": "0.2",
    "DMSLINK_EMU_PEERING_DELETING_SECONDS": "0.2",
}

DMS_TRUST_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "dms.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
DMS_VPC_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonDMSVPCManagementRole"


def client_like(other: Any, service: str) -> Any:
    """A boto3 client for ``service`` at the endpoint and region of ``other``."""
    return boto3.client(
        service,
        endpoint_url=other.meta.endpoint_url,
        region_name=other.meta.region_name,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


def ensure_dms_vpc_role(any_client: Any) -> None:
    """Create ``dms-vpc-role`` with AmazonDMSVPCManagementRole (idempotent)."""
    iam = client_like(any_client, "iam")
    try:
        iam.create_role(RoleName="dms-vpc-role", AssumeRolePolicyDocument=DMS_TRUST_POLICY)
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    iam.attach_role_policy(RoleName="dms-vpc-role", PolicyArn=DMS_VPC_POLICY_ARN)


def start_server(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int, Path]:
    port_file = tmp_path / f"port-{time.monotonic_ns()}"
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", "0", "--port-file", str(port_file), *extra],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not port_file.exists():
        if proc.poll() is not None:
            raise RuntimeError(f"emulator exited early: {proc.stdout.read() if proc.stdout else ''}")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("emulator did not write its port file")
        time.sleep(0.02)
    port = int(port_file.read_text().strip())
    return proc, port, port_file


def stop_server(proc: subprocess.Popen) -> float:
    """SIGTERM the server; return the seconds it took to exit."""
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    return time.monotonic() - t0


class Emulator:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def control(self, method: str, path: str, doc: Any = None) -> tuple[int, Any]:
        data = None if doc is None else json.dumps(doc).encode()
        req = urllib.request.Request(self.url + "/_dmslink" + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
        )


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Any:
    proc, port, _ = start_server(tmp_path_factory.mktemp("emu"), env=TEST_ENV)
    yield Emulator(port)
    stop_server(proc)


@pytest.fixture(autouse=True)
def _reset(request: pytest.FixtureRequest) -> None:
    if "emulator" in request.fixturenames:
        emu = request.getfixturevalue("emulator")
        status, _ = emu.control("POST", "/reset")
        assert status == 200


@pytest.fixture
def dms(emulator: Emulator) -> Any:
    return emulator.client("dms")


def assumed_role_client(
    emulator: Emulator,
    service: str,
    role_arn: str,
    region: str = "us-east-1",
    session_name: str = "dmslink-test",
) -> Any:
    """A boto3 client with the credentials of ``sts:AssumeRole`` into ``role_arn``.

    moto maps the returned access key to the role's account, so with
    ``arn:aws:iam::111111111111:role/peer-accepter`` every call acts in account
    111111111111 (the role need not exist).  Assume again after a reset: the
    key is forgotten then and calls fall back to 123456789012.
    """
    creds = emulator.client("sts", region).assume_role(
        RoleArn=role_arn, RoleSessionName=session_name
    )["Credentials"]
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name=region,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
    )
