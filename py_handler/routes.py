"""The items resource: POST and GET /items, GET, PUT and DELETE /items/{id}, POST /items/batch."""

from __future__ import annotations

import base64
import json
from collections import Counter
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, unquote

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

import rust_core
from py_handler.batch import (
    REPLY_SECONDS,
    BatchWriter,
    WriteReport,
    failed_records,
    record_lines,
)
from py_handler.errors import MethodNotAllowed, NotABatch, UnsupportedMediaType
from py_handler.paging import decode_cursor, encode_cursor, page_limit
from py_handler.settings import settings
from py_handler.store import Item, Store, connect

JSON = "application/json"
NDJSON = "application/x-ndjson"
JSON_OR_NDJSON = (
    "The body must be JSON or NDJSON: Content-Type application/json, a +json type "
    "or application/x-ndjson."
)

logger = Logger(child=True)
router = Router()  # type: ignore[no-untyped-call]


def load_codec(
    schema: Path, max_body_bytes: int, max_batch_body_bytes: int
) -> rust_core.RecordCodec:
    """The record codec, compiled once at init; a schema that cannot be used fails the init."""
    try:
        return rust_core.RecordCodec(
            schema.read_bytes(),
            max_body_bytes=max_body_bytes,
            max_batch_body_bytes=max_batch_body_bytes,
        )
    except (OSError, rust_core.SchemaError):
        # Init runs before app.py configures the service's logger: this Logger does, so that the
        # failure is one JSON line like every other log line.
        Logger().exception("Cannot use the item schema %s (ITEM_SCHEMA)", schema)
        raise


codec = load_codec(settings.item_schema, settings.max_body_bytes, settings.max_batch_body_bytes)
store = connect(settings.table_name)


def batch_writer(store: Store) -> BatchWriter:
    """The batch writer: no call starts unless the last one can end, and the reply go out, in
    the invocation's time."""
    return BatchWriter(store.put_batch, margin=store.batch_call_seconds + REPLY_SECONDS)


writer = batch_writer(store)
metrics = Metrics(namespace=settings.metrics_namespace)  # flushed by app.handler


@router.post("/items")
def create_item() -> Response[str]:
    item = codec.decode(_json_body(router.current_event))
    store.create(item)
    location = f"/items/{quote(item['id']['S'], safe='')}"
    return _json_response(HTTPStatus.CREATED, _item_json(item), headers={"Location": location})


@router.get("/items")
def list_items() -> Response[str]:
    event = router.current_event
    limit = page_limit(event.get_query_string_value("limit"))
    cursor = event.get_query_string_value("cursor")
    start_key = None if cursor is None else decode_cursor(store.table_name, cursor)
    items, last_key = store.scan(limit, start_key)
    next_cursor = None if last_key is None else encode_cursor(store.table_name, last_key)
    # Each item is written in Rust; only the envelope is put together here.
    body = ",".join(_item_json(item) for item in items)
    return _json_response(
        HTTPStatus.OK, f'{{"items":[{body}],"next_cursor":{json.dumps(next_cursor)}}}'
    )


# Path parameters arrive percent-encoded, whatever the payload format (see app.resolve).
@router.get("/items/<item_id>")
def get_item(item_id: str) -> Response[str]:
    return _json_response(HTTPStatus.OK, _item_json(store.get(unquote(item_id))))


@router.post("/items/batch")
def write_batch() -> Response[str]:
    event = router.current_event
    ndjson = _batch_format(event.headers.get("content-type"))
    body = _raw_body(event)
    try:
        items, rejected = codec.decode_many(body, ndjson=ndjson)
    except rust_core.ShapeError:
        raise NotABatch from None
    report = writer.write(items, router.lambda_context)
    _account(report, rejected=len(rejected))
    report.raise_if_nothing_written()
    lines = (lambda: record_lines(body)) if ndjson else None
    failed = failed_records(rejected, report.unwritten, accepted=len(items), lines=lines)
    reply = json.dumps({"written": report.written, "failed": failed}, separators=(",", ":"))
    return _json_response(HTTPStatus.OK, reply)


@router.put("/items/<item_id>")
def replace_item(item_id: str) -> Response[str]:
    item = codec.decode(_json_body(router.current_event), key=unquote(item_id))
    store.replace(item)
    return _json_response(HTTPStatus.OK, _item_json(item))


@router.delete("/items/<item_id>")
def delete_item(item_id: str) -> Response[str]:
    store.delete(unquote(item_id))
    return Response(status_code=HTTPStatus.NO_CONTENT.value, body="")


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _answer_405(rule: str, *allow: str) -> None:
    """Every other method on a known path is a 405 naming the methods the path serves."""

    def not_allowed(**_path: str) -> Response[str]:
        raise MethodNotAllowed(allow)

    router.route(rule, method=[m for m in _METHODS if m not in allow])(not_allowed)


_answer_405("/items", "GET", "POST")
_answer_405("/items/<item_id>", "GET", "PUT", "DELETE")
# POST is the batch route; with any other method, "batch" is an id like any other.
_answer_405("/items/batch", "GET", "POST", "PUT", "DELETE")


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
        logger.warning(
            "Batch records not written",
            extra={"written": report.written, "unwritten": dict(reasons)},
            exc_info=report.error,
        )


def _json_body(event: BaseProxyEvent) -> bytes:
    """The raw body, once it is known to be JSON."""
    if not _is_json(event.headers.get("content-type")):
        raise UnsupportedMediaType
    return _raw_body(event)


def _batch_format(content_type: str | None) -> bool:
    """Whether a batch is NDJSON (else a JSON array); 415 for any other content type."""
    if _media_type(content_type) == NDJSON:
        return True
    if not _is_json(content_type):
        raise UnsupportedMediaType(JSON_OR_NDJSON)
    return False


def _raw_body(event: BaseProxyEvent) -> bytes:
    """The raw body as bytes (invalid UTF-8 included, for rust_core to reject). Its size is the
    codec's to check."""
    body = event.body or ""
    if event.is_base64_encoded:
        return base64.b64decode(body)
    # surrogatepass: a body that is not UTF-8 must reach the parser as such, not fail here
    return body.encode("utf-8", "surrogatepass")


def _is_json(content_type: str | None) -> bool:
    """application/json or any +json type, parameters allowed; a missing type is read as JSON."""
    media_type = _media_type(content_type)
    return media_type in ("", JSON) or ("/" in media_type and media_type.endswith("+json"))


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _item_json(item: Item) -> str:
    return rust_core.item_to_json(item).decode()


def _json_response(
    status: HTTPStatus, body: str, headers: dict[str, str] | None = None
) -> Response[str]:
    # A str body goes out as is: Powertools base64-encodes bytes and re-serializes dicts.
    return Response(status_code=status.value, content_type=JSON, body=body, headers=headers)
