"""POST /items, GET and DELETE /items/{id}: what succeeds, and what it leaves in the table."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from .support import EventFactory, Reply, http_api_event, recorded, rest_api_event

if TYPE_CHECKING:
    from tests.conftest import Table

Invoke = Callable[[dict[str, Any]], Reply]
UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
WIDGET = {"id": {"S": "widget-1"}, "name": {"S": "widget"}, "price": {"N": "9.99"}}
WIDGET_JSON = '{"id":"widget-1","name":"widget","price":9.99}'


@pytest.mark.parametrize("name", ["http_api_post_item", "rest_api_post_item"])
def test_recorded_post_stores_the_item(invoke: Invoke, table: Table, name: str) -> None:
    # GIVEN an empty table and a recorded POST /items event
    # WHEN the function handles it
    reply = invoke(recorded(name))
    # THEN 201 with the stored item and its location, and the table holds exactly that item
    assert reply == Reply(
        201,
        {"Content-Type": "application/json", "Location": "/items/widget-1"},
        WIDGET_JSON,
    )
    assert table.items() == {"widget-1": WIDGET}


def test_recorded_base64_post_is_decoded(invoke: Invoke, table: Table) -> None:
    # GIVEN a recorded HTTP API event whose UTF-8 body came base64-encoded
    # WHEN the function handles it
    reply = invoke(recorded("http_api_post_item_base64"))
    # THEN the item is stored as sent, accents included
    assert reply == Reply(
        201,
        {"Content-Type": "application/json", "Location": "/items/caf%C3%A9"},
        '{"id":"café","name":"crème brûlée"}',
    )
    assert table.items() == {"café": {"id": {"S": "café"}, "name": {"S": "crème brûlée"}}}


@pytest.mark.parametrize("name", ["http_api_get_item", "rest_api_get_item"])
def test_recorded_get_reads_the_item(invoke: Invoke, table: Table, name: str) -> None:
    # GIVEN the item the recorded GET asks for
    table.put(WIDGET)
    # WHEN the function handles the recorded event
    reply = invoke(recorded(name))
    # THEN 200 with the item as JSON, and the table unchanged
    assert (reply.status, reply.headers) == (200, {"Content-Type": "application/json"})
    assert reply.json() == {"id": "widget-1", "name": "widget", "price": Decimal("9.99")}
    assert table.items() == {"widget-1": WIDGET}


def test_post_without_id_generates_sortable_uuid7s(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN three bodies without an id
    # WHEN each is posted in turn
    replies = [invoke(make_event("POST", "/items", f'{{"n": {n}}}')) for n in range(3)]
    # THEN each gets a fresh UUIDv7, placed first; ids sort in creation order
    ids = [reply.json()["id"] for reply in replies]
    assert all(UUID7.fullmatch(item_id) for item_id in ids)
    assert ids == sorted(ids) and len(set(ids)) == 3
    for n, (item_id, reply) in enumerate(zip(ids, replies)):
        assert reply == Reply(
            201,
            {"Content-Type": "application/json", "Location": f"/items/{item_id}"},
            f'{{"id":"{item_id}","n":{n}}}',
        )
    assert table.items() == {
        item_id: {"id": {"S": item_id}, "n": {"N": str(n)}} for n, item_id in enumerate(ids)
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
    # GIVEN a JSON body sent with (or without) a JSON content type
    event = make_event("POST", "/items", '{"id": "a"}', content_type=content_type)
    # WHEN it is posted
    reply = invoke(event)
    # THEN it is stored
    assert (reply.status, reply.body) == (201, '{"id":"a"}')
    assert table.items() == {"a": {"id": {"S": "a"}}}


def test_an_id_of_2048_utf8_bytes_is_accepted(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN an id at DynamoDB's key size limit: 1024 two-byte characters
    item_id = "é" * 1024
    # WHEN it is posted
    reply = invoke(make_event("POST", "/items", json.dumps({"id": item_id})))
    # THEN it is stored under that id
    assert reply.status == 201
    assert reply.headers["Location"] == "/items/" + "%C3%A9" * 1024
    assert table.items() == {item_id: {"id": {"S": item_id}}}


def test_numbers_come_back_numerically_equal(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN an item posted with numbers DynamoDB writes in its own form
    body = '{"id": "n", "price": 1.50, "big": 12345678901234567890123456789012345678}'
    assert invoke(make_event("POST", "/items", body)).status == 201
    # WHEN it is read back
    reply = invoke(make_event("GET", "/items/n"))
    # THEN each number has the same value, all 38 digits kept
    assert (reply.status, reply.headers) == (200, {"Content-Type": "application/json"})
    big = 12345678901234567890123456789012345678
    assert reply.json() == {"id": "n", "price": Decimal("1.5"), "big": big}
    assert table.items() == {"n": {"id": {"S": "n"}, "price": {"N": "1.5"}, "big": {"N": str(big)}}}


def test_delete_removes_the_item(invoke: Invoke, table: Table, make_event: EventFactory) -> None:
    # GIVEN two items
    table.put(WIDGET)
    table.put({"id": {"S": "other"}})
    # WHEN one is deleted
    reply = invoke(make_event("DELETE", "/items/widget-1"))
    # THEN 204 with an empty body, and only the other one is left
    assert reply == Reply(204, {}, "")
    assert table.items() == {"other": {"id": {"S": "other"}}}


@pytest.mark.parametrize("item_id", ["a b", "ü€😀", "100%", "q?x#y", "1+1=2", "~!*'();:@&$,"])
def test_any_id_round_trips_through_its_location(
    invoke: Invoke, table: Table, make_event: EventFactory, item_id: str
) -> None:
    # GIVEN an item whose id needs percent-encoding in a URL
    created = invoke(make_event("POST", "/items", json.dumps({"id": item_id})))
    location = created.headers["Location"]
    assert created.status == 201
    # WHEN its Location is read, then deleted
    read = invoke(make_event("GET", location))
    deleted = invoke(make_event("DELETE", location))
    # THEN both reach that item
    assert (read.status, read.json()) == (200, {"id": item_id})
    assert deleted.status == 204
    assert table.items() == {}


def test_a_slash_in_an_id_is_reachable_through_a_rest_api(invoke: Invoke, table: Table) -> None:
    # GIVEN an item whose id holds a slash
    table.put({"id": {"S": "a/b"}})
    # WHEN a REST API passes on its percent-encoded location
    reply = invoke(rest_api_event("GET", "/items/a%2Fb"))
    # THEN the item is found
    assert reply == Reply(200, {"Content-Type": "application/json"}, '{"id":"a/b"}')


def test_a_slash_in_an_id_is_not_routable_through_an_http_api(invoke: Invoke, table: Table) -> None:
    # GIVEN an item whose id holds a slash
    table.put({"id": {"S": "a/b"}})
    # WHEN an HTTP API passes on its location, which it decodes to /items/a/b
    reply = invoke(http_api_event("GET", "/items/a%2Fb"))
    # THEN no route matches: a 404 for the path (API Gateway's own router does the same)
    assert (reply.status, reply.json()["detail"]) == (404, "No resource at this path.")
    assert table.items() == {"a/b": {"id": {"S": "a/b"}}}
