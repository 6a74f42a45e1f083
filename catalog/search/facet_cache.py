"""The in-process cache of unfiltered counts (facets and total), refreshed in the background.

Counting the unfiltered catalogue takes seconds at a million models (~7.5 s for every facet),
and the database state the cache is keyed on changes on every committed sync page. Waiting
for a recount whenever it changed would make every visitor of ``/models`` wait through a
sync, so a changed state (or an expired TTL) is served the last value computed for that
database, marked stale, while one background thread per (database, key) recounts. Only a
database never counted, or one emptied and refilled since (its oldest sync run differs),
waits for the count.

Tests that need the fresh value call :func:`wait_for_refresh`, or set
``BACKGROUND_REFRESH = False`` to recount synchronously as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from catalog.db.tables import AuditFinding, Flag, HubModel, SyncRun

CACHE_TTL = 60.0  # seconds
# False: a changed state is recounted before answering (the behaviour before background refresh).
BACKGROUND_REFRESH = True

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Entry:
    at: float  # time.monotonic() when its computation started
    state: tuple[Any, ...]
    value: Any


_cache: dict[tuple[str, str], _Entry] = {}
_refreshing: dict[tuple[str, str], threading.Thread] = {}
_lock = threading.Lock()


def cached(session: Session, key: str, compute: Callable[[Session], Any], stale: set[str] | None = None) -> Any:
    """``compute(session)``, remembered per database and per database state.

    When the remembered value is out of date, it is still returned (``key`` is then added to
    ``stale``) and a background thread recomputes it on its own session, unless one already is.
    """
    bind = session.get_bind()
    cache_key = (_database(session), key)
    state = _state(session)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(cache_key)
    if hit is not None and hit.state == state and now - hit.at < CACHE_TTL:
        return hit.value
    # state[0] is the oldest sync run: a different one means another catalogue at this URL
    # (emptied and reloaded, restored), whose old counts could be wildly wrong.
    if hit is not None and hit.state[0] == state[0] and _can_refresh_in_background(bind):
        _start_refresh(bind, cache_key, compute)
        if stale is not None:
            stale.add(key)
        return hit.value
    value = compute(session)
    with _lock:
        _cache[cache_key] = _Entry(now, state, value)
    return value


def current(session: Session, key: str) -> Any:
    """The value cached under ``key`` if it is still valid (same database state, within the TTL); else None."""
    with _lock:
        hit = _cache.get((_database(session), key))
    if hit is None or time.monotonic() - hit.at >= CACHE_TTL or hit.state != _state(session):
        return None
    return hit.value


def peek(session: Session, key: str) -> Any:
    """The last value cached under ``key`` for this database, however old; None if never computed."""
    with _lock:
        hit = _cache.get((_database(session), key))
    return hit.value if hit is not None else None


def wait_for_refresh(timeout: float | None = None) -> None:
    """Block until every background recount started so far has finished (tests, shutdown)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with _lock:
            pending = list(_refreshing.values())
        if not pending:
            return
        for thread in pending:
            thread.join(None if deadline is None else max(deadline - time.monotonic(), 0))
        if deadline is not None and time.monotonic() >= deadline:
            return


def clear_cache() -> None:
    """Forget cached unfiltered counts (tests that rewrite a database in place)."""
    # A recount still running would otherwise store its value after the clear.
    wait_for_refresh()
    with _lock:
        _cache.clear()


def _start_refresh(bind: Engine, cache_key: tuple[str, str], compute: Callable[[Session], Any]) -> None:
    with _lock:
        if cache_key in _refreshing:
            return  # single flight: one recount per database and key
        thread = threading.Thread(target=_refresh, args=(bind, cache_key, compute), daemon=True,
                                  name=f"facet-refresh:{cache_key[1]}")
        _refreshing[cache_key] = thread
    thread.start()


def _refresh(bind: Engine, cache_key: tuple[str, str], compute: Callable[[Session], Any]) -> None:
    try:
        with Session(bind=bind) as session:
            started = time.monotonic()
            # The state is read first: writes during the count make it look older, never newer.
            state = _state(session)
            value = compute(session)
        with _lock:
            _cache[cache_key] = _Entry(started, state, value)
    except Exception:  # a failed recount keeps serving the old value; the next request retries
        log.exception("background recount of %s failed", cache_key[1])
    finally:
        with _lock:
            _refreshing.pop(cache_key, None)


def _can_refresh_in_background(bind: Any) -> bool:
    """Only an Engine can give a thread its own connection: a Session bound to one Connection, or
    an in-memory SQLite database (one shared connection), would share it across threads."""
    if not BACKGROUND_REFRESH or not isinstance(bind, Engine):
        return False
    return not (bind.dialect.name == "sqlite" and bind.url.database in (None, "", ":memory:"))


def _database(session: Session) -> str:
    return session.get_bind().url.render_as_string(hide_password=True)


def _state(session: Session) -> tuple[Any, ...]:
    """Cheap fingerprint of the data facets depend on: each MAX() is one index lookup.

    The first item identifies the catalogue itself (its oldest sync run), see :func:`cached`.
    """
    return tuple(session.execute(select(
        select(SyncRun.started_at).order_by(SyncRun.id).limit(1).scalar_subquery(),
        select(func.max(SyncRun.id)).scalar_subquery(),
        select(func.max(SyncRun.started_at)).scalar_subquery(),
        select(func.max(SyncRun.finished_at)).scalar_subquery(),
        select(func.max(HubModel.id)).scalar_subquery(),
        select(func.max(AuditFinding.id)).scalar_subquery(),
        select(func.max(Flag.id)).scalar_subquery(),
    )).one())
