"""In-memory log of the AWS API calls the emulator served.

Each entry is ``{"service": "dms", "action": "CreateReplicationTask",
"time": "2024-01-01T00:00:00.000000Z", "status": 200, "access_key": "testing"}``.
``status`` is the HTTP status of the response (``None`` while the call is in
flight); ``access_key`` is the access key ID the request was signed with
(``None`` when unsigned), so that tests running several clients at once can
tell whose calls they are.

The service is the SigV4 signing name taken from the ``Authorization``
header (``dms``, ``sts``, ``s3``, ``dynamodb``, ``ec2``, ``rds``, ``iam`` ...).
The action comes from ``X-Amz-Target`` (JSON protocols), the ``Action``
parameter (query protocols: STS, EC2, RDS, IAM), or, for S3's REST API, a
coarse guess from the method, path and sub-resource (``PutObject``,
``GetObject``, ``ListObjects``, ``CreateBucket`` ...).
"""

from __future__ import annotations

import datetime as _dt
import io
import threading
from collections import deque
from typing import Any
from urllib.parse import parse_qs, parse_qsl

MAX_ENTRIES = 200_000
_MAX_FORM_BYTES = 16 * 1024 * 1024

# X-Amz-Target prefixes of unsigned requests, for the rare client that sends one.
_TARGET_PREFIX_SERVICE = {
    "AmazonDMSv20160101": "dms",
    "DynamoDB_20120810": "dynamodb",
    "DynamoDBStreams_20120810": "dynamodb",
}


def _utc_now() -> str:
    now = _dt.datetime.now(_dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _service_from_auth(auth: str) -> str | None:
    # "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dms/aws4_request, ..."
    try:
        credential = auth.split(",")[0].split()[1]
        scope = credential.split("=", 1)[1].split("/")
        return scope[3].lower()
    except (IndexError, ValueError):
        return None


def access_key_of(environ: dict[str, Any]) -> str | None:
    """The access key ID of a SigV4-signed request (header or presigned URL), else ``None``."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        credential = auth.split(",")[0].split()[1]
        return credential.split("=", 1)[1].split("/")[0] or None
    except (IndexError, ValueError):
        pass
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if "X-Amz-Credential" in query:
        return query["X-Amz-Credential"][0].split("/")[0] or None
    return None


def read_form_bytes(environ: dict[str, Any]) -> bytes | None:
    """Read a form-urlencoded body (query protocols) as sent and put it back for moto."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0 or length > _MAX_FORM_BYTES:
        return None
    raw = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(raw)
    return raw


def read_form_body(environ: dict[str, Any]) -> str | None:
    """[`read_form_bytes`] as text."""
    raw = read_form_bytes(environ)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _s3_subresource_name(sub: str) -> str:
    special = {
        "publicAccessBlock": "PublicAccessBlock",
        "ownershipControls": "OwnershipControls",
        "object-lock": "ObjectLockConfiguration",
        "intelligent-tiering": "IntelligentTieringConfiguration",
        "requestPayment": "RequestPayment",
    }
    if sub in special:
        return special[sub]
    return "".join(part[:1].upper() + part[1:] for part in sub.split("-"))


_S3_BUCKET_SUBRESOURCES = (
    "acl", "policy", "versioning", "tagging", "cors", "lifecycle", "encryption",
    "logging", "notification", "replication", "website", "ownershipControls",
    "publicAccessBlock", "object-lock", "accelerate", "requestPayment",
    "intelligent-tiering", "analytics", "metrics", "inventory", "policyStatus",
)


def _s3_action(method: str, path: str, query: dict[str, list[str]], environ: dict[str, Any]) -> str:
    parts = path.lstrip("/").split("/", 1)
    bucket = parts[0] if parts and parts[0] else None
    key = parts[1] if len(parts) > 1 and parts[1] else None
    copy = "HTTP_X_AMZ_COPY_SOURCE" in environ
    if bucket is None:
        return "ListBuckets" if method == "GET" else f"{method} /"
    if key is None:
        sub = next((s for s in _S3_BUCKET_SUBRESOURCES if s in query), None)
        if method == "GET":
            if "location" in query:
                return "GetBucketLocation"
            if "versions" in query:
                return "ListObjectVersions"
            if "uploads" in query:
                return "ListMultipartUploads"
            if sub:
                return f"GetBucket{_s3_subresource_name(sub)}"
            return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
        if method == "PUT":
            return f"PutBucket{_s3_subresource_name(sub)}" if sub else "CreateBucket"
        if method == "DELETE":
            return f"DeleteBucket{_s3_subresource_name(sub)}" if sub else "DeleteBucket"
        if method == "HEAD":
            return "HeadBucket"
        if method == "POST":
            return "DeleteObjects" if "delete" in query else "PostObject"
        return f"{method} bucket"
    if method == "GET":
        if "tagging" in query:
            return "GetObjectTagging"
        if "acl" in query:
            return "GetObjectAcl"
        if "uploadId" in query:
            return "ListParts"
        return "GetObject"
    if method == "PUT":
        if "partNumber" in query:
            return "UploadPartCopy" if copy else "UploadPart"
        if "tagging" in query:
            return "PutObjectTagging"
        if "acl" in query:
            return "PutObjectAcl"
        return "CopyObject" if copy else "PutObject"
    if method == "DELETE":
        if "uploadId" in query:
            return "AbortMultipartUpload"
        if "tagging" in query:
            return "DeleteObjectTagging"
        return "DeleteObject"
    if method == "HEAD":
        return "HeadObject"
    if method == "POST":
        if "uploads" in query:
            return "CreateMultipartUpload"
        if "uploadId" in query:
            return "CompleteMultipartUpload"
        return "PostObject"
    return f"{method} object"


def classify(environ: dict[str, Any]) -> tuple[str, str]:
    """Return ``(service, action)`` for an AWS API request."""
    method = environ.get("REQUEST_METHOD", "GET").upper()
    path = environ.get("PATH_INFO", "/") or "/"
    if isinstance(path, bytes):
        path = path.decode("utf-8", "replace")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    service = _service_from_auth(environ.get("HTTP_AUTHORIZATION", ""))
    if service is None and "X-Amz-Credential" in query:  # presigned URL
        try:
            service = query["X-Amz-Credential"][0].split("/")[3].lower()
        except IndexError:
            service = None
    if service is None and target:
        service = _TARGET_PREFIX_SERVICE.get(target.split(".", 1)[0])

    if target:
        return service or "unknown", target.rsplit(".", 1)[-1]
    action = query.get("Action", [None])[0]
    if action is None:
        body = read_form_body(environ)
        if body:
            action = dict(parse_qsl(body, keep_blank_values=True)).get("Action")
    if action:
        return service or "unknown", action
    if service == "s3" or service is None:
        return "s3", _s3_action(method, path, query, environ)
    return service, f"{method} {path}"


class RequestLog:
    """Append-only (bounded) list of served calls, safe across threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=max_entries)

    def record(self, service: str, action: str, access_key: str | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "service": service,
            "action": action,
            "time": _utc_now(),
            "status": None,
            "access_key": access_key,
        }
        with self._lock:
            self._entries.append(entry)
        return entry

    def set_status(self, entry: dict[str, Any], status: int) -> None:
        with self._lock:
            entry["status"] = status

    def annotate(self, entry: dict[str, Any], **fields: Any) -> None:
        with self._lock:
            entry.update(fields)

    def entries(self, service: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries if service is None or e["service"] == service]

    def clear(self) -> int:
        with self._lock:
            n = len(self._entries)
            self._entries.clear()
            return n


REQUEST_LOG = RequestLog()
