"""Accounts: passwords, tokens, the CLI that manages them, signing in and out, CSRF and the audit log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.cli.main import main
from catalog.db.engine import transaction, utcnow
from catalog.db.tables import ApiToken, AuditLogEntry, User
from catalog.teams.accounts import (
    AccountError,
    Actor,
    add_user,
    authenticate,
    create_token,
    revoke_token,
    user_for_token,
)
from tests.factories import hub_item, load
from tests.web.test_api import PASSWORD, bearer, make_app, make_user

ACTOR = Actor("test")


def test_passwords_are_stored_as_argon2_hashes_and_checked(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        add_user(session, "ann", role="viewer", password=PASSWORD, actor=ACTOR)
    with transaction(factory) as session:
        stored = session.scalar(select(User.password_hash))
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
        assert authenticate(session, "ann", PASSWORD) is not None
        assert authenticate(session, "ann", "wrong password!") is None
        assert authenticate(session, "nobody", PASSWORD) is None
    with pytest.raises(AccountError, match="at least"), transaction(factory) as session:
        add_user(session, "bob", role="viewer", password="short", actor=ACTOR)


def test_tokens_are_stored_hashed_and_stop_working_when_revoked_or_expired(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        user = add_user(session, "ann", role="viewer", password=PASSWORD, actor=ACTOR)
        token, secret = create_token(session, user, name="ci", actor=ACTOR)
        _, short_lived = create_token(session, user, name="tmp", actor=ACTOR, expires_at=utcnow() + timedelta(days=1))
    with transaction(factory) as session:
        assert secret not in {t.token_hash for t in session.scalars(select(ApiToken))}
        assert user_for_token(session, secret).name == "ann"
        assert user_for_token(session, secret + "x") is None
        session.get(ApiToken, token.id + 1).expires_at = utcnow() - timedelta(seconds=1)
    with transaction(factory) as session:
        assert user_for_token(session, short_lived) is None
        revoke_token(session, token.id, ACTOR)
    with transaction(factory) as session:
        assert user_for_token(session, secret) is None
        actions = list(session.scalars(select(AuditLogEntry.action).order_by(AuditLogEntry.id)))
        assert actions == ["user.add", "token.create", "token.create", "token.revoke"]
        assert not any(secret in str(e.detail) for e in session.scalars(select(AuditLogEntry)))


def test_cli_manages_teams_users_and_tokens(db_url: str, factory: sessionmaker[Session],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CATALOG_DATABASE_URL", db_url)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> str:
        result = runner.invoke(main, list(args), input=input)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("teams", "add", "ml")
    assert run("teams", "list").split() == ["ml"]
    run("users", "add", "rita", "--team", "ml", "--role", "reviewer", "--password-stdin", input=PASSWORD + "\n")
    run("users", "add", "sam", "--role", "viewer", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert "rita" in run("users", "list") and "reviewer" in run("users", "list")
    secret = run("tokens", "create", "--user", "rita", "--name", "ci", "--expires", "30d").strip()
    assert re.fullmatch(r"cat_[\w-]{40,}", secret)
    listing = run("tokens", "list")
    assert "ci" in listing and secret not in listing and secret[:12] in listing
    with transaction(factory) as session:
        assert user_for_token(session, secret).name == "rita"
        token_id = session.scalar(select(ApiToken.id))
    run("tokens", "revoke", str(token_id))
    run("users", "disable", "sam")
    with transaction(factory) as session:
        assert user_for_token(session, secret) is None
        assert session.scalar(select(User.disabled).where(User.name == "sam")) is True
        actors = set(session.scalars(select(AuditLogEntry.actor)))
        assert all(a.startswith("cli:") for a in actors)

    failed = runner.invoke(main, ["users", "add", "rita", "--password-stdin"], input=PASSWORD + "\n")
    assert failed.exit_code == 1 and "already exists" in failed.output
    bad = runner.invoke(main, ["tokens", "create", "--user", "rita", "--expires", "someday"])
    assert bad.exit_code == 2


@pytest.fixture
def web(db_url: str, factory: sessionmaker[Session]) -> TestClient:
    load(factory, hub_item("acme/model", license="apache-2.0"))
    make_user(factory, "rita", "reviewer")
    return TestClient(make_app(db_url, public_read=False))


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client: TestClient, name: str = "rita", password: str = PASSWORD):
    token = csrf(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/reviews"},
                       follow_redirects=False)


def test_sign_in_flag_review_and_sign_out(web: TestClient) -> None:
    response = sign_in(web)
    assert response.status_code == 303 and response.headers["location"] == "/reviews"
    page = web.get("/reviews")
    assert page.status_code == 200 and "rita" in page.text
    flagged = web.post("/models/acme/model/flags", data={"status": "needs-review", "note": "check the card",
                                                        "csrf_token": csrf(page.text)}, follow_redirects=False)
    assert flagged.status_code == 303 and flagged.headers["location"] == "/models/acme/model"
    assert "acme/model" in web.get("/reviews").text
    assert web.get("/reviews.json").json()["data"][0]["model"] == "acme/model"
    web.post("/logout", data={"csrf_token": csrf(web.get("/reviews").text)})
    assert web.get("/reviews", follow_redirects=False).status_code == 303


def test_form_posts_without_the_sessions_csrf_token_are_refused(web: TestClient) -> None:
    sign_in(web)
    response = web.post("/models/acme/model/flags", data={"status": "banned", "csrf_token": "forged"})
    assert response.status_code == 403
    assert web.get("/reviews.json").json()["data"] == []


def test_five_failed_sign_ins_lock_the_name_for_that_address(web: TestClient) -> None:
    for _ in range(5):
        assert sign_in(web, password="wrong password").status_code == 401
    locked = sign_in(web)
    assert locked.status_code == 429 and "Too many" in locked.text


def test_open_redirects_are_refused(web: TestClient) -> None:
    token = csrf(web.get("/login").text)
    response = web.post("/login", data={"name": "rita", "password": PASSWORD, "csrf_token": token,
                                        "next": "//evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_audit_log_is_for_admins(web: TestClient, factory: sessionmaker[Session]) -> None:
    admin_token = make_user(factory, "ada", "admin")
    sign_in(web)
    assert web.get("/admin/audit-log.json").status_code == 403
    entries = web.get("/admin/audit-log.json", headers=bearer(admin_token)).json()["data"]
    assert {"login", "user.add", "token.create"} <= {e["action"] for e in entries}
    login = next(e for e in entries if e["action"] == "login")
    assert (login["actor"], login["address"]) == ("rita", "testclient")
    assert "audit-log" in web.get("/admin/audit-log", headers=bearer(admin_token)).text.lower()
