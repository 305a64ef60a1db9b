"""A second listener serving the same emulator over HTTPS, with a certificate authority made at
start-up, so tests can prove that a client trusts exactly the CAs it was given (the provider's
`custom_ca_bundle` / `AWS_CA_BUNDLE`): a TLS-inspecting corporate proxy or a private endpoint
presents such a certificate, which no system trust store holds.

`--tls-dir DIR` (or `DMSLINK_EMU_TLS_DIR`) turns it on. The emulator then writes, in DIR:

- `ca.pem`: the CA certificate (self-signed, valid one day) to give the client;
- `tls-port`: the HTTPS port on 127.0.0.1, written (temp file + rename) once the listener answers.

The server certificate names `127.0.0.1` (IP SAN) and `localhost` (DNS SAN), is signed by that CA
and uses ECDSA P-256: what rustls and botocore verify. The CA's key never leaves the process.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile

from .atomic_file import write_atomically

CA_FILE = "ca.pem"
PORT_FILE = "tls-port"


def make_certificates(directory: str) -> tuple[str, str]:
    """Writes ca.pem and the server's certificate chain and key; returns (cert_path, key_path)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    not_before = now - datetime.timedelta(minutes=5)
    not_after = now + datetime.timedelta(days=1)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dmslink emulator test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    pem = serialization.Encoding.PEM
    write_atomically(os.path.join(directory, CA_FILE), ca_cert.public_bytes(pem))
    # The server's own files stay private to the process: a temp dir, removed with it.
    private = tempfile.mkdtemp(prefix="dmslink-emulator-tls-")
    cert_path = os.path.join(private, "server.pem")
    key_path = os.path.join(private, "server.key")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    with open(key_path, "wb") as f:
        f.write(
            key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    os.chmod(key_path, 0o600)
    return cert_path, key_path


def ssl_context(cert_path: str, key_path: str) -> ssl.SSLContext:
    """TLS 1.2 or newer (what AWS endpoints require since 2024)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context


def write_port(directory: str, port: int) -> None:
    write_atomically(os.path.join(directory, PORT_FILE), f"{port}\n".encode())
