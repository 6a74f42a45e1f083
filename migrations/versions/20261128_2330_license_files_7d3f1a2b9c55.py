"""License files a model ships and what they were identified as; decisions keep their hashes.

Why: a card's ``license`` field and the LICENSE file a repository ships can disagree, and a bare
``license: other`` says nothing. ``model_license_files`` keeps, per model and file, the revision
it was read at, its ETag (to fetch only what changed), the sha256 of its text and the license the
text was identified as with its score. ``license_texts`` keeps each distinct text by sha256: the
whole text only when its license lets it be copied, else its first lines. ``flags.license_texts``
records the hashes a team decision was taken on, so that a changed text makes it stale.

Revision ID: 7d3f1a2b9c55
Revises: 7d2e4a9c1b85
Create Date: 2026-11-28 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7d3f1a2b9c55"
down_revision: str | None = "7d2e4a9c1b85"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# JSONB on PostgreSQL (as catalog.db.JSONType), JSON text elsewhere.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "model_license_files",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False,
                  comment="file path; README.md#license: the card's license section"),
        sa.Column("revision", sa.String(length=64), nullable=True, comment="model sha the file was read at"),
        sa.Column("status", sa.String(length=12), nullable=False,
                  comment="ok | gated | private | not-found | too-large | missing | unreadable"),
        sa.Column("etag", sa.String(length=200), nullable=True, comment="the Hub's ETag, to fetch only what changed"),
        sa.Column("sha256", sa.String(length=64), nullable=True, comment="of the text; NULL: not read"),
        sa.Column("detected_license", sa.String(length=100), nullable=True,
                  comment="NULL: not recognised or not read"),
        sa.Column("detected_name", sa.String(length=100), nullable=True, comment="best-matching reference text"),
        sa.Column("score", sa.Float(), nullable=True, comment="similarity to it, 0..1"),
        sa.Column("also", JSON, nullable=False, comment="other licenses the text holds in full"),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["hub_models.id"],
                                name=op.f("fk_model_license_files_model_id_hub_models"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("model_id", "path", name=op.f("pk_model_license_files")),
    )
    op.create_index(op.f("ix_model_license_files_sha256"), "model_license_files", ["sha256"], unique=False)
    op.create_table(
        "license_texts",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("first_lines", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True, comment="NULL: the text may not be copied"),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_license_texts")),
    )
    op.add_column("flags", sa.Column("license_texts", JSON, nullable=True,
                                     comment="[{path, sha256}] of the license files at decision time; NULL: none read"))


def downgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.drop_column("license_texts")
    op.drop_table("license_texts")
    op.drop_index(op.f("ix_model_license_files_sha256"), table_name="model_license_files")
    op.drop_table("model_license_files")
