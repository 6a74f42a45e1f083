"""Models a Python module hands to loaders that are not its own: its model flags' defaults, its
model-named constants, and (with a catalogue) the known ids it hands to a project's own loaders.

A worker's ``--model-path`` default or a config module's ``EMBEDDING_MODEL`` reaches a loader in
another module (one the scan may not hold, or reach through parsed arguments). These rules report
such values where they are written, once nothing in their own module loaded them (a loader that did
named them already, with the id that library requests).

A project's own loader (``launcher("org/m")`` in a test, ``TransformersEngine("org/m")``) is no
library's: with a catalogue, an id it knows is reported where such a call is given it as its
subject (first argument, or a keyword named for a model), or where a model-named variable holds it.
Not a known id written anywhere else: model tables, comparisons, asserts, mocks and labels name
models nothing loads (an earlier rule reported every known ``"org/name"`` literal: 120 - 500 false
references in each of three public repositories). Split from :mod:`catalog.scan.python`, whose
scanner collects the calls and assignments these rules are given.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from catalog.scan.base import IdCheck
from catalog.scan.ids import hub_url_id
from catalog.scan.python_loaders import PROSE_CALLS, is_model_name, keyword
from catalog.scan.python_scopes import Scope, literal
from catalog.scan.python_values import Resolver
from catalog.scan.shell_flags import model_flag

# Calls whose first argument is not a model they are given: strings, containers and patterns
# handled, messages (PROSE_CALLS), assertions and mocks (a test asserting or patching an id loads nothing).
_NOT_LOADERS = PROSE_CALLS | frozenset({
    "get", "pop", "setdefault", "index", "count", "startswith", "endswith", "replace", "split", "rsplit",
    "partition", "format", "append", "extend", "insert", "remove", "add", "update", "join", "match", "search",
    "fullmatch", "sub", "findall", "compile", "patch", "Mock", "MagicMock", "isinstance", "KeyError",
    "skip", "skipif", "xfail", "parametrize", "param",
    # An API's request fields declared with their defaults (FastAPI, pydantic): what a client may send.
    "Form", "Query", "Body", "Header", "File", "Path", "Field", "Cookie",
    "from_name"})  # litgpt's Config.from_name("org/m"): its own table of architectures
# An inference API's request (OpenAI's client.chat.completions.create, Anthropic's client.messages.create,
# LiteLLM's completion): its model= names the model a provider serves, under the API's terms.
_API_RESOURCES = frozenset({"completions", "chat", "embeddings", "responses", "messages", "images", "audio"})
_API_FUNCTIONS = frozenset({"completion", "acompletion", "embedding", "aembedding", "text_completion"})
# Keywords that hand a call its model besides those named for one (is_model_name).
_SUBJECT_KEYWORDS = frozenset({"repo_id", "repo", "checkpoint", "pretrained", "base"})


def _api_request(call: ast.Call, name: str) -> bool:
    """Whether ``call`` is a request to an inference API (see :data:`_API_RESOURCES`)."""
    if name in _API_FUNCTIONS or "completion" in name.lower():  # stream_chat_completion(model=...)
        return True
    owner = call.func.value if isinstance(call.func, ast.Attribute) else None
    while isinstance(owner, ast.Attribute):  # client.chat.completions.create, openai.ChatCompletion.create
        if owner.attr in _API_RESOURCES or "completion" in owner.attr.lower():
            return True
        owner = owner.value
    return False


def call_subjects(call: ast.Call, name: str | None, scope: Scope) -> list[tuple[ast.expr, Scope]]:
    """What ``call`` is given as its model, if it is a project's loader: its first argument and
    its model-named keywords (the candidates for :meth:`ExportedModels.catalogue_matches`), with
    the scope they are evaluated in. Not a predicate's (``is_uri("org/m")``) or an assertion's."""
    if name is None or name in _NOT_LOADERS or name.lower().startswith(("assert", "is_", "has_")) \
            or _api_request(call, name):
        return []
    first = call.args[:1] if call.args and not isinstance(call.args[0], ast.Starred) else []
    return [(node, scope) for node in [*first, *(k.value for k in call.keywords if k.arg is not None and (
        k.arg in _SUBJECT_KEYWORDS or is_model_name(k.arg)))]]


class ExportedModels:
    """The rules, for the Python scanner they are a base of (it provides the attributes below)."""

    check: IdCheck
    consumed: set[int]
    prose: set[int]
    resolver: Resolver
    options: list[ast.Call]
    constants: list[tuple[str, ast.expr]]
    add: Callable[..., None]
    _local: Callable[..., bool]

    def exported_models(self) -> None:
        """Report what :meth:`option_default` and :meth:`model_constant` find (call last)."""
        for option in self.options:
            self.option_default(option)
        for name, value in self.constants:
            self.model_constant(name, value)

    def option_default(self, node: ast.Call) -> None:
        """``add_argument("--model-path", default="org/m")`` (and ``click.option``): the default of
        a model flag is a use wherever the parsed value goes, as the same flag on a command line
        is (FastChat's workers hand it to a loader in another module)."""
        default = keyword(node, "default")
        flags = [f for f in map(literal, node.args) if f and f.startswith("--")]
        if default is not None and any(model_flag(f) is not None for f in flags):
            self._exported(default, f"{flags[0]} default")

    def model_constant(self, name: str, value: ast.expr) -> None:
        """``EMBEDDING_MODEL = "org/m"`` at module level, or a settings class's ``llm_model: str =
        "org/m"``: another module imports it (an app's ``config.py``)."""
        self._exported(value, f"{name} =")

    def catalogue_matches(self, subjects: list[tuple[ast.expr, Scope]]) -> None:
        """Report each subject (:func:`call_subjects`, model-named variables) that is, or holds
        through the module's names (``cls.model = "org/m"`` … ``launch_server(cls.model)``), an
        ``org/name`` the catalogue knows that no other rule has seen (call last)."""
        for node, scope in subjects:
            if isinstance(node, ast.Name | ast.Attribute):
                for found in self.resolver.resolve(node, scope).values:
                    if found.origin is None and self._known_id(found.node, found.text):
                        via = ".".join(found.via[-1:])
                        self.add(found.text, node, "python-constant", f"catalogue match via {via}", None,
                                 (*found.lines, found.node.lineno))
            elif (value := literal(node)) is not None and self._known_id(node, value):
                self.add(value, node, "python-constant", "catalogue match", None, ())

    def _known_id(self, node: ast.expr, value: str) -> bool:
        """Whether ``node`` (a literal no other rule has seen) is an org/name the catalogue knows;
        it is then seen."""
        if "/" not in value or id(node) in self.consumed or id(node) in self.prose \
                or not self.check.accepts(value, strong=False) or not self.check.known(value):
            return False
        self.consumed.add(id(node))
        return True

    def _exported(self, value: ast.expr, context: str) -> None:
        """Report ``value`` unless a loader of this module named it already. An ``org/name``
        only: a bare name (a default of a flag as loose as ``--model``) is as likely another
        vendor's model."""
        repo_id = literal(value)
        if repo_id is None or "/" not in repo_id or id(value) in self.consumed or self.is_local(repo_id) \
                or hub_url_id(repo_id) is not None or not self.check.accepts(repo_id, strong=True):
            return
        self.consumed.add(id(value))
        self.add(repo_id, value, "python-constant", context, None, ())
