"""The vocabulary shared by the discovery scanners: references, errors and the repo-id test.

Public names are re-exported from :mod:`catalog.scan.discovery`; import them from there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

KINDS = ("python-call", "python-constant", "config", "shell", "dockerfile", "manifest", "annotation", "javascript")
# What discovery reports besides references: a loader fed a value it cannot resolve, and a file it
# could not read in full. The policy's ``findings`` lists decide how each counts (default warn).
PROBLEM_CODES = ("unresolved-reference", "scan-incomplete")


class DiscoveryError(Exception):
    """Discovery cannot give a trustworthy answer (malformed manifest, unknown git ref, bad path)."""


@dataclass(frozen=True, order=True)
class Reference:
    """One place in a codebase that names a Hugging Face model.

    ``related_lines`` lists other lines that decide this reference (where a constant is
    assigned, where a revision is pinned), so that ``--diff`` notices when only those change.
    It takes no part in equality or ordering.
    """

    repo_id: str
    file: str
    line: int
    column: int
    kind: str
    revision: str | None = None
    context: str = ""
    related_lines: tuple[int, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, order=True)
class ScanProblem:
    """Something discovery could not see, at a place a reviewer should look.

    ``code`` is one of :data:`PROBLEM_CODES`; ``detail`` is the expression a loader received
    (``unresolved-reference``) or why the file was not fully read (``scan-incomplete``).
    """

    code: str
    file: str
    line: int
    column: int
    detail: str


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
_API_PROVIDERS = frozenset({
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
# names of OpenAI's API models are not ids.
_OPENAI_API_MODEL = re.compile(r"(?:gpt-(?:3\.5|4|5)|chatgpt|o[1-9](?:-|$)|text-embedding|dall-e|whisper-1|tts-1"
                               r"|davinci|babbage|omni-moderation|gpt-image|computer-use)", re.IGNORECASE)


def provider_model(value: str) -> str | None:
    """The Hub id a model name stands for: ``value`` itself, the id after a Hub-serving provider's
    prefix (``huggingface/org/m`` → ``org/m``), or None for another API's model (``openai/gpt-4o``)."""
    provider, slash, rest = value.partition("/")
    if not slash:
        return value
    if provider in _HUB_PROVIDERS and "/" in rest:
        return "/".join(rest.rsplit("/", 2)[-2:])
    if provider in _API_PROVIDERS or provider == "openai" and _OPENAI_API_MODEL.match(rest):
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
    if name.isupper() or name.isidentifier() and name != name.lower():
        return False
    words = [word for word in re.split(r"[\W\d_]+", name.lower()) if word]
    if not words or all(word in _PLACEHOLDER_WORDS for word in words):
        return False
    return "-" in name or any(c.isdigit() for c in name)


class IdCheck:
    """Decides whether a candidate string is reported, consulting ``known_ids`` at most once per id.

    A namespaced id (``org/name``) is accepted wherever it sits in a model position. A bare
    legacy name (``gpt2``) is accepted from an unambiguous Hugging Face position (``strong``);
    elsewhere it is as likely a local folder or another vendor's model (``gpt-4o``), so it
    needs the catalogue to know it. The catalogue never vetoes a strong position: an id it
    lacks must still reach the check, which reports it as not in the catalogue.
    """

    def __init__(self, known_ids: Callable[[str], bool] | None) -> None:
        self.has_catalogue = known_ids is not None
        self._known_ids = known_ids
        self._cache: dict[str, bool] = {}
        # What the scanners could not see; the scan of one tree shares one IdCheck.
        self.problems: list[ScanProblem] = []
        # Every answer given while scanning the current file (see FileScan.answers).
        self.answers: dict[str, bool] = {}
        # The Python modules read for the names other modules import from them, once per tree
        # (a catalog.scan.python_imports.Modules, made by the first Python scan that needs it).
        self.modules: Any = None
        # Loads in other modules that the current file's calls pass ids to (catalog.scan.python_calls):
        # (file, line) places whose unresolved-reference those ids settle.
        self.settled: list[tuple[str, int]] = []

    def problem(self, code: str, file: str, line: int, column: int, detail: str) -> None:
        """Record a :class:`ScanProblem` (``detail`` is cut to 200 characters)."""
        detail = " ".join(detail.split())
        if len(detail) > 200:
            detail = detail[:197] + "..."
        self.problems.append(ScanProblem(code, file, line, column, detail))

    def prefetch(self, repo_ids: Iterable[str]) -> None:
        """Ask the catalogue about many ids in one go ahead of :meth:`known`, when ``known_ids``
        can answer in bulk (its ``many`` attribute): a file quoting 50,000 ids asked one by one
        took 18 s."""
        many = getattr(self._known_ids, "many", None)
        wanted = [r for r in dict.fromkeys(repo_ids) if r not in self._cache] if many is not None else []
        if len(wanted) > 1:
            found = many(wanted)
            self._cache.update((repo_id, repo_id in found) for repo_id in wanted)

    def known(self, repo_id: str) -> bool:
        """Whether the catalogue knows ``repo_id`` (False without a catalogue)."""
        if self._known_ids is None:
            return False
        hit = self._cache.get(repo_id)
        if hit is None:
            hit = self._cache[repo_id] = bool(self._known_ids(repo_id))
        self.answers[repo_id] = hit
        return hit

    def accepts(self, value: str, *, strong: bool) -> bool:
        """Whether ``value`` found in a model position should be reported."""
        if not looks_like_repo_id(value) or provider_model(value) is None or _RATE_LIMIT.fullmatch(value):
            return False
        # A bare word in a loader position is a legacy Hub id only if shaped like one ("coco" or
        # "eng" given to a project's from_pretrained is a preset name).
        return "/" in value or strong and legacy_shaped(value) or self.known(value)


class FileScan(NamedTuple):
    """What scanning one file found, and the catalogue's answers it depended on.

    A file's scan depends only on its bytes and on ``answers`` (each id the scanners asked
    ``known_ids`` about, with the answer given): a scan made with guessed answers is the one the
    real catalogue would give whenever the guesses were right, which lets discovery run before
    the catalogue is open (:mod:`catalog.scan.background`). A named tuple, not a dataclass: one
    is made per file, and a frozen dataclass costs 4% of the scan of a large tree.
    """

    path: str  # as opened
    file: str  # as reported
    file_type: str
    references: list[Reference]
    problems: list[ScanProblem]
    covered: Collection[tuple[str, int]]  # places a catalog.toml's used_at (or ids passed to a load there) settles
    answers: dict[str, bool]


@dataclass(frozen=True)
class Discovery:
    """What a scan found: the references, and what it could not see (:class:`ScanProblem`)."""

    references: list[Reference]
    problems: list[ScanProblem]


def assemble(scans: Iterable[FileScan]) -> Discovery:
    """The tree's :class:`Discovery` from its files' scans, in any order: references sorted and
    de-duplicated, problems sorted, those settled by a manifest or an annotation dropped."""
    refs: set[Reference] = set()
    problems: list[ScanProblem] = []
    covered: set[tuple[str, int]] = set()
    for scan in scans:
        refs.update(scan.references)
        problems += scan.problems
        covered.update(scan.covered)
    annotated = {(r.file, r.line) for r in refs if r.kind == "annotation"}
    covered |= annotated | {(file, line + 1) for file, line in annotated}
    return Discovery(_distinct(refs), sorted({p for p in problems if (p.file, p.line) not in covered}))


def _distinct(refs: set[Reference]) -> list[Reference]:
    """One reference per (id, file, line, revision, and for Python uses of constants their
    context): two rules seeing the same place count once."""
    chosen: dict[tuple[str, str, int, str | None, str | None], Reference] = {}
    for ref in sorted(refs):
        # Python uses fed by different constants stay apart: each names its constant's line. A
        # constant reported where it is written (no other line decides it) is one place, whichever
        # rule saw it (its module's getenv default, another module importing it).
        apart = ref.kind == "python-constant" and ref.related_lines
        key = (ref.repo_id, ref.file, ref.line, ref.revision, ref.context if apart else None)
        kept = chosen.setdefault(key, ref)
        if kept is not ref and not set(ref.related_lines) <= set(kept.related_lines):
            chosen[key] = replace(kept, related_lines=tuple(sorted({*kept.related_lines, *ref.related_lines})))
    return sorted(chosen.values())


def is_workflow(path: str) -> bool:
    """Whether ``path`` is a GitHub Actions workflow (a file directly in ``.github/workflows``)."""
    return path.replace("\\", "/").split("/")[-3:-1] == [".github", "workflows"]


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in ``text``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


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
    if match is None or match.group(2) is None or match.group(1).lower() in _NOT_MODEL_PATHS:
        return None
    if downloads_only and match.group(0).lower().startswith(("http://", "https://")) and not (
        match.group(2).lower().endswith(".git") or value.startswith(("/resolve/", "/raw/"), match.end())
    ):
        return None
    name = match.group(2)
    name = name.removesuffix(".git")
    repo_id = f"{match.group(1)}/{name}"
    return (repo_id, match.start(1)) if looks_like_repo_id(repo_id) else None
