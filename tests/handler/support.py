"""Events and replies for calling `py_handler.app.handler` in-process."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Union
from urllib.parse import unquote

EVENTS = Path(__file__).resolve().parent.parent / "events"
REQUEST_ID = "0c7a5d1e-2f3b-4c6d-8e9f-a0b1c2d3e4f5"
PROBLEM = "application/problem+json"


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


Body = Union[str, bytes, None]


def http_api_event(
    method: str, path: str, body: Body = None, content_type: str | None = "application/json"
) -> dict[str, Any]:
    """An HTTP API (2.0) event for `path` as sent by a client (percent-encoded); API Gateway
    decodes the path before handing it over."""
    event = recorded("http_api_get_item")
    decoded = unquote(path)
    event.update(rawPath=decoded, routeKey="$default")
    event["requestContext"].update(routeKey="$default")
    event["requestContext"]["http"].update(method=method, path=decoded)
    event.pop("pathParameters")
    if content_type is not None:
        event["headers"]["content-type"] = content_type
    _set_body(event, body)
    return event


def rest_api_event(
    method: str, path: str, body: Body = None, content_type: str | None = "application/json"
) -> dict[str, Any]:
    """A REST API (1.0) event for `path` as sent by a client; it stays percent-encoded."""
    event = recorded("rest_api_get_item")
    event.update(path=path, httpMethod=method, resource="/{proxy+}", pathParameters=None)
    event["requestContext"].update(httpMethod=method, path=f"/prod{path}", resourcePath="/{proxy+}")
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
