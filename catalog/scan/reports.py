"""Renderers of a ``catalog check`` result: text (terminal), JSON, SARIF, JUnit XML and Markdown.

Every renderer takes the same :class:`CheckReport` and returns a string; choosing where it goes
(stdout or a file) is the caller's job. SARIF lives in :mod:`catalog.scan.sarif`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from catalog.compliance.policy import Reason
from catalog.scan.outcome import (
    CheckedModel,
    CheckedProblem,
    CheckReport,
    display_path,
    former_ids,
    location,
    model_label,
    places,
    shown,
    summary_line,
)

FORMATS = ("text", "json", "sarif", "junit", "markdown")
_MARK = {"fail": "✗", "warn": "!", "pass": "✓", "info": "·"}
_COLOUR = {"fail": "red", "warn": "yellow", "pass": "green", "info": None}


def render(report: CheckReport, fmt: str, *, color: bool = False) -> str:
    """Render ``report`` in one of :data:`FORMATS`; ``color`` only affects ``text``."""
    if fmt == "sarif":
        from catalog.scan.sarif import render_sarif

        return render_sarif(report)
    renderers: dict[str, Callable[[CheckReport], str]] = {
        "json": render_json, "junit": render_junit, "markdown": render_markdown,
    }
    if fmt == "text":
        return render_text(report, color=color)
    return renderers[fmt](report)


def render_text(report: CheckReport, *, color: bool = False) -> str:
    """Grouped by model, worst first: each reason to act on, then every place the model is used."""
    import click

    def paint(text: str, outcome: str, bold: bool = False) -> str:
        return click.style(text, fg=_COLOUR[outcome], bold=bold) if color and _COLOUR[outcome] else text

    lines: list[str] = []
    for checked in _worst_first(report.models):
        verdict = checked.verdict
        license_ = verdict.license_id or verdict.category
        lines.append(f"{paint(verdict.verdict.upper().ljust(4), verdict.verdict, bold=True)}  "
                     f"{model_label(verdict)}  ({license_})")
        for reason in verdict.reasons:
            if shown(reason):
                lines.append(f"      {paint(_MARK[reason.outcome], reason.outcome)} [{reason.code}] {reason.message}")
        if checked.references:
            lines.append("      used at: " + ", ".join(location(ref) for ref in places(checked)))
        for former in former_ids(checked):
            # A former id (the Hub redirects it) or a bare name the resolver completed: either way
            # the code should name the current id.
            lines.append(f"      referenced as {former}, which the catalogue resolves to {verdict.repo_id} "
                         f"(a former id, or the name without its org); use {verdict.repo_id}")
    for problem in report.problems:
        lines.append(f"{paint(problem.outcome.upper().ljust(4), problem.outcome, bold=True)}  "
                     f"[{problem.code}] {location(problem.problem)}")
        lines.append(f"      {problem.message()}")
    for note in report.notes:
        lines.append(f"note: {note}")
    if lines:
        lines.append("")
    lines.append(paint(summary_line(report), report.overall, bold=True))
    return "\n".join(lines) + "\n"


def report_dict(report: CheckReport) -> dict[str, Any]:
    """The JSON document: the overall verdict, counts, and each verdict with its references."""
    return {
        "overall": report.overall,
        "context": report.context,
        "policy": report.policy,
        "counts": report.counts(),
        "models": [
            {**checked.verdict.to_dict(),
             "references": [{"file": display_path(r.file), "line": r.line, "column": r.column, "kind": r.kind,
                             "revision": r.revision, "context": r.context, "as": r.repo_id,
                             "related_lines": list(r.related_lines)}
                            for r in checked.references]}
            for checked in report.models
        ],
        "problems": [_problem_dict(p) for p in report.problems],
        "notes": list(report.notes),
    }


def _problem_dict(checked: CheckedProblem) -> dict[str, Any]:
    problem = checked.problem
    return {"code": problem.code, "outcome": checked.outcome, "file": display_path(problem.file),
            "line": problem.line, "column": problem.column, "detail": problem.detail, "message": checked.message()}


def render_json(report: CheckReport) -> str:
    """The report as indented JSON (see :func:`report_dict`)."""
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"


def render_junit(report: CheckReport) -> str:
    """JUnit XML: one testcase per model; a failure for ``fail``, warnings in ``system-out``."""
    from xml.etree import ElementTree as ET

    counts = report.counts()
    tests = str(len(report.models) + len(report.problems))
    failures = str(counts["fail"] + sum(p.outcome == "fail" for p in report.problems))
    suites = ET.Element("testsuites", name="catalog check", tests=tests, failures=failures, errors="0")
    suite = ET.SubElement(suites, "testsuite", name=f"catalog check ({report.context})",
                          tests=tests, failures=failures, errors="0", skipped="0")
    for checked in report.models:
        verdict = checked.verdict
        case = ET.SubElement(suite, "testcase", classname="catalog.check", name=model_label(verdict))
        where = [f"  used at {location(ref)}" for ref in places(checked)]
        failing = [r for r in verdict.reasons if r.outcome == "fail"]
        warning = [r for r in verdict.reasons if r.outcome == "warn"]
        if failing:
            failure = ET.SubElement(case, "failure", type=failing[0].code, message=failing[0].message)
            failure.text = "\n".join([_reason_line(r) for r in failing] + where)
        if warning:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join([_reason_line(r) for r in warning] + ([] if failing else where))
    for problem in report.problems:
        case = ET.SubElement(suite, "testcase", classname="catalog.scan",
                             name=f"{problem.code} {location(problem.problem)}")
        if problem.outcome == "fail":
            failure = ET.SubElement(case, "failure", type=problem.code, message=problem.message())
            failure.text = f"[{problem.code}] {location(problem.problem)}: {problem.message()}"
        else:
            ET.SubElement(case, "system-out").text = f"[{problem.code}] {location(problem.problem)}: " \
                                                     f"{problem.message()}"
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def render_markdown(report: CheckReport) -> str:
    """A Markdown section for a pull-request comment: a heading with the verdict and one table row per model."""
    icon = {"fail": "❌", "warn": "⚠️", "pass": "✅"}
    lines = [f"### {icon[report.overall]} catalog check: {report.overall}", "", summary_line(report), ""]
    if report.models:
        lines += ["| Verdict | Model | License | Why | Used at |", "|---|---|---|---|---|"]
        for checked in _worst_first(report.models):
            verdict = checked.verdict
            why = "<br>".join(f"**{r.code}**: {_md(r.message)}" for r in verdict.reasons if shown(r))
            used = "<br>".join(f"`{_md(location(ref))}`" for ref in places(checked))
            lines.append(f"| {icon[verdict.verdict]} {verdict.verdict} | `{_md(model_label(verdict))}` | "
                         f"{_md(verdict.license_id or verdict.category)} | {why or '—'} | {used or '—'} |")
    if report.problems:
        lines += ["", "| Outcome | What | Where | Detail |", "|---|---|---|---|"]
        for problem in report.problems:
            lines.append(f"| {icon[problem.outcome]} {problem.outcome} | **{problem.code}** | "
                         f"`{_md(location(problem.problem))}` | {_md(problem.message())} |")
    for note in report.notes:
        lines += ["", f"> {_md(note)}"]
    return "\n".join(lines) + "\n"


def _reason_line(reason: Reason) -> str:
    return f"[{reason.code}] {reason.message}"


def _worst_first(models: tuple[CheckedModel, ...]) -> list[CheckedModel]:
    rank = {"fail": 0, "warn": 1, "pass": 2}
    return sorted(models, key=lambda m: (rank.get(m.verdict.verdict, 3), m.verdict.repo_id.lower()))


def _md(text: str) -> str:
    # A pipe ends a table cell and a newline ends the row, whatever the code span around them.
    return text.replace("|", "\\|").replace("\n", " ")
