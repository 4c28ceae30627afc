"""Hostile requests over real HTTP, through the local server (`python -m py_handler.local`) with
either payload format and either DynamoDB client: requests no HTTP client library would send
(control bytes in a header, a request line with invalid percent-encoding, a huge query string,
too many or too long headers) each get an answer, never a crash or a hang, and the server goes
on serving the next request."""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pytest

from tests.e2e.support import LocalServer
from tests.support import ORDER, ORIGINAL, PROBLEM

from .support import CANARY, CREDENTIALS

if TYPE_CHECKING:
    from tests.conftest import Table

TIMEOUT = 15.0


@pytest.fixture(scope="module")
def server_env() -> Mapping[str, str]:
    """The local server (tests/conftest.py's `server`, with either payload format and DynamoDB
    client) signs with the suite's credentials; its output unbuffered."""
    return {**CREDENTIALS, "PYTHONUNBUFFERED": "1"}


def exchange(server: LocalServer, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read one answer (its head, then Content-Length bytes of body)."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as connection:
        connection.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            assert chunk, f"the connection closed without an answer: {data!r}"
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("iso-8859-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = connection.recv(65536)
            assert chunk, "the connection closed in the middle of the body"
            body += chunk
    return int(status_line.split(" ")[1]), headers, body[:length]


def problem(status: int, title: str, detail: str) -> bytes:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return json.dumps(body).encode()


def assert_still_serving(server: LocalServer) -> None:
    """The next request, an ordinary one, is answered."""
    reply = server.request("GET", "/items/kept")
    assert (reply.status, reply.json()) == (200, {"id": "kept", "name": "original"})


NO_ITEM = problem(404, "Not Found", "No item has this id.")


@pytest.mark.parametrize(
    "value",
    [b"a\x01b\x1fc\x7f", b"caf\xe9", b"\xff\xfe", b"\xe2\x80\xa8" + CANARY.encode(), b"a\x00b"],
    ids=["controls", "latin-1", "not-utf8", "line-separator", "nul"],
)
def test_a_header_with_control_or_non_ascii_bytes_is_served(
    server: LocalServer, seeded: Table, value: bytes
) -> None:
    # GIVEN a request with a header holding control or non-ASCII bytes
    request = b"GET /items/absent HTTP/1.1\r\nHost: x\r\nX-Odd: " + value + b"\r\n\r\n"
    # WHEN it is sent
    status, headers, body = exchange(server, request)
    # THEN the function answers it (no such item), and the server serves the next request
    assert (status, headers["content-type"], body) == (404, PROBLEM, NO_ITEM)
    assert_still_serving(server)


@pytest.mark.parametrize(
    "target",
    ["/items/%ZZ%", "/items/%FF%FE", "/items/%C3", "/items/%ED%A0%80", "/items/%00%0A"],
    ids=["not-hex", "not-utf8", "truncated", "encoded-surrogate", "nul-and-line-feed"],
)
def test_a_request_line_with_invalid_percent_encoding_reads_nothing(
    server: LocalServer, seeded: Table, target: str
) -> None:
    # GIVEN a GET whose path has invalid percent-encoding
    # WHEN it is sent
    status, headers, body = exchange(server, f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    # THEN no item has that id, and the server serves the next request
    assert (status, headers["content-type"], body) == (404, PROBLEM, NO_ITEM)
    assert_still_serving(server)


@pytest.mark.parametrize(
    "target",
    ["/items/%FF", "/items/%C3", "/items/%ED%A0%80", "/items/caf%E9"],
    ids=["byte-ff", "truncated", "encoded-surrogate", "latin-1"],
)
def test_a_put_at_an_id_that_is_not_utf8_writes_nothing(
    server: LocalServer, seeded: Table, target: str
) -> None:
    # GIVEN a PUT of a valid order at a path whose id percent-encodes bytes that are not UTF-8
    body = json.dumps(ORDER).encode()
    request = (
        f"PUT {target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    # WHEN it is sent
    status, headers, answer = exchange(server, request)
    # THEN no item can have that id (404): nothing is written under another id (U+FFFD)
    assert (status, headers["content-type"], answer) == (404, PROBLEM, NO_ITEM)
    assert seeded.items() == {"kept": ORIGINAL}
    assert_still_serving(server)


def test_a_huge_query_string_is_answered(server: LocalServer, seeded: Table) -> None:
    # GIVEN a list request with a 55 KB query string (within the request line limit)
    target = "/items?limit=5&" + "&".join(f"p{n}={CANARY}" for n in range(2500))
    # WHEN it is sent
    status, _, body = exchange(server, f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    # THEN it is served, the unknown parameters ignored
    assert (status, json.loads(body)) == (
        200,
        {"items": [{"id": "kept", "name": "original"}], "next_cursor": None},
    )
    assert_still_serving(server)


def test_a_request_line_over_64_kb_is_414(server: LocalServer, seeded: Table) -> None:
    # GIVEN a request line of 100 KB (more than the server reads)
    target = "/items?q=" + "x" * 100_000
    # WHEN it is sent
    status, headers, body = exchange(server, f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    # THEN 414, and the server serves the next request
    assert (status, headers["content-type"]) == (414, PROBLEM)
    assert body == problem(414, "Request-URI Too Long", "URI is too long.")
    assert_still_serving(server)


@pytest.mark.parametrize(
    "headers",
    [
        b"".join(b"X-H%d: v\r\n" % n for n in range(200)),
        b"X-Long: " + b"v" * 70_000 + b"\r\n",
    ],
    ids=["200-headers", "70-kb-header"],
)
def test_too_many_or_too_long_headers_are_431(
    server: LocalServer, seeded: Table, headers: bytes
) -> None:
    # GIVEN a request with more headers, or a longer header line, than the server reads
    request = b"GET /items/kept HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n"
    # WHEN it is sent
    status, answer_headers, body = exchange(server, request)
    # THEN 431 (problem+json), and the server serves the next request
    assert (status, answer_headers["content-type"]) == (431, PROBLEM)
    assert body == problem(
        431,
        "Request Header Fields Too Large",
        "The server is unwilling to process the request because its header fields are too large.",
    )
    assert_still_serving(server)


def test_a_header_line_without_a_colon_is_400(server: LocalServer, seeded: Table) -> None:
    # GIVEN a request with a header line that is no field (no colon)
    request = b"GET /items/kept HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n"
    # WHEN it is sent
    status, headers, body = exchange(server, request)
    # THEN it is refused as malformed, as API Gateway refuses it (RFC 9112 section 5: a field
    # line is a name, a colon and a value), and the server serves the next request
    assert (status, headers["content-type"]) == (400, PROBLEM)
    assert body == problem(400, "Bad Request", "The request line or its headers are malformed.")
    assert_still_serving(server)


def test_the_function_logged_json_lines_without_the_canary_or_a_secret(
    server: LocalServer,
) -> None:
    # GIVEN the local server's output after the hostile requests above (the function's log
    # lines and metrics, and the server's own access log, which quotes request lines as any
    # access log does)
    output = server.output.read_text(encoding="utf-8", errors="replace")
    function_lines = [line for line in output.splitlines() if line.startswith("{")]
    # THEN each of the function's lines is one JSON object without the canary, and no line
    # carries a credential
    for line in function_lines:
        assert isinstance(json.loads(line), dict)
        assert CANARY not in line
    for secret in CREDENTIALS.values():
        assert secret not in output
    assert "Traceback" not in output
