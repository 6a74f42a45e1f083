"""Facet counts for a search, and the URLs that toggle a facet value.

Counting strategy, measured in tests/benchmarks/bench_search.py (1M models, SQLite, 2 cores):

- Each facet is counted with every filter applied except its own ("disjunctive" facets), so
  a selected license still shows what picking a second license would add.
- When the rows a facet counts are the unfiltered catalogue (live models, no other filter),
  the counts come from an in-process cache computed once per database state: a GROUP BY over
  a million rows takes seconds, far beyond the page budget. The state key is a handful of
  index-only MAX() lookups that change whenever a sync run starts or ends, findings are
  re-derived or a flag is set; a short TTL bounds staleness from writes the key cannot see.
- Otherwise a facet counts at most ``SAMPLE`` matching rows (a LIMIT in a subquery), so a
  broad filter such as ``license=apache-2.0`` costs a bounded scan; the result then says
  ``facets_approximate``. Filters narrower than ``SAMPLE`` rows are counted exactly.
- The team-flag facet is counted from the (small) flags table, so it is always exact.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, case, distinct, func, select
from sqlalchemy.orm import Session

from .licenses import knowledge_base
from .models import AuditFinding, Flag, HubModel, ModelFormat, SyncRun
from .search import MULTI, NONE, SearchParams, current_flags, size_bucket_expression

SAMPLE = 20_000
CACHE_TTL = 60.0  # seconds
FACET_SIZE = 10


@dataclass(frozen=True)
class Facet:
    """A facet: the query parameter it sets and how its values are labelled."""

    name: str
    label: str
    size: int = FACET_SIZE


FACETS: tuple[Facet, ...] = (
    Facet("license", "License", 15),
    Facet("category", "License category"),
    Facet("finding", "Finding"),
    Facet("flag", "Team flag"),
    Facet("task", "Task"),
    Facet("library", "Library"),
    Facet("author", "Author"),
    Facet("size", "Size"),
    Facet("gated", "Gated"),
    Facet("format", "Weight format"),
    Facet("removed", "Removed from the Hub"),
)
_BY_NAME = {f.name: f for f in FACETS}
_GATED_LABELS = {"false": "Not gated", "auto": "Gated (automatic approval)", "manual": "Gated (manual approval)",
                 "true": "Gated (any)"}
_REMOVED_LABELS = {"false": "Live", "true": "Removed", "any": "Live and removed"}
_COLUMN_FACETS = {
    "license": HubModel.license_id,
    "category": HubModel.license_category,
    "task": HubModel.pipeline_tag,
    "library": HubModel.library_name,
    "author": HubModel.author,
    "gated": HubModel.gated,
}

_cache: dict[tuple[str, str], tuple[float, tuple[Any, ...], Any]] = {}
_cache_lock = threading.Lock()


def facet_counts(session: Session, params: SearchParams, conds: dict[str, ColumnElement[bool]], *,
                 team_id: int | None, count: int) -> tuple[dict[str, dict[str, Any]], bool]:
    """Every facet of a search in the shared shape, and whether any count is approximate.

    Shape: ``{name: {"name", "label", "results": [{"value", "label", "count", "selected",
    "toggle_url"}], "truncated"}}``; ``toggle_url`` is relative (``?...``) so it works under
    any path (``/models``, ``/licenses/mit``, ``/api/v1/models``).
    """
    facets: dict[str, dict[str, Any]] = {}
    approximate = False
    for facet in FACETS:
        if facet.name == "flag" and team_id is None:
            continue
        others = {k: c for k, c in conds.items() if k != facet.name}
        selected = getattr(params, facet.name) if facet.name != "removed" else (params.removed,)
        if facet.name == "flag":
            counts = _flag_counts(session, params, others, team_id, count)
        elif _is_unfiltered(params, set(others), facet.name):
            counts = _cached(session, "facet:" + facet.name, lambda f=facet.name, o=others: _counts(session, f, o, None))
        else:
            own_filter = set(others) != set(conds)
            sample = SAMPLE if own_filter or count > SAMPLE else None
            counts = _counts(session, facet.name, others, sample)
            if sample is not None and not approximate:
                approximate = _exceeds(session, others, sample) if own_filter else True
        facets[facet.name] = _shape(facet, counts, params, selected)
    return facets, approximate


def total_count(session: Session, params: SearchParams, conds: dict[str, ColumnElement[bool]], *,
                team_id: int | None = None) -> int:
    """How many models match; the unfiltered count is cached like the facets."""
    if _is_unfiltered(params, set(conds), None):
        return _cached(session, "count", lambda: _count(session, conds))
    return _count(session, conds)


def toggle_url(params: SearchParams, name: str, value: str) -> str:
    """The relative URL of the search with ``name=value`` added, or removed if present.

    Repeatable filters gain or lose one value; single ones (``removed``, ``sort``) are set,
    or reset to their default when already set to ``value``. The cursor is always dropped:
    a changed search starts on its first page.
    """
    pairs = [(k, v) for k, v in params.to_query() if k != "cursor"]
    if (name, value) in pairs:
        pairs.remove((name, value))
    elif name in MULTI:
        pairs.append((name, value))
    else:
        pairs = [(k, v) for k, v in pairs if k != name] + [(name, value)]
    return query_url(pairs)


def query_url(pairs: list[tuple[str, str]]) -> str:
    """A relative URL (``?a=1&b=2``, or ``?`` for none) from query-string pairs."""
    return "?" + urlencode(pairs)


def clear_cache() -> None:
    """Forget cached unfiltered counts (tests that rewrite a database in place)."""
    with _cache_lock:
        _cache.clear()


def _is_unfiltered(params: SearchParams, keys: set[str], facet: str | None) -> bool:
    """True when ``keys`` select exactly the live catalogue (or everything, for the removed facet)."""
    if keys - {"removed"}:
        return False
    if facet == "removed":
        return True
    return params.removed == "false"


def _counts(session: Session, name: str, conds: dict[str, ColumnElement[bool]],
            sample: int | None) -> list[tuple[str | None, int]]:
    """(value, models) pairs of one facet over the rows matching ``conds`` (capped at ``sample``)."""
    where = list(conds.values())
    if name in ("finding", "format"):
        table, value = (AuditFinding, AuditFinding.code) if name == "finding" else (ModelFormat, ModelFormat.format)
        ids = select(HubModel.id).where(*where)
        if sample is not None:
            ids = ids.limit(sample)
        query = (select(value, func.count(distinct(table.model_id))).where(table.model_id.in_(ids)).group_by(value))
        return [(v, n) for v, n in session.execute(query)]
    expression = _expression(name)
    if sample is None:
        query = select(expression.label("value"), func.count()).where(*where).group_by(expression)
    else:
        rows = select(expression.label("value")).where(*where).limit(sample).subquery()
        query = select(rows.c.value, func.count()).group_by(rows.c.value)
    return [(v, n) for v, n in session.execute(query)]


def _expression(name: str) -> ColumnElement[Any]:
    if name == "size":
        return size_bucket_expression()
    if name == "removed":
        return case((HubModel.removed_at.is_(None), "false"), else_="true")
    return _COLUMN_FACETS[name]


def _flag_counts(session: Session, params: SearchParams, conds: dict[str, ColumnElement[bool]],
                 team_id: int | None, count: int) -> list[tuple[str | None, int]]:
    assert team_id is not None
    current = current_flags(team_id).subquery()
    query = (select(current.c.status, func.count()).join(HubModel, HubModel.id == current.c.model_id)
             .where(*conds.values()).group_by(current.c.status))
    counts = [(status, n) for status, n in session.execute(query)]
    matching = count if not params.flag else total_count(session, params, conds)
    counts.append((None, max(matching - sum(n for _, n in counts), 0)))
    return counts


def _exceeds(session: Session, conds: dict[str, ColumnElement[bool]], sample: int) -> bool:
    capped = select(HubModel.id).where(*conds.values()).limit(sample + 1).subquery()
    return (session.scalar(select(func.count()).select_from(capped)) or 0) > sample


def _count(session: Session, conds: dict[str, ColumnElement[bool]]) -> int:
    return session.scalar(select(func.count()).select_from(HubModel).where(*conds.values())) or 0


def _cached(session: Session, key: str, compute: Any) -> Any:
    """``compute()``, remembered per database and per database state (see the module docstring)."""
    bind = session.get_bind()
    cache_key = (bind.url.render_as_string(hide_password=True), key)
    state = _state(session)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(cache_key)
    if hit is not None and hit[1] == state and now - hit[0] < CACHE_TTL:
        return hit[2]
    value = compute()
    with _cache_lock:
        _cache[cache_key] = (now, state, value)
    return value


def _state(session: Session) -> tuple[Any, ...]:
    """Cheap fingerprint of the data facets depend on: each MAX() is one index lookup."""
    return tuple(session.execute(select(
        select(func.max(SyncRun.id)).scalar_subquery(),
        select(func.max(SyncRun.started_at)).scalar_subquery(),
        select(func.max(SyncRun.finished_at)).scalar_subquery(),
        select(func.max(HubModel.id)).scalar_subquery(),
        select(func.max(AuditFinding.id)).scalar_subquery(),
        select(func.max(Flag.id)).scalar_subquery(),
    )).one())


def _shape(facet: Facet, counts: list[tuple[str | None, int]], params: SearchParams,
           selected: tuple[str, ...]) -> dict[str, Any]:
    values = [(NONE if value is None else str(value), n) for value, n in counts if n > 0]
    values.sort(key=lambda vn: (-vn[1], vn[0]))
    shown = values[: facet.size]
    shown_values = {v for v, _ in shown}
    shown += [(v, n) for v, n in values[facet.size:] if v in selected]
    known = {v for v, _ in values}
    # A selected value that matches nothing still appears, so that it can be unselected.
    shown += [(v, 0) for v in selected if v not in known and v not in shown_values]
    if facet.name == "removed":
        selected = ("false", "true") if params.removed == "any" else selected
    return {
        "name": facet.name,
        "label": facet.label,
        "results": [
            {"value": v, "label": _label(facet.name, v), "count": n, "selected": v in selected,
             "toggle_url": _removed_toggle(params, v) if facet.name == "removed" else toggle_url(params, facet.name, v)}
            for v, n in shown
        ],
        "truncated": len(values) > facet.size,
    }


def _removed_toggle(params: SearchParams, value: str) -> str:
    """Removed is one three-way parameter (false/true/any) shown as two checkable values."""
    current = {"false": {"false"}, "true": {"true"}, "any": {"false", "true"}}[params.removed]
    chosen = current ^ {value} or {"false"}
    state = "any" if chosen == {"false", "true"} else next(iter(chosen))
    pairs = [(k, v) for k, v in params.to_query() if k not in ("cursor", "removed")]
    if state != "false":
        pairs.append(("removed", state))
    return query_url(pairs)


def _label(name: str, value: str) -> str:
    if name == "license":
        if value == NONE:
            return "No recognised license"
        known = knowledge_base().get(value)
        return known.name if known else value
    if name == "gated":
        return _GATED_LABELS.get(value, value)
    if name == "removed":
        return _REMOVED_LABELS.get(value, value)
    if name == "flag" and value == NONE:
        return "Not flagged"
    if name == "size" and value == "unknown":
        return "Unknown size"
    if value == NONE:
        return "(none)"
    return value
