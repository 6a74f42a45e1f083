"""A model id passed to a project's own function defined in another module of the scanned tree.

``load("org/m")`` in ``app.py``, where ``pkg/models.py`` holds ``def load(name): return
AutoModel.from_pretrained(name)``: the id is written in one module and loaded in the other, so
neither sees the use alone (the caller sees a project function, the callee an
``unresolved-reference``), and a gate reading one module at a time passed a model it never saw.

For a call of a function or class that the caller imports from the tree
(:meth:`catalog.scan.python_imports.Imports.callable`), the callee's module is read once per
tree with a probe (:class:`~catalog.scan.python_scopes.Passed`) bound to each parameter of its
module-level functions and classes' ``__init__``: the loads a probe reaches through the module's
own data flow (its other functions included) are the loads that parameter feeds. Each id-shaped
string the call passes to such a parameter is then a reference at the caller's literal, judged
as a loader's argument would be, and the callee's ``unresolved-reference`` at that load is
settled, as a call within one module settles it.

One step: what the callee passes on to a third module is not followed; nor is a value the
callee transforms before loading it (``f"{name}-GGUF"``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import Any, NamedTuple

from catalog.scan.base import Reference
from catalog.scan.ids import looks_like_repo_id
from catalog.scan.python_gate import has_rule_word
from catalog.scan.python_imports import Imports
from catalog.scan.python_loaders import returns_object
from catalog.scan.python_scopes import Imported, Passed, Scope
from catalog.scan.python_strings import unparse
from catalog.scan.python_values import Resolver, Value

# An import statement: `import a.b as c`, `from .m import x, y`, `from m import (\n x,\n)`.
_IMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]*(?:\([^)]*\)|[^\n]*)|import[ \t]+[^\n]*)", re.MULTILINE)
# Import statements read to decide whether a module that names no loader is worth parsing.
MAX_GATE_IMPORTS = 200
# Modules read for their parameters' loads in one tree, and their bytes: a tree whose calls reach
# more is still scanned, and says once where it stopped following (a scan-incomplete entry).
MAX_PROBED_MODULES = 256
MAX_PROBED_BYTES = 64 * 1024 * 1024


class Load(NamedTuple):
    """A load a parameter of a callee feeds: its position (how its argument is judged), the line
    of the load's call in the callee's module, and the revision it pins."""

    position: Any  # catalog.scan.python_loaders.Position
    line: int
    revision: str | None


class Callee(NamedTuple):
    """A module-level function (or a class, through its ``__init__``) whose parameters feed loads."""

    positional: tuple[str, ...]  # the parameters a call fills by position (a class's `self` left out)
    keywords: frozenset[str]
    loads: dict[str, list[Load]]  # parameter -> the loads it feeds


class ModuleLoads(NamedTuple):
    """What one module offers the calls other modules make to it."""

    file: str  # as reported
    names: frozenset[str]  # its module-level functions and classes
    callees: dict[str, Callee]  # those whose parameters feed loads
    # The names it imports (Scope.imported), which another module may import from it; None when
    # it was not read (Imports.callable then reads it for them).
    reexports: dict[str, Imported] | None


NO_LOADS = ModuleLoads("", frozenset(), {}, None)


class Ahead(NamedTuple):
    """A module's scan made ahead of its turn (:func:`loads_of`), for its turn (:func:`taken_ahead`)."""

    data: bytes
    file: str  # as reported
    scanner: Any  # the catalog.scan.python._Scanner, finished but for follow_calls
    refs: list[Reference]
    problems: list[Any]  # ScanProblem
    answers: dict[str, bool]


class CallsFollowed:
    """The half of :class:`catalog.scan.python._Scanner` that follows its calls into the tree's
    other modules (:meth:`follow_calls`), and, when it reads such a module for its callers,
    records the loads its parameters reach (:meth:`reached`, called by the scanner's resolution)."""

    file: str
    check: Any
    calls: list[tuple[ast.Call, Scope]]
    refs: list[Reference]
    resolver: Any
    pending: list[tuple[ast.Call, Any, Scope]]
    functions: dict[str, tuple[ast.FunctionDef | ast.AsyncFunctionDef, Scope]]
    initialisers: dict[str, tuple[ast.FunctionDef | ast.AsyncFunctionDef, Scope]]

    def __init__(self, trigger_lines: list[int] | None) -> None:
        super().__init__(trigger_lines)  # type: ignore[call-arg]
        # Read for its callers: (function or class name, whether a class) -> parameter -> its loads.
        self.loads: dict[tuple[str, bool], dict[str, list[Load]]] = {}
        self._module_resolver: Resolver | None = None

    def reached(self, probe: Passed, position: Any, line: int, revision: str | None) -> None:
        """Record that ``probe``'s parameter feeds the load at ``line`` judged by ``position``."""
        name, initialiser, param = probe.tag
        self.loads.setdefault((name, initialiser), {}).setdefault(param, []).append(Load(position, line, revision))

    def follow_calls(self) -> list[Reference]:
        """A reference for each id-shaped string this module's calls pass to a load in another
        module of the tree, each settling that load's unresolved-reference (``check.settled``)."""
        imports: Imports | None = self.resolver.imports
        refs: list[Reference] = []
        if imports is None:
            return refs
        for call, scope in self.calls:
            origin = _imported(call, scope)
            if origin is None or not call.args and not call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
                continue
            # What the call passes, first: most calls of imported names pass no id, and reading the
            # callee's module for them would cost a parse each.
            passed = [(i, k, ids) for i, k, a in _arguments(call) if (ids := self._ids(a, scope))[0]]
            if not passed:
                continue
            target = imports.callable(origin, call.func.attr if isinstance(call.func, ast.Attribute) else None)
            if target is None:
                continue
            module = loads_of(target[0], imports, type(self), self.check)
            if module is None:  # past the tree's bound
                if not imports.modules.probes_stopped:
                    imports.modules.probes_stopped = True
                    self.check.problem("scan-incomplete", self.file, call.lineno, self.column(call),  # type: ignore[attr-defined]
                                       f"{unparse(call.func)}(...) and later calls into the tree's other modules are "
                                       f"not followed with the ids they pass (past {MAX_PROBED_MODULES} modules "
                                       "read ahead of their own scan)")
                continue
            callee = module.callees.get(target[1])
            if callee is None:
                continue
            for index, keyword, ids in passed:
                param = keyword if keyword in callee.keywords else callee.positional[index] \
                    if index is not None and index < len(callee.positional) else None
                if param in callee.loads:
                    refs += self._passed(call, ids, module.file, callee.loads[param])
        return refs

    def _ids(self, arg: ast.expr, scope: Scope) -> tuple[list[Value], bool]:
        """The id-shaped strings ``arg`` can hold that are not local folders, and whether the data
        flow stopped at its bound before the end, through this module's names only: most calls of
        imported names pass no id, and following their arguments into further modules would read
        those for nothing (a constant another module writes and names for a model is reported there)."""
        if self._module_resolver is None:
            self._module_resolver = Resolver(self.attributes, returns_object, self.parsed_attributes)  # type: ignore[attr-defined]
        resolution = self._module_resolver.resolve(arg, scope)
        return ([v for v in resolution.values if looks_like_repo_id(v.text) and not self.is_local(v.text, v.via)],  # type: ignore[attr-defined]
                resolution.stopped)

    def _passed(self, call: ast.Call, ids: tuple[list[Value], bool], callee_file: str,
                loads: list[Load]) -> list[Reference]:
        """The references of the strings ``call`` passes (``ids``), each given to ``loads`` in ``callee_file``."""
        refs = []
        through = f"{unparse(call.func)}()"
        values, stopped = ids
        if stopped:  # the data flow stopped at its bound: the rest is unseen, and said so
            self.check.problem("unresolved-reference", self.file, call.lineno, self.column(call),  # type: ignore[attr-defined]
                               f"{through} passes more values than discovery follows to a load in {callee_file}")
        for value in values:
            file, column = value.origin or (self.file, self.column(value.node))  # type: ignore[attr-defined]
            for load in loads:
                # A bare name through a project's function is as often its test's stand-in
                # ("mock-model") as a legacy id: only an org/name or one the catalogue knows.
                repo_id = self._accept(value.text, replace(load.position, strong=False))  # type: ignore[attr-defined]
                if repo_id is None:
                    continue
                refs.append(Reference(repo_id, file, value.node.lineno, column, "python-call", load.revision,
                                      f"{through} → {load.position.context}", value.lines))
                self.check.settled.append((callee_file, load.line))
        return refs

    def probe(self, tree: ast.Module, loaders: bool) -> ModuleLoads:
        """Bind a probe to each parameter of the module's functions and classes' ``__init__``, resolve
        its loads' arguments, and return the loads each parameter feeds. The module's own references
        and problems are its own scan's, not repeated here. Without a word some rule looks for
        (``loaders`` False: :func:`~catalog.scan.python_gate.has_rule_word`, as its scan found),
        the module loads nothing, which is what Imports.callable assumes of a module it does not read."""
        probed_names: list[tuple[Scope, str]] = []
        names: set[str] = set()
        signatures: dict[tuple[str, bool], tuple[tuple[str, ...], frozenset[str]]] = {}
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                function, initialiser = _initialiser(node), True
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                function, initialiser = node, False
            else:
                continue
            names.add(node.name)
            if not loaders:
                continue
            bound = (self.initialisers if initialiser else self.functions).get(node.name)
            if function is None or bound is None or bound[0] is not function:
                continue  # no __init__, or the name rebound later in the module
            params = [*function.args.posonlyargs, *function.args.args][1 if initialiser else 0:]
            signatures[node.name, initialiser] = (tuple(p.arg for p in params),
                                                  frozenset(p.arg for p in [*function.args.args, *function.args.kwonlyargs]))
            for param in [*params, *function.args.kwonlyargs]:
                probe = Passed(f"\0{node.name}.{param.arg}")  # never an id: nothing but the probe branch takes it
                probe.tag = (node.name, initialiser, param.arg)
                bound[1].bind(param.arg, ast.copy_location(probe, function), bound[1])
                probed_names.append((bound[1], param.arg))
        if probed_names:
            problems, refs = len(self.check.problems), len(self.refs)
            self.bind_call_arguments()  # type: ignore[attr-defined]
            for call, position, scope in self.pending:
                self.resolve_position(call, position, scope)  # type: ignore[attr-defined]
            # What the pass found is the module's own scan's, reported there: the scanner is left as
            # it was (the calls it makes are followed after this, with the parameters' own values).
            del self.check.problems[problems:], self.refs[refs:]
            for scope, name in probed_names:
                kept = [b for b in scope.bindings[name] if not isinstance(b[0], Passed)]
                if kept:
                    scope.bindings[name] = kept
                else:
                    del scope.bindings[name]
        module_scope = self.scope  # type: ignore[attr-defined]
        reexports = {name: origin for name in module_scope.bindings if (origin := module_scope.imported(name))}
        return ModuleLoads(self.file, frozenset(names), {name: Callee(*signatures[name, initialiser], loads)
                                                         for (name, initialiser), loads in self.loads.items()}, reexports)


def loads_of(path: str, imports: Imports, reader: Any, check: Any) -> ModuleLoads | None:
    """What the module at ``path`` offers its callers: recorded by its own scan, or read here (by
    ``reader``, the scanner class) the first time a call needs it before that scan, read as that
    scan reads it (the same bodies walked), so the answer does not depend on which comes first.
    None past the tree's bounds."""
    modules = imports.modules
    if path in modules.loads:
        return modules.loads[path]
    module = imports.module(path)
    if module is None or module.tree is None or not has_rule_word(module.data):
        modules.loads[path] = NO_LOADS  # no loader there, or unreadable (its own scan says why)
        return NO_LOADS
    if modules.probed >= MAX_PROBED_MODULES or modules.probed_bytes + len(module.data) > MAX_PROBED_BYTES:
        return None
    modules.probed += 1
    modules.probed_bytes += len(module.data)
    tree, module.tree = module.tree, None  # the scanner holds it now
    # The module's own scan, made now but for the calls it makes (followed in its turn, when the
    # modules they reach may have been read): what it reports and the catalogue answers it used
    # are kept for its turn (taken_ahead), apart from the scan under way.
    answers, problems = check.answers, len(check.problems)
    check.answers = {}
    try:
        scanner = reader.read(module.data, module.file, check, tree, module.imports)
        refs = list(scanner.finish())
        modules.ahead[path] = Ahead(module.data, module.file, scanner, refs, check.problems[problems:], check.answers)
    finally:
        del check.problems[problems:]
        check.answers = answers
    found = modules.loads[path] = scanner.probe(tree, True)
    return found


def taken_ahead(data: bytes, file: str, imports: Imports, check: Any) -> tuple[Any, list[Reference]] | None:
    """The scanner and references of this module's scan (``imports``: its own) if another module's
    call made it ahead of its turn (:func:`loads_of`; the same bytes, reported as ``file``), its
    problems and catalogue answers restored to this file's scan; None otherwise."""
    ahead = imports.modules.ahead.pop(imports.path, None)
    if ahead is None or ahead.data != data or ahead.file != file:
        return None
    check.problems += ahead.problems
    check.answers.update(ahead.answers)
    return ahead.scanner, ahead.refs


def may_pass(data: bytes, imports: Imports, reader: Any, check: Any) -> bool:
    """Whether a module that quotes ids and names no loader imports a function or class of the tree
    whose parameters feed a loader (judged from its import statements alone), so that it is worth
    parsing for the calls it makes: most such modules quote dataset ids or labels, and parsing
    them all cost a third more on test-heavy trees."""
    for count, match in enumerate(_IMPORT.finditer(data)):
        if count == MAX_GATE_IMPORTS:  # a generated or hostile file: parsed, as one naming a loader is
            return True
        try:
            statements = ast.parse(match.group(0).decode("utf-8", "replace").strip()).body
        except (SyntaxError, ValueError):
            continue
        for node in statements:
            for path, name in _imported_modules(node, imports):
                offered = loads_of(path, imports, reader, check)
                if offered is None or (offered.callees if name is None else name in offered.callees):
                    return True
    return False


def _imported_modules(node: ast.stmt, imports: Imports) -> list[tuple[str, str | None]]:
    """(path, name) of what an import statement takes from the tree: a function or class of a
    module (``from m import load``), or a module whose functions a call may name (name None)."""
    found: list[tuple[str, str | None]] = []
    if isinstance(node, ast.ImportFrom):
        for alias in node.names:
            target = imports.callable(Imported(module=node.module or "", name=alias.name, level=node.level), None)
            if target is not None:
                found.append(target)
            submodule = imports.find(node.level, ".".join(p for p in (node.module, alias.name) if p))
            if submodule is not None:  # from pkg import models; models.load(...)
                found.append((submodule, None))
    elif isinstance(node, ast.Import):
        found += [(path, None) for alias in node.names if (path := imports.find(0, alias.name)) is not None]
    return found


def _imported(call: ast.Call, scope: Scope) -> Imported | None:
    """What the caller imported that ``call`` runs (``load()`` or ``module.load()``), if anything."""
    func = call.func
    holder = func if isinstance(func, ast.Name) else func.value if isinstance(func, ast.Attribute) else None
    if not isinstance(holder, ast.Name):
        return None
    return scope.imported(holder.id)


def _arguments(call: ast.Call) -> list[tuple[int | None, str | None, ast.expr]]:
    """(position, keyword, value) of each argument of ``call``."""
    return [*((i, None, a) for i, a in enumerate(call.args)), *((None, k.arg, k.value) for k in call.keywords)]


def _initialiser(node: ast.ClassDef) -> ast.FunctionDef | None:
    """The ``__init__`` a class defines itself, if any."""
    return next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
