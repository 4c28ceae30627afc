"""`json_to_item` and `item_to_json`: the JSON fast paths.

- The corpus in tests/corpus (JSONTestSuite style): `y_` accepted, `n_syntax_` / `n_shape_` /
  `n_limit_` rejected with that class, `i_` implementation-defined and pinned here.
- Error positions are differential against the stdlib: whenever `json.loads` (on the str form) also
  rejects a document as malformed, `pos`, `lineno` and `colno` must be the stdlib's.
- Round trip on generated documents, exact `item_to_json` bytes, exact error classes.
"""

from __future__ import annotations

import base64
import json
import random
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from boto3.dynamodb.types import Binary
from hypothesis import event, given
from hypothesis import strategies as st

import rust_core

from .support import Num, check_decode_error, compact, describe, raised, stdlib_error

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_FILES = sorted(path.name for path in CORPUS.glob("*.json"))

MAX_DEPTH = 32
JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


# --------------------------------------------------------------------------------------------------
# Reference model
# --------------------------------------------------------------------------------------------------


def parse_reference(text: str) -> Any:
    """The stdlib's parse, numbers kept as their text."""
    return json.loads(text, parse_int=Num, parse_float=Num)


def to_attribute_value(value: Any) -> dict[str, Any]:
    if isinstance(value, Num):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):
        return {"BOOL": value}
    if value is None:
        return {"NULL": True}
    if isinstance(value, list):
        return {"L": [to_attribute_value(member) for member in value]}
    if isinstance(value, dict):
        return {"M": {key: to_attribute_value(member) for key, member in value.items()}}
    raise AssertionError(f"not a JSON value: {value!r}")


def reference_item(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: to_attribute_value(value) for key, value in doc.items()}


def strict(value: Any) -> Any:
    """Comparable form that also sees types (True vs 1) and key order."""
    if isinstance(value, dict):
        return ("dict", [(strict(k), strict(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [strict(member) for member in value])
    return (type(value).__name__, value)


NUMBER_PARTS = re.compile(r"-?(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]+))?(?:[eE](?P<exp>[+-]?[0-9]+))?")


def number_violations(text: str) -> set[str]:
    """The keywords DynamoDB's number limits give for this (grammatically valid) number.

    Worked out on the text (Decimal refuses exponents this large): significant digits with leading
    and trailing zeros trimmed, and the magnitude's decimal exponent. Zero is range-checked too, as
    if its last written digit were a 1 (DynamoDB refuses `0e126` and `0.0e-130`; see
    tests/e2e/test_number_rules.py, which checks these rules against Dynoxide).
    """
    parts = NUMBER_PARTS.fullmatch(text)
    assert parts is not None, text
    integer, fraction = parts["int"], parts["frac"] or ""
    digits = (integer + fraction).lstrip("0")
    exponent = int(parts["exp"] or "0") - len(fraction)  # the last written digit's
    if not digits:
        return set() if -130 <= exponent <= 125 else {"number_range"}
    adjusted = len(digits) - 1 + exponent  # the exponent of the first significant digit
    violations = set()
    if len(digits.rstrip("0")) > 38:
        violations.add("number_precision")
    if not -130 <= adjusted <= 125:
        violations.add("number_range")
    return violations


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


def resolve(doc: Any, pointer: str) -> Any:
    """Walk an RFC 6901 JSON Pointer."""
    assert pointer == "" or pointer.startswith("/"), pointer
    node = doc
    if pointer == "":
        return node
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


# --------------------------------------------------------------------------------------------------
# Assertions
# --------------------------------------------------------------------------------------------------


def check_limit_error(exc: BaseException, doc: Any, keyword: str, paths: list[str]) -> None:
    assert type(exc) is rust_core.LimitError, repr(exc)
    assert isinstance(exc, rust_core.CodecError)
    assert isinstance(exc, ValueError)
    assert [error["path"] for error in exc.errors] == paths
    assert [error["keyword"] for error in exc.errors] == [keyword] * len(paths)
    for error in exc.errors:
        assert set(error) == {"path", "message", "keyword"}
        assert isinstance(error["message"], str)
        assert error["message"]
    assert exc.path == paths[0]
    # The pointer lands on the offending value.
    for path in paths:
        target = resolve(doc, path)
        if keyword == "max_depth":
            assert isinstance(target, (list, dict))
            assert path.count("/") + 1 == MAX_DEPTH + 1
        elif keyword == "empty_attribute_name":
            assert path.endswith("/")
        else:
            assert isinstance(target, Num)
            assert keyword in number_violations(target)


def check_accepted(data: bytes, text: str) -> None:
    doc = parse_reference(text)
    expected = reference_item(doc)
    item = rust_core.json_to_item(data)
    assert strict(item) == strict(expected)
    assert strict(rust_core.json_to_item(text)) == strict(expected)
    out = rust_core.item_to_json(item)
    assert type(out) is bytes
    assert out == compact(doc).encode("utf-8")
    assert json.loads(out, parse_float=Decimal) == json.loads(text, parse_float=Decimal)


# --------------------------------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    pass


@dataclass(frozen=True)
class Malformed:
    pos: int | None  # None: the position is not pinned (the stdlib accepts these), only consistency


@dataclass(frozen=True)
class Limit:
    keyword: str
    paths: tuple[str, ...]


Expectation = Accepted | Malformed | Limit


def _range(path: str = "/n") -> Limit:
    return Limit("number_range", (path,))


def _precision(path: str = "/n") -> Limit:
    return Limit("number_precision", (path,))


def _too_deep(path: str) -> Limit:
    return Limit("max_depth", (path,))


ARRAYS_33 = "/a" + "/0" * 31

LIMIT_PINS: dict[str, Limit] = {
    "n_limit_number_39_digits.json": _precision(),
    "n_limit_number_39_digits_negative.json": _precision(),
    "n_limit_number_39_digits_fraction.json": _precision(),
    "n_limit_number_39_digits_between_zeros.json": _precision(),
    "n_limit_number_39_digits_with_exponent.json": _precision(),
    "n_limit_number_too_large.json": _range(),
    "n_limit_number_too_large_negative.json": _range(),
    "n_limit_number_too_large_as_integer.json": _range(),
    "n_limit_number_too_small.json": _range(),
    "n_limit_number_too_small_negative.json": _range(),
    "n_limit_number_just_below_min.json": _range(),
    "n_limit_number_too_small_as_fraction.json": _range(),
    "n_limit_number_exponent_wraps_u64.json": _range(),
    "n_limit_number_negative_exponent_wraps_u64.json": _range(),
    "n_limit_number_exponent_wraps_i64.json": _range(),
    "n_limit_number_in_array.json": _range("/a/2"),
    "n_limit_path_nested.json": _range("/a/b/1/c"),
    "n_limit_path_escaped_key.json": _range("/a~1b/m~0n"),
    "n_limit_path_escaped_key_tilde_one.json": _range("/~01"),
    "n_limit_path_unicode_key.json": _range("/\u00e9"),
    "n_limit_path_escape_decoded_key.json": _range("/a~1b"),
    "n_limit_depth_40_arrays.json": _too_deep(ARRAYS_33),
    "n_limit_depth_40_objects.json": _too_deep("/a" * 32),
    "n_limit_depth_in_second_member.json": _too_deep("/y" + "/0" * 31),
}

# Implementation-defined in RFC 8259 / JSONTestSuite; what rust_core does, pinned.
I_PINS: dict[str, Expectation] = {
    # A UTF-8 BOM is rejected (the stdlib's str parse agrees: position 0).
    "i_structure_UTF-8_BOM_empty_object.json": Malformed(0),
    "i_structure_UTF-8_BOM_object.json": Malformed(0),
    # DynamoDB rejects repeated keys: JSONDecodeError, wherever they are.
    "i_object_duplicate_key.json": Malformed(None),
    "i_object_duplicate_key_same_value.json": Malformed(None),
    "i_object_duplicate_key_nested.json": Malformed(None),
    "i_object_duplicate_key_in_array.json": Malformed(None),
    "i_object_duplicate_key_escaped.json": Malformed(None),
    "i_object_duplicate_empty_key.json": Malformed(None),
    # Escapes that are not Unicode scalar values.
    "i_string_lone_high_surrogate.json": Malformed(None),
    "i_string_lone_low_surrogate.json": Malformed(None),
    "i_string_high_surrogate_then_char.json": Malformed(None),
    "i_string_high_surrogate_then_escape.json": Malformed(None),
    "i_string_high_surrogate_then_newline_escape.json": Malformed(None),
    "i_string_two_high_surrogates.json": Malformed(None),
    "i_string_reversed_surrogate_pair.json": Malformed(None),
    "i_string_lone_surrogate_in_key.json": Malformed(None),
    # Noncharacters are Unicode scalar values: accepted.
    "i_string_escaped_noncharacter_fffe.json": Accepted(),
    "i_string_raw_noncharacter_fdd0.json": Accepted(),
    # DynamoDB rejects empty attribute names, map keys included; the path is the member's.
    "i_object_empty_key.json": Limit("empty_attribute_name", ("/",)),
    "i_object_empty_key_nested.json": Limit("empty_attribute_name", ("/m/", "/m//")),
    # A NUL key is an ordinary key.
    "i_object_escaped_nul_key.json": Accepted(),
    # Zero of any sign is accepted and its text kept, but DynamoDB range-checks it as if its last
    # written digit were a 1: `0E+400`, `0.0e-999` and `0.` followed by 200 zeros are refused.
    "i_number_negative_zero.json": Accepted(),
    "i_number_negative_zero_fraction.json": Accepted(),
    "i_number_negative_zero_exponent.json": Accepted(),
    "i_number_zero_huge_exponent.json": _range(),
    "i_number_zero_huge_negative_exponent.json": _range(),
    "i_number_zero_many_digits.json": _range(),
    # Beyond a double is fine as long as DynamoDB can hold it; beyond DynamoDB is a LimitError.
    "i_number_too_big_pos_int.json": Accepted(),
    "i_number_float_precision_text_kept.json": Accepted(),
    "i_number_1E400.json": _range(),
    "i_number_neg_1E400.json": _range(),
    "i_number_1E-400.json": _range(),
    "i_number_real_underflow.json": _range(),
    "i_number_double_huge_neg_exp.json": _range(),
    "i_number_pos_double_huge_exp.json": _range(),
    "i_number_huge_exp.json": _range(),
    "i_number_double_max.json": _range(),
    "i_number_very_big_negative_int.json": _precision(),
    # DynamoDB's nesting limit: 32 containers counting the top-level object.
    "i_structure_depth_32_arrays.json": Accepted(),
    "i_structure_depth_32_objects.json": Accepted(),
    "i_structure_depth_32_scalar_leaf.json": Accepted(),
    "i_structure_depth_33_arrays.json": _too_deep(ARRAYS_33),
    "i_structure_depth_33_objects.json": _too_deep("/a" * 32),
    "i_structure_depth_33_mixed.json": _too_deep("/a/0/b" + "/0" * 29),
    "i_structure_500_nested_arrays.json": _too_deep(ARRAYS_33),
}

# n_syntax files the stdlib accepts (it allows NaN and Infinity): the position is the value's start.
SYNTAX_PINS: dict[str, int] = {
    "n_syntax_number_NaN.json": 5,
    "n_syntax_number_Infinity.json": 5,
    "n_syntax_number_minus_Infinity.json": 5,
    "n_syntax_number_NaN_in_array.json": 8,
}


def read(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def by_prefix(prefix: str) -> list[str]:
    return [name for name in CORPUS_FILES if name.startswith(prefix)]


def test_corpus_is_complete_and_every_pin_has_a_file() -> None:
    prefixes = ("y_", "n_syntax_", "n_shape_", "n_limit_", "i_")
    assert [name for name in CORPUS_FILES if not name.startswith(prefixes)] == []
    assert set(by_prefix("i_")) == set(I_PINS)
    assert set(by_prefix("n_limit_")) == set(LIMIT_PINS)
    assert set(SYNTAX_PINS) <= set(by_prefix("n_syntax_"))
    assert len(by_prefix("y_")) >= 50
    assert len(by_prefix("n_syntax_")) >= 80


@pytest.mark.parametrize("name", by_prefix("y_"))
def test_corpus_accepted(name: str) -> None:
    data = read(name)
    check_accepted(data, data.decode("utf-8"))


def expected_syntax_position(name: str, data: bytes) -> tuple[str, int]:
    """The document as text (for line/column) and the expected position."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Invalid UTF-8: the position is the first bad byte, counted in characters.
        prefix = data[: exc.start].decode("utf-8")
        return prefix, len(prefix)
    reference = stdlib_error(text)
    if reference is not None:
        return text, reference.pos
    return text, SYNTAX_PINS[name]


@pytest.mark.parametrize("name", by_prefix("n_syntax_"))
def test_corpus_malformed(name: str) -> None:
    data = read(name)
    text, pos = expected_syntax_position(name, data)
    exc = raised(rust_core.json_to_item, data)
    check_decode_error(exc, text, pos)
    assert exc.doc == data
    try:
        as_str = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    str_exc = raised(rust_core.json_to_item, as_str)
    check_decode_error(str_exc, text, pos)
    reference = stdlib_error(as_str)
    if reference is not None:
        assert (str_exc.pos, str_exc.lineno, str_exc.colno) == (
            reference.pos,
            reference.lineno,
            reference.colno,
        )


@pytest.mark.parametrize("name", by_prefix("n_shape_"))
def test_corpus_wrong_shape(name: str) -> None:
    data = read(name)
    for form in (data, data.decode("utf-8")):
        exc = raised(rust_core.json_to_item, form)
        assert type(exc) is rust_core.ShapeError, repr(exc)
        assert isinstance(exc, rust_core.CodecError)
        assert isinstance(exc, ValueError)
        assert not isinstance(exc, json.JSONDecodeError)


@pytest.mark.parametrize("name", by_prefix("n_limit_"))
def test_corpus_limits(name: str) -> None:
    data = read(name)
    text = data.decode("utf-8")
    pin = LIMIT_PINS[name]
    for form in (data, text):
        exc = raised(rust_core.json_to_item, form)
        check_limit_error(exc, parse_reference(text), pin.keyword, list(pin.paths))


@pytest.mark.parametrize("name", by_prefix("i_"))
def test_corpus_implementation_defined(name: str) -> None:
    data = read(name)
    text = data.decode("utf-8")
    pin = I_PINS[name]
    if isinstance(pin, Accepted):
        check_accepted(data, text)
        return
    for form in (data, text):
        exc = raised(rust_core.json_to_item, form)
        if isinstance(pin, Malformed):
            check_decode_error(exc, text, pin.pos)
            reference = stdlib_error(text)
            if reference is not None:
                assert (exc.pos, exc.lineno, exc.colno) == (
                    reference.pos,
                    reference.lineno,
                    reference.colno,
                )
        else:
            check_limit_error(exc, parse_reference(text), pin.keyword, list(pin.paths))


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_bytes_and_str_agree(name: str) -> None:
    data = read(name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    assert describe(rust_core.json_to_item, data, shown=strict) == describe(
        rust_core.json_to_item, text, shown=strict
    )


# --------------------------------------------------------------------------------------------------
# Errors: hierarchy, details, no leaked values
# --------------------------------------------------------------------------------------------------


def test_exception_hierarchy() -> None:
    assert issubclass(rust_core.CodecError, ValueError)
    assert issubclass(rust_core.JSONDecodeError, json.JSONDecodeError)
    assert issubclass(rust_core.JSONDecodeError, rust_core.CodecError)
    assert issubclass(rust_core.ShapeError, rust_core.CodecError)
    assert issubclass(rust_core.LimitError, rust_core.CodecError)
    assert issubclass(rust_core.InternalError, Exception)


def test_limit_error_lists_the_first_offender_first() -> None:
    text = '{"a":1E+999,"b":[1E-999]}'
    exc = raised(rust_core.json_to_item, text)
    assert type(exc) is rust_core.LimitError
    assert exc.path == "/a"
    assert exc.errors[0] == {
        "path": "/a",
        "message": exc.errors[0]["message"],
        "keyword": "number_range",
    }
    assert [error["path"] for error in exc.errors] in (["/a"], ["/a", "/b/0"])
    assert {error["keyword"] for error in exc.errors} == {"number_range"}


def test_syntax_error_anywhere_wins_over_every_limit() -> None:
    deep = "[" * 40 + "]" * 40
    text = '{"a":1E+999,"b":1.00000000000000000000000000000000000001,"c":' + deep + "} x"
    exc = raised(rust_core.json_to_item, text)
    reference = stdlib_error(text)
    assert reference is not None
    check_decode_error(exc, text, reference.pos)


TOO_DEEP = "[" * 40 + "]" * 40


@pytest.mark.parametrize(
    ("text", "pos"),
    [
        ('{"a":1E+999,"a":2}', None),
        ('{"a":1,"a":2,"":3}', None),
        ('{"":1,"":2}', None),
        ('{"":1,"a":1,"a":2}', None),
        ('{"a":' + TOO_DEEP + ',"a":1}', None),
        ('{"b":1E+999,"a":"\\ud800"}', None),
        ('{"":1,"a":"\\udc00"}', None),
        ('{"b":1.00000000000000000000000000000000000001,"a":NaN}', 50),
        ('{"":' + TOO_DEEP + ',"a":-Infinity}', 89),
    ],
    ids=repr,
)
def test_strict_decoding_errors_win_over_limits(text: str, pos: int | None) -> None:
    # Repeated keys, lone surrogates, NaN/Infinity are JSONDecodeErrors, which win over limits
    # (nesting, numbers, empty names) wherever they sit in the document.
    for form in (text, text.encode()):
        check_decode_error(raised(rust_core.json_to_item, form), text, pos)


def test_raw_lone_surrogate_in_str_input_is_malformed() -> None:
    # A str that cannot be UTF-8 is not Unicode text: malformed, not a UnicodeEncodeError.
    for text in ['{"a":"\ud800"}', '{"\udc00":1}', '{"a":1}\ud800']:
        exc = raised(rust_core.json_to_item, text)
        check_decode_error(exc, text, None)


@pytest.mark.parametrize(
    "data", [None, 1, 1.5, ["{}"], {"a": 1}, bytearray(b"{}"), memoryview(b"{}")], ids=repr
)
def test_json_to_item_rejects_other_input_types(data: Any) -> None:
    exc = raised(rust_core.json_to_item, data)
    assert type(exc) is TypeError, repr(exc)


SECRET = "zqsecret"
SECRET_DIGITS = "98765432109876543210987654321098765432109"

LEAKY_INPUTS: list[bytes | str] = [
    '{"zqsecretkey":"zqsecretvalue" x}',
    '{"zqsecretkey":zqsecretliteral}',
    '{"k":"zqsecret\x01"}',
    '{"k":"\\qzqsecret"}',
    '{"k":"zqsecret\\u12zz"}',
    '{"zqsecretkey":1,"zqsecretkey":2}',
    '{"k":"zqsecret\\ud800"}',
    '{"k":NaNzqsecret}',
    '{"k":"zqsecret"',
    b'{"k":"zqsecret\xff"}',
    b'\xef\xbb\xbf{"k":"zqsecret"}',
    '{"zqsecretkey":' + SECRET_DIGITS + "}",
    '{"zqsecretkey":7.77777e+777}',
    '{"zqsecretkey":' + "[" * 40 + "]" * 40 + "}",
    '"zqsecretvalue"',
    '["zqsecretvalue"]',
    "98765432109876543210",
]


@pytest.mark.parametrize("data", LEAKY_INPUTS, ids=repr)
def test_error_messages_never_contain_input_values(data: bytes | str) -> None:
    exc = raised(rust_core.json_to_item, data)
    assert isinstance(exc, rust_core.CodecError)
    texts = [str(exc), repr(exc.args)]
    if isinstance(exc, json.JSONDecodeError):
        texts.append(exc.msg)
    if isinstance(exc, rust_core.LimitError):
        texts.extend(error["message"] for error in exc.errors)
    for text in texts:
        assert SECRET not in text
        assert "77777" not in text
        assert "987654321" not in text


@pytest.mark.parametrize(
    "item",
    [
        {"zqsecretkey": {"N": "zqsecretvalue"}},
        {"k": {"zqsecretkey": "zqsecretvalue"}},
        {"k": {"S": "zqsecretvalue", "zqsecretkey": "x"}},
        {"k": {"L": [{"N": "NaNzqsecret"}]}},
    ],
    ids=repr,
)
def test_item_to_json_messages_never_contain_input_values(item: Any) -> None:
    exc = raised(rust_core.item_to_json, item)
    assert isinstance(exc, (TypeError, ValueError))
    assert SECRET not in str(exc)
    assert SECRET not in repr(exc.args)


# --------------------------------------------------------------------------------------------------
# Hostile bodies: fast, the documented exception, and the process survives
# --------------------------------------------------------------------------------------------------

MILLION = 1_000_000
HUNDRED_K = 100_000


def run_isolated(body: str) -> str:
    code = "import rust_core\n" + textwrap.dedent(body)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT
    )
    assert proc.returncode == 0, (
        f"the interpreter died (exit code {proc.returncode}): {proc.stderr[-2000:]}"
    )
    return proc.stdout


HOSTILE: dict[str, tuple[str, Any]] = {
    # name: (Python expression building the document, expected)
    "million_digit_number": (f"'{{\"n\":' + '1' * {MILLION} + '}}'", _precision()),
    "million_digit_power_of_ten": (f"'{{\"n\":1' + '0' * {MILLION} + '}}'", _range()),
    "million_zero_fraction": (f"'{{\"n\":0.' + '0' * {MILLION} + '1}}'", _range()),
    "million_digit_exponent": (f"'{{\"n\":1e' + '9' * {MILLION} + '}}'", _range()),
    "million_digit_negative_exponent": (f"'{{\"n\":1e-' + '9' * {MILLION} + '}}'", _range()),
    "million_digit_number_unterminated": (f"'{{\"n\":' + '1' * {MILLION}", Malformed(5 + MILLION)),
    "million_digit_number_then_garbage": (
        f"'{{\"n\":' + '1' * {MILLION} + 'x}}'",
        Malformed(5 + MILLION),
    ),
    # Zero is range-checked as if its last written digit were a 1, as DynamoDB does.
    "million_zero_fraction_underflows": (f"'{{\"n\":0.' + '0' * {MILLION} + '}}'", _range()),
    "zero_with_million_digit_exponent": (f"'{{\"n\":0e' + '9' * {MILLION} + '}}'", _range()),
    "million_zeros_cancelled_by_exponent": (
        f"'{{\"n\":0.' + '0' * {MILLION} + '1e{MILLION + 1}}}'",
        Accepted(),
    ),
    "open_brackets_in_object": (f"'{{\"a\":' + '[' * {HUNDRED_K}", Malformed(5 + HUNDRED_K)),
    "open_brackets_top_level": (f"'[' * {HUNDRED_K}", Malformed(HUNDRED_K)),
    "open_braces_top_level": (f"'{{' * {HUNDRED_K}", Malformed(1)),
    "open_brackets_then_brace": (
        f"'{{\"a\":' + '[' * {HUNDRED_K} + '}}'",
        Malformed(5 + HUNDRED_K),
    ),
    "balanced_brackets": (
        f"'{{\"a\":' + '[' * {HUNDRED_K} + ']' * {HUNDRED_K} + '}}'",
        _too_deep(ARRAYS_33),
    ),
    "balanced_brackets_then_garbage": (
        f"'{{\"a\":' + '[' * {HUNDRED_K} + ']' * {HUNDRED_K} + 'x'",
        Malformed(5 + 2 * HUNDRED_K),
    ),
    "nested_objects": (
        f"'{{\"a\":' * {HUNDRED_K} + '1' + '}}' * {HUNDRED_K}",
        _too_deep("/a" * 32),
    ),
    "wide_array": (f"'{{\"a\":[' + '[],' * {HUNDRED_K} + '[]]}}'", Accepted()),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_bodies(name: str) -> None:
    expression, expected = HOSTILE[name]
    out = run_isolated(
        f"""
        import json, time
        text = {expression}
        results = []
        for form in (text.encode(), text):
            start = time.perf_counter()
            try:
                item = rust_core.json_to_item(form)
            except Exception as exc:
                elapsed = time.perf_counter() - start
                results.append({{
                    "class": type(exc).__qualname__,
                    "pos": getattr(exc, "pos", None),
                    "lineno": getattr(exc, "lineno", None),
                    "colno": getattr(exc, "colno", None),
                    "errors": getattr(exc, "errors", None),
                    "elapsed": elapsed,
                }})
            else:
                elapsed = time.perf_counter() - start
                results.append({{"class": None, "item": item, "elapsed": elapsed}})
        results.append(rust_core.json_to_item('{{"ok":true}}'))
        print(json.dumps(results))
        """
    )
    *results, after = json.loads(out)
    assert after == {"ok": {"BOOL": True}}
    text = eval(expression)  # the same document, built here for the reference
    for result in results:
        assert result["elapsed"] < 1.0, result["elapsed"]
        if isinstance(expected, Accepted):
            assert result["class"] is None, result
            assert result["item"] == reference_item(parse_reference(text))
        elif isinstance(expected, Malformed):
            assert result["class"] == "JSONDecodeError", result
            assert result["pos"] == expected.pos
            assert (result["lineno"], result["colno"]) == (1, expected.pos + 1)
        else:
            assert result["class"] == "LimitError", result
            assert [e["path"] for e in result["errors"]] == list(expected.paths)
            assert [e["keyword"] for e in result["errors"]] == [expected.keyword]


# --------------------------------------------------------------------------------------------------
# Generated documents
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
WHITESPACE = ["", "", "", "", " ", "  ", "\n", "\t", "\r\n", " \n  "]

unicode_text = st.text(
    st.one_of(
        st.characters(exclude_categories=["Cs"]),
        st.sampled_from([*SHORT_ESCAPES, "\x00", "\x1f", "\x7f", "\u2028", "\ufeff", "\U0001f600"]),
    ),
    max_size=10,
)


@st.composite
def number_texts(draw: st.DrawFn, *, digits: int = 19, exponent: int = 140) -> str:
    """A grammatically valid JSON number (not necessarily within DynamoDB's limits)."""
    sign = draw(st.sampled_from(["", "-"]))
    integer = draw(
        st.one_of(st.just("0"), st.from_regex(rf"[1-9][0-9]{{0,{digits}}}", fullmatch=True))
    )
    fraction = draw(
        st.one_of(st.just(""), st.from_regex(rf"\.[0-9]{{1,{digits}}}", fullmatch=True))
    )
    suffix = ""
    if draw(st.booleans()):
        marker = draw(st.sampled_from(["e", "E"]))
        exp_sign = draw(st.sampled_from(["", "+", "-"]))
        padding = "0" * draw(st.integers(min_value=0, max_value=2))
        value = draw(st.integers(min_value=0, max_value=exponent))
        suffix = f"{marker}{exp_sign}{padding}{value}"
    return sign + integer + fraction + suffix


valid_numbers = number_texts().filter(lambda text: not number_violations(text)).map(Num)

# Keys are never empty: an empty attribute name is a LimitError (pinned by the corpus).
json_keys = unicode_text.filter(bool)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), valid_numbers, unicode_text),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(json_keys, children, max_size=4)
    ),
    max_leaves=30,
)
json_objects = st.dictionaries(json_keys, json_values, max_size=6).filter(
    lambda doc: depth(doc) <= MAX_DEPTH
)


def render(doc: Any, rng: random.Random, *, pair_escapes: bool) -> str:
    """JSON text for `doc`, with random whitespace and random (valid) string escapes."""

    def ws() -> str:
        return rng.choice(WHITESPACE)

    def string(value: str) -> str:
        out = ['"']
        for char in value:
            code = ord(char)
            choices = []
            if char in SHORT_ESCAPES:
                choices.append(SHORT_ESCAPES[char])
            if char not in '"\\' and code >= 0x20:
                choices.append(char)
            if code < 0x10000:
                choices.append(rng.choice(["\\u%04x", "\\u%04X"]) % code)
            elif pair_escapes:
                high = 0xD800 + ((code - 0x10000) >> 10)
                low = 0xDC00 + ((code - 0x10000) & 0x3FF)
                choices.append(rng.choice(["\\u%04x\\u%04x", "\\u%04X\\u%04X"]) % (high, low))
            out.append(rng.choice(choices))
        out.append('"')
        return "".join(out)

    def value(node: Any) -> str:
        if isinstance(node, Num):
            return str(node)
        if isinstance(node, str):
            return string(node)
        if isinstance(node, list):
            if not node:
                return "[" + ws() + "]"
            return "[" + ",".join(ws() + value(member) + ws() for member in node) + "]"
        if isinstance(node, dict):
            if not node:
                return "{" + ws() + "}"
            members = (
                ws() + string(k) + ws() + ":" + ws() + value(v) + ws() for k, v in node.items()
            )
            return "{" + ",".join(members) + "}"
        return {True: "true", False: "false", None: "null"}[node]

    return ws() + value(doc) + ws()


@dataclass(frozen=True)
class Document:
    doc: dict[str, Any]
    text: str


def documents(*, pair_escapes: bool) -> st.SearchStrategy[Document]:
    return st.builds(
        lambda doc, rng: Document(doc, render(doc, rng, pair_escapes=pair_escapes)),
        json_objects,
        st.randoms(use_true_random=False),
    )


@given(documents(pair_escapes=True))
def test_round_trip_on_generated_documents(document: Document) -> None:
    assert parse_reference(document.text) == document.doc  # the generator's own sanity
    expected = reference_item(document.doc)
    item = rust_core.json_to_item(document.text)
    assert strict(item) == strict(expected)
    assert strict(rust_core.json_to_item(document.text.encode("utf-8"))) == strict(expected)
    out = rust_core.item_to_json(item)
    assert out == compact(document.doc).encode("utf-8")
    assert json.loads(out, parse_float=Decimal) == json.loads(document.text, parse_float=Decimal)


@given(number_texts(digits=30, exponent=300))
def test_number_limits_follow_dynamodb(number: str) -> None:
    text = '{"n":' + number + "}"
    violations = number_violations(number)
    if not violations:
        assert rust_core.json_to_item(text) == {"n": {"N": number}}
        return
    exc = raised(rust_core.json_to_item, text)
    assert type(exc) is rust_core.LimitError, repr(exc)
    assert exc.path == "/n"
    assert [error["path"] for error in exc.errors] == ["/n"]
    assert exc.errors[0]["keyword"] in violations


@given(
    st.integers(min_value=1, max_value=45),
    st.lists(st.sampled_from(["array", "object"]), min_size=45, max_size=45),
)
def test_nesting_limit_is_32_containers(levels: int, kinds: list[str]) -> None:
    # `levels` containers below the top-level object, each an array or an object keyed "k".
    kinds = kinds[:levels]
    inner = "[]" if kinds[-1] == "array" else "{}"
    for kind in reversed(kinds[:-1]):
        inner = "[" + inner + "]" if kind == "array" else '{"k":' + inner + "}"
    text = '{"a":' + inner + "}"
    doc = parse_reference(text)
    assert depth(doc) == levels + 1
    if levels + 1 <= MAX_DEPTH:
        check_accepted(text.encode(), text)
        return
    # The 33rd container sits below the top-level object and the first 31 containers.
    path = "/a" + "".join("/0" if kind == "array" else "/k" for kind in kinds[: MAX_DEPTH - 1])
    for form in (text, text.encode()):
        check_limit_error(raised(rust_core.json_to_item, form), doc, "max_depth", [path])


CORRUPTIONS = st.one_of(
    st.sampled_from(list('{}[],:"\\0123456789-+.eEaflnrstu ')),
    st.sampled_from(["\t", "\n", "\r", "\x00", "\x01", "\x1f", "\x7f", "\xa0", "\u2028", "\ufeff"]),
    st.sampled_from(["\u00e9", "\u4e2d", "\U0001f600", "'", "/", "*", "#"]),
    st.characters(exclude_categories=["Cs"]),
)


@given(documents(pair_escapes=False), st.data())
def test_error_positions_match_stdlib_on_corrupted_documents(
    document: Document, data: st.DataObject
) -> None:
    text = document.text
    kind = data.draw(st.sampled_from(["truncate", "insert", "delete", "replace"]), label="kind")
    if kind == "truncate":
        index = data.draw(st.integers(min_value=0, max_value=len(text) - 1), label="index")
        bad = text[:index]
    elif kind == "insert":
        index = data.draw(st.integers(min_value=0, max_value=len(text)), label="index")
        bad = text[:index] + data.draw(CORRUPTIONS, label="char") + text[index:]
    elif kind == "delete":
        index = data.draw(st.integers(min_value=0, max_value=len(text) - 1), label="index")
        bad = text[:index] + text[index + 1 :]
    else:
        index = data.draw(st.integers(min_value=0, max_value=len(text) - 1), label="index")
        bad = text[:index] + data.draw(CORRUPTIONS, label="char") + text[index + 1 :]

    reference = stdlib_error(bad)
    if reference is None:
        event("still well-formed")
        check_still_valid_document(bad)
        return
    event(f"stdlib: {reference.msg}")
    for form in (bad, bad.encode("utf-8")):
        exc = raised(rust_core.json_to_item, form)
        assert type(exc) is rust_core.JSONDecodeError, (bad, repr(exc))
        assert (exc.pos, exc.lineno, exc.colno) == (
            reference.pos,
            reference.lineno,
            reference.colno,
        ), (
            bad,
            reference.msg,
            exc.msg,
        )


def check_still_valid_document(text: str) -> None:
    """The corruption left well-formed JSON: where the answer is clear, rust_core gives it."""
    keys_repeat = False

    def pairs(members: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal keys_repeat
        keys_repeat = keys_repeat or len({k for k, _ in members}) != len(members)
        return dict(members)

    doc = json.loads(text, parse_int=Num, parse_float=Num, object_pairs_hook=pairs)
    leaves = list(walk(doc))
    surrogates = any(
        isinstance(leaf, str) and not isinstance(leaf, Num) and has_surrogate(leaf)
        for _, leaf, _ in leaves
    )
    violations = [
        path
        for path, leaf, is_key in leaves
        if (is_key and leaf == "") or (isinstance(leaf, Num) and number_violations(leaf))
    ]
    if keys_repeat or surrogates:
        check_decode_error(raised(rust_core.json_to_item, text), text, None)
    elif not isinstance(doc, dict) or depth(doc) > MAX_DEPTH:
        return  # shape and depth against number limits: no order promised
    elif violations:
        exc = raised(rust_core.json_to_item, text)
        assert type(exc) is rust_core.LimitError, repr(exc)
        assert exc.path == violations[0]
        assert {error["path"] for error in exc.errors} <= set(violations)
    else:
        assert strict(rust_core.json_to_item(text)) == strict(reference_item(doc))


def has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(char) <= 0xDFFF for char in text)


def pointer_token(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def walk(value: Any, path: str = "") -> Any:
    """(pointer, leaf, is_key) for every key and scalar, in document order.

    A key's pointer is its member's: that is where an error about the name points.
    """
    if isinstance(value, list):
        for index, member in enumerate(value):
            yield from walk(member, f"{path}/{index}")
    elif isinstance(value, dict):
        for key, member in value.items():
            member_path = f"{path}/{pointer_token(key)}"
            yield member_path, key, True
            yield from walk(member, member_path)
    else:
        yield path, value, False


@pytest.mark.parametrize(
    "text",
    [
        # truncations inside \u escapes and surrogate pairs of a valid document
        '{"a":"\\ud83d\\ude00"}'[:cut]
        for cut in range(6, 20)
    ]
    + ['{"a":"\\u0041"}'[:cut] for cut in range(6, 13)]
    + ['{"a":"x\\n', '{"a":"x\\', '{"a":"\\ud83d\\u00'],
    ids=repr,
)
def test_truncated_escapes_positions_match_stdlib(text: str) -> None:
    reference = stdlib_error(text)
    assert reference is not None
    for form in (text, text.encode("utf-8")):
        exc = raised(rust_core.json_to_item, form)
        check_decode_error(exc, text, reference.pos)


# --------------------------------------------------------------------------------------------------
# item_to_json
# --------------------------------------------------------------------------------------------------

TRICKY_STRING = '"\\/\b\f\n\r\t\x00\x01\x1f\x7f\u2028\u2029\u00e9\u4e2d\U0001f600 end'


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


ITEM_TO_JSON_CASES: list[tuple[str, Any, bytes]] = [
    ("empty_item", {}, b"{}"),
    ("string", {"s": {"S": "x"}}, b'{"s":"x"}'),
    ("empty_string", {"s": {"S": ""}}, b'{"s":""}'),
    ("string_escapes_like_json_dumps", {"s": {"S": TRICKY_STRING}}, dumps({"s": TRICKY_STRING})),
    ("key_escapes_like_json_dumps", {TRICKY_STRING: {"NULL": True}}, dumps({TRICKY_STRING: None})),
    (
        "non_ascii_is_raw_utf8",
        {"\u00e9": {"S": "\u4e2d\U0001f600"}},
        '{"\u00e9":"\u4e2d\U0001f600"}'.encode(),
    ),
    ("number", {"n": {"N": "1"}}, b'{"n":1}'),
    ("number_trailing_zeros_kept", {"n": {"N": "1.50"}}, b'{"n":1.50}'),
    ("number_negative_zero_kept", {"n": {"N": "-0"}}, b'{"n":-0}'),
    ("number_exponent_kept", {"n": {"N": "1E+40"}}, b'{"n":1E+40}'),
    ("number_lower_exponent_kept", {"n": {"N": "1e2"}}, b'{"n":1e2}'),
    ("number_decimal_style_exponent", {"n": {"N": "0E-7"}}, b'{"n":0E-7}'),
    ("number_negative_fraction_exponent", {"n": {"N": "-1.5e-7"}}, b'{"n":-1.5e-7}'),
    ("number_beyond_double_kept", {"n": {"N": "1E400"}}, b'{"n":1E400}'),
    ("number_38_digits_kept", {"n": {"N": "1" * 38}}, b'{"n":' + b"1" * 38 + b"}"),
    ("true", {"b": {"BOOL": True}}, b'{"b":true}'),
    ("false", {"b": {"BOOL": False}}, b'{"b":false}'),
    ("null", {"z": {"NULL": True}}, b'{"z":null}'),
    ("binary_base64", {"y": {"B": b"\x00\xff"}}, b'{"y":"AP8="}'),
    ("binary_standard_alphabet", {"y": {"B": b"\xfb\xff\xbf"}}, b'{"y":"+/+/"}'),
    ("binary_padding", {"y": {"B": b"ab"}}, b'{"y":"YWI="}'),
    ("binary_empty", {"y": {"B": b""}}, b'{"y":""}'),
    ("binary_bytearray", {"y": {"B": bytearray(b"\x01\x02\x03")}}, b'{"y":"AQID"}'),
    ("binary_boto3_binary", {"y": {"B": Binary(b"\x01\x02\x03")}}, b'{"y":"AQID"}'),
    (
        "binary_long",
        {"y": {"B": bytes(range(256)) * 4}},
        b'{"y":"' + base64.b64encode(bytes(range(256)) * 4) + b'"}',
    ),
    ("string_set", {"ss": {"SS": ["a", "b\n"]}}, b'{"ss":["a","b\\n"]}'),
    ("number_set", {"ns": {"NS": ["1", "2.50", "-1E+2"]}}, b'{"ns":[1,2.50,-1E+2]}'),
    (
        "binary_set",
        {"bs": {"BS": [b"a", bytearray(b"b"), Binary(b"c")]}},
        b'{"bs":["YQ==","Yg==","Yw=="]}',
    ),
    ("empty_sets", {"a": {"SS": []}, "b": {"NS": []}, "c": {"BS": []}}, b'{"a":[],"b":[],"c":[]}'),
    ("list", {"l": {"L": [{"S": "x"}, {"N": "1"}, {"NULL": True}]}}, b'{"l":["x",1,null]}'),
    ("map", {"m": {"M": {"b": {"BOOL": False}, "a": {"L": []}}}}, b'{"m":{"b":false,"a":[]}}'),
    ("empty_containers", {"l": {"L": []}, "m": {"M": {}}}, b'{"l":[],"m":{}}'),
    (
        "item_order_kept",
        {"z": {"N": "1"}, "a": {"N": "2"}, "m": {"N": "3"}},
        b'{"z":1,"a":2,"m":3}',
    ),
    (
        "nested",
        {"a": {"M": {"b": {"L": [{"M": {"c": {"SS": ["d"]}}}, {"B": b"\x00"}]}}}},
        b'{"a":{"b":[{"c":["d"]},"AA=="]}}',
    ),
]


@pytest.mark.parametrize(
    ("item", "expected"),
    [pytest.param(item, out, id=name) for name, item, out in ITEM_TO_JSON_CASES],
)
def test_item_to_json_exact_bytes(item: Any, expected: bytes) -> None:
    out = rust_core.item_to_json(item)
    assert type(out) is bytes
    assert out == expected


def test_item_to_json_accepts_serialize_item_output() -> None:
    item = rust_core.serialize_item(
        {"d": Decimal("1E+2"), "t": Decimal("1E-7"), "i": 7, "y": bytearray(b"\x01"), "s": {"a"}}
    )
    assert rust_core.item_to_json(item) == b'{"d":1E+2,"t":1E-7,"i":7,"y":"AQ==","s":["a"]}'


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_item_to_json_keeps_decimal_text(number: Decimal) -> None:
    # str() of a finite Decimal is always valid JSON number text: written as is.
    assert (
        rust_core.item_to_json({"n": {"N": str(number)}}) == b'{"n":' + str(number).encode() + b"}"
    )


@pytest.mark.parametrize(
    "number",
    [
        "+5",
        ".5",
        "5.",
        "-.5",
        "+.5e3",
        "5.e3",
        "05",
        "-05.50",
        "00",
        "+0",
        "1.e5",
        "+1E+2",
        "0005.",
    ],
)
def test_item_to_json_normalises_non_json_numbers(number: str) -> None:
    out = rust_core.item_to_json({"n": {"N": number}})
    assert out.startswith(b'{"n":')
    assert out.endswith(b"}")
    written = out[len(b'{"n":') : -1].decode()
    assert JSON_NUMBER.fullmatch(written), written
    assert Decimal(written) == Decimal(number)
    assert json.loads(out, parse_float=Decimal) == {"n": Decimal(number)}


@pytest.mark.parametrize(
    "item",
    [
        {"a": {}},
        {"a": {"S": "x", "N": "1"}},
        {"a": {"X": "1"}},
        {"a": {"Q": 1}},
        {"a": "x"},
        {"a": None},
        {"a": 1},
        {"a": ["S", "x"]},
        {"a": {"M": {"b": {"Q": 1}}}},
        {"a": {"L": [{"S": "x"}, {}]}},
        {"a": {"M": {"b": {"S": "x", "BOOL": True}}}},
        [("a", {"S": "x"})],
        None,
        "{}",
    ],
    ids=repr,
)
def test_item_to_json_rejects_malformed_attribute_values(item: Any) -> None:
    exc = raised(rust_core.item_to_json, item)
    assert isinstance(exc, TypeError), repr(exc)
    assert not isinstance(exc, ValueError)


@pytest.mark.parametrize(
    "number",
    [
        "NaN",
        "-NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        "inf",
        "abc",
        "",
        "1e",
        "--1",
        "0x10",
        "1 2",
        "-",
        ".",
    ],
)
@pytest.mark.parametrize("where", ["top", "map", "list", "set"])
def test_item_to_json_rejects_non_numbers(number: str, where: str) -> None:
    item = {
        "top": {"n": {"N": number}},
        "map": {"m": {"M": {"x": {"N": "1"}, "n": {"N": number}}}},
        "list": {"l": {"L": [{"N": "1"}, {"N": number}]}},
        "set": {"s": {"NS": ["1", number]}},
    }[where]
    exc = raised(rust_core.item_to_json, item)
    assert isinstance(exc, ValueError), repr(exc)
    assert not isinstance(exc, TypeError)
