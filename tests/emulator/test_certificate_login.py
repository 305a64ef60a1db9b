"""TestConnection's real Postgres login with ``verify-ca``/``verify-full`` checks the server against
the PEM of the endpoint's imported certificate (rule K5 in docs/emulator.md)."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import Emulator
from test_connections import (
    APP_PASS, FAST, pg_endpoint, running_postgres, wait_connection, wait_instance,
)
from test_emulator import make_refs


def _ca(name: str) -> tuple[Any, Any, str]:
    """A self-signed CA: its key, certificate and PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert, cert.public_bytes(serialization.Encoding.PEM).decode()


def _server_cert(ca_key: Any, ca_cert: Any) -> tuple[bytes, bytes]:
    """A server certificate for 127.0.0.1 signed by the CA: (certificate PEM, key PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@pytest.fixture(scope="module")
def ssl_postgres() -> Iterator[tuple[int, str]]:
    """A local Postgres serving TLS with a certificate of its own CA: (port, the CA's PEM)."""
    import ssl

    ca_key, ca_cert, ca_pem = _ca("dmslink test CA")
    cert_pem, key_pem = _server_cert(ca_key, ca_cert)
    with running_postgres(
        "hostssl all all 127.0.0.1/32 scram-sha-256\n",
        conf=["ssl=on", "ssl_cert_file={root}/server.crt", "ssl_key_file={root}/server.key"],
        files={"server.crt": cert_pem, "server.key": key_pem},
        ssl_context=ssl.create_default_context(cadata=ca_pem),
    ) as port:
        yield port, ca_pem


def test_verify_modes_check_the_server_against_the_endpoints_imported_certificate(
    emulator: Emulator, dms: Any, ssl_postgres: tuple[int, str]
) -> None:
    port, ca_pem = ssl_postgres
    emulator.control("POST", "/config", FAST)
    refs = make_refs(dms)
    wait_instance(dms, refs["instance"])
    right = dms.import_certificate(CertificateIdentifier="right-ca", CertificatePem=ca_pem)["Certificate"]
    other_pem = _ca("another CA")[2]
    wrong = dms.import_certificate(CertificateIdentifier="wrong-ca", CertificatePem=other_pem)["Certificate"]
    ca = pg_endpoint(dms, "pg-verify-ca", APP_PASS, port, SslMode="verify-ca", CertificateArn=right["CertificateArn"])
    full = pg_endpoint(dms, "pg-verify-full", APP_PASS, port, SslMode="verify-full",
                       CertificateArn=right["CertificateArn"])
    bad = pg_endpoint(dms, "pg-verify-wrong", APP_PASS, port, SslMode="verify-ca",
                      CertificateArn=wrong["CertificateArn"])
    for arn in (ca, full, bad):
        dms.test_connection(ReplicationInstanceArn=refs["instance"], EndpointArn=arn)
    for arn in (ca, full):
        conn, _ = wait_connection(dms, refs["instance"], arn)
        assert conn["Status"] == "successful", conn
    conn, _ = wait_connection(dms, refs["instance"], bad)
    assert conn["Status"] == "failed" and "certificate verify failed" in conn["LastFailureMessage"], conn
