"""The in-process cache of unfiltered counts (facets and total), refreshed in the background.

Counting the unfiltered catalogue takes seconds at a million models (~7.5 s for every facet),
and the database state the cache is keyed on changes on every committed sync page. Waiting
for a recount whenever it changed would make every visitor of ``/models`` wait through a
sync, so a changed state (or an expired TTL) is served the last value computed for that
database, marked stale, while one background thread per (database, key) recounts. Only a
database never counted, or one emptied and refilled since (its oldest sync run differs),
waits for the count.

Every value computed is also stored in the database (``app_settings``, under ``counts:<key>``,
with the state it was counted at), so a process that starts (a restart, another worker, another
host) serves the last counts any process made instead of recounting for seconds before its
first answer: as they are if the state is unchanged, else as stale while it recounts.

Tests that need the fresh value call :func:`wait_for_refresh`, or set
``BACKGROUND_REFRESH = False`` to recount synchronously as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

import orjson
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from catalog.db.tables import AppSetting, AuditFinding, Flag, HubModel, SyncRun
from catalog.search.params import NONE

CACHE_TTL = 60.0  # seconds
_STORE_PREFIX = "counts:"  # app_settings keys of the stored counts
# False: a changed state is recounted before answering (the behaviour before background refresh).
BACKGROUND_REFRESH = True

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Entry:
    at: float  # time.monotonic() when its computation started
    state: tuple[Any, ...]
    value: Any


@dataclass(frozen=True)
class Ranked:
    """A facet's counts ready to show: values with models, most first (then by value), and by value.

    Defined here, beside the cache that keeps and stores them; :mod:`catalog.search.facets` uses it.

    Ranked once when counted: the cached author facet of a million models has ~100k values,
    and sorting them on every request cost more than the rest of the search. ``by_value`` is
    built on first use: the unfiltered page shows only the first values, and a process that
    starts from the stored counts would otherwise build a 100k-entry dict before its first answer.
    """

    values: list[tuple[str, int]]

    @cached_property
    def by_value(self) -> dict[str, int]:
        """Models per value."""
        return dict(self.values)

    @classmethod
    def of(cls, counts: list[tuple[str | None, int]]) -> Ranked:
        values = [(NONE if value is None else str(value), n) for value, n in counts if n > 0]
        values.sort(key=lambda vn: (-vn[1], vn[0]))
        return cls(values)


_cache: dict[tuple[str, str], _Entry] = {}
# Stored counts read at server start (:func:`preload`), judged fresh or stale on first use.
_preloaded: dict[tuple[str, str], _Entry] = {}
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
    if hit is None and _has_own_connections(bind):
        with _lock:
            stored = _preloaded.pop(cache_key, None)
        stored = stored or _stored(session, key)
        if stored is not None and stored.state[0] == state[0]:
            # Counted by another process, or by this one before a restart: fresh if nothing changed since.
            hit = _Entry(now if stored.state == state else now - CACHE_TTL, stored.state, stored.value)
            with _lock:
                hit = _cache.setdefault(cache_key, hit)
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
    _store(bind, key, state, value)
    return value


def preload(bind: Engine) -> None:
    """Read every stored count into this process (server start), so that its first request does
    not: the author facet of a million models is megabytes of JSON. Best effort."""
    if not _has_own_connections(bind):
        return
    try:
        with Session(bind=bind) as session:
            database = _database(session)
            for key in session.scalars(select(AppSetting.key).where(AppSetting.key.like(_STORE_PREFIX + "%"))):
                stored = _stored(session, key.removeprefix(_STORE_PREFIX))
                if stored is not None:
                    with _lock:
                        _preloaded[(database, key.removeprefix(_STORE_PREFIX))] = stored
    except Exception:  # a database not migrated yet, or unreachable: the first request reads them
        log.warning("could not preload the stored counts", exc_info=True)


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
        _preloaded.clear()


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
        _store(bind, cache_key[1], state, value)
    except Exception:  # a failed recount keeps serving the old value; the next request retries
        log.exception("background recount of %s failed", cache_key[1])
    finally:
        with _lock:
            _refreshing.pop(cache_key, None)


def _encode(value: Any) -> dict[str, Any] | None:
    """A JSON form of a cached value (a count, or a facet's ranked values); None if it has none.

    A facet is stored as two flat arrays, values and counts: decoding the ~100k authors of a
    million models from pairs built one small list and one tuple per author, most of the time
    a new process spent on its first page.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return {"count": value}
    values = getattr(value, "values", None)
    if isinstance(values, list):
        return {"values": [v for v, _ in values], "counts": [n for _, n in values]}
    return None


def _decode(document: dict[str, Any]) -> Any:
    if "count" in document:
        return int(document["count"])
    if "ranked" in document:  # as stored before the flat arrays
        return Ranked([(str(v), int(n)) for v, n in document["ranked"]])
    values, counts = document["values"], document["counts"]
    # Checked whole, at C speed (map), rather than converted item by item.
    if len(values) != len(counts) or not set(map(type, values)) <= {str} or not set(map(type, counts)) <= {int}:
        raise ValueError("stored facet counts are malformed")
    return Ranked(list(zip(values, counts, strict=True)))


def _stored(session: Session, key: str) -> _Entry | None:
    """The counts a process stored under ``key`` with their state (``at`` unused), if readable."""
    try:
        raw = session.scalar(select(AppSetting.value).where(AppSetting.key == _STORE_PREFIX + key))
        if raw is None:
            return None
        document = orjson.loads(raw)
        return _Entry(0.0, tuple(document["state"]), _decode(document["value"]))
    except Exception:  # an unreadable row is recounted, never an error page
        log.warning("ignoring the stored counts of %s", key, exc_info=True)
        return None


def _store(bind: Any, key: str, state: tuple[Any, ...], value: Any) -> None:
    """Keep ``value`` in the database for processes that start later; best effort, own transaction."""
    encoded = _encode(value)
    if encoded is None or not _has_own_connections(bind):
        return
    raw = orjson.dumps({"state": list(state), "value": encoded}).decode()
    try:
        with Session(bind=bind) as own, own.begin(), _without_waiting(own):
            row = own.get(AppSetting, _STORE_PREFIX + key)
            if row is None:
                own.add(AppSetting(key=_STORE_PREFIX + key, value=raw))
            else:
                row.value = raw
    except Exception:  # another process stored at the same moment, or the database is busy: theirs will do
        log.debug("could not store the counts of %s", key, exc_info=True)


@contextmanager
def _without_waiting(session: Session) -> Iterator[None]:
    """Never wait for another writer while storing: the request that computed the counts may
    itself hold the write lock (a sign-in, a generated key), and waiting out SQLite's busy
    timeout once per facet would stall the page for minutes. Busy means skip."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(text("SET LOCAL lock_timeout = '100ms'"))  # ends with the transaction
        yield
        return
    # On the DBAPI connection itself: it must be restored even when the session failed.
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    before = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        yield
        session.flush()  # the write happens here, under the zero timeout
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(before)}")


def _has_own_connections(bind: Any) -> bool:
    """Whether a new Session on ``bind`` gets a connection of its own (not an in-memory SQLite's only one)."""
    return isinstance(bind, Engine) and not (bind.dialect.name == "sqlite"
                                             and bind.url.database in (None, "", ":memory:"))


def _can_refresh_in_background(bind: Any) -> bool:
    """Only an Engine can give a thread its own connection: a Session bound to one Connection, or
    an in-memory SQLite database (one shared connection), would share it across threads."""
    return BACKGROUND_REFRESH and _has_own_connections(bind)


def _database(session: Session) -> str:
    return session.get_bind().url.render_as_string(hide_password=True)


def _state(session: Session) -> tuple[Any, ...]:
    """Cheap fingerprint of the data facets depend on: each MAX() is one index lookup.

    The first item identifies the catalogue itself (its oldest sync run), see :func:`cached`.
    Read once per transaction: a search asks for it once per facet.
    """
    transaction = session.get_transaction()
    remembered = session.info.get("catalog_facet_state")
    if transaction is not None and remembered is not None and remembered[0] is transaction:
        return remembered[1]
    state = _read_state(session)
    # Read first thing in a session, the state is what began its transaction: remember it there.
    transaction = session.get_transaction()
    if transaction is not None:
        session.info["catalog_facet_state"] = (transaction, state)
    return state


def _read_state(session: Session) -> tuple[Any, ...]:
    return tuple(_plain(v) for v in session.execute(select(
        select(SyncRun.started_at).order_by(SyncRun.id).limit(1).scalar_subquery(),
        select(func.max(SyncRun.id)).scalar_subquery(),
        select(func.max(SyncRun.started_at)).scalar_subquery(),
        select(func.max(SyncRun.finished_at)).scalar_subquery(),
        select(func.max(HubModel.id)).scalar_subquery(),
        select(func.max(AuditFinding.id)).scalar_subquery(),
        select(func.max(Flag.id)).scalar_subquery(),
    )).one())


def _plain(value: Any) -> Any:
    """A state item as JSON holds it (timestamps as ISO text), so stored and read states compare equal."""
    return value.isoformat() if isinstance(value, datetime) else value
