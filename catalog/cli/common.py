"""What every command group shares: opening the configured database, and the Hub client."""

from __future__ import annotations

import os
from collections.abc import Callable

from catalog.config import Settings
from catalog.errors import DatabaseUnavailable

FILL_HINT = "fill it with `catalog sync` (or try `catalog demo`), or point CATALOG_DATABASE_URL at a catalogue"


def open_db(settings: Settings, *, read_only: bool = False):  # -> sessionmaker
    """Open the configured database, applying pending migrations first.

    ``read_only`` commands (show, runs, ...) never create a database: a SQLite file that does
    not exist is an error saying how to fill one, not a fresh empty catalogue.

    Raises:
        DatabaseUnavailable: the database cannot be opened, or (read_only) does not exist (exit 3).
    """
    from sqlalchemy.engine import make_url

    from catalog.db.engine import open_database

    url = make_url(settings.database_url)
    if read_only and url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not os.path.exists(url.database):
        raise DatabaseUnavailable(f"there is no catalogue at {settings.database_url} (no such file): {FILL_HINT}")
    return open_database(settings.database_url)


def hub_client(settings: Settings, *, on_wait: Callable[[str, float], None] | None = None):  # -> HubClient
    """The Hub client with the CATALOG_SYNC_* retry settings (`sync` and `check --fetch-missing`)."""
    from catalog.crawl.hub import HubClient, RetryPolicy

    retry = RetryPolicy(max_tries=settings.sync_max_tries, backoff_base=settings.sync_backoff_base,
                        backoff_max=settings.sync_backoff_max, timeout=settings.sync_timeout, on_wait=on_wait)
    return HubClient(endpoint=settings.hub_endpoint, retry=retry)
