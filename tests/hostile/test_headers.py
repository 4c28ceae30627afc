"""Headers of every odd shape: Content-Type missing, empty, repeated, in odd case, with
parameters and garbage, or not a media type at all; Content-Encoding gzip, identity and lists;
huge, non-ASCII and control-character values; an Idempotency-Key that is not one; REST events
whose `multiValueHeaders` disagree with `headers`.

Each write carries `{"id": 7}`: read as JSON it is a 422 (the key must be a string), so the
status tells how the headers were read, and nothing is ever written."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.support import (
    BAD_IDEMPOTENCY_KEY,
    IDENTITY_ONLY,
    JSON_ONLY,
    JSON_OR_NDJSON_ONLY,
    ORDER,
    ORIGINAL,
    WRITE_IDS,
    WRITES,
    EventFactory,
    Reply,
    error,
    failure,
    written,
)

from .support import CPU_BUDGET_MS, KEY_TYPE, KEY_TYPE_BODY, drop_header, rest_event, set_header

if TYPE_CHECKING:
    from tests.conftest import Table

    from .conftest import Api


# Content-Types read as JSON: application/json or a +json type, parameters allowed (whatever
# they hold: none is read), any case, surrounding whitespace ignored
JSON_TYPES = {
    "lower-case": "application/json",
    "upper-case": "APPLICATION/JSON",
    "mixed-case": "Application/Json",
    "charset": "application/json; charset=utf-8",
    "charset-latin1": "application/json; charset=iso-8859-1",
    "garbage-parameters": 'application/json;;; =; "x;y"; a=b=c; \x7f',
    "nul-in-a-parameter": "application/json; x=\x00",
    "problem-json": "application/problem+json",
    "vendor-json": "application/vnd.example.order.v2+json; q=0.9",
    "surrounding-whitespace": " \t application/json \t ",
    "huge-parameter": "application/json; x=" + "y" * 1_000_000,
    "empty": "",
}
# Content-Types that are not one JSON media type
NOT_JSON_TYPES = {
    "text-plain": "text/plain",
    "wildcard": "*/*",
    "json-after-a-semicolon": "text/plain; application/json",
    "two-values": "application/json, text/plain",
    "twice-the-same": "application/json,application/json",
    "injected-line": "application/json\r\nX-Injected: 1",
    "nul-inside": "application/js\x00on",
    "no-slash": "application+json",
    "no-type-name": "/+json",
    "no-subtype-name": "application/+json",
    "not-a-token": "application/\u00e9+json",
    "space-inside": "application/ json",
    "huge": "x" * 1_000_000,
}


@pytest.mark.parametrize("name", list(JSON_TYPES))
def test_a_json_content_type_of_any_odd_shape_is_read_as_json(
    api: Api, seeded: Table, make_event: EventFactory, name: str
) -> None:
    # GIVEN a write whose Content-Type is JSON, oddly written
    event = make_event("PUT", "/items/kept", KEY_TYPE_BODY, JSON_TYPES[name])
    # WHEN it is sent
    reply = api.send(event)
    # THEN the body was read as JSON (422: its id is a number), nothing written
    assert reply == KEY_TYPE
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
def test_a_missing_content_type_is_read_as_json(
    api: Api, seeded: Table, make_event: EventFactory, method: str, path: str
) -> None:
    # GIVEN a write without a Content-Type
    # WHEN it is sent
    reply = api.send(drop_header(make_event(method, path, KEY_TYPE_BODY), "content-type"))
    # THEN its body is read as JSON (CONTRACT section 3)
    assert reply == KEY_TYPE
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize("name", list(NOT_JSON_TYPES))
def test_a_content_type_that_is_not_one_json_type_is_415(
    api: Api, seeded: Table, make_event: EventFactory, name: str
) -> None:
    # GIVEN a write whose Content-Type is not one JSON media type
    event = make_event("PUT", "/items/kept", KEY_TYPE_BODY, NOT_JSON_TYPES[name])
    # WHEN it is sent
    reply = api.send(event)
    # THEN 415, nothing written
    assert reply == JSON_ONLY
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize(
    "values",
    [
        ("application/json", "application/json"),
        ("application/json", "text/plain"),
        ("text/plain", "application/json"),
    ],
    ids=["same-twice", "json-then-text", "text-then-json"],
)
def test_a_content_type_sent_twice_is_415_in_either_payload_format(
    api: Api, seeded: Table, make_event: EventFactory, values: tuple[str, ...]
) -> None:
    # GIVEN a write whose client sent two Content-Type header lines (an HTTP API joins them
    # with a comma; a REST API keeps the last in `headers`, both in `multiValueHeaders`)
    event = set_header(make_event("PUT", "/items/kept", KEY_TYPE_BODY), "Content-Type", *values)
    # WHEN it is sent
    reply = api.send(event)
    # THEN a body of two media types is not JSON: 415 with either payload format
    assert reply == JSON_ONLY
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize(
    ("headers", "multi_value_headers", "expected"),
    [
        ({"Content-Type": "application/json"}, {"Content-Type": ["text/plain"]}, KEY_TYPE),
        ({"Content-Type": "text/plain"}, {"Content-Type": ["application/json"]}, JSON_ONLY),
        ({}, {"Content-Type": ["text/plain"]}, JSON_ONLY),
        ({"Content-Type": "text/plain", "content-type": "application/json"}, {}, JSON_ONLY),
        ({"content-type": "application/json", "CONTENT-TYPE": "text/plain"}, {}, JSON_ONLY),
        ({"Content-Encoding": "identity"}, {"Content-Encoding": ["gzip"]}, KEY_TYPE),
        ({}, {"Content-Encoding": ["gzip"]}, IDENTITY_ONLY),
        (
            {"Content-Encoding": "identity"},
            {"Content-Encoding": ["gzip", "identity"]},
            IDENTITY_ONLY,
        ),
    ],
    ids=[
        "headers-json-multi-text",
        "headers-text-multi-json",
        "multi-text-only",
        "two-spellings-text-first",
        "two-spellings-json-first",
        "headers-identity-multi-gzip",
        "multi-gzip-only",
        "multi-gzip-then-identity",
    ],
)
def test_rest_headers_and_multi_value_headers_that_disagree(
    api: Api,
    seeded: Table,
    headers: dict[str, str],
    multi_value_headers: dict[str, list[str]],
    expected: Reply,
) -> None:
    # GIVEN a REST event whose `headers` and `multiValueHeaders` say different things (API
    # Gateway puts a header's last value in the one, all of them in the other)
    event = drop_header(rest_event("PUT", "/items/kept", KEY_TYPE_BODY, None), "content-type")
    event["headers"].update(headers)
    event["multiValueHeaders"].update(multi_value_headers)
    # WHEN it is sent
    reply = api.send(event)
    # THEN `headers` says what each header is (API Gateway's own last value), except that a
    # header sent more than once is read as all of its values, as an HTTP API joins them
    assert reply == expected
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


IDENTITY_CODINGS = {
    "identity": "identity",
    "upper-case": "IDENTITY",
    "twice": "identity, identity",
    "empty": "",
    "empty-list": " , ,",
    "spaces": "  identity  ",
}
OTHER_CODINGS = {
    "gzip": "gzip",
    "upper-case-gzip": "GZIP",
    "gzip-with-a-parameter": "gzip;q=1",
    "identity-then-gzip": "identity, gzip",
    "br-then-identity": "br,identity",
    "compress": "compress",
    "unknown": "rot13",
    "nul-after-identity": "identity\x00",
    "huge": "gzip," * 200_000,
}


@pytest.mark.parametrize("path", ["/items", "/items/batch"])
@pytest.mark.parametrize("name", list(IDENTITY_CODINGS))
def test_an_identity_content_encoding_reads_the_body(
    api: Api, seeded: Table, make_event: EventFactory, path: str, name: str
) -> None:
    # GIVEN a write whose Content-Encoding says the body is not encoded
    event = make_event("POST", path, KEY_TYPE_BODY if path != "/items/batch" else '[{"id": 7}]')
    # WHEN it is sent
    reply = api.send(set_header(event, "Content-Encoding", IDENTITY_CODINGS[name]))
    # THEN the body is read as it is (the record fails alone: its id is a number)
    key_type = error("/id", "The key attribute must be a string", "key_type")
    assert reply == (written(0, failure(0, key_type)) if path == "/items/batch" else KEY_TYPE)
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize("path", ["/items", "/items/batch"])
@pytest.mark.parametrize("name", list(OTHER_CODINGS))
def test_any_other_content_encoding_is_415(
    api: Api, seeded: Table, make_event: EventFactory, path: str, name: str
) -> None:
    # GIVEN a write whose body declares a Content-Encoding other than identity
    event = make_event("POST", path, KEY_TYPE_BODY if path != "/items/batch" else '[{"id": 7}]')
    # WHEN it is sent
    reply = api.send(set_header(event, "Content-Encoding", OTHER_CODINGS[name]))
    # THEN 415: an encoded body is never read as a plain one
    assert reply == IDENTITY_ONLY
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


def test_the_batch_route_refuses_a_content_type_that_is_neither_json_nor_ndjson(
    api: Api, table: Table, make_event: EventFactory
) -> None:
    # GIVEN batches whose Content-Type is close to NDJSON's, or two types at once
    # WHEN each is posted
    # THEN 415, nothing written
    for content_type in (
        "application/ndjson",
        "text/plain",
        "application/x-ndjson,application/json",
    ):
        reply = api.send(make_event("POST", "/items/batch", "{}\n", content_type))
        assert reply == JSON_OR_NDJSON_ONLY
        assert api.cpu_ms < CPU_BUDGET_MS
    assert table.items() == {}


ODD_HEADERS: dict[str, tuple[str, str]] = {
    "huge-value": ("X-Huge", "a" * 1_000_000),
    "many-values": ("X-List", ",".join(["v"] * 100_000)),
    "non-ascii-value": ("X-Note", "caf\u00e9 \u2028 \U0001f600"),
    "lone-surrogate-value": ("X-Note", "\udcff\ud800"),
    "control-characters": ("X-Note", "a\x00b\x01c\x1bd\x7f"),
    "newlines": ("X-Note", "a\r\nX-Injected: yes\n\nbody"),
    "non-ascii-name": ("X-Caf\u00e9", "1"),
    "control-name": ("X-\x00\n", "1"),
    "empty-name": ("", "1"),
    "huge-name": ("X-" + "n" * 100_000, "1"),
}


@pytest.mark.parametrize("name", list(ODD_HEADERS))
def test_odd_headers_that_the_function_does_not_read_change_nothing(
    api: Api, seeded: Table, make_event: EventFactory, name: str
) -> None:
    # GIVEN a write carrying a header of an odd shape, among the usual ones
    header, value = ODD_HEADERS[name]
    event = set_header(make_event("PUT", "/items/kept", KEY_TYPE_BODY), header, value)
    # WHEN it is sent
    reply = api.send(event)
    # THEN it is read as without it (422 for the body), at once
    assert reply == KEY_TYPE
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


def test_10000_headers_change_nothing(api: Api, seeded: Table, make_event: EventFactory) -> None:
    # GIVEN a write carrying 10,000 headers besides the usual ones
    event = make_event("PUT", "/items/kept", KEY_TYPE_BODY)
    extra = {f"x-header-{n}": "v" for n in range(10_000)}
    event["headers"].update(extra)
    if "multiValueHeaders" in event:
        event["multiValueHeaders"].update({name: [value] for name, value in extra.items()})
    # WHEN it is sent
    reply = api.send(event)
    # THEN it is read as without them, at once
    assert reply == KEY_TYPE
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


IDEMPOTENCY_KEYS = {
    "empty": "",
    "huge": "k" * 1_000_000,
    "256-characters": "k" * 256,
    "non-ascii": "cl\u00e9",
    "newline": "key\nother",
    "nul": "key\x00",
    "two-keys": "a, b",
    "unterminated-quote": '"key',
}


@pytest.mark.parametrize("name", list(IDEMPOTENCY_KEYS))
def test_an_idempotency_key_that_is_not_one_key_is_400(
    api: Api, table: Table, make_event: EventFactory, name: str
) -> None:
    # GIVEN a valid order posted with an Idempotency-Key that is not one key
    event = make_event("POST", "/items", json.dumps(ORDER))
    # WHEN it is sent
    reply = api.send(set_header(event, "Idempotency-Key", IDEMPOTENCY_KEYS[name]))
    # THEN 400, nothing written
    assert reply == BAD_IDEMPOTENCY_KEY
    assert table.items() == {}
    assert api.cpu_ms < CPU_BUDGET_MS
