"""Secrets Manager: a secret scheduled for deletion, its name (rule SM5) and changes to it (rule SM6)
in docs/emulator.md.

AWS facts (Secrets Manager API reference, quoted as the botocore ``secretsmanager`` model carries it):

* ``DeleteSecret`` without ``ForceDeleteWithoutRecovery`` only schedules the deletion
  (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html): "Secrets
  Manager attaches a DeletionDate stamp to the secret that specifies the end of the recovery window.
  At the end of the recovery window, Secrets Manager deletes the secret permanently"; "At any time
  before recovery window ends, you can use RestoreSecret to remove the DeletionDate and cancel the
  deletion".  Until then the secret, and so its name, still exists (``DescribeSecret`` shows
  ``DeletedDate``, "The date the secret is scheduled for deletion").
* ``CreateSecret`` (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html)
  lists ``InvalidRequestException``, "A parameter value is not valid for the current state of the
  resource. Possible causes: The secret is scheduled for deletion": a new secret cannot take the
  name of one scheduled for deletion until that one is restored or its recovery window ends.
* So ``CreateSecret`` with the ``Name`` of a secret scheduled for deletion (strict) ->
  ``InvalidRequestException`` "You can't create this secret because a secret with this name is
  already scheduled for deletion." (AWS's exact text is [unverified]; the Rust fake,
  ``provider/src/aws/fake/secrets_manager.rs``, answers the same).  moto 5.2.5 refused too, but as
  if the secret were live (``ResourceExistsException``), which hides the one thing a caller must
  do: restore the old secret (or wait out its window) rather than adopt the "existing" one.
  Lenient mode keeps moto's answer.
* ``RestoreSecret`` makes the secret live again under its name ("You can access a secret again
  after it has been restored"; moto's own restore); ``ForceDeleteWithoutRecovery`` removes it at
  once, so the name is free (moto's own delete).
* ``PutSecretValue``, ``TagResource`` and ``UntagResource`` on a secret scheduled for deletion
  (strict) -> ``InvalidRequestException`` "You can't perform this operation on the secret because it
  was marked for deletion." (rule SM6).  The botocore ``secretsmanager`` model (2017-10-17, botocore
  1.44.5) lists ``InvalidRequestException`` among the ``errors`` of all three operations, and the
  shape's documentation, shared by every operation, reads "A parameter value is not valid for the
  current state of the resource. Possible causes: The secret is scheduled for deletion. [...]"; the
  model does not say per operation which cause applies.  ``DeleteSecret`` ("When a secret is
  scheduled for deletion, you cannot retrieve the secret value. You must first cancel the deletion
  with RestoreSecret") and ``DescribeSecret``'s ``DeletedDate`` ("If a secret is scheduled for
  deletion, then its details, including the encrypted secret value, is not accessible. To cancel a
  scheduled deletion and restore access to the secret, use RestoreSecret") point the same way.
  AWS's exact text is [unverified] (not in the model): it is the text moto 5.2.5 answers for
  ``UpdateSecret`` on a scheduled secret, and the Rust fake's.  moto 5.2.5 accepted all three and
  applied them (a new ``AWSCURRENT`` version, tags added or removed) while the secret stayed
  scheduled; lenient mode keeps that.  The secret is named by ``SecretId`` as moto resolves it (name,
  full or partial ARN); an unknown one is left to moto (``ResourceNotFoundException``).  A
  ``PutSecretValue`` retried with the ``ClientRequestToken`` of an existing version is refused as
  well (moto would answer that version): whether AWS answers such a retry is [unverified].
  ``RestoreSecret`` lifts the refusal.

* ``DeleteSecret`` with ``RecoveryWindowInDays`` outside 7 to 30 (rule SM7) -> ``InvalidParameterException``
  "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)." (API_DeleteSecret:
  "This value can range from 7 to 30 days").  moto 5.2.5 refuses too, but its message carries the
  text of a boto error print ("An error occurred (InvalidParameterException) when calling the
  DeleteSecret operation: The ...") with the indentation of its source; the emulator answers the
  sentence alone, as the Rust fake does, in both modes.

Not modelled: the end of the recovery window (7 to 30 days; a scheduled secret stays scheduled
until it is restored, force-deleted, or the emulator is reset), and the "short delay before the
secret is permanently deleted" after ``ForceDeleteWithoutRecovery`` (API_DeleteSecret: "If you
delete a secret and then immediately create a secret with the same name, use appropriate back off
and retry logic"): here the name is free at once.
"""

from __future__ import annotations

from typing import Any

from .aws_common import original, patch_method, strict
from .control import STATE_LOCK

SCHEDULED_MESSAGE = (
    "You can't create this secret because a secret with this name is already scheduled for deletion."
)
MARKED_FOR_DELETION_MESSAGE = "You can't perform this operation on the secret because it was marked for deletion."


def scheduled_secret(backend: Any, name: Any) -> Any | None:
    """The secret called exactly ``name`` in ``backend`` when it is scheduled for deletion, else None."""
    if not isinstance(name, str) or not name:
        return None
    for secret in list(dict.values(backend.secrets)):
        if getattr(secret, "name", None) == name and secret.is_deleted():
            return secret
    return None


def scheduled_target(backend: Any, secret_id: Any) -> Any | None:
    """The secret ``secret_id`` names (moto's own lookup: name, full or partial ARN) when it is
    scheduled for deletion, else None (also when there is no such secret: moto answers that)."""
    if not isinstance(secret_id, str) or not secret_id:
        return None
    secret = backend.secrets.get(secret_id)
    if secret is not None and secret.is_deleted():
        return secret
    return None


def secret_state(secret: Any) -> str:
    """The inventory's ``state`` of a secret: ``deleting`` while scheduled for deletion."""
    return "deleting" if secret.is_deleted() else "available"


def create_secret(self: Any) -> Any:
    from moto.secretsmanager.exceptions import InvalidRequestException
    from moto.secretsmanager.responses import SecretsManagerResponse

    # Check and create in one step: no other call slips in between.
    with STATE_LOCK:
        if strict() and scheduled_secret(self.backend, self._get_param("Name")) is not None:
            raise InvalidRequestException(SCHEDULED_MESSAGE)
        return original(SecretsManagerResponse, "create_secret")(self)


RECOVERY_WINDOW_MESSAGE = "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."


def delete_secret(self: Any) -> Any:
    from moto.secretsmanager.exceptions import InvalidParameterException
    from moto.secretsmanager.responses import SecretsManagerResponse

    window = self._get_param("RecoveryWindowInDays")
    if isinstance(window, int) and not 7 <= window <= 30:
        raise InvalidParameterException(RECOVERY_WINDOW_MESSAGE)
    return original(SecretsManagerResponse, "delete_secret")(self)


def _refuse_when_scheduled(operation: str) -> Any:
    """``operation`` of ``SecretsManagerResponse``, refused (strict) on a secret scheduled for deletion (SM6)."""

    def handler(self: Any) -> Any:
        from moto.secretsmanager.exceptions import InvalidRequestException
        from moto.secretsmanager.responses import SecretsManagerResponse

        # Check and change in one step: no DeleteSecret or RestoreSecret slips in between.
        with STATE_LOCK:
            if strict() and scheduled_target(self.backend, self._get_param("SecretId")) is not None:
                raise InvalidRequestException(MARKED_FOR_DELETION_MESSAGE)
            return original(SecretsManagerResponse, operation)(self)

    handler.__name__ = operation
    return handler


put_secret_value = _refuse_when_scheduled("put_secret_value")
tag_resource = _refuse_when_scheduled("tag_resource")
untag_resource = _refuse_when_scheduled("untag_resource")


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from moto.secretsmanager.responses import SecretsManagerResponse

    patch_method(SecretsManagerResponse, "create_secret", create_secret)
    patch_method(SecretsManagerResponse, "delete_secret", delete_secret)
    patch_method(SecretsManagerResponse, "put_secret_value", put_secret_value)
    patch_method(SecretsManagerResponse, "tag_resource", tag_resource)
    patch_method(SecretsManagerResponse, "untag_resource", untag_resource)
