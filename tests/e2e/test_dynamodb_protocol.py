"""rust_core's DynamoDB building blocks against a real DynamoDB (the session's Dynoxide): request
bodies written in Rust, signed with `sign_v4`, sent with the standard library, and the answers
read in Rust. No botocore on the way; boto3 only reads the table back as the oracle."""

from __future__ import annotations

import http.client
import json
import zlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

import rust_core

if TYPE_CHECKING:
    from tests.conftest import Table as TableView

SCHEMA = {"type": "object"}


class Direct:
    """The smallest DynamoDB client: one request, one answer."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        parts = urlsplit(endpoint)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)

    def call(self, operation: str, body: bytes) -> tuple[int, bytes]:
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        }
        headers.update(
            rust_core.sign_v4(
                "POST",
                self.endpoint + "/",
                headers,
                body,
                region="us-east-1",
                service="dynamodb",
                access_key="local",
                secret_key="local",
            )
        )
        self.connection.request("POST", "/", body=body, headers=headers)
        response = self.connection.getresponse()
        answer = response.read()
        # DynamoDB's checksum of the answer: what the direct client verifies
        assert int(response.headers["x-amz-crc32"]) == zlib.crc32(answer)
        return response.status, answer


@pytest.fixture
def direct(dynamodb_endpoint: str) -> Direct:
    return Direct(dynamodb_endpoint)


@pytest.fixture
def items() -> rust_core.Table:
    return rust_core.Table("items", key="id")


def exact(data: bytes) -> Any:
    return json.loads(data, parse_float=Decimal)


def test_a_create_writes_the_item_and_answers_its_json(
    direct: Direct, items: rust_core.Table, table: TableView
) -> None:
    # GIVEN a record with an id, nested values and exact numbers
    codec = rust_core.RecordCodec(SCHEMA)
    body = (
        b'{"id":"a/b","n":1.50,"big":12345678901234567890123456789012345678,'
        b'"l":[true,null,{"s":"\\u00e9"}]}'
    )
    # WHEN its PutItem is built in Rust and sent
    request, item_json, key = items.put_item(codec, body)
    status, answer = direct.call("PutItem", request)
    # THEN DynamoDB stores exactly that item, and the reply body is the item as JSON
    assert (status, answer) == (200, b"{}")
    assert key == "a/b"
    assert item_json == rust_core.item_to_json(rust_core.json_to_item(body))
    stored = rust_core.json_to_item(body)
    stored["n"] = {"N": "1.5"}  # DynamoDB's own spelling of 1.50
    assert table.items() == {"a/b": stored}


def test_a_second_create_fails_with_the_item_that_is_there(
    direct: Direct, items: rust_core.Table, table: TableView
) -> None:
    # GIVEN an item
    codec = rust_core.RecordCodec(SCHEMA)
    first, _, _ = items.put_item(codec, b'{"id":"k","v":1}')
    assert direct.call("PutItem", first)[0] == 200
    # WHEN another create names the same id
    second, _, _ = items.put_item(codec, b'{"id":"k","v":2}')
    status, answer = direct.call("PutItem", second)
    # THEN the condition fails, and the answer carries the stored item (ALL_OLD): a retried
    # create can tell its own earlier write from someone else's
    assert status == 400
    code, message, there = rust_core.read_error(answer)
    assert (code, message) == ("ConditionalCheckFailedException", "The conditional request failed")
    # DynamoDB keeps no attribute order: compared parsed
    assert there is not None and exact(there) == {"id": "k", "v": 1}
    assert table.items() == {"k": {"id": {"S": "k"}, "v": {"N": "1"}}}


def test_a_replace_overwrites(direct: Direct, items: rust_core.Table, table: TableView) -> None:
    codec = rust_core.RecordCodec(SCHEMA)
    table.put({"id": {"S": "k"}, "old": {"BOOL": True}})
    request, item_json, key = items.put_item(codec, b'{"v":2}', create=False, key="k")
    assert direct.call("PutItem", request) == (200, b"{}")
    assert (item_json, key) == (b'{"id":"k","v":2}', "k")
    assert table.items() == {"k": {"id": {"S": "k"}, "v": {"N": "2"}}}


def test_get_reads_the_item_as_json_and_none_when_absent(
    direct: Direct, items: rust_core.Table, table: TableView
) -> None:
    stored = {
        "id": {"S": "k"},
        "n": {"N": "1.5"},
        "b": {"B": b"\x00\x01"},
        "ss": {"SS": ["x", "y"]},
        "m": {"M": {"l": {"L": [{"NULL": True}, {"BOOL": False}]}}},
    }
    table.put(stored)
    status, answer = direct.call("GetItem", items.get_item("k"))
    assert status == 200
    found = items.read_item(answer)
    assert found is not None
    # The same JSON as item_to_json of what boto3 reads (attribute order is DynamoDB's)
    read = table.client.get_item(TableName="items", Key={"id": {"S": "k"}}, ConsistentRead=True)
    assert exact(found) == exact(rust_core.item_to_json(read["Item"]))
    status, answer = direct.call("GetItem", items.get_item("absent"))
    assert (status, items.read_item(answer)) == (200, None)


def test_delete_only_what_exists(direct: Direct, items: rust_core.Table, table: TableView) -> None:
    table.put({"id": {"S": "k"}})
    assert direct.call("DeleteItem", items.delete_item("k")) == (200, b"{}")
    assert table.items() == {}
    status, answer = direct.call("DeleteItem", items.delete_item("k"))
    assert status == 400
    assert rust_core.read_error(answer)[0] == "ConditionalCheckFailedException"


def test_scan_pages_follow_the_last_key(
    direct: Direct, items: rust_core.Table, table: TableView
) -> None:
    for i in range(5):
        table.put({"id": {"S": f"k{i}"}, "i": {"N": str(i)}})
    seen: list[Any] = []
    start = None
    while True:
        status, answer = direct.call("Scan", items.scan(2, start))
        assert status == 200
        page, start = items.read_page(answer)
        assert len(page) <= 2
        seen += [exact(item) for item in page]
        if start is None:
            break
    assert sorted(seen, key=lambda item: item["id"]) == [{"id": f"k{i}", "i": i} for i in range(5)]


def test_a_batch_is_written_from_its_puts(
    direct: Direct, items: rust_core.Table, table: TableView
) -> None:
    # GIVEN an NDJSON batch: two records, one without an id, one invalid, one repeating an id
    codec = rust_core.RecordCodec(SCHEMA)
    body = b'{"id":"a","n":1.50}\n\n{"v":[1,{"w":null}]}\n[1]\n{"id":"a","n":2}\n'
    # WHEN its puts are built in Rust and sent in one BatchWriteItem
    puts, keys, rejected = items.put_batch(codec, body, ndjson=True)
    status, answer = direct.call("BatchWriteItem", items.batch_write(puts))
    # THEN the accepted records are stored, the others reported as decode_many reports them
    assert (status, items.read_unprocessed(answer)) == (200, [])
    _, expected_rejected = codec.decode_many(body, ndjson=True)
    assert rejected == expected_rejected
    assert [entry["index"] for entry in rejected] == [2, 3]
    assert keys[0] == "a" and len(keys) == 2
    assert puts[0] == b'{"PutRequest":{"Item":{"id":{"S":"a"},"n":{"N":"1.50"}}}}'
    assert table.items() == {
        "a": {"id": {"S": "a"}, "n": {"N": "1.5"}},
        keys[1]: {
            "v": {"L": [{"N": "1"}, {"M": {"w": {"NULL": True}}}]},
            "id": {"S": keys[1]},
        },
    }


def test_batch_write_joins_the_puts() -> None:
    table = rust_core.Table("t-1")
    assert table.batch_write([]) == b'{"RequestItems":{"t-1":[]}}'
    assert table.batch_write([b"{}", b"[]"]) == b'{"RequestItems":{"t-1":[{},[]]}}'


def test_errors_name_the_code(direct: Direct) -> None:
    missing = rust_core.Table("no-such-table")
    status, answer = direct.call("GetItem", missing.get_item("k"))
    assert status == 400
    code, message, item = rust_core.read_error(answer)
    assert (code, item) == ("ResourceNotFoundException", None)
    assert message


@pytest.mark.parametrize(
    ("read", "answer"),
    [
        ("read_item", b""),
        ("read_item", b"{"),
        ("read_item", b"[]"),
        ("read_item", b'{"Item":{"id":{"Q":1}}}'),
        ("read_item", b"{} x"),
        ("read_page", b'{"Items":{}}'),
        ("read_page", b'{"Items":[],"LastEvaluatedKey":{"id":{"N":"1"}}}'),
        ("read_unprocessed", b'{"UnprocessedItems":{"items":[{"DeleteRequest":{}}]}}'),
    ],
)
def test_malformed_answers_are_value_errors(
    items: rust_core.Table, read: str, answer: bytes
) -> None:
    with pytest.raises(ValueError, match="DynamoDB's answer"):
        getattr(items, read)(answer)
