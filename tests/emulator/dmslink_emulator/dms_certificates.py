"""DMS certificates (moto has none): ``ImportCertificate``, ``DescribeCertificates``,
``DeleteCertificate``, and the endpoints' ``CertificateArn`` (rules K2-K4 in docs/emulator.md).

From the DMS API reference (API_ImportCertificate, API_DescribeCertificates, API_DeleteCertificate,
API_CreateEndpoint, API_ModifyEndpoint) and the botocore ``dms`` model:

* ``CertificateIdentifier``: letters, digits and hyphens, a letter first, no trailing hyphen and no
  two hyphens in a row; an identifier already used -> ``ResourceAlreadyExistsFault``.
* ``CertificatePem`` must hold at least one PEM ``CERTIFICATE`` block (or a ``CertificateWallet`` is
  given) -> else ``InvalidCertificateFault``. The PEM is a secret in the model and never logged.
* ``DescribeCertificates`` filters ``certificate-arn`` and ``certificate-id``; a filter matching
  nothing -> ``ResourceNotFoundFault`` (strict, as for the other DMS Describe calls here).
* ``DeleteCertificate``: unknown -> ``ResourceNotFoundFault``; while an endpoint uses it ->
  ``InvalidResourceStateFault`` (the API lists the fault; which use refuses it is the stricter
  plausible reading).
* ``CreateEndpoint`` / ``ModifyEndpoint`` with a ``CertificateArn`` no certificate has (strict) ->
  ``ResourceNotFoundFault`` (both list it; moto stores any text). ``""`` in ``ModifyEndpoint``
  clears it (unverified: the stricter plausible reading would refuse it, but then an endpoint could
  never drop its certificate).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from moto.dms.models import DatabaseMigrationServiceBackend
from moto.dms.responses import DatabaseMigrationServiceResponse

from .dms_common import (
    DmsClientError,
    InvalidParameterValueException,
    InvalidResourceStateFault,
    ResourceAlreadyExistsFault,
    ResourceNotFoundFault,
    backend_of,
    params,
    strict,
)

_IDENTIFIER = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*$")
_PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----")


def _certificates(backend: DatabaseMigrationServiceBackend) -> dict[str, dict[str, Any]]:
    if not hasattr(backend, "_emu_certificates"):
        backend._emu_certificates = {}  # type: ignore[attr-defined]
    return backend._emu_certificates  # type: ignore[attr-defined,no-any-return]


def check_reference(backend: DatabaseMigrationServiceBackend, arn: Any) -> None:
    """An endpoint's ``CertificateArn`` names an imported certificate (``""`` clears it)."""
    if arn is None or arn == "" or not strict():
        return
    if not any(c["CertificateArn"] == arn for c in _certificates(backend).values()):
        raise ResourceNotFoundFault(f"Certificate {arn} not found.")


def pem_for(arn: Any) -> str | None:
    """The PEM imported as ``arn`` (an endpoint's ``CertificateArn``), for the real Postgres login
    of ``TestConnection`` (dms_connections.py): DMS checks the server against it (CHAP_Security.SSL)."""
    if not isinstance(arn, str) or not arn:
        return None
    parts = arn.split(":")
    if len(parts) < 7:
        return None
    from moto.dms.models import dms_backends

    region, account = parts[3], parts[4]
    certs = getattr(dms_backends[account][region], "_emu_certificates", {})
    return next((c.get("CertificatePem") for c in certs.values() if c["CertificateArn"] == arn), None)


def import_certificate(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    doc = params(self)
    ident = doc.get("CertificateIdentifier")
    if not isinstance(ident, str) or not _IDENTIFIER.match(ident):
        raise InvalidParameterValueException(
            "CertificateIdentifier must start with a letter and contain only letters, digits and single hyphens, "
            "not ending with a hyphen"
        )
    certs = _certificates(backend)
    if ident.lower() in certs:
        raise ResourceAlreadyExistsFault(f"Certificate {ident} already exists")
    pem = doc.get("CertificatePem")
    wallet = doc.get("CertificateWallet")
    if not wallet and not (isinstance(pem, str) and _PEM_BLOCK.search(pem)):
        raise DmsClientError("InvalidCertificateFault", "The certificate is not a valid PEM X.509 certificate")
    now = time.time()
    cert: dict[str, Any] = {
        "CertificateIdentifier": ident,
        "CertificateCreationDate": now,
        "CertificateArn": f"arn:aws:dms:{self.region}:{self.current_account}:cert:{uuid.uuid4().hex.upper()[:26]}",
        "CertificateOwner": self.current_account,
        "ValidFromDate": now,
        "ValidToDate": now + 365 * 24 * 3600,
        "SigningAlgorithm": "SHA256withRSA",
        "KeyLength": 2048,
    }
    if pem:
        cert["CertificatePem"] = pem
    certs[ident.lower()] = cert
    return json.dumps({"Certificate": cert})


def describe_certificates(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    filters = params(self).get("Filters") or []
    found = list(_certificates(backend).values())
    for f in filters:
        name, values = f.get("Name"), f.get("Values") or []
        if name == "certificate-arn":
            found = [c for c in found if c["CertificateArn"] in values]
        elif name == "certificate-id":
            wanted = {str(v).lower() for v in values}
            found = [c for c in found if c["CertificateIdentifier"].lower() in wanted]
        else:
            raise InvalidParameterValueException(f"Invalid filter name {name!r}")
    if filters and not found and strict():
        raise ResourceNotFoundFault("No certificates found matching provided filters")
    return json.dumps({"Certificates": found})


def delete_certificate(self: DatabaseMigrationServiceResponse) -> str:
    backend = backend_of(self)
    arn = params(self).get("CertificateArn")
    certs = _certificates(backend)
    key = next((k for k, c in certs.items() if c["CertificateArn"] == arn), None)
    if key is None:
        raise ResourceNotFoundFault(f"Certificate {arn} not found.")
    users = sorted(e.endpoint_identifier for e in backend.endpoints.values() if e.certificate_arn == arn)
    if users:
        raise InvalidResourceStateFault(f"Certificate {arn} is in use by endpoints: {', '.join(users)}")
    return json.dumps({"Certificate": certs.pop(key)})


def install() -> None:
    for name, fn in {
        "import_certificate": import_certificate,
        "describe_certificates": describe_certificates,
        "delete_certificate": delete_certificate,
    }.items():
        setattr(DatabaseMigrationServiceResponse, name, fn)
