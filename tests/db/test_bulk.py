"""catalog.db.bulk writes the rows SQLAlchemy would have written (the sync's hot path relies on it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from catalog.db.bulk import insert_rows, update_rows
from catalog.db.tables import HubModel, ModelEvent

_ODD_VALUES = [
    {"a": [1, 2.5, None], "é": "naïve \U0001f600", "tab\there": "line\nbreak \\ back"},
    None,  # SQL NULL, not JSON null
    [],
    "a string",
    10**18,
]


def _stored(session: Session, table, order_by) -> list[tuple]:
    return [tuple(row) for row in session.execute(select(*[c for c in table.c if c.name != "id"]).order_by(order_by))]


def test_inserted_and_updated_rows_match_sqlalchemys(engine) -> None:
    when = [datetime(2024, 3, 5, 10, 11, 12, tzinfo=UTC), datetime(2024, 3, 5, 10, 11, 12, 7, tzinfo=timezone(timedelta(hours=-5))),
            datetime(2001, 1, 1, 0, 0), datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), None]
    with Session(engine) as session, session.begin():
        ids = []
        for prefix in ("core", "bulk"):
            models = [{"repo_id": f"{prefix}/m{i}", "tags": ["x", "license:mit"] if i % 2 else [], "private": bool(i % 2),
                       "card_data": value if isinstance(value, dict) else None, "hub_created_at": when[i],
                       "last_modified": when[-1 - i], "downloads": i,
                       "first_seen_at": when[0], "last_synced_at": when[1]} for i, value in enumerate(_ODD_VALUES)]
            if prefix == "core":
                session.execute(insert(HubModel.__table__), models)
            else:
                insert_rows(session, HubModel.__table__, models)
            ids.append(session.scalars(select(HubModel.id).where(HubModel.repo_id.like(f"{prefix}/%"))
                                       .order_by(HubModel.repo_id)).all())
        # Events left without "at" take the column's default, as SQLAlchemy would give them.
        for model_ids, write in ((ids[0], lambda rows: session.execute(insert(ModelEvent.__table__), rows)),
                                 (ids[1], lambda rows: insert_rows(session, ModelEvent.__table__, rows))):
            write([{"model_id": model_id, "kind": "license", "old": value, "new": _ODD_VALUES[-1 - i], "sha": None,
                    "sync_run_id": None} for i, (model_id, value) in enumerate(zip(model_ids, _ODD_VALUES, strict=True))])
        for model_ids, write in ((ids[0], lambda rows: session.execute(update(HubModel), rows)),
                                 (ids[1], lambda rows: update_rows(session, HubModel.__table__, rows))):
            write([{"id": model_id, "downloads": None, "card_data": value, "last_synced_at": when[i] or when[0]}
                   for i, (model_id, value) in enumerate(zip(model_ids, _ODD_VALUES, strict=True))])

        models = _stored(session, HubModel.__table__, HubModel.repo_id)
        core, bulk = models[: len(_ODD_VALUES)], models[len(_ODD_VALUES):]
        assert [row[1:] for row in bulk] == [row[1:] for row in core]  # all but the repo id
        events = session.execute(select(ModelEvent.old, ModelEvent.new, ModelEvent.at).order_by(ModelEvent.id)).all()
        assert [e[:2] for e in events[len(_ODD_VALUES):]] == [e[:2] for e in events[: len(_ODD_VALUES)]]
        assert all(e.at.tzinfo is not None for e in events)
        if engine.dialect.name == "sqlite":  # timestamps are stored as text there: the same text
            stored = session.execute(text("SELECT hub_created_at, last_synced_at FROM hub_models ORDER BY repo_id")).all()
            assert stored[len(_ODD_VALUES):] == stored[: len(_ODD_VALUES)]
