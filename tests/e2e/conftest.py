"""The local server, as a user runs it, in front of the session's Dynoxide."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .support import LocalServer, local_server


@pytest.fixture(scope="module", params=["2.0", "1.0"], ids=["http-api", "rest-api"])
def server(
    request: pytest.FixtureRequest,
    dynamodb_endpoint: str,
    dynamodb_client: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalServer]:
    """`python -m py_handler.local --endpoint-url <Dynoxide>`, with either payload format and
    either DynamoDB client."""
    output = tmp_path_factory.mktemp("local") / "output.log"
    args = ["--endpoint-url", dynamodb_endpoint, "--payload", request.param]
    env = {**os.environ, "DYNAMODB_CLIENT": dynamodb_client}
    with local_server(*args, output=output, env=env) as running:
        yield running
