"""The exceptions rust_core raises.

Bad input raises a `CodecError` (a `ValueError`); the subclass says what kind of bad. Messages and
attributes never carry the input's values: they end up in logs and HTTP responses.

`import rust_core` is cold start. `json` (with `re` and `enum` beneath it) and `typing` cost ~12 ms
to import, so the two names that need them, `JSONDecodeError` and `ErrorDetail`, are made on first
use (PEP 562) rather than at import. Type checkers read `errors.pyi`.
"""

from __future__ import annotations

import _thread


class CodecError(ValueError):
    """Base class: the input cannot become a DynamoDB item."""


class KeyMismatchError(CodecError):
    """The record's key differs from the key the request names (a PUT to another item's path)."""


class _DetailedError(CodecError):
    def __init__(self, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors = [] if errors is None else errors

    @property
    def path(self) -> str | None:
        """Where the first error is (a JSON Pointer into the input), when there is a where."""
        return self.errors[0]["path"] if self.errors else None

    def __reduce__(self) -> tuple[object, ...]:
        return self.__class__, (str(self), self.errors)


class ShapeError(_DetailedError):
    """Well-formed JSON of the wrong shape: not an object (or, for a batch, not an array); for
    `wire_to_json`, not DynamoDB JSON, with `errors` and `path` saying where."""


class ValidationError(_DetailedError):
    """The record breaks its schema; `errors` lists the violations."""


class LimitError(_DetailedError):
    """A DynamoDB or safety limit is broken: nesting, number precision or range, item or body size.

    `path` points at the first offending value when there is one.
    """


class SchemaError(ValueError):
    """The schema given to `RecordCodec` cannot be compiled: not a valid JSON Schema, a reference
    outside it, or a pattern the linear-time regex engine refuses. Raised at construction."""


class InternalError(RuntimeError):
    """A bug inside rust_core (a Rust panic), caught so the process can serve the next call."""


def _json_decode_error() -> type:
    import json

    class JSONDecodeError(CodecError, json.JSONDecodeError):
        """Malformed JSON (or JSON DynamoDB rejects outright, such as a repeated key).

        `pos` counts characters like the stdlib's `json.JSONDecodeError`; `lineno` and `colno` are
        1-based. `doc` is the document as it was passed in (bytes or str), never copied.
        """

        def __init__(self, msg: str, doc: object, pos: int, lineno: int, colno: int) -> None:
            ValueError.__init__(self, f"{msg}: line {lineno} column {colno} (char {pos})")
            self.msg = msg
            self.doc = doc
            self.pos = pos
            self.lineno = lineno
            self.colno = colno

        def __reduce__(self) -> tuple[object, ...]:
            return self.__class__, (self.msg, self.doc, self.pos, self.lineno, self.colno)

    return JSONDecodeError


def _error_detail() -> type:
    from typing import TypedDict

    class ErrorDetail(TypedDict):
        """One violation: where (an RFC 6901 JSON Pointer into the record), what, a stable code."""

        path: str
        message: str
        keyword: str

    return ErrorDetail


_LAZY = {"JSONDecodeError": _json_decode_error, "ErrorDetail": _error_detail}
_lock = _thread.allocate_lock()


def __getattr__(name: str) -> type:
    make = _LAZY.get(name)
    if make is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _lock:  # one class, even when two threads ask first at once
        made = globals().get(name)
        if made is None:
            made = globals()[name] = make()
            made.__module__, made.__qualname__ = __name__, name  # findable, so it pickles
        return made
