"""Query strings of every odd shape on `GET /items`: a `limit` out of range, in another notation,
empty, repeated, non-ASCII, percent-garbage; a `cursor` that is garbage, empty, huge, another
table's, repeated. Each is a 400 that reads nothing; odd parameters the API does not know are
ignored."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from tests.support import BAD_CURSOR, BAD_LIMIT, JSON, ORIGINAL, EventFactory, Reply

from .support import CPU_BUDGET_MS

if TYPE_CHECKING:
    from tests.conftest import Table

    from .conftest import Api

BAD_LIMITS = {
    "zero": "limit=0",
    "negative": "limit=-1",
    "over-1000": "limit=1001",
    "exponent": "limit=1e3",
    "leading-zero": "limit=010",
    "empty": "limit=",
    "no-value": "limit",
    "plus-sign": "limit=%2B5",
    "fraction": "limit=1.0",
    "hex": "limit=0x10",
    "space-after": "limit=5%20",
    "nul-after": "limit=1%00",
    "fullwidth-digit": "limit=%EF%BC%91",
    "arabic-indic-digit": "limit=%D9%A3",
    "invalid-percent": "limit=%ZZ",
    "lone-percent": "limit=%",
    "invalid-utf8": "limit=%FF",
    "5000-digits": "limit=" + "9" * 5000,
    "repeated": "limit=5&limit=6",
    "repeated-same": "limit=5&limit=5",
    "repeated-one-empty": "limit=5&limit=",
}
# The page the seeded table gives (DynamoDB keeps no attribute order: compared parsed)
ONE_PAGE = (
    200,
    {"Content-Type": JSON},
    {"items": [{"id": "kept", "name": "original"}], "next_cursor": None},
)


def page(reply: Reply) -> tuple[int, dict[str, str], object]:
    return reply.status, reply.headers, json.loads(reply.body)


@pytest.mark.parametrize("name", list(BAD_LIMITS))
def test_a_limit_that_is_not_one_integer_from_1_to_1000_is_400(
    api: Api, seeded: Table, make_event: EventFactory, name: str
) -> None:
    # GIVEN a list request whose limit is not one plain integer from 1 to 1000
    # WHEN it is sent
    reply = api.send(make_event("GET", f"/items?{BAD_LIMITS[name]}"))
    # THEN 400, with either payload format
    assert reply == BAD_LIMIT
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


def cursor_of(text: str) -> str:
    """Base64url, unpadded, as the API writes its cursors."""
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def issued(table: str, last_id: str) -> str:
    """A cursor as the API issues one for `table`, after the item `last_id`."""
    return cursor_of(f'{{"table":"{table}","key":{{"id":{{"S":"{last_id}"}}}}}}')


BAD_CURSORS = {
    "empty": "cursor=",
    "no-value": "cursor",
    "punctuation": "cursor=" + quote("!!!*"),
    "invalid-utf8": "cursor=%FF%FE",
    "nul": "cursor=%00",
    "huge": "cursor=" + "A" * 1_000_000,
    "another-tables": "cursor=" + issued("other-items", "kept"),
    "this-tables-padded": "cursor=" + quote(issued("items", "kept") + "=="),
    "deep-json": "cursor=" + cursor_of("[" * 100_000),
    "huge-number": "cursor="
    + cursor_of('{"table":"items","key":{"id":{"N":"' + "9" * 100_000 + '"}}}'),
    "repeated-valid": "cursor={0}&cursor={0}".format(issued("items", "kept")),
}


@pytest.mark.parametrize("name", list(BAD_CURSORS))
def test_a_cursor_the_api_did_not_issue_is_400(
    api: Api, seeded: Table, make_event: EventFactory, name: str
) -> None:
    # GIVEN a list request whose cursor is not one this API issued for this table
    # WHEN it is sent
    reply = api.send(make_event("GET", f"/items?limit=1&{BAD_CURSORS[name]}"))
    # THEN 400, at once
    assert reply == BAD_CURSOR
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


ODD_QUERIES = {
    "empty-names-and-values": "=&&&=",
    "unknown-parameter": "offset=10",
    "non-ascii-name": "caf%C3%A9=1",
    "invalid-utf8-name": "%FF=1",
    "percent-garbage": "%%%=%ZZ&%",
    "10000-parameters": "&".join(f"p{n}=v" for n in range(10_000)),
    "huge-value": "q=" + "x" * 1_000_000,
    "limit-name-in-another-case": "LIMIT=0",
}


@pytest.mark.parametrize("name", list(ODD_QUERIES))
def test_query_parameters_the_api_does_not_know_are_ignored(
    api: Api, seeded: Table, make_event: EventFactory, name: str
) -> None:
    # GIVEN a list request with odd parameters, none of them `limit` or `cursor`
    # WHEN it is sent
    reply = api.send(make_event("GET", f"/items?{ODD_QUERIES[name]}"))
    # THEN the default page
    assert page(reply) == ONE_PAGE
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


def test_the_limits_edges_are_served(api: Api, seeded: Table, make_event: EventFactory) -> None:
    # GIVEN the smallest and the largest limits
    # WHEN a page of each is asked for, and the page after the smallest one
    smallest = api.send(make_event("GET", "/items?limit=1"))
    after = api.send(make_event("GET", f"/items?limit=1&cursor={issued('items', 'kept')}"))
    largest = api.send(make_event("GET", "/items?limit=1000"))
    # THEN each is served: one item and a cursor after it, then none; every item at once
    only = {"items": [{"id": "kept", "name": "original"}], "next_cursor": issued("items", "kept")}
    assert page(smallest) == (200, {"Content-Type": JSON}, only)
    assert page(after) == (200, {"Content-Type": JSON}, {"items": [], "next_cursor": None})
    assert page(largest) == ONE_PAGE
    assert max(api.cpu) < CPU_BUDGET_MS
