"""GET /items' query: the page size, and the cursor that carries a Scan on from page to page.

The cursor is opaque to clients: base64url (unpadded) of a small JSON object that binds the table
name and the last key of the page. Only a cursor this module would have written itself is
accepted: anything else (malformed, another table's, a key that is not an item key) is refused.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from py_handler.paths import MAX_KEY_BYTES

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

_DECIMAL = re.compile(r"[1-9][0-9]{0,3}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class BadPageRequest(Exception):
    """The query cannot select a page; `detail` says why, without echoing the input."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def page_limit(raw: str | None) -> int:
    """`limit`: 1..1000 in plain decimal (ASCII digits, no sign, no leading zero); absent means
    the default."""
    if raw is None:
        return DEFAULT_LIMIT
    if not _DECIMAL.fullmatch(raw) or int(raw) > MAX_LIMIT:
        raise BadPageRequest(f"limit must be an integer from 1 to {MAX_LIMIT}.")
    return int(raw)


def encode_cursor(table_name: str, key: str, last_id: str) -> str:
    """A cursor after the item whose key attribute (`key`) is `last_id`."""
    state = {"table": table_name, "key": {key: {"S": last_id}}}
    text = json.dumps(state, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode("ascii")


def decode_cursor(table_name: str, key: str, cursor: str) -> str:
    """The last id of the previous page, from a cursor issued for `table_name` keyed by `key`."""
    try:
        state = json.loads(_unbase64url(cursor))
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise _bad_cursor() from None
    last_id = _item_id(state.get("key"), key) if isinstance(state, dict) else None
    # Byte for byte what encode_cursor writes: no other spelling of the same state passes.
    if last_id is None or encode_cursor(table_name, key, last_id) != cursor:
        raise _bad_cursor()
    return last_id


def _unbase64url(text: str) -> bytes:
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except binascii.Error:
        raise ValueError("not base64url") from None


def _item_id(key: object, name: str) -> str | None:
    """The id of `key` when it is exactly {name: {"S": a string DynamoDB takes as a key}}."""
    if not (isinstance(key, dict) and key.keys() == {name}):
        return None
    value = key[name]
    if not (isinstance(value, dict) and value.keys() == {"S"} and isinstance(value["S"], str)):
        return None
    try:
        size = len(value["S"].encode())
    except UnicodeEncodeError:  # a lone surrogate, from a \ud800 escape
        return None
    return value["S"] if 0 < size <= MAX_KEY_BYTES else None


def _bad_cursor() -> BadPageRequest:
    return BadPageRequest("cursor is not one this API issued for this table.")
