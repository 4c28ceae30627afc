"""Interleaved timing: every way runs once per round (A B C, then B C A, ...), so that the noise of
a shared machine lands on all of them alike; each way's time is its median over the rounds, and its
ratio is the median of its per-round ratios to the baseline measured in the same round."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    seconds: float  # median per call
    ratio: float  # median over rounds of (this way / the baseline), 1.0 for the baseline
    rounds: int


def per_call(fn: Callable[[], object], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        fn()
    return (time.perf_counter() - start) / loops


def loops_for(fn: Callable[[], object], budget: float) -> int:
    """How many calls fill `budget` seconds (at least one), from a short trial."""
    fn()  # warm: first-call costs (imports, caches) are not what a warm Lambda pays
    trial, calls, start = 0.0, 0, time.perf_counter()
    while trial < budget / 10 and calls < 1_000_000:
        fn()
        calls += 1
        trial = time.perf_counter() - start
    return max(1, round(calls * budget / max(trial, 1e-9)))


def compare(
    ways: Mapping[str, Callable[[], object]], baseline: str, *, rounds: int, budget: float
) -> dict[str, Timing]:
    """Times each way in `rounds` interleaved rounds of about `budget` seconds each."""
    names = list(ways)
    loops = {name: loops_for(ways[name], budget) for name in names}
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(rounds):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(per_call(ways[name], loops[name]))
        gc.collect()  # garbage of one round is not charged to the next way
    ratios = {
        name: statistics.median(
            t / b for t, b in zip(samples[name], samples[baseline], strict=False)
        )
        for name in names
    }
    return {name: Timing(statistics.median(samples[name]), ratios[name], rounds) for name in names}
