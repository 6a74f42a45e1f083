"""Renamed models: ``hub_model_aliases(alias, model_id, seen_at)`` and ``hub_models.hub_object_id``.

Why: the Hub renames repositories (``bert-base-uncased`` is now ``google-bert/bert-base-uncased``,
``meta-llama/Meta-Llama-3.1-8B-Instruct`` is ``meta-llama/Llama-3.1-8B-Instruct``) and answers
the old id with an HTTP 307 to the new one. Code keeps using the old ids for years, so `catalog
check` and `catalog show` must find a model by them; a sync records each redirect it follows.
``hub_models.hub_object_id`` keeps the Hub's ``_id``, which a rename does not change: a listing
item with an unknown repo id but a known ``_id`` is the renamed model, not a new one. The new
event kind ``renamed`` is only added to the comment of ``model_events.kind``.

Revision ID: c41d7e2b9f03
Revises: 5b1e9c7a2d40
Create Date: 2026-11-26 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c41d7e2b9f03"
down_revision: str | None = "5b1e9c7a2d40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_model_aliases",
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False, comment="when the Hub last redirected it"),
        sa.ForeignKeyConstraint(["model_id"], ["hub_models.id"], name=op.f("fk_hub_model_aliases_model_id_hub_models"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alias", name=op.f("pk_hub_model_aliases")),
    )
    op.create_index(op.f("ix_hub_model_aliases_model_id"), "hub_model_aliases", ["model_id"], unique=False)
    # Plain ALTER TABLE on both engines: a batch copy of hub_models would drop its search triggers.
    op.add_column("hub_models", sa.Column("hub_object_id", sa.String(length=24), nullable=True,
                                          comment="the Hub's _id: unchanged when the repo is renamed"))
    op.create_index(op.f("ix_hub_models_hub_object_id"), "hub_models", ["hub_object_id"], unique=False)
    _comment_kinds("license | sha | parameters | gated | removed | restored | renamed",
                   "license | sha | parameters | gated | removed | restored")


def downgrade() -> None:
    _comment_kinds("license | sha | parameters | gated | removed | restored",
                   "license | sha | parameters | gated | removed | restored | renamed")
    op.drop_index(op.f("ix_hub_models_hub_object_id"), table_name="hub_models")
    op.drop_column("hub_models", "hub_object_id")
    op.drop_index(op.f("ix_hub_model_aliases_model_id"), table_name="hub_model_aliases")
    op.drop_table("hub_model_aliases")


def _comment_kinds(comment: str, existing: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return  # SQLite keeps no column comments
    op.alter_column("model_events", "kind", existing_type=sa.String(length=16), existing_nullable=False,
                    comment=comment, existing_comment=existing)
