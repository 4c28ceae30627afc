"""The generated documents (docs/errors.md, docs/openapi.json): up to date with the code, valid,
and whole: every keyword the code can put in an `errors` entry, every route and every status.

(No __init__.py here: a package named `docs` would hide the top-level `docs` being tested.)
"""

from __future__ import annotations

import ast
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

import rust_core
from docs import generate, openapi, reference
from docs.code import Code, Unresolved
from py_handler import errors as handler_errors
from rust_core import _rust_core

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def code() -> Code:
    return Code()


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(generate.OPENAPI_JSON.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def errors_md() -> str:
    return generate.ERRORS_MD.read_text(encoding="utf-8")


def test_the_committed_documents_are_what_the_generator_writes() -> None:
    assert generate.stale(generate.outputs()) == [], "run `make docs` and commit docs/"
    assert generate.main(["--check"]) == 0


def test_the_check_fails_on_a_stale_document(tmp_path: Path) -> None:
    expected = {tmp_path / "errors.md": "now\n", tmp_path / "absent.json": "{}\n"}
    (tmp_path / "errors.md").write_text("before\n", encoding="utf-8")
    assert generate.stale(expected) == list(expected)


# ---- docs/openapi.json ------------------------------------------------------------------------


def test_the_openapi_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1.")
    validate(spec)
    broken = copy.deepcopy(spec)
    broken["components"]["parameters"]["limit"]["in"] = "body"  # OpenAPI 2's, not 3's
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_route_is_an_operation(spec: dict[str, Any], code: Code) -> None:
    routes = {(r.method.lower(), r.path.replace("<", "{").replace(">", "}")) for r in code.routes()}
    operations = {(method, path) for path, item in spec["paths"].items() for method in item}
    operations.discard(("parameters", "/items/{item_id}"))
    assert operations == routes
    batch = spec["paths"]["/items/batch"]["post"]["requestBody"]["content"]
    assert set(batch) == {"application/json", "application/x-ndjson"}
    create = spec["paths"]["/items"]["post"]
    assert {p["$ref"].rsplit("/", 1)[1] for p in create["parameters"]} == {"Idempotency-Key"}
    assert set(create["responses"]["201"]["headers"]) == {"Location", "Idempotent-Replayed"}
    listing = spec["paths"]["/items"]["get"]
    assert {p["$ref"].rsplit("/", 1)[1] for p in listing["parameters"]} == {"limit", "cursor"}
    limit = spec["components"]["parameters"]["limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 1000, 100)


def test_every_problem_status_has_a_response(spec: dict[str, Any], code: Code) -> None:
    statuses = {problem.status for problem in code.problems()}
    responses = spec["components"]["responses"]
    for status in statuses:
        name = "".join(part.capitalize() for part in status.name.split("_"))
        assert name in responses, status
    for item in spec["paths"].values():
        for method, op in item.items():
            if method != "parameters":
                assert {"500"} <= set(op["responses"]), method


def test_the_record_schema_is_embedded_whole(spec: dict[str, Any]) -> None:
    record = json.loads((ROOT / "py_handler" / "schema.json").read_text(encoding="utf-8"))
    assert spec["components"]["schemas"]["Record"] == record


def _validator(spec: dict[str, Any], name: str) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return jsonschema.Draft202012Validator(schema)


def test_the_schemas_take_what_the_api_answers(spec: dict[str, Any]) -> None:
    event = json.loads((ROOT / "tests" / "events" / "http_api_post_item.json").read_text())
    record = json.loads(event["body"])
    item = _validator(spec, "Item")
    assert item.is_valid(record)
    assert not item.is_valid({k: v for k, v in record.items() if k != "id"})
    page = _validator(spec, "ItemPage")
    assert page.is_valid({"items": [record], "next_cursor": None})
    batch = _validator(spec, "BatchResult")
    failed = {
        "index": 3,
        "line": 4,
        "errors": [{"path": "", "message": "m", "keyword": "json_syntax"}],
    }
    assert batch.is_valid({"written": 2, "failed": [failed]})
    assert not batch.is_valid(
        {"written": 2, "failed": [{**failed, "errors": [{"keyword": "nope"}]}]}
    )
    problem = _validator(spec, "Problem")
    for status in (400, 404, 422, 500):
        body = json.loads(handler_errors.problem_response(status, "d", request_id=None)["body"])
        assert problem.is_valid(body), body
    assert not problem.is_valid({"type": "about:blank", "status": 400})


# ---- docs/errors.md ---------------------------------------------------------------------------


def _rows(errors_md: str) -> set[str]:
    """The keywords of the reference's tables."""
    return {line.split("`")[1] for line in errors_md.splitlines() if line.startswith("| `")}


def test_every_rust_keyword_is_in_the_reference(errors_md: str) -> None:
    rows = _rust_core._error_keywords()
    assert {family for family, *_ in rows} == {"rule", "report", "batch", "schema", "wire"}
    keywords = {keyword for _, keyword, *_ in rows}
    assert {"max_depth", "too_many_errors", "duplicate_id", "json_syntax", "required"} <= keywords
    assert {"attribute_type", "value_type", "duplicate_set_member"} <= keywords
    assert keywords <= _rows(errors_md)
    for _, _, message, *_ in rows:
        assert reference.cell(message) in errors_md, message


def _keyword_literals(code: Code) -> Iterator[str]:
    """Keywords py_handler writes as literals: `keyword = "..."`, `{"keyword": "..."}`, and the
    first of an Enum member's pair."""
    for tree in code.modules.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                if any(isinstance(t, ast.Name) and t.id == "keyword" for t in node.targets):
                    yield str(node.value.value)
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "keyword":
                        if isinstance(value, ast.Constant):
                            yield str(value.value)
            if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Name) and base.id == "Enum" for base in node.bases
            ):
                for statement in node.body:
                    if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                        first = statement.value.elts[0]
                        if isinstance(first, ast.Constant):
                            yield str(first.value)


def test_every_py_handler_keyword_is_in_the_reference(code: Code, errors_md: str) -> None:
    literals = set(_keyword_literals(code))
    assert {"idempotency_key_reused", "dynamodb", "throttled", "write_failed"} <= literals
    api = reference.families(code)["api"]
    assert literals <= set(api)
    assert {"max_item_size", "unconfirmed", "timeout", "unavailable"} <= set(api)
    assert set(api) <= _rows(errors_md)


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        (b'{"a":1,"a":2}', "duplicate_key"),
        (b'{"a":"\\ud800"}', "lone_surrogate"),
        (b'{"a":' * 40 + b"1" + b"}" * 40, "max_depth"),
        (b'{"a":1.00000000000000000000000000000000000001}', "number_precision"),
        (b'{"a":1E-400}', "number_range"),
        (b'{"":1}', "empty_attribute_name"),
        (b'{"id":""}', "key_empty"),
        (b'{"id":1}', "key_type"),
        (b'{"id":".."}', "key_dot_segment"),
        (b"{}", "required"),
        (b'{"customer":{"id":"c"},"currency":"eur","lines":[]}', "pattern"),
    ],
)
def test_the_reference_gives_the_exception_and_status_the_code_gives(
    code: Code, body: bytes, keyword: str
) -> None:
    schema = (
        (ROOT / "py_handler" / "schema.json").read_bytes()
        if keyword in ("required", "pattern")
        else b"{}"
    )
    with pytest.raises(rust_core.CodecError) as raised:
        rust_core.RecordCodec(schema).decode(body)
    exc = raised.value
    families = reference.families(code)
    entry = next(f[keyword] for f in families.values() if keyword in f and f[keyword].exceptions)
    assert f"rust_core.{type(exc).__name__}" in entry.exceptions
    status, answered = reference.answer(exc)
    assert entry.statuses[0].startswith(str(status))
    if "errors" in answered:
        assert keyword in [e["keyword"] for e in answered["errors"]]


def test_batch_keywords_are_listed_per_record(code: Code) -> None:
    body = b'{"id":"a"}\n{"id":\n{"id":"a"}\n7\n'
    _, rejected = rust_core.RecordCodec(b"{}").decode_many(body, ndjson=True)
    found = {e["keyword"] for r in rejected for e in r["errors"]}
    assert found == {"json_syntax", "duplicate_id", "type"}
    batch = reference.families(code)["batch"]
    assert found <= set(batch)
    assert all(entry.statuses == [reference.IN_BATCH] for entry in batch.values())


def test_every_status_and_detail_is_in_the_reference(code: Code, errors_md: str) -> None:
    for problem in code.problems():
        for detail in problem.details:
            assert f"| `{problem.status.value}` " in errors_md
            assert reference.cell(detail) in errors_md, detail
    # What the handlers answer, read back by running them
    status, body = reference.answer(rust_core.KeyMismatchError("m"))
    assert (status, body["detail"]) == (400, "The body's id differs from the id in the path.")
    assert reference.cell(body["detail"]) in errors_md


def test_the_code_reader_fails_loudly_on_what_it_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "errors.py").write_text(
        "from http import HTTPStatus\n"
        "@_handles(ValueError)\n"
        "def handler(exc):\n"
        "    return problem(HTTPStatus.BAD_REQUEST, compute())\n",
        encoding="utf-8",
    )
    with pytest.raises(Unresolved):
        Code(tmp_path).problems()


def test_openapi_lists_the_keywords_of_the_reference(spec: dict[str, Any], code: Code) -> None:
    entry = spec["components"]["schemas"]["ErrorEntry"]["properties"]["keyword"]
    assert set(entry["enum"]) == reference.every_keyword(code)
    assert set(openapi.OPERATIONS) == {route.function for route in code.routes()}
