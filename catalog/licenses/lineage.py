"""Curated lineage (``data/lineage.yaml``): bases that a model's card omits but its publisher states.

The DeepSeek-R1 distills, for instance, declare MIT while DeepSeek says they remain subject to the
licenses of the Llama and Qwen models they were distilled onto. Each entry names its source, so a
finding that comes through such a base can say where the base came from.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from catalog.licenses.loader import knowledge_base
from catalog.resources import data_path

_RELATIONS = ("finetune", "adapter", "merge", "quantized", "unknown")
_FIELDS = {"pattern", "base", "relation", "license", "source"}
_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class CuratedBase:
    """One known base of the models whose repo id matches ``pattern``."""

    pattern: re.Pattern[str]
    base: str
    relation: str
    license: str
    source: str

    @property
    def provenance(self) -> str:
        """How a finding names where this base came from."""
        return f"base from catalog's curated lineage table, source: {self.source}"


def curated_bases(repo_id: str, path: Path | None = None) -> tuple[CuratedBase, ...]:
    """The curated bases of ``repo_id`` (empty when the table knows none)."""
    return tuple(entry for entry in _table(path) if entry.pattern.fullmatch(repo_id))


def curated_base(base_id: str, path: Path | None = None) -> CuratedBase | None:
    """The table entry that names ``base_id`` as a base, for its license when it is not catalogued."""
    return next(iter(curated_for_bases([base_id], path)), None)


def curated_for_bases(base_ids: Iterable[str], path: Path | None = None) -> tuple[CuratedBase, ...]:
    """The entries naming any of ``base_ids`` (case-insensitively) as the base of the models their
    patterns match: those models' findings depend on it."""
    wanted = {base_id.casefold() for base_id in base_ids}
    return tuple(entry for entry in _table(path) if entry.base.casefold() in wanted) if wanted else ()


def literal_prefix(entry: CuratedBase) -> str:
    """Text every repo id the entry's pattern matches begins with, case aside (to narrow a search
    for them): the pattern up to its first regular-expression operator, "" if it has alternatives."""
    pattern, prefix, index = entry.pattern.pattern, "", 0
    if "|" in pattern.replace("\\|", ""):
        return ""
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern) and not pattern[index + 1].isalnum():
            prefix, index = prefix + pattern[index + 1], index + 2
            continue
        if char in "*?{":  # the character before may be absent
            return prefix[:-1]
        if char in ".^$+[]()\\":
            return prefix
        prefix, index = prefix + char, index + 1
    return prefix


@functools.cache
def lineage_version(path: Path | None = None) -> str:
    """sha256 of the table's bytes: derived data records it, so editing the table makes it stale."""
    return hashlib.sha256((path or data_path("licenses", "lineage.yaml")).read_bytes()).hexdigest()


@functools.cache
def _table(path: Path | None) -> tuple[CuratedBase, ...]:
    return load_lineage(path or data_path("licenses", "lineage.yaml"))


def load_lineage(path: Path) -> tuple[CuratedBase, ...]:
    """Read and validate a lineage table.

    Raises:
        ValueError: the file is too large, not YAML, or an entry lacks a field, names an unknown
            relation or license id, or has a pattern that does not compile; the message names the entry.
    """
    raw = Path(path).read_bytes()
    if len(raw) > _MAX_BYTES:
        raise ValueError(f"{Path(path).name}: larger than {_MAX_BYTES:,} bytes")
    try:
        document = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise ValueError(f"{Path(path).name}: not valid YAML: {error}") from error
    if not isinstance(document, dict) or document.get("schema_version") != 1 or not isinstance(
            document.get("lineage"), list):
        raise ValueError(f"{Path(path).name}: needs schema_version: 1 and a 'lineage' list")
    kb = knowledge_base()
    entries = []
    for number, item in enumerate(document["lineage"], 1):
        where = f"{Path(path).name}: lineage #{number}"
        if not isinstance(item, dict) or set(item) != _FIELDS or not all(
                isinstance(item[key], str) and item[key].strip() for key in _FIELDS):
            raise ValueError(f"{where}: needs exactly the text fields {', '.join(sorted(_FIELDS))}")
        if item["relation"] not in _RELATIONS:
            raise ValueError(f"{where}: relation {item['relation']!r} is not one of {', '.join(_RELATIONS)}")
        if kb.get(item["license"]) is None:
            raise ValueError(f"{where}: license {item['license']!r} is not in the knowledge base")
        try:
            pattern = re.compile(item["pattern"], re.IGNORECASE)
        except re.error as error:
            raise ValueError(f"{where}: pattern does not compile: {error}") from error
        entries.append(CuratedBase(pattern, item["base"], item["relation"], item["license"], item["source"]))
    return tuple(entries)
