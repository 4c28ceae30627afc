"""The baseline: the items API as a team would write it without rust_core, the way Powertools'
docs show it: APIGatewayHttpResolver, Powertools' parser with a pydantic v2 model of the order
(py_handler/schema.json), and boto3's Table resource. Same Logger and Metrics as py_handler.app.

POST /items -> 201 (409 when the id exists, 422 invalid, 400 malformed JSON); GET /items/{id}.
"""

from __future__ import annotations

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
