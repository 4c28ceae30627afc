"""Shared fixtures: one Dynoxide (a local DynamoDB) for the whole session, with the items table
from template.yaml, and a per-test view of that table that starts empty.

Nothing here is autouse: suites that do not ask for DynamoDB never start it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from py_handler.dynamo_local import LOCAL_ENVIRONMENT, Dynoxide, ensure_table, local_client
from py_handler.store import CLIENTS

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

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
