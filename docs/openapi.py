"""The OpenAPI 3.1 document of the API, docs/openapi.json.

Read from the code: the operations (method, path, success status, query parameters, the headers
they read and set, the body each reads) from py_handler/routes.py (docs.code), the limits from
py_handler.paging and rust_core's `RecordCodec`, the record schema from py_handler's default
`ITEM_SCHEMA` (py_handler/schema.json) embedded whole, the problem statuses and their details from
the problem answers in py_handler, and the `keyword`s from the error reference. Which error
statuses each operation can answer is CONTRACT section 3's table (`OPERATIONS` below), checked
against the statuses the code answers.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import rust_core
from docs import reference
from docs.code import Code, Route

OPENAPI = "3.1.0"
PROBLEM_JSON = "application/problem+json"
# `make run`'s local server (python -m py_handler.local's defaults).
LOCAL_SERVER = "http://127.0.0.1:3000"


@dataclass(frozen=True)
class Operation:
    """What the routes' code does not say itself: a summary, what the success body is (a
    component schema, or None), and the error statuses it can answer (CONTRACT section 3)."""

    summary: str
    description: str
    body: str | None
    errors: tuple[int, ...]


OPERATIONS: dict[str, Operation] = {
    "create_item": Operation(
        "Create an item",
        "Stores a new item; an `id` is generated when the body has none (a UUIDv7), or derived "
        "from the `Idempotency-Key` when there is one. An existing `id` is a 409 and nothing is "
        "overwritten; a retry with the same `Idempotency-Key` and record answers the original "
        "201 and writes nothing.",
        "Item",
        (400, 409, 413, 415, 422, 500, 503),
    ),
    "list_items": Operation(
        "List items",
        "One page of items (strongly consistent), and the cursor to the next one. A page may "
        "hold fewer than `limit` items to fit Lambda's 6 MB response limit.",
        "ItemPage",
        (400, 500, 503),
    ),
    "get_item": Operation(
        "Read an item", "The item, strongly consistent.", "Item", (404, 500, 503)
    ),
    "write_batch": Operation(
        "Write many items",
        "Every valid record is written once (upserts: existing items are replaced), every "
        "invalid one is reported in `failed` with its errors. A repeated `id` within the batch: "
        "the first valid record is written, each later one fails. Malformed JSON syntax in a "
        "JSON array rejects the whole body (400); an NDJSON line fails alone.",
        "BatchResult",
        (400, 413, 415, 500, 503),
    ),
    "replace_item": Operation(
        "Replace an item",
        "Writes the whole item under the path's id, replacing whatever was there. The body may "
        "repeat the id, not contradict it (400).",
        "Item",
        (400, 404, 413, 415, 422, 500, 503),
    ),
    "delete_item": Operation("Delete an item", "Deletes the item.", None, (404, 500, 503)),
}

# What the query parameters and headers are, by the name the code reads.
QUERY = {
    "limit": "How many items a page holds at most.",
    "cursor": "Where the page starts: a previous page's `next_cursor`, opaque.",
}


def _constant(code: Code, module: str, name: str) -> str:
    (text,) = code.texts(*code.definition(module, name))
    return text


def _header_name(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


def _template(path: str) -> str:
    """Powertools' `/items/<item_id>` as OpenAPI's `/items/{item_id}`."""
    return re.sub(r"<(\w+)>", r"{\1}", path)


def _settings() -> Any:
    return importlib.import_module("py_handler.settings").Settings()


def codec() -> rust_core.RecordCodec:
    """A codec as the function makes it by default (for its default limits)."""
    settings = _settings()
    return rust_core.RecordCodec(settings.item_schema.read_bytes(), key=settings.key_name)


def document(code: Code) -> dict[str, Any]:
    routes = code.routes()
    names = {route.function for route in routes}
    if names != set(OPERATIONS):
        undocumented, gone = sorted(names - set(OPERATIONS)), sorted(set(OPERATIONS) - names)
        raise LookupError(
            f"routes without an entry in docs/openapi.py OPERATIONS: {undocumented}; "
            f"entries without a route: {gone}"
        )
    problems = code.problems()
    answered = {p.status.value for p in problems}
    listed = {status for op in OPERATIONS.values() for status in op.errors}
    # 405 answers a method a path does not serve: no operation's.
    if listed - answered or answered - listed - {405}:
        raise LookupError(
            f"OPERATIONS lists statuses the code never answers: {sorted(listed - answered)}; "
            f"the code answers statuses no operation lists: {sorted(answered - listed - {405})}"
        )
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        path = _template(route.path)
        item = paths.setdefault(path, {})
        for name in re.findall(r"{(\w+)}", path):
            item["parameters"] = [{"$ref": f"#/components/parameters/{name}"}]
        item[route.method.lower()] = operation(code, route)
    return {
        "openapi": OPENAPI,
        "info": info(code),
        "servers": [{"url": LOCAL_SERVER, "description": "`make run`: the local server"}],
        "paths": paths,
        "components": components(code),
    }


def info(code: Code) -> dict[str, Any]:
    return {
        "title": "Items API",
        "version": rust_core.__version__,
        "summary": "One resource, items in a DynamoDB table, behind API Gateway and Lambda.",
        "description": (
            "Generated by `python -m docs.generate` (`make docs`) from py_handler's routes and "
            "rust_core; do not edit. Every error is `application/problem+json` (RFC 9457); "
            "docs/errors.md lists every `keyword` of its `errors` and every `detail`. A method a "
            "path does not serve is a 405 with `Allow`; a path that is no resource is a 404. "
            "Requests are authorized by API Gateway as the template's `Auth` parameter chooses "
            "(`AWS_IAM`, SigV4-signed, by default; `JWT`; or `NONE`)."
        ),
        "license": {"name": "MIT", "identifier": "MIT"},
    }


def operation(code: Code, route: Route) -> dict[str, Any]:
    op = OPERATIONS[route.function]
    success = code.success_status(route)
    parameters: list[dict[str, Any]] = [
        {"$ref": f"#/components/parameters/{name}"} for name in code.query_parameters(route)
    ]
    if code.calls(route.node, "record_id"):
        parameters.append({"$ref": "#/components/parameters/Idempotency-Key"})
    response: dict[str, Any] = {"description": success.phrase}
    if op.body is not None:
        response["content"] = {
            _constant(code, "routes", "JSON"): {
                "schema": {"$ref": f"#/components/schemas/{op.body}"}
            }
        }
    headers = code.response_headers(route)
    if headers:
        response["headers"] = {name: {"$ref": f"#/components/headers/{name}"} for name in headers}
    result: dict[str, Any] = {
        "operationId": _camel(route.function),
        "summary": op.summary,
        "description": op.description,
    }
    if parameters:
        result["parameters"] = parameters
    body = request_body(code, route)
    if body is not None:
        result["requestBody"] = body
    responses: dict[str, Any] = {str(success.value): response}
    for status in op.errors:
        responses[str(status)] = {"$ref": f"#/components/responses/{_problem_name(status)}"}
    result["responses"] = responses
    return result


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def request_body(code: Code, route: Route) -> dict[str, Any] | None:
    json_type = _constant(code, "routes", "JSON")
    record = {"$ref": "#/components/schemas/Record"}
    limits = codec()
    if code.calls(route.node, "_json_body"):
        return {
            "required": True,
            "description": (
                f"One record, a JSON object (`{json_type}` or any `+json` type; a missing "
                f"`Content-Type` is read as JSON), at most {limits.max_body_bytes} bytes."
            ),
            "content": {json_type: {"schema": record}},
        }
    if code.calls(route.node, "_batch_format"):
        ndjson = _constant(code, "routes", "NDJSON")
        return {
            "required": True,
            "description": (
                f"Up to {limits.max_batch_records} records in at most "
                f"{limits.max_batch_body_bytes} bytes: a JSON array of objects, or NDJSON "
                f"(`{ndjson}`: one record a line, blank lines skipped)."
            ),
            "content": {
                json_type: {
                    "schema": {
                        "type": "array",
                        "items": record,
                        "maxItems": limits.max_batch_records,
                    }
                },
                ndjson: {"schema": {"type": "string", "description": "One JSON object a line."}},
            },
        }
    return None


def _problem_name(status: int) -> str:
    return "".join(part.capitalize() for part in HTTPStatus(status).name.split("_"))


def components(code: Code) -> dict[str, Any]:
    settings = _settings()
    key = settings.key_name
    max_key_bytes = int(_constant(code, "paths", "MAX_KEY_BYTES"))
    record = json.loads(settings.item_schema.read_text(encoding="utf-8"))
    schemas: dict[str, Any] = {
        "Record": record,
        "Item": {
            "description": f"A stored item: the record with its key, `{key}`.",
            "allOf": [
                {"$ref": "#/components/schemas/Record"},
                {
                    "type": "object",
                    "required": [key],
                    "properties": {key: {"type": "string", "minLength": 1}},
                },
            ],
        },
        "ItemPage": {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                "next_cursor": {
                    "type": ["string", "null"],
                    "description": "The `cursor` of the next page; null after the last one.",
                },
            },
        },
        "BatchResult": {
            "type": "object",
            "required": ["written", "failed"],
            "properties": {
                "written": {"type": "integer", "minimum": 0},
                "failed": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["index", "errors"],
                        "properties": {
                            "index": {
                                "type": "integer",
                                "minimum": 0,
                                "description": "The record's place, from 0 (NDJSON: blank "
                                "lines are not counted).",
                            },
                            "line": {
                                "type": "integer",
                                "minimum": 1,
                                "description": "NDJSON only: the record's line, from 1.",
                            },
                            "errors": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/ErrorEntry"},
                            },
                        },
                    },
                },
            },
        },
        "ErrorEntry": {
            "type": "object",
            "required": ["path", "message", "keyword"],
            "properties": {
                "path": {
                    "type": "string",
                    "description": "An RFC 6901 JSON Pointer into the record (empty: the record).",
                },
                "message": {"type": "string"},
                "keyword": {
                    "type": "string",
                    "description": "A stable code: docs/errors.md lists each one.",
                    "enum": sorted(reference.every_keyword(code)),
                },
            },
        },
        "Problem": {
            "type": "object",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string", "format": "uri-reference"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/ErrorEntry"},
                    "description": "What the record breaks (422, 413).",
                },
                "request_id": {
                    "type": ["string", "null"],
                    "description": "500 only: the Lambda request id, for the logs.",
                },
            },
        },
    }
    paging = {name: int(_constant(code, "paging", name)) for name in ("DEFAULT_LIMIT", "MAX_LIMIT")}
    parameters: dict[str, Any] = {
        "item_id": {
            "name": "item_id",
            "in": "path",
            "required": True,
            "description": (
                f"The item's `{key}`, percent-encoded: any text of 1 to {max_key_bytes} bytes in "
                "UTF-8 (`/` included: everything after `/items/` is the id), as a `Location` "
                "gives it. One no key can be is a 404."
            ),
            "schema": {"type": "string", "minLength": 1},
        },
        "limit": {
            "name": "limit",
            "in": "query",
            "description": QUERY["limit"],
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": paging["MAX_LIMIT"],
                "default": paging["DEFAULT_LIMIT"],
            },
        },
        "cursor": {
            "name": "cursor",
            "in": "query",
            "description": QUERY["cursor"],
            "schema": {"type": "string"},
        },
        "Idempotency-Key": {
            "name": _header_name(_constant(code, "idempotency", "HEADER")),
            "in": "header",
            "description": (
                "Makes a retried create safe: a record without an `id` gets one derived from the "
                "key and the caller. One string of 1 to "
                f"{_constant(code, 'idempotency', 'MAX_KEY_LENGTH')} printable ASCII characters, "
                'quoted ("...") or bare.'
            ),
            "schema": {"type": "string", "minLength": 1},
        },
    }
    for route in code.routes():
        for name in code.query_parameters(route):
            if name not in parameters:
                raise LookupError(f"query parameter {name!r} has no description in docs/openapi.py")
    headers = {
        "Location": {
            "description": "The new item's path, `/items/{id}` with the id percent-encoded.",
            "schema": {"type": "string"},
        },
        _constant(code, "idempotency", "REPLAYED_HEADER"): {
            "description": "`true` when an earlier request with the same `Idempotency-Key` made "
            "the item: this one wrote nothing.",
            "schema": {"type": "string", "enum": ["true"]},
        },
        "Allow": {"description": "The methods the path serves.", "schema": {"type": "string"}},
        "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}},
    }
    for route in code.routes():
        for name in code.response_headers(route):
            if name not in headers:
                raise LookupError(f"response header {name!r} has no description in docs/openapi.py")
    return {
        "schemas": schemas,
        "parameters": parameters,
        "headers": headers,
        "responses": problem_responses(code),
    }


def problem_responses(code: Code) -> dict[str, Any]:
    by_status: dict[int, list[str]] = {}
    headers: dict[int, list[str]] = {}
    for problem in sorted(code.problems(), key=lambda p: p.status.value):
        details = by_status.setdefault(problem.status.value, [])
        details.extend(d for d in problem.details if d not in details)
        names = headers.setdefault(problem.status.value, [])
        names.extend(h for h in problem.headers if h not in names)
    responses = {}
    for status, details in by_status.items():
        response: dict[str, Any] = {
            "description": f"{reference.title(status)}: " + " / ".join(details),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        if headers[status]:
            response["headers"] = {
                h: {"$ref": f"#/components/headers/{h}"} for h in headers[status]
            }
        responses[_problem_name(status)] = response
    return responses
