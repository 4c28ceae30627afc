"""Serve the API locally: `python -m py_handler.local [--host H] [--port P] [--endpoint-url URL]
[--payload 2.0|1.0]`.

Each HTTP request becomes the event API Gateway would send (an HTTP API payload 2.0 event, or a
REST API 1.0 event) and goes through JSON on the way in and out, as in the Lambda runtime. Without
an endpoint (flag or AWS_ENDPOINT_URL_DYNAMODB) an in-memory Dynoxide is started for the run.

Every method reaches the function, as through API Gateway. What API Gateway refuses before
invoking anything is refused here too, as problem+json with the connection closed: a request
line, method or header field line that is not HTTP's (400), a body without a Content-Length
(411), a Content-Length that is not one non-negative decimal integer (400), a body over API
Gateway's 10 MB payload limit (413, answered before the body is read), a body cut short (400)
or that stops arriving (408).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, MutableMapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from py_handler.dynamo_local import LOCAL_ENVIRONMENT, Dynoxide, ensure_table, local_client

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
# A record the default schema (py_handler/schema.json) accepts, for the banner's curl example.
EXAMPLE_ORDER = (
    '{"customer": {"id": "c-42", "name": "Ada Lovelace", "email": "ada@example.com"}, '
    '"currency": "EUR", "lines": [{"sku": "WIDGET-1", "qty": 2, "price": 9.99}]}'
)
# API Gateway's request payload limit, HTTP and REST APIs alike (10 MB): a larger body never
# reaches a function there, so the local server answers 413 without reading it.
MAX_REQUEST_BYTES = 10_485_760
# How long a connection may wait on the client (a request, a body) before it is dropped.
TIMEOUT_SECONDS = 60.0
# After refusing an unread body, how long what the client still sends is drained before closing.
LINGER_SECONDS = 2.0
# What the deployed function's environment sets (template.yaml); Powertools reads them.
POWERTOOLS_DEFAULTS = ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE")
PROBLEM_JSON = "application/problem+json"
# RFC 9110's names, as the function's errors use them (Pythons before 3.13 have older ones).
_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}
# RFC 9110's token: what a method may be spelled with.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_DIGITS = re.compile(r"[0-9]+")
# RFC 9112 section 5: a field line starts with its name (a token) and a colon, nothing between.
_FIELD_LINE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+:")
# What ends a request's header section (the last, b"", when the client stops sending).
_END_OF_HEADERS = (b"\r\n", b"\n", b"")


@dataclass
class LocalContext:
    """What the Lambda runtime passes as `context`, as far as the function reads it."""

    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_name: str = "items-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:items-local"
    log_group_name: str = "/aws/lambda/items-local"
    log_stream_name: str = "local"
    timeout_seconds: float = 20.0  # as in template.yaml
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_seconds - time.monotonic()) * 1000))


@dataclass
class Request:
    method: str
    target: str  # path and query, as sent
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    def body_fields(self) -> tuple[str | None, bool]:
        """API Gateway passes a text body as is and anything else base64-encoded."""
        if not self.body:
            return None, False
        try:
            return self.body.decode("utf-8"), False
        except UnicodeDecodeError:
            return base64.b64encode(self.body).decode("ascii"), True


def http_api_event(request: Request) -> dict[str, Any]:
    """An HTTP API (payload format 2.0) event: lower-case headers, repeated ones joined by
    commas, cookies apart, and the path decoded, as API Gateway does. A percent-encoded byte that
    is not UTF-8 cannot be a character of the decoded path: it becomes a lone surrogate (a
    `\\udcXX` escape in the event's JSON), which no id can hold, never U+FFFD, which would alias
    an id that can."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        if name.lower() == "cookie":
            cookies.extend(cookie.strip() for cookie in value.split(";") if cookie.strip())
        else:
            name = name.lower()
            headers[name] = f"{headers[name]},{value}" if name in headers else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    body, is_base64 = request.body_fields()
    path = unquote(request.path, errors="surrogateescape")
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("host", "localhost"),
            "domainPrefix": "local",
            "http": {
                "method": request.method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if body is not None:
        event["body"] = body
    return event


def rest_api_event(request: Request) -> dict[str, Any]:
    """A REST API (payload format 1.0) event: headers as sent, the last value of each in
    `headers`, all of them in `multiValueHeaders`; the path still percent-encoded."""
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    body, is_base64 = request.body_fields()
    now = time.time()
    return {
        "resource": "/{proxy+}",
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "httpMethod": request.method,
            "identity": {"sourceIp": request.source_ip, "userAgent": headers.get("User-Agent")},
            "path": request.path,
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "resourcePath": "/{proxy+}",
            "stage": "local",
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def content_length(values: Iterable[str]) -> int | None:
    """The body length that the Content-Length field lines give (0 when there are none): one
    non-negative decimal integer, repeated identically at most (RFC 9110 section 8.6, list
    syntax included); None for anything else. A length of 19 digits or more counts as
    sys.maxsize: over any limit, and never parsed (Python limits int() to 4300 digits)."""
    found: set[str] = set()
    for value in values:
        for element in value.split(","):
            digits = element.strip(" \t")
            if not _DIGITS.fullmatch(digits):
                return None
            found.add(digits.lstrip("0") or "0")
    if len(found) > 1:
        return None
    if not found:
        return 0
    (digits,) = found
    return int(digits) if len(digits) < 19 else sys.maxsize


def problem_body(status: HTTPStatus, detail: str) -> bytes:
    """An RFC 9457 body shaped like the function's own errors."""
    title = _TITLES.get(status.value, status.phrase)
    body = {"type": "about:blank", "title": title, "status": status.value, "detail": detail}
    return json.dumps(body).encode()


def invoke(handler: Handler, event: dict[str, Any]) -> dict[str, Any]:
    """Call the function as the Lambda runtime does: event and response cross as JSON."""
    response = handler(json.loads(json.dumps(event)), LocalContext())
    result: dict[str, Any] = json.loads(json.dumps(response))
    return result


def response_parts(response: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of a proxy integration response, as API Gateway sends them."""
    headers = dict(response.get("headers") or {})
    multi_headers = dict(response.get("multiValueHeaders") or {})
    pairs = [(name, str(value)) for name, value in headers.items() if name not in multi_headers]
    pairs += [(name, str(value)) for name, values in multi_headers.items() for value in values]
    pairs += [("Set-Cookie", cookie) for cookie in response.get("cookies") or []]
    body = response.get("body") or ""
    data = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode("utf-8")
    return int(response.get("statusCode", 200)), pairs, data


def field_lines_valid(lines: Iterable[bytes]) -> bool:
    """Whether each line of a header section, as read (line ending and all, the one ending the
    section included), is a field line: a name, a colon and a value (RFC 9112 section 5). A
    line without a colon, with space before it, or folded onto the previous one (obs-fold,
    which RFC 9112 section 5.2 lets a server refuse) is none."""
    return all(line in _END_OF_HEADERS or _FIELD_LINE.match(line) for line in lines)


class _LineRecorder(io.BufferedIOBase):
    """A request stream that keeps each line read through it: http.server parses the header
    section with the email package, which takes a line that is no field line for the start of
    a body and drops it, and every line after it, without a word."""

    def __init__(self, stream: io.BufferedIOBase, lines: list[bytes]) -> None:
        super().__init__()
        self.stream = stream
        self.lines = lines

    def readline(self, size: int | None = -1, /) -> bytes:
        line = self.stream.readline(size)
        self.lines.append(line)
        return line


class LocalServer(ThreadingHTTPServer):
    """Serves one function, one call at a time: a Lambda instance takes one event at a time,
    and Powertools' resolvers rely on it."""

    def __init__(
        self,
        address: tuple[str, int],
        handler: Handler,
        to_event: Callable[[Request], dict[str, Any]],
    ) -> None:
        super().__init__(address, Gateway)
        self.handler = handler
        self.to_event = to_event
        self.invocation_lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class Gateway(BaseHTTPRequestHandler):
    """Plays API Gateway: HTTP request -> event -> function -> HTTP response."""

    protocol_version = "HTTP/1.1"
    # The head and the body go out in two writes: without TCP_NODELAY, Nagle's algorithm holds
    # the body until the client's delayed ACK, 40 ms on every kept-alive answer with a body.
    disable_nagle_algorithm = True
    server_version = "py_handler.local"
    timeout = TIMEOUT_SECONDS
    server: LocalServer
    body_length = 0  # the request's, once its framing is checked
    header_lines: list[bytes]  # the request's header section, as read

    def __getattr__(self, name: str) -> Callable[[], None]:
        """`do_<METHOD>` for every method: the standard library dispatches a request to the
        handler's `do_<METHOD>` (answering 501 without one), API Gateway hands any method to
        the function, which answers those a path does not serve with 405."""
        if name.startswith("do_"):
            return self._invoke
        raise AttributeError(name)

    def parse_request(self) -> bool:
        # The header section is read (and any Expect: 100-continue answered) in here: its lines
        # are kept as read, to be checked before anything is answered
        self.header_lines = []
        stream = self.rfile
        self.rfile = _LineRecorder(stream, self.header_lines)
        try:
            parsed = super().parse_request()
        finally:
            self.rfile = stream
        return parsed and self._check_framing()

    def handle_expect_100(self) -> bool:
        # A client waiting for 100 Continue hears a refusal instead, and never sends the body.
        return self._check_framing() and super().handle_expect_100()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The standard library's own refusals (request line, headers), as problem+json. Its
        message quotes the request: it goes to the log, never into the body."""
        self.log_error("code %d, message %s", code, message)
        status = HTTPStatus(code)
        detail = (
            "The request line or its headers are malformed."
            if status == HTTPStatus.BAD_REQUEST
            else f"{status.description}."
        )
        self._refuse(status, detail)

    def _check_framing(self) -> bool:
        """The header lines, the method and the body length, as API Gateway takes them; else the
        refusal is answered and False returned."""
        if not field_lines_valid(self.header_lines):
            self._refuse(HTTPStatus.BAD_REQUEST, "The request line or its headers are malformed.")
            return False
        if not _TOKEN.fullmatch(self.command):
            self._refuse(HTTPStatus.BAD_REQUEST, "The request method is not an HTTP token.")
            return False
        if self.headers.get_all("Transfer-Encoding"):
            detail = "Send the body with a Content-Length, not a Transfer-Encoding."
            self._refuse(HTTPStatus.LENGTH_REQUIRED, detail)
            return False
        length = content_length(self.headers.get_all("Content-Length") or [])
        if length is None:
            detail = "Content-Length must be one non-negative decimal integer."
            self._refuse(HTTPStatus.BAD_REQUEST, detail)
            return False
        if length > MAX_REQUEST_BYTES:
            detail = (
                f"The body is over {MAX_REQUEST_BYTES} bytes, API Gateway's request payload limit."
            )
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, detail)
            return False
        self.body_length = length
        return True

    def _refuse(self, status: HTTPStatus, detail: str) -> None:
        """Answer for the local server itself, the function not invoked: problem+json, and the
        connection closed, since an unread body may follow."""
        body = problem_body(status, detail)
        if self.request_version == "HTTP/0.9":
            # Left so by a request line that cannot be read: its answers would have no head
            self.request_version = "HTTP/1.0"
        self.send_response(status)
        self.send_header("Content-Type", PROBLEM_JSON)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True
        self._linger()

    def _linger(self) -> None:
        """Stop sending, then drop what the client still sends for a moment before closing: a
        client that is still sending its body reads the answer instead of a connection reset."""
        deadline = time.monotonic() + LINGER_SECONDS
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            while (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(left)
                if not self.connection.recv(65536):
                    break
        except OSError:  # the client is gone, or the time is up
            pass

    def _invoke(self) -> None:
        try:
            body = self.rfile.read(self.body_length)
        except TimeoutError:  # TimeoutError, on Python 3.10+
            self._refuse(HTTPStatus.REQUEST_TIMEOUT, "The body did not arrive in time.")
            return
        if len(body) < self.body_length:
            self._refuse(HTTPStatus.BAD_REQUEST, "The body ended before its Content-Length.")
            return
        request = Request(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
        )
        try:
            with self.server.invocation_lock:
                response = invoke(self.server.handler, self.server.to_event(request))
            status, headers, data = response_parts(response)
        except Exception:
            traceback.print_exc()  # and answer as API Gateway does when the function fails
            status, data = 500, b'{"message":"Internal Server Error"}'
            headers = [("Content-Type", "application/json")]
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(data)


def default_powertools_settings(env: MutableMapping[str, str] = os.environ) -> None:
    """Local only: the service name and metrics namespace the deployed function has (its
    template.yaml environment), unless set, so local logs and metrics read as deployed ones
    (Powertools logs `service_undefined` without a service name)."""
    for name in POWERTOOLS_DEFAULTS:
        env.setdefault(name, LOCAL_ENVIRONMENT[name])


def default_aws_settings(env: MutableMapping[str, str] = os.environ) -> None:
    """Local only: boto3 wants credentials and a region even for a local DynamoDB (which takes
    any), so dummy ones stand in when none are configured."""
    aws_files = [
        Path(env.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")).expanduser(),
        Path(env.get("AWS_CONFIG_FILE", "~/.aws/config")).expanduser(),
    ]
    if any(path.exists() for path in aws_files):
        return
    if not any(name in env for name in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE")):
        env.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local")
        env.setdefault("AWS_EC2_METADATA_DISABLED", "true")  # never look for an instance role
    if not any(name in env for name in ("AWS_REGION", "AWS_DEFAULT_REGION")):
        env["AWS_DEFAULT_REGION"] = "us-east-1"


def parse_args(argv: Iterable[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m py_handler.local", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000, help="port (default 3000; 0: any free)")
    parser.add_argument(
        "--endpoint-url",
        help="DynamoDB endpoint (default: AWS_ENDPOINT_URL_DYNAMODB, else embedded)",
    )
    parser.add_argument(
        "--payload",
        choices=("2.0", "1.0"),
        default="2.0",
        help="API Gateway payload format: 2.0 HTTP API (default), 1.0 REST API",
    )
    return parser.parse_args(None if argv is None else list(argv))


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: Iterable[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C or kill: exit through the cleanup (Dynoxide stops), background jobs included
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, _stop)
    with ExitStack() as cleanup:
        endpoint = args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
        if not endpoint:
            endpoint = cleanup.enter_context(Dynoxide()).endpoint_url
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
        default_aws_settings()
        default_powertools_settings()

        # Imported once the environment is set: the function creates its client at init.
        from py_handler import app, routes

        ensure_table(local_client(endpoint), routes.store.table_name, key=routes.store.key)
        to_event = http_api_event if args.payload == "2.0" else rest_api_event
        server = LocalServer((args.host, args.port), app.handler, to_event)
        cleanup.callback(server.server_close)
        print(
            f"Serving the items API on {server.url} (API Gateway payload {args.payload}), "
            f"DynamoDB at {endpoint}, table {routes.store.table_name!r}\n"
            f"Try:\n  curl -i -X POST {server.url}/items -H 'Content-Type: application/json' "
            f"-d '{EXAMPLE_ORDER}'\n  curl -i '{server.url}/items?limit=10'",
            flush=True,
        )
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
