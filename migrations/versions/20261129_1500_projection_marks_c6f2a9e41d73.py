"""Finding codes and weight formats on the search projection: ``finding_mask``, ``format_mask``.

Why: a search's facet counts for findings and formats joined each of its sampled models (up to
2,001) to ``audit_findings`` and ``hub_model_formats``, an index lookup per model and table. On
PostgreSQL that was most of a facet query (100k models: 12.4 ms, of which 7.6 ms the two joins;
SQLite 6.5 ms, 3.7 ms). Each projection row now carries one bit per finding code and per format
the model has, so the sample's counts are ``GROUP BY mask`` over its own rows (+0.7 / +0.8 ms),
and ``finding=none`` is ``finding_mask = 0`` on a partial index instead of an anti-join over
every live model (250 ms at 1M models).

What it creates, on both engines:

- the two BIGINT columns (0 = nothing), filled from the existing rows;
- ``ix_hub_model_search_no_findings``: the models whose ``finding_mask`` is 0 (keyed by the mask:
  SQLite's planner, which has no statistics, then sees an equality it can seek);
- triggers on ``audit_findings`` and ``hub_model_formats`` that keep the masks: an inserted
  row ORs its bit in; a deleted (or updated) row has its model's mask recomputed from what is
  left. SQLite: row triggers. PostgreSQL: one statement-level trigger per table and operation,
  over the statement's transition table (a page's COPY of 1,700 findings is one UPDATE, not
  1,700 function calls). They stand aside while the transaction holds the ``app_settings``
  row ``marks_deferred``: a sync page, which rewrites a model's formats and findings in four
  statements, writes the masks itself once at the end (catalog.db.marks.defer).

The bit of a value is its position in the lists below (catalog.db.marks repeats them; a
migration must not import application code). A value not listed sets bit 62 ("other"), so
that a mask of 0 always means "none at all". Adding a finding code or a format therefore
takes a migration that recreates these triggers with the longer list and refills the masks.

A bulk load that suspends the search triggers suspends these too (catalog.db.search_maintenance,
which then fills the masks as it rebuilds the projection).

Revision ID: c6f2a9e41d73
Revises: b4d17c9e3a62
Create Date: 2026-11-29 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c6f2a9e41d73"
down_revision: str | None = "b4d17c9e3a62"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "hub_model_search"
FINDING_BITS = (
    "license-missing", "license-unknown", "license-multiple", "non-commercial", "use-restrictions",
    "attribution-required", "share-alike", "source-disclosure", "user-threshold", "revenue-threshold",
    "naming-requirement", "output-restrictions", "gated", "base-license-conflict", "license-changed",
    "pickle-weights", "territory-restrictions", "base-not-catalogued",
    "license-detected", "license-text-mismatch", "license-text-unrecognised",
)
FORMAT_BITS = ("safetensors", "gguf", "onnx", "pickle", "tensorflow", "flax")
OTHER = 1 << 62
# A transaction that writes the masks itself (a sync page) holds this row while it does.
_DEFERRED = "EXISTS (SELECT 1 FROM app_settings WHERE key = 'marks_deferred')"
# mask column -> (table, its value column, the value list, trigger name part)
_MARKS = {
    "finding_mask": ("audit_findings", "code", FINDING_BITS, "finding"),
    "format_mask": ("hub_model_formats", "format", FORMAT_BITS, "format"),
}


def _bit(column: str, values: Sequence[str]) -> str:
    whens = " ".join(f"WHEN '{value}' THEN {1 << i}" for i, value in enumerate(values))
    return f"(CASE {column} {whens} ELSE {OTHER} END)"


def _aggregate(expression: str, postgresql: bool) -> str:
    # Distinct single bits summed are their OR; SQLite has no bit_or aggregate.
    return f"bit_or({expression})" if postgresql else f"sum(DISTINCT {expression})"


def _recomputed(mask: str, model_id: str, postgresql: bool) -> str:
    """The mask of one model from its rows as they are now (0 when it has none)."""
    table, column, values, _ = _MARKS[mask]
    return (f"coalesce((SELECT {_aggregate(_bit(column, values), postgresql)} FROM {table} "
            f"WHERE {table}.model_id = {model_id}), 0)")


def _sqlite_triggers(mask: str) -> list[str]:
    table, column, values, name = _MARKS[mask]
    recompute = "UPDATE {t} SET {m} = {v} WHERE model_id = {r}.model_id;"

    def again(row: str) -> str:
        return recompute.format(t=TABLE, m=mask, v=_recomputed(mask, f"{row}.model_id", False), r=row)

    unless = f"WHEN NOT {_DEFERRED}"
    return [
        (f"CREATE TRIGGER {TABLE}_{name}_insert AFTER INSERT ON {table} {unless} BEGIN "
         f"UPDATE {TABLE} SET {mask} = {mask} | {_bit('new.' + column, values)} WHERE model_id = new.model_id; END"),
        f"CREATE TRIGGER {TABLE}_{name}_delete AFTER DELETE ON {table} {unless} BEGIN {again('old')} END",
        (f"CREATE TRIGGER {TABLE}_{name}_update AFTER UPDATE OF model_id, {column} ON {table} {unless} BEGIN "
         f"{again('old')} {again('new')} END"),
    ]


def _postgresql_objects(mask: str) -> list[str]:
    table, column, values, name = _MARKS[mask]
    function = f"{TABLE}_{name}_marks"

    def recompute(ids: str) -> str:
        return (f"UPDATE {TABLE} AS s SET {mask} = m.mask FROM (SELECT c.model_id, "
                f"{_recomputed(mask, 'c.model_id', True)} AS mask FROM ({ids}) AS c) AS m "
                f"WHERE s.model_id = m.model_id AND s.{mask} <> m.mask")

    added = (f"UPDATE {TABLE} AS s SET {mask} = s.{mask} | m.mask FROM (SELECT model_id, "
             f"bit_or({_bit(column, values)}) AS mask FROM new_rows GROUP BY model_id) AS m "
             f"WHERE s.model_id = m.model_id AND s.{mask} | m.mask <> s.{mask}")
    # EXECUTE: planned at each call. A plan PL/pgSQL caches is made once per connection; made
    # while the projection was small, it scanned the whole projection at every later call (the
    # plan auto_explain showed for a 20k-model load), a cost that grows with the catalogue.
    return [
        f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF {_DEFERRED} THEN
                RETURN NULL;
            ELSIF TG_OP = 'INSERT' THEN
                EXECUTE $q${added}$q$;
            ELSIF TG_OP = 'DELETE' THEN
                EXECUTE $q${recompute('SELECT DISTINCT model_id FROM old_rows')}$q$;
            ELSE
                EXECUTE $q${recompute('SELECT model_id FROM old_rows UNION SELECT model_id FROM new_rows')}$q$;
            END IF;
            RETURN NULL;
        END $$""",
        (f"CREATE TRIGGER {TABLE}_{name}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
         f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"),
        (f"CREATE TRIGGER {TABLE}_{name}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
         f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"),
        # A trigger with transition tables cannot name columns (UPDATE OF): any update recomputes.
        (f"CREATE TRIGGER {TABLE}_{name}_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows "
         f"NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()"),
    ]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for mask, (_, _, _, name) in _MARKS.items():
        what = "finding code" if name == "finding" else "weight format"
        op.add_column(TABLE, sa.Column(mask, sa.BigInteger(), server_default=sa.text("0"), nullable=False,
                                       comment=f"catalog.db.marks: a bit per {what} the model has"))
    op.execute(f"UPDATE {TABLE} SET " + ", ".join(
        f"{mask} = {_recomputed(mask, f'{TABLE}.model_id', postgresql)}" for mask in _MARKS))
    op.create_index("ix_hub_model_search_no_findings", TABLE, ["finding_mask", "model_id"], unique=False,
                    sqlite_where=sa.text("finding_mask = 0"), postgresql_where=sa.text("finding_mask = 0"))
    for mask in _MARKS:
        for statement in _postgresql_objects(mask) if postgresql else _sqlite_triggers(mask):
            op.execute(statement)
    if postgresql:
        op.execute(f"ANALYZE {TABLE}")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for mask, (table, _, _, name) in _MARKS.items():
        for operation in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}_{operation}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_{name}_marks()")
    op.drop_index("ix_hub_model_search_no_findings", table_name=TABLE)
    for mask in _MARKS:
        # SQLite drops a column in place (3.35+) as long as no index or trigger names it.
        op.drop_column(TABLE, mask)
