"""The function's DynamoDB, whichever client reaches it: the `Store` interface the routes use,
the errors a caller can act on, and `connect`, which picks the client (`DYNAMODB_CLIENT`).

Both stores take request bodies and answer JSON bytes: the direct one (py_handler.direct) never
builds the item as Python objects; the boto3 one (py_handler.boto3_store) does, for botocore.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

import rust_core
from py_handler.retry import Deadline

Item = dict[str, dict[str, Any]]

CLIENTS = ("direct", "boto3")
# DynamoDB's codes for "too busy": retried, then answered 503
THROTTLING = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
# How DynamoDB names its item size check (only in the message of a ValidationException)
ITEM_TOO_LARGE_MESSAGE = "Item size has exceeded"


class StoreError(Exception):
    """Base class: DynamoDB said no in a way the caller can act on."""


class NotFound(StoreError):
    """No item has this id."""


class AlreadyExists(StoreError):
    """An item with this id exists already; nothing was written."""


class IdempotencyKeyReused(StoreError):
    """The item an `Idempotency-Key` names holds another record: nothing was written."""

    keyword = "idempotency_key_reused"
    message = "The Idempotency-Key was used for another record"


class ItemTooLarge(StoreError):
    """DynamoDB refused the item: over its 400 KB item size limit."""

    keyword = "max_item_size"  # how an entry of a reply's `errors` names it
    message = "The item is larger than DynamoDB's 400 KB limit"  # as rust_core words its check


class ItemRejected(StoreError):
    """DynamoDB refused the item for breaking one of its rules (an empty attribute name, ...)."""

    keyword = "dynamodb"
    message = "DynamoDB refused the item"  # not DynamoDB's words: they may quote the item


class Throttled(StoreError):
    """DynamoDB kept throttling after the retries."""


class Unavailable(StoreError):
    """DynamoDB could not be reached, or failed (5xx), after the retries."""


class Unconfirmed(StoreError):
    """The request went out but no (intact) answer came back: it may have been applied."""


class Created(NamedTuple):
    """A create's outcome: the item's id and JSON, and whether an earlier request with the same
    `Idempotency-Key` made it (then this one wrote nothing)."""

    key: str
    item: bytes
    replayed: bool = False


class Batch(NamedTuple):
    """A batch body decoded for `Store.put_batch`: per accepted record, in input order, its put
    (the store's own form), its key, and the bytes it adds to a BatchWriteItem request."""

    puts: Sequence[Any]
    keys: Sequence[str]
    sizes: Sequence[int]
    rejected: list[dict[str, Any]]  # as RecordCodec.decode_many lists them


class Store(Protocol):
    """Items keyed by a string attribute (`key`, `id` by default), as JSON bytes. `deadline`: no
    retry starts after it (the direct client; botocore bounds its retries by their count alone)."""

    table_name: str
    key: str

    def create(
        self,
        codec: rust_core.RecordCodec,
        body: bytes,
        deadline: Deadline | None = None,
        new_key: str | None = None,
    ) -> Created:
        """The body decoded and written as a new item, keyed `new_key` when it has no id (an
        `Idempotency-Key`'s), else by its own or a new one. Never overwrites: see `settle`."""
        ...

    def replace(
        self,
        codec: rust_core.RecordCodec,
        body: bytes,
        item_id: str,
        deadline: Deadline | None = None,
    ) -> bytes:
        """The body decoded and written whole under `item_id`: its JSON."""
        ...

    def get(self, item_id: str, deadline: Deadline | None = None) -> bytes:
        """The item's JSON, strongly consistent; `NotFound`."""
        ...

    def delete(self, item_id: str, deadline: Deadline | None = None) -> None:
        """`NotFound` when there is no such item."""
        ...

    def scan(
        self, limit: int, start: str | None = None, deadline: Deadline | None = None
    ) -> tuple[list[bytes], str | None]:
        """One page of a strongly consistent Scan after the id `start`: its items' JSON, and the
        id to go on from (None at the end; a page may stop short of `limit` and still have one)."""
        ...

    def decode_batch(self, codec: rust_core.RecordCodec, body: bytes, *, ndjson: bool) -> Batch:
        """A batch body decoded (as `codec.decode_many`, with its errors)."""
        ...

    def put_batch(self, puts: Sequence[Any]) -> list[str]:
        """One BatchWriteItem of puts from `decode_batch` (upserts: it takes no conditions),
        sent once: the keys DynamoDB left unprocessed. Errors as `StoreError`s: `Throttled`,
        `Unavailable`, `Unconfirmed`, `ItemTooLarge`, `ItemRejected`."""
        ...

    @property
    def batch_call_seconds(self) -> float:
        """How long one `put_batch` can last: connecting, then waiting for the answer."""
        ...


def store_error(code: str, message: str, *, writes_item: bool) -> StoreError | None:
    """The `StoreError` an error answer's code (and message) stands for; None for one the
    caller cannot act on. `writes_item`: the call wrote an item, which DynamoDB may refuse."""
    if code in THROTTLING:
        return Throttled(code)
    if code == "ValidationException" and writes_item:
        # DynamoDB names its item checks only in the message; the size limit has its own status.
        return ItemTooLarge() if ITEM_TOO_LARGE_MESSAGE in message else ItemRejected()
    return None


def settle(
    created: Created, there: bytes | None, *, ambiguous: bool, new_key: str | None
) -> Created:
    """A create refused because an item has its key (`there`, its JSON, when DynamoDB said):
    its own write if an attempt that may have been applied came first and the item is the same;
    an earlier request's, replayed, if the key came from `new_key` and the item is the same;
    else `IdempotencyKeyReused` (the key from `new_key`) or `AlreadyExists`."""
    own = there is not None and same_item(there, created.item)
    if own and ambiguous:
        return created
    if created.key == new_key:
        if own:
            return created._replace(replayed=True)
        raise IdempotencyKeyReused
    raise AlreadyExists


def same_item(stored: bytes, written: bytes) -> bool:
    """Whether two items' JSON hold the same attributes and values, numbers compared as numbers
    (DynamoDB answers `1.5` for `1.50`) and in any attribute order."""
    return bool(json.loads(stored, parse_float=Decimal) == json.loads(written, parse_float=Decimal))


def connect(table_name: str, client: str = "direct", key: str = "id") -> Store:
    """The store the function uses, made once at init, for a table keyed by the string attribute
    `key`. `client`: `direct` (unless the environment asks for something only botocore serves:
    said in one log line) or `boto3`."""
    if client not in CLIENTS:
        raise ValueError(f"DYNAMODB_CLIENT must be one of {', '.join(CLIENTS)}")
    if client == "direct":
        from py_handler import aws_env, direct

        try:
            endpoint = aws_env.endpoint()
        except aws_env.Unsupported as exc:
            from aws_lambda_powertools import Logger

            # Init runs before app.py configures the service's logger: this Logger does.
            Logger().warning("The direct DynamoDB client does not serve %s: using boto3", exc)
        else:
            table = rust_core.Table(table_name, key=key)
            return direct.DirectStore(table, endpoint, aws_env.credentials())
    from py_handler import boto3_store

    return boto3_store.connect(table_name, key)
