"""Screenshots of the web catalogue on the demo data, at a desktop and a phone width.

    catalog demo --database /tmp/catalog-demo.db --no-serve
    python docs/screenshots.py /tmp/catalog-demo.db [out-dir]

Adds a team, a reviewer and two decisions to the demo database (once), serves it on a free
port and writes one PNG per page and width (default: test-artifacts/demo/). The two shown in
README.md are copied from there into docs/.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from catalog.config import Settings
from catalog.db.engine import make_engine, make_sessionmaker, transaction, utcnow
from catalog.db.tables import User
from catalog.facts.queries import find_model
from catalog.teams.accounts import Actor, add_team, add_user
from catalog.teams.flags import add_flag
from catalog.web.app import create_app
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, _free_port

WIDTHS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
PAGES = {
    "search": "/models?q=llama",
    "model": "/models/meta-llama/Llama-3.1-8B-Instruct",
    "license": "/licenses/llama3.1",
    "licenses": "/licenses",
    "reviews": "/reviews",
}


def prepare(factory) -> None:
    with transaction(factory) as session:
        if session.scalar(select(User).where(User.name == "rita")) is not None:
            return
        actor = Actor("docs")
        team = add_team(session, "ml-platform", actor)
        add_user(session, "rita", role="reviewer", team="ml-platform", password="demo password 1", actor=actor)
        rita = session.scalar(select(User).where(User.name == "rita"))
        as_rita = Actor.of(rita, "127.0.0.1")
        add_flag(session, find_model(session, "meta-llama/Llama-3.1-8B-Instruct"), team, "approved-with-conditions",
                 as_rita, conditions="internal tools only; show 'Built with Llama'", note="legal checked the AUP")
        add_flag(session, find_model(session, "mistralai/Mistral-7B-v0.1"), team, "needs-review", as_rita,
                 note="card changed; re-read the license")
        add_flag(session, find_model(session, "google/gemma-2-2b"), team, "approved", as_rita,
                 note="trial for the search team", expires_at=utcnow() + timedelta(days=6))


def main() -> int:
    database = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("test-artifacts/demo")
    out.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{database}")
    prepare(make_sessionmaker(engine))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(public_read=True, secret_key="docs"), engine=engine),
                                           host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for width, viewport in WIDTHS.items():
            context = browser.new_context(viewport=viewport)
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("input[name=name]", "rita")
            page.fill("input[name=password]", "demo password 1")
            page.click("form.login button[type=submit]")
            page.wait_for_load_state()
            for name, path in PAGES.items():
                page.goto(base + path)
                page.screenshot(path=str(out / f"{name}-{width}.png"))
                page.screenshot(path=str(out / f"{name}-{width}-full.png"), full_page=True)
            context.close()
        browser.close()
    server.should_exit = True
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
