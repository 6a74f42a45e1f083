"""What the fake Hub (``catalog.hubsim.server``) holds: API-shaped model dicts, kept in listing order.

Models are stored the way ``GET /api/models/{repo_id}`` returns them. Records in older shapes
(the 2022 ``list_models(full=True)`` dump has ``modelId`` but no ``id`` or ``author``) get the
fields that follow from what they hold (``id``, ``author``). A field the record does not hold (a
sha, a date, a count, a file list) stays absent: the fake Hub never makes one up, and clients
treat it as the Hub's answer for an unknown field.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

AccessStatus = Literal["gated", "private", "missing"]
ACCESS_STATUSES: frozenset[str] = frozenset({"gated", "private", "missing"})

# Sort name -> (property, type of its values). The Hub sorts these descending only.
SORTS: dict[str, tuple[str, type]] = {
    "lastModified": ("lastModified", str),
    "createdAt": ("createdAt", str),
    "downloads": ("downloads", int),
    "likes": ("likes", int),
    "trendingScore": ("trendingScore", int),
}

# A sort key is [1, value] or [0, 0] when the model has no usable value: those sort last.
SortKey = list[Any]
_NO_KEY: SortKey = [0, 0]


def trending_score(model: dict[str, Any]) -> Any:
    """The model's trending score; the bundled data has none, so likes stand in for it."""
    if "trendingScore" in model:
        return model["trendingScore"]
    likes = model.get("likes")
    return likes if isinstance(likes, int) and not isinstance(likes, bool) else 0


def sort_key(model: dict[str, Any], sort: str | None) -> SortKey:
    """Where ``model`` falls under ``sort`` (None: the default order, by id alone)."""
    if sort is None:
        return _NO_KEY
    prop, kind = SORTS[sort]
    value = trending_score(model) if prop == "trendingScore" else model.get(prop)
    # A mistyped value must not make the whole listing unsortable; it sorts as missing.
    if isinstance(value, bool) or not isinstance(value, kind):
        return _NO_KEY
    return [1, value]


def normalise(model: dict[str, Any]) -> dict[str, Any]:
    """Complete ``model`` with the fields that follow from what it holds; given values win.

    ``id`` comes from ``modelId``, ``author`` from the namespace of the id, and the flags a public
    listing implies (``private``, ``disabled``) and ``tags`` default to false and empty. A record
    without ``_id`` gets a stable one from its id alone: every Hub repository has an object id,
    and it identifies the record rather than stating a fact about it. Nothing else is filled in:
    no sha, dates, counts or file list.

    Raises:
        ValueError: the record has neither ``id`` nor ``modelId``.
    """
    out = dict(model)
    repo_id = out.get("id") or out.get("modelId")
    if not isinstance(repo_id, str) or not repo_id:
        raise ValueError(f"a Hub model needs an 'id' (or 'modelId'): {str(model)[:200]}")
    out["id"] = repo_id
    out.setdefault("modelId", repo_id)
    if "/" in repo_id:
        out.setdefault("author", repo_id.split("/", 1)[0])
    out.setdefault("_id", hashlib.sha1(f"catalog-hubsim:{repo_id}".encode("utf-8", "surrogatepass")).hexdigest()[:24])
    for key, default in (("private", False), ("disabled", False), ("tags", [])):
        out.setdefault(key, default)
    return out


@dataclass(frozen=True)
class RepoFile:
    """A file of a model repository: its content, and whether Git LFS stores it."""

    path: str
    content: bytes
    lfs: bool = False

    @property
    def etag(self) -> str:
        """What the Hub sends as the ETag: the git blob sha1, or for an LFS file the sha256."""
        if self.lfs:
            return self.sha256
        return hashlib.sha1(b"blob %d\0" % len(self.content) + self.content).hexdigest()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


class HubStore:
    """The models the fake Hub holds: full API-shaped dicts (as ``/api/models/{id}`` returns them).

    Thread-safe: tests mutate it while the server answers from another thread. Each listing
    works on a snapshot of the order taken when its page is built.
    """

    def __init__(self, models: Iterable[dict[str, Any]] = ()) -> None:
        self._lock = threading.Lock()
        self._models: dict[str, dict[str, Any]] = {}
        self._access: dict[str, str] = {}
        self._renamed: dict[str, str] = {}  # former id -> current id
        self._files: dict[str, dict[str, RepoFile]] = {}  # repo id -> path -> file at the current sha
        self._orders: dict[str | None, list[tuple[SortKey, str, dict[str, Any]]]] = {}
        for model in models:
            self.put(model)

    def put(self, model: dict[str, Any]) -> None:
        """Add ``model``, or replace the model with the same id (the Hub changed between syncs)."""
        stored = normalise(copy.deepcopy(model))
        with self._lock:
            self._models[stored["id"]] = stored
            self._orders.clear()

    def remove(self, repo_id: str) -> None:
        """Delete a model from the Hub: it leaves the listing and its info answers 'not found'.

        Raises:
            KeyError: no such model, which in a test is almost always a typo.
        """
        with self._lock:
            del self._models[repo_id]
            self._access.pop(repo_id, None)
            self._files.pop(repo_id, None)
            self._orders.clear()

    def rename(self, repo_id: str, new_id: str) -> None:
        """Rename a model as the Hub does: it lists under ``new_id``, and its info under the old
        id answers with an HTTP 307 to the new one.

        Raises:
            KeyError: no such model.
            ValueError: ``new_id`` is taken.
        """
        with self._lock:
            if new_id in self._models:
                raise ValueError(f"{new_id} already exists")
            model = self._models.pop(repo_id)
            if repo_id in self._files:
                self._files[new_id] = self._files.pop(repo_id)
            model.update(id=new_id, modelId=new_id)
            if "/" in new_id:
                model["author"] = new_id.split("/", 1)[0]
            self._models[new_id] = model
            self._access.pop(repo_id, None)
            self._renamed = {old: (new_id if new == repo_id else new) for old, new in self._renamed.items()
                             if old != new_id}  # a name taken back no longer redirects
            self._renamed[repo_id] = new_id
            self._orders.clear()

    def put_file(self, repo_id: str, path: str, content: bytes | str, *, lfs: bool = False) -> RepoFile:
        """Give a model a file at its current revision (listed in its siblings), replacing any at ``path``.

        ``lfs`` files are answered as the Hub answers Git LFS files: a redirect to storage.

        Raises:
            KeyError: no such model.
        """
        data = content.encode() if isinstance(content, str) else bytes(content)
        repo_file = RepoFile(path, data, lfs)
        with self._lock:
            model = self._models[repo_id]
            siblings = model.setdefault("siblings", [])
            if not any(isinstance(s, dict) and s.get("rfilename") == path for s in siblings):
                siblings.append({"rfilename": path})
            self._files.setdefault(repo_id, {})[path] = repo_file
        return repo_file

    def file(self, repo_id: str, path: str) -> RepoFile | None:
        """The file at ``path`` of a model, or None."""
        with self._lock:
            return self._files.get(repo_id, {}).get(path)

    def lfs_object(self, sha256: str) -> RepoFile | None:
        """The LFS file whose content has this sha256 (what the storage redirect points at)."""
        with self._lock:
            for files in self._files.values():
                for repo_file in files.values():
                    if repo_file.lfs and repo_file.sha256 == sha256:
                        return repo_file
        return None

    def renamed_to(self, repo_id: str) -> str | None:
        """The current id of a renamed model's former id, or None."""
        with self._lock:
            return self._renamed.get(repo_id)

    def set_access(self, repo_id: str, status: AccessStatus | None) -> None:
        """Make the model's info answer as a gated, private or vanished repository would.

        The model stays in the listing, as happens when a repository is gated, made private or
        deleted between a listing page and the per-model call. ``None`` restores normal access.
        """
        if status is not None and status not in ACCESS_STATUSES:
            raise ValueError(
                f"access status must be one of {sorted(ACCESS_STATUSES)} or None, not {status!r}"
            )
        with self._lock:
            if status is None:
                self._access.pop(repo_id, None)
            else:
                self._access[repo_id] = status

    def access(self, repo_id: str) -> str | None:
        """The access status set with :meth:`set_access`, if any."""
        with self._lock:
            return self._access.get(repo_id)

    def get(self, repo_id: str) -> dict[str, Any] | None:
        """A copy of the stored model (change it and :meth:`put` it back), or None."""
        with self._lock:
            model = self._models.get(repo_id)
        return copy.deepcopy(model) if model is not None else None

    def peek(self, repo_id: str) -> dict[str, Any] | None:
        """The stored model itself, for read-only use by the server (no copy)."""
        with self._lock:
            return self._models.get(repo_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._models)

    def __contains__(self, repo_id: object) -> bool:
        with self._lock:
            return repo_id in self._models

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._models))

    def ordered(self, sort: str | None) -> list[tuple[SortKey, str, dict[str, Any]]]:
        """All models as ``(sort key, id, model)``: key descending, then id ascending.

        The list is a snapshot shared between requests until the store next changes; callers
        must not modify it.
        """
        with self._lock:
            order = self._orders.get(sort)
            if order is None:
                by_id = sorted(self._models.values(), key=lambda m: m["id"])
                keyed = [(sort_key(m, sort), m["id"], m) for m in by_id]
                # reverse=True keeps equal keys in their original (id ascending) order.
                order = sorted(keyed, key=lambda row: row[0], reverse=True)
                self._orders[sort] = order
            return order

    @classmethod
    def from_jsonl(cls, path: str | Path) -> HubStore:
        """Load one model per line from a ``.jsonl`` file, gzip-compressed or not.

        Raises:
            ValueError: a line is not a JSON object with an id.
        """
        return cls(iter_jsonl(path))


def iter_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a ``.jsonl`` file; gzip is recognised by content, not by name."""
    path = Path(path)
    with path.open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    opener = gzip.open if compressed else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not JSON: {exc}") from None
            if not isinstance(record, dict):
                message = f"{path}:{number}: expected a JSON object, got {type(record).__name__}"
                raise ValueError(message)  # noqa: TRY004 -- bad data, not a caller's type error
            yield record
