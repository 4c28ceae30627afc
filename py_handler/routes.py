"""The items resource: POST and GET /items, GET, PUT and DELETE /items/{id}, POST /items/batch."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import Counter
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import TypedDict

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

import rust_core
from py_handler import idempotency, paths
from py_handler.batch import (
    REPLY_SECONDS,
    BatchWriter,
    WriteReport,
    failed_records,
    record_lines,
)
from py_handler.errors import IDENTITY_ONLY, BadRequest, NotABatch, UnsupportedMediaType
from py_handler.paging import decode_cursor, encode_cursor, page_limit
from py_handler.retry import Deadline
from py_handler.settings import settings
from py_handler.store import NotFound, Store, connect

JSON = "application/json"
NDJSON = "application/x-ndjson"
JSON_OR_NDJSON = (
    "The body must be JSON or NDJSON: Content-Type application/json, a +json type "
    "or application/x-ndjson."
)

logger = Logger(child=True)
router = Router()  # type: ignore[no-untyped-call]


class _BodyLimits(TypedDict, total=False):
    max_body_bytes: int
    max_batch_body_bytes: int


def load_codec(
    schema: Path,
    max_body_bytes: int | None = None,
    max_batch_body_bytes: int | None = None,
    key: str = "id",
) -> rust_core.RecordCodec:
    """The record codec for items keyed by `key`, compiled once at init; a schema that cannot be
    used fails the init. A limit left as None is the codec's default."""
    limits = _BodyLimits()
    if max_body_bytes is not None:
        limits["max_body_bytes"] = max_body_bytes
    if max_batch_body_bytes is not None:
        limits["max_batch_body_bytes"] = max_batch_body_bytes
    try:
        return rust_core.RecordCodec(schema.read_bytes(), key=key, **limits)
    except (OSError, rust_core.SchemaError):
        # Init runs before app.py configures the service's logger: this Logger does, so that the
        # failure is one JSON line like every other log line.
        Logger().exception("Cannot use the item schema %s (ITEM_SCHEMA)", schema)
        raise


codec = load_codec(
    settings.item_schema, settings.max_body_bytes, settings.max_batch_body_bytes, settings.key_name
)
store = connect(settings.table_name, settings.dynamodb_client, settings.key_name)


def batch_writer(store: Store) -> BatchWriter:
    """The batch writer: no call starts unless the last one can end, and the reply go out, in
    the invocation's time."""
    return BatchWriter(store.put_batch, margin=store.batch_call_seconds + REPLY_SECONDS)


writer = batch_writer(store)
metrics = Metrics(namespace=settings.metrics_namespace)  # flushed by app.handler


@router.post("/items")
def create_item() -> Response[str]:
    event = router.current_event
    body = _json_body(event)
    new_key = idempotency.record_id(event.headers, event.raw_event)
    created = store.create(codec, body, _deadline(), new_key)
    headers = {"Location": paths.location(created.key)}
    if created.replayed:
        headers[idempotency.REPLAYED_HEADER] = "true"
    return _json_response(HTTPStatus.CREATED, created.item.decode(), headers=headers)


@router.get("/items")
def list_items() -> Response[str]:
    event = router.current_event
    limit = page_limit(event.get_query_string_value("limit"))
    cursor = event.get_query_string_value("cursor")
    start = None if cursor is None else decode_cursor(store.table_name, store.key, cursor)
    items, last_id = store.scan(limit, start, _deadline())
    # Each item is written in Rust; only the envelope is put together here.
    page = fit_page([item.decode() for item in items], PAGE_BUDGET)
    if len(page) < len(items):
        last_id = json.loads(page[-1])[store.key]
    next_cursor = None if last_id is None else encode_cursor(store.table_name, store.key, last_id)
    return _json_response(
        HTTPStatus.OK, f'{{"items":[{",".join(page)}],"next_cursor":{json.dumps(next_cursor)}}}'
    )


# Lambda refuses a response over 6 MB (6,291,456 bytes) as the runtime writes it: the body as a
# JSON string inside the response's JSON. A page stops before its items pass this, leaving room
# for the envelope and the headers.
PAGE_BUDGET = 6_291_456 - 64 * 1024


def fit_page(items: list[str], budget: int) -> list[str]:
    """The first items whose JSON, written again as a JSON string, fits in `budget` bytes (at
    least one: an item of DynamoDB's 400 KB takes under 3 MB however it is escaped)."""
    # Escaping makes 12 characters of one at most (a surrogate pair): below that, nothing
    # needs measuring.
    if 12 * sum(len(item) + 1 for item in items) <= budget:
        return items
    total = 0
    for count, item in enumerate(items):
        total += len(json.dumps(item)) - 1  # its quotes, less one, stand for the comma
        if total > budget and count > 0:
            return items[:count]
    return items


# Path parameters arrive percent-encoded, whatever the payload format (see app.resolve).
@router.get("/items/<item_id>")
def get_item(item_id: str) -> Response[str]:
    return _json_response(HTTPStatus.OK, store.get(_existing_id(item_id), _deadline()).decode())


@router.post("/items/batch")
def write_batch() -> Response[str]:
    event = router.current_event
    headers = event.headers  # Powertools builds a new mapping on each access
    ndjson = _batch_format(headers.get("content-type"))
    body = _raw_body(event, headers)
    try:
        batch = store.decode_batch(codec, body, ndjson=ndjson)
    except rust_core.ShapeError:
        raise NotABatch from None
    report = writer.write(batch, router.lambda_context)
    _account(report, rejected=len(batch.rejected))
    report.raise_if_nothing_written()
    lines = (lambda: record_lines(body)) if ndjson else None
    failed = failed_records(batch.rejected, report.unwritten, accepted=len(batch.keys), lines=lines)
    reply = json.dumps({"written": report.written, "failed": failed}, separators=(",", ":"))
    return _json_response(HTTPStatus.OK, reply)


@router.put("/items/<item_id>")
def replace_item(item_id: str) -> Response[str]:
    key = paths.decoded_id(item_id)
    # An id no key can be is no item's (as GET and DELETE answer); `.` and `..` are the codec's
    # to refuse with its reason (key_dot_segment).
    if key is None or len(key.encode()) > paths.MAX_KEY_BYTES:
        raise NotFound
    item = store.replace(codec, _json_body(router.current_event), key, _deadline())
    return _json_response(HTTPStatus.OK, item.decode())


@router.delete("/items/<item_id>")
def delete_item(item_id: str) -> Response[str]:
    store.delete(_existing_id(item_id), _deadline())
    return Response(status_code=HTTPStatus.NO_CONTENT.value, body="")


def _deadline() -> Deadline | None:
    """No retry of a single-item call starts unless it can end, and the reply go out, in time
    (None for a context that cannot tell the time left: retries are then bounded by count)."""
    context = router.lambda_context
    if not callable(getattr(context, "get_remaining_time_in_millis", None)):
        return None
    return Deadline.of(context, REPLY_SECONDS)


def _existing_id(segment: str) -> str:
    """The id a path names; `NotFound` for one no item can have (DynamoDB would refuse it)."""
    key = paths.item_id(segment)
    if key is None:
        raise NotFound
    return key


def _account(report: WriteReport, *, rejected: int) -> None:
    """A batch's metrics, and a warning for what was not written."""
    for name, count in (
        ("BatchRecordsWritten", report.written),
        ("BatchRecordsRejected", rejected),
        ("BatchRecordsUnwritten", len(report.unwritten)),
        ("BatchRecordsRetried", report.retried),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=count)
    if report.unwritten:
        reasons = Counter(reason.value[0] for reason in report.unwritten.values())
        # The last error's type, not its message: that may quote the records (see log_failure)
        error = None if report.error is None else type(report.error).__qualname__
        logger.warning(
            "Batch records not written",
            extra={"written": report.written, "unwritten": dict(reasons), "error_type": error},
        )


def _json_body(event: BaseProxyEvent) -> bytes:
    """The raw body, once it is known to be JSON."""
    headers = event.headers  # Powertools builds a new mapping on each access
    if not _is_json(headers.get("content-type")):
        raise UnsupportedMediaType
    return _raw_body(event, headers)


def _check_encoding(headers: Mapping[str, str]) -> None:
    """A body in a Content-Encoding (gzip, ...) is not read as if it were plain: 415."""
    encodings = headers.get("content-encoding") or ""
    if any(coding.strip().lower() not in ("", "identity") for coding in encodings.split(",")):
        raise UnsupportedMediaType(IDENTITY_ONLY)


def _batch_format(content_type: str | None) -> bool:
    """Whether a batch is NDJSON (else a JSON array); 415 for any other content type."""
    if _media_type(content_type) == NDJSON:
        return True
    if not _is_json(content_type):
        raise UnsupportedMediaType(JSON_OR_NDJSON)
    return False


def _raw_body(event: BaseProxyEvent, headers: Mapping[str, str]) -> bytes:
    """The raw body as bytes (invalid UTF-8 included, for rust_core to reject). Its size is the
    codec's to check."""
    _check_encoding(headers)
    body = event.body or ""
    if event.is_base64_encoded:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):  # ValueError: a non-ASCII character
            data = None
        # Only the canonical encoding, as API Gateway writes it: no stray padding after a
        # complete quantum, no bits set past the data.
        if data is None or base64.b64encode(data).decode("ascii") != body:
            raise BadRequest("The body is marked as base64 but is not base64.")
        return data
    # surrogatepass: a body that is not UTF-8 must reach the parser as such, not fail here
    return body.encode("utf-8", "surrogatepass")


# RFC 9110's token characters, for a media type's type and subtype
_TOKEN = r"[!#$%&'*+.^_`|~0-9a-z-]+"
_JSON_TYPE = re.compile(rf"application/json|{_TOKEN}/{_TOKEN}\+json")


def _is_json(content_type: str | None) -> bool:
    """application/json or any +json type (one media type: type/subtype, each a token),
    parameters allowed; a missing type is read as JSON."""
    media_type = _media_type(content_type)
    return media_type == "" or _JSON_TYPE.fullmatch(media_type) is not None


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _json_response(
    status: HTTPStatus, body: str, headers: dict[str, str] | None = None
) -> Response[str]:
    # A str body goes out as is: Powertools base64-encodes bytes and re-serializes dicts.
    return Response(status_code=status.value, content_type=JSON, body=body, headers=headers)
