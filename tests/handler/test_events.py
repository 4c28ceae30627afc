"""Whatever event arrives, the function answers: malformed or partial events, strict base64,
headers API Gateway left in multiValueHeaders alone, 405 for any method a path does not serve, 415
for a Content-Encoding, and a property test over mutated and random events that never sees an
exception escape (no 500), always a proxy response, problem+json for every error."""

from __future__ import annotations

import base64
import copy
import json
import os
from decimal import Decimal
from types import ModuleType
from typing import TYPE_CHECKING, Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from py_handler import events
from py_handler.local import LocalContext
from tests.support import (
    JSON,
    ORIGINAL,
    PROBLEM,
    REQUEST_ID,
    EventFactory,
    Invoke,
    Reply,
    as_item,
    compact,
    http_api_event,
    order,
    problem,
    recorded,
    rest_api_event,
)

if TYPE_CHECKING:
    from tests.conftest import Table

FORMATS = [http_api_event, rest_api_event]
FORMAT_IDS = ["http-api", "rest-api"]
# The record in the recorded POST events
ORDER_1 = {
    "id": "order-1",
    "customer": {"id": "c-42", "name": "Ada Lovelace"},
    "currency": "EUR",
    "lines": [{"sku": "WIDGET-1", "qty": 2, "price": 9.99}],
}
NOT_AN_OBJECT = "The event is not an object."
NO_METHOD = "The event has no HTTP method."
NO_PATH = "The event has no path."
BODY_NOT_TEXT = "The event's body is not text."
FLAG_NOT_BOOLEAN = "The event's isBase64Encoded is not a boolean."
NOT_BASE64 = "The body is marked as base64 but is not base64."
NOT_IDENTITY = "The body must not be encoded: Content-Encoding identity or none."
JSON_ONLY = "The body must be JSON: Content-Type application/json or a +json type."
NOT_ALLOWED = "This resource does not serve this method."


def handle(app: ModuleType, event: Any) -> Any:
    """The function's own reply to a raw event, as the Lambda runtime serializes it."""
    return json.loads(json.dumps(app.handler(event, LocalContext(aws_request_id=REQUEST_ID))))


def malformed(detail: str) -> dict[str, Any]:
    """The exact reply to an event no request could have produced."""
    body = {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": detail}
    return {
        "statusCode": 400,
        "headers": {"Content-Type": PROBLEM},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def post_event(make_event: EventFactory, item_id: str = "new") -> dict[str, Any]:
    """POST /items with a valid order: what a broken event must not write."""
    return make_event("POST", "/items", json.dumps(order(id=item_id)))


def set_method(event: dict[str, Any], method: Any) -> None:
    if event.get("version") == "2.0":
        event["requestContext"]["http"]["method"] = method
    else:
        event["httpMethod"] = method


def drop_method(event: dict[str, Any]) -> None:
    if event.get("version") == "2.0":
        del event["requestContext"]["http"]["method"]
    else:
        del event["httpMethod"]


def created(record: dict[str, Any]) -> Reply:
    return Reply(201, {"Content-Type": JSON, "Location": f"/items/{record['id']}"}, compact(record))


# 1. Malformed or partial events


@pytest.mark.parametrize(
    "event",
    [None, [], [recorded("http_api_post_item")], "GET /items", 42, True],
    ids=["none", "empty-list", "list-of-an-event", "string", "number", "boolean"],
)
def test_an_event_that_is_not_an_object_is_400(app: ModuleType, seeded: Table, event: Any) -> None:
    # GIVEN an event that is no JSON object (a valid event wrapped in a list included)
    # WHEN the function gets it
    response = handle(app, event)
    # THEN the exact 400, and nothing is written
    assert response == malformed(NOT_AN_OBJECT)
    assert seeded.items() == {"kept": ORIGINAL}


def test_an_empty_event_is_400(app: ModuleType, seeded: Table) -> None:
    # GIVEN {}
    # WHEN the function gets it
    response = handle(app, {})
    # THEN 400: it has no method to read
    assert response == malformed(NO_METHOD)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("make", FORMATS, ids=FORMAT_IDS)
def test_an_event_without_a_method_is_400(
    app: ModuleType, seeded: Table, make: EventFactory
) -> None:
    # GIVEN a valid POST /items whose method is missing
    event = post_event(make)
    drop_method(event)
    # WHEN the function gets it
    response = handle(app, event)
    # THEN 400, nothing written
    assert response == malformed(NO_METHOD)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("make", FORMATS, ids=FORMAT_IDS)
@pytest.mark.parametrize(
    "method",
    ["", None, 5, ["POST"], {"name": "POST"}, "PO ST", "POST\n", "P\u00d3ST", "POST/", "(POST)"],
    ids=["empty", "null", "number", "list", "object", "space", "newline", "non-ascii", "slash",
         "parentheses"],
)  # fmt: skip
def test_a_method_that_is_not_a_token_is_400(
    app: ModuleType, seeded: Table, make: EventFactory, method: Any
) -> None:
    # GIVEN a valid POST /items whose method is empty, not a string, or not an HTTP token
    event = post_event(make)
    set_method(event, method)
    # WHEN the function gets it
    response = handle(app, event)
    # THEN 400, nothing written
    assert response == malformed(NO_METHOD)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("context", ["absent", None, "text", {}, {"http": None}, {"http": "POST"}])
def test_an_http_api_event_without_a_request_context_method_is_400(
    app: ModuleType, seeded: Table, context: Any
) -> None:
    # GIVEN a recorded HTTP API POST whose requestContext (where 2.0 keeps the method) is gone or
    # broken, its rawPath still there
    event = recorded("http_api_post_item")
    if context == "absent":
        del event["requestContext"]
    else:
        event["requestContext"] = context
    assert event["rawPath"] == "/items"
    # WHEN the function gets it
    response = handle(app, event)
    # THEN 400 for the method, nothing written
    assert response == malformed(NO_METHOD)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("context", ["absent", None, "text", {}])
def test_a_rest_api_event_without_a_request_context_is_served(
    invoke: Invoke, table: Table, context: Any
) -> None:
    # GIVEN a recorded REST API POST whose requestContext is gone or broken; 1.0 keeps the method
    # and path at the top level
    event = recorded("rest_api_post_item")
    if context == "absent":
        del event["requestContext"]
    else:
        event["requestContext"] = context
    # WHEN the function gets it
    reply = invoke(event)
    # THEN it is served as it would be with one
    assert reply == created(ORDER_1)
    assert table.items() == {"order-1": as_item(ORDER_1)}


@pytest.mark.parametrize("raw_path", ["absent", None, 7])
def test_an_http_api_event_without_raw_path_is_served_from_its_request_context(
    invoke: Invoke, table: Table, raw_path: Any
) -> None:
    # GIVEN a recorded HTTP API POST without a usable rawPath, requestContext.http.path there
    event = recorded("http_api_post_item")
    if raw_path == "absent":
        del event["rawPath"]
    else:
        event["rawPath"] = raw_path
    # WHEN the function gets it
    reply = invoke(event)
    # THEN the path is read from requestContext
    assert reply == created(ORDER_1)
    assert table.items() == {"order-1": as_item(ORDER_1)}


@pytest.mark.parametrize("stage", ["absent", None, "", 7, {"name": "prod"}, ["prod"]])
def test_an_http_api_event_without_a_usable_stage_is_served(
    invoke: Invoke, table: Table, stage: Any
) -> None:
    # GIVEN a recorded HTTP API POST whose requestContext.stage (which the resolver reads to strip
    # it from the path) is missing, null, empty or not a string
    event = recorded("http_api_post_item")
    if stage == "absent":
        del event["requestContext"]["stage"]
    else:
        event["requestContext"]["stage"] = stage
    # WHEN the function gets it
    reply = invoke(event)
    # THEN it is served as the $default stage, not a 500
    assert reply == created(ORDER_1)
    assert table.items() == {"order-1": as_item(ORDER_1)}


def test_the_smallest_http_api_event_is_served(app: ModuleType, seeded: Table) -> None:
    # GIVEN an HTTP API event holding a method and a path and nothing else
    event = {"requestContext": {"http": {"method": "GET", "path": "/items/kept"}}}
    # WHEN the function gets it
    response = handle(app, event)
    # THEN it is read as a 2.0 GET /items/kept
    assert json.loads(response.pop("body")) == {"id": "kept", "name": "original"}
    assert response == {
        "statusCode": 200,
        "isBase64Encoded": False,
        "headers": {"Content-Type": JSON},
        "cookies": [],
    }


def test_the_smallest_rest_api_event_is_served(app: ModuleType, seeded: Table) -> None:
    # GIVEN a REST API event holding a method and a path and nothing else
    event = {"httpMethod": "GET", "path": "/items/kept"}
    # WHEN the function gets it
    response = handle(app, event)
    # THEN it is read as a 1.0 GET /items/kept
    assert json.loads(response.pop("body")) == {"id": "kept", "name": "original"}
    assert response == {
        "statusCode": 200,
        "isBase64Encoded": False,
        "multiValueHeaders": {"Content-Type": [JSON]},
    }


@pytest.mark.parametrize("path", ["absent", None, 7, ["/items"]])
def test_an_http_api_event_with_no_path_anywhere_is_400(
    app: ModuleType, seeded: Table, path: Any
) -> None:
    # GIVEN a recorded HTTP API POST whose rawPath and requestContext.http.path are both unusable
    event = recorded("http_api_post_item")
    if path == "absent":
        del event["rawPath"], event["requestContext"]["http"]["path"]
    else:
        event["rawPath"] = path
        event["requestContext"]["http"]["path"] = path
    # WHEN the function gets it
    response = handle(app, event)
    # THEN 400 for the path, nothing written
    assert response == malformed(NO_PATH)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("path", ["absent", None, 7, ["/items"]])
def test_a_rest_api_event_with_no_path_is_400(app: ModuleType, seeded: Table, path: Any) -> None:
    # GIVEN a recorded REST API POST whose path is missing or not a string
    event = recorded("rest_api_post_item")
    if path == "absent":
        del event["path"]
    else:
        event["path"] = path
    # WHEN the function gets it
    response = handle(app, event)
    # THEN 400 for the path, nothing written
    assert response == malformed(NO_PATH)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("version", ["absent", None, "1.0"])
def test_an_event_with_request_context_http_is_read_as_an_http_api_event(
    app: ModuleType, table: Table, version: Any
) -> None:
    # GIVEN an HTTP API PUT whose version is missing or wrong, to an id holding "/" (which only
    # routes when the decoded rawPath is read as 2.0's)
    event = http_api_event("PUT", "/items/a%2Fb", json.dumps(order()))
    assert event["rawPath"] == "/items/a/b"
    if version == "absent":
        del event["version"]
    else:
        event["version"] = version
    # WHEN the function gets it
    response = handle(app, event)
    # THEN it is served as an HTTP API event: the item is stored under "a/b", and the response
    # has 2.0's shape
    record = {"id": "a/b", **order()}
    assert response == {
        "statusCode": 200,
        "body": compact(record),
        "isBase64Encoded": False,
        "headers": {"Content-Type": JSON},
        "cookies": [],
    }
    assert table.items() == {"a/b": as_item(record)}


@pytest.mark.parametrize("make", FORMATS, ids=FORMAT_IDS)
def test_null_headers_are_read_as_none(invoke: Invoke, table: Table, make: EventFactory) -> None:
    # GIVEN a POST /items whose headers (and REST's multiValueHeaders) are null
    event = post_event(make)
    event["headers"] = None
    if "multiValueHeaders" in event:
        event["multiValueHeaders"] = None
    # WHEN the function gets it
    reply = invoke(event)
    # THEN no Content-Type reads as JSON: the order is stored
    assert reply == created(order(id="new"))
    assert table.items() == {"new": as_item(order(id="new"))}


@pytest.mark.parametrize("make", FORMATS, ids=FORMAT_IDS)
@pytest.mark.parametrize("value", [5, None, ["text/plain"], {"type": "text/plain"}, True])
def test_a_header_that_is_not_a_string_is_left_out(
    invoke: Invoke, table: Table, make: EventFactory, value: Any
) -> None:
    # GIVEN a POST /items whose Content-Type and Content-Encoding headers are not strings (in
    # multiValueHeaders too, for REST)
    event = post_event(make)
    if "multiValueHeaders" in event:
        event["headers"].update({"Content-Type": value, "Content-Encoding": value})
        event["multiValueHeaders"].update({"Content-Type": [value], "Content-Encoding": [value]})
    else:
        event["headers"].update({"content-type": value, "content-encoding": value})
    # WHEN the function gets it
    reply = invoke(event)
    # THEN those headers are as good as absent: read as JSON, not encoded, stored
    assert reply == created(order(id="new"))
    assert table.items() == {"new": as_item(order(id="new"))}


def listing(reply: Reply) -> Any:
    return (reply.status, reply.headers, reply.json())


@pytest.mark.parametrize("make", FORMATS, ids=FORMAT_IDS)
@pytest.mark.parametrize(
    "query",
    ["limit=0", ["limit", "0"], 0, True, {"limit": 0}, {"limit": None}, {"limit": [0, None]}],
)
def test_query_parameters_of_the_wrong_type_are_left_out(
    invoke: Invoke, seeded: Table, make: EventFactory, query: Any
) -> None:
    # GIVEN a GET /items whose query parameters are not a mapping of strings (REST's
    # multiValueQueryStringParameters too), each of which would be a 400 read as "limit=0"
    event = make("GET", "/items")
    event["queryStringParameters"] = query
    if "multiValueQueryStringParameters" in event:
        event["multiValueQueryStringParameters"] = query
    # WHEN the function gets it
    reply = invoke(event)
    # THEN they are ignored: the first page with the default limit
    expected = {"items": [{"id": "kept", "name": "original"}], "next_cursor": None}
    assert listing(reply) == (200, {"Content-Type": JSON}, expected)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("make", FORMATS, ids=FORMAT_IDS)
def test_string_query_parameters_are_still_read(
    invoke: Invoke, seeded: Table, make: EventFactory
) -> None:
    # GIVEN GET /items?limit=0 (a well-formed event)
    # WHEN the function gets it
    reply = invoke(make("GET", "/items?limit=0"))
    # THEN the limit is read, and refused
    detail = "The query is invalid: limit must be an integer from 1 to 1000."
    assert reply == problem(400, "Bad Request", detail)


@pytest.mark.parametrize("make", FORMATS, ids=FORMAT_IDS)
@pytest.mark.parametrize(
    "body",
    [42, 4.5, order(id="new"), [order(id="new")], True, False],
    ids=["int", "float", "object", "array", "true", "false"],
)
def test_a_body_that_is_not_text_is_400(
    app: ModuleType, seeded: Table, make: EventFactory, body: Any
) -> None:
    # GIVEN a POST /items whose body is a JSON value instead of the text of one
    event = post_event(make)
    event["body"] = body
    # WHEN the function gets it
    response = handle(app, event)
    # THEN 400, nothing written
    assert response == malformed(BODY_NOT_TEXT)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("make", FORMATS, ids=FORMAT_IDS)
@pytest.mark.parametrize("flag", ["true", "false", 1, 0, [], {}])
def test_an_is_base64_encoded_that_is_not_a_boolean_is_400(
    app: ModuleType, seeded: Table, make: EventFactory, flag: Any
) -> None:
    # GIVEN a POST /items whose isBase64Encoded is not a boolean
    event = post_event(make)
    event["isBase64Encoded"] = flag
    # WHEN the function gets it
    response = handle(app, event)
    # THEN 400, nothing written
    assert response == malformed(FLAG_NOT_BOOLEAN)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("make", FORMATS, ids=FORMAT_IDS)
@pytest.mark.parametrize("flag", [None, "absent"])
def test_a_null_or_missing_is_base64_encoded_reads_as_false(
    invoke: Invoke, table: Table, make: EventFactory, flag: Any
) -> None:
    # GIVEN a POST /items with a plain JSON body and isBase64Encoded null or missing
    event = post_event(make)
    if flag == "absent":
        del event["isBase64Encoded"]
    else:
        event["isBase64Encoded"] = flag
    # WHEN the function gets it
    reply = invoke(event)
    # THEN the body is read as text
    assert reply == created(order(id="new"))
    assert table.items() == {"new": as_item(order(id="new"))}


@pytest.mark.parametrize("make", FORMATS, ids=FORMAT_IDS)
def test_a_missing_body_is_an_empty_one(invoke: Invoke, seeded: Table, make: EventFactory) -> None:
    # GIVEN a POST /items with no body member at all
    event = post_event(make)
    del event["body"]
    # WHEN the function gets it
    reply = invoke(event)
    # THEN it is read as an empty body: malformed JSON
    detail = "Malformed JSON at line 1, column 1: Expecting value."
    assert reply == problem(400, "Bad Request", detail)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(
    ("method", "path", "detail"),
    [
        ("GET", "/items/\ud800", "No item has this id."),
        ("DELETE", "/items/\udfff", "No item has this id."),
        ("PUT", "/items/a\ud800b", "No item has this id."),
        ("GET", "/\ud800", "No resource at this path."),
        ("POST", "/items\ud800", "No resource at this path."),
    ],
)
def test_a_raw_path_with_a_lone_surrogate_is_404(
    invoke: Invoke, seeded: Table, method: str, path: str, detail: str
) -> None:
    # GIVEN an HTTP API event whose rawPath holds a lone surrogate (a \udXXX escape in the event)
    event = http_api_event(method, "/items", json.dumps(order()))
    event["rawPath"] = path
    event["requestContext"]["http"]["path"] = path
    # WHEN the function gets it
    reply = invoke(event)
    # THEN no item (nor resource) can have that path: 404, nothing written
    assert reply == problem(404, "Not Found", detail)
    assert seeded.items() == {"kept": ORIGINAL}


RAW_SEGMENTS = ["\ud800", "\u20ac", "\U0001f600", 'a"b', "a#b", "a\\b", "a b", "\x01", "\u00e9"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize("segment", RAW_SEGMENTS)
def test_a_rest_path_with_raw_characters_reads_as_through_an_http_api(
    invoke: Invoke, seeded: Table, method: str, segment: str
) -> None:
    # GIVEN the same request for /items/{segment} as a REST event whose path holds the segment's
    # characters unencoded, and as an HTTP API event (whose rawPath is always decoded)
    body = json.dumps(order())
    rest = rest_api_event(method, "/items/x", body)
    rest["path"] = "/items/" + segment
    http = http_api_event(method, "/items/x", body)
    http["rawPath"] = http["requestContext"]["http"]["path"] = "/items/" + segment
    # WHEN the function gets each, on the same table
    rest_reply = invoke(rest)
    rest_items = seeded.items()
    seeded.clear()
    seeded.put(ORIGINAL)
    http_reply = invoke(http)
    # THEN both read the same id the same way: the same reply, the same table; never a 405
    # for a method the path serves
    assert rest_reply == http_reply
    assert rest_items == seeded.items()
    if method == "PUT" and segment != "\ud800":
        record = {"id": segment, **order()}
        assert http_reply == Reply(200, {"Content-Type": JSON}, compact(record))
        assert seeded.items() == {"kept": ORIGINAL, segment: as_item(record)}
    else:  # no item has that id (a lone surrogate: none can have it)
        assert http_reply == problem(404, "Not Found", "No item has this id.")
        assert seeded.items() == {"kept": ORIGINAL}


# 2. Strict base64

WRITES = [("POST", "/items"), ("PUT", "/items/kept"), ("POST", "/items/batch")]
WRITE_IDS = ["post", "put", "batch"]


def order_base64(**changes: Any) -> str:
    return base64.b64encode(json.dumps(order(**changes)).encode()).decode("ascii")


def with_newline(text: str) -> str:
    """Base64 folded as MIME folds it, a newline after 76 characters."""
    return text[:76] + "\n" + text[76:]


@pytest.mark.parametrize("make", FORMATS, ids=FORMAT_IDS)
@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize(
    "body",
    [
        "not base64!",
        with_newline(order_base64(id="kept")),
        order_base64(id="kept") + "\r\n",
        " " + order_base64(id="kept"),
        "YWJj\u00e9",
        "\u00e9" + order_base64(id="kept"),
        "YQ==YWJj",
        "YQ=",
        "YWI",
        "=YWJj",
        "YWJj-_8",
        "YWJj=",
        "YWJj==",
        "YWJj====",
        order_base64(id="kept") + "=",
        "YR==",
        "YWK=",
    ],
    ids=[
        "punctuation",
        "newline-inside",
        "crlf-after",
        "leading-space",
        "non-ascii",
        "non-ascii-first",
        "data-after-padding",
        "short-padding",
        "missing-padding",
        "leading-padding",
        "url-safe-alphabet",
        "padding-after-a-quantum",
        "two-paddings-after-a-quantum",
        "four-paddings-after-a-quantum",
        "stray-padding-after-an-order",
        "bits-past-the-data-1",
        "bits-past-the-data-2",
    ],
)
def test_a_body_marked_base64_that_is_not_base64_is_400(
    invoke: Invoke,
    seeded: Table,
    make: EventFactory,
    method: str,
    path: str,
    body: str,
) -> None:
    # GIVEN a write whose body is marked base64 but is not strict base64
    event = make(method, path, b"")
    event["body"] = body
    assert event["isBase64Encoded"] is True
    # WHEN the function gets it
    reply = invoke(event)
    # THEN 400 for the encoding, nothing written
    assert reply == problem(400, "Bad Request", NOT_BASE64)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("make", FORMATS, ids=FORMAT_IDS)
def test_a_valid_order_in_base64_with_stray_padding_is_not_stored(
    invoke: Invoke, table: Table, make: EventFactory
) -> None:
    # GIVEN a valid order whose JSON is a whole number of base64 quanta, with "=" appended
    text = json.dumps(order(id="padded"))
    text += " " * (-len(text) % 3)
    event = make("POST", "/items", b"")
    event["body"] = base64.b64encode(text.encode()).decode("ascii") + "="
    # WHEN it is posted
    reply = invoke(event)
    # THEN 400, and the table stays empty
    assert reply == problem(400, "Bad Request", NOT_BASE64)
    assert table.items() == {}


@pytest.mark.parametrize("make", FORMATS, ids=FORMAT_IDS)
def test_valid_base64_of_a_valid_order_is_stored(
    invoke: Invoke, table: Table, make: EventFactory
) -> None:
    # GIVEN a valid order, base64-encoded and marked so (accents included)
    record = order(id="b64-\u00e9")
    event = make("POST", "/items", json.dumps(record, ensure_ascii=False).encode())
    assert event["isBase64Encoded"] is True
    # WHEN it is posted
    reply = invoke(event)
    # THEN it is decoded and stored
    assert reply == Reply(
        201, {"Content-Type": JSON, "Location": "/items/b64-%C3%A9"}, compact(record)
    )
    assert table.items() == {"b64-\u00e9": as_item(record)}


# 3. REST API headers in multiValueHeaders alone


@pytest.mark.parametrize("name", ["Content-Type", "content-type"])
@pytest.mark.parametrize(("method", "path"), WRITES[:2], ids=WRITE_IDS[:2])
def test_a_rest_content_type_only_in_multi_value_headers_is_read(
    invoke: Invoke, seeded: Table, name: str, method: str, path: str
) -> None:
    # GIVEN a REST write whose Content-Type text/plain is in multiValueHeaders alone
    event = rest_api_event(method, path, json.dumps(order(id="kept")), content_type=None)
    event["multiValueHeaders"][name] = ["text/plain"]
    assert "Content-Type" not in event["headers"]
    # WHEN the function gets it
    reply = invoke(event)
    # THEN it is read as the request's content type: 415, nothing written
    assert reply == problem(415, "Unsupported Media Type", JSON_ONLY)
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_rest_json_content_type_only_in_multi_value_headers_is_stored(
    invoke: Invoke, table: Table
) -> None:
    # GIVEN a REST POST whose Content-Type application/json is in multiValueHeaders alone
    record = order(id="multi")
    event = rest_api_event("POST", "/items", json.dumps(record), content_type=None)
    event["multiValueHeaders"]["Content-Type"] = ["application/json"]
    # WHEN the function gets it
    reply = invoke(event)
    # THEN the order is stored
    assert reply == created(record)
    assert table.items() == {"multi": as_item(record)}


def test_a_rest_batch_content_type_only_in_multi_value_headers_is_read(
    invoke: Invoke, table: Table
) -> None:
    # GIVEN a REST NDJSON batch whose Content-Type is in multiValueHeaders alone
    records = [order(id="n1"), order(id="n2")]
    body = "\n".join(json.dumps(r) for r in records)
    event = rest_api_event("POST", "/items/batch", body, content_type=None)
    event["multiValueHeaders"]["Content-Type"] = ["application/x-ndjson"]
    # WHEN the function gets it
    reply = invoke(event)
    # THEN it is read as NDJSON
    assert (reply.status, reply.body) == (200, '{"written":2,"failed":[]}')
    assert table.items() == {r["id"]: as_item(r) for r in records}


# 4. 405 for any method a path does not serve

ALLOW = [
    ("/items", "GET, POST"),
    ("/items/kept", "GET, PUT, DELETE"),
    ("/items/batch", "GET, POST, PUT, DELETE"),
]


@pytest.mark.parametrize(("path", "allow"), ALLOW, ids=["collection", "item", "batch"])
@pytest.mark.parametrize(
    "method", ["TRACE", "CONNECT", "FOO", "OPTIONS", "HEAD", "PATCH", "trace", "M-SEARCH", "*"]
)
def test_a_method_a_path_does_not_serve_is_405_with_allow(
    invoke: Invoke, seeded: Table, make_event: EventFactory, path: str, allow: str, method: str
) -> None:
    # GIVEN a method (any token) the path does not serve, with a valid order as body
    event = make_event(method, path, json.dumps(order(id="kept")))
    # WHEN the function gets it
    reply = invoke(event)
    # THEN 405 naming what the path serves, nothing written
    assert reply == problem(405, "Method Not Allowed", NOT_ALLOWED, {"Allow": allow})
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_lower_case_method_reads_as_upper_case(
    invoke: Invoke, seeded: Table, make_event: EventFactory
) -> None:
    # GIVEN GET /items/kept spelled "get"
    # WHEN the function gets it
    reply = invoke(make_event("get", "/items/kept"))
    # THEN it is a GET
    assert (reply.status, reply.headers) == (200, {"Content-Type": JSON})
    assert reply.json() == {"id": "kept", "name": "original"}


def test_a_lower_case_put_writes(invoke: Invoke, table: Table, make_event: EventFactory) -> None:
    # GIVEN PUT /items/lower spelled "put"
    record = order(id="lower")
    # WHEN the function gets it
    reply = invoke(make_event("put", "/items/lower", json.dumps(record)))
    # THEN it is a PUT
    assert reply == Reply(200, {"Content-Type": JSON}, compact(record))
    assert table.items() == {"lower": as_item(record)}


# 5. Content-Encoding


def with_encoding(event: dict[str, Any], encoding: str) -> dict[str, Any]:
    if "multiValueHeaders" in event:
        event["headers"]["Content-Encoding"] = encoding
        event["multiValueHeaders"]["Content-Encoding"] = [encoding]
    else:
        event["headers"]["content-encoding"] = encoding
    return event


def write_body(path: str) -> str:
    return json.dumps([order(id="kept")] if path == "/items/batch" else order(id="kept"))


@pytest.mark.parametrize(("method", "path"), WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize(
    "encoding",
    ["gzip", "br", "deflate", "x-gzip", "GZIP", "gzip, identity", "identity, gzip", "identity,br"],
)
def test_a_content_encoding_is_415(
    invoke: Invoke,
    seeded: Table,
    make_event: EventFactory,
    method: str,
    path: str,
    encoding: str,
) -> None:
    # GIVEN a write whose body (plain JSON, in fact) declares a Content-Encoding
    event = with_encoding(make_event(method, path, write_body(path)), encoding)
    # WHEN the function gets it
    reply = invoke(event)
    # THEN 415: an encoded body is not read as if it were plain, nothing written
    assert reply == problem(415, "Unsupported Media Type", NOT_IDENTITY)
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_rest_content_encoding_only_in_multi_value_headers_is_415(
    invoke: Invoke, seeded: Table
) -> None:
    # GIVEN a REST POST whose Content-Encoding gzip is in multiValueHeaders alone
    event = rest_api_event("POST", "/items", json.dumps(order(id="new")))
    event["multiValueHeaders"]["Content-Encoding"] = ["gzip"]
    # WHEN the function gets it
    reply = invoke(event)
    # THEN 415, nothing written
    assert reply == problem(415, "Unsupported Media Type", NOT_IDENTITY)
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(
    ("method", "path", "status", "reply_body"),
    [
        ("POST", "/items", 201, compact(order(id="kept"))),
        ("PUT", "/items/kept", 200, compact(order(id="kept"))),
        ("POST", "/items/batch", 200, '{"written":1,"failed":[]}'),
    ],
    ids=WRITE_IDS,
)
@pytest.mark.parametrize("encoding", ["identity", "IDENTITY", " identity ", ""])
def test_identity_is_read_normally(
    invoke: Invoke,
    table: Table,
    make_event: EventFactory,
    method: str,
    path: str,
    status: int,
    reply_body: str,
    encoding: str,
) -> None:
    # GIVEN a write whose Content-Encoding is identity (or empty)
    event = with_encoding(make_event(method, path, write_body(path)), encoding)
    # WHEN the function gets it
    reply = invoke(event)
    # THEN the body is read as it is, and stored
    assert (reply.status, reply.body) == (status, reply_body)
    assert table.items() == {"kept": as_item(order(id="kept"))}


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_a_content_encoding_on_a_read_is_ignored(
    invoke: Invoke, seeded: Table, make_event: EventFactory, encoding: str
) -> None:
    # GIVEN a GET carrying a Content-Encoding (it has no body to decode)
    event = with_encoding(make_event("GET", "/items/kept"), encoding)
    # WHEN the function gets it
    reply = invoke(event)
    # THEN it is served
    assert (reply.status, reply.json()) == (200, {"id": "kept", "name": "original"})


# 6. Any event: a proxy response, problem+json for errors, never an escaped exception or a 500

# A fixture-using property test: each example costs a handler call, and a DynamoDB call where
# the event is valid. CI explores more (HYPOTHESIS_PROFILE is not registered for tests/handler).
EXAMPLES = 1000 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 200

BASES = [
    recorded(name)
    for name in (
        "http_api_get_item",
        "http_api_list_items",
        "http_api_post_batch",
        "http_api_post_item",
        "http_api_post_item_base64",
        "http_api_put_item",
        "rest_api_get_item",
        "rest_api_list_items",
        "rest_api_post_batch",
        "rest_api_post_item",
        "rest_api_put_item",
    )
] + [
    make(method, target, body)
    for make in FORMATS
    for method, target, body in (
        ("DELETE", "/items/order-1", None),
        ("GET", "/items?limit=1&cursor=abc", None),
        ("PUT", "/items/a%2Fb", json.dumps(order())),
        ("POST", "/items/batch", b'[{"id": "p"}, 5]'),
    )
]
METHODS = ["GET", "POST", "PUT", "DELETE", "get", "TRACE", "CONNECT", "FOO", "HEAD", "OPTIONS"]
PATHS = ["/items", "/items/", "/items/batch", "/items/order-1", "/items/a/b", "/", "", "items"]
# Members whose meaning the function reads, added where absent
MEMBERS = [
    "version", "httpMethod", "path", "rawPath", "body", "isBase64Encoded", "headers",
    "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters",
    "requestContext", "pathParameters", "cookies", "rawQueryString",
]  # fmt: skip
HEADERS = ["content-type", "Content-Type", "content-encoding", "idempotency-key", "cookie"]

# Any text: lone surrogates and control characters included
any_text = st.text(st.characters(exclude_categories=()), max_size=20)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
methods = st.sampled_from(METHODS) | any_text
paths = st.sampled_from(PATHS) | st.builds("/items/{}".format, any_text) | any_text
bodies = st.one_of(
    st.none(),
    any_text,
    st.just(json.dumps(order())),
    st.just(order_base64()),
    st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode("ascii")),
    st.builds(lambda b, s: b + s, st.just(order_base64()), st.sampled_from(["=", "\n", "!"])),
    json_values,
)
header_values = st.sampled_from(["application/json", "text/plain", "gzip", "identity"]) | any_text


def value_for(key: object) -> st.SearchStrategy[Any]:
    """What to put under `key`: something of its kind, or anything at all."""
    if key in ("httpMethod", "method"):
        return methods | json_values
    if key in ("path", "rawPath"):
        return paths | json_values
    if key == "body":
        return bodies
    if key == "isBase64Encoded":
        return st.booleans() | json_values
    if key in HEADERS:
        return header_values | st.lists(header_values, max_size=2) | json_values
    return json_values


def containers(value: Any) -> list[Any]:
    """Every dict and list inside `value`, `value` included."""
    found = [value] if isinstance(value, (dict, list)) else []
    children = value.values() if isinstance(value, dict) else value
    if isinstance(value, (dict, list)):
        for child in children:
            found.extend(containers(child))
    return found


@st.composite
def mutated_events(draw: st.DrawFn) -> Any:
    """A recorded (or built) event with a few of its members dropped, nulled or replaced."""
    event = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(0, 6))):
        container = draw(st.sampled_from(containers(event)))
        if isinstance(container, list):
            if container:
                index = draw(st.integers(0, len(container) - 1))
                container[index] = draw(json_values)
            continue
        if container is event:
            keys = list(event) + MEMBERS
        else:
            keys = list(container) + HEADERS + ["method", "path", "limit", "cursor"]
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["drop", "null", "replace"]))
        if action == "drop":
            container.pop(key, None)
        elif action == "null":
            container[key] = None
        else:
            container[key] = draw(value_for(key))
    return event


# Events whose members are random but named as API Gateway names them
random_events = st.fixed_dictionaries(
    {}, optional={key: value_for(key) for key in MEMBERS if key != "requestContext"}
    | {"requestContext": st.fixed_dictionaries({}, optional={
        "http": st.fixed_dictionaries({}, optional={"method": methods, "path": paths}),
        "httpMethod": methods,
        "path": paths,
        "requestId": json_values,
    }) | json_values},
)  # fmt: skip


@st.composite
def routed_events(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed event of either format with any method, path, body and base64 flag."""
    served = st.sampled_from(["GET", "POST", "PUT", "DELETE"])
    event: dict[str, Any] = draw(st.sampled_from(FORMATS))(draw(served | methods), "/items")
    path = draw(st.builds("/items/{}".format, any_text) | paths)
    if event.get("version") == "2.0":
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
    else:
        event["path"] = path
    event.update(body=draw(bodies), isBase64Encoded=draw(st.booleans()))
    return event


any_event = st.one_of(mutated_events(), routed_events(), random_events, json_values)


def headers_of(response: dict[str, Any]) -> dict[str, str]:
    """A response's headers, as API Gateway reads them: `headers` (2.0, and the function's own
    problem replies) or `multiValueHeaders` (1.0 replies from the REST resolver)."""
    if "multiValueHeaders" in response:
        multi = response["multiValueHeaders"]
        assert isinstance(multi, dict)
        assert all(isinstance(k, str) for k in multi)
        assert all(
            isinstance(v, list) and all(isinstance(s, str) for s in v) for v in multi.values()
        )
        assert "headers" not in response
        return {k: ", ".join(v) for k, v in multi.items()}
    headers = response["headers"]
    assert isinstance(headers, dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    return headers


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(event=any_event)
def test_any_event_gets_a_proxy_response_never_a_500(
    app: ModuleType, table: Table, event: Any
) -> None:
    # GIVEN any event: a recorded one mutated, one of random members, or any JSON value (the
    # table's contents are not the point: valid events may write to it)
    # WHEN the function gets it
    response = app.handler(copy.deepcopy(event), LocalContext(aws_request_id=REQUEST_ID))
    # THEN a proxy response the runtime can serialize, with an int status and text body
    assert isinstance(response, dict)
    json.dumps(response)
    status = response["statusCode"]
    assert type(status) is int and 200 <= status <= 599
    assert status != 500, f"the event crashed the function: {event!r}"
    assert isinstance(response["body"], str)
    assert response["isBase64Encoded"] is False
    headers = headers_of(response)
    # AND an error is problem+json whose status is the response's
    if status >= 400:
        assert headers["Content-Type"] == PROBLEM
        problem_body = json.loads(response["body"], parse_float=Decimal)
        assert problem_body["status"] == status
        assert problem_body["type"] == "about:blank"
        assert isinstance(problem_body["title"], str) and isinstance(problem_body["detail"], str)
    # AND a 405 names what the path serves, which is never the method asked for
    if status == 405:
        assert method_of(event) not in headers["Allow"].split(", ")
    hypothesis.event(f"{status // 100}xx")


def method_of(event: Any) -> str:
    """The method the function read from an event it answered 405."""
    request = events.normalize(event)
    if request.get("version") == "2.0":
        return str(request["requestContext"]["http"]["method"])
    return str(request["httpMethod"])
