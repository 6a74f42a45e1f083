"""Renamed repositories: the Hub answers a former id with an HTTP 307 to the current one.

Code keeps using former ids for years (``bert-base-uncased`` became
``google-bert/bert-base-uncased``), so a sync that follows such a redirect carries the model
over to its new id and remembers the old one as an alias, which `catalog show`, the pages, the
API and `catalog check` then resolve.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.db.engine import utcnow
from catalog.db.tables import HubModel, ModelAlias, ModelEvent


def follow_rename(session: Session, old_id: str, new_id: str, *, run_id: int | None = None) -> None:
    """Carry a model held under ``old_id`` over to ``new_id`` (call before storing the new data).

    Held under the old id only, the row is renamed in place and keeps its history and flags;
    held under both, the old row is marked removed. Either way a ``renamed`` event is recorded.
    """
    old_row = session.scalar(select(HubModel).where(HubModel.repo_id == old_id))
    if old_row is None:
        return
    now = utcnow()
    if session.scalar(select(HubModel.id).where(HubModel.repo_id == new_id)) is None:
        old_row.repo_id = new_id
        old_row.author = new_id.split("/")[0] if "/" in new_id else None
    elif old_row.removed_at is None:
        old_row.removed_at = now
    session.add(ModelEvent(model_id=old_row.id, kind="renamed", old=old_id, new=new_id, sha=old_row.sha, at=now,
                           sync_run_id=run_id))
    session.flush()


def record_alias(session: Session, alias: str, repo_id: str) -> None:
    """Remember that the Hub redirects ``alias`` to the catalogued model ``repo_id``."""
    model_id = session.scalar(select(HubModel.id).where(HubModel.repo_id == repo_id))
    if model_id is None:
        return
    found = session.get(ModelAlias, alias)
    if found is None:
        session.add(ModelAlias(alias=alias, model_id=model_id))
    else:
        found.model_id, found.seen_at = model_id, utcnow()
    session.flush()
