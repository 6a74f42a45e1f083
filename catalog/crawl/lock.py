"""One sync per scope at a time, across processes and hosts.

A team runs `catalog sync` from a scheduler; a slow run can still be going when the next one
starts, or someone starts one by hand. Two runs of one scope would walk the same pages and
race on the same rows and on the run's resume cursor, so the second is refused.

PostgreSQL: a session-level advisory lock, held on a connection of its own for the run. The
server releases it when that connection ends, so a killed run never leaves a stale lock.
SQLite: an exclusive ``flock`` on a file beside the database (SQLite catalogues are single-host
by nature); the kernel releases it when the process ends. In-memory databases need no lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

from catalog.errors import CatalogError


class SyncAlreadyRunning(CatalogError):
    """Another sync of the same scope holds the lock; this one did nothing."""

    exit_code = 4


def _key(scope_key: str) -> int:
    """A signed 64-bit advisory-lock key for a scope, apart from any other application's keys."""
    return int.from_bytes(hashlib.sha256(f"catalog-sync:{scope_key}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def sync_lock(engine: Engine, scope_key: str, description: str) -> Iterator[None]:
    """Hold the lock of ``scope_key`` for the block.

    Raises:
        SyncAlreadyRunning: another process holds it (``description`` names the scope in the message).
    """
    refused = SyncAlreadyRunning(
        f"another sync of {description} is running on this catalogue; this one stopped without "
        "changing anything (run `catalog runs` to see it; let it finish, or stop it and run again to resume)")
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            key = _key(scope_key)
            got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
            conn.commit()  # the lock is the session's: no transaction stays open for the run
            if not got:
                raise refused
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    import fcntl

    path = f"{database}.sync-{scope_key[:16]}.lock"
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise refused from None
        # The file stays: unlinking it would let a process that opened it just before lock a
        # file no one else can see any more.
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
