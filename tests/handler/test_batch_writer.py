"""py_handler.batch on its own: chunking, the backoff, the deadline, and the writer against a
scripted DynamoDB, with a fake clock whose sleeps take no time. Every item ends up written exactly
once or given up with a reason, never both and never neither."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.serialize import create_serializer
from botocore.session import get_session
from hypothesis import given
from hypothesis import strategies as st

import rust_core
from py_handler.batch import (
    ENVELOPE_BYTES,
    MAX_REQUEST_BYTES,
    BatchWriter,
    Reason,
    WriteReport,
    chunk,
    failed_records,
    record_lines,
)
from py_handler.boto3_store import Boto3Store, request_size
from py_handler.retry import Backoff, Deadline
from py_handler.store import (
    Batch,
    Item,
    ItemRejected,
    ItemTooLarge,
    Throttled,
    Unavailable,
    Unconfirmed,
)

# --- chunking ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "limits", "runs"),
    [
        ([], {}, []),
        ([1] * 60, {}, [range(0, 25), range(25, 50), range(50, 60)]),
        ([1] * 25, {}, [range(0, 25)]),
        ([6, 6, 6, 3], {"max_bytes": 12}, [range(0, 2), range(2, 4)]),
        ([5, 5], {"max_bytes": 10}, [range(0, 2)]),
        ([5, 20, 5], {"max_bytes": 10}, [range(0, 1), range(1, 2), range(2, 3)]),
        ([1] * 7, {"max_puts": 3}, [range(0, 3), range(3, 6), range(6, 7)]),
        ([700_000] * 30, {}, [range(0, 23), range(23, 30)]),
    ],
    ids=["none", "by-25", "25", "by-bytes", "exactly-full", "too-large-alone", "by-3", "by-16MB"],
)
def test_chunks_hold_at_most_25_puts_and_16_mb(
    sizes: list[int], limits: dict[str, int], runs: list[range]
) -> None:
    assert chunk(sizes, **limits) == runs


def botocore_body(table: str, items: Sequence[Item]) -> bytes:
    """The BatchWriteItem request body botocore sends."""
    operation = get_session().get_service_model("dynamodb").operation_model("BatchWriteItem")
    params = {"RequestItems": {table: [{"PutRequest": {"Item": item}} for item in items]}}
    body: bytes = create_serializer("json", False).serialize_to_request(params, operation)["body"]
    return body


ITEMS: list[Item] = [
    rust_core.json_to_item('{"id": "a", "n": 1.50, "ok": true, "none": null}'),
    rust_core.json_to_item('{"id": "é😀\\u0001\\"\\\\", "list": [[], {}, "x"]}'),
    rust_core.json_to_item('{"id": "c", "deep": {"a": {"b": [1, 2, 3]}}}'),
]


def test_request_size_counts_the_bytes_botocore_sends() -> None:
    # GIVEN items with escapes, non-ASCII text and every JSON type, and the longest table name
    table = "t" * 255
    # WHEN botocore writes a request of them
    body = botocore_body(table, ITEMS)
    # THEN it is the items' request sizes (the last put without its separator) and an envelope
    envelope = len(body) - sum(request_size(item) for item in ITEMS) + 2
    assert envelope == len(botocore_body(table, [])) == len('{"RequestItems": {"": []}}') + 255
    assert envelope <= ENVELOPE_BYTES


def test_a_full_chunk_fits_the_request_limit() -> None:
    # GIVEN items whose requests fill a chunk to the byte
    item = {"id": {"S": "x"}, "blob": {"S": ""}}
    item["blob"]["S"] = "b" * (700_000 - request_size(item))
    assert request_size(item) == 700_000
    # WHEN as many as fit are written in one request
    (first, *_) = chunk([request_size(item)] * 30)
    body = botocore_body("items", [item] * len(first))
    # THEN that request is within DynamoDB's 16 MB
    assert len(body) <= MAX_REQUEST_BYTES


# --- backoff and deadline -------------------------------------------------------------------------


def test_backoff_doubles_to_its_cap_with_full_jitter() -> None:
    backoff = Backoff(base=0.05, cap=2.0)
    delays = [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    assert [backoff.delay(n, lambda: 1.0) for n in range(8)] == delays
    assert [backoff.delay(n, lambda: 0.5) for n in range(8)] == [d / 2 for d in delays]
    assert backoff.delay(0, lambda: 0.0) == 0.0
    assert backoff.delay(10_000, lambda: 1.0) == 2.0


class Clock:
    """A clock that moves only when told to: sleeping moves it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.sleeps.append(seconds)
            self.now += seconds


@dataclass
class Remaining:
    """A Lambda context with `millis` left."""

    millis: int

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def test_the_deadline_is_the_remaining_time_less_the_margin() -> None:
    clock = Clock()
    clock.now = 10.0
    deadline = Deadline.of(Remaining(3000), margin=1.0, clock=clock)
    assert deadline.at == 12.0
    assert deadline.allows() and deadline.allows(1.9)
    assert not deadline.allows(2.0)
    clock.now = 12.0
    assert not deadline.allows()


# --- the writer --------------------------------------------------------------------------------

# What the scripted DynamoDB does with one call: the ids it leaves unprocessed, or an error
Answer = Callable[[list[str]], Sequence[str]] | Exception


@dataclass
class ScriptedDynamoDB:
    """`put_batch`'s stand-in. Each call takes the next answer (then writes everything), may
    take `call_seconds` of the clock, and is recorded."""

    answers: list[Answer] = field(default_factory=list)
    clock: Clock | None = None
    call_seconds: float = 0.0
    calls: list[list[str]] = field(default_factory=list)
    started: list[float] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put_batch(self, items: Sequence[Item]) -> list[str]:
        ids = [item["id"]["S"] for item in items]
        with self.lock:
            self.calls.append(ids)
            answer = self.answers.pop(0) if self.answers else (lambda ids: [])
            if self.clock is not None:
                self.started.append(self.clock())
                self.clock.now += self.call_seconds
            if isinstance(answer, Exception):
                raise answer
            held = set(answer(ids))
            self.written += [item_id for item_id in ids if item_id not in held]
        return [item_id for item_id in ids if item_id in held]


def records(count: int) -> Batch:
    """A batch of `count` items, as the boto3 store decodes one."""
    items: list[Item] = [{"id": {"S": f"r{n}"}, "n": {"N": str(n)}} for n in range(count)]
    return Batch(items, ids(range(count)), [request_size(item) for item in items], [])


def ids(positions: Iterable[int]) -> list[str]:
    return [f"r{n}" for n in positions]


def writer(dynamodb: ScriptedDynamoDB, clock: Clock, **options: Any) -> BatchWriter:
    options.setdefault("workers", 1)
    return BatchWriter(
        dynamodb.put_batch, margin=1.0, sleep=clock.sleep, clock=clock, draw=lambda: 1.0, **options
    )


def client_error(code: str, status: int) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": "injected"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "BatchWriteItem")


def assert_accounted(report: WriteReport, dynamodb: ScriptedDynamoDB, count: int) -> None:
    """Every item written exactly once or given up, never both and never neither."""
    written = Counter(dynamodb.written)
    assert all(times == 1 for times in written.values())
    assert report.written == len(written)
    assert set(written).isdisjoint(ids(report.unwritten))
    assert set(written) | set(ids(report.unwritten)) == set(ids(range(count)))


def test_every_item_is_written_once_in_chunks_of_25() -> None:
    # GIVEN a DynamoDB that takes everything
    clock, dynamodb = Clock(), ScriptedDynamoDB()
    # WHEN 60 items are written
    report = writer(dynamodb, clock).write(records(60), Remaining(20_000))
    # THEN three calls, in order, and nothing retried or waited for
    assert dynamodb.calls == [ids(range(0, 25)), ids(range(25, 50)), ids(range(50, 60))]
    assert report == WriteReport(written=60)
    assert clock.sleeps == []
    assert_accounted(report, dynamodb, 60)


def test_unprocessed_items_are_sent_again_after_a_jittered_backoff() -> None:
    # GIVEN a DynamoDB that leaves 3 items unprocessed, then 1 of them again
    clock = Clock()
    dynamodb = ScriptedDynamoDB([lambda _: ["r2", "r5", "r7"], lambda _: ["r5"]])
    # WHEN 10 items are written, the random draw at half its range
    chosen = writer(dynamodb, clock)
    chosen.draw = lambda: 0.5
    report = chosen.write(records(10), Remaining(20_000))
    # THEN the unprocessed ones alone are sent again, after waits growing from 0.025 s
    assert dynamodb.calls == [ids(range(10)), ["r2", "r5", "r7"], ["r5"]]
    assert clock.sleeps == [0.025, 0.05]
    assert report == WriteReport(written=10, retried=4)
    assert_accounted(report, dynamodb, 10)


@pytest.mark.parametrize(
    "error",
    [
        Throttled(),
        Unavailable(),
        Unconfirmed(),
    ],
    ids=["throttled", "unavailable", "unconfirmed"],
)
def test_a_call_failing_for_a_while_is_retried(error: Exception) -> None:
    clock = Clock()
    dynamodb = ScriptedDynamoDB([error, error])
    report = writer(dynamodb, clock).write(records(3), Remaining(20_000))
    assert dynamodb.calls == [ids(range(3))] * 3
    assert clock.sleeps == [0.05, 0.1]
    assert report == WriteReport(written=3, retried=6)
    assert_accounted(report, dynamodb, 3)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (lambda ids: ids, Reason.THROTTLED),
        (Throttled(), Reason.THROTTLED),
        (Unavailable(), Reason.UNAVAILABLE),
        (Unconfirmed(), Reason.UNCONFIRMED),
    ],
    ids=["unprocessed", "throttled", "unavailable", "unconfirmed"],
)
def test_retries_stop_at_the_deadline(answer: Answer, reason: Reason) -> None:
    # GIVEN a DynamoDB that never takes the items, and 2 s until the deadline
    clock = Clock()
    dynamodb = ScriptedDynamoDB([answer] * 100)
    # WHEN 3 items are written
    report = writer(dynamodb, clock).write(records(3), Remaining(3000))
    # THEN waits double until the next one would end past the deadline (1.55 + 1.6 > 2)
    assert clock.sleeps == [0.05, 0.1, 0.2, 0.4, 0.8]
    assert len(dynamodb.calls) == 6
    # AND the items are given up, with the last failure's reason
    assert report == WriteReport(retried=15, unwritten=dict.fromkeys(range(3), reason))
    assert_accounted(report, dynamodb, 3)


def test_no_call_starts_after_the_deadline() -> None:
    # GIVEN a DynamoDB taking 0.6 s a call, and 2 s until the deadline
    clock = Clock()
    dynamodb = ScriptedDynamoDB(clock=clock, call_seconds=0.6)
    # WHEN 5 chunks are written one after the other
    report = writer(dynamodb, clock).write(records(125), Remaining(3000))
    # THEN four calls start before the deadline; the fifth chunk is given up unsent
    assert dynamodb.started == pytest.approx([0.0, 0.6, 1.2, 1.8])
    assert report == WriteReport(
        written=100, unwritten=dict.fromkeys(range(100, 125), Reason.TIMEOUT)
    )
    assert_accounted(report, dynamodb, 125)


class FailingClient:
    """A botocore client whose BatchWriteItem raises `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        # what the store registers its create hook on
        self.meta = SimpleNamespace(events=SimpleNamespace(register=lambda *args: None))

    def batch_write_item(self, **params: Any) -> Any:
        raise self.error


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (client_error("InternalServerError", 500), Unavailable),
        (client_error("ServiceUnavailable", 503), Unavailable),
        (EndpointConnectionError(endpoint_url="http://dynamodb"), Unavailable),
        (ReadTimeoutError(endpoint_url="http://dynamodb"), Unconfirmed),
        (client_error("ThrottlingException", 400), Throttled),
        (client_error("ProvisionedThroughputExceededException", 400), Throttled),
    ],
    ids=["500", "503", "unreachable", "read-timeout", "throttling", "throughput"],
)
def test_the_boto3_store_names_what_the_writer_retries(
    error: Exception, raised: type[Exception]
) -> None:
    client: Any = FailingClient(error)
    with pytest.raises(raised):
        Boto3Store(client, "items").put_batch(records(1).puts)


def test_a_deadline_already_past_sends_nothing() -> None:
    clock, dynamodb = Clock(), ScriptedDynamoDB()
    report = writer(dynamodb, clock).write(records(30), Remaining(900))
    assert dynamodb.calls == []
    assert report == WriteReport(unwritten=dict.fromkeys(range(30), Reason.TIMEOUT))


def refusing(bad: str, error: Exception) -> Answer:
    def answer(ids: list[str]) -> list[str]:
        if bad in ids:
            raise error
        return []

    return answer


@pytest.mark.parametrize(
    ("error", "reason"),
    [(ItemTooLarge(), Reason.TOO_LARGE), (ItemRejected(), Reason.REFUSED)],
    ids=["too-large", "refused"],
)
def test_an_item_dynamodb_refuses_is_isolated_by_halving(error: Exception, reason: Reason) -> None:
    # GIVEN a DynamoDB refusing every call that holds r13
    clock = Clock()
    answer = refusing("r13", error)
    dynamodb = ScriptedDynamoDB([answer] * 20)
    # WHEN 25 items are written
    report = writer(dynamodb, clock).write(records(25), Remaining(20_000))
    # THEN the chunk is halved until r13 stands alone, the others written at once
    assert dynamodb.calls == [
        ids(range(0, 25)),
        ids(range(0, 12)),
        ids(range(12, 25)),
        ids(range(12, 18)),
        ids(range(12, 15)),
        ids(range(12, 13)),
        ids(range(13, 15)),
        ["r13"],
        ["r14"],
        ids(range(15, 18)),
        ids(range(18, 25)),
    ]
    assert report == WriteReport(written=24, unwritten={13: reason})
    assert clock.sleeps == []
    assert_accounted(report, dynamodb, 25)


def test_an_error_no_retry_helps_fails_the_rest_of_its_chunk_alone() -> None:
    # GIVEN a DynamoDB that takes the first chunk, then denies access
    clock = Clock()
    denied = client_error("AccessDeniedException", 400)
    dynamodb = ScriptedDynamoDB([lambda _: ["r3"], denied])
    # WHEN 30 items are written
    report = writer(dynamodb, clock).write(records(30), Remaining(20_000))
    # THEN the first chunk's unprocessed item is the one sent again, and fails with it
    assert dynamodb.calls == [ids(range(25)), ["r3"], ids(range(25, 30))]
    assert report.error is denied
    assert report.unwritten == dict.fromkeys([3], Reason.FAILED)
    assert report.written == 29
    assert_accounted(report, dynamodb, 30)


def test_concurrent_chunks_write_each_item_once() -> None:
    # GIVEN a DynamoDB that leaves a random third of each call unprocessed, 50 times
    rng = random.Random(7)

    def some(ids: list[str]) -> list[str]:
        return rng.sample(ids, len(ids) // 3)

    clock = Clock()
    dynamodb = ScriptedDynamoDB([some] * 50)
    # WHEN 1000 items are written by 8 threads
    report = writer(dynamodb, clock, workers=8).write(records(1000), Remaining(20_000))
    # THEN each one is written exactly once, in calls of at most 25
    assert Counter(dynamodb.written) == Counter(ids(range(1000)))
    assert max(len(call) for call in dynamodb.calls) == 25
    assert report.written == 1000 and report.unwritten == {}
    assert report.retried == sum(map(len, dynamodb.calls)) - 1000


@pytest.mark.parametrize(
    ("report", "raised"),
    [
        (WriteReport(), None),
        (WriteReport(written=1, unwritten={1: Reason.THROTTLED}), None),
        (WriteReport(unwritten={0: Reason.THROTTLED, 1: Reason.TIMEOUT}), Throttled),
        (WriteReport(unwritten={0: Reason.THROTTLED, 1: Reason.TOO_LARGE}), None),
        (WriteReport(unwritten={0: Reason.UNAVAILABLE}), None),
        (WriteReport(unwritten={0: Reason.FAILED}, error=ValueError()), ValueError),
    ],
    ids=["empty", "some-written", "all-busy", "one-refused", "unavailable", "error"],
)
def test_nothing_written_is_an_error_when_dynamodb_is_to_blame(
    report: WriteReport, raised: type[Exception] | None
) -> None:
    if raised is None:
        report.raise_if_nothing_written()
    else:
        with pytest.raises(raised):
            report.raise_if_nothing_written()


# --- the reply ---------------------------------------------------------------------------------


def test_failed_records_merge_in_record_order() -> None:
    # GIVEN records 0..6, of which 1 and 4 were rejected, and accepted ones 0 and 4 unwritten
    rejected = [
        {"index": 1, "line": 2, "errors": [{"path": "", "message": "m", "keyword": "type"}]},
        {"index": 4, "line": 6, "errors": [{"path": "", "message": "m", "keyword": "type"}]},
    ]
    unwritten = {0: Reason.THROTTLED, 3: Reason.TIMEOUT}
    # WHEN they are listed, lines asked for
    failed = failed_records(rejected, unwritten, accepted=5, lines=lambda: [1, 2, 4, 5, 6, 7, 8])
    # THEN in record order: accepted position 3 is record 5 (on line 7)
    assert failed == [
        {"index": 0, "line": 1, "errors": [Reason.THROTTLED.detail]},
        rejected[0],
        rejected[1],
        {"index": 5, "line": 7, "errors": [Reason.TIMEOUT.detail]},
    ]
    assert list(failed[0]) == ["index", "line", "errors"]  # as rust_core orders them


def test_lines_are_only_counted_when_an_item_was_not_written() -> None:
    def lines() -> list[int]:
        raise AssertionError("not needed")

    rejected = [{"index": 0, "errors": []}]
    assert failed_records(rejected, {}, accepted=3, lines=lines) == rejected
    assert failed_records([], {1: Reason.TIMEOUT}, accepted=2) == [
        {"index": 1, "errors": [Reason.TIMEOUT.detail]}
    ]


BLANKS = ["", " ", "\t", "\r", " \t \r"]


@given(st.lists(st.sampled_from(["x", "{}x", *BLANKS, "\f", " x\r"]), max_size=30))
def test_record_lines_count_as_rust_core_does(lines: list[str]) -> None:
    # GIVEN an NDJSON body of malformed records and blank lines, so rust_core names each line
    body = "\n".join(lines).encode()
    # WHEN rust_core decodes it
    items, errors = rust_core.RecordCodec().decode_many(body, ndjson=True)
    # THEN record_lines finds the same records on the same lines
    assert items == []
    assert record_lines(body) == [entry["line"] for entry in errors]
