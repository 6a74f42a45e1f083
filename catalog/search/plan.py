"""How a search's filters become SQL: the keyed WHERE conditions and the index each query drives from.

Split from :mod:`catalog.search.query` so that the planning rules (which condition SQLite may use
an index for, when a page walks the sort index instead of sorting the matches) read on their
own; :mod:`catalog.search.facets` counts with the same conditions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    cast,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session

from catalog.db.marks import bits_of
from catalog.db.tables import BaseModelLink, Flag, HubModelSearch
from catalog.errors import InvalidQuery
from catalog.search.estimates import RELATED_FACETS, Related, estimates
from catalog.search.facet_cache import peek
from catalog.search.params import NONE, SearchParams, fts_query, gated_kinds
from catalog.search.text import TEXT_MATCHES, read_text_matches, text_match

S = HubModelSearch  # the narrow projection every filter, count and sort reads

SORTS: dict[str, tuple[str, bool]] = {  # key -> (projection column, natural order is descending)
    "downloads": ("downloads", True),
    "likes": ("likes", True),
    "parameters": ("parameters_total", True),
    "last_modified": ("last_modified", True),
    "name": ("name", False),
}
# Above this many matching models a page walks the sort index and filters as it goes; below,
# it reads the matches through a filter's index and sorts them. Walking finds a page of 50
# after ~50 * catalogue / matches rows, so the two costs meet near sqrt(50 * 1M) ~ 7k rows.
SORT_WALK_THRESHOLD = 5_000
# Conditions whose driving reads a list of model ids first (a related table).
_LISTED = frozenset(RELATED_FACETS)
# Conditions served by a (value, removed) index of hub_model_search.
_COLUMN_INDEXED = frozenset({"license", "category", "task", "library", "author", "gated", "size", "removed"})
# PostgreSQL drives from a finding or format's list of models when it is this many times rarer
# than every other filter of the query (see Conditions._masked_or_visible).
_RARER = 10


@dataclass(frozen=True)
class Conditions:
    """The WHERE conditions of a search, keyed by parameter name, and how SQLite should see them.

    Keyed so that facet counting can leave out a facet's own condition: the counts of the
    license facet then show how many models each *other* license would add.

    SQLite plans without statistics: it takes any equality on an indexed column as selective,
    so ``task=text-generation&category=community&format=safetensors`` was driven from the
    65k safetensors models instead of the 3k community ones, and ``license=apache-2.0`` (a
    quarter of the catalogue) was read through its index and then sorted whole. Each query
    therefore shows SQLite one condition to drive from, the one matching fewest models by the
    cached unfiltered facet counts (``estimates``), and hides the others' indexes. PostgreSQL
    keeps statistics and chooses itself (``hidden`` is then empty).
    """

    visible: dict[str, ColumnElement[bool]]
    hidden: dict[str, ColumnElement[bool]]  # the same conditions, no index usable (SQLite only)
    estimates: dict[str, float]  # models each condition alone matches, where known
    walk: dict[str, ColumnElement[bool]]  # for walking the sort index: all hidden but the sort column's
    text_matches: int | None = None  # models the free text matches (SQLite: one cheap FTS5 count)
    total: float | None = None  # live models in the catalogue, as last counted (SQLite)
    # The ids of all matches as a JSON array, when counting them found few: the page
    # and the facets counted under every filter then read just these rows instead of
    # intersecting the filters again (each intersection re-reads e.g. all 80k FTS matches).
    # Capped counts hand on their first matches instead (``ids_complete`` False): enough
    # for a bounded sample (a query with ``limit``), not for anything else.
    ids: str | None = None
    ids_count: int = 0
    ids_complete: bool = True
    postgresql: bool = False
    # Conditions whose index, if it drives, is walked over most of the catalogue in id order:
    # removed=false (nearly every model).
    broad: frozenset[str] = frozenset()
    # PostgreSQL: the finding and format conditions tested on the row's masks, for the queries
    # another condition drives (its semi-join read a format's whole list first: 65k safetensors
    # models at 100k, 17 ms against 4); alone, they stay semi-joins its planner may drive from.
    masked: dict[str, ColumnElement[bool]] = field(default_factory=dict)

    @classmethod
    def of(cls, session: Session, params: SearchParams, *, team_id: int | None = None) -> Conditions:
        visible = filter_conditions(session, params, team_id=team_id)
        if session.get_bind().dialect.name != "sqlite":
            masked = _related_conditions(params, lambda name: getattr(S, name), probe=True)
            walk = {**visible, **masked}  # walking the sort index: every row is tested in turn
            # Only a choice between a mask and a list needs the estimates (_masked_or_visible).
            choose = bool(masked) and bool(set(visible) - _LISTED - {"removed"})
            guesses = estimates(session, params, list(visible)) if choose else {}
            return cls(visible, {}, guesses, walk, postgresql=True, masked=masked)
        sort_column = SORTS[params.sort.lstrip("-")][0]
        hidden = filter_conditions(session, params, team_id=team_id, hide=lambda name: True)
        walk = filter_conditions(session, params, team_id=team_id, hide=lambda name: name != sort_column)
        guesses = estimates(session, params, list(visible))
        text_matches = None
        if params.q and fts_query(params.q):
            text_matches = read_text_matches(session, params.q)  # sizes the free text like a facet count
            guesses["q"] = text_matches
        broad = frozenset({"removed"} if params.removed == "false" else set())
        return cls(visible, hidden, guesses, walk, text_matches, peek(session, "count"), broad=broad)

    def names(self) -> list[str]:
        """The parameter names that have a condition, in a stable order."""
        return list(self.visible)

    def where(self, keys: Collection[str] | None = None, *, limit: int | None = None) -> list[ColumnElement[bool]]:
        """The conditions named by ``keys`` (default: all), planned for the database.

        ``limit``: the query stops after that many matches (a facet sample). A finding or format
        driver first reads all its model ids into a list (464k for a common finding); when the
        matches are dense, walking another index and probing each row per EXISTS stops far sooner.
        """
        chosen = [k for k in self.visible if keys is None or k in keys]
        if (self.ids is not None and chosen and len(chosen) == len(self.visible)
                and (self.ids_complete or (limit is not None and limit < self.ids_count))):
            if self.postgresql:  # one array parameter: '{1,2,3}' from '[1, 2, 3]'
                array = bindparam("ids", "{" + self.ids[1:-1] + "}", type_=String)
                return [S.model_id == any_(cast(array, ARRAY(Integer)))]
            return [S.model_id.in_(text("SELECT value FROM json_each(:ids)").bindparams(ids=self.ids)
                                   .columns(value=Integer))]
        if not self._steered(chosen):
            return [self._masked_or_visible(k, chosen) for k in chosen]
        driver = self.driver(chosen, limit=limit)
        if driver is None:
            return self.probing(chosen)
        # removed stays visible behind a column driver: it is the second column of its index.
        # Behind any other driver (free text, finding, format...) it is checked on the row read
        # by primary key: its own index would cost a second lookup per row (125 -> 77 ms).
        keep = {driver, "removed"} if driver in _COLUMN_INDEXED else {driver}
        if driver in self.broad:
            # Its index would be walked in id order over most of the catalogue, with a lookup of
            # each row: scanning the table reads the same rows in the same order, without them
            # (removed=false driving a facet sample, e.g. format=gguf's when the format list
            # would be longer than a walk).
            keep = {driver} - {"removed"}
        return [self.visible[k] if k in keep else self.hidden[k] for k in chosen]

    def _masked_or_visible(self, key: str, chosen: list[str]) -> ColumnElement[bool]:
        """PostgreSQL: a finding or format condition as a test of the row's mask, when another
        of ``chosen`` can drive the query; as a semi-join its planner may drive from, when it
        stands alone or is known to match far fewer models than the column filters beside it
        (``format=onnx&license=mit`` at 1M: 410 ms testing all 44k mit models, 23 ms from the
        onnx list). A semi-join reads its whole list first: ``finding=pickle-weights``'s 180k
        models cost more than testing ``license=apache-2.0``'s rows until enough match."""
        if key not in self.masked:
            return self.visible[key]
        others = [k for k in chosen if k not in _LISTED and k != "removed"]
        if not others:
            return self.visible[key]
        mine = self.estimates.get(key)
        if mine is not None and mine * _RARER < min(self.estimates.get(k, float("inf")) for k in others):
            return self.visible[key]
        return self.masked[key]

    def driver(self, keys: Collection[str], *, limit: int | None = None) -> str | None:
        """The condition SQLite is shown to drive a query over ``keys`` from (see :meth:`where`).

        None when there is no choice to make (PostgreSQL plans itself, or a condition has no
        estimate) or when every index is better hidden (a dense match found by walking).
        """
        chosen = [k for k in self.visible if k in keys]
        if not self._steered(chosen):
            return None
        candidates = chosen
        if limit is not None and self.total:
            matches = self.total
            for k in chosen:
                matches *= min(self.estimates[k] / self.total, 1.0)
            walked = limit * self.total / max(matches, 1.0)  # rows read walking the catalogue
            candidates = [k for k in chosen if k not in _LISTED or self.estimates[k] < 4 * walked]
        return min(candidates, key=lambda k: self.estimates[k]) if candidates else None

    def one_in(self, keys: Collection[str], every: int) -> tuple[list[ColumnElement[bool]], float] | None:
        """The conditions of ``keys`` kept to the models whose id is a multiple of ``every``, and
        the number of models the driving condition alone matches (an estimated total's stratum).

        The id is tested on the driving index's entries (a column index holds the row id; the
        free text's matches are a table of ids), so only one row in ``every`` is read. None unless
        SQLite is shown a column or the free text to drive from: a list driver (finding, format)
        would first read all its matches into a list, the cost the stratum is to avoid, and a broad
        one (removed=false) walks most of the catalogue. Nor when the free text is there but does not drive: such
        searches are narrow (the text is rarely a large share of a driver), and the stratum would
        mostly add its cost to the exact count.
        """
        driver = self.driver(keys)
        if (driver is None or (driver not in _COLUMN_INDEXED and driver != "q") or driver in self.broad
                or ("q" in keys and driver != "q")):
            return None
        if driver == "q":
            stratum = S.model_id.in_(select(TEXT_MATCHES.c.id).where(TEXT_MATCHES.c.id % every == 0))
            return [stratum if k == "q" else self.hidden[k] for k in self.visible if k in keys], self.estimates[driver]
        return [*self.where(keys), S.model_id % every == 0], self.estimates[driver]

    def _steered(self, chosen: list[str]) -> bool:
        """Whether SQLite is shown which of ``chosen`` drives the query (indexes hidden from the
        others): there is something to choose between and every one has an estimate."""
        return bool(self.hidden and chosen) and all(k in self.estimates for k in chosen)

    def matching(self, ids: list[int], *, complete: bool = True) -> Conditions:
        """These conditions, knowing that all of them together match exactly ``ids`` (or, not
        ``complete``, that ``ids`` are the first of more matches)."""
        return replace(self, ids=json.dumps(ids), ids_count=len(ids), ids_complete=complete)

    def probing(self, keys: Collection[str]) -> list[ColumnElement[bool]]:
        """The conditions named by ``keys`` with every index hidden, for a query another
        condition drives (e.g. the few removed models); PostgreSQL gets them as they are, but
        for findings and formats tested on the row's masks."""
        source = self.hidden or {**self.visible, **self.masked}
        return [source[k] for k in self.visible if k in keys]

    def for_page(self, count: int) -> tuple[list[ColumnElement[bool]], bool]:
        """The conditions of a page query, and whether to collect the matches before sorting.

        Many matches: walk the sort index, filtering as it goes. Few: collect them first (a
        materialised CTE), then sort. PostgreSQL otherwise also walks the sort index when its
        estimate is wrong, e.g. through all models for a word that matches none (1.4 s at 100k).
        """
        if count > SORT_WALK_THRESHOLD:
            return list(self.walk.values()), False
        return self.where(), True


def filter_conditions(session: Session, params: SearchParams, *, team_id: int | None = None,
                      hide: Callable[[str], bool] | None = None) -> dict[str, ColumnElement[bool]]:
    """The WHERE conditions of a search over ``hub_model_search``, keyed by parameter name.

    Args:
        hide: which projection columns to hide from SQLite's index choice (see :class:`Conditions`).
    """

    def col(name: str) -> Any:
        column = getattr(S, name)
        if hide is not None and hide(name):
            # SQLite's unary plus: the same value, but no longer a column an index can serve.
            return literal_column(f"+{S.__tablename__}.{name}", column.type)
        return column

    conds: dict[str, ColumnElement[bool]] = {}
    if params.q:
        conds["q"] = text_match(session, params.q, col("model_id"))
    for name, column in (("license", "license_id"), ("category", "license_category"), ("task", "pipeline_tag"),
                         ("library", "library_name"), ("author", "author")):
        values = getattr(params, name)
        if values:
            conds[name] = in_or_null(col(column), values)
    if params.gated:
        gated = col("gated")
        conds["gated"] = gated.in_(sorted(gated_kinds(params.gated)))
    if params.size:
        conds["size"] = col("size_bucket").in_(params.size)
    # Hidden, a finding or format is tested on each candidate row's mask rather than read whole
    # into a temporary index first: a broad finding selects half the catalogue.
    conds.update(_related_conditions(params, col, probe=hide is not None and hide("model_id")))
    if params.flag:
        if team_id is None:
            raise InvalidQuery("flag", "filtering by flag needs a signed-in member of a team")
        current = current_flags(team_id).subquery()
        conds["flag"] = _in_or_absent(col("model_id"), select(current.c.model_id), current.c.status, params.flag)
    bounds = []
    if params.params_min is not None:
        bounds.append(col("parameters_total") >= params.params_min)
    if params.params_max is not None:
        bounds.append(col("parameters_total") <= params.params_max)
    if bounds:
        conds["params"] = and_(*bounds)
    if params.base_model:
        # The derivatives of one model (the model page's tree links here), through the base index.
        links = select(BaseModelLink.model_id).where(BaseModelLink.base_repo_id == params.base_model)
        if params.relation:
            links = links.where(BaseModelLink.relation == params.relation)
        conds["base_model"] = col("model_id").in_(links)
    if params.removed != "any":
        conds["removed"] = col("removed") == (true() if params.removed == "true" else false())
    return conds


def current_flags(team_id: int):  # -> Select of (model_id, status)
    """The team's current flag of each model it flagged: its newest row (flags are append-only)."""
    newest = select(func.max(Flag.id)).where(Flag.team_id == team_id).group_by(Flag.model_id)
    return select(Flag.model_id, Flag.status).where(Flag.id.in_(newest))



def in_or_null(column: Any, values: tuple[str, ...]) -> ColumnElement[bool]:
    """``column`` is one of ``values``, where the value ``NONE`` (a facet's "none") matches NULL."""
    named = [v for v in values if v != NONE]
    parts = []
    if named:
        parts.append(column.in_(named))
    if NONE in values:
        parts.append(column.is_(None))
    return or_(*parts)


def _related_conditions(params: SearchParams, col: Callable[[str], Any], *,
                        probe: bool) -> dict[str, ColumnElement[bool]]:
    """The finding and format conditions of a search (see :func:`_related`); ``col`` gives a
    projection column as the query shows it."""
    return {name: _related(col("model_id"), col(related.mask), related, getattr(params, name), probe)
            for name, related in RELATED_FACETS.items() if getattr(params, name)}


def _related(model_id: Any, mask: Any, related: Related, values: tuple[str, ...], probe: bool) -> ColumnElement[bool]:
    """Models with a related row (finding, format) of one of ``values``; ``none``: with none at all.

    ``mask`` is the projection's column with a bit per value the model has (catalog.db.marks):
    a row is tested on itself instead of probing the related table. A value alone, not probed,
    stays an IN over the related table: a semi-join, or the list SQLite drives from (a rare
    finding's few models). "None" is a mask of 0, written as a literal so that the partial index
    of models without findings (``ix_hub_model_search_no_findings``) can serve it; it replaced a
    NOT IN that PostgreSQL, past work_mem, rescanned for every model (more than 14 minutes at 1M),
    and then a NOT EXISTS that still read every live model (250 ms at 1M).
    """
    named = [v for v in values if v != NONE]
    parts = []
    if named and (probe or NONE in values):
        parts.append(mask.op("&")(bits_of(named, related.bits)) != 0)
    elif named:
        parts.append(model_id.in_(select(related.model_id).where(related.value.in_(named))))
    if NONE in values:
        parts.append(mask == literal_column("0"))
    return or_(*parts)


def _in_or_absent(model_id: Any, rows: Any, value: Any, values: tuple[str, ...]) -> ColumnElement[bool]:
    """Models with a team flag (``rows``: the team's current flags) of one of ``values``; ``none``:
    with none. IN lists suit a team's flags, a few thousand rows (findings and formats are tested
    on the row's masks instead, see :func:`_related`)."""
    named = [v for v in values if v != NONE]
    parts = []
    if named:
        parts.append(model_id.in_(rows.where(value.in_(named))))
    if NONE in values:
        parts.append(~model_id.in_(rows))
    return or_(*parts)
