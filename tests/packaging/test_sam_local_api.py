"""`sam local start-api` on the built template (packaging/sam_local_api.py: SAM CLI's route
discovery, Lambda runner and local API Gateway, with a process instead of Docker), against
Dynoxide: the routes SAM CLI finds, and the built function answering the events it builds.

Needs `sam build` and SAM CLI's interpreter (SAM_PYTHON); `make check-template` gives both.
"""

from __future__ import annotations

import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from py_handler.dynamo_local import free_port
from tests.conftest import TABLE_NAME, Table
from tests.e2e.support import LocalServer
from tests.support import JSON, NDJSON, PROBLEM, as_item, compact, order

ROOT = Path(__file__).resolve().parents[2]
BUILT = ROOT / ".aws-sam" / "build" / "template.yaml"
# The layer this machine runs natively (the manylinux module loads on Linux alone).
ARCHITECTURE = {"x86_64": "x86_64", "aarch64": "arm64"}.get(platform.machine())
SERVING = re.compile(r"serving (?P<url>http://\S+)")


@pytest.fixture(scope="module")
def start_api(
    dynamodb_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LocalServer, list[str]]]:
    """The local API Gateway on a free port, the function pointed at Dynoxide by --env-vars;
    with the routes it printed."""
    sam_python = os.environ.get("SAM_PYTHON")
    if not BUILT.is_file() or not sam_python:
        pytest.skip("needs sam build and SAM_PYTHON (make check-template)")
    if sys.platform != "linux" or ARCHITECTURE is None:
        pytest.skip("runs the built layer natively, on Linux")
    folder = tmp_path_factory.mktemp("sam-local")
    env_vars = folder / "env.json"
    variables = {"TABLE_NAME": TABLE_NAME, "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint}
    env_vars.write_text(json.dumps({"ItemsFunction": variables}), encoding="utf-8")
    output = folder / "output.log"
    command = [
        sam_python,
        "packaging/sam_local_api.py",
        "--port",
        str(free_port()),
        "--env-vars",
        str(env_vars),
        "--parameter-overrides",
        f"Architecture={ARCHITECTURE}",
    ]
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    with output.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=sink)
    try:
        deadline = time.monotonic() + 60
        while not (found := SERVING.search(output.read_text(errors="replace"))):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"sam_local_api.py did not start:\n{output.read_text()}")
            time.sleep(0.05)
        routes = re.findall(r"^route (.*)$", output.read_text(), re.MULTILINE)
        yield LocalServer(found["url"], dynamodb_endpoint, process, output, "2.0"), routes
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)


def test_sam_cli_finds_every_route_of_the_template(
    start_api: tuple[LocalServer, list[str]],
) -> None:
    _, routes = start_api
    # API Gateway's ANY: every method; OPTIONS is SAM CLI's own CORS preflight.
    assert routes == [
        "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT /items -> ItemsFunction",
        "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT /items/{id} -> ItemsFunction",
        "OPTIONS,X-AMAZON-APIGATEWAY-ANY-METHOD $default -> ItemsFunction",
    ]


def test_an_item_is_created_read_replaced_listed_and_deleted(
    start_api: tuple[LocalServer, list[str]], table: Table
) -> None:
    api, _ = start_api
    record = order(id="sam-1")
    created = api.post_json("/items", compact(record))
    assert (created.status, created.headers["Location"], created.body) == (
        201,
        "/items/sam-1",
        compact(record).encode(),
    )
    assert created.headers["Content-Type"] == JSON
    assert table.items() == {"sam-1": as_item(record)}

    read = api.request("GET", "/items/sam-1")
    assert (read.status, read.json()) == (200, json.loads(compact(record), parse_float=Decimal))

    replaced_record = order(id="sam-1", currency="USD")
    replaced = api.put_json("/items/sam-1", compact(replaced_record))
    assert (replaced.status, replaced.body) == (200, compact(replaced_record).encode())
    assert table.items() == {"sam-1": as_item(replaced_record)}

    listed = api.request("GET", "/items?limit=5")
    assert listed.status == 200
    assert [item["currency"] for item in listed.json()["items"]] == ["USD"]
    assert listed.json()["next_cursor"] is None

    deleted = api.request("DELETE", "/items/sam-1")
    assert (deleted.status, deleted.body) == (204, b"")
    assert table.items() == {}
    gone = api.request("GET", "/items/sam-1")
    assert (gone.status, gone.headers["Content-Type"], gone.json()["detail"]) == (
        404,
        PROBLEM,
        "No item has this id.",
    )


def test_a_batch_writes_the_valid_records_and_reports_the_rest(
    start_api: tuple[LocalServer, list[str]], table: Table
) -> None:
    api, _ = start_api
    good = [order(id="sam-2"), order(id="sam-3")]
    body = "\n".join([compact(good[0]), '{"id": 5}', compact(good[1])]) + "\n"
    reply = api.request("POST", "/items/batch", body, {"Content-Type": NDJSON})
    assert reply.status == 200
    assert reply.json() == {
        "written": 2,
        "failed": [
            {
                "index": 1,
                "line": 2,
                "errors": [
                    {
                        "path": "/id",
                        "message": "The key attribute must be a string",
                        "keyword": "key_type",
                    }
                ],
            }
        ],
    }
    assert table.items() == {"sam-2": as_item(good[0]), "sam-3": as_item(good[1])}


def test_the_default_route_and_refusals_reach_the_function(
    start_api: tuple[LocalServer, list[str]], table: Table
) -> None:
    api, _ = start_api
    # Any other path is the $default route's: the function answers it
    other = api.request("GET", "/elsewhere/deep")
    assert (other.status, other.json()["detail"]) == (404, "No resource at this path.")
    # A method a path does not serve
    patch = api.request("PATCH", "/items/sam-4", compact(order()), {"Content-Type": JSON})
    assert (patch.status, patch.headers["Allow"]) == (405, "GET, PUT, DELETE")
    # A content type that is not JSON, and a body that is not
    text = api.request("POST", "/items", compact(order()), {"Content-Type": "text/plain"})
    assert (text.status, text.headers["Content-Type"]) == (415, PROBLEM)
    broken = api.post_json("/items", '{"id": "sam-5",')
    assert (broken.status, broken.json()["title"]) == (400, "Bad Request")
    assert table.items() == {}
