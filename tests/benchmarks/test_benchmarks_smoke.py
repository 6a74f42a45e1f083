"""CI-sized runs of every benchmark, so none of them rots between the on-demand runs the README
quotes. They assert that a benchmark runs to the end and prints its figures, never its speed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from catalog.db.engine import make_engine
from tests.benchmarks import bench_api, bench_check, bench_discovery_trees, bench_search, bench_sync
from tests.conftest import POSTGRES_PREFIX, POSTGRES_URL


def test_bench_check_runs(tmp_path, capsys) -> None:
    assert bench_check.main(["--models", "200", "--files", "20", "--refs", "3", "--runs", "1",
                             "--cache", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "start-up (floor)" in out and "imports" in out and "the rest" in out and "x the floor" in out and "required libraries alone" in out


@pytest.mark.parametrize("generator", ["httpx", "wrk"])
def test_bench_api_runs(tmp_path, capsys, generator) -> None:
    if generator == "wrk" and not shutil.which("wrk"):
        pytest.skip("wrk is not installed (.ci/run installs it)")
    assert bench_api.main(["--models", "200", "--clients", "2", "--seconds", "0.5", "--check-size", "5",
                           "--generator", generator, "--cache", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"({generator})" in out and "floor (fixed 6 kB JSON" in out and "x floor)" in out
    assert "GET /api/v1/models/{id}" in out and "POST /api/v1/check (5 models)" in out and " 0 errors" in out


def test_bench_search_runs(tmp_path, capsys) -> None:
    assert bench_search.main(["--models", "300", "--rounds", "1", "--db", f"sqlite:///{tmp_path / 's.db'}"]) == 0
    out = capsys.readouterr().out
    assert "floor: 50 rows" in out and "x floor)" in out and "GET /models.json" in out


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_bench_sync_runs(tmp_path, capsys) -> None:
    bench_sync.main(["--models", "300", "--work", str(tmp_path)])
    out = capsys.readouterr().out
    assert "fetch-only" in out and "ratio to fetch-only" in out and "CPU-bound: " in out and "incremental no-change sync" in out and "its floor" in out
    assert "the Hub's rate-limit ceiling" in out


@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.skipif(not POSTGRES_URL, reason="CATALOG_TEST_POSTGRES_URL is not set")
def test_bench_sync_runs_on_postgresql(tmp_path, capsys, worker_id) -> None:
    assert POSTGRES_URL is not None
    name = f"{POSTGRES_PREFIX}_bench_sync_{worker_id}"  # its schema is dropped: a database of its own
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        bench_sync.main(["--models", "300", "--work", str(tmp_path), "--no-sqlite",
                         "--postgres", POSTGRES_URL.rsplit("/", 1)[0] + "/" + name])
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    out = capsys.readouterr().out
    assert "postgresql: full sync 300 models" in out and "CPU-bound: " in out
    if make_url(POSTGRES_URL).host in ("127.0.0.1", "localhost"):  # the server's CPU is read from /proc
        assert "in the PostgreSQL server)" in out


def test_bench_discovery_trees_runs(tmp_path, capsys) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.py").write_text('from transformers import AutoModel\nAutoModel.from_pretrained("org/m")\n')
    this = Path(bench_discovery_trees.__file__).resolve().parents[2]
    assert bench_discovery_trees.main([str(tree), "--baseline", str(this), "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "best of 1 rounds" in out and "tree: " in out and "(1 refs, 0 problems)" in out and "x the first" in out
