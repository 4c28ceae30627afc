"""What hostile requests are made of, and what the function must answer them.

Events come from tests/support.py's builders (a client's request, as API Gateway hands it over),
replies are compared with its `problem`, `invalid` and `error` and the replies it names
(`BODY_TOO_LARGE`, `NO_ITEM`, ...). Large bodies are module constants: built once per session,
whichever tests use them.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from tests.support import JSON, Body, error, http_api_event, invalid, rest_api_event

# The project's target: every documented rejection well under 100 ms of CPU (the handler's
# process time, rayon's worker threads included).
CPU_BUDGET_MS = 100.0
# How many times a request with a heavy body (megabytes, thousands of records) is sent to
# measure its CPU time: the least is kept (process time on a shared machine is noisy)
HEAVY = 3

# A string no request, reply or log line has unless it came from a hostile request: put in
# values, keys, headers, queries and paths, it must come out in no log line and no error body.
CANARY = "Zq7HostileCanary"
# The credentials the function runs with in this suite: distinctive, so that a log line or a
# reply that carried them would be seen. The local DynamoDB takes any credentials.
ACCESS_KEY_ID = "ASIAHOSTILEKEYCANARY"
SECRET_ACCESS_KEY = "hostileSecretKeyCanary/9fT2xLq8Rw4Vb6Nz1Kp3Hd5Mc7"
SESSION_TOKEN = "hostileSessionTokenCanary//IQoJb3JpZ2luX2VjEHostile0Token7Canary"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
    "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
    "AWS_SESSION_TOKEN": SESSION_TOKEN,
}

# -- Replies -------------------------------------------------------------------------------------

MAX_BODY_BYTES = 1_048_576  # one record (1 MiB)
MAX_BATCH_BODY_BYTES = 6_291_456  # a batch: Lambda's 6 MB synchronous payload limit
MAX_RECORDS = 10_000
MAX_ITEM_BYTES = 409_600
MAX_KEY_BYTES = 2048

PRECISION = "Number has more than 38 significant digits, DynamoDB's limit"
RANGE = (
    "Number outside DynamoDB's range "
    "(1E-130 to 9.9999999999999999999999999999999999999E+125 in magnitude, or zero)"
)
NESTING = "Nesting deeper than 32 levels, DynamoDB's limit"
DUPLICATE_KEY = "Duplicate key in object"
# A record posted only to see how its body is read: read as JSON, it is a 422 that writes
# nothing; not read as JSON, something else.
KEY_TYPE_BODY = '{"id": 7}'
KEY_TYPE = invalid(error("/id", "The key attribute must be a string", "key_type"))


def too_many_errors(more: int) -> dict[str, str]:
    """The entry that closes an `errors` list cut at 100."""
    noun = "error" if more == 1 else "errors"
    message = f"{more} more {noun} not listed; fix the listed ones first"
    return error("", message, "too_many_errors")


# Error text one batch reply carries at most (rust_core's REPORT_BUDGET): past it, errors are
# counted, not listed, so that no reply can pass Lambda's 6 MB response limit
REPORT_BUDGET = 1 << 20


def wire_len(text: str) -> int:
    """The bytes `text` takes at worst in a Lambda response (escaped twice: a JSON string in a
    body that is a JSON string), as rust_core counts them against REPORT_BUDGET."""
    size = 0
    for char in text:
        if char in '"\\':
            size += 4
        elif " " <= char <= "~":
            size += 1
        elif char <= "\uffff":
            size += 7
        else:
            size += 14
    return size


def reported(errors_per_record: list[list[dict[str, str]]]) -> list[list[dict[str, str]]]:
    """The `errors` of each failed record of one batch reply, given all that each breaks: at
    most 100 listed per record, the first ones of the batch while REPORT_BUDGET lasts, then
    one entry saying how many more."""
    budget = REPORT_BUDGET
    lists = []
    for errors in errors_per_record:
        kept = []
        for entry in errors[:100]:
            size = 64 + sum(wire_len(entry[part]) for part in ("path", "message", "keyword"))
            if size > budget:
                budget = 0
                break
            budget -= size
            kept.append(entry)
        more = len(errors) - len(kept)
        lists.append(kept + ([too_many_errors(more)] if more else []))
    return lists


def numerically(value: Any) -> Any:
    """A reply's or an item's JSON with every number as a Decimal: DynamoDB may write a number
    another way (1.50 as 1.5, 1E+2 as 100)."""
    return json.loads(value if isinstance(value, str) else json.dumps(value), parse_float=Decimal)


def stored_numbers(item: dict[str, Any]) -> dict[str, Any]:
    """An item in AttributeValue form with its numbers as Decimals."""
    return {
        name: Decimal(value["N"]) if set(value) == {"N"} else value for name, value in item.items()
    }


# -- Events --------------------------------------------------------------------------------------


def http_event(
    method: str, target: str, body: Body = None, content_type: str | None = JSON
) -> dict[str, Any]:
    """An HTTP API (2.0) event as tests/handler builds one, except that a percent-encoded byte
    that is not UTF-8 reaches `rawPath` as a lone surrogate (a `\\udcXX` escape in the event),
    never as U+FFFD: no id can have it, and it cannot alias an id that can."""
    event = http_api_event(method, target, body, content_type)
    path = unquote(target.partition("?")[0], errors="surrogateescape")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    return event


def rest_event(
    method: str, target: str, body: Body = None, content_type: str | None = JSON
) -> dict[str, Any]:
    """A REST API (1.0) event: the path as sent, percent-encoded."""
    return rest_api_event(method, target, body, content_type)


FORMATS = [http_event, rest_event]
FORMAT_IDS = ["http-api", "rest-api"]
# Where a body goes when the body is the point: each write once, each with one payload format
# (how the events carry a body is alike; tests/hostile/test_headers.py varies the rest)
BODY_WRITES = [("POST", "/items", http_event), ("PUT", "/items/kept", rest_event)]
BODY_WRITE_IDS = ["post-http-api", "put-rest-api"]
# A batch as a JSON array or as NDJSON, each with one payload format
BATCH_FORMATS = [(False, http_event), (True, rest_event)]
BATCH_FORMAT_IDS = ["json-array-http-api", "ndjson-rest-api"]


def set_header(event: dict[str, Any], name: str, *values: str) -> dict[str, Any]:
    """The event with header `name` as a client would send it `values` times: an HTTP API joins
    the values with commas under the lower-case name; a REST API keeps the last in `headers`
    and all of them in `multiValueHeaders`, under the name as sent."""
    if event.get("version") == "2.0":
        event["headers"][name.lower()] = ",".join(values)
    else:
        for existing in [key for key in event["headers"] if key.lower() == name.lower()]:
            del event["headers"][existing]
            event["multiValueHeaders"].pop(existing, None)
        event["headers"][name] = values[-1]
        event["multiValueHeaders"][name] = list(values)
    return event


def drop_header(event: dict[str, Any], name: str) -> dict[str, Any]:
    for headers in (event["headers"], event.get("multiValueHeaders") or {}):
        for existing in [key for key in headers if key.lower() == name.lower()]:
            del headers[existing]
    return event


# -- Bodies, built once ---------------------------------------------------------------------------

MILLION = 1_000_000


def record_with(value: str, name: str = "n") -> str:
    """A record with one member whose JSON text is `value`, as is."""
    return f'{{"{name}": {value}}}'


def padded(record: dict[str, Any], size: int, *, batch: bool = False) -> str:
    """`record` (in a one-record array if `batch`) as JSON of exactly `size` characters, spaces
    before the last bracket making up the size."""
    text = json.dumps([record] if batch else record)
    return text[:-1] + " " * (size - len(text)) + text[-1]
