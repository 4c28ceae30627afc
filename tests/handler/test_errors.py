"""Every client error: exact problem+json bodies that never echo the input, and a table that
bad input leaves as it was."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from .support import PROBLEM, EventFactory, Reply

if TYPE_CHECKING:
    from tests.conftest import Table

Invoke = Callable[[dict[str, Any]], Reply]
ORIGINAL = {"id": {"S": "kept"}, "name": {"S": "original"}}


@pytest.fixture
def seeded(table: Table) -> Table:
    """A table holding one item, which no failed request may change."""
    table.put(ORIGINAL)
    return table


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> Reply:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Reply(status, {"Content-Type": PROBLEM, **(headers or {})}, json.dumps(body))


def limit(path: str, message: str, keyword: str) -> dict[str, str]:
    return {"path": path, "message": message, "keyword": keyword}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ('{\n  "name": }', "Malformed JSON at line 2, column 11: Expecting value."),
        ("", "Malformed JSON at line 1, column 1: Expecting value."),
        (
            '{"name": "x",}',
            "Malformed JSON at line 1, column 14: "
            "Expecting property name enclosed in double quotes.",
        ),
        ('{"secret": NaN}', "Malformed JSON at line 1, column 12: Expecting value."),
        ('{"a": 1,\n "a": 2}', "Malformed JSON at line 2, column 2: Duplicate key in object."),
        (
            '{"a": "\\ud800"}',
            "Malformed JSON at line 1, column 8: Lone surrogate in \\uXXXX escape.",
        ),
    ],
    ids=["missing-value", "empty", "trailing-comma", "nan", "repeated-key", "lone-surrogate"],
)
def test_malformed_json_is_400_naming_line_and_column(
    invoke: Invoke, seeded: Table, make_event: EventFactory, body: str, detail: str
) -> None:
    # GIVEN a body that is not strict JSON
    # WHEN it is posted
    reply = invoke(make_event("POST", "/items", body))
    # THEN 400 says where, and nothing is written
    assert reply == problem(400, "Bad Request", detail)
    assert seeded.items() == {"kept": ORIGINAL}


def test_invalid_utf8_is_400(invoke: Invoke, seeded: Table, make_event: EventFactory) -> None:
    # GIVEN a body with a byte that is not UTF-8 (it arrives base64-encoded)
    # WHEN it is posted
    reply = invoke(make_event("POST", "/items", b'{"name": "caf\xe9"}'))
    # THEN 400, not 500
    assert reply == problem(
        400, "Bad Request", "Malformed JSON at line 1, column 14: Invalid UTF-8."
    )
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_text_body_with_a_lone_surrogate_is_400(
    invoke: Invoke, seeded: Table, make_event: EventFactory
) -> None:
    # GIVEN an event whose text body holds a lone surrogate (JSON events can carry one)
    # WHEN it is posted
    reply = invoke(make_event("POST", "/items", '{"name": "\ud800"}'))
    # THEN it reaches the parser as the invalid UTF-8 it is: 400, not 500
    detail = "Malformed JSON at line 1, column 11: Invalid UTF-8."
    assert reply == problem(400, "Bad Request", detail)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "null", "true"])
def test_a_body_that_is_not_an_object_is_400(
    invoke: Invoke, seeded: Table, make_event: EventFactory, body: str
) -> None:
    reply = invoke(make_event("POST", "/items", body))
    assert reply == problem(400, "Bad Request", "The body must be a JSON object.")
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/items/missing"), ("DELETE", "/items/missing"), ("GET", "/items/KEPT")],
)
def test_an_absent_item_is_404(
    invoke: Invoke, seeded: Table, make_event: EventFactory, method: str, path: str
) -> None:
    reply = invoke(make_event(method, path))
    assert reply == problem(404, "Not Found", "No item has this id.")
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("path", ["/", "/item", "/itemsx", "/items/kept/more", "/other/kept"])
def test_an_unknown_path_is_404(
    invoke: Invoke, seeded: Table, make_event: EventFactory, path: str
) -> None:
    reply = invoke(make_event("GET", path))
    assert reply == problem(404, "Not Found", "No resource at this path.")
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/items", "POST"),
        ("GET", "/items", "POST"),
        ("DELETE", "/items", "POST"),
        ("PATCH", "/items/kept", "GET, DELETE"),
        ("PUT", "/items/kept", "GET, DELETE"),
        ("POST", "/items/kept", "GET, DELETE"),
        ("POST", "/items/batch", "GET, DELETE"),
        ("HEAD", "/items/kept", "GET, DELETE"),
        ("OPTIONS", "/items", "POST"),
    ],
)
def test_a_method_a_path_does_not_serve_is_405_with_allow(
    invoke: Invoke, seeded: Table, make_event: EventFactory, method: str, path: str, allow: str
) -> None:
    reply = invoke(make_event(method, path, '{"id": "kept", "name": "changed"}'))
    assert reply == problem(
        405, "Method Not Allowed", "This resource does not serve this method.", {"Allow": allow}
    )
    assert seeded.items() == {"kept": ORIGINAL}


def test_an_existing_id_is_409_and_the_item_is_untouched(
    invoke: Invoke, seeded: Table, make_event: EventFactory
) -> None:
    # GIVEN an item with id "kept"
    # WHEN another body with that id is posted
    reply = invoke(make_event("POST", "/items", '{"id": "kept", "name": "overwritten"}'))
    # THEN 409, and the original stays as it was
    assert reply == problem(409, "Conflict", "An item with this id exists already.")
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_body_over_the_limit_is_413(
    invoke: Invoke, seeded: Table, make_event: EventFactory
) -> None:
    # GIVEN a JSON body one byte over 1 MiB
    body = '{"blob": "' + "x" * (1_048_576 - 11) + '"}'
    assert len(body) == 1_048_577
    # WHEN it is posted
    reply = invoke(make_event("POST", "/items", body))
    # THEN 413 before any parsing
    assert reply == problem(413, "Content Too Large", "The body is over 1048576 bytes.")
    assert seeded.items() == {"kept": ORIGINAL}


def test_an_item_over_400_kb_is_413(
    invoke: Invoke, seeded: Table, make_event: EventFactory
) -> None:
    # GIVEN a body within the body limit whose item is over DynamoDB's 400 KB
    body = '{"blob": "' + "x" * 409_600 + '"}'
    # WHEN it is posted
    reply = invoke(make_event("POST", "/items", body))
    # THEN 413 for the item
    assert reply == problem(
        413, "Content Too Large", "The item is over DynamoDB's 400 KB item size limit."
    )
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "text/json",
        "application/json-seq",
        "application/jsonx",
        "multipart/form-data; boundary=x",
        "+json",
    ],
)
def test_a_content_type_that_is_not_json_is_415(
    invoke: Invoke, seeded: Table, make_event: EventFactory, content_type: str
) -> None:
    reply = invoke(make_event("POST", "/items", '{"id": "new"}', content_type=content_type))
    assert reply == problem(
        415,
        "Unsupported Media Type",
        "The body must be JSON: Content-Type application/json or a +json type.",
    )
    assert seeded.items() == {"kept": ORIGINAL}


DEPTH_33 = '{"a": ' + "[" * 32 + "]" * 32 + "}"
DEPTH_32 = '{"a": ' + "[" * 31 + "]" * 31 + "}"
NESTING = "Nesting deeper than 32 levels, DynamoDB's limit"
PRECISION = "Number has more than 38 significant digits, DynamoDB's limit"
RANGE = (
    "Number outside DynamoDB's range "
    "(1E-130 to 9.9999999999999999999999999999999999999E+125 in magnitude, or zero)"
)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (DEPTH_33, [limit("/a" + "/0" * 31, NESTING, "max_depth")]),
        (
            '{"n": 123456789012345678901234567890123456789}',
            [limit("/n", PRECISION, "number_precision")],
        ),
        ('{"x": {"n": 1e126}}', [limit("/x/n", RANGE, "number_range")]),
        ('{"id": 7}', [limit("/id", "must be a string", "type")]),
        ('{"id": null}', [limit("/id", "must be a string", "type")]),
        ('{"id": ""}', [limit("/id", "must not be empty", "minLength")]),
        (
            '{"id": "' + "é" * 1024 + 'x"}',
            [limit("/id", "must be at most 2048 bytes in UTF-8", "key_size")],
        ),
        (
            '{"": "no name"}',
            [limit("/", "Attribute names cannot be empty", "empty_attribute_name")],
        ),
    ],
    ids=[
        "depth-33",
        "39-digits",
        "out-of-range",
        "numeric-id",
        "null-id",
        "empty-id",
        "long-id",
        "empty-attribute-name",
    ],
)
def test_a_broken_limit_or_rule_is_422_with_errors(
    invoke: Invoke, seeded: Table, make_event: EventFactory, body: str, errors: list[Any]
) -> None:
    # GIVEN well-formed JSON that DynamoDB cannot store
    # WHEN it is posted
    reply = invoke(make_event("POST", "/items", body))
    # THEN 422 lists where and why, and nothing is written
    assert reply == problem(
        422, "Unprocessable Content", "The item breaks the rules listed in errors.", errors=errors
    )
    assert seeded.items() == {"kept": ORIGINAL}


def test_nesting_of_32_is_accepted(invoke: Invoke, table: Table, make_event: EventFactory) -> None:
    reply = invoke(make_event("POST", "/items", DEPTH_32))
    assert reply.status == 201
    assert len(table.items()) == 1
