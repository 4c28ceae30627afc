"""A bounded load run of the items API, then an exact accounting of the table.

    python -m bench.load [--requests N] [--clients C] [--servers S[,S...]] [--seconds T]
                         [--client direct|boto3|both] [--seed N] [--probes]
                         [--output report.txt] [--json report.json]

Per run (one DynamoDB client, one number of servers): a fresh Dynoxide (the table created once),
S local servers (`python -m py_handler.local --endpoint-url <Dynoxide>`, each its own process and
port), and C client processes (each with one keep-alive HTTP connection to server `index % S`)
sharing N requests of a mixed workload until done or T seconds have passed: creates with and
without an id, reads (and reads of deleted items), replaces, deletes, list pages (and their next
page), batches of 10-100 records (some with an invalid record or a repeated id), and deliberately
invalid requests. Every client works only on ids it owns, checks every answer (status and body)
against its own model of its items, and hands its model back.

Then the accounting: a strongly consistent Scan of the whole table, straight from Dynoxide, must
hold exactly the acknowledged writes, with exactly their content; a write that was not
acknowledged (a 5xx, a timeout, a dropped connection) may or may not be there, and the report
says which. Every record carries a unique marker (`notes`), so that even a record whose id the
server generated (a batch's) is found.

Exit status: 0 when every run's accounting is exact and nothing unexpected happened (an
unexpected status or body, a 5xx, a timeout, a server that died, a client that hung); else 1.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import multiprocessing
import os
import queue
import random
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from bench import workloads

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Barrier

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = ("direct", "boto3")

# The operations, as the report names them.
CREATE_ID = "POST /items (with id)"
CREATE_NO_ID = "POST /items (no id)"
READ = "GET /items/{id}"
READ_DELETED = "GET /items/{id} (deleted)"
REPLACE = "PUT /items/{id}"
DELETE = "DELETE /items/{id}"
LIST = "GET /items?limit=N"
LIST_NEXT = "GET /items?limit=N&cursor=C"
BATCH = "POST /items/batch"
INVALID = "invalid requests (4xx expected)"
OPERATIONS = (
    CREATE_ID, CREATE_NO_ID, READ, READ_DELETED, REPLACE, DELETE, LIST, LIST_NEXT, BATCH, INVALID
)  # fmt: skip
# How often each is chosen (LIST_NEXT is chosen within LIST: half the time when there is a cursor)
MIX = {
    CREATE_ID: 18, CREATE_NO_ID: 8, READ: 20, READ_DELETED: 3, REPLACE: 12, DELETE: 8, LIST: 8,
    BATCH: 7, INVALID: 8,
}  # fmt: skip
NO_ID_SHARE = 0.2  # of a batch's records: the server generates their ids
UPSERT_SHARE = 0.1  # of a batch's records: an existing item of the client's, replaced
BAD_BATCH_SHARE = 0.1  # batches with one invalid record
DUPLICATE_BATCH_SHARE = 0.1  # batches with one id repeated (the later record must fail)
PROBE_SECONDS = 2.5
DELETE_1 = "one server: DELETE /items/{id} (204), 1 client"
DELETE_4 = "one server: DELETE /items/{id} (204), 4 clients"
GET_1 = "one server: GET /items/{id} (200), 1 client"
GET_4 = "one server: GET /items/{id} (200), 4 clients"
DELETE_PROBE_ITEMS = 3_000  # per DELETE probe: more than one server deletes in PROBE_SECONDS

Record = dict[str, Any]
# A final state an unacknowledged write leaves: the record, or None for no item
Possible = list[Record | None]


# --- Records --------------------------------------------------------------------------------------


def canonical(value: Any) -> Any:
    """A value in a form where equal means the same DynamoDB value: numbers compared as numbers
    (DynamoDB may write 1.50 as 1.5), booleans never equal to numbers, maps unordered."""
    if isinstance(value, bool):
        return ("BOOL", value)
    if isinstance(value, (int, Decimal)):
        return ("N", Decimal(value))
    if isinstance(value, float):
        return ("N", Decimal(repr(value)))
    if isinstance(value, str):
        return ("S", value)
    if value is None:
        return ("NULL",)
    if isinstance(value, dict):
        return ("M", frozenset((key, canonical(v)) for key, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("L", tuple(canonical(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("SET", frozenset(canonical(v) for v in value))
    return ("OTHER", repr(value))


def same(a: Any, b: Any) -> bool:
    return bool(canonical(a) == canonical(b))


def marker_of(record: Record | None) -> str | None:
    notes = None if record is None else record.get("notes")
    return notes if isinstance(notes, str) else None


def without_id(record: Record) -> Record:
    return {key: value for key, value in record.items() if key != "id"}


# --- A client process -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientSpec:
    index: int
    url: str  # the local server this client talks to
    budget: int  # requests to send
    seconds: float  # time cap, from the start signal
    seed: int
    timeout: float  # per request
    batch_min: int
    batch_max: int


@dataclass
class Reply:
    status: int | None  # None: no answer (timeout, dropped connection)
    headers: dict[str, str]
    body: bytes
    seconds: float
    failure: str = ""  # why there is no answer

    @property
    def outcome(self) -> str:
        return str(self.status) if self.status is not None else self.failure

    @property
    def may_have_written(self) -> bool:
        """No answer, or a 5xx: the write may have been applied or not."""
        return self.status is None or self.status >= 500

    def json(self) -> Any:
        return json.loads(self.body, parse_float=Decimal)


@dataclass
class ClientResult:
    index: int
    url: str
    samples: list[tuple[str, str, float]] = field(default_factory=list)  # op, outcome, seconds
    started: float = 0.0  # time.monotonic(): Linux's clock is one for all processes
    ended: float = 0.0
    cpu: float = 0.0  # this process's CPU seconds over the run
    stopped_by_time_cap: bool = False
    records_written: int = 0  # acknowledged
    records_read: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # the first MAX_ERRORS
    error_count: int = 0
    live: dict[str, Record] = field(default_factory=dict)  # id -> record: must be there
    live_by_marker: dict[str, Record] = field(default_factory=dict)  # ids generated, unknown
    deleted: list[str] = field(default_factory=list)  # acknowledged deletes: must be absent
    rejected: list[str] = field(default_factory=list)  # ids only refused requests named
    uncertain: dict[str, Possible] = field(default_factory=dict)  # id -> possible final states
    uncertain_by_marker: dict[str, Record] = field(default_factory=dict)  # may be there, any id
    crashed: str = ""  # the client's own exception, if it failed


MAX_ERRORS = 50  # detailed per client; all are counted


class IdPool:
    """Ids with O(1) add, remove and random choice."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._where: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._where

    def add(self, item_id: str) -> None:
        if item_id not in self._where:
            self._where[item_id] = len(self._ids)
            self._ids.append(item_id)

    def remove(self, item_id: str) -> None:
        where = self._where.pop(item_id, None)
        if where is None:
            return
        last = self._ids.pop()
        if where < len(self._ids):
            self._ids[where] = last
            self._where[last] = where

    def choice(self, rng: random.Random) -> str:
        return self._ids[rng.randrange(len(self._ids))]


@dataclass(frozen=True)
class BatchRecord:
    item_id: str | None  # None: the server generates it
    expected: Record | None  # as the table must hold it once written; None: it never can be
    before: Record | None  # the client's item this record replaces
    must_fail: bool  # refused on purpose: invalid, or an id repeated within the batch


class Client:
    """One client: its own ids, a model of what each of them holds, one keep-alive connection."""

    def __init__(self, spec: ClientSpec) -> None:
        self.spec = spec
        self.rng = random.Random(f"{spec.seed}/{spec.index}")
        address = urlsplit(spec.url)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        self.connection: http.client.HTTPConnection | None = None
        self.serial = 0
        self.result = ClientResult(spec.index, spec.url)
        self.ids = IdPool()  # the live ids: acknowledged, not deleted, not uncertain
        self.deleted: set[str] = set()
        self.cursor: str | None = None

    # -- plumbing

    def send(
        self,
        op: str,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> Reply:
        headers = {"Content-Type": content_type} if body is not None else {}
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.spec.timeout
                )
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
            reply = Reply(
                response.status,
                {name.lower(): value for name, value in response.getheaders()},
                data,
                time.perf_counter() - started,
            )
            if response.will_close:
                self._drop_connection()
        except (OSError, http.client.HTTPException) as error:
            # Never resent: a write sent twice would not be the workload the model follows.
            self._drop_connection()
            failure = "timeout" if isinstance(error, TimeoutError) else type(error).__name__
            reply = Reply(None, {}, b"", time.perf_counter() - started, failure)
        self.result.samples.append((op, reply.outcome, reply.seconds))
        return reply

    def _drop_connection(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def error(self, kind: str, op: str, request: str, reply: Reply | None, detail: str) -> None:
        self.result.error_count += 1
        if len(self.result.errors) < MAX_ERRORS:
            self.result.errors.append(
                {
                    "client": self.spec.index,
                    "kind": kind,
                    "op": op,
                    "request": request,
                    "outcome": None if reply is None else reply.outcome,
                    "detail": detail,
                    "body": None if reply is None else reply.body[:300].decode("utf-8", "replace"),
                }
            )

    def unexpected(self, op: str, request: str, reply: Reply, expected: int, effect: str) -> None:
        if reply.status is None:
            kind = reply.failure if reply.failure == "timeout" else "connection"
        elif reply.status >= 500:
            kind = "5xx"
        else:
            kind = "status"
        self.error(kind, op, request, reply, f"expected {expected}; {effect}")

    def new_id(self) -> str:
        self.serial += 1
        return f"c{self.spec.index}-{self.serial:06d}"

    def record(self, item_id: str | None) -> tuple[Record, bytes]:
        """A fresh order valid under the default schema with a unique marker; the record as the
        table must hold it (numbers as Decimal), and the body that sends it."""
        self.serial += 1
        order = workloads.order(self.rng, lines=self.rng.randint(1, 5), notes=0)
        order["notes"] = f"load c{self.spec.index} w{self.serial}"
        record = order if item_id is None else {"id": item_id, **order}
        body = json.dumps(record).encode()
        expected: Record = json.loads(body, parse_float=Decimal)
        return expected, body

    def set_live(self, item_id: str, record: Record) -> None:
        self.result.live[item_id] = record
        self.ids.add(item_id)

    def set_uncertain(self, item_id: str, before: Record | None, after: Record | None) -> None:
        """A write with no definite answer: the item holds `before` or `after`, and the client
        leaves it alone from now on."""
        self.result.live.pop(item_id, None)
        self.ids.remove(item_id)
        self.result.uncertain[item_id] = [before, after]

    def check_item(self, op: str, request: str, reply: Reply, expected: Record) -> str | None:
        """The item an answer carries is the record sent (with its id); its id, or None."""
        try:
            answer = reply.json()
        except ValueError:
            self.error("answer", op, request, reply, "the body is not JSON")
            return None
        item_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(item_id, str):
            self.error("answer", op, request, reply, "the item has no string id")
            return None
        if not same(answer, {"id": item_id, **expected}):
            self.error("answer", op, request, reply, "the item answered is not the one sent")
        return item_id

    # -- the operations

    def create_with_id(self) -> None:
        item_id = self.new_id()
        expected, body = self.record(item_id)
        request = "POST /items"
        reply = self.send(CREATE_ID, "POST", "/items", body)
        if reply.status == 201:
            self.check_item(CREATE_ID, request, reply, expected)
            if reply.headers.get("location") != f"/items/{item_id}":
                self.error("answer", CREATE_ID, request, reply, "Location is not the item's")
            self.set_live(item_id, expected)
            self.result.records_written += 1
        elif reply.may_have_written:
            self.unexpected(CREATE_ID, request, reply, 201, f"{item_id} may or may not be there")
            self.set_uncertain(item_id, None, expected)
        else:
            self.unexpected(CREATE_ID, request, reply, 201, "refused: nothing written")
            self.result.rejected.append(item_id)

    def create_without_id(self) -> None:
        expected, body = self.record(None)
        marker = str(expected["notes"])
        request = "POST /items"
        reply = self.send(CREATE_NO_ID, "POST", "/items", body)
        if reply.status == 201:
            self.result.records_written += 1
            item_id = self.check_item(CREATE_NO_ID, request, reply, expected)
            if item_id is None:
                self.result.live_by_marker[marker] = expected
                return
            if reply.headers.get("location") != f"/items/{quote(item_id, safe='')}":
                self.error("answer", CREATE_NO_ID, request, reply, "Location is not the item's")
            self.set_live(item_id, {"id": item_id, **expected})
        elif reply.may_have_written:
            self.unexpected(CREATE_NO_ID, request, reply, 201, f"{marker!r} may be there")
            self.result.uncertain_by_marker[marker] = expected
        else:
            self.unexpected(CREATE_NO_ID, request, reply, 201, "refused: nothing written")

    def read(self) -> None:
        item_id = self.ids.choice(self.rng)
        request = f"GET /items/{item_id}"
        reply = self.send(READ, "GET", f"/items/{quote(item_id, safe='')}")
        if reply.status != 200:
            self.unexpected(READ, request, reply, 200, "a read: no effect")
            return
        self.result.records_read += 1
        try:
            answer = reply.json()
        except ValueError:
            self.error("answer", READ, request, reply, "the body is not JSON")
            return
        if not same(answer, self.result.live[item_id]):
            self.error("read", READ, request, reply, "not the last acknowledged write")

    def read_deleted(self) -> None:
        item_id = self.result.deleted[self.rng.randrange(len(self.result.deleted))]
        request = f"GET /items/{item_id}"
        reply = self.send(READ_DELETED, "GET", f"/items/{item_id}")
        if reply.status != 404:
            self.unexpected(READ_DELETED, request, reply, 404, "a deleted item read: no effect")

    def replace(self) -> None:
        item_id = self.ids.choice(self.rng)
        before = self.result.live[item_id]
        expected, body = self.record(item_id)
        if self.rng.random() < 0.5:  # the id from the path alone
            body = json.dumps(without_id(json.loads(body))).encode()
        request = f"PUT /items/{item_id}"
        reply = self.send(REPLACE, "PUT", f"/items/{item_id}", body)
        if reply.status == 200:
            self.check_item(REPLACE, request, reply, without_id(expected))
            self.set_live(item_id, expected)
            self.result.records_written += 1
        elif reply.may_have_written:
            self.unexpected(REPLACE, request, reply, 200, f"{item_id}: old or new content")
            self.set_uncertain(item_id, before, expected)
        else:
            self.unexpected(REPLACE, request, reply, 200, "refused: the old content stays")

    def delete(self) -> None:
        item_id = self.ids.choice(self.rng)
        before = self.result.live[item_id]
        request = f"DELETE /items/{item_id}"
        reply = self.send(DELETE, "DELETE", f"/items/{item_id}")
        if reply.status == 204:
            del self.result.live[item_id]
            self.ids.remove(item_id)
            self.result.deleted.append(item_id)
            self.deleted.add(item_id)
        elif reply.may_have_written:
            self.unexpected(DELETE, request, reply, 204, f"{item_id}: there or not")
            self.set_uncertain(item_id, before, None)
        else:
            self.unexpected(DELETE, request, reply, 204, "refused: the item stays")

    def list_page(self) -> None:
        limit = self.rng.randint(1, 100)
        op, path = LIST, f"/items?limit={limit}"
        if self.cursor is not None and self.rng.random() < 0.5:
            op, path = LIST_NEXT, f"{path}&cursor={quote(self.cursor, safe='')}"
        self.cursor = None
        request = f"GET {path}"
        reply = self.send(op, "GET", path)
        if reply.status != 200:
            self.unexpected(op, request, reply, 200, "a read: no effect")
            return
        try:
            page = reply.json()
            items, cursor = page["items"], page["next_cursor"]
        except (ValueError, KeyError, TypeError):
            self.error("answer", op, request, reply, "not a page: {items, next_cursor}")
            return
        if not isinstance(items, list) or len(items) > limit:
            self.error("answer", op, request, reply, f"more than {limit} items")
            return
        self.result.records_read += len(items)
        self.cursor = cursor if isinstance(cursor, str) else None
        for item in items:
            # The client's own items it can check: nobody else writes them, and the scan is
            # strongly consistent.
            item_id = item.get("id") if isinstance(item, dict) else None
            if (
                isinstance(item_id, str)
                and item_id in self.ids
                and not same(item, self.result.live[item_id])
            ):
                self.error("read", op, request, reply, f"{item_id}: not its last write")
            elif item_id in self.deleted:
                self.error("read", op, request, reply, f"{item_id}: deleted, still listed")
            elif isinstance(item_id, str) and (marker := marker_of(item)) is not None:
                known = self.result.live_by_marker.get(marker)
                if known is not None and not same(without_id(item), known):
                    self.error("read", op, request, reply, f"{marker}: not the record sent")

    def batch(self) -> None:
        count = self.rng.randint(self.spec.batch_min, self.spec.batch_max)
        # Per record: its id (None: generated), the record as the table must hold it if written
        # (None: it can never be), the item it replaces, and whether it must fail.
        records: list[BatchRecord] = []
        bodies: list[Any] = []
        in_batch: set[str] = set()
        for _ in range(count):
            draw = self.rng.random()
            if draw < NO_ID_SHARE:
                expected, body = self.record(None)
                records.append(BatchRecord(None, expected, None, False))
            else:
                item_id = None
                if draw < NO_ID_SHARE + UPSERT_SHARE and self.ids:
                    item_id = self.ids.choice(self.rng)
                if item_id is None or item_id in in_batch:
                    item_id = self.new_id()
                in_batch.add(item_id)
                expected, body = self.record(item_id)
                records.append(BatchRecord(item_id, expected, self.result.live.get(item_id), False))
            bodies.append(json.loads(body))
        variant = self.rng.random()
        if variant < BAD_BATCH_SHARE:  # a record the schema refuses, somewhere
            where = self.rng.randrange(count + 1)
            bad_id = self.new_id()
            _, body = self.record(bad_id)
            bodies.insert(where, {**json.loads(body), "lines": []})
            records.insert(where, BatchRecord(bad_id, None, None, True))
            self.result.rejected.append(bad_id)
        elif variant < BAD_BATCH_SHARE + DUPLICATE_BATCH_SHARE:  # an id again, later on
            repeated = next((r.item_id for r in records if r.item_id is not None), None)
            if repeated is not None:  # must fail: the first record with this id is written
                expected, body = self.record(repeated)
                bodies.append(json.loads(body))
                records.append(BatchRecord(repeated, expected, None, True))
        body = json.dumps(bodies).encode()
        request = f"POST /items/batch ({len(bodies)} records)"
        reply = self.send(BATCH, "POST", "/items/batch", body)
        if reply.status == 200:
            self._batch_answered(request, reply, records)
        elif reply.may_have_written:
            self.unexpected(BATCH, request, reply, 200, "its valid records may or may not be there")
            for record in records:
                if record.expected is None or record.must_fail:
                    continue
                if record.item_id is None:
                    self.result.uncertain_by_marker[str(record.expected["notes"])] = record.expected
                else:
                    self.set_uncertain(record.item_id, record.before, record.expected)
        else:
            self.unexpected(BATCH, request, reply, 200, "refused: nothing written")
            self.result.rejected.extend(
                r.item_id for r in records if r.item_id is not None and r.before is None
            )

    def _batch_answered(
        self,
        request: str,
        reply: Reply,
        records: Sequence[BatchRecord],
    ) -> None:
        failing = {index for index, record in enumerate(records) if record.must_fail}
        try:
            answer = reply.json()
            written = int(answer["written"])
            failed = {int(entry["index"]): entry for entry in answer["failed"]}
        except (ValueError, KeyError, TypeError):
            self.error("answer", BATCH, request, reply, "not {written, failed}")
            failed, written = {}, -1
        if set(failed) != failing or written != len(records) - len(failing):
            detail = (
                f"written {written}, failed {sorted(failed)}; expected written "
                f"{len(records) - len(failing)}, failed {sorted(failing)}"
            )
            self.error("answer", BATCH, request, reply, detail)
        self.result.records_written += max(written, 0)
        for index, record in enumerate(records):
            item_id, expected, before = record.item_id, record.expected, record.before
            if expected is None:  # invalid: never written (else the accounting finds it)
                continue
            if record.must_fail:
                if index not in failed and item_id is not None:
                    # a repeated id reported written: the first record or this one is there
                    self.set_uncertain(item_id, self.result.live.get(item_id), expected)
                continue
            if index in failed:
                keywords = {error.get("keyword") for error in failed[index].get("errors", [])}
                if "unconfirmed" not in keywords:  # reported not written
                    continue
                if item_id is None:
                    self.result.uncertain_by_marker[str(expected["notes"])] = expected
                else:
                    self.set_uncertain(item_id, before, expected)
            elif item_id is None:
                self.result.live_by_marker[str(expected["notes"])] = expected
            else:
                self.set_live(item_id, expected)

    def invalid(self) -> None:
        """A request the API must refuse, and must not write anything for."""
        fresh = self.new_id()
        self.result.rejected.append(fresh)
        _, body = self.record(fresh)
        kinds: list[tuple[str, str, bytes | None, str, int]] = [
            ("POST", "/items", b'{"customer": {"id": "c-1"', "application/json", 400),
            ("POST", "/items", json.dumps({**json.loads(body), "lines": []}).encode(),
             "application/json", 422),
            ("POST", "/items", body, "text/plain", 415),
            ("PUT", f"/items/{fresh}-other", body, "application/json", 400),
            ("GET", f"/items/{fresh}", None, "", 404),
            ("DELETE", f"/items/{fresh}", None, "", 404),
            ("PATCH", f"/items/{fresh}", body, "application/json", 405),
            ("GET", "/items?limit=0", None, "", 400),
            ("POST", "/items/batch", b"[" + body + b", {", "application/json", 400),
        ]  # fmt: skip
        if self.ids:  # an id in use: 409, and the item keeps its content
            existing = self.ids.choice(self.rng)
            _, again = self.record(existing)
            kinds.append(("POST", "/items", again, "application/json", 409))
        method, path, data, content_type, status = kinds[self.rng.randrange(len(kinds))]
        reply = self.send(INVALID, method, path, data, content_type)
        if reply.status != status:
            self.unexpected(INVALID, f"{method} {path}", reply, status, "must write nothing")
        elif reply.headers.get("content-type", "").split(";")[0] != "application/problem+json":
            self.error("answer", INVALID, f"{method} {path}", reply, "not problem+json")

    # -- the loop

    def run(self, start: Barrier) -> ClientResult:
        actions: dict[str, Callable[[], None]] = {
            CREATE_ID: self.create_with_id,
            CREATE_NO_ID: self.create_without_id,
            READ: self.read,
            READ_DELETED: self.read_deleted,
            REPLACE: self.replace,
            DELETE: self.delete,
            LIST: self.list_page,
            BATCH: self.batch,
            INVALID: self.invalid,
        }
        names, weights = list(MIX), list(MIX.values())
        start.wait()
        cpu = time.process_time()
        self.result.started = time.monotonic()
        deadline = self.result.started + self.spec.seconds
        for _ in range(self.spec.budget):
            if time.monotonic() >= deadline:
                self.result.stopped_by_time_cap = True
                break
            op = self.rng.choices(names, weights)[0]
            if op in (READ, REPLACE, DELETE) and not self.ids:
                op = CREATE_ID
            if op == READ_DELETED and not self.result.deleted:
                op = READ if self.ids else CREATE_ID
            actions[op]()
        self.result.ended = time.monotonic()
        self.result.cpu = time.process_time() - cpu
        self._drop_connection()
        return self.result


def client_main(spec: ClientSpec, start: Barrier, results: Queue[ClientResult]) -> None:
    client = Client(spec)
    try:
        result = client.run(start)
    except Exception as error:  # the client's own bug: reported, the run fails
        client.result.crashed = f"{type(error).__name__}: {error}"
        client.result.ended = time.monotonic()
        result = client.result
    results.put(result)


# --- Probes: a fixed set of requests sent in a loop for some seconds ------------------------------


ProbeRequest = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers


@dataclass(frozen=True)
class ProbeSpec:
    url: str
    requests: list[ProbeRequest]
    seconds: float
    cycle: bool = True  # else each request is sent once at most


@dataclass
class ProbeResult:
    count: int = 0
    seconds: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)


def probe_main(spec: ProbeSpec, start: Barrier, results: Queue[ProbeResult]) -> None:
    address = urlsplit(spec.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    result = ProbeResult()
    start.wait()
    began = time.monotonic()
    deadline = began + spec.seconds
    while time.monotonic() < deadline:
        if not spec.cycle and result.count == len(spec.requests):
            break
        method, path, body, headers = spec.requests[result.count % len(spec.requests)]
        sent = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            result.statuses[str(response.status)] += 1
        except (OSError, http.client.HTTPException) as error:
            result.statuses[type(error).__name__] += 1
            connection.close()
        result.latencies.append(time.perf_counter() - sent)
        result.count += 1
    result.seconds = time.monotonic() - began
    connection.close()
    results.put(result)


# --- Processes: CPU time from /proc ---------------------------------------------------------------


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a live process has used; 0.0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    per_second = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / per_second, sum(ticks) / per_second


def dynoxide_pid() -> dict[str, int]:
    """{"Dynoxide": its pid} when this process started one Dynoxide (bench's helper does)."""
    found = children_named("dynoxide")
    return {"Dynoxide": found[0]} if len(found) == 1 else {}


def children_named(name: str) -> list[int]:
    """This process's children called `name` (Dynoxide, which bench's helper starts)."""
    found: list[int] = []
    for children in Path("/proc/self/task").glob("*/children"):
        for pid in children.read_text().split():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/comm").read_text().strip() == name:
                    found.append(int(pid))
    return found


@dataclass
class CpuMeter:
    """CPU used by named processes between start() and stop(), as shares of one core."""

    pids: dict[str, int]
    before: dict[str, float] = field(default_factory=dict)
    used: dict[str, float] = field(default_factory=dict)
    machine_before: tuple[float, float] = (0.0, 0.0)
    machine: float = 0.0  # busy share of the whole machine, in cores

    def start(self) -> None:
        self.before = {name: process_cpu(pid) for name, pid in self.pids.items()}
        self.machine_before = machine_busy()

    def stop(self, wall: float) -> None:
        for name, pid in self.pids.items():
            self.used[name] = (process_cpu(pid) - self.before[name]) / max(wall, 1e-9)
        busy, total = machine_busy()
        cores = os.cpu_count() or 1
        spent = total - self.machine_before[1]
        self.machine = cores * (busy - self.machine_before[0]) / max(spent, 1e-9)


# --- Statistics -----------------------------------------------------------------------------------


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def latency_table(samples: Sequence[tuple[str, str, float]]) -> dict[str, dict[str, Any]]:
    by_op: dict[str, list[float]] = {}
    statuses: dict[str, Counter[str]] = {}
    for op, outcome, seconds in samples:
        by_op.setdefault(op, []).append(seconds)
        statuses.setdefault(op, Counter())[outcome] += 1
    table: dict[str, dict[str, Any]] = {}
    for op in [*OPERATIONS, *sorted(set(by_op) - set(OPERATIONS))]:
        if op not in by_op:
            continue
        ordered = sorted(by_op[op])
        table[op] = {
            "count": len(ordered),
            "p50_ms": percentile(ordered, 0.50) * 1000,
            "p90_ms": percentile(ordered, 0.90) * 1000,
            "p99_ms": percentile(ordered, 0.99) * 1000,
            "max_ms": ordered[-1] * 1000,
            "statuses": dict(sorted(statuses[op].items())),
        }
    return table


# --- The accounting -------------------------------------------------------------------------------


@dataclass
class Accounting:
    items: int = 0  # in the table
    expected: int = 0  # acknowledged, not deleted
    matched: int = 0
    missing: list[str] = field(default_factory=list)  # acknowledged, not there
    wrong: list[str] = field(default_factory=list)  # there, not the acknowledged content
    unexpected: list[str] = field(default_factory=list)  # there, never acknowledged
    duplicates: list[str] = field(default_factory=list)  # one record written twice
    deleted_present: list[str] = field(default_factory=list)  # deleted (204), still there
    rejected_present: list[str] = field(default_factory=list)  # refused (4xx), there
    uncertain_applied: list[str] = field(default_factory=list)  # unacknowledged, there
    uncertain_not_applied: list[str] = field(default_factory=list)  # unacknowledged, not there
    uncertain_other: list[str] = field(default_factory=list)  # unacknowledged, neither state

    @property
    def ok(self) -> bool:
        return not (
            self.missing
            or self.wrong
            or self.unexpected
            or self.duplicates
            or self.deleted_present
            or self.rejected_present
            or self.uncertain_other
        )


def from_attribute_value(value: dict[str, Any]) -> Any:
    """A DynamoDB attribute value (wire form) as a Python value, numbers as Decimal: what
    boto3's TypeDeserializer answers, bytes for Binary."""
    ((kind, inner),) = value.items()
    if kind in ("S", "BOOL"):
        return inner
    if kind == "N":
        return Decimal(inner)
    if kind == "NULL":
        return None
    if kind == "L":
        return [from_attribute_value(v) for v in inner]
    if kind == "M":
        return {name: from_attribute_value(v) for name, v in inner.items()}
    if kind == "SS":
        return set(inner)
    if kind == "NS":
        return {Decimal(v) for v in inner}
    if kind == "B":
        return base64.b64decode(inner)
    if kind == "BS":
        return {base64.b64decode(v) for v in inner}
    raise ValueError(f"not an attribute value: {kind}")


def scan_table(endpoint: str, table: str) -> list[Record]:
    """Every item, by a strongly consistent Scan straight from DynamoDB (its JSON protocol on
    one connection: botocore's parsing would take longer than the load), as Python values."""
    address = urlsplit(endpoint)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=300)
    items: list[Record] = []
    payload: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    try:
        while True:
            ((method, path, body, headers),) = dynamodb_requests("Scan", [payload])
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            if response.status != 200:
                raise RuntimeError(f"Scan answered {response.status}: {data[:300]!r}")
            page = json.loads(data)
            items.extend(
                {name: from_attribute_value(v) for name, v in item.items()}
                for item in page["Items"]
            )
            if not page.get("LastEvaluatedKey"):
                return items
            payload["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    finally:
        connection.close()


def account(items: Sequence[Record], results: Sequence[ClientResult]) -> Accounting:
    live: dict[str, Record] = {}
    live_by_marker: dict[str, Record] = {}
    uncertain: dict[str, Possible] = {}
    uncertain_by_marker: dict[str, Record] = {}
    deleted: set[str] = set()
    rejected: set[str] = set()
    for result in results:
        live.update(result.live)
        live_by_marker.update(result.live_by_marker)
        uncertain.update(result.uncertain)
        uncertain_by_marker.update(result.uncertain_by_marker)
        deleted.update(result.deleted)
        rejected.update(result.rejected)
    report = Accounting(items=len(items), expected=len(live) + len(live_by_marker))
    seen_ids: set[str] = set()
    seen_markers: Counter[str] = Counter()
    for item in items:
        item_id = str(item.get("id"))
        marker = marker_of(item)
        if marker is not None:
            seen_markers[marker] += 1
            if seen_markers[marker] == 2:
                report.duplicates.append(f"{marker} (one record, several items: {item_id}, ...)")
        seen_ids.add(item_id)
        if item_id in live:
            if same(item, live[item_id]):
                report.matched += 1
            else:
                report.wrong.append(
                    f"{item_id}: holds {marker}, acknowledged {live[item_id]['notes']}"
                )
        elif item_id in uncertain:
            before, after = uncertain[item_id]
            if after is not None and same(item, after):
                report.uncertain_applied.append(f"{item_id} ({after['notes']})")
            elif before is not None and same(item, before):
                report.uncertain_not_applied.append(f"{item_id} ({before['notes']})")
            else:
                report.uncertain_other.append(f"{item_id}: holds {marker}")
        elif marker is not None and marker in live_by_marker:
            if same(without_id(item), live_by_marker[marker]):
                report.matched += 1
            else:
                report.wrong.append(f"{item_id}: {marker} with other content")
        elif marker is not None and marker in uncertain_by_marker:
            report.uncertain_applied.append(f"{item_id} ({marker})")
        elif item_id in deleted:
            report.deleted_present.append(f"{item_id} (holds {marker})")
        elif item_id in rejected:
            report.rejected_present.append(f"{item_id} (holds {marker})")
        else:
            report.unexpected.append(f"{item_id} (holds {marker})")
    report.missing = [item_id for item_id in live if item_id not in seen_ids]
    report.missing += [marker for marker in live_by_marker if not seen_markers[marker]]
    for item_id, (before, after) in uncertain.items():
        if item_id not in seen_ids:
            if after is None:
                report.uncertain_applied.append(f"{item_id} (deleted)")
            elif before is None:
                report.uncertain_not_applied.append(f"{item_id} (not created)")
            else:
                report.uncertain_other.append(f"{item_id}: gone, though never deleted")
    report.uncertain_not_applied += [m for m in uncertain_by_marker if not seen_markers[m]]
    return report


# --- A run ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    requests: int
    clients: int
    seconds: float
    seed: int
    timeout: float
    batch_min: int
    batch_max: int
    probes: bool
    tcp_nodelay: bool


@dataclass
class Run:
    client: str
    servers: int
    clients: int
    requests_planned: int
    seconds_cap: float
    tcp_nodelay: bool
    wall: float = 0.0
    requests: int = 0
    stopped_by_time_cap: bool = False
    records_written: int = 0
    records_read: int = 0
    p50_ms: float = 0.0  # all requests
    p99_ms: float = 0.0
    operations: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    problems: list[str] = field(default_factory=list)  # crashed or hung processes
    cpu: dict[str, float] = field(default_factory=dict)  # share of one core over the run
    machine_cores_busy: float = 0.0
    accounting: dict[str, Any] = field(default_factory=dict)
    accounting_ok: bool = False
    server_log_errors: int = 0
    probes: dict[str, Any] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)  # seconds each took

    @property
    def ok(self) -> bool:
        return self.accounting_ok and not self.error_count and not self.problems

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.wall if self.wall else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "ok": self.ok,
            "requests_per_second": self.requests_per_second,
            "records_written_per_second": self.records_written / self.wall if self.wall else 0,
            "records_read_per_second": self.records_read / self.wall if self.wall else 0,
        }


def spawn() -> multiprocessing.context.SpawnContext:
    # Fresh interpreters: nothing of this process's (boto3, open sockets) is inherited.
    return multiprocessing.get_context("spawn")


def run_processes(
    target: Callable[..., None],
    specs: Sequence[Any],
    wait: float,
    on_release: Callable[[], None] | None = None,
) -> tuple[list[Any], float, list[str]]:
    """Start one process per spec, release them together once all are ready (`on_release`
    called then), collect their results: the results, the time from the release to the last
    result, and the processes that did not finish."""
    context = spawn()
    start = context.Barrier(len(specs) + 1)
    results: Queue[Any] = context.Queue()
    processes = [context.Process(target=target, args=(spec, start, results)) for spec in specs]
    for process in processes:
        process.start()
    collected: list[Any] = []
    problems: list[str] = []
    try:
        start.wait(timeout=120)
    except threading.BrokenBarrierError:
        problems.append(f"{target.__name__}: not every process started")
        wait = 0.0
    released = time.monotonic()
    if on_release is not None:
        on_release()
    deadline = released + wait
    while len(collected) < len(processes):
        try:
            collected.append(results.get(timeout=max(0.1, deadline - time.monotonic())))
        except queue.Empty:
            if time.monotonic() >= deadline:
                break
    finished = time.monotonic() - released
    for index, process in enumerate(processes):
        process.join(timeout=5)
        if process.is_alive():
            problems.append(f"{target.__name__} {index} hung: killed after {wait:.0f} s")
            process.kill()
            process.join()
        elif process.exitcode != 0:
            problems.append(f"{target.__name__} {index} exited with status {process.exitcode}")
    if len(collected) < len(processes):
        problems.append(f"{len(processes) - len(collected)} of {len(processes)} gave no result")
    return collected, finished, problems


@contextlib.contextmanager
def servers_running(
    count: int, dynamodb_client: str, folder: Path, tcp_nodelay: bool
) -> Iterator[list[Any]]:
    """`count` local servers (tests/e2e's helper), each on its own port, all in front of the
    endpoint the environment names (bench's local_dynamodb sets it). With `tcp_nodelay`, a
    diagnostic: their sockets have TCP_NODELAY (set by a sitecustomize module put first on
    their PYTHONPATH), which the local server does not set itself."""
    from tests.e2e.support import local_server

    endpoint = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    env = {**os.environ, "DYNAMODB_CLIENT": dynamodb_client}
    for name in ("KEY_NAME", "ITEM_SCHEMA"):  # the workload is for the default key and schema
        env.pop(name, None)
    if tcp_nodelay:
        (folder / "nodelay").mkdir(exist_ok=True)
        (folder / "nodelay" / "sitecustomize.py").write_text(NODELAY_SITECUSTOMIZE)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(folder / "nodelay"), *filter(None, [env.get("PYTHONPATH")])]
        )
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(
                local_server("--endpoint-url", endpoint, output=folder / f"server-{n}.log", env=env)
            )
            for n in range(count)
        ]
        yield servers


NODELAY_SITECUSTOMIZE = """\
# bench.load --tcp-nodelay: the local server's connections with TCP_NODELAY (Nagle off)
import socketserver

socketserver.StreamRequestHandler.disable_nagle_algorithm = True
"""


def server_log_errors(folder: Path) -> int:
    """Tracebacks and error lines the servers logged."""
    count = 0
    for log in folder.glob("server-*.log"):
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("Traceback") or '"level":"ERROR"' in line:
                count += 1
    return count


def one_run(dynamodb_client: str, servers: int, settings: Settings, with_probes: bool) -> Run:
    from bench.tasks.request import TABLE_NAME, local_dynamodb

    run = Run(
        dynamodb_client,
        servers,
        settings.clients,
        settings.requests,
        settings.seconds,
        settings.tcp_nodelay,
    )
    nodelay = ", servers with TCP_NODELAY" if settings.tcp_nodelay else ""
    print(
        f"load: {dynamodb_client} client, {servers} server(s){nodelay}, {settings.clients} "
        f"clients, {settings.requests} requests, cap {settings.seconds:g} s ...",
        file=sys.stderr,
        flush=True,
    )
    clock = [time.monotonic()]

    def phase(name: str) -> None:
        now = time.monotonic()
        run.phases[name] = now - clock[0]
        clock[0] = now
        print(f"load:   {name}: {run.phases[name]:.1f} s", file=sys.stderr, flush=True)

    # Always a fresh Dynoxide of the run's own: the accounting needs a table only this run wrote.
    saved = os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    try:
        with (
            local_dynamodb() as endpoint,
            tempfile.TemporaryDirectory(prefix="load-") as folder,
        ):
            logs = Path(folder)
            with servers_running(servers, dynamodb_client, logs, settings.tcp_nodelay) as running:
                pids = {f"server {n}": s.process.pid for n, s in enumerate(running)}
                pids.update(dynoxide_pid())
                phase("Dynoxide and servers started")
                share, extra = divmod(settings.requests, settings.clients)
                specs = [
                    ClientSpec(
                        index=n,
                        url=running[n % servers].url,
                        budget=share + (n < extra),
                        seconds=settings.seconds,
                        seed=settings.seed,
                        timeout=settings.timeout,
                        batch_min=settings.batch_min,
                        batch_max=settings.batch_max,
                    )
                    for n in range(settings.clients)
                ]
                meter = CpuMeter(pids)
                results, finished, problems = run_processes(
                    client_main, specs, settings.seconds + settings.timeout + 30, meter.start
                )
                if results:
                    run.wall = max(r.ended for r in results) - min(r.started for r in results)
                meter.stop(finished)
                phase("load")
                run.problems += problems
                for n, server in enumerate(running):
                    if server.process.poll() is not None:
                        run.problems.append(f"server {n} exited ({server.process.returncode})")
            # The servers are stopped before the table is read: a request a client gave up on
            # (a timeout) may still be waiting in a server, to be written after the Scan.
            for n, server in enumerate(running):
                if server.process.returncode not in (0, None) and not any(
                    problem.startswith(f"server {n} exited") for problem in run.problems
                ):
                    run.problems.append(f"server {n} stopped badly ({server.process.returncode})")
            run.server_log_errors = server_log_errors(logs)
            time.sleep(0.2)  # what a server sent to DynamoDB just before it stopped
            phase("servers stopped")
            _collect(run, results, meter)
            accounting = account(scan_table(endpoint, TABLE_NAME), results)
            run.accounting = asdict(accounting)
            run.accounting_ok = accounting.ok and len(results) == settings.clients
            phase("accounting")
            if with_probes:  # on the table the load left, with one server of its own
                try:
                    with servers_running(1, dynamodb_client, logs, settings.tcp_nodelay) as one:
                        pids = {"server 0": one[0].process.pid, **dynoxide_pid()}
                        run.probes = probes(endpoint, one[0].url, settings, pids)
                except Exception as error:  # the load's results stand; the run fails all the same
                    traceback.print_exc()
                    run.problems.append(f"the probes failed: {type(error).__name__}: {error}")
                phase("probes")
    finally:
        if saved is not None:
            os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = saved
    return run


def guarded_run(dynamodb_client: str, servers: int, settings: Settings, with_probes: bool) -> Run:
    """One run; one that cannot be carried out (a server that does not start, Dynoxide
    missing) is a failed run in the report, and the next run still goes ahead."""
    try:
        return one_run(dynamodb_client, servers, settings, with_probes)
    except Exception as error:
        traceback.print_exc()
        run = Run(
            dynamodb_client,
            servers,
            settings.clients,
            settings.requests,
            settings.seconds,
            settings.tcp_nodelay,
        )
        run.problems.append(f"the run failed: {type(error).__name__}: {str(error)[:2000]}")
        return run


def _collect(run: Run, results: Sequence[ClientResult], meter: CpuMeter) -> None:
    samples = [sample for result in results for sample in result.samples]
    run.requests = len(samples)
    run.stopped_by_time_cap = any(r.stopped_by_time_cap for r in results)
    run.records_written = sum(r.records_written for r in results)
    run.records_read = sum(r.records_read for r in results)
    run.operations = latency_table(samples)
    ordered = sorted(seconds for _, _, seconds in samples)
    run.p50_ms = percentile(ordered, 0.5) * 1000
    run.p99_ms = percentile(ordered, 0.99) * 1000
    run.statuses = dict(sorted(Counter(outcome for _, outcome, _ in samples).items()))
    run.errors = [error for result in results for error in result.errors]
    run.error_count = sum(r.error_count for r in results)
    run.problems += [f"client {r.index} crashed: {r.crashed}" for r in results if r.crashed]
    run.cpu = dict(meter.used)
    if run.wall:
        run.cpu["clients (all)"] = sum(r.cpu for r in results) / run.wall
    run.machine_cores_busy = meter.machine


# --- Probes ---------------------------------------------------------------------------------------


def probe(
    url: str,
    requests: list[ProbeRequest],
    workers: int,
    cycle: bool = True,
    pids: dict[str, int] | None = None,
    seconds: float = PROBE_SECONDS,
) -> dict[str, Any]:
    """`requests` shared out among `workers` processes, each sending its share in a loop (or
    once, unless `cycle`) on one keep-alive connection for `seconds`; the CPU that the `pids`
    used meanwhile."""
    specs = [
        ProbeSpec(url, requests[n::workers] or requests, seconds, cycle) for n in range(workers)
    ]
    meter = CpuMeter(pids or {})
    results, finished, problems = run_processes(probe_main, specs, seconds + 60, meter.start)
    meter.stop(finished)
    count = sum(r.count for r in results)
    seconds = max((r.seconds for r in results), default=0.0)
    latencies = sorted(x for r in results for x in r.latencies)
    statuses: Counter[str] = Counter()
    for r in results:
        statuses.update(r.statuses)
    return {
        "workers": workers,
        "requests": count,
        "ran_out": not cycle and count == len(requests),
        "per_second": count / seconds if seconds else 0.0,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "statuses": dict(statuses),
        "problems": problems,
        "cpu": {name: share for name, share in meter.used.items() if share > 0.005},
    }


def dynamodb_requests(target: str, payloads: Sequence[Any]) -> list[ProbeRequest]:
    """DynamoDB JSON-protocol requests to Dynoxide, which checks that a signature is there, not
    that it is right."""
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{target}",
        "X-Amz-Date": "20240101T000000Z",
        "Authorization": "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/"
        "aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
    }
    return [("POST", "/", json.dumps(p).encode(), headers) for p in payloads]


def probes(
    endpoint: str, server_url: str, settings: Settings, pids: dict[str, int]
) -> dict[str, Any]:
    """How fast is Dynoxide alone, without any server in front (PutItem, GetItem, BatchWriteItem
    of 25 items, from as many processes as the load has clients)? Does one server process serve
    requests one at a time: how many more DELETEs (answered 204, no body) and GETs (answered
    200, with a body) does it serve from 4 clients than from 1?"""
    from boto3.dynamodb.types import TypeSerializer

    from bench.tasks.request import TABLE_NAME

    print("load: probes ...", file=sys.stderr, flush=True)
    rng = random.Random(settings.seed)
    serialize = TypeSerializer().serialize

    def item(item_id: str) -> dict[str, Any]:
        order = json.loads(json.dumps(workloads.order(rng, lines=3, notes=40)), parse_float=Decimal)
        return {k: serialize(v) for k, v in {"id": item_id, **order}.items()}

    items = [item(f"probe-{n:04d}") for n in range(400)]
    puts = dynamodb_requests("PutItem", [{"TableName": TABLE_NAME, "Item": i} for i in items])
    gets = dynamodb_requests(
        "GetItem",
        [{"TableName": TABLE_NAME, "Key": {"id": i["id"]}, "ConsistentRead": True} for i in items],
    )
    batches = dynamodb_requests(
        "BatchWriteItem",
        [
            {"RequestItems": {TABLE_NAME: [{"PutRequest": {"Item": i}} for i in items[n : n + 25]]}}
            for n in range(0, len(items), 25)
        ],
    )
    # Items for the DELETE probes, each deleted once: more than a server deletes in the time
    doomed = [f"probe-delete-{n:05d}" for n in range(2 * DELETE_PROBE_ITEMS)]
    writes = [{"PutRequest": {"Item": item(i)}} for i in doomed]
    prefill = probe(
        endpoint,
        dynamodb_requests(
            "BatchWriteItem",
            [{"RequestItems": {TABLE_NAME: writes[n : n + 25]}} for n in range(0, len(writes), 25)],
        ),
        settings.clients,
        cycle=False,
        seconds=120,
    )
    if prefill["statuses"] != {"200": len(writes) // 25}:
        raise RuntimeError(f"the DELETE probes' items were not all written: {prefill}")
    deletes: list[ProbeRequest] = [("DELETE", f"/items/{i}", None, {}) for i in doomed]
    server_gets: list[ProbeRequest] = [("GET", f"/items/{i['id']['S']}", None, {}) for i in items]
    workers = settings.clients
    found: dict[str, Any] = {}
    for name, url, requests, count, cycle in (
        ("Dynoxide alone: PutItem", endpoint, puts, workers, True),
        ("Dynoxide alone: GetItem", endpoint, gets, workers, True),
        ("Dynoxide alone: BatchWriteItem (25 items)", endpoint, batches, workers, True),
        (DELETE_1, server_url, deletes[:DELETE_PROBE_ITEMS], 1, False),
        (DELETE_4, server_url, deletes[DELETE_PROBE_ITEMS:], 4, False),
        (GET_1, server_url, server_gets, 1, True),
        (GET_4, server_url, server_gets, 4, True),
    ):  # fmt: skip
        found[name] = probe(url, requests, count, cycle, pids)
    return found


# --- The report -----------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _examples(values: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def render_run(run: Run) -> str:
    cap = "reached: stopped early" if run.stopped_by_time_cap else "not reached"
    lines = [
        f"== {run.client} client, {run.servers} server process(es)"
        f"{' with TCP_NODELAY (diagnostic)' if run.tcp_nodelay else ''}, {run.clients} client "
        f"processes: {run.requests:,} of {run.requests_planned:,} requests in {run.wall:.1f} s "
        f"(time cap {run.seconds_cap:g} s {cap})",
        f"throughput: {run.requests_per_second:,.0f} requests/s; "
        f"{run.records_written / max(run.wall, 1e-9):,.0f} records written/s "
        f"({run.records_written:,} acknowledged); "
        f"{run.records_read / max(run.wall, 1e-9):,.0f} records read/s",
        "",
        f"{'operation':<32}{'count':>7}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        "  statuses",
    ]
    for op, row in run.operations.items():
        statuses = ", ".join(f"{k}: {v}" for k, v in row["statuses"].items())
        lines.append(
            f"{op:<32}{row['count']:>7}{_ms(row['p50_ms']):>9}{_ms(row['p90_ms']):>9}"
            f"{_ms(row['p99_ms']):>9}{_ms(row['max_ms']):>9}  {statuses}"
        )
    lines.append(f"all statuses: {', '.join(f'{k}: {v}' for k, v in run.statuses.items())}")
    cpu = ", ".join(f"{name} {share:.0%}" for name, share in run.cpu.items())
    lines.append(
        f"CPU over the run (100% = one core): {cpu}; whole machine "
        f"{run.machine_cores_busy:.2f} of {os.cpu_count()} cores busy (other work included)"
    )
    lines.append(f"server logs: {run.server_log_errors} tracebacks or ERROR lines")
    if run.error_count or run.problems:
        lines.append(f"UNEXPECTED: {run.error_count} request errors, problems: {run.problems}")
        for error in run.errors[:20]:
            lines.append(
                f"  client {error['client']} {error['kind']}: {error['request']} -> "
                f"{error['outcome']}: {error['detail']}; body {error['body']!r:.200}"
            )
    else:
        lines.append("errors: none (every answer was the expected status and body)")
    a = run.accounting
    if a:
        verdict = "EXACT" if run.accounting_ok else "FAILED"
        lines.append(
            f"accounting ({verdict}): the table holds {a['items']:,} items; "
            f"{a['expected']:,} acknowledged and not deleted, {a['matched']:,} of them there with "
            f"exactly the acknowledged content; missing {len(a['missing'])}, wrong content "
            f"{len(a['wrong'])}, unexpected {len(a['unexpected'])}, duplicated "
            f"{len(a['duplicates'])}, deleted yet there {len(a['deleted_present'])}, refused "
            f"yet there {len(a['rejected_present'])}"
        )
        unacknowledged = (
            len(a["uncertain_applied"])
            + len(a["uncertain_not_applied"])
            + len(a["uncertain_other"])
        )
        lines.append(
            f"records of unacknowledged writes (5xx, timeouts, dropped connections; each may "
            f"or may not have been applied): {unacknowledged}; applied "
            f"{len(a['uncertain_applied'])}, not applied {len(a['uncertain_not_applied'])}, "
            f"in neither state {len(a['uncertain_other'])}"
        )
        for key in ("missing", "wrong", "unexpected", "duplicates", "deleted_present",
                    "rejected_present", "uncertain_applied", "uncertain_not_applied",
                    "uncertain_other"):  # fmt: skip
            if a[key]:
                lines.append(f"  {key}: {_examples(a[key])}")
    for name, result in run.probes.items():
        cpu = ", ".join(f"{k} {v:.0%}" for k, v in result["cpu"].items())
        ran_out = " (ran out of items: a lower bound)" if result["ran_out"] else ""
        lines.append(
            f"probe: {name}: {result['per_second']:,.0f} requests/s{ran_out} from "
            f"{result['workers']} "
            f"process(es) (p50 {_ms(result['p50_ms'])} ms, p99 {_ms(result['p99_ms'])} ms; "
            f"statuses {result['statuses']}; CPU {cpu})"
        )
    lines += [f"finding: {finding}" for finding in probe_findings(run.probes)]
    return "\n".join(lines)


def probe_findings(found: dict[str, Any]) -> list[str]:
    """What the server probes say, in words."""
    rate = {name: result["per_second"] for name, result in found.items()}
    p50 = {name: result["p50_ms"] for name, result in found.items()}
    findings: list[str] = []
    if {DELETE_1, DELETE_4} <= rate.keys() and rate[DELETE_1]:
        findings.append(
            f"one server process serves {rate[DELETE_4] / rate[DELETE_1]:.2f}x the DELETEs from "
            "4 clients that it serves from 1: its handler calls take one lock, so only HTTP "
            "parsing and writing overlap; beyond that it serves one request at a time"
        )
    if {GET_1, DELETE_1} <= p50.keys() and p50[GET_1] - p50[DELETE_1] > 30:
        findings.append(
            f"alone on a keep-alive connection, a GET (200, with a body) takes {_ms(p50[GET_1])} "
            f"ms and a DELETE (204, no body) {_ms(p50[DELETE_1])} ms: the server sends a head "
            "and then a body in two writes without TCP_NODELAY, so Nagle's algorithm holds the "
            "body until the client's delayed ACK (~40 ms on Linux); every answer with a body "
            "waits for it, which caps each connection near 1/40 ms (--tcp-nodelay shows the "
            "server without it)"
        )
    return findings


def render(runs: Sequence[Run], seconds: float) -> str:
    head = [
        f"Load runs of the items API (python -m bench.load), {len(runs)} run(s) in "
        f"{seconds:.0f} s on {os.cpu_count()} cores, shared with other work.",
        "The local server (py_handler/local.py) is a ThreadingHTTPServer whose handler calls "
        "go through one lock (one Lambda-like invocation at a time per process): requests to one "
        "process are served one at a time, DynamoDB's answer awaited inside the lock.",
        "",
        f"{'client':<8}{'servers':>8}{'requests':>10}{'req/s':>8}{'rec w/s':>9}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'errors':>8}  accounting",
    ]
    for run in runs:
        head.append(
            f"{run.client:<8}{run.servers:>8}{run.requests:>10,}{run.requests_per_second:>8,.0f}"
            f"{run.records_written / max(run.wall, 1e-9):>9,.0f}"
            f"{_ms(run.p50_ms):>8}{_ms(run.p99_ms):>8}"
            f"{run.error_count + len(run.problems):>8}  "
            f"{'exact' if run.accounting_ok else 'FAILED'}"
        )
    head.append("(rec w/s: records written and acknowledged per second; p50, p99: all requests)")
    return "\n\n".join(["\n".join(head), *(render_run(run) for run in runs)]) + "\n"


# --- Command line ---------------------------------------------------------------------------------


def counts(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("one or more positive integers, comma-separated")
    return values


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=(__doc__ or "").split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--requests", type=int, default=2000, help="requests per run (2000)")
    parser.add_argument("--clients", type=int, default=4, help="client processes (4)")
    parser.add_argument(
        "--servers", type=counts, default=[1], help="server processes; a list runs each (1)"
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="time cap per run (60)")
    parser.add_argument(
        "--client",
        choices=(*CLIENTS, "both"),
        default="direct",
        help="the function's DynamoDB client (DYNAMODB_CLIENT), or both in turn (direct)",
    )
    parser.add_argument("--seed", type=int, default=1, help="workload seed (1)")
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds (30)")
    parser.add_argument("--batch-min", type=int, default=10, help="records per batch, least (10)")
    parser.add_argument("--batch-max", type=int, default=100, help="records per batch, most (100)")
    parser.add_argument(
        "--probes",
        action="store_true",
        help="after the first run of each client: Dynoxide alone, one server from 1 and 4 clients",
    )
    parser.add_argument(
        "--tcp-nodelay",
        action="store_true",
        help="diagnostic: servers with TCP_NODELAY on their connections (the local server does "
        "not set it: each answer with a body then waits ~40 ms for the client's delayed ACK)",
    )
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    parser.add_argument("--json", type=Path, help="write the results as JSON to this file")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.clients < 1 or args.seconds <= 0:
        parser.error("--requests, --clients and --seconds must be positive")
    if not 1 <= args.batch_min <= args.batch_max <= 9_000:
        parser.error("need 1 <= --batch-min <= --batch-max <= 9000")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))  # tests/e2e's helpers, whatever the working directory
    settings = Settings(
        requests=args.requests,
        clients=args.clients,
        seconds=args.seconds,
        seed=args.seed,
        timeout=args.timeout,
        batch_min=args.batch_min,
        batch_max=args.batch_max,
        probes=args.probes,
        tcp_nodelay=args.tcp_nodelay,
    )
    started = time.monotonic()
    clients = CLIENTS if args.client == "both" else (args.client,)
    runs = [
        # The probes use one server: once per DynamoDB client is enough.
        guarded_run(client, servers, settings, settings.probes and n == 0)
        for client in clients
        for n, servers in enumerate(args.servers)
    ]
    report = render(runs, time.monotonic() - started)
    print(report)
    if args.output:
        args.output.write_text(report, encoding="utf-8")
    if args.json:
        document = {
            "ok": all(run.ok for run in runs),
            "settings": asdict(settings),
            "runs": [run.summary() for run in runs],
        }
        args.json.write_text(json.dumps(document, indent=1, default=str), encoding="utf-8")
    return 0 if all(run.ok for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
