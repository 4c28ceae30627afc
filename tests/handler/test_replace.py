"""PUT /items/{id}: the whole item is written under the path's id, created or replaced."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.support import (
    JSON,
    PROBLEM,
    EventFactory,
    Invoke,
    Reply,
    as_item,
    compact,
    order,
    recorded,
)

if TYPE_CHECKING:
    from tests.conftest import Table

# The record in the recorded PUT events, which name /items/order-1
RECORDED = {
    "customer": {"id": "c-42", "name": "Ada Lovelace"},
    "currency": "EUR",
    "lines": [{"sku": "WIDGET-1", "qty": 3, "price": 9.99}],
}
OTHER = {"id": {"S": "other"}, "currency": {"S": "USD"}}


@pytest.mark.parametrize("name", ["http_api_put_item", "rest_api_put_item"])
def test_recorded_put_creates_the_item(invoke: Invoke, table: Table, name: str) -> None:
    # GIVEN a table without order-1
    table.put(OTHER)
    # WHEN a recorded PUT /items/order-1 is handled
    reply = invoke(recorded(name))
    # THEN 200 with the stored item, its id from the path and placed first
    stored = {"id": "order-1", **RECORDED}
    assert reply == Reply(200, {"Content-Type": JSON}, compact(stored))
    assert table.items() == {"order-1": as_item(stored), "other": OTHER}


def test_put_replaces_the_whole_item(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN an order with notes and an address
    before = order(id="o-1", notes="leave at the door")
    table.put(as_item(before))
    table.put(OTHER)
    # WHEN it is replaced by a record without either
    after = order(currency="USD")
    del after["address"]
    reply = invoke(make_event("PUT", "/items/o-1", json.dumps(after)))
    # THEN the item is the new record alone: nothing of the old one is left
    stored = {"id": "o-1", **after}
    assert reply == Reply(200, {"Content-Type": JSON}, compact(stored))
    assert table.items() == {"o-1": as_item(stored), "other": OTHER}


def test_put_with_the_same_id_in_the_body_is_accepted(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN a record that repeats the path's id
    record = order(id="o-1")
    # WHEN it is put there
    reply = invoke(make_event("PUT", "/items/o-1", json.dumps(record)))
    # THEN it is stored as sent
    assert reply == Reply(200, {"Content-Type": JSON}, compact(record))
    assert table.items() == {"o-1": as_item(record)}


@pytest.mark.parametrize("item_id", ["a b", "ü€😀", "100%", "q?x#y", "batch"])
def test_put_takes_the_decoded_path_id(
    invoke: Invoke, table: Table, make_event: EventFactory, item_id: str
) -> None:
    # GIVEN an id that needs percent-encoding in a URL (or that names the batch route)
    record = order(id=item_id)
    path = "/items/" + "".join(f"%{byte:02X}" for byte in item_id.encode())
    # WHEN a record with that id is put at its percent-encoded path
    reply = invoke(make_event("PUT", path, json.dumps(record)))
    # THEN the path and the body name the same item
    assert reply == Reply(200, {"Content-Type": JSON}, compact(record))
    assert table.items() == {item_id: as_item(record)}


def test_a_body_id_that_differs_from_the_path_is_400(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN two items
    table.put(as_item(order(id="o-1")))
    table.put(as_item(order(id="o-2")))
    # WHEN a record naming o-2 is put at /items/o-1
    reply = invoke(make_event("PUT", "/items/o-1", json.dumps(order(id="o-2", currency="USD"))))
    # THEN 400, and neither item changed
    body = {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "The body's id differs from the id in the path.",
    }
    assert reply == Reply(400, {"Content-Type": PROBLEM}, json.dumps(body))
    assert table.items() == {"o-1": as_item(order(id="o-1")), "o-2": as_item(order(id="o-2"))}
