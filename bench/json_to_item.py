"""Side-by-side timing of `rust_core.json_to_item` against the boto3 way, in one run.

    python bench/json_to_item.py

The boto3 way is `json.loads(body, parse_float=Decimal)` then `TypeSerializer` on every attribute.
Rounds alternate (A B A B ...) so that machine noise hits both sides alike; medians and the ratio
are printed. The full benchmark suite comes with `make bench`.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from decimal import Decimal

from boto3.dynamodb.types import TypeSerializer

import rust_core


def record(rng: random.Random, attributes: int, depth: int) -> dict[str, object]:
    """A record of mixed types, nested `depth` levels, as an API would receive it."""
    out: dict[str, object] = {}
    for i in range(attributes):
        kind = i % 6
        key = f"attr_{i:03d}"
        if kind == 0:
            out[key] = "".join(rng.choice("abcdefghij klmnop") for _ in range(rng.randint(40, 300)))
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


SERIALIZER = TypeSerializer()


def boto3_way(body: bytes) -> dict[str, object]:
    data = json.loads(body, parse_float=Decimal)
    return {k: SERIALIZER.serialize(v) for k, v in data.items()}


def timed(fn, body: bytes, loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        fn(body)
    return (time.perf_counter() - start) / loops


def main() -> None:
    body = json.dumps(record(random.Random(42), 100, 4)).encode()
    # Same answer first: this record's number texts are ones Decimal prints back unchanged.
    assert rust_core.json_to_item(body) == boto3_way(body)
    ours, theirs = [], []
    for _ in range(15):
        theirs.append(timed(boto3_way, body, 200))
        ours.append(timed(rust_core.json_to_item, body, 2000))
    a, b = statistics.median(theirs), statistics.median(ours)
    print(f"body: {len(body)} bytes, 100 attributes nested 4 deep, 15 interleaved rounds")
    print(f"json.loads + TypeSerializer : {a * 1e6:8.1f} us (median)")
    print(f"rust_core.json_to_item      : {b * 1e6:8.1f} us (median)")
    print(f"ratio                       : {b / a:8.3f}x boto3's time")


if __name__ == "__main__":
    main()
