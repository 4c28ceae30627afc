"""The only module that talks to DynamoDB: items in AttributeValue form, keyed by `id`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, dict[str, Any]]

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

_THROTTLING = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)


class StoreError(Exception):
    """Base class: DynamoDB said no in a way the caller can act on."""


class NotFound(StoreError):
    """No item has this id."""


class AlreadyExists(StoreError):
    """An item with this id exists already; nothing was written."""


class ItemTooLarge(StoreError):
    """DynamoDB refused the item: over its 400 KB item size limit."""

    keyword = "max_item_size"  # how an entry of a reply's `errors` names it
    message = "The item is larger than DynamoDB's 400 KB limit"  # as rust_core words its check


class ItemRejected(StoreError):
    """DynamoDB refused the item for breaking one of its rules (an empty attribute name, ...)."""

    keyword = "dynamodb"
    message = "DynamoDB refused the item"  # not DynamoDB's words: they may quote the item


class Throttled(StoreError):
    """DynamoDB kept throttling after botocore's retries."""


class Store:
    def __init__(
        self, client: DynamoDBClient, table_name: str, batch_client: DynamoDBClient | None = None
    ) -> None:
        self.client = client
        self.table_name = table_name
        # A client without botocore's retries for BatchWriteItem (see BATCH_CLIENT_CONFIG)
        self.batch_client = client if batch_client is None else batch_client

    def create(self, item: Mapping[str, Mapping[str, Any]]) -> None:
        """Write a new item; raise `AlreadyExists` rather than overwrite one."""
        with _dynamodb_errors(condition_failed=AlreadyExists, writes_item=True):
            self.client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(id)",
            )

    def replace(self, item: Mapping[str, Mapping[str, Any]]) -> None:
        """Write the item whole, whether or not one with its id exists."""
        with _dynamodb_errors(writes_item=True):
            self.client.put_item(TableName=self.table_name, Item=item)

    def get(self, item_id: str) -> Item:
        with _dynamodb_errors():
            response = self.client.get_item(
                TableName=self.table_name, Key={"id": {"S": item_id}}, ConsistentRead=True
            )
        if "Item" not in response:
            raise NotFound
        return response["Item"]  # type: ignore[return-value]

    def scan(self, limit: int, start_key: Item | None = None) -> tuple[list[Item], Item | None]:
        """One page of a strongly consistent Scan: its items, and the key to go on from (None
        at the end of the table; a page may stop short of `limit` and still have one)."""
        start: dict[str, Any] = {} if start_key is None else {"ExclusiveStartKey": start_key}
        with _dynamodb_errors():
            response = self.client.scan(
                TableName=self.table_name, Limit=limit, ConsistentRead=True, **start
            )
        items: list[Item] = response["Items"]  # type: ignore[assignment]
        last_key: Item | None = response.get("LastEvaluatedKey")  # type: ignore[assignment]
        return items, last_key

    def put_batch(self, items: Sequence[Mapping[str, Mapping[str, Any]]]) -> list[Item]:
        """One BatchWriteItem of puts (upserts: it takes no conditions), with the store's error
        mapping; returns the items DynamoDB left unprocessed, to be sent again."""
        requests: Any = [{"PutRequest": {"Item": item}} for item in items]
        with _dynamodb_errors(writes_item=True):
            response = self.batch_client.batch_write_item(RequestItems={self.table_name: requests})
        unprocessed = response.get("UnprocessedItems", {}).get(self.table_name, [])
        return [request["PutRequest"]["Item"] for request in unprocessed]  # type: ignore[misc]

    @property
    def batch_call_seconds(self) -> float:
        """How long one `put_batch` can last: connecting, then waiting for the answer."""
        config = self.batch_client.meta.config  # botocore's defaults: 60 s each
        return float(getattr(config, "connect_timeout", 60) + getattr(config, "read_timeout", 60))

    def delete(self, item_id: str) -> None:
        with _dynamodb_errors(condition_failed=NotFound):
            self.client.delete_item(
                TableName=self.table_name,
                Key={"id": {"S": item_id}},
                ConditionExpression="attribute_exists(id)",
            )


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
        if code in _THROTTLING:
            raise Throttled from exc
        if code == "ValidationException" and writes_item:
            # DynamoDB names its item checks only in the message; the size limit has its own status.
            too_large = "Item size has exceeded" in error.get("Message", "")
            raise (ItemTooLarge if too_large else ItemRejected) from exc
        raise


def connect(table_name: str) -> Store:
    """The store the function uses: one client, created at init and reused by every invocation.

    The endpoint comes from boto3's own configuration (`AWS_ENDPOINT_URL_DYNAMODB` for a local one).
    """
    return Store(
        boto3.client("dynamodb", config=CLIENT_CONFIG),
        table_name,
        batch_client=boto3.client("dynamodb", config=BATCH_CLIENT_CONFIG),
    )
