"""Follow an expression to the strings it can hold, without running the code.

The data flow is local to one module: names bound by assignments, parameters with defaults,
``for`` loops over literals, conditional expressions (``a if c else "org/name"``), ``x or
"org/name"``, concatenation and f-strings, dict/list literals indexed later, ``os.getenv(KEY,
"org/name")``, ``typer.Option("org/name")``/``field(default="org/name")``, and attributes
(``args.model``) through argparse defaults, dataclass fields and ``obj.attr = ...``. A name
imported from another module of the scanned tree (``from .config import MODEL``, ``config.MODEL``)
is followed there by an ``imports`` hook (:mod:`catalog.scan.python_imports`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from catalog.scan.python_scopes import Binding, Imported, Passed, Scope

_MAX_DEPTH = 24
# The strings one expression is followed to (a table of ids; the products of concatenations).
MAX_VALUES = 64
_ENV_GETTERS = ("getenv", "get")
_DEFAULT_HOLDERS = ("Option", "Argument", "field", "Field", "Query", "Param")
# Calls that build a filesystem path: what they return is a local folder, never a Hub id.
_PATH_BUILDERS = ("join", "Path", "abspath", "expanduser", "realpath", "dirname", "joinpath", "resolve",
                  "mkdtemp", "TemporaryDirectory", "cwd", "home")
# pathlib's attributes that hold a folder: `config_path.parent`, `ckpt.parents[1]`.
_PATH_ATTRIBUTES = ("parent", "parents")
_STR_METHODS = ("strip", "lower", "rstrip", "lstrip")
# Calls that hand back (the elements of) their first argument: `for m in tqdm(MODELS)`.
_WRAPPERS = ("tqdm", "list", "tuple", "sorted", "reversed", "set", "iter", "frozenset")


@dataclass(frozen=True)
class Value:
    """One string an expression can hold, where it is written and the names followed to it."""

    text: str
    node: ast.expr
    via: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()  # of this module: the lines that decide the value
    # (file, column) of the literal when another module of the tree writes it (``node`` is then
    # that module's, ``lines`` empty).
    origin: tuple[str, int] | None = None


@dataclass
class Resolution:
    """The strings found, and whether some path of the data flow could not be followed."""

    values: list[Value]
    unresolved: bool = False
    # Read through an attribute (parsed arguments, a config object): a default was found, but
    # the command line or the caller can replace it.
    overridable: bool = False
    # More values than MAX_VALUES: those past it are not seen, whatever was found before them.
    stopped: bool = False


class Resolver:
    """Resolves expressions of one module; ``attributes`` comes from :class:`BindingVisitor`.

    ``loaders(call)`` says whether a call returns a loaded model (so a name bound to it holds an
    object, not an id to report or to call unresolved).
    """

    def __init__(self, attributes: dict[str, list[Binding]], loaders, parsed: set[str],
                 imports: Callable[[Imported, str | None], Resolution | None] | None = None) -> None:
        self.attributes = attributes
        self.loaders = loaders
        self.parsed = parsed  # attribute names the command line fills (argparse, dataclass fields)
        # imports(origin, attribute): what an imported name (or an attribute of an imported
        # module) holds in the module of the tree that defines it; None when the tree has no
        # such module.
        self.imports = imports
        # What each name read in a scope holds, once per resolve(): None while it is being resolved.
        self._names: dict[tuple[str, int], Resolution | None] = {}

    def resolve(self, node: ast.expr | None, scope: Scope) -> Resolution:
        """Every string ``node`` can evaluate to in ``scope``."""
        out = Resolution([])
        outer, self._names = self._names, {}
        try:
            self._resolve(node, scope, out, 0, frozenset(), ())
        finally:
            self._names = outer
        return out

    def _resolve(self, node: ast.expr | None, scope: Scope, out: Resolution, depth: int,
                 seen: frozenset[int], via: tuple[str, ...]) -> None:
        if node is None or depth > _MAX_DEPTH or len(out.values) >= MAX_VALUES:
            # Past the bound the rest is unseen, and said so (a loop over 80 ids: 64 and a problem).
            out.unresolved = True
            out.stopped = out.stopped or len(out.values) >= MAX_VALUES
            return
        if id(node) in seen:
            # x = x + "suffix": a cycle adds nothing new, and what it stands for is not seen (the
            # values of x's other bindings are found; self.model = config.model alone is unknown).
            out.unresolved = True
            return
        seen = seen | {id(node)}
        step = depth + 1
        if isinstance(node, Passed):  # a probe, not a value written here
            out.values.append(Value(node.value, node, via))
            return
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                out.values.append(Value(node.value, node, via, (node.lineno,)))
            elif node.value is None:
                out.unresolved = True  # `def load(name=None)`: the caller supplies it
            return
        if isinstance(node, (ast.JoinedStr, ast.BinOp)):
            self._concatenation(node, scope, out, step, seen, via)
            return
        if isinstance(node, ast.IfExp):
            self._resolve(node.body, scope, out, step, seen, via)
            self._resolve(node.orelse, scope, out, step, seen, via)
            return
        if isinstance(node, ast.BoolOp):
            inner = Resolution([])
            for value in node.values:
                self._resolve(value, scope, inner, step, seen, via)
            out.values += inner.values
            # `args.model or "org/name"`: the fallback is what the code names; the rest is input.
            out.unresolved = out.unresolved or (inner.unresolved and not inner.values)
            out.stopped = out.stopped or inner.stopped
            return
        if isinstance(node, ast.Name):
            self._name(node, scope, out, step, seen, via)
            return
        if isinstance(node, ast.Attribute):
            if node.attr in _PATH_ATTRIBUTES:
                return  # pathlib's `ckpt.parent`: a local folder, nothing unseen
            if self._module_attribute(node, scope, out, via):
                return
            own = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            self._once(("." + node.attr, id(_class_of(scope)) if own else 0), out, via, lambda found: self._bindings(
                self._own(node, scope), found, step, frozenset(), (node.attr,), node))
            if node.attr in self.parsed:
                out.unresolved = out.overridable = True
            return
        if isinstance(node, ast.Subscript):
            self._subscript(node, scope, out, step, seen, via)
            return
        if isinstance(node, ast.Call):
            self._call(node, scope, out, step, seen, via)
            return
        if isinstance(node, ast.NamedExpr):
            self._resolve(node.value, scope, out, step, seen, via)
            return
        out.unresolved = True

    def _name(self, node: ast.Name, scope: Scope, out: Resolution, depth: int,
              seen: frozenset[int], via: tuple[str, ...]) -> None:
        # Each name of a scope is followed once per resolve() and its values reused: a parameter
        # bound to what every caller passes, each caller's own parameter so bound in turn (h2o
        # LLM Studio's `q` through 314 calls of one module), was followed once per path through
        # the calls, exponentially (25 s for one tree, where 0.4 s had sufficed before J).
        self._once((node.id, id(scope)), out, via, lambda found: self._bindings(
            scope.lookup(node.id), found, depth, frozenset(), (node.id,), node))

    def _once(self, key: tuple[str, int], out: Resolution, via: tuple[str, ...],
              resolve: Callable[[Resolution], None]) -> None:
        """Add what ``key`` (a name in a scope, or an attribute as read in a class) holds, resolved
        by ``resolve`` the first time this resolve() asks for it and reused after (attributes too:
        optimum-intel's `self.model` chains did not end)."""
        if key in self._names:
            found = self._names[key]
            if found is None:  # under way: a cycle through this name (x = x + "suffix")
                out.unresolved = True
                return
        else:
            self._names[key] = None
            found = Resolution([])
            resolve(found)
            self._names[key] = found
        room = MAX_VALUES - len(out.values)
        out.values += [Value(v.text, v.node, (*via, *v.via), v.lines, v.origin) for v in found.values[:room]]
        out.unresolved = out.unresolved or found.unresolved or len(found.values) > room
        out.overridable = out.overridable or found.overridable
        out.stopped = out.stopped or found.stopped or len(found.values) > room

    def _bindings(self, bindings: list[Binding] | None, out: Resolution, depth: int,
                  seen: frozenset[int], via: tuple[str, ...], use: ast.expr) -> None:
        if not bindings:
            out.unresolved = True
            return
        for value, where, each in bindings:
            if value is None:
                out.unresolved = True
            elif isinstance(value, Imported):
                self._imported(value, None, out, via)
            elif each:
                self._elements(value, where, out, depth, seen, via)
            else:
                before = len(out.values)
                self._resolve(value, where, out, depth, seen, via)
                for index in range(before, len(out.values)):
                    found = out.values[index]
                    if found.origin is None:
                        out.values[index] = Value(found.text, found.node, found.via, (*found.lines, value.lineno))

    def _own(self, node: ast.Attribute, scope: Scope) -> list[Binding] | None:
        """What ``node``'s attribute can hold: for ``self.x`` / ``cls.x`` in a class's method, what
        that class, the module's classes it derives from or those derived from it set it to, if any
        does (two unrelated classes of a module each with a ``model_name`` default: each loads its
        own), else every binding of that attribute name in the module."""
        bindings = self.attributes.get(node.attr)
        if not bindings or not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
            return bindings
        owner = _class_of(scope)
        family = owner.family() if owner is not None else set()
        own = [b for b in bindings if _class_of(b[1]) in family]
        return own or bindings

    def _module_attribute(self, node: ast.Attribute, scope: Scope, out: Resolution, via: tuple[str, ...]) -> bool:
        """``config.MODEL`` where ``config`` is an imported module of the tree: resolved there."""
        if self.imports is None or not isinstance(node.value, ast.Name):
            return False
        module = scope.imported(node.value.id)
        return module is not None and self._imported(module, node.attr, out, via, fallback=False)

    def _imported(self, origin: Imported, attribute: str | None, out: Resolution, via: tuple[str, ...],
                  fallback: bool = True) -> bool:
        """Add what the tree's module behind ``origin`` holds; without one, the value is unseen
        (or, ``fallback`` False, left to the caller)."""
        found = self.imports(origin, attribute) if self.imports is not None else None
        if found is None:
            out.unresolved = out.unresolved or fallback
            return False
        out.values += [Value(v.text, v.node, (*via, *v.via), v.lines, v.origin) for v in found.values]
        out.unresolved = out.unresolved or found.unresolved
        out.overridable = out.overridable or found.overridable
        return True

    def _elements(self, container: ast.expr, scope: Scope, out: Resolution, depth: int,
                  seen: frozenset[int], via: tuple[str, ...]) -> None:
        """Each element of a literal container (``for m in MODELS``), following names to it."""
        trail: list[str] = []
        found = self._containers(container, scope, depth, set(), trail)
        if trail:  # through parsed arguments: the command line can replace the default list
            out.unresolved = out.overridable = True
        if not found:
            out.unresolved = True
            return
        for node, where in found:
            items = [k for k in node.keys if k is not None] if isinstance(node, ast.Dict) else node.elts
            for item in items:  # iterating a dict yields its keys
                self._resolve(item, where, out, depth + 1, seen, via)

    def _containers(self, node: ast.expr, scope: Scope, depth: int, seen: set[int],
                    trail: list[str] | None = None) -> list[tuple[ast.expr, Scope]]:
        """The list/tuple/set/dict literals ``node`` can be, through names, attributes and wrappers."""
        if depth > _MAX_DEPTH or id(node) in seen:
            return []
        seen.add(id(node))
        if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
            return [(node, scope)]
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if isinstance(node.func, ast.Attribute) and name in ("values", "keys", "items", "copy"):
                return self._containers(node.func.value, scope, depth + 1, seen, trail)
            if name in _WRAPPERS and node.args:
                return self._containers(node.args[0], scope, depth + 1, seen, trail)
            return []
        if isinstance(node, ast.IfExp):
            return [*self._containers(node.body, scope, depth + 1, seen, trail),
                    *self._containers(node.orelse, scope, depth + 1, seen, trail)]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # LIST_A + LIST_B
            return [*self._containers(node.left, scope, depth + 1, seen, trail),
                    *self._containers(node.right, scope, depth + 1, seen, trail)]
        if isinstance(node, ast.Name):
            bindings = scope.lookup(node.id) or []
        elif isinstance(node, ast.Attribute):
            bindings = self.attributes.get(node.attr) or []
            if trail is not None and node.attr in self.parsed:
                trail.append(node.attr)
        else:
            return []
        found = []
        for value, where, each in bindings:
            if value is not None and not each:
                found += self._containers(value, where, depth + 1, seen, trail)
        return found

    def _literal_container(self, node: ast.expr, scope: Scope, depth: int) -> tuple[ast.expr, Scope] | None:
        found = self._containers(node, scope, depth, set())
        return found[0] if len(found) == 1 else None

    def _subscript(self, node: ast.Subscript, scope: Scope, out: Resolution, depth: int,
                   seen: frozenset[int], via: tuple[str, ...]) -> None:
        literal = self._literal_container(node.value, scope, depth)
        if literal is None:
            out.unresolved = True
            return
        container, where = literal
        key = node.slice
        if isinstance(container, ast.Dict):
            pairs = [(k, v) for k, v in zip(container.keys, container.values) if k is not None]
            if isinstance(key, ast.Constant):
                chosen = [v for k, v in pairs if isinstance(k, ast.Constant) and k.value == key.value]
                pairs = [(None, v) for v in chosen] or pairs
            for _, value in pairs:
                self._resolve(value, where, out, depth, seen, via)
            return
        elements = container.elts  # type: ignore[attr-defined]
        if isinstance(key, ast.Constant) and isinstance(key.value, int) and -len(elements) <= key.value < len(
            elements
        ):
            elements = [elements[key.value]]
        for element in elements:
            self._resolve(element, where, out, depth, seen, via)

    def _call(self, node: ast.Call, scope: Scope, out: Resolution, depth: int,
              seen: frozenset[int], via: tuple[str, ...]) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name in _ENV_GETTERS and _is_environment(func):
            default = next((kw.value for kw in node.keywords if kw.arg == "default"), None)
            if default is None and len(node.args) > 1:
                default = node.args[1]
            self._resolve(default, scope, out, depth, seen, via)
            return
        if name == "get" and isinstance(func, ast.Attribute) and len(node.args) == 2:
            # cfg.get("text_encoder_path", TE): the default, unless the configuration holds the key.
            self._resolve(node.args[1], scope, out, depth, seen, via)
            out.unresolved = out.overridable = True
            return
        if name in _DEFAULT_HOLDERS:
            default = next((kw.value for kw in node.keywords if kw.arg == "default"), None)
            if default is None and node.args:
                default = node.args[0]
            self._resolve(default, scope, out, depth, seen, via)  # no default: the value comes from outside
            return
        if name == "str" and len(node.args) == 1:
            self._resolve(node.args[0], scope, out, depth, seen, via)
            return
        if name in _STR_METHODS and isinstance(func, ast.Attribute) and not node.args:
            self._resolve(func.value, scope, out, depth, seen, via)
            return
        if name == "join" and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Constant):
            out.unresolved = True  # "/".join(parts[:-1]): an id built at run time (Open-Sora), not a path
            return
        if name in _PATH_BUILDERS or self.loaders(node):
            return  # a local path or a loaded object: nothing to report, nothing unseen
        out.unresolved = True

    def _concatenation(self, node: ast.JoinedStr | ast.BinOp, scope: Scope, out: Resolution, depth: int,
                       seen: frozenset[int], via: tuple[str, ...]) -> None:
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Div):
                return  # pathlib's `base / "name"`: a local path
            if not isinstance(node.op, ast.Add):
                out.unresolved = True
                return
            parts: list[ast.expr] = [node.left, node.right]
        else:
            parts = [v.value if isinstance(v, ast.FormattedValue) else v for v in node.values]
        texts = [""]
        lines: set[int] = set()
        names = list(via)
        for part in parts:
            inner = Resolution([])
            self._resolve(part, scope, inner, depth, seen, ())
            if not inner.values:
                out.unresolved = True
                return
            for value in inner.values:
                lines.update(value.lines)  # empty for a value written in another module
                names += [n for n in value.via if n not in names]
            texts = [t + v.text for t in texts for v in inner.values]
            if inner.stopped or len(texts) > MAX_VALUES:
                out.unresolved = out.stopped = True
                texts = texts[:MAX_VALUES]
        for text in texts:
            out.values.append(Value(text, node, tuple(names), tuple(sorted(lines))))


def _class_of(scope: Scope | None) -> Scope | None:
    """The class body a scope is in (a method's class), or None."""
    while scope is not None and not scope.is_class:
        scope = scope.parent
    return scope


def _is_environment(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id == "getenv"
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    owner_name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else None
    return func.attr == "getenv" or owner_name == "environ"
