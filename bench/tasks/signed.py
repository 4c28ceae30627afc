"""The direct client's whole Rust path for one record: request body in, signed PutItem out
(`Table.put_item` then `sign_v4`), against `orjson.loads` of the same body alone.

    python -m bench.tasks.signed [--quick]
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import orjson

import rust_core
from bench.report import Section, Table, duration, ratio
from bench.timing import compare
from bench.workloads import SCHEMA_PATH, order_1kb, record_10kb

BASELINE = "orjson.loads"
TABLE = rust_core.Table("items")
URL = "https://dynamodb.us-east-1.amazonaws.com/"
HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "X-Amz-Target": "DynamoDB_20120810.PutItem",
}


def signed_put(codec: rust_core.RecordCodec, body: bytes) -> Callable[[], object]:
    def way() -> object:
        request, _, _ = TABLE.put_item(codec, body)
        return rust_core.sign_v4(
            "POST",
            URL,
            HEADERS,
            request,
            region="us-east-1",
            service="dynamodb",
            access_key="AKIDEXAMPLE",
            secret_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            session_token="token",
        )

    return way


def run(quick: bool) -> Section:
    validated = rust_core.RecordCodec(SCHEMA_PATH.read_bytes())
    plain = rust_core.RecordCodec()
    rows, findings = [], []
    for body, codec, schema in (
        (order_1kb(), validated, "the order schema"),
        (record_10kb(), plain, "no schema"),
    ):
        ways = {
            BASELINE: lambda b=body.data: orjson.loads(b),
            "put_item + sign_v4": signed_put(codec, body.data),
            "put_item alone": lambda c=codec, b=body.data: TABLE.put_item(c, b),
            "RecordCodec.decode": lambda c=codec, b=body.data: c.decode(b),
        }
        timings = compare(ways, BASELINE, rounds=3 if quick else 9, budget=0.01 if quick else 0.1)
        for name, timing in timings.items():
            rows.append([f"{body.name} ({schema})", name, duration(timing.seconds), ratio(timing)])
        whole = timings["put_item + sign_v4"]
        met = "met" if whole.ratio <= 1.0 else "**not met**"
        findings.append(
            f"{body.name}, {schema}: body to signed PutItem bytes takes {duration(whole.seconds)}, "
            f"{ratio(whole)} of `orjson.loads` alone (target 1x: {met}); the codec's decode "
            f"(parse, rules, {schema}, size) is {duration(timings['RecordCodec.decode'].seconds)} "
            "of it."
        )
    return Section(
        title="Body to signed PutItem bytes",
        method=(
            "One record's body, as the direct client handles it: `Table.put_item(codec, body)` "
            "(parse, DynamoDB's rules, the schema, the key, the item size, the PutItem body with "
            "its condition, and the reply's JSON) then `sign_v4` with a session token; against "
            "`orjson.loads` of the same body, which does none of it. Interleaved rounds, medians."
        ),
        tables=[Table(["body", "way", "time", "ratio to orjson.loads"], rows)],
        findings=findings,
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv).markdown())
