"""Ingest: walk the Hub's model listing into the database, one page per transaction.

A run stores its position (the ``Link`` cursor of the next page) in the same transaction as
the page it just ingested. A killed run therefore resumes from the last committed page, and
replaying a page is harmless because ingestion is an idempotent upsert keyed by repo id.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from catalog.crawl.guarded import failure_reason, store_guarded
from catalog.crawl.hub import HubClient, ListingPage, ListingScope
from catalog.crawl.ingest import ParsedModel, usable_repo_id
from catalog.crawl.lock import sync_lock
from catalog.crawl.problems import parse_timestamp
from catalog.crawl.renames import follow_rename
from catalog.crawl.runs import bulk_load, mark_removed
from catalog.crawl.store import add_problem, row_for
from catalog.db import search_maintenance
from catalog.db.engine import LOOKUP_COLUMNS, refresh_statistics, transaction, utcnow
from catalog.db.tables import HubModel, SyncRun
from catalog.errors import HubError
from catalog.facts.derive import derive_models
from catalog.facts.loader import FactsLoader, resolve_declared
from catalog.licenses import knowledge_base
from catalog.memory import fewer_collections

log = logging.getLogger(__name__)

# Rows written by a run after which the planner's statistics are refreshed (see refresh_statistics).
_ANALYZE_AFTER = 10_000
# While a run writes, PostgreSQL's statistics are refreshed each time the rows it wrote pass the
# next of these marks (1,000, 10,000, 100,000, ...): a planner that knows no statistics of a growing
# table takes a page's IN list of 500 ids for most of it and scans it whole (seen: 15 - 20 ms a
# lookup at 100k rows instead of 0.1 ms, 4.8 s of a first load of 100k). Ten times apart, the
# ANALYZEs cost a bounded share of the load (each samples at most 30,000 rows a table).
_FIRST_ANALYZE = 1_000


@dataclass(frozen=True)
class SyncOptions:
    """What one `catalog sync` walks."""

    authors: tuple[str, ...] = ()
    search: str | None = None
    filters: tuple[str, ...] = ()
    limit: int | None = None
    full: bool = False
    page_size: int = 500
    bulk_load: bool = True  # a first load suspends search upkeep and rebuilds it at the end

    @property
    def listing(self) -> ListingScope:
        return ListingScope(authors=tuple(sorted(self.authors)), search=self.search, filters=tuple(sorted(self.filters)))

    def scope(self) -> dict[str, Any]:
        s = self.listing
        return {"authors": list(s.authors), "search": s.search, "filters": list(s.filters),
                "limit": self.limit, "full": self.full}

    def scope_key(self) -> str:
        """Identifies the models a run covers (not how: full and limit are matched separately)."""
        s = self.listing
        raw = json.dumps([s.authors, s.search, s.filters])
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class SyncSummary:
    """The outcome of a run, printed by the CLI and recorded in ``sync_runs``."""

    run_id: int
    status: str
    resumed: bool
    seen: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    pages: int = 0
    elapsed: float = 0.0
    error: str | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def models_per_second(self) -> float:
        return self.seen / self.elapsed if self.elapsed > 0 else 0.0


ProgressFn = Callable[[SyncSummary, int], None]  # (running totals, items in the page just ingested)


def run_sync(
    factory: sessionmaker[Session], client: HubClient, options: SyncOptions, *, progress: ProgressFn | None = None
) -> SyncSummary:
    """Walk the listing for ``options``, resuming an interrupted run of the same scope.

    Never raises for Hub trouble: a run the Hub would not let finish ends ``failed`` with
    its error and a resumable position; the next run with the same scope continues it.

    Raises:
        SyncAlreadyRunning: another process is syncing the same scope (nothing was changed).
    """
    scope = options.listing
    parts = ([f"authors {', '.join(scope.authors)}"] if scope.authors else []) + \
        ([f"search {scope.search!r}"] if scope.search else []) + \
        ([f"filters {', '.join(scope.filters)}"] if scope.filters else [])
    with sync_lock(factory.kw["bind"], options.scope_key(), "; ".join(parts) or "the whole Hub"), fewer_collections():
        return _run_sync(factory, client, options, progress=progress)


def _run_sync(
    factory: sessionmaker[Session], client: HubClient, options: SyncOptions, *, progress: ProgressFn | None = None
) -> SyncSummary:
    started = time.monotonic()
    with transaction(factory) as session:
        run, resumed, high_water = _open_run(session, options)
        bulk = bulk_load(session, run, resumed, options.bulk_load)
    summary = SyncSummary(run_id=run.id, status="running", resumed=resumed)
    _copy_counts(run, summary)
    queries = options.listing.queries()
    position = json.loads(run.cursor) if run.cursor else {"query": 0, "path": None}
    # The next page is fetched while the current one is ingested: the wire and the database
    # then overlap instead of adding up. The cursor still advances only after a commit.
    prefetch = ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalog-prefetch")
    loader = FactsLoader()
    pending: tuple[str, Future[ListingPage]] | None = None
    interrupted = False
    next_analyze = _FIRST_ANALYZE
    try:
        def more() -> bool:
            return position["query"] < len(queries) and (options.limit is None or summary.seen < options.limit)

        def analysed_at_end(written: int) -> bool:  # the end of a completed run: every table
            return bulk or written >= _ANALYZE_AFTER

        while more():
            query = queries[position["query"]]
            path = position["path"] or client.first_page_path(query, page_size=options.page_size, sort="lastModified")
            if pending is None or pending[0] != path:
                pending = (path, prefetch.submit(client.list_page, path))
            page = pending[1].result()
            incremental_after = None if options.full else high_water
            # Fetch ahead only a page the walk will certainly ask for: a sync where nothing
            # changed then makes one request, not two (the Hub's rate limit counts both).
            ahead = page.next_path and not may_stop_on(page.items, incremental_after)
            pending = (page.next_path, prefetch.submit(client.list_page, page.next_path)) if ahead else None
            items = page.items
            if options.limit is not None:
                items = items[: options.limit - summary.seen]
            def advance(run: SyncRun, stop: bool, page: ListingPage = page) -> None:
                nonlocal position
                done = stop or page.next_path is None
                position = {"query": position["query"] + 1, "path": None} if done else {**position, "path": page.next_path}
                run.cursor = json.dumps(position)
                run.pages += 1
                _copy_counts(run, summary)

            store_guarded(factory, run.id, items, advance, loader=loader, incremental_after=incremental_after)
            written = summary.new + summary.updated
            # Not after the last page when the run's end refreshes every table anyway (below).
            if written >= next_analyze and (more() or not analysed_at_end(written)):
                with transaction(factory) as session:
                    refresh_statistics(session, LOOKUP_COLUMNS)
                next_analyze = max(next_analyze * 10, written)
            if progress is not None:
                progress(summary, len(items))
        with transaction(factory) as session:
            run = session.get_one(SyncRun, run.id)
            if options.full and options.limit is None:
                mark_removed(session, run, options.listing)
            run.status, run.cursor, run.finished_at = "completed", None, utcnow()
            _copy_counts(run, summary)
            if bulk:
                search_maintenance.restore(session)
            if analysed_at_end(run.new + run.updated):
                refresh_statistics(session)
    except HubError as exc:
        with transaction(factory) as session:
            run = session.get_one(SyncRun, run.id)
            run.status, run.error, run.finished_at = "failed", str(exc), utcnow()
            _copy_counts(run, summary)
            if bulk:  # search serves what was loaded until the run is resumed (with triggers then)
                search_maintenance.restore(session)
    except BaseException as exc:
        # Ctrl-C (or an unexpected error): the page being written was rolled back; the run ends
        # here, resumable from the last committed page, instead of staying "running" for ever.
        interrupted = True
        _fail_run(factory, run.id, exc)
        raise
    finally:
        # After Ctrl-C the user should not wait for a page fetch nobody will read.
        prefetch.shutdown(wait=not interrupted, cancel_futures=True)
    summary.status = run.status
    summary.error = run.error
    summary.elapsed = time.monotonic() - started
    return summary


def sync_models(factory: sessionmaker[Session], client: HubClient, repo_ids: Iterable[str]) -> SyncSummary:
    """Fetch named models one by one (``catalog sync --model``, ``catalog check --fetch-missing``).

    Gated, private and deleted repositories are recorded as such, never fatal.
    """
    started = time.monotonic()
    repo_ids = list(dict.fromkeys(repo_ids))
    with transaction(factory) as session:
        search_maintenance.restore(session)  # after a first load that was killed
        run = SyncRun(scope={"models": repo_ids}, scope_key="models", full=False)
        session.add(run)
        session.flush()
    summary = SyncSummary(run_id=run.id, status="running", resumed=False)
    try:
        for repo_id in repo_ids:
            lookup = client.model_info(repo_id)
            if lookup.data is not None:
                _store_named(factory, run.id, repo_id, lookup.data, summary)
            else:
                with transaction(factory) as session:
                    run = session.get_one(SyncRun, run.id)
                    _record_access(session, run, repo_id, lookup.status)
                    _copy_counts(run, summary)
        with transaction(factory) as session:
            run = session.get_one(SyncRun, run.id)
            run.status, run.finished_at = "completed", utcnow()
    except HubError as exc:
        with transaction(factory) as session:
            run = session.get_one(SyncRun, run.id)
            run.status, run.error, run.finished_at = "failed", str(exc), utcnow()
    except BaseException as exc:
        _fail_run(factory, run.id, exc)
        raise
    summary.status, summary.error = run.status, run.error
    summary.elapsed = time.monotonic() - started
    return summary


def ingest_items(factory: sessionmaker[Session], items: list[Any], *, scope_key: str = "import") -> SyncSummary:
    """Ingest Hub-shaped items that did not come over HTTP (a file import, test data).

    The same code path as a crawl: parsing, events, derivation; recorded as a sync run.
    """
    started = time.monotonic()
    with transaction(factory) as session:
        search_maintenance.restore(session)  # after a first load that was killed
        run = SyncRun(scope={"import": len(items)}, scope_key=scope_key)
        session.add(run)
        session.flush()
    summary = SyncSummary(run_id=run.id, status="running", resumed=False)

    def finish(run: SyncRun, _stop: bool) -> None:
        run.pages, run.status, run.finished_at = 1, "completed", utcnow()
        _copy_counts(run, summary)

    store_guarded(factory, run.id, items, finish, incremental_after=None)
    summary.status = "completed"
    summary.elapsed = time.monotonic() - started
    return summary


def may_stop_on(items: list[Any], incremental_after: datetime | None) -> bool:
    """Whether an incremental walk may stop on this page of the listing (newest change first).

    It stops at a model held unchanged that was last modified at or before the previous run's
    high-water mark (see ``store_page``), so a page none of whose models is that old cannot end it.
    """
    if incremental_after is None:
        return False
    for item in items:
        modified = parse_timestamp(item.get("lastModified")) if isinstance(item, dict) else None
        if modified is not None and modified <= incremental_after:
            return True
    return False


def _store_named(factory: sessionmaker[Session], run_id: int, repo_id: str, data: dict[str, Any],
                 summary: SyncSummary) -> None:
    """Store one model fetched by name, following a rename the Hub redirected to."""
    current = data.get("id")  # model_info answers an object or raises
    renamed = isinstance(current, str) and current != repo_id and usable_repo_id(current)

    def finish(run: SyncRun, _stop: bool) -> None:
        _copy_counts(run, summary)

    if renamed:
        with transaction(factory) as session:
            run = session.get_one(SyncRun, run_id)
            add_problem(run, {"model": repo_id, "renamed_to": current})
            follow_rename(session, repo_id, current, run_id=run.id)
    store_guarded(factory, run_id, [data], finish, incremental_after=None,
                  followed=[(repo_id, current)] if renamed else ())


INTERRUPTED = "interrupted (Ctrl-C)"


def _fail_run(factory: sessionmaker[Session], run_id: int, exc: BaseException) -> None:
    """Leave no run ``running`` after an unexpected stop (Ctrl-C, a bug, the database gone): it
    ends failed, resumable from its last committed page."""
    error = INTERRUPTED if isinstance(exc, KeyboardInterrupt) else f"stopped: {failure_reason(exc)}"
    try:
        with transaction(factory) as session:
            run = session.get_one(SyncRun, run_id)
            if run.status == "running":
                run.status, run.error, run.finished_at = "failed", error, utcnow()
    except Exception:  # the original error is what the caller must see
        log.exception("could not mark sync run %d failed", run_id)


def _open_run(session: Session, options: SyncOptions) -> tuple[SyncRun, bool, datetime | None]:
    key = options.scope_key()
    scope = options.scope()
    unfinished = session.scalars(
        select(SyncRun).where(SyncRun.scope_key == key, SyncRun.status.in_(("running", "failed"))).order_by(SyncRun.id.desc())
    ).first()
    high_water = session.scalar(
        select(SyncRun.high_water).where(SyncRun.scope_key == key, SyncRun.status == "completed").order_by(SyncRun.id.desc())
    )
    if unfinished is not None and unfinished.scope == scope:
        unfinished.status, unfinished.error = "running", None
        return unfinished, True, high_water
    run = SyncRun(scope=scope, scope_key=key, full=options.full)
    session.add(run)
    session.flush()
    return run, False, high_water


def _record_access(session: Session, run: SyncRun, repo_id: str, status: str) -> None:
    """A model the Hub would not show (gated/private/missing): remember that, keep what we had.

    A gated or private model exists, so an unknown one gets a stub row saying so (a CI check
    can then report "gated, accept the terms" instead of "not in catalogue"); a missing one
    does not, so that typos never enter the catalogue.
    """
    run.seen += 1
    run.failed += 1
    text = "not found on the Hub (HTTP 404: mistyped, deleted, or private)" if status == "missing" \
        else f"Hub answered {status}"
    add_problem(run, {"model": repo_id, "problem": text, "access": status})
    now = utcnow()
    model_id = session.scalar(select(HubModel.id).where(HubModel.repo_id == repo_id))
    if model_id is not None:
        session.execute(update(HubModel).where(HubModel.id == model_id).values(access=status, last_synced_at=now))
    elif status in ("gated", "private"):
        stub = ParsedModel(repo_id=repo_id, author=repo_id.split("/")[0] if "/" in repo_id else None,
                           gated="manual" if status == "gated" else "false", private=status == "private")
        resolution = resolve_declared(None, None, None, ())
        row = {**row_for(stub, now, run.id, resolution, knowledge_base()), "access": status, "content_hash": None}
        model_id = session.execute(insert(HubModel).returning(HubModel.id), [row]).scalar_one()
        derive_models(session, [model_id])


def _copy_counts(run: SyncRun, summary: SyncSummary) -> None:
    for name in ("seen", "new", "updated", "unchanged", "removed", "failed", "pages"):
        setattr(summary, name, getattr(run, name))
    summary.problems = list(run.problems)
