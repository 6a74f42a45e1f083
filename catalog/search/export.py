"""CSV export of a search: the one implementation behind `/models.csv` and
`GET /api/v1/models?format=csv`, streamed so that a million rows never sit in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from catalog.search.query import SearchParams, iter_search, search

COLUMNS = ("id", "author", "license_id", "license_category", "parameters", "parameters_source", "task", "library",
           "downloads", "likes", "last_modified", "gated", "removed", "findings", "flag")
_FLUSH_EVERY = 200


def choose_columns(fields: tuple[str, ...] | None) -> tuple[str, ...]:
    """The columns for a ``fields=`` choice: ``license`` selects ``license_id`` and ``license_category``."""
    if not fields:
        return COLUMNS
    return tuple(c for c in COLUMNS if c in fields or c.split("_")[0] in fields)


def csv_values(row: dict[str, Any]) -> dict[str, Any]:
    """One search row (as `search()` returns it) flattened to CSV cells, safe for spreadsheets."""
    values = {
        "id": row["id"], "author": row["author"], "license_id": row["license"]["id"],
        "license_category": row["license"]["category"], "parameters": row["parameters"]["total"],
        "parameters_source": row["parameters"]["source"], "task": row["task"], "library": row["library"],
        "downloads": row["downloads"], "likes": row["likes"], "last_modified": row["last_modified"],
        "gated": row["gated"], "removed": row["removed"], "findings": " ".join(row["findings"]["codes"]),
        "flag": row["flag"],
    }
    return {k: _no_formula(v) for k, v in values.items()}


def csv_response(factory: sessionmaker[Session], params: SearchParams, *, team_id: int | None,
                 columns: tuple[str, ...] = COLUMNS) -> StreamingResponse:
    """Every model matching ``params`` as a streamed CSV download.

    Raises:
        InvalidQuery: a parameter is bad — raised before the first byte is sent, so the client
            gets a proper 400 instead of a truncated file.
    """
    with factory() as session:
        search(session, params.with_(limit=1), team_id=team_id, with_facets=False)

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        # The request's own session is closed before a streamed body is sent: open another.
        with factory() as session, session.begin():
            for n, row in enumerate(iter_search(session, params, team_id=team_id)):
                writer.writerow(csv_values(row))
                if n % _FLUSH_EVERY == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(rows(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="models.csv"'})


def _no_formula(value: Any) -> Any:
    # Hub text opened in a spreadsheet must not run as a formula (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
