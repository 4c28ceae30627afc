import json
from typing import TypedDict

class ErrorDetail(TypedDict):
    path: str
    message: str
    keyword: str

class CodecError(ValueError): ...

class JSONDecodeError(CodecError, json.JSONDecodeError):
    msg: str
    doc: object
    pos: int
    lineno: int
    colno: int
    def __init__(self, msg: str, doc: object, pos: int, lineno: int, colno: int) -> None: ...

class KeyMismatchError(CodecError): ...
class ShapeError(CodecError): ...

class _DetailedError(CodecError):
    errors: list[ErrorDetail]
    def __init__(self, message: str, errors: list[ErrorDetail]) -> None: ...

class ValidationError(_DetailedError): ...

class LimitError(_DetailedError):
    @property
    def path(self) -> str | None: ...

class SchemaError(ValueError): ...
class InternalError(RuntimeError): ...
