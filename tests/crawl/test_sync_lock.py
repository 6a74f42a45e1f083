"""A second sync of the same scope, started while one runs (a scheduler and a person, two hosts),
is refused with a clear message instead of racing the first on the same rows and cursor."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from catalog.crawl.lock import SyncAlreadyRunning, sync_lock
from catalog.crawl.sync import SyncOptions, run_sync
from catalog.db.engine import transaction
from catalog.db.tables import HubModel, SyncRun
from catalog.hubsim.server import HubServer, HubStore
from tests.crawl.test_cli_sync import run_cli
from tests.crawl.test_sync import client_for, synthetic


@pytest.fixture
def hub():
    with HubServer(HubStore(synthetic(30))) as server:
        yield server


def counts(factory) -> tuple[int, int]:
    with transaction(factory) as session:
        return (session.scalar(select(func.count()).select_from(SyncRun)),
                session.scalar(select(func.count()).select_from(HubModel)))


def test_a_running_sync_of_the_scope_refuses_a_second(factory, hub) -> None:
    engine = factory.kw["bind"]
    options = SyncOptions(page_size=10)
    with sync_lock(engine, options.scope_key(), "the whole Hub"):  # as a run in another process holds it
        with pytest.raises(SyncAlreadyRunning, match="another sync of the whole Hub is running"):
            run_sync(factory, client_for(hub), options)
        assert counts(factory) == (0, 0)  # refused before doing anything
        # Another scope is not blocked.
        assert run_sync(factory, client_for(hub), SyncOptions(page_size=10, authors=("nobody",))).status == "completed"
    assert run_sync(factory, client_for(hub), options).new == 30  # released with the block


def test_the_command_says_so_in_one_line_and_exits_4(factory, hub, db_url) -> None:
    engine = factory.kw["bind"]
    with sync_lock(engine, SyncOptions(authors=("acme",)).scope_key(), "authors acme"):
        done = run_cli("sync", "--author", "acme", env={"HF_ENDPOINT": hub.url, "CATALOG_DATABASE_URL": db_url})
    assert done.returncode == 4
    assert done.stderr.strip().startswith("error: another sync of authors acme is running")
    assert "Traceback" not in done.stderr
