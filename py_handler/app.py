"""The Lambda entry point: one handler for both API Gateway payload formats."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.api_gateway import (
    APIGatewayHttpResolver,
    APIGatewayRestResolver,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from py_handler import errors, routes
from py_handler.settings import settings

logger = Logger()
metrics = Metrics(namespace=settings.metrics_namespace)

http_api = APIGatewayHttpResolver()  # HTTP API, payload format 2.0
rest_api = APIGatewayRestResolver()  # REST API, payload format 1.0
for resolver in (http_api, rest_api):
    resolver.include_router(routes.router)
    resolver.include_router(errors.router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = resolve(event, context)
    metrics.add_metric(f"Status{response['statusCode'] // 100}xx", MetricUnit.Count, 1)
    return response


def resolve(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("version") == "2.0":
        # HTTP APIs hand the path over decoded, REST APIs percent-encoded. Encoding it again
        # routes any id (Powertools matches URI characters only) and reads both alike.
        event = {**event, "rawPath": quote(event["rawPath"], safe="/")}
        return http_api.resolve(event, context)
    return rest_api.resolve(event, context)


# Creating a Tracer imports the X-Ray SDK: only pay for it where traces are sent.
if settings.tracing:
    handler = Tracer().capture_lambda_handler(handler)
