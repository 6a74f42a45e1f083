"""Counts no source records stay unknown: ``downloads`` and ``likes`` become nullable.

Why: the Hub (and the demo's fake Hub) leaves ``downloads``/``likes`` out of an item when it has
no value; storing that as 0 showed "0 downloads" as a fact on the model page, in the API and in
search. NULL now means "not recorded"; existing values are kept as they are (a 0 stored before
cannot be told apart from a real 0, so it stays; the next sync of the model replaces it).

Both ``hub_models`` and its search projection ``hub_model_search`` change; the projection's
triggers (revision 8747a2769311) copy the values as they are and already compare them with
``IS NOT`` / ``IS DISTINCT FROM``, so they need no change and are not touched.

- PostgreSQL: ``ALTER COLUMN ... DROP/SET NOT NULL``.
- SQLite: a batch rebuild of ``hub_models`` would drop its full-text and projection triggers
  and, with foreign keys on, cascade its DROP TABLE into every table that references it. SQLite
  documents a procedure for exactly this change instead ("Making Other Kinds Of Table Schema
  Changes" in https://www.sqlite.org/lang_altertable.html: removing NOT NULL constraints): edit
  the table's CREATE statement in ``sqlite_schema`` under ``writable_schema`` and bump
  ``schema_version``, in one transaction; no row is rewritten. The edit must change exactly the
  two column definitions, or the migration stops before writing anything.

The downgrade stores 0 for unknown counts (the old schema cannot say "unknown"), then restores
NOT NULL the same way.

Revision ID: e5a0c9d41b27
Revises: 7d3f1a2b9c55
Create Date: 2026-11-29 00:40:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e5a0c9d41b27"
down_revision: str | None = "7d3f1a2b9c55"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("hub_models", "hub_model_search")
COLUMNS = {"downloads": sa.BigInteger(), "likes": sa.Integer()}
_SQLITE_TYPES = {"downloads": "BIGINT", "likes": "INTEGER"}


def upgrade() -> None:
    _set_nullable(True)


def downgrade() -> None:
    for table in TABLES:
        for column in COLUMNS:
            op.execute(f"UPDATE {table} SET {column} = 0 WHERE {column} IS NULL")
    _set_nullable(False)


def _set_nullable(nullable: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        for table in TABLES:
            for column, type_ in COLUMNS.items():
                op.alter_column(table, column, existing_type=type_, nullable=nullable)
        return
    edited = {}
    for table in TABLES:
        sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                   (table,)).scalar_one()
        for column, type_ in _SQLITE_TYPES.items():
            old, new = (f"{column} {type_} NOT NULL", f"{column} {type_}")
            if nullable is False:
                old, new = new, old
            # The column definition ends at a comma or the closing parenthesis.
            sql, n = re.subn(rf"(?<![\w\"]){re.escape(old)}(?=\s*[,)])", new, sql)
            if n != 1:
                raise RuntimeError(f"{table}.{column}: expected one definition '{old}' in its CREATE TABLE, "
                                   f"found {n}; not editing the schema")
        edited[table] = sql
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        for table, sql in edited.items():
            bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table))
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    # The schema is read again after the version bump: check it says what was meant (a full
    # integrity_check would read every row, minutes at a million models, for a change to no row).
    for table in TABLES:
        notnull = {row[1]: bool(row[3]) for row in bind.exec_driver_sql(f"PRAGMA table_info({table})")}
        if any(notnull[column] == nullable for column in COLUMNS):
            raise RuntimeError(f"{table}: the edited schema does not read back as intended: {notnull}")
