"""The error reference, docs/errors.md: every keyword an `errors` entry can have, with the HTTP
status it comes with, the exception that carries it and what it means; then every status the API
answers, with its `detail` texts.

Each family is read from the code's own tables:
- rust_core's keywords from `rust_core._rust_core._error_keywords()`, which lists them from the
  Rust core (`error::keywords()`: `Rule::ALL`, `wire::Mismatch::ALL`, `schema::KEYWORDS`,
  `batch::KEYWORDS`, and the closing `too_many_errors`), whose tests prove each list whole;
- py_handler's keywords from its classes that carry a `keyword` and a `message` (py_handler.store)
  and its enums of (keyword, message) pairs (py_handler.batch's `Reason`);
- the status of each keyword by handing an exception that carries it to the error handler
  py_handler.errors registers for its class, and reading the answer;
- the statuses and details from the problem answers in py_handler's source (docs.code).
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import rust_core
from docs.code import Code
from rust_core import _rust_core

IN_BATCH = "batch: listed in `failed`"
LIBRARY_ONLY = "library only (`wire_to_json`)"

# The families, in the order the reference gives them: (heading, what they are).
FAMILIES: dict[str, tuple[str, str]] = {
    "rule": (
        "DynamoDB's rules and the codec's limits",
        "What well-formed JSON can still break: DynamoDB's limits (nesting, numbers, names, item "
        "size), the key's rules, and the sizes the codec is configured with. Raised by "
        "`RecordCodec.decode`, `json_to_item` and `json_to_wire`; listed per record by "
        "`RecordCodec.decode_many`. From `Rule` in rust_core/src/error.rs.",
    ),
    "schema": (
        "The record schema (JSON Schema)",
        "A record that breaks its schema (py_handler/schema.json, or `ITEM_SCHEMA`). One entry "
        "per violation, with a JSON Pointer to it. Messages are worded from the schema alone: "
        "*italics* stand for what the schema says (a limit, a pattern, a type, a name). From "
        "rust_core/src/schema.rs.",
    ),
    "batch": (
        "Batch records",
        "What `POST /items/batch` (`RecordCodec.decode_many`) reports for one record on top of "
        "the rules and the schema. From rust_core/src/batch.rs.",
    ),
    "report": (
        "Long error lists",
        "An `errors` list holds at most 100 entries for one record (and a reply at most about "
        "1 MB of them); one more entry then says how many were left out.",
    ),
    "api": (
        "The API's own",
        "What py_handler adds: DynamoDB's own refusals, the `Idempotency-Key` check, and why a "
        "valid record of a batch was not written (retry those later). The exceptions here are "
        "py_handler's own, internal to the function. From py_handler/store.py and "
        "py_handler/batch.py.",
    ),
    "wire": (
        "DynamoDB JSON (`wire_to_json`)",
        'Text that is well-formed JSON but not DynamoDB JSON (`{"<type>": <value>}` for each '
        "attribute). The API does not read DynamoDB JSON: only the library raises these. From "
        "`Mismatch` in rust_core/src/wire.rs.",
    ),
}


@dataclass
class Entry:
    keyword: str
    messages: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)

    def add(self, items: list[str], *new: str) -> None:
        items.extend(n for n in new if n and n not in items)


# ---- what the API answers for an exception -----------------------------------------------------


def _errors_module() -> Any:
    return importlib.import_module("py_handler.errors")


def _handler(exc: Exception) -> Callable[[Exception], Any]:
    """The handler py_handler.errors registers for `exc`'s class, as Powertools finds it."""
    handlers = _errors_module().router._exception_handlers
    for kind in type(exc).__mro__:
        if kind in handlers:
            handler: Callable[[Exception], Any] = handlers[kind]
            return handler
    raise LookupError(f"no handler for {type(exc).__name__}")


def answer(exc: Exception) -> tuple[int, dict[str, Any]]:
    """The status and problem body the API answers for `exc`."""
    response = _handler(exc)(exc)
    body: dict[str, Any] = json.loads(response.body)
    return int(response.status_code), body


def status_of(exc: Exception, keyword: str) -> str:
    """The status for an exception that carries `keyword`, and where its message goes."""
    status, body = answer(exc)
    listed = [e.get("keyword") for e in body.get("errors", [])]
    if keyword in listed:
        return str(status)
    return f"{status} (the message in `detail`, no `errors`)"


def rust_exception(class_name: str, keyword: str, message: str) -> Exception:
    """An exception of rust_core's `class_name` as rust_core raises it for `keyword`."""
    cls = getattr(rust_core, class_name)
    if issubclass(cls, json.JSONDecodeError):
        made: Exception = cls(message, "", 0, 1, 1)
    else:
        made = cls(message, [{"path": "", "message": message, "keyword": keyword}])
    return made


def title(status: int) -> str:
    response = _errors_module().problem_response(status, "")
    return str(json.loads(response["body"])["title"])


# ---- the families ------------------------------------------------------------------------------


def rust_families(code: Code) -> dict[str, dict[str, Entry]]:
    """rust_core's keywords, family by family, from `_error_keywords()`."""
    families: dict[str, dict[str, Entry]] = {}
    rows = _rust_core._error_keywords()
    carriers = sorted({c for f, _, _, c, _ in rows if f in ("rule", "schema") and c})
    lists = [c for c in carriers if not issubclass(getattr(rust_core, c), json.JSONDecodeError)]
    api_reads_wire = any(code.calls(tree, "wire_to_json") for tree in code.modules.values())
    for family, keyword, message, class_name, in_batch in rows:
        entry = families.setdefault(family, {}).setdefault(keyword, Entry(keyword))
        entry.add(entry.messages, message)
        classes = [class_name] if class_name else (lists if family == "report" else [])
        for name in classes:
            entry.add(entry.exceptions, f"rust_core.{name}")
            if family == "wire" and not api_reads_wire:
                entry.add(entry.statuses, LIBRARY_ONLY)
            else:
                entry.add(
                    entry.statuses,
                    status_of(rust_exception(name, keyword, message), keyword),
                )
        if in_batch:
            entry.add(entry.statuses, IN_BATCH)
    return families


def keyword_classes(code: Code) -> list[type[Exception]]:
    """py_handler's exceptions that carry an `errors` entry: a class `keyword` and `message`."""
    found = []
    for module, node in code.classes():
        names = {
            t.id
            for statement in node.body
            if isinstance(statement, ast.Assign)
            for t in statement.targets
            if isinstance(t, ast.Name)
        }
        if {"keyword", "message"} <= names:
            found.append(getattr(importlib.import_module(f"py_handler.{module}"), node.name))
    return found


def keyword_enums(code: Code) -> list[type[Enum]]:
    """py_handler's enums whose members are (keyword, message) pairs."""
    found = []
    for module, node in code.classes():
        if any(isinstance(b, ast.Name) and b.id == "Enum" for b in node.bases):
            enum = getattr(importlib.import_module(f"py_handler.{module}"), node.name)
            if all(_is_pair(member.value) for member in enum):
                found.append(enum)
    return found


def _is_pair(value: object) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value)


def api_family(code: Code) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for cls in keyword_classes(code):
        keyword, message = (str(getattr(cls, name)) for name in ("keyword", "message"))
        entry = entries.setdefault(keyword, Entry(keyword))
        entry.add(entry.messages, message)
        entry.add(entry.exceptions, f"{cls.__module__}.{cls.__name__}")
        entry.add(entry.statuses, status_of(cls(), keyword))
    for enum in keyword_enums(code):
        for member in enum:
            keyword, message = member.value
            entry = entries.setdefault(keyword, Entry(keyword))
            entry.add(entry.messages, message)
            entry.add(entry.statuses, IN_BATCH)
    return entries


def families(code: Code) -> dict[str, dict[str, Entry]]:
    found = rust_families(code)
    found["api"] = api_family(code)
    unknown = set(found) - set(FAMILIES)
    if unknown:
        raise LookupError(f"families with no heading in docs/reference.py: {sorted(unknown)}")
    return {family: found[family] for family in FAMILIES if family in found}


def every_keyword(code: Code) -> set[str]:
    return {keyword for entries in families(code).values() for keyword in entries}


# ---- Markdown ----------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"<([^<>]+)>")
_SPECIAL = re.compile(r"([\\`*_|<>\[\]])")


def cell(text: str) -> str:
    """Text for a table cell: Markdown's specials escaped, `<placeholder>` in italics."""
    parts = _PLACEHOLDER.split(text)
    out = []
    for index, part in enumerate(parts):
        escaped = _SPECIAL.sub(r"\\\1", part)
        out.append(f"*{escaped}*" if index % 2 else escaped)
    return "".join(out)


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def render(code: Code) -> str:
    lines = [
        "# Error reference",
        "",
        "<!-- Generated by `python -m docs.generate` (`make docs`) from the code; do not edit."
        " `make check` fails when it is out of date. -->",
        "",
        "Every error the API answers is `application/problem+json` (RFC 9457): `type`, `title`,"
        " `status`, `detail`, and for a record that breaks rules, `errors`: a list of"
        ' `{"path": <JSON Pointer into the record>, "message": str, "keyword": str}`. The'
        " `keyword` is the stable code to act on; the `message` may be reworded. No message or"
        " detail quotes the request: *italics* stand for what the schema or the code fills in.",
        "",
        "**HTTP status** is the answer when one record (`POST /items`, `PUT /items/{id}`) breaks"
        f" it. *{IN_BATCH.replace('`', '')}*: in `POST /items/batch` the record is reported in"
        " the reply's `failed` (with its `index`, and its `line` for NDJSON) and the others are"
        " written. **Exception** is what rust_core raises, the keyword in its `errors`"
        " (rust_core's exceptions are all `ValueError`s; `JSONDecodeError` is also a"
        " `json.JSONDecodeError`).",
        "",
        "Contents: "
        + ", ".join(f"[{heading}](#{_anchor(heading)})" for heading, _ in FAMILIES.values())
        + ", [HTTP statuses](#http-statuses).",
    ]
    for family, entries in families(code).items():
        heading, intro = FAMILIES[family]
        lines += ["", f"## {heading}", "", intro, ""]
        rows = [
            [
                f"`{entry.keyword}`",
                "; ".join(entry.statuses) or "—",
                ", ".join(f"`{e}`" for e in entry.exceptions) or "—",
                "<br>".join(cell(m) for m in entry.messages),
            ]
            for entry in entries.values()
        ]
        lines += table(["keyword", "HTTP status", "exception", "meaning"], rows)
    lines += statuses(code)
    return "\n".join(lines) + "\n"


def _anchor(heading: str) -> str:
    kept = re.sub(r"[^\w\- ]", "", heading.lower())
    return kept.replace(" ", "-")


def statuses(code: Code) -> list[str]:
    lines = [
        "",
        "## HTTP statuses",
        "",
        "Every status the function answers, with each `detail` it can carry (fixed texts;"
        " *italics* filled in), and what it answers for: the exception (rust_core's, or"
        " py_handler's own) or the function. `405` carries `Allow`, `503` carries `Retry-After`,"
        " `500` carries `request_id` (the Lambda request id, for the logs). A `MalformedEvent`"
        " answers an event no API Gateway request produces (a direct invoke).",
        "",
    ]
    success = sorted({(code.success_status(r).value, r.method, r.path) for r in code.routes()})
    rows = [
        [f"`{status}` {title(status)}", f"`{method} {path.replace('<', '{').replace('>', '}')}`"]
        for status, method, path in success
    ]
    lines += table(["success", "request"], rows)
    lines.append("")
    problems = sorted(code.problems(), key=lambda p: p.status.value)
    merged: dict[tuple[int, str], list[str]] = {}
    extras: dict[tuple[int, str], list[str]] = {}
    for problem in problems:
        for detail in problem.details:
            key = (problem.status.value, detail)
            answers = merged.setdefault(key, [])
            answers.extend(a for a in problem.answers if a not in answers)
            also = extras.setdefault(key, [])
            also.extend(f"`{h}` header" for h in problem.headers if f"`{h}` header" not in also)
            also.extend(f"`{m}`" for m in problem.members if f"`{m}`" not in also)
    rows = [
        [
            f"`{status}` {title(status)}",
            cell(detail),
            ", ".join(f"`{a}`" for a in answers),
            ", ".join(extras[(status, detail)]) or "—",
        ]
        for (status, detail), answers in merged.items()
    ]
    lines += table(["status", "detail", "answers for", "also"], rows)
    return lines
