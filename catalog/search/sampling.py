"""Facet counts over a bounded sample of a search's matches, several facets per query.

Split from :mod:`catalog.search.facets`, which decides which facets are counted under which
filters; this module writes the queries. A sample is the first ``sample + 1`` matching rows in
the order the query's driving index yields them: at most ``sample`` rows means every match was
counted (exact), more means the counts are those of the sample (approximate).

Facets left out of their own filter ("disjunctive") each need the matches of every filter but
their own. When those filters share the condition that drives their queries (typically the free
text: ``q=qwen&category=permissive&size=3-10B`` reads "qwen" matches once for the category facet,
filtered by size, and once for the size facet, filtered by category), :func:`shared_samples`
reads the driving matches once, marks on each row which left-out filters it passes, and takes
each facet's sample from that one read: the same first rows as separate queries would take.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from catalog.db.marks import expand
from catalog.db.tables import HubModelSearch
from catalog.search.estimates import RELATED_FACETS
from catalog.search.plan import in_or_null

S = HubModelSearch
# Facets read from a column of the search projection (the others come from a related table).
COLUMN_FACETS: dict[str, ColumnElement[Any]] = {
    "license": S.license_id,
    "category": S.license_category,
    "task": S.pipeline_tag,
    "library": S.library_name,
    "author": S.author,
    "gated": S.gated,
    "size": S.size_bucket,
    "removed": case((S.removed == false(), "false"), else_="true"),
}
# Facets of values a model can have several of (findings, formats), read from a mask column of
# the projection: a bit per value (catalog.db.marks). A sample groups by mask; Python expands.
MASK_FACETS: dict[str, tuple[ColumnElement[Any], tuple[str, ...]]] = {
    name: (getattr(S, related.mask), related.bits) for name, related in RELATED_FACETS.items()
}
# What a sample reads of each row, by facet.
_SAMPLED: dict[str, ColumnElement[Any]] = {**COLUMN_FACETS, **{n: m for n, (m, _) in MASK_FACETS.items()}}
# Values fetched beyond a facet's size, so that ties at its edge are still ranked by value here.
_TIE_MARGIN = 10
# Marks the (mask, models) rows of a mask facet in a UNION ALL of counts (_read).
_MASKED = "~"

Counts = dict[str, list[tuple[str | None, int]]]


@dataclass(frozen=True)
class Group:
    """Facets counted over the same filters: ``names``, with the values ``selected`` of each.

    ``passes``: in a shared read, the left-out filters a row must pass to be in this group's sample.
    """

    names: Sequence[str]
    selected: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    passes: Sequence[str] = ()


def sampled_counts(session: Session, group: Group, where: list[ColumnElement[bool]], *, sample: int,
                   sizes: Mapping[str, int]) -> tuple[Counts, bool]:
    """The facets of ``group`` over at most ``sample + 1`` rows matching ``where``, in one query.

    Only each facet's most frequent values (``sizes``, plus its selected ones) leave the database:
    the author facet alone can have thousands of values in a sample. Returns the counts by facet
    and whether the matching rows exceeded the sample.
    """
    columns = [n for n in group.names if n in _SAMPLED]
    rows = (select(S.model_id, *(_SAMPLED[n].label(n) for n in columns)).where(*where)
            .limit(sample + 1).cte("facet_sample").prefix_with("MATERIALIZED"))
    parts = [select(literal("", String), cast(None, String), func.count()).select_from(rows)]
    parts += _group_parts(rows, group, sizes)
    counts, sizes_seen = _read(session, parts, [group])
    return counts, sizes_seen[""] > sample


def shared_samples(session: Session, groups: list[Group], core: list[ColumnElement[bool]],
                   left_out: Mapping[str, ColumnElement[bool]], *, sample: int, read_limit: int,
                   sizes: Mapping[str, int]) -> tuple[Counts, list[int], list[Group]]:
    """Several groups' facets from one read of the rows matching ``core``, in one query.

    Each group counts the rows passing its ``passes`` conditions (from ``left_out``); a row is
    read when it passes all of them but at most one, and the read stops after ``read_limit`` such
    rows. Each group's sample is its first ``sample + 1`` rows of that read, as its own query
    driven by the same index would have read them.

    Returns the counts, the positions in ``groups`` of those counted over a sample of more
    matches (approximate), and the groups whose sample the read could not settle (cut before
    ``sample + 1`` of their rows): the caller counts those on their own.
    """
    names = list(left_out)
    flags = {n: case((left_out[n], 1), else_=0).label(f"pass_{n}") for n in names}
    columns = sorted({n for g in groups for n in g.names if n in _SAMPLED})
    passed = sum((flags[n].element for n in names[1:]), flags[names[0]].element)
    read = (select(S.model_id, *(_SAMPLED[n].label(n) for n in columns), *flags.values())
            .where(*core, passed >= len(names) - 1).limit(read_limit + 1)
            .cte("facet_read").prefix_with("MATERIALIZED"))
    parts: list[Any] = [select(literal("", String), cast(None, String), func.count()).select_from(read)]
    for i, group in enumerate(groups):
        rows = (select(read.c.model_id, *(read.c[n] for n in group.names if n in _SAMPLED))
                .where(and_(*(read.c[f"pass_{n}"] == 1 for n in group.passes)))
                .limit(sample + 1).cte(f"facet_sample_{i}").prefix_with("MATERIALIZED"))
        parts.append(select(literal(f"#{i}", String), cast(None, String), func.count()).select_from(rows))
        parts += _group_parts(rows, group, sizes)
    counts, seen = _read(session, parts, groups)
    cut = seen[""] > read_limit
    unsettled = [g for i, g in enumerate(groups) if cut and seen[f"#{i}"] <= sample]
    sampled = [i for i in range(len(groups)) if seen[f"#{i}"] > sample]
    for group in unsettled:
        for name in group.names:
            counts.pop(name, None)
    return counts, sampled, unsettled


def _group_parts(rows: Any, group: Group, sizes: Mapping[str, int]) -> list[Any]:
    """The SELECTs yielding (facet name, value, models) for each facet of ``group`` over ``rows``."""
    parts: list[Any] = []
    for name in group.names:
        if name in COLUMN_FACETS:
            value = rows.c[name]
            top = (select(literal(name, String).label("facet"), cast(value, String).label("value"),
                          func.count().label("n"))
                   .group_by(value).order_by(func.count().desc()).limit(sizes[name] + _TIE_MARGIN).subquery())
            parts.append(select(top))
            if group.selected.get(name):
                parts.append(select(literal(name, String), cast(value, String), func.count())
                             .where(in_or_null(value, group.selected[name])).group_by(value))
        elif name in MASK_FACETS:
            mask = rows.c[name]
            parts.append(select(literal(_MASKED + name, String), cast(mask, String), func.count()).group_by(mask))
    return parts


def _read(session: Session, parts: list[Any], groups: list[Group]) -> tuple[Counts, dict[str, int]]:
    """Run the parts as one UNION ALL: counts by facet, and the row counts (names ``""``, ``#i``)."""
    counts: dict[str, dict[str | None, int]] = {n: {} for g in groups for n in g.names}
    masks: dict[str, list[tuple[int, int]]] = {}
    seen: dict[str, int] = {}
    for name, value, n in session.execute(union_all(*parts)):
        if name.startswith(_MASKED):
            masks.setdefault(name[len(_MASKED):], []).append((int(value), n))
        elif name and not name.startswith("#"):
            counts[name][value] = n  # a selected value among the top ones comes twice
        else:
            seen[name] = n
    for name, pairs in masks.items():
        counts[name] = dict(expand(pairs, MASK_FACETS[name][1]))
    return {name: list(by_value.items()) for name, by_value in counts.items()}, seen


__all__ = ["COLUMN_FACETS", "MASK_FACETS", "Group", "sampled_counts", "shared_samples"]
