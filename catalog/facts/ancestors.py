"""The catalogued ancestors of one model, every generation in one statement (for its record).

A record's obligations include those its bases pass down, so it needs the facts of every
catalogued ancestor. :class:`~catalog.facts.loader.FactsLoader` reads them a generation at a
time (four statements each); here one recursive statement follows the declared base links up
the chain (under a model's own id or a former one, as the loader does) and returns each
ancestor's facts with its base links, license files and previous license. The loader is then
told what was found, so anything the statement could not follow (a base named only by the
curated lineage table, a chain deeper than :data:`MAX_GENERATIONS`) is still loaded by it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, literal, select
from sqlalchemy.orm import Session

from catalog.compliance.findings import ModelFacts
from catalog.compliance.license_text import TextEvidence
from catalog.db.prepared import Prepared, decode_rows, json_rows
from catalog.db.tables import BaseModelLink, HubModel, LicenseText, ModelAlias, ModelEvent, ModelLicenseFile
from catalog.facts.loader import FACT_COLUMNS, FactsLoader, facts_of, resolve_declared, resolve_row

MAX_GENERATIONS = 64


def _statement(dialect: str, *, many: bool = False) -> Select[Any]:
    """The ancestors of the model ``:model_id`` (``many``: of the models ``:model_ids``)."""
    model = HubModel.__table__
    links = BaseModelLink.__table__
    lineage = (select(links.c.base_repo_id.label("repo_id"), literal(1).label("depth"))
               .where(links.c.model_id.in_(bindparam("model_ids", expanding=True)) if many
                      else links.c.model_id == bindparam("model_id"))
               .cte("lineage", recursive=True))
    parent = model.alias("parent")
    parent_links = links.alias("parent_links")
    step = (select(parent_links.c.base_repo_id, lineage.c.depth + 1)
            .select_from(lineage.join(parent, _names(parent, lineage.c.repo_id))
                         .join(parent_links, parent_links.c.model_id == parent.c.id))
            .where(lineage.c.depth < MAX_GENERATIONS))
    lineage = lineage.union(step)
    named = select(lineage.c.repo_id).distinct().subquery("named")
    return (select(named.c.repo_id.label("written"), *facts_columns(dialect))
            .select_from(named.outerjoin(model, _names(model, named.c.repo_id))))


def facts_columns(dialect: str) -> list[Any]:
    """The columns :func:`learn_rows` builds a model's facts from (to select with the model's
    table): its row, base links, license files and the license before its latest change."""
    model = HubModel.__table__
    links = BaseModelLink.__table__
    files, texts = ModelLicenseFile.__table__.c, LicenseText.__table__.c
    events = ModelEvent.__table__

    def latest(kind: str, column: str, *where: Any) -> Any:
        e = events.alias(f"latest_{kind}_{column}")
        order = [e.c.at.desc(), e.c.id.desc()] if kind == "sha" else [e.c.id.desc()]
        return (select(e.c[column]).where(e.c.model_id == model.c.id, e.c.kind == kind, *[w(e) for w in where])
                .order_by(*order).limit(1).correlate(model).scalar_subquery())

    license_at = latest("license", "at")
    return [
        *[model.c[c.key] for c in FACT_COLUMNS],
        json_rows(dialect, model, [links.c.base_repo_id, links.c.relation], links.c.model_id == model.c.id,
                  [links.c.base_repo_id]).label("bases"),
        json_rows(dialect, model, [files.path, files.status, files.revision, files.sha256, files.detected_license,
                                   files.score, files.also, texts.first_lines],
                  files.model_id == model.c.id, [files.path],
                  outer_joins=[(LicenseText.__table__, texts.sha256 == files.sha256)]).label("license_files"),
        # What FactsLoader.previous_licenses reads: the license before the latest change, and
        # the sha it replaced (the sync that changed the license records it at the same instant).
        license_at.label("license_changed_at"),
        latest("license", "old").label("previous_license"),
        latest("sha", "old", lambda e: e.c.at <= license_at).label("previous_sha"),
    ]


def _by_ids(dialect: str) -> Select[Any]:
    model = HubModel.__table__
    return select(model.c.repo_id.label("written"), *facts_columns(dialect)).where(
        model.c.id.in_(bindparam("model_ids", expanding=True)))


def _names(model: Any, repo_id: Any) -> Any:
    """``model`` is the one stored under ``repo_id``, else the one ``repo_id`` is a former id of.

    An equality with a scalar subquery of two indexed lookups, not an OR of them: an OR in a
    join condition keeps PostgreSQL from using either index.
    """
    aliases = ModelAlias.__table__
    stored = HubModel.__table__.alias("stored")
    own = select(stored.c.id).where(stored.c.repo_id == repo_id)
    former = select(aliases.c.model_id).where(aliases.c.alias == repo_id)
    # The model's own id first: UNION ALL returns its branches in order.
    return model.c.id == own.union_all(former).limit(1).scalar_subquery()


_ANCESTORS = Prepared(_statement)  # one model's (a record's): compiled once, run as plain SQL
_MANY: dict[tuple[str, str], Select[Any]] = {}  # statements over many models (a check's), by dialect


def load_ancestors(session: Session, loader: FactsLoader, model_id: int) -> None:
    """Tell ``loader`` the facts of every catalogued ancestor of a model (and which of its
    ancestors' ids the catalogue lacks), in one statement."""
    learn_rows(loader, _ANCESTORS.rows(session.connection(), model_id=model_id))


def facts_of_models(session: Session, loader: FactsLoader, model_ids: list[int]) -> list[tuple[int, ModelFacts]]:
    """(row id, facts) of the models with these row ids, with the facts of all their catalogued
    ancestors told to ``loader``: two statements for a batch, however deep the lineage (a check's).
    """
    if not model_ids:
        return []
    dialect = session.get_bind().dialect.name
    by_ids, ancestors = (_MANY.get((dialect, kind)) for kind in ("ids", "ancestors"))
    if by_ids is None or ancestors is None:
        by_ids = _MANY[(dialect, "ids")] = _by_ids(dialect)
        ancestors = _MANY[(dialect, "ancestors")] = _statement(dialect, many=True)
    found = learn_rows(loader, session.execute(by_ids, {"model_ids": model_ids}).all())
    with_bases = [row_id for row_id, facts in found if facts.base_models]
    if with_bases:
        learn_rows(loader, session.execute(ancestors, {"model_ids": with_bases}).all())
    # What the statement could not follow (bases named only by the curated lineage table).
    loader.prefetch_bases([base for _, facts in found for base, _ in facts.base_models])
    return found


def learn_rows(loader: FactsLoader, rows: list[Any]) -> list[tuple[int, ModelFacts]]:
    """Tell ``loader`` the facts of each row of :func:`facts_columns` (by the id it was named by,
    its ``written`` column); returns (row id, facts) of the rows that name a stored model."""
    learnt = []
    for row in rows:
        written = row.written
        if row.id is None:
            loader.learn(written, None)
            continue
        texts = tuple(TextEvidence(path=f[0], status=f[1], revision=f[2], sha256=f[3], detected=f[4], score=f[5],
                                   also=tuple(f[6] or ()), first_line=f[7].splitlines()[0] if f[7] else None)
                      for f in decode_rows(row.license_files, "......j."))
        previous = None
        if row.license_changed_at is not None:
            old = row.previous_license if isinstance(row.previous_license, dict) else {}
            previous = (resolve_declared(old.get("license"), old.get("license_name"), old.get("license_link"),
                                         old.get("tags")),
                        row.previous_sha if isinstance(row.previous_sha, str) else None)
        resolution = loader.effective(row.id, resolve_row(row), texts)
        bases = [(base, relation) for base, relation in decode_rows(row.bases, "..")]
        facts = facts_of(row, resolution, bases, previous)
        loader.learn(written, facts)
        learnt.append((row.id, facts))
    return learnt
