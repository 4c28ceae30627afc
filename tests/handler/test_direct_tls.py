"""The direct client over HTTPS: certificates verified, AWS_CA_BUNDLE honoured. A loopback TLS
server with a certificate made for the test (by the `openssl` command) plays DynamoDB."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import rust_core
from py_handler import aws_env
from py_handler.direct import DirectStore
from py_handler.store import Unavailable

ANSWER = b'{"Item":{"id":{"S":"k"},"n":{"N":"1.5"}}}'


class _DynamoDB(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        assert self.headers["X-Amz-Target"] == "DynamoDB_20120810.GetItem"
        assert self.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKID/")
        self.send_response(200)
        self.send_header("Content-Length", str(len(ANSWER)))
        self.send_header("x-amz-crc32", str(zlib.crc32(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command makes the test's certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def https_url(certificate: tuple[Path, Path]) -> Iterator[str]:
    cert, key = certificate
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DynamoDB)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class Keys:
    def frozen(self) -> tuple[str, str, str | None]:
        return "AKID", "secret", None

    def refresh(self) -> None:
        pass


def store(env: dict[str, str]) -> DirectStore:
    endpoint = aws_env.endpoint({"AWS_REGION": "us-east-1", **env})
    return DirectStore(rust_core.Table("items"), endpoint, Keys(), max_attempts=1)


def test_a_certificate_from_aws_ca_bundle_is_trusted(
    https_url: str, certificate: tuple[Path, Path]
) -> None:
    chosen = store({"AWS_ENDPOINT_URL_DYNAMODB": https_url, "AWS_CA_BUNDLE": str(certificate[0])})
    assert chosen.get("k") == b'{"id":"k","n":1.5}'
    assert chosen.get("k") == b'{"id":"k","n":1.5}'  # on the kept-alive connection


def test_a_certificate_nobody_vouches_for_is_refused(https_url: str) -> None:
    chosen = store({"AWS_ENDPOINT_URL_DYNAMODB": https_url})
    with pytest.raises(Unavailable, match="SSLCertVerificationError"):
        chosen.get("k")
