"""Which bit of the search projection's ``finding_mask`` and ``format_mask`` stands for which value.

A model's finding codes and weight formats are rows of their own tables (``audit_findings``,
``hub_model_formats``). Counting the finding and format facets over a search's sample joined
every sampled model to them: 2,000 index lookups per table, most of a facet query's time on
PostgreSQL (12.4 of 4.8 + 7.6 ms at 100k models). The projection row therefore also carries one
bit per code and per format, kept by triggers on those two tables (migration c6f2a9e41d73), and a
sample's facet counts are read as ``GROUP BY mask`` (a few dozen distinct masks), expanded here.

The bit of a value is its position in :data:`FINDING_BITS` / :data:`FORMAT_BITS`, the lists the
migration's triggers encode. A value not in them (a finding code added without a migration)
sets :data:`OTHER` instead, so that ``finding_mask = 0`` still means "no finding at all";
``tests/db/test_marks.py`` fails when ``FINDING_CODES`` or the crawler's formats outgrow these lists.

A sync page rewrites a model's formats and findings in several statements; it holds the
triggers off meanwhile and writes each touched model's masks once (:func:`defer`,
:func:`touch`, :func:`resume`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

# As catalog.compliance.findings.FINDING_CODES (extend-only) was when the triggers were written.
FINDING_BITS: tuple[str, ...] = (
    "license-missing", "license-unknown", "license-multiple", "non-commercial", "use-restrictions",
    "attribution-required", "share-alike", "source-disclosure", "user-threshold", "revenue-threshold",
    "naming-requirement", "output-restrictions", "gated", "base-license-conflict", "license-changed",
    "pickle-weights", "territory-restrictions", "base-not-catalogued",
    "license-detected", "license-text-mismatch", "license-text-unrecognised",
)
# The formats catalog.crawl.ingest derives from file names and metadata.
FORMAT_BITS: tuple[str, ...] = ("safetensors", "gguf", "onnx", "pickle", "tensorflow", "flax")
# Set for a value that has no bit of its own (the sign bit is left alone).
OTHER = 1 << 62
# While a row of app_settings has this key, the triggers leave the masks alone (see defer()).
DEFERRED_KEY = "marks_deferred"
# mask column -> (the table of its values, their column, the bits)
SOURCES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "finding_mask": ("audit_findings", "code", FINDING_BITS),
    "format_mask": ("hub_model_formats", "format", FORMAT_BITS),
}


def _bit_case(column: str, values: Sequence[str]) -> str:
    """SQL giving the bit of ``column``'s value (a trusted column expression), :data:`OTHER` if unlisted."""
    whens = " ".join(f"WHEN '{value}' THEN {1 << i}" for i, value in enumerate(values))
    return f"(CASE {column} {whens} ELSE {OTHER} END)"


def aggregate(column: str, values: Sequence[str], *, postgresql: bool) -> str:
    """SQL aggregating the rows' bits of ``column`` into one mask (NULL over no rows)."""
    # Distinct single bits summed are their OR; SQLite has no bit_or aggregate.
    return f"bit_or({_bit_case(column, values)})" if postgresql else f"sum(DISTINCT {_bit_case(column, values)})"


def bits_of(values: Iterable[str], listed: Sequence[str]) -> int:
    """The mask of ``values`` among ``listed`` (the bits a query tests for a filter's values)."""
    return sum(1 << listed.index(v) for v in set(values) if v in listed)


def expand(masks: Iterable[tuple[int, int]], listed: Sequence[str]) -> dict[str, int]:
    """Models per value, from (mask, models with that mask) pairs: a value counts every model
    whose mask has its bit. Values no model has are left out; so is :data:`OTHER`."""
    counts: dict[str, int] = {}
    for mask, models in masks:
        for i, value in enumerate(listed):
            if mask >> i & 1:
                counts[value] = counts.get(value, 0) + models
    return counts


def defer(session: Session) -> None:
    """Leave the masks of this transaction's writes to :func:`resume`, which writes them once.

    A sync page deletes and rewrites a model's formats, then its findings: the triggers would
    update its projection row once per statement (up to four times), and on PostgreSQL each
    update rewrites the row's index entries. The flag is a row of ``app_settings`` the
    triggers look for; no other transaction ever sees it (:func:`resume` deletes it before the
    commit, and a rollback takes it away too), so every other writer keeps the triggers' upkeep.
    Writers of findings and formats name the models they wrote (:func:`touch`).
    """
    session.execute(text("INSERT INTO app_settings (key, value) VALUES (:k, '1') ON CONFLICT (key) DO NOTHING"),
                    {"k": DEFERRED_KEY})
    session.info[DEFERRED_KEY] = set()


def touch(session: Session, model_ids: Iterable[int]) -> None:
    """Note models whose findings or formats were written, when :func:`defer` is in force."""
    touched = session.info.get(DEFERRED_KEY)
    if touched is not None:
        touched.update(model_ids)


def resume(session: Session) -> None:
    """End :func:`defer`: write the masks of the models touched since, from their findings and
    formats (only rows whose masks change), and let the triggers keep them again."""
    touched = session.info.pop(DEFERRED_KEY, None)
    if touched:
        _refresh(session, sorted(touched))
    session.execute(text("DELETE FROM app_settings WHERE key = :k"), {"k": DEFERRED_KEY})


def _refresh(session: Session, model_ids: Sequence[int]) -> None:
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        among, bound = "s.model_id = ANY(CAST(:ids AS integer[]))", "{" + ",".join(str(i) for i in model_ids) + "}"
    else:
        among, bound = "s.model_id IN (SELECT value FROM json_each(:ids))", json.dumps(list(model_ids))
    masks = {mask: f"coalesce((SELECT {aggregate(column, listed, postgresql=postgresql)} FROM {table} "
                   f"WHERE {table}.model_id = s.model_id), 0)"
             for mask, (table, column, listed) in SOURCES.items()}
    # Materialised, each mask is aggregated once per model; inlined, both engines aggregated it
    # twice, for the comparison and for the value set (1,000 models of 100k on PostgreSQL: 95 -> 70 ms).
    # Read from the projection rows, so a bulk load (no rows until its end) aggregates nothing.
    session.execute(text(
        f"WITH m AS MATERIALIZED (SELECT s.model_id AS id, s.finding_mask AS old_findings, "
        f"s.format_mask AS old_formats, {masks['finding_mask']} AS finding_mask, "
        f"{masks['format_mask']} AS format_mask FROM hub_model_search AS s WHERE {among}) "
        f"UPDATE hub_model_search SET finding_mask = m.finding_mask, format_mask = m.format_mask "
        f"FROM m WHERE hub_model_search.model_id = m.id "
        f"AND (m.old_findings <> m.finding_mask OR m.old_formats <> m.format_mask)"), {"ids": bound})


__all__ = ["DEFERRED_KEY", "FINDING_BITS", "FORMAT_BITS", "OTHER", "SOURCES", "aggregate", "bits_of", "defer",
           "expand", "resume", "touch"]
