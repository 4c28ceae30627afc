"""Cold start: whole fresh interpreter processes importing each way, and where the import time goes.

    python -m bench.tasks.cold_start [--quick]

Each way runs in repeated fresh processes, interleaved round by round; medians. The children get a
Lambda-like environment (region, dummy credentials, no instance metadata, no AWS config files) and
run from the project root with bytecode caches warmed, as deployed. No network call is made at init.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bench.report import Section, Table
from py_handler.dynamo_local import LOCAL_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
CONVENTIONAL = ROOT / "bench" / "conventional.py"
NO_FILE = str(ROOT / "bench" / ".no-aws-config")  # absent, as in Lambda: no ~/.aws files

BASELINE = "bare boto3 client"
OURS = "our handler (direct client)"
OURS_BOTO3 = "our handler (boto3 store)"
CONVENTIONAL_WAY = "conventional handler"
PYTHON_ALONE = "python alone"

# Each way's statement; None runs `python -c pass`, the interpreter's own start and exit.
WAYS: dict[str, str | None] = {
    PYTHON_ALONE: None,
    "import rust_core": "import rust_core",
    BASELINE: "import boto3; boto3.client('dynamodb')",
    OURS: "import py_handler.app",
    OURS_BOTO3: "import os; os.environ['DYNAMODB_CLIENT'] = 'boto3'; import py_handler.app",
    CONVENTIONAL_WAY: "import bench.conventional",
}

# Timed in a fresh process too: the compile is part of our init, but hidden inside a module body.
SCHEMA_COMPILE = (
    "import time, pathlib, rust_core\n"
    "schema = pathlib.Path('py_handler/schema.json').read_bytes()\n"
    "start = time.perf_counter()\n"
    "rust_core.RecordCodec(schema)\n"
    "print(time.perf_counter() - start)\n"
)
# Our init creates two clients (one tuned for batches); the bare way creates one.
SECOND_CLIENT = (
    "import time, boto3\n"
    "boto3.client('dynamodb')\n"
    "start = time.perf_counter()\n"
    "boto3.client('dynamodb')\n"
    "print(time.perf_counter() - start)\n"
)


def child_env() -> dict[str, str]:
    """A clean, Lambda-like environment: nothing from this shell's AWS or Python settings."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    no_files = {"AWS_CONFIG_FILE": NO_FILE, "AWS_SHARED_CREDENTIALS_FILE": NO_FILE}
    return {**keep, **LOCAL_ENVIRONMENT, **no_files}


ENV = child_env()


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds, from spawn to exit as seen by the parent
    init: float | None  # seconds, in the child, around the statement only
    max_rss_kb: int  # the child's own peak resident set (Linux: KiB)


def timed_code(statement: str | None) -> str:
    """The statement timed in the child, which then prints its time and its peak RSS: VmHWM, of
    this program alone (ru_maxrss would carry the parent's size over from before exec)."""
    return (
        "import time\n"
        "start = time.perf_counter()\n"
        f"{statement or 'pass'}\n"
        "elapsed = time.perf_counter() - start\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
        "print(elapsed, status)\n"
    )


def spawn(code: str, timed: bool = True) -> Sample:
    """One fresh interpreter, reaped with os.wait4 (this child's rusage, not all children's)."""
    argv = [sys.executable, "-c", code]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, env=ENV, cwd=ROOT)
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, _ = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.stdout.close()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{argv[2]!r} failed:\n{err.read().decode()}")
    init, peak_kb = out.split()
    return Sample(wall, float(init) if timed else None, int(peak_kb))


def measure(ways: dict[str, str | None], rounds: int) -> dict[str, list[Sample]]:
    """Interleaved rounds, rotated each round, so a noisy moment lands on every way alike."""
    codes = {name: timed_code(s) for name, s in ways.items()}
    for code in codes.values():
        spawn(code)  # untimed: writes the bytecode caches a deployment ships with
    names = list(codes)
    samples: dict[str, list[Sample]] = {name: [] for name in names}
    for round_no in range(rounds):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(spawn(codes[name], timed=ways[name] is not None))
    return samples


def run_code(code: str, *flags: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter, untimed from outside: for what the child reports itself."""
    done = subprocess.run(
        [sys.executable, *flags, "-c", code],
        env=ENV,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{code!r} failed:\n{done.stderr}")
    return done


def reported_seconds(code: str, runs: int) -> float:
    """The median of what fresh children print: a time they took themselves."""
    return statistics.median(float(run_code(code).stdout.split()[0]) for _ in range(runs))


# -X importtime -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportCost:
    self_us: float  # summed over the group's modules: additive across groups
    cumulative_us: float  # summed over the group's outermost imports: includes what they pulled in


MARKER = "--- bench: the statement starts here ---"
OUTSIDE_IMPORTS = "(the statement's own code)"  # init time in no import's body


def group_of(module: str) -> str:
    """Top-two-level package name: botocore.client, aws_lambda_powertools.event_handler, typing."""
    return ".".join(module.split(".")[:2])


def parse_importtime(stderr: str) -> dict[str, ImportCost]:
    """Per group, the costs of the imports after MARKER (the interpreter's own are left out).

    Lines come in completion order, children before their parent, indented two spaces a level.
    """
    entries: list[tuple[int, int, int, str]] = []  # depth, self, cumulative, module
    for line in stderr.split(MARKER, 1)[1].splitlines():
        if not line.startswith("import time:"):
            continue
        self_us, cumulative_us, name = line.removeprefix("import time:").split("|", 2)
        name = name[1:]  # the separator's space; the rest of the indent is the nesting
        depth = (len(name) - len(name.lstrip(" "))) // 2
        entries.append((depth, int(self_us), int(cumulative_us), name.strip()))
    costs: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    ancestors: list[str] = []  # walking backwards, a parent comes before its children
    for depth, self_us, cumulative_us, module in reversed(entries):
        group = group_of(module)
        del ancestors[depth:]
        costs[group][0] += self_us
        if group not in ancestors:  # not nested in its own group: not counted yet
            costs[group][1] += cumulative_us
        ancestors.append(group)
    return {g: ImportCost(s, c) for g, (s, c) in costs.items()}


@dataclass(frozen=True)
class ImportProfile:
    groups: dict[str, ImportCost]  # median per group over the runs (0 where a run lacks it)
    init_us: float  # median init under -X importtime (which slows it down somewhat)

    @property
    def imports_us(self) -> float:
        return sum(cost.self_us for cost in self.groups.values())

    def by_top_level(self) -> dict[str, float]:
        """Self time per top-level package; module-level code outside any import counted apart."""
        totals: dict[str, float] = defaultdict(float)
        for group, cost in self.groups.items():
            totals[group.split(".")[0]] += cost.self_us
        totals[OUTSIDE_IMPORTS] = max(0.0, self.init_us - self.imports_us)
        return totals

    def top(self, n: int) -> list[tuple[str, ImportCost]]:
        return sorted(self.groups.items(), key=lambda kv: -kv[1].self_us)[:n]


def import_profile(statement: str, runs: int) -> ImportProfile:
    code = f"import sys\nprint({MARKER!r}, file=sys.stderr, flush=True)\n{timed_code(statement)}"
    parsed, inits = [], []
    for _ in range(runs):
        done = run_code(code, "-X", "importtime")
        parsed.append(parse_importtime(done.stderr))
        inits.append(float(done.stdout.split()[0]) * 1e6)
    groups = {g for run in parsed for g in run}
    zero = ImportCost(0.0, 0.0)
    median = {
        g: ImportCost(
            statistics.median(run.get(g, zero).self_us for run in parsed),
            statistics.median(run.get(g, zero).cumulative_us for run in parsed),
        )
        for g in groups
    }
    return ImportProfile(median, statistics.median(inits))


# The section --------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f}"


def more_or_less(seconds: float) -> str:
    return f"{ms(abs(seconds))} ms {'more' if seconds >= 0 else 'less'}"


def times(ratio: float) -> str:
    return f"{ratio:.2g}x" if ratio < 0.01 else f"{ratio:.2f}x"


def median_init(samples: list[Sample]) -> float:
    return statistics.median(s.init for s in samples if s.init is not None)


def init_ratio(samples: list[Sample], baseline: list[Sample]) -> float:
    """Median over rounds of this way's init over the bare client's in the same round."""
    return statistics.median(
        s.init / b.init
        for s, b in zip(samples, baseline, strict=False)
        if s.init is not None and b.init
    )


def ways_table(samples: dict[str, list[Sample]]) -> Table:
    rows = []
    for name, runs in samples.items():
        has_init = runs[0].init is not None
        rows.append(
            [
                name,
                ms(statistics.median(s.wall for s in runs)),
                ms(median_init(runs)) if has_init else "-",
                f"{statistics.median(s.max_rss_kb for s in runs) / 1024:.1f}",
                times(init_ratio(runs, samples[BASELINE])) if has_init else "-",
            ]
        )
    headers = ["way", "process wall (ms)", "init (ms)", "peak RSS (MiB)", "init / bare client"]
    return Table(headers, rows)


def imports_table(profiles: dict[str, ImportProfile], n: int = 10) -> Table:
    """The top groups by self time, the handlers side by side."""
    headers, columns = ["#"], []
    for name, profile in profiles.items():
        headers += [f"{name}: package", "self (ms)", "cumulative (ms)"]
        columns.append(
            [[g, ms(c.self_us / 1e6), ms(c.cumulative_us / 1e6)] for g, c in profile.top(n)]
        )
    rows = []
    for rank in range(n):
        row = [str(rank + 1)]
        for column in columns:
            row += column[rank] if rank < len(column) else ["", "", ""]
        rows.append(row)
    return Table(headers, rows)


def extra_imports(ours: ImportProfile, bare: ImportProfile, n: int = 3) -> list[tuple[str, float]]:
    """Top-level packages costing ours most over the bare client, besides ours and Powertools."""
    mine, theirs = ours.by_top_level(), bare.by_top_level()
    skip = {"py_handler", "rust_core", "aws_lambda_powertools", OUTSIDE_IMPORTS}
    extra = {p: t - theirs.get(p, 0.0) for p, t in mine.items() if p not in skip}
    return sorted(extra.items(), key=lambda kv: -kv[1])[:n]


def findings(
    samples: dict[str, list[Sample]],
    profiles: dict[str, ImportProfile],
    compile_s: float,
    second_client_s: float,
) -> list[str]:
    ours, bare = median_init(samples[OURS]), median_init(samples[BASELINE])
    ratio = init_ratio(samples[OURS], samples[BASELINE])
    met = "met" if ratio <= 0.5 else "not met"
    out = [
        f"Our handler's init, on the direct client, takes {ms(ours)} ms against {ms(bare)} ms "
        f"for a bare `boto3.client('dynamodb')`: {ratio:.2f}x, {more_or_less(ours - bare)}. "
        f"The target (at most 0.5x the bare client) is **{met}**. On the boto3 store it takes "
        f"{ms(median_init(samples[OURS_BOTO3]))} ms "
        f"({init_ratio(samples[OURS_BOTO3], samples[BASELINE]):.2f}x the bare client).",
    ]
    if CONVENTIONAL_WAY in samples:
        conv = median_init(samples[CONVENTIONAL_WAY])
        vs = init_ratio(samples[OURS], samples[CONVENTIONAL_WAY])
        rss = {n: statistics.median(s.max_rss_kb for s in samples[n]) / 1024 for n in samples}
        out.append(
            f"The conventional handler's init takes {ms(conv)} ms: ours is {vs:.2f}x of it "
            f"({more_or_less(ours - conv)}); peak RSS {rss[OURS]:.1f} MiB (ours) against "
            f"{rss[CONVENTIONAL_WAY]:.1f} MiB (conventional) and {rss[BASELINE]:.1f} MiB (bare)."
        )
    rust = median_init(samples["import rust_core"])
    out.append(
        f"`import rust_core` costs {ms(rust)} ms in process and compiling the item schema "
        f"(`RecordCodec(schema.json)`) {ms(compile_s)} ms: together "
        f"{(rust + compile_s) / ours:.1%} of our init."
    )
    out.append(extra_costs(profiles[OURS], profiles[BASELINE], compile_s, second_client_s))
    return out


def extra_costs(
    ours: ImportProfile, bare: ImportProfile, compile_s: float, second_client_s: float
) -> str:
    powertools = ours.by_top_level().get("aws_lambda_powertools", 0.0)
    event_handler = ours.groups.get("aws_lambda_powertools.event_handler", ImportCost(0, 0))
    own = ours.by_top_level().get("py_handler", 0.0)
    others = ", ".join(f"{p} {ms(us / 1e6)} ms" for p, us in extra_imports(ours, bare))
    return (
        "Where our init goes on the direct client (-X importtime; neither boto3 nor botocore "
        f"is imported): Powertools' modules run {ms(powertools / 1e6)} ms of their own code "
        f"(its event_handler package {ms(event_handler.cumulative_us / 1e6)} ms with what it "
        f"imports first); our modules' bodies {ms(own / 1e6)} ms, the schema compile "
        f"{ms(compile_s)} ms among them. The boto3 store pays for its clients on top (the "
        f"bare way's client alone: {ms(bare.by_top_level()[OUTSIDE_IMPORTS] / 1e6)} ms of "
        f"module-body time; a second client ~{ms(second_client_s)} ms). Other packages "
        f"imported more than by the bare client: {others}."
    )


def method(rounds: int, profile_runs: int) -> str:
    return " ".join((
        f"Each way runs in {rounds} fresh interpreter processes",
        f"(`{Path(sys.executable).name} -c`, from the project root), the ways interleaved and",
        "rotated round by round, after one untimed run each to warm the bytecode caches; medians.",
        "*Process wall* is the parent's perf_counter from spawn to exit (interpreter start",
        "included); *init* is the child's perf_counter around the statement alone; *peak RSS* is",
        "the child's own VmHWM (from /proc, read at exit). Children get a Lambda-like environment:",
        "us-east-1, dummy credentials, no instance metadata, no AWS config files, Powertools'",
        "service and namespace; no network call is made at init. The ratio is the median of",
        f"per-round ratios. Import costs come from `-X importtime` ({profile_runs} run(s) per",
        "handler, median per package, inflated by the tracing itself): *self* is the time in a",
        "module's own body summed over its top-two-level package (e.g. `botocore.client`,",
        "`aws_lambda_powertools.event_handler`), additive; *cumulative* adds the imports a",
        "package triggers first, so rows overlap. A module body's own work (e.g. creating",
        "clients) counts as its self time.",
    ))  # fmt: skip


def run(quick: bool) -> Section:
    rounds, profile_runs = (3, 1) if quick else (15, 3)
    ways, unavailable = dict(WAYS), []
    if not CONVENTIONAL.exists():
        del ways[CONVENTIONAL_WAY]
        unavailable.append(("conventional handler", "bench/conventional.py does not exist"))
    samples = measure(ways, rounds)
    handlers = {OURS: ways[OURS], CONVENTIONAL_WAY: ways.get(CONVENTIONAL_WAY)}
    profiles = {n: import_profile(s, profile_runs) for n, s in handlers.items() if s}
    profiles[BASELINE] = import_profile(WAYS[BASELINE] or "", profile_runs)
    compile_s = reported_seconds(SCHEMA_COMPILE, rounds)
    second_client_s = reported_seconds(SECOND_CLIENT, rounds)
    return Section(
        title="Cold start",
        method=method(rounds, profile_runs),
        tables=[
            ways_table(samples),
            imports_table({n: p for n, p in profiles.items() if n != BASELINE}),
        ],
        findings=findings(samples, profiles, compile_s, second_client_s),
        unavailable=unavailable,
    )


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv[1:]).markdown())
