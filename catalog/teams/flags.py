"""Team decisions ("flags") on models: append, read the current one, history, staleness, review queue.

Flags are append-only: a new decision is a new row, and a team's current decision on a model is
its newest row. An approval is *stale* once the model's license ids differ from those the team
saw when it approved, or a license file's text (by sha256) differs from the one read then; a
stale or expired decision no longer counts in a policy check
(``catalog.check`` turns current flags into the policy engine's decisions).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from catalog.compliance.policy import TEAM_STATUSES
from catalog.db.engine import in_batches, utcnow
from catalog.db.prepared import Prepared
from catalog.db.tables import AuditFinding, AuditLogEntry, Flag, HubModel, Team, User
from catalog.errors import CatalogError
from catalog.teams.accounts import Actor, record

APPROVALS = ("approved", "approved-with-conditions")
# Findings at these severities are what a reviewer weighs; a new one reopens an approval.
REVIEWED_SEVERITIES = ("error", "warning")
EXPIRING_WITHIN = timedelta(days=14)
MAX_TEXT = 5000


class FlagError(CatalogError):
    """A decision that cannot be recorded as given; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def add_flag(session: Session, model: HubModel, team: Team, status: str, actor: Actor, *,
             note: str | None = None, conditions: str | None = None, expires_at: datetime | None = None,
             revision: str | None = None) -> Flag:
    """Record a team's decision on a model, at ``revision`` (the model's current sha by default).

    The license ids and the error/warning findings at decision time are kept so that a later
    license change makes an approval stale and a new finding puts it back in the review queue.
    """
    if status not in TEAM_STATUSES:
        raise FlagError("status", f"unknown status {status!r}; use one of {', '.join(TEAM_STATUSES)}")
    note, conditions = _text(note, "note"), _text(conditions, "conditions")
    if status == "approved-with-conditions" and not conditions:
        raise FlagError("conditions", "an approval with conditions needs the conditions written down")
    if expires_at is not None and expires_at <= utcnow():
        raise FlagError("expires", "the expiry date is in the past")
    if revision is not None and (not revision.strip() or len(revision) > 64):
        raise FlagError("revision", "a revision is a commit sha")
    flag = Flag(team_id=team.id, model_id=model.id, status=status, revision=revision or model.sha,
                license_ids=list(model.license_ids or []), license_texts=license_text_hashes(model),
                conditions=conditions, note=note,
                expires_at=expires_at, created_by=actor.user_id, created_at=utcnow())
    session.add(flag)
    session.flush()
    record(session, actor, "flag.add", model.repo_id, {
        "flag_id": flag.id, "team": team.name, "status": status, "revision": flag.revision,
        "license_ids": flag.license_ids, "license_texts": flag.license_texts, "findings": sorted(_reviewed_findings(session, [model.id])[model.id]),
    })
    return flag


def current_flags(session: Session, *, team_id: int | None = None,
                  model_ids: Iterable[int] | None = None) -> list[Flag]:
    """The current decision of each team on each model (optionally of one team, on some models)."""
    newest = select(func.max(Flag.id)).group_by(Flag.team_id, Flag.model_id)
    if team_id is not None:
        newest = newest.where(Flag.team_id == team_id)
    if model_ids is not None:
        newest = newest.where(Flag.model_id.in_(list(model_ids)))
    query = (select(Flag).where(Flag.id.in_(newest)).order_by(Flag.id)
             .options(selectinload(Flag.team), selectinload(Flag.author), selectinload(Flag.model)))
    return list(session.scalars(query))


def flag_history(session: Session, model_id: int) -> list[Flag]:
    """Every decision ever recorded on a model, newest first."""
    return list(session.scalars(
        select(Flag).where(Flag.model_id == model_id).order_by(Flag.id.desc())
        .options(selectinload(Flag.team), selectinload(Flag.author))
    ))


def is_stale(flag: Flag, model: HubModel) -> bool:
    """An approval whose license ids differ from the model's current ones, or taken on license
    texts that have changed since."""
    return flag.status in APPROVALS and (
        sorted(flag.license_ids or []) != sorted(model.license_ids or []) or bool(text_changes(flag, model)))


def license_text_hashes(model: HubModel) -> list[dict[str, str]] | None:
    """The license files read at the model's revision, as a decision records them; None if none was read."""
    read = [{"path": f.path, "sha256": f.sha256} for f in model.license_files if f.status == "ok" and f.sha256]
    return read or None


def text_changes(flag: Flag, model: HubModel) -> list[dict[str, Any]]:
    """License files whose text differs from the one the decision was taken on: [{path, then, now}].

    A file that cannot be read now (gated, say) is not counted as changed: nothing is known of it.
    A decision recorded before any license file was read has nothing to compare.
    """
    if flag.license_texts is None:
        return []
    then = {t["path"]: t["sha256"] for t in flag.license_texts if isinstance(t, dict)}
    now = {f.path: f.sha256 for f in model.license_files if f.status == "ok" and f.sha256}
    unknown = {f.path for f in model.license_files if f.status != "ok" and f.status != "not-found"}
    return [{"path": path, "then": then.get(path), "now": now.get(path)} for path in sorted(set(then) | set(now))
            if path not in unknown and then.get(path) != now.get(path)]


def is_expired(flag: Flag, now: datetime | None = None) -> bool:
    """A decision past its expiry date."""
    return flag.expires_at is not None and flag.expires_at <= (now or utcnow())


def flag_view(flag: Flag, model: HubModel) -> dict[str, Any]:
    """A decision as JSON, with whether it still holds."""
    return decision_view(flag, flag.team.name, flag.author.name if flag.author else None, model)


def decision_view(flag: Any, team: str, author: str | None, model: Any) -> dict[str, Any]:
    """:func:`flag_view` of a flag row (a :class:`Flag` or a row naming its columns alike) and of a
    model with ``license_ids`` and ``license_files`` (a :class:`HubModel` or a record's model)."""
    return {
        "id": flag.id, "team": team, "status": flag.status, "revision": flag.revision,
        "license_ids": flag.license_ids, "conditions": flag.conditions, "note": flag.note,
        "expires_at": _iso(flag.expires_at), "created_by": author,
        "created_at": _iso(flag.created_at), "stale": is_stale(flag, model), "expired": is_expired(flag),
        "license_texts": flag.license_texts, "text_changes": text_changes(flag, model),
    }


def _flags_statement(dialect: str) -> Select[Any]:
    flag = Flag.__table__.c
    return (select(flag.id, flag.team_id, flag.status, flag.revision, flag.license_ids, flag.conditions, flag.note,
                   flag.expires_at, flag.created_at, flag.license_texts, Team.__table__.c.name,
                   User.__table__.c.name.label("author"))
            .join_from(Flag.__table__, Team.__table__, Team.__table__.c.id == flag.team_id)
            .outerjoin(User.__table__, User.__table__.c.id == flag.created_by)
            .where(flag.model_id == bindparam("model_id")).order_by(flag.id.desc()))


_MODEL_FLAGS = Prepared(_flags_statement)


def model_flags(session: Session, model: Any) -> dict[str, Any]:
    """A model's current decision per team and its full decision history.

    One statement (prepared: it is part of every API record): the current decision of a team is
    its newest flag, as :func:`current_flags` says, so it is read off the history rather than
    queried again. ``model``: a :class:`HubModel` or a record's model (see :func:`decision_view`).
    """
    history = _MODEL_FLAGS.rows(session.connection(), model_id=model.id)
    newest: dict[int, Any] = {}
    for row in history:
        newest.setdefault(row.team_id, row)
    return {
        "current": [decision_view(row, row.name, row.author, model) for row in sorted(newest.values(), key=lambda r: r.id)],
        "history": [decision_view(row, row.name, row.author, model) for row in history],
    }


def review_queue(session: Session, team: Team) -> list[dict[str, Any]]:
    """What a team should look at again, oldest decision first.

    A model is queued when its current decision is needs-review, an approval has gone stale, an
    approval predates error/warning findings the model has now, or a decision expired or expires
    within two weeks.
    """
    now = utcnow()
    flags = current_flags(session, team_id=team.id)
    approvals = [f for f in flags if f.status in APPROVALS]
    found_now = _reviewed_findings(session, [f.model_id for f in approvals])
    found_then = _findings_at_decision(session, approvals)
    queue = []
    for flag in flags:
        reasons = []
        if flag.status == "needs-review":
            reasons.append(_reason("needs-review", "marked as needing review"))
        approval = flag.status in APPROVALS
        if approval and sorted(flag.license_ids or []) != sorted(flag.model.license_ids or []):
            reasons.append(_reason("stale-approval", "the license changed since the approval: "
                                   f"{_ids(flag.license_ids)} then, {_ids(flag.model.license_ids)} now"))
        changed = text_changes(flag, flag.model) if approval else []
        if changed:
            reasons.append(_reason("license-text-changed", "the license text changed since the approval: "
                                   + ", ".join(c["path"] for c in changed)))
        if flag.id in found_then:
            new = sorted(found_now.get(flag.model_id, set()) - found_then[flag.id])
            if new:
                reasons.append(_reason("new-findings", "findings since the approval: " + ", ".join(new)))
        if flag.expires_at is not None:
            if flag.expires_at <= now:
                reasons.append(_reason("expired", f"the decision expired on {flag.expires_at.date().isoformat()}"))
            elif flag.expires_at <= now + EXPIRING_WITHIN:
                reasons.append(_reason("expiring", f"the decision expires on {flag.expires_at.date().isoformat()}"))
        if reasons:
            queue.append({"model": flag.model.repo_id, "reasons": reasons, "flag": flag_view(flag, flag.model)})
    return queue


def _reviewed_findings(session: Session, model_ids: list[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {model_id: set() for model_id in model_ids}
    if model_ids:
        for model_id, code in session.execute(
            select(AuditFinding.model_id, AuditFinding.code)
            .where(AuditFinding.model_id.in_(model_ids), AuditFinding.severity.in_(REVIEWED_SEVERITIES))
        ):
            found[model_id].add(code)
    return found


def _findings_at_decision(session: Session, flags: list[Flag]) -> dict[int, set[str]]:
    """The finding codes each decision was taken with, from its audit-log entry."""
    if not flags:
        return {}
    wanted = {f.id for f in flags}
    targets = sorted({f.model.repo_id for f in flags})
    found = {}
    for chunk in in_batches(targets):
        for detail in session.scalars(
            select(AuditLogEntry.detail)
            .where(AuditLogEntry.action == "flag.add", AuditLogEntry.target.in_(chunk))
        ):
            if detail.get("flag_id") in wanted and isinstance(detail.get("findings"), list):
                found[detail["flag_id"]] = set(detail["findings"])
    return found


def _reason(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def _ids(license_ids: list[Any] | None) -> str:
    return ", ".join(map(str, license_ids or [])) or "none"


def _text(value: str | None, field: str) -> str | None:
    value = (value or "").strip() or None
    if value is not None and len(value) > MAX_TEXT:
        raise FlagError(field, f"at most {MAX_TEXT} characters")
    return value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
