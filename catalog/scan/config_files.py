"""Find model references in configuration files: YAML, JSON, TOML and INI-style ``.cfg``/``.ini``.

A value counts when its key is one of :data:`MODEL_KEYS` (compared case-insensitively, ``-``
read as ``_``) and it looks like a repo id. A sibling ``revision``/``model_revision`` key in the
same mapping pins it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from catalog.scan.base import IdCheck, Reference, line_and_column

MODEL_KEYS = frozenset(
    {
        "model",
        "model_id",
        "model_name",
        "model_name_or_path",
        "pretrained_model_name_or_path",
        "base_model",
        "repo_id",
        "tokenizer_name",
        "teacher_model",
        "reward_model",
    }
)
# Keys nobody uses for anything but a Hugging Face id: a bare legacy name ("gpt2") counts here
# without asking the catalogue.
STRONG_KEYS = frozenset({"model_name_or_path", "pretrained_model_name_or_path", "tokenizer_name"})
REVISION_KEYS = ("revision", "model_revision")
SUFFIXES = frozenset({".yaml", ".yml", ".json", ".toml", ".cfg", ".ini"})
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
    }
)
TRIGGERS = (b"model", b"repo_id", b"tokenizer_name")

_Hit = tuple[str, str, str | None]  # (key as written, value, revision)


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


def _normal(key: object) -> str:
    return str(key).lower().replace("-", "_")


def _is_candidate(check: IdCheck, key: str, value: object) -> bool:
    return isinstance(value, str) and check.accepts(value, strong=_normal(key) in STRONG_KEYS)


def _reference(
    file: str,
    line: int,
    column: int,
    key: str,
    value: str,
    revision: str | None,
    related: tuple[int, ...] = (),
) -> Reference:
    related = tuple(n for n in related if n != line)
    return Reference(value, file, line, column, "config", revision, str(key), related)


def scan_config(data: bytes, file: str, check: IdCheck) -> list[Reference]:
    """Return the references in one configuration file (unparsable files get a line scan)."""
    text = data.decode("utf-8", "replace")
    suffix = file[file.rfind(".") :].lower()
    if suffix in (".yaml", ".yml"):
        return _scan_yaml(text, file, check)
    if suffix in (".cfg", ".ini"):
        return _scan_ini(text, file, check)
    try:
        if suffix == ".json":
            document: Any = json.loads(text)
        else:
            import tomllib  # only TOML files pay for it

            document = tomllib.loads(text)
    except ValueError:  # JSONDecodeError and TOMLDecodeError both are
        document = None
    hits = list(_walk(document, check)) if document is not None else None
    return _locate(text, file, suffix, hits, check)


def _walk(node: Any, check: IdCheck) -> Iterator[_Hit]:
    """Model keys in a parsed JSON/TOML document, in document order."""
    if isinstance(node, dict):
        revision = next(
            (v for k, v in node.items() if _normal(k) in REVISION_KEYS and isinstance(v, str)), None
        )
        for key, value in node.items():
            if _normal(key) in MODEL_KEYS and _is_candidate(check, key, value):
                yield str(key), value, revision
            else:
                yield from _walk(value, check)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, check)


def _pattern(suffix: str, key: str, value: str) -> re.Pattern[str]:
    k, v = re.escape(key), re.escape(value)
    if suffix == ".json":
        return re.compile(rf'"{k}"\s*:\s*"({v})"')
    return re.compile(rf"""(?:^|[\s{{,.])["']?{k}["']?\s*=\s*["']({v})["']""", re.MULTILINE)


_LOOSE = {
    ".json": re.compile(r'"([\w-]+)"\s*:\s*"([^"\\\n]*)"'),
    ".toml": re.compile(r"""(?:^|[\s{,.])["']?([\w-]+)["']?\s*=\s*["']([^"'\n]*)["']""", re.MULTILINE),
}


def _locate(text: str, file: str, suffix: str, hits: list[_Hit] | None, check: IdCheck) -> list[Reference]:
    """Turn parsed hits into positioned references; without a parse, scan the lines instead."""
    refs = []
    if hits is None:
        for match in _LOOSE[suffix].finditer(text):
            key, value = match.groups()
            if _normal(key) in MODEL_KEYS and _is_candidate(check, key, value):
                line, column = line_and_column(text, match.start(2))
                refs.append(_reference(file, line, column - 1, key, value, None))
        return refs
    # The n-th hit of a (key, value) pair is the n-th place that pair is written.
    positions: dict[tuple[str, str], Iterator[re.Match[str]]] = {}
    for key, value, revision in hits:
        matches = positions.setdefault((key, value), _pattern(suffix, key, value).finditer(text))
        match = next(matches, None)
        line, column = line_and_column(text, match.start(1) - 1) if match else (1, 1)
        related: tuple[int, ...] = ()
        if revision is not None:
            revision_at = text.find(f'"{revision}"', match.end() if match else 0)
            related = (line_and_column(text, revision_at)[0],) if revision_at >= 0 else ()
        refs.append(_reference(file, line, column, key, value, revision, related))
    return refs


_INI_LINE = re.compile(
    r"^[ \t]*([\w.-]+)[ \t]*[=:][ \t]*[\"']?([^\s\"'#;]+)[\"']?[ \t]*(?:[#;].*)?$", re.MULTILINE
)


def _scan_ini(text: str, file: str, check: IdCheck) -> list[Reference]:
    refs = []
    for match in _INI_LINE.finditer(text):
        key, value = match.groups()
        if _normal(key) in MODEL_KEYS and _is_candidate(check, key, value):
            line, column = line_and_column(text, match.start(2))
            refs.append(_reference(file, line, column, key, value, None))
    return refs


_YAML_LINE = re.compile(r"^[ \t-]*[\"']?([\w.-]+)[\"']?[ \t]*:[ \t]+[\"']?([^\s\"'#,]+)", re.MULTILINE)


def _scan_yaml(text: str, file: str, check: IdCheck) -> list[Reference]:
    import yaml  # only YAML files pay for it

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = list(yaml.compose_all(text, Loader=loader))
    except yaml.YAMLError:
        # Templated YAML (Helm, Jinja) does not parse; its plain "key: value" lines still read well.
        refs = []
        for match in _YAML_LINE.finditer(text):
            key, value = match.groups()
            if _normal(key) in MODEL_KEYS and _is_candidate(check, key, value):
                line, column = line_and_column(text, match.start(2))
                refs.append(_reference(file, line, column, key, value, None))
        return refs
    refs = []
    seen: set[int] = set()
    for document in documents:
        if document is not None:
            _walk_yaml(document, file, check, refs, seen)
    return refs


def _walk_yaml(node: Any, file: str, check: IdCheck, refs: list[Reference], seen: set[int]) -> None:
    import yaml

    if id(node) in seen:  # anchors and aliases share nodes
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        revision = None
        revision_line = None
        for key, value in node.value:
            if (
                isinstance(key, yaml.ScalarNode)
                and _normal(key.value) in REVISION_KEYS
                and isinstance(value, yaml.ScalarNode)
            ):
                revision, revision_line = value.value, value.start_mark.line + 1
        for key, value in node.value:
            if (
                isinstance(key, yaml.ScalarNode)
                and isinstance(value, yaml.ScalarNode)
                and value.tag == "tag:yaml.org,2002:str"
                and _normal(key.value) in MODEL_KEYS
                and _is_candidate(check, key.value, value.value)
            ):
                mark = value.start_mark
                refs.append(
                    _reference(
                        file,
                        mark.line + 1,
                        mark.column + 1,
                        key.value,
                        value.value,
                        revision,
                        (revision_line,) if revision_line else (),
                    )
                )
            else:
                _walk_yaml(value, file, check, refs, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _walk_yaml(item, file, check, refs, seen)
