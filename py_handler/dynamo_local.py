"""A local DynamoDB for development and tests: Dynoxide, in memory, on a free loopback port;
and the items table, created from template.yaml's definition."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"
# The template's parameter for the table's key attribute, which the function reads as KEY_NAME
KEY_PARAMETER = "KeyName"
# What the function reads at init, as tests and benchmarks run it against a local DynamoDB (which
# takes any credentials); AWS_ENDPOINT_URL_DYNAMODB is added once the server runs.
LOCAL_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "TABLE_NAME": "items",
    "POWERTOOLS_SERVICE_NAME": "items",
    "POWERTOOLS_METRICS_NAMESPACE": "Items",
}


class DynoxideNotFound(RuntimeError):
    pass


def find_dynoxide() -> str:
    binary = os.environ.get("DYNOXIDE_BIN") or shutil.which("dynoxide")
    if not binary:
        raise DynoxideNotFound(
            "Dynoxide, the local DynamoDB, was not found: run `make dynoxide` "
            "(or set DYNOXIDE_BIN to its path)."
        )
    return binary


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def local_client(endpoint_url: str) -> DynamoDBClient:
    """A client for a local endpoint; any credentials do, and one try is enough."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=1),
    )


class Dynoxide:
    """A Dynoxide server for the span of a `with` block (or from `start()` to `stop()`)."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.endpoint_url = f"http://{host}:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> Dynoxide:
        command = [find_dynoxide(), "serve", "--host", self.host, "--port", str(self.port)]
        self._process = subprocess.Popen(
            [*command, "--log", "quiet"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def _wait_until_ready(self, timeout: float) -> None:
        client = local_client(self.endpoint_url)
        deadline = time.monotonic() + timeout
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"Dynoxide exited with status {self._process.returncode}")
            try:
                client.list_tables(Limit=1)
                return
            except BotoCoreError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Dynoxide did not answer on {self.endpoint_url}") from None
                time.sleep(0.02)

    def __enter__(self) -> Dynoxide:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def table_definition(template: Path = TEMPLATE, key: str | None = None) -> dict[str, Any]:
    """Key schema and billing mode of the one DynamoDB table in a SAM/CloudFormation template,
    a `!Ref` to a parameter read as its default, the key's (`KeyName`) as `key` when given."""
    import yaml  # a development dependency: the Lambda function never imports this module

    class Ref(str):
        """A `!Ref`, resolved once the template's parameters are known."""

    class TemplateLoader(yaml.SafeLoader):
        pass

    def tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        # CloudFormation's short forms (!Ref, !Sub, !GetAtt, ...): keep the value, drop the tag.
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        value = loader.construct_scalar(node)  # type: ignore[arg-type]
        return Ref(value) if suffix == "Ref" else value

    TemplateLoader.add_multi_constructor("!", tagged)
    document = yaml.load(template.read_text(encoding="utf-8"), Loader=TemplateLoader)
    parameters = {
        name: str(spec["Default"])
        for name, spec in (document.get("Parameters") or {}).items()
        if "Default" in spec
    }
    if key is not None:
        parameters[KEY_PARAMETER] = key

    def resolved(value: Any) -> Any:
        if isinstance(value, Ref):
            return parameters.get(value, str(value))
        if isinstance(value, dict):
            return {name: resolved(member) for name, member in value.items()}
        if isinstance(value, list):
            return [resolved(member) for member in value]
        return value

    tables = [
        resource["Properties"]
        for resource in document["Resources"].values()
        if resource.get("Type") == "AWS::DynamoDB::Table"
    ]
    if len(tables) != 1:
        raise ValueError(f"{template} should define one AWS::DynamoDB::Table, not {len(tables)}")
    keys = ("AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput")
    return {name: resolved(tables[0][name]) for name in keys if name in tables[0]}


def ensure_table(
    client: DynamoDBClient,
    table_name: str,
    template: Path = TEMPLATE,
    timeout: float = 60.0,
    key: str | None = None,
) -> None:
    """Create the table from the template when it is missing (keyed by `key`, else the
    template's default), and wait until it is ACTIVE."""
    try:
        status = client.describe_table(TableName=table_name)["Table"].get("TableStatus")
    except client.exceptions.ResourceNotFoundException:
        try:
            definition: Any = table_definition(template, key)
            status = client.create_table(TableName=table_name, **definition)[
                "TableDescription"
            ].get("TableStatus")
        except client.exceptions.ResourceInUseException:
            status = None  # created meanwhile by someone else
    deadline = time.monotonic() + timeout
    while status != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {table_name} is not ACTIVE after {timeout} s")
        time.sleep(0.05)
        status = client.describe_table(TableName=table_name)["Table"].get("TableStatus")
