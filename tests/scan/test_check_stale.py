"""A check judges a model by the findings sync stored with it, unless the model was derived under
another knowledge base or derivation revision: then its findings are recomputed, with what its
catalogued ancestors pass down."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from catalog.db.engine import transaction
from catalog.db.tables import AuditFinding, HubModel, ModelLicenseFile
from catalog.facts.derive import derive_models
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


def test_a_stale_models_recomputed_findings_keep_what_its_license_file_says(factory):
    """A license file contradicting the card is an error finding; recomputing must not lose it."""
    load(factory, hub_item("acme/plain", license="apache-2.0"), hub_item("acme/finetune", license="mit"))
    with transaction(factory) as session:
        row_id = session.scalar(select(HubModel.id).where(HubModel.repo_id == "acme/plain"))
        session.add(ModelLicenseFile(model_id=row_id, path="LICENSE", revision="a" * 40, status="ok",
                                     sha256="b" * 64, detected_license="llama3.1", score=0.98))
        session.flush()
        derive_models(session, [row_id])
    stored = findings_by_model(factory)["acme/plain"]
    assert "license-text-mismatch" in {code for code, _ in stored}
    with transaction(factory) as session:
        session.execute(update(HubModel).where(HubModel.id == row_id).values(derived_version="old"))
    assert findings_by_model(factory)["acme/plain"] == stored
