"""REST API v1 over HTTP: every endpoint, its auth rules, bad input, CSV, paging, flags and checks.

The helpers at the top (``make_app``, ``make_user``, ``bearer``) are shared with the accounts and
schema tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.config import Settings
from catalog.db.engine import make_engine, transaction
from catalog.db.tables import AuditLogEntry, Flag, Team
from catalog.teams.accounts import Actor, add_team, add_user, create_token
from catalog.web.app import create_app
from tests.factories import hub_item, load

PASSWORD = "correct horse battery"
ADMIN = Actor(name="test")


def make_app(db_url: str, **settings: Any) -> FastAPI:
    """The application under test, on the test database."""
    config = Settings(database_url=db_url, secret_key="test-secret-key", **settings)
    return create_app(config, engine=make_engine(db_url))


def make_user(factory: sessionmaker[Session], name: str, role: str, team: str | None = "ml") -> str:
    """Create a user (and its team if needed); returns an API token of theirs."""
    with transaction(factory) as session:
        if team is not None and session.scalar(select(Team).where(Team.name == team)) is None:
            add_team(session, team, ADMIN)
        user = add_user(session, name, role=role, team=team, password=PASSWORD, actor=ADMIN)
        _, secret = create_token(session, user, name="test", actor=ADMIN)
    return secret


@contextmanager
def live_server(factory: sessionmaker[Session], db_url: str) -> Iterator[tuple[str, str]]:
    """The real app under uvicorn on a free loopback port: yields its URL and a viewer's API token."""
    import uvicorn

    token = make_user(factory, "ci", "viewer")
    server = uvicorn.Server(uvicorn.Config(make_app(db_url), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}", token
    finally:
        server.should_exit = True
        thread.join(10)


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}


# --- tests --------------------------------------------------------------------------------------

SHA1, SHA2 = "1" * 40, "2" * 40


@pytest.fixture
def catalogue(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    load(factory,
         hub_item("meta/llama-like", license="llama3.1", downloads=900, sha=SHA1),
         hub_item("acme/apache-model", license="apache-2.0", downloads=500),
         hub_item("acme/nc-model", license="cc-by-nc-4.0", downloads=300),
         hub_item("solo/no-license", license=None, downloads=100),
         hub_item("acme/mit-model", license="mit", downloads=50))
    return factory


@pytest.fixture
def client(db_url: str, catalogue: sessionmaker[Session]) -> Iterator[TestClient]:
    with TestClient(make_app(db_url, public_read=True)) as test_client:
        yield test_client


def assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert body["ok"] is False and body["status"] == status and body["message"]
    assert "Traceback" not in response.text and "SELECT" not in response.text
    return body


def test_search_returns_rows_count_and_facets(client: TestClient) -> None:
    body = client.get("/api/v1/models", params={"sort": "-downloads"}).json()
    assert body["count"] == 5
    assert [r["id"] for r in body["data"]][:2] == ["meta/llama-like", "acme/apache-model"]
    assert "license" in body["facets"]


def test_search_filters_and_chosen_fields(client: TestClient) -> None:
    body = client.get("/api/v1/models", params={"author": "acme", "fields": "license,downloads"}).json()
    assert {r["id"] for r in body["data"]} == {"acme/apache-model", "acme/nc-model", "acme/mit-model"}
    assert set(body["data"][0]) == {"id", "license", "downloads"}


def test_cursor_paging_walks_every_model_once(client: TestClient) -> None:
    seen, cursor = [], None
    while True:
        body = client.get("/api/v1/models", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [r["id"] for r in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5


def test_csv_export_by_format_or_accept_header(client: TestClient) -> None:
    by_param = client.get("/api/v1/models", params={"format": "csv", "author": "acme"})
    by_header = client.get("/api/v1/models", params={"author": "acme"}, headers={"Accept": "text/csv"})
    for response in (by_param, by_header):
        assert response.headers["content-type"].startswith("text/csv")
        lines = response.text.strip().splitlines()
        assert lines[0].startswith("id,author,license_id")
        assert len(lines) == 4


def test_csv_export_keeps_the_chosen_fields_and_the_web_export_columns(client: TestClient) -> None:
    chosen = client.get("/api/v1/models", params={"format": "csv", "author": "acme", "fields": "license"})
    assert chosen.text.splitlines()[0] == "id,license_id,license_category"
    everything = client.get("/api/v1/models", params={"format": "csv", "author": "acme"}).text.splitlines()[0]
    assert everything == client.get("/models.csv", params={"author": "acme"}).text.splitlines()[0]


def test_bad_search_parameters_are_400_or_422_in_the_error_shape(client: TestClient) -> None:
    assert assert_error(client.get("/api/v1/models", params={"sort": "nonsense"}), 400)["errors"][0]["field"] == "sort"
    assert assert_error(client.get("/api/v1/models", params={"q": "x" * 201}), 400)["errors"][0]["field"] == "q"
    assert assert_error(client.get("/api/v1/models", params={"limit": 0}), 400)["errors"][0]["field"] == "limit"
    assert_error(client.get("/api/v1/models", params={"fields": "password"}), 400)
    assert_error(client.get("/api/v1/models", params={"cursor": "garbage"}), 400)


def test_model_record_by_full_or_bare_name_with_revision(client: TestClient) -> None:
    full = client.get("/api/v1/models/meta/llama-like").json()
    assert full["id"] == "meta/llama-like" and full["license"]["id"] == "llama3.1"
    assert full["flags"] == {"current": [], "history": []}
    assert client.get("/api/v1/models/llama-like").json()["id"] == "meta/llama-like"
    at = client.get("/api/v1/models/meta/llama-like", params={"revision": SHA1}).json()
    assert at["revision"] == SHA1


def test_unknown_model_is_404_with_suggestion(client: TestClient) -> None:
    body = assert_error(client.get("/api/v1/models/meta/llama-lik"), 404)
    assert "meta/llama-like" in body["message"]


def test_history_lists_license_changes(client: TestClient, catalogue: sessionmaker[Session]) -> None:
    load(catalogue, hub_item("acme/mit-model", license="apache-2.0", sha=SHA2))
    events = client.get("/api/v1/models/acme/mit-model/history").json()["data"]
    assert "license" in {e["kind"] for e in events}


def test_licenses(client: TestClient) -> None:
    listing = client.get("/api/v1/licenses").json()
    assert listing["count"] > 10 and any(lic["id"] == "apache-2.0" for lic in listing["data"])
    assert client.get("/api/v1/licenses/mit").json()["category"]
    assert_error(client.get("/api/v1/licenses/not-a-license"), 404)


def test_sync_runs_listed(client: TestClient) -> None:
    runs = client.get("/api/v1/sync/runs").json()["data"]
    assert runs and runs[0]["status"] == "completed"


def test_reads_need_sign_in_unless_public(db_url: str, catalogue: sessionmaker[Session]) -> None:
    token = make_user(catalogue, "vera", "viewer")
    with TestClient(make_app(db_url, public_read=False)) as private:
        assert_error(private.get("/api/v1/models"), 401)
        assert_error(private.get("/api/v1/models/acme/mit-model"), 401)
        assert private.get("/api/v1/models", headers=bearer(token)).status_code == 200
        assert_error(private.get("/api/v1/models", headers=bearer("cat_wrong")), 401)


def test_flag_write_needs_a_reviewer_token(client: TestClient, catalogue: sessionmaker[Session]) -> None:
    viewer_token = make_user(catalogue, "vera", "viewer")
    body = {"status": "approved"}
    assert_error(client.post("/api/v1/models/acme/mit-model/flags", json=body), 401)
    assert_error(client.post("/api/v1/models/acme/mit-model/flags", json=body, headers=bearer("nope")), 401)
    assert_error(client.post("/api/v1/models/acme/mit-model/flags", json=body, headers=bearer(viewer_token)), 403)


def test_flags_append_history_and_audit_log(client: TestClient, catalogue: sessionmaker[Session]) -> None:
    token = make_user(catalogue, "rita", "reviewer")
    first = client.post("/api/v1/models/acme/nc-model/flags", headers=bearer(token),
                        json={"status": "needs-review", "note": "legal to look at it"})
    assert first.status_code == 201, first.text
    assert first.json()["flag"]["revision"] == "a" * 40
    assert first.json()["flag"]["license_ids"] == ["cc-by-nc-4.0"]
    second = client.post("/api/v1/models/acme/nc-model/flags", headers=bearer(token),
                         json={"status": "approved-with-conditions", "conditions": "research only",
                               "expires": "2099-12-31"})
    assert second.status_code == 201, second.text
    flags = client.get("/api/v1/models/acme/nc-model/flags").json()
    assert [f["status"] for f in flags["current"]] == ["approved-with-conditions"]
    assert [f["status"] for f in flags["history"]] == ["approved-with-conditions", "needs-review"]
    assert flags["history"][0]["created_by"] == "rita"
    assert client.get("/api/v1/models/acme/nc-model").json()["flags"]["current"][0]["team"] == "ml"
    with catalogue() as session:
        entries = session.scalars(select(AuditLogEntry).where(AuditLogEntry.action == "flag.add")).all()
        assert [(e.actor, e.target, e.address) for e in entries] == [("rita", "acme/nc-model", "testclient")] * 2
        assert session.scalar(select(Flag.revision).limit(1)) == "a" * 40


def test_flag_rows_show_in_search_for_the_team(client: TestClient, catalogue: sessionmaker[Session]) -> None:
    token = make_user(catalogue, "rita", "reviewer")
    client.post("/api/v1/models/acme/mit-model/flags", headers=bearer(token), json={"status": "banned"})
    rows = client.get("/api/v1/models", params={"flag": "banned"}, headers=bearer(token)).json()["data"]
    assert [(r["id"], r["flag"]) for r in rows] == [("acme/mit-model", "banned")]


def test_bad_flag_bodies_are_422(client: TestClient, catalogue: sessionmaker[Session]) -> None:
    token = make_user(catalogue, "rita", "reviewer")
    url = "/api/v1/models/acme/mit-model/flags"
    assert_error(client.post(url, headers=bearer(token), json={"status": "fine"}), 422)
    body = assert_error(client.post(url, headers=bearer(token), json={"status": "approved-with-conditions"}), 422)
    assert body["errors"][0]["field"] == "conditions"
    assert_error(client.post(url, headers=bearer(token), json={"status": "approved", "expires": "2001-01-01"}), 422)
    assert_error(client.post(url, headers=bearer(token), json={"status": "approved", "extra": 1}), 422)
    assert_error(client.post("/api/v1/models/nobody/nothing/flags", headers=bearer(token),
                             json={"status": "approved"}), 404)


def test_oversized_body_is_413(db_url: str, catalogue: sessionmaker[Session]) -> None:
    with TestClient(make_app(db_url, public_read=True, max_request_body=1000)) as small:
        response = small.post("/api/v1/check", json={"models": ["acme/mit-model"] * 100, "context": "saas"})
        assert_error(response, 413)


def test_check_with_json_policy(client: TestClient) -> None:
    response = client.post("/api/v1/check", json={
        "models": ["acme/apache-model", {"id": "acme/nc-model", "revision": None}, "nobody/unknown"],
        "policy": {"allow": ["apache-2.0"], "deny": ["category:non-commercial"]}, "context": "saas"})
    assert response.status_code == 200, response.text
    body = response.json()
    verdicts = {v["repo_id"]: v for v in body["verdicts"]}
    assert verdicts["acme/apache-model"]["verdict"] == "pass"
    assert verdicts["acme/nc-model"]["verdict"] == "fail"
    assert verdicts["nobody/unknown"]["reasons"][0]["code"] == "not-in-catalogue"
    assert body["overall"] == "fail" and body["context"] == "saas"


def test_check_with_yaml_and_its_errors_carry_the_line(client: TestClient) -> None:
    ok = client.post("/api/v1/check", json={"models": ["acme/mit-model"], "policy": "context: internal\nallow: [mit]\n"})
    assert ok.json()["overall"] == "pass" and ok.json()["policy"] == "<yaml>"
    bad = assert_error(client.post("/api/v1/check", json={
        "models": ["acme/mit-model"], "policy": "context: saas\nallow:\n  - apache2\n"}), 422)
    assert "line 3" in bad["message"] and "apache-2.0" in bad["message"]
    assert bad["errors"][0]["field"] == "policy"


def test_check_with_a_named_policy_file(db_url: str, catalogue: sessionmaker[Session], tmp_path: Any) -> None:
    (tmp_path / "strict.yaml").write_text("context: saas\ndeny: [mit]\n")
    with TestClient(make_app(db_url, public_read=True, policy_dir=tmp_path)) as named:
        body = named.post("/api/v1/check", json={"models": ["acme/mit-model"], "policy": "strict"}).json()
        assert body["overall"] == "fail" and body["policy"] == "strict.yaml"
        missing = assert_error(named.post("/api/v1/check", json={"models": ["x/y"], "policy": "lenient"}), 422)
        assert "lenient" in missing["message"] and str(tmp_path) not in missing["message"]


def test_check_counts_the_teams_decisions(client: TestClient, catalogue: sessionmaker[Session]) -> None:
    token = make_user(catalogue, "rita", "reviewer")
    client.post("/api/v1/models/acme/apache-model/flags", headers=bearer(token), json={"status": "banned"})
    body = client.post("/api/v1/check", json={"models": ["acme/apache-model"], "context": "saas",
                                              "team": "ml"}).json()
    assert body["overall"] == "fail"
    assert "team-banned" in {r["code"] for r in body["verdicts"][0]["reasons"]}
    assert_error(client.post("/api/v1/check", json={"models": ["a/b"], "context": "saas", "team": "nope"}), 422)


def test_check_input_limits(client: TestClient) -> None:
    assert_error(client.post("/api/v1/check", json={"models": [], "context": "saas"}), 422)
    assert_error(client.post("/api/v1/check", json={"models": ["a/b"] * 1001, "context": "saas"}), 422)
    assert_error(client.post("/api/v1/check", json={"models": ["a/b"], "context": "mars"}), 422)
    # Not JSON at all: a bad request (declared in the schema), not a validation failure.
    bad = assert_error(client.post("/api/v1/check", content=b"{not json", headers={"content-type": "application/json"}),
                       400)
    assert [e["field"] for e in bad["errors"]] == ["body"]
    assert bad["errors"][0]["message"].startswith("not valid JSON (at character 1")
