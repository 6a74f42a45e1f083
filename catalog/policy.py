"""Policy: whether a team may use a model in a context, given its licenses, findings and decisions.

A policy file (YAML) lists licenses to allow, review and deny, says how audit findings count and
grants time-limited exceptions. ``evaluate`` turns a policy and the models to check into verdicts
(pass | warn | fail), each listing every reason that contributed, so a user can see why.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from .audit import FINDING_CODES, Finding, ModelFacts
from .errors import CatalogError
from .licenses import CATEGORIES, CONTEXTS, KnowledgeBase, License, knowledge_base

TEAM_STATUSES = ("approved", "approved-with-conditions", "needs-review", "restricted", "banned")
# Policy reason codes; finding codes are reasons too. Extend, never rename.
REASON_CODES = (
    "license-allowed", "license-conditional", "license-denied", "license-review",
    "license-not-allowed-in-context", "license-unknown", "not-in-catalogue",
    "team-banned", "team-restricted", "team-needs-review", "team-approved", "team-approval-stale",
    "exception", "exception-expired",
)

_TOP_KEYS = ("context", "allow", "review", "deny", "findings", "unknown", "not_in_catalogue", "exceptions")
_FINDING_LISTS = ("fail", "warn", "ignore")
_EXCEPTION_KEYS = ("model", "revision", "reason", "approved_by", "expires")
# Missing and unknown licenses carry these categories; the `unknown` key governs them, not the lists.
_UNLISTABLE_CATEGORIES = ("unknown", "unlicensed")
# A team approval is a person having read the license, so it settles what the lists and the knowledge
# base left open; it never lifts an explicit deny or a failing finding.
_APPROVABLE = ("license-review", "license-not-allowed-in-context", "license-unknown")
_RESTRICTED_FAILS_IN = ("saas", "redistribution")
_SHORT_SHA = 7


class PolicyError(CatalogError, ValueError):
    """A policy that cannot be used, with where the problem is.

    ``str(e)`` reads ``policy.yaml line 4: unknown license id 'apache2'; did you mean 'apache-2.0'?``
    for files, and ``<json> exceptions[0].expires: ...`` for policies sent as JSON.
    """

    def __init__(self, message: str, *, source: str = "<inline>", line: int | None = None,
                 column: int | None = None, key: str | None = None) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.key = key
        where = f" line {line}" if line is not None else f" {key}" if key else ""
        super().__init__(f"{source}{where}: {message}")


@dataclass(frozen=True)
class PolicyException:
    """A waiver for one model, optionally at one revision, until a date (inclusive)."""

    model: str
    revision: str | None
    reason: str
    approved_by: str
    expires: date | None


@dataclass(frozen=True)
class Policy:
    """A parsed, validated policy. License rules are knowledge-base ids or ``category:<name>``."""

    context: str | None
    allow: tuple[str, ...]
    review: tuple[str, ...]
    deny: tuple[str, ...]
    findings_fail: tuple[str, ...]
    findings_warn: tuple[str, ...]
    findings_ignore: tuple[str, ...]
    unknown: str
    exceptions: tuple[PolicyException, ...]
    source: str
    not_in_catalogue: str = "fail"


# Used when no policy file exists. It has no context (the caller supplies one), lists no licenses
# (the knowledge base's verdict for the context decides), denies non-commercial licenses, fails
# missing or unknown licenses and models not in the catalogue, fails base-license conflicts and
# warns about license changes, pickle-only weights and naming requirements.
DEFAULT_POLICY = Policy(
    context=None, allow=(), review=(), deny=("category:non-commercial",),
    findings_fail=("base-license-conflict",),
    findings_warn=("license-changed", "pickle-weights", "naming-requirement"),
    findings_ignore=(), unknown="fail", exceptions=(), source="<default>", not_in_catalogue="fail",
)


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


# --- loading ------------------------------------------------------------------------------------


class _Locator:
    """Turns a key path into an error location: a line for YAML, a dotted key for JSON."""

    def __init__(self, source: str, marks: Mapping[tuple, yaml.Mark] | None = None) -> None:
        self.source = source
        self.marks = marks

    def error(self, path: tuple, message: str) -> PolicyError:
        if self.marks is not None:
            mark = self.marks.get(path) or self.marks.get(path[:-1])
            if mark is not None:
                return PolicyError(message, source=self.source, line=mark.line + 1, column=mark.column + 1)
        key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
        return PolicyError(message, source=self.source, key=key or None)


def load_policy(text: str, *, source: str = "<inline>", kb: KnowledgeBase | None = None) -> Policy:
    """Parse and validate a policy written in YAML.

    Args:
        text: The policy file's content.
        source: The name errors cite, usually the file's path.
        kb: The license knowledge base that license ids are checked against; the bundled one if None.

    Returns:
        The validated policy.

    Raises:
        PolicyError: The YAML is malformed, or a key, license id, category, finding code, context or
            date is unknown or invalid; the error carries the line.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        marks: dict[tuple, yaml.Mark] = {}
        data = _node_data(loader, node, (), marks, source) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "malformed YAML"
        raise PolicyError(problem, source=source, line=mark.line + 1 if mark else None,
                          column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"malformed YAML: {exc}", source=source) from None
    finally:
        loader.dispose()
    return _build(data, _Locator(source, marks), source, kb or knowledge_base())


def load_policy_file(path: str | Path) -> Policy:
    """Read and validate a policy file; errors cite the path as given.

    Raises:
        OSError: The file cannot be read.
        PolicyError: The file is not UTF-8 text or not a valid policy.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PolicyError("not UTF-8 text", source=str(path)) from None
    return load_policy(text, source=str(path))


def policy_from_dict(data: Any, *, source: str = "<json>", kb: KnowledgeBase | None = None) -> Policy:
    """Validate a policy given as data (the REST API's JSON body); errors name the key path.

    Args:
        data: The decoded JSON, with the same keys as a policy file; dates as ``YYYY-MM-DD`` strings.
        source: The name errors cite.
        kb: The license knowledge base; the bundled one if None.

    Returns:
        The validated policy.

    Raises:
        PolicyError: The data is not a valid policy; ``key`` holds e.g. ``deny[2]``.
    """
    return _build(data, _Locator(source), source, kb or knowledge_base())


def _node_data(loader: yaml.SafeLoader, node: yaml.Node, path: tuple, marks: dict, source: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                raise _Locator(source, {(): key_node.start_mark}).error((), "keys must be plain names")
            marks[path + (key,)] = key_node.start_mark
            if key in out:
                # PyYAML keeps the last duplicate silently, which would drop half of a policy.
                raise _Locator(source, marks).error(path + (key,), f"duplicate key {key!r}")
            out[key] = _node_data(loader, value_node, path + (key,), marks, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            marks[path + (index,)] = item.start_mark
            items.append(_node_data(loader, item, path + (index,), marks, source))
        return items
    if path and path[-1] == "revision" and node.tag != "tag:yaml.org,2002:null":
        return node.value  # a sha of digits would otherwise become an int and lose leading zeros
    try:
        return loader.construct_object(node)
    except ValueError:
        return node.value  # e.g. 2027-13-01 matches YAML's date pattern but is no date


def _build(data: Any, loc: _Locator, source: str, kb: KnowledgeBase) -> Policy:
    if data is None:
        raise loc.error((), "the policy is empty")
    if not isinstance(data, dict):
        raise loc.error((), "a policy is a mapping with keys such as context, allow and deny")
    for key in data:
        if key not in _TOP_KEYS:
            raise loc.error((key,), f"unknown key {key!r}{_did_you_mean(key, _TOP_KEYS)}")
    context = data.get("context")
    if context is not None and context not in CONTEXTS:
        raise loc.error(("context",), f"unknown context {context!r}; use one of {', '.join(CONTEXTS)}")
    rules = {name: _license_rules(data.get(name), name, loc, kb) for name in ("allow", "review", "deny")}
    findings = _finding_lists(data.get("findings"), loc)
    return Policy(
        context=context, allow=rules["allow"], review=rules["review"], deny=rules["deny"],
        findings_fail=findings["fail"], findings_warn=findings["warn"], findings_ignore=findings["ignore"],
        unknown=_choice(data, "unknown", loc), not_in_catalogue=_choice(data, "not_in_catalogue", loc),
        exceptions=tuple(_exceptions(data.get("exceptions"), loc)), source=source,
    )


def _list(value: Any, path: tuple, loc: _Locator, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise loc.error(path, f"expected a list of {what}")
    return value


def _license_rules(value: Any, name: str, loc: _Locator, kb: KnowledgeBase) -> tuple[str, ...]:
    rules = []
    for index, item in enumerate(_list(value, (name,), loc, "license ids or category:<name>")):
        path = (name, index)
        if not isinstance(item, str):
            raise loc.error(path, f"expected a license id or category:<name>, got {item!r}")
        if item.startswith("category:"):
            category = item.removeprefix("category:").strip()
            if category in _UNLISTABLE_CATEGORIES:
                raise loc.error(path, f"{item!r} cannot be listed: the `unknown` key (fail | warn) governs "
                                      "missing and unknown licenses")
            if category not in CATEGORIES:
                raise loc.error(path, f"unknown category {category!r}{_did_you_mean(category, CATEGORIES)}")
            rules.append(f"category:{category}")
            continue
        license_ = _find_license(kb, item)
        if license_ is None:
            guess = kb.lookup_name(item)  # the normaliser's loose match makes a good suggestion
            hint = f"; did you mean {guess!r}?" if guess else _did_you_mean(item.lower(), (x.id for x in kb))
            raise loc.error(path, f"unknown license id {item!r}{hint}")
        if license_.category in _UNLISTABLE_CATEGORIES:
            raise loc.error(path, f"{item!r} names no terms; the `unknown` key (fail | warn) governs it")
        rules.append(license_.id)
    return tuple(rules)


def _find_license(kb: KnowledgeBase, name: str) -> License | None:
    """The license a policy names exactly (in any case) by id, SPDX id or alias; no loose matching,
    since a policy that silently reads "apache2" as Apache-2.0 would also misread a typo."""
    wanted = name.strip().lower()
    found = kb.get(wanted)
    if found is None:
        found = next((lic for lic in kb if wanted in {n.lower() for n in (lic.spdx, *lic.aliases)}), None)
    return found


def _finding_lists(value: Any, loc: _Locator) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {name: () for name in _FINDING_LISTS}
    if not isinstance(value, dict):
        raise loc.error(("findings",), "expected a mapping with fail, warn and ignore lists of finding codes")
    lists: dict[str, tuple[str, ...]] = {}
    placed: dict[str, str] = {}
    for key in value:
        if key not in _FINDING_LISTS:
            raise loc.error(("findings", key), f"unknown key {key!r}{_did_you_mean(key, _FINDING_LISTS)}")
    for name in _FINDING_LISTS:
        codes = []
        for index, code in enumerate(_list(value.get(name), ("findings", name), loc, "finding codes")):
            path = ("findings", name, index)
            if code not in FINDING_CODES:
                hint = _did_you_mean(str(code), FINDING_CODES)
                raise loc.error(path, f"unknown finding code {code!r}{hint}")
            if placed.get(code, name) != name:
                raise loc.error(path, f"finding code {code!r} is already listed under {placed[code]!r}")
            placed[code] = name
            codes.append(code)
        lists[name] = tuple(codes)
    return lists


def _choice(data: dict, key: str, loc: _Locator) -> str:
    value = data.get(key, "fail")
    if value not in ("fail", "warn"):
        raise loc.error((key,), f"{key} must be fail or warn, not {value!r}")
    return value


def _exceptions(value: Any, loc: _Locator) -> Iterable[PolicyException]:
    for index, item in enumerate(_list(value, ("exceptions",), loc, "exceptions")):
        path = ("exceptions", index)
        if not isinstance(item, dict):
            raise loc.error(path, "an exception is a mapping with model, reason, approved_by and expires")
        for key in item:
            if key not in _EXCEPTION_KEYS:
                raise loc.error(path + (key,), f"unknown key {key!r}{_did_you_mean(key, _EXCEPTION_KEYS)}")
        texts = {}
        for key in ("model", "reason", "approved_by"):
            text = item.get(key)
            if not isinstance(text, str) or not text.strip():
                raise loc.error(path + (key,) if key in item else path, f"an exception needs a {key}")
            texts[key] = text.strip()
        if any(char.isspace() for char in texts["model"]):
            raise loc.error(path + ("model",), f"{texts['model']!r} is not a model id")
        revision = item.get("revision")
        if revision is not None and (not isinstance(revision, str | int) or not str(revision).strip()):
            raise loc.error(path + ("revision",), "revision must be a commit sha or null")
        yield PolicyException(
            model=texts["model"], revision=str(revision).strip() if revision is not None else None,
            reason=texts["reason"], approved_by=texts["approved_by"],
            expires=_date(item.get("expires"), path + ("expires",), loc),
        )


def _date(value: Any, path: tuple, loc: _Locator) -> date | None:
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise loc.error(path, f"{value!r} is not a date; write YYYY-MM-DD") from None


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


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
    kb = kb or knowledge_base()
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
    if facts is None:
        reasons = [Reason("not-in-catalogue", policy.not_in_catalogue,
                          f"{subject.repo_id} is not in the catalogue, so its license cannot be checked.",
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
        reasons.append(Reason(finding.code, outcome, finding.message,
                              {**finding.evidence, "severity": finding.severity}))
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
