"""`RecordCodec.decode_many`: many records in one body, a JSON array or NDJSON.

Whole-body failures raise: a body that is not bytes or str (TypeError), a body over
`max_batch_body_bytes` (`max_body_size`), more records than `max_batch_records` (`max_records`), and
for an array only, malformed JSON anywhere (`JSONDecodeError`, positioned like the stdlib's) or
well-formed JSON that is not an array (`ShapeError`). Everything else is about one record, which
fails alone: `items` holds every accepted record exactly as `decode(record)` gives it, in input
order, and `errors` one `{"index", "errors"}` entry (NDJSON: also `"line"`) per rejected record.

Each rule is pinned by an exact batch, for both formats and both body types. Hypothesis builds
mixed batches and checks them against a model made of `decode` alone (plus the batch's own rules:
repeated ids, NDJSON lines), forcing the serial and the parallel path. A 10,000-record batch of
~1 KB records, the limits at their exact boundaries, and a thread that keeps counting while a
multi-MB body is decoded (the GIL is released) complete the suite.
"""

from __future__ import annotations

import gc
import itertools
import json
import random
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import rust_core

from .support import (
    Num,
    check_decode_error,
    compact,
    generated_key,
    key_millis,
    now_millis,
    raised,
    stdlib_error,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
MIB = 1_048_576
DEFAULT_BATCH_BYTES = 6_291_456
DEFAULT_BATCH_RECORDS = 10_000
PARALLEL_MODES = [False, True, None]
FORMATS = ["array", "ndjson"]
SECRET = "zqsecret"

Pairs = list[tuple[str, str]]


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def check_limit(exc: BaseException, keyword: str) -> None:
    """`exc` is a whole-body LimitError: exactly one error, (path "", keyword) and a message."""
    assert type(exc) is rust_core.LimitError, repr(exc)
    assert isinstance(exc, rust_core.CodecError)
    assert len(exc.errors) == 1, exc.errors
    message = exc.errors[0]["message"]
    assert exc.errors == [{"path": "", "message": message, "keyword": keyword}]
    assert isinstance(message, str)
    assert message
    assert exc.path == ""


def forms(body: str) -> list[str | bytes]:
    return [body, body.encode("utf-8", "surrogatepass")]


def as_array(texts: list[str]) -> str:
    return "[" + ",".join(texts) + "]"


def as_ndjson(texts: list[str]) -> str:
    return "\n".join(texts) + "\n"


def body_of(texts: list[str], fmt: str) -> str:
    return as_ndjson(texts) if fmt == "ndjson" else as_array(texts)


def decode_many(
    codec: rust_core.RecordCodec, body: str | bytes, *, ndjson: bool, parallel: bool | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """decode_many, with the result's shape checked: a tuple of two lists, entries in index
    order, each with exactly its keys, each error with a non-empty message."""
    result = codec.decode_many(body, ndjson=ndjson, parallel=parallel)
    assert type(result) is tuple, type(result)
    assert len(result) == 2
    items, errors = result
    assert type(items) is list
    assert type(errors) is list
    for item in items:
        assert type(item) is dict
    keys = {"index", "line", "errors"} if ndjson else {"index", "errors"}
    for entry in errors:
        assert set(entry) == keys, entry
        assert type(entry["index"]) is int
        assert entry["errors"], entry
        for error in entry["errors"]:
            assert set(error) == {"path", "message", "keyword"}, error
            assert type(error["path"]) is str
            assert type(error["keyword"]) is str
            assert type(error["message"]) is str
            assert error["message"]
    indexes = [entry["index"] for entry in errors]
    assert indexes == sorted(set(indexes)), indexes
    return items, errors


def summary(errors: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(index, [line,] [(path, keyword), ...]) per rejected record."""
    out: list[tuple[Any, ...]] = []
    for entry in errors:
        pairs = [(error["path"], error["keyword"]) for error in entry["errors"]]
        if "line" in entry:
            out.append((entry["index"], entry["line"], pairs))
        else:
            out.append((entry["index"], pairs))
    return out


GENERATED = "<generated>"


def strip_generated(items: list[dict[str, Any]], generated: list[bool]) -> list[dict[str, Any]]:
    """The items with each generated key checked (a UUIDv7, first) and replaced by a marker.

    Generated keys strictly increase in input order within one call.
    """
    assert len(items) == len(generated)
    out = []
    keys = []
    for item, is_generated in zip(items, generated, strict=False):
        if is_generated:
            keys.append(generated_key(item))
            item = {**item, "id": {"S": GENERATED}}
        out.append(item)
    disorder = [i for i, (a, b) in enumerate(itertools.pairwise(keys)) if a >= b]
    assert not disorder, f"generated keys out of input order after {disorder[:5]} of {len(keys)}"
    return out


def error_pairs(exc: BaseException) -> Pairs:
    assert isinstance(exc, (rust_core.ValidationError, rust_core.LimitError)), repr(exc)
    return [(error["path"], error["keyword"]) for error in exc.errors]


# --------------------------------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------------------------------


def test_options_are_keyword_only() -> None:
    codec = rust_core.RecordCodec()
    assert type(raised(codec.decode_many, b"[]", True)) is TypeError
    assert type(raised(codec.decode_many, b"[]", False, True)) is TypeError
    assert codec.decode_many(b"[]") == ([], [])
    assert codec.decode_many(b"[]", ndjson=False, parallel=None) == ([], [])


def test_batch_options_are_keyword_only() -> None:
    positional = (None, "id", MIB, 409_600, True, 10, 1)
    assert type(raised(rust_core.RecordCodec, *positional)) is TypeError
    codec = rust_core.RecordCodec(None, max_batch_body_bytes=10, max_batch_records=1)
    items, errors = decode_many(codec, "[{}]", ndjson=False)
    assert (len(items), errors) == (1, [])
    check_limit(raised(codec.decode_many, "[{},{}]"), "max_records")
    check_limit(raised(codec.decode_many, "[" + " " * 9 + "]"), "max_body_size")


@pytest.mark.parametrize(
    "body",
    [None, 1, 1.5, [{}], {"a": 1}, bytearray(b"[]"), memoryview(b"[]"), ["[]"]],
    ids=repr,
)
@pytest.mark.parametrize("ndjson", [False, True])
def test_other_body_types_raise_type_error(body: Any, ndjson: bool) -> None:
    # The type is checked before anything else, even a size limit the body could not meet.
    codec = rust_core.RecordCodec(max_batch_body_bytes=1, max_batch_records=0)
    for parallel in PARALLEL_MODES:
        exc = raised(codec.decode_many, body, ndjson=ndjson, parallel=parallel)
        assert type(exc) is TypeError, repr(exc)


@pytest.mark.parametrize("body", ["[]", " [ ] ", "\n[\r\n\t]\n", "[\n]"], ids=repr)
def test_empty_array(body: str) -> None:
    codec = rust_core.RecordCodec({"required": ["n"]})
    for form in forms(body):
        for parallel in PARALLEL_MODES:
            assert decode_many(codec, form, ndjson=False, parallel=parallel) == ([], [])


@pytest.mark.parametrize(
    "body", ["", "\n", "\r\n", "  \n\t\r\n\r\n", " ", "\t", "\n\n\n"], ids=repr
)
def test_empty_ndjson(body: str) -> None:
    codec = rust_core.RecordCodec({"required": ["n"]}, max_batch_records=0)
    for form in forms(body):
        for parallel in PARALLEL_MODES:
            assert decode_many(codec, form, ndjson=True, parallel=parallel) == ([], [])


# --------------------------------------------------------------------------------------------------
# Whole-body errors: an array's syntax and shape
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["{}", '{"a":1}', ' {"id":"a"} ', "1", '"x"', "null", "true", "false", "-0.5", '"[]"'],
    ids=repr,
)
def test_array_body_of_another_json_type_raises_shape_error(body: str) -> None:
    codec = rust_core.RecordCodec()
    for form in forms(body):
        for parallel in PARALLEL_MODES:
            exc = raised(codec.decode_many, form, parallel=parallel)
            assert type(exc) is rust_core.ShapeError, repr(exc)
            assert isinstance(exc, rust_core.CodecError)
            assert isinstance(exc, ValueError)


TOO_DEEP = "[" * 40 + "]" * 40

ARRAY_SYNTAX_ERRORS = [
    "",
    "   ",
    "\n\n",
    "[",
    "]",
    "[{}",
    "[{},",
    "[{},]",
    "[,{}]",
    "[{}{}]",
    "[{}] x",
    "[{}] []",
    "[{}]]",
    '[{"a":1}',
    '[{"a":1,}]',
    '[{"a" 1}]',
    "[{'a':1}]",
    '[{"a":1},\n {"b":}]',
    '[\n  {"a": 1},\n  {"b": tru}\n]',
    '[{"\u00e9\U0001f600":1},{"b":2]',
    '[{"a":"x\ny"}]',
    '[{"a":01}]',
    '[{"a":1.}]',
    '[{"a":"\\x"}]',
    # Syntax wins over the shape...
    "{",
    '{"a":1,}',
    "{} x",
    '"x',
    # ... and over every record's own faults, wherever the syntax error is.
    '[{"a":1,"a":2},{"n":1E+999},"x",{"id":5},{"":1},{"s":"\\ud800"},{"b":',
    '[{"a":' + TOO_DEEP + "},{]",
    '[{"n":1.00000000000000000000000000000000000001}, {"x": [1, 2,]}]',
    '{"a":1}\n{"b":2}\n',  # NDJSON read as an array body
]


@pytest.mark.parametrize("body", ARRAY_SYNTAX_ERRORS, ids=repr)
def test_array_syntax_errors_are_positioned_like_the_stdlib(body: str) -> None:
    reference = stdlib_error(body)
    assert reference is not None
    codec = rust_core.RecordCodec({"properties": {"a": {"type": "string"}}})
    for form in forms(body):
        for parallel in PARALLEL_MODES:
            exc = raised(codec.decode_many, form, parallel=parallel)
            check_decode_error(exc, body, reference.pos)
            assert (exc.lineno, exc.colno) == (reference.lineno, reference.colno)


@pytest.mark.parametrize(
    ("body", "pos"),
    [
        ('[{"a":NaN}]', 6),
        ('[{"a":1},{"b":-Infinity}]', 14),
        ('[{"a":Infinity}]', 6),
        ("[NaN]", 1),
        (b'[{"a":"\xff"}]', 7),
        (b'[{"\xc3\xa9":"x"},{"b":"\xc3"}]', 17),
        (b"\xef\xbb\xbf[]", 0),
        (b'\xef\xbb\xbf[{"a":1}]', 0),
        ("\ufeff[]", 0),
        ('[{"a":1}]\ud800', None),
        ('[{"a":"\ud800"}]', None),
        ('[{"\udc00":1}]', None),
    ],
    ids=repr,
)
def test_array_malformed_beyond_the_stdlib(body: str | bytes, pos: int | None) -> None:
    # NaN and Infinity, invalid UTF-8, a byte order mark, and a str that is not Unicode text
    # (raw lone surrogates) are malformed for the whole body.
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    codec = rust_core.RecordCodec()
    for parallel in PARALLEL_MODES:
        check_decode_error(raised(codec.decode_many, body, parallel=parallel), text, pos)


# --------------------------------------------------------------------------------------------------
# Whole-body errors: size and record count
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_batch_body_size_boundary_in_bytes(fmt: str) -> None:
    codec = rust_core.RecordCodec(max_batch_body_bytes=100)
    record = '{"s":"' + "x" * 85 + '"}'
    body = body_of([record], fmt) + " " * (100 - len(body_of([record], fmt)))
    assert len(body) == 100
    for form in forms(body):
        items, errors = decode_many(codec, form, ndjson=fmt == "ndjson")
        assert errors == []
        assert strip_generated(items, [True]) == [{"id": {"S": GENERATED}, "s": {"S": "x" * 85}}]
    for form in forms(body + " "):
        for parallel in PARALLEL_MODES:
            exc = raised(codec.decode_many, form, ndjson=fmt == "ndjson", parallel=parallel)
            check_limit(exc, "max_body_size")


@pytest.mark.parametrize("fmt", FORMATS)
def test_batch_body_size_counts_utf8_bytes_of_a_str(fmt: str) -> None:
    record = '{"s":"\u00e9\u00e9\u00e9\U0001f600"}'  # 12 characters, 18 bytes
    body = body_of([record], fmt)
    size = len(body.encode())
    assert size == len(body) + 3 + 3
    items, errors = decode_many(
        rust_core.RecordCodec(max_batch_body_bytes=size), body, ndjson=fmt == "ndjson"
    )
    assert (len(items), errors) == (1, [])
    for cut in (1, 2, 3):
        codec = rust_core.RecordCodec(max_batch_body_bytes=size - cut)
        exc = raised(codec.decode_many, body, ndjson=fmt == "ndjson")
        check_limit(exc, "max_body_size")


@pytest.mark.parametrize(
    "body",
    [
        '[{"a":1},' + " " * 200,  # malformed
        '{"a":1}' + " " * 200,  # not an array
        "[" + ",".join(["{}"] * 80) + "]",  # too many records
        "[" + ",".join(['{"id":5}'] * 3) + "]" + " " * 200,  # bad records
    ],
    ids=["malformed", "not_an_array", "too_many_records", "bad_records"],
)
def test_body_size_is_checked_first(body: str) -> None:
    codec = rust_core.RecordCodec(max_batch_body_bytes=100, max_batch_records=5)
    assert len(body.encode()) > 100
    for form in forms(body):
        for ndjson in (False, True):
            for parallel in PARALLEL_MODES:
                exc = raised(codec.decode_many, form, ndjson=ndjson, parallel=parallel)
                check_limit(exc, "max_body_size")


@pytest.mark.parametrize("fmt", FORMATS)
def test_default_batch_body_limit_is_6_mib(fmt: str) -> None:
    codec = rust_core.RecordCodec()
    head = body_of(['{"a":1}', '{"b":2}'], fmt)
    body = head + " " * (DEFAULT_BATCH_BYTES - len(head))
    assert len(body) == DEFAULT_BATCH_BYTES
    for parallel in PARALLEL_MODES:
        items, errors = decode_many(codec, body, ndjson=fmt == "ndjson", parallel=parallel)
        assert strip_generated(items, [True, True]) == [
            {"id": {"S": GENERATED}, "a": {"N": "1"}},
            {"id": {"S": GENERATED}, "b": {"N": "2"}},
        ]
        assert errors == []
        exc = raised(codec.decode_many, body + "\n", ndjson=fmt == "ndjson", parallel=parallel)
        check_limit(exc, "max_body_size")


@pytest.mark.parametrize("fmt", FORMATS)
def test_record_count_boundary(fmt: str) -> None:
    codec = rust_core.RecordCodec({"required": ["n"]}, max_batch_records=3)
    # Records count whether they are accepted or not.
    three = ['{"n":1}', '{"x":1}', "7"]
    for form in forms(body_of(three, fmt)):
        for parallel in PARALLEL_MODES:
            items, errors = decode_many(codec, form, ndjson=fmt == "ndjson", parallel=parallel)
            assert len(items) == 1
            assert [entry["index"] for entry in errors] == [1, 2]
    for four in (['{"n":1}'] * 4, [*three, '{"n":2}'], ["1", "2", "3", "4"]):
        for form in forms(body_of(four, fmt)):
            for parallel in PARALLEL_MODES:
                exc = raised(codec.decode_many, form, ndjson=fmt == "ndjson", parallel=parallel)
                check_limit(exc, "max_records")


def test_ndjson_record_count_skips_blank_lines_and_counts_bad_lines() -> None:
    codec = rust_core.RecordCodec(max_batch_records=3)
    body = '\n  \n{"a":1}\r\n\t\n\r\n{"a":\n \r\n"x"\n\n\n'
    items, errors = decode_many(codec, body, ndjson=True)
    assert len(items) == 1
    assert summary(errors) == [(1, 6, [("", "json_syntax")]), (2, 8, [("", "type")])]
    check_limit(raised(codec.decode_many, body + "{}", ndjson=True), "max_records")
    check_limit(raised(codec.decode_many, body + "nul\n", ndjson=True), "max_records")


@pytest.mark.parametrize("fmt", FORMATS)
def test_default_record_limit_is_10000(fmt: str) -> None:
    codec = rust_core.RecordCodec()
    body = body_of(["{}"] * DEFAULT_BATCH_RECORDS, fmt)
    for parallel in PARALLEL_MODES:
        items, errors = decode_many(codec, body, ndjson=fmt == "ndjson", parallel=parallel)
        assert errors == []
        assert len(items) == DEFAULT_BATCH_RECORDS
        strip_generated(items, [True] * DEFAULT_BATCH_RECORDS)
        over = body_of(["{}"] * (DEFAULT_BATCH_RECORDS + 1), fmt)
        exc = raised(codec.decode_many, over, ndjson=fmt == "ndjson", parallel=parallel)
        check_limit(exc, "max_records")


def test_syntax_wins_over_the_record_count() -> None:
    # An array is read whole before it is counted.
    codec = rust_core.RecordCodec(max_batch_records=2)
    body = "[{},{},{},{}"
    check_decode_error(raised(codec.decode_many, body), body, len(body))


# --------------------------------------------------------------------------------------------------
# Records that fail alone
# --------------------------------------------------------------------------------------------------

LONG_KEY = json.dumps("x" * 2049)

RECORD_FAULTS: list[tuple[str, Pairs]] = [
    # not an object
    ("1", [("", "type")]),
    ("-0.5", [("", "type")]),
    ('"x"', [("", "type")]),
    ('"{}"', [("", "type")]),
    ("null", [("", "type")]),
    ("true", [("", "type")]),
    ("false", [("", "type")]),
    ("[]", [("", "type")]),
    ('[{"a":1}]', [("", "type")]),
    # text DynamoDB cannot hold
    ('{"a":1,"a":2}', [("/a", "duplicate_key")]),
    ('{"a":1,"b":2,"a":1}', [("/a", "duplicate_key")]),
    ('{"m":{"k":1,"k":1}}', [("/m/k", "duplicate_key")]),
    ('{"l":[{"a/b":1,"a\\/b":2}]}', [("/l/0/a~1b", "duplicate_key")]),
    ('{"s":"\\ud800"}', [("/s", "lone_surrogate")]),
    ('{"s":"x\\udc00y"}', [("/s", "lone_surrogate")]),
    ('{"l":[1,"\\udfff"]}', [("/l/1", "lone_surrogate")]),
    ('{"s":"\\udc00\\ud800"}', [("/s", "lone_surrogate")]),
    # limits
    ('{"a":' + "[" * 32 + "]" * 32 + "}", [("/a" + "/0" * 31, "max_depth")]),
    ('{"a":' * 33 + "1" + "}" * 33, [("/a" * 32, "max_depth")]),
    ('{"n":1.00000000000000000000000000000000000001}', [("/n", "number_precision")]),
    ('{"n":1E+126}', [("/n", "number_range")]),
    ('{"a":[1,-1E-131]}', [("/a/1", "number_range")]),
    ('{"a/b":{"~":1E+999}}', [("/a~1b/~0", "number_range")]),
    ('{"":1}', [("/", "empty_attribute_name")]),
    ('{"m":{"":1}}', [("/m/", "empty_attribute_name")]),
    # the key
    ('{"id":5}', [("/id", "key_type")]),
    ('{"a":1,"id":null}', [("/id", "key_type")]),
    ('{"id":true}', [("/id", "key_type")]),
    ('{"id":["x"]}', [("/id", "key_type")]),
    ('{"id":{"S":"x"}}', [("/id", "key_type")]),
    ('{"id":""}', [("/id", "key_empty")]),
    ('{"id":' + LONG_KEY + "}", [("/id", "key_size")]),
    ('{"id":' + json.dumps("\u00e9" * 1025) + "}", [("/id", "key_size")]),
    # the item's size (the codec below allows 300 bytes)
    ('{"s":"' + "x" * 300 + '"}', [("", "max_item_size")]),
    ('{"id":"k","s":"' + "x" * 297 + '"}', [("", "max_item_size")]),  # 301 bytes
]

VALID_AROUND = ['{"id":"first","n":1}', '{"n":2,"s":"\u00e9"}']


def around(fmt: str, record: str) -> str:
    """The record between two valid ones; NDJSON with a blank line first and CRLF endings."""
    if fmt == "ndjson":
        return "\r\n" + VALID_AROUND[0] + "\r\n" + record + "\r\n" + VALID_AROUND[1]
    return "[" + VALID_AROUND[0] + ",\n" + record + ",\n" + VALID_AROUND[1] + "]"


def check_around(codec: rust_core.RecordCodec, fmt: str, record: str, expected: Pairs) -> None:
    neighbours = [codec.decode(VALID_AROUND[0]), codec.decode(VALID_AROUND[1])]
    for form in forms(around(fmt, record)):
        for parallel in PARALLEL_MODES:
            items, errors = decode_many(codec, form, ndjson=fmt == "ndjson", parallel=parallel)
            assert strip_generated(items, [False, True]) == strip_generated(
                neighbours, [False, True]
            )
            if fmt == "ndjson":
                assert summary(errors) == [(1, 3, expected)]
            else:
                assert summary(errors) == [(1, expected)]


@pytest.mark.parametrize(("record", "expected"), RECORD_FAULTS, ids=lambda v: repr(v)[:60])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_record_fails_alone(fmt: str, record: str, expected: Pairs) -> None:
    codec = rust_core.RecordCodec({"properties": {"n": {"type": "integer"}}}, max_item_bytes=300)
    check_around(codec, fmt, record, expected)


@pytest.mark.parametrize(
    "record",
    [
        record
        for record, expected in RECORD_FAULTS
        if expected[0][1] not in ("type", "duplicate_key", "lone_surrogate")
    ],
    ids=lambda v: repr(v)[:60],
)
def test_record_errors_are_those_decode_reports(record: str) -> None:
    # A limit that decode reports as a LimitError has the same details in a batch, messages too.
    codec = rust_core.RecordCodec({"properties": {"n": {"type": "integer"}}}, max_item_bytes=300)
    alone = raised(codec.decode, record)
    assert type(alone) is rust_core.LimitError, repr(alone)
    for fmt in FORMATS:
        _, errors = decode_many(codec, around(fmt, record), ndjson=fmt == "ndjson")
        assert [entry["errors"] for entry in errors] == [alone.errors]


NDJSON_SYNTAX_LINES = [
    '{"a":',
    '{"a":1,}',
    '{"a":1',
    "{",
    "}",
    "]",
    "nul",
    "{'a':1}",
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":1} {"b":2}',
    '{"a":1}{"b":2}',
    '{"a":1},',
    '[{"a":1},]',
    '{"a":1}\r{"b":2}',  # a lone CR is whitespace inside the line, not a line break
    '{"a":"x\ty"}',  # a raw tab inside a string
    "\x0c",  # form feed: not a blank line, not JSON
    "\x0b",
    "\u00a0",  # no-break space
    "\u2028",
    "\ufeff{}",  # a byte order mark on its own line
]


@pytest.mark.parametrize("line", NDJSON_SYNTAX_LINES, ids=repr)
def test_ndjson_line_that_is_not_json_fails_alone(line: str) -> None:
    codec = rust_core.RecordCodec(max_item_bytes=300)
    check_around(codec, "ndjson", line, [("", "json_syntax")])


@pytest.mark.parametrize(
    "line",
    [b'{"s":"\xff"}', b'{"s":"\xc3"}', b"\xef\xbb\xbf{}", b'{"\xed\xa0\x80":1}', b"\x80"],
    ids=repr,
)
def test_ndjson_line_of_invalid_utf8_fails_alone(line: bytes) -> None:
    codec = rust_core.RecordCodec()
    body = b'{"id":"a"}\n\n' + line + b'\n{"id":"b"}\n'
    for parallel in PARALLEL_MODES:
        items, errors = decode_many(codec, body, ndjson=True, parallel=parallel)
        assert items == [{"id": {"S": "a"}}, {"id": {"S": "b"}}]
        assert summary(errors) == [(1, 3, [("", "json_syntax")])]


def test_ndjson_str_with_a_raw_lone_surrogate_fails_that_line_alone() -> None:
    codec = rust_core.RecordCodec()
    body = '{"id":"a"}\n{"s":"\ud800"}\n{"id":"b"}'
    items, errors = decode_many(codec, body, ndjson=True)
    assert items == [{"id": {"S": "a"}}, {"id": {"S": "b"}}]
    assert summary(errors) == [(1, 2, [("", "json_syntax")])]


def test_ndjson_value_spread_over_lines_is_one_bad_record_per_line() -> None:
    codec = rust_core.RecordCodec()
    body = '{"id":"a"}\n{"b":\n1}\n{"id":"c"}\n'
    items, errors = decode_many(codec, body, ndjson=True)
    assert items == [{"id": {"S": "a"}}, {"id": {"S": "c"}}]
    assert summary(errors) == [(1, 2, [("", "json_syntax")]), (2, 3, [("", "json_syntax")])]


def test_ndjson_body_holding_an_array_is_one_record() -> None:
    codec = rust_core.RecordCodec()
    for parallel in PARALLEL_MODES:
        items, errors = decode_many(codec, '[{"a":1},{"b":2}]', ndjson=True, parallel=parallel)
        assert items == []
        assert summary(errors) == [(0, 1, [("", "type")])]


@pytest.mark.parametrize("fmt", FORMATS)
def test_nesting_counts_from_the_record(fmt: str) -> None:
    codec = rust_core.RecordCodec()
    # 32 containers counting the record: the limit, even inside the batch's array.
    arrays = '{"id":"a","l":' + "[" * 31 + "]" * 31 + "}"
    objects = '{"id":"b","a":' + '{"a":' * 30 + "{}" + "}" * 30 + "}"
    mixed = '{"id":"c","m":' + '[{"a":' * 15 + "[]" + "}]" * 15 + "}"
    too_deep = '{"id":"d","l":' + "[" * 32 + "]" * 32 + "}"
    body = body_of([arrays, objects, mixed, too_deep], fmt)
    for parallel in PARALLEL_MODES:
        items, errors = decode_many(codec, body, ndjson=fmt == "ndjson", parallel=parallel)
        assert items == [codec.decode(arrays), codec.decode(objects), codec.decode(mixed)]
        expected = [("/l" + "/0" * 31, "max_depth")]
        if fmt == "ndjson":
            assert summary(errors) == [(3, 4, expected)]
        else:
            assert summary(errors) == [(3, expected)]


def test_several_faults_in_one_record_are_each_reported() -> None:
    codec = rust_core.RecordCodec()
    record = '{"a":1E+999,"b":[1.00000000000000000000000000000000000001],"":1}'
    _, errors = decode_many(codec, as_array([record]), ndjson=False)
    assert summary(errors) == [
        (0, [("/a", "number_range"), ("/b/0", "number_precision"), ("/", "empty_attribute_name")])
    ]
    alone = raised(codec.decode, record)
    assert isinstance(alone, rust_core.LimitError), repr(alone)
    assert [entry["errors"] for entry in errors] == [alone.errors]


# --------------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------------

SCHEMA: dict[str, Any] = {
    "properties": {
        "n": {"type": "integer", "minimum": 0},
        "s": {"type": "string", "maxLength": 4},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "address": {
            "properties": {"zip/code": {"pattern": "^[0-9]{5}$"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "e": {"format": "email"},
    },
    "required": ["n"],
}

SCHEMA_FAULTS = [
    '{"s":"ab"}',
    '{"n":-1}',
    '{"n":1.5,"s":"toolong"}',
    '{"n":1,"tags":["x",1,"x"]}',
    '{"n":1,"address":{"zip/code":"1234","street~":"x"}}',
    '{"n":"1","e":"not an address","tags":"x"}',
    '{"id":"k","n":-5}',
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_schema_violations_are_those_decode_reports(fmt: str) -> None:
    codec = rust_core.RecordCodec(SCHEMA)
    valid = ['{"n":0}', '{"id":"v","n":3,"s":"abcd","e":"a@example.com"}']
    records = [valid[0], *SCHEMA_FAULTS, valid[1]]
    expected = []
    for index, record in enumerate(SCHEMA_FAULTS, start=1):
        exc = raised(codec.decode, record)
        assert type(exc) is rust_core.ValidationError, repr(exc)
        expected.append((index, exc.errors))
    body = body_of(records, fmt)
    for form in forms(body):
        for parallel in PARALLEL_MODES:
            items, errors = decode_many(codec, form, ndjson=fmt == "ndjson", parallel=parallel)
            assert strip_generated(items, [True, False]) == [
                {"id": {"S": GENERATED}, "n": {"N": "0"}},
                codec.decode(valid[1]),
            ]
            assert [(entry["index"], entry["errors"]) for entry in errors] == expected
            if fmt == "ndjson":
                assert [entry["line"] for entry in errors] == [i + 1 for i, _ in expected]


def test_schema_violation_paths_are_relative_to_the_record() -> None:
    codec = rust_core.RecordCodec(SCHEMA)
    body = '[{"n":1},{"n":2},{"n":1,"tags":[1]}]'
    _, errors = decode_many(codec, body, ndjson=False)
    assert summary(errors) == [(2, [("/tags/0", "type")])]


def test_formats_follow_the_codec_option() -> None:
    schema = {"properties": {"e": {"format": "email"}}}
    body = '[{"e":"zork"}]'
    _, errors = decode_many(rust_core.RecordCodec(schema), body, ndjson=False)
    assert summary(errors) == [(0, [("/e", "format")])]
    items, errors = decode_many(
        rust_core.RecordCodec(schema, validate_formats=False), body, ndjson=False
    )
    assert (len(items), errors) == (1, [])


def test_the_schema_sees_the_record_before_the_key_is_added() -> None:
    closed = rust_core.RecordCodec({"properties": {"a": {}}, "additionalProperties": False})
    items, errors = decode_many(closed, '[{"a":1},{"id":"k","a":1}]', ndjson=False)
    assert len(items) == 1
    assert summary(errors) == [(1, [("/id", "additional_properties")])]


# --------------------------------------------------------------------------------------------------
# Items: exactly decode's
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_items_are_what_decode_gives(fmt: str) -> None:
    codec = rust_core.RecordCodec(SCHEMA)
    records = [
        '{"n":1,"id":"k1","s":"x","tags":["a","b"]}',  # a key that is sent keeps its place
        '{"id":"k2","n":0,"tags":[]}',
        '{"n":12345678901234567890123456789012345678,"x":[1.50,-0,1E-130,"\\u00e9\\ud83d\\ude00"]}',
        '{"z":{"y":null,"x":true,"w":false},"n":7,"e":"a@b.example"}',
        '  {"n" : 3 , "\u00e9" : "\U0001f600"}  ',
    ]
    generated = [False, False, True, True, True]
    expected = strip_generated([codec.decode(record) for record in records], generated)
    for form in forms(body_of(records, fmt)):
        for parallel in PARALLEL_MODES:
            items, errors = decode_many(codec, form, ndjson=fmt == "ndjson", parallel=parallel)
            assert errors == []
            stripped = strip_generated(items, generated)
            assert stripped == expected
            assert [list(item) for item in stripped] == [list(item) for item in expected]


def test_key_name_follows_the_codec() -> None:
    codec = rust_core.RecordCodec(key="p/k")
    body = '[{"id":1},{"p/k":"a"},{"p/k":5},{"p/k":"a","id":2},{"id":1}]'
    for parallel in PARALLEL_MODES:
        items, errors = decode_many(codec, body, ndjson=False, parallel=parallel)
        assert len(items) == 3
        first, last = generated_key(items[0], "p/k"), generated_key(items[2], "p/k")
        assert first < last
        assert items == [
            {"p/k": {"S": first}, "id": {"N": "1"}},
            {"p/k": {"S": "a"}},
            {"p/k": {"S": last}, "id": {"N": "1"}},
        ]
        assert summary(errors) == [(2, [("/p~1k", "key_type")]), (3, [("/p~1k", "duplicate_id")])]


@pytest.mark.parametrize("parallel", PARALLEL_MODES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_generated_keys_are_uuid7_of_now_increasing_in_input_order(
    fmt: str, parallel: bool | None
) -> None:
    codec = rust_core.RecordCodec()
    count = 5_000
    records = [f'{{"i":{i}}}' if i % 7 else f'{{"id":"given-{i}","i":{i}}}' for i in range(count)]
    before = now_millis()
    items, errors = decode_many(
        codec, body_of(records, fmt), ndjson=fmt == "ndjson", parallel=parallel
    )
    after = now_millis()
    assert errors == []
    generated = [bool(i % 7) for i in range(count)]
    stripped = strip_generated(items, generated)
    assert [item["i"]["N"] for item in stripped] == [str(i) for i in range(count)]
    keys = [item["id"]["S"] for item, g in zip(items, generated, strict=False) if g]
    assert before <= key_millis(keys[0]) <= key_millis(keys[-1]) <= after
    assert len(set(keys)) == len(keys)


# --------------------------------------------------------------------------------------------------
# Repeated ids
# --------------------------------------------------------------------------------------------------


def check_batch(
    codec: rust_core.RecordCodec, records: list[str], accepted: list[int], rejected: list[Any]
) -> None:
    """Both formats, both body types, every mode: the accepted records (by position) are
    decode's items, and the rejected ones are (index, pairs)."""
    expected_items = [codec.decode(records[i]) for i in accepted]
    generated = ['"id"' not in records[i] for i in accepted]
    expected_items = strip_generated(expected_items, generated)
    for fmt in FORMATS:
        for form in forms(body_of(records, fmt)):
            for parallel in PARALLEL_MODES:
                ndjson = fmt == "ndjson"
                items, errors = decode_many(codec, form, ndjson=ndjson, parallel=parallel)
                assert strip_generated(items, generated) == expected_items
                if ndjson:
                    assert summary(errors) == [(i, i + 1, pairs) for i, pairs in rejected]
                else:
                    assert summary(errors) == rejected


DUPLICATE = [("/id", "duplicate_id")]


def test_first_record_with_an_id_wins() -> None:
    records = ['{"id":"a","n":1}', '{"id":"a","n":2}', '{"id":"b"}', '{"id":"a"}', '{"id":"b"}']
    check_batch(
        rust_core.RecordCodec(), records, [0, 2], [(1, DUPLICATE), (3, DUPLICATE), (4, DUPLICATE)]
    )


def test_ids_are_compared_as_decoded_strings() -> None:
    records = [
        '{"id":"a"}',
        '{"id":"\\u0061"}',  # the same string, escaped
        '{"id":"A"}',
        '{"id":"a "}',
        '{"id":"\u00e9"}',
        '{"id":"e\u0301"}',  # another normalisation form: another string
        '{"id":"\\u00e9"}',
        '{"id":"\\ud83d\\ude00"}',
        '{"id":"\U0001f600"}',
    ]
    check_batch(
        rust_core.RecordCodec(),
        records,
        [0, 2, 3, 4, 5, 7],
        [(1, DUPLICATE), (6, DUPLICATE), (8, DUPLICATE)],
    )


def test_a_rejected_record_does_not_claim_its_id() -> None:
    codec = rust_core.RecordCodec(
        {"properties": {"n": {"type": "integer", "minimum": 0}}}, max_item_bytes=200
    )
    records = [
        '{"id":"a","n":-1}',  # the schema
        '{"id":"a","x":1,"x":2}',  # a repeated key
        '{"id":"a","s":"\\ud800"}',  # a lone surrogate
        '{"id":"a","n":1E+999}',  # a number limit
        '{"id":"a","p":"' + "x" * 200 + '"}',  # the item's size
        '{"id":"a","n":1}',  # the first valid record: it wins
        '{"id":"a","n":2}',
    ]
    check_batch(
        codec,
        records,
        [5],
        [
            (0, [("/n", "minimum")]),
            (1, [("/x", "duplicate_key")]),
            (2, [("/s", "lone_surrogate")]),
            (3, [("/n", "number_range")]),
            (4, [("", "max_item_size")]),
            (6, DUPLICATE),
        ],
    )


def test_a_record_with_its_own_faults_reports_them_not_its_id() -> None:
    # duplicate_id is about records that are otherwise valid: a later record that breaks its own
    # rules is reported with those.
    codec = rust_core.RecordCodec({"properties": {"n": {"type": "integer"}}})
    records = ['{"id":"a"}', '{"id":"a","n":"x"}', '{"id":"a","":1}', '{"id":"a"}']
    check_batch(
        codec,
        records,
        [0],
        [(1, [("/n", "type")]), (2, [("/", "empty_attribute_name")]), (3, DUPLICATE)],
    )


def test_ids_that_break_the_key_rules_are_never_duplicates() -> None:
    records = ['{"id":5}', '{"id":5}', '{"id":""}', '{"id":""}', '{"n":5}', '{"id":"5"}']
    check_batch(
        rust_core.RecordCodec(),
        records,
        [4, 5],
        [
            (0, [("/id", "key_type")]),
            (1, [("/id", "key_type")]),
            (2, [("/id", "key_empty")]),
            (3, [("/id", "key_empty")]),
        ],
    )


def test_ids_do_not_outlive_a_call() -> None:
    codec = rust_core.RecordCodec()
    for _ in range(3):
        for ndjson in (False, True):
            body = '{"id":"a"}' if ndjson else '[{"id":"a"}]'
            assert decode_many(codec, body, ndjson=ndjson) == ([{"id": {"S": "a"}}], [])


# --------------------------------------------------------------------------------------------------
# NDJSON layout
# --------------------------------------------------------------------------------------------------


# "@A" and "@B" stand for two records; A holds characters other tools take for line breaks.
RECORD_A = '{"id":"a","s":"\u2028\u2029\x85\\n\\r\\u2028"}'
RECORD_B = '{ "id" : "b" }'
BAD = '{"id":"x","x":1,"x":2}'

NDJSON_LAYOUTS = [
    ("@A", [1]),
    ("@A\n", [1]),
    ("@A\r\n", [1]),
    ("@A\n\n", [1]),
    ("@A\n@B", [1, 2]),
    ("@A\r\n@B\r\n", [1, 2]),
    ("@A\n@B\r\n", [1, 2]),
    ("\n\n@A\n\n\n@B\n\n", [3, 6]),
    (" \t\r\n\r\n \r \n@A\r\n\t\n@B", [4, 6]),
    ("  @A  \t\r\n\t@B\r", [1, 2]),
    ("\r\n@A\r\n\r\n@B\r\n\r\n", [2, 4]),
]


@pytest.mark.parametrize(("layout", "lines"), NDJSON_LAYOUTS, ids=repr)
def test_ndjson_lines(layout: str, lines: list[int]) -> None:
    codec = rust_core.RecordCodec()
    good = layout.replace("@A", RECORD_A).replace("@B", RECORD_B)
    expected = [codec.decode(RECORD_A), codec.decode(RECORD_B)][: len(lines)]
    for form in forms(good):
        for parallel in PARALLEL_MODES:
            assert decode_many(codec, form, ndjson=True, parallel=parallel) == (expected, [])
    # Each record made bad in turn gives its index and line back.
    for which, line in enumerate(lines):
        bad = layout.replace(("@A", "@B")[which], BAD)
        bad = bad.replace("@A", RECORD_A).replace("@B", RECORD_B)
        for form in forms(bad):
            for parallel in PARALLEL_MODES:
                items, errors = decode_many(codec, form, ndjson=True, parallel=parallel)
                assert items == expected[:which] + expected[which + 1 :]
                assert summary(errors) == [(which, line, [("/x", "duplicate_key")])]


# --------------------------------------------------------------------------------------------------
# Messages never contain the body's values
# --------------------------------------------------------------------------------------------------

SECRET_DIGITS = "98765432109876543210987654321098765432109"

LEAKY_RECORDS = [
    '{"zqsecretkey":"zqsecretvalue","zqsecretkey":1}',
    '{"zqsecretkey":"zqsecret\\ud800"}',
    '{"zqsecretkey":' + SECRET_DIGITS + "}",
    '{"zqsecretkey":7.77777e+777}',
    '{"zqsecretkey":' + "[" * 40 + '"zqsecret"' + "]" * 40 + "}",
    '{"zqsecretkey":{"":"zqsecret"}}',
    '{"id":' + SECRET_DIGITS[:20] + "}",
    '{"id":"' + SECRET * 300 + '"}',
    '{"id":"zqsecretid"}',
    '{"id":"zqsecretid"}',  # a repeated id: the first one is the only record accepted
    '{"n":' + SECRET_DIGITS[:14] + "}",
    '{"s":"' + SECRET * 60 + '"}',
    '{"zqsecretkey":"zqsecretvalue","n":"zqsecretvalue","e":"zqsecret","l":["zqsecret","zqsecret"]}',
    '"zqsecretvalue"',
    '["zqsecretvalue"]',
]
LEAKY_LINES = [
    '{"zqsecretkey":"zqsecretvalue" x}',
    '{"zqsecretkey":zqsecretliteral}',
    '{"k":"zqsecret\x01"}',
    '{"k":"\\qzqsecret"}',
    '{"k":"zqsecret\\u12zz"}',
    '{"k":NaNzqsecret}',
    '{"k":"zqsecret"',
    "zqsecret",
]


def leak_texts(errors: list[dict[str, Any]]) -> Iterator[str]:
    # Paths name the record's keys, as JSON Pointers must; messages name nothing from the body.
    for entry in errors:
        for error in entry["errors"]:
            yield error["message"]


def check_no_leak(texts: Any) -> None:
    for text in texts:
        assert SECRET not in text, text
        assert "77777" not in text, text
        assert "987654321" not in text, text


@pytest.mark.parametrize("fmt", FORMATS)
def test_record_messages_never_contain_body_values(fmt: str) -> None:
    schema = {
        "properties": {
            "id": {},
            "s": {},
            "n": {"type": "integer", "maximum": 1},
            "e": {"format": "email", "maxLength": 1},
            "l": {"uniqueItems": True, "contains": {"type": "null"}},
        },
        "additionalProperties": {"maxLength": 1},
        "propertyNames": {"maxLength": 5},
    }
    codec = rust_core.RecordCodec(schema, max_item_bytes=400)
    records = LEAKY_RECORDS + (LEAKY_LINES if fmt == "ndjson" else [])
    _, errors = decode_many(codec, body_of(records, fmt), ndjson=fmt == "ndjson")
    assert [entry["index"] for entry in errors] == [i for i in range(len(records)) if i != 8]
    keywords = {error["keyword"] for entry in errors for error in entry["errors"]}
    assert {"duplicate_key", "lone_surrogate", "number_precision", "number_range"} <= keywords
    assert {"max_depth", "empty_attribute_name", "key_type", "key_size"} <= keywords
    assert {"duplicate_id", "max_item_size", "type"} <= keywords
    assert {"maximum", "format", "unique_items", "property_names"} <= keywords
    if fmt == "ndjson":
        assert "json_syntax" in keywords
    check_no_leak(leak_texts(errors))


@pytest.mark.parametrize(
    "body",
    [
        '[{"zqsecretkey":"zqsecretvalue" x}]',
        '[{"k":"zqsecret"',
        '[{"k":NaNzqsecret}]',
        '{"zqsecretkey":"zqsecretvalue"}',
        '"zqsecretvalue"',
        "[" + ",".join(['{"k":"zqsecret"}'] * 3) + "]",
        "[" + ",".join(['{"k":"zqsecret"}'] * 30) + "]",
    ],
    ids=lambda v: v[:40],
)
def test_whole_body_messages_never_contain_body_values(body: str) -> None:
    codec = rust_core.RecordCodec(max_batch_records=2, max_batch_body_bytes=300)
    exc = raised(codec.decode_many, body)
    assert isinstance(exc, rust_core.CodecError), repr(exc)
    texts = [str(exc), repr(exc.args)]
    if isinstance(exc, json.JSONDecodeError):
        texts.append(exc.msg)
    if isinstance(exc, rust_core.LimitError):
        texts.extend(error["message"] for error in exc.errors)
    check_no_leak(texts)


# --------------------------------------------------------------------------------------------------
# Generated batches: the model is decode alone, record by record
# --------------------------------------------------------------------------------------------------

IDS = ["a", "b", "\u00e9", "a/b", "A", "\U0001f600"]


def nested_lists(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels - 1):
        value = [value]
    return value


DEEP_LIST = nested_lists(32)  # 33 containers with the record
MAX_ITEM = 256


@dataclass(frozen=True)
class Spec:
    """One record of a generated batch.

    `own` is the record's expected errors where decode alone cannot say (a repeated key and a lone
    surrogate are malformed JSON for one record; a line that is not JSON); None lets decode decide.
    `given_id` is the id the record sends, when it is a string.
    """

    kind: str
    text: str
    own: tuple[tuple[str, str], ...] | None = None
    given_id: str | None = None


@st.composite
def specs(draw: st.DrawFn, with_schema: bool, ndjson: bool) -> Spec:
    kinds = ["valid"] * 4 + ["limit", "key", "big", "duplicate_key", "surrogate", "not_object"]
    if with_schema:
        kinds += ["schema", "schema"]
    if ndjson:
        kinds.append("syntax")
    kind = draw(st.sampled_from(kinds), label="kind")
    record: dict[str, Any] = {"n": Num(str(draw(st.integers(0, 99))))}
    if draw(st.booleans()):
        record["s"] = draw(st.sampled_from(["", "ab", "\u00e9\U0001f600", "a\nb", '"/\\']))
    given_id = draw(st.one_of(st.none(), st.sampled_from(IDS)), label="id")
    if given_id is not None:
        if draw(st.booleans()):
            record = {"id": given_id, **record}
        else:
            record["id"] = given_id
    if kind == "valid":
        return Spec(kind, compact(record), None, given_id)
    if kind == "schema":
        fault = draw(st.sampled_from(["minimum", "max_length", "required", "type"]))
        if fault == "minimum":
            record["n"] = Num("-1")
        elif fault == "max_length":
            record["s"] = "toolong"
        elif fault == "required":
            del record["n"]
        else:
            record["n"] = "1"
        return Spec(kind, compact(record), None, given_id)
    if kind == "limit":
        record["x"] = draw(
            st.sampled_from(
                [
                    Num("1E+999"),
                    Num("-1E-131"),
                    Num("1." + "0" * 40 + "1"),
                    {"": Num("1")},
                    DEEP_LIST,
                ]
            )
        )
        return Spec(kind, compact(record), None, given_id)
    if kind == "key":
        record["id"] = draw(st.sampled_from([Num("5"), "", None, True, ["a"], "x" * 2049]))
        return Spec(kind, compact(record), None, None)
    if kind == "big":
        record["pad"] = "x" * MAX_ITEM
        return Spec(kind, compact(record), None, given_id)
    if kind == "duplicate_key":
        text = compact(record)[:-1] + ',"n":1}'
        return Spec(kind, text, (("/n", "duplicate_key"),), given_id)
    if kind == "surrogate":
        escape = draw(st.sampled_from(["\\ud800", "\\udbff", "\\udc00", "x\\udfffx"]))
        text = compact(record)[:-1] + ',"t":"' + escape + '"}'
        return Spec(kind, text, (("/t", "lone_surrogate"),), given_id)
    if kind == "not_object":
        text = draw(st.sampled_from(["1", '"x"', "null", "[]", "[" + compact(record) + "]"]))
        return Spec(kind, text, None, None)
    text = draw(st.sampled_from(['{"n":', '{"n":1,}', '{"n":NaN}', '{"n":1} 1', "nul", "}"]))
    return Spec(kind, text, (("", "json_syntax"),), None)


@st.composite
def ndjson_layouts(draw: st.DrawFn, texts: list[str]) -> tuple[str, list[int]]:
    """An NDJSON body: blank lines anywhere, LF or CRLF endings, the last one optional, spaces
    around records. Returns the body and each record's line number."""
    blank = st.sampled_from(["", " ", "\t", "\r", " \t\r "])
    lines: list[str] = []
    numbers = []
    for text in texts:
        lines.extend(draw(st.lists(blank, max_size=2)))
        pad = draw(st.sampled_from(["", " ", "\t"]))
        lines.append(pad + text + draw(st.sampled_from(["", " ", "\t"])))
        numbers.append(len(lines))
    lines.extend(draw(st.lists(blank, max_size=2)))
    body = ""
    for index, line in enumerate(lines):
        end = draw(st.sampled_from(["\n", "\r\n"]))
        if index == len(lines) - 1 and draw(st.booleans()):
            end = ""
        body += line + end
    return body, numbers


@st.composite
def array_layouts(draw: st.DrawFn, texts: list[str]) -> str:
    separators = st.sampled_from([",", ", ", ",\n", " ,\r\n\t", "\n,"])
    body = draw(st.sampled_from(["[", " [", "\n[\n"]))
    for index, text in enumerate(texts):
        if index:
            body += draw(separators)
        body += text
    return body + draw(st.sampled_from(["]", " ]\n", "\n]"]))


@dataclass
class Expected:
    items: list[dict[str, Any]]
    generated: list[bool]
    rejected: list[tuple[int, Pairs]]


def model(codec: rust_core.RecordCodec, records: list[Spec]) -> Expected:
    """What decode_many must give: each record decoded alone; the first accepted record with an id
    wins it, later ones that are otherwise valid are duplicate_id."""
    expected = Expected([], [], [])
    seen: set[str] = set()
    for index, spec in enumerate(records):
        if spec.own is not None:
            expected.rejected.append((index, list(spec.own)))
            continue
        try:
            item = codec.decode(spec.text)
        except rust_core.ShapeError:
            expected.rejected.append((index, [("", "type")]))
            continue
        except (rust_core.ValidationError, rust_core.LimitError) as exc:
            expected.rejected.append((index, error_pairs(exc)))
            continue
        if spec.given_id is not None:
            assert item["id"] == {"S": spec.given_id}
            if spec.given_id in seen:
                expected.rejected.append((index, DUPLICATE))
                continue
            seen.add(spec.given_id)
        expected.items.append(item)
        expected.generated.append(spec.given_id is None)
    expected.items = strip_generated(expected.items, expected.generated)
    return expected


def check_against_model(
    codec: rust_core.RecordCodec,
    records: list[Spec],
    body: str,
    lines: list[int] | None,
) -> None:
    expected = model(codec, records)
    results = []
    for form in forms(body):
        for parallel in PARALLEL_MODES:
            items, errors = decode_many(codec, form, ndjson=lines is not None, parallel=parallel)
            stripped = strip_generated(items, expected.generated)
            assert stripped == expected.items
            assert [list(item) for item in stripped] == [list(item) for item in expected.items]
            if lines is None:
                assert summary(errors) == expected.rejected
            else:
                assert summary(errors) == [(i, lines[i], pairs) for i, pairs in expected.rejected]
            assert len(items) + len(errors) == len(records)
            results.append((stripped, errors))
    # Serial and parallel agree exactly, messages included.
    assert all(result == results[0] for result in results)


CODECS = {
    "plain": rust_core.RecordCodec(max_item_bytes=MAX_ITEM),
    "schema": rust_core.RecordCodec(
        {
            "properties": {
                "n": {"type": "integer", "minimum": 0},
                "s": {"type": "string", "maxLength": 4},
            },
            "required": ["n"],
        },
        max_item_bytes=MAX_ITEM,
    ),
}


@given(st.sampled_from(sorted(CODECS)), st.data())
def test_generated_array_batches(name: str, data: st.DataObject) -> None:
    records = data.draw(st.lists(specs(name == "schema", ndjson=False), max_size=40))
    body = data.draw(array_layouts([spec.text for spec in records]))
    for kind in sorted({spec.kind for spec in records}):
        event(kind)
    check_against_model(CODECS[name], records, body, None)


@given(st.sampled_from(sorted(CODECS)), st.data())
def test_generated_ndjson_batches(name: str, data: st.DataObject) -> None:
    records = data.draw(st.lists(specs(name == "schema", ndjson=True), max_size=40))
    body, lines = data.draw(ndjson_layouts([spec.text for spec in records]))
    for kind in sorted({spec.kind for spec in records}):
        event(kind)
    check_against_model(CODECS[name], records, body, lines)


def random_spec(rng: random.Random, with_schema: bool, ndjson: bool) -> Spec:
    """One record of a large batch, drawn outside hypothesis (large batches go parallel)."""
    given_id = rng.choice([None, None, *IDS, *(f"id-{rng.randrange(5_000)}" for _ in range(4))])
    record: dict[str, Any] = {"n": Num(str(rng.randrange(100)))}
    if given_id is not None:
        record["id"] = given_id
    roll = rng.random()
    if roll < 0.6:
        return Spec("valid", compact(record), None, given_id)
    if roll < 0.65:
        return Spec("not_object", "[" + compact(record) + "]")
    if roll < 0.7:
        text = compact(record)[:-1] + ',"n":1}'
        return Spec("duplicate_key", text, (("/n", "duplicate_key"),), given_id)
    if roll < 0.75:
        text = compact(record)[:-1] + ',"t":"\\udc00"}'
        return Spec("surrogate", text, (("/t", "lone_surrogate"),), given_id)
    if roll < 0.8:
        return Spec("limit", compact({**record, "x": Num("1E+999")}), None, given_id)
    if roll < 0.85:
        return Spec("key", compact({**record, "id": Num("7")}))
    if roll < 0.9:
        return Spec("big", compact({**record, "pad": "x" * MAX_ITEM}), None, given_id)
    if roll < 0.95 and with_schema:
        return Spec("schema", compact({**record, "n": Num("-1")}), None, given_id)
    if ndjson:
        return Spec("syntax", '{"n":1,', (("", "json_syntax"),))
    return Spec("valid", compact(record), None, given_id)


@pytest.mark.parametrize("name", sorted(CODECS))
@pytest.mark.parametrize("fmt", FORMATS)
def test_large_mixed_batches(fmt: str, name: str) -> None:
    rng = random.Random(f"{fmt}-{name}")
    records = [random_spec(rng, name == "schema", fmt == "ndjson") for _ in range(4_000)]
    texts = [spec.text for spec in records]
    if fmt == "ndjson":
        body = "\r\n".join(texts)
        check_against_model(CODECS[name], records, body, list(range(1, len(records) + 1)))
    else:
        check_against_model(CODECS[name], records, as_array(texts), None)


# --------------------------------------------------------------------------------------------------
# Array syntax errors on corrupted generated batches, against the stdlib
# --------------------------------------------------------------------------------------------------

# No letters that could spell NaN or Infinity (which the stdlib accepts) once a quote is lost.
SAFE_TEXT = st.text(
    st.sampled_from("abcxyz \u00e9\U0001f600/\\\"'\n\t0123456789{}[],:"), max_size=8
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        SAFE_TEXT,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(SAFE_TEXT, children, max_size=4)
    ),
    max_leaves=20,
)
CORRUPTIONS = st.one_of(
    st.sampled_from(list('{}[],:"\\0123456789-+.eEaflnrstu ')),
    st.sampled_from(["\t", "\n", "\r", "\x00", "\x01", "\x1f", "\x7f", "\xa0", "\u2028", "\ufeff"]),
    st.sampled_from(["\u00e9", "\u4e2d", "\U0001f600", "'", "/", "*", "#"]),
)


@given(
    st.lists(
        st.one_of(st.dictionaries(SAFE_TEXT, json_values, max_size=5), json_values), max_size=6
    ),
    st.sampled_from([None, 1, 2]),
    st.booleans(),
    st.data(),
)
def test_corrupted_array_bodies_match_the_stdlib(
    records: list[Any], indent: int | None, ascii_only: bool, data: st.DataObject
) -> None:
    text = json.dumps(records, indent=indent, ensure_ascii=ascii_only)
    kind = data.draw(st.sampled_from(["truncate", "insert", "delete", "replace"]), label="kind")
    if kind == "insert":
        index = data.draw(st.integers(0, len(text)), label="index")
        bad = text[:index] + data.draw(CORRUPTIONS, label="char") + text[index:]
    else:
        index = data.draw(st.integers(0, len(text) - 1), label="index")
        if kind == "truncate":
            bad = text[:index]
        elif kind == "delete":
            bad = text[:index] + text[index + 1 :]
        else:
            bad = text[:index] + data.draw(CORRUPTIONS, label="char") + text[index + 1 :]
    reference = stdlib_error(bad)
    codec = rust_core.RecordCodec()
    parallel = data.draw(st.sampled_from(PARALLEL_MODES), label="parallel")
    for form in forms(bad):
        if reference is not None:
            event("malformed")
            exc = raised(codec.decode_many, form, parallel=parallel)
            check_decode_error(exc, bad, reference.pos)
            continue
        parsed = json.loads(bad)
        if not isinstance(parsed, list):
            event("not an array")
            exc = raised(codec.decode_many, form, parallel=parallel)
            assert type(exc) is rust_core.ShapeError, repr(exc)
            continue
        event("still an array")
        items, errors = decode_many(codec, form, ndjson=False, parallel=parallel)
        assert len(items) + len(errors) == len(parsed)


# --------------------------------------------------------------------------------------------------
# 10,000 records of ~1 KB
# --------------------------------------------------------------------------------------------------


def kilobyte_record(index: int) -> str:
    record: dict[str, Any] = {
        "id": f"order-{index:05d}",
        "customer": {"name": f"Customer \u00e9 {index}", "email": f"c{index}@example.com"},
        "lines": [
            {"sku": f"SKU-{index * 7 + line:06d}", "qty": Num(str(line + 1)), "price": Num("19.99")}
            for line in range(5)
        ],
        "total": Num(f"{index}.{index % 100:02d}"),
        "paid": index % 3 == 0,
        "note": None,
        "tags": ["a", "b\U0001f600", f"t{index % 13}"],
    }
    text = compact(record)
    return text[:-1] + ',"pad":"' + "x" * (1_000 - len(text) - 9) + '"}'


ORDER_SCHEMA = {
    "type": "object",
    "properties": {
        "customer": {"required": ["name"], "properties": {"email": {"format": "email"}}},
        "lines": {
            "type": "array",
            "items": {
                "required": ["sku", "qty"],
                "properties": {"qty": {"type": "integer", "minimum": 1}},
            },
        },
        "total": {"type": "number", "minimum": 0},
    },
    "required": ["customer", "lines"],
}


@pytest.fixture(scope="module")
def ten_thousand() -> tuple[rust_core.RecordCodec, list[str], list[dict[str, Any]]]:
    codec = rust_core.RecordCodec(ORDER_SCHEMA, max_batch_body_bytes=16 * MIB)
    records = [kilobyte_record(index) for index in range(DEFAULT_BATCH_RECORDS)]
    assert {len(record.encode()) for record in records} <= set(range(1_000, 1_020))
    return codec, records, [codec.decode(record) for record in records]


@pytest.mark.parametrize("parallel", PARALLEL_MODES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_ten_thousand_kilobyte_records(
    ten_thousand: tuple[rust_core.RecordCodec, list[str], list[dict[str, Any]]],
    fmt: str,
    parallel: bool | None,
) -> None:
    codec, records, alone = ten_thousand
    body = body_of(records, fmt)
    assert len(body.encode()) > 10_000_000
    items, errors = decode_many(codec, body.encode(), ndjson=fmt == "ndjson", parallel=parallel)
    assert errors == []
    assert items == alone
    assert [list(item) for item in items] == [list(item) for item in alone]


# --------------------------------------------------------------------------------------------------
# The GIL is released while a large body is decoded
# --------------------------------------------------------------------------------------------------


class Counter:
    """A thread that counts as fast as the GIL lets it."""

    def __init__(self) -> None:
        self.count = 0
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while self.running:
            self.count += 1

    def __enter__(self) -> Counter:
        self.thread.start()
        while self.count < 1_000:  # running
            time.sleep(0.001)
        return self

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.thread.join()


def progress(call: Callable[[], Any], repeats: int) -> tuple[int, int]:
    """The counter's progress while `call` runs `repeats` times, and while this thread runs a
    pure-Python loop for as long (the GIL then shared by switching)."""
    # A collection inside the call could run Python finalizers, and so switch threads: none.
    gc.collect()
    gc.disable()
    old = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    try:
        with Counter() as counter:
            during = 0
            start = time.perf_counter()
            for _ in range(repeats):
                before = counter.count
                call()
                during += counter.count - before
            end = time.perf_counter() + (time.perf_counter() - start)
            before = counter.count
            while time.perf_counter() < end:
                pass
            busy = counter.count - before
    finally:
        sys.setswitchinterval(old)
        gc.enable()
    return during, busy


GIL_RECORDS = 8_000


def gil_body() -> bytes:
    # ~32 MB of NDJSON (the codec allows it): records that take work to check (a pattern over
    # long strings) and little to hand back to Python. Each call must be long against the
    # scheduling noise at its edges.
    record = '{{"id":"r{}","s":"{}","n":{}}}'
    return "\n".join(record.format(i, "abc " * 1_000, i) for i in range(GIL_RECORDS)).encode()


def stalls(call: Callable[[], Any], repeats: int, attempts: int = 3) -> tuple[bool, list[Any]]:
    """Whether the counter stalls during `call` (progress under a quarter of its progress beside
    a Python loop), in a majority of attempts."""
    seen = []
    for _ in range(attempts):
        during, busy = progress(call, repeats)
        seen.append((during, busy))
    stalled = sum(during * 4 < busy for during, busy in seen)
    return stalled * 2 > attempts, seen


@pytest.mark.parametrize("parallel", PARALLEL_MODES)
def test_the_gil_is_released_while_a_large_body_is_decoded(parallel: bool | None) -> None:
    codec = rust_core.RecordCodec(
        {"properties": {"s": {"type": "string", "pattern": "^[a-c ]*$"}, "n": {"minimum": 0}}},
        max_batch_body_bytes=48 * MIB,
    )
    body = gil_body()
    assert len(body) > 30_000_000
    items, errors = decode_many(codec, body, ndjson=True, parallel=parallel)
    assert (len(items), errors) == (GIL_RECORDS, [])
    # Held, the counter would only move at the call's edges; released, it counts about as fast
    # as beside a Python loop (measured: 0.7 to 1.3 times), or faster. The bar (a quarter) sits
    # far from both, and a majority of three tries decides.
    stalled, seen = stalls(lambda: codec.decode_many(body, ndjson=True, parallel=parallel), 3)
    assert not stalled, f"the counter stalled during decode_many: {seen}"


def test_the_progress_measure_sees_a_held_gil() -> None:
    # The same measure around a C call of similar length that holds the GIL (json.loads; measured
    # 0.01 to 0.05 times): the counter stalls.
    text = json.dumps([{"a": i, "b": "x" * 20, "c": [1, 2, 3]} for i in range(150_000)])
    stalled, seen = stalls(lambda: json.loads(text), 3)
    assert stalled, seen


# --------------------------------------------------------------------------------------------------
# Threads and hostile bodies
# --------------------------------------------------------------------------------------------------


def test_concurrent_calls_on_one_codec_agree() -> None:
    codec = CODECS["schema"]
    rng = random.Random("threads")
    records = [random_spec(rng, True, False) for _ in range(3_000)]
    body = as_array([spec.text for spec in records]).encode()
    expected = model(codec, records)
    results: list[Any] = [None] * 8

    def work(slot: int) -> None:
        items, errors = codec.decode_many(body, parallel=slot % 2 == 0)
        results[slot] = (strip_generated(items, expected.generated), summary(errors))

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        assert result == (expected.items, expected.rejected)


def run_isolated(body: str) -> Any:
    code = "import json\nimport rust_core\n" + textwrap.dedent(body)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO_ROOT
    )
    assert proc.returncode == 0, (
        f"the interpreter died (exit code {proc.returncode}): {proc.stderr[-2000:]}"
    )
    return json.loads(proc.stdout)


HUNDRED_K = 100_000

HOSTILE = {
    # name: (Python expression for the body, ndjson, expected)
    "open_brackets": (f"'[' * {HUNDRED_K}", False, ("JSONDecodeError", HUNDRED_K)),
    "open_brackets_in_a_record": (
        f"'[{{\"a\":' + '[' * {HUNDRED_K}",
        False,
        ("JSONDecodeError", 6 + HUNDRED_K),
    ),
    "balanced_brackets_in_a_record": (
        f"'[{{}},{{\"a\":' + '[' * {HUNDRED_K} + ']' * {HUNDRED_K} + '}},{{}}]'",
        False,
        ([1], [["/a" + "/0" * 31, "max_depth"]]),
    ),
    "balanced_brackets_as_a_record": (
        f"'[{{}},' + '[' * {HUNDRED_K} + ']' * {HUNDRED_K} + ',{{}}]'",
        False,
        ([1], None),
    ),
    "million_digit_number": (
        "'[{\"n\":' + '1' * 1_000_000 + '}, {}]'",
        False,
        ([0], [["/n", "number_precision"]]),
    ),
    "ndjson_open_brackets": (
        f"'{{}}\\n' + '[' * {HUNDRED_K} + '\\n{{}}'",
        True,
        ([1], [["", "json_syntax"]]),
    ),
    "ndjson_balanced_brackets": (
        f"'{{}}\\n{{\"a\":' + '[' * {HUNDRED_K} + ']' * {HUNDRED_K} + '}}\\n{{}}'",
        True,
        ([1], [["/a" + "/0" * 31, "max_depth"]]),
    ),
    "many_tiny_records": ("'[' + '{},' * 9_999 + '{}]'", False, ([], None)),
    "many_blank_lines": ("'\\n' * 5_000_000 + '{}'", True, ([], None)),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_bodies(name: str) -> None:
    expression, ndjson, expected = HOSTILE[name]
    results = run_isolated(
        f"""
        body = {expression}
        codec = rust_core.RecordCodec()
        out = {{}}
        for parallel in (False, True, None):
            try:
                items, errors = codec.decode_many(body, ndjson={ndjson}, parallel=parallel)
            except Exception as exc:
                pos = getattr(exc, "pos", None)
                out[str(parallel)] = {{"class": type(exc).__qualname__, "pos": pos}}
            else:
                out[str(parallel)] = {{"items": len(items), "errors": errors}}
        out["after"] = codec.decode_many('[{{"id":"k"}}]')
        print(json.dumps(out))
        """
    )
    assert results.pop("after") == [[{"id": {"S": "k"}}], []]
    for result in results.values():
        if expected[0] == "JSONDecodeError":
            assert result == {"class": "JSONDecodeError", "pos": expected[1]}
            continue
        rejected, pairs = expected
        assert [entry["index"] for entry in result["errors"]] == rejected
        if pairs is not None:
            for entry in result["errors"]:
                assert [[e["path"], e["keyword"]] for e in entry["errors"]] == pairs
