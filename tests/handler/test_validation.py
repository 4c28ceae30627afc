"""The default record schema (py_handler/schema.json, an order): what it accepts, and the exact
422 `errors` for what it does not, every violation at once, with RFC 6901 pointers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import (
    ORIGINAL,
    WRITE_IDS,
    WRITES,
    EventFactory,
    Invoke,
    as_item,
    compact,
    error,
    invalid,
    order,
)

if TYPE_CHECKING:
    from tests.conftest import Table


def changed(path: str, value: Any) -> dict[str, Any]:
    """ORDER with the member at `path` (a/b/0 style) set to `value`; `...` deletes it."""
    record = order()
    *parents, last = path.split("/")
    target: Any = record
    for step in parents:
        target = target[int(step)] if isinstance(target, list) else target[step]
    if value is ...:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return record


LINE = {"sku": "A-1", "qty": 1, "price": 0.5}


@pytest.mark.parametrize(
    "record",
    [
        order(),
        order(notes="x" * 2000),
        changed("address", ...),
        changed("customer", {"id": "c-1"}),
        changed("customer/name", "n" * 200),
        changed("customer/name", "é" * 200),
        changed("customer/email", "first.last+tag@sub.example.co.uk"),
        changed("lines", [LINE] * 100),
        changed("lines/0/sku", "ABC-123-" + "9" * 24),
        changed("lines/0/qty", 10000),
        changed("lines/0/price", 0),
        changed("lines/0/price", 19.99),
        changed("lines/0/price", 0.29),
        changed("lines/0/price", 1234567.89),
        changed("lines/0/price", 0.07),
        changed("currency", "JPY"),
    ],
    ids=[
        "order",
        "notes-of-2000",
        "no-address",
        "customer-id-alone",
        "name-of-200",
        "name-of-200-non-ascii",
        "email",
        "100-lines",
        "sku-of-32",
        "qty-10000",
        "price-0",
        "price-19.99",
        "price-0.29",
        "price-1234567.89",
        "price-0.07",
        "currency",
    ],
)
def test_a_valid_order_is_stored(
    invoke: Invoke, table: Table, make_event: EventFactory, record: dict[str, Any]
) -> None:
    # GIVEN an order at the edges of the schema
    # WHEN it is put
    reply = invoke(make_event("PUT", "/items/o-1", json.dumps(record)))
    # THEN it is stored as sent, under the path's id
    stored = {"id": "o-1", **record}
    assert (reply.status, reply.body) == (200, compact(stored))
    assert table.items() == {"o-1": as_item(stored)}


@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize(
    ("record", "errors"),
    [
        (
            {},
            [
                error("", "Missing required property 'customer'", "required"),
                error("", "Missing required property 'currency'", "required"),
                error("", "Missing required property 'lines'", "required"),
            ],
        ),
        (changed("customer", "c-42"), [error("/customer", "Must be of type object", "type")]),
        (
            changed("customer/id", ...),
            [error("/customer", "Missing required property 'id'", "required")],
        ),
        (
            changed("customer/name", ""),
            [error("/customer/name", "Must be at least 1 character long", "min_length")],
        ),
        (
            changed("customer/name", "n" * 201),
            [error("/customer/name", "Must be at most 200 characters long", "max_length")],
        ),
        (
            changed("customer/email", "ada.example.com"),
            [error("/customer/email", "Must be a valid email", "format")],
        ),
        (
            changed("currency", "eur"),
            [error("/currency", "Must match the pattern ^[A-Z]{3}$", "pattern")],
        ),
        (changed("currency", 978), [error("/currency", "Must be of type string", "type")]),
        (changed("lines", []), [error("/lines", "Must have at least 1 item", "min_items")]),
        (
            changed("lines", [LINE] * 101),
            [error("/lines", "Must have at most 100 items", "max_items")],
        ),
        (
            changed("lines/1/sku", "A" * 33),
            [error("/lines/1/sku", "Must match the pattern ^[A-Z0-9-]{1,32}$", "pattern")],
        ),
        (changed("lines/0/qty", 0), [error("/lines/0/qty", "Must be at least 1", "minimum")]),
        (
            changed("lines/0/qty", 10001),
            [error("/lines/0/qty", "Must be at most 10000", "maximum")],
        ),
        (
            changed("lines/0/qty", 1.5),
            [error("/lines/0/qty", "Must be of type integer", "type")],
        ),
        (
            changed("lines/0/price", -0.01),
            [error("/lines/0/price", "Must be at least 0", "minimum")],
        ),
        (
            changed("lines/0/price", 9.999),
            [error("/lines/0/price", "Must be a multiple of 0.01", "multiple_of")],
        ),
        (
            changed("lines/0/price", "9.99"),
            [error("/lines/0/price", "Must be of type number", "type")],
        ),
        (
            changed("lines/0/price", ...),
            [error("/lines/0", "Missing required property 'price'", "required")],
        ),
        (
            changed("address/country", "FRA"),
            [error("/address/country", "Must match the pattern ^[A-Z]{2}$", "pattern")],
        ),
        (
            changed("notes", "x" * 2001),
            [error("/notes", "Must be at most 2000 characters long", "max_length")],
        ),
    ],
    ids=[
        "empty",
        "customer-type",
        "customer-id-missing",
        "name-empty",
        "name-of-201",
        "email",
        "currency-pattern",
        "currency-type",
        "no-lines",
        "101-lines",
        "sku-of-33",
        "qty-0",
        "qty-10001",
        "qty-fraction",
        "price-negative",
        "price-cents",
        "price-string",
        "price-missing",
        "country",
        "notes-of-2001",
    ],
)
def test_a_schema_violation_is_422_with_exact_errors(
    invoke: Invoke,
    seeded: Table,
    make_event: EventFactory,
    method: str,
    path: str,
    record: dict[str, Any],
    errors: list[dict[str, str]],
) -> None:
    # GIVEN a record that breaks the order schema
    # WHEN it is sent
    reply = invoke(make_event(method, path, json.dumps(record)))
    # THEN 422 names each violation, and nothing is written
    assert reply == invalid(*errors)
    assert seeded.items() == {"kept": ORIGINAL}


def test_every_violation_is_listed_at_once(
    invoke: Invoke, seeded: Table, make_event: EventFactory
) -> None:
    # GIVEN an order breaking rules in several places, secrets in the bad values
    record = {
        "customer": {"id": "c-1", "name": "", "email": "secret-not-an-email"},
        "currency": "secret",
        "lines": [
            {"sku": "OK-1", "qty": 1, "price": 1},
            {"sku": "secret sku", "qty": 0, "price": -3.5},
        ],
        "address": {"street": "s", "city": "c", "postal_code": "p"},
        "extra": "secret",
    }
    # WHEN it is posted
    reply = invoke(make_event("POST", "/items", json.dumps(record)))
    # THEN every violation is listed, and none of the values is echoed
    assert reply == invalid(
        error("/customer/name", "Must be at least 1 character long", "min_length"),
        error("/customer/email", "Must be a valid email", "format"),
        error("/currency", "Must match the pattern ^[A-Z]{3}$", "pattern"),
        error("/lines/1/sku", "Must match the pattern ^[A-Z0-9-]{1,32}$", "pattern"),
        error("/lines/1/qty", "Must be at least 1", "minimum"),
        error("/lines/1/price", "Must be at least 0", "minimum"),
        error("/address", "Missing required property 'country'", "required"),
        error("/extra", "This property is not allowed", "additional_properties"),
    )
    assert "secret" not in reply.body
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
def test_pointers_escape_slash_and_tilde(
    invoke: Invoke, seeded: Table, make_event: EventFactory, method: str, path: str
) -> None:
    # GIVEN an order with members the schema does not allow, named with "/" and "~"
    record = order(**{"a/b": 1, "m~n": 2, "~1": 3})
    record["customer"]["x/~y"] = True
    # WHEN it is sent
    reply = invoke(make_event(method, path, json.dumps(record)))
    # THEN each is pointed at as RFC 6901 spells it: "~" as "~0", "/" as "~1"
    not_allowed = "This property is not allowed"
    assert reply == invalid(
        error("/customer/x~1~0y", not_allowed, "additional_properties"),
        error("/a~1b", not_allowed, "additional_properties"),
        error("/m~0n", not_allowed, "additional_properties"),
        error("/~01", not_allowed, "additional_properties"),
    )
    assert seeded.items() == {"kept": ORIGINAL}


def test_the_schema_sees_the_record_without_its_generated_id(
    invoke: Invoke, table: Table, make_event: EventFactory, use_schema: Callable[[Any], None]
) -> None:
    # GIVEN a schema that forbids an id in the record
    use_schema({"type": "object", "not": {"required": ["id"]}})
    # WHEN a record without one is posted
    reply = invoke(make_event("POST", "/items", '{"n": 1}'))
    # THEN it passes, and the stored item has its generated id
    item_id = reply.json()["id"]
    assert (reply.status, reply.body) == (201, f'{{"id":"{item_id}","n":1}}')
    assert table.items() == {item_id: {"id": {"S": item_id}, "n": {"N": "1"}}}
