"""Faults Dynoxide will not produce, stubbed at the store's client: throttling that outlived
botocore's retries, an unexpected DynamoDB error, a bug inside rust_core."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

import rust_core
from tests.support import (
    PROBLEM,
    REQUEST_ID,
    EventFactory,
    Invoke,
    Reply,
    error,
    invalid,
    order,
    problem,
)

if TYPE_CHECKING:
    from tests.conftest import Table

INTERNALS = "arn:aws:dynamodb:us-east-1:123456789012:table/items is on fire"


@pytest.fixture
def log(app: ModuleType) -> Iterator[io.StringIO]:
    """What the function logs during the test (Powertools' handler writes JSON lines)."""
    handler = app.logger.registered_handler
    lines = io.StringIO()
    previous = handler.setStream(lines)
    yield lines
    handler.setStream(previous)


ORDER_JSON = json.dumps(order(id="a"))
# A request of each route, by the DynamoDB operation it needs
REQUESTS = {
    "post": ("put_item", ("POST", "/items", ORDER_JSON)),
    "put": ("put_item", ("PUT", "/items/a", ORDER_JSON)),
    "get": ("get_item", ("GET", "/items/a", None)),
    "list": ("scan", ("GET", "/items", None)),
    "delete": ("delete_item", ("DELETE", "/items/a", None)),
}


@pytest.mark.parametrize("route", REQUESTS)
@pytest.mark.parametrize(
    "code",
    ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"],
)
def test_throttling_after_retries_is_503_with_retry_after(
    invoke: Invoke,
    table: Table,
    make_event: EventFactory,
    dynamodb_stub: Stubber,
    route: str,
    code: str,
) -> None:
    # GIVEN DynamoDB throttling the call (botocore's retries already spent)
    operation, request = REQUESTS[route]
    dynamodb_stub.add_client_error(operation, service_error_code=code, http_status_code=400)
    # WHEN a request needs that call
    reply = invoke(make_event(*request))
    # THEN 503 tells the client when to come back
    body = {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "DynamoDB is busy; retry later.",
    }
    assert reply == Reply(503, {"Content-Type": PROBLEM, "Retry-After": "1"}, json.dumps(body))
    assert table.items() == {}


@pytest.mark.parametrize("route", REQUESTS)
def test_an_unexpected_dynamodb_error_is_500_with_request_id_only(
    invoke: Invoke,
    table: Table,
    make_event: EventFactory,
    dynamodb_stub: Stubber,
    log: io.StringIO,
    route: str,
) -> None:
    # GIVEN DynamoDB failing with an error nobody planned for
    operation, request = REQUESTS[route]
    dynamodb_stub.add_client_error(
        operation,
        service_error_code="InternalServerError",
        service_message=INTERNALS,
        http_status_code=500,
    )
    # WHEN a request needs that call
    reply = invoke(make_event(*request))
    # THEN 500 carries the request id and nothing of the error itself
    assert reply == internal_error()
    assert table.items() == {}
    # AND the log has the error's type and where it happened, under the same request id, never
    # its message (DynamoDB's words may quote the request)
    logged = [json.loads(line) for line in log.getvalue().splitlines()]
    errors = [entry for entry in logged if entry.get("level") == "ERROR"]
    assert [entry["function_request_id"] for entry in errors] == [REQUEST_ID]
    assert errors[0]["error_types"][0] == "botocore.errorfactory.InternalServerError"
    assert "boto3_store.py" in errors[0]["traceback"]
    assert INTERNALS not in log.getvalue()


class PanickingCodec:
    """rust_core failing from the inside: a Rust panic surfaces as InternalError."""

    def decode(self, body: bytes | str, *, key: str | None = None) -> dict[str, Any]:
        raise rust_core.InternalError("index out of bounds in codec.rs")


@pytest.mark.parametrize("request_", [REQUESTS["post"][1], REQUESTS["put"][1]], ids=["post", "put"])
def test_a_bug_inside_rust_core_is_500(
    invoke: Invoke,
    table: Table,
    make_event: EventFactory,
    monkeypatch: pytest.MonkeyPatch,
    request_: tuple[str, str, str],
) -> None:
    # GIVEN the record codec failing from the inside
    from py_handler import routes

    monkeypatch.setattr(routes, "codec", PanickingCodec())
    # WHEN an item is posted or put
    reply = invoke(make_event(*request_))
    # THEN 500, nothing written
    assert reply == internal_error()
    assert table.items() == {}


def internal_error() -> Reply:
    body = {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "The server failed to handle the request.",
        "request_id": REQUEST_ID,
    }
    return Reply(500, {"Content-Type": PROBLEM}, json.dumps(body))


@pytest.mark.parametrize(("method", "path"), [("POST", "/items"), ("PUT", "/items/a")])
@pytest.mark.parametrize(
    ("message", "reply"),
    [
        (
            "Item size has exceeded the maximum allowed size",
            problem(
                413,
                "Content Too Large",
                "The item is over DynamoDB's 400 KB item size limit.",
                errors=[
                    error("", "The item is larger than DynamoDB's 400 KB limit", "max_item_size")
                ],
            ),
        ),
        (
            "One or more parameter values were invalid: an attribute is invalid",
            invalid(error("", "DynamoDB refused the item", "dynamodb")),
        ),
    ],
    ids=["too-large", "refused"],
)
def test_an_item_dynamodb_refuses_is_a_client_error(
    invoke: Invoke,
    table: Table,
    make_event: EventFactory,
    dynamodb_stub: Stubber,
    method: str,
    path: str,
    message: str,
    reply: Reply,
) -> None:
    # GIVEN DynamoDB refusing an item the codec let through (its count differing from ours)
    dynamodb_stub.add_client_error(
        "put_item",
        service_error_code="ValidationException",
        service_message=message,
        http_status_code=400,
    )
    # WHEN the item is written
    # THEN the client hears why, without DynamoDB's words
    assert invoke(make_event(method, path, ORDER_JSON)) == reply
    assert table.items() == {}
