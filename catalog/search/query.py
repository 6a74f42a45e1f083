"""Faceted search over the catalogue: the one query function behind `/models` and `/api/v1/models`.

Parameters arrive as query-string pairs and are validated into :class:`SearchParams`; the
same names work on the HTML pages and in the REST API. Paging is keyset-based (an opaque
cursor holds the sort value and id of the last row shown), so page 10,000 costs what page 1
costs. Facet counting lives in :mod:`catalog.search.facets`.

Sort: ``sort=<key>`` is ascending and ``sort=-<key>`` descending, the common REST convention
(``-downloads``, the default, is most downloaded first; ``name`` is A to Z). Models without a
value for the key (no parameter count, no date, downloads or likes no source recorded) always
come last, in either direction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from catalog.db.tables import AuditFinding, Flag, HubModel, HubModelSearch
from catalog.search.facets import facet_counts, total_count
from catalog.search.params import (
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
from catalog.search.plan import SORT_WALK_THRESHOLD, SORTS, Conditions, current_flags, filter_conditions

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "MULTI", "NONE", "SINGLE", "SIZE_VALUES", "SORTS", "SORT_WALK_THRESHOLD",
           "Conditions", "SearchParams", "SearchResult", "current_flags", "filter_conditions", "fts_query",
           "iter_search", "parse_size", "search"]

S = HubModelSearch  # the narrow projection every filter, count and sort reads

SORT_LABELS = {"downloads": "Downloads", "likes": "Likes", "parameters": "Parameters",
               "last_modified": "Recently modified", "name": "Name"}
# Keys whose value can be unknown (no parameter count, no date, a count no source recorded).
_NULLABLE_SORTS = {"parameters", "last_modified", "downloads", "likes"}


@dataclass
class SearchResult:
    """One page of results with the total count, the facets and the cursor of the next page."""

    data: list[dict[str, Any]]
    count: int
    facets: dict[str, dict[str, Any]]
    next_cursor: str | None
    facets_approximate: bool = False  # counted over a capped sample of the matching rows
    # The unfiltered count or facets are the last computed ones while newer ones are being
    # computed in the background (the data changed since, e.g. during a sync).
    facets_stale: bool = False
    # ``count`` is not exact: a lower bound (counting stopped at facets.COUNT_CAP matches) or,
    # with ``count_estimated``, an estimate scaled up from a stratum of the matches.
    count_approximate: bool = False
    count_estimated: bool = False
    limit: int = DEFAULT_LIMIT
    limit_asked: int | None = None  # set when the asked page size was above MAX_LIMIT and was capped

    def to_dict(self) -> dict[str, Any]:
        """The JSON body shared by `/models.json` and `/api/v1/models`."""
        return {"ok": True, "count": self.count, "count_approximate": self.count_approximate,
                "count_estimated": self.count_estimated, "data": self.data, "facets": self.facets,
                "facets_approximate": self.facets_approximate, "facets_stale": self.facets_stale,
                "next_cursor": self.next_cursor, "limit": self.limit,
                **({"limit_capped": f"limit {self.limit_asked} is above the maximum of {MAX_LIMIT}; pages hold "
                                    f"{MAX_LIMIT} models"} if self.limit_asked else {})}


def search(session: Session, params: SearchParams, *, team_id: int | None = None,
           with_facets: bool = True) -> SearchResult:
    """Run a search: one page of rows, the total count and (unless asked not to) the facets.

    Args:
        team_id: the viewer's team; rows then carry its current flag and ``flag=`` filters work.
        with_facets: False skips facet counting (the API's cheap path, CSV export).

    Raises:
        InvalidQuery: ``flag`` was given without a team, or the cursor is unusable.
    """
    conditions = Conditions.of(session, params, team_id=team_id)
    stale: set[str] = set()
    capped: set[str] = set()
    matched: list[int] = []
    count = total_count(session, params, conditions, team_id=team_id, stale=stale, approximate=capped,
                        matched=matched)
    if matched:
        conditions = conditions.matching(matched, complete=not capped and count <= SORT_WALK_THRESHOLD)
    # A capped count stands for more matches than it says: their page walks the sort index.
    rows, next_cursor = _page(session, params, conditions.for_page(count + 1 if capped else count))
    data = describe_rows(session, rows, team_id=team_id)
    facets: dict[str, dict[str, Any]] = {}
    approximate = False
    if with_facets:
        facets, approximate = facet_counts(session, params, conditions, team_id=team_id, count=count,
                                           stale=stale)
    return SearchResult(data=data, count=count, facets=facets, next_cursor=next_cursor,
                        facets_approximate=approximate or bool(capped), facets_stale=bool(stale),
                        count_approximate=bool(capped), count_estimated="estimate" in capped, limit=params.limit,
                        limit_asked=params.limit_asked)


def iter_search(session: Session, params: SearchParams, *, team_id: int | None = None,
                batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every row matching the search, in its sort order, fetched page by page (CSV export)."""
    conditions = Conditions.of(session, params, team_id=team_id)
    where = conditions.for_page(total_count(session, params, conditions, team_id=team_id))
    page_params = params.with_(limit=batch, cursor=None)
    while True:
        rows, next_cursor = _page(session, page_params, where)
        yield from describe_rows(session, rows, team_id=team_id)
        if next_cursor is None:
            return
        page_params = page_params.with_(cursor=next_cursor)


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
    name, _ = SORTS[key]
    column = getattr(S, name)
    descending = params.sort.startswith("-")
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


