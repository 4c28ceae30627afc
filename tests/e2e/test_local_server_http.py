"""End to end: the local server's own HTTP, as API Gateway's would be. What it refuses never
reaches the function (the function prints one metrics line per invocation: their count does not
move) and writes nothing; every method it takes goes to the function."""

from __future__ import annotations

import http.client
import json
import os
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from py_handler import local
from py_handler.local import (
    MAX_REQUEST_BYTES,
    Gateway,
    LocalServer,
    content_length,
    default_powertools_settings,
    http_api_event,
)
from tests.support import ORIGINAL, PROBLEM

from . import support
from .support import Reply, as_item, order

if TYPE_CHECKING:
    from tests.conftest import Table

# A record the function would store, were it invoked
SNEAKED = json.dumps(order(id="sneaked")).encode()
TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(scope="module", params=["2.0", "1.0"], ids=["http-api", "rest-api"])
def server(
    request: pytest.FixtureRequest, dynamodb_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[support.LocalServer]:
    """The local server with either payload format, its output unbuffered: the function's metrics
    line for an invocation is in the output by the time its answer arrives."""
    output = tmp_path_factory.mktemp("local-http") / "output.log"
    args = ["--endpoint-url", dynamodb_endpoint, "--payload", request.param]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with support.local_server(*args, output=output, env=env) as running:
        yield running


def invocations(server: support.LocalServer) -> int:
    """How many times the function ran: app.handler prints one metrics (EMF) line per call."""
    return server.output.read_text(encoding="utf-8").count('"CloudWatchMetrics"')


def problem(status: int, title: str, detail: str) -> bytes:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return json.dumps(body).encode()


def refusal(status: int, title: str, detail: str) -> Reply:
    """The local server's own answer: problem+json, the connection closed."""
    body = problem(status, title, detail)
    headers = {"Content-Type": PROBLEM, "Content-Length": str(len(body)), "Connection": "close"}
    return Reply(status, headers, body)


BAD_LENGTH = refusal(400, "Bad Request", "Content-Length must be one non-negative decimal integer.")
TOO_LARGE = refusal(
    413,
    "Content Too Large",
    "The body is over 10485760 bytes, API Gateway's request payload limit.",
)


def address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def connect(url: str) -> socket.socket:
    return socket.create_connection(address(url), timeout=10)


def read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a timeout if it does not)."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def parse(raw: bytes) -> Reply:
    """One HTTP response, the server's own headers (Server, Date) left out."""
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    headers = {k: v for k, v in headers.items() if k.lower() not in ("server", "date")}
    return Reply(int(status_line.split(" ")[1]), headers, body)


def send(
    server: support.LocalServer, head: str, body: bytes = b"", *, half_close: bool = False
) -> Reply:
    """Raw bytes to the server (the body left for it to read or not), then all it answers: the
    server must close the connection, and must not wait for the client to close first unless
    `half_close` (then the client stops sending after the body)."""
    with connect(server.url) as connection:
        connection.sendall(head.encode("latin-1") + b"\r\n\r\n" + body)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
        return parse(read_until_closed(connection))


def post_head(*headers: str) -> str:
    return "\r\n".join(["POST /items HTTP/1.1", "Host: local", *headers])


# ---- Content-Length ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lines",
    [
        ["Content-Length: -1"],
        ["Content-Length: +42"],
        ["Content-Length: 0x2a"],
        ["Content-Length: 4 2"],
        ["Content-Length: 42.0"],
        ["Content-Length: 4e1"],
        ["Content-Length: \xb2"],  # a digit to str.isdigit(), not to HTTP
        ["Content-Length:"],
        ["Content-Length: 42, 43"],
        ["Content-Length: 42", "Content-Length: 43"],
        ["Content-Length: 42,"],
    ],
    ids=[
        "negative",
        "signed",
        "hex",
        "space-inside",
        "decimal-point",
        "exponent",
        "superscript-two",
        "empty",
        "differing-list",
        "differing-lines",
        "empty-element",
    ],
)
def test_a_content_length_that_is_not_one_decimal_integer_is_400(
    server: support.LocalServer, seeded: Table, lines: list[str]
) -> None:
    # GIVEN a record the function would store
    before = invocations(server)
    # WHEN it is posted with such a Content-Length (the connection left open)
    reply = send(server, post_head("Content-Type: application/json", *lines), SNEAKED)
    # THEN 400 at once, problem+json, the connection closed; nothing invoked, nothing written
    assert reply == BAD_LENGTH
    assert invocations(server) == before
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize(
    "lines",
    [
        [f"Content-Length: {len(SNEAKED)}, {len(SNEAKED)}"],
        [f"Content-Length: {len(SNEAKED)}", f"Content-Length: 000{len(SNEAKED)}"],
    ],
    ids=["list", "lines"],
)
def test_one_content_length_repeated_is_taken(
    server: support.LocalServer, table: Table, lines: list[str]
) -> None:
    # RFC 9110 section 8.6 lets a recipient take identical values as one
    before = invocations(server)
    with connect(server.url) as connection:
        head = post_head("Content-Type: application/json", *lines, "Connection: close")
        connection.sendall(head.encode() + b"\r\n\r\n" + SNEAKED)
        reply = parse(read_until_closed(connection))
    assert reply.status == 201
    assert invocations(server) == before + 1
    assert table.items() == {"sneaked": as_item(order(id="sneaked"))}


@pytest.mark.parametrize(
    "length",
    [str(MAX_REQUEST_BYTES + 1), str(10**15), "9" * 5000],
    ids=["limit+1", "10**15", "5000-digits"],
)
def test_a_content_length_over_api_gateways_limit_is_413_before_the_body(
    server: support.LocalServer, seeded: Table, length: str
) -> None:
    # WHEN only the head of a request announcing more than 10 MB is sent
    before = invocations(server)
    reply = send(server, post_head("Content-Type: application/json", f"Content-Length: {length}"))
    # THEN 413 at once, without waiting for the body, and the connection closed
    assert reply == TOO_LARGE
    assert invocations(server) == before
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_client_expecting_100_continue_hears_413_instead(
    server: support.LocalServer, seeded: Table
) -> None:
    head = post_head(f"Content-Length: {MAX_REQUEST_BYTES + 1}", "Expect: 100-continue")
    before = invocations(server)
    reply = send(server, head)
    # No "100 Continue" first: the answer is the refusal alone
    assert reply == TOO_LARGE
    assert invocations(server) == before
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_body_over_the_limit_sent_whole_still_gets_its_413(
    server: support.LocalServer, seeded: Table
) -> None:
    # WHEN a client sends all 10 MB + 1 bytes before reading (http.client does)
    before = invocations(server)
    reply = server.post_json("/items", b" " * (MAX_REQUEST_BYTES + 1))
    # THEN it reads the 413 (not a connection reset)
    assert reply == TOO_LARGE
    assert invocations(server) == before
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_body_of_exactly_the_limit_reaches_the_function(
    server: support.LocalServer, seeded: Table
) -> None:
    # 10 MB is API Gateway's to pass on: the function's own 1 MiB limit answers
    body = SNEAKED[:-1] + b" " * (MAX_REQUEST_BYTES - len(SNEAKED)) + b"}"
    before = invocations(server)
    reply = server.post_json("/items", body)
    assert (reply.status, reply.json()["detail"]) == (413, "The body is over the size limit.")
    assert "Connection" not in reply.headers
    assert invocations(server) == before + 1
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_body_shorter_than_its_content_length_is_not_invoked(
    server: support.LocalServer, seeded: Table
) -> None:
    # GIVEN a whole record, announced 10 bytes longer than it is
    head = post_head("Content-Type: application/json", f"Content-Length: {len(SNEAKED) + 10}")
    before = invocations(server)
    # WHEN the client stops sending after it
    reply = send(server, head, SNEAKED, half_close=True)
    # THEN 400: the function never sees the truncated body, and nothing is written
    assert reply == refusal(400, "Bad Request", "The body ended before its Content-Length.")
    assert invocations(server) == before
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_chunked_body_is_411_problem_json(server: support.LocalServer, seeded: Table) -> None:
    chunked = f"{len(SNEAKED):x}\r\n".encode() + SNEAKED + b"\r\n0\r\n\r\n"
    head = post_head("Content-Type: application/json", "Transfer-Encoding: chunked")
    before = invocations(server)
    reply = send(server, head, chunked)
    detail = "Send the body with a Content-Length, not a Transfer-Encoding."
    assert reply == refusal(411, "Length Required", detail)
    assert invocations(server) == before
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_malformed_request_line_is_400_problem_json(server: support.LocalServer) -> None:
    # The standard library's own refusals are problem+json too, and never echo the request
    reply = send(server, "POST /items HTTP/1.1 surplus\r\nHost: local")
    assert reply == refusal(400, "Bad Request", "The request line or its headers are malformed.")
    assert b"surplus" not in reply.body


# ---- Header lines --------------------------------------------------------------------------------

MALFORMED = refusal(400, "Bad Request", "The request line or its headers are malformed.")


@pytest.mark.parametrize(
    "lines",
    [
        ["this is not a header"],
        ["Content-Type: application/json", "no-colon"],
        ["From nobody"],  # the email package takes it for an mbox envelope line
        ["Content-Type : application/json"],  # RFC 9112 section 5.1: no space before the colon
        ["X-Tag: a", " folded"],  # obs-fold
        ["\tX-Tag: a"],
        ["X Tag: a"],
        [": no name"],
        ["X-Tag: a", "not a header", "Expect: 100-continue"],
    ],
    ids=[
        "no-colon",
        "no-colon-last",
        "envelope-line",
        "space-before-colon",
        "obs-fold",
        "leading-tab",
        "space-in-name",
        "empty-name",
        "expecting-100-continue",
    ],
)
def test_a_header_line_that_is_no_field_line_is_400(
    server: support.LocalServer, seeded: Table, lines: list[str]
) -> None:
    # GIVEN a record the function would store, after a header line that is no field line
    head = post_head(*lines, f"Content-Length: {len(SNEAKED)}")
    before = invocations(server)
    # WHEN it is sent
    reply = send(server, head, SNEAKED)
    # THEN 400 at once (no 100 Continue first), problem+json, the connection closed; nothing
    # invoked, nothing written, the line not echoed
    assert reply == MALFORMED
    assert invocations(server) == before
    assert seeded.items() == {"kept": ORIGINAL}


def test_a_header_named_with_any_token_character_is_served(
    server: support.LocalServer, seeded: Table
) -> None:
    # Every character RFC 9110's token allows may name a field; an empty value is a value
    head = "\r\n".join(
        [
            "GET /items/kept HTTP/1.1",
            "Host: local",
            "X-!#$%&'*+.^_`|~09az: v",
            "X-Empty:",
            "Connection: close",
        ]
    )
    before = invocations(server)
    reply = send(server, head)
    assert (reply.status, json.loads(reply.body)) == (200, {"id": "kept", "name": "original"})
    assert invocations(server) == before + 1


# ---- Methods ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "FOO", "M-SEARCH", "patch"])
def test_every_method_reaches_the_function(
    server: support.LocalServer, seeded: Table, method: str
) -> None:
    before = invocations(server)
    reply = server.request(method, "/items/kept", SNEAKED, {"Content-Type": "application/json"})
    # The function answers (problem+json), not the standard library's 501 HTML page
    assert reply.headers["Content-Type"] == PROBLEM
    assert reply.status in (404, 405)
    assert invocations(server) == before + 1
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "FOO"])
@pytest.mark.parametrize(
    ("path", "allow"), [("/items", "GET, POST"), ("/items/some-id", "GET, PUT, DELETE")]
)
def test_a_method_no_route_serves_is_405_with_allow(
    server: support.LocalServer, seeded: Table, method: str, path: str, allow: str
) -> None:
    reply = server.request(method, path)
    body = problem(405, "Method Not Allowed", "This resource does not serve this method.")
    assert reply == Reply(
        405, {"Allow": allow, "Content-Type": PROBLEM, "Content-Length": str(len(body))}, body
    )
    assert seeded.items() == {"kept": ORIGINAL}


@pytest.mark.parametrize("method", ["GE(T", "G\xe9T", "GET/1"])
def test_a_method_that_is_not_an_http_token_is_400(
    server: support.LocalServer, seeded: Table, method: str
) -> None:
    before = invocations(server)
    reply = send(server, f"{method} /items HTTP/1.1\r\nHost: local")
    assert reply == refusal(400, "Bad Request", "The request method is not an HTTP token.")
    assert invocations(server) == before
    assert seeded.items() == {"kept": ORIGINAL}


# ---- Powertools' environment ---------------------------------------------------------------------


def template_environment() -> dict[str, Any]:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    document = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=Loader)
    function = document["Resources"]["ItemsFunction"]["Properties"]
    variables: dict[str, Any] = function["Environment"]["Variables"]
    return variables


def test_powertools_defaults_are_the_deployed_functions_and_yield_to_the_environment() -> None:
    deployed = template_environment()
    # Unset: the deployed function's values
    env: dict[str, str] = {}
    default_powertools_settings(env)
    assert env == {
        "POWERTOOLS_SERVICE_NAME": deployed["POWERTOOLS_SERVICE_NAME"],
        "POWERTOOLS_METRICS_NAMESPACE": deployed["POWERTOOLS_METRICS_NAMESPACE"],
    }
    assert env == {"POWERTOOLS_SERVICE_NAME": "items", "POWERTOOLS_METRICS_NAMESPACE": "Items"}
    # Set (even empty): kept
    env = {"POWERTOOLS_SERVICE_NAME": "mine", "POWERTOOLS_METRICS_NAMESPACE": ""}
    default_powertools_settings(env)
    assert env == {"POWERTOOLS_SERVICE_NAME": "mine", "POWERTOOLS_METRICS_NAMESPACE": ""}


def test_local_logs_name_the_service_as_deployed_ones(
    dynamodb_endpoint: str, table: Table, tmp_path: Path
) -> None:
    # GIVEN an environment without Powertools' service name and namespace (as `make run` has),
    # the invocation event logged so that the function's Logger writes a line
    env = {k: v for k, v in os.environ.items() if k not in local.POWERTOOLS_DEFAULTS}
    env.update(POWERTOOLS_LOGGER_LOG_EVENT="true", PYTHONUNBUFFERED="1")
    args = ("--endpoint-url", dynamodb_endpoint)
    # WHEN a request is served
    with support.local_server(*args, output=tmp_path / "out.log", env=env) as running:
        reply = running.request("GET", "/items?limit=1")
    assert reply.status == 200
    # THEN the function's log line and metrics line name the service "items", namespace "Items"
    lines = [
        json.loads(line)
        for line in running.output.read_text(encoding="utf-8").splitlines()
        if line.startswith("{")
    ]
    logged = [line for line in lines if "level" in line]
    metrics = [line for line in lines if "_aws" in line]
    assert logged and all(line["service"] == "items" for line in logged)
    assert any(isinstance(line["message"], dict) for line in logged)  # the event
    assert len(metrics) == 1 and metrics[0]["service"] == "items"
    assert metrics[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Items"
    assert "service_undefined" not in running.output.read_text(encoding="utf-8")


# ---- In process: what a subprocess cannot show quickly -------------------------------------------


def test_content_length_parsing() -> None:
    assert content_length([]) == 0
    assert content_length(["0"]) == 0
    assert content_length([" 42 "]) == 42
    assert content_length(["42, 042", "42"]) == 42
    assert content_length(["9" * 18]) == 999_999_999_999_999_999
    # 19 digits or more: never parsed, over any limit
    assert content_length(["9" * 5000]) == content_length(["1" + "0" * 18]) == sys.maxsize
    for bad in ("", "-1", "+1", "0x1", "1 2", "1,2", "1,", "\xb2", "\u0661", "1\n"):
        assert content_length([bad]) is None, bad
    assert content_length(["1", "2"]) is None


def test_a_body_that_stops_arriving_is_408(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a server whose connections wait half a second on the client
    monkeypatch.setattr(Gateway, "timeout", 0.5)
    calls: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(event)
        return {"statusCode": 204}

    server = LocalServer(("127.0.0.1", 0), handler, http_api_event)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # WHEN a client sends part of its body and then nothing, the connection left open
        with connect(server.url) as connection:
            connection.sendall(
                b"POST /items HTTP/1.1\r\nHost: local\r\nContent-Length: 10\r\n\r\n{"
            )
            reply = parse(read_until_closed(connection))
        # AND another request is complete
        plain = http.client.HTTPConnection(*address(server.url), timeout=10)
        plain.request("DELETE", "/items/x")
        status = plain.getresponse().status
        plain.close()
    finally:
        server.shutdown()
        server.server_close()
    # THEN the first is 408, never invoked; the second reaches the function
    assert reply == refusal(408, "Request Timeout", "The body did not arrive in time.")
    assert status == 204
    assert [event["requestContext"]["http"]["method"] for event in calls] == ["DELETE"]
