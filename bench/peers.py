"""The peers that rust_core is measured against, as adapters with one signature per operation,
and how each one's answers differ from the right answer.

    peers, unavailable = load()
    for peer in peers:
        print(peer.name, versions(peer), differences(peer, "json_to_item"))

The right answer: for json_to_item, serialize_item and deserialize_item, boto3's (the baseline's
TypeSerializer / TypeDeserializer); for item_to_json, the item's exact JSON value. Differences are
found by running each peer on bench/edge_cases.py, so they stay true when versions change.
"""

from __future__ import annotations

import base64
import copy
import importlib.metadata
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.edge_cases import EdgeCase
    from bench.workloads import Body

BASELINE = "boto3 + json"
OPERATIONS = ("json_to_item", "item_to_json", "serialize_item", "deserialize_item")
MAX_DIFFERENCES = 6
MAX_TEXT = 110  # characters in a difference's text, as far as clipping values allows

Item = dict[str, Any]
JsonToItem = Callable[[bytes], Item]
ItemToJson = Callable[[Item], bytes]
SerializeItem = Callable[[Mapping[str, Any]], Item]
DeserializeItem = Callable[[Item], dict[str, Any]]


@dataclass(frozen=True)
class Peer:
    name: str  # short, shown in tables
    packages: tuple[str, ...]  # PyPI distributions whose versions the results report
    json_to_item: JsonToItem | None = None  # JSON body -> item (AttributeValue form)
    item_to_json: ItemToJson | None = None  # item -> JSON bytes
    serialize_item: SerializeItem | None = None  # Python values -> item
    deserialize_item: DeserializeItem | None = None  # item -> Python values
    note: str = ""  # one short sentence on what it is


@dataclass(frozen=True)
class Unavailable:
    name: str
    version: str  # of the peer's own package, or "not installed"
    reason: str  # the exception's class and text


@dataclass(frozen=True)
class Difference:
    text: str  # one concrete input, the peer's answer and the reference's
    wrong: bool  # False when only cosmetic: same number in other text, keys in another order


# --- Helpers shared by the adapters ---------------------------------------------------------------


def _b64(data: bytes | bytearray) -> str:
    return base64.b64encode(data).decode()


def _to_wire(item: Mapping[str, Any]) -> Item:
    """B and BS as base64 text (DynamoDB's wire form), for the peers that take no bytes."""

    def av(value: Mapping[str, Any]) -> Any:
        if "B" in value:
            return {"B": _b64(value["B"])}
        if "BS" in value:
            return {"BS": [_b64(b) for b in value["BS"]]}
        if "L" in value:
            return {"L": [av(v) for v in value["L"]]}
        if "M" in value:
            return {"M": {k: av(v) for k, v in value["M"].items()}}
        return value

    return {k: av(v) for k, v in item.items()}


def _json_default(binary: type[Any]) -> Callable[[Any], Any]:
    """The json.dumps hook users write: Decimal as int or float (lossy past 17 digits), sets as
    lists, binary as base64 text."""

    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        if isinstance(o, (set, frozenset)):
            return list(o)
        if isinstance(o, binary):
            return _b64(o.value)
        if isinstance(o, (bytes, bytearray)):
            return _b64(o)
        raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")

    return default


def _dumps(value: Any, default: Callable[[Any], Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=default).encode()


def _as_dict(values: Mapping[str, Any]) -> dict[str, Any]:
    return values if isinstance(values, dict) else dict(values)


@cache
def _boto3() -> tuple[Callable[[Any], Any], Callable[[Any], Any], type[Any]]:
    """boto3's TypeSerializer.serialize, TypeDeserializer.deserialize and Binary."""
    from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer

    return TypeSerializer().serialize, TypeDeserializer().deserialize, Binary


# --- The peers: each builder imports its library, so that a missing one fails only itself ------


def _boto3_json(name: str, packages: tuple[str, ...]) -> Peer:
    serialize, deserialize, binary = _boto3()
    default = _json_default(binary)

    def json_to_item(body: bytes) -> Item:
        return {k: serialize(v) for k, v in json.loads(body, parse_float=Decimal).items()}

    def item_to_json(item: Item) -> bytes:
        return _dumps({k: deserialize(v) for k, v in item.items()}, default)

    def serialize_item(values: Mapping[str, Any]) -> Item:
        return {k: serialize(v) for k, v in values.items()}

    def deserialize_item(item: Item) -> dict[str, Any]:
        return {k: deserialize(v) for k, v in item.items()}

    note = "json + boto3's TypeSerializer/TypeDeserializer; Decimals written as int or float"
    return Peer(name, packages, json_to_item, item_to_json, serialize_item, deserialize_item, note)


def _rust_core(name: str, packages: tuple[str, ...]) -> Peer:
    import rust_core

    return Peer(
        name,
        packages,
        json_to_item=rust_core.json_to_item,
        item_to_json=rust_core.item_to_json,
        serialize_item=rust_core.serialize_item,
        deserialize_item=rust_core.deserialize_item,
        note="this library: JSON <-> item in Rust, and boto3's (de)serializer as drop-ins",
    )


def _msgspec(name: str, packages: tuple[str, ...]) -> Peer:
    import msgspec

    serialize, deserialize, binary = _boto3()

    def enc_hook(o: Any) -> Any:
        if isinstance(o, binary):
            return _b64(o.value)
        raise NotImplementedError(f"Objects of type {type(o).__name__} are not supported")

    decoder = msgspec.json.Decoder(float_hook=Decimal)
    encoder = msgspec.json.Encoder(decimal_format="number", enc_hook=enc_hook)

    def json_to_item(body: bytes) -> Item:
        return {k: serialize(v) for k, v in decoder.decode(body).items()}

    def item_to_json(item: Item) -> bytes:
        return encoder.encode({k: deserialize(v) for k, v in item.items()})

    note = "msgspec.json with Decimal floats and numbers, around boto3's (de)serializer"
    return Peer(name, packages, json_to_item, item_to_json, note=note)


def _orjson(name: str, packages: tuple[str, ...]) -> Peer:
    import orjson

    serialize, deserialize, binary = _boto3()

    def decimals(o: Any) -> Any:
        # orjson has no Decimal parsing: its floats become Decimal(repr(f)), lossy past 17 digits
        if isinstance(o, float):
            return Decimal(repr(o))
        if isinstance(o, dict):
            return {k: decimals(v) for k, v in o.items()}
        if isinstance(o, list):
            return [decimals(v) for v in o]
        return o

    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return orjson.Fragment(str(o))  # the exact number text
        if isinstance(o, (set, frozenset)):
            return list(o)
        if isinstance(o, binary):
            return _b64(o.value)
        raise TypeError(f"Type is not JSON serializable: {type(o).__name__}")

    def json_to_item(body: bytes) -> Item:
        return {k: serialize(v) for k, v in decimals(orjson.loads(body)).items()}

    def item_to_json(item: Item) -> bytes:
        return orjson.dumps({k: deserialize(v) for k, v in item.items()}, default=default)

    note = "orjson around boto3; floats parsed as float then Decimal(repr(f)), written exactly"
    return Peer(name, packages, json_to_item, item_to_json, note=note)


def _pydantic(name: str, packages: tuple[str, ...]) -> Peer:
    from typing import Annotated

    import pydantic_core
    from pydantic import Strict, StrictBool, StrictInt, StrictStr, TypeAdapter
    from typing_extensions import TypeAliasType

    serialize, deserialize, binary = _boto3()
    # Strict members: a lax union turns the string "1.5" into a Decimal, and a lax Decimal in this
    # recursive type raises ValueError ("exponent must be an integer") on [1, "a", [2.5]].
    json_value = TypeAliasType(  # type: ignore[misc] # mypy: no recursive types in functions
        "json_value",
        StrictBool
        | StrictInt
        | StrictStr
        | Annotated[Decimal, Strict()]
        | list["json_value"]
        | dict[str, "json_value"]
        | None,
    )
    adapter = TypeAdapter(dict[str, json_value])

    def fallback(o: Any) -> Any:
        if isinstance(o, binary):
            return _b64(o.value)
        raise TypeError(f"Unable to serialize unknown type: {type(o).__name__}")

    def json_to_item(body: bytes) -> Item:
        return {k: serialize(v) for k, v in adapter.validate_json(body).items()}

    def item_to_json(item: Item) -> bytes:
        return pydantic_core.to_json(
            {k: deserialize(v) for k, v in item.items()}, fallback=fallback
        )

    note = "a TypeAdapter over recursive JSON with Decimal, and to_json, around boto3"
    return Peer(name, packages, json_to_item, item_to_json, note=note)


def _dynamodb_json(name: str, packages: tuple[str, ...]) -> Peer:
    from dynamodb_json import json_util  # type: ignore[import-untyped]

    default = _json_default(_boto3()[2])

    def json_to_item(body: bytes) -> Item:
        return json_util.dumps(json.loads(body, parse_float=Decimal), as_dict=True)  # type: ignore[no-any-return]

    def item_to_json(item: Item) -> bytes:
        return _dumps(json_util.loads(_to_wire(item), as_dict=True), default)

    def serialize_item(values: Mapping[str, Any]) -> Item:
        return json_util.dumps(_as_dict(values), as_dict=True)  # type: ignore[no-any-return]

    def deserialize_item(item: Item) -> dict[str, Any]:
        return json_util.loads(_to_wire(item), as_dict=True)  # type: ignore[no-any-return]

    note = "json_util with as_dict=True; B/BS as base64 text (wire form), converted in the adapter"
    return Peer(name, packages, json_to_item, item_to_json, serialize_item, deserialize_item, note)


def _pydynox(name: str, packages: tuple[str, ...]) -> Peer:
    from pydynox.pydynox_core import item_from_dynamo, item_to_dynamo

    default = _json_default(_boto3()[2])

    def json_to_item(body: bytes) -> Item:
        return item_to_dynamo(json.loads(body, parse_float=Decimal))

    def item_to_json(item: Item) -> bytes:
        return _dumps(item_from_dynamo(_to_wire(item)), default)

    def serialize_item(values: Mapping[str, Any]) -> Item:
        return item_to_dynamo(_as_dict(values))

    def deserialize_item(item: Item) -> dict[str, Any]:
        return item_from_dynamo(_to_wire(item))

    note = "pydynox_core.item_to_dynamo/item_from_dynamo (Rust); B/BS as base64 text (wire form)"
    return Peer(name, packages, json_to_item, item_to_json, serialize_item, deserialize_item, note)


def _dynojson(name: str, packages: tuple[str, ...]) -> Peer:
    import dynojson  # type: ignore[import-untyped]

    default = _json_default(_boto3()[2])

    def json_to_item(body: bytes) -> Item:
        return dynojson.marshall(json.loads(body))  # type: ignore[no-any-return] # no Decimal

    def item_to_json(item: Item) -> bytes:
        return _dumps(dynojson.unmarshall(_to_wire(item)), default)

    def serialize_item(values: Mapping[str, Any]) -> Item:
        return dynojson.marshall(_as_dict(values))  # type: ignore[no-any-return]

    def deserialize_item(item: Item) -> dict[str, Any]:
        return dynojson.unmarshall(_to_wire(item))  # type: ignore[no-any-return]

    note = "marshall/unmarshall (Rust) on dicts of plain JSON values; B/BS as base64 text"
    return Peer(name, packages, json_to_item, item_to_json, serialize_item, deserialize_item, note)


def _powertools(name: str, packages: tuple[str, ...]) -> Peer:
    from aws_lambda_powertools.shared.dynamodb_deserializer import TypeDeserializer

    deserialize = TypeDeserializer().deserialize
    default = _json_default(_boto3()[2])

    def item_to_json(item: Item) -> bytes:
        return _dumps({k: deserialize(v) for k, v in item.items()}, default)

    def deserialize_item(item: Item) -> dict[str, Any]:
        return {k: deserialize(v) for k, v in item.items()}

    note = "Powertools' own TypeDeserializer; it has no serializer, so no JSON to item"
    return Peer(
        name, packages, item_to_json=item_to_json, deserialize_item=deserialize_item, note=note
    )


_SPECS: tuple[tuple[str, tuple[str, ...], Callable[[str, tuple[str, ...]], Peer]], ...] = (
    (BASELINE, ("boto3",), _boto3_json),
    ("rust_core", ("rust_core",), _rust_core),
    ("msgspec + boto3", ("msgspec", "boto3"), _msgspec),
    ("orjson + boto3", ("orjson", "boto3"), _orjson),
    ("pydantic + boto3", ("pydantic", "pydantic-core", "boto3"), _pydantic),
    ("dynamodb-json", ("dynamodb-json",), _dynamodb_json),
    ("pydynox", ("pydynox",), _pydynox),
    ("dynojson", ("dynojson",), _dynojson),
    ("Powertools deserializer", ("aws-lambda-powertools",), _powertools),
)


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def load() -> tuple[list[Peer], list[Unavailable]]:
    """Every peer that imports, and why the others do not."""
    peers: list[Peer] = []
    unavailable: list[Unavailable] = []
    for name, packages, build in _SPECS:
        try:
            peers.append(build(name, packages))
        except Exception as error:  # mostly ImportError; a peer that cannot start is not measured
            version = _version(packages[0]) or "not installed"
            unavailable.append(Unavailable(name, version, f"{type(error).__name__}: {error}"))
    return peers, unavailable


def versions(peer: Peer) -> str:
    """E.g. "msgspec 0.22.0, boto3 1.43.11"."""
    return ", ".join(f"{d} {_version(d) or 'not installed'}" for d in peer.packages)


# --- Comparing answers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Num:
    """A number as written (N text, or a JSON number in a peer's output)."""

    text: str

    @property
    def value(self) -> Decimal | None:
        try:
            return Decimal(self.text)
        except InvalidOperation:
            return None


class _Unordered(list):  # type: ignore[type-arg]
    """A JSON array written from a set: any order is right."""


@dataclass(frozen=True)
class _Mismatch:
    path: str  # where in the answer, "" at the input's top
    expected: Any
    actual: Any
    wrong: bool
    # "value", "order" (same keys, other order), "raises" (the peer), "answers" (where the
    # reference raises), "invalid" (output that is not JSON)
    kind: str = "value"


_AV_TAGS = frozenset(("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"))
_SETS = ("SS", "NS", "BS")


def _order_key(x: Any) -> tuple[str, Decimal, str]:
    if isinstance(x, (_Num, Decimal)):
        value = x.value if isinstance(x, _Num) else x
        text = x.text if isinstance(x, _Num) else str(x)
        if value is None or not value.is_finite():
            value = Decimal(0)
        return "number", value, text
    return type(x).__name__, Decimal(0), x if isinstance(x, str) else repr(x)


def _number_wrong(expected: str, actual: Any) -> bool | None:
    """None when the same N text, False when the same value in other text, True otherwise."""
    if not isinstance(actual, str):
        return True
    if actual == expected:
        return None
    value = _Num(actual).value
    return value is None or value != Decimal(expected)


def _walk_map(
    exp: Mapping[str, Any],
    act: Any,
    path: str,
    out: list[_Mismatch],
    walk: Callable[[Any, Any, str, list[_Mismatch]], None],
    top: bool = False,
) -> None:
    if not isinstance(act, dict) or act.keys() != exp.keys():
        out.append(_Mismatch(path, exp, act, wrong=True))
        return
    if list(act) != list(exp):
        out.append(_Mismatch(path, list(exp), list(act), wrong=False, kind="order"))
    for key, value in exp.items():
        # an input of one attribute is named by its label alone, not by the attribute
        sub = "" if top and len(exp) == 1 else f"{path}.{key}" if path else key
        walk(value, act[key], sub, out)


def _text_key(x: Any) -> tuple[str, Decimal, str]:
    return _order_key(_Num(x) if isinstance(x, str) else x)


def _walk_av(exp: Mapping[str, Any], act: Any, path: str, out: list[_Mismatch]) -> None:
    """Compare AttributeValues: N by value (other text is cosmetic), sets in any order."""
    ((tag, e),) = exp.items()
    if not (isinstance(act, dict) and len(act) == 1 and tag in act):
        out.append(_Mismatch(path, exp, act, wrong=True))
        return
    a = act[tag]
    if tag == "M":
        _walk_map(e, a, path, out, _walk_av)
        return
    if tag in ("L", *_SETS) and (not isinstance(a, list) or len(a) != len(e)):
        out.append(_Mismatch(path, exp, act, wrong=True))
        return
    if tag == "L":
        for i, (x, y) in enumerate(zip(e, a, strict=False)):
            _walk_av(x, y, f"{path}[{i}]", out)
        return
    wrong: bool | None
    if tag == "N":
        wrong = _number_wrong(e, a)
    elif tag == "NS":
        pairs = zip(sorted(e, key=_text_key), sorted(a, key=_text_key), strict=False)
        verdicts = {_number_wrong(x, y) for x, y in pairs}
        wrong = True if True in verdicts else False if False in verdicts else None
    elif tag in ("SS", "BS"):
        pairs = zip(sorted(e, key=_order_key), sorted(a, key=_order_key), strict=False)
        wrong = None if all(type(x) is type(y) and x == y for x, y in pairs) else True
    else:
        wrong = None if type(a) is type(e) and a == e else True
    if wrong is not None:
        out.append(_Mismatch(path, exp, act, wrong))


def _walk_value(exp: Any, act: Any, path: str, out: list[_Mismatch]) -> None:
    """Compare Python or JSON values, types included; Decimal text is cosmetic, JSON number
    text is not looked at (1.50 and 1.5 are the same JSON number)."""
    if isinstance(exp, dict):
        _walk_map(exp, act, path, out, _walk_value)
        return
    if isinstance(exp, (_Unordered, set, frozenset)):
        right_type = (
            isinstance(act, list) if isinstance(exp, _Unordered) else type(act) is type(exp)
        )
        if not right_type or len(act) != len(exp):
            out.append(_Mismatch(path, exp, act, wrong=True))
            return
        found: list[_Mismatch] = []
        for x, y in zip(sorted(exp, key=_order_key), sorted(act, key=_order_key), strict=False):
            _walk_value(x, y, path, found)
        if found:  # a set is named as a whole
            out.append(_Mismatch(path, exp, act, wrong=any(m.wrong for m in found)))
        return
    if isinstance(exp, (list, tuple)):
        if type(act) is not type(exp) or len(act) != len(exp):
            out.append(_Mismatch(path, exp, act, wrong=True))
            return
        for i, (x, y) in enumerate(zip(exp, act, strict=False)):
            _walk_value(x, y, f"{path}[{i}]", out)
        return
    if isinstance(exp, _Num):
        same = isinstance(act, _Num) and act.value is not None and act.value == exp.value
    elif isinstance(exp, Decimal):
        if type(act) is Decimal and act == exp:
            if str(act) != str(exp):
                out.append(_Mismatch(path, exp, act, wrong=False))
            return
        same = False
    else:
        same = type(act) is type(exp) and act == exp
    if not same:
        out.append(_Mismatch(path, exp, act, wrong=True))


def _exact_value(av: Mapping[str, Any]) -> Any:
    """The JSON value an AttributeValue stands for: numbers exact, binary as base64 text."""
    ((tag, value),) = av.items()
    if tag == "N":
        return _Num(value)
    if tag == "B":
        return _b64(value)
    if tag == "SS":
        return _Unordered(value)
    if tag == "NS":
        return _Unordered(_Num(v) for v in value)
    if tag == "BS":
        return _Unordered(_b64(v) for v in value)
    if tag == "NULL":
        return None
    if tag == "L":
        return [_exact_value(v) for v in value]
    if tag == "M":
        return {k: _exact_value(v) for k, v in value.items()}
    return value  # S, BOOL


def _exact_json(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _exact_value(v) for k, v in item.items()}


def _parse_json(data: Any) -> Any:
    return json.loads(data, parse_float=_Num, parse_int=_Num, parse_constant=_Num)


@cache
def _baseline() -> Peer:
    return _boto3_json(BASELINE, ("boto3",))


def _reference(operation: str) -> Callable[[Any], Any]:
    if operation == "item_to_json":
        return _exact_json
    return getattr(_baseline(), operation)  # type: ignore[no-any-return]


def _edge_cases(operation: str) -> tuple[EdgeCase, ...]:
    from bench import edge_cases

    build = {
        "json_to_item": edge_cases.json_bodies,
        "item_to_json": edge_cases.items,
        "serialize_item": edge_cases.values,
        "deserialize_item": edge_cases.deserialize_items,
    }[operation]
    return build()


@dataclass(frozen=True)
class _Outcome:
    value: Any = None
    error: Exception | None = None


def _attempt(function: Callable[[Any], Any], argument: Any) -> _Outcome:
    try:
        return _Outcome(function(copy.deepcopy(argument)))  # a copy: no run can change the next's
    except Exception as error:
        return _Outcome(error=error)


def _mismatches(operation: str, reference: _Outcome, answer: _Outcome) -> list[_Mismatch]:
    if reference.error is not None:
        if answer.error is None:
            return [_Mismatch("", reference.error, answer.value, wrong=True, kind="answers")]
        if isinstance(answer.error, type(reference.error)):  # `except` clauses still catch it
            return []
        return [_Mismatch("", reference.error, answer.error, wrong=True, kind="raises")]
    if answer.error is not None:
        return [_Mismatch("", reference.value, answer.error, wrong=True, kind="raises")]
    actual = answer.value
    if operation == "item_to_json":
        try:
            actual = _parse_json(actual)
        except (TypeError, ValueError) as error:
            return [_Mismatch("", reference.value, error, wrong=True, kind="invalid")]
    walk = _walk_av if operation in ("json_to_item", "serialize_item") else _walk_value
    out: list[_Mismatch] = []
    _walk_map(reference.value, actual, "", out, walk, top=True)
    return out


# --- Saying it in words ---------------------------------------------------------------------------


def _clip(text: str, width: int = 32) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _show(x: Any, mode: str) -> str:
    """Short text for a value; mode "av" (AttributeValues), "json" or "python"."""
    if isinstance(x, _Num):
        return x.text
    if isinstance(x, str):
        return json.dumps(x, ensure_ascii=False)
    if mode == "json" and (x is None or isinstance(x, bool)):
        return json.dumps(x)
    if isinstance(x, Decimal):
        return f"Decimal('{x}')"
    if isinstance(x, dict):
        if mode == "av" and len(x) == 1 and next(iter(x)) in _AV_TAGS:
            ((tag, value),) = x.items()
            if tag in _SETS and isinstance(value, list):  # a set: any order
                value = sorted(value, key=_text_key)
            return "NULL" if tag == "NULL" else f"{tag} {_show(value, mode)}"
        return "{" + ", ".join(f"{_show(k, mode)}: {_show(v, mode)}" for k, v in x.items()) + "}"
    if isinstance(x, (set, frozenset)):
        return "{" + ", ".join(sorted(_show(v, mode) for v in x)) + "}" if x else "set()"
    if isinstance(x, tuple):
        return "(" + ", ".join(_show(v, mode) for v in x) + ")"
    if isinstance(x, list):
        return "[" + ", ".join(_show(v, mode) for v in x) + "]"
    return repr(x)


def _error(error: BaseException) -> str:
    message = str(error).strip()
    return f"{type(error).__name__} ({_clip(message, 30)})" if message else type(error).__name__


_REFERENCE_NAME = {"item_to_json": "exact"}  # boto3 for the others
_MODE = {"json_to_item": "av", "item_to_json": "json", "serialize_item": "av"}  # python otherwise


def _sole(value: Any) -> Any:
    """The value of a one-attribute item or mapping (most edge cases); None for a bigger one."""
    return next(iter(value.values())) if isinstance(value, dict) and len(value) == 1 else None


def _displayed(expected: Any, actual: Any) -> Any:
    """The answer to show: when a set came back as a list, its order is arbitrary, so sorted."""
    if isinstance(expected, _Unordered) and isinstance(actual, list):
        return sorted(actual, key=_order_key)
    set_tag = isinstance(expected, dict) and len(expected) == 1 and next(iter(expected)) in _SETS
    elements = actual.get("L") if isinstance(actual, dict) and len(actual) == 1 else None
    if set_tag and isinstance(elements, list) and all(_sole(av) is not None for av in elements):
        return {"L": sorted(elements, key=lambda av: _text_key(_sole(av)))}
    return actual


def _sentence(label: str, m: _Mismatch, operation: str, count: int, width: int) -> str:
    ref = _REFERENCE_NAME.get(operation, "boto3")
    mode = _MODE.get(operation, "python")
    verb = "written as" if operation == "item_to_json" else "gives"
    label = _clip(label, width)
    if count > 1:
        subject = f"{label}: {count} values differ, e.g. {m.path}"
    else:
        subject = f"{label} at {m.path}" if m.path else label
    expected = _clip(_show(m.expected, mode), width)
    actual = _clip(_show(_displayed(m.expected, m.actual), mode), width)
    if m.kind == "raises":
        if isinstance(m.expected, BaseException):
            return (
                f"raises {_error(m.actual)} on {subject} ({ref} raises {type(m.expected).__name__})"
            )
        sole = _sole(m.expected)
        answer = (
            f"{ref}: {_clip(_show(sole, mode), width)}" if sole is not None else f"{ref} answers"
        )
        return f"raises {_error(m.actual)} on {subject} ({answer})"
    if m.kind == "answers":
        sole = _sole(m.actual)
        answer = actual if sole is None else _clip(_show(sole, mode), width)
        return f"{subject} {verb} {answer} ({ref} raises {type(m.expected).__name__})"
    if m.kind == "invalid":
        return f"{subject} {verb} text that is not JSON ({_error(m.actual)})"
    if m.kind == "order":
        return f"{subject}: keys come as {actual} ({ref}: {expected})"
    return f"{subject} {verb} {actual} ({ref}: {expected})" + ("" if m.wrong else ", same value")


def _describe(label: str, m: _Mismatch, operation: str, count: int = 1) -> Difference:
    for width in (32, 28, 24, 20):  # clip the long values further until the sentence is short
        text = _sentence(label, m, operation, count, width)
        if len(text) <= MAX_TEXT:
            break
    return Difference(text, m.wrong)


# --- The API the benchmark tasks use --------------------------------------------------------------


def _checked(operation: str) -> str:
    if operation not in OPERATIONS:
        raise ValueError(f"operation {operation!r} is not one of {', '.join(OPERATIONS)}")
    return operation


def differences(peer: Peer, operation: str) -> list[Difference]:
    """How the peer's answers differ from the right answer on bench/edge_cases.py, wrong ones
    first, at most MAX_DIFFERENCES; [] when it answers alike on every case (or has no such
    operation)."""
    return list(_differences(peer, _checked(operation)))


@cache
def _differences(peer: Peer, operation: str) -> tuple[Difference, ...]:
    function = getattr(peer, operation)
    if function is None:
        return ()
    reference = _reference(operation)
    found = []
    for case in _edge_cases(operation):
        answers = _attempt(reference, case.value), _attempt(function, case.value)
        found_here = _mismatches(operation, *answers)
        if found_here:  # one sentence per input: its first wrong mismatch, else its first
            worst = next((m for m in found_here if m.wrong), found_here[0])
            found.append(_describe(case.label, worst, operation))
    found.sort(key=lambda d: not d.wrong)  # stable: wrong first, each in the cases' order
    return tuple(found[:MAX_DIFFERENCES])


def is_wrong(peer: Peer, operation: str) -> bool:
    """Whether any difference is more than cosmetic."""
    return any(d.wrong for d in differences(peer, operation))


def _workload_input(operation: str, body: bytes) -> Any:
    if operation == "json_to_item":
        return body
    if operation == "serialize_item":
        return json.loads(body, parse_float=Decimal)  # as boto3 users hold it
    return _baseline().json_to_item(body)  # type: ignore[misc] # the item, as boto3 has it


def workload_differences(peer: Peer, operation: str, bodies: Iterable[Body]) -> list[Difference]:
    """How the peer's answers differ from the right answer on the given workload bodies: per
    body, one sentence for the wrong differences, one for the cosmetic ones (with counts), one
    for keys in another order."""
    function = getattr(peer, _checked(operation))
    if function is None:
        return []
    reference = _reference(operation)
    found: list[Difference] = []
    for body in bodies:
        argument = _workload_input(operation, body.data)
        answers = _attempt(reference, argument), _attempt(function, argument)
        mismatches = _mismatches(operation, *answers)
        for wrong in (True, False):
            group = [m for m in mismatches if m.wrong is wrong and m.kind != "order"]
            if group:
                found.append(_describe(body.name, group[0], operation, count=len(group)))
        if any(m.kind == "order" for m in mismatches):  # how many varies: some peers hash keys
            found.append(Difference(f"{body.name}: map keys come in another order", wrong=False))
    found.sort(key=lambda d: not d.wrong)
    return found
