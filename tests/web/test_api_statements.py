"""How many SQL statements one API request runs: a request's cost at team scale is mostly its
round trips to the database, so the count is held to what the record needs (issue 17).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from catalog.db.engine import make_engine, transaction
from catalog.db.tables import Team
from catalog.facts.resolve import find_model
from catalog.teams.accounts import Actor
from catalog.teams.flags import add_flag
from tests.factories import hub_item, load
from tests.web.test_api import make_app

# The model with its bases, findings, license files, history and derivatives in one statement (which
# also resolves an id written as stored); its flags with their teams and authors in another.
MAX_STATEMENTS = 2


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` runs inside the block (BEGIN/COMMIT are not statements)."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def lineage(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    load(factory,
         hub_item("meta/base-model", license="llama3.1", downloads=900),
         hub_item("acme/finetune", license="apache-2.0", card={"base_model": "meta/base-model"},
                  downloads=500),
         hub_item("acme/other-finetune", license="mit", card={"base_model": "meta/base-model"},
                  downloads=5),
         hub_item("solo/no-license", license=None),
         hub_item("acme/grand-finetune", license="apache-2.0", card={"base_model": "acme/finetune"}, downloads=1))
    with transaction(factory) as session:
        team = Team(name="ml")
        session.add(team)
        session.flush()
        add_flag(session, find_model(session, "acme/finetune"), team, "approved", Actor(name="t"))
    return factory


@pytest.mark.parametrize(("repo_id", "most"), [
    ("meta/base-model", MAX_STATEMENTS), ("solo/no-license", MAX_STATEMENTS),
    # Catalogued ancestors add one, however many generations: their facts (the obligations a base
    # passes down come from them), read up the chain by one recursive statement.
    ("acme/finetune", MAX_STATEMENTS + 1), ("acme/grand-finetune", MAX_STATEMENTS + 1),
    # A bare name misses as an id first, then goes through the resolver's other steps (another case,
    # a former id, the name without its org: a scan, it cannot use the index) and is read by row id.
    ("finetune", MAX_STATEMENTS + 1 + 4),
])
def test_model_record_statements_are_bounded(db_url: str, lineage, repo_id: str, most: int) -> None:
    engine = make_engine(db_url)
    app = make_app(db_url, public_read=True)
    app.state.engine = engine
    from catalog.db.engine import make_sessionmaker

    app.state.sessionmaker = make_sessionmaker(engine)
    with TestClient(app) as client:
        client.get(f"/api/v1/models/{repo_id}")  # warm: the first request may read the signing key etc.
        with counted(engine) as statements:
            response = client.get(f"/api/v1/models/{repo_id}")
    assert response.status_code == 200, response.text[:300]
    assert len(statements) <= most, "\n\n".join(statements)
    record = response.json()
    if record["id"] == "acme/finetune":  # the record is whole: lineage, obligations, flags
        assert record["base_models"][0]["id"] == "meta/base-model" and record["base_models"][0]["in_catalogue"]
        assert any(o["inherited_from"] == "meta/base-model" for o in record["obligations"])
        assert [f["team"] for f in record["flags"]["current"]] == ["ml"]
    if record["id"] == "acme/grand-finetune":  # two generations up
        assert any(o["inherited_from"] == "meta/base-model" for o in record["obligations"])
    if record["id"] == "meta/base-model":
        assert record["derivatives"] == ["acme/finetune", "acme/other-finetune"]
