"""DynamoDB: a retried conditional ``PutItem`` of the very same item succeeds.

Terraform's S3 backend takes its state lock with ``PutItem`` conditioned on
``attribute_not_exists(LockID)``.  When the answer to that request is lost on
the way back (on a loaded test machine the emulator's connection can be reset
after it has served the request), the SDK sends it again and the retry finds
its own lock: ``ConditionalCheckFailedException``, and Terraform reports the
state locked by itself.  Here a conditional put that fails only because an item
*identical in every attribute* is already stored answers as if it had just been
written.  A competing lock always differs (each carries its own random ``ID`` and
creation time in ``Info``), so it is still refused.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import ConditionalCheckFailed
from moto.dynamodb.models import DynamoDBBackend


def _same_item_stored(backend: DynamoDBBackend, table_name: str, item_attrs: dict[str, Any]) -> Any:
    table = backend.get_table(table_name)
    names = [n for n in (table.hash_key_attr, table.range_key_attr) if n]
    if any(n not in item_attrs for n in names):
        return None
    existing = backend.get_item(table_name, {n: item_attrs[n] for n in names})
    if existing is not None and existing.to_json()["Attributes"] == item_attrs:
        return existing
    return None


def install() -> None:
    if getattr(DynamoDBBackend.put_item, "_dmslink_same_item", False):
        return
    original = DynamoDBBackend.put_item

    def put_item(self: DynamoDBBackend, table_name: str, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, table_name, item_attrs, *args, **kwargs)
        except ConditionalCheckFailed:
            same = _same_item_stored(self, table_name, item_attrs)
            if same is None:
                raise
            return same

    put_item._dmslink_same_item = True  # type: ignore[attr-defined]
    DynamoDBBackend.put_item = put_item  # type: ignore[method-assign]
