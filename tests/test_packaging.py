"""`pip install .` (not only editable) must find templates and migrations inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True, text=True)
    [built] = out.glob("catalog-*.whl")
    return built


def test_the_wheel_carries_templates_migrations_and_data(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    repo_templates = {f"catalog/_templates/{p.relative_to(ROOT / 'templates').as_posix()}"
                      for p in (ROOT / "templates").rglob("*") if p.is_file()}
    repo_migrations = {f"catalog/_migrations/{p.relative_to(ROOT / 'migrations').as_posix()}"
                       for p in (ROOT / "migrations").rglob("*.py")}
    assert repo_templates <= names
    assert repo_migrations <= names
    assert {"catalog/licenses/data/licenses.yaml", "catalog/hubsim/data/demo-models.jsonl.gz",
            "catalog/hubsim/data/DEMO_DATA_NOTICE.md"} <= names


def test_an_installed_wheel_finds_its_resources(wheel: Path, tmp_path: Path):
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    # -I keeps the checkout (and its editable install) off sys.path: only the unpacked wheel is seen.
    probe = (f"import sys; sys.path.insert(0, {str(target)!r}); "
             "from catalog.resources import resource_dir, data_path; "
             "print(resource_dir('templates')); print(resource_dir('migrations')); print(data_path('licenses', 'licenses.yaml'))")
    out = subprocess.run([sys.executable, "-I", "-c", probe], cwd=tmp_path,
                         check=True, capture_output=True, text=True).stdout.split()
    assert out == [str(target / "catalog" / "_templates"), str(target / "catalog" / "_migrations"),
                   str(target / "catalog" / "licenses" / "data" / "licenses.yaml")]
