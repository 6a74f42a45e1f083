"""A loader's model argument made references: the half of :class:`catalog.scan.python._Scanner`
that resolves each argument a loader names its model by (a literal, or what the data flow reaches)
and reports what it finds, or the call as an ``unresolved-reference`` where it cannot see."""

from __future__ import annotations

import ast
from typing import Any

from catalog.scan.base import Reference
from catalog.scan.ids import hub_url_id, looks_like_repo_id, stand_in
from catalog.scan.python_loaders import FASTER_WHISPER_SIZES, ST_LEGACY_NAMES, Position, keyword
from catalog.scan.python_scopes import Passed, Scope, literal
from catalog.scan.python_strings import unparse
from catalog.scan.python_values import MAX_VALUES, Value


class ModelArguments:
    """Resolution of the model arguments a scanner has collected (``pending``)."""

    check: Any
    file: str
    resolver: Any
    consumed: set[int]
    reported: set[int]
    refs: list[Any]
    # The scanner's own (catalog.scan.python._Scanner) and its other halves' (LocalFolders, CallsFollowed).
    add: Any
    column: Any
    is_local: Any
    written_expression: Any
    reached: Any

    def _accept(self, value: str, position: Position) -> str | None:
        if position.whisper_sizes and value in FASTER_WHISPER_SIZES:
            return FASTER_WHISPER_SIZES[value]
        if position.st_prefix and "/" not in value and looks_like_repo_id(value) and not stand_in(value):
            # sentence-transformers requests a bare name from its own organisation, except its
            # list of legacy transformers ids, which it requests as written (not a stand-in's:
            # FlagEmbedding's SentenceTransformer("PATH_TO_MODEL")).
            return value if value.lower() in ST_LEGACY_NAMES else f"sentence-transformers/{value}"
        found = hub_url_id(value)
        if found is not None:
            return found[0]
        return value if self.check.accepts(value, strong=position.strong) else None

    def _revision(self, call: ast.Call, scope: Scope) -> tuple[str | None, int | None]:
        """The call's ``revision=`` pin and the line that sets it."""
        node = keyword(call, "revision") if isinstance(call, ast.Call) else None
        if node is None:
            return None, None
        resolved = self.resolver.resolve(node, scope)
        if len(resolved.values) != 1 or resolved.unresolved:
            return None, None
        value = resolved.values[0]
        return value.text, value.node.lineno

    def resolve_position(self, call: ast.Call, position: Position, scope: Scope) -> None:
        """Report what the model argument ``position`` of ``call`` names in ``scope``, or the call as
        an ``unresolved-reference`` where the data flow cannot see it (or reaches more than it follows)."""
        arg = position.node
        if position.other_hub is not None:
            # modelscope's snapshot_download("qwen/Qwen-7B-Chat"): not a Hub id, and not checked, which is said.
            self.consumed.update(id(v.node) for v in self.resolver.resolve(arg, scope).values)
            self.consumed.add(id(arg))
            self.check.problem("unresolved-reference", self.file, call.lineno, self.column(call),
                               f"{position.context}({unparse(arg)}) loads from {position.other_hub}, "
                               "not the Hugging Face Hub: not checked")
            return
        direct = literal(arg)
        if direct is not None:
            self.consumed.add(id(arg))
            repo_id = self._accept(direct, position)
            if repo_id is not None and not self.is_local(direct):
                self.reported.add(id(arg))  # a constant bound to it is reported here, not again at its uses
                revision, revision_line = self._revision(call, scope)
                self.add(repo_id, arg, "python-call", position.context, revision, (revision_line or arg.lineno,))
            return
        resolution = self.resolver.resolve(arg, scope)
        reported = built_from_output = False
        composite = isinstance(arg, ast.JoinedStr | ast.BinOp)
        for value in resolution.values:
            if id(value.node) in self.reported:
                reported = True
                continue
            self.consumed.add(id(value.node))
            if isinstance(value.node, Passed):  # a probe (python_calls): which loads a parameter reaches
                if not self.is_local(value.text, value.via):
                    self.reached(value.node, position, call.lineno, self._revision(call, scope)[0])
                continue
            if self.is_local(value.text, value.via):
                # A folder the code writes: seen, and not a Hub use. An id built from it
                # (f"{user}/{output_dir}") is the code's own upload, which only runtime can name.
                built_from_output = built_from_output or composite
                reported = reported or not composite
                continue
            repo_id = self._accept(value.text, position)
            if repo_id is None:
                continue
            reported = True
            revision, revision_line = self._revision(call, scope)
            self._add_value(repo_id, arg, value, position, revision, revision_line)
        overridable = resolution.overridable or _reads_attribute(arg)
        if resolution.stopped:  # a table longer than discovery follows: what is past the bound is unseen
            self.check.problem("unresolved-reference", self.file, call.lineno, self.column(call),
                               f"{position.context}({unparse(arg)}): more values than discovery follows "
                               f"(the first {MAX_VALUES})")
        elif position.unresolved and (resolution.unresolved or built_from_output) and (
            not reported or overridable) and not self.written_expression(arg, scope) and (
                overridable or not position.parsed_only or _read_from_input(arg)):
            self.check.problem("unresolved-reference", self.file, call.lineno, self.column(call),
                               f"{position.context}({unparse(arg)})")

    def _add_value(self, repo_id: str, use: ast.expr, value: Value, position: Position, revision: str | None,
                   revision_line: int | None) -> None:
        if value.origin is not None:
            # Written in another module of the tree (imported): reported there, as that module's
            # constant (its own model-constant rule names it the same way).
            file, column = value.origin
            name = value.via[-1] if value.via else position.context
            self.refs.append(Reference(repo_id, file, value.node.lineno, column, "python-constant", revision,
                                       f"{name} ="))
            return
        via = " via " + ".".join(value.via[-1:]) if value.via else ""
        related = (*value.lines, value.node.lineno, revision_line or use.lineno)
        if value.node.lineno != use.lineno and isinstance(use, ast.IfExp | ast.BoolOp | ast.Subscript):
            # The literal is written inside the call's own expression: report it where it is written.
            self.add(repo_id, value.node, "python-call", position.context, revision, related)
            return
        kind = "python-constant" if value.via else "python-call"
        self.add(repo_id, use, kind, f"{position.context}{via}", revision, related)


def _read_from_input(node: ast.expr) -> bool:
    """``Trainer(model=args.model)`` may be given an id; ``Trainer(model=self.model)`` is handed the
    object the class built (FlagEmbedding's, TRL's trainers)."""
    return isinstance(node, ast.Attribute) and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))


def _reads_attribute(node: ast.expr) -> bool:
    """``args.model or "x"``, ``cfg.model if ... else ...``: the value can come from parsed input."""
    return isinstance(node, ast.BoolOp | ast.IfExp) and any(isinstance(n, ast.Attribute) for n in ast.walk(node))
