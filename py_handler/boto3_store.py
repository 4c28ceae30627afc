"""The store on boto3 (`DYNAMODB_CLIENT=boto3`): items decoded into AttributeValue dicts for
botocore, which writes, signs, sends and retries them. The direct client's oracle, and the
choice for configurations only botocore serves."""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
)

import rust_core
from py_handler.retry import Deadline
from py_handler.store import (
    Batch,
    Created,
    NotFound,
    StoreError,
    Unavailable,
    Unconfirmed,
    settle,
    store_error,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# At worst three attempts of 1 + 3 s plus backoff: within the function's 20 s timeout
# (template.yaml) and API Gateway's 30 s. Every item is built by rust_core and every other
# parameter by this module, so botocore's check of each call against the model (16% of a
# PutItem's CPU, 30% of a batch's) would find nothing: DynamoDB still checks what it receives.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3},
    connect_timeout=1,
    read_timeout=3,
    parameter_validation=False,
)
# Batch writes are retried by py_handler.batch, under the invocation's deadline: botocore's own
# retries would hide how long one call can last.
BATCH_CLIENT_CONFIG = CLIENT_CONFIG.merge(
    Config(retries={"mode": "standard", "total_max_attempts": 1})
)
PUT_BYTES = len('{"PutRequest": {"Item": }}, ')  # around each item in a BatchWriteItem


class Boto3Store:
    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        batch_client: DynamoDBClient | None = None,
        key: str = "id",
    ) -> None:
        self.client = client
        self.table_name = table_name
        self.key = key
        # A client without botocore's retries for BatchWriteItem (see BATCH_CLIENT_CONFIG)
        self.batch_client = client if batch_client is None else batch_client
        # Whether an attempt of this thread's create may have been applied without an answer
        self._create = threading.local()
        client.meta.events.register("needs-retry.dynamodb.PutItem", self._note_attempt)

    def _note_attempt(
        self,
        response: Any = None,
        caught_exception: Exception | None = None,
        **kwargs: Any,
    ) -> None:
        """botocore's hook after each PutItem attempt (it decides nothing: returns None). An
        attempt that went out and got no answer, a garbled one or a server error may have been
        applied."""
        if caught_exception is not None:
            unsent = isinstance(caught_exception, (EndpointConnectionError, ConnectTimeoutError))
            self._create.ambiguous = getattr(self._create, "ambiguous", False) or not unsent
        elif response is not None:
            # A server error, or an answer garbled on the way, may follow a write applied
            http = response[0]
            expected = http.headers.get("x-amz-crc32")
            garbled = expected is not None and expected != str(zlib.crc32(http.content))
            if http.status_code >= 500 or garbled:
                self._create.ambiguous = True

    def create(
        self,
        codec: rust_core.RecordCodec,
        body: bytes,
        deadline: Deadline | None = None,
        new_key: str | None = None,
    ) -> Created:
        item = codec.decode(body, new_key=new_key)
        created = Created(item[self.key]["S"], rust_core.item_to_json(item))
        self._create.ambiguous = False
        try:
            with _dynamodb_errors(writes_item=True):
                self.client.put_item(
                    TableName=self.table_name,
                    Item=item,
                    ConditionExpression="attribute_not_exists(#k)",
                    ExpressionAttributeNames={"#k": self.key},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            there: Any = exc.response.get("Item")
            there_json = None if there is None else rust_core.item_to_json(there)
            ambiguous = self._create.ambiguous
        else:
            return created
        return settle(created, there_json, ambiguous=ambiguous, new_key=new_key)

    def replace(
        self,
        codec: rust_core.RecordCodec,
        body: bytes,
        item_id: str,
        deadline: Deadline | None = None,
    ) -> bytes:
        item = codec.decode(body, key=item_id)
        with _dynamodb_errors(writes_item=True):
            self.client.put_item(TableName=self.table_name, Item=item)
        return rust_core.item_to_json(item)

    def get(self, item_id: str, deadline: Deadline | None = None) -> bytes:
        with _dynamodb_errors():
            response = self.client.get_item(
                TableName=self.table_name, Key={self.key: {"S": item_id}}, ConsistentRead=True
            )
        if "Item" not in response:
            raise NotFound
        return rust_core.item_to_json(response["Item"])

    def delete(self, item_id: str, deadline: Deadline | None = None) -> None:
        with _dynamodb_errors(condition_failed=NotFound):
            self.client.delete_item(
                TableName=self.table_name,
                Key={self.key: {"S": item_id}},
                ConditionExpression="attribute_exists(#k)",
                ExpressionAttributeNames={"#k": self.key},
            )

    def scan(
        self, limit: int, start: str | None = None, deadline: Deadline | None = None
    ) -> tuple[list[bytes], str | None]:
        after: dict[str, Any] = {}
        if start is not None:
            after["ExclusiveStartKey"] = {self.key: {"S": start}}
        with _dynamodb_errors():
            response = self.client.scan(
                TableName=self.table_name, Limit=limit, ConsistentRead=True, **after
            )
        items = [rust_core.item_to_json(item) for item in response["Items"]]
        last_key = response.get("LastEvaluatedKey")
        return items, None if last_key is None else str(last_key[self.key]["S"])

    def decode_batch(self, codec: rust_core.RecordCodec, body: bytes, *, ndjson: bool) -> Batch:
        items, rejected = codec.decode_many(body, ndjson=ndjson)
        keys = [item[self.key]["S"] for item in items]
        return Batch(items, keys, [request_size(item) for item in items], rejected)

    def put_batch(self, puts: Sequence[Any]) -> list[str]:
        requests: Any = [{"PutRequest": {"Item": item}} for item in puts]
        try:
            with _dynamodb_errors(writes_item=True):
                response = self.batch_client.batch_write_item(
                    RequestItems={self.table_name: requests}
                )
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if status >= 500:
                raise Unavailable from exc
            raise
        except ConnectionError as exc:  # DynamoDB was never reached
            raise Unavailable from exc
        except HTTPClientError as exc:  # sent, but the answer was lost: it may have been written
            raise Unconfirmed from exc
        unprocessed = response.get("UnprocessedItems", {}).get(self.table_name, [])
        return [request["PutRequest"]["Item"][self.key]["S"] for request in unprocessed]

    @property
    def batch_call_seconds(self) -> float:
        config = self.batch_client.meta.config  # botocore's defaults: 60 s each
        return float(getattr(config, "connect_timeout", 60) + getattr(config, "read_timeout", 60))


def request_size(item: Mapping[str, Any]) -> int:
    """The bytes one put adds to a BatchWriteItem request, as botocore writes it (`json.dumps`)."""
    return len(json.dumps(item)) + PUT_BYTES


@contextmanager
def _dynamodb_errors(
    *, condition_failed: type[StoreError] | None = None, writes_item: bool = False
) -> Iterator[None]:
    """Turn the ClientErrors a caller can act on into `StoreError`s; let the rest propagate."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        if code == "ConditionalCheckFailedException" and condition_failed:
            raise condition_failed from exc
        failure = store_error(code, error.get("Message", ""), writes_item=writes_item)
        if failure is not None:
            raise failure from exc
        raise


def connect(table_name: str, key: str = "id") -> Boto3Store:
    """One client, created at init and reused by every invocation. The endpoint comes from
    boto3's own configuration (`AWS_ENDPOINT_URL_DYNAMODB` for a local one)."""
    return Boto3Store(
        boto3.client("dynamodb", config=CLIENT_CONFIG),
        table_name,
        batch_client=boto3.client("dynamodb", config=BATCH_CLIENT_CONFIG),
        key=key,
    )
