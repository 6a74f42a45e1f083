"""pyproject.toml tells the truth: every third-party import of catalog (and of the tests) is
declared, with the major versions whose API the code uses."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _requirements(group: str | None = None) -> dict[str, Requirement]:
    lines = PROJECT["dependencies"] if group is None else PROJECT["optional-dependencies"][group]
    return {(r := Requirement(line)).name.lower().replace("_", "-"): r for line in lines}


def _imports(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        if "vendor" in path.parts:  # third-party code kept as benchmark data, never imported
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("catalog", "tests")}


def _distributions(modules: set[str]) -> set[str]:
    found = packages_distributions()
    return {found[m][0].lower().replace("_", "-") for m in modules if m in found}


def test_every_runtime_import_is_a_declared_runtime_dependency() -> None:
    declared = set(_requirements()) | set(_requirements("postgres"))
    # pydantic_settings, yaml, jinja2 ... map to their distribution names.
    missing = _distributions(_imports(ROOT / "catalog")) - declared - {"psycopg-binary"}
    assert not missing, f"imported by catalog/ but not declared in [project] dependencies: {sorted(missing)}"


def test_every_test_import_is_declared_for_the_tests() -> None:
    declared = set(_requirements()) | set(_requirements("test")) | set(_requirements("postgres"))
    transitive_ok = {"packaging", "hypothesis", "starlette", "pydantic-core"}  # brought by declared ones
    missing = _distributions(_imports(ROOT / "tests")) - declared - transitive_ok
    assert not missing, f"imported by tests/ but not declared: {sorted(missing)}"


def test_majors_whose_api_the_code_uses_are_pinned() -> None:
    runtime, test = _requirements(), _requirements("test")
    # crawl/hub.py uses huggingface_hub 2.x's httpx2 session and imports httpx2 itself.
    assert runtime["huggingface-hub"].specifier.contains("2.4.0")
    assert not runtime["huggingface-hub"].specifier.contains("1.9.0")
    assert not runtime["huggingface-hub"].specifier.contains("3.0.0")
    assert "httpx2" in runtime
    # tests/web/test_api_schema.py uses schemathesis.openapi.from_asgi, a 4.x API.
    assert not test["schemathesis"].specifier.contains("3.39.0")
    assert not test["schemathesis"].specifier.contains("5.0.0")
    assert not runtime["cyclonedx-python-lib"].specifier.contains("12.0.0")


def test_postgresql_driver_is_an_extra_that_the_tests_install() -> None:
    assert "psycopg" not in _requirements()
    assert "psycopg" in _requirements("postgres")
    assert any(line.startswith("catalog[postgres]") for line in PROJECT["optional-dependencies"]["test"])


def test_gitignore_matching_uses_only_pathspecs_public_api() -> None:
    source = (ROOT / "catalog" / "scan" / "walk.py").read_text()
    assert ".regex" not in source and "(?P<" not in source


def test_sarif_names_no_placeholder_home_page() -> None:
    assert "informationUri" not in (ROOT / "catalog" / "scan" / "sarif.py").read_text()
