"""The one model-id resolver (catalog.facts.resolve) and every face that uses it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.db.engine import transaction
from catalog.db.tables import HubModel, ModelAlias
from catalog.errors import ModelNotFound
from catalog.facts.resolve import AmbiguousModel, find_model, resolve_ids, suggest_ids
from tests.factories import hub_item, load
from tests.web.test_api import make_app

MODELS = (
    hub_item("meta-llama/Llama-3.1-8B", license="llama3.1", downloads=9000),
    hub_item("unsloth/Llama-3.1-8B", license="llama3.1", downloads=50),
    hub_item("meta-llama/Llama-3.1-8B-Instruct", license="llama3.1", downloads=8000),
    hub_item("unsloth/Llama-3.1-8B-Instruct", license="llama3.1", downloads=40),
    hub_item("jebish7/Llama-3.1-8B-Instruct", license="llama3.1", downloads=3),
    hub_item("meta-llama/Llama-3.1-70B-Instruct", license="llama3.1", downloads=7000),
    hub_item("mistralai/Mistral-7B-v0.1", license="apache-2.0", downloads=6000),
    hub_item("mistralai/Mistral-7B-Instruct-v0.2", license="apache-2.0", downloads=5000),
    hub_item("mistralai/Mixtral-8x7B-v0.1", license="apache-2.0", downloads=4000),
    hub_item("openai-community/gpt2", license="mit", downloads=10000),
    hub_item("google-bert/bert-base-uncased", license="apache-2.0", downloads=9500),
)


@pytest.fixture
def catalogue(factory):
    load(factory, *MODELS)
    with transaction(factory) as session:
        bert = session.scalar(select(HubModel.id).where(HubModel.repo_id == "google-bert/bert-base-uncased"))
        session.add(ModelAlias(alias="bert-base-uncased", model_id=bert))
    return factory


def test_each_way_of_writing_an_id_resolves(catalogue) -> None:
    with catalogue() as session:
        found = resolve_ids(session, ["meta-llama/Llama-3.1-8B", "META-LLAMA/llama-3.1-8b", "bert-base-uncased",
                                      "gpt2", "GPT2", "Llama-3.1-8B", "nobody/xyz"])
    assert (found["meta-llama/Llama-3.1-8B"].repo_id, found["meta-llama/Llama-3.1-8B"].via) == \
        ("meta-llama/Llama-3.1-8B", "exact")
    assert (found["META-LLAMA/llama-3.1-8b"].repo_id, found["META-LLAMA/llama-3.1-8b"].via) == \
        ("meta-llama/Llama-3.1-8B", "case")
    assert found["bert-base-uncased"].repo_id == "google-bert/bert-base-uncased"
    assert found["bert-base-uncased"].via == "former-id"
    assert (found["gpt2"].repo_id, found["gpt2"].via) == ("openai-community/gpt2", "bare-name")
    assert found["GPT2"].repo_id == "openai-community/gpt2"
    ambiguous = found["Llama-3.1-8B"]
    assert ambiguous.model_id is None and ambiguous.ambiguous
    assert ambiguous.candidates == ("meta-llama/Llama-3.1-8B", "unsloth/Llama-3.1-8B")  # most downloaded first
    assert found["nobody/xyz"].model_id is None and not found["nobody/xyz"].ambiguous


def test_an_ambiguous_bare_name_says_so_and_lists_the_models(catalogue) -> None:
    with catalogue() as session, pytest.raises(AmbiguousModel) as raised:
        find_model(session, "Llama-3.1-8B")
    assert "ambiguous" in str(raised.value)
    assert "meta-llama/Llama-3.1-8B" in str(raised.value) and "unsloth/Llama-3.1-8B" in str(raised.value)


@pytest.mark.parametrize(("typo", "expected"), [
    ("Llama-3.1-8B-Instrct", ["meta-llama/Llama-3.1-8B-Instruct"]),
    ("meta-llama/Llama-3.1-8B-Instrct", ["meta-llama/Llama-3.1-8B-Instruct"]),
    ("mistralai/Mistral-7B-v0.2", ["mistralai/Mistral-7B-v0.1", "mistralai/Mistral-7B-Instruct-v0.2"]),
    ("bert-base-uncasd", ["google-bert/bert-base-uncased"]),
])
def test_did_you_mean_finds_what_was_meant(catalogue, typo: str, expected: list[str]) -> None:
    with catalogue() as session:
        suggestions = suggest_ids(session, typo)
        with pytest.raises(ModelNotFound) as raised:
            find_model(session, typo)
    assert suggestions[:len(expected)] == expected or set(expected) <= set(suggestions[:3]), suggestions
    assert suggestions[0] == expected[0]
    assert "Mixtral" not in " ".join(suggestions[:2])
    assert expected[0] in str(raised.value)


def test_the_suggestion_index_follows_new_models(catalogue) -> None:
    with catalogue() as session:
        assert "newco/Qwen-Coder-7B" not in suggest_ids(session, "newco/Qwen-Coder-7")
    load(catalogue, hub_item("newco/Qwen-Coder-7B"))
    with catalogue() as session:
        assert suggest_ids(session, "newco/Qwen-Coder-7")[0] == "newco/Qwen-Coder-7B"


def _api(db_url: str) -> TestClient:
    return TestClient(make_app(db_url, public_read=True))


def test_api_and_pages_use_the_resolver(catalogue, db_url: str) -> None:
    with _api(db_url) as client:
        unique = client.get("/api/v1/models/gpt2")
        history = client.get("/api/v1/models/Llama-3.1-70B-Instruct/history")
        ambiguous = client.get("/api/v1/models/Llama-3.1-8B/history")
        typo = client.get("/api/v1/models/Llama-3.1-8B-Instrct")
        page = client.get("/models/Llama-3.1-8B")
    assert unique.status_code == 200 and unique.json()["id"] == "openai-community/gpt2"
    assert history.status_code == 200 and history.json()["id"] == "meta-llama/Llama-3.1-70B-Instruct"
    assert ambiguous.status_code == 404
    assert "ambiguous" in ambiguous.json()["message"] and "unsloth/Llama-3.1-8B" in ambiguous.json()["message"]
    assert "meta-llama/Llama-3.1-8B-Instruct" in typo.json()["message"]
    assert page.status_code == 404 and "unsloth/Llama-3.1-8B" in page.text and "ambiguous" in page.text


def test_post_check_resolves_like_show_but_never_completes_a_bare_name(catalogue, db_url: str) -> None:
    with _api(db_url) as client:
        answer = client.post("/api/v1/check", json={
            "models": ["bert-base-uncased", "MISTRALAI/mistral-7b-v0.1", "gpt2", "Llama-3.1-8B"], "context": "internal"})
        shown = client.get("/api/v1/models/gpt2")
    verdicts: list[dict[str, Any]] = answer.json()["verdicts"]
    assert [v["repo_id"] for v in verdicts[:2]] == ["google-bert/bert-base-uncased", "mistralai/Mistral-7B-v0.1"]
    assert all(v["verdict"] == "pass" for v in verdicts[:2]), verdicts
    # Code names the id it downloads: "gpt2" is the Hub's legacy id only if a sync recorded its
    # redirect (bert-base-uncased's is); the one model of that name is a candidate, not the answer.
    # A person looking it up is shown the model, with its id.
    [reason] = [r for r in verdicts[2]["reasons"] if r["code"] == "not-in-catalogue"]
    assert verdicts[2]["repo_id"] == "gpt2" and "catalog sync --model gpt2" in reason["message"]
    assert reason["evidence"]["candidates"] == ["openai-community/gpt2"]
    assert shown.json()["id"] == "openai-community/gpt2"
    [reason] = [r for r in verdicts[3]["reasons"] if r["code"] == "not-in-catalogue"]
    assert "ambiguous" in reason["message"]
    assert reason["evidence"]["candidates"] == ["meta-llama/Llama-3.1-8B", "unsloth/Llama-3.1-8B"]


def test_the_suggestion_index_notices_a_rename_that_keeps_the_count(catalogue) -> None:
    from sqlalchemy import update

    with catalogue() as session:
        assert suggest_ids(session, "acme/phi-two")[:1] != ["acme/phi-2"]
    with transaction(catalogue) as session:  # as a rename does: same rows, new id, a new sync time
        from catalog.db.engine import utcnow

        session.execute(update(HubModel).where(HubModel.repo_id == "mistralai/Mixtral-8x7B-v0.1")
                        .values(repo_id="acme/phi-2", last_synced_at=utcnow()))
    with catalogue() as session:
        assert suggest_ids(session, "acme/phi-2x")[0] == "acme/phi-2"


def test_bom_and_notices_resolve_like_check(catalogue) -> None:
    import json

    from catalog.scan.bom import build_bom
    from catalog.scan.notices import build_notices

    refs = [("gpt2", None), ("bert-base-uncased", None), ("META-LLAMA/llama-3.1-70b-instruct", None)]
    with catalogue() as session:
        bom = json.loads(build_bom(session, refs))
        notices = build_notices(session, refs)
    purls = " ".join(c.get("purl", "") for c in bom["components"])
    for current in ("google-bert/bert-base-uncased", "meta-llama/Llama-3.1-70B-Instruct"):
        assert f"pkg:huggingface/{current}@" in purls, purls
    assert "google-bert/bert-base-uncased" in notices
    # A bare name no model is stored or recorded under is not completed to the one model of that name.
    assert "openai-community/gpt2" not in purls and "openai-community/gpt2" not in notices
