"""The function's batch writes sent through a fault-injecting proxy in front of the session's
Dynoxide, with short timeouts so that deadlines come within a second or two."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config

import rust_core
from py_handler import aws_env
from py_handler.boto3_store import BATCH_CLIENT_CONFIG, CLIENT_CONFIG, Boto3Store
from py_handler.direct import DirectStore
from py_handler.local import LocalContext, Request, http_api_event, response_parts
from py_handler.store import Store
from tests.support import NDJSON, REQUEST_ID, use_store

from .proxy import FaultProxy, fault_proxy

if TYPE_CHECKING:
    from tests.conftest import Table

# One call lasts at most 0.75 s: the writer keeps that, and a second for the reply, in hand.
CALL_CONFIG = Config(connect_timeout=0.25, read_timeout=0.5)
CALL_SECONDS = 0.75


@pytest.fixture(scope="session")
def app(dynamodb_endpoint: str) -> ModuleType:
    from py_handler import app

    return app


def store_at(url: str, table_name: str, client: str) -> Store:
    """A store of either client reaching DynamoDB at `url`, each call lasting at most
    CALL_SECONDS."""
    if client == "boto3":
        batch_client = boto3.client(
            "dynamodb", endpoint_url=url, config=BATCH_CLIENT_CONFIG.merge(CALL_CONFIG)
        )
        item_client = boto3.client(
            "dynamodb", endpoint_url=url, config=CLIENT_CONFIG.merge(CALL_CONFIG)
        )
        return Boto3Store(item_client, table_name, batch_client=batch_client)
    endpoint = aws_env.endpoint({**os.environ, "AWS_ENDPOINT_URL_DYNAMODB": url})
    return DirectStore(
        rust_core.Table(table_name),
        endpoint,
        aws_env.credentials(),
        connect_timeout=CALL_CONFIG.connect_timeout,
        read_timeout=CALL_CONFIG.read_timeout,
    )


@pytest.fixture
def table(large_table: Table) -> Table:
    """The items table, dropped after the test: these tests write hundreds of items."""
    return large_table


@pytest.fixture
def proxy(
    app: ModuleType, dynamodb_endpoint: str, dynamodb_client: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FaultProxy]:
    """A proxy in front of Dynoxide, passing everything until a test gives it a plan; the
    function's store, of each client in turn, sends through it."""
    from py_handler import routes

    with fault_proxy(dynamodb_endpoint) as running:
        store = store_at(running.url, routes.store.table_name, dynamodb_client)
        assert store.batch_call_seconds == CALL_SECONDS
        use_store(monkeypatch, store)
        yield running


@dataclass
class Outcome:
    status: int
    headers: dict[str, str]
    body: Any
    started: float  # time.monotonic() when the function was called
    elapsed: float  # seconds it took
    remaining: float  # seconds the Lambda context had left after it


def post_batch(app: ModuleType, body: str, *, timeout: float, ndjson: bool = True) -> Outcome:
    """POST /items/batch, called as the Lambda runtime would with `timeout` seconds to run."""
    content_type = NDJSON if ndjson else "application/json"
    request = Request("POST", "/items/batch", [("Content-Type", content_type)], body.encode())
    event = json.loads(json.dumps(http_api_event(request)))
    context = LocalContext(aws_request_id=REQUEST_ID, timeout_seconds=timeout)
    started = time.monotonic()
    response = json.loads(json.dumps(app.handler(event, context)))
    elapsed = time.monotonic() - started
    remaining = context.get_remaining_time_in_millis() / 1000
    status, headers, data = response_parts(response)
    return Outcome(status, dict(headers), json.loads(data), started, elapsed, remaining)
