"""The HTML catalogue and its JSON/CSV twins, through FastAPI's TestClient."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from catalog.config import Settings
from catalog.facts.record import model_record
from catalog.search.query import SearchParams, search
from catalog.web.app import create_app
from tests.factories import hub_item, load

HOSTILE_ID = "evil/<script>alert(1)</script>"
HOSTILE_PROMPT = '<img src=x onerror="alert(2)"> You agree to «terms» 日本語'
JSON = {"Accept": "application/json"}


@pytest.fixture
def catalogue(factory):
    load(
        factory,
        hub_item("meta/llama-7b", license="llama2", downloads=900, safetensors={"total": 7_000_000_000}),
        hub_item("meta/llama-7b-chat", license="llama2", downloads=400, card={"base_model": "meta/llama-7b"}),
        hub_item(HOSTILE_ID, license="mit", downloads=5, pipeline_tag="<b>task</b>",
                 card={"extra_gated_prompt": HOSTILE_PROMPT, "model_name": "x" * 300,
                       "extra_gated_fields": {"<i>Company</i>": "text"}}),
        hub_item("=cmd/formula", license="apache-2.0", downloads=1),
    )
    return factory


def test_search_page_lists_models_with_facets(client, catalogue):
    response = client.get("/models", params={"license": "llama2"})
    assert response.status_code == 200
    body = response.text
    assert 'href="/models/meta/llama-7b"' in body
    assert "=cmd/formula" not in body
    assert 'rel="alternate" type="application/json" href="/models.json?license=llama2"' in body
    assert "Llama 2 Community License" in body or "llama2" in body


def test_hostile_hub_text_is_escaped_everywhere(client, catalogue):
    for url in ("/models", "/models?q=evil", "/licenses/mit", "/models/evil/%3Cscript%3Ealert(1)%3C/script%3E"):
        body = client.get(url).text
        assert "<script>alert(1)" not in body, url
        assert "<b>task</b>" not in body, url
    page = client.get("/models/evil/%3Cscript%3Ealert(1)%3C/script%3E")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<img src=x" not in page.text and "&lt;img src=x" in page.text  # gating prompt shown as text
    assert "日本語" in page.text and "&lt;i&gt;Company&lt;/i&gt;" in page.text


def test_json_twins_equal_the_query_functions(client, catalogue, factory):
    query = {"license": ["llama2", "mit"], "sort": "name"}
    with factory() as session:
        expected = search(session, SearchParams.from_query(query)).to_dict()
        record = model_record(session, "meta/llama-7b-chat")
    assert client.get("/models.json", params=query).json() == expected
    assert client.get("/models", params=query, headers=JSON).json() == expected
    assert client.get("/models/meta/llama-7b-chat.json").json() == record
    assert client.get("/models/meta/llama-7b-chat", headers=JSON).json() == record


def test_model_page_shows_lineage_memory_and_license_terms(client, catalogue):
    body = client.get("/models/meta/llama-7b-chat").text
    assert 'href="/models/meta/llama-7b"' in body  # its base, linked
    assert "https://huggingface.co/meta/llama-7b-chat" in body
    base = client.get("/models/meta/llama-7b").text
    assert "14 GB" in base and "7 GB" in base and "3.5 GB" in base  # bf16 / int8 / int4
    # Downward, the tree counts derivatives per relation and links the search that lists them.
    assert 'href="/models?base_model=meta/llama-7b&amp;relation=finetune">1 fine-tune</a>' in base.replace("%2F", "/")
    listed = client.get("/models.json", params={"base_model": "meta/llama-7b", "relation": "finetune"}).json()
    assert [r["id"] for r in listed["data"]] == ["meta/llama-7b-chat"]
    assert client.get("/models.json", params={"base_model": "meta/llama-7b", "relation": "merge"}).json()["count"] == 0


def test_csv_export_streams_every_matching_row(client, catalogue):
    response = client.get("/models.csv", params={"limit": "1"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == ["meta/llama-7b", "meta/llama-7b-chat", HOSTILE_ID, "'=cmd/formula"]
    assert rows[0]["license_id"] == "llama2" and rows[0]["parameters"] == "7000000000"


def test_unknown_model_is_a_404_with_suggestions(client, catalogue):
    response = client.get("/models/meta/llama-7c")
    assert response.status_code == 404
    assert 'href="/models/meta/llama-7b"' in response.text
    body = client.get("/models/meta/llama-7c", headers=JSON).json()
    assert body["ok"] is False and body["status"] == 404 and body["error"] == "not_found"


def test_bad_parameter_is_a_400_naming_it(client, catalogue):
    page = client.get("/models", params={"params_min": "seven"})
    assert page.status_code == 400
    assert "params_min" in page.text and "Traceback" not in page.text
    body = client.get("/models.json", params={"sort": "popularity"}).json()
    assert body["status"] == 400 and body["errors"][0]["field"] == "sort"


@pytest.mark.parametrize("url", ["/models", "/models.json", "/static/catalog.css", "/models/no/such", "/healthz"])
def test_security_headers_on_every_response(client, url):
    headers = client.get(url).headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"]


def test_pages_have_no_inline_script(client, catalogue):
    body = client.get("/models").text
    assert "<script>" not in body and "onclick" not in body and "style=" not in body


def test_licenses_and_sync_pages(client, catalogue):
    assert "Llama" in client.get("/licenses").text
    license_json = client.get("/licenses/llama2.json").json()
    assert license_json["license"]["id"] == "llama2"
    assert [r["id"] for r in license_json["models"]["data"]] == ["meta/llama-7b", "meta/llama-7b-chat"]
    assert client.get("/licenses/no-such-license").status_code == 404
    sync = client.get("/sync.json").json()
    assert sync["counts"]["models"] == 4 and sync["last_success"]["status"] == "completed"
    assert "completed" in client.get("/sync").text


def test_healthz(client):
    assert client.get("/healthz").json() == {"ok": True, "database": "ok"}


def test_oversized_body_is_refused(client):
    response = client.post("/models", content=b"x" * 2_000_000, headers=JSON)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_private_catalogue_needs_sign_in(engine):
    app = create_app(Settings(public_read=False, secret_key="k"), engine=engine)
    with TestClient(app, follow_redirects=False) as anonymous:
        page = anonymous.get("/models?license=mit")
        assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
        assert anonymous.get("/models.json").status_code == 401
        assert anonymous.get("/healthz").status_code == 200


def test_the_server_reads_a_sqlite_catalogue_through_a_memory_map(tmp_path):
    """Searches at a million models read pages all over the file: the server maps it (its
    connections, also those pooled before the app was built); other commands, a sync among them,
    do not (the mapped file would count in their resident memory)."""
    from catalog.db.engine import make_engine, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    upgrade(engine)
    with engine.connect() as before:
        assert before.exec_driver_sql("PRAGMA mmap_size").scalar() == 0
    create_app(Settings(public_read=True, secret_key="k"), engine=engine)
    with engine.connect() as pooled:
        assert pooled.exec_driver_sql("PRAGMA mmap_size").scalar() > 0
    engine.dispose()


def test_model_page_says_not_recorded_rather_than_inventing(client, factory):
    # A model whose sources record no sha, date or file list (as in the demo snapshot).
    item = hub_item("demo/unrecorded", license="mit")
    for key in ("sha", "lastModified", "siblings"):
        del item[key]
    load(factory, item)
    body = client.get("/models/demo/unrecorded").text
    assert body.count("not recorded") >= 3
    assert client.get("/models/demo/unrecorded.json").json()["sha"] is None


def test_sync_page_lists_a_runs_problems_by_model(client, factory):
    load(factory, hub_item("acme/zero", license="mit", safetensors={"total": 0}),
         hub_item(HOSTILE_ID, license="mit", safetensors={"total": -1}))
    body = client.get("/sync").text
    assert "2 problems" in body
    assert re.search(r'<a href="/models/acme/zero">acme/(<wbr>)?zero</a>: malformed safetensors', body)
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body
    assert client.get("/sync.json").json()["runs"][0]["problems"][0] == {"model": "acme/zero", "fields": ["safetensors"]}
