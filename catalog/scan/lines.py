"""The fallback reader: model ids found line by line, for files the parsers cannot read in full.

A file too large to parse, one that does not parse (a syntax error, nesting too deep for the
parser, a broken notebook) or whose scanner failed is still searched here, so that
``AutoModel.from_pretrained("org/hidden")`` at the top of a 50 MB file is not missed. The
patterns are the literal forms of the rules: a loader call with a quoted id, a model key or
keyword with an ``org/name`` value, a Hub URL, and with a catalogue any quoted id it knows.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import BinaryIO

from catalog.scan.base import IdCheck, Reference
from catalog.scan.ids import hub_url_id

# Quotes may be escaped (\\"): a notebook's source lines are JSON strings. A pipeline's first
# argument is its task ("text-classification"): its model is the second, or model=.
_CALL = re.compile(
    r"""\b(from_pretrained|pipeline|hf_hub_download|snapshot_download|SentenceTransformer|CrossEncoder"""
    r"""|SparseEncoder|load_adapter|load_lora_weights|load_attn_procs|load_ip_adapter|from_single_file|LLM)\s*\(\s*"""
    r"""((?:[\w.]+\s*,\s*|\\?['"][\w-]+\\?['"]\s*,\s*)?(?:\w+\s*=\s*)?)\\?['"]([^'"\s\\]+)\\?['"]"""
)
# A model key, also with a prefix (llm_model_id, TEXT_MODEL_ID), but not an upload target's.
_KEY = re.compile(
    r"""\b(?!hub_|output_|push_)((?:[A-Za-z]\w*_)?(?:model_?name_?or_?path|pretrained_?model_?name_?or_?path"""
    r"""|repo_?id|model_?id|model|base_?model|model_?name|tokenizer_?name))\\?["']?\s*[=:]\s*\\?["']?"""
    r"""([A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*)(?=\\?["'\s,)}]|$)""",
    re.MULTILINE | re.IGNORECASE,
)
_URL = re.compile(r"(?:https?://(?:www\.)?(?:huggingface\.co|hf\.co)/|hf://|hf[-_]hub:)[\w./-]+")
_QUOTED = re.compile(r"""\\?['"]([A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*)\\?['"]""")
CHUNK = 1024 * 1024
# JavaScript and TypeScript files: read line by line (transformers.js and the Hub's JS clients).
SCRIPT_SUFFIXES = (".js", ".mjs", ".ts", ".jsx", ".tsx")
# Past this a file is not read at all (reported as such): reading it would stall the check.
MAX_STREAMED = 256 * 1024 * 1024


# A line holding none of these cannot match a pattern (case-sensitive: "model" also finds the
# keys, "Model" class names hold "from_pretrained" anyway).
_TRIGGERS = ("from_pretrained", "pipeline", "download", "Encoder", "SentenceTransformer", "load_adapter",
             "load_lora", "load_ip_adapter", "from_single_file", "LLM", "model", "MODEL", "repo_id", "REPO_ID",
             "tokenizer", "TOKENIZER",
             "huggingface.co", "hf.co/", "hf://", "hf-hub:", "hf_hub:")


_CONTEXT_LINES = 3
_NEWLINE = re.compile("\n")


def scan_lines(text: str, file: str, kind: str, check: IdCheck, first_line: int = 1) -> list[Reference]:
    """References in ``text`` by the literal patterns; line numbers start at ``first_line``.

    Only the lines holding a trigger word are matched against the patterns, so that a large
    file of other text costs about one ``str.find`` pass per word.
    """
    refs: list[Reference] = []
    line, counted = first_line, 0  # lines counted up to offset `counted`: once over the text, not per candidate
    for start, end in _candidate_lines(text):
        line += text.count("\n", counted, start)
        counted = start
        refs += _scan_text(text[start:end], file, kind, check, line)
    return refs


def _candidate_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the lines that hold a trigger word, merged when adjacent."""
    spans = set()
    for word in _TRIGGERS:
        at = text.find(word)
        while at >= 0:
            start = text.rfind("\n", 0, at) + 1
            end = at
            for _ in range(_CONTEXT_LINES + 1):  # a call's arguments may follow on the next lines
                end = text.find("\n", end + 1)
                if end < 0:
                    end = len(text)
                    break
            spans.add((start, end))
            at = text.find(word, text.find("\n", at) + 1) if text.find("\n", at) >= 0 else -1
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _scan_text(text: str, file: str, kind: str, check: IdCheck, first_line: int) -> list[Reference]:
    found: dict[tuple[str, int], Reference] = {}
    # Line starts, found once: a match's line is a bisection, not a count from the start of the text
    # (which made a 3 MB configuration file's line scan quadratic: 21 s).
    starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]

    def add(repo_id: str, offset: int, context: str) -> None:
        index = bisect.bisect_right(starts, offset) - 1
        line, column = first_line + index, offset - starts[index] + 1
        found.setdefault((repo_id, line), Reference(repo_id, file, line, column, kind, None, context))

    for match in _CALL.finditer(text):
        if match.group(1) == "pipeline" and not match.group(2):
            continue  # pipeline("text-classification"): the task
        if check.accepts(match.group(3), strong=True):
            add(match.group(3), match.start(3), f"{match.group(1)} (line scan)")
    for match in _KEY.finditer(text):
        if check.accepts(match.group(2), strong=True):
            add(match.group(2), match.start(2), f"{match.group(1)} (line scan)")
    for match in _URL.finditer(text):
        url = hub_url_id(match.group(), downloads_only=True)
        if url is not None:
            add(url[0], match.start() + url[1], "Hub URL (line scan)")
    if check.has_catalogue:
        quoted = [m for m in _QUOTED.finditer(text) if check.accepts(m.group(1), strong=False)]
        check.prefetch(m.group(1) for m in quoted)
        for match in quoted:
            if check.known(match.group(1)):
                add(match.group(1), match.start(1), "catalogue match (line scan)")
    return list(found.values())


def chunks(handle: BinaryIO, limit: int = MAX_STREAMED) -> Iterator[tuple[str, int]]:
    """A binary file as decoded text pieces cut at line ends, each with its first line number."""
    line, carry, read = 1, b"", 0
    while read < limit:
        block = handle.read(min(CHUNK, limit - read))
        if not block:
            break
        read += len(block)
        block = carry + block
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            carry = block
            if len(carry) > CHUNK * 4:  # one enormous line: scan it as it is
                yield carry.decode("utf-8", "replace"), line
                carry = b""
            continue
        piece, carry = block[:cut], block[cut:]
        yield piece.decode("utf-8", "replace"), line
        line += piece.count(b"\n")
    if carry:
        yield carry.decode("utf-8", "replace"), line


def scan_stream(handle: BinaryIO, file: str, kind: str, check: IdCheck) -> list[Reference]:
    """References in a large file, read a chunk at a time (never whole into memory)."""
    refs: list[Reference] = []
    for text, first_line in chunks(handle):
        refs += scan_lines(text, file, kind, check, first_line)
    return refs
