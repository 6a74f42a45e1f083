"""Alembic environment: the schema comes from catalog.db.tables, the URL from catalog's Settings."""

from __future__ import annotations

from alembic import context

from catalog.config import Settings
from catalog.db import tables  # noqa: F401  (registers every table on Base.metadata)
from catalog.db.engine import Base, make_engine

target_metadata = Base.metadata

# Full-text search tables are created with raw SQL in migrations; autogenerate cannot model
# them, so `alembic check` must not report them (or SQLite's FTS5 shadow tables) as drift.
# Nor PostgreSQL's search document (a tsvector column of hub_model_search, named fts_*).
FTS_PREFIX = "hub_models_fts"


def include_object(obj, name, type_, reflected, compare_to):
    hidden_table = type_ == "table" and name and name.startswith(FTS_PREFIX)
    hidden_index = type_ == "index" and name and name.startswith("ix_fts_")
    hidden_column = type_ == "column" and name and name.startswith("fts_")
    return not (hidden_table or hidden_index or hidden_column)


def run_migrations() -> None:
    engine = context.config.attributes.get("engine") or make_engine(Settings().database_url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            # SQLite cannot ALTER most things in place; batch mode rebuilds the table.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit(
        "catalog migrations run online only: set CATALOG_DATABASE_URL and run `catalog db upgrade`"
    )
run_migrations()
