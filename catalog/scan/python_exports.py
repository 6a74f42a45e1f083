"""Models a Python module hands to loaders elsewhere: its model flags' defaults and its
model-named constants.

Discovery follows names within one module; a worker's ``--model-path`` default or a config
module's ``EMBEDDING_MODEL`` reaches a loader in another module, where it is only an unresolved
argument. These rules report such values where they are written, once nothing in their own module
loaded them (a loader that did named them already, with the id that library requests). Split from
:mod:`catalog.scan.python`, whose scanner collects the calls and assignments they are given.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from catalog.scan.base import IdCheck, hub_url_id
from catalog.scan.python_loaders import keyword
from catalog.scan.python_scopes import literal
from catalog.scan.shell import model_flag


class ExportedModels:
    """The rules, for the Python scanner they are a base of (it provides the attributes below)."""

    check: IdCheck
    consumed: set[int]
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

    def _exported(self, value: ast.expr, context: str) -> None:
        """Report ``value`` unless a loader of this module named it already. An ``org/name``
        only: a bare name (a default of a flag as loose as ``--model``) is as likely another
        vendor's model."""
        repo_id = literal(value)
        if repo_id is None or "/" not in repo_id or id(value) in self.consumed or self._local(repo_id) \
                or hub_url_id(repo_id) is not None or not self.check.accepts(repo_id, strong=True):
            return
        self.consumed.add(id(value))
        self.add(repo_id, value, "python-constant", context, None, ())
