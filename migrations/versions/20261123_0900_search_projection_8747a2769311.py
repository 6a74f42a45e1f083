"""Search projection: ``hub_model_search``, a narrow copy of the columns search reads.

Why: filtering, facet counting and keyset paging read ``hub_models`` rows, which carry JSON
file lists and card data; at a million models reading those wide rows was most of the search
time (p95 ~1.5 s at 100k models on SQLite). The projection holds ~15 short columns per model
with the indexes the sort orders and facets need.

Why triggers rather than Python: ``hub_models`` is written by sync (insert, full update,
counter-only update, removal marking), by derivation (license columns), by ``catalog sync
--model`` stubs and by hand in tests and maintenance. A trigger follows every one of those
writes, in the same transaction, and cannot be forgotten by the next writer.

- SQLite: one INSERT trigger, two UPDATE triggers (the download/like counters that every
  sync refreshes touch only the two counter indexes; the others fire only when a projected
  column really changed) and a DELETE trigger (the foreign key cascades too, but only on
  connections that enabled foreign keys).
- PostgreSQL: one PL/pgSQL function behind an INSERT and an UPDATE trigger; deletes cascade.

The size bucket boundaries repeat catalog.search.params.SIZE_BUCKETS (a migration must not
import application code that may change later); change both together, with a migration.

Existing rows are copied by the upgrade; the indexes are built after the copy (faster than
maintaining them row by row).

Revision ID: 8747a2769311
Revises: 067fe918344c
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8747a2769311"
down_revision: str | None = "067fe918344c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "hub_model_search"
# projection column -> SQL over a hub_models row; "{r}" is the row ("new." in triggers, "" in the copy).
_COLUMNS = {
    "model_id": "{r}id",
    "removed": "{r}removed_at IS NOT NULL",
    "name": "{r}repo_id",
    "author": "{r}author",
    "license_id": "{r}license_id",
    "license_category": "{r}license_category",
    "pipeline_tag": "{r}pipeline_tag",
    "library_name": "{r}library_name",
    "gated": "{r}gated",
    "size_bucket": (
        "CASE WHEN {r}parameters_total IS NULL THEN 'unknown'"
        " WHEN {r}parameters_total < 1000000000 THEN '<1B'"
        " WHEN {r}parameters_total < 3000000000 THEN '1-3B'"
        " WHEN {r}parameters_total < 10000000000 THEN '3-10B'"
        " WHEN {r}parameters_total < 30000000000 THEN '10-30B'"
        " WHEN {r}parameters_total < 100000000000 THEN '30-100B'"
        " ELSE '>100B' END"
    ),
    "parameters_total": "{r}parameters_total",
    "downloads": "{r}downloads",
    "likes": "{r}likes",
    "last_modified": "{r}last_modified",
}
_COUNTERS = ("downloads", "likes")
# hub_models columns the projection reads, besides the counters.
_SOURCES = ("removed_at", "repo_id", "author", "license_id", "license_category", "pipeline_tag",
            "library_name", "gated", "parameters_total", "last_modified")
_INDEXES = {
    "downloads": ["downloads", "model_id"],
    "likes": ["likes", "model_id"],
    "parameters": ["parameters_total", "model_id"],
    "last_modified": ["last_modified", "model_id"],
    "name": ["name", "model_id"],
    "license": ["license_id", "removed"],
    "category": ["license_category", "removed"],
    "task": ["pipeline_tag", "removed"],
    "library": ["library_name", "removed"],
    "author": ["author", "removed"],
    "gated": ["gated", "removed"],
    "size": ["size_bucket", "removed"],
    "removed": ["removed"],
}
_SQLITE_TRIGGERS = ("hub_model_search_insert", "hub_model_search_update", "hub_model_search_counters",
                    "hub_model_search_delete")


def _values(row: str, columns: Sequence[str] = tuple(_COLUMNS)) -> list[str]:
    return [_COLUMNS[c].format(r=row) for c in columns]


def _assignments(row: str, columns: Sequence[str]) -> str:
    return ", ".join(f"{c} = {v}" for c, v in zip(columns, _values(row, columns), strict=True))


def _changed(sources: Sequence[str], distinct: str) -> str:
    return " OR ".join(f"old.{c} {distinct} new.{c}" for c in sources)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False, comment="hub_models.removed_at IS NOT NULL"),
        sa.Column("name", sa.String(length=200), nullable=False, comment="hub_models.repo_id (the name sort)"),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("license_id", sa.String(length=100), nullable=True),
        sa.Column("license_category", sa.String(length=20), nullable=False),
        sa.Column("pipeline_tag", sa.String(length=100), nullable=True),
        sa.Column("library_name", sa.String(length=100), nullable=True),
        sa.Column("gated", sa.String(length=10), nullable=False),
        sa.Column("size_bucket", sa.String(length=8), nullable=False,
                  comment="catalog.search.params.SIZE_VALUES of parameters_total"),
        sa.Column("parameters_total", sa.BigInteger(), nullable=True),
        sa.Column("downloads", sa.BigInteger(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("last_modified", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["model_id"], ["hub_models.id"], name=op.f("fk_hub_model_search_model_id_hub_models"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("model_id", name=op.f("pk_hub_model_search")),
    )
    columns = ", ".join(_COLUMNS)
    op.execute(f"INSERT INTO {TABLE} ({columns}) SELECT {', '.join(_values(''))} FROM hub_models")
    for name, index_columns in _INDEXES.items():
        op.create_index(f"ix_{TABLE}_{name}", TABLE, index_columns, unique=False)

    if op.get_bind().dialect.name == "postgresql":
        others = [c for c in _COLUMNS if c != "model_id"]
        op.execute(f"""
            CREATE FUNCTION {TABLE}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO {TABLE} ({columns}) VALUES ({', '.join(_values('NEW.'))});
                ELSE
                    UPDATE {TABLE} SET {_assignments('NEW.', others)} WHERE model_id = NEW.id;
                END IF;
                RETURN NULL;
            END $$""")
        op.execute(f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON hub_models "
                   f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_sync()")
        sources = (*_SOURCES, *_COUNTERS)
        op.execute(f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF {', '.join(sources)} ON hub_models "
                   f"FOR EACH ROW WHEN ({_changed(sources, 'IS DISTINCT FROM')}) EXECUTE FUNCTION {TABLE}_sync()")
        op.execute(f"ANALYZE {TABLE}")  # so that the first searches already plan with real row counts
        return

    rest = [c for c in _COLUMNS if c not in ("model_id", *_COUNTERS)]
    op.execute(f"CREATE TRIGGER hub_model_search_insert AFTER INSERT ON hub_models BEGIN "
               f"INSERT INTO {TABLE} ({columns}) VALUES ({', '.join(_values('new.'))}); END")
    op.execute(f"CREATE TRIGGER hub_model_search_update AFTER UPDATE OF {', '.join(_SOURCES)} ON hub_models "
               f"WHEN {_changed(_SOURCES, 'IS NOT')} BEGIN "
               f"UPDATE {TABLE} SET {_assignments('new.', rest)} WHERE model_id = new.id; END")
    op.execute(f"CREATE TRIGGER hub_model_search_counters AFTER UPDATE OF {', '.join(_COUNTERS)} ON hub_models "
               f"WHEN {_changed(_COUNTERS, 'IS NOT')} BEGIN "
               f"UPDATE {TABLE} SET {_assignments('new.', _COUNTERS)} WHERE model_id = new.id; END")
    op.execute(f"CREATE TRIGGER hub_model_search_delete AFTER DELETE ON hub_models BEGIN "
               f"DELETE FROM {TABLE} WHERE model_id = old.id; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_insert ON hub_models")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_update ON hub_models")
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_sync()")
    else:
        for trigger in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_table(TABLE)
