"""Which string literal each name in a Python module is bound to: the constant-following half
of :mod:`catalog.scan.python`."""

from __future__ import annotations

import ast
import bisect
import re

from catalog.scan.python_loaders import callee
from catalog.scan.python_rows import columns, parametrized


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
    return list(dict.fromkeys(line_numbers(data, sorted(offsets))))


def line_numbers(data: bytes, offsets: list[int]) -> list[int]:
    """The 1-based lines of ascending byte ``offsets``, counted in one pass over ``data`` (not from
    the start for each: a line of 20,000 known ids took 6.7 s)."""
    lines, line, counted = [], 1, 0
    for at in offsets:
        line += data.count(b"\n", counted, at)
        counted = at
        lines.append(line)
    return lines


def char_column(lines: list[bytes], node: ast.expr) -> int:
    """The 1-based character column of ``node`` in a module split into ``lines`` (ast columns
    count UTF-8 bytes; users count characters)."""
    try:
        line = lines[node.lineno - 1]
    except IndexError:
        return node.col_offset + 1
    if line.isascii():
        return node.col_offset + 1
    return len(line[: node.col_offset].decode("utf-8", "replace")) + 1


# One binding: the expression bound (None when unknowable, e.g. a function), the scope it is
# evaluated in, and whether the name takes each element of it in turn (a ``for`` target).
Binding = tuple["ast.expr | None", "Scope", bool]


class Imported(ast.expr):
    """What an import binds: ``name`` of ``module`` (``from module import name``; ``level`` dots
    before a relative module), or the module itself when ``name`` is None (``import a.b as m``).
    :mod:`catalog.scan.python_imports` follows it into the scanned tree when a value is wanted."""

    _fields = ("module", "name", "level")
    module: str
    name: str | None
    level: int


class Passed(ast.Constant):
    """A probe bound to a parameter of one of the module's functions (or of a class's ``__init__``)
    when :mod:`catalog.scan.python_calls` reads the module for the calls other modules make to it:
    the loads it reaches are the loads that parameter feeds. ``tag`` is (function or class name,
    whether it is a class, parameter)."""

    tag: tuple[str, bool, str]


class Scope:
    """One Python scope (module, function or class body) and the bindings made in it."""

    __slots__ = ("bases", "bindings", "is_class", "parent", "subclasses")

    def __init__(self, parent: Scope | None, is_class: bool = False, bases: tuple[Scope, ...] = ()) -> None:
        self.bindings: dict[str, list[Binding]] = {}
        self.parent = parent
        self.is_class = is_class
        # A class body's base classes defined earlier in the module, and the classes derived from it.
        self.bases = bases
        self.subclasses: list[Scope] = []
        for base in bases:
            base.subclasses.append(self)

    def family(self) -> set[Scope]:
        """A class body with the module's classes it derives from and those derived from it: where
        ``self.x`` read in its methods can be set."""
        found: set[Scope] = {self}
        for step in ("bases", "subclasses"):  # up the hierarchy, then down it
            todo = list(getattr(self, step))
            while todo:
                scope = todo.pop()
                if scope not in found:
                    found.add(scope)
                    todo += getattr(scope, step)
        return found

    def bind(self, name: str, value: ast.expr | None, scope: Scope | None = None, each: bool = False) -> None:
        """Record that ``name`` is bound to ``value``, evaluated in ``scope`` (default: this one)."""
        self.bindings.setdefault(name, []).append((value, scope or self, each))

    def imported(self, name: str) -> Imported | None:
        """The one import ``name`` is bound to from here (other bindings beside it allowed: ``try:
        from .m import x`` / ``except ImportError: x = None``), None when it is bound to none or several."""
        origins = [value for value, _, _ in self.lookup(name) or () if isinstance(value, Imported)]
        return origins[0] if len(origins) == 1 else None

    def lookup(self, name: str) -> list[Binding] | None:
        """The bindings ``name`` resolves to from here, None when bound nowhere in the module."""
        scope: Scope | None = self
        while scope is not None:
            # Python does not let nested functions see a class body's names.
            if (scope is self or not scope.is_class) and name in scope.bindings:
                return scope.bindings[name]
            scope = scope.parent
        return None


def bind_arguments(call: ast.Call, definition: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope,
                   initialiser: bool, caller: Scope) -> None:
    """Bind the parameters of ``definition`` (its body's ``scope``) to what ``call`` passes them,
    evaluated in ``caller``; nothing for a call that unpacks ``*args``."""
    if any(isinstance(a, ast.Starred) for a in call.args):
        return
    params = [*definition.args.posonlyargs, *definition.args.args][1 if initialiser else 0:]
    for param, value in zip(params, call.args):
        scope.bind(param.arg, value, caller)
    names = {p.arg for p in [*params, *definition.args.kwonlyargs]}
    for kw in call.keywords:
        if kw.arg in names:
            scope.bind(kw.arg, kw.value, caller)


_CLICK_PARAMS = ("option", "argument", "Option", "Argument")
# Class names (or bases) of settings holders: BaseSettings, AppConfig, TrainingArgs, ServerArguments.
_SETTINGS_CLASS = re.compile(r"(Settings|Config|Configuration|Args|Arguments|Options|Params|Parameters)$")


def option_dest(call: ast.Call) -> str | None:
    """The attribute an ``add_argument("--model-name", ...)`` / ``click.option(...)`` sets."""
    dest = next((kw.value for kw in call.keywords if kw.arg == "dest"), None)
    if isinstance(dest, ast.Constant) and isinstance(dest.value, str):
        return dest.value
    names = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    longs = [n for n in names if n.startswith("--")]
    plain = [n for n in names if not n.startswith("-")]
    chosen = longs[0][2:] if longs else plain[0] if plain else names[0].lstrip("-") if names else None
    return chosen.replace("-", "_") if chosen else None


class BindingVisitor(ast.NodeVisitor):
    """Walks a module keeping :attr:`scope` current and recording every name binding in it.

    Besides names it records :attr:`attributes`: what an attribute of that name can hold,
    from class-level fields (dataclasses read by ``HfArgumentParser``), ``obj.attr = value``
    assignments and ``add_argument("--attr", default=...)`` (argparse), so that
    ``args.model_name`` can be followed to its default.

    ``trigger_lines`` (sorted line numbers, or None for everything) prunes the walk: a function
    or class body that spans none of them is skipped, since nothing in it can be of interest
    and its bindings are invisible outside it.
    """

    def __init__(self, trigger_lines: list[int] | None) -> None:
        self.trigger_lines = trigger_lines
        self.scope = Scope(None)
        self.attributes: dict[str, list[Binding]] = {}
        # Functions defined in the module (name -> (definition, its scope)) and calls by plain
        # name, so that a call's arguments can be bound to the parameters they feed.
        self.functions: dict[str, tuple[ast.FunctionDef | ast.AsyncFunctionDef, Scope]] = {}
        # A class's own __init__ (class name -> (definition, its scope)): `Runner("org/m")` feeds it.
        self.initialisers: dict[str, tuple[ast.FunctionDef | ast.AsyncFunctionDef, Scope]] = {}
        self._class_name: str | None = None
        # Calls by plain name (`load(...)`) and of a name's attribute (`models.load(...)`).
        self.calls: list[tuple[ast.Call, Scope]] = []
        self._arguments_bound = False
        self.aliases: dict[str, str] = {}  # `from x import name as alias`: alias -> name
        self.imported_from: dict[str, str] = {}  # `from pkg.mod import name`: name -> pkg
        # Attributes filled from the command line: argparse options and dataclass fields.
        self.parsed_attributes: set[str] = set()
        self._in_dataclass = False
        self.classes: dict[str, Scope] = {}  # class name -> its body (the last one of that name)
        # In a class that holds settings (a dataclass, BaseSettings, a *Config/*Args class): its
        # fields are what a program is configured with, not a stub's or a request schema's values.
        self.in_settings = False

    def assigned(self, target: ast.expr, value: ast.expr) -> None:
        """Called for each ``target = value`` (plain or annotated) before ``value`` is visited."""

    def _bind_target(self, target: ast.expr, value: ast.expr | None, each: bool = False) -> None:
        if isinstance(target, ast.Name):
            self.scope.bind(target.id, value, each=each)
            if self.scope.is_class:
                self.attributes.setdefault(target.id, []).append((value, self.scope, each))
                if self._in_dataclass:
                    self.parsed_attributes.add(target.id)
        elif isinstance(target, ast.Attribute):
            self.attributes.setdefault(target.attr, []).append((value, self.scope, each))
        elif isinstance(target, (ast.Tuple, ast.List)):
            if each:  # for name, flag in [("org/m", True), ...]: name takes each row's first item
                for i, column in enumerate(columns(value, len(target.elts))):
                    self._bind_target(target.elts[i], column, each=column is not None)
                return
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
        # click/typer decorators: @click.option("--model", default="org/name") feeds parameter "model".
        decorated: dict[str, ast.expr] = {}
        cases: dict[str, ast.expr] = {}  # @pytest.mark.parametrize: a parameter takes each case's value
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self.visit(decorator)
                if isinstance(decorator, ast.Call) and callee(decorator) == "parametrize":
                    cases.update(parametrized(decorator, self.scope))
                if isinstance(decorator, ast.Call) and callee(decorator) in _CLICK_PARAMS:
                    dest = option_dest(decorator)
                    default = next((kw.value for kw in decorator.keywords if kw.arg == "default"), None)
                    if dest and default is not None:
                        decorated[dest] = default
            self.scope.bind(node.name, None)
            if not self._relevant(node):
                return
        scope = Scope(self.scope)
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(
            args.defaults
        )
        for arg, default in [*zip(positional, defaults), *zip(args.kwonlyargs, args.kw_defaults)]:
            # A default is evaluated where the function is defined, not inside it.
            if arg.arg in cases:
                scope.bind(arg.arg, cases[arg.arg], self.scope, each=True)
            else:
                scope.bind(arg.arg, decorated.get(arg.arg, default), self.scope)
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                scope.bind(extra.arg, None)
        if not isinstance(node, ast.Lambda):
            self.functions[node.name] = (node, scope)
            if node.name == "__init__" and self.scope.is_class and self._class_name is not None:
                self.initialisers[self._class_name] = (node, scope)
        outer_class, self._class_name = self._class_name, None
        self._enter(scope, node.body)
        self._class_name = outer_class

    def bind_call_arguments(self) -> None:
        """Bind each module function's parameters to what its calls in the module pass
        (``train(base_model=args.base_model)`` feeds ``def train(base_model)``), after the walk;
        once (another call does nothing: each argument bound twice would count twice)."""
        if self._arguments_bound:
            return
        self._arguments_bound = True
        for call, caller in self.calls:
            if isinstance(call.func, ast.Name):
                target = self.function(call.func.id)
                if target is not None:
                    bind_arguments(call, *target, caller)

    def function(self, name: str) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, Scope, bool] | None:
        """The function a call of ``name`` runs in this module: (definition, its scope, whether it is
        a class's ``__init__``, whose first parameter is the new object)."""
        if name in self.functions:
            return (*self.functions[name], False)
        if name in self.initialisers:
            return (*self.initialisers[name], True)
        return None

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        self.scope.bind(node.name, None)
        if self._relevant(node):
            outer, self._in_dataclass = self._in_dataclass, any(
                "dataclass" in ast.unparse(d) for d in node.decorator_list)
            outer_settings, self.in_settings = self.in_settings, self._in_dataclass or any(
                _SETTINGS_CLASS.search(name) for name in [node.name, *map(ast.unparse, node.bases)])
            bases = tuple(self.classes[name] for base in node.bases
                          if (name := base.id if isinstance(base, ast.Name) else base.attr
                              if isinstance(base, ast.Attribute) else None) in self.classes)
            body = self.classes[node.name] = Scope(self.scope, is_class=True, bases=bases)
            outer_class, self._class_name = self._class_name, node.name
            self._enter(body, node.body)
            self._class_name = outer_class
            self._in_dataclass, self.in_settings = outer, outer_settings

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) or isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            self.calls.append((node, self.scope))
        if callee(node) == "add_argument":
            dest = option_dest(node)
            default = next((kw.value for kw in node.keywords if kw.arg == "default"), None)
            if dest:
                self.attributes.setdefault(dest, []).append((default, self.scope, False))
                self.parsed_attributes.add(dest)
        self.generic_visit(node)

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
        elif self.scope.is_class and isinstance(node.target, ast.Name):
            # A dataclass field without a default: the value comes from outside.
            self.attributes.setdefault(node.target.id, []).append((None, self.scope, False))
            if self._in_dataclass:
                self.parsed_attributes.add(node.target.id)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._bind_target(node.target, None)
        self.visit(node.value)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._bind_target(node.target, node.value)
        self.visit(node.value)

    def _bind_loop(self, node: ast.For | ast.AsyncFor) -> None:
        self._bind_target(node.target, node.iter, each=True)
        self.generic_visit(node)

    visit_For = visit_AsyncFor = _bind_loop

    def visit_comprehension(self, node: ast.comprehension) -> None:
        # Comprehension variables live in their own scope in Python 3; binding them here is
        # close enough for following ``[load(m) for m in MODELS]``.
        self._bind_target(node.target, node.iter, each=True)
        self.generic_visit(node)

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
            if isinstance(node, ast.ImportFrom):
                origin = Imported(module=node.module or "", name=alias.name, level=node.level)
            else:  # `import a.b as m` binds m to a.b; `import a.b` binds a to a
                origin = Imported(module=alias.name if alias.asname else alias.name.partition(".")[0], name=None,
                                  level=0)
            self.scope.bind((alias.asname or alias.name).partition(".")[0], ast.copy_location(origin, node))
            if alias.asname and isinstance(node, ast.ImportFrom):
                self.aliases[alias.asname] = alias.name
            if isinstance(node, ast.ImportFrom) and node.module:
                self.imported_from[alias.asname or alias.name] = node.module.partition(".")[0]

    visit_Import = visit_ImportFrom = _bind_imports
