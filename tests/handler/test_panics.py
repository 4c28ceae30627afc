"""A Rust panic while a request is handled: a 500 problem, nothing written, and the same process
answers the next request (the panic hook of the development build: tests/core/test_panics.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from rust_core import _rust_core
from tests.support import (
    JSON,
    ORIGINAL,
    REQUEST_ID,
    Invoke,
    Reply,
    compact,
    http_api_event,
    order,
    problem,
)

if TYPE_CHECKING:
    from tests.conftest import Table

INTERNAL = problem(
    500,
    "Internal Server Error",
    "The server failed to handle the request.",
    request_id=REQUEST_ID,
)
NEW = order(id="new")
BATCH = json.dumps([order(id="b1"), order(id="b2")])

# Each route, its request, and its success once nothing panics
ROUTES = {
    "POST": (("POST", "/items", json.dumps(NEW)), 201),
    "PUT": (("PUT", "/items/kept", json.dumps(order())), 200),
    "GET": (("GET", "/items/kept"), 200),
    "DELETE": (("DELETE", "/items/kept"), 204),
    "LIST": (("GET", "/items?limit=5"), 200),
    "BATCH": (("POST", "/items/batch", BATCH), 200),
}


@pytest.fixture(autouse=True)
def hooked() -> Iterator[None]:
    if not hasattr(_rust_core, "_arm_panic"):
        pytest.fail("rust_core was built without test-hooks (make develop builds with them)")
    yield
    _rust_core._arm_panic(False)  # whatever the test did not call


@pytest.mark.parametrize("route", ROUTES)
def test_a_panic_is_a_500_that_changes_nothing_and_the_next_request_is_served(
    invoke: Invoke, seeded: Table, route: str, dynamodb_client: str
) -> None:
    request, success = ROUTES[route]
    if (dynamodb_client, route) == ("boto3", "DELETE"):
        pytest.skip("the boto3 store deletes without calling rust_core")
    # GIVEN a table holding one item, and rust_core's next call panics
    _rust_core._arm_panic()
    # WHEN the function handles the request
    reply = invoke(http_api_event(*request))
    # THEN a 500 problem with the request id, and the table is as it was
    assert reply == INTERNAL
    assert seeded.items() == {"kept": ORIGINAL}
    # AND the same process serves the same request next
    again = invoke(http_api_event(*request))
    assert again.status == success, again


def test_after_a_panic_the_create_answers_the_stored_item(invoke: Invoke, table: Table) -> None:
    _rust_core._arm_panic()
    assert invoke(http_api_event("POST", "/items", json.dumps(NEW))) == INTERNAL
    assert table.items() == {}
    reply = invoke(http_api_event("POST", "/items", json.dumps(NEW)))
    assert reply == Reply(201, {"Content-Type": JSON, "Location": "/items/new"}, compact(NEW))
