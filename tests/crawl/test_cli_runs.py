"""Sync runs as a user meets them (issue 12): Ctrl-C, `catalog runs` naming each run's command,
--model mistakes, retry lines, problems not repeated, progress after a resume."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import time

from sqlalchemy import select

from catalog.crawl.progress import SyncProgress
from catalog.crawl.sync import SyncSummary
from catalog.db.engine import transaction
from catalog.db.tables import SyncRun
from tests.crawl.test_cli_sync import CATALOG, env, hub, run_cli, wait_for_pages

__all__ = ["env", "hub"]


def test_ctrl_c_ends_the_run_resumable_and_runs_shows_the_command(env, hub, factory):
    hub.faults.slow = 0.5  # the 7 pages after the second take 3.5 s: time enough to see it going
    proc = subprocess.Popen([*CATALOG, "sync", "--author", "acme"], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_pages(factory, 2)
    # From here every page takes 8 s, so the run is certainly still going when Ctrl-C arrives
    # (however loaded the machine), and a page fetch is in flight that nobody will read.
    hub.faults.slow = 8
    interrupted = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert time.monotonic() - interrupted < 6, "Ctrl-C does not wait for the page being fetched"
    assert "Traceback" not in stderr and "Aborted!" not in stderr
    assert "Resume with: catalog sync --author acme" in stderr
    with transaction(factory) as session:
        run = session.scalars(select(SyncRun)).one()
        assert (run.status, run.error) == ("failed", "interrupted (Ctrl-C)") and run.cursor is not None
    listed = run_cli("runs", env=env, check=True).stdout
    assert "failed (resumable)" in listed and "interrupted (Ctrl-C)" in listed
    assert "resume: catalog sync --author acme" in listed
    assert json.loads(run_cli("runs", "--json", env=env, check=True).stdout)[0]["command"] == \
        "catalog sync --author acme"
    hub.faults.slow = 0
    resumed = run_cli("sync", "--author", "acme", env=env, check=True)
    assert "sync resumed and completed" in resumed.stderr
    assert "scope: catalog sync --author acme" in run_cli("runs", env=env, check=True).stdout


def test_model_option_mistakes_have_the_right_message_and_exit_code(env):
    empty = run_cli("sync", "--model", "", env=env)
    assert empty.returncode == 2 and "'' is not a Hub model id" in empty.stderr
    assert "resume" not in empty.stderr and "list" not in empty.stderr
    missing = run_cli("sync", "--model", "nobody/xyz", env=env)
    assert missing.returncode == 1, missing.stderr
    assert "nobody/xyz: not found on the Hub" in missing.stderr and "Traceback" not in missing.stderr


def test_each_retry_is_one_line_naming_the_endpoint(env, hub):
    hub.faults.server_error = 3
    result = run_cli("sync", env=env, check=True)
    retries = [line for line in result.stderr.splitlines() if "retry" in line.lower() or "500" in line]
    assert retries, result.stderr
    # Not a log record and a progress line for the same wait: each try is named once.
    tries = [line.split("(try ")[1].split(")")[0] for line in retries]
    assert len(set(tries)) == len(tries), retries
    assert all(f"GET {hub.url}/api/models " in line and "HTTP 500" in line for line in retries), retries


def test_malformed_field_problems_are_not_repeated_when_nothing_changed(env, hub):
    hub.faults.bad_items = {"acme/model-0002-3b"}
    first = run_cli("sync", "--full", env=env, check=True)
    assert "problem: acme/model-0002-3b: malformed" in first.stderr
    again = run_cli("sync", "--full", env=env, check=True)
    assert "malformed" not in again.stderr and "0 new, 0 updated" in again.stderr


def test_hf_hub_offline_is_one_line_and_leaves_no_run(env, factory):
    result = run_cli("sync", env={**env, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 2 and "HF_HUB_OFFLINE" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    with transaction(factory) as session:
        assert session.scalars(select(SyncRun)).all() == []


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counts_the_whole_run_after_a_resume():
    stream = _Terminal()
    with SyncProgress(stream=stream) as progress:
        # A resumed run: 40 models were seen before the interruption, this process sees 10 more.
        progress.update(SyncSummary(run_id=1, status="running", resumed=True, seen=50, new=50), 10)
        assert progress._bar.n == 50
