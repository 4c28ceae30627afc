"""The direct client's retry policy (py_handler.direct.DirectStore.call) against scripted
exchanges: no network, a fake clock, every wait recorded. Its exchanges over real connections
are in tests/faults (a fault proxy before Dynoxide) and tests/handler/test_direct_http.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

import rust_core
from py_handler import direct
from py_handler.aws_env import Endpoint
from py_handler.retry import Deadline, RetryQuota
from py_handler.store import (
    AlreadyExists,
    Created,
    ItemRejected,
    ItemTooLarge,
    Throttled,
    Unavailable,
    Unconfirmed,
)

ENDPOINT = Endpoint("http://127.0.0.1:9", "http", "127.0.0.1", 9, "", "us-east-1", None)
CODEC = rust_core.RecordCodec({"type": "object"})
PREFIX = "com.amazonaws.dynamodb.v20120810#"

# One scripted exchange: an answer (status, body), or an exception _exchange raises; RESENT
# before an answer: it came after a stale connection, the request sent twice
Step = tuple[int, bytes] | Exception
RESENT = "resent"


def error(code: str, status: int = 400, message: str = "m", item: str | None = None) -> Step:
    body: dict[str, object] = {"__type": PREFIX + code, "message": message}
    if item is not None:
        body["Item"] = json.loads(item)
    return status, json.dumps(body).encode()


OK: Step = (200, b"{}")
THROTTLED = error("ProvisionedThroughputExceededException")
NO_ANSWER = direct._NoAnswer("ReadTimeout", timeout=True)
NOT_SENT = direct._NotSent("ConnectionRefusedError")


@dataclass
class Credentials:
    refreshed: int = 0

    def frozen(self) -> tuple[str, str, str | None]:
        return "AKID", "secret", None

    def refresh(self) -> None:
        self.refreshed += 1


@dataclass
class Clock:
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def scripted(*steps: Step | str) -> tuple[direct.DirectStore, list[str], Clock]:
    """A store whose exchanges follow `steps` (then answer 200 {}), with a fake clock and the
    random draw at its maximum; the operations sent are recorded."""
    clock = Clock()
    store = direct.DirectStore(
        rust_core.Table("items"), ENDPOINT, Credentials(), sleep=clock.sleep, draw=lambda: 1.0
    )
    sent: list[str] = []
    script = list(steps)

    def exchange(operation: str, body: bytes) -> tuple[int, bytes, bool]:
        sent.append(operation)
        step: Any = script.pop(0) if script else OK
        resent = step == RESENT
        if resent:
            step = script.pop(0)
        if isinstance(step, Exception):
            raise step
        status, answer = step
        return status, answer, resent

    store._exchange = exchange  # type: ignore[method-assign]
    return store, sent, clock


@pytest.mark.parametrize(
    "failure",
    [
        THROTTLED,
        error("ThrottlingException"),
        error("RequestLimitExceeded"),
        error("InternalServerError", 500),
        error("ServiceUnavailable", 503),
        (502, b"<html>bad gateway</html>"),
        (504, b""),
        error("TransactionInProgressException"),
        NO_ANSWER,
        NOT_SENT,
        direct._NoAnswer("the answer's CRC32 does not match"),
    ],
    ids=[
        "throughput",
        "throttling",
        "request-limit",
        "500",
        "503",
        "502-not-json",
        "504-empty",
        "transaction-in-progress",
        "no-answer",
        "not-sent",
        "bad-crc",
    ],
)
def test_transient_failures_are_retried_with_full_jitter_backoff(failure: Step) -> None:
    store, sent, clock = scripted(failure, failure)
    assert store.call("GetItem", b"{}") == b"{}"
    assert sent == ["GetItem"] * 3
    assert clock.sleeps == [1.0, 2.0]  # botocore's standard mode: up to 2**n s


@pytest.mark.parametrize(
    ("failure", "raised"),
    [
        (THROTTLED, Throttled),
        (error("InternalServerError", 500), Unavailable),
        (NOT_SENT, Unavailable),
        (NO_ANSWER, Unconfirmed),
    ],
    ids=["throttled", "500", "not-sent", "no-answer"],
)
def test_after_three_attempts_the_last_failure_is_raised(
    failure: Step, raised: type[Exception]
) -> None:
    store, sent, _ = scripted(failure, failure, failure)
    with pytest.raises(raised):
        store.call("GetItem", b"{}")
    assert len(sent) == 3


@pytest.mark.parametrize(
    ("failure", "writes_item", "raised"),
    [
        (
            error("ValidationException", message="Item size has exceeded the maximum"),
            True,
            ItemTooLarge,
        ),
        (error("ValidationException", message="empty attribute name"), True, ItemRejected),
        (error("ValidationException"), False, direct.DynamoDBError),
        (error("AccessDeniedException"), False, direct.DynamoDBError),
        (error("ResourceNotFoundException"), True, direct.DynamoDBError),
        ((400, b"not json"), False, direct.DynamoDBError),
    ],
    ids=["too-large", "rejected", "invalid-read", "access-denied", "no-table", "not-json"],
)
def test_errors_no_retry_helps_are_raised_at_once(
    failure: Step, writes_item: bool, raised: type[Exception]
) -> None:
    store, sent, clock = scripted(failure)
    with pytest.raises(raised) as caught:
        store.call("PutItem", b"{}", writes_item=writes_item)
    assert (sent, clock.sleeps) == (["PutItem"], [])
    if isinstance(caught.value, direct.DynamoDBError):
        assert str(caught.value) == f"DynamoDB answered 400 {caught.value.code or '(no code)'}"


@pytest.mark.parametrize(
    "code", ["ExpiredToken", "ExpiredTokenException", "UnrecognizedClientException"]
)
def test_expired_credentials_are_refreshed_once(code: str) -> None:
    store, sent, clock = scripted(error(code))
    assert store.call("GetItem", b"{}") == b"{}"
    assert isinstance(store.credentials, Credentials) and store.credentials.refreshed == 1
    assert (sent, clock.sleeps) == (["GetItem", "GetItem"], [])
    # Refused again after the refresh: the error stands
    store, sent, _ = scripted(error(code), error(code))
    with pytest.raises(direct.DynamoDBError, match=code):
        store.call("GetItem", b"{}")
    assert sent == ["GetItem", "GetItem"]


def test_no_retry_starts_that_could_not_end_before_the_deadline() -> None:
    # GIVEN 5.5 s left and a call that can last 4 s (connect 1 + read 3)
    store, sent, clock = scripted(THROTTLED, THROTTLED)
    deadline = Deadline(at=5.5, clock=clock)
    # WHEN DynamoDB throttles: after the first wait (1 s) a call could still end (1 + 4 < 5.5),
    # after a second wait (2 s more) it could not (1 + 2 + 4 > 5.5)
    with pytest.raises(Throttled):
        store.call("GetItem", b"{}", deadline=deadline)
    assert (sent, clock.sleeps) == (["GetItem", "GetItem"], [1.0])


def test_an_empty_retry_quota_stops_retries() -> None:
    store, sent, _ = scripted(*[THROTTLED] * 300)
    store.quota.available = RetryQuota.RETRY_COST * 2 - 1  # one retry left
    with pytest.raises(Throttled):
        store.call("GetItem", b"{}")
    assert len(sent) == 2
    with pytest.raises(Throttled):
        store.call("GetItem", b"{}")  # 4 tokens: none
    assert len(sent) == 3


def test_the_quota_is_refunded_by_successes() -> None:
    quota = RetryQuota()
    assert quota.acquire() == 5 and quota.acquire(timeout=True) == 10
    assert quota.available == 485
    quota.release(15)  # a success after those retries
    quota.release(0)  # a success at the first attempt
    assert quota.available == 500
    quota.available = 4
    assert quota.acquire() == 0 and quota.available == 4


MINE = '{"id":"k","n":1.50}'


@pytest.mark.parametrize(
    ("steps", "outcome"),
    [
        ([], "created"),
        (
            [error("ConditionalCheckFailedException", item='{"id":{"S":"k"},"n":{"N":"1.5"}}')],
            AlreadyExists,
        ),
        (
            [
                NO_ANSWER,
                error("ConditionalCheckFailedException", item='{"n":{"N":"1.5"},"id":{"S":"k"}}'),
            ],
            "created",
        ),
        (
            [
                NO_ANSWER,
                error("ConditionalCheckFailedException", item='{"id":{"S":"k"},"n":{"N":"2"}}'),
            ],
            AlreadyExists,
        ),
        ([NO_ANSWER, error("ConditionalCheckFailedException")], AlreadyExists),
        (
            [
                NOT_SENT,
                error("ConditionalCheckFailedException", item='{"id":{"S":"k"},"n":{"N":"1.5"}}'),
            ],
            AlreadyExists,
        ),
    ],
    ids=[
        "first-try",
        "another-item",
        "own-after-no-answer",
        "other-after-no-answer",
        "no-old-item",
        "own-after-not-sent",
    ],
)
def test_a_create_tells_its_own_earlier_write_from_another(
    steps: list[Step | str], outcome: object
) -> None:
    # A create is answered 201 after its condition failed only when an earlier attempt may have
    # been applied (sent, no answer) and the item there is exactly the one it writes.
    store, sent, _ = scripted(*steps)
    if outcome == "created":
        assert store.create(CODEC, MINE.encode()) == Created("k", b'{"id":"k","n":1.50}')
    else:
        with pytest.raises(AlreadyExists):
            store.create(CODEC, MINE.encode())
    assert sent == ["PutItem"] * (len([step for step in steps if step != RESENT]) or 1)


def test_a_stale_connection_is_replaced_and_the_request_sent_again() -> None:
    clock = Clock()
    store = direct.DirectStore(rust_core.Table("items"), ENDPOINT, Credentials(), sleep=clock.sleep)
    answers: list[Callable[[], tuple[int, bytes]]] = [
        lambda: (_ for _ in ()).throw(direct._Stale()),
        lambda: (200, b'{"Item":{"id":{"S":"k"}}}'),
    ]
    sent: list[str] = []

    def send(operation: str, body: bytes) -> tuple[int, bytes]:
        sent.append(operation)
        return answers.pop(0)()

    store._send = send  # type: ignore[method-assign]
    assert store.get("k") == b'{"id":"k"}'
    assert (sent, clock.sleeps) == (["GetItem", "GetItem"], [])
