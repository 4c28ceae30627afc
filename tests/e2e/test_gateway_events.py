"""The local server's stand-in for API Gateway: requests to events, responses to HTTP."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from py_handler.local import (
    Request,
    default_aws_settings,
    http_api_event,
    response_parts,
    rest_api_event,
)

ToEvent = Callable[[Request], dict[str, Any]]
HEADERS = [
    ("Host", "127.0.0.1:3000"),
    ("Content-Type", "application/json"),
    ("X-Tag", "a"),
    ("X-Tag", "b"),
    ("Cookie", "session=1; theme=dark"),
]


def request(body: bytes = b"") -> Request:
    return Request("POST", "/items/caf%C3%A9%2Fx?limit=5&tag=a&tag=b&empty=", HEADERS, body)


def test_http_api_event_decodes_the_path_and_joins_repeated_values() -> None:
    event = http_api_event(request(b'{"a": 1}'))
    assert event["version"] == "2.0"
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/items/café/x"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["rawQueryString"] == "limit=5&tag=a&tag=b&empty="
    assert event["queryStringParameters"] == {"limit": "5", "tag": "a,b", "empty": ""}
    assert event["headers"] == {
        "host": "127.0.0.1:3000",
        "content-type": "application/json",
        "x-tag": "a,b",
    }
    assert event["cookies"] == ["session=1", "theme=dark"]
    assert (event["body"], event["isBase64Encoded"]) == ('{"a": 1}', False)


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("/items/%FF", "/items/\udcff"),
        ("/items/caf%E9", "/items/caf\udce9"),
        ("/items/%C3", "/items/\udcc3"),
        ("/items/%ED%A0%80", "/items/\udced\udca0\udc80"),
        ("/items/%C3%A9%FF%41", "/items/\xe9\udcffA"),
    ],
    ids=["byte-ff", "latin-1", "truncated", "encoded-surrogate", "mixed"],
)
def test_http_api_event_keeps_bytes_that_are_not_utf8_as_lone_surrogates(
    target: str, path: str
) -> None:
    # GIVEN a path percent-encoding bytes that are not UTF-8
    # WHEN it becomes an HTTP API event, and crosses JSON as into the Lambda runtime
    event = json.loads(json.dumps(http_api_event(Request("PUT", target, HEADERS, b"{}"))))
    # THEN each such byte is a lone surrogate (which no id can hold), never U+FFFD (which an id
    # can): the function cannot write it under another id
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == path
    assert "\ufffd" not in event["rawPath"]


def test_rest_api_event_keeps_the_path_encoded_and_every_value() -> None:
    event = rest_api_event(request(b'{"a": 1}'))
    assert "version" not in event
    assert (event["httpMethod"], event["path"]) == ("POST", "/items/caf%C3%A9%2Fx")
    assert event["headers"]["X-Tag"] == "b"
    assert event["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert event["queryStringParameters"] == {"limit": "5", "tag": "b", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {
        "limit": ["5"],
        "tag": ["a", "b"],
        "empty": [""],
    }
    assert event["pathParameters"] is None
    assert (event["body"], event["isBase64Encoded"]) == ('{"a": 1}', False)


@pytest.mark.parametrize("to_event", [http_api_event, rest_api_event])
def test_a_body_that_is_not_utf8_is_base64_encoded(to_event: ToEvent) -> None:
    body = b'{"a": "\xff"}'
    event = to_event(request(body))
    assert (event["body"], event["isBase64Encoded"]) == (base64.b64encode(body).decode(), True)


@pytest.mark.parametrize("to_event", [http_api_event, rest_api_event])
def test_no_body_is_no_body(to_event: ToEvent) -> None:
    event = to_event(request())
    assert (event.get("body"), event["isBase64Encoded"]) == (None, False)


def test_response_parts_of_a_rest_api_response() -> None:
    response = {
        "statusCode": 201,
        "multiValueHeaders": {"Content-Type": ["application/json"], "Set-Cookie": ["a=1", "b=2"]},
        "body": "{}",
        "isBase64Encoded": False,
    }
    assert response_parts(response) == (
        201,
        [("Content-Type", "application/json"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        b"{}",
    )


def test_response_parts_of_an_http_api_response() -> None:
    response = {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "cookies": ["a=1"],
        "body": base64.b64encode(b"\x89PNG").decode(),
        "isBase64Encoded": True,
    }
    assert response_parts(response) == (
        200,
        [("Content-Type", "image/png"), ("Set-Cookie", "a=1")],
        b"\x89PNG",
    )


def test_dummy_aws_settings_only_when_none_are_configured(tmp_path: Path) -> None:
    nothing = {
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
    }
    env = dict(nothing)
    default_aws_settings(env)
    assert env == {
        **nothing,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
    }

    configured = {**nothing, "AWS_PROFILE": "dev", "AWS_REGION": "eu-west-1"}
    env = dict(configured)
    default_aws_settings(env)
    assert env == configured

    (tmp_path / "credentials").write_text("[default]\n")
    env = dict(nothing)
    default_aws_settings(env)
    assert env == nothing
