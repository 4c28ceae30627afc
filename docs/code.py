"""py_handler read as code, without running it: its routes, the problem answers it gives, the
texts of those answers, and the places that make each exception.

py_handler.routes and py_handler.app cannot be imported for this: their module level is the
function's init (the record codec compiled, the store connected). So the modules are parsed
(`ast`) and a text is resolved through string constants, f-strings, names (local, module-level,
imported from another py_handler module), class attributes, the members of a dict or list, and,
for `exc.detail`, every place that makes the exception `exc` stands for. What depends on the
request stays a placeholder, `<name>`. What cannot be resolved at all raises `Unresolved`, so
that a change to the code that this reader does not follow fails loudly instead of drifting.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, replace
from http import HTTPStatus
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY_HANDLER = ROOT / "py_handler"
# The local server's modules: not part of the function (the Makefile's LOCAL_ONLY).
LOCAL_ONLY = frozenset({"local", "dynamo_local"})
# The functions that answer with a problem: (status, detail, **members).
PROBLEM_FUNCTIONS = frozenset({"problem", "problem_response"})
# How the error handlers are registered: `@_handles(Exc, ...)` or `@router.exception_handler(...)`.
HANDLER_DECORATORS = frozenset({"_handles", "exception_handler"})


class Unresolved(Exception):
    """An expression this reader cannot turn into text."""


@dataclass(frozen=True)
class Problem:
    """One problem answer in the code: its status, its possible details, the exceptions (or the
    function) it answers for, its headers and its extra members (`errors`, `request_id`)."""

    status: HTTPStatus
    details: tuple[str, ...]
    answers: tuple[str, ...]
    headers: tuple[str, ...]
    members: tuple[str, ...]
    module: str
    function: str


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as Powertools writes it: /items/<item_id>
    function: str
    node: ast.FunctionDef


def _name(node: ast.expr) -> str:
    """The last name of `a.b.C` or `C`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    raise Unresolved(ast.unparse(node))


def placeholder(node: ast.expr) -> str:
    """What a text shows where it depends on the request: `<lineno>` for `exc.lineno`."""
    return f"<{_name(node) if isinstance(node, ast.Name | ast.Attribute) else ast.unparse(node)}>"


class Code:
    """py_handler's modules (the function's, not the local server's), parsed."""

    def __init__(self, root: Path = PY_HANDLER) -> None:
        self.modules: dict[str, ast.Module] = {}
        for path in sorted(root.glob("*.py")):
            if path.stem not in LOCAL_ONLY:
                self.modules[path.stem] = ast.parse(path.read_text(encoding="utf-8"), str(path))
        self.parents: dict[ast.AST, ast.AST] = {}
        self.module_of: dict[ast.AST, str] = {}
        for name, tree in self.modules.items():
            for node in ast.walk(tree):
                self.module_of[node] = name
                for child in ast.iter_child_nodes(node):
                    self.parents[child] = node

    # ---- walking ----------------------------------------------------------------------------

    def nodes(self, module: str | None = None) -> Iterator[ast.AST]:
        trees = self.modules.values() if module is None else [self.modules[module]]
        for tree in trees:
            yield from ast.walk(tree)

    def enclosing(self, node: ast.AST, kind: type[ast.AST]) -> ast.AST | None:
        parent = self.parents.get(node)
        while parent is not None and not isinstance(parent, kind):
            parent = self.parents.get(parent)
        return parent

    def function_of(self, node: ast.AST) -> ast.FunctionDef | None:
        function = self.enclosing(node, ast.FunctionDef)
        return function if isinstance(function, ast.FunctionDef) else None

    def classes(self) -> Iterator[tuple[str, ast.ClassDef]]:
        for module, tree in self.modules.items():
            for node in tree.body:
                if isinstance(node, ast.ClassDef):
                    yield module, node

    def calls(self, function: ast.AST, name: str) -> list[ast.Call]:
        """The calls of `name` (`name(...)` or `x.name(...)`) inside `function`."""
        found = []
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
                if _name(node.func) == name:
                    found.append(node)
        return found

    # ---- names ------------------------------------------------------------------------------

    def definition(self, module: str, name: str, at: ast.AST | None = None) -> tuple[str, ast.expr]:
        """The expression `name` stands for at `at`: the last assignment before it in its
        function, else the module's own, else the one of the py_handler module it comes from."""
        function = None if at is None else self.function_of(at)
        if function is not None and at is not None:
            line = getattr(at, "lineno", 0)
            assigned = [
                node.value
                for node in ast.walk(function)
                if isinstance(node, ast.Assign)
                and node.lineno < line
                and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            ]
            if assigned:
                return module, assigned[-1]
        for node in self.modules[module].body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets
            ):
                return module, node.value
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if node.target.id == name and node.value is not None:
                    return module, node.value
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("py_handler.")
            ):
                source = node.module.removeprefix("py_handler.")
                for alias in node.names:
                    if (alias.asname or alias.name) == name and source in self.modules:
                        return self.definition(source, alias.name)
        raise Unresolved(f"{module}: {name}")

    def imported_module(self, module: str, name: str) -> str | None:
        """The py_handler module `name` stands for in `module` (`from py_handler import errors`)."""
        for node in self.modules[module].body:
            if isinstance(node, ast.ImportFrom) and node.module == "py_handler":
                for alias in node.names:
                    if (alias.asname or alias.name) == name and alias.name in self.modules:
                        return alias.name
        return None

    def qualified(self, node: ast.expr) -> str:
        """A class as users find it: `py_handler.errors.BadRequest` for one of py_handler's,
        else as the code writes it (`rust_core.LimitError`)."""
        found = self.class_def(_name(node))
        if found is not None:
            return f"py_handler.{found[0]}.{found[1].name}"
        if isinstance(node, ast.Name) and node in self.module_of:
            for statement in self.modules[self.module_of[node]].body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    if any((a.asname or a.name) == node.id for a in statement.names):
                        return f"{statement.module}.{node.id}"
        return ast.unparse(node)

    def class_def(self, name: str) -> tuple[str, ast.ClassDef] | None:
        for module, node in self.classes():
            if node.name == name:
                return module, node
        return None

    # ---- texts ------------------------------------------------------------------------------

    def texts(self, module: str, node: ast.expr) -> list[str]:
        """Every text `node` can be, in order, placeholders where it depends on the request."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str | int):
            return [str(node.value)]
        if isinstance(node, ast.JoinedStr):
            results = [""]
            for part in node.values:
                if isinstance(part, ast.FormattedValue):
                    options = self._text_or_placeholder(module, part.value)
                else:
                    options = self.texts(module, part)
                results = [r + o for r in results for o in options]
            return results
        if isinstance(node, ast.Name):
            source, value = self.definition(module, node.id, node)
            return self.texts(source, value)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return self._attribute(module, node, node.value.id)
        if isinstance(node, ast.Subscript):
            return self.items(module, node.value, node)
        raise Unresolved(f"{module}: {ast.unparse(node)}")

    def _text_or_placeholder(self, module: str, node: ast.expr) -> list[str]:
        try:
            return self.texts(module, node)
        except Unresolved:
            return [placeholder(node)]

    def _attribute(self, module: str, node: ast.Attribute, base: str) -> list[str]:
        source = self.imported_module(module, base)
        if source is not None:
            _, value = self.definition(source, node.attr)
            return self.texts(source, value)
        classes = self.exception_classes(node.value)
        if classes:
            if node.attr != "detail":
                raise Unresolved(f"{module}: {ast.unparse(node)}")
            return [text for name in classes for text in self.details(name)]
        found = self.class_def(base)
        if found is not None:
            owner, class_node = found
            for statement in class_node.body:
                if isinstance(statement, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == node.attr for t in statement.targets
                ):
                    return self.texts(owner, statement.value)
        raise Unresolved(f"{module}: {ast.unparse(node)}")

    def items(self, module: str, node: ast.expr, at: ast.AST) -> list[str]:
        """The texts of the members of a collection (a dict's values)."""
        if isinstance(node, ast.Name):
            source, value = self.definition(module, node.id, at)
            return self.items(source, value, value)
        if isinstance(node, ast.Dict):
            return [t for value in node.values for t in self.texts(module, value)]
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return [t for value in node.elts for t in self.texts(module, value)]
        if isinstance(node, ast.ListComp):
            return self.texts(module, node.elt)
        raise Unresolved(f"{module}: {ast.unparse(node)}")

    # ---- exceptions -------------------------------------------------------------------------

    def exception_classes(self, node: ast.expr) -> tuple[str, ...]:
        """The exception classes a name stands for: a handler's parameter (the classes it is
        registered for) or an `except ... as name`; empty for any other name."""
        if not isinstance(node, ast.Name):
            return ()
        function = self.function_of(node)
        if function is not None and function.args.args and function.args.args[0].arg == node.id:
            registered = self.handled(function)
            if registered:
                return tuple(_name(e) for e in registered)
        handler = self.enclosing(node, ast.ExceptHandler)
        while isinstance(handler, ast.ExceptHandler):
            if handler.name == node.id and handler.type is not None:
                kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                return tuple(_name(kind) for kind in kinds)
            handler = self.enclosing(handler, ast.ExceptHandler)
        return ()

    def handled(self, function: ast.FunctionDef) -> list[ast.expr]:
        """The exception classes `function` is registered to handle (as written)."""
        for decorator in function.decorator_list:
            if isinstance(decorator, ast.Call) and isinstance(
                decorator.func, ast.Name | ast.Attribute
            ):
                if _name(decorator.func) in HANDLER_DECORATORS:
                    args = decorator.args
                    if len(args) == 1 and isinstance(args[0], ast.List):
                        return list(args[0].elts)
                    return list(args)
        return []

    def details(self, class_name: str) -> list[str]:
        """Every `detail` an exception is made with in py_handler: its first argument where it is
        made, or its `__init__`'s default."""
        texts: list[str] = []
        for node in self.nodes():
            # `raise Exc`: made with its defaults
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Name | ast.Attribute):
                if _name(node.exc) == class_name:
                    texts.extend(t for t in self.default_detail(class_name) if t not in texts)
                continue
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)):
                continue
            if _name(node.func) != class_name:
                continue
            module = self.module_of[node]
            if node.args:
                found = self.texts(module, node.args[0])
            elif any(k.arg == "detail" for k in node.keywords):
                found = self.texts(
                    module, next(k.value for k in node.keywords if k.arg == "detail")
                )
            else:
                found = self.default_detail(class_name)
            texts.extend(t for t in found if t not in texts)
        if not texts:
            raise Unresolved(f"nothing makes {class_name}")
        return texts

    def default_detail(self, class_name: str) -> list[str]:
        found = self.class_def(class_name)
        if found is None:
            raise Unresolved(f"no class {class_name}")
        module, node = found
        for statement in node.body:
            if isinstance(statement, ast.FunctionDef) and statement.name == "__init__":
                names = [a.arg for a in statement.args.args]
                defaults = statement.args.defaults
                offset = len(names) - len(defaults)
                for index, default in enumerate(defaults):
                    if names[offset + index] == "detail":
                        return self.texts(module, default)
        raise Unresolved(f"{class_name} made without a detail")

    # ---- problems and routes ----------------------------------------------------------------

    def problems(self) -> list[Problem]:
        """Every problem answer: each call of `problem` or `problem_response`, outside their own
        definitions."""
        found = []
        for node in self.nodes():
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)):
                continue
            if _name(node.func) not in PROBLEM_FUNCTIONS:
                continue
            module = self.module_of[node]
            function = self.function_of(node)
            if function is None or function.name in PROBLEM_FUNCTIONS:
                continue
            found.append(self._problem(module, function, node))
        # A handler that hands over to another (`return invalid_item(exc)`) answers as it does.
        by_function: dict[str, list[Problem]] = {}
        for problem in found:
            by_function.setdefault(problem.function, []).append(problem)
        for node in self.nodes():
            if not (isinstance(node, ast.FunctionDef) and self.handled(node)):
                continue
            answers = tuple(self.qualified(e) for e in self.handled(node))
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                    for problem in by_function.get(call.func.id, []):
                        if call.func.id != node.name:
                            found.append(replace(problem, answers=answers, function=node.name))
        return found

    def _problem(self, module: str, function: ast.FunctionDef, call: ast.Call) -> Problem:
        status_node, detail_node = call.args[0], call.args[1]
        if isinstance(status_node, ast.Constant) and isinstance(status_node.value, int):
            status = HTTPStatus(status_node.value)
        elif isinstance(status_node, ast.Attribute) and _name(status_node.value) == "HTTPStatus":
            status = HTTPStatus[status_node.attr]
        else:
            raise Unresolved(f"{module}.{function.name}: {ast.unparse(status_node)}")
        headers: list[str] = []
        members: list[str] = []
        for keyword in call.keywords:
            if keyword.arg == "headers" and isinstance(keyword.value, ast.Dict):
                for key in keyword.value.keys:
                    if key is not None:
                        headers.extend(self.texts(module, key))
            elif keyword.arg is not None and keyword.arg != "headers":
                members.append(keyword.arg)
        registered = self.handled(function)
        if registered:
            answers = tuple(self.qualified(e) for e in registered)
        else:
            handler = self.enclosing(call, ast.ExceptHandler)
            if isinstance(handler, ast.ExceptHandler) and handler.type is not None:
                answers = (self.qualified(handler.type),)
            else:
                answers = (f"py_handler.{module}.{function.name}",)
        return Problem(
            status=status,
            details=tuple(self.texts(module, detail_node)),
            answers=answers,
            headers=tuple(headers),
            members=tuple(members),
            module=module,
            function=function.name,
        )

    def routes(self, module: str = "routes") -> list[Route]:
        """The routes: functions decorated `@router.<method>("<path>")`, in source order."""
        found = []
        for node in self.modules[module].body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if not (
                    isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                ):
                    continue
                if _name(decorator.func.value) != "router" or not decorator.args:
                    continue
                (path,) = self.texts(module, decorator.args[0])
                found.append(Route(decorator.func.attr.upper(), path, node.name, node))
        return found

    def success_status(self, route: Route) -> HTTPStatus:
        """The status a route answers with when it succeeds: the `HTTPStatus` it returns."""
        for node in ast.walk(route.node):
            if isinstance(node, ast.Return) and node.value is not None:
                for inner in ast.walk(node.value):
                    if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name):
                        if inner.value.id == "HTTPStatus":
                            return HTTPStatus[inner.attr]
        raise Unresolved(f"{route.function}: no status returned")

    def query_parameters(self, route: Route) -> list[str]:
        calls = self.calls(route.node, "get_query_string_value")
        calls.sort(key=lambda call: (call.lineno, call.col_offset))
        return [text for call in calls for text in self.texts("routes", call.args[0])]

    def response_headers(self, route: Route) -> list[str]:
        """The headers a route sets itself: `headers = {...}` and `headers[...] = ...`."""
        found: list[str] = []
        for node in ast.walk(route.node):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "headers":
                    if isinstance(node.value, ast.Dict):
                        for key in node.value.keys:
                            if key is not None:
                                found.extend(self.texts("routes", key))
                elif isinstance(target, ast.Subscript) and _name(target.value) == "headers":
                    found.extend(self.texts("routes", target.slice))
        return found
