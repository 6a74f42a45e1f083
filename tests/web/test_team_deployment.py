"""A team's deployment: several `catalog serve` processes on one database (PostgreSQL when the
suite has one, else a SQLite file), one of them with several workers. Whatever one process
writes or starts, the others see: a flag, a sign-in session, the facet counts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.factories import hub_item, load
from tests.teams.test_accounts import PASSWORD, csrf
from tests.web.test_api import bearer, make_user


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(db_url: str, *args: str) -> tuple[subprocess.Popen, str]:
    """Start `catalog serve` on a free port; returns the process and its base URL once it answers."""
    port = free_port()
    env = {**os.environ, "CATALOG_DATABASE_URL": db_url, "CATALOG_PUBLIC_READ": "false"}
    env.pop("CATALOG_SECRET_KEY", None)  # the processes must agree on the signing key through the database
    process = subprocess.Popen([sys.executable, "-m", "catalog", "serve", "--port", str(port), *args], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"catalog serve exited: {process.stderr.read()[-2000:]}")
        try:
            httpx.get(f"{base}/login", timeout=2)
            return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("catalog serve did not answer within 60 s")


@pytest.fixture
def servers(db_url: str, factory) -> Iterator[tuple[str, str]]:
    if db_url.startswith("sqlite") and ":memory:" in db_url:
        pytest.skip("needs a database file or server both processes can open")
    load(factory, hub_item("acme/apache-model", license="apache-2.0"), hub_item("acme/nc-model", license="cc-by-nc-4.0"),
         hub_item("meta/llama-like", license="llama3.1"))
    started = [serve(db_url, "--workers", "2"), serve(db_url)]
    try:
        yield started[0][1], started[1][1]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_two_servers_share_flags_sessions_and_counts(servers: tuple[str, str], factory) -> None:
    one, two = servers
    token = make_user(factory, "rita", "reviewer")
    # A flag written through one server is read through the other.
    written = httpx.post(f"{one}/api/v1/models/acme/nc-model/flags", headers=bearer(token),
                         json={"status": "banned", "note": "non-commercial"}, timeout=30)
    assert written.status_code == 201, written.text
    read = httpx.get(f"{two}/api/v1/models/acme/nc-model/flags", headers=bearer(token), timeout=30).json()
    assert [(f["team"], f["status"]) for f in read["current"]] == [("ml", "banned")]
    # A session started on one server (its workers included) is valid on the other.
    with httpx.Client(base_url=one, timeout=30) as browser:
        form = browser.get("/login")
        signed_in = browser.post("/login", data={"name": "rita", "password": PASSWORD, "csrf_token": csrf(form.text),
                                                 "next": "/reviews"})
        assert signed_in.status_code == 303, signed_in.text[:300]
        cookies = dict(browser.cookies)
    for base in (two, one):
        page = httpx.get(f"{base}/reviews", cookies=cookies, timeout=30)
        assert page.status_code == 200 and "rita" in page.text
    # Both count the same catalogue.
    counts = [httpx.get(f"{base}/api/v1/models", headers=bearer(token), timeout=30).json() for base in (one, two)]
    assert counts[0]["facets"] == counts[1]["facets"] and counts[0]["count"] == counts[1]["count"] == 3
