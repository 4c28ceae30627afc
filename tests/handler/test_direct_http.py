"""The direct client's HTTP/1.1 exchange (py_handler.direct.HTTPConnection) against scripted
answers on a socket pair: what DynamoDB sends, chunked bodies, and answers cut short or garbled."""

from __future__ import annotations

import socket
import threading
import zlib
from collections.abc import Iterator

import pytest

from py_handler.direct import BadAnswer, ConnectionClosed, HTTPConnection


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair()
    ours.settimeout(2)
    yield ours, theirs
    ours.close()
    theirs.close()


def answer_with(theirs: socket.socket, *parts: bytes, close: bool = False) -> threading.Thread:
    """Read the request (one sendall), then send `parts` one by one."""

    def serve() -> None:
        theirs.recv(65536)
        for part in parts:
            theirs.sendall(part)
        if close:
            theirs.shutdown(socket.SHUT_WR)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nx-amz-crc32: 2745614147\r\n"


def test_a_content_length_answer_split_across_writes(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    ours, theirs = pair
    answer_with(theirs, OK + b"Content-Length: 2\r\n", b"\r\n{", b"}")
    connection = HTTPConnection(ours)
    status, headers, body = connection.exchange(b"POST / HTTP/1.1\r\n\r\n")
    assert (status, body) == (200, b"{}")
    assert headers["x-amz-crc32"] == "2745614147"
    assert connection.used and connection.reusable


def test_two_answers_on_one_connection(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = pair
    connection = HTTPConnection(ours)
    for body in (b'{"a":1}', b"{}"):
        thread = answer_with(theirs, OK + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        assert connection.exchange(b"x")[2] == body
        thread.join()


def test_a_chunked_answer(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = pair
    answer_with(
        theirs,
        b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n",
        b'3;ext=1\r\n{"a\r\n',
        b'4\r\n":1}\r\n0\r\nTrailer: x\r\n\r\n',
    )
    status, _, body = HTTPConnection(ours).exchange(b"x")
    assert (status, body) == (400, b'{"a":1}')


def test_connection_close_is_not_reused(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = pair
    answer_with(theirs, OK + b"Connection: close\r\nContent-Length: 0\r\n\r\n")
    connection = HTTPConnection(ours)
    assert connection.exchange(b"x")[2] == b""
    assert not connection.reusable


def test_closed_before_any_byte(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = pair
    answer_with(theirs, close=True)
    with pytest.raises(ConnectionClosed):
        HTTPConnection(ours).exchange(b"x")


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        ([OK + b"Content-Length: 10\r\n\r\n{}"], "the connection closed inside the answer"),
        ([OK[:20]], "the connection closed inside the answer"),
        ([OK + b"\r\n{}"], "an answer without a Content-Length"),
        ([b"SMTP 220 hello\r\n\r\n"], "not an HTTP/1.x status line"),
        ([OK + b"broken header\r\nContent-Length: 0\r\n\r\n"], "a header line without a colon"),
        (
            [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
            "a chunk size that is not hexadecimal",
        ),
        (
            [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n"],
            "a chunk not followed by CRLF",
        ),
        ([OK + b"X: " + b"a" * 70_000], "headers over 64 KiB"),
    ],
    ids=[
        "short-body",
        "short-head",
        "no-length",
        "not-http",
        "bad-header",
        "bad-chunk",
        "chunk-crlf",
        "huge-head",
    ],
)
def test_answers_cut_short_or_garbled(
    pair: tuple[socket.socket, socket.socket], parts: list[bytes], reason: str
) -> None:
    ours, theirs = pair
    answer_with(theirs, *parts, close=True)
    with pytest.raises(BadAnswer, match=reason):
        HTTPConnection(ours).exchange(b"x")


def test_a_silent_server_times_out(pair: tuple[socket.socket, socket.socket]) -> None:
    ours, theirs = pair
    ours.settimeout(0.1)
    answer_with(theirs)
    with pytest.raises(TimeoutError):
        HTTPConnection(ours).exchange(b"x")


def test_after_a_stale_connection_the_request_goes_out_on_a_new_one() -> None:
    # GIVEN a direct store whose pool holds two idle connections the server has closed (a thaw)
    import rust_core
    from py_handler.aws_env import Endpoint
    from py_handler.direct import DirectStore

    server = socket.create_server(("127.0.0.1", 0))
    host, port = server.getsockname()[:2]
    endpoint = Endpoint(f"http://{host}:{port}", "http", host, port, "", "us-east-1", None)

    class Keys:
        def frozen(self) -> tuple[str, str, str | None]:
            return "AKID", "secret", None

        def refresh(self) -> None:
            pass

    store = DirectStore(rust_core.Table("items"), endpoint, Keys())
    stale = []
    for _ in range(2):
        connection = store._connect()
        connection.used = True
        accepted, _ = server.accept()
        accepted.close()  # the server's end goes away while the connection idles
        stale.append(connection)
        store._pool.give_back(connection)
    answer = b'{"Item":{"id":{"S":"k"}}}'

    def serve() -> None:
        accepted, _ = server.accept()
        accepted.recv(65536)
        accepted.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nx-amz-crc32: %d\r\n\r\n"
            % (len(answer), zlib.crc32(answer))
            + answer
        )
        accepted.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    # WHEN an item is read
    # THEN the first stale connection fails, the pool is emptied and a new connection answers
    assert store.get("k") == b'{"id":"k"}'
    thread.join()
    # AND the pool now holds the new connection alone, the stale ones closed
    fresh = store._pool.take()
    assert fresh is not None and all(fresh is not old for old in stale)
    assert store._pool.take() is None
    assert all(old.sock.fileno() == -1 for old in stale)
    server.close()
