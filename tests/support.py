"""What the suites that call the function share: API Gateway events as a client's request
reaches the function, the replies it must give (problem+json bodies, batch reports), the order
records the default schema accepts, and the set-up that points the function at a store.

Events are built from the recorded ones in tests/events; replies compare as `Reply` values.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from boto3.dynamodb.types import TypeSerializer

import rust_core

if TYPE_CHECKING:
    import pytest

    from py_handler.store import Store

EVENTS = Path(__file__).resolve().parent / "events"
REQUEST_ID = "0c7a5d1e-2f3b-4c6d-8e9f-a0b1c2d3e4f5"
PROBLEM = "application/problem+json"
JSON = "application/json"
NDJSON = "application/x-ndjson"
# The item a `seeded` table holds, which no failed request may change
ORIGINAL = {"id": {"S": "kept"}, "name": {"S": "original"}}
# For tests whose point is not the schema: any JSON object is a record
ANY_OBJECT = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}
# The single-record writes, for tests of how either reads a body (the PUT replaces ORIGINAL)
WRITES = [("POST", "/items"), ("PUT", "/items/kept")]
WRITE_IDS = ["post", "put"]
UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

# A record the default schema (py_handler/schema.json) accepts. Its numbers are written as
# DynamoDB writes them back, so that replies and stored items compare exactly.
ORDER: dict[str, Any] = {
    "customer": {"id": "c-42", "name": "Ada Lovelace", "email": "ada@example.com"},
    "currency": "EUR",
    "lines": [
        {"sku": "WIDGET-1", "qty": 2, "price": 9.99},
        {"sku": "GADGET-7", "qty": 1, "price": 120},
    ],
    "address": {"street": "1 Main St", "city": "Lyon", "postal_code": "69001", "country": "FR"},
}


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> Reply:
    """The problem+json reply the function gives for an error."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Reply(status, {"Content-Type": PROBLEM, **(headers or {})}, json.dumps(body))


def invalid(*errors: dict[str, str]) -> Reply:
    """422 listing `errors`."""
    detail = "The item breaks the rules listed in errors."
    return problem(422, "Unprocessable Content", detail, errors=list(errors))


def error(path: str, message: str, keyword: str) -> dict[str, str]:
    """One entry of a problem's `errors`."""
    return {"path": path, "message": message, "keyword": keyword}


def order(**changes: Any) -> dict[str, Any]:
    """A fresh copy of ORDER with some members replaced (or added)."""
    return {**copy.deepcopy(ORDER), **changes}


def street_for(item_id: str, size: int) -> dict[str, Any]:
    """An order whose item, once it has the id `item_id`, is `size` bytes by DynamoDB's count."""
    record = order(id=item_id)
    record["address"]["street"] = ""
    record["address"]["street"] = "x" * (size - rust_core.item_size(as_item(record)))
    assert rust_core.item_size(as_item(record)) == size
    return record


def compact(record: dict[str, Any]) -> str:
    """A record as the API writes it: compact JSON, members in order."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def as_item(record: dict[str, Any]) -> dict[str, Any]:
    """A record as DynamoDB stores it, by boto3's own serializer (not rust_core's)."""
    exact = json.loads(json.dumps(record), parse_float=Decimal)
    serializer = TypeSerializer()
    return {name: serializer.serialize(value) for name, value in exact.items()}


def recorded(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        """The body parsed, numbers exact (DynamoDB keeps no attribute order, so GET bodies are
        compared parsed)."""
        return json.loads(self.body, parse_float=Decimal)


Invoke = Callable[[dict[str, Any]], Reply]
Body = str | bytes | None


def http_api_event(
    method: str, target: str, body: Body = None, content_type: str | None = "application/json"
) -> dict[str, Any]:
    """An HTTP API (2.0) event for `target` (path and query) as sent by a client (percent-encoded);
    API Gateway decodes the path, and joins a repeated query parameter's values with commas."""
    event = recorded("http_api_get_item")
    path, _, query = target.partition("?")
    decoded = unquote(path)
    event.update(rawPath=decoded, routeKey="$default", rawQueryString=query)
    event["requestContext"].update(routeKey="$default")
    event["requestContext"]["http"].update(method=method, path=decoded)
    event.pop("pathParameters")
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    if parameters:
        event["queryStringParameters"] = parameters
    if content_type is not None:
        event["headers"]["content-type"] = content_type
    _set_body(event, body)
    return event


def rest_api_event(
    method: str, target: str, body: Body = None, content_type: str | None = "application/json"
) -> dict[str, Any]:
    """A REST API (1.0) event for `target` (path and query) as sent by a client; the path stays
    percent-encoded, a repeated query parameter keeps its last value (all in multiValue...)."""
    event = recorded("rest_api_get_item")
    path, _, query = target.partition("?")
    event.update(path=path, httpMethod=method, resource="/{proxy+}", pathParameters=None)
    event["requestContext"].update(httpMethod=method, path=f"/prod{path}", resourcePath="/{proxy+}")
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(name, []).append(value)
    event["queryStringParameters"] = {k: v[-1] for k, v in values.items()} or None
    event["multiValueQueryStringParameters"] = values or None
    if content_type is not None:
        event["headers"]["Content-Type"] = content_type
        event["multiValueHeaders"]["Content-Type"] = [content_type]
    _set_body(event, body)
    return event


def _set_body(event: dict[str, Any], body: Body) -> None:
    if isinstance(body, bytes):
        event.update(body=base64.b64encode(body).decode("ascii"), isBase64Encoded=True)
    else:
        event.update(body=body, isBase64Encoded=False)


EventFactory = Callable[..., dict[str, Any]]


def reply_to(response: dict[str, Any]) -> Reply:
    """The function's response, as the Lambda runtime serialized it, as a `Reply`: headers of
    either payload format (1.0's multiValueHeaders joined as a client reads them)."""
    assert response["isBase64Encoded"] is False  # bodies go out as text, never base64
    if "multiValueHeaders" in response:  # payload 1.0
        headers = {k: ", ".join(v) for k, v in response["multiValueHeaders"].items()}
    else:
        headers = dict(response["headers"])
    return Reply(response["statusCode"], headers, response["body"])


def use_store(patch: pytest.MonkeyPatch, store: Store) -> None:
    """The function's routes write through `store` (and its batch writer) while `patch` lasts."""
    from py_handler import routes

    patch.setattr(routes, "store", store)
    patch.setattr(routes, "writer", routes.batch_writer(store))


# -- Replies the function gives -----------------------------------------------------------------


def written(count: int, *failed: dict[str, Any]) -> Reply:
    """200 for a batch: how many records were written, and those that failed."""
    body = json.dumps({"written": count, "failed": list(failed)}, separators=(",", ":"))
    return Reply(200, {"Content-Type": JSON}, body)


def failure(index: int, *errors: dict[str, str], line: int | None = None) -> dict[str, Any]:
    """One failed record of a batch reply (`line`: NDJSON's)."""
    entry: dict[str, Any] = {"index": index}
    if line is not None:
        entry["line"] = line
    entry["errors"] = list(errors)
    return entry


def malformed(column: int, message: str, line: int = 1) -> Reply:
    """400 for malformed JSON, naming where."""
    return problem(
        400, "Bad Request", f"Malformed JSON at line {line}, column {column}: {message}."
    )


NOT_AN_OBJECT = error("", "A record must be a JSON object", "type")
KEY_SIZE = error("/id", "The key attribute must be at most 2048 bytes in UTF-8", "key_size")

BODY_TOO_LARGE = problem(
    413,
    "Content Too Large",
    "The body is over the size limit.",
    errors=[error("", "The body is larger than the configured limit", "max_body_size")],
)
TOO_MANY_RECORDS = problem(
    413,
    "Content Too Large",
    "The batch has more records than the limit.",
    errors=[error("", "The batch has more records than the configured limit", "max_records")],
)
ITEM_TOO_LARGE = problem(
    413,
    "Content Too Large",
    "The item is over DynamoDB's 400 KB item size limit.",
    errors=[
        error(
            "",
            "The item is larger than DynamoDB's 400 KB limit (or the configured one)",
            "max_item_size",
        )
    ],
)
JSON_ONLY = problem(
    415,
    "Unsupported Media Type",
    "The body must be JSON: Content-Type application/json or a +json type.",
)
JSON_OR_NDJSON_ONLY = problem(
    415,
    "Unsupported Media Type",
    "The body must be JSON or NDJSON: Content-Type application/json, a +json type "
    "or application/x-ndjson.",
)
IDENTITY_ONLY = problem(
    415,
    "Unsupported Media Type",
    "The body must not be encoded: Content-Encoding identity or none.",
)
NO_ITEM = problem(404, "Not Found", "No item has this id.")
NO_RESOURCE = problem(404, "Not Found", "No resource at this path.")
NOT_AN_ARRAY = problem(400, "Bad Request", "The body must be a JSON array of records.")
NOT_BASE64 = problem(400, "Bad Request", "The body is marked as base64 but is not base64.")
BAD_LIMIT = problem(
    400, "Bad Request", "The query is invalid: limit must be an integer from 1 to 1000."
)
BAD_CURSOR = problem(
    400, "Bad Request", "The query is invalid: cursor is not one this API issued for this table."
)
BAD_IDEMPOTENCY_KEY = problem(
    400,
    "Bad Request",
    "The Idempotency-Key header must be one string of 1 to 255 printable ASCII characters, "
    'quoted ("...") or bare.',
)
