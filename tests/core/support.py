"""Helpers shared by the rust_core suites."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import rust_core

UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


class Num(str):
    """A JSON number's text, written as is."""


def compact(value: Any) -> str:
    """What item_to_json writes: compact, key order and number text kept, json.dumps strings."""
    if isinstance(value, Num):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ",".join(compact(member) for member in value) + "]"
    if isinstance(value, dict):
        members = (json.dumps(k, ensure_ascii=False) + ":" + compact(v) for k, v in value.items())
        return "{" + ",".join(members) + "}"
    raise AssertionError(f"not a JSON value: {value!r}")


def raised(func: Callable[..., Any], *args: Any, **kwargs: Any) -> BaseException:
    """The exception `func` raises; an assertion error if it returns."""
    try:
        result = func(*args, **kwargs)
    except BaseException as exc:
        return exc
    raise AssertionError(f"returned {result!r:.300} instead of raising")


def generated_key(item: dict[str, Any], name: str = "id") -> str:
    """The item's first attribute is the key, a UUIDv7 string."""
    assert next(iter(item)) == name, list(item)
    assert set(item[name]) == {"S"}
    key = item[name]["S"]
    assert isinstance(key, str)
    assert UUID7.fullmatch(key), key
    parsed = uuid.UUID(key)
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    return key


def key_millis(key: str) -> int:
    return int(key.replace("-", "")[:12], 16)


def now_millis() -> int:
    return time.time_ns() // 1_000_000


def line_and_column(text: str, pos: int) -> tuple[int, int]:
    """1-based, counted like json.JSONDecodeError."""
    return text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)


def stdlib_error(text: str) -> json.JSONDecodeError | None:
    try:
        json.loads(text, parse_int=Num, parse_float=Num)
    except json.JSONDecodeError as exc:
        return exc
    return None


def check_decode_error(exc: BaseException, text: str, pos: int | None) -> None:
    """`exc` is rust_core's JSONDecodeError at `pos` (None: any position, consistently reported)."""
    assert type(exc) is rust_core.JSONDecodeError, repr(exc)
    assert isinstance(exc, json.JSONDecodeError)
    assert isinstance(exc, rust_core.CodecError)
    assert isinstance(exc.msg, str)
    assert exc.msg
    if pos is None:
        assert 0 <= exc.pos <= len(text)
    else:
        assert exc.pos == pos
    assert (exc.lineno, exc.colno) == line_and_column(text, exc.pos)


def describe(
    func: Callable[..., Any], *args: Any, shown: Callable[[Any], Any] = lambda r: r
) -> Any:
    """What a call does, comparably: ("returns", shown(result)) or ("raises", class, details)."""
    try:
        result = func(*args)
    except Exception as exc:
        details: Any = None
        if isinstance(exc, json.JSONDecodeError):
            details = (exc.pos, exc.lineno, exc.colno, exc.msg)
        elif isinstance(exc, rust_core.LimitError):
            details = exc.errors
        return ("raises", type(exc), details)
    return ("returns", shown(result))
