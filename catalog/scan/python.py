"""Find model references in Python source with ``ast`` (the rules are listed in :mod:`catalog.scan.discovery`)."""

from __future__ import annotations

import ast
import re
import warnings

from catalog.scan.base import IdCheck, Reference, looks_like_repo_id
from catalog.scan.python_scopes import BindingVisitor, Scope, literal, trigger_lines

# The names the rules look for. A file containing none of them is never parsed.
_RULE_WORDS = (
    b"from_pretrained",
    b"pipeline",
    b"hf_hub_download",
    b"snapshot_download",
    b"SentenceTransformer",
    b"CrossEncoder",
    b"LLM",
    b"InferenceClient",
    b"model_name_or_path",
)
# os.environ is everywhere; it only makes a file worth parsing when the file also says "model".
_ENV_WORDS = (b"getenv", b"environ")
_MODEL_WORDS = (b"model", b"MODEL", b"Model")
# A function or class body whose lines hold none of these is not walked: its calls cannot match
# and its bindings are invisible outside it.
_LINE_TRIGGERS = (*_RULE_WORDS, *_ENV_WORDS)
# An "org/name"-shaped quoted string: with a catalogue, the candidates for catalogue matches.
_QUOTED_ID = re.compile(rb"""['"]([A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*)['"]""")

_ID_KEYWORDS = ("model_name_or_path", "pretrained_model_name_or_path")
_HUB_DOWNLOADS = ("hf_hub_download", "snapshot_download")
_CLIENTS = ("InferenceClient", "AsyncInferenceClient")
_ENV_GETTERS = ("getenv", "get")
_DATASET_LOADERS = ("load_dataset",)


def _has_rule_word(data: bytes) -> bool:
    if any(word in data for word in _RULE_WORDS):
        return True
    return any(word in data for word in _ENV_WORDS) and any(word in data for word in _MODEL_WORDS)


def _mentions_known_id(data: bytes, check: IdCheck) -> bool:
    """Whether some quoted "org/name" in the file is an id the catalogue knows.

    Asking the (cached) catalogue about each distinct string is far cheaper than parsing and
    walking every file that has a MIME type or a path in it.
    """
    for raw in set(_QUOTED_ID.findall(data)):
        value = raw.decode("ascii")
        if looks_like_repo_id(value) and check.known(value):
            return True
    return False


def scan_python(data: bytes, file: str, check: IdCheck) -> list[Reference]:
    """Return the references in one Python file; a file that does not parse yields none.

    The file is parsed only if it contains a word some rule looks for or, with a catalogue,
    an id the catalogue knows; only the latter needs every function body walked.
    """
    everything = check.has_catalogue and _mentions_known_id(data, check)
    if not everything and not _has_rule_word(data):
        return []
    try:
        with warnings.catch_warnings():
            # Invalid escapes etc. in scanned code are the scanned project's business.
            warnings.simplefilter("ignore")
            tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError):
        return []
    scanner = _Scanner(data, file, check, None if everything else trigger_lines(data, _LINE_TRIGGERS))
    scanner.visit(tree)
    return scanner.finish()


def _name_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _keyword(call: ast.Call, *names: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg in names:
            return kw.value
    return None


def _positional(call: ast.Call, index: int) -> ast.expr | None:
    args = call.args[: index + 1]
    if len(args) <= index or any(isinstance(a, ast.Starred) for a in args):
        return None
    return args[index]


class _Scanner(BindingVisitor):
    def __init__(self, data: bytes, file: str, check: IdCheck, trigger_lines: list[int] | None) -> None:
        super().__init__(trigger_lines)
        self.data = data
        self.file = file
        self.check = check
        self.refs: list[Reference] = []
        # (use node, scope, context, strong, prefix bare names, revision, revision line)
        self.pending: list[tuple[ast.Name, Scope, str, bool, bool, str | None, int | None]] = []
        self.consumed: set[int] = set()  # literal nodes that are never catalogue matches
        self.reported: set[int] = set()  # literal nodes reported where they are assigned
        # Candidates for catalogue matches, collected only when the whole module is walked.
        self.strings: list[ast.Constant | ast.JoinedStr] | None = [] if trigger_lines is None else None
        self._lines: list[bytes] | None = None

    # -- positions -------------------------------------------------------------------------

    def column(self, node: ast.expr) -> int:
        # ast columns count UTF-8 bytes; users count characters.
        if self._lines is None:
            self._lines = self.data.splitlines()
        try:
            line = self._lines[node.lineno - 1]
        except IndexError:
            return node.col_offset + 1
        if line.isascii():
            return node.col_offset + 1
        return len(line[: node.col_offset].decode("utf-8", "replace")) + 1

    def add(
        self,
        repo_id: str,
        node: ast.expr,
        kind: str,
        context: str,
        revision: str | None,
        related: tuple[int, ...],
    ) -> None:
        related = tuple(sorted({n for n in related if n != node.lineno}))
        self.refs.append(
            Reference(repo_id, self.file, node.lineno, self.column(node), kind, revision, context, related)
        )

    # -- strings ---------------------------------------------------------------------------

    def visit_Expr(self, node: ast.Expr) -> None:
        # A bare string statement is a docstring or commented-out prose, not a value.
        if not isinstance(node.value, (ast.Constant, ast.JoinedStr)):
            self.visit(node.value)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if literal(node) is not None:
            if self.strings is not None:
                self.strings.append(node)
            return
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                self.visit(value.value)

    def visit_Constant(self, node: ast.Constant) -> None:
        if self.strings is not None and isinstance(node.value, str) and "/" in node.value:
            self.strings.append(node)

    # -- model positions -------------------------------------------------------------------

    def assigned(self, target: ast.expr, value: ast.expr) -> None:
        """``model_name_or_path: str = field(default="org/name")``, the HF example-script idiom."""
        if not (isinstance(target, ast.Name) and target.id in _ID_KEYWORDS):
            return
        if isinstance(value, ast.Call) and _name_of(value.func) == "field":
            value = _keyword(value, "default")  # type: ignore[assignment]
        repo_id = literal(value)
        if repo_id is not None and self.check.accepts(repo_id, strong=True):
            self.consumed.add(id(value))
            self.reported.add(id(value))
            self.add(repo_id, value, "python-constant", f"{target.id} default", None, ())

    def visit_Call(self, node: ast.Call) -> None:
        for arg, context, strong, prefix in self._model_arguments(node):
            self._report(node, arg, context, strong, prefix)
        self.generic_visit(node)

    def _model_arguments(self, call: ast.Call) -> list[tuple[ast.expr, str, bool, bool]]:
        """(argument, context, strong, sentence-transformers prefix) for each model position."""
        name = _name_of(call.func)
        if name in _DATASET_LOADERS or self._is_other_repo_type(call):
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                self.consumed.add(id(arg))  # a dataset or Space id, never a model
            return []
        found: list[tuple[ast.expr | None, str, bool, bool]] = []
        if name == "from_pretrained" and isinstance(call.func, ast.Attribute):
            receiver = _name_of(call.func.value)
            label = f"{receiver}.from_pretrained" if receiver else "from_pretrained"
            if receiver and receiver.startswith("PeftModel"):
                # PeftModel.from_pretrained(base_model, adapter_id): the adapter is the Hub repo.
                found.append((_keyword(call, "model_id") or _positional(call, 1), label, True, False))
            else:
                model = _positional(call, 0) or _keyword(call, "pretrained_model_name_or_path", "repo_id")
                found.append((model, label, True, False))
        elif name == "pipeline":
            model = _keyword(call, "model")
            found.append(
                (model, "pipeline(model=)", True, False)
                if model
                else (_positional(call, 1), "pipeline()", True, False)
            )
        elif name in _HUB_DOWNLOADS:
            found.append((_keyword(call, "repo_id") or _positional(call, 0), name, True, False))
        elif name == "SentenceTransformer":
            found.append((_positional(call, 0) or _keyword(call, "model_name_or_path"), name, True, True))
        elif name == "CrossEncoder":
            model = _positional(call, 0) or _keyword(call, "model_name_or_path", "model_name")
            found.append((model, name, True, False))
        elif name == "LLM" or name in _CLIENTS:
            found.append((_keyword(call, "model") or _positional(call, 0), f"{name}(model=)", True, False))
        elif name in _ENV_GETTERS and self._is_environment(call.func):
            key = literal(_positional(call, 0))
            if key is not None and "model" in key.lower():
                default = _keyword(call, "default") or _positional(call, 1)
                found.append(
                    (
                        default,
                        f'{"os.getenv" if name == "getenv" else "os.environ.get"}("{key}") default',
                        False,
                        False,
                    )
                )
        for kw in call.keywords:
            if kw.arg in _ID_KEYWORDS and all(kw.value is not arg for arg, *_ in found):
                found.append((kw.value, f"{name or 'call'}({kw.arg}=)", True, False))
        return [(arg, context, strong, prefix) for arg, context, strong, prefix in found if arg is not None]

    @staticmethod
    def _is_environment(func: ast.expr) -> bool:
        if isinstance(func, ast.Name):
            return func.id == "getenv"
        return isinstance(func, ast.Attribute) and (
            func.attr == "getenv" or _name_of(func.value) == "environ"
        )

    @staticmethod
    def _is_other_repo_type(call: ast.Call) -> bool:
        repo_type = _keyword(call, "repo_type")
        return repo_type is not None and not (
            isinstance(repo_type, ast.Constant) and repo_type.value in (None, "model")
        )

    def _revision(self, call: ast.Call) -> tuple[str | None, int | None]:
        """The call's ``revision=`` pin and the line that sets it."""
        node = _keyword(call, "revision")
        if isinstance(node, ast.Name):
            bindings = self.scope.lookup(node.id) or [None]
            node = bindings[0] if len(bindings) == 1 else None
        value = literal(node)
        return (value, node.lineno) if value is not None and node is not None else (None, None)

    def _report(self, call: ast.Call, arg: ast.expr, context: str, strong: bool, prefix: bool) -> None:
        revision, revision_line = self._revision(call)
        if isinstance(arg, ast.Name):
            self.pending.append((arg, self.scope, context, strong, prefix, revision, revision_line))
            return
        value = literal(arg)
        if value is None:
            return
        self.consumed.add(id(arg))
        repo_id = self._accept(value, strong, prefix)
        if repo_id is not None:
            self.add(repo_id, arg, "python-call", context, revision, (revision_line or arg.lineno,))

    def _accept(self, value: str, strong: bool, prefix: bool) -> str | None:
        if prefix and "/" not in value and looks_like_repo_id(value):
            # sentence-transformers resolves a bare name to its own organisation on the Hub,
            # except for the legacy transformers ids, which only a catalogue can tell apart.
            prefixed = f"sentence-transformers/{value}"
            if self.check.known(value) and not self.check.known(prefixed):
                return value
            return prefixed
        return value if self.check.accepts(value, strong=strong) else None

    def finish(self) -> list[Reference]:
        """Resolve constants (they may be assigned after the function that uses them) and
        add catalogue matches."""
        for use, scope, context, strong, prefix, revision, revision_line in self.pending:
            for value_node in scope.lookup(use.id) or ():
                if value_node is None or id(value_node) in self.reported:
                    continue
                self.consumed.add(id(value_node))
                repo_id = self._accept(literal(value_node) or "", strong, prefix)
                if repo_id is not None:
                    related = (value_node.lineno, revision_line or use.lineno)
                    self.add(repo_id, use, "python-constant", f"{context} via {use.id}", revision, related)
        if self.strings:
            for node in self.strings:
                value = literal(node)
                if (
                    id(node) not in self.consumed
                    and value
                    and "/" in value
                    and self.check.accepts(value, strong=False)
                    and self.check.known(value)
                ):
                    self.add(value, node, "python-constant", "catalogue match", None, ())
        return self.refs
