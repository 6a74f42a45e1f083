"""Declared vs detected on the model page and in the API, and what a stale decision shows when
the license text changed: read from the fake Hub through the real client."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.crawl.hub import HubClient, RetryPolicy
from catalog.crawl.license_files import fetch_license_files
from catalog.crawl.sync import SyncOptions, run_sync
from catalog.db.engine import transaction
from catalog.db.tables import HubModel
from catalog.hubsim.server import HubServer, HubStore
from catalog.teams.accounts import Actor, add_team
from catalog.teams.flags import add_flag

JSON = {"Accept": "application/json"}
# The MIT License as the Open Source Initiative publishes it (its text may be copied freely).
MIT = """MIT License

Copyright (c) 2024 ACME Research

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated
documentation files (the "Software"), to deal in the Software without restriction, including without limitation
the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of
the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""
ADDED = "The Software shall not be used to train other models."


def model(sha: str, modified: str) -> dict:
    return {"id": "acme/tool", "sha": sha, "lastModified": modified, "cardData": {"license": "apache-2.0"},
            "tags": ["license:apache-2.0"], "siblings": [{"rfilename": "LICENSE"}, {"rfilename": "config.json"}]}


@pytest.fixture
def hub():
    store = HubStore([model("a" * 40, "2025-01-01T00:00:00.000Z")])
    store.put_file("acme/tool", "LICENSE", MIT)
    with HubServer(store) as server:
        yield server


def sync(factory, hub: HubServer) -> None:
    client = HubClient(endpoint=hub.url, retry=RetryPolicy(max_tries=2, backoff_base=0.01))
    assert run_sync(factory, client, SyncOptions(full=True)).status == "completed"
    assert fetch_license_files(factory, client, every_model=True).error is None


def test_the_page_and_the_api_show_declared_and_detected_side_by_side(client, factory, hub) -> None:
    sync(factory, hub)
    record = client.get("/api/v1/models/acme/tool").json()
    assert record["license_text"]["declared"]["ids"] == ["apache-2.0"]
    assert record["license_text"]["detected"] == ["mit"]
    assert record["license_text"]["files"][0]["text_stored"] is True  # the MIT text may be copied
    assert {f["code"] for f in record["findings"]} >= {"license-text-mismatch"}
    page = client.get("/models/acme/tool").text
    assert "Declared by the card</dt><dd>apache-2.0" in page
    assert "Detected in the files</dt><dd>mit" in page
    assert "license-text-mismatch" in page


def test_a_decision_on_a_text_that_changed_is_stale_and_the_page_shows_the_diff(client, factory, hub) -> None:
    sync(factory, hub)
    with transaction(factory) as session:
        team = add_team(session, "ml", Actor("test"))
        add_flag(session, session.scalar(select(HubModel).where(HubModel.repo_id == "acme/tool")), team,
                 "approved", Actor("test"))
    hub.store.put(model("b" * 40, "2025-02-01T00:00:00.000Z"))
    hub.store.put_file("acme/tool", "LICENSE", MIT + "\n" + ADDED + "\n")
    sync(factory, hub)

    [current] = client.get("/api/v1/models/acme/tool/flags").json()["current"]
    assert current["stale"] is True
    assert [c["path"] for c in current["text_changes"]] == ["LICENSE"]
    assert current["license_texts"][0]["sha256"] == current["text_changes"][0]["then"]
    page = client.get("/models/acme/tool").text
    assert "stale: license text changed" in page
    assert "+" + ADDED in page
