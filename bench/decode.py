"""Per-request cost of turning an order body into a validated DynamoDB item, side by side, and the
cold-start cost of compiling the schema.

    pip install -r bench/requirements.txt && python bench/decode.py

Three ways, each ending with the same item (AttributeValue form, as the boto3 client takes it):
- jsonschema: `json.loads(parse_float=Decimal)`, the `jsonschema` package's validator (built once,
  its schema read with Decimals too), then boto3's `TypeSerializer` on every attribute;
- powertools: Powertools' `parse` with a pydantic v2 model of the same order, then `TypeSerializer`
  on `model_dump()`;
- rust_core: `RecordCodec(schema).decode(body)`.
The schema is py_handler/schema.json. Rounds alternate between the ways; medians and ratios.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import jsonschema
from aws_lambda_powertools.utilities.parser import parse
from boto3.dynamodb.types import TypeSerializer
from pydantic import BaseModel, ConfigDict, Field

import rust_core

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "py_handler" / "schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
SERIALIZER = TypeSerializer()
ROUNDS = 11


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Customer(Strict):
    id: str
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    email: str | None = None


class Line(Strict):
    sku: Annotated[str, Field(pattern=r"^[A-Z0-9-]{1,32}$")]
    qty: Annotated[int, Field(ge=1, le=10000)]
    price: Annotated[Decimal, Field(ge=0, multiple_of=Decimal("0.01"))]


class Address(Strict):
    street: str
    city: str
    postal_code: str
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class Order(Strict):
    id: str | None = None
    customer: Customer
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    lines: Annotated[list[Line], Field(min_length=1, max_length=100)]
    address: Address | None = None
    notes: Annotated[str, Field(max_length=2000)] | None = None


def order(rng: random.Random, lines: int, notes: int) -> bytes:
    """An order valid under py_handler/schema.json."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    sku = lambda: "SKU-" + "".join(rng.choice(letters) for _ in range(rng.randint(16, 28)))  # noqa: E731
    customer = {
        "id": f"c-{rng.randint(1, 10**6)}",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
    }
    address = {
        "street": "12 Analytical Row",
        "city": "London",
        "postal_code": "N1 9GU",
        "country": "GB",
    }
    return json.dumps(
        {
            "customer": customer,
            "currency": "EUR",
            "lines": [
                {"sku": sku(), "qty": rng.randint(1, 9), "price": rng.randint(1, 99999) / 100}
                for _ in range(lines)
            ],
            "address": address,
            "notes": "".join(rng.choice("abcdefgh ") for _ in range(notes)),
        }
    ).encode()


# Decimal instances need Decimal bounds: jsonschema cannot divide a Decimal by a float.
VALIDATOR = jsonschema.Draft202012Validator(
    json.loads(SCHEMA_PATH.read_text(), parse_float=Decimal),
    format_checker=jsonschema.FormatChecker(),
)
CODEC = rust_core.RecordCodec(SCHEMA)


def with_jsonschema(body: bytes) -> dict[str, Any]:
    data = json.loads(body, parse_float=Decimal)
    VALIDATOR.validate(data)
    return {k: SERIALIZER.serialize(v) for k, v in data.items()}


def with_powertools(body: bytes) -> dict[str, Any]:
    model = parse(event=body.decode(), model=Order)  # Powertools reads JSON from str
    data = model.model_dump(exclude_none=True)
    return {k: SERIALIZER.serialize(v) for k, v in data.items()}


def per_call(fn: Callable[[bytes], object], body: bytes, seconds: float = 0.05) -> float:
    loops, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn(body)
        loops += 1
    return elapsed / loops


def compile_cost() -> tuple[float, float]:
    """Median seconds to compile the schema: in a fresh process (as at Lambda init), and warm."""
    code = (
        f"import time, rust_core; s = open({str(SCHEMA_PATH)!r}).read(); t = time.perf_counter(); "
        "rust_core.RecordCodec(s); print(time.perf_counter() - t)"
    )
    fresh = [float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(7)]
    text = SCHEMA_PATH.read_text()
    warm = []
    for _ in range(50):
        start = time.perf_counter()
        rust_core.RecordCodec(text)
        warm.append(time.perf_counter() - start)
    return statistics.median(fresh), statistics.median(warm)


def main() -> None:
    ways = {"jsonschema": with_jsonschema, "powertools": with_powertools, "rust_core": CODEC.decode}
    rng = random.Random(7)
    for lines, notes in ((10, 220), (100, 2000)):  # ~1 KB and ~10 KB
        body = order(rng, lines, notes)
        items = {name: fn(body) for name, fn in ways.items()}
        ours = {k: v for k, v in items["rust_core"].items() if k != "id"}
        assert ours == items["jsonschema"], "the ways must agree before they are timed"
        times: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(ROUNDS):
            for name, fn in ways.items():
                times[name].append(per_call(fn, body))
        medians = {name: statistics.median(t) for name, t in times.items()}
        print(f"order of {len(body):,} bytes ({lines} lines), {ROUNDS} rounds, medians:")
        for name, t in medians.items():
            print(
                f"  {name:11} {t * 1e6:8.1f} us   {t / medians['rust_core']:6.1f}x rust_core's time"
            )
    fresh, warm = compile_cost()
    print(
        f"compiling the schema: {fresh * 1e3:.2f} ms in a fresh process, {warm * 1e3:.3f} ms warm"
    )


if __name__ == "__main__":
    main()
