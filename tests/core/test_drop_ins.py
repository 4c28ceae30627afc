"""`serialize`, `deserialize` and the `*_item` pair: drop-ins for boto3.dynamodb.types.

Drop-in means: for every input, the same result (same types too: bytes stays bytes, bytearray stays
bytearray, a Decimal keeps its exponent) or the same exception class, boto3's quirks included. Each
property is checked differentially against the installed boto3; boto3's documented behaviour and its
quirks are also pinned explicitly, so a boto3 upgrade that changes them shows up here.
"""

from __future__ import annotations

import collections
import datetime
import decimal
import enum
import subprocess
import sys
import textwrap
import types
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

import rust_core

SERIALIZER = TypeSerializer()
DESERIALIZER = TypeDeserializer()
REPO_ROOT = Path(__file__).resolve().parents[2]


def boto3_serialize_item(mapping: Any) -> dict[Any, Any]:
    return {k: SERIALIZER.serialize(v) for k, v in mapping.items()}


def boto3_deserialize_item(item: Any) -> dict[Any, Any]:
    return {k: DESERIALIZER.deserialize(v) for k, v in item.items()}


# --------------------------------------------------------------------------------------------------
# Exact comparison
# --------------------------------------------------------------------------------------------------


def canon(value: Any) -> Any:
    """A form of `value` where == also compares what Python's == forgets.

    Exact types (bytes vs bytearray, bool vs int, str subclasses), a Decimal's text (its exponent
    and sign: Decimal("1.0") == Decimal("1") but they are different results), NaN (never equal to
    itself), key order, and a set's members.
    """
    kind = type(value).__qualname__
    if value is None:
        return ("None",)
    if isinstance(value, Decimal):
        return (kind, str(value))
    if isinstance(value, (bool, int)):
        return (kind, int(value))
    if isinstance(value, str):
        return (kind, str(value))
    if isinstance(value, (bytes, bytearray)):
        return (kind, bytes(value))
    if isinstance(value, Binary):
        return (kind, canon(value.value))
    if isinstance(value, (set, frozenset)):
        return (kind, sorted(repr(canon(member)) for member in value))
    if isinstance(value, (list, tuple)):
        return (kind, [canon(member) for member in value])
    if isinstance(value, dict):
        return (kind, [(canon(k), canon(v)) for k, v in value.items()])
    # Anything else is passed through untouched (e.g. {"S": <object>}): same object, same repr.
    return (kind, repr(value))


def outcome(func: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    try:
        result = func(*args)
    except Exception as exc:
        return ("raises", type(exc))
    return ("returns", canon(result))


def assert_same(rust_func: Callable[..., Any], boto3_func: Callable[..., Any], value: Any) -> None:
    expected = outcome(boto3_func, value)
    actual = outcome(rust_func, value)
    assert actual == expected, f"input {value!r}"


def returns(value: Any) -> tuple[str, Any]:
    return ("returns", canon(value))


def raises(exc_type: type[BaseException]) -> tuple[str, Any]:
    return ("raises", exc_type)


# --------------------------------------------------------------------------------------------------
# Odd but legal inputs
# --------------------------------------------------------------------------------------------------


class FrozenMapping(Mapping):  # type: ignore[type-arg]
    """A Mapping that is not a dict."""

    def __init__(self, data: dict[Any, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: Any) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMapping({self._data!r})"


class DictSubclass(dict):  # type: ignore[type-arg]
    pass


class StrSubclass(str):
    pass


class Colour(enum.IntEnum):
    RED = 1


class Point(NamedTuple):
    x: int
    y: str


class StrIsS:
    """Hashable, not a str, but formats as "S": boto3 looks the type up by f-string."""

    def __str__(self) -> str:
        return "S"

    def __hash__(self) -> int:
        return 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StrIsS)


class StrRaises:
    """Unsupported, and its str() raises: boto3 formats the value into its TypeError message."""

    def __str__(self) -> str:
        raise ValueError("no str for you")

    def __repr__(self) -> str:
        return "StrRaises()"


UNSUPPORTED = [
    object(),
    1 + 2j,
    Ellipsis,
    NotImplemented,
    datetime.date(2020, 1, 1),
    range(3),
    collections.deque([1]),
    int,
    {"a": 1}.items(),
    iter([1]),
]

SPECIAL_DECIMALS = [
    Decimal(text)
    for text in [
        "NaN",
        "-NaN",
        "sNaN",
        "-sNaN",
        "NaN123",
        "Infinity",
        "-Infinity",
        "0",
        "-0",
        "0.000",
        "0E+200",
        "0E-300",
        "1E+125",
        "1E+126",
        "1E+127",
        "-1E+127",
        "1E-128",
        "1E-130",
        "1E-131",
        "1E-140",
        "1E-165",
        "1E-166",
        "1.5E-165",
        "1E-200",
        "9.9999999999999999999999999999999999999E+125",
        "9.9999999999999999999999999999999999999E+126",
        "9.99999999999999999999999999999999999999E+126",
        "1.00",
        "1E+2",
        "100",
        "0.0000001",
        "12345678901234567890123456789012345678",
        "123456789012345678901234567890123456789",
        "1234567890123456789012345678901234567890",
        "1.000000000000000000000000000000000000000",
        "12345678901234567890123456789012345678.0",
    ]
]


# --------------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------------

ints = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.integers(min_value=0, max_value=60).map(lambda k: 10**k),
    st.integers(min_value=0, max_value=60).map(lambda k: -(10**k)),
    st.integers(min_value=1, max_value=60).map(lambda k: 10**k - 1),
    st.sampled_from([2**63, -(2**63), 2**64, 2**200, -(2**200), Colour.RED]),
)

decimals = st.one_of(
    st.sampled_from(SPECIAL_DECIMALS),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.builds(
        lambda sign, digits, exponent: Decimal((sign, tuple(digits), exponent)),
        st.integers(min_value=0, max_value=1),
        st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=45),
        st.integers(min_value=-220, max_value=220),
    ),
)
hashable_decimals = decimals.filter(lambda d: not d.is_snan())  # hash(sNaN) raises

strings = st.one_of(
    st.text(),
    st.text(st.characters(categories=["Cs"]), min_size=1),  # lone surrogates
    st.text(st.characters(max_codepoint=0x7F)),
    st.text().map(StrSubclass),
)

raw_binaries = st.one_of(st.binary(), st.binary().map(bytearray))
binaries = st.one_of(
    raw_binaries,
    st.binary().map(Binary),
    st.binary().map(bytearray).map(Binary),
)
hashable_binaries = st.one_of(st.binary(), st.binary().map(Binary))

floats = st.floats(allow_nan=True, allow_infinity=True)
unsupported = st.one_of(st.sampled_from(UNSUPPORTED), floats)

hashable_numbers = st.one_of(ints, hashable_decimals, st.booleans())
odd_hashables = st.one_of(
    st.none(), floats, st.tuples(st.integers()), st.frozensets(st.integers(), max_size=2)
)
set_members = st.one_of(
    hashable_numbers, st.text(), hashable_binaries, st.sampled_from([StrIsS()]), odd_hashables
)


def _sets_of(members: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sets(members, max_size=5), st.frozensets(members, max_size=5))


sets = st.one_of(
    st.sampled_from([set(), frozenset(), {}.keys(), {"a": 1, "b": 2}.keys()]),
    _sets_of(hashable_numbers),
    _sets_of(st.text()),
    _sets_of(hashable_binaries),
    _sets_of(set_members),
)

scalars = st.one_of(st.none(), st.booleans(), ints, decimals, strings, binaries, sets, unsupported)
dict_keys = st.one_of(st.text(), st.text(max_size=2), st.integers(min_value=-3, max_value=3))


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    dicts = st.dictionaries(dict_keys, children, max_size=4)
    lists = st.lists(children, max_size=4)
    return st.one_of(
        lists,
        lists.map(tuple),
        st.builds(Point, st.integers(), st.text()),
        dicts,
        dicts.map(collections.OrderedDict),
        dicts.map(types.MappingProxyType),
        dicts.map(FrozenMapping),
        dicts.map(DictSubclass),
    )


values = st.recursive(scalars, _containers, max_leaves=25)

# Only what boto3 supports, numbers DynamoDB can hold: exercises the success path deeply.
supported_numbers = st.one_of(
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
    st.decimals(min_value=Decimal("-1e30"), max_value=Decimal("1e30"), places=6),
    st.builds(
        lambda sign, digits, exponent: Decimal((sign, tuple(digits), exponent)),
        st.integers(min_value=0, max_value=1),
        st.lists(st.integers(min_value=0, max_value=9), min_size=1, max_size=38),
        st.integers(min_value=-128, max_value=88),
    ),
)
supported_scalars = st.one_of(
    st.none(),
    st.booleans(),
    supported_numbers,
    st.text(),
    binaries,
    _sets_of(supported_numbers),
    _sets_of(st.text()),
    _sets_of(st.binary()),
)
supported_values = st.recursive(
    supported_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.lists(children, max_size=5).map(tuple),
        st.dictionaries(st.text(), children, max_size=5),
    ),
    max_leaves=40,
)

# ---- attribute values, for the deserializer ----

TYPE_KEYS = ["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"]

number_texts = st.one_of(
    st.from_regex(r"[+-]?[0-9]{0,45}(\.[0-9]{0,45})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
    st.sampled_from(
        [
            "NaN",
            "-NaN",
            "nan",
            "sNaN",
            "Infinity",
            "-Infinity",
            "inf",
            "-inf",
            "abc",
            "",
            " 1 ",
            "1_000",
            "\u0663",
            "\uff11",
            "0x10",
            "1e999999999999999999",
            "1e-999999999999999999",
            "1E+126",
            "1E+127",
            "1E-130",
            "1E-131",
            "1E-140",
            "1E-200",
            "-0",
            "1.50",
            "+5",
            ".5",
            "5.",
        ]
    ),
    decimals.map(str),
)
n_payloads = st.one_of(
    number_texts,
    number_texts,
    ints,
    decimals,
    floats,
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.just((0, (1, 2), -1)),
)
anything = st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.binary(), floats)


def _attribute_values(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    def one(key: str, payload: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.builds(lambda v: {key: v}, payload)

    return st.one_of(
        one("S", st.one_of(st.text(), anything)),
        one("N", n_payloads),
        one("B", st.one_of(raw_binaries, st.text(), st.none())),
        one("BOOL", st.one_of(st.booleans(), anything)),
        one("NULL", st.one_of(st.just(True), anything)),
        one("SS", st.one_of(st.lists(st.text(), max_size=4), st.text(max_size=4))),
        one("SS", st.lists(st.one_of(st.text(), st.lists(st.text(), max_size=1)), max_size=3)),
        one("NS", st.one_of(st.lists(number_texts, max_size=4), st.text(max_size=4))),
        one("BS", st.lists(st.one_of(st.binary(), st.binary()), max_size=4)),
        one("BS", st.lists(st.one_of(raw_binaries, st.text()), max_size=3)),
        one("L", st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(), children))),
        one("M", st.one_of(st.dictionaries(st.text(), children, max_size=4), st.lists(children))),
    )


def _rekey(attribute_value: dict[Any, Any], how: str) -> Any:
    ((key, payload),) = attribute_value.items()
    new_key: Any = {
        "same": key,
        "lower": key.lower(),
        "swapcase": key.swapcase(),
        "title": key.title(),
        "padded": f" {key}",
        "unknown": key + "X",
        "not_a_str": 0,
        "formats_as_S": StrIsS(),
    }[how]
    return {new_key: payload}


attribute_values = st.recursive(
    st.one_of(
        st.builds(lambda k: {k: True}, st.just("NULL")),
        st.builds(lambda s: {"S": s}, st.text()),
        st.builds(lambda n: {"N": n}, number_texts),
    ),
    _attribute_values,
    max_leaves=20,
)
key_variants = st.sampled_from(
    ["same", "same", "same", "lower", "swapcase", "title", "padded", "unknown", "not_a_str"]
)
quirky_attribute_values = st.one_of(
    attribute_values,
    st.builds(_rekey, attribute_values, key_variants),
    # Several keys: only the first counts.
    st.builds(lambda a, b: {**a, **b}, attribute_values, attribute_values),
    st.builds(lambda d: {**d, "X": 1}, attribute_values),
    st.builds(lambda d: {"X": 1, **d}, attribute_values),
    attribute_values.map(types.MappingProxyType),
    attribute_values.map(FrozenMapping),
    attribute_values.map(collections.OrderedDict),
    st.sampled_from([{}, None, 0, "", [], [1], "S", 5, b"S", {"": 1}, {None: 1}, {1.5: "x"}]),
)


# --------------------------------------------------------------------------------------------------
# Differential properties
# --------------------------------------------------------------------------------------------------


@given(values)
def test_serialize_matches_boto3(value: Any) -> None:
    assert_same(rust_core.serialize, SERIALIZER.serialize, value)


@given(supported_values)
def test_serialize_matches_boto3_on_supported_values(value: Any) -> None:
    expected = SERIALIZER.serialize(value)
    actual = rust_core.serialize(value)
    assert canon(actual) == canon(expected)


@given(st.one_of(decimals, ints, _sets_of(hashable_numbers)))
def test_serialize_numbers_match_boto3(value: Any) -> None:
    assert_same(rust_core.serialize, SERIALIZER.serialize, value)


@given(quirky_attribute_values)
def test_deserialize_matches_boto3(attribute_value: Any) -> None:
    assert_same(rust_core.deserialize, DESERIALIZER.deserialize, attribute_value)


@given(st.builds(lambda n: {"N": n}, n_payloads))
def test_deserialize_numbers_match_boto3(attribute_value: Any) -> None:
    assert_same(rust_core.deserialize, DESERIALIZER.deserialize, attribute_value)


@given(supported_values)
def test_deserialize_inverts_serialize_like_boto3(value: Any) -> None:
    attribute_value = SERIALIZER.serialize(value)
    assert canon(rust_core.deserialize(attribute_value)) == canon(
        DESERIALIZER.deserialize(attribute_value)
    )


@given(
    st.one_of(
        st.dictionaries(dict_keys, values, max_size=5),
        st.dictionaries(st.text(), supported_values, max_size=5),
        st.dictionaries(st.text(), values, max_size=3).map(types.MappingProxyType),
        st.dictionaries(st.text(), values, max_size=3).map(FrozenMapping),
        st.sampled_from([None, [], [("a", 1)], "ab", 5, {"a", "b"}]),
    )
)
def test_serialize_item_matches_boto3(mapping: Any) -> None:
    assert_same(rust_core.serialize_item, boto3_serialize_item, mapping)


@given(
    st.one_of(
        st.dictionaries(st.text(), quirky_attribute_values, max_size=5),
        st.dictionaries(st.text(), supported_values.map(SERIALIZER.serialize), max_size=5),
        st.dictionaries(st.text(), attribute_values, max_size=3).map(FrozenMapping),
        st.sampled_from([None, [], [("a", {"S": "x"})], "ab", 5]),
    )
)
def test_deserialize_item_matches_boto3(item: Any) -> None:
    assert_same(rust_core.deserialize_item, boto3_deserialize_item, item)


@given(supported_values)
def test_item_pair_round_trips_like_boto3(value: Any) -> None:
    mapping = {"v": value, "w": [value]}
    item = rust_core.serialize_item(mapping)
    assert canon(item) == canon(boto3_serialize_item(mapping))
    assert canon(rust_core.deserialize_item(item)) == canon(boto3_deserialize_item(item))


# --------------------------------------------------------------------------------------------------
# boto3's documented behaviour and its quirks, pinned
# --------------------------------------------------------------------------------------------------

SERIALIZE_CASES: list[tuple[str, Any, tuple[str, Any]]] = [
    # documented table
    ("none", None, returns({"NULL": True})),
    ("true", True, returns({"BOOL": True})),
    ("false", False, returns({"BOOL": False})),
    ("int", 1, returns({"N": "1"})),
    ("int_zero", 0, returns({"N": "0"})),
    ("int_negative", -5, returns({"N": "-5"})),
    ("int_38_digits", 10**37, returns({"N": "1" + "0" * 37})),
    ("int_max_38_nines", 10**38 - 1, returns({"N": "9" * 38})),
    ("int_enum", Colour.RED, returns({"N": "1"})),
    ("decimal", Decimal("1.25"), returns({"N": "1.25"})),
    ("decimal_trailing_zeros_kept", Decimal("1.00"), returns({"N": "1.00"})),
    ("decimal_negative_zero", Decimal("-0"), returns({"N": "-0"})),
    ("decimal_exponent_kept", Decimal("1E+2"), returns({"N": "1E+2"})),
    ("decimal_small_is_scientific", Decimal("0.0000001"), returns({"N": "1E-7"})),
    ("decimal_max", Decimal("1E+126"), returns({"N": "1E+126"})),
    ("decimal_subnormal_accepted", Decimal("1E-140"), returns({"N": "1E-140"})),
    ("decimal_etiny_accepted", Decimal("1E-165"), returns({"N": "1E-165"})),
    ("string", "foo", returns({"S": "foo"})),
    ("string_empty", "", returns({"S": ""})),
    ("string_lone_surrogate", "\ud800", returns({"S": "\ud800"})),
    ("string_subclass_kept", StrSubclass("x"), returns({"S": StrSubclass("x")})),
    ("bytes", b"\x01", returns({"B": b"\x01"})),
    ("bytearray_stays_bytearray", bytearray(b"\x01"), returns({"B": bytearray(b"\x01")})),
    ("binary_unwrapped", Binary(b"\x01"), returns({"B": b"\x01"})),
    ("binary_of_bytearray", Binary(bytearray(b"\x01")), returns({"B": bytearray(b"\x01")})),
    ("set_of_ints", {1}, returns({"NS": ["1"]})),
    ("set_of_strings", {"foo"}, returns({"SS": ["foo"]})),
    ("set_of_bytes", {b"\x01"}, returns({"BS": [b"\x01"]})),
    ("set_of_binary", {Binary(b"\x01")}, returns({"BS": [b"\x01"]})),
    ("list", ["foo", 1, [1]], returns({"L": [{"S": "foo"}, {"N": "1"}, {"L": [{"N": "1"}]}]})),
    ("tuple", ("foo", 1, (1,)), returns({"L": [{"S": "foo"}, {"N": "1"}, {"L": [{"N": "1"}]}]})),
    ("namedtuple", Point(1, "a"), returns({"L": [{"N": "1"}, {"S": "a"}]})),
    (
        "map",
        {"foo": "bar", "baz": {"biz": 1}},
        returns({"M": {"foo": {"S": "bar"}, "baz": {"M": {"biz": {"N": "1"}}}}}),
    ),
    ("map_order_kept", {"b": 1, "a": 2}, returns({"M": {"b": {"N": "1"}, "a": {"N": "2"}}})),
    ("map_non_str_keys_kept", {1: 2}, returns({"M": {1: {"N": "2"}}})),
    ("mapping_proxy", types.MappingProxyType({"a": None}), returns({"M": {"a": {"NULL": True}}})),
    ("custom_mapping", FrozenMapping({"a": True}), returns({"M": {"a": {"BOOL": True}}})),
    ("empty_map", {}, returns({"M": {}})),
    ("empty_list", [], returns({"L": []})),
    # quirks
    ("empty_set_is_number_set", set(), returns({"NS": []})),
    ("empty_frozenset_is_number_set", frozenset(), returns({"NS": []})),
    ("bool_in_set_is_a_number", {True}, returns({"NS": ["1"]})),
    ("dict_keys_view_is_a_set", {"a": 1}.keys(), returns({"SS": ["a"]})),
    ("empty_dict_keys_view", {}.keys(), returns({"NS": []})),
    ("decimal_minus_infinity_passes", Decimal("-Infinity"), returns({"N": "-Infinity"})),
    ("decimal_minus_nan_passes", Decimal("-NaN"), returns({"N": "-NaN"})),
    ("decimal_snan_passes", Decimal("sNaN"), returns({"N": "sNaN"})),
    ("decimal_nan_payload_passes", Decimal("NaN123"), returns({"N": "NaN123"})),
    # errors
    ("float", 1.25, raises(TypeError)),
    ("float_zero", 0.0, raises(TypeError)),
    ("float_nan", float("nan"), raises(TypeError)),
    ("decimal_nan", Decimal("NaN"), raises(TypeError)),
    ("decimal_infinity", Decimal("Infinity"), raises(TypeError)),
    ("int_39_digits_exact_zeros", 10**38, raises(decimal.Rounded)),
    ("int_39_digits", 10**38 + 1, raises(decimal.Inexact)),
    ("int_negative_39_digits", -(10**38), raises(decimal.Rounded)),
    ("int_huge", 2**200, raises(decimal.Inexact)),
    (
        "decimal_39_digits",
        Decimal("123456789012345678901234567890123456789"),
        raises(decimal.Inexact),
    ),
    (
        "decimal_39_digits_trailing_zero",
        Decimal("1.000000000000000000000000000000000000000"),
        raises(decimal.Rounded),
    ),
    ("decimal_overflow", Decimal("1E+127"), raises(decimal.Overflow)),
    ("decimal_underflow", Decimal("1E-200"), raises(decimal.Underflow)),
    ("decimal_underflow_inexact", Decimal("1.5E-165"), raises(decimal.Underflow)),
    ("decimal_zero_clamped_high", Decimal("0E+200"), raises(decimal.Clamped)),
    ("decimal_zero_clamped_low", Decimal("0E-300"), raises(decimal.Clamped)),
    ("unsupported_object", object(), raises(TypeError)),
    ("unsupported_complex", 1 + 2j, raises(TypeError)),
    ("unsupported_date", datetime.date(2020, 1, 1), raises(TypeError)),
    ("unsupported_deque", collections.deque([1]), raises(TypeError)),
    ("unsupported_dict_items_view", {"a": 1}.items(), raises(TypeError)),
    ("set_mixed_number_string", {1, "a"}, raises(TypeError)),
    ("set_of_float", {1.5}, raises(TypeError)),
    ("set_of_none", {None}, raises(TypeError)),
    ("set_of_tuple", {(1,)}, raises(TypeError)),
    ("set_of_decimal_nan", {Decimal("NaN")}, raises(TypeError)),
    ("set_of_decimal_overflow", {Decimal("1E+127")}, raises(decimal.Overflow)),
    ("float_in_list", [1.5], raises(TypeError)),
    ("nan_in_map", {"a": [Decimal("NaN")]}, raises(TypeError)),
    ("first_error_wins_list", [Decimal("1E+999"), 1.5], raises(decimal.Overflow)),
    ("first_error_wins_list_reversed", [1.5, Decimal("1E+999")], raises(TypeError)),
    ("first_error_wins_map", {"a": Decimal("1E+999"), "b": 1.5}, raises(decimal.Overflow)),
    ("first_error_wins_map_reversed", {"b": 1.5, "a": Decimal("1E+999")}, raises(TypeError)),
    # boto3 formats the unsupported value into its message: a failing str() wins
    ("unsupported_whose_str_raises", StrRaises(), raises(ValueError)),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [pytest.param(value, expected, id=name) for name, value, expected in SERIALIZE_CASES],
)
def test_serialize_pinned(value: Any, expected: tuple[str, Any]) -> None:
    assert outcome(SERIALIZER.serialize, value) == expected, "boto3 changed: re-check the pin"
    assert outcome(rust_core.serialize, value) == expected


NAN = Decimal("NaN")

DESERIALIZE_CASES: list[tuple[str, Any, tuple[str, Any]]] = [
    # documented table
    ("null", {"NULL": True}, returns(None)),
    ("bool", {"BOOL": False}, returns(False)),
    ("number_int", {"N": "1"}, returns(Decimal("1"))),
    ("number_decimal", {"N": "1.25"}, returns(Decimal("1.25"))),
    ("number_trailing_zero_kept", {"N": "1.50"}, returns(Decimal("1.50"))),
    ("number_negative_zero", {"N": "-0"}, returns(Decimal("-0"))),
    ("number_exponent", {"N": "1e2"}, returns(Decimal("1E+2"))),
    ("number_subnormal", {"N": "1E-140"}, returns(Decimal("1E-140"))),
    ("string", {"S": "foo"}, returns("foo")),
    ("binary", {"B": b"\x00"}, returns(Binary(b"\x00"))),
    ("binary_bytearray_kept", {"B": bytearray(b"\x00")}, returns(Binary(bytearray(b"\x00")))),
    ("number_set", {"NS": ["1", "1.25"]}, returns({Decimal("1"), Decimal("1.25")})),
    ("string_set", {"SS": ["foo", "bar"]}, returns({"foo", "bar"})),
    ("binary_set", {"BS": [b"\x00", b"\x01"]}, returns({Binary(b"\x00"), Binary(b"\x01")})),
    (
        "list",
        {"L": [{"N": "1"}, {"S": "foo"}, {"L": [{"N": "1.25"}]}]},
        returns([Decimal("1"), "foo", [Decimal("1.25")]]),
    ),
    (
        "map",
        {"M": {"foo": {"S": "mystring"}, "bar": {"M": {"baz": {"N": "1"}}}}},
        returns({"foo": "mystring", "bar": {"baz": Decimal("1")}}),
    ),
    (
        "map_order_kept",
        {"M": {"b": {"N": "1"}, "a": {"N": "2"}}},
        returns({"b": Decimal("1"), "a": Decimal("2")}),
    ),
    ("empty_list", {"L": []}, returns([])),
    ("empty_map", {"M": {}}, returns({})),
    ("empty_number_set", {"NS": []}, returns(set())),
    # quirks
    ("null_false_is_none", {"NULL": False}, returns(None)),
    ("bool_payload_untouched", {"BOOL": "yes"}, returns("yes")),
    ("string_payload_untouched", {"S": 5}, returns(5)),
    ("lowercase_key", {"s": "x"}, returns("x")),
    ("lowercase_number", {"n": "1"}, returns(Decimal("1"))),
    ("mixed_case_set", {"Ns": ["1"]}, returns({Decimal("1")})),
    ("lowercase_null", {"null": 0}, returns(None)),
    ("lowercase_map", {"m": {"a": {"bool": True}}}, returns({"a": True})),
    ("first_key_wins", {"S": "x", "N": "1"}, returns("x")),
    ("first_key_wins_number", {"N": "1", "S": "x"}, returns(Decimal("1"))),
    ("key_formatting_as_S", {StrIsS(): "x"}, returns("x")),
    ("number_not_a_number_is_nan", {"N": "abc"}, returns(NAN)),
    ("number_nan_text", {"N": "NaN"}, returns(NAN)),
    ("number_snan_text", {"N": "sNaN"}, returns(Decimal("sNaN"))),
    ("number_infinity_text", {"N": "Infinity"}, returns(Decimal("Infinity"))),
    ("number_minus_infinity_text", {"N": "-Infinity"}, returns(Decimal("-Infinity"))),
    ("number_with_spaces_is_nan", {"N": " 1 "}, returns(NAN)),
    ("number_with_underscore_is_nan", {"N": "1_000"}, returns(NAN)),
    ("number_empty_is_nan", {"N": ""}, returns(NAN)),
    ("number_arabic_indic_digit", {"N": "\u0663"}, returns(Decimal("3"))),
    ("number_fullwidth_digit", {"N": "\uff11"}, returns(Decimal("1"))),
    ("number_plus_sign", {"N": "+5"}, returns(Decimal("5"))),
    ("number_leading_dot", {"N": ".5"}, returns(Decimal("0.5"))),
    ("number_trailing_dot", {"N": "5."}, returns(Decimal("5"))),
    ("number_payload_int", {"N": 5}, returns(Decimal("5"))),
    ("number_payload_bool", {"N": True}, returns(Decimal("1"))),
    ("number_payload_exact_float", {"N": 0.5}, returns(Decimal("0.5"))),
    ("number_payload_tuple", {"N": (0, (1,), 0)}, returns(Decimal("1"))),
    ("number_set_equal_members_first_kept", {"NS": ["1.0", "1"]}, returns({Decimal("1.0")})),
    # three distinct NaN objects: three members
    ("number_set_from_string_chars", {"NS": "abc"}, returns({Decimal("NaN") for _ in "abc"})),
    ("string_set_from_string_chars", {"SS": "ab"}, returns({"a", "b"})),
    ("list_payload_dict_items_are_keys", {"L": {}}, returns([])),
    # errors
    ("empty", {}, raises(TypeError)),
    ("none", None, raises(TypeError)),
    ("zero", 0, raises(TypeError)),
    ("empty_string", "", raises(TypeError)),
    ("empty_list_value", [], raises(TypeError)),
    ("list_value", [1], raises(AttributeError)),
    ("string_value", "S", raises(AttributeError)),
    ("int_value", 5, raises(AttributeError)),
    ("unknown_type", {"FOO": "bar"}, raises(TypeError)),
    ("empty_type", {"": 1}, raises(TypeError)),
    ("int_type", {1: "x"}, raises(TypeError)),
    ("none_type", {None: "x"}, raises(TypeError)),
    ("unknown_first_key", {"X": 1, "S": "x"}, raises(TypeError)),
    ("number_none", {"N": None}, raises(TypeError)),
    ("number_list", {"N": [1]}, raises(ValueError)),
    ("number_inexact_float", {"N": 0.1}, raises(decimal.Inexact)),
    ("number_39_digits", {"N": "123456789012345678901234567890123456789"}, raises(decimal.Inexact)),
    ("number_39_digits_exact", {"N": "1" + "0" * 38}, raises(decimal.Rounded)),
    ("number_overflow", {"N": "1E+500"}, raises(decimal.Overflow)),
    ("number_underflow", {"N": "1E-500"}, raises(decimal.Underflow)),
    ("number_clamped", {"N": "0E+500"}, raises(decimal.Clamped)),
    ("binary_str", {"B": "x"}, raises(TypeError)),
    ("binary_none", {"B": None}, raises(TypeError)),
    ("binary_set_bytearray_unhashable", {"BS": [bytearray(b"a")]}, raises(TypeError)),
    ("binary_set_str", {"BS": ["a"]}, raises(TypeError)),
    ("string_set_unhashable", {"SS": [[1]]}, raises(TypeError)),
    # boto3 builds a set member by member: the sNaN fails to hash before "0E200" is converted
    ("number_set_snan_before_clamped", {"NS": ["sNaN", "0E200"]}, raises(TypeError)),
    ("number_set_clamped_before_snan", {"NS": ["0E200", "sNaN"]}, raises(decimal.Clamped)),
    ("binary_set_bytearray_before_str", {"BS": [bytearray(b"a"), "x"]}, raises(TypeError)),
    ("string_set_unhashable_before_anything", {"SS": [[1], "a"]}, raises(TypeError)),
    ("list_of_dict_keys", {"L": {"S": 1}}, raises(AttributeError)),
    ("map_of_list", {"M": []}, raises(AttributeError)),
    ("map_member_empty", {"M": {"a": {}}}, raises(TypeError)),
    ("list_member_unknown", {"L": [{"S": "x"}, {"Q": 1}]}, raises(TypeError)),
]


@pytest.mark.parametrize(
    ("attribute_value", "expected"),
    [pytest.param(value, expected, id=name) for name, value, expected in DESERIALIZE_CASES],
)
def test_deserialize_pinned(attribute_value: Any, expected: tuple[str, Any]) -> None:
    assert outcome(DESERIALIZER.deserialize, attribute_value) == expected, "boto3 changed"
    assert outcome(rust_core.deserialize, attribute_value) == expected


def test_deserialize_binary_is_boto3_binary() -> None:
    result = rust_core.deserialize({"B": b"\x01\x02"})
    assert type(result) is Binary
    assert type(result.value) is bytes
    assert result.value == b"\x01\x02"
    members = rust_core.deserialize({"BS": [b"\x01"]})
    assert type(members) is set
    (member,) = members
    assert type(member) is Binary
    assert member.value == b"\x01"


def test_deserialize_number_uses_dynamodb_context() -> None:
    # boto3 builds numbers in a 38-digit context: a Decimal, not an int or a float.
    result = rust_core.deserialize({"N": "12345678901234567890123456789012345678"})
    assert type(result) is Decimal
    assert str(result) == "12345678901234567890123456789012345678"


def test_deserialize_string_set_is_set_not_frozenset() -> None:
    result = rust_core.deserialize({"SS": ["a"]})
    assert type(result) is set
    assert result == {"a"}


SERIALIZE_ITEM_CASES: list[tuple[str, Any, tuple[str, Any]]] = [
    ("empty", {}, returns({})),
    (
        "every_type",
        {"n": None, "b": True, "i": 1, "d": Decimal("1.5"), "s": "x", "y": b"\x00", "l": [1]},
        returns(
            {
                "n": {"NULL": True},
                "b": {"BOOL": True},
                "i": {"N": "1"},
                "d": {"N": "1.5"},
                "s": {"S": "x"},
                "y": {"B": b"\x00"},
                "l": {"L": [{"N": "1"}]},
            }
        ),
    ),
    ("order_kept", {"z": 1, "a": 2}, returns({"z": {"N": "1"}, "a": {"N": "2"}})),
    ("non_str_key", {1: "x"}, returns({1: {"S": "x"}})),
    ("mapping_proxy", types.MappingProxyType({"a": 1}), returns({"a": {"N": "1"}})),
    ("float_attribute", {"a": 1.5}, raises(TypeError)),
    ("not_a_mapping_list", [("a", 1)], raises(AttributeError)),
    ("not_a_mapping_none", None, raises(AttributeError)),
    ("not_a_mapping_str", "ab", raises(AttributeError)),
]


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [pytest.param(value, expected, id=name) for name, value, expected in SERIALIZE_ITEM_CASES],
)
def test_serialize_item_pinned(mapping: Any, expected: tuple[str, Any]) -> None:
    assert outcome(boto3_serialize_item, mapping) == expected, "boto3 changed"
    assert outcome(rust_core.serialize_item, mapping) == expected


DESERIALIZE_ITEM_CASES: list[tuple[str, Any, tuple[str, Any]]] = [
    ("empty", {}, returns({})),
    (
        "every_type",
        {
            "n": {"NULL": True},
            "b": {"BOOL": True},
            "i": {"N": "1"},
            "s": {"S": "x"},
            "y": {"B": b"\x00"},
            "ss": {"SS": ["a"]},
            "l": {"L": [{"N": "1"}]},
            "m": {"M": {"k": {"S": "v"}}},
        },
        returns(
            {
                "n": None,
                "b": True,
                "i": Decimal("1"),
                "s": "x",
                "y": Binary(b"\x00"),
                "ss": {"a"},
                "l": [Decimal("1")],
                "m": {"k": "v"},
            }
        ),
    ),
    ("order_kept", {"z": {"N": "1"}, "a": {"N": "2"}}, returns({"z": Decimal(1), "a": Decimal(2)})),
    ("empty_attribute", {"a": {}}, raises(TypeError)),
    ("attribute_not_a_dict", {"a": "S"}, raises(AttributeError)),
    ("not_a_mapping_list", [("a", {"S": "x"})], raises(AttributeError)),
    ("not_a_mapping_none", None, raises(AttributeError)),
]


@pytest.mark.parametrize(
    ("item", "expected"),
    [pytest.param(value, expected, id=name) for name, value, expected in DESERIALIZE_ITEM_CASES],
)
def test_deserialize_item_pinned(item: Any, expected: tuple[str, Any]) -> None:
    assert outcome(boto3_deserialize_item, item) == expected, "boto3 changed"
    assert outcome(rust_core.deserialize_item, item) == expected


# --------------------------------------------------------------------------------------------------
# Hostile nesting: boto3 raises RecursionError; the drop-ins must too, without crashing the process
# --------------------------------------------------------------------------------------------------


def _run_isolated(body: str) -> str:
    """Run `body` in a fresh interpreter (a stack overflow must not take pytest down with it)."""
    code = "import rust_core\n" + textwrap.dedent(body)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, (
        f"the interpreter died (exit code {proc.returncode}): {proc.stderr[-2000:]}"
    )
    return proc.stdout.strip()


HOSTILE_NESTING = {
    "serialize_deep_list": """
        value = []
        for _ in range(100_000):
            value = [value]
        call = lambda: rust_core.serialize(value)
    """,
    "serialize_deep_map": """
        value = {}
        for _ in range(100_000):
            value = {"a": value}
        call = lambda: rust_core.serialize(value)
    """,
    "serialize_self_referencing_list": """
        value = []
        value.append(value)
        call = lambda: rust_core.serialize(value)
    """,
    "serialize_self_referencing_map": """
        value = {}
        value["a"] = value
        call = lambda: rust_core.serialize(value)
    """,
    "serialize_item_deep_list": """
        value = []
        for _ in range(100_000):
            value = [value]
        call = lambda: rust_core.serialize_item({"a": value})
    """,
    "deserialize_deep_list": """
        value = {"NULL": True}
        for _ in range(100_000):
            value = {"L": [value]}
        call = lambda: rust_core.deserialize(value)
    """,
    "deserialize_deep_map": """
        value = {"NULL": True}
        for _ in range(100_000):
            value = {"M": {"a": value}}
        call = lambda: rust_core.deserialize(value)
    """,
    "deserialize_self_referencing_list": """
        value = {"L": []}
        value["L"].append(value)
        call = lambda: rust_core.deserialize(value)
    """,
    "deserialize_item_deep_map": """
        value = {"NULL": True}
        for _ in range(100_000):
            value = {"M": {"a": value}}
        call = lambda: rust_core.deserialize_item({"a": value})
    """,
}


@pytest.mark.parametrize("name", sorted(HOSTILE_NESTING))
def test_hostile_nesting_raises_recursion_error_like_boto3(name: str) -> None:
    body = textwrap.dedent(HOSTILE_NESTING[name]) + textwrap.dedent(
        """
        try:
            call()
        except Exception as exc:
            print(type(exc).__name__)
        else:
            print("returned")
        print(rust_core.serialize([1]))
        """
    )
    assert _run_isolated(body).splitlines() == ["RecursionError", "{'L': [{'N': '1'}]}"]


def test_moderate_nesting_matches_boto3() -> None:
    value: Any = "leaf"
    attribute_value: Any = {"S": "leaf"}
    for _ in range(100):
        value = {"a": [value]}
        attribute_value = {"M": {"a": {"L": [attribute_value]}}}
    # Plain ==: canon()'s tuples would nest too deep for the comparison itself.
    assert rust_core.serialize(value) == SERIALIZER.serialize(value)
    assert rust_core.deserialize(attribute_value) == DESERIALIZER.deserialize(attribute_value)
