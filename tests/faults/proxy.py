"""A DynamoDB that misbehaves on purpose: an HTTP proxy on loopback in front of a real one
(Dynoxide) that answers chosen calls with what DynamoDB, or the network, does under load.

`plan(call)` decides, for each DynamoDB call (numbered from 1 in the order they arrive, with its
operation and the ids it names), a `Fault`: hold some puts of a BatchWriteItem back and return
them as UnprocessedItems, answer with an error and write nothing, answer late, drop the
connection before or after forwarding, or spoil the answer (a wrong CRC32, a body cut short).
The default plan passes every call through untouched. `calls` records what each call asked for
and what reached the real DynamoDB.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import urlsplit

TARGET = "DynamoDB_20120810."
BATCH_WRITE = TARGET + "BatchWriteItem"
ERROR_TYPE = "com.amazonaws.dynamodb.v20120810#"
THROTTLED = "ProvisionedThroughputExceededException"
# Set again for each hop (the body may change on the way)
HOP_HEADERS = ("host", "content-length", "connection", "transfer-encoding")


@dataclass(frozen=True)
class Fault:
    hold: frozenset[str] = frozenset()  # BatchWriteItem: ids returned as UnprocessedItems
    error: str | None = None  # an error code to answer with, writing nothing (unless `forward`)
    status: int = 400  # its HTTP status
    message: str = "injected by the proxy"  # its message
    delay: float = 0.0  # seconds to wait before answering (after writing)
    # Close the connection without answering: "before" forwarding (nothing reaches DynamoDB)
    # or "after" (the call is applied, its answer lost)
    reset: Literal["before", "after"] | None = None
    bad_crc: bool = False  # forward, and answer with a wrong x-amz-crc32
    truncate: bool = False  # forward, and answer the full Content-Length but half the body
    # With `error`: forward first (the call is applied), then answer the error all the same:
    # DynamoDB may answer a write it applied with a 500
    forward: bool = False


PASS = Fault()


@dataclass
class Call:
    number: int
    ids: list[str]  # the ids it names: the puts of a batch in order, the item or key of the rest
    fault: Fault
    written: list[str] = field(default_factory=list)  # the puts that reached DynamoDB (and took)
    started: float = field(default_factory=time.monotonic)
    operation: str = "BatchWriteItem"  # from X-Amz-Target: PutItem, GetItem, DeleteItem, Scan...
    forwarded: int | None = None  # DynamoDB's status when the call reached it, else None


Plan = Callable[[Call], Fault]


class FaultProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, plan: Plan = lambda call: PASS) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = urlsplit(upstream)
        self.plan = plan
        self.calls: list[Call] = []
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that stopped waiting (a read timeout) is part of the plan

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def written(self) -> list[str]:
        """Every id that reached DynamoDB in a put that took, once per time it did."""
        with self.lock:
            return [item_id for call in self.calls for item_id in call.written]

    def attempted(self) -> set[str]:
        with self.lock:
            return {item_id for call in self.calls for item_id in call.ids}

    def operations(self) -> list[str]:
        """The operation of each call, in order."""
        with self.lock:
            return [call.operation for call in self.calls]

    def new_call(self, ids: list[str], operation: str = "BatchWriteItem") -> Call:
        with self.lock:
            call = Call(len(self.calls) + 1, ids, PASS, operation=operation)
            call.fault = self.plan(call)
            self.calls.append(call)
            return call

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
        connection = http.client.HTTPConnection(
            self.upstream.hostname or "", self.upstream.port, timeout=10
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


def _ids(operation: str, request: Any) -> list[str]:
    """The ids a call names (the key attribute is `id`, as in the tests' table)."""
    try:
        if operation == "BatchWriteItem":
            (puts,) = request["RequestItems"].values()
            return [put["PutRequest"]["Item"]["id"]["S"] for put in puts]
        if operation == "PutItem":
            return [request["Item"]["id"]["S"]]
        if operation in ("GetItem", "DeleteItem", "UpdateItem"):
            return [request["Key"]["id"]["S"]]
    except (KeyError, TypeError, ValueError):
        pass
    return []


class _Handler(BaseHTTPRequestHandler):
    server: FaultProxy
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # answers go out at once, as DynamoDB's do

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        target = self.headers.get("X-Amz-Target") or ""
        operation = target.removeprefix(TARGET)
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        call = self.server.new_call(_ids(operation, request), operation)
        fault = call.fault
        if fault.error is not None and not fault.forward:
            self._error(fault)
            return
        if fault.reset == "before":
            self.close_connection = True
            return
        if target == BATCH_WRITE:
            answer = self._batch_write(call, request, headers)
            if answer is None:  # DynamoDB refused it: its answer was passed on, at once
                return
            status, content_type = 200, None
        else:
            status, answer_headers, answer = self.server.forward("POST", self.path, headers, body)
            content_type = answer_headers.get("Content-Type")
            with self.server.lock:
                call.forwarded = status
                if operation == "PutItem" and status == 200:
                    call.written = list(call.ids)
        if fault.reset == "after":
            self.close_connection = True
            return
        if fault.error is not None:  # applied, and answered with an error all the same
            self._error(fault)
            return
        time.sleep(fault.delay)
        crc = zlib.crc32(answer) ^ (1 if fault.bad_crc else 0)
        self._answer(status, answer, content_type, crc=crc, truncate=fault.truncate)

    def _error(self, fault: Fault) -> None:
        time.sleep(fault.delay)
        error = {"__type": ERROR_TYPE + (fault.error or ""), "message": fault.message}
        self._answer(fault.status, json.dumps(error).encode())

    def _batch_write(self, call: Call, request: Any, headers: dict[str, str]) -> bytes | None:
        """Forward the puts not held back; the answer with those held back added to what
        DynamoDB left unprocessed, or None once an error DynamoDB answered is passed on."""
        fault = call.fault
        (table, puts), *_ = request["RequestItems"].items()
        held = [put for put in puts if put["PutRequest"]["Item"]["id"]["S"] in fault.hold]
        sent = [put for put in puts if put["PutRequest"]["Item"]["id"]["S"] not in fault.hold]
        unprocessed: dict[str, Any] = {}
        if sent:
            request["RequestItems"][table] = sent
            status, _, answer = self.server.forward(
                "POST", self.path, headers, json.dumps(request).encode()
            )
            with self.server.lock:
                call.forwarded = status
            if status != 200:
                self._answer(status, answer)
                return None
            unprocessed = json.loads(answer).get("UnprocessedItems", {})
            with self.server.lock:
                call.written = [put["PutRequest"]["Item"]["id"]["S"] for put in sent]
        if held:
            unprocessed.setdefault(table, []).extend(held)
        return json.dumps({"UnprocessedItems": unprocessed}).encode()

    def _answer(
        self,
        status: int,
        body: bytes,
        content_type: str | None = None,
        *,
        crc: int | None = None,
        truncate: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type or "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-crc32", str(zlib.crc32(body) if crc is None else crc))
        self.send_header("x-amzn-RequestId", "proxy")
        self.end_headers()
        if truncate:  # the headers promise the whole body; half of it comes, then the end
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.wfile.write(body)


@contextmanager
def fault_proxy(upstream: str, plan: Plan = lambda call: PASS) -> Iterator[FaultProxy]:
    proxy = FaultProxy(upstream, plan)
    thread = threading.Thread(target=proxy.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join()
