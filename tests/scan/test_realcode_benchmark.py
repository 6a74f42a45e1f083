"""CI-sized smoke test of the real-code discovery benchmark: it runs, and its data is consistent.

The figures themselves are read from the benchmark (tests/benchmarks/bench_discovery_realcode.py),
never asserted here: discovery rules change them on purpose.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.benchmarks import bench_discovery_realcode as bench

SCRIPT = Path(bench.__file__)


def test_benchmark_reports_figures_for_one_repository():
    """`--json --repo X` prints precision and recall, line-exact and by file, and exits 0."""
    done = subprocess.run([sys.executable, str(SCRIPT), "--json", "--repo", "abetlen__llama-cpp-python"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    repo = figures["repositories"]["abetlen__llama-cpp-python"]
    assert repo["error"] is None
    assert repo["truth"] > 0
    for block in (repo, repo["by_file"], figures["overall"]):
        assert 0.0 <= block["recall"] <= 1.0
        assert block["precision"] is None or 0.0 <= block["precision"] <= 1.0
    assert isinstance(repo["misses_by_cause"], dict)
    assert isinstance(repo["false_positives_by_cause"], dict)


def test_a_missing_truth_file_is_reported_not_a_crash():
    done = subprocess.run([sys.executable, str(SCRIPT), "--repo", "nobody__nothing"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert "no truth file nobody__nothing.yaml" in done.stdout


@pytest.mark.parametrize("name", bench.repositories())
def test_every_truth_entry_points_at_a_line_that_names_its_model(name):
    """Each hand-judged reference names an existing file and line; the line holds the id as written
    (for sentence-transformers' prefixed ids the bare name, else the entry's ``written``), so a typo in
    the truth cannot pass."""
    truth = bench.load_truth(bench.TRUTH / f"{name}.yaml")
    assert truth.references
    for (file, line, repo_id) in truth.references:
        path = bench.VENDOR / name / file
        assert path.is_file(), f"{name}: {file} does not exist"
        lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
        assert 0 < line <= len(lines), f"{name}: {file}:{line} is past the end"
        written = truth.written.get((file, line, repo_id), repo_id.removeprefix("sentence-transformers/"))
        assert written in lines[line - 1] or repo_id in lines[line - 1], f"{name}: {file}:{line} lacks {repo_id}"
    for (file, line) in truth.unresolved:
        assert (bench.VENDOR / name / file).is_file(), f"{name}: {file} does not exist"


def test_every_vendored_repository_has_a_license_truth_and_source_entry():
    sources = (bench.HERE / "SOURCES.md").read_text(encoding="utf-8")
    folders = sorted(p.name for p in bench.VENDOR.iterdir() if p.is_dir())
    assert folders == bench.repositories()
    for folder in folders:
        assert any((bench.VENDOR / folder / n).is_file() for n in ("LICENSE", "LICENSE.md", "LICENSE.txt")), folder
        assert f"`{folder}`" in sources, folder


def test_unresolved_entries_reported_by_discovery_are_matched(monkeypatch):
    """When discovery reports unresolved-reference entries, the benchmark counts those it expected,
    lists the missed and the unexpected ones, and keeps them out of precision and recall."""
    from catalog.scan import discovery
    from catalog.scan.base import Reference

    name = "huggingface__trl"
    truth = bench.load_truth(bench.TRUTH / f"{name}.yaml")
    expected = sorted(truth.unresolved)[:2]
    real = discovery.discover

    def with_unresolved(paths, **kwargs):
        refs = list(real(paths, **kwargs))
        refs += [Reference(repo_id="", file=f, line=n, column=1, kind="unresolved-reference") for f, n in expected]
        refs.append(Reference(repo_id="", file="examples/scripts/sft.py", line=1, column=1, kind="unresolved-reference"))
        return refs

    baseline = bench.measure(name)
    monkeypatch.setattr(discovery, "discover", with_unresolved)
    # Only the entries above: discovery's own unresolved entries are left out of this count.
    monkeypatch.setattr(discovery, "discover_unresolved", lambda paths: [], raising=False)
    figures = bench.measure(name)
    assert figures.unresolved_reported == 3
    assert figures.unresolved_hits == 2
    assert len(figures.unresolved_missed) == len(truth.unresolved) - 2
    assert figures.unresolved_unexpected == [("examples/scripts/sft.py", 1)]
    assert (figures.found, figures.hits) == (baseline.found, baseline.hits)


def test_markdown_table_names_each_repository_with_its_commit():
    done = subprocess.run([sys.executable, str(SCRIPT), "--markdown", "--repo", "huggingface__trl"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| huggingface/trl (`")]
    assert len(rows) == 1
    sources = (bench.HERE / "SOURCES.md").read_text(encoding="utf-8")
    commit = rows[0].split("`")[1]
    assert len(commit) == 10 and f"`{commit}" in sources
    assert done.stdout.splitlines()[-1].startswith("| **overall** |")
