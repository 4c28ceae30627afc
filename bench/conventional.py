"""The baseline: the items API as a team would write it without rust_core, the way Powertools'
docs show it: APIGatewayHttpResolver, Powertools' parser with a pydantic v2 model of the order
(py_handler/schema.json), and boto3's Table resource. Same Logger and Metrics as py_handler.app.

POST /items -> 201 (409 when the id exists, 422 invalid, 400 malformed JSON); GET /items/{id};
PUT /items/{id}; GET /items?limit=N&cursor=C (one Scan page); POST /items/batch (a JSON array,
written with the Table's batch_writer, invalid records reported by index).
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from bench.order_model import Order


def _number(value: object) -> int | float:
    # DynamoDB hands numbers back as Decimal; Powertools' own encoder would write them as strings.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _dumps(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"), default=_number)


logger = Logger()
metrics = Metrics()
app = APIGatewayHttpResolver(serializer=_dumps)
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


@app.post("/items")
def create_item() -> Response[dict[str, Any]]:
    # The raw JSON, not json_body: pydantic reads its numbers into Decimal exactly, not via float.
    body = app.current_event.decoded_body or ""
    order = parse(event=body, model=Order)  # type: ignore[call-overload]
    item = {"id": order.id or str(uuid.uuid4())}
    item.update(order.model_dump(mode="python", exclude={"id"}, exclude_none=True))
    try:
        table.put_item(Item=item, ConditionExpression="attribute_not_exists(id)")
    except table.meta.client.exceptions.ConditionalCheckFailedException:
        raise ServiceError(409, "An item with this id exists") from None
    return Response(
        status_code=201,
        content_type=content_types.APPLICATION_JSON,
        body=item,
        headers={"Location": f"/items/{quote(item['id'], safe='')}"},
    )


@app.post("/items/batch")
def write_batch() -> dict[str, Any]:
    records = json.loads(app.current_event.decoded_body or "", parse_float=Decimal)
    if not isinstance(records, list):
        raise ServiceError(400, "The body must be a JSON array of records")
    written, failed = 0, []
    with table.batch_writer() as batch:
        for index, record in enumerate(records):
            try:
                order = Order.model_validate(record)
            except ValidationError as error:
                errors = json.loads(error.json(include_url=False, include_input=False))
                failed.append({"index": index, "errors": errors})
                continue
            item = {"id": order.id or str(uuid.uuid4())}
            item.update(order.model_dump(mode="python", exclude={"id"}, exclude_none=True))
            batch.put_item(Item=item)
            written += 1
    return {"written": written, "failed": failed}


@app.put("/items/<item_id>")
def replace_item(item_id: str) -> dict[str, Any]:
    order = parse(event=app.current_event.decoded_body or "", model=Order)  # type: ignore[call-overload]
    if order.id is not None and order.id != item_id:
        raise ServiceError(400, "The body's id differs from the id in the path")
    item = {"id": item_id}
    item.update(order.model_dump(mode="python", exclude={"id"}, exclude_none=True))
    table.put_item(Item=item)
    return item


@app.get("/items")
def list_items() -> dict[str, Any]:
    limit = int(app.current_event.get_query_string_value("limit") or 100)
    cursor = app.current_event.get_query_string_value("cursor")
    start = (
        {}
        if cursor is None
        else {"ExclusiveStartKey": {"id": base64.urlsafe_b64decode(cursor).decode()}}
    )
    page = table.scan(Limit=limit, ConsistentRead=True, **start)
    last = page.get("LastEvaluatedKey")
    next_cursor = None if last is None else base64.urlsafe_b64encode(last["id"].encode()).decode()
    return {"items": page["Items"], "next_cursor": next_cursor}


@app.get("/items/<item_id>")
def get_item(item_id: str) -> dict[str, Any]:
    found = table.get_item(Key={"id": item_id}, ConsistentRead=True)
    if "Item" not in found:
        raise NotFoundError("No item has this id")
    return found["Item"]


@app.exception_handler(ValidationError)  # type: ignore[untyped-decorator]
def invalid_order(error: ValidationError) -> Response[dict[str, Any]]:
    if any(e["type"] == "json_invalid" for e in error.errors()):
        return Response(400, content_types.APPLICATION_JSON, {"message": "Malformed JSON"})
    errors = json.loads(error.json(include_url=False, include_input=False))
    return Response(422, content_types.APPLICATION_JSON, {"errors": errors})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = app.resolve(event, context)
    metrics.add_metric(f"Status{response['statusCode'] // 100}xx", MetricUnit.Count, 1)
    return response
