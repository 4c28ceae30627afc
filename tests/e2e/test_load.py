"""`make load`'s smoke version: a short bounded load run (bench/load.py) against one local server,
with each DynamoDB client, whose table must hold exactly the acknowledged writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 300
CLIENTS = 4


def test_a_short_load_run_leaves_exactly_the_acknowledged_writes(
    dynamodb_client: str, tmp_path: Path
) -> None:
    report = tmp_path / "load.json"
    command = [
        sys.executable, "-m", "bench.load",
        "--requests", str(REQUESTS), "--clients", str(CLIENTS), "--servers", "1",
        "--seconds", "30", "--client", dynamodb_client, "--json", str(report),
    ]  # fmt: skip
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    output = f"{finished.stdout}\n{finished.stderr}"
    assert finished.returncode == 0, output
    document: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    assert document["ok"], output
    (run,) = document["runs"]
    assert run["client"] == dynamodb_client
    assert run["requests"] == REQUESTS, output  # all sent, none cut by the time cap
    assert run["error_count"] == 0 and run["errors"] == [] and run["problems"] == [], output
    assert run["server_log_errors"] == 0, output
    statuses = run["statuses"]
    assert not any(s.startswith("5") or not s.isdigit() for s in statuses), statuses
    # Every kind of request was made, and each kind was answered as expected
    assert len(run["operations"]) >= 9, run["operations"].keys()
    accounting = run["accounting"]
    assert run["accounting_ok"], accounting
    assert accounting["expected"] > 0
    assert accounting["items"] == accounting["expected"] == accounting["matched"], accounting
    for key in ("missing", "wrong", "unexpected", "duplicates", "deleted_present",
                "rejected_present", "uncertain_applied", "uncertain_not_applied",
                "uncertain_other"):  # fmt: skip
        assert accounting[key] == [], (key, accounting[key])
