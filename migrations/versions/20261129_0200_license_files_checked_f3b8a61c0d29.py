"""Remember the revision at which each model's license files were last looked at.

Why: the license-file pass after every ``catalog sync`` walked the whole catalogue, decoding each
live model's file list and license fields to decide whether it had anything to read. On 100k
models a sync in which nothing changed spent ~10 s of CPU there (64 s wall on a busy machine),
against well under a second for the listing itself. With ``license_files_checked`` the pass asks
the database for the models whose revision it has not looked at yet (new ones, ones with a new
commit, ones a killed pass did not reach) and leaves the rest alone.

A plain ``ADD COLUMN`` on both engines (SQLite adds it without rebuilding the table, so the
full-text and projection triggers are untouched). Existing rows start at NULL: the first pass
after the upgrade looks at every model once, as every pass did before.

Revision ID: f3b8a61c0d29
Revises: e5a0c9d41b27
Create Date: 2026-11-29 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3b8a61c0d29"
down_revision: str | None = "e5a0c9d41b27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("hub_models", sa.Column(
        "license_files_checked", sa.String(64), nullable=True,
        comment="revision the license-file pass last looked at; NULL: never"))


def downgrade() -> None:
    # Not a batch rebuild: on SQLite that would drop the table's triggers. SQLite 3.35+ drops
    # a column in place, as revision c41d7e2b9f03's downgrade does.
    op.drop_column("hub_models", "license_files_checked")
