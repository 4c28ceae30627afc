"""Hostile requests, in-process: the function (py_handler.app.handler) with each DynamoDB client,
running with distinctive credentials; the CPU time of every request it answers, printed as a
table at the end of the session (worst first); and the function's log output, captured as the
Lambda runtime would write it (UTF-8, strict) for the log-safety tests. `seeded`, `use_schema`
and `any_object` come from tests/conftest.py.
"""

from __future__ import annotations

import gc
import io
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from py_handler.local import LocalContext
from tests.support import REQUEST_ID, EventFactory, Reply, order, reply_to, use_store

from .support import CPU_BUDGET_MS, CREDENTIALS, FORMAT_IDS, FORMATS, http_event, rest_event

if TYPE_CHECKING:
    from _pytest.terminal import TerminalReporter


@dataclass(frozen=True)
class Sample:
    """One request's CPU time."""

    test: str
    request: str
    status: int
    cpu_ms: float


SAMPLES: list[Sample] = []


@pytest.fixture(scope="session")
def app(dynamodb_endpoint: str, dynamodb_client: str) -> Iterator[ModuleType]:
    """py_handler.app, its store connected with each DynamoDB client in turn, signing with
    CREDENTIALS (read from the environment, as in Lambda), warmed up: the first calls of a
    client load what later ones reuse, and are no hostile request's cost."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in CREDENTIALS.items():
            patch.setenv(name, value)
        from py_handler import app, routes
        from py_handler.store import connect

        store = connect(routes.store.table_name, dynamodb_client)
        use_store(patch, store)
        _warm_up(app)
        # What the session holds so far (test items, big bodies) is no request's garbage: out
        # of the collector's way, so that a collection during a request costs what it would in
        # Lambda, not what this process's heap makes it cost
        gc.collect()
        gc.freeze()
        try:
            yield app
        finally:
            gc.unfreeze()


def _warm_up(app: ModuleType) -> None:
    records = [order(id="warm-1"), order(id="warm-2")]
    for method, target, body in [
        ("POST", "/items", json.dumps(records[0])),
        ("GET", "/items/warm-1", None),
        ("GET", "/items?limit=10", None),
        ("POST", "/items/batch", json.dumps(records)),
        ("PUT", "/items/warm-2", '{"id": 7}'),
        ("POST", "/items", "{"),
        ("DELETE", "/items/warm-1", None),
        ("DELETE", "/items/warm-2", None),
        ("GET", "/items/warm-1", None),
    ]:
        event = json.loads(json.dumps(http_event(method, target, body)))
        app.handler(event, LocalContext(aws_request_id=REQUEST_ID))


@dataclass(repr=False)
class Api:
    """Sends events to the function as the Lambda runtime does (through JSON both ways) and
    measures each call's CPU time (time.process_time: every thread of the process)."""

    app: ModuleType
    test: str
    cpu_ms: float = 0.0  # the last request's
    cpu: list[float] = field(default_factory=list)  # every request's, in order
    _last: float = 0.0

    def __repr__(self) -> str:
        return f"Api({self.test})"

    def send(self, event: Any, *, context: Any = None, repeat: int = 1) -> Reply:
        """The function's reply to `event`. With `repeat`, the same request is sent that many
        times (it must get the same reply each time) and `cpu_ms` is the least CPU time any
        took: for heavy bodies, on a shared machine whose noise is as large as their cost."""
        replies = []
        times = []
        for _ in range(repeat):
            replies.append(self._call(event, context))
            times.append(self._last)
        assert all(reply == replies[0] for reply in replies), "a repeated request got another reply"
        self.cpu_ms = min(times)
        self.cpu.append(self.cpu_ms)
        SAMPLES.append(Sample(self.test, _describe(event), replies[0].status, self.cpu_ms))
        return replies[0]

    def _call(self, event: Any, context: Any) -> Reply:
        event = json.loads(json.dumps(event))
        context = LocalContext(aws_request_id=REQUEST_ID) if context is None else context
        started = time.process_time()
        response = self.app.handler(event, context)
        self._last = (time.process_time() - started) * 1000
        return reply_to(json.loads(json.dumps(response)))


def _describe(event: Any) -> str:
    if not isinstance(event, dict):
        return f"event {type(event).__name__}"
    if event.get("version") == "2.0":
        method = event.get("requestContext", {}).get("http", {}).get("method")
        path = event.get("rawPath")
    else:
        method, path = event.get("httpMethod"), event.get("path")
    text = ascii(path)[1:-1] if isinstance(path, str) else "?"
    return f"{method} {text[:40]}{'...' if len(text) > 40 else ''}"


@pytest.fixture
def api(app: ModuleType, request: pytest.FixtureRequest) -> Api:
    return Api(app, request.node.nodeid.removeprefix("tests/hostile/"))


@pytest.fixture(params=FORMATS, ids=FORMAT_IDS)
def make_event(request: pytest.FixtureRequest) -> EventFactory:
    """Either payload format: both must answer alike."""
    factory: EventFactory = request.param
    return factory


@pytest.fixture
def http_api() -> EventFactory:
    """HTTP API events, for tests whose point is the body (see support.BODY_WRITES)."""
    return http_event


@pytest.fixture
def rest_api() -> EventFactory:
    """REST API events, for tests whose point is the body (see support.BODY_WRITES)."""
    return rest_event


# -- Logs ----------------------------------------------------------------------------------------


class Logs:
    """What the function logged during a test: its Powertools Logger's output, written to a
    strict UTF-8 stream as Lambda's stdout is (a record that cannot be written so is lost, and
    Python reports it on stderr), and every record a library logs at WARNING or above (the
    Lambda runtime's root handler writes those to the same log)."""

    def __init__(self) -> None:
        self.raw = io.BytesIO()
        self.stream = io.TextIOWrapper(
            self.raw, encoding="utf-8", errors="strict", write_through=True
        )
        self.libraries: list[str] = []

    def text(self) -> str:
        self.stream.flush()
        return self.raw.getvalue().decode("utf-8")

    def lines(self) -> list[str]:
        """The Logger's lines, split as CloudWatch splits them: at line feeds."""
        return [line for line in self.text().split("\n") if line]


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(self.format(record))


@pytest.fixture
def logs(app: ModuleType) -> Iterator[Logs]:
    """The function's log output during the test (see `Logs`)."""
    captured = Logs()
    service = logging.getLogger(app.logger.service)
    streams = [h for h in service.handlers if isinstance(h, logging.StreamHandler)]
    assert streams, "the function's Logger writes to a stream"
    previous = [handler.setStream(captured.stream) for handler in streams]
    collector = _Collect(captured.libraries)
    root = logging.getLogger()
    root.addHandler(collector)
    try:
        yield captured
    finally:
        root.removeHandler(collector)
        for handler, stream in zip(streams, previous, strict=True):
            handler.setStream(stream)


# -- The CPU table -------------------------------------------------------------------------------


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    """Every hostile request's CPU time, worst first, and the worst one named."""
    if not SAMPLES:
        return
    write = terminalreporter.write_line
    over = [sample for sample in SAMPLES if sample.cpu_ms >= CPU_BUDGET_MS]
    terminalreporter.write_sep(
        "=",
        f"CPU time of {len(SAMPLES)} hostile requests (budget {CPU_BUDGET_MS:.0f} ms each, "
        f"{len(over)} over)",
    )
    write(f"{'CPU ms':>9}  status  test  (request)")
    for sample in sorted(SAMPLES, key=lambda sample: sample.cpu_ms, reverse=True):
        write(f"{sample.cpu_ms:9.2f}  {sample.status:>6}  {sample.test}  ({sample.request})")
    worst = max(SAMPLES, key=lambda sample: sample.cpu_ms)
    write(f"worst: {worst.cpu_ms:.2f} ms of CPU, {worst.test} ({worst.request})")
