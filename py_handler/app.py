"""The Lambda entry point: one handler for both API Gateway payload formats."""

from __future__ import annotations

import json
from functools import cache, partial
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.api_gateway import (
    APIGatewayHttpResolver,
    APIGatewayRestResolver,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import MetricUnit

from py_handler import errors, events, paths, routes
from py_handler.settings import settings

if TYPE_CHECKING:  # a 1 ms import at init, for annotations alone
    from aws_lambda_powertools.utilities.typing import LambdaContext

# Powertools writes a record's JSON with ensure_ascii=False: one holding a lone surrogate (API
# Gateway's request id, logged as the correlation id, can) cannot be written to Lambda's strict
# UTF-8 stdout, and is lost. Escaped to ASCII, every record is written, one JSON line that reads
# back the same.
_JSON_LINE = partial(json.dumps, default=str, separators=(",", ":"), ensure_ascii=True)
logger = Logger(json_serializer=_JSON_LINE)
# A Logger made earlier in the init (store.py's, routes.py's, to log a failure there) configured
# the service's formatter first, without it: this serializer writes every record all the same.
if isinstance(logger.registered_formatter, LambdaPowertoolsFormatter):
    logger.registered_formatter.json_serializer = _JSON_LINE
metrics = Metrics(namespace=settings.metrics_namespace)
_Resolver = TypeVar("_Resolver", APIGatewayHttpResolver, APIGatewayRestResolver)


def _resolver(resolver: _Resolver) -> _Resolver:
    resolver.include_router(routes.router)
    resolver.include_router(errors.router)
    return resolver


http_api = _resolver(APIGatewayHttpResolver())  # HTTP API, payload format 2.0 (the template's)


@cache
def rest_api() -> APIGatewayRestResolver:
    """REST API, payload format 1.0: made at the first such event, so that a function behind an
    HTTP API does not pay for it at init."""
    return _resolver(APIGatewayRestResolver())


def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    """Every event gets a problem+json answer at worst: none escapes as an exception."""
    try:
        request = events.normalize(event)
    except events.MalformedEvent as exc:
        logger.warning("Malformed event", extra={"reason": exc.detail})
        return errors.problem_response(400, exc.detail)
    try:
        response: dict[str, Any] = _handle(request, context)
    except Exception as exc:  # a failure outside the resolvers' own exception handlers
        errors.log_failure("Unhandled error", exc)
        return errors.problem_response(500, errors.INTERNAL, request_id=_request_id(context))
    return response


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = resolve(event, context)
    metrics.add_metric(f"Status{response['statusCode'] // 100}xx", MetricUnit.Count, 1)
    return response


def resolve(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if event.get("version") == "2.0":
        # HTTP APIs hand the path over decoded, REST APIs percent-encoded: encoding it again
        # routes any id and reads both alike.
        event = {**event, "rawPath": paths.encode_path(event["rawPath"])}
        resolver: APIGatewayHttpResolver | APIGatewayRestResolver = http_api
    else:
        event = {**event, "path": paths.encode_raw(event["path"])}
        resolver = rest_api()
    if not paths.routable(event["rawPath"] if resolver is http_api else event["path"]):
        return errors.problem_response(404, errors.NO_RESOURCE)
    response: dict[str, Any] = resolver.resolve(event, context)
    return response


def _request_id(context: object) -> str | None:
    request_id = getattr(context, "aws_request_id", None)
    return request_id if isinstance(request_id, str) else None


# Creating a Tracer imports the X-Ray SDK: only pay for it where traces are sent.
if settings.tracing:
    handler = Tracer().capture_lambda_handler(handler)
