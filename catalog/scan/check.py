"""The shared core of ``catalog check`` and ``POST /api/v1/check``: from model ids to policy subjects.

``subjects_from_db`` gathers what the policy engine needs about each model (facts, findings,
the team's current decision) from the catalogue; ``check_local`` adds the policy evaluation;
``check_remote`` asks a catalog server to do both. Nothing here imports the web stack or the
Hub client, because ``catalog check`` runs on every push and pays for every import.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.compliance.findings import Finding, ModelFacts
from catalog.compliance.policy import ModelVerdict, Policy, Reason, Subject, TeamDecision, evaluate
from catalog.db.engine import in_batches
from catalog.db.tables import Team
from catalog.errors import CatalogError
from catalog.facts.ancestors import facts_of_models
from catalog.facts.checked import Checked, read_checked
from catalog.facts.derive import model_findings
from catalog.facts.loader import FactsLoader
from catalog.facts.resolve import is_known, resolve_ids
from catalog.licenses import KnowledgeBase, knowledge_base


class UnknownTeam(CatalogError):
    """``--team`` (or the API's ``team``) names no team; a configuration error, not a violation."""

    exit_code = 2

    def __init__(self, name: str) -> None:
        super().__init__(f"no team named {name!r} in the catalogue")
        self.name = name


class RemoteCheckError(CatalogError):
    """The catalog server could not be reached or refused the check (exit 3), or rejected the input (2)."""

    def __init__(self, message: str, *, exit_code: int = 3) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def subjects_from_db(
    session: Session,
    refs_or_ids: Sequence[tuple[str, str | None]],
    *,
    team: str | None = None,
    kb: KnowledgeBase | None = None,
) -> list[Subject]:
    """Build one policy :class:`Subject` per ``(repo_id, revision)``, in the order given.

    Ids resolve through :func:`catalog.facts.resolve.resolve_ids` (exact, case, former id; a
    bare name is never completed to the one model of that name, since code names the id it
    downloads: ``by_name=False``), and the subject carries the catalogue's current id. A model
    the catalogue lacks gets ``facts=None``, which the policy turns into ``not-in-catalogue``; a
    bare name also carries the catalogued models of that name, as candidates.
    Findings are the stored ones, recomputed only for models derived with another knowledge base
    or derivation revision. With ``team``, the team's current decision (its newest unexpired
    flag, per :mod:`catalog.teams.flags`; stale once the model's licenses differ from those it was
    taken under) becomes the subject's decision.

    Raises:
        UnknownTeam: ``team`` names no team.
    """
    kb = kb or knowledge_base()
    team_row = _team(session, team) if team is not None else None
    loader = FactsLoader(session, kb=kb)
    wanted = list(dict.fromkeys(repo_id for repo_id, _ in refs_or_ids if repo_id))
    # Ids written as stored, the common case, are read in one statement with the facts; only the
    # others go through the resolver's steps (case, former id, bare name) first.
    exact: dict[str, Checked] = {}
    for chunk in in_batches(wanted):
        exact.update((c.facts.repo_id, c) for c in read_checked(session, loader, repo_ids=chunk).values())
    resolutions = resolve_ids(session, [w for w in wanted if w not in exact], exact=False, by_name=False)
    by_row = {c.row_id: c for c in exact.values()}
    for chunk in in_batches(sorted({r.model_id for r in resolutions.values()
                                 if r.model_id is not None and r.model_id not in by_row})):
        by_row.update(read_checked(session, loader, row_ids=chunk))
    found = {written: by_row[r.model_id] for written, r in resolutions.items()
             if r.model_id is not None and r.model_id in by_row}
    found.update(exact)
    findings = {row_id: c.findings for row_id, c in by_row.items()}
    findings.update(_recomputed(session, sorted(row_id for row_id, c in by_row.items() if c.stale), loader, kb))
    decisions = _decisions(session, team_row, {row_id: c.facts for row_id, c in by_row.items()}) \
        if team_row is not None else {}
    subjects = []
    for repo_id, revision in refs_or_ids:
        checked = found.get(repo_id)
        if checked is None:
            candidates = resolutions[repo_id].candidates if repo_id in resolutions else ()
            subjects.append(Subject(repo_id=repo_id, revision=revision, facts=None, findings=(),
                                    candidates=candidates))
            continue
        row_id, fact = checked.row_id, checked.facts
        subjects.append(Subject(repo_id=fact.repo_id, revision=revision, facts=fact,
                                findings=tuple(findings[row_id]), decision=decisions.get(row_id)))
    return subjects


def known_ids(session: Session) -> Callable[[str], bool]:
    """A ``known_ids`` callback for :func:`catalog.scan.discovery.discover`, by the one resolver.

    A bare word that is only the name of some organisation's models does not count (see
    :func:`catalog.facts.resolve.is_known`).
    """

    def known(repo_id: str) -> bool:
        return is_known(resolve_ids(session, [repo_id], any_case=False, by_name=False)[repo_id])

    def many(repo_ids: list[str]) -> set[str]:  # IdCheck.prefetch: one statement a thousand ids
        return {w for w, r in resolve_ids(session, repo_ids, any_case=False, by_name=False).items() if is_known(r)}

    known.many = many  # type: ignore[attr-defined]
    return known


def check_local(
    factory: sessionmaker[Session],
    refs_or_ids: Sequence[tuple[str, str | None]],
    policy: Policy,
    *,
    context: str | None = None,
    team: str | None = None,
    fetch_missing: Callable[[list[str]], object] | None = None,
    today: date | None = None,
) -> list[ModelVerdict]:
    """Evaluate ``policy`` for each ``(repo_id, revision)`` against the catalogue, in the order given.

    ``fetch_missing(repo_ids)`` is called with the ids the catalogue lacks (e.g. a Hub sync)
    before the subjects are built again; without it they stay ``not-in-catalogue``.

    Raises:
        UnknownTeam: ``team`` names no team.
        ValueError: neither ``context`` nor the policy names a context.
    """
    kb = knowledge_base()
    with factory() as session:
        subjects = subjects_from_db(session, refs_or_ids, team=team, kb=kb)
    if fetch_missing is not None:
        absent = list(dict.fromkeys(s.repo_id for s in subjects if s.facts is None))
        if absent:
            fetch_missing(absent)
            with factory() as session:
                subjects = subjects_from_db(session, refs_or_ids, team=team, kb=kb)
    return evaluate(policy, subjects, context=context, today=today, kb=kb)


def check_remote(
    server: str,
    refs_or_ids: Sequence[tuple[str, str | None]],
    *,
    policy: str | dict[str, Any] | None,
    context: str | None,
    team: str | None,
    token: str | None,
    timeout: float = 30.0,
) -> list[ModelVerdict]:
    """Ask a catalog server (``POST {server}/api/v1/check``) for the verdicts, in the order given.

    Raises:
        RemoteCheckError: the server is unreachable or failed (exit code 3), or rejected the
            request as invalid, e.g. a bad policy (exit code 2); the message carries its detail.
    """
    import httpx

    body: dict[str, Any] = {"models": [{"id": repo_id, "revision": revision} for repo_id, revision in refs_or_ids]}
    for key, value in (("policy", policy), ("context", context), ("team", team)):
        if value is not None:
            body[key] = value
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = server.rstrip("/") + "/api/v1/check"
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise RemoteCheckError(f"cannot reach the catalog server at {server}: {exc}") from None
    if response.status_code in (400, 404, 422):
        raise RemoteCheckError(f"the catalog server rejected the check: {_detail(response)}", exit_code=2)
    if response.status_code != 200:
        raise RemoteCheckError(f"the catalog server at {server} answered HTTP {response.status_code}: "
                               f"{_detail(response)}")
    try:
        return [verdict_from_dict(item) for item in response.json()["verdicts"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise RemoteCheckError(f"the catalog server at {server} sent an unreadable answer: {exc}") from None


def remote_known(server: str, repo_ids: Sequence[str], *, token: str | None, timeout: float = 30.0) -> set[str]:
    """The ids among ``repo_ids`` a catalog server resolves to a model (or finds ambiguous).

    Asked through ``POST /api/v1/check`` (so by the server's one resolver), 1,000 ids a request.
    Raises :class:`RemoteCheckError` like :func:`check_remote`.
    """
    known: set[str] = set()
    for start in range(0, len(repo_ids), 1000):
        chunk = list(repo_ids[start:start + 1000])
        verdicts = check_remote(server, [(repo_id, None) for repo_id in chunk], policy=None, context="internal",
                                team=None, token=token, timeout=timeout)
        for repo_id, verdict in zip(chunk, verdicts, strict=True):
            missing = any(r.code == "not-in-catalogue" for r in verdict.reasons)
            if not missing and not (verdict.repo_id != repo_id and verdict.repo_id.lower() == repo_id.lower()):
                known.add(repo_id)  # resolved, and not merely by case (the local rule, is_known)
    return known


def verdict_from_dict(data: dict[str, Any]) -> ModelVerdict:
    """Rebuild a :class:`ModelVerdict` from ``ModelVerdict.to_dict()`` output (the API's JSON)."""
    return ModelVerdict(
        repo_id=data["repo_id"], revision=data.get("revision"), verdict=data["verdict"],
        reasons=tuple(Reason(r["code"], r["outcome"], r["message"], r.get("evidence") or {})
                      for r in data.get("reasons", ())),
        license_id=data.get("license_id"), category=data.get("category", "unknown"),
    )


def _detail(response: Any) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return str(detail) if detail else response.text[:300].strip() or response.reason_phrase


def _team(session: Session, name: str) -> Team:
    found = session.scalar(select(Team).where(Team.name == name))
    if found is None:
        raise UnknownTeam(name)
    return found


def _recomputed(session: Session, stale: list[int], loader: FactsLoader,
                kb: KnowledgeBase) -> dict[int, list[Finding]]:
    """Findings of models derived under another knowledge base or derivation (their stored ones
    may be out of date), recomputed from their facts and their ancestors'."""
    result: dict[int, list[Finding]] = {}
    for chunk in in_batches(stale):
        for row_id, facts in facts_of_models(session, loader, chunk):
            result[row_id] = model_findings(row_id, facts, loader, kb)
    return result


def _decisions(session: Session, team: Team, facts: dict[int, ModelFacts]) -> dict[int, TeamDecision]:
    """The team's current decision per model row id; expired ones do not count at all."""
    # Imported here: flags pulls in accounts (argon2), which a check without --team never needs.
    from catalog.teams.flags import current_flags, is_expired, is_stale

    decisions = {}
    for chunk in in_batches(facts):
        for flag in current_flags(session, team_id=team.id, model_ids=chunk):
            if not is_expired(flag):
                decisions[flag.model_id] = TeamDecision(
                    status=flag.status, revision=flag.revision, stale=is_stale(flag, flag.model), team=team.name,
                    note=flag.note, conditions=flag.conditions)
    return decisions
