"""Call `py_handler.app.handler` in-process with API Gateway events, its DynamoDB client pointed
at the session's Dynoxide."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

from py_handler.local import LocalContext

from .support import ORIGINAL, REQUEST_ID, EventFactory, Reply, http_api_event, rest_api_event

if TYPE_CHECKING:
    from tests.conftest import Table


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
        patch.setattr(routes, "store", store)
        patch.setattr(routes, "writer", routes.batch_writer(store))
        yield app


@pytest.fixture
def invoke(app: ModuleType) -> Callable[[dict[str, Any]], Reply]:
    def call(event: dict[str, Any]) -> Reply:
        # The Lambda runtime hands over parsed JSON and serializes the response again.
        response = json.loads(
            json.dumps(app.handler(copy.deepcopy(event), LocalContext(aws_request_id=REQUEST_ID)))
        )
        assert response["isBase64Encoded"] is False  # bodies go out as text, never base64
        if "multiValueHeaders" in response:  # payload 1.0
            headers = {k: ", ".join(v) for k, v in response["multiValueHeaders"].items()}
        else:
            headers = dict(response["headers"])
        return Reply(response["statusCode"], headers, response["body"])

    return call


@pytest.fixture(params=["2.0", "1.0"], ids=["http-api", "rest-api"])
def make_event(request: pytest.FixtureRequest) -> EventFactory:
    """Either payload format: both must behave the same."""
    return http_api_event if request.param == "2.0" else rest_api_event


# For tests whose point is not the schema: any JSON object is a record.
ANY_OBJECT = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}


@pytest.fixture
def use_schema(
    app: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[[Any], None]:
    """Run the function with another record schema for this test, loaded as ITEM_SCHEMA would."""
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
    use_schema(ANY_OBJECT)


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


@pytest.fixture
def seeded(table: Table) -> Table:
    """A table holding ORIGINAL alone."""
    table.put(ORIGINAL)
    return table
