"""JSON body to item and item to JSON, and the boto3 drop-ins on Python values: every peer on every
single-record body, against boto3 with the standard library's json."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from typing import Any

import orjson

import rust_core
from bench import peers
from bench.report import Section, Table, duration, ratio
from bench.timing import Timing, compare
from bench.workloads import SINGLE, Body, as_values

# What each operation is given, from one body: the body, its item (B as bytes, as the boto3 client
# returns it), or its Python values (numbers as Decimal).
OPERATIONS: dict[str, tuple[str, Callable[[bytes], Any]]] = {
    "json_to_item": ("JSON body -> item", lambda body: body),
    "item_to_json": ("item -> JSON", rust_core.json_to_item),
    "serialize_item": ("Python values -> item (drop-in)", as_values),
    "deserialize_item": ("item -> Python values (drop-in)", rust_core.json_to_item),
}
# The guide's targets for rust_core's JSON fast paths: within 2x orjson doing the plain-JSON half
# of the job alone (parsing the body into Python values; writing those values as JSON), timed
# against it in rounds of their own. The drop-ins have no target of their own: boto3 is the bar.
ORJSON_REFERENCE: dict[str, tuple[str, Callable[[bytes], Callable[[], object]]]] = {
    "json_to_item": ("orjson.loads", lambda body: lambda: orjson.loads(body)),
    "item_to_json": ("orjson.dumps", lambda body: partial(orjson.dumps, orjson.loads(body))),
}
WITHIN_ORJSON = 2.0


def runnable(peer: peers.Peer, operation: str, argument: Any) -> Callable[[], object] | str:
    """The timed call, or why the peer cannot run on this input."""
    fn = getattr(peer, operation)
    try:
        fn(argument)
    except Exception as exc:
        return f"fails: {type(exc).__name__}"
    return lambda: fn(argument)


def verdict(peer: peers.Peer, operation: str, bodies: list[Body]) -> str:
    edge = peers.differences(peer, operation)
    wrong = [d for d in edge if d.wrong]
    if any(d.wrong for d in peers.workload_differences(peer, operation, bodies)):
        return "**wrong on these bodies**"
    if wrong:
        return f"wrong on {len(wrong)} edge case{'s' * (len(wrong) > 1)}"
    return "right, other number text" if edge else "exact"


def measure(operation: str, all_peers: list[peers.Peer], quick: bool) -> Section:
    title, prepare = OPERATIONS[operation]
    able = [p for p in all_peers if getattr(p, operation) is not None]
    bodies = [make() for make in SINGLE]
    headers = ["peer", *(b.name for b in bodies), "answers"]
    cells: dict[str, list[str]] = {p.name: [] for p in able}
    ours: dict[str, Timing] = {}
    against_orjson: dict[str, Timing] = {}
    for body in bodies:
        argument = prepare(body.data)
        ways: dict[str, Callable[[], object]] = {}
        for peer in able:
            call = runnable(peer, operation, argument)
            if isinstance(call, str):
                cells[peer.name].append(call)
            else:
                ways[peer.name] = call
        rounds, budget = (3, 0.01) if quick else (9, 0.08 if len(body.data) < 100_000 else 0.25)
        timings = compare(ways, peers.BASELINE, rounds=rounds, budget=budget)
        for name, timing in timings.items():
            cells[name].append(f"{duration(timing.seconds)} ({ratio(timing)})")
        ours[body.name] = timings["rust_core"]
        if operation in ORJSON_REFERENCE:
            plain, reference = ORJSON_REFERENCE[operation]
            pair = {"rust_core": ways["rust_core"], plain: reference(body.data)}
            timed = compare(pair, plain, rounds=rounds, budget=budget)
            against_orjson[body.name] = timed["rust_core"]
    rows = [[p.name, *cells[p.name], verdict(p, operation, bodies)] for p in able]
    reached = ", ".join(f"{ratio(t)} at {name}" for name, t in ours.items())
    findings = [f"rust_core takes {reached} of the baseline's time."]
    if against_orjson:
        plain = ORJSON_REFERENCE[operation][0]
        times = ", ".join(f"{t.ratio:.2f}x at {size}" for size, t in against_orjson.items())
        met = all(t.ratio <= WITHIN_ORJSON for t in against_orjson.values())
        findings.append(
            f"Against `{plain}` alone on the same body (plain Python values, no item): "
            f"`{operation}` takes {times} its time; the guide's target (within "
            f"{WITHIN_ORJSON:g}x) is " + ("met." if met else "**not met**.")
        )
    findings.append(exact_peers(able, rows))
    differences = Table(
        ["peer", "first differences on edge cases (found by running them)"],
        [
            [p.name, "; ".join(d.text + ("" if d.wrong else " (cosmetic)") for d in diffs[:3])]
            for p in able
            if (diffs := peers.differences(p, operation))
        ],
    )
    return Section(
        title=title,
        method=(
            f"Median time per call over interleaved rounds ({rounds if quick else 9}), and in "
            f"parentheses the median per-round ratio to `{peers.BASELINE}`. 'answers' runs each "
            "peer on edge cases (sets, binary, 38-digit numbers, exponents) and on these bodies: "
            "a fast wrong answer is marked as wrong."
        ),
        tables=[Table(headers, rows), differences] if differences.rows else [Table(headers, rows)],
        findings=findings,
    )


def exact_peers(able: list[peers.Peer], rows: list[list[str]]) -> str:
    """A sentence naming the other peers whose answers match boto3's."""
    right = [
        p
        for p, row in zip(able, rows, strict=False)
        if row[-1] in ("exact", "right, other number text")
    ]
    others = [p.name for p in right if p.name not in ("rust_core", peers.BASELINE)]
    if not others:
        return "No other peer gives the right answer on every edge case."
    return f"Other peers right on every edge case: {', '.join(others)}."


def roster(found: list[peers.Peer], unavailable: list[peers.Unavailable]) -> Section:
    """Who is measured, in which versions, and who could not be (with the exact reason)."""
    operations = {op: OPERATIONS[op][0] for op in OPERATIONS}
    rows = [
        [p.name, peers.versions(p),
         ", ".join(title for op, title in operations.items() if getattr(p, op) is not None),
         p.note]
        for p in found
    ]  # fmt: skip
    return Section(
        title="Peers",
        method=(
            f"Each peer is an adapter in `bench/peers.py`; `{peers.BASELINE}` is the baseline. "
            "The schema-validation peers (jsonschema, fastjsonschema, Powertools' validation and "
            "parser with pydantic) are in their own task below."
        ),
        tables=[Table(["peer", "versions", "operations", "note"], rows)],
        unavailable=[(f"{u.name} {u.version}", u.reason) for u in unavailable],
    )


def run(quick: bool) -> list[Section]:
    found, unavailable = peers.load()
    return [roster(found, unavailable), *(measure(op, found, quick) for op in OPERATIONS)]


if __name__ == "__main__":
    for section in run(quick="--quick" in sys.argv):
        print(section.markdown(), end="\n\n")
