"""The facts of stored models as the audit reads them, and the cache a run or a request keeps of them.

A ``hub_models`` row and the parsed Hub item a sync writes it from give the same facts
(:func:`facts_of`); :class:`FactsLoader` reads them from the database (with their bases,
previous license and license files) and keeps the lineage a derivation or a check walks.
Split from :mod:`catalog.facts.derive`, which computes and writes what is derived from them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.compliance.findings import Finding, ModelFacts
from catalog.compliance.license_text import reconcile
from catalog.db.engine import in_batches
from catalog.db.tables import BaseModelLink, HubModel, ModelAlias, ModelEvent
from catalog.facts.license_files import license_evidence
from catalog.licenses import KnowledgeBase, Resolution, knowledge_base, resolve
from catalog.licenses.lineage import curated_base, curated_bases

# Facts kept for lineage lookups; popular bases stay cached, memory stays bounded on big runs.
_MAX_CACHED_FACTS = 20_000


FACT_COLUMNS = (
    HubModel.id,
    HubModel.repo_id,
    HubModel.sha,
    HubModel.license_raw,
    HubModel.license_name_raw,
    HubModel.license_link_raw,
    HubModel.license_tags,
    HubModel.formats,
    HubModel.gated,
    HubModel.pipeline_tag,
    HubModel.license_id,
    HubModel.license_ids,
    HubModel.license_category,
    HubModel.license_status,
    HubModel.derived_version,
)
# The columns derived from a model's license resolution (see derive.derived_columns).
DERIVED = ("license_id", "license_ids", "license_category", "license_status", "derived_version")


class Declared(Protocol):
    """What a model declared on the Hub, named alike by a ``hub_models`` row and by the parsed
    Hub item a sync writes it from (``catalog.crawl.ingest.ParsedModel``)."""

    repo_id: str
    sha: str | None
    license_raw: Any
    license_name_raw: Any
    license_link_raw: Any
    license_tags: Any
    formats: Any
    gated: Any
    pipeline_tag: Any


def resolve_declared(license_raw: Any, license_name: Any, license_link: Any, license_tags: Any) -> Resolution:
    """Resolve license fields as stored: ``license_tags`` holds the ids of ``license:<id>`` tags."""
    return resolve(license_raw, license_name, license_link, tuple(f"license:{t}" for t in license_tags or ()))


def resolve_row(row: Any) -> Resolution:
    """Resolve the license of a stored model from its raw fields."""
    return resolve_declared(row.license_raw, row.license_name_raw, row.license_link_raw, row.license_tags)


def facts_of(model: Declared, resolution: Resolution, bases: Iterable[tuple[str, str]],
             previous: tuple[Resolution, str | None] | None) -> ModelFacts:
    """The audit's facts of a model, from a ``hub_models`` row or the parsed item it was written
    from (they name their fields alike), so that both give the same facts.

    Args:
        bases: (base repo id, relation) pairs, in any order. When the card names none, the curated
            lineage table's bases for this repo id are used, with their source.
        previous: the license before its latest change and the revision it was seen at, if any.
    """
    bases = list(bases)
    base_sources: tuple[tuple[str, str], ...] = ()
    if not bases:
        curated = curated_bases(model.repo_id)
        bases = [(entry.base, entry.relation) for entry in curated]
        base_sources = tuple((entry.base, entry.provenance) for entry in curated)
    return ModelFacts(
        repo_id=model.repo_id,
        sha=model.sha,
        license_raw=model.license_raw,
        license_name=model.license_name_raw,
        license_link=model.license_link_raw,
        license_tags=tuple(model.license_tags or ()),
        resolution=resolution,
        # Sorted here, not in SQL: collations differ between the engines and from Python's order.
        base_models=tuple(sorted(bases)),
        formats=frozenset(model.formats or ()),
        gated=model.gated,
        previous_license=previous[0] if previous else None,
        previous_sha=previous[1] if previous else None,
        pipeline_tag=model.pipeline_tag if isinstance(model.pipeline_tag, str) else None,
        base_sources=base_sources,
    )


def curated_base_facts(repo_id: str) -> ModelFacts | None:
    """Facts of a base named only by the curated lineage table and not catalogued: its license, as
    the table records it, is all that is known of it."""
    entry = curated_base(repo_id)
    if entry is None:
        return None
    resolution = resolve(entry.license)
    return ModelFacts(repo_id=entry.base, sha=None, license_raw=entry.license, license_name=None,
                      license_link=None, license_tags=(), resolution=resolution, base_models=(),
                      formats=frozenset(), gated="false")


class FactsLoader:
    """Builds :class:`ModelFacts` from the database, caching every model it has looked at.

    Used both for the models being derived and, through :meth:`lineage`, for their bases up
    the chain, so a catalogue of fine-tunes of one popular base loads that base once. A sync
    keeps one loader for its whole run (rebinding ``session`` per page transaction) and hands
    it the facts of each page it ingests through :meth:`remember`, so that the cache never
    holds an older state of a model than the database.
    """

    def __init__(self, session: Session | None = None, *, kb: KnowledgeBase | None = None) -> None:
        self.session: Session = session  # type: ignore[assignment]  # a run's loader is bound per page
        self.kb = kb or knowledge_base()
        self._facts: dict[str, ModelFacts | None] = {}
        self.stored: dict[int, dict[str, Any]] = {}  # derived columns as stored, by row id
        # Findings from each model's license files, by row id (see effective()).
        self.text_findings: dict[int, list[Finding]] = {}

    def effective(self, model_id: int, declared: Resolution, texts: tuple[Any, ...]) -> Resolution:
        """The license a model is taken to have once its license files are read; keeps their findings."""
        resolution, findings = reconcile(declared, texts, self.kb)
        if findings:
            self.text_findings[model_id] = findings
        else:
            self.text_findings.pop(model_id, None)
        return resolution

    def load(self, where: Any) -> list[tuple[int, ModelFacts]]:
        """Load (row id, facts) of the models matching a SQL condition on ``hub_models``."""
        rows = self.session.execute(select(*FACT_COLUMNS).where(where)).all()
        if not rows:
            return []
        ids = [r.id for r in rows]
        bases: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for link in self.session.execute(
            select(BaseModelLink.model_id, BaseModelLink.base_repo_id, BaseModelLink.relation)
            .where(BaseModelLink.model_id.in_(ids))
        ):
            bases[link.model_id].append((link.base_repo_id, link.relation))
        previous = self.previous_licenses(ids)
        texts = license_evidence(self.session, ids)
        result = []
        for row in rows:
            resolution = self.effective(row.id, resolve_row(row), texts.get(row.id, ()))
            facts = facts_of(row, resolution, bases.get(row.id, ()), previous.get(row.id))
            self._facts[row.repo_id] = facts
            self.stored[row.id] = {name: getattr(row, name) for name in DERIVED}
            result.append((row.id, facts))
        self.prefetch_bases([base for _, f in result for base, _ in f.base_models])
        return result

    def adopt(self, model: Any, bases: list[tuple[str, str]],
              previous: tuple[Resolution, str | None] | None, texts: tuple[Any, ...]) -> ModelFacts:
        """The facts of a model row already loaded with its bases, previous license and license
        files (``texts``, as :func:`~catalog.facts.license_files.license_evidence` gives them; a
        record read them anyway), cached like :meth:`load`'s, with its lineage prefetched."""
        facts = facts_of(model, self.effective(model.id, resolve_row(model), texts), bases, previous)
        self._facts[model.repo_id] = facts
        self.prefetch_bases([base for base, _ in facts.base_models])
        return facts

    def prefetch_bases(self, repo_ids: list[str]) -> None:
        """Load the lineage of a batch in one query per generation instead of one per base."""
        wanted = [r for r in dict.fromkeys(repo_ids) if r not in self._facts]
        for chunk in in_batches(wanted):
            found = {f.repo_id for _, f in self.load(HubModel.repo_id.in_(chunk))}
            self._remember_former_ids([r for r in chunk if r not in found])

    def load_former_ids(self, repo_ids: list[str]) -> dict[str, tuple[int, ModelFacts]]:
        """(row id, facts) of the models these ids name as former ids of renamed models.

        Code and cards keep naming a model by the id it had before the Hub renamed it.
        """
        if not repo_ids:
            return {}
        targets = dict(self.session.execute(
            select(ModelAlias.alias, ModelAlias.model_id).where(ModelAlias.alias.in_(repo_ids))).all())
        by_row = dict(self.load(HubModel.id.in_(set(targets.values())))) if targets else {}
        return {alias: (row_id, by_row[row_id]) for alias, row_id in targets.items() if row_id in by_row}

    def _remember_former_ids(self, repo_ids: list[str]) -> None:
        """Cache the facts of ids not catalogued under their own name: a renamed model's, or None."""
        found = self.load_former_ids(repo_ids)
        self._facts.update({r: found[r][1] if r in found else None for r in repo_ids})

    def learn(self, repo_id: str, facts: ModelFacts | None) -> None:
        """Take the facts of the model ``repo_id`` names (its own id or a former one), read
        elsewhere; None: the catalogue holds no such model."""
        self._facts[repo_id] = facts

    def remember(self, model_id: int, facts: ModelFacts, stored: dict[str, Any]) -> None:
        """Take the facts of a model just written (``stored``: its derived columns as written)."""
        self._facts[facts.repo_id] = facts
        self.stored[model_id] = stored

    def forget(self, repo_ids: Iterable[str]) -> None:
        """Drop what is known of these repo ids (a rename moved their rows to other ids)."""
        for repo_id in repo_ids:
            self._facts.pop(repo_id, None)

    def trim(self) -> None:
        """Forget what was loaded once the cache outgrows its bound (call between batches)."""
        if len(self._facts) > _MAX_CACHED_FACTS:
            self.clear()

    def clear(self) -> None:
        """Forget everything (a transaction it read in was rolled back)."""
        self._facts.clear()
        self.stored.clear()
        self.text_findings.clear()

    def catalogued(self, repo_id: str) -> ModelFacts | None:
        """The facts of a base model the catalogue holds (named by its id or a former one), or None."""
        if repo_id not in self._facts:
            found = self.load(HubModel.repo_id == repo_id)
            if not found:
                self._remember_former_ids([repo_id])
        return self._facts[repo_id]

    def lineage(self, repo_id: str) -> ModelFacts | None:
        """The facts of a base model: catalogued, else from the curated lineage table, else None."""
        return self.catalogued(repo_id) or curated_base_facts(repo_id)

    def previous_licenses(self, ids: list[int]) -> dict[int, tuple[Resolution, str | None]]:
        """The license each model declared before its latest license change, if it ever changed."""
        if not ids:
            return {}
        latest = (
            select(func.max(ModelEvent.id))
            .where(ModelEvent.model_id.in_(ids), ModelEvent.kind == "license")
            .group_by(ModelEvent.model_id)
        )
        result = {}
        for event in self.session.execute(
            select(ModelEvent.model_id, ModelEvent.old, ModelEvent.at).where(ModelEvent.id.in_(latest))
        ):
            old = event.old if isinstance(event.old, dict) else {}
            resolution = resolve_declared(old.get("license"), old.get("license_name"), old.get("license_link"),
                                          old.get("tags"))
            # The sync that changed the license records the sha it replaced at the same instant.
            previous_sha = self.session.scalar(
                select(ModelEvent.old).where(
                    ModelEvent.model_id == event.model_id, ModelEvent.kind == "sha", ModelEvent.at <= event.at
                ).order_by(ModelEvent.at.desc(), ModelEvent.id.desc()).limit(1)
            )
            result[event.model_id] = (resolution, previous_sha if isinstance(previous_sha, str) else None)
        return result
