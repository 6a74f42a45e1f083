"""Measure discovery on real public code against a ground truth judged by hand.

The repositories are trimmed copies of public projects that use Hugging Face models, vendored
under ``tests/benchmarks/realcode/vendor/<owner>__<repo>/`` (origins, commits and licenses in
``realcode/SOURCES.md``); the references a careful reviewer finds in them are listed in
``realcode/truth/<owner>__<repo>.yaml`` under the rules of ``realcode/JUDGING.md``. This script
runs :func:`catalog.scan.discovery.discover` over each repository, as ``catalog check`` does
without a catalogue, and prints per repository and overall:

* precision and recall line-exact (file + line + model id) and by file + model id;
* the misses grouped by the ``cause`` the truth gives them, and the false positives grouped by
  a cause read from the reported line (output, dataset, wrong line, ...);
* the ``unresolved`` expectations (a loader call whose model discovery cannot see) against the
  unresolved-reference entries the tool reports, when it reports any.

It always exits 0: the figures are for reading (and for ``--json`` consumers), not a gate.

    .venv/bin/python tests/benchmarks/bench_discovery_realcode.py
    .venv/bin/python tests/benchmarks/bench_discovery_realcode.py --repo huggingface__trl --details
    .venv/bin/python tests/benchmarks/bench_discovery_realcode.py --json
    .venv/bin/python tests/benchmarks/bench_discovery_realcode.py --markdown   # the README table
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import traceback
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import yaml

HERE = Path(__file__).resolve().parent / "realcode"
VENDOR = HERE / "vendor"
TRUTH = HERE / "truth"

Key = tuple[str, int, str]  # file, line, model id


@dataclass
class Truth:
    """The hand-judged expectations of one repository."""

    references: dict[Key, str]  # (file, line, id) -> cause
    unresolved: dict[tuple[str, int], str]  # (file, line) -> cause
    written: dict[Key, str] = field(default_factory=dict)  # the text in the file, where the id differs from it
    shape: str = ""  # what kind of code the repository is, for the README table


@dataclass
class Figures:
    """Counts of one repository (or of all of them) and what was missed or wrongly reported."""

    truth: int = 0
    found: int = 0
    hits: int = 0
    truth_files: int = 0
    found_files: int = 0
    hits_files: int = 0
    misses: list[tuple[Key, str]] = field(default_factory=list)
    false_positives: list[tuple[Key, str]] = field(default_factory=list)
    unresolved_expected: int = 0
    unresolved_reported: int | None = None  # None: the tool reports no unresolved entries at all
    unresolved_hits: int = 0
    unresolved_missed: list[tuple[tuple[str, int], str]] = field(default_factory=list)
    unresolved_unexpected: list[tuple[str, int]] = field(default_factory=list)  # reported, not in the truth
    # Files holding references of which discovery reported nothing at all: often a file it could not
    # read (a notebook that does not parse) or a file type it does not look at.
    silent_files: list[str] = field(default_factory=list)
    shape: str = ""
    seconds: float = 0.0
    error: str | None = None

    def add(self, other: Figures) -> None:
        """Fold another repository's counts into this total."""
        for name in ("truth", "found", "hits", "truth_files", "found_files", "hits_files",
                     "unresolved_expected", "unresolved_hits", "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.unresolved_reported is not None:
            self.unresolved_reported = (self.unresolved_reported or 0) + other.unresolved_reported
        self.misses += other.misses
        self.false_positives += other.false_positives
        self.unresolved_missed += other.unresolved_missed
        self.unresolved_unexpected += other.unresolved_unexpected
        self.silent_files += other.silent_files

    def as_dict(self) -> dict:
        """The figures as plain data for ``--json``."""
        return {
            "truth": self.truth, "found": self.found, "hits": self.hits,
            "precision": _ratio(self.hits, self.found), "recall": _ratio(self.hits, self.truth),
            "by_file": {"truth": self.truth_files, "found": self.found_files, "hits": self.hits_files,
                        "precision": _ratio(self.hits_files, self.found_files),
                        "recall": _ratio(self.hits_files, self.truth_files)},
            "misses_by_cause": dict(Counter(cause for _, cause in self.misses).most_common()),
            "false_positives_by_cause": dict(Counter(cause for _, cause in self.false_positives).most_common()),
            "misses": [_entry(key, cause) for key, cause in self.misses],
            "false_positives": [_entry(key, cause) for key, cause in self.false_positives],
            "unresolved": {"expected": self.unresolved_expected, "reported": self.unresolved_reported,
                           "hits": self.unresolved_hits,
                           "missed": [{"file": f, "line": n, "cause": c} for (f, n), c in self.unresolved_missed],
                           "unexpected": [{"file": f, "line": n} for f, n in self.unresolved_unexpected]},
            "silent_files": self.silent_files,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


def _entry(key: Key, cause: str) -> dict:
    return {"file": key[0], "line": key[1], "id": key[2], "cause": cause}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def load_truth(path: Path) -> Truth:
    """Read one truth file: ``references`` (file, line, id, cause, and ``written`` where the file spells the
    model otherwise, e.g. a library alias) and optional ``unresolved`` (file, line, cause)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    references: dict[Key, str] = {}
    written: dict[Key, str] = {}
    for item in data.get("references") or ():
        key = (str(item["file"]), int(item["line"]), str(item["id"]))
        if key in references:
            raise ValueError(f"{path.name}: {key} is listed twice")
        references[key] = str(item.get("cause", "unspecified"))
        if "written" in item:
            written[key] = str(item["written"])
    unresolved = {(str(item["file"]), int(item["line"])): str(item.get("cause", "unresolved"))
                  for item in data.get("unresolved") or ()}
    return Truth(references, unresolved, written, str(data.get("shape", "")))


def _is_unresolved(ref: object) -> bool:
    """Whether a reported item is an unresolved-reference entry rather than a model reference.

    Tolerant of how discovery spells it: a ``kind`` naming it, or an empty model id.
    """
    kind = str(getattr(ref, "kind", ""))
    return "unresolved" in kind or not getattr(ref, "repo_id", "x")


def run_discovery(directory: Path) -> tuple[list[tuple[Key, tuple[int, ...]]], set[tuple[str, int]], bool]:
    """Model references and unresolved entries discovery reports for ``directory``.

    Each reference comes with its ``related_lines`` (where a constant it reads is assigned),
    so that a report at the use of a constant can be matched with the literal's line. The
    third value says whether the tool reports unresolved entries at all (a ``Reference.kind``
    naming them, or a ``discover_unresolved`` function of the discovery module).
    """
    from catalog.scan import base, discovery

    refs = discovery.discover([directory])
    found: list[tuple[Key, tuple[int, ...]]] = []
    unresolved: set[tuple[str, int]] = set()
    supports_unresolved = "unresolved-reference" in getattr(base, "KINDS", ())
    for ref in refs:
        if _is_unresolved(ref):
            supports_unresolved = True
            unresolved.add((ref.file, ref.line))
        else:
            found.append(((ref.file, ref.line, ref.repo_id), tuple(getattr(ref, "related_lines", ()) or ())))
    extra = getattr(discovery, "discover_unresolved", None)
    if callable(extra):
        supports_unresolved = True
        for item in extra([directory]):
            unresolved.add((item.file, item.line))
    return found, unresolved, supports_unresolved


def match(found: list[tuple[Key, tuple[int, ...]]], truth: dict[Key, str]) -> set[Key]:
    """The distinct references the tool reported, each named by the truth key it matches.

    A report matches a truth entry with the same file and id at its own line or at one of its
    related lines (a constant reported where it is used names the line of its literal). Several
    reports of one reference count once; a report matching nothing keeps its own key.
    """
    keys: set[Key] = set()
    for (file, line, repo_id), related in found:
        hit = next(((file, n, repo_id) for n in (line, *related) if (file, n, repo_id) in truth), None)
        keys.add(hit or (file, line, repo_id))
    return keys


_OUTPUT = re.compile(r"push_to_hub|hub_model_id|output_dir|save_pretrained|hub_repo|upload_", re.IGNORECASE)
_DATASET = re.compile(r"load_dataset|dataset|data_files|datasets?:", re.IGNORECASE)


def _fp_cause(key: Key, truth: Truth, lines: list[str]) -> str:
    """Why a reported reference is not in the truth, read from the line it points at."""
    file, line, repo_id = key
    if any(f == file and i == repo_id for f, _, i in truth.references):
        return "wrong-line"
    if any(f == file and n == line for f, n, _ in truth.references):
        return "wrong-id"
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if _OUTPUT.search(text):
        return "output-not-use"
    if _DATASET.search(text):
        return "dataset"
    if "/" not in repo_id:
        return "bare-name"
    return "not-a-reference"


def _file_lines(directory: Path, file: str, cache: dict[str, list[str]]) -> list[str]:
    if file not in cache:
        try:
            cache[file] = (directory / file).read_text(encoding="utf-8", errors="replace").split("\n")
        except OSError:
            cache[file] = []
    return cache[file]


def measure(name: str, vendor: Path = VENDOR, truth_dir: Path = TRUTH) -> Figures:
    """Run discovery over one vendored repository and compare with its truth file."""
    directory = vendor / name
    truth = load_truth(truth_dir / f"{name}.yaml")
    figures = Figures(truth=len(truth.references), unresolved_expected=len(truth.unresolved), shape=truth.shape)
    truth_files = {(f, i) for f, _, i in truth.references}
    figures.truth_files = len(truth_files)
    started = time.perf_counter()
    try:
        reported, unresolved, supports_unresolved = run_discovery(directory)
    except Exception as exc:  # noqa: BLE001 - a crash of discovery is a figure to report, not a reason to stop
        figures.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        figures.misses = [(key, cause) for key, cause in sorted(truth.references.items())]
        return figures
    figures.seconds = time.perf_counter() - started
    found = match(reported, truth.references)
    figures.found = len(found)
    figures.hits = len(found & truth.references.keys())
    found_files = {(f, i) for f, _, i in found}
    figures.found_files = len(found_files)
    figures.hits_files = len(found_files & truth_files)
    figures.misses = [(key, cause) for key, cause in sorted(truth.references.items()) if key not in found]
    reported_files = {f for (f, _, _), _ in reported}
    figures.silent_files = sorted({f for f, _, _ in truth.references} - reported_files)
    cache: dict[str, list[str]] = {}
    figures.false_positives = [(key, _fp_cause(key, truth, _file_lines(directory, key[0], cache)))
                               for key in sorted(found - truth.references.keys())]
    if supports_unresolved:
        figures.unresolved_reported = len(unresolved)
        figures.unresolved_hits = len(unresolved & truth.unresolved.keys())
        figures.unresolved_missed = sorted(
            (key, cause) for key, cause in truth.unresolved.items() if key not in unresolved)
        figures.unresolved_unexpected = sorted(unresolved - truth.unresolved.keys())
    else:
        figures.unresolved_missed = sorted(truth.unresolved.items())
    return figures


def repositories(truth_dir: Path = TRUTH) -> list[str]:
    """The names (``owner__repo``) of the repositories that have a truth file."""
    return sorted(path.stem for path in truth_dir.glob("*.yaml"))


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value * 100:5.1f}%"


def report(results: dict[str, Figures], total: Figures, details: bool) -> str:
    """The human-readable table, the grouped misses and false positives, and (with details) each of them."""
    header = (f"{'repository':42} {'truth':>5} {'found':>5} {'prec':>7} {'recall':>7}   "
              f"{'prec/file':>9} {'rec/file':>8}  unresolved")
    out = [header]
    for name, fig in [*results.items(), ("OVERALL", total)]:
        d = fig.as_dict()
        unresolved = (f"{fig.unresolved_hits}/{fig.unresolved_expected}"
                      + ("" if fig.unresolved_reported is not None else " (tool reports none)"))
        out.append(f"{name:42} {fig.truth:5} {fig.found:5} {_pct(d['precision'])} {_pct(d['recall'])}   "
                   f"{_pct(d['by_file']['precision']):>9} {_pct(d['by_file']['recall']):>8}  {unresolved}"
                   + (f"  ERROR: {fig.error}" if fig.error else ""))
    out.append("")
    out.append("misses by cause:          " + _counts(cause for _, cause in total.misses))
    out.append("false positives by cause: " + _counts(cause for _, cause in total.false_positives))
    out.append("unresolved missed by cause: " + _counts(cause for _, cause in total.unresolved_missed))
    out.append(f"files with references of which nothing was reported: {len(total.silent_files)}")
    if details:
        for name, fig in results.items():
            if fig.misses or fig.false_positives or fig.unresolved_missed or fig.unresolved_unexpected:
                out.append(f"\n== {name}")
            for file in fig.silent_files:
                out.append(f"  silent {file}  (nothing reported in a file with references)")
            for (file, line, repo_id), cause in fig.misses:
                out.append(f"  miss  {file}:{line}  {repo_id}  [{cause}]")
            for (file, line, repo_id), cause in fig.false_positives:
                out.append(f"  false {file}:{line}  {repo_id}  [{cause}]")
            for (file, line), cause in fig.unresolved_missed:
                out.append(f"  unresolved-not-reported {file}:{line}  [{cause}]")
            for file, line in fig.unresolved_unexpected:
                out.append(f"  unresolved-unexpected {file}:{line}")
    return "\n".join(out)


def markdown(results: dict[str, Figures], total: Figures) -> str:
    """The README table: each repository with its commit (from SOURCES.md), shape and figures."""
    sources = (HERE / "SOURCES.md").read_text(encoding="utf-8")
    commits = dict(re.findall(r"^\| `([^`]+)` \| \S+ \| `([0-9a-f]{40})`", sources, re.MULTILINE))
    rows = ["| repository (commit) | shape | refs | precision | recall | recall by file |",
            "| --- | --- | ---: | ---: | ---: | ---: |"]
    for name, fig in results.items():
        d = fig.as_dict()
        owner, _, repo = name.partition("__")
        commit = commits.get(name, "?")[:10]
        rows.append(f"| {owner}/{repo} (`{commit}`) | {fig.shape} | {fig.truth} | {_pct(d['precision']).strip()} "
                    f"| {_pct(d['recall']).strip()} | {_pct(d['by_file']['recall']).strip()} |")
    d = total.as_dict()
    rows.append(f"| **overall** | | **{total.truth}** | **{_pct(d['precision']).strip()}** "
                f"| **{_pct(d['recall']).strip()}** | **{_pct(d['by_file']['recall']).strip()}** |")
    return "\n".join(rows)


def _counts(causes: Iterable[str]) -> str:
    counted = Counter(causes).most_common()
    return ", ".join(f"{cause} {n}" for cause, n in counted) or "none"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; always returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", action="append", help="only this owner__repo (repeatable)")
    parser.add_argument("--details", action="store_true", help="list every miss and false positive")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--markdown", action="store_true", help="print the README table (Markdown)")
    args = parser.parse_args(argv)
    names = args.repo or repositories()
    results: dict[str, Figures] = {}
    total = Figures()
    for name in names:
        if not (TRUTH / f"{name}.yaml").is_file():
            results[name] = Figures(error=f"no truth file {name}.yaml")
            continue
        results[name] = measure(name)
        total.add(results[name])
    if args.markdown:
        print(markdown(results, total))
    elif args.json:
        print(json.dumps({"repositories": {n: f.as_dict() for n, f in results.items()},
                          "overall": total.as_dict()}, indent=2))
    else:
        print(report(results, total, args.details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
