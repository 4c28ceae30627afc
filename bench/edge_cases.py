"""The edge cases on which bench/peers.py runs every peer against the reference, most significant
first (a peer's differences are listed in this order).

Each case is one attribute, so that one failure does not hide the others; a few hold several keys
to catch key order. Built by functions: boto3 (for `Binary`) is imported only when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

PI_36 = "3.14159265358979323846264338327950288"  # 36 significant digits: past float, within N's 38
DIGITS_39 = "1.23456789012345678901234567890123456789"


@dataclass(frozen=True)
class EdgeCase:
    label: str  # how differences name the input, e.g. `1.5` or `a set of Decimals`
    value: Any  # the input: JSON bytes, an item, or a mapping of Python values


def _body(text: str) -> EdgeCase:
    return EdgeCase(text, f'{{"v": {text}}}'.encode())


def json_bodies() -> tuple[EdgeCase, ...]:
    """JSON bodies on which boto3 answers (Decimal's str keeps the JSON text except exponents)."""
    values = (
        "1.5", "0.1", "-0.5", "0", "1.0", "12345678901234567890123", "18446744073709551616",
        "-9223372036854775809", "1.2345678901234567890123456789", PI_36, "1e-7", "1E+2", "-0.0",
        '"1.5"', '"h\u00e9llo"', '"a\\"b\\\\c\\n\\u0000"', '"\\ud83d\\ude00"', "true", "false",
        "null", "[]", "{}", '[1, "a", [2.5]]', '{"x": {"y": 1, "z": [0.25, "s"]}}',
    )  # fmt: skip
    multi = '{"b": 1, "a": 2.5, "c": "x"}'
    return (*(_body(v) for v in values), EdgeCase(multi, multi.encode()))


def _item(label: str, av: dict[str, Any]) -> EdgeCase:
    return EdgeCase(label, {"v": av})


def items() -> tuple[EdgeCase, ...]:
    """Items as the boto3 client returns them (B and BS as bytes)."""
    nested = {"L": [{"N": "1"}, {"S": "x"}, {"M": {"k": {"N": "0.1"}}}]}
    return (
        _item('N "12345678901234567890.123"', {"N": "12345678901234567890.123"}),
        _item(f'N "{PI_36}"', {"N": PI_36}),
        _item('N "12345678901234567890123"', {"N": "12345678901234567890123"}),
        _item('N "1.50"', {"N": "1.50"}),
        _item('N "0.1"', {"N": "0.1"}),
        _item('N "-0.5"', {"N": "-0.5"}),
        _item('N "1E-7"', {"N": "1E-7"}),
        _item('SS ["a", "b"]', {"SS": ["a", "b"]}),
        _item('NS ["1", "2.5"]', {"NS": ["1", "2.5"]}),
        _item("B b'\\x00\\xff'", {"B": b"\x00\xff"}),
        _item("BS [b'x', b'y']", {"BS": [b"x", b"y"]}),
        _item("BOOL true", {"BOOL": True}),
        _item("NULL", {"NULL": True}),
        _item('S "h\u00e9llo"', {"S": "h\u00e9llo"}),
        _item('S "a\\"b\\\\c\\n\\u0000"', {"S": 'a"b\\c\n\x00'}),
        _item('S "\U0001f600"', {"S": "\U0001f600"}),
        _item("L [N, S, M]", nested),
        _item("M {inner: L [BOOL]}", {"M": {"inner": {"L": [{"BOOL": False}]}}}),
        EdgeCase("3 attributes", {"b": {"N": "1"}, "a": {"S": "x"}, "c": {"NULL": True}}),
    )  # fmt: skip


def deserialize_items() -> tuple[EdgeCase, ...]:
    """`items()` plus ones that boto3 rejects (a drop-in must raise alike)."""
    rejected = (
        _item('N "1E-200"', {"N": "1E-200"}),  # Underflow in boto3's DynamoDB context
        _item(f'N "{DIGITS_39}"', {"N": DIGITS_39}),  # Inexact: past N's 38 digits
    )
    return (*items(), *rejected)


def _value(label: str, value: Any) -> EdgeCase:
    return EdgeCase(label, {"v": value})


def values() -> tuple[EdgeCase, ...]:
    """Python values as boto3 users hold them, for serialize_item."""
    from boto3.dynamodb.types import Binary

    return (
        _value("a set of Decimals", {Decimal("1"), Decimal("2.5")}),
        _value("a set of bytes", {b"x", b"y"}),
        _value("a set of str", {"a", "b"}),
        _value("a set of ints", {1, 2}),
        _value("b'\\x00\\xff'", b"\x00\xff"),
        _value("bytearray(b'x')", bytearray(b"x")),
        _value("Binary(b'x')", Binary(b"x")),
        _value(f"Decimal('{PI_36}')", Decimal(PI_36)),
        _value("Decimal('1.50')", Decimal("1.50")),
        _value("10**30", 10**30),
        _value("tuple (1, 2)", (1, 2)),
        _value("float 1.5", 1.5),  # boto3: TypeError
        _value("Decimal('1E-200')", Decimal("1E-200")),  # boto3: Underflow
        _value("Decimal('NaN')", Decimal("NaN")),  # boto3: TypeError
        _value("nested dict/list", {"a": [1, {"b": None}], "c": True, "s": "h\u00e9llo"}),
        EdgeCase("a mapping of 3 keys", {"b": 1, "a": "x", "c": None}),
    )
