"""The outcome of one check, which every report format renders (``reports``, ``sarif``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from catalog.compliance.policy import ModelVerdict, overall
from catalog.scan.base import Reference

# What a user has to act on; "info" and "pass" reasons explain a verdict but ask nothing.
ACTIONABLE = ("fail", "warn")

@dataclass(frozen=True)
class CheckedModel:
    """One verdict with the places in the code base that use the model at that revision."""

    verdict: ModelVerdict
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class CheckReport:
    """The result of one check: what ``catalog check`` prints in any format."""

    models: tuple[CheckedModel, ...]
    context: str
    policy: str
    scanned: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def overall(self) -> str:
        """fail if any model fails, else warn if any warns, else pass (also when nothing was found)."""
        return overall(m.verdict for m in self.models)

    def counts(self) -> dict[str, int]:
        """How many models got each verdict."""
        found = Counter(m.verdict.verdict for m in self.models)
        return {outcome: found.get(outcome, 0) for outcome in ("fail", "warn", "pass")}


def model_label(verdict: ModelVerdict) -> str:
    """``org/name@abc1234``: the model and the short revision it was checked at."""
    return verdict.repo_id + (f"@{verdict.revision[:7]}" if verdict.revision else "")


def location(ref: Reference) -> str:
    """``file:line`` of a reference, as editors and CI logs make clickable."""
    return f"{ref.file}:{ref.line}"


def summary_line(report: CheckReport) -> str:
    """One line a CI log ends with, e.g. ``FAIL: 3 models checked: 1 fail, 1 warn, 1 pass (context saas)``."""
    counts = report.counts()
    total = len(report.models)
    if not total:
        return f"PASS: no Hugging Face model references found (context {report.context})"
    noun = "model" if total == 1 else "models"
    parts = ", ".join(f"{counts[o]} {o}" for o in ("fail", "warn", "pass") if counts[o])
    return f"{report.overall.upper()}: {total} {noun} checked: {parts} (context {report.context}, " \
           f"policy {report.policy})"


def former_ids(checked: CheckedModel) -> list[str]:
    """Ids the code used that the catalogue knows as a renamed model's former ids."""
    current = checked.verdict.repo_id.casefold()
    return sorted({ref.repo_id for ref in checked.references if ref.repo_id.casefold() != current})
