"""A check judges a model by the findings sync stored with it, unless the model was derived under
another knowledge base or derivation revision: then its findings are recomputed, with what its
catalogued ancestors pass down."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from catalog.db.engine import transaction
from catalog.db.tables import AuditFinding, HubModel
from catalog.scan.check import subjects_from_db
from tests.factories import hub_item, load


def findings_by_model(factory) -> dict[str, list[tuple[str, str]]]:
    with transaction(factory) as session:
        subjects = subjects_from_db(session, [("acme/finetune", None), ("acme/plain", None)])
    return {s.repo_id: [(f.code, f.message) for f in s.findings] for s in subjects}


def test_stale_models_findings_are_recomputed_and_current_ones_read_as_stored(factory):
    load(factory,
         hub_item("meta/base-model", license="llama3.1"),
         hub_item("acme/finetune", license="apache-2.0", card={"base_model": "meta/base-model"}),
         hub_item("acme/plain", license="cc-by-nc-4.0"))
    derived = findings_by_model(factory)
    assert any("meta/base-model" in message for _, message in derived["acme/finetune"])  # passed down
    assert derived["acme/plain"]
    with transaction(factory) as session:
        rows = dict(session.execute(select(HubModel.repo_id, HubModel.id)
                                    .where(HubModel.repo_id.in_(["acme/finetune", "acme/plain"]))).all())
        session.execute(delete(AuditFinding).where(AuditFinding.model_id.in_(rows.values())))
        session.execute(update(HubModel).where(HubModel.id == rows["acme/finetune"]).values(derived_version="old"))
    after = findings_by_model(factory)
    assert after["acme/finetune"] == derived["acme/finetune"]  # stale: recomputed, lineage included
    assert after["acme/plain"] == []  # current: what is stored (here, nothing) counts
