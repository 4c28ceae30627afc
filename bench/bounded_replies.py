"""The worst bodies for the size of an error reply, each in a fresh process: CPU, peak memory and
the reply's size as Lambda sends it. `python bench/bounded_replies.py` (after `make develop`);
no DynamoDB is reached, since every one of these bodies is refused before a write."""

from __future__ import annotations

import json
import os
import pathlib
import resource
import subprocess
import sys
import time

CASES = {
    "1 MiB order of empty lines (1M errors)": (
        "POST",
        "/items",
        '{"customer":{"id":"c"},"currency":"EUR","lines":[' + ",".join(["{}"] * 349_500) + "]}",
    ),
    "6 MB batch, 9,000 orders of 190 empty lines": (
        "POST",
        "/items/batch",
        "["
        + ",".join(
            ['{"customer":{"id":"c"},"currency":"EUR","lines":[' + ",".join(["{}"] * 190) + "]}"]
            * 9_000
        )
        + "]",
    ),
    "1 MiB of unknown members (additionalProperties)": (
        "POST",
        "/items",
        "{" + ",".join(f'"k{i}":0' for i in range(90_000)) + "}",
    ),
}


def measure(name: str) -> None:
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    from py_handler import app
    from py_handler.local import LocalContext

    method, path, body = CASES[name]
    event = {
        "version": "2.0",
        "rawPath": path,
        "headers": {"content-type": "application/json"},
        "requestContext": {"http": {"method": method, "path": path}, "requestId": "r"},
        "body": body,
        "isBase64Encoded": False,
    }
    before_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.process_time()
    response = app.handler(event, LocalContext())
    cpu = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = len(json.dumps(response))
    print(
        f"| {name} | {len(body) / 1e6:.2f} MB | {response['statusCode']} | {size / 1e6:.3f} MB "
        f"| {cpu * 1000:.0f} ms | {(peak - before_rss) / 1024:.0f} MB |"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1:
        measure(sys.argv[1])
    else:
        print("| body | size | status | reply as sent | CPU | peak memory added |")
        print("| --- | --- | --- | --- | --- | --- |")
        for case in CASES:
            out = subprocess.run(
                [sys.executable, __file__, case], capture_output=True, text=True, check=True
            )
            print(out.stdout.strip().splitlines()[-1])
