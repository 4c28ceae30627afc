"""POST /items, GET and DELETE /items/{id}: what succeeds, and what it leaves in the table."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import (
    JSON,
    UUID7,
    EventFactory,
    Invoke,
    Reply,
    as_item,
    compact,
    http_api_event,
    order,
    recorded,
    rest_api_event,
)

if TYPE_CHECKING:
    from tests.conftest import Table

# The record in the recorded POST events
ORDER_1 = {
    "id": "order-1",
    "customer": {"id": "c-42", "name": "Ada Lovelace"},
    "currency": "EUR",
    "lines": [{"sku": "WIDGET-1", "qty": 2, "price": 9.99}],
}


@pytest.mark.parametrize("name", ["http_api_post_item", "rest_api_post_item"])
def test_recorded_post_stores_the_item(invoke: Invoke, table: Table, name: str) -> None:
    # GIVEN an empty table and a recorded POST /items event
    # WHEN the function handles it
    reply = invoke(recorded(name))
    # THEN 201 with the stored item and its location, and the table holds exactly that item
    assert reply == Reply(
        201, {"Content-Type": JSON, "Location": "/items/order-1"}, compact(ORDER_1)
    )
    assert table.items() == {"order-1": as_item(ORDER_1)}


def test_recorded_base64_post_is_decoded(invoke: Invoke, table: Table) -> None:
    # GIVEN a recorded HTTP API event whose UTF-8 body came base64-encoded
    # WHEN the function handles it
    reply = invoke(recorded("http_api_post_item_base64"))
    # THEN the item is stored as sent, accents included
    record = {
        "id": "café-1",
        "customer": {"id": "c-7", "name": "Zoë Çelik"},
        "currency": "EUR",
        "lines": [{"sku": "CREME-BRULEE", "qty": 1, "price": 6.5}],
    }
    assert reply == Reply(
        201, {"Content-Type": JSON, "Location": "/items/caf%C3%A9-1"}, compact(record)
    )
    assert table.items() == {"café-1": as_item(record)}


@pytest.mark.parametrize("name", ["http_api_get_item", "rest_api_get_item"])
def test_recorded_get_reads_the_item(invoke: Invoke, table: Table, name: str) -> None:
    # GIVEN the item the recorded GET asks for
    table.put(as_item(ORDER_1))
    # WHEN the function handles the recorded event
    reply = invoke(recorded(name))
    # THEN 200 with the item as JSON, and the table unchanged
    assert (reply.status, reply.headers) == (200, {"Content-Type": JSON})
    assert reply.json() == json.loads(json.dumps(ORDER_1), parse_float=Decimal)
    assert table.items() == {"order-1": as_item(ORDER_1)}


def test_post_without_id_generates_sortable_uuid7s(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN three orders without an id
    records = [order(notes=f"order {n}") for n in range(3)]
    # WHEN each is posted in turn
    replies = [invoke(make_event("POST", "/items", json.dumps(record))) for record in records]
    # THEN each gets a fresh UUIDv7, placed first; ids sort in creation order
    ids = [reply.json()["id"] for reply in replies]
    assert all(UUID7.fullmatch(item_id) for item_id in ids)
    assert ids == sorted(ids) and len(set(ids)) == 3
    for item_id, record, reply in zip(ids, records, replies, strict=False):
        assert reply == Reply(
            201,
            {"Content-Type": JSON, "Location": f"/items/{item_id}"},
            compact({"id": item_id, **record}),
        )
    assert table.items() == {
        item_id: as_item({"id": item_id, **record})
        for item_id, record in zip(ids, records, strict=False)
    }


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/merge-patch+json",
        "application/vnd.api+json; charset=UTF-8",
    ],
)
def test_json_content_types_are_accepted(
    invoke: Invoke, table: Table, make_event: EventFactory, content_type: str | None
) -> None:
    # GIVEN an order sent with (or without) a JSON content type
    record = order(id="a")
    event = make_event("POST", "/items", json.dumps(record), content_type=content_type)
    # WHEN it is posted
    reply = invoke(event)
    # THEN it is stored
    assert (reply.status, reply.body) == (201, compact(record))
    assert table.items() == {"a": as_item(record)}


def test_an_id_of_2048_utf8_bytes_is_accepted(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN an id at DynamoDB's key size limit: 1024 two-byte characters
    record = order(id="é" * 1024)
    # WHEN it is posted
    reply = invoke(make_event("POST", "/items", json.dumps(record)))
    # THEN it is stored under that id
    assert reply.status == 201
    assert reply.headers["Location"] == "/items/" + "%C3%A9" * 1024
    assert table.items() == {record["id"]: as_item(record)}


@pytest.mark.usefixtures("any_object")
def test_numbers_come_back_numerically_equal(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN an item posted with numbers DynamoDB writes in its own form
    body = '{"id": "n", "price": 1.50, "big": 12345678901234567890123456789012345678}'
    assert invoke(make_event("POST", "/items", body)).status == 201
    # WHEN it is read back
    reply = invoke(make_event("GET", "/items/n"))
    # THEN each number has the same value, all 38 digits kept
    assert (reply.status, reply.headers) == (200, {"Content-Type": JSON})
    big = 12345678901234567890123456789012345678
    assert reply.json() == {"id": "n", "price": Decimal("1.5"), "big": big}
    assert table.items() == {"n": {"id": {"S": "n"}, "price": {"N": "1.5"}, "big": {"N": str(big)}}}


def test_delete_removes_the_item(invoke: Invoke, table: Table, make_event: EventFactory) -> None:
    # GIVEN two items
    table.put(as_item(ORDER_1))
    table.put({"id": {"S": "other"}})
    # WHEN one is deleted
    reply = invoke(make_event("DELETE", "/items/order-1"))
    # THEN 204 with an empty body, and only the other one is left
    assert reply == Reply(204, {}, "")
    assert table.items() == {"other": {"id": {"S": "other"}}}


@pytest.mark.parametrize("item_id", ["a b", "ü€😀", "100%", "q?x#y", "1+1=2", "~!*'();:@&$,"])
def test_any_id_round_trips_through_its_location(
    invoke: Invoke, table: Table, make_event: EventFactory, item_id: str
) -> None:
    # GIVEN an order whose id needs percent-encoding in a URL
    record = order(id=item_id)
    created = invoke(make_event("POST", "/items", json.dumps(record)))
    location = created.headers["Location"]
    assert created.status == 201
    assert table.items() == {item_id: as_item(record)}
    # WHEN its Location is read, then deleted
    read = invoke(make_event("GET", location))
    deleted = invoke(make_event("DELETE", location))
    # THEN both reach that item
    assert (read.status, read.json()) == (200, json.loads(compact(record), parse_float=Decimal))
    assert deleted.status == 204
    assert table.items() == {}


def test_a_slash_in_an_id_is_reachable_through_a_rest_api(invoke: Invoke, table: Table) -> None:
    # GIVEN an item whose id holds a slash
    table.put({"id": {"S": "a/b"}})
    # WHEN a REST API passes on its percent-encoded location
    reply = invoke(rest_api_event("GET", "/items/a%2Fb"))
    # THEN the item is found
    assert reply == Reply(200, {"Content-Type": JSON}, '{"id":"a/b"}')
    assert table.items() == {"a/b": {"id": {"S": "a/b"}}}


def test_a_slash_in_an_id_is_routable_through_an_http_api(invoke: Invoke, table: Table) -> None:
    # GIVEN an item whose id holds a slash
    table.put({"id": {"S": "a/b"}})
    # WHEN an HTTP API passes on its location, which it decodes to /items/a/b
    reply = invoke(http_api_event("GET", "/items/a%2Fb"))
    # THEN everything after /items/ is the id: the item
    assert (reply.status, reply.json()) == (200, {"id": "a/b"})
    assert table.items() == {"a/b": {"id": {"S": "a/b"}}}


def test_a_context_without_the_time_left_still_serves(app: Any, table: Table) -> None:
    # GIVEN a context that cannot tell the time left (a test harness's, not Lambda's)
    class Context:
        function_name = "items"
        memory_limit_in_mb = 1024
        aws_request_id = "r-1"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:items"

    event = recorded("http_api_post_item")
    # WHEN the recorded POST is handled: THEN it is created (retries bounded by count alone)
    reply = app.handler(event, Context())
    assert reply["statusCode"] == 201
    assert list(table.items()) == ["order-1"]
