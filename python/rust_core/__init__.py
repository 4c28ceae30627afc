"""Fast, strict conversion between JSON, Python values and DynamoDB items, in Rust."""

from rust_core._rust_core import (
    deserialize,
    deserialize_item,
    item_to_json,
    json_to_item,
    serialize,
    serialize_item,
)
from rust_core.errors import (
    CodecError,
    ErrorDetail,
    InternalError,
    JSONDecodeError,
    LimitError,
    ShapeError,
    ValidationError,
)

__all__ = [
    "CodecError",
    "ErrorDetail",
    "InternalError",
    "JSONDecodeError",
    "LimitError",
    "ShapeError",
    "ValidationError",
    "deserialize",
    "deserialize_item",
    "item_to_json",
    "json_to_item",
    "serialize",
    "serialize_item",
]
