"""Store one page of listing items: upsert what changed, record events, derive what it touched.

The write half of a sync (``catalog.crawl.sync`` walks the Hub and owns runs and transactions): a page
of parsed items becomes rows, events, base-model links, formats, findings and, for models the
Hub renamed, aliases. Replaying a page is harmless: rows are upserted by repo id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from catalog.crawl.ingest import InvalidItem, ParsedModel, parse_item
from catalog.crawl.license_files import checked_when_written
from catalog.crawl.renames import follow_rename, record_alias
from catalog.db import marks
from catalog.db.bulk import insert_rows, update_rows
from catalog.db.engine import utcnow
from catalog.db.tables import BaseModelLink, HubModel, ModelEvent, ModelFormat, SyncRun
from catalog.facts.derive import derive_page, derived_columns
from catalog.facts.loader import FactsLoader, resolve_declared
from catalog.licenses import KnowledgeBase, Resolution, knowledge_base

# Run problems are for a person to read; a run over a broken Hub must not grow without bound.
_MAX_RUN_PROBLEMS = 200


def store_page(session: Session, run: SyncRun, items: list[Any], *, incremental_after: datetime | None,
               loader: FactsLoader | None = None, followed: Sequence[tuple[str, str]] = ()) -> bool:
    """Upsert one page of Hub items and re-derive what it changed; counts go to ``run``.

    Returns whether an incremental walk can stop here (it met a model held unchanged that is
    older than ``incremental_after``). ``followed`` lists the (old id, new id) renames the caller
    already carried over (a redirect it followed): their old ids become aliases, and the models
    naming an old id as a base are re-derived.

    ``loader`` is the run's cache of model facts (bases looked up for lineage); a fresh one if None.
    """
    now = utcnow()
    kb = knowledge_base()
    # The page writes each model's masks once, after its formats and findings (catalog.db.marks).
    marks.defer(session)
    if loader is None:
        loader = FactsLoader(session)
    loader.session = session
    loader.trim()
    parsed: dict[str, ParsedModel] = {}
    for item in items:
        try:
            model = parse_item(item)
        except InvalidItem as exc:
            run.failed += 1
            add_problem(run, {"problem": str(exc)})
            continue
        parsed[model.repo_id] = model
    run.seen += len(items)
    existing = _existing(session, list(parsed))
    renamed = [*followed, *_renamed_in_listing(session, run, parsed, existing)]
    if renamed:
        loader.forget([old_id for old_id, _ in renamed])
        existing.update(_existing(session, [new_id for _, new_id in renamed]))
    new_rows, changed_rows, seen_rows, events = [], [], [], []
    resolutions: dict[str, Resolution] = {}
    stop = False
    for repo_id, model in parsed.items():
        old = existing.get(repo_id)
        if old is not None and old.content_hash == model.content_hash and old.removed_at is None:
            # Its malformed fields were reported when it was stored and stay in its `problems`:
            # a sync where nothing changed has nothing new to say about them.
            run.unchanged += 1
            # The Hub's _id is left out of the change hash; rows stored before it was kept get it here.
            seen_rows.append({"id": old.id, "downloads": model.downloads, "likes": model.likes,
                              "hub_object_id": model.hub_object_id, "last_synced_at": now,
                              "last_seen_run_id": run.id})
            if incremental_after is not None and model.last_modified is not None and model.last_modified <= incremental_after:
                stop = True
            continue
        if model.problems:
            add_problem(run, {"model": repo_id, "fields": [p["field"] for p in model.problems]})
        resolution = resolutions[repo_id] = resolve_declared(
            model.license_raw, model.license_name_raw, model.license_link_raw, model.license_tags)
        row = row_for(model, now, run.id, resolution, kb)
        if old is None:
            new_rows.append(row)
            continue
        run.updated += 1
        del row["first_seen_at"]
        changed_rows.append({"id": old.id, **row, "removed_at": None})
        events += _events(old, model, now, run.id)
    ids: dict[str, int] = {}
    if new_rows:
        run.new += len(new_rows)
        # A plain executemany and one SELECT for the ids: RETURNING over an ORM bulk insert
        # costs more than the rest of the page's ingestion together (catalog.db.bulk binds the rows).
        insert_rows(session, HubModel.__table__, new_rows)
        ids = dict(session.execute(
            select(HubModel.repo_id, HubModel.id).where(HubModel.repo_id.in_([r["repo_id"] for r in new_rows]))
        ).all())
    if changed_rows:
        update_rows(session, HubModel.__table__, changed_rows)
        changed_ids = [r["id"] for r in changed_rows]
        session.execute(delete(BaseModelLink).where(BaseModelLink.model_id.in_(changed_ids)))
        session.execute(delete(ModelFormat).where(ModelFormat.model_id.in_(changed_ids)))
        ids.update({r["repo_id"]: r["id"] for r in changed_rows})
    if seen_rows:
        update_rows(session, HubModel.__table__, seen_rows)
    links = [{"model_id": ids[rid], "base_repo_id": b, "relation": rel, "source": src}
             for rid in ids for b, rel, src in parsed[rid].bases]
    formats = [{"model_id": ids[rid], "format": f} for rid in ids for f in parsed[rid].formats]
    if links:
        insert_rows(session, BaseModelLink.__table__, links)
    if formats:
        insert_rows(session, ModelFormat.__table__, formats)
    if events:
        insert_rows(session, ModelEvent.__table__, events)
    _advance_high_water(run, parsed.values())
    for old_id, new_id in followed:  # before deriving: lineage reaches renamed bases through them
        record_alias(session, old_id, new_id)
    derive_page(session, loader, {ids[rid]: (parsed[rid], resolutions[rid]) for rid in ids},
                changed_ids=[r["id"] for r in changed_rows], kb=kb, former_ids=[old for old, _ in renamed])
    marks.touch(session, ids.values())  # their formats
    marks.resume(session)
    return stop


def _existing(session: Session, repo_ids: list[str]) -> dict[str, Any]:
    """What the catalogue holds of these models, by repo id: what change detection compares."""
    return {
        row.repo_id: row
        for row in session.execute(
            select(HubModel.id, HubModel.repo_id, HubModel.content_hash, HubModel.removed_at, HubModel.sha,
                   HubModel.license_raw, HubModel.license_name_raw, HubModel.license_link_raw, HubModel.license_tags,
                   HubModel.parameters_total, HubModel.parameters_source, HubModel.gated)
            .where(HubModel.repo_id.in_(repo_ids))
        )
    }


def _renamed_in_listing(session: Session, run: SyncRun, parsed: dict[str, ParsedModel],
                        existing: dict[str, Any]) -> list[tuple[str, str]]:
    """Models of the page held under another repo id with the same Hub ``_id``: renamed ones.

    Each is carried over to its new id (see :func:`follow_rename`) and its old id kept as an
    alias. Returns the (old id, new id) pairs.
    """
    unknown = {m.hub_object_id: repo_id for repo_id, m in parsed.items()
               if repo_id not in existing and m.hub_object_id is not None}
    if not unknown:
        return []
    renamed = []
    for old_id, object_id in session.execute(
        select(HubModel.repo_id, HubModel.hub_object_id).where(HubModel.hub_object_id.in_(list(unknown)))
    ).all():
        new_id = unknown[object_id]
        add_problem(run, {"model": old_id, "renamed_to": new_id})
        follow_rename(session, old_id, new_id, run_id=run.id)
        record_alias(session, old_id, new_id)
        renamed.append((old_id, new_id))
    return renamed


def row_for(model: ParsedModel, now: datetime, run_id: int, resolution: Resolution, kb: KnowledgeBase) -> dict[str, Any]:
    """The ``hub_models`` row of a parsed model: what the Hub declared beside what was derived."""
    row = model.columns()
    row.update(first_seen_at=now, last_synced_at=now, last_seen_run_id=run_id)
    row.update(derived_columns(resolution, kb))
    row["license_files_checked"] = checked_when_written(resolution.status, model.sha)
    return row


def _license_fields(row: Any) -> dict[str, Any]:
    return {"license": row.license_raw, "license_name": row.license_name_raw,
            "license_link": row.license_link_raw, "tags": list(row.license_tags or [])}


def _events(old: Any, new: ParsedModel, now: datetime, run_id: int) -> list[dict[str, Any]]:
    pairs = {
        "license": (_license_fields(old), _license_fields(new)),
        "sha": (old.sha, new.sha),
        "parameters": ({"total": old.parameters_total, "source": old.parameters_source},
                       {"total": new.parameters_total, "source": new.parameters_source}),
        "gated": (old.gated, new.gated),
    }
    events = [{"model_id": old.id, "kind": kind, "old": before, "new": after, "sha": new.sha, "at": now,
               "sync_run_id": run_id}
              for kind, (before, after) in pairs.items() if before != after]
    if old.removed_at is not None:
        events.append({"model_id": old.id, "kind": "restored", "old": None, "new": None, "sha": new.sha, "at": now,
                       "sync_run_id": run_id})
    return events


def _advance_high_water(run: SyncRun, models: Iterable[ParsedModel]) -> None:
    newest = max((m.last_modified for m in models if m.last_modified is not None), default=None)
    if newest is not None and (run.high_water is None or newest > run.high_water):
        run.high_water = newest


def add_problem(run: SyncRun, problem: dict[str, Any]) -> None:
    """Record a problem (or notice, such as a rename) on the run, up to a bound."""
    if len(run.problems) < _MAX_RUN_PROBLEMS:
        run.problems = [*run.problems, problem]
