"""Free text in a search: SQLite's FTS5 matches read once per search, PostgreSQL's search document.

Split from :mod:`catalog.search.plan`, which decides where the free text's condition drives
a query; this module writes that condition and reads the matches.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, false, func, literal_column, select, sql, text, true
from sqlalchemy.orm import Session

from catalog.db.tables import HubModelSearch
from catalog.search.params import fts_query

S = HubModelSearch
# The free text's matches of the search under way, read once from the FTS5 index into a table of
# the connection's own temporary database (SQLite; see Conditions.of).
TEXT_MATCHES = sql.table("search_text", sql.column("id", Integer), schema="temp")


def text_match(session: Session, q: str, model_id: Any) -> ColumnElement[bool]:
    """The condition that a model matches the free text ``q``; ``model_id`` is the projection's
    id column, as the planner shows it to SQLite (maybe hidden from its index choice)."""
    words = fts_query(q)
    if not words:
        return true() if not q.strip() else false()
    if session.get_bind().dialect.name == "postgresql":
        # The projection row's own search document (GIN-indexed): no join to the wide table.
        tsquery = " & ".join(words[:-1] + [words[-1] + ":*"])
        return PG_DOCUMENT.op("@@")(func.to_tsquery("simple", tsquery))
    # Driving, the ids are read in order from the table (as FTS5 yields them); hidden, each row
    # is looked up in it by id.
    return model_id.in_(select(TEXT_MATCHES.c.id))


def read_text_matches(session: Session, q: str) -> int:
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
                                    "WHERE hub_models_fts MATCH :match"), {"match": fts_match(q)})
    if idle:  # only the temporary table was written in it
        driver_connection.commit()
    return inserted.rowcount  # type: ignore[attr-defined]


def fts_match(q: str) -> str:
    """An FTS5 query: each word quoted as a string ("" escapes a quote); the last one matches as a prefix."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in fts_query(q)) + "*"


# PostgreSQL's search document of a model: a tsvector column of the projection, written by its
# triggers (migration 20261129_0200, which also defines the words it holds). Not mapped on
# HubModelSearch: SQLite has no such column (it searches its FTS5 index).
PG_DOCUMENT = literal_column(f"{S.__tablename__}.fts_document")


__all__ = ["PG_DOCUMENT", "TEXT_MATCHES", "fts_match", "read_text_matches", "text_match"]
