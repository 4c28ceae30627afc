"""POST /items/batch with 10,000 orders, end to end against the local DynamoDB, next to boto3's
`Table.batch_writer` doing the same writes from this process.

    make develop dynoxide && python bench/batch_write.py [--rounds 5] [--records 10000]

One Dynoxide serves both. Each round empties the table, then times, in turn:
- the request: `python -m py_handler.local` (started once) receives the NDJSON body over HTTP and
  answers `{"written": 10000, "failed": []}` (parse, validate, build the items in Rust, write);
- batch_writer: `json.loads(line, parse_float=Decimal)` for each line, then `put_item` into
  `Table.batch_writer()` (no validation), and the same with the records already parsed.
Medians over the rounds; the table is checked to hold every order after each run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from py_handler.dynamo_local import Dynoxide, ensure_table, free_port, local_client  # noqa: E402

TABLE = "items"
BANNER = re.compile(r"Serving the items API on (\S+) ")


def orders(count: int) -> list[dict[str, Any]]:
    """Valid orders (py_handler/schema.json), each different, about 340 bytes of JSON."""
    rng = random.Random(42)
    records = []
    for n in range(count):
        lines = [
            {"sku": f"SKU-{rng.randrange(10**6)}", "qty": rng.randint(1, 50), "price": price}
            for price in rng.sample([0.5, 9.99, 19.99, 120, 1234.56], rng.randint(1, 3))
        ]
        records.append(
            {
                "id": f"order-{n:05}",
                "customer": {"id": f"c-{rng.randrange(10**4)}", "name": "Ada Lovelace"},
                "currency": rng.choice(["EUR", "USD", "JPY"]),
                "lines": lines,
            }
        )
    return records


@contextmanager
def local_server(endpoint: str) -> Iterator[str]:
    """`python -m py_handler.local` in front of `endpoint`; its URL."""
    port = free_port()
    command = [sys.executable, "-m", "py_handler.local", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--endpoint-url", endpoint],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            found = BANNER.search(line)
            if found:
                break
        else:
            raise RuntimeError("the local server did not start")
        # The server logs lines per request (metrics): keep its pipe from filling up.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield found[1]
    finally:
        process.terminate()
        process.wait(timeout=15)


def post(url: str, body: bytes) -> float:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    started = time.perf_counter()
    connection.request("POST", "/items/batch", body, {"Content-Type": "application/x-ndjson"})
    response = connection.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    reply = json.loads(data)
    assert response.status == 200 and reply["failed"] == [], (response.status, data[:300])
    return elapsed


def batch_writer(endpoint: str, lines: list[bytes] | None, records: list[Any]) -> float:
    table = boto3.resource("dynamodb", endpoint_url=endpoint).Table(TABLE)
    started = time.perf_counter()
    if lines is not None:
        records = [json.loads(line, parse_float=Decimal) for line in lines]
    with table.batch_writer() as writer:
        for record in records:
            writer.put_item(Item=record)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    records = orders(args.records)
    lines = [json.dumps(record).encode() for record in records]
    body = b"\n".join(lines) + b"\n"
    parsed = [json.loads(line, parse_float=Decimal) for line in lines]
    print(f"{args.records:,} orders, {len(body) / 1e6:.2f} MB of NDJSON, {args.rounds} rounds")

    with Dynoxide() as dynoxide:
        client = local_client(dynoxide.endpoint_url)
        ensure_table(client, TABLE)

        def fresh() -> None:
            client.delete_table(TableName=TABLE)
            ensure_table(client, TABLE)

        def stored() -> int:
            pages = client.get_paginator("scan").paginate(TableName=TABLE, Select="COUNT")
            return sum(page["Count"] for page in pages)

        with local_server(dynoxide.endpoint_url) as url:
            ways: dict[str, Callable[[], float]] = {
                "POST /items/batch (HTTP, local server)": lambda: post(url, body),
                "batch_writer, json.loads + put_item": lambda: batch_writer(
                    dynoxide.endpoint_url, lines, []
                ),
                "batch_writer, records already parsed": lambda: batch_writer(
                    dynoxide.endpoint_url, None, parsed
                ),
            }
            times: dict[str, list[float]] = {name: [] for name in ways}
            for _ in range(args.rounds):
                for name, way in ways.items():
                    fresh()
                    times[name].append(way())
                    assert stored() == args.records, name
    baseline = statistics.median(times["POST /items/batch (HTTP, local server)"])
    print(f"\n| {'way':<40} | median | min | vs the request |")
    print(f"| {'-' * 40} | --- | --- | --- |")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name:<40} | {median:.2f} s | {min(values):.2f} s | {median / baseline:.2f}x |")


if __name__ == "__main__":
    main()
