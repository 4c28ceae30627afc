from rust_core._rust_core import (
    RecordCodec as RecordCodec,
)
from rust_core._rust_core import (
    Table as Table,
)
from rust_core._rust_core import (
    __version__ as __version__,
)
from rust_core._rust_core import (
    deserialize as deserialize,
)
from rust_core._rust_core import (
    deserialize_item as deserialize_item,
)
from rust_core._rust_core import (
    item_size as item_size,
)
from rust_core._rust_core import (
    item_to_json as item_to_json,
)
from rust_core._rust_core import (
    json_to_item as json_to_item,
)
from rust_core._rust_core import (
    json_to_wire as json_to_wire,
)
from rust_core._rust_core import (
    read_error as read_error,
)
from rust_core._rust_core import (
    serialize as serialize,
)
from rust_core._rust_core import (
    serialize_item as serialize_item,
)
from rust_core._rust_core import (
    sign_v4 as sign_v4,
)
from rust_core._rust_core import (
    wire_to_json as wire_to_json,
)
from rust_core.errors import (
    CodecError as CodecError,
)
from rust_core.errors import (
    ErrorDetail as ErrorDetail,
)
from rust_core.errors import (
    InternalError as InternalError,
)
from rust_core.errors import (
    JSONDecodeError as JSONDecodeError,
)
from rust_core.errors import (
    KeyMismatchError as KeyMismatchError,
)
from rust_core.errors import (
    LimitError as LimitError,
)
from rust_core.errors import (
    SchemaError as SchemaError,
)
from rust_core.errors import (
    ShapeError as ShapeError,
)
from rust_core.errors import (
    ValidationError as ValidationError,
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
