"""ORM tables. What the Hub declared is kept beside what catalog derived from it, so that
derivations (license resolution, findings) can be re-run without fetching again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.db.engine import Base, JSONType, utcnow

REPO_ID = String(200)
LICENSE_ID = String(100)


class HubModel(Base):
    """One model repository on the Hub, as last seen by a sync.

    Searching, sorting and counting read the narrow ``hub_model_search`` projection, which has
    the indexes; this wide table is looked up by id and repo id only, so that every sync write
    does not also maintain a dozen indexes nobody reads.
    """

    __tablename__ = "hub_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[str] = mapped_column(REPO_ID, unique=True)
    author: Mapped[str | None] = mapped_column(String(100), index=True)
    sha: Mapped[str | None] = mapped_column(String(64))
    hub_created_at: Mapped[datetime | None]
    last_modified: Mapped[datetime | None]
    # NULL: no source recorded the count (the Hub leaves it out); never stored as 0.
    downloads: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(Integer)
    pipeline_tag: Mapped[str | None] = mapped_column(String(100))
    library_name: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    gated: Mapped[str] = mapped_column(String(10), default="false", comment="false | auto | manual")
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    card_data: Mapped[dict[str, Any] | None] = mapped_column(comment="cardData as the Hub returned it; NULL: none")
    files: Mapped[list[Any]] = mapped_column(default=list, comment="siblings' rfilenames")

    # Raw license fields, exactly as declared (JSON: a card can hold a string, a list or garbage).
    license_raw: Mapped[Any | None] = mapped_column(
        JSONType, comment="cardData.license; NULL: not declared"
    )
    license_name_raw: Mapped[Any | None] = mapped_column(JSONType)
    license_link_raw: Mapped[Any | None] = mapped_column(JSONType)
    license_tags: Mapped[list[Any]] = mapped_column(default=list, comment="values of license:<id> tags")

    # Derived from the raw fields by catalog.licenses; recomputed when the knowledge base changes.
    license_id: Mapped[str | None] = mapped_column(LICENSE_ID, comment="NULL: missing or unknown")
    license_ids: Mapped[list[Any]] = mapped_column(default=list)
    license_category: Mapped[str] = mapped_column(String(20), default="unlicensed")
    license_status: Mapped[str] = mapped_column(String(10), default="missing")
    derived_version: Mapped[str | None] = mapped_column(
        String(64), comment="knowledge-base version the derived columns were computed with; NULL: never"
    )

    parameters_total: Mapped[int | None] = mapped_column(BigInteger)
    parameters_source: Mapped[str | None] = mapped_column(String(12), comment="safetensors | gguf | name; NULL: unknown")
    parameters_by_dtype: Mapped[dict[str, Any] | None]
    formats: Mapped[list[Any]] = mapped_column(default=list)

    access: Mapped[str] = mapped_column(String(10), default="ok", comment="ok | gated | private | missing")
    # Lets the license-file pass after a sync skip, in SQL, every model it already saw at its revision.
    license_files_checked: Mapped[str | None] = mapped_column(
        String(64), comment="revision the license-file pass last looked at; NULL: never")
    problems: Mapped[list[Any]] = mapped_column(default=list, comment="fields the Hub sent malformed, kept raw")
    content_hash: Mapped[str | None] = mapped_column(String(64), comment="hash of the item minus counters")
    hub_object_id: Mapped[str | None] = mapped_column(
        String(24), index=True, comment="the Hub's _id: unchanged when the repo is renamed")

    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_synced_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    last_seen_run_id: Mapped[int | None]

    bases: Mapped[list[BaseModelLink]] = relationship(
        back_populates="model", cascade="all, delete-orphan", order_by="BaseModelLink.base_repo_id"
    )
    events: Mapped[list[ModelEvent]] = relationship(
        back_populates="model", cascade="all, delete-orphan", order_by="ModelEvent.id"
    )
    findings: Mapped[list[AuditFinding]] = relationship(
        back_populates="model", cascade="all, delete-orphan", order_by="AuditFinding.id"
    )
    license_files: Mapped[list[ModelLicenseFile]] = relationship(
        cascade="all, delete-orphan", order_by="ModelLicenseFile.path"
    )


class BaseModelLink(Base):
    """A model's declared base: fine-tune, adapter, merge or quantized copy of another repo."""

    __tablename__ = "hub_model_bases"

    model_id: Mapped[int] = mapped_column(ForeignKey("hub_models.id", ondelete="CASCADE"), primary_key=True)
    base_repo_id: Mapped[str] = mapped_column(REPO_ID, primary_key=True, index=True)
    relation: Mapped[str] = mapped_column(String(12), comment="finetune | adapter | merge | quantized | unknown")
    source: Mapped[str] = mapped_column(String(8), comment="tags (newer, preferred) | card")

    model: Mapped[HubModel] = relationship(back_populates="bases")


class ModelFormat(Base):
    """One weight format present in a repository (a row per format, for facet counts)."""

    __tablename__ = "hub_model_formats"

    model_id: Mapped[int] = mapped_column(ForeignKey("hub_models.id", ondelete="CASCADE"), primary_key=True)
    format: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)


class ModelAlias(Base):
    """A former id of a model: the Hub redirects it (HTTP 307) to the model's current id."""

    __tablename__ = "hub_model_aliases"

    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("hub_models.id", ondelete="CASCADE"), index=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, comment="when the Hub last redirected it")


class ModelEvent(Base):
    """A change between two syncs: license fields, sha, parameter count, gating, removal."""

    __tablename__ = "model_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("hub_models.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), comment="license | sha | parameters | gated | removed | restored | renamed")
    old: Mapped[Any | None] = mapped_column(JSONType)
    new: Mapped[Any | None] = mapped_column(JSONType)
    sha: Mapped[str | None] = mapped_column(String(64), comment="revision the new value was seen at")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    sync_run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id", ondelete="SET NULL"))

    model: Mapped[HubModel] = relationship(back_populates="events")


class ModelLicenseFile(Base):
    """A license file a model ships (LICENSE, USE_POLICY.md, … or its card's license section), as
    read at ``revision``, and what its text was identified as (catalog.licenses.fingerprint)."""

    __tablename__ = "model_license_files"

    model_id: Mapped[int] = mapped_column(ForeignKey("hub_models.id", ondelete="CASCADE"), primary_key=True)
    path: Mapped[str] = mapped_column(String(300), primary_key=True,
                                      comment="file path; README.md#license: the card's license section")
    revision: Mapped[str | None] = mapped_column(String(64), comment="model sha the file was read at")
    status: Mapped[str] = mapped_column(
        String(12), comment="ok | gated | private | not-found | too-large | missing | unreadable")
    etag: Mapped[str | None] = mapped_column(String(200), comment="the Hub's ETag, to fetch only what changed")
    sha256: Mapped[str | None] = mapped_column(String(64), index=True, comment="of the text; NULL: not read")
    detected_license: Mapped[str | None] = mapped_column(LICENSE_ID, comment="NULL: not recognised or not read")
    detected_name: Mapped[str | None] = mapped_column(String(100), comment="best-matching reference text")
    score: Mapped[float | None] = mapped_column(Float, comment="similarity to it, 0..1")
    also: Mapped[list[Any]] = mapped_column(default=list, comment="other licenses the text holds in full")
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class LicenseText(Base):
    """A license text seen in some model, by sha256: the whole text only when its license lets it
    be copied, else its first lines (so a changed text can be shown, and compared, later)."""

    __tablename__ = "license_texts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    first_lines: Mapped[str] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text, comment="NULL: the text may not be copied")
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditFinding(Base):
    """A finding of catalog.compliance.audit about a model, replaced whenever the model is re-derived."""

    __tablename__ = "audit_findings"
    __table_args__ = (
        Index("ix_audit_findings_code_model", "code", "model_id"),
        # Covering: the finding facet and each page's findings summaries look up by model.
        Index("ix_audit_findings_model_code", "model_id", "code", "severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("hub_models.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)

    model: Mapped[HubModel] = relationship(back_populates="findings")


class SyncRun(Base):
    """One `catalog sync`: its scope, its resumable position and its counts."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_scope_status", "scope_key", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(12), default="running", comment="running | completed | failed")
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    scope: Mapped[dict[str, Any]] = mapped_column(default=dict)
    scope_key: Mapped[str] = mapped_column(String(64))
    cursor: Mapped[str | None] = mapped_column(Text, comment="path+query of the next page; NULL: start or done")
    high_water: Mapped[datetime | None] = mapped_column(comment="newest lastModified seen")
    pages: Mapped[int] = mapped_column(default=0)
    seen: Mapped[int] = mapped_column(default=0)
    new: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    removed: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[list[Any]] = mapped_column(default=list, comment="items the run could not ingest")


class Team(Base):
    """A group of users that takes decisions (flags) together."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """An account. Passwords are stored as argon2 hashes only."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="viewer", comment="viewer | reviewer | admin")
    password_hash: Mapped[str | None] = mapped_column(String(200), comment="NULL: no password sign-in (SSO only)")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    session_generation: Mapped[int] = mapped_column(
        default=0, server_default="0", comment="bumped to end every session of the user")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team | None] = relationship()


class ApiToken(Base):
    """A bearer token for the REST API, stored as a SHA-256 hash (shown once at creation)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), comment="first characters, to recognise a token in lists")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class Flag(Base):
    """A team's decision on a model at a revision. Never updated: each change is a new row."""

    __tablename__ = "flags"
    __table_args__ = (Index("ix_flags_team_model", "team_id", "model_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    model_id: Mapped[int] = mapped_column(ForeignKey("hub_models.id", ondelete="CASCADE"), index=True)
    revision: Mapped[str | None] = mapped_column(String(64), comment="sha the decision was taken at")
    license_ids: Mapped[list[Any]] = mapped_column(default=list, comment="licenses at decision time (staleness)")
    license_texts: Mapped[list[Any] | None] = mapped_column(
        JSONType, comment="[{path, sha256}] of the license files at decision time; NULL: none read")
    status: Mapped[str] = mapped_column(
        String(24), comment="approved | approved-with-conditions | needs-review | restricted | banned"
    )
    conditions: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship()
    author: Mapped[User | None] = relationship()
    model: Mapped[HubModel] = relationship()


class AuditLogEntry(Base):
    """Everything a user wrote: who, what, when, from where."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(64), comment="user name, or cli:<os user> for CLI actions")
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(300))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    address: Mapped[str | None] = mapped_column(String(64))


class AppSetting(Base):
    """Values the application generates once and keeps (e.g. the cookie signing key)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class HubModelSearch(Base):
    """The searchable columns of one model, a narrow copy of its ``hub_models`` row.

    Search filters, counts facets and walks sort orders here: a ``hub_models`` row carries
    JSON file lists and card data and costs ~10x more to read per row, which dominated search
    time at a million models. Database triggers (migration 20261123_0900) keep this table in
    step with every write to ``hub_models``, and (migration 20261129_1500) with each model's
    findings and formats, whichever code makes them; nothing writes it directly.
    """

    __tablename__ = "hub_model_search"
    __table_args__ = (
        # Sort orders (keyset pages walk these; the id breaks ties). Not prefixed by
        # ``removed``: removed=any must walk them too, and almost every model is live.
        Index("ix_hub_model_search_downloads", "downloads", "model_id"),
        Index("ix_hub_model_search_likes", "likes", "model_id"),
        Index("ix_hub_model_search_parameters", "parameters_total", "model_id"),
        Index("ix_hub_model_search_last_modified", "last_modified", "model_id"),
        Index("ix_hub_model_search_name", "name", "model_id"),
        # Filters and facets: (value, removed) answers a filtered count and a facet's
        # GROUP BY from the index alone.
        Index("ix_hub_model_search_license", "license_id", "removed"),
        Index("ix_hub_model_search_category", "license_category", "removed"),
        Index("ix_hub_model_search_task", "pipeline_tag", "removed"),
        Index("ix_hub_model_search_library", "library_name", "removed"),
        Index("ix_hub_model_search_author", "author", "removed"),
        Index("ix_hub_model_search_gated", "gated", "removed"),
        Index("ix_hub_model_search_size", "size_bucket", "removed"),
        Index("ix_hub_model_search_removed", "removed"),
        # finding=none: the few models with no finding at all, without reading the others. Keyed
        # by the mask, so that SQLite's planner sees an equality it can seek, not a whole index.
        # Partial on both engines (migration c6f2a9e41d73); the PostgreSQL predicate is not
        # declared here, as that would import SQLAlchemy's PostgreSQL dialect into `catalog check`.
        Index("ix_hub_model_search_no_findings", "finding_mask", "model_id", sqlite_where=text("finding_mask = 0")),
    )

    model_id: Mapped[int] = mapped_column(ForeignKey("hub_models.id", ondelete="CASCADE"), primary_key=True)
    removed: Mapped[bool] = mapped_column(Boolean, comment="hub_models.removed_at IS NOT NULL")
    name: Mapped[str] = mapped_column(REPO_ID, comment="hub_models.repo_id (the name sort)")
    author: Mapped[str | None] = mapped_column(String(100))
    license_id: Mapped[str | None] = mapped_column(LICENSE_ID)
    license_category: Mapped[str] = mapped_column(String(20))
    pipeline_tag: Mapped[str | None] = mapped_column(String(100))
    library_name: Mapped[str | None] = mapped_column(String(100))
    gated: Mapped[str] = mapped_column(String(10))
    size_bucket: Mapped[str] = mapped_column(String(8), comment="catalog.search.params.SIZE_VALUES of parameters_total")
    parameters_total: Mapped[int | None] = mapped_column(BigInteger)
    downloads: Mapped[int | None] = mapped_column(BigInteger)
    likes: Mapped[int | None] = mapped_column(Integer)
    last_modified: Mapped[datetime | None]
    # Kept by triggers on audit_findings and hub_model_formats (migration c6f2a9e41d73).
    finding_mask: Mapped[int] = mapped_column(BigInteger, server_default=text("0"),
                                              comment="catalog.db.marks: a bit per finding code the model has")
    format_mask: Mapped[int] = mapped_column(BigInteger, server_default=text("0"),
                                             comment="catalog.db.marks: a bit per weight format the model has")
