"""py_handler.aws_env: the endpoint and the credentials botocore would use, checked against the
installed botocore. Requests botocore builds are stopped before they leave; the only network is
a loopback server standing in for the container credentials endpoint."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore
import botocore.session
import pytest
from botocore.config import Config
from botocore.credentials import EnvProvider
from botocore.exceptions import BotoCoreError, NoCredentialsError, PartialCredentialsError
from botocore.loaders import create_loader

from py_handler import aws_env
from py_handler.aws_env import Endpoint, Unsupported, credentials, endpoint, unsupported

ROOT = Path(__file__).resolve().parents[2]
BOTOCORE_DATA = Path(botocore.__file__).parent / "data"
PARTITIONS = json.loads((BOTOCORE_DATA / "partitions.json").read_text())["partitions"]
LISTED_REGIONS = sorted({region for p in PARTITIONS for region in p["regions"]})
SECRET = "s3cr3t-VALUE-9x"  # a value no message may repeat

# Every partition (regions it lists, and names only its regex matches), region "local", names
# only the default partition takes, and names botocore refuses.
REGIONS = sorted(
    {
        *LISTED_REGIONS,
        *("cn-xx-9", "eusc-de-xx-9", "us-iso-xx-9", "us-isob-xx-9", "eu-isoe-xx-9"),
        *("us-isof-xx-9", "us-gov-xx-9", "xx-east-9", "eusc-fr-east-1", "foo", "US-EAST-1"),
        *("local", "1234", "-bad", "bad-", "a_b", "us-east-1.", "x" * 64, "x" * 63),
    }
)
assert {"eusc-de-east-1", "us-isof-south-1", "eu-isoe-west-1"} <= set(REGIONS)


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """os.environ with nothing from this machine that botocore would read: no AWS settings, no
    proxies, no files (HOME is empty, the config files named are missing), no instance role."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(("AWS_", "BOTOCORE_")) or upper.endswith("_PROXY"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


class _Stopped(Exception):
    """Raised from botocore's before-send: the request it built, never sent."""


def sent_by_botocore(
    session: botocore.session.Session | None = None, **client_args: Any
) -> tuple[str, str, str] | None:
    """Where botocore sends a DynamoDB request (its URL and the region it signs for), with its
    client's meta.endpoint_url; None when botocore refuses the configuration. A new session
    unless one is given (one reads and caches its data files, config and credentials once)."""

    def stop(request: Any, **_: Any) -> None:
        raise _Stopped(request.url, request.headers["Authorization"].decode())

    try:
        session = session or botocore.session.get_session()
        client = session.create_client("dynamodb", **client_args)
        client.meta.events.register("before-send.dynamodb", stop)
        client.list_tables()
    except _Stopped as stopped:
        url, authorization = stopped.args
        scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        return url, scope[2], client.meta.endpoint_url
    except (BotoCoreError, ValueError):  # InvalidRegionError, "Invalid endpoint", rule errors
        return None
    raise AssertionError("botocore sent the request")


def botocore_target(url: str) -> str:
    """The URL botocore posts to for an endpoint URL (its _urljoin: "/" only without a path)."""
    return url if urlsplit(url).path else url + "/"


def assert_as_botocore(env: dict[str, str], sent: tuple[str, str, str] | None) -> Endpoint | None:
    """`endpoint(env)` goes where botocore sent its request and signs for the same region, or
    is Unsupported where botocore refused."""
    if sent is None:
        with pytest.raises(Unsupported):
            endpoint(env)
        return None
    url, signing_region, _ = sent
    found = endpoint(env)
    assert botocore_target(found.url) == url
    assert found.region == signing_region
    return found


# -- The region's endpoint, against botocore ------------------------------------------------------


@pytest.fixture(scope="module")
def session() -> botocore.session.Session:
    """One botocore session for the clients that take their region, FIPS setting and keys as
    arguments: its data files are read once."""
    return botocore.session.get_session()


@pytest.mark.parametrize("fips", [False, True], ids=["plain", "fips"])
@pytest.mark.parametrize("region", REGIONS)
def test_region_endpoint_as_botocore(
    isolated: Path, session: botocore.session.Session, region: str, fips: bool
) -> None:
    sent = sent_by_botocore(
        session,
        region_name=region,
        config=Config(use_fips_endpoint=fips),
        aws_access_key_id="a",
        aws_secret_access_key="b",
    )
    env = {"AWS_REGION": region, "AWS_USE_FIPS_ENDPOINT": str(fips).lower()}
    found = assert_as_botocore(env, sent)
    if found is None or sent is None:
        return
    # What the direct client requests and signs (host lower case, default port dropped)
    assert f"{found.scheme}://{found.host_header}{found.path}/" == sent[0].lower()
    assert found.ca_bundle is None
    # botocore's client.meta.endpoint_url comes from its legacy resolver, not from the rule set
    # that picks where requests go: the two differ for GovCloud with FIPS (the rule set keeps the
    # regional endpoint, FIPS already) and for the "-global" names outside aws (aws's suffix).
    partition = partition_of(region)
    global_name = region in partition["regions"] and not re.match(partition["regionRegex"], region)
    if not (fips and partition["id"] == "aws-us-gov") and not (
        global_name and partition["id"] != "aws"
    ):
        assert found.url == sent[2]


def partition_of(region: str) -> dict[str, Any]:
    for partition in PARTITIONS:
        if region in partition["regions"] or re.match(partition["regionRegex"], region):
            return dict(partition)
    return dict(PARTITIONS[0])


def test_govcloud_fips_is_the_regional_endpoint(isolated: Path) -> None:
    found = endpoint({"AWS_REGION": "us-gov-west-1", "AWS_USE_FIPS_ENDPOINT": "TRUE"})
    assert found.url == "https://dynamodb.us-gov-west-1.amazonaws.com"
    found = endpoint({"AWS_REGION": "us-east-1", "AWS_USE_FIPS_ENDPOINT": "True"})
    assert found.url == "https://dynamodb-fips.us-east-1.amazonaws.com"
    found = endpoint({"AWS_REGION": "us-east-1", "AWS_USE_FIPS_ENDPOINT": "1"})  # not "true"
    assert found.url == "https://dynamodb.us-east-1.amazonaws.com"


def test_local_region() -> None:
    assert endpoint({"AWS_REGION": "local"}) == Endpoint(
        url="http://localhost:8000",
        scheme="http",
        host="localhost",
        port=8000,
        path="",
        region="us-east-1",  # the rule set's signing region for "local"
        ca_bundle=None,
    )
    with pytest.raises(Unsupported, match="AWS_USE_FIPS_ENDPOINT"):
        endpoint({"AWS_REGION": "local", "AWS_USE_FIPS_ENDPOINT": "true"})


def test_partitions_are_botocores() -> None:
    ours = [(p.name, p.regex, p.dns_suffix, p.dual_stack_suffix, True) for p in aws_env._PARTITIONS]
    theirs = [
        (
            p["id"],
            p["regionRegex"],
            p["outputs"]["dnsSuffix"],
            p["outputs"]["dualStackDnsSuffix"],
            p["outputs"]["supportsFIPS"],
        )
        for p in PARTITIONS
    ]
    assert ours == theirs
    for partition in aws_env._PARTITIONS:
        theirs_listed = next(p["regions"] for p in PARTITIONS if p["id"] == partition.name)
        outside = {r for r in theirs_listed if not re.match(partition.regex, r)}
        assert set(partition.listed) == outside


def test_dynamodb_rule_set_is_the_one_reproduced() -> None:
    """A botocore with other DynamoDB endpoint rules fails here: aws_env._resolve then needs a
    look (the differential tests cover regions and settings, not every rule). The digest is of
    the rules as botocore 1.43.11 has them; the leaves say what they can lead to."""

    def leaves(rules: list[dict[str, Any]]) -> Iterator[str]:
        for rule in rules:
            if rule["type"] == "tree":
                yield from leaves(rule["rules"])
            elif rule["type"] == "error":
                yield "error: " + rule["error"]
            else:
                url = rule["endpoint"]["url"]  # a template, or {"ref": name}
                yield url if isinstance(url, str) else "{" + url["ref"] + "}"

    # The API version botocore's client uses: the newest
    rule_set = create_loader().load_service_model("dynamodb", "endpoint-rule-set-1")
    rules = json.dumps(rule_set["rules"], sort_keys=True).encode()
    assert hashlib.sha256(rules).hexdigest() == (
        "54c091c35a62ad889db82845b8d787bee40ab93da022d43687e1ccf9c9cb6bd6"
    )
    assert set(leaves(rule_set["rules"])) == {
        "{Endpoint}",
        "http://localhost:8000",
        "https://dynamodb-fips.{Region}.{PartitionResult#dualStackDnsSuffix}",
        "https://dynamodb.{Region}.{PartitionResult#dnsSuffix}",
        "https://dynamodb-fips.{Region}.{PartitionResult#dnsSuffix}",
        "https://dynamodb.{Region}.{PartitionResult#dualStackDnsSuffix}",
        "https://{ParsedArn#accountId}.ddb.{Region}.{PartitionResult#dualStackDnsSuffix}",
        "https://{ParsedArn#accountId}.ddb.{Region}.{PartitionResult#dnsSuffix}",
        "https://{AccountId}.ddb.{Region}.{PartitionResult#dualStackDnsSuffix}",
        "https://{AccountId}.ddb.{Region}.{PartitionResult#dnsSuffix}",
        *(
            "error: " + message
            for message in (
                "Invalid Configuration: FIPS and custom endpoint are not supported",
                "Invalid Configuration: Dualstack and custom endpoint are not supported",
                "Endpoint override is not supported for dual-stack endpoints. Please enable"
                " dual-stack functionality by enabling the configuration. For more details,"
                " see: https://docs.aws.amazon.com/sdkref/latest/guide/feature-endpoints.html",
                "Invalid Configuration: FIPS and local endpoint are not supported",
                "Invalid Configuration: Dualstack and local endpoint are not supported",
                "Invalid Configuration: AccountIdEndpointMode is required and FIPS is"
                " enabled, but FIPS account endpoints are not supported",
                "FIPS and DualStack are enabled, but this partition does not support one or both",
                "FIPS is enabled but this partition does not support FIPS",
                "DualStack is enabled but this partition does not support DualStack",
                "Credentials-sourced account ID parameter is invalid",
                "AccountIdEndpointMode is required but no AccountID was provided or able"
                " to be loaded",
                "Invalid Configuration: AccountIdEndpointMode is required but account"
                " endpoints are not supported in this partition",
                "Invalid Configuration: Missing Region",
            )
        ),
    }


# -- The environment, against botocore ------------------------------------------------------------

ENVIRONMENTS = {
    "fips-beside-url": {"AWS_ENDPOINT_URL": "http://127.0.0.1:8123", "AWS_USE_FIPS_ENDPOINT": "1"},
    "fips-true-beside-url": {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:8123",
        "AWS_USE_FIPS_ENDPOINT": "true",
    },
    "service-over-general": {
        "AWS_ENDPOINT_URL_DYNAMODB": "http://service:1",
        "AWS_ENDPOINT_URL": "http://general:2",
    },
    "empty-service-skipped": {
        "AWS_ENDPOINT_URL_DYNAMODB": "",
        "AWS_ENDPOINT_URL": "http://general:2",
    },
    "ignored": {
        "AWS_ENDPOINT_URL_DYNAMODB": "http://service:1",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "TRUE",
    },
    "ignore-flag-not-true": {
        "AWS_ENDPOINT_URL": "http://general:2",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "1",
    },
    "dual-stack-url": {"AWS_ENDPOINT_URL": "https://dynamodb.us-east-1.api.aws"},
    "dual-stack-url-slash": {"AWS_ENDPOINT_URL": "https://dynamodb.us-east-1.api.aws/"},
    "dual-stack-url-cn": {
        "AWS_DEFAULT_REGION": "cn-north-1",
        "AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.cn-north-1.api.amazonwebservices.com.cn",
    },
    "url-with-local": {"AWS_DEFAULT_REGION": "local", "AWS_ENDPOINT_URL": "http://h:1/x/"},
    "path": {"AWS_ENDPOINT_URL": "https://h.example:8443/base"},
    "ipv6": {"AWS_ENDPOINT_URL": "http://[::1]:8000"},
    "upper-case-default-port": {"AWS_ENDPOINT_URL": "http://H.Example:80"},
    "underscore-host": {"AWS_ENDPOINT_URL": "http://dynamodb_local:8000"},
    "local-fips": {"AWS_DEFAULT_REGION": "local", "AWS_USE_FIPS_ENDPOINT": "true"},
    "same-region-twice": {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"},
    "account": {"AWS_ACCOUNT_ID": "123456789012"},
    "account-fips": {"AWS_ACCOUNT_ID": "123456789012", "AWS_USE_FIPS_ENDPOINT": "true"},
    "account-disabled": {
        "AWS_ACCOUNT_ID": "123456789012",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "Disabled",
    },
    "account-preferred": {
        "AWS_ACCOUNT_ID": "123456789012",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "PREFERRED",
    },
    "account-required": {
        "AWS_ACCOUNT_ID": "123456789012",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "required",
    },
    "account-required-missing": {"AWS_ACCOUNT_ID_ENDPOINT_MODE": "required"},
    "account-required-fips": {
        "AWS_ACCOUNT_ID": "123456789012",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "required",
        "AWS_USE_FIPS_ENDPOINT": "true",
    },
    "account-required-cn": {
        "AWS_DEFAULT_REGION": "cn-north-1",
        "AWS_ACCOUNT_ID": "123456789012",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "required",
    },
    "account-invalid": {"AWS_ACCOUNT_ID": "not_a_label"},
    "account-invalid-disabled": {
        "AWS_ACCOUNT_ID": "not_a_label",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    },
    "account-cn": {"AWS_DEFAULT_REGION": "cn-north-1", "AWS_ACCOUNT_ID": "123456789012"},
    "account-gov": {"AWS_DEFAULT_REGION": "us-gov-west-1", "AWS_ACCOUNT_ID": "123456789012"},
    "account-local": {"AWS_DEFAULT_REGION": "local", "AWS_ACCOUNT_ID": "123456789012"},
    "account-url": {"AWS_ACCOUNT_ID": "123456789012", "AWS_ENDPOINT_URL": "http://h:1"},
    "account-empty": {"AWS_ACCOUNT_ID": ""},
    "ca-bundle": {"AWS_CA_BUNDLE": "/etc/ssl/some-bundle.pem"},
    "endpoint-discovery-auto": {"AWS_ENDPOINT_DISCOVERY_ENABLED": "AUTO"},
    "retry-standard": {"AWS_RETRY_MODE": "standard"},
}


@pytest.mark.parametrize("case", list(ENVIRONMENTS), ids=list(ENVIRONMENTS))
def test_environment_as_botocore(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """botocore reads os.environ; endpoint() is given the same variables (the missing config
    files of `isolated` included: they are served)."""
    settings = {"AWS_DEFAULT_REGION": "us-east-1", **ENVIRONMENTS[case]}
    settings.setdefault("AWS_ACCESS_KEY_ID", "a")
    settings.setdefault("AWS_SECRET_ACCESS_KEY", "b")
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    found = assert_as_botocore(dict(os.environ), sent_by_botocore())
    if case == "ca-bundle":
        assert found is not None
        assert found.ca_bundle == "/etc/ssl/some-bundle.pem"


def test_account_endpoint() -> None:
    pair = {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}
    found = endpoint({**pair, "AWS_REGION": "eu-west-1", "AWS_ACCOUNT_ID": "123456789012"})
    assert found.url == "https://123456789012.ddb.eu-west-1.amazonaws.com"
    # Credentials from elsewhere do not carry AWS_ACCOUNT_ID in botocore
    found = endpoint({"AWS_REGION": "eu-west-1", "AWS_ACCOUNT_ID": "123456789012"})
    assert found.url == "https://dynamodb.eu-west-1.amazonaws.com"
    with pytest.raises(Unsupported, match=r"^AWS_ACCOUNT_ID ") as raised:
        endpoint({**pair, "AWS_REGION": "eu-west-1", "AWS_ACCOUNT_ID": SECRET + "_"})
    assert SECRET not in str(raised.value)


# -- Precedence and parsing -----------------------------------------------------------------------


def test_service_variable_over_general_and_the_ignore_flag() -> None:
    env = {
        "AWS_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8123",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9999",
    }
    assert endpoint(env).url == "http://127.0.0.1:8123"
    assert endpoint({**env, "AWS_ENDPOINT_URL_DYNAMODB": ""}).url == "http://127.0.0.1:9999"
    del env["AWS_ENDPOINT_URL_DYNAMODB"]
    assert endpoint(env).url == "http://127.0.0.1:9999"
    for flag in ("true", "TRUE", "True"):
        found = endpoint({**env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": flag})
        assert found.url == "https://dynamodb.eu-west-1.amazonaws.com"
    for flag in ("false", "1", "yes", ""):
        found = endpoint({**env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": flag})
        assert found.url == "http://127.0.0.1:9999"


def test_ca_bundle() -> None:
    env = {"AWS_REGION": "eu-west-1"}
    assert endpoint(env).ca_bundle is None
    assert endpoint({**env, "AWS_CA_BUNDLE": "/a.pem"}).ca_bundle == "/a.pem"
    assert endpoint({**env, "REQUESTS_CA_BUNDLE": "/r.pem"}).ca_bundle == "/r.pem"
    both = {**env, "AWS_CA_BUNDLE": "/a.pem", "REQUESTS_CA_BUNDLE": "/r.pem"}
    assert endpoint(both).ca_bundle == "/a.pem"
    local = {**both, "AWS_ENDPOINT_URL_DYNAMODB": "https://127.0.0.1:8443"}
    assert endpoint(local).ca_bundle == "/a.pem"


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("http://127.0.0.1:8123", ("http", "127.0.0.1", 8123, "", "127.0.0.1:8123")),
        ("http://localhost:8000/", ("http", "localhost", 8000, "", "localhost:8000")),
        ("https://db.example", ("https", "db.example", 443, "", "db.example")),
        ("http://db.example", ("http", "db.example", 80, "", "db.example")),
        ("https://db.example:443", ("https", "db.example", 443, "", "db.example")),
        ("http://db.example:443", ("http", "db.example", 443, "", "db.example:443")),
        (
            "HTTPS://DB.Example:8443/Base/",
            ("https", "db.example", 8443, "/Base", "db.example:8443"),
        ),
        ("http://db.example/a/b//", ("http", "db.example", 80, "/a/b", "db.example")),
        ("http://db.example./", ("http", "db.example.", 80, "", "db.example.")),
        ("http://[::1]:8000", ("http", "::1", 8000, "", "[::1]:8000")),
        ("https://[2001:db8::1]/p", ("https", "2001:db8::1", 443, "/p", "[2001:db8::1]")),
    ],
)
def test_url_parsing(url: str, parsed: tuple[str, str, int, str, str]) -> None:
    found = endpoint({"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": url})
    assert found.url == url
    assert (found.scheme, found.host, found.port, found.path, found.host_header) == parsed
    assert found.region == "eu-west-1"


@pytest.mark.parametrize(
    "url",
    [
        f"ftp://{SECRET}.example",
        f"{SECRET}.example:8000",
        f"//{SECRET}.example:8000",
        "http://",
        "http://:8000",
        f"http://{SECRET}.example?x=1",
        f"http://{SECRET}.example/?x=1",
        f"http://{SECRET}.example/#part",
        f"http://user:{SECRET}@db.example",
        f"http://{SECRET}.example:99999",
        f"http://{SECRET}.example:port",
        f"http://{SECRET}.example:0",
        f"http://{SECRET}_local:8000",
        f"http://-{SECRET}.example",
        f"http://{'x' * 64}.{SECRET}.example",
        f"http://{SECRET}.example/a b",
        f"http://{SECRET}.example/\n",
        f"http://{SECRET}.example/\u00e9",
        f"http://[::{SECRET}]:8000",
    ],
)
@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"])
def test_malformed_url(variable: str, url: str) -> None:
    with pytest.raises(Unsupported) as raised:
        endpoint({"AWS_REGION": "eu-west-1", variable: url})
    message = str(raised.value)
    assert message.startswith(f"{variable} ")
    assert SECRET not in message
    assert unsupported({"AWS_REGION": "eu-west-1", variable: url}) is None  # not a setting


# -- The region ----------------------------------------------------------------------------------


def test_region_variables() -> None:
    assert endpoint({"AWS_REGION": "eu-west-1"}).region == "eu-west-1"
    assert endpoint({"AWS_DEFAULT_REGION": "eu-west-2"}).region == "eu-west-2"
    assert endpoint({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": ""}).region == "eu-west-1"
    assert endpoint({"AWS_REGION": "", "AWS_DEFAULT_REGION": "eu-west-2"}).region == "eu-west-2"
    same = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"}
    assert endpoint(same).region == "eu-west-1"
    for env in ({}, {"AWS_REGION": "", "AWS_DEFAULT_REGION": ""}):
        with pytest.raises(Unsupported, match=r"^no region: set AWS_REGION$"):
            endpoint(env)


def test_regions_that_disagree() -> None:
    """botocore reads AWS_DEFAULT_REGION only: boto3 decides (Lambda sets both alike)."""
    env = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1"}
    with pytest.raises(Unsupported) as raised:
        endpoint(env)
    message = str(raised.value)
    assert "AWS_REGION" in message and "AWS_DEFAULT_REGION" in message
    assert "eu-west-1" not in message and "us-east-1" not in message


@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
@pytest.mark.parametrize("region", [f"{SECRET}_1", f"{SECRET}.1", f"-{SECRET}", f"{SECRET}\n"])
def test_invalid_region(variable: str, region: str) -> None:
    with pytest.raises(Unsupported) as raised:
        endpoint({variable: region})
    assert str(raised.value).startswith(f"{variable} ")
    assert SECRET not in str(raised.value)


# -- What only botocore serves --------------------------------------------------------------------

PROXIES = ["HTTPS_PROXY", "https_proxy", "Https_Proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"]
UNSUPPORTED = [
    *((name, f"http://{SECRET}:3128") for name in [*PROXIES, "all_proxy"]),
    ("AWS_PROFILE", SECRET),
    ("AWS_PROFILE", ""),
    ("AWS_DEFAULT_PROFILE", SECRET),
    ("AWS_DATA_PATH", f"/{SECRET}/models"),
    ("AWS_USE_DUALSTACK_ENDPOINT", "TRUE"),
    ("AWS_RETRY_MODE", "adaptive"),
    ("AWS_RETRY_MODE", "legacy"),
    ("AWS_RETRY_MODE", "Standard"),
    ("AWS_RETRY_MODE", ""),
    ("AWS_MAX_ATTEMPTS", "17"),
    ("AWS_MAX_ATTEMPTS", ""),
    ("AWS_NEW_RETRIES_2026", "TRUE"),
    ("AWS_DEFAULTS_MODE", "standard"),
    ("AWS_DEFAULTS_MODE", "in-region"),
    ("AWS_DEFAULTS_MODE", SECRET),
    ("AWS_ENDPOINT_DISCOVERY_ENABLED", "TRUE"),
    ("AWS_ENDPOINT_DISCOVERY_ENABLED", SECRET),
    ("AWS_ACCOUNT_ID_ENDPOINT_MODE", SECRET),
    ("AWS_ACCOUNT_ID_ENDPOINT_MODE", ""),
    ("BOTOCORE_TCP_KEEPALIVE", "TRUE"),
    ("BOTOCORE_EXPERIMENTAL__PLUGINS", f"p={SECRET}"),
    ("AWS_CA_BUNDLE", ""),
    ("REQUESTS_CA_BUNDLE", ""),
]
SERVED = [
    *((name, "") for name in PROXIES),
    ("FTP_PROXY", "http://proxy:3128"),
    ("AWS_USE_DUALSTACK_ENDPOINT", "false"),
    ("AWS_USE_DUALSTACK_ENDPOINT", "1"),
    ("AWS_RETRY_MODE", "standard"),
    ("AWS_NEW_RETRIES_2026", "false"),
    ("AWS_DEFAULTS_MODE", "legacy"),
    ("AWS_DEFAULTS_MODE", "LEGACY"),
    ("AWS_ENDPOINT_DISCOVERY_ENABLED", "auto"),
    ("AWS_ENDPOINT_DISCOVERY_ENABLED", " False "),
    ("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled"),
    ("AWS_ACCOUNT_ID_ENDPOINT_MODE", "Preferred"),
    ("BOTOCORE_TCP_KEEPALIVE", "false"),
    ("BOTOCORE_EXPERIMENTAL__PLUGINS", "DISABLED"),
    ("BOTOCORE_EXPERIMENTAL__PLUGINS", ""),
    ("AWS_DATA_PATH", ""),
    ("AWS_CONFIG_FILE", "/nonexistent/config"),
    ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
    ("AWS_CONFIG_FILE", os.devnull),
    ("AWS_SDK_UA_APP_ID", "app"),
    ("AWS_CSM_ENABLED", "true"),
    ("AWS_STS_REGIONAL_ENDPOINTS", "legacy"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
    ("NO_PROXY", "*"),
]


@pytest.mark.parametrize(("variable", "value"), UNSUPPORTED)
def test_unsupported_variable(variable: str, value: str) -> None:
    env = {"AWS_REGION": "eu-west-1", variable: value}
    reason = unsupported(env)
    assert reason is not None
    with pytest.raises(Unsupported) as raised:
        endpoint(env)
    assert str(raised.value) == reason
    assert reason.startswith(f"{variable} ")
    if value:
        assert value not in reason
        assert value.lower() not in reason.lower()


@pytest.mark.parametrize(("variable", "value"), SERVED)
def test_served_variable(variable: str, value: str) -> None:
    env = {"AWS_REGION": "eu-west-1", variable: value}
    assert unsupported(env) is None
    assert endpoint(env).url == "https://dynamodb.eu-west-1.amazonaws.com"


@pytest.mark.parametrize("variable", ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"])
def test_settings_files(variable: str, tmp_path: Path) -> None:
    """A file botocore would read settings from is left to botocore; a missing or empty one
    holds none (as in Lambda, and in the benchmarks' clean environment)."""
    path = tmp_path / SECRET
    env = {"AWS_REGION": "eu-west-1", variable: str(path)}
    assert unsupported(env) is None
    path.write_text("")
    assert unsupported(env) is None
    path.write_text("[default]\nendpoint_url = http://elsewhere:1\n")
    reason = unsupported(env)
    assert reason is not None and reason.startswith(f"{variable} ")
    assert SECRET not in reason and str(tmp_path) not in reason
    with pytest.raises(Unsupported):
        endpoint(env)
    (tmp_path / "dir").mkdir()
    assert unsupported({**env, variable: str(tmp_path / "dir")}) is None


def test_first_reason_only() -> None:
    env = {"AWS_REGION": "eu-west-1", "AWS_PROFILE": "p", "HTTPS_PROXY": "http://p:1"}
    assert unsupported(env) == "HTTPS_PROXY (requests through a proxy)"


def test_lambda_environment_is_served() -> None:
    """The variables Lambda sets (SnapStart's container URI included)."""
    env = {
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_SESSION_TOKEN": "token",
        "AWS_LAMBDA_FUNCTION_NAME": "items",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.100.1:2000",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9001/2021-04-23/credentials",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "t",
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793",
        "LAMBDA_TASK_ROOT": "/var/task",
    }
    assert unsupported(env) is None
    assert endpoint(env) == Endpoint(
        url="https://dynamodb.eu-west-1.amazonaws.com",
        scheme="https",
        host="dynamodb.eu-west-1.amazonaws.com",
        port=443,
        path="",
        region="eu-west-1",
        ca_bundle=None,
    )


# -- Credentials from the environment -------------------------------------------------------------


def test_environment_credentials() -> None:
    pair = {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET"}
    assert credentials(pair).frozen() == ("AKID", "SECRET", None)
    assert credentials({**pair, "AWS_SESSION_TOKEN": "T"}).frozen() == ("AKID", "SECRET", "T")
    assert credentials({**pair, "AWS_SESSION_TOKEN": ""}).frozen() == ("AKID", "SECRET", None)


@pytest.mark.parametrize(
    "tokens",
    [
        {},
        {"AWS_SESSION_TOKEN": "session"},
        {"AWS_SECURITY_TOKEN": "security"},
        {"AWS_SECURITY_TOKEN": "security", "AWS_SESSION_TOKEN": "session"},
        {"AWS_SECURITY_TOKEN": "", "AWS_SESSION_TOKEN": "session"},
    ],
)
def test_environment_credentials_as_botocore(tokens: dict[str, str]) -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", **tokens}
    theirs = EnvProvider(environ=env).load()
    assert theirs is not None
    frozen = theirs.get_frozen_credentials()
    assert credentials(env).frozen() == (frozen.access_key, frozen.secret_key, frozen.token)


def test_environment_credentials_refresh_reads_the_environment_again() -> None:
    env = {"AWS_ACCESS_KEY_ID": "one", "AWS_SECRET_ACCESS_KEY": "s1", "AWS_SESSION_TOKEN": "t1"}
    found = credentials(env)
    env.update(AWS_ACCESS_KEY_ID="two", AWS_SECRET_ACCESS_KEY="s2", AWS_SESSION_TOKEN="t2")
    assert found.frozen() == ("one", "s1", "t1")  # read once, until told
    found.refresh()
    assert found.frozen() == ("two", "s2", "t2")
    del env["AWS_SESSION_TOKEN"]
    found.refresh()
    assert found.frozen() == ("two", "s2", None)


def test_credentials_never_in_repr() -> None:
    found = credentials({"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": SECRET})
    assert SECRET not in repr(found) and "AKID" not in repr(found)


def test_import_and_environment_paths_leave_botocore_alone() -> None:
    code = (
        "import json, sys\n"
        "import py_handler.aws_env as aws_env\n"
        "loaded = [sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3'))]\n"
        "aws_env.endpoint({'AWS_REGION': 'eu-west-1', 'AWS_ENDPOINT_URL': 'http://[::1]:1'})\n"
        "aws_env.unsupported({'AWS_REGION': 'eu-west-1', 'AWS_CONFIG_FILE': '/nonexistent'})\n"
        "keys = {'AWS_ACCESS_KEY_ID': 'a', 'AWS_SECRET_ACCESS_KEY': 'b'}\n"
        "found = aws_env.credentials(keys)\n"
        "found.frozen()\n"
        "found.refresh()\n"
        "aws_env.credentials({})  # the chain, not resolved yet\n"
        "loaded.append(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3')))"
        "\n"
        "print(json.dumps(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout) == [[], []]


# -- Credentials from botocore's chain ------------------------------------------------------------


def _expiring(minutes: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


class CredentialsEndpoint:
    """A container credentials endpoint on loopback: answers in turn (the last one again when
    they run out), and the requests it was sent."""

    def __init__(self) -> None:
        self.answers: list[dict[str, str]] = []
        self.requests: list[dict[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append({"path": self.path, **dict(self.headers.items())})
                index = min(len(owner.requests), len(owner.answers)) - 1
                body = json.dumps(owner.answers[index]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/creds"

    def answer(self, key: str, minutes: int) -> None:
        self.answers.append(
            {
                "AccessKeyId": f"AKID-{key}",
                "SecretAccessKey": f"secret-{key}",
                "Token": f"token-{key}",
                "Expiration": _expiring(minutes),
            }
        )


def keys(key: str) -> tuple[str, str, str]:
    return f"AKID-{key}", f"secret-{key}", f"token-{key}"


@pytest.fixture
def container(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CredentialsEndpoint]:
    """botocore's chain with nothing but a container credentials endpoint (as in SnapStart)."""
    served = CredentialsEndpoint()
    thread = threading.Thread(target=served.server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", served.url)
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer local")
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()
        thread.join()


def test_chain_credentials(container: CredentialsEndpoint) -> None:
    container.answer("one", minutes=60)
    found = credentials(os.environ)
    assert container.requests == []  # resolved at the first frozen(), not before
    assert found.frozen() == keys("one")
    assert found.frozen() == keys("one")
    assert len(container.requests) == 1
    assert container.requests[0]["path"] == "/creds"
    assert container.requests[0]["Authorization"] == "Bearer local"


def test_chain_credentials_refreshed_before_expiry(container: CredentialsEndpoint) -> None:
    """botocore refreshes credentials that expire within 10 minutes at the next frozen(): at
    the first one too, right after fetching them."""
    container.answer("one", minutes=5)
    container.answer("two", minutes=5)
    container.answer("three", minutes=60)
    found = credentials(os.environ)
    assert found.frozen() == keys("two")
    assert len(container.requests) == 2
    assert found.frozen() == keys("three")
    assert len(container.requests) == 3
    assert found.frozen() == keys("three")
    assert len(container.requests) == 3


def test_chain_credentials_refresh(container: CredentialsEndpoint) -> None:
    container.answer("one", minutes=60)
    container.answer("two", minutes=60)
    found = credentials(os.environ)
    assert found.frozen() == keys("one")
    found.refresh()
    assert len(container.requests) == 2
    assert found.frozen() == keys("two")
    assert len(container.requests) == 2


def test_environment_keys_beside_a_container_uri(
    container: CredentialsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Left to the chain, whose first source is the environment: the same keys."""
    container.answer("one", minutes=60)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKID-env")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-env")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-env")
    found = credentials(os.environ)
    assert found.frozen() == ("AKID-env", "secret-env", "token-env")
    assert "chain" in repr(found)
    assert container.requests == []


def test_environment_keys_with_an_expiry_go_through_the_chain(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKID")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", _expiring(60))
    found = credentials(os.environ)
    assert "chain" in repr(found)
    assert found.frozen() == ("AKID", "secret", None)


def test_no_credentials(isolated: Path) -> None:
    found = credentials(os.environ)  # no error yet: the chain is resolved when first needed
    with pytest.raises(NoCredentialsError):
        found.frozen()
    with pytest.raises(NoCredentialsError):
        found.refresh()


def test_half_the_keys(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKID")
    found = credentials(os.environ)
    with pytest.raises(PartialCredentialsError):
        found.frozen()
