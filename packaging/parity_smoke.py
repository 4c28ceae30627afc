"""Parity smoke test of an installed rust_core against boto3, with the standard library alone.

    python packaging/parity_smoke.py [COUNT]

Run where pytest is not at hand: on an arm64 Python under qemu (make check-aarch64), against the
aarch64 wheel and the arm64 layer. It compares, on fixed values and on COUNT (default 300) seeded
random documents: the drop-ins against TypeSerializer / TypeDeserializer (results and exception
classes), json_to_item against json.loads + TypeSerializer, item_to_json's round trip, and a
RecordCodec's verdicts. Exits 1 on the first difference, naming it.
"""

from __future__ import annotations

import json
import random
import sys
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer

import rust_core

SERIALIZER = TypeSerializer()
DESERIALIZER = TypeDeserializer()
FIXED: list[Any] = [
    None, True, False, 0, -1, 10**37, -(10**37), Decimal("1.5"), Decimal("-0.0001"),
    Decimal("1E+125"), "", "text", "ünïcödé ☃ 𝄞", b"", b"\x00\xff", bytearray(b"ba"),
    Binary(b"bin"),
    {1, 2, 3}, {Decimal("2.5")}, {"a", "b"}, {b"x", b"y"}, frozenset({"f"}),
    [1, "a", [None, [True]]], (1, "t"), {"m": {"n": [1, {"deep": Decimal("0.1")}]}},
]  # fmt: skip
# boto3 refuses these; the drop-ins must raise the same exception class.
REFUSED: list[Any] = [1.5, object(), Decimal("1E-200"), Decimal("1" * 39), {1, "a"}, set(), [1.5]]


def fail(what: str, value: Any, ours: Any, theirs: Any) -> None:
    sys.exit(
        f"parity: {what} differs for {value!r:.200}:\n"
        f"  rust_core {ours!r:.300}\n  boto3     {theirs!r:.300}"
    )


def boto3_serialize_item(values: dict[str, Any]) -> dict[str, Any]:
    return {name: SERIALIZER.serialize(value) for name, value in values.items()}


def boto3_deserialize_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: DESERIALIZER.deserialize(value) for name, value in item.items()}


def outcome(func: Any, value: Any) -> Any:
    try:
        return func(value)
    except Exception as exc:  # the class is what must match
        return type(exc)


def random_json(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 4 and roll < 0.2:
        size = rng.randrange(6)
        return {f"k{rng.randrange(50)}é": random_json(rng, depth + 1) for _ in range(size)}
    if depth < 4 and roll < 0.35:
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(6))]
    kind = rng.randrange(6)
    if kind == 0:
        return rng.randrange(-(10**20), 10**20)
    if kind == 1:  # plain decimals: boto3's Decimal keeps their text, as json_to_item does
        return Decimal(f"{rng.randrange(-(10**9), 10**9)}.{rng.randrange(10**6):06d}")
    if kind == 2:
        return "".join(rng.choice('aZ0 é"\\\n☃𝄞') for _ in range(rng.randrange(12)))
    return [True, False, None][kind - 3]


def main(count: int) -> None:
    for value in FIXED:
        ours, theirs = rust_core.serialize(value), SERIALIZER.serialize(value)
        if ours != theirs:
            fail("serialize", value, ours, theirs)
        back, expected = rust_core.deserialize(ours), DESERIALIZER.deserialize(theirs)
        if back != expected or type(back) is not type(expected):
            fail("deserialize", theirs, back, expected)
    for value in REFUSED:
        ours, theirs = outcome(rust_core.serialize, value), outcome(SERIALIZER.serialize, value)
        if ours != theirs:
            fail("serialize's exception", value, ours, theirs)

    rng = random.Random(20261129)
    for _ in range(count):
        document = {f"a{i}": random_json(rng) for i in range(rng.randrange(1, 12))}
        body = json.dumps(document, default=str, ensure_ascii=rng.random() < 0.5)
        theirs = boto3_serialize_item(json.loads(body, parse_float=Decimal))
        ours = rust_core.json_to_item(body.encode())
        if ours != theirs:
            fail("json_to_item", body, ours, theirs)
        if rust_core.serialize_item(document) != boto3_serialize_item(document):
            fail("serialize_item", document, rust_core.serialize_item(document), theirs)
        if rust_core.deserialize_item(theirs) != boto3_deserialize_item(theirs):
            fail("deserialize_item", theirs, rust_core.deserialize_item(theirs), document)
        again = json.loads(rust_core.item_to_json(ours), parse_float=Decimal)
        if again != json.loads(body, parse_float=Decimal):
            fail("item_to_json round trip", body, again, document)

    schema = {"type": "object", "required": ["n"], "properties": {"n": {"maximum": 3}}}
    codec = rust_core.RecordCodec(schema)
    if codec.decode(b'{"id": "k", "n": 3}') != {"id": {"S": "k"}, "n": {"N": "3"}}:
        fail("RecordCodec.decode", "n=3", codec.decode(b'{"id": "k", "n": 3}'), "accepted")
    try:
        codec.decode(b'{"n": 4}')
    except rust_core.ValidationError as exc:
        expected = [{"path": "/n", "message": "Must be at most 3", "keyword": "maximum"}]
        if exc.errors != expected:
            fail("RecordCodec.decode errors", "n=4", exc.errors, expected)
    else:
        fail("RecordCodec.decode", "n=4", "accepted", "ValidationError")
    fixed = len(FIXED) + len(REFUSED)
    print(f"parity: {fixed} fixed values and {count} random documents agree with boto3")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
