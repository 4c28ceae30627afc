"""`RecordCodec` against the schema conformance corpus in tests/schema_suite.

The corpus follows the JSON-Schema-Test-Suite format, one folder per draft and one file per
keyword: a list of groups `{"description", "schema", "tests": [{"description", "data", "valid",
"errors"?}]}`. Every `data` is a record (a JSON object); `errors`, for an invalid record, is the
exact list of `{"path", "keyword"}` the codec reports, compared as a multiset.

- valid: `decode` returns `json_to_item(data)` plus a generated UUIDv7 key, first;
- invalid: `ValidationError` with exactly those (path, keyword) pairs, and for every error: the
  pointer lands on a value of the record, of the kind the keyword is about; `required` messages
  name the missing property; no message carries a string of the record that the schema lacks.
"""

from __future__ import annotations

import functools
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import rust_core

from .support import UUID7, Num, compact

SUITE = Path(__file__).resolve().parents[1] / "schema_suite"

# Folder -> what `RecordCodec.draft` reports for its schemas.
DRAFTS = {
    "draft2020-12": "2020-12",
    "draft2019-09": "2019-09",
    "draft7": "7",
    "draft6": "6",
    "draft4": "4",
}

KEYWORDS = {
    "type",
    "enum",
    "const",
    "multiple_of",
    "maximum",
    "exclusive_maximum",
    "minimum",
    "exclusive_minimum",
    "max_length",
    "min_length",
    "pattern",
    "max_items",
    "min_items",
    "unique_items",
    "contains",
    "max_properties",
    "min_properties",
    "required",
    "dependent_required",
    "additional_properties",
    "unevaluated_properties",
    "unevaluated_items",
    "property_names",
    "format",
    "any_of",
    "one_of",
    "not",
    "false_schema",
    "additional_items",
}

# One file per keyword of draft 2020-12, plus the applicators and references.
DRAFT_2020_12_FILES = {
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "contains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "propertyNames",
    "format",
    "anyOf",
    "oneOf",
    "not",
    "false_schema",
    "additionalItems",
    "properties",
    "patternProperties",
    "items",
    "prefixItems",
    "allOf",
    "if-then-else",
    "dependentSchemas",
    "ref",
    "anchor",
    "dynamicRef",
    "minContains_maxContains",
}

STRING_KEYWORDS = {"max_length", "min_length", "pattern", "format"}
NUMBER_KEYWORDS = {"multiple_of", "maximum", "exclusive_maximum", "minimum", "exclusive_minimum"}
ARRAY_KEYWORDS = {"max_items", "min_items", "unique_items", "contains", "unevaluated_items"}
ARRAY_KEYWORDS |= {"additional_items"}
OBJECT_KEYWORDS = {"max_properties", "min_properties", "required", "dependent_required"}
OBJECT_KEYWORDS |= {"property_names"}
PROPERTY_KEYWORDS = {"additional_properties", "unevaluated_properties"}


@dataclass(frozen=True)
class Case:
    file: str  # relative to SUITE, e.g. "draft2020-12/type.json"
    group: int
    schema: Any
    data: dict[str, Any]
    valid: bool
    errors: tuple[tuple[str, str], ...]

    @property
    def draft(self) -> str:
        return DRAFTS[self.file.split("/")[0]]

    @property
    def body(self) -> str:
        return compact(self.data)


def suite_files() -> list[str]:
    return sorted(path.relative_to(SUITE).as_posix() for path in SUITE.glob("*/*.json"))


def load(name: str) -> tuple[list[Any], list[Any]]:
    """The file twice: plain (for schemas), and with numbers kept as their text (for records)."""
    text = (SUITE / name).read_text(encoding="utf-8")
    return json.loads(text), json.loads(text, parse_int=Num, parse_float=Num)


def cases() -> list[Any]:
    params = []
    for name in suite_files():
        plain, exact = load(name)
        for index, (group, group_exact) in enumerate(zip(plain, exact, strict=False)):
            for test in group_exact["tests"]:
                case = Case(
                    file=name,
                    group=index,
                    schema=group["schema"],
                    data=test["data"],
                    valid=test["valid"],
                    errors=tuple((e["path"], e["keyword"]) for e in test.get("errors", [])),
                )
                test_id = f"{name}::{group['description']}::{test['description']}"
                params.append(pytest.param(case, id=test_id))
    return params


CASES = cases()


@functools.cache
def codec_for(file: str, group: int) -> rust_core.RecordCodec:
    schema = load(file)[0][group]["schema"]
    if isinstance(schema, bool):  # a boolean schema goes in as JSON text
        return rust_core.RecordCodec(json.dumps(schema))
    return rust_core.RecordCodec(schema)


def tokens(pointer: str) -> list[str]:
    assert pointer == "" or pointer.startswith("/"), pointer
    if pointer == "":
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def resolve(doc: Any, pointer: str) -> Any:
    """Walk an RFC 6901 pointer; a missing member or index fails the test."""
    node = doc
    for token in tokens(pointer):
        if isinstance(node, list):
            assert re.fullmatch(r"0|[1-9][0-9]*", token), (pointer, token)
            assert int(token) < len(node), (pointer, token)
            node = node[int(token)]
        else:
            assert isinstance(node, dict), (pointer, token)
            assert token in node, (pointer, token)
            node = node[token]
    return node


def record_strings(value: Any) -> set[str]:
    """Every key, string and number text of the record."""
    if isinstance(value, dict):
        found = set(value)
        for member in value.values():
            found |= record_strings(member)
        return found
    if isinstance(value, list):
        return set().union(*(record_strings(member) for member in value))
    if isinstance(value, str):  # Num included
        return {value}
    return set()


def schema_names(schema: Any, keywords: tuple[str, ...] = ("required",)) -> set[str]:
    """Property names the schema requires, anywhere in it."""
    found: set[str] = set()
    if isinstance(schema, dict):
        for keyword, member in schema.items():
            if keyword in keywords and isinstance(member, list):
                found |= {name for name in member if isinstance(name, str)}
            found |= schema_names(member, keywords)
    elif isinstance(schema, list):
        for member in schema:
            found |= schema_names(member, keywords)
    return found


def uuid7_key(item: dict[str, Any]) -> str:
    assert next(iter(item)) == "id", list(item)
    assert set(item["id"]) == {"S"}
    key = item["id"]["S"]
    assert UUID7.fullmatch(key), key
    return str(key)


# --------------------------------------------------------------------------------------------------
# The corpus itself
# --------------------------------------------------------------------------------------------------


def test_corpus_is_well_formed() -> None:
    names = suite_files()
    assert {name.split("/")[0] for name in names} == set(DRAFTS)
    in_2020_12 = {name.split("/")[1][: -len(".json")] for name in names if "2020-12" in name}
    assert in_2020_12 >= DRAFT_2020_12_FILES
    for name in names:
        plain, exact = load(name)
        assert isinstance(plain, list)
        assert plain
        validity = set()
        for group in exact:
            assert set(group) == {"description", "schema", "tests"}, name
            assert group["tests"], (name, group["description"])
            for test in group["tests"]:
                fields = {"description", "data", "valid"} | (set() if test["valid"] else {"errors"})
                assert set(test) == fields, (name, test["description"])
                assert isinstance(test["data"], dict)
                validity.add(test["valid"])
                for error in test.get("errors", []):
                    assert set(error) == {"path", "keyword"}
                    assert error["keyword"] in KEYWORDS, error
        assert validity == {True, False}, f"{name} needs valid and invalid cases"


def test_corpus_covers_every_keyword_and_escaped_names() -> None:
    keywords = {keyword for case in (p.values[0] for p in CASES) for _, keyword in case.errors}
    assert keywords == KEYWORDS
    escaped = [
        case
        for case in (p.values[0] for p in CASES)
        if any("~0" in path or "~1" in path for path, _ in case.errors)
    ]
    assert len(escaped) >= 30


def test_corpus_records_are_within_the_codec_rules() -> None:
    # The key (when sent) is a non-empty string, names are never empty: only the schema decides.
    for case in (p.values[0] for p in CASES):
        if "id" in case.data:
            assert isinstance(case.data["id"], str)
            assert not isinstance(case.data["id"], Num)
            assert case.data["id"]
        assert "" not in names(case.data)


def names(value: Any) -> set[str]:
    """Every member name of the record, at any depth."""
    if isinstance(value, dict):
        return set(value).union(*(names(member) for member in value.values()))
    if isinstance(value, list):
        return set().union(*(names(member) for member in value))
    return set()


# --------------------------------------------------------------------------------------------------
# The codec against the corpus
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_schema_suite(case: Case) -> None:
    codec = codec_for(case.file, case.group)
    assert codec.draft == case.draft
    body = case.body
    expected = rust_core.json_to_item(body)
    if case.valid:
        for form in (body, body.encode("utf-8")):
            item = codec.decode(form)
            if "id" in case.data:
                assert item == expected
                assert list(item) == list(expected)
            else:
                key = uuid7_key(item)
                assert item == {"id": {"S": key}, **expected}
                assert list(item) == ["id", *expected]
        return

    reported = []
    for form in (body, body.encode("utf-8")):
        with pytest.raises(rust_core.ValidationError) as info:
            codec.decode(form)
        assert type(info.value) is rust_core.ValidationError
        reported.append(info.value.errors)
    errors = reported[0]
    assert reported[1] == errors
    pairs = sorted((error["path"], error["keyword"]) for error in errors)
    assert pairs == sorted(case.errors)
    check_errors(case, errors)


def check_errors(case: Case, errors: list[dict[str, Any]]) -> None:
    schema_text = json.dumps(case.schema, ensure_ascii=False)
    # Strings of three characters or more that only the record holds must never reach a message.
    secrets = {s for s in record_strings(case.data) if len(s) >= 3 and s not in schema_text}
    for error in errors:
        assert set(error) == {"path", "message", "keyword"}
        assert isinstance(error["message"], str)
        assert error["message"]
        for secret in secrets:
            assert secret not in error["message"], (secret, error)
        keyword, path = error["keyword"], error["path"]
        target = resolve(case.data, path)
        if keyword in STRING_KEYWORDS:
            assert isinstance(target, str)
            assert not isinstance(target, Num)
        elif keyword in NUMBER_KEYWORDS:
            assert isinstance(target, Num)
        elif keyword in ARRAY_KEYWORDS:
            assert isinstance(target, list)
        elif keyword in OBJECT_KEYWORDS:
            assert isinstance(target, dict)
        elif keyword in PROPERTY_KEYWORDS:
            # The unexpected property itself: a member of an object.
            assert tokens(path)
            parent = resolve(case.data, path.rsplit("/", 1)[0])
            assert isinstance(parent, dict)
        if keyword == "required":
            missing = schema_names(case.schema) - set(target)
            assert any(name in error["message"] for name in missing), (missing, error)


def test_schema_suite_is_fast() -> None:
    # Every case of the corpus, decoded again with warm codecs: well under a second in all.
    bodies = [(p.values[0], p.values[0].body) for p in CASES]
    for case, _ in bodies:
        codec_for(case.file, case.group)
    start = time.perf_counter()
    for case, body in bodies:
        try:
            codec_for(case.file, case.group).decode(body)
        except rust_core.ValidationError:
            pass
    assert time.perf_counter() - start < 1.0
