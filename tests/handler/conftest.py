"""Call `py_handler.app.handler` in-process with API Gateway events, its DynamoDB client pointed
at the session's Dynoxide. `seeded`, `use_schema` and `any_object` come from tests/conftest.py."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from botocore.stub import Stubber

from py_handler.local import LocalContext
from tests.support import (
    REQUEST_ID,
    EventFactory,
    Reply,
    http_api_event,
    reply_to,
    rest_api_event,
    use_store,
)


@pytest.fixture(scope="session")
def app(dynamodb_endpoint: str, dynamodb_client: str) -> Iterator[ModuleType]:
    """py_handler.app, imported once the environment points at Dynoxide (it connects at init),
    its store connected with each DynamoDB client in turn (as DYNAMODB_CLIENT selects it)."""
    from py_handler import app, routes
    from py_handler.store import connect

    with pytest.MonkeyPatch.context() as patch:
        store = connect(routes.store.table_name, dynamodb_client)
        assert (
            type(store).__name__
            == {"direct": "DirectStore", "boto3": "Boto3Store"}[dynamodb_client]
        )
        use_store(patch, store)
        yield app


@pytest.fixture
def invoke(app: ModuleType) -> Callable[[dict[str, Any]], Reply]:
    def call(event: dict[str, Any]) -> Reply:
        # The Lambda runtime hands over parsed JSON and serializes the response again.
        context = LocalContext(aws_request_id=REQUEST_ID)
        return reply_to(json.loads(json.dumps(app.handler(copy.deepcopy(event), context))))

    return call


@pytest.fixture(params=["2.0", "1.0"], ids=["http-api", "rest-api"])
def make_event(request: pytest.FixtureRequest) -> EventFactory:
    """Either payload format: both must behave the same."""
    return http_api_event if request.param == "2.0" else rest_api_event


@pytest.fixture
def dynamodb_stub(app: ModuleType, dynamodb_client: str) -> Iterator[Stubber]:
    """The boto3 store's client, answering from botocore's stub instead of DynamoDB. The direct
    client's twins of these tests go through the fault proxy (tests/faults)."""
    from py_handler import routes

    if dynamodb_client != "boto3":
        pytest.skip("botocore's Stubber stubs the boto3 client only")
    with Stubber(routes.store.client) as stub:
        yield stub
        stub.assert_no_pending_responses()
