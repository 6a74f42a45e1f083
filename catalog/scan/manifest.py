"""Read the explicit model manifests: ``models.txt`` and the ``models`` list of ``catalog.toml``.

Unlike the heuristic scanners these are declarations, so every entry is reported and an entry
that is not a valid repo id is an error rather than something to skip.
"""

from __future__ import annotations

import re
from typing import Any

from catalog.scan.base import DiscoveryError, Reference, line_and_column
from catalog.scan.ids import looks_like_repo_id

NAMES = ("models.txt", "catalog.toml")
_REVISION = re.compile(r"[^\s@\"']+")


def _fail(file: str, line: int, message: str) -> DiscoveryError:
    return DiscoveryError(f"{file}:{line}: {message}")


def _split_pin(entry: str, file: str, line: int) -> tuple[str, str | None]:
    """``"org/name@rev"`` -> ``("org/name", "rev")``, validating both halves."""
    repo_id, at, revision = entry.partition("@")
    if not looks_like_repo_id(repo_id):
        raise _fail(file, line, f"{repo_id!r} is not a Hugging Face repo id")
    if at and not _REVISION.fullmatch(revision):
        raise _fail(file, line, f"{entry!r} has an empty or malformed revision after '@'")
    return repo_id, revision or None


def scan_models_txt(text: str, file: str) -> list[Reference]:
    """One ``org/name[@revision]`` per line; ``#`` starts a comment."""
    refs = []
    for number, raw in enumerate(text.splitlines(), 1):
        content = raw.split("#", 1)[0]
        entry = content.strip()
        if not entry:
            continue
        if len(entry.split()) > 1:
            raise _fail(file, number, f"expected one model id per line, got {entry!r}")
        repo_id, revision = _split_pin(entry, file, number)
        column = content.index(entry) + 1
        refs.append(Reference(repo_id, file, number, column, "manifest", revision, "models.txt"))
    return refs


def scan_catalog_toml(text: str, file: str) -> list[Reference]:
    """``models = ["org/name@rev", ...]`` and/or ``[[models]]`` tables with ``id`` and ``revision``."""
    import tomllib  # only projects with a catalog.toml pay for it

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"at line (\d+)", str(error))
        raise _fail(file, int(found.group(1)) if found else 1, f"invalid TOML: {error}") from None
    models = document.get("models")
    if models is None:
        return []
    key_at = re.search(r"^[ \t]*(?:\[\[[ \t]*)?models\b", text, re.MULTILINE)
    key_line = line_and_column(text, key_at.start())[0] if key_at else 1
    if not isinstance(models, list):
        raise _fail(file, key_line, "'models' must be a list of ids or [[models]] tables")
    tables = [m.start() for m in re.finditer(r"^[ \t]*\[\[[ \t]*models[ \t]*\]\]", text, re.MULTILINE)]
    refs = []
    cursor = key_at.start() if key_at else 0
    for index, entry in enumerate(models):
        line = line_and_column(text, tables[index])[0] if index < len(tables) else key_line
        column, related = 1, ()
        needle = entry if isinstance(entry, str) else entry.get("id") if isinstance(entry, dict) else None
        found = None
        if isinstance(needle, str):
            found = re.compile(rf"""["']{re.escape(needle)}["']""").search(text, cursor)
        if found is not None:
            cursor = found.end()
            line, column = line_and_column(text, found.start())
        repo_id, revision = _entry(entry, file, line)
        if found is not None and revision and isinstance(entry, dict):
            pinned = text.find(revision, cursor)
            related = (line_and_column(text, pinned)[0],) if pinned >= 0 else ()
        refs.append(
            Reference(
                repo_id,
                file,
                line,
                column,
                "manifest",
                revision,
                "catalog.toml",
                tuple(n for n in related if n != line),
            )
        )
    return refs


def _entry(entry: Any, file: str, line: int) -> tuple[str, str | None]:
    if isinstance(entry, str):
        return _split_pin(entry, file, line)
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise _fail(file, line, "each [[models]] entry needs an 'id' string")
    revision = entry.get("revision")
    if revision is not None and not (isinstance(revision, str) and _REVISION.fullmatch(revision)):
        raise _fail(file, line, f"revision of {entry['id']!r} must be a non-empty string")
    repo_id, pinned = _split_pin(entry["id"], file, line)
    return repo_id, revision or pinned


def covered_locations(path: str, file: str) -> set[tuple[str, int]]:
    """The ``file:line`` places a ``catalog.toml`` says its models are used at (``used_at``).

    ``[[models]]`` tables may name the lines that load them (``used_at = ["src/train.py:42"]``,
    paths as reports show them): an ``unresolved-reference`` at such a place is settled by
    the manifest entry and no longer reported. ``file`` (the manifest's own report path) is
    only used to make the names relative to the manifest's folder.
    """
    import tomllib

    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except (OSError, ValueError, RecursionError):
        return set()  # scan_catalog_toml has already reported a malformed manifest
    folder = file.rpartition("/")[0]
    places: set[tuple[str, int]] = set()
    for entry in document.get("models") or ():
        used = entry.get("used_at") if isinstance(entry, dict) else None
        for place in [used] if isinstance(used, str) else used if isinstance(used, list) else ():
            name, _, line = str(place).rpartition(":")
            if name and line.isdigit():
                places.add((f"{folder}/{name}" if folder else name, int(line)))
    return places
