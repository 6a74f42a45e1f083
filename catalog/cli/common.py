"""What every command group shares: opening the configured database."""

from __future__ import annotations

from catalog.config import Settings


def open_db(settings: Settings):  # -> sessionmaker
    """Open the configured database, applying pending migrations first."""
    from catalog.db.engine import open_database

    return open_database(settings.database_url)
