"""Configuration entries that describe another provider's API client (HELM's model deployments:
``client_spec: {class_name: helm.clients.openai_client.OpenAIClient}``): the models such an entry
names are that API's (``model_name: openai/gpt-4o``, ``together_model: huggyllama/llama-7b``),
served by the provider, not Hub repositories the project downloads. Its tokenizer is the
exception: a harness counts an API model's tokens with a tokenizer it downloads (HELM's Gemini
deployments name ``tokenizer_name: google/gemma-2b``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from catalog.scan.ids import API_PROVIDERS

# Keys naming the class an entry builds (HELM's class_name, Hydra's _target_, LightningCLI's class_path).
_CLASS_KEYS = frozenset({"class_name", "_target_", "class_path", "client_class"})
# Keys naming where an entry's model is served (`provider: anthropic`, `api_type: openai`).
_PROVIDER_KEYS = frozenset({"provider", "api_type", "api_provider"})
# The providers such a key names (LiteLLM's prefixes, and OpenAI's own name).
_PROVIDERS = API_PROVIDERS | {"openai"}
# Children of an entry that describe its client (HELM's client_spec).
_CLIENT_CHILDREN = frozenset({"client", "client_spec"})
# The API providers a client class is named for. A class of a server that serves Hub models
# under their own ids (Hugging Face's, vLLM's, TGI's) is not one of them.
_API_CLIENT = re.compile(
    r"openai|anthropic|together|vertex_?ai|google_?genai|gemini|bedrock|azure|cohere|ai21|aleph_?alpha|mistral"
    r"|palmyra|writer|watsonx|reka|grok|groq|fireworks|deepinfra|perplexity|replicate|nvidia_?nim|octoai"
    r"|goose_?ai|yandex|moonshot|dashscope|sambanova|stanford_?health|dspy",
    re.IGNORECASE,
)
_HUB_SERVING = re.compile(r"hugging_?face|\bhf_|vllm|tgi|text_generation|sglang", re.IGNORECASE)


def api_tokenizer(key: str) -> bool:
    """Whether an API client entry's (normalised) ``key`` names the tokenizer the project loads for it."""
    return "tokenizer" in key


def api_client(pairs: Iterable[tuple[str, object]], normal: Callable[[object], str]) -> bool:
    """Whether an entry (its ``(key, value)`` pairs, keys read by ``normal``; a value a string, a
    child entry's own pairs as a list, or None) describes another provider's API client: a client
    class named for a provider (``OpenAIClient``, ``VertexAIChatClient``; itself or in its
    ``client_spec``), or a ``provider:`` that is an API provider's name."""
    for key, value in pairs:
        name = normal(key)
        if isinstance(value, str):
            if name in _CLASS_KEYS and _api_class(value):
                return True
            if name in _PROVIDER_KEYS and value.lower() in _PROVIDERS:
                return True
        elif isinstance(value, list) and (name in _CLIENT_CHILDREN or name.endswith("_spec")) and any(
                normal(k) in _CLASS_KEYS and isinstance(v, str) and _api_class(v) for k, v in value):
            return True
    return False


def _api_class(path: str) -> bool:
    """``helm.clients.openai_client.OpenAIClient``: a client class of a provider's API."""
    last = path.rsplit(".", 1)[-1]
    return "Client" in last and _API_CLIENT.search(path) is not None and _HUB_SERVING.search(path) is None
