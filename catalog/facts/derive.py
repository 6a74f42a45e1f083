"""Derivation: from the raw fields stored by sync to the resolved license and the findings.

Runs after every ingested page for the models it touched, and over the whole catalogue with
`catalog audit --recompute` when the license knowledge base changes. It reads only what the
database holds, never the Hub.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from catalog.compliance.audit import MAX_LINEAGE_DEPTH, audit
from catalog.compliance.findings import Finding, ModelFacts
from catalog.db import marks
from catalog.db.bulk import insert_rows, update_rows
from catalog.db.engine import in_batches
from catalog.db.tables import AuditFinding, BaseModelLink, HubModel, ModelAlias
from catalog.facts.license_files import license_evidence
from catalog.facts.loader import Declared, FactsLoader, facts_of
from catalog.licenses import KnowledgeBase, Resolution, knowledge_base
from catalog.licenses.lineage import curated_for_bases, lineage_version, literal_prefix

# Bump when the derivation itself changes (not the knowledge base): what is stored then counts
# as stale, and `catalog audit` and `catalog check` recompute it. 2: license:<id> tags resolve.
# 3: the curated lineage table, the pipeline tag (multimodal-only territory restrictions), and the
# license files a model ships reconciled with its card. 4: bases the catalogue does not hold.
DERIVATION_REVISION = 4
class ParsedItem(Declared, Protocol):
    """A parsed Hub item: what it declares, and the bases its card names."""

    bases: list[tuple[str, str, str]]  # (base id, relation, source)


def derivation_version(kb: KnowledgeBase) -> str:
    """What ``derived_version`` records: the knowledge base and the derivation code used."""
    return _derivation_version(kb.version)


@lru_cache(maxsize=8)
def _derivation_version(kb_version: str) -> str:
    return hashlib.sha256(f"{DERIVATION_REVISION}:{kb_version}:{lineage_version()}".encode()).hexdigest()


def derived_columns(resolution: Resolution, kb: KnowledgeBase) -> dict[str, Any]:
    """The HubModel columns derived from a license resolution (sync writes them with the row)."""
    return {"license_id": resolution.license_id, "license_ids": list(resolution.license_ids),
            "license_category": resolution.category, "license_status": resolution.status,
            "derived_version": derivation_version(kb)}


def derive_models(session: Session, model_ids: Collection[int], *, kb: KnowledgeBase | None = None,
                  loader: FactsLoader | None = None) -> int:
    """Recompute the derived license columns and the findings of the given models.

    Args:
        loader: A loader to share its cache (a sync's, for the run); a fresh one if None.

    Returns:
        The number of models derived.
    """
    kb = kb or knowledge_base()
    loader = loader or FactsLoader(session, kb=kb)
    done = 0
    for chunk in in_batches(model_ids):
        loader.trim()
        loaded = loader.load(HubModel.id.in_(chunk))
        write_derivations(session, loaded, loader, kb=kb)
        done += len(loaded)
    return done


def model_findings(model_id: int, facts: ModelFacts, loader: FactsLoader, kb: KnowledgeBase) -> list[Finding]:
    """Every finding of a model: its audit (license, lineage through ``loader``, files), then what
    its license files say (read when ``loader`` learnt its facts). What sync stores and what a
    check recomputes for a stale model are both this."""
    return [*audit(facts, lineage=loader.lineage, kb=kb), *loader.text_findings.get(model_id, ())]


def write_derivations(session: Session, loaded: list[tuple[int, ModelFacts]], loader: FactsLoader, *,
                      kb: KnowledgeBase, had_findings: bool = True) -> None:
    """Audit ``loaded`` (row id, facts) and store the derived columns that differ and the findings.

    Args:
        had_findings: False when none of the models can have stored findings yet (rows just
            inserted), which spares the delete.
    """
    updates, findings = [], []
    for model_id, f in loaded:
        derived = derived_columns(f.resolution, kb)
        # Sync already wrote these with the row; rewriting unchanged values would only fire
        # the search triggers a second time.
        if derived != loader.stored.get(model_id):
            updates.append({"id": model_id, **derived})
        found = model_findings(model_id, f, loader, kb)
        findings += [{"model_id": model_id, "code": x.code, "severity": x.severity, "message": x.message,
                      "evidence": x.evidence} for x in found]
    if updates:
        update_rows(session, HubModel.__table__, updates)
    if had_findings and loaded:
        session.execute(delete(AuditFinding).where(AuditFinding.model_id.in_([model_id for model_id, _ in loaded])))
    if findings:
        insert_rows(session, AuditFinding.__table__, findings)
    marks.touch(session, [model_id for model_id, _ in loaded])  # a sync page writes their masks at its end


def derive_page(session: Session, loader: FactsLoader, written: dict[int, tuple[ParsedItem, Resolution]], *,
                changed_ids: list[int], kb: KnowledgeBase, former_ids: Iterable[str] = ()) -> None:
    """Findings of models a sync just wrote, then of the catalogued models built on them.

    Args:
        loader: The run's loader; it learns the written models' facts.
        written: row id -> (the parsed item, its license resolution) for each new or changed model.
            Their facts are built from this, not read back; their derived columns were written
            with the row.
        changed_ids: Those of ``written`` that were updated, not inserted (only they can have
            stored findings and earlier license changes).
        former_ids: Ids the Hub renamed to some of ``written``: models naming them as a base
            are re-derived too.

    Findings of a model depend on its bases, so its derivatives are re-derived in the same
    transaction: the catalogue is consistent after every page.
    """
    previous = loader.previous_licenses(changed_ids)
    texts = license_evidence(session, changed_ids)  # a new row has no license files yet
    fresh = []
    for model_id, (model, resolution) in written.items():
        bases = [(base, relation) for base, relation, _ in model.bases]
        stored = derived_columns(resolution, kb)  # what the sync wrote with the row
        resolution = loader.effective(model_id, resolution, texts.get(model_id, ()))
        facts = facts_of(model, resolution, bases, previous.get(model_id))
        loader.remember(model_id, facts, stored)
        fresh.append((model_id, facts))
    loader.prefetch_bases([base for _, facts in fresh for base, _ in facts.base_models])
    write_derivations(session, fresh, loader, kb=kb, had_findings=bool(changed_ids))
    below = derivatives_of(session, [*(model.repo_id for model, _ in written.values()), *former_ids])
    derive_models(session, [i for i in below if i not in written], kb=kb, loader=loader)


def derivatives_of(session: Session, repo_ids: Iterable[str]) -> list[int]:
    """Ids of the models whose lineage reaches any of ``repo_ids`` (their findings depend on it).

    A card names its direct base, but the audit walks on up the chain (a quantisation of a
    fine-tune inherits what the fine-tune's base requires), so a base that arrives or changes
    reaches every model below it, generation by generation, as far as the audit walks; a
    generation is also found by the former ids the Hub renamed its models from.
    """
    found: set[int] = set()
    names = list(dict.fromkeys(repo_ids))
    for _ in range(MAX_LINEAGE_DEPTH):
        generation: set[int] = set()
        for chunk in in_batches(names):
            generation.update(session.scalars(
                select(BaseModelLink.model_id).where(BaseModelLink.base_repo_id.in_(chunk))))
        generation.update(_curated_derivatives(session, names))
        generation -= found
        if not generation:
            break
        found |= generation
        names = []
        for chunk in in_batches(sorted(generation)):
            names += session.scalars(select(HubModel.repo_id).where(HubModel.id.in_(chunk)))
            names += session.scalars(select(ModelAlias.alias).where(ModelAlias.model_id.in_(chunk)))
    return sorted(found)


def _curated_derivatives(session: Session, names: list[str]) -> set[int]:
    """Ids of the models whose base, among ``names``, only the curated lineage table names (their
    cards name none: :func:`catalog.facts.loader.facts_of`). Rare: a handful of bases."""
    found: set[int] = set()
    for entry in curated_for_bases(names):
        like = literal_prefix(entry).lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = session.execute(select(HubModel.id, HubModel.repo_id)
                               .where(func.lower(HubModel.repo_id).like(like, escape="\\")))
        found.update(model_id for model_id, repo_id in rows if entry.pattern.fullmatch(repo_id))
    return found


def is_stale(kb: KnowledgeBase | None = None) -> Any:
    """SQL condition: the model was derived with another knowledge base or derivation revision."""
    version = derivation_version(kb or knowledge_base())
    return (HubModel.derived_version != version) | HubModel.derived_version.is_(None)


def stale_model_ids(session: Session, *, kb: KnowledgeBase | None = None) -> list[int]:
    """Models whose derivation was computed with another knowledge base or derivation revision."""
    return list(session.scalars(select(HubModel.id).where(is_stale(kb))))


