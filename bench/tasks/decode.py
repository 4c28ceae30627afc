"""An order body validated against the record schema and built into a DynamoDB item: the ways a
Powertools user would do it, against RecordCodec.decode; and the schema's compile cost."""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from importlib import metadata
from typing import Any

from boto3.dynamodb.types import TypeSerializer

import rust_core
from bench.report import Section, Table, duration, ratio
from bench.timing import compare
from bench.workloads import SCHEMA_PATH, dumps, order, order_1kb

SERIALIZER = TypeSerializer()
BASELINE = "jsonschema + boto3"
VERSIONS = ", ".join(
    f"{name} {metadata.version(name)}"
    for name in ("jsonschema", "fastjsonschema", "aws-lambda-powertools", "pydantic", "boto3")
)


def boto3_item(data: dict[str, Any]) -> dict[str, Any]:
    return {k: SERIALIZER.serialize(v) for k, v in data.items()}


def values(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rust_core.deserialize_item(item).items() if k != "id"}


def ways() -> dict[str, Callable[[bytes], dict[str, Any]]]:
    import fastjsonschema
    import jsonschema
    from aws_lambda_powertools.utilities.parser import parse
    from aws_lambda_powertools.utilities.validation import validate

    from bench.order_model import Order

    schema = json.loads(SCHEMA_PATH.read_text())
    # jsonschema divides Decimals by the schema's multipleOf: read the schema with Decimals too.
    validator = jsonschema.Draft202012Validator(
        json.loads(SCHEMA_PATH.read_text(), parse_float=Decimal),
        format_checker=jsonschema.FormatChecker(),
    )
    compiled = fastjsonschema.compile(schema)
    codec = rust_core.RecordCodec(SCHEMA_PATH.read_text())

    def with_jsonschema(body: bytes) -> dict[str, Any]:
        data = json.loads(body, parse_float=Decimal)
        validator.validate(data)
        return boto3_item(data)

    # fastjsonschema's generated code divides by float literals: it cannot check Decimals, so the
    # body is read twice, with floats to validate and with Decimals for boto3.
    def with_powertools_validation(body: bytes) -> dict[str, Any]:
        validate(event=json.loads(body), schema=schema)
        return boto3_item(json.loads(body, parse_float=Decimal))

    def with_fastjsonschema(body: bytes) -> dict[str, Any]:
        compiled(json.loads(body))
        return boto3_item(json.loads(body, parse_float=Decimal))

    def with_powertools_parser(body: bytes) -> dict[str, Any]:
        model = parse(event=body.decode(), model=Order)  # Powertools reads JSON from str
        return boto3_item(model.model_dump(exclude_none=True))

    return {
        BASELINE: with_jsonschema,
        "Powertools validation + boto3": with_powertools_validation,
        "fastjsonschema (compiled) + boto3": with_fastjsonschema,
        "Powertools parser + pydantic + boto3": with_powertools_parser,
        "RecordCodec.decode": codec.decode,
    }


def compile_cost(fresh: int) -> tuple[float, float]:
    """Median seconds to compile the schema: in a fresh process (as at Lambda init), and warm."""
    code = (
        f"import time, rust_core; s = open({str(SCHEMA_PATH)!r}).read(); t = time.perf_counter(); "
        "rust_core.RecordCodec(s); print(time.perf_counter() - t)"
    )
    cold = [float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(fresh)]
    text = SCHEMA_PATH.read_text()
    warm = compare({"c": lambda: rust_core.RecordCodec(text)}, "c", rounds=3, budget=0.05)
    return statistics.median(cold), warm["c"].seconds


def run(quick: bool) -> Section:
    every = ways()
    bodies = [order_1kb().data, dumps(order(random.Random(100), lines=100, notes=2000))]
    rows: list[list[str]] = [[name] for name in every]
    findings: list[str] = []
    for body in bodies:
        # The same item from every way (numbers equal by value: pydantic writes 383.0 as 383),
        # but for the id RecordCodec generates.
        expected = values(every["RecordCodec.decode"](body))
        for name, way in every.items():
            if values(way(body)) != expected:
                raise AssertionError(f"{name} builds another item: the ways must agree first")
        timings = compare(
            {name: (lambda w=way, b=body: w(b)) for name, way in every.items()},
            BASELINE,
            rounds=3 if quick else 9,
            budget=0.01 if quick else 0.1,
        )
        for row, timing in zip(rows, timings.values(), strict=False):
            row.append(f"{duration(timing.seconds)} ({ratio(timing)})")
        ours = timings["RecordCodec.decode"]
        pydantic = timings["Powertools parser + pydantic + boto3"]
        findings.append(
            f"{len(body) / 1024:.1f} KB order: RecordCodec.decode takes {duration(ours.seconds)}, "
            f"{pydantic.seconds / ours.seconds:.1f}x faster than Powertools' parser with "
            f"pydantic and {1 / ours.ratio:.0f}x faster than jsonschema (both with boto3)."
        )
    cold, warm = compile_cost(3 if quick else 9)
    sizes = [f"{len(b) / 1024:.1f} KB order" for b in bodies]
    return Section(
        title="Validate and build: an order against the record schema",
        method=(
            "`py_handler/schema.json` (2020-12, patterns, formats, `multipleOf: 0.01`) on a valid "
            "order of 8 lines and one of 100 (the schema's most), each way ending with the same "
            "item (checked first). Powertools' `validate` is called as its documentation shows "
            "(it compiles the schema on every call); `fastjsonschema` compiled once is shown "
            "beside it. Median time per order over interleaved rounds, ratio to "
            f"`{BASELINE}`. Versions: {VERSIONS}."
        ),
        tables=[Table(["way", *sizes], rows)],
        findings=[
            *findings,
            f"Compiling the schema into a RecordCodec costs {duration(cold)} in a fresh process "
            f"(once, at Lambda init) and {duration(warm)} warm.",
        ],
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv).markdown())
