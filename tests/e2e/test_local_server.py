"""End to end: real HTTP requests to `python -m py_handler.local`, the table read back with boto3
after each one. (A 500 cannot be provoked from outside: tests/handler covers it.)"""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import EndpointConnectionError

from py_handler.dynamo_local import local_client

from .support import LocalServer, Reply, local_server

if TYPE_CHECKING:
    from tests.conftest import Table

JSON = "application/json"
PROBLEM = "application/problem+json"
ORIGINAL = {"id": {"S": "kept"}, "name": {"S": "original"}}
UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def problem(status: int, title: str, detail: str, **extra: Any) -> bytes:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return json.dumps(body).encode()


def problem_reply(status: int, title: str, detail: str, **extra: Any) -> Reply:
    body = problem(status, title, detail, **extra)
    return Reply(status, {"Content-Type": PROBLEM, "Content-Length": str(len(body))}, body)


@pytest.fixture
def seeded(table: Table) -> Table:
    table.put(ORIGINAL)
    return table


def test_post_get_delete_round_trip(server: LocalServer, table: Table) -> None:
    # GIVEN an empty table
    # WHEN an item without id is posted
    created = server.post_json("/items", '{"name": "widget", "price": 9.99, "tags": ["a", "b"]}')
    # THEN 201 with a generated id, its location, and the item as stored
    item_id = created.json()["id"]
    assert UUID7.fullmatch(item_id)
    body = f'{{"id":"{item_id}","name":"widget","price":9.99,"tags":["a","b"]}}'.encode()
    assert created == Reply(
        201,
        {"Location": f"/items/{item_id}", "Content-Type": JSON, "Content-Length": str(len(body))},
        body,
    )
    stored = {
        "id": {"S": item_id},
        "name": {"S": "widget"},
        "price": {"N": "9.99"},
        "tags": {"L": [{"S": "a"}, {"S": "b"}]},
    }
    assert table.items() == {item_id: stored}

    # WHEN its location is read
    read = server.request("GET", f"/items/{item_id}")
    # THEN 200 with the same item
    assert (read.status, read.headers["Content-Type"]) == (200, JSON)
    assert read.json() == {
        "id": item_id,
        "name": "widget",
        "price": Decimal("9.99"),
        "tags": ["a", "b"],
    }
    assert table.items() == {item_id: stored}

    # WHEN it is deleted
    deleted = server.request("DELETE", f"/items/{item_id}")
    # THEN 204 with no body, and the table is empty
    assert deleted == Reply(204, {}, b"")
    assert table.items() == {}


def test_an_id_with_reserved_characters_round_trips(server: LocalServer, table: Table) -> None:
    created = server.post_json("/items", json.dumps({"id": "crème brûlée 100%?"}))
    assert (created.status, created.headers["Location"]) == (
        201,
        "/items/cr%C3%A8me%20br%C3%BBl%C3%A9e%20100%25%3F",
    )
    read = server.request("GET", created.headers["Location"])
    assert (read.status, read.json()) == (200, {"id": "crème brûlée 100%?"})
    assert table.items() == {"crème brûlée 100%?": {"id": {"S": "crème brûlée 100%?"}}}


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
    [("PUT", "/items", "POST"), ("PATCH", "/items/kept", "GET, DELETE")],
)
def test_an_unserved_method_is_405_with_allow(
    server: LocalServer, seeded: Table, method: str, path: str, allow: str
) -> None:
    reply = server.request(method, path, '{"name": "changed"}', {"Content-Type": JSON})
    body = problem(405, "Method Not Allowed", "This resource does not serve this method.")
    assert reply == Reply(
        405, {"Allow": allow, "Content-Type": PROBLEM, "Content-Length": str(len(body))}, body
    )
    assert seeded.items() == {"kept": ORIGINAL}


def test_an_existing_id_is_409(server: LocalServer, seeded: Table) -> None:
    reply = server.post_json("/items", '{"id": "kept", "name": "overwritten"}')
    assert reply == problem_reply(409, "Conflict", "An item with this id exists already.")
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_body_over_1_mib_is_413(server: LocalServer, seeded: Table) -> None:
    body = '{"blob": "' + "x" * 1_048_565 + '"}'
    assert len(body) == 1_048_577
    reply = server.post_json("/items", body)
    assert reply == problem_reply(413, "Content Too Large", "The body is over 1048576 bytes.")
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
    ("body", "error"),
    [
        (
            '{"a": ' + "[" * 32 + "]" * 32 + "}",
            {
                "path": "/a" + "/0" * 31,
                "message": "Nesting deeper than 32 levels, DynamoDB's limit",
                "keyword": "max_depth",
            },
        ),
        (
            '{"n": 123456789012345678901234567890123456789}',
            {
                "path": "/n",
                "message": "Number has more than 38 significant digits, DynamoDB's limit",
                "keyword": "number_precision",
            },
        ),
    ],
    ids=["nesting-33", "39-digits"],
)
def test_a_dynamodb_limit_is_422(
    server: LocalServer, seeded: Table, body: str, error: dict[str, str]
) -> None:
    reply = server.post_json("/items", body)
    assert reply == problem_reply(
        422, "Unprocessable Content", "The item breaks the rules listed in errors.", errors=[error]
    )
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_missing_content_type_is_read_as_json(server: LocalServer, table: Table) -> None:
    reply = server.request("POST", "/items", '{"id": "plain"}')
    assert (reply.status, reply.body) == (201, b'{"id":"plain"}')
    assert table.items() == {"plain": {"id": {"S": "plain"}}}


def test_the_table_is_created_when_missing(dynamodb_endpoint: str, tmp_path: Path) -> None:
    # GIVEN a DynamoDB without the table the function is configured for
    client = local_client(dynamodb_endpoint)
    assert "fresh" not in client.list_tables()["TableNames"]
    # WHEN the local server starts against it
    env = {**os.environ, "TABLE_NAME": "fresh"}
    args = ("--endpoint-url", dynamodb_endpoint)
    with local_server(*args, output=tmp_path / "out.log", env=env) as server:
        reply = server.post_json("/items", '{"id": "first"}')
    # THEN the table exists, defined as in template.yaml, and holds what was posted
    table = client.describe_table(TableName="fresh")["Table"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert reply.status == 201
    assert client.scan(TableName="fresh")["Items"] == [{"id": {"S": "first"}}]
    client.delete_table(TableName="fresh")


def test_without_an_endpoint_it_runs_its_own_dynamodb(tmp_path: Path) -> None:
    # GIVEN no DynamoDB endpoint configured anywhere
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL_DYNAMODB"}
    # WHEN the local server starts
    with local_server(output=tmp_path / "out.log", env=env) as server:
        created = server.post_json("/items", '{"id": "own"}')
        own_dynamodb = local_client(server.dynamodb_url)
        stored = own_dynamodb.scan(TableName="items")["Items"]
        curl_example = f"curl -i -X POST {server.url}/items -H 'Content-Type: application/json'"
        banner = server.output.read_text()
    # THEN it served from a Dynoxide of its own, with the table, and told how to call it
    assert created.status == 201
    assert stored == [{"id": {"S": "own"}}]
    assert curl_example in banner
    # AND that Dynoxide stopped with the server
    assert server.process.returncode == 0
    with pytest.raises(EndpointConnectionError):
        own_dynamodb.list_tables()
