"""Invalid UTF-8 at every place a body can hold it (a key, a string, an escape, after a number,
the first byte, the last byte) and of every kind (truncated and overlong sequences, encoded
surrogates, code points past U+10FFFF, bytes UTF-8 never uses, stray continuation bytes): 400
naming the line and column of the first bad byte, nothing written.

A body reaches the function base64-encoded when it is not text (API Gateway's binary media), or
as text; text from a JSON event cannot hold bytes, so there each bad byte is a lone surrogate
(a `\\udcXX` escape in the event), which the function must refuse alike."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.support import (
    JSON,
    NDJSON,
    ORIGINAL,
    EventFactory,
    as_item,
    error,
    failure,
    malformed,
    order,
    written,
)

from .support import CPU_BUDGET_MS, http_event, rest_event

if TYPE_CHECKING:
    from tests.conftest import Table

    from .conftest import Api

# Each body, and the line and column of its first byte that is not UTF-8
BAD_BODIES: dict[str, tuple[bytes, int, int]] = {
    "in-a-key": (b'{"ca\xfe": 1}', 1, 5),
    "in-a-string": (b'{"a": "caf\xe9"}', 1, 11),
    "in-an-escape": (b'{"a": "\\u00\xe9"}', 1, 12),
    "after-a-number": (b'{"a": 1\xff}', 1, 8),
    "in-whitespace": (b'{"a":\xa0 1}', 1, 6),
    "first-byte": (b'\xff{"a": 1}', 1, 1),
    "last-byte": (b'{"a": 1}\xff', 1, 9),
    "on-a-later-line": (b'{\n  "a": 1,\n  "b": "\xc3"\n}', 3, 9),
    "truncated-two-bytes": (b'{"a": "\xc3"}', 1, 8),
    "truncated-three-bytes": (b'{"a": "\xe2\x82"}', 1, 8),
    "truncated-four-bytes": (b'{"a": "\xf0\x9f\x98"}', 1, 8),
    "truncated-at-the-end": (b'{"a": "x"}\xe2\x82', 1, 11),
    "overlong-solidus": (b'{"a": "\xc0\xaf"}', 1, 8),
    "overlong-nul": (b'{"a": "\xe0\x80\x80"}', 1, 8),
    "overlong-four-bytes": (b'{"a": "\xf0\x80\x80\xaf"}', 1, 8),
    "encoded-high-surrogate": (b'{"a": "\xed\xa0\x80"}', 1, 8),
    "encoded-low-surrogate": (b'{"a": "\xed\xbf\xbf"}', 1, 8),
    "encoded-surrogate-pair": (b'{"a": "\xed\xa0\xbd\xed\xb8\x80"}', 1, 8),
    "above-u10ffff": (b'{"a": "\xf4\x90\x80\x80"}', 1, 8),
    "lead-byte-f5": (b'{"a": "\xf5\x80\x80\x80"}', 1, 8),
    "byte-fe": (b'{"a": "\xfe"}', 1, 8),
    "stray-continuation": (b'{"a": "\x80"}', 1, 8),
    "continuation-after-ascii": (b'{"a": "ab\xbf"}', 1, 10),
}
BAD_IDS = list(BAD_BODIES)
# A body base64-encoded (HTTP API events), or as text (REST API events)
ENCODINGS = [(True, http_event), (False, rest_event)]
ENCODING_IDS = ["base64-http-api", "text-rest-api"]


def as_text(body: bytes) -> str:
    """The body as event text: each byte that is not UTF-8 a lone surrogate."""
    return body.decode("utf-8", "surrogateescape")


@pytest.mark.parametrize(("encoded", "make_event"), ENCODINGS, ids=ENCODING_IDS)
@pytest.mark.parametrize("name", BAD_IDS)
def test_invalid_utf8_in_a_record_is_400_at_its_first_byte(
    api: Api, seeded: Table, make_event: EventFactory, name: str, encoded: bool
) -> None:
    # GIVEN a record with a byte sequence that is not UTF-8
    body, line, column = BAD_BODIES[name]
    # WHEN it is put
    reply = api.send(make_event("PUT", "/items/kept", body if encoded else as_text(body)))
    # THEN 400 names where, nothing is written
    assert reply == malformed(column, "Invalid UTF-8", line=line)
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize(("encoded", "make_event"), ENCODINGS, ids=ENCODING_IDS)
@pytest.mark.parametrize("name", BAD_IDS)
def test_invalid_utf8_in_a_json_array_batch_rejects_the_body(
    api: Api, table: Table, make_event: EventFactory, name: str, encoded: bool
) -> None:
    # GIVEN a JSON array batch: a valid-looking record, then the one with bad bytes
    body, line, column = BAD_BODIES[name]
    batch = b'[{"id": "x"},' + body + b"]"
    # WHEN it is posted
    reply = api.send(make_event("POST", "/items/batch", batch if encoded else as_text(batch), JSON))
    # THEN bytes that are not UTF-8 make the whole body malformed: 400, nothing written
    assert reply == malformed(column + (13 if line == 1 else 0), "Invalid UTF-8", line=line)
    assert table.items() == {}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize(("encoded", "make_event"), ENCODINGS, ids=ENCODING_IDS)
@pytest.mark.parametrize("name", BAD_IDS)
def test_invalid_utf8_in_an_ndjson_line_fails_that_record(
    api: Api, table: Table, make_event: EventFactory, name: str, encoded: bool
) -> None:
    # GIVEN an NDJSON batch whose first line has bytes that are not UTF-8 (its own line breaks
    # taken out), then a valid order
    line = BAD_BODIES[name][0].replace(b"\n", b" ")
    batch = line + b"\n" + json.dumps(order(id="ok")).encode() + b"\n"
    # WHEN it is posted
    reply = api.send(
        make_event("POST", "/items/batch", batch if encoded else as_text(batch), NDJSON)
    )
    # THEN that record fails alone (a syntax error, with its column), the valid one is written
    syntax = error("", f"Invalid UTF-8 (column {line_column(line)})", "json_syntax")
    assert reply == written(1, failure(0, syntax, line=1))
    assert table.items() == {"ok": as_item(order(id="ok"))}
    assert api.cpu_ms < CPU_BUDGET_MS


def line_column(line: bytes) -> int:
    """The column of the first byte of `line` that is not UTF-8."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start + 1
    raise AssertionError("the line is UTF-8")
