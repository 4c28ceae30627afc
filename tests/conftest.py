"""Shared fixtures: one Dynoxide (a local DynamoDB) for the whole session, with the items table
from template.yaml; per-test views of that table (empty, seeded, or dropped after a large
test); the function's record schema swapped for a test; and the local server, as a user runs it.

Nothing here is autouse: suites that do not ask for DynamoDB never start it. Fixtures that need
the function ask for `app`, which each suite that calls it in-process defines (how it connects
the store is the suite's point).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from py_handler.dynamo_local import LOCAL_ENVIRONMENT, Dynoxide, ensure_table, local_client
from py_handler.store import CLIENTS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from tests.e2e.support import LocalServer

TABLE_NAME = LOCAL_ENVIRONMENT["TABLE_NAME"]
POWERTOOLS_ENVIRONMENT = ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE")


def pytest_configure(config: pytest.Config) -> None:
    """Powertools names its loggers after the service when a module creates one, at import: the
    service is set before any test imports py_handler, as Lambda sets it before init, so that
    every module's logger is the function's whichever suite imports it first."""
    for name in POWERTOOLS_ENVIRONMENT:
        os.environ.setdefault(name, LOCAL_ENVIRONMENT[name])


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """A Dynoxide for the session; the environment points boto3 at it. A missing Dynoxide binary
    fails the fixture, naming the fix."""
    with Dynoxide() as dynoxide, pytest.MonkeyPatch.context() as env:
        for name, value in LOCAL_ENVIRONMENT.items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)
        env.delenv("AWS_REGION", raising=False)  # AWS_DEFAULT_REGION's, as botocore reads it
        env.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynoxide.endpoint_url)
        ensure_table(local_client(dynoxide.endpoint_url), TABLE_NAME)
        yield dynoxide.endpoint_url


@pytest.fixture(scope="session", params=CLIENTS)
def dynamodb_client(request: pytest.FixtureRequest) -> str:
    """Each DynamoDB client the function can use (DYNAMODB_CLIENT): suites that ask for it run
    once with each, and must pass alike."""
    client: str = request.param
    return client


class Table:
    """The items table as a test sees it: exact contents, in AttributeValue form."""

    def __init__(self, client: DynamoDBClient, name: str, key: str = "id") -> None:
        self.client = client
        self.name = name
        self.key = key

    def items(self) -> dict[str, dict[str, Any]]:
        """Every item, by its key, read with a consistent scan."""
        found: dict[str, dict[str, Any]] = {}
        pages = self.client.get_paginator("scan").paginate(TableName=self.name, ConsistentRead=True)
        for page in pages:
            for item in page["Items"]:
                found[str(item[self.key]["S"])] = dict(item)
        return found

    def put(self, item: dict[str, Any]) -> None:
        self.client.put_item(TableName=self.name, Item=item)

    def clear(self) -> None:
        for item_id in self.items():
            self.client.delete_item(TableName=self.name, Key={self.key: {"S": item_id}})


@pytest.fixture
def table(dynamodb_endpoint: str) -> Table:
    """The items table, emptied before the test."""
    view = Table(local_client(dynamodb_endpoint), TABLE_NAME)
    view.clear()
    return view


@pytest.fixture
def seeded(table: Table) -> Table:
    """The table holding ORIGINAL alone: what no failed (or hostile) request may change."""
    from tests.support import ORIGINAL

    table.put(ORIGINAL)
    return table


@pytest.fixture
def large_table(table: Table) -> Iterator[Table]:
    """The items table, empty, and left empty by dropping it: for tests that write hundreds or
    thousands of items (faster than deleting them one by one)."""
    yield table
    table.client.delete_table(TableName=table.name)
    ensure_table(table.client, table.name)


@pytest.fixture
def use_schema(
    app: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[[Any], None]:
    """Run the function with another record schema for this test, loaded as ITEM_SCHEMA would
    be."""
    from py_handler import routes
    from py_handler.settings import settings

    def use(schema: Any) -> None:
        path = tmp_path / "schema.json"
        path.write_text(json.dumps(schema), encoding="utf-8")
        codec = routes.load_codec(path, settings.max_body_bytes, settings.max_batch_body_bytes)
        monkeypatch.setattr(routes, "codec", codec)

    return use


@pytest.fixture
def any_object(use_schema: Callable[[Any], None]) -> None:
    """Any JSON object is a record: for tests whose point is not the schema."""
    from tests.support import ANY_OBJECT

    use_schema(ANY_OBJECT)


@pytest.fixture(scope="module")
def server_env() -> Mapping[str, str]:
    """What the local server's environment adds to this process's (a module may override it)."""
    return {}


@pytest.fixture(scope="module", params=["2.0", "1.0"], ids=["http-api", "rest-api"])
def server(
    request: pytest.FixtureRequest,
    dynamodb_endpoint: str,
    dynamodb_client: str,
    server_env: Mapping[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalServer]:
    """`python -m py_handler.local --endpoint-url <Dynoxide>`, with either payload format and
    either DynamoDB client, its environment this process's and `server_env`."""
    from tests.e2e.support import local_server

    output = tmp_path_factory.mktemp("local") / "output.log"
    args = ["--endpoint-url", dynamodb_endpoint, "--payload", request.param]
    env = {**os.environ, **server_env, "DYNAMODB_CLIENT": dynamodb_client}
    with local_server(*args, output=output, env=env) as running:
        yield running
