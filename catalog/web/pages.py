"""The HTML catalogue: search, model, license and sync pages, each with a JSON twin.

Handlers stay thin: the data comes from catalog.search.query and catalog.facts.queries (the functions the
CLI and the API use), so a page and its ``.json`` twin cannot disagree.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from catalog.compliance.policy import TEAM_STATUSES
from catalog.db.tables import User
from catalog.facts.license_view import describe_text_changes
from catalog.facts.queries import catalogue_counts, sync_runs
from catalog.facts.record import model_record
from catalog.facts.resolve import find_model
from catalog.licenses import knowledge_base
from catalog.licenses.kb import CATEGORIES
from catalog.resources import resource_dir
from catalog.search.export import csv_response
from catalog.search.facets import live_counts_of, query_url
from catalog.search.params import DEFAULT_SORT, NAMES, refuse_unknown
from catalog.search.query import SORT_LABELS, SORTS, SearchParams, search
from catalog.teams.flags import model_flags
from catalog.web.auth import ReaderDep, csrf_token, has_role, user_view
from catalog.web.deps import SessionDep
from catalog.web.errors import error_response, wants_json
from catalog.web.model_view import model_view
from catalog.web.render import source_links

router = APIRouter(include_in_schema=False)



@router.get("/")
def home() -> RedirectResponse:
    """The catalogue starts at the search page."""
    return RedirectResponse("/models", status_code=307)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """The site icon where browsers look for it by default (pages also link the SVG)."""
    return FileResponse(resource_dir("templates") / "static" / "favicon.ico", media_type="image/x-icon",
                        headers={"cache-control": "public, max-age=86400"})


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    """Liveness and database reachability, for load balancers (no sign-in needed)."""
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:  # the class name is enough to act on; details stay in the logs
        return JSONResponse({"ok": False, "database": "unreachable", "error": type(exc).__name__}, status_code=503)
    return JSONResponse({"ok": True, "database": "ok"})


def _search_params(request: Request) -> SearchParams:
    """The search a list page's query asks for; a parameter no search takes is refused (400)."""
    refuse_unknown(request.query_params.keys(), NAMES)
    return SearchParams.from_query(request.query_params.multi_items())


@router.get("/models.json")
def models_json(request: Request, session: SessionDep, user: ReaderDep) -> JSONResponse:
    """The search page's data: the same body as ``GET /api/v1/models``."""
    params = _search_params(request)
    return JSONResponse(search(session, params, team_id=_team(user)).to_dict())


@router.get("/models.csv")
def models_csv(request: Request, user: ReaderDep) -> StreamingResponse:
    """Every model matching the current search, streamed as CSV."""
    params = _search_params(request)
    return csv_response(request.app.state.sessionmaker, params, team_id=_team(user))


@router.get("/models")
def models_page(request: Request, session: SessionDep, user: ReaderDep) -> Response:
    """The faceted search page (JSON for clients that ask for it)."""
    params = _search_params(request)
    result = search(session, params, team_id=_team(user))
    if wants_json(request):
        return JSONResponse(result.to_dict())
    return _render(request, "models.html", user, {**_search_context(params, result, user), "base_path": "/models"})


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
    flags = model_flags(session, model)
    for flag in flags["current"]:  # what changed in the texts a decision was taken on, as a diff if it may be shown
        flag["text_changes"] = describe_text_changes(session, flag["text_changes"])
    team = user_view(user)["team"] if user is not None else None
    mine = [f for f in flags["current"] if team is not None and f["team"] == team]
    return _render(request, "model.html", user, {
        "m": record,
        **model_view(session, record),
        "flags": flags,
        # The viewer's team decision leads the band; the other teams' follow it.
        "decisions": mine + [f for f in flags["current"] if f not in mine],
        "can_flag": has_role(user, "reviewer"),
        "statuses": TEAM_STATUSES,
        "repo_id": record["id"],
    })


@router.get("/licenses.json")
def licenses_json(request: Request, session: SessionDep, user: ReaderDep, category: str | None = None) -> JSONResponse:
    """The knowledge base (optionally one category), each license with its count of live catalogue models."""
    return JSONResponse({"ok": True, **_licenses_data(session, category)})


@router.get("/licenses")
def licenses_page(request: Request, session: SessionDep, user: ReaderDep, category: str | None = None) -> Response:
    """The knowledge base with a category filter, per-context verdicts and catalogue counts."""
    data = _licenses_data(session, category)
    if wants_json(request):
        return JSONResponse({"ok": True, **data})
    return _render(request, "licenses.html", user, data)


def _licenses_data(session: Session, category: str | None) -> dict[str, Any]:
    """The licenses index: every entry as ``License.to_dict()`` plus ``models`` (live count), the
    categories, and ``counts_stale`` (the counts are the last ones while new data is recounted)."""
    stale: set[str] = set()
    counts = live_counts_of(session, "license", stale)  # the search page's license facet
    entries = knowledge_base().all()
    categories = [{"category": c, "count": sum(1 for e in entries if e.category == c)}
                  for c in CATEGORIES if any(e.category == c for e in entries)]
    chosen = [e for e in entries if category in (None, "", e.category)]
    return {"category": category or None, "categories": categories, "counts_stale": bool(stale),
            "data": [{**e.to_dict(), "models": counts.get(e.id, 0)} for e in chosen]}


@router.get("/licenses/{license_id}")
def license_page(license_id: str, request: Request, session: SessionDep, user: ReaderDep) -> Response:
    """One license: obligations, verdicts, sources, and the catalogue's models under it (faceted)."""
    as_json = license_id.endswith(".json")
    entry = knowledge_base().get(license_id.removesuffix(".json"))
    if entry is None:
        return _not_found(request, f"no license {license_id!r} in the knowledge base")
    params = _search_params(request).with_(license=(entry.id,))
    result = search(session, params, team_id=_team(user))
    if as_json or wants_json(request):
        return JSONResponse({"ok": True, "license": entry.to_dict(), "models": result.to_dict()})
    return _render(request, "license.html", user, {
        "license": entry.to_dict(), "sources": source_links(entry.sources, knowledge_base().sources),
        **_search_context(params, result, user, fixed=("license", entry.id)), "base_path": f"/licenses/{entry.id}",
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


def _search_context(params: SearchParams, result: Any, user: User | None = None,
                    fixed: tuple[str, str] | None = None) -> dict[str, Any]:
    """What the search templates need beside the result; ``fixed`` is a filter the page itself sets
    (a license page's license), which links leave out and no chip offers to remove."""
    base = [(k, v) for k, v in params.to_query() if k != "cursor" and (k, v) != fixed]
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
        "headers": _sort_headers(params, base),
        "chips": _chips(params, result, base),
        "clear_url": query_url([(k, v) for k, v in base if k == "sort"]),
        "common_codes": _common_codes(result.data),
        "show_flags": user is not None,
        "hidden": [(k, v) for k, v in base if k not in ("q", "sort")],
        "query": query_url(base),
        "next_url": query_url(base + [("cursor", result.next_cursor)]) if result.next_cursor else None,
        "first_url": query_url(base) if params.cursor else None,
    }


def _sort_headers(params: SearchParams, base: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """Per sortable column: the URL a click on its header goes to, and ``aria-sort`` when it is the sort.

    The URL uses the ``sort`` parameter of the API (``key`` ascending, ``-key`` descending): a first
    click sorts in the key's natural order (most first, names A to Z), a second click reverses it.
    """
    rest = [(k, v) for k, v in base if k != "sort"]
    headers = {}
    for key, (_, natural_desc) in SORTS.items():
        natural = "-" + key if natural_desc else key
        active = params.sort.lstrip("-") == key
        value = (key if natural_desc else "-" + key) if params.sort == natural else natural
        headers[key] = {
            "url": query_url(rest + ([("sort", value)] if value != DEFAULT_SORT else [])),
            "aria_sort": ("descending" if params.sort.startswith("-") else "ascending") if active else None,
        }
    return headers


def _chips(params: SearchParams, result: Any, base: list[tuple[str, str]]) -> list[dict[str, str]]:
    """One removable chip per active filter, labelled as its facet labels it."""
    labels = {name: {v["value"]: v["label"] for v in facet["results"]} for name, facet in result.facets.items()}
    names = {name: facet["label"] for name, facet in result.facets.items()}
    names.update({"q": "Text", "params_min": "Parameters at least", "params_max": "Parameters at most",
                  "removed": "Removed from the Hub", "base_model": "Derived from", "relation": "Relation"})
    chips = []
    for index, (key, value) in enumerate(base):
        if key in ("sort", "limit"):
            continue
        # License ids are the vocabulary of the badges, so the chip shows the id, not the full name.
        label = value if key == "license" and value != "none" else labels.get(key, {}).get(value, value)
        chips.append({"name": names.get(key, key), "label": label,
                      "remove_url": query_url(base[:index] + base[index + 1:])})
    return chips


def _common_codes(rows: list[dict[str, Any]]) -> list[str]:
    """The finding codes every row of the page shares (then listed once above the table, not per row)."""
    if len(rows) < 2:
        return []
    first = rows[0]["findings"]["codes"]
    return list(first) if first and all(r["findings"]["codes"] == first for r in rows) else []


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

