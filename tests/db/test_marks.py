"""The projection's finding and format masks follow their tables, whoever writes them
(catalog.db.marks, migration c6f2a9e41d73), and cover every code and format catalog writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from catalog.compliance.findings import FINDING_CODES
from catalog.crawl import ingest
from catalog.db.bulk import insert_rows
from catalog.db.marks import FINDING_BITS, FORMAT_BITS, OTHER, bits_of, expand
from catalog.db.tables import AuditFinding, HubModel, HubModelSearch, ModelFormat

_MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "20261129_1500_projection_marks_c6f2a9e41d73.py"


def test_every_finding_code_and_format_has_its_bit_in_the_triggers():
    """A code or format added without a migration would count as "other" in the triggers and
    be missing from the facets: this fails first."""
    spec = importlib.util.spec_from_file_location("marks_migration", _MIGRATION)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert FINDING_BITS == tuple(FINDING_CODES) == migration.FINDING_BITS
    assert FORMAT_BITS == migration.FORMAT_BITS
    crawled = set(ingest._FORMAT_OF_SUFFIX.values()) | {"safetensors", "gguf"}  # files, then metadata
    assert crawled <= set(FORMAT_BITS)
    assert len(FINDING_BITS) < 62 and migration.OTHER == OTHER


def test_expand_counts_a_model_under_each_of_its_values():
    masks = [(bits_of(["gguf", "pickle"], FORMAT_BITS), 3), (bits_of(["gguf"], FORMAT_BITS), 2),
             (0, 7), (OTHER | bits_of(["onnx"], FORMAT_BITS), 1)]
    assert expand(masks, FORMAT_BITS) == {"gguf": 5, "pickle": 3, "onnx": 1}


def _masks(session: Session) -> dict[str, tuple[int, int]]:
    rows = session.execute(select(HubModel.repo_id, HubModelSearch.finding_mask, HubModelSearch.format_mask)
                           .join(HubModelSearch, HubModelSearch.model_id == HubModel.id))
    return {repo_id: (findings, formats) for repo_id, findings, formats in rows}


def _finding(model_id: int, code: str) -> dict:
    return {"model_id": model_id, "code": code, "severity": "warning", "message": "m", "evidence": {}}


def test_triggers_keep_the_masks_through_every_kind_of_write(engine):
    f = lambda *codes: bits_of(codes, FINDING_BITS)
    g = lambda *formats: bits_of(formats, FORMAT_BITS)
    with Session(engine) as session, session.begin():
        a, b = (session.scalar(insert(HubModel).values(repo_id=r).returning(HubModel.id)) for r in ("o/a", "o/b"))
        assert _masks(session) == {"o/a": (0, 0), "o/b": (0, 0)}
        # The sync's path (COPY on PostgreSQL: one statement for many rows and models).
        insert_rows(session, AuditFinding.__table__, [_finding(a, "license-missing"), _finding(a, "gated"),
                                                      _finding(a, "gated"), _finding(b, "pickle-weights")])
        insert_rows(session, ModelFormat.__table__, [{"model_id": a, "format": "gguf"},
                                                     {"model_id": a, "format": "pickle"}])
        session.add(AuditFinding(**_finding(b, "non-commercial")))  # the ORM's path
        session.flush()
        assert _masks(session) == {"o/a": (f("license-missing", "gated"), g("gguf", "pickle")),
                                   "o/b": (f("pickle-weights", "non-commercial"), 0)}
        # One of two rows of a code gone: the code stays; the last one gone: it goes.
        first_gated = session.scalar(select(AuditFinding.id).where(AuditFinding.model_id == a,
                                                                   AuditFinding.code == "gated").limit(1))
        session.execute(delete(AuditFinding).where(AuditFinding.id == first_gated))
        assert _masks(session)["o/a"][0] == f("license-missing", "gated")
        session.execute(delete(AuditFinding).where(AuditFinding.model_id == a, AuditFinding.code == "gated"))
        session.execute(delete(ModelFormat).where(ModelFormat.model_id == a, ModelFormat.format == "pickle"))
        assert _masks(session)["o/a"] == (f("license-missing"), g("gguf"))
        # A finding moved to another model and given another code.
        session.execute(update(AuditFinding).where(AuditFinding.model_id == a)
                        .values(model_id=b, code="share-alike"))
        assert _masks(session) == {"o/a": (0, g("gguf")), "o/b": (f("pickle-weights", "non-commercial", "share-alike"), 0)}
        # A code no migration knows still makes the mask non-zero: finding=none stays true.
        session.execute(insert(AuditFinding).values(**_finding(a, "some-future-code")))
        assert _masks(session)["o/a"] == (OTHER, g("gguf"))
        session.execute(delete(AuditFinding).where(AuditFinding.model_id == b))
        session.execute(delete(ModelFormat))
        assert _masks(session) == {"o/a": (OTHER, 0), "o/b": (0, 0)}
        session.rollback()


def test_a_transaction_that_defers_writes_each_touched_models_masks_once_at_its_end(engine):
    """A sync page (catalog.crawl.store) defers the masks: the triggers stand aside while it
    rewrites formats and findings, and resume() writes the masks of the models it touched."""
    from sqlalchemy import text

    from catalog.db import marks

    with Session(engine) as session, session.begin():
        a, b = (session.scalar(insert(HubModel).values(repo_id=r).returning(HubModel.id)) for r in ("o/a", "o/b"))
        marks.defer(session)
        insert_rows(session, AuditFinding.__table__, [_finding(a, "gated"), _finding(b, "share-alike")])
        insert_rows(session, ModelFormat.__table__, [{"model_id": a, "format": "onnx"}])
        assert _masks(session) == {"o/a": (0, 0), "o/b": (0, 0)}, "the triggers stood aside"
        marks.touch(session, [a])
        marks.resume(session)
        assert _masks(session) == {"o/a": (bits_of(["gated"], FINDING_BITS), bits_of(["onnx"], FORMAT_BITS)),
                                   "o/b": (0, 0)}, "only the touched model is written"
        session.execute(insert(AuditFinding).values(**_finding(b, "gated")))  # the triggers are back
        assert _masks(session)["o/b"] == (bits_of(["gated"], FINDING_BITS), 0)
        assert session.scalar(text("SELECT count(*) FROM app_settings WHERE key = :k"), {"k": marks.DEFERRED_KEY}) == 0
        session.rollback()
    with Session(engine) as session, session.begin():  # a deferring transaction rolled back leaves no trace
        marks.defer(session)
        session.rollback()
    with Session(engine) as session, session.begin():
        a = session.scalar(insert(HubModel).values(repo_id="o/c").returning(HubModel.id))
        session.execute(insert(AuditFinding).values(**_finding(a, "gated")))
        assert _masks(session)["o/c"] == (bits_of(["gated"], FINDING_BITS), 0)
        session.rollback()


def test_a_sync_leaves_the_triggers_in_charge(factory):
    """No sync page commits its deferral: every other writer still has the masks kept for it."""
    from sqlalchemy import text

    from catalog.db import marks
    from tests.factories import hub_item, load

    load(factory, hub_item("o/new", license=None), hub_item("o/gguf", siblings=[{"rfilename": "m.Q4.gguf"}]))
    with Session(factory.kw["bind"]) as session:
        assert session.scalar(text("SELECT count(*) FROM app_settings WHERE key = :k"), {"k": marks.DEFERRED_KEY}) == 0
        masks = _masks(session)
    assert masks["o/new"][0] & bits_of(["license-missing"], FINDING_BITS)
    assert masks["o/gguf"][1] == bits_of(["gguf"], FORMAT_BITS)
