"""A DynamoDB that misbehaves on purpose: an HTTP proxy on loopback in front of a real one
(Dynoxide) that answers chosen BatchWriteItem calls with what DynamoDB does under load.

`plan(call)` decides, for each BatchWriteItem call (numbered from 1, with the ids it puts), a
`Fault`: hold some puts back and return them as UnprocessedItems, answer with an error and write
nothing, or answer late. Every other request goes through untouched. `calls` records what each
BatchWriteItem call asked for and what reached the real DynamoDB.
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
from typing import Any
from urllib.parse import urlsplit

BATCH_WRITE = "DynamoDB_20120810.BatchWriteItem"
ERROR_TYPE = "com.amazonaws.dynamodb.v20120810#"
THROTTLED = "ProvisionedThroughputExceededException"
# Set again for each hop (the body may change on the way)
HOP_HEADERS = ("host", "content-length", "connection", "transfer-encoding")


@dataclass(frozen=True)
class Fault:
    hold: frozenset[str] = frozenset()  # ids returned as UnprocessedItems, not written
    error: str | None = None  # an error code to answer with, writing nothing
    status: int = 400  # its HTTP status
    message: str = "injected by the proxy"  # its message
    delay: float = 0.0  # seconds to wait before answering (after writing)


PASS = Fault()


@dataclass
class Call:
    number: int
    ids: list[str]  # what the call asked to put, in order
    fault: Fault
    written: list[str] = field(default_factory=list)  # what reached DynamoDB
    started: float = field(default_factory=time.monotonic)


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
        """Every id that reached DynamoDB, once per time it did."""
        with self.lock:
            return [item_id for call in self.calls for item_id in call.written]

    def attempted(self) -> set[str]:
        with self.lock:
            return {item_id for call in self.calls for item_id in call.ids}

    def new_call(self, ids: list[str]) -> Call:
        with self.lock:
            call = Call(len(self.calls) + 1, ids, PASS)
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


class _Handler(BaseHTTPRequestHandler):
    server: FaultProxy
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # answers go out at once, as DynamoDB's do

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        if self.headers.get("X-Amz-Target") != BATCH_WRITE:
            status, answer_headers, answer = self.server.forward("POST", self.path, headers, body)
            self._answer(status, answer, answer_headers.get("Content-Type"))
            return
        request = json.loads(body)
        (table, puts), *_ = request["RequestItems"].items()
        call = self.server.new_call([put["PutRequest"]["Item"]["id"]["S"] for put in puts])
        fault = call.fault
        if fault.error is not None:
            time.sleep(fault.delay)
            error = {"__type": ERROR_TYPE + fault.error, "message": fault.message}
            self._answer(fault.status, json.dumps(error).encode())
            return
        held = [put for put in puts if put["PutRequest"]["Item"]["id"]["S"] in fault.hold]
        sent = [put for put in puts if put["PutRequest"]["Item"]["id"]["S"] not in fault.hold]
        unprocessed: dict[str, Any] = {}
        if sent:
            request["RequestItems"][table] = sent
            status, _, answer = self.server.forward(
                "POST", self.path, headers, json.dumps(request).encode()
            )
            if status != 200:
                self._answer(status, answer)
                return
            unprocessed = json.loads(answer).get("UnprocessedItems", {})
            with self.server.lock:
                call.written = [put["PutRequest"]["Item"]["id"]["S"] for put in sent]
        if held:
            unprocessed.setdefault(table, []).extend(held)
        time.sleep(fault.delay)
        self._answer(200, json.dumps({"UnprocessedItems": unprocessed}).encode())

    def _answer(self, status: int, body: bytes, content_type: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type or "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-crc32", str(zlib.crc32(body)))
        self.send_header("x-amzn-RequestId", "proxy")
        self.end_headers()
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
