"""What an injected AWS error looks like on the wire, per protocol and kind.

Throttling codes are the ones the SDKs retry as throttling:

* botocore ``data/_retry.json``: ``RequestLimitExceeded`` with HTTP 503 is EC2's throttling policy;
  ``Throttling`` and ``ThrottlingException`` (400) are in the general definitions.
* botocore ``retries/standard.py`` ``_THROTTLED_ERROR_CODES`` and the AWS SDK for Rust
  (``aws-runtime``/``aws-smithy-runtime`` ``THROTTLING_ERRORS``): ``Throttling``, ``ThrottlingException``,
  ``RequestLimitExceeded``, ``SlowDown``, ... .
* The services' own documentation: EC2 "Request throttling for the Amazon EC2 API"
  (``RequestLimitExceeded``); RDS, IAM and STS (query protocol) answer ``Throttling`` "Rate exceeded";
  DMS (awsJson1.1) ``ThrottlingException``; S3 ``SlowDown`` (503); DynamoDB ``ThrottlingException``.

Server faults are 5xx, which every SDK retries as transient (botocore ``_TRANSIENT_STATUS_CODES``
500/502/503/504): EC2 names them ``InternalError`` (500) / ``Unavailable`` (503), S3 ``InternalError`` /
``ServiceUnavailable``, the JSON and query services ``InternalFailure`` (500) / ``ServiceUnavailable`` (503)
(the common errors of the AWS API references).
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

_JSON10_PREFIX = {"dynamodb": "com.amazonaws.dynamodb.v20120810"}
_QUERY_XMLNS = {
    "rds": "http://rds.amazonaws.com/doc/2014-10-31/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}


def protocol(service: str, environ: dict[str, Any]) -> str:
    """``json`` (X-Amz-Target), ``ec2``, ``s3`` or ``query``."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    if service in ("ec2", "s3"):
        return service
    return "query"


def throttle(service: str, environ: dict[str, Any]) -> tuple[str, int, str]:
    """``(code, status, message)`` of a throttling answer of ``service``."""
    proto = protocol(service, environ)
    if proto == "ec2":
        return "RequestLimitExceeded", 503, "Request limit exceeded."
    if proto == "s3":
        return "SlowDown", 503, "Please reduce your request rate."
    if proto == "json":
        return "ThrottlingException", 400, "Rate exceeded"
    return "Throttling", 400, "Rate exceeded"


def server(service: str, environ: dict[str, Any], status: int) -> tuple[str, str]:
    """``(code, message)`` of a server fault with HTTP ``status`` (5xx)."""
    proto = protocol(service, environ)
    if status == 503:
        if proto == "ec2":
            return "Unavailable", "The server is overloaded and can't handle the request."
        return "ServiceUnavailable", "Service is unavailable. Try again later."
    if proto in ("ec2", "s3"):
        return "InternalError", "We encountered an internal error. Please try again."
    return "InternalFailure", "The request processing has failed because of an unknown error."


def error_body(service: str, environ: dict[str, Any], code: str, message: str, status: int,
               request_id: str) -> tuple[bytes, str]:
    """Body and content type of an error answer in ``service``'s protocol."""
    proto = protocol(service, environ)
    if proto == "json":
        error_type = f"{_JSON10_PREFIX[service]}#{code}" if service in _JSON10_PREFIX else code
        body = json.dumps({"__type": error_type, "message": message})
        ctype = "application/x-amz-json-1.0" if service in _JSON10_PREFIX else "application/x-amz-json-1.1"
        return body.encode(), ctype
    code_x, message_x = escape(code), escape(message)
    if proto == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{code_x}</Code><Message>{message_x}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
        return body.encode(), "text/xml"
    if proto == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
            f"<Code>{code_x}</Code><Message>{message_x}</Message><RequestId>{request_id}</RequestId></Error>"
        )
        return body.encode(), "application/xml"
    xmlns = _QUERY_XMLNS.get(service, f"https://{service}.amazonaws.com/doc/")
    kind = "Receiver" if status >= 500 else "Sender"
    body = (
        f'<ErrorResponse xmlns="{xmlns}"><Error><Type>{kind}</Type>'
        f"<Code>{code_x}</Code><Message>{message_x}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return body.encode(), "text/xml"


REASONS = {400: "Bad Request", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def reason(status: int) -> str:
    return REASONS.get(status, "Bad Request" if status < 500 else "Server Error")
