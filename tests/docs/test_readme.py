"""README.md against the code: its configuration table lists exactly the environment variables
py_handler reads (and the few that only Powertools reads, documented on purpose), every `make`
target it names exists, and every file it links to is there.

The variables are found by reading py_handler/*.py with `ast`, not by importing it: a read is a
string passed to `env.get` / `os.environ.get` / `os.getenv` / `.setdefault` / `.pop`, a subscript
`env[...]`, or a test `... in env`, where `env` is a `Mapping` parameter of that name or
`os.environ`. The string may be a literal or a loop variable over a tuple of names (a literal
tuple or a module-level one), and a loop over `env.items()` that matches names against such a
tuple (`name.lower() in _PROXIES`) reads those names in any case.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MAKEFILE = ROOT / "Makefile"
PY_HANDLER = ROOT / "py_handler"

# Read by Powertools rather than by py_handler's own code, and in the table on purpose: the
# template sets the first; the others change what reaches logs and traces (see Security notes).
POWERTOOLS_ONLY = {
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_LOGGER_LOG_EVENT",
    "POWERTOOLS_DEV",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
}
# What a string constant that names an environment variable looks like in py_handler; each one
# must be found as a read (a backstop for a read written in a way the collector does not know).
ENV_LIKE = re.compile(r"(AWS|POWERTOOLS|BOTOCORE|LAMBDA)_[A-Z0-9_]+|_X_AMZN_[A-Z_]+")
_READ_METHODS = ("get", "setdefault", "pop")


# ---- the code's side ----------------------------------------------------------------------------


def _is_environment(node: ast.expr) -> bool:
    """`env` (the Mapping parameter py_handler's readers take) or `os.environ`."""
    if isinstance(node, ast.Name):
        return node.id == "env"
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _strings(node: ast.expr) -> set[str] | None:
    """The strings of a tuple, list or set literal of string constants; else None."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set) and node.elts:
        if all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            return {str(e.value) for e in node.elts if isinstance(e, ast.Constant)}
    return None


def _target_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple):
        return [e.id for e in target.elts if isinstance(e, ast.Name)]
    return []


class _Reads(ast.NodeVisitor):
    """The environment variables one module reads (see the module's docstring)."""

    def __init__(self, module: ast.Module) -> None:
        self.found: set[str] = set()
        # Module-level NAME = ("A", "B"): tuples a loop can take names from
        self.tuples: dict[str, set[str]] = {}
        for statement in module.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target, strings = statement.targets[0], _strings(statement.value)
                if isinstance(target, ast.Name) and strings is not None:
                    self.tuples[target.id] = strings
        self.bound: list[dict[str, set[str]]] = [{}]  # loop variable -> the names it takes
        self.env_keys: list[set[str]] = [set()]  # loop variables over the environment's keys
        self.visit(module)

    def _resolve(self, node: ast.expr) -> set[str] | None:
        if isinstance(node, ast.Name):
            for scope in reversed(self.bound):
                if node.id in scope:
                    return scope[node.id]
            return self.tuples.get(node.id)
        return _strings(node)

    def _name(self, node: ast.expr) -> set[str]:
        """The names an expression in a read position can hold."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.Name):
            return next((s[node.id] for s in reversed(self.bound) if node.id in s), set())
        return set()

    def _is_env_key(self, node: ast.expr) -> bool:
        """`name` or `name.lower()` / `name.upper()` for a loop variable over env's keys."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("lower", "upper") and not node.args:
                node = node.func.value
        return isinstance(node, ast.Name) and any(node.id in keys for keys in self.env_keys)

    def _bind(self, target: ast.expr, iterable: ast.expr) -> tuple[dict[str, set[str]], set[str]]:
        names = _target_names(target)
        strings = self._resolve(iterable)
        bound = {name: strings for name in names} if strings is not None else {}
        keys: set[str] = set()
        if names and (
            _is_environment(iterable)
            or (
                isinstance(iterable, ast.Call)
                and isinstance(iterable.func, ast.Attribute)
                and iterable.func.attr in ("items", "keys")
                and _is_environment(iterable.func.value)
            )
        ):
            keys = {names[0]}
        return bound, keys

    def visit_For(self, node: ast.For) -> None:
        self.visit(node.iter)
        bound, keys = self._bind(node.target, node.iter)
        self.bound.append(bound)
        self.env_keys.append(keys)
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)
        self.bound.pop()
        self.env_keys.pop()

    def _visit_comprehension(
        self, node: ast.GeneratorExp | ast.ListComp | ast.SetComp | ast.DictComp
    ) -> None:
        pushed = 0
        for generator in node.generators:
            self.visit(generator.iter)
            bound, keys = self._bind(generator.target, generator.iter)
            self.bound.append(bound)
            self.env_keys.append(keys)
            pushed += 1
            for condition in generator.ifs:
                self.visit(condition)
        parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for part in parts:
            self.visit(part)
        for _ in range(pushed):
            self.bound.pop()
            self.env_keys.pop()

    visit_GeneratorExp = visit_ListComp = visit_SetComp = visit_DictComp = _visit_comprehension

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and node.args:
            if func.attr in _READ_METHODS and _is_environment(func.value):
                self.found |= self._name(node.args[0])
            if func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os":
                self.found |= self._name(node.args[0])
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if _is_environment(node.value):
            self.found |= self._name(node.slice)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                if _is_environment(right):
                    self.found |= self._name(node.left)
                elif self._is_env_key(node.left):
                    # matched against names in any case: documented in upper case
                    self.found |= {name.upper() for name in self._resolve(right) or ()}
        self.generic_visit(node)


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PY_HANDLER.glob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def code_variables() -> dict[str, set[str]]:
    """Each variable py_handler reads, with the modules that read it."""
    found: dict[str, set[str]] = {}
    for path, module in _modules():
        for name in _Reads(module).found:
            found.setdefault(name, set()).add(path.name)
    return found


# ---- the README's side --------------------------------------------------------------------------


def _section(text: str, title: str) -> str:
    """The body of the `## title` section (up to the next `## `)."""
    match = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def _tables(section: str) -> list[list[str]]:
    """Each Markdown table of a section, as its body rows (header and rule dropped)."""
    tables: list[list[str]] = []
    rows: list[str] = []
    for line in [*section.splitlines(), ""]:
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            tables.append(rows[2:])
            rows = []
    return tables


def _cells(row: str) -> list[str]:
    # `|` inside a cell is written `\|`
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row.strip().strip("|"))]


def readme_variables() -> list[str]:
    """The names in the first column of the Configuration section's one table, in order."""
    tables = _tables(_section(README.read_text(encoding="utf-8"), "Configuration"))
    assert len(tables) == 1, "the Configuration section holds exactly one table"
    names: list[str] = []
    for row in tables[0]:
        names += re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", _cells(row)[0])
    return names


def _code_spans(text: str) -> Iterator[str]:
    """The text of fenced code blocks and of inline code spans."""
    fenced = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
    yield from (m.group(1) for m in fenced.finditer(text))
    yield from re.findall(r"`([^`\n]+)`", fenced.sub("", text))


def make_targets(line: str) -> set[str]:
    """The targets of the `make ...` commands in one line of code; a comment does not count,
    nor does `NAME=value`, a variable."""
    targets: set[str] = set()
    command = line.split("#", 1)[0]
    for match in re.finditer(r"(?:^|[\s;&|(])make((?:\s+[A-Za-z0-9][A-Za-z0-9_.=-]*)+)", command):
        targets |= {word for word in match.group(1).split() if "=" not in word}
    return targets


def readme_make_targets() -> set[str]:
    """Every target of a `make ...` command the README shows in code (prose does not count)."""
    spans = _code_spans(README.read_text(encoding="utf-8"))
    return {target for span in spans for line in span.splitlines() for target in make_targets(line)}


def makefile_targets() -> set[str]:
    targets: set[str] = set()
    for line in MAKEFILE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.$()/ -]+?)\s*:(?![=:])", line)
        if match and not line.startswith((".PHONY", "\t")):
            targets |= {word for word in match.group(1).split() if "$" not in word}
    return targets


# ---- the tests ----------------------------------------------------------------------------------


def test_the_collector_finds_every_kind_of_read() -> None:
    found = code_variables()
    # A literal get (settings), `in env` (settings), a module-level tuple (aws_env's endpoint
    # URLs and container URIs, local's Powertools defaults), a literal tuple in a loop (profiles),
    # a generator over a tuple (local's credentials), names matched in any case (proxies),
    # os.environ.get (direct, dynamo_local), setdefault (local).
    expected = {
        "TABLE_NAME": "settings.py",
        "AWS_SAM_LOCAL": "settings.py",
        "AWS_ENDPOINT_URL": "aws_env.py",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "aws_env.py",
        "POWERTOOLS_SERVICE_NAME": "local.py",
        "AWS_DEFAULT_PROFILE": "aws_env.py",
        "AWS_PROFILE": "local.py",
        "HTTPS_PROXY": "aws_env.py",
        "_X_AMZN_TRACE_ID": "direct.py",
        "DYNOXIDE_BIN": "dynamo_local.py",
        "AWS_EC2_METADATA_DISABLED": "local.py",
        "DYNAMODB_CLIENT": "__init__.py",
    }
    for name, module in expected.items():
        assert module in found.get(name, set()), (name, module)


def test_every_variable_named_in_py_handler_is_found_as_a_read() -> None:
    found = code_variables()
    for path, module in _modules():
        for node in ast.walk(module):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if ENV_LIKE.fullmatch(node.value):
                    assert node.value in found, f"{path.name}: {node.value} read in a new way?"


def test_the_configuration_table_lists_exactly_what_is_read() -> None:
    listed = readme_variables()
    duplicates = sorted({name for name in listed if listed.count(name) > 1})
    assert duplicates == [], "listed twice"
    expected = set(code_variables()) | POWERTOOLS_ONLY
    assert sorted(expected - set(listed)) == [], "read by the code, missing from the README"
    assert sorted(set(listed) - expected) == [], "in the README, read by nothing"


def test_the_powertools_only_variables_are_not_read_by_py_handler() -> None:
    # Once py_handler reads one itself, it belongs to the collected set, not this list.
    assert POWERTOOLS_ONLY.isdisjoint(code_variables())


def test_every_make_target_the_readme_names_exists() -> None:
    named = readme_make_targets()
    assert {"run", "check", "test", "wheels", "layer", "bench", "fuzz", "load", "docs"} <= named
    assert sorted(named - makefile_targets()) == []


def test_the_makefile_reader_reads_targets() -> None:
    targets = makefile_targets()
    assert {"run", "check", "test", "check-release", "build-ItemsFunction", "fuzz-merge"} <= targets
    assert not {"SHELL", "PY", "wheel", "DIST"} & targets


@pytest.mark.parametrize(
    ("line", "targets"),
    [
        ("make run", {"run"}),
        ("make develop dynoxide && python x.py", {"develop", "dynoxide"}),
        ("make fuzz FUZZ_SECONDS=600", {"fuzz"}),
        ("cd x && make layer  # comment", {"layer"}),
    ],
)
def test_the_readme_reader_reads_make_commands(line: str, targets: set[str]) -> None:
    spans = list(_code_spans(f"Run `{line}` now.\n\n```sh\n{line}\n```\n"))
    assert [span.strip() for span in spans] == [line, line]
    assert make_targets(line) == targets


def test_every_relative_link_in_the_readme_exists() -> None:
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if not re.match(r"[a-z]+:", link)]
    assert local, "the README links to files of the repository"
    assert [link for link in local if not (ROOT / link).exists()] == []
