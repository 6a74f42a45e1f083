"""Read-side queries over single models and sync runs, shared by the CLI, the pages and the API."""

from __future__ import annotations

import shlex
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.db.tables import AuditFinding, Flag, HubModelSearch, ModelEvent, SyncRun
from catalog.facts.record import event_view, iso


def model_history(session: Session, model_id: int) -> list[dict[str, Any]]:
    """Every recorded change of a model, oldest first."""
    return [event_view(e) for e in
            session.scalars(select(ModelEvent).where(ModelEvent.model_id == model_id).order_by(ModelEvent.id))]


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
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
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


def explain_problem(problem: Any) -> tuple[str | None, str]:
    """The model a problem recorded by a sync run names (None if none) and, for a person, what
    happened to it (see ``SyncRun.problems``: malformed fields, a rename, an item not stored)."""
    if not isinstance(problem, dict):
        return None, str(problem)
    model = problem.get("model")
    model = str(model) if model else None
    if "fields" in problem:
        return model, f"malformed {', '.join(map(str, problem['fields']))} (kept raw in the model's problems)"
    if "renamed_to" in problem:
        return model, f"renamed on the Hub to {problem['renamed_to']} (the old id still resolves; update references)"
    return model, str(problem.get("problem", problem))


def describe_problem(problem: Any) -> str:
    """One line for a problem a sync run recorded (:func:`explain_problem`)."""
    model, text = explain_problem(problem)
    return f"{model}: {text}" if model else text


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
    query = select().select_from(HubModelSearch).where(HubModelSearch.removed.is_(False), *where)
    models = func.count()
    if column.class_ is AuditFinding:
        query = query.join(AuditFinding, AuditFinding.model_id == HubModelSearch.model_id)
        # A model can hold one code more than once (two attribution duties, say): it counts once.
        models = func.count(AuditFinding.model_id.distinct())
    query = query.add_columns(column, models).group_by(column).order_by(models.desc(), column).limit(top)
    return dict(session.execute(query).all())


def license_overview(session: Session, *, top: int = 8) -> dict[str, dict[str, int]]:
    """The most common license categories, license ids and finding codes of the live models."""
    return {
        "categories": live_counts(session, HubModelSearch.license_category, top=top),
        "licenses": live_counts(session, HubModelSearch.license_id, HubModelSearch.license_id.is_not(None), top=top),
        "findings": live_counts(session, AuditFinding.code, top=top),
    }
