"""The license files stored for models, as the evidence ``catalog.compliance.license_text`` reconciles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.compliance.license_text import TextEvidence
from catalog.db.engine import in_batches
from catalog.db.tables import LicenseText, ModelLicenseFile


def license_evidence(session: Session, model_ids: Collection[int]) -> dict[int, tuple[TextEvidence, ...]]:
    """Each model's license files (only models that have some), ordered by path."""
    found: dict[int, list[TextEvidence]] = defaultdict(list)
    for chunk in in_batches(model_ids):
        rows = session.execute(
            select(ModelLicenseFile, LicenseText.first_lines)
            .outerjoin(LicenseText, LicenseText.sha256 == ModelLicenseFile.sha256)
            .where(ModelLicenseFile.model_id.in_(chunk))
            .order_by(ModelLicenseFile.model_id, ModelLicenseFile.path)
        )
        for file, first_lines in rows:
            found[file.model_id].append(TextEvidence(
                path=file.path, status=file.status, revision=file.revision, sha256=file.sha256,
                detected=file.detected_license, score=file.score, also=tuple(file.also or ()),
                first_line=first_lines.splitlines()[0] if first_lines else None))
    return {model_id: tuple(files) for model_id, files in found.items()}
