"""Read-side queries over single models and sync runs, shared by the CLI, the pages and the API."""

from __future__ import annotations

import shlex
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.compliance.audit import obligations_for
from catalog.db.tables import (
    AuditFinding,
    BaseModelLink,
    Flag,
    HubModel,
    HubModelSearch,
    ModelEvent,
    SyncRun,
)
from catalog.facts.derive import FactsLoader, resolve_declared
from catalog.facts.license_view import license_files_view
from catalog.facts.resolve import find_model
from catalog.licenses import knowledge_base


def model_record(session: Session, repo_id: str, *, revision: str | None = None) -> dict[str, Any]:
    """The full JSON record of a model: the contract of `catalog show --json` and the API.

    Args:
        revision: a sha; the record then shows the license declared at that revision (from
            the history) instead of the current one.
    """
    return record_of(session, find_model(session, repo_id, with_findings=True), revision=revision)


def record_of(session: Session, model: HubModel, *, revision: str | None = None) -> dict[str, Any]:
    """:func:`model_record` of a model already found (by :func:`find_model`, ``with_findings``).

    Two statements beyond the model's own (its history, its derivatives), plus three per
    generation of catalogued ancestors (their facts, for the obligations they pass down). The
    previous license the audit needs is read from the history rather than queried again.
    """
    kb = knowledge_base()
    events = session.scalars(select(ModelEvent).where(ModelEvent.model_id == model.id).order_by(ModelEvent.id)).all()
    history = [_event_view(e) for e in events]
    loader = FactsLoader(session)
    facts = loader.adopt(model, [(b.base_repo_id, b.relation) for b in model.bases], _previous_license(events))
    license_view = _license_view(model, kb)
    if revision is not None and revision != model.sha:
        license_view = {**license_view, **_license_at(session, model, revision, kb)}
    derivatives = session.scalars(
        select(HubModel.repo_id).join(BaseModelLink, BaseModelLink.model_id == HubModel.id)
        .where(BaseModelLink.base_repo_id == model.repo_id).order_by(HubModel.downloads.desc().nulls_last()).limit(50)
    ).all()
    # A base is in the catalogue when the lineage (loaded for the obligations) found it stored under
    # its own id: not under a former id, and not only in the curated lineage table.
    known_bases = {b.base_repo_id for b in model.bases
                   if (found := loader.catalogued(b.base_repo_id)) is not None and found.repo_id == b.base_repo_id}
    return {
        "id": model.repo_id,
        "author": model.author,
        "sha": model.sha,
        "revision": revision or model.sha,
        "last_modified": _iso(model.last_modified),
        "created_at": _iso(model.hub_created_at),
        "downloads": model.downloads,
        "likes": model.likes,
        "pipeline_tag": model.pipeline_tag,
        "library_name": model.library_name,
        "tags": model.tags,
        "gated": model.gated,
        "private": model.private,
        "disabled": model.disabled,
        "access": model.access,
        "parameters": {
            "total": model.parameters_total,
            "source": model.parameters_source,
            "by_dtype": model.parameters_by_dtype,
        },
        "license": license_view,
        "license_text": license_files_view(session, model),
        "base_models": [
            {"id": b.base_repo_id, "relation": b.relation, "source": b.source, "in_catalogue": b.base_repo_id in known_bases}
            for b in model.bases
        ],
        "derivatives": list(derivatives),
        "formats": model.formats,
        "files": model.files,
        "findings": [
            {"code": f.code, "severity": f.severity, "message": f.message, "evidence": f.evidence}
            for f in model.findings
        ],
        "obligations": obligations_for(facts, lineage=loader.lineage, kb=kb),
        "card_data": model.card_data,
        "problems": model.problems,
        "removed": model.removed_at is not None,
        "removed_at": _iso(model.removed_at),
        "first_seen_at": _iso(model.first_seen_at),
        "last_synced_at": _iso(model.last_synced_at),
        "history": history,
    }


def model_history(session: Session, model_id: int) -> list[dict[str, Any]]:
    """Every recorded change of a model, oldest first."""
    return [_event_view(e) for e in
            session.scalars(select(ModelEvent).where(ModelEvent.model_id == model_id).order_by(ModelEvent.id))]


def _event_view(e: ModelEvent) -> dict[str, Any]:
    return {"kind": e.kind, "old": e.old, "new": e.new, "sha": e.sha, "at": _iso(e.at), "sync_run": e.sync_run_id}


def _previous_license(events: list[ModelEvent]) -> tuple[Any, str | None] | None:
    """What :meth:`FactsLoader.previous_licenses` reads, from a model's history (oldest first)."""
    changes = [e for e in events if e.kind == "license"]
    if not changes:
        return None
    latest = changes[-1]
    old = latest.old if isinstance(latest.old, dict) else {}
    resolution = resolve_declared(old.get("license"), old.get("license_name"), old.get("license_link"),
                                  old.get("tags"))
    # The sync that changed the license records the sha it replaced at the same instant.
    shas = [e for e in events if e.kind == "sha" and e.at <= latest.at]
    previous_sha = max(shas, key=lambda e: (e.at, e.id)).old if shas else None
    return resolution, previous_sha if isinstance(previous_sha, str) else None


def sync_runs(session: Session, *, limit: int = 50) -> list[dict[str, Any]]:
    """Recent sync runs, newest first."""
    runs = session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(limit)).all()
    return [sync_run_view(r) for r in runs]


def sync_run_view(run: SyncRun) -> dict[str, Any]:
    """One sync run as JSON."""
    return {
        "id": run.id,
        "status": run.status,
        "full": run.full,
        "scope": run.scope,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "pages": run.pages,
        "seen": run.seen,
        "new": run.new,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "removed": run.removed,
        "failed": run.failed,
        "error": run.error,
        "problems": run.problems,
        "resumable": run.status in ("running", "failed") and run.cursor is not None,
        "command": sync_command(run.scope),
    }


def sync_command(scope: dict[str, Any]) -> str:
    """The `catalog sync` command line of a run's scope: what runs it again (and resumes it)."""
    if "import" in scope:
        return "(imported items, not a sync)"
    words = ["catalog", "sync"]
    for repo_id in scope.get("models") or ():
        words += ["--model", repo_id]
    for author in scope.get("authors") or ():
        words += ["--author", author]
    if scope.get("search"):
        words += ["--search", scope["search"]]
    for tag in scope.get("filters") or ():
        words += ["--filter", tag]
    if scope.get("limit"):
        words += ["--limit", str(scope["limit"])]
    if scope.get("full"):
        words.append("--full")
    return shlex.join(words)


def catalogue_counts(session: Session) -> dict[str, int]:
    """How many models the catalogue holds, and how many of them are marked removed."""
    total = session.scalar(select(func.count()).select_from(HubModelSearch)) or 0
    removed = session.scalar(select(func.count()).select_from(HubModelSearch).where(HubModelSearch.removed)) or 0
    flags = session.scalar(select(func.count()).select_from(Flag)) or 0
    return {"models": total, "removed": removed, "flags": flags}


def live_counts(session: Session, column: Any, *where: Any, top: int | None = None) -> dict[Any, int]:
    """Models not removed per value of a ``hub_model_search`` column or ``AuditFinding.code``, most first."""
    query = select(column, func.count()).select_from(HubModelSearch).where(HubModelSearch.removed.is_(False), *where)
    if column.class_ is AuditFinding:
        query = query.join(AuditFinding, AuditFinding.model_id == HubModelSearch.model_id)
    query = query.group_by(column).order_by(func.count().desc(), column).limit(top)
    return dict(session.execute(query).all())


def license_overview(session: Session, *, top: int = 8) -> dict[str, dict[str, int]]:
    """The most common license categories, license ids and finding codes of the live models."""
    return {
        "categories": live_counts(session, HubModelSearch.license_category, top=top),
        "licenses": live_counts(session, HubModelSearch.license_id, HubModelSearch.license_id.is_not(None), top=top),
        "findings": live_counts(session, AuditFinding.code, top=top),
    }


def _license_view(model: HubModel, kb: Any) -> dict[str, Any]:
    declared = {"license": model.license_raw, "license_name": model.license_name_raw,
                "license_link": model.license_link_raw, "tags": model.license_tags}
    return _license_dict(declared, model.license_id, model.license_ids, model.license_status,
                         model.license_category, kb)


def _license_dict(declared: dict[str, Any], license_id: str | None, ids: list[str], status: str, category: str,
                  kb: Any) -> dict[str, Any]:
    """The ``license`` block of a record: what was declared, then what catalog derived from it."""
    known = kb.get(license_id) if license_id else None
    return {
        "raw": declared.get("license"),
        "name": declared.get("license_name"),
        "link": declared.get("license_link"),
        "tags": declared.get("tags") or [],
        "id": license_id,
        "ids": list(ids),
        "status": status,
        "category": category,
        "spdx": known.spdx if known else None,
        "title": known.name if known else None,
        "url": known.url if known else None,
    }


def _license_at(session: Session, model: HubModel, revision: str, kb: Any) -> dict[str, Any]:
    """The license fields as they were when the model was at ``revision``.

    Rebuilt by walking the recorded changes backwards from the current state: each sync that
    changed the sha and/or the license undoes to the values it replaced.
    """
    events = session.scalars(
        select(ModelEvent).where(ModelEvent.model_id == model.id, ModelEvent.kind.in_(("license", "sha")))
        .order_by(ModelEvent.id.desc())
    ).all()
    sha = model.sha
    declared: dict[str, Any] = {"license": model.license_raw, "license_name": model.license_name_raw,
                                "license_link": model.license_link_raw, "tags": model.license_tags}
    index = 0
    while sha != revision and index < len(events):
        step = events[index].sync_run_id, events[index].at
        while index < len(events) and (events[index].sync_run_id, events[index].at) == step:
            event = events[index]
            if event.kind == "sha":
                sha = event.old
            elif isinstance(event.old, dict):
                declared = event.old
            index += 1
    if sha != revision:
        return {"revision_note": f"revision {revision} was never recorded for this model; showing the current license"}
    resolution = resolve_declared(declared.get("license"), declared.get("license_name"),
                                  declared.get("license_link"), declared.get("tags"))
    return _license_dict(declared, resolution.license_id, list(resolution.license_ids), resolution.status,
                         resolution.category, kb)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
