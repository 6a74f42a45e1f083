"""The audit's vocabulary: finding codes and severities, a finding, and the facts of a model it reads.

Shared by the audit (``catalog.compliance.audit``), policies, license-text findings and the
database layer that stores findings and gathers facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from catalog.licenses import Resolution

SEVERITIES = ("info", "warning", "error")
# Stable vocabulary, stored in the database and named in policy files: extend, never rename.
FINDING_CODES = (
    "license-missing", "license-unknown", "license-multiple", "non-commercial", "use-restrictions",
    "attribution-required", "share-alike", "source-disclosure", "user-threshold", "revenue-threshold",
    "naming-requirement", "output-restrictions", "gated", "base-license-conflict", "license-changed",
    "pickle-weights", "territory-restrictions", "base-not-catalogued",
    # From the license files a model ships (catalog.compliance.license_text).
    "license-detected", "license-text-mismatch", "license-text-unrecognised",
)

# Hub tasks whose models take images, audio or video besides text. Meta names Llama's multimodal
# models "...-Vision..." (llama-models MODEL_CARD_VISION.md), which counts when the task is unknown.
MULTIMODAL_TASKS = frozenset({
    "image-text-to-text", "visual-question-answering", "image-to-text", "video-text-to-text",
    "any-to-any", "document-question-answering", "audio-text-to-text",
})
_VISION_NAME = re.compile(r"(?:^|[-_.])vision(?:$|[-_.])", re.IGNORECASE)

@dataclass(frozen=True)
class Finding:
    """One thing the audit found about a model; ``evidence`` says which field and value(s) led to it."""

    code: str
    severity: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "evidence": self.evidence}


@dataclass(frozen=True)
class ModelFacts:
    """What the audit needs to know about one model, as the database layer stored it.

    Attributes:
        license_raw, license_name, license_link, license_tags: the card's license fields as declared.
        resolution: what those fields resolve to (``catalog.licenses.resolve``).
        base_models: (base repo id, relation) pairs; relation is finetune, adapter, merge, quantized
            or unknown.
        formats: weight formats present, e.g. {"safetensors", "pickle"}.
        gated: "false", "auto" or "manual", as the Hub reports it.
        previous_license, previous_sha: the license before its latest recorded change and the revision
            it was seen at; None when the license never changed.
    """

    repo_id: str
    sha: str | None
    license_raw: object
    license_name: object
    license_link: object
    license_tags: tuple[str, ...]
    resolution: Resolution
    base_models: tuple[tuple[str, str], ...]
    formats: frozenset[str]
    gated: str
    previous_license: Resolution | None = None
    previous_sha: str | None = None
    pipeline_tag: str | None = None
    # base repo id -> where that base was learnt when the card does not name it (the curated lineage
    # table, with its source); bases the card names are absent.
    base_sources: tuple[tuple[str, str], ...] = ()


def is_multimodal(facts: ModelFacts) -> bool:
    """True when the model takes more than text: its Hub task says so, or (no task known) its name does."""
    if facts.pipeline_tag:
        return facts.pipeline_tag in MULTIMODAL_TASKS
    return bool(_VISION_NAME.search(facts.repo_id.rsplit("/", 1)[-1]))
