"""Fast, strict conversion between JSON, Python values and DynamoDB items, in Rust."""

try:
    from rust_core._rust_core import (
        RecordCodec,
        Table,
        __version__,
        deserialize,
        deserialize_item,
        item_size,
        item_to_json,
        json_to_item,
        json_to_wire,
        read_error,
        serialize,
        serialize_item,
        sign_v4,
        wire_to_json,
    )
except ImportError as error:  # say which of the usual reasons it is, and what to install instead
    from rust_core._diagnose import explain

    raise ImportError(explain(error)) from error
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
    "Table",
    "ValidationError",
    "__version__",
    "deserialize",
    "deserialize_item",
    "item_size",
    "item_to_json",
    "json_to_item",
    "json_to_wire",
    "read_error",
    "serialize",
    "serialize_item",
    "sign_v4",
    "wire_to_json",
]


def __getattr__(name: str) -> type:
    # JSONDecodeError and ErrorDetail are made on first use: see rust_core.errors.
    if name in ("JSONDecodeError", "ErrorDetail"):
        from rust_core import errors

        return getattr(errors, name)  # type: ignore[no-any-return]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
