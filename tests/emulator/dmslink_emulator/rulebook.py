"""The table-shaped part of AWS DMS behaviour, read from ``rulebook/dms.json``.

The same file drives the Rust fakes (``provider/src/aws/fake/dms/rulebook.rs``), so
the emulator and the fakes cannot drift apart on which operation is allowed from
which state, the error it answers otherwise, the states it moves through and for
how long, or the default task settings.  ``rulebook/README.md`` documents every
field and the AWS documentation each rule follows.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from moto.dms.exceptions import DmsClientError

# tests/emulator/dmslink_emulator/rulebook.py -> the repository root
_DEFAULT_PATH = Path(__file__).resolve().parents[3] / "rulebook" / "dms.json"
PATH = Path(os.environ.get("DMSLINK_RULEBOOK", str(_DEFAULT_PATH)))

with PATH.open(encoding="utf-8") as _f:
    RULES: dict[str, Any] = json.load(_f)

TASK = RULES["replication_task"]
INSTANCE = RULES["replication_instance"]
ENDPOINT = RULES["endpoint"]
TASK_SETTINGS = RULES["task_settings"]


def seconds(kind: str, name: str) -> float:
    """Default seconds of a timed state (``seconds("replication_task", "transition")``)."""
    return float(RULES[kind]["seconds"][name])


def operation(kind: str, op: str) -> dict[str, Any]:
    return RULES[kind]["operations"][op]


def _fault(err: dict[str, str], **fields: Any) -> DmsClientError:
    return DmsClientError(err["code"], err["message"].format(**fields))


def refusal(kind: str, op: str, status: str, **fields: Any) -> DmsClientError | None:
    """The error ``op`` answers from ``status`` (``None``: allowed).  ``fields`` fill
    the message's ``{id}``-style placeholders; ``{status}`` is filled in here."""
    rule = operation(kind, op)
    allowed = rule.get("allowed_from")
    refused = rule.get("refused_from", [])
    if (allowed is None or status in allowed) and status not in refused:
        return None
    for special in rule.get("errors_from", []):
        if status in special["states"]:
            return _fault(special, status=status, **fields)
    return _fault(rule["error"], status=status, **fields)


def check(kind: str, op: str, status: str, **fields: Any) -> None:
    """Raises the AWS error when ``op`` is not allowed from ``status``."""
    err = refusal(kind, op, status, **fields)
    if err is not None:
        raise err


def in_use(kind: str, op: str, **fields: Any) -> DmsClientError:
    """The error of ``op`` on a resource other resources still use (``{users}``)."""
    return _fault(operation(kind, op)["in_use_error"], **fields)


def stop_reason(name: str) -> str:
    return TASK["stop_reasons"][name]
