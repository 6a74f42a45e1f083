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

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
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
from .models import AuditFinding, Flag, HubModel, ModelFormat
from .search_params import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MULTI,
    NONE,
    SINGLE,
    SIZE_BUCKETS,
    SIZE_VALUES,
    SearchParams,
    decode_cursor,
    encode_cursor,
    fts_query,
    parse_size,
)

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "MULTI", "NONE", "SINGLE", "SIZE_VALUES", "SORTS", "SearchParams",
           "SearchResult", "fts_query", "iter_search", "parse_size", "search"]

SORTS: dict[str, tuple[Any, bool]] = {  # key -> (column, natural order is descending)
    "downloads": (HubModel.downloads, True),
    "likes": (HubModel.likes, True),
    "parameters": (HubModel.parameters_total, True),
    "last_modified": (HubModel.last_modified, True),
    "name": (HubModel.repo_id, False),
}
SORT_LABELS = {"downloads": "Downloads", "likes": "Likes", "parameters": "Parameters",
               "last_modified": "Recently modified", "name": "Name"}
_NULLABLE_SORTS = {"parameters", "last_modified"}






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

    conditions = filter_conditions(session, params, team_id=team_id)
    rows, next_cursor = _page(session, params, conditions)
    data = describe_rows(session, rows, team_id=team_id)
    count = total_count(session, params, conditions, team_id=team_id)
    facets: dict[str, dict[str, Any]] = {}
    approximate = False
    if with_facets:
        facets, approximate = facet_counts(session, params, conditions, team_id=team_id, count=count)
    return SearchResult(data=data, count=count, facets=facets, next_cursor=next_cursor,
                        facets_approximate=approximate)


def iter_search(session: Session, params: SearchParams, *, team_id: int | None = None,
                batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every row matching the search, in its sort order, fetched page by page (CSV export)."""
    conditions = filter_conditions(session, params, team_id=team_id)
    page_params = params.with_(limit=batch, cursor=None)
    while True:
        rows, next_cursor = _page(session, page_params, conditions)
        yield from describe_rows(session, rows, team_id=team_id)
        if next_cursor is None:
            return
        page_params = page_params.with_(cursor=next_cursor)




def filter_conditions(session: Session, params: SearchParams, *,
                      team_id: int | None = None) -> dict[str, ColumnElement[bool]]:
    """The WHERE conditions of a search, keyed by parameter name.

    Keyed so that facet counting can leave out a facet's own condition: the counts of the
    license facet then show how many models each *other* license would add.
    """
    conds: dict[str, ColumnElement[bool]] = {}
    if params.q:
        conds["q"] = _text_match(session, params.q)
    for name, column in (("license", HubModel.license_id), ("category", HubModel.license_category),
                         ("task", HubModel.pipeline_tag), ("library", HubModel.library_name),
                         ("author", HubModel.author)):
        values = getattr(params, name)
        if values:
            conds[name] = _in_or_null(column, values)
    if params.gated:
        conds["gated"] = or_(*(_gated_condition(v) for v in params.gated))
    if params.size:
        conds["size"] = or_(*(_size_condition(v) for v in params.size))
    if params.finding:
        codes = [v for v in params.finding if v != NONE]
        parts = []
        if codes:
            parts.append(HubModel.id.in_(select(AuditFinding.model_id).where(AuditFinding.code.in_(codes))))
        if NONE in params.finding:
            parts.append(~HubModel.id.in_(select(AuditFinding.model_id)))
        conds["finding"] = or_(*parts)
    if params.format:
        conds["format"] = HubModel.id.in_(select(ModelFormat.model_id).where(ModelFormat.format.in_(params.format)))
    if params.flag:
        if team_id is None:
            raise InvalidQuery("flag", "filtering by flag needs a signed-in member of a team")
        current = current_flags(team_id).subquery()
        statuses = [v for v in params.flag if v != NONE]
        parts = []
        if statuses:
            parts.append(HubModel.id.in_(select(current.c.model_id).where(current.c.status.in_(statuses))))
        if NONE in params.flag:
            parts.append(~HubModel.id.in_(select(current.c.model_id)))
        conds["flag"] = or_(*parts)
    bounds = []
    if params.params_min is not None:
        bounds.append(HubModel.parameters_total >= params.params_min)
    if params.params_max is not None:
        bounds.append(HubModel.parameters_total <= params.params_max)
    if bounds:
        conds["params"] = and_(*bounds)
    if params.removed == "false":
        conds["removed"] = _live(session)
    elif params.removed == "true":
        conds["removed"] = HubModel.removed_at.is_not(None)
    return conds


def _live(session: Session) -> ColumnElement[bool]:
    """Not removed from the Hub. Almost every model is live, but SQLite's planner takes
    ``removed_at IS NULL`` as selective and walks the removed_at index, then sorts the whole
    catalogue (200 ms at 100k models instead of 17). A unary plus hides the column from it,
    so the sort index (downloads...) or the filter's own index is used instead."""
    if session.get_bind().dialect.name == "sqlite":
        return literal_column("+hub_models.removed_at").is_(None)
    return HubModel.removed_at.is_(None)


def current_flags(team_id: int):  # -> Select of (model_id, status)
    """The team's current flag of each model it flagged: its newest row (flags are append-only)."""
    newest = select(func.max(Flag.id)).where(Flag.team_id == team_id).group_by(Flag.model_id)
    return select(Flag.model_id, Flag.status).where(Flag.id.in_(newest))


def size_bucket_expression() -> ColumnElement[str]:
    """SQL giving a model's size bucket (one of :data:`SIZE_VALUES`)."""
    whens = []
    for value, low, high in SIZE_BUCKETS:
        if high is not None:
            whens.append((HubModel.parameters_total < high, value))
        else:
            whens.append((HubModel.parameters_total >= low, value))
    return case((HubModel.parameters_total.is_(None), "unknown"), *whens, else_="unknown")




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
          conds: dict[str, ColumnElement[bool]]) -> tuple[list[Any], str | None]:
    key = params.sort.lstrip("-")
    column, natural_desc = SORTS[key]
    descending = natural_desc != params.sort.startswith("-")
    primary = column.desc() if descending else column.asc()
    if key in _NULLABLE_SORTS:
        # Rows without a value come last whatever the direction (SQLite's own order for DESC,
        # so the index still serves the default direction).
        primary = primary.nulls_last()
    order = [primary, HubModel.id.desc() if descending else HubModel.id.asc()]
    where = list(conds.values())
    if params.cursor:
        value, last_id = decode_cursor(params.cursor, params.sort)
        where.append(_after(column, key, descending, value, last_id))
    query = select(*_ROW_COLUMNS).where(*where).order_by(*order).limit(params.limit + 1)
    rows = session.execute(query).all()
    next_cursor = None
    if len(rows) > params.limit:
        rows = rows[: params.limit]
        last = rows[-1]
        next_cursor = encode_cursor(params.sort, getattr(last, column.key), last.id)
    return rows, next_cursor


def _after(column: Any, key: str, descending: bool, value: Any, last_id: int) -> ColumnElement[bool]:
    """Keyset condition: rows strictly after (value, last_id) in the page order."""
    id_after = HubModel.id < last_id if descending else HubModel.id > last_id
    if value is None:  # already in the trailing block of rows without a value
        return and_(column.is_(None), id_after)
    value_after = column < value if descending else column > value
    strictly = or_(value_after, and_(column == value, id_after))
    if key in _NULLABLE_SORTS:
        return or_(and_(column.is_not(None), strictly), column.is_(None))
    return strictly






def _text_match(session: Session, q: str) -> ColumnElement[bool]:
    words = fts_query(q)
    if not words:
        return true() if not q.strip() else false()
    if session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(words[:-1] + [words[-1] + ":*"])
        return literal_column(PG_DOCUMENT).op("@@")(func.to_tsquery("simple", tsquery))
    # Each word quoted as an FTS5 string ("" escapes a quote); the last one matches as a prefix.
    match = " ".join('"' + w.replace('"', '""') + '"' for w in words) + "*"
    return HubModel.id.in_(text("SELECT rowid FROM hub_models_fts WHERE hub_models_fts MATCH :match")
                           .bindparams(match=match).columns(rowid=Integer))


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


def _gated_condition(value: str) -> ColumnElement[bool]:
    if value == "true":
        return HubModel.gated != "false"
    return HubModel.gated == value


def _size_condition(value: str) -> ColumnElement[bool]:
    if value == "unknown":
        return HubModel.parameters_total.is_(None)
    _, low, high = next(b for b in SIZE_BUCKETS if b[0] == value)
    parts = []
    if low is not None:
        parts.append(HubModel.parameters_total >= low)
    if high is not None:
        parts.append(HubModel.parameters_total < high)
    return and_(*parts)






