"""What a model id looks like in text: the Hub's id syntax, bare legacy names, Hub URLs, local folders.

The tests every scanner applies to a candidate string before it is a reference (with
:class:`catalog.scan.base.IdCheck`, which adds what the catalogue knows).
"""

from __future__ import annotations

import re

# Each part: starts with an ASCII letter or digit, ends with a letter, digit or "_" (the Hub
# rejects a trailing "-" or "."), at most 96 characters.
_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?"
_REPO_ID = re.compile(rf"(?:{_PART}/)?{_PART}")

# Names ending like this are files, never repos, even though the Hub's charset allows them.
_FILE_SUFFIXES = frozenset(
    {
        "json",
        "jsonl",
        "yaml",
        "yml",
        "toml",
        "ini",
        "cfg",
        "txt",
        "md",
        "rst",
        "csv",
        "tsv",
        "parquet",
        "arrow",
        "py",
        "ipynb",
        "sh",
        "bin",
        "pt",
        "pth",
        "ckpt",
        "safetensors",
        "gguf",
        "ggml",
        "onnx",
        "h5",
        "pb",
        "tflite",
        "pkl",
        "pickle",
        "npy",
        "npz",
        "msgpack",
        "model",
        "zip",
        "tar",
        "gz",
        "tgz",
        "xz",
        "bz2",
        "zst",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "wav",
        "mp3",
        "mp4",
        "log",
        "html",
        "xml",
        "js",
        "ts",
        "lock",
    }
)


def looks_like_repo_id(value: str) -> bool:
    """Return whether ``value`` is syntactically a Hub model id (``"org/name"`` or legacy ``"gpt2"``).

    Mirrors the Hub's rules: an optional ``org/`` and a name, each ``[A-Za-z0-9][A-Za-z0-9._-]*``
    and at most 96 characters, without ``--`` or ``..``, not ending in ``-``/``.``/``.git``.
    Paths (``./x``, ``/x``, ``../x``, ``~/x``, ``a/b/c``), URLs and names ending in a file
    extension (``config.json``, ``model.safetensors``) are rejected. Being syntactically valid
    is not enough to be reported: see the rules in :mod:`catalog.scan.discovery`.
    """
    if not isinstance(value, str) or not _REPO_ID.fullmatch(value):
        return False
    if "--" in value or ".." in value or value.endswith(".git"):
        return False
    _, dot, suffix = value.rpartition(".")
    return not (dot and suffix.lower() in _FILE_SUFFIXES)


# "provider/model" names of API clients (LiteLLM and what builds on it: proxy configs, CrewAI,
# Aider, DSPy): the prefix is an API, not a Hub organisation, and "openai/gpt-4o" is no Hub model.
# Written as these clients write them (lower case): the Hub's "Groq" or "Cohere" organisations stay ids.
API_PROVIDERS = frozenset({
    "anthropic", "azure", "azure_ai", "bedrock", "bedrock_converse", "vertex_ai", "vertex_ai_beta", "gemini",
    "cohere", "cohere_chat", "together_ai", "ollama", "ollama_chat", "openrouter", "deepinfra", "perplexity",
    "fireworks_ai", "replicate", "sagemaker", "sagemaker_chat", "watsonx", "xai", "sambanova", "ai21",
    "nvidia_nim", "cloudflare", "lm_studio", "text-completion-openai", "anyscale", "voyage", "groq",
    "mistral", "deepseek", "litellm_proxy", "friendliai", "nlp_cloud", "aleph_alpha", "palm",
    "dashscope", "moonshot", "openai_like",
})
# Left out although LiteLLM has them: organisations of the Hub that publish models under the same
# lower-case name (databricks/dbrx-base, cerebras/Cerebras-GPT-13B, predibase/... adapters).
# Their providers that serve a Hub model under its own id: huggingface/org/m (also through an
# inference provider, huggingface/together/org/m), and a vLLM server's hosted_vllm/org/m.
_HUB_PROVIDERS = frozenset({"huggingface", "hosted_vllm", "vllm"})
# "openai/" is also a Hub organisation (openai/whisper-large-v3, openai/gpt-oss-20b): only the
# names of OpenAI's API models and of tiktoken's encodings (`openai/o200k_base`) are not ids.
_OPENAI_API_MODEL = re.compile(r"(?:gpt-(?:3\.5|35|4|5)|chatgpt|o[1-9](?:-|$)|text-embedding|dall-e|whisper-1|tts-1"
                               r"|davinci|babbage|omni-moderation|gpt-image|computer-use|[a-z]*\d+k_base|p50k_edit)",
                               re.IGNORECASE)


def provider_model(value: str) -> str | None:
    """The Hub id a model name stands for: ``value`` itself, the id after a Hub-serving provider's
    prefix (``huggingface/org/m`` → ``org/m``), or None for another API's model (``openai/gpt-4o``)."""
    provider, slash, rest = value.partition("/")
    if not slash:
        return value
    if provider in _HUB_PROVIDERS and "/" in rest:
        return "/".join(rest.rsplit("/", 2)[-2:])
    if provider in API_PROVIDERS or provider == "openai" and _OPENAI_API_MODEL.match(rest):
        return None
    return value


# A rate limit ("1/second", "100/minute": slowapi's, in a setting named for the model it limits).
_RATE_LIMIT = re.compile(r"\d+/(?:second|minute|hour|day|sec|min|[smhd])s?", re.IGNORECASE)
# The Hub's legacy names without an organisation have a digit or a hyphen (gpt2, t5-small,
# bert-base-uncased), but for this one.
_LEGACY_PLAIN_WORDS = frozenset({"ctrl"})


# The words a test's or an example's stand-in name is made of ("test-model", "fake-model",
# "dummy-number-1", "model1"): no legacy id of the Hub is made of these alone.
_PLACEHOLDER_WORDS = frozenset({
    "test", "tests", "testing", "mock", "mocked", "dummy", "fake", "my", "your", "some", "another", "other",
    "example", "sample", "foo", "bar", "baz", "placeholder", "model", "models", "name", "number",
    "nonexistent", "invalid", "unknown", "random", "path", "to", "the", "trained", "output", "outputs",
    "checkpoint", "local",
})


def model_shaped(value: str) -> bool:
    """Whether ``value`` may name a Hub model at all: shaped like a repo id, not another API's model
    (``openai/gpt-4o``, or Azure's bare ``gpt-35-turbo-instruct`` given as LLMLingua's
    ``--model_name_or_path``), not a rate limit (``100/minute``) nor "not available" (``N/A``: optimum-intel's
    ``_tokenizers_version = "N/A"``)."""
    return (looks_like_repo_id(value) and provider_model(value) is not None and not _RATE_LIMIT.fullmatch(value)
            and value.lower() != "n/a" and not ("/" not in value and _OPENAI_API_MODEL.match(value)))


def legacy_shaped(name: str) -> bool:
    """Whether a bare name is shaped like one of the Hub's legacy model names (``gpt2``,
    ``bert-base-uncased``) or a local copy of a model named as its repository is
    (``Llama-3.1-8B``, which the check then names the candidates of): a letter, and a digit or
    hyphen. A command line's bare word without either (a flag list's "download") is not; nor is a
    word in capitals (a variable ``MODEL_2``) or a Python name in CamelCase (a class or layer name a test
    passes to its own factory: peft's ``"Conv2d"``, ``"EmbConv1D"``, on 126 lines), nor an
    address (``127.0.0.1``), nor a stand-in made of placeholder words (``"test-model"``,
    ``"fake-model"``, ``"model1"``: a test's mock, never a legacy id)."""
    if name in _LEGACY_PLAIN_WORDS:
        return True
    if stand_in(name) or name.isidentifier() and name != name.lower():
        return False
    return "-" in name or any(c.isdigit() for c in name)


def stand_in(name: str) -> bool:
    """Whether a bare name is a stand-in, not a model's: a word in capitals (``PATH_TO_MODEL``,
    ``MODEL_2``) or one made of placeholder words only (``test-model``, ``model1``)."""
    words = [word for word in re.split(r"[\W\d_]+", name.lower()) if word]
    return name.isupper() or not words or all(word in _PLACEHOLDER_WORDS for word in words)


# Folders code commonly writes to or reads local checkpoints from: "<folder>/<name>" is a path.
LOCAL_FOLDERS = frozenset(
    {"models", "model", "output", "outputs", "out", "checkpoints", "checkpoint", "ckpt", "ckpts", "saved",
     "saved_models", "save", "runs", "results", "tmp", "temp", "data", "weights", "exp", "experiments",
     "logs", "cache", "local", "artifacts", "trained", "finetuned", "pretrained", "merged", "adapters",
     "lora", "export", "exports", "build", "dist", "assets", "resources", "src", "test", "tests"}
)


def is_local_folder(value: str) -> bool:
    """``models/my-base-7b``, ``outputs/final``: a relative folder, not an organisation's repo."""
    head, slash, _ = value.partition("/")
    return bool(slash) and head.lower() in LOCAL_FOLDERS


# lm-evaluation-harness's model_args string: "pretrained=org/name,dtype=float16" (values may be quoted).
MODEL_ARGS = re.compile(r"""(?:^|,)\s*(pretrained|tokenizer|peft|delta)=["']?([^,\s"']+)""")

# Hub URLs and prefixed ids that name a model: https://huggingface.co/org/name[/resolve/...],
# hf://org/name/..., timm/open_clip's hf-hub:org/name. Datasets, Spaces and site pages are not models.
_HUB_URL = re.compile(
    r"(?:https?://(?:www\.)?(?:huggingface\.co|hf\.co)/|hf://|hf[-_]hub:)"
    r"([A-Za-z0-9][\w.-]*)(?:/([A-Za-z0-9][\w.-]*))?",
    re.IGNORECASE,
)
# What a URL's path runs on to, and the pictures it may end with: fetching one is not using the model.
_URL_END = re.compile(r"[^\s\"'<>)\]]*")
_PICTURES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico", ".bmp")
# hf:// URIs may name a repository's type, singular or plural: only a model's counts.
_HF_URI_OTHER_TYPES = frozenset({"dataset", "datasets", "space", "spaces", "bucket", "buckets"})
_URI_PARTS = re.compile(r"([A-Za-z0-9][\w.-]*)/([A-Za-z0-9][\w.-]*)")
_NOT_MODEL_PATHS = frozenset(
    {
        "datasets", "spaces", "docs", "blog", "papers", "join", "login", "settings", "pricing", "learn",
        "tasks", "api", "new", "organizations", "models", "collections", "posts", "chat", "course",
        "huggingface_hub", "transformers", "enterprise", "support", "terms-of-service", "privacy",
        "buckets", "cli", "static-proxy", "front", "avatars", "oauth", "changelog", "storage", "kernels",
    }
)


# ${NAME:-default}, ${NAME-default}, ${NAME:=default} (shells, compose) and ${NAME:default}
# (Spring-style settings): when NAME is unset, the value is the default.
_ENV_DEFAULT = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-=]|:)([^}$]+)\}")


def env_default(value: str) -> tuple[str, int] | None:
    """The default of a value that is one environment substitution with a default, and where
    in ``value`` it starts, else None: ``${MODEL:-org/m}`` runs ``org/m`` unless MODEL is set,
    as does ``${MODEL:-"org/m"}`` (the shell removes the quotes)."""
    match = _ENV_DEFAULT.fullmatch(value)
    if match is None:
        return None
    default, start = match.group(1), match.start(1)
    if len(default) > 2 and default[0] == default[-1] and default[0] in "\"'":
        default, start = default[1:-1], start + 1
    return default, start


def written_model(value: str) -> tuple[str, int]:
    """The model name a written value (a flag's, a key's) stands for, and where in ``value`` it
    starts: an environment default's (``${MODEL:-org/m}``), then the id after a Hub-serving
    provider's prefix (``huggingface/org/m``); else ``value``. Another API's model name is left as
    written, for :meth:`IdCheck.accepts` to refuse."""
    offset = 0
    default = env_default(value)
    if default is not None:
        value, offset = default
    served = provider_model(value)
    if served is not None and served != value:
        offset += len(value) - len(served)
        value = served
    return value, offset


def hub_url_id(value: str, *, downloads_only: bool = False) -> tuple[str, int] | None:
    """The model a Hub URL or ``hf-hub:`` id names, and where in ``value`` it starts, else None.

    Only the org/name form counts: a bare ``https://huggingface.co/gpt2`` is as likely a page.
    With ``downloads_only`` (a string in no model position) only what fetches the model counts:
    a prefixed id (``hf://``, ``hf-hub:``), a file URL (``/resolve/``, ``/raw/``) or a clone
    (``.git``); a link to the model's page is documentation (FastChat's model registry links
    60 models it serves none of).
    """
    match = _HUB_URL.search(value)
    if match is not None and match.group(0).lower().startswith("hf://") and match.group(2) is not None:
        kind = match.group(1).lower()
        if kind in _HF_URI_OTHER_TYPES:  # hf://dataset/org/name: another repository type
            return None
        if kind in ("model", "models"):  # hf://models/org/name: the model org/name, its type spelt out
            parts = _URI_PARTS.match(value, match.start(2))
            repo_id = f"{parts.group(1)}/{parts.group(2)}" if parts else ""
            return (repo_id, match.start(2)) if looks_like_repo_id(repo_id) else None
    if match is None or match.group(2) is None or match.group(1).lower() in _NOT_MODEL_PATHS:
        return None
    if downloads_only and match.group(0).lower().startswith(("http://", "https://")) and not (
        match.group(2).lower().endswith(".git") or value.startswith(("/resolve/", "/raw/"), match.end())
    ):
        return None
    if downloads_only and _URL_END.match(value, match.end()).group().split("?")[0].lower().endswith(_PICTURES):
        return None  # a picture kept in a model's repository (a gallery's icon, a test's input image)
    name = match.group(2)
    name = name.removesuffix(".git")
    repo_id = f"{match.group(1)}/{name}"
    return (repo_id, match.start(1)) if looks_like_repo_id(repo_id) else None
