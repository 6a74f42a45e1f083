"""Policy: whether a team may use a model in a context, given its licenses, findings and decisions.

A policy file (YAML) lists licenses to allow, review and deny, says how audit findings count and
grants time-limited exceptions. ``evaluate`` turns a policy and the models to check into verdicts
(pass | warn | fail), each listing every reason that contributed, so a user can see why.

Precedence, strongest first: a team ban fails whatever else holds; a valid exception passes
everything else; deny beats review beats allow (an allowed license id does not escape a denied
category, since deny lists are what legal signs off); a license no list names gets the knowledge
base's verdict for the context. A current team approval settles review, the knowledge base and
unknown licenses, never a deny or a failing finding. Overridden reasons stay listed, as info.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from catalog.compliance.findings import Finding, ModelFacts

# Loading and validation live in policy_file; re-exported so callers keep importing from here.
from catalog.compliance.policy_file import (
    DEFAULT_POLICY,
    Policy,
    PolicyError,
    PolicyException,
    load_policy,
    load_policy_file,
    policy_from_dict,
)
from catalog.licenses import CONTEXTS, KnowledgeBase, License, knowledge_base

__all__ = [
    "DEFAULT_POLICY", "REASON_CODES", "TEAM_STATUSES", "ModelVerdict", "Policy", "PolicyError",
    "PolicyException", "Reason", "Subject", "TeamDecision", "evaluate", "load_policy",
    "load_policy_file", "overall", "policy_from_dict",
]

TEAM_STATUSES = ("approved", "approved-with-conditions", "needs-review", "restricted", "banned")
# Policy reason codes; finding codes are reasons too. Extend, never rename.
REASON_CODES = (
    "license-allowed", "license-conditional", "license-denied", "license-review",
    "license-not-allowed-in-context", "license-unknown", "not-in-catalogue",
    "team-banned", "team-restricted", "team-needs-review", "team-approved", "team-approval-stale",
    "exception", "exception-expired",
)
# A team approval is a person having read the license, so it settles what the lists and the knowledge
# base left open; it never lifts an explicit deny or a failing finding.
_APPROVABLE = ("license-review", "license-not-allowed-in-context", "license-unknown")
_RESTRICTED_FAILS_IN = ("saas", "redistribution")
_SHORT_SHA = 7


@dataclass(frozen=True)
class TeamDecision:
    """A team's current decision on a model.

    ``stale`` means it was taken at a revision whose license changed since: a stale approval counts as
    none, while a stale ban or restriction still holds until the team lifts it.
    """

    status: str
    revision: str | None
    stale: bool
    team: str
    note: str | None
    conditions: str | None = None

    def __post_init__(self) -> None:
        # A misspelt status must not fall through to the approval branch.
        if self.status not in TEAM_STATUSES:
            raise ValueError(f"unknown team decision {self.status!r}; use one of {', '.join(TEAM_STATUSES)}")


@dataclass(frozen=True)
class Subject:
    """One model to check. ``facts`` is None when the model is not in the catalogue."""

    repo_id: str
    revision: str | None
    facts: ModelFacts | None
    findings: tuple[Finding, ...]
    decision: TeamDecision | None = None
    candidates: tuple[str, ...] = ()  # the catalogued models a bare name (no org) not in it may mean


@dataclass(frozen=True)
class Reason:
    """One thing that contributed to a verdict; ``outcome`` is what it alone would make the verdict."""

    code: str
    outcome: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "outcome": self.outcome, "message": self.message,
                "evidence": self.evidence}


@dataclass(frozen=True)
class ModelVerdict:
    """The verdict on one model: the worst outcome among its reasons."""

    repo_id: str
    revision: str | None
    verdict: str
    reasons: tuple[Reason, ...]
    license_id: str | None
    category: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "repo_id": self.repo_id, "revision": self.revision, "verdict": self.verdict,
            "license_id": self.license_id, "category": self.category,
            "reasons": [reason.to_dict() for reason in self.reasons],
        }


# --- evaluation ---------------------------------------------------------------------------------


def evaluate(policy: Policy, subjects: Iterable[Subject], *, context: str | None = None,
             today: date | None = None, kb: KnowledgeBase | None = None) -> list[ModelVerdict]:
    """Judge each subject against a policy.

    Args:
        policy: The policy to apply.
        subjects: The models to check, with their facts, audit findings and team decision.
        context: The use context; overrides ``policy.context``.
        today: The date exceptions expire against; the local date if None.
        kb: The license knowledge base; the bundled one if None.

    Returns:
        One verdict per subject, in order. A verdict is the worst outcome among its reasons, and every
        reason is listed, including those that an approval or exception overrode (as ``info``).

    Raises:
        ValueError: Neither ``context`` nor the policy names a context, or it is not a known one.
    """
    context = context or policy.context
    if context not in CONTEXTS:
        raise ValueError(f"unknown context {context!r}: pass one of {', '.join(CONTEXTS)}"
                         if context else "no context: pass one or set `context` in the policy")
    kb = kb if kb is not None else knowledge_base()
    today = today or date.today()
    return [_evaluate_one(policy, subject, context, today, kb) for subject in subjects]


def overall(verdicts: Iterable[ModelVerdict]) -> str:
    """The verdict of a whole check: fail if any model fails, else warn if any warns, else pass."""
    return _worst(verdict.verdict for verdict in verdicts)


def _worst(outcomes: Iterable[str]) -> str:
    outcomes = set(outcomes)
    return "fail" if "fail" in outcomes else "warn" if "warn" in outcomes else "pass"


def _evaluate_one(policy: Policy, subject: Subject, context: str, today: date,
                  kb: KnowledgeBase) -> ModelVerdict:
    facts = subject.facts
    revision = subject.revision or (facts.sha if facts else None)
    if facts is None and len(subject.candidates) > 1:
        reasons = [Reason("not-in-catalogue", policy.not_in_catalogue,
                          f"{subject.repo_id} is ambiguous: it names {len(subject.candidates)} models in the "
                          f"catalogue ({', '.join(subject.candidates)}); write org/name.",
                          {"repo_id": subject.repo_id, "candidates": list(subject.candidates)})]
    elif facts is None and subject.candidates:
        reasons = [Reason("not-in-catalogue", policy.not_in_catalogue,
                          f"{subject.repo_id} is not in the catalogue under that id; the Hub redirects a legacy id "
                          f"to its current one, which `catalog sync --model {subject.repo_id}` records (the "
                          f"catalogue holds {subject.candidates[0]}: if that is the model, write its id).",
                          {"repo_id": subject.repo_id, "candidates": list(subject.candidates)})]
    elif facts is None:
        reasons = [Reason("not-in-catalogue", policy.not_in_catalogue,
                          f"{subject.repo_id} is not in the catalogue, so its license cannot be checked: add it "
                          f"with `catalog sync --model {subject.repo_id}` (or check with --fetch-missing).",
                          {"repo_id": subject.repo_id})]
    else:
        reasons = _license_reasons(policy, facts, context, kb)
    reasons = _decision_reasons(reasons, subject, revision, context)
    reasons += _finding_reasons(policy, subject.findings)
    reasons = _exception_reasons(reasons, policy, subject.repo_id, revision, today)
    resolution = facts.resolution if facts else None
    return ModelVerdict(
        repo_id=subject.repo_id, revision=revision, verdict=_worst(r.outcome for r in reasons),
        reasons=tuple(reasons), license_id=resolution.license_id if resolution else None,
        category=resolution.category if resolution else "unknown",
    )


def _license_reasons(policy: Policy, facts: ModelFacts, context: str, kb: KnowledgeBase) -> list[Reason]:
    resolution, repo = facts.resolution, facts.repo_id
    reasons = []
    if resolution.status == "missing" or not resolution.license_ids or resolution.unresolved:
        unresolved = _listing(resolution.unresolved)
        message = (f"{repo} declares no license." if resolution.status == "missing" else
                   f"Part of {repo}'s license is not recognised: {unresolved}." if resolution.license_ids else
                   f"{repo} declares a license catalog does not recognise: {unresolved}.")
        reasons.append(Reason("license-unknown", policy.unknown, message,
                              {"status": resolution.status, "unresolved": list(resolution.unresolved)}))
    for license_id in resolution.license_ids:
        license_ = kb.get(license_id)
        if license_ is None:
            reasons.append(Reason("license-unknown", policy.unknown,
                                  f"{repo}'s license {license_id!r} is not in knowledge base {kb.version}.",
                                  {"status": "unknown", "unresolved": [license_id]}))
        else:
            reasons.append(_license_reason(policy, license_, context, repo))
    return reasons


def _license_reason(policy: Policy, license_: License, context: str, repo: str) -> Reason:
    """Deny beats review beats allow; a license no list names gets the knowledge base's verdict."""
    named = f"{license_.name} ({license_.id})"
    evidence: dict[str, Any] = {"license": license_.id, "category": license_.category, "context": context}
    for code, outcome, rules, says in (
        ("license-denied", "fail", policy.deny, "which the policy denies"),
        ("license-review", "warn", policy.review, "which needs a team's approval before use"),
        ("license-allowed", "pass", policy.allow, "which the policy allows"),
    ):
        rule = next((r for r in rules if r in (license_.id, f"category:{license_.category}")), None)
        if rule is not None:
            evidence["rule"] = rule
            return Reason(code, outcome, f"{repo} is under {named}, {says} ({rule}).", evidence)
    verdict = license_.verdicts.get(context)
    evidence["rule"] = "knowledge-base"
    if verdict is None:
        return Reason("license-review", "warn", f"The knowledge base has no verdict on {named} for {context} "
                                                f"use, so {repo} needs a team's approval.", evidence)
    note = f" {verdict.note}" if verdict.note else ""
    evidence.update(obligations=list(verdict.obligations), note=verdict.note)
    if verdict.status == "allowed":
        return Reason("license-allowed", "pass", f"{named} allows {context} use of {repo}.{note}", evidence)
    if verdict.status == "review":
        return Reason("license-review", "warn", f"{named} needs a person to read the terms before {context} use "
                                                f"of {repo}.{note}", evidence)
    if verdict.status == "conditional":
        return Reason("license-conditional", "info", f"{named} allows {context} use of {repo} on conditions: "
                                                     f"{_listing(verdict.obligations)}.{note}", evidence)
    return Reason("license-not-allowed-in-context", "fail",
                  f"{named} does not allow {context} use of {repo}.{note}", evidence)


def _decision_reasons(reasons: list[Reason], subject: Subject, revision: str | None,
                      context: str) -> list[Reason]:
    decision, repo = subject.decision, subject.repo_id
    if decision is None:
        return reasons
    team, at = decision.team, f" at revision {decision.revision}" if decision.revision else ""
    said = "".join(f" {text}" for text in (decision.note, decision.conditions) if text)
    evidence = {"team": team, "status": decision.status, "revision": decision.revision,
                "note": decision.note, "conditions": decision.conditions}

    def add(code: str, outcome: str, message: str) -> list[Reason]:
        return [*reasons, Reason(code, outcome, message, evidence)]

    if decision.status == "banned":
        return add("team-banned", "fail", f"Team {team} banned {repo}{at}.{said}")
    if decision.status == "restricted":
        outcome = "fail" if context in _RESTRICTED_FAILS_IN else "warn"
        return add("team-restricted", outcome, f"Team {team} restricted {repo}{at}.{said}")
    if decision.status == "needs-review":
        return add("team-needs-review", "warn", f"Team {team} marked {repo} as needing review.{said}")
    if decision.stale:
        return add("team-approval-stale", "warn", f"Team {team} approved {repo}{at}, but its license has "
                                                  "changed since, so the approval no longer counts.")
    if not _same_revision(decision.revision, revision):
        return add("team-approved", "info", f"Team {team} approved {repo}{at}, which does not cover "
                                            f"revision {revision or 'unknown'}.")
    reasons = [_override(r, "team-approved", f"team {team}'s approval") if r.code in _APPROVABLE else r
               for r in reasons]
    return add("team-approved", "pass", f"Team {team} approved {repo}{at}.{said}")


def _finding_reasons(policy: Policy, findings: Iterable[Finding]) -> list[Reason]:
    reasons = []
    for finding in findings:
        if finding.code in policy.findings_ignore:
            continue
        outcome = ("fail" if finding.code in policy.findings_fail else
                   "warn" if finding.code in policy.findings_warn else "info")
        message, evidence = finding.message, {**finding.evidence, "severity": finding.severity}
        if finding.code == "naming-requirement" and finding.severity == "info":
            # The rule is only broken by a derivative whose name does not follow it (a warning
            # finding); the model's own name, or a complying one, is no reason to warn.
            outcome = "info"
        elif finding.code == "territory-restrictions" and outcome != "fail":
            # A territory restriction withholds the license's rights from licensees domiciled there.
            region = finding.evidence.get("region")
            if policy.within(region):
                outcome = "fail"
                message += f" The policy's jurisdiction ({policy.jurisdiction}) lies in {region}: no rights."
            else:
                outcome = "warn"
                message += (f" The policy's jurisdiction ({policy.jurisdiction}) is outside {region}."
                            if policy.jurisdiction else
                            " Set `jurisdiction:` in the policy to say where the team is domiciled.")
            evidence["jurisdiction"] = policy.jurisdiction
        reasons.append(Reason(finding.code, outcome, message, evidence))
    return reasons


def _exception_reasons(reasons: list[Reason], policy: Policy, repo: str, revision: str | None,
                       today: date) -> list[Reason]:
    banned = any(r.code == "team-banned" for r in reasons)
    added = []
    for exc in policy.exceptions:
        if exc.model.casefold() != repo.casefold():
            continue
        evidence = {"reason": exc.reason, "approved_by": exc.approved_by, "revision": exc.revision,
                    "expires": exc.expires.isoformat() if exc.expires else None}
        granted = f"exception for {repo} approved by {exc.approved_by} ({exc.reason})"
        if not _same_revision(exc.revision, revision):
            added.append(Reason("exception", "info", f"The {granted} holds only at revision {exc.revision}, "
                                f"not at {revision or 'an unknown revision'}.", evidence))
        elif exc.expires is not None and exc.expires < today:
            added.append(Reason("exception-expired", "warn",
                                f"The {granted} expired on {exc.expires.isoformat()}.", evidence))
        elif banned:
            added.append(Reason("exception", "info", f"The {granted} does not lift a team's ban.", evidence))
        else:
            until = f" until {exc.expires.isoformat()}" if exc.expires else ""
            added.append(Reason("exception", "pass", f"The policy grants an {granted}{until}.", evidence))
    if any(r.code == "exception" and r.outcome == "pass" for r in added):
        # Expired sibling exceptions stay listed but no longer matter once a valid one applies.
        reasons = [_override(r, "exception", "the policy's exception")
                   for r in reasons + added if r.code != "exception"]
        return reasons + [r for r in added if r.code == "exception"]
    return reasons + added


def _override(reason: Reason, code: str, by: str) -> Reason:
    """Keep an overridden reason listed, as info, recording what it would have been."""
    if reason.outcome not in ("fail", "warn"):
        return reason
    return replace(reason, outcome="info", message=f"{reason.message} (Overridden by {by}.)",
                   evidence={**reason.evidence, "overridden_by": code, "overridden_outcome": reason.outcome})


def _same_revision(wanted: str | None, actual: str | None) -> bool:
    """True when ``wanted`` is unset, or names ``actual`` (full or abbreviated sha, at least 7 characters)."""
    if wanted is None:
        return True
    if actual is None:
        return False
    wanted, actual = wanted.lower(), actual.lower()
    if wanted == actual:
        return True
    short, full = sorted((wanted, actual), key=len)
    return len(short) >= _SHORT_SHA and full.startswith(short)


def _listing(values: Iterable[str]) -> str:
    return ", ".join(values) or "nothing"
