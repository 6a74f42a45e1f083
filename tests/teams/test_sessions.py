"""Sessions end server-side, the request's transaction commits before its response, and the
sign-in limit and audit log believe X-Forwarded-For only from configured proxies (issue 11)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.cli.main import main
from catalog.db.engine import transaction
from catalog.db.tables import AuditLogEntry, Flag
from catalog.teams.accounts import disable_user, set_password
from tests.factories import hub_item, load
from tests.teams.test_accounts import ACTOR, csrf, sign_in
from tests.web.test_api import PASSWORD, bearer, make_app, make_user

NEW_PASSWORD = "another long password"


@pytest.fixture
def web(db_url: str, factory: sessionmaker[Session]) -> TestClient:
    load(factory, hub_item("acme/model", license="apache-2.0"))
    make_user(factory, "rita", "reviewer")
    return TestClient(make_app(db_url, public_read=False))


def replayed(db_url: str, web: TestClient) -> TestClient:
    """Another browser holding a copy of ``web``'s session cookie."""
    thief = TestClient(make_app(db_url, public_read=False))
    thief.cookies.update(web.cookies)
    return thief


def flag_with(client: TestClient, page_text: str) -> int:
    return client.post("/models/acme/model/flags", data={"status": "banned", "csrf_token": csrf(page_text)},
                       follow_redirects=False).status_code


def test_a_cookie_replayed_after_logout_writes_nothing(web, db_url, factory):
    sign_in(web)
    page = web.get("/reviews").text
    thief = replayed(db_url, web)
    assert thief.get("/reviews.json").status_code == 200  # the copy works while the session lives
    web.post("/logout", data={"csrf_token": csrf(page)})
    assert thief.get("/reviews.json").status_code == 401
    assert flag_with(thief, page) in (303, 403) and thief.get("/reviews", follow_redirects=False).status_code == 303
    with transaction(factory) as session:
        assert session.scalars(select(Flag)).all() == []


@pytest.mark.parametrize("change", ["password", "disable"])
def test_a_new_password_or_disabling_ends_existing_sessions(web, factory, change):
    sign_in(web)
    assert web.get("/reviews.json").status_code == 200
    with transaction(factory) as session:
        if change == "password":
            set_password(session, "rita", NEW_PASSWORD, ACTOR)
        else:
            disable_user(session, "rita", ACTOR)
    assert web.get("/reviews.json").status_code == 401
    if change == "password":
        assert sign_in(web, password=PASSWORD).status_code == 401
        assert sign_in(web, password=NEW_PASSWORD).status_code == 303
        assert web.get("/reviews.json").status_code == 200


def test_the_cli_sets_a_password_and_says_sessions_ended(web, db_url):
    sign_in(web)
    done = CliRunner().invoke(main, ["users", "password", "rita", "--password-stdin"], input=NEW_PASSWORD + "\n",
                              env={"CATALOG_DATABASE_URL": db_url})
    assert done.exit_code == 0, done.output
    assert "sessions ended" in done.output
    assert web.get("/reviews.json").status_code == 401


class _ResponseWatch:
    """ASGI wrapper noting when the response starts, to compare with when the commit happened."""

    def __init__(self, app):
        self.app, self.events = app, []

    async def __call__(self, scope, receive, send):
        async def watched(message):
            if message["type"] == "http.response.start":
                self.events.append("response")
            await send(message)

        await self.app(scope, receive, watched)


def test_the_transaction_commits_before_the_response_is_sent(db_url, factory):
    load(factory, hub_item("acme/model", license="apache-2.0"))
    token = make_user(factory, "rita", "reviewer")
    app = make_app(db_url, public_read=False)
    watch = _ResponseWatch(app)
    event.listen(app.state.sessionmaker, "after_commit", lambda _s: watch.events.append("commit"))
    with TestClient(watch) as client:
        created = client.post("/api/v1/models/acme/model/flags", headers=bearer(token), json={"status": "banned"})
    assert created.status_code == 201
    assert watch.events.index("commit") < watch.events.index("response"), watch.events


def test_a_failed_commit_is_a_500_in_the_error_shape_not_a_201(db_url, factory):
    load(factory, hub_item("acme/model", license="apache-2.0"))
    token = make_user(factory, "rita", "reviewer")
    app = make_app(db_url, public_read=False)

    def refuse(session: Session) -> None:
        if any(isinstance(o, Flag) for o in session.new) or session.info.get("flagged"):
            raise RuntimeError("the database refused the commit")

    def note(session: Session, _ctx, _instances) -> None:
        session.info["flagged"] = session.info.get("flagged") or any(isinstance(o, Flag) for o in session.new)

    event.listen(app.state.sessionmaker, "before_flush", note)
    event.listen(app.state.sessionmaker, "before_commit", refuse)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/api/v1/models/acme/model/flags", headers=bearer(token), json={"status": "banned"})
    assert response.status_code == 500, response.text
    assert response.json()["ok"] is False and response.json()["error"] == "internal_error"
    with transaction(factory) as session:
        assert session.scalars(select(Flag)).all() == []


def _fail_sign_ins(client: TestClient, n: int, forwarded: str | None = None) -> list[int]:
    codes = []
    for i in range(n):
        token = csrf(client.get("/login").text)
        headers = {"X-Forwarded-For": forwarded or f"203.0.113.{i}"}
        codes.append(client.post("/login", data={"name": "rita", "password": "wrong password", "csrf_token": token},
                                 headers=headers, follow_redirects=False).status_code)
    return codes


def test_a_rotating_forwarded_for_does_not_lift_the_sign_in_limit(db_url, factory):
    make_user(factory, "rita", "reviewer")
    with TestClient(make_app(db_url, public_read=False), client=("127.0.0.1", 50000)) as client:
        assert _fail_sign_ins(client, 6) == [401] * 5 + [429]
    with transaction(factory) as session:
        addresses = set(session.scalars(select(AuditLogEntry.address).where(AuditLogEntry.action == "login.failed")))
    assert addresses == {"127.0.0.1"}  # not the forged ones


def test_a_trusted_proxy_forwards_the_client_address(db_url, factory):
    make_user(factory, "rita", "reviewer")
    app = make_app(db_url, public_read=False, trusted_proxies="10.0.0.0/8")
    with TestClient(app, client=("10.1.2.3", 50000)) as client:
        # Each client has its own limit; the spoofed first hop is ignored (the proxy appended the real one).
        assert _fail_sign_ins(client, 6, forwarded="198.51.100.7, 203.0.113.9") == [401] * 5 + [429]
        assert _fail_sign_ins(client, 1, forwarded="203.0.113.10") == [401]
    with transaction(factory) as session:
        addresses = set(session.scalars(select(AuditLogEntry.address).where(AuditLogEntry.action == "login.failed")))
    assert addresses == {"203.0.113.9", "203.0.113.10"}


def test_catalog_serve_ignores_forwarded_for_from_an_untrusted_local_peer(db_url, factory):
    """Through uvicorn itself, which used to believe X-Forwarded-For from any local peer."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    make_user(factory, "rita", "reviewer")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "CATALOG_DATABASE_URL": db_url, "CATALOG_SECRET_KEY": "k"}
    server = subprocess.Popen([sys.executable, "-m", "catalog", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        with httpx.Client(base_url=base) as client:
            codes = []
            for i in range(6):
                token = csrf(client.get("/login").text)
                codes.append(client.post("/login", data={"name": "rita", "password": "wrong password",
                                                         "csrf_token": token},
                                         headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code)
        assert codes == [401] * 5 + [429]
    finally:
        server.terminate()
        server.wait(timeout=30)
