"""What the model page shows beyond the record: the verdict per use context, the model tree,
the gating summary and the memory table.

Everything here is derived from ``catalog.facts.queries.model_record`` (the JSON twin) and the
license knowledge base; the only extra reads are the licenses of the bases and the counts of
derivatives, both of which the page shows with their sources.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.db.tables import BaseModelLink, HubModel
from catalog.licenses import knowledge_base
from catalog.licenses.kb import CONTEXTS

BYTES_PER_PARAMETER = (("bf16", 2.0), ("int8", 1.0), ("int4", 0.5))
# Formats whose weights are stored unquantised, so that parameters x bytes per parameter means something.
_FULL_PRECISION_FORMATS = {"safetensors", "pickle"}
LINEAGE_DEPTH = 8
# The Hub's names for the relation of a derivative to its base, in the order the tree lists them.
RELATIONS = (("finetune", "fine-tune", "fine-tunes"), ("adapter", "adapter", "adapters"),
             ("quantized", "quantization", "quantizations"), ("merge", "merge", "merges"),
             ("unknown", "other derivative", "other derivatives"))
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_RANK = {"allowed": 0, "conditional": 1, "not-allowed": 2}
_GGUF_QUANT = re.compile(r"(?i)\b((?:I?Q\d(?:_[A-Z0-9]+)*)|F16|BF16|F32)\b")


def model_view(session: Session, record: dict[str, Any]) -> dict[str, Any]:
    """The page's derived blocks for one model record."""
    findings = sorted(record["findings"], key=lambda f: (_SEVERITY_ORDER.get(f["severity"], 9), f["code"]))
    counts = {s: sum(1 for f in findings if f["severity"] == s) for s in ("error", "warning", "info")}
    return {
        "verdicts": verdicts(record),
        "findings": findings,
        "finding_counts": counts,
        "ancestors": ancestors(session, record["id"]),
        "descendants": descendant_counts(session, record["id"]),
        "gating": gating_summary(record),
        "memory": memory_table(record),
        "gguf_files": [{"name": f, "quantization": _quantization(f)} for f in record["files"] or []
                       if f.lower().endswith(".gguf")],
    }


def verdicts(record: dict[str, Any]) -> list[dict[str, Any]]:
    """May the model be used in each context? The strictest verdict of its own and inherited licenses.

    Each entry names the obligations that make it conditional (kind, from which license) so the
    page can say *why*, and links them to the obligation list. With no recognised license the
    verdict is "unknown": nothing is assumed.
    """
    kb = knowledge_base()
    own = [i for i in record["license"]["ids"] or [] if kb.get(i)]
    inherited: dict[str, str] = {}
    for o in record["obligations"]:
        if o.get("inherited_from") and o["license"] not in own:
            inherited.setdefault(o["license"], o["inherited_from"])
    applying = [(i, None) for i in own] + list(inherited.items())
    result = []
    for context in CONTEXTS:
        if not applying:
            result.append({"context": context, "status": "unknown", "conditions": [], "notes": []})
            continue
        status, conditions, notes = "allowed", [], []
        for license_id, via in applying:
            entry = kb.get(license_id)
            if entry is None:
                continue
            verdict = entry.verdicts[context]
            if _RANK[verdict.status] > _RANK[status]:
                status = verdict.status
            if verdict.status != "allowed":
                conditions += [{"kind": k, "license": license_id, "inherited_from": via}
                               for k in verdict.obligations
                               if not any(c["kind"] == k for c in conditions)]
            if verdict.note:
                notes.append({"license": license_id, "note": verdict.note})
        result.append({"context": context, "status": status, "conditions": conditions, "notes": notes})
    return result


def ancestors(session: Session, repo_id: str) -> list[list[dict[str, Any]]]:
    """Base models up the chain, one list per generation (parents, grandparents...), with their licenses."""
    generations: list[list[dict[str, Any]]] = []
    seen = {repo_id}
    current = [repo_id]
    for _ in range(LINEAGE_DEPTH):
        rows = session.execute(
            select(BaseModelLink.base_repo_id, BaseModelLink.relation, HubModel.repo_id)
            .join(HubModel, HubModel.id == BaseModelLink.model_id).where(HubModel.repo_id.in_(current))
            .order_by(BaseModelLink.base_repo_id)
        ).all()
        bases = [r for r in rows if r.base_repo_id not in seen]
        if not bases:
            break
        known = {r.repo_id: r for r in session.execute(
            select(HubModel.repo_id, HubModel.license_id, HubModel.license_category)
            .where(HubModel.repo_id.in_([b.base_repo_id for b in bases])))}
        generations.append([{
            "id": b.base_repo_id, "relation": b.relation, "of": b.repo_id, "in_catalogue": b.base_repo_id in known,
            "license": ({"id": known[b.base_repo_id].license_id, "category": known[b.base_repo_id].license_category}
                        if b.base_repo_id in known else None),
        } for b in bases])
        seen.update(b.base_repo_id for b in bases)
        current = [b.base_repo_id for b in bases if b.base_repo_id in known]
        if not current:
            break
    return generations


def descendant_counts(session: Session, repo_id: str) -> list[dict[str, Any]]:
    """How many catalogue models name this one as their base, per relation (fine-tunes, adapters...).

    Models the Hub no longer lists are left out, as from the search each count links to.
    """
    counts = dict(session.execute(
        select(BaseModelLink.relation, func.count())
        .join(HubModel, HubModel.id == BaseModelLink.model_id)
        .where(BaseModelLink.base_repo_id == repo_id, HubModel.removed_at.is_(None))
        .group_by(BaseModelLink.relation)
    ).all())
    known = {r for r, _, _ in RELATIONS}
    other = sum(n for r, n in counts.items() if r not in known)
    out = [{"relation": r, "singular": one, "label": many, "count": counts.get(r, 0) + (other if r == "unknown" else 0)}
           for r, one, many in RELATIONS]
    return [d for d in out if d["count"] or d["relation"] != "unknown"]


def gating_summary(record: dict[str, Any]) -> dict[str, Any] | None:
    """The gate in a line ("Access form: name, date of birth, country; accept the terms"), raw fields kept."""
    card = record["card_data"] if isinstance(record["card_data"], dict) else {}
    raw = {k: v for k, v in card.items() if k.startswith("extra_gated")}
    if not raw and record["gated"] in (None, "false", False):
        return None
    fields_value = raw.get("extra_gated_fields")
    asked: list[str] = []
    accepts = 0
    if isinstance(fields_value, dict):
        for name, kind in fields_value.items():
            kind_text = kind.get("type") if isinstance(kind, dict) else kind
            if kind_text == "checkbox" and len(str(name)) > 40:
                accepts += 1  # a long checkbox label is an "I accept ..." sentence
            elif kind_text == "ip_location":
                asked.append("location (from the IP address)")
            else:
                asked.append(str(name)[:60])
    prompt = raw.get("extra_gated_prompt")
    return {
        "approval": {"auto": "automatic approval", "manual": "manual approval by the author"}.get(
            str(record["gated"]), "not gated" if record["gated"] in (None, "false") else str(record["gated"])),
        "fields": asked,
        "accepts": accepts,
        "prompt_words": len(prompt.split()) if isinstance(prompt, str) else 0,
        "heading": raw.get("extra_gated_heading") if isinstance(raw.get("extra_gated_heading"), str) else None,
        "raw": raw,
    }


def memory_table(record: dict[str, Any]) -> list[tuple[str, float]]:
    """Memory to load the weights at common precisions, only for unquantised weights of a known size.

    A GGUF or ONNX-only repository is already quantised or converted: parameters x bytes would be wrong.
    """
    total = record["parameters"]["total"]
    formats = set(record["formats"] or [])
    if not total or "gguf" in formats or not formats & _FULL_PRECISION_FORMATS:
        return []
    return [(name, total * size) for name, size in BYTES_PER_PARAMETER]


def _quantization(filename: str) -> str | None:
    match = _GGUF_QUANT.search(filename.rsplit("/", 1)[-1].replace(".", " ").replace("-", " "))
    return match.group(1).upper() if match else None
