"""rust_core's number rules against DynamoDB's, differentially: Dynoxide (a DynamoDB emulator held
to AWS by a conformance suite) is the reference for what DynamoDB stores.

For a JSON number text, `rust_core.json_to_item(b'{"n": <text>}')` must accept exactly the texts a
PutItem of `{"n": {"N": <text>}}` stores, and refuse the others with a LimitError at `/n` whose
keyword names DynamoDB's reason: `number_precision` for "more than 38 significant digits",
`number_range` for an overflow, an underflow, or an exponent DynamoDB cannot read (beyond 64 bits).

Zero is the case that matters most: DynamoDB range-checks it as if its last written digit were a 1,
so `0e125` is stored and `0e126`, `0.0e-130`, `0E+400` are refused.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import rust_core
from py_handler.dynamo_local import LOCAL_ENVIRONMENT, local_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
TABLE_NAME = LOCAL_ENVIRONMENT["TABLE_NAME"]
ITEM_ID = "test-number-rules"  # one item, overwritten by every accepted number, deleted at the end

OK, RANGE, PRECISION = "ok", "number_range", "number_precision"

# How DynamoDB's ValidationException messages for a number start, and the keyword each reason maps
# to: "... more than 38 significant digits in a Number", "Number overflow. Attempting to store a
# number with magnitude larger than supported range", "Number underflow. ... smaller than ...", and
# "The parameter cannot be converted to a numeric value: <text>" (an exponent beyond 64 bits).
DYNAMODB_REASONS = {
    "Attempting to store more than 38 significant digits": PRECISION,
    "Number overflow.": RANGE,
    "Number underflow.": RANGE,
    "The parameter cannot be converted to a numeric value": RANGE,
}

# A PutItem per example, so fewer examples than the pure suites; CI explores more.
EXAMPLES = 2000 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 500


@pytest.fixture(scope="module")
def client(dynamodb_endpoint: str) -> Iterator[DynamoDBClient]:
    dynamodb = local_client(dynamodb_endpoint)
    yield dynamodb
    dynamodb.delete_item(TableName=TABLE_NAME, Key={"id": {"S": ITEM_ID}})


def rust_core_verdict(text: str) -> str:
    """`ok`, or the keyword of the one LimitError, which must be at `/n`."""
    try:
        item = rust_core.json_to_item(f'{{"n": {text}}}'.encode())
    except rust_core.LimitError as exc:
        found = [(error["path"], error["keyword"]) for error in exc.errors]
        assert found in ([("/n", RANGE)], [("/n", PRECISION)]), found
        keyword: str = exc.errors[0]["keyword"]
        return keyword
    assert item == {"n": {"N": text}}  # the text is kept as written
    return OK


def dynamodb_verdict(client: DynamoDBClient, text: str) -> str:
    """`ok` when DynamoDB stores the number, else the keyword matching its reason."""
    try:
        client.put_item(TableName=TABLE_NAME, Item={"id": {"S": ITEM_ID}, "n": {"N": text}})
    except ClientError as exc:
        error = exc.response["Error"]
        assert error["Code"] == "ValidationException", error
        message = error["Message"].removeprefix("1 validation error detected: ")
        reasons = [kw for reason, kw in DYNAMODB_REASONS.items() if message.startswith(reason)]
        assert len(reasons) == 1, f"unexpected message for {text!r}: {message!r}"
        return reasons[0]
    return OK


# --------------------------------------------------------------------------------------------------
# Fixed cases: what Dynoxide 3.2.0 answers, written out (rust_core's unit tests pin the same ones)
# --------------------------------------------------------------------------------------------------

D38 = "9.9999999999999999999999999999999999999"

EDGE_CASES: list[tuple[str, str]] = [
    # Zero, written in every way: range-checked as if its last written digit were a 1.
    ("0", OK),
    ("-0", OK),
    ("0.0", OK),
    ("-0.0", OK),
    ("0.00000", OK),
    ("0e0", OK),
    ("0E0", OK),
    ("-0e0", OK),
    ("0e1", OK),
    ("0e-5", OK),
    ("-0e-5", OK),
    ("0.000e5", OK),
    ("0e125", OK),
    ("0e0125", OK),
    ("0.0e+125", OK),
    ("0e126", RANGE),
    ("0e+126", RANGE),
    ("0e00126", RANGE),
    ("0e127", RANGE),
    ("0e-130", OK),
    ("0e-0130", OK),
    ("0e-131", RANGE),
    ("0e-0131", RANGE),
    ("0.0e-129", OK),
    ("0.0e-130", RANGE),
    ("0.0e126", OK),
    ("0.0e127", RANGE),
    ("0.00e127", OK),
    ("0.000e128", OK),
    ("0.000e129", RANGE),
    ("0E+400", RANGE),
    ("0e999", RANGE),
    ("0E+999", RANGE),
    ("-0e500", RANGE),
    ("0e-999", RANGE),
    ("0E-200", RANGE),
    ("0.0e-999", RANGE),
    ("-0.0e-200", RANGE),
    ("0e9223372036854775807", RANGE),  # overflow
    ("0e9223372036854775808", RANGE),  # cannot be converted
    ("0e-9223372036854775808", RANGE),  # underflow
    ("0e-9223372036854775809", RANGE),  # cannot be converted
    ("0e99999999999999999999", RANGE),
    ("0e-99999999999999999999", RANGE),
    ("0." + "0" * 50, OK),
    ("0." + "0" * 130, OK),
    ("-0." + "0" * 130, OK),
    ("0." + "0" * 131, RANGE),
    ("-0." + "0" * 131, RANGE),
    ("0." + "0" * 200, RANGE),
    ("0." + "0" * 200 + "e70", OK),
    ("0." + "0" * 200 + "e69", RANGE),
    # Exponents with signs and leading zeros.
    ("1e+0005", OK),
    ("1E-0130", OK),
    ("1E-0131", RANGE),
    ("1e0125", OK),
    ("1e0126", RANGE),
    ("1e-00000000000000000000000130", OK),
    ("1e+0000000000000000000000000000125", OK),
    ("1e0002", OK),
    ("1E2", OK),
    ("1e-2", OK),
    ("-1.25e+10", OK),
    # The range's ends.
    ("1E-130", OK),
    ("-1E-130", OK),
    ("1E-131", RANGE),
    ("0.1E-129", OK),
    ("0.1E-130", RANGE),
    ("1000e-133", OK),
    ("1000e-134", RANGE),
    ("0.001e-127", OK),
    ("0.001e-128", RANGE),
    (D38 + "E-131", RANGE),
    (D38 + "E+125", OK),
    ("-" + D38 + "E+125", OK),
    ("1E125", OK),
    ("1E+126", RANGE),
    ("10E+125", RANGE),
    ("0.1E+126", OK),
    ("0.1E+127", RANGE),
    ("0.00000000001e+136", OK),
    ("0.00000000001e+137", RANGE),
    ("9" * 38 + "0" * 88, OK),
    ("9" * 38 + "0" * 87, OK),
    ("1" + "0" * 125, OK),
    ("1" + "0" * 126, RANGE),
    # 38 and 39 significant digits, leading and trailing zeros not counted.
    ("12345678901234567890123456789012345678", OK),
    ("123456789012345678901234567890123456789", PRECISION),
    ("1234567890123456789012345678901234567800000", OK),
    ("1.23456789012345678901234567890123456780000", OK),
    ("0.0001234567890123456789012345678901234567800", OK),
    ("0.00012345678901234567890123456789012345678900", PRECISION),
    ("1.0000000000000000000000000000000000001", OK),
    ("1.00000000000000000000000000000000000001", PRECISION),
    ("-237462374673276894279832749832423479823246327846", PRECISION),
    ("0.1000000000000000055511151231257827", OK),
    ("100000000000000000000", OK),
    ("1.50", OK),
    # Precision before range ...
    ("123456789012345678901234567890123456789e200", PRECISION),
    ("123456789012345678901234567890123456789e-200", PRECISION),
    ("1234567890123456789012345678901234567e-200", RANGE),
    # ... but an exponent beyond 64 bits first: DynamoDB cannot convert it at all.
    ("123456789012345678901234567890123456789e99999999999999999999", RANGE),
    # Giant exponents.
    ("1e2147483647", RANGE),
    ("1e2147483648", RANGE),
    ("1e-2147483648", RANGE),
    ("1e-2147483649", RANGE),
    ("1e9223372036854775807", RANGE),
    ("1e9223372036854775808", RANGE),
    ("1e-9223372036854775808", RANGE),
    ("1e-9223372036854775809", RANGE),
    ("1e99999999999999999999", RANGE),
    ("1e-99999999999999999999", RANGE),
    ("1E400", RANGE),
    ("1E-400", RANGE),
    ("1.5e+9999", RANGE),
    ("123e-10000000", RANGE),
    ("0.4e0066999999999999999999999999", RANGE),
    ("1.7976931348623157e308", RANGE),
]


def test_edge_cases_are_json_numbers_listed_once() -> None:
    texts = [text for text, _ in EDGE_CASES]
    assert len(set(texts)) == len(texts)
    assert [text for text in texts if not JSON_NUMBER.fullmatch(text)] == []


def case_id(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:16]}...{text[-12:]}({len(text)})"


@pytest.mark.parametrize(("text", "expected"), EDGE_CASES, ids=[case_id(t) for t, _ in EDGE_CASES])
def test_edge_case(client: DynamoDBClient, text: str, expected: str) -> None:
    assert dynamodb_verdict(client, text) == expected
    assert rust_core_verdict(text) == expected


# --------------------------------------------------------------------------------------------------
# Generated cases, near the edges
# --------------------------------------------------------------------------------------------------

HUGE_EXPONENTS = [
    999,
    2**31 - 1,
    2**31,
    2**63 - 1,
    2**63,
    2**63 + 1,
    2**64 + 1,
    10**20,
    10**30,
]


@st.composite
def exponents(draw: st.DrawFn, value: int) -> str:
    """`value` as a JSON exponent: either marker, an optional `+`, leading zeros."""
    marker = draw(st.sampled_from("eE"))
    sign = "-" if value < 0 else draw(st.sampled_from(["", "+"]))
    leading = "0" * draw(st.one_of(st.just(0), st.integers(1, 3), st.integers(4, 30)))
    return f"{marker}{sign}{leading}{abs(value)}"


@st.composite
def json_numbers(draw: st.DrawFn) -> str:
    """JSON number texts around DynamoDB's limits: zeros with exponents and long fractions,
    36..40 significant digits between leading and trailing zeros, adjusted exponents -132..127
    (the range is -130..125), and exponents around 2**31, 2**63 and beyond."""
    sign = draw(st.sampled_from(["", "-"]))
    if draw(st.integers(0, 3)) == 0:
        # Zero: `0`, then maybe a fraction of zeros; its last written digit is at 10**-len(frac),
        # the power of ten DynamoDB range-checks.
        frac = "0" * draw(st.one_of(st.integers(0, 4), st.integers(126, 135), st.integers(5, 200)))
        mantissa = f"0.{frac}" if frac else "0"
        power = -len(frac)
    else:
        count = draw(st.one_of(st.integers(36, 40), st.integers(1, 40)))
        middle = draw(st.text("0123456789", min_size=max(count - 2, 0), max_size=max(count - 2, 0)))
        ends = draw(st.text("123456789", min_size=min(count, 2), max_size=min(count, 2)))
        significant = (ends[0] + middle + ends[1:])[:count]
        body = significant + "0" * draw(st.one_of(st.integers(0, 4), st.integers(80, 130)))
        # Digits before the point: none (then `0.` and maybe leading zeros), or some of `body`.
        before = draw(st.integers(0, len(body)))
        if before == 0:
            leading = draw(st.one_of(st.integers(0, 4), st.integers(80, 135)))
            mantissa = "0." + "0" * leading + body
            power = -(leading + 1)  # the leading significant digit's power of ten
        else:
            mantissa = body[:before] + ("." + body[before:] if before < len(body) else "")
            power = before - 1
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return sign + mantissa  # no exponent
    if choice == 1:
        huge = draw(st.sampled_from(HUGE_EXPONENTS)) * draw(st.sampled_from([1, -1]))
        return sign + mantissa + draw(exponents(huge))
    # An exponent moving that power of ten to -132..127 (DynamoDB's range is -130..125), often
    # right at an end.
    target = draw(st.one_of(st.integers(-132, -128), st.integers(123, 127), st.integers(-132, 127)))
    return sign + mantissa + draw(exponents(target - power))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(json_numbers())
def test_rust_core_agrees_with_dynamodb(client: DynamoDBClient, text: str) -> None:
    assert JSON_NUMBER.fullmatch(text)
    expected = dynamodb_verdict(client, text)
    zero = not re.search("[1-9]", re.split("[eE]", text)[0])
    event(f"{expected}, {'zero' if zero else 'nonzero'}")
    assert rust_core_verdict(text) == expected, text
