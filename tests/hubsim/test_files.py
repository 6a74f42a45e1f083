"""File downloads of the fake Hub, checked with huggingface_hub's own downloader and raw HTTP."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest
from huggingface_hub import hf_hub_download
from huggingface_hub.errors import EntryNotFoundError, GatedRepoError, RevisionNotFoundError

from catalog.crawl.hub import HubClient
from catalog.hubsim.server import HubServer, HubStore

SHA = "c" * 40
TEXT = b"Permission is hereby granted, free of charge.\n"
WEIGHTS = b"\x00" * 2048


@pytest.fixture
def hub():
    store = HubStore([{"id": "acme/open", "sha": SHA}, {"id": "acme/gated", "sha": SHA, "gated": "manual"}])
    store.put_file("acme/open", "LICENSE", TEXT)
    store.put_file("acme/open", "model.safetensors", WEIGHTS, lfs=True)
    store.put_file("acme/gated", "LICENSE", TEXT)
    with HubServer(store, token="good") as server:
        yield server


def test_the_official_downloader_reads_files_and_meets_the_hubs_errors(hub, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    path = hf_hub_download("acme/open", "LICENSE", endpoint=hub.url, cache_dir=tmp_path)
    assert Path(path).read_bytes() == TEXT
    weights = hf_hub_download("acme/open", "model.safetensors", endpoint=hub.url, cache_dir=tmp_path)
    assert Path(weights).read_bytes() == WEIGHTS  # through the LFS redirect
    with pytest.raises(EntryNotFoundError):
        hf_hub_download("acme/open", "NOTICE", endpoint=hub.url, cache_dir=tmp_path)
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download("acme/open", "LICENSE", revision="d" * 40, endpoint=hub.url, cache_dir=tmp_path)
    with pytest.raises(GatedRepoError):
        hf_hub_download("acme/gated", "LICENSE", endpoint=hub.url, cache_dir=tmp_path)
    path = hf_hub_download("acme/gated", "LICENSE", endpoint=hub.url, cache_dir=tmp_path, token="good")
    assert Path(path).read_bytes() == TEXT


def test_resolve_answers_carry_the_hubs_headers(hub) -> None:
    url = f"{hub.url}/acme/open/resolve/main/LICENSE"
    blob = hashlib.sha1(b"blob %d\0" % len(TEXT) + TEXT).hexdigest()
    head = httpx.head(url)
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", str(len(TEXT)))
    assert (head.headers["etag"], head.headers["x-repo-commit"]) == (f'"{blob}"', SHA)
    assert httpx.get(url, headers={"If-None-Match": f'"{blob}"'}).status_code == 304
    lfs = httpx.get(f"{hub.url}/acme/open/resolve/main/model.safetensors")
    assert lfs.status_code == 302 and lfs.headers["x-linked-etag"] == f'"{hashlib.sha256(WEIGHTS).hexdigest()}"'
    assert lfs.headers["x-linked-size"] == str(len(WEIGHTS))


def test_the_catalog_client_reads_an_lfs_file_by_its_sha256(hub) -> None:
    answer = HubClient(endpoint=hub.url).fetch_file("acme/open", "main", "model.safetensors")
    assert (answer.status, answer.content, answer.etag) == ("ok", WEIGHTS, hashlib.sha256(WEIGHTS).hexdigest())
    again = HubClient(endpoint=hub.url).fetch_file("acme/open", "main", "model.safetensors", etag=answer.etag)
    assert again.status == "unchanged"
    assert HubClient(endpoint=hub.url).fetch_file("acme/open", "main", "LICENSE", max_bytes=10).status == "too-large"
