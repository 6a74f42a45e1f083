"""Migrations are the only way the schema is built; they must round-trip and match the models."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from catalog.db.engine import alembic_config, current_revision, make_engine, schema_is_current
from tests.conftest import BACKENDS, POSTGRES_PREFIX, POSTGRES_URL


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path, worker_id: str) -> Engine:
    """A database with nothing in it (a scratch PostgreSQL database per worker)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
    else:
        assert POSTGRES_URL is not None
        # Under the checkout's prefix, like the other test databases: two checkouts running the
        # suite on one server must not drop each other's scratch database.
        name = f"{POSTGRES_PREFIX}_migrations_{worker_id}"
        admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = make_engine(POSTGRES_URL.rsplit("/", 1)[0] + "/" + name)
    yield engine
    engine.dispose()


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    assert head is not None
    return head


def test_there_is_a_single_head():
    heads = ScriptDirectory.from_config(alembic_config(None)).get_heads()
    assert heads == [head_revision()]


def test_upgrade_downgrade_upgrade_round_trips(empty_engine: Engine):
    config = alembic_config(empty_engine)
    assert not schema_is_current(empty_engine)  # what makes `catalog` migrate a new database
    command.upgrade(config, "head")
    assert current_revision(empty_engine) == head_revision()
    assert schema_is_current(empty_engine)  # read without Alembic, from the shipped scripts
    command.downgrade(config, "-1")
    assert not schema_is_current(empty_engine)
    command.upgrade(config, "head")
    assert "hub_models" in inspect(empty_engine).get_table_names()
    command.downgrade(config, "base")
    assert current_revision(empty_engine) is None
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert current_revision(empty_engine) == head_revision()


def test_the_models_and_the_migrations_agree(empty_engine: Engine):
    config = alembic_config(empty_engine)
    command.upgrade(config, "head")
    command.check(config)  # raises if autogenerate would emit any operation


def test_unknown_counts_migration_keeps_counts_and_the_projection_follows(empty_engine: Engine):
    """e5a0c9d41b27: downloads/likes become nullable in hub_models and hub_model_search (on
    SQLite by editing the schema in place: no trigger may be lost), recorded values are kept."""
    from sqlalchemy import insert, select, update
    from sqlalchemy.exc import IntegrityError

    from catalog.db.engine import make_sessionmaker
    from catalog.db.tables import HubModel, HubModelSearch

    config = alembic_config(empty_engine)
    factory = make_sessionmaker(empty_engine)

    def counts() -> dict[str, tuple]:
        with factory() as session:
            rows = session.execute(select(HubModel.repo_id, HubModel.downloads, HubModel.likes,
                                          HubModelSearch.downloads, HubModelSearch.likes)
                                   .join(HubModelSearch, HubModelSearch.model_id == HubModel.id))
            return {r[0]: tuple(r[1:]) for r in rows}

    def add(repo_id: str, downloads: int | None, likes: int | None) -> None:
        # Core, naming its columns: the ORM class is today's table, with columns later revisions add.
        with factory.begin() as session:
            session.execute(insert(HubModel.__table__).values(repo_id=repo_id, downloads=downloads, likes=likes))

    command.upgrade(config, "7d3f1a2b9c55")
    add("a/counted", 5, 2)
    command.upgrade(config, "e5a0c9d41b27")
    assert counts() == {"a/counted": (5, 2, 5, 2)}
    add("a/unknown", None, None)
    with factory.begin() as session:  # the counters trigger still fires, with NULL too
        session.execute(update(HubModel).where(HubModel.repo_id == "a/counted").values(likes=None))
    assert counts() == {"a/counted": (5, None, 5, None), "a/unknown": (None, None, None, None)}
    with factory.begin() as session:  # and the full-text triggers are still there
        session.execute(update(HubModel).where(HubModel.repo_id == "a/unknown").values(author="zyx"))
    if empty_engine.dialect.name == "sqlite":
        with empty_engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM hub_models_fts WHERE hub_models_fts MATCH 'zyx'")) == 1

    command.downgrade(config, "7d3f1a2b9c55")  # the old schema cannot say "unknown": 0
    assert counts() == {"a/counted": (5, 0, 5, 0), "a/unknown": (0, 0, 0, 0)}
    with pytest.raises(IntegrityError):
        add("a/refused", None, 1)
    command.upgrade(config, "head")
    command.check(config)
