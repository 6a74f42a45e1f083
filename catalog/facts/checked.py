"""What a check reads about the models it names: their facts and stored findings, in one statement.

A policy judges a model by its license (its facts) and its audit findings, which sync stored
with it. The facts of its ancestors matter only to recompute the findings of a model derived
under another knowledge base or derivation revision (a stale one), so they are not read here:
the caller reads them (:func:`catalog.facts.ancestors.facts_of_models`) for the stale models
alone, usually none. Whether a model is stale is read from the same row (``derived_version``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from catalog.compliance.findings import Finding, ModelFacts
from catalog.db.prepared import decode_rows, json_rows
from catalog.db.tables import AuditFinding, HubModel
from catalog.facts.ancestors import facts_columns, learn_rows
from catalog.facts.derive import derivation_version
from catalog.facts.loader import FactsLoader


class Checked(NamedTuple):
    """A catalogued model as a check sees it."""

    row_id: int
    facts: ModelFacts
    findings: list[Finding]  # as stored, in the order they were written
    stale: bool  # derived under another knowledge base or derivation: the findings may be out of date


def _statement(dialect: str, by: str) -> Select[Any]:
    model = HubModel.__table__
    findings = AuditFinding.__table__.c
    key = model.c.repo_id if by == "repo_id" else model.c.id
    stored = json_rows(dialect, model, [findings.code, findings.severity, findings.message, findings.evidence],
                       findings.model_id == model.c.id, [findings.id]).label("findings")
    return (select(model.c.repo_id.label("written"), *facts_columns(dialect), stored)
            .where(key.in_(bindparam("keys", expanding=True))))


# Built once per dialect and kind: building the statement costs more than SQLAlchemy's cached run of it.
_STATEMENTS: dict[tuple[str, str], Select[Any]] = {}


def read_checked(session: Session, loader: FactsLoader, *, repo_ids: list[str] | None = None,
                 row_ids: list[int] | None = None) -> dict[int, Checked]:
    """The models stored under exactly these repo ids (or with these row ids), by row id; ids
    the catalogue lacks are absent. ``loader`` learns their facts."""
    by, keys = ("repo_id", repo_ids) if repo_ids is not None else ("id", row_ids)
    if not keys:
        return {}
    dialect = session.get_bind().dialect.name
    statement = _STATEMENTS.get((dialect, by))
    if statement is None:
        statement = _STATEMENTS[(dialect, by)] = _statement(dialect, by)
    rows = session.execute(statement, {"keys": keys}).all()
    current = derivation_version(loader.kb)
    result = {}
    for row, (row_id, facts) in zip(rows, learn_rows(loader, rows), strict=True):
        findings = [Finding(code, severity, message, evidence or {})
                    for code, severity, message, evidence in decode_rows(row.findings, "...j")]
        result[row_id] = Checked(row_id, facts, findings, row.derived_version != current)
    return result
