from collections.abc import Iterable, Mapping, Sequence
from typing import Any

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]

__version__: str  # the crate's version (Cargo.toml), which the wheel carries too

def serialize(value: object) -> AttributeValue: ...
def deserialize(attribute_value: Mapping[str, Any]) -> Any: ...
def serialize_item(mapping: Mapping[str, object]) -> Item: ...
def deserialize_item(item: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]: ...
def json_to_item(data: bytes | str) -> Item: ...
def item_to_json(item: Mapping[str, Mapping[str, Any]]) -> bytes: ...
def item_size(item: Mapping[str, Mapping[str, Any]]) -> int: ...
def wire_to_json(data: bytes | str) -> bytes:
    """One item in DynamoDB JSON (the wire form: `{"id": {"S": "a"}, "n": {"N": "1.5"}}`, as in
    DynamoDB's HTTP API, Streams images and exports) to compact plain JSON, attributes in input
    order: N as a JSON number with its text, B as its base64 text, sets as arrays. The same bytes
    as `item_to_json` writes for that item as Python objects. The input is one item: unwrap a
    `GetItem` answer's or an export line's `"Item"` first.

    Raises `JSONDecodeError` for malformed JSON (a repeated name or a lone surrogate included),
    `ShapeError` for JSON that is not DynamoDB JSON (with `path`, a JSON Pointer into the input,
    and `errors`, one entry with a keyword such as `attribute_type`, `value_type`, `base64`,
    `empty_set` or `duplicate_set_member`), and `LimitError` for DynamoDB's limits (nesting past
    32 levels, numbers, empty names).
    """

def json_to_wire(body: bytes | str) -> bytes:
    """A JSON object to one item in DynamoDB JSON, compact, in input order: string `{"S":...}`,
    number `{"N":"<text as written>"}`, boolean `{"BOOL":...}`, null `{"NULL":true}`, array
    `{"L":[...]}`, object `{"M":{...}}`. Equal to `json.dumps(json_to_item(body),
    separators=(",", ":"), ensure_ascii=False)` encoded as UTF-8, with `json_to_item`'s rules and
    errors.
    """

def sign_v4(
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes,
    *,
    region: str,
    service: str,
    access_key: str,
    secret_key: str,
    session_token: str | None = None,
    timestamp: str | None = None,
) -> list[tuple[str, str]]:
    """AWS Signature Version 4, as botocore's `SigV4Auth` signs a request: the headers to add to
    it (`X-Amz-Date`, `X-Amz-Security-Token` when there is a session token, `Authorization`), in
    that order. `headers` are the request's own (those three, if present, are replaced; `Host`
    comes from the URL unless given; `User-Agent`, `Expect`, `Transfer-Encoding` and
    `X-Amzn-Trace-Id` are not signed). `timestamp` is `YYYYMMDDTHHMMSSZ` in UTC, now by default.
    Raises `ValueError` for a URL that is not `http(s)://host[:port][/path][?query]`, a malformed
    timestamp, or a `Date` header (the time travels in `X-Amz-Date`).
    """

class RecordCodec:
    def __init__(
        self,
        schema: Mapping[str, Any] | str | bytes | None = None,
        *,
        key: str = "id",
        max_body_bytes: int = ...,
        max_item_bytes: int = ...,
        validate_formats: bool = True,
        max_batch_body_bytes: int = ...,
        max_batch_records: int = ...,
    ) -> None:
        """A limit left out is the default, read back from the attribute of the same name: 1 MiB
        for one record's body, DynamoDB's 400 KB for an item, 6 MB (Lambda's synchronous payload
        limit) for a batch's body, 10,000 records for a batch."""
    def decode(
        self, body: bytes | str, *, key: str | None = None, new_key: str | None = None
    ) -> Item:
        """`key`: the key the request names (a PUT's path): a body's own must be the same.
        `new_key`: the key of a body without one (a body's own wins). Without either, a body
        without a key gets a new UUIDv7. Not both."""
    def decode_many(
        self, body: bytes | str, *, ndjson: bool = False, parallel: bool | None = None
    ) -> tuple[list[Item], list[dict[str, Any]]]: ...
    @property
    def draft(self) -> str | None: ...
    @property
    def key(self) -> str: ...
    @property
    def max_body_bytes(self) -> int:
        """The largest body `decode` takes, in bytes."""
    @property
    def max_item_bytes(self) -> int:
        """The largest item `decode` and `decode_many` build, in bytes as DynamoDB counts them."""
    @property
    def max_batch_body_bytes(self) -> int:
        """The largest body `decode_many` takes, in bytes."""
    @property
    def max_batch_records(self) -> int:
        """The most records `decode_many` takes in one body."""

class Table:
    """One table and its string partition key: DynamoDB's requests built, and its answers read,
    as bytes (send them with any HTTP client, signed with `sign_v4`). Answers that are not what
    DynamoDB's protocol promises raise `ValueError`."""

    def __init__(self, name: str, *, key: str = "id") -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def key(self) -> str: ...
    def put_item(
        self,
        codec: RecordCodec,
        body: bytes | str,
        *,
        create: bool = True,
        key: str | None = None,
        new_key: str | None = None,
    ) -> tuple[bytes, bytes, str]:
        """The body decoded by `codec` (as `codec.decode(body, key=key, new_key=new_key)`, with
        its errors) into a `PutItem` request body, the stored item as compact JSON
        (`item_to_json`'s bytes), and its key (generated when the body has none). `create`: only
        if no item has the key (`ConditionalCheckFailedException` otherwise, with the item that
        is there: see `read_error`)."""
    def put_batch(
        self,
        codec: RecordCodec,
        body: bytes | str,
        *,
        ndjson: bool = False,
        parallel: bool | None = None,
    ) -> tuple[list[bytes], list[str], list[dict[str, Any]]]:
        """A batch decoded by `codec` (as `codec.decode_many`, with its errors and its rejected
        records, the third list): each accepted record as one put of a `BatchWriteItem` (join
        them with `batch_write`), and its key, in input order. Large bodies are written on every
        core with the GIL released."""
    def batch_write(self, puts: Sequence[bytes]) -> bytes:
        """A `BatchWriteItem` request body of puts from `put_batch`: at most 25 puts and 16 MB
        in one call (DynamoDB's limits; the caller chunks)."""
    def get_item(self, key: str) -> bytes:
        """A strongly consistent `GetItem` request body."""
    def delete_item(self, key: str) -> bytes:
        """A `DeleteItem` request body, only if the item exists."""
    def scan(self, limit: int, start: str | None = None) -> bytes:
        """A strongly consistent `Scan` request body: `limit` items after the key `start`."""
    def read_item(self, answer: bytes) -> bytes | None:
        """A `GetItem` answer's item as compact JSON; None when no item has the key."""
    def read_page(self, answer: bytes) -> tuple[list[bytes], str | None]:
        """A `Scan` answer's items as compact JSON, and the key to go on from (None at the end)."""
    def read_unprocessed(self, answer: bytes) -> list[str]:
        """The keys of the puts a `BatchWriteItem` answer left unprocessed."""

def read_error(answer: bytes) -> tuple[str, str, bytes | None]:
    """An error answer's code (`ConditionalCheckFailedException`, `ThrottlingException`, ...),
    its message, and the item a failed conditional write found (`ALL_OLD`) as compact JSON."""

def _error_keywords() -> list[tuple[str, str, str, str, bool]]:
    """Private, for docs/generate.py: every keyword an `errors` entry can have, one row per
    message: (family, keyword, message with `<...>` placeholders, the exception class that
    carries it or "", whether a batch lists it for one record)."""
