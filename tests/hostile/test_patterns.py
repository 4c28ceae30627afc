"""A schema's `pattern`s against strings made to make a backtracking regex engine take forever
(nested quantifiers, overlapping alternations): rust_core's engine is linear in the input, so a
string of a million characters is answered in milliseconds, where a backtracking engine would
not finish with forty. Patterns only a backtracking engine can run (backreferences, lookaround)
are refused when the schema is compiled, at init."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import rust_core
from tests.support import NDJSON, ORIGINAL, EventFactory, error, failure, invalid, written

from .support import CPU_BUDGET_MS, HEAVY

if TYPE_CHECKING:
    from types import ModuleType

    from tests.conftest import Table

    from .conftest import Api

LONG = 399_000  # under DynamoDB's 400 KB item limit, the string is the whole item
# Each pattern, and a string that never matches it but makes a backtracking engine try every
# way of splitting it first
CATASTROPHIC = {
    "nested-quantifiers": ("^(a+)+$", "a" * LONG + "!"),
    "overlapping-alternation": ("^(a|aa)+$", "a" * LONG + "!"),
    "nested-stars": ("^(a*)*b$", "a" * LONG),
    "words-and-spaces": ("^(\\w+\\s?)*$", "word " * (LONG // 5) + "!"),
    "unanchored-nested": ("(x+x+)+y", "x" * LONG),
    "email-like": (
        "^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}"
        "(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$",
        "a" * LONG + "!",
    ),
    "short-input": ("^(a+)+$", "a" * 40 + "!"),
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {name: {"type": "string", "pattern": p} for name, (p, _) in CATASTROPHIC.items()},
}
KEY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "propertyNames": {"pattern": "^(k+)+$"},
    "patternProperties": {"^(k|kk)+$": {"type": "integer"}},
}


@pytest.fixture
def catastrophic_schema(use_schema: Callable[[Any], None]) -> None:
    use_schema(SCHEMA)


@pytest.mark.usefixtures("catastrophic_schema")
@pytest.mark.parametrize("name", list(CATASTROPHIC))
def test_a_catastrophic_pattern_is_matched_in_linear_time(
    api: Api, seeded: Table, http_api: EventFactory, name: str
) -> None:
    # GIVEN a schema whose pattern has nested quantifiers, and a string that never matches it
    pattern, text = CATASTROPHIC[name]
    # WHEN a record with the string is put
    reply = api.send(http_api("PUT", "/items/kept", json.dumps({name: text})))
    # THEN 422 for the pattern, in milliseconds; nothing written
    assert reply == invalid(error(f"/{name}", f"Must match the pattern {pattern}", "pattern"))
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.usefixtures("catastrophic_schema")
def test_catastrophic_patterns_across_a_batch_are_matched_in_linear_time(
    api: Api, table: Table, http_api: EventFactory
) -> None:
    # GIVEN an NDJSON batch of fifteen records, each a 400 KB string against a pattern with
    # nested quantifiers (6 MB, validated in parallel)
    pattern, text = CATASTROPHIC["nested-quantifiers"]
    body = (json.dumps({"nested-quantifiers": text}) + "\n") * 15
    # WHEN it is posted
    reply = api.send(http_api("POST", "/items/batch", body, NDJSON), repeat=HEAVY)
    # THEN each record fails alone, in milliseconds; nothing written
    mismatch = error("/nested-quantifiers", f"Must match the pattern {pattern}", "pattern")
    assert reply == written(0, *(failure(n, mismatch, line=n + 1) for n in range(15)))
    assert table.items() == {}
    assert api.cpu_ms < CPU_BUDGET_MS


def test_a_catastrophic_pattern_on_a_huge_key_is_matched_in_linear_time(
    api: Api, seeded: Table, http_api: EventFactory, use_schema: Callable[[Any], None]
) -> None:
    # GIVEN a schema whose propertyNames and patternProperties have nested quantifiers, and a
    # record with a key of 100,000 characters that matches neither
    use_schema(KEY_SCHEMA)
    key = "k" * 100_000 + "!"
    # WHEN it is put
    reply = api.send(http_api("PUT", "/items/kept", json.dumps({key: 1})))
    # THEN 422 for the key's name, in milliseconds; nothing written
    assert reply == invalid(error("", "A property name is not allowed", "property_names"))
    assert seeded.items() == {"kept": ORIGINAL}
    assert api.cpu_ms < CPU_BUDGET_MS


@pytest.mark.parametrize(
    "pattern",
    ["^(a+)\\1$", "^(?=a)a+$", "^(?!b)a+$", "(?<=a)b", "^(?<x>a)\\k<x>$"],
    ids=["backreference", "lookahead", "negative-lookahead", "lookbehind", "named-backreference"],
)
def test_a_pattern_only_a_backtracking_engine_runs_is_refused_at_init(
    app: ModuleType, tmp_path: Path, pattern: str
) -> None:
    # GIVEN a schema with a pattern that a linear-time engine cannot run
    schema = {"type": "object", "properties": {"s": {"type": "string", "pattern": pattern}}}
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    from py_handler import routes

    # WHEN the function compiles it (ITEM_SCHEMA, at init)
    # THEN it is refused: no request ever meets a backtracking engine
    with pytest.raises(rust_core.SchemaError):
        routes.load_codec(path)
