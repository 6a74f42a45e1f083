"""PostgreSQL search document on the projection: ``hub_model_search.fts_document``.

Why: PostgreSQL matched free text against a GIN index over an expression of the WIDE
``hub_models`` row (revision 067fe918344c), then joined the matches back to the projection;
its search p95 was 3.6-4.6x SQLite's at 100k models. The words now sit on the narrow
projection row itself, as a stored ``tsvector`` with its own GIN index, so a query filters,
counts and pages one table.

What it creates (PostgreSQL only; SQLite keeps its FTS5 index and changes nothing):

- ``hub_model_search_document(repo_id, author, tags, card_data)``: the one definition of the
  searched text, IMMUTABLE, the same words as before (lower-cased, split on non-alphanumerics,
  the ``simple`` configuration, as SQLite's FTS5 tokenises them), each word once and without
  its positions (``strip``): search matches words and prefixes only, and positions would
  widen every projection row by a third (~70 bytes at the benchmark's corpus).
- the column ``hub_model_search.fts_document`` (hidden from ``alembic check`` like every
  ``fts_`` object, migrations/env.py) and its GIN index ``ix_fts_hub_model_search_document``.
- the projection's trigger function ``hub_model_search_sync()`` now also writes the document:
  on INSERT, and on UPDATE only when one of its four source columns changed (the counter
  updates every sync makes do not recompute it). The update trigger therefore also fires on
  ``tags`` and ``card_data``.
- existing rows are filled by one UPDATE; the old expression index on ``hub_models`` is dropped
  (nothing reads it any more, and every sync write paid for it).

A bulk load that suspends the triggers must fill the column with::

    UPDATE hub_model_search AS s
       SET fts_document = hub_model_search_document(h.repo_id, h.author, h.tags, h.card_data)
      FROM hub_models AS h WHERE h.id = s.model_id

The projected columns and the size buckets repeat revision 8747a2769311 (a migration must not
import code that may change later).

Revision ID: b4d17c9e3a62
Revises: f3b8a61c0d29
Create Date: 2026-11-29 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b4d17c9e3a62"
down_revision: str | None = "f3b8a61c0d29"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "hub_model_search"
DOCUMENT_SOURCES = ("repo_id", "author", "tags", "card_data")
_DOCUMENT_FUNCTION = f"""
    CREATE FUNCTION {TABLE}_document(repo_id text, author text, tags jsonb, card_data jsonb)
    RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT strip(to_tsvector('simple'::regconfig, regexp_replace(lower(
            repo_id || ' ' || coalesce(author, '') || ' ' || coalesce(tags::text, '') || ' ' ||
            coalesce(card_data ->> 'model_name', '') || ' ' || coalesce(card_data ->> 'description', '') || ' ' ||
            coalesce(card_data ->> 'summary', '')), '[^[:alnum:]]+', ' ', 'g')))
    $$"""
# The expression index of revision 067fe918344c, restored by the downgrade.
_OLD_INDEX = (
    "CREATE INDEX ix_fts_hub_models_document ON hub_models USING gin (to_tsvector('simple'::regconfig, "
    "regexp_replace(lower(repo_id || ' ' || coalesce(author, '') || ' ' || coalesce(tags::text, '') || ' ' || "
    "coalesce(card_data ->> 'model_name', '') || ' ' || coalesce(card_data ->> 'description', '') || ' ' || "
    "coalesce(card_data ->> 'summary', '')), '[^[:alnum:]]+', ' ', 'g')))"
)
# projection column -> SQL over the new hub_models row (revision 8747a2769311).
_COLUMNS = {
    "model_id": "NEW.id",
    "removed": "NEW.removed_at IS NOT NULL",
    "name": "NEW.repo_id",
    "author": "NEW.author",
    "license_id": "NEW.license_id",
    "license_category": "NEW.license_category",
    "pipeline_tag": "NEW.pipeline_tag",
    "library_name": "NEW.library_name",
    "gated": "NEW.gated",
    "size_bucket": (
        "CASE WHEN NEW.parameters_total IS NULL THEN 'unknown'"
        " WHEN NEW.parameters_total < 1000000000 THEN '<1B'"
        " WHEN NEW.parameters_total < 3000000000 THEN '1-3B'"
        " WHEN NEW.parameters_total < 10000000000 THEN '3-10B'"
        " WHEN NEW.parameters_total < 30000000000 THEN '10-30B'"
        " WHEN NEW.parameters_total < 100000000000 THEN '30-100B'"
        " ELSE '>100B' END"
    ),
    "parameters_total": "NEW.parameters_total",
    "downloads": "NEW.downloads",
    "likes": "NEW.likes",
    "last_modified": "NEW.last_modified",
}
# hub_models columns the projection reads (the update trigger fires on these).
_SOURCES = ("removed_at", "repo_id", "author", "license_id", "license_category", "pipeline_tag",
            "library_name", "gated", "parameters_total", "last_modified", "downloads", "likes")


def _document(row: str) -> str:
    return f"{TABLE}_document({', '.join(f'{row}{c}' for c in DOCUMENT_SOURCES)})"


def _sync_function(with_document: bool) -> str:
    """The projection's trigger function, with or without the search document."""
    columns = list(_COLUMNS)
    values = list(_COLUMNS.values())
    others = ", ".join(f"{c} = {v}" for c, v in _COLUMNS.items() if c != "model_id")
    update = f"UPDATE {TABLE} SET {others} WHERE model_id = NEW.id;"
    if with_document:
        columns.append("fts_document")
        values.append(_document("NEW."))
        old = ", ".join(f"OLD.{c}" for c in DOCUMENT_SOURCES)
        new = ", ".join(f"NEW.{c}" for c in DOCUMENT_SOURCES)
        update = (f"IF ({old}) IS DISTINCT FROM ({new}) THEN "
                  f"UPDATE {TABLE} SET {others}, fts_document = {_document('NEW.')} WHERE model_id = NEW.id; "
                  f"ELSE {update} END IF;")
    return f"""
        CREATE OR REPLACE FUNCTION {TABLE}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO {TABLE} ({', '.join(columns)}) VALUES ({', '.join(values)});
            ELSE
                {update}
            END IF;
            RETURN NULL;
        END $$"""


def _update_trigger(sources: Sequence[str]) -> str:
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in sources)
    return (f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF {', '.join(sources)} ON hub_models "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {TABLE}_sync()")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_DOCUMENT_FUNCTION)
    op.execute(f"ALTER TABLE {TABLE} ADD COLUMN fts_document tsvector")
    op.execute(f"UPDATE {TABLE} AS s SET fts_document = {_document('h.')} FROM hub_models AS h WHERE h.id = s.model_id")
    op.execute(_sync_function(with_document=True))
    op.execute(f"DROP TRIGGER {TABLE}_update ON hub_models")
    op.execute(_update_trigger((*_SOURCES, "tags", "card_data")))
    op.execute(f"CREATE INDEX ix_fts_{TABLE}_document ON {TABLE} USING gin (fts_document)")
    op.execute("DROP INDEX IF EXISTS ix_fts_hub_models_document")
    op.execute(f"ANALYZE {TABLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_OLD_INDEX)
    op.execute(f"DROP TRIGGER {TABLE}_update ON hub_models")
    op.execute(_update_trigger(_SOURCES))
    op.execute(_sync_function(with_document=False))
    op.execute(f"ALTER TABLE {TABLE} DROP COLUMN fts_document")  # drops its index too
    op.execute(f"DROP FUNCTION {TABLE}_document(text, text, jsonb, jsonb)")
