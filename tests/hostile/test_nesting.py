"""Hostile structure: 100,000 open brackets (arrays, objects; unclosed and closed; in one record,
a JSON array batch and NDJSON), a key repeated 100,000 times, and nesting at DynamoDB's limit of
32 levels and one past it. Parsing never recurses without bound: each is answered at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support import (
    JSON,
    NDJSON,
    NOT_AN_OBJECT,
    ORIGINAL,
    EventFactory,
    error,
    failure,
    invalid,
    malformed,
    written,
)

from .support import (
    BATCH_FORMAT_IDS,
    BATCH_FORMATS,
    BODY_WRITE_IDS,
    BODY_WRITES,
    CPU_BUDGET_MS,
    DUPLICATE_KEY,
    NESTING,
    too_many_errors,
)

if TYPE_CHECKING:
    from tests.conftest import Table

    from .conftest import Api

DEEP = 100_000
OPEN_ARRAYS = '{"a": ' + "[" * DEEP
CLOSED_ARRAYS = '{"a": ' + "[" * DEEP + "]" * DEEP + "}"
OPEN_OBJECTS = '{"a": ' * DEEP
CLOSED_OBJECTS = '{"a": ' * DEEP + "1" + "}" * DEEP
OPEN_MIXED = '{"a": ' + '[{"a": ' * (DEEP // 2)
CLOSED_MIXED = '{"a": ' + '[{"a": ' * (DEEP // 2) + "1" + "}]" * (DEEP // 2) + "}"
# Where DynamoDB's 33rd level is: the first container past the limit
TOO_DEEP_ARRAYS = error("/a" + "/0" * 31, NESTING, "max_depth")
TOO_DEEP_OBJECTS = error("/a" * 32, NESTING, "max_depth")
TOO_DEEP_MIXED = error("/a" + "/0/a" * 15 + "/0", NESTING, "max_depth")
REPEATED_KEY = "{" + ",".join(['"k": 1'] * DEEP) + "}"


@pytest.mark.parametrize(("method", "path", "make_event"), BODY_WRITES, ids=BODY_WRITE_IDS)
@pytest.mark.parametrize(
    "body", [OPEN_ARRAYS, OPEN_OBJECTS, OPEN_MIXED], ids=["arrays", "objects", "mixed"]
)
def test_100000_unclosed_brackets_are_malformed_json(
    api: Api, seeded: Table, make_event: EventFactory, method: str, path: str, body: str
) -> None:
    # GIVEN a record that opens 100,000 containers and never closes them
    # WHEN it is sent
    reply = api.send(make_event(method, path, body))
    # THEN 400 where the body ends, nothing written, at once
    assert reply == malformed(len(body) + 1, "Expecting value")
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize(("method", "path", "make_event"), BODY_WRITES, ids=BODY_WRITE_IDS)
@pytest.mark.parametrize(
    ("body", "too_deep"),
    [
        (CLOSED_ARRAYS, TOO_DEEP_ARRAYS),
        (CLOSED_OBJECTS, TOO_DEEP_OBJECTS),
        (CLOSED_MIXED, TOO_DEEP_MIXED),
    ],
    ids=["arrays", "objects", "mixed"],
)
def test_100000_nested_containers_are_422_at_the_33rd(
    api: Api,
    seeded: Table,
    make_event: EventFactory,
    method: str,
    path: str,
    body: str,
    too_deep: dict[str, str],
) -> None:
    # GIVEN well-formed JSON nesting 100,000 containers
    # WHEN it is sent
    reply = api.send(make_event(method, path, body))
    # THEN 422 names the first container past DynamoDB's 32 levels, nothing written
    assert reply == invalid(too_deep)
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[" + OPEN_ARRAYS, malformed(len(OPEN_ARRAYS) + 2, "Expecting value")),
        ("[" + OPEN_OBJECTS, malformed(len(OPEN_OBJECTS) + 2, "Expecting value")),
        ("[" * DEEP, malformed(DEEP + 1, "Expecting value")),
        ("[" + CLOSED_ARRAYS + "]", written(0, failure(0, TOO_DEEP_ARRAYS))),
        ("[" + CLOSED_OBJECTS + "]", written(0, failure(0, TOO_DEEP_OBJECTS))),
        ("[" * DEEP + "]" * DEEP, written(0, failure(0, NOT_AN_OBJECT))),
    ],
    ids=[
        "record-opens-arrays",
        "record-opens-objects",
        "batch-opens-arrays",
        "record-nests-arrays",
        "record-nests-objects",
        "batch-nests-arrays",
    ],
)
def test_100000_brackets_in_a_json_array_batch(
    api: Api, table: Table, http_api: EventFactory, body: str, expected: object
) -> None:
    # GIVEN a JSON array batch with 100,000 open brackets, closed or not
    # WHEN it is posted
    reply = api.send(http_api("POST", "/items/batch", body, JSON))
    # THEN unclosed ones reject the whole body (400), closed ones fail their record; nothing
    # is written
    assert reply == expected
    assert table.items() == {}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize(
    ("line", "errors"),
    [
        (
            OPEN_ARRAYS,
            [error("", f"Expecting value (column {len(OPEN_ARRAYS) + 1})", "json_syntax")],
        ),
        (
            OPEN_OBJECTS,
            [error("", f"Expecting value (column {len(OPEN_OBJECTS) + 1})", "json_syntax")],
        ),
        ("[" * DEEP, [error("", f"Expecting value (column {DEEP + 1})", "json_syntax")]),
        (CLOSED_ARRAYS, [TOO_DEEP_ARRAYS]),
        (CLOSED_OBJECTS, [TOO_DEEP_OBJECTS]),
        ("[" * DEEP + "]" * DEEP, [NOT_AN_OBJECT]),
    ],
    ids=[
        "opens-arrays",
        "opens-objects",
        "opens-top-level-arrays",
        "nests-arrays",
        "nests-objects",
        "nests-top-level-arrays",
    ],
)
def test_100000_brackets_in_an_ndjson_line_fail_that_record(
    api: Api, table: Table, rest_api: EventFactory, line: str, errors: list[dict[str, str]]
) -> None:
    # GIVEN an NDJSON batch whose second line (after a blank one) holds 100,000 brackets
    body = "\n" + line + "\n"
    # WHEN it is posted
    reply = api.send(rest_api("POST", "/items/batch", body, NDJSON))
    # THEN that record fails alone (its index counts records, its line counts lines)
    assert reply == written(0, failure(0, *errors, line=2))
    assert table.items() == {}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize(("method", "path", "make_event"), BODY_WRITES, ids=BODY_WRITE_IDS)
def test_a_key_repeated_100000_times_is_malformed_json(
    api: Api, seeded: Table, make_event: EventFactory, method: str, path: str
) -> None:
    # GIVEN one object with the same key 100,000 times
    # WHEN it is sent
    reply = api.send(make_event(method, path, REPEATED_KEY))
    # THEN 400 at the first repetition, nothing written, at once
    assert reply == malformed(9, DUPLICATE_KEY)
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize(("ndjson", "make_event"), BATCH_FORMATS, ids=BATCH_FORMAT_IDS)
def test_a_key_repeated_100000_times_in_a_batch_lists_100_errors(
    api: Api, table: Table, make_event: EventFactory, ndjson: bool
) -> None:
    # GIVEN a batch whose one record repeats a key 100,000 times
    body = REPEATED_KEY + "\n" if ndjson else f"[{REPEATED_KEY}]"
    # WHEN it is posted
    reply = api.send(make_event("POST", "/items/batch", body, NDJSON if ndjson else JSON))
    # THEN the record fails alone: 100 of its 99,999 repetitions listed, then how many more
    repeated = error("/k", DUPLICATE_KEY, "duplicate_key")
    errors = [repeated] * 100 + [too_many_errors(99_899)]
    assert reply == written(0, failure(0, *errors, line=1 if ndjson else None))
    assert table.items() == {}
    assert api.cpu_ms < CPU_BUDGET_MS


DEPTH_32 = '{"a": ' + "[" * 31 + "]" * 31 + "}"
DEPTH_33 = '{"a": ' + "[" * 32 + "]" * 32 + "}"


@pytest.mark.usefixtures("any_object")
def test_32_levels_are_stored_and_33_are_422(
    api: Api, table: Table, http_api: EventFactory
) -> None:
    # GIVEN records nesting 32 and 33 containers, the top-level object included
    # WHEN each is put
    deepest = api.send(http_api("PUT", "/items/deep", DEPTH_32))
    deepest_cpu = api.cpu_ms
    too_deep = api.send(http_api("PUT", "/items/deeper", DEPTH_33))
    # THEN 32 levels are stored as sent, 33 are refused
    assert (deepest.status, deepest.body) == (200, '{"id":"deep","a":' + "[" * 31 + "]" * 31 + "}")
    assert too_deep == invalid(TOO_DEEP_ARRAYS)
    nested: dict[str, object] = {"L": []}
    for _ in range(30):
        nested = {"L": [nested]}
    assert table.items() == {"deep": {"id": {"S": "deep"}, "a": nested}}
    assert max(deepest_cpu, api.cpu_ms) < CPU_BUDGET_MS


MANY_KEYS = "{" + ",".join(f'"k{n:05d}": 1' for n in range(40_000)) + "}"


def test_40000_distinct_keys_are_422_listing_100_errors(
    api: Api, seeded: Table, http_api: EventFactory
) -> None:
    # GIVEN one object of 40,000 distinct members (430 KB), none the schema allows
    # WHEN it is put
    reply = api.send(http_api("PUT", "/items/kept", MANY_KEYS))
    # THEN 422 lists the first 100 violations, then how many more; nothing written
    required = [
        error("", f"Missing required property '{name}'", "required")
        for name in ("customer", "currency", "lines")
    ]
    not_allowed = [
        error(f"/k{n:05d}", "This property is not allowed", "additional_properties")
        for n in range(97)
    ]
    assert reply == invalid(*required, *not_allowed, too_many_errors(40_000 - 97))
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS
