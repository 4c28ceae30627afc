"""Cold start: a fresh process importing and initialising the handler, against a bare boto3 client.

    python bench/cold_start.py

Each way runs in 9 fresh interpreters; medians. The handler's init is its imports, the schema's
compilation and its DynamoDB clients (no call is made).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(
    os.environ, AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x"
)


def median_ms(code: str, runs: int = 9) -> float:
    timed = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    seconds = [
        float(subprocess.check_output([sys.executable, "-c", timed], env=ENV, cwd=ROOT, text=True))
        for _ in range(runs)
    ]
    return statistics.median(seconds) * 1e3


def main() -> None:
    bare = median_ms("import boto3; boto3.client('dynamodb')")
    handler = median_ms("import py_handler.app")
    codec = median_ms("import rust_core")
    print(f"import rust_core            {codec:6.1f} ms")
    print(f"bare boto3.client           {bare:6.1f} ms")
    print(f"py_handler.app init         {handler:6.1f} ms   {handler / bare:.2f}x the bare client")


if __name__ == "__main__":
    main()
