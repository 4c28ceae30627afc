"""A 10,000-record batch of ~1 KB records, decoded into DynamoDB items, side by side.

    python bench/decode_many.py

- boto3: `json.loads(body, parse_float=Decimal)` then `TypeSerializer` on every attribute of every
  record (no validation);
- rust_core, one thread and all threads: `RecordCodec().decode_many(body, parallel=...)` (no
  schema, as the baseline has none), and with py_handler/schema.json on all threads.
Rounds alternate between the ways; medians and ratios. This machine has 2 cores.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeSerializer

import rust_core

SCHEMA = (Path(__file__).resolve().parent.parent / "py_handler" / "schema.json").read_text()
SERIALIZER = TypeSerializer()
ROUNDS = 7
RECORDS = 10_000


def record(rng: random.Random, i: int) -> dict[str, Any]:
    """An order of about 1 KB."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return {
        "id": f"order-{i:06d}",
        "customer": {
            "id": f"c-{rng.randint(1, 10**6)}",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
        },
        "currency": "EUR",
        "lines": [
            {
                "sku": "SKU-" + "".join(rng.choice(letters) for _ in range(12)),
                "qty": rng.randint(1, 9),
                "price": rng.randint(1, 99999) / 100,
            }
            for _ in range(8)
        ],
        "address": {
            "street": "12 Analytical Row",
            "city": "London",
            "postal_code": "N1 9GU",
            "country": "GB",
        },
        "notes": "".join(rng.choice("abcdefgh ") for _ in range(150)),
    }


def with_boto3(body: bytes) -> list[dict[str, Any]]:
    return [
        {k: SERIALIZER.serialize(v) for k, v in r.items()}
        for r in json.loads(body, parse_float=Decimal)
    ]


def main() -> None:
    rng = random.Random(11)
    body = json.dumps([record(rng, i) for i in range(RECORDS)]).encode()
    # 10,000 records of 1 KB are over Lambda's 6 MB payload limit, the codec's default: raise it.
    limit = {"max_batch_body_bytes": 16_000_000}
    plain, validated = rust_core.RecordCodec(**limit), rust_core.RecordCodec(SCHEMA, **limit)
    ways: dict[str, Callable[[bytes], object]] = {
        "boto3": with_boto3,
        "rust_core, 1 thread": lambda b: plain.decode_many(b, parallel=False),
        f"rust_core, {os.cpu_count()} threads": lambda b: plain.decode_many(b, parallel=True),
        "rust_core + schema": lambda b: validated.decode_many(b, parallel=True),
    }
    items, errors = plain.decode_many(body)
    assert not errors and items == with_boto3(body), "the ways must agree before they are timed"
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(ROUNDS):
        for name, fn in ways.items():
            start = time.perf_counter()
            fn(body)
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(t) for name, t in times.items()}
    print(f"{RECORDS:,} records, {len(body) / 1e6:.1f} MB, {ROUNDS} rounds, medians:")
    for name, t in medians.items():
        print(f"  {name:22} {t * 1e3:8.1f} ms   {t / medians['boto3']:.3f}x boto3's time")


if __name__ == "__main__":
    main()
