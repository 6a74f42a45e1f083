"""Parse scanned Python, including the type-parameter syntax of Python 3.12 on 3.11.

catalog runs on Python 3.11, whose parser refuses PEP 695's generics and type aliases
(``class Pipeline[T]:``, ``def load[T](path) -> T:``, ``type Row = dict[str, Any]``), which
projects requiring Python 3.12 write freely: such a module was read line by line, its data flow
unseen (five of lerobot's modules, among them its processor pipeline). Where the interpreter's
parser refuses a module, the type parameters are blanked out and a type alias becomes a plain
assignment, every other byte left where it was, so that the lines, columns and byte offsets
the rules report and look up stay those of the file; if the module still does not parse, the
parser's first complaint is the one reported. Type parameters carry no value a model id could
flow through, so nothing that decides a reference is lost.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings

# A generic function or class header up to its type parameters' "[": `class Pipeline[`,
# `async def load[` (3.12 only: in 3.11 `def f[` is never valid). Identifiers may be non-ASCII.
_GENERIC = re.compile(rb"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+[A-Za-z_\x80-\xff][\w\x80-\xff]*[ \t]*(?=\[)",
                      re.MULTILINE)
# A type alias statement up to its name's end: `type Row`, `    type Pair[T]` (a soft keyword,
# valid 3.12 only when a name and "=" or "[" follow).
_ALIAS = re.compile(rb"^[ \t]*(type)[ \t]+([A-Za-z_\x80-\xff][\w\x80-\xff]*)[ \t]*", re.MULTILINE)
_EQUALS = re.compile(rb"[ \t]*=(?!=)")
# Bytes a type-parameter list may span (a longer one is not blanked: the module stays unparsed).
MAX_TYPE_PARAMS = 4096
_OPEN, _CLOSE = b"([{", b")]}"


def parse(source: bytes | str) -> ast.Module:
    """The module's syntax tree, with 3.12's type parameters read on an older interpreter.

    Raises:
        SyntaxError, ValueError, RecursionError, MemoryError: as :func:`ast.parse` (for a module
            that does not parse even without type parameters, the original complaint).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in scanned code are the project's business
        try:
            return ast.parse(source)
        except SyntaxError as refused:
            if sys.version_info >= (3, 12):
                raise
            data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
            plain = without_type_parameters(data)
            if plain is None:
                raise
            try:
                tree = ast.parse(plain if isinstance(source, bytes) else plain.decode("utf-8", "surrogatepass"))
            except SyntaxError:
                raise refused from None
            return tree


def without_type_parameters(data: bytes) -> bytes | None:
    """``data`` with PEP 695's type-parameter lists blanked and ``type X = v`` written ``X = v``
    (each of the same length, newlines kept), or None when it holds neither or one cannot be
    rewritten that way."""
    if b"[" not in data and b"type" not in data:
        return None
    out = bytearray(data)
    changed = False
    for match in _GENERIC.finditer(data):
        end = _closing(data, match.end())
        if end is None or not _blank(out, match.end(), end):
            return None
        changed = True
    for match in _ALIAS.finditer(data):
        at = match.end()
        if data[at:at + 1] == b"[":
            closed = _closing(data, at)
            if closed is None:
                continue  # `type x[0]`: not an alias
            at = closed
        equals = _EQUALS.match(data, at)
        if equals is None:
            continue  # `type x[0]`, a line of prose: not an alias statement
        name = data[match.start(2):match.end(2)]
        # `type Row[T] =` becomes `Row         =`: the name where "type" was, "=" where it was.
        out[match.start(1):match.start(1) + len(name)] = name
        if not _blank(out, match.start(1) + len(name), equals.end() - 1):
            return None
        changed = True
    return bytes(out) if changed else None


def _closing(data: bytes, start: int) -> int | None:
    """The offset just past the "]" closing the "[" at ``start`` (strings and comments skipped),
    or None if it is not closed within :data:`MAX_TYPE_PARAMS` bytes."""
    depth, at, end = 0, start, min(len(data), start + MAX_TYPE_PARAMS)
    while at < end:
        byte = data[at]
        if byte in _OPEN:
            depth += 1
        elif byte in _CLOSE:
            depth -= 1
            if depth == 0:
                return at + 1
        elif byte in b"'\"":  # a forward reference: T: "Model"
            close = data.find(bytes((byte,)), at + 1, end)
            if close < 0 or b"\n" in data[at:close]:
                return None
            at = close
        elif byte == ord("#"):
            newline = data.find(b"\n", at, end)
            if newline < 0:
                return None
            at = newline - 1
        at += 1
    return None


def _blank(out: bytearray, start: int, end: int) -> bool:
    """Blank ``out[start:end]`` with spaces, keeping its newlines as backslash continuations
    (the list spanned lines inside brackets). False if a line of it is empty: no byte to hold
    the backslash."""
    for at in range(start, end):
        if out[at] == ord("\n"):
            if at == start or out[at - 1] == ord("\n"):
                return False
            out[at - 1] = ord("\\")
        elif out[at] != ord("\\") or at + 1 >= end or out[at + 1] != ord("\n"):
            out[at] = ord(" ")
    return True
