"""Initial schema: Hub models with raw and derived license fields, sync runs, events,
findings, and the accounts/flags/audit-log tables of the web catalogue.

Revision ID: 9132206d9b70
Revises:
Create Date: 2026-11-22 07:31:33.194055
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# JSONB on PostgreSQL (as catalog.db.JSONType), JSON text elsewhere.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "9132206d9b70"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_settings")),
    )
    op.create_table(
        "hub_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.String(length=200), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("sha", sa.String(length=64), nullable=True),
        sa.Column("hub_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("downloads", sa.BigInteger(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("pipeline_tag", sa.String(length=100), nullable=True),
        sa.Column("library_name", sa.String(length=100), nullable=True),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("gated", sa.String(length=10), nullable=False, comment="false | auto | manual"),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("card_data", JSON, nullable=True, comment="cardData as the Hub returned it; NULL: none"),
        sa.Column("files", JSON, nullable=False, comment="siblings' rfilenames"),
        sa.Column("license_raw", JSON, nullable=True, comment="cardData.license; NULL: not declared"),
        sa.Column("license_name_raw", JSON, nullable=True),
        sa.Column("license_link_raw", JSON, nullable=True),
        sa.Column("license_tags", JSON, nullable=False, comment="values of license:<id> tags"),
        sa.Column("license_id", sa.String(length=100), nullable=True, comment="NULL: missing or unknown"),
        sa.Column("license_ids", JSON, nullable=False),
        sa.Column("license_category", sa.String(length=20), nullable=False),
        sa.Column("license_status", sa.String(length=10), nullable=False),
        sa.Column(
            "derived_version",
            sa.String(length=64),
            nullable=True,
            comment="knowledge-base version the derived columns were computed with; NULL: never",
        ),
        sa.Column("parameters_total", sa.BigInteger(), nullable=True),
        sa.Column(
            "parameters_source",
            sa.String(length=12),
            nullable=True,
            comment="safetensors | gguf | name; NULL: unknown",
        ),
        sa.Column("parameters_by_dtype", JSON, nullable=True),
        sa.Column("formats", JSON, nullable=False),
        sa.Column("access", sa.String(length=10), nullable=False, comment="ok | gated | private | missing"),
        sa.Column("problems", JSON, nullable=False, comment="fields the Hub sent malformed, kept raw"),
        sa.Column(
            "content_hash", sa.String(length=64), nullable=True, comment="hash of the item minus counters"
        ),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_models")),
        sa.UniqueConstraint("repo_id", name=op.f("uq_hub_models_repo_id")),
    )
    op.create_index(op.f("ix_hub_models_author"), "hub_models", ["author"], unique=False)
    op.create_index(op.f("ix_hub_models_downloads"), "hub_models", ["downloads"], unique=False)
    op.create_index(op.f("ix_hub_models_last_modified"), "hub_models", ["last_modified"], unique=False)
    op.create_index(op.f("ix_hub_models_library_name"), "hub_models", ["library_name"], unique=False)
    op.create_index(op.f("ix_hub_models_license_category"), "hub_models", ["license_category"], unique=False)
    op.create_index(op.f("ix_hub_models_license_id"), "hub_models", ["license_id"], unique=False)
    op.create_index(op.f("ix_hub_models_likes"), "hub_models", ["likes"], unique=False)
    op.create_index(op.f("ix_hub_models_parameters_total"), "hub_models", ["parameters_total"], unique=False)
    op.create_index(op.f("ix_hub_models_pipeline_tag"), "hub_models", ["pipeline_tag"], unique=False)
    op.create_index(op.f("ix_hub_models_removed_at"), "hub_models", ["removed_at"], unique=False)
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False, comment="running | completed | failed"),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("scope", JSON, nullable=False),
        sa.Column("scope_key", sa.String(length=64), nullable=False),
        sa.Column(
            "cursor", sa.Text(), nullable=True, comment="path+query of the next page; NULL: start or done"
        ),
        sa.Column(
            "high_water", sa.DateTime(timezone=True), nullable=True, comment="newest lastModified seen"
        ),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("problems", JSON, nullable=False, comment="items the run could not ingest"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index("ix_sync_runs_scope_status", "sync_runs", ["scope_key", "status"], unique=False)
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "audit_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["hub_models.id"],
            name=op.f("fk_audit_findings_model_id_hub_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_findings")),
    )
    op.create_index("ix_audit_findings_code_model", "audit_findings", ["code", "model_id"], unique=False)
    op.create_index(op.f("ix_audit_findings_model_id"), "audit_findings", ["model_id"], unique=False)
    op.create_table(
        "hub_model_bases",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("base_repo_id", sa.String(length=200), nullable=False),
        sa.Column(
            "relation",
            sa.String(length=12),
            nullable=False,
            comment="finetune | adapter | merge | quantized | unknown",
        ),
        sa.Column("source", sa.String(length=8), nullable=False, comment="tags (newer, preferred) | card"),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["hub_models.id"],
            name=op.f("fk_hub_model_bases_model_id_hub_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", "base_repo_id", name=op.f("pk_hub_model_bases")),
    )
    op.create_index(
        op.f("ix_hub_model_bases_base_repo_id"), "hub_model_bases", ["base_repo_id"], unique=False
    )
    op.create_table(
        "hub_model_formats",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["hub_models.id"],
            name=op.f("fk_hub_model_formats_model_id_hub_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", "format", name=op.f("pk_hub_model_formats")),
    )
    op.create_index(op.f("ix_hub_model_formats_format"), "hub_model_formats", ["format"], unique=False)
    op.create_table(
        "model_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=16),
            nullable=False,
            comment="license | sha | parameters | gated | removed | restored",
        ),
        sa.Column("old", JSON, nullable=True),
        sa.Column("new", JSON, nullable=True),
        sa.Column("sha", sa.String(length=64), nullable=True, comment="revision the new value was seen at"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sync_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["hub_models.id"],
            name=op.f("fk_model_events_model_id_hub_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sync_run_id"],
            ["sync_runs.id"],
            name=op.f("fk_model_events_sync_run_id_sync_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_events")),
    )
    op.create_index(op.f("ix_model_events_model_id"), "model_events", ["model_id"], unique=False)
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=10), nullable=False, comment="viewer | reviewer | admin"),
        sa.Column(
            "password_hash",
            sa.String(length=200),
            nullable=True,
            comment="NULL: no password sign-in (SSO only)",
        ),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_users_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_index(op.f("ix_users_team_id"), "users", ["team_id"], unique=False)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "prefix",
            sa.String(length=16),
            nullable=False,
            comment="first characters, to recognise a token in lists",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "actor",
            sa.String(length=64),
            nullable=False,
            comment="user name, or cli:<os user> for CLI actions",
        ),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=True),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_table(
        "flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.String(length=64), nullable=True, comment="sha the decision was taken at"),
        sa.Column("license_ids", JSON, nullable=False, comment="licenses at decision time (staleness)"),
        sa.Column(
            "status",
            sa.String(length=24),
            nullable=False,
            comment="approved | approved-with-conditions | needs-review | restricted | banned",
        ),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_flags_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["model_id"], ["hub_models.id"], name=op.f("fk_flags_model_id_hub_models"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_flags_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flags")),
    )
    op.create_index(op.f("ix_flags_model_id"), "flags", ["model_id"], unique=False)
    op.create_index("ix_flags_team_model", "flags", ["team_id", "model_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("flags")
    op.drop_table("audit_log")
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("model_events")
    op.drop_table("hub_model_formats")
    op.drop_table("hub_model_bases")
    op.drop_table("audit_findings")
    op.drop_table("teams")
    op.drop_table("sync_runs")
    op.drop_table("hub_models")
    op.drop_table("app_settings")
