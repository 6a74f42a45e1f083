"""A time limit on each statement of a serving process, so that no request can run on for ever.

A search whose plan goes wrong (a filter combination the planner misjudges, a catalogue far
larger than the one it was tuned on) must end in a one-line error, not in a request that hangs
while the database burns a core long after the client gave up: before `finding=none` was
rewritten, PostgreSQL ran it for more than 14 minutes at a million models.

PostgreSQL enforces the limit itself (``statement_timeout``); SQLite has none, so a progress
handler, called every few thousand virtual-machine steps, interrupts a statement running past
its deadline (from its execution to its last row fetched). Either way the statement fails with
an error :func:`is_timeout` recognises. Only a server's engine is limited: a sync or an audit
may legitimately run a statement for minutes.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from catalog.db.engine import set_on_checkout

# SQLite virtual-machine instructions between two looks at the clock: about a millisecond.
_SQLITE_STEPS = 20_000
# Each limited engine's limit in seconds (0: none), read by its listener on every checkout.
_LIMITS: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()


def limit_statements(engine: Engine, seconds: float) -> None:
    """Stop any statement of ``engine``'s connections that runs longer than ``seconds`` (0: no limit).

    Applied when a connection is checked out, so connections the pool already holds are
    limited too; calling it again changes the limit.
    """
    listening = engine in _LIMITS
    _LIMITS[engine] = seconds
    if listening:
        return
    limited = weakref.ref(engine)

    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        owner = limited()
        _apply(dbapi_connection, record, _LIMITS.get(owner, 0.0) if owner is not None else 0.0)

    event.listen(engine, "checkout", on_checkout)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "before_cursor_execute", _start_clock)


def is_timeout(exc: BaseException) -> bool:
    """Whether a database error is a statement stopped by :func:`limit_statements`."""
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "57014":  # PostgreSQL: query_canceled
        return True
    return type(orig).__module__ == "sqlite3" and str(orig) == "interrupted"


def _apply(dbapi_connection: Any, record: Any, seconds: float) -> None:
    """Give one connection the limit, unless it has it already."""
    if record.info.get("statement_limit") == seconds:
        return
    if type(dbapi_connection).__module__.startswith("psycopg"):
        set_on_checkout(dbapi_connection, f"SET statement_timeout = {int(seconds * 1000)}")
    else:
        deadline = record.info.setdefault("deadline", [float("inf")])
        deadline[0] = float("inf")
        handler = (lambda: time.monotonic() > deadline[0]) if seconds else None
        dbapi_connection.set_progress_handler(handler, _SQLITE_STEPS)
    record.info["statement_limit"] = seconds


def _start_clock(conn: Any, _cursor: Any, _statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
    """SQLite: the deadline of the statement about to run (it covers fetching its rows too)."""
    info = conn.connection.info
    deadline = info.get("deadline")
    if deadline is not None:
        seconds = info.get("statement_limit") or 0.0
        deadline[0] = time.monotonic() + seconds if seconds else float("inf")
