"""API Gateway events as the resolvers can read them, whatever arrived.

Powertools reads an event's fields as API Gateway documents them and fails on anything else (a
missing method, null headers, a string where a boolean belongs) with an exception that would
escape the function. `normalize` returns a copy in which every field the function reads has its
documented type, or raises `MalformedEvent` for an event no request could have produced, which
the function answers with a 400. HTTP APIs (payload format 2.0) and REST APIs (1.0) alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# RFC 9110's token: what a method can be.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


class MalformedEvent(Exception):
    """An event the function cannot read as a request; `detail` says which part, no value."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def normalize(event: object) -> dict[str, Any]:
    if not isinstance(event, Mapping):
        raise MalformedEvent("The event is not an object.")
    context = event.get("requestContext")
    context = dict(context) if isinstance(context, Mapping) else {}
    http = context.get("http")
    if event.get("version") == "2.0" or ("httpMethod" not in event and isinstance(http, Mapping)):
        return _http_api(event, context)
    return _rest_api(event, context)


def _http_api(event: Mapping[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    http = dict(context["http"]) if isinstance(context.get("http"), Mapping) else {}
    method = _method(http.get("method"))
    path = event.get("rawPath")
    if not isinstance(path, str):  # absent or null: the same path, as the request context has it
        path = http.get("path")
    if not isinstance(path, str):
        raise MalformedEvent("The event has no path.")
    http.update(method=method, path=path)
    context["http"] = http
    # Read unconditionally by the resolver (the stage, to strip it from the path).
    context["stage"] = _text(context.get("stage")) or "$default"
    normalized = {
        **event,
        "version": "2.0",
        "rawPath": path,
        "rawQueryString": _text(event.get("rawQueryString")),
        # HTTP APIs send header names in lower case; one that is not stays unreadable otherwise.
        "headers": {name.lower(): value for name, value in _strings(event.get("headers")).items()},
        "queryStringParameters": _strings(event.get("queryStringParameters")) or None,
        "pathParameters": _strings(event.get("pathParameters")) or None,
        "cookies": [c for c in _list(event.get("cookies")) if isinstance(c, str)],
        "requestContext": context,
    }
    return _with_body(normalized, event)


def _rest_api(event: Mapping[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    method = _method(event.get("httpMethod"))
    path = event.get("path")
    if not isinstance(path, str):
        raise MalformedEvent("The event has no path.")
    sent_headers = _strings(event.get("headers"))
    multi_headers = _string_lists(event.get("multiValueHeaders"))
    headers = _rest_headers(sent_headers, multi_headers)
    multi_queries = _string_lists(event.get("multiValueQueryStringParameters"))
    queries = _rest_queries(_strings(event.get("queryStringParameters")), multi_queries)
    context.update(
        httpMethod=method,
        path=_text(context.get("path")) or path,
        stage=_text(context.get("stage")),  # read by the resolver, to strip it from the path
    )
    normalized = {
        **event,
        "httpMethod": method,
        "path": path,
        "headers": headers,
        "multiValueHeaders": multi_headers or {k: [v] for k, v in sent_headers.items()},
        "queryStringParameters": queries or None,
        "multiValueQueryStringParameters": multi_queries or None,
        "pathParameters": _strings(event.get("pathParameters")) or None,
        "stageVariables": _strings(event.get("stageVariables")) or None,
        "requestContext": context,
    }
    return _with_body(normalized, event)


# A REST API (payload 1.0) puts the last value of a header or query parameter sent more than once
# in `headers` / `queryStringParameters`, all of them in the multiValue... fields; an HTTP API
# (2.0) gives all of them, joined with commas. The function reads both alike, as 2.0 does: a
# Content-Type sent twice is not one media type, a `limit` sent twice not one integer.


def _rest_headers(headers: dict[str, str], multi: dict[str, list[str]]) -> dict[str, str]:
    """The request's headers: `headers` says what each is, except that a header sent more than
    once (several values in `multiValueHeaders`, or two spellings of its name in either field)
    is all of its values; one in `multiValueHeaders` alone is still a header of the request."""
    names = {name.lower() for name in headers}
    multi_names = {name.lower() for name in multi}
    if len(names) < len(headers) or len(multi_names) < len(multi):
        return _joined_headers(headers, multi)
    for name, values in multi.items():
        if len(values) > 1:
            return _joined_headers(headers, multi)
        if values and name.lower() not in names:
            headers[name] = values[0]
    return headers


def _joined_headers(headers: dict[str, str], multi: dict[str, list[str]]) -> dict[str, str]:
    """`_rest_headers` for a request that sent some header more than once, by lower-case name."""
    every: dict[str, list[str]] = {}  # each header's values as multiValueHeaders has them
    for name, values in multi.items():
        every.setdefault(name.lower(), []).extend(values)
    last: dict[str, list[str]] = {}  # ... and as headers has them (several: several spellings)
    for name, value in headers.items():
        last.setdefault(name.lower(), []).append(value)
    joined = {}
    for name in {**last, **every}:
        values = every.get(name, [])
        if len(values) < 2:
            values = last.get(name) or values
        if values:
            joined[name] = ",".join(values)
    return joined


def _rest_queries(queries: dict[str, str], multi: dict[str, list[str]]) -> dict[str, str]:
    """The query's parameters: `queryStringParameters` says what each is, except that one sent
    more than once is all of its values; one in the multi-value field alone is still one."""
    for name, values in multi.items():
        if len(values) > 1:
            queries[name] = ",".join(values)
        elif values and name not in queries:
            queries[name] = values[0]
    return queries


def _with_body(normalized: dict[str, Any], event: Mapping[str, Any]) -> dict[str, Any]:
    body = event.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedEvent("The event's body is not text.")
    encoded = event.get("isBase64Encoded", False)
    if encoded is None:
        encoded = False
    if not isinstance(encoded, bool):
        raise MalformedEvent("The event's isBase64Encoded is not a boolean.")
    normalized.update(body=body, isBase64Encoded=encoded)
    return normalized


def _method(value: object) -> str:
    if not (isinstance(value, str) and _TOKEN.fullmatch(value)):
        raise MalformedEvent("The event has no HTTP method.")
    return value.upper()


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: object) -> dict[str, str]:
    """A mapping of strings to strings: anything else in it is left out."""
    if not isinstance(value, Mapping):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def _string_lists(value: object) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        return {}
    return {
        k: [item for item in v if isinstance(item, str)]
        for k, v in value.items()
        if isinstance(k, str) and isinstance(v, list)
    }
