"""What a sync run does beyond its pages: how it loads a first catalogue, and the models it no longer sees.

``catalog.crawl.sync`` walks the listing and calls these in its run's transactions.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from catalog.crawl.hub import ListingScope
from catalog.db import search_maintenance
from catalog.db.engine import utcnow
from catalog.db.tables import HubModel, ModelEvent, SyncRun


def bulk_load(session: Session, run: SyncRun, resumed: bool, allowed: bool) -> bool:
    """Whether ``run`` fills the catalogue with search upkeep suspended (see catalog.db.search_maintenance).

    A new run on an empty catalogue suspends it, in the transaction that opens the run; a
    resumed one that had suspended it goes on so. Upkeep suspended by any other run (killed
    during a first load) is restored first, so this run writes with the triggers in place.
    """
    holder = search_maintenance.suspended_by(session)
    if holder is not None:
        if resumed and holder == run.id:
            return True
        search_maintenance.restore(session)
        return False
    if not allowed or resumed or session.scalar(select(HubModel.id).limit(1)) is not None:
        return False
    search_maintenance.suspend(session, run.id)
    return True


def mark_removed(session: Session, run: SyncRun, scope: ListingScope) -> None:
    """Mark every model of the run's scope that the walk did not see as removed (never delete)."""
    query = select(HubModel.id, HubModel.repo_id, HubModel.tags, HubModel.sha).where(
        HubModel.removed_at.is_(None),
        (HubModel.last_seen_run_id != run.id) | HubModel.last_seen_run_id.is_(None),
    )
    if scope.authors:
        query = query.where(HubModel.author.in_(scope.authors))
    now = utcnow()
    gone = []
    for row in session.execute(query):
        if scope.search and scope.search.lower() not in row.repo_id.lower():
            continue
        if scope.filters and not set(scope.filters) <= set(row.tags or []):
            continue
        gone.append(row)
    if not gone:
        return
    session.execute(update(HubModel), [{"id": r.id, "removed_at": now} for r in gone])
    session.execute(insert(ModelEvent), [{"model_id": r.id, "kind": "removed", "old": None, "new": None,
                                          "sha": r.sha, "at": now, "sync_run_id": run.id} for r in gone])
    run.removed += len(gone)
