"""REST API v1, mounted at /api/v1. It calls the same query functions as the pages and the CLI.

Reads follow ``public_read``; writes need a bearer token of a user with the right role. Errors
are raised as exceptions and rendered by the application's handlers in the one error shape.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import StringConstraints

from catalog.db.tables import Team, User
from catalog.errors import InvalidQuery
from catalog.search.params import refuse_unknown
from catalog.web import api_schemas as s
from catalog.web.auth import ReaderDep, actor_for, require_token_role
from catalog.web.deps import SessionDep, SettingsDep
from catalog.web.responses import JSONResponse


def _known_parameters(request: Request) -> None:
    """Refuse a query parameter the matched endpoint does not declare (see ``refuse_unknown``)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is not None and request.query_params:
        refuse_unknown(request.query_params.keys(), _query_names(dependant))


def _query_names(dependant: Any) -> list[str]:
    """The query parameters an endpoint declares, its dependencies' included, in declared order."""
    names = [param.alias for param in dependant.query_params]
    for sub in dependant.dependencies:
        names += [name for name in _query_names(sub) if name not in names]
    return names


router = APIRouter(tags=["catalog API v1"], dependencies=[Depends(_known_parameters)])

ROW_FIELDS = tuple(s.ModelRow.model_fields)
_POLICY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

Multi = Annotated[list[str] | None, Query(max_length=50)]


def _invalid(field: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", field), "msg": message, "type": "value_error"}])


def _team_id(user: User | None) -> int | None:
    return user.team_id if user is not None else None


@router.get("/models", response_model=s.SearchPage, responses={
    **s.errors(400, 401, 422, 503), 200: {"content": {"text/csv": {}}, "description": "A page of models, or CSV."}})
def list_models(
    request: Request, session: SessionDep, user: ReaderDep,
    # q and limit are checked by SearchParams (not FastAPI), so that a bad value is the documented 400.
    q: Annotated[str | None, Query(description="Free text over ids and cards (at most 200 characters).")] = None,
    license: Multi = None, category: Multi = None, finding: Multi = None,
    flag: Annotated[list[s.FlagFilter] | None, Query(max_length=50, description="Your team's flag status, or "
                                                                                 "none.")] = None,
    task: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] | None,
                    Query(max_length=50, description="Pipeline tag (the Hub's task), or none.")] = None, library: Multi = None, author: Multi = None, size: Multi = None, gated: Multi = None,
    format: Annotated[list[str] | None, Query(max_length=50, description="Weight format filter; format=csv "
                                                                          "exports CSV instead.")] = None,
    params_min: Annotated[str | None, Query(max_length=20, description="e.g. 7B, 350M")] = None,
    params_max: Annotated[str | None, Query(max_length=20)] = None,
    removed: Annotated[str | None, Query(pattern="^(false|true|any)$")] = None,
    base_model: Annotated[str | None, Query(max_length=200, description="Models declaring this base model.")] = None,
    relation: Annotated[str | None, Query(pattern="^(finetune|adapter|quantized|merge|unknown)$",
                                          description="With base_model: only this relation to it.")] = None,
    sort: Annotated[str | None, Query(max_length=20, description="downloads, likes, parameters, last_modified or "
                                                                 "name, ascending; prefix - for descending "
                                                                 "(default -downloads: most downloaded first)")] = None,
    limit: Annotated[int | None, Query(description="Page size, 1 to 200 (default 50); a larger one is capped "
                                                   "at 200 and the answer says so in limit_capped.")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    fields: Annotated[str | None, Query(max_length=300, description="Comma-separated fields to return.")] = None,
) -> Response:
    """Search the catalogue: one page of models, the total count and facet counts."""
    from catalog.search.query import SearchParams, search

    pairs = [(k, v) for k, v in request.query_params.multi_items() if not (k == "format" and v == "csv")]
    params = SearchParams.from_query(pairs)
    chosen = _fields(fields)
    wants_csv = "csv" in (format or []) or "text/csv" in request.headers.get("accept", "")
    if wants_csv:
        from catalog.search.export import choose_columns, csv_response

        return csv_response(request.app.state.sessionmaker, params, team_id=_team_id(user),
                            columns=choose_columns(chosen))
    result = search(session, params, team_id=_team_id(user)).to_dict()
    if chosen:
        result["data"] = [{k: v for k, v in row.items() if k in chosen} for row in result["data"]]
    return JSONResponse(result)


def _fields(value: str | None) -> tuple[str, ...] | None:
    if not value:
        return None
    names = tuple(dict.fromkeys(f.strip() for f in value.split(",") if f.strip()))
    unknown = [n for n in names if n not in ROW_FIELDS]
    if unknown:

        raise InvalidQuery("fields", f"unknown field {unknown[0]!r}; choose from {', '.join(ROW_FIELDS)}")
    return ("id", *[n for n in names if n != "id"])


@router.get("/models/{repo_id:path}/history", response_model=s.HistoryPage, responses=s.errors(401, 404, 422))
def model_history(repo_id: str, session: SessionDep, user: ReaderDep) -> Response:
    """Every recorded change of a model (license, sha, parameters, gating, removal), oldest first."""
    from catalog.facts.queries import model_history as history
    from catalog.facts.resolve import find_model

    model = find_model(session, repo_id)
    return JSONResponse({"ok": True, "id": model.repo_id, "data": history(session, model.id)})


@router.get("/models/{repo_id:path}/flags", response_model=s.FlagsPage, responses=s.errors(401, 404, 422))
def model_flags(repo_id: str, session: SessionDep, user: ReaderDep) -> Response:
    """Each team's current decision on a model and the full decision history."""
    from catalog.facts.resolve import find_model
    from catalog.teams.flags import model_flags as flags

    model = find_model(session, repo_id)
    return JSONResponse({"ok": True, "id": model.repo_id, **flags(session, model)})


@router.post("/models/{repo_id:path}/flags", status_code=201, response_model=s.FlagCreated,
             responses=s.errors(400, 401, 403, 404, 413, 422))
def add_flag(repo_id: str, body: s.FlagIn, request: Request, session: SessionDep,
             user: Annotated[User, Depends(require_token_role("reviewer"))]) -> Response:
    """Record your team's decision on a model (needs a reviewer's token); audit-logged."""
    from catalog.facts.resolve import find_model
    from catalog.teams.flags import FlagError, flag_view
    from catalog.teams.flags import add_flag as append

    if user.team_id is None:
        raise HTTPException(status_code=403, detail="your account belongs to no team, so it cannot flag models")
    model = find_model(session, repo_id)
    team = session.get(Team, user.team_id)
    assert team is not None
    expires_at = (datetime.combine(body.expires, time(), tzinfo=UTC) + timedelta(days=1)) if body.expires else None
    try:
        flag = append(session, model, team, body.status, actor_for(request, user), note=body.note,
                      conditions=body.conditions, expires_at=expires_at, revision=body.revision)
    except FlagError as exc:
        raise _invalid(exc.field, exc.message) from None
    return JSONResponse({"ok": True, "id": model.repo_id, "flag": flag_view(flag, model)}, status_code=201)


@router.get("/models/{repo_id:path}", response_model=s.ModelDetail, responses=s.errors(401, 404, 422))
def get_model(repo_id: str, session: SessionDep, user: ReaderDep,
              revision: Annotated[str | None, Query(max_length=64, description="Show the license at "
                                                                              "this sha.")] = None) -> Response:
    """The full record of a model (``org/name`` or a bare name) with every team's decisions."""
    from catalog.facts.record import read_record
    from catalog.teams.flags import model_flags as flags

    record = read_record(session, repo_id, revision=revision)
    return JSONResponse({"ok": True, **record.data, "flags": flags(session, record.model)})


@router.get("/licenses", response_model=s.LicensePage, responses=s.errors(401))
def list_licenses(user: ReaderDep) -> Response:
    """The license knowledge base: categories, obligations and verdicts per use context."""
    from catalog.licenses import knowledge_base

    kb = knowledge_base()
    data = [lic.to_dict() for lic in kb.all()]
    return JSONResponse({"ok": True, "count": len(data), "version": kb.version, "data": data})


@router.get("/licenses/{license_id}", response_model=s.LicenseDetail, responses=s.errors(401, 404, 503))
def get_license(license_id: str, user: ReaderDep) -> Response:
    """One license of the knowledge base, by id."""
    from catalog.licenses import knowledge_base

    found = knowledge_base().get(license_id)
    if found is None:
        raise HTTPException(status_code=404, detail=f"no license {license_id!r} in the knowledge base")
    return JSONResponse({"ok": True, **found.to_dict()})


@router.post("/check", response_model=s.CheckOut, responses=s.errors(400, 401, 413, 422, 503))
def check(body: s.CheckIn, session: SessionDep, settings: SettingsDep, user: ReaderDep) -> Response:
    """Judge models against a policy: a verdict per model with every reason, and the overall verdict.

    Models the catalogue lacks get the ``not-in-catalogue`` reason. A bad policy is a 422 whose
    message says where the problem is (the line, for YAML).
    """
    from catalog.compliance.policy import evaluate, overall
    from catalog.licenses import CONTEXTS
    from catalog.scan.check import UnknownTeam, subjects_from_db

    policy = _policy(body.policy, settings)
    context = body.context or policy.context
    if context not in CONTEXTS:
        raise _invalid("context", f"unknown context {context!r}; use one of {', '.join(CONTEXTS)}" if context
                       else f"no context: send one of {', '.join(CONTEXTS)} or set it in the policy")
    refs = [(m, None) if isinstance(m, str) else (m.id, m.revision) for m in body.models]
    try:
        subjects = subjects_from_db(session, refs, team=body.team)
    except UnknownTeam as exc:
        raise _invalid("team", str(exc)) from None
    verdicts = evaluate(policy, subjects, context=context)
    return JSONResponse({"ok": True, "overall": overall(verdicts), "context": context, "policy": policy.source,
                         "verdicts": [v.to_dict() for v in verdicts]})


def _policy(value: dict[str, Any] | str | None, settings: Any):  # -> Policy
    from catalog.compliance.policy import DEFAULT_POLICY, PolicyError, load_policy, policy_from_dict

    try:
        if value is None:
            return DEFAULT_POLICY
        if isinstance(value, dict):
            return policy_from_dict(value, source="<json>")
        if _POLICY_NAME.match(value.strip()) and ":" not in value:
            return _named_policy(value.strip(), settings)
        return load_policy(value, source="<yaml>")
    except PolicyError as exc:
        if exc.unparseable:  # not YAML, or over a bound: like an unparseable body, a 400
            raise InvalidQuery("policy", str(exc)) from None
        raise _invalid("policy", str(exc)) from None


def _named_policy(name: str, settings: Any):  # -> Policy
    from catalog.compliance.policy import PolicyError, load_policy_file

    directory = settings.policy_dir
    if directory is not None:
        for candidate in (name, f"{name}.yaml", f"{name}.yml"):
            path = directory / candidate
            # The name is a plain file name (no separators), so it cannot leave policy_dir.
            if path.suffix in (".yaml", ".yml") and path.is_file():
                try:
                    return dataclasses.replace(load_policy_file(path), source=path.name)
                except PolicyError as exc:
                    # Errors cite the file name only: the server's paths are none of the caller's business.
                    raise PolicyError(exc.message, source=path.name, line=exc.line, column=exc.column,
                                      unparseable=exc.unparseable) from None
    raise PolicyError(f"no policy named {name!r} on the server", source="<policy>")


@router.get("/sync/runs", response_model=s.SyncRunsPage, responses=s.errors(401, 422))
def sync_runs(session: SessionDep, user: ReaderDep,
              limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> Response:
    """Recent sync runs, newest first, with their counts, errors and whether they can be resumed."""
    from catalog.facts.queries import sync_runs as runs

    return JSONResponse({"ok": True, "data": runs(session, limit=limit)})
