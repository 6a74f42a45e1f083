"""Find model references in configuration files: YAML, JSON, TOML and INI-style ``.cfg``/``.ini``.

A value counts when its key names a model (:mod:`catalog.scan.config_keys`: compared
case-insensitively, ``-`` read as ``_``) and it looks like a repo id. A sibling
``revision``/``model_revision`` key in the same mapping pins it.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

from catalog.scan import config_records as records
from catalog.scan.base import IdCheck, Reference, line_and_column
from catalog.scan.config_clients import api_client, api_tokenizer
from catalog.scan.config_keys import (
    HUB_REPO_KEYS,
    HUB_SOURCES,
    LABEL_KEYS,
    LABELLED_BY,
    REVISION_KEYS,
    SOURCE_KEYS,
    is_candidate,
    normal_key,
    value_references,
)
from catalog.scan.containers import container_references

# Terraform and other HCL files are read like INI ("key = value" lines): SageMaker modules set
# `HF_MODEL_ID = "org/m"` in a container's environment.
_LINE_SUFFIXES = (".cfg", ".ini", ".tf", ".tfvars", ".hcl")
SUFFIXES = frozenset({".yaml", ".yml", ".json", ".toml", *_LINE_SUFFIXES})
# Tooling files whose "model"-ish keys are never Hub ids (and lockfiles, which are large).
SKIPPED_NAMES = frozenset(
    {
        "package.json",
        "package-lock.json",
        "npm-shrinkwrap.json",
        "jsconfig.json",
        "composer.json",
        "pnpm-lock.yaml",
        ".pre-commit-config.yaml",
        ".pre-commit-hooks.yaml",
        "tokenizer.json",
        "vocab.json",
        "_redirects.yml",  # a documentation site's page redirects (optimum: old_page_model: new/page)
        "redirects.yml",
    }
)
TRIGGERS = (b"model", b"repo_id", b"tokenizer", b"reranker", b"adapter", b"huggingface", b"hf://", b"hf_repo",
            b"vllm", b"huggingface-cli", b"hf download")  # a container's command (catalog.scan.containers)

# (key as written, value, revision, reported: not recorded data, listed: an item of a list under the key)
_Hit = tuple[str, str, str | None, bool, bool]


def is_config(name: str) -> bool:
    """Whether a file called ``name`` is scanned as a configuration file."""
    lowered = name.lower()
    if lowered in SKIPPED_NAMES or lowered.startswith("tsconfig") or "-lock." in lowered:
        return False
    return lowered[lowered.rfind(".") :] in SUFFIXES


def wants(data: bytes) -> bool:
    """Cheap test: could this file contain a model key at all?"""
    lowered = data.lower()
    return any(trigger in lowered for trigger in TRIGGERS)


MAX_DEPTH = 200  # deeper documents are not parsed (recursion), but scanned line by line


def nesting_depth(text: str) -> int:
    """How deep brackets nest in ``text`` (strings not excluded: an upper bound), or indentation does."""
    brackets = _NOT_BRACKET.sub("", text)
    depth = max(itertools.accumulate(1 if c in "[{" else -1 for c in brackets), default=0)
    indent = max((len(m.group()) for m in _INDENT.finditer(text)), default=0)
    return max(depth, indent // 2)


_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INDENT = re.compile(r"^[ \t]+(?=\S)", re.MULTILINE)


def scan_config(data: bytes, file: str, check: IdCheck) -> list[Reference]:
    """Return the references in one configuration file (unparsable files get a line scan).

    A document nested deeper than :data:`MAX_DEPTH` is scanned line by line and recorded as a
    ``scan-incomplete`` problem, as is one that does not decode as UTF-8. Recorded data names no
    model the project loads (:mod:`catalog.scan.config_records`).
    """
    if records.is_snapshot(file):
        return []
    text = data.decode("utf-8", "replace")
    suffix = file[file.rfind(".") :].lower()
    if suffix in _LINE_SUFFIXES:
        return _scan_ini(text, file, check)
    if nesting_depth(text) > MAX_DEPTH:
        check.problem("scan-incomplete", file, 1, 1,
                      f"nested more than {MAX_DEPTH} levels deep: read line by line, not parsed")
        return _loose(text, file, ".yaml" if suffix in (".yaml", ".yml") else suffix, check)
    if suffix in (".yaml", ".yml"):
        return _scan_yaml(text, file, check)
    try:
        if suffix == ".json":
            document: Any = json.loads(text)
        else:
            import tomllib  # only TOML files pay for it

            document = tomllib.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError and TOMLDecodeError both are ValueErrors
        document = records.json_lines(text) if suffix == ".json" else None
    hits = list(_walk(document, check, 0)) if document is not None else None
    return _locate(text, file, suffix, hits, check)


def _walk(node: Any, check: IdCheck, depth: int, reported: bool = True, parent: str = "") -> Iterator[_Hit]:
    """Model keys in a parsed JSON/TOML document, in document order, and Hub URLs that fetch a model
    listed under a key (torchchat's ``"distribution_path": ["https://huggingface.co/org/m/resolve/…"]``);
    those in recorded data are yielded unreported (the n-th place a key and value are written is
    the n-th hit's)."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, dict):
        api = api_client(((k, v if isinstance(v, str) else list(v.items()) if isinstance(v, dict) else None)
                          for k, v in node.items()), normal_key)
        reported = reported and not records.records_data({normal_key(k): v for k, v in node.items()})
        revision = next(
            (v for k, v in node.items() if normal_key(k) in REVISION_KEYS and isinstance(v, str)), None
        )
        from_hub = any(normal_key(k) in SOURCE_KEYS and str(v).lower() in HUB_SOURCES for k, v in node.items())
        labels = LABEL_KEYS if any(normal_key(k) in LABELLED_BY for k in node) else ()
        for key, value in node.items():
            if normal_key(key) in labels or api and not api_tokenizer(normal_key(key)):
                continue
            if is_candidate(check, key, value) or (
                from_hub and normal_key(key) in HUB_REPO_KEYS and isinstance(value, str)
                and check.accepts(value, strong=True)
            ):
                yield str(key), value, revision, reported, False
            else:
                yield from _walk(value, check, depth + 1, reported, str(key))
    elif isinstance(node, list):
        reported = reported and not records.record_list(node, normal_key)
        for item in node:
            # Under a model key, each id listed (a sweep's `model-name-or-path: [org/a, org/b]`);
            # under another, each Hub URL that fetches a model.
            if isinstance(item, str) and is_candidate(check, parent, item):
                yield parent, item, None, reported, True
            else:
                yield from _walk(item, check, depth + 1, reported, parent)


def _pattern(suffix: str, key: str, value: str, listed: bool = False) -> re.Pattern[str]:
    k, v = re.escape(key), re.escape(value)
    if listed:  # an item of a list: the quoted value itself
        return re.compile(rf'"({v})"' if suffix == ".json" else rf"""["']({v})["']""")
    if suffix == ".json":
        return re.compile(rf'"{k}"\s*:\s*"({v})"')
    return re.compile(rf"""(?:^|[\s{{,.])["']?{k}["']?\s*=\s*["']({v})["']""", re.MULTILINE)


_LOOSE = {
    ".json": re.compile(r'"([\w-]+)"\s*:\s*"([^"\\\n]*)"'),
    ".toml": re.compile(r"""(?:^|[\s{,.])["']?([\w-]+)["']?\s*=\s*["']([^"'\n]*)["']""", re.MULTILINE),
    ".yaml": re.compile(r"^[ \t-]*[\"']?([\w.-]+)[\"']?[ \t]*:[ \t]+[\"']?([^\s\"'#,]+)", re.MULTILINE),
}


def _loose(text: str, file: str, suffix: str, check: IdCheck) -> list[Reference]:
    """``key: value`` / ``"key": "value"`` lines, for documents that do not parse."""
    refs = []
    for match in _LOOSE[suffix].finditer(text):
        key, value = match.groups()
        if is_candidate(check, key, value):
            line, column = line_and_column(text, match.start(2))
            quoted = suffix != ".yaml"
            refs += value_references(file, line, column - quoted, key, value, None, check=check, quoted=quoted)
    return refs


def _locate(text: str, file: str, suffix: str, hits: list[_Hit] | None, check: IdCheck) -> list[Reference]:
    """Turn parsed hits into positioned references; without a parse, scan the lines instead."""
    if hits is None:
        return _loose(text, file, suffix, check)
    refs = []
    # The n-th hit of a (key, value) pair is the n-th place that pair is written.
    positions: dict[tuple[str, str, bool], Iterator[re.Match[str]]] = {}
    for key, value, revision, reported, listed in hits:
        matches = positions.setdefault((key, value, listed), _pattern(suffix, key, value, listed).finditer(text))
        match = next(matches, None)
        if not reported:
            continue
        line, column = line_and_column(text, match.start(1) - 1) if match else (1, 1)
        related: tuple[int, ...] = ()
        if revision is not None:
            revision_at = text.find(f'"{revision}"', match.end() if match else 0)
            related = (line_and_column(text, revision_at)[0],) if revision_at >= 0 else ()
        refs += value_references(file, line, column, key, value, revision, related, check=check, quoted=match is not None)
    return refs


_INI_LINE = re.compile(
    r"^[ \t]*([\w.-]+)[ \t]*[=:][ \t]*[\"']?([^\s\"'#;]+)[\"']?[ \t]*(?:[#;].*)?$", re.MULTILINE
)


def _scan_ini(text: str, file: str, check: IdCheck) -> list[Reference]:
    refs = []
    for match in _INI_LINE.finditer(text):
        key, value = match.groups()
        if is_candidate(check, key, value):
            line, column = line_and_column(text, match.start(2))
            refs += value_references(file, line, column, key, value, None, check=check)
    return refs


def _scan_yaml(text: str, file: str, check: IdCheck) -> list[Reference]:
    import yaml  # only YAML files pay for it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = list(yaml.compose_all(text, Loader=loader))
    except (yaml.YAMLError, RecursionError):
        # Templated YAML (Helm, Jinja) does not parse; its plain "key: value" lines still read well.
        return _loose(text, file, ".yaml", check)
    refs: list[Reference] = []
    seen: set[int] = set()
    for document in documents:
        if document is not None:
            _walk_yaml(document, file, check, refs, seen, 0)
    lines = text.splitlines() if refs else []
    return [_at_value(ref, lines) for ref in refs]


def _at_value(ref: Reference, lines: list[str]) -> Reference:
    """``ref`` at its id: YAML drops a block scalar's indentation (a command read from a ``|``
    block knows its line, not its column) and folds a quoted or plain scalar written over several
    lines into one (a command read from it knows only the line the scalar starts on)."""
    line = lines[ref.line - 1] if ref.line <= len(lines) else ""
    at = line[ref.column - 1:]
    if at.startswith(ref.repo_id) or at[:1] in ("'", '"') and at[1:].startswith(ref.repo_id):
        return ref
    for number in range(ref.line, min(ref.line + _FOLDED_LINES, len(lines) + 1)):
        if ref.repo_id in lines[number - 1]:
            return dataclasses.replace(ref, line=number, column=lines[number - 1].index(ref.repo_id) + 1)
    return ref


# How far below its reported line a reference read from a folded scalar is looked for.
_FOLDED_LINES = 50


def _walk_yaml(node: Any, file: str, check: IdCheck, refs: list[Reference], seen: set[int], depth: int,
               parent: str = "") -> None:
    import yaml

    if id(node) in seen or depth > MAX_DEPTH:  # anchors and aliases share nodes
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        if records.yaml_records_data(node, normal_key):
            return
        api = api_client(_yaml_pairs(node), normal_key)
        refs += container_references(node, file, check)
        revision = None
        revision_line = None
        for key, value in node.value:
            if (
                isinstance(key, yaml.ScalarNode)
                and normal_key(key.value) in REVISION_KEYS
                and isinstance(value, yaml.ScalarNode)
            ):
                revision, revision_line = value.value, value.start_mark.line + 1
        from_hub = any(
            isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode) and normal_key(k.value) in SOURCE_KEYS
            and str(v.value).lower() in HUB_SOURCES for k, v in node.value)
        labels = LABEL_KEYS if any(isinstance(k, yaml.ScalarNode) and normal_key(k.value) in LABELLED_BY
                                    for k, _ in node.value) else ()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and (normal_key(key.value) in labels
                                                     or api and not api_tokenizer(normal_key(key.value))):
                continue
            if (
                isinstance(key, yaml.ScalarNode)
                and isinstance(value, yaml.ScalarNode)
                and value.tag == "tag:yaml.org,2002:str"
                and (is_candidate(check, key.value, value.value)
                     or from_hub and normal_key(key.value) in HUB_REPO_KEYS and check.accepts(value.value, strong=True))
            ):
                mark = value.start_mark
                refs += value_references(file, mark.line + 1 + (1 if value.style in ("|", ">") else 0),
                                   mark.column + 1,
                                   key.value, value.value, revision,
                                   (revision_line,) if revision_line else (), check=check,
                                   quoted=value.style in ("'", '"'))
            else:
                _walk_yaml(value, file, check, refs, seen, depth + 1,
                           str(key.value) if isinstance(key, yaml.ScalarNode) else "")
    elif isinstance(node, yaml.SequenceNode):
        table = records.yaml_record_list(node, normal_key)
        for item in node.value:
            if table and isinstance(item, yaml.MappingNode):
                continue
            if isinstance(item, yaml.ScalarNode) and item.tag == "tag:yaml.org,2002:str" and \
                    is_candidate(check, parent, item.value):  # ids listed under a model key; hf:// ids, file URLs
                mark = item.start_mark
                refs += value_references(file, mark.line + 1, mark.column + 1, parent, item.value, None, check=check,
                                   quoted=item.style in ("'", '"'))
            else:
                _walk_yaml(item, file, check, refs, seen, depth + 1, parent)


def _yaml_pairs(node: Any) -> Iterator[tuple[str, object]]:
    """A mapping node's scalar keys with their values: a string, a child mapping's scalar pairs, or None."""
    import yaml

    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        if isinstance(value, yaml.ScalarNode):
            yield key.value, str(value.value)
        elif isinstance(value, yaml.MappingNode):
            yield key.value, [(k.value, str(v.value)) for k, v in value.value
                              if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)]
        else:
            yield key.value, None
