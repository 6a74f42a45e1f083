"""Literal tables of rows in Python: ``@pytest.mark.parametrize`` cases and ``for a, b in ROWS``,
read column by column so that each named parameter or loop variable takes its column's values."""

from __future__ import annotations

import ast
from typing import Any, Protocol

from catalog.scan.python_loaders import callee


class Scope(Protocol):
    """A :class:`catalog.scan.python_scopes.Scope` (which imports this module), as read here."""

    def lookup(self, name: str) -> list[tuple[Any, Any, bool]] | None: ...


def columns(rows: ast.expr | None, width: int) -> list[ast.expr | None]:
    """The ``width`` columns of a literal list of rows (tuples or lists of ``width`` items, or
    ``pytest.param(...)`` of them), each as a synthetic list; Nones when ``rows`` is not one."""
    items = rows.elts if isinstance(rows, ast.List | ast.Tuple | ast.Set) else None
    table = []
    for row in items or ():
        if isinstance(row, ast.Call) and callee(row) == "param":
            row = ast.Tuple(elts=row.args, ctx=ast.Load())
        if not isinstance(row, ast.Tuple | ast.List) or len(row.elts) != width:
            return [None] * width
        table.append(row.elts)
    if not table:
        return [None] * width
    return [ast.copy_location(ast.List(elts=[row[i] for row in table], ctx=ast.Load()), rows) for i in range(width)]


def parametrized(decorator: ast.Call, scope: Scope) -> dict[str, ast.expr]:
    """``@pytest.mark.parametrize("a, b", [(x, y), ...])``: each named parameter and the list of its
    values (also a list the module binds once to a name: ``parametrize("a, b", CASES)``)."""
    names = decorator.args[0] if decorator.args else next(
        (k.value for k in decorator.keywords if k.arg == "argnames"), None)
    values = decorator.args[1] if len(decorator.args) > 1 else next(
        (k.value for k in decorator.keywords if k.arg == "argvalues"), None)
    if isinstance(names, ast.Constant) and isinstance(names.value, str):
        listed = [n.strip() for n in names.value.split(",") if n.strip()]
    elif isinstance(names, ast.List | ast.Tuple):
        listed = [n.value for n in names.elts if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    else:
        return {}
    if values is None or not listed:
        return {}
    if isinstance(values, ast.Name):
        bound = scope.lookup(values.id) or []
        if len(bound) == 1 and isinstance(bound[0][0], ast.List | ast.Tuple) and not bound[0][2]:
            values = bound[0][0]
    elif isinstance(values, ast.Subscript):  # optimum-habana's MODELS_TO_TEST["bf16"]: one entry of a dict
        values = _dict_entry(values, scope) or values
    if len(listed) == 1:
        return {listed[0]: _unwrapped(values)}
    return {name: column for name, column in zip(listed, columns(values, len(listed))) if column is not None}


def _unwrapped(values: ast.expr) -> ast.expr:
    """A literal list of one parameter's cases with each ``pytest.param(value, marks=...)`` as its value."""
    if not isinstance(values, ast.List | ast.Tuple) or not any(
            isinstance(item, ast.Call) and callee(item) == "param" for item in values.elts):
        return values
    items = [item.args[0] if isinstance(item, ast.Call) and callee(item) == "param" and len(item.args) == 1 else item
             for item in values.elts]
    return ast.copy_location(ast.List(elts=items, ctx=ast.Load()), values)


def _dict_entry(node: ast.Subscript, scope: Scope) -> ast.expr | None:
    """``TABLE["key"]`` where the module binds ``TABLE`` once to a dict literal: that key's value."""
    key = node.slice
    if not (isinstance(node.value, ast.Name) and isinstance(key, ast.Constant)):
        return None
    bound = scope.lookup(node.value.id) or []
    if len(bound) != 1 or not isinstance(bound[0][0], ast.Dict) or bound[0][2]:
        return None
    table = bound[0][0]
    return next((v for k, v in zip(table.keys, table.values, strict=True)
                 if isinstance(k, ast.Constant) and k.value == key.value), None)
