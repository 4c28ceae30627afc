"""What the function does at init (cold start): read its settings, import no more than it needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from py_handler.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_settings_defaults() -> None:
    assert Settings.from_env({}) == Settings(
        table_name="items",
        dynamodb_client="direct",
        item_schema=ROOT / "py_handler" / "schema.json",
        max_body_bytes=None,
        max_batch_body_bytes=None,
        metrics_namespace="Items",
        tracing=False,
    )


def test_body_limits_left_unset_are_the_codecs_defaults(app: ModuleType) -> None:
    from py_handler import routes

    assert (routes.codec.max_body_bytes, routes.codec.max_batch_body_bytes) == (
        1_048_576,
        6_291_456,
    )


def test_body_limits_from_the_environment_reach_the_codec(app: ModuleType) -> None:
    from py_handler import routes

    settings = Settings.from_env({"MAX_BODY_BYTES": "2048", "MAX_BATCH_BODY_BYTES": "4096"})
    codec = routes.load_codec(
        settings.item_schema, settings.max_body_bytes, settings.max_batch_body_bytes
    )
    assert (codec.max_body_bytes, codec.max_batch_body_bytes) == (2048, 4096)
    one = routes.load_codec(settings.item_schema, max_batch_body_bytes=4096)
    assert (one.max_body_bytes, one.max_batch_body_bytes) == (1_048_576, 4096)


def test_settings_from_the_environment() -> None:
    env = {
        "TABLE_NAME": "things",
        "DYNAMODB_CLIENT": " Boto3 ",
        "ITEM_SCHEMA": "/opt/schema.json",
        "MAX_BODY_BYTES": "2048",
        "MAX_BATCH_BODY_BYTES": "4096",
        "POWERTOOLS_METRICS_NAMESPACE": "Things",
        "LAMBDA_TASK_ROOT": "/var/task",
    }
    assert Settings.from_env(env) == Settings(
        table_name="things",
        dynamodb_client="boto3",
        item_schema=Path("/opt/schema.json"),
        max_body_bytes=2048,
        max_batch_body_bytes=4096,
        metrics_namespace="Things",
        tracing=True,
    )


@pytest.mark.parametrize(
    ("env", "tracing"),
    [
        ({}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "0"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
    ],
)
def test_tracing_follows_powertools_rule(env: dict[str, str], tracing: bool) -> None:
    assert Settings.from_env(env).tracing is tracing


def test_init_imports_neither_the_xray_sdk_nor_development_tools(dynamodb_endpoint: str) -> None:
    # GIVEN a fresh interpreter, outside Lambda
    probe = (
        "import sys, json, py_handler.app; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('aws_xray_sdk', 'yaml', 'pydantic') or m in ('py_handler.local', "
        "'py_handler.dynamo_local'))))"
    )
    # WHEN the handler module is imported
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
    )
    # THEN none of them was loaded
    assert json.loads(result.stdout) == []


def test_the_default_schema_is_the_order_schema_in_draft_2020_12(app: ModuleType) -> None:
    from py_handler import routes

    assert routes.codec.draft == "2020-12"
    assert routes.codec.key == "id"


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ('{"type": 12}', "SchemaError"),
        ('{"$ref": "https://example.com/order.json"}', "SchemaError"),
        ('{"$ref": "other.json"}', "SchemaError"),
        ('{"properties": {"sku": {"pattern": "(?=A)"}}}', "SchemaError"),
        ("{", "SchemaError"),
        (None, "FileNotFoundError"),
    ],
    ids=["invalid", "remote-ref", "file-ref", "lookahead", "not-json", "missing"],
)
def test_a_schema_that_cannot_be_used_fails_the_init_loudly(
    dynamodb_endpoint: str, tmp_path: Path, schema: str | None, reason: str
) -> None:
    # GIVEN ITEM_SCHEMA naming a file that is not a usable schema (or no file at all)
    path = tmp_path / "schema.json"
    if schema is not None:
        path.write_text(schema, encoding="utf-8")
    # WHEN the function initialises
    result = subprocess.run(
        [sys.executable, "-c", "import py_handler.app"],
        cwd=ROOT,
        env={**os.environ, "ITEM_SCHEMA": str(path)},
        capture_output=True,
        text=True,
    )
    # THEN the init fails, and the log says which file and why, in one JSON line
    assert result.returncode == 1
    assert reason in result.stderr.splitlines()[-1]
    logged = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(entry["level"], entry["message"]) for entry in logged] == [
        ("ERROR", f"Cannot use the item schema {path} (ITEM_SCHEMA)")
    ]
    assert logged[0]["exception_name"] == reason


# A whole request, in a fresh interpreter: POST an order, GET it back; then the modules loaded.
REQUEST_PROBE = """
import json, sys
from py_handler import app
class Context:  # what the handler reads of Lambda's context
    aws_request_id = "probe"
    function_name = "items"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:items"
    def get_remaining_time_in_millis(self): return 20_000
post = json.load(open("tests/events/http_api_post_item.json"))
post["body"] = json.dumps({k: v for k, v in json.loads(post["body"]).items() if k != "id"})
created = app.handler(post, Context())
get = json.load(open("tests/events/http_api_get_item.json"))
get["rawPath"] = get["requestContext"]["http"]["path"] = created["headers"]["Location"]
found = app.handler(get, Context())
loaded = {m.split(".")[0] for m in sys.modules} & {"boto3", "botocore", "urllib3", "s3transfer"}
print(json.dumps([created["statusCode"], found["statusCode"], type(app.routes.store).__name__,
                  sorted(loaded)]))
"""


@pytest.mark.parametrize(
    ("client", "store", "loaded"),
    [
        ("direct", "DirectStore", []),
        ("boto3", "Boto3Store", ["boto3", "botocore", "s3transfer", "urllib3"]),
    ],
)
def test_the_direct_client_never_imports_boto3_or_botocore(
    dynamodb_endpoint: str, client: str, store: str, loaded: list[str]
) -> None:
    # GIVEN a fresh interpreter with the Lambda credential variables, and DYNAMODB_CLIENT
    env = {**os.environ, "DYNAMODB_CLIENT": client}
    # WHEN the function starts and serves a POST and a GET
    result = subprocess.run(
        [sys.executable, "-c", REQUEST_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    # THEN both succeed, and the direct client loaded neither boto3 nor botocore (nor urllib3)
    assert json.loads(result.stdout.splitlines()[-1]) == [201, 200, store, loaded]


def test_an_unknown_dynamodb_client_fails_the_init() -> None:
    from py_handler.store import connect

    with pytest.raises(ValueError, match="DYNAMODB_CLIENT must be one of direct, boto3"):
        connect("items", "botocore")


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        (
            "HTTPS_PROXY",
            "http://user:secret@10.0.0.1:3128",
            "HTTPS_PROXY (requests through a proxy)",
        ),
        ("AWS_USE_DUALSTACK_ENDPOINT", "true", "AWS_USE_DUALSTACK_ENDPOINT"),
    ],
)
def test_a_configuration_only_botocore_serves_falls_back_to_boto3_in_one_log_line(
    variable: str, value: str, reason: str
) -> None:
    # GIVEN the Lambda environment, and a setting the direct client does not serve
    env = {
        "PATH": os.environ["PATH"],
        "AWS_ACCESS_KEY_ID": "AKID",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "items",
        variable: value,
    }
    # WHEN the function starts (no DYNAMODB_CLIENT: the direct client is the default)
    probe = "from py_handler import routes; print(type(routes.store).__name__)"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    # THEN boto3 serves it, and one warning names the setting, never its value
    *logs, store = result.stdout.splitlines()
    assert store == "Boto3Store"
    assert len(logs) == 1
    line = json.loads(logs[0])
    assert (line["level"], line["service"]) == ("WARNING", "items")
    assert line["message"].startswith(f"The direct DynamoDB client does not serve {reason}")
    assert line["message"].endswith(": using boto3")
    assert value not in logs[0]
