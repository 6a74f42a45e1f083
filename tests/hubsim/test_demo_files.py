"""The demo's Hub serves the Meta Llama license texts from shared/hub-data (never bundled)."""

from __future__ import annotations

import pytest

from catalog.crawl.hub import HubClient
from catalog.hubsim.demo_files import attach_license_texts
from catalog.hubsim.server import HubServer, HubStore
from catalog.hubsim.snapshot import SNAPSHOT_PATH
from catalog.licenses.fingerprint import load_fingerprints
from tests.conftest import SHARED

pytestmark = pytest.mark.skipif(not (SHARED / "hub-data" / "meta-llama_llama-models").is_dir(),
                                reason="needs the shared/hub-data license texts")


def test_the_llama_models_of_the_snapshot_get_the_texts_of_their_declared_license(monkeypatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    store = HubStore.from_jsonl(SNAPSHOT_PATH)
    given = attach_license_texts(store, SHARED)
    assert "meta-llama/Llama-3.1-8B-Instruct/LICENSE" in given
    assert "meta-llama/Meta-Llama-3-8B-Instruct/USE_POLICY.md" in given
    with HubServer(store, token="t") as hub:
        assert HubClient(endpoint=hub.url).fetch_file("meta-llama/Llama-3.1-8B-Instruct", "main", "LICENSE") \
            .status == "gated"  # Meta's repositories are gated: no token, no text
        answer = HubClient(endpoint=hub.url, token="t").fetch_file("meta-llama/Llama-3.1-8B-Instruct", "main",
                                                                  "LICENSE")
    assert answer.status == "ok"
    assert load_fingerprints().detect(answer.content.decode()).license_id == "llama3.1"
