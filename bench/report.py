"""What every task returns, and the Markdown it becomes (bench/RESULTS.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench.timing import Timing

PLOTS = Path(__file__).resolve().parent / "plots"


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.headers) + " |", "|" + " --- |" * len(self.headers)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


@dataclass
class Section:
    title: str
    method: str  # what was measured and how, in a sentence or two
    tables: list[Table] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # answers, with numbers
    plots: list[Path] = field(default_factory=list)  # PNG files under bench/plots
    # Peers that could not run here: (name with version, exact reason).
    unavailable: list[tuple[str, str]] = field(default_factory=list)

    def markdown(self) -> str:
        parts = [f"## {self.title}", self.method]
        parts += [table.markdown() for table in self.tables]
        parts += ["\n".join(f"- {finding}" for finding in self.findings)] if self.findings else []
        parts += [f"![{p.stem}](plots/{p.name})" for p in self.plots]
        if self.unavailable:
            parts.append("Not run: " + "; ".join(f"{n} ({why})" for n, why in self.unavailable))
        return "\n\n".join(parts)


def duration(seconds: float) -> str:
    """3 significant figures, in the unit that reads best."""
    if seconds < 1e-8:
        return "<0.01 us"  # measurement noise, not a cost
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale or unit == "us":
            value = seconds / scale
            return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.3g} {unit}"
    raise AssertionError("unreachable")


def ratio(timing: Timing) -> str:
    """A time relative to the baseline's: `0.12x`; below 0.01x, two significant figures."""
    value = timing.ratio
    return f"{value:.2g}x" if value < 0.01 else f"{value:.3f}x" if value < 1 else f"{value:.2f}x"
