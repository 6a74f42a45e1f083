"""Shared fixtures: migrated databases (SQLite always, PostgreSQL when configured) and a
Hub-compatible server on 127.0.0.1 serving real recorded metadata."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from catalog.db.engine import make_engine, make_sessionmaker, upgrade
from catalog.db.tables import Base

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(os.environ.get("CATALOG_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
POSTGRES_URL = os.environ.get("CATALOG_TEST_POSTGRES_URL")
# Per-worker databases are named <prefix>_<worker>; give each checkout its own prefix to run two
# test suites on one PostgreSQL server at once.
POSTGRES_PREFIX = os.environ.get("CATALOG_TEST_POSTGRES_PREFIX", "catalog_test")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def recorded_models() -> list[dict]:
    """Real model_info bodies recorded from the Hub (tests/fixtures/hub, Apache-2.0)."""
    return [json.loads(p.read_text()) for p in sorted((FIXTURES / "hub").glob("*.json"))]


def _worker_database(worker: str) -> str:
    """One PostgreSQL database per xdist worker, so parallel tests never share rows."""
    assert POSTGRES_URL is not None
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"{POSTGRES_PREFIX}_{worker}"
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def migrated_engines(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[dict[str, Engine]]:
    """Engines whose schema was built by running the migrations (never create_all)."""
    engines: dict[str, Engine] = {}
    sqlite_path = tmp_path_factory.mktemp("db") / "catalog.db"
    engines["sqlite"] = make_engine(f"sqlite:///{sqlite_path}")
    if POSTGRES_URL:
        engine = make_engine(_worker_database(worker_id))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engines["postgresql"] = engine
    for engine in engines.values():
        upgrade(engine)
    yield engines
    for engine in engines.values():
        engine.dispose()


def _empty(engine: Engine) -> None:
    from catalog.db import search_maintenance

    with Session(engine) as session, session.begin():
        search_maintenance.restore(session)  # a test that stopped during a bulk load left it suspended
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
            if conn.scalar(text("SELECT name FROM sqlite_master WHERE name = 'hub_models_fts'")):
                conn.execute(text("DELETE FROM hub_models_fts"))


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, migrated_engines: dict[str, Engine]) -> Engine:
    """A migrated, empty database: SQLite, and PostgreSQL when CATALOG_TEST_POSTGRES_URL is set."""
    engine = migrated_engines[request.param]
    _empty(engine)
    return engine


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory on the test database (code under test commits through it)."""
    return make_sessionmaker(engine)


@pytest.fixture
def db_url(engine: Engine) -> str:
    """The URL of the test database, for code that builds its own engine (CLI, app)."""
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def app(engine: Engine):
    """The web application on the test database, readable without signing in."""
    from catalog.config import Settings
    from catalog.web.app import create_app

    return create_app(Settings(database_url="sqlite://", public_read=True, secret_key="test-secret-key"), engine=engine)


@pytest.fixture
def client(app):
    """A TestClient of :func:`app` (HTML by default; send Accept: application/json for JSON)."""
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client
