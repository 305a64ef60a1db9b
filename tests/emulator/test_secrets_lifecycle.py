"""Secrets Manager secrets scheduled for deletion (``dmslink_emulator/secrets_lifecycle.py``, rules SM5
and SM6 in docs/emulator.md) and the ``secretsmanager:secret`` objects of ``GET /_dmslink/inventory``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import Emulator
from test_stack import fault

SCHEDULED = "You can't create this secret because a secret with this name is already scheduled for deletion."
MARKED = "You can't perform this operation on the secret because it was marked for deletion."


def _not_found(fn: Callable[..., Any], **kwargs: Any) -> None:
    """``ResourceNotFoundException`` (moto answers it with HTTP 404; only the code is pinned here)."""
    with pytest.raises(ClientError) as info:
        fn(**kwargs)
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException", info.value.response


def _secrets(emulator: Emulator, query: str = "") -> list[dict[str, Any]]:
    status, doc = emulator.control("GET", "/inventory?type=secretsmanager:secret" + query)
    assert status == 200, doc
    return doc["objects"]


def test_create_on_the_name_of_a_secret_scheduled_for_deletion_is_refused_until_it_is_restored(
    emulator: Emulator,
) -> None:
    sm = emulator.client("secretsmanager")
    arn = sm.create_secret(Name="app-login", SecretString='{"username":"app"}')["ARN"]
    deleted = sm.delete_secret(SecretId=arn, RecoveryWindowInDays=7)
    assert deleted["ARN"] == arn and deleted["Name"] == "app-login"
    assert "DeletedDate" in sm.describe_secret(SecretId="app-login")

    err = fault(sm.create_secret, "InvalidRequestException", Name="app-login", SecretString='{"username":"new"}')
    assert err.response["Error"]["Message"] == SCHEDULED
    # with a ClientRequestToken of its own (an SDK always sends one) and without a value alike
    fault(sm.create_secret, "InvalidRequestException", Name="app-login", ClientRequestToken="t" * 32)
    fault(sm.create_secret, "InvalidRequestException", Name="app-login")
    fault(sm.get_secret_value, "InvalidRequestException", SecretId=arn)  # moto's own: no value while scheduled
    # other names are not affected
    assert sm.create_secret(Name="app-login-2")["Name"] == "app-login-2"

    # RestoreSecret: the same secret is live again under its name; a second one is now a live duplicate.
    assert sm.restore_secret(SecretId="app-login")["ARN"] == arn
    described = sm.describe_secret(SecretId="app-login")
    assert described["ARN"] == arn and "DeletedDate" not in described
    assert sm.get_secret_value(SecretId="app-login")["SecretString"] == '{"username":"app"}'
    fault(sm.create_secret, "ResourceExistsException", Name="app-login", SecretString="{}")


def test_force_delete_frees_the_name_at_once(emulator: Emulator) -> None:
    sm = emulator.client("secretsmanager")
    first = sm.create_secret(Name="app-login", SecretString="{}")["ARN"]
    sm.delete_secret(SecretId=first, ForceDeleteWithoutRecovery=True)
    _not_found(sm.describe_secret, SecretId=first)
    second = sm.create_secret(Name="app-login", SecretString="{}")["ARN"]
    assert second != first

    # a secret already scheduled for deletion can still be force-deleted, which frees its name too
    sm.delete_secret(SecretId=second, RecoveryWindowInDays=7)
    fault(sm.create_secret, "InvalidRequestException", Name="app-login")
    sm.delete_secret(SecretId=second, ForceDeleteWithoutRecovery=True)
    third = sm.create_secret(Name="app-login", SecretString="{}")["ARN"]
    assert third not in (first, second)


def test_create_on_a_scheduled_name_keeps_motos_answer_when_lenient(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"strict": False})
    sm = emulator.client("secretsmanager")
    sm.create_secret(Name="app-login", SecretString="{}")
    sm.delete_secret(SecretId="app-login", RecoveryWindowInDays=7)
    fault(sm.create_secret, "ResourceExistsException", Name="app-login", SecretString="{}")


def _tags(sm: Any, secret_id: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in sm.describe_secret(SecretId=secret_id).get("Tags", [])}


def _changes_refused(sm: Any, secret_id: str) -> None:
    """PutSecretValue, TagResource and UntagResource on ``secret_id`` are refused with SM6's answer."""
    for fn, kwargs in (
        (sm.put_secret_value, {"SecretString": '{"username":"new"}'}),
        (sm.tag_resource, {"Tags": [{"Key": "owner", "Value": "ops"}]}),
        (sm.untag_resource, {"TagKeys": ["dmslink:stack"]}),
    ):
        err = fault(fn, "InvalidRequestException", SecretId=secret_id, **kwargs)
        assert err.response["Error"]["Message"] == MARKED, (fn, err.response)


def test_value_and_tag_changes_on_a_secret_scheduled_for_deletion_are_refused_until_it_is_restored(
    emulator: Emulator,
) -> None:
    sm = emulator.client("secretsmanager")
    arn = sm.create_secret(Name="app-login", SecretString='{"username":"app"}',
                           Tags=[{"Key": "dmslink:stack", "Value": "demo"}])["ARN"]
    live = sm.create_secret(Name="other-login", SecretString="{}")["ARN"]
    sm.delete_secret(SecretId=arn, RecoveryWindowInDays=7)

    # by name, full ARN and partial ARN (without the random suffix) alike
    for secret_id in ("app-login", arn, arn.rsplit("-", 1)[0]):
        _changes_refused(sm, secret_id)
    # a PutSecretValue with a token of its own, or with SecretBinary, is refused too
    fault(sm.put_secret_value, "InvalidRequestException", SecretId=arn, SecretString="{}",
          ClientRequestToken="t" * 32)
    fault(sm.put_secret_value, "InvalidRequestException", SecretId=arn, SecretBinary=b"\x00")
    # nothing changed: the secret is still scheduled, with its tags and its one version
    described = sm.describe_secret(SecretId=arn)
    assert "DeletedDate" in described and _tags(sm, arn) == {"dmslink:stack": "demo"}
    assert len(sm.list_secret_version_ids(SecretId=arn)["Versions"]) == 1
    # a live secret and an unknown one are not affected (the unknown one keeps moto's answer)
    sm.tag_resource(SecretId=live, Tags=[{"Key": "owner", "Value": "ops"}])
    assert sm.put_secret_value(SecretId=live, SecretString='{"v":2}')["ARN"] == live
    _not_found(sm.put_secret_value, SecretId="nope", SecretString="{}")
    _not_found(sm.tag_resource, SecretId="nope", Tags=[{"Key": "owner", "Value": "ops"}])
    _not_found(sm.untag_resource, SecretId="nope", TagKeys=["owner"])

    # RestoreSecret: all three are allowed again, and apply
    sm.restore_secret(SecretId=arn)
    version = sm.put_secret_value(SecretId="app-login", SecretString='{"username":"new"}')["VersionId"]
    assert sm.get_secret_value(SecretId=arn)["VersionId"] == version
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == '{"username":"new"}'
    sm.tag_resource(SecretId=arn, Tags=[{"Key": "owner", "Value": "ops"}])
    sm.untag_resource(SecretId=arn, TagKeys=["dmslink:stack"])
    assert _tags(sm, arn) == {"owner": "ops"}

    # scheduled again: refused again
    sm.delete_secret(SecretId=arn, RecoveryWindowInDays=30)
    _changes_refused(sm, arn)


def test_value_and_tag_changes_on_a_scheduled_secret_keep_motos_answer_when_lenient(emulator: Emulator) -> None:
    emulator.control("POST", "/config", {"strict": False})
    sm = emulator.client("secretsmanager")
    arn = sm.create_secret(Name="app-login", SecretString="{}", Tags=[{"Key": "dmslink:stack", "Value": "demo"}])["ARN"]
    sm.delete_secret(SecretId=arn, RecoveryWindowInDays=7)
    # moto accepts all three and applies them; the secret stays scheduled
    assert sm.put_secret_value(SecretId=arn, SecretString='{"v":2}')["ARN"] == arn
    sm.tag_resource(SecretId=arn, Tags=[{"Key": "owner", "Value": "ops"}])
    sm.untag_resource(SecretId=arn, TagKeys=["dmslink:stack"])
    assert "DeletedDate" in sm.describe_secret(SecretId=arn) and _tags(sm, arn) == {"owner": "ops"}
    assert len(sm.list_secret_version_ids(SecretId=arn)["Versions"]) == 2


def test_inventory_lists_secrets_with_tags_and_their_deletion_state(emulator: Emulator) -> None:
    sm = emulator.client("secretsmanager")
    tags = [{"Key": "dmslink:stack", "Value": "demo"}, {"Key": "Name", "Value": "demo-login"}]
    arn = sm.create_secret(Name="demo/login", SecretString="{}", Tags=tags)["ARN"]
    other = emulator.client("secretsmanager", "eu-west-1").create_secret(Name="other")["ARN"]

    assert _secrets(emulator, "&region=us-east-1") == [
        {"type": "secretsmanager:secret", "account": "123456789012", "region": "us-east-1", "id": "demo/login",
         "arn": arn, "state": "available", "tags": {"dmslink:stack": "demo", "Name": "demo-login"}},
    ]
    assert [(o["region"], o["arn"], o["tags"]) for o in _secrets(emulator, "&region=eu-west-1")] == [
        ("eu-west-1", other, {})]
    status, doc = emulator.control("GET", "/inventory?tag=dmslink:stack=demo")
    assert [o["arn"] for o in doc["objects"]] == [arn] and doc["counts"] == {"secretsmanager:secret": 1}
    sm.tag_resource(SecretId=arn, Tags=[{"Key": "owner", "Value": "ops"}])
    sm.untag_resource(SecretId=arn, TagKeys=["Name"])
    assert [o["tags"] for o in _secrets(emulator, "&tag=dmslink:stack=demo")] == [
        {"dmslink:stack": "demo", "owner": "ops"}]

    # scheduled for deletion: still listed, "deleting" (a state the leak checks count as gone)
    sm.delete_secret(SecretId=arn, RecoveryWindowInDays=7)
    assert [(o["id"], o["state"]) for o in _secrets(emulator, "&region=us-east-1")] == [("demo/login", "deleting")]
    sm.restore_secret(SecretId=arn)
    assert [o["state"] for o in _secrets(emulator, "&region=us-east-1")] == ["available"]
    sm.delete_secret(SecretId=arn, RecoveryWindowInDays=7)
    # force-deleted: gone
    sm.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    assert _secrets(emulator, "&region=us-east-1") == []
    assert [o["arn"] for o in _secrets(emulator)] == [other]


def test_a_recovery_window_outside_7_to_30_days_is_refused_with_awss_sentence(emulator: Emulator) -> None:
    sm = emulator.client("secretsmanager")
    arn = sm.create_secret(Name="window-login", SecretString="{}")["ARN"]
    for days in (3, 31):
        with pytest.raises(ClientError) as info:
            sm.delete_secret(SecretId=arn, RecoveryWindowInDays=days)
        error = info.value.response["Error"]
        assert error["Code"] == "InvalidParameterException", error
        assert error["Message"] == "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).", error
    assert "DeletedDate" not in sm.describe_secret(SecretId=arn), "a refused delete schedules nothing"
    sm.delete_secret(SecretId=arn, RecoveryWindowInDays=30)
    assert "DeletedDate" in sm.describe_secret(SecretId=arn)
