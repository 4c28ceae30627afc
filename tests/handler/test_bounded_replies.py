"""Replies stay under Lambda's 6 MB response limit whatever the body: error reports are bounded
(100 errors a record, then `too_many_errors`; one budget for a whole call) and list pages stop
before they would pass it. Sizes are measured as the runtime sends a response: JSON text."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from py_handler.local import LocalContext
from tests.support import REQUEST_ID, http_api_event, rest_api_event

if TYPE_CHECKING:
    from tests.conftest import Table

LAMBDA_RESPONSE_LIMIT = 6_291_456


def call(app: ModuleType, event: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The response, and its size as the runtime writes it (the larger of its two ways)."""
    response: dict[str, Any] = app.handler(event, LocalContext(aws_request_id=REQUEST_ID))
    size = max(len(json.dumps(response)), len(json.dumps(response, ensure_ascii=False).encode()))
    return response, size


def test_a_record_with_a_million_errors_lists_the_first_hundred(app: ModuleType, table: Table):
    # GIVEN an order whose 1 MiB body holds ~350,000 empty lines, each missing 3 properties
    count = (1_048_576 - 100) // 3
    body = '{"customer":{"id":"c"},"currency":"EUR","lines":[' + ",".join(["{}"] * count) + "]}"
    # WHEN it is posted
    response, size = call(app, http_api_event("POST", "/items", body))
    # THEN a 422 lists the first 100 errors in document order, then how many more there were
    errors = json.loads(response["body"])["errors"]
    assert response["statusCode"] == 422
    assert len(errors) == 101
    assert errors[0] == {
        "path": "/lines",
        "message": "Must have at most 100 items",
        "keyword": "max_items",
    }
    missing = [f"Missing required property '{name}'" for name in ("sku", "qty", "price")]
    expected = [
        {"path": f"/lines/{i}", "message": message, "keyword": "required"}
        for i in range(33)
        for message in missing
    ][:99]
    assert errors[1:100] == expected
    more = 1 + 3 * count - 100
    assert errors[100] == {
        "path": "",
        "message": f"{more} more errors not listed; fix the listed ones first",
        "keyword": "too_many_errors",
    }
    assert size < 20_000
    assert table.items() == {}


def test_long_pointers_are_counted_not_listed(
    app: ModuleType, table: Table, use_schema: Callable[[Any], None]
) -> None:
    # GIVEN a schema under which every leaf fails, and a body nesting 28 keys of 6,000 control
    # characters (each escapes to 6 bytes, then 7 once the runtime writes the body as a string):
    # one pointer is 1.2 MB as sent, over the reply's whole error budget
    use_schema(
        {
            "$defs": {"n": {"type": "object", "additionalProperties": {"$ref": "#/$defs/n"}}},
            "$ref": "#/$defs/n",
        }
    )
    key = "\\u0001" * 6_000
    leaves = ",".join(f'"m{i}":1' for i in range(2_000))
    body = f'{{"{key}":' * 28 + "{" + leaves + "}" + "}" * 28
    assert len(body) < 1_048_576
    # WHEN it is posted
    response, size = call(app, rest_api_event("POST", "/items", body))
    # THEN the errors' pointers would not fit in the reply: they are counted, not listed
    assert response["statusCode"] == 422
    assert json.loads(response["body"])["errors"] == [
        {
            "path": "",
            "message": "2000 more errors not listed; fix the listed ones first",
            "keyword": "too_many_errors",
        }
    ]
    assert size < 10_000
    assert table.items() == {}


def test_a_batch_of_records_full_of_errors_stays_under_the_limit(app: ModuleType, table: Table):
    # GIVEN a 6 MB batch of 10,000 records, each an order with 30 empty lines (90 errors)
    record = '{"customer":{"id":"c"},"currency":"EUR","lines":[' + ",".join(["{}"] * 30) + "]}"
    body = "[" + ",".join([record] * 10_000) + "]"
    assert len(body) < 6_291_456
    # WHEN it is posted
    response, size = call(app, http_api_event("POST", "/items/batch", body))
    # THEN every record is reported, by index; the first ones list their errors until the
    # reply's budget is spent, the rest say how many they have
    reply = json.loads(response["body"])
    assert (response["statusCode"], reply["written"]) == (200, 0)
    assert [entry["index"] for entry in reply["failed"]] == list(range(10_000))
    listed = [len(entry["errors"]) for entry in reply["failed"]]
    assert listed[0] == 90
    assert listed[-1] == 1
    assert reply["failed"][-1]["errors"] == [
        {
            "path": "",
            "message": "90 more errors not listed; fix the listed ones first",
            "keyword": "too_many_errors",
        }
    ]
    assert size < LAMBDA_RESPONSE_LIMIT
    assert table.items() == {}


def test_a_list_page_stops_before_the_response_limit(app: ModuleType, table: Table) -> None:
    # GIVEN 25 items of ~390 KB of control characters: 2.3 MB each once the runtime writes them
    for i in range(25):
        table.put({"id": {"S": f"item-{i:02}"}, "text": {"S": "\x01" * 390_000}})
    # WHEN the pages are read, following the cursor
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "/items?limit=100" + ("" if cursor is None else f"&cursor={cursor}")
        response, size = call(app, http_api_event("GET", query))
        # THEN each page fits in Lambda's response limit, and every item comes exactly once
        assert response["statusCode"] == 200
        assert size < LAMBDA_RESPONSE_LIMIT
        page = json.loads(response["body"])
        assert 1 <= len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        assert all(item["text"] == "\x01" * 390_000 for item in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"item-{i:02}" for i in range(25)]
    assert pages >= 13
