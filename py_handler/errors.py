"""Errors as RFC 9457 `application/problem+json` responses: one handler per error family.

A body never echoes the request: no values and no member names from it (a JSON Pointer in
`errors` names the place of a violation, as the contract asks), and no internals on a 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

import rust_core
from py_handler.paging import BadPageRequest
from py_handler.paths import allowed_methods
from py_handler.store import (
    AlreadyExists,
    IdempotencyKeyReused,
    ItemRejected,
    ItemTooLarge,
    NotFound,
    Throttled,
)

PROBLEM_JSON = "application/problem+json"
# RFC 9110's names; Pythons before 3.13 still use the older ones for these two.
_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}
RETRY_AFTER_SECONDS = 1
ITEM_TOO_LARGE = "The item is over DynamoDB's 400 KB item size limit."
JSON_ONLY = "The body must be JSON: Content-Type application/json or a +json type."
IDENTITY_ONLY = "The body must not be encoded: Content-Encoding identity or none."
INTERNAL = "The server failed to handle the request."
NO_RESOURCE = "No resource at this path."

logger = Logger(child=True)
router = Router()  # type: ignore[no-untyped-call]
_Handler = TypeVar("_Handler", bound=Callable[..., Response[str]])


def _handles(*kinds: type[Exception]) -> Callable[[_Handler], _Handler]:
    """`router.exception_handler`, typed: the handler for `kinds` and their subclasses."""
    register: Callable[[_Handler], _Handler] = router.exception_handler(list(kinds))
    return register


class UnsupportedMediaType(Exception):
    """The request's Content-Type is not one the route reads; `detail` names those it does."""

    def __init__(self, detail: str = JSON_ONLY) -> None:
        super().__init__(detail)
        self.detail = detail


class NotABatch(Exception):
    """A batch body that is well-formed JSON, but not an array."""


class BadRequest(Exception):
    """A request that cannot be read; `detail` says why, without echoing it."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class MethodNotAllowed(Exception):
    """The path is a resource that does not serve the method; `allow` lists those it does."""

    def __init__(self, allow: Iterable[str]) -> None:
        super().__init__(*allow)
        self.allow = tuple(allow)


def problem(
    status: HTTPStatus,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    **members: object,
) -> Response[str]:
    return Response(
        status_code=status.value,
        content_type=PROBLEM_JSON,
        body=_problem_body(status, detail, members),
        headers=headers,
    )


def problem_response(status: int, detail: str, **members: object) -> dict[str, Any]:
    """A problem as a proxy integration response, for answers given outside the resolvers: the
    shape both payload formats read."""
    body = _problem_body(HTTPStatus(status), detail, members)
    return {
        "statusCode": status,
        "headers": {"Content-Type": PROBLEM_JSON},
        "body": body,
        "isBase64Encoded": False,
    }


def _problem_body(status: HTTPStatus, detail: str, members: Mapping[str, object]) -> str:
    title = _TITLES.get(status.value, status.phrase)
    body = {"type": "about:blank", "title": title, "status": status.value, "detail": detail}
    return json.dumps({**body, **members})


@_handles(rust_core.JSONDecodeError)
def malformed_json(exc: rust_core.JSONDecodeError) -> Response[str]:
    return problem(
        HTTPStatus.BAD_REQUEST,
        f"Malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.",
    )


@_handles(rust_core.ShapeError)
def wrong_json_type(exc: rust_core.ShapeError) -> Response[str]:
    return problem(HTTPStatus.BAD_REQUEST, "The body must be a JSON object.")


@_handles(BadRequest)
def bad_request(exc: BadRequest) -> Response[str]:
    return problem(HTTPStatus.BAD_REQUEST, exc.detail)


@_handles(NotABatch)
def batch_not_an_array(exc: NotABatch) -> Response[str]:
    return problem(HTTPStatus.BAD_REQUEST, "The body must be a JSON array of records.")


@_handles(rust_core.ValidationError)
def invalid_item(exc: rust_core.ValidationError | rust_core.LimitError) -> Response[str]:
    return problem(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "The item breaks the rules listed in errors.",
        errors=exc.errors,
    )


# The size limits: the request is too large, not wrong.
_TOO_LARGE = {
    "max_body_size": "The body is over the size limit.",
    "max_item_size": ITEM_TOO_LARGE,
    "max_records": "The batch has more records than the limit.",
}


@_handles(rust_core.LimitError)
def broken_limit(exc: rust_core.LimitError) -> Response[str]:
    details = [_TOO_LARGE[e["keyword"]] for e in exc.errors if e["keyword"] in _TOO_LARGE]
    if details:
        return problem(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, details[0], errors=exc.errors)
    return invalid_item(exc)


@_handles(rust_core.KeyMismatchError)
def key_mismatch(exc: rust_core.KeyMismatchError) -> Response[str]:
    return problem(HTTPStatus.BAD_REQUEST, "The body's id differs from the id in the path.")


@_handles(rust_core.CodecError)
def unreadable_body(exc: rust_core.CodecError) -> Response[str]:
    return problem(HTTPStatus.BAD_REQUEST, "The body cannot become an item.")


@_handles(BadPageRequest)
def bad_page_request(exc: BadPageRequest) -> Response[str]:
    return problem(HTTPStatus.BAD_REQUEST, f"The query is invalid: {exc.detail}")


@_handles(ItemRejected)
def rejected_by_dynamodb(exc: ItemRejected) -> Response[str]:
    errors = [{"path": "", "message": ItemRejected.message, "keyword": ItemRejected.keyword}]
    return problem(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "The item breaks the rules listed in errors.",
        errors=errors,
    )


@_handles(NotFound)
def no_such_item(exc: NotFound) -> Response[str]:
    return problem(HTTPStatus.NOT_FOUND, "No item has this id.")


@_handles(NotFoundError)
def unrouted(exc: NotFoundError) -> Response[str]:
    """No route takes this method and path: a 405 where the path is a resource, else a 404."""
    allow = allowed_methods(router.current_event.path)
    if allow:
        return method_not_allowed(MethodNotAllowed(allow))
    return problem(HTTPStatus.NOT_FOUND, NO_RESOURCE)


@_handles(MethodNotAllowed)
def method_not_allowed(exc: MethodNotAllowed) -> Response[str]:
    return problem(
        HTTPStatus.METHOD_NOT_ALLOWED,
        "This resource does not serve this method.",
        headers={"Allow": ", ".join(exc.allow)},
    )


@_handles(AlreadyExists)
def already_exists(exc: AlreadyExists) -> Response[str]:
    return problem(HTTPStatus.CONFLICT, "An item with this id exists already.")


@_handles(IdempotencyKeyReused)
def idempotency_key_reused(exc: IdempotencyKeyReused) -> Response[str]:
    keyword, message = IdempotencyKeyReused.keyword, IdempotencyKeyReused.message
    return problem(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "The Idempotency-Key was used before with another record; nothing was written.",
        errors=[{"path": "", "message": message, "keyword": keyword}],
    )


@_handles(ItemTooLarge)
def item_too_large(exc: ItemTooLarge) -> Response[str]:
    # DynamoDB's own check, should it ever count a byte more than the codec did
    errors = [{"path": "", "message": ItemTooLarge.message, "keyword": ItemTooLarge.keyword}]
    return problem(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, ITEM_TOO_LARGE, errors=errors)


@_handles(UnsupportedMediaType)
def not_json(exc: UnsupportedMediaType) -> Response[str]:
    return problem(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, exc.detail)


@_handles(Throttled)
def throttled(exc: Throttled) -> Response[str]:
    logger.warning("DynamoDB kept throttling after retries")
    return problem(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "DynamoDB is busy; retry later.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def log_failure(message: str, exc: BaseException) -> None:
    """One log record for a failure: its type and where it happened, never its message, which
    may quote the request (botocore's ClientError carries DynamoDB's words, which may quote the
    item)."""
    import traceback  # here: only failures pay for it

    kinds: list[str] = []
    cause: BaseException | None = exc
    while cause is not None and len(kinds) < 8:  # the chain, as `raise ... from` made it
        kinds.append(f"{type(cause).__module__}.{type(cause).__qualname__}")
        cause = cause.__cause__ or cause.__context__
    where = "".join(traceback.format_tb(exc.__traceback__))
    logger.error(message, extra={"error_types": kinds, "traceback": where})


@_handles(Exception)
def internal_error(exc: Exception) -> Response[str]:
    log_failure("Unhandled error", exc)
    request_id = getattr(router.lambda_context, "aws_request_id", None)
    return problem(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL, request_id=request_id)
