"""How a server's connections run statements: one that runs past CATALOG_QUERY_TIMEOUT is stopped
and answered in one line (503, query_timeout), on both engines, and the server goes on answering;
on PostgreSQL each execution is planned for its values. Each test builds its own engine: these
settings must not reach the suite's shared ones."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from catalog.config import Settings
from catalog.web import pages
from catalog.web.app import create_app

# A statement that runs for seconds on either engine.
SLOW = {
    "postgresql": "SELECT pg_sleep(5)",
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000000) SELECT count(*) FROM n",
}


@pytest.fixture
def limited(db_url: str):
    if ":memory:" in db_url:
        pytest.skip("needs a database the test's own engine can open")
    app = create_app(Settings(database_url=db_url, public_read=True, secret_key="test", query_timeout=0.3))
    with TestClient(app) as client:
        yield client


def test_a_query_past_the_time_limit_is_stopped_and_said_in_one_line(limited, db_url, monkeypatch):
    engine = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    real = pages.search

    def slow_search(session, *args, **kwargs):
        session.execute(text(SLOW[engine])).all()
        return real(session, *args, **kwargs)

    monkeypatch.setattr(pages, "search", slow_search)
    started = time.monotonic()
    answer = limited.get("/models.json")
    assert time.monotonic() - started < 4, "the statement was not stopped at its limit"
    assert answer.status_code == 503
    body = answer.json()
    assert body["error"] == "query_timeout"
    assert "CATALOG_QUERY_TIMEOUT" in body["message"] and "0.3 s" in body["message"]
    html = limited.get("/models")
    assert html.status_code == 503 and "narrow the search" in html.text and "Traceback" not in html.text
    # The same connections serve the next request as usual.
    monkeypatch.setattr(pages, "search", real)
    assert limited.get("/models.json").status_code == 200


def test_a_limit_of_zero_is_no_limit(db_url, monkeypatch):
    if ":memory:" in db_url:
        pytest.skip("needs a database the test's own engine can open")
    engine = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    half_a_second = {"postgresql": "SELECT pg_sleep(0.5)", "sqlite": SLOW["sqlite"].replace("300000000", "1000000")}
    real = pages.search
    monkeypatch.setattr(pages, "search", lambda session, *a, **k: session.execute(text(half_a_second[engine])).all()
                        and real(session, *a, **k))
    app = create_app(Settings(database_url=db_url, public_read=True, secret_key="test", query_timeout=0))
    with TestClient(app) as client:
        assert client.get("/models.json").status_code == 200


def test_a_servers_postgresql_connections_plan_each_execution_within_the_limit(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's plan cache")
    app = create_app(Settings(database_url=db_url, public_read=True, secret_key="test", query_timeout=12))
    with TestClient(app) as client:
        assert client.get("/models.json").status_code == 200
        with app.state.engine.connect() as connection:
            assert connection.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
            assert connection.scalar(text("SHOW statement_timeout")) == "12s"
