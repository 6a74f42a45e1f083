"""How many models each search condition alone matches, guessed from the cached unfiltered counts.

The planner (``plan``) uses these guesses to choose which index drives a query; the facets
(``facets``) fill the cache they come from. Kept below both so that neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, func, literal_column, select
from sqlalchemy.orm import Session

from catalog.db.marks import FINDING_BITS, FORMAT_BITS
from catalog.db.tables import AuditFinding, HubModelSearch, ModelFormat
from catalog.search.facet_cache import peek
from catalog.search.params import NONE, SearchParams, gated_kinds

S = HubModelSearch
# Share of the catalogue assumed for a condition whose count is not cached.
UNKNOWN_SHARE = 0.05


@dataclass(frozen=True)
class Related:
    """A facet whose values are rows of a related table (a model can have several): the table's
    model and value columns, and the projection's mask column holding them a bit per value
    (``bits``: catalog.db.marks)."""

    model_id: Any
    value: Any
    mask: str
    bits: tuple[str, ...]


# The facets whose values are not a column of the search projection, by parameter name.
RELATED_FACETS = {
    "finding": Related(AuditFinding.model_id, AuditFinding.code, "finding_mask", FINDING_BITS),
    "format": Related(ModelFormat.model_id, ModelFormat.format, "format_mask", FORMAT_BITS),
}


def estimates(session: Session, params: SearchParams, keys: list[str]) -> dict[str, float]:
    """How many models each condition alone would match, from the last cached unfiltered counts.

    Stale figures are good enough to choose which index drives a query, so the cache's state
    and age are not checked; nothing is computed, but for ``finding=none``: the models without
    any finding are counted from their own small index (a few hundred at 1M models; guessed at
    5% of the catalogue, they lost the choice to ``license=mit`` and its 40k rows). Empty until
    an unfiltered search ran.
    """
    total = peek(session, "count")
    if total is None:
        return {}
    result: dict[str, float] = {}
    for key in keys:
        last = peek(session, "facet:" + key)
        values = (params.removed,) if key == "removed" else getattr(params, key, ())
        if key == "finding" and set(values) == {NONE}:
            # The literal 0 is what lets both engines read the partial index (ix_..._no_findings).
            result[key] = session.scalar(select(func.count()).select_from(S).where(S.finding_mask == literal_column("0"),
                                                                                   S.removed == false())) or 0
            continue
        if last is None or key == "flag" or (key in RELATED_FACETS and NONE in values):
            result[key] = total * UNKNOWN_SHARE  # free text, parameter bounds, team flags
            continue
        by_value: dict[str, int] = last.by_value
        result[key] = sum(by_value.get(v, 0) for v in (gated_kinds(values) if key == "gated" else values))
    return result
