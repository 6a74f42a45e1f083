"""The fake Hub, driven by the real huggingface_hub client (and plain httpx for wire details)."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import parse_ratelimit_headers

from catalog.hubsim.server import HubServer, HubStore
from tests.conftest import SHARED

HUB_DATA = SHARED / "hub-data"
CASSETTES = HUB_DATA / "huggingface_hub-vcr-cassettes" / "model_info"
LLAMA_BODY = "meta-llama__Llama-3.1-8B-Instruct@2025-03-21_b5e80d0c10.json"
GPT2_BODY = "gpt2@2025-03-21_0bfdde8fa8.json"
LISTING_2022 = HUB_DATA / "saranscript_huggingface-models_2022-02" / "model_infos.jsonl"
REPO_ROOT = Path(__file__).resolve().parents[2]


def recorded(name: str) -> dict:
    """A real ``GET /api/models/{repo_id}`` body recorded from huggingface.co."""
    path = CASSETTES / name
    if not path.exists():
        pytest.skip(f"recorded Hub body {name} is not available")
    return json.loads(path.read_text())


def synthetic(count: int) -> list[dict]:
    """Models org{i%3}/model-{i:02d}: odd ones MIT, every fourth text-generation."""
    return [
        {
            "id": f"org{i % 3}/model-{i:02d}",
            "likes": i % 7,
            "downloads": 1000 - 10 * i,
            "lastModified": f"2024-01-{i + 1:02d}T00:00:00.000Z",
            "tags": ["transformers", "license:mit" if i % 2 else "license:apache-2.0"],
            "pipeline_tag": "text-generation" if i % 4 == 0 else "fill-mask",
            "library_name": "transformers",
            "cardData": {"license": "mit" if i % 2 else "apache-2.0"},
            "safetensors": {"parameters": {"F32": 1000 + i}, "total": 1000 + i},
        }
        for i in range(count)
    ]


def client(server: HubServer, token: str | bool = False) -> HfApi:
    # token=False: never pick up a token saved on the machine running the tests.
    return HfApi(endpoint=server.url, token=token)


def crawl(url: str) -> list[str]:
    """Follow Link headers from ``url`` to the end; the ids in order."""
    ids: list[str] = []
    next_url: str | None = url
    while next_url:
        response = httpx.get(next_url)
        response.raise_for_status()
        ids += [item["id"] for item in response.json()]
        next_url = response.links.get("next", {}).get("url")
    return ids


@pytest.fixture
def hub():
    with HubServer(HubStore(synthetic(25)), page_size_max=10) as server:
        yield server


def test_list_models_pages_through_every_model_exactly_once(hub):
    models = list(client(hub).list_models(expand=["author", "cardData", "safetensors", "lastModified"]))

    ids = [m.id for m in models]
    assert sorted(ids) == sorted(hub.store) and len(set(ids)) == 25
    assert [r.status for r in hub.requests] == [200, 200, 200]  # pages of 10, 10 and 5
    first = models[0]
    assert (first.id, first.author, first.card_data.license, first.safetensors.total) == (
        "org0/model-00",
        "org0",
        "apache-2.0",
        1000,
    )
    assert first.downloads is None  # not requested, so not sent


def test_listing_items_have_the_hubs_shapes(hub):
    def first_item(params):
        response = httpx.get(f"{hub.url}/api/models", params=[("limit", 1), *params])
        assert response.status_code == 200
        return response.json()[0]

    # The fixture records no creation date: the Hub's field stays absent rather than made up.
    assert list(first_item([])) == [
        "_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag", "library_name",
        "modelId",
    ]  # fmt: skip
    expanded = first_item([("expand[]", "gated"), ("expand[]", "gguf")])
    assert expanded == {"_id": expanded["_id"], "id": "org0/model-00"}  # gated, gguf: not recorded, so absent
    full = first_item([("full", "true")])
    assert {"lastModified", "safetensors"} <= set(full) and not {"sha", "siblings"} & set(full)  # none recorded
    assert "cardData" not in full and "cardData" in first_item([("full", "true"), ("cardData", "true")])

    refused = httpx.get(f"{hub.url}/api/models", params={"expand[]": "cardData.license"})
    assert refused.status_code == 400 and "cardData.license" in refused.json()["error"]


def test_limit_author_search_filter_and_sort_scope_the_listing(hub):
    api = client(hub)

    assert len(list(api.list_models(limit=3))) == 3
    assert len(hub.requests) == 1 and hub.requests[0].query["limit"] == ["3"]
    assert {m.id.split("/")[0] for m in api.list_models(author="org1")} == {"org1"}
    assert len(list(api.list_models(author="org1"))) == 8
    assert [m.id for m in api.list_models(search="MODEL-2")] == [
        "org0/model-21",
        "org0/model-24",
        "org1/model-22",
        "org2/model-20",
        "org2/model-23",
    ]
    both = [m.id for m in api.list_models(filter=["license:apache-2.0", "text-generation"])]
    assert both == sorted(f"org{i % 3}/model-{i:02d}" for i in range(0, 25, 4))

    by_downloads = [m.downloads for m in api.list_models(sort="downloads", expand=["downloads"])]
    assert by_downloads == sorted(by_downloads, reverse=True) and len(by_downloads) == 25
    by_likes = [(m.likes, m.id) for m in api.list_models(sort="likes", expand=["likes"])]
    assert len({m_id for _, m_id in by_likes}) == 25  # ties broken by id across page boundaries
    assert [likes for likes, _ in by_likes] == sorted((likes for likes, _ in by_likes), reverse=True)


def test_model_info_round_trips_a_recorded_hub_body():
    body, legacy = recorded(LLAMA_BODY), recorded(GPT2_BODY)
    repo_id = body["id"]
    with HubServer(HubStore([body, legacy])) as server:
        api = client(server)

        assert httpx.get(f"{server.url}/api/models/{repo_id}").json() == body
        info = api.model_info(repo_id)
        assert (info.sha, info.gated, info.card_data.license) == (body["sha"], "manual", "llama3.1")
        assert info.safetensors.total == 8030261248
        assert [s.rfilename for s in info.siblings] == [s["rfilename"] for s in body["siblings"]]

        assert api.model_info(repo_id, revision=body["sha"]).sha == body["sha"]
        with pytest.raises(RevisionNotFoundError):
            api.model_info(repo_id, revision="no-such-branch")
        assert api.model_info("gpt2").author == "openai-community"  # a legacy id without namespace

        only = api.model_info(repo_id, expand=["safetensors"])
        assert only.safetensors.total == 8030261248 and only.sha is None and only.downloads is None


def test_unknown_and_vanished_repos_raise_repository_not_found(hub):
    api = client(hub)
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("org0/no-such-model")

    hub.store.set_access("org1/model-01", "missing")  # deleted after the listing was taken
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("org1/model-01")
    assert "org1/model-01" in {m.id for m in api.list_models()}

    hub.store.remove("org2/model-02")
    assert "org2/model-02" not in {m.id for m in api.list_models()}
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("org2/model-02")


def test_a_renamed_model_redirects_its_old_id_as_the_hub_does(hub):
    # Recorded from huggingface.co: GET /api/models/bert-base-uncased -> 307, Location
    # /api/models/google-bert/bert-base-uncased, body "Temporary Redirect. Redirecting to ...".
    hub.store.rename("org0/model-03", "neworg/model-03")
    raw = httpx.get(f"{hub.url}/api/models/org0/model-03?expand=sha")
    assert raw.status_code == 307
    assert raw.headers["location"] == "/api/models/neworg/model-03?expand=sha"
    assert raw.text == "Temporary Redirect. Redirecting to /api/models/neworg/model-03?expand=sha"
    pinned = httpx.get(f"{hub.url}/api/models/org0/model-03/revision/main")
    assert pinned.headers["location"] == "/api/models/neworg/model-03/revision/main"

    api = client(hub)
    assert api.model_info("org0/model-03").id == "neworg/model-03"  # the client follows it
    listed = {m.id for m in api.list_models()}
    assert "neworg/model-03" in listed and "org0/model-03" not in listed
    with pytest.raises(ValueError, match="already exists"):
        hub.store.rename("org1/model-04", "neworg/model-03")
    hub.store.rename("neworg/model-03", "org0/model-03")  # renamed back: the old name is live again
    assert httpx.get(f"{hub.url}/api/models/org0/model-03").status_code == 200
    assert httpx.get(f"{hub.url}/api/models/neworg/model-03").headers["location"] == "/api/models/org0/model-03"


def test_gated_and_private_models_answer_only_the_configured_token():
    store = HubStore(synthetic(3))
    store.set_access("org0/model-00", "gated")
    store.set_access("org1/model-01", "private")
    with HubServer(store, token="hf_right") as server:
        with pytest.raises(GatedRepoError):
            client(server).model_info("org0/model-00")
        with pytest.raises(RepositoryNotFoundError) as private:
            client(server).model_info("org1/model-01")
        assert not isinstance(private.value, GatedRepoError)  # a private repo looks missing

        assert client(server, "hf_right").model_info("org0/model-00").id == "org0/model-00"
        assert server.requests[-1].headers["authorization"] == "Bearer hf_right"
        assert client(server, "hf_right").model_info("org1/model-01").id == "org1/model-01"

        with pytest.raises(HfHubHTTPError) as wrong:
            client(server, "hf_wrong").model_info("org0/model-00")
        assert wrong.value.response.status_code == 401
        assert not isinstance(wrong.value, RepositoryNotFoundError)  # a bad token is not a missing repo


def test_a_429_is_retried_by_the_client_then_succeeds(hub):
    hub.faults.rate_limit, hub.faults.retry_after = 1, 0

    assert len(list(client(hub).list_models(limit=5))) == 5
    assert [r.status for r in hub.requests] == [429, 200]

    hub.faults.rate_limit = 1
    limited = httpx.get(f"{hub.url}/api/models")
    info = parse_ratelimit_headers(limited.headers)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "0"
    assert (info.remaining, info.reset_in_seconds, info.limit, info.window_seconds) == (0, 0, 500, 300)


def test_server_errors_are_retried_in_listings_and_raised_by_model_info(hub):
    hub.faults.server_error, hub.faults.server_error_status = 1, 503
    assert len(list(client(hub).list_models(limit=5))) == 5
    assert [r.status for r in hub.requests] == [503, 200]

    hub.faults.server_error, hub.faults.server_error_status = 1, 500
    with pytest.raises(HfHubHTTPError) as failed:
        client(hub).model_info("org0/model-00")  # huggingface_hub does not retry model_info
    assert failed.value.response.status_code == 500
    assert client(hub).model_info("org0/model-00").id == "org0/model-00"


def test_a_dropped_connection_then_recovery(hub):
    hub.faults.drop = 1
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{hub.url}/api/models")
    assert httpx.get(f"{hub.url}/api/models").status_code == 200
    assert [r.status for r in hub.requests] == [None, 200]


def test_fail_after_pages_fails_every_request_after_n_pages(hub):
    hub.faults.fail_after_pages = 1
    first = httpx.get(f"{hub.url}/api/models")
    assert first.status_code == 200
    assert httpx.get(first.links["next"]["url"]).status_code == 500
    assert httpx.get(f"{hub.url}/api/models/org0/model-00").status_code == 500


def test_a_stored_link_resumes_after_the_last_item_across_changes_and_restarts():
    store = HubStore(synthetic(25))
    with HubServer(store, page_size_max=10) as first:
        response = httpx.get(f"{first.url}/api/models")
        seen = [item["id"] for item in response.json()]
        stored_link = urlsplit(response.links["next"]["url"])
    assert seen[-1] == "org1/model-01"  # org0's nine models come first in id order

    store.put({"id": "org0/model-99"})  # sorts before the cursor: not part of this crawl
    store.put({"id": "org1/model-015"})  # right after the cursor
    store.remove("org1/model-04")  # was due on the next page
    with HubServer(store, page_size_max=10) as restarted:
        rest = crawl(f"{restarted.url}{stored_link.path}?{stored_link.query}")

    assert rest[0] == "org1/model-015"
    assert sorted(seen + rest) == sorted(set(store) - {"org0/model-99"})


def test_invalid_cursors_and_ascending_sorts_are_400s_with_a_json_error(hub):
    garbage = httpx.get(f"{hub.url}/api/models", params={"cursor": "not-a-cursor"})
    assert garbage.status_code == 400 and garbage.json()["error"] == "Invalid cursor"

    by_id = httpx.get(f"{hub.url}/api/models").links["next"]["url"]
    cursor = dict(httpx.URL(by_id).params)["cursor"]
    other_sort = httpx.get(f"{hub.url}/api/models", params={"cursor": cursor, "sort": "likes"})
    assert other_sort.status_code == 400
    ascending = httpx.get(f"{hub.url}/api/models", params={"sort": "likes", "direction": "1"})
    assert ascending.status_code == 400 and "descending" in ascending.json()["error"]


def test_a_malformed_listing_body_fails_once(hub):
    hub.faults.malformed = 1
    with pytest.raises(ValueError):
        list(client(hub).list_models(limit=3))
    assert len(list(client(hub).list_models(limit=3))) == 3


def test_bad_items_carry_garbage_in_the_listing_only(hub):
    hub.faults.bad_items = {"org0/model-03"}
    props = ["cardData", "safetensors", "tags", "lastModified"]
    response = httpx.get(f"{hub.url}/api/models", params=[("limit", 3), *(("expand[]", p) for p in props)])
    good, bad, _ = response.json()

    assert bad["id"] == "org0/model-03"
    assert isinstance(bad["cardData"], str) and isinstance(bad["safetensors"], list)
    assert bad["tags"] is None and bad["lastModified"] == "not-a-date"
    assert good["cardData"] == {"license": "apache-2.0"}
    assert client(hub).model_info("org0/model-03").card_data.license == "mit"


def test_unknown_paths_are_json_404s(hub):
    response = httpx.get(f"{hub.url}/api/spaces")
    assert response.status_code == 404 and "error" in response.json()


def test_the_command_line_server_prints_its_url_and_serves_a_gzipped_file(tmp_path):
    if LISTING_2022.exists():  # real 2022 listing records: modelId, no id/author/createdAt
        with LISTING_2022.open() as lines:
            records = [json.loads(next(lines)) for _ in range(3)]
    else:
        records = [{"modelId": f"user/m{i}", "tags": [], "private": False} for i in range(3)]
    data = tmp_path / "models.jsonl.gz"
    with gzip.open(data, "wt") as out:
        out.writelines(json.dumps(r) + "\n" for r in records)
    ids = sorted(r["modelId"] for r in records)
    assert sorted(HubStore.from_jsonl(data)) == ids

    command = [sys.executable, "-m", "catalog.hubsim.server", str(data), "--page-size-max", "2"]
    with subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True) as proc:
        try:
            url = proc.stdout.readline().strip()
            api = HfApi(endpoint=url, token=False)
            assert [m.id for m in api.list_models()] == ids
            info = api.model_info(ids[0])
            # What the record holds is served; no creation date or sha is made up for it.
            assert info.author == ids[0].split("/")[0]
            first = next(r for r in records if r["modelId"] == ids[0])
            assert info.created_at is None and info.sha == first.get("sha")
            assert info.downloads == first.get("downloads")
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0
