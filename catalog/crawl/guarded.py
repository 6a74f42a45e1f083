"""Storing a page so that one bad item never costs another: the page whole, else item by item.

``catalog.crawl.sync`` calls :func:`store_guarded` for every page it walks, every model it fetches
by name and every import; ``catalog.crawl.store`` does the writing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from catalog.crawl.store import add_problem, store_page
from catalog.db.engine import transaction
from catalog.db.jsontext import clean_text
from catalog.db.tables import SyncRun
from catalog.facts.loader import FactsLoader

log = logging.getLogger(__name__)

# The database itself is gone or busy: no item is to blame, the run stops resumably.
UNREACHABLE = (OperationalError, InterfaceError)


def store_guarded(factory: sessionmaker[Session], run_id: int, items: list[Any],
                  finish: Callable[[SyncRun, bool], None], *, loader: FactsLoader | None = None,
                  incremental_after: datetime | None, followed: Sequence[tuple[str, str]] = ()) -> None:
    """Store a page in one transaction with ``finish`` (which moves the run's position on).

    Ingest bounds every field, so a page normally commits whole. Should the database still
    refuse it, the page is stored again item by item, each in a savepoint: an item the database
    refuses is counted as failed with its id and the database's reason, and the others commit
    with the run's position. One bad item never costs another model nor stops the run. A
    database that cannot be reached at all (connection lost, locked) is not an item's fault: it
    propagates and the run stays resumable from its last committed page.
    """
    try:
        with transaction(factory) as session:
            run = session.get_one(SyncRun, run_id)
            finish(run, store_page(session, run, items, incremental_after=incremental_after, loader=loader,
                                   followed=followed))
            return
    except UNREACHABLE:
        raise
    except Exception as exc:  # noqa: BLE001 -- retried item by item below, each failure recorded
        log.warning("a page failed to store (%s); storing its %d items one by one", failure_reason(exc), len(items))
    if loader is not None:
        loader.clear()  # it may hold facts read in the rolled-back transaction
    with transaction(factory) as session:
        run = session.get_one(SyncRun, run_id)
        stop = False
        for item in items:
            try:
                with session.begin_nested():
                    stop = store_page(session, run, [item], incremental_after=incremental_after, loader=loader,
                                      followed=followed) or stop
            except UNREACHABLE:
                raise
            except Exception as exc:  # noqa: BLE001 -- recorded as this item's failure; the page goes on
                if loader is not None:
                    loader.clear()
                session.refresh(run)  # its counts as of the last savepoint that held
                run.seen += 1
                run.failed += 1
                add_problem(run, {"model": _item_id(item), "problem": f"not stored: {failure_reason(exc)}"})
        finish(run, stop)


def failure_reason(exc: BaseException) -> str:
    """One line for a person: the exception's type and the first line of its (or its driver's) message."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return clean_text(f"{type(exc).__name__}: {text[0] if text else ''}")[:300]


def _item_id(item: Any) -> str | None:
    repo_id = item.get("id") or item.get("modelId") if isinstance(item, dict) else None
    return clean_text(repo_id)[:200] if isinstance(repo_id, str) else None
