"""Full-text search over repo id, author, tags and the card's summary fields.

Written by hand because autogenerate cannot model either engine's full-text machinery
(migrations/env.py hides these objects from `alembic check`):

- SQLite: an FTS5 table ``hub_models_fts`` with *external content*: it stores only the
  index, not a second copy of the text. Its content is the view ``hub_models_fts_source``,
  which picks the card's summary fields out of its JSON; triggers on ``hub_models`` keep
  the index in step. The update trigger fires only for the indexed columns, so the download
  and like counters a sync refreshes on every model do not churn the index.
- PostgreSQL: a GIN index over a ``tsvector`` expression. No extra table or trigger; the
  query in catalog/search.py (``PG_DOCUMENT``) must repeat the expression exactly, or the
  planner cannot use the index. Words are split on non-alphanumerics first so both engines
  tokenise ids such as ``meta-llama/Llama-2-7b-hf`` the same way (the default PostgreSQL
  parser would read that as a file path). pg_trgm is not used: it needs a superuser for
  CREATE EXTENSION on many hosts, and word/prefix matching is what users type here.

Revision ID: 067fe918344c
Revises: 9132206d9b70
Create Date: 2026-11-22 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "067fe918344c"
down_revision: str | None = "9132206d9b70"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CARD_FIELDS = ("model_name", "description", "summary")

PG_DOCUMENT = (
    "to_tsvector('simple'::regconfig, regexp_replace(lower("
    "repo_id || ' ' || coalesce(author, '') || ' ' || coalesce(tags::text, '') || ' ' || "
    "coalesce(card_data ->> 'model_name', '') || ' ' || coalesce(card_data ->> 'description', '') || ' ' || "
    "coalesce(card_data ->> 'summary', '')), '[^[:alnum:]]+', ' ', 'g'))"
)


def _sqlite_columns(row: str) -> str:
    """The indexed values of one hub_models row, as the view and the triggers both compute them."""
    # The tags' JSON text is indexed as it is: the tokenizer drops the brackets and quotes.
    # (Flattening it with json_each would break FTS5's 'rebuild', which cannot read such a view.)
    tags = f"{row}tags"
    summary = " || ' ' || ".join(f"coalesce(json_extract({row}card_data, '$.{f}'), '')" for f in _CARD_FIELDS)
    return f"{row}repo_id, {row}author, {tags}, {summary}"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_fts_hub_models_document ON hub_models USING gin ({PG_DOCUMENT})")
        return
    op.execute(
        "CREATE VIEW hub_models_fts_source (id, repo_id, author, tags, summary) AS "
        f"SELECT id, {_sqlite_columns('')} FROM hub_models"
    )
    op.execute(
        "CREATE VIRTUAL TABLE hub_models_fts USING fts5(repo_id, author, tags, summary, "
        "content='hub_models_fts_source', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
    )
    insert_new = (
        "INSERT INTO hub_models_fts (rowid, repo_id, author, tags, summary) "
        f"VALUES (new.id, {_sqlite_columns('new.')});"
    )
    delete_old = (
        "INSERT INTO hub_models_fts (hub_models_fts, rowid, repo_id, author, tags, summary) "
        f"VALUES ('delete', old.id, {_sqlite_columns('old.')});"
    )
    op.execute(f"CREATE TRIGGER hub_models_fts_insert AFTER INSERT ON hub_models BEGIN {insert_new} END")
    op.execute(f"CREATE TRIGGER hub_models_fts_delete AFTER DELETE ON hub_models BEGIN {delete_old} END")
    op.execute(
        "CREATE TRIGGER hub_models_fts_update AFTER UPDATE OF repo_id, author, tags, card_data ON hub_models "
        f"BEGIN {delete_old} {insert_new} END"
    )
    op.execute("INSERT INTO hub_models_fts (hub_models_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_fts_hub_models_document")
        return
    for trigger in ("hub_models_fts_insert", "hub_models_fts_delete", "hub_models_fts_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS hub_models_fts")
    op.execute("DROP VIEW IF EXISTS hub_models_fts_source")
