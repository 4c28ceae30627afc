"""A 10,000-record batch (one JSON array, ~6 MB) decoded into DynamoDB items: boto3's way, the
fastest exact Python peer, and RecordCodec.decode_many on one and on every core."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
from boto3.dynamodb.types import TypeSerializer

import rust_core
from bench.report import Section, Table, duration, ratio
from bench.timing import compare
from bench.workloads import SCHEMA_PATH, batch

SERIALIZER = TypeSerializer()
BASELINE = "boto3 + json"
CORES = os.cpu_count() or 1


def boto3_many(body: bytes) -> list[dict[str, Any]]:
    records = json.loads(body, parse_float=Decimal)
    return [{k: SERIALIZER.serialize(v) for k, v in record.items()} for record in records]


MSGSPEC = msgspec.json.Decoder(float_hook=Decimal)


def msgspec_many(body: bytes) -> list[dict[str, Any]]:
    return [{k: SERIALIZER.serialize(v) for k, v in r.items()} for r in MSGSPEC.decode(body)]


def ways_for(body: bytes) -> dict[str, Callable[[], object]]:
    plain = rust_core.RecordCodec()
    validated = rust_core.RecordCodec(SCHEMA_PATH.read_text())
    return {
        BASELINE: lambda: boto3_many(body),
        "msgspec + boto3": lambda: msgspec_many(body),
        "decode_many, 1 thread": lambda: plain.decode_many(body, parallel=False),
        f"decode_many, {CORES} threads": lambda: plain.decode_many(body, parallel=True),
        f"decode_many + schema, {CORES} threads": lambda: validated.decode_many(body),
    }


def run(quick: bool) -> Section:
    body = batch(1_000 if quick else 10_000)
    ways = ways_for(body.data)
    expected = boto3_many(body.data)
    items, errors = rust_core.RecordCodec().decode_many(body.data)
    if errors or items != expected or msgspec_many(body.data) != expected:
        raise AssertionError("the ways must give boto3's items before they are timed")
    timings = compare(ways, BASELINE, rounds=3 if quick else 7, budget=0.05 if quick else 0.3)
    rows = [[name, duration(t.seconds), ratio(t)] for name, t in timings.items()]
    one, every = timings["decode_many, 1 thread"], timings[f"decode_many, {CORES} threads"]
    speedup = one.seconds / every.seconds
    findings = [
        f"decode_many takes {ratio(one)} of boto3's time on one thread (target 0.05x: "
        + ("met" if one.ratio <= 0.05 else "**not met**")
        + f"); {CORES} threads are {speedup:.2f}x faster than one (target 1.8x on two: "
        + ("met" if speedup >= 1.8 else "**not met**")
        + "). Parsing, checking and validating run on every core with the GIL released; "
        "building the Python dicts and strings of the items is serial under the GIL and is "
        "most of the time.",
    ]
    return Section(
        title=f"Batch decode: {body.name}",
        method=(
            f"{body.what} ({len(body.data) / 1e6:.1f} MB), decoded into a list of items; the "
            "ways give identical items (checked first). boto3: `json.loads(parse_float=Decimal)` "
            "and `TypeSerializer` on every attribute; msgspec's decoder with `float_hook=Decimal` "
            "in place of `json.loads`. Median time per batch over interleaved rounds, ratio to "
            f"`{BASELINE}` per round."
        ),
        tables=[Table(["way", "time per batch", "ratio"], rows)],
        findings=findings,
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv).markdown())
