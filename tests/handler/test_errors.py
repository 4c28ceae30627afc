"""Every client error: exact problem+json bodies that never echo the input, and a table that
bad input leaves as it was. Bodies go to both writes: POST /items and PUT /items/{id}."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

import rust_core
from tests.support import (
    BODY_TOO_LARGE,
    ITEM_TOO_LARGE,
    JSON,
    KEY_SIZE,
    ORIGINAL,
    WRITE_IDS,
    WRITES,
    EventFactory,
    Invoke,
    as_item,
    compact,
    error,
    invalid,
    order,
    problem,
    street_for,
)

if TYPE_CHECKING:
    from tests.conftest import Table


@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
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
    invoke: Invoke,
    seeded: Table,
    make_event: EventFactory,
    method: str,
    path: str,
    body: str,
    detail: str,
) -> None:
    # GIVEN a body that is not strict JSON
    # WHEN it is sent
    reply = invoke(make_event(method, path, body))
    # THEN 400 says where, and nothing is written
    assert reply == problem(400, "Bad Request", detail)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
def test_invalid_utf8_is_400(
    invoke: Invoke, seeded: Table, make_event: EventFactory, method: str, path: str
) -> None:
    # GIVEN a body with a byte that is not UTF-8 (it arrives base64-encoded)
    # WHEN it is sent
    reply = invoke(make_event(method, path, b'{"name": "caf\xe9"}'))
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


@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "null", "true"])
def test_a_body_that_is_not_an_object_is_400(
    invoke: Invoke, seeded: Table, make_event: EventFactory, method: str, path: str, body: str
) -> None:
    reply = invoke(make_event(method, path, body))
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


@pytest.mark.parametrize("path", ["/", "/item", "/itemsx", "/items/", "/other/kept"])
def test_an_unknown_path_is_404(
    invoke: Invoke, seeded: Table, make_event: EventFactory, path: str
) -> None:
    reply = invoke(make_event("GET", path))
    assert reply == problem(404, "Not Found", "No resource at this path.")
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/items", "GET, POST"),
        ("DELETE", "/items", "GET, POST"),
        ("PATCH", "/items", "GET, POST"),
        ("HEAD", "/items", "GET, POST"),
        ("OPTIONS", "/items", "GET, POST"),
        ("PATCH", "/items/kept", "GET, PUT, DELETE"),
        ("POST", "/items/kept", "GET, PUT, DELETE"),
        ("PATCH", "/items/batch", "GET, POST, PUT, DELETE"),
        ("HEAD", "/items/batch", "GET, POST, PUT, DELETE"),
        ("OPTIONS", "/items/batch", "GET, POST, PUT, DELETE"),
        ("HEAD", "/items/kept", "GET, PUT, DELETE"),
        ("OPTIONS", "/items/kept", "GET, PUT, DELETE"),
    ],
)
def test_a_method_a_path_does_not_serve_is_405_with_allow(
    invoke: Invoke, seeded: Table, make_event: EventFactory, method: str, path: str, allow: str
) -> None:
    reply = invoke(make_event(method, path, json.dumps(order(id="kept"))))
    assert reply == problem(
        405, "Method Not Allowed", "This resource does not serve this method.", {"Allow": allow}
    )
    assert seeded.items() == {"kept": ORIGINAL}


def test_an_existing_id_is_409_and_the_item_is_untouched(
    invoke: Invoke, seeded: Table, make_event: EventFactory
) -> None:
    # GIVEN an item with id "kept"
    # WHEN an order with that id is posted
    reply = invoke(make_event("POST", "/items", json.dumps(order(id="kept"))))
    # THEN 409, and the original stays as it was
    assert reply == problem(409, "Conflict", "An item with this id exists already.")
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
def test_a_body_over_the_limit_is_413(
    invoke: Invoke, seeded: Table, make_event: EventFactory, method: str, path: str
) -> None:
    # GIVEN a valid order whose JSON is one byte over 1 MiB (whitespace makes up the size)
    text = json.dumps(order())
    body = text[:-1] + " " * (1_048_577 - len(text)) + "}"
    assert len(body) == 1_048_577
    # WHEN it is sent
    reply = invoke(make_event(method, path, body))
    # THEN 413 for the body
    assert reply == BODY_TOO_LARGE
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_body_of_1_mib_is_accepted(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN a valid order whose JSON is 1 MiB exactly (whitespace makes up the size)
    record = order(id="big")
    text = json.dumps(record)
    body = text[:-1] + " " * (1_048_576 - len(text)) + "}"
    # WHEN it is posted
    reply = invoke(make_event("POST", "/items", body))
    # THEN it is stored
    assert (reply.status, reply.body) == (201, compact(record))
    assert table.items() == {"big": as_item(record)}


@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
def test_an_item_over_400_kb_is_413(
    invoke: Invoke, seeded: Table, make_event: EventFactory, method: str, path: str
) -> None:
    # GIVEN a valid order within the body limit whose item is one byte over DynamoDB's 400 KB
    record = street_for("kept", 409_601)
    # WHEN it is sent
    reply = invoke(make_event(method, path, json.dumps(record)))
    # THEN 413 for the item
    assert reply == ITEM_TOO_LARGE
    assert seeded.items() == {"kept": ORIGINAL}


def test_an_item_over_400_kb_once_its_id_is_generated_is_413(
    invoke: Invoke, seeded: Table, make_event: EventFactory
) -> None:
    # GIVEN an order without id that is 400 KB exactly once it has a 36-character UUID
    record = street_for("0" * 36, 409_601)
    del record["id"]
    assert rust_core.item_size(as_item(record)) == 409_601 - len("id") - 36
    # WHEN it is posted
    reply = invoke(make_event("POST", "/items", json.dumps(record)))
    # THEN 413: the generated id counts
    assert reply == ITEM_TOO_LARGE
    assert seeded.items() == {"kept": ORIGINAL}


def test_an_item_of_400_kb_exactly_is_stored(
    invoke: Invoke, table: Table, make_event: EventFactory
) -> None:
    # GIVEN a valid order whose item is 409,600 bytes by DynamoDB's count
    record = street_for("full", 409_600)
    # WHEN it is put
    reply = invoke(make_event("PUT", "/items/full", json.dumps(record)))
    # THEN DynamoDB takes it as it is
    assert (reply.status, reply.body) == (200, compact(record))
    assert table.items() == {"full": as_item(record)}


@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
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
    invoke: Invoke,
    seeded: Table,
    make_event: EventFactory,
    method: str,
    path: str,
    content_type: str,
) -> None:
    body = json.dumps(order(id="kept"))
    reply = invoke(make_event(method, path, body, content_type=content_type))
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
KEY_TYPE = error("/id", "The key attribute must be a string", "key_type")
KEY_EMPTY = error("/id", "The key attribute must not be empty", "key_empty")


@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (DEPTH_33, [error("/a" + "/0" * 31, NESTING, "max_depth")]),
        (
            '{"n": 123456789012345678901234567890123456789}',
            [error("/n", PRECISION, "number_precision")],
        ),
        ('{"x": {"n": 1e126}}', [error("/x/n", RANGE, "number_range")]),
        ('{"id": 7}', [KEY_TYPE]),
        ('{"id": null}', [KEY_TYPE]),
        ('{"id": ["kept"]}', [KEY_TYPE]),
        ('{"id": ""}', [KEY_EMPTY]),
        ('{"id": "' + "é" * 1024 + 'x"}', [KEY_SIZE]),
        (
            '{"": "no name"}',
            [error("/", "Attribute names cannot be empty", "empty_attribute_name")],
        ),
    ],
    ids=[
        "depth-33",
        "39-digits",
        "out-of-range",
        "numeric-id",
        "null-id",
        "list-id",
        "empty-id",
        "long-id",
        "empty-attribute-name",
    ],
)
def test_a_broken_limit_is_422_with_errors(
    invoke: Invoke,
    seeded: Table,
    make_event: EventFactory,
    method: str,
    path: str,
    body: str,
    errors: list[Any],
) -> None:
    # GIVEN well-formed JSON that DynamoDB cannot store (checked before the schema)
    # WHEN it is sent
    reply = invoke(make_event(method, path, body))
    # THEN 422 lists where and why, and nothing is written
    assert reply == invalid(*errors)
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_path_id_over_2048_bytes_is_404(
    invoke: Invoke, seeded: Table, make_event: EventFactory
) -> None:
    # GIVEN a path whose id is one byte over DynamoDB's key limit
    path = "/items/" + "%C3%A9" * 1024 + "x"
    # WHEN a valid order is put there
    reply = invoke(make_event("PUT", path, json.dumps(order())))
    # THEN 404, as GET and DELETE answer for an id no item can have; nothing written
    assert reply == problem(404, "Not Found", "No item has this id.")
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.usefixtures("any_object")
def test_nesting_of_32_is_accepted(invoke: Invoke, table: Table, make_event: EventFactory) -> None:
    reply = invoke(make_event("POST", "/items", DEPTH_32))
    assert (reply.status, reply.headers["Content-Type"]) == (201, JSON)
    item_id = reply.json()["id"]
    nested: dict[str, Any] = {"L": []}
    for _ in range(30):
        nested = {"L": [nested]}
    assert table.items() == {item_id: {"id": {"S": item_id}, "a": nested}}
