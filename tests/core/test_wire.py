"""`wire_to_json` and `json_to_wire`: DynamoDB JSON (the wire form) to plain JSON and back, bytes
to bytes.

- Exact bytes for every type, both ways; every error with its exact class, path and keyword, the
  path resolving in the input; messages that never carry the input's values.
- Differential against boto3: generated items serialized by `TypeSerializer` (B as base64) read by
  `wire_to_json` give the plain values and exactly `item_to_json`'s bytes; generated documents
  written by `json_to_wire` give `TypeSerializer`'s attribute values and exactly what `json.dumps`
  writes for `json_to_item`'s item; the round trip gives `item_to_json(json_to_item(x))`.
- Parity with `json_to_item` on corrupted text: `json_to_wire` raises the very same errors, and
  `wire_to_json` the very same `JSONDecodeError` wherever `json_to_item` raises one.
- Against a DynamoDB (Dynoxide): `json_to_wire`'s output is a PutItem's item as sent, and a raw
  GetItem answer's item reads as `item_to_json` writes the client's.
"""

from __future__ import annotations

import base64
import json
import random
import time
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import Binary, TypeSerializer
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

import rust_core
from py_handler.dynamo_local import local_client

from .support import Num, describe, raised

SERIALIZER = TypeSerializer()
MAX_DEPTH = 32
SECRET = "SECRET-9d4c"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --------------------------------------------------------------------------------------------------
# Reference model
# --------------------------------------------------------------------------------------------------


def wire_form(attribute: dict[str, Any]) -> dict[str, Any]:
    """An attribute value as DynamoDB JSON carries it: binary data as base64 text."""
    [(tag, value)] = attribute.items()
    if tag == "B":
        return {"B": b64(bytes(value))}
    if tag == "BS":
        return {"BS": [b64(bytes(member)) for member in value]}
    if tag == "L":
        return {"L": [wire_form(member) for member in value]}
    if tag == "M":
        return {"M": {name: wire_form(member) for name, member in value.items()}}
    return {tag: value}


def plain(attribute: dict[str, Any]) -> Any:
    """What `wire_to_json` writes for an attribute value, as `json.loads(parse_float=Decimal,
    parse_int=Decimal)` reads it back: numbers as Decimal, binary data as base64 text, sets as
    lists in the wire's order."""
    [(tag, value)] = attribute.items()
    if tag in ("S", "BOOL"):
        return value
    if tag == "NULL":
        return None
    if tag == "N":
        return Decimal(value)
    if tag == "B":
        return value if isinstance(value, str) else b64(bytes(value))
    if tag == "L":
        return [plain(member) for member in value]
    if tag == "M":
        return {name: plain(member) for name, member in value.items()}
    if tag == "SS":
        return list(value)
    if tag == "NS":
        return [Decimal(member) for member in value]
    if tag == "BS":
        return [member if isinstance(member, str) else b64(bytes(member)) for member in value]
    raise AssertionError(f"not an attribute value: {attribute!r}")


def typed(value: Any) -> Any:
    """Comparable form that sees types (True is not Decimal(1)) and key order."""
    if isinstance(value, dict):
        return ("dict", [(name, typed(member)) for name, member in value.items()])
    if isinstance(value, list):
        return ("list", [typed(member) for member in value])
    return (type(value).__name__, value)


def numbers_as_decimals(item: dict[str, Any]) -> dict[str, Any]:
    """An item with every N read as a Decimal, so that `1e5` equals boto3's `1E+5`."""

    def attribute(value: dict[str, Any]) -> dict[str, Any]:
        [(tag, content)] = value.items()
        if tag == "N":
            return {"N": Decimal(content)}
        if tag == "L":
            return {"L": [attribute(member) for member in content]}
        if tag == "M":
            return {"M": numbers_as_decimals(content)}
        return value

    return {name: attribute(value) for name, value in item.items()}


def load_plain(data: bytes) -> Any:
    return json.loads(data, parse_float=Decimal, parse_int=Decimal)


def resolve(doc: Any, pointer: str) -> Any:
    """The value an RFC 6901 pointer designates in a parsed document."""
    node = doc
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


# --------------------------------------------------------------------------------------------------
# Rendering: any JSON text for a value, with random whitespace and random (valid) escapes
# --------------------------------------------------------------------------------------------------

SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
WHITESPACE = ["", "", "", " ", "\n", "\t", "\r\n  "]


def render(value: Any, rng: random.Random) -> str:
    def ws() -> str:
        return rng.choice(WHITESPACE)

    def string(text: str) -> str:
        out = ['"']
        for char in text:
            code = ord(char)
            choices = []
            if char in SHORT_ESCAPES:
                choices.append(SHORT_ESCAPES[char])
            if char not in '"\\' and code >= 0x20:
                choices.append(char)
            if code < 0x10000:
                choices.append(rng.choice(["\\u%04x", "\\u%04X"]) % code)
            else:
                high = 0xD800 + ((code - 0x10000) >> 10)
                low = 0xDC00 + ((code - 0x10000) & 0x3FF)
                choices.append(f"\\u{high:04x}\\u{low:04x}")
            out.append(rng.choice(choices))
        out.append('"')
        return "".join(out)

    def node(member: Any) -> str:
        if isinstance(member, Num):
            return str(member)
        if isinstance(member, str):
            return string(member)
        if isinstance(member, list):
            return "[" + ",".join(ws() + node(m) + ws() for m in member) + ws() + "]"
        if isinstance(member, dict):
            pairs = (
                ws() + string(k) + ws() + ":" + ws() + node(v) + ws() for k, v in member.items()
            )
            return "{" + ",".join(pairs) + ws() + "}"
        return {True: "true", False: "false", None: "null"}[member]

    return ws() + node(value) + ws()


# --------------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------------

texts = st.text(
    st.one_of(
        st.characters(exclude_categories=["Cs"]),
        st.sampled_from([*SHORT_ESCAPES, "\x00", "\x1f", "\x7f", "\u2028", "\U0001f600"]),
    ),
    max_size=8,
)
# Never empty: an empty attribute name is a LimitError (tested on its own).
names = texts.filter(bool)


@st.composite
def number_texts(draw: st.DrawFn) -> str:
    """JSON number text within DynamoDB's limits and boto3's context (at most 37 digits, an
    exponent of at most 90)."""
    sign = draw(st.sampled_from(["", "-"]))
    integer = draw(st.one_of(st.just("0"), st.from_regex(r"[1-9][0-9]{0,17}", fullmatch=True)))
    fraction = draw(st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,18}", fullmatch=True)))
    exponent = ""
    if draw(st.booleans()):
        marker = draw(st.sampled_from(["e", "E"]))
        exp_sign = draw(st.sampled_from(["", "+", "-"]))
        exponent = f"{marker}{exp_sign}{draw(st.integers(min_value=0, max_value=90))}"
    return sign + integer + fraction + exponent


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), number_texts().map(Num), texts),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(names, children, max_size=4)
    ),
    max_leaves=20,
)
json_documents = st.builds(
    render, st.dictionaries(names, json_values, max_size=6), st.randoms(use_true_random=False)
)


@st.composite
def dynamodb_decimals(draw: st.DrawFn) -> Decimal:
    """A Decimal of 1 to 38 digits whose magnitude DynamoDB and boto3's context both hold."""
    digits = [draw(st.integers(min_value=1, max_value=9))]
    digits += draw(st.lists(st.integers(min_value=0, max_value=9), max_size=37))
    exponent = draw(st.integers(min_value=-128 - len(digits) + 1, max_value=125 - len(digits) + 1))
    return Decimal((draw(st.integers(min_value=0, max_value=1)), tuple(digits), exponent))


numbers = st.one_of(
    st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1),
    dynamodb_decimals(),
    st.sampled_from(
        [
            Decimal("0"),
            Decimal("-0"),
            Decimal("0E-5"),
            Decimal("0.000"),
            Decimal("0E+3"),
            Decimal("1E+125"),
            Decimal("-1E-128"),
            Decimal("9.9999999999999999999999999999999999999E+125"),
        ]
    ),
)
binaries = st.one_of(st.binary(max_size=12), st.binary(max_size=12).map(Binary))
item_scalars = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    texts,
    binaries,
    st.sets(texts, min_size=1, max_size=4),
    st.sets(numbers, min_size=1, max_size=4),
    st.sets(st.binary(max_size=6), min_size=1, max_size=4),
)
item_values = st.recursive(
    item_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(names, children, max_size=4)
    ),
    max_leaves=15,
)
# Items as boto3's TypeSerializer writes them (binary data as bytes), and their DynamoDB JSON.
items = st.dictionaries(names, item_values, max_size=6).map(
    lambda values: {name: SERIALIZER.serialize(value) for name, value in values.items()}
)


def wire_text(item: dict[str, Any], rng: random.Random) -> str:
    return render({name: wire_form(value) for name, value in item.items()}, rng)


CORRUPTIONS = st.one_of(
    st.sampled_from(list('{}[],:"\\0123456789-+.eEaflnrstuSNBLM ')),
    st.sampled_from(["\t", "\n", "\x00", "\x1f", "\x7f", "\u2028", "\ufeff", "\U0001f600"]),
    st.characters(exclude_categories=["Cs"]),
)


def corrupt(text: str, data: st.DataObject) -> str:
    kind = data.draw(st.sampled_from(["truncate", "insert", "delete", "replace"]), label="kind")
    if kind == "insert":
        index = data.draw(st.integers(min_value=0, max_value=len(text)), label="index")
        return text[:index] + data.draw(CORRUPTIONS, label="char") + text[index:]
    index = data.draw(st.integers(min_value=0, max_value=len(text) - 1), label="index")
    if kind == "truncate":
        return text[:index]
    if kind == "delete":
        return text[:index] + text[index + 1 :]
    return text[:index] + data.draw(CORRUPTIONS, label="char") + text[index + 1 :]


# --------------------------------------------------------------------------------------------------
# Exact output
# --------------------------------------------------------------------------------------------------

EVERY_TYPE_WIRE = (
    b' {"id": {"S": "a"}, "n": {"N": "1.50"}, "b": {"B": "//4AYWI="}, "ok": {"BOOL": true},'
    b' "no": {"BOOL": false}, "z": {"NULL": true}, "l": {"L": [{"N": "1"}, {"S": "x"}, {"L": []}]},'
    b' "m": {"M": {"k": {"M": {}}, "e": {"S": ""}}}, "ss": {"SS": ["b", "a"]},'
    b' "ns": {"NS": ["2", "-1E+40"]}, "bs": {"BS": ["AQ==", ""]}, "eb": {"B": ""}} '
)
EVERY_TYPE_PLAIN = (
    b'{"id":"a","n":1.50,"b":"//4AYWI=","ok":true,"no":false,"z":null,"l":[1,"x",[]],'
    b'"m":{"k":{},"e":""},"ss":["b","a"],"ns":[2,-1E+40],"bs":["AQ==",""],"eb":""}'
)
EVERY_TYPE_ITEM = {
    "id": {"S": "a"},
    "n": {"N": "1.50"},
    "b": {"B": b"\xff\xfe\x00ab"},
    "ok": {"BOOL": True},
    "no": {"BOOL": False},
    "z": {"NULL": True},
    "l": {"L": [{"N": "1"}, {"S": "x"}, {"L": []}]},
    "m": {"M": {"k": {"M": {}}, "e": {"S": ""}}},
    "ss": {"SS": ["b", "a"]},
    "ns": {"NS": ["2", "-1E+40"]},
    "bs": {"BS": [b"\x01", b""]},
    "eb": {"B": b""},
}


def test_wire_to_json_writes_every_type() -> None:
    assert rust_core.wire_to_json(EVERY_TYPE_WIRE) == EVERY_TYPE_PLAIN
    assert rust_core.wire_to_json(EVERY_TYPE_WIRE.decode()) == EVERY_TYPE_PLAIN
    assert rust_core.item_to_json(EVERY_TYPE_ITEM) == EVERY_TYPE_PLAIN
    assert rust_core.wire_to_json(b"{}") == b"{}"


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        # Escapes decoded, then written as json.dumps(ensure_ascii=False) writes them.
        (
            r'{"\u00e9\/k": {"S": "a\"b\\c\n\u0001\u007f\ud83d\ude00\/\u2028"}}',
            '{"\u00e9/k":"a\\"b\\\\c\\n\\u0001\x7f\U0001f600/\u2028"}',
        ),
        (r'{"b": {"B": "\/w=="}, "s": {"BS": ["\u0041Q=="]}}', '{"b":"/w==","s":["AQ=="]}'),
        # Number text kept, or mended into JSON when DynamoDB's text is not JSON's.
        ('{"n": {"N": "-0"}, "e": {"N": "1e-130"}}', '{"n":-0,"e":1e-130}'),
        ('{"a": {"N": "+5"}, "b": {"N": ".5"}, "c": {"N": "5."}}', '{"a":5,"b":0.5,"c":5}'),
        ('{"a": {"NS": ["007", "1.e5", "-.5E3"]}}', '{"a":[7,1e5,-0.5e3]}'),
        # Tags written with escapes are still tags.
        (r'{"a": {"\u0053": "x"}}', '{"a":"x"}'),
    ],
)
def test_wire_to_json_exact_bytes(wire: str, expected: str) -> None:
    assert rust_core.wire_to_json(wire) == expected.encode()
    assert rust_core.wire_to_json(wire.encode()) == expected.encode()


def test_wire_to_json_reads_a_streams_image() -> None:
    # GIVEN a NewImage as DynamoDB Streams delivers it WHEN it is converted THEN plain JSON
    image = {
        "Message": {"S": "New item!"},
        "Id": {"N": "101"},
        "Price": {"N": "19.990"},
        "Tags": {"SS": ["new", "sale"]},
        "Sizes": {"NS": ["42", "40.5"]},
        "Thumb": {"B": b64(b"\x89PNG")},
        "Meta": {"M": {"seen": {"BOOL": False}, "by": {"NULL": True}}},
    }
    out = rust_core.wire_to_json(json.dumps(image))
    assert out == (
        b'{"Message":"New item!","Id":101,"Price":19.990,"Tags":["new","sale"],'
        b'"Sizes":[42,40.5],"Thumb":"iVBORw==","Meta":{"seen":false,"by":null}}'
    )


def test_json_to_wire_writes_every_type() -> None:
    body = (
        ' {"s": "a\\u00e9\\n\\/", "n": -1.50e3, "t": true, "f": false, "z": null,'
        ' "l": [1, {}], "m": {"k": []}} '
    )
    expected = (
        '{"s":{"S":"a\u00e9\\n/"},"n":{"N":"-1.50e3"},"t":{"BOOL":true},"f":{"BOOL":false},'
        '"z":{"NULL":true},"l":{"L":[{"N":"1"},{"M":{}}]},"m":{"M":{"k":{"L":[]}}}}'
    ).encode()
    assert rust_core.json_to_wire(body) == expected
    assert rust_core.json_to_wire(body.encode()) == expected
    assert rust_core.json_to_wire("{}") == b"{}"


def test_json_to_wire_escapes_as_json_dumps_does() -> None:
    body = json.dumps({"k\x7f": '\x00\x1f\b\f\t\u2028\x7f\U0001f600"\\/'})
    item = rust_core.json_to_item(body)
    expected = json.dumps(item, separators=(",", ":"), ensure_ascii=False).encode()
    assert rust_core.json_to_wire(body) == expected
    assert b"\\u0000\\u001f\\b\\f\\t" in expected


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------

SHAPE_CASES = [
    ("[]", "item_type", ""),
    ('"x"', "item_type", ""),
    ("null", "item_type", ""),
    ('{"a": "x"}', "attribute_value", "/a"),
    ('{"a": {}}', "attribute_value", "/a"),
    ('{"a": {"S": "x", "N": "1"}}', "attribute_value", "/a"),
    ('{"a": {"L": [1]}}', "attribute_value", "/a/L/0"),
    ('{"a": {"X": 1}}', "attribute_type", "/a"),
    ('{"a": {"s": "x"}}', "attribute_type", "/a"),
    ('{"Item": {"id": {"S": "x"}}}', "attribute_type", "/Item"),  # a GetItem answer, not an item
    ('{"a": {"S": 1}}', "value_type", "/a/S"),
    ('{"a": {"S": null}}', "value_type", "/a/S"),
    ('{"a": {"N": 1}}', "value_type", "/a/N"),
    ('{"a": {"B": ["AQ=="]}}', "value_type", "/a/B"),
    ('{"a": {"BOOL": "true"}}', "value_type", "/a/BOOL"),
    ('{"a": {"BOOL": 1}}', "value_type", "/a/BOOL"),
    ('{"a": {"NULL": false}}', "value_type", "/a/NULL"),
    ('{"a": {"NULL": null}}', "value_type", "/a/NULL"),
    ('{"a": {"L": {}}}', "value_type", "/a/L"),
    ('{"a": {"M": []}}', "value_type", "/a/M"),
    ('{"a": {"SS": "x"}}', "value_type", "/a/SS"),
    ('{"a": {"SS": ["x", 1]}}', "value_type", "/a/SS/1"),
    ('{"a": {"NS": [1]}}', "value_type", "/a/NS/0"),
    ('{"a": {"BS": [{"B": "AQ=="}]}}', "value_type", "/a/BS/0"),
    ('{"a": {"N": "x"}}', "number_text", "/a/N"),
    ('{"a": {"N": ""}}', "number_text", "/a/N"),
    ('{"a": {"N": "NaN"}}', "number_text", "/a/N"),
    ('{"a": {"N": "-Infinity"}}', "number_text", "/a/N"),
    ('{"a": {"N": " 1"}}', "number_text", "/a/N"),
    ('{"a": {"N": "0x10"}}', "number_text", "/a/N"),
    ('{"a": {"NS": ["1", "1e"]}}', "number_text", "/a/NS/1"),
    ('{"a": {"B": "AQ="}}', "base64", "/a/B"),
    ('{"a": {"B": "AR=="}}', "base64", "/a/B"),
    ('{"a": {"B": "AQ==="}}', "base64", "/a/B"),
    ('{"a": {"B": "AQ-_"}}', "base64", "/a/B"),
    ('{"a": {"B": "AQ== "}}', "base64", "/a/B"),
    ('{"a": {"B": "A=Q="}}', "base64", "/a/B"),
    ('{"a": {"BS": ["AQ==", "AQ"]}}', "base64", "/a/BS/1"),
    ('{"a": {"SS": []}}', "empty_set", "/a/SS"),
    ('{"a": {"NS": []}}', "empty_set", "/a/NS"),
    ('{"a": {"BS": []}}', "empty_set", "/a/BS"),
    ('{"a": {"SS": ["x", "y", "x"]}}', "duplicate_set_member", "/a/SS/2"),
    ('{"a": {"SS": ["\\u00e9", "\u00e9"]}}', "duplicate_set_member", "/a/SS/1"),
    ('{"a": {"NS": ["1", "1.0"]}}', "duplicate_set_member", "/a/NS/1"),
    ('{"a": {"NS": ["1.5", "15E-1"]}}', "duplicate_set_member", "/a/NS/1"),
    ('{"a": {"NS": ["-0", "0e5"]}}', "duplicate_set_member", "/a/NS/1"),
    ('{"a": {"BS": ["AQ==", "AQ=="]}}', "duplicate_set_member", "/a/BS/1"),
    (
        '{"a/b": {"M": {"~": {"L": [{"S": "x"}, {"BOOL": 1}]}}}}',
        "value_type",
        "/a~1b/M/~0/L/1/BOOL",
    ),
    # The first mismatch in document order is the one reported.
    ('{"a": {"S": 1}, "b": {"X": [1, 2]}}', "value_type", "/a/S"),
]


@pytest.mark.parametrize(("wire", "keyword", "path"), SHAPE_CASES)
def test_wire_to_json_shape_errors(wire: str, keyword: str, path: str) -> None:
    for form in (wire, wire.encode()):
        exc = raised(rust_core.wire_to_json, form)
        assert type(exc) is rust_core.ShapeError, repr(exc)
        assert isinstance(exc, ValueError)
        assert exc.path == path
        assert exc.errors == [{"path": path, "message": str(exc), "keyword": keyword}]
    resolve(json.loads(wire), path)  # the path lands in the input


def test_shape_errors_pickle_with_their_path() -> None:
    import pickle

    exc = raised(rust_core.wire_to_json, '{"a": {"B": "AQ="}}')
    copy = pickle.loads(pickle.dumps(exc))
    assert (type(copy), str(copy), copy.path, copy.errors) == (
        rust_core.ShapeError,
        str(exc),
        "/a/B",
        exc.errors,
    )


@pytest.mark.parametrize(
    ("wire", "entries"),
    [
        ('{"n": {"N": "1e126"}}', [("number_range", "/n/N")]),
        ('{"n": {"N": "0e-131"}}', [("number_range", "/n/N")]),
        ('{"n": {"N": "1' + "0" * 38 + '1"}}', [("number_precision", "/n/N")]),
        (
            '{"": {"N": "1e999"}, "s": {"NS": ["1", "-1e-999"]}}',
            [("empty_attribute_name", "/"), ("number_range", "//N"), ("number_range", "/s/NS/1")],
        ),
    ],
)
def test_wire_to_json_limit_errors(wire: str, entries: list[tuple[str, str]]) -> None:
    exc = raised(rust_core.wire_to_json, wire)
    assert type(exc) is rust_core.LimitError, repr(exc)
    assert [(e["keyword"], e["path"]) for e in exc.errors] == entries
    assert exc.path == entries[0][1]
    for _, path in entries:
        resolve(json.loads(wire), path)


def test_a_mismatch_wins_over_a_limit() -> None:
    exc = raised(rust_core.wire_to_json, '{"a": {"N": "1e999"}, "b": {"S": 1}}')
    assert (type(exc), exc.path) == (rust_core.ShapeError, "/b/S")


def nested_maps(levels: int, inner: str) -> str:
    """An item whose attribute `a` is `levels - 1` M values deep, `inner` the innermost value."""
    return '{"a":' + '{"M":{"a":' * (levels - 1) + inner + "}}" * (levels - 1) + "}"


def test_nesting_counts_attribute_values_as_dynamodb_does() -> None:
    # The item is level 1; 31 M values inside it are levels 2 to 32, as item_to_json counts.
    deepest = nested_maps(32, '{"S":"x"}')
    assert rust_core.wire_to_json(deepest) == b'{"a":' * 32 + b'"x"' + b"}" * 32
    too_deep = nested_maps(32, '{"L":[]}')
    exc = raised(rust_core.wire_to_json, too_deep)
    assert type(exc) is rust_core.LimitError, repr(exc)
    assert [(e["keyword"], e["path"]) for e in exc.errors] == [("max_depth", "/a/M" * 31 + "/a/L")]
    assert type(raised(rust_core.item_to_json, json.loads(too_deep))) is rust_core.LimitError
    # The round trip of the deepest document json_to_item accepts.
    doc = '{"a":' * 31 + "[]" + "}" * 31
    assert rust_core.wire_to_json(rust_core.json_to_wire(doc)) == doc.encode()


@pytest.mark.parametrize(
    ("wire", "pos"),
    [
        ('{"a": {"S": "x"}, "a": {"S": "y"}}', 18),
        ('{"a": {"S": "x", "S": "y"}}', 17),
        ('{"a": {"X": {"k": 1, "k": 2}}}', 21),
        ('{"a": {"S": "\\ud800"}}', 13),
        ('{"a": {"S": 1}, "b": {"X": [1 2]}}', None),
        ('{"a": {"S": "x"}', None),
        ('{"a": {"S": "x"}} x', None),
        ('{"a": {"NULL": nul}}', None),
        ("\ufeff{}", None),
        ("", None),
    ],
)
def test_wire_to_json_malformed_is_json_to_items_error(wire: str, pos: int | None) -> None:
    for form in (wire, wire.encode()):
        exc = raised(rust_core.wire_to_json, form)
        reference = raised(rust_core.json_to_item, form)
        assert type(exc) is rust_core.JSONDecodeError, repr(exc)
        assert isinstance(exc, json.JSONDecodeError)
        assert (exc.msg, exc.pos, exc.lineno, exc.colno) == (
            reference.msg,
            reference.pos,
            reference.lineno,
            reference.colno,
        )
        assert exc.doc is form
        if pos is not None:
            assert exc.pos == pos


def test_invalid_utf8_and_raw_surrogates_are_malformed() -> None:
    for form in (b'{"a": {"S": "\xff"}}', '{"a": {"S": "\ud800"}}'):
        exc = raised(rust_core.wire_to_json, form)
        assert type(exc) is rust_core.JSONDecodeError, repr(exc)
        assert describe(rust_core.wire_to_json, form) == describe(rust_core.json_to_item, form)


@pytest.mark.parametrize("func", [rust_core.wire_to_json, rust_core.json_to_wire])
@pytest.mark.parametrize("data", [None, 1, bytearray(b"{}"), memoryview(b"{}"), {"a": 1}])
def test_other_input_types_are_type_errors(func: Callable[[Any], bytes], data: Any) -> None:
    assert type(raised(func, data)) is TypeError


LEAKY_WIRE = [
    '{"a": {"S": 1, "N": "' + SECRET + '"}}',
    '{"a": {"' + SECRET + '": 1}}',
    '{"a": {"N": "' + SECRET + '"}}',
    '{"a": {"B": "' + SECRET + '"}}',
    '{"a": {"SS": ["' + SECRET + '", "' + SECRET + '"]}}',
    '{"a": {"BOOL": "' + SECRET + '"}}',
    '{"a": {"N": "1e999' + "0" * 40 + '"}}',
    '["' + SECRET + '"]',
    '{"a": {"S": "' + SECRET + '"}} "' + SECRET + '"',
    '{"a": {"S": "' + SECRET + '\\q"}}',
]


@pytest.mark.parametrize("wire", LEAKY_WIRE)
def test_error_messages_never_contain_input_values(wire: str) -> None:
    exc = raised(rust_core.wire_to_json, wire)
    assert isinstance(exc, rust_core.CodecError), repr(exc)
    shown = [str(exc), repr(exc.args)]
    shown += [json.dumps(e) for e in getattr(exc, "errors", [])]
    assert not any(SECRET in text for text in shown), shown
    assert not any("1e999" in text for text in shown), shown


@pytest.mark.parametrize(
    "body",
    [
        "[1]",
        "{",
        '{"a":1,"a":2}',
        '{"a":"\\ud800"}',
        '{"a":1e999}',
        '{"a":' + "1" * 50 + "}",
        '{"":1}',
        '{"a":' + "[" * 40 + "]" * 40 + "}",
        '{"a":' + "[" * 100_000,
        "\ufeff{}",
        b'{"a":"\xff"}',
    ],
)
def test_json_to_wire_raises_json_to_items_errors(body: str | bytes) -> None:
    expected = describe(rust_core.json_to_item, body, shown=lambda _: None)
    assert expected[0] == "raises"
    assert describe(rust_core.json_to_wire, body, shown=lambda _: None) == expected
    assert str(raised(rust_core.json_to_wire, body)) == str(raised(rust_core.json_to_item, body))


# --------------------------------------------------------------------------------------------------
# Hostile and large input
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "error"),
    [
        ('{"a":{"L":' + "[" * 100_000, rust_core.JSONDecodeError),
        ('{"a":{"X":' + "[" * 100_000 + "]" * 100_000 + "}}", rust_core.ShapeError),
        (nested_maps(100_000, '{"S":"x"}'), rust_core.LimitError),
        ('{"a":{"M":' * 100_000 + "}}" * 100_000, rust_core.JSONDecodeError),
        ('{"n":{"N":"' + "1" * 1_000_000 + '"}}', rust_core.LimitError),
        ('{"s":{"SS":[' + ",".join(['"x"'] * 200_000) + "]}}", rust_core.ShapeError),
    ],
    ids=[
        "open-brackets",
        "deep-unknown-type",
        "deep-maps",
        "deep-garbage",
        "million-digits",
        "dups",
    ],
)
def test_hostile_wire_is_rejected_quickly(wire: str, error: type[Exception]) -> None:
    started = time.perf_counter()
    exc = raised(rust_core.wire_to_json, wire)
    assert type(exc) is error, repr(exc)
    assert time.perf_counter() - started < 2.0


def test_large_bodies_convert_with_the_gil_released() -> None:
    # Past 64 KiB both run with the GIL released: same bytes as the small path would give.
    doc = {f"k{i}": [i, f"text {i} \u00e9", {"n": None, "b": i % 2 == 0}] for i in range(3000)}
    body = json.dumps(doc).encode()
    assert len(body) > 64 * 1024
    wire = rust_core.json_to_wire(body)
    item = rust_core.json_to_item(body)
    assert wire == json.dumps(item, separators=(",", ":"), ensure_ascii=False).encode()
    assert rust_core.wire_to_json(wire) == rust_core.item_to_json(item)
    bad = wire[:-1] + b',"x":{"S":1}}'
    assert raised(rust_core.wire_to_json, bad).path == "/x/S"


# --------------------------------------------------------------------------------------------------
# Differential: boto3, json_to_item, item_to_json
# --------------------------------------------------------------------------------------------------


@given(items, st.randoms(use_true_random=False))
def test_wire_to_json_matches_boto3_and_item_to_json(
    item: dict[str, Any], rng: random.Random
) -> None:
    # GIVEN an item as TypeSerializer writes it, as DynamoDB JSON (B as base64) in any valid text
    text = wire_text(item, rng)
    # WHEN wire_to_json reads it
    out = rust_core.wire_to_json(text)
    # THEN the plain values, binary data as base64 and sets in the wire's order ...
    expected = {name: plain(value) for name, value in item.items()}
    assert typed(load_plain(out)) == typed(expected)
    # ... exactly as item_to_json writes the same item as Python objects
    assert out == rust_core.item_to_json(item)
    assert rust_core.wire_to_json(text.encode()) == out


@given(json_documents)
def test_json_to_wire_matches_boto3(body: str) -> None:
    out = rust_core.json_to_wire(body)
    loaded = json.loads(body, parse_float=Decimal)
    expected = {name: SERIALIZER.serialize(value) for name, value in loaded.items()}
    assert typed(numbers_as_decimals(json.loads(out))) == typed(numbers_as_decimals(expected))
    # Byte for byte what json.dumps writes for json_to_item's item, and the number text kept.
    item = rust_core.json_to_item(body)
    assert out == json.dumps(item, separators=(",", ":"), ensure_ascii=False).encode()
    assert rust_core.json_to_wire(body.encode()) == out


@given(json_documents)
def test_round_trip_is_item_to_json_of_json_to_item(body: str) -> None:
    expected = rust_core.item_to_json(rust_core.json_to_item(body))
    assert rust_core.wire_to_json(rust_core.json_to_wire(body)) == expected


@given(json_documents, st.data())
def test_json_to_wire_errors_match_json_to_item_on_corrupted_text(
    body: str, data: st.DataObject
) -> None:
    bad = corrupt(body, data)
    for form in (bad, bad.encode("utf-8", "surrogatepass")):
        expected = describe(rust_core.json_to_item, form, shown=lambda _: None)
        event(f"json_to_item: {expected[0]} {expected[1] if expected[0] == 'raises' else ''}")
        assert describe(rust_core.json_to_wire, form, shown=lambda _: None) == expected


@given(items, st.randoms(use_true_random=False), st.data())
def test_wire_to_json_syntax_errors_match_json_to_item_on_corrupted_text(
    item: dict[str, Any], rng: random.Random, data: st.DataObject
) -> None:
    bad = corrupt(wire_text(item, rng), data)
    reference = describe(rust_core.json_to_item, bad, shown=lambda _: None)
    got = describe(rust_core.wire_to_json, bad, shown=lambda _: None)
    event(f"wire_to_json: {got[0]} {got[1].__name__ if got[0] == 'raises' else ''}")
    if reference[0] == "raises" and reference[1] is rust_core.JSONDecodeError:
        assert got == reference, bad
    else:
        # Nesting stays under 32 JSON levels here, where both see every repeated key.
        assert got[0] == "returns" or got[1] is not rust_core.JSONDecodeError, (bad, got)
    if got[0] == "raises" and got[1] is rust_core.ShapeError:
        exc = raised(rust_core.wire_to_json, bad)
        resolve(json.loads(bad), exc.path)


# --------------------------------------------------------------------------------------------------
# Against a DynamoDB (Dynoxide)
# --------------------------------------------------------------------------------------------------


def raw_call(endpoint: str, target: str, body: bytes) -> bytes:
    """One DynamoDB call with `body` sent as is, signed as botocore signs."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{target}",
    }
    request = AWSRequest("POST", endpoint, data=body, headers=headers)
    SigV4Auth(Credentials("local", "local"), "dynamodb", "us-east-1").add_auth(request)
    prepared = request.prepare()
    sent = urllib.request.Request(prepared.url, data=body, headers=dict(prepared.headers))
    with urllib.request.urlopen(sent, timeout=10) as answer:
        return answer.read()


DYNAMODB_DOCS = [
    '{"n": 1.50, "z": -0, "big": 9.9999999999999999999999999999999999999E+125, "tiny": 1E-130}',
    '{"s": "\\u00e9\\n\\t\\u0001\\"\\\\/\\ud83d\\ude00", "e": "", "t": true, "0": null}',
    '{"l": [1, "x", [], {}, [null, [true]]], "m": {"k/~": {"deep": {"er": [1e5, -2.5E-3]}}}}',
]


def stored(client: Any, key: str) -> tuple[bytes, dict[str, Any]]:
    """The item under `key` from one GetItem: as DynamoDB JSON exactly as DynamoDB answered, and
    as boto3's client parsed that answer."""
    answers: list[bytes] = []

    def keep(http_response: Any, **_: Any) -> None:
        answers.append(http_response.content)

    client.meta.events.register("after-call.dynamodb.GetItem", keep)
    try:
        parsed = client.get_item(TableName="items", Key={"id": {"S": key}}, ConsistentRead=True)
    finally:
        client.meta.events.unregister("after-call.dynamodb.GetItem", keep)
    [answer] = answers
    assert answer.startswith(b'{"Item":') and answer.endswith(b"}"), answer[:100]
    return answer[len(b'{"Item":') : -1], parsed["Item"]


@pytest.mark.parametrize("doc", DYNAMODB_DOCS)
def test_dynamodb_takes_json_to_wire_and_gives_what_wire_to_json_reads(
    table: Any, dynamodb_endpoint: str, doc: str
) -> None:
    # GIVEN a PutItem whose item is json_to_wire's output, sent as is, with binary data and sets
    # (which plain JSON has not) added as DynamoDB JSON
    wire = rust_core.json_to_wire(doc[:-1] + ', "id": "wire-1"}')[:-1] + (
        b',"b":{"B":"//4A"},"bs":{"BS":["AQ==",""]},"ss":{"SS":["y","x"]},"ns":{"NS":["2","1.50"]}}'
    )
    raw_call(dynamodb_endpoint, "PutItem", b'{"TableName":"items","Item":' + wire + b"}")
    # WHEN the item is read back, as DynamoDB sends it
    raw, client_item = stored(table.client, "wire-1")
    out = rust_core.wire_to_json(raw)
    # THEN it reads as item_to_json writes the item boto3's client parses from the same answer ...
    assert out == rust_core.item_to_json(client_item)
    # ... and holds the values sent (DynamoDB may normalise number text and reorder attributes)
    sent = load_plain(rust_core.wire_to_json(wire))
    got = load_plain(out)
    for name in ("ss", "ns", "bs"):
        assert sorted(got.pop(name)) == sorted(sent.pop(name))
    assert got == sent


@settings(max_examples=25)
@given(json_documents)
def test_dynamodb_stores_generated_documents_as_sent(dynamodb_endpoint: str, body: str) -> None:
    assume("id" not in json.loads(body))
    wire = rust_core.json_to_wire(body)
    keyed = b'{"id":{"S":"generated"}' + (b"," + wire[1:] if wire != b"{}" else b"}")
    raw_call(dynamodb_endpoint, "PutItem", b'{"TableName":"items","Item":' + keyed + b"}")
    raw, client_item = stored(local_client(dynamodb_endpoint), "generated")
    out = rust_core.wire_to_json(raw)
    assert out == rust_core.item_to_json(client_item)
    assert load_plain(out) == load_plain(rust_core.wire_to_json(keyed))
