"""REST conventions the README shows (issue 12): `-` sorts descending, a cursor continues its own
query, bad limits and overlong q are 400s, an over-large limit is capped and says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.factories import hub_item, load
from tests.web.test_api import assert_error, make_app


@pytest.fixture
def client(factory, db_url: str) -> Iterator[TestClient]:
    load(factory, *[hub_item(f"org/m{i:03d}", downloads=i * 10) for i in range(1, 231)])
    with TestClient(make_app(db_url, public_read=True)) as test_client:
        yield test_client


def _ids(body: dict) -> list[str]:
    return [row["id"] for row in body["data"]]


def test_minus_means_descending_and_plain_ascending(client: TestClient) -> None:
    descending = client.get("/api/v1/models", params={"sort": "-downloads", "limit": 3}).json()
    ascending = client.get("/api/v1/models", params={"sort": "downloads", "limit": 3}).json()
    default = client.get("/api/v1/models", params={"limit": 3}).json()
    assert _ids(descending) == ["org/m230", "org/m229", "org/m228"]
    assert _ids(ascending) == ["org/m001", "org/m002", "org/m003"]
    assert _ids(default) == _ids(descending)  # most downloaded first by default
    page = client.get("/models", params={"sort": "-downloads"}).text
    assert "Downloads (descending)" in page and "Downloads (ascending)" in page


def test_a_cursor_alone_continues_its_query(client: TestClient) -> None:
    first = client.get("/api/v1/models", params={"sort": "downloads", "limit": 2}).json()
    second = client.get("/api/v1/models", params={"cursor": first["next_cursor"]})
    assert second.status_code == 200, second.text
    assert _ids(second.json())[:2] == ["org/m003", "org/m004"]
    mixed = client.get("/api/v1/models", params={"cursor": first["next_cursor"], "sort": "-likes"})
    assert "same sort and filters" in assert_error(mixed, 400)["message"]


def test_limits_are_400s_or_capped_with_a_note(client: TestClient) -> None:
    assert assert_error(client.get("/api/v1/models", params={"limit": 0}), 400)["errors"][0]["field"] == "limit"
    assert assert_error(client.get("/api/v1/models", params={"q": "q" * 201}), 400)["errors"][0]["field"] == "q"
    capped = client.get("/api/v1/models", params={"limit": 500}).json()
    assert len(capped["data"]) == 200 and capped["limit"] == 200
    assert "limit 500 is above the maximum of 200" in capped["limit_capped"]
    plain = client.get("/api/v1/models", params={"limit": 20}).json()
    assert plain["limit"] == 20 and "limit_capped" not in plain


def test_broken_json_says_so(client: TestClient) -> None:
    answer = client.post("/api/v1/check", content=b'{"models": ["org/a",}', headers={"Content-Type": "application/json"})
    body = assert_error(answer, 400)  # not JSON at all: a bad request, like a bad parameter (issue 11)
    assert body["errors"][0]["field"] == "body"
    assert "not valid JSON (at character 20" in body["message"]


def test_a_mistyped_parameter_is_refused_not_ignored(client: TestClient) -> None:
    # Ignored, `licence=mit` would answer "every model" to "which models are under mit?".
    typo = assert_error(client.get("/api/v1/models", params={"licence": "mit"}), 400)
    assert typo["message"] == "unknown query parameter 'licence' (did you mean 'license'?)"
    assert typo["errors"] == [{"field": "licence", "message": "unknown parameter; did you mean 'license'?"}]
    for path in ("/models", "/models.json", "/models.csv", "/licenses/mit"):
        answer = client.get(path, params={"licence": "mit"})
        assert answer.status_code == 400, path
        assert "did you mean &#39;license&#39;?" in answer.text or "did you mean 'license'?" in answer.text, path
    # Every endpoint checks against what it declares, dependencies included.
    assert "did you mean 'limit'" in assert_error(client.get("/api/v1/sync/runs", params={"limt": 5}), 400)["message"]
    detail = client.get("/api/v1/models/org/m001", params={"revison": "main"})
    assert "did you mean 'revision'" in assert_error(detail, 400)["message"]
    unrelated = assert_error(client.get("/api/v1/licenses", params={"q": "mit"}), 400)
    assert unrelated["message"] == "unknown query parameter 'q' (this endpoint takes none)"
    # Known parameters, and `_`-prefixed cache busters, still work.
    fine = client.get("/api/v1/models", params={"license": "mit", "_": "1712", "fields": "id", "format": "safetensors"})
    assert fine.status_code == 200, fine.text
    assert client.get("/models", params={"sort": "name", "_": "x"}).status_code == 200
