"""Find model references in Python source with ``ast`` (the rules are listed in :mod:`catalog.scan.discovery`)."""

from __future__ import annotations

import ast
from dataclasses import replace

from catalog.scan.base import IdCheck, Reference
from catalog.scan.ids import hub_url_id
from catalog.scan.python_calls import CallsFollowed, may_pass, taken_ahead
from catalog.scan.python_exports import ExportedModels, call_subjects
from catalog.scan.python_gate import (
    has_rule_word,
    known_id_offsets,
    passed_id_offsets,
    quoted_ids,
    walked_lines,
)
from catalog.scan.python_imports import Imports, Modules
from catalog.scan.python_loaders import (
    DATASET_LOADERS,
    LOCAL_OUTPUT_CALLS,
    LOCAL_OUTPUT_KEYWORDS,
    OUTPUT_CALLS,
    OUTPUT_KEYWORDS,
    PROSE_CALLS,
    Position,
    callee,
    is_model_name,
    is_other_repo_type,
    keyword,
    model_arguments,
    positional,
    returns_object,
)
from catalog.scan.python_local import LocalFolders
from catalog.scan.python_positions import ModelArguments
from catalog.scan.python_scopes import BindingVisitor, Scope, char_column, literal
from catalog.scan.python_strings import StringReader
from catalog.scan.python_syntax import parse
from catalog.scan.python_values import Resolver
from catalog.scan.shell import HUB_PROGRAMS
from catalog.scan.shell_flags import model_flag

# Words that make a string worth reading as a command line (Hydra overrides too: model.path=org/m).
_COMMAND_WORDS = ("--model", "--tokenizer", "--pretrained", "download ", "serve ", "model_args", "model.path=",
                  "++model", "++tokenizer", "--vision_tower")
_PROSE_KEYWORDS = ("help", "description", "epilog", "usage", "doc", "msg", "message")
# Environment variables that only ever hold a Hugging Face model id.
_HF_ENV_KEYS = frozenset({"HF_MODEL_ID", "MODEL_ID", "HF_MODEL", "MODEL_NAME_OR_PATH"})
# A Markdown code fence: a string holding one is documentation (a model card's usage section).
_MARKDOWN_FENCE = "```"


def _literal_text(node: ast.expr) -> str | None:
    """The literal text of a string or of an f-string's fixed parts."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return None


def scan_python(data: bytes, file: str, check: IdCheck, path: str | None = None) -> list[Reference]:
    """Return the references in one Python file.

    The file is parsed only if it contains a word some rule looks for or, with a catalogue,
    an id the catalogue knows; only the latter needs every function body walked. Given the
    file's ``path``, a loader's argument imported from another module of the tree is followed
    there (:mod:`catalog.scan.python_imports`) and reported where that module writes it.

    Raises:
        SyntaxError, ValueError, RecursionError, MemoryError: the source cannot be parsed or
            walked (nested too deeply); the caller falls back to a line scan and says so.
    """
    quoted = quoted_ids(data)
    known = known_id_offsets(quoted, check)
    imports = None
    if path is not None:
        if check.modules is None:
            check.modules = Modules()
        imports = Imports(path, file, check.modules)
    loaders = has_rule_word(data)
    # An id-shaped string in a module that imports one of the tree's loaders: maybe passed to it.
    if not known and not loaders and not (
            imports is not None and quoted and may_pass(data, imports, _Scanner, check)):
        return []
    # Scanned already when a call of another module needed what this one offers (read ahead).
    ahead = taken_ahead(data, file, imports, check) if imports is not None else None
    if ahead is not None:
        scanner, refs = ahead
    else:
        # Parsed already when another module's scan read it (for a name it imports or a call it makes).
        tree = imports.parsed(data) if imports is not None else None
        if tree is None:
            tree = parse(data)
        scanner = _Scanner.read(data, file, check, tree, imports, (quoted, known))
        refs = list(scanner.finish())
        if imports is not None and imports.path not in check.modules.loads:
            check.modules.loads[imports.path] = scanner.probe(tree, loaders)  # for the calls other modules make here
    # Last, when every module it calls may have been read: the ids it passes to them.
    return refs + scanner.follow_calls()


class _Scanner(StringReader, ExportedModels, CallsFollowed, LocalFolders, ModelArguments, BindingVisitor):
    def __init__(self, data: bytes, file: str, check: IdCheck, trigger_lines: list[int] | None,
                 catalogue_matches: bool = False, imports: Imports | None = None) -> None:
        super().__init__(trigger_lines)
        self.data = data
        self.file = file
        self.check = check
        self.refs: list[Reference] = []
        # (call, position, scope, revision node, revision scope) to resolve once every binding is known
        self.pending: list[tuple[ast.Call, Position, Scope]] = []
        self.consumed: set[int] = set()  # literal nodes that are never catalogue matches
        self.reported: set[int] = set()  # literal nodes reported where they are assigned
        self.options: list[ast.Call] = []  # add_argument / click.option calls (python_exports)
        self.constants: list[tuple[str, ast.expr]] = []  # model-named constants (python_exports)
        self.commands: list[tuple[ast.expr, Scope]] = []
        self.model_args: list[tuple[ast.Call, ast.expr, Scope]] = []
        self.prose: set[int] = set()  # help texts and messages: never command lines
        # Candidates for catalogue matches (python_exports), collected only when the whole module is walked.
        self.subjects: list[tuple[ast.expr, Scope]] | None = [] if catalogue_matches else None
        self.urls: list[ast.Constant] = []
        self._lines: list[bytes] | None = None
        self._seen: dict[Reference, Reference] = {}
        self.resolver = Resolver(self.attributes, returns_object, self.parsed_attributes, imports)

    @classmethod
    def read(cls, data: bytes, file: str, check: IdCheck, tree: ast.Module, imports: Imports | None,
             ids: tuple[list[tuple[int, str]], list[int]] | None = None) -> _Scanner:
        """A scanner of the module, walked: the bodies holding a rule word, a known id or, given the
        tree's imports, an id-shaped string passed to an imported name (``ids``: the module's
        quoted ids and the offsets of the known ones, when its scan has them already)."""
        if ids is None:
            ids = (quoted := quoted_ids(data)), known_id_offsets(quoted, check)
        quoted, known = ids
        passed = passed_id_offsets(data, tree, quoted) if imports is not None else []
        scanner = cls(data, file, check, walked_lines(tree, data, sorted({*known, *passed})),
                      catalogue_matches=bool(known), imports=imports)
        scanner.visit(tree)
        return scanner

    # -- positions -------------------------------------------------------------------------

    def column(self, node: ast.expr) -> int:
        if self._lines is None:
            self._lines = self.data.splitlines()
        return char_column(self._lines, node)

    def add(self, repo_id: str, node: ast.expr, kind: str, context: str, revision: str | None,
            related: tuple[int, ...], line: int | None = None, column: int | None = None) -> None:
        line = line or node.lineno
        related = tuple(sorted({n for n in related if n != line}))
        self.refs.append(Reference(repo_id, self.file, line, column or self.column(node), kind, revision,
                                   context, related))
        # The same use reached from two literals (a default and a call-site value) is two
        # references: each names the line of its own literal.
        key = self.refs[-1]
        seen = self._seen.get(key)
        if seen is None:
            self._seen[key] = key
        elif set(related) <= set(seen.related_lines):
            self.refs.pop()
        else:
            origin = min(set(related) - set(seen.related_lines))
            self.refs[-1] = replace(key, context=f"{context} (value from line {origin})")

    # -- strings ---------------------------------------------------------------------------

    def visit_Expr(self, node: ast.Expr) -> None:
        # A bare string statement is a docstring or commented-out prose, not a value.
        if not isinstance(node.value, (ast.Constant, ast.JoinedStr)):
            self.visit(node.value)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        text = _literal_text(node) or ""
        if _MARKDOWN_FENCE in text:
            self.prose.add(id(node))  # a model card's usage block: its commands are documentation
        if any(word in text for word in _COMMAND_WORDS) and id(node) not in self.prose:
            self.commands.append((node, self.scope))
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str) and ":" in first.value:
            # f"hf://cis-lmu/glotlid/model_{version}.bin": the repository is written before the placeholder.
            found = hub_url_id(first.value, downloads_only=True)
            if found is not None and first.value[found[1] + len(found[0]):].startswith("/"):
                self.urls.append(first)
        if literal(node) is not None:
            return
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                self.visit(value.value)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if not isinstance(value, str):
            return
        if _MARKDOWN_FENCE in value:
            self.prose.add(id(node))  # Markdown with a code block (a model card's template): documentation
        if ":" in value and ("hf" in value.lower() or "huggingface" in value):
            self.urls.append(node)
        if any(word in value for word in _COMMAND_WORDS) and id(node) not in self.prose:
            self.commands.append((node, self.scope))

    def _visit_sequence(self, node: ast.List | ast.Tuple) -> None:
        if any(_MARKDOWN_FENCE in (_literal_text(e) or "") for e in node.elts):
            # A Markdown document written line by line (whisper.cpp's model card: "```console",
            # f"hf download {REPO_ID} ...", "```"): its commands and URLs are documentation.
            self.prose.update(id(n) for n in ast.walk(node))
        # ["accelerate", "launch", "train.py", "--model_name_or_path", MODEL]: a command line.
        first = node.elts[0] if node.elts else None
        if len(node.elts) > 1 and id(node) not in self.prose and (any(
            isinstance(e, ast.Constant) and isinstance(e.value, str)
            and (e.value.startswith("--") or model_flag(e.value) is not None)  # llama.cpp's -hf
            for e in node.elts
        ) or isinstance(first, ast.Constant) and str(first.value).rsplit("/", 1)[-1] in HUB_PROGRAMS):
            # ["hf", "download", "org/m"]: a program that fetches from the Hub, without a flag.
            self.commands.append((node, self.scope))
            for element in node.elts:
                if not (isinstance(element, ast.Constant) and any(w in str(element.value) for w in _COMMAND_WORDS)):
                    self.visit(element)
            return
        self.generic_visit(node)

    visit_List = visit_Tuple = _visit_sequence

    def visit_Dict(self, node: ast.Dict) -> None:
        # Environment for a container or endpoint: {"HF_MODEL_ID": "org/name"} (SageMaker, TGI, vLLM).
        for key, value in zip(node.keys, node.values):
            name = literal(key) if key is not None else None
            if name in _PROSE_KEYWORDS and value is not None:  # field(metadata={"help": "..."}): prose too
                self.prose.update(id(n) for n in ast.walk(value))
            if name and name.isupper() and "MODEL" in name and value is not None:
                position = Position(value, f'"{name}":', strong=name in _HF_ENV_KEYS, unresolved=False)
                self.pending.append((node, position, self.scope))  # type: ignore[arg-type]
        self.generic_visit(node)

    # -- model positions -------------------------------------------------------------------

    def assigned(self, target: ast.expr, value: ast.expr) -> None:
        """``model_name_or_path: str = field(default="org/name")``, the HF example-script idiom;
        other model-named constants and settings fields are kept for :meth:`model_constant`."""
        name = target.id if isinstance(target, ast.Name) else None
        if name is None:
            # server.model_hf_repo = "org/m": a model-named attribute of a project's object.
            if isinstance(target, ast.Attribute) and self.subjects is not None and is_model_name(target.attr):
                self.subjects.append((value, self.scope))
            return
        if isinstance(value, ast.Call) and callee(value) in ("field", "Field"):
            value = keyword(value, "default")  # type: ignore[assignment]
        if name not in ("model_name_or_path", "pretrained_model_name_or_path"):
            if value is not None and is_model_name(name):
                # Not in a notebook: nothing imports a notebook's names, so one its cells do not load is unused.
                if (self.scope.parent is None or self.scope.is_class and self.in_settings) \
                        and not self.file.endswith(".ipynb"):
                    self.constants.append((name, value))
                if self.subjects is not None and (not self.scope.is_class or self.in_settings):
                    self.subjects.append((value, self.scope))
            return
        repo_id = literal(value)
        if repo_id is not None and self.check.accepts(repo_id, strong=True) and not self.is_local(repo_id):
            self.consumed.add(id(value))
            self.reported.add(id(value))
            self.add(repo_id, value, "python-constant", f"{name} default", None, ())

    def visit_Call(self, node: ast.Call) -> None:
        name = callee(node)
        if name in ("add_argument", "option"):
            self.options.append(node)
        if name == "partial" and node.args:
            # functools.partial(AutoModel.from_pretrained, "org/name"): the call it prepares.
            prepared = ast.Call(func=node.args[0], args=node.args[1:], keywords=node.keywords)
            ast.copy_location(prepared, node)
            self._call(prepared)
        self._call(node)
        super().visit_Call(node)

    def _call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in self.aliases:
            # `from transformers import pipeline as hf_pipeline`: the call is the library's.
            original = ast.Call(func=ast.Name(id=self.aliases[node.func.id], ctx=ast.Load()), args=node.args,
                                keywords=node.keywords)
            node = ast.copy_location(original, node)
        name = callee(node)
        # Help texts and log messages describe commands; they do not run them.
        # (epilog=textwrap.dedent("""...$ tune download org/m..."""): the text inside the call too.)
        self.prose.update(id(n) for k in node.keywords if k.arg in _PROSE_KEYWORDS for n in ast.walk(k.value))
        if name in PROSE_CALLS or name and name.lower().startswith(("is_", "has_", "assert")):
            # A message, or a predicate's or an assertion's argument: text about an id, not a use.
            self.prose.update(id(n) for a in node.args for n in ast.walk(a))
        if name in DATASET_LOADERS or is_other_repo_type(node):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                self.consumed.add(id(arg))  # a dataset or Space id, never a model
            return
        if name in OUTPUT_CALLS:
            self.consumed.update(id(n) for n in [*node.args[:1], *(k.value for k in node.keywords)])
        if name in LOCAL_OUTPUT_CALLS:
            self.written([*node.args[:1], *(k.value for k in node.keywords if k.arg == "save_directory")])
        self.consumed.update(id(k.value) for k in node.keywords if k.arg in OUTPUT_KEYWORDS)
        self.written([k.value for k in node.keywords if k.arg in LOCAL_OUTPUT_KEYWORDS])
        positions = model_arguments(node, self.imported_from)
        for position in positions:
            self.pending.append((node, position, self.scope))
        if self.subjects is not None and not positions:
            # model= of a call no rule knows is as often another provider's API (OpenAI, Ollama,
            # watsonx) as a project's loader: only an org/name the catalogue knows counts there.
            self.subjects += call_subjects(node, name, self.scope)
        # lm-eval's model_args= string, also given to HFLM.create_from_arg_string("pretrained=org/m,...")
        args = keyword(node, "model_args") or (positional(node, 0) if name == "create_from_arg_string" else None)
        if args is not None:
            self.model_args.append((node, args, self.scope))

    def finish(self) -> list[Reference]:
        """Resolve the model arguments (constants may be assigned after the function that uses
        them), read command lines and Hub URLs in strings, and add catalogue matches: all the
        module's references but those it passes to other modules' loads (:meth:`follow_calls`)."""
        self.bind_call_arguments()
        for call, position, scope in self.pending:
            self.resolve_position(call, position, scope)
        for call, args, scope in self.model_args:
            self._model_args(call, args, scope)
        self._commands()
        for node in self.urls:
            # A string of doctest examples (">>> pipe = ...", diffusers' EXAMPLE_DOC_STRING) documents
            # a use; it is not one.
            found = hub_url_id(node.value, downloads_only=True) if ">>> " not in node.value else None
            if found is not None and id(node) not in self.consumed and id(node) not in self.prose:
                self.consumed.add(id(node))
                repo_id, at = found
                column = self.column(node) + 1 + at if "\n" not in node.value else None
                self.add(repo_id, node, "python-constant", "Hub URL", None, (), column=column)
        self.exported_models()
        if self.subjects:
            self.catalogue_matches(self.subjects)
        return self.refs


__all__ = ["scan_python"]
