"""Downloads and likes that no source records stay unknown, from the fake Hub to every face:
never "0 downloads" (issue 13: "the pages show 'not recorded' rather than a made-up value")."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from catalog.cli.render import render_model
from catalog.crawl.sync import SyncOptions, run_sync
from catalog.db.engine import transaction
from catalog.db.tables import HubModel, HubModelSearch
from catalog.facts.record import model_record
from catalog.hubsim.server import HubServer, HubStore
from tests.crawl.test_sync import client_for, synthetic

UNCOUNTED = ("quiet/no-counts-a", "quiet/no-counts-b")
COUNTED = [m["id"] for m in synthetic(6)]  # downloads 0..5 (model-0000 has a recorded 0), likes i % 10


def _hub_models() -> list[dict]:
    # As the fake Hub serves a model no source gave counts for: the keys are absent.
    plain = [{"id": repo_id, "author": "quiet", "lastModified": "2024-02-01T00:00:00.000Z",
              "tags": ["license:mit"], "cardData": {"license": "mit"}} for repo_id in UNCOUNTED]
    return [plain[0], *synthetic(6), plain[1]]


@pytest.fixture
def hub():
    with HubServer(HubStore(_hub_models())) as server:
        yield server


@pytest.fixture
def synced(factory, hub):
    summary = run_sync(factory, client_for(hub), SyncOptions(page_size=3, full=True))
    assert summary.status == "completed", summary.error
    return summary


def test_absent_counts_are_stored_as_unknown_and_recorded_ones_as_they_are(factory, synced):
    with transaction(factory) as session:
        rows = {m.repo_id: (m.downloads, m.likes) for m in session.scalars(select(HubModel))}
        projected = {m.model_id: (m.downloads, m.likes) for m in session.scalars(select(HubModelSearch))}
        ids = {repo_id: i for repo_id, i in session.execute(select(HubModel.repo_id, HubModel.id))}
    assert all(rows[r] == (None, None) for r in UNCOUNTED)
    assert [rows[r] for r in COUNTED] == [(i, i % 10) for i in range(6)]  # a recorded 0 stays 0
    assert {r: projected[ids[r]] for r in rows} == rows  # the search projection follows


def test_model_page_api_and_cli_say_not_recorded(client, factory, synced):
    page = client.get(f"/models/{UNCOUNTED[0]}").text
    assert "<dt>Downloads</dt><dd><span class=\"absent\">not recorded</span></dd>" in page
    assert "<dt>Likes</dt><dd><span class=\"absent\">not recorded</span></dd>" in page
    body = client.get(f"/api/v1/models/{UNCOUNTED[0]}").json()
    assert (body["downloads"], body["likes"]) == (None, None)
    counted = client.get(f"/api/v1/models/{COUNTED[5]}").json()
    assert (counted["downloads"], counted["likes"]) == (5, 5)
    assert "<dt>Downloads</dt><dd>5</dd>" in client.get(f"/models/{COUNTED[5]}").text
    with transaction(factory) as session:
        shown = render_model(model_record(session, UNCOUNTED[0]))
    assert "downloads     not recorded   likes not recorded" in shown


@pytest.mark.parametrize("key", ["downloads", "likes"])
def test_unknown_counts_sort_last_in_both_directions_across_pages(client, synced, key):
    counted = {m["id"]: m[key] for m in synthetic(6)}
    for sort, reverse in ((f"-{key}", True), (key, False)):
        ids, cursor = [], None
        while True:  # pages of 3 cross from counted to unknown models mid-page and at a boundary
            body = client.get("/api/v1/models", params={"sort": sort, "limit": 3, **({"cursor": cursor} if cursor else {})}).json()
            ids += [row["id"] for row in body["data"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert ids[:6] == sorted(counted, key=lambda r: (counted[r], r), reverse=reverse), sort
        assert set(ids[6:]) == set(UNCOUNTED) and len(ids) == 8, sort
        one_page = client.get("/api/v1/models", params={"sort": sort}).json()["data"]
        assert [row["id"] for row in one_page] == ids


def test_search_rows_and_csv_show_no_made_up_zero(client, synced):
    html = client.get("/models", params={"q": "no-counts-a"}).text
    assert "not recorded</span></td>" in html
    assert ">0<" not in html
    rows = list(csv.DictReader(io.StringIO(client.get("/models.csv", params={"sort": "-downloads"}).text)))
    by_id = {row["id"]: row for row in rows}
    assert (by_id[UNCOUNTED[0]]["downloads"], by_id[UNCOUNTED[0]]["likes"]) == ("", "")
    assert (by_id[COUNTED[0]]["downloads"], by_id[COUNTED[3]]["likes"]) == ("0", "3")


def test_counts_never_mark_a_model_changed(factory, hub, synced):
    """The change hash leaves counts out: counts appearing or vanishing update them in place."""
    hub.store.put({**synthetic(6)[2], "downloads": 999})
    quiet = next(m for m in _hub_models() if m["id"] == UNCOUNTED[1])
    hub.store.put({**quiet, "downloads": 7, "likes": 1})
    counted = next(m for m in synthetic(6) if m["id"] == COUNTED[4])
    hub.store.put({k: v for k, v in counted.items() if k not in ("downloads", "likes")})
    summary = run_sync(factory, client_for(hub), SyncOptions(page_size=3, full=True))
    assert (summary.updated, summary.new, summary.unchanged) == (0, 0, 8)
    with transaction(factory) as session:
        rows = {m.repo_id: (m.downloads, m.likes) for m in session.scalars(select(HubModel))}
    assert (rows[COUNTED[2]], rows[UNCOUNTED[1]], rows[COUNTED[4]]) == ((999, 2), (7, 1), (None, None))
