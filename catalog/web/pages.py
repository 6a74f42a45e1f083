"""The HTML catalogue: search, model, license and sync pages, each with a JSON twin.

Handlers stay thin: the data comes from catalog.search.query and catalog.facts.queries (the functions the
CLI and the API use), so a page and its ``.json`` twin cannot disagree.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from catalog.compliance.policy import TEAM_STATUSES
from catalog.db.tables import BaseModelLink, HubModel, HubModelSearch, User
from catalog.facts.queries import catalogue_counts, live_counts, model_record, sync_runs
from catalog.facts.resolve import find_model
from catalog.licenses import knowledge_base
from catalog.search.export import csv_response
from catalog.search.facets import query_url
from catalog.search.params import DEFAULT_SORT
from catalog.search.query import SORT_LABELS, SORTS, SearchParams, search
from catalog.teams.flags import model_flags
from catalog.web.auth import ReaderDep, csrf_token, has_role, user_view
from catalog.web.deps import SessionDep
from catalog.web.errors import error_response, wants_json

router = APIRouter(include_in_schema=False)

BYTES_PER_PARAMETER = (("bf16", 2.0), ("int8", 1.0), ("int4", 0.5))
_LINEAGE_DEPTH = 8


@router.get("/")
def home() -> RedirectResponse:
    """The catalogue starts at the search page."""
    return RedirectResponse("/models", status_code=307)


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    """Liveness and database reachability, for load balancers (no sign-in needed)."""
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:  # the class name is enough to act on; details stay in the logs
        return JSONResponse({"ok": False, "database": "unreachable", "error": type(exc).__name__}, status_code=503)
    return JSONResponse({"ok": True, "database": "ok"})


@router.get("/models.json")
def models_json(request: Request, session: SessionDep, user: ReaderDep) -> JSONResponse:
    """The search page's data: the same body as ``GET /api/v1/models``."""
    params = SearchParams.from_query(request.query_params.multi_items())
    return JSONResponse(search(session, params, team_id=_team(user)).to_dict())


@router.get("/models.csv")
def models_csv(request: Request, user: ReaderDep) -> StreamingResponse:
    """Every model matching the current search, streamed as CSV."""
    params = SearchParams.from_query(request.query_params.multi_items())
    return csv_response(request.app.state.sessionmaker, params, team_id=_team(user))


@router.get("/models")
def models_page(request: Request, session: SessionDep, user: ReaderDep) -> Response:
    """The faceted search page (JSON for clients that ask for it)."""
    params = SearchParams.from_query(request.query_params.multi_items())
    result = search(session, params, team_id=_team(user))
    if wants_json(request):
        return JSONResponse(result.to_dict())
    return _render(request, "models.html", user, {**_search_context(params, result), "base_path": "/models"})


@router.get("/models/{repo_id:path}")
def model_page(repo_id: str, request: Request, session: SessionDep, user: ReaderDep) -> Response:
    """One model: license and obligations, findings, lineage, history, gating terms, team flags.

    ``/models/<id>.json`` (or ``Accept: application/json``) is the record of `catalog show --json`.
    """
    as_json = repo_id.endswith(".json")
    if as_json:
        repo_id = repo_id.removesuffix(".json")
    record = model_record(session, repo_id)
    if as_json or wants_json(request):
        return JSONResponse(record)
    model = find_model(session, record["id"])
    kb = knowledge_base()
    licenses = [entry.to_dict() for entry in (kb.get(i) for i in record["license"]["ids"] or []) if entry]
    total = record["parameters"]["total"]
    card = record["card_data"] if isinstance(record["card_data"], dict) else {}
    return _render(request, "model.html", user, {
        "m": record,
        "licenses": licenses,
        "kb_sources": dict(kb.sources),
        "memory": [(name, total * size) for name, size in BYTES_PER_PARAMETER] if total else [],
        "gating": {k: v for k, v in card.items() if k.startswith("extra_gated")},
        "ancestors": _ancestors(session, record["id"]),
        "flags": model_flags(session, model),
        "can_flag": has_role(user, "reviewer"),
        "statuses": TEAM_STATUSES,
        "repo_id": record["id"],
    })


@router.get("/licenses.json")
def licenses_json(user: ReaderDep) -> JSONResponse:
    """The whole knowledge base."""
    return JSONResponse({"ok": True, "data": [entry.to_dict() for entry in knowledge_base()]})


@router.get("/licenses")
def licenses_page(request: Request, session: SessionDep, user: ReaderDep) -> Response:
    """The knowledge base, with how many catalogue models carry each license."""
    kb = knowledge_base()
    if wants_json(request):
        return licenses_json(user)
    return _render(request, "licenses.html", user, {"licenses": kb.all(), "counts": live_counts(session, HubModelSearch.license_id)})


@router.get("/licenses/{license_id}")
def license_page(license_id: str, request: Request, session: SessionDep, user: ReaderDep) -> Response:
    """One license: obligations, verdicts, sources, and the catalogue's models under it (faceted)."""
    as_json = license_id.endswith(".json")
    entry = knowledge_base().get(license_id.removesuffix(".json"))
    if entry is None:
        return _not_found(request, f"no license {license_id!r} in the knowledge base")
    params = SearchParams.from_query(request.query_params.multi_items()).with_(license=(entry.id,))
    result = search(session, params, team_id=_team(user))
    if as_json or wants_json(request):
        return JSONResponse({"ok": True, "license": entry.to_dict(), "models": result.to_dict()})
    return _render(request, "license.html", user, {
        "license": entry.to_dict(), "kb_sources": dict(knowledge_base().sources),
        **_search_context(params, result), "base_path": f"/licenses/{entry.id}",
    })


@router.get("/sync.json")
def sync_json(session: SessionDep, user: ReaderDep) -> JSONResponse:
    """Recent sync runs and catalogue counts."""
    return JSONResponse({"ok": True, **_sync_data(session)})


@router.get("/sync")
def sync_page(request: Request, session: SessionDep, user: ReaderDep) -> Response:
    """Recent sync runs: counts, errors and the last successful run."""
    data = _sync_data(session)
    if wants_json(request):
        return JSONResponse({"ok": True, **data})
    return _render(request, "sync.html", user, data)


def _sync_data(session: Session) -> dict[str, Any]:
    runs = sync_runs(session)
    return {"counts": catalogue_counts(session), "runs": runs,
            "last_success": next((r for r in runs if r["status"] == "completed"), None)}


def _search_context(params: SearchParams, result: Any) -> dict[str, Any]:
    base = [(k, v) for k, v in params.to_query() if k != "cursor"]
    sorts = []
    for key, label in SORT_LABELS.items():
        # Each key in its usual direction first (most downloads, newest, A to Z), then the other.
        directions = (("-" + key, " (descending)"), (key, " (ascending)"))
        if not SORTS[key][1]:
            directions = directions[::-1]
        for value, suffix in directions:
            pairs = [(k, v) for k, v in base if k != "sort"] + ([("sort", value)] if value != DEFAULT_SORT else [])
            sorts.append({"value": value, "label": label + suffix, "url": query_url(pairs),
                          "selected": params.sort == value})
    return {
        "params": params,
        "result": result,
        "sorts": sorts,
        "hidden": [(k, v) for k, v in base if k not in ("q", "sort")],
        "query": query_url(base),
        "next_url": query_url(base + [("cursor", result.next_cursor)]) if result.next_cursor else None,
        "first_url": query_url(base) if params.cursor else None,
    }


def _ancestors(session: Session, repo_id: str) -> list[list[dict[str, Any]]]:
    """Base models up the chain, one list per generation (parents, grandparents...)."""
    generations: list[list[dict[str, Any]]] = []
    seen = {repo_id}
    current = [repo_id]
    for _ in range(_LINEAGE_DEPTH):
        rows = session.execute(
            select(BaseModelLink.base_repo_id, BaseModelLink.relation, HubModel.repo_id)
            .join(HubModel, HubModel.id == BaseModelLink.model_id).where(HubModel.repo_id.in_(current))
            .order_by(BaseModelLink.base_repo_id)
        ).all()
        bases = [r for r in rows if r.base_repo_id not in seen]
        if not bases:
            break
        known = set(session.scalars(select(HubModel.repo_id).where(HubModel.repo_id.in_([b.base_repo_id for b in bases]))))
        generations.append([{"id": b.base_repo_id, "relation": b.relation, "of": b.repo_id,
                             "in_catalogue": b.base_repo_id in known} for b in bases])
        seen.update(b.base_repo_id for b in bases)
        current = [b.base_repo_id for b in bases if b.base_repo_id in known]
        if not current:
            break
    return generations


def _team(user: User | None) -> int | None:
    return user.team_id if user is not None else None


def _render(request: Request, name: str, user: User | None, context: dict[str, Any],
            status_code: int = 200) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, name, {
        "user": user_view(user), "csrf_token": csrf_token(request), "request_path": request.url.path, **context,
    }, status_code=status_code)


def _not_found(request: Request, message: str) -> Response:

    return error_response(request, 404, message)

