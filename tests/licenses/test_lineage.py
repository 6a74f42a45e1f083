"""The curated lineage table's lookups: which entries a base reaches, and what their patterns match."""

from __future__ import annotations

import re

import pytest

from catalog.licenses.lineage import CuratedBase, curated_for_bases, literal_prefix


def entry(pattern: str) -> CuratedBase:
    return CuratedBase(re.compile(pattern, re.IGNORECASE), "org/base", "finetune", "mit", "a test")


@pytest.mark.parametrize(("pattern", "prefix", "matching"), [
    (r"deepseek-ai/DeepSeek-R1-Distill-Qwen-1\.5B", "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
     ["DEEPSEEK-AI/deepseek-r1-distill-qwen-1.5b"]),
    (r"org/model-v?2", "org/model-", ["org/model-2", "org/model-v2"]),
    (r"org/model\.?x", "org/model", ["org/modelx", "org/model.x"]),
    (r"org/.*-gguf", "org/", ["org/a-gguf", "org/-gguf"]),
    (r"org/x\d+", "org/x", ["org/x1", "org/x42"]),
    (r"org/(a|b)", "", ["org/a", "org/b"]),
    (r"org/a+b", "org/a", ["org/ab", "org/aaab"]),
    (r"org/under_score\\x", "org/under_score\\x", ["org/under_score\\x"]),
])
def test_every_repo_id_a_pattern_matches_begins_with_its_literal_prefix(pattern, prefix, matching):
    curated = entry(pattern)
    assert literal_prefix(curated) == prefix
    for repo_id in matching:
        assert curated.pattern.fullmatch(repo_id)
        assert repo_id.lower().startswith(prefix.lower())


def test_the_real_table_s_entries_are_found_by_their_base_in_any_case():
    found = curated_for_bases(["META-LLAMA/llama-3.1-8b", "unrelated/model"])
    assert [e.base for e in found] == ["meta-llama/Llama-3.1-8B"]
    assert found[0].pattern.fullmatch("deepseek-ai/DeepSeek-R1-Distill-Llama-8B")
    assert curated_for_bases([]) == ()
