"""POST /items/batch: a JSON array or NDJSON of records; every valid one written exactly once,
every other one reported by index (and line), the table read back after each request."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import (
    BODY_TOO_LARGE,
    JSON,
    NDJSON,
    NOT_AN_OBJECT,
    ORIGINAL,
    TOO_MANY_RECORDS,
    UUID7,
    EventFactory,
    Invoke,
    Reply,
    as_item,
    error,
    failure,
    order,
    problem,
    recorded,
    written,
)

if TYPE_CHECKING:
    from tests.conftest import Table


def ndjson(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def generated(table: Table, known: set[str]) -> dict[str, dict[str, Any]]:
    """The items whose ids were generated (not in `known`), each a UUIDv7."""
    items = {item_id: item for item_id, item in table.items().items() if item_id not in known}
    assert all(UUID7.fullmatch(item_id) for item_id in items)
    return items


def without_id(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name != "id"}


@pytest.mark.parametrize("name", ["http_api_post_batch", "rest_api_post_batch"])
def test_a_recorded_batch_is_written(invoke: Invoke, table: Table, name: str) -> None:
    # GIVEN a recorded POST /items/batch: NDJSON through an HTTP API, a JSON array through a
    # REST API; three orders, the second without id, the third with a lower-case currency
    event = recorded(name)
    # WHEN the function handles it
    reply = invoke(event)
    # THEN the first two are written, the third reported
    pattern = error("/currency", "Must match the pattern ^[A-Z]{3}$", "pattern")
    line = {"line": 3} if name.startswith("http") else {}
    assert reply == written(2, failure(2, pattern, **line))
    first = {
        "id": "order-1",
        "customer": {"id": "c-42", "name": "Ada Lovelace"},
        "currency": "EUR",
        "lines": [{"sku": "WIDGET-1", "qty": 2, "price": 9.99}],
    }
    second: dict[str, Any] = {
        "customer": {"id": "c-7"},
        "currency": "USD",
        "lines": [{"sku": "GADGET-7", "qty": 1, "price": 120}],
    }
    [new_id] = generated(table, {"order-1"})
    assert table.items() == {"order-1": as_item(first), new_id: as_item({"id": new_id, **second})}


@pytest.mark.parametrize("content_type", [None, JSON, "application/json; charset=utf-8"])
def test_a_json_array_is_written_whole(
    invoke: Invoke, table: Table, make_event: EventFactory, content_type: str | None
) -> None:
    # GIVEN three orders, one without an id
    records = [order(id="a"), order(id="b", currency="USD"), order(notes="new")]
    # WHEN they are posted as a JSON array
    reply = invoke(make_event("POST", "/items/batch", json.dumps(records), content_type))
    # THEN all three are written, the third under a generated id
    assert reply == written(3)
    assert {k: v for k, v in table.items().items() if k in ("a", "b")} == {
        "a": as_item(records[0]),
        "b": as_item(records[1]),
    }
    [(new_id, new_item)] = generated(table, {"a", "b"}).items()
    assert new_item == as_item({"id": new_id, **records[2]})


@pytest.mark.parametrize(
    "content_type", [NDJSON, "application/x-ndjson; charset=utf-8", "Application/X-NDJSON"]
)
def test_ndjson_is_written_whole(
    invoke: Invoke, table: Table, make_event: EventFactory, content_type: str
) -> None:
    # GIVEN two orders, one a line each, with CRLF endings and a blank line between them
    body = json.dumps(order(id="a")) + "\r\n\r\n" + json.dumps(order(id="b")) + "\r\n"
    # WHEN they are posted as NDJSON
    reply = invoke(make_event("POST", "/items/batch", body, content_type))
    # THEN both are written
    assert reply == written(2)
    assert table.items() == {"a": as_item(order(id="a")), "b": as_item(order(id="b"))}


MALFORMED = '{"id": "c", "customer": '
DUPLICATE_ID = error("/id", "An earlier record of this batch has the same key", "duplicate_id")
# One batch breaking every rule a record can break alone: NDJSON lines, each with the errors
# reported for it (None: written, or a blank line)
MIXED: list[tuple[str, list[dict[str, str]] | None]] = [
    (json.dumps(order(id="a")), None),
    ("", None),
    (
        json.dumps(order(id="b", currency="eur")),
        [error("/currency", "Must match the pattern ^[A-Z]{3}$", "pattern")],
    ),
    (MALFORMED, [error("", "Expecting value (column 25)", "json_syntax")]),
    (json.dumps(order(id="a", notes="again")), [DUPLICATE_ID]),
    ("  \t", None),
    (json.dumps(order(id="d")), None),
    ("[1, 2]", [NOT_AN_OBJECT]),
    (json.dumps(order(notes="no id")), None),
    ('{"id": "e", "id": "e"}', [error("/id", "Duplicate key in object", "duplicate_key")]),
    (
        json.dumps(order(id="f", lines=[{"sku": "x", "qty": 0, "price": 1}])),
        [
            error("/lines/0/sku", "Must match the pattern ^[A-Z0-9-]{1,32}$", "pattern"),
            error("/lines/0/qty", "Must be at least 1", "minimum"),
        ],
    ),
    ('{"id": 7}', [error("/id", "The key attribute must be a string", "key_type")]),
    ('"text"', [NOT_AN_OBJECT]),
    (json.dumps(order(id="g", notes="second")), None),
    (json.dumps(order(id="g", notes="third")), [DUPLICATE_ID]),
]
VALID = {"a": order(id="a"), "d": order(id="d"), "g": order(id="g", notes="second")}


def test_a_mixed_ndjson_batch_writes_exactly_the_valid_records(
    invoke: Invoke, seeded: Table, make_event: EventFactory
) -> None:
    # GIVEN valid records among schema violations, a malformed line, repeated ids, blank lines
    body = ndjson(*(line for line, _ in MIXED))
    # WHEN it is posted as NDJSON
    reply = invoke(make_event("POST", "/items/batch", body, NDJSON))
    # THEN each other record is reported by index (records counted, blank lines not) and line
    expected = []
    index = 0
    for number, (line, outcome) in enumerate(MIXED, 1):
        if not line.strip():
            continue
        if outcome is not None:
            expected.append(failure(index, *outcome, line=number))
        index += 1
    assert reply == written(4, *expected)
    # AND exactly the valid ones are in the table, the first of each id
    items = seeded.items()
    assert {k: v for k, v in items.items() if k in VALID or k == "kept"} == {
        "kept": ORIGINAL,
        **{item_id: as_item(record) for item_id, record in VALID.items()},
    }
    [new_item] = generated(seeded, {*VALID, "kept"}).values()
    assert without_id(new_item) == as_item(order(notes="no id"))


def test_a_mixed_json_array_writes_exactly_the_valid_records(
    invoke: Invoke, seeded: Table, make_event: EventFactory
) -> None:
    # GIVEN the same records (the malformed one left out: it would reject the whole array)
    kept = [(line, outcome) for line, outcome in MIXED if line.strip() and line != MALFORMED]
    body = "[" + ",\n".join(line for line, _ in kept) + "]"
    # WHEN they are posted as a JSON array
    reply = invoke(make_event("POST", "/items/batch", body))
    # THEN each other record is reported by its index in the array
    expected = [
        failure(index, *outcome) for index, (_, outcome) in enumerate(kept) if outcome is not None
    ]
    assert reply == written(4, *expected)
    items = seeded.items()
    assert {k: v for k, v in items.items() if k in VALID} == {
        item_id: as_item(record) for item_id, record in VALID.items()
    }
    assert len(items) == 5


def test_a_batch_overwrites_existing_items(
    invoke: Invoke, seeded: Table, make_event: EventFactory
) -> None:
    # GIVEN an item "kept"
    # WHEN a batch holds a record with its id (batch writes are upserts)
    record = order(id="kept", currency="JPY")
    reply = invoke(make_event("POST", "/items/batch", json.dumps([record])))
    # THEN it is replaced whole
    assert reply == written(1)
    assert seeded.items() == {"kept": as_item(record)}


def test_the_first_valid_record_of_an_id_wins(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN an invalid record with id "x", then two valid ones
    records = [order(id="x", currency="no"), order(id="x", notes="1"), order(id="x", notes="2")]
    # WHEN they are posted
    reply = invoke(make_event("POST", "/items/batch", json.dumps(records)))
    # THEN the first valid one is written, the later one reported
    duplicate = error("/id", "An earlier record of this batch has the same key", "duplicate_id")
    pattern = error("/currency", "Must match the pattern ^[A-Z]{3}$", "pattern")
    assert reply == written(1, failure(0, pattern), failure(2, duplicate))
    assert table.items() == {"x": as_item(records[1])}


@pytest.mark.parametrize(("body", "content_type"), [("[]", JSON), ("", NDJSON), ("\n \n", NDJSON)])
def test_an_empty_batch_writes_nothing(
    invoke: Invoke, seeded: Table, make_event: EventFactory, body: str, content_type: str
) -> None:
    reply = invoke(make_event("POST", "/items/batch", body, content_type))
    assert reply == written(0)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("content_type", [JSON, NDJSON])
def test_a_base64_body_is_decoded(
    invoke: Invoke, table: Table, make_event: EventFactory, content_type: str
) -> None:
    # GIVEN a batch whose event body came base64-encoded (API Gateway does so for binary media)
    record = order(id="café", notes="crème brûlée")
    text = json.dumps(record, ensure_ascii=False)
    body = (f"[{text}]" if content_type == JSON else text).encode()
    # WHEN it is posted
    reply = invoke(make_event("POST", "/items/batch", body, content_type))
    # THEN the record is written as sent
    assert reply == written(1)
    assert table.items() == {"café": as_item(record)}


BAD_JSON = "Malformed JSON at line 2, column 1: Expecting ',' delimiter."


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            '[{"id": "a"}\n{"id": "b"}]',
            JSON,
            problem(400, "Bad Request", BAD_JSON),
        ),
        (
            "",
            JSON,
            problem(400, "Bad Request", "Malformed JSON at line 1, column 1: Expecting value."),
        ),
        (
            json.dumps(order(id="a")),
            JSON,
            problem(400, "Bad Request", "The body must be a JSON array of records."),
        ),
        ('"text"', JSON, problem(400, "Bad Request", "The body must be a JSON array of records.")),
        (
            "[" + ",".join(["{}"] * 10_001) + "]",
            JSON,
            TOO_MANY_RECORDS,
        ),
        (
            "{}\n" * 10_001,
            NDJSON,
            TOO_MANY_RECORDS,
        ),
        (
            "[" + " " * 6_291_455 + "]",
            JSON,
            BODY_TOO_LARGE,
        ),
    ],
    ids=[
        "malformed",
        "empty",
        "an-object",
        "a-string",
        "10001-records",
        "10001-ndjson-records",
        "over-6-mb",
    ],
)
def test_a_body_that_is_not_a_batch_writes_nothing(
    invoke: Invoke,
    seeded: Table,
    make_event: EventFactory,
    body: str,
    content_type: str,
    expected: Reply,
) -> None:
    assert invoke(make_event("POST", "/items/batch", body, content_type)) == expected
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_body_of_6_mb_is_accepted(invoke: Invoke, table: Table, make_event: EventFactory) -> None:
    # GIVEN a batch whose JSON is 6 MB (6,291,456 bytes) exactly, whitespace making up the size
    text = json.dumps([order(id="big")])
    body = text[:-1] + " " * (6_291_456 - len(text)) + "]"
    # WHEN it is posted
    # THEN it is written
    assert invoke(make_event("POST", "/items/batch", body)) == written(1)
    assert table.items() == {"big": as_item(order(id="big"))}


def test_10000_records_are_accepted(invoke: Invoke, table: Table, make_event: EventFactory) -> None:
    body = ndjson(*(f'{{"id": "r{n}"}}' for n in range(10_000)))
    reply = invoke(make_event("POST", "/items/batch", body, NDJSON))
    assert (reply.status, len(reply.json()["failed"])) == (200, 10_000)
    assert table.items() == {}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/ndjson",
        "application/jsonl",
        "text/x-ndjson",
        "application/x-www-form-urlencoded",
    ],
)
def test_a_content_type_that_is_not_json_or_ndjson_is_415(
    invoke: Invoke, seeded: Table, make_event: EventFactory, content_type: str
) -> None:
    reply = invoke(make_event("POST", "/items/batch", json.dumps([order()]), content_type))
    assert reply == problem(
        415,
        "Unsupported Media Type",
        "The body must be JSON or NDJSON: Content-Type application/json, a +json type "
        "or application/x-ndjson.",
    )
    assert seeded.items() == {"kept": ORIGINAL}


def test_ndjson_is_a_batch_type_only(
    invoke: Invoke, seeded: Table, make_event: EventFactory
) -> None:
    reply = invoke(make_event("POST", "/items", json.dumps(order()), NDJSON))
    assert reply == problem(
        415,
        "Unsupported Media Type",
        "The body must be JSON: Content-Type application/json or a +json type.",
    )
    assert seeded.items() == {"kept": ORIGINAL}


def test_batch_is_an_ordinary_id_with_other_methods(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN an empty table
    record = order(id="batch")
    # WHEN an item is put at /items/batch, read, then deleted
    put = invoke(make_event("PUT", "/items/batch", json.dumps(record)))
    stored = table.items()
    read = invoke(make_event("GET", "/items/batch"))
    deleted = invoke(make_event("DELETE", "/items/batch"))
    # THEN each reached the item "batch"
    assert (put.status, stored) == (200, {"batch": as_item(record)})
    assert (read.status, read.json()["id"]) == (200, "batch")
    assert deleted == Reply(204, {}, "")
    assert table.items() == {}


def test_the_batch_metrics(
    invoke: Invoke, table: Table, make_event: EventFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a batch of three valid records and two invalid ones
    body = ndjson(*(json.dumps(order(id=f"o-{n}")) for n in range(3)), "{", "[]")
    capsys.readouterr()
    # WHEN it is posted
    assert invoke(make_event("POST", "/items/batch", body, NDJSON)).status == 200
    # THEN the invocation's metrics count them
    [emf] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    counts = {
        name: emf[name]
        for name in (
            "BatchRecordsWritten",
            "BatchRecordsRejected",
            "BatchRecordsUnwritten",
            "BatchRecordsRetried",
        )
    }
    assert counts == {
        "BatchRecordsWritten": [3.0],
        "BatchRecordsRejected": [2.0],
        "BatchRecordsUnwritten": [0.0],
        "BatchRecordsRetried": [0.0],
    }
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Items"
