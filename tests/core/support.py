"""Helpers shared by the rust_core suites."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


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
