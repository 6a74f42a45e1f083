"""Search maintenance: suspend the search indexes' upkeep for a first load, rebuild them after.

The full-text index and the search projection (``hub_model_search``) follow ``hub_models``
through triggers (migrations 067fe918344c and 8747a2769311), and the projection's finding and
format masks follow ``audit_findings`` and ``hub_model_formats`` (c6f2a9e41d73). Row by row those triggers cost a
first load of a catalogue more than everything else it does together (README, Benchmarks >
Sync). A first load therefore suspends them, and this module then rebuilds both with one
set-based statement each and creates the projection's indexes after the fill.

Crash safety: the suspension is recorded in ``app_settings`` (key :data:`STATE_KEY`) in the
same transaction that drops the triggers and indexes, together with the statements that
recreate them exactly as the database had them. Whoever finds the record afterwards (the
resumed run at its end; any other sync before it writes) calls :func:`restore`, which rebuilds
and recreates in one transaction. Restoring while the suspending run is still loading is safe
too: the rows it committed are rebuilt, the triggers cover the rest.

The projection's columns below repeat the migration's trigger expressions (a migration must
not be imported by application code); tests/crawl/test_bulk_load.py compares a bulk-loaded
catalogue with a trigger-maintained one, table by table, on both engines.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog.db.marks import SOURCES, aggregate

STATE_KEY = "search_maintenance"
PROJECTION = "hub_model_search"

# projection column -> SQL over a hub_models row (as in migration 8747a2769311).
_PROJECTION = {
    "model_id": "id",
    "removed": "removed_at IS NOT NULL",
    "name": "repo_id",
    "author": "author",
    "license_id": "license_id",
    "license_category": "license_category",
    "pipeline_tag": "pipeline_tag",
    "library_name": "library_name",
    "gated": "gated",
    "size_bucket": (
        "CASE WHEN parameters_total IS NULL THEN 'unknown'"
        " WHEN parameters_total < 1000000000 THEN '<1B'"
        " WHEN parameters_total < 3000000000 THEN '1-3B'"
        " WHEN parameters_total < 10000000000 THEN '3-10B'"
        " WHEN parameters_total < 30000000000 THEN '10-30B'"
        " WHEN parameters_total < 100000000000 THEN '30-100B'"
        " ELSE '>100B' END"
    ),
    "parameters_total": "parameters_total",
    "downloads": "downloads",
    "likes": "likes",
    "last_modified": "last_modified",
}
# PostgreSQL keeps the searched words on the projection row too (migration b4d17c9e3a62), through
# the one function that defines them; its GIN index is one of the projection's indexes.
_PG_DOCUMENT = {"fts_document": "hub_model_search_document(repo_id, author, tags, card_data)"}
# The triggers that maintain search (SQLite: full text and projection; PostgreSQL: projection),
# on these tables (the masks' triggers are on their value tables, migration c6f2a9e41d73).
_TRIGGER_PREFIXES = ("hub_models_fts_", "hub_model_search_")
_TRIGGER_TABLES = ("hub_models", *(table for table, _, _ in SOURCES.values()))


def suspended_by(session: Session) -> int | None:
    """The sync run that suspended search maintenance, or None when it is running normally."""
    raw = session.execute(text("SELECT value FROM app_settings WHERE key = :k"), {"k": STATE_KEY}).scalar()
    return json.loads(raw)["run"] if raw else None


def suspend(session: Session, run_id: int) -> None:
    """Drop the search triggers and the projection's indexes (the full-text ones included) for a
    first load by ``run_id``.

    Call in the transaction that opens the load, on an empty catalogue (the projection and the
    full-text index are then empty and stay so until :func:`restore`).
    """
    if session.get_bind().dialect.name == "postgresql":
        drops, restores = _postgresql_objects(session)
    else:
        drops, restores = _sqlite_objects(session)
    # The record first: on SQLite a DML statement is what opens the transaction (the driver
    # would run DDL issued before it in autocommit mode, outside the record's transaction).
    session.execute(text("INSERT INTO app_settings (key, value) VALUES (:k, :v)"),
                    {"k": STATE_KEY, "v": json.dumps({"run": run_id, "restore": restores})})
    for statement in drops:
        session.execute(text(statement))


def restore(session: Session) -> bool:
    """Rebuild the projection and full-text index from ``hub_models`` and recreate what
    :func:`suspend` dropped, if search maintenance is suspended. Returns whether it was.

    PostgreSQL's planner statistics are the caller's to refresh (a sync does after a load).
    """
    raw = session.execute(text("SELECT value FROM app_settings WHERE key = :k"), {"k": STATE_KEY}).scalar()
    if raw is None:
        return False
    state: dict[str, Any] = json.loads(raw)
    postgresql = session.get_bind().dialect.name == "postgresql"
    # DML first for the same reason as in suspend().
    session.execute(text("DELETE FROM app_settings WHERE key = :k"), {"k": STATE_KEY})
    session.execute(text(f"DELETE FROM {PROJECTION}"))
    columns = {**_PROJECTION, **_PG_DOCUMENT} if postgresql else _PROJECTION
    # Each model's masks from its findings and formats, grouped once per table and joined.
    masks, joins = {}, []
    for mask, (table, column, bits) in SOURCES.items():
        joins.append(f"LEFT JOIN (SELECT model_id AS {mask}_model, {aggregate(column, bits, postgresql=postgresql)} "
                     f"AS {mask}_bits FROM {table} "
                     f"GROUP BY model_id) AS {mask}_of ON {mask}_of.{mask}_model = hub_models.id")
        masks[mask] = f"coalesce({mask}_of.{mask}_bits, 0)"
    columns = {**columns, **masks}
    session.execute(text(f"INSERT INTO {PROJECTION} ({', '.join(columns)}) "
                         f"SELECT {', '.join(columns.values())} FROM hub_models {' '.join(joins)}"))
    if not postgresql:
        # External-content FTS5 re-reads every row of its content view.
        session.execute(text("INSERT INTO hub_models_fts (hub_models_fts) VALUES ('rebuild')"))
    for statement in state["restore"]:  # indexes after the fill: built once, not row by row
        session.execute(text(statement))
    return True


def _sqlite_objects(session: Session) -> tuple[list[str], list[str]]:
    """(drop statements, statements recreating exactly what they drop) on SQLite."""
    rows = session.execute(text(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
        "((type = 'trigger' AND tbl_name IN (SELECT value FROM json_each(:tables))) "
        "OR (type = 'index' AND tbl_name = :projection))"
    ), {"projection": PROJECTION, "tables": json.dumps(_TRIGGER_TABLES)}).all()
    objects = [r for r in rows if r.type == "index" or r.name.startswith(_TRIGGER_PREFIXES)]
    return ([f'DROP {r.type.upper()} "{r.name}"' for r in objects],
            [r.sql for r in sorted(objects, key=lambda r: r.type)])  # indexes, then triggers


def _postgresql_objects(session: Session) -> tuple[list[str], list[str]]:
    """(drop statements, statements recreating exactly what they drop) on PostgreSQL."""
    indexes = session.execute(text(
        "SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE NOT x.indisprimary AND "
        "x.indrelid = CAST(:projection AS regclass)"
    ), {"projection": PROJECTION}).all()
    triggers = session.execute(text(
        "SELECT c.relname AS table, t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE c.oid = ANY(CAST(:tables AS regclass[])) AND NOT t.tgisinternal AND t.tgenabled <> 'D'"
    ), {"tables": "{" + ",".join(_TRIGGER_TABLES) + "}"}).all()
    triggers = [t for t in triggers if t.name.startswith(_TRIGGER_PREFIXES)]
    drops = [f'DROP INDEX "{i.name}"' for i in indexes] + \
        [f'ALTER TABLE "{t.table}" DISABLE TRIGGER "{t.name}"' for t in triggers]
    restores = [i.definition for i in indexes] + \
        [f'ALTER TABLE "{t.table}" ENABLE TRIGGER "{t.name}"' for t in triggers]
    return drops, restores
