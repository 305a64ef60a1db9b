"""The HTTPS listener (`--tls-dir`, tls_listener.py): same emulator, certificate from a CA made at
start-up. A client trusting that CA gets answers; one trusting only the system's roots is refused
at the handshake, as a client behind a TLS-inspecting proxy without `custom_ca_bundle` would be."""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from conftest import TEST_ENV, start_server, stop_server


def _tls_port(tls_dir: Path) -> int:
    deadline = time.monotonic() + 30
    port_file = tls_dir / "tls-port"
    while not port_file.exists():
        assert time.monotonic() < deadline, "no tls-port file"
        time.sleep(0.02)
    return int(port_file.read_text().strip())


def test_https_listener_answers_clients_that_trust_its_ca_only(tmp_path: Path) -> None:
    tls_dir = tmp_path / "tls"
    proc, http_port, _ = start_server(tmp_path, "--tls-dir", str(tls_dir), env=TEST_ENV)
    try:
        port = _tls_port(tls_dir)
        assert port != http_port
        ca = tls_dir / "ca.pem"
        assert ca.read_text().startswith("-----BEGIN CERTIFICATE-----")
        url = f"https://127.0.0.1:{port}/_dmslink/health"

        trusting = ssl.create_default_context(cafile=str(ca))
        with urllib.request.urlopen(url, timeout=5, context=trusting) as resp:
            assert resp.status == 200

        # The system's roots alone do not hold the emulator's CA.
        with pytest.raises(urllib.error.URLError) as refused:
            urllib.request.urlopen(url, timeout=5, context=ssl.create_default_context())
        assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)

        def sts(verify: str | bool) -> object:
            return boto3.client(
                "sts", endpoint_url=f"https://127.0.0.1:{port}", region_name="us-east-1",
                aws_access_key_id="testing", aws_secret_access_key="testing", verify=verify,
                config=Config(retries={"max_attempts": 1}),
            )

        # One emulator behind both listeners: what the HTTP side made, the HTTPS side sees.
        assert sts(str(ca)).get_caller_identity()["Account"] == "123456789012"
        with pytest.raises(botocore.exceptions.SSLError):
            sts(True).get_caller_identity()
    finally:
        stop_server(proc)
