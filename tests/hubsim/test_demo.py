"""`catalog demo` (README command 1): the real crawler over the bundled snapshot, offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from catalog.db.engine import make_engine, make_sessionmaker, transaction
from catalog.db.tables import HubModel, SyncRun


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
    factory = make_sessionmaker(make_engine(f"sqlite:///{database}"))
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(HubModel)) >= 9_500
        assert session.scalar(select(SyncRun.status)) == "completed"
        llama = session.scalar(select(HubModel).where(HubModel.repo_id == "meta-llama/Llama-3.1-8B-Instruct"))
        assert (llama.license_id, llama.parameters_source) == ("llama3.1", "safetensors")
