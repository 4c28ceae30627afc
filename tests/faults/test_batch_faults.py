"""POST /items/batch while DynamoDB misbehaves on purpose (tests/faults/proxy.py): unprocessed
items, throttling, errors and slow answers on chosen calls, through botocore for real. Every
record ends up written exactly once or reported, never both and never neither, and no call
starts past the deadline: the reply goes out with the time kept for it."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from boto3.dynamodb.types import TypeSerializer

from py_handler.batch import REPLY_SECONDS
from py_handler.local import EXAMPLE_ORDER
from py_handler.retry import Backoff
from tests.support import REQUEST_ID

from .conftest import CALL_SECONDS, Outcome, post_batch
from .proxy import THROTTLED, Call, Fault, FaultProxy

if TYPE_CHECKING:
    from tests.conftest import Table

ORDER: dict[str, Any] = json.loads(EXAMPLE_ORDER)
MARGIN = CALL_SECONDS + REPLY_SECONDS
# For a busy machine: a request reaching the proxy late, threads waking late, the reply being built
LATE = 0.2
SLACK = 0.4


def record(item_id: str) -> dict[str, Any]:
    return {"id": item_id, **ORDER}


def ndjson(ids: list[str]) -> str:
    return "".join(json.dumps(record(item_id)) + "\n" for item_id in ids)


def ids(count: int) -> list[str]:
    return [f"r{n}" for n in range(count)]


def item(item_id: str) -> dict[str, Any]:
    """The record as DynamoDB stores it, by boto3's own serializer."""
    exact = json.loads(json.dumps(record(item_id)), parse_float=Decimal)
    return {name: TypeSerializer().serialize(value) for name, value in exact.items()}


def reasons(outcome: Outcome) -> dict[str, str]:
    """The keyword each failed record was reported with, by id (records are r<index>)."""
    return {f"r{entry['index']}": entry["errors"][0]["keyword"] for entry in outcome.body["failed"]}


def assert_written_once_or_reported(
    outcome: Outcome, sent: list[str], table: Table, proxy: FaultProxy
) -> None:
    """Every record in the table (as sent) or reported, never both, never neither; none reached
    DynamoDB twice; the reply counts what the table holds."""
    stored = table.items()
    reported = set(reasons(outcome))
    for item_id in sent:
        assert (item_id in stored) != (item_id in reported), item_id
    assert stored == {item_id: item(item_id) for item_id in sent if item_id not in reported}
    assert outcome.body["written"] == len(stored)
    assert max(Counter(proxy.written()).values(), default=1) == 1


def assert_within_deadline(outcome: Outcome, proxy: FaultProxy, timeout: float) -> None:
    """No call started past the deadline, and the reply kept its time."""
    deadline = outcome.started + timeout - MARGIN
    assert all(call.started < deadline + LATE for call in proxy.calls)
    assert outcome.elapsed < timeout - REPLY_SECONDS + SLACK
    assert outcome.remaining > REPLY_SECONDS - SLACK


def metrics(out: str) -> dict[str, float]:
    [emf] = [json.loads(line) for line in out.splitlines() if '"_aws"' in line]
    return {name: value[0] for name, value in emf.items() if name.startswith("BatchRecords")}


def test_unprocessed_items_are_written_on_a_later_call(
    app: ModuleType,
    table: Table,
    proxy: FaultProxy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a DynamoDB leaving every other item of its first five calls unprocessed
    def plan(call: Call) -> Fault:
        return Fault(hold=frozenset(call.ids[::2])) if call.number <= 5 else Fault()

    proxy.plan = plan
    sent = ids(300)
    capsys.readouterr()
    # WHEN 300 records are posted
    outcome = post_batch(app, ndjson(sent), timeout=10)
    # THEN all are written, each reaching DynamoDB once
    assert (outcome.status, outcome.body) == (200, {"written": 300, "failed": []})
    assert_written_once_or_reported(outcome, sent, table, proxy)
    assert sorted(proxy.written()) == sorted(sent)
    # AND the metrics count the puts sent again
    held = sum(len(call.ids[::2]) for call in proxy.calls[:5])
    assert metrics(capsys.readouterr().out) == {
        "BatchRecordsWritten": 300,
        "BatchRecordsRejected": 0,
        "BatchRecordsUnwritten": 0,
        "BatchRecordsRetried": held,
    }


@pytest.mark.parametrize(
    ("error", "status"),
    [(THROTTLED, 400), ("ThrottlingException", 400), ("InternalServerError", 500)],
)
def test_failed_calls_are_retried(
    app: ModuleType, table: Table, proxy: FaultProxy, error: str, status: int
) -> None:
    # GIVEN a DynamoDB failing its first four calls whole
    proxy.plan = lambda call: Fault(error=error, status=status) if call.number <= 4 else Fault()
    sent = ids(60)
    # WHEN 60 records are posted
    outcome = post_batch(app, ndjson(sent), timeout=10)
    # THEN they are written once each, on later calls
    assert (outcome.status, outcome.body) == (200, {"written": 60, "failed": []})
    assert_written_once_or_reported(outcome, sent, table, proxy)
    assert len(proxy.calls) == 3 + 4


def test_throttling_past_the_deadline_with_nothing_written_is_503(
    app: ModuleType, table: Table, proxy: FaultProxy
) -> None:
    # GIVEN a DynamoDB throttling every call
    proxy.plan = lambda call: Fault(error=THROTTLED)
    # WHEN 100 records are posted with 0.8 s to write them
    timeout = MARGIN + 0.8
    outcome = post_batch(app, ndjson(ids(100)), timeout=timeout)
    # THEN 503 tells the client when to come back, after retries within the deadline
    problem = {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "DynamoDB is busy; retry later.",
    }
    assert (outcome.status, outcome.body) == (503, problem)
    assert outcome.headers["Retry-After"] == "1"
    assert len(proxy.calls) > 4
    assert_within_deadline(outcome, proxy, timeout)
    assert table.items() == {}


def test_throttling_after_some_writes_reports_the_rest(
    app: ModuleType, table: Table, proxy: FaultProxy
) -> None:
    # GIVEN a DynamoDB that takes four calls, then throttles every one
    proxy.plan = lambda call: Fault() if call.number <= 4 else Fault(error=THROTTLED)
    sent = ids(500)
    # WHEN 500 records (20 calls' worth) are posted with 0.8 s to write them
    timeout = MARGIN + 0.8
    outcome = post_batch(app, ndjson(sent), timeout=timeout)
    # THEN the four calls' records are written and each other one is reported, in order:
    # throttled if it was sent, out of time if it never was
    assert outcome.status == 200
    assert outcome.body["written"] == 100
    assert [entry["index"] for entry in outcome.body["failed"]] == sorted(
        int(item_id[1:]) for item_id in set(sent) - set(proxy.written())
    )
    attempted = proxy.attempted()
    assert reasons(outcome) == {
        item_id: "throttled" if item_id in attempted else "timeout"
        for item_id in set(sent) - set(proxy.written())
    }
    assert_written_once_or_reported(outcome, sent, table, proxy)
    assert_within_deadline(outcome, proxy, timeout)


def test_slow_answers_leave_the_rest_to_the_client(
    app: ModuleType, table: Table, proxy: FaultProxy
) -> None:
    # GIVEN a DynamoDB answering each call in 0.25 s (half the read timeout: a busy machine's
    # late wake-ups must not turn an answer into a read timeout)
    proxy.plan = lambda call: Fault(delay=0.25)
    sent = ids(1200)
    # WHEN 1,200 records (48 calls' worth, 8 at a time: six rounds of 0.25 s) are posted with
    # 1 s to start calls in: the first round has a second of slack on a starved machine (with
    # 0.5 s, one run under a load of 6 wrote nothing), and the sixth cannot start in time
    timeout = MARGIN + 1.0
    outcome = post_batch(app, ndjson(sent), timeout=timeout)
    # THEN what was written in time is, and the rest is reported as out of time
    assert outcome.status == 200
    assert 0 < outcome.body["written"] < 1200
    assert set(reasons(outcome).values()) == {"timeout"}
    assert_written_once_or_reported(outcome, sent, table, proxy)
    assert_within_deadline(outcome, proxy, timeout)


def test_unwritten_records_are_listed_with_the_rejected_ones(
    app: ModuleType, table: Table, proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a DynamoDB that never takes "r2", and a writer that gives up at the first refusal
    from py_handler import routes

    monkeypatch.setattr(routes.writer, "backoff", Backoff(base=60, cap=60))
    proxy.plan = lambda call: Fault(hold=frozenset({"r2"}))
    # WHEN an NDJSON batch holds it among a rejected record and blank lines
    lines = [json.dumps(record("r0")), "", "{", json.dumps(record("r2")), " ", "x"]
    lines += [json.dumps(record("r4"))]
    outcome = post_batch(app, "\n".join(lines), timeout=10)
    # THEN the reply lists every record not written, in order, with its line
    syntax = [
        {"path": "", "message": "Expecting property name enclosed in double quotes (column 2)"},
        {"path": "", "message": "Expecting value (column 1)"},
    ]
    throttled = "DynamoDB throttled the write until the time ran out"
    assert (outcome.status, outcome.body) == (
        200,
        {
            "written": 2,
            "failed": [
                {"index": 1, "line": 3, "errors": [{**syntax[0], "keyword": "json_syntax"}]},
                {
                    "index": 2,
                    "line": 4,
                    "errors": [{"path": "", "message": throttled, "keyword": "throttled"}],
                },
                {"index": 3, "line": 6, "errors": [{**syntax[1], "keyword": "json_syntax"}]},
            ],
        },
    )
    assert table.items() == {"r0": item("r0"), "r4": item("r4")}


@pytest.mark.parametrize(
    ("message", "detail"),
    [
        (
            "Item size has exceeded the maximum allowed size",
            {
                "path": "",
                "message": "The item is larger than DynamoDB's 400 KB limit",
                "keyword": "max_item_size",
            },
        ),
        (
            "One or more parameter values were invalid: secret",
            {"path": "", "message": "DynamoDB refused the item", "keyword": "dynamodb"},
        ),
    ],
    ids=["too-large", "refused"],
)
def test_an_item_dynamodb_refuses_is_reported_alone(
    app: ModuleType, table: Table, proxy: FaultProxy, message: str, detail: dict[str, str]
) -> None:
    # GIVEN a DynamoDB refusing any call that holds "r7" (its rules counted otherwise than ours)
    def plan(call: Call) -> Fault:
        if "r7" in call.ids:
            return Fault(error="ValidationException", message=message)
        return Fault()

    proxy.plan = plan
    sent = ids(30)
    # WHEN a JSON array of 30 records holds it
    body = json.dumps([record(item_id) for item_id in sent])
    outcome = post_batch(app, body, timeout=10, ndjson=False)
    # THEN that one is reported as the single-item routes would, the others written once each
    assert (outcome.status, outcome.body) == (
        200,
        {"written": 29, "failed": [{"index": 7, "errors": [detail]}]},
    )
    assert_written_once_or_reported(outcome, sent, table, proxy)


def test_an_error_no_retry_helps_is_500_when_nothing_was_written(
    app: ModuleType, table: Table, proxy: FaultProxy
) -> None:
    proxy.plan = lambda call: Fault(error="AccessDeniedException")
    outcome = post_batch(app, ndjson(ids(40)), timeout=10)
    assert (outcome.status, outcome.body) == (
        500,
        {
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "The server failed to handle the request.",
            "request_id": REQUEST_ID,
        },
    )
    assert len(proxy.calls) == 2
    assert table.items() == {}


def test_an_error_no_retry_helps_after_some_writes_reports_the_rest(
    app: ModuleType, table: Table, proxy: FaultProxy
) -> None:
    # GIVEN a DynamoDB that takes one call, then denies access
    proxy.plan = lambda call: Fault() if call.number == 1 else Fault(error="AccessDeniedException")
    sent = ids(100)
    # WHEN 100 records (four calls' worth) are posted
    outcome = post_batch(app, ndjson(sent), timeout=10)
    # THEN the first call's records are written and the others reported as failed
    assert (outcome.status, outcome.body["written"]) == (200, 25)
    assert set(reasons(outcome).values()) == {"write_failed"}
    assert_written_once_or_reported(outcome, sent, table, proxy)


def test_a_lost_answer_is_sent_again_and_written_once(
    app: ModuleType, table: Table, proxy: FaultProxy
) -> None:
    # GIVEN a DynamoDB that writes the first call's items but answers after the read timeout
    proxy.plan = lambda call: Fault(delay=1.0) if call.number == 1 else Fault()
    sent = ids(10)
    # WHEN 10 records are posted, with time for another call
    outcome = post_batch(app, ndjson(sent), timeout=MARGIN + 1.5)
    # THEN they are sent again: DynamoDB received them twice, the table holds each once
    assert (outcome.status, outcome.body) == (200, {"written": 10, "failed": []})
    assert Counter(proxy.written()) == Counter(sent * 2)
    assert table.items() == {item_id: item(item_id) for item_id in sent}


def test_a_lost_answer_at_the_deadline_is_reported_as_unconfirmed(
    app: ModuleType, table: Table, proxy: FaultProxy
) -> None:
    # GIVEN a DynamoDB that writes the items but answers after the read timeout
    proxy.plan = lambda call: Fault(delay=1.0)
    sent = ids(3)
    # WHEN 3 records are posted with no time for a second call
    timeout = MARGIN + 0.2
    outcome = post_batch(app, ndjson(sent), timeout=timeout)
    # THEN the one case where the function cannot know: each is reported as maybe written
    # (they were), and sending them again is safe: batch writes are upserts
    unconfirmed = {
        "path": "",
        "message": "DynamoDB did not confirm the write; it may have been written",
        "keyword": "unconfirmed",
    }
    assert (outcome.status, outcome.body) == (
        200,
        {
            "written": 0,
            "failed": [{"index": n, "line": n + 1, "errors": [unconfirmed]} for n in range(3)],
        },
    )
    assert table.items() == {item_id: item(item_id) for item_id in sent}
    assert_within_deadline(outcome, proxy, timeout)
