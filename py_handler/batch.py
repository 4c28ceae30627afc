"""POST /items/batch's writer: accepted items go to DynamoDB with BatchWriteItem, and each one
ends up written exactly once or reported with the reason it was not.

- `chunk`: consecutive items, at most 25 puts and 16 MB of request per call (DynamoDB's limits),
  sent concurrently by a few threads (boto3 clients are thread-safe).
- What DynamoDB leaves unprocessed, or throttles whole, is sent again after an exponential backoff
  with full jitter (`Backoff`) while the invocation's `Deadline` allows: the Lambda's remaining time
  less a margin for the call still in flight and the reply. No call starts after it.
- A chunk DynamoDB refuses as invalid is halved until the refused item stands alone.

Sleep, clock and random are injected, so every piece runs deterministically under test.
"""

from __future__ import annotations

import heapq
import random
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from typing import Any

from py_handler.retry import Backoff, Deadline, RemainingTime
from py_handler.store import (
    Batch,
    ItemRejected,
    ItemTooLarge,
    Throttled,
    Unavailable,
    Unconfirmed,
)

MAX_PUTS = 25  # per BatchWriteItem
MAX_REQUEST_BYTES = 16 * 1024 * 1024  # per BatchWriteItem, as sent
# `{"RequestItems": {"<table name>": [...]}}` around the puts: a table name is at most 255
# characters, each at most 6 bytes once JSON-escaped.
ENVELOPE_BYTES = 2048
WORKERS = 8  # within botocore's default pool of 10 connections
REPLY_SECONDS = 1.0  # kept, past the deadline, for the reply
BATCH_BACKOFF = Backoff(base=0.05, cap=2.0)  # unprocessed items come back soon

PutBatch = Callable[[Sequence[Any]], list[str]]  # Store.put_batch


class Reason(Enum):
    """Why a valid record was not written: a stable keyword and a message, as in `errors`."""

    THROTTLED = ("throttled", "DynamoDB throttled the write until the time ran out")
    TIMEOUT = ("timeout", "The time ran out before the record could be written")
    UNAVAILABLE = ("unavailable", "DynamoDB failed until the time ran out")
    UNCONFIRMED = ("unconfirmed", "DynamoDB did not confirm the write; it may have been written")
    TOO_LARGE = (ItemTooLarge.keyword, ItemTooLarge.message)
    REFUSED = (ItemRejected.keyword, ItemRejected.message)
    FAILED = ("write_failed", "The write failed")

    @property
    def detail(self) -> dict[str, str]:
        keyword, message = self.value
        return {"path": "", "message": message, "keyword": keyword}

    @property
    def busy(self) -> bool:
        """DynamoDB was too busy for the record in the time there was: worth a retry later."""
        return self in (Reason.THROTTLED, Reason.TIMEOUT)


def chunk(
    sizes: Sequence[int],
    *,
    max_puts: int = MAX_PUTS,
    max_bytes: int = MAX_REQUEST_BYTES - ENVELOPE_BYTES,
) -> list[range]:
    """Positions `0..len(sizes)` cut greedily into runs of at most `max_puts` whose sizes add up to
    at most `max_bytes` (an item larger than that alone goes in a run of its own)."""
    runs: list[range] = []
    start = total = 0
    for position, size in enumerate(sizes):
        if position > start and (position - start == max_puts or total + size > max_bytes):
            runs.append(range(start, position))
            start, total = position, 0
        total += size
    if start < len(sizes):
        runs.append(range(start, len(sizes)))
    return runs


@dataclass
class WriteReport:
    written: int = 0
    retried: int = 0  # puts sent again
    unwritten: dict[int, Reason] = field(default_factory=dict)  # by position in the items
    error: Exception | None = None  # the first error no retry could help

    def raise_if_nothing_written(self) -> None:
        """When nothing was written: raise the error no retry could help (a 500), or `Throttled`
        (a 503) when DynamoDB was too busy for every item in the time there was."""
        if self.written or not self.unwritten:
            return
        if self.error is not None:
            raise self.error
        if all(reason.busy for reason in self.unwritten.values()):
            raise Throttled

    def give_up(self, positions: Sequence[int], reason: Reason) -> None:
        self.unwritten.update(dict.fromkeys(positions, reason))

    @classmethod
    def combine(cls, reports: Sequence[WriteReport]) -> WriteReport:
        total = cls()
        for report in reports:
            total.written += report.written
            total.retried += report.retried
            total.unwritten.update(report.unwritten)
            total.error = total.error or report.error
        total.unwritten = dict(sorted(total.unwritten.items()))
        return total


class BatchWriter:
    """Writes a `Batch`'s puts with `put_batch` (one BatchWriteItem: the keys it left
    unprocessed); no call starts later than `margin` seconds before the invocation's end."""

    def __init__(
        self,
        put_batch: PutBatch,
        *,
        margin: float,
        workers: int = WORKERS,
        backoff: Backoff = BATCH_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        draw: Callable[[], float] = random.random,
        max_puts: int = MAX_PUTS,
        max_bytes: int = MAX_REQUEST_BYTES - ENVELOPE_BYTES,
    ) -> None:
        self.put_batch = put_batch
        self.margin = margin
        self.workers = workers
        self.backoff = backoff
        self.sleep = sleep
        self.clock = clock
        self.draw = draw
        self.max_puts = max_puts
        self.max_bytes = max_bytes

    def write(self, batch: Batch, context: RemainingTime) -> WriteReport:
        """Every put written, or given up with a reason in the report."""
        deadline = Deadline.of(context, self.margin, self.clock)
        runs = chunk(batch.sizes, max_puts=self.max_puts, max_bytes=self.max_bytes)
        write_run = partial(self._write_run, batch, deadline=deadline)
        if len(runs) <= 1 or self.workers <= 1:
            return WriteReport.combine([write_run(run) for run in runs])
        with ThreadPoolExecutor(min(self.workers, len(runs)), "batch-write") as pool:
            return WriteReport.combine(list(pool.map(write_run, runs)))

    def _write_run(self, batch: Batch, run: range, *, deadline: Deadline) -> WriteReport:
        """One chunk, to the end: each position written, or given up with a reason."""
        report = WriteReport()
        # What is left to send, each with the reason it is given up for if time runs out
        pending: deque[tuple[list[int], Reason]] = deque([(list(run), Reason.TIMEOUT)])
        retries = 0
        while pending:
            positions, reason = pending.popleft()
            if not deadline.allows():
                report.give_up(positions, reason)
                continue
            if reason is not Reason.TIMEOUT:
                report.retried += len(positions)
            try:
                left = self._put(batch, positions)
                reason = Reason.THROTTLED
            except Throttled:
                left, reason = positions, Reason.THROTTLED
            except (ItemTooLarge, ItemRejected) as exc:
                if len(positions) == 1:
                    refused = Reason.TOO_LARGE if isinstance(exc, ItemTooLarge) else Reason.REFUSED
                    report.give_up(positions, refused)
                else:  # one item spoils the call: halve it until that one stands alone
                    half = len(positions) // 2
                    pending.extendleft(
                        [(positions[half:], Reason.TIMEOUT), (positions[:half], Reason.TIMEOUT)]
                    )
                continue
            except Unavailable:
                left, reason = positions, Reason.UNAVAILABLE
            except Unconfirmed:  # sent again: a put of the same item is harmless
                left, reason = positions, Reason.UNCONFIRMED
            except Exception as exc:  # no retry helps: the rest of the chunk fails alike
                report.error = exc
                report.give_up(positions, Reason.FAILED)
                for rest, _ in pending:
                    report.give_up(rest, Reason.FAILED)
                break
            report.written += len(positions) - len(left)
            if left:
                delay = self.backoff.delay(retries, self.draw)
                retries += 1
                if deadline.allows(delay):
                    self.sleep(delay)
                    pending.appendleft((left, reason))
                else:
                    report.give_up(left, reason)
        return report

    def _put(self, batch: Batch, positions: list[int]) -> list[int]:
        """One call: the positions DynamoDB left unprocessed."""
        unprocessed = self.put_batch([batch.puts[position] for position in positions])
        if not unprocessed:
            return []
        keys = set(unprocessed)
        return [position for position in positions if batch.keys[position] in keys]


# The reply: the records the codec rejected and the accepted ones that were not written


def failed_records(
    rejected: Sequence[dict[str, Any]],
    unwritten: Mapping[int, Reason],
    *,
    accepted: int,
    lines: Callable[[], Sequence[int]] | None = None,
) -> list[dict[str, Any]]:
    """One list in record order: `rejected` as rust_core lists them, and an entry like theirs
    for each `unwritten` item (by position among the `accepted` ones). `lines` gives each
    record's line number (NDJSON), asked for only when an item was not written."""
    if not unwritten:
        return list(rejected)
    skipped = {entry["index"] for entry in rejected}
    indexes = [index for index in range(accepted + len(rejected)) if index not in skipped]
    line_of = None if lines is None else lines()
    entries: list[dict[str, Any]] = []
    for position, reason in sorted(unwritten.items()):
        index = indexes[position]
        entry: dict[str, Any] = {"index": index}
        if line_of is not None:
            entry["line"] = line_of[index]
        entry["errors"] = [reason.detail]
        entries.append(entry)
    return list(heapq.merge(rejected, entries, key=lambda entry: int(entry["index"])))


def record_lines(body: bytes) -> list[int]:
    """The 1-based line number of each NDJSON record: lines that are not blank (JSON whitespace
    alone), as rust_core counts them."""
    return [number for number, line in enumerate(body.split(b"\n"), 1) if line.strip(b" \t\r")]
