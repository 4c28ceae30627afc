"""The items resource: POST and GET /items, GET, PUT and DELETE /items/{id}."""

from __future__ import annotations

import base64
import json
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

import rust_core
from py_handler.errors import MethodNotAllowed, UnsupportedMediaType
from py_handler.paging import decode_cursor, encode_cursor, page_limit
from py_handler.settings import settings
from py_handler.store import Item, connect

JSON = "application/json"

router = Router()  # type: ignore[no-untyped-call]


def load_codec(schema: Path, max_body_bytes: int) -> rust_core.RecordCodec:
    """The record codec, compiled once at init; a schema that cannot be used fails the init."""
    try:
        return rust_core.RecordCodec(schema.read_bytes(), max_body_bytes=max_body_bytes)
    except (OSError, rust_core.SchemaError):
        # Init runs before app.py configures the service's logger: this Logger does, so that the
        # failure is one JSON line like every other log line.
        Logger().exception("Cannot use the item schema %s (ITEM_SCHEMA)", schema)
        raise


codec = load_codec(settings.item_schema, settings.max_body_bytes)
store = connect(settings.table_name)


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


def _json_body(event: BaseProxyEvent) -> bytes:
    """The raw body as bytes (invalid UTF-8 included, for rust_core to reject), once it is
    known to be JSON. Its size is the codec's to check."""
    content_type = event.headers.get("content-type")
    if not _is_json(content_type):
        raise UnsupportedMediaType
    body = event.body or ""
    if event.is_base64_encoded:
        return base64.b64decode(body)
    # surrogatepass: a body that is not UTF-8 must reach the parser as such, not fail here
    return body.encode("utf-8", "surrogatepass")


def _is_json(content_type: str | None) -> bool:
    """application/json or any +json type, parameters allowed; a missing type is read as JSON."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type in ("", JSON) or ("/" in media_type and media_type.endswith("+json"))


def _item_json(item: Item) -> str:
    return rust_core.item_to_json(item).decode()


def _json_response(
    status: HTTPStatus, body: str, headers: dict[str, str] | None = None
) -> Response[str]:
    # A str body goes out as is: Powertools base64-encodes bytes and re-serializes dicts.
    return Response(status_code=status.value, content_type=JSON, body=body, headers=headers)
