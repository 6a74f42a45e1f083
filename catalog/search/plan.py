"""How a search's filters become SQL: the keyed WHERE conditions and the index each query drives from.

Split from :mod:`catalog.search.query` so that the planning rules (which condition SQLite may use
an index for, when a page walks the sort index instead of sorting the matches) read on their
own; :mod:`catalog.search.facets` counts with the same conditions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
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
    sql,
    text,
    true,
)
from sqlalchemy.orm import Session

from catalog.db.tables import AuditFinding, BaseModelLink, Flag, HubModelSearch, ModelFormat
from catalog.errors import InvalidQuery
from catalog.search.estimates import estimates
from catalog.search.facet_cache import peek
from catalog.search.params import NONE, SearchParams, fts_query, gated_kinds

S = HubModelSearch  # the narrow projection every filter, count and sort reads
# The free text's matches of the search under way, read once from the FTS5 index into a table of
# the connection's own temporary database (SQLite; see Conditions.of).
_TEXT = sql.table("search_text", sql.column("id", Integer), schema="temp")

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
# Conditions served by a (value, removed) index of hub_model_search.
# Conditions whose driving reads a list of model ids first (a related table).
_LISTED = frozenset({"finding", "format"})
_COLUMN_INDEXED = frozenset({"license", "category", "task", "library", "author", "gated", "size", "removed"})


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

    @classmethod
    def of(cls, session: Session, params: SearchParams, *, team_id: int | None = None) -> Conditions:
        visible = filter_conditions(session, params, team_id=team_id)
        if session.get_bind().dialect.name != "sqlite":
            return cls(visible, {}, {}, visible, postgresql=True)
        sort_column = SORTS[params.sort.lstrip("-")][0]
        hidden = filter_conditions(session, params, team_id=team_id, hide=lambda name: True)
        walk = filter_conditions(session, params, team_id=team_id, hide=lambda name: name != sort_column)
        guesses = estimates(session, params, list(visible))
        text_matches = None
        if params.q and fts_query(params.q):
            text_matches = _read_text_matches(session, params.q)  # sizes the free text like a facet count
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
            return [self.visible[k] for k in chosen]
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
            stratum = S.model_id.in_(select(_TEXT.c.id).where(_TEXT.c.id % every == 0))
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
        condition drives (e.g. the few removed models); PostgreSQL gets them as they are."""
        source = self.hidden or self.visible
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
        conds["q"] = _text_match(session, params.q, col("model_id"))
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
    # Hidden, a related table is probed per candidate row (EXISTS) rather than read whole into
    # a temporary index first: a broad finding selects half the catalogue.
    probe = hide is not None and hide("model_id")
    if params.finding:
        conds["finding"] = _related(col("model_id"), AuditFinding.model_id, AuditFinding.code, params.finding, probe)
    if params.format:
        conds["format"] = _related(col("model_id"), ModelFormat.model_id, ModelFormat.format, params.format, probe)
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



def _text_match(session: Session, q: str, model_id: Any) -> ColumnElement[bool]:
    words = fts_query(q)
    if not words:
        return true() if not q.strip() else false()
    if session.get_bind().dialect.name == "postgresql":
        # The projection row's own search document (GIN-indexed): no join to the wide table.
        tsquery = " & ".join(words[:-1] + [words[-1] + ":*"])
        return _PG_DOCUMENT.op("@@")(func.to_tsquery("simple", tsquery))
    # Driving, the ids are read in order from the table (as FTS5 yields them); hidden, each row
    # is looked up in it by id.
    return model_id.in_(select(_TEXT.c.id))


def _read_text_matches(session: Session, q: str) -> int:
    """Read the FTS5 matches of ``q`` into ``temp.search_text`` for this search's queries; their number.

    Every query of a search that tests the free text used ``IN (SELECT rowid FROM hub_models_fts
    ...)``, for which SQLite reads all the matches into a list first, once per query: the page,
    the count and a facet sample each rebuilt the same list (~25 ms for 70k matches at 1M models,
    twice or more for a search such as ``q=bert&license=mit&task=...``). A table of the connection's
    own temporary database is read once per search, costs what one list did, and is then probed by
    id. The database file itself is not written or locked; the table keeps its rows until the
    connection's next search with free text replaces them.

    The driver opens a transaction before writing (the temporary table too). When none was open,
    it is committed at once: holding it would keep the search's reads on one snapshot, and a write
    later in the same session would then fail (SQLITE_BUSY) once another connection had committed.
    """
    driver_connection = session.connection().connection.dbapi_connection
    idle = driver_connection is not None and not driver_connection.in_transaction
    session.execute(text("CREATE TEMP TABLE IF NOT EXISTS search_text (id INTEGER PRIMARY KEY)"))
    session.execute(text("DELETE FROM temp.search_text"))
    inserted = session.execute(text("INSERT INTO temp.search_text (id) SELECT rowid FROM hub_models_fts "
                                    "WHERE hub_models_fts MATCH :match"), {"match": _fts_match(q)})
    if idle:  # only the temporary table was written in it
        driver_connection.commit()
    return inserted.rowcount  # type: ignore[attr-defined]


def _fts_match(q: str) -> str:
    """An FTS5 query: each word quoted as a string ("" escapes a quote); the last one matches as a prefix."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in fts_query(q)) + "*"


# PostgreSQL's search document of a model: a tsvector column of the projection, written by its
# triggers (migration 20261129_0200, which also defines the words it holds). Not mapped on
# HubModelSearch: SQLite has no such column (it searches its FTS5 index).
_PG_DOCUMENT = literal_column(f"{S.__tablename__}.fts_document")


def in_or_null(column: Any, values: tuple[str, ...]) -> ColumnElement[bool]:
    """``column`` is one of ``values``, where the value ``NONE`` (a facet's "none") matches NULL."""
    named = [v for v in values if v != NONE]
    parts = []
    if named:
        parts.append(column.in_(named))
    if NONE in values:
        parts.append(column.is_(None))
    return or_(*parts)


def _related(model_id: Any, related_id: Any, value: Any, values: tuple[str, ...], probe: bool) -> ColumnElement[bool]:
    """Models with a related row (finding, format) of one of ``values``; ``none``: with none at all."""
    named = [v for v in values if v != NONE]
    parts = []
    # "none" is always NOT EXISTS, probed by the related table's model index (an anti-join on
    # PostgreSQL), and so is a value ORed with it: NOT IN (SELECT model_id ...) first lists the
    # whole related table (1.6M findings at 1M models), and PostgreSQL, which cannot join an IN
    # under an OR, rescans that list for every model once it outgrows work_mem: finding=none ran
    # for more than 14 minutes. A value alone stays IN: a semi-join, or the list SQLite drives from.
    if named and (probe or NONE in values):
        parts.append(select(related_id).where(related_id == S.model_id, value.in_(named)).exists())
    elif named:
        parts.append(model_id.in_(select(related_id).where(value.in_(named))))
    if NONE in values:
        parts.append(~select(related_id).where(related_id == S.model_id).exists())
    return or_(*parts)


def _in_or_absent(model_id: Any, rows: Any, value: Any, values: tuple[str, ...]) -> ColumnElement[bool]:
    """Models with a team flag (``rows``: the team's current flags) of one of ``values``; ``none``:
    with none. IN lists suit a team's flags, a few thousand rows (see :func:`_related` for why the
    findings are probed instead)."""
    named = [v for v in values if v != NONE]
    parts = []
    if named:
        parts.append(model_id.in_(rows.where(value.in_(named))))
    if NONE in values:
        parts.append(~model_id.in_(rows))
    return or_(*parts)
