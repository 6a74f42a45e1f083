"""Turning raw Hub items into stored fields: estimates, formats, lineage and garbage."""

from __future__ import annotations

import math

import pytest

from catalog.crawl.ingest import InvalidItem, content_hash, estimate_parameters, parse_item


@pytest.mark.parametrize(("repo_id", "expected"), [
    ("meta-llama/Llama-3.1-8B-Instruct", 8_000_000_000),
    ("TinyLlama/TinyLlama-1.1B-Chat-v1.0", 1_100_000_000),
    ("mistralai/Mixtral-8x7B-v0.1", 56_000_000_000),
    ("facebook/opt-350m", 350_000_000),
    ("google-t5/t5-11b", 11_000_000_000),
    ("Qwen/Qwen2.5-0.5B", 500_000_000),
    # The active-parameter count of a MoE ("A35b") and context lengths ("128k") are not sizes.
    ("HuggingFaceH4/zephyr-orpo-141b-A35b-v0.1", 141_000_000_000),
    ("NousResearch/Yarn-Llama-2-7b-128k", 7_000_000_000),
    ("google-bert/bert-base-uncased", None),
    ("someone/model-v0.1", None),
])
def test_parameter_estimate_from_the_name(repo_id, expected):
    assert estimate_parameters(repo_id) == expected


def test_hub_counts_win_over_the_name():
    model = parse_item({"id": "a/llama-7b", "safetensors": {"parameters": {"BF16": 6_738_415_616},
                                                            "total": 6_738_415_616}})
    assert (model.parameters_total, model.parameters_source) == (6_738_415_616, "safetensors")
    assert model.parameters_by_dtype == {"BF16": 6_738_415_616}
    gguf = parse_item({"id": "a/thing-GGUF", "gguf": {"total": 999_885_952, "architecture": "gemma3"}})
    assert (gguf.parameters_total, gguf.parameters_source, gguf.formats) == (999_885_952, "gguf", ["gguf"])


def test_weight_formats_come_from_the_file_list():
    files = ["README.md", "model-00001-of-00002.safetensors", "original/consolidated.00.pth",
             "onnx/model.onnx", "tf_model.h5", "pytorch_model.BIN"]
    model = parse_item({"id": "a/b", "siblings": [{"rfilename": f} for f in files]})
    assert model.formats == ["onnx", "pickle", "safetensors", "tensorflow"]
    assert model.files == files


def test_tags_name_the_base_even_when_the_card_still_has_the_old_id():
    model = parse_item({"id": "meta-llama/Llama-3.1-8B-Instruct",
                        "tags": ["base_model:meta-llama/Llama-3.1-8B", "base_model:finetune:meta-llama/Llama-3.1-8B"],
                        "cardData": {"base_model": "meta-llama/Meta-Llama-3.1-8B"}})
    assert model.bases == [("meta-llama/Llama-3.1-8B", "finetune", "tags")]


@pytest.mark.parametrize(("card", "files", "expected"), [
    ({"base_model": "org/base", "base_model_relation": "quantized"}, [], "quantized"),
    ({"base_model": ["org/a", "org/b"]}, [], "merge"),
    ({"base_model": "org/base"}, ["adapter_config.json", "adapter_model.safetensors"], "adapter"),
    ({"base_model": "org/base"}, ["model-Q4_K_M.gguf"], "quantized"),
    ({"base_model": "org/base"}, ["model.safetensors"], "finetune"),
])
def test_card_bases_get_the_hubs_inferred_relation(card, files, expected):
    model = parse_item({"id": "x/y", "cardData": card, "siblings": [{"rfilename": f} for f in files]})
    assert {relation for _, relation, _ in model.bases} == {expected}
    assert all(source == "card" for _, _, source in model.bases)


def test_license_fields_are_kept_exactly_as_declared():
    card = {"license": ["Apache 2.0", 3], "license_name": {"odd": True}, "license_link": "LICENSE"}
    model = parse_item({"id": "a/b", "cardData": card, "tags": ["license:apache-2.0", "license:mit"]})
    assert model.license_raw == ["Apache 2.0", 3]
    assert model.license_name_raw == {"odd": True}
    assert model.license_link_raw == "LICENSE"
    assert model.license_tags == ["apache-2.0", "mit"]


def test_garbage_fields_are_recorded_not_fatal():
    model = parse_item({"id": "a/b", "cardData": "license: mit", "tags": "nlp", "downloads": -5, "likes": "many",
                        "lastModified": "yesterday", "gated": "sometimes", "private": "no",
                        "safetensors": [1, 2], "siblings": {"rfilename": "x"}, "sha": 42})
    fields = {p["field"] for p in model.problems}
    assert fields == {"cardData", "tags", "downloads", "likes", "lastModified", "gated", "private",
                      "safetensors", "siblings", "sha"}
    assert (model.downloads, model.likes, model.gated, model.tags, model.card_data) == (None, None, "false", [], None)
    assert next(p for p in model.problems if p["field"] == "cardData")["value"] == "license: mit"


def test_values_no_database_can_store_are_cleaned_and_recorded():
    model = parse_item({"id": "a/b", "cardData": {"license": "mit\x00", "score": math.nan}})
    assert model.license_raw == "mit"
    assert model.card_data == {"license": "mit", "score": None}
    assert any(p["field"] == "cardData" for p in model.problems)


@pytest.mark.parametrize("item", [None, [], "a/b", {"id": ""}, {"id": 7}, {"modelId": None}, {"id": "x" * 201}])
def test_items_without_a_usable_id_are_refused(item):
    with pytest.raises(InvalidItem):
        parse_item(item)


def test_counters_do_not_change_the_content_hash():
    item = {"id": "a/b", "sha": "1" * 40, "downloads": 5, "likes": 1, "cardData": {"license": "mit"}}
    assert content_hash(item) == content_hash({**item, "downloads": 9000, "likes": 70, "trendingScore": 3})
    assert content_hash(item) != content_hash({**item, "cardData": {"license": "apache-2.0"}})
