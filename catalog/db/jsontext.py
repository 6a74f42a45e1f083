"""JSON text that may be hostile: decoded without recursion, bounded in depth, cleaned for storage.

The standard decoders recurse once per nesting level, so a Hub page holding one card nested
1,500 deep raises ``RecursionError`` and costs the whole page; a 5,000-digit integer raises
``ValueError``. :func:`loads_bounded` parses iteratively, replaces what is too deep or too big by a
:class:`Dropped` marker, and leaves the decision (record a problem) to the caller.
:func:`clean` makes any decoded value storable in a JSON column of both engines.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from json.decoder import scanstring
from typing import Any

import orjson

# Deeper than any real Hub card (model-index cards reach ~8 levels) and far below the recursion limit.
MAX_DEPTH = 64
# Python refuses to convert integers of more than 4,300 digits to or from text; keep well below.
_MAX_DIGITS = 4_000
_MAX_INT = 10**_MAX_DIGITS

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?")
_CONSTANTS = (("true", True), ("false", False), ("null", None), ("NaN", math.nan), ("Infinity", math.inf),
              ("-Infinity", -math.inf))
_STRUCTURE = re.compile(r'["\[\]{}]')
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
# orjson decodes as json does (its floats are correctly rounded too), several times faster, except
# integers beyond 64 bits: it makes them floats. Text holding a run of 19 digits (strings included)
# goes to json; the run is found by mapping every digit to "0" and all else to " ", in C.
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= code <= 0x39 else 0x20 for code in range(256))
_LONG_NUMBER = b"0" * 19


@dataclass(frozen=True)
class Dropped:
    """Stands where a decoded value was left out, saying why."""

    reason: str


def loads_bounded(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Decode JSON text without recursion; containers deeper than ``max_depth`` become :class:`Dropped`.

    Accepts what :func:`json.loads` accepts (NaN and Infinity included). Integers of more than
    4,000 digits, which Python cannot convert, become :class:`Dropped` too.

    Raises:
        ValueError: the text is not JSON (truncated, garbled, not UTF-8).
    """
    s = text.decode("utf-8") if isinstance(text, bytes) else text
    n = len(s)
    stack: list[tuple[Any, str | None]] = []  # open containers, with the pending key of an object
    i = _WS.match(s, 0).end()  # type: ignore[union-attr]
    while True:
        c = s[i:i + 1]
        value: Any
        if c in ("{", "["):
            if len(stack) >= max_depth:
                i, value = _skip_container(s, i), Dropped(f"nested deeper than {max_depth} levels")
            else:
                i = _WS.match(s, i + 1).end()  # type: ignore[union-attr]
                closing = "]" if c == "[" else "}"
                if s[i:i + 1] == closing:
                    value, i = ([] if c == "[" else {}), i + 1
                elif c == "[":
                    stack.append(([], None))
                    continue
                else:
                    key, i = _key(s, i)
                    stack.append(({}, key))
                    continue
        elif c == '"':
            value, i = scanstring(s, i + 1)
        else:
            value, i = _scalar(s, i)
        # Attach the value to its container; close as many containers as end here.
        while True:
            if not stack:
                i = _WS.match(s, i).end()  # type: ignore[union-attr]
                if i != n:
                    raise ValueError(f"extra data at character {i}")
                return value
            container, key = stack[-1]
            if key is None:
                container.append(value)
            else:
                container[key] = value
            i = _WS.match(s, i).end()  # type: ignore[union-attr]
            c = s[i:i + 1]
            if c == ",":
                i = _WS.match(s, i + 1).end()  # type: ignore[union-attr]
                if key is not None:
                    key, i = _key(s, i)
                    stack[-1] = (container, key)
                break
            if c != ("]" if key is None else "}"):
                raise ValueError(f"expected ',' or a closing bracket at character {i}")
            i += 1
            stack.pop()
            value = container


def _key(s: str, i: int) -> tuple[str, int]:
    if s[i:i + 1] != '"':
        raise ValueError(f"expected a property name at character {i}")
    key, i = scanstring(s, i + 1)
    i = _WS.match(s, i).end()  # type: ignore[union-attr]
    if s[i:i + 1] != ":":
        raise ValueError(f"expected ':' at character {i}")
    return key, _WS.match(s, i + 1).end()  # type: ignore[union-attr]


def _scalar(s: str, i: int) -> tuple[Any, int]:
    for word, value in _CONSTANTS:
        if s.startswith(word, i):
            return value, i + len(word)
    m = _NUMBER.match(s, i)
    if m is None:
        raise ValueError(f"unexpected character at {i}")
    integer, fraction, exponent = m.groups()
    if fraction or exponent:
        return float(m.group()), m.end()
    digits = len(integer.lstrip("-"))
    if digits > _MAX_DIGITS:
        return Dropped(f"an integer of {digits:,} digits"), m.end()
    return int(integer), m.end()


def _skip_container(s: str, i: int) -> int:
    """The index just past the container opening at ``i`` (strings inside are skipped whole)."""
    depth = 0
    while True:
        m = _STRUCTURE.search(s, i)
        if m is None:
            raise ValueError("unterminated container")
        c, i = m.group(), m.end()
        if c == '"':
            _, i = scanstring(s, i)
        elif c in "[{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return i


def clean_text(text: str) -> str:
    """``text`` without NUL characters and lone surrogates (neither engine can store them)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if _LONE_SURROGATE.search(text):
        # Paired surrogates do not occur in a decoded str (they are joined), so any left is lone.
        text = _LONE_SURROGATE.sub("", text)
    return text


def clean(value: Any, *, max_depth: int = MAX_DEPTH, notes: list[str] | None = None) -> Any:
    """A copy of a decoded JSON value that both engines can store and serve.

    Text loses NUL characters and lone surrogates; NaN, Infinity, integers of more than 4,000
    digits, :class:`Dropped` markers and anything deeper than ``max_depth`` become None. Iterative, so any
    depth is safe. What was changed is appended to ``notes`` (one line per kind of change).
    """
    found: set[str] = set()
    root: list[Any] = [None]
    # Work items: (value, parent container, key or index in it, depth).
    work: list[tuple[Any, Any, Any, int]] = [(value, root, 0, 0)]
    while work:
        item, parent, slot, depth = work.pop()
        if isinstance(item, str):
            cleaned = clean_text(item)
            if cleaned != item:
                found.add("NUL characters or lone surrogates removed")
            parent[slot] = cleaned
        elif isinstance(item, bool) or item is None:
            parent[slot] = item
        elif isinstance(item, int):
            if -_MAX_INT < item < _MAX_INT:
                parent[slot] = item
            else:
                found.add(f"integers of more than {_MAX_DIGITS:,} digits dropped")
                parent[slot] = None
        elif isinstance(item, float):
            if math.isfinite(item):
                parent[slot] = item
            else:
                found.add("NaN or infinite numbers dropped")
                parent[slot] = None
        elif isinstance(item, (dict, list)) and depth >= max_depth:
            found.add(f"values nested deeper than {max_depth} levels dropped")
            parent[slot] = None
        elif isinstance(item, dict):
            out: dict[str, Any] = {}
            parent[slot] = out
            for key, child in item.items():
                key = clean_text(key) if isinstance(key, str) else str(key)
                out[key] = None
                work.append((child, out, key, depth + 1))
        elif isinstance(item, list):
            out_list: list[Any] = [None] * len(item)
            parent[slot] = out_list
            for index, child in enumerate(item):
                work.append((child, out_list, index, depth + 1))
        elif isinstance(item, Dropped):
            found.add(item.reason + " dropped")
            parent[slot] = None
        else:
            found.add(f"a {type(item).__name__} dropped")
            parent[slot] = None
    if notes is not None:
        notes.extend(sorted(found))
    return root[0]


def loads_stored(text: str | bytes) -> Any:
    """Decode a JSON column value for reading: whatever an older version stored, it can be served.

    Databases written before ingest cleaned its input may hold lone surrogates or NaN in SQLite
    JSON text; they are cleaned here instead of failing the page that shows them.
    """
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    try:
        value = _loads(text)
    except RecursionError:
        return clean(loads_bounded(text))
    return clean(value) if needs_cleaning(raw) else value


def _loads(text: str | bytes) -> Any:
    """``json.loads(text)``, by orjson when the text holds no number it would decode otherwise."""
    if len(text) >= len(_LONG_NUMBER):
        encoded = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
        if _LONG_NUMBER in encoded.translate(_DIGITS_AS_ZERO):
            return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)  # NaN, a lone surrogate, nesting past orjson's limit: as before


def needs_cleaning(encoded: str) -> bool:
    """Whether JSON text made by :func:`json.dumps` (ASCII) may hold what :func:`clean` removes
    (a NUL, a surrogate escape, NaN or Infinity; text that merely looks so is cleaned to itself).

    Four substring tests: measured faster than one regular expression over the same text.
    """
    return "\\u0000" in encoded or "\\ud" in encoded or "NaN" in encoded or "Infinity" in encoded
