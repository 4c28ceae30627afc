"""A table keyed by another attribute than `id` (KEY_NAME, template.yaml's KeyName): the codec,
the store, the routes, paging and batches all use it, on both DynamoDB clients."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from py_handler.dynamo_local import ensure_table, local_client
from tests.conftest import Table
from tests.support import (
    ANY_OBJECT,
    JSON,
    UUID7,
    Invoke,
    Reply,
    as_item,
    compact,
    error,
    http_api_event,
    invalid,
    problem,
)

KEY = "sku"
TABLE_NAME = "items_by_sku"


@pytest.fixture
def sku_table(
    app: ModuleType,
    dynamodb_endpoint: str,
    dynamodb_client: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[Table]:
    """The function running against a table keyed by `sku` (created from template.yaml with
    KeyName=sku), its codec and store made for that key as init makes them from KEY_NAME."""
    from py_handler import routes
    from py_handler.store import connect

    client = local_client(dynamodb_endpoint)
    ensure_table(client, TABLE_NAME, key=KEY)
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(ANY_OBJECT), encoding="utf-8")
    store = connect(TABLE_NAME, dynamodb_client, KEY)
    monkeypatch.setattr(routes, "codec", routes.load_codec(schema, key=KEY))
    monkeypatch.setattr(routes, "store", store)
    monkeypatch.setattr(routes, "writer", routes.batch_writer(store))
    view = Table(client, TABLE_NAME, key=KEY)
    view.clear()
    yield view


def test_the_template_keys_the_table_by_the_setting(
    sku_table: Table, dynamodb_endpoint: str
) -> None:
    described = local_client(dynamodb_endpoint).describe_table(TableName=TABLE_NAME)["Table"]
    assert described["KeySchema"] == [{"AttributeName": KEY, "KeyType": "HASH"}]


def test_a_record_without_the_key_gets_one_and_round_trips(
    invoke: Invoke, sku_table: Table
) -> None:
    # GIVEN a record with an `id` member, which is no key here, and no `sku`
    record = {"id": 7, "name": "widget"}
    # WHEN it is posted
    created = invoke(http_api_event("POST", "/items", json.dumps(record)))
    # THEN a new sku comes first, the location names it, and the table holds the item by it
    sku = created.json()[KEY]
    assert UUID7.fullmatch(sku)
    stored = {KEY: sku, **record}
    assert created == Reply(
        201, {"Content-Type": JSON, "Location": f"/items/{sku}"}, compact(stored)
    )
    assert sku_table.items() == {sku: as_item(stored)}
    # AND the location reads, replaces and deletes it
    assert invoke(http_api_event("GET", f"/items/{sku}")).json() == stored
    replaced = invoke(http_api_event("PUT", f"/items/{sku}", json.dumps({"name": "gadget"})))
    assert replaced == Reply(200, {"Content-Type": JSON}, compact({KEY: sku, "name": "gadget"}))
    assert invoke(http_api_event("DELETE", f"/items/{sku}")) == Reply(204, {}, "")
    assert sku_table.items() == {}


def test_an_existing_key_is_409_and_a_mismatch_400(invoke: Invoke, sku_table: Table) -> None:
    sku_table.put({KEY: {"S": "w-1"}})
    posted = invoke(http_api_event("POST", "/items", json.dumps({KEY: "w-1", "n": 1})))
    assert posted == problem(409, "Conflict", "An item with this id exists already.")
    put = invoke(http_api_event("PUT", "/items/w-1", json.dumps({KEY: "w-2"})))
    assert put == problem(400, "Bad Request", "The body's id differs from the id in the path.")
    assert sku_table.items() == {"w-1": {KEY: {"S": "w-1"}}}


def test_a_key_of_the_wrong_type_is_422_at_its_path(invoke: Invoke, sku_table: Table) -> None:
    reply = invoke(http_api_event("POST", "/items", json.dumps({KEY: 1})))
    assert reply == invalid(error(f"/{KEY}", "The key attribute must be a string", "key_type"))
    assert sku_table.items() == {}


def test_the_list_pages_by_the_key(invoke: Invoke, sku_table: Table) -> None:
    for n in range(5):
        sku_table.put({KEY: {"S": f"w-{n}"}, "n": {"N": str(n)}})
    seen: list[str] = []
    target = "/items?limit=2"
    while True:
        page = invoke(http_api_event("GET", target)).json()
        seen += [item[KEY] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        target = f"/items?limit=2&cursor={page['next_cursor']}"
    assert sorted(seen) == [f"w-{n}" for n in range(5)]


def test_a_batch_keys_each_record_and_reports_a_repeated_key(
    invoke: Invoke, sku_table: Table
) -> None:
    body = json.dumps([{KEY: "a", "n": 1}, {"n": 2}, {KEY: "a", "n": 3}])
    reply = invoke(http_api_event("POST", "/items/batch", body))
    duplicate = {
        "path": f"/{KEY}",
        "message": "An earlier record of this batch has the same key",
        "keyword": "duplicate_id",
    }
    assert reply.json() == {"written": 2, "failed": [{"index": 2, "errors": [duplicate]}]}
    items = sku_table.items()
    assert items.pop("a") == as_item({KEY: "a", "n": 1})
    [(generated, item)] = items.items()
    assert UUID7.fullmatch(generated)
    assert item == as_item({KEY: generated, "n": 2})


def test_an_idempotency_key_names_the_sku(invoke: Invoke, sku_table: Table) -> None:
    event = http_api_event("POST", "/items", json.dumps({"n": 1}))
    event["headers"]["idempotency-key"] = "k-1"
    first = invoke(event)
    again = invoke(event)
    sku = first.json()[KEY]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert sku_table.items() == {sku: as_item({KEY: sku, "n": 1})}
