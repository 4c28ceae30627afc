"""POST /items/batch end to end with a 10,000-record batch, the handler on one core and on two:
does the Rust core's parallel decoding and the writer's threads turn a second core into speed?

    python -m bench.tasks.batch_cores [--quick]

Each core count runs in its own process, pinned with `sched_setaffinity` before anything starts
(rayon sizes its pool from the affinity), calling `py_handler.app.handler` in process on the
direct client against one local Dynoxide, which is not pinned: it serves both alike.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.report import Section, Table, duration
from bench.tasks.request import ROOT, local_dynamodb, recorded
from bench.workloads import batch

CHILD = """
import json, os, sys, time
os.sched_setaffinity(0, set(range(int(sys.argv[1]))))
from py_handler import app
from py_handler.local import LocalContext
event = json.load(open(sys.argv[2]))
records, rounds = int(sys.argv[3]), int(sys.argv[4])
app.handler(event, LocalContext(timeout_seconds=120))  # warm: connections, rayon's pool
seconds = []
for _ in range(rounds):
    start, cpu = time.perf_counter(), time.process_time()
    response = app.handler(event, LocalContext(timeout_seconds=120))
    seconds.append((time.perf_counter() - start, time.process_time() - cpu))
    reply = json.loads(response["body"])
    assert response["statusCode"] == 200 and reply == {"written": records, "failed": []}, reply
print(json.dumps(seconds))
"""


def timed(cores: int, event_path: Path, records: int, rounds: int) -> list[tuple[float, float]]:
    """(wall, process CPU) of each call."""
    env = {**os.environ, "DYNAMODB_CLIENT": "direct"}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(cores), str(event_path), str(records), str(rounds)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return [(wall, cpu) for wall, cpu in json.loads(result.stdout.splitlines()[-1])]


def run(quick: bool) -> Section:
    body = batch(1_000 if quick else 10_000)
    records, rounds = (1_000, 1) if quick else (10_000, 5)
    cores = [1, 2] if (os.cpu_count() or 1) >= 2 else [1]
    event = recorded("http_api_post_batch")
    event["headers"]["content-type"] = "application/json"
    event["body"] = body.data.decode()
    event["headers"]["content-length"] = str(len(body.data))
    with local_dynamodb(), tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "event.json"
        path.write_text(json.dumps(event), encoding="utf-8")
        # Alternated, so that the machine's noise lands on both
        samples: dict[int, list[tuple[float, float]]] = {n: [] for n in cores}
        for _ in range(2 if quick else 3):
            for n in cores:
                samples[n] += timed(n, path, records, rounds)
    medians = {n: statistics.median(wall for wall, _ in s) for n, s in samples.items()}
    cpu = {n: statistics.median(used for _, used in s) for n, s in samples.items()}
    rows = [
        [f"{n} core{'s' if n > 1 else ''}", duration(medians[n]), duration(cpu[n])] for n in cores
    ]
    findings = []
    if len(cores) == 2:
        speedup = medians[1] / medians[2]
        met = "met" if speedup >= 1.8 else "**not met**"
        findings.append(
            f"{body.name} written end to end in {duration(medians[1])} on one core and "
            f"{duration(medians[2])} on two: {speedup:.2f}x faster (target 1.8x: {met}). "
            f"The handler's own process uses {duration(cpu[1])} of CPU per batch on one core "
            f"and {duration(cpu[2])} on two: the rest of the wall time is Dynoxide, on the "
            "same two cores, writing every item to SQLite, which a second core for the handler "
            "cannot shorten."
        )
    return Section(
        title=f"Batch end to end: {body.name}, one core and two",
        method=(
            f"`POST /items/batch` with {body.what} ({len(body.data) / 1e6:.1f} MB) through "
            "`py_handler.app.handler` in process, direct client, against one local Dynoxide; "
            "the handler's process pinned to 1 or 2 cores (`sched_setaffinity`, before rayon's "
            f"pool starts), Dynoxide not pinned. {rounds} timed calls per process after one "
            "warm-up, processes alternating between core counts; wall time, medians; every call "
            "checked to answer 200 with every record written. CPU: the handler process's "
            "`time.process_time` (every thread) per call."
        ),
        tables=[Table(["handler on", "wall per batch", "handler process CPU per batch"], rows)],
        findings=findings,
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv).markdown())
