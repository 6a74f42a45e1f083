"""`catalog sync` and `catalog show` as a user runs them: the installed console script, a
Hub reached through HF_ENDPOINT, and a crawl killed with SIGKILL halfway."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, update

from catalog.db.engine import transaction
from catalog.db.tables import HubModel, SyncRun
from catalog.hubsim.server import HubServer, HubStore
from catalog.licenses import knowledge_base
from tests.conftest import recorded_models
from tests.crawl.test_sync import snapshot, synthetic

CATALOG = [sys.executable, "-m", "catalog"]


def run_cli(*args: str, env: dict[str, str], check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CATALOG, *args], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120, check=check)


def wait_for_pages(factory, pages: int, timeout: float = 60) -> None:
    """Wait until the running sync has committed ``pages`` pages (to interrupt it halfway)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with transaction(factory) as session:
            done = session.scalar(select(SyncRun.pages))
        if done and done >= pages:
            return
        time.sleep(0.05)


def kill_sync_after(pages: int, env: dict[str, str], factory) -> None:
    """Start ``catalog sync``, let it commit ``pages`` pages, then kill it with SIGKILL."""
    proc = subprocess.Popen([*CATALOG, "sync"], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_pages(factory, pages)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.fixture
def hub():
    with HubServer(HubStore(recorded_models() + synthetic(60))) as server:
        yield server


@pytest.fixture
def env(hub, db_url) -> dict[str, str]:
    return {"HF_ENDPOINT": hub.url, "CATALOG_DATABASE_URL": db_url, "CATALOG_SYNC_PAGE_SIZE": "7",
            "CATALOG_SYNC_BACKOFF_BASE": "0.01", "HF_TOKEN": "hf_never_printed_token"}


class TestSyncCommand:
    """The console script honours HF_ENDPOINT and prints a summary, never the token."""

    def test_sync_then_show(self, env, hub):
        result = run_cli("sync", env=env, check=True)
        assert "sync completed: 68 new, 0 updated, 0 unchanged" in result.stderr
        assert "hf_never_printed_token" not in result.stdout + result.stderr
        shown = run_cli("show", "meta-llama/Llama-3.1-8B-Instruct", env=env, check=True).stdout
        assert "llama3.1" in shown and "8B (from safetensors)" in shown
        record = json.loads(run_cli("show", "meta-llama/Llama-3.1-8B-Instruct", "--json", env=env, check=True).stdout)
        for key in ("id", "author", "sha", "last_modified", "downloads", "likes", "pipeline_tag", "library_name",
                    "tags", "gated", "parameters", "license", "base_models", "formats", "removed", "removed_at",
                    "history", "findings", "obligations"):
            assert key in record
        listing = [r for r in hub.requests if r.path.startswith("/api/models")]
        assert listing and all(r.headers.get("authorization") == "Bearer hf_never_printed_token" for r in listing)

    def test_sync_leaves_no_wal_files_beside_a_sqlite_catalogue(self, env, tmp_path: Path):
        # The sync skips the interpreter's last collection; its connections must still be closed,
        # or SQLite's -wal and -shm files stay beside the user's catalogue after every run.
        path = tmp_path / "own.db"
        run_cli("sync", env={**env, "CATALOG_DATABASE_URL": f"sqlite:///{path}"}, check=True)
        assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(("-wal", "-shm"))]
        runs = run_cli("runs", env={**env, "CATALOG_DATABASE_URL": f"sqlite:///{path}"}, check=True).stdout
        assert "completed" in runs and re.search(r"new\s+68\b", runs), runs

    def test_unknown_model_exits_non_zero_with_a_suggestion(self, env):
        run_cli("sync", env=env, check=True)
        result = run_cli("show", "meta-llama/Llama-3.1-8B-Instruc", env=env)
        assert result.returncode == 1
        assert "no model 'meta-llama/Llama-3.1-8B-Instruc'" in result.stderr
        assert "meta-llama/Llama-3.1-8B-Instruct" in result.stderr
        assert "Traceback" not in result.stderr

    def test_an_unreachable_hub_fails_clearly(self, env):
        env = {**env, "HF_ENDPOINT": "http://127.0.0.1:9", "CATALOG_SYNC_MAX_TRIES": "2"}
        result = run_cli("sync", env=env)
        assert result.returncode == 1
        assert "gave up on model listing (GET http://127.0.0.1:9/api/models) after 2 tries" in result.stderr
        assert "run the same `catalog sync` command again to resume" in result.stderr
        assert "Traceback" not in result.stderr

    def test_malformed_fields_are_reported_by_model_and_field(self, env, hub):
        hub.faults.bad_items = {"acme/model-0002-3b"}
        result = run_cli("sync", env=env, check=True)
        assert "problem: acme/model-0002-3b: malformed " in result.stderr
        assert "sync completed: 68 new" in result.stderr

    def test_a_bad_setting_is_named(self, env):
        result = run_cli("sync", env={**env, "CATALOG_SYNC_PAGE_SIZE": "lots"})
        assert result.returncode == 2 and "CATALOG_SYNC_PAGE_SIZE='lots'" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


class TestAuditCommand:
    """`catalog audit` re-derives, from the stored raw fields, what an older catalog derived."""

    def test_rederives_only_what_an_older_release_derived(self, env, hub, factory):
        hub.store.put({"id": "acme/tag-only", "tags": ["license:apache-2.0"]})
        run_cli("sync", env=env, check=True)
        assert run_cli("audit", env=env, check=True).stdout.strip() == "derived 0 models"
        # What a release before derivation revision 2 stored: the bare knowledge-base version,
        # and a license declared only by its tag left unresolved.
        kb_version = knowledge_base().version
        with transaction(factory) as session:
            session.execute(update(HubModel).where(HubModel.repo_id.in_(["acme/tag-only", "acme/model-0001-2b"]))
                            .values(derived_version=kb_version, license_id=None, license_ids=[],
                                    license_status="missing", license_category="unlicensed"))
        assert run_cli("audit", env=env, check=True).stdout.strip() == "derived 2 models"
        record = json.loads(run_cli("show", "acme/tag-only", "--json", env=env, check=True).stdout)
        assert (record["license"]["id"], record["license"]["status"]) == ("apache-2.0", "resolved")
        assert run_cli("audit", env=env, check=True).stdout.strip() == "derived 0 models"


class TestKillAndResume:
    """A crawl killed with SIGKILL resumes from the last committed page and ends identical."""

    def test_kill_9_midway_then_resume_equals_an_uninterrupted_run(self, env, hub, factory, tmp_path: Path):
        hub.faults.slow = 0.15
        kill_sync_after(3, env, factory)
        with transaction(factory) as session:
            run = session.scalars(select(SyncRun)).one()
            assert run.status == "running" and run.cursor is not None
            partial = len(session.scalars(select(HubModel.id)).all())
        assert 0 < partial < 68
        hub.faults.slow = 0
        result = run_cli("sync", env=env, check=True)
        assert "sync resumed and completed" in result.stderr
        resumed = snapshot(factory)

        reference_db = f"sqlite:///{tmp_path / 'reference.db'}"
        run_cli("sync", env={**env, "CATALOG_DATABASE_URL": reference_db}, check=True)
        from catalog.db.engine import make_engine, make_sessionmaker

        reference = snapshot(make_sessionmaker(make_engine(reference_db)))
        assert resumed == reference


def test_sync_model_with_a_refused_token_says_the_token_was_refused(db_url):
    """The Hub answers a bad token with 401 "Invalid credentials": not a private model."""
    with HubServer(HubStore(recorded_models()), token="hf_the_right_token") as server:
        env = {"HF_ENDPOINT": server.url, "CATALOG_DATABASE_URL": db_url, "HF_TOKEN": "hf_a_revoked_token",
               "CATALOG_SYNC_BACKOFF_BASE": "0.01"}
        result = run_cli("sync", "--model", "openai-community/gpt2", env=env)
    assert result.returncode == 1
    assert "refused the token (HF_TOKEN)" in result.stderr and "Invalid credentials" in result.stderr
    assert "private" not in result.stderr and "hf_a_revoked_token" not in result.stderr
