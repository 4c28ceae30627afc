"""Ids through paths: every id the API accepts reads, replaces and deletes through its `Location`
with either payload format (HTTP APIs hand the path over decoded, REST APIs percent-encoded), and a
path id no DynamoDB key can be is a 404 (a 422 on PUT when it is only too long), never a 500."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import pytest

from tests.support import (
    JSON,
    KEY_SIZE,
    NO_ITEM,
    NO_RESOURCE,
    ORIGINAL,
    EventFactory,
    Invoke,
    Reply,
    as_item,
    compact,
    http_api_event,
    invalid,
    rest_api_event,
)

if TYPE_CHECKING:
    from tests.conftest import Table


BOTH_FORMATS = (http_api_event, rest_api_event)

# (id, its Location exactly as the API must write it: quote(id, safe=""))
IDS = [
    ("a/b", "/items/a%2Fb"),
    ("a/b/c", "/items/a%2Fb%2Fc"),
    ("/lead", "/items/%2Flead"),
    ("trail/", "/items/trail%2F"),
    ("/", "/items/%2F"),
    ("//", "/items/%2F%2F"),
    ("100%", "/items/100%25"),
    ("%", "/items/%25"),
    ("a%2Fb", "/items/a%252Fb"),
    ("%2F", "/items/%252F"),
    ("%FF", "/items/%25FF"),
    ("a b", "/items/a%20b"),
    (" ", "/items/%20"),
    ("1+1", "/items/1%2B1"),
    ("q?x=1&y", "/items/q%3Fx%3D1%26y"),
    ("a#b", "/items/a%23b"),
    ("~user", "/items/~user"),
    ("café", "/items/caf%C3%A9"),
    ("日本", "/items/%E6%97%A5%E6%9C%AC"),
    ("😀", "/items/%F0%9F%98%80"),
    ("../a/./b/..", "/items/..%2Fa%2F.%2Fb%2F.."),
    ("batch", "/items/batch"),
    ("x" * 2048, "/items/" + "x" * 2048),
    ("é" * 1024, "/items/" + "%C3%A9" * 1024),
    ("😀" * 512, "/items/" + "%F0%9F%98%80" * 512),
    ("/" * 2048, "/items/" + "%2F" * 2048),
]
ID_NAMES = [
    "slash",
    "slashes",
    "leading-slash",
    "trailing-slash",
    "only-slash",
    "two-slashes",
    "percent",
    "lone-percent",
    "percent-2F-literally",
    "only-percent-2F",
    "percent-FF-literally",
    "space",
    "only-space",
    "plus",
    "query-characters",
    "hash",
    "tilde",
    "e-acute",
    "japanese",
    "emoji",
    "dot-segments",
    "batch",
    "2048-ascii",
    "2048-two-byte",
    "2048-four-byte",
    "2048-slashes",
]

# Paths (percent-encoded, as a client sends them) whose id is one byte over DynamoDB's key limit
TOO_LONG = [
    "/items/" + "x" * 2049,
    "/items/" + "%C3%A9" * 1024 + "x",
    "/items/" + "%F0%9F%98%80" * 512 + "x",
    "/items/" + "%2F" * 2049,
]
TOO_LONG_NAMES = ["2049-ascii", "2049-two-byte", "2049-four-byte", "2049-slashes"]

# Paths a REST API hands over as sent, whose id is not UTF-8 once decoded
NOT_UTF8 = [
    "/items/%FF",
    "/items/a%FFb",
    "/items/%C3",
    "/items/%ED%A0%80",
    "/items/%ED%B3%BF",
    "/items/%C0%AF",
]
NOT_UTF8_NAMES = [
    "FF",
    "FF-inside",
    "truncated-two-byte",
    "encoded-lone-high-surrogate",
    "encoded-lone-low-surrogate",
    "overlong-slash",
]

# What an HTTP API event's rawPath can hold that is not UTF-8: a lone surrogate, which the event's
# JSON spells as a \uXXXX escape
LONE_SURROGATES = ["\ud800", "\udcff", "a\udfffb", "\udc00\ud800"]
LONE_SURROGATE_NAMES = ["high", "low", "inside", "reversed-pair"]


def read(invoke: Invoke, location: str) -> list[tuple[int, dict[str, str], Any]]:
    """GET `location` through both payload formats: status, headers and the body parsed
    (DynamoDB keeps no attribute order)."""
    replies = [invoke(make("GET", location)) for make in BOTH_FORMATS]
    return [(reply.status, reply.headers, reply.json()) for reply in replies]


def found(record: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    """What `read` gives for an item holding `record`."""
    return (200, {"Content-Type": JSON}, record)


ABSENT = (NO_ITEM.status, NO_ITEM.headers, NO_ITEM.json())


@pytest.mark.usefixtures("any_object")
@pytest.mark.parametrize(("item_id", "location"), IDS, ids=ID_NAMES)
def test_an_id_reads_replaces_and_deletes_through_its_location(
    invoke: Invoke, seeded: Table, make_event: EventFactory, item_id: str, location: str
) -> None:
    # GIVEN a table holding another item
    # WHEN a record with this id is posted
    record = {"id": item_id, "v": "first"}
    created = invoke(make_event("POST", "/items", json.dumps(record)))
    # THEN 201 with the record and its Location, percent-encoded whole, and it is stored
    assert created == Reply(201, {"Content-Type": JSON, "Location": location}, compact(record))
    assert seeded.items() == {"kept": ORIGINAL, item_id: as_item(record)}

    # WHEN that Location is read through either payload format
    # THEN each reads the item, and the table is unchanged
    assert read(invoke, location) == [found(record)] * 2
    assert seeded.items() == {"kept": ORIGINAL, item_id: as_item(record)}

    # WHEN another record, without an id, is put at that Location
    replaced = invoke(make_event("PUT", location, json.dumps({"v": "second"})))
    # THEN 200 with the record under the same id, and it replaced the first one
    second = {"id": item_id, "v": "second"}
    assert replaced == Reply(200, {"Content-Type": JSON}, compact(second))
    assert seeded.items() == {"kept": ORIGINAL, item_id: as_item(second)}
    assert read(invoke, location) == [found(second)] * 2

    # WHEN a record that repeats the id is put there
    third = {"id": item_id, "v": "third"}
    replaced = invoke(make_event("PUT", location, json.dumps(third)))
    # THEN the path and the body name the same item: 200, replaced
    assert replaced == Reply(200, {"Content-Type": JSON}, compact(third))
    assert seeded.items() == {"kept": ORIGINAL, item_id: as_item(third)}

    # WHEN the Location is deleted
    deleted = invoke(make_event("DELETE", location))
    # THEN 204, and only the other item is left
    assert deleted == Reply(204, {}, "")
    assert seeded.items() == {"kept": ORIGINAL}

    # WHEN it is read or deleted again
    # THEN 404 through either format, and nothing changes
    assert read(invoke, location) == [ABSENT] * 2
    assert invoke(make_event("DELETE", location)) == NO_ITEM
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.usefixtures("any_object")
@pytest.mark.parametrize(("item_id", "location"), IDS, ids=ID_NAMES)
def test_a_location_written_through_one_format_is_read_through_the_other(
    invoke: Invoke, seeded: Table, item_id: str, location: str
) -> None:
    # GIVEN an item put at its Location through an HTTP API
    record = {"id": item_id, "v": "http"}
    put = invoke(http_api_event("PUT", location, json.dumps({"v": "http"})))
    assert put == Reply(200, {"Content-Type": JSON}, compact(record))
    assert seeded.items() == {"kept": ORIGINAL, item_id: as_item(record)}
    # WHEN a REST API replaces it at the same Location
    replaced = invoke(rest_api_event("PUT", location, json.dumps({"v": "rest"})))
    # THEN the same item is replaced, not another one created
    record = {"id": item_id, "v": "rest"}
    assert replaced == Reply(200, {"Content-Type": JSON}, compact(record))
    assert seeded.items() == {"kept": ORIGINAL, item_id: as_item(record)}
    # WHEN an HTTP API deletes it
    # THEN it is gone for both
    assert invoke(http_api_event("DELETE", location)) == Reply(204, {}, "")
    assert seeded.items() == {"kept": ORIGINAL}
    assert invoke(rest_api_event("DELETE", location)) == NO_ITEM
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.usefixtures("any_object")
@pytest.mark.parametrize(
    ("item_id", "location"),
    [pytest.param(*case, id=name) for case, name in zip(IDS, ID_NAMES, strict=False)],
)
def test_a_location_resolved_as_a_client_does_reaches_the_item(
    invoke: Invoke, seeded: Table, make_event: EventFactory, item_id: str, location: str
) -> None:
    # GIVEN an item posted with this id
    record = {"id": item_id, "v": "posted"}
    created = invoke(make_event("POST", "/items", json.dumps(record)))
    assert (created.status, created.headers["Location"]) == (201, location)
    # WHEN a client follows the Location, resolving it against the request URL (RFC 3986, 5.2)
    followed = urlsplit(urljoin("https://api.example.com/items", location)).path
    reply = invoke(make_event("GET", followed))
    # THEN it reads that item
    assert (reply.status, reply.json()) == (200, record)
    assert seeded.items() == {"kept": ORIGINAL, item_id: as_item(record)}


@pytest.mark.parametrize("path", TOO_LONG, ids=TOO_LONG_NAMES)
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_path_id_over_2048_bytes_is_404(
    invoke: Invoke, seeded: Table, make_event: EventFactory, method: str, path: str
) -> None:
    # GIVEN a path whose id is one byte longer than any DynamoDB key
    # WHEN it is read or deleted
    reply = invoke(make_event(method, path))
    # THEN no item has this id, and nothing changes
    assert reply == NO_ITEM
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.usefixtures("any_object")
@pytest.mark.parametrize("path", TOO_LONG, ids=TOO_LONG_NAMES)
def test_a_put_at_a_path_id_over_2048_bytes_is_404(
    invoke: Invoke, seeded: Table, make_event: EventFactory, path: str
) -> None:
    # GIVEN a path whose id is one byte longer than any DynamoDB key
    # WHEN a record is put there
    reply = invoke(make_event("PUT", path, json.dumps({"v": "new"})))
    # THEN 404 (CONTRACT: such a path id is no item's), and nothing is written
    assert reply == NO_ITEM
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.usefixtures("any_object")
@pytest.mark.parametrize("item_id", ["x" * 2049, "é" * 1024 + "x", "😀" * 512 + "x"])
def test_a_post_with_an_id_over_2048_bytes_is_422(
    invoke: Invoke, seeded: Table, make_event: EventFactory, item_id: str
) -> None:
    # GIVEN a record whose id is one byte longer than any DynamoDB key
    # WHEN it is posted
    reply = invoke(make_event("POST", "/items", json.dumps({"id": item_id})))
    # THEN 422 for the key at /id, no Location, and nothing is written
    assert reply == invalid(KEY_SIZE)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.usefixtures("any_object")
@pytest.mark.parametrize("path", NOT_UTF8, ids=NOT_UTF8_NAMES)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_a_rest_path_id_that_is_not_utf8_is_404(
    invoke: Invoke, seeded: Table, method: str, path: str
) -> None:
    # GIVEN a REST API path whose id is not UTF-8 once decoded
    body = json.dumps({"v": "new"}) if method == "PUT" else None
    # WHEN it is read, replaced or deleted
    reply = invoke(rest_api_event(method, path, body))
    # THEN no item can have this id: 404, never a 500, and nothing is written
    assert reply == NO_ITEM
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.usefixtures("any_object")
@pytest.mark.parametrize("segment", LONE_SURROGATES, ids=LONE_SURROGATE_NAMES)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_an_http_api_raw_path_with_a_lone_surrogate_is_404(
    invoke: Invoke, seeded: Table, method: str, segment: str
) -> None:
    # GIVEN an HTTP API event whose (decoded) rawPath holds a lone surrogate
    body = json.dumps({"v": "new"}) if method == "PUT" else None
    event = http_api_event(method, "/items/" + segment, body)
    assert event["rawPath"] == "/items/" + segment
    # WHEN it is handled
    reply = invoke(event)
    # THEN no item can have this id: 404, never a 500, and nothing is written
    assert reply == NO_ITEM
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "POST"])
def test_a_raw_slash_after_an_id_is_no_resource_through_a_rest_api(
    invoke: Invoke, seeded: Table, method: str
) -> None:
    # GIVEN items "kept" and "kept/more"
    seeded.put({"id": {"S": "kept/more"}})
    # WHEN a REST API hands over /items/kept/more: a raw slash, which no id's encoding holds
    body = json.dumps({"v": "new"}) if method in ("PUT", "POST") else None
    reply = invoke(rest_api_event(method, "/items/kept/more", body))
    # THEN no resource is at this path, and neither item is touched
    assert reply == NO_RESOURCE
    assert seeded.items() == {"kept": ORIGINAL, "kept/more": {"id": {"S": "kept/more"}}}


@pytest.mark.usefixtures("any_object")
def test_everything_after_items_is_the_id_through_an_http_api(
    invoke: Invoke, seeded: Table
) -> None:
    # GIVEN items "kept" and "kept/more"
    more = {"id": {"S": "kept/more"}}
    seeded.put(more)
    # WHEN an HTTP API hands over /items/kept/more (a client's /items/kept%2Fmore, decoded)
    # THEN each method reaches "kept/more", never "kept"
    got = invoke(http_api_event("GET", "/items/kept/more"))
    assert got == Reply(200, {"Content-Type": JSON}, '{"id":"kept/more"}')
    assert seeded.items() == {"kept": ORIGINAL, "kept/more": more}
    put = invoke(http_api_event("PUT", "/items/kept/more", '{"v": "new"}'))
    assert put == Reply(200, {"Content-Type": JSON}, '{"id":"kept/more","v":"new"}')
    stored = {"id": {"S": "kept/more"}, "v": {"S": "new"}}
    assert seeded.items() == {"kept": ORIGINAL, "kept/more": stored}
    assert invoke(http_api_event("DELETE", "/items/kept/more")) == Reply(204, {}, "")
    assert seeded.items() == {"kept": ORIGINAL}
    assert invoke(http_api_event("GET", "/items/kept/more")) == NO_ITEM
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "POST"])
def test_items_with_a_trailing_slash_is_no_resource_through_an_http_api(
    invoke: Invoke, seeded: Table, method: str
) -> None:
    # GIVEN the path /items/, whose id would be empty, which no key can be
    body = json.dumps({"v": "new"}) if method in ("PUT", "POST") else None
    # WHEN an HTTP API hands it over
    reply = invoke(http_api_event(method, "/items/", body))
    # THEN no resource is at this path, and nothing changes
    assert reply == NO_RESOURCE
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.usefixtures("any_object")
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/items/kept/"),
        ("PUT", "/items/kept/"),
        ("DELETE", "/items/kept/"),
        ("DELETE", "/items/kept//"),
        ("GET", "/items/"),
        ("POST", "/items/"),
    ],
)
def test_a_raw_trailing_slash_is_no_resource_through_a_rest_api(
    invoke: Invoke, seeded: Table, method: str, path: str
) -> None:
    # GIVEN items "kept" and "kept/"
    seeded.put({"id": {"S": "kept/"}})
    # WHEN a REST API hands over a path ending in a raw slash, which no id's encoding holds
    body = json.dumps({"v": "new"}) if method in ("PUT", "POST") else None
    reply = invoke(rest_api_event(method, path, body))
    # THEN no resource is at this path, as for /items/kept/more, and neither item is touched
    assert reply == NO_RESOURCE
    assert seeded.items() == {"kept": ORIGINAL, "kept/": {"id": {"S": "kept/"}}}


@pytest.mark.usefixtures("any_object")
@pytest.mark.parametrize("item_id", [".", ".."])
def test_dot_segment_ids_are_refused_at_creation(
    invoke: Invoke, seeded: Table, make_event: EventFactory, item_id: str
) -> None:
    # GIVEN an id a URL cannot hold as a path segment (clients resolve /items/.. away)
    # WHEN it is posted, or put at its path
    posted = invoke(make_event("POST", "/items", json.dumps({"id": item_id})))
    put = invoke(make_event("PUT", f"/items/{item_id}", json.dumps({"v": 1})))
    # THEN 422 key_dot_segment for both, and nothing is written
    message = "The key attribute cannot be '.' or '..', which URLs cannot hold as a path segment"
    assert posted.status == 422
    assert posted.json()["errors"] == [
        {"path": "/id", "message": message, "keyword": "key_dot_segment"}
    ]
    assert (put.status, put.json()["errors"]) == (posted.status, posted.json()["errors"])
    assert seeded.items() == {"kept": ORIGINAL}
