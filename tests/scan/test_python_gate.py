"""A Python file is parsed whenever it holds a word some rule looks for: the shortcut that spares
discovery the parse of every other file (``has_rule_word``) must never turn such a file away."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.scan.python_gate import _ENV_WORDS, _MODEL_WORDS, _RULE_WORDS, has_rule_word
from catalog.scan.python_loaders import _API_PARAMS, _MODEL_AND_TOKENIZER, _NAMED, HUB_DOWNLOADS, ID_KEYWORDS


def holds_a_rule_word(data: bytes) -> bool:
    """The gate's definition, word by word, without its shortcuts."""
    return any(word in data for word in _RULE_WORDS) or (
        any(word in data for word in _ENV_WORDS) and any(word in data for word in _MODEL_WORDS))


@pytest.mark.parametrize("word", _RULE_WORDS + tuple(word.swapcase() for word in _RULE_WORDS))
def test_a_file_is_parsed_exactly_when_it_holds_a_rule_word_in_its_own_case(word):
    data = b'"""Module."""\nimport os\n\nvalue = ' + word + b"\n"
    assert has_rule_word(data) == holds_a_rule_word(data)
    if word in _RULE_WORDS:
        assert has_rule_word(data)


# Words, their other cases and halves (which may join into a word or stay apart), and filler.
PIECES = st.sampled_from([*_RULE_WORDS, *_ENV_WORDS, *_MODEL_WORDS,
                          *(word.swapcase() for word in _RULE_WORDS), *(word.lower() for word in _RULE_WORDS),
                          *(word[:len(word) // 2] for word in _RULE_WORDS),
                          *(word[len(word) // 2:] for word in _RULE_WORDS),
                          b" ", b"\n", b"x = f(1)", b"_", b"-", b"/", b"MoDeL", b"\xc3\xa9"])


@settings(max_examples=1000, database=None, deadline=None)
@given(st.lists(PIECES, max_size=10))
def test_the_gate_turns_away_only_files_without_a_rule_word(pieces):
    data = b"".join(pieces)
    assert has_rule_word(data) == holds_a_rule_word(data)


def test_every_loader_the_rules_know_opens_the_gate():
    # InvokeAI's `huggingface_hub.hf_hub_url(cls.hf_repo_id, ...)` was never parsed: hf_hub_url was a
    # loader of the rules but no word of the gate, so a file calling only it was turned away.
    names = [*_NAMED, *HUB_DOWNLOADS, *_MODEL_AND_TOKENIZER, *_API_PARAMS]
    turned_away = [name for name in names if not has_rule_word(f'value = helper.{name}(repo, "x")\n'.encode())]
    turned_away += [word for word in ID_KEYWORDS if not has_rule_word(f'value = helper(repo, {word}=x)\n'.encode())]
    assert turned_away == []
