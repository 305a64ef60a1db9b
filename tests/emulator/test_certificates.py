"""DMS certificates (``dmslink_emulator/dms_certificates.py``, rules K2-K4 in docs/emulator.md)."""

from __future__ import annotations

from typing import Any

from conftest import Emulator
from test_kms import endpoint
from test_stack import fault

PEM = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBszCCAVmgAwIBAgIUdG1sZG1zbGlua3Rlc3RjZXJ0aWZpY2F0ZTAKBggqhkjOPQQDAjAQMQ4wDAYDVQQDDAVsb2Nh\n"
    "bDAeFw0yNjAxMDEwMDAwMDBaFw0zNjAxMDEwMDAwMDBaMBAxDjAMBgNVBAMMBWxvY2FsMFkwEwYHKoZIzj0CAQYIKoZI\n"
    "-----END CERTIFICATE-----\n"
)


def imported(dms: Any, ident: str) -> dict[str, Any]:
    return dms.import_certificate(CertificateIdentifier=ident, CertificatePem=PEM)["Certificate"]


def test_import_checks_the_identifier_and_the_pem_and_refuses_a_second_one(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    fault(dms.import_certificate, "InvalidParameterValueException", CertificateIdentifier="1ca", CertificatePem=PEM)
    fault(dms.import_certificate, "InvalidParameterValueException", CertificateIdentifier="ca--x", CertificatePem=PEM)
    fault(dms.import_certificate, "InvalidCertificateFault", CertificateIdentifier="ca", CertificatePem="not a pem")
    cert = imported(dms, "db-ca")
    assert cert["CertificateArn"].startswith("arn:aws:dms:") and ":cert:" in cert["CertificateArn"]
    fault(dms.import_certificate, "ResourceAlreadyExistsFault", CertificateIdentifier="db-ca", CertificatePem=PEM)
    by_id = dms.describe_certificates(Filters=[{"Name": "certificate-id", "Values": ["db-ca"]}])["Certificates"]
    assert [c["CertificateArn"] for c in by_id] == [cert["CertificateArn"]]
    fault(dms.describe_certificates, "ResourceNotFoundFault", Filters=[{"Name": "certificate-id", "Values": ["x"]}])


def test_an_endpoint_names_only_an_imported_certificate_which_it_then_keeps(emulator: Emulator) -> None:
    dms = emulator.client("dms")
    missing = "arn:aws:dms:us-east-1:123456789012:cert:NOSUCHCERTIFICATE"
    fault(lambda **kw: endpoint(dms, "ep-cert", **kw), "ResourceNotFoundFault", CertificateArn=missing,
          SslMode="verify-full")
    cert = imported(dms, "db-ca")["CertificateArn"]
    ep = endpoint(dms, "ep-cert", CertificateArn=cert, SslMode="verify-full")
    assert ep["CertificateArn"] == cert
    fault(dms.modify_endpoint, "ResourceNotFoundFault", EndpointArn=ep["EndpointArn"], CertificateArn=missing)
    fault(dms.delete_certificate, "InvalidResourceStateFault", CertificateArn=cert)

    def listed() -> list[str]:
        return [o["arn"] for o in emulator.control("GET", "/inventory?type=dms:certificate")[1]["objects"]]

    assert listed() == [cert]  # the ledger's leak checks see certificates
    dms.modify_endpoint(EndpointArn=ep["EndpointArn"], CertificateArn="", SslMode="require")
    dms.delete_certificate(CertificateArn=cert)
    fault(dms.delete_certificate, "ResourceNotFoundFault", CertificateArn=cert)
    assert listed() == []
