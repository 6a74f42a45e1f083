"""Team decisions: append-only history, the current decision, staleness, expiry and the review queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from catalog.db.engine import transaction, utcnow
from catalog.db.tables import Flag, HubModel, Team
from catalog.teams.accounts import Actor, add_team, add_user
from catalog.teams.flags import FlagError, add_flag, model_flags, review_queue
from tests.factories import hub_item, load

SHA1, SHA2 = "1" * 40, "2" * 40


@pytest.fixture
def setup(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    load(factory, hub_item("acme/model", license="apache-2.0", sha=SHA1), hub_item("acme/other", license="mit"))
    with transaction(factory) as session:
        add_team(session, "ml", Actor("test"))
        add_team(session, "legal", Actor("test"))
        add_user(session, "rita", role="reviewer", team="ml", password="a long password", actor=Actor("test"))
    return factory


def flag(factory: sessionmaker[Session], repo_id: str, status: str, team: str = "ml", **kwargs) -> None:
    with transaction(factory) as session:
        model = session.scalar(select(HubModel).where(HubModel.repo_id == repo_id))
        group = session.scalar(select(Team).where(Team.name == team))
        add_flag(session, model, group, status, Actor("rita", address="10.0.0.1"), **kwargs)


def queue(factory: sessionmaker[Session], team: str = "ml") -> dict[str, list[str]]:
    with transaction(factory) as session:
        items = review_queue(session, session.scalar(select(Team).where(Team.name == team)))
    return {item["model"]: [r["code"] for r in item["reasons"]] for item in items}


def flags_of(factory: sessionmaker[Session], repo_id: str) -> dict:
    with transaction(factory) as session:
        return model_flags(session, session.scalar(select(HubModel).where(HubModel.repo_id == repo_id)))


def test_a_decision_records_the_revision_and_licenses_it_was_taken_at(setup) -> None:
    flag(setup, "acme/model", "approved")
    [current] = flags_of(setup, "acme/model")["current"]
    assert (current["revision"], current["license_ids"], current["stale"]) == (SHA1, ["apache-2.0"], False)


def test_decisions_append_and_each_team_has_its_own_current_one(setup) -> None:
    flag(setup, "acme/model", "needs-review")
    flag(setup, "acme/model", "approved")
    flag(setup, "acme/model", "banned", team="legal")
    flags = flags_of(setup, "acme/model")
    assert sorted((f["team"], f["status"]) for f in flags["current"]) == [("legal", "banned"), ("ml", "approved")]
    assert [f["status"] for f in flags["history"]] == ["banned", "approved", "needs-review"]


def test_an_approval_goes_stale_when_the_license_changes(setup) -> None:
    flag(setup, "acme/model", "approved")
    load(setup, hub_item("acme/model", license="cc-by-nc-4.0", sha=SHA2))
    assert flags_of(setup, "acme/model")["current"][0]["stale"] is True
    assert "stale-approval" in queue(setup)["acme/model"]


def test_a_ban_never_goes_stale(setup) -> None:
    flag(setup, "acme/model", "banned")
    load(setup, hub_item("acme/model", license="mit", sha=SHA2))
    assert flags_of(setup, "acme/model")["current"][0]["stale"] is False


def test_queue_holds_needs_review_new_findings_and_expiry(setup) -> None:
    flag(setup, "acme/model", "needs-review")
    flag(setup, "acme/other", "approved", expires_at=utcnow() + timedelta(days=3))
    assert queue(setup) == {"acme/model": ["needs-review"], "acme/other": ["expiring"]}
    # The weights become pickle-only: a warning the approval did not see.
    load(setup, hub_item("acme/other", license="mit", siblings=[{"rfilename": "pytorch_model.bin"}]))
    assert "new-findings" in queue(setup)["acme/other"]
    with transaction(setup) as session:
        session.execute(update(Flag).values(expires_at=utcnow() - timedelta(days=1)))
    assert "expired" in queue(setup)["acme/other"]
    assert queue(setup, team="legal") == {}


def test_settled_decisions_leave_the_queue(setup) -> None:
    flag(setup, "acme/model", "needs-review")
    flag(setup, "acme/model", "approved")
    assert queue(setup) == {}


@pytest.mark.parametrize(("status", "kwargs", "field"), [
    ("great", {}, "status"),
    ("approved-with-conditions", {}, "conditions"),
    ("approved", {"expires_at": utcnow() - timedelta(days=1)}, "expires"),
    ("approved", {"note": "x" * 5001}, "note"),
])
def test_invalid_decisions_are_refused(setup, status, kwargs, field) -> None:
    with pytest.raises(FlagError) as error:
        flag(setup, "acme/model", status, **kwargs)
    assert error.value.field == field
    assert flags_of(setup, "acme/model")["history"] == []
