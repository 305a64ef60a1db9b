"""The flat request parameters fault rules match on (``match``)."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import parse_qsl

_MAX_BODY = 16 * 1024 * 1024


def request_params(environ: dict[str, Any]) -> dict[str, str]:
    """Query-string and body parameters of an AWS call (the body is put back for moto).

    JSON requests give their top-level members (lists and objects JSON-encoded); query requests
    (EC2, RDS, IAM, STS) their flattened form names (``SubnetId.1``).
    """
    out: dict[str, str] = {}
    for key, value in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True):
        out[key] = value
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0 or length > _MAX_BODY:
        return out
    raw = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(raw)
    text = raw.decode("utf-8", "replace")
    ctype = environ.get("CONTENT_TYPE", "")
    if "json" in ctype or environ.get("HTTP_X_AMZ_TARGET"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            return out
        if isinstance(doc, dict):
            for key, value in doc.items():
                out[key] = value if isinstance(value, str) else json.dumps(value)
    elif "x-www-form-urlencoded" in ctype:
        out.update(parse_qsl(text, keep_blank_values=True))
    return out
