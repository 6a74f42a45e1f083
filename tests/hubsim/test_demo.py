"""`catalog demo` (README command 1): the real crawler over the bundled snapshot, offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from catalog.db.engine import make_engine, make_sessionmaker, transaction
from catalog.db.tables import AuditFinding, HubModel, SyncRun


def test_demo_crawls_the_bundled_snapshot_into_a_fresh_database(tmp_path: Path):
    database = tmp_path / "demo.db"
    database.write_text("an old file the demo must replace")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CATALOG_", "HF_"))}
    done = subprocess.run([sys.executable, "-m", "catalog", "demo", "--no-serve", "--database", str(database)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout + done.stderr
    assert "fboulnois/llm-leaderboard-csv (MPL-2.0)" in out, "the demo says where its data comes from"
    assert "sync completed: 9630 new" in out
    assert "top licenses:       apache-2.0" in out
    assert out.count("huggingface/hub-docs (Apache-2.0)") == 1, "the sources are listed once"
    # The hint runs as printed, from another folder, with no venv on PATH.
    [hint] = [line.removeprefix("try: ") for line in done.stdout.splitlines() if line.startswith("try: ")]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shown = subprocess.run(["/bin/sh", "-c", hint], cwd=elsewhere, capture_output=True, text=True, timeout=120,
                           env={**env, "PATH": "/usr/bin:/bin"}, check=False)
    assert shown.returncode == 0 and "llama3.1" in shown.stdout, shown.stderr
    factory = make_sessionmaker(make_engine(f"sqlite:///{database}"))
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(HubModel)) >= 9_500
        assert session.scalar(select(SyncRun.status)) == "completed"
        llama = session.scalar(select(HubModel).where(HubModel.repo_id == "meta-llama/Llama-3.1-8B-Instruct"))
        assert (llama.license_id, llama.parameters_source) == ("llama3.1", "safetensors")
        # The overview counts models, not finding rows (some models hold a code twice).
        [findings] = [line for line in done.stdout.splitlines() if line.startswith("top findings:")]
        printed = dict(part.rsplit(" ", 1) for part in findings.removeprefix("top findings:").strip().split(", "))
        models = dict(session.execute(select(AuditFinding.code, func.count(AuditFinding.model_id.distinct()))
                                      .group_by(AuditFinding.code)).all())
        assert printed and {code: int(n) for code, n in printed.items()} == {code: models[code] for code in printed}


def test_demo_on_a_busy_port_fails_before_crawling(tmp_path: Path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CATALOG_", "HF_"))}
        done = subprocess.run([sys.executable, "-m", "catalog", "demo", "--port", str(port), "--database",
                               str(tmp_path / "demo.db")], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=60, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"cannot serve the demo on 127.0.0.1:{port}" in done.stderr and "--port" in done.stderr
    assert "crawling" not in done.stdout and not (tmp_path / "demo.db").exists()


def test_the_demo_database_is_ignored_by_git():
    lines = (Path(__file__).parents[2] / ".gitignore").read_text().splitlines()
    assert "catalog-demo.db" in lines
