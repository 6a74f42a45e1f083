"""``catalog bom``: a CycloneDX 1.6 ML-BOM of the models a code base uses.

Built with ``cyclonedx-python-lib``, which has no model-card classes yet, so ``modelCard`` is
added to the serialised JSON afterwards (the result passes the library's strict 1.6 validator in
the tests). Base models are components too, linked by the dependency graph and named in each
model's ``pedigree.ancestors``, so a reader sees what a fine-tune inherits.

Licenses: what the card declares has ``acknowledgement: declared``; what binds the model once its
bases are counted (its own licenses and those it inherits) is ``concluded``. SPDX ids go in
``license.id`` with the text's ``url``; a ``LicenseRef-`` id (custom AI licenses) cannot be a
``license.id`` in CycloneDX, so the licenses are then given as one SPDX expression, and the
texts' URLs as ``license`` external references.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.compliance.audit import license_holders
from catalog.db.engine import in_batches
from catalog.db.tables import BaseModelLink, HubModel
from catalog.facts.loader import FactsLoader, resolve_row
from catalog.facts.resolve import resolve_ids
from catalog.licenses import KnowledgeBase, License, knowledge_base
from catalog.licenses.lineage import curated_bases

HUB_URL = "https://huggingface.co"
_PACKAGE = "catalog"
MAX_DEPTH = 10
_COLUMNS = (
    HubModel.id, HubModel.repo_id, HubModel.author, HubModel.sha, HubModel.pipeline_tag, HubModel.library_name,
    HubModel.card_data, HubModel.parameters_total, HubModel.gated, HubModel.license_raw, HubModel.license_name_raw,
    HubModel.license_link_raw, HubModel.license_tags,
)


def build_bom(session: Session, models: Sequence[tuple[str, str | None]], *, project: str = "code base",
              kb: KnowledgeBase | None = None) -> str:
    """The CycloneDX 1.6 JSON document for ``(repo_id, pinned revision)`` pairs and their base models.

    A model the catalogue lacks is still listed, with the id and revision the code names and the
    property ``catalog:in-catalogue`` = ``false``.
    """
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.output.json import JsonV1Dot6

    kb = kb or knowledge_base()
    bom = Bom()
    root = Component(name=project, type=ComponentType.APPLICATION, bom_ref="catalog:project")
    bom.metadata.component = root
    bom.metadata.tools.components.add(Component(
        type=ComponentType.APPLICATION, name=_PACKAGE, version=_version(), bom_ref="catalog:tool",
        description=f"catalog bom, license knowledge base {kb.version[:12]}"))
    loader = FactsLoader(session)
    rows = _rows(session, [repo_id for repo_id, _ in models])
    components: dict[tuple[str, str | None], Any] = {}
    cards: dict[str, dict[str, Any]] = {}

    def component_for(repo_id: str, revision: str | None) -> Any:
        row = rows.get(repo_id.lower())
        version = revision or (row.sha if row is not None else None)
        key = ((row.repo_id if row is not None else repo_id), version)
        if key not in components:
            component = _component(key[0], version, row, kb, loader)
            components[key] = component
            bom.components.add(component)
            if row is not None and (card := _model_card(row)):
                cards[str(component.bom_ref)] = card
        return components[key]

    direct = [component_for(repo_id, revision) for repo_id, revision in models]
    bom.register_dependency(root, direct)
    # Breadth-first up the lineage, loading each generation of bases in one query.
    frontier = [row for row in (rows.get(repo_id.lower()) for repo_id, _ in models) if row is not None]
    seen = {row.id for row in frontier}
    for _ in range(MAX_DEPTH):
        if not frontier:
            break
        links = _bases(session, [row.id for row in frontier])
        rows.update(_rows(session, [base for pairs in links.values() for base, _ in pairs]))
        following = []
        for row in frontier:
            bases = [component_for(base, None) for base, _ in links.get(row.id, ())]
            if bases:
                # Every revision of this model the code pins derives from the same bases.
                for (repo_id, _), component in list(components.items()):
                    if repo_id == row.repo_id:
                        bom.register_dependency(component, bases)
                        component.pedigree = _pedigree(component, bases)
            for base, _ in links.get(row.id, ()):
                base_row = rows.get(base.lower())
                if base_row is not None and base_row.id not in seen:
                    seen.add(base_row.id)
                    following.append(base_row)
        frontier = following
    document = json.loads(JsonV1Dot6(bom).output_as_string())
    for component in document.get("components", ()):
        card = cards.get(component.get("bom-ref"))
        if card:
            component["modelCard"] = card
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rows(session: Session, repo_ids: list[str]) -> dict[str, Any]:
    """Catalogue rows by lower-cased id as written, resolved as `catalog check` resolves ids found
    in code (:mod:`catalog.facts.resolve`: exact, any case, former id; never a bare name completed)."""
    resolutions = resolve_ids(session, repo_ids, by_name=False)
    row_ids = sorted({r.model_id for r in resolutions.values() if r.model_id is not None})
    by_id: dict[int, Any] = {}
    for chunk in in_batches(row_ids):
        for row in session.execute(select(*_COLUMNS).where(HubModel.id.in_(chunk))):
            by_id[row.id] = row
    return {written.lower(): by_id[r.model_id] for written, r in resolutions.items() if r.model_id in by_id}


def _bases(session: Session, model_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """The bases each model's card names; for a card naming none, the curated lineage table's."""
    links: dict[int, list[tuple[str, str]]] = {}
    for link in session.execute(
        select(BaseModelLink.model_id, BaseModelLink.base_repo_id, BaseModelLink.relation)
        .where(BaseModelLink.model_id.in_(model_ids)).order_by(BaseModelLink.base_repo_id)
    ):
        links.setdefault(link.model_id, []).append((link.base_repo_id, link.relation))
    unlinked = [i for i in model_ids if i not in links]
    if unlinked:
        for row in session.execute(select(HubModel.id, HubModel.repo_id).where(HubModel.id.in_(unlinked))):
            curated = [(entry.base, entry.relation) for entry in curated_bases(row.repo_id)]
            if curated:
                links[row.id] = curated
    return links


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(_PACKAGE)
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown"


def _pedigree(component: Any, bases: list[Any]) -> Any:
    """``pedigree.ancestors``: the direct bases, as references to their components in the BOM."""
    from cyclonedx.model.component import Component, Pedigree

    ancestors = [Component(type=base.type, name=base.name, group=base.group, version=base.version,
                           purl=base.purl, bom_ref=f"{component.bom_ref}#ancestor:{base.bom_ref}")
                 for base in bases]
    return Pedigree(ancestors=ancestors)


def purl(repo_id: str, revision: str | None) -> Any:
    """``pkg:huggingface/<org>/<name>@<sha>``, the package-url type for Hub models."""
    from packageurl import PackageURL

    namespace, _, name = repo_id.rpartition("/")
    return PackageURL(type="huggingface", namespace=namespace or None, name=name,
                      version=revision.lower() if revision else None)


def _component(repo_id: str, version: str | None, row: Any, kb: KnowledgeBase, loader: FactsLoader) -> Any:
    from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.contact import OrganizationalContact, OrganizationalEntity

    namespace, _, name = repo_id.rpartition("/")
    url = purl(repo_id, version)
    properties = [Property(name="catalog:in-catalogue", value="true" if row is not None else "false")]
    licenses: list[Any] = []
    references = [ExternalReference(type=ExternalReferenceType.WEBSITE, url=XsUri(f"{HUB_URL}/{repo_id}"))]
    supplier, authors = None, None
    owner = (row.author if row is not None else None) or namespace
    if owner:
        # The Hub namespace publishes the repository; whether a person or an organisation, it is
        # who supplies the model and the author the Hub names.
        supplier = OrganizationalEntity(name=owner, urls=[XsUri(f"{HUB_URL}/{owner}")])
        authors = [OrganizationalContact(name=owner)]
    if row is not None:
        resolution = resolve_row(row)
        found = loader.load(HubModel.id == row.id)
        holders = license_holders(found[0][1], lineage=loader.lineage, kb=kb) if found else []
        licenses, texts = _licenses(resolution, holders, row, kb)
        references += [ExternalReference(type=ExternalReferenceType.LICENSE, url=XsUri(text), comment=comment)
                       for text, comment in texts]
        properties.append(Property(name="catalog:license-category", value=resolution.category))
        if row.parameters_total is not None:
            properties.append(Property(name="huggingface:parameters", value=str(row.parameters_total)))
        if row.library_name:
            properties.append(Property(name="huggingface:library_name", value=row.library_name))
        if row.gated and row.gated != "false":
            properties.append(Property(name="huggingface:gated", value=str(row.gated)))
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL, name=name, group=namespace or None, version=version,
        bom_ref=url.to_string(), purl=url, licenses=licenses, properties=properties,
        external_references=references, supplier=supplier, authors=authors,
    )


def _licenses(resolution: Any, holders: list[tuple[License, str | None]], row: Any,
              kb: KnowledgeBase) -> tuple[list[Any], list[tuple[str, str]]]:
    """The component's licenses, and (URL, comment) of each license text for external references.

    Declared: the licenses the card names. Concluded: those plus what the model inherits from its
    bases. With SPDX ids only, each is a ``license`` with ``id``, ``url`` and ``acknowledgement``
    (the inherited ones ``concluded``);
    with any ``LicenseRef-`` id, one expression (the concluded one when something is inherited).
    Values catalog does not recognise are kept by ``name``, as declared; beside them the list form
    is needed, so a ``LicenseRef-`` id is then named too (an expression cannot hold free text).
    """
    from cyclonedx.model import XsUri
    from cyclonedx.model.license import DisjunctiveLicense, LicenseAcknowledgement, LicenseExpression
    from cyclonedx.spdx import fixup_id

    declared = [lic for lic in map(kb.get, resolution.license_ids) if lic is not None]
    inherited = [lic for lic, holder in holders if holder is not None and lic not in declared]
    texts = [(lic.url, f"{lic.name}: {'inherited from ' + holder if holder else 'declared'}")
             for lic, holder in holders] or [(lic.url, f"{lic.name}: declared") for lic in declared]
    unresolved = [str(value) for value in resolution.unresolved]
    if not declared and not unresolved and row.license_raw is not None:
        unresolved = [str(row.license_raw)]
    if all(fixup_id(lic.spdx) for lic in declared + inherited) or unresolved:
        result = [DisjunctiveLicense(id=fixup_id(lic.spdx), url=XsUri(lic.url), acknowledgement=ack)
                  if fixup_id(lic.spdx) else DisjunctiveLicense(name=lic.spdx, url=XsUri(lic.url), acknowledgement=ack)
                  # One object per license (the library keeps one per id): a declared license
                  # is concluded too, so only what is inherited is marked concluded.
                  for group, ack in ((declared, LicenseAcknowledgement.DECLARED),
                                     (inherited, LicenseAcknowledgement.CONCLUDED))
                  for lic in group]
        result += [DisjunctiveLicense(name=value, acknowledgement=LicenseAcknowledgement.DECLARED)
                   for value in unresolved]
        return result, texts
    # Every license here applies at once (an OR alternative was already settled by resolve).
    expression = " AND ".join(lic.spdx for lic in declared + inherited)
    ack = LicenseAcknowledgement.CONCLUDED if inherited else LicenseAcknowledgement.DECLARED
    return [LicenseExpression(expression, acknowledgement=ack)], texts


def _model_card(row: Any) -> dict[str, Any]:
    """The CycloneDX ``modelCard`` from what the Hub card declares; empty when it declares nothing useful."""
    card = row.card_data if isinstance(row.card_data, dict) else {}
    parameters: dict[str, Any] = {}
    if row.pipeline_tag:
        parameters["task"] = row.pipeline_tag
    datasets = card.get("datasets")
    if isinstance(datasets, str):
        datasets = [datasets]
    if isinstance(datasets, list):
        names = [d for d in datasets if isinstance(d, str) and d.strip()]
        if names:
            parameters["datasets"] = [{"type": "dataset", "name": d, "contents": {"url": f"{HUB_URL}/datasets/{d}"}}
                                      for d in names]
    properties = []
    for key in ("language", "tags", "base_model", "library_name"):
        value = card.get(key)
        values = value if isinstance(value, list) else [value] if value is not None else []
        properties += [{"name": f"huggingface:card:{key}", "value": str(v)} for v in values if isinstance(v, str | int)]
    result: dict[str, Any] = {}
    if parameters:
        result["modelParameters"] = parameters
    if properties:
        result["properties"] = properties
    return result
