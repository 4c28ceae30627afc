"""`RecordCodec`: compiling schemas, the order of `decode`'s checks, keys, generated schemas.

`decode(body)` checks, in this order: the body's type (TypeError), its size (`max_body_size`), the
JSON itself (exactly as `json_to_item`), the key attribute (`key_type`, `key_empty`, `key_size`),
the schema (`ValidationError`, every violation), then adds the key (a UUIDv7 or the one given,
first) and finally checks the item's size (`max_item_size`). Each step is pinned by a body that
breaks it and every later step, and each error's details are exact.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import rust_core

from .support import UUID7, Num, compact, describe, generated_key, key_millis, now_millis, raised

REPO_ROOT = Path(__file__).resolve().parents[2]
MIB = 1_048_576
KEY_ID_SIZE = len("id") + 36  # what a generated key adds to an item's size


def pointer(tokens: list[str] | tuple[str, ...]) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def check_limit(exc: BaseException, keyword: str, path: str) -> None:
    """`exc` is a LimitError with exactly one error: (path, keyword) and a message."""
    assert type(exc) is rust_core.LimitError, repr(exc)
    assert isinstance(exc, rust_core.CodecError)
    assert len(exc.errors) == 1, exc.errors
    message = exc.errors[0]["message"]
    assert exc.errors == [{"path": path, "message": message, "keyword": keyword}]
    assert isinstance(message, str)
    assert message
    assert exc.path == path


def validation_pairs(exc: BaseException) -> list[tuple[str, str]]:
    assert type(exc) is rust_core.ValidationError, repr(exc)
    assert isinstance(exc, rust_core.CodecError)
    for error in exc.errors:
        assert set(error) == {"path", "message", "keyword"}
        assert isinstance(error["message"], str)
        assert error["message"]
    return sorted((error["path"], error["keyword"]) for error in exc.errors)


def with_key(item: dict[str, Any], key: str, name: str = "id") -> dict[str, Any]:
    return {name: {"S": key}, **item}


def check_generated(codec: rust_core.RecordCodec, body: str | bytes) -> dict[str, Any]:
    """decode(body) is json_to_item(body) behind a fresh UUIDv7 key."""
    before = now_millis()
    item = codec.decode(body)
    after = now_millis()
    key = generated_key(item)
    assert before <= key_millis(key) <= after
    expected = rust_core.json_to_item(body)
    assert item == with_key(expected, key)
    assert list(item) == ["id", *expected]
    return item


# --------------------------------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------------------------------


def test_public_names_and_hierarchy() -> None:
    for name in ("RecordCodec", "item_size", "SchemaError", "KeyMismatchError"):
        assert name in rust_core.__all__
    assert issubclass(rust_core.SchemaError, ValueError)
    assert issubclass(rust_core.KeyMismatchError, rust_core.CodecError)
    assert issubclass(rust_core.KeyMismatchError, ValueError)
    assert issubclass(rust_core.ValidationError, rust_core.CodecError)


def test_options_are_keyword_only() -> None:
    assert type(raised(rust_core.RecordCodec, {}, "id")) is TypeError
    codec = rust_core.RecordCodec()
    assert type(raised(codec.decode, b"{}", "x")) is TypeError


# --------------------------------------------------------------------------------------------------
# Construction
# --------------------------------------------------------------------------------------------------

INVALID_SCHEMAS: dict[str, Any] = {
    "type_not_a_name": {"type": 12},
    "negative_min_length": {"minLength": -1},
    "nested_invalid_keyword": {"properties": {"a": {"maxItems": "3"}}},
    "remote_ref": {"$ref": "https://example.com/s.json"},
    "remote_ref_nested": {"properties": {"a": {"$ref": "http://example.com/s.json#/$defs/a"}}},
    "file_ref": {"$ref": "file:///etc/passwd"},
    "relative_ref_outside": {"$ref": "other.json"},
    "missing_local_ref": {"$ref": "#/$defs/missing"},
    "lookahead": {"properties": {"s": {"pattern": "(?=a)"}}},
    "negative_lookahead": {"properties": {"s": {"pattern": "^(?!a)"}}},
    "lookbehind": {"properties": {"s": {"pattern": "(?<=a)b"}}},
    "negative_lookbehind": {"properties": {"s": {"pattern": "(?<!a)b"}}},
    "backreference": {"properties": {"s": {"pattern": "(a)\\1"}}},
    "lookahead_in_pattern_properties": {"patternProperties": {"(?=x)": {}}},
    "broken_pattern": {"properties": {"s": {"pattern": "["}}},
    "unknown_meta_schema": {"$schema": "https://example.com/unknown"},
    "draft_3": {"$schema": "http://json-schema.org/draft-03/schema#"},
    "items_array_in_2020_12": {"properties": {"l": {"items": [{}]}}},
    "boolean_subschema_in_draft_4": {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "properties": {"a": False},
    },
    "numeric_exclusive_maximum_in_draft_4": {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "exclusiveMaximum": 3,
    },
}


@pytest.mark.parametrize("name", sorted(INVALID_SCHEMAS))
@pytest.mark.parametrize("form", ["dict", "str", "bytes"])
def test_invalid_schemas_raise_schema_error(name: str, form: str) -> None:
    schema = INVALID_SCHEMAS[name]
    text = json.dumps(schema)
    given_schema = {"dict": schema, "str": text, "bytes": text.encode()}[form]
    exc = raised(rust_core.RecordCodec, given_schema)
    assert type(exc) is rust_core.SchemaError, repr(exc)
    assert isinstance(exc, ValueError)


@pytest.mark.parametrize("text", ["{", '{"type": "object"', "[1]", '"object"', "12", "null", ""])
def test_schema_text_that_is_not_a_schema_raises_schema_error(text: str) -> None:
    for form in (text, text.encode()):
        exc = raised(rust_core.RecordCodec, form)
        assert type(exc) is rust_core.SchemaError, repr(exc)


@pytest.mark.parametrize("schema", [12, 1.5, [{"type": "object"}], object(), bytearray(b"{}")])
def test_schema_of_another_python_type_raises_type_error(schema: Any) -> None:
    exc = raised(rust_core.RecordCodec, schema)
    assert type(exc) is TypeError, repr(exc)


DRAFT_URIS = [
    ("https://json-schema.org/draft/2020-12/schema", "2020-12"),
    ("https://json-schema.org/draft/2020-12/schema#", "2020-12"),
    ("https://json-schema.org/draft/2019-09/schema", "2019-09"),
    ("https://json-schema.org/draft/2019-09/schema#", "2019-09"),
    ("http://json-schema.org/draft-07/schema#", "7"),
    ("http://json-schema.org/draft-07/schema", "7"),
    ("http://json-schema.org/draft-06/schema#", "6"),
    ("http://json-schema.org/draft-06/schema", "6"),
    ("http://json-schema.org/draft-04/schema#", "4"),
    ("http://json-schema.org/draft-04/schema", "4"),
]


@pytest.mark.parametrize(("uri", "draft"), DRAFT_URIS)
def test_draft_comes_from_dollar_schema(uri: str, draft: str) -> None:
    schema = {"$schema": uri, "type": "object"}
    assert rust_core.RecordCodec(schema).draft == draft
    assert rust_core.RecordCodec(json.dumps(schema)).draft == draft
    assert rust_core.RecordCodec(json.dumps(schema).encode()).draft == draft


@pytest.mark.parametrize("schema", [{}, {"type": "object"}, "true", "false", b"{}"], ids=repr)
def test_draft_defaults_to_2020_12(schema: Any) -> None:
    assert rust_core.RecordCodec(schema).draft == "2020-12"


def test_schema_forms_agree() -> None:
    schema = {"properties": {"n": {"type": "integer", "minimum": 3}}, "required": ["n"]}
    text = json.dumps(schema)
    codecs = [
        rust_core.RecordCodec(schema),
        rust_core.RecordCodec(text),
        rust_core.RecordCodec(text.encode()),
    ]
    for codec in codecs:
        check_generated(codec, '{"n":3}')
        pairs = validation_pairs(raised(codec.decode, '{"n":2}'))
        assert pairs == [("/n", "minimum")]
        assert validation_pairs(raised(codec.decode, "{}")) == [("", "required")]


def test_local_references_and_embedded_ids_compile() -> None:
    schema = {
        "$id": "https://example.com/root.json",
        "$defs": {
            "pos": {"type": "integer", "minimum": 0},
            "named": {"$id": "named.json", "type": "string"},
        },
        "properties": {"a": {"$ref": "#/$defs/pos"}, "b": {"$ref": "named.json"}},
    }
    codec = rust_core.RecordCodec(schema)
    check_generated(codec, '{"a":1,"b":"x"}')
    assert validation_pairs(raised(codec.decode, '{"a":-1,"b":2}')) == [
        ("/a", "minimum"),
        ("/b", "type"),
    ]


def test_constructor_rejects_an_empty_key_name() -> None:
    exc = raised(rust_core.RecordCodec, key="")
    assert isinstance(exc, ValueError), repr(exc)


# --------------------------------------------------------------------------------------------------
# decode: the body's type and size
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [None, 1, 1.5, {"a": 1}, ["{}"], bytearray(b"{}"), memoryview(b"{}")], ids=repr
)
def test_decode_rejects_other_body_types(body: Any) -> None:
    codec = rust_core.RecordCodec({"type": "object"}, max_body_bytes=1)
    exc = raised(codec.decode, body)
    assert type(exc) is TypeError, repr(exc)


def test_body_size_boundary_in_bytes() -> None:
    body = '{"s":"' + "x" * 92 + '"}'
    assert len(body) == 100
    codec = rust_core.RecordCodec(max_body_bytes=100)
    check_generated(codec, body)
    check_generated(codec, body.encode())
    over = '{"s":"' + "x" * 93 + '"}'
    for form in (over, over.encode()):
        check_limit(raised(codec.decode, form), "max_body_size", "")


def test_body_size_counts_utf8_bytes_of_a_str() -> None:
    body = '{"s":"\u00e9\u00e9\u00e9"}'  # 11 characters, 14 bytes
    assert (len(body), len(body.encode())) == (11, 14)
    check_generated(rust_core.RecordCodec(max_body_bytes=14), body)
    check_limit(raised(rust_core.RecordCodec(max_body_bytes=13).decode, body), "max_body_size", "")
    astral = '{"s":"\U0001f600"}'  # 9 characters, 12 bytes
    assert (len(astral), len(astral.encode())) == (9, 12)
    check_limit(
        raised(rust_core.RecordCodec(max_body_bytes=11).decode, astral), "max_body_size", ""
    )
    check_generated(rust_core.RecordCodec(max_body_bytes=12), astral)


@pytest.mark.parametrize(
    "body",
    [
        '{"a":[1',  # malformed
        "[1,2,3,4,5,6,7]",  # not an object
        '{"n":1E+999}',  # number range
        '{"id":12345678}',  # key type
        '{"s":"xxxxxxx"}',  # breaks the schema
    ],
)
def test_body_size_is_checked_first(body: str) -> None:
    codec = rust_core.RecordCodec({"properties": {"s": {"maxLength": 1}}}, max_body_bytes=5)
    for form in (body, body.encode()):
        check_limit(raised(codec.decode, form), "max_body_size", "")


def test_limits_read_back_defaults_included() -> None:
    codec = rust_core.RecordCodec()
    assert (
        codec.max_body_bytes,
        codec.max_item_bytes,
        codec.max_batch_body_bytes,
        codec.max_batch_records,
    ) == (1_048_576, 409_600, 6_291_456, 10_000)
    given = rust_core.RecordCodec(
        max_body_bytes=10, max_item_bytes=20, max_batch_body_bytes=30, max_batch_records=40
    )
    assert (
        given.max_body_bytes,
        given.max_item_bytes,
        given.max_batch_body_bytes,
        given.max_batch_records,
    ) == (10, 20, 30, 40)
    with pytest.raises(AttributeError):
        given.max_body_bytes = 1  # type: ignore[misc]


def test_default_body_limit_is_one_mib() -> None:
    codec = rust_core.RecordCodec()
    # Whitespace counts: a small item in a body of exactly 1 MiB.
    body = '{"a":1}' + " " * (MIB - 7)
    assert len(body) == MIB
    check_generated(codec, body)
    check_limit(raised(codec.decode, body + " "), "max_body_size", "")


# --------------------------------------------------------------------------------------------------
# decode: the JSON, exactly as json_to_item
# --------------------------------------------------------------------------------------------------

PARSE_FAILURES = [
    '{"a":1',
    '{"a":1,}',
    '{"a":NaN}',
    '{"a":1,"a":2}',
    '{"a":"\\ud800"}',
    "\ufeff{}",
    "[]",
    '"x"',
    "12",
    "null",
    '{"a":' + "[" * 40 + "]" * 40 + "}",
    '{"n":1.00000000000000000000000000000000000001}',
    '{"n":1E+126}',
    '{"n":1E-131}',
    '{"":1}',
    '{"m":{"":1}}',
]


@pytest.mark.parametrize("body", PARSE_FAILURES, ids=repr)
def test_parsing_is_json_to_item(body: str) -> None:
    codec = rust_core.RecordCodec({"required": ["zork"], "properties": {"a": {"type": "string"}}})
    for form in (body, body.encode()):
        expected = describe(rust_core.json_to_item, form)
        assert expected[0] == "raises"
        assert describe(codec.decode, form) == expected


@pytest.mark.parametrize(
    ("body", "keyword", "path"),
    [
        ('{"n":1.00000000000000000000000000000000000001}', "number_precision", "/n"),
        ('{"a":[1,1E+126]}', "number_range", "/a/1"),
        ('{"a/b":{"~":-1E-131}}', "number_range", "/a~1b/~0"),
        ('{"m":{"":1}}', "empty_attribute_name", "/m/"),
        ('{"a":' + "[" * 32 + "]" * 32 + "}", "max_depth", "/a" + "/0" * 31),
        ('{"a":' + "[" * 31 + "]" * 31 + ',"id":"x"}', None, None),
    ],
    ids=repr,
)
def test_parse_limits_exactly(body: str, keyword: str | None, path: str | None) -> None:
    codec = rust_core.RecordCodec()
    for form in (body, body.encode()):
        if keyword is None:
            assert codec.decode(form) == rust_core.json_to_item(form)
        else:
            assert path is not None
            check_limit(raised(codec.decode, form), keyword, path)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"id":5,"n":1E+999}', ("LimitError", "number_range", "/n")),
        ('{"id":5,"":1}', ("LimitError", "empty_attribute_name", "/")),
        ('{"id":5,"a":' + "[" * 40 + "]" * 40 + "}", ("LimitError", "max_depth", None)),
        ('{"id":5,"id":"x"}', ("JSONDecodeError", None, None)),
        ('{"id":5,}', ("JSONDecodeError", None, None)),
        ('[{"id":5}]', ("ShapeError", None, None)),
    ],
    ids=repr,
)
def test_parse_errors_win_over_the_key(body: str, expected: tuple[Any, ...]) -> None:
    codec = rust_core.RecordCodec({"properties": {"id": {"type": "integer"}}})
    exc = raised(codec.decode, body)
    name, keyword, path = expected
    assert type(exc).__name__ == name, repr(exc)
    if keyword is not None:
        assert [error["keyword"] for error in exc.errors] == [keyword]
        if path is not None:
            assert exc.path == path


# --------------------------------------------------------------------------------------------------
# decode: the key attribute
# --------------------------------------------------------------------------------------------------

KEY_LIMITS: list[tuple[str, str]] = [
    ("5", "key_type"),
    ("1.5", "key_type"),
    ("-0", "key_type"),
    ("null", "key_type"),
    ("true", "key_type"),
    ("false", "key_type"),
    ("[]", "key_type"),
    ('["x"]', "key_type"),
    ("{}", "key_type"),
    ('{"S":"x"}', "key_type"),
    ('""', "key_empty"),
    (json.dumps("x" * 2049), "key_size"),
    (json.dumps("\u00e9" * 1024 + "x"), "key_size"),  # 2049 bytes, 1025 characters
    (json.dumps("\U0001f600" * 512 + "x"), "key_size"),  # 2049 bytes, 513 characters
    (json.dumps("\u00e9" * 1025, ensure_ascii=False), "key_size"),
]


@pytest.mark.parametrize(("value", "keyword"), KEY_LIMITS, ids=lambda v: v[:20])
def test_key_rules(value: str, keyword: str) -> None:
    body = '{"a":1,"id":' + value + "}"
    codec = rust_core.RecordCodec()
    for form in (body, body.encode()):
        check_limit(raised(codec.decode, form), keyword, "/id")


@pytest.mark.parametrize(
    "key",
    ["x", "x" * 2048, "\u00e9" * 1024, "\U0001f600" * 512, " ", "\x00", "a/b~c"],
    ids=lambda k: repr(k[:8]) + f"*{len(k)}",
)
def test_keys_within_the_rules_are_kept(key: str) -> None:
    body = json.dumps({"a": 1, "id": key})
    item = rust_core.RecordCodec().decode(body)
    assert item == {"a": {"N": "1"}, "id": {"S": key}}
    assert list(item) == ["a", "id"]  # a key that is sent keeps its place


@pytest.mark.parametrize(("name", "path"), [("pk", "/pk"), ("a/b", "/a~1b"), ("m~n", "/m~0n")])
def test_key_rules_follow_the_key_name(name: str, path: str) -> None:
    codec = rust_core.RecordCodec(key=name)
    check_limit(raised(codec.decode, json.dumps({name: 5})), "key_type", path)
    check_limit(raised(codec.decode, json.dumps({name: ""})), "key_empty", path)
    check_limit(raised(codec.decode, json.dumps({name: "x" * 2049})), "key_size", path)
    # "id" is an ordinary attribute then.
    item = codec.decode(json.dumps({"id": 5}))
    assert next(iter(item)) == name
    generated_key(item, name)
    assert item == {name: item[name], "id": {"N": "5"}}


def test_key_errors_win_over_the_schema() -> None:
    codec = rust_core.RecordCodec(
        {"required": ["name"], "properties": {"id": {"type": "integer"}}, "maxProperties": 0}
    )
    check_limit(raised(codec.decode, '{"id":5}'), "key_type", "/id")
    check_limit(raised(codec.decode, '{"id":""}'), "key_empty", "/id")


def test_key_messages_never_contain_the_key() -> None:
    for value in ["zqsecret" * 300, 98765432109876]:
        exc = raised(rust_core.RecordCodec().decode, json.dumps({"id": value}))
        assert isinstance(exc, rust_core.LimitError)
        assert "zqsecret" not in str(exc)
        assert "98765" not in str(exc)
        assert "zqsecret" not in exc.errors[0]["message"]


# --------------------------------------------------------------------------------------------------
# decode: generated keys
# --------------------------------------------------------------------------------------------------


def test_generated_key_is_a_uuid7_of_now_placed_first() -> None:
    codec = rust_core.RecordCodec()
    item = check_generated(codec, b'{"z":1,"a":{"b":[true]}}')
    assert list(item) == ["id", "z", "a"]


def test_generated_keys_strictly_increase_over_10000_calls() -> None:
    # Two codecs, one with a schema, interleaved: the order is the process's.
    plain = rust_core.RecordCodec()
    strict = rust_core.RecordCodec({"properties": {"n": {"type": "integer"}}})
    start = now_millis()
    keys = []
    for index in range(10_000):
        codec = plain if index % 2 else strict
        keys.append(codec.decode(b'{"n":1}')["id"]["S"])
    end = now_millis()
    assert all(UUID7.fullmatch(key) for key in keys)
    assert all(earlier < later for earlier, later in itertools.pairwise(keys))
    as_ints = [uuid.UUID(key).int for key in keys]
    assert all(earlier < later for earlier, later in itertools.pairwise(as_ints))
    millis = [key_millis(key) for key in keys]
    assert start <= millis[0]
    assert millis[-1] <= end
    assert millis == sorted(millis)


def test_generated_key_with_another_key_name() -> None:
    codec = rust_core.RecordCodec(key="pk")
    item = codec.decode(b'{"a":1}')
    key = generated_key(item, "pk")
    assert item == {"pk": {"S": key}, "a": {"N": "1"}}


# --------------------------------------------------------------------------------------------------
# decode: a key given by the caller
# --------------------------------------------------------------------------------------------------


def test_given_key_is_added_first() -> None:
    codec = rust_core.RecordCodec()
    for body in ('{"a":1,"b":"x"}', b'{"a":1,"b":"x"}'):
        item = codec.decode(body, key="k-1")
        assert item == {"id": {"S": "k-1"}, "a": {"N": "1"}, "b": {"S": "x"}}
        assert list(item) == ["id", "a", "b"]


def test_given_key_equal_to_the_body_key() -> None:
    body = '{"a":1,"id":"k-1"}'
    item = rust_core.RecordCodec().decode(body, key="k-1")
    assert item == rust_core.json_to_item(body)
    assert list(item) == ["a", "id"]


def test_given_key_none_generates() -> None:
    item = rust_core.RecordCodec().decode('{"a":1}', key=None)
    generated_key(item)


@pytest.mark.parametrize("body_key", ["k-2", "K-1", "k-1 ", "zqsecretbody"])
def test_given_key_differing_from_the_body_key(body_key: str) -> None:
    codec = rust_core.RecordCodec()
    body = json.dumps({"a": 1, "id": body_key})
    exc = raised(codec.decode, body, key="k-1zqsecretgiven")
    assert type(exc) is rust_core.KeyMismatchError, repr(exc)
    assert isinstance(exc, rust_core.CodecError)
    assert body_key not in str(exc)
    assert "zqsecret" not in str(exc)


@pytest.mark.parametrize(
    ("key", "keyword"),
    [("", "key_empty"), ("x" * 2049, "key_size"), ("\u00e9" * 1025, "key_size")],
    ids=["empty", "2049_ascii", "2050_bytes"],
)
def test_given_key_obeys_the_key_rules(key: str, keyword: str) -> None:
    check_limit(raised(rust_core.RecordCodec().decode, '{"a":1}', key=key), keyword, "/id")
    named = rust_core.RecordCodec(key="p/k")
    check_limit(raised(named.decode, '{"a":1}', key=key), keyword, "/p~1k")


def test_given_key_at_the_size_limit() -> None:
    item = rust_core.RecordCodec().decode('{"a":1}', key="\u00e9" * 1024)
    assert item == {"id": {"S": "\u00e9" * 1024}, "a": {"N": "1"}}


@pytest.mark.parametrize("key", [5, b"k", ["k"]], ids=repr)
def test_given_key_must_be_a_str(key: Any) -> None:
    exc = raised(rust_core.RecordCodec().decode, '{"a":1}', key=key)
    assert type(exc) is TypeError, repr(exc)


def test_body_key_rules_win_over_a_given_key() -> None:
    codec = rust_core.RecordCodec()
    check_limit(raised(codec.decode, '{"id":5}', key="k"), "key_type", "/id")
    check_limit(raised(codec.decode, '{"id":""}', key="k"), "key_empty", "/id")


# --------------------------------------------------------------------------------------------------
# decode: the schema, and what comes after it
# --------------------------------------------------------------------------------------------------


def test_schema_sees_the_record_before_the_key_is_added() -> None:
    closed = rust_core.RecordCodec({"properties": {"a": {}}, "additionalProperties": False})
    check_generated(closed, '{"a":1}')
    one = rust_core.RecordCodec({"maxProperties": 1, "required": ["a"]})
    check_generated(one, '{"a":1}')
    keyed = rust_core.RecordCodec({"required": ["id"]})
    assert validation_pairs(raised(keyed.decode, '{"a":1}')) == [("", "required")]
    assert validation_pairs(raised(keyed.decode, '{"a":1}', key="k")) == [("", "required")]


def test_schema_errors_win_over_a_key_mismatch_and_the_item_size() -> None:
    codec = rust_core.RecordCodec({"properties": {"n": {"type": "integer"}}}, max_item_bytes=10)
    body = json.dumps({"id": "other", "n": "zork", "s": "x" * 100})
    assert validation_pairs(raised(codec.decode, body, key="k")) == [("/n", "type")]
    assert validation_pairs(raised(codec.decode, body)) == [("/n", "type")]


def test_key_mismatch_wins_over_the_item_size() -> None:
    codec = rust_core.RecordCodec(max_item_bytes=10)
    body = json.dumps({"id": "other", "s": "x" * 100})
    assert type(raised(codec.decode, body, key="k")) is rust_core.KeyMismatchError


def test_every_violation_is_listed() -> None:
    schema = {
        "properties": {
            "name": {"type": "string", "minLength": 2},
            "age": {"type": "integer", "minimum": 0},
            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            "address": {
                "properties": {"zip/code": {"pattern": "^[0-9]{5}$"}},
                "required": ["city"],
                "additionalProperties": False,
            },
        },
        "required": ["name", "email"],
    }
    body = {
        "name": "q",
        "age": -1,
        "tags": ["x", 1, "x"],
        "address": {"zip/code": "1234", "street~": "zork"},
    }
    exc = raised(rust_core.RecordCodec(schema).decode, json.dumps(body))
    assert validation_pairs(exc) == sorted(
        [
            ("/name", "min_length"),
            ("/age", "minimum"),
            ("/tags/1", "type"),
            ("/tags", "unique_items"),
            ("/address/zip~1code", "pattern"),
            ("/address", "required"),
            ("/address/street~0", "additional_properties"),
            ("", "required"),
        ]
    )
    messages = " ".join(error["message"] for error in exc.errors)
    assert "city" in messages
    assert "email" in messages
    assert "zork" not in messages
    assert "1234" not in messages
    assert "street" not in messages


def test_validation_messages_never_contain_record_values() -> None:
    schema = {
        "properties": {
            "s": {"maxLength": 1, "pattern": "^a", "format": "email", "enum": ["a"]},
            "n": {"maximum": 1, "multipleOf": 7, "const": 1},
            "l": {"maxItems": 1, "uniqueItems": True, "contains": {"type": "null"}},
            "o": {"maxProperties": 0, "propertyNames": {"maxLength": 1}},
            "x": {"not": {"type": "string"}, "anyOf": [{"type": "null"}], "oneOf": [False]},
        },
        "additionalProperties": False,
    }
    secret = "zqsecret"
    body = {
        "s": secret + "value",
        "n": 98765432109876,
        "l": [secret + "item", secret + "item"],
        "o": {secret + "key": secret + "member"},
        "x": secret + "other",
        secret + "extra": 1,
    }
    exc = raised(rust_core.RecordCodec(schema).decode, json.dumps(body))
    assert isinstance(exc, rust_core.ValidationError)
    assert len(exc.errors) >= 15
    texts = [str(exc), repr(exc.args), *(error["message"] for error in exc.errors)]
    for text in texts:
        assert secret not in text
        assert "98765" not in text


def test_patterns_run_in_linear_time() -> None:
    codec = rust_core.RecordCodec({"properties": {"s": {"pattern": "^(a+)+$"}}})
    body = json.dumps({"s": "a" * 50_000 + "b"})
    start = time.perf_counter()
    exc = raised(codec.decode, body)
    assert time.perf_counter() - start < 1.0
    assert validation_pairs(exc) == [("/s", "pattern")]
    check_generated(codec, json.dumps({"s": "a" * 50_000}))


def test_pattern_properties_run_in_linear_time() -> None:
    codec = rust_core.RecordCodec({"patternProperties": {"^(a|aa)+$": {"type": "integer"}}})
    name = "a" * 50_000 + "b"
    start = time.perf_counter()
    item = codec.decode(json.dumps({name: "zork"}))
    assert time.perf_counter() - start < 1.0
    assert item == {"id": item["id"], name: {"S": "zork"}}
    exc = raised(codec.decode, json.dumps({"a" * 50_000: "zork"}))
    assert validation_pairs(exc) == [("/" + "a" * 50_000, "type")]


def test_formats_can_be_left_unchecked() -> None:
    schema = {"properties": {"e": {"format": "email"}, "d": {"format": "date"}}}
    body = '{"e":"zork","d":"2023-02-29"}'
    checked = rust_core.RecordCodec(schema)
    assert validation_pairs(raised(checked.decode, body)) == [("/d", "format"), ("/e", "format")]
    unchecked = rust_core.RecordCodec(schema, validate_formats=False)
    check_generated(unchecked, body)


# --------------------------------------------------------------------------------------------------
# decode: the item's size, last
# --------------------------------------------------------------------------------------------------


def test_item_size_boundary_counts_the_generated_key() -> None:
    limit = 1_000
    codec = rust_core.RecordCodec(max_item_bytes=limit)
    # "s" (1) + the string + "id" and a 36-character UUID (38)
    fits = json.dumps({"s": "x" * (limit - 1 - KEY_ID_SIZE)})
    check_generated(codec, fits)
    over = json.dumps({"s": "x" * (limit - KEY_ID_SIZE)})
    check_limit(raised(codec.decode, over), "max_item_size", "")


def test_item_size_boundary_counts_a_given_key() -> None:
    limit = 1_000
    codec = rust_core.RecordCodec(max_item_bytes=limit)
    key = "k" * 10
    fits = json.dumps({"s": "x" * (limit - 1 - 2 - 10)})
    assert codec.decode(fits, key=key) == {"id": {"S": key}, "s": {"S": "x" * (limit - 13)}}
    over = json.dumps({"s": "x" * (limit - 12)})
    check_limit(raised(codec.decode, over, key=key), "max_item_size", "")


def test_item_size_boundary_with_the_key_in_the_body() -> None:
    limit = 500
    codec = rust_core.RecordCodec(max_item_bytes=limit)
    fits = {"id": "\u00e9" * 10, "s": "x" * (limit - 22 - 1)}
    assert codec.decode(json.dumps(fits)) == rust_core.json_to_item(json.dumps(fits))
    over = {"id": "\u00e9" * 10, "s": "x" * (limit - 22)}
    check_limit(raised(codec.decode, json.dumps(over)), "max_item_size", "")


def test_item_size_is_checked_after_the_schema() -> None:
    codec = rust_core.RecordCodec({"properties": {"s": {"maxLength": 1}}}, max_item_bytes=100)
    body = json.dumps({"s": "x" * 1_000})
    assert validation_pairs(raised(codec.decode, body)) == [("/s", "max_length")]


def test_default_item_limit_is_400_kib() -> None:
    codec = rust_core.RecordCodec()
    fits = json.dumps({"s": "x" * (409_600 - 1 - KEY_ID_SIZE)})
    item = check_generated(codec, fits)
    assert rust_core.item_size(item) == 409_600
    over = json.dumps({"s": "x" * (409_600 - KEY_ID_SIZE)})
    check_limit(raised(codec.decode, over), "max_item_size", "")


# --------------------------------------------------------------------------------------------------
# Hostile bodies: in a child interpreter, so a crash fails the test instead of the run
# --------------------------------------------------------------------------------------------------


def run_isolated(body: str) -> Any:
    code = "import json, time\nimport rust_core\n" + textwrap.dedent(body)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT
    )
    assert proc.returncode == 0, (
        f"the interpreter died (exit code {proc.returncode}): {proc.stderr[-2000:]}"
    )
    return json.loads(proc.stdout)


HOSTILE = {
    # name: Python expression for the body
    "one_mib_of_escapes": "'{\"s\":\"' + '\\\\u0041' * 174_760 + '\"}' + ' ' * 8",
    "one_mib_string": "'{\"s\":\"' + 'A' * (1_048_576 - 8) + '\"}'",
    "open_brackets": "'{\"a\":' + '[' * 100_000",
    "balanced_brackets": "'{\"a\":' + '[' * 100_000 + ']' * 100_000 + '}'",
    "million_digit_number": "'{\"n\":' + '1' * 1_000_000 + '}'",
    "million_digit_key": "'{\"id\":' + '1' * 1_000_000 + '}'",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_bodies(name: str) -> None:
    expression = HOSTILE[name]
    results = run_isolated(
        f"""
        body = {expression}
        codec = rust_core.RecordCodec({{"properties": {{"s": {{"pattern": "^(A+)+$"}}}}}})
        out = {{"length": len(body.encode())}}
        for form, data in (("str", body), ("bytes", body.encode())):
            funcs = (("decode", codec.decode), ("json_to_item", rust_core.json_to_item))
            for func_name, func in funcs:
                start = time.perf_counter()
                try:
                    item = func(data)
                except Exception as exc:
                    result = {{
                        "class": type(exc).__qualname__,
                        "pos": getattr(exc, "pos", None),
                        "errors": getattr(exc, "errors", None),
                    }}
                else:
                    size = rust_core.item_size(item)
                    result = {{"class": None, "keys": list(item), "size": size}}
                result["elapsed"] = time.perf_counter() - start
                out[form + "_" + func_name] = result
        out["after"] = rust_core.RecordCodec().decode('{{"ok":true}}', key="k")
        print(json.dumps(out))
        """
    )
    assert results.pop("after") == {"id": {"S": "k"}, "ok": {"BOOL": True}}
    length = results.pop("length")
    assert length <= MIB
    for result in results.values():
        assert result.pop("elapsed") < 1.0
    decoded = [results["str_decode"], results["bytes_decode"]]
    parsed = [results["str_json_to_item"], results["bytes_json_to_item"]]
    if name == "one_mib_of_escapes":
        assert length == MIB
        assert decoded[0]["class"] is None
        assert decoded[0]["keys"] == ["id", "s"]
        assert decoded[0]["size"] == 1 + 174_760 + KEY_ID_SIZE
        assert decoded[1] == decoded[0]
    elif name == "one_mib_string":
        assert length == MIB
        for result in decoded:
            assert result["class"] == "LimitError"
            assert [(e["path"], e["keyword"]) for e in result["errors"]] == [("", "max_item_size")]
    elif name == "open_brackets":
        for result in decoded:
            assert result["class"] == "JSONDecodeError"
            assert result["pos"] == 5 + 100_000
        assert parsed == decoded
    elif name == "balanced_brackets":
        for result in decoded:
            assert result["class"] == "LimitError"
            path = "/a" + "/0" * 31
            assert [(e["path"], e["keyword"]) for e in result["errors"]] == [(path, "max_depth")]
        assert parsed == decoded
    elif name == "million_digit_number":
        for result in decoded:
            assert result["class"] == "LimitError"
            pairs = [(e["path"], e["keyword"]) for e in result["errors"]]
            assert pairs == [("/n", "number_precision")]
        assert parsed == decoded
    else:  # a million-digit key: a number limit before the key's type
        for result in decoded:
            assert result["class"] == "LimitError"
            pairs = [(e["path"], e["keyword"]) for e in result["errors"]]
            assert pairs == [("/id", "number_precision")]


# --------------------------------------------------------------------------------------------------
# Generated schemas and records
# --------------------------------------------------------------------------------------------------

# Property names: escaped characters in pointers, non-ASCII, never the key or empty.
NAMES = ["a", "b/c", "d~e", "~1", "/", "\u00e9", "f g", "~0/~1", "x/~y", "\U0001f642", "0"]
EXTRA_NAMES = ["extra", "ex/tra", "ex~tra", "~", "zz/~0"]

Tokens = tuple[str, ...]


@dataclass(frozen=True)
class Broken:
    """A value breaking exactly one constraint: where (relative to the value) and which."""

    tokens: Tokens
    keyword: str
    value: Any


class Field:
    """A schema for one value, values valid under it, and values breaking one constraint."""

    schema: dict[str, Any]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({json.dumps(self.schema, ensure_ascii=False)})"

    def valid(self, draw: st.DrawFn) -> Any:
        raise NotImplementedError

    def broken(self, draw: st.DrawFn) -> Broken:
        raise NotImplementedError


def number_text(value: int | Decimal, draw: st.DrawFn) -> Num:
    text = str(value)
    if isinstance(value, int) and draw(st.booleans()):
        text += ".0"  # an integer all the same from draft 6 on
    return Num(text)


class StringField(Field):
    def __init__(self, draw: st.DrawFn) -> None:
        self.min = draw(st.integers(0, 3))
        self.max = self.min + draw(st.integers(2, 6))
        self.pattern = draw(st.booleans())
        self.schema = {"type": "string", "minLength": self.min, "maxLength": self.max}
        if self.pattern:
            self.schema["pattern"] = "^[a-z]*$"
        self.alphabet = "abcxyz" if self.pattern else "ab\u00e9\U0001f600 /~"

    def text(self, draw: st.DrawFn, length: int) -> str:
        return draw(st.text(st.sampled_from(self.alphabet), min_size=length, max_size=length))

    def valid(self, draw: st.DrawFn) -> Any:
        return self.text(draw, draw(st.integers(self.min, self.max)))

    def broken(self, draw: st.DrawFn) -> Broken:
        kinds = ["max_length", "type"]
        if self.min > 0:
            kinds.append("min_length")
        if self.pattern:
            kinds.append("pattern")
        kind = draw(st.sampled_from(kinds))
        if kind == "max_length":
            return Broken((), kind, self.text(draw, self.max + 1))
        if kind == "min_length":
            return Broken((), kind, self.text(draw, self.min - 1))
        if kind == "pattern":
            length = draw(st.integers(max(self.min, 1), self.max))
            text = self.text(draw, length - 1)
            at = draw(st.integers(0, len(text)))
            return Broken((), kind, text[:at] + draw(st.sampled_from("Z1 -")) + text[at:])
        return Broken((), "type", draw(st.sampled_from([Num("7"), True, None, [], {}])))


class IntegerField(Field):
    def __init__(self, draw: st.DrawFn) -> None:
        self.step = draw(st.sampled_from([1, 2, 3, 5]))
        self.low = self.step * draw(st.integers(-20, 20))
        self.high = self.low + self.step * draw(st.integers(3, 10))
        self.low_exclusive = draw(st.booleans())
        self.high_exclusive = draw(st.booleans())
        self.schema = {"type": "integer"}
        self.schema["exclusiveMinimum" if self.low_exclusive else "minimum"] = self.low
        self.schema["exclusiveMaximum" if self.high_exclusive else "maximum"] = self.high
        if self.step > 1:
            self.schema["multipleOf"] = self.step

    def valid(self, draw: st.DrawFn) -> Any:
        inside = (self.high - self.low) // self.step - 1
        return number_text(self.low + self.step * draw(st.integers(1, inside)), draw)

    def broken(self, draw: st.DrawFn) -> Broken:
        kinds = ["low", "high", "type"] + (["multiple_of"] if self.step > 1 else [])
        kind = draw(st.sampled_from(kinds))
        if kind == "low":
            if self.low_exclusive:
                return Broken((), "exclusive_minimum", number_text(self.low, draw))
            return Broken((), "minimum", number_text(self.low - self.step, draw))
        if kind == "high":
            if self.high_exclusive:
                return Broken((), "exclusive_maximum", number_text(self.high, draw))
            return Broken((), "maximum", number_text(self.high + self.step, draw))
        if kind == "multiple_of":
            return Broken((), kind, Num(str(self.low + self.step + 1)))
        return Broken((), "type", draw(st.sampled_from(["zork", False, None, [Num("1")]])))


class NumberField(Field):
    STEP = Decimal("0.25")

    def __init__(self, draw: st.DrawFn) -> None:
        self.low = self.STEP * draw(st.integers(-40, 40))
        self.high = self.low + self.STEP * draw(st.integers(3, 10))
        self.multiple = draw(st.booleans())
        self.schema = {"type": "number", "minimum": float(self.low), "maximum": float(self.high)}
        if self.multiple:
            self.schema["multipleOf"] = float(self.STEP)

    def valid(self, draw: st.DrawFn) -> Any:
        inside = int((self.high - self.low) / self.STEP)
        return Num(str(self.low + self.STEP * draw(st.integers(0, inside))))

    def broken(self, draw: st.DrawFn) -> Broken:
        kinds = ["minimum", "maximum", "type"] + (["multiple_of"] if self.multiple else [])
        kind = draw(st.sampled_from(kinds))
        if kind == "minimum":
            return Broken((), kind, Num(str(self.low - self.STEP)))
        if kind == "maximum":
            return Broken((), kind, Num(str(self.high + self.STEP)))
        if kind == "multiple_of":
            return Broken((), kind, Num(str(self.low + Decimal("0.375"))))
        return Broken((), "type", draw(st.sampled_from(["1.5", True, None, {}])))


class BooleanField(Field):
    def __init__(self, draw: st.DrawFn) -> None:
        self.schema = {"type": "boolean"}

    def valid(self, draw: st.DrawFn) -> Any:
        return draw(st.booleans())

    def broken(self, draw: st.DrawFn) -> Broken:
        return Broken((), "type", draw(st.sampled_from([Num("0"), Num("1"), "true", None])))


class EnumField(Field):
    # The same options in the schema and as record values (numbers as their text).
    OPTIONS: ClassVar[list[Any]] = ["red", 3, None, [1, 2], {"k": "v"}, False]
    VALUES: ClassVar[list[Any]] = [
        "red",
        Num("3.0"),
        None,
        [Num("1"), Num("2")],
        {"k": "v"},
        False,
    ]
    OTHERS: ClassVar[list[Any]] = [
        Num("4"),
        "blue",
        [Num("2"), Num("1")],
        {"k": "w"},
        True,
        Num("0"),
    ]

    def __init__(self, draw: st.DrawFn) -> None:
        self.options = draw(st.lists(st.sampled_from(range(6)), min_size=1, unique=True))
        self.schema = {"enum": [self.OPTIONS[i] for i in self.options]}

    def valid(self, draw: st.DrawFn) -> Any:
        return self.VALUES[draw(st.sampled_from(self.options))]

    def broken(self, draw: st.DrawFn) -> Broken:
        return Broken((), "enum", draw(st.sampled_from(self.OTHERS)))


class ArrayField(Field):
    """Arrays of non-negative integers (distinct values are always at hand)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.min = draw(st.integers(0, 2))
        self.max = self.min + draw(st.integers(2, 4))
        self.unique = draw(st.booleans())
        self.schema = {
            "type": "array",
            "items": {"type": "integer", "minimum": 0},
            "minItems": self.min,
            "maxItems": self.max,
            "uniqueItems": self.unique,
        }

    def items(self, draw: st.DrawFn, length: int) -> list[Any]:
        values = draw(st.lists(st.integers(0, 1000), min_size=length, max_size=length, unique=True))
        return [Num(str(value)) for value in values]

    def valid(self, draw: st.DrawFn) -> Any:
        return self.items(draw, draw(st.integers(self.min, self.max)))

    def broken(self, draw: st.DrawFn) -> Broken:
        kinds = ["max_items", "type", "item_type", "item_minimum"]
        if self.min > 0:
            kinds.append("min_items")
        if self.unique:
            kinds.append("unique_items")
        kind = draw(st.sampled_from(kinds))
        if kind == "max_items":
            return Broken((), kind, self.items(draw, self.max + 1))
        if kind == "min_items":
            return Broken((), kind, self.items(draw, self.min - 1))
        if kind == "unique_items":
            items = self.items(draw, draw(st.integers(max(self.min, 2), self.max)) - 1)
            items.insert(draw(st.integers(0, len(items))), draw(st.sampled_from(items)))
            return Broken((), kind, items)
        if kind == "type":
            return Broken((), kind, draw(st.sampled_from(["zork", Num("1"), {"0": Num("1")}])))
        items = self.items(draw, draw(st.integers(max(self.min, 1), self.max)))
        at = draw(st.integers(0, len(items) - 1))
        if kind == "item_type":
            items[at] = draw(st.sampled_from(["zork", None, Num("1.5"), []]))
            return Broken((str(at),), "type", items)
        items[at] = Num(str(-1 - draw(st.integers(0, 5))))
        return Broken((str(at),), "minimum", items)


class ObjectField(Field):
    def __init__(self, draw: st.DrawFn, depth: int, top: bool = False) -> None:
        kinds: list[Callable[[st.DrawFn], Field]] = [
            ArrayField,
            IntegerField,
            NumberField,
            StringField,
            EnumField,
            BooleanField,
        ]
        if depth < 2:
            kinds.insert(0, lambda d: ObjectField(d, depth + 1))
        names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
        self.fields = {name: draw(st.sampled_from(kinds))(draw) for name in names}
        self.required = [name for name in names if draw(st.booleans())]
        self.closed = draw(st.booleans())
        self.top = top
        self.schema = {"properties": {name: f.schema for name, f in self.fields.items()}}
        if not top:
            self.schema["type"] = "object"
        if self.required:
            self.schema["required"] = self.required
        if self.closed:
            self.schema["additionalProperties"] = False

    def valid(self, draw: st.DrawFn) -> Any:
        value = {}
        for name, field in self.fields.items():
            if name in self.required or draw(st.booleans()):
                value[name] = field.valid(draw)
        if not self.closed and draw(st.booleans()):
            value[draw(st.sampled_from(EXTRA_NAMES))] = draw(st.sampled_from([Num("1"), "x"]))
        return value

    def broken(self, draw: st.DrawFn) -> Broken:
        kinds = ["member"] * 4  # mostly a member's own constraints
        if self.required:
            kinds.append("required")
        if self.closed:
            kinds.append("additional_properties")
        if not self.top:
            kinds.append("type")
        kind = draw(st.sampled_from(kinds))
        if kind == "type":
            return Broken((), "type", draw(st.sampled_from(["zork", [], Num("1")])))
        value = self.valid(draw)
        if kind == "required":
            del value[draw(st.sampled_from(self.required))]
            return Broken((), "required", value)
        if kind == "additional_properties":
            extra = draw(st.sampled_from(EXTRA_NAMES))
            value[extra] = draw(st.sampled_from([Num("1"), "x", None]))
            return Broken((extra,), "additional_properties", value)
        name = draw(st.sampled_from(sorted(self.fields)))
        inner = self.fields[name].broken(draw)
        value[name] = inner.value
        return Broken((name, *inner.tokens), inner.keyword, value)


@st.composite
def schemas(draw: st.DrawFn) -> ObjectField:
    return ObjectField(draw, depth=0, top=True)


def check_valid(codec: rust_core.RecordCodec, record: dict[str, Any]) -> None:
    body = compact(record)
    item = check_generated(codec, body)
    key = item["id"]["S"]
    # Numerically, the record comes back whole behind its key.
    back = json.loads(rust_core.item_to_json(item), parse_float=Decimal)
    assert back == {"id": key, **json.loads(body, parse_float=Decimal)}
    assert next(iter(back)) == "id"


@given(schemas(), st.data())
def test_generated_valid_records_decode(field: ObjectField, data: st.DataObject) -> None:
    codec = rust_core.RecordCodec(field.schema)
    for _ in range(3):
        check_valid(codec, data.draw(valid_of(field)))


def valid_of(field: Field) -> st.SearchStrategy[Any]:
    @st.composite
    def build(draw: st.DrawFn) -> Any:
        return field.valid(draw)

    return build()


def broken_of(field: Field) -> st.SearchStrategy[Broken]:
    @st.composite
    def build(draw: st.DrawFn) -> Broken:
        return field.broken(draw)

    return build()


@given(schemas(), st.data())
def test_generated_records_breaking_one_constraint(field: ObjectField, data: st.DataObject) -> None:
    codec = rust_core.RecordCodec(field.schema)
    as_text = rust_core.RecordCodec(json.dumps(field.schema))
    broken = data.draw(broken_of(field))
    event(broken.keyword)
    body = compact(broken.value)
    for form in (body, body.encode()):
        for each in (codec, as_text):
            exc = raised(each.decode, form)
            assert validation_pairs(exc) == [(pointer(broken.tokens), broken.keyword)], body


# Records without a schema: decode is json_to_item behind a key.

keys_text = st.text(
    st.sampled_from(["a", "b", "/", "~", "\u00e9", "\U0001f600", '"', "\\", "\n", " ", "0"]),
    min_size=1,
    max_size=6,
).filter(lambda name: name != "id")
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(lambda n: Num(str(n))),
    st.decimals(min_value=-(10**20), max_value=10**20, places=6).map(lambda d: Num(str(d))),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=12)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys_text, children, max_size=4)
    ),
    max_leaves=25,
)
records = st.dictionaries(keys_text, json_values, max_size=6)


@given(records, st.one_of(st.none(), st.text(min_size=1, max_size=40)))
def test_without_a_schema_decode_is_json_to_item_behind_a_key(
    record: dict[str, Any], key: str | None
) -> None:
    codec = rust_core.RecordCodec()
    if key is not None:
        record = {**record, "id": key}
    body = compact(record)
    for form in (body, body.encode()):
        if key is None:
            check_generated(codec, form)
        else:
            item = codec.decode(form)
            assert item == rust_core.json_to_item(form)
            assert list(item) == list(record)
