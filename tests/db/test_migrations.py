"""Migrations are the only way the schema is built; they must round-trip and match the models."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from catalog.db.engine import alembic_config, current_revision, head_revision, make_engine
from tests.conftest import BACKENDS, POSTGRES_URL


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path, worker_id: str) -> Engine:
    """A database with nothing in it (a scratch PostgreSQL database per worker)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
    else:
        assert POSTGRES_URL is not None
        name = f"catalog_migrations_{worker_id}"
        admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = make_engine(POSTGRES_URL.rsplit("/", 1)[0] + "/" + name)
    yield engine
    engine.dispose()


def test_there_is_a_single_head():
    heads = ScriptDirectory.from_config(alembic_config(None)).get_heads()
    assert heads == [head_revision()]


def test_upgrade_downgrade_upgrade_round_trips(empty_engine: Engine):
    config = alembic_config(empty_engine)
    command.upgrade(config, "head")
    assert current_revision(empty_engine) == head_revision()
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
