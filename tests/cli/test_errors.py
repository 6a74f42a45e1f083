"""Every error a user can cause on the command line is one line naming the bad input and what to
do, with the documented exit code, through the real `catalog` console script: never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONSOLE = str(Path(sys.executable).parent / "catalog")  # the installed console script, as users run it


def catalog(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CATALOG_", "HF_"))}
    return subprocess.run([CONSOLE, *args], cwd=cwd, env={**environ, **env}, capture_output=True, text=True,
                          timeout=120, check=False)


def one_line_error(result: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == code, output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", [("show", "gpt2"), ("runs",), ("db", "upgrade"), ("check", "."), ("sync",)])
def test_a_path_instead_of_a_database_url(tmp_path: Path, command: tuple[str, ...]) -> None:
    result = catalog(*command, cwd=tmp_path, CATALOG_DATABASE_URL="catalog.db")
    one_line_error(result, 2, "CATALOG_DATABASE_URL='catalog.db'", "sqlite:///catalog.db")
    assert not (tmp_path / "catalog.db").exists()


def test_an_unsupported_database(tmp_path: Path) -> None:
    result = catalog("show", "gpt2", cwd=tmp_path, CATALOG_DATABASE_URL="mysql://u@db.example/catalog")
    one_line_error(result, 2, "CATALOG_DATABASE_URL", "SQLite and PostgreSQL", "'mysql'")


def test_db_upgrade_on_a_database_it_cannot_open(tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_text("not a database, just text\n" * 100)
    result = catalog("db", "upgrade", cwd=tmp_path, CATALOG_DATABASE_URL="sqlite:///notes.db")
    one_line_error(result, 3, "cannot open the database sqlite:///notes.db", "not a database")
    missing_dir = catalog("db", "upgrade", cwd=tmp_path, CATALOG_DATABASE_URL=f"sqlite:///{tmp_path}/no/such/x.db")
    one_line_error(missing_dir, 3, "cannot open the database")


def test_postgres_that_is_not_there(tmp_path: Path) -> None:
    result = catalog("db", "upgrade", cwd=tmp_path, CATALOG_DATABASE_URL="postgresql://nobody@127.0.0.1:9/none")
    one_line_error(result, 3, "cannot open the database postgresql://nobody@127.0.0.1:9/none")


@pytest.mark.parametrize(("variable", "value"), [("CATALOG_PORT", "eighty"), ("CATALOG_SYNC_PAGE_SIZE", "0"),
                                                 ("CATALOG_PUBLIC_READ", "maybe")])
def test_a_bad_environment_value_names_the_variable(tmp_path: Path, variable: str, value: str) -> None:
    result = catalog("runs", cwd=tmp_path, **{variable: value})
    one_line_error(result, 2, f"{variable}={value!r}")


def test_offline_hub_for_sync(tmp_path: Path) -> None:
    result = catalog("sync", cwd=tmp_path, HF_HUB_OFFLINE="1", CATALOG_DATABASE_URL="sqlite:///c.db")
    one_line_error(result, 2, "HF_HUB_OFFLINE")
    assert not (tmp_path / "c.db").exists()


@pytest.mark.parametrize("command", [("show", "gpt2"), ("runs",), ("users", "list"), ("tokens", "list"),
                                     ("teams", "list"), ("tokens", "revoke", "1")])
def test_read_only_commands_never_create_a_database(tmp_path: Path, command: tuple[str, ...]) -> None:
    result = catalog(*command, cwd=tmp_path)
    one_line_error(result, 3, "no catalogue at sqlite:///catalog.db", "catalog sync")
    assert list(tmp_path.iterdir()) == []


def test_show_on_an_empty_catalogue_says_how_to_fill_it(tmp_path: Path) -> None:
    env = {"CATALOG_DATABASE_URL": "sqlite:///empty.db"}
    assert catalog("db", "upgrade", cwd=tmp_path, **env).returncode == 0
    one_line_error(catalog("show", "gpt2", cwd=tmp_path, **env), 3, "is empty", "catalog sync")
    runs = catalog("runs", cwd=tmp_path, **env)
    assert runs.returncode == 0 and "no sync runs yet" in runs.stdout


def test_an_unknown_license_suggests_the_id(tmp_path: Path) -> None:
    result = catalog("licenses", "apache2", cwd=tmp_path)
    assert result.returncode == 2 and "did you mean apache-2.0" in result.stderr
    assert "Traceback" not in result.stderr
