"""Call `py_handler.app.handler` in-process with API Gateway events, its DynamoDB client pointed
at the session's Dynoxide."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from py_handler.local import LocalContext

from .support import REQUEST_ID, EventFactory, Reply, http_api_event, rest_api_event


@pytest.fixture(scope="session")
def app(dynamodb_endpoint: str) -> ModuleType:
    """py_handler.app, imported once the environment points at Dynoxide (it connects at init)."""
    from py_handler import app

    return app


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
