"""The `catalog-check` pre-commit hook, installed by pre-commit itself from this repository.

pre-commit builds a virtualenv and pip-installs the repository into it (about 45 s the first time,
from the package index), so the test is marked slow; it still runs by default.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import hub_item, load

REPO = Path(__file__).resolve().parents[2]
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True,
                          capture_output=True, text=True).stdout


def _snapshot_of_this_repo(dest: Path) -> Path:
    """A committed copy of the work tree: try-repo would leave out files not yet committed here."""
    for name in _git(REPO, "ls-files", "-co", "--exclude-standard").splitlines():
        if name.startswith("tests/") or not (REPO / name).is_file():
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, dest / name)
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "snapshot")
    return dest


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_hook_blocks_a_commit_that_adds_a_denied_model(factory, db_url, tmp_path):
    load(factory, hub_item("acme/good-model", license="apache-2.0"), hub_item("acme/nc-model", license="cc-by-nc-4.0"))
    hook_repo = _snapshot_of_this_repo(tmp_path / "catalog")
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q", "-b", "main")
    (project / "train.py").write_text("from transformers import AutoModel\nm = AutoModel.from_pretrained('acme/good-model')\n")
    _git(project, "add", "train.py")
    env = {**os.environ, "CATALOG_DATABASE_URL": db_url, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "NO_COLOR": "1"}
    # A PostgreSQL catalogue needs the driver, an extra: its hook id installs it with the hook.
    hook = "catalog-check-postgres" if db_url.startswith("postgresql") else "catalog-check"
    pre_commit = [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--all-files"]

    passing = subprocess.run(pre_commit, cwd=project, env=env, capture_output=True, text=True, timeout=600,
                             check=False)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "PASS: 1 model checked" in passing.stdout or "Passed" in passing.stdout

    (project / "serve.py").write_text("from transformers import pipeline\np = pipeline('x', model='acme/nc-model')\n")
    _git(project, "add", "serve.py")
    failing = subprocess.run(pre_commit, cwd=project, env=env, capture_output=True, text=True, timeout=600,
                             check=False)
    assert failing.returncode == 1
    assert "[license-denied]" in failing.stdout and "serve.py:2" in failing.stdout
