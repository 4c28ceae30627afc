"""`item_size`: an item's size as DynamoDB counts it against its 400 KB (409,600 bytes) limit.

- Exact sizes for every attribute type, nested containers and sets, against a reference model;
- `RecordCodec`'s `max_item_size` decision is exactly `item_size(item) > max_item_bytes`;
- at the real boundary, Dynoxide (a local DynamoDB) stores an item of exactly 409,600 bytes and
  refuses one byte more, as the codec does before any call.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pytest
from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

import rust_core

from .support import Num, compact, raised

if TYPE_CHECKING:
    from tests.conftest import Table

DYNAMODB_ITEM_LIMIT = 409_600


# --------------------------------------------------------------------------------------------------
# Reference model
# --------------------------------------------------------------------------------------------------


def number_size(text: str) -> int:
    """ceil(integer digits / 2) + ceil(fraction digits / 2) + 1, plus 1 when negative, counting
    significant digits only (leading and trailing zeros trimmed); zero is 1."""
    value = Decimal(text)
    if value.is_zero():
        return 1
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    significant = list(digits)
    while significant[-1] == 0:
        significant.pop()
        exponent += 1
    count = len(significant)
    if exponent >= 0:
        integer, fraction = count, 0
    else:
        integer = max(count + exponent, 0)
        fraction = count - integer
    return math.ceil(integer / 2) + math.ceil(fraction / 2) + 1 + sign


def value_size(value: Any) -> int:
    ((tag, member),) = value.items()
    if tag == "S":
        return len(member.encode("utf-8"))
    if tag == "N":
        return number_size(member)
    if tag == "B":
        return len(member.value if isinstance(member, Binary) else member)
    if tag in ("BOOL", "NULL"):
        return 1
    if tag == "SS":
        return sum(len(text.encode("utf-8")) for text in member)
    if tag == "NS":
        return sum(number_size(text) for text in member)
    if tag == "BS":
        return sum(len(b.value if isinstance(b, Binary) else b) for b in member)
    if tag == "L":
        return 3 + len(member) + sum(value_size(element) for element in member)
    if tag == "M":
        return 3 + sum(len(k.encode("utf-8")) + 1 + value_size(v) for k, v in member.items())
    raise AssertionError(tag)


def reference_size(item: Any) -> int:
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


# --------------------------------------------------------------------------------------------------
# Exact sizes
# --------------------------------------------------------------------------------------------------

NUMBER_SIZES = [
    ("1", 2),
    ("12", 2),
    ("123", 3),
    ("1.5", 3),
    ("100.5", 4),
    ("0.15", 2),
    ("-42", 3),
    ("-0", 1),
    ("0", 1),
    ("1E125", 2),
    ("1E-100", 2),
    ("0.0000001", 2),
    ("12345678901234567890123456789012345678", 20),
    # more, by the same rule
    ("-12345678901234567890123456789012345678", 21),
    ("9.9999999999999999999999999999999999999E+125", 20),
    ("1E-130", 2),
    ("-1E-130", 3),
    ("0.0", 1),
    ("-0.000", 1),
    ("0E+10", 1),
    ("100", 2),
    ("1000", 2),
    ("1.50", 3),
    ("1.05", 3),
    ("10.5", 3),
    ("123.4", 4),
    ("0.105", 3),
    ("0.0105", 3),
    ("-1.5", 4),
    ("1.5E+3", 2),
    ("12345", 4),
    ("1.2345E-7", 4),
]


@pytest.mark.parametrize(("text", "size"), NUMBER_SIZES)
def test_number_sizes(text: str, size: int) -> None:
    assert number_size(text) == size  # the reference agrees with the documented table
    assert rust_core.item_size({"n": {"N": text}}) == 1 + size
    assert rust_core.item_size({"ns": {"NS": [text]}}) == 2 + size


SCALARS: list[tuple[dict[str, Any], int]] = [
    ({"S": ""}, 0),
    ({"S": "abc"}, 3),
    ({"S": "\u00e9"}, 2),
    ({"S": "\u4e2d"}, 3),
    ({"S": "\U0001f600"}, 4),
    ({"S": "\x00"}, 1),
    ({"B": b""}, 0),
    ({"B": b"\x00\xff"}, 2),
    ({"B": bytearray(b"abc")}, 3),
    ({"B": Binary(b"abcd")}, 4),
    ({"BOOL": True}, 1),
    ({"BOOL": False}, 1),
    ({"NULL": True}, 1),
    ({"SS": []}, 0),
    ({"SS": ["a", "bc", "\u00e9"]}, 5),
    ({"NS": ["1", "123", "-0"]}, 6),
    ({"BS": [b"a", bytearray(b"bc"), Binary(b"def")]}, 6),
    ({"L": []}, 3),
    ({"L": [{"S": "ab"}]}, 6),
    ({"L": [{"NULL": True}, {"BOOL": False}]}, 7),
    ({"L": [{"L": []}]}, 7),
    ({"M": {}}, 3),
    ({"M": {"ab": {"S": "c"}}}, 7),
    ({"M": {"\u00e9": {"N": "12"}}}, 8),
    ({"M": {"a": {"M": {}}}}, 8),
    ({"L": [{"M": {"k": {"SS": ["x", "yz"]}}}, {"NS": ["1.5"]}]}, 3 + 2 + (3 + 1 + 1 + 3) + 3),
    ({"M": {"l": {"L": [{"B": b"\x01"}, {"L": [{"S": "\U0001f600"}]}]}}}, 3 + 2 + (3 + 2 + 1 + 8)),
]


@pytest.mark.parametrize(("value", "size"), SCALARS, ids=repr)
def test_value_sizes(value: dict[str, Any], size: int) -> None:
    assert value_size(value) == size
    assert rust_core.item_size({"v": value}) == 1 + size
    assert rust_core.item_size({"\u00e9\U0001f600": value}) == 6 + size


def test_item_sizes_add_names_and_values() -> None:
    assert rust_core.item_size({}) == 0
    item = {
        "id": {"S": "0190b0a4-4b6e-7c2d-9a00-2f4b6c8d0e11"},
        "name": {"S": "Widget"},
        "price": {"N": "12.50"},
        "tags": {"SS": ["a", "b"]},
        "dims": {"M": {"w": {"N": "3"}, "h": {"N": "4"}}},
        "parts": {"L": [{"S": "x"}, {"N": "100"}]},
        "ok": {"BOOL": True},
    }
    expected = (2 + 36) + (4 + 6) + (5 + 3) + (4 + 2) + (4 + 3 + 4 + 4) + (5 + 3 + 2 + 1 + 2) + 3
    assert reference_size(item) == expected
    assert rust_core.item_size(item) == expected


def test_item_size_takes_any_mapping() -> None:
    item = MappingProxyType(
        {"a": MappingProxyType({"S": "xy"}), "m": {"M": MappingProxyType({"k": {"N": "1"}})}}
    )
    assert rust_core.item_size(item) == (1 + 2) + (1 + 3 + 1 + 1 + 2)


def test_item_size_of_serialize_item_output() -> None:
    item = rust_core.serialize_item(
        {"s": "abc", "n": Decimal("-1.5"), "b": b"\x00", "set": {1, 2}, "l": [None, True]}
    )
    assert rust_core.item_size(item) == reference_size(item) == 4 + 5 + 2 + (3 + 4) + (1 + 7)


@pytest.mark.parametrize(
    "item",
    [
        {"a": {}},
        {"a": {"S": "x", "N": "1"}},
        {"a": {"X": "1"}},
        {"a": "x"},
        {"a": None},
        {"a": {"S": 1}},
        {"a": {"N": 1}},
        {"a": {"B": "x"}},
        {"a": {"L": "x"}},
        {"a": {"L": {"S": "x"}}},
        {"a": {"M": [1]}},
        {"a": {"L": [{}]}},
        {"a": {"M": {"b": {"Q": 1}}}},
        {"a": {"SS": "ab"}},
        {"a": {"NS": [1]}},
        {"a": {"BS": ["x"]}},
        {1: {"S": "x"}},
        [("a", {"S": "x"})],
        None,
        "{}",
    ],
    ids=repr,
)
def test_item_size_rejects_malformed_attribute_values(item: Any) -> None:
    exc = raised(rust_core.item_size, item)
    assert type(exc) is TypeError, repr(exc)


@pytest.mark.parametrize("number", ["abc", "", "1e", "NaN", "Infinity", "--1"])
def test_item_size_rejects_non_numbers(number: str) -> None:
    exc = raised(rust_core.item_size, {"n": {"N": number}})
    assert isinstance(exc, (TypeError, ValueError)), repr(exc)


# --------------------------------------------------------------------------------------------------
# Generated items against the reference
# --------------------------------------------------------------------------------------------------


@st.composite
def dynamodb_numbers(draw: st.DrawFn) -> str:
    """Any number DynamoDB holds, in Decimal's text forms (exponents, trailing zeros kept)."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["0", "-0", "0.00", "0E+5"]))
    digits = draw(st.lists(st.integers(0, 9), min_size=1, max_size=38))
    digits[0] = draw(st.integers(1, 9))
    adjusted = draw(st.integers(-130, 125))  # the exponent of the first digit
    exponent = adjusted - len(digits) + 1
    sign = draw(st.integers(0, 1))
    return str(Decimal((sign, tuple(digits), exponent)))


names = st.text(min_size=1, max_size=6)
binaries = st.one_of(
    st.binary(max_size=8), st.binary(max_size=8).map(bytearray), st.binary(max_size=8).map(Binary)
)
scalar_values = st.one_of(
    st.text(max_size=10).map(lambda s: {"S": s}),
    dynamodb_numbers().map(lambda n: {"N": n}),
    binaries.map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(st.text(max_size=5), max_size=4, unique=True).map(lambda s: {"SS": s}),
    st.lists(dynamodb_numbers(), max_size=4, unique=True).map(lambda s: {"NS": s}),
    st.lists(st.binary(max_size=5), max_size=4, unique=True).map(lambda s: {"BS": s}),
)
attribute_values = st.recursive(
    scalar_values,
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda members: {"L": members}),
        st.dictionaries(names, children, max_size=4).map(lambda members: {"M": members}),
    ),
    max_leaves=20,
)
items = st.dictionaries(names, attribute_values, max_size=6)


@given(items)
def test_item_size_matches_the_reference(item: dict[str, Any]) -> None:
    assert rust_core.item_size(item) == reference_size(item)


@given(dynamodb_numbers())
def test_number_size_matches_the_reference(text: str) -> None:
    assert rust_core.item_size({"n": {"N": text}}) == 1 + number_size(text)


# --------------------------------------------------------------------------------------------------
# The codec's max_item_size decision is item_size's
# --------------------------------------------------------------------------------------------------


json_numbers = dynamodb_numbers().map(lambda text: Num(str(Decimal(text))))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), json_numbers, st.text(max_size=300)),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(names.filter(lambda n: n != "id"), children, max_size=4),
    ),
    max_leaves=15,
)
records = st.dictionaries(names.filter(lambda n: n != "id"), json_values, max_size=6)


@given(records, st.integers(-3, 3), st.sampled_from([None, "k", "\u00e9" * 100]))
def test_codec_item_limit_is_item_size(record: dict[str, Any], delta: int, key: str | None) -> None:
    body = compact(record)
    parsed = rust_core.json_to_item(body)
    if key is None:
        size = rust_core.item_size(parsed) + len("id") + 36
    else:
        size = rust_core.item_size({"id": {"S": key}, **parsed})
    limit = max(size + delta, 0)
    codec = rust_core.RecordCodec(max_item_bytes=limit)
    if size > limit:
        exc = raised(codec.decode, body, key=key)
        assert type(exc) is rust_core.LimitError, repr(exc)
        assert [(e["path"], e["keyword"]) for e in exc.errors] == [("", "max_item_size")]
        return
    item = codec.decode(body, key=key)
    assert rust_core.item_size(item) == size
    assert item == {"id": item["id"], **parsed}
    if key is not None:
        assert item["id"] == {"S": key}


# --------------------------------------------------------------------------------------------------
# DynamoDB's own boundary, with Dynoxide
# --------------------------------------------------------------------------------------------------


def record_of_size(key: str, size: int) -> str:
    """A body whose item is exactly `size` bytes: the key and one big string attribute."""
    filler = size - len("id") - len(key.encode()) - len("data")
    return json.dumps({"id": key, "data": "x" * filler})


def test_dynamodb_boundary_agrees_with_the_codec(table: Table) -> None:
    codec = rust_core.RecordCodec()

    # GIVEN an item of exactly 409,600 bytes
    item = codec.decode(record_of_size("at-limit", DYNAMODB_ITEM_LIMIT))
    assert rust_core.item_size(item) == DYNAMODB_ITEM_LIMIT
    # WHEN it is written THEN DynamoDB stores it whole
    table.client.put_item(TableName=table.name, Item=item)
    stored = table.client.get_item(
        TableName=table.name, Key={"id": {"S": "at-limit"}}, ConsistentRead=True
    )
    assert stored["Item"] == item

    # GIVEN one byte more: the codec refuses it before any call
    over_body = record_of_size("over-limit", DYNAMODB_ITEM_LIMIT + 1)
    exc = raised(codec.decode, over_body)
    assert type(exc) is rust_core.LimitError, repr(exc)
    assert [(e["path"], e["keyword"]) for e in exc.errors] == [("", "max_item_size")]
    # and DynamoDB itself refuses it
    over_item = rust_core.json_to_item(over_body)
    assert rust_core.item_size(over_item) == DYNAMODB_ITEM_LIMIT + 1
    with pytest.raises(ClientError) as info:
        table.client.put_item(TableName=table.name, Item=over_item)
    error = info.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "item size" in error["Message"].lower()
    assert set(table.items()) == {"at-limit"}


def numeric(item: Any) -> dict[str, Any]:
    """An item with numbers as Decimals (built from their text, exactly) and sets as sets."""
    return {name: numeric_value(value) for name, value in item.items()}


def numeric_value(value: Any) -> Any:
    ((tag, member),) = value.items()
    if tag == "N":
        return Decimal(member)
    if tag == "NS":
        return frozenset(Decimal(text) for text in member)
    if tag == "SS":
        return frozenset(member)
    if tag == "BS":
        return frozenset(bytes(b) for b in member)
    if tag == "B":
        return bytes(member)
    if tag == "L":
        return ("L", [numeric_value(element) for element in member])
    if tag == "M":
        return ("M", numeric(member))
    return (tag, member)


BOUNDARY_SHAPES: dict[str, dict[str, Any]] = {
    "numbers": {"a": {"N": "120"}, "b": {"N": "-1.05"}, "c": {"N": "0.0105"}, "d": {"N": "1E+125"}},
    "long_number": {"n": {"N": "-1234567890123456789012345678901234567.8"}},
    "list": {"l": {"L": [{"S": "\u00e9"}, {"N": "1"}, {"NULL": True}, {"L": []}]}},
    "map": {"m": {"M": {"k": {"S": "v"}, "\u00e9": {"BOOL": False}, "n": {"M": {}}}}},
    "nested": {"x": {"M": {"l": {"L": [{"M": {"k": {"L": [{"N": "99"}]}}}]}}}},
    "sets": {"ss": {"SS": ["a", "bc"]}, "ns": {"NS": ["1", "22.5"]}, "bs": {"BS": [b"\x00\x01"]}},
    "binary": {"b": {"B": b"\x00" * 100}},
}


@pytest.mark.parametrize("shape", sorted(BOUNDARY_SHAPES))
def test_dynamodb_counts_every_type_as_item_size_does(table: Table, shape: str) -> None:
    base = {"id": {"S": shape}, **BOUNDARY_SHAPES[shape]}
    filler = DYNAMODB_ITEM_LIMIT - rust_core.item_size(base) - len("data")
    at_limit = {**base, "data": {"S": "x" * filler}}
    over = {**base, "data": {"S": "x" * (filler + 1)}}
    assert rust_core.item_size(at_limit) == DYNAMODB_ITEM_LIMIT
    assert rust_core.item_size(over) == DYNAMODB_ITEM_LIMIT + 1

    table.client.put_item(TableName=table.name, Item=at_limit)
    stored = table.client.get_item(
        TableName=table.name, Key={"id": {"S": shape}}, ConsistentRead=True
    )["Item"]
    assert numeric(stored) == numeric(at_limit)  # DynamoDB may rewrite a number's text
    with pytest.raises(ClientError) as info:
        table.client.put_item(TableName=table.name, Item={**over, "id": {"S": shape + "+1"}})
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert "item size" in info.value.response["Error"]["Message"].lower()
    assert set(table.items()) == {shape}

    if "sets" in shape or "binary" in shape:
        return  # JSON has no sets or binaries: the codec never builds them
    codec = rust_core.RecordCodec()
    assert codec.decode(rust_core.item_to_json(at_limit)) == at_limit
    exc = raised(codec.decode, rust_core.item_to_json(over))
    assert type(exc) is rust_core.LimitError, repr(exc)
    assert [(e["path"], e["keyword"]) for e in exc.errors] == [("", "max_item_size")]
