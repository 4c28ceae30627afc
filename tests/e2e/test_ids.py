"""End to end: ids that need percent-encoding, through `python -m py_handler.local` with either
payload format. Every request path is the `Location` the API returned, sent as a client sends
it; a path id over DynamoDB's 2048-byte key limit is a 404 (a 422 on PUT)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import JSON, ORIGINAL, PROBLEM

from .support import LocalServer, Reply, as_item, compact, order

if TYPE_CHECKING:
    from tests.conftest import Table

KEY_SIZE = {
    "path": "/id",
    "message": "The key attribute must be at most 2048 bytes in UTF-8",
    "keyword": "key_size",
}

# (id, its Location exactly as the API must write it)
IDS = [
    ("a/b", "/items/a%2Fb"),
    ("/lead/and/trail/", "/items/%2Flead%2Fand%2Ftrail%2F"),
    ("100%", "/items/100%25"),
    ("a%2Fb", "/items/a%252Fb"),
    ("a b", "/items/a%20b"),
    ("crème brûlée", "/items/cr%C3%A8me%20br%C3%BBl%C3%A9e"),
    ("日本", "/items/%E6%97%A5%E6%9C%AC"),
    ("😀", "/items/%F0%9F%98%80"),
    ("x" * 2048, "/items/" + "x" * 2048),
    ("é" * 1024, "/items/" + "%C3%A9" * 1024),
    ("😀" * 512, "/items/" + "%F0%9F%98%80" * 512),
]
ID_NAMES = [
    "slash",
    "leading-and-trailing-slashes",
    "percent",
    "percent-2F-literally",
    "space",
    "accents",
    "japanese",
    "emoji",
    "2048-ascii",
    "2048-two-byte",
    "2048-four-byte",
]
# Paths whose id is one byte over the key limit
TOO_LONG = ["/items/" + "x" * 2049, "/items/" + "%C3%A9" * 1024 + "x"]
TOO_LONG_NAMES = ["2049-ascii", "2049-two-byte"]


def problem_reply(status: int, title: str, detail: str, **extra: Any) -> Reply:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    data = json.dumps(body).encode()
    return Reply(status, {"Content-Type": PROBLEM, "Content-Length": str(len(data))}, data)


def json_reply(status: int, body: bytes, **headers: str) -> Reply:
    return Reply(status, {**headers, "Content-Type": JSON, "Content-Length": str(len(body))}, body)


def exact(record: dict[str, Any]) -> Any:
    """A record as a client parses it back, numbers exact."""
    return json.loads(json.dumps(record), parse_float=Decimal)


NO_ITEM = problem_reply(404, "Not Found", "No item has this id.")


@pytest.mark.parametrize(("item_id", "location"), IDS, ids=ID_NAMES)
def test_an_id_reads_replaces_and_deletes_through_its_location(
    server: LocalServer, seeded: Table, item_id: str, location: str
) -> None:
    # GIVEN a table holding another item
    # WHEN an order with this id is posted
    first = order(id=item_id)
    created = server.post_json("/items", json.dumps(first))
    # THEN 201 with the order and its Location, and it is stored under that id
    assert created == json_reply(201, compact(first), Location=location)
    assert seeded.items() == {"kept": ORIGINAL, item_id: as_item(first)}

    # WHEN the Location it returned is read
    read = server.request("GET", created.headers["Location"])
    # THEN 200 with that order, and the table is unchanged
    assert (read.status, read.headers["Content-Type"]) == (200, JSON)
    assert read.json() == exact(first)
    assert seeded.items() == {"kept": ORIGINAL, item_id: as_item(first)}

    # WHEN another order, without an id, is put there
    second = order(currency="USD", notes="replaced")
    replaced = server.put_json(location, json.dumps(second))
    # THEN 200 with it under the same id, replacing the first one whole
    stored = {"id": item_id, **second}
    assert replaced == json_reply(200, compact(stored))
    assert seeded.items() == {"kept": ORIGINAL, item_id: as_item(stored)}
    assert server.request("GET", location).json() == exact(stored)

    # WHEN it is deleted
    deleted = server.request("DELETE", location)
    # THEN 204 with no body, and only the other item is left
    assert deleted == Reply(204, {}, b"")
    assert seeded.items() == {"kept": ORIGINAL}

    # WHEN it is read and deleted again
    # THEN 404 both times, and nothing changes
    assert server.request("GET", location) == NO_ITEM
    assert server.request("DELETE", location) == NO_ITEM
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("path", TOO_LONG, ids=TOO_LONG_NAMES)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_a_path_id_over_2048_bytes_is_404(
    server: LocalServer, seeded: Table, method: str, path: str
) -> None:
    # GIVEN a path whose id is one byte longer than any DynamoDB key: no item can live there
    # WHEN it is read, replaced with a valid order, or deleted
    if method == "PUT":
        reply = server.put_json(path, json.dumps(order()))
    else:
        reply = server.request(method, path)
    # THEN no item has this id, and nothing changes
    assert reply == NO_ITEM
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_post_with_an_id_over_2048_bytes_is_422(server: LocalServer, seeded: Table) -> None:
    # GIVEN an order whose id is one byte longer than any DynamoDB key
    # WHEN it is posted
    reply = server.post_json("/items", json.dumps(order(id="é" * 1024 + "x")))
    # THEN 422 for the key at /id, no Location, and nothing is written
    detail = "The item breaks the rules listed in errors."
    assert reply == problem_reply(422, "Unprocessable Content", detail, errors=[KEY_SIZE])
    assert seeded.items() == {"kept": ORIGINAL}
