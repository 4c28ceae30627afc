"""End to end: real HTTP requests to `python -m py_handler.local`, the table read back with boto3
after each one. (A 500 cannot be provoked from outside: tests/handler covers it.)"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from botocore.exceptions import EndpointConnectionError

from py_handler.dynamo_local import local_client
from py_handler.local import EXAMPLE_ORDER
from tests.support import JSON, ORIGINAL, PROBLEM

from .support import LocalServer, Reply, as_item, compact, local_server, order

if TYPE_CHECKING:
    from tests.conftest import Table

UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def problem(status: int, title: str, detail: str, **extra: Any) -> bytes:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return json.dumps(body).encode()


def problem_reply(status: int, title: str, detail: str, **extra: Any) -> Reply:
    body = problem(status, title, detail, **extra)
    return Reply(status, {"Content-Type": PROBLEM, "Content-Length": str(len(body))}, body)


def json_reply(status: int, body: bytes, **headers: str) -> Reply:
    return Reply(status, {**headers, "Content-Type": JSON, "Content-Length": str(len(body))}, body)


def exact(record: dict[str, Any]) -> Any:
    """A record as a client parses it back, numbers exact."""
    return json.loads(json.dumps(record), parse_float=Decimal)


def test_post_get_delete_round_trip(server: LocalServer, table: Table) -> None:
    # GIVEN an empty table
    # WHEN the banner's example order, without id, is posted
    created = server.post_json("/items", EXAMPLE_ORDER)
    # THEN 201 with a generated id, its location, and the item as stored
    item_id = created.json()["id"]
    assert UUID7.fullmatch(item_id)
    stored = {"id": item_id, **json.loads(EXAMPLE_ORDER)}
    assert created == json_reply(201, compact(stored), Location=f"/items/{item_id}")
    assert table.items() == {item_id: as_item(stored)}

    # WHEN its location is read
    read = server.request("GET", f"/items/{item_id}")
    # THEN 200 with the same item
    assert (read.status, read.headers["Content-Type"]) == (200, JSON)
    assert read.json() == exact(stored)
    assert table.items() == {item_id: as_item(stored)}

    # WHEN it is deleted
    deleted = server.request("DELETE", f"/items/{item_id}")
    # THEN 204 with no body, and the table is empty
    assert deleted == Reply(204, {}, b"")
    assert table.items() == {}


def test_put_creates_then_replaces(server: LocalServer, table: Table) -> None:
    # GIVEN an empty table
    path = "/items/" + quote("crème brûlée 100%?", safe="")
    # WHEN an order is put at an id that needs percent-encoding
    first = order(notes="first")
    created = server.put_json(path, json.dumps(first))
    # THEN it is stored under that id
    stored = {"id": "crème brûlée 100%?", **first}
    assert created == json_reply(200, compact(stored))
    assert table.items() == {"crème brûlée 100%?": as_item(stored)}

    # WHEN another order without notes is put there
    second = order(currency="USD")
    replaced = server.put_json(path, json.dumps(second))
    # THEN it replaces the first one whole
    stored = {"id": "crème brûlée 100%?", **second}
    assert replaced == json_reply(200, compact(stored))
    assert table.items() == {"crème brûlée 100%?": as_item(stored)}
    assert server.request("GET", path).json() == exact(stored)


def test_put_with_another_id_in_the_body_is_400(server: LocalServer, seeded: Table) -> None:
    reply = server.put_json("/items/kept", json.dumps(order(id="other")))
    detail = "The body's id differs from the id in the path."
    assert reply == problem_reply(400, "Bad Request", detail)
    assert seeded.items() == {"kept": ORIGINAL}


def test_the_list_walks_the_table_page_by_page(server: LocalServer, table: Table) -> None:
    # GIVEN seven orders
    items = {f"o-{n}": as_item(order(id=f"o-{n}")) for n in range(7)}
    for item in items.values():
        table.put(item)
    # WHEN the list is read three at a time, following next_cursor
    listed: list[Any] = []
    target = "/items?limit=3"
    while target:
        reply = server.request("GET", target)
        assert (reply.status, reply.headers["Content-Type"]) == (200, JSON)
        page = reply.json()
        assert list(page) == ["items", "next_cursor"] and len(page["items"]) <= 3
        listed += page["items"]
        cursor = page["next_cursor"]
        target = f"/items?limit=3&cursor={cursor}" if cursor else ""
    # THEN each order came exactly once, and the table is unchanged
    assert sorted(listed, key=lambda record: str(record["id"])) == [
        exact(order(id=f"o-{n}")) for n in range(7)
    ]
    assert table.items() == items


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("limit=0", "limit must be an integer from 1 to 1000."),
        ("limit=1001", "limit must be an integer from 1 to 1000."),
        ("limit=ten", "limit must be an integer from 1 to 1000."),
        ("cursor=bm90IGEgY3Vyc29y", "cursor is not one this API issued for this table."),
    ],
)
def test_a_bad_query_is_400(server: LocalServer, seeded: Table, query: str, detail: str) -> None:
    reply = server.request("GET", f"/items?{query}")
    assert reply == problem_reply(400, "Bad Request", f"The query is invalid: {detail}")
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        (
            b'{\n  "name": "widget",\n  "price": }',
            problem_reply(
                400, "Bad Request", "Malformed JSON at line 3, column 12: Expecting value."
            ),
        ),
        (b"[1, 2, 3]", problem_reply(400, "Bad Request", "The body must be a JSON object.")),
        (
            b'{"name": "\xff\xfe"}',
            problem_reply(
                400, "Bad Request", "Malformed JSON at line 1, column 11: Invalid UTF-8."
            ),
        ),
    ],
    ids=["malformed", "not-an-object", "invalid-utf8"],
)
def test_bad_json_is_400(server: LocalServer, seeded: Table, body: bytes, reply: Reply) -> None:
    assert server.post_json("/items", body) == reply
    assert server.put_json("/items/kept", body) == reply
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(
    ("method", "path", "detail"),
    [
        ("GET", "/items/missing", "No item has this id."),
        ("DELETE", "/items/missing", "No item has this id."),
        ("GET", "/nowhere", "No resource at this path."),
    ],
)
def test_absent_is_404(
    server: LocalServer, seeded: Table, method: str, path: str, detail: str
) -> None:
    assert server.request(method, path) == problem_reply(404, "Not Found", detail)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/items", "GET, POST"),
        ("PATCH", "/items/kept", "GET, PUT, DELETE"),
        ("PATCH", "/items/batch", "GET, POST, PUT, DELETE"),
    ],
)
def test_an_unserved_method_is_405_with_allow(
    server: LocalServer, seeded: Table, method: str, path: str, allow: str
) -> None:
    reply = server.request(method, path, json.dumps(order()), {"Content-Type": JSON})
    body = problem(405, "Method Not Allowed", "This resource does not serve this method.")
    assert reply == Reply(
        405, {"Allow": allow, "Content-Type": PROBLEM, "Content-Length": str(len(body))}, body
    )
    assert seeded.items() == {"kept": ORIGINAL}


def test_an_existing_id_is_409(server: LocalServer, seeded: Table) -> None:
    reply = server.post_json("/items", json.dumps(order(id="kept")))
    assert reply == problem_reply(409, "Conflict", "An item with this id exists already.")
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_post_retried_with_its_idempotency_key_is_written_once(
    server: LocalServer, table: Table
) -> None:
    # GIVEN a record without an id, posted with an Idempotency-Key
    headers = {"Content-Type": JSON, "Idempotency-Key": '"order-2026-12-05-0001"'}
    first = server.request("POST", "/items", EXAMPLE_ORDER, headers)
    item_id = first.json()["id"]
    stored = {"id": item_id, **json.loads(EXAMPLE_ORDER)}
    assert first == json_reply(201, compact(stored), Location=f"/items/{item_id}")
    # WHEN the client sends it again
    again = server.request("POST", "/items", EXAMPLE_ORDER, headers)
    # THEN the same 201 and item, marked as a replay; one item in the table
    replayed = {"Location": f"/items/{item_id}", "Idempotent-Replayed": "true"}
    assert again == json_reply(201, compact(stored), **replayed)
    assert table.items() == {item_id: as_item(stored)}
    # AND the key with another record is a 422 that changes nothing
    other = server.request("POST", "/items", json.dumps(order(currency="USD")), headers)
    reused = {
        "path": "",
        "message": "The Idempotency-Key was used for another record",
        "keyword": "idempotency_key_reused",
    }
    detail = "The Idempotency-Key was used before with another record; nothing was written."
    assert other == problem_reply(422, "Unprocessable Content", detail, errors=[reused])
    assert table.items() == {item_id: as_item(stored)}


def test_a_body_over_1_mib_is_413(server: LocalServer, seeded: Table) -> None:
    text = json.dumps(order())
    body = text[:-1] + " " * (1_048_577 - len(text)) + "}"
    reply = server.post_json("/items", body)
    error = {
        "path": "",
        "message": "The body is larger than the configured limit",
        "keyword": "max_body_size",
    }
    detail = "The body is over the size limit."
    assert reply == problem_reply(413, "Content Too Large", detail, errors=[error])
    assert seeded.items() == {"kept": ORIGINAL}


def test_an_item_over_400_kb_is_413(server: LocalServer, seeded: Table) -> None:
    record = order(notes="n")
    record["customer"]["id"] = "c" * 409_600
    reply = server.put_json("/items/kept", json.dumps(record))
    error = {
        "path": "",
        "message": "The item is larger than DynamoDB's 400 KB limit (or the configured one)",
        "keyword": "max_item_size",
    }
    detail = "The item is over DynamoDB's 400 KB item size limit."
    assert reply == problem_reply(413, "Content Too Large", detail, errors=[error])
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_body_that_is_not_json_is_415(server: LocalServer, seeded: Table) -> None:
    reply = server.request("POST", "/items", "name=widget", {"Content-Type": "text/plain"})
    assert reply == problem_reply(
        415,
        "Unsupported Media Type",
        "The body must be JSON: Content-Type application/json or a +json type.",
    )
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            '{"a": ' + "[" * 32 + "]" * 32 + "}",
            [
                {
                    "path": "/a" + "/0" * 31,
                    "message": "Nesting deeper than 32 levels, DynamoDB's limit",
                    "keyword": "max_depth",
                }
            ],
        ),
        (
            '{"n": 123456789012345678901234567890123456789}',
            [
                {
                    "path": "/n",
                    "message": "Number has more than 38 significant digits, DynamoDB's limit",
                    "keyword": "number_precision",
                }
            ],
        ),
        (
            json.dumps(order(currency="euro", lines=[], **{"x/y": 1})),
            [
                {
                    "path": "/currency",
                    "message": "Must match the pattern ^[A-Z]{3}$",
                    "keyword": "pattern",
                },
                {"path": "/lines", "message": "Must have at least 1 item", "keyword": "min_items"},
                {
                    "path": "/x~1y",
                    "message": "This property is not allowed",
                    "keyword": "additional_properties",
                },
            ],
        ),
    ],
    ids=["nesting-33", "39-digits", "schema"],
)
def test_a_broken_rule_is_422(
    server: LocalServer, seeded: Table, body: str, errors: list[dict[str, str]]
) -> None:
    reply = server.post_json("/items", body)
    detail = "The item breaks the rules listed in errors."
    assert reply == problem_reply(422, "Unprocessable Content", detail, errors=errors)
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_missing_content_type_is_read_as_json(server: LocalServer, table: Table) -> None:
    record = order(id="plain")
    reply = server.request("POST", "/items", json.dumps(record))
    assert (reply.status, reply.body) == (201, compact(record))
    assert table.items() == {"plain": as_item(record)}


def test_item_schema_and_max_body_bytes_configure_the_function(
    dynamodb_endpoint: str, table: Table, tmp_path: Path
) -> None:
    # GIVEN a schema of its own (any object with a name) and a 64-byte body limit
    schema = tmp_path / "named.json"
    schema.write_text('{"type": "object", "required": ["name"]}', encoding="utf-8")
    env = {**os.environ, "ITEM_SCHEMA": str(schema), "MAX_BODY_BYTES": "64"}
    args = ("--endpoint-url", dynamodb_endpoint)
    with local_server(*args, output=tmp_path / "out.log", env=env) as server:
        # WHEN records are posted
        named = server.post_json("/items", '{"id": "w", "name": "widget"}')
        nameless = server.post_json("/items", json.dumps({"id": "x"}))
        large = server.post_json("/items", json.dumps({"id": "y", "name": "x" * 64}))
    # THEN that schema and that limit decide
    assert named == json_reply(201, b'{"id":"w","name":"widget"}', Location="/items/w")
    required = {"path": "", "message": "Missing required property 'name'", "keyword": "required"}
    detail = "The item breaks the rules listed in errors."
    assert nameless == problem_reply(422, "Unprocessable Content", detail, errors=[required])
    too_large = {
        "path": "",
        "message": "The body is larger than the configured limit",
        "keyword": "max_body_size",
    }
    assert large == problem_reply(
        413, "Content Too Large", "The body is over the size limit.", errors=[too_large]
    )
    assert table.items() == {"w": {"id": {"S": "w"}, "name": {"S": "widget"}}}


def test_the_table_is_created_when_missing(dynamodb_endpoint: str, tmp_path: Path) -> None:
    # GIVEN a DynamoDB without the table the function is configured for
    client = local_client(dynamodb_endpoint)
    assert "fresh" not in client.list_tables()["TableNames"]
    # WHEN the local server starts against it
    env = {**os.environ, "TABLE_NAME": "fresh"}
    args = ("--endpoint-url", dynamodb_endpoint)
    with local_server(*args, output=tmp_path / "out.log", env=env) as server:
        reply = server.post_json("/items", json.dumps(order(id="first")))
    # THEN the table exists, defined as in template.yaml, and holds what was posted
    table = client.describe_table(TableName="fresh")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert reply.status == 201
    assert client.scan(TableName="fresh")["Items"] == [as_item(order(id="first"))]
    client.delete_table(TableName="fresh")


def test_without_an_endpoint_it_runs_its_own_dynamodb(tmp_path: Path) -> None:
    # GIVEN no DynamoDB endpoint configured anywhere
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL_DYNAMODB"}
    # WHEN the local server starts
    with local_server(output=tmp_path / "out.log", env=env) as server:
        created = server.post_json("/items", json.dumps(order(id="own")))
        own_dynamodb = local_client(server.dynamodb_url)
        stored = own_dynamodb.scan(TableName="items")["Items"]
        banner = server.output.read_text()
    # THEN it served from a Dynoxide of its own, with the table, and told how to call it
    assert created.status == 201
    assert stored == [as_item(order(id="own"))]
    assert (
        f"curl -i -X POST {server.url}/items -H 'Content-Type: application/json' "
        f"-d '{EXAMPLE_ORDER}'"
    ) in banner
    assert f"curl -i '{server.url}/items?limit=10'" in banner
    # AND that Dynoxide stopped with the server
    assert server.process.returncode == 0
    with pytest.raises(EndpointConnectionError):
        own_dynamodb.list_tables()
