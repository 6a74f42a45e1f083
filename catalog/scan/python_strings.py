"""Strings a Python expression can spell, and the model ids written inside them.

``f"{org}/{name}"``, ``"pretrained=" + MODEL`` and ``["vllm", "serve", MODEL]`` are read piece
by piece through the scanner's resolver; what they spell is then read as a command line
(:mod:`catalog.scan.shell`) or as lm-evaluation-harness ``model_args``. Split from
:mod:`catalog.scan.python`, which finds the calls and strings these readers are given.
"""

from __future__ import annotations

import ast

from catalog.scan import shell as discovery_shell
from catalog.scan.base import IdCheck
from catalog.scan.ids import MODEL_ARGS as _MODEL_ARGS
from catalog.scan.python_scopes import Scope, literal
from catalog.scan.python_values import Resolver


class StringReader:
    """Reads the strings of a module for the Python scanner it is a base of.

    The scanner provides what the readers need: the id check, the resolver of names, the
    command lines and literals it collected, and ``add`` / ``column`` / ``is_local``.
    """

    file: str
    data: bytes
    _lines: list[bytes] | None  # the module's lines, split when first needed
    check: IdCheck
    resolver: Resolver
    consumed: set[int]
    prose: set[int]  # nodes of help texts, messages, exceptions, comparisons: never command lines
    commands: list[tuple[ast.expr, Scope]]

    # -- prose: strings about ids, never uses ---------------------------------------------

    def visit_Raise(self, node: ast.Raise) -> None:
        # raise ConfigError(f"expected 'hf://owner/model', got {uri}"): the message of any exception.
        if isinstance(node.exc, ast.Call):
            self.prose.update(id(n) for a in node.exc.args for n in ast.walk(a))
        self.generic_visit(node)  # type: ignore[attr-defined]

    def visit_Compare(self, node: ast.Compare) -> None:
        # `assert build_args(cfg) == ["--model", "gpt2"]`: a command line compared with is not run.
        for operand in [node.left, *node.comparators]:
            if isinstance(operand, ast.List | ast.Tuple | ast.Constant | ast.JoinedStr):
                self.prose.update(id(n) for n in ast.walk(operand))
        self.generic_visit(node)  # type: ignore[attr-defined]

    def _model_args(self, call: ast.Call, node: ast.expr, scope: Scope) -> None:
        """lm-evaluation-harness ``model_args="pretrained=org/name,dtype=..."``, also built as an f-string."""
        self.consumed.add(id(node))
        unresolved = False
        for text, lines, overridable in self._texts(node, scope):
            unresolved = unresolved or overridable or "\0" in text.partition("pretrained=")[2].split(",")[0]
            for match in _MODEL_ARGS.finditer(text):
                value = match.group(2).strip("\"'")
                if "\0" in value or not self.check.accepts(value, strong=True) or self.is_local(value):
                    continue
                if lines:
                    self.add(value, node, "python-constant", f"model_args {match.group(1)}=", None, lines)
                else:
                    column = self.column(node) + 1 + match.start(2) if "\n" not in text else None
                    self.add(value, node, "python-call", f"model_args {match.group(1)}=", None, (), column=column)
        if unresolved:
            self.check.problem("unresolved-reference", self.file, call.lineno, self.column(call),
                               f"model_args={unparse(node)}")

    def _texts(self, node: ast.expr, scope: Scope) -> list[tuple[str, tuple[int, ...], bool]]:
        """The strings an f-string or concatenation can be, placeholder by placeholder: a part
        that cannot be resolved becomes ``\\0`` rather than losing the whole string.

        Each comes with the lines of the literals it was built from and whether a part was read
        through an attribute (a default the command line can replace).
        """
        text = literal(node)
        if text is not None:
            return [(text, (), False)]
        if isinstance(node, ast.JoinedStr):
            parts: list[ast.expr] = [v.value if isinstance(v, ast.FormattedValue) else v for v in node.values]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            parts = [node.left, node.right]
        else:
            parts = [node]
        results: list[tuple[str, tuple[int, ...], bool]] = [("", (), False)]
        for part in parts:
            piece = literal(part)
            if piece is not None:
                options = [(piece, (), False)]
            elif isinstance(part, (ast.JoinedStr, ast.BinOp)) and part is not node:
                options = self._texts(part, scope)
            else:
                resolution = self.resolver.resolve(part, scope)
                options = [(v.text, (*v.lines, v.node.lineno), resolution.overridable)
                           for v in resolution.values[:8]] or [("\0", (), resolution.overridable)]
            results = [(t + o, (*lines, *more), a or b) for t, lines, a in results for o, more, b in options][:32]
        return results

    def _commands(self) -> None:
        for node, scope in self.commands:
            if isinstance(node, (ast.List, ast.Tuple)):
                words: list[tuple[str, int, int]] = []
                sources: dict[tuple[int, int], tuple[int, ...]] = {}  # word place -> lines of its literal
                for element in node.elts:
                    resolved = self.resolver.resolve(element, scope)
                    text = resolved.values[0].text if len(resolved.values) == 1 else "\0"
                    place = (element.lineno, self.column(element) + 1)
                    if literal(element) is None and len(resolved.values) == 1:
                        sources[place] = resolved.values[0].lines
                    for word in text.split() or ["\0"]:
                        words.append((word, *place))
                found = [(value, line, column, context, revision, sources.get((line, column), ()))
                         for value, line, column, context, revision in discovery_shell.scan_words(words, self.check)]
            else:
                found = []
                for text, lines, _ in self._texts(node, scope):
                    direct = not lines
                    for value, line, column, context, revision in discovery_shell.scan_text(text, self.check):
                        # Pieces over several lines ("optimum-cli export executorch " "--model org/m "):
                        # the id is where its piece is written, when written once.
                        spans = (getattr(node, "end_lineno", None) or node.lineno) > node.lineno
                        place = self._written_at(node, value) if direct and spans else None
                        if place is not None:
                            found.append((value, *place, context, revision, lines))
                        elif direct:
                            found.append((value, node.lineno + line - 1,
                                          (self.column(node) + column) if line == 1 else column,
                                          context, revision, lines))
                        else:
                            # An f-string with placeholders: the id is where its source writes it, if
                            # it is written there once (Python 3.11 gives an f-string's parts no place).
                            line, column = self._written_at(node, value) or (node.lineno, None)
                            found.append((value, line, column, context, revision, lines))
            for value, line, column, context, revision, *lines in found:
                if self.is_local(value):
                    continue
                self.consumed.add(id(node))
                related = lines[0] if lines else ()
                kind = "python-constant" if related else "python-call"
                self.add(value, node, kind, f"command line {context}", revision, related, line, column)


    def _written_at(self, node: ast.expr, value: str) -> tuple[int, int] | None:
        """The line and column of the one place the source of ``node`` writes ``value``, else None."""
        end = getattr(node, "end_lineno", None) or node.lineno
        if self._lines is None:  # split once per module, not once per command (5,000 f-strings: 6 s)
            self._lines = self.data.splitlines()
        segment = b"\n".join(self._lines[node.lineno - 1 : end]).decode("utf-8", "replace")
        first = segment.find(value)
        if first < 0 or segment.find(value, first + 1) >= 0:
            return None
        line = segment.count("\n", 0, first)
        return node.lineno + line, first - (segment.rfind("\n", 0, first) + 1) + 1


def unparse(node: ast.expr) -> str:
    """The source of an expression for a message; a placeholder for one too deep to print."""
    try:
        return ast.unparse(node)
    except (RecursionError, ValueError):
        return "<expression>"
