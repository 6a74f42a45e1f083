"""Model references in Jupyter notebooks (``*.ipynb``).

A notebook's code cells share one namespace, so they are joined into one Python module and
read by the Python rules (a constant set in one cell and used in another is followed). Lines
that IPython handles itself are not Python: ``%`` and ``%%`` magics are blanked, ``!`` shell
escapes and ``%%bash``/``%%sh``/``%%script`` cells are read by the command rules instead.

References point at the line of the ``.ipynb`` file that holds the source line, which is
exact for notebooks as Jupyter writes them (one source line per JSON line), so SARIF results
and ``--diff`` land on the right place; the context names the cell (``cell 3``).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from catalog.scan import python as discovery_python
from catalog.scan import shell as discovery_shell
from catalog.scan.base import IdCheck, Reference

_SHELL_CELLS = ("%%bash", "%%sh", "%%script")
_SOURCE_KEY = re.compile(r'"source"\s*:')


def scan_notebook(data: bytes, file: str, check: IdCheck) -> list[Reference]:
    """Return the references in one notebook; a file that is not notebook JSON yields none."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return []
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        return []
    python: list[str] = []
    shell: list[str] = []
    origin: list[tuple[int, int]] = []  # per joined line: (cell number, line within the cell)
    code = [_code_lines(cell) for cell in cells]
    for number, lines in enumerate(code, 1):
        shell_cell = bool(lines) and lines[0].lstrip().startswith(_SHELL_CELLS)
        for index, line in enumerate(lines):
            text = line.rstrip("\r\n")
            stripped = text.lstrip()
            if shell_cell:
                python.append("")
                shell.append("" if index == 0 else text)
            elif stripped.startswith("!"):
                python.append("")
                shell.append(stripped[1:])
            else:
                python.append("" if stripped.startswith("%") else text)
                shell.append("")
            origin.append((number, index))
        # A blank line between cells keeps an unfinished statement in one from swallowing the next.
        python.append("")
        shell.append("")
        origin.append((number, len(lines)))
    if not origin:
        return []
    file_lines = _file_lines(data.decode("utf-8", "replace"), code)
    refs = discovery_python.scan_python("\n".join(python).encode(), file, check)
    if discovery_shell.wants("\n".join(shell).encode()):
        refs += discovery_shell.scan_commands("\n".join(shell), file, "shell", check)

    def cell_line(line: int) -> tuple[int, int]:
        return origin[min(line, len(origin)) - 1]

    def place(line: int) -> int:
        return file_lines.get(cell_line(line), 1)

    return [
        replace(ref, line=place(ref.line), related_lines=tuple(place(n) for n in ref.related_lines),
                context=", ".join(filter(None, (f"cell {cell_line(ref.line)[0]}", ref.context))))
        for ref in refs
    ]


def _code_lines(cell: Any) -> list[str]:
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return []
    source = cell.get("source")
    if isinstance(source, str):
        return source.splitlines(keepends=True)
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        # nbformat stores lines with their newlines; a list item may still hold several lines.
        return "".join(source).splitlines(keepends=True)
    return []


def _file_lines(text: str, code: list[list[str]]) -> dict[tuple[int, int], int]:
    """Where each code-cell source line stands in the file: (cell, line) -> 1-based file line.

    Each cell's ``"source"`` key is found in turn (a quote inside a JSON string is escaped, so
    the key cannot be mistaken for output text), then each of its lines as a JSON string after
    it. A line not found (a notebook written on one line, unusual escaping) takes the place of
    the last one found before it.
    """
    keys = [match.end() for match in _SOURCE_KEY.finditer(text)]
    where: dict[tuple[int, int], int] = {}
    offset, counted, line_number = 0, 0, 1
    for number, lines in enumerate(code, 1):
        if number - 1 < len(keys) and keys[number - 1] > offset:
            offset = keys[number - 1]
        for index, line in enumerate([*lines, ""]):
            found = text.find(json.dumps(line, ensure_ascii=False), offset) if line else -1
            if found >= 0:
                line_number += text.count("\n", counted, found)
                counted = offset = found
            where[(number, index)] = line_number
    return where
