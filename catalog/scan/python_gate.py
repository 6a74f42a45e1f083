"""Which Python files are worth parsing, and which of their function bodies worth walking.

Discovery reads thousands of files; most hold no model reference. A file is parsed only when it
holds a word some rule looks for or, with a catalogue, a quoted id the catalogue knows, and the
parsed tree is walked only into the bodies whose lines hold one (plus the calls of such module
functions). :mod:`catalog.scan.python` applies the rules to what is walked.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Iterator
from typing import Any

from catalog.scan.base import IdCheck
from catalog.scan.byte_patterns import any_of, compile_bytes
from catalog.scan.ids import looks_like_repo_id
from catalog.scan.python_loaders import is_model_name
from catalog.scan.python_scopes import line_numbers, trigger_lines

# The names the rules look for. A file containing none of them is never parsed.
_RULE_WORDS = (
    b"from_pretrained",
    b"pipeline",
    b"hf_hub_download",
    b"snapshot_download",
    b"cached_file",
    b"hf_hub_url",
    b"list_repo_files",
    b"try_to_load_from_cache",
    b"name_or_path",  # model_name_or_path=, tokenizer_name_or_path=
    b"model_id_or_path",  # KServe's
    b"SentenceTransformer",
    b"CrossEncoder",
    b"SparseEncoder",
    b"Transformer(",
    b"LLM",
    b"EngineArgs",
    b"InferenceClient",
    b"load_adapter",
    b"load_lora_weights",
    b"load_attn_procs",
    b"load_ip_adapter",
    b"load_textual_inversion",
    b"from_single_file",
    b"Trainer(",
    b"FlagModel",
    b"FlagReranker",
    b"FlagLLM",
    b"FlagICL",
    b"FlagAuto",
    b"from_finetuned",
    b"from_quantized",
    b"Engine(",  # SGLang's sgl.Engine(model_path=...)
    b"oneshot",
    b"model_stub",
    b"HuggingFace",
    b"TextEmbedding",
    b"ImageEmbedding",
    b"TextCrossEncoder",
    b"Bm25",
    b"from_model_id",
    b"model_info",
    b"model_args",
    b"create_from_arg_string",
    b"huggingface.co",
    b"hf.co/",
    b"hf://",
    b"hf-hub:",
    b"hf_hub:",
    b"--model",
    b"--tokenizer",
    b"--pretrained",
    b"download",
    b"vllm",
    b"vLLM",
    b"VLLM",
    b"TurboMind",  # OpenCompass model configs: dict(type=TurboMindModel, path="org/m")
    b"WhisperModel",  # faster-whisper
    b"model_source",  # Ray Serve LLM
    b"SimilarityRanker",  # Haystack's rankers, routers, classifiers and readers
    b"TransformersZeroShot",
    b"TransformersTextRouter",
    b"ExtractiveReader",
    b" -hf ",  # llama.cpp's llama-server -hf org/m in a command line, or a list of its words
    b'"-hf"',
    b"'-hf'",
    b"lmdeploy",
    b"trtllm-serve",
    b"LMDeploy",
    b"mlx_",
    b"InferenceClientModel",
    b"HfApiModel",  # smolagents
    b"TransformersModel",
    b"MLXModel",
    b"LateInteraction",  # fastembed's late-interaction models
    b"FastEmbed",  # LangChain's FastEmbedEmbeddings, FastEmbedSparse
    b"get_model_from_task",  # optimum
    b"from_distillation",  # model2vec
    b"from_model2vec",
    b"create_inference_endpoint",
    b"MODEL",
    b"model_repo",
    b"HF://",
    b"ModelConfig",  # lighteval's TransformersModelConfig(model_name=...)
    b"INSTRUCTOR",
    b"model.path=",  # Hydra overrides in a command string
    b"++model",
    b"++tokenizer",
    b"--vision_tower",
)
# Most files hold no rule word, so every word is searched for in them, one search each: the bulk
# of discovery's time on a large tree. A word holding one of these anchors (in lower case) is
# searched for only in a file whose lower-cased text holds the anchor: one search for "model"
# stands for ten words in the many files that never say it, and 43 searches become 18 and a
# lower-casing (about half the time on generated and on library code, the same on model-loading
# code). A file holding a word holds its anchor, so no file is missed.
_ANCHORS = (b"model", b"llm", b"hf", b"download", b"huggingface", b"load_", b"from_", b"transformer",
            b"encoder", b"inference", b"--")
# What most files that load a model say: tried first, so such a file is decided by one search.
_COMMON_WORDS = (b"from_pretrained",)
# os.environ is everywhere; it only makes a file worth parsing when the file also says "model".
_ENV_WORDS = (b"getenv", b"environ")
_MODEL_WORDS = (b"model", b"MODEL", b"Model")
# A function or class body whose lines hold none of these is not walked: its calls cannot match
# and its bindings are invisible outside it. Found in one pass (RE2), not one per word.
_LINE_TRIGGERS = any_of((*_RULE_WORDS, *_ENV_WORDS, b"add_argument", b"option(", b"Option(", b"field("))
# A model-named constant or settings field set to an "org/name" (EMBEDDING_MODEL = "org/m",
# llm_model: str = Field(default="org/m")): another module may load it (see python_exports).
# Anchored at a line's start (with Python's re, an unanchored pattern took 6 s for 50 KB of
# "modelmodel..."; RE2 reads any text in linear time).
_CONSTANT = compile_bytes(rb"""^[ \t]*(\w+)[ \t]*(?::[^=\n]*)?=[ \t]*"""
                          rb"""(?:Field\([ \t]*(?:default[ \t]*=[ \t]*)?)?["'][A-Za-z0-9][\w.-]*/[\w.-]+["']""",
                          multiline=True)


def _model_constants(data: bytes) -> Iterator[Any]:  # RE2's matches
    """Assignments of an "org/name" to a model-named constant or field."""
    return (m for m in _CONSTANT.finditer(data) if is_model_name(m.group(1).decode("ascii", "replace")))


# An "org/name"-shaped quoted string: with a catalogue, the candidates for catalogue matches.
# A quoted value bound to a name on its line: `repo = "org/m"`, `self.repo: str = "org/m"`.
_BOUND = re.compile(rb"[ \t]*[\w.]+[ \t]*(?::[^=\n]*)?=[ \t]*[rbuf]?$")
# A name called or whose attribute is taken: `load(`, `models.load(`.
_CALLED = re.compile(rb"\b([A-Za-z_]\w*)\s*[.(]")
_QUOTED_ID = compile_bytes(rb"""['"]([A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*)['"]""")


def _by_anchor(words: tuple[bytes, ...], anchors: tuple[bytes, ...]
               ) -> tuple[tuple[bytes, ...], tuple[tuple[bytes, tuple[bytes, ...]], ...]]:
    """The words that hold no anchor, and each anchor with the words that hold it (in lower case)."""
    plain: list[bytes] = []
    anchored: dict[bytes, list[bytes]] = {}
    for word in words:
        anchor = next((a for a in anchors if a in word.lower()), None)
        if anchor is None:
            plain.append(word)
        else:
            anchored.setdefault(anchor, []).append(word)
    return tuple(plain), tuple((anchor, tuple(group)) for anchor, group in anchored.items())


_PLAIN_WORDS, _ANCHORED_WORDS = _by_anchor(_RULE_WORDS, _ANCHORS)
# What a model-named constant's name holds (python_loaders.is_model_name), in lower case.
_MODEL_NAME_WORDS = (b"model", b"tokenizer", b"reranker", b"embedder", b"name_or_path", b"encoder_name", b"lm_name")


def has_rule_word(data: bytes) -> bool:
    """Whether the source holds a word some rule looks for (environment reads count only beside "model")."""
    # Substring tests, not one regex alternation of the words: ``re`` tries every alternative at
    # every position, and this runs on every file (1.7x slower on real code).
    if any(word in data for word in _COMMON_WORDS) or any(word in data for word in _PLAIN_WORDS):
        return True
    lowered = data.lower()
    if any(anchor in lowered and any(word in data for word in words) for anchor, words in _ANCHORED_WORDS):
        return True
    if any(word in data for word in _ENV_WORDS) and any(word in data for word in _MODEL_WORDS):
        return True
    if not any(word in lowered for word in _MODEL_NAME_WORDS):
        return False
    return _declares_model_flag(data) or next(_model_constants(data), None) is not None


# A model flag an argument parser declares ("--base_model", "--draft-model"), looked for just after
# each add_argument( / option( so that the search stays linear in the file.
_MODEL_FLAG_NAME = re.compile(rb"""["']--?[\w-]{0,60}model""", re.IGNORECASE)


def _declares_model_flag(data: bytes) -> bool:
    for word in (b"add_argument(", b"option("):
        at = data.find(word)
        while at >= 0:
            if _MODEL_FLAG_NAME.search(data, at, at + 200):
                return True
            at = data.find(word, at + 1)
    return False


def quoted_ids(data: bytes) -> list[tuple[int, str]]:
    """Each quoted "org/name" of the file: its byte offset and the id (read once per file, for the
    catalogue's matches and for the ids the module may pass to another's loader)."""
    if b"/" not in data:  # every candidate holds a slash
        return []
    return [(m.start(), value) for m in _QUOTED_ID.finditer(data)
            if looks_like_repo_id(value := m.group(1).decode("ascii"))]


def known_id_offsets(quoted: list[tuple[int, str]], check: IdCheck) -> list[int]:
    """Where a quoted "org/name" (of :func:`quoted_ids`) the catalogue knows stands in the file
    (empty without a catalogue).

    Asking the (cached) catalogue about each distinct string is far cheaper than parsing and
    walking every file that has a MIME type or a path in it.
    """
    if not check.has_catalogue:
        return []
    check.prefetch(value for _, value in quoted)
    return [at for at, value in quoted if check.known(value)]


def passed_id_offsets(data: bytes, tree: ast.Module, quoted: list[tuple[int, str]]) -> list[int]:
    """Where a quoted "org/name" may be passed to a function the module imports: bound to a name
    (``repo = "org/m"``, passed later), or within three lines of a call of an imported name
    (``models.load(\n    "org/m")``). The bodies holding them are walked for
    :mod:`catalog.scan.python_calls`, and no others for it (walking every body that quotes an id
    cost a third more on test-heavy trees)."""
    if not quoted:
        return []
    names = {(alias.asname or alias.name).partition(".")[0].encode() for node in tree.body
             if isinstance(node, ast.Import | ast.ImportFrom) for alias in node.names if alias.name != "*"}
    found = []
    for at, _ in quoted:
        line_start = data.rfind(b"\n", 0, at) + 1
        if _BOUND.match(data, line_start, at):
            found.append(at)
            continue
        start, end = line_start - 1, at
        for _ in range(3):  # the three lines before the id's and the three after it
            start = data.rfind(b"\n", 0, start) if start > 0 else -1
            end = data.find(b"\n", end + 1) if end >= 0 else -1
        end = len(data) if end < 0 else end
        if any(m.group(1) in names for m in _CALLED.finditer(data, start + 1, end)):
            found.append(at)
    return found


def walked_lines(tree: ast.Module, data: bytes, known: list[int]) -> list[int]:
    """The lines whose enclosing bodies the rules walk: those holding a rule word, those holding a
    known id (byte offsets ``known``), and the calls of module functions holding either."""
    lines = list(dict.fromkeys(line_numbers(data, [m.start() for m in _LINE_TRIGGERS.finditer(data)])))
    constants = line_numbers(data, [m.start() for m in _model_constants(data)])
    if constants:  # a settings class's fields
        lines = sorted({*lines, *constants})
    if known:
        lines = sorted({*lines, *line_numbers(data, known)})
    return _with_call_sites(tree, data, lines)


def _with_call_sites(tree: ast.Module, data: bytes, lines: list[int]) -> list[int]:
    """Add the lines that call a module function holding a trigger line: its arguments may be
    what reaches the loader inside it (``load_model(path, MODEL_ID)``)."""
    names = []
    for node in tree.body:
        for item in node.body if isinstance(node, ast.ClassDef) else [node]:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                first = bisect.bisect_left(lines, item.lineno)
                if first < len(lines) and lines[first] <= (item.end_lineno or item.lineno):
                    names.append(item.name.encode() + b"(")
    if not names:
        return lines
    return sorted({*lines, *trigger_lines(data, tuple(names))})
