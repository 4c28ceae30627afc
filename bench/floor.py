"""The floor: an all-Rust Lambda handler (lambda_http + aws-sdk-dynamodb, as AWS SAM's Rust
template starts from) for the same POST /items and GET /items/{id}, measured per request against a
DynamoDB endpoint. What no Python handler can beat: its CPU per request is the runtime's event and
response handling, the SDK's request, signing and parsing, and a JSON <-> item conversion.

    python -m bench.floor

The crate is bench/floor (its own Cargo root, outside the workspace); its binary drives the
handler through lambda_http's own adapter, as the Lambda runtime would for each event, less the
Runtime API's HTTP calls (see bench/floor/src/main.rs).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CRATE = ROOT / "bench" / "floor"
EVENTS = ROOT / "tests" / "events"
BINARY = "floor"


class FloorBuildError(RuntimeError):
    """cargo could not build the floor crate."""


class FloorRunError(RuntimeError):
    """The floor binary failed: a request answered an unexpected status, or it could not run."""


def build() -> Path:
    """Builds bench/floor (release) and returns the measurement binary's path."""
    command = [
        "cargo",
        "build",
        "--release",
        "--manifest-path",
        str(CRATE / "Cargo.toml"),
        "--message-format=json-render-diagnostics",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise FloorBuildError("cargo was not found: install Rust (https://rustup.rs)") from None
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-40:])
        raise FloorBuildError(
            f"`{' '.join(command)}` failed with exit status {done.returncode}:\n{tail}"
        )
    for line in done.stdout.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if (
            message.get("reason") == "compiler-artifact"
            and message.get("target", {}).get("name") == BINARY
            and message.get("executable")
        ):
            return Path(message["executable"])
    raise FloorBuildError(f"cargo built bench/floor but reported no `{BINARY}` executable")


def measure(
    endpoint_url: str, table: str, post_event: Path, get_event: Path, rounds: int, warmup: int
) -> dict[str, dict[str, float]]:
    """Median CPU (the process's, all threads) and wall seconds per request of the floor handler:
    `rounds` POSTs of `post_event` (its body's `id` dropped, so each creates a new item), each
    followed by a GET (`get_event` with that item's id), after `warmup` such pairs.
    Returns {"post": {"cpu": s, "wall": s}, "get": {"cpu": s, "wall": s}}."""
    command = [
        str(build()),
        "--endpoint",
        endpoint_url,
        "--table",
        table,
        "--post-event",
        str(post_event),
        "--get-event-template",
        str(get_event),
        "--rounds",
        str(rounds),
        "--warmup",
        str(warmup),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-20:])
        raise FloorRunError(f"the floor binary failed with exit status {done.returncode}:\n{tail}")
    samples: dict[str, dict[str, list[float]]] = json.loads(done.stdout)
    return {request: medians(samples[request]) for request in ("post", "get")}


def medians(times: dict[str, list[float]]) -> dict[str, float]:
    """Median seconds from the binary's microseconds per request."""
    return {
        "cpu": statistics.median(times["cpu_us"]) / 1e6,
        "wall": statistics.median(times["wall_us"]) / 1e6,
    }


def event_with_body(event: Path, body: bytes, directory: Path) -> Path:
    """A copy of a recorded POST event with another body, written in `directory`."""
    data: dict[str, Any] = json.loads(event.read_text(encoding="utf-8"))
    data["body"] = body.decode()
    data["headers"]["content-length"] = str(len(body))
    path = directory / event.name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def main() -> None:
    from bench import workloads
    from py_handler.dynamo_local import Dynoxide, ensure_table, local_client

    tools = Path(os.environ.get("TOOLS_DIR", Path.home() / ".cache" / "dynamo-lambda-tools"))
    os.environ.setdefault("DYNOXIDE_BIN", str(tools / "dynoxide-3.2.0" / "bin" / "dynoxide"))
    table, rounds, warmup = "items", 2000, 200
    post, get = EVENTS / "http_api_post_item.json", EVENTS / "http_api_get_item.json"
    build()
    with Dynoxide() as dynamo, tempfile.TemporaryDirectory() as scratch:
        ensure_table(local_client(dynamo.endpoint_url), table)
        order = workloads.order_1kb()
        bodies = {
            "recorded event (tests/events)": post,
            f"{order.name} (bench.tasks.request's body)": event_with_body(
                post, order.data, Path(scratch)
            ),
        }
        print(f"floor handler, Dynoxide at {dynamo.endpoint_url}, {rounds} rounds, medians:")
        for name, post_event in bodies.items():
            medians = measure(dynamo.endpoint_url, table, post_event, get, rounds, warmup)
            for request, m in medians.items():
                print(
                    f"  {name:<40} {request.upper():<4} cpu {m['cpu'] * 1e6:7.1f} us   "
                    f"wall {m['wall'] * 1e6:7.1f} us"
                )


if __name__ == "__main__":
    main()
