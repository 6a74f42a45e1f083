"""SARIF 2.1.0 output of ``catalog check``, in the subset GitHub code scanning accepts.

One result per (reason to act on × place the model is used): an alert appears on each line
that loads the model, and disappears when that line goes. A model found nowhere in the tree
(given by id only) is reported without a location, which SARIF allows and GitHub lists.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from catalog.scan.outcome import ACTIONABLE, CheckReport, display_path, model_label, places

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_LEVEL = {"fail": "error", "warn": "warning"}

# One sentence per rule, shown by GitHub beside every alert of the rule. Codes without an entry
# (added to the policy or the audit later) still get a rule, described by their name.
RULE_DESCRIPTIONS = {
    "license-denied": "The model's license is on the policy's deny list.",
    "license-review": "The model's license needs a team's approval before use.",
    "license-not-allowed-in-context": "The model's license does not allow the use context the policy checks.",
    "license-unknown": "The model declares no license, or one catalog does not recognise.",
    "license-conditional": "The model's license allows this use only on conditions.",
    "not-in-catalogue": "The model is not in the catalogue, so its license cannot be checked.",
    "team-banned": "The team banned this model.",
    "team-restricted": "The team restricted the use of this model.",
    "team-needs-review": "The team marked this model as needing review.",
    "team-approval-stale": "The team approved this model, but its license has changed since.",
    "exception-expired": "The policy's exception for this model has expired.",
    "license-missing": "The model declares no license.",
    "license-multiple": "The model is under several licenses at once.",
    "non-commercial": "The model's license forbids commercial use.",
    "use-restrictions": "The model's license restricts what it may be used for.",
    "attribution-required": "The model's license requires attribution.",
    "share-alike": "The model's license requires derivatives to be shared under the same terms.",
    "source-disclosure": "The model's license requires the source to be disclosed.",
    "user-threshold": "The model's license requires a separate license above a number of users.",
    "revenue-threshold": "The model's license requires a separate license above a revenue.",
    "naming-requirement": "The model's license sets a naming rule for derivatives.",
    "output-restrictions": "The model's license restricts the use of its outputs.",
    "gated": "The model is gated on the Hub.",
    "base-license-conflict": "The model's license drops obligations of its base model's license.",
    "license-changed": "The model changed its license; earlier approvals may no longer hold.",
    "pickle-weights": "The model ships its weights only as pickle files, which can run code when loaded.",
    "unresolved-reference": "A model loader is called with a value discovery cannot resolve, so the model it "
                            "loads is unchecked.",
    "scan-incomplete": "A file could not be read in full (too large, undecodable, too deep, unparseable), so "
                       "models in it may be unchecked.",
    "territory-restrictions": "The model's license limits where it may be used.",
}


def render_sarif(report: CheckReport) -> str:
    """The report as a SARIF 2.1.0 log with one run of the ``catalog`` tool."""
    return json.dumps(sarif_log(report), indent=2, ensure_ascii=False) + "\n"


def sarif_log(report: CheckReport) -> dict[str, Any]:
    """The SARIF log as a dict (see :func:`render_sarif`)."""
    rule_index: dict[str, int] = {}
    rules: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for checked in report.models:
        verdict = checked.verdict
        for reason in verdict.reasons:
            if reason.outcome not in ACTIONABLE:
                continue
            if reason.code not in rule_index:
                rule_index[reason.code] = len(rules)
                rules.append(_rule(reason.code))
            base = {
                "ruleId": reason.code, "ruleIndex": rule_index[reason.code], "level": _LEVEL[reason.outcome],
                "message": {"text": f"{model_label(verdict)}: {reason.message}"},
                "properties": {"model": verdict.repo_id, "revision": verdict.revision,
                               "license": verdict.license_id, "verdict": verdict.verdict},
            }
            for ref in places(checked) or (None,):
                result = dict(base)
                if ref is not None:
                    result["locations"] = [{"physicalLocation": {
                        "artifactLocation": {"uri": _uri(ref.file)},
                        "region": {"startLine": ref.line, "startColumn": max(ref.column, 1)},
                    }}]
                # Stable across edits that move the line, so GitHub keeps one alert per model, rule and file.
                key = "\0".join((verdict.repo_id.lower(), reason.code, display_path(ref.file) if ref else ""))
                result["partialFingerprints"] = {"catalogModel/v1": hashlib.sha256(key.encode()).hexdigest()[:32]}
                results.append(result)
    for problem in report.problems:
        code = problem.code
        if code not in rule_index:
            rule_index[code] = len(rules)
            rules.append(_rule(code))
        where = problem.problem
        key = "\0".join((code, display_path(where.file), where.detail))
        results.append({
            "ruleId": code, "ruleIndex": rule_index[code], "level": _LEVEL[problem.outcome],
            "message": {"text": problem.message()},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(where.file)},
                "region": {"startLine": max(where.line, 1), "startColumn": max(where.column, 1)},
            }}],
            "partialFingerprints": {"catalogScan/v1": hashlib.sha256(key.encode()).hexdigest()[:32]},
        })
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            # The driver names no home page: the project has no public one to point to (SARIF makes it optional).
            "tool": {"driver": {"name": "catalog",
                                "version": _version(), "rules": rules}},
            "results": results,
            "properties": {"overall": report.overall, "context": report.context, "policy": report.policy},
        }],
    }


def _uri(path: str) -> str:
    """A relative URI reference (SARIF 3.10.2, RFC 3986): the path's bytes, percent-encoded.

    Relative to the repository top, which is how GitHub resolves them. A name that is not UTF-8
    (Python keeps its bytes as lone surrogates) is encoded byte for byte, as the spec requires.
    """
    import os
    from urllib.parse import quote

    return quote(os.fsencode(path), safe="/")


def _rule(code: str) -> dict[str, Any]:
    text = RULE_DESCRIPTIONS.get(code, code.replace("-", " ").capitalize() + ".")
    return {
        "id": code,
        "name": "".join(part.capitalize() for part in code.split("-")),
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": f"{text} Run `catalog check` locally for the full reasons, or `catalog show MODEL`."},
        "properties": {"tags": ["license", "ml-model"]},
    }


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("catalog")
    except PackageNotFoundError:
        return "0"
