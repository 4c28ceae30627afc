"""The workloads, deterministic (fixed seeds): what an API receives, at the sizes that matter."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "py_handler" / "schema.json"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class Body:
    name: str  # as the results name it: "1 KB order"
    what: str  # one line saying what it holds
    data: bytes
    schema_valid: bool  # valid under py_handler/schema.json


def order(rng: random.Random, lines: int, notes: int) -> dict[str, Any]:
    """An order valid under py_handler/schema.json."""

    def sku() -> str:
        return "SKU-" + "".join(rng.choice(LETTERS) for _ in range(rng.randint(8, 20)))

    return {
        "customer": {"id": f"c-{rng.randint(1, 10**6)}", "name": "Ada Lovelace",
                     "email": "ada@example.com"},
        "currency": "EUR",
        "lines": [
            {"sku": sku(), "qty": rng.randint(1, 9), "price": rng.randint(1, 99999) / 100}
            for _ in range(lines)
        ],
        "address": {"street": "12 Analytical Row", "city": "London", "postal_code": "N1 9GU",
                    "country": "GB"},
        "notes": "".join(rng.choice("abcdefgh ") for _ in range(notes)),
    }  # fmt: skip


def record(rng: random.Random, attributes: int, depth: int, text: int = 240) -> dict[str, Any]:
    """A record of mixed types (strings of ~`text` characters, integers, decimals, booleans, lists,
    maps nested `depth` levels), as an API would receive it."""
    out: dict[str, Any] = {}
    for i in range(attributes):
        kind = i % 6
        key = f"attr_{i:03d}"
        if kind == 0:
            length = rng.randint(text // 4, text * 7 // 4)
            out[key] = "".join(rng.choice("abcdefghij klmnop") for _ in range(length))
        elif kind == 1:
            out[key] = rng.randint(-(10**9), 10**9)
        elif kind == 2:
            out[key] = round(rng.uniform(0, 10_000), 2)
        elif kind == 3:
            out[key] = rng.random() < 0.5
        elif kind == 4 and depth > 1:
            out[key] = record(rng, 4, depth - 1, text)
        else:
            out[key] = [rng.randint(0, 100) for _ in range(3)]
    return out  # fmt: skip


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


@cache
def order_1kb() -> Body:
    data = dumps(order(random.Random(1), lines=8, notes=330))
    return Body("1 KB order", "an order of 8 lines, valid under the default schema", data, True)


@cache
def record_10kb() -> Body:
    data = dumps(record(random.Random(10), attributes=100, depth=4, text=230))
    return Body("10 KB record", "100 attributes of mixed types, maps nested 4 deep", data, False)


@cache
def item_300kb() -> Body:
    data = dumps(record(random.Random(300), attributes=2600, depth=4, text=240))
    what = "2,600 attributes nested 4 deep, under DynamoDB's 400 KB"
    return Body("300 KB item", what, data, False)


SINGLE = (order_1kb, record_10kb, item_300kb)


@cache
def batch(records: int = 10_000) -> Body:
    """`records` orders of ~0.6 KB as one JSON array, each with its id."""
    rng = random.Random(10_000)
    orders = [{"id": f"order-{i:06d}", **order(rng, lines=4, notes=120)} for i in range(records)]
    data = dumps(orders)
    return Body(f"{records:,} orders", f"a JSON array of {records:,} orders of ~0.6 KB", data, True)


def body_of_size(size: int) -> bytes:
    """A record of about `size` bytes (for the scaling curves): 10 KB records' attributes, more
    of them."""
    rng = random.Random(size)
    attributes = max(1, size // 85)
    return dumps(record(rng, attributes=attributes, depth=4, text=150))


def as_values(body: bytes) -> Any:
    """The body as boto3 users hold it: numbers as Decimal."""
    return json.loads(body, parse_float=Decimal)
