"""Identifying license texts by fingerprint (texts read from shared/hub-data, never bundled)."""

from __future__ import annotations

import json

import pytest

from catalog.licenses.fingerprint import THRESHOLD, load_fingerprints, normalise
from catalog.licenses.fingerprint_build import build, source_texts
from catalog.resources import data_path
from tests.conftest import SHARED

HUB_DATA = SHARED / "hub-data"
needs_texts = pytest.mark.skipif(not (HUB_DATA / "modelgo").is_dir(), reason="needs the shared/hub-data texts")


def text(relative: str) -> str:
    return (HUB_DATA / relative).read_text(encoding="utf-8")


def test_normalising_drops_copyright_statements_markup_and_wrapping_but_keeps_prose() -> None:
    words = normalise("# License\n\nCopyright (c) 2024 ACME Corp. All rights reserved.\n"
                      "**Keep** the [copyright notice](https://x.org)\nin all copies.")
    assert words == ["license", "keep", "the", "copyright", "notice", "in", "all", "copies"]


def test_the_fingerprint_file_holds_hashes_and_sources_never_a_text() -> None:
    document = json.loads(data_path("licenses", "fingerprints.json").read_text())
    for reference in document["references"]:
        assert set(reference) == {"name", "license_id", "source", "text_sha256", "redistributable", "terms", "hashes"}
        assert reference["source"] and len(reference["text_sha256"]) == 64


@needs_texts
def test_the_shipped_fingerprints_are_those_the_shared_texts_build() -> None:
    assert build(SHARED) == json.loads(data_path("licenses", "fingerprints.json").read_text())


@needs_texts
def test_a_llama_agreement_in_markdown_with_another_date_is_still_llama() -> None:
    edited = "## Model license\n\n" + text("meta-llama_llama-models/llama3_1/LICENSE").replace("2024", "2025")
    detection = load_fingerprints().detect(edited)
    assert (detection.license_id, detection.recognised) == ("llama3.1", True) and detection.score >= THRESHOLD
    assert detection.redistributable is False


@needs_texts
def test_near_relatives_are_told_apart_and_an_appended_license_is_reported() -> None:
    fingerprints = load_fingerprints()
    assert fingerprints.detect(text("modelgo/license_raw/CC-BY-NC-4.0.txt") + " ").license_id == "cc-by-nc-4.0"
    both = text("modelgo/license_raw/Apache-2.0.txt") + "\n---\n" + text("modelgo/license_raw/MIT.txt")
    detection = fingerprints.detect(both)
    assert (detection.license_id, detection.also) == ("apache-2.0", ("mit",))


def test_a_sentence_about_a_license_is_not_the_license() -> None:
    detection = load_fingerprints().detect("This model is released under the Apache License, Version 2.0. "
                                           "See the LICENSE file for the full terms and conditions of use.")
    assert detection.license_id is None and not detection.recognised


@needs_texts
def test_the_detection_benchmark_meets_its_targets() -> None:
    from tests.benchmarks.bench_license_detection import evaluate, not_licenses

    fingerprints = load_fingerprints()
    outcome = evaluate(fingerprints, source_texts(SHARED))
    counts = outcome["results"].values()
    assert sum(c["correct"] for c in counts) >= 0.99 * sum(c["texts"] for c in counts), outcome["failures"]
    assert outcome["false_matches"] == []
    assert not [name for name, content in not_licenses(SHARED) if fingerprints.detect(content).recognised]
