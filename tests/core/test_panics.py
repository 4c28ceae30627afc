"""A Rust panic inside any of rust_core's functions is an `InternalError` (an `Exception`), and
the process serves the next call. The development build (`make develop`) carries a hook that
makes the next call panic (cargo feature `test-hooks`); the release wheels must not."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

import pytest

import rust_core
from rust_core import _rust_core

HOOKED = hasattr(_rust_core, "_arm_panic")
# Set by `make check-wheel`, which runs these suites against the release wheel.
RELEASE_WHEEL = os.environ.get("RUST_CORE_RELEASE_WHEEL") == "1"
not_on_release_wheel = pytest.mark.skipif(RELEASE_WHEEL, reason="the release wheel has no hook")

CODEC = rust_core.RecordCodec()
TABLE = rust_core.Table("items")
ERROR_ANSWER = (
    b'{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"m"}'
)

# One call of every function and method rust_core exports (getters aside: they only read a
# field). Each must succeed when nothing panics.
CALLS: dict[str, Callable[[], Any]] = {
    "serialize": lambda: rust_core.serialize(1),
    "deserialize": lambda: rust_core.deserialize({"N": "1"}),
    "serialize_item": lambda: rust_core.serialize_item({"a": 1}),
    "deserialize_item": lambda: rust_core.deserialize_item({"a": {"N": "1"}}),
    "json_to_item": lambda: rust_core.json_to_item(b'{"a":1}'),
    "item_to_json": lambda: rust_core.item_to_json({"a": {"N": "1"}}),
    "item_size": lambda: rust_core.item_size({"a": {"N": "1"}}),
    "wire_to_json": lambda: rust_core.wire_to_json(b'{"a":{"N":"1"}}'),
    "json_to_wire": lambda: rust_core.json_to_wire(b'{"a":1}'),
    "sign_v4": lambda: rust_core.sign_v4(
        "POST",
        "https://dynamodb.us-east-1.amazonaws.com/",
        {},
        b"{}",
        region="us-east-1",
        service="dynamodb",
        access_key="AKIDEXAMPLE",
        secret_key="secret",
    ),
    "read_error": lambda: rust_core.read_error(ERROR_ANSWER),
    "RecordCodec": lambda: rust_core.RecordCodec({"type": "object"}),
    "RecordCodec.decode": lambda: CODEC.decode(b'{"a":1}'),
    "RecordCodec.decode_many": lambda: CODEC.decode_many(b'[{"a":1}]'),
    "Table": lambda: rust_core.Table("items"),
    "Table.put_item": lambda: TABLE.put_item(CODEC, b'{"a":1}'),
    "Table.put_batch": lambda: TABLE.put_batch(CODEC, b'[{"a":1}]'),
    "Table.batch_write": lambda: TABLE.batch_write([b'{"PutRequest":{"Item":{}}}']),
    "Table.get_item": lambda: TABLE.get_item("k"),
    "Table.delete_item": lambda: TABLE.delete_item("k"),
    "Table.scan": lambda: TABLE.scan(10),
    "Table.read_item": lambda: TABLE.read_item(b"{}"),
    "Table.read_page": lambda: TABLE.read_page(b'{"Items":[]}'),
    "Table.read_unprocessed": lambda: TABLE.read_unprocessed(b'{"UnprocessedItems":{}}'),
}


def exported() -> set[str]:
    """Every function and method of the compiled module, as CALLS names them."""
    names = set()
    for name, value in vars(_rust_core).items():
        if name.startswith("_"):
            continue
        if inspect.isclass(value) and not issubclass(value, BaseException):
            names.add(name)
            names.update(
                f"{name}.{method}"
                for method, member in vars(value).items()
                if not method.startswith("_") and callable(member)
            )
        elif callable(value) and not inspect.isclass(value):
            names.add(name)
    return names


def test_every_export_has_a_call_here() -> None:
    assert set(CALLS) == exported()


@pytest.mark.skipif(not RELEASE_WHEEL, reason="only for the release wheel (make check-wheel)")
def test_the_release_wheel_has_no_panic_hook() -> None:
    assert not HOOKED


@not_on_release_wheel
def test_the_development_build_has_the_panic_hook() -> None:
    # make develop builds with --features test-hooks: without it, the tests below cannot run
    assert HOOKED


@not_on_release_wheel
@pytest.mark.parametrize("name", CALLS)
def test_a_panic_is_an_internal_error_and_the_next_call_is_served(name: str) -> None:
    call = CALLS[name]
    # GIVEN the next call into rust_core panics
    _rust_core._arm_panic()
    # WHEN the function is called
    with pytest.raises(rust_core.InternalError) as raised:
        call()
    # THEN it raised an Exception (not PyO3's PanicException, a BaseException), without the
    # panic's words, and the same call then succeeds in the same process
    assert isinstance(raised.value, Exception)
    assert str(raised.value) == (
        "rust_core hit an internal error (a Rust panic); the input was not processed"
    )
    call()
