"""The direct DynamoDB client (`DYNAMODB_CLIENT=direct`, the default): each request body is
built in Rust from the HTTP body (`rust_core.Table`), signed in Rust (`rust_core.sign_v4`), sent
by the standard library on kept-alive connections (pooled, one request at a time each), and its
answer read in Rust into the HTTP response's JSON. No item becomes Python objects; neither boto3 nor
botocore is imported (unless botocore's credential chain is needed: see py_handler.aws_env).

The HTTP/1.1 exchange is written here on the standard library's `socket` and `ssl` rather than
`http.client`: one request is one `sendall` of prebuilt bytes, and the answer's few headers are
split, not parsed by the `email` package. That took a DynamoDB call from ~137 us of CPU to ~40 us
(bench/tasks/request.py measures it).

Retries follow botocore's standard mode: throttling, transient errors, 5xx, connection failures
and a bad checksum are retried, at most three attempts, with full-jitter backoff, a retry quota,
and never past the invocation's deadline. A stale kept-alive connection (after a thaw) is
reopened and the request sent again at once. Credentials DynamoDB calls expired are refreshed
once.
"""

from __future__ import annotations

import os
import random
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import rust_core
from py_handler.aws_env import Credentials, Endpoint
from py_handler.retry import STANDARD_BACKOFF, Backoff, Deadline, RetryQuota
from py_handler.store import (
    THROTTLING,
    Batch,
    Created,
    NotFound,
    Unavailable,
    Unconfirmed,
    settle,
    store_error,
)

CONTENT_TYPE = "application/x-amz-json-1.0"
TARGET = "DynamoDB_20120810."
USER_AGENT = "py_handler-direct"
CONDITION_FAILED = "ConditionalCheckFailedException"

# botocore's standard mode: the codes retried (throttling and transient ones), and the statuses
_RETRYABLE_CODES = THROTTLING | {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "TransactionInProgressException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalServerError",
}
_RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
# Credentials that have expired or been rotated: fetched again, then the call sent once more
_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "UnrecognizedClientException"})


class DynamoDBError(Exception):
    """An error answer no retry helped with: DynamoDB's code and the HTTP status (not its
    message, which may quote the item). `item`: what a failed conditional write found."""

    def __init__(self, status: int, code: str, message: str, item: bytes | None) -> None:
        super().__init__(f"DynamoDB answered {status} {code or '(no code)'}")
        self.status = status
        self.code = code
        self.message = message
        self.item = item


class _NotSent(Exception):
    """The request never reached DynamoDB (no connection)."""


class _NoAnswer(Exception):
    """The request went out, but no intact answer came back: it may have been applied."""

    def __init__(self, reason: str, *, timeout: bool = False) -> None:
        super().__init__(reason)
        self.timeout = timeout


class _Stale(Exception):
    """A kept-alive connection the other end had closed (after a thaw, an idle timeout)."""


class ConnectionPool:
    """Idle kept-alive connections, shared by the threads (the batch writer's are new for each
    batch): a connection carries one request at a time, taken from here and given back when it
    can carry another."""

    MAX_IDLE = 10  # the batch writer's 8 threads, and the request's own

    def __init__(self) -> None:
        self._idle: list[HTTPConnection] = []
        self._lock = threading.Lock()

    def take(self) -> HTTPConnection | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def clear(self) -> None:
        """Close every idle connection (after one was found stale, so are the others)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def give_back(self, connection: HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self.MAX_IDLE:
                self._idle.append(connection)
                return
        connection.close()


class HTTPConnection:
    """A kept-alive HTTP/1.1 connection that sends a request in one write and reads the answer
    as DynamoDB sends it: a status line, headers, and a body of `Content-Length` bytes (or
    chunked). Raises `ConnectionClosed` when the other end closes before answering, `OSError`
    (a timeout included) or `BadAnswer` otherwise."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""
        self.used = False  # it has carried a request already
        self.reusable = True

    def exchange(self, request: bytes) -> tuple[int, dict[str, str], bytes]:
        self.used = True
        self.sock.sendall(request)
        head = self._read_until(b"\r\n\r\n", first=True)
        lines = head.decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        if not version.startswith("HTTP/1.") or not rest[:3].isdigit():
            raise BadAnswer("not an HTTP/1.x status line")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise BadAnswer("a header line without a colon")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked()
        else:
            length = headers.get("content-length", "")
            if not length.isdigit():
                raise BadAnswer("an answer without a Content-Length")
            body = self._read_exactly(int(length))
        self.reusable = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
        return int(rest[:3]), headers, body

    def close(self) -> None:
        self.sock.close()

    def _fill(self, first: bool = False) -> None:
        data = self.sock.recv(65536)
        if not data:
            if first and not self.buffer:
                raise ConnectionClosed
            raise BadAnswer("the connection closed inside the answer")
        self.buffer += data

    def _read_until(self, marker: bytes, first: bool = False) -> bytes:
        while (end := self.buffer.find(marker)) < 0:
            if len(self.buffer) > 65536:
                raise BadAnswer("headers over 64 KiB")
            self._fill(first)
        line, self.buffer = self.buffer[:end], self.buffer[end + len(marker) :]
        return line

    def _read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_line = self._read_until(b"\r\n").split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise BadAnswer("a chunk size that is not hexadecimal") from None
            if size == 0:
                while self._read_until(b"\r\n"):  # trailers, up to the blank line
                    pass
                return b"".join(parts)
            parts.append(self._read_exactly(size))
            if self._read_exactly(2) != b"\r\n":
                raise BadAnswer("a chunk not followed by CRLF")


class ConnectionClosed(Exception):
    """The other end closed the connection before any byte of an answer."""


class BadAnswer(Exception):
    """An answer that is not HTTP/1.1 as DynamoDB speaks it, or cut short."""


class DirectStore:
    def __init__(
        self,
        table: rust_core.Table,
        endpoint: Endpoint,
        credentials: Credentials,
        *,
        connect_timeout: float = 1.0,
        read_timeout: float = 3.0,
        max_attempts: int = 3,
        backoff: Backoff = STANDARD_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.table = table
        self.table_name = table.name
        self.key = table.key
        self.endpoint = endpoint
        self.credentials = credentials
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.sleep = sleep
        self.draw = draw
        self.quota = RetryQuota()
        self.url = f"{endpoint.scheme}://{endpoint.host_header}{endpoint.path}/"
        self.path = f"{endpoint.path}/"
        self._pool = ConnectionPool()
        self._ssl: ssl.SSLContext | None = None  # made at the first HTTPS connection

    # -- The Store interface ---------------------------------------------------------------------

    def create(
        self,
        codec: rust_core.RecordCodec,
        body: bytes,
        deadline: Deadline | None = None,
        new_key: str | None = None,
    ) -> Created:
        request, item_json, item_id = self.table.put_item(codec, body, new_key=new_key)
        created = Created(item_id, item_json)
        try:
            self.call("PutItem", request, deadline=deadline, writes_item=True)
        except _ConditionFailed as exc:
            there, ambiguous = exc.item, exc.ambiguous
        else:
            return created
        return settle(created, there, ambiguous=ambiguous, new_key=new_key)

    def replace(
        self,
        codec: rust_core.RecordCodec,
        body: bytes,
        item_id: str,
        deadline: Deadline | None = None,
    ) -> bytes:
        request, item_json, _ = self.table.put_item(codec, body, create=False, key=item_id)
        self.call("PutItem", request, deadline=deadline, writes_item=True)
        return item_json

    def get(self, item_id: str, deadline: Deadline | None = None) -> bytes:
        answer = self.call("GetItem", self.table.get_item(item_id), deadline=deadline)
        item = self.table.read_item(answer)
        if item is None:
            raise NotFound
        return item

    def delete(self, item_id: str, deadline: Deadline | None = None) -> None:
        try:
            self.call("DeleteItem", self.table.delete_item(item_id), deadline=deadline)
        except _ConditionFailed:
            raise NotFound from None

    def scan(
        self, limit: int, start: str | None = None, deadline: Deadline | None = None
    ) -> tuple[list[bytes], str | None]:
        answer = self.call("Scan", self.table.scan(limit, start), deadline=deadline)
        return self.table.read_page(answer)

    def decode_batch(self, codec: rust_core.RecordCodec, body: bytes, *, ndjson: bool) -> Batch:
        puts, keys, rejected = self.table.put_batch(codec, body, ndjson=ndjson)
        return Batch(puts, keys, [len(put) + 1 for put in puts], rejected)

    def put_batch(self, puts: Sequence[Any]) -> list[str]:
        # Sent once: the batch writer retries under the invocation's deadline.
        answer = self.call(
            "BatchWriteItem", self.table.batch_write(puts), attempts=1, writes_item=True
        )
        return self.table.read_unprocessed(answer)

    @property
    def batch_call_seconds(self) -> float:
        return self.connect_timeout + self.read_timeout

    # -- One call, retried -----------------------------------------------------------------------

    def call(
        self,
        operation: str,
        body: bytes,
        *,
        deadline: Deadline | None = None,
        attempts: int | None = None,
        writes_item: bool = False,
    ) -> bytes:
        """The answer to a DynamoDB request, once it is a `200`. Errors: `Throttled`,
        `Unavailable`, `Unconfirmed`, `ItemTooLarge` / `ItemRejected` (`writes_item`),
        `_ConditionFailed`, or `DynamoDBError` for any other error answer."""
        attempts = self.max_attempts if attempts is None else attempts
        ambiguous = refreshed = False
        spent = retries = 0
        while True:
            try:
                status, answer, resent = self._exchange(operation, body)
                ambiguous = ambiguous or resent
            except _NotSent as exc:
                failure: Exception = Unavailable(str(exc))
                timeout = False
            except _NoAnswer as exc:
                ambiguous = True
                failure, timeout = Unconfirmed(str(exc)), exc.timeout
            else:
                if status == 200:
                    self.quota.release(spent)
                    return answer
                error = _error(status, answer)
                if error.code in _EXPIRED and not refreshed:
                    self.credentials.refresh()
                    refreshed = True
                    continue
                if error.code == CONDITION_FAILED:
                    raise _ConditionFailed(error.item, ambiguous=ambiguous)
                if not (error.code in _RETRYABLE_CODES or status in _RETRYABLE_STATUSES):
                    raise _final(error, writes_item=writes_item)
                # A request answered with a server error may have been applied all the same
                ambiguous = ambiguous or status >= 500
                failure, timeout = _final(error, writes_item=writes_item), False
            retries += 1
            if retries >= attempts:
                raise failure
            cost = self.quota.acquire(timeout=timeout)
            delay = self.backoff.delay(retries - 1, self.draw)
            if not cost or (deadline and not deadline.allows(delay + self.batch_call_seconds)):
                raise failure
            spent += cost
            self.sleep(delay)

    def _exchange(self, operation: str, body: bytes) -> tuple[int, bytes, bool]:
        """One request and its answer, its checksum checked, and whether it was sent twice: a
        kept-alive connection closed without an answer is most likely one the other end had
        closed before the request came (after a thaw, an idle timeout), so the request is sent
        again at once on a new connection (the other idle ones are as old), but the first may
        have been applied."""
        try:
            return (*self._send(operation, body), False)
        except _Stale:
            self._pool.clear()
            return (*self._send(operation, body), True)

    def _send(self, operation: str, body: bytes) -> tuple[int, bytes]:
        target = TARGET + operation
        host = self.endpoint.host_header
        headers = {"Host": host, "Content-Type": CONTENT_TYPE, "X-Amz-Target": target}
        access_key, secret_key, token = self.credentials.frozen()
        signed = rust_core.sign_v4(
            "POST",
            self.url,
            headers,
            body,
            region=self.endpoint.region,
            service="dynamodb",
            access_key=access_key,
            secret_key=secret_key,
            session_token=token,
        )
        head = "".join(f"{name}: {value}\r\n" for name, value in signed)
        trace = os.environ.get("_X_AMZN_TRACE_ID")  # Lambda's, per invocation; not signed
        if trace:
            head += f"X-Amzn-Trace-Id: {trace}\r\n"
        request = (
            f"POST {self.path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {CONTENT_TYPE}\r\n"
            f"X-Amz-Target: {target}\r\n{head}User-Agent: {USER_AGENT}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode("ascii") + body
        connection = self._pool.take() or self._connect()
        reused = connection.used
        try:
            status, answer_headers, answer = connection.exchange(request)
        except (ConnectionClosed, ConnectionResetError, BrokenPipeError, ssl.SSLEOFError) as exc:
            connection.close()
            if reused:
                raise _Stale from exc
            raise _NoAnswer(type(exc).__name__) from exc
        except (OSError, BadAnswer) as exc:  # a timeout, a truncated or garbled answer
            connection.close()
            raise _NoAnswer(type(exc).__name__, timeout=isinstance(exc, TimeoutError)) from exc
        if connection.reusable:
            self._pool.give_back(connection)
        else:
            connection.close()
        expected = answer_headers.get("x-amz-crc32")
        if expected is not None and expected != str(zlib.crc32(answer)):
            raise _NoAnswer("the answer's CRC32 does not match")
        return status, answer

    def _connect(self) -> HTTPConnection:
        """A new connection (`_NotSent` if it cannot be made)."""
        endpoint = self.endpoint
        try:
            sock = socket.create_connection((endpoint.host, endpoint.port), self.connect_timeout)
        except OSError as exc:  # refused, unreachable, no such host, connect timeout
            raise _NotSent(type(exc).__name__) from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if endpoint.scheme == "https":
                sock = self._tls().wrap_socket(sock, server_hostname=endpoint.host)
        except OSError as exc:  # the TLS handshake failed or timed out
            sock.close()
            raise _NotSent(type(exc).__name__) from exc
        sock.settimeout(self.read_timeout)  # connected: now the wait for each answer
        return HTTPConnection(sock)

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:  # loading the CA certificates takes milliseconds: only for HTTPS
            self._ssl = ssl.create_default_context(cafile=self.endpoint.ca_bundle)
        return self._ssl


class _ConditionFailed(Exception):
    """`ConditionalCheckFailedException`: `item` is what is there (`ALL_OLD`); `ambiguous`
    when an earlier attempt of the same call may have been applied."""

    def __init__(self, item: bytes | None, *, ambiguous: bool) -> None:
        super().__init__(CONDITION_FAILED)
        self.item = item
        self.ambiguous = ambiguous


def _error(status: int, answer: bytes) -> DynamoDBError:
    try:
        code, message, item = rust_core.read_error(answer)
    except ValueError:  # not DynamoDB's JSON (a proxy's error page, ...): the status speaks
        code, message, item = "", "", None
    return DynamoDBError(status, code, message, item)


def _final(error: DynamoDBError, *, writes_item: bool) -> Exception:
    """The exception a caller acts on for an error answer."""
    failure = store_error(error.code, error.message, writes_item=writes_item)
    if failure is not None:
        return failure
    if error.status >= 500:
        return Unavailable(f"DynamoDB answered {error.status}")
    return error
