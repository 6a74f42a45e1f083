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
    assert page.locator("#tree li.tree-base a").first.inner_text() == "meta/llama-7b"
    screenshot(page, "model-page")
    page.click("#tree li.tree-base a >> nth=0")
    page.wait_for_url("**/models/meta/llama-7b")
    assert "14 GB" in page.locator("table.memory").inner_text()
    # Downward, the tree counts the fine-tunes and links the search that lists them.
    page.click("#tree a:text('1 fine-tune')")
    page.wait_for_url(lambda url: "base_model=" in url and "relation=finetune" in url)
    assert result_ids(page) == ["meta/llama-7b-chat"]
    assert "Derived from: meta/llama-7b" in page.locator("ul.chips").inner_text()


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

    page.click("form[action='/logout'] button")
    page.wait_for_load_state()
    page.goto(catalogue.url + "/reviews")
    page.wait_for_url("**/login?next=*")


# --- Layout and accessibility at a desktop and a phone width (issue 16) ---------------------------

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
ADMIN_PASSWORD = "correct horse battery"


@pytest.fixture
def browser():
    """One Chromium for a test that opens pages at several sizes."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def reviewed(catalogue: LiveServer) -> LiveServer:
    """The catalogue with a gated model, a team, an admin reviewer ("ada") and decisions in the queue."""
    from catalog.db.engine import transaction
    from catalog.facts.resolve import find_model
    from catalog.teams.accounts import Actor, add_team, add_user
    from catalog.teams.flags import add_flag

    load(catalogue.factory, hub_item(
        "meta/llama-gated", license="llama2", downloads=5, gated="manual",
        card={"base_model": "meta/llama-7b", "extra_gated_prompt": "LLAMA 2 COMMUNITY LICENSE " * 200,
              "extra_gated_fields": {"First Name": "text", "Country": "country", "Affiliation": "text",
                                     "By clicking Submit below I accept the terms of the license": "checkbox"}}))
    with transaction(catalogue.factory) as session:
        actor = Actor("test")
        team = add_team(session, "ml", actor)
        add_user(session, "ada", role="admin", team="ml", password=ADMIN_PASSWORD, actor=actor)
        add_flag(session, find_model(session, "acme/bert-small"), team, "needs-review", actor,
                 note="check the card's usage terms")
        add_flag(session, find_model(session, "meta/llama-7b-chat"), team, "needs-review", actor)
    return catalogue


def sign_in(page, base: str, name: str = "ada", password: str = ADMIN_PASSWORD) -> None:
    page.goto(base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("form.login button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def serious_axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations of WCAG 2 A/AA on the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['nodes']}" for v in result if v["impact"] in ("serious", "critical")]


PAGES = {
    "search": "/models?q=llama&license=llama2",
    "model": "/models/meta/llama-gated",
    "license": "/licenses/llama2",
    "licenses": "/licenses",
    "reviews": "/reviews",
    "audit-log": "/admin/audit-log",
    "sync": "/sync",
    "not-found": "/models/meta/llama-7c",
}


@pytest.mark.parametrize("size", VIEWPORTS)
def test_every_page_fits_the_width_and_passes_axe(browser, reviewed, size):
    # axe is injected as an inline script, which the pages' CSP (script-src 'self') rightly refuses.
    context = browser.new_context(viewport=VIEWPORTS[size], bypass_csp=True)
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    page.goto(reviewed.url + "/login")
    checked = ["sign-in"]
    screenshot_viewport(page, f"sign-in-{size}")
    overflow = {"sign-in": horizontal_overflow(page)}
    problems["sign-in"] = serious_axe_violations(page)
    sign_in(page, reviewed.url)
    for name, path in PAGES.items():
        page.goto(reviewed.url + path)
        assert page.locator("main").count() == 1, name
        screenshot_viewport(page, f"{name}-{size}")
        overflow[name] = horizontal_overflow(page)
        problems[name] = serious_axe_violations(page)
        checked.append(name)
    context.close()
    assert checked == ["sign-in", *PAGES]
    if size == "phone":
        assert overflow == dict.fromkeys(overflow, 0), overflow
    assert {name: found for name, found in problems.items() if found} == {}, problems


def screenshot_viewport(page, name: str) -> None:
    """The whole page and, separately, what the first screen shows."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-first-screen.png"))


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_verdict_band_is_on_the_first_screen_of_a_model_page(browser, reviewed, size):
    viewport = VIEWPORTS[size]
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    sign_in(page, reviewed.url)
    page.goto(reviewed.url + "/models/meta/llama-gated")
    verdicts = page.locator("#verdicts")
    box = verdicts.bounding_box()
    assert box is not None and box["y"] + box["height"] <= viewport["height"], box
    rows = verdicts.locator("tbody tr")
    assert rows.count() == 4
    # llama2 is conditional for SaaS, and the band names which obligations make it so.
    saas = verdicts.locator("tr[data-context=saas]")
    assert "conditional" in saas.inner_text() and saas.locator("a[href^='#ob-']").count() >= 1
    assert page.locator("#band .license-line").inner_text().startswith("llama2")
    if size == "desktop":
        # On a desktop the reviewer's form is on the first screen too.
        button = page.locator("#flags form.flag-form button[type=submit]").bounding_box()
        assert button is not None and button["y"] + button["height"] <= viewport["height"], button
    # The gating terms are summarised; the 1,000-word prompt stays folded.
    assert "Access form: First Name, Country, Affiliation; 1 box to accept the terms" in page.locator("#gating").inner_text()
    assert not page.locator("#gating details").evaluate("d => d.open")
    context.close()


def test_a_reviewer_decides_from_the_queue_with_the_keyboard(browser, reviewed):
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    sign_in(page, reviewed.url)
    page.goto(reviewed.url + "/reviews")
    row = page.locator("table.reviews tr[data-model='acme/bert-small']")
    assert "check the card's usage terms" in row.inner_text()
    assert "needs-review at revision" in row.locator("td.why").inner_text()
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    # Keyboard only: focus the row's decision, pick "approved", type a note, press Enter.
    row.locator("select[name=status]").focus()
    page.keyboard.press("Home")  # the placeholder is disabled; Home selects the first status
    for _ in range(10):
        if row.locator("select[name=status]").input_value() == "approved":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "note"
    page.keyboard.type("read the card: fine for internal use")
    # The queue posts to itself and comes back to /reviews: wait for that navigation itself (the
    # URL matches before it starts; a screenshot taken mid-navigation failed now and then).
    with page.expect_navigation(url="**/reviews"):
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    screenshot(page, "review-queue-after-deciding")
    assert page.locator("table.reviews tr[data-model='acme/bert-small']").count() == 0
    assert page.locator("table.reviews tr[data-model='meta/llama-7b-chat']").count() == 1
    assert not [u for u in visited if "/models/acme/bert-small" in u and not u.endswith("/flags")]
    context.close()

    from catalog.facts.resolve import find_model
    from catalog.teams.flags import model_flags

    with reviewed.factory() as session:
        [current] = model_flags(session, find_model(session, "acme/bert-small"))["current"]
    assert (current["status"], current["note"], current["created_by"]) == (
        "approved", "read the card: fine for internal use", "ada")


def test_favicon_is_served(page, live_server):
    response = page.request.get(live_server.url + "/favicon.ico")
    assert response.status == 200 and response.headers["content-type"] == "image/x-icon"
    assert response.body()[:4] == b"\x00\x00\x01\x00"  # an ICO header
