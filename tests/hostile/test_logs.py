"""Log safety (issue 12, part 7): whatever a request holds, the function's logs never carry its
values (a canary string put in bodies, keys, headers, queries and paths never shows up), nor the
credentials it signs with; each log record stays one line of JSON (newlines, control characters,
NUL, U+2028 and bytes that are not UTF-8 in the request included); and error bodies never echo
the request (but for the JSON Pointer of a violation, which names a member as the contract
says). Requests that end in 500s and 503s, and batches with records left unwritten, are made by
a DynamoDB that fails on purpose (tests/faults/proxy.py), whose error messages quote the request
as DynamoDB's may."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest

from py_handler.local import LocalContext
from tests.faults.conftest import store_at
from tests.faults.proxy import THROTTLED, Call, Fault, FaultProxy, fault_proxy
from tests.support import JSON, NDJSON, REQUEST_ID, EventFactory, Reply, order

from .support import CANARY, CREDENTIALS, http_event, set_header

if TYPE_CHECKING:
    from _pytest.capture import CaptureResult

    from tests.conftest import Table

    from .conftest import Api, Logs

# What the hostile values carry besides the canary: line breaks of every kind, controls, NUL
NASTY = "\n\r\x00\x1b\x7f\u2028\u2029\u0085"
SECRETS = list(CREDENTIALS.values())


def canary_order(**changes: Any) -> dict[str, Any]:
    return order(notes=f"{CANARY}{NASTY}", **changes)


def bad_key_record() -> str:
    return json.dumps({**order(), f"{CANARY}{NASTY}": f"{CANARY}{NASTY}"})


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def malformed_event(method: object) -> dict[str, Any]:
    event = http_event("GET", "/items/x")
    event["requestContext"]["http"]["method"] = method
    return event


def with_request_id(value: str, event: dict[str, Any]) -> dict[str, Any]:
    """The event with API Gateway's request id (the logs' correlation id) set to `value`."""
    event["requestContext"]["requestId"] = value
    return event


# Hostile requests with the canary in every place a request can hold it, each answered without
# DynamoDB failing: (the event, the status it gets)
HOSTILE: dict[str, Callable[[EventFactory], tuple[Any, int]]] = {
    "malformed-body": lambda make: (
        make("POST", "/items", '{"notes": "' + CANARY + NASTY + "\\x"),
        400,
    ),
    "repeated-key": lambda make: (make("POST", "/items", f'{{"{CANARY}": 1, "{CANARY}": 2}}'), 400),
    "schema-violation-values": lambda make: (
        make("PUT", "/items/x", json.dumps(order(currency=CANARY + NASTY))),
        422,
    ),
    "schema-violation-key": lambda make: (make("POST", "/items", bad_key_record()), 422),
    "invalid-utf8-around-canary": lambda make: (
        make("POST", "/items", b'{"a": "' + CANARY.encode() + b'\xff\xed\xa0\x80\n"}'),
        400,
    ),
    "lone-surrogates-in-text-body": lambda make: (
        make("POST", "/items", '{"a": "' + CANARY + '\udcff\ud800"}'),
        400,
    ),
    "body-over-the-limit": lambda make: (make("POST", "/items", CANARY * 70_000), 413),
    "content-type": lambda make: (make("POST", "/items", "{}", f"text/{CANARY}{NASTY}"), 415),
    "content-encoding": lambda make: (
        set_header(make("POST", "/items", "{}"), "Content-Encoding", CANARY + NASTY),
        415,
    ),
    "header-name-and-value": lambda make: (
        set_header(make("GET", "/items/absent"), f"X-{CANARY}", f"{CANARY}{NASTY}\udcff"),
        404,
    ),
    "idempotency-key": lambda make: (
        set_header(make("POST", "/items", "{}"), "Idempotency-Key", CANARY + NASTY),
        400,
    ),
    "limit": lambda make: (make("GET", f"/items?limit={CANARY}%0A%00%E2%80%A8%FF"), 400),
    "cursor": lambda make: (make("GET", f"/items?cursor={cursor_of(CANARY + NASTY)}"), 400),
    "unknown-query-parameter": lambda make: (make("GET", f"/items?{CANARY}={CANARY}%0A%FF"), 200),
    "path": lambda make: (make("GET", f"/items/{CANARY}%0A%0D%00%E2%80%A8"), 404),
    "path-not-utf8": lambda make: (make("DELETE", f"/items/{CANARY}%FF%C3"), 404),
    "path-over-the-key-limit": lambda make: (make("GET", "/items/" + CANARY * 200), 404),
    "path-no-resource": lambda make: (make("GET", f"/{CANARY}%0A"), 404),
    "method-not-allowed": lambda make: (make("PATCH", f"/items/{CANARY}"), 405),
    "batch": lambda make: (
        make(
            "POST",
            "/items/batch",
            "\n".join(
                [
                    bad_key_record(),
                    '{"id": "' + CANARY + '", "notes": ',
                    json.dumps({"id": CANARY + NASTY, "n": 1e300}),
                ]
            ),
            NDJSON,
        ),
        200,
    ),
    "batch-malformed": lambda make: (
        make("POST", "/items/batch", f'[{{"{CANARY}": "{CANARY}\\q"}}]', JSON),
        400,
    ),
    "created": lambda make: (make("POST", "/items", json.dumps(canary_order())), 201),
}


def check_logs(logs: Logs, captured: CaptureResult[str]) -> list[dict[str, Any]]:
    """Every log line one JSON object; no canary and no secret in the logs, the library records,
    or anything else written to stdout and stderr (the metrics, a logging error). Returns the
    records."""
    records = []
    for line in logs.lines():
        record = json.loads(line)
        assert isinstance(record, dict), line
        records.append(record)
    everything = "\n".join([logs.text(), *logs.libraries, captured.out, captured.err])
    assert CANARY.lower() not in everything.lower()
    for secret in SECRETS:
        assert secret not in everything
    assert "Logging error" not in captured.err
    return records


def check_body(reply: Reply) -> None:
    """An error body (a problem, or a batch's failed records) never echoes the request, a
    violation's JSON Pointer aside; no body carries a secret. (A stored item is sent back as
    it is: that is no error body.)"""
    for secret in SECRETS:
        assert secret not in reply.body
    body = json.loads(reply.body) if reply.body else {}
    if reply.status < 400 and "failed" not in body:
        return
    errors = [*body.get("errors", []), *(e for f in body.get("failed", []) for e in f["errors"])]
    for entry in errors:
        entry.pop("path")
    assert CANARY.lower() not in json.dumps(body, ensure_ascii=False).lower()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_request_leaves_no_trace_in_the_logs(
    api: Api,
    table: Table,
    logs: Logs,
    capsys: pytest.CaptureFixture[str],
    make_event: EventFactory,
    name: str,
) -> None:
    # GIVEN a request with the canary (and line breaks, controls, NUL, bad bytes) in one place
    event, status = HOSTILE[name](make_event)
    # WHEN the function answers it
    reply = api.send(event)
    # THEN its answer is the usual one, the logs are JSON lines without the canary or the
    # credentials, and an error body does not echo the request; only a valid order is written
    assert reply.status == status
    check_logs(logs, capsys.readouterr())
    check_body(reply)
    assert len(table.items()) == (1 if name == "created" else 0)


@pytest.mark.parametrize(
    "event",
    [
        {"canary": CANARY},
        [CANARY, NASTY],
        CANARY + NASTY,
        malformed_event(CANARY + NASTY),
        malformed_event(None),
        {**http_event("GET", "/items/x"), "body": {"canary": CANARY}},
        {**http_event("GET", "/items/x"), "isBase64Encoded": CANARY},
    ],
    ids=[
        "object",
        "list",
        "string",
        "method-not-a-token",
        "no-method",
        "body-not-text",
        "base64-flag-not-boolean",
    ],
)
def test_a_malformed_event_is_logged_without_its_content(
    api: Api, table: Table, logs: Logs, capsys: pytest.CaptureFixture[str], event: Any
) -> None:
    # GIVEN an event no API Gateway request makes, holding the canary
    # WHEN the function gets it
    reply = api.send(event)
    # THEN a 400 and one warning line, naming the part of the event, not its content
    assert reply.status == 400
    records = check_logs(logs, capsys.readouterr())
    assert [(r["level"], r["message"]) for r in records] == [("WARNING", "Malformed event")]
    check_body(reply)
    assert table.items() == {}


# -- DynamoDB failing ------------------------------------------------------------------------------


@pytest.fixture
def proxy(
    app: ModuleType, dynamodb_endpoint: str, dynamodb_client: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FaultProxy]:
    """A fault proxy in front of the local DynamoDB, the function's store (of each client)
    sending through it with short timeouts, retry waits not slept."""
    from py_handler import routes

    with fault_proxy(dynamodb_endpoint) as running:
        store = store_at(running.url, routes.store.table_name, dynamodb_client)
        monkeypatch.setattr(routes, "store", store)
        writer = routes.batch_writer(store)
        writer.sleep = lambda seconds: None
        monkeypatch.setattr(routes, "writer", writer)
        if dynamodb_client == "direct":
            monkeypatch.setattr(store, "sleep", lambda seconds: None)
        else:
            import botocore.endpoint

            monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=lambda s: None))
        yield running


def short_lived() -> LocalContext:
    """An invocation with 2.5 s to run: retries stop within a second (each call is given 0.75 s,
    the reply 1 s)."""
    return LocalContext(aws_request_id=REQUEST_ID, timeout_seconds=2.5)


def quoting(error: str, status: int, **changes: Any) -> Callable[[Call], Fault]:
    """A plan: every call answered `error`, its message quoting the ids the call names (as a
    DynamoDB message may quote the request)."""

    def plan(call: Call) -> Fault:
        message = f"Cannot process the item {CANARY} {call.ids!r} {NASTY}"
        return Fault(error=error, status=status, message=message, **changes)

    return plan


WRITE_CANARY = json.dumps(canary_order(id=CANARY + NASTY))
FAILING: dict[str, Callable[[EventFactory], Any]] = {
    "post": lambda make: make("POST", "/items", WRITE_CANARY),
    "put": lambda make: make("PUT", f"/items/{CANARY}%0A%E2%80%A8", json.dumps(canary_order())),
    "get": lambda make: make("GET", f"/items/{CANARY}%0A%00"),
    "delete": lambda make: make("DELETE", f"/items/{CANARY}%0D"),
    "list": lambda make: make("GET", f"/items?limit=5&{CANARY}=%0A"),
    "batch": lambda make: make(
        "POST",
        "/items/batch",
        "\n".join(json.dumps(canary_order(id=f"{CANARY}-{n}{NASTY}")) for n in range(3)),
        NDJSON,
    ),
}
INTERNAL = {
    "type": "about:blank",
    "title": "Internal Server Error",
    "status": 500,
    "detail": "The server failed to handle the request.",
    "request_id": REQUEST_ID,
}
BUSY = {
    "type": "about:blank",
    "title": "Service Unavailable",
    "status": 503,
    "detail": "DynamoDB is busy; retry later.",
}
REFUSED = {
    "type": "about:blank",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "The item breaks the rules listed in errors.",
    "errors": [{"path": "", "message": "DynamoDB refused the item", "keyword": "dynamodb"}],
}
PLANS: dict[str, Callable[[Call], Fault]] = {
    "internal-error": quoting("InternalServerError", 500),
    "throttled": quoting(THROTTLED, 400),
    "validation": quoting("ValidationException", 400),
    "access-denied": quoting("AccessDeniedException", 400),
    "connection-reset": lambda call: Fault(reset="before"),
}


def each_record(message: str, keyword: str) -> dict[str, Any]:
    """The batch reply in which each of FAILING's three records failed so."""
    reason = {"path": "", "message": message, "keyword": keyword}
    failed = [{"index": n, "line": n + 1, "errors": [reason]} for n in range(3)]
    return {"written": 0, "failed": failed}


# The reply to each route when DynamoDB fails so, and the levels of what is logged
OUTCOMES: dict[tuple[str, str], tuple[dict[str, Any], list[str]]] = {
    **{(plan, route): (INTERNAL, ["ERROR"]) for plan in PLANS for route in FAILING},
    **{("throttled", route): (BUSY, ["WARNING"]) for route in FAILING},
    ("validation", "post"): (REFUSED, []),
    ("validation", "put"): (REFUSED, []),
    ("internal-error", "batch"): (
        each_record("DynamoDB failed until the time ran out", "unavailable"),
        ["WARNING"],
    ),
    ("throttled", "batch"): (BUSY, ["WARNING", "WARNING"]),
    ("validation", "batch"): (each_record("DynamoDB refused the item", "dynamodb"), ["WARNING"]),
    ("access-denied", "batch"): (INTERNAL, ["WARNING", "ERROR"]),
    ("connection-reset", "batch"): (
        each_record("DynamoDB did not confirm the write; it may have been written", "unconfirmed"),
        ["WARNING"],
    ),
}


@pytest.mark.parametrize("route", list(FAILING))
@pytest.mark.parametrize("plan", list(PLANS))
def test_a_request_dynamodb_fails_leaves_no_trace_in_the_logs(
    api: Api,
    table: Table,
    proxy: FaultProxy,
    logs: Logs,
    capsys: pytest.CaptureFixture[str],
    http_api: EventFactory,
    route: str,
    plan: str,
) -> None:
    # GIVEN a DynamoDB that fails every call, its error messages quoting the request's canary
    proxy.plan = PLANS[plan]
    # WHEN a request with the canary in its path, body or query is sent
    reply = api.send(FAILING[route](http_api), context=short_lived())
    # THEN the failure is logged as JSON lines without the canary or the credentials, and the
    # answer does not echo the request; nothing is written
    records = check_logs(logs, capsys.readouterr())
    check_body(reply)
    expected, levels = OUTCOMES[plan, route]
    assert (json.loads(reply.body), [record["level"] for record in records]) == (expected, levels)
    assert table.items() == {}


def test_records_left_unwritten_are_logged_without_their_content(
    api: Api,
    table: Table,
    proxy: FaultProxy,
    logs: Logs,
    capsys: pytest.CaptureFixture[str],
    http_api: EventFactory,
) -> None:
    # GIVEN a DynamoDB that leaves every put of a batch unprocessed, every time
    def hold_all(call: Call) -> Fault:
        return Fault(hold=frozenset(call.ids))

    proxy.plan = hold_all
    # WHEN a batch of orders with the canary in ids and values is posted
    reply = api.send(FAILING["batch"](http_api), context=short_lived())
    # THEN 503, and the warnings about records left unwritten name no id and no value: counts
    records = check_logs(logs, capsys.readouterr())
    check_body(reply)
    assert json.loads(reply.body) == BUSY
    assert [(r["message"], r.get("unwritten")) for r in records] == [
        ("Batch records not written", {"throttled": 3}),
        ("DynamoDB kept throttling after retries", None),
    ]
    assert table.items() == {}


def test_a_correlation_id_of_any_shape_keeps_each_record_on_one_line(
    api: Api,
    table: Table,
    proxy: FaultProxy,
    logs: Logs,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN an event whose request id (logged as the correlation id of every record) holds line
    # breaks, controls, NUL and a lone surrogate, and a DynamoDB that fails
    proxy.plan = quoting("InternalServerError", 500)
    event = with_request_id(f"id{NASTY}\udcff", http_event("GET", "/items/x"))
    # WHEN the function answers
    reply = api.send(event, context=short_lived())
    # THEN the error is logged, each record one line of JSON, none lost
    assert json.loads(reply.body) == INTERNAL
    captured = capsys.readouterr()
    records = [json.loads(line) for line in logs.lines()]
    assert [record["level"] for record in records] == ["ERROR"]
    assert "Logging error" not in captured.err
    assert table.items() == {}
