"""The items resource: POST /items, GET and DELETE /items/{id}."""

from __future__ import annotations

import base64
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, unquote

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

import rust_core
from py_handler.errors import MethodNotAllowed, PayloadTooLarge, UnsupportedMediaType
from py_handler.ids import new_id
from py_handler.settings import settings
from py_handler.store import Item, connect

JSON = "application/json"
MAX_ID_BYTES = 2048  # DynamoDB's limit for a partition key

router = Router()  # type: ignore[no-untyped-call]
store = connect(settings.table_name)


@router.post("/items")
def create_item() -> Response[str]:
    item = rust_core.json_to_item(_json_body(router.current_event, settings.max_body_bytes))
    item_id = _checked_id(item)
    if item_id is None:
        item_id = new_id()
        item = {"id": {"S": item_id}, **item}
    store.create(item)
    return _json_response(
        HTTPStatus.CREATED, item, headers={"Location": f"/items/{quote(item_id, safe='')}"}
    )


# Path parameters arrive percent-encoded, whatever the payload format (see app.resolve).
@router.get("/items/<item_id>")
def get_item(item_id: str) -> Response[str]:
    return _json_response(HTTPStatus.OK, store.get(unquote(item_id)))


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


_answer_405("/items", "POST")
_answer_405("/items/<item_id>", "GET", "DELETE")


def _json_body(event: BaseProxyEvent, limit: int) -> bytes:
    """The raw body as bytes (invalid UTF-8 included, for rust_core to reject), once it is
    known to be JSON and small enough."""
    content_type = event.headers.get("content-type")
    if not _is_json(content_type):
        raise UnsupportedMediaType
    body = event.body or ""
    # surrogatepass: a body that is not UTF-8 must reach the parser as such, not fail here
    data = (
        base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8", "surrogatepass")
    )
    if len(data) > limit:
        raise PayloadTooLarge(limit)
    return data


def _is_json(content_type: str | None) -> bool:
    """application/json or any +json type, parameters allowed; a missing type is read as JSON."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type in ("", JSON) or ("/" in media_type and media_type.endswith("+json"))


def _checked_id(item: Item) -> str | None:
    """The item's id when it has one; a non-empty string of at most 2048 UTF-8 bytes."""
    if "id" not in item:
        return None
    value = item["id"].get("S")
    if not isinstance(value, str):
        raise _id_error(rust_core.ValidationError, "must be a string", "type")
    if not value:
        raise _id_error(rust_core.ValidationError, "must not be empty", "minLength")
    if len(value.encode()) > MAX_ID_BYTES:
        raise _id_error(rust_core.LimitError, "must be at most 2048 bytes in UTF-8", "key_size")
    return value


def _id_error(
    kind: type[rust_core.ValidationError | rust_core.LimitError], message: str, keyword: str
) -> Exception:
    return kind(f"id {message}", [{"path": "/id", "message": message, "keyword": keyword}])


def _json_response(
    status: HTTPStatus, item: dict[str, Any], headers: dict[str, str] | None = None
) -> Response[str]:
    # A str body goes out as is: Powertools base64-encodes bytes and re-serializes dicts.
    body = rust_core.item_to_json(item).decode()
    return Response(status_code=status.value, content_type=JSON, body=body, headers=headers)
