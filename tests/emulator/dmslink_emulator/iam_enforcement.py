"""IAM enforcement on demand: prove a least-privilege policy (issue 17 item 5, ``docs/iam/``).

moto can authenticate and authorize every request itself (``moto/core/authorization.py``): once
``settings.INITIAL_NO_AUTH_ACTION_COUNT`` requests have been served (``POST /moto-api/reset-auth``
with the count as body sets it and restarts the count), each call must be signed with the access
key of a moto IAM user (or an assumed role) whose policies allow ``<signing name>:<Action>``
(``moto/iam/access_control.py``). The check runs at the top of ``BaseResponse.call_action``,
before the response method is looked up, so it covers every handler this emulator adds or
replaces (they are response methods; ``test_iam_enforcement.py`` calls one of each kind).
moto evaluates the policies with ``Resource: "*"`` for every service but S3, so a statement
scoped to an ARN never matches: proof policies allow on ``"*"``.

This module adds, without changing what moto allows or denies:

* I1 the denial in AWS's shape for the caller's protocol (moto answers every service with a
  query-XML ``AccessDenied`` body, which JSON clients and EC2's parser cannot read):
  ``awsJson1_1`` services (DMS, Secrets Manager, CloudWatch Logs) answer HTTP 400
  ``{"__type": "AccessDeniedException"}`` (the AWS common error ``AccessDeniedException``,
  https://docs.aws.amazon.com/dms/latest/APIReference/CommonErrors.html); EC2 answers HTTP 403
  ``UnauthorizedOperation`` in EC2's ``<Response><Errors>`` envelope
  (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html); the other
  query services (RDS, IAM, STS) HTTP 403 ``AccessDenied`` in ``<ErrorResponse><Error>``. The
  message is AWS's for an implicit deny of an action without a resource in the request context:
  "User: <arn> is not authorized to perform: <svc>:<Action> because no identity-based policy
  allows the <svc>:<Action> action" (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
  AWS's message may add "on resource: <arn>"; the emulator never knows the resource (moto checks
  ``*``), so it leaves that out. For mutating EC2 calls real AWS may give only an
  "Encoded authorization failure message" (decoded with ``sts:DecodeAuthorizationMessage``);
  the emulator names the action in clear text: a client must not depend on either. An unknown
  access key or a bad signature on a JSON service answers HTTP 400 ``UnrecognizedClientException``
  / ``InvalidSignatureException`` (the AWS common errors) instead of moto's query-XML
  ``InvalidClientTokenId`` / ``SignatureDoesNotMatch``, which stay for the query services.
* I2 a log of every authorization decision (``GET /_dmslink/iam/authorizations``): the action,
  the principal, the access key and whether it was allowed, so that a test can compare the
  actions a run needed with the policy it documents.
* I3 the signature of a form-encoded request (EC2, RDS, IAM, STS) is checked over the bytes the
  client sent, as AWS does (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html,
  "HashedPayload"); moto checks a re-encoding of the parsed form, which refuses a client that
  percent-encodes differently from botocore (the Rust SDK, for an IAM policy document).
* Control endpoints so a test needs no boto3 to set it up:

  ``POST   /_dmslink/iam/enforce``  ``{"user": "name", "policy": {...}}``: creates the IAM user
      (account 123456789012) if missing, sets its one inline policy ``dmslink-proof`` to
      ``policy`` (moto validates it as ``PutUserPolicy`` does), gives it one access key, and
      turns enforcement on (``INITIAL_NO_AUTH_ACTION_COUNT = 0``). Answers
      ``{"user", "arn", "access_key_id", "secret_access_key"}``. Called again for the same
      user, it replaces the policy and keeps the key.
  ``DELETE /_dmslink/iam/enforce``  enforcement off (moto's default, no checks).
  ``GET    /_dmslink/iam/enforce``  ``{"enforcing": bool}``.
  ``GET    /_dmslink/iam/authorizations``, ``DELETE`` clears them.

  ``POST /_dmslink/reset`` turns enforcement off and clears the log (the users went with moto's
  state). Control endpoints and ``/moto-api/`` are never checked; the harness's own fixtures
  (boto3 with the key ``testing``) must run before enforcement starts or after it stops:
  ``testing`` is no IAM user's key, so a check refuses it (``InvalidClientTokenId``, EC2
  ``AuthFailure``), as AWS refuses an unknown key.

Not modelled: explicit ``Deny`` in other policy types (SCPs, boundaries, session policies),
resource-based policies, ``Condition`` keys, ``iam:PassRole`` implied by a create (moto checks
only the called action). ``sts:GetCallerIdentity`` is always allowed (moto, and AWS: "No
permissions are required to perform this operation",
https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from werkzeug.exceptions import HTTPException

from .control import ControlError, interceptor, on_reset, route
from .request_log import read_form_bytes

ACCOUNT = "123456789012"
# environ key: the exact bytes of a form-encoded body, for the signature check (I3).
RAW_BODY = "dmslink.raw_form_body"
POLICY_NAME = "dmslink-proof"

# Signing names of the services that speak awsJson1_1 (and answer AccessDeniedException, HTTP 400).
JSON_SERVICES = frozenset({"dms", "secretsmanager", "logs", "dynamodb", "kms"})

_lock = threading.Lock()
_decisions: list[dict[str, Any]] = []
_keys: dict[str, tuple[str, str]] = {}  # user -> (access key id, secret)


class AccessDenied(HTTPException):
    """An authorization refusal, with the body and status of the caller's protocol (I1)."""

    def __init__(self, service: str, principal: str, action: str) -> None:
        super().__init__()
        message = (
            f"User: {principal} is not authorized to perform: {action} "
            f"because no identity-based policy allows the {action} action"
        )
        request_id = str(uuid.uuid4())
        self.message = message
        self.error_type = "AccessDeniedException" if service in JSON_SERVICES else (
            "UnauthorizedOperation" if service == "ec2" else "AccessDenied"
        )
        if service in JSON_SERVICES:
            self.code = 400
            self.description = json.dumps({"__type": "AccessDeniedException", "message": message})
        elif service == "ec2":
            self.code = 403
            self.description = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
                f"<Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation. "
                f"{_xml(message)}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
            )
        else:
            self.code = 403
            self.description = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type>'
                f"<Code>AccessDenied</Code><Message>{_xml(message)}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>"
            )

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        return self.description or ""


class JsonAuthError(HTTPException):
    """An unknown key or a bad signature on an awsJson1_1 service: HTTP 400 with a JSON body (I1)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__()
        self.code = 400
        self.message = message
        self.error_type = error_type
        self.description = json.dumps({"__type": error_type, "message": message})

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        return self.description or ""


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def enforcing() -> bool:
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    return ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT


def set_enforcing(on: bool) -> None:
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0 if on else float("inf")
    ActionAuthenticatorMixin.request_count = 0


def decisions() -> list[dict[str, Any]]:
    with _lock:
        return [dict(d) for d in _decisions]


def _record(request: Any, allowed: bool, error: BaseException | None = None) -> None:
    key = getattr(request, "_access_key", None)
    entry: dict[str, Any] = {
        "action": request._action,
        "principal": getattr(key, "arn", None),
        "access_key": getattr(key, "_access_key_id", None),
        "allowed": allowed,
    }
    if error is not None:
        entry["error"] = getattr(error, "error_type", None) or type(error).__name__
    with _lock:
        _decisions.append(entry)


def _iam_backend() -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[ACCOUNT]["aws"]


def enforce(user: str, policy: Any) -> dict[str, Any]:
    """Create or update ``user`` with ``policy`` as its only inline policy; enforcement on."""
    from moto.iam.exceptions import NoSuchEntity

    if not isinstance(user, str) or not user:
        raise ControlError(400, "user: a non-empty string")
    if not isinstance(policy, (dict, str)):
        raise ControlError(400, "policy: an IAM policy document (object or JSON text)")
    document = policy if isinstance(policy, str) else json.dumps(policy)
    backend = _iam_backend()
    try:
        backend.get_user(user)
    except NoSuchEntity:
        backend.create_user(region_name="us-east-1", user_name=user)
    try:
        backend.put_user_policy(user, POLICY_NAME, document)
    except Exception as err:  # moto's policy validation (MalformedPolicyDocument ...)
        raise ControlError(400, f"policy refused: {err}") from None
    with _lock:
        known = _keys.get(user)
    if known is None or not any(k.access_key_id == known[0] for k in backend.get_user(user).access_keys):
        access_key = backend.create_access_key(user)
        known = (access_key.access_key_id, access_key.secret_access_key)
        with _lock:
            _keys[user] = known
    set_enforcing(True)
    return {
        "user": user,
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}",
        "access_key_id": known[0],
        "secret_access_key": known[1],
    }


@route("POST", "/iam/enforce")
def _post_enforce(body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    if not isinstance(body, dict):
        raise ControlError(400, 'body: {"user": "...", "policy": {...}}')
    return 200, enforce(body.get("user"), body.get("policy"))


@route("DELETE", "/iam/enforce")
def _delete_enforce(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    set_enforcing(False)
    return 200, {"enforcing": False}


@route("GET", "/iam/enforce")
def _get_enforce(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    return 200, {"enforcing": enforcing()}


@route("GET", "/iam/authorizations")
def _get_authorizations(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    return 200, decisions()


@route("DELETE", "/iam/authorizations")
def _clear_authorizations(_body: Any, _query: dict[str, list[str]]) -> tuple[int, Any]:
    with _lock:
        n = len(_decisions)
        _decisions.clear()
    return 200, {"cleared": n}


@interceptor
def _keep_raw_form_body(_service: str, _action: str, environ: dict[str, Any], _start: Any, _entry: Any) -> None:
    """I3: keep the bytes of a form-encoded body (EC2, RDS, IAM, STS) while enforcing.

    werkzeug parses such a body into ``request.form`` and moto then signs the re-encoded form
    (``urlencode`` of the parsed values) to check the signature: a client that percent-encodes
    differently from botocore (the Rust SDK) is refused ``SignatureDoesNotMatch`` although its
    signature is right. AWS checks the bytes that were sent.
    """
    if not enforcing():
        return None
    raw = read_form_bytes(environ)
    if raw is not None:
        environ[RAW_BODY] = raw
    return None


@on_reset
def _on_reset() -> None:
    set_enforcing(False)
    with _lock:
        _decisions.clear()
        _keys.clear()


_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from moto.iam.access_control import IAMRequest

    inner_check = IAMRequest.check_action_permitted

    def check_action_permitted(self: Any, resource: str) -> None:
        try:
            inner_check(self, resource)
        except BaseException as err:
            _record(self, False, err)
            raise
        _record(self, True)

    inner_signature = IAMRequest.check_signature

    def check_signature(self: Any) -> None:
        try:
            inner_signature(self)
        except BaseException as err:
            _record(self, False, err)
            raise

    def raise_access_denied(self: Any) -> None:
        raise AccessDenied(self._service, self._access_key.arn, self._action)

    inner_invalid_key = IAMRequest._raise_invalid_access_key
    inner_bad_signature = IAMRequest._raise_signature_does_not_match

    def raise_invalid_access_key(self: Any, reason: str) -> None:
        if self._service in JSON_SERVICES:
            raise JsonAuthError("UnrecognizedClientException", "The security token included in the request is invalid.")
        inner_invalid_key(self, reason)

    def raise_signature_does_not_match(self: Any) -> None:
        if self._service in JSON_SERVICES:
            raise JsonAuthError(
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            )
        inner_bad_signature(self)

    inner_aws_request = IAMRequest._create_aws_request

    def create_aws_request(self: Any) -> Any:
        request = inner_aws_request(self)
        environ = getattr(self._headers, "environ", None)
        raw = environ.get(RAW_BODY) if isinstance(environ, dict) else None
        if raw is not None:
            request.data = raw
        return request

    IAMRequest._create_aws_request = create_aws_request  # type: ignore[method-assign]
    IAMRequest.check_action_permitted = check_action_permitted  # type: ignore[method-assign]
    IAMRequest.check_signature = check_signature  # type: ignore[method-assign]
    IAMRequest._raise_access_denied = raise_access_denied  # type: ignore[method-assign]
    IAMRequest._raise_invalid_access_key = raise_invalid_access_key  # type: ignore[method-assign]
    IAMRequest._raise_signature_does_not_match = raise_signature_does_not_match  # type: ignore[method-assign]
