"""The full ``ReplicationTaskSettings`` document AWS returns.

AWS merges what the caller sent into its defaults and always answers with the
whole document, so a provider has to compare only the keys its user set.
``merge`` does that: objects merge key by key, lists are replaced, except
``Logging.LogComponents`` which merges by ``Id`` and comes back in AWS's own
fixed order (so a caller's ordering is not preserved either).

The defaults (rulebook/dms.json) are a representative subset of AWS's, not a copy of any
particular engine version's.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from . import rulebook

# The defaults, the read-only keys and the merge rules live in rulebook/dms.json
# (the Rust fakes read the same file).
_RULES = rulebook.TASK_SETTINGS
DEFAULTS: dict[str, Any] = _RULES["defaults"]
READ_ONLY_LOGGING_KEYS = tuple(_RULES["read_only"]["Logging"])
# ("Logging", "LogComponents") -> "Id"
MERGE_BY_ID: dict[tuple[str, ...], str] = {
    tuple(path.split(".")): key for path, key in _RULES["merge_by_id"].items()
}


class SettingsError(ValueError):
    """The document is not acceptable (message is AWS-like)."""


def parse(text: Any) -> dict[str, Any]:
    """Parse a caller's settings string; raises SettingsError."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return {}
    if not isinstance(text, str):
        raise SettingsError("Invalid task settings JSON")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        raise SettingsError("Invalid task settings JSON") from None
    if not isinstance(doc, dict):
        raise SettingsError("Invalid task settings JSON")
    return doc


def sets_read_only_logging(doc: dict[str, Any]) -> bool:
    logging = doc.get("Logging")
    return isinstance(logging, dict) and any(
        logging.get(key) is not None for key in READ_ONLY_LOGGING_KEYS
    )


def _merge_by_id(base: list[Any], extra: Any, key: str) -> list[Any]:
    if not isinstance(extra, list):
        return copy.deepcopy(extra)
    by_id: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for item in base:
        if isinstance(item, dict) and key in item:
            by_id[item[key]] = dict(item)
            order.append(item[key])
    for item in extra:
        if not isinstance(item, dict) or key not in item:
            continue
        if item[key] in by_id:
            by_id[item[key]].update(item)
        else:
            by_id[item[key]] = dict(item)
            order.append(item[key])
    return [by_id[i] for i in order]


def merge(base: dict[str, Any], extra: dict[str, Any], path: tuple[str, ...] = ()) -> dict[str, Any]:
    """``base`` with ``extra`` merged in (neither is modified)."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        here = path + (key,)
        if here in MERGE_BY_ID and isinstance(out.get(key), list):
            out[key] = _merge_by_id(out[key], value, MERGE_BY_ID[here])
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value, here)
        else:
            out[key] = copy.deepcopy(value)
    return out


def full_document(user: dict[str, Any]) -> dict[str, Any]:
    return merge(DEFAULTS, user)
