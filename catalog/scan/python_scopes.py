"""Which string literal each name in a Python module is bound to: the constant-following half
of :mod:`catalog.scan.python`."""

from __future__ import annotations

import ast
import bisect


def literal(node: ast.AST | None) -> str | None:
    """The value of a string literal or a placeholder-free f-string, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in node.values):
        return "".join(v.value for v in node.values)  # type: ignore[attr-defined]
    return None


def trigger_lines(data: bytes, words: tuple[bytes, ...]) -> list[int]:
    """Sorted numbers of the lines that contain one of ``words``."""
    offsets = set()
    for word in words:
        at = data.find(word)
        while at >= 0:
            offsets.add(at)
            at = data.find(word, at + 1)
    lines, line, previous = [], 1, 0
    for at in sorted(offsets):
        line += data.count(b"\n", previous, at)
        previous = at
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


class Scope:
    """One Python scope (module, function or class body) and the bindings made in it."""

    __slots__ = ("bindings", "is_class", "parent")

    def __init__(self, parent: Scope | None, is_class: bool = False) -> None:
        # name -> one entry per binding: the literal node, or None when bound to anything else
        self.bindings: dict[str, list[ast.expr | None]] = {}
        self.parent = parent
        self.is_class = is_class

    def bind(self, name: str, value: ast.expr | None) -> None:
        """Record that ``name`` is bound to ``value`` (kept only when it is a string literal)."""
        self.bindings.setdefault(name, []).append(value if literal(value) is not None else None)

    def lookup(self, name: str) -> list[ast.expr | None] | None:
        """The bindings ``name`` resolves to from here, None when bound nowhere in the module."""
        scope: Scope | None = self
        while scope is not None:
            # Python does not let nested functions see a class body's names.
            if (scope is self or not scope.is_class) and name in scope.bindings:
                return scope.bindings[name]
            scope = scope.parent
        return None


class BindingVisitor(ast.NodeVisitor):
    """Walks a module keeping :attr:`scope` current and recording every name binding in it.

    ``trigger_lines`` (sorted line numbers, or None for everything) prunes the walk: a function
    or class body that spans none of them is skipped, since nothing in it can be of interest
    and its bindings are invisible outside it.
    """

    def __init__(self, trigger_lines: list[int] | None) -> None:
        self.trigger_lines = trigger_lines
        self.scope = Scope(None)

    def assigned(self, target: ast.expr, value: ast.expr) -> None:
        """Called for each ``target = value`` (plain or annotated) before ``value`` is visited."""

    def _bind_target(self, target: ast.expr, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            self.scope.bind(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
            if values is not None and len(values) != len(target.elts):
                values = None
            for i, element in enumerate(target.elts):
                self._bind_target(element, values[i] if values else None)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, None)

    def _relevant(self, node: ast.stmt) -> bool:
        if self.trigger_lines is None:
            return True
        first = bisect.bisect_left(self.trigger_lines, node.lineno)
        return first < len(self.trigger_lines) and self.trigger_lines[first] <= (
            node.end_lineno or node.lineno
        )

    def _enter(self, scope: Scope, body: list[ast.stmt] | ast.expr) -> None:
        outer, self.scope = self.scope, scope
        for node in body if isinstance(body, list) else [body]:
            self.visit(node)
        self.scope = outer

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        args = node.args
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(default)
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self.visit(decorator)
            self.scope.bind(node.name, None)
            if not self._relevant(node):
                return
        scope = Scope(self.scope)
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(
            args.defaults
        )
        for arg, default in [*zip(positional, defaults), *zip(args.kwonlyargs, args.kw_defaults)]:
            scope.bind(arg.arg, default)
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                scope.bind(extra.arg, None)
        self._enter(scope, node.body)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        self.scope.bind(node.name, None)
        if self._relevant(node):
            self._enter(Scope(self.scope, is_class=True), node.body)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind_target(target, node.value)
            self.assigned(target, node.value)
        self.visit(node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, node.value)
            self.assigned(node.target, node.value)
            self.visit(node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._bind_target(node.target, None)
        self.visit(node.value)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._bind_target(node.target, node.value)
        self.visit(node.value)

    def _bind_loop(self, node: ast.For | ast.AsyncFor) -> None:
        self._bind_target(node.target, None)
        self.generic_visit(node)

    visit_For = visit_AsyncFor = _bind_loop

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self._bind_target(node.optional_vars, None)
        self.visit(node.context_expr)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.scope.bind(node.name, None)
        self.generic_visit(node)

    def _bind_imports(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            self.scope.bind((alias.asname or alias.name).partition(".")[0], None)

    visit_Import = visit_ImportFrom = _bind_imports
