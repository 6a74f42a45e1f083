"""Reconcile what a model's card declares with the license text it ships.

Pure: given the declared resolution and the license files read from the repository (each with
the license its text was identified as, see ``catalog.licenses.fingerprint``), it returns the
*effective* resolution (what the policy and the search see) and findings with stable codes:

* ``license-detected`` (info): nothing usable was declared (missing, or ``other`` without a
  recognised name or link) and a file identifies the license; it becomes the effective one.
* ``license-text-mismatch`` (error): the card declares one license and a file is another (``mit``
  declared, Meta's Llama 3 agreement shipped). Both then apply: the effective license keeps the
  declared ones and adds the detected, so the stricter of them decides.
* ``license-text-unrecognised`` (warning): a license file matches no known text; its first line
  is the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catalog.compliance.findings import Finding
from catalog.licenses import KnowledgeBase, Resolution
from catalog.licenses.normalise import most_restrictive

# The card's license section read from README.md is stored under this path.
README_SECTION = "README.md#license"
# Hub ids that name a family of texts: a member's text is no mismatch with them.
_FAMILIES = {
    "bsd": ("bsd-",), "cc": ("cc-", "cc0-"), "gpl": ("gpl-",), "lgpl": ("lgpl-",), "gfdl": ("gfdl",),
    "openrail": ("openrail", "bigscience-", "creativeml-", "bigcode-"), "llama-license": ("llama",),
}


@dataclass(frozen=True)
class TextEvidence:
    """One license file of a model as read (``status`` ok) or not (gated, not-found, …)."""

    path: str
    status: str
    revision: str | None
    sha256: str | None
    detected: str | None
    score: float | None
    also: tuple[str, ...] = ()
    first_line: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The evidence a finding carries."""
        return {"path": self.path, "revision": self.revision, "sha256": self.sha256, "license": self.detected,
                "score": self.score}


def reconcile(declared: Resolution, texts: tuple[TextEvidence, ...], kb: KnowledgeBase) -> tuple[Resolution, list[Finding]]:
    """The effective resolution of a model and the findings its license files raise."""
    readable = [t for t in texts if t.status == "ok" and t.sha256 is not None]
    # The card's own section only speaks when no file does; it is usually a line, not a text.
    files = [t for t in readable if t.path != README_SECTION] or readable
    recognised = [t for t in files if t.detected is not None and kb.get(t.detected) is not None]
    findings: list[Finding] = []
    undeclared = declared.status in ("missing", "unknown")
    for text in files:
        # A NOTICE file is an attribution line, not a license text: it need not match one.
        if text.detected is None and not text.path.lower().startswith("notice") \
                and (undeclared or text.path != README_SECTION):
            findings.append(Finding(
                "license-text-unrecognised", "warning",
                f"{text.path} matches no known license text (best similarity {text.score or 0:.2f})",
                {**text.to_dict(), "first_line": text.first_line}))
    if not recognised:
        return declared, findings
    detected_ids = list(dict.fromkeys(i for t in recognised for i in (t.detected, *t.also) if kb.get(i) is not None))
    if undeclared:
        effective = _resolution(detected_ids, kb, unresolved=())  # the file explains what the card left open
        findings.append(Finding(
            "license-detected", "info",
            f"the card declares {_declared(declared)}; the license file identifies {', '.join(detected_ids)}",
            {"declared": list(declared.unresolved), "files": [t.to_dict() for t in recognised]}))
        return effective, findings
    stray = [(t, found) for t in recognised for found in (t.detected, *t.also)
             if kb.get(found) is not None and not _agrees(found, declared.license_ids)]  # type: ignore[arg-type]
    if not stray:
        return declared, findings
    for text, found in stray:
        findings.append(Finding(
            "license-text-mismatch", "error",
            f"the card declares {', '.join(declared.license_ids)} but {text.path} is the {found} text"
            + (f" (similarity {text.score or 0:.2f})" if found == text.detected else " (beside another license in the file)"),
            {**text.to_dict(), "license": found, "declared": list(declared.license_ids)}))
    ids = list(dict.fromkeys([*declared.license_ids, *(found for _, found in stray)]))
    return _resolution(ids, kb, unresolved=declared.unresolved, evidence=declared.evidence), findings


def _agrees(detected: str, declared: tuple[str, ...]) -> bool:
    if detected in declared:
        return True
    return any(detected.startswith(_FAMILIES.get(family, (family + "-",))) for family in declared if family in _FAMILIES)


def _resolution(ids: list[str], kb: KnowledgeBase, *, unresolved: tuple[str, ...],
                evidence: tuple[str, ...] = ()) -> Resolution:
    primary = most_restrictive(ids, kb)
    return Resolution(status="resolved" if len(ids) == 1 else "multiple", license_ids=tuple(ids),
                      license_id=primary, category=kb.get(primary).category,  # type: ignore[union-attr]
                      expression=None, evidence=(*evidence, "license_file"), unresolved=unresolved)


def _declared(declared: Resolution) -> str:
    if declared.status == "missing":
        return "no license"
    return "an unrecognised license (" + ", ".join(declared.unresolved or ("other",)) + ")"
