"""A started `catalog serve` hides what it holds from the cycle collector; an app built by a
process that goes on building others (the tests) does not. Run in a child process: freezing this
one would change the collector for the rest of the suite."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHILD = """
import gc, sys
from fastapi.testclient import TestClient
from catalog.config import Settings
from catalog.web.app import create_app
for long_running in (False, True):
    settings = Settings(database_url=sys.argv[1], secret_key="test", public_read=True)
    app = create_app(settings, long_running=long_running)
    with TestClient(app) as client:
        client.get("/api/v1/models?limit=1").raise_for_status()
        print(gc.get_freeze_count())
"""


def test_a_started_server_freezes_its_heap_and_a_test_app_does_not(db_url: str) -> None:
    if ":memory:" in db_url:
        pytest.skip("needs a database file or server the child process can open")
    done = subprocess.run([sys.executable, "-c", CHILD, db_url], check=False, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    plain, long_running = (int(n) for n in done.stdout.split())
    assert plain == 0
    assert long_running > 10_000  # the imported modules, SQLAlchemy's mappers, the knowledge base
