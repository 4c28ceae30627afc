"""The single-record routes (POST /items, PUT, GET and DELETE /items/{id}, GET /items) while
DynamoDB misbehaves on purpose (tests/faults/proxy.py), on both clients: throttling and errors
once or on every call, a connection dropped before or after DynamoDB applied the call, an answer
late, cut short or with a wrong CRC32, expired credentials. Each test checks the status, the
body, what the table holds afterwards, and how many puts reached DynamoDB.

Retries wait as each client's policy says (the direct store's `backoff`, botocore's standard
mode: both draw retry n's wait from [0, 2**n) s), but the fixture `waits` records each wait
asked for and sleeps a twentieth of it: slept in full, they would add over a minute.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from types import ModuleType, SimpleNamespace
from typing import TYPE_CHECKING, Any, Literal

import pytest
from boto3.dynamodb.types import TypeSerializer

from py_handler.local import EXAMPLE_ORDER, LocalContext, Request, http_api_event, response_parts
from tests.support import PROBLEM, REQUEST_ID

from .proxy import PASS, THROTTLED, Call, Fault, FaultProxy

if TYPE_CHECKING:
    from tests.conftest import Table

ORDER: dict[str, Any] = json.loads(EXAMPLE_ORDER)
ID, OTHER = "o-1", "o-2"
# What the backoff waits asked for are slept, scaled: retry n asks for up to 2**n s
SLEEP_SCALE = 0.05
LATE = 0.8  # an answer after the read timeout (0.5 s: tests/faults/conftest.py)


def record(item_id: str, **changes: Any) -> dict[str, Any]:
    return {"id": item_id, **ORDER, **changes}


NEW = record(ID)
OLD = record(ID, notes="written before the PUT")  # what a PUT replaces, another writer's item


def stored(value: dict[str, Any]) -> dict[str, Any]:
    """A record as DynamoDB stores it, by boto3's own serializer."""
    exact = json.loads(json.dumps(value), parse_float=Decimal)
    return {name: TypeSerializer().serialize(member) for name, member in exact.items()}


def problem(status: int, title: str, detail: str, **members: Any) -> dict[str, Any]:
    return {"type": "about:blank", "title": title, "status": status, "detail": detail, **members}


THROTTLED_503 = problem(503, "Service Unavailable", "DynamoDB is busy; retry later.")
INTERNAL_500 = problem(
    500,
    "Internal Server Error",
    "The server failed to handle the request.",
    request_id=REQUEST_ID,
)
NOT_FOUND_404 = problem(404, "Not Found", "No item has this id.")
CONFLICT_409 = problem(409, "Conflict", "An item with this id exists already.")


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None
    operation: str  # the DynamoDB call it makes
    before: dict[str, dict[str, Any]]  # the table before, records by id
    status: int  # its success
    reply: Any  # the body of its success (None: empty)
    after: dict[str, dict[str, Any]]  # the table after its success

    @property
    def puts(self) -> bool:
        return self.operation == "PutItem"


ROUTES = [
    Route("POST", "POST", "/items", NEW, "PutItem", {}, 201, NEW, {ID: NEW}),
    Route("PUT", "PUT", f"/items/{ID}", NEW, "PutItem", {ID: OLD}, 200, NEW, {ID: NEW}),
    Route("GET", "GET", f"/items/{ID}", None, "GetItem", {ID: NEW}, 200, NEW, {ID: NEW}),
    Route("DELETE", "DELETE", f"/items/{ID}", None, "DeleteItem", {ID: NEW}, 204, None, {}),
    Route(
        "LIST",
        "GET",
        "/items?limit=10",
        None,
        "Scan",
        {ID: NEW, OTHER: record(OTHER)},
        200,
        {"items": [NEW, record(OTHER)], "next_cursor": None},
        {ID: NEW, OTHER: record(OTHER)},
    ),
]
BY_NAME = {route.name: route for route in ROUTES}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def body(self) -> Any:
        """The body parsed, numbers exact, a page's items in id order; None when empty."""
        if not self.text:
            return None
        body = json.loads(self.text, parse_float=Decimal)
        if isinstance(body, dict) and isinstance(body.get("items"), list):
            body["items"].sort(key=lambda found: found["id"])
        return body


def call(
    app: ModuleType,
    method: str,
    path: str,
    body: Any = None,
    *,
    timeout: float = 10.0,
    more_headers: tuple[tuple[str, str], ...] = (),
) -> Reply:
    """One request, called as the Lambda runtime would with `timeout` seconds to run."""
    data = b"" if body is None else json.dumps(body).encode()
    headers = [] if body is None else [("Content-Type", "application/json")]
    headers.extend(more_headers)
    event = json.loads(json.dumps(http_api_event(Request(method, path, headers, data))))
    context = LocalContext(aws_request_id=REQUEST_ID, timeout_seconds=timeout)
    response = json.loads(json.dumps(app.handler(event, context)))
    status, pairs, answer = response_parts(response)
    return Reply(status, dict(pairs), answer.decode())


def send(app: ModuleType, route: Route) -> Reply:
    return call(app, route.method, route.path, route.body)


def exact(value: Any) -> Any:
    """A value as `Reply.body` reads it: numbers as Decimals."""
    return json.loads(json.dumps(value), parse_float=Decimal)


@pytest.fixture(params=ROUTES, ids=lambda route: route.name)
def route(request: pytest.FixtureRequest, table: Table) -> Route:
    """Each route in turn, the table holding what it needs."""
    chosen: Route = request.param
    for value in chosen.before.values():
        table.put(stored(value))
    return chosen


@pytest.fixture
def waits(proxy: FaultProxy, dynamodb_client: str, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff waits the function's store asks for, in order; each is slept scaled by
    SLEEP_SCALE. The direct store sleeps through its `sleep`; botocore through
    `botocore.endpoint`'s `time.sleep`, used for nothing else."""
    from py_handler import routes

    asked: list[float] = []

    def sleep(seconds: float) -> None:
        asked.append(seconds)
        time.sleep(seconds * SLEEP_SCALE)

    if dynamodb_client == "direct":
        monkeypatch.setattr(routes.store, "sleep", sleep)
    else:
        import botocore.endpoint

        monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=sleep))
    return asked


class CountingCredentials:
    """The direct store's credentials, counting the refreshes asked for."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.refreshes = 0

    def frozen(self) -> tuple[str, str, str | None]:
        result: tuple[str, str, str | None] = self.inner.frozen()
        return result

    def refresh(self) -> None:
        self.refreshes += 1
        self.inner.refresh()


@pytest.fixture
def credentials(proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The direct store's credentials, wrapped to count refreshes (None with boto3)."""
    from py_handler import routes

    inner = getattr(routes.store, "credentials", None)
    if inner is None:
        yield None
        return
    counting = CountingCredentials(inner)
    monkeypatch.setattr(routes.store, "credentials", counting)
    yield counting


def on_calls(*numbers: int, fault: Fault) -> Any:
    """A plan: `fault` on the calls numbered so, every other call passed."""
    return lambda call: fault if call.number in numbers else PASS


def assert_succeeded(reply: Reply, route: Route) -> None:
    assert (reply.status, reply.body) == (route.status, exact(route.reply))
    if route.name == "POST":
        assert reply.headers["Location"] == f"/items/{ID}"


def assert_problem(reply: Reply, expected: dict[str, Any]) -> None:
    assert (reply.status, reply.body) == (expected["status"], expected)
    assert reply.headers["Content-Type"] == PROBLEM


def assert_table(table: Table, records: dict[str, dict[str, Any]]) -> None:
    assert table.items() == {item_id: stored(value) for item_id, value in records.items()}


def assert_backoff(waits: list[float], retries: int) -> None:
    """`retries` waits, retry n's drawn from [0, 2**n) s: botocore's standard mode, and the
    direct store's STANDARD_BACKOFF."""
    assert len(waits) == retries, waits
    assert all(0 <= wait < 2**n for n, wait in enumerate(waits)), waits


# -- Errors DynamoDB answers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "status"), [(THROTTLED, 400), ("InternalServerError", 500)], ids=["throttled", "500"]
)
def test_an_error_once_is_retried(
    app: ModuleType,
    table: Table,
    proxy: FaultProxy,
    waits: list[float],
    route: Route,
    error: str,
    status: int,
) -> None:
    # GIVEN a DynamoDB that fails the first call (writing nothing)
    proxy.plan = on_calls(1, fault=Fault(error=error, status=status))
    # WHEN the route is called
    reply = send(app, route)
    # THEN the second attempt succeeds, after one backoff, and a put reached DynamoDB once
    assert_succeeded(reply, route)
    assert_table(table, route.after)
    assert proxy.operations() == [route.operation] * 2
    assert proxy.written() == ([ID] if route.puts else [])
    assert_backoff(waits, 1)


@pytest.mark.parametrize(
    ("error", "status", "expected"),
    [(THROTTLED, 400, THROTTLED_503), ("InternalServerError", 500, INTERNAL_500)],
    ids=["throttled-503", "500-500"],
)
def test_an_error_on_every_call_is_answered_after_three_attempts(
    app: ModuleType,
    table: Table,
    proxy: FaultProxy,
    waits: list[float],
    route: Route,
    error: str,
    status: int,
    expected: dict[str, Any],
) -> None:
    # GIVEN a DynamoDB that fails every call
    proxy.plan = lambda call: Fault(error=error, status=status)
    # WHEN the route is called
    reply = send(app, route)
    # THEN after three attempts: 503 with Retry-After when throttled, else a 500 naming only
    # the request; nothing written
    assert_problem(reply, expected)
    if expected is THROTTLED_503:
        assert reply.headers["Retry-After"] == "1"
    else:
        assert "Retry-After" not in reply.headers
    assert_table(table, route.before)
    assert proxy.operations() == [route.operation] * 3
    assert proxy.written() == []
    assert_backoff(waits, 2)


def test_no_retry_starts_past_the_deadline_with_the_direct_client(
    app: ModuleType,
    table: Table,
    proxy: FaultProxy,
    waits: list[float],
    dynamodb_client: str,
) -> None:
    # GIVEN a DynamoDB throttling every call, and an invocation with 1.5 s to run: the second
    # for the reply leaves 0.5 s, less than a call lasts (0.75 s)
    table.put(stored(NEW))
    proxy.plan = lambda call: Fault(error=THROTTLED)
    # WHEN an item is read
    reply = call(app, "GET", f"/items/{ID}", timeout=1.5)
    # THEN 503; the direct client starts no retry that could not end in time, botocore (whose
    # retries the Store interface bounds by their count alone) makes its three attempts
    assert_problem(reply, THROTTLED_503)
    attempts = 1 if dynamodb_client == "direct" else 3
    assert proxy.operations() == ["GetItem"] * attempts
    assert_backoff(waits, attempts - 1)


# -- Connections dropped, answers lost -----------------------------------------------------------


def test_a_connection_dropped_before_the_call_is_retried(
    app: ModuleType, table: Table, proxy: FaultProxy, waits: list[float], route: Route
) -> None:
    # GIVEN a DynamoDB whose first connection closes before the call reaches it
    proxy.plan = on_calls(1, fault=Fault(reset="before"))
    # WHEN the route is called
    reply = send(app, route)
    # THEN the call is sent again (after a backoff: the client cannot tell that it never
    # arrived) and succeeds; a put reached DynamoDB once
    assert_succeeded(reply, route)
    assert_table(table, route.after)
    assert proxy.operations() == [route.operation] * 2
    assert [call.forwarded for call in proxy.calls] == [None, 200]
    assert proxy.written() == ([ID] if route.puts else [])
    assert_backoff(waits, 1)


LOST_ANSWERS = {
    "reset-after": Fault(reset="after"),
    "late": Fault(delay=LATE),
    "bad-crc": Fault(bad_crc=True),
    "truncated": Fault(truncate=True),
}


@pytest.mark.parametrize("fault", LOST_ANSWERS.values(), ids=LOST_ANSWERS.keys())
def test_a_call_applied_whose_answer_is_lost_is_retried(
    app: ModuleType,
    table: Table,
    proxy: FaultProxy,
    waits: list[float],
    route: Route,
    fault: Fault,
) -> None:
    # GIVEN a DynamoDB that applies the first call but whose answer never arrives whole: the
    # connection closes, the answer comes after the read timeout, with a wrong CRC32, or cut
    # short
    proxy.plan = on_calls(1, fault=fault)
    # WHEN the route is called
    reply = send(app, route)
    # THEN the call is sent again, after a backoff
    assert proxy.operations() == [route.operation] * 2
    assert_backoff(waits, 1)
    if route.name == "DELETE":
        # The first DeleteItem deleted the item; the second one's condition
        # (attribute_exists(id)) fails, and both clients answer 404. Nothing tells the function
        # that its own first attempt deleted the item rather than another writer (no item is
        # left to compare, as a create compares ALL_OLD), and no condition, or a 204 for a failed
        # condition after an ambiguous attempt, would answer 204 for an id that was never there.
        assert [call.forwarded for call in proxy.calls] == [200, 400]
        assert_problem(reply, NOT_FOUND_404)
        assert_table(table, {})
        return
    # AND succeeds: a create finds its own item (ALL_OLD) and answers 201, not 409, having
    # written it once; a replace writes the same item twice (an upsert)
    assert_succeeded(reply, route)
    assert_table(table, route.after)
    assert proxy.written() == {"POST": [ID], "PUT": [ID, ID]}.get(route.name, [])


def test_a_write_applied_then_answered_500_is_retried(
    app: ModuleType,
    table: Table,
    proxy: FaultProxy,
    waits: list[float],
    route: Route,
) -> None:
    # GIVEN a DynamoDB that applies the first call, then answers it with a 500: the DynamoDB
    # developer guide's error handling page warns that a write answered 500 may have succeeded
    proxy.plan = on_calls(1, fault=Fault(error="InternalServerError", status=500, forward=True))
    # WHEN the route is called
    reply = send(app, route)
    # THEN the call is sent again, after a backoff
    assert proxy.operations() == [route.operation] * 2
    assert proxy.calls[0].forwarded == 200
    assert_backoff(waits, 1)
    if route.name == "DELETE":  # as in test_a_call_applied_whose_answer_is_lost_is_retried
        assert_problem(reply, NOT_FOUND_404)
        assert_table(table, {})
        return
    # AND succeeds: a create finds its own item and answers 201
    assert_succeeded(reply, route)
    assert_table(table, route.after)
    assert proxy.written() == {"POST": [ID], "PUT": [ID, ID]}.get(route.name, [])


@pytest.mark.parametrize("reset", ["before", "after"])
def test_a_kept_alive_connection_dropped_is_sent_again(
    app: ModuleType,
    table: Table,
    proxy: FaultProxy,
    waits: list[float],
    dynamodb_client: str,
    route: Route,
    reset: Literal["before", "after"],
) -> None:
    # GIVEN a connection kept alive after a first request, then closed by the other end at the
    # next call, before it reaches DynamoDB, or after DynamoDB applied it
    proxy.plan = on_calls(2, fault=Fault(reset=reset))
    warm = call(app, "GET", f"/items/{OTHER}-absent")
    assert warm.status == 404
    # WHEN the route is called
    reply = send(app, route)
    # THEN the call is sent again: the direct client at once (a stale connection, most likely),
    # botocore after a backoff; a create that finds its own item after it answers 201
    assert proxy.operations() == ["GetItem"] + [route.operation] * 2
    assert_backoff(waits, 0 if dynamodb_client == "direct" else 1)
    if route.name == "DELETE" and reset == "after":
        # As in test_a_call_applied_whose_answer_is_lost_is_retried: 404 on both
        assert_problem(reply, NOT_FOUND_404)
        assert_table(table, {})
        return
    assert_succeeded(reply, route)
    assert_table(table, route.after)
    puts = {"POST": [ID], "PUT": [ID] if reset == "before" else [ID, ID]}
    assert proxy.written() == puts.get(route.name, [])


# -- Credentials -----------------------------------------------------------------------------------


def test_expired_credentials_once(
    app: ModuleType,
    table: Table,
    proxy: FaultProxy,
    waits: list[float],
    credentials: CountingCredentials | None,
    dynamodb_client: str,
    route: Route,
) -> None:
    # GIVEN a DynamoDB that calls the credentials of the first call expired
    proxy.plan = on_calls(1, fault=Fault(error="ExpiredTokenException"))
    # WHEN the route is called
    reply = send(app, route)
    if dynamodb_client == "direct":
        # THEN (direct) the credentials are refreshed once and the call sent again at once
        assert credentials is not None
        assert credentials.refreshes == 1
        assert_succeeded(reply, route)
        assert_table(table, route.after)
        assert proxy.operations() == [route.operation] * 2
        assert proxy.written() == ([ID] if route.puts else [])
    else:
        # THEN (boto3) botocore neither retries ExpiredTokenException (not a standard-mode
        # retryable error) nor refreshes the environment's static credentials: the ClientError
        # is a 500, nothing written. (Refreshable credentials, from a role, are refreshed by
        # botocore before they expire, not on this error.)
        assert_problem(reply, INTERNAL_500)
        assert_table(table, route.before)
        assert proxy.operations() == [route.operation]
    assert_backoff(waits, 0)


@pytest.mark.parametrize("code", ["ExpiredToken", "UnrecognizedClientException"])
def test_direct_only_each_expired_code_refreshes(
    app: ModuleType,
    table: Table,
    proxy: FaultProxy,
    credentials: CountingCredentials | None,
    dynamodb_client: str,
    code: str,
) -> None:
    """Direct only: the other codes the direct store takes for expired credentials."""
    if dynamodb_client != "direct":
        pytest.skip("direct only: botocore does not refresh environment credentials")
    table.put(stored(NEW))
    proxy.plan = on_calls(1, fault=Fault(error=code))
    reply = call(app, "GET", f"/items/{ID}")
    assert (reply.status, reply.body) == (200, exact(NEW))
    assert credentials is not None
    assert credentials.refreshes == 1
    assert proxy.operations() == ["GetItem"] * 2


def test_direct_only_credentials_refused_after_the_refresh_are_500(
    app: ModuleType,
    table: Table,
    proxy: FaultProxy,
    waits: list[float],
    credentials: CountingCredentials | None,
    dynamodb_client: str,
) -> None:
    """Direct only: the refresh is tried once per call, not in a loop."""
    if dynamodb_client != "direct":
        pytest.skip("direct only: botocore does not refresh environment credentials")
    proxy.plan = lambda call: Fault(error="ExpiredTokenException")
    reply = call(app, "POST", "/items", NEW)
    assert_problem(reply, INTERNAL_500)
    assert credentials is not None
    assert credentials.refreshes == 1
    assert proxy.operations() == ["PutItem"] * 2
    assert_backoff(waits, 0)
    assert_table(table, {})


# -- Another writer's item -------------------------------------------------------------------------


@pytest.mark.parametrize("there", [OLD, NEW], ids=["different", "identical"])
def test_posting_an_existing_id_is_409(
    app: ModuleType, table: Table, proxy: FaultProxy, there: dict[str, Any]
) -> None:
    # GIVEN another writer's item under the id, even one identical to the record posted
    table.put(stored(there))
    # WHEN a record is posted with that id, and nothing goes wrong
    reply = call(app, "POST", "/items", NEW)
    # THEN 409, and the item is left as it was
    assert_problem(reply, CONFLICT_409)
    assert_table(table, {ID: there})
    assert proxy.operations() == ["PutItem"]
    assert proxy.written() == []


def test_a_retried_post_does_not_take_another_writers_item(
    app: ModuleType, table: Table, proxy: FaultProxy, waits: list[float]
) -> None:
    # GIVEN another writer's item under the id, and a first attempt that may have been applied
    # (its connection dropped): the retry's condition fails, and ALL_OLD is not this record
    table.put(stored(OLD))
    proxy.plan = on_calls(1, fault=Fault(reset="before"))
    # WHEN a record is posted with that id
    reply = call(app, "POST", "/items", NEW)
    # THEN 409, nothing overwritten
    assert_problem(reply, CONFLICT_409)
    assert_table(table, {ID: OLD})
    assert proxy.operations() == ["PutItem"] * 2
    assert proxy.written() == []
    assert_backoff(waits, 1)


def test_a_post_throttled_while_another_writer_puts_the_same_item_is_409(
    app: ModuleType, table: Table, proxy: FaultProxy, waits: list[float]
) -> None:
    # GIVEN a first attempt throttled (so certainly not applied), during which another writer
    # puts an item identical to the record
    def plan(call: Call) -> Fault:
        if call.number == 1:
            table.put(stored(NEW))
            return Fault(error=THROTTLED)
        return PASS

    proxy.plan = plan
    # WHEN the record is posted
    reply = call(app, "POST", "/items", NEW)
    # THEN 409: the item there is another writer's
    assert_problem(reply, CONFLICT_409)
    assert_table(table, {ID: NEW})
    assert proxy.written() == []


# -- A client's retries, made safe by an Idempotency-Key -------------------------------------------


@pytest.mark.parametrize("fault", [Fault(reset="after"), Fault(delay=LATE)], ids=["reset", "late"])
def test_every_answer_lost_is_a_500_and_the_table_holds_what_was_applied(
    app: ModuleType,
    table: Table,
    proxy: FaultProxy,
    waits: list[float],
    route: Route,
    fault: Fault,
) -> None:
    # GIVEN a DynamoDB that applies every call but whose answers never arrive (the connection
    # closes, or the answer comes after the read timeout)
    proxy.plan = lambda call: fault
    # WHEN the route is called
    reply = send(app, route)
    # THEN after three attempts, a 500: the function cannot know what happened. The table holds
    # what DynamoDB applied: the create once (its retries' condition failed), the replace as an
    # upsert, the delete once; reads change nothing. (A client retries a keyed POST safely:
    # test_a_client_retrying_a_keyed_post_after_a_failure_writes_one_item.)
    assert_problem(reply, INTERNAL_500)
    assert proxy.operations() == [route.operation] * 3
    assert_backoff(waits, 2)
    assert_table(table, route.after)
    assert proxy.written() == {"POST": [ID], "PUT": [ID] * 3}.get(route.name, [])


# Answers that never come whole. (botocore takes an error answer with a wrong CRC32 as it is:
# its second attempt's ConditionalCheckFailed then finds the item, and the first reply is a 201.)
NO_ANSWERS = {name: LOST_ANSWERS[name] for name in ("reset-after", "late", "truncated")}


@pytest.mark.parametrize("fault", NO_ANSWERS.values(), ids=NO_ANSWERS.keys())
def test_a_client_retrying_a_keyed_post_after_a_failure_writes_one_item(
    app: ModuleType, table: Table, proxy: FaultProxy, waits: list[float], fault: Fault
) -> None:
    # GIVEN a DynamoDB that applies the first put of a record without an id, then loses the
    # answers of every attempt the function makes
    proxy.plan = lambda call: fault if call.number <= 3 else PASS
    key = (("Idempotency-Key", '"retry-1"'),)
    record = {name: value for name, value in NEW.items() if name != "id"}
    # WHEN the function gives up, and the client sends the request again
    failed = call(app, "POST", "/items", record, more_headers=key)
    retried = call(app, "POST", "/items", record, more_headers=key)
    # THEN the first answer is a 500 and the retry answers 201 with the item the first request
    # wrote, as a replay: one item in the table, written once
    assert_problem(failed, INTERNAL_500)
    item_id = retried.body["id"]
    assert (retried.status, retried.body) == (201, exact({"id": item_id, **record}))
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert_table(table, {item_id: {"id": item_id, **record}})
    assert proxy.written() == [item_id]
