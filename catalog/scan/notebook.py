"""Model references in Jupyter notebooks (``*.ipynb``).

A notebook's code cells share one namespace, so the cells that parse are joined into one
Python module and read by the Python rules (a constant set in one cell and used in another is
followed). Lines that IPython handles itself are not Python: ``%`` and ``%%`` magics, ``!``
shell escapes and ``?`` help lines become ``pass`` at their own indentation (so ``if COLAB:\\n
!pip install x`` still parses), and escapes and ``%%bash``/``%%sh``/``%%script`` cells are read
by the command rules instead. A cell that still does not parse is read line by line and
recorded as a ``scan-incomplete`` problem naming it; so is a file that is not notebook JSON.

References point at the line of the ``.ipynb`` file that holds the source line: exact for cells
stored as a list of lines (as Jupyter writes them), and the line of the string for a cell
stored as one JSON string (as Colab writes them). The context names the cell (``cell 3``).
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from catalog.scan import python as discovery_python
from catalog.scan import shell as discovery_shell
from catalog.scan.base import IdCheck, Reference
from catalog.scan.config_files import is_config, scan_config
from catalog.scan.lines import SCRIPT_SUFFIXES, scan_lines
from catalog.scan.python_syntax import parse

_SHELL_CELLS = ("%%bash", "%%sh", "%%script", "%%shell")
# Cell magics whose body is another language than Python or shell: not read (txtai's %%sql cells).
_OTHER_LANGUAGE_CELLS = ("%%sql", "%%html", "%%javascript", "%%js", "%%latex", "%%markdown", "%%svg", "%%perl",
                         "%%ruby")
# Jupyter's `%%writefile [-a] name` cell magic: the rest of the cell is the content of that file.
_WRITEFILE = re.compile(r"^\s*%%writefile(?:\s+-a)?\s+(\S+)\s*$")
# A cell an editor runs as a shell script (VS Code's per-cell language: metadata.vscode.languageId).
_SHELL_LANGUAGES = frozenset({"shellscript", "bash", "sh", "shell", "zsh"})
_SOURCE_KEY = re.compile(r'"source"\s*:\s*')
_MAX_DEPTH = 200
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def scan_notebook(data: bytes, file: str, check: IdCheck) -> list[Reference]:
    """Return the references in one notebook; what cannot be read is recorded on ``check``."""
    text = data.decode("utf-8", "replace")
    try:
        if text.count("[") > _MAX_DEPTH * 50 and _too_deep(text):
            raise RecursionError
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else f"not valid JSON ({exc})"
        check.problem("scan-incomplete", file, 1, 1, f"notebook {reason}: read line by line")
        return scan_lines(text, file, "python-call", check)
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        check.problem("scan-incomplete", file, 1, 1, "not a notebook (no list of cells): read line by line")
        return scan_lines(text, file, "python-call", check)
    code = [_code_lines(cell) for cell in cells]
    file_lines = _file_lines(text, cells, code)
    python: list[str] = []
    shell: list[str] = []
    origin: list[tuple[int, int]] = []  # per joined line: (cell number, line within the cell)
    refs: list[Reference] = []
    for number, lines in enumerate(code, 1):
        if lines is None:
            if isinstance(cells[number - 1], dict) and cells[number - 1].get("cell_type") == "code":
                check.problem("scan-incomplete", file, file_lines.get((number, 0), 1), 1,
                              f"cell {number} has no readable source")
            elif not isinstance(cells[number - 1], dict):
                check.problem("scan-incomplete", file, 1, 1, f"cell {number} is not a cell object")
            continue
        first = _first_line(lines)
        written = _written_file(lines[first]) if lines else None
        if written is not None and not written.lower().endswith(".py"):
            # Not Python: the file the cell writes (its configuration, its script), read as that file.
            refs += _written_config(lines, first, written, number, file, file_lines, check) if is_config(
                written) else _written_script(lines, first, written, number, file, file_lines, check)
            cell_python = [""] * len(lines)
            cell_shell = [""] * (first + 1) + [raw.rstrip("\r\n") for raw in lines[first + 1:]] if written.lower(
            ).endswith(discovery_shell.SHELL_SUFFIXES) else [""] * len(lines)
        elif lines and lines[first].lstrip().startswith(_OTHER_LANGUAGE_CELLS):
            cell_python = cell_shell = [""] * len(lines)
        else:
            cell_python, cell_shell = _split_cell(lines, _shell_language(cells[number - 1]))
        if not _parses("\n".join(cell_python)):
            where = file_lines.get((number, 0), 1)
            check.problem("scan-incomplete", file, where, 1,
                          f"cell {number} does not parse as Python: read line by line")
            for ref in scan_lines("\n".join(lines), file, "python-call", check):
                refs.append(replace(ref, line=file_lines.get((number, ref.line - 1), where),
                                    context=f"cell {number}, {ref.context}"))
            cell_python = [""] * len(lines)
        python += cell_python
        shell += cell_shell
        origin += [(number, index) for index in range(len(lines))]
        # A blank line between cells keeps an unfinished statement in one from swallowing the next.
        python.append("")
        shell.append("")
        origin.append((number, len(lines)))
    if not origin:
        return refs

    def cell_line(line: int) -> tuple[int, int]:
        return origin[min(line, len(origin)) - 1]

    def place(line: int) -> int:
        return file_lines.get(cell_line(line), 1)

    found: list[Reference] = []
    problems_before = len(check.problems)
    try:
        found += discovery_python.scan_python("\n".join(python).encode(), file, check)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        check.problem("scan-incomplete", file, 1, 1, f"notebook code cannot be parsed ({type(exc).__name__}): "
                                                     "read line by line")
        found += scan_lines("\n".join(python), file, "python-call", check)
    if discovery_shell.wants("\n".join(shell).encode()):
        found += discovery_shell.scan_commands("\n".join(shell), file, "shell", check)
    # Problems the Python rules recorded carry joined-module lines: move them to the file's.
    check.problems[problems_before:] = [
        replace(p, line=place(p.line), detail=f"cell {cell_line(p.line)[0]}: {p.detail}")
        if p.file == file and p.code == "unresolved-reference" else p
        for p in check.problems[problems_before:]
    ]
    refs += [
        replace(ref, line=place(ref.line), related_lines=tuple(place(n) for n in ref.related_lines),
                context=", ".join(filter(None, (f"cell {cell_line(ref.line)[0]}", ref.context))))
        for ref in found
    ]
    return refs


def _first_line(lines: list[str]) -> int:
    """The index of a cell's first line that is not a Colab form line (``#@title``, ``#@markdown``),
    which Colab lets stand above a cell magic (txtai's ``#@title`` then ``%%writefile src/main.rs``)."""
    index = 0
    while index < len(lines) - 1 and lines[index].lstrip().startswith("#@"):
        index += 1
    return index


def _written_file(line: str) -> str | None:
    """The file a cell whose magic is ``line``, ``%%writefile [-a] name``, writes (its body is that file)."""
    match = _WRITEFILE.match(line)
    return match.group(1).strip("'\"") if match else None


def _written_config(lines: list[str], first: int, name: str, number: int, file: str,
                    file_lines: dict[tuple[int, int], int], check: IdCheck) -> list[Reference]:
    """The references of a cell writing the configuration file ``name`` (autotrain's and axolotl's
    notebooks write their training config so), read as that file is, on the notebook's lines
    (``first``: the magic's line in the cell)."""
    body, place = _written_body(lines, first, number, file_lines)
    before = len(check.problems)
    found = scan_config(body.encode(), name, check)
    check.problems[before:] = [replace(p, file=file, line=place(p.line), detail=f"cell {number} ({name}): {p.detail}")
                               if p.file == name else p for p in check.problems[before:]]
    return [replace(ref, file=file, line=place(ref.line), related_lines=tuple(place(n) for n in ref.related_lines),
                    context=f"cell {number}, %%writefile {name}, {ref.context}") for ref in found]


def _written_script(lines: list[str], first: int, name: str, number: int, file: str,
                    file_lines: dict[tuple[int, int], int], check: IdCheck) -> list[Reference]:
    """The references of a cell writing a JavaScript or TypeScript file, read line by line as the
    tree's own are; nothing for another file (a text, a Rust source: the tree's are not read)."""
    if not name.lower().endswith(SCRIPT_SUFFIXES):
        return []
    body, place = _written_body(lines, first, number, file_lines)
    found = scan_lines(body, file, "javascript", check)
    return [replace(ref, line=place(ref.line), related_lines=(),
                    context=f"cell {number}, %%writefile {name}, {ref.context}") for ref in found]


def _written_body(lines: list[str], first: int, number: int,
                  file_lines: dict[tuple[int, int], int]) -> tuple[str, Callable[[int], int]]:
    """The file a ``%%writefile`` cell writes (its lines after the magic, ``first``), and where
    that file's line n is in the notebook: the cell's line ``first + n`` (the magic's, if unknown)."""
    where = file_lines.get((number, first), 1)
    body = "\n".join(raw.rstrip("\r\n") for raw in lines[first + 1:])
    return body, lambda line: file_lines.get((number, first + line), where)


def _too_deep(text: str) -> bool:
    depth = 0
    # Brackets inside strings are text (an output's ANSI colour codes, "\u001b[0m", open 15,000).
    for char in re.sub(r"[^\[\]{}]+", "", _JSON_STRING.sub('""', text)):
        depth += 1 if char in "[{" else -1
        if depth > _MAX_DEPTH:
            return True
    return False


def _shell_language(cell: object) -> bool:
    """Whether the cell's metadata says an editor runs it as a shell script."""
    metadata = cell.get("metadata") if isinstance(cell, dict) else None
    editor = metadata.get("vscode") if isinstance(metadata, dict) else None
    language = editor.get("languageId") if isinstance(editor, dict) else None
    return isinstance(language, str) and language.lower() in _SHELL_LANGUAGES


def _split_cell(lines: list[str], shell_script: bool = False) -> tuple[list[str], list[str]]:
    """A cell's lines for the Python rules and for the command rules, line for line (all of them
    for the command rules in a ``shell_script`` cell)."""
    python: list[str] = []
    shell: list[str] = []
    if shell_script:
        return [""] * len(lines), [raw.rstrip("\r\n") for raw in lines]
    lines = _without_leading_indent(lines)
    first = _first_line(lines) if lines else 0
    shell_cell = bool(lines) and lines[first].lstrip().startswith(_SHELL_CELLS)
    cell_magic = bool(lines) and lines[first].lstrip().startswith("%%")
    continued = False  # the previous line was a shell escape ending in a backslash
    settled = 0  # python[settled:] is what follows the last IPython line: where a statement may be open
    for index, raw in enumerate(lines):
        text = raw.rstrip("\r\n")
        stripped = text.lstrip()
        indent = text[: len(text) - len(stripped)]
        if continued:
            python.append("")
            shell.append(text)
            continued = text.rstrip().endswith("\\")
            continue
        if shell_cell:
            python.append("")
            shell.append("" if index <= first else text)
        elif index == first and cell_magic:
            python.append("")
            shell.append("")
        elif stripped.startswith("!") and not _continues(python[settled:]):  # `!= x` may continue an expression
            python.append(f"{indent}pass")
            shell.append(stripped[1:])
            continued = stripped.rstrip().endswith("\\")
            settled = len(python)  # a statement starts after it: the next such line tokenizes from here
        elif stripped.startswith("%") and not _continues(python[settled:]):  # `% x`: a continued line's modulo?
            python.append(f"{indent}pass")
            settled = len(python)
            continued = stripped.rstrip().endswith("\\")  # `%pip install a \` goes on below
            # %pip / %sh / %system run commands too.
            shell.append(stripped.split(None, 1)[1] if stripped.startswith(("%sh", "%system")) and " " in stripped
                         else "")
        elif stripped.endswith("?") and not stripped.startswith("#") and re.fullmatch(r"[\w.?]+", stripped):
            python.append(f"{indent}pass")  # `obj?` / `obj??`: IPython help
            shell.append("")
        else:
            # `x = !ls` and `x = %env VAR`: the assignment keeps the name bound.
            assigned = re.match(r"^(\s*[\w.]+\s*=\s*)[!%]", text)
            python.append(f"{assigned.group(1)}None" if assigned else text)
            shell.append(text[assigned.end():] if assigned and text[assigned.end() - 1] == "!" else "")
    return python, shell


def _continues(previous: list[str]) -> bool:
    """Whether the next line of a cell continues a statement its ``previous`` lines (as Python,
    since the cell's last IPython line: each line is tokenized once or twice, not once per such
    line) leave open: a bracket, a backslash, a string over several lines. IPython reads ``!`` and
    ``%`` only at a statement's start (LLMLingua's ``(a\n != b)``); asked only of such lines."""
    if not previous or previous[-1].strip() == "pass":
        return False  # nothing since the last IPython line, or a complete statement
    if previous[-1].rstrip().endswith("\\"):
        return True
    try:
        for _ in tokenize.generate_tokens(io.StringIO("\n".join(previous) + "\n").readline):
            pass
    except tokenize.TokenError:  # "EOF in multi-line statement" (or string)
        return True
    except SyntaxError:  # an unindent that matches nothing: not this line's concern
        return False
    return False


def _without_leading_indent(lines: list[str]) -> list[str]:
    """The cell as IPython runs it: the first code line's indentation taken off every line that
    starts with it (coqui-ai/TTS's ``" !tts --text ..."`` cell), line for line."""
    top = next((line for line in lines if line.strip()), "")
    indent = top[: len(top) - len(top.lstrip(" \t"))]
    return [line.removeprefix(indent) for line in lines] if indent else lines


def _parses(source: str) -> bool:
    try:
        parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _code_lines(cell: Any) -> list[str] | None:
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return None
    source = cell.get("source")
    if isinstance(source, str):
        return source.splitlines()
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        # nbformat stores lines with their newlines; a list item may still hold several lines.
        return "".join(source).splitlines()
    return None


def _file_lines(text: str, cells: list[Any], code: list[list[str] | None]) -> dict[tuple[int, int], int]:
    """Where each code-cell source line stands in the file: (cell, line) -> 1-based file line.

    Each cell's ``"source"`` key is found in turn (a quote inside a JSON string is escaped, so
    the key cannot be mistaken for output text). A cell stored as one string is all on that
    string's line. For a list of lines, each line is found as a JSON string after the key;
    one not found (unusual escaping) takes the place of the last one found before it.
    """
    keys = [match.end() for match in _SOURCE_KEY.finditer(text)]
    where: dict[tuple[int, int], int] = {}
    offset, counted, line_number = 0, 0, 1
    key_index = 0
    for number, (cell, lines) in enumerate(zip(cells, code, strict=True), 1):
        has_source = isinstance(cell, dict) and "source" in cell
        if has_source and key_index < len(keys):
            if keys[key_index] > offset:
                line_number += text.count("\n", counted, keys[key_index])
                counted = offset = keys[key_index]
            key_index += 1
        if lines is None:
            continue
        if isinstance(cell.get("source"), str):
            for index in range(len(lines) + 1):
                where[(number, index)] = line_number
            continue
        raw = "".join(cell["source"]).splitlines(keepends=True)
        for index, line in enumerate([*raw, ""]):
            found = text.find(json.dumps(line, ensure_ascii=False), offset) if line else -1
            if found < 0 and line:
                found = text.find(json.dumps(line), offset)  # written with \uXXXX escapes
            if found >= 0:
                line_number += text.count("\n", counted, found)
                counted = offset = found
            where[(number, index)] = line_number
    return where
