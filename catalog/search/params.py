"""Query parameters of a search: names, validation and the opaque keyset cursor.

The names are the public contract shared by the pages and the REST API:
``q``, ``license``, ``category``, ``finding``, ``flag``, ``task``, ``library``, ``author``,
``size``, ``gated``, ``format`` (repeatable: values of one filter OR together, different
filters AND), ``params_min``, ``params_max``, ``removed``, ``base_model`` (models declaring
this base) with ``relation`` (finetune, adapter, quantized, merge or unknown), ``sort``,
``limit``, ``cursor``.
A filter value ``none`` selects models without a value (no recognised license, no task...).
"""

from __future__ import annotations

import base64
import binascii
import difflib
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from catalog.errors import InvalidQuery, UnknownParameter

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# `sort=<key>` is ascending and `sort=-<key>` descending (the common REST convention); most downloaded first by default.
DEFAULT_SORT = "-downloads"
NONE = "none"  # the filter value meaning "no value" (no license id, no task, no flag...)

SORT_KEYS = ("downloads", "likes", "parameters", "last_modified", "name")

# Parameter-count buckets: (value, label, lower bound inclusive, upper bound exclusive).
SIZE_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("<1B", None, 10**9),
    ("1-3B", 10**9, 3 * 10**9),
    ("3-10B", 3 * 10**9, 10 * 10**9),
    ("10-30B", 10 * 10**9, 30 * 10**9),
    ("30-100B", 30 * 10**9, 100 * 10**9),
    (">100B", 100 * 10**9, None),
)
SIZE_VALUES = tuple(b[0] for b in SIZE_BUCKETS) + ("unknown",)
GATED_VALUES = ("true", "false", "manual", "auto")
# What gated=true matches: every value a sync stores but "false" (crawl/problems.py maps the Hub's
# `gated` to exactly these three). Named, the values seek the (gated, removed) index; "not false" did not.
GATED_KINDS = ("auto", "manual")
REMOVED_VALUES = ("false", "true", "any")
RELATION_VALUES = ("finetune", "adapter", "quantized", "merge", "unknown")

# Filters that may repeat (values of one filter OR together; different filters AND).
MULTI = ("license", "category", "finding", "flag", "task", "library", "author", "size", "gated", "format")
SINGLE = ("q", "params_min", "params_max", "removed", "base_model", "relation", "sort", "limit", "cursor")
# Every parameter a search takes (the pages and the API's model list take these and no others).
NAMES = MULTI + SINGLE
_MAX_VALUES = 50
_MAX_Q = 200
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmbt]?)\s*$", re.IGNORECASE)
_SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}
_WORD_RE = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchParams:
    """A validated search. Build it with :meth:`from_query`; :meth:`to_query` gives it back as pairs."""

    q: str | None = None
    license: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    finding: tuple[str, ...] = ()
    flag: tuple[str, ...] = ()
    task: tuple[str, ...] = ()
    library: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    size: tuple[str, ...] = ()
    gated: tuple[str, ...] = ()
    format: tuple[str, ...] = ()
    params_min: int | None = None
    params_max: int | None = None
    removed: str = "false"
    base_model: str | None = None
    relation: str | None = None
    sort: str = DEFAULT_SORT
    limit: int = DEFAULT_LIMIT
    limit_asked: int | None = None  # the limit asked for when it was above MAX_LIMIT (the page is capped)
    cursor: str | None = None
    # Raw texts of params_min/params_max as typed, so links keep "7B" rather than 7000000000.
    _raw: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_query(cls, query: Iterable[tuple[str, str]] | Mapping[str, Any]) -> SearchParams:
        """Validate query-string pairs (``request.query_params.multi_items()`` or a dict).

        Names it does not take are skipped here (an endpoint with parameters of its own refuses
        the rest with :func:`refuse_unknown`). Empty values are ignored.

        Raises:
            InvalidQuery: a value is unusable; ``field`` names the parameter.
        """
        pairs = _pairs(query)
        multi: dict[str, list[str]] = {name: [] for name in MULTI}
        single: dict[str, str] = {}
        for name, value in pairs:
            value = value.strip()
            if not value:
                continue
            if name in multi:
                if value not in multi[name]:
                    multi[name].append(value)
            elif name in SINGLE:
                if name in single and single[name] != value:
                    raise InvalidQuery(name, "give this parameter once")
                single[name] = value
        for name, values in multi.items():
            if len(values) > _MAX_VALUES:
                raise InvalidQuery(name, f"at most {_MAX_VALUES} values")
            if any(len(v) > 200 for v in values):
                raise InvalidQuery(name, "value too long")
        _check_choices("size", multi["size"], SIZE_VALUES)
        _check_choices("gated", multi["gated"], GATED_VALUES)
        q = single.get("q")
        if q is not None and len(q) > _MAX_Q:
            raise InvalidQuery("q", f"at most {_MAX_Q} characters")
        removed = single.get("removed", "false").lower()
        _check_choices("removed", [removed], REMOVED_VALUES)
        # A cursor carries its sort, so `?cursor=<next_cursor>` alone continues in the same order.
        sort = single.get("sort") or _sort_of(single.get("cursor")) or DEFAULT_SORT
        if sort.lstrip("-") not in SORT_KEYS or sort.startswith("--"):
            raise InvalidQuery("sort", f"must be one of {', '.join(SORT_KEYS)}: ascending, or with a '-' prefix "
                                       "descending (e.g. -downloads: most downloaded first)")
        params_min = parse_size(single["params_min"], "params_min") if "params_min" in single else None
        params_max = parse_size(single["params_max"], "params_max") if "params_max" in single else None
        if params_min is not None and params_max is not None and params_min > params_max:
            raise InvalidQuery("params_min", "is larger than params_max")
        limit = _parse_limit(single.get("limit"))
        relation = single.get("relation")
        if relation is not None:
            _check_choices("relation", [relation], RELATION_VALUES)
            if "base_model" not in single:
                raise InvalidQuery("relation", "needs base_model")
        if len(single.get("base_model", "")) > 200:
            raise InvalidQuery("base_model", "value too long")
        asked = int(single["limit"]) if limit == MAX_LIMIT and "limit" in single else None
        params = cls(
            q=q, **{name: tuple(values) for name, values in multi.items()},
            params_min=params_min, params_max=params_max, removed=removed, sort=sort, limit=limit,
            limit_asked=asked if asked is not None and asked > MAX_LIMIT else None,
            base_model=single.get("base_model"), relation=relation,
            cursor=single.get("cursor"),
            _raw={k: single[k] for k in ("params_min", "params_max") if k in single},
        )
        if params.cursor is not None:
            decode_cursor(params.cursor, sort)
        return params

    def to_query(self) -> list[tuple[str, str]]:
        """The search as query-string pairs, defaults left out (for links and toggle URLs)."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        for name in MULTI:
            pairs += [(name, v) for v in getattr(self, name)]
        for name in ("params_min", "params_max"):
            value = getattr(self, name)
            if value is not None:
                pairs.append((name, self._raw.get(name, str(value))))
        if self.removed != "false":
            pairs.append(("removed", self.removed))
        if self.base_model:
            pairs.append(("base_model", self.base_model))
        if self.relation:
            pairs.append(("relation", self.relation))
        if self.sort != DEFAULT_SORT:
            pairs.append(("sort", self.sort))
        if self.limit != DEFAULT_LIMIT:
            pairs.append(("limit", str(self.limit)))
        if self.cursor:
            pairs.append(("cursor", self.cursor))
        return pairs

    def with_(self, **changes: Any) -> SearchParams:
        """A copy with some fields changed (e.g. ``cursor=None`` for the first page)."""
        return replace(self, **changes)

    @property
    def is_default(self) -> bool:
        """True when nothing narrows the search (sort, limit and cursor aside)."""
        narrowing = [f.name for f in fields(self) if f.name not in ("sort", "limit", "cursor", "_raw")]
        default = SearchParams()
        return all(getattr(self, n) == getattr(default, n) for n in narrowing)


def refuse_unknown(names: Iterable[str], known: Collection[str]) -> None:
    """Refuse a query parameter an endpoint does not take, suggesting the name it was probably
    meant to be: a mistyped filter that was ignored would widen the answer without a word.

    Names starting with ``_`` are let through (clients add them to defeat caches).

    Raises:
        UnknownParameter: the first unknown name.
    """
    for name in names:
        if name not in known and not name.startswith("_"):
            close = difflib.get_close_matches(name.lower(), sorted(known), n=1, cutoff=0.6)
            raise UnknownParameter(name[:100], close[0] if close else None, tuple(known))


def gated_kinds(values: Iterable[str]) -> set[str]:
    """The stored gate values that gated filter values stand for ("true": every kind of gate)."""
    return {kind for value in values for kind in (GATED_KINDS if value == "true" else (value,))}


def parse_size(text_value: str, field_name: str = "params_min") -> int:
    """A parameter count as people write it: ``7B``, ``350M``, ``1.5e9``, ``1200000``.

    Raises:
        InvalidQuery: not a non-negative number with an optional K/M/B/T suffix.
    """
    match = _SIZE_RE.match(text_value.replace("_", "").replace(",", ""))
    if not match:
        raise InvalidQuery(field_name, f"{text_value!r} is not a parameter count (e.g. 7B, 350M, 1.5e9)")
    number = float(match.group(1)) * _SUFFIX[match.group(2).lower()]
    if not math.isfinite(number) or number > 10**15:
        raise InvalidQuery(field_name, "too large")
    return int(number)


def fts_query(q: str) -> list[str]:
    """The words of a free-text query. Only word characters survive, so neither FTS5's nor
    PostgreSQL's query syntax can be injected or broken by what a user types."""
    return [w.lower() for w in _WORD_RE.findall(q)][:20]


def encode_cursor(sort: str, value: Any, last_id: int) -> str:
    """An opaque cursor for the row after (value, id) in ``sort`` order."""
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, last_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _sort_of(cursor: str | None) -> str | None:
    """The sort a cursor was issued for, or None (decode_cursor reports unusable cursors)."""
    if not cursor:
        return None
    try:
        sort = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))[0]
    except (binascii.Error, ValueError, TypeError, IndexError, KeyError):
        return None
    return sort if isinstance(sort, str) else None


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """The (sort value, id) a cursor points after; InvalidQuery("cursor") if unusable."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, last_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise InvalidQuery("cursor", "not a cursor this catalogue issued") from None
    if cursor_sort != sort or not isinstance(last_id, int):
        raise InvalidQuery("cursor", "belongs to another sort order; send the cursor with the query it came from "
                                     "(same sort and filters), or start from the first page")
    key = sort.lstrip("-")
    if value is not None:
        if key == "last_modified":
            try:
                value = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise InvalidQuery("cursor", "not a cursor this catalogue issued") from None
        elif key == "name" and not isinstance(value, str) or key != "name" and key != "last_modified" and not isinstance(value, int):
            raise InvalidQuery("cursor", "not a cursor this catalogue issued")
    return value, last_id


def _pairs(query: Iterable[tuple[str, str]] | Mapping[str, Any]) -> list[tuple[str, str]]:
    if isinstance(query, Mapping):
        pairs = []
        for name, value in query.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            pairs += [(name, str(v)) for v in values if v is not None]
        return pairs
    return [(str(k), str(v)) for k, v in query]


def _check_choices(name: str, values: list[str], allowed: tuple[str, ...]) -> None:
    for value in values:
        if value not in allowed:
            raise InvalidQuery(name, f"{value!r} is not one of {', '.join(allowed)}")


def _parse_limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise InvalidQuery("limit", f"{value!r} is not a whole number") from None
    if limit < 1:
        raise InvalidQuery("limit", "must be at least 1")
    return min(limit, MAX_LIMIT)
