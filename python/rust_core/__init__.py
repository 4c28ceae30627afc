"""Fast, strict conversion between JSON, Python values and DynamoDB items, in Rust."""

from rust_core._rust_core import (
    RecordCodec,
    deserialize,
    deserialize_item,
    item_size,
    item_to_json,
    json_to_item,
    serialize,
    serialize_item,
)
from rust_core.errors import (
    CodecError,
    InternalError,
    KeyMismatchError,
    LimitError,
    SchemaError,
    ShapeError,
    ValidationError,
)

__all__ = [
    "CodecError",
    "ErrorDetail",
    "InternalError",
    "JSONDecodeError",
    "KeyMismatchError",
    "LimitError",
    "RecordCodec",
    "SchemaError",
    "ShapeError",
    "ValidationError",
    "deserialize",
    "deserialize_item",
    "item_size",
    "item_to_json",
    "json_to_item",
    "serialize",
    "serialize_item",
]


def __getattr__(name: str) -> type:
    # JSONDecodeError and ErrorDetail are made on first use: see rust_core.errors.
    if name in ("JSONDecodeError", "ErrorDetail"):
        from rust_core import errors

        return getattr(errors, name)  # type: ignore[no-any-return]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
