"""DMS endpoints whose login is in AWS Secrets Manager (issue 15 item 1).

AWS facts (docs/emulator.md "Secrets Manager credentials"):

* ``SecretsManagerSecretId`` and ``SecretsManagerAccessRoleArn`` exist only inside the engine's
  settings object (``PostgreSQLSettings``, ``OracleSettings``, ...), never top-level (service model
  ``dms/2016-01-01``).  The model's text: give them, "Or ... clear-text values for UserName,
  Password, ServerName, and Port. You can't specify both."  ``CreateEndpoint``/``ModifyEndpoint``
  with both -> ``InvalidParameterCombinationException`` (the code is [unverified]; the Rust fake
  answers the same).
* The secret is JSON with ``username``, ``password``, ``host``, ``port`` (DMS user guide,
  ``security_iam_secretsmanager.html``); ``dbname`` is read when present, else the endpoint's
  ``DatabaseName`` ([unverified]: modelled as DMS preferring the secret's).
* DMS reads the secret when it connects ("rotation happens without any effect on any database
  migration"): resolved at every ``TestConnection``, so a ``PutSecretValue`` applies to the next test.
* The access role must trust the regional principal ``dms.<region>.amazonaws.com``
  (HHS/simpler-grants-gov#1129: "should have the DMS Regional Service Principal ... as trusted
  entity"; whether the global ``dms.amazonaws.com`` alone ever works is [unverified], so it is not
  enough here) and allow ``secretsmanager:GetSecretValue`` on the secret.  Modelled strictly: only
  ``Action`` (not ``NotAction``) and ``Resource`` (not ``NotResource``) grant, a Deny of the action on
  the secret takes it away, conditions are not evaluated.  Otherwise the connection test ``failed``
  with a message naming what is missing (DMS's exact text is [unverified]).
* Not modelled: KMS (a customer-managed key needs ``kms:Decrypt``), cross-account secrets, IAM
  propagation of a fresh access role, the ``secretsManagerEndpointOverride`` ECA.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from .aws_common import iam_backend
from .strictness import _as_list, _document, policy_documents

SECRET_ID = "SecretsManagerSecretId"
ROLE_ARN = "SecretsManagerAccessRoleArn"
GET_SECRET_VALUE = "secretsmanager:GetSecretValue"
CLEAR_TEXT = ("Username", "Password", "ServerName", "Port")
SETTINGS_ATTRS = (
    "postgre_sql_settings",
    "oracle_settings",
    "my_sql_settings",
    "microsoft_sql_server_settings",
    "sybase_settings",
    "ibm_db2_settings",
)


class SecretProblem(Exception):
    """Why DMS could not read the endpoint's secret (the connection test's failure)."""


def pair_of(endpoint: Any) -> tuple[str, str | None] | None:
    """``(secret id, access role ARN)`` from the endpoint's settings, or None."""
    for attr in SETTINGS_ATTRS:
        value = getattr(endpoint, attr, None)
        if isinstance(value, dict) and value.get(SECRET_ID):
            return str(value[SECRET_ID]), value.get(ROLE_ARN)
    return None


def both_given(doc: dict[str, Any]) -> list[str]:
    """The clear-text members a request sends beside a secret pair (empty: no conflict)."""
    with_pair = any(isinstance(v, dict) and v.get(SECRET_ID) for k, v in doc.items() if k.endswith("Settings"))
    if not with_pair:
        return []
    given = [k for k in CLEAR_TEXT if doc.get(k) not in (None, "")]
    for key, value in doc.items():
        if key.endswith("Settings") and isinstance(value, dict):
            given += [f"{key}.{k}" for k in CLEAR_TEXT if value.get(k) not in (None, "")]
    return given


def _arn_parts(arn: str) -> tuple[str, str]:
    """``(region, account)`` of an ARN (empty strings when it is none)."""
    parts = arn.split(":", 5)
    return (parts[3], parts[4]) if len(parts) == 6 else ("", "")


def _statements(role: Any) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, s) for name, doc in policy_documents(role) for s in _as_list(doc.get("Statement")) if isinstance(s, dict)
    ]


def _matches(patterns: Any, text: str, case: bool) -> bool:
    if case:
        return any(isinstance(p, str) and fnmatch.fnmatchcase(text, p) for p in _as_list(patterns))
    return any(isinstance(p, str) and fnmatch.fnmatchcase(text.lower(), p.lower()) for p in _as_list(patterns))


def trusts(role: Any, principal: str) -> bool:
    doc = _document(getattr(role, "assume_role_policy_document", None))
    for s in _as_list(doc.get("Statement")):
        if not isinstance(s, dict) or s.get("Effect") != "Allow":
            continue
        services = _as_list((s.get("Principal") or {}).get("Service") if isinstance(s.get("Principal"), dict) else None)
        if principal in services and _matches(s.get("Action"), "sts:AssumeRole", case=False):
            return True
    return False


def access_problem(role: Any, secret_arn: str) -> str | None:
    """None when the role's own policies let it read the secret, else what is missing."""
    allowed = False
    for name, s in _statements(role):
        names_it = "Action" in s and _matches(s["Action"], GET_SECRET_VALUE, case=False)
        on_it = "Resource" in s and _matches(s["Resource"], secret_arn, case=True)
        if s.get("Effect") == "Deny" and names_it and (on_it or "Resource" not in s):
            return f"a Deny in {name} takes {GET_SECRET_VALUE} on {secret_arn} away"
        if s.get("Effect") == "Allow" and names_it and on_it:
            allowed = True
    return None if allowed else f"no policy of the role allows {GET_SECRET_VALUE} on {secret_arn}"


def role_problem(account: str, region: str, role_arn: str | None, secret_arn: str) -> str | None:
    """None when DMS may read ``secret_arn`` through ``role_arn``, else why not."""
    if not role_arn:
        return f"no {ROLE_ARN} is set beside {SECRET_ID}"
    name = role_arn.rsplit("/", 1)[-1]
    role = next((r for r in iam_backend(account, region).roles.values() if r.name == name), None)
    if role is None or getattr(role, "arn", role_arn) != role_arn:
        return f"the access role {role_arn} does not exist"
    principal = f"dms.{region}.amazonaws.com"
    if not trusts(role, principal):
        return f"the access role {role_arn} does not trust {principal}"
    problem = access_problem(role, secret_arn)
    return f"the access role {role_arn}: {problem}" if problem else None


def resolve(endpoint: Any) -> dict[str, Any] | None:
    """The login DMS would use, read from the secret now; None without a secret pair.

    Raises ``SecretProblem`` when DMS could not read it.
    """
    pair = pair_of(endpoint)
    if pair is None:
        return None
    secret_id, role_arn = pair
    region, account = _arn_parts(str(getattr(endpoint, "endpoint_arn", "")))
    from moto.secretsmanager.models import secretsmanager_backends

    backend = secretsmanager_backends[account][region]
    if secret_id not in backend.secrets:
        raise SecretProblem(f"Secrets Manager can't find the specified secret {secret_id}")
    secret = backend.secrets[secret_id]
    problem = role_problem(account, region, role_arn, secret.arn)
    if problem:
        raise SecretProblem(f"Failed to retrieve secret {secret_id}: {problem}")
    try:
        value = backend.get_secret_value(secret_id, None, None).get("SecretString")
        login = json.loads(value) if isinstance(value, str) else None
    except Exception as err:  # noqa: BLE001 - any failure to read it is the test's outcome
        raise SecretProblem(f"Failed to retrieve secret {secret_id}: {err}") from None
    if not isinstance(login, dict):
        raise SecretProblem(f"Secret {secret_id} is not a JSON object with username, password, host and port")
    missing = [k for k in ("username", "password", "host", "port") if login.get(k) in (None, "")]
    if missing:
        raise SecretProblem(f"Secret {secret_id} lacks {', '.join(missing)}")
    return login


def host_of(endpoint: Any) -> tuple[str, int] | None:
    """``(host, port)`` from the endpoint's secret for reachability; None without one or unreadable."""
    try:
        login = resolve(endpoint)
    except SecretProblem:
        return None
    if login is None:
        return None
    try:
        return str(login["host"]).strip(), int(login["port"])
    except (TypeError, ValueError):
        return None
