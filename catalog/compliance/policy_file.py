"""Policy files: validating a policy written in YAML (errors cite the line; read by ``policy_source``) or sent as JSON
(errors cite the key path), into the ``Policy`` that ``catalog.compliance.policy.evaluate`` applies.

The dataclasses a policy is made of live here rather than in ``catalog.compliance.policy`` so the dependency
runs one way: evaluation imports loading, never the reverse. ``catalog.compliance.policy`` re-exports every
public name, so callers import from there.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from catalog.compliance.findings import FINDING_CODES
from catalog.compliance.policy_source import MAX_POLICY_BYTES, Locator, PolicyError, read_yaml
from catalog.licenses import CATEGORIES, CONTEXTS, KnowledgeBase, License, knowledge_base

_TOP_KEYS = ("context", "jurisdiction", "allow", "review", "deny", "findings", "unknown", "not_in_catalogue",
             "exceptions")
# The EU and its member states (ISO 3166-1 alpha-2): a team domiciled in a member state is in the EU
# for a license's EU restriction.
EU_MEMBERS = frozenset(["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
                        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"])
_JURISDICTION = re.compile(r"^[A-Z]{2}$")
_FINDING_LISTS = ("fail", "warn", "ignore")
# What `catalog check` could not see, listed in `findings` like audit finding codes (default warn):
# a loader given a value discovery cannot resolve, a file it could not read in full.
SCAN_CODES = ("unresolved-reference", "scan-incomplete")
_EXCEPTION_KEYS = ("model", "revision", "reason", "approved_by", "expires")
# Missing and unknown licenses carry these categories; the `unknown` key governs them, not the lists.
_UNLISTABLE_CATEGORIES = ("unknown", "unlicensed")


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
    # Where the team is domiciled (EU, or an ISO country code): a license's territory restriction on
    # that region then fails instead of warning.
    jurisdiction: str | None = None

    def within(self, region: object) -> bool:
        """True when the team's jurisdiction lies in ``region`` (e.g. DE lies in the EU)."""
        if self.jurisdiction is None or not isinstance(region, str):
            return False
        return region == self.jurisdiction or (region == "EU" and self.jurisdiction in EU_MEMBERS)

    def scan_outcome(self, code: str) -> str:
        """How a scan problem (:data:`SCAN_CODES`) counts: ``fail``, ``ignore`` or (by default) ``warn``."""
        if code in self.findings_fail:
            return "fail"
        return "ignore" if code in self.findings_ignore else "warn"


# Used when no policy file exists. It has no context (the caller supplies one), lists no licenses
# (the knowledge base's verdict for the context decides), denies non-commercial licenses, fails
# missing or unknown licenses and models not in the catalogue, fails base-license conflicts and
# warns about license changes, pickle-only weights and naming requirements.
DEFAULT_POLICY = Policy(
    context=None, allow=(), review=(), deny=("category:non-commercial",),
    findings_fail=("base-license-conflict",),
    findings_warn=("license-changed", "pickle-weights", "naming-requirement", "base-not-catalogued"),
    findings_ignore=(), unknown="fail", exceptions=(), source="<default>", not_in_catalogue="fail",
)


# --- loading ------------------------------------------------------------------------------------

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
    data, marks = read_yaml(text, source)
    return _build(data, Locator(source, marks), source, kb if kb is not None else knowledge_base())


def load_policy_file(path: str | Path) -> Policy:
    """Read and validate a policy file; errors cite the path as given.

    Raises:
        OSError: The file cannot be read.
        PolicyError: The file is not UTF-8 text or not a valid policy.
    """
    with Path(path).open("rb") as file:
        raw = file.read(MAX_POLICY_BYTES + 1)  # never a 50 MB file into memory
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(f"over {MAX_POLICY_BYTES:,} bytes; a policy is a few KB", source=str(path),
                          unparseable=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError("not UTF-8 text", source=str(path), unparseable=True) from None
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
    return _build(data, Locator(source), source, kb if kb is not None else knowledge_base())


def _build(data: Any, loc: Locator, source: str, kb: KnowledgeBase) -> Policy:
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
        jurisdiction=_jurisdiction(data, loc),
    )


def _jurisdiction(data: dict, loc: Locator) -> str | None:
    value = data.get("jurisdiction")
    if value is None:
        return None
    if not isinstance(value, str) or not _JURISDICTION.match(value.strip().upper()):
        raise loc.error(("jurisdiction",), f"jurisdiction must be EU or a two-letter country code, not {value!r}")
    return value.strip().upper()


def _list(value: Any, path: tuple, loc: Locator, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise loc.error(path, f"expected a list of {what}")
    return value


def _license_rules(value: Any, name: str, loc: Locator, kb: KnowledgeBase) -> tuple[str, ...]:
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
            guesses = kb.suggest(item)  # the normaliser's loose match, then close spellings
            hint = f"; did you mean {guesses[0]!r}?" if guesses else ""
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


def _finding_lists(value: Any, loc: Locator) -> dict[str, tuple[str, ...]]:
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
            if code not in FINDING_CODES and code not in SCAN_CODES:
                hint = _did_you_mean(str(code), (*FINDING_CODES, *SCAN_CODES))
                raise loc.error(path, f"unknown finding code {code!r}{hint}")
            if placed.get(code, name) != name:
                raise loc.error(path, f"finding code {code!r} is already listed under {placed[code]!r}")
            placed[code] = name
            codes.append(code)
        lists[name] = tuple(codes)
    return lists


def _choice(data: dict, key: str, loc: Locator) -> str:
    value = data.get(key, "fail")
    if value not in ("fail", "warn"):
        raise loc.error((key,), f"{key} must be fail or warn, not {value!r}")
    return value


def _exceptions(value: Any, loc: Locator) -> Iterable[PolicyException]:
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


def _date(value: Any, path: tuple, loc: Locator) -> date | None:
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise loc.error(path, f"{value!r} is not a date; write YYYY-MM-DD") from None


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
