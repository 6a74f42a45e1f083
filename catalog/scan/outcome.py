"""The outcome of one check, which every report format renders (``reports``, ``sarif``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from catalog.compliance.policy import ModelVerdict, Reason, overall
from catalog.scan.base import Reference, ScanProblem

# What a user has to act on; "info" and "pass" reasons explain a verdict but ask nothing.
ACTIONABLE = ("fail", "warn")
# Info reasons the short reports (text, Markdown) show all the same: the conditions a pass rests
# on (a license allowing the use only if its terms are accepted, its use policy followed...).
QUALIFYING = ("license-conditional",)


def shown(reason: Reason) -> bool:
    """Whether the short reports list this reason of a verdict: to act on, or a pass's conditions."""
    return reason.outcome in ACTIONABLE or reason.code in QUALIFYING


@dataclass(frozen=True)
class CheckedModel:
    """One verdict with the places in the code base that use the model at that revision."""

    verdict: ModelVerdict
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class CheckedProblem:
    """A place discovery could not see (:class:`ScanProblem`) and how the policy counts it (fail | warn)."""

    problem: ScanProblem
    outcome: str

    @property
    def code(self) -> str:
        """``unresolved-reference`` or ``scan-incomplete``."""
        return self.problem.code

    def message(self) -> str:
        """One sentence a reviewer acts on."""
        if self.code == "unresolved-reference":
            return (f"a model loader gets a value discovery cannot resolve: {self.problem.detail} "
                    "(name the model with `# catalog: org/name` or a catalog.toml entry)")
        return f"not fully scanned: {self.problem.detail}"


@dataclass(frozen=True)
class CheckReport:
    """The result of one check: what ``catalog check`` prints in any format."""

    models: tuple[CheckedModel, ...]
    context: str
    policy: str
    scanned: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    problems: tuple[CheckedProblem, ...] = ()

    @property
    def overall(self) -> str:
        """fail if any model or scan problem fails, else warn if any warns, else pass (also when
        nothing was found)."""
        models = overall(m.verdict for m in self.models)
        outcomes = {models, *(p.outcome for p in self.problems)}
        return "fail" if "fail" in outcomes else "warn" if "warn" in outcomes else "pass"

    def counts(self) -> dict[str, int]:
        """How many models got each verdict."""
        found = Counter(m.verdict.verdict for m in self.models)
        return {outcome: found.get(outcome, 0) for outcome in ("fail", "warn", "pass")}


def model_label(verdict: ModelVerdict) -> str:
    """``org/name@abc1234``: the model and the short revision it was checked at."""
    return verdict.repo_id + (f"@{verdict.revision[:7]}" if verdict.revision else "")


def location(ref: Reference | ScanProblem) -> str:
    """``file:line`` of a reference or problem, as editors and CI logs make clickable."""
    return f"{display_path(ref.file)}:{ref.line}"


def places(checked: CheckedModel) -> list[Reference]:
    """The references of a model, one per ``file:line`` (two constants may feed one line)."""
    return list({(ref.file, ref.line): ref for ref in reversed(checked.references)}.values())[::-1]


def display_path(path: str) -> str:
    """A file name safe to print and to put in JSON or XML: bytes that are not UTF-8 (kept by
    Python as lone surrogates) are shown as ``\\xNN`` and control characters escaped."""
    if path.isprintable() and path.isascii():
        return path
    text = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def summary_line(report: CheckReport) -> str:
    """One line a CI log ends with, e.g. ``FAIL: 3 models checked: 1 fail, 1 warn, 1 pass (context saas)``."""
    counts = report.counts()
    total = len(report.models)
    unseen = _problem_counts(report)
    if not total:
        return f"{report.overall.upper()}: no Hugging Face model references found{unseen} (context {report.context})"
    noun = "model" if total == 1 else "models"
    parts = ", ".join(f"{counts[o]} {o}" for o in ("fail", "warn", "pass") if counts[o])
    return f"{report.overall.upper()}: {total} {noun} checked: {parts}{unseen} (context {report.context}, " \
           f"policy {report.policy})"


def _problem_counts(report: CheckReport) -> str:
    found = Counter(p.code for p in report.problems)
    words = {"unresolved-reference": ("unresolved reference", "unresolved references"),
             "scan-incomplete": ("file not fully scanned", "files not fully scanned")}
    parts = [f"{n} {words[code][n != 1]}" for code, n in sorted(found.items()) if code in words]
    return f"; {', '.join(parts)}" if parts else ""


def former_ids(checked: CheckedModel) -> list[str]:
    """Ids the code used that the catalogue knows as a renamed model's former ids."""
    current = checked.verdict.repo_id.casefold()
    return sorted({ref.repo_id for ref in checked.references if ref.repo_id.casefold() != current})
