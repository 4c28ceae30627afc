"""Hostile paths: an id percent-encoding bytes that are not UTF-8, NUL, dot segments, an encoded
slash, an id over DynamoDB's 2048-byte key limit (404: no item can have it), a path of 100 KB.
An id the API accepts reads back through its Location; one it cannot hold is never written."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from tests.support import (
    NO_ITEM,
    NO_RESOURCE,
    ORDER,
    ORIGINAL,
    EventFactory,
    as_item,
    compact,
    error,
    invalid,
)

from .support import CPU_BUDGET_MS, MAX_KEY_BYTES

if TYPE_CHECKING:
    from tests.conftest import Table

    from .conftest import Api

METHODS = ["GET", "PUT", "DELETE"]
BODY = json.dumps(ORDER)

# Ids that are not UTF-8 once decoded: no item can have them
NOT_UTF8_IDS = {
    "byte-ff": "%FF",
    "truncated": "%C3",
    "truncated-after-text": "abc%E2%82",
    "encoded-surrogate": "%ED%A0%80",
    "overlong-solidus": "%C0%AF",
    "above-u10ffff": "%F4%90%80%80",
    "stray-continuation": "%80",
    "lowercase-hex": "%c3%28",
}
# Ids over DynamoDB's 2048-byte key limit
LONG_IDS = {
    "2049-ascii": "x" * (MAX_KEY_BYTES + 1),
    "2049-bytes-of-utf8": "%C3%A9" * 1024 + "x",
    "100-kb": "y" * 100_000,
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(NOT_UTF8_IDS))
def test_an_id_that_is_not_utf8_is_404(
    api: Api, seeded: Table, make_event: EventFactory, method: str, name: str
) -> None:
    # GIVEN a path whose id percent-encodes bytes that are not UTF-8
    path = "/items/" + NOT_UTF8_IDS[name]
    # WHEN it is read, put or deleted
    reply = api.send(make_event(method, path, BODY if method == "PUT" else None))
    # THEN no item can have that id: 404, nothing written
    assert reply == NO_ITEM
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(LONG_IDS))
def test_an_id_over_the_key_limit_is_404(
    api: Api, seeded: Table, make_event: EventFactory, method: str, name: str
) -> None:
    # GIVEN a path whose id is over DynamoDB's 2048-byte key limit
    path = "/items/" + LONG_IDS[name]
    # WHEN it is read, put or deleted
    reply = api.send(make_event(method, path, BODY if method == "PUT" else None))
    # THEN no item can have that id: 404 (CONTRACT section 3), nothing written
    assert reply == NO_ITEM
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


# Ids the API takes, however a client writes them: each reads back through its Location
ODD_IDS = {
    "nul": ("%00", "\x00"),
    "nul-inside": ("a%00b", "a\x00b"),
    "control-characters": ("%01%1B%7F", "\x01\x1b\x7f"),
    "encoded-slash": ("a%2Fb", "a/b"),
    "encoded-dot-dot-slash": ("%2E%2E%2Fetc", "../etc"),
    "encoded-percent": ("%2525", "%25"),
    "line-separator": ("%E2%80%A8", "\u2028"),
    "2048-bytes": ("%C3%A9" * 1024, "\u00e9" * 1024),
}


@pytest.mark.parametrize("name", list(ODD_IDS))
def test_an_odd_id_round_trips_through_its_location(
    api: Api, table: Table, make_event: EventFactory, name: str
) -> None:
    # GIVEN an order put at a path whose id is odd, but one DynamoDB can hold
    segment, item_id = ODD_IDS[name]
    put = api.send(make_event("PUT", f"/items/{segment}", BODY))
    put_cpu = api.cpu_ms
    # WHEN it is read back through the Location the API gives it, then deleted so
    location = "/items/" + quote(item_id, safe="")
    read = api.send(make_event("GET", location))
    stored = table.items()
    deleted = api.send(make_event("DELETE", location))
    # THEN the same id was written, read and deleted
    record = {"id": item_id, **ORDER}
    assert (put.status, put.body) == (200, compact(record))
    assert (read.status, json.loads(read.body)) == (200, json.loads(compact(record)))
    assert stored == {item_id: as_item(record)}
    assert deleted.status == 204
    assert table.items() == {}
    assert max(put_cpu, *api.cpu) < CPU_BUDGET_MS


DOT_SEGMENTS = {"dot": ".", "dot-dot": "..", "encoded-dot": "%2E", "encoded-dot-dot": "%2e%2E"}
DOT_ID = error(
    "/id",
    "The key attribute cannot be '.' or '..', which URLs cannot hold as a path segment",
    "key_dot_segment",
)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", list(DOT_SEGMENTS))
def test_a_dot_segment_is_no_id(
    api: Api, seeded: Table, make_event: EventFactory, method: str, name: str
) -> None:
    # GIVEN a path whose id is a dot segment (no URL can name it: clients resolve it away)
    path = "/items/" + DOT_SEGMENTS[name]
    # WHEN it is read, put or deleted
    reply = api.send(make_event(method, path, BODY if method == "PUT" else None))
    # THEN there is no such item; a put is refused as its key (422), nothing written
    assert reply == (invalid(DOT_ID) if method == "PUT" else NO_ITEM)
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize(
    "path",
    ["/%00", "/items%00", "/ITEMS", "/item", "/" + "z" * 100_000],
    ids=["nul", "nul-after-items", "upper-case", "singular", "100-kb"],
)
def test_a_path_that_names_no_resource_is_404(
    api: Api, seeded: Table, make_event: EventFactory, path: str
) -> None:
    # GIVEN a path that is not the resource's, however close
    # WHEN a write is sent there
    reply = api.send(make_event("POST", path, BODY))
    # THEN 404, nothing written
    assert reply == NO_RESOURCE
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS
