"""What a configuration key says: which keys name a model (:data:`MODEL_KEYS`, compared
case-insensitively, camelCase and ``-`` read as snake case), which name where something is
written, and the references a model key's value makes; :mod:`catalog.scan.config_files` walks the
documents and asks here."""

from __future__ import annotations

import functools
import re

from catalog.scan.base import IdCheck, Reference
from catalog.scan.ids import MODEL_ARGS as _MODEL_ARGS
from catalog.scan.ids import hub_url_id, is_local_folder, written_model

MODEL_KEYS = frozenset(
    {
        "model",
        "model_id",
        "model_name",
        "model_name_or_path",
        "pretrained_model_name_or_path",
        "name_or_path",  # ai-toolkit's model: {name_or_path: org/m}, the transformers idiom
        "model_path",  # SGLang's (its --model-path); a local folder is not an id, so it stays out
        "tokenizer_path",
        "base_model",
        "base_model_name_or_path",
        "repo_id",
        "hf_repo",
        "tokenizer",
        "tokenizer_name",
        "tokenizer_name_or_path",
        "tokenizer_config",
        "tokenizer_id",
        "teacher_model",
        "reward_model",
        "ref_model",
        "draft_model",
        "speculative_model",
        "embedding_model",
        "embed_model",
        "embeddings_model",
        "reranker",
        "reranker_model",
        "rerank_model",
        "adapter",
        "adapter_name_or_path",
        "lora_model",
        "peft_model",
        "model_args",
        "model_url",
        "model_repo",
        "model_source",  # Ray Serve LLM: model_loading_config.model_source
    }
)
# Any other key ending like this names a model too (critic_model_name_or_path, vision_model_id, ...).
MODEL_KEY_SUFFIXES = ("_model", "_model_id", "_model_name", "_model_name_or_path", "_tokenizer",
                      "_tokenizer_name", "_name_or_path",  # ai-toolkit's extras_name_or_path
                      "model_stub")  # llm-compressor's model_stub, compressed_model_stub
# Keys that name where a model is written or another provider's model, never a Hub use.
OUTPUT_KEYS = frozenset({"hub_model_id", "output_model", "output_dir", "save_model", "push_to_hub_model_id",
                         "run_name", "openai_model", "ollama_model", "api_model"})
# Keys nobody uses for anything but a Hugging Face id: a bare legacy name ("gpt2") counts here
# without asking the catalogue.
STRONG_KEYS = frozenset({"model_name_or_path", "pretrained_model_name_or_path", "tokenizer_name",
                         "base_model_name_or_path", "tokenizer_name_or_path"})
REVISION_KEYS = ("revision", "model_revision")


def normal_key(key: object) -> str:
    """A key as the tables here hold it: camelCase (modelURL, baseModel) and ``-`` read as snake_case."""
    return _normal_text(str(key))


@functools.lru_cache(maxsize=4096)
def _normal_text(key: str) -> str:
    # A large manifest repeats a few hundred keys thousands of times (kserve's install bundles).
    return _CAMEL.sub("_", key).lower().replace("-", "_")


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def is_model_key(key: object) -> bool:
    """Whether a configuration key names a model (see :data:`MODEL_KEYS`)."""
    normal = normal_key(key)
    return normal not in OUTPUT_KEYS and (normal in MODEL_KEYS or normal.endswith(MODEL_KEY_SUFFIXES))


def model_values(key: str, value: str) -> list[tuple[str, int]]:
    """The ids a model key's value names, with their offsets in it: the value itself, the model
    of a Hub URL, or each ``pretrained=``/``tokenizer=`` of an lm-eval ``model_args`` string."""
    if normal_key(key) == "model_args":
        return [(m.group(2), m.start(2)) for m in _MODEL_ARGS.finditer(value)]
    url = hub_url_id(value)
    if url is not None:
        return [url]
    return [written_model(value)]  # ${EMBEDDING_MODEL:BAAI/bge-small-en-v1.5}, LiteLLM's huggingface/org/m


def is_candidate(check: IdCheck, key: str, value: object) -> bool:
    """Whether ``value`` under ``key`` names a model: an id under a model key (not a local folder),
    or under any other key a Hub URL that fetches one."""
    if not isinstance(value, str):
        return False
    if not is_model_key(key):
        # Under any other key, a value that fetches a model names it (KubeAI's `url: hf://org/m`),
        # unless the key is where something is written.
        fetched = hub_url_id(value, downloads_only=True)
        return fetched is not None and normal_key(key) not in OUTPUT_KEYS and check.accepts(fetched[0], strong=True)
    return not is_local_folder(value) and any(
        check.accepts(v, strong=normal_key(key) in STRONG_KEYS or hub_url_id(value) is not None)
        for v, _ in model_values(key, value))


# A LiteLLM proxy's model_list entry names its model in litellm_params; its model_name is the
# alias clients ask the proxy for, not a model.
LABELLED_BY = frozenset({"litellm_params"})
LABEL_KEYS = frozenset({"model_name"})
# A mapping that says its source is the Hub (`type: huggingface`; torchchat's
# `distribution_channel: HuggingFaceSnapshot`) names its repo in these keys.
SOURCE_KEYS = frozenset({"type", "source", "provider", "hub", "registry", "distribution_channel"})
HUB_SOURCES = frozenset({"huggingface", "hugging_face", "hf", "huggingface_hub", "hugging-face",
                          "huggingfacesnapshot"})
HUB_REPO_KEYS = frozenset({"repository", "repo", "repo_id", "name", "id", "path", "distribution_path"})


def value_references(
    file: str,
    line: int,
    column: int,
    key: str,
    value: str,
    revision: str | None,
    related: tuple[int, ...] = (),
    check: IdCheck | None = None,
    quoted: bool = False,
) -> list[Reference]:
    """One reference per id the value names (a URL or an lm-eval ``model_args`` string may differ from it).

    ``column`` is where the value is written, its opening quote if ``quoted``: a reference to the
    whole value points there, one to an id inside it (a URL's) at the id.
    """
    related = tuple(n for n in related if n != line)
    strong = normal_key(key) in STRONG_KEYS or hub_url_id(value) is not None
    return [Reference(repo_id, file, line, column + (offset + quoted if offset and "\n" not in value else 0),
                      "config", revision, str(key), related)
            for repo_id, offset in model_values(key, value)
            if check is None or check.accepts(repo_id, strong=strong)]
