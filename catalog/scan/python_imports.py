"""Follow a name imported from another module of the scanned tree to the value written there.

``from .config import EMBEDDING_MODEL`` then ``SentenceTransformer(EMBEDDING_MODEL)``: the id is
written in ``config.py``, the load is in the importing module. Discovery reads one module at a
time; this hook of :class:`catalog.scan.python_values.Resolver` finds the imported module among
the tree's files (as Python would from the importing file, and never outside the scanned folder),
reads its module-level bindings and resolves the name there, following its own imports a few
modules deep. A module the tree does not hold (a library) stays unseen: the load is then an
``unresolved-reference`` as before.
"""

from __future__ import annotations

import ast
import os
import re
from typing import Any

from catalog.scan.python_gate import has_rule_word
from catalog.scan.python_loaders import returns_object
from catalog.scan.python_scopes import BindingVisitor, Imported, Scope, char_column
from catalog.scan.python_syntax import parse
from catalog.scan.python_values import Resolution, Resolver, Value

# Imports followed from one module to the next (a re-export of a re-export): enough for
# `from app.settings import MODEL` where settings takes it from a defaults module.
MAX_IMPORT_DEPTH = 3
# Modules read for one tree (each is parsed once): a tree importing more is still scanned,
# its further imports stay unresolved references.
MAX_MODULES = 512
# A module larger than this is not read for its constants (discovery reads such a file line by line),
# nor more than this in all for one tree: what is read stays parsed until the scan ends.
MAX_MODULE_BYTES = 5 * 1024 * 1024
MAX_TREE_BYTES = 64 * 1024 * 1024


class Modules:
    """The modules of one scanned tree read for their constants (each once), and the lookups under
    way (an import cycle or a chain deeper than :data:`MAX_IMPORT_DEPTH` stops there)."""

    def __init__(self) -> None:
        self.read: dict[str, TreeModule | None] = {}  # path -> module, None when it cannot be read
        self.under_way: list[tuple[str, str]] = []  # (path, name)
        self.bytes_read = 0
        # What the parameters of a module's functions feed, by path, for the calls other modules
        # make to them (a catalog.scan.python_calls.ModuleLoads); the bytes read for them; whether
        # a bound stopped that.
        self.loads: dict[str, Any] = {}
        # (importing folder, level, module, name, attribute) -> Imports.callable's answer
        self.callables: dict[tuple[str, int, str, str | None, str | None], tuple[str, str] | None] = {}
        # (scanned folder, importing folder, level, module) -> Imports.find's answer
        self.found: dict[tuple[str, str, int, str], str | None] = {}
        # Modules scanned ahead of their turn for a call's sake, by path (a python_calls.Ahead).
        self.ahead: dict[str, Any] = {}
        self.probed = 0
        self.probed_bytes = 0
        self.probes_stopped = False


def _may_offer(path: str, name: str) -> bool:
    """Whether the module at ``path`` (inside the scanned folder) may load models or re-export
    ``name`` from another module (a word some rule looks for, or an import naming it), judged from
    its bytes without parsing."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_MODULE_BYTES + 1)
    except OSError:
        return False
    # `import a, name` or `from .m import (\n    name,\n)`: the name after an import, parentheses spanning lines.
    after_import = rb"import[ \t]*(?:\([^)]*|[^\n(]*)\b" + re.escape(name.encode()) + rb"\b"
    return has_rule_word(data) or re.search(after_import, data) is not None


class TreeModule:
    """One imported module of the tree: its module-level bindings and a resolver over them."""

    def __init__(self, path: str, file: str, data: bytes, tree: ast.Module, imports: Imports) -> None:
        self.path = path
        self.file = file
        self.data = data
        self.tree: ast.Module | None = tree  # until the module's own scan takes it (Imports.parsed)
        self.imports = imports
        self.lines = data.splitlines()
        visitor = BindingVisitor([])  # module level only: what another module can import
        visitor.visit(tree)
        self.scope: Scope = visitor.scope
        self.resolver = Resolver(visitor.attributes, returns_object, visitor.parsed_attributes, imports)
        # What another module can call: its module-level functions and classes, by name.
        self.callables = {node.name for node in tree.body
                          if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}


class Imports:
    """The ``imports`` hook of the resolver of one module at ``path`` (reported as ``file``),
    sharing the tree's :class:`Modules`."""

    def __init__(self, path: str, file: str, modules: Modules) -> None:
        self.path = os.path.abspath(path)
        self.modules = modules
        folder = self.path
        for _ in file.split("/"):
            folder = os.path.dirname(folder)
        self.root = folder  # the scanned folder the reported paths are relative to

    def __call__(self, origin: Imported, attribute: str | None) -> Resolution | None:
        if origin.name is None:  # import a.b as m; m.NAME
            return self._lookup(self.find(origin.level, origin.module), attribute) if attribute else None
        if attribute is None:  # from a.b import NAME; NAME
            return self._lookup(self.find(origin.level, origin.module), origin.name)
        # from a import b; b.NAME: b is a module of the tree
        submodule = ".".join(p for p in (origin.module, origin.name) if p)
        return self._lookup(self.find(origin.level, submodule), attribute)

    def callable(self, origin: Imported, attribute: str | None) -> tuple[str, str] | None:
        """The path of the tree's module that defines the function or class an imported name (or
        an attribute of an imported module) calls, and its name there; followed through
        re-exports (``from .models import load`` in a package's ``__init__``) up to
        :data:`MAX_IMPORT_DEPTH`. A module already scanned is not read again for it."""
        key = (os.path.dirname(self.path), origin.level, origin.module, origin.name, attribute)
        if key not in self.modules.callables:
            self.modules.callables[key] = self._callable(origin, attribute)
        return self.modules.callables[key]

    def _callable(self, origin: Imported, attribute: str | None) -> tuple[str, str] | None:
        imports: Imports = self
        for _ in range(MAX_IMPORT_DEPTH):
            if origin.name is None:  # import a.b as m; m.load()
                path, name = imports.find(origin.level, origin.module), attribute
            elif attribute is None:  # from a.b import load; load()
                path, name = imports.find(origin.level, origin.module), origin.name
            else:  # from a import b; b.load()
                path, name = imports.find(origin.level, ".".join(p for p in (origin.module, origin.name) if p)), attribute
            if path is None or name is None:
                return None
            scanned = self.modules.loads.get(path)
            if scanned is not None and name in scanned.names:
                return path, name
            if scanned is not None and scanned.reexports is not None:  # scanned: its imports are known
                if name not in scanned.reexports:
                    return None
                imports, origin, attribute = Imports(path, scanned.file, self.modules), scanned.reexports[name], None
                continue
            if scanned is None and not (self._inside(os.path.realpath(path), os.path.realpath(self.root))
                                        and _may_offer(path, name)):
                return None  # not read for nothing: no loader there, and the name is not imported there
            module = imports.module(path)
            if module is None:
                return None
            if name in module.callables:
                return path, name
            reexported = module.scope.imported(name)
            if reexported is None:
                return None
            imports, origin, attribute = module.imports, reexported, None
        return None

    def parsed(self, data: bytes) -> ast.Module | None:
        """This module's syntax tree if another module's scan has read it already (the same bytes),
        handed over once: the module's own scan is the last to need it (it records what the
        module offers its callers), and a tree kept for nothing costs every later collection."""
        module = self.modules.read.get(self.path)
        if module is None or module.tree is None or module.data != data:
            return None
        tree, module.tree = module.tree, None
        return tree

    def find(self, level: int, module: str) -> str | None:
        """The file of ``module`` as imported from this one, inside the scanned folder (looked for
        once per importing folder: a package's modules import the same names, each a few stats)."""
        key = (self.root, os.path.dirname(self.path), level, module)
        found = self.modules.found.get(key, False)
        if found is False:
            found = self.modules.found[key] = self._find(level, module)
        return found

    def _find(self, level: int, module: str) -> str | None:
        parts = [p for p in module.split(".") if p]
        if not parts or any(p in (os.curdir, os.pardir) for p in parts):
            return None
        if level:
            folder = os.path.dirname(self.path)
            for _ in range(level - 1):
                folder = os.path.dirname(folder)
            folders = [folder]
        else:  # the importing file's folder and those above it (a script's or the project's path), and src/
            folders, folder = [], os.path.dirname(self.path)
            while self._inside(folder):
                folders.append(folder)
                folder = os.path.dirname(folder)
            folders.append(os.path.join(self.root, "src"))
        for folder in folders:
            stem = os.path.join(folder, *parts)
            for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
                if self._inside(candidate) and os.path.isfile(candidate):
                    return candidate
        return None

    def _inside(self, path: str, root: str | None = None) -> bool:
        root = root or self.root
        return path == root or path.startswith(root + os.sep)

    def _lookup(self, path: str | None, name: str) -> Resolution | None:
        """What ``name`` holds at module level in the module at ``path``."""
        under_way = self.modules.under_way
        if path is None or len(under_way) >= MAX_IMPORT_DEPTH or (path, name) in under_way:
            return None
        module = self.module(path)
        if module is None or name not in module.scope.bindings:
            return None
        under_way.append((path, name))
        try:
            found = module.resolver.resolve(ast.Name(id=name, ctx=ast.Load()), module.scope)
        finally:
            under_way.pop()
        found.values = [v if v.origin is not None else Value(v.text, v.node, v.via, (), (module.file, char_column(module.lines, v.node)))
                        for v in found.values]
        return found

    def module(self, path: str) -> TreeModule | None:
        """The module of the tree at ``path``, read and parsed once per tree (None if it cannot be)."""
        read = self.modules.read
        if path in read:
            return read[path]
        # Not through a link out of the scanned folder (a hostile tree's `config.py -> /etc/...`).
        if len(read) >= MAX_MODULES or not self._inside(os.path.realpath(path), os.path.realpath(self.root)):
            return None
        module = None
        try:
            size = os.path.getsize(path)
            if size <= MAX_MODULE_BYTES and self.modules.bytes_read + size <= MAX_TREE_BYTES:
                self.modules.bytes_read += size
                with open(path, "rb") as handle:
                    data = handle.read()
                tree = parse(data)
                file = os.path.relpath(path, self.root).replace(os.sep, "/")
                module = TreeModule(path, file, data, tree, Imports(path, file, self.modules))
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            module = None  # the module's own scan says what is wrong with it
        read[path] = module
        return module
