"""`rust_core.sign_v4` against botocore's own signer (`SigV4Auth`) on generated requests, times,
regions and session tokens, and against the public SigV4 test suite's vectors."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given
from hypothesis import strategies as st

import rust_core

# The public test suite's credentials, scope and time (aws-sig-v4-test-suite)
SUITE = {
    "region": "us-east-1",
    "service": "service",
    "access_key": "AKIDEXAMPLE",
    "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "timestamp": "20150830T123600Z",
}
SUITE_SCOPE = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"


@contextmanager
def frozen(at: datetime.datetime) -> Iterator[None]:
    with mock.patch("botocore.auth.get_current_datetime", return_value=at):
        yield


def botocore_headers(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    *,
    region: str,
    service: str,
    access_key: str,
    secret_key: str,
    session_token: str | None,
    at: datetime.datetime,
) -> list[tuple[str, str]]:
    """The headers botocore's signer adds, in the order sign_v4 returns them."""
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    with frozen(at):
        SigV4Auth(Credentials(access_key, secret_key, session_token), service, region).add_auth(
            request
        )
    added = [("X-Amz-Date", request.headers["X-Amz-Date"])]
    if session_token is not None:
        added.append(("X-Amz-Security-Token", request.headers["X-Amz-Security-Token"]))
    added.append(("Authorization", request.headers["Authorization"]))
    return added


@pytest.mark.parametrize(
    ("method", "url", "headers", "body", "signed_headers", "signature"),
    [
        (
            "GET",
            "https://example.amazonaws.com/",
            [],
            b"",
            "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
        (
            "POST",
            "https://example.amazonaws.com/",
            [("Content-Type", "application/x-www-form-urlencoded")],
            b"Param1=value1",
            "content-type;host;x-amz-date",
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
        ),
    ],
    ids=["get-vanilla", "post-x-www-form-urlencoded"],
)
def test_the_public_test_suite(
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
    signed_headers: str,
    signature: str,
) -> None:
    added = rust_core.sign_v4(method, url, headers, body, **SUITE)
    assert added == [
        ("X-Amz-Date", "20150830T123600Z"),
        (
            "Authorization",
            f"AWS4-HMAC-SHA256 Credential={SUITE_SCOPE}, SignedHeaders={signed_headers}, "
            f"Signature={signature}",
        ),
    ]


def test_a_dynamodb_put_item_signs_as_botocore_signs_it() -> None:
    # GIVEN a PutItem as a DynamoDB client sends it, with a session token (as on Lambda)
    url = "https://dynamodb.eu-west-1.amazonaws.com/"
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.PutItem",
        "User-Agent": "py_handler",
    }
    body = b'{"TableName":"items","Item":{"id":{"S":"a"}}}'
    credentials = {
        "access_key": "ASIAEXAMPLE",
        "secret_key": "secret/+=",
        "session_token": "IQoJb3JpZ2luX2VjE//token==",
    }
    at = datetime.datetime(2026, 12, 4, 15, 30, 1)
    # WHEN both sign it
    ours = rust_core.sign_v4(
        "POST",
        url,
        headers,
        body,
        region="eu-west-1",
        service="dynamodb",
        timestamp="20261204T153001Z",
        **credentials,
    )
    theirs = botocore_headers(
        "POST", url, headers, body, region="eu-west-1", service="dynamodb", at=at, **credentials
    )
    # THEN the same headers: the user agent unsigned, the token signed
    assert ours == theirs
    assert (
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"
        in (ours[-1][1])
    )


def test_repeated_headers_join_their_values_in_order() -> None:
    headers = [("X-Custom", "b"), ("x-custom", " a  c "), ("Host", "h")]
    added = rust_core.sign_v4("GET", "https://h/", headers, b"", **SUITE)
    request = AWSRequest(method="GET", url="https://h/", data=b"")
    for name, value in headers:
        request.headers.add_header(name, value)
    with frozen(datetime.datetime(2015, 8, 30, 12, 36)):
        SigV4Auth(Credentials("AKIDEXAMPLE", SUITE["secret_key"]), "service", "us-east-1").add_auth(
            request
        )
    assert added[-1] == ("Authorization", request.headers["Authorization"])


@pytest.mark.parametrize(
    ("url", "headers", "timestamp", "message"),
    [
        ("ftp://h/", [], "20150830T123600Z", "the URL must be"),
        ("https://h:port/", [], "20150830T123600Z", "the URL must be"),
        ("https:///", [], "20150830T123600Z", "the URL must be"),
        ("https://h/", [], "2015-08-30T12:36:00Z", "the timestamp must be YYYYMMDDTHHMMSSZ"),
        ("https://h/", [("Date", "Sun, 30 Aug 2015 12:36:00 GMT")], "20150830T123600Z", "Date"),
    ],
)
def test_what_cannot_be_signed_is_a_value_error(
    url: str, headers: list[tuple[str, str]], timestamp: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        rust_core.sign_v4("GET", url, headers, b"", **{**SUITE, "timestamp": timestamp})


def test_without_a_timestamp_the_current_time_is_used() -> None:
    before = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    added = rust_core.sign_v4("GET", "https://h/", [], b"", **{**SUITE, "timestamp": None})
    after = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    assert before <= added[0][1] <= after


# ---- Generated requests, side by side with botocore ----------------------------------------------

_TOKEN = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_HEADER_NAME = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1
)
_HEADER_VALUE = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from(" \t"), max_size=30
)
_SEGMENT = st.text(
    st.characters(
        min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="?#/", exclude_categories=["Cs"]
    ),
    max_size=6,
)
_PATH = st.lists(_SEGMENT | st.sampled_from([".", ".."]), max_size=4).map(
    lambda segments: "/" + "/".join(segments)
)
_QUERY = st.lists(
    st.tuples(st.text("abcXYZ019-_.~%", max_size=4), st.text("abc019-_.~%=", max_size=4)),
    max_size=4,
).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))
_HOST = st.sampled_from(
    ["dynamodb.us-east-1.amazonaws.com", "DynamoDB.EU-West-1.amazonaws.com", "127.0.0.1", "[::1]"]
)
_PORT = st.sampled_from(["", ":80", ":443", ":8000"])
_TIME = st.datetimes(
    min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2099, 12, 31)
).map(lambda at: at.replace(microsecond=0))
_SECRET = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)

_EXCLUDED = {"authorization", "x-amz-date", "x-amz-security-token", "date", "host"}


@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "post"]),
    scheme=st.sampled_from(["http", "https"]),
    host=_HOST,
    port=_PORT,
    path=_PATH,
    query=_QUERY,
    headers=st.dictionaries(
        _HEADER_NAME.filter(lambda name: name.lower() not in _EXCLUDED), _HEADER_VALUE, max_size=5
    ),
    body=st.binary(max_size=200),
    region=_TOKEN,
    service=_TOKEN,
    access_key=_SECRET,
    secret_key=_SECRET,
    session_token=st.none() | _SECRET,
    at=_TIME,
)
def test_generated_requests_sign_as_botocore_signs_them(
    method: str,
    scheme: str,
    host: str,
    port: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
    region: str,
    service: str,
    access_key: str,
    secret_key: str,
    session_token: str | None,
    at: datetime.datetime,
) -> None:
    # Names that differ only by case are one header to botocore: keep one of each
    unique = {name.lower(): (name, value) for name, value in headers.items()}
    headers = dict(unique.values())
    url = f"{scheme}://{host}{port}{path}" + (f"?{query}" if query else "")
    credentials = {
        "access_key": access_key,
        "secret_key": secret_key,
        "session_token": session_token,
    }
    ours = rust_core.sign_v4(
        method,
        url,
        headers,
        body,
        region=region,
        service=service,
        timestamp=at.strftime("%Y%m%dT%H%M%SZ"),
        **credentials,
    )
    theirs = botocore_headers(
        method, url, headers, body, region=region, service=service, at=at, **credentials
    )
    assert ours == theirs
