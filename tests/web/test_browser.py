"""The catalogue in a real browser: Debian's Chromium driven by Playwright, against uvicorn.

Fixtures for further journeys (sign-in, flags, review queue): ``live_server`` (base URL and a
session factory on its database) and ``page`` (a fresh Chromium page). Screenshots go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from catalog.config import Settings
from catalog.web.app import create_app
from tests.factories import hub_item, load

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is missing: apt-get install chromium"),
    # One backend is enough to drive the pages; the queries are covered on both by test_search.
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


@dataclass
class LiveServer:
    url: str
    factory: sessionmaker[Session]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(engine, factory) -> Iterator[LiveServer]:
    """uvicorn serving the app on 127.0.0.1 (a free port) over the test database."""
    app = create_app(Settings(public_read=True, secret_key="browser-test-key"), engine=engine)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", factory)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page():
    """A Chromium page; Playwright never downloads a browser here (Debian's is used)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield context.new_page()
        context.close()
        browser.close()


def screenshot(page, name: str) -> None:
    """Keep what the page looked like, for a person to check."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def catalogue(live_server: LiveServer) -> LiveServer:
    load(
        live_server.factory,
        hub_item("meta/llama-7b", license="llama2", downloads=900, safetensors={"total": 7_000_000_000}),
        hub_item("meta/llama-7b-chat", license="llama2", downloads=400, card={"base_model": "meta/llama-7b"},
                 pipeline_tag="conversational"),
        hub_item("acme/bert-small", license="mit", downloads=50, pipeline_tag="fill-mask"),
        hub_item("acme/llama-port", license="mit", downloads=30),
        hub_item("solo/unlicensed", license=None, downloads=10),
    )
    return live_server


def result_ids(page) -> list[str]:
    return page.locator("table.results td.id > a").all_inner_texts()


def test_search_then_combine_two_facets(page, catalogue):
    page.goto(catalogue.url + "/models")
    assert len(result_ids(page)) == 5
    page.fill("form.search input[type=search]", "llama")
    page.press("form.search input[type=search]", "Enter")
    page.wait_for_url("**/models?q=llama*")
    assert result_ids(page) == ["meta/llama-7b", "meta/llama-7b-chat", "acme/llama-port"]

    page.click("section[data-facet=license] a[href*='license=llama2']")
    page.wait_for_url("**license=llama2*")
    assert result_ids(page) == ["meta/llama-7b", "meta/llama-7b-chat"]
    page.click("section[data-facet=task] a[href*='task=conversational']")
    page.wait_for_url("**task=conversational*")
    assert result_ids(page) == ["meta/llama-7b-chat"]
    assert page.locator("section.facet:not([data-facet=removed]) li.selected").count() == 2
    assert page.input_value("form.search input[type=search]") == "llama"
    screenshot(page, "search-two-facets")
    # Undoing the first filter keeps the second one and the text.
    page.click("section[data-facet=license] li.selected a")
    page.wait_for_url(lambda url: "license=" not in url)
    assert result_ids(page) == ["meta/llama-7b-chat"]


def test_sort_applies_without_a_button(page, catalogue):
    page.goto(catalogue.url + "/models")
    page.select_option("select[name=sort]", "name")
    page.wait_for_url("**sort=name*")
    assert result_ids(page)[0] == "acme/bert-small"


def test_open_a_model(page, catalogue):
    page.goto(catalogue.url + "/models")
    page.click("text=meta/llama-7b-chat")
    page.wait_for_url("**/models/meta/llama-7b-chat")
    assert page.locator("h1").inner_text() == "meta/llama-7b-chat"
    assert page.locator("section.card:has(h2:text('Lineage')) a").first.inner_text() == "meta/llama-7b"
    screenshot(page, "model-page")
    page.click("section.card:has(h2:text('Lineage')) a >> nth=0")
    page.wait_for_url("**/models/meta/llama-7b")
    assert "14 GB" in page.locator("table.memory").inner_text()


def test_sign_in_flag_a_model_see_it_in_search_and_review_queue_then_sign_out(page, catalogue):
    from catalog.db.engine import transaction
    from catalog.teams.accounts import Actor, add_team, add_user

    with transaction(catalogue.factory) as session:
        add_team(session, "ml", Actor("test"))
        add_user(session, "rita", role="reviewer", team="ml", password="correct horse battery", actor=Actor("test"))
    page.goto(catalogue.url + "/login?next=/models/acme/bert-small")
    page.fill("input[name=name]", "rita")
    page.fill("input[name=password]", "correct horse battery")
    page.click("form.login button[type=submit]")
    page.wait_for_url("**/models/acme/bert-small")

    page.select_option("form.flag-form select[name=status]", "needs-review")
    page.fill("form.flag-form textarea[name=note]", "check the card's usage terms")
    page.click("form.flag-form button[type=submit]")
    page.wait_for_url("**/models/acme/bert-small")
    screenshot(page, "model-flagged")

    page.goto(catalogue.url + "/models?q=bert")
    row = page.locator("table.results tr:has(td.id > a:text('acme/bert-small'))")
    assert row.locator("span.flag").inner_text() == "needs-review"

    page.goto(catalogue.url + "/reviews")
    assert page.locator("table.reviews tr[data-model='acme/bert-small']").count() == 1
    screenshot(page, "review-queue")

    page.click("form[action='/logout'] button")
    page.wait_for_load_state()
    page.goto(catalogue.url + "/reviews")
    page.wait_for_url("**/login?next=*")
