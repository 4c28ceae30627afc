"""End to end: POST /items/batch over HTTP to `python -m py_handler.local`, in front of Dynoxide;
the table read back with boto3 after each request."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import JSON, NDJSON, ORIGINAL, PROBLEM

from .support import LocalServer, Reply, as_item, local_server, order

if TYPE_CHECKING:
    from tests.conftest import Table


@pytest.fixture
def table(large_table: Table) -> Table:
    """The items table, dropped after the test (faster than 10,000 deletes)."""
    return large_table


def reply(status: int, body: Any, content_type: str = JSON) -> Reply:
    data = json.dumps(body, separators=(",", ":") if content_type == JSON else (", ", ": "))
    headers = {"Content-Type": content_type, "Content-Length": str(len(data))}
    return Reply(status, headers, data.encode())


def varied_order(rng: random.Random, n: int) -> dict[str, Any]:
    """A valid order, different from the next one."""
    lines = [
        {"sku": f"SKU-{rng.randrange(10**6)}", "qty": rng.randint(1, 10_000), "price": price}
        for price in rng.sample([0, 0.01, 9.99, 120, 1234567.89, 0.5], rng.randint(1, 3))
    ]
    record = order(id=f"order-{n:05}", currency=rng.choice(["EUR", "USD", "JPY"]), lines=lines)
    if n % 3:
        record["notes"] = "crème brûlée ✓ 😀 " * rng.randint(0, 5)
    if n % 5 == 0:
        record["address"] = {
            "street": f"{n} Main St",
            "city": "Lyon",
            "postal_code": "69001",
            "country": "FR",
        }
    return record


def test_10000_records_are_all_written(server: LocalServer, table: Table) -> None:
    # GIVEN 10,000 valid and varied orders, as NDJSON (HTTP API) or a JSON array (REST API)
    rng = random.Random(2024)
    records = [varied_order(rng, n) for n in range(10_000)]
    if server.payload == "2.0":
        body = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        headers = {"Content-Type": NDJSON}
    else:
        body = json.dumps(records, ensure_ascii=False)
        headers = {"Content-Type": JSON}
    # WHEN they are posted in one request
    response = server.request("POST", "/items/batch", body, headers)
    # THEN every one is written
    assert response == reply(200, {"written": 10_000, "failed": []})
    pages = table.client.get_paginator("scan").paginate(
        TableName=table.name, Select="COUNT", ConsistentRead=True
    )
    assert sum(page["Count"] for page in pages) == 10_000
    # AND a sample, read back and compared field by field, is as sent
    sample = rng.sample(records, 100)
    keys: Any = [{"id": {"S": record["id"]}} for record in sample]
    found = table.client.batch_get_item(
        RequestItems={table.name: {"Keys": keys, "ConsistentRead": True}}
    )
    assert found["UnprocessedKeys"] == {}
    stored = {item["id"]["S"]: item for item in found["Responses"][table.name]}
    assert stored == {record["id"]: as_item(record) for record in sample}


def mixed_ndjson() -> tuple[str, list[dict[str, Any]]]:
    """A batch of valid records, schema violations, malformed lines, repeated ids and blank
    lines; and the failures it should be answered with."""
    body = "\n".join(
        [
            json.dumps(order(id="a")),
            json.dumps(order(id="b", lines=[])),
            "",
            '{"id": "c",',
            json.dumps(order(id="a", notes="again")),
            "   ",
            json.dumps(order(id="d")),
            '{"id": "e"} trailing',
            json.dumps(order(id="d", currency="USD")),
        ]
    )
    duplicate = {
        "path": "/id",
        "message": "An earlier record of this batch has the same key",
        "keyword": "duplicate_id",
    }
    failed = [
        {
            "index": 1,
            "line": 2,
            "errors": [
                {"path": "/lines", "message": "Must have at least 1 item", "keyword": "min_items"}
            ],
        },
        {
            "index": 2,
            "line": 4,
            "errors": [
                {
                    "path": "",
                    "message": "Expecting property name enclosed in double quotes (column 12)",
                    "keyword": "json_syntax",
                }
            ],
        },
        {"index": 3, "line": 5, "errors": [duplicate]},
        {
            "index": 5,
            "line": 8,
            "errors": [{"path": "", "message": "Extra data (column 13)", "keyword": "json_syntax"}],
        },
        {"index": 6, "line": 9, "errors": [duplicate]},
    ]
    return body, failed


def test_a_mixed_batch_writes_exactly_the_valid_records(server: LocalServer, seeded: Table) -> None:
    # GIVEN a batch mixing valid records with every kind of invalid one
    body, failed = mixed_ndjson()
    # WHEN it is posted as NDJSON
    response = server.request("POST", "/items/batch", body, {"Content-Type": NDJSON})
    # THEN exactly the valid ones are written, and exactly the others reported by index
    assert response == reply(200, {"written": 2, "failed": failed})
    assert seeded.items() == {
        "kept": ORIGINAL,
        "a": as_item(order(id="a")),
        "d": as_item(order(id="d")),
    }


def test_a_mixed_json_array_reports_by_index(server: LocalServer, seeded: Table) -> None:
    records = [
        order(id="kept", notes="replaced"),
        order(id="x", currency="eu"),
        [1],
        order(id="kept"),
    ]
    response = server.post_json("/items/batch", json.dumps(records))
    pattern = {
        "path": "/currency",
        "message": "Must match the pattern ^[A-Z]{3}$",
        "keyword": "pattern",
    }
    not_object = {"path": "", "message": "A record must be a JSON object", "keyword": "type"}
    duplicate = {
        "path": "/id",
        "message": "An earlier record of this batch has the same key",
        "keyword": "duplicate_id",
    }
    assert response == reply(
        200,
        {
            "written": 1,
            "failed": [
                {"index": 1, "errors": [pattern]},
                {"index": 2, "errors": [not_object]},
                {"index": 3, "errors": [duplicate]},
            ],
        },
    )
    assert seeded.items() == {"kept": as_item(order(id="kept", notes="replaced"))}


def problem(status: int, title: str, detail: str, **extra: Any) -> Reply:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return reply(status, body, PROBLEM)


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            '[{"id": "a"},\n {"id": }]',
            JSON,
            problem(400, "Bad Request", "Malformed JSON at line 2, column 9: Expecting value."),
        ),
        (
            '{"id": "a"}',
            JSON,
            problem(400, "Bad Request", "The body must be a JSON array of records."),
        ),
        (
            "[" + "{}," * 10_000 + "{}]",
            JSON,
            problem(
                413,
                "Content Too Large",
                "The batch has more records than the limit.",
                errors=[
                    {
                        "path": "",
                        "message": "The batch has more records than the configured limit",
                        "keyword": "max_records",
                    }
                ],
            ),
        ),
        (
            "[" + " " * 6_291_455 + "]",
            NDJSON,
            problem(
                413,
                "Content Too Large",
                "The body is over the size limit.",
                errors=[
                    {
                        "path": "",
                        "message": "The body is larger than the configured limit",
                        "keyword": "max_body_size",
                    }
                ],
            ),
        ),
        (
            "[]",
            "text/csv",
            problem(
                415,
                "Unsupported Media Type",
                "The body must be JSON or NDJSON: Content-Type application/json, a +json type "
                "or application/x-ndjson.",
            ),
        ),
    ],
    ids=["malformed", "an-object", "10001-records", "over-6-mb", "csv"],
)
def test_a_body_that_is_not_a_batch_writes_nothing(
    server: LocalServer, seeded: Table, body: str, content_type: str, expected: Reply
) -> None:
    response = server.request("POST", "/items/batch", body, {"Content-Type": content_type})
    assert response == expected
    assert seeded.items() == {"kept": ORIGINAL}


def test_max_batch_body_bytes_configures_the_limit(
    dynamodb_endpoint: str, table: Table, tmp_path: Path
) -> None:
    # GIVEN a function whose batch bodies may be 64 bytes at most
    env = {**os.environ, "MAX_BATCH_BODY_BYTES": "64"}
    args = ("--endpoint-url", dynamodb_endpoint)
    schema = tmp_path / "any.json"
    schema.write_text('{"type": "object"}', encoding="utf-8")
    env["ITEM_SCHEMA"] = str(schema)
    with local_server(*args, output=tmp_path / "out.log", env=env) as server:
        # WHEN a batch of 64 bytes, then one of 65, is posted
        fits = '[{"id": "a"}, {"id": "b"}' + " " * 38 + "]"
        over = fits[:-1] + " ]"
        assert (len(fits), len(over)) == (64, 65)
        accepted = server.post_json("/items/batch", fits)
        refused = server.post_json("/items/batch", over)
    # THEN that limit decides
    assert accepted == reply(200, {"written": 2, "failed": []})
    assert refused.status == 413
    assert table.items() == {"a": {"id": {"S": "a"}}, "b": {"id": {"S": "b"}}}
