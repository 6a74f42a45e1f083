"""`/api/v1/docs` renders in a real browser under the app's CSP (it was a blank page: its
script came from a CDN and started inline, both blocked)."""

from __future__ import annotations

from tests.web.test_browser import live_server, page, pytestmark  # noqa: F401 -- fixtures and marks


def test_swagger_ui_renders_the_api_under_the_csp(live_server, page):  # noqa: F811
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/check" in paths and "/api/v1/models" in paths
    assert refused == []
