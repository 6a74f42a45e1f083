"""catalog's own files are inputs and outputs, not code (issue 12): the policy (with its
exceptions naming models), a previous report or BOM are never scanned as model references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factories import hub_item, load
from tests.scan.test_check import run, write

README = Path(__file__).parents[2] / "README.md"


def _readme_policy() -> str:
    text = README.read_text()
    start = text.index("```yaml\n# .catalog-policy.yaml") + len("```yaml\n")
    return text[start:text.index("```", start)]


@pytest.fixture
def project(factory, tmp_path: Path) -> Path:
    load(factory, hub_item("acme/good-model", license="apache-2.0"))
    root = tmp_path / "project"
    write(root / "train.py", 'from transformers import AutoModel\nAutoModel.from_pretrained("acme/good-model")\n')
    write(root / ".catalog-policy.yaml", _readme_policy())
    return root


def test_the_policy_is_not_a_model_reference(project: Path, db_url: str) -> None:
    assert "nc-lab/summarizer-base" in (project / ".catalog-policy.yaml").read_text()
    report = run("--format", "json", db_url=db_url, cwd=project)
    assert report.returncode == 0, report.stdout + report.stderr
    checked = [model["repo_id"] for model in json.loads(report.stdout)["models"]]
    assert checked == ["acme/good-model"]
    write(project / "policies" / "strict.yml", "context: saas\nexceptions:\n  - model: other-lab/waived\n"
                                               "    reason: test\n    approved_by: me\n")
    explicit = run("--policy", "policies/strict.yml", "--format", "json", db_url=db_url, cwd=project)
    assert "other-lab/waived" not in explicit.stdout and explicit.returncode == 0, explicit.stdout


def test_bom_and_notices_skip_the_policy_and_previous_outputs(project: Path, db_url: str) -> None:
    assert run("--format", "json", "--output", "report.json", db_url=db_url, cwd=project).returncode == 0
    bom = run("--output", "bom.json", db_url=db_url, cwd=project, command="bom")
    assert bom.returncode == 0, bom.stderr
    again = run("--output", "bom.json", db_url=db_url, cwd=project, command="bom")
    text = (project / "bom.json").read_text()
    assert again.returncode == 0 and "nc-lab/summarizer-base" not in text and "@null" not in text
    notices = run(db_url=db_url, cwd=project, command="notices")
    assert "nc-lab/summarizer-base" not in notices.stdout
    # Writing over its own earlier output, a run does not read that output as references.
    rerun = run("--format", "json", "--output", "report.json", db_url=db_url, cwd=project)
    assert rerun.returncode == 0
    assert [m["repo_id"] for m in json.loads((project / "report.json").read_text())["models"]] == ["acme/good-model"]
