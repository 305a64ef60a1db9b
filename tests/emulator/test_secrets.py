"""Secrets Manager credentials on DMS endpoints (dms_secrets.py): the secret resolved at
TestConnection for a real local PostgreSQL login, rotation applying to the next test, the access
role's refusals, and the pair refused beside clear-text credentials."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import Emulator
from test_connections import APP_DB, APP_PASS, APP_USER, FAST, local_postgres, wait_connection  # noqa: F401
from test_emulator import make_refs

TRUST_REGIONAL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                  "Principal": {"Service": "dms.us-east-1.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
TRUST_GLOBAL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "dms.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _read_policy(resource: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                       "Action": "secretsmanager:GetSecretValue", "Resource": resource}]})


def _role(iam: Any, name: str, trust: dict[str, Any], resource: str | None) -> str:
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if resource is not None:
        iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=_read_policy(resource))
    return arn


def _secret_endpoint(dms: Any, ident: str, secret: str, role: str | None) -> str:
    settings = {"SecretsManagerSecretId": secret, "DatabaseName": APP_DB}
    if role is not None:
        settings["SecretsManagerAccessRoleArn"] = role
    return dms.create_endpoint(
        EndpointIdentifier=ident, EndpointType="target", EngineName="postgres", DatabaseName=APP_DB,
        PostgreSQLSettings=settings,
    )["Endpoint"]["EndpointArn"]


def _test(dms: Any, instance: str, endpoint: str) -> dict[str, Any]:
    dms.test_connection(ReplicationInstanceArn=instance, EndpointArn=endpoint)
    return wait_connection(dms, instance, endpoint)[0]


def test_a_secret_logs_in_to_a_local_postgres_and_rotation_applies_to_the_next_test(
    emulator: Emulator, dms: Any, local_postgres: int  # noqa: F811
) -> None:
    emulator.control("POST", "/config", FAST)
    sm, iam = emulator.client("secretsmanager"), emulator.client("iam")
    refs = make_refs(dms)
    login = {"username": APP_USER, "password": APP_PASS, "host": "127.0.0.1", "port": local_postgres}
    secret = sm.create_secret(Name="pg-login", SecretString=json.dumps(login))["ARN"]
    role = _role(iam, "pg-secret-reader", TRUST_REGIONAL, secret)
    by_arn = _secret_endpoint(dms, "pg-by-arn", secret, role)
    by_name = _secret_endpoint(dms, "pg-by-name", "pg-login", role)
    described = dms.describe_endpoints(Filters=[{"Name": "endpoint-arn", "Values": [by_arn]}])["Endpoints"][0]
    assert described["PostgreSQLSettings"]["SecretsManagerSecretId"] == secret
    assert "Username" not in described and "ServerName" not in described
    for arn in (by_arn, by_name):
        conn = _test(dms, refs["instance"], arn)
        assert conn["Status"] == "successful", conn

    # A wrong password in the secret fails the next test with the server's answer; no endpoint change.
    sm.put_secret_value(SecretId=secret, SecretString=json.dumps({**login, "password": "rotated-wrong"}))
    conn = _test(dms, refs["instance"], by_arn)
    assert conn["Status"] == "failed" and f'password authentication failed for user "{APP_USER}"' in conn[
        "LastFailureMessage"]
    # dbname in the secret wins over the endpoint's DatabaseName.
    sm.put_secret_value(SecretId=secret, SecretString=json.dumps({**login, "dbname": "nosuchdb"}))
    conn = _test(dms, refs["instance"], by_arn)
    assert conn["Status"] == "failed" and 'database "nosuchdb" does not exist' in conn["LastFailureMessage"]
    sm.put_secret_value(SecretId=secret, SecretString=json.dumps(login))
    assert _test(dms, refs["instance"], by_arn)["Status"] == "successful"


def test_the_access_role_must_exist_trust_regional_dms_and_allow_get_secret_value(
    emulator: Emulator, dms: Any
) -> None:
    emulator.control("POST", "/config", FAST)
    sm, iam = emulator.client("secretsmanager"), emulator.client("iam")
    refs = make_refs(dms)
    login = {"username": "u", "password": "p", "host": "db.example.com", "port": 5432}
    secret = sm.create_secret(Name="remote-login", SecretString=json.dumps(login))["ARN"]
    other = sm.create_secret(Name="other-login", SecretString=json.dumps(login))["ARN"]
    cases = {
        "no-role": (None, "no SecretsManagerAccessRoleArn"),
        "missing-role": ("arn:aws:iam::123456789012:role/nobody", "does not exist"),
        "global-trust": (_role(iam, "global-trust", TRUST_GLOBAL, secret), "does not trust dms.us-east-1.amazonaws.com"),
        "other-secret": (_role(iam, "other-secret", TRUST_REGIONAL, other), "allows secretsmanager:GetSecretValue"),
        "no-policy": (_role(iam, "no-policy", TRUST_REGIONAL, None), "allows secretsmanager:GetSecretValue"),
    }
    for ident, (role, needle) in cases.items():
        arn = _secret_endpoint(dms, ident, secret, role)
        conn = _test(dms, refs["instance"], arn)
        assert conn["Status"] == "failed" and needle in conn["LastFailureMessage"], (ident, conn)
    good = _secret_endpoint(dms, "good-role", secret, _role(iam, "good-role", TRUST_REGIONAL, secret))
    assert _test(dms, refs["instance"], good)["Status"] == "successful"
    gone = _secret_endpoint(dms, "no-secret", "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf",
                            _role(iam, "reader", TRUST_REGIONAL, "*"))
    conn = _test(dms, refs["instance"], gone)
    assert conn["Status"] == "failed" and "can't find the specified secret" in conn["LastFailureMessage"]


def test_a_secret_beside_clear_text_credentials_is_refused(emulator: Emulator, dms: Any) -> None:
    role = "arn:aws:iam::123456789012:role/r"
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf"
    with pytest.raises(ClientError) as err:
        dms.create_endpoint(
            EndpointIdentifier="both", EndpointType="target", EngineName="postgres", DatabaseName="db",
            Username="u", Password="p",
            PostgreSQLSettings={"SecretsManagerSecretId": secret, "SecretsManagerAccessRoleArn": role},
        )
    assert err.value.response["Error"]["Code"] == "InvalidParameterCombinationException"
    assert "Username, Password" in err.value.response["Error"]["Message"]
    refs = make_refs(dms)
    with pytest.raises(ClientError) as err:
        dms.modify_endpoint(EndpointArn=refs["target"], Port=5433,
                            PostgreSQLSettings={"SecretsManagerSecretId": secret, "SecretsManagerAccessRoleArn": role})
    assert err.value.response["Error"]["Code"] == "InvalidParameterCombinationException"
    # The pair alone replaces the clear-text login.
    out = dms.modify_endpoint(EndpointArn=refs["target"],
                              PostgreSQLSettings={"SecretsManagerSecretId": secret, "SecretsManagerAccessRoleArn": role})
    assert "Username" not in out["Endpoint"] and "ServerName" not in out["Endpoint"]


def test_asm_and_kafka_passwords_are_never_echoed(emulator: Emulator, dms: Any) -> None:
    out = dms.create_endpoint(
        EndpointIdentifier="asm", EndpointType="source", EngineName="oracle", Username="u", Password="p",
        ServerName="o.example", Port=1521, DatabaseName="ORCL",
        OracleSettings={"AsmUser": "asm", "AsmPassword": "asm-secret", "AsmServer": "asm.example"},
    )["Endpoint"]
    assert out["OracleSettings"].get("AsmUser") == "asm"
    assert "AsmPassword" not in out["OracleSettings"]
