"""HTML pages of accounts and decisions: sign in and out, the review queue, the flag form, the audit log.

Every form POST checks the session's CSRF token. The review queue and the audit log have JSON
twins (``/reviews.json``, ``/admin/audit-log.json``) for scripts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.compliance.policy import TEAM_STATUSES
from catalog.db.tables import AuditFinding, HubModel, Team
from catalog.facts.resolve import find_model
from catalog.teams.accounts import (
    Actor,
    audit_entry_view,
    audit_log,
    authenticate,
    end_sessions,
    recent_failures,
    record,
)
from catalog.teams.flags import FlagError, add_flag, review_queue
from catalog.web.auth import (
    LOGIN_MAX_FAILURES,
    LOGIN_WINDOW,
    ViewerDep,
    actor_for,
    check_csrf,
    client_address,
    csrf_token,
    end_session,
    has_role,
    start_session,
    user_view,
)
from catalog.web.deps import SessionDep, SettingsDep

router = APIRouter(include_in_schema=False)
AUDIT_PAGE = 100


def _safe_next(target: str | None) -> str:
    # Only same-site paths: "//evil.example" and "https://..." would make /login an open redirect.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_redirect(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": here}), status_code=303)


def _page(request: Request, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
    user = getattr(request.state, "viewer", None)
    return request.app.state.templates.TemplateResponse(request, name, {
        "user": user_view(user), "csrf_token": csrf_token(request), "request_path": request.url.path,
        **context}, status_code=status_code)


@router.get("/login")
def login_form(request: Request, session: SessionDep, settings: SettingsDep, user: ViewerDep,
               next: str | None = None) -> Response:
    """The sign-in form (already signed in: straight on to ``next``)."""
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    pending = Response()
    if csrf_token(request) is None:
        # An anonymous session carries the CSRF token that protects the sign-in form itself.
        start_session(pending, request, session, settings, None)
    response = _page(request, "accounts/login.html", {"next": _safe_next(next), "error": None})
    for cookie in pending.headers.getlist("set-cookie"):
        response.headers.append("set-cookie", cookie)
    return response


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(request: Request, session: SessionDep, settings: SettingsDep,
          name: Annotated[str, Form(max_length=64)], password: Annotated[str, Form(max_length=1024)],
          next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    """Check a name and password; five failures per name and address in 15 minutes lock sign-in (429)."""
    address = client_address(request)
    context = {"next": _safe_next(next), "name": name}
    if recent_failures(session, name, address, LOGIN_WINDOW) >= LOGIN_MAX_FAILURES:
        return _page(request, "accounts/login.html",
                     {**context, "error": "Too many failed attempts. Wait 15 minutes and try again."}, 429)
    user = authenticate(session, name, password)
    if user is None:
        # Recorded (and committed with the response) so that the limit holds across workers and restarts.
        record(session, Actor(name="anonymous", address=address), "login.failed", name[:300])
        return _page(request, "accounts/login.html", {**context, "error": "Wrong name or password."}, 401)
    record(session, Actor.of(user, address), "login", user.name)
    response = RedirectResponse(_safe_next(next), status_code=303)
    start_session(response, request, session, settings, user)
    return response


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request, session: SessionDep, user: ViewerDep) -> Response:
    """End the session, server-side: the user's cookies stop working, copies included."""
    if user is not None:
        end_sessions(user)
        record(session, actor_for(request, user), "logout", user.name)
    response = RedirectResponse("/login", status_code=303)
    end_session(response)
    return response


def _queue(request: Request, session: SessionDep, user: ViewerDep, as_json: bool) -> Response:
    if user is None:
        if as_json:
            raise HTTPException(status_code=401, detail="sign in first")
        return _login_redirect(request)
    team = session.get(Team, user.team_id) if user.team_id is not None else None
    items = _with_context(session, review_queue(session, team)) if team is not None else []
    if as_json:
        return JSONResponse({"ok": True, "team": team.name if team else None, "count": len(items), "data": items})
    return _page(request, "accounts/reviews.html", {
        "team": team, "items": items, "statuses": TEAM_STATUSES, "can_flag": has_role(user, "reviewer")})


def _with_context(session: Session, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Queue items with what a reviewer decides on: the model's license and current findings, and
    ``why``, the reasons in one sentence that says what the decision was and when."""
    ids = [item["model"] for item in items]
    models = {m.repo_id: m for m in session.scalars(select(HubModel).where(HubModel.repo_id.in_(ids)))} if ids else {}
    findings: dict[int, list[dict[str, str]]] = {}
    if models:
        for model_id, code, severity in session.execute(
            select(AuditFinding.model_id, AuditFinding.code, AuditFinding.severity)
            .where(AuditFinding.model_id.in_([m.id for m in models.values()]))
            .order_by(AuditFinding.model_id, AuditFinding.code)
        ):
            findings.setdefault(model_id, []).append({"code": code, "severity": severity})
    out = []
    for item in items:
        model = models.get(item["model"])
        flag = item["flag"]
        said = f"{flag['status']} at revision {(flag['revision'] or 'unknown')[:7]} on {(flag['created_at'] or '')[:10]}"
        out.append({
            **item,
            "license": {"id": model.license_id, "category": model.license_category} if model else None,
            "findings": findings.get(model.id, []) if model else [],
            "why": said + "; " + "; ".join(r["message"] for r in item["reasons"]),
        })
    return out


@router.get("/reviews")
def reviews(request: Request, session: SessionDep, user: ViewerDep) -> Response:
    """The signed-in user's team review queue."""
    return _queue(request, session, user, as_json=False)


@router.get("/reviews.json")
def reviews_json(request: Request, session: SessionDep, user: ViewerDep) -> Response:
    """The review queue as JSON."""
    return _queue(request, session, user, as_json=True)


@router.post("/models/{repo_id:path}/flags", dependencies=[Depends(check_csrf)])
def flag_model(request: Request, repo_id: str, session: SessionDep, user: ViewerDep,
               status: Annotated[str, Form(max_length=32)],
               note: Annotated[str | None, Form(max_length=5000)] = None,
               conditions: Annotated[str | None, Form(max_length=5000)] = None,
               expires: Annotated[str | None, Form(max_length=10)] = None,
               revision: Annotated[str | None, Form(max_length=64)] = None,
               next: Annotated[str | None, Form(max_length=2000)] = None) -> Response:
    """Record the user's team decision on a model from the flag form (reviewers and admins)."""
    if user is None:
        return _login_redirect(request)
    if not has_role(user, "reviewer") or user.team_id is None:
        raise HTTPException(status_code=403, detail="flagging needs the reviewer role and a team")
    model = find_model(session, repo_id)
    team = session.get(Team, user.team_id)
    assert team is not None
    try:
        expires_at = _end_of(expires)
        add_flag(session, model, team, status, actor_for(request, user), note=note, conditions=conditions,
                 expires_at=expires_at, revision=revision or None)
    except FlagError as exc:
        return _page(request, "accounts/flag_error.html", {
            "repo_id": model.repo_id, "error": exc.message, "field": exc.field, "statuses": TEAM_STATUSES,
            "form": {"status": status, "note": note, "conditions": conditions, "expires": expires},
            "next": _safe_next(next) if next else None}, 422)
    # From the review queue the reviewer goes back to the queue; from a model page, to the model.
    return RedirectResponse(_safe_next(next) if next else f"/models/{quote(model.repo_id)}", status_code=303)


def _end_of(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise FlagError("expires", "write the date as YYYY-MM-DD") from None
    return datetime.combine(day, time(), tzinfo=UTC) + timedelta(days=1)


def _audit(request: Request, session: SessionDep, user: ViewerDep, before: int | None, action: str | None,
           as_json: bool) -> Response:
    if user is None:
        if as_json:
            raise HTTPException(status_code=401, detail="sign in first")
        return _login_redirect(request)
    if not has_role(user, "admin"):
        raise HTTPException(status_code=403, detail="the audit log is for admins")
    entries = [audit_entry_view(e) for e in audit_log(session, limit=AUDIT_PAGE, before=before, action=action)]
    older = entries[-1]["id"] if len(entries) == AUDIT_PAGE else None
    if as_json:
        return JSONResponse({"ok": True, "data": entries, "next_before": older})
    return _page(request, "accounts/audit_log.html", {"entries": entries, "older": older, "action": action})


@router.get("/admin/audit-log")
def audit_page(request: Request, session: SessionDep, user: ViewerDep, before: int | None = None,
               action: str | None = None) -> Response:
    """Everything users wrote, newest first (admins only)."""
    return _audit(request, session, user, before, action, as_json=False)


@router.get("/admin/audit-log.json")
def audit_json(request: Request, session: SessionDep, user: ViewerDep, before: int | None = None,
               action: str | None = None) -> Response:
    """The audit log as JSON; ``next_before`` pages back."""
    return _audit(request, session, user, before, action, as_json=True)
