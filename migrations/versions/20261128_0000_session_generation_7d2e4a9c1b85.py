"""Sessions that can be ended: ``users.session_generation``.

Why: session cookies were stateless for their whole lifetime (8 h), so a cookie copied before
`/logout`, a password change or a disabled account went on working. Each cookie now carries the
generation of its user at sign-in; logout, a password change and disabling bump it, and every
request compares the two.

Revision ID: 7d2e4a9c1b85
Revises: c41d7e2b9f03
Create Date: 2026-11-28 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d2e4a9c1b85"
down_revision: str | None = "c41d7e2b9f03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0",
                                     comment="bumped to end every session of the user"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
