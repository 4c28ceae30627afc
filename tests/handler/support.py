"""Events and replies for calling `py_handler.app.handler` in-process."""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from boto3.dynamodb.types import TypeSerializer

EVENTS = Path(__file__).resolve().parent.parent / "events"
REQUEST_ID = "0c7a5d1e-2f3b-4c6d-8e9f-a0b1c2d3e4f5"
PROBLEM = "application/problem+json"
JSON = "application/json"
# The item a `seeded` table holds, which no failed request may change
ORIGINAL = {"id": {"S": "kept"}, "name": {"S": "original"}}
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
