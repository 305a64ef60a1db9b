"""S13: engine settings only one side of an endpoint takes.

DMS refuses a source-only setting on a target endpoint (and the reverse) with
``InvalidParameterCombinationException`` "Cannot specify endpoint setting '<X>' for
endpoint of type <type>" (terraform-provider-aws#46676).  Which setting belongs to
which side is the ``endpoint_settings`` table of ``rulebook/dms.json``, which the
provider's plan checks and the Rust fake read too; the keys under ``unverified``
there are placed on the stricter plausible side (docs/emulator.md S13).
"""

from __future__ import annotations

from typing import Any

from . import rulebook
from .dms_common import DmsClientError

TABLE = rulebook.RULES["endpoint_settings"]


def check_sides(doc: dict[str, Any], endpoint_type: str | None) -> None:
    """Raises DMS's error for the first setting in ``doc`` that ``endpoint_type`` does not take."""
    side = str(endpoint_type or "").lower()
    other = {"source": TABLE["target_only"], "target": TABLE["source_only"]}.get(side)
    if other is None:
        return
    for obj, keys in other.items():
        sent = doc.get(obj)
        if not isinstance(sent, dict):
            continue
        for key in sent:
            if key in keys:
                err = TABLE["side_error"]
                raise DmsClientError(err["code"], err["message"].format(key=key, type=side))
