"""GET /items?limit=N&cursor=C: pages of a strongly consistent Scan, and the cursors that link
them."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from boto3.dynamodb.types import TypeDeserializer
from botocore.stub import Stubber

from tests.support import JSON, PROBLEM, EventFactory, Invoke, Reply, as_item, order, recorded

if TYPE_CHECKING:
    from tests.conftest import Table


def seed(table: Table, count: int) -> dict[str, dict[str, Any]]:
    """`count` orders, o-00 to o-NN, as stored."""
    items = {f"o-{n:02}": as_item(order(id=f"o-{n:02}", notes=f"#{n}")) for n in range(count)}
    for item in items.values():
        table.put(item)
    return items


def cursor_for(state: str) -> str:
    """A cursor as the API writes one: unpadded base64url of JSON text."""
    return base64.urlsafe_b64encode(state.encode()).rstrip(b"=").decode()


def walk(invoke: Invoke, make_event: EventFactory, query: str) -> list[dict[str, Any]]:
    """Every page, following next_cursor until it is null."""
    pages = []
    cursor = None
    while True:
        target = f"/items?{query}" + (f"&cursor={cursor}" if cursor else "")
        reply = invoke(make_event("GET", target))
        assert (reply.status, reply.headers) == (200, {"Content-Type": JSON})
        page = reply.json()
        assert list(page) == ["items", "next_cursor"]
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) <= 100, "the cursors go round in circles"


def parsed(item: dict[str, Any]) -> dict[str, Any]:
    """A stored item as a client reads it back (boto3's deserializer: Decimal equals int)."""
    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in item.items()}


@pytest.mark.parametrize("name", ["http_api_list_items", "rest_api_list_items"])
def test_recorded_list_gives_a_page_and_a_cursor(invoke: Invoke, table: Table, name: str) -> None:
    # GIVEN three orders
    items = seed(table, 3)
    # WHEN a recorded GET /items?limit=2 is handled
    reply = invoke(recorded(name))
    # THEN 200 with two of them and a cursor for the rest, and the table unchanged
    assert (reply.status, reply.headers) == (200, {"Content-Type": JSON})
    page = reply.json()
    assert len(page["items"]) == 2
    assert all(record in [parsed(item) for item in items.values()] for record in page["items"])
    assert isinstance(page["next_cursor"], str)
    assert table.items() == items


@pytest.mark.parametrize("limit", [1, 2, 7, 14, 15, 1000])
def test_the_cursor_walks_the_whole_table_once(
    invoke: Invoke, table: Table, make_event: EventFactory, limit: int
) -> None:
    # GIVEN fifteen orders
    items = seed(table, 15)
    # WHEN the list is read page by page, `limit` items at most each
    pages = walk(invoke, make_event, f"limit={limit}")
    # THEN every item comes exactly once, in whatever order the Scan gives, and nothing changed
    listed = [record for page in pages for record in page["items"]]
    assert all(len(page["items"]) <= limit for page in pages)
    assert sorted(record["id"] for record in listed) == sorted(items)
    assert sorted(listed, key=lambda record: str(record["id"])) == [
        parsed(items[item_id]) for item_id in sorted(items)
    ]
    assert table.items() == items


def test_the_default_page_is_100_items(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN 101 items
    items = {f"i-{n:03}": {"id": {"S": f"i-{n:03}"}} for n in range(101)}
    for item in items.values():
        table.put(item)
    # WHEN the list is read without a limit
    first = invoke(make_event("GET", "/items")).json()
    # THEN the page holds 100 of them, and its cursor leads to the last one
    assert len(first["items"]) == 100
    rest = invoke(make_event("GET", f"/items?cursor={first['next_cursor']}")).json()
    listed = [record["id"] for record in first["items"] + rest["items"]]
    assert sorted(listed) == sorted(items)
    assert table.items() == items


def test_an_empty_table_is_one_empty_page(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    reply = invoke(make_event("GET", "/items?limit=10"))
    assert reply == Reply(200, {"Content-Type": JSON}, '{"items":[],"next_cursor":null}')
    assert table.items() == {}


def test_items_are_written_as_stored(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN one item of every JSON type
    item = {
        "id": {"S": "all"},
        "m": {"M": {"n": {"N": "1.5"}, "t": {"BOOL": True}, "z": {"NULL": True}}},
        "l": {"L": [{"S": "é"}, {"N": "-0.001"}]},
    }
    table.put(item)
    # WHEN the list is read
    reply = invoke(make_event("GET", "/items"))
    # THEN the page is compact JSON with the item as rust_core writes it
    assert (reply.status, reply.headers) == (200, {"Content-Type": JSON})
    assert reply.json() == {
        "items": [
            {
                "id": "all",
                "m": {"n": Decimal("1.5"), "t": True, "z": None},
                "l": ["é", Decimal("-0.001")],
            }
        ],
        "next_cursor": None,
    }
    assert table.items() == {"all": item}


def test_the_cursor_binds_the_table_and_the_last_key(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN two items
    seed(table, 2)
    # WHEN the first page of one is read
    page = invoke(make_event("GET", "/items?limit=1")).json()
    # THEN its cursor is base64url JSON naming the table and the key of the item on the page
    cursor = page["next_cursor"]
    state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert state == {"table": "items", "key": {"id": {"S": page["items"][0]["id"]}}}
    assert cursor == cursor_for(json.dumps(state, separators=(",", ":")))


def test_a_short_page_with_a_last_key_passes_the_key_on(
    invoke: Invoke, make_event: EventFactory, dynamodb_stub: Stubber
) -> None:
    # GIVEN a Scan page that stops short of the limit (DynamoDB's 1 MB page) with a last key
    start = cursor_for('{"table":"items","key":{"id":{"S":"o-01"}}}')
    dynamodb_stub.add_response(
        "scan",
        {"Items": [{"id": {"S": "o-02"}}], "LastEvaluatedKey": {"id": {"S": "o-02"}}},
        {
            "TableName": "items",
            "Limit": 5,
            "ConsistentRead": True,
            "ExclusiveStartKey": {"id": {"S": "o-01"}},
        },
    )
    # WHEN that page is asked for
    reply = invoke(make_event("GET", f"/items?limit=5&cursor={start}"))
    # THEN the short page comes with a cursor for the rest
    next_cursor = cursor_for('{"table":"items","key":{"id":{"S":"o-02"}}}')
    assert reply == Reply(
        200,
        {"Content-Type": JSON},
        f'{{"items":[{{"id":"o-02"}}],"next_cursor":"{next_cursor}"}}',
    )


def bad_query(detail: str) -> Reply:
    body = {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": f"The query is invalid: {detail}",
    }
    return Reply(400, {"Content-Type": PROBLEM}, json.dumps(body))


BAD_LIMIT = bad_query("limit must be an integer from 1 to 1000.")
BAD_CURSOR = bad_query("cursor is not one this API issued for this table.")


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=1001",
        "limit=abc",
        "limit=1.5",
        "limit=",
        "limit=-1",
        "limit=%2B5",
        "limit=%205",
        "limit=05",
        "limit=1e2",
        "limit=%D9%A3",  # an Arabic-Indic digit, which int() would take
        "limit=99999999999999999999",
    ],
)
def test_a_bad_limit_is_400(
    invoke: Invoke, table: Table, make_event: EventFactory, query: str
) -> None:
    items = seed(table, 2)
    assert invoke(make_event("GET", f"/items?{query}")) == BAD_LIMIT
    assert table.items() == items


KEY = '{"id":{"S":"o-00"}}'


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "abc",
        cursor_for("not json"),
        cursor_for("[1, 2]"),
        cursor_for(f'{{"table":"other","key":{KEY}}}'),
        cursor_for(f'{{"key":{KEY}}}'),
        cursor_for(f'{{"table":"items","key":{KEY},"more":1}}'),
        cursor_for(f'{{"table":"items","table":"items","key":{KEY}}}'),
        cursor_for(f'{{"table": "items", "key": {KEY}}}'),
        cursor_for(f'{{"key":{KEY},"table":"items"}}'),
        cursor_for('{"table":"items","key":{"id":{"N":"1"}}}'),
        cursor_for('{"table":"items","key":{"id":{"S":""}}}'),
        cursor_for('{"table":"items","key":{"id":{"S":1}}}'),
        cursor_for('{"table":"items","key":{"id":{"S":"a","N":"1"}}}'),
        cursor_for('{"table":"items","key":{"id":{"S":"a"},"sk":{"S":"b"}}}'),
        cursor_for('{"table":"items","key":{"name":{"S":"a"}}}'),
        cursor_for('{"table":"items","key":{"id":{"S":"\\ud800"}}}'),
        cursor_for('{"table":"items","key":{"id":{"S":"' + "x" * 2049 + '"}}}'),
        cursor_for('{"table":"items","key":null}'),
        cursor_for("[" * 100_000),
        cursor_for(f'{{"table":"items","key":{KEY}}}') + "==",
        base64.b64encode(b'{"table":"items","key":{"id":{"S":"~~~"}}}').decode(),
        cursor_for(f'{{"table":"items","key":{KEY}}}')[:-1],
        "",
    ],
    ids=[
        "not-base64",
        "not-json",
        "text",
        "array",
        "other-table",
        "no-table",
        "extra-member",
        "repeated-member",
        "spaces",
        "reordered",
        "number-key",
        "empty-id",
        "numeric-id",
        "two-types",
        "extra-key-attribute",
        "other-key-name",
        "lone-surrogate",
        "id-over-2048-bytes",
        "null-key",
        "deep-nesting",
        "padded",
        "standard-base64",
        "truncated",
        "empty",
    ],
)
def test_a_cursor_the_api_did_not_issue_is_400(
    invoke: Invoke, table: Table, make_event: EventFactory, cursor: str
) -> None:
    items = seed(table, 2)
    target = f"/items?limit=1&cursor={quote(cursor, safe='')}"
    assert invoke(make_event("GET", target)) == BAD_CURSOR
    assert table.items() == items


def test_a_cursor_for_a_long_id_is_accepted(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN an item whose id is at DynamoDB's 2048-byte key limit, and another one
    long_id = "é" * 1024
    table.put({"id": {"S": long_id}})
    table.put({"id": {"S": "short"}})
    # WHEN the list is read one item at a time
    pages = walk(invoke, make_event, "limit=1")
    # THEN the cursor carries the long id through, and both come once
    ids = sorted(record["id"] for page in pages for record in page["items"])
    assert ids == sorted([long_id, "short"])
