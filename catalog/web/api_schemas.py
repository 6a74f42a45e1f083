"""Request and response bodies of REST API v1, as OpenAPI publishes them.

Versioned: a field under /api/v1 keeps its name and meaning; new fields may be added.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from catalog.compliance.policy import TEAM_STATUSES
from catalog.licenses import CONTEXTS

FlagStatus = Literal[TEAM_STATUSES]  # type: ignore[valid-type]
# The flag= filter: a status, or "none" for models the team has not flagged.
FlagFilter = Literal[(*TEAM_STATUSES, "none")]  # type: ignore[valid-type]
Context = Literal[CONTEXTS]  # type: ignore[valid-type]
Outcome = Literal["pass", "warn", "fail", "info"]
MAX_CHECK_MODELS = 1000


class ErrorItem(BaseModel):
    field: str | None = Field(description="The parameter or body field at fault, if one is.")
    message: str


class ErrorBody(BaseModel):
    """The one shape of every error the API returns."""

    ok: Literal[False]
    status: int
    error: str = Field(description="A stable machine-readable code, e.g. not_found.")
    message: str
    errors: list[ErrorItem] = []


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A parameter has an unusable value, the body is not JSON, or the "
                                             "policy is not YAML or exceeds its bounds."},
    401: {"model": ErrorBody, "description": "No valid credentials (sign in or send a bearer token)."},
    403: {"model": ErrorBody, "description": "The user lacks the role this needs."},
    404: {"model": ErrorBody, "description": "No such model or license."},
    413: {"model": ErrorBody, "description": "The request body is too large."},
    422: {"model": ErrorBody, "description": "The request body or a parameter is invalid."},
    503: {"model": ErrorBody, "description": "A database query ran past the server's time limit "
                                             "(CATALOG_QUERY_TIMEOUT) and was stopped (error query_timeout)."},
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error responses an endpoint declares."""
    return {code: ERRORS[code] for code in codes}


class _Open(BaseModel):
    # Records grow new fields over time; clients must ignore the ones they do not know.
    model_config = ConfigDict(extra="allow")


class LicenseRef(_Open):
    id: str | None
    category: str


class Parameters(_Open):
    total: int | None
    source: str | None


class FindingSummary(_Open):
    total: int
    by_severity: dict[str, int]
    codes: list[str]


class ModelRow(_Open):
    """One search result; with ``fields=`` only the chosen fields (and ``id``) are present."""

    id: str
    author: str | None = None
    license: LicenseRef | None = None
    parameters: Parameters | None = None
    task: str | None = None
    library: str | None = None
    downloads: int | None = None
    likes: int | None = None
    last_modified: str | None = None
    gated: str | None = None
    removed: bool | None = None
    findings: FindingSummary | None = None
    flag: FlagStatus | None = None


class SearchPage(BaseModel):
    ok: Literal[True]
    count: int
    data: list[ModelRow]
    facets: dict[str, dict[str, Any]] = Field(description=(
        "By facet: {name, label, results: [{value, label, count, count_approximate, selected, toggle_url}], "
        "truncated}. count_approximate: counted in a sample of more matches, so count is a lower bound."))
    facets_approximate: bool
    count_approximate: bool = Field(default=False, description="count is not exact: a lower bound (shown as "
                                                               "5,000+), or an estimate when count_estimated")
    count_estimated: bool = Field(default=False, description="count is an estimate (two significant digits) "
                                                             "from a stratum of the matches")
    facets_stale: bool = False
    next_cursor: str | None = Field(description="Pass as cursor= for the next page; null on the last page.")
    limit: int = Field(description="Models per page: the limit asked for, at most 200.")
    limit_capped: str | None = Field(default=None, description="Present when the limit asked for was above 200: "
                                                               "says that pages hold 200 models.")


class FlagOut(BaseModel):
    id: int
    team: str
    status: FlagStatus
    revision: str | None
    license_ids: list[Any]
    conditions: str | None
    note: str | None
    expires_at: str | None
    created_by: str | None
    created_at: str
    stale: bool = Field(description="An approval whose license ids, or license file texts, differ from the model's current ones.")
    expired: bool
    license_texts: list[Any] | None = Field(
        default=None, description="[{path, sha256}] of the license files the decision was taken on; null: none read.")
    text_changes: list[Any] = Field(
        default_factory=list, description="[{path, then, now}] sha256 of each license file that changed since.")


class ModelFlags(BaseModel):
    current: list[FlagOut] = Field(description="Each team's newest decision.")
    history: list[FlagOut] = Field(description="Every decision, newest first.")


class FlagsPage(ModelFlags):
    ok: Literal[True]
    id: str


class HistoryEvent(_Open):
    kind: str
    old: Any
    new: Any
    sha: str | None
    at: str | None
    sync_run: int | None


class HistoryPage(BaseModel):
    ok: Literal[True]
    id: str
    data: list[HistoryEvent]


class Finding(_Open):
    code: str
    severity: str
    message: str
    evidence: dict[str, Any]


class ModelDetail(_Open):
    """The full record of a model (the same as `catalog show --json`) plus the teams' decisions."""

    ok: Literal[True]
    id: str
    author: str | None
    sha: str | None
    revision: str | None
    license: dict[str, Any]
    parameters: Parameters
    findings: list[Finding]
    history: list[HistoryEvent]
    removed: bool
    flags: ModelFlags


class LicenseOut(_Open):
    id: str
    name: str
    aliases: list[str]
    spdx: str | None
    category: str
    url: str | None
    sources: list[str]
    obligations: list[dict[str, Any]]
    verdicts: dict[str, dict[str, Any]]


class LicensePage(BaseModel):
    ok: Literal[True]
    count: int
    version: str
    data: list[LicenseOut]


class LicenseDetail(LicenseOut):
    ok: Literal[True]


class FlagIn(BaseModel):
    """A team decision. The team is the token user's team."""

    model_config = ConfigDict(extra="forbid")

    status: FlagStatus
    note: str | None = Field(default=None, max_length=5000)
    conditions: str | None = Field(default=None, max_length=5000,
                                   description="Required for approved-with-conditions.")
    expires: date | None = Field(default=None, description="The decision lapses after this day (YYYY-MM-DD).")
    revision: str | None = Field(default=None, min_length=1, max_length=64,
                                 description="The sha decided on; the model's current sha by default.")


class FlagCreated(BaseModel):
    ok: Literal[True]
    id: str
    flag: FlagOut


class ModelRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    revision: str | None = Field(default=None, max_length=64)


class CheckIn(BaseModel):
    """Models to check against a policy."""

    model_config = ConfigDict(extra="forbid")

    models: list[ModelRef | Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(min_length=1, max_length=MAX_CHECK_MODELS,
                                          description="'org/name' strings or {id, revision} objects.")
    policy: dict[str, Any] | str | None = Field(
        default=None, description="A policy as JSON, as YAML text, or the name of a policy file on the server; "
                                  "the built-in default policy if omitted.")
    context: Context | None = Field(default=None, description="Use context; overrides the policy's.")
    team: str | None = Field(default=None, max_length=64, description="A team whose decisions count.")


class ReasonOut(BaseModel):
    code: str
    outcome: Outcome
    message: str
    evidence: dict[str, Any]


class VerdictOut(BaseModel):
    repo_id: str
    revision: str | None
    verdict: Literal["pass", "warn", "fail"]
    license_id: str | None
    category: str
    reasons: list[ReasonOut]


class CheckOut(BaseModel):
    ok: Literal[True]
    overall: Literal["pass", "warn", "fail"]
    context: str
    policy: str = Field(description="Where the policy came from: a file name, <json>, <yaml> or <default>.")
    verdicts: list[VerdictOut]


class SyncRunOut(_Open):
    id: int
    status: str
    started_at: str | None
    finished_at: str | None
    seen: int
    new: int
    updated: int
    removed: int
    failed: int
    error: str | None
    resumable: bool


class SyncRunsPage(BaseModel):
    ok: Literal[True]
    data: list[SyncRunOut]
