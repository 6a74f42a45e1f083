"""Facet counts for a search, and the URLs that toggle a facet value.

Counting strategy, measured in tests/benchmarks/bench_search.py (1M models, SQLite, 2 cores):

- Everything is counted over ``hub_model_search``, the narrow projection of ``hub_models``.
- Each facet is counted with every filter applied except its own ("disjunctive" facets), so
  a selected license still shows what picking a second license would add.
- When the rows a facet counts are the unfiltered catalogue (live models, no other filter),
  the counts come from an in-process cache computed once per database state: a GROUP BY over
  a million rows takes seconds, far beyond the page budget. The state key is a handful of
  index-only MAX() lookups that change whenever a sync run starts or ends, findings are
  re-derived or a flag is set; a short TTL bounds staleness from writes the key cannot see.
  A changed state is answered with the previous counts (``facets_stale``) while they are
  recounted in the background (:mod:`catalog.search.facet_cache`).
- Otherwise the facets sharing one set of filters (all of them except those whose own filter
  is set) are counted by one query: at most ``SAMPLE`` matching rows are read once into a
  materialised CTE and every facet is grouped from it. A broad filter such as
  ``license=apache-2.0`` thus costs one bounded scan, and the result then says
  ``facets_approximate`` (each value so counted: ``count_approximate``, a lower bound; the
  sample is the first matches in index order, where a sync stored an author's models side by
  side, not a random one: scaled up, "about" would be confidently wrong); filters narrower
  than ``SAMPLE`` rows are counted exactly. Facets
  left out of their own filter whose queries the same condition drives share one read of its
  matches (:func:`catalog.search.sampling.shared_samples`): the same samples, one read.
- The total of an intersection stops at ``COUNT_CAP`` (then ``count_approximate``, shown as
  "5,000+"); it reads the matching ids, which the page and the facets counted under
  every filter then reuse instead of intersecting the filters again. On SQLite, a total
  confidently far past the cap is instead estimated from one model in N of the driving
  index's matches (``count_estimated``, shown as "about 8,600"; :func:`_estimated_total`).
- The team-flag facet is counted from the (small) flags table, so it is always exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    false,
    func,
    select,
    true,
)
from sqlalchemy.orm import Session

from catalog.db.marks import expand
from catalog.db.tables import HubModelSearch
from catalog.licenses import knowledge_base
from catalog.search.estimates import RELATED_FACETS as _RELATED_FACETS
from catalog.search.estimates import estimates
from catalog.search.facet_cache import CACHE_TTL, Ranked, cached, clear_cache, current, peek, wait_for_refresh
from catalog.search.params import MULTI, NONE, SearchParams, gated_kinds
from catalog.search.plan import SORT_WALK_THRESHOLD, Conditions, current_flags
from catalog.search.sampling import COLUMN_FACETS, MASK_FACETS, Group, sampled_counts, shared_samples
from catalog.search.urls import Query, query_url, removed_toggle, toggle_url, toggled

__all__ = ["CACHE_TTL", "COUNT_CAP", "FACETS", "SAMPLE", "Facet", "Ranked", "clear_cache", "facet_counts",
           "query_url", "toggle_url", "total_count", "wait_for_refresh"]

SAMPLE = 2_000
COUNT_CAP = 5_000
# Rows of the driving condition's matches read for an estimated total (_estimated_total).
_STRATUM = 2_048
FACET_SIZE = 10
# A shared read of the left-out filters' matches (sampling.shared_samples) reads this much more
# than its rarest group is expected to need, and is used only when cheaper than separate reads.
_READ_MARGIN = 1.25


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
_SIZES = {f.name: f.size for f in FACETS}
_GATED_LABELS = {"false": "Not gated", "auto": "Gated (automatic approval)", "manual": "Gated (manual approval)",
                 "true": "Gated (any)"}
_REMOVED_LABELS = {"false": "Live", "true": "Removed", "any": "Live and removed"}
S = HubModelSearch

def facet_counts(session: Session, params: SearchParams, conds: Conditions, *, team_id: int | None, count: int,
                 stale: set[str] | None = None) -> tuple[dict[str, dict[str, Any]], bool]:
    """Every facet of a search in the shared shape, and whether any count is approximate.

    Cached facets served from an older database state while being recounted are added to ``stale``.

    Shape: ``{name: {"name", "label", "results": [{"value", "label", "count", "count_approximate",
    "selected", "toggle_url"}], "truncated"}}``; ``toggle_url`` is relative (``?...``) so it works
    under any path (``/models``, ``/licenses/mit``, ``/api/v1/models``). ``count_approximate``:
    the value was counted in a sample of more matches, so ``count`` is what it has at least.
    """
    counts: dict[str, Ranked] = {}
    sampled: set[str] = set()  # facets counted in a sample of more matches
    shared: dict[frozenset[str], list[str]] = {}  # filters applied -> facets counted under them
    for facet in FACETS:
        if facet.name == "flag":
            if team_id is not None:
                unflagged = [k for k in conds.names() if k != "flag"]
                counts["flag"] = Ranked.of(_flag_counts(session, params, conds, unflagged, team_id, count, stale))
            continue
        others = frozenset(k for k in conds.names() if k != facet.name)
        if facet.name == "removed" and params.removed != "true" and not _is_unfiltered(params, set(others), "removed"):
            # Two exact counts instead of a sample: live ones are ``count``; removed models are
            # few, so their index drives and the other filters are checked per row.
            removed = _count(session, [*conds.probing(others), S.removed == true()])
            counts["removed"] = Ranked.of([("false", count if params.removed == "false" else count - removed),
                                           ("true", removed)])
        elif _is_unfiltered(params, set(others), facet.name):
            where = conds.where(others)
            counts[facet.name] = cached(session, "facet:" + facet.name,
                                        lambda s, f=facet.name, w=where: Ranked.of(_counts(s, f, w)), stale)
        else:
            shared.setdefault(others, []).append(facet.name)
    groups = {keys: Group(names, {n: getattr(params, n) for n in names if n in MULTI}) for keys, names in shared.items()}
    read = _shared_read(session, params, conds, set(groups))
    if read is not None:
        core, left_out, read_limit = read
        together = [replace(groups.pop(keys), passes=sorted(left_out & keys))
                    for keys in list(groups) if len(left_out - keys) == 1]
        found, capped_at, unsettled = shared_samples(
            session, together, conds.where(core, limit=SAMPLE), {n: and_(*conds.probing([n])) for n in sorted(left_out)},
            sample=SAMPLE, read_limit=read_limit, sizes=_SIZES)
        counts.update({name: Ranked.of(values) for name, values in found.items()})
        for i in capped_at:
            sampled.update(together[i].names)
        groups.update({frozenset(conds.names()) - {n for n in left_out if n not in g.passes}: g for g in unsettled})
    for keys, group in groups.items():
        found, capped = sampled_counts(session, group, conds.where(keys, limit=SAMPLE), sample=SAMPLE, sizes=_SIZES)
        counts.update({name: Ranked.of(values) for name, values in found.items()})
        if capped:
            sampled.update(group.names)
    query = Query.of(params)
    facets = {f.name: _shape(f, counts[f.name], params, getattr(params, f.name) if f.name != "removed"
                             else (params.removed,), query, sampled=f.name in sampled)
              for f in FACETS if f.name in counts}
    return facets, bool(sampled)


def _shared_read(session: Session, params: SearchParams, conds: Conditions,
                 groups: set[frozenset[str]]) -> tuple[set[str], set[str], int] | None:
    """Whether the facets counted without their own filter should share one read, and how.

    Each such facet's sample is the matches of every other filter. When all of them are driven
    by the same condition (SQLite's choice, e.g. the free text; on PostgreSQL the free text,
    whose full-text index is read whole into a bitmap by every query using it), one read of its
    matches can serve them all, if that costs less than the separate reads: the read must go on
    until the rarest group is expected to fill its sample, which the cached counts estimate
    (filters assumed independent). Returns the filters common to all (the read's own), the
    left-out filters, and how many rows to read; None to read separately.
    """
    every = frozenset(conds.names())
    left_out = {name for keys in groups for name in every - keys if len(every - keys) == 1}
    if len(left_out) < 2:
        return None
    core = set(every - left_out)
    if conds.postgresql:
        total, guesses = peek(session, "count"), estimates(session, params, sorted(left_out))
        if "q" not in core:
            return None
    else:
        total, guesses = conds.total, conds.estimates
        driver = conds.driver(core, limit=SAMPLE)
        if driver is None or any(conds.driver(every - {n}, limit=SAMPLE) != driver for n in left_out):
            return None
    if not total or any(guesses.get(n, 0) <= 0 for n in left_out):
        return None
    share = {n: min(guesses[n] / total, 1.0) for n in left_out}
    # Rows of the driver's matches each group needs read to fill its sample, and the share of
    # them the shared read keeps (those passing all left-out filters but at most one).
    need = {n: (SAMPLE + 1) / math.prod(share[m] for m in left_out if m != n) for n in left_out}
    kept = math.prod(share.values()) + sum(
        (1 - share[n]) * math.prod(share[m] for m in left_out if m != n) for n in left_out)
    if _READ_MARGIN * max(need.values()) >= sum(need.values()):
        return None
    return core, left_out, math.ceil(_READ_MARGIN * max(need.values()) * kept)


def total_count(session: Session, params: SearchParams, conds: Conditions, *, team_id: int | None = None,
                keys: list[str] | None = None, stale: set[str] | None = None,
                approximate: set[str] | None = None, matched: list[int] | None = None) -> int:
    """How many models match (``keys``: only those conditions).

    Given ``approximate``, a count that would read more than ``COUNT_CAP`` matches is cut
    there and ``"count"`` added to it: the result is then a lower bound. ``matched`` receives
    the ids of the matches when they were read: all of them when at most ``SORT_WALK_THRESHOLD``,
    else the first ``SAMPLE + 1`` (a facet sample).

    The unfiltered count is cached like the facets (``"count"`` is added to ``stale`` when an
    older one is served while it is recounted).
    """
    keys = conds.names() if keys is None else keys
    if _is_unfiltered(params, set(keys), None):
        where = conds.where(keys)
        return cached(session, "count", lambda s: _count(s, where), stale)
    alone = set(keys) - {"removed"} if params.removed == "false" else set()
    if alone == {"q"} and conds.text_matches is not None:
        # Free text alone: the FTS5 match count, less the (few) removed models among the matches.
        return conds.text_matches - _count(session, [*conds.probing(["q"]), S.removed == true()])
    if alone == {"params"}:
        # Parameter bounds alone: counted from the parameters index without reading rows, less
        # the removed models (a third of the catalogue can fall in 7B-13B).
        return _count(session, conds.where(["params"])) - _count(session, [*conds.probing(["params"]),
                                                                          S.removed == true()])
    if not keys:  # removed=any and nothing else: both values of the cached removed facet
        counts = cached(session, "facet:removed", lambda s: Ranked.of(_counts(s, "removed", [])), stale)
        return sum(counts.by_value.values())
    known = _count_from_facet(session, params, keys)
    if known is not None:
        return known
    if approximate is None:
        return _count(session, conds.where(keys))
    estimate = _estimated_total(session, conds, keys)
    if estimate is not None:
        approximate.add("estimate")
        return estimate
    # Past COUNT_CAP matches an intersection is only counted that far (a lower bound): counting
    # 86k models of category=permissive&size=3-10B cost 127 ms at 1M models. Up to
    # SORT_WALK_THRESHOLD, the ids read are handed on (``matched``).
    bounded = select(S.model_id).where(*conds.where(keys, limit=COUNT_CAP)).limit(COUNT_CAP + 1)
    if matched is None:
        n = session.scalar(select(func.count()).select_from(bounded.subquery())) or 0
    else:  # the ids themselves, reused by the page and the facets when few
        # Core, not the ORM: the ORM's per-row result processing cost milliseconds for 5,001 ids.
        ids = session.connection().execute(bounded).scalars().all()
        n = len(ids)
        matched.extend(ids if n <= SORT_WALK_THRESHOLD else ids[: SAMPLE + 1])
    if n > COUNT_CAP:
        approximate.add("count")
        return COUNT_CAP
    return n


def _estimated_total(session: Session, conds: Conditions, keys: list[str]) -> int | None:
    """An estimate of an intersection's matches, when it is confidently above ``COUNT_CAP``.

    Counting up to the cap reads every row the driving index yields until then: ~57k rows of
    "qwen" matches for ``q=qwen&category=permissive&size=3-10B`` (7.8k matches at 1M models).
    Instead one model in ``every`` (by id) of the driver's matches is checked, ~``_STRATUM``
    rows, and the hits are scaled up. Only when the estimate minus three standard deviations
    (binomial: about the square root of the hits) still exceeds the cap is it used (rounded to
    two significant digits: ``count_estimated``); otherwise the count is read exactly as before.
    Skipped where the filters are unlikely to reach the cap (assumed independent), or where the
    stratum costs more than counting to the cap: it walks all the driver's index entries (each
    ~1/10 of a row read; category=permissive is half the catalogue), the cap only until enough
    matches (dense ones come soon).
    """
    driver = conds.driver(keys)
    if driver is None or not conds.total:
        return None
    guess = conds.total * math.prod(min(conds.estimates[k] / conds.total, 1.0) for k in keys if k in conds.estimates)
    entries = conds.estimates[driver]
    every = int(entries // _STRATUM)
    if every < 4 or guess < COUNT_CAP / 4 or _STRATUM + entries / 10 > COUNT_CAP * entries / max(guess, 1.0):
        return None
    stratum = conds.one_in(keys, every)
    if stratum is None:
        return None
    hits = _count(session, stratum[0])
    if (hits - 3 * math.sqrt(hits)) * every <= COUNT_CAP:
        return None
    return int(float(f"{hits * every:.2g}"))


def live_counts_of(session: Session, name: str, stale: set[str] | None = None) -> dict[str, int]:
    """Live models per value of one facet, as the unfiltered search page counts them (cached).

    For pages that show catalogue-wide counts (the licenses index): they then agree with the
    search page, and cost a cache read instead of a count over every model (350 ms at 1M).
    ``stale`` as for :func:`facet_counts`; a value no live model has is absent.
    """
    # What the unfiltered search counts each facet under (the removed facet: every model), so
    # that both fill the same cache entry with the same counts.
    where = [] if name == "removed" else [S.removed == false()]
    return cached(session, "facet:" + name, lambda s: Ranked.of(_counts(s, name, where)), stale).by_value


def _count_from_facet(session: Session, params: SearchParams, keys: list[str]) -> int | None:
    """The count of a one-filter search read off the cached unfiltered facet, when that is current.

    ``license=mit`` matches exactly as many live models as the license facet of the unfiltered
    page shows for mit. Counting them instead reads every match (a quarter of a million rows
    for apache-2.0 at 1M models). Values of one model-level facet never overlap, so they add up;
    a model can have several findings or formats, so those only for a single value.
    """
    (name, *more) = [k for k in keys if k != "removed"] or [""]
    if more or params.removed != "false" or name not in COLUMN_FACETS and name not in _RELATED_FACETS:
        return None
    values = set(getattr(params, name))
    if name in _RELATED_FACETS and (len(values) != 1 or NONE in values):
        return None
    counts = current(session, "facet:" + name)
    if counts is None:
        return None
    if name == "gated":
        values = gated_kinds(values)
    return sum(counts.by_value.get(v, 0) for v in values)


def _is_unfiltered(params: SearchParams, keys: set[str], facet: str | None) -> bool:
    """True when ``keys`` select exactly the live catalogue (or everything, for the removed facet)."""
    if keys - {"removed"}:
        return False
    if facet == "removed":
        return True
    return params.removed == "false"


def _counts(session: Session, name: str, where: list[ColumnElement[bool]]) -> list[tuple[str | None, int]]:
    """(value, models) pairs of one facet over every row matching ``where`` (the cached path)."""
    if name in MASK_FACETS:  # one pass over the projection, grouped by the models' masks
        mask, listed = MASK_FACETS[name]
        return list(expand(session.execute(select(mask, func.count()).where(*where).group_by(mask)).all(),
                           listed).items())
    expression = COLUMN_FACETS[name]
    query = select(expression.label("value"), func.count()).where(*where).group_by(expression)
    return [(v, n) for v, n in session.execute(query)]


def _flag_counts(session: Session, params: SearchParams, conds: Conditions, keys: list[str],
                 team_id: int | None, count: int, stale: set[str] | None) -> list[tuple[str | None, int]]:
    assert team_id is not None
    current = current_flags(team_id).subquery()
    query = (select(current.c.status, func.count()).join(S, S.model_id == current.c.model_id)
             .where(*conds.where(keys)).group_by(current.c.status))
    counts = [(status, n) for status, n in session.execute(query)]
    matching = count if not params.flag else total_count(session, params, conds, keys=keys, stale=stale)
    counts.append((None, max(matching - sum(n for _, n in counts), 0)))
    return counts


def _count(session: Session, where: list[ColumnElement[bool]]) -> int:
    return session.scalar(select(func.count()).select_from(S).where(*where)) or 0


def _shape(facet: Facet, ranked: Ranked, params: SearchParams, selected: tuple[str, ...],
           query: Query, *, sampled: bool = False) -> dict[str, Any]:
    """A facet's values as the page and the API show them; ``sampled``: each count is what a
    sample of more matches holds, which the value has at least ("2,001+"; see the module's notes)."""
    values = ranked.values
    shown = values[: facet.size]
    shown_values = {v for v, _ in shown}
    shown += sorted(((v, ranked.by_value[v]) for v in set(selected) - shown_values if v in ranked.by_value),
                    key=lambda vn: (-vn[1], vn[0]))
    # A selected value that matches nothing still appears, so that it can be unselected.
    shown += [(v, _unstored_count(facet.name, v, ranked)) for v in selected
              if v not in ranked.by_value and v not in shown_values]
    if facet.name == "removed":
        selected = ("false", "true") if params.removed == "any" else selected
    return {
        "name": facet.name,
        "label": facet.label,
        "results": [
            {"value": v, "label": _label(facet.name, v), "count": n, "count_approximate": sampled,
             "selected": v in selected,
             "toggle_url": removed_toggle(params, v) if facet.name == "removed" else toggled(query, facet.name, v)}
            for v, n in shown
        ],
        "truncated": len(values) > facet.size,
    }


def _unstored_count(name: str, value: str, ranked: Ranked) -> int:
    """Models of a selected value no row stores: gated=true counts every kind of gate; others none."""
    if name == "gated":
        return sum(ranked.by_value.get(kind, 0) for kind in gated_kinds((value,)))
    return 0


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
