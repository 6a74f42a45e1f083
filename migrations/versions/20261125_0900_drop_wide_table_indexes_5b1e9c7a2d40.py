"""Drop the search indexes of the wide ``hub_models`` table.

Why: since revision 8747a2769311 every search, sort and count reads the narrow
``hub_model_search`` projection, which carries its own indexes. These nine single-column
indexes of ``hub_models`` were no longer read by any query, yet every sync write had to
maintain them. ``hub_models`` keeps its repo-id key and the author index (removal marking
of a full sync scoped by author).

Revision ID: 5b1e9c7a2d40
Revises: a3c51e0f7d24
Create Date: 2026-11-25 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5b1e9c7a2d40"
down_revision: str | None = "a3c51e0f7d24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("downloads", "last_modified", "library_name", "license_category", "license_id", "likes",
           "parameters_total", "pipeline_tag", "removed_at")


def upgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f"ix_hub_models_{column}", table_name="hub_models")


def downgrade() -> None:
    for column in COLUMNS:
        op.create_index(f"ix_hub_models_{column}", "hub_models", [column], unique=False)
