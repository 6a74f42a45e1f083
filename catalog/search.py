"""Faceted search over the catalogue: the one query function behind `/models` and `/api/v1/models`.

Parameters arrive as query-string pairs and are validated into :class:`SearchParams`; the
same names work on the HTML pages and in the REST API. Paging is keyset-based (an opaque
cursor holds the sort value and id of the last row shown), so page 10,000 costs what page 1
costs. Facet counting lives in :mod:`catalog.facets`.

Sort: ``sort=<key>`` orders in the key's natural direction (most downloads / likes /
parameters and newest first; names A to Z); ``sort=-<key>`` reverses it. Models without a
value for the key (no parameter count, no date) always come last.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session

from .errors import InvalidQuery
from .models import AuditFinding, Flag, HubModel, HubModelSearch, ModelFormat
from .search_params import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MULTI,
    NONE,
    SINGLE,
    SIZE_VALUES,
    SearchParams,
    decode_cursor,
    encode_cursor,
    fts_query,
    parse_size,
)

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "MULTI", "NONE", "SINGLE", "SIZE_VALUES", "SORTS", "SearchParams",
           "SearchResult", "fts_query", "iter_search", "parse_size", "search"]

S = HubModelSearch  # the narrow projection every filter, count and sort reads

SORTS: dict[str, tuple[str, bool]] = {  # key -> (projection column, natural order is descending)
    "downloads": ("downloads", True),
    "likes": ("likes", True),
    "parameters": ("parameters_total", True),
    "last_modified": ("last_modified", True),
    "name": ("name", False),
}
SORT_LABELS = {"downloads": "Downloads", "likes": "Likes", "parameters": "Parameters",
               "last_modified": "Recently modified", "name": "Name"}
_NULLABLE_SORTS = {"parameters", "last_modified"}
# Above this many matching models a page walks the sort index and filters as it goes; below,
# it reads the matches through a filter's index and sorts them. Walking finds a page of 50
# after ~50 * catalogue / matches rows, so the two costs meet near sqrt(50 * 1M) ~ 7k rows.
SORT_WALK_THRESHOLD = 5_000


@dataclass
class SearchResult:
    """One page of results with the total count, the facets and the cursor of the next page."""

    data: list[dict[str, Any]]
    count: int
    facets: dict[str, dict[str, Any]]
    next_cursor: str | None
    facets_approximate: bool = False  # counted over a capped sample of the matching rows

    def to_dict(self) -> dict[str, Any]:
        """The JSON body shared by `/models.json` and `/api/v1/models`."""
        return {"ok": True, "count": self.count, "data": self.data, "facets": self.facets,
                "facets_approximate": self.facets_approximate, "next_cursor": self.next_cursor}


def search(session: Session, params: SearchParams, *, team_id: int | None = None,
           with_facets: bool = True) -> SearchResult:
    """Run a search: one page of rows, the total count and (unless asked not to) the facets.

    Args:
        team_id: the viewer's team; rows then carry its current flag and ``flag=`` filters work.
        with_facets: False skips facet counting (the API's cheap path, CSV export).

    Raises:
        InvalidQuery: ``flag`` was given without a team, or the cursor is unusable.
    """
    from .facets import facet_counts, total_count

    conditions = Conditions.of(session, params, team_id=team_id)
    count = total_count(session, params, conditions, team_id=team_id)
    rows, next_cursor = _page(session, params, conditions.for_page(count))
    data = describe_rows(session, rows, team_id=team_id)
    facets: dict[str, dict[str, Any]] = {}
    approximate = False
    if with_facets:
        facets, approximate = facet_counts(session, params, conditions, team_id=team_id, count=count)
    return SearchResult(data=data, count=count, facets=facets, next_cursor=next_cursor,
                        facets_approximate=approximate)


def iter_search(session: Session, params: SearchParams, *, team_id: int | None = None,
                batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every row matching the search, in its sort order, fetched page by page (CSV export)."""
    from .facets import total_count

    conditions = Conditions.of(session, params, team_id=team_id)
    where = conditions.for_page(total_count(session, params, conditions, team_id=team_id))
    page_params = params.with_(limit=batch, cursor=None)
    while True:
        rows, next_cursor = _page(session, page_params, where)
        yield from describe_rows(session, rows, team_id=team_id)
        if next_cursor is None:
            return
        page_params = page_params.with_(cursor=next_cursor)


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

    @classmethod
    def of(cls, session: Session, params: SearchParams, *, team_id: int | None = None) -> Conditions:
        from .facets import estimates

        visible = filter_conditions(session, params, team_id=team_id)
        if session.get_bind().dialect.name != "sqlite":
            return cls(visible, {}, {}, visible)
        sort_column = SORTS[params.sort.lstrip("-")][0]
        hidden = filter_conditions(session, params, team_id=team_id, hide=lambda name: True)
        walk = filter_conditions(session, params, team_id=team_id, hide=lambda name: name != sort_column)
        guesses = estimates(session, params, list(visible))
        text_matches = None
        if params.q and fts_query(params.q):
            # Counting FTS5 matches reads only the index's doclists (~14 ms for 175k matches at 1M
            # models), far cheaper than joining them; it sizes the free text like a facet count.
            text_matches = session.scalar(text("SELECT count(*) FROM hub_models_fts WHERE hub_models_fts MATCH :match")
                                          .bindparams(match=_fts_match(params.q))) or 0
            guesses["q"] = text_matches
        return cls(visible, hidden, guesses, walk, text_matches)

    def names(self) -> list[str]:
        return list(self.visible)

    def where(self, keys: Collection[str] | None = None) -> list[ColumnElement[bool]]:
        """The conditions named by ``keys`` (default: all), planned for the database."""
        chosen = [k for k in self.visible if keys is None or k in keys]
        if not self.hidden or not chosen or any(k not in self.estimates for k in chosen):
            return [self.visible[k] for k in chosen]
        driver = min(chosen, key=lambda k: self.estimates[k])
        # removed stays visible: it is the second column of every filter index.
        return [self.visible[k] if k in (driver, "removed") else self.hidden[k] for k in chosen]

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
            conds[name] = _in_or_null(col(column), values)
    if params.gated:
        gated = col("gated")
        conds["gated"] = or_(*((gated != "false") if v == "true" else (gated == v) for v in params.gated))
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
    if params.removed != "any":
        conds["removed"] = col("removed") == (true() if params.removed == "true" else false())
    return conds


def current_flags(team_id: int):  # -> Select of (model_id, status)
    """The team's current flag of each model it flagged: its newest row (flags are append-only)."""
    newest = select(func.max(Flag.id)).where(Flag.team_id == team_id).group_by(Flag.model_id)
    return select(Flag.model_id, Flag.status).where(Flag.id.in_(newest))


def describe_rows(session: Session, rows: list[Any], *, team_id: int | None) -> list[dict[str, Any]]:
    """Result rows as JSON-ready dicts, with findings summaries and the team's flag."""
    ids = [r.id for r in rows]
    findings: dict[int, dict[str, Any]] = {i: {"total": 0, "by_severity": {}, "codes": []} for i in ids}
    flags: dict[int, str] = {}
    if ids:
        for model_id, code, severity, n in session.execute(
            select(AuditFinding.model_id, AuditFinding.code, AuditFinding.severity, func.count())
            .where(AuditFinding.model_id.in_(ids))
            .group_by(AuditFinding.model_id, AuditFinding.code, AuditFinding.severity)
            .order_by(AuditFinding.model_id, AuditFinding.code)
        ):
            summary = findings[model_id]
            summary["total"] += n
            summary["by_severity"][severity] = summary["by_severity"].get(severity, 0) + n
            if code not in summary["codes"]:
                summary["codes"].append(code)
        if team_id is not None:
            current = current_flags(team_id).where(Flag.model_id.in_(ids))
            flags = {model_id: status for model_id, status in session.execute(current)}
    return [
        {
            "id": r.repo_id,
            "author": r.author,
            "license": {"id": r.license_id, "category": r.license_category},
            "parameters": {"total": r.parameters_total, "source": r.parameters_source},
            "task": r.pipeline_tag,
            "library": r.library_name,
            "downloads": r.downloads,
            "likes": r.likes,
            "last_modified": r.last_modified.isoformat().replace("+00:00", "Z") if r.last_modified else None,
            "gated": r.gated,
            "removed": r.removed_at is not None,
            "findings": findings[r.id],
            "flag": flags.get(r.id),
        }
        for r in rows
    ]


_ROW_COLUMNS = (HubModel.id, HubModel.repo_id, HubModel.author, HubModel.license_id, HubModel.license_category,
                HubModel.parameters_total, HubModel.parameters_source, HubModel.pipeline_tag,
                HubModel.library_name, HubModel.downloads, HubModel.likes, HubModel.last_modified,
                HubModel.gated, HubModel.removed_at)


def _page(session: Session, params: SearchParams,
          plan: tuple[list[ColumnElement[bool]], bool]) -> tuple[list[Any], str | None]:
    """One page in sort order, keyset-paged, then its full rows from ``hub_models``.

    A sort on a column that can be empty runs as two index walks: models with a value in the
    asked direction, then models without one by id. One ORDER BY with NULLS LAST could not
    use the index in the reverse direction on either database.
    """
    key = params.sort.lstrip("-")
    name, natural_desc = SORTS[key]
    column = getattr(S, name)
    descending = natural_desc != params.sort.startswith("-")
    value, last_id = decode_cursor(params.cursor, params.sort) if params.cursor else (None, None)
    wanted = params.limit + 1
    where, collect = plan

    def ordered(conditions: list[ColumnElement[bool]], by_value: bool, limit: int) -> list[Any]:
        rows: Any = select(S.model_id, column.label("sort_value")).where(*conditions)
        if collect:
            rows = rows.cte("matches").prefix_with("MATERIALIZED")
            rows = select(rows.c.model_id, rows.c.sort_value)
        value_col, id_col = rows.selected_columns.sort_value, rows.selected_columns.model_id
        order = [value_col.desc() if descending else value_col.asc()] if by_value else []
        order.append(id_col.desc() if descending else id_col.asc())
        return list(session.execute(rows.order_by(*order).limit(limit)).all())

    found: list[Any] = []
    if not (key in _NULLABLE_SORTS and params.cursor and value is None):  # not already among the empty ones
        keyset = [_after(column, descending, value, last_id)] if params.cursor else []
        present = [column.is_not(None)] if key in _NULLABLE_SORTS else []
        found = ordered([*where, *present, *keyset], True, wanted)
    if key in _NULLABLE_SORTS and len(found) < wanted:
        keyset = [S.model_id < last_id if descending else S.model_id > last_id] if value is None and last_id is not None else []
        found += ordered([*where, column.is_(None), *keyset], False, wanted - len(found))
    next_cursor = None
    if len(found) > params.limit:
        found = found[: params.limit]
        next_cursor = encode_cursor(params.sort, found[-1].sort_value, found[-1].model_id)
    if not found:
        return [], None
    # Only the page's rows are read from the wide table.
    by_id = {r.id: r for r in session.execute(select(*_ROW_COLUMNS).where(HubModel.id.in_([f.model_id for f in found])))}
    return [by_id[f.model_id] for f in found], next_cursor


def _after(column: Any, descending: bool, value: Any, last_id: int | None) -> ColumnElement[bool]:
    """Keyset condition: rows with a sort value strictly after (value, last_id) in page order."""
    id_after = S.model_id < last_id if descending else S.model_id > last_id
    value_after = column < value if descending else column > value
    return or_(value_after, and_(column == value, id_after))


def _text_match(session: Session, q: str, model_id: Any) -> ColumnElement[bool]:
    words = fts_query(q)
    if not words:
        return true() if not q.strip() else false()
    if session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(words[:-1] + [words[-1] + ":*"])
        return model_id.in_(select(HubModel.id).where(
            literal_column(PG_DOCUMENT).op("@@")(func.to_tsquery("simple", tsquery))))
    return model_id.in_(text("SELECT rowid FROM hub_models_fts WHERE hub_models_fts MATCH :match")
                        .bindparams(match=_fts_match(q)).columns(rowid=Integer))


def _fts_match(q: str) -> str:
    """An FTS5 query: each word quoted as a string ("" escapes a quote); the last one matches as a prefix."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in fts_query(q)) + "*"


# The text PostgreSQL searches; must stay identical to the expression of the GIN index
# ix_fts_hub_models_document created by migration 20261122_1000 (or the index is not used).
PG_DOCUMENT = (
    "to_tsvector('simple'::regconfig, regexp_replace(lower("
    "repo_id || ' ' || coalesce(author, '') || ' ' || coalesce(tags::text, '') || ' ' || "
    "coalesce(card_data ->> 'model_name', '') || ' ' || coalesce(card_data ->> 'description', '') || ' ' || "
    "coalesce(card_data ->> 'summary', '')), '[^[:alnum:]]+', ' ', 'g'))"
)


def _in_or_null(column: Any, values: tuple[str, ...]) -> ColumnElement[bool]:
    named = [v for v in values if v != NONE]
    parts = []
    if named:
        parts.append(column.in_(named))
    if NONE in values:
        parts.append(column.is_(None))
    return or_(*parts)


def _related(model_id: Any, related_id: Any, value: Any, values: tuple[str, ...], probe: bool) -> ColumnElement[bool]:
    """Models with a related row (finding, format) of one of ``values``; ``none``: with none at all."""
    if not probe:
        return _in_or_absent(model_id, select(related_id), value, values)
    named = [v for v in values if v != NONE]
    parts = []
    if named:
        parts.append(select(related_id).where(related_id == S.model_id, value.in_(named)).exists())
    if NONE in values:
        parts.append(~select(related_id).where(related_id == S.model_id).exists())
    return or_(*parts)


def _in_or_absent(model_id: Any, rows: Any, value: Any, values: tuple[str, ...]) -> ColumnElement[bool]:
    """Models with a related row (finding, flag) of one of ``values``; ``none``: with no such row."""
    named = [v for v in values if v != NONE]
    parts = []
    if named:
        parts.append(model_id.in_(rows.where(value.in_(named))))
    if NONE in values:
        parts.append(~model_id.in_(rows))
    return or_(*parts)
