"""Side-by-side timing of rust_core's JSON fast paths against the boto3 way, in one run.

    python bench/json_to_item.py

JSON to item: `json.loads(body, parse_float=Decimal)` then `TypeSerializer` on every attribute,
against `rust_core.json_to_item(body)`. Item to JSON: `TypeDeserializer` on every attribute then
`json.dumps` (Decimals as strings, the cheapest hook), against `rust_core.item_to_json(item)`.
Rounds alternate (A B A B ...) so that machine noise hits both sides alike; medians and ratios are
printed. The full benchmark suite comes with `make bench`.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

import rust_core

SERIALIZER = TypeSerializer()
DESERIALIZER = TypeDeserializer()
ROUNDS = 15


def record(rng: random.Random, attributes: int, depth: int) -> dict[str, object]:
    """A record of mixed types, nested `depth` levels, as an API would receive it."""
    out: dict[str, object] = {}
    for i in range(attributes):
        kind = i % 6
        key = f"attr_{i:03d}"
        if kind == 0:
            out[key] = "".join(rng.choice("abcdefghij klmnop") for _ in range(rng.randint(60, 420)))
        elif kind == 1:
            out[key] = rng.randint(-(10**9), 10**9)
        elif kind == 2:
            out[key] = round(rng.uniform(0, 10_000), 2)
        elif kind == 3:
            out[key] = rng.random() < 0.5
        elif kind == 4 and depth > 1:
            out[key] = record(rng, 4, depth - 1)
        else:
            out[key] = [rng.randint(0, 100) for _ in range(3)]
    return out


def boto3_json_to_item(body: bytes) -> dict[str, Any]:
    data = json.loads(body, parse_float=Decimal)
    return {k: SERIALIZER.serialize(v) for k, v in data.items()}


def boto3_item_to_json(item: dict[str, Any]) -> bytes:
    data = {k: DESERIALIZER.deserialize(v) for k, v in item.items()}
    return json.dumps(data, separators=(",", ":"), default=str).encode()


def per_call(fn: Callable[[Any], object], arg: object, loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        fn(arg)
    return (time.perf_counter() - start) / loops


def compare(
    name: str, baseline: Callable[[Any], object], ours: Callable[[Any], object], arg: object
) -> None:
    theirs_times, our_times = [], []
    for _ in range(ROUNDS):
        theirs_times.append(per_call(baseline, arg, 200))
        our_times.append(per_call(ours, arg, 2000))
    theirs, mine = statistics.median(theirs_times), statistics.median(our_times)
    ratio = mine / theirs
    print(f"{name:13} boto3 {theirs * 1e6:7.1f} us  rust_core {mine * 1e6:6.1f} us  {ratio:.3f}x")


def main() -> None:
    body = json.dumps(record(random.Random(42), 100, 4)).encode()
    item = rust_core.json_to_item(body)
    # Same answer first: this record's number texts are ones Decimal prints back unchanged.
    assert item == boto3_json_to_item(body)
    print(f"body: {len(body)} bytes, 100 attributes nested 4 deep; {ROUNDS} rounds, medians")
    compare("JSON -> item", boto3_json_to_item, rust_core.json_to_item, body)
    compare("item -> JSON", boto3_item_to_json, rust_core.item_to_json, item)


if __name__ == "__main__":
    main()
