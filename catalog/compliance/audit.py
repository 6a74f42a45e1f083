"""Audit: what a model's licenses and lineage mean for the people who use it, as findings.

Pure: it reads the facts the database layer gathered about a model (and, through ``lineage``,
about its base models) and the license knowledge base, and returns findings. It never stops at
the first problem, so a model's page can show everything at once.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from catalog.compliance.findings import Finding, ModelFacts, is_multimodal
from catalog.compliance.lineage_gaps import uncatalogued_bases
from catalog.licenses import RESTRICTIVENESS, KnowledgeBase, License, Obligation, Resolution, knowledge_base

# Obligation kind -> (finding code, severity, what the license asks, filled from the evidence).
# license-copy, state-changes and accept-terms concern whoever redistributes or downloads; they are
# listed by obligations_for instead of raising findings.
_KIND_FINDINGS = {
    "non-commercial": ("non-commercial", "warning", "forbids commercial use"),
    "use-restrictions": ("use-restrictions", "warning", "restricts what the model may be used for"),
    "attribution": ("attribution-required", "info", "requires attribution"),
    "share-alike": ("share-alike", "warning", "requires derivatives to be shared under the same terms"),
    "source-disclosure": ("source-disclosure", "warning", "requires the source to be disclosed"),
    "user-threshold": ("user-threshold", "warning", "requires a separate license above {threshold:,} users"),
    "revenue-threshold": ("revenue-threshold", "warning",
                          "requires a separate license above a revenue of {threshold:,} {currency}"),
    "naming-rule": ("naming-requirement", "info", "sets a naming rule for derivatives"),
    "output-restrictions": ("output-restrictions", "warning", "restricts the use of the model's outputs"),
    "territory": ("territory-restrictions", "warning", "limits where the model may be used ({region})"),
}
# Obligations a derivative must carry over; a license without them cannot stand in for its base's.
_BINDING_KINDS = (
    "non-commercial", "use-restrictions", "share-alike", "source-disclosure", "user-threshold",
    "revenue-threshold", "naming-rule", "output-restrictions",
)
MAX_LINEAGE_DEPTH = 10
# Only a model someone built names itself; a quantized copy carries the name chosen upstream.
_RENAMING_RELATIONS = frozenset({"finetune", "adapter", "merge", "unknown"})
_QUOTED = re.compile(r'["“”]([^"“”]+)["“”]')  # double quotes only: apostrophes occur in prose
_PREFIX_WORDS = re.compile(r"\b(begin|beginning|begins|start|starts|prefix|prefixed)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Ancestor:
    facts: ModelFacts
    path: tuple[str, ...]  # repo ids from the direct base down to this ancestor
    relation: str  # how the audited model relates to the first base on that path


@dataclass(frozen=True)
class _Applied:
    license: License
    obligation: Obligation
    inherited_from: str | None


Lineage = Callable[[str], "ModelFacts | None"]


def _no_lineage(_repo_id: str) -> ModelFacts | None:
    return None


def audit(model: ModelFacts, *, lineage: Lineage = _no_lineage,
          kb: KnowledgeBase | None = None) -> list[Finding]:
    """Audit one model's license metadata, lineage and files.

    Args:
        model: The model's facts.
        lineage: Returns the facts of a base model by repo id, or None when it is not catalogued.
            Bases are followed recursively (cycles are cut, and at most 10 generations are read).
        kb: The license knowledge base; the bundled one if None.

    Returns:
        Every finding, in a stable order: license status, license change, base-license conflicts,
        one finding per obligation kind per applicable license (own, then inherited), bases the
        catalogue does not hold, gating, files.
    """
    kb = kb if kb is not None else knowledge_base()
    missing: list[tuple[str, ...]] = []
    ancestors = _ancestors(model, lineage, missing)
    own = _licenses(model.resolution, kb)
    findings = _resolution_findings(model, kb)
    previous = model.previous_license
    if previous is not None and set(previous.license_ids) != set(model.resolution.license_ids):
        findings.append(_license_changed(model, previous))
    findings += _conflicts(model, own, ancestors, kb)
    findings += _obligation_findings(model, _applied(own, ancestors, kb, model), ancestors)
    findings += uncatalogued_bases(model.repo_id, missing)
    if model.gated in ("auto", "manual"):
        approval = " and wait for the authors' approval" if model.gated == "manual" else ""
        findings.append(Finding(
            "gated", "info",
            f"{model.repo_id} is gated on the Hub: users must accept its terms{approval} before "
            "downloading it.",
            {"field": "gated", "value": model.gated},
        ))
    if "pickle" in model.formats and not model.formats & {"safetensors", "gguf"}:
        findings.append(Finding(
            "pickle-weights", "warning",
            f"{model.repo_id} ships its weights only as pickle files, which can run arbitrary code when "
            "loaded; prefer a safetensors or GGUF copy.",
            {"field": "formats", "value": sorted(model.formats)},
        ))
    return findings


def obligations_for(model: ModelFacts, *, lineage: Lineage = _no_lineage,
                    kb: KnowledgeBase | None = None) -> list[dict[str, Any]]:
    """List the obligations that apply to a model: its own licenses' and those inherited from its bases.

    Args:
        model: The model's facts.
        lineage: As for :func:`audit`.
        kb: The license knowledge base; the bundled one if None.

    Returns:
        One dict per obligation, de-duplicated (a license shared with a base counts once, as the
        model's own), with ``kind``, ``summary``, ``clause``, ``license``, ``inherited_from`` (the base
        that declares the license, or None) and, where the license gives them, ``notice``,
        ``threshold`` and ``detail``.
    """
    kb = kb if kb is not None else knowledge_base()
    ancestors = _ancestors(model, lineage)
    result = []
    for applied in _applied(_licenses(model.resolution, kb), ancestors, kb, model):
        obligation = applied.obligation
        item: dict[str, Any] = {
            "kind": obligation.kind, "summary": obligation.summary, "clause": obligation.clause,
            "license": applied.license.id, "inherited_from": applied.inherited_from,
        }
        lineage_source = _lineage_source(model, ancestors, applied.inherited_from)
        if lineage_source:
            item["lineage_source"] = lineage_source
        if obligation.notice is not None:
            item["notice"] = obligation.notice
        if obligation.threshold is not None:
            item["threshold"] = obligation.threshold
        if obligation.detail:
            item["detail"] = dict(obligation.detail)
        result.append(item)
    return result


def license_holders(model: ModelFacts, *, lineage: Lineage = _no_lineage,
                    kb: KnowledgeBase | None = None) -> list[tuple[License, str | None]]:
    """Every license that binds a model: its own (holder None), then those inherited from its bases
    (holder: the base that declares it), each once. What a BOM calls the concluded license."""
    kb = kb if kb is not None else knowledge_base()
    holders: list[tuple[License, str | None]] = [(lic, None) for lic in _licenses(model.resolution, kb)]
    holders += [(lic, anc.facts.repo_id) for anc in _ancestors(model, lineage)
                for lic in _licenses(anc.facts.resolution, kb)]
    seen: set[str] = set()
    return [(lic, holder) for lic, holder in holders if not (lic.id in seen or seen.add(lic.id))]


def _ancestors(model: ModelFacts, lineage: Lineage, missing: list[tuple[str, ...]] | None = None) -> list[_Ancestor]:
    """Every catalogued ancestor, nearest first; each visited once, so cycles and diamonds end.

    ``missing`` receives the path to each base the catalogue does not hold.
    """
    seen = {model.repo_id}
    queue = deque(((base,), relation) for base, relation in model.base_models)
    found = []
    while queue:
        path, relation = queue.popleft()
        if path[-1] in seen or len(path) > MAX_LINEAGE_DEPTH:
            continue
        seen.add(path[-1])
        facts = lineage(path[-1])
        if facts is None:
            if missing is not None:
                missing.append(path)
            continue
        found.append(_Ancestor(facts, path, relation))
        queue.extend((path + (base,), relation) for base, _ in facts.base_models)
    return found


def _licenses(resolution: Resolution, kb: KnowledgeBase) -> list[License]:
    return [lic for lic in map(kb.get, resolution.license_ids) if lic is not None]


def _applied(own: list[License], ancestors: list[_Ancestor], kb: KnowledgeBase,
             model: ModelFacts | None = None) -> list[_Applied]:
    holders: list[tuple[License, str | None]] = [(lic, None) for lic in own]
    holders += [(lic, anc.facts.repo_id) for anc in ancestors for lic in _licenses(anc.facts.resolution, kb)]
    seen, applied = set(), []
    for lic, holder in holders:
        if lic.id not in seen:
            seen.add(lic.id)
            multimodal = _multimodal_under(lic, model, ancestors, kb)
            applied += [_Applied(lic, obligation, holder) for obligation in lic.obligations
                        if obligation.detail.get("applies_to") != "multimodal" or multimodal]
            if lic.category == "non-commercial" and not lic.has("non-commercial"):
                # The category alone says so, even where the entry lists no such obligation.
                implied = Obligation("non-commercial", "Commercial use is not allowed.", "category")
                applied.append(_Applied(lic, implied, holder))
    return applied


def _multimodal_under(lic: License, model: ModelFacts | None, ancestors: list[_Ancestor],
                      kb: KnowledgeBase) -> bool:
    """Whether a restriction on a release's multimodal models reaches this model: it is multimodal
    itself, or it derives from a multimodal model under that license."""
    if model is None:
        return True  # without the model's facts, keep the restriction rather than drop it
    if is_multimodal(model):
        return True
    return any(is_multimodal(anc.facts) and lic.id in anc.facts.resolution.license_ids for anc in ancestors)


def _named(license_: License) -> str:
    return license_.name if license_.id == license_.name.lower() else f"{license_.name} ({license_.id})"


def _resolution_findings(model: ModelFacts, kb: KnowledgeBase) -> list[Finding]:
    resolution, repo = model.resolution, model.repo_id
    declared = {"license": model.license_raw, "license_name": model.license_name,
                "license_link": model.license_link, "tags": list(model.license_tags)}
    if resolution.status == "missing":
        return [Finding("license-missing", "error",
                        f"{repo} declares no license, so it grants no one the right to use it.",
                        {"field": "cardData.license", "value": None})]
    findings = []
    if resolution.status == "unknown" or resolution.unresolved:
        values = ", ".join(resolution.unresolved) or repr(model.license_raw)
        partly = "" if resolution.status == "unknown" else " besides the licenses it does recognise"
        evidence = {"field": "cardData.license", "value": model.license_raw,
                    "unresolved": list(resolution.unresolved), "declared": declared}
        # A name the knowledge base keeps unknown on purpose says why (e.g. no text was read yet).
        reason = next(filter(None, map(kb.unresearched, (*resolution.unresolved, model.license_name,
                                                         model.license_link))), None)
        why = f" {reason}" if reason else ""
        if reason:
            evidence["reason"] = reason
        findings.append(Finding(
            "license-unknown", "warning",
            f"{repo} declares a license catalog does not recognise ({values}){partly}; "
            f"someone has to read it.{why}",
            evidence,
        ))
    if len(resolution.license_ids) > 1:
        names = ", ".join(_named(lic) for lic in _licenses(resolution, kb))
        findings.append(Finding(
            "license-multiple", "info",
            f"{repo} is under several licenses at once, and each applies: {names}.",
            {"field": ", ".join(resolution.evidence), "value": list(resolution.license_ids),
             "expression": resolution.expression},
        ))
    return findings


def _license_changed(model: ModelFacts, previous: Resolution) -> Finding:
    old, new = previous.license_ids, model.resolution.license_ids
    revisions = f" between revisions {model.previous_sha} and {model.sha}" if model.previous_sha else ""
    return Finding(
        "license-changed", "warning",
        f"{model.repo_id} changed its license from {' + '.join(old) or 'none'} to {' + '.join(new) or 'none'}"
        f"{revisions}; earlier approvals may no longer hold.",
        {"field": "cardData.license", "old": list(old), "new": list(new),
         "old_sha": model.previous_sha, "new_sha": model.sha},
    )


def _kinds(licenses: Iterable[License]) -> set[str]:
    kinds = set()
    for lic in licenses:
        kinds |= {obligation.kind for obligation in lic.obligations}
        if lic.category == "non-commercial":
            kinds.add("non-commercial")
    return kinds


def _rank(license_: License) -> int:
    return RESTRICTIVENESS.index(license_.category) if license_.category in RESTRICTIVENESS else -1


def _conflicts(model: ModelFacts, own: list[License], ancestors: list[_Ancestor],
               kb: KnowledgeBase) -> list[Finding]:
    """A derivative's declared license must keep every binding obligation of its bases' licenses."""
    if not own:
        return []  # nothing declared to compare; license-missing or license-unknown says so
    own_ids, own_kinds = {lic.id for lic in own}, _kinds(own)
    own_rank = max(_rank(lic) for lic in own)
    findings, reported = [], set()
    for anc in ancestors:
        for base in _licenses(anc.facts.resolution, kb):
            if base.id in own_ids or base.id in reported:
                continue
            dropped = sorted(kind for kind in _kinds([base]) & set(_BINDING_KINDS) if kind not in own_kinds)
            looser = _rank(base) > own_rank >= 0
            if not dropped and not looser:
                continue
            reported.add(base.id)
            categories = ", ".join(sorted({lic.category for lic in own}))
            why = (f"drops its {', '.join(dropped)} obligations" if dropped
                   else f"is less restrictive ({categories} < {base.category})")
            via = f" (through {' -> '.join(anc.path[:-1])})" if len(anc.path) > 1 else ""
            lineage_source = _lineage_source(model, ancestors, anc.facts.repo_id)
            if lineage_source:
                via += f" (a base its card does not name; {lineage_source})"
            findings.append(Finding(
                "base-license-conflict", "error",
                f"{model.repo_id} declares {' + '.join(_named(lic) for lic in own)}, but it derives from "
                f"{anc.facts.repo_id}{via}, which is under {_named(base)}; the declared license {why}.",
                {"field": "cardData.license", "value": model.license_raw, "license": sorted(own_ids),
                 "base_model": anc.facts.repo_id, "base_license": base.id, "relation": anc.relation,
                 "path": list(anc.path), "dropped": dropped,
                 **({"lineage_source": lineage_source} if lineage_source else {})},
            ))
    return findings


def _obligation_findings(model: ModelFacts, applied: list[_Applied],
                         ancestors: list[_Ancestor]) -> list[Finding]:
    """One finding per obligation kind per license, naming the base it was inherited from."""
    groups: dict[tuple[str, str], list[_Applied]] = {}
    for item in applied:
        if item.obligation.kind in _KIND_FINDINGS:
            groups.setdefault((item.license.id, item.obligation.kind), []).append(item)
    findings = []
    for (_license_id, kind), items in groups.items():
        code, severity, asks = _KIND_FINDINGS[kind]
        lic, holder = items[0].license, items[0].inherited_from
        obligations = [item.obligation for item in items]
        evidence = _obligation_evidence(lic, holder, obligations)
        asks = asks.format_map(evidence)  # the knowledge base's schema requires the figures used
        if evidence.get("network"):
            asks += ", also to users who interact with it over a network"
        owner = f"inherits {_named(lic)} from {holder}" if holder else f"is under {_named(lic)}"
        lineage_source = _lineage_source(model, ancestors, holder)
        if lineage_source:
            owner += f" (a base its card does not name; {lineage_source})"
            evidence["lineage_source"] = lineage_source
        summaries = " ".join(o.summary.rstrip(".") + "." for o in obligations)
        message = f"{model.repo_id} {owner}, which {asks}: {summaries}"
        if kind == "naming-rule":
            severity, verdict = _check_name(model, lic, ancestors, evidence)
            message += verdict
        findings.append(Finding(code, severity, message, evidence))
    return findings


def _lineage_source(model: ModelFacts, ancestors: list[_Ancestor], holder: str | None) -> str | None:
    """Where the base a finding comes through was learnt, when the model's card does not name it."""
    if holder is None or not model.base_sources:
        return None
    sources = dict(model.base_sources)
    for anc in ancestors:
        if anc.facts.repo_id == holder:
            return sources.get(anc.path[0])
    return None


def _obligation_evidence(lic: License, holder: str | None, obligations: list[Obligation]) -> dict[str, Any]:
    evidence: dict[str, Any] = {"field": "cardData.base_model" if holder else "cardData.license",
                                "value": holder or lic.id, "license": lic.id, "inherited_from": holder,
                                "clauses": [o.clause for o in obligations]}
    for obligation in obligations:
        evidence.update(obligation.detail)  # network, policy, measure, currency, rule, region
    notices = [o.notice for o in obligations if o.notice]
    if notices:
        evidence.update(notice=notices[0], notices=notices)
    threshold = next((o.threshold for o in obligations if o.threshold is not None), None)
    if threshold is not None:
        evidence["threshold"] = threshold
    return evidence


def _check_name(model: ModelFacts, lic: License, ancestors: list[_Ancestor],
                evidence: dict[str, Any]) -> tuple[str, str]:
    """Severity of a naming rule and what to add to the message: a warning when a derivative breaks it."""
    if lic.id in model.resolution.license_ids:
        # Declaring the license while built on any base is enough, catalogued or not.
        derivative = any(relation in _RENAMING_RELATIONS for _, relation in model.base_models)
    else:
        derivative = any(anc.relation in _RENAMING_RELATIONS and lic.id in anc.facts.resolution.license_ids
                         for anc in ancestors)
    name = model.repo_id.rsplit("/", 1)[-1]
    prefix = _required_prefix(str(evidence.get("rule", "")))
    evidence.update(derivative=derivative, name=name, prefix=prefix)
    if not derivative:
        return "info", ""
    if prefix is None:
        return "info", f" Check by hand that the name {name!r} follows it."
    evidence["follows_rule"] = _squash(name).startswith(_squash(prefix))
    if evidence["follows_rule"]:
        return "info", f" The name {name!r} follows it."
    return "warning", f" The name {name!r} does not begin with {prefix!r}."


def _required_prefix(rule: str) -> str | None:
    """The prefix a naming rule asks for, when the rule is about how names begin; None otherwise."""
    quoted = _QUOTED.search(rule)
    return quoted.group(1).strip() if quoted and _PREFIX_WORDS.search(rule) else None


def _squash(text: str) -> str:
    # "Llama-3.1-8B-x", "llama3.1_8b" and "Llama 3.1" all begin with "Llama 3.1" in the license's sense.
    return re.sub(r"[^0-9a-z]", "", text.lower())
