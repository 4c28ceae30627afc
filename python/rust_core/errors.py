"""The exceptions rust_core raises.

Bad input raises a `CodecError` (a `ValueError`); the subclass says what kind of bad. Messages and
attributes never carry the input's values: they end up in logs and HTTP responses.
"""

from __future__ import annotations

import json
from typing import Any, TypedDict


class ErrorDetail(TypedDict):
    """One violation: where (an RFC 6901 JSON Pointer into the record), what, and a stable code."""

    path: str
    message: str
    keyword: str


class CodecError(ValueError):
    """Base class: the input cannot become a DynamoDB item."""


class JSONDecodeError(CodecError, json.JSONDecodeError):
    """Malformed JSON (or JSON DynamoDB rejects outright, such as a repeated key).

    `pos` counts characters like the stdlib's `json.JSONDecodeError`; `lineno` and `colno` are
    1-based. `doc` is the document as it was passed in (bytes or str), never copied.
    """

    def __init__(self, msg: str, doc: Any, pos: int, lineno: int, colno: int) -> None:
        ValueError.__init__(self, f"{msg}: line {lineno} column {colno} (char {pos})")
        self.msg = msg
        self.doc = doc
        self.pos = pos
        self.lineno = lineno
        self.colno = colno

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, (self.msg, self.doc, self.pos, self.lineno, self.colno)


class KeyMismatchError(CodecError):
    """The record's key differs from the key the request names (a PUT to another item's path)."""


class ShapeError(CodecError):
    """Well-formed JSON of the wrong type: not an object (or, for a batch, not an array)."""


class _DetailedError(CodecError):
    def __init__(self, message: str, errors: list[ErrorDetail]) -> None:
        super().__init__(message)
        self.errors = errors

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, (str(self), self.errors)


class ValidationError(_DetailedError):
    """The record breaks its schema; `errors` lists every violation."""


class LimitError(_DetailedError):
    """A DynamoDB or safety limit is broken: nesting, number precision or range, item or body size.

    `path` points at the first offending value when there is one.
    """

    @property
    def path(self) -> str | None:
        return self.errors[0]["path"] if self.errors else None


class SchemaError(ValueError):
    """The schema given to `RecordCodec` cannot be compiled: not a valid JSON Schema, a reference
    outside it, or a pattern the linear-time regex engine refuses. Raised at construction."""


class InternalError(RuntimeError):
    """A bug inside rust_core (a Rust panic), caught so the process can serve the next call."""
