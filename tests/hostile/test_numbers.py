"""Hostile numbers: a million digits (integer, fraction, exponent, negative), in one record and
in batches, rejected at once and never written; and the edges of DynamoDB's precision (38
significant digits) and range (1E-130 to 9.99...E+125), where the last number in is stored and
the first one out is refused."""

from __future__ import annotations

import json
from decimal import Decimal
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
    invalid,
    order,
    written,
)

from .support import (
    BATCH_FORMAT_IDS,
    BATCH_FORMATS,
    BODY_WRITE_IDS,
    BODY_WRITES,
    CPU_BUDGET_MS,
    HEAVY,
    MILLION,
    PRECISION,
    RANGE,
    numerically,
    record_with,
    stored_numbers,
)

if TYPE_CHECKING:
    from tests.conftest import Table

    from .conftest import Api

# Each a JSON number of about a million characters, and the rule it breaks
HUGE_NUMBERS = {
    "integer": ("1" * MILLION, PRECISION, "number_precision"),
    "fraction": ("0." + "1" * MILLION, PRECISION, "number_precision"),
    "negative": ("-" + "9" * MILLION, PRECISION, "number_precision"),
    "exponent": ("1e1000000", RANGE, "number_range"),
    "negative-exponent": ("-1e-1000000", RANGE, "number_range"),
    "million-digit-exponent": ("1e" + "9" * MILLION, RANGE, "number_range"),
    "zeros-then-one": ("0." + "0" * MILLION + "1", RANGE, "number_range"),
    "one-then-zeros": ("1" + "0" * MILLION, RANGE, "number_range"),
    "zero-million-digit-exponent": ("0e" + "9" * MILLION, RANGE, "number_range"),
}
HUGE_IDS = list(HUGE_NUMBERS)


@pytest.mark.parametrize(("method", "path", "make_event"), BODY_WRITES, ids=BODY_WRITE_IDS)
@pytest.mark.parametrize("kind", HUGE_IDS)
def test_a_million_digit_number_in_a_record_is_422_at_once(
    api: Api, seeded: Table, make_event: EventFactory, kind: str, method: str, path: str
) -> None:
    # GIVEN a record whose one number is about a million characters long
    number, message, keyword = HUGE_NUMBERS[kind]
    # WHEN it is sent
    reply = api.send(make_event(method, path, record_with(number)))
    # THEN 422 names the member and the rule; nothing is written; the CPU cost stays small
    assert reply == invalid(error("/n", message, keyword))
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize(("ndjson", "make_event"), BATCH_FORMATS, ids=BATCH_FORMAT_IDS)
@pytest.mark.parametrize("kind", HUGE_IDS)
def test_a_million_digit_number_in_a_batch_fails_its_record_alone(
    api: Api, table: Table, make_event: EventFactory, kind: str, ndjson: bool
) -> None:
    # GIVEN a batch of a valid order, then a record with a million-digit number
    number, message, keyword = HUGE_NUMBERS[kind]
    lines = [json.dumps(order(id="valid")), record_with(number)]
    body = "\n".join(lines) + "\n" if ndjson else "[" + ",".join(lines) + "]"
    # WHEN it is posted
    reply = api.send(make_event("POST", "/items/batch", body, NDJSON if ndjson else JSON))
    # THEN the valid order alone is written, the other record reported; quickly
    rejected = failure(1, error("/n", message, keyword), line=2 if ndjson else None)
    assert reply == written(1, rejected)
    assert table.items() == {"valid": as_item(order(id="valid"))}
    assert api.cpu_ms < CPU_BUDGET_MS


def test_five_million_digit_numbers_in_one_batch_are_each_reported(
    api: Api, table: Table, http_api: EventFactory
) -> None:
    # GIVEN a batch of five records, each with a million-digit number (5 MB, under the limit)
    body = "[" + ",".join(record_with("7" * MILLION) for _ in range(5)) + "]"
    # WHEN it is posted
    reply = api.send(http_api("POST", "/items/batch", body), repeat=HEAVY)
    # THEN each record fails alone, nothing is written, quickly
    precision = error("/n", PRECISION, "number_precision")
    assert reply == written(0, *(failure(index, precision) for index in range(5)))
    assert table.items() == {}
    assert api.cpu_ms < CPU_BUDGET_MS


# The last number DynamoDB takes on each side of a limit, and the first it refuses
IN_LIMITS = {
    "38-digits": "12345678901234567890123456789012345678",
    "38-digits-negative-fraction": "-1.2345678901234567890123456789012345678",
    "38-digits-between-zeros": "0.000123456789012345678901234567890123456780000",
    "smallest": "1E-130",
    "smallest-negative": "-1E-130",
    "smallest-as-fraction": "0." + "0" * 129 + "1",
    "largest": "9.9999999999999999999999999999999999999E+125",
    "largest-negative": "-9.9999999999999999999999999999999999999E+125",
    "largest-as-integer": "9" * 38 + "0" * 88,
    "zero-with-exponent": "0E-130",
}
OUT_OF_LIMITS = {
    "39-digits": ("123456789012345678901234567890123456789", PRECISION, "number_precision"),
    "39-digits-negative-fraction": (
        "-1.23456789012345678901234567890123456789",
        PRECISION,
        "number_precision",
    ),
    "below-smallest": ("1E-131", RANGE, "number_range"),
    "below-smallest-negative": ("-9.9E-131", RANGE, "number_range"),
    "above-largest": ("1E+126", RANGE, "number_range"),
    "above-largest-negative": ("-1E+126", RANGE, "number_range"),
    "above-largest-as-integer": ("1" + "0" * 126, RANGE, "number_range"),
}


@pytest.mark.usefixtures("any_object")
@pytest.mark.parametrize("name", list(IN_LIMITS))
def test_a_number_at_dynamodbs_limits_is_stored(
    api: Api, table: Table, http_api: EventFactory, name: str
) -> None:
    # GIVEN a record whose number is the last one in DynamoDB's precision or range
    number = IN_LIMITS[name]
    # WHEN it is put
    reply = api.send(http_api("PUT", "/items/edge", f'{{"id": "edge", "n": {number}}}'))
    # THEN it is stored, numerically equal to what was sent
    assert (reply.status, numerically(reply.body)) == (200, {"id": "edge", "n": Decimal(number)})
    expected = {"id": {"S": "edge"}, "n": Decimal(number)}
    assert {k: stored_numbers(v) for k, v in table.items().items()} == {"edge": expected}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.usefixtures("any_object")
@pytest.mark.parametrize("name", list(OUT_OF_LIMITS))
def test_a_number_just_past_dynamodbs_limits_is_422(
    api: Api, table: Table, http_api: EventFactory, name: str
) -> None:
    # GIVEN a record whose number is the first one out of DynamoDB's precision or range
    number, message, keyword = OUT_OF_LIMITS[name]
    # WHEN it is put
    reply = api.send(http_api("PUT", "/items/edge", f'{{"id": "edge", "n": {number}}}'))
    # THEN 422, nothing written
    assert reply == invalid(error("/n", message, keyword))
    assert table.items() == {}
    assert api.cpu_ms < CPU_BUDGET_MS
