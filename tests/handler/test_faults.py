"""Faults Dynoxide will not produce, stubbed at the store's client: throttling that outlived
botocore's retries, an unexpected DynamoDB error, a bug inside rust_core."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

import rust_core

from .support import PROBLEM, REQUEST_ID, EventFactory, Reply

if TYPE_CHECKING:
    from tests.conftest import Table

Invoke = Callable[[dict[str, Any]], Reply]
INTERNALS = "arn:aws:dynamodb:us-east-1:123456789012:table/items is on fire"


@pytest.fixture
def dynamodb_stub(app: ModuleType) -> Iterator[Stubber]:
    """The function's own client, answering from the stub instead of DynamoDB."""
    from py_handler import routes

    with Stubber(routes.store.client) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def log(app: ModuleType) -> Iterator[io.StringIO]:
    """What the function logs during the test (Powertools' handler writes JSON lines)."""
    handler = app.logger.registered_handler
    lines = io.StringIO()
    previous = handler.setStream(lines)
    yield lines
    handler.setStream(previous)


REQUESTS = {
    "put_item": ("POST", "/items", '{"id": "a"}'),
    "get_item": ("GET", "/items/a", None),
    "delete_item": ("DELETE", "/items/a", None),
}


@pytest.mark.parametrize("operation", REQUESTS)
@pytest.mark.parametrize(
    "code",
    ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"],
)
def test_throttling_after_retries_is_503_with_retry_after(
    invoke: Invoke,
    table: Table,
    make_event: EventFactory,
    dynamodb_stub: Stubber,
    operation: str,
    code: str,
) -> None:
    # GIVEN DynamoDB throttling the call (botocore's retries already spent)
    dynamodb_stub.add_client_error(operation, service_error_code=code, http_status_code=400)
    # WHEN a request needs that call
    reply = invoke(make_event(*REQUESTS[operation]))
    # THEN 503 tells the client when to come back
    body = {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "DynamoDB is busy; retry later.",
    }
    assert reply == Reply(503, {"Content-Type": PROBLEM, "Retry-After": "1"}, json.dumps(body))


@pytest.mark.parametrize("operation", REQUESTS)
def test_an_unexpected_dynamodb_error_is_500_with_request_id_only(
    invoke: Invoke,
    table: Table,
    make_event: EventFactory,
    dynamodb_stub: Stubber,
    log: io.StringIO,
    operation: str,
) -> None:
    # GIVEN DynamoDB failing with an error nobody planned for
    dynamodb_stub.add_client_error(
        operation,
        service_error_code="InternalServerError",
        service_message=INTERNALS,
        http_status_code=500,
    )
    # WHEN a request needs that call
    reply = invoke(make_event(*REQUESTS[operation]))
    # THEN 500 carries the request id and nothing of the error itself
    assert reply == internal_error()
    # AND the log has the error, under the same request id
    logged = [json.loads(line) for line in log.getvalue().splitlines()]
    errors = [entry for entry in logged if entry.get("level") == "ERROR"]
    assert [entry["function_request_id"] for entry in errors] == [REQUEST_ID]
    assert INTERNALS in errors[0]["exception"]


def test_a_bug_inside_rust_core_is_500(
    invoke: Invoke, table: Table, make_event: EventFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN rust_core failing from the inside (a Rust panic surfaces as InternalError)
    def panic(data: bytes | str) -> dict[str, Any]:
        raise rust_core.InternalError("index out of bounds in json.rs")

    monkeypatch.setattr(rust_core, "json_to_item", panic)
    # WHEN an item is posted
    reply = invoke(make_event("POST", "/items", '{"id": "a"}'))
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
