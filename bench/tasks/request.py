"""The full request path, in process: our handler (py_handler.app) against the conventional one
(bench.conventional), both writing to and reading from one local DynamoDB (Dynoxide).

    python -m bench.tasks.request [--quick]

Per request: wall time, interleaved; then where each handler's time goes (rust_core, handler and
Powertools, botocore, other, and waiting for DynamoDB), metered and from a thread-CPU profile.
"""

from __future__ import annotations

import contextlib
import cProfile
import functools
import gc
import json
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

from boto3.dynamodb.types import TypeDeserializer
from boto3.resources.action import ServiceAction
from botocore.client import BaseClient

from bench import workloads
from bench.report import Section, Table, duration, ratio
from bench.timing import Timing, compare
from py_handler.dynamo_local import LOCAL_ENVIRONMENT, Dynoxide, ensure_table, local_client
from py_handler.local import LocalContext

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "tests" / "events"
TABLE_NAME = LOCAL_ENVIRONMENT["TABLE_NAME"]
CONVENTIONAL = "conventional"
OURS = "ours, direct client"
OURS_BOTO3 = "ours, boto3 store"
POST = "POST /items"
GET = "GET /items/{id}"
PUT = "PUT /items/{id}"
LIST = "GET /items?limit=25"
BATCH = "POST /items/batch (1,000 orders)"
BATCH_RECORDS = 1_000


RUST_CORE = "rust_core"
HANDLER = "handler + Powertools"
BOTOCORE = "DynamoDB client"  # botocore, or the direct client's signing and HTTP exchange
OTHER = "other"
CATEGORIES = (RUST_CORE, HANDLER, BOTOCORE, OTHER)
# Code whose self time is its own category's, by path. Any other code (the rest of the standard
# library, builtins, jmespath, ...) serves several masters: its time is charged to its callers.
OWNERS = (
    (RUST_CORE, ("/rust_core/",)),
    (HANDLER, ("/py_handler/", "/bench/conventional.py", "/aws_lambda_powertools/", "/pydantic/",
               "/pydantic_core/", "/uuid.py")),
    (BOTOCORE, ("/botocore/", "/boto3/", "/urllib3/", "/http/client.py", "/ssl.py", "/socket.py",
                "/email/", "/hashlib.py", "/hmac.py")),
)  # fmt: skip

USAGE_ROUNDS = 10

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
FuncKey = tuple[str, int, str]  # pstats' (file, line, function)


# -- Setup ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def local_dynamodb() -> Iterator[str]:
    """The endpoint to use (AWS_ENDPOINT_URL_DYNAMODB's, else a Dynoxide started for the run), with
    the function's environment set and the table created."""
    with contextlib.ExitStack() as stack:
        url = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
        if url is None:
            url = stack.enter_context(Dynoxide()).endpoint_url
        stack.enter_context(mock.patch.dict(os.environ, LOCAL_ENVIRONMENT))
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = url
        os.environ.pop("AWS_PROFILE", None)
        ensure_table(local_client(url), TABLE_NAME)
        yield url


def import_handlers() -> dict[str, Handler]:
    """The handlers, imported (their init run) once the environment is set: the conventional
    one, and ours with each DynamoDB client (DYNAMODB_CLIENT)."""
    from bench import conventional
    from py_handler import app, routes, store

    def ours(client: str) -> Handler:
        chosen = store.connect(TABLE_NAME, client)
        writer = routes.batch_writer(chosen)

        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            routes.store, routes.writer = chosen, writer
            return app.handler(event, context)

        return handler

    return {CONVENTIONAL: conventional.handler, OURS: ours("direct"), OURS_BOTO3: ours("boto3")}


def recorded(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


def post_event(body: bytes) -> dict[str, Any]:
    event = recorded("http_api_post_item")
    event["body"] = body.decode()
    event["headers"]["content-length"] = str(len(body))
    return event


def put_event(item_id: str, body: bytes) -> dict[str, Any]:
    event = recorded("http_api_put_item")
    path = f"/items/{item_id}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"id": item_id}
    event["body"] = body.decode()
    event["headers"]["content-length"] = str(len(body))
    return event


def list_event(limit: int) -> dict[str, Any]:
    event = recorded("http_api_list_items")
    event["rawQueryString"] = f"limit={limit}"
    event["queryStringParameters"] = {"limit": str(limit)}
    return event


def batch_event(body: bytes) -> dict[str, Any]:
    event = recorded("http_api_post_batch")
    event["headers"]["content-type"] = "application/json"
    event["body"] = body.decode()
    event["headers"]["content-length"] = str(len(body))
    return event


def check_more_answers(
    handlers: Mapping[str, Handler], client: DynamoDBClient, events: Mapping[str, Any]
) -> None:
    """PUT stores the order as sent, a batch writes every record, a list page (of a table that
    holds the batch) holds 25 items: alike for every handler."""
    context = LocalContext()
    for name, handler in handlers.items():
        put = events[PUT]
        replaced = handler(put, context)
        item_id = put["pathParameters"]["id"]
        if replaced["statusCode"] != 200:
            raise Disagree(f"{name}: PUT answered {replaced['statusCode']}")
        expected = {**workloads.as_values(put["body"].encode()), "id": item_id}
        if stored(client, item_id) != expected:
            raise Disagree(f"{name}: PUT did not store the order sent")
        batch = handler(events[BATCH], context)
        reply = json.loads(batch["body"])
        if batch["statusCode"] != 200 or reply != {"written": BATCH_RECORDS, "failed": []}:
            raise Disagree(f"{name}: the batch answered {batch['statusCode']} {reply}")
        page = handler(events[LIST], context)
        if page["statusCode"] != 200 or len(json.loads(page["body"])["items"]) != 25:
            raise Disagree(f"{name}: the list did not answer a page of 25")


def get_event(item_id: str) -> dict[str, Any]:
    event = recorded("http_api_get_item")
    path = f"/items/{item_id}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"id": item_id}
    return event


# -- Same answers first ---------------------------------------------------------------------------


class Disagree(RuntimeError):
    """The handlers do not answer alike: timing them would compare different work."""


def stored(client: DynamoDBClient, item_id: str) -> dict[str, Any]:
    """The item as stored, numbers as Decimal."""
    key: Any = {"id": {"S": item_id}}
    item = client.get_item(TableName=TABLE_NAME, Key=key, ConsistentRead=True).get("Item", {})
    deserializer = TypeDeserializer()
    return {name: deserializer.deserialize(value) for name, value in item.items()}


def check_same_answers(handlers: Mapping[str, Handler], client: DynamoDBClient, body: bytes) -> str:
    """The handlers store the order as sent and read it back alike, and answer the error cases
    with the same statuses; returns the id of a stored item, to GET."""
    record = workloads.as_values(body)
    context = LocalContext()
    ids: dict[str, str] = {}
    for name, handler in handlers.items():
        created = handler(post_event(body), context)
        if created["statusCode"] != 201:
            raise Disagree(f"{name}: POST answered {created['statusCode']}, not 201")
        ids[name] = created["headers"]["Location"].rsplit("/", 1)[1]
        item = stored(client, ids[name])
        if {k: v for k, v in item.items() if k != "id"} != record:
            raise Disagree(f"{name}: the stored item is not the order sent")
    item_id = ids[OURS]
    for name, handler in handlers.items():
        found = handler(get_event(item_id), context)
        if found["statusCode"] != 200 or json.loads(found["body"], parse_float=Decimal) != stored(
            client, item_id
        ):
            raise Disagree(f"{name}: GET does not answer the stored item")
        statuses = [handler(event, context)["statusCode"] for event in error_cases(name, body)]
        if statuses != [201, 409, 422, 400, 404]:
            raise Disagree(f"{name}: error cases answered {statuses}")
    return item_id


def error_cases(name: str, body: bytes) -> list[dict[str, Any]]:
    """A new id, the same id again, an invalid order, malformed JSON, an unknown id."""
    record = json.loads(body)
    with_id = workloads.dumps({"id": f"{name.split()[0]}-{uuid.uuid4()}", **record})
    invalid = workloads.dumps({**record, "lines": []})
    malformed = b'{"customer": '
    posts = [post_event(data) for data in (with_id, with_id, invalid, malformed)]
    return [*posts, get_event("no-such-item")]


# -- Where the time goes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    wall: float  # seconds per request, unprofiled
    cpu: float  # this thread's CPU seconds per request, unprofiled
    parts: dict[str, float]  # that CPU by category, summing to it
    top: str  # the function with the most self time in the profile
    top_share: float  # its fraction of the profile's self time

    def seconds(self, category: str) -> float:
        return self.parts[category]

    @property
    def waiting(self) -> float:
        return max(0.0, self.wall - self.cpu)


class GcClock:
    """Thread CPU spent collecting garbage, from gc.callbacks."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.thread_time()
        else:
            self.seconds += time.thread_time() - self._start


class Meter:
    """Thread CPU spent inside some functions, from the outermost entry when they nest, less the
    collections that happen to run there."""

    def __init__(self, gc_clock: GcClock) -> None:
        self.seconds = 0.0
        self._gc = gc_clock
        self._depth = 0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def metered(*args: Any, **kwargs: Any) -> Any:
            if self._depth:
                return fn(*args, **kwargs)
            self._depth += 1
            start, collecting = time.thread_time(), self._gc.seconds
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - start - (self._gc.seconds - collecting)
                self._depth -= 1

        return metered


@contextlib.contextmanager
def metered() -> Iterator[tuple[Meter, GcClock]]:
    """Meters every DynamoDB call, a client's (any API call goes through `_make_api_call`, which
    sends, waits and parses) or a resource's (Table.put_item converts the item first), or the
    direct client's exchange (signing, sending, waiting, the checksum), and the garbage
    collector."""
    from py_handler.direct import DirectStore

    gc_clock = GcClock()
    meter = Meter(gc_clock)
    with contextlib.ExitStack() as stack:
        calls = [(BaseClient, "_make_api_call"), (ServiceAction, "__call__")]
        for owner_class, name in [*calls, (DirectStore, "_send")]:
            stack.enter_context(
                mock.patch.object(owner_class, name, meter.wrap(getattr(owner_class, name)))
            )
        gc.callbacks.append(gc_clock)
        stack.callback(gc.callbacks.remove, gc_clock)
        yield meter, gc_clock


@dataclass(frozen=True)
class Usage:
    """Seconds per request, unprofiled."""

    wall: float
    cpu: float  # this thread's
    botocore: float  # CPU inside boto3/botocore calls
    collector: float  # CPU collecting garbage


def usage(
    call: Callable[[], object], requests: int, clock: Callable[[], float] = time.thread_time
) -> Usage:
    with metered() as (botocore, collector):
        wall, cpu = time.perf_counter(), clock()
        for _ in range(requests):
            call()
        wall, cpu = time.perf_counter() - wall, clock() - cpu
    return Usage(
        wall / requests, cpu / requests, botocore.seconds / requests, collector.seconds / requests
    )


def usages(
    ways: Mapping[str, Callable[[], object]],
    requests: int,
    clock: Callable[[], float] = time.thread_time,
) -> dict[str, Usage]:
    """Each way's usage in interleaved rounds, as bench.timing times them (a shared machine's
    noise lands on all alike): its round of median CPU, whose parts add up."""
    names, samples = list(ways), {name: list[Usage]() for name in ways}
    rounds = min(USAGE_ROUNDS, requests)
    for round_no in range(rounds):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(usage(ways[name], requests // rounds, clock))
    return {name: sorted(s, key=lambda u: u.cpu)[len(s) // 2] for name, s in samples.items()}


def split(used: Usage, profiled: Profiled, requests: int) -> Split:
    """A request's CPU by category: botocore's and the collector's as metered; rust_core's from
    the profile; the rest divided between handler + Powertools and other as the profile does."""
    charged = profiled.charge()
    # Reading the clock costs the profiler ~1 us per call it records, several times what most
    # calls cost: its shares would inflate botocore's thousands of small calls. rust_core's few
    # calls it barely touches: their self time stands as measured.
    rust_core = charged[RUST_CORE] / requests
    rest = used.cpu - used.botocore - used.collector - rust_core
    own = charged[HANDLER] / ((charged[HANDLER] + charged[OTHER]) or 1.0)
    top = max(profiled.stats, key=profiled.self_time)
    return Split(
        wall=used.wall,
        cpu=used.cpu,
        parts={
            RUST_CORE: rust_core,
            HANDLER: rest * own,
            BOTOCORE: used.botocore,
            OTHER: rest * (1 - own) + used.collector,
        },
        top=profiled.describe(top),
        top_share=profiled.self_time(top) / sum(charged.values()),
    )


def splits_of(
    ways: Mapping[str, Callable[[], object]],
    requests: int,
    clock: Callable[[], float] = time.thread_time,
) -> dict[str, Split]:
    used = usages(ways, requests, clock)
    return {
        name: split(used[name], profile(call, requests), requests) for name, call in ways.items()
    }


def profile(call: Callable[[], object], requests: int) -> Profiled:
    """`requests` calls under cProfile with a thread-CPU timer: self times are CPU, not waiting.
    Without the collector: it runs wherever an allocation trips it, and would be charged there."""
    gc.collect()
    gc.disable()
    try:
        profiler = cProfile.Profile(time.thread_time)
        profiler.enable()
        for _ in range(requests):
            call()
        profiler.disable()
    finally:
        gc.enable()
    return Profiled(pstats.Stats(profiler).stats)  # type: ignore[attr-defined]


class Profiled:
    """A profile's self times, charged to the categories."""

    def __init__(self, stats: Mapping[FuncKey, Any]) -> None:
        self.stats = stats

    def self_time(self, func: FuncKey) -> float:
        seconds: float = self.stats[func][2]
        return seconds

    def callers(self, func: FuncKey) -> dict[FuncKey, float]:
        """func's self time by caller (pstats' callers: {caller: (calls, primitive, self, cum)})."""
        return {
            caller: seconds
            for caller, (_, _, seconds, _) in self.stats[func][4].items()
            if caller in self.stats
        }

    def charge(self) -> dict[str, float]:
        """Self time by category: each function's to its owner; that of the rest (standard
        library, builtins) handed up to their callers, in proportion to the self time each call
        site accounts for, until it reaches an owner. Recursions hand it round until it leaves."""
        seconds = dict.fromkeys(CATEGORIES, 0.0)
        unowned: dict[FuncKey, float] = defaultdict(float)
        for func in self.stats:
            category = owner(func)
            if category is None:
                unowned[func] += self.self_time(func)
            else:
                seconds[category] += self.self_time(func)
        floor = 1e-6 * sum(self.self_time(func) for func in self.stats)
        for _ in range(1000):
            if sum(unowned.values()) <= floor:
                break
            handed: dict[FuncKey, float] = defaultdict(float)
            for func, amount in unowned.items():
                callers = {c: t for c, t in self.callers(func).items() if c != func}
                total = sum(callers.values())
                if not callers:  # the bench's own loop
                    seconds[OTHER] += amount
                for caller, own in callers.items():
                    share = amount * (own / total if total > 0 else 1 / len(callers))
                    category = owner(caller)
                    if category is None:
                        handed[caller] += share
                    else:
                        seconds[category] += share
            unowned = handed
        seconds[OTHER] += sum(unowned.values())
        return seconds

    def describe(self, func: FuncKey) -> str:
        """A function by name and place; a builtin with its main caller."""
        filename, line, name = func
        if filename != "~":
            return f"`{name}` ({short(filename)}:{line})"
        callers = self.callers(func)
        if not callers:
            return f"`{name}`"
        caller = max(callers, key=callers.__getitem__)
        return f"`{name}`, mostly from `{caller[2]}` ({short(caller[0])}:{caller[1]})"


def owner(func: FuncKey) -> str | None:
    filename, _, name = func
    if filename == "~":  # a builtin: only rust_core's are known by name
        if "sign_v4" in name:  # the direct client's signing: metered as the client's
            return BOTOCORE
        return RUST_CORE if "rust_core" in name else None
    path = filename.replace(os.sep, "/")
    return next((cat for cat, parts in OWNERS if any(part in path for part in parts)), None)


def short(filename: str) -> str:
    path = filename.replace(os.sep, "/")
    for marker in ("/site-packages/", f"{ROOT.as_posix()}/", "/lib/python"):
        path = path.split(marker, 1)[-1]
    return path


# -- The section ----------------------------------------------------------------------------------


def run(quick: bool) -> Section:
    rounds, budget, requests = (3, 0.05, 50) if quick else (9, 0.5, 500)
    body = workloads.order_1kb().data
    # Requests per handler for the time split: a batch lasts a hundred single requests
    counts = {POST: requests, GET: requests, PUT: requests, LIST: requests // 2}
    counts[BATCH] = max(3, requests // 50)
    with local_dynamodb() as url, open(os.devnull, "w") as devnull:
        handlers = import_handlers()  # before the redirection: loggers keep the real stdout
        # Powertools prints each request's metrics: the same cost for both, not our output.
        with contextlib.redirect_stdout(devnull):
            item_id = check_same_answers(handlers, local_client(url), body)
            context = LocalContext()
            events = {
                POST: post_event(body),
                GET: get_event(item_id),
                PUT: put_event(item_id, body),
                LIST: list_event(25),
                BATCH: batch_event(workloads.batch(BATCH_RECORDS).data),
            }
            check_more_answers(handlers, local_client(url), events)
            calls = {
                request: {
                    name: functools.partial(h, event, context) for name, h in handlers.items()
                }
                for request, event in events.items()
            }
            timings = {
                request: compare(ways, CONVENTIONAL, rounds=rounds, budget=budget)
                for request, ways in calls.items()
            }
            # A batch works on several threads (rayon's, the writer's): its CPU is the process's
            splits = {
                request: splits_of(
                    ways,
                    counts[request],
                    time.process_time if request == BATCH else time.thread_time,
                )
                for request, ways in calls.items()
            }
        floor = None if quick else all_rust_floor(url, body)
    method = (
        f"The handlers called warm in this process with HTTP API 2.0 events (as recorded in "
        f"tests/events): POST with the {workloads.order_1kb().name} (a new item each time), GET of "
        f"a stored item, PUT of the same order over it, a list page of 25 items, and a batch of "
        f"{BATCH_RECORDS:,} orders (a JSON array; upserts of the same ids each time; the "
        f"conventional handler writes with the Table's batch_writer); the answers are checked "
        f"alike first; one local Dynoxide over loopback HTTP; Powertools' metric lines to "
        f"/dev/null. Wall time per request: {rounds} interleaved rounds of ~{budget:g} s per "
        f"handler, medians. Time split, over {requests} requests per handler ({counts[LIST]} "
        f"lists, {counts[BATCH]} batches): wall and thread CPU (for the batch, the process's "
        f"CPU: its work runs on several threads; its parts are then the main thread's, the "
        f"rest lands in handler + Powertools) "
        f"unprofiled; in that run, botocore's CPU metered at the outermost boto3/botocore call "
        f"and the garbage collector's by gc.callbacks (it goes to other); rust_core's CPU is its "
        f"functions' self time under cProfile with a thread-CPU timer, collector off; the rest of "
        f"the CPU is divided between handler + Powertools and other as that profile divides it "
        f"(standard library and builtins charged to their callers). The profile's shares are not "
        f"used for botocore: its clock reads cost ~1 us per call recorded, which would inflate "
        f"botocore's thousands of small calls. Waiting = wall - CPU: Dynoxide answering and the "
        f"loopback round trip; Dynoxide runs on the same {os.cpu_count()}-core machine, so its "
        f"own CPU is in there too."
    )
    tables = [timing_table(timings), split_table(splits)]
    if floor is not None:
        tables.append(floor_table(splits, floor))
        method += (
            " The floor: an all-Rust handler (bench/floor: `lambda_http` + `aws-sdk-dynamodb`, "
            "as AWS SAM's Rust template starts) on the same events and the same Dynoxide, "
            "called in a loop the way the Lambda runtime calls it (event parsed, handler, "
            "response written), its process CPU per request; medians over 2,000 requests."
        )
    return Section(
        title="The full request path",
        method=method,
        tables=tables,
        findings=findings(timings, splits, floor),
        unavailable=[] if floor else [("the all-Rust floor", "built and run by `make bench` only")],
    )


def all_rust_floor(url: str, body: bytes) -> dict[str, dict[str, float]]:
    """The all-Rust handler's CPU and wall per POST and GET (bench/floor), built on first use."""
    from bench import floor

    with tempfile.TemporaryDirectory() as folder:
        post = floor.event_with_body(EVENTS / "http_api_post_item.json", body, Path(folder))
        return floor.measure(url, TABLE_NAME, post, EVENTS / "http_api_get_item.json", 2000, 200)


def floor_table(splits: dict[str, dict[str, Split]], floor: dict[str, dict[str, float]]) -> Table:
    rows = []
    for request, key in ((POST, "post"), (GET, "get")):
        ours, rust = splits[request][OURS].cpu, floor[key]["cpu"]
        rows.append([request, duration(rust), duration(ours), f"{ours / rust:.2f}x"])
    return Table(["request", "all-Rust floor CPU", "ours (direct) CPU", "ours / floor"], rows)


def timing_table(timings: dict[str, dict[str, Timing]]) -> Table:
    rows = [
        [
            request,
            duration(t[CONVENTIONAL].seconds),
            duration(t[OURS].seconds),
            ratio(t[OURS]),
            duration(t[OURS_BOTO3].seconds),
            ratio(t[OURS_BOTO3]),
        ]
        for request, t in timings.items()
    ]
    headers = ["request", "conventional", OURS, "/ conventional", OURS_BOTO3, "/ conventional"]
    return Table(headers, rows)


def split_table(splits: dict[str, dict[str, Split]]) -> Table:
    rows = []
    for request, by_handler in splits.items():
        for name, s in by_handler.items():
            parts = [s.seconds(category) for category in CATEGORIES] + [s.waiting]
            cells = [f"{duration(p)} ({p / s.wall:.0%})" for p in parts]
            rows.append([request, name, *cells, duration(s.wall)])
    headers = ["request", "handler", *CATEGORIES, "waiting", "wall"]
    return Table(headers, rows)


def findings(
    timings: dict[str, dict[str, Timing]],
    splits: dict[str, dict[str, Split]],
    floor: dict[str, dict[str, float]] | None,
) -> list[str]:
    out = []
    for request in (POST, GET):
        ours, boto3, theirs = (splits[request][name] for name in (OURS, OURS_BOTO3, CONVENTIONAL))
        ratio = ours.cpu / theirs.cpu
        met = "met" if ratio <= 0.2 else "**not met**"
        out.append(
            f"Warm CPU per {request}: {duration(ours.cpu)} on the direct client against "
            f"{duration(theirs.cpu)} for the conventional handler, {ratio:.2f}x (target 0.2x: "
            f"{met}); {duration(boto3.cpu)} on the boto3 store ({boto3.cpu / theirs.cpu:.2f}x). "
            f"Of the direct client's CPU, rust_core takes {duration(ours.seconds(RUST_CORE))}, "
            f"the handler and Powertools {duration(ours.seconds(HANDLER))}, the DynamoDB call "
            f"(signing, the HTTP exchange) {duration(ours.seconds(BOTOCORE))}; botocore takes "
            f"{duration(boto3.seconds(BOTOCORE))} on the boto3 store."
        )
    others = [
        f"{request} {duration(splits[request][OURS].cpu)} against "
        f"{duration(splits[request][CONVENTIONAL].cpu)} "
        f"({splits[request][OURS].cpu / splits[request][CONVENTIONAL].cpu:.2f}x; boto3 store "
        f"{splits[request][OURS_BOTO3].cpu / splits[request][CONVENTIONAL].cpu:.2f}x)"
        for request in (PUT, LIST, BATCH)
    ]
    out.append(
        "Warm CPU on the direct client against the conventional handler: " + "; ".join(others) + "."
    )
    post, get = timings[POST], timings[GET]
    out.append(
        f"Wall time per request, ours on the direct client: {1 / post[OURS].ratio:.2f}x as fast "
        f"as the conventional handler on POST ({duration(post[OURS].seconds)} against "
        f"{duration(post[CONVENTIONAL].seconds)}), {1 / get[OURS].ratio:.2f}x on GET "
        f"({duration(get[OURS].seconds)} against {duration(get[CONVENTIONAL].seconds)}); "
        f"waiting for Dynoxide is {duration(splits[POST][OURS].waiting)} of our POST."
    )
    if floor is not None:
        post_x = splits[POST][OURS].cpu / floor["post"]["cpu"]
        get_x = splits[GET][OURS].cpu / floor["get"]["cpu"]
        met = "met" if max(post_x, get_x) <= 3 else "**not met**"
        out.append(
            f"Against the all-Rust floor (`lambda_http` + `aws-sdk-dynamodb`): "
            f"{duration(floor['post']['cpu'])} of CPU per POST and "
            f"{duration(floor['get']['cpu'])} per GET; ours takes {post_x:.2f}x and "
            f"{get_x:.2f}x that (target: within 3x, {met})."
        )
    return out


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv).markdown())
