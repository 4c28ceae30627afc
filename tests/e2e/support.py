"""Run `python -m py_handler.local` as a subprocess and talk HTTP to it."""

from __future__ import annotations

import copy
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from boto3.dynamodb.types import TypeSerializer

from py_handler.dynamo_local import free_port
from py_handler.local import EXAMPLE_ORDER

ROOT = Path(__file__).resolve().parents[2]
BANNER = re.compile(
    r"Serving the items API on (?P<url>\S+) \(API Gateway payload (?P<payload>[\d.]+)\), "
    r"DynamoDB at (?P<dynamodb>\S+),"
)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # those the function sets, plus Content-Length
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body, parse_float=Decimal)


# The order the banner's curl example posts: one the default schema accepts
ORDER: dict[str, Any] = json.loads(EXAMPLE_ORDER)


def order(**changes: Any) -> dict[str, Any]:
    """A fresh copy of ORDER with some members replaced (or added)."""
    return {**copy.deepcopy(ORDER), **changes}


def compact(record: dict[str, Any]) -> bytes:
    """A record as the API writes it: compact UTF-8 JSON, members in order."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()


def as_item(record: dict[str, Any]) -> dict[str, Any]:
    """A record as DynamoDB stores it, by boto3's own serializer."""
    exact = json.loads(json.dumps(record), parse_float=Decimal)
    return {name: TypeSerializer().serialize(value) for name, value in exact.items()}


# Headers every reply has, whatever the function did
_SERVER_HEADERS = {"server", "date"}


@dataclass
class LocalServer:
    url: str
    dynamodb_url: str
    process: subprocess.Popen[bytes]
    output: Path
    payload: str  # API Gateway's payload format: "2.0" (HTTP API) or "1.0" (REST API)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        address = urlsplit(self.url)
        connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
        try:
            data = body.encode() if isinstance(body, str) else body
            connection.request(method, path, body=data, headers=dict(headers or {}))
            response = connection.getresponse()
            received = {
                name: value
                for name, value in response.getheaders()
                if name.lower() not in _SERVER_HEADERS
            }
            return Reply(response.status, received, response.read())
        finally:
            connection.close()

    def post_json(self, path: str, body: bytes | str) -> Reply:
        return self.request("POST", path, body, {"Content-Type": "application/json"})

    def put_json(self, path: str, body: bytes | str) -> Reply:
        return self.request("PUT", path, body, {"Content-Type": "application/json"})


@contextmanager
def local_server(
    *args: str, output: Path, env: Mapping[str, str] | None = None
) -> Iterator[LocalServer]:
    """`python -m py_handler.local --port <free> *args`, ready to serve; stopped with SIGTERM.
    `env` is the whole environment (default: this process's)."""
    port = free_port()
    command = [sys.executable, "-m", "py_handler.local", "--port", str(port), *args]
    with output.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=dict(os.environ if env is None else env),
            stdout=sink,
            stderr=sink,
        )
    try:
        yield _wait_for_banner(process, output)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)


def _wait_for_banner(process: subprocess.Popen[bytes], output: Path) -> LocalServer:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = BANNER.search(output.read_text(encoding="utf-8", errors="replace"))
        if found:
            return LocalServer(found["url"], found["dynamodb"], process, output, found["payload"])
        if process.poll() is not None:
            raise RuntimeError(f"the local server exited early:\n{output.read_text()}")
        time.sleep(0.05)
    raise TimeoutError(f"the local server did not start:\n{output.read_text()}")
