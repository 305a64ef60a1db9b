"""IAM enforcement on demand (``dmslink_emulator/iam_enforcement.py``, docs/emulator.md I1-I3)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import Emulator

REGION = "ap-southeast-2"


def policy(*actions: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}


def user_client(emulator: Emulator, creds: dict[str, Any], service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name=REGION,
        aws_access_key_id=creds["access_key_id"],
        aws_secret_access_key=creds["secret_access_key"],
        config=Config(retries={"max_attempts": 1}),
    )


def enforce(emulator: Emulator, user: str, *actions: str) -> dict[str, Any]:
    status, doc = emulator.control("POST", "/iam/enforce", {"user": user, "policy": policy(*actions)})
    assert status == 200, doc
    return doc


def denied(err: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    resp = err.value.response
    return resp["Error"]["Code"], resp["ResponseMetadata"]["HTTPStatusCode"], resp["Error"]["Message"]


def test_enforcement_is_off_until_asked_and_after_a_reset(emulator: Emulator) -> None:
    assert emulator.control("GET", "/iam/enforce") == (200, {"enforcing": False})
    creds = enforce(emulator, "proof", "dms:DescribeReplicationTasks")
    assert emulator.control("GET", "/iam/enforce") == (200, {"enforcing": True})
    assert creds["arn"] == "arn:aws:iam::123456789012:user/proof"
    # The harness's own key is no IAM user's: refused as AWS refuses an unknown key.
    with pytest.raises(ClientError) as err:
        emulator.client("dms", REGION).describe_replication_tasks()
    assert denied(err)[:2] == ("UnrecognizedClientException", 400)
    with pytest.raises(ClientError) as err:
        emulator.client("ec2", REGION).describe_vpcs()
    assert denied(err)[:2] == ("AuthFailure", 401)
    # Control endpoints keep working, and a reset turns the checks off.
    assert emulator.control("POST", "/reset")[0] == 200
    assert emulator.control("GET", "/iam/enforce") == (200, {"enforcing": False})
    emulator.client("dms", REGION).describe_replication_tasks()


def test_json_services_deny_with_access_denied_exception_naming_the_action(emulator: Emulator) -> None:
    creds = enforce(emulator, "proof", "dms:DescribeReplicationTasks")
    dms = user_client(emulator, creds, "dms")
    dms.describe_replication_tasks()
    with pytest.raises(ClientError) as err:
        dms.describe_endpoints()
    code, status, message = denied(err)
    assert (code, status) == ("AccessDeniedException", 400)
    assert message == (
        "User: arn:aws:iam::123456789012:user/proof is not authorized to perform: dms:DescribeEndpoints "
        "because no identity-based policy allows the dms:DescribeEndpoints action"
    )
    with pytest.raises(ClientError) as err:
        user_client(emulator, creds, "secretsmanager").describe_secret(SecretId="x")
    code, status, message = denied(err)
    assert (code, status) == ("AccessDeniedException", 400)
    assert "secretsmanager:DescribeSecret" in message


def test_query_services_deny_in_their_envelopes(emulator: Emulator) -> None:
    creds = enforce(emulator, "proof", "ec2:DescribeVpcs")
    ec2 = user_client(emulator, creds, "ec2")
    ec2.describe_vpcs()
    with pytest.raises(ClientError) as err:
        ec2.describe_subnets()
    code, status, message = denied(err)
    assert (code, status) == ("UnauthorizedOperation", 403)
    assert "is not authorized to perform: ec2:DescribeSubnets" in message
    for service, call, action in [
        ("rds", lambda c: c.describe_db_instances(), "rds:DescribeDBInstances"),
        ("iam", lambda c: c.get_role(RoleName="dms-vpc-role"), "iam:GetRole"),
    ]:
        with pytest.raises(ClientError) as err:
            call(user_client(emulator, creds, service))
        code, status, message = denied(err)
        assert (code, status) == ("AccessDenied", 403), service
        assert f"is not authorized to perform: {action}" in message


def test_sts_get_caller_identity_needs_no_permission(emulator: Emulator) -> None:
    creds = enforce(emulator, "proof", "dms:DescribeReplicationTasks")
    ident = user_client(emulator, creds, "sts").get_caller_identity()
    assert ident["Arn"] == "arn:aws:iam::123456789012:user/proof"


@pytest.mark.parametrize(
    ("service", "action", "call"),
    [
        # Handlers the emulator adds to moto (moto has no DMS certificates, no table statistics).
        ("dms", "dms:DescribeCertificates", lambda c: c.describe_certificates()),
        ("dms", "dms:DescribeTableStatistics", lambda c: c.describe_table_statistics(ReplicationTaskArn="arn:aws:dms:ap-southeast-2:123456789012:task:X")),
        # Handlers it replaces (dms_network, dms_tasks, peering, rds_ext, iam_ext).
        ("dms", "dms:DescribeReplicationInstances", lambda c: c.describe_replication_instances()),
        ("dms", "dms:DescribeOrderableReplicationInstances", lambda c: c.describe_orderable_replication_instances()),
        ("ec2", "ec2:DescribeVpcPeeringConnections", lambda c: c.describe_vpc_peering_connections()),
        ("rds", "rds:DescribeOrderableDBInstanceOptions", lambda c: c.describe_orderable_db_instance_options(Engine="postgres")),
        ("iam", "iam:ListAttachedRolePolicies", lambda c: c.list_attached_role_policies(RoleName="dms-vpc-role")),
    ],
)
def test_extension_handlers_are_checked_too(emulator: Emulator, service: str, action: str, call: Any) -> None:
    creds = enforce(emulator, "proof", "sts:GetCallerIdentity")
    client = user_client(emulator, creds, service)
    with pytest.raises(ClientError) as err:
        call(client)
    assert action in denied(err)[2]
    enforce(emulator, "proof", action)
    try:
        call(client)
    except ClientError as other:  # allowed now: whatever it answers, it is no refusal
        assert other.response["Error"]["Code"] not in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")
    decisions = emulator.control("GET", "/iam/authorizations")[1]
    assert [d["allowed"] for d in decisions if d["action"] == action] == [False, True]


def test_the_decision_log_names_action_principal_and_key(emulator: Emulator) -> None:
    creds = enforce(emulator, "proof", "dms:DescribeEndpoints")
    assert emulator.control("DELETE", "/iam/authorizations")[0] == 200
    dms = user_client(emulator, creds, "dms")
    dms.describe_endpoints()
    with pytest.raises(ClientError):
        dms.describe_replication_tasks()
    status, decisions = emulator.control("GET", "/iam/authorizations")
    assert status == 200
    assert decisions == [
        {"action": "dms:DescribeEndpoints", "principal": creds["arn"], "access_key": creds["access_key_id"], "allowed": True},
        {"action": "dms:DescribeReplicationTasks", "principal": creds["arn"], "access_key": creds["access_key_id"], "allowed": False,
         "error": "AccessDeniedException"},
    ]


def test_a_second_enforce_replaces_the_policy_and_keeps_the_key(emulator: Emulator) -> None:
    first = enforce(emulator, "proof", "dms:DescribeEndpoints")
    second = enforce(emulator, "proof", "dms:DescribeReplicationTasks")
    assert second["access_key_id"] == first["access_key_id"]
    dms = user_client(emulator, second, "dms")
    dms.describe_replication_tasks()
    with pytest.raises(ClientError):
        dms.describe_endpoints()


def test_a_malformed_policy_is_refused(emulator: Emulator) -> None:
    status, doc = emulator.control("POST", "/iam/enforce", {"user": "proof", "policy": {"Statement": "nope"}})
    assert status == 400, doc
    assert emulator.control("GET", "/iam/enforce") == (200, {"enforcing": False})
    assert json.dumps(doc)


def test_a_form_body_is_checked_as_sent_not_as_botocore_would_encode_it(emulator: Emulator) -> None:
    """I3: ``a%2Db`` is ``a-b``; botocore would send ``a-b``. The signature covers the bytes sent."""
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    creds = enforce(emulator, "proof", "iam:GetRole")
    body = b"Action=GetRole&Version=2010-05-08&RoleName=a%2Db"
    request = AWSRequest(
        method="POST",
        url=emulator.url + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials(creds["access_key_id"], creds["secret_access_key"]), "iam", "us-east-1").add_auth(request)
    sent = urllib.request.Request(emulator.url + "/", data=body, method="POST", headers=dict(request.headers.items()))
    try:
        with urllib.request.urlopen(sent, timeout=10) as resp:
            answer, status = resp.read().decode(), resp.status
    except urllib.error.HTTPError as err:
        answer, status = err.read().decode(), err.code
    assert "SignatureDoesNotMatch" not in answer, answer
    assert (status, "NoSuchEntity" in answer) == (404, True), answer
    # The same bytes with one changed: the signature no longer matches.
    tampered = urllib.request.Request(
        emulator.url + "/", data=body.replace(b"a%2Db", b"a%2Dc"), method="POST", headers=dict(request.headers.items())
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(tampered, timeout=10)
    assert "SignatureDoesNotMatch" in err.value.read().decode()
